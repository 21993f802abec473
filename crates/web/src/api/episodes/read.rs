//! Reading episodes: a person's list, and one episode with its history.
//! Both reads are audited as reads of the person's record.

use super::json::event_json;
use super::{episode_id, person_id, to_json, EpisodeDetailJson, EpisodeJson};
use crate::api::ApiCaller;
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::Json;

/// A person's episodes, newest first.
///
/// Reading them is audited as a read of the person's record.
#[utoipa::path(get, path = "/api/v1/people/{person_id}/episodes", operation_id = "list_episodes", tag = "episodes",
    params(("person_id" = String, Path, description = "The person's id")),
    responses(
        (status = 200, description = "Their episodes, newest first", body = [EpisodeJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Vec<EpisodeJson>>, ApiError> {
    let person = person_id(&raw)?;
    // The audited read, and "not found" for anyone else's.
    state.store().get_person(&id.caller, person).await?;
    let mut out = Vec::new();
    for e in state.store().episodes_of(&id.caller, person).await? {
        out.push(to_json(&state, e).await?);
    }
    Ok(Json(out))
}

/// One episode with its history.
///
/// The read is audited as a read of the person's record.
#[utoipa::path(get, path = "/api/v1/episodes/{episode_id}", operation_id = "show_episode", tag = "episodes",
    params(("episode_id" = String, Path, description = "The episode's id")),
    responses(
        (status = 200, description = "The episode and its history", body = EpisodeDetailJson),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<EpisodeDetailJson>, ApiError> {
    let episode = episode_id(&raw)?;
    let store = state.store();
    let e = store.episode(&id.caller, episode).await?;
    store.get_person(&id.caller, e.person_id).await?;
    let history = store
        .episode_history(&id.caller, episode)
        .await?
        .into_iter()
        .map(event_json)
        .collect();
    Ok(Json(EpisodeDetailJson {
        episode: to_json(&state, e).await?,
        history,
    }))
}
