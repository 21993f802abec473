//! Consent as data.
//!
//! - [`ConsentToTakePart`]: the person agreed to work with RECONNECT: when, how,
//!   and which worker recorded it.
//! - [`SharingConsent`]: the person agreed that information may be shared with
//!   one kind of partner ([`SharingPartner`]), with a date, a scope in words,
//!   an optional expiry and, later perhaps, a withdrawal. Withdrawal takes
//!   effect immediately and can never be refused.
//! - [`EngagementBasis`]: why the person is taking part. It has one value,
//!   [`EngagementBasis::Voluntary`]. RECONNECT is voluntary: taking part is
//!   never a licence condition, never mandated, and there is no outcome for
//!   not taking part. [`EngagementBasis::parse`] refuses anything else and
//!   says why, so a form or API call that tries to record engagement as
//!   required gets a clear answer instead of a record.
//!
//! Nothing here performs I/O.

use crate::person_details::catalogue;
use crate::validation::{required_text, Validation};
use crate::{FieldError, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, Duration};

/// How far back a consent date may be: older dates are almost always typing
/// mistakes (a year of 1900, say), and no episode of support lasts that long.
pub const OLDEST_CONSENT_YEARS: i64 = 5;

/// Reads a date from the three boxes of the NHS.UK date input. `Ok(None)`
/// when all three are blank. `subject` names the field, e.g. "Date consent
/// was given".
fn parse_date_input(
    day: &str,
    month: &str,
    year: &str,
    subject: &str,
) -> Result<Option<Date>, String> {
    if [day, month, year].iter().all(|v| v.trim().is_empty()) {
        return Ok(None);
    }
    crate::validation::date_from_parts(day, month, year, subject).map(Some)
}

const GIVEN_SUBJECT: &str = "Date consent to share was given";

/// Refuses a consent date in the future or implausibly long ago.
fn check_consent_date(date: Date, today: Date, subject: &str) -> Result<Date, String> {
    if date > today {
        return Err(format!("{subject} must be today or in the past"));
    }
    let oldest = today
        .checked_sub(Duration::days(OLDEST_CONSENT_YEARS * 365 + 1))
        .unwrap_or(Date::MIN);
    if date < oldest {
        return Err(format!(
            "{subject} must be within the last {OLDEST_CONSENT_YEARS} years"
        ));
    }
    Ok(date)
}

// ---------------------------------------------------------------------------
// Consent to take part
// ---------------------------------------------------------------------------

catalogue! {
    /// How the person gave consent.
    pub enum ConsentMethod {
        Verbal = "verbal", "Verbally (in person or by phone)";
        Written = "written", "In writing";
        SignedForm = "signed_form", "Signed a consent form";
        Electronic = "electronic", "Electronically (online, by email or by text)";
    }
    unknown = "Choose how the person gave consent";
}

/// The person agreed to take part in RECONNECT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConsentToTakePart {
    pub given_on: Date,
    pub how: ConsentMethod,
    /// The worker who recorded it (the signed-in user, not a form field).
    pub recorded_by: UserId,
}

/// The consent-to-take-part form as text. Errors name `consent_date` and
/// `consent_method`.
#[derive(Clone, Debug, Default)]
pub struct ConsentToTakePartInput<'a> {
    pub date_day: &'a str,
    pub date_month: &'a str,
    pub date_year: &'a str,
    pub method: &'a str,
}

impl ConsentToTakePart {
    /// Parses the form: the date is required, not in the future and within the
    /// last [`OLDEST_CONSENT_YEARS`] years; the method must be one offered.
    pub fn parse(
        input: &ConsentToTakePartInput<'_>,
        recorded_by: UserId,
        today: Date,
    ) -> Result<Self, Vec<FieldError>> {
        let subject = "Date the person agreed to take part";
        let mut v = Validation::new();
        let given_on = v.check(
            "consent_date",
            parse_date_input(input.date_day, input.date_month, input.date_year, subject)
                .and_then(|d| {
                    d.ok_or_else(|| "Enter the date the person agreed to take part".to_string())
                })
                .and_then(|d| check_consent_date(d, today, subject)),
        );
        let how = v.check("consent_method", ConsentMethod::parse(input.method));
        v.finish(|| {
            Some(ConsentToTakePart {
                given_on: given_on?,
                how: how?,
                recorded_by,
            })
        })
    }
}

