//! The release-day plan in the API: read it (the plan now, its gaps, and
//! every earlier save) and save a new version.

use super::{choice, episode, from_body, rfc3339};
use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::Json;
use reconnect_domain::release_plan::{
    gaps, highlight_gaps, release_time, time_text, ChecklistItem, PlannedItem,
};
use reconnect_domain::FieldError;
use reconnect_store::care_plan::{NewReleasePlan, ReleasePlan};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// One checklist item.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItemJson {
    /// gate_meet, night_one, medication, prescription, gp_registration,
    /// first_appointments, id, phone or bank.
    pub item: String,
    /// confirmed, not_yet or not_needed.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One saved version of the plan.
#[derive(Serialize, ToSchema)]
pub struct ReleasePlanVersionJson {
    pub version: i64,
    /// `HH:MM`, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_time: Option<String>,
    pub items: Vec<ChecklistItemJson>,
    /// When it was saved (RFC 3339).
    pub saved_at: String,
    pub saved_by: String,
}

/// The release-day plan of an episode.
#[derive(Serialize, ToSchema)]
pub struct ReleasePlanJson {
    /// The plan now; absent until one is saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<ReleasePlanVersionJson>,
    /// Send this back with the next save (0 when none is saved yet).
    pub version: i64,
    /// Checklist items not yet sorted (every item until a plan is saved).
    pub gaps: Vec<String>,
    /// Are the gaps to be highlighted (release within 14 days)?
    pub gaps_highlighted: bool,
    /// Earlier saves, newest first.
    pub history: Vec<ReleasePlanVersionJson>,
}

/// A new version of the plan: every checklist item, once each.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveReleasePlanJson {
    /// The version you last read (0 when none was saved yet).
    pub version: i64,
    /// `HH:MM` on the 24-hour clock.
    #[serde(default)]
    pub release_time: Option<String>,
    pub items: Vec<ChecklistItemJson>,
}

fn version_json(p: ReleasePlan) -> ReleasePlanVersionJson {
    ReleasePlanVersionJson {
        version: p.version,
        release_time: p.release_time.map(time_text),
        items: p
            .items
            .into_iter()
            .map(|i| ChecklistItemJson {
                item: i.item.code().into(),
                status: i.status.code().into(),
                detail: i.detail,
            })
            .collect(),
        saved_at: rfc3339(p.at),
        saved_by: p.by_name,
    }
}

async fn plan_json(
    state: &AppState,
    caller: &reconnect_domain::Caller,
    e: &reconnect_store::episodes::Episode,
) -> Result<ReleasePlanJson, ApiError> {
    let store = state.store();
    let mut plans = store.release_plans(caller, e.id).await?.into_iter();
    let current = plans.next();
    let items = current
        .as_ref()
        .map(|c| c.items.clone())
        .unwrap_or_default();
    let gap_list = gaps(&items);
    Ok(ReleasePlanJson {
        version: current.as_ref().map_or(0, |c| c.version),
        gaps_highlighted: !gap_list.is_empty()
            && !e.state.is_terminal()
            && !e.state.is_in_community()
            && highlight_gaps(e.expected_release.date(), store.now().date()),
        gaps: gap_list.iter().map(|g| g.code().to_string()).collect(),
        current: current.map(version_json),
        history: plans.map(version_json).collect(),
    })
}

/// An episode's release-day plan, its gaps and its earlier versions.
///
/// The read is audited.
#[utoipa::path(get, path = "/api/v1/episodes/{episode_id}/release-plan", operation_id = "show_release_plan", tag = "care plan",
    params(("episode_id" = String, Path, description = "The episode's id")),
    responses(
        (status = 200, description = "Their release-day plan", body = ReleasePlanJson),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<ReleasePlanJson>, ApiError> {
    let e = episode(&state, &id.caller, &raw).await?;
    Ok(Json(plan_json(&state, &id.caller, &e).await?))
}

/// Saves a new version of the release-day plan.
///
/// The earlier version is kept. Send the version you last read: if someone
/// saved since, nothing happens (409).
#[utoipa::path(put, path = "/api/v1/episodes/{episode_id}/release-plan", operation_id = "save_release_plan", tag = "care plan",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = SaveReleasePlanJson,
    responses(
        (status = 200, description = "The release-day plan now", body = ReleasePlanJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Someone saved since you read it, or the episode has ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn save(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<ReleasePlanJson>, ApiError> {
    let e = episode(&state, &id.caller, &raw).await?;
    let body: SaveReleasePlanJson = from_body(body)?;
    let mut errors: Vec<FieldError> = Vec::new();
    let time = choice(
        &mut errors,
        "release_time",
        release_time(body.release_time.as_deref().unwrap_or_default()),
    );
    let mut items = Vec::new();
    for (i, it) in body.items.iter().enumerate() {
        let Some(item) = choice(
            &mut errors,
            &format!("items[{i}].item"),
            ChecklistItem::parse(&it.item),
        ) else {
            continue;
        };
        match PlannedItem::parse(item, &it.status, it.detail.as_deref().unwrap_or_default()) {
            Ok(p) => items.push(p),
            Err((field, m)) => errors.push(FieldError::new(format!("items[{i}].{field}"), m)),
        }
    }
    let (Some(release_time), true) = (time, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    state
        .store()
        .save_release_plan(
            &id.caller,
            e.id,
            body.version,
            &NewReleasePlan {
                release_time,
                items,
            },
        )
        .await?;
    Ok(Json(plan_json(&state, &id.caller, &e).await?))
}
