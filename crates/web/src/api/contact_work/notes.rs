//! Case notes in the API: list (sensitive notes withheld from those who may
//! not read them), add, correct.

use super::{child_id, episode_id, from_body, new_id, rfc3339};
use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::case_note::note_body;
use reconnect_domain::episode::Reason;
use reconnect_domain::id::CaseNoteId;
use reconnect_domain::{EpisodeId, FieldError, UserId};
use reconnect_store::case_notes::{CaseNote, NoteContent, NoteInput};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A case note as you may see it.
#[derive(Serialize, ToSchema)]
pub struct CaseNoteJson {
    pub id: CaseNoteId,
    pub episode_id: EpisodeId,
    pub sensitive: bool,
    /// Left out when the note is sensitive and you may not read it (`withheld`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// True when the note is sensitive and only its allocated worker, site
    /// managers and author may read it.
    pub withheld: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<CaseNoteId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correction_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<CaseNoteId>,
    pub written_by: UserId,
    pub written_by_name: String,
    #[schema(format = DateTime, value_type = String)]
    pub written_at: String,
    /// May you correct it?
    pub may_correct: bool,
}

fn json(n: CaseNote) -> CaseNoteJson {
    let (body, correction_reason, withheld) = match n.content {
        NoteContent::Visible {
            body,
            correction_reason,
        } => (Some(body), correction_reason, false),
        NoteContent::Withheld => (None, None, true),
    };
    CaseNoteJson {
        id: n.id,
        episode_id: n.episode_id,
        sensitive: n.sensitive,
        body,
        withheld,
        supersedes: n.supersedes,
        correction_reason,
        superseded_by: n.superseded_by,
        written_by: n.by,
        written_by_name: n.by_name,
        written_at: rfc3339(n.created_at),
        may_correct: n.may_correct,
    }
}

/// A note to add, or the corrected text of one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseNoteJson {
    /// Your own id for it (a UUID), so that sending it twice saves it once.
    #[serde(default)]
    #[schema(format = Uuid, value_type = Option<String>)]
    pub id: Option<String>,
    #[serde(default)]
    pub body: Option<String>,
    /// Only the allocated worker, site managers and you will read it.
    #[serde(default)]
    pub sensitive: Option<bool>,
    /// Why it is corrected (corrections only).
    #[serde(default)]
    pub reason: Option<String>,
}

fn input(body: &NewCaseNoteJson, errors: &mut Vec<FieldError>) -> Option<NoteInput> {
    note_body(body.body.as_deref().unwrap_or_default())
        .map(|b| NoteInput {
            body: b,
            sensitive: body.sensitive.unwrap_or(false),
        })
        .map_err(|m| errors.push(FieldError::new("body", m)))
        .ok()
}

/// An episode's case notes, newest first, corrected ones included.
#[utoipa::path(get, path = "/api/v1/episodes/{episode_id}/notes", operation_id = "list_case_notes", tag = "notes",
    params(("episode_id" = String, Path, description = "The episode's id")),
    responses(
        (status = 200, description = "The notes", body = [CaseNoteJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Vec<CaseNoteJson>>, ApiError> {
    let episode = episode_id(&raw)?;
    let notes = state.store().case_notes(&id.caller, episode).await?;
    Ok(Json(notes.into_iter().map(json).collect()))
}

/// Adds a case note.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/notes", operation_id = "add_case_note", tag = "notes",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = NewCaseNoteJson,
    responses(
        (status = 201, description = "The note as saved", body = CaseNoteJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The id is already used by another record", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<CaseNoteJson>), ApiError> {
    let episode = episode_id(&raw)?;
    let store = state.store();
    store.episode(&id.caller, episode).await?;
    let body: NewCaseNoteJson = from_body(body)?;
    let note = new_id(body.id.as_deref(), CaseNoteId::new)?;
    let mut errors = Vec::new();
    if body.reason.is_some() {
        errors.push(FieldError::new(
            "reason",
            "A reason is only given with a correction",
        ));
    }
    let n = input(&body, &mut errors);
    let (Some(n), true) = (n, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    store.add_case_note(&id.caller, episode, note, &n).await?;
    Ok((
        StatusCode::CREATED,
        Json(json(store.case_note(&id.caller, episode, note).await?)),
    ))
}

/// Corrects a case note: a new note supersedes it, with a `reason`.
///
/// Only its author or a site manager may; a note corrected already is `409`.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/notes/{note_id}/corrections", operation_id = "correct_case_note", tag = "notes",
    params(("episode_id" = String, Path, description = "The episode's id"), ("note_id" = String, Path, description = "The note to correct")),
    request_body = NewCaseNoteJson,
    responses(
        (status = 201, description = "The correction as saved", body = CaseNoteJson),
        (status = 403, description = "You may not correct this note", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such note in this episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It has been corrected already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn correct(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path((raw, raw_note)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<CaseNoteJson>), ApiError> {
    let episode = episode_id(&raw)?;
    let old: CaseNoteId = child_id(&raw_note)?;
    let store = state.store();
    store.case_note(&id.caller, episode, old).await?;
    let body: NewCaseNoteJson = from_body(body)?;
    let note = new_id(body.id.as_deref(), CaseNoteId::new)?;
    let mut errors = Vec::new();
    let n = input(&body, &mut errors);
    let why = Reason::parse(
        body.reason.as_deref().unwrap_or_default(),
        "why it is being corrected",
    )
    .map_err(|m| errors.push(FieldError::new("reason", m)))
    .ok();
    let (Some(n), Some(why), true) = (n, why, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    store
        .correct_case_note(&id.caller, episode, old, note, &n, &why)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json(store.case_note(&id.caller, episode, note).await?)),
    ))
}
