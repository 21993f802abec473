//! Cross-site request forgery: every state-changing browser request must
//! carry the CSRF token of its own session (or, before sign-in, of its own
//! CSRF cookie); API clients with a bearer token need none.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{form_body, Browser, Res, TestApp, PASSWORD};
use reconnect_domain::{PrisonId, Role};

fn person_json(prison: PrisonId, family: &str) -> String {
    serde_json::json!({
        "given_name": "Ada",
        "family_name": family,
        "date_of_birth": "1990-07-03",
        "nhs_number_unknown_reason": "not_yet_traced",
        "prison_number": "A1234BC",
        "prison_id": prison.to_string(),
    })
    .to_string()
}

fn person_form(prison: &str) -> Vec<(&'static str, String)> {
    vec![
        ("given_name", "Ada".into()),
        ("family_name", "Lovelace".into()),
        ("date_of_birth-day", "3".into()),
        ("date_of_birth-month", "7".into()),
        ("date_of_birth-year", "1990".into()),
        ("nhs_number_unknown_reason", "not_yet_traced".into()),
        ("prison_number", "A1234BC".into()),
        ("prison_id", prison.into()),
    ]
}

fn as_refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn assert_csrf_page(what: &str, res: &Res) {
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{what}: {}", res.body);
    assert!(
        res.header("content-type").starts_with("text/html"),
        "{what}"
    );
    assert!(
        res.body.contains("<h1>This form could not be sent</h1>"),
        "{what}: {}",
        res.body
    );
    assert!(
        res.body.contains(&format!(
            "{}/nhsuk/nhsuk-frontend.min.css",
            reconnect_web::assets::prefix()
        )),
        "{what}: not styled"
    );
}

fn assert_csrf_problem(what: &str, res: &Res) {
    assert_eq!(res.status, StatusCode::FORBIDDEN, "{what}: {}", res.body);
    assert_eq!(
        res.header("content-type"),
        "application/problem+json",
        "{what}"
    );
    assert_eq!(res.json()["type"], "/problems/csrf", "{what}");
}

