//! The person details form shared by "Add a person" and "Correct their
//! details": the fields as sent, the choices the radios, checkboxes and
//! lists offer (with what was chosen kept), and reading it through the
//! domain's parser, with errors named after the page's field ids.

use crate::view::{CheckItem, SelectOption};
use reconnect_domain::person_details::{
    CommunicationNeed, ContactChannel, EthnicCategory, Ethnicity, Gender, PersonDetails,
    PersonDetailsInput, ReleaseAddress, UnknownNhsReason,
};
use reconnect_domain::FieldError;
use reconnect_store::people::Person;
use serde::Deserialize;
use time::Date;

/// Every field of the form, as text (a missing field is empty).
#[derive(Deserialize, Default, Clone, Debug)]
pub struct DetailsForm {
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub preferred_name: String,
    #[serde(default)]
    pub pronouns: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub gender_self_described: String,
    #[serde(default, rename = "date_of_birth-day")]
    pub dob_day: String,
    #[serde(default, rename = "date_of_birth-month")]
    pub dob_month: String,
    #[serde(default, rename = "date_of_birth-year")]
    pub dob_year: String,
    #[serde(default)]
    pub ethnicity: String,
    #[serde(default)]
    pub ethnicity_other: String,
    #[serde(default)]
    pub first_language: String,
    #[serde(default)]
    pub interpreter_needed: String,
    #[serde(default)]
    pub communication_needs: Vec<String>,
    #[serde(default)]
    pub communication_needs_other: String,
    #[serde(default)]
    pub nhs_number: String,
    #[serde(default)]
    pub nhs_number_unknown_reason: String,
    #[serde(default)]
    pub nhs_number_unknown_other: String,
    #[serde(default)]
    pub prison_number: String,
    #[serde(default)]
    pub prison_id: String,
    #[serde(default)]
    pub probation_case_reference: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub address_kind: String,
    #[serde(default)]
    pub address_line_1: String,
    #[serde(default)]
    pub address_line_2: String,
    #[serde(default)]
    pub address_town: String,
    #[serde(default)]
    pub address_postcode: String,
    #[serde(default)]
    pub nominated_name: String,
    #[serde(default)]
    pub nominated_relationship: String,
    #[serde(default)]
    pub nominated_phone: String,
    #[serde(default)]
    pub preferred_contact: String,
    /// The add form's one-time token (a form sent twice adds one person).
    #[serde(default)]
    pub submission: String,
    /// The correction form's record version.
    #[serde(default)]
    pub version: String,
    /// Why the details are being corrected.
    #[serde(default)]
    pub reason: String,
}

impl DetailsForm {
    /// The form as it stands for a record, for correcting it.
    pub fn from_person(person: &Person) -> Self {
        let s = &person.summary;
        let t = person.profile.to_text();
        let national = |p: &str| {
            reconnect_domain::person_details::UkPhoneNumber::parse(p)
                .map(|n| n.national_format())
                .unwrap_or_default()
        };
        DetailsForm {
            given_name: s.given_name.clone(),
            family_name: s.family_name.clone(),
            preferred_name: s.preferred_name.clone().unwrap_or_default(),
            pronouns: t.pronouns,
            gender: t.gender,
            gender_self_described: t.gender_self_described,
            dob_day: s.date_of_birth.day().to_string(),
            dob_month: (s.date_of_birth.month() as u8).to_string(),
            dob_year: s.date_of_birth.year().to_string(),
            ethnicity: t.ethnicity,
            ethnicity_other: t.ethnicity_other,
            first_language: t.first_language,
            interpreter_needed: t.interpreter_needed,
            communication_needs: t.communication_needs,
            communication_needs_other: t.communication_needs_other,
            nhs_number: person.nhs_number.map(|n| n.to_string()).unwrap_or_default(),
            nhs_number_unknown_reason: t.nhs_number_unknown_reason,
            nhs_number_unknown_other: t.nhs_number_unknown_other,
            prison_number: s.prison_number.to_string(),
            prison_id: person.prison_id.to_string(),
            probation_case_reference: t.probation_case_reference,
            phone: national(&t.phone),
            email: t.email,
            address_kind: t.address_kind,
            address_line_1: t.address_line_1,
            address_line_2: t.address_line_2,
            address_town: t.address_town,
            address_postcode: t.address_postcode,
            nominated_name: t.nominated_name,
            nominated_relationship: t.nominated_relationship,
            nominated_phone: national(&t.nominated_phone),
            preferred_contact: t.preferred_contact,
            submission: String::new(),
            version: person.version.to_string(),
            reason: String::new(),
        }
    }

