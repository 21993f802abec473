//! Applies a route's access rule (from the route table) before its handler
//! runs. Signed-out page requests are sent to sign in; API requests get 401;
//! roles the rule does not name get 403. The store checks scope again on
//! every query: this layer is the first fence, not the only one.

use super::identity::{Identity, SessionEnded};
use super::is_api_path;
use crate::routes::Access;
use crate::{ApiError, PageError};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

pub async fn enforce(access: Access, req: Request, next: Next) -> Response {
    if matches!(access, Access::Public) {
        return next.run(req).await;
    }
    let api = is_api_path(req.uri().path());
    let Some(identity) = req.extensions().get::<Identity>() else {
        if api {
            return ApiError::unauthorized().into_response();
        }
        if req.extensions().get::<SessionEnded>().is_some() {
            if req.method().is_safe() {
                return Redirect::to("/sign-in?ended=1").into_response();
            }
            return PageError::SessionEnded.into_response();
        }
        let path = req.uri().path();
        let target = if path == "/" || !req.method().is_safe() {
            "/sign-in".to_string()
        } else {
            format!("/sign-in?next={}", urlencode(path))
        };
        return Redirect::to(&target).into_response();
    };
    if access.allows(identity.user.role) {
        next.run(req).await
    } else if api {
        ApiError::forbidden().into_response()
    } else {
        PageError::Forbidden.into_response()
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_string())
        .unwrap_or_default()
}
