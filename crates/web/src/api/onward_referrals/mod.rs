//! Onward referrals in the API: an episode's referrals (list, draft one),
//! one referral (show, its next step), and the referral as a FHIR R4 UK
//! Core `ServiceRequest` ([`fhir`]). The episode or referral named in the
//! path is checked before the body is read, so anything outside the
//! caller's sites is `404` whatever is sent. Refusals by the state machine
//! or the consent gate and stale versions are `409` saying why.

pub mod fhir;

use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::episode::Reason;
use reconnect_domain::id::{NeedId, OnwardReferralId};
use reconnect_domain::onward_referral::sharing::{Part, Snapshot};
use reconnect_domain::onward_referral::{Action, Outcome};
use reconnect_domain::{EpisodeId, FieldError, PersonId};
use reconnect_store::onward_referrals::{NewOnwardReferral, OnwardReferral};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use utoipa::ToSchema;

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn path_id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// Reads a body into `T`, naming the field of every problem serde finds.
fn from_body<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() {
            "body".to_string()
        } else {
            path
        };
        ApiError::invalid(vec![FieldError::new(field, e.inner().to_string())])
    })
}

/// One change in a referral's history.
#[derive(Serialize, ToSchema)]
pub struct ReferralEventJson {
    /// `create`, `send`, `send_override`, `accept`, `decline`, `book`,
    /// `attended`, `did_not_attend`, `close` or `withdraw`.
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub to: String,
    #[schema(format = DateTime, value_type = String)]
    pub at: String,
    pub by_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An onward referral from an episode to a directory service.
#[derive(Serialize, ToSchema)]
pub struct OnwardReferralJson {
    pub id: OnwardReferralId,
    pub episode_id: EpisodeId,
    pub person_id: PersonId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub need_id: Option<NeedId>,
    /// The need in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub need: Option<String>,
    pub service_id: String,
    pub service_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    /// `draft`, `sent`, `accepted`, `declined`, `booked`, `attended`,
    /// `did_not_attend`, `closed` or `withdrawn`.
    pub state: String,
    pub state_label: String,
    /// The parts chosen to share: `contact`, `needs`, `plan`, `release`,
    /// `nhs_number`, `case_notes`.
    pub parts: Vec<String>,
    /// Exactly what was shared, as it was when sent (absent for drafts).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub shared: Option<Snapshot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub sent_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub answered_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub first_appointment_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub closed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Send it back with a transition, so a stale change is refused.
    pub version: i64,
    #[schema(format = DateTime, value_type = String)]
    pub created_at: String,
    pub created_by_name: String,
    /// Every change, oldest first (only when one referral is shown).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<ReferralEventJson>,
}

fn json(r: OnwardReferral) -> OnwardReferralJson {
    OnwardReferralJson {
        id: r.id,
        episode_id: r.episode_id,
        person_id: r.person_id,
        need_id: r.need_id,
        need: r.need_label,
        service_id: r.service_id,
        service_name: r.service_name,
        organization_name: r.organization_name,
        state: r.state.code().to_string(),
        state_label: r.state.label().to_string(),
        parts: r.parts.iter().map(|p| p.code().to_string()).collect(),
        shared: r.snapshot,
        sent_at: r.sent_at.map(rfc3339),
        answered_at: r.answered_at.map(rfc3339),
        first_appointment_at: r.appointment_at.map(rfc3339),
        closed_at: r.closed_at.map(rfc3339),
        decline_reason: r.decline_reason,
        outcome: r.outcome.map(|o| o.code().to_string()),
        version: r.version,
        created_at: rfc3339(r.created_at),
        created_by_name: r.created_by_name,
        history: r
            .events
            .into_iter()
            .map(|e| ReferralEventJson {
                action: e.action,
                from: e.from.map(|s| s.code().to_string()),
                to: e.to.code().to_string(),
                at: rfc3339(e.at),
                by_name: e.by_name,
                reason: e.reason,
            })
            .collect(),
    }
}

/// A referral to draft.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOnwardReferralJson {
    /// Your own id for it (a UUID), so that sending it twice saves it once.
    #[serde(default)]
    #[schema(format = Uuid, value_type = Option<String>)]
    pub id: Option<String>,
    /// The directory service's id.
    #[serde(default)]
    pub service_id: Option<String>,
    /// The need on this episode it is for.
    #[serde(default)]
    #[schema(format = Uuid, value_type = Option<String>)]
    pub need_id: Option<String>,
    /// What to share: `contact`, `needs`, `plan`, `release`, `nhs_number`,
    /// `case_notes`. The name and date of birth always go.
    #[serde(default)]
    pub parts: Vec<String>,
}

