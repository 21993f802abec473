//! Contacts, appointments and case notes in the API, under their episode:
//! `/api/v1/episodes/{episode_id}/contacts|appointments|notes`, with
//! corrections and appointment actions below them. The episode (and the
//! record named in the path) is checked before the body is read, so anything
//! outside the caller's sites is `404` whatever is sent. Instants are
//! RFC 3339; bad input is `422` naming each field; refusals by the rules and
//! stale versions are `409` saying why. A new record may carry an `id` of the
//! caller's choosing (a UUID), so that sending it again saves it once.

pub mod appointments;
pub mod contacts;
pub mod notes;

use crate::ApiError;
use reconnect_domain::{EpisodeId, FieldError};
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn episode_id(raw: &str) -> Result<EpisodeId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

fn child_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// Reads a body into `T`, naming the field of every problem serde finds.
fn from_body<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let field = if path == "." || path.is_empty() {
            message
                .split('`')
                .nth(1)
                .filter(|_| message.contains("field `"))
                .unwrap_or("body")
                .to_string()
        } else {
            path
        };
        ApiError::invalid(vec![FieldError::new(field, message)])
    })
}

/// An RFC 3339 instant, or the message for it.
fn instant(input: Option<&str>, subject: &str) -> Result<OffsetDateTime, String> {
    let s = input.map(str::trim).unwrap_or_default();
    if s.is_empty() {
        return Err(format!("Enter {subject}"));
    }
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|_| format!("Write {subject} in RFC 3339 form, like 2026-03-02T14:30:00Z"))
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// The id a new record is saved under: the caller's, or a new one.
fn new_id<T: std::str::FromStr>(given: Option<&str>, new: fn() -> T) -> Result<T, ApiError> {
    match given.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(new()),
        Some(s) => s
            .parse()
            .map_err(|_| ApiError::invalid(vec![FieldError::new("id", "The id must be a UUID")])),
    }
}
