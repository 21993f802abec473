//! Contacts in the API: list, log, correct.

use super::{child_id, episode_id, from_body, instant, new_id, rfc3339};
use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::contact::{ContactDetails, ContactFields, ContactInput};
use reconnect_domain::episode::Reason;
use reconnect_domain::id::ContactId;
use reconnect_domain::{EpisodeId, FieldError, UserId};
use reconnect_store::contacts::Contact;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A contact with the person.
#[derive(Serialize, ToSchema)]
pub struct ContactJson {
    pub id: ContactId,
    pub episode_id: EpisodeId,
    /// `in_prison_visit`, `phone`, `video`, `text`, `community_meeting`,
    /// `gate_meeting` or `home_visit`.
    pub kind: String,
    pub kind_label: String,
    /// When it happened (RFC 3339).
    #[schema(format = DateTime, value_type = String)]
    pub at: String,
    /// Did the person take part?
    pub two_way: bool,
    pub summary: String,
    /// The contact this one corrects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<ContactId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction_reason: Option<String>,
    /// The correction that replaced this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<ContactId>,
    pub logged_by: UserId,
    pub logged_by_name: String,
    #[schema(format = DateTime, value_type = String)]
    pub logged_at: String,
}

fn json(c: Contact) -> ContactJson {
    ContactJson {
        id: c.id,
        episode_id: c.episode_id,
        kind: c.details.kind.code().to_string(),
        kind_label: c.details.kind.label().to_string(),
        at: rfc3339(c.details.at),
        two_way: c.details.two_way,
        summary: c.details.summary,
        supersedes: c.supersedes,
        correction_reason: c.correction_reason,
        superseded_by: c.superseded_by,
        logged_by: c.by,
        logged_by_name: c.by_name,
        logged_at: rfc3339(c.created_at),
    }
}

/// A contact to log, or what a correction says it should have been.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContactJson {
    /// Your own id for it (a UUID), so that sending it twice saves it once.
    #[serde(default)]
    #[schema(format = Uuid, value_type = Option<String>)]
    pub id: Option<String>,
    /// `in_prison_visit`, `phone`, `video`, `text`, `community_meeting`,
    /// `gate_meeting` or `home_visit`.
    #[serde(default)]
    pub kind: Option<String>,
    /// When it happened (RFC 3339): not in the future, not before 2000.
    #[serde(default)]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub at: Option<String>,
    /// Did the person take part (rather than a message left)?
    #[serde(default)]
    pub two_way: Option<bool>,
    #[serde(default)]
    pub summary: Option<String>,
    /// Why it is corrected (corrections only).
    #[serde(default)]
    pub reason: Option<String>,
}

const FIELDS: ContactFields = ContactFields {
    kind: "kind",
    at: "at",
    two_way: "two_way",
    summary: "summary",
};

fn details(
    body: &NewContactJson,
    now: time::OffsetDateTime,
) -> Result<ContactDetails, Vec<FieldError>> {
    let two_way = match body.two_way {
        Some(true) => "yes",
        Some(false) => "no",
        None => "",
    };
    ContactDetails::parse(
        ContactInput {
            kind: body.kind.as_deref().unwrap_or_default(),
            at: instant(body.at.as_deref(), "when the contact happened"),
            two_way,
            summary: body.summary.as_deref().unwrap_or_default(),
        },
        &FIELDS,
        now,
    )
}

/// An episode's contacts, most recent first, corrected ones included.
#[utoipa::path(get, path = "/api/v1/episodes/{episode_id}/contacts", operation_id = "list_contacts", tag = "contacts",
    params(("episode_id" = String, Path, description = "The episode's id")),
    responses(
        (status = 200, description = "The contacts", body = [ContactJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Vec<ContactJson>>, ApiError> {
    let episode = episode_id(&raw)?;
    let list = state.store().contacts(&id.caller, episode).await?;
    Ok(Json(list.into_iter().map(json).collect()))
}

/// Logs a contact.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/contacts", operation_id = "log_contact", tag = "contacts",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = NewContactJson,
    responses(
        (status = 201, description = "The contact as saved", body = ContactJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id is already used by another record", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn log(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<ContactJson>), ApiError> {
    let episode = episode_id(&raw)?;
    let store = state.store();
    store.episode(&id.caller, episode).await?;
    let body: NewContactJson = from_body(body)?;
    let contact = new_id(body.id.as_deref(), ContactId::new)?;
    let mut errors = Vec::new();
    if body.reason.is_some() {
        errors.push(FieldError::new(
            "reason",
            "A reason is only given with a correction",
        ));
    }
    let d = details(&body, store.now())
        .map_err(|e| errors.extend(e))
        .ok();
    let (Some(d), true) = (d, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    store.log_contact(&id.caller, episode, contact, &d).await?;
    let saved = store.contact(&id.caller, episode, contact).await?;
    Ok((StatusCode::CREATED, Json(json(saved))))
}

/// Corrects a contact: a new contact supersedes it, with a `reason`.
///
/// A contact corrected already is `409`: correct the latest version.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/contacts/{contact_id}/corrections", operation_id = "correct_contact", tag = "contacts",
    params(("episode_id" = String, Path, description = "The episode's id"), ("contact_id" = String, Path, description = "The contact to correct")),
    request_body = NewContactJson,
    responses(
        (status = 201, description = "The correction as saved", body = ContactJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contact in this episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It has been corrected already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn correct(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path((raw, raw_contact)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<ContactJson>), ApiError> {
    let episode = episode_id(&raw)?;
    let old: ContactId = child_id(&raw_contact)?;
    let store = state.store();
    store.contact(&id.caller, episode, old).await?;
    let body: NewContactJson = from_body(body)?;
    let contact = new_id(body.id.as_deref(), ContactId::new)?;
    let mut errors = Vec::new();
    let d = details(&body, store.now())
        .map_err(|e| errors.extend(e))
        .ok();
    let why = Reason::parse(
        body.reason.as_deref().unwrap_or_default(),
        "why it is being corrected",
    )
    .map_err(|m| errors.push(FieldError::new("reason", m)))
    .ok();
    let (Some(d), Some(why), true) = (d, why, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    store
        .correct_contact(&id.caller, episode, old, contact, &d, &why)
        .await?;
    let saved = store.contact(&id.caller, episode, contact).await?;
    Ok((StatusCode::CREATED, Json(json(saved))))
}
