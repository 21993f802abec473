//! Referrals in the API: the triage queue of the caller's sites, a
//! professional's referral, one referral with its eligibility, possible
//! duplicates and history, and the triage decision.
//!
//! Every read is scoped to the caller's sites and audited by the store; a
//! referral elsewhere is `404`. A second decision is a `409` saying who made
//! the first; a decision on an out-of-date `version` is a `409` too. Bad
//! input is `422` naming each field.

use super::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::journey;
use crate::pages::referrals::{build_decision, DecisionFields, DecisionInput};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::id::ReferralId;
use reconnect_domain::referral::{NewReferral, ReferralFields, ReferralInput};
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::window::{eligibility, Eligibility, ReleaseDate};
use reconnect_domain::{EpisodeId, FieldError, PersonId, PrisonId, SiteId};
use reconnect_store::referrals::duplicates::{MatchReason, PossibleDuplicate};
use reconnect_store::referrals::{Referral, ReferralEvent, ReferralStatus};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

/// Who made a referral, when not the person themselves.
#[derive(Serialize, ToSchema)]
pub struct ReferrerJson {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relationship: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// A phone number or email address.
    pub contact: String,
}

/// A referral.
#[derive(Serialize, ToSchema)]
pub struct ReferralJson {
    pub id: ReferralId,
    /// Like `RCN-4K7M-9QX2`.
    pub reference: String,
    /// `new` (waiting for triage), `accepted`, `linked` or `declined`.
    pub status: String,
    pub status_label: String,
    pub site_id: SiteId,
    pub site_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prison_id: Option<PrisonId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prison_name: Option<String>,
    pub source: ReferralSource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referrer: Option<ReferrerJson>,
    pub given_name: String,
    pub family_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_name: Option<String>,
    #[schema(format = Date, value_type = String)]
    pub date_of_birth: String,
    /// Ten digits, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prison_number: Option<String>,
    /// When they will be (or were) released, when known (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, value_type = Option<String>)]
    pub expected_release: Option<String>,
    /// Codes: `mental_health`, `drugs_alcohol`, `physical_health`,
    /// `neurodiversity`, `gp_dentist`, `housing`, `money`, `other`.
    pub needs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs_text: Option<String>,
    /// `through_prison`, `phone`, `email` or `through_referrer`.
    pub contact_preference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_details: Option<String>,
    /// How it was decided: `new_record`, `link`, `merge`, or the decline reason's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision_reason: Option<String>,
    /// RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub decided_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode_id: Option<EpisodeId>,
    /// RFC 3339.
    #[schema(format = DateTime, value_type = String)]
    pub submitted_at: String,
    /// Send this back with the decision.
    pub version: i64,
}

/// A person at your sites who may be the one referred.
#[derive(Serialize, ToSchema)]
pub struct PossibleDuplicateJson {
    pub person_id: PersonId,
    pub given_name: String,
    pub family_name: String,
    #[schema(format = Date, value_type = String)]
    pub date_of_birth: String,
    pub prison_number: String,
    pub prison_name: String,
    /// `nhs_number`, `prison_number` and/or `name_and_date_of_birth`.
    pub reasons: Vec<String>,
}

/// A line of a referral's history.
#[derive(Serialize, ToSchema)]
pub struct ReferralEventJson {
    pub seq: i64,
    #[schema(format = DateTime, value_type = String)]
    pub at: String,
    /// Who did it; left out for the public form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub kind: String,
    pub summary: String,
}

