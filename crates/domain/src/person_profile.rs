//! The part of a person's record beyond the foundation's [`NewPerson`]:
//! pronouns, gender, ethnicity, language and interpreter, communication
//! needs, why the NHS number is not known, probation reference, contact
//! details after release and a nominated contact.
//!
//! [`PersonDetails`] (the whole parsed form) splits into a [`NewPerson`] and
//! a [`PersonProfile`], which the store keeps side by side. The profile also
//! has a plain text form, [`ProfileText`]: stable codes and words, one value
//! per database column and form field, read back through the same parsers.
//! [`DetailRow`]s say what a record shows, in page order, and are compared
//! to describe a correction.

use crate::email::EmailAddress;
use crate::person::{parse_date_of_birth, under_18_refusal, NewPerson};
use crate::person_details::{
    CommunicationNeed, CommunicationNeeds, ContactAfterRelease, ContactChannel, Ethnicity, Gender,
    NhsNumberStatus, NominatedContact, PersonDetails, PersonDetailsInput, ProbationCaseReference,
    Pronouns, ReleaseAddress, UkPhoneNumber, UnknownNhsReason,
};
use crate::FieldError;

/// A person's details beyond name, date of birth, NHS number and prison.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonProfile {
    pub pronouns: Option<Pronouns>,
    pub gender: Option<Gender>,
    pub ethnicity: Option<Ethnicity>,
    pub first_language: Option<String>,
    pub interpreter_needed: bool,
    pub communication_needs: CommunicationNeeds,
    /// Why the NHS number is not known; `None` when it is known, or when no
    /// one has recorded why (records added before the reason was asked).
    pub nhs_unknown_reason: Option<UnknownNhsReason>,
    pub probation_case_reference: Option<ProbationCaseReference>,
    pub contact: ContactAfterRelease,
    pub nominated_contact: Option<NominatedContact>,
}

/// Nothing recorded: the address is "not known yet".
impl Default for PersonProfile {
    fn default() -> Self {
        Self {
            pronouns: None,
            gender: None,
            ethnicity: None,
            first_language: None,
            interpreter_needed: false,
            communication_needs: CommunicationNeeds::default(),
            nhs_unknown_reason: None,
            probation_case_reference: None,
            contact: ContactAfterRelease {
                phone: None,
                email: None,
                address: ReleaseAddress::NotYetKnown,
                preferred_channel: None,
            },
            nominated_contact: None,
        }
    }
}

impl PersonDetails {
    /// The record as the store keeps it: the foundation's part and the rest.
    pub fn split(&self) -> (NewPerson, PersonProfile) {
        let profile = PersonProfile {
            pronouns: self.pronouns.clone(),
            gender: self.gender.clone(),
            ethnicity: self.ethnicity.clone(),
            first_language: self.first_language.clone(),
            interpreter_needed: self.interpreter_needed,
            communication_needs: self.communication_needs.clone(),
            nhs_unknown_reason: match &self.nhs_number {
                NhsNumberStatus::Known(_) => None,
                NhsNumberStatus::Unknown { reason } => Some(reason.clone()),
            },
            probation_case_reference: self.probation_case_reference.clone(),
            contact: self.contact.clone(),
            nominated_contact: self.nominated_contact.clone(),
        };
        (self.to_new_person(), profile)
    }
}

impl PersonDetails {
    /// The whole record from the store's two parts; `None` when the NHS
    /// number is not known and no one has recorded why (the whole record
    /// needs one or the other).
    pub fn join(core: NewPerson, profile: PersonProfile) -> Option<PersonDetails> {
        let nhs_number = match (core.nhs_number, profile.nhs_unknown_reason) {
            (Some(n), _) => NhsNumberStatus::Known(n),
            (None, Some(reason)) => NhsNumberStatus::Unknown { reason },
            (None, None) => return None,
        };
        Some(PersonDetails {
            legal_name: crate::person_details::LegalName {
                given_name: core.given_name,
                family_name: core.family_name,
            },
            preferred_name: core.preferred_name,
            pronouns: profile.pronouns,
            gender: profile.gender,
            date_of_birth: core.date_of_birth,
            ethnicity: profile.ethnicity,
            first_language: profile.first_language,
            interpreter_needed: profile.interpreter_needed,
            communication_needs: profile.communication_needs,
            nhs_number,
            prison_number: core.prison_number,
            prison_id: core.prison_id,
            probation_case_reference: profile.probation_case_reference,
            contact: profile.contact,
            nominated_contact: profile.nominated_contact,
        })
    }
}

