//! The two ways a request fails: as an NHS.UK error page, or as an RFC 9457
//! problem document for the API. Handlers return one of these; the small
//! constructors keep call sites short. Neither ever shows internal detail:
//! unexpected errors are logged with the request id and shown as a plain 500.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use reconnect_domain::FieldError;
use reconnect_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Marks a response whose body the error-page layer should render, so the
/// page gets the full layout (navigation, signed-in user) of the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorPage {
    Status(StatusCode),
    CsrfFailed,
    SessionEnded,
}

/// A failed page request.
#[derive(Debug)]
pub enum PageError {
    NotFound,
    Forbidden,
    BadRequest,
    PayloadTooLarge,
    /// The change clashes with the record's state (handlers that can explain
    /// why show the reason on their own page instead).
    Conflict,
    /// A form arrived without the right CSRF token.
    CsrfFailed,
    /// A form arrived after the session had ended.
    SessionEnded,
    /// The database was too busy to answer in time; nothing was changed.
    Busy,
    Internal(String),
}

impl PageError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        PageError::Internal(e.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::Forbidden => StatusCode::FORBIDDEN,
            PageError::BadRequest => StatusCode::BAD_REQUEST,
            PageError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            PageError::Conflict => StatusCode::CONFLICT,
            PageError::CsrfFailed | PageError::SessionEnded => StatusCode::FORBIDDEN,
            PageError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => PageError::NotFound,
            StoreError::Forbidden => PageError::Forbidden,
            StoreError::Invalid(_) => PageError::BadRequest,
            StoreError::Conflict(_) | StoreError::Refused(_) | StoreError::Stale => {
                PageError::Conflict
            }
            StoreError::Busy => {
                tracing::warn!("the database was busy; answered 503");
                PageError::Busy
            }
            other => PageError::Internal(other.to_string()),
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        PageError::Internal(format!("template: {e}"))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let PageError::Internal(detail) = &self {
            tracing::error!(error = %detail, "request failed");
        }
        let status = self.status();
        let page = match self {
            PageError::CsrfFailed => ErrorPage::CsrfFailed,
            PageError::SessionEnded => ErrorPage::SessionEnded,
            _ => ErrorPage::Status(status),
        };
        let mut res = status.into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER));
        }
        res.extensions_mut().insert(page);
        res
    }
}

/// Seconds a client should wait before trying a busy service again.
pub const RETRY_AFTER: &str = "2";

/// An RFC 9457 problem document, with field errors when the input was at fault.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (relative to the service).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// One entry per field that needs changing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// A failed API request.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    detail: Option<String>,
    errors: Vec<FieldError>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, title: &'static str) -> Self {
        Self {
            status,
            kind,
            title,
            detail: None,
            errors: Vec::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found")
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden")
            .detail("Your role does not allow this")
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Sign-in required")
            .detail("Send a personal access token as 'Authorization: Bearer <token>'")
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", "Bad request").detail(detail)
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
        )
        .detail("This method is not allowed here")
    }

    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
        )
        .detail(detail)
    }

    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Payload too large",
        )
        .detail("The request body is larger than this service accepts")
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", "Conflict").detail(detail)
    }

    /// The journey's rules refuse the action; `reason` says why.
    pub fn refused(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "refused", "Not allowed").detail(reason)
    }

    /// Someone else changed the record since the caller read it.
    pub fn stale() -> Self {
        Self::new(StatusCode::CONFLICT, "stale", "Changed by someone else").detail(
            "Someone else changed this record since you read it. Read it again and repeat your change if it is still needed",
        )
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "Some fields need changing",
        );
        e.errors = errors;
        e
    }

    pub fn csrf() -> Self {
        Self::new(StatusCode::FORBIDDEN, "csrf", "Missing or wrong CSRF token")
            .detail("Send the session's CSRF token in the X-CSRF-Token header, or use a personal access token")
    }

    /// The database was too busy to answer in time; nothing was changed.
    pub fn busy() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "Service busy")
            .detail("The service is busy and nothing was changed. Try again in a moment")
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong",
        )
        .detail("The problem has been logged. Try again later")
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::Forbidden => ApiError::forbidden(),
            StoreError::Invalid(errors) => ApiError::invalid(errors),
            StoreError::Conflict(m) => ApiError::conflict(m),
            StoreError::Refused(m) => ApiError::refused(m),
            StoreError::Stale => ApiError::stale(),
            StoreError::Busy => {
                tracing::warn!("the database was busy; answered 503");
                ApiError::busy()
            }
            other => {
                tracing::error!(error = %other, "API request failed");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Problem {
            kind: format!("/problems/{}", self.kind),
            title: self.title.to_string(),
            status: self.status.as_u16(),
            detail: self.detail,
            errors: self.errors,
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER));
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry_after(res: &Response) -> Option<&str> {
        res.headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
    }

    #[test]
    fn a_busy_database_is_a_503_with_retry_after_for_pages() {
        let res = PageError::from(StoreError::Busy).into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry_after(&res), Some(RETRY_AFTER));
        assert_eq!(
            res.extensions().get::<ErrorPage>(),
            Some(&ErrorPage::Status(StatusCode::SERVICE_UNAVAILABLE))
        );
    }

    #[tokio::test]
    async fn a_busy_database_is_a_503_problem_for_the_api() {
        let res = ApiError::from(StoreError::Busy).into_response();
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry_after(&res), Some(RETRY_AFTER));
        let body = axum::body::to_bytes(res.into_body(), 4096).await.unwrap();
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["type"], "/problems/busy");
        assert_eq!(problem["status"], 503);
    }

    #[test]
    fn other_store_failures_stay_internal() {
        let res = PageError::from(StoreError::Corrupt("a date".into())).into_response();
        assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(retry_after(&res), None);
    }
}
