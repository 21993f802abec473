//! Security headers, caching rules, request ids and error responses, checked
//! on every kind of response the service gives: pages, API documents, static
//! assets, and error pages and problem documents.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use common::{Browser, Res, TestApp};
use reconnect_domain::Role;
use reconnect_web::WebConfig;

/// The headers every response must carry, whatever it is.
fn assert_security_headers(what: &str, res: &Res) {
    let csp = res.header("content-security-policy");
    assert!(!csp.is_empty(), "{what}: no Content-Security-Policy");
    assert!(
        !csp.contains("unsafe-inline"),
        "{what}: CSP allows inline code: {csp}"
    );
    assert!(
        !csp.contains("unsafe-eval"),
        "{what}: CSP allows eval: {csp}"
    );
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{what}: CSP lets the page be framed: {csp}"
    );
    assert!(
        csp.contains("default-src 'self'"),
        "{what}: CSP has no default-src: {csp}"
    );
    assert_eq!(res.header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(res.header("x-frame-options"), "DENY", "{what}");
    assert_eq!(res.header("referrer-policy"), "no-referrer", "{what}");
    let permissions = res.header("permissions-policy");
    assert!(
        permissions.contains("camera=()"),
        "{what}: Permissions-Policy: {permissions}"
    );
    assert!(
        permissions.contains("geolocation=()"),
        "{what}: Permissions-Policy: {permissions}"
    );
    assert!(
        !res.header("x-request-id").is_empty(),
        "{what}: no X-Request-Id"
    );
}

fn assert_no_store(what: &str, res: &Res) {
    assert_eq!(res.header("cache-control"), "no-store", "{what}");
}

/// An error page in the service's own style, with nothing internal in it.
fn assert_styled_error_page(what: &str, res: &Res, heading: &str) {
    assert!(
        res.header("content-type").starts_with("text/html"),
        "{what}: content type {}",
        res.header("content-type")
    );
    let stylesheet = format!(
        "href=\"{}/nhsuk/nhsuk-frontend.min.css\"",
        reconnect_web::assets::prefix()
    );
    assert!(
        res.body.contains(&stylesheet),
        "{what}: no stylesheet link:\n{}",
        res.body
    );
    assert!(
        res.body.contains(&format!("<h1>{heading}</h1>")),
        "{what}: no <h1>{heading}</h1>:\n{}",
        res.body
    );
    assert_no_internal_detail(what, &res.body);
}

fn assert_no_internal_detail(what: &str, body: &str) {
    for leak in [
        "sqlx",
        "SQLSTATE",
        "no such table",
        "does not exist",
        "panicked",
        "Error:",
        "StoreError",
        "stack backtrace",
        "src/",
        ".rs:",
        "RUST_BACKTRACE",
    ] {
        assert!(
            !body.contains(leak),
            "{what}: response shows internal detail {leak:?}:\n{body}"
        );
    }
}

/// An RFC 9457 problem document with the given status.
fn assert_problem(what: &str, res: &Res, status: StatusCode) -> serde_json::Value {
    assert_eq!(res.status, status, "{what}: {}", res.body);
    assert_eq!(
        res.header("content-type"),
        "application/problem+json",
        "{what}"
    );
    let doc = res.json();
    assert!(
        doc["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/")),
        "{what}: type: {doc}"
    );
    assert!(
        doc["title"].as_str().is_some_and(|t| !t.is_empty()),
        "{what}: title: {doc}"
    );
    assert_eq!(doc["status"], status.as_u16(), "{what}: {doc}");
    assert_no_internal_detail(what, &res.body);
    doc
}

fn asset_path(file: &str) -> String {
    format!("{}/{file}", reconnect_web::assets::prefix())
}

