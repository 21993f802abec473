//! An in-process test app: the real router over a throwaway database
//! (SQLite, or PostgreSQL when `RECONNECT_TEST_POSTGRES_URL` is set and the
//! test asks for it), driven with `tower::ServiceExt::oneshot`.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use reconnect_domain::{Role, SiteId, UserId};
use reconnect_store::testing::TestDb;
use reconnect_store::users::NewUser;
use reconnect_store::Actor;
use reconnect_web::{AppState, WebConfig};
use std::net::SocketAddr;
use std::sync::OnceLock;
use tower::ServiceExt;

pub const PASSWORD: &str = "plum-orbit-lantern-92";

/// One argon2 hash of [`PASSWORD`], shared by every test user.
pub fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| reconnect_web::password::hash_password(PASSWORD).unwrap())
}

pub struct TestApp {
    pub db: TestDb,
    pub router: Router,
    n: std::sync::atomic::AtomicU32,
}

pub struct Res {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Res {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The value of a cookie set by this response.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(|v| {
                v[name.len() + 1..]
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
    }

    pub fn set_cookie_line(&self, name: &str) -> String {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .unwrap_or_default()
            .to_string()
    }
}

/// A browser's state: its cookies and the CSRF token of its current page.
#[derive(Clone, Debug, Default)]
pub struct Browser {
    pub session: Option<String>,
    pub csrf_cookie: Option<String>,
    pub csrf: String,
    pub ip: Option<String>,
}

pub fn form_body(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap()
}

/// Pulls the CSRF token out of a page's forms.
pub fn csrf_from(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\" value=\"")?;
    let rest = &html[at + "name=\"csrf_token\" value=\"".len()..];
    rest.split('"').next().map(str::to_string)
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_db(TestDb::sqlite().await).await
    }

    /// PostgreSQL when configured, else `None`.
    pub async fn postgres() -> Option<Self> {
        let url = reconnect_store::testing::postgres_url()?;
        Some(Self::with_db(TestDb::postgres(&url).await).await)
    }

    pub async fn with_db(db: TestDb) -> Self {
        let config = WebConfig {
            signin_delay_step: std::time::Duration::ZERO,
            ..WebConfig::default()
        };
        let router = reconnect_web::router(AppState::new(db.store.clone(), config));
        Self {
            db,
            router,
            n: Default::default(),
        }
    }

    pub async fn send(&self, mut req: Request<Body>, ip: Option<&str>) -> Res {
        let ip: std::net::IpAddr = ip.unwrap_or("127.0.0.1").parse().unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(ip, 40000)));
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Res {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    fn cookie_header(&self, b: &Browser) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &b.session {
            parts.push(format!("reconnect_session={s}"));
        }
        if let Some(c) = &b.csrf_cookie {
            parts.push(format!("reconnect_csrf={c}"));
        }
        parts.join("; ")
    }

    /// A GET as this browser; remembers the page's CSRF token.
    pub async fn get(&self, b: &mut Browser, path: &str) -> Res {
        let req = Request::builder()
            .uri(path)
            .header(header::COOKIE, self.cookie_header(b))
            .body(Body::empty())
            .unwrap();
        let res = self.send(req, b.ip.as_deref()).await;
        if let Some(c) = res.cookie("reconnect_csrf") {
            b.csrf_cookie = Some(c).filter(|c| !c.is_empty());
        }
        if let Some(t) = csrf_from(&res.body) {
            b.csrf = t;
        }
        res
    }

    /// A form POST as this browser, with its CSRF token added.
    pub async fn post(&self, b: &mut Browser, path: &str, fields: &[(&str, &str)]) -> Res {
        let csrf = b.csrf.clone();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(b, path, &form_body(&all)).await
    }

    pub async fn post_raw(&self, b: &mut Browser, path: &str, body: &str) -> Res {
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, self.cookie_header(b))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap();
        let res = self.send(req, b.ip.as_deref()).await;
        if let Some(t) = csrf_from(&res.body) {
            b.csrf = t;
        }
        res
    }

    /// Signs in through the form, returning the browser.
    pub async fn sign_in(&self, email: &str) -> Browser {
        self.try_sign_in(email, PASSWORD).await.0
    }

    pub async fn try_sign_in(&self, email: &str, password: &str) -> (Browser, Res) {
        let mut b = Browser::default();
        self.get(&mut b, "/sign-in").await;
        let res = self
            .post(
                &mut b,
                "/sign-in",
                &[("email", email), ("password", password)],
            )
            .await;
        if let Some(s) = res.cookie("reconnect_session") {
            b.session = Some(s);
            b.csrf_cookie = None;
            // Pick up the session's CSRF token from a signed-in page.
            self.get(&mut b, "/account").await;
        }
        (b, res)
    }

    /// Creates a staff account with [`PASSWORD`].
    pub async fn user(&self, email: &str, role: Role, sites: &[SiteId]) -> UserId {
        self.db
            .store
            .create_user(
                &Actor::System("test"),
                NewUser {
                    email: reconnect_domain::EmailAddress::parse(email).unwrap(),
                    display_name: format!("Test {}", role.label()),
                    role,
                    sites: sites.to_vec(),
                    password_hash: password_hash().to_string(),
                },
            )
            .await
            .unwrap()
    }

    /// An API token for a user.
    pub async fn token(&self, user: UserId) -> String {
        let caller = self.db.caller(user).await;
        self.db
            .store
            .create_token(&caller, "test", None)
            .await
            .unwrap()
            .1
    }

    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        json: Option<&str>,
    ) -> Res {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match json {
            Some(j) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(j.to_string())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).unwrap(), None).await
    }
}

