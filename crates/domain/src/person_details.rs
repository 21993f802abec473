//! The full person record issue 3 asks for, as parsed types: legal and
//! preferred name, pronouns, gender, date of birth, ethnicity (the ONS 2021
//! England and Wales categories), first language and interpreter need,
//! communication and accessibility needs, NHS number (or why it is not known),
//! prison number and prison, probation case reference, contact details after
//! release and a nominated contact.
//!
//! Each value is parsed once, at the edge, into a type that can only hold a
//! sensible value ("parse, don't validate"). [`PersonDetails::parse`] reads a
//! whole form of raw text and reports every problem at once, each naming the
//! form field id and saying in plain English what to change.
//!
//! The store keeps a record as [`crate::person::NewPerson`] (the foundation's
//! part) and a [`crate::person_profile::PersonProfile`] (the rest):
//! [`PersonDetails::split`] and [`PersonDetails::join`] move between the two.
//!
//! Much of this is special-category data (ethnicity, health-related needs,
//! gender). "Not recorded" (`None`) is kept distinct from "Prefer not to say",
//! which is an answer the person gave. Nothing here performs I/O.
//!
//! [`PersonDetails::parse`] accepts any age; adding or correcting a record
//! uses [`PersonDetails::parse_adult`], which refuses someone under 18 with
//! [`crate::person::under_18_refusal`] (built on [`under_18_message`]).

use crate::email::EmailAddress;
use crate::person::{age_on, parse_date_of_birth, NewPerson};
use crate::validation::{optional_text, required_text, Validation};
use crate::{FieldError, NhsNumber, PrisonId, PrisonNumber};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use time::{Date, Month};

/// Defines a closed list of choices (a small catalogue): each choice has a
/// stable code (forms, API, database) and a plain-English label. Generates
/// `ALL`, `code`, `label`, `parse` (code or label, any case), `Display` (the
/// label) and serde as the code, read back through `parse`.
macro_rules! catalogue {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, $label:literal; )+
        }
        unknown = $unknown:literal;
    ) => {
        $(#[$meta])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        #[serde(try_from = "String", into = "&'static str")]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every choice, in the order forms offer them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in forms, the API and the database.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The plain-English label people read.
            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// Reads a code (or the label, for people typing into the API),
            /// ignoring case and surrounding spaces.
            pub fn parse(
                input: &str,
            ) -> ::std::result::Result<Self, $crate::person_details::UnknownChoice> {
                let s = input.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|c| c.code().eq_ignore_ascii_case(s) || c.label().eq_ignore_ascii_case(s))
                    .ok_or($crate::person_details::UnknownChoice($unknown))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl ::std::convert::From<$name> for &'static str {
            fn from(c: $name) -> &'static str {
                c.code()
            }
        }

        impl ::std::convert::TryFrom<String> for $name {
            type Error = $crate::person_details::UnknownChoice;
            fn try_from(s: String) -> ::std::result::Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }
    };
}
pub(crate) use catalogue;

/// A value that is not one of the choices offered. The message says which
/// question it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnknownChoice(pub &'static str);

// ---------------------------------------------------------------------------
// Age
// ---------------------------------------------------------------------------

/// RECONNECT supports adults: the triage eligibility rule is "18 or over".
pub const ADULT_AGE: i32 = 18;

/// Is the person 18 or over on `on`? (Used at referral and triage; a record
/// for a younger person is still accepted so that they can be told clearly.)
pub fn is_adult_on(date_of_birth: Date, on: Date) -> bool {
    age_on(date_of_birth, on) >= ADULT_AGE
}

/// The first day on which the person is 18. Someone born on 29 February is
/// 18 on 1 March in a year with no 29 February, matching
/// [`crate::person::age_on`]. `None` only beyond the calendar's range.
pub fn adult_from(date_of_birth: Date) -> Option<Date> {
    let year = date_of_birth.year().checked_add(ADULT_AGE)?;
    Date::from_calendar_date(year, date_of_birth.month(), date_of_birth.day())
        .or_else(|_| Date::from_calendar_date(year, Month::March, 1))
        .ok()
}

/// The plain-English answer for referral and triage when the person is under
/// 18 on `on`; `None` when they are 18 or over.
pub fn under_18_message(date_of_birth: Date, on: Date) -> Option<String> {
    if is_adult_on(date_of_birth, on) {
        return None;
    }
    let age = age_on(date_of_birth, on);
    let turns = adult_from(date_of_birth)
        .map(|d| format!(" They will be 18 on {}.", long_date(d)))
        .unwrap_or_default();
    Some(format!(
        "RECONNECT supports people aged 18 or over. This person is {age}.{turns}"
    ))
}

fn long_date(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

// ---------------------------------------------------------------------------
// Names, pronouns and gender
// ---------------------------------------------------------------------------

/// The person's legal name, as on their prison and NHS records.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LegalName {
    pub given_name: String,
    pub family_name: String,
}

impl fmt::Display for LegalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.given_name, self.family_name)
    }
}

/// Pronouns: free text, with the common choices recognised however they are
/// typed ("He / Him", "he him", "HE/HIM" are all [`Pronouns::HeHim`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Pronouns {
    HeHim,
    SheHer,
    TheyThem,
    /// Anything else, as the person gave it (for example "she/they", "ze/zir").
    SelfDescribed(String),
}

impl Pronouns {
    /// The common choices forms offer as suggestions.
    pub const COMMON: [Pronouns; 3] = [Pronouns::HeHim, Pronouns::SheHer, Pronouns::TheyThem];
    pub const MAX_CHARS: usize = 50;

    /// Blank is `None` (not recorded). Errors name the field.
    pub fn parse(input: &str) -> Result<Option<Self>, String> {
        let Some(text) = optional_text(input, "pronouns", Self::MAX_CHARS)? else {
            return Ok(None);
        };
        let key = text
            .to_lowercase()
            .split(|c: char| c == '/' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        Ok(Some(match key.as_str() {
            "he/him" => Pronouns::HeHim,
            "she/her" => Pronouns::SheHer,
            "they/them" => Pronouns::TheyThem,
            _ => Pronouns::SelfDescribed(text),
        }))
    }

    pub fn as_str(&self) -> &str {
        match self {
            Pronouns::HeHim => "he/him",
            Pronouns::SheHer => "she/her",
            Pronouns::TheyThem => "they/them",
            Pronouns::SelfDescribed(s) => s,
        }
    }
}

impl fmt::Display for Pronouns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Gender, as the person describes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Gender {
    Woman,
    Man,
    NonBinary,
    /// In the person's own words.
    SelfDescribed(String),
    /// The person chose not to say (an answer, unlike "not recorded").
    PreferNotToSay,
}

impl Gender {
    /// The radio choices: (code, label). "self_described" reveals a text box.
    pub const CHOICES: [(&'static str, &'static str); 5] = [
        ("woman", "Woman"),
        ("man", "Man"),
        ("non_binary", "Non-binary"),
        ("self_described", "In their own words"),
        ("prefer_not_to_say", "Prefer not to say"),
    ];
    pub const MAX_CHARS: usize = 100;

    /// Reads the `gender` choice and the `gender_self_described` text. A blank
    /// choice is `None` (not recorded).
    pub fn parse(choice: &str, self_described: &str) -> Result<Option<Self>, Vec<FieldError>> {
        let gender = match choice.trim().to_ascii_lowercase().as_str() {
            "" => return Ok(None),
            "woman" => Gender::Woman,
            "man" => Gender::Man,
            "non_binary" | "non-binary" => Gender::NonBinary,
            "prefer_not_to_say" => Gender::PreferNotToSay,
            "self_described" => required_text(
                self_described,
                "the person's gender in their own words",
                Self::MAX_CHARS,
            )
            .map(Gender::SelfDescribed)
            .map_err(|m| vec![FieldError::new("gender_self_described", m)])?,
            _ => {
                return Err(vec![FieldError::new(
                    "gender",
                    "Choose the person's gender from the list, or describe it in their own words",
                )])
            }
        };
        Ok(Some(gender))
    }

    pub fn code(&self) -> &'static str {
        match self {
            Gender::Woman => "woman",
            Gender::Man => "man",
            Gender::NonBinary => "non_binary",
            Gender::SelfDescribed(_) => "self_described",
            Gender::PreferNotToSay => "prefer_not_to_say",
        }
    }

    /// What to show: the label, or the person's own words.
    pub fn label(&self) -> &str {
        match self {
            Gender::Woman => "Woman",
            Gender::Man => "Man",
            Gender::NonBinary => "Non-binary",
            Gender::SelfDescribed(s) => s,
            Gender::PreferNotToSay => "Prefer not to say",
        }
    }
}

// ---------------------------------------------------------------------------
// Ethnicity: ONS 2021 Census, England and Wales (5 groups, 19 categories)
// ---------------------------------------------------------------------------

catalogue! {
    /// The five high-level ethnic groups of the 2021 Census in England and
    /// Wales, in the order the ONS publishes them.
    pub enum EthnicGroup {
        Asian = "asian", "Asian, Asian British or Asian Welsh";
        Black = "black", "Black, Black British, Black Welsh, Caribbean or African";
        Mixed = "mixed", "Mixed or Multiple ethnic groups";
        White = "white", "White";
        Other = "other", "Other ethnic group";
    }
    unknown = "Choose the person's ethnic group from the list";
}

catalogue! {
    /// The nineteen ethnic categories of the 2021 Census in England and Wales.
    /// Labels are as the ONS words them; read them with their group
    /// ([`EthnicCategory::full_label`]) where the group is not shown.
    pub enum EthnicCategory {
        AsianBangladeshi = "asian_bangladeshi", "Bangladeshi";
        AsianChinese = "asian_chinese", "Chinese";
        AsianIndian = "asian_indian", "Indian";
        AsianPakistani = "asian_pakistani", "Pakistani";
        AsianOther = "asian_other", "Any other Asian background";
        BlackAfrican = "black_african", "African";
        BlackCaribbean = "black_caribbean", "Caribbean";
        BlackOther = "black_other", "Any other Black, Black British or Caribbean background";
        MixedWhiteAndAsian = "mixed_white_and_asian", "White and Asian";
        MixedWhiteAndBlackAfrican = "mixed_white_and_black_african", "White and Black African";
        MixedWhiteAndBlackCaribbean = "mixed_white_and_black_caribbean", "White and Black Caribbean";
        MixedOther = "mixed_other", "Any other Mixed or Multiple ethnic background";
        WhiteBritish = "white_british", "English, Welsh, Scottish, Northern Irish or British";
        WhiteIrish = "white_irish", "Irish";
        WhiteGypsyOrIrishTraveller = "white_gypsy_or_irish_traveller", "Gypsy or Irish Traveller";
        WhiteRoma = "white_roma", "Roma";
        WhiteOther = "white_other", "Any other White background";
        OtherArab = "other_arab", "Arab";
        OtherAny = "other_any", "Any other ethnic group";
    }
    unknown = "Choose the person's ethnic group from the list";
}