#[tokio::test]
async fn sign_in_without_the_right_token_is_refused() {
    let app = TestApp::new().await;
    app.user("worker@example.org", Role::Worker, &[]).await;
    let mut b = Browser::default();
    app.get(&mut b, "/sign-in").await;
    assert!(b.csrf_cookie.is_some() && !b.csrf.is_empty());
    let creds = format!("email=worker%40example.org&password={PASSWORD}");

    let res = app.post_raw(&mut b, "/sign-in", &creds).await;
    assert_csrf_page("no token", &res);
    assert!(res.cookie("reconnect_session").is_none());

    let res = app
        .post_raw(&mut b, "/sign-in", &format!("csrf_token=forged&{creds}"))
        .await;
    assert_csrf_page("wrong token", &res);
    assert!(res.cookie("reconnect_session").is_none());

    // The right token, but not the cookie that goes with it (a forged form
    // from another site cannot send this site's cookie).
    let token = b.csrf.clone();
    let mut cookieless = Browser::default();
    let res = app
        .post_raw(
            &mut cookieless,
            "/sign-in",
            &format!("csrf_token={token}&{creds}"),
        )
        .await;
    assert_csrf_page("no cookie", &res);
    assert!(res.cookie("reconnect_session").is_none());

    // Another browser's token and cookie do not match this browser's.
    let mut other = Browser::default();
    app.get(&mut other, "/sign-in").await;
    let res = app
        .post_raw(
            &mut b,
            "/sign-in",
            &format!("csrf_token={}&{creds}", other.csrf),
        )
        .await;
    assert_csrf_page("another browser's token", &res);

    assert_eq!(app.db.count_rows("staff_session").await, 0);
    assert!(app
        .db
        .audit_events()
        .await
        .iter()
        .all(|e| !e.action.starts_with("sign_in")));

    // The right token works (so the refusals above were about the token).
    let res = app
        .post(
            &mut b,
            "/sign-in",
            &[("email", "worker@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.cookie("reconnect_session").is_some());
}

#[tokio::test]
async fn signed_in_forms_need_the_sessions_token() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (_, mut b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let prison = site.prisons[0].to_string();
    let fields = person_form(&prison);

    let res = app
        .post_raw(&mut b, "/people/new", &form_body(&as_refs(&fields)))
        .await;
    assert_csrf_page("no token", &res);
    let mut forged = as_refs(&fields);
    forged.push(("csrf_token", "forged"));
    let res = app
        .post_raw(&mut b, "/people/new", &form_body(&forged))
        .await;
    assert_csrf_page("wrong token", &res);
    // An empty token never matches.
    let mut empty = as_refs(&fields);
    empty.push(("csrf_token", ""));
    let res = app
        .post_raw(&mut b, "/people/new", &form_body(&empty))
        .await;
    assert_csrf_page("empty token", &res);
    assert_eq!(app.db.count_rows("person").await, 0);
    assert!(app.db.audit_events_for("person.create").await.is_empty());

    // The session still works, and with its token the form goes through.
    let res = app.post(&mut b, "/people/new", &as_refs(&fields)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(app.db.count_rows("person").await, 1);
}

#[tokio::test]
async fn one_sessions_token_does_not_work_for_another() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (_, mut alice) = app
        .signed_in_at("alice@example.org", Role::Worker, site.id)
        .await;
    let (_, bob) = app
        .signed_in_at("bob@example.org", Role::Worker, site.id)
        .await;
    // Two sessions of the same account have different tokens too.
    let alice_again = app.sign_in("alice@example.org").await;
    assert_ne!(alice.csrf, bob.csrf);
    assert_ne!(alice.csrf, alice_again.csrf);

    let prison = site.prisons[0].to_string();
    let form = person_form(&prison);
    let mut fields = as_refs(&form);
    for (label, token) in [
        ("bob's token", bob.csrf.as_str()),
        ("another session's token", alice_again.csrf.as_str()),
    ] {
        fields.retain(|(k, _)| *k != "csrf_token");
        fields.push(("csrf_token", token));
        let res = app
            .post_raw(&mut alice, "/people/new", &form_body(&fields))
            .await;
        assert_csrf_page(label, &res);
        let res = app
            .browser_api(
                &alice,
                Method::POST,
                "/api/v1/people",
                Some(token),
                Some(&person_json(site.prisons[0], "Viaheader")),
            )
            .await;
        assert_csrf_problem(label, &res);
    }
    assert_eq!(app.db.count_rows("person").await, 0);
}

#[tokio::test]
async fn browser_api_calls_send_the_token_in_a_header() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (worker, b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let body = person_json(site.prisons[0], "Lovelace");

    // Reads need no token.
    let res = app
        .browser_api(&b, Method::GET, "/api/v1/me", None, None)
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["id"], worker.to_string());

    let res = app
        .browser_api(&b, Method::POST, "/api/v1/people", None, Some(&body))
        .await;
    assert_csrf_problem("no header", &res);
    let res = app
        .browser_api(
            &b,
            Method::POST,
            "/api/v1/people",
            Some("forged"),
            Some(&body),
        )
        .await;
    assert_csrf_problem("wrong header", &res);
    assert_eq!(app.db.count_rows("person").await, 0);

    let csrf = b.csrf.clone();
    let res = app
        .browser_api(&b, Method::POST, "/api/v1/people", Some(&csrf), Some(&body))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.json()["family_name"], "Lovelace");
    assert_eq!(app.db.count_rows("person").await, 1);

    // DELETE is state-changing too.
    let (token_id, _) = app.token_for(worker, None).await;
    let path = format!("/api/v1/tokens/{token_id}");
    let res = app.browser_api(&b, Method::DELETE, &path, None, None).await;
    assert_csrf_problem("DELETE without header", &res);
    let res = app
        .browser_api(&b, Method::DELETE, &path, Some(&csrf), None)
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
}

#[tokio::test]
async fn bearer_token_calls_need_no_csrf_token_and_ignore_cookies() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (worker, b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let token = app.token(worker).await;

    let res = app
        .api(
            Method::POST,
            "/api/v1/people",
            Some(&token),
            Some(&person_json(site.prisons[0], "Bearer")),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let (token_id, _) = app.token_for(worker, None).await;
    let res = app
        .api(
            Method::DELETE,
            &format!("/api/v1/tokens/{token_id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);

    // A bad bearer token is judged alone: the session cookie alongside it
    // does not stand in for it.
    let cookies = app.cookies_of(&b);
    let headers = [
        ("authorization", "Bearer rcn_not-a-real-token"),
        ("cookie", cookies.as_str()),
        ("x-csrf-token", b.csrf.as_str()),
        ("content-type", "application/json"),
    ];
    let res = app
        .request(
            Method::POST,
            "/api/v1/people",
            &headers,
            person_json(site.prisons[0], "Mixed"),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.body);
    assert_eq!(app.db.count_rows("person").await, 1);

    // Signed-out API writes are simply unauthorised (not a CSRF question).
    let res = app
        .api(
            Method::POST,
            "/api/v1/people",
            None,
            Some(&person_json(site.prisons[0], "Nobody")),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.db.count_rows("person").await, 1);
}