/// Form fields that come before the date of birth, in page order.
const BEFORE_DATE_OF_BIRTH: [&str; 6] = [
    "given_name",
    "family_name",
    "preferred_name",
    "pronouns",
    "gender",
    "gender_self_described",
];

impl PersonDetails {
    /// Parses a form that adds or corrects a record: [`PersonDetails::parse`]
    /// and, as RECONNECT supports adults, a refusal at the date of birth for
    /// someone under 18 on `today` (in page order with any other problems).
    pub fn parse_adult(
        input: &PersonDetailsInput<'_>,
        today: time::Date,
    ) -> Result<Self, Vec<FieldError>> {
        let parsed = PersonDetails::parse(input, today);
        let born = match &parsed {
            Ok(d) => Some(d.date_of_birth),
            Err(_) => {
                parse_date_of_birth(input.dob_day, input.dob_month, input.dob_year, today).ok()
            }
        };
        let Some(refusal) = born.and_then(|b| under_18_refusal(b, today)) else {
            return parsed;
        };
        let mut errors = parsed.err().unwrap_or_default();
        let at = errors
            .iter()
            .position(|e| !BEFORE_DATE_OF_BIRTH.contains(&e.field.as_str()))
            .unwrap_or(errors.len());
        errors.insert(at, FieldError::new("date_of_birth", refusal));
        Err(errors)
    }
}

/// The profile as text: stable codes and words, one value per column and
/// per form field (blank is an empty string).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileText {
    pub pronouns: String,
    pub gender: String,
    pub gender_self_described: String,
    pub ethnicity: String,
    pub ethnicity_other: String,
    pub first_language: String,
    /// "yes" or "no".
    pub interpreter_needed: String,
    /// Catalogue codes, plus "other" when `communication_needs_other` is set.
    pub communication_needs: Vec<String>,
    pub communication_needs_other: String,
    pub nhs_number_unknown_reason: String,
    pub nhs_number_unknown_other: String,
    pub probation_case_reference: String,
    /// E.164, as stored.
    pub phone: String,
    pub email: String,
    pub address_kind: String,
    pub address_line_1: String,
    pub address_line_2: String,
    pub address_town: String,
    pub address_postcode: String,
    pub preferred_contact: String,
    pub nominated_name: String,
    pub nominated_relationship: String,
    /// E.164, as stored.
    pub nominated_phone: String,
}

fn text(o: Option<&str>) -> String {
    o.unwrap_or_default().to_string()
}

impl PersonProfile {
    /// The text form of the profile.
    pub fn to_text(&self) -> ProfileText {
        let (gender, gender_self_described) = match &self.gender {
            None => (String::new(), String::new()),
            Some(Gender::SelfDescribed(s)) => ("self_described".into(), s.clone()),
            Some(g) => (g.code().into(), String::new()),
        };
        let (ethnicity, ethnicity_other) = match &self.ethnicity {
            None => (String::new(), String::new()),
            Some(Ethnicity::PreferNotToSay) => (Ethnicity::PREFER_NOT_TO_SAY.into(), String::new()),
            Some(Ethnicity::Stated {
                category,
                description,
            }) => (category.code().into(), text(description.as_deref())),
        };
        let mut communication_needs: Vec<String> = self
            .communication_needs
            .needs
            .iter()
            .map(|n| n.code().to_string())
            .collect();
        if self.communication_needs.other.is_some() {
            communication_needs.push(CommunicationNeeds::OTHER.into());
        }
        let (reason, reason_other) = match &self.nhs_unknown_reason {
            None => (String::new(), String::new()),
            Some(UnknownNhsReason::Other(s)) => ("other".into(), s.clone()),
            Some(r) => (r.code().into(), String::new()),
        };
        let c = &self.contact;
        let (address_kind, a1, a2, town, postcode) = match &c.address {
            ReleaseAddress::Address(a) => (
                "address",
                a.line_1.clone(),
                text(a.line_2.as_deref()),
                a.town.clone(),
                a.postcode.to_string(),
            ),
            ReleaseAddress::NoFixedAbode => {
                ("no_fixed_abode", "".into(), "".into(), "".into(), "".into())
            }
            ReleaseAddress::NotYetKnown => {
                ("not_yet_known", "".into(), "".into(), "".into(), "".into())
            }
        };
        let n = self.nominated_contact.as_ref();
        ProfileText {
            pronouns: self
                .pronouns
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default(),
            gender,
            gender_self_described,
            ethnicity,
            ethnicity_other,
            first_language: text(self.first_language.as_deref()),
            interpreter_needed: if self.interpreter_needed { "yes" } else { "no" }.into(),
            communication_needs,
            communication_needs_other: text(self.communication_needs.other.as_deref()),
            nhs_number_unknown_reason: reason,
            nhs_number_unknown_other: reason_other,
            probation_case_reference: self
                .probation_case_reference
                .as_ref()
                .map(|r| r.to_string())
                .unwrap_or_default(),
            phone: c
                .phone
                .as_ref()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            email: c
                .email
                .as_ref()
                .map(|e| e.as_str().to_string())
                .unwrap_or_default(),
            address_kind: address_kind.into(),
            address_line_1: a1,
            address_line_2: a2,
            address_town: town,
            address_postcode: postcode,
            preferred_contact: c
                .preferred_channel
                .map(|ch| ch.code().to_string())
                .unwrap_or_default(),
            nominated_name: n.map(|n| n.name.clone()).unwrap_or_default(),
            nominated_relationship: n.map(|n| n.relationship.clone()).unwrap_or_default(),
            nominated_phone: n.map(|n| n.phone.as_str().to_string()).unwrap_or_default(),
        }
    }
}

