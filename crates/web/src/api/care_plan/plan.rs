//! The plan in the API: read it (goals and actions, overdue ones flagged),
//! add a goal, add an action, and close an action (done, or dropped with a
//! reason).

use super::{choice, episode, from_body, rfc3339};
use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::journey::{date_from_iso, iso};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::id::{GoalId, PlanActionId};
use reconnect_domain::plan::{action_text, due_date, is_overdue, ActionClose, ActionOwner};
use reconnect_domain::FieldError;
use reconnect_store::care_plan::{Goal, NewAction, PlanAction};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::Date;
use utoipa::ToSchema;

/// A goal, in the person's own words.
#[derive(Serialize, ToSchema)]
pub struct GoalJson {
    pub id: GoalId,
    pub words: String,
    /// When it was added (RFC 3339).
    pub added_at: String,
    pub added_by: String,
}

/// An action in the plan.
#[derive(Serialize, ToSchema)]
pub struct PlanActionJson {
    pub id: PlanActionId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub goal_id: Option<GoalId>,
    pub text: String,
    /// person, reconnect, peer_mentor, prison, probation, nhs or voluntary_sector.
    pub owner: String,
    /// The due date (ISO 8601).
    #[schema(format = Date, value_type = String)]
    pub due_on: String,
    /// open, done or dropped.
    pub status: String,
    /// Open and past its due date.
    pub overdue: bool,
    /// Why it was dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Send this back when closing it.
    pub version: i64,
}

/// An episode's plan.
#[derive(Serialize, ToSchema)]
pub struct PlanJson {
    pub goals: Vec<GoalJson>,
    /// By due date.
    pub actions: Vec<PlanActionJson>,
}

/// A new goal.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGoalJson {
    /// The goal as they said it.
    pub words: String,
}

/// A new action.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlanActionJson {
    pub text: String,
    /// person, reconnect, peer_mentor, prison, probation, nhs or voluntary_sector.
    pub owner: String,
    /// The due date (ISO 8601): within the last year or up to 2 years ahead.
    #[schema(format = Date, value_type = String)]
    pub due_on: String,
    /// One of the episode's goals.
    #[serde(default)]
    pub goal_id: Option<GoalId>,
}

/// Closing an action.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosePlanActionJson {
    /// The action's version as you last read it.
    pub version: i64,
    /// done or dropped.
    pub status: String,
    /// Why it was dropped (needed for dropped).
    #[serde(default)]
    pub reason: Option<String>,
}

fn goal_json(g: Goal) -> GoalJson {
    GoalJson {
        id: g.id,
        words: g.words,
        added_at: rfc3339(g.at),
        added_by: g.by_name,
    }
}

fn action_json(a: PlanAction, today: Date) -> PlanActionJson {
    PlanActionJson {
        id: a.id,
        goal_id: a.goal,
        text: a.text,
        owner: a.owner.code().into(),
        due_on: iso(a.due),
        status: a.status.code().into(),
        overdue: is_overdue(a.status, a.due, today),
        reason: a.reason,
        version: a.version,
    }
}

/// An episode's plan: goals and actions.
///
/// The read is audited.
#[utoipa::path(get, path = "/api/v1/episodes/{episode_id}/plan", operation_id = "show_plan", tag = "care plan",
    params(("episode_id" = String, Path, description = "The episode's id")),
    responses(
        (status = 200, description = "Their plan", body = PlanJson),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<PlanJson>, ApiError> {
    let e = episode(&state, &id.caller, &raw).await?;
    let store = state.store();
    let today = store.now().date();
    let plan = store.plan(&id.caller, e.id).await?;
    Ok(Json(PlanJson {
        goals: plan.goals.into_iter().map(goal_json).collect(),
        actions: plan
            .actions
            .into_iter()
            .map(|a| action_json(a, today))
            .collect(),
    }))
}

/// Adds a goal, in the person's own words.
///
/// The same words twice are refused (409).
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/plan/goals", operation_id = "add_goal", tag = "care plan",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = NewGoalJson,
    responses(
        (status = 201, description = "The goal", body = GoalJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The goal is already there, or the episode has ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_goal(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<GoalJson>), ApiError> {
    let e = episode(&state, &id.caller, &raw).await?;
    let body: NewGoalJson = from_body(body)?;
    let store = state.store();
    let goal = store.add_goal(&id.caller, e.id, &body.words).await?;
    let g = store
        .plan(&id.caller, e.id)
        .await?
        .goals
        .into_iter()
        .find(|g| g.id == goal)
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(goal_json(g))))
}

/// Adds an action with who does it and by when.
///
/// The same open action twice is refused (409).
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/plan/actions", operation_id = "add_action", tag = "care plan",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = NewPlanActionJson,
    responses(
        (status = 201, description = "The action", body = PlanActionJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The action is already there, or the episode has ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add_action(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<PlanActionJson>), ApiError> {
    let e = episode(&state, &id.caller, &raw).await?;
    let body: NewPlanActionJson = from_body(body)?;
    let store = state.store();
    let today = store.now().date();
    let mut errors: Vec<FieldError> = Vec::new();
    let text = choice(&mut errors, "text", action_text(&body.text));
    let owner = choice(&mut errors, "owner", ActionOwner::parse(&body.owner));
    let due = choice(
        &mut errors,
        "due_on",
        date_from_iso(&body.due_on, "The due date").and_then(|d| due_date(d, today)),
    );
    let (Some(text), Some(owner), Some(due), true) = (text, owner, due, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    let action = store
        .add_action(
            &id.caller,
            e.id,
            &NewAction {
                goal: body.goal_id,
                text,
                owner,
                due,
            },
        )
        .await?;
    let (_, a) = store.plan_action(&id.caller, action).await?;
    Ok((StatusCode::CREATED, Json(action_json(a, today))))
}

/// Marks an action done, or drops it with a reason.
///
/// Only an open action can be closed (409 otherwise). Send the version you
/// last read: if someone changed it since, nothing happens (409).
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/plan/actions/{plan_action_id}/close", operation_id = "close_action", tag = "care plan",
    params(
        ("episode_id" = String, Path, description = "The episode's id"),
        ("plan_action_id" = String, Path, description = "The action's id"),
    ),
    request_body = ClosePlanActionJson,
    responses(
        (status = 200, description = "The action now", body = PlanActionJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such action on an episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already closed, changed since you read it, or the episode has ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn close_action(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path((raw, action_raw)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<PlanActionJson>, ApiError> {
    let e = episode(&state, &id.caller, &raw).await?;
    let action: PlanActionId = action_raw.parse().map_err(|_| ApiError::not_found())?;
    let store = state.store();
    let (episode_of, _) = store.plan_action(&id.caller, action).await?;
    if episode_of != e.id {
        return Err(ApiError::not_found());
    }
    let body: ClosePlanActionJson = from_body(body)?;
    let close = ActionClose::parse(&body.status, body.reason.as_deref().unwrap_or_default())
        .map_err(|(field, m)| ApiError::invalid(vec![FieldError::new(field, m)]))?;
    store
        .close_action(&id.caller, action, body.version, &close)
        .await?;
    let (_, a) = store.plan_action(&id.caller, action).await?;
    Ok(Json(action_json(a, store.now().date())))
}
