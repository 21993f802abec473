//! Assessments in the API: list an episode's assessments (oldest first, so
//! progress reads left to right) and record a new one.

use super::{choice, episode, from_body, rfc3339};
use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::journey::{date_from_iso, iso};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::id::AssessmentId;
use reconnect_domain::need::{NeedDomain, Score, NOTE_MAX_CHARS};
use reconnect_domain::validation::optional_text;
use reconnect_domain::FieldError;
use reconnect_store::care_plan::{Assessment, AssessmentScore, NewAssessment};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// One domain's score at an assessment.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreJson {
    /// The need domain's code, e.g. `accommodation`.
    pub domain: String,
    /// 0 (no support needed) to 4 (urgent support needed).
    pub score: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An assessment as recorded.
#[derive(Serialize, ToSchema)]
pub struct AssessmentJson {
    pub id: AssessmentId,
    /// The date of the assessment (ISO 8601).
    #[schema(format = Date, value_type = String)]
    pub assessed_on: String,
    /// When it was recorded (RFC 3339).
    pub recorded_at: String,
    pub recorded_by: String,
    pub scores: Vec<ScoreJson>,
}

/// A new assessment.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssessmentJson {
    /// The date of the assessment (ISO 8601): today or earlier.
    #[schema(format = Date, value_type = String)]
    pub assessed_on: String,
    /// At least one domain, each at most once.
    pub scores: Vec<ScoreJson>,
}

fn assessment_json(a: Assessment) -> AssessmentJson {
    AssessmentJson {
        id: a.id,
        assessed_on: iso(a.on),
        recorded_at: rfc3339(a.at),
        recorded_by: a.by_name,
        scores: a
            .scores
            .into_iter()
            .map(|s| ScoreJson {
                domain: s.domain.code().into(),
                score: s.score.value(),
                note: s.note,
            })
            .collect(),
    }
}

/// An episode's assessments, oldest first.
///
/// The read is audited.
#[utoipa::path(get, path = "/api/v1/episodes/{episode_id}/assessments", operation_id = "list_assessments", tag = "care plan",
    params(("episode_id" = String, Path, description = "The episode's id")),
    responses(
        (status = 200, description = "Their assessments", body = [AssessmentJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Vec<AssessmentJson>>, ApiError> {
    let e = episode(&state, &id.caller, &raw).await?;
    let all = state.store().assessments(&id.caller, e.id).await?;
    Ok(Json(all.into_iter().map(assessment_json).collect()))
}

/// Records an assessment on an open episode.
///
/// One assessment per day: a second on the same date is refused (409).
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/assessments", operation_id = "record_assessment", tag = "care plan",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = NewAssessmentJson,
    responses(
        (status = 201, description = "The assessment", body = AssessmentJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "An assessment on that date exists, or the episode has ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<AssessmentJson>), ApiError> {
    let e = episode(&state, &id.caller, &raw).await?;
    let body: NewAssessmentJson = from_body(body)?;
    let mut errors: Vec<FieldError> = Vec::new();
    let on = choice(
        &mut errors,
        "assessed_on",
        date_from_iso(&body.assessed_on, "The date of the assessment"),
    );
    let mut scores = Vec::new();
    for (i, s) in body.scores.iter().enumerate() {
        let domain = choice(
            &mut errors,
            &format!("scores[{i}].domain"),
            NeedDomain::parse(&s.domain),
        );
        let score = choice(
            &mut errors,
            &format!("scores[{i}].score"),
            Score::new(s.score),
        );
        let note = choice(
            &mut errors,
            &format!("scores[{i}].note"),
            optional_text(
                s.note.as_deref().unwrap_or_default(),
                "the note",
                NOTE_MAX_CHARS,
            ),
        );
        if let (Some(domain), Some(score), Some(note)) = (domain, score, note) {
            scores.push(AssessmentScore {
                domain,
                score,
                note,
            });
        }
    }
    let (Some(on), true) = (on, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    let store = state.store();
    let new_id = store
        .record_assessment(&id.caller, e.id, &NewAssessment { on, scores })
        .await?;
    let a = store
        .assessments(&id.caller, e.id)
        .await?
        .into_iter()
        .find(|a| a.id == new_id)
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(assessment_json(a))))
}
