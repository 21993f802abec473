//! Cross-site request forgery protection for every state-changing request.
//!
//! Browser requests (session cookie, or none yet) must carry the CSRF token:
//! in the `csrf_token` field of a form, or the `X-CSRF-Token` header for
//! scripts. Signed-in browsers use their session's token; before sign-in the
//! token is the one in the CSRF cookie. API clients authenticated by a
//! personal access token need no CSRF token: they send no cookies.

use super::identity::{AnonCsrfCookie, Identity, Via};
use super::is_api_path;
use crate::{ApiError, AppState, PageError};
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

pub const FORM_FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

pub async fn csrf(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method().is_safe() {
        return next.run(req).await;
    }
    let api = is_api_path(req.uri().path());
    let expected = match req.extensions().get::<Identity>() {
        Some(Identity {
            via: Via::Token, ..
        }) => return next.run(req).await,
        Some(Identity {
            via: Via::Session { csrf, .. },
            ..
        }) => Some(csrf.clone()),
        // An API request with no credentials carries no ambient authority to
        // forge; the route's access rule answers it (401).
        None if api => return next.run(req).await,
        None => req
            .extensions()
            .get::<AnonCsrfCookie>()
            .map(|c| c.0.clone()),
    };
    let Some(expected) = expected else {
        return refuse(
            api,
            req.extensions()
                .get::<super::identity::SessionEnded>()
                .is_some(),
        );
    };

    if let Some(sent) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if matches(sent, &expected) {
            next.run(req).await
        } else {
            refuse(api, false)
        };
    }

    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return refuse(api, false);
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, state.config().max_body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return if api {
                ApiError::payload_too_large().into_response()
            } else {
                PageError::PayloadTooLarge.into_response()
            }
        }
    };
    let sent = form_urlencoded_value(&bytes, FORM_FIELD);
    match sent {
        Some(sent) if matches(&sent, &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => refuse(api, false),
    }
}

fn matches(sent: &str, expected: &str) -> bool {
    !expected.is_empty() && bool::from(sent.as_bytes().ct_eq(expected.as_bytes()))
}

fn form_urlencoded_value(body: &[u8], key: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

fn refuse(api: bool, session_ended: bool) -> Response {
    if api {
        ApiError::csrf().into_response()
    } else if session_ended {
        PageError::SessionEnded.into_response()
    } else {
        PageError::CsrfFailed.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_form_field() {
        assert_eq!(
            form_urlencoded_value(b"a=1&csrf_token=abc%2Bd&b=2", FORM_FIELD).as_deref(),
            Some("abc+d")
        );
        assert_eq!(form_urlencoded_value(b"a=1", FORM_FIELD), None);
        assert!(matches("abc", "abc"));
        assert!(!matches("abd", "abc"));
        assert!(!matches("", ""));
    }
}
