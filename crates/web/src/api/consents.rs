//! Consent in the API: list an episode's consents with where each stands
//! today, record consent to take part or to share information, and record a
//! withdrawal (effective today, never refused).
//!
//! Taking part is voluntary: a `basis` other than the person's own choice
//! (a licence condition, say) is refused with `422` and the reason.

use super::allocation::{episode_id, from_body, rfc3339};
use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::{journey, ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::consent::{
    ConsentToTakePart, ConsentToTakePartInput, EngagementBasis, SharingConsent, SharingPartner,
};
use reconnect_domain::validation::optional_text;
use reconnect_domain::{ConsentId, EpisodeId, FieldError};
use reconnect_store::consents::{ConsentRecord, ConsentSubject};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::Date;
use utoipa::ToSchema;

/// One consent, with where it stands today.
#[derive(Serialize, ToSchema)]
pub struct ConsentJson {
    pub id: ConsentId,
    pub episode_id: EpisodeId,
    /// `take_part` or `sharing`.
    pub kind: String,
    /// Always `voluntary`: taking part is the person's own choice.
    pub basis: String,
    /// How consent to take part was given: `verbal`, `written`,
    /// `signed_form` or `electronic`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Who information may be shared with: `gp`, `mental_health`,
    /// `substance_misuse`, `housing`, `probation` or `voluntary_sector`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    /// What may be shared, in the words agreed with the person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// ISO 8601.
    #[schema(format = Date, value_type = String)]
    pub given_on: String,
    /// ISO 8601: the consent ends on this day.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, value_type = Option<String>)]
    pub expires_on: Option<String>,
    /// `active`, `not_yet_given`, `expired` or `withdrawn`, as of today.
    pub status: String,
    /// RFC 3339.
    #[schema(format = DateTime, value_type = String)]
    pub recorded_at: String,
    pub recorded_by: String,
    /// ISO 8601, when withdrawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, value_type = Option<String>)]
    pub withdrawn_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawal_reason: Option<String>,
}

fn consent_json(c: ConsentRecord, today: Date) -> ConsentJson {
    let status = match c.status(today) {
        reconnect_domain::consent::SharingConsentStatus::Active => "active",
        reconnect_domain::consent::SharingConsentStatus::NotYetGiven => "not_yet_given",
        reconnect_domain::consent::SharingConsentStatus::Expired => "expired",
        reconnect_domain::consent::SharingConsentStatus::Withdrawn => "withdrawn",
    };
    let (kind, method, partner, scope, expires_on) = match c.subject {
        ConsentSubject::TakePart { how } => ("take_part", Some(how.code()), None, None, None),
        ConsentSubject::Sharing {
            partner,
            scope,
            expires_on,
        } => (
            "sharing",
            None,
            Some(partner.code()),
            Some(scope),
            expires_on,
        ),
    };
    ConsentJson {
        id: c.id,
        episode_id: c.episode_id,
        kind: kind.into(),
        basis: c.basis.code().into(),
        method: method.map(str::to_string),
        partner: partner.map(str::to_string),
        scope,
        given_on: journey::iso(c.given_on),
        expires_on: expires_on.map(journey::iso),
        status: status.into(),
        recorded_at: rfc3339(c.recorded_at),
        recorded_by: c.recorded_by_name,
        withdrawn_on: c.withdrawal.as_ref().map(|w| journey::iso(w.on)),
        withdrawn_by: c.withdrawal.as_ref().map(|w| w.by_name.clone()),
        withdrawal_reason: c.withdrawal.and_then(|w| w.reason),
    }
}

/// An episode's consents, newest first, withdrawn and expired ones included.
///
/// Audited as a read of the person's record.
#[utoipa::path(get, path = "/api/v1/episodes/{episode_id}/consents", operation_id = "list_consents", tag = "consent",
    params(("episode_id" = String, Path, description = "The episode's id")),
    responses(
        (status = 200, description = "The consents, newest first", body = [ConsentJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Vec<ConsentJson>>, ApiError> {
    let episode = episode_id(&raw)?;
    let today = state.store().now().date();
    let all = state.store().consents(&id.caller, episode).await?;
    Ok(Json(
        all.into_iter().map(|c| consent_json(c, today)).collect(),
    ))
}

/// A consent to record.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordConsentJson {
    /// `take_part` or `sharing`.
    pub kind: String,
    /// The day the person gave it (ISO 8601), today or earlier.
    #[schema(format = Date, value_type = String)]
    pub given_on: String,
    /// For `take_part`: `voluntary`. Anything else (a licence condition,
    /// mandated) is refused: RECONNECT is voluntary.
    #[serde(default)]
    pub basis: Option<String>,
    /// For `take_part`: `verbal`, `written`, `signed_form` or `electronic`.
    #[serde(default)]
    pub method: Option<String>,
    /// For `sharing`: `gp`, `mental_health`, `substance_misuse`, `housing`,
    /// `probation` or `voluntary_sector`.
    #[serde(default)]
    pub partner: Option<String>,
    /// For `sharing`: what may be shared.
    #[serde(default)]
    pub scope: Option<String>,
    /// For `sharing`, optional: the day it ends (ISO 8601).
    #[serde(default)]
    #[schema(format = Date, value_type = Option<String>)]
    pub expires_on: Option<String>,
}

/// Renames the domain's form fields to this body's.
fn api_fields(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.field = match e.field.as_str() {
                "consent_date" | "sharing_date" => "given_on",
                "consent_method" => "method",
                "sharing_partner" => "partner",
                "sharing_scope" => "scope",
                "sharing_expiry" => "expires_on",
                other => other,
            }
            .to_string();
            e
        })
        .collect()
}

/// Records consent to take part, or to share information with a kind of
/// partner.
///
/// Audited. Refused for an episode that has ended (`409`).
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/consents", operation_id = "record_consent", tag = "consent",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = RecordConsentJson,
    responses(
        (status = 201, description = "Recorded", body = ConsentJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The episode has ended", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing, or the basis is not voluntary", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn record(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<ConsentJson>), ApiError> {
    let episode = episode_id(&raw)?;
    let store = state.store();
    // Not found before the body is read.
    store.episode(&id.caller, episode).await?;
    let body: RecordConsentJson = from_body(body)?;
    let today = store.now().date();
    let given = journey::date_from_iso(&body.given_on, "The date consent was given")
        .map_err(|m| ApiError::invalid(vec![FieldError::new("given_on", m)]))?;
    let consent_id = match body.kind.trim() {
        "take_part" => {
            let mut errors = Vec::new();
            let (d, m, y) = (
                given.day().to_string(),
                (given.month() as u8).to_string(),
                given.year().to_string(),
            );
            let consent = ConsentToTakePart::parse(
                &ConsentToTakePartInput {
                    date_day: &d,
                    date_month: &m,
                    date_year: &y,
                    method: body.method.as_deref().unwrap_or_default(),
                },
                id.caller.user_id(),
                today,
            )
            .map_err(|e| errors.extend(api_fields(e)))
            .ok();
            let basis = EngagementBasis::parse(body.basis.as_deref().unwrap_or_default())
                .map_err(|e| errors.push(FieldError::new("basis", e.to_string())))
                .ok();
            let (Some(consent), Some(basis), true) = (consent, basis, errors.is_empty()) else {
                return Err(ApiError::invalid(errors));
            };
            store
                .record_consent_to_take_part(&id.caller, episode, &consent, basis)
                .await?
        }
        "sharing" => {
            let partner = SharingPartner::parse(body.partner.as_deref().unwrap_or_default())
                .map_err(|e| ApiError::invalid(vec![FieldError::new("partner", e.to_string())]))?;
            let expires_on = body
                .expires_on
                .as_deref()
                .filter(|e| !e.trim().is_empty())
                .map(|e| journey::date_from_iso(e, "The date consent ends"))
                .transpose()
                .map_err(|m| ApiError::invalid(vec![FieldError::new("expires_on", m)]))?;
            let consent = SharingConsent::new(
                partner,
                given,
                body.scope.as_deref().unwrap_or_default(),
                expires_on,
                today,
            )
            .map_err(|e| ApiError::invalid(api_fields(e)))?;
            store
                .record_sharing_consent(&id.caller, episode, &consent)
                .await?
        }
        _ => {
            return Err(ApiError::invalid(vec![FieldError::new(
                "kind",
                "Choose take_part or sharing",
            )]))
        }
    };
    let record = store
        .consents(&id.caller, episode)
        .await?
        .into_iter()
        .find(|c| c.id == consent_id)
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(consent_json(record, today))))
}

/// A withdrawal.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct WithdrawConsentJson {
    /// Anything to record about why (optional: no reason is needed).
    #[serde(default)]
    pub reason: Option<String>,
}

