//! A referral to RECONNECT as it arrives, before anyone has triaged it: who
//! made it, who it is for, where they are, what they would like help with and
//! how best to reach them. It comes from the public form (the person
//! themselves, family or friends, or someone who works with them), from staff
//! entering a professional's referral, or from the API.
//!
//! [`NewReferral::parse`] reads every field at once and reports each problem
//! next to its field, in plain English. Someone under 18 is told kindly that
//! the service is for adults and who supports young people instead. Dates
//! arrive already read (from the three boxes of a form, or ISO 8601 in the
//! API), so both paths share the rules here. Nothing here performs I/O.

use crate::email::EmailAddress;
use crate::person::age_on;
use crate::person_details::{catalogue, UkPhoneNumber, ADULT_AGE};
use crate::referral_source::ReferralSource;
use crate::validation::{optional_text, required_text, Validation};
use crate::{FieldError, NhsNumber, PrisonId, PrisonNumber, SiteId};
use time::{Date, Duration};

/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest free text ("anything else"), in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// A release date further ahead than this is refused as a likely mistake.
pub const MAX_YEARS_TO_RELEASE: i64 = 5;

/// The message next to the date of birth of someone under 18.
pub const UNDER_18_MESSAGE: &str = "RECONNECT is for adults aged 18 or over. For someone younger, \
    the youth justice service can help: ask the prison, or their youth offending team";

catalogue! {
    /// What the person would like help with (as the public form asks it).
    pub enum HelpNeed {
        MentalHealth = "mental_health", "Mental health or emotional wellbeing";
        DrugsAlcohol = "drugs_alcohol", "Drugs or alcohol";
        PhysicalHealth = "physical_health", "Physical health or medicines";
        Neurodiversity = "neurodiversity", "A learning disability, autism or ADHD";
        GpDentist = "gp_dentist", "Registering with a GP or dentist";
        Housing = "housing", "Somewhere to live";
        Money = "money", "Money and benefits";
        Other = "other", "Something else";
    }
    unknown = "Choose what they would like help with from the list";
}

impl HelpNeed {
    /// Is this a health need (one of the triage eligibility rules)? Housing
    /// and money matter, but on their own they are for other services.
    pub fn is_health(self) -> bool {
        matches!(
            self,
            HelpNeed::MentalHealth
                | HelpNeed::DrugsAlcohol
                | HelpNeed::PhysicalHealth
                | HelpNeed::Neurodiversity
                | HelpNeed::GpDentist
        )
    }
}

catalogue! {
    /// How best to get in touch with the person about the referral.
    pub enum ContactPreference {
        ThroughPrison = "through_prison", "Through the prison (for example, a letter or a visit)";
        Phone = "phone", "Phone call or text message";
        Email = "email", "Email";
        ThroughReferrer = "through_referrer", "Through the person who made this referral";
    }
    unknown = "Choose how we should contact them";
}

impl ContactPreference {
    /// Does this way of contacting them need a phone number or email address?
    pub fn needs_details(self) -> bool {
        matches!(self, ContactPreference::Phone | ContactPreference::Email)
    }
}

catalogue! {
    /// Who is filling in the public form.
    pub enum PublicReferrer {
        Myself = "self", "I am asking for support for myself";
        FamilyOrFriend = "family_or_friend", "I am their family member or friend";
        Professional = "professional", "I work with them (for example, in a prison, probation or a charity)";
    }
    unknown = "Choose who is filling in this form";
}

impl PublicReferrer {
    pub fn source(self) -> ReferralSource {
        match self {
            PublicReferrer::Myself => ReferralSource::SelfReferral,
            PublicReferrer::FamilyOrFriend => ReferralSource::FamilyOrFriend,
            PublicReferrer::Professional => ReferralSource::OtherAgency,
        }
    }
}

/// Someone referring another person.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Referrer {
    pub name: String,
    /// Their relationship to the person ("sister", "friend"), for family and friends.
    pub relationship: Option<String>,
    /// Where they work, for professionals.
    pub organisation: Option<String>,
    /// A phone number or email address to reach them.
    pub contact: String,
}