/// The next step on a referral.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionJson {
    /// `send`, `accept`, `decline`, `book`, `attended`, `did_not_attend`,
    /// `close` or `withdraw`.
    #[serde(default)]
    pub action: Option<String>,
    /// The referral's version as you read it.
    #[serde(default)]
    pub version: Option<i64>,
    /// Why (required to decline or withdraw).
    #[serde(default)]
    pub reason: Option<String>,
    /// When the first appointment is (RFC 3339), to `book`.
    #[serde(default)]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub appointment_at: Option<String>,
    /// How it ended, to `close`: `need_met`, `partly_met`, `not_met`,
    /// `person_stopped` or `referred_elsewhere`.
    #[serde(default)]
    pub outcome: Option<String>,
    /// To `send` without the consent it needs (site managers only): why.
    #[serde(default)]
    pub override_reason: Option<String>,
}

fn action_of(body: &TransitionJson) -> Result<Action, Vec<FieldError>> {
    let one = |f: &str, m: String| vec![FieldError::new(f, m)];
    let reason = |what: &str| {
        Reason::parse(body.reason.as_deref().unwrap_or_default(), what)
            .map_err(|m| one("reason", m))
    };
    match body.action.as_deref().unwrap_or_default() {
        "send" => Ok(Action::Send),
        "accept" => Ok(Action::Accept),
        "decline" => reason("why the service declined").map(Action::Decline),
        "book" => {
            let s = body.appointment_at.as_deref().unwrap_or_default().trim();
            OffsetDateTime::parse(s, &Rfc3339)
                .map(Action::BookFirstAppointment)
                .map_err(|_| {
                    one(
                        "appointment_at",
                        "Give the first appointment's time in RFC 3339 form, like 2026-03-02T14:30:00Z".into(),
                    )
                })
        }
        "attended" => Ok(Action::Attended),
        "did_not_attend" => Ok(Action::DidNotAttend),
        "close" => Outcome::parse(body.outcome.as_deref().unwrap_or_default())
            .map(Action::Close)
            .map_err(|e| one("outcome", e.0.to_string())),
        "withdraw" => reason("why the referral is withdrawn").map(Action::Withdraw),
        _ => Err(one(
            "action",
            "Choose send, accept, decline, book, attended, did_not_attend, close or withdraw"
                .into(),
        )),
    }
}

