//! Engagement in the API: an episode's level with its reasons, rule version,
//! concerns and step-ups; raising and clearing concerns; recording what was
//! done on a step-up action and stepping down; and the caller's "needs
//! attention" list. The episode is checked by the store on every call, so
//! anything outside the caller's sites is `404`; refusals are `409`.

use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::engagement::{EngagementLevel, Reason};
use reconnect_domain::id::{ConcernId, StepUpActionId, StepUpId};
use reconnect_domain::{EpisodeId, FieldError, PersonId};
use reconnect_store::engagement::{EpisodeEngagement, Level};
use reconnect_store::step_ups::StepUp;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use utoipa::ToSchema;

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn episode_id(raw: &str) -> Result<EpisodeId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// Reads a body once the episode is known to be the caller's, so nothing
/// is said about a body sent to an episode elsewhere.
pub(crate) fn from_body<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, ApiError> {
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

/// A level worked out now from the episode's own records.
#[derive(Serialize, ToSchema)]
pub struct LevelJson {
    pub episode_id: EpisodeId,
    pub level: EngagementLevel,
    pub level_label: String,
    pub reasons: Vec<Reason>,
    /// The version of the site's rules that produced it (0: the defaults).
    pub rule_version: i64,
    /// Days since the last two-way contact; absent when there has been none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_since_two_way_contact: Option<i64>,
}

fn level_json(l: Level) -> LevelJson {
    LevelJson {
        episode_id: l.episode_id,
        level: l.assessment.level,
        level_label: l.assessment.level.label().to_string(),
        reasons: l.assessment.reasons,
        rule_version: l.rule_version,
        days_since_two_way_contact: l.days_since_two_way_contact,
    }
}

/// A worker's concern.
#[derive(Serialize, ToSchema)]
pub struct ConcernJson {
    pub id: ConcernId,
    pub note: String,
    pub raised_by_name: String,
    #[schema(format = DateTime, value_type = String)]
    pub raised_at: String,
    /// Why it was cleared, when it has been.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleared_note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub cleared_at: Option<String>,
}

/// One suggested action of a step-up.
#[derive(Serialize, ToSchema)]
pub struct StepUpActionJson {
    pub id: StepUpActionId,
    /// `more_frequent_contact`, `peer_mentor_outreach`, `joint_visit`, `different_channel` or `review_plan`.
    pub action: String,
    pub action_label: String,
    /// `worker` or `mentor`.
    pub assignee: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to_name: Option<String>,
    #[schema(format = DateTime, value_type = String)]
    pub due_at: String,
    /// What was done and the outcome, oldest first.
    pub records: Vec<ActionRecordJson>,
}

#[derive(Serialize, ToSchema)]
pub struct ActionRecordJson {
    pub what_done: String,
    pub outcome: String,
    pub by_name: String,
    #[schema(format = DateTime, value_type = String)]
    pub at: String,
}

/// A step-up of support.
#[derive(Serialize, ToSchema)]
pub struct StepUpJson {
    pub id: StepUpId,
    /// `open`, `escalated` or `stepped_down`.
    pub state: String,
    pub level: EngagementLevel,
    pub reasons: Vec<String>,
    pub rule_version: i64,
    #[schema(format = DateTime, value_type = String)]
    pub opened_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub escalated_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_down_record: Option<String>,
    pub actions: Vec<StepUpActionJson>,
}

fn step_up_json(s: StepUp) -> StepUpJson {
    StepUpJson {
        id: s.id,
        state: s.state.code().to_string(),
        level: s.level,
        reasons: s.reasons,
        rule_version: s.rule_version,
        opened_at: rfc3339(s.opened_at),
        escalated_at: s.escalated_at.map(rfc3339),
        step_down_record: s.stepped_down.map(|(_, _, r)| r),
        actions: s
            .actions
            .into_iter()
            .map(|a| StepUpActionJson {
                id: a.id,
                action: a.action.code().to_string(),
                action_label: a.action.label().to_string(),
                assignee: a.assignee.code().to_string(),
                assigned_to_name: a.assigned_to_name,
                due_at: rfc3339(a.due_at),
                records: a
                    .records
                    .into_iter()
                    .map(|r| ActionRecordJson {
                        what_done: r.what_done,
                        outcome: r.outcome,
                        by_name: r.by_name,
                        at: rfc3339(r.at),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// An episode's engagement.
#[derive(Serialize, ToSchema)]
pub struct EngagementJson {
    #[serde(flatten)]
    pub level: LevelJson,
    pub site_name: String,
    pub concerns: Vec<ConcernJson>,
    /// Newest first.
    pub step_ups: Vec<StepUpJson>,
}

fn engagement_json(e: EpisodeEngagement) -> EngagementJson {
    EngagementJson {
        level: level_json(e.level),
        site_name: e.site_name,
        concerns: e
            .concerns
            .into_iter()
            .map(|c| ConcernJson {
                id: c.id,
                note: c.note,
                raised_by_name: c.by_name,
                raised_at: rfc3339(c.at),
                cleared_at: c.cleared.as_ref().map(|x| rfc3339(x.2)),
                cleared_note: c.cleared.map(|x| x.0),
            })
            .collect(),
        step_ups: e.step_ups.into_iter().map(step_up_json).collect(),
    }
}

/// An episode's engagement level worked out now, with the reasons, the rule
/// version that produced it, concerns and step-ups.
#[utoipa::path(get, path = "/api/v1/episodes/{episode_id}/engagement", operation_id = "episode_engagement", tag = "engagement",
    params(("episode_id" = String, Path, description = "The episode's id")),
    responses(
        (status = 200, description = "The engagement", body = EngagementJson),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn episode(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<EngagementJson>, ApiError> {
    let e = state
        .store()
        .engagement_for(&id.caller, episode_id(&raw)?)
        .await?;
    Ok(Json(engagement_json(e)))
}

/// One line of the needs-attention list.
#[derive(Serialize, ToSchema)]
pub struct AttentionJson {
    pub person_id: PersonId,
    pub person_name: String,
    #[serde(flatten)]
    pub level: LevelJson,
    /// The step-up in force: `open` or `escalated`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_up: Option<String>,
}

/// The people at your sites whose engagement needs attention, most urgent first.
#[utoipa::path(get, path = "/api/v1/attention", operation_id = "needs_attention", tag = "engagement",
    responses(
        (status = 200, description = "Most urgent first", body = [AttentionJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn attention(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
) -> Result<Json<Vec<AttentionJson>>, ApiError> {
    let store = state.store();
    let list = store.needs_attention(&id.caller, store.now()).await?;
    Ok(Json(
        list.into_iter()
            .map(|e| AttentionJson {
                person_id: e.person_id,
                person_name: e.person_name,
                level: level_json(e.level),
                step_up: e.step_up.map(|s| s.code().to_string()),
            })
            .collect(),
    ))
}

/// A concern to raise, or the note clearing one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcernNoteJson {
    /// The concern to clear (clearing only).
    #[serde(default)]
    #[schema(format = Uuid, value_type = Option<String>)]
    pub concern_id: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// The id of a saved record.
#[derive(Serialize, ToSchema)]
pub struct SavedJson {
    #[schema(format = Uuid, value_type = String)]
    pub id: String,
}

/// Raises a worker's concern about the episode.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/concerns", operation_id = "raise_concern", tag = "engagement",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = ConcernNoteJson,
    responses(
        (status = 201, description = "Raised", body = SavedJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn raise_concern(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<SavedJson>), ApiError> {
    let episode = episode_id(&raw)?;
    state.store().episode(&id.caller, episode).await?;
    let body: ConcernNoteJson = from_body(body)?;
    let c = state
        .store()
        .raise_concern(
            &id.caller,
            episode,
            body.note.as_deref().unwrap_or_default(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(SavedJson { id: c.to_string() })))
}

/// Clears a concern, with a note. A concern is cleared once (`409` after).
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/concerns/clear", operation_id = "clear_concern", tag = "engagement",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = ConcernNoteJson,
    responses(
        (status = 201, description = "Cleared", body = SavedJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such concern in this episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It has been cleared already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn clear_concern(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<SavedJson>), ApiError> {
    let episode = episode_id(&raw)?;
    state.store().episode(&id.caller, episode).await?;
    let body: ConcernNoteJson = from_body(body)?;
    let concern: ConcernId = body
        .concern_id
        .as_deref()
        .unwrap_or_default()
        .trim()
        .parse()
        .map_err(|_| {
            ApiError::invalid(vec![FieldError::new(
                "concern_id",
                "Give the id of the concern to clear",
            )])
        })?;
    let c = state
        .store()
        .clear_concern(
            &id.caller,
            episode,
            concern,
            body.note.as_deref().unwrap_or_default(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(SavedJson { id: c.to_string() })))
}

/// What was done on a step-up action, or why the step-up can step down.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepUpRecordJson {
    #[schema(format = Uuid, value_type = String)]
    pub step_up_id: String,
    /// The suggested action (recording only).
    #[serde(default)]
    #[schema(format = Uuid, value_type = Option<String>)]
    pub action_id: Option<String>,
    #[serde(default)]
    pub what_done: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
    /// Why support can step down (stepping down only).
    #[serde(default)]
    pub record: Option<String>,
}

fn step_up_id(raw: &str) -> Result<StepUpId, ApiError> {
    raw.trim().parse().map_err(|_| ApiError::not_found())
}

/// Records what was done on a step-up's suggested action and the outcome.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/step-up/records", operation_id = "record_step_up_action", tag = "engagement",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = StepUpRecordJson,
    responses(
        (status = 204, description = "Recorded"),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such step-up or action in this episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The step-up has been stepped down, or support has ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record_action(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<StatusCode, ApiError> {
    let episode = episode_id(&raw)?;
    state.store().episode(&id.caller, episode).await?;
    let body: StepUpRecordJson = from_body(body)?;
    let step_up = step_up_id(&body.step_up_id)?;
    let action: StepUpActionId = body
        .action_id
        .as_deref()
        .unwrap_or_default()
        .trim()
        .parse()
        .map_err(|_| ApiError::not_found())?;
    state
        .store()
        .record_step_up_action(
            &id.caller,
            episode,
            step_up,
            action,
            body.what_done.as_deref().unwrap_or_default(),
            body.outcome.as_deref().unwrap_or_default(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Steps a step-up down, with a record of why.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/step-up/step-down", operation_id = "step_down", tag = "engagement",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = StepUpRecordJson,
    responses(
        (status = 204, description = "Stepped down"),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such step-up in this episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It has been stepped down already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn step_down(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<StatusCode, ApiError> {
    let episode = episode_id(&raw)?;
    state.store().episode(&id.caller, episode).await?;
    let body: StepUpRecordJson = from_body(body)?;
    let step_up = step_up_id(&body.step_up_id)?;
    state
        .store()
        .step_down(
            &id.caller,
            episode,
            step_up,
            body.record.as_deref().unwrap_or_default(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