// Helpers for the behaviour tests (security, sessions, sign-in, CSRF, forms,
// API, OpenAPI).

impl TestApp {
    /// The app over a fresh SQLite database with this configuration. The
    /// sign-in slow-down is always off, so tests never wait.
    pub async fn with_config(config: WebConfig) -> Self {
        Self::with_db_and_config(TestDb::sqlite().await, config).await
    }

    /// The app over `db` with this configuration (sign-in slow-down off).
    pub async fn with_db_and_config(db: TestDb, config: WebConfig) -> Self {
        let config = WebConfig {
            signin_delay_step: std::time::Duration::ZERO,
            ..config
        };
        let router = reconnect_web::router(AppState::new(db.store.clone(), config));
        Self {
            db,
            router,
            n: Default::default(),
        }
    }

    /// The `Cookie` header this browser sends (default cookie names).
    pub fn cookies_of(&self, b: &Browser) -> String {
        self.cookie_header(b)
    }

    /// Any request, with the given headers and body, from `ip` (default 127.0.0.1).
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Body>,
        ip: Option<&str>,
    ) -> Res {
        let mut req = Request::builder().method(method).uri(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.send(req.body(body.into()).unwrap(), ip).await
    }

    /// An API call made by a signed-in browser: its cookies, an optional
    /// `X-CSRF-Token` header, and an optional JSON body.
    pub async fn browser_api(
        &self,
        b: &Browser,
        method: Method,
        path: &str,
        csrf: Option<&str>,
        json: Option<&str>,
    ) -> Res {
        let cookies = self.cookie_header(b);
        let mut headers: Vec<(&str, &str)> = vec![("cookie", cookies.as_str())];
        if let Some(t) = csrf {
            headers.push(("x-csrf-token", t));
        }
        if json.is_some() {
            headers.push(("content-type", "application/json"));
        }
        let body = json.map(str::to_string).unwrap_or_default();
        self.request(method, path, &headers, body, b.ip.as_deref())
            .await
    }

    /// A new account with `role` at `site` ([`PASSWORD`]), signed in.
    pub async fn signed_in_at(&self, email: &str, role: Role, site: SiteId) -> (UserId, Browser) {
        let user = self.user(email, role, &[site]).await;
        (user, self.sign_in(email).await)
    }

    /// An API token for a user with a lifetime.
    pub async fn token_for(
        &self,
        user: UserId,
        lifetime: Option<time::Duration>,
    ) -> (reconnect_domain::TokenId, String) {
        let caller = self.db.caller(user).await;
        self.db
            .store
            .create_token(&caller, "test", lifetime)
            .await
            .unwrap()
    }
}

impl Res {
    /// Every `Set-Cookie` line of the response.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    }
}

/// The page's `<title>` text.
pub fn title_of(html: &str) -> String {
    let start = html.find("<title>").map(|i| i + "<title>".len());
    let end = html.find("</title>");
    match (start, end) {
        (Some(s), Some(e)) if s <= e => html[s..e].to_string(),
        _ => String::new(),
    }
}

/// The NHS.UK error summary block of a page, from its opening tag to the end
/// of its list, or `None` when the page has none.
pub fn error_summary_of(html: &str) -> Option<String> {
    let start = html.find("<div class=\"nhsuk-error-summary\"")?;
    let rest = &html[start..];
    let end = rest.find("</ul>")? + "</ul>".len();
    Some(rest[..end].to_string())
}

/// The `href`s and texts of the error summary's links, in order.
pub fn error_links_of(html: &str) -> Vec<(String, String)> {
    let Some(summary) = error_summary_of(html) else {
        return Vec::new();
    };
    summary
        .split("<li><a href=\"")
        .skip(1)
        .filter_map(|item| {
            let (href, rest) = item.split_once("\">")?;
            let (text, _) = rest.split_once("</a>")?;
            Some((href.to_string(), text.to_string()))
        })
        .collect()
}