impl ProfileText {
    /// Reads the text form back, with the same parsers the forms use. Only
    /// each value's own rules apply here (not the form's rules between
    /// fields), so any stored profile reads back.
    pub fn parse(&self) -> Result<PersonProfile, Vec<FieldError>> {
        let mut errors = Vec::new();
        let pronouns = keep(
            &mut errors,
            one("pronouns", Pronouns::parse(&self.pronouns)),
        );
        let gender = keep(
            &mut errors,
            Gender::parse(&self.gender, &self.gender_self_described),
        );
        let ethnicity = keep(
            &mut errors,
            Ethnicity::parse(&self.ethnicity, &self.ethnicity_other),
        );
        let first_language = self.first_language.trim().to_string();
        let codes: Vec<&str> = self
            .communication_needs
            .iter()
            .map(String::as_str)
            .collect();
        let communication_needs = keep(
            &mut errors,
            CommunicationNeeds::parse(&codes, &self.communication_needs_other),
        );
        let nhs_unknown_reason = if self.nhs_number_unknown_reason.trim().is_empty() {
            Some(None)
        } else {
            keep(
                &mut errors,
                NhsNumberStatus::parse(
                    "",
                    &self.nhs_number_unknown_reason,
                    &self.nhs_number_unknown_other,
                )
                .map(|s| match s {
                    NhsNumberStatus::Unknown { reason } => Some(reason),
                    NhsNumberStatus::Known(_) => None,
                }),
            )
        };
        let probation_case_reference = if self.probation_case_reference.trim().is_empty() {
            Some(None)
        } else {
            keep(
                &mut errors,
                one(
                    "probation_case_reference",
                    ProbationCaseReference::parse(&self.probation_case_reference)
                        .map(Some)
                        .map_err(|e| e.to_string()),
                ),
            )
        };
        let phone = optional(&self.phone, |s| {
            UkPhoneNumber::parse(s).map_err(|e| e.to_string())
        });
        let phone = keep(&mut errors, one("phone", phone));
        let email = optional(&self.email, |s| {
            EmailAddress::parse(s).map_err(|e| e.to_string())
        });
        let email = keep(&mut errors, one("email", email));
        let address = keep(
            &mut errors,
            ReleaseAddress::parse(
                &self.address_kind,
                &self.address_line_1,
                &self.address_line_2,
                &self.address_town,
                &self.address_postcode,
            ),
        );
        let preferred_channel = optional(&self.preferred_contact, |s| {
            ContactChannel::parse(s).map_err(|e| e.to_string())
        });
        let preferred_channel = keep(&mut errors, one("preferred_contact", preferred_channel));
        let nominated_contact = keep(
            &mut errors,
            NominatedContact::parse(
                &self.nominated_name,
                &self.nominated_relationship,
                &self.nominated_phone,
            ),
        );
        let interpreter_needed = self.interpreter_needed.trim().eq_ignore_ascii_case("yes");
        match (
            pronouns,
            gender,
            ethnicity,
            communication_needs,
            nhs_unknown_reason,
            probation_case_reference,
            phone,
            email,
            address,
            preferred_channel,
            nominated_contact,
        ) {
            (
                Some(pronouns),
                Some(gender),
                Some(ethnicity),
                Some(communication_needs),
                Some(nhs_unknown_reason),
                Some(probation_case_reference),
                Some(phone),
                Some(email),
                Some(address),
                Some(preferred_channel),
                Some(nominated_contact),
            ) if errors.is_empty() => Ok(PersonProfile {
                pronouns,
                gender,
                ethnicity,
                first_language: (!first_language.is_empty()).then_some(first_language),
                interpreter_needed,
                communication_needs,
                nhs_unknown_reason,
                probation_case_reference,
                contact: ContactAfterRelease {
                    phone,
                    email,
                    address,
                    preferred_channel,
                },
                nominated_contact,
            }),
            _ => Err(errors),
        }
    }
}

