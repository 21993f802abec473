//! The referral form's fields as sent by the browser, shared by the public
//! form (`/refer`) and the staff form (`/triage/new`), with the choices each
//! offers and the reading of the fields into a [`NewReferral`].

use crate::view::{CheckItem, SelectOption};
use reconnect_domain::referral::{
    ContactPreference, HelpNeed, NewReferral, PublicReferrer, ReferralFields, ReferralInput,
};
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::validation::date_from_parts;
use reconnect_domain::FieldError;
use reconnect_store::sites::Site;
use serde::Deserialize;
use time::Date;

/// The value of the prison list's "I do not know" choice.
pub const PRISON_UNKNOWN: &str = "unknown";

/// Every field either form may send. Missing fields are empty.
#[derive(Deserialize, Default, Clone, Debug)]
pub struct ReferralForm {
    /// Public form: who is filling it in ([`PublicReferrer`] code).
    #[serde(default)]
    pub who: String,
    /// Staff form: who made the referral ([`ReferralSource`] code).
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub referrer_name: String,
    #[serde(default)]
    pub referrer_relationship: String,
    #[serde(default)]
    pub referrer_organisation: String,
    #[serde(default)]
    pub referrer_contact: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub preferred_name: String,
    #[serde(default, rename = "date_of_birth-day")]
    pub dob_day: String,
    #[serde(default, rename = "date_of_birth-month")]
    pub dob_month: String,
    #[serde(default, rename = "date_of_birth-year")]
    pub dob_year: String,
    #[serde(default)]
    pub nhs_number: String,
    #[serde(default)]
    pub prison_number: String,
    #[serde(default)]
    pub prison_id: String,
    #[serde(default)]
    pub site_id: String,
    #[serde(default, rename = "release-day")]
    pub release_day: String,
    #[serde(default, rename = "release-month")]
    pub release_month: String,
    #[serde(default, rename = "release-year")]
    pub release_year: String,
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub needs_text: String,
    #[serde(default)]
    pub contact_preference: String,
    #[serde(default)]
    pub contact_details: String,
    #[serde(default)]
    pub consent: String,
    /// The trap field: hidden from people, so only automated senders fill it in.
    #[serde(default)]
    pub website: String,
}

const FIELDS: ReferralFields = ReferralFields {
    source: "source",
    date_of_birth: "date_of_birth-day",
    expected_release: "release-day",
    referrer_relationship: "referrer_relationship",
};

fn date_of_birth(f: &ReferralForm) -> Result<Date, String> {
    if [&f.dob_day, &f.dob_month, &f.dob_year]
        .iter()
        .all(|s| s.trim().is_empty())
    {
        return Err("Enter their date of birth".into());
    }
    date_from_parts(&f.dob_day, &f.dob_month, &f.dob_year, "Date of birth")
}

fn release(f: &ReferralForm) -> Result<Option<Date>, String> {
    if [&f.release_day, &f.release_month, &f.release_year]
        .iter()
        .all(|s| s.trim().is_empty())
    {
        return Ok(None);
    }
    date_from_parts(
        &f.release_day,
        &f.release_month,
        &f.release_year,
        "The release date",
    )
    .map(Some)
}

