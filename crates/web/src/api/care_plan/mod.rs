//! The care plan in the API, under `/api/v1/episodes/{episode_id}/`: needs
//! and their updates, assessments, the plan (goals and actions) and the
//! release-day plan.
//!
//! Choices (need domains, statuses, parties, owners, checklist items) are
//! sent and returned as their codes, each listed on its field. The episode
//! in the path is checked before the body is read, so an episode outside
//! the caller's sites is `404` whatever is sent. Bad input is `422` naming
//! each field; refusals, repeats of the same request and changes made by
//! someone else in the meantime are `409` with a plain-English `detail`.

pub mod assessments;
pub mod needs;
pub mod plan;
pub mod release_plan;

pub use assessments::{AssessmentJson, NewAssessmentJson, ScoreJson};
pub use needs::{NeedChangeJson, NeedJson, NeedUpdateJson, NewNeedJson};
pub use plan::{
    ClosePlanActionJson, GoalJson, NewGoalJson, NewPlanActionJson, PlanActionJson, PlanJson,
};
pub use release_plan::{
    ChecklistItemJson, ReleasePlanJson, ReleasePlanVersionJson, SaveReleasePlanJson,
};

use crate::{ApiError, AppState};
use reconnect_domain::{Caller, EpisodeId, FieldError};
use reconnect_store::episodes::Episode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The episode in the path, when it is in the caller's scope.
async fn episode(state: &AppState, caller: &Caller, raw: &str) -> Result<Episode, ApiError> {
    let id: EpisodeId = raw.parse().map_err(|_| ApiError::not_found())?;
    Ok(state.store().episode(caller, id).await?)
}

/// Reads a body into `T`, naming the field of every problem serde finds.
fn from_body<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
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

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// A choice read from its code, or a field error.
fn choice<T, E: std::fmt::Display>(
    errors: &mut Vec<FieldError>,
    field: &str,
    parsed: Result<T, E>,
) -> Option<T> {
    parsed
        .map_err(|e| errors.push(FieldError::new(field, e.to_string())))
        .ok()
}
