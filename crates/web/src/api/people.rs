//! People at the caller's sites. Reads and writes go through the store's
//! scoped, audited functions; a person at another site is simply not found.

use super::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::journey;
use crate::{ApiError, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::person::{NewPerson, NewPersonInput};
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
            summary: p.summary.into(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only this site (one of yours).
    pub site_id: Option<SiteId>,
    /// Name, prison number or NHS number.
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
        search: params.search.map(|s| s.chars().take(100).collect()),
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPersonJson {
    pub given_name: String,
    pub family_name: String,
    #[serde(default)]
    pub preferred_name: Option<String>,
    /// ISO 8601 date, e.g. 1990-07-03.
    pub date_of_birth: String,
    /// Ten digits (spaces allowed); leave out when not known.
    #[serde(default)]
    pub nhs_number: Option<String>,
    /// Like A1234BC.
    pub prison_number: String,
    /// A prison served by one of your sites.
    pub prison_id: String,
}

/// Adds a person to the caseload of the site serving their prison.
#[utoipa::path(post, path = "/api/v1/people", operation_id = "create_person", tag = "people", request_body = NewPersonJson,
    responses(
        (status = 201, description = "Created", body = PersonJson),
        (status = 415, description = "Body is not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    ApiJson(body): ApiJson<NewPersonJson>,
) -> Result<(StatusCode, Json<PersonJson>), ApiError> {
    let mut parts = body.date_of_birth.trim().splitn(3, '-');
    let (year, month, day) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let input = NewPersonInput {
        given_name: &body.given_name,
        family_name: &body.family_name,
        preferred_name: body.preferred_name.as_deref().unwrap_or_default(),
        dob_day: day,
        dob_month: month,
        dob_year: year,
        nhs_number: body.nhs_number.as_deref().unwrap_or_default(),
        prison_number: &body.prison_number,
        prison_id: &body.prison_id,
    };
    let today = state.store().now().date();
    let new = NewPerson::parse(&input, today).map_err(|errors| {
        ApiError::invalid(
            errors
                .into_iter()
                .map(|e| {
                    if e.field == "date_of_birth"
                        && !e.message.contains("past")
                        && !e.message.contains("120")
                    {
                        FieldError::new(
                            "date_of_birth",
                            "Enter the date of birth as YYYY-MM-DD, a real date in the past",
                        )
                    } else {
                        e
                    }
                })
                .collect(),
        )
    })?;
    let person_id = state.store().create_person(&id.caller, &new).await?;
    let person = state.store().get_person(&id.caller, person_id).await?;
    Ok((StatusCode::CREATED, Json(person.into())))
}