// ---------------------------------------------------------------------------
// Consent to share information
// ---------------------------------------------------------------------------

catalogue! {
    /// The kinds of partner the person may agree to share information with.
    pub enum SharingPartner {
        Gp = "gp", "GP practice";
        MentalHealth = "mental_health", "Mental health services";
        SubstanceMisuse = "substance_misuse", "Drug and alcohol services";
        Housing = "housing", "Housing services";
        Probation = "probation", "Probation";
        VoluntarySector = "voluntary_sector", "Voluntary and community organisations";
    }
    unknown = "Choose who the information may be shared with";
}

/// Where a sharing consent stands on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SharingConsentStatus {
    /// Information may be shared, within the scope.
    Active,
    /// Recorded with a date that has not come yet.
    NotYetGiven,
    /// The expiry date has been reached.
    Expired,
    /// The person withdrew it.
    Withdrawn,
}

impl SharingConsentStatus {
    pub fn label(self) -> &'static str {
        match self {
            SharingConsentStatus::Active => "Active",
            SharingConsentStatus::NotYetGiven => "Not yet given",
            SharingConsentStatus::Expired => "Expired",
            SharingConsentStatus::Withdrawn => "Withdrawn",
        }
    }
}

/// The person agreed that information may be shared with one kind of partner.
///
/// The fields are private so that every value keeps its rules: a scope in
/// words, an expiry (if any) after the date given, and a withdrawal (if any)
/// no earlier than the date given.
///
/// Days are whole: consent is active from `given_on`, up to but not including
/// `expires_on`, and stops on `withdrawn_on` itself, so a withdrawal recorded
/// today takes effect today.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SharingConsent {
    partner: SharingPartner,
    given_on: Date,
    scope: String,
    expires_on: Option<Date>,
    withdrawn_on: Option<Date>,
}

/// A stored sharing consent that breaks the rules (read back from storage).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SharingConsentError {
    #[error("Enter what information may be shared")]
    ScopeMissing,
    #[error("Date consent to share ends must be after the date it was given")]
    ExpiryNotAfterGiven,
    #[error("Date consent to share was withdrawn must not be before the date it was given")]
    WithdrawnBeforeGiven,
}

/// The sharing consent form as text. Errors name `sharing_partner`,
/// `sharing_date`, `sharing_scope` and `sharing_expiry`.
#[derive(Clone, Debug, Default)]
pub struct SharingConsentInput<'a> {
    pub partner: &'a str,
    pub date_day: &'a str,
    pub date_month: &'a str,
    pub date_year: &'a str,
    pub scope: &'a str,
    /// All three blank: no expiry.
    pub expiry_day: &'a str,
    pub expiry_month: &'a str,
    pub expiry_year: &'a str,
}

impl SharingConsent {
    pub const MAX_SCOPE_CHARS: usize = 500;

    /// Parses the form, collecting every problem in page order. The rules
    /// are those of [`Self::new`].
    pub fn parse(input: &SharingConsentInput<'_>, today: Date) -> Result<Self, Vec<FieldError>> {
        let mut v = Validation::new();
        let partner = v.check("sharing_partner", SharingPartner::parse(input.partner));
        let given_on = v.check(
            "sharing_date",
            parse_date_input(
                input.date_day,
                input.date_month,
                input.date_year,
                GIVEN_SUBJECT,
            )
            .and_then(|d| d.ok_or_else(|| "Enter the date consent to share was given".to_string()))
            .and_then(|d| check_consent_date(d, today, GIVEN_SUBJECT)),
        );
        let scope = v.check("sharing_scope", Self::check_scope(input.scope));
        let expires_on = v.check(
            "sharing_expiry",
            parse_date_input(
                input.expiry_day,
                input.expiry_month,
                input.expiry_year,
                "Date consent to share ends",
            )
            .and_then(|e| Self::check_expiry(e, given_on)),
        );
        v.finish(|| {
            Some(SharingConsent {
                partner: partner?,
                given_on: given_on?,
                scope: scope?,
                expires_on: expires_on?,
                withdrawn_on: None,
            })
        })
    }

