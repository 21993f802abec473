//! The public, read-only Open Referral UK 3.0 feed under `/openreferral`
//! (issue 5): the profile's `/`, services, service-at-locations (with
//! postcode proximity), taxonomies and taxonomy terms, in the profile's page
//! envelope, with `Access-Control-Allow-Origin: *` so any site may read it.
//! Only the directory's dir_* tables are read: no case data can appear here.
//!
//! Errors are RFC 9457 problem documents: 400 for a value that does not
//! parse, 422 for one that parses but cannot be used (a postcode we have no
//! coordinates for, a proximity out of range, an unknown taxonomy), 404 for
//! an unknown id or a page beyond the last.

pub mod handlers;
mod params;

use crate::ApiError;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A JSON answer anyone may read from any origin.
fn public<T: Serialize>(result: Result<T, ApiError>) -> Response {
    let mut res = match result {
        Ok(body) => axum::Json(body).into_response(),
        Err(e) => e.into_response(),
    };
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    res
}
