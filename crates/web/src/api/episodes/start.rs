//! A referral for support: a new episode for a person.

use super::release_date::api_release;
use super::{from_body, person_id, to_json, EpisodeJson};
use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::referral_source::ReferralSource;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A referral for support: a new episode.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartEpisodeJson {
    pub referral_source: ReferralSource,
    /// The expected release date (ISO 8601). Give this or `release_unknown_reason`.
    #[serde(default)]
    #[schema(format = Date, value_type = Option<String>)]
    pub expected_release: Option<String>,
    /// Why the release date is not known, like "On remand".
    #[serde(default)]
    pub release_unknown_reason: Option<String>,
}

/// Refers a person for support.
///
/// Refused (409) while they have an open episode; after their earlier
/// support ended, the new episode is linked to the earlier ones.
#[utoipa::path(post, path = "/api/v1/people/{person_id}/episodes", operation_id = "start_episode", tag = "episodes",
    params(("person_id" = String, Path, description = "The person's id")),
    request_body = StartEpisodeJson,
    responses(
        (status = 201, description = "The new episode", body = EpisodeJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "They already have an open episode (the detail says so)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn start(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<EpisodeJson>), ApiError> {
    let person = person_id(&raw)?;
    let store = state.store();
    let born = store.person_date_of_birth(&id.caller, person).await?;
    let body: StartEpisodeJson = from_body(body)?;
    let release = api_release(
        body.expected_release.as_deref(),
        body.release_unknown_reason.as_deref(),
        store.now().date(),
        born,
    )
    .map_err(ApiError::invalid)?;
    let episode = store
        .start_episode(&id.caller, person, body.referral_source, &release)
        .await?;
    let episode = store.episode(&id.caller, episode).await?;
    Ok((StatusCode::CREATED, Json(to_json(&state, episode).await?)))
}