impl EthnicGroup {
    /// The categories in this group, in the order forms offer them.
    pub fn categories(self) -> impl Iterator<Item = EthnicCategory> {
        EthnicCategory::ALL
            .iter()
            .copied()
            .filter(move |c| c.group() == self)
    }
}

impl EthnicCategory {
    pub fn group(self) -> EthnicGroup {
        use EthnicCategory::*;
        match self {
            AsianBangladeshi | AsianChinese | AsianIndian | AsianPakistani | AsianOther => {
                EthnicGroup::Asian
            }
            BlackAfrican | BlackCaribbean | BlackOther => EthnicGroup::Black,
            MixedWhiteAndAsian
            | MixedWhiteAndBlackAfrican
            | MixedWhiteAndBlackCaribbean
            | MixedOther => EthnicGroup::Mixed,
            WhiteBritish | WhiteIrish | WhiteGypsyOrIrishTraveller | WhiteRoma | WhiteOther => {
                EthnicGroup::White
            }
            OtherArab | OtherAny => EthnicGroup::Other,
        }
    }

    /// Is this an "any other ... background" category, where the census
    /// invites the person to describe it?
    pub fn is_any_other(self) -> bool {
        use EthnicCategory::*;
        matches!(
            self,
            AsianOther | BlackOther | MixedOther | WhiteOther | OtherAny
        )
    }

    /// "Group: category", for places that show the category alone.
    pub fn full_label(self) -> String {
        format!("{}: {}", self.group().label(), self.label())
    }
}

/// The person's ethnicity, as they describe it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ethnicity {
    Stated {
        category: EthnicCategory,
        /// The person's description, only for "any other" categories.
        description: Option<String>,
    },
    /// The person chose not to say (an answer, unlike "not recorded").
    PreferNotToSay,
}

impl Ethnicity {
    pub const PREFER_NOT_TO_SAY: &'static str = "prefer_not_to_say";
    pub const MAX_DESCRIPTION_CHARS: usize = 100;

    /// Reads the `ethnicity` choice (a category code, or "prefer_not_to_say")
    /// and the `ethnicity_other` description. A blank choice is `None` (not
    /// recorded). A description is kept only for "any other" categories.
    pub fn parse(choice: &str, description: &str) -> Result<Option<Self>, Vec<FieldError>> {
        let c = choice.trim();
        if c.is_empty() {
            return Ok(None);
        }
        if c.eq_ignore_ascii_case(Self::PREFER_NOT_TO_SAY)
            || c.eq_ignore_ascii_case("Prefer not to say")
        {
            return Ok(Some(Ethnicity::PreferNotToSay));
        }
        let category =
            EthnicCategory::parse(c).map_err(|e| vec![FieldError::new("ethnicity", e.0)])?;
        let description = if category.is_any_other() {
            optional_text(
                description,
                "a description of their ethnic background",
                Self::MAX_DESCRIPTION_CHARS,
            )
            .map_err(|m| vec![FieldError::new("ethnicity_other", m)])?
        } else {
            None
        };
        Ok(Some(Ethnicity::Stated {
            category,
            description,
        }))
    }

    pub fn category(&self) -> Option<EthnicCategory> {
        match self {
            Ethnicity::Stated { category, .. } => Some(*category),
            Ethnicity::PreferNotToSay => None,
        }
    }
}

// ---------------------------------------------------------------------------
// Communication and accessibility needs
// ---------------------------------------------------------------------------

catalogue! {
    /// Communication and accessibility needs from the catalogue; anything else
    /// goes in [`CommunicationNeeds::other`].
    pub enum CommunicationNeed {
        PrefersTexts = "prefers_texts", "Prefers texts";
        QuietRoom = "quiet_room", "Needs a quiet room";
        ReadingSupport = "reading_support", "Needs support with reading";
        EasyRead = "easy_read", "Easy read information";
        BslInterpreter = "bsl_interpreter", "British Sign Language (BSL) interpreter";
        HearingLoop = "hearing_loop", "Hearing loop";
        LargePrint = "large_print", "Large print";
        ExtraTime = "extra_time", "Neurodivergent: give extra time";
    }
    unknown = "Choose communication and accessibility needs from the list";
}

/// The person's communication and accessibility needs: any from the catalogue
/// plus, optionally, others in words.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CommunicationNeeds {
    pub needs: BTreeSet<CommunicationNeed>,
    pub other: Option<String>,
}

impl CommunicationNeeds {
    /// The checkbox value that reveals the "other" text box.
    pub const OTHER: &'static str = "other";
    pub const MAX_OTHER_CHARS: usize = 500;

    /// Reads the ticked `communication_needs` codes and the
    /// `communication_needs_other` text. Ticking "other" makes the text
    /// required; text without the tick is kept.
    pub fn parse(codes: &[&str], other: &str) -> Result<Self, Vec<FieldError>> {
        let mut v = Validation::new();
        let mut needs = BTreeSet::new();
        let mut other_ticked = false;
        let mut unknown = false;
        for code in codes.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            if code.eq_ignore_ascii_case(Self::OTHER) {
                other_ticked = true;
            } else if let Ok(need) = CommunicationNeed::parse(code) {
                needs.insert(need);
            } else {
                unknown = true;
            }
        }
        if unknown {
            v.add(
                "communication_needs",
                "Choose communication and accessibility needs from the list",
            );
        }
        let what = "the other communication or accessibility need";
        let other = if other_ticked {
            v.check(
                "communication_needs_other",
                required_text(other, what, Self::MAX_OTHER_CHARS),
            )
        } else {
            v.check(
                "communication_needs_other",
                optional_text(other, what, Self::MAX_OTHER_CHARS),
            )
            .flatten()
        };
        v.finish(|| Some(CommunicationNeeds { needs, other }))
    }

    pub fn contains(&self, need: CommunicationNeed) -> bool {
        self.needs.contains(&need)
    }

    pub fn is_empty(&self) -> bool {
        self.needs.is_empty() && self.other.is_none()
    }
}

// ---------------------------------------------------------------------------
// NHS number, or why it is not known
// ---------------------------------------------------------------------------

/// The NHS number when known; when not, the reason must be recorded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NhsNumberStatus {
    Known(NhsNumber),
    Unknown { reason: UnknownNhsReason },
}

/// Why the NHS number is not known.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum UnknownNhsReason {
    /// Not yet traced on the NHS Personal Demographics Service.
    NotYetTraced,
    /// The person does not know their number.
    PersonDoesNotKnow,
    /// The person has never been registered with the NHS.
    NotRegistered,
    /// Another reason, in words.
    Other(String),
}

impl UnknownNhsReason {
    /// The radio choices: (code, label). "other" reveals a text box.
    pub const CHOICES: [(&'static str, &'static str); 4] = [
        ("not_yet_traced", "Not traced yet"),
        ("person_does_not_know", "The person does not know it"),
        ("not_registered", "Never registered with the NHS"),
        ("other", "Another reason"),
    ];
    pub const MAX_OTHER_CHARS: usize = 200;

    pub fn code(&self) -> &'static str {
        match self {
            UnknownNhsReason::NotYetTraced => "not_yet_traced",
            UnknownNhsReason::PersonDoesNotKnow => "person_does_not_know",
            UnknownNhsReason::NotRegistered => "not_registered",
            UnknownNhsReason::Other(_) => "other",
        }
    }

    /// What to show: the label, or the reason in words.
    pub fn label(&self) -> &str {
        match self {
            UnknownNhsReason::NotYetTraced => "Not traced yet",
            UnknownNhsReason::PersonDoesNotKnow => "The person does not know it",
            UnknownNhsReason::NotRegistered => "Never registered with the NHS",
            UnknownNhsReason::Other(s) => s,
        }
    }
}

impl NhsNumberStatus {
    /// Reads `nhs_number`, or when it is blank, `nhs_number_unknown_reason`
    /// and (for "other") `nhs_number_unknown_other`. A reason sent alongside a
    /// number is ignored: the number is what matters.
    pub fn parse(number: &str, reason: &str, reason_other: &str) -> Result<Self, Vec<FieldError>> {
        if !number.trim().is_empty() {
            return NhsNumber::parse(number)
                .map(NhsNumberStatus::Known)
                .map_err(|e| vec![FieldError::new("nhs_number", e.to_string())]);
        }
        let reason = match reason.trim().to_ascii_lowercase().as_str() {
            "" => {
                return Err(vec![FieldError::new(
                    "nhs_number",
                    "Enter the NHS number, or choose why it is not known",
                )])
            }
            "not_yet_traced" => UnknownNhsReason::NotYetTraced,
            "person_does_not_know" => UnknownNhsReason::PersonDoesNotKnow,
            "not_registered" => UnknownNhsReason::NotRegistered,
            "other" => required_text(
                reason_other,
                "the reason the NHS number is not known",
                UnknownNhsReason::MAX_OTHER_CHARS,
            )
            .map(UnknownNhsReason::Other)
            .map_err(|m| vec![FieldError::new("nhs_number_unknown_other", m)])?,
            _ => {
                return Err(vec![FieldError::new(
                    "nhs_number_unknown_reason",
                    "Choose why the NHS number is not known from the list",
                )])
            }
        };
        Ok(NhsNumberStatus::Unknown { reason })
    }

    /// The number, when known.
    pub fn known(&self) -> Option<&NhsNumber> {
        match self {
            NhsNumberStatus::Known(n) => Some(n),
            NhsNumberStatus::Unknown { .. } => None,
        }
    }
}

// ---------------------------------------------------------------------------
// Probation case reference number (CRN)
// ---------------------------------------------------------------------------

/// A probation case reference number (CRN), as used by the Probation Service's
/// case management system: one letter followed by six digits, e.g. X123456.
///
/// Accepted: that shape in either case, with spaces anywhere ("x 123 456");
/// stored upper-case with no spaces. Anything else is refused, including other
/// lengths and non-ASCII letters or digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProbationCaseReference(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "Enter the probation case reference number (CRN) in the format X123456: a letter and 6 numbers"
)]
pub struct ProbationCaseReferenceError;

