//! People at the caller's sites. Reads and writes go through the store's
//! scoped, audited functions; a person at another site is simply not found.

use super::person_details::{
    from_body, PersonCorrectionJson, PersonDetailsJson, ProfileJson, RevisionJson,
};
use super::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::journey;
use crate::{ApiError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::episode::Reason;
use reconnect_domain::{FieldError, PersonId, PrisonId, SiteId};
use reconnect_store::people::{PeopleFilter, Person, PersonSummary};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct PersonSummaryJson {
    pub id: PersonId,
    pub site_id: SiteId,
    pub given_name: String,
    pub family_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_name: Option<String>,
    /// ISO 8601 date.
    #[schema(format = Date, value_type = String)]
    pub date_of_birth: String,
    pub prison_number: String,
    pub prison_name: String,
}

#[derive(Serialize, ToSchema)]
pub struct PersonJson {
    #[serde(flatten)]
    pub summary: PersonSummaryJson,
    /// Ten digits, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<String>,
    pub prison_id: PrisonId,
    pub site_name: String,
    /// Send this back with a correction: if the record changed since, the correction is refused (409).
    pub version: i64,
    #[serde(flatten)]
    pub details: ProfileJson,
}

impl From<PersonSummary> for PersonSummaryJson {
    fn from(s: PersonSummary) -> Self {
        Self {
            id: s.id,
            site_id: s.site_id,
            given_name: s.given_name,
            family_name: s.family_name,
            preferred_name: s.preferred_name,
            date_of_birth: journey::iso(s.date_of_birth),
            prison_number: s.prison_number.to_string(),
            prison_name: s.prison_name,
        }
    }
}

impl From<Person> for PersonJson {
    fn from(p: Person) -> Self {
        Self {
            nhs_number: p.nhs_number.map(|n| n.digits()),
            prison_id: p.prison_id,
            site_name: p.site_name,
            version: p.version,
            details: ProfileJson::from(&p.profile),
            summary: p.summary.into(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this site (one of yours).
    pub site_id: Option<SiteId>,
    /// Search: name, preferred name, NHS number (spaces allowed) or prison number (any case).
    pub q: Option<String>,
    /// The same as `q` (older clients).
    pub search: Option<String>,
    /// At most this many (1 to 500, default 100).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// People at your sites, by family name.
#[utoipa::path(get, path = "/api/v1/people", operation_id = "list_people", tag = "people", params(ListParams),
    responses(
        (status = 200, description = "People in scope", body = [PersonSummaryJson]),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<PersonSummaryJson>>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let filter = PeopleFilter {
        site: params.site_id,
        search: params
            .q
            .or(params.search)
            .map(|s| s.chars().take(100).collect()),
        limit: params.limit.unwrap_or(100).clamp(1, 500),
        offset: params.offset.unwrap_or(0),
    };
    let people = state.store().list_people(&id.caller, &filter).await?;
    Ok(Json(people.into_iter().map(Into::into).collect()))
}

/// One person's record (the read is audited).
#[utoipa::path(get, path = "/api/v1/people/{person_id}", tag = "people",
    params(("person_id" = String, Path, description = "The person's id")),
    responses(
        (status = 200, description = "The record", body = PersonJson),
        (status = 404, description = "No such person at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(person_id): Path<String>,
) -> Result<Json<PersonJson>, ApiError> {
    let person_id: PersonId = person_id.parse().map_err(|_| ApiError::not_found())?;
    let person = state.store().get_person(&id.caller, person_id).await?;
    Ok(Json(person.into()))
}

/// Adds a person to the caseload of the site serving their prison. The
/// same person sent again by you within minutes (a retry) is not added twice:
/// the answer is their record, with 200 instead of 201.
#[utoipa::path(post, path = "/api/v1/people", operation_id = "create_person", tag = "people", request_body = PersonDetailsJson,
    responses(
        (status = 201, description = "Created", body = PersonJson),
        (status = 200, description = "You had just added this person: their record", body = PersonJson),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing (including someone under 18)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    ApiJson(body): ApiJson<PersonDetailsJson>,
) -> Result<(StatusCode, Json<PersonJson>), ApiError> {
    let today = state.store().now().date();
    let details = body.parse(today).map_err(ApiError::invalid)?;
    let added = state.store().add_person(&id.caller, &details, None).await?;
    let person = state.store().get_person(&id.caller, added.id).await?;
    let status = if added.already_added {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(person.into())))
}

/// Corrects a person's details. The whole record is replaced by `details`;
/// what it replaced is kept in the history with `reason`.
#[utoipa::path(put, path = "/api/v1/people/{person_id}", operation_id = "correct_person", tag = "people",
    params(("person_id" = String, Path, description = "The person's id")),
    request_body = PersonCorrectionJson,
    responses(
        (status = 200, description = "Corrected: the record as it is now", body = PersonJson),
        (status = 404, description = "No such person at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Someone changed the record since you read it: read it again", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing, or nothing changed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(person_id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<PersonJson>, ApiError> {
    let person_id: PersonId = person_id.parse().map_err(|_| ApiError::not_found())?;
    // Someone outside the person's site learns nothing, however odd the body.
    state
        .store()
        .person_date_of_birth(&id.caller, person_id)
        .await?;
    let body: PersonCorrectionJson = from_body(body)?;
    let today = state.store().now().date();
    let details = body.details.parse(today);
    let reason = Reason::parse(&body.reason, "why you are correcting their details");
    let (details, reason) = match (details, reason) {
        (Ok(d), Ok(r)) => (d, r),
        (details, reason) => {
            let mut errors = details.err().unwrap_or_default();
            if let Err(m) = reason {
                errors.push(FieldError::new("reason", m));
            }
            return Err(ApiError::invalid(errors));
        }
    };
    state
        .store()
        .update_person_details(&id.caller, person_id, body.version, &details, &reason)
        .await?;
    let person = state.store().get_person(&id.caller, person_id).await?;
    Ok(Json(person.into()))
}

/// The corrections of a person's details, newest first (the read is audited).
#[utoipa::path(get, path = "/api/v1/people/{person_id}/history", operation_id = "person_history", tag = "people",
    params(("person_id" = String, Path, description = "The person's id")),
    responses(
        (status = 200, description = "Corrections, newest first", body = [RevisionJson]),
        (status = 404, description = "No such person at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn history(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(person_id): Path<String>,
) -> Result<Json<Vec<RevisionJson>>, ApiError> {
    let person_id: PersonId = person_id.parse().map_err(|_| ApiError::not_found())?;
    let history = state.store().person_history(&id.caller, person_id).await?;
    Ok(Json(history.into_iter().map(Into::into).collect()))
}