    /// Records a new consent from typed values (for the API). The date given
    /// must be today or in the past and within the last
    /// [`OLDEST_CONSENT_YEARS`] years; the scope is required; an expiry must
    /// be after the date given.
    pub fn new(
        partner: SharingPartner,
        given_on: Date,
        scope: &str,
        expires_on: Option<Date>,
        today: Date,
    ) -> Result<Self, Vec<FieldError>> {
        let mut v = Validation::new();
        let given_on = v.check(
            "sharing_date",
            check_consent_date(given_on, today, GIVEN_SUBJECT),
        );
        let scope = v.check("sharing_scope", Self::check_scope(scope));
        let expires_on = v.check("sharing_expiry", Self::check_expiry(expires_on, given_on));
        v.finish(|| {
            Some(SharingConsent {
                partner,
                given_on: given_on?,
                scope: scope?,
                expires_on: expires_on?,
                withdrawn_on: None,
            })
        })
    }

    fn check_scope(scope: &str) -> Result<String, String> {
        required_text(
            scope,
            "what information may be shared",
            Self::MAX_SCOPE_CHARS,
        )
    }

    /// An expiry must be after the date given (when that date is known).
    fn check_expiry(
        expires_on: Option<Date>,
        given_on: Option<Date>,
    ) -> Result<Option<Date>, String> {
        match (expires_on, given_on) {
            (Some(e), Some(g)) if e <= g => {
                Err(SharingConsentError::ExpiryNotAfterGiven.to_string())
            }
            _ => Ok(expires_on),
        }
    }

    /// Rebuilds a consent read back from storage, checking the rules that do
    /// not depend on today's date.
    pub fn from_stored(
        partner: SharingPartner,
        given_on: Date,
        scope: String,
        expires_on: Option<Date>,
        withdrawn_on: Option<Date>,
    ) -> Result<Self, SharingConsentError> {
        if scope.trim().is_empty() {
            return Err(SharingConsentError::ScopeMissing);
        }
        if expires_on.is_some_and(|e| e <= given_on) {
            return Err(SharingConsentError::ExpiryNotAfterGiven);
        }
        if withdrawn_on.is_some_and(|w| w < given_on) {
            return Err(SharingConsentError::WithdrawnBeforeGiven);
        }
        Ok(SharingConsent {
            partner,
            given_on,
            scope,
            expires_on,
            withdrawn_on,
        })
    }

    /// Withdraws the consent with effect from `on` (pass today: withdrawal is
    /// immediate). Never refused. Withdrawing again keeps the first date; a
    /// date before the consent was given counts as the day it was given.
    /// Returns whether this call changed the record.
    pub fn withdraw(&mut self, on: Date) -> bool {
        if self.withdrawn_on.is_some() {
            return false;
        }
        self.withdrawn_on = Some(on.max(self.given_on));
        true
    }

    /// May information be shared with this partner today?
    pub fn is_active(&self, today: Date) -> bool {
        self.status(today) == SharingConsentStatus::Active
    }

    /// Where the consent stands on `today`. Withdrawal wins over everything.
    pub fn status(&self, today: Date) -> SharingConsentStatus {
        if self.withdrawn_on.is_some_and(|w| w <= today) {
            SharingConsentStatus::Withdrawn
        } else if today < self.given_on {
            SharingConsentStatus::NotYetGiven
        } else if self.expires_on.is_some_and(|e| e <= today) {
            SharingConsentStatus::Expired
        } else {
            SharingConsentStatus::Active
        }
    }

    pub fn partner(&self) -> SharingPartner {
        self.partner
    }