#[tokio::test]
async fn pages_api_documents_and_assets_carry_the_security_headers() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (worker, mut b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let token = app.token(worker).await;

    let res = app.get(&mut b, "/").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_security_headers("home page", &res);
    assert_no_store("home page", &res);

    let mut anon = Browser::default();
    let res = app.get(&mut anon, "/sign-in").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_security_headers("sign-in page", &res);
    assert_no_store("sign-in page", &res);

    let res = app.api(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.header("content-type").starts_with("application/json"));
    assert_security_headers("API document", &res);
    assert_no_store("API document", &res);

    // Redirects too.
    let res = app.get(&mut anon, "/people").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_security_headers("redirect", &res);
    assert_no_store("redirect", &res);

    // The current version's assets are cached for a year, immutably.
    let res = app.get(&mut anon, &asset_path("app/app.css")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("content-type"), "text/css; charset=utf-8");
    assert_security_headers("asset", &res);
    let cache = res.header("cache-control");
    assert!(cache.contains("immutable"), "asset cache-control: {cache}");
    assert!(
        cache.contains("max-age=31536000"),
        "asset cache-control: {cache}"
    );
    assert!(!cache.contains("no-store"), "asset cache-control: {cache}");
    assert!(res.body.contains('{'), "the stylesheet came back empty");

    // An old version's asset is served, but not cached for long.
    let res = app.get(&mut anon, "/assets/000000000000/app/app.css").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_security_headers("old asset", &res);
    let cache = res.header("cache-control");
    assert!(
        !cache.contains("immutable"),
        "old asset cache-control: {cache}"
    );

    // A missing asset is a styled 404 with the headers, and not cached.
    let res = app.get(&mut anon, &asset_path("app/missing.css")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_security_headers("missing asset", &res);
    assert!(!res.header("cache-control").contains("immutable"));
}

#[tokio::test]
async fn error_responses_carry_the_security_headers_and_are_not_cached() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (_, mut b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;

    let res = app.get(&mut b, "/no-such-page").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_security_headers("404 page", &res);
    assert_no_store("404 page", &res);
    assert_styled_error_page("404 page", &res, "Page not found");

    let res = app
        .api(Method::GET, "/api/v1/no-such-thing", None, None)
        .await;
    assert_security_headers("API 404", &res);
    assert_no_store("API 404", &res);
    let doc = assert_problem("API 404", &res, StatusCode::NOT_FOUND);
    assert_eq!(doc["type"], "/problems/not-found");

    let res = app.api(Method::GET, "/api/v1/people", None, None).await;
    assert_security_headers("API 401", &res);
    assert_no_store("API 401", &res);
    let doc = assert_problem("API 401", &res, StatusCode::UNAUTHORIZED);
    assert_eq!(doc["type"], "/problems/unauthorized");
}

#[tokio::test]
async fn hsts_only_when_served_over_tls() {
    let plain = TestApp::new().await;
    let mut anon = Browser::default();
    for path in [
        "/sign-in".to_string(),
        "/api/v1/me".into(),
        asset_path("app/app.css"),
        "/nowhere".into(),
    ] {
        let res = plain.get(&mut anon, &path).await;
        assert_eq!(
            res.header("strict-transport-security"),
            "",
            "{path}: HSTS without TLS"
        );
        assert_security_headers(&path, &res);
    }

    let tls = TestApp::with_config(WebConfig {
        secure_cookies: true,
        ..WebConfig::default()
    })
    .await;
    for path in [
        "/sign-in".to_string(),
        "/api/v1/me".into(),
        asset_path("app/app.css"),
        "/nowhere".into(),
    ] {
        let res = tls
            .request(Method::GET, &path, &[], Body::empty(), None)
            .await;
        let hsts = res.header("strict-transport-security");
        assert!(hsts.contains("max-age=31536000"), "{path}: HSTS: {hsts:?}");
        assert!(hsts.contains("includeSubDomains"), "{path}: HSTS: {hsts:?}");
        assert_security_headers(&path, &res);
    }
    // The cookie names carry the __Host- prefix, so they are bound to this host.
    let res = tls
        .request(Method::GET, "/sign-in", &[], Body::empty(), None)
        .await;
    let line = res.set_cookie_line("__Host-reconnect_csrf");
    assert!(
        !line.is_empty(),
        "no __Host- CSRF cookie: {:?}",
        res.set_cookies()
    );
    assert!(line.contains("; Secure"), "{line}");
    assert!(line.contains("Path=/"), "{line}");
    assert!(!line.contains("Domain="), "{line}");
    assert!(res.cookie("reconnect_csrf").is_none());
}

#[tokio::test]
async fn error_pages_are_styled_and_show_nothing_internal() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (_, mut worker) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let mut anon = Browser::default();
    app.get(&mut anon, "/sign-in").await;

    // 404, signed in and not.
    let res = app
        .get(&mut worker, "/people/not-a-person/or-anything")
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_styled_error_page("404 signed in", &res, "Page not found");
    // The signed-in error page keeps the caller's navigation.
    assert!(
        res.body.contains("href=\"/people\""),
        "no navigation on the 404 page"
    );
    let res = app.get(&mut anon, "/no-such-page").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_styled_error_page("404 signed out", &res, "Page not found");

    // A person id that does not parse is simply not found.
    let res = app.get(&mut worker, "/people/1%20OR%201=1").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_styled_error_page("malformed person id", &res, "Page not found");

    // 403: a worker visiting the administrators' pages.
    let res = app.get(&mut worker, "/admin/users").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_security_headers("403 page", &res);
    assert_no_store("403 page", &res);
    assert_styled_error_page("403 page", &res, "You do not have access to this page");
    assert!(
        !res.body.contains("Staff accounts"),
        "the 403 page shows the admin page"
    );

    // 405: a method the address does not take (with a valid CSRF token, so
    // the request gets as far as the router).
    let csrf = worker.csrf.clone();
    let res = app
        .browser_api(&worker, Method::DELETE, "/people", Some(&csrf), None)
        .await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED, "{}", res.body);
    assert_security_headers("405 page", &res);
    assert_styled_error_page("405 page", &res, "Page not found");
    assert!(
        res.body.contains("cannot be used in that way"),
        "{}",
        res.body
    );
    assert!(
        res.header("allow").contains("GET"),
        "Allow: {:?}",
        res.header("allow")
    );

    // 413: a form larger than the service accepts.
    let prison = site.prisons[0].to_string();
    let huge = "x".repeat(WebConfig::default().max_body_bytes);
    let fields = [
        ("given_name", huge.as_str()),
        ("family_name", "Big"),
        ("prison_id", prison.as_str()),
    ];
    let res = app.post(&mut worker, "/people/new", &fields).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_security_headers("413 page", &res);
    assert_styled_error_page("413 page", &res, "What you sent was too large");
    assert_eq!(app.db.count_rows("person").await, 0);
}