/// A referral, parsed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NewReferral {
    pub source: ReferralSource,
    /// Who made it, unless the person referred themselves.
    pub referrer: Option<Referrer>,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Date,
    pub nhs_number: Option<NhsNumber>,
    pub prison_number: Option<PrisonNumber>,
    /// The prison they are in, when known; it decides the site.
    pub prison_id: Option<PrisonId>,
    /// The site chosen when the prison is not known.
    pub site_id: Option<SiteId>,
    /// When they will be (or were) released, if known.
    pub expected_release: Option<Date>,
    pub needs: Vec<HelpNeed>,
    pub needs_text: Option<String>,
    pub contact_preference: ContactPreference,
    /// The phone number or email for [`ContactPreference::Phone`] or `Email`.
    pub contact_details: Option<String>,
}

impl NewReferral {
    /// Is a health need among the needs mentioned?
    pub fn health_need_identified(&self) -> bool {
        self.needs.iter().any(|n| n.is_health())
    }
}

/// The fields as sent, before parsing. Dates are read by the caller (form
/// boxes or ISO text) and passed here with their message if they did not read.
#[derive(Clone, Debug)]
pub struct ReferralInput<'a> {
    pub source: Result<ReferralSource, String>,
    pub referrer_name: &'a str,
    pub referrer_relationship: &'a str,
    pub referrer_organisation: &'a str,
    pub referrer_contact: &'a str,
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub preferred_name: &'a str,
    pub date_of_birth: Result<Date, String>,
    pub nhs_number: &'a str,
    pub prison_number: &'a str,
    /// A prison id, or empty when not known.
    pub prison_id: &'a str,
    /// A site id, needed only when the prison is not known.
    pub site_id: &'a str,
    pub expected_release: Result<Option<Date>, String>,
    pub needs: &'a [String],
    pub needs_text: &'a str,
    pub contact_preference: &'a str,
    pub contact_details: &'a str,
    /// Must be true: the consent statement was agreed to.
    pub consent: bool,
}

/// The field names problems are reported against (form ids or JSON properties).
#[derive(Clone, Copy, Debug)]
pub struct ReferralFields {
    pub source: &'static str,
    pub date_of_birth: &'static str,
    pub expected_release: &'static str,
    pub referrer_relationship: &'static str,
}