/// Records that the person withdrew a consent.
///
/// Effective today, and never refused; withdrawing again changes nothing.
/// Open to every role that works with the case. Audited.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/consents/{consent_id}/withdraw", operation_id = "withdraw_consent", tag = "consent",
    params(
        ("episode_id" = String, Path, description = "The episode's id"),
        ("consent_id" = String, Path, description = "The consent's id"),
    ),
    request_body = WithdrawConsentJson,
    responses(
        (status = 200, description = "The consent, now withdrawn", body = ConsentJson),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such consent on an episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn withdraw(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path((episode, consent)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<ConsentJson>, ApiError> {
    let episode = episode_id(&episode)?;
    let consent: ConsentId = consent.parse().map_err(|_| ApiError::not_found())?;
    let store = state.store();
    let today = store.now().date();
    // Not found before the body is read.
    store
        .consents(&id.caller, episode)
        .await?
        .into_iter()
        .find(|c| c.id == consent)
        .ok_or_else(ApiError::not_found)?;
    let body: WithdrawConsentJson = from_body(body)?;
    let reason = optional_text(
        body.reason.as_deref().unwrap_or_default(),
        "why they withdrew it",
        500,
    )
    .map_err(|m| ApiError::invalid(vec![FieldError::new("reason", m)]))?;
    store
        .withdraw_consent(&id.caller, episode, consent, reason.as_deref())
        .await?;
    let record = store
        .consents(&id.caller, episode)
        .await?
        .into_iter()
        .find(|c| c.id == consent)
        .ok_or_else(ApiError::not_found)?;
    Ok(Json(consent_json(record, today)))
}
