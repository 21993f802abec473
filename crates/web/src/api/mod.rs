//! The JSON API under `/api/v1`. Handlers are thin: they parse, call the
//! store with the caller's scope, and map the result. Errors are RFC 9457
//! problem documents ([`ApiError`]). The OpenAPI 3.1 document is generated
//! from the handlers' annotations and served at `/api/openapi.json`.

pub mod allocation;
pub mod audit;
pub mod care_plan;
pub mod consents;
pub mod contact_work;
pub mod engagement;
pub mod engagement_rules;
pub mod episodes;
pub mod me;
pub mod messages;
pub mod onward_referrals;
pub mod people;
pub mod person_details;
pub mod referrals;
pub mod sites;
pub mod tokens;
pub mod users;

use crate::error::Problem;
use crate::middleware::Identity;
use crate::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::IntoResponse;
use axum::Json;
use reconnect_domain::FieldError;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "RECONNECT API",
        description = "The API of reconnect, a care-after-custody service. Every request acts with the role and sites of the account that owns the token: people outside those sites do not exist as far as the API is concerned.",
        license(name = "MIT", identifier = "MIT"),
    ),
    paths(
        me::me,
        sites::list,
        people::list,
        people::create,
        people::show,
        episodes::read::list,
        episodes::start::start,
        episodes::read::show,
        episodes::actions::act,
        episodes::release_date::change_release_date,
        users::list,
        users::create,
        audit::list,
        tokens::list,
        tokens::revoke,
        people::update,
        people::history,
        referrals::list,
        referrals::create,
        referrals::show,
        referrals::decide,
        allocation::show,
        allocation::allocate,
        allocation::caseload,
        allocation::unallocated,
        allocation::team,
        allocation::set_capacity,
        consents::list,
        consents::record,
        consents::withdraw,
        care_plan::needs::list,
        care_plan::needs::add,
        care_plan::needs::update,
        care_plan::assessments::list,
        care_plan::assessments::record,
        care_plan::plan::show,
        care_plan::plan::add_goal,
        care_plan::plan::add_action,
        care_plan::plan::close_action,
        care_plan::release_plan::show,
        care_plan::release_plan::save,
        contact_work::contacts::list,
        contact_work::contacts::log,
        contact_work::contacts::correct,
        contact_work::appointments::list,
        contact_work::appointments::book,
        contact_work::appointments::act,
        contact_work::notes::list,
        contact_work::notes::add,
        contact_work::notes::correct,
        messages::person_messages,
        messages::put_contact_preferences,
        messages::jobs,
        engagement::episode,
        engagement::attention,
        engagement::raise_concern,
        engagement::clear_concern,
        engagement::record_action,
        engagement::step_down,
        engagement_rules::get_rules,
        engagement_rules::put_rules,
        onward_referrals::list,
        onward_referrals::create,
        onward_referrals::show,
        onward_referrals::transition,
        onward_referrals::fhir::service_request,
    ),
    components(schemas(Problem, FieldError, onward_referrals::OnwardReferralJson, onward_referrals::NewOnwardReferralJson, onward_referrals::TransitionJson)),
    modifiers(&BearerAuth, &CommonProblems),
    security(("bearer" = [])),
    tags(
        (name = "account", description = "The caller's own account and tokens"),
        (name = "people", description = "People supported at the caller's sites"),
        (name = "episodes", description = "Episodes of support: referral, the journey's actions, release dates and history"),
        (name = "admin", description = "Staff accounts (administrators)"),
        (name = "audit", description = "The audit trail (site managers)"),
        (name = "sites", description = "Sites and the prisons they serve"),
        (name = "referrals", description = "Referrals in: the triage queue, professional referrals and triage decisions"),
        (name = "allocation", description = "Who supports each person, caseloads and capacities"),
        (name = "consent", description = "Consent to take part and to share information, and its withdrawal"),
        (name = "care plan", description = "An episode's needs, assessments, plan and release-day plan"),
        (name = "contacts", description = "Contacts with the person in an episode, and their corrections"),
        (name = "appointments", description = "Appointments in an episode: booking, attendance, rescheduling, cancelling"),
        (name = "notes", description = "Case notes in an episode, their corrections, and sensitive notes"),
        (name = "messages", description = "Messages to people and staff, contact preferences, and background jobs"),
        (name = "onward referrals", description = "Referrals from an episode to directory services: consent, what is shared, outcomes, and FHIR ServiceRequest"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A personal access token created on the 'Your account' page",
                    ))
                    .build(),
            ),
        );
    }
}

/// Adds the problems every operation can answer with, so each operation
/// documents them without repeating them in every annotation: 401 (no valid
/// token), and for operations with a body 400 (not JSON),
/// 413 (too large) and 415 (not `application/json`).
struct CommonProblems;

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let problem = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ];
            for op in operations.into_iter().flatten() {
                let responses = &mut op.responses.responses;
                responses
                    .entry("401".into())
                    .or_insert_with(|| problem("No valid token or session").into());
                if op.request_body.is_some() {
                    for (code, text) in [
                        ("400", "The body is not valid JSON"),
                        ("413", "The body is too large"),
                        ("415", "The body is not sent as application/json"),
                    ] {
                        responses
                            .entry(code.into())
                            .or_insert_with(|| problem(text).into());
                    }
                }
            }
        }
    }
}

/// `GET /api/openapi.json`
pub async fn openapi_json() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

/// The signed-in API caller (the route's access rule guarantees one).
pub struct ApiCaller(pub Identity);

impl<S: Send + Sync> FromRequestParts<S> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Identity>()
            .cloned()
            .map(ApiCaller)
            .ok_or_else(ApiError::unauthorized)
    }
}

/// A JSON body whose problems come back as problem documents naming the
/// field where serde can tell.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::unsupported_media_type(
                "Send the body as JSON with 'Content-Type: application/json'",
            )),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::bad_request(format!(
                "The body is not valid JSON: {}",
                e.body_text()
            ))),
            Err(JsonRejection::JsonDataError(e)) => {
                Err(ApiError::invalid(vec![data_error(&e.body_text())]))
            }
            Err(JsonRejection::BytesRejection(_)) => Err(ApiError::payload_too_large()),
            Err(e) => Err(ApiError::bad_request(e.body_text())),
        }
    }
}

/// Turns serde's message into a field error, naming the field when it can.
fn data_error(text: &str) -> FieldError {
    let detail = text
        .strip_prefix("Failed to deserialize the JSON body into the target type: ")
        .unwrap_or(text);
    let field = detail
        .split_once(": ")
        .map(|(path, _)| path.trim())
        .filter(|p| !p.is_empty() && !p.contains(' '))
        .map(str::to_string)
        .or_else(|| {
            detail
                .split('`')
                .nth(1)
                .filter(|_| detail.starts_with("missing field"))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "body".to_string());
    FieldError::new(field, detail.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_field() {
        let e = data_error("Failed to deserialize the JSON body into the target type: missing field `family_name` at line 1 column 20");
        assert_eq!(e.field, "family_name");
        let e = data_error("Failed to deserialize the JSON body into the target type: role: unknown variant `root`, expected one of");
        assert_eq!(e.field, "role");
    }
}
