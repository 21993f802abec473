//! The expected release date: reading it from a body (shared with the
//! referral), and changing it on an open episode with why.

use super::{episode_id, from_body, to_json, EpisodeJson};
use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::journey::{self, ReleaseFields};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::Json;
use reconnect_domain::episode::Reason;
use reconnect_domain::window::ReleaseDate;
use reconnect_domain::FieldError;
use serde::Deserialize;
use serde_json::Value;
use time::Date;
use utoipa::ToSchema;

const API_RELEASE_FIELDS: ReleaseFields = ReleaseFields {
    date: "expected_release",
    reason: "release_unknown_reason",
    known: "expected_release",
};

pub(super) fn api_release(
    date: Option<&str>,
    reason: Option<&str>,
    today: Date,
    born: Date,
) -> Result<ReleaseDate, Vec<FieldError>> {
    let date = date
        .filter(|d| !d.trim().is_empty())
        .map(|d| journey::date_from_iso(d, "The expected release date"));
    journey::release_date(
        None,
        date,
        reason.unwrap_or_default(),
        today,
        born,
        &API_RELEASE_FIELDS,
    )
}

/// A new expected release date, or why it is not known, and why it changed.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseDateJson {
    /// The episode's version as you last read it.
    pub version: i64,
    /// The new expected release date (ISO 8601). Give this or `release_unknown_reason`.
    #[serde(default)]
    #[schema(format = Date, value_type = Option<String>)]
    pub expected_release: Option<String>,
    /// Why the release date is not known.
    #[serde(default)]
    pub release_unknown_reason: Option<String>,
    /// Why it changed (kept in the history).
    pub why: String,
}

/// Changes the expected release date of an open episode.
///
/// The earlier date stays in the history, with who changed it and why.
#[utoipa::path(put, path = "/api/v1/episodes/{episode_id}/release-date", operation_id = "change_release_date", tag = "episodes",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = ReleaseDateJson,
    responses(
        (status = 200, description = "The episode now", body = EpisodeJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The episode has ended, or someone else changed it since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_release_date(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<EpisodeJson>, ApiError> {
    let episode = episode_id(&raw)?;
    let store = state.store();
    let e = store.episode(&id.caller, episode).await?;
    let born = store.person_date_of_birth(&id.caller, e.person_id).await?;
    let body: ReleaseDateJson = from_body(body)?;
    let mut errors = Vec::new();
    let release = api_release(
        body.expected_release.as_deref(),
        body.release_unknown_reason.as_deref(),
        store.now().date(),
        born,
    )
    .map_err(|e| errors.extend(e))
    .ok();
    let why = Reason::parse(&body.why, "why the expected release date changed")
        .map_err(|m| errors.push(FieldError::new("why", m)))
        .ok();
    let (Some(release), Some(why), true) = (release, why, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    store
        .change_expected_release(&id.caller, episode, body.version, &release, &why)
        .await?;
    let e = store.episode(&id.caller, episode).await?;
    Ok(Json(to_json(&state, e).await?))
}