impl NewReferral {
    /// Parses every field, collecting all problems. `today` bounds the dates.
    pub fn parse(
        input: &ReferralInput<'_>,
        fields: &ReferralFields,
        today: Date,
    ) -> Result<Self, Vec<FieldError>> {
        let mut v = Validation::new();
        let source = v.check(fields.source, input.source.clone());
        let referrer = source.and_then(|s| parse_referrer(input, s, fields, &mut v));
        let given_name = v.check(
            "given_name",
            required_text(input.given_name, "their first name", MAX_NAME_CHARS),
        );
        let family_name = v.check(
            "family_name",
            required_text(input.family_name, "their last name", MAX_NAME_CHARS),
        );
        let preferred_name = v
            .check(
                "preferred_name",
                optional_text(
                    input.preferred_name,
                    "the name they like to be called",
                    MAX_NAME_CHARS,
                ),
            )
            .flatten();
        let date_of_birth = v
            .check(fields.date_of_birth, input.date_of_birth.clone())
            .and_then(|dob| {
                let problem = if dob >= today {
                    Some("Date of birth must be in the past".to_string())
                } else if today.year() - dob.year() > 120 {
                    Some("Date of birth must be within the last 120 years".to_string())
                } else if age_on(dob, today) < ADULT_AGE {
                    Some(UNDER_18_MESSAGE.to_string())
                } else {
                    None
                };
                match problem {
                    Some(m) => {
                        v.add(fields.date_of_birth, m);
                        None
                    }
                    None => Some(dob),
                }
            });
        let nhs_number = optional(input.nhs_number, |s| {
            v.check("nhs_number", NhsNumber::parse(s))
        });
        let prison_number = optional(input.prison_number, |s| {
            v.check("prison_number", PrisonNumber::parse(s))
        });
        let prison_id = optional(input.prison_id, |s| {
            v.check(
                "prison_id",
                s.parse::<PrisonId>()
                    .map_err(|_| "Choose a prison from the list"),
            )
        });
        let site_id = if prison_id.is_some() || !input.prison_id.trim().is_empty() {
            None
        } else if input.site_id.trim().is_empty() {
            v.add(
                "site_id",
                "Choose the area they will live in, or the prison they are in",
            );
            None
        } else {
            v.check(
                "site_id",
                input
                    .site_id
                    .trim()
                    .parse::<SiteId>()
                    .map_err(|_| "Choose an area from the list"),
            )
        };
        let expected_release = v
            .check(fields.expected_release, input.expected_release.clone())
            .flatten()
            .and_then(|release| {
                let latest = today.checked_add(Duration::days(365 * MAX_YEARS_TO_RELEASE));
                let problem = if date_of_birth.is_some_and(|dob| release <= dob) {
                    Some("The release date must be after their date of birth")
                } else if latest.is_some_and(|l| release > l) {
                    Some("The release date must be within the next 5 years. Leave it empty if you are not sure")
                } else {
                    None
                };
                match problem {
                    Some(m) => {
                        v.add(fields.expected_release, m);
                        None
                    }
                    None => Some(release),
                }
            });
        let mut needs = Vec::new();
        for code in input.needs.iter().filter(|c| !c.trim().is_empty()) {
            if let Some(n) = v.check("needs", HelpNeed::parse(code)) {
                if !needs.contains(&n) {
                    needs.push(n);
                }
            }
        }
        let needs_text = v
            .check(
                "needs_text",
                optional_text(
                    input.needs_text,
                    "what they would like help with",
                    MAX_TEXT_CHARS,
                ),
            )
            .flatten();
        if needs.is_empty() && needs_text.is_none() && v.message_for("needs").is_none() {
            v.add(
                "needs",
                "Choose what they would like help with, or tell us in the box below",
            );
        }
        let contact_preference = v.check(
            "contact_preference",
            ContactPreference::parse(input.contact_preference),
        );
        let contact_details = match contact_preference {
            Some(ContactPreference::Phone) => v
                .check(
                    "contact_details",
                    UkPhoneNumber::parse(input.contact_details)
                        .map_err(|e| e.message("their phone number", "Their phone number")),
                )
                .map(|p| p.to_string()),
            Some(ContactPreference::Email) => v
                .check(
                    "contact_details",
                    EmailAddress::parse(input.contact_details)
                        .map_err(|_| "Enter their email address, like name@example.com"),
                )
                .map(|e| e.to_string()),
            _ => None,
        };
        if contact_preference == Some(ContactPreference::ThroughReferrer)
            && source == Some(ReferralSource::SelfReferral)
        {
            v.add(
                "contact_preference",
                "Choose another way to contact you: you are filling in this form for yourself",
            );
        }
        if !input.consent {
            v.add(
                "consent",
                "Confirm that you have read and agree to the statement",
            );
        }
        v.finish(|| {
            Some(NewReferral {
                source: source?,
                referrer: if source? == ReferralSource::SelfReferral {
                    None
                } else {
                    Some(referrer?)
                },
                given_name: given_name?,
                family_name: family_name?,
                preferred_name,
                date_of_birth: date_of_birth?,
                nhs_number,
                prison_number,
                prison_id,
                site_id,
                expected_release,
                needs,
                needs_text,
                contact_preference: contact_preference?,
                contact_details,
            })
        })
    }
}

/// Runs `parse` on a non-empty value; an empty box is `None`.
fn optional<T>(raw: &str, parse: impl FnOnce(&str) -> Option<T>) -> Option<T> {
    let s = raw.trim();
    if s.is_empty() {
        None
    } else {
        parse(s)
    }
}