    pub fn given_on(&self) -> Date {
        self.given_on
    }

    /// What may be shared, in the words recorded with the person.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    pub fn expires_on(&self) -> Option<Date> {
        self.expires_on
    }

    pub fn withdrawn_on(&self) -> Option<Date> {
        self.withdrawn_on
    }
}

/// May information be shared with `partner` today, by any of `consents`?
pub fn may_share_with(consents: &[SharingConsent], partner: SharingPartner, today: Date) -> bool {
    consents
        .iter()
        .any(|c| c.partner == partner && c.is_active(today))
}

// ---------------------------------------------------------------------------
// The voluntary rule
// ---------------------------------------------------------------------------

/// Why RECONNECT never records engagement as required, in the words forms and
/// the API show.
pub const VOLUNTARY_EXPLANATION: &str = "RECONNECT is voluntary. Taking part cannot be a licence condition or required by anyone: record only what the person has chosen";

/// Why the person is taking part. There is exactly one basis: their own
/// choice. There is deliberately no "licence condition", "mandated" or "court
/// order" value, and no outcome for not taking part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum EngagementBasis {
    /// The person has chosen to take part, and can stop at any time.
    #[default]
    Voluntary,
}

/// A basis other than the person's own choice, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngagementBasisError {
    #[error("Confirm that the person has chosen to take part")]
    Blank,
    /// Anything but "voluntary": a licence condition, mandated, a court order,
    /// a probation requirement, or anything else.
    #[error("{}", VOLUNTARY_EXPLANATION)]
    NotVoluntary,
}

impl EngagementBasis {
    /// Reads the basis from a form or the API. Accepts "voluntary" (and
    /// "voluntarily", "by choice", "own choice", "chosen", in any case).
    /// Everything else, such as "licence condition", "mandated", "court order"
    /// or "probation requirement", is refused with [`VOLUNTARY_EXPLANATION`].
    pub fn parse(input: &str) -> Result<Self, EngagementBasisError> {
        let words = input
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect::<Vec<_>>()
            .join(" ");
        match words.as_str() {
            "" => Err(EngagementBasisError::Blank),
            "voluntary" | "voluntarily" | "by choice" | "own choice" | "their own choice"
            | "chosen" => Ok(EngagementBasis::Voluntary),
            _ => Err(EngagementBasisError::NotVoluntary),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            EngagementBasis::Voluntary => "voluntary",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EngagementBasis::Voluntary => "Voluntary: the person has chosen to take part",
        }
    }
}

impl fmt::Display for EngagementBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl From<EngagementBasis> for &'static str {
    fn from(b: EngagementBasis) -> &'static str {
        b.code()
    }
}