impl ProbationCaseReference {
    pub fn parse(input: &str) -> Result<Self, ProbationCaseReferenceError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let b = s.as_bytes();
        let ok = b.len() == 7 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit);
        if ok {
            Ok(Self(s))
        } else {
            Err(ProbationCaseReferenceError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProbationCaseReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ProbationCaseReference {
    type Error = ProbationCaseReferenceError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ProbationCaseReference> for String {
    fn from(c: ProbationCaseReference) -> String {
        c.0
    }
}

// ---------------------------------------------------------------------------
// UK phone numbers
// ---------------------------------------------------------------------------

/// A UK mobile or landline number, stored in E.164 form (`+447700900123`).
///
/// Accepted input: the national form starting 0 (`07700 900123`), or the
/// international form starting `+44`, `0044` or `44` (`+44 7700 900123`,
/// `+44 (0)7700 900123`), with spaces, hyphens, dots and brackets anywhere.
///
/// Accepted ranges (after the leading 0): 01 with 9 or 10 digits (a few
/// areas still have 5-digit local numbers), 02 and 03 with 10 digits, and
/// mobiles 071–075, 077–079 and 07624 (Isle of Man) with 10 digits. Refused:
/// 070 (personal numbering) and other 076 numbers (pagers), and 04, 05, 06,
/// 08 and 09 numbers, which are not a person's own phone.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UkPhoneNumber(String);

/// What is wrong with a phone number. [`PhoneNumberError::message`] words it
/// for a particular field; `Display` uses "phone number".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneNumberError {
    Empty,
    InvalidCharacters,
    NotUk,
    WrongStart,
    TooShort,
    TooLong,
    NotMobileOrLandline,
    PersonalOrPager,
}

impl PhoneNumberError {
    /// The message for a field: `enter` is used as "Enter {enter}" (e.g.
    /// "the nominated contact's phone number") and `subject` starts the other
    /// messages (e.g. "Nominated contact's phone number").
    pub fn message(&self, enter: &str, subject: &str) -> String {
        use PhoneNumberError::*;
        match self {
            Empty => format!("Enter {enter}"),
            InvalidCharacters => format!(
                "{subject} must only include numbers 0 to 9, spaces, brackets, hyphens and a + at the start"
            ),
            NotUk => format!("{subject} must be a UK number, starting 0 or +44"),
            WrongStart => format!("{subject} must start with 0 or +44, like 07700 900123"),
            TooShort => format!(
                "{subject} is too short: enter 11 digits starting with 0, like 07700 900123"
            ),
            TooLong => format!(
                "{subject} is too long: enter 11 digits starting with 0, like 07700 900123"
            ),
            NotMobileOrLandline => format!(
                "{subject} must be a UK mobile or landline number, starting 01, 02, 03 or 07"
            ),
            PersonalOrPager => format!(
                "{subject} must be a mobile or landline number: numbers starting 070 or 076 are not"
            ),
        }
    }
}

impl fmt::Display for PhoneNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message("a phone number", "Phone number"))
    }
}

impl std::error::Error for PhoneNumberError {}

impl UkPhoneNumber {
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        use PhoneNumberError::*;
        let t = input.trim();
        if t.is_empty() {
            return Err(Empty);
        }
        let (plus, rest) = match t.strip_prefix('+') {
            Some(r) => (true, r),
            None => (false, t),
        };
        let mut digits = String::new();
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                '-' | '(' | ')' | '.' => {}
                c if c.is_whitespace() => {}
                _ => return Err(InvalidCharacters),
            }
        }
        if digits.is_empty() {
            return Err(TooShort);
        }
        let international = if plus {
            Some(digits.strip_prefix("44").ok_or(if digits.len() < 2 {
                TooShort
            } else {
                NotUk
            })?)
        } else if let Some(r) = digits.strip_prefix("00") {
            Some(r.strip_prefix("44").ok_or(NotUk)?)
        } else if digits.starts_with('0') {
            None
        } else if digits.len() >= 11 {
            Some(digits.strip_prefix("44").ok_or(WrongStart)?)
        } else {
            return Err(WrongStart);
        };
        let nsn = match international {
            // "+44 (0)7700 900123": drop the 0 written in brackets.
            Some(r) => r.strip_prefix('0').unwrap_or(r),
            None => digits.get(1..).unwrap_or_default(),
        };
        let (min, max) = match nsn.as_bytes().first() {
            None => return Err(TooShort),
            Some(b'1') => (9, 10),
            Some(b'2' | b'3') => (10, 10),
            Some(b'7') => {
                let pager = nsn.starts_with("76") && nsn.len() >= 4 && !nsn.starts_with("7624");
                if nsn.starts_with("70") || pager {
                    return Err(PersonalOrPager);
                }
                (10, 10)
            }
            Some(_) => return Err(NotMobileOrLandline),
        };
        if nsn.len() < min {
            return Err(TooShort);
        }
        if nsn.len() > max {
            return Err(TooLong);
        }
        Ok(Self(format!("+44{nsn}")))
    }

    /// E.164, as stored and as text-message services expect: `+447700900123`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Is this a mobile (so it can receive text messages)?
    pub fn is_mobile(&self) -> bool {
        self.national_significant_number().starts_with('7')
    }

    /// The national form people read, grouped the usual way:
    /// `07700 900123`, `020 7946 0000`, `0113 496 0000`, `01632 960001`,
    /// `0300 123 4567`.
    pub fn national_format(&self) -> String {
        let n = self.national_significant_number();
        let b = n.as_bytes();
        let sizes: &[usize] = match (b.first(), n.len()) {
            (Some(b'2'), 10) => &[2, 4, 4],
            (Some(b'3'), 10) => &[3, 3, 4],
            (Some(b'1'), 10) if b.get(1) == Some(&b'1') || b.get(2) == Some(&b'1') => &[3, 3, 4],
            _ => &[4, 6],
        };
        let mut out = String::from("0");
        let mut chars = n.chars();
        for (i, size) in sizes.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.extend(chars.by_ref().take(*size));
        }
        out
    }

    fn national_significant_number(&self) -> &str {
        self.0.strip_prefix("+44").unwrap_or(&self.0)
    }
}

impl fmt::Display for UkPhoneNumber {
    /// The national form people read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.national_format())
    }
}

impl TryFrom<String> for UkPhoneNumber {
    type Error = PhoneNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<UkPhoneNumber> for String {
    fn from(p: UkPhoneNumber) -> String {
        p.0
    }
}

// ---------------------------------------------------------------------------
// Addresses and contact after release
// ---------------------------------------------------------------------------

/// The release address's postcode: the strict UK postcode of
/// [`crate::postcode`] (real postcode areas and the letters allowed in each
/// position), so the directory can look it up to find services nearby.
pub use crate::postcode::{Postcode, PostcodeError};

/// A postal address in the UK.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PostalAddress {
    pub line_1: String,
    pub line_2: Option<String>,
    pub town: String,
    pub postcode: Postcode,
}

/// Where the person will live after release.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReleaseAddress {
    Address(PostalAddress),
    /// No fixed abode: the person has nowhere settled to live.
    NoFixedAbode,
    /// Not known yet (common before release; update it when it is).
    NotYetKnown,
}

impl ReleaseAddress {
    /// The radio choices for `address_kind`: (code, label).
    pub const CHOICES: [(&'static str, &'static str); 3] = [
        ("address", "An address"),
        ("no_fixed_abode", "No fixed abode"),
        ("not_yet_known", "Not known yet"),
    ];
    pub const MAX_LINE_CHARS: usize = 100;

    /// Reads `address_kind` and the address lines. A blank kind means
    /// "address" when any line is filled in, and "not known yet" when none is.
    /// For "no fixed abode" and "not known yet", any lines are ignored.
    pub fn parse(
        kind: &str,
        line_1: &str,
        line_2: &str,
        town: &str,
        postcode: &str,
    ) -> Result<Self, Vec<FieldError>> {
        let any_line = [line_1, line_2, town, postcode]
            .iter()
            .any(|l| !l.trim().is_empty());
        match kind.trim().to_ascii_lowercase().as_str() {
            "address" => {}
            "" if any_line => {}
            "" | "not_yet_known" => return Ok(ReleaseAddress::NotYetKnown),
            "no_fixed_abode" => return Ok(ReleaseAddress::NoFixedAbode),
            _ => {
                return Err(vec![FieldError::new(
                    "address_kind",
                    "Choose where the person will live after release: an address, no fixed abode or not known yet",
                )])
            }
        }
        let max = Self::MAX_LINE_CHARS;
        let mut v = Validation::new();
        let line_1 = v.check(
            "address_line_1",
            required_text(line_1, "the first line of the address", max),
        );
        let line_2 = v
            .check(
                "address_line_2",
                optional_text(line_2, "the second line of the address", max),
            )
            .flatten();
        let town = v.check("address_town", required_text(town, "the town or city", max));
        let postcode = v.check("address_postcode", Postcode::parse(postcode));
        v.finish(|| {
            Some(ReleaseAddress::Address(PostalAddress {
                line_1: line_1?,
                line_2,
                town: town?,
                postcode: postcode?,
            }))
        })
    }
}

catalogue! {
    /// How the person would like to be contacted after release.
    pub enum ContactChannel {
        PhoneCall = "phone_call", "Phone call";
        Text = "text", "Text message";
        Email = "email", "Email";
        Letter = "letter", "Letter";
        NominatedContact = "nominated_contact", "Through their nominated contact";
    }
    unknown = "Choose how the person would like to be contacted from the list";
}

/// Contact details after release. The person may have no phone or email yet.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContactAfterRelease {
    pub phone: Option<UkPhoneNumber>,
    pub email: Option<EmailAddress>,
    pub address: ReleaseAddress,
    pub preferred_channel: Option<ContactChannel>,
}

/// Someone the person has chosen to be contacted through, or about them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NominatedContact {
    pub name: String,
    /// Their relationship to the person, in words (e.g. "sister", "friend").
    pub relationship: String,
    pub phone: UkPhoneNumber,
}

impl NominatedContact {
    pub const MAX_CHARS: usize = 100;