    /// Reads the form: every problem at once, each named after its field on
    /// the page (the date of birth's point at its first box). Someone under
    /// 18 is refused at the date of birth.
    pub fn parse(&self, today: Date) -> Result<PersonDetails, Vec<FieldError>> {
        let needs: Vec<&str> = self
            .communication_needs
            .iter()
            .map(String::as_str)
            .collect();
        let input = PersonDetailsInput {
            given_name: &self.given_name,
            family_name: &self.family_name,
            preferred_name: &self.preferred_name,
            pronouns: &self.pronouns,
            gender: &self.gender,
            gender_self_described: &self.gender_self_described,
            dob_day: &self.dob_day,
            dob_month: &self.dob_month,
            dob_year: &self.dob_year,
            ethnicity: &self.ethnicity,
            ethnicity_other: &self.ethnicity_other,
            first_language: &self.first_language,
            interpreter_needed: &self.interpreter_needed,
            communication_needs: &needs,
            communication_needs_other: &self.communication_needs_other,
            nhs_number: &self.nhs_number,
            nhs_number_unknown_reason: &self.nhs_number_unknown_reason,
            nhs_number_unknown_other: &self.nhs_number_unknown_other,
            prison_number: &self.prison_number,
            prison_id: &self.prison_id,
            probation_case_reference: &self.probation_case_reference,
            phone: &self.phone,
            email: &self.email,
            address_kind: &self.address_kind,
            address_line_1: &self.address_line_1,
            address_line_2: &self.address_line_2,
            address_town: &self.address_town,
            address_postcode: &self.address_postcode,
            nominated_name: &self.nominated_name,
            nominated_relationship: &self.nominated_relationship,
            nominated_phone: &self.nominated_phone,
            preferred_contact: &self.preferred_contact,
        };
        PersonDetails::parse_adult(&input, today).map_err(for_page)
    }

    pub fn gender_items(&self) -> Vec<CheckItem> {
        radio_items(&Gender::CHOICES, &self.gender)
    }

    pub fn nhs_reason_items(&self) -> Vec<CheckItem> {
        radio_items(&UnknownNhsReason::CHOICES, &self.nhs_number_unknown_reason)
    }

    pub fn address_items(&self) -> Vec<CheckItem> {
        radio_items(&ReleaseAddress::CHOICES, &self.address_kind)
    }

    pub fn interpreter_items(&self) -> Vec<CheckItem> {
        radio_items(&[("yes", "Yes"), ("no", "No")], &self.interpreter_needed)
    }

    pub fn ethnicity_options(&self) -> Vec<SelectOption> {
        let mut options = vec![option("", "Not recorded", &self.ethnicity)];
        options.extend(
            EthnicCategory::ALL
                .iter()
                .map(|c| option(c.code(), &c.full_label(), &self.ethnicity)),
        );
        options.push(option(
            Ethnicity::PREFER_NOT_TO_SAY,
            "Prefer not to say",
            &self.ethnicity,
        ));
        options
    }

    pub fn need_items(&self) -> Vec<CheckItem> {
        let ticked = |code: &str| {
            self.communication_needs
                .iter()
                .any(|n| n.eq_ignore_ascii_case(code))
        };
        let mut items: Vec<CheckItem> = CommunicationNeed::ALL
            .iter()
            .map(|n| CheckItem {
                value: n.code().into(),
                label: n.label().into(),
                checked: ticked(n.code()),
            })
            .collect();
        items.push(CheckItem {
            value: "other".into(),
            label: "Something else".into(),
            checked: ticked("other"),
        });
        items
    }

    pub fn contact_options(&self) -> Vec<SelectOption> {
        let mut options = vec![option("", "Not recorded", &self.preferred_contact)];
        options.extend(
            ContactChannel::ALL
                .iter()
                .map(|c| option(c.code(), c.label(), &self.preferred_contact)),
        );
        options
    }
}

fn radio_items(choices: &[(&str, &str)], chosen: &str) -> Vec<CheckItem> {
    choices
        .iter()
        .map(|(value, label)| CheckItem {
            value: (*value).into(),
            label: (*label).into(),
            checked: chosen.trim().eq_ignore_ascii_case(value),
        })
        .collect()
}

fn option(value: &str, label: &str, chosen: &str) -> SelectOption {
    SelectOption {
        value: value.into(),
        label: label.into(),
        selected: chosen.trim().eq_ignore_ascii_case(value),
    }
}

/// The date of birth's errors point at its first box.
pub fn for_page(mut errors: Vec<FieldError>) -> Vec<FieldError> {
    for e in &mut errors {
        if e.field == "date_of_birth" {
            e.field = "date_of_birth-day".into();
        }
    }
    errors
}
