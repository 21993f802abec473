//! Taking a journey action on an episode. The journey's rules are applied
//! by the store; a refusal or a stale `version` is a `409` saying why.

use super::{episode_id, to_json, ActionJson, EpisodeJson};
use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::journey::{self, ActionFields};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::Json;
use reconnect_domain::episode::{ActionKind, EpisodeState};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

const API_ACTION_FIELDS: ActionFields = ActionFields {
    reason: "reason",
    details: "details",
    date: "",
    recalled: "recalled",
    to_site: "to_site",
    handover: "handover",
};

/// What an action did.
#[derive(Serialize, ToSchema)]
pub struct ActionResultJson {
    pub action: ActionKind,
    pub from: EpisodeState,
    pub to: EpisodeState,
    /// The line added to the history.
    pub summary: String,
    /// The reason or note recorded with it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The episode now; left out when it moved to a site that is not yours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode: Option<EpisodeJson>,
}

/// Takes a journey action on an episode.
///
/// For example `{"action": "mark_released", "version": 3, "on": "2026-03-02"}`.
/// Refused by the journey's rules, or changed by someone else since the
/// `version` you send: 409, with the reason as the detail.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/actions", operation_id = "act_on_episode", tag = "episodes",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = ActionJson,
    responses(
        (status = 200, description = "Done", body = ActionResultJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused by the journey's rules, or changed by someone else since you read it (the detail says which)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn act(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<ActionResultJson>, ApiError> {
    let episode = episode_id(&raw)?;
    let store = state.store();
    let e = store.episode(&id.caller, episode).await?;
    let born = store.person_date_of_birth(&id.caller, e.person_id).await?;
    let request = ActionJson::from_value(body)?;
    let (kind, version, input, date_field) = request.parts();
    let fields = ActionFields {
        date: date_field,
        ..API_ACTION_FIELDS
    };
    let action = journey::build_action(kind, &input, &fields, store.now().date(), born)
        .map_err(ApiError::invalid)?;
    let outcome = store
        .act_on_episode(&id.caller, episode, version, &action)
        .await?;
    let episode = match store.episode(&id.caller, episode).await {
        Ok(e) => Some(to_json(&state, e).await?),
        Err(reconnect_store::StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(Json(ActionResultJson {
        action: outcome.action,
        from: outcome.from,
        to: outcome.to,
        summary: outcome.summary,
        reason: outcome.reason,
        episode,
    }))
}
