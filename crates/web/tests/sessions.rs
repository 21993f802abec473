//! Browser sessions: how the cookie is set, when a session starts and ends
//! (sign-in, sign-out, idle and absolute timeouts, account changes), and
//! where the browser goes after signing in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::{form_body, Browser, TestApp, PASSWORD};
use reconnect_domain::Role;
use reconnect_web::WebConfig;
use time::Duration;

/// The attributes of a `Set-Cookie` line, lower-cased, without the value.
fn attributes(line: &str) -> Vec<String> {
    line.split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

fn assert_strict_cookie(what: &str, line: &str, secure: bool) {
    let attrs = attributes(line);
    assert!(
        attrs.contains(&"httponly".to_string()),
        "{what}: not HttpOnly: {line}"
    );
    assert!(
        attrs.contains(&"samesite=strict".to_string()),
        "{what}: not SameSite=Strict: {line}"
    );
    assert!(
        attrs.contains(&"path=/".to_string()),
        "{what}: not Path=/: {line}"
    );
    assert_eq!(
        attrs.contains(&"secure".to_string()),
        secure,
        "{what}: Secure should be {secure}: {line}"
    );
    assert!(
        !attrs.iter().any(|a| a.starts_with("domain")),
        "{what}: has a Domain: {line}"
    );
}

fn assert_cleared(what: &str, line: &str) {
    assert!(!line.is_empty(), "{what}: the cookie is not cleared");
    let value = line.split(';').next().unwrap_or_default();
    assert!(
        value.ends_with('='),
        "{what}: the cleared cookie keeps a value: {line}"
    );
    assert!(
        attributes(line).contains(&"max-age=0".to_string()),
        "{what}: {line}"
    );
}

/// The value of the hidden `next` field of the sign-in form.
fn next_field(html: &str) -> String {
    let marker = "name=\"next\" value=\"";
    let at = html.find(marker).expect("no next field") + marker.len();
    html[at..].split('"').next().unwrap_or_default().to_string()
}

#[tokio::test]
async fn cookies_are_http_only_strict_and_host_wide() {
    let app = TestApp::new().await;
    app.user("worker@example.org", Role::Worker, &[]).await;

    let mut b = Browser::default();
    let res = app.get(&mut b, "/sign-in").await;
    assert_strict_cookie("CSRF cookie", &res.set_cookie_line("reconnect_csrf"), false);

    let res = app
        .post(
            &mut b,
            "/sign-in",
            &[("email", "worker@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let line = res.set_cookie_line("reconnect_session");
    assert_strict_cookie("session cookie", &line, false);
    // A session cookie: the browser forgets it on closing, the server ends it sooner.
    let attrs = attributes(&line);
    assert!(
        !attrs
            .iter()
            .any(|a| a.starts_with("max-age") || a.starts_with("expires")),
        "{line}"
    );
    let token = res.cookie("reconnect_session").unwrap();
    assert!(token.len() >= 40, "a short session token: {token}");
    // The pre-sign-in CSRF cookie is no longer needed.
    assert_cleared(
        "CSRF cookie after sign-in",
        &res.set_cookie_line("reconnect_csrf"),
    );
}

#[tokio::test]
async fn cookies_are_secure_and_host_prefixed_over_tls() {
    let app = TestApp::with_config(WebConfig {
        secure_cookies: true,
        ..WebConfig::default()
    })
    .await;
    app.user("worker@example.org", Role::Worker, &[]).await;

    let res = app
        .request(Method::GET, "/sign-in", &[], Body::empty(), None)
        .await;
    let csrf_line = res.set_cookie_line("__Host-reconnect_csrf");
    assert_strict_cookie("CSRF cookie", &csrf_line, true);
    let csrf = res.cookie("__Host-reconnect_csrf").unwrap();
    let cookie = format!("__Host-reconnect_csrf={csrf}");
    let body = form_body(&[
        ("csrf_token", &csrf),
        ("email", "worker@example.org"),
        ("password", PASSWORD),
    ]);
    let headers = [
        ("cookie", cookie.as_str()),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let res = app
        .request(Method::POST, "/sign-in", &headers, body, None)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let line = res.set_cookie_line("__Host-reconnect_session");
    assert_strict_cookie("session cookie", &line, true);
    assert!(
        res.cookie("reconnect_session").is_none(),
        "an unprefixed session cookie was set"
    );
    let token = res.cookie("__Host-reconnect_session").unwrap();

    let cookie = format!("__Host-reconnect_session={token}");
    let res = app
        .request(
            Method::GET,
            "/",
            &[("cookie", cookie.as_str())],
            Body::empty(),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Hello, Test RECONNECT worker"));
    // The same token under the unprefixed name is not a session here.
    let cookie = format!("reconnect_session={token}");
    let res = app
        .request(
            Method::GET,
            "/",
            &[("cookie", cookie.as_str())],
            Body::empty(),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/sign-in"));
}

#[tokio::test]
async fn signing_in_again_rotates_the_session() {
    let app = TestApp::new().await;
    app.user("worker@example.org", Role::Worker, &[]).await;
    let mut b = app.sign_in("worker@example.org").await;
    let old = b.session.clone().unwrap();

    // Sign in again from the same browser, which still holds its session.
    let res = app
        .post(
            &mut b,
            "/sign-in",
            &[("email", "worker@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let new = res.cookie("reconnect_session").unwrap();
    assert_ne!(new, old, "the session token was not rotated");

    let mut stale = Browser {
        session: Some(old),
        ..Browser::default()
    };
    let res = app.get(&mut stale, "/").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/sign-in?ended=1");
    assert_cleared("old session", &res.set_cookie_line("reconnect_session"));

    let mut fresh = Browser {
        session: Some(new),
        ..Browser::default()
    };
    assert_eq!(app.get(&mut fresh, "/").await.status, StatusCode::OK);
    assert_eq!(app.db.count_rows("staff_session").await, 1);
}

#[tokio::test]
async fn signing_out_ends_the_session_and_is_audited() {
    let app = TestApp::new().await;
    let user = app.user("worker@example.org", Role::Worker, &[]).await;
    let mut b = app.sign_in("worker@example.org").await;
    let token = b.session.clone().unwrap();

    // Without the CSRF token, nothing happens.
    let res = app.post_raw(&mut b, "/sign-out", "").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&mut b, "/").await.status, StatusCode::OK);
    assert!(app.db.audit_events_for("sign_out").await.is_empty());

    let res = app.post(&mut b, "/sign-out", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/sign-in?signed_out=1");
    assert_cleared("sign-out", &res.set_cookie_line("reconnect_session"));

    // The old cookie no longer works.
    let mut replay = Browser {
        session: Some(token),
        ..Browser::default()
    };
    for path in ["/", "/people", "/account"] {
        let res = app.get(&mut replay, path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            res.location().starts_with("/sign-in"),
            "{path}: {}",
            res.location()
        );
    }
    assert_eq!(app.db.count_rows("staff_session").await, 0);

    let events = app.db.audit_events_for("sign_out").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].actor_user_id, Some(user));
    assert_eq!(events[0].ip.as_deref(), Some("127.0.0.1"));

    let mut anon = Browser::default();
    let res = app.get(&mut anon, "/sign-in?signed_out=1").await;
    assert!(res.body.contains("You have signed out."));
}

async fn idle_sessions_end(app: TestApp) {
    app.user("worker@example.org", Role::Worker, &[]).await;
    let mut b = app.sign_in("worker@example.org").await;

    // Activity within the idle limit keeps the session going.
    app.db.advance(Duration::minutes(29));
    assert_eq!(app.get(&mut b, "/").await.status, StatusCode::OK);
    app.db.advance(Duration::minutes(29));
    let res = app.get(&mut b, "/account").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.set_cookie_line("reconnect_session").is_empty());

    // 31 minutes without activity ends it. A form sent then is refused,
    // saying why, and does nothing.
    app.db.advance(Duration::minutes(31));
    let res = app
        .post(
            &mut b,
            "/account/tokens",
            &[("name", "x"), ("lifetime", "30")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(
        res.body.contains("<h1>You have been signed out</h1>"),
        "{}",
        res.body
    );
    assert_cleared(
        "idle session, form",
        &res.set_cookie_line("reconnect_session"),
    );
    assert_eq!(app.db.count_rows("api_token").await, 0);
    // A page asked for then sends the browser to sign in again.
    let res = app.get(&mut b, "/people").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/sign-in?ended=1");
    assert_cleared(
        "idle session, page",
        &res.set_cookie_line("reconnect_session"),
    );

    let mut anon = Browser::default();
    let res = app.get(&mut anon, "/sign-in?ended=1").await;
    assert!(res
        .body
        .contains("You were signed out because you had not used the service for a while"));
}

#[tokio::test]
async fn idle_sessions_end_after_30_minutes() {
    idle_sessions_end(TestApp::new().await).await;
}

#[tokio::test]
async fn idle_sessions_end_after_30_minutes_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        assert_eq!(app.db.engine(), reconnect_store::Engine::Postgres);
        idle_sessions_end(app).await;
    }
}

#[tokio::test]
async fn no_session_outlives_the_absolute_limit() {
    let app = TestApp::new().await;
    app.user("worker@example.org", Role::Worker, &[]).await;
    let mut b = app.sign_in("worker@example.org").await;
    // Busy all day: a request every 20 minutes for just under 12 hours.
    for _ in 0..35 {
        app.db.advance(Duration::minutes(20));
        assert_eq!(app.get(&mut b, "/").await.status, StatusCode::OK);
    }
    app.db.advance(Duration::minutes(20));
    let res = app.get(&mut b, "/").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/sign-in?ended=1");
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_and_tokens_at_once() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (worker, mut wb) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let token = app.token(worker).await;
    let (_, mut admin) = app
        .signed_in_at("admin@example.org", Role::Admin, site.id)
        .await;
    assert_eq!(app.get(&mut wb, "/people").await.status, StatusCode::OK);

    let res = app
        .post(&mut admin, &format!("/admin/users/{worker}/disable"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/admin/users?done=disabled");

    let res = app.get(&mut wb, "/people").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/sign-in?ended=1");
    let res = app.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    // Re-enabling does not revive the old session.
    let res = app
        .post(&mut admin, &format!("/admin/users/{worker}/enable"), &[])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = app.get(&mut wb, "/").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res.location().starts_with("/sign-in"));
}

#[tokio::test]
async fn a_change_of_access_ends_the_users_sessions() {
    let app = TestApp::new().await;
    let a = app.db.site("Site A", &["HMP Alpha"]).await;
    let b = app.db.site("Site B", &["HMP Beta"]).await;
    let (worker, mut wb) = app
        .signed_in_at("worker@example.org", Role::Worker, a.id)
        .await;
    let (_, mut admin) = app
        .signed_in_at("admin@example.org", Role::Admin, a.id)
        .await;
    let a_id = a.id.to_string();
    let b_id = b.id.to_string();

    // A new name alone changes no access: the session carries on.
    let res = app
        .post(
            &mut admin,
            &format!("/admin/users/{worker}"),
            &[
                ("display_name", "Wanda Worker"),
                ("role", "worker"),
                ("sites", &a_id),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = app.get(&mut wb, "/").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Wanda Worker"));

    // A new role ends it.
    let res = app
        .post(
            &mut admin,
            &format!("/admin/users/{worker}"),
            &[
                ("display_name", "Wanda Worker"),
                ("role", "peer_mentor"),
                ("sites", &a_id),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = app.get(&mut wb, "/").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/sign-in?ended=1");

    // So do new sites.
    let mut wb = app.sign_in("worker@example.org").await;
    assert!(app.get(&mut wb, "/").await.body.contains("Peer mentor"));
    let res = app
        .post(
            &mut admin,
            &format!("/admin/users/{worker}"),
            &[
                ("display_name", "Wanda Worker"),
                ("role", "peer_mentor"),
                ("sites", &a_id),
                ("sites", &b_id),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = app.get(&mut wb, "/").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/sign-in?ended=1");

    let events = app.db.audit_events_for("user.update").await;
    assert_eq!(events.len(), 3);
    assert_eq!(
        events[1].detail.as_deref(),
        Some("role worker to peer_mentor")
    );
    assert_eq!(events[2].detail.as_deref(), Some("sites 1 to 2"));
}

#[tokio::test]
async fn after_sign_in_the_browser_goes_back_but_only_within_the_site() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    app.user("worker@example.org", Role::Worker, &[site.id])
        .await;

    // A signed-out visit to a page remembers where it was going.
    let mut b = Browser::default();
    let res = app.get(&mut b, "/people/new").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/sign-in?next=%2Fpeople%2Fnew");
    let res = app.get(&mut b, res.location()).await;
    assert_eq!(next_field(&res.body), "/people/new");
    let res = app
        .post(
            &mut b,
            "/sign-in",
            &[
                ("email", "worker@example.org"),
                ("password", PASSWORD),
                ("next", "/people/new"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/people/new");

    // Anywhere else goes home.
    for evil in [
        "//evil.example",
        "//evil.example/people",
        "https://evil.example/",
        "/\\evil.example",
        "evil.example",
        "/sign-out",
        "javascript:alert(1)",
        // Browsers drop tabs and newlines from URLs: "/\t/evil.example" is "//evil.example".
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        // Control characters cannot go in a Location header at all.
        "/\u{1}people",
        "/people\u{7f}",
    ] {
        let mut b = Browser::default();
        let res = app
            .get(&mut b, &format!("/sign-in?next={}", urlencode(evil)))
            .await;
        assert_eq!(next_field(&res.body), "/", "{evil}: the form keeps it");
        let res = app
            .post(
                &mut b,
                "/sign-in",
                &[
                    ("email", "worker@example.org"),
                    ("password", PASSWORD),
                    ("next", evil),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{evil}");
        assert_eq!(res.location(), "/", "{evil}");
    }
}

fn urlencode(s: &str) -> String {
    form_body(&[("x", s)]).trim_start_matches("x=").to_string()
}
