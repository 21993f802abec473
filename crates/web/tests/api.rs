//! The JSON API with personal access tokens: people, staff accounts, the
//! audit trail and tokens. Every failure is a problem document; input
//! problems name their fields; nothing outside the caller's scope exists.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{Res, TestApp};
use reconnect_domain::{PrisonId, Role};
use serde_json::{json, Value};
use time::Duration;

fn person(prison: PrisonId) -> Value {
    json!({
        "given_name": "Ada",
        "family_name": "Lovelace",
        "preferred_name": "Addie",
        "date_of_birth": "1990-07-03",
        "nhs_number": "943 476 5919",
        "prison_number": "A1234BC",
        "prison_id": prison.to_string(),
    })
}

fn problem(what: &str, res: &Res, status: StatusCode, kind: &str) -> Value {
    assert_eq!(res.status, status, "{what}: {}", res.body);
    assert_eq!(
        res.header("content-type"),
        "application/problem+json",
        "{what}"
    );
    let doc = res.json();
    assert_eq!(doc["type"], format!("/problems/{kind}"), "{what}: {doc}");
    assert_eq!(doc["status"], status.as_u16(), "{what}");
    assert!(
        doc["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{what}"
    );
    doc
}

/// The `field` of each entry of a problem's `errors`, in order.
fn error_fields(doc: &Value) -> Vec<String> {
    doc["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
                    e["field"].as_str().unwrap_or_default().to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

struct World {
    app: TestApp,
    site: reconnect_store::testing::TestSite,
    other: reconnect_store::testing::TestSite,
    worker: reconnect_domain::UserId,
    token: String,
}

async fn world(app: TestApp) -> World {
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let other = app.db.site("Site B", &["HMP Beta"]).await;
    let worker = app
        .user("worker@example.org", Role::Worker, &[site.id])
        .await;
    let token = app.token(worker).await;
    World {
        app,
        site,
        other,
        worker,
        token,
    }
}

async fn people_round_trip(w: World) {
    let app = &w.app;
    let t = Some(w.token.as_str());

    let res = app
        .api(
            Method::POST,
            "/api/v1/people",
            t,
            Some(&person(w.site.prisons[0]).to_string()),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert!(res.header("content-type").starts_with("application/json"));
    let created = res.json();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["given_name"], "Ada");
    assert_eq!(created["family_name"], "Lovelace");
    assert_eq!(created["preferred_name"], "Addie");
    assert_eq!(created["date_of_birth"], "1990-07-03");
    assert_eq!(created["nhs_number"], "9434765919");
    assert_eq!(created["prison_number"], "A1234BC");
    assert_eq!(created["prison_id"], w.site.prisons[0].to_string());
    assert_eq!(created["prison_name"], "HMP Alpha");
    assert_eq!(created["site_id"], w.site.id.to_string());
    assert_eq!(created["site_name"], "Site A");
    let audit = app.db.audit_events_for("person.create").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor_user_id, Some(w.worker));
    assert_eq!(
        audit[0].request_id.as_deref(),
        Some(res.header("x-request-id"))
    );

    let res = app.api(Method::GET, "/api/v1/people", t, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let list = res.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["family_name"], "Lovelace");
    assert!(
        list[0].get("nhs_number").is_none(),
        "the list shows NHS numbers"
    );

    let res = app
        .api(Method::GET, "/api/v1/people?search=lovel", t, None)
        .await;
    assert_eq!(res.json().as_array().unwrap().len(), 1);
    let res = app
        .api(
            Method::GET,
            "/api/v1/people?search=nobody-like-this",
            t,
            None,
        )
        .await;
    assert_eq!(res.json(), json!([]));
    // Another site, named outright, does not exist for this caller.
    let res = app
        .api(
            Method::GET,
            &format!("/api/v1/people?site_id={}", w.other.id),
            t,
            None,
        )
        .await;
    problem("another site", &res, StatusCode::NOT_FOUND, "not-found");
    let res = app
        .api(
            Method::GET,
            &format!("/api/v1/people?site_id={}", w.site.id),
            t,
            None,
        )
        .await;
    assert_eq!(res.json().as_array().unwrap().len(), 1);

    let res = app
        .api(Method::GET, &format!("/api/v1/people/{id}"), t, None)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json(), created);
    // Two reads: the record returned by the create (same request), and this one.
    let views = app.db.audit_events_for("person.view").await;
    assert_eq!(views.len(), 2);
    assert_eq!(views[0].request_id, audit[0].request_id);
    assert_eq!(
        views[1].request_id.as_deref(),
        Some(res.header("x-request-id"))
    );
}

#[tokio::test]
async fn people_are_created_listed_and_shown() {
    people_round_trip(world(TestApp::new().await).await).await;
}

#[tokio::test]
async fn people_are_created_listed_and_shown_on_postgres() {
    if let Some(app) = TestApp::postgres().await {
        assert_eq!(app.db.engine(), reconnect_store::Engine::Postgres);
        people_round_trip(world(app).await).await;
    }
}

#[tokio::test]
async fn bad_people_are_refused_naming_each_field() {
    let w = world(TestApp::new().await).await;
    let (app, t) = (&w.app, Some(w.token.as_str()));

    let bad = json!({
        "given_name": "",
        "family_name": " ",
        "date_of_birth": "03/07/1990",
        "nhs_number": "123",
        "prison_number": "BAD",
        "prison_id": "not-a-prison",
    });
    let res = app
        .api(Method::POST, "/api/v1/people", t, Some(&bad.to_string()))
        .await;
    let doc = problem(
        "every field wrong",
        &res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(
        error_fields(&doc),
        [
            "given_name",
            "family_name",
            "date_of_birth",
            "nhs_number",
            "prison_number",
            "prison_id"
        ]
    );

    // The date must be a past, real date in ISO form.
    for (dob, message_part) in [
        ("2030-01-01", "past"),
        ("1990-02-31", "YYYY-MM-DD"),
        ("1890-01-01", "120"),
    ] {
        let mut body = person(w.site.prisons[0]);
        body["date_of_birth"] = json!(dob);
        let res = app
            .api(Method::POST, "/api/v1/people", t, Some(&body.to_string()))
            .await;
        let doc = problem(dob, &res, StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(error_fields(&doc), ["date_of_birth"], "{dob}");
        assert!(
            doc["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(message_part),
            "{dob}: {doc}"
        );
    }

    // A prison at another site.
    let res = app
        .api(
            Method::POST,
            "/api/v1/people",
            t,
            Some(&person(w.other.prisons[0]).to_string()),
        )
        .await;
    let doc = problem(
        "other site's prison",
        &res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(error_fields(&doc), ["prison_id"]);

    // Shape problems name the field too.
    let mut missing = person(w.site.prisons[0]);
    missing.as_object_mut().unwrap().remove("family_name");
    let res = app
        .api(
            Method::POST,
            "/api/v1/people",
            t,
            Some(&missing.to_string()),
        )
        .await;
    let doc = problem(
        "missing field",
        &res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(error_fields(&doc), ["family_name"]);
    let mut wrong_type = person(w.site.prisons[0]);
    wrong_type["given_name"] = json!(42);
    let res = app
        .api(
            Method::POST,
            "/api/v1/people",
            t,
            Some(&wrong_type.to_string()),
        )
        .await;
    let doc = problem(
        "wrong type",
        &res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(error_fields(&doc), ["given_name"]);
    let mut extra = person(w.site.prisons[0]);
    extra["site_id"] = json!(w.other.id.to_string());
    let res = app
        .api(Method::POST, "/api/v1/people", t, Some(&extra.to_string()))
        .await;
    let doc = problem(
        "unknown field",
        &res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert!(
        doc["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("site_id"),
        "{doc}"
    );

    assert_eq!(app.db.count_rows("person").await, 0);
    assert!(app.db.audit_events_for("person.create").await.is_empty());
}

#[tokio::test]
async fn malformed_wrongly_typed_and_oversized_bodies_are_refused() {
    let w = world(TestApp::new().await).await;
    let (app, t) = (&w.app, Some(w.token.as_str()));

    let res = app
        .api(
            Method::POST,
            "/api/v1/people",
            t,
            Some("{\"given_name\": \"Ada\","),
        )
        .await;
    problem(
        "malformed JSON",
        &res,
        StatusCode::BAD_REQUEST,
        "bad-request",
    );
    let res = app
        .api(
            Method::POST,
            "/api/v1/people",
            t,
            Some("{'given_name': 'Ada'}"),
        )
        .await;
    problem(
        "malformed JSON",
        &res,
        StatusCode::BAD_REQUEST,
        "bad-request",
    );

    let body = person(w.site.prisons[0]).to_string();
    let auth = format!("Bearer {}", w.token);
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
    ] {
        let headers = [
            ("authorization", auth.as_str()),
            ("content-type", content_type),
        ];
        let res = app
            .request(Method::POST, "/api/v1/people", &headers, body.clone(), None)
            .await;
        problem(
            content_type,
            &res,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
        );
    }
    let headers = [("authorization", auth.as_str())];
    let res = app
        .request(Method::POST, "/api/v1/people", &headers, body.clone(), None)
        .await;
    problem(
        "no content type",
        &res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    );

    // Larger than max_body_bytes (64 KiB by default): 413, nothing written.
    let limit = reconnect_web::WebConfig::default().max_body_bytes;
    let mut huge = person(w.site.prisons[0]);
    huge["preferred_name"] = json!("x".repeat(limit));
    let res = app
        .api(Method::POST, "/api/v1/people", t, Some(&huge.to_string()))
        .await;
    problem(
        "too large",
        &res,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
    );
    // Just under the limit is read (and refused on its merits).
    let mut big = person(w.site.prisons[0]);
    big["preferred_name"] = json!("x".repeat(limit - 1024));
    let res = app
        .api(Method::POST, "/api/v1/people", t, Some(&big.to_string()))
        .await;
    let doc = problem(
        "large",
        &res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(error_fields(&doc), ["preferred_name"]);

    assert_eq!(app.db.count_rows("person").await, 0);
    assert!(app.db.audit_events_for("person.create").await.is_empty());
}

#[tokio::test]
async fn unknown_malformed_and_out_of_scope_people_are_not_found() {
    let w = world(TestApp::new().await).await;
    let (app, t) = (&w.app, Some(w.token.as_str()));
    let b_worker = app.db.staff(Role::Worker, &[w.other.id]).await;
    let theirs = app
        .db
        .person(&b_worker, w.other.prisons[0], "Zebedee", "Elsewhere")
        .await;

    let not_found = [
        uuid::Uuid::now_v7().to_string(),
        "not-an-id".to_string(),
        "1%20OR%201=1".to_string(),
        theirs.to_string(),
    ];
    let mut bodies = Vec::new();
    for id in not_found {
        let res = app
            .api(Method::GET, &format!("/api/v1/people/{id}"), t, None)
            .await;
        let doc = problem(&id, &res, StatusCode::NOT_FOUND, "not-found");
        assert!(!res.body.contains("Elsewhere"));
        bodies.push(doc);
    }
    // Someone else's record is indistinguishable from no record.
    assert!(bodies.windows(2).all(|p| p[0] == p[1]), "{bodies:?}");
    let res = app.api(Method::GET, "/api/v1/people", t, None).await;
    assert!(!res.body.contains("Elsewhere"));
    assert!(app.db.audit_events_for("person.view").await.is_empty());
}

#[tokio::test]
async fn revoked_and_expired_tokens_stop_working() {
    let w = world(TestApp::new().await).await;
    let app = &w.app;
    let caller = app.db.caller(w.worker).await;

    // Revoked (through the API, with the token itself).
    let (id, secret) = app.token_for(w.worker, None).await;
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some(&secret), None)
            .await
            .status,
        StatusCode::OK
    );
    let res = app
        .api(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&secret),
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert!(res.body.is_empty());
    let res = app
        .api(Method::GET, "/api/v1/me", Some(&secret), None)
        .await;
    problem("revoked", &res, StatusCode::UNAUTHORIZED, "unauthorized");
    let res = app
        .api(
            Method::POST,
            "/api/v1/people",
            Some(&secret),
            Some(&person(w.site.prisons[0]).to_string()),
        )
        .await;
    problem(
        "revoked write",
        &res,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );

    // Expired.
    let (_, secret) = app
        .db
        .store
        .create_token(&caller, "short-lived", Some(Duration::days(1)))
        .await
        .unwrap();
    app.db.advance(Duration::days(1) - Duration::seconds(1));
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some(&secret), None)
            .await
            .status,
        StatusCode::OK
    );
    app.db.advance(Duration::seconds(1));
    let res = app
        .api(Method::GET, "/api/v1/me", Some(&secret), None)
        .await;
    problem("expired", &res, StatusCode::UNAUTHORIZED, "unauthorized");
    // The long-lived token still works.
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some(&w.token), None)
            .await
            .status,
        StatusCode::OK
    );

    // Tokens of a disabled account stop too.
    let admin = app.db.staff(Role::Admin, &[]).await;
    app.db
        .store
        .set_user_disabled(&admin, w.worker, true)
        .await
        .unwrap();
    let res = app
        .api(Method::GET, "/api/v1/me", Some(&w.token), None)
        .await;
    problem("disabled", &res, StatusCode::UNAUTHORIZED, "unauthorized");

    // Malformed Authorization headers are simply not credentials.
    for header in [
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "bearer rcn_x",
        "Token rcn_x",
    ] {
        let res = app
            .request(
                Method::GET,
                "/api/v1/me",
                &[("authorization", header)],
                "",
                None,
            )
            .await;
        problem(header, &res, StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

#[tokio::test]
async fn administrators_manage_users_through_the_api() {
    let w = world(TestApp::new().await).await;
    let app = &w.app;
    let admin = app.user("admin@example.org", Role::Admin, &[]).await;
    let admin_token = app.token(admin).await;

    let new_user = json!({
        "email": "api.made@example.org",
        "display_name": "Api Made",
        "role": "peer_mentor",
        "site_ids": [w.site.id.to_string()],
        "password": "velvet-harbour-compass-17",
    });
    // Not for anyone else.
    let res = app
        .api(
            Method::POST,
            "/api/v1/users",
            Some(&w.token),
            Some(&new_user.to_string()),
        )
        .await;
    problem("worker creating", &res, StatusCode::FORBIDDEN, "forbidden");
    let res = app
        .api(Method::GET, "/api/v1/users", Some(&w.token), None)
        .await;
    problem("worker listing", &res, StatusCode::FORBIDDEN, "forbidden");

    let res = app
        .api(
            Method::POST,
            "/api/v1/users",
            Some(&admin_token),
            Some(&new_user.to_string()),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let made = res.json();
    assert_eq!(made["email"], "api.made@example.org");
    assert_eq!(made["role"], "peer_mentor");
    assert_eq!(made["site_ids"], json!([w.site.id.to_string()]));
    assert_eq!(made["disabled"], false);
    assert!(
        made.get("password").is_none() && !res.body.contains("argon2"),
        "{made}"
    );

    let res = app
        .api(Method::GET, "/api/v1/users", Some(&admin_token), None)
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let users = res.json();
    let emails: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert!(
        emails.contains(&"api.made@example.org") && emails.contains(&"worker@example.org"),
        "{emails:?}"
    );
    assert!(!res.body.contains("argon2"));

    // The new account signs in with its password.
    let (_, signed) = app
        .try_sign_in("api.made@example.org", "velvet-harbour-compass-17")
        .await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);

    // Problems name their fields.
    let bad = json!({"email": "nope", "display_name": "", "role": "root", "password": "short"});
    let res = app
        .api(
            Method::POST,
            "/api/v1/users",
            Some(&admin_token),
            Some(&bad.to_string()),
        )
        .await;
    let doc = problem(
        "bad user",
        &res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    let mut fields = error_fields(&doc);
    fields.sort();
    assert_eq!(fields, ["display_name", "email", "password", "role"]);
    let res = app
        .api(
            Method::POST,
            "/api/v1/users",
            Some(&admin_token),
            Some(&new_user.to_string()),
        )
        .await;
    let doc = problem(
        "duplicate",
        &res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
    );
    assert_eq!(error_fields(&doc), ["email"]);
    assert_eq!(
        app.db
            .audit_events_for("user.create")
            .await
            .iter()
            .filter(|e| e.actor_user_id == Some(admin))
            .count(),
        1
    );
}

#[tokio::test]
async fn site_managers_read_their_audit_trail_with_filters() {
    let w = world(TestApp::new().await).await;
    let app = &w.app;
    let caller = app.db.caller(w.worker).await;
    let first = app
        .db
        .person(&caller, w.site.prisons[0], "Ada", "Lovelace")
        .await;
    app.db.advance(Duration::days(2));
    let second = app
        .db
        .person(&caller, w.site.prisons[0], "Grace", "Hopper")
        .await;
    let b_worker = app.db.staff(Role::Worker, &[w.other.id]).await;
    let hidden = app
        .db
        .person(&b_worker, w.other.prisons[0], "Hidden", "Elsewhere")
        .await;
    let manager = app
        .user("manager@example.org", Role::SiteManager, &[w.site.id])
        .await;
    let token = app.token(manager).await;

    let res = app
        .api(Method::GET, "/api/v1/audit", Some(&w.token), None)
        .await;
    problem("worker", &res, StatusCode::FORBIDDEN, "forbidden");

    let people_in = |res: &Res| -> Vec<String> {
        res.json()
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "person.create")
            .map(|e| e["person_id"].as_str().unwrap().to_string())
            .collect()
    };
    let res = app
        .api(Method::GET, "/api/v1/audit", Some(&token), None)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        people_in(&res),
        [second.to_string(), first.to_string()],
        "newest first"
    );
    assert!(!res.body.contains(&hidden.to_string()));

    let res = app
        .api(
            Method::GET,
            "/api/v1/audit?from=2026-03-03T00:00:00Z",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(people_in(&res), [second.to_string()]);
    let res = app
        .api(
            Method::GET,
            "/api/v1/audit?to=2026-03-03T00:00:00Z",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(people_in(&res), [first.to_string()]);
    let res = app
        .api(
            Method::GET,
            &format!("/api/v1/audit?person_id={first}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(people_in(&res), [first.to_string()]);
    let res = app
        .api(
            Method::GET,
            &format!("/api/v1/audit?user_id={manager}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(res.json(), json!([]));
    let res = app
        .api(Method::GET, "/api/v1/audit?limit=1", Some(&token), None)
        .await;
    assert_eq!(res.json().as_array().unwrap().len(), 1);

    for (query, field) in [("from=yesterday", "from"), ("to=2026-03-03", "to")] {
        let res = app
            .api(
                Method::GET,
                &format!("/api/v1/audit?{query}"),
                Some(&token),
                None,
            )
            .await;
        let doc = problem(query, &res, StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(error_fields(&doc), [field], "{query}");
    }
}

#[tokio::test]
async fn tokens_are_listed_and_revoked_only_by_their_owner() {
    let w = world(TestApp::new().await).await;
    let app = &w.app;
    let other = app
        .user("other@example.org", Role::Worker, &[w.site.id])
        .await;
    let (other_id, other_secret) = app.token_for(other, None).await;

    let res = app
        .api(Method::GET, "/api/v1/tokens", Some(&w.token), None)
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let list = res.json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert!(!res.body.contains(&other_id.to_string()));
    assert!(!res.body.contains(&w.token), "the list shows the secret");
    assert_eq!(list[0]["hint"], &w.token[..8]);

    // Someone else's token is not found, and keeps working.
    let res = app
        .api(
            Method::DELETE,
            &format!("/api/v1/tokens/{other_id}"),
            Some(&w.token),
            None,
        )
        .await;
    problem("other's token", &res, StatusCode::NOT_FOUND, "not-found");
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some(&other_secret), None)
            .await
            .status,
        StatusCode::OK
    );
    for id in [uuid::Uuid::now_v7().to_string(), "nope".to_string()] {
        let res = app
            .api(
                Method::DELETE,
                &format!("/api/v1/tokens/{id}"),
                Some(&w.token),
                None,
            )
            .await;
        problem(&id, &res, StatusCode::NOT_FOUND, "not-found");
    }
    assert!(app.db.audit_events_for("api_token.revoke").await.is_empty());

    let res = app
        .api(Method::GET, "/api/v1/sites", Some(&w.token), None)
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let sites = res.json();
    assert_eq!(sites.as_array().unwrap().len(), 2);
    assert_eq!(sites[0]["prisons"][0]["name"], "HMP Alpha");
}
