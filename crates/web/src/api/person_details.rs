//! A person's full details in the API: the JSON of the record's details, the
//! body that adds or corrects them (read through the same domain parser as
//! the forms, so the field errors name the same fields), and the history of
//! corrections.

use reconnect_domain::person_details::{PersonDetails, PersonDetailsInput};
use reconnect_domain::person_profile::PersonProfile;
use reconnect_domain::FieldError;
use reconnect_store::person_details::PersonRevision;
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

/// Everything recorded beyond name, date of birth, NHS number and prison.
/// Codes are those the add and correct bodies take.
#[derive(Serialize, ToSchema)]
pub struct ProfileJson {
    pub pronouns: Option<String>,
    /// woman, man, non_binary, self_described or prefer_not_to_say.
    pub gender: Option<String>,
    pub gender_self_described: Option<String>,
    /// An ONS 2021 category code (e.g. white_british), or prefer_not_to_say.
    pub ethnicity: Option<String>,
    pub ethnicity_other: Option<String>,
    pub first_language: Option<String>,
    pub interpreter_needed: bool,
    /// Codes such as prefers_texts, quiet_room, reading_support; "other" with `communication_needs_other`.
    pub communication_needs: Vec<String>,
    pub communication_needs_other: Option<String>,
    /// When the NHS number is not known: not_yet_traced, person_does_not_know, not_registered or other.
    pub nhs_number_unknown_reason: Option<String>,
    pub nhs_number_unknown_other: Option<String>,
    /// Probation case reference number (CRN), like X123456.
    pub probation_case_reference: Option<String>,
    /// E.164, e.g. +447700900123.
    pub phone: Option<String>,
    pub email: Option<String>,
    /// address, no_fixed_abode or not_yet_known.
    pub address_kind: String,
    pub address_line_1: Option<String>,
    pub address_line_2: Option<String>,
    pub address_town: Option<String>,
    pub address_postcode: Option<String>,
    /// phone_call, text, email, letter or nominated_contact.
    pub preferred_contact: Option<String>,
    pub nominated_name: Option<String>,
    pub nominated_relationship: Option<String>,
    pub nominated_phone: Option<String>,
}

fn some(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

impl From<&PersonProfile> for ProfileJson {
    fn from(p: &PersonProfile) -> Self {
        let t = p.to_text();
        Self {
            pronouns: some(t.pronouns),
            gender: some(t.gender),
            gender_self_described: some(t.gender_self_described),
            ethnicity: some(t.ethnicity),
            ethnicity_other: some(t.ethnicity_other),
            first_language: some(t.first_language),
            interpreter_needed: p.interpreter_needed,
            communication_needs: t.communication_needs,
            communication_needs_other: some(t.communication_needs_other),
            nhs_number_unknown_reason: some(t.nhs_number_unknown_reason),
            nhs_number_unknown_other: some(t.nhs_number_unknown_other),
            probation_case_reference: some(t.probation_case_reference),
            phone: some(t.phone),
            email: some(t.email),
            address_kind: t.address_kind,
            address_line_1: some(t.address_line_1),
            address_line_2: some(t.address_line_2),
            address_town: some(t.address_town),
            address_postcode: some(t.address_postcode),
            preferred_contact: some(t.preferred_contact),
            nominated_name: some(t.nominated_name),
            nominated_relationship: some(t.nominated_relationship),
            nominated_phone: some(t.nominated_phone),
        }
    }
}

/// A person's details, to add them or (inside a correction) to replace
/// their details. Leave out what is not recorded. Either `nhs_number` or
/// `nhs_number_unknown_reason` is needed.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PersonDetailsJson {
    pub given_name: String,
    pub family_name: String,
    #[serde(default)]
    pub preferred_name: Option<String>,
    /// ISO 8601 date, e.g. 1990-07-03. The person must be 18 or over.
    pub date_of_birth: String,
    /// Ten digits (spaces allowed); leave out when not known and give the reason.
    #[serde(default)]
    pub nhs_number: Option<String>,
    /// Like A1234BC.
    pub prison_number: String,
    /// A prison served by one of your sites (for a correction, by their site).
    pub prison_id: String,
    #[serde(default)]
    pub pronouns: Option<String>,
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub gender_self_described: Option<String>,
    #[serde(default)]
    pub ethnicity: Option<String>,
    #[serde(default)]
    pub ethnicity_other: Option<String>,
    #[serde(default)]
    pub first_language: Option<String>,
    #[serde(default)]
    pub interpreter_needed: Option<bool>,
    #[serde(default)]
    pub communication_needs: Option<Vec<String>>,
    #[serde(default)]
    pub communication_needs_other: Option<String>,
    #[serde(default)]
    pub nhs_number_unknown_reason: Option<String>,
    #[serde(default)]
    pub nhs_number_unknown_other: Option<String>,
    #[serde(default)]
    pub probation_case_reference: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub address_kind: Option<String>,
    #[serde(default)]
    pub address_line_1: Option<String>,
    #[serde(default)]
    pub address_line_2: Option<String>,
    #[serde(default)]
    pub address_town: Option<String>,
    #[serde(default)]
    pub address_postcode: Option<String>,
    #[serde(default)]
    pub preferred_contact: Option<String>,
    #[serde(default)]
    pub nominated_name: Option<String>,
    #[serde(default)]
    pub nominated_relationship: Option<String>,
    #[serde(default)]
    pub nominated_phone: Option<String>,
}