impl ReferralForm {
    /// Reads the public form. Its one "how do you know them" box is the
    /// relationship of family and friends and the organisation of someone
    /// who works with them; the prison list has an "I do not know" choice.
    pub fn parse_public(&self, today: Date) -> Result<NewReferral, Vec<FieldError>> {
        let who = PublicReferrer::parse(&self.who).map_err(|e| e.to_string());
        let source = who.map(PublicReferrer::source);
        let prison = if self.prison_id.trim() == PRISON_UNKNOWN {
            ""
        } else {
            self.prison_id.as_str()
        };
        let input = ReferralInput {
            source,
            referrer_name: &self.referrer_name,
            referrer_relationship: &self.referrer_relationship,
            referrer_organisation: &self.referrer_relationship,
            referrer_contact: &self.referrer_contact,
            given_name: &self.given_name,
            family_name: &self.family_name,
            preferred_name: &self.preferred_name,
            date_of_birth: date_of_birth(self),
            nhs_number: "",
            prison_number: &self.prison_number,
            prison_id: prison,
            site_id: if prison.is_empty() { &self.site_id } else { "" },
            expected_release: release(self),
            needs: &self.needs,
            needs_text: &self.needs_text,
            contact_preference: &self.contact_preference,
            contact_details: &self.contact_details,
            consent: self.consent == "yes",
        };
        let prison_chosen = !self.prison_id.trim().is_empty();
        NewReferral::parse(&input, &FIELDS, today).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "source" => FieldError::new("who", e.message),
                    "referrer_organisation" => FieldError::new("referrer_relationship", e.message),
                    "site_id" if !prison_chosen => FieldError::new(
                        "prison_id",
                        "Choose the prison they are in, or ‘I do not know’",
                    ),
                    _ => e,
                })
                .collect()
        })
    }

    /// Reads the staff form (a professional's referral, or any other).
    pub fn parse_staff(&self, today: Date) -> Result<NewReferral, Vec<FieldError>> {
        let input = ReferralInput {
            source: self
                .source
                .parse::<ReferralSource>()
                .map_err(|e| e.to_string()),
            referrer_name: &self.referrer_name,
            referrer_relationship: &self.referrer_relationship,
            referrer_organisation: &self.referrer_organisation,
            referrer_contact: &self.referrer_contact,
            given_name: &self.given_name,
            family_name: &self.family_name,
            preferred_name: &self.preferred_name,
            date_of_birth: date_of_birth(self),
            nhs_number: &self.nhs_number,
            prison_number: &self.prison_number,
            prison_id: &self.prison_id,
            site_id: "",
            expected_release: release(self),
            needs: &self.needs,
            needs_text: &self.needs_text,
            contact_preference: &self.contact_preference,
            contact_details: &self.contact_details,
            consent: self.consent == "yes",
        };
        NewReferral::parse(&input, &FIELDS, today).map_err(|errors| {
            errors
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "site_id" => FieldError::new("prison_id", "Choose the prison they are in"),
                    _ => e,
                })
                .collect()
        })
    }

    pub fn who_items(&self) -> Vec<CheckItem> {
        PublicReferrer::ALL
            .iter()
            .map(|w| CheckItem {
                value: w.code().into(),
                label: w.label().into(),
                checked: self.who == w.code(),
            })
            .collect()
    }

    pub fn source_options(&self) -> Vec<SelectOption> {
        let mut options = vec![SelectOption {
            value: String::new(),
            label: "Choose who made the referral".into(),
            selected: self.source.is_empty(),
        }];
        options.extend(ReferralSource::ALL.into_iter().map(|s| SelectOption {
            value: s.as_str().into(),
            label: s.label().into(),
            selected: self.source == s.as_str(),
        }));
        options
    }

    pub fn need_items(&self) -> Vec<CheckItem> {
        HelpNeed::ALL
            .iter()
            .map(|n| CheckItem {
                value: n.code().into(),
                label: n.label().into(),
                checked: self.needs.iter().any(|c| c == n.code()),
            })
            .collect()
    }

    /// How to contact them; the public form words "the person who made this
    /// referral" as "me" when someone else is filling it in.
    pub fn contact_items(&self, public: bool) -> Vec<CheckItem> {
        ContactPreference::ALL
            .iter()
            .map(|c| CheckItem {
                value: c.code().into(),
                label: match c {
                    ContactPreference::ThroughReferrer if public => {
                        "Through me (if you are filling this in for someone else)".into()
                    }
                    other => other.label().into(),
                },
                checked: self.contact_preference == c.code(),
            })
            .collect()
    }

    pub fn consent_items(&self, label: &str) -> Vec<CheckItem> {
        vec![CheckItem {
            value: "yes".into(),
            label: label.into(),
            checked: self.consent == "yes",
        }]
    }

    /// Every prison (public form), or those of `only` sites (staff form).
    pub fn prison_options(&self, sites: &[Site], public: bool) -> Vec<SelectOption> {
        let mut prisons: Vec<(String, String)> = sites
            .iter()
            .flat_map(|s| s.prisons.iter().map(|p| (p.name.clone(), p.id.to_string())))
            .collect();
        prisons.sort();
        let mut options = vec![SelectOption {
            value: String::new(),
            label: "Choose a prison".into(),
            selected: self.prison_id.is_empty(),
        }];
        options.extend(prisons.into_iter().map(|(label, value)| SelectOption {
            selected: value == self.prison_id,
            value,
            label,
        }));
        if public {
            options.push(SelectOption {
                value: PRISON_UNKNOWN.into(),
                label: "I do not know, or they have already left prison".into(),
                selected: self.prison_id == PRISON_UNKNOWN,
            });
        }
        options
    }

    /// The areas (sites) to choose from when the prison is not known.
    pub fn site_options(&self, sites: &[Site]) -> Vec<SelectOption> {
        let mut options = vec![SelectOption {
            value: String::new(),
            label: "Choose an area".into(),
            selected: self.site_id.is_empty(),
        }];
        options.extend(sites.iter().map(|s| SelectOption {
            value: s.id.to_string(),
            label: format!("{} ({})", s.name, s.region.label()),
            selected: s.id.to_string() == self.site_id,
        }));
        options
    }
}
