//! What the API accepts about referrals: a referral entered by staff and a
//! triage decision, read from JSON with each problem naming its field.

use crate::journey;
use crate::ApiError;
use reconnect_domain::referral::{NewReferral, ReferralFields, ReferralInput};
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::FieldError;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Reads a body into `T`, naming the field of every problem serde finds
/// (read after the path's id, so another site's referral is 404 whatever
/// the body).
pub(super) fn from_body<T: serde::de::DeserializeOwned>(body: Value) -> Result<T, ApiError> {
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
    pub(super) fn parse(&self, today: time::Date) -> Result<NewReferral, Vec<FieldError>> {
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
