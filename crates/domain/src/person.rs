//! The person record as the foundation knows it: who they are and which prison
//! (and so which site) they are with. Later work adds episodes, consent and
//! the rest of the journey on top of this.

use crate::validation::{date_from_parts, optional_text, required_text, Validation};
use crate::{FieldError, NhsNumber, PrisonId, PrisonNumber};
use time::Date;

/// A new person, parsed from a form or API body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPerson {
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Date,
    pub nhs_number: Option<NhsNumber>,
    pub prison_number: PrisonNumber,
    pub prison_id: PrisonId,
}

/// What the person filled in, as text, before parsing.
#[derive(Clone, Debug, Default)]
pub struct NewPersonInput<'a> {
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub preferred_name: &'a str,
    pub dob_day: &'a str,
    pub dob_month: &'a str,
    pub dob_year: &'a str,
    pub nhs_number: &'a str,
    pub prison_number: &'a str,
    pub prison_id: &'a str,
}

impl NewPerson {
    /// Parses every field, collecting all problems at once. `today` bounds the
    /// date of birth.
    pub fn parse(input: &NewPersonInput<'_>, today: Date) -> Result<Self, Vec<FieldError>> {
        let mut v = Validation::new();
        let given_name = v.check(
            "given_name",
            required_text(input.given_name, "a first name", 100),
        );
        let family_name = v.check(
            "family_name",
            required_text(input.family_name, "a last name", 100),
        );
        let preferred_name = v
            .check(
                "preferred_name",
                optional_text(input.preferred_name, "a preferred name", 100),
            )
            .flatten();
        let date_of_birth = v.check(
            "date_of_birth",
            parse_date_of_birth(input.dob_day, input.dob_month, input.dob_year, today),
        );
        let nhs_number = if input.nhs_number.trim().is_empty() {
            None
        } else {
            v.check("nhs_number", NhsNumber::parse(input.nhs_number))
        };
        let prison_number = v.check("prison_number", PrisonNumber::parse(input.prison_number));
        let prison_id = v.check(
            "prison_id",
            input
                .prison_id
                .trim()
                .parse::<PrisonId>()
                .map_err(|_| "Choose the prison the person is in"),
        );
        v.finish(|| {
            Some(NewPerson {
                given_name: given_name?,
                family_name: family_name?,
                preferred_name,
                date_of_birth: date_of_birth?,
                nhs_number,
                prison_number: prison_number?,
                prison_id: prison_id?,
            })
        })
    }
}

/// Reads a date of birth from the three boxes of the NHS.UK date input.
pub fn parse_date_of_birth(
    day: &str,
    month: &str,
    year: &str,
    today: Date,
) -> Result<Date, String> {
    if [day, month, year].iter().all(|v| v.trim().is_empty()) {
        return Err("Enter a date of birth".into());
    }
    let date = date_from_parts(day, month, year, "Date of birth")?;
    if date >= today {
        return Err("Date of birth must be in the past".into());
    }
    if today.year() - date.year() > 120 {
        return Err("Date of birth must be within the last 120 years".into());
    }
    if date.year() < EARLIEST_BIRTH_YEAR {
        return Err("Date of birth must be in 1900 or later".into());
    }
    Ok(date)
}

/// No one born before this year is supported (the 120-year limit is usually
/// the stricter one; this one does not move with the clock).
pub const EARLIEST_BIRTH_YEAR: i32 = 1900;

/// Why a record cannot be added (or corrected) to say the person is under 18
/// on `today`; `None` when they are 18 or over. RECONNECT supports adults, so
/// the message says who supports younger people instead.
pub fn under_18_refusal(date_of_birth: Date, today: Date) -> Option<String> {
    crate::person_details::under_18_message(date_of_birth, today).map(|m| {
        format!(
            "{m} Young people leaving custody are supported by the youth justice service: \
             contact the youth offending team for the area where they will live"
        )
    })
}

/// A date of birth for a new or corrected record: a real, past date, no
/// earlier than 1900, of someone aged 18 or over on `today`.
pub fn adult_date_of_birth(date_of_birth: Date, today: Date) -> Result<Date, String> {
    match under_18_refusal(date_of_birth, today) {
        Some(refusal) => Err(refusal),
        None => Ok(date_of_birth),
    }
}

/// Age in whole years on `on`.
pub fn age_on(date_of_birth: Date, on: Date) -> i32 {
    let mut age = on.year() - date_of_birth.year();
    if (on.month() as u8, on.day()) < (date_of_birth.month() as u8, date_of_birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn under_18s_are_refused_kindly() {
        let today = date!(2026 - 11 - 21);
        let refusal = adult_date_of_birth(date!(2010 - 01 - 01), today).unwrap_err();
        assert!(refusal.contains("This person is 16"), "{refusal}");
        assert!(refusal.contains("youth justice service"), "{refusal}");
        // 18 today is old enough; 18 tomorrow is not.
        assert!(adult_date_of_birth(date!(2008 - 11 - 21), today).is_ok());
        assert!(adult_date_of_birth(date!(2008 - 11 - 22), today).is_err());
    }

    proptest! {
        /// The refusal agrees with the age, for every date of birth.
        #[test]
        fn refusal_matches_age(days in 0i64..(120 * 366)) {
            let today = date!(2026 - 11 - 21);
            let born = today - time::Duration::days(days);
            prop_assert_eq!(
                adult_date_of_birth(born, today).is_ok(),
                age_on(born, today) >= 18
            );
        }
    }

    fn input<'a>() -> NewPersonInput<'a> {
        NewPersonInput {
            given_name: "Dan",
            family_name: "Okafor",
            preferred_name: "",
            dob_day: "3",
            dob_month: "7",
            dob_year: "1990",
            nhs_number: "943 476 5919",
            prison_number: "a1234bc",
            prison_id: "0196a3f0-0000-7000-8000-000000000001",
        }
    }

    #[test]
    fn parses_a_good_form() {
        let p = NewPerson::parse(&input(), date!(2026 - 11 - 21)).unwrap();
        assert_eq!(p.date_of_birth, date!(1990 - 07 - 03));
        assert_eq!(p.prison_number.as_str(), "A1234BC");
        assert_eq!(p.preferred_name, None);
    }

    #[test]
    fn reports_every_bad_field() {
        let mut i = input();
        i.given_name = " ";
        i.nhs_number = "1234567890";
        i.dob_month = "13";
        i.prison_number = "X";
        i.prison_id = "nope";
        let errs = NewPerson::parse(&i, date!(2026 - 11 - 21)).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "given_name",
                "date_of_birth",
                "nhs_number",
                "prison_number",
                "prison_id"
            ]
        );
    }

    #[test]
    fn dates() {
        let today = date!(2026 - 11 - 21);
        assert!(parse_date_of_birth("", "", "", today)
            .unwrap_err()
            .starts_with("Enter"));
        assert_eq!(
            parse_date_of_birth("1", "", "", today).unwrap_err(),
            "Date of birth must include a month and a year"
        );
        assert!(parse_date_of_birth("31", "2", "1990", today).is_err());
        assert!(parse_date_of_birth("1", "1", "2030", today).is_err());
        assert!(parse_date_of_birth("1", "1", "90", today).is_err());
        assert_eq!(
            parse_date_of_birth("31", "12", "1899", date!(1980 - 01 - 01)).unwrap_err(),
            "Date of birth must be in 1900 or later"
        );
        assert_eq!(age_on(date!(1990 - 11 - 22), today), 35);
        assert_eq!(age_on(date!(1990 - 11 - 21), today), 36);
    }
}
