//! Security headers on every response, no caching of anything but the
//! fingerprinted assets, and error pages rendered in the service's own style
//! (with the caller's navigation) for page requests, or as problem documents
//! for API requests.

use super::is_api_path;
use crate::error::ErrorPage;
use crate::view::{render, Layout, Page};
use crate::{ApiError, AppState};
use askama::Template;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'; object-src 'none'";

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    layout: Layout,
    heading: String,
    message: String,
}

fn words(page: ErrorPage) -> (StatusCode, &'static str, &'static str) {
    match page {
        ErrorPage::CsrfFailed => (
            StatusCode::FORBIDDEN,
            "This form could not be sent",
            "The form was out of date or did not come from this service. Go back, reload the page and try again.",
        ),
        ErrorPage::SessionEnded => (
            StatusCode::FORBIDDEN,
            "You have been signed out",
            "For your security, you are signed out after 30 minutes without activity. Sign in again and repeat what you were doing.",
        ),
        ErrorPage::Status(s) => match s {
            StatusCode::NOT_FOUND => (
                s,
                "Page not found",
                "If you typed the web address, check it is correct. If you followed a link, the page or record may not exist or you may not have access to it.",
            ),
            StatusCode::FORBIDDEN => (
                s,
                "You do not have access to this page",
                "Your role does not include this page. If you think you should have access, ask your site manager.",
            ),
            StatusCode::METHOD_NOT_ALLOWED => (
                s,
                "Page not found",
                "This address cannot be used in that way. Go back and try again.",
            ),
            StatusCode::CONFLICT => (
                s,
                "This change could not be made",
                "The record may have been changed by someone else, or the change does not fit where the record is now. Go back, reload the page and check before trying again.",
            ),
            StatusCode::PAYLOAD_TOO_LARGE => (
                s,
                "What you sent was too large",
                "Shorten what you entered and try again.",
            ),
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => (
                s,
                "Something was wrong with the request",
                "Go back, check what you entered and try again.",
            ),
            s if s.is_client_error() => (
                s,
                "Something was wrong with the request",
                "Go back, check what you entered and try again.",
            ),
            StatusCode::SERVICE_UNAVAILABLE => (
                s,
                "Sorry, the service is busy",
                "Wait a moment, then try again. If you were saving something, it was not saved, so you will need to send it again.",
            ),
            _ => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sorry, there is a problem with the service",
                "Try again later. The problem has been recorded.",
            ),
        },
    }
}

pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = is_api_path(req.uri().path());
    let (mut parts, body) = req.into_parts();
    let page = Page::from_request_parts(&mut parts, &()).await;
    let is_asset = parts.uri.path().starts_with("/assets/");
    let is_probe = matches!(parts.uri.path(), "/healthz" | "/readyz");
    let mut res = next.run(Request::from_parts(parts, body)).await;

    // Error responses get a body in the right form.
    let marker = res.extensions().get::<ErrorPage>().copied();
    // Framework rejections (a malformed form or query, a timeout) come as
    // plain text or no body at all: they get the same treatment.
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    let bare_error = marker.is_none()
        && !is_probe
        && (res.status().is_client_error() || res.status().is_server_error())
        && plain;
    if marker.is_some() || bare_error {
        let marker = marker.unwrap_or(ErrorPage::Status(res.status()));
        let keep: Vec<(HeaderName, HeaderValue)> = res
            .headers()
            .iter()
            .filter(|(k, _)| {
                *k == header::SET_COOKIE || *k == header::ALLOW || *k == header::RETRY_AFTER
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        res = if api {
            api_error(res.status()).into_response()
        } else {
            let (status, heading, message) = words(marker);
            let body = match page {
                Ok(page) => render(&ErrorTemplate {
                    layout: page.layout(heading),
                    heading: heading.to_string(),
                    message: message.to_string(),
                })
                .unwrap_or_else(|e| e.status().into_response()),
                Err(never) => match never {},
            };
            let mut r = body;
            *r.status_mut() = status;
            r
        };
        for (k, v) in keep {
            res.headers_mut().append(k, v);
        }
        if res.status() == StatusCode::SERVICE_UNAVAILABLE
            && !res.headers().contains_key(header::RETRY_AFTER)
        {
            res.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(crate::error::RETRY_AFTER),
            );
        }
    }

    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(
            "accelerometer=(), camera=(), geolocation=(), gyroscope=(), microphone=(), payment=(), usb=(), interest-cohort=()",
        ),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if state.config().secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !is_asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

fn api_error(status: StatusCode) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => ApiError::not_found(),
        StatusCode::FORBIDDEN => ApiError::forbidden(),
        StatusCode::UNAUTHORIZED => ApiError::unauthorized(),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::payload_too_large(),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::method_not_allowed(),
        StatusCode::SERVICE_UNAVAILABLE => ApiError::busy(),
        s if s.is_client_error() => ApiError::bad_request("The request could not be understood"),
        _ => ApiError::internal(),
    }
}