/// A referral in the queue, with its eligibility and possible duplicates.
#[derive(Serialize, ToSchema)]
pub struct ReferralDetailJson {
    #[serde(flatten)]
    pub referral: ReferralJson,
    pub eligibility: Eligibility,
    /// People at your sites who may be the one referred (while it waits for triage).
    pub possible_duplicates: Vec<PossibleDuplicateJson>,
    /// Oldest first; left out of the queue.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<ReferralEventJson>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn referral_json(r: &Referral) -> ReferralJson {
    ReferralJson {
        id: r.id,
        reference: r.reference.to_string(),
        status: r.status.as_str().into(),
        status_label: r.status.label().into(),
        site_id: r.site_id,
        site_name: r.site_name.clone(),
        prison_id: r.prison_id,
        prison_name: r.prison_name.clone(),
        source: r.source,
        referrer: r.referrer.as_ref().map(|w| ReferrerJson {
            name: w.name.clone(),
            relationship: w.relationship.clone(),
            organisation: w.organisation.clone(),
            contact: w.contact.clone(),
        }),
        given_name: r.given_name.clone(),
        family_name: r.family_name.clone(),
        preferred_name: r.preferred_name.clone(),
        date_of_birth: journey::iso(r.date_of_birth),
        nhs_number: r.nhs_number.map(|n| n.digits()),
        prison_number: r.prison_number.as_ref().map(|p| p.to_string()),
        expected_release: r.expected_release.map(journey::iso),
        needs: r.needs.iter().map(|n| n.code().to_string()).collect(),
        needs_text: r.needs_text.clone(),
        contact_preference: r.contact_preference.code().into(),
        contact_details: r.contact_details.clone(),
        decision: r.decision.clone(),
        decision_reason: r.decision_reason.clone(),
        decided_at: r.decided_at.map(rfc3339),
        decided_by: r.decided_by_name.clone(),
        person_id: r.person_id,
        episode_id: r.episode_id,
        submitted_at: rfc3339(r.submitted_at),
        version: r.version,
    }
}

fn reason_code(m: MatchReason) -> &'static str {
    match m {
        MatchReason::NhsNumber => "nhs_number",
        MatchReason::PrisonNumber => "prison_number",
        MatchReason::NameAndDateOfBirth => "name_and_date_of_birth",
    }
}

async fn detail_json(
    state: &AppState,
    r: &Referral,
    duplicates: &[PossibleDuplicate],
    history: &[ReferralEvent],
) -> Result<ReferralDetailJson, ApiError> {
    let store = state.store();
    let windows = store.site_windows(r.site_id).await?;
    let release = match r.expected_release {
        Some(d) => ReleaseDate::Known(d),
        None => {
            ReleaseDate::unknown("Not given in the referral").map_err(|_| ApiError::internal())?
        }
    };
    Ok(ReferralDetailJson {
        referral: referral_json(r),
        eligibility: eligibility(
            store.now().date(),
            r.date_of_birth,
            &release,
            r.health_need_identified(),
            &windows,
        ),
        possible_duplicates: duplicates
            .iter()
            .map(|d| PossibleDuplicateJson {
                person_id: d.person.id,
                given_name: d.person.given_name.clone(),
                family_name: d.person.family_name.clone(),
                date_of_birth: journey::iso(d.person.date_of_birth),
                prison_number: d.person.prison_number.to_string(),
                prison_name: d.person.prison_name.clone(),
                reasons: d.reasons.iter().map(|m| reason_code(*m).into()).collect(),
            })
            .collect(),
        history: history
            .iter()
            .map(|e| ReferralEventJson {
                seq: e.seq,
                at: rfc3339(e.at),
                by: e.by_name.clone(),
                kind: e.kind.clone(),
                summary: e.summary.clone(),
            })
            .collect(),
    })
}

