//! Referrals in the API: the triage queue of the caller's sites, a
//! professional's referral, one referral with its eligibility, possible
//! duplicates and history, and the triage decision.
//!
//! Every read is scoped to the caller's sites and audited by the store; a
//! referral elsewhere is `404`. A second decision is a `409` saying who made
//! the first; a decision on an out-of-date `version` is a `409` too. Bad
//! input is `422` naming each field.

mod body;
mod json;

pub use body::{DecisionJson, NewReferralJson};
pub use json::{
    PossibleDuplicateJson, ReferralDetailJson, ReferralEventJson, ReferralJson, ReferrerJson,
};

use self::body::from_body;
use self::json::{detail_json, referral_json};
use super::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::pages::referrals::{build_decision, DecisionFields, DecisionInput};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::id::ReferralId;
use reconnect_domain::{EpisodeId, PersonId};
use reconnect_store::referrals::ReferralStatus;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

fn referral_id(raw: &str) -> Result<ReferralId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// The triage queue: referrals waiting at your sites, oldest first.
#[utoipa::path(get, path = "/api/v1/referrals", operation_id = "list_referrals", tag = "referrals",
    responses(
        (status = 200, description = "The queue, oldest first", body = [ReferralDetailJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
) -> Result<Json<Vec<ReferralDetailJson>>, ApiError> {
    let store = state.store();
    let queue = store.referral_queue(&id.caller).await?;
    let mut duplicates = store.duplicates_of_each(&id.caller, &queue).await?;
    let mut out = Vec::with_capacity(queue.len());
    for r in &queue {
        let found = duplicates.remove(&r.id).unwrap_or_default();
        out.push(detail_json(&state, r, &found, &[]).await?);
    }
    Ok(Json(out))
}

/// Adds a referral (typically a professional's) to the triage queue of the
/// site that serves the prison.
#[utoipa::path(post, path = "/api/v1/referrals", operation_id = "create_referral", tag = "referrals",
    request_body = NewReferralJson,
    responses(
        (status = 201, description = "The referral, waiting for triage", body = ReferralDetailJson),
        (status = 403, description = "Your role cannot add case records", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<ReferralDetailJson>), ApiError> {
    let body: NewReferralJson = from_body(body)?;
    let store = state.store();
    let new = body.parse(store.now().date()).map_err(ApiError::invalid)?;
    let (referral, _) = store.create_referral(&id.caller, &new).await?;
    let r = store.referral(&id.caller, referral).await?;
    let duplicates = store.referral_duplicates(&id.caller, &r).await?;
    let history = store.referral_history(&id.caller, referral).await?;
    Ok((
        StatusCode::CREATED,
        Json(detail_json(&state, &r, &duplicates, &history).await?),
    ))
}

/// One referral at your sites, with its eligibility, possible duplicates and history.
#[utoipa::path(get, path = "/api/v1/referrals/{referral_id}", operation_id = "get_referral", tag = "referrals",
    params(("referral_id" = String, Path, description = "The referral's id")),
    responses(
        (status = 200, description = "The referral", body = ReferralDetailJson),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such referral at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<ReferralDetailJson>, ApiError> {
    let referral = referral_id(&raw)?;
    let store = state.store();
    let r = store.referral(&id.caller, referral).await?;
    let duplicates = if r.status == ReferralStatus::New {
        store.referral_duplicates(&id.caller, &r).await?
    } else {
        Vec::new()
    };
    let history = store.referral_history(&id.caller, referral).await?;
    Ok(Json(detail_json(&state, &r, &duplicates, &history).await?))
}

/// What a decision did.
#[derive(Serialize, ToSchema)]
pub struct DecisionResultJson {
    /// `accepted`, `linked` or `declined`.
    pub status: String,
    /// The line added to the referral's history.
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode_id: Option<EpisodeId>,
    pub referral: ReferralJson,
}

const API_DECISION_FIELDS: DecisionFields = DecisionFields {
    kind: "decision",
    person_id: "person_id",
};

/// Decides a referral: accept it as a new record, link it to a person at
/// your sites (or link and update their record), or decline it.
///
/// Accepting starts an episode of support and accepts it, in one step; when
/// the linked person already has an open episode, the referral is linked to
/// it. A referral already decided: 409, saying who decided it and when.
#[utoipa::path(post, path = "/api/v1/referrals/{referral_id}/decision", operation_id = "decide_referral", tag = "referrals",
    params(("referral_id" = String, Path, description = "The referral's id")),
    request_body = DecisionJson,
    responses(
        (status = 200, description = "Decided", body = DecisionResultJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such referral at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided, or changed since you read it (the detail says which)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn decide(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<DecisionResultJson>, ApiError> {
    let referral = referral_id(&raw)?;
    let store = state.store();
    // Out of scope is 404 whatever the body says.
    store.referral(&id.caller, referral).await?;
    let body: DecisionJson = from_body(body)?;
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    let (person, prison, number, reason, details) = (
        o(&body.person_id),
        o(&body.prison_id),
        o(&body.prison_number),
        o(&body.reason),
        o(&body.details),
    );
    let decision = build_decision(
        &DecisionInput {
            kind: &body.decision,
            person_id: &person,
            prison_id: &prison,
            prison_number: &number,
            reason: &reason,
            details: &details,
        },
        &API_DECISION_FIELDS,
    )
    .map_err(ApiError::invalid)?;
    let outcome = store
        .decide_referral(&id.caller, referral, body.version, &decision)
        .await?;
    let r = store.referral(&id.caller, referral).await?;
    Ok(Json(DecisionResultJson {
        status: outcome.status.as_str().into(),
        summary: outcome.summary,
        person_id: outcome.person_id,
        episode_id: outcome.episode_id,
        referral: referral_json(&r),
    }))
}
