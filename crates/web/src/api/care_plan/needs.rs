//! Needs in the API: list an episode's needs with their histories, add one,
//! and update one (status, who is responsible, a note).

use super::{choice, episode, from_body, rfc3339};
use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::id::NeedId;
use reconnect_domain::need::{
    update_note, NeedArea, NeedDomain, NeedStatus, ResponsibleParty, NOTE_MAX_CHARS,
};
use reconnect_domain::validation::optional_text;
use reconnect_domain::FieldError;
use reconnect_store::care_plan::{NeedChange, NeedRecord, NewNeed};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// A need on an episode.
#[derive(Serialize, ToSchema)]
pub struct NeedJson {
    pub id: NeedId,
    /// The need domain's code, e.g. `accommodation`.
    pub domain: String,
    /// What the need is, for the `other` domain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
    /// The area as people read it.
    pub label: String,
    /// `identified`, `in_progress`, `met`, `declined` or `not_needed`.
    pub status: String,
    /// `reconnect`, `prison`, `probation`, `nhs` or `voluntary_sector`.
    pub responsible_party: String,
    /// Send this back with the next update.
    pub version: i64,
    /// Every change, oldest first.
    pub updates: Vec<NeedUpdateJson>,
}

/// One change to a need.
#[derive(Serialize, ToSchema)]
pub struct NeedUpdateJson {
    /// When (RFC 3339).
    pub at: String,
    pub by: String,
    pub status: String,
    pub responsible_party: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A new need.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNeedJson {
    /// One of: physical_health, mental_health, substance_use, medication,
    /// gp_registration, accommodation, finance_benefits, id_bank,
    /// family_children, education_work, neurodiversity, trauma,
    /// domestic_abuse, other.
    pub domain: String,
    /// What the need is: needed for `other`, refused for the others.
    #[serde(default)]
    pub other: Option<String>,
    /// Defaults to `identified`.
    #[serde(default)]
    pub status: Option<String>,
    pub responsible_party: String,
    #[serde(default)]
    pub note: Option<String>,
}

/// An update to a need: its status and party after the change, and a note
/// (needed when neither changes).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedChangeJson {
    /// The need's version as you last read it.
    pub version: i64,
    pub status: String,
    pub responsible_party: String,
    #[serde(default)]
    pub note: Option<String>,
}

pub(super) fn need_json(n: NeedRecord) -> NeedJson {
    NeedJson {
        id: n.id,
        domain: n.area.domain.code().into(),
        label: n.area.label(),
        other: n.area.other,
        status: n.status.code().into(),
        responsible_party: n.party.code().into(),
        version: n.version,
        updates: n
            .updates
            .into_iter()
            .map(|u| NeedUpdateJson {
                at: rfc3339(u.at),
                by: u.by_name,
                status: u.status.code().into(),
                responsible_party: u.party.code().into(),
                note: u.note,
            })
            .collect(),
    }
}

/// An episode's needs, in catalogue order, each with its history.
///
/// The read is audited.
#[utoipa::path(get, path = "/api/v1/episodes/{episode_id}/needs", operation_id = "list_needs", tag = "care plan",
    params(("episode_id" = String, Path, description = "The episode's id")),
    responses(
        (status = 200, description = "Their needs", body = [NeedJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Vec<NeedJson>>, ApiError> {
    let e = episode(&state, &id.caller, &raw).await?;
    let needs = state.store().needs(&id.caller, e.id).await?;
    Ok(Json(needs.into_iter().map(need_json).collect()))
}

/// Adds a need to an open episode.
///
/// A second open need in the same domain is refused (409): update it instead.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/needs", operation_id = "add_need", tag = "care plan",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = NewNeedJson,
    responses(
        (status = 201, description = "The new need", body = NeedJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An open need in that domain exists, or the episode has ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<NeedJson>), ApiError> {
    let e = episode(&state, &id.caller, &raw).await?;
    let body: NewNeedJson = from_body(body)?;
    let mut errors = Vec::new();
    let domain = choice(&mut errors, "domain", NeedDomain::parse(&body.domain));
    let area = domain.and_then(|d| {
        choice(
            &mut errors,
            "other",
            NeedArea::new(d, body.other.as_deref().unwrap_or_default()),
        )
    });
    let status = choice(
        &mut errors,
        "status",
        NeedStatus::parse(body.status.as_deref().unwrap_or("identified")),
    );
    let party = choice(
        &mut errors,
        "responsible_party",
        ResponsibleParty::parse(&body.responsible_party),
    );
    let note = choice(
        &mut errors,
        "note",
        optional_text(
            body.note.as_deref().unwrap_or_default(),
            "a note",
            NOTE_MAX_CHARS,
        ),
    );
    let (Some(area), Some(status), Some(party), Some(note), true) =
        (area, status, party, note, errors.is_empty())
    else {
        return Err(ApiError::invalid(errors));
    };
    let store = state.store();
    let need = store
        .add_need(
            &id.caller,
            e.id,
            &NewNeed {
                area,
                status,
                party,
                note,
            },
        )
        .await?;
    let n = store.need(&id.caller, need).await?;
    Ok((StatusCode::CREATED, Json(need_json(n))))
}

/// Updates a need: its status, who is responsible, and a note.
///
/// The old values stay in its history. Send the version you last read: if
/// someone changed it since, nothing happens (409).
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/needs/{need_id}/updates", operation_id = "update_need", tag = "care plan",
    params(
        ("episode_id" = String, Path, description = "The episode's id"),
        ("need_id" = String, Path, description = "The need's id"),
    ),
    request_body = NeedChangeJson,
    responses(
        (status = 200, description = "The need now", body = NeedJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such need on an episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Someone else changed it since you read it, or the episode has ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path((raw, need_raw)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<NeedJson>, ApiError> {
    let e = episode(&state, &id.caller, &raw).await?;
    let need_id: NeedId = need_raw.parse().map_err(|_| ApiError::not_found())?;
    let store = state.store();
    let need = store.need(&id.caller, need_id).await?;
    if need.episode_id != e.id {
        return Err(ApiError::not_found());
    }
    let body: NeedChangeJson = from_body(body)?;
    let mut errors: Vec<FieldError> = Vec::new();
    let status = choice(&mut errors, "status", NeedStatus::parse(&body.status));
    let party = choice(
        &mut errors,
        "responsible_party",
        ResponsibleParty::parse(&body.responsible_party),
    );
    let changes =
        status.is_some_and(|s| s != need.status) || party.is_some_and(|p| p != need.party);
    let note = choice(
        &mut errors,
        "note",
        update_note(body.note.as_deref().unwrap_or_default(), changes),
    );
    let (Some(status), Some(party), Some(note), true) = (status, party, note, errors.is_empty())
    else {
        return Err(ApiError::invalid(errors));
    };
    store
        .update_need(
            &id.caller,
            need_id,
            body.version,
            &NeedChange {
                status,
                party,
                note,
            },
        )
        .await?;
    Ok(Json(need_json(store.need(&id.caller, need_id).await?)))
}