/// An episode's onward referrals, newest first.
#[utoipa::path(get, path = "/api/v1/episodes/{episode_id}/onward-referrals", operation_id = "list_onward_referrals", tag = "onward referrals",
    params(("episode_id" = String, Path, description = "The episode's id")),
    responses(
        (status = 200, description = "The referrals", body = [OnwardReferralJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Vec<OnwardReferralJson>>, ApiError> {
    let episode: EpisodeId = path_id(&raw)?;
    let list = state.store().onward_referrals(&id.caller, episode).await?;
    Ok(Json(list.into_iter().map(json).collect()))
}

/// Drafts an onward referral to a directory service.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/onward-referrals", operation_id = "create_onward_referral", tag = "onward referrals",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = NewOnwardReferralJson,
    responses(
        (status = 201, description = "The draft as saved", body = OnwardReferralJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The episode has ended, or the id is used by another record", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<OnwardReferralJson>), ApiError> {
    let episode: EpisodeId = path_id(&raw)?;
    let store = state.store();
    store.episode(&id.caller, episode).await?;
    let body: NewOnwardReferralJson = from_body(body)?;
    let mut errors = Vec::new();
    let rid = match body.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(OnwardReferralId::new()),
        Some(s) => s
            .parse()
            .map_err(|_| errors.push(FieldError::new("id", "The id must be a UUID")))
            .ok(),
    };
    let service_id = body.service_id.as_deref().unwrap_or_default().trim();
    if service_id.is_empty() {
        errors.push(FieldError::new(
            "service_id",
            "Choose a service from the directory",
        ));
    }
    let need = match body
        .need_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => s
            .parse::<NeedId>()
            .map_err(|_| errors.push(FieldError::new("need_id", "The need id must be a UUID")))
            .ok(),
    };
    let parts = Part::parse_list(&body.parts.join(","))
        .map_err(|_| {
            errors.push(FieldError::new(
                "parts",
                "Choose parts from: contact, needs, plan, release, nhs_number, case_notes",
            ))
        })
        .unwrap_or_default();
    let (Some(rid), true) = (rid, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    store
        .create_onward_referral(
            &id.caller,
            episode,
            &NewOnwardReferral {
                id: rid,
                service_id: service_id.to_string(),
                need,
                parts,
            },
        )
        .await?;
    let saved = store.onward_referral(&id.caller, rid).await?;
    Ok((StatusCode::CREATED, Json(json(saved))))
}

/// One onward referral, with its history.
#[utoipa::path(get, path = "/api/v1/onward-referrals/{onward_referral_id}", operation_id = "show_onward_referral", tag = "onward referrals",
    params(("onward_referral_id" = String, Path, description = "The referral's id")),
    responses(
        (status = 200, description = "The referral", body = OnwardReferralJson),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such referral at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<OnwardReferralJson>, ApiError> {
    let rid: OnwardReferralId = path_id(&raw)?;
    let r = state.store().onward_referral(&id.caller, rid).await?;
    Ok(Json(json(r)))
}

/// Takes the next step on a referral.
///
/// Sending is refused (`409`) without the person's current consent to share
/// with every kind of partner the service counts as, unless a site manager
/// gives an `override_reason`.
#[utoipa::path(post, path = "/api/v1/onward-referrals/{onward_referral_id}/transitions", operation_id = "transition_onward_referral", tag = "onward referrals",
    params(("onward_referral_id" = String, Path, description = "The referral's id")),
    request_body = TransitionJson,
    responses(
        (status = 200, description = "The referral after the change", body = OnwardReferralJson),
        (status = 403, description = "Your role cannot change case records, or override consent", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such referral at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed from where the referral is, consent is missing, or the version is stale", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn transition(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<OnwardReferralJson>, ApiError> {
    let rid: OnwardReferralId = path_id(&raw)?;
    let store = state.store();
    store.onward_referral(&id.caller, rid).await?;
    let body: TransitionJson = from_body(body)?;
    let mut errors = Vec::new();
    let action = action_of(&body).map_err(|e| errors.extend(e)).ok();
    if body.version.is_none() {
        errors.push(FieldError::new(
            "version",
            "Give the version of the referral you read",
        ));
    }
    let override_reason = match body.override_reason.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Reason::parse(s, "why it must go without consent")
            .map_err(|m| errors.push(FieldError::new("override_reason", m)))
            .ok(),
    };
    let (Some(action), Some(version), true) = (action, body.version, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    match (&action, &override_reason) {
        (Action::Send, Some(why)) => {
            store
                .send_onward_referral(&id.caller, rid, version, Some(why))
                .await?
        }
        (_, Some(_)) => {
            return Err(ApiError::invalid(vec![FieldError::new(
                "override_reason",
                "An override reason is only given when sending",
            )]))
        }
        _ => {
            store
                .act_on_onward_referral(&id.caller, rid, version, &action)
                .await?;
        }
    }
    let r = store.onward_referral(&id.caller, rid).await?;
    Ok(Json(json(r)))
}