/// Keeps the value, or moves its errors into `errors`.
fn keep<T>(errors: &mut Vec<FieldError>, r: Result<T, Vec<FieldError>>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.extend(e);
            None
        }
    }
}

/// A one-field result as a list of field errors.
fn one<T>(field: &str, r: Result<T, String>) -> Result<T, Vec<FieldError>> {
    r.map_err(|m| vec![FieldError::new(field, m)])
}

fn optional<T, E>(s: &str, parse: impl Fn(&str) -> Result<T, E>) -> Result<Option<T>, E> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        parse(s).map(Some)
    }
}

/// One line of a person's record as people read it: a stable key, a label
/// and the value in words (`None`: not recorded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetailRow {
    pub key: &'static str,
    pub label: &'static str,
    pub value: Option<String>,
}

fn row(key: &'static str, label: &'static str, value: Option<String>) -> DetailRow {
    DetailRow { key, label, value }
}

/// What the record shows, in page order. `prison_name` names the prison.
pub fn detail_rows(core: &NewPerson, profile: &PersonProfile, prison_name: &str) -> Vec<DetailRow> {
    let c = &profile.contact;
    let needs = {
        let mut words: Vec<String> = profile
            .communication_needs
            .needs
            .iter()
            .map(|n: &CommunicationNeed| n.label().to_string())
            .collect();
        words.extend(profile.communication_needs.other.clone());
        (!words.is_empty()).then(|| words.join("; "))
    };
    let nhs = match (&core.nhs_number, &profile.nhs_unknown_reason) {
        (Some(n), _) => Some(n.to_string()),
        (None, Some(reason)) => Some(format!("Not known: {}", reason.label())),
        (None, None) => None,
    };
    let address = match &c.address {
        ReleaseAddress::Address(a) => Some(
            [
                Some(a.line_1.clone()),
                a.line_2.clone(),
                Some(a.town.clone()),
                Some(a.postcode.to_string()),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
        ),
        ReleaseAddress::NoFixedAbode => Some("No fixed abode".into()),
        ReleaseAddress::NotYetKnown => None,
    };
    let ethnicity = profile.ethnicity.as_ref().map(|e| match e {
        Ethnicity::PreferNotToSay => "Prefer not to say".to_string(),
        Ethnicity::Stated {
            category,
            description: Some(d),
        } => format!("{}: {d}", category.full_label()),
        Ethnicity::Stated { category, .. } => category.full_label(),
    });
    vec![
        row("given_name", "First name", Some(core.given_name.clone())),
        row("family_name", "Last name", Some(core.family_name.clone())),
        row(
            "preferred_name",
            "Preferred name",
            core.preferred_name.clone(),
        ),
        row(
            "pronouns",
            "Pronouns",
            profile.pronouns.as_ref().map(|p| p.to_string()),
        ),
        row(
            "gender",
            "Gender",
            profile.gender.as_ref().map(|g| g.label().to_string()),
        ),
        row(
            "date_of_birth",
            "Date of birth",
            Some(long_date(core.date_of_birth)),
        ),
        row("ethnicity", "Ethnicity", ethnicity),
        row(
            "first_language",
            "First language",
            profile.first_language.clone(),
        ),
        row(
            "interpreter_needed",
            "Interpreter needed",
            Some(
                if profile.interpreter_needed {
                    "Yes"
                } else {
                    "No"
                }
                .into(),
            ),
        ),
        row(
            "communication_needs",
            "Communication and accessibility needs",
            needs,
        ),
        row("nhs_number", "NHS number", nhs),
        row(
            "prison_number",
            "Prison number",
            Some(core.prison_number.to_string()),
        ),
        row("prison_id", "Prison", Some(prison_name.to_string())),
        row(
            "probation_case_reference",
            "Probation case reference (CRN)",
            profile
                .probation_case_reference
                .as_ref()
                .map(|r| r.to_string()),
        ),
        row(
            "phone",
            "Phone after release",
            c.phone.as_ref().map(|p| p.national_format()),
        ),
        row(
            "email",
            "Email after release",
            c.email.as_ref().map(|e| e.as_str().to_string()),
        ),
        row("address", "Address after release", address),
        row(
            "preferred_contact",
            "Preferred way to contact them",
            c.preferred_channel.map(|ch| ch.label().to_string()),
        ),
        row(
            "nominated_contact",
            "Nominated contact",
            profile.nominated_contact.as_ref().map(|n| {
                format!(
                    "{} ({}), {}",
                    n.name,
                    n.relationship,
                    n.phone.national_format()
                )
            }),
        ),
    ]
}

/// "3 July 1990".
pub fn long_date(d: time::Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// One value a correction changed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Change {
    pub label: String,
    /// `None`: not recorded.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What changed between two versions of a record, in page order.
pub fn changes(before: &[DetailRow], after: &[DetailRow]) -> Vec<Change> {
    after
        .iter()
        .filter_map(|a| {
            let b = before.iter().find(|b| b.key == a.key);
            let old = b.and_then(|b| b.value.clone());
            (old != a.value).then(|| Change {
                label: a.label.to_string(),
                before: old,
                after: a.value.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: time::Date = date!(2026 - 11 - 21);

    fn details(input: &PersonDetailsInput<'_>) -> PersonDetails {
        PersonDetails::parse(input, TODAY).unwrap()
    }

    fn base<'a>() -> PersonDetailsInput<'a> {
        PersonDetailsInput {
            given_name: "Daniel",
            family_name: "Okafor",
            dob_day: "3",
            dob_month: "7",
            dob_year: "1990",
            nhs_number_unknown_reason: "not_yet_traced",
            prison_number: "A1234BC",
            prison_id: "0196a3f0-0000-7000-8000-000000000001",
            ..PersonDetailsInput::default()
        }
    }

    #[test]
    fn under_18s_are_refused_in_page_order() {
        let young = PersonDetailsInput {
            dob_year: "2010",
            ..base()
        };
        let errors = PersonDetails::parse_adult(&young, TODAY).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "date_of_birth");
        assert!(errors[0].message.contains("This person is 16"));
        let young_and_more = PersonDetailsInput {
            given_name: "",
            prison_number: "nope",
            ..young
        };
        let fields: Vec<String> = PersonDetails::parse_adult(&young_and_more, TODAY)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["given_name", "date_of_birth", "prison_number"]);
        assert!(PersonDetails::parse_adult(&base(), TODAY).is_ok());
    }

    #[test]
    fn an_empty_profile_reads_back_as_nothing_recorded() {
        let text = PersonProfile::default().to_text();
        assert_eq!(text.address_kind, "not_yet_known");
        assert_eq!(text.parse().unwrap(), PersonProfile::default());
    }

    #[test]
    fn a_full_profile_survives_its_text_form() {
        let needs = ["prefers_texts", "quiet_room", "other"];
        let input = PersonDetailsInput {
            pronouns: "she/they",
            gender: "self_described",
            gender_self_described: "Genderfluid",
            ethnicity: "white_other",
            ethnicity_other: "Polish",
            first_language: "Polish",
            interpreter_needed: "yes",
            communication_needs: &needs,
            communication_needs_other: "Mornings are better",
            nhs_number_unknown_reason: "other",
            nhs_number_unknown_other: "Born abroad, not yet registered",
            probation_case_reference: "x123456",
            phone: "07700 900123",
            email: "ana@example.org",
            address_kind: "address",
            address_line_1: "1 High Street",
            address_town: "Leeds",
            address_postcode: "ls1 4ap",
            preferred_contact: "text",
            nominated_name: "Maria",
            nominated_relationship: "Sister",
            nominated_phone: "0113 496 0000",
            ..base()
        };
        let (_, profile) = details(&input).split();
        assert_eq!(profile.to_text().parse().unwrap(), profile);
        assert_eq!(
            profile.nhs_unknown_reason,
            Some(UnknownNhsReason::Other(
                "Born abroad, not yet registered".into()
            ))
        );
    }

    #[test]
    fn split_and_join_are_inverses() {
        let d = details(&PersonDetailsInput {
            pronouns: "they/them",
            address_kind: "no_fixed_abode",
            ..base()
        });
        let (core, profile) = d.split();
        assert_eq!(PersonDetails::join(core.clone(), profile.clone()), Some(d));
        let no_reason = PersonProfile {
            nhs_unknown_reason: None,
            ..profile
        };
        assert_eq!(PersonDetails::join(core, no_reason), None);
    }

    #[test]
    fn a_known_nhs_number_needs_no_reason() {
        let input = PersonDetailsInput {
            nhs_number: "943 476 5919",
            ..base()
        };
        let (core, profile) = details(&input).split();
        assert_eq!(
            core.nhs_number.map(|n| n.digits()).as_deref(),
            Some("9434765919")
        );
        assert_eq!(profile.nhs_unknown_reason, None);
    }

    #[test]
    fn rows_say_not_recorded_and_no_fixed_abode() {
        let input = PersonDetailsInput {
            address_kind: "no_fixed_abode",
            ..base()
        };
        let (core, profile) = details(&input).split();
        let rows = detail_rows(&core, &profile, "HMP Leeds");
        let value = |k: &str| rows.iter().find(|r| r.key == k).unwrap().value.clone();
        assert_eq!(value("address").as_deref(), Some("No fixed abode"));
        assert_eq!(value("pronouns"), None);
        assert_eq!(
            value("nhs_number").as_deref(),
            Some("Not known: Not traced yet")
        );
        assert_eq!(value("date_of_birth").as_deref(), Some("3 July 1990"));
        assert_eq!(value("prison_id").as_deref(), Some("HMP Leeds"));
    }

    #[test]
    fn changes_name_only_what_changed() {
        let (core, profile) = details(&base()).split();
        let before = detail_rows(&core, &profile, "HMP Leeds");
        let input = PersonDetailsInput {
            family_name: "Okafor-Reid",
            pronouns: "he/him",
            ..base()
        };
        let (core2, profile2) = details(&input).split();
        let after = detail_rows(&core2, &profile2, "HMP Leeds");
        assert_eq!(
            changes(&before, &after),
            [
                Change {
                    label: "Last name".into(),
                    before: Some("Okafor".into()),
                    after: Some("Okafor-Reid".into()),
                },
                Change {
                    label: "Pronouns".into(),
                    before: None,
                    after: Some("he/him".into()),
                },
            ]
        );
        assert!(changes(&after, &after).is_empty());
    }

    proptest! {
        /// Whatever a form accepts, its stored text reads back the same.
        #[test]
        fn accepted_profiles_round_trip(
            pronouns in "[a-zA-Z/ ]{0,20}",
            gender in prop::sample::select(vec!["", "woman", "man", "non_binary", "prefer_not_to_say"]),
            language in "[a-zA-Z ]{0,30}",
            interpreter in prop::bool::ANY,
            kind in prop::sample::select(vec!["", "no_fixed_abode", "not_yet_known"]),
            crn_digits in 0u32..1_000_000,
        ) {
            let crn = format!("X{crn_digits:06}");
            let lang = if interpreter && language.trim().is_empty() { "English" } else { language.as_str() };
            let input = PersonDetailsInput {
                pronouns: &pronouns,
                gender,
                first_language: lang,
                interpreter_needed: if interpreter { "yes" } else { "" },
                address_kind: kind,
                probation_case_reference: &crn,
                ..base()
            };
            if let Ok(d) = PersonDetails::parse(&input, TODAY) {
                let (_, profile) = d.split();
                prop_assert_eq!(profile.to_text().parse().unwrap(), profile);
            }
        }

        /// Any text read back either parses or names the fields at fault;
        /// it never panics.
        #[test]
        fn stored_text_never_panics(
            gender in "\\PC{0,12}",
            phone in "\\PC{0,16}",
            kind in "\\PC{0,16}",
            needs in prop::collection::vec("\\PC{0,12}", 0..4),
        ) {
            let text = ProfileText {
                gender,
                phone,
                address_kind: kind,
                communication_needs: needs,
                ..PersonProfile::default().to_text()
            };
            if let Err(errors) = text.parse() {
                prop_assert!(!errors.is_empty());
            }
        }
    }
}