/// Reads a body into `T`, naming the field of every problem serde finds
/// (read after the path's id, so another site's referral is 404 whatever
/// the body).
fn from_body<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, ApiError> {
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

/// A referral entered by staff (typically from a professional).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReferralJson {
    pub source: ReferralSource,
    /// Needed unless `source` is `self_referral`.
    #[serde(default)]
    pub referrer_name: Option<String>,
    /// Needed for `family_or_friend`, like "sister".
    #[serde(default)]
    pub referrer_relationship: Option<String>,
    /// Needed for professionals, like "HMP Leeds healthcare".
    #[serde(default)]
    pub referrer_organisation: Option<String>,
    /// The referrer's phone number or email address (unless a self-referral).
    #[serde(default)]
    pub referrer_contact: Option<String>,
    pub given_name: String,
    pub family_name: String,
    #[serde(default)]
    pub preferred_name: Option<String>,
    /// ISO 8601. They must be 18 or over.
    #[schema(format = Date, value_type = String)]
    pub date_of_birth: String,
    #[serde(default)]
    pub nhs_number: Option<String>,
    #[serde(default)]
    pub prison_number: Option<String>,
    /// A prison one of your sites serves.
    pub prison_id: String,
    /// When they will be (or were) released, if known (ISO 8601).
    #[serde(default)]
    #[schema(format = Date, value_type = Option<String>)]
    pub expected_release: Option<String>,
    /// Codes, see the referral's `needs`. Give these or `needs_text`.
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub needs_text: Option<String>,
    /// `through_prison`, `phone`, `email` or `through_referrer`.
    pub contact_preference: String,
    /// Their phone number or email, for `phone` or `email`.
    #[serde(default)]
    pub contact_details: Option<String>,
    /// The person knows about the referral and agreed to it: must be true.
    pub consent: bool,
}

const API_FIELDS: ReferralFields = ReferralFields {
    source: "source",
    date_of_birth: "date_of_birth",
    expected_release: "expected_release",
    referrer_relationship: "referrer_relationship",
};

impl NewReferralJson {
    fn parse(&self, today: time::Date) -> Result<NewReferral, Vec<FieldError>> {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let (referrer_name, referrer_relationship, referrer_organisation, referrer_contact) = (
            o(&self.referrer_name),
            o(&self.referrer_relationship),
            o(&self.referrer_organisation),
            o(&self.referrer_contact),
        );
        let (preferred, nhs, prison_number, needs_text, contact_details) = (
            o(&self.preferred_name),
            o(&self.nhs_number),
            o(&self.prison_number),
            o(&self.needs_text),
            o(&self.contact_details),
        );
        let input = ReferralInput {
            source: Ok(self.source),
            referrer_name: &referrer_name,
            referrer_relationship: &referrer_relationship,
            referrer_organisation: &referrer_organisation,
            referrer_contact: &referrer_contact,
            given_name: &self.given_name,
            family_name: &self.family_name,
            preferred_name: &preferred,
            date_of_birth: journey::date_from_iso(&self.date_of_birth, "Date of birth"),
            nhs_number: &nhs,
            prison_number: &prison_number,
            prison_id: &self.prison_id,
            site_id: "",
            expected_release: self
                .expected_release
                .as_deref()
                .filter(|d| !d.trim().is_empty())
                .map(|d| journey::date_from_iso(d, "The release date"))
                .transpose(),
            needs: &self.needs,
            needs_text: &needs_text,
            contact_preference: &self.contact_preference,
            contact_details: &contact_details,
            consent: self.consent,
        };
        NewReferral::parse(&input, &API_FIELDS, today).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "site_id" => FieldError::new("prison_id", "Give the prison they are in"),
                    _ => e,
                })
                .collect()
        })
    }
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

/// The triage decision on a referral.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionJson {
    /// The referral's version as you last read it.
    pub version: i64,
    /// `new_record`, `link`, `merge` (link and update their record) or `decline`.
    pub decision: String,
    /// For `link` and `merge`: one of the possible duplicates.
    #[serde(default)]
    pub person_id: Option<String>,
    /// For `new_record`: a prison one of your sites serves.
    #[serde(default)]
    pub prison_id: Option<String>,
    /// For `new_record`: their prison number, like A1234BC.
    #[serde(default)]
    pub prison_number: Option<String>,
    /// For `decline`: `under_18`, `release_outside_windows`, `no_health_need`,
    /// `outside_area`, `already_supported`, `duplicate` or `other`.
    #[serde(default)]
    pub reason: Option<String>,
    /// For `decline`: needed with `other`, else an optional note.
    #[serde(default)]
    pub details: Option<String>,
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