impl TryFrom<String> for EngagementBasis {
    type Error = EngagementBasisError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 21);

    fn fields(errs: &[FieldError]) -> Vec<&str> {
        errs.iter().map(|e| e.field.as_str()).collect()
    }

    fn message<'e>(errs: &'e [FieldError], field: &str) -> &'e str {
        errs.iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
            .unwrap_or("")
    }

    fn take_part<'a>() -> ConsentToTakePartInput<'a> {
        ConsentToTakePartInput {
            date_day: "20",
            date_month: "11",
            date_year: "2026",
            method: "signed_form",
        }
    }

    fn sharing<'a>() -> SharingConsentInput<'a> {
        SharingConsentInput {
            partner: "gp",
            date_day: "1",
            date_month: "11",
            date_year: "2026",
            scope: " Medication and the release date ",
            expiry_day: "",
            expiry_month: "",
            expiry_year: "",
        }
    }

    fn consent(given: Date, expires: Option<Date>) -> SharingConsent {
        SharingConsent::new(
            SharingPartner::Housing,
            given,
            "Address history",
            expires,
            TODAY,
        )
        .unwrap()
    }

    #[test]
    fn date_input() {
        let s = "Date consent was given";
        assert_eq!(parse_date_input("", " ", "", s), Ok(None));
        assert_eq!(
            parse_date_input("1", "2", "2026", s),
            Ok(Some(date!(2026 - 02 - 01)))
        );
        assert_eq!(
            parse_date_input("1", "", "", s).unwrap_err(),
            "Date consent was given must include a month and a year"
        );
        assert_eq!(
            parse_date_input("30", "2", "2026", s).unwrap_err(),
            "Date consent was given must be a real date"
        );
        assert_eq!(
            parse_date_input("1", "13", "2026", s).unwrap_err(),
            "Date consent was given must be a real date"
        );
        assert_eq!(
            parse_date_input("+1", "1", "2026", s).unwrap_err(),
            "Date consent was given must be a real date"
        );
        assert_eq!(
            parse_date_input("1", "1", "26", s).unwrap_err(),
            "Date consent was given must include a year with 4 numbers, like 2026"
        );
        assert_eq!(
            parse_date_input("999", "1", "2026", s).unwrap_err(),
            "Date consent was given must be a real date"
        );
    }

    #[test]
    fn consent_to_take_part() {
        let user = UserId::new();
        let c = ConsentToTakePart::parse(&take_part(), user, TODAY).unwrap();
        assert_eq!(c.given_on, date!(2026 - 11 - 20));
        assert_eq!(c.how, ConsentMethod::SignedForm);
        assert_eq!(c.recorded_by, user);
        // Today is fine.
        let mut i = take_part();
        i.date_day = "21";
        assert!(ConsentToTakePart::parse(&i, user, TODAY).is_ok());
        for m in ConsentMethod::ALL {
            i.method = m.code();
            assert_eq!(ConsentToTakePart::parse(&i, user, TODAY).unwrap().how, *m);
        }
    }

    #[test]
    fn consent_to_take_part_refusals_name_the_field() {
        let user = UserId::new();
        let blank = ConsentToTakePartInput::default();
        let errs = ConsentToTakePart::parse(&blank, user, TODAY).unwrap_err();
        assert_eq!(fields(&errs), ["consent_date", "consent_method"]);
        assert_eq!(
            message(&errs, "consent_date"),
            "Enter the date the person agreed to take part"
        );
        assert_eq!(
            message(&errs, "consent_method"),
            "Choose how the person gave consent"
        );
        let mut i = take_part();
        i.date_day = "22";
        let errs = ConsentToTakePart::parse(&i, user, TODAY).unwrap_err();
        assert_eq!(
            message(&errs, "consent_date"),
            "Date the person agreed to take part must be today or in the past"
        );
        i.date_year = "1900";
        let errs = ConsentToTakePart::parse(&i, user, TODAY).unwrap_err();
        assert_eq!(
            message(&errs, "consent_date"),
            "Date the person agreed to take part must be within the last 5 years"
        );
        let mut i = take_part();
        i.method = "telepathy";
        assert_eq!(
            fields(&ConsentToTakePart::parse(&i, user, TODAY).unwrap_err()),
            ["consent_method"]
        );
    }

    #[test]
    fn sharing_partners_in_plain_english() {
        let labels: Vec<&str> = SharingPartner::ALL.iter().map(|p| p.label()).collect();
        assert_eq!(
            labels,
            [
                "GP practice",
                "Mental health services",
                "Drug and alcohol services",
                "Housing services",
                "Probation",
                "Voluntary and community organisations"
            ]
        );
        assert_eq!(SharingPartner::parse("GP"), Ok(SharingPartner::Gp));
        assert_eq!(
            SharingPartner::parse("substance_misuse"),
            Ok(SharingPartner::SubstanceMisuse)
        );
        assert_eq!(
            SharingPartner::parse("police").unwrap_err().to_string(),
            "Choose who the information may be shared with"
        );
    }

    #[test]
    fn sharing_consent_parses() {
        let c = SharingConsent::parse(&sharing(), TODAY).unwrap();
        assert_eq!(c.partner(), SharingPartner::Gp);
        assert_eq!(c.given_on(), date!(2026 - 11 - 01));
        assert_eq!(c.scope(), "Medication and the release date");
        assert_eq!(c.expires_on(), None);
        assert_eq!(c.withdrawn_on(), None);
        let mut i = sharing();
        i.expiry_day = "1";
        i.expiry_month = "5";
        i.expiry_year = "2027";
        let c = SharingConsent::parse(&i, TODAY).unwrap();
        assert_eq!(c.expires_on(), Some(date!(2027 - 05 - 01)));
    }

    #[test]
    fn sharing_consent_refusals() {
        let errs = SharingConsent::parse(&SharingConsentInput::default(), TODAY).unwrap_err();
        assert_eq!(
            fields(&errs),
            ["sharing_partner", "sharing_date", "sharing_scope"]
        );
        assert_eq!(
            message(&errs, "sharing_date"),
            "Enter the date consent to share was given"
        );
        assert_eq!(
            message(&errs, "sharing_scope"),
            "Enter what information may be shared"
        );

        let mut i = sharing();
        i.date_day = "22";
        i.scope = "";
        let errs = SharingConsent::parse(&i, TODAY).unwrap_err();
        assert_eq!(fields(&errs), ["sharing_date", "sharing_scope"]);
        assert_eq!(
            message(&errs, "sharing_date"),
            "Date consent to share was given must be today or in the past"
        );

        let mut i = sharing();
        i.expiry_day = "1";
        i.expiry_month = "11";
        i.expiry_year = "2026";
        let errs = SharingConsent::parse(&i, TODAY).unwrap_err();
        assert_eq!(fields(&errs), ["sharing_expiry"]);
        assert_eq!(
            errs[0].message,
            "Date consent to share ends must be after the date it was given"
        );
        i.expiry_year = "2025";
        assert_eq!(
            fields(&SharingConsent::parse(&i, TODAY).unwrap_err()),
            ["sharing_expiry"]
        );

        // Every problem at once, in page order, with a half-filled expiry.
        let mut i = sharing();
        i.partner = "";
        i.scope = " ";
        i.expiry_month = "3";
        let errs = SharingConsent::parse(&i, TODAY).unwrap_err();
        assert_eq!(
            fields(&errs),
            ["sharing_partner", "sharing_scope", "sharing_expiry"]
        );
        assert_eq!(
            message(&errs, "sharing_expiry"),
            "Date consent to share ends must include a day and a year"
        );

        // A future date is reported even when the partner is missing too.
        let mut i = sharing();
        i.partner = "";
        i.date_year = "2027";
        assert_eq!(
            fields(&SharingConsent::parse(&i, TODAY).unwrap_err()),
            ["sharing_partner", "sharing_date"]
        );

        let long = "x".repeat(501);
        let mut i = sharing();
        i.scope = &long;
        assert_eq!(
            message(
                &SharingConsent::parse(&i, TODAY).unwrap_err(),
                "sharing_scope"
            ),
            "What information may be shared must be 500 characters or fewer"
        );
    }

    #[test]
    fn active_from_given_date_until_expiry() {
        let c = consent(date!(2026 - 11 - 01), Some(date!(2026 - 12 - 01)));
        assert_eq!(
            c.status(date!(2026 - 10 - 31)),
            SharingConsentStatus::NotYetGiven
        );
        assert!(c.is_active(date!(2026 - 11 - 01)));
        assert!(c.is_active(date!(2026 - 11 - 30)));
        assert_eq!(
            c.status(date!(2026 - 12 - 01)),
            SharingConsentStatus::Expired
        );
        assert!(!c.is_active(date!(2027 - 01 - 01)));
        let open = consent(date!(2026 - 11 - 01), None);
        assert!(open.is_active(date!(2036 - 11 - 01)));
        assert_eq!(SharingConsentStatus::Expired.label(), "Expired");
    }

    #[test]
    fn withdrawal_takes_effect_immediately_and_is_never_refused() {
        let mut c = consent(date!(2026 - 11 - 01), None);
        assert!(c.is_active(TODAY));
        assert!(c.withdraw(TODAY));
        assert!(!c.is_active(TODAY));
        assert_eq!(c.status(TODAY), SharingConsentStatus::Withdrawn);
        assert_eq!(c.withdrawn_on(), Some(TODAY));
        // Again (a double click): nothing changes, the first date stays.
        assert!(!c.withdraw(date!(2026 - 11 - 25)));
        assert_eq!(c.withdrawn_on(), Some(TODAY));
        // Withdrawal wins over expiry and is not undone later.
        let mut c = consent(date!(2026 - 11 - 01), Some(date!(2026 - 11 - 10)));
        c.withdraw(date!(2026 - 11 - 05));
        assert_eq!(
            c.status(date!(2026 - 11 - 20)),
            SharingConsentStatus::Withdrawn
        );
        // Given and withdrawn the same day: not active that day.
        let mut c = consent(TODAY, None);
        c.withdraw(TODAY);
        assert!(!c.is_active(TODAY));
        // A date before it was given counts as the day it was given.
        let mut c = consent(date!(2026 - 11 - 01), None);
        c.withdraw(date!(2026 - 10 - 01));
        assert_eq!(c.withdrawn_on(), Some(date!(2026 - 11 - 01)));
        assert!(!c.is_active(date!(2026 - 11 - 01)));
    }

    #[test]
    fn stored_consents_keep_their_rules() {
        let given = date!(2026 - 11 - 01);
        let p = SharingPartner::MentalHealth;
        assert!(
            SharingConsent::from_stored(p, given, "Care plan".into(), None, Some(given)).is_ok()
        );
        assert_eq!(
            SharingConsent::from_stored(p, given, " ".into(), None, None),
            Err(SharingConsentError::ScopeMissing)
        );
        assert_eq!(
            SharingConsent::from_stored(p, given, "x".into(), Some(given), None),
            Err(SharingConsentError::ExpiryNotAfterGiven)
        );
        assert_eq!(
            SharingConsent::from_stored(p, given, "x".into(), None, Some(date!(2026 - 10 - 31))),
            Err(SharingConsentError::WithdrawnBeforeGiven)
        );
    }

    #[test]
    fn may_share_only_with_an_active_consent_for_that_partner() {
        let mut gp = consent(date!(2026 - 11 - 01), None);
        gp.partner = SharingPartner::Gp;
        let housing = consent(date!(2026 - 11 - 01), Some(date!(2026 - 11 - 10)));
        let all = [gp.clone(), housing];
        assert!(may_share_with(&all, SharingPartner::Gp, TODAY));
        assert!(!may_share_with(&all, SharingPartner::Housing, TODAY));
        assert!(!may_share_with(&all, SharingPartner::Probation, TODAY));
        gp.withdraw(TODAY);
        assert!(!may_share_with(&[gp], SharingPartner::Gp, TODAY));
    }

    #[test]
    fn engagement_is_voluntary_only() {
        for ok in [
            "voluntary",
            " Voluntary ",
            "VOLUNTARILY",
            "by choice",
            "Own choice",
            "chosen",
        ] {
            assert_eq!(
                EngagementBasis::parse(ok),
                Ok(EngagementBasis::Voluntary),
                "{ok}"
            );
        }
        for refused in [
            "licence condition",
            "Licence Condition",
            "license condition",
            "mandated",
            "mandatory",
            "court order",
            "probation requirement",
            "required",
            "compulsory",
            "condition of release",
            "voluntary licence condition",
            "not voluntary",
            "involuntary",
            "non-compliance",
            "yes",
        ] {
            let e = EngagementBasis::parse(refused).unwrap_err();
            assert_eq!(e, EngagementBasisError::NotVoluntary, "{refused}");
            assert_eq!(e.to_string(), VOLUNTARY_EXPLANATION);
        }
        assert_eq!(
            VOLUNTARY_EXPLANATION,
            "RECONNECT is voluntary. Taking part cannot be a licence condition or required by anyone: record only what the person has chosen"
        );
        assert_eq!(
            EngagementBasis::parse("  ").unwrap_err().to_string(),
            "Confirm that the person has chosen to take part"
        );
        assert_eq!(EngagementBasis::default(), EngagementBasis::Voluntary);
        assert_eq!(<&str>::from(EngagementBasis::Voluntary), "voluntary");
        assert_eq!(
            EngagementBasis::try_from("court order".to_string()),
            Err(EngagementBasisError::NotVoluntary)
        );
        // The type has one value: this match must stay exhaustive with one arm.
        match EngagementBasis::Voluntary {
            EngagementBasis::Voluntary => {}
        }
    }

    #[test]
    fn api_bodies_go_through_the_same_rules() {
        use serde::de::value::{Error as DeError, StringDeserializer};
        use serde::de::IntoDeserializer;
        use serde::Deserialize;
        fn de<T: for<'de> Deserialize<'de>>(s: &str) -> Result<T, String> {
            let d: StringDeserializer<DeError> = s.to_string().into_deserializer();
            T::deserialize(d).map_err(|e| e.to_string())
        }
        assert_eq!(
            de::<EngagementBasis>("voluntary"),
            Ok(EngagementBasis::Voluntary)
        );
        assert_eq!(
            de::<EngagementBasis>("licence condition"),
            Err(VOLUNTARY_EXPLANATION.to_string())
        );
        assert_eq!(
            de::<SharingPartner>("mental_health"),
            Ok(SharingPartner::MentalHealth)
        );
        assert_eq!(
            de::<SharingPartner>("police"),
            Err("Choose who the information may be shared with".to_string())
        );
        assert_eq!(de::<ConsentMethod>("verbal"), Ok(ConsentMethod::Verbal));
    }

    fn day(offset: i64) -> Date {
        TODAY + Duration::days(offset)
    }

    proptest! {
        #[test]
        fn parsers_never_panic(a in "\\PC{0,20}", b in "\\PC{0,20}", c in "\\PC{0,20}", d in "\\PC{0,20}") {
            let _ = EngagementBasis::parse(&a);
            let _ = ConsentMethod::parse(&a);
            let _ = SharingPartner::parse(&a);
            let _ = parse_date_input(&a, &b, &c, "Date");
            let _ = ConsentToTakePart::parse(
                &ConsentToTakePartInput { date_day: &a, date_month: &b, date_year: &c, method: &d },
                UserId::new(),
                TODAY,
            );
            let _ = SharingConsent::parse(
                &SharingConsentInput {
                    partner: &a, date_day: &b, date_month: &c, date_year: &d,
                    scope: &a, expiry_day: &b, expiry_month: &c, expiry_year: &d,
                },
                TODAY,
            );
        }

        #[test]
        fn real_dates_parse(d in 1u8..=28, m in 1u8..=12, y in 1000i32..=9999) {
            let got = parse_date_input(&d.to_string(), &m.to_string(), &y.to_string(), "Date");
            prop_assert_eq!(
                got.ok().flatten().map(|x| (x.day(), u8::from(x.month()), x.year())),
                Some((d, m, y))
            );
        }

        #[test]
        fn never_active_after_withdrawal_or_expiry(
            given in -400i64..=0,
            expiry in proptest::option::of(1i64..400),
            withdraw in proptest::option::of(-500i64..500),
            check in -500i64..500,
        ) {
            let given_on = day(given);
            let expires_on = expiry.map(|e| given_on + Duration::days(e));
            let mut c = SharingConsent::new(SharingPartner::Probation, given_on, "Risk", expires_on, TODAY).unwrap();
            if let Some(w) = withdraw {
                c.withdraw(day(w));
            }
            let on = day(check);
            if c.is_active(on) {
                prop_assert!(c.given_on() <= on);
                prop_assert!(c.expires_on().is_none_or(|e| on < e));
                prop_assert!(c.withdrawn_on().is_none_or(|w| on < w));
            }
            if let Some(w) = c.withdrawn_on() {
                prop_assert!(w >= c.given_on());
                if on >= w {
                    prop_assert_eq!(c.status(on), SharingConsentStatus::Withdrawn);
                }
            }
        }
    }
}