    /// Reads `nominated_name`, `nominated_relationship` and `nominated_phone`.
    /// All blank is `None`; once any is filled in, all three are needed.
    pub fn parse(
        name: &str,
        relationship: &str,
        phone: &str,
    ) -> Result<Option<Self>, Vec<FieldError>> {
        if [name, relationship, phone]
            .iter()
            .all(|s| s.trim().is_empty())
        {
            return Ok(None);
        }
        let mut v = Validation::new();
        let name = v.check(
            "nominated_name",
            required_text(name, "the nominated contact's name", Self::MAX_CHARS),
        );
        let relationship = v.check(
            "nominated_relationship",
            required_text(
                relationship,
                "the nominated contact's relationship to the person",
                Self::MAX_CHARS,
            ),
        );
        let phone = v.check(
            "nominated_phone",
            UkPhoneNumber::parse(phone).map_err(|e| {
                e.message(
                    "the nominated contact's phone number",
                    "Nominated contact's phone number",
                )
            }),
        );
        v.finish(|| {
            Some(Some(NominatedContact {
                name: name?,
                relationship: relationship?,
                phone: phone?,
            }))
        })
    }
}

// ---------------------------------------------------------------------------
// The whole record
// ---------------------------------------------------------------------------

/// Reads "yes"/"no" from a checkbox or radio: blank, "no", "false", "off"
/// and "0" are no; "yes", "true", "on" and "1" are yes.
fn parse_yes_no(input: &str, subject: &str) -> Result<bool, String> {
    match input.trim().to_ascii_lowercase().as_str() {
        "" | "no" | "false" | "off" | "0" => Ok(false),
        "yes" | "true" | "on" | "1" => Ok(true),
        _ => Err(format!("{subject} must be yes or no")),
    }
}

/// Moves a sub-form's errors into `v`, keeping the value when there were none.
fn absorb<T>(v: &mut Validation, result: Result<T, Vec<FieldError>>) -> Option<T> {
    match result {
        Ok(t) => Some(t),
        Err(errors) => {
            for e in errors {
                v.add(e.field, e.message);
            }
            None
        }
    }
}

/// Everything known about a person, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonDetails {
    pub legal_name: LegalName,
    pub preferred_name: Option<String>,
    pub pronouns: Option<Pronouns>,
    /// `None`: not recorded.
    pub gender: Option<Gender>,
    pub date_of_birth: Date,
    /// `None`: not recorded.
    pub ethnicity: Option<Ethnicity>,
    pub first_language: Option<String>,
    pub interpreter_needed: bool,
    pub communication_needs: CommunicationNeeds,
    pub nhs_number: NhsNumberStatus,
    pub prison_number: PrisonNumber,
    pub prison_id: PrisonId,
    pub probation_case_reference: Option<ProbationCaseReference>,
    pub contact: ContactAfterRelease,
    pub nominated_contact: Option<NominatedContact>,
}

/// The form as text, before parsing. Each field's doc gives the form field id
/// that errors name; the fields are listed in page order, and errors come back
/// in the same order.
#[derive(Clone, Debug, Default)]
pub struct PersonDetailsInput<'a> {
    /// `given_name` (required)
    pub given_name: &'a str,
    /// `family_name` (required)
    pub family_name: &'a str,
    /// `preferred_name`
    pub preferred_name: &'a str,
    /// `pronouns`: free text; he/him, she/her and they/them are recognised.
    pub pronouns: &'a str,
    /// `gender`: a code from [`Gender::CHOICES`], or blank.
    pub gender: &'a str,
    /// `gender_self_described`: needed when `gender` is "self_described".
    pub gender_self_described: &'a str,
    /// `date_of_birth` (the three boxes; required)
    pub dob_day: &'a str,
    pub dob_month: &'a str,
    pub dob_year: &'a str,
    /// `ethnicity`: an [`EthnicCategory`] code, "prefer_not_to_say", or blank.
    pub ethnicity: &'a str,
    /// `ethnicity_other`: description for an "any other" category.
    pub ethnicity_other: &'a str,
    /// `first_language`: free text; needed when an interpreter is.
    pub first_language: &'a str,
    /// `interpreter_needed`: yes/no (a checkbox; blank is no).
    pub interpreter_needed: &'a str,
    /// `communication_needs`: ticked [`CommunicationNeed`] codes, and "other".
    pub communication_needs: &'a [&'a str],
    /// `communication_needs_other`
    pub communication_needs_other: &'a str,
    /// `nhs_number`: or, when blank, the reason below (required).
    pub nhs_number: &'a str,
    /// `nhs_number_unknown_reason`: a code from [`UnknownNhsReason::CHOICES`].
    pub nhs_number_unknown_reason: &'a str,
    /// `nhs_number_unknown_other`: needed when the reason is "other".
    pub nhs_number_unknown_other: &'a str,
    /// `prison_number` (required)
    pub prison_number: &'a str,
    /// `prison_id` (required)
    pub prison_id: &'a str,
    /// `probation_case_reference`: a CRN such as X123456, or blank.
    pub probation_case_reference: &'a str,
    /// `phone`: UK mobile or landline, or blank.
    pub phone: &'a str,
    /// `email`, or blank.
    pub email: &'a str,
    /// `address_kind`: "address", "no_fixed_abode", "not_yet_known" or blank.
    pub address_kind: &'a str,
    /// `address_line_1`
    pub address_line_1: &'a str,
    /// `address_line_2`
    pub address_line_2: &'a str,
    /// `address_town`
    pub address_town: &'a str,
    /// `address_postcode`
    pub address_postcode: &'a str,
    /// `nominated_name`
    pub nominated_name: &'a str,
    /// `nominated_relationship`
    pub nominated_relationship: &'a str,
    /// `nominated_phone`
    pub nominated_phone: &'a str,
    /// `preferred_contact`: a [`ContactChannel`] code, or blank.
    pub preferred_contact: &'a str,
}

impl PersonDetails {
    pub const MAX_NAME_CHARS: usize = 100;
    pub const MAX_LANGUAGE_CHARS: usize = 100;

    /// Parses every field, collecting all problems at once, each naming its
    /// form field. `today` bounds the date of birth. A person under 18 is
    /// accepted here; see [`under_18_message`] for referral and triage.
    ///
    /// Besides each field's own rules, the preferred way of contact must be
    /// possible: a phone call needs a phone number, a text message a mobile
    /// number, an email an email address, a letter an address, and "through
    /// their nominated contact" a nominated contact.
    pub fn parse(input: &PersonDetailsInput<'_>, today: Date) -> Result<Self, Vec<FieldError>> {
        let mut v = Validation::new();
        let names = Self::MAX_NAME_CHARS;
        let given_name = v.check(
            "given_name",
            required_text(input.given_name, "a first name", names),
        );
        let family_name = v.check(
            "family_name",
            required_text(input.family_name, "a last name", names),
        );
        let preferred_name = v
            .check(
                "preferred_name",
                optional_text(input.preferred_name, "a preferred name", names),
            )
            .flatten();
        let pronouns = v
            .check("pronouns", Pronouns::parse(input.pronouns))
            .flatten();
        let gender = absorb(
            &mut v,
            Gender::parse(input.gender, input.gender_self_described),
        )
        .flatten();
        let date_of_birth = v.check(
            "date_of_birth",
            parse_date_of_birth(input.dob_day, input.dob_month, input.dob_year, today),
        );
        let ethnicity = absorb(
            &mut v,
            Ethnicity::parse(input.ethnicity, input.ethnicity_other),
        )
        .flatten();

        let interpreter = parse_yes_no(input.interpreter_needed, "Interpreter needed");
        let first_language = v
            .check(
                "first_language",
                optional_text(
                    input.first_language,
                    "the first language",
                    Self::MAX_LANGUAGE_CHARS,
                ),
            )
            .flatten();
        if interpreter == Ok(true)
            && first_language.is_none()
            && input.first_language.trim().is_empty()
        {
            v.add(
                "first_language",
                "Enter the person's first language, so that the right interpreter can be booked",
            );
        }
        let interpreter_needed = v.check("interpreter_needed", interpreter).unwrap_or(false);

        let communication_needs = absorb(
            &mut v,
            CommunicationNeeds::parse(input.communication_needs, input.communication_needs_other),
        )
        .unwrap_or_default();
        let nhs_number = absorb(
            &mut v,
            NhsNumberStatus::parse(
                input.nhs_number,
                input.nhs_number_unknown_reason,
                input.nhs_number_unknown_other,
            ),
        );
        let prison_number = v.check("prison_number", PrisonNumber::parse(input.prison_number));
        let prison_id = v.check(
            "prison_id",
            input
                .prison_id
                .trim()
                .parse::<PrisonId>()
                .map_err(|_| "Choose the prison the person is in"),
        );
        let probation_case_reference = if input.probation_case_reference.trim().is_empty() {
            None
        } else {
            v.check(
                "probation_case_reference",
                ProbationCaseReference::parse(input.probation_case_reference),
            )
        };

        // The preferred channel is read first so that a problem it causes is
        // reported against the field that needs changing, in page order.
        let channel_result = if input.preferred_contact.trim().is_empty() {
            Ok(None)
        } else {
            ContactChannel::parse(input.preferred_contact).map(Some)
        };
        let channel = channel_result.as_ref().ok().copied().flatten();

        let phone = if input.phone.trim().is_empty() {
            Some(None)
        } else {
            v.check("phone", UkPhoneNumber::parse(input.phone))
                .map(Some)
        };
        match (channel, &phone) {
            (Some(ContactChannel::PhoneCall), Some(None)) => v.add(
                "phone",
                "Enter a phone number, as a phone call is the preferred way to contact them",
            ),
            (Some(ContactChannel::Text), Some(None)) => v.add(
                "phone",
                "Enter a mobile number, as a text message is the preferred way to contact them",
            ),
            (Some(ContactChannel::Text), Some(Some(p))) if !p.is_mobile() => v.add(
                "phone",
                "Phone number must be a mobile number (starting 07) to send text messages, or choose another way to contact them",
            ),
            _ => {}
        }
        let email = if input.email.trim().is_empty() {
            Some(None)
        } else {
            v.check("email", EmailAddress::parse(input.email)).map(Some)
        };
        if channel == Some(ContactChannel::Email) && email == Some(None) {
            v.add(
                "email",
                "Enter an email address, as email is the preferred way to contact them",
            );
        }
        let address = absorb(
            &mut v,
            ReleaseAddress::parse(
                input.address_kind,
                input.address_line_1,
                input.address_line_2,
                input.address_town,
                input.address_postcode,
            ),
        );
        let nominated_contact = absorb(
            &mut v,
            NominatedContact::parse(
                input.nominated_name,
                input.nominated_relationship,
                input.nominated_phone,
            ),
        );
        let preferred_channel = v.check("preferred_contact", channel_result).flatten();
        match (channel, &address, &nominated_contact) {
            (Some(ContactChannel::Letter), Some(a), _)
                if !matches!(a, ReleaseAddress::Address(_)) =>
            {
                v.add(
                    "preferred_contact",
                    "Letters need an address: enter an address, or choose another way to contact them",
                )
            }
            (Some(ContactChannel::NominatedContact), _, Some(None)) => v.add(
                "preferred_contact",
                "Enter a nominated contact, or choose another way to contact them",
            ),
            _ => {}
        }

        v.finish(|| {
            Some(PersonDetails {
                legal_name: LegalName {
                    given_name: given_name?,
                    family_name: family_name?,
                },
                preferred_name,
                pronouns,
                gender,
                date_of_birth: date_of_birth?,
                ethnicity,
                first_language,
                interpreter_needed,
                communication_needs,
                nhs_number: nhs_number?,
                prison_number: prison_number?,
                prison_id: prison_id?,
                probation_case_reference,
                contact: ContactAfterRelease {
                    phone: phone?,
                    email: email?,
                    address: address?,
                    preferred_channel,
                },
                nominated_contact: nominated_contact?,
            })
        })
    }