#[tokio::test]
async fn api_errors_are_problem_documents() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let worker = app
        .user("worker@example.org", Role::Worker, &[site.id])
        .await;
    let token = app.token(worker).await;

    let res = app.api(Method::GET, "/api/v1/people", None, None).await;
    assert_problem("no token", &res, StatusCode::UNAUTHORIZED);
    let res = app
        .api(
            Method::GET,
            "/api/v1/people",
            Some("rcn_not-a-real-token"),
            None,
        )
        .await;
    assert_problem("unknown token", &res, StatusCode::UNAUTHORIZED);
    let res = app
        .api(Method::GET, "/api/v1/users", Some(&token), None)
        .await;
    let doc = assert_problem("wrong role", &res, StatusCode::FORBIDDEN);
    assert_eq!(doc["type"], "/problems/forbidden");
    let res = app
        .api(Method::GET, "/api/v1/people/nonsense", Some(&token), None)
        .await;
    assert_problem("malformed id", &res, StatusCode::NOT_FOUND);
    let res = app.api(Method::GET, "/api", Some(&token), None).await;
    assert_problem("the bare API root", &res, StatusCode::NOT_FOUND);
    let res = app
        .api(Method::POST, "/api/v1/people", Some(&token), Some("{}"))
        .await;
    let doc = assert_problem("empty person", &res, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(doc["type"], "/problems/validation");

    // A method the API path does not take.
    let res = app
        .api(Method::DELETE, "/api/v1/people", Some(&token), None)
        .await;
    assert_security_headers("API 405", &res);
    let doc = assert_problem("API 405", &res, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(doc["type"], "/problems/method-not-allowed");
    let allow = res.header("allow");
    assert!(
        allow.contains("GET") && allow.contains("POST"),
        "Allow: {allow:?}"
    );
}

#[tokio::test]
async fn failures_inside_the_store_show_no_internal_detail() {
    let app = TestApp::new().await;
    app.user("worker@example.org", Role::Worker, &[]).await;
    let mut anon = Browser::default();
    app.get(&mut anon, "/sign-in").await;

    // The database goes away under the running service.
    app.db.store.close().await;

    let res = app
        .post(
            &mut anon,
            "/sign-in",
            &[
                ("email", "worker@example.org"),
                ("password", common::PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        res.body
    );
    assert_security_headers("500 page", &res);
    assert_no_store("500 page", &res);
    assert_styled_error_page(
        "500 page",
        &res,
        "Sorry, there is a problem with the service",
    );
    for leak in ["pool", "closed", "connection", "database"] {
        assert!(
            !res.body.contains(leak),
            "500 page shows {leak:?}:\n{}",
            res.body
        );
    }
    assert!(res.cookie("reconnect_session").is_none());

    // The readiness probe says so, without detail either.
    let res = app.get(&mut anon, "/readyz").await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        !res.body.contains("pool") && !res.body.contains("closed"),
        "{}",
        res.body
    );
}

#[tokio::test]
async fn every_response_has_its_own_request_id() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (worker, mut b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let token = app.token(worker).await;
    let mut anon = Browser::default();

    let mut ids = Vec::new();
    let responses = vec![
        ("page", app.get(&mut b, "/").await),
        ("sign-in page", app.get(&mut anon, "/sign-in").await),
        ("redirect", app.get(&mut anon, "/people").await),
        ("404", app.get(&mut b, "/nowhere").await),
        ("403", app.get(&mut b, "/admin/users").await),
        ("asset", app.get(&mut anon, &asset_path("app/app.js")).await),
        ("healthz", app.get(&mut anon, "/healthz").await),
        (
            "API",
            app.api(Method::GET, "/api/v1/me", Some(&token), None).await,
        ),
        (
            "API 401",
            app.api(Method::GET, "/api/v1/me", None, None).await,
        ),
        (
            "API 404",
            app.api(Method::GET, "/api/v1/nothing", Some(&token), None)
                .await,
        ),
        (
            "openapi",
            app.api(Method::GET, "/api/openapi.json", None, None).await,
        ),
        (
            "CSRF refusal",
            app.post_raw(&mut anon, "/sign-in", "email=a%40b.org&password=x")
                .await,
        ),
    ];
    for (what, res) in &responses {
        let id = res.header("x-request-id");
        assert!(
            uuid::Uuid::parse_str(id).is_ok(),
            "{what}: X-Request-Id {id:?}"
        );
        ids.push(id.to_string());
    }
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "request ids repeat: {ids:?}");

    // A request id sent by the client is not trusted unless configured.
    let res = app
        .request(
            Method::GET,
            "/sign-in",
            &[("x-request-id", "client-chosen-id")],
            Body::empty(),
            None,
        )
        .await;
    assert_ne!(res.header("x-request-id"), "client-chosen-id");
    assert!(uuid::Uuid::parse_str(res.header("x-request-id")).is_ok());

    let proxied = TestApp::with_config(WebConfig {
        trust_proxy_headers: true,
        ..WebConfig::default()
    })
    .await;
    let res = proxied
        .request(
            Method::GET,
            "/sign-in",
            &[("x-request-id", "proxy-id-123")],
            Body::empty(),
            None,
        )
        .await;
    assert_eq!(res.header("x-request-id"), "proxy-id-123");
    // ... but never one that could inject into logs or headers.
    let res = proxied
        .request(
            Method::GET,
            "/sign-in",
            &[("x-request-id", "bad id; with=stuff")],
            Body::empty(),
            None,
        )
        .await;
    assert!(uuid::Uuid::parse_str(res.header("x-request-id")).is_ok());
}

#[tokio::test]
async fn framework_rejections_are_answered_in_the_services_own_words() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (_, mut b) = app
        .signed_in_at("manager@example.org", Role::SiteManager, site.id)
        .await;
    // A query value of the wrong type is refused by the extractor before the
    // handler runs: the page is still the service's own.
    let res = app.get(&mut b, "/audit?before=not-a-number").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.header("content-type").starts_with("text/html"));
    assert!(res.body.contains("Something was wrong with the request"));
    assert!(
        res.body.contains("Sign out"),
        "the layout keeps the user's header"
    );
    assert!(!res.body.contains("Failed to deserialize"));

    // The health probes keep their plain answers.
    let res = app.get(&mut b, "/readyz").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, "ready");
}