/// Reads a body into `T`, naming the field of every problem serde finds
/// (a path such as `details.given_name` inside the correction).
pub fn from_body<T: serde::de::DeserializeOwned>(
    body: serde_json::Value,
) -> Result<T, crate::ApiError> {
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
        crate::ApiError::invalid(vec![FieldError::new(field, message)])
    })
}

const DATE_SHAPE: &str = "Enter the date of birth as YYYY-MM-DD, a real date in the past";

impl PersonDetailsJson {
    /// Reads the body with the forms' parser: every problem at once, named
    /// after the body's fields. Someone under 18 is refused.
    pub fn parse(&self, today: Date) -> Result<PersonDetails, Vec<FieldError>> {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        let born = Date::parse(
            self.date_of_birth.trim(),
            &time::format_description::well_known::Iso8601::DATE,
        )
        .ok()
        .filter(|_| self.date_of_birth.trim().len() == 10);
        let (day, month, year) = born
            .map(|d| {
                (
                    d.day().to_string(),
                    (d.month() as u8).to_string(),
                    d.year().to_string(),
                )
            })
            .unwrap_or_default();
        let needs = self.communication_needs.clone().unwrap_or_default();
        let needs: Vec<&str> = needs.iter().map(String::as_str).collect();
        let (preferred_name, nhs_number, pronouns) = (
            s(&self.preferred_name),
            s(&self.nhs_number),
            s(&self.pronouns),
        );
        let (gender, gender_self_described) = (s(&self.gender), s(&self.gender_self_described));
        let (ethnicity, ethnicity_other) = (s(&self.ethnicity), s(&self.ethnicity_other));
        let first_language = s(&self.first_language);
        let interpreter = if self.interpreter_needed == Some(true) {
            "yes"
        } else {
            "no"
        };
        let needs_other = s(&self.communication_needs_other);
        let (reason, reason_other) = (
            s(&self.nhs_number_unknown_reason),
            s(&self.nhs_number_unknown_other),
        );
        let crn = s(&self.probation_case_reference);
        let (phone, email) = (s(&self.phone), s(&self.email));
        let kind = s(&self.address_kind);
        let (l1, l2, town, postcode) = (
            s(&self.address_line_1),
            s(&self.address_line_2),
            s(&self.address_town),
            s(&self.address_postcode),
        );
        let (n_name, n_rel, n_phone) = (
            s(&self.nominated_name),
            s(&self.nominated_relationship),
            s(&self.nominated_phone),
        );
        let preferred_contact = s(&self.preferred_contact);
        let input = PersonDetailsInput {
            given_name: &self.given_name,
            family_name: &self.family_name,
            preferred_name: &preferred_name,
            pronouns: &pronouns,
            gender: &gender,
            gender_self_described: &gender_self_described,
            dob_day: &day,
            dob_month: &month,
            dob_year: &year,
            ethnicity: &ethnicity,
            ethnicity_other: &ethnicity_other,
            first_language: &first_language,
            interpreter_needed: interpreter,
            communication_needs: &needs,
            communication_needs_other: &needs_other,
            nhs_number: &nhs_number,
            nhs_number_unknown_reason: &reason,
            nhs_number_unknown_other: &reason_other,
            prison_number: &self.prison_number,
            prison_id: &self.prison_id,
            probation_case_reference: &crn,
            phone: &phone,
            email: &email,
            address_kind: &kind,
            address_line_1: &l1,
            address_line_2: &l2,
            address_town: &town,
            address_postcode: &postcode,
            nominated_name: &n_name,
            nominated_relationship: &n_rel,
            nominated_phone: &n_phone,
            preferred_contact: &preferred_contact,
        };
        PersonDetails::parse_adult(&input, today).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    if e.field == "date_of_birth" && born.is_none() {
                        FieldError::new("date_of_birth", DATE_SHAPE)
                    } else {
                        e
                    }
                })
                .collect()
        })
    }
}

/// A correction: the version you read, why, and the details as they should be.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonCorrectionJson {
    /// The `version` of the record you read; if someone has changed it since, the answer is 409.
    pub version: i64,
    /// Why the details are being corrected (kept in the history).
    pub reason: String,
    /// The whole record as it should be. Field errors name these fields.
    pub details: PersonDetailsJson,
}

/// One value a correction changed (`null`: not recorded).
#[derive(Serialize, ToSchema)]
pub struct ChangeJson {
    pub label: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// One correction of a person's details.
#[derive(Serialize, ToSchema)]
pub struct RevisionJson {
    /// The version this correction made.
    pub version: i64,
    /// RFC 3339.
    pub changed_at: String,
    pub changed_by: String,
    pub reason: String,
    pub changes: Vec<ChangeJson>,
}

impl From<PersonRevision> for RevisionJson {
    fn from(r: PersonRevision) -> Self {
        Self {
            version: r.version,
            changed_at: r
                .changed_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            changed_by: r.changed_by_name,
            reason: r.reason,
            changes: r
                .changes
                .into_iter()
                .map(|c| ChangeJson {
                    label: c.label,
                    before: c.before,
                    after: c.after,
                })
                .collect(),
        }
    }
}
