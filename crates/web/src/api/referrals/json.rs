//! What the API answers about referrals: a referral, a possible duplicate,
//! a line of its history, and the three together with the eligibility
//! checks, with their conversions from the store's records.

use crate::journey;
use crate::{ApiError, AppState};
use reconnect_domain::id::ReferralId;
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::window::{eligibility, Eligibility, ReleaseDate};
use reconnect_domain::{EpisodeId, PersonId, PrisonId, SiteId};
use reconnect_store::referrals::duplicates::{MatchReason, PossibleDuplicate};
use reconnect_store::referrals::{Referral, ReferralEvent};
use serde::Serialize;
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

pub(super) fn referral_json(r: &Referral) -> ReferralJson {
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

pub(super) async fn detail_json(
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