    /// The part of the record the store understands today.
    pub fn to_new_person(&self) -> NewPerson {
        NewPerson {
            given_name: self.legal_name.given_name.clone(),
            family_name: self.legal_name.family_name.clone(),
            preferred_name: self.preferred_name.clone(),
            date_of_birth: self.date_of_birth,
            nhs_number: self.nhs_number.known().copied(),
            prison_number: self.prison_number.clone(),
            prison_id: self.prison_id,
        }
    }

    /// Is the person 18 or over on `on`?
    pub fn is_adult_on(&self, on: Date) -> bool {
        is_adult_on(self.date_of_birth, on)
    }

    /// The name to use when speaking to or about the person.
    pub fn known_as(&self) -> &str {
        self.preferred_name
            .as_deref()
            .unwrap_or(&self.legal_name.given_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 21);
    const PRISON: &str = "0196a3f0-0000-7000-8000-000000000001";

    fn full<'a>() -> PersonDetailsInput<'a> {
        PersonDetailsInput {
            given_name: "Daniel",
            family_name: "Okafor",
            preferred_name: "Dan",
            pronouns: "He / Him",
            gender: "man",
            gender_self_described: "",
            dob_day: "3",
            dob_month: "7",
            dob_year: "1990",
            ethnicity: "black_african",
            ethnicity_other: "",
            first_language: "Yoruba",
            interpreter_needed: "yes",
            communication_needs: &["prefers_texts", "quiet_room", "prefers_texts", "other"],
            communication_needs_other: "Morning appointments are easier",
            nhs_number: "943 476 5919",
            nhs_number_unknown_reason: "",
            nhs_number_unknown_other: "",
            prison_number: "a1234bc",
            prison_id: PRISON,
            probation_case_reference: "x 123 456",
            phone: "07700 900123",
            email: "Dan@Example.org",
            address_kind: "address",
            address_line_1: "1 Test Street",
            address_line_2: "",
            address_town: "Leeds",
            address_postcode: "ls1 4ap",
            nominated_name: "Grace Okafor",
            nominated_relationship: "Sister",
            nominated_phone: "+44 (0)113 496 0000",
            preferred_contact: "text",
        }
    }

    fn minimal<'a>() -> PersonDetailsInput<'a> {
        PersonDetailsInput {
            given_name: "Sam",
            family_name: "Lee",
            dob_day: "1",
            dob_month: "1",
            dob_year: "1980",
            nhs_number_unknown_reason: "not_yet_traced",
            prison_number: "B2345CD",
            prison_id: PRISON,
            ..Default::default()
        }
    }

    fn fields(errs: &[FieldError]) -> Vec<&str> {
        errs.iter().map(|e| e.field.as_str()).collect()
    }

    fn message<'e>(errs: &'e [FieldError], field: &str) -> &'e str {
        errs.iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
            .unwrap_or("")
    }

    fn phone(s: &str) -> UkPhoneNumber {
        UkPhoneNumber::parse(s).unwrap()
    }

    #[test]
    fn parses_a_full_form() {
        let p = PersonDetails::parse(&full(), TODAY).unwrap();
        assert_eq!(p.legal_name.to_string(), "Daniel Okafor");
        assert_eq!(p.known_as(), "Dan");
        assert_eq!(p.pronouns, Some(Pronouns::HeHim));
        assert_eq!(p.gender, Some(Gender::Man));
        assert_eq!(p.date_of_birth, date!(1990 - 07 - 03));
        assert_eq!(
            p.ethnicity,
            Some(Ethnicity::Stated {
                category: EthnicCategory::BlackAfrican,
                description: None
            })
        );
        assert_eq!(p.first_language.as_deref(), Some("Yoruba"));
        assert!(p.interpreter_needed);
        assert_eq!(
            p.communication_needs
                .needs
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            [
                CommunicationNeed::PrefersTexts,
                CommunicationNeed::QuietRoom
            ]
        );
        assert_eq!(
            p.communication_needs.other.as_deref(),
            Some("Morning appointments are easier")
        );
        assert_eq!(
            p.nhs_number.known().map(NhsNumber::digits).as_deref(),
            Some("9434765919")
        );
        assert_eq!(p.prison_number.as_str(), "A1234BC");
        assert_eq!(
            p.probation_case_reference.as_ref().map(|c| c.as_str()),
            Some("X123456")
        );
        assert_eq!(
            p.contact.phone.as_ref().map(|p| p.as_str()),
            Some("+447700900123")
        );
        assert_eq!(
            p.contact.email.as_ref().map(|e| e.as_str()),
            Some("dan@example.org")
        );
        match &p.contact.address {
            ReleaseAddress::Address(a) => {
                assert_eq!(a.line_1, "1 Test Street");
                assert_eq!(a.line_2, None);
                assert_eq!(a.town, "Leeds");
                assert_eq!(a.postcode.as_str(), "LS1 4AP");
            }
            other => panic!("expected an address, got {other:?}"),
        }
        assert_eq!(p.contact.preferred_channel, Some(ContactChannel::Text));
        let n = p.nominated_contact.as_ref().unwrap();
        assert_eq!(n.name, "Grace Okafor");
        assert_eq!(n.relationship, "Sister");
        assert_eq!(n.phone.as_str(), "+441134960000");
        assert!(p.is_adult_on(TODAY));
    }

    #[test]
    fn the_minimal_form_leaves_the_rest_unrecorded() {
        let p = PersonDetails::parse(&minimal(), TODAY).unwrap();
        assert_eq!(p.known_as(), "Sam");
        assert_eq!(p.pronouns, None);
        assert_eq!(p.gender, None);
        assert_eq!(p.ethnicity, None);
        assert_eq!(p.first_language, None);
        assert!(!p.interpreter_needed);
        assert!(p.communication_needs.is_empty());
        assert_eq!(
            p.nhs_number,
            NhsNumberStatus::Unknown {
                reason: UnknownNhsReason::NotYetTraced
            }
        );
        assert_eq!(p.probation_case_reference, None);
        assert_eq!(
            p.contact,
            ContactAfterRelease {
                phone: None,
                email: None,
                address: ReleaseAddress::NotYetKnown,
                preferred_channel: None
            }
        );
        assert_eq!(p.nominated_contact, None);
    }

    #[test]
    fn reports_every_bad_field_in_page_order() {
        let mut i = full();
        i.given_name = " ";
        i.family_name = "";
        i.pronouns = "she/they";
        i.gender = "robot";
        i.dob_month = "13";
        i.ethnicity = "martian";
        i.interpreter_needed = "maybe";
        i.communication_needs = &["telepathy"];
        i.communication_needs_other = "";
        i.nhs_number = "1234567890";
        i.prison_number = "X";
        i.prison_id = "nope";
        i.probation_case_reference = "12345";
        i.phone = "07700 90012";
        i.email = "not an email";
        i.address_postcode = "";
        i.nominated_relationship = "";
        i.preferred_contact = "pigeon";
        let errs = PersonDetails::parse(&i, TODAY).unwrap_err();
        assert_eq!(
            fields(&errs),
            [
                "given_name",
                "family_name",
                "gender",
                "date_of_birth",
                "ethnicity",
                "interpreter_needed",
                "communication_needs",
                "nhs_number",
                "prison_number",
                "prison_id",
                "probation_case_reference",
                "phone",
                "email",
                "address_postcode",
                "nominated_relationship",
                "preferred_contact",
            ]
        );
        assert_eq!(message(&errs, "given_name"), "Enter a first name");
        assert_eq!(
            message(&errs, "gender"),
            "Choose the person's gender from the list, or describe it in their own words"
        );
        assert_eq!(
            message(&errs, "ethnicity"),
            "Choose the person's ethnic group from the list"
        );
        assert_eq!(
            message(&errs, "interpreter_needed"),
            "Interpreter needed must be yes or no"
        );
        assert_eq!(
            message(&errs, "communication_needs"),
            "Choose communication and accessibility needs from the list"
        );
        assert_eq!(
            message(&errs, "phone"),
            "Phone number is too short: enter 11 digits starting with 0, like 07700 900123"
        );
        assert_eq!(message(&errs, "address_postcode"), "Enter a postcode");
        assert_eq!(
            message(&errs, "nominated_relationship"),
            "Enter the nominated contact's relationship to the person"
        );
        assert_eq!(
            message(&errs, "preferred_contact"),
            "Choose how the person would like to be contacted from the list"
        );
    }

    #[test]
    fn every_message_is_plain_and_names_its_field() {
        let mut i = full();
        i.given_name = "";
        i.nhs_number = "";
        i.nhs_number_unknown_reason = "";
        i.probation_case_reference = "X12345";
        i.address_line_1 = "";
        i.address_town = "";
        i.nominated_phone = "12";
        let errs = PersonDetails::parse(&i, TODAY).unwrap_err();
        assert_eq!(
            message(&errs, "nhs_number"),
            "Enter the NHS number, or choose why it is not known"
        );
        assert_eq!(
            message(&errs, "probation_case_reference"),
            "Enter the probation case reference number (CRN) in the format X123456: a letter and 6 numbers"
        );
        assert_eq!(
            message(&errs, "address_line_1"),
            "Enter the first line of the address"
        );
        assert_eq!(message(&errs, "address_town"), "Enter the town or city");
        assert_eq!(
            message(&errs, "nominated_phone"),
            "Nominated contact's phone number must start with 0 or +44, like 07700 900123"
        );
        for e in &errs {
            assert!(!e.message.is_empty(), "{} has no message", e.field);
            assert!(!e.message.contains("invalid"), "{}", e.message);
        }
    }

    #[test]
    fn phone_numbers_in_every_uk_form_normalise_to_e164() {
        for (input, e164) in [
            ("07700 900123", "+447700900123"),
            ("07700900123", "+447700900123"),
            ("  07700-900-123 ", "+447700900123"),
            ("(07700) 900123", "+447700900123"),
            ("+44 7700 900123", "+447700900123"),
            ("+447700900123", "+447700900123"),
            ("+44 (0)7700 900123", "+447700900123"),
            ("+44 07700 900123", "+447700900123"),
            ("0044 7700 900123", "+447700900123"),
            ("447700900123", "+447700900123"),
            ("07700\u{a0}900999", "+447700900999"),
            ("020 7946 0000", "+442079460000"),
            ("0113 496 0999", "+441134960999"),
            ("0121 496 0500", "+441214960500"),
            ("01632 960001", "+441632960001"),
            ("028 9649 6000", "+442896496000"),
            ("0306 999 0123", "+443069990123"),
            // Shape only: a few 01 areas still have 5-digit local numbers.
            ("01632 96000", "+44163296000"),
            // Isle of Man mobiles start 07624.
            ("07624 000123", "+447624000123"),
        ] {
            assert_eq!(phone(input).as_str(), e164, "{input}");
        }
    }

    #[test]
    fn phone_numbers_refused_with_clear_messages() {
        use PhoneNumberError::*;
        for (input, err) in [
            ("", Empty),
            ("   ", Empty),
            ("07700 9OO123", InvalidCharacters),
            ("07700 900123 ext 2", InvalidCharacters),
            ("++447700900123", InvalidCharacters),
            ("0770+0900123", InvalidCharacters),
            ("+", TooShort),
            ("+4", TooShort),
            ("+33 6 12 34 56 78", NotUk),
            ("0033 612345678", NotUk),
            ("7700 900123", WrongStart),
            ("123", WrongStart),
            ("0", TooShort),
            ("07700 90012", TooShort),
            ("07700 9001234", TooLong),
            ("020 7946 000", TooShort),
            ("020 7946 00000", TooLong),
            ("01632 9600", TooShort),
            ("01632 9600011", TooLong),
            ("+44 7700 90012", TooShort),
            ("0808 157 0192", NotMobileOrLandline),
            ("0909 879 0000", NotMobileOrLandline),
            ("0500 123456", NotMobileOrLandline),
            ("07000 123456", PersonalOrPager),
            ("07600 123456", PersonalOrPager),
        ] {
            assert_eq!(UkPhoneNumber::parse(input), Err(err), "{input:?}");
        }
        assert_eq!(Empty.to_string(), "Enter a phone number");
        assert_eq!(
            TooLong.to_string(),
            "Phone number is too long: enter 11 digits starting with 0, like 07700 900123"
        );
        assert_eq!(
            NotUk.to_string(),
            "Phone number must be a UK number, starting 0 or +44"
        );
        assert_eq!(
            NotMobileOrLandline.to_string(),
            "Phone number must be a UK mobile or landline number, starting 01, 02, 03 or 07"
        );
        assert_eq!(
            InvalidCharacters.message("the nominated contact's phone number", "Nominated contact's phone number"),
            "Nominated contact's phone number must only include numbers 0 to 9, spaces, brackets, hyphens and a + at the start"
        );
        assert_eq!(
            Empty.message(
                "the nominated contact's phone number",
                "Nominated contact's phone number"
            ),
            "Enter the nominated contact's phone number"
        );
    }

    #[test]
    fn phone_numbers_read_back_nationally() {
        for (input, national, mobile) in [
            ("+447700900123", "07700 900123", true),
            ("+442079460000", "020 7946 0000", false),
            ("+441134960000", "0113 496 0000", false),
            ("+441214960000", "0121 496 0000", false),
            ("+441632960001", "01632 960001", false),
            ("+443069990123", "0306 999 0123", false),
            ("+44163296000", "01632 96000", false),
        ] {
            let p = phone(input);
            assert_eq!(p.national_format(), national);
            assert_eq!(p.to_string(), national);
            assert_eq!(p.is_mobile(), mobile, "{input}");
            assert_eq!(phone(national), p);
        }
    }

    #[test]
    fn probation_case_references() {
        for good in ["X123456", "x123456", " X 123 456 ", "a000000"] {
            let c = ProbationCaseReference::parse(good).unwrap();
            assert_eq!(c.as_str().len(), 7, "{good}");
            assert!(c.as_str().starts_with(|ch: char| ch.is_ascii_uppercase()));
        }
        assert_eq!(
            ProbationCaseReference::parse("x 123 456")
                .unwrap()
                .to_string(),
            "X123456"
        );
        for bad in [
            "",
            "X12345",
            "X1234567",
            "1234567",
            "XX12345",
            "X12345A",
            "É123456",
            "X١٢٣٤٥٦",
        ] {
            assert_eq!(
                ProbationCaseReference::parse(bad),
                Err(ProbationCaseReferenceError),
                "{bad}"
            );
        }
    }

    #[test]
    fn postcodes() {
        for (input, out) in [
            ("ls1 4ap", "LS1 4AP"),
            ("LS14AP", "LS1 4AP"),
            ("sw1a 1aa", "SW1A 1AA"),
            ("M1 1AE", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("CR2 6XH", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            (" ec1a  1bb ", "EC1A 1BB"),
        ] {
            assert_eq!(Postcode::parse(input).unwrap().as_str(), out, "{input}");
        }
        assert_eq!(Postcode::parse(" "), Err(PostcodeError::Empty));
        for bad in [
            "LS1",
            "LS1 4A",
            "1S1 4AP",
            "LS1 AAP",
            "LS1 44P",
            "LSS1A 4AP",
            "L 4AP",
            // Shaped like a postcode but breaking the letter rules.
            "LS1 4CP",
            "QS1 4AP",
        ] {
            assert_eq!(Postcode::parse(bad), Err(PostcodeError::Format), "{bad}");
        }
        // A well-shaped code outside the real postcode areas says so.
        assert_eq!(Postcode::parse("XY1 4AP"), Err(PostcodeError::Format));
        assert_eq!(Postcode::parse("AA1 4AP"), Err(PostcodeError::UnknownArea));
        assert_eq!(
            PostcodeError::Format.to_string(),
            "Enter a real postcode, like SW1A 1AA"
        );
        // The release address refuses a made-up area next to its field.
        let errs =
            ReleaseAddress::parse("address", "1 High Street", "", "Leeds", "AA1 4AP").unwrap_err();
        assert_eq!(errs[0].field, "address_postcode");
    }

    #[test]
    fn pronouns() {
        assert_eq!(Pronouns::parse("").unwrap(), None);
        for (input, p) in [
            ("he/him", Pronouns::HeHim),
            ("He / Him", Pronouns::HeHim),
            ("SHE HER", Pronouns::SheHer),
            (" they/them ", Pronouns::TheyThem),
            ("she/they", Pronouns::SelfDescribed("she/they".into())),
            ("Ze/Zir", Pronouns::SelfDescribed("Ze/Zir".into())),
        ] {
            assert_eq!(Pronouns::parse(input).unwrap(), Some(p), "{input}");
        }
        assert_eq!(
            Pronouns::COMMON.map(|p| p.as_str().to_string()),
            ["he/him", "she/her", "they/them"]
        );
        assert_eq!(
            Pronouns::parse(&"x".repeat(51)).unwrap_err(),
            "Pronouns must be 50 characters or fewer"
        );
    }

    #[test]
    fn gender() {
        assert_eq!(Gender::parse("", "ignored").unwrap(), None);
        assert_eq!(Gender::parse("woman", "").unwrap(), Some(Gender::Woman));
        assert_eq!(
            Gender::parse("non_binary", "").unwrap(),
            Some(Gender::NonBinary)
        );
        assert_eq!(
            Gender::parse("prefer_not_to_say", "").unwrap(),
            Some(Gender::PreferNotToSay)
        );
        assert_eq!(
            Gender::parse("self_described", " Genderfluid ").unwrap(),
            Some(Gender::SelfDescribed("Genderfluid".into()))
        );
        let errs = Gender::parse("self_described", "").unwrap_err();
        assert_eq!(fields(&errs), ["gender_self_described"]);
        assert_eq!(
            errs[0].message,
            "Enter the person's gender in their own words"
        );
        assert_eq!(fields(&Gender::parse("other", "").unwrap_err()), ["gender"]);
        for (code, label) in Gender::CHOICES {
            let text = if code == "self_described" {
                "Agender"
            } else {
                ""
            };
            let g = Gender::parse(code, text).unwrap().unwrap();
            assert_eq!(g.code(), code);
            if code != "self_described" {
                assert_eq!(g.label(), label);
            }
        }
    }

    #[test]
    fn ethnicity_is_the_ons_2021_england_and_wales_classification() {
        assert_eq!(EthnicGroup::ALL.len(), 5);
        assert_eq!(EthnicCategory::ALL.len(), 19);
        let per_group: Vec<usize> = EthnicGroup::ALL
            .iter()
            .map(|g| g.categories().count())
            .collect();
        assert_eq!(per_group, [5, 3, 4, 5, 2]);
        assert_eq!(
            EthnicCategory::ALL
                .iter()
                .filter(|c| c.is_any_other())
                .count(),
            5
        );
        let codes: BTreeSet<&str> = EthnicCategory::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes.len(), 19);
        for c in EthnicCategory::ALL {
            assert_eq!(EthnicCategory::parse(c.code()), Ok(*c));
            assert!(c.code().starts_with(c.group().code()), "{}", c.code());
            assert_eq!(
                Ethnicity::parse(c.code(), "")
                    .unwrap()
                    .and_then(|e| e.category()),
                Some(*c)
            );
        }
        assert_eq!(
            EthnicCategory::WhiteGypsyOrIrishTraveller.full_label(),
            "White: Gypsy or Irish Traveller"
        );
        assert_eq!(
            EthnicCategory::BlackCaribbean.full_label(),
            "Black, Black British, Black Welsh, Caribbean or African: Caribbean"
        );
        assert_eq!(
            EthnicCategory::parse("english, welsh, scottish, northern irish or british"),
            Ok(EthnicCategory::WhiteBritish)
        );
    }

    #[test]
    fn ethnicity_answers() {
        assert_eq!(Ethnicity::parse(" ", "").unwrap(), None);
        assert_eq!(
            Ethnicity::parse("prefer_not_to_say", "").unwrap(),
            Some(Ethnicity::PreferNotToSay)
        );
        assert_eq!(
            Ethnicity::parse("white_other", " Polish ").unwrap(),
            Some(Ethnicity::Stated {
                category: EthnicCategory::WhiteOther,
                description: Some("Polish".into())
            })
        );
        // A description is only kept for "any other" categories.
        assert_eq!(
            Ethnicity::parse("asian_indian", "left over from another choice").unwrap(),
            Some(Ethnicity::Stated {
                category: EthnicCategory::AsianIndian,
                description: None
            })
        );
        let errs = Ethnicity::parse("other_any", &"x".repeat(101)).unwrap_err();
        assert_eq!(fields(&errs), ["ethnicity_other"]);
        assert_eq!(
            errs[0].message,
            "Description of their ethnic background must be 100 characters or fewer"
        );
        assert_eq!(
            fields(&Ethnicity::parse("white", "").unwrap_err()),
            ["ethnicity"]
        );
    }

    #[test]
    fn communication_needs() {
        let n = CommunicationNeeds::parse(&["easy_read", " large_print ", "", "easy_read"], "")
            .unwrap();
        assert!(n.contains(CommunicationNeed::EasyRead));
        assert!(n.contains(CommunicationNeed::LargePrint));
        assert_eq!(n.needs.len(), 2);
        assert_eq!(n.other, None);
        let n = CommunicationNeeds::parse(&[], "Needs an advocate present").unwrap();
        assert_eq!(n.other.as_deref(), Some("Needs an advocate present"));
        let errs = CommunicationNeeds::parse(&["other"], " ").unwrap_err();
        assert_eq!(fields(&errs), ["communication_needs_other"]);
        assert_eq!(
            errs[0].message,
            "Enter the other communication or accessibility need"
        );
        let errs = CommunicationNeeds::parse(&["x", "other"], "").unwrap_err();
        assert_eq!(
            fields(&errs),
            ["communication_needs", "communication_needs_other"]
        );
        assert_eq!(CommunicationNeed::ALL.len(), 8);
        assert_eq!(
            CommunicationNeed::ExtraTime.label(),
            "Neurodivergent: give extra time"
        );
        assert_eq!(
            CommunicationNeed::parse("Prefers texts"),
            Ok(CommunicationNeed::PrefersTexts)
        );
    }

    #[test]
    fn nhs_number_or_the_reason_it_is_not_known() {
        assert!(matches!(
            NhsNumberStatus::parse("9434765919", "not_registered", ""),
            Ok(NhsNumberStatus::Known(_))
        ));
        for (code, reason) in [
            ("not_yet_traced", UnknownNhsReason::NotYetTraced),
            ("person_does_not_know", UnknownNhsReason::PersonDoesNotKnow),
            ("not_registered", UnknownNhsReason::NotRegistered),
            (
                "other",
                UnknownNhsReason::Other("Arrived in the UK recently".into()),
            ),
        ] {
            let s = NhsNumberStatus::parse("", code, " Arrived in the UK recently").unwrap();
            assert_eq!(
                s,
                NhsNumberStatus::Unknown {
                    reason: reason.clone()
                }
            );
            assert_eq!(s.known(), None);
            assert_eq!(reason.code(), code);
        }
        let e = NhsNumberStatus::parse("943 476 5918", "", "").unwrap_err();
        assert_eq!(fields(&e), ["nhs_number"]);
        assert_eq!(
            e[0].message,
            "Enter a valid NHS number: the last digit does not match"
        );
        let e = NhsNumberStatus::parse("", "", "").unwrap_err();
        assert_eq!(fields(&e), ["nhs_number"]);
        let e = NhsNumberStatus::parse("", "forgot", "").unwrap_err();
        assert_eq!(fields(&e), ["nhs_number_unknown_reason"]);
        let e = NhsNumberStatus::parse("", "other", "  ").unwrap_err();
        assert_eq!(fields(&e), ["nhs_number_unknown_other"]);
        assert_eq!(e[0].message, "Enter the reason the NHS number is not known");
    }

    #[test]
    fn release_address() {
        assert_eq!(
            ReleaseAddress::parse("no_fixed_abode", "stale line", "", "", "").unwrap(),
            ReleaseAddress::NoFixedAbode
        );
        assert_eq!(
            ReleaseAddress::parse("not_yet_known", "", "", "", "").unwrap(),
            ReleaseAddress::NotYetKnown
        );
        assert_eq!(
            ReleaseAddress::parse("", "", "", "", "").unwrap(),
            ReleaseAddress::NotYetKnown
        );
        // Lines filled in with no choice: it is an address.
        let errs = ReleaseAddress::parse("", "Flat 2", "", "", "").unwrap_err();
        assert_eq!(fields(&errs), ["address_town", "address_postcode"]);
        let errs = ReleaseAddress::parse("address", "", "", "", "LS1").unwrap_err();
        assert_eq!(
            fields(&errs),
            ["address_line_1", "address_town", "address_postcode"]
        );
        assert_eq!(
            fields(&ReleaseAddress::parse("hotel", "", "", "", "").unwrap_err()),
            ["address_kind"]
        );
        let a = ReleaseAddress::parse("address", "Flat 2", " 3 High Street ", "York", "yo1 7hh")
            .unwrap();
        assert_eq!(
            a,
            ReleaseAddress::Address(PostalAddress {
                line_1: "Flat 2".into(),
                line_2: Some("3 High Street".into()),
                town: "York".into(),
                postcode: Postcode::parse("YO1 7HH").unwrap(),
            })
        );
    }

    #[test]
    fn nominated_contact_is_optional_but_complete() {
        assert_eq!(NominatedContact::parse(" ", "", "").unwrap(), None);
        let errs = NominatedContact::parse("Grace", "", "").unwrap_err();
        assert_eq!(fields(&errs), ["nominated_relationship", "nominated_phone"]);
        assert_eq!(
            message(&errs, "nominated_phone"),
            "Enter the nominated contact's phone number"
        );
        let errs = NominatedContact::parse("", "Friend", "07700 900000").unwrap_err();
        assert_eq!(
            message(&errs, "nominated_name"),
            "Enter the nominated contact's name"
        );
        let errs = NominatedContact::parse("Grace", "Friend", "07700 9000000").unwrap_err();
        assert_eq!(
            message(&errs, "nominated_phone"),
            "Nominated contact's phone number is too long: enter 11 digits starting with 0, like 07700 900123"
        );
    }

    #[test]
    fn the_preferred_contact_must_be_possible() {
        let check = |set: &dyn Fn(&mut PersonDetailsInput<'static>)| {
            let mut i = minimal();
            set(&mut i);
            PersonDetails::parse(&i, TODAY)
        };
        let errs = check(&|i| i.preferred_contact = "phone_call").unwrap_err();
        assert_eq!(fields(&errs), ["phone"]);
        assert_eq!(
            errs[0].message,
            "Enter a phone number, as a phone call is the preferred way to contact them"
        );
        let errs = check(&|i| i.preferred_contact = "text").unwrap_err();
        assert_eq!(
            message(&errs, "phone"),
            "Enter a mobile number, as a text message is the preferred way to contact them"
        );
        let errs = check(&|i| {
            i.preferred_contact = "text";
            i.phone = "020 7946 0000";
        })
        .unwrap_err();
        assert_eq!(
            message(&errs, "phone"),
            "Phone number must be a mobile number (starting 07) to send text messages, or choose another way to contact them"
        );
        assert!(check(&|i| {
            i.preferred_contact = "phone_call";
            i.phone = "020 7946 0000";
        })
        .is_ok());
        let errs = check(&|i| i.preferred_contact = "email").unwrap_err();
        assert_eq!(fields(&errs), ["email"]);
        let errs = check(&|i| {
            i.preferred_contact = "letter";
            i.address_kind = "no_fixed_abode";
        })
        .unwrap_err();
        assert_eq!(
            message(&errs, "preferred_contact"),
            "Letters need an address: enter an address, or choose another way to contact them"
        );
        let errs = check(&|i| i.preferred_contact = "nominated_contact").unwrap_err();
        assert_eq!(
            message(&errs, "preferred_contact"),
            "Enter a nominated contact, or choose another way to contact them"
        );
        // A phone number that is itself wrong gets one message, not two.
        let errs = check(&|i| {
            i.preferred_contact = "text";
            i.phone = "0770";
        })
        .unwrap_err();
        assert_eq!(fields(&errs), ["phone"]);
        // The channel error appears where the phone field is, before later fields.
        let errs = check(&|i| {
            i.preferred_contact = "phone_call";
            i.address_kind = "address";
        })
        .unwrap_err();
        assert_eq!(
            fields(&errs),
            [
                "phone",
                "address_line_1",
                "address_town",
                "address_postcode"
            ]
        );
    }

    #[test]
    fn interpreter_need_asks_for_the_language() {
        let mut i = minimal();
        i.interpreter_needed = "on";
        let errs = PersonDetails::parse(&i, TODAY).unwrap_err();
        assert_eq!(fields(&errs), ["first_language"]);
        assert_eq!(
            errs[0].message,
            "Enter the person's first language, so that the right interpreter can be booked"
        );
        i.first_language = "Polish";
        assert!(PersonDetails::parse(&i, TODAY).unwrap().interpreter_needed);
        for (s, b) in [
            ("", false),
            ("No", false),
            ("false", false),
            ("YES", true),
            ("1", true),
        ] {
            assert_eq!(parse_yes_no(s, "Interpreter needed"), Ok(b), "{s}");
        }
    }

    #[test]
    fn an_under_18_is_recorded_and_told_clearly_at_triage() {
        let mut i = minimal();
        i.dob_day = "22";
        i.dob_month = "11";
        i.dob_year = "2008";
        let p = PersonDetails::parse(&i, TODAY).unwrap();
        assert!(!p.is_adult_on(TODAY));
        assert!(p.is_adult_on(date!(2026 - 11 - 22)));
        assert_eq!(
            under_18_message(p.date_of_birth, TODAY).unwrap(),
            "RECONNECT supports people aged 18 or over. This person is 17. They will be 18 on 22 November 2026."
        );
        assert_eq!(
            under_18_message(p.date_of_birth, date!(2026 - 11 - 22)),
            None
        );
        // 29 February: 18 on 1 March in a year without one.
        let leap = date!(2008 - 02 - 29);
        assert_eq!(adult_from(leap), Some(date!(2026 - 03 - 01)));
        assert!(!is_adult_on(leap, date!(2026 - 02 - 28)));
        assert!(is_adult_on(leap, date!(2026 - 03 - 01)));
        assert_eq!(
            adult_from(date!(2012 - 02 - 29)),
            Some(date!(2030 - 03 - 01))
        );
        assert_eq!(
            adult_from(date!(2014 - 02 - 28)),
            Some(date!(2032 - 02 - 28))
        );
    }

    #[test]
    fn hands_the_store_the_part_it_knows() {
        let p = PersonDetails::parse(&full(), TODAY).unwrap();
        let n = p.to_new_person();
        assert_eq!(n.given_name, "Daniel");
        assert_eq!(n.family_name, "Okafor");
        assert_eq!(n.preferred_name.as_deref(), Some("Dan"));
        assert_eq!(n.date_of_birth, p.date_of_birth);
        assert_eq!(n.nhs_number, p.nhs_number.known().copied());
        assert_eq!(n.prison_number, p.prison_number);
        assert_eq!(n.prison_id, p.prison_id);
        let m = PersonDetails::parse(&minimal(), TODAY)
            .unwrap()
            .to_new_person();
        assert_eq!(m.nhs_number, None);
    }

    #[test]
    fn catalogue_choices() {
        assert_eq!(ContactChannel::parse(" TEXT "), Ok(ContactChannel::Text));
        assert_eq!(
            ContactChannel::parse("Text message"),
            Ok(ContactChannel::Text)
        );
        assert_eq!(
            ContactChannel::parse("").unwrap_err().to_string(),
            "Choose how the person would like to be contacted from the list"
        );
        assert_eq!(ContactChannel::Text.to_string(), "Text message");
        assert_eq!(<&str>::from(ContactChannel::PhoneCall), "phone_call");
        assert_eq!(
            ContactChannel::try_from("letter".to_string()),
            Ok(ContactChannel::Letter)
        );
    }

    #[test]
    fn api_values_deserialise_through_parse() {
        use serde::de::value::{Error as DeError, StringDeserializer};
        use serde::de::IntoDeserializer;
        fn de<T: for<'de> Deserialize<'de>>(s: &str) -> Result<T, String> {
            let d: StringDeserializer<DeError> = s.to_string().into_deserializer();
            T::deserialize(d).map_err(|e| e.to_string())
        }
        assert_eq!(
            de::<UkPhoneNumber>("07700 900123"),
            Ok(phone("+447700900123"))
        );
        assert_eq!(
            de::<UkPhoneNumber>("0808 157 0192"),
            Err(PhoneNumberError::NotMobileOrLandline.to_string())
        );
        assert_eq!(
            de::<ProbationCaseReference>("x123456").map(|c| c.to_string()),
            Ok("X123456".to_string())
        );
        assert!(de::<ProbationCaseReference>("X12").is_err());
        assert_eq!(
            de::<Postcode>("ls14ap").map(|p| p.to_string()),
            Ok("LS1 4AP".into())
        );
        assert_eq!(
            de::<EthnicCategory>("white_roma"),
            Ok(EthnicCategory::WhiteRoma)
        );
        assert_eq!(
            de::<CommunicationNeed>("telepathy"),
            Err("Choose communication and accessibility needs from the list".into())
        );
        assert_eq!(de::<ContactChannel>("email"), Ok(ContactChannel::Email));
    }

    /// A valid national significant number: a real-shaped prefix and digits.
    fn valid_nsn() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec![
                "7700", "7911", "7624", "20", "113", "121", "1632", "306", "28",
            ]),
            "[0-9]{8}",
        )
            .prop_map(|(prefix, rest)| {
                let mut n = format!("{prefix}{rest}");
                n.truncate(10);
                n
            })
    }

    proptest! {
        #[test]
        fn phone_parse_never_panics(s in "\\PC{0,40}") {
            let _ = UkPhoneNumber::parse(&s);
        }

        #[test]
        fn normalised_phone_numbers_parse_back(s in "[0-9 +()\\-]{0,20}") {
            if let Ok(p) = UkPhoneNumber::parse(&s) {
                prop_assert_eq!(UkPhoneNumber::parse(p.as_str()), Ok(p.clone()));
                prop_assert_eq!(UkPhoneNumber::parse(&p.national_format()), Ok(p.clone()));
                prop_assert!(p.as_str().starts_with("+44"));
            }
        }

        #[test]
        fn valid_numbers_parse_in_every_form(nsn in valid_nsn(), spaced in any::<bool>()) {
            let national = format!("0{nsn}");
            let p = UkPhoneNumber::parse(&national).unwrap();
            prop_assert_eq!(p.as_str(), format!("+44{nsn}"));
            let intl = if spaced { format!("+44 ({}) {}", 0, nsn) } else { format!("+44{nsn}") };
            prop_assert_eq!(UkPhoneNumber::parse(&intl), Ok(p.clone()));
            prop_assert_eq!(UkPhoneNumber::parse(&format!("0044 {nsn}")), Ok(p.clone()));
            prop_assert_eq!(UkPhoneNumber::parse(p.as_str()), Ok(p.clone()));
            prop_assert_eq!(UkPhoneNumber::parse(&p.to_string()), Ok(p.clone()));
        }

        #[test]
        fn drama_mobiles_parse(n in 900000u32..=900999) {
            let p = UkPhoneNumber::parse(&format!("07700 {n}")).unwrap();
            prop_assert_eq!(p.as_str(), format!("+447700{n}"));
            prop_assert!(p.is_mobile());
        }

        #[test]
        fn crn_shapes(s in "[A-Z][0-9]{6}") {
            let c = ProbationCaseReference::parse(&s.to_lowercase()).unwrap();
            prop_assert_eq!(c.as_str(), s.as_str());
            prop_assert_eq!(ProbationCaseReference::parse(c.as_str()), Ok(c.clone()));
        }

        #[test]
        fn postcode_shapes(s in "(M[0-9]|B[0-9]{2}|LS[0-9]|GU[0-9]{2}|W[0-9][ABCDEFGHJKPSTUW]|EC[0-9][ABEHMNPRVWXY]) ?[0-9][ABDEFGHJLNPQRSTUWXYZ]{2}") {
            let p = Postcode::parse(&s.to_lowercase()).unwrap();
            prop_assert_eq!(p.as_str().replace(' ', ""), s.replace(' ', ""));
            prop_assert_eq!(Postcode::parse(p.as_str()), Ok(p.clone()));
        }

        #[test]
        fn small_parsers_never_panic(s in "\\PC{0,30}", t in "\\PC{0,30}", u in "\\PC{0,30}") {
            let _ = ProbationCaseReference::parse(&s);
            let _ = Postcode::parse(&s);
            let _ = Pronouns::parse(&s);
            let _ = Gender::parse(&s, &t);
            let _ = Ethnicity::parse(&s, &t);
            let _ = CommunicationNeeds::parse(&[&s, &t], &u);
            let _ = NhsNumberStatus::parse(&s, &t, &u);
            let _ = ReleaseAddress::parse(&s, &t, &u, &s, &t);
            let _ = NominatedContact::parse(&s, &t, &u);
            let _ = ContactChannel::parse(&s);
            let _ = EthnicCategory::parse(&s);
        }

        #[test]
        fn person_details_never_panics(v in proptest::collection::vec("\\PC{0,24}", 33)) {
            let f = |i: usize| v.get(i).map(String::as_str).unwrap_or("");
            let needs = [f(32), f(0)];
            let input = PersonDetailsInput {
                given_name: f(0), family_name: f(1), preferred_name: f(2), pronouns: f(3),
                gender: f(4), gender_self_described: f(5), dob_day: f(6), dob_month: f(7),
                dob_year: f(8), ethnicity: f(9), ethnicity_other: f(10), first_language: f(11),
                interpreter_needed: f(12), communication_needs: &needs,
                communication_needs_other: f(13), nhs_number: f(14),
                nhs_number_unknown_reason: f(15), nhs_number_unknown_other: f(16),
                prison_number: f(17), prison_id: f(18), probation_case_reference: f(19),
                phone: f(20), email: f(21), address_kind: f(22), address_line_1: f(23),
                address_line_2: f(24), address_town: f(25), address_postcode: f(26),
                nominated_name: f(27), nominated_relationship: f(28), nominated_phone: f(29),
                preferred_contact: f(30),
            };
            if let Err(errs) = PersonDetails::parse(&input, TODAY) {
                prop_assert!(errs.iter().all(|e| !e.field.is_empty() && !e.message.is_empty()));
            }
        }

        #[test]
        fn one_bad_field_in_a_good_form(which in 0usize..20, junk in "\\PC{0,24}") {
            let mut i = full();
            let j = junk.as_str();
            match which {
                0 => i.pronouns = j, 1 => i.gender = j, 2 => i.gender_self_described = j,
                3 => i.ethnicity = j, 4 => i.ethnicity_other = j, 5 => i.first_language = j,
                6 => i.interpreter_needed = j, 7 => i.communication_needs_other = j,
                8 => i.nhs_number = j, 9 => i.nhs_number_unknown_reason = j,
                10 => i.probation_case_reference = j, 11 => i.phone = j, 12 => i.email = j,
                13 => i.address_kind = j, 14 => i.address_postcode = j,
                15 => i.nominated_phone = j, 16 => i.preferred_contact = j,
                17 => i.dob_year = j, 18 => i.prison_number = j, _ => i.given_name = j,
            }
            match PersonDetails::parse(&i, TODAY) {
                Ok(p) => prop_assert_eq!(p.legal_name.family_name.as_str(), "Okafor"),
                Err(errs) => prop_assert!(!errs.is_empty()),
            }
        }

        #[test]
        fn adult_from_is_the_first_adult_day(days in 0i64..60_000) {
            let dob = date!(1900 - 01 - 01) + time::Duration::days(days);
            let from = adult_from(dob).unwrap();
            prop_assert!(is_adult_on(dob, from));
            prop_assert!(!is_adult_on(dob, from - time::Duration::days(1)));
        }
    }
}