fn parse_referrer(
    input: &ReferralInput<'_>,
    source: ReferralSource,
    fields: &ReferralFields,
    v: &mut Validation,
) -> Option<Referrer> {
    if source == ReferralSource::SelfReferral {
        return None;
    }
    let name = v.check(
        "referrer_name",
        required_text(input.referrer_name, "your name", MAX_NAME_CHARS),
    );
    let (relationship, organisation) = if source == ReferralSource::FamilyOrFriend {
        (
            v.check(
                fields.referrer_relationship,
                required_text(
                    input.referrer_relationship,
                    "how you know them, like ‘sister’ or ‘friend’",
                    MAX_NAME_CHARS,
                ),
            )
            .map(Some),
            Some(None),
        )
    } else {
        (
            Some(None),
            v.check(
                "referrer_organisation",
                required_text(
                    input.referrer_organisation,
                    "where you work",
                    MAX_NAME_CHARS,
                ),
            )
            .map(Some),
        )
    };
    let contact = v.check("referrer_contact", referrer_contact(input.referrer_contact));
    Some(Referrer {
        name: name?,
        relationship: relationship?,
        organisation: organisation?,
        contact: contact?,
    })
}

/// A phone number or an email address, in its tidy form.
fn referrer_contact(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("Enter your phone number or email address, so we can contact you".into());
    }
    if s.contains('@') {
        return EmailAddress::parse(s)
            .map(|e| e.to_string())
            .map_err(|_| "Enter an email address like name@example.com, or a phone number".into());
    }
    UkPhoneNumber::parse(s)
        .map(|p| p.to_string())
        .map_err(|e| e.message("your phone number or email address", "Your phone number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const FIELDS: ReferralFields = ReferralFields {
        source: "referrer",
        date_of_birth: "date_of_birth-day",
        expected_release: "release-day",
        referrer_relationship: "referrer_relationship",
    };
    const TODAY: Date = date!(2026 - 03 - 02);

    fn needs() -> Vec<String> {
        vec!["mental_health".into(), "housing".into()]
    }

    fn input(needs: &[String]) -> ReferralInput<'_> {
        ReferralInput {
            source: Ok(ReferralSource::SelfReferral),
            referrer_name: "",
            referrer_relationship: "",
            referrer_organisation: "",
            referrer_contact: "",
            given_name: " Dan ",
            family_name: "Okafor",
            preferred_name: "",
            date_of_birth: Ok(date!(1990 - 07 - 03)),
            nhs_number: "",
            prison_number: "a1234bc",
            prison_id: "0196a3f0-0000-7000-8000-000000000001",
            site_id: "",
            expected_release: Ok(Some(date!(2026 - 04 - 01))),
            needs,
            needs_text: "",
            contact_preference: "through_prison",
            contact_details: "",
            consent: true,
        }
    }

    fn fields_of(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_self_referral() {
        let n = needs();
        let r = NewReferral::parse(&input(&n), &FIELDS, TODAY).unwrap();
        assert_eq!(r.given_name, "Dan");
        assert_eq!(r.referrer, None);
        assert_eq!(r.prison_number.as_ref().unwrap().as_str(), "A1234BC");
        assert!(r.health_need_identified());
        assert_eq!(r.site_id, None);
    }

    #[test]
    fn under_18_is_told_kindly() {
        let n = needs();
        let mut i = input(&n);
        i.date_of_birth = Ok(date!(2010 - 01 - 01));
        let e = NewReferral::parse(&i, &FIELDS, TODAY).unwrap_err();
        assert_eq!(
            e,
            vec![FieldError::new("date_of_birth-day", UNDER_18_MESSAGE)]
        );
        // Turning 18 today is old enough.
        i.date_of_birth = Ok(date!(2008 - 03 - 02));
        assert!(NewReferral::parse(&i, &FIELDS, TODAY).is_ok());
    }

    #[test]
    fn every_problem_at_once() {
        let n = vec!["astrology".to_string()];
        let mut i = input(&n);
        i.given_name = "";
        i.nhs_number = "123";
        i.prison_number = "12345";
        i.date_of_birth = Err("Date of birth must be a real date".into());
        i.expected_release = Err("The release date must be a real date".into());
        i.contact_preference = "phone";
        i.contact_details = "12";
        i.consent = false;
        let e = NewReferral::parse(&i, &FIELDS, TODAY).unwrap_err();
        assert_eq!(
            fields_of(&e),
            vec![
                "given_name",
                "date_of_birth-day",
                "nhs_number",
                "prison_number",
                "release-day",
                "needs",
                "contact_details",
                "consent"
            ]
        );
    }

    #[test]
    fn prison_or_area() {
        let n = needs();
        let mut i = input(&n);
        i.prison_id = "";
        let e = NewReferral::parse(&i, &FIELDS, TODAY).unwrap_err();
        assert_eq!(fields_of(&e), vec!["site_id"]);
        i.site_id = "0196a3f0-0000-7000-8000-000000000002";
        let r = NewReferral::parse(&i, &FIELDS, TODAY).unwrap();
        assert_eq!(r.prison_id, None);
        assert!(r.site_id.is_some());
        i.prison_id = "not-an-id";
        let e = NewReferral::parse(&i, &FIELDS, TODAY).unwrap_err();
        assert_eq!(fields_of(&e), vec!["prison_id"]);
    }

    #[test]
    fn release_dates_are_checked() {
        let n = needs();
        let mut i = input(&n);
        i.expected_release = Ok(Some(date!(1980 - 01 - 01)));
        let e = NewReferral::parse(&i, &FIELDS, TODAY).unwrap_err();
        assert_eq!(fields_of(&e), vec!["release-day"]);
        i.expected_release = Ok(Some(date!(2040 - 01 - 01)));
        assert!(NewReferral::parse(&i, &FIELDS, TODAY).is_err());
        // Released a week ago is fine (they may still be referred).
        i.expected_release = Ok(Some(date!(2026 - 02 - 23)));
        assert!(NewReferral::parse(&i, &FIELDS, TODAY).is_ok());
        i.expected_release = Ok(None);
        assert!(NewReferral::parse(&i, &FIELDS, TODAY).is_ok());
    }

    #[test]
    fn someone_else_referring_says_who_they_are() {
        let n = needs();
        let mut i = input(&n);
        i.source = Ok(ReferralSource::FamilyOrFriend);
        let e = NewReferral::parse(&i, &FIELDS, TODAY).unwrap_err();
        assert_eq!(
            fields_of(&e),
            vec!["referrer_name", "referrer_relationship", "referrer_contact"]
        );
        i.referrer_name = "Ada Okafor";
        i.referrer_relationship = "Sister";
        i.referrer_contact = "07700 900123";
        i.contact_preference = "through_referrer";
        let r = NewReferral::parse(&i, &FIELDS, TODAY).unwrap();
        let who = r.referrer.unwrap();
        assert_eq!(who.relationship.as_deref(), Some("Sister"));
        assert_eq!(who.organisation, None);
        i.source = Ok(ReferralSource::Probation);
        i.referrer_organisation = "Leeds probation";
        i.referrer_contact = "ada@example.org";
        let r = NewReferral::parse(&i, &FIELDS, TODAY).unwrap();
        assert_eq!(
            r.referrer.unwrap().organisation.as_deref(),
            Some("Leeds probation")
        );
    }

    #[test]
    fn needs_or_words() {
        let none: Vec<String> = vec![];
        let mut i = input(&none);
        assert!(NewReferral::parse(&i, &FIELDS, TODAY).is_err());
        i.needs_text = "Help getting my methadone script sorted";
        let r = NewReferral::parse(&i, &FIELDS, TODAY).unwrap();
        assert!(!r.health_need_identified());
        let housing = vec!["housing".to_string(), "housing".to_string()];
        let i = input(&housing);
        let r = NewReferral::parse(&i, &FIELDS, TODAY).unwrap();
        assert_eq!(r.needs, vec![HelpNeed::Housing]);
        assert!(!r.health_need_identified());
    }

    #[test]
    fn contact_details_when_needed() {
        let n = needs();
        let mut i = input(&n);
        i.contact_preference = "email";
        i.contact_details = "dan@example";
        assert!(NewReferral::parse(&i, &FIELDS, TODAY).is_err());
        i.contact_details = "dan@example.org";
        let r = NewReferral::parse(&i, &FIELDS, TODAY).unwrap();
        assert_eq!(r.contact_details.as_deref(), Some("dan@example.org"));
        i.contact_preference = "through_referrer";
        let e = NewReferral::parse(&i, &FIELDS, TODAY).unwrap_err();
        assert_eq!(fields_of(&e), vec!["contact_preference"]);
    }
}
