//! Works out who is calling: an API client with a personal access token
//! (`Authorization: Bearer rcn_...`), or a browser with a session cookie.
//! A request with a bearer header is judged on the token alone; its cookies
//! are ignored. Browsers without a session get a CSRF cookie for the forms
//! they may post before signing in (sign-in itself).

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use reconnect_domain::{Caller, RequestMeta};
use reconnect_store::sessions::random_secret;
use reconnect_store::users::User;

/// How the caller proved who they are.
#[derive(Clone)]
pub enum Via {
    /// A browser session; `token` is the cookie value, `csrf` the session's form token.
    Session { token: String, csrf: String },
    /// A personal access token.
    Token,
}

impl std::fmt::Debug for Via {
    /// Never prints the secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Via::Session { .. } => f.write_str("Session"),
            Via::Token => f.write_str("Token"),
        }
    }
}

/// A signed-in caller.
#[derive(Clone, Debug)]
pub struct Identity {
    pub user: User,
    pub caller: Caller,
    pub via: Via,
}

/// The CSRF token forms on this page must carry.
#[derive(Clone, Debug)]
pub struct CsrfToken(pub String);

/// A session cookie was sent but the session has ended (idle, signed out elsewhere).
#[derive(Clone, Copy, Debug)]
pub struct SessionEnded;

/// The anonymous CSRF token the browser already holds (from its cookie), if any.
#[derive(Clone, Debug)]
pub struct AnonCsrfCookie(pub String);

pub async fn identity(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let meta = req
        .extensions()
        .get::<RequestMeta>()
        .cloned()
        .unwrap_or_default();
    let jar = CookieJar::from_headers(req.headers());
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string());

    let mut identity = None;
    let mut clear_session_cookie = false;
    let mut new_anon_csrf = None;

    if let Some(auth) = bearer {
        if let Some(secret) = auth.strip_prefix("Bearer ").map(str::trim) {
            match state.store().token_owner(secret).await {
                Ok(Some(user_id)) => {
                    identity = load(&state, user_id, meta.clone(), Via::Token).await
                }
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "token lookup failed"),
            }
        }
    } else if let Some(cookie) = jar.get(state.session_cookie()) {
        let token = cookie.value().to_string();
        match state.store().session(&token, state.config().session).await {
            Ok(Some(session)) => {
                identity = load(
                    &state,
                    session.user_id,
                    meta.clone(),
                    Via::Session {
                        token,
                        csrf: session.csrf_token,
                    },
                )
                .await;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "session lookup failed"),
        }
        if identity.is_none() {
            clear_session_cookie = true;
            req.extensions_mut().insert(SessionEnded);
        }
    }

    match &identity {
        Some(Identity {
            via: Via::Session { csrf, .. },
            ..
        }) => {
            req.extensions_mut().insert(CsrfToken(csrf.clone()));
        }
        Some(_) => {}
        None => {
            let existing = jar
                .get(state.csrf_cookie())
                .map(|c| c.value().to_string())
                .filter(|v| v.len() >= 32);
            let token = match existing {
                Some(t) => {
                    req.extensions_mut().insert(AnonCsrfCookie(t.clone()));
                    t
                }
                None => {
                    let t = random_secret();
                    new_anon_csrf = Some(t.clone());
                    t
                }
            };
            req.extensions_mut().insert(CsrfToken(token));
        }
    }
    if let Some(id) = identity {
        req.extensions_mut().insert(sites_label(&state, &id).await);
        req.extensions_mut().insert(id);
    }

    let mut res = next.run(req).await;
    if clear_session_cookie {
        append_cookie(&mut res, expired_cookie(&state, state.session_cookie()));
    }
    if let Some(token) = new_anon_csrf {
        append_cookie(&mut res, csrf_cookie(&state, token));
    }
    res
}

async fn load(
    state: &AppState,
    user_id: reconnect_domain::UserId,
    meta: RequestMeta,
    via: Via,
) -> Option<Identity> {
    match state.store().active_user(user_id).await {
        Ok(Some((user, scope))) => Some(Identity {
            user,
            caller: Caller { scope, meta },
            via,
        }),
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = %e, "loading user failed");
            None
        }
    }
}

async fn sites_label(state: &AppState, id: &Identity) -> crate::view::SitesLabel {
    let names = match state.store().site_names(&id.user.sites).await {
        Ok(names) => names,
        Err(e) => {
            tracing::error!(error = %e, "listing sites failed");
            Vec::new()
        }
    };
    crate::view::SitesLabel(names.join(", "))
}

fn base_cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_path("/");
    c.set_secure(state.config().secure_cookies);
    c
}

/// The session cookie set at sign-in (a session cookie: no Max-Age, the server ends it).
pub fn session_cookie(state: &AppState, token: String) -> Cookie<'static> {
    base_cookie(state, state.session_cookie(), token)
}

fn csrf_cookie(state: &AppState, token: String) -> Cookie<'static> {
    base_cookie(state, state.csrf_cookie(), token)
}

/// A cookie that tells the browser to forget `name`.
pub fn expired_cookie(state: &AppState, name: &'static str) -> Cookie<'static> {
    let mut c = base_cookie(state, name, String::new());
    c.set_max_age(time::Duration::ZERO);
    c
}

pub fn append_cookie(res: &mut Response, cookie: Cookie<'static>) {
    if let Ok(v) = HeaderValue::from_str(&cookie.encoded().to_string()) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}
