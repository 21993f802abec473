//! The time windows of the care-after-custody journey, and the triage
//! eligibility checks built on them.
//!
//! Each site has three settings ([`SiteWindows`]), with the national defaults:
//!
//! - **pre-release support** starts up to 12 weeks before the expected release
//!   date ([`SiteWindows::pre_release_starts`]);
//! - **community support** lasts 6 months after release by default, and can
//!   be extended with a recorded reason, as often as needed — there is no fixed
//!   number of sessions anywhere ([`SiteWindows::community_support_ends`]);
//! - **referrals** are accepted until 28 days after release
//!   ([`SiteWindows::referral_accepted`]).
//!
//! The expected release date may not be known ([`ReleaseDate::Unknown`], with
//! a reason); when it changes, callers keep every earlier value with who
//! changed it and why, and pass the current one here.
//!
//! # Adding months
//!
//! "6 months after release" means the same day of the month, 6 months later.
//! When that month is too short for the day, the last day of that month is
//! used instead: 31 August + 6 months is 28 February (29 February in a leap
//! year), and 30 November + 3 months is 28 (or 29) February. See
//! [`add_months`].
//!
//! All days are whole calendar days; "in 3 days" compares dates, not times.

use crate::episode::Reason;
use crate::person::age_on;
use crate::validation::Validation;
use crate::FieldError;
use serde::Serialize;
use time::{Date, Duration, Month};
use utoipa::ToSchema;

/// The national default: pre-release support starts 12 weeks before release.
pub const DEFAULT_PRE_RELEASE_WEEKS: u16 = 12;
/// The national default: community support lasts 6 months after release.
pub const DEFAULT_COMMUNITY_SUPPORT_MONTHS: u16 = 6;
/// The national default: referrals are accepted until 28 days after release.
pub const DEFAULT_REFERRAL_AFTER_RELEASE_DAYS: u16 = 28;

/// The most weeks before release a site may start pre-release support.
pub const MAX_PRE_RELEASE_WEEKS: u16 = 26;
/// The longest default period of community support a site may set. Any one
/// person's support can still be extended beyond it, with a reason.
pub const MAX_COMMUNITY_SUPPORT_MONTHS: u16 = 24;
/// The most days after release a site may keep accepting referrals.
pub const MAX_REFERRAL_AFTER_RELEASE_DAYS: u16 = 90;

/// A site's time windows. Built only through [`SiteWindows::new`] or
/// [`SiteWindows::parse`], so every value is within sensible bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, ToSchema)]
pub struct SiteWindows {
    pre_release_weeks: u16,
    community_support_months: u16,
    referral_after_release_days: u16,
}

/// A window setting outside its bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SiteWindowsError {
    #[error("Pre-release support must start between 1 and 26 weeks before release")]
    PreReleaseWeeks,
    #[error("Community support must last between 1 and 24 months after release")]
    CommunitySupportMonths,
    #[error("Referrals can be accepted for 0 to 90 days after release")]
    ReferralAfterReleaseDays,
}

impl SiteWindowsError {
    /// The form field (and JSON property) the message is about.
    pub fn field(self) -> &'static str {
        match self {
            SiteWindowsError::PreReleaseWeeks => "pre_release_weeks",
            SiteWindowsError::CommunitySupportMonths => "community_support_months",
            SiteWindowsError::ReferralAfterReleaseDays => "referral_after_release_days",
        }
    }
}

/// The three settings as typed into the site settings form.
#[derive(Clone, Debug, Default)]
pub struct SiteWindowsInput<'a> {
    pub pre_release_weeks: &'a str,
    pub community_support_months: &'a str,
    pub referral_after_release_days: &'a str,
}

impl Default for SiteWindows {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl SiteWindows {
    /// The national defaults: 12 weeks, 6 months, 28 days.
    pub const DEFAULT: SiteWindows = SiteWindows {
        pre_release_weeks: DEFAULT_PRE_RELEASE_WEEKS,
        community_support_months: DEFAULT_COMMUNITY_SUPPORT_MONTHS,
        referral_after_release_days: DEFAULT_REFERRAL_AFTER_RELEASE_DAYS,
    };

    /// Checks the three settings, reporting the first one out of bounds.
    pub fn new(
        pre_release_weeks: u16,
        community_support_months: u16,
        referral_after_release_days: u16,
    ) -> Result<Self, SiteWindowsError> {
        if !(1..=MAX_PRE_RELEASE_WEEKS).contains(&pre_release_weeks) {
            return Err(SiteWindowsError::PreReleaseWeeks);
        }
        if !(1..=MAX_COMMUNITY_SUPPORT_MONTHS).contains(&community_support_months) {
            return Err(SiteWindowsError::CommunitySupportMonths);
        }
        if referral_after_release_days > MAX_REFERRAL_AFTER_RELEASE_DAYS {
            return Err(SiteWindowsError::ReferralAfterReleaseDays);
        }
        Ok(Self {
            pre_release_weeks,
            community_support_months,
            referral_after_release_days,
        })
    }

    /// Parses the settings form, collecting a message for every bad field.
    pub fn parse(input: &SiteWindowsInput<'_>) -> Result<Self, Vec<FieldError>> {
        let mut v = Validation::new();
        let weeks = v.check(
            "pre_release_weeks",
            whole_number(input.pre_release_weeks, "weeks", "12").and_then(|n| {
                Self::new(n, DEFAULT_COMMUNITY_SUPPORT_MONTHS, 0).map_err(|e| e.to_string())
            }),
        );
        let months = v.check(
            "community_support_months",
            whole_number(input.community_support_months, "months", "6").and_then(|n| {
                Self::new(DEFAULT_PRE_RELEASE_WEEKS, n, 0).map_err(|e| e.to_string())
            }),
        );
        let days = v.check(
            "referral_after_release_days",
            whole_number(input.referral_after_release_days, "days", "28").and_then(|n| {
                Self::new(
                    DEFAULT_PRE_RELEASE_WEEKS,
                    DEFAULT_COMMUNITY_SUPPORT_MONTHS,
                    n,
                )
                .map_err(|e| e.to_string())
            }),
        );
        v.finish(|| {
            Some(Self {
                pre_release_weeks: weeks?.pre_release_weeks,
                community_support_months: months?.community_support_months,
                referral_after_release_days: days?.referral_after_release_days,
            })
        })
    }

    pub fn pre_release_weeks(&self) -> u16 {
        self.pre_release_weeks
    }

    pub fn community_support_months(&self) -> u16 {
        self.community_support_months
    }

    pub fn referral_after_release_days(&self) -> u16 {
        self.referral_after_release_days
    }

    /// The first day of pre-release support: the expected release date less
    /// the site's number of weeks.
    pub fn pre_release_starts(&self, expected_release: Date) -> Date {
        expected_release.saturating_sub(Duration::weeks(i64::from(self.pre_release_weeks)))
    }

    /// Is `today` within pre-release support: on or after
    /// [`pre_release_starts`](Self::pre_release_starts), and on or before the
    /// expected release date itself?
    pub fn within_pre_release_window(&self, today: Date, expected_release: Date) -> bool {
        self.pre_release_starts(expected_release) <= today && today <= expected_release
    }

    /// The last day a referral is accepted for someone released on `released_on`.
    pub fn referral_window_ends(&self, released_on: Date) -> Date {
        released_on.saturating_add(Duration::days(i64::from(self.referral_after_release_days)))
    }

    /// Can a referral be accepted today? Always before release (and when the
    /// release date is not known); after release, until the end of the
    /// referral window. The error says why not, in plain English.
    pub fn referral_accepted(&self, today: Date, release: &ReleaseDate) -> Result<(), String> {
        let ReleaseDate::Known(released_on) = release else {
            return Ok(());
        };
        if today <= self.referral_window_ends(*released_on) {
            return Ok(());
        }
        Err(format!(
            "{} They were released on {}, {} ago.",
            self.referral_rule(),
            long_date(*released_on),
            days(days_between(*released_on, today)),
        ))
    }

    /// The end of community support for someone released on `released_on`:
    /// the site's number of months later (see [`add_months`]), or the latest
    /// extension if that is later. Extensions never shorten support.
    pub fn community_support_ends(
        &self,
        released_on: Date,
        extensions: impl IntoIterator<Item = Date>,
    ) -> Date {
        let default_end = add_months(released_on, u32::from(self.community_support_months));
        extensions.into_iter().fold(default_end, Date::max)
    }

    /// "Referrals are accepted up to 28 days after release."
    fn referral_rule(&self) -> String {
        if self.referral_after_release_days == 0 {
            "Referrals are accepted up to the day of release.".to_string()
        } else {
            format!(
                "Referrals are accepted up to {} after release.",
                days(i64::from(self.referral_after_release_days))
            )
        }
    }
}

fn whole_number(input: &str, unit: &str, example: &str) -> Result<u16, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(format!("Enter the number of {unit}"));
    }
    s.parse::<u16>()
        .map_err(|_| format!("Enter the number of {unit} as a whole number, like {example}"))
}

/// The expected (or actual) release date, or why it is not known.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ReleaseDate {
    Known(Date),
    /// Not known yet, for example while on remand; the reason is shown.
    Unknown {
        reason: Reason,
    },
}

impl ReleaseDate {
    /// A release date that is not known, with the reason typed into the form.
    pub fn unknown(reason: &str) -> Result<Self, String> {
        Reason::parse(reason, "why the release date is not known")
            .map(|reason| Self::Unknown { reason })
    }

    /// The date, when known.
    pub fn date(&self) -> Option<Date> {
        match self {
            ReleaseDate::Known(d) => Some(*d),
            ReleaseDate::Unknown { .. } => None,
        }
    }
}

/// Days from `today` until release: positive before it, 0 on the day, negative
/// after; `None` when the date is not known. Sorts a caseload by urgency.
pub fn days_until_release(today: Date, release: &ReleaseDate) -> Option<i64> {
    release.date().map(|d| days_between(today, d))
}

/// "released in 3 days", "released today", "released 1 day ago",
/// "release date not known".
pub fn release_countdown(today: Date, release: &ReleaseDate) -> String {
    match days_until_release(today, release) {
        None => "release date not known".to_string(),
        Some(0) => "released today".to_string(),
        Some(n) if n > 0 => format!("released in {}", days(n)),
        Some(n) => format!("released {} ago", days(-n)),
    }
}

/// `months` calendar months after `date`: the same day of the month, or the
/// last day of the target month when it is shorter (31 August + 6 months is
/// 28 February, or 29 February in a leap year). Dates past the end of the
/// calendar (year 9999) stay at its last day.
pub fn add_months(date: Date, months: u32) -> Date {
    let index =
        i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1 + i64::from(months);
    let Ok(year) = i32::try_from(index.div_euclid(12)) else {
        return Date::MAX;
    };
    let month_number = u8::try_from(index.rem_euclid(12) + 1).unwrap_or(12);
    let Ok(month) = Month::try_from(month_number) else {
        return Date::MAX;
    };
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
}

/// Formats a date like "3 July 2026".
pub fn long_date(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
fn days_between(from: Date, to: Date) -> i64 {
    i64::from(to.to_julian_day()) - i64::from(from.to_julian_day())
}

/// "1 day", "5 days".
fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

/// "1 week", "12 weeks".
fn weeks(n: u16) -> String {
    if n == 1 {
        "1 week".to_string()
    } else {
        format!("{n} weeks")
    }
}

/// The date someone born on `date_of_birth` turns `years` old, following
/// [`age_on`]: someone born on 29 February has their birthday on 1 March in
/// other years.
fn birthday(date_of_birth: Date, years: i32) -> Date {
    let year = date_of_birth.year().saturating_add(years);
    Date::from_calendar_date(year, date_of_birth.month(), date_of_birth.day())
        .or_else(|_| Date::from_calendar_date(year, Month::March, 1))
        .unwrap_or(Date::MAX)
}

/// One eligibility rule and whether it is met, explained for the triage page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct EligibilityCheck {
    /// The rule, like "Aged 18 or over".
    pub what: String,
    pub met: bool,
    /// Why it is or is not met, in plain English.
    pub explanation: String,
}

/// The triage eligibility checks. Advice for the worker, who decides: a
/// referral can still be accepted or declined either way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Eligibility {
    pub checks: Vec<EligibilityCheck>,
    /// Every check is met.
    pub eligible: bool,
}

/// The age at which someone can be supported.
pub const ADULT_AGE: i32 = 18;

/// Checks a referral against the service's rules: 18 or over; release within
/// the pre-release window or within the referral window after release; a
/// health need identified.
pub fn eligibility(
    today: Date,
    date_of_birth: Date,
    release: &ReleaseDate,
    health_need_identified: bool,
    windows: &SiteWindows,
) -> Eligibility {
    let checks = vec![
        age_check(today, date_of_birth),
        release_check(today, release, windows),
        need_check(health_need_identified),
    ];
    let eligible = checks.iter().all(|c| c.met);
    Eligibility { checks, eligible }
}

fn age_check(today: Date, date_of_birth: Date) -> EligibilityCheck {
    let age = age_on(date_of_birth, today);
    let (met, explanation) = if date_of_birth > today {
        (
            false,
            format!(
                "The date of birth, {}, is in the future. Check it.",
                long_date(date_of_birth)
            ),
        )
    } else if age >= ADULT_AGE {
        (true, format!("Aged {age}."))
    } else {
        (
            false,
            format!(
                "Aged {age}. The service is for adults: they turn 18 on {}.",
                long_date(birthday(date_of_birth, ADULT_AGE))
            ),
        )
    };
    EligibilityCheck {
        what: "Aged 18 or over".to_string(),
        met,
        explanation,
    }
}

fn release_check(today: Date, release: &ReleaseDate, windows: &SiteWindows) -> EligibilityCheck {
    let window = weeks(windows.pre_release_weeks);
    let after = days(i64::from(windows.referral_after_release_days));
    let what = if windows.referral_after_release_days == 0 {
        format!("Release within {window}")
    } else {
        format!("Release within {window}, or released in the last {after}")
    };
    let (met, explanation) = match release {
        ReleaseDate::Unknown { reason } => (
            false,
            format!("The release date is not known ({reason}). Record it to check this."),
        ),
        ReleaseDate::Known(d) => {
            let n = days_between(today, *d);
            if windows.within_pre_release_window(today, *d) {
                let when = if n == 0 {
                    "today".to_string()
                } else {
                    format!("in {}", days(n))
                };
                (
                    true,
                    format!(
                        "Expected to be released on {}, {when}: support before release can start.",
                        long_date(*d)
                    ),
                )
            } else if n > 0 {
                (
                    false,
                    format!(
                        "Expected to be released on {}, in {}. Support before release can start {window} before, from {}.",
                        long_date(*d),
                        days(n),
                        long_date(windows.pre_release_starts(*d))
                    ),
                )
            } else if windows.referral_accepted(today, release).is_ok() {
                (
                    true,
                    format!(
                        "Released on {}, {} ago: within the {after} after release when referrals are accepted.",
                        long_date(*d),
                        days(-n)
                    ),
                )
            } else {
                (
                    false,
                    format!(
                        "Released on {}, {} ago. {}",
                        long_date(*d),
                        days(-n),
                        windows.referral_rule()
                    ),
                )
            }
        }
    };
    EligibilityCheck {
        what,
        met,
        explanation,
    }
}

fn need_check(health_need_identified: bool) -> EligibilityCheck {
    EligibilityCheck {
        what: "A health need identified".to_string(),
        met: health_need_identified,
        explanation: if health_need_identified {
            "At least one health need has been identified.".to_string()
        } else {
            "No health need has been recorded yet. Record the needs the referral describes."
                .to_string()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn known(d: Date) -> ReleaseDate {
        ReleaseDate::Known(d)
    }

    #[test]
    fn defaults_are_the_national_ones() {
        let w = SiteWindows::default();
        assert_eq!(w.pre_release_weeks(), 12);
        assert_eq!(w.community_support_months(), 6);
        assert_eq!(w.referral_after_release_days(), 28);
        assert_eq!(SiteWindows::new(12, 6, 28), Ok(w));
    }

    #[test]
    fn settings_are_bounded() {
        assert_eq!(
            SiteWindows::new(0, 6, 28),
            Err(SiteWindowsError::PreReleaseWeeks)
        );
        assert_eq!(
            SiteWindows::new(27, 6, 28),
            Err(SiteWindowsError::PreReleaseWeeks)
        );
        assert_eq!(
            SiteWindows::new(12, 0, 28),
            Err(SiteWindowsError::CommunitySupportMonths)
        );
        assert_eq!(
            SiteWindows::new(12, 25, 28),
            Err(SiteWindowsError::CommunitySupportMonths)
        );
        assert_eq!(
            SiteWindows::new(12, 6, 91),
            Err(SiteWindowsError::ReferralAfterReleaseDays)
        );
        assert!(SiteWindows::new(1, 1, 0).is_ok());
        assert!(SiteWindows::new(26, 24, 90).is_ok());
        assert_eq!(
            SiteWindowsError::ReferralAfterReleaseDays.field(),
            "referral_after_release_days"
        );
    }

    #[test]
    fn settings_form_reports_every_field() {
        let ok = SiteWindows::parse(&SiteWindowsInput {
            pre_release_weeks: " 8 ",
            community_support_months: "9",
            referral_after_release_days: "14",
        })
        .unwrap();
        assert_eq!(ok, SiteWindows::new(8, 9, 14).unwrap());

        let errs = SiteWindows::parse(&SiteWindowsInput {
            pre_release_weeks: "",
            community_support_months: "six",
            referral_after_release_days: "120",
        })
        .unwrap_err();
        assert_eq!(
            errs,
            vec![
                FieldError::new("pre_release_weeks", "Enter the number of weeks"),
                FieldError::new(
                    "community_support_months",
                    "Enter the number of months as a whole number, like 6"
                ),
                FieldError::new(
                    "referral_after_release_days",
                    "Referrals can be accepted for 0 to 90 days after release"
                ),
            ]
        );
    }

    #[test]
    fn pre_release_window() {
        let w = SiteWindows::default();
        let release = date!(2026 - 06 - 30);
        assert_eq!(w.pre_release_starts(release), date!(2026 - 04 - 07));
        assert!(!w.within_pre_release_window(date!(2026 - 04 - 06), release));
        assert!(w.within_pre_release_window(date!(2026 - 04 - 07), release));
        assert!(w.within_pre_release_window(release, release));
        assert!(!w.within_pre_release_window(date!(2026 - 07 - 01), release));
        let short = SiteWindows::new(4, 6, 28).unwrap();
        assert_eq!(short.pre_release_starts(release), date!(2026 - 06 - 02));
    }

    #[test]
    fn referrals_until_28_days_after_release() {
        let w = SiteWindows::default();
        let released = date!(2026 - 03 - 01);
        assert_eq!(w.referral_window_ends(released), date!(2026 - 03 - 29));
        assert_eq!(
            w.referral_accepted(date!(2025 - 12 - 01), &known(released)),
            Ok(())
        );
        assert_eq!(w.referral_accepted(released, &known(released)), Ok(()));
        assert_eq!(
            w.referral_accepted(date!(2026 - 03 - 29), &known(released)),
            Ok(())
        );
        assert_eq!(
            w.referral_accepted(date!(2026 - 03 - 30), &known(released)),
            Err("Referrals are accepted up to 28 days after release. \
                 They were released on 1 March 2026, 29 days ago."
                .to_string())
        );
        let unknown = ReleaseDate::unknown("On remand").unwrap();
        assert_eq!(w.referral_accepted(date!(2026 - 03 - 30), &unknown), Ok(()));

        let same_day = SiteWindows::new(12, 6, 0).unwrap();
        assert_eq!(
            same_day.referral_accepted(date!(2026 - 03 - 02), &known(released)),
            Err("Referrals are accepted up to the day of release. \
                 They were released on 1 March 2026, 1 day ago."
                .to_string())
        );
    }

    #[test]
    fn month_ends_clamp_to_the_last_day() {
        // 31 August + 6 months: February has no 31st.
        assert_eq!(add_months(date!(2025 - 08 - 31), 6), date!(2026 - 02 - 28));
        // In a leap year, 29 February.
        assert_eq!(add_months(date!(2023 - 08 - 31), 6), date!(2024 - 02 - 29));
        // 2100 is not a leap year; 2000 was.
        assert_eq!(add_months(date!(2099 - 08 - 31), 6), date!(2100 - 02 - 28));
        assert_eq!(add_months(date!(1999 - 08 - 31), 6), date!(2000 - 02 - 29));
        // 31st into a 30-day month.
        assert_eq!(add_months(date!(2026 - 03 - 31), 6), date!(2026 - 09 - 30));
        // From 29 February to a non-leap February.
        assert_eq!(add_months(date!(2024 - 02 - 29), 12), date!(2025 - 02 - 28));
        // Ordinary days and year ends.
        assert_eq!(add_months(date!(2026 - 01 - 15), 6), date!(2026 - 07 - 15));
        assert_eq!(add_months(date!(2026 - 07 - 15), 6), date!(2027 - 01 - 15));
        assert_eq!(add_months(date!(2026 - 12 - 31), 1), date!(2027 - 01 - 31));
        assert_eq!(add_months(date!(2026 - 05 - 17), 0), date!(2026 - 05 - 17));
        assert_eq!(
            add_months(date!(2026 - 05 - 17), 120),
            date!(2036 - 05 - 17)
        );
        assert_eq!(add_months(Date::MAX, 1), Date::MAX);
    }

    #[test]
    fn community_support_ends_six_months_on_unless_extended() {
        let w = SiteWindows::default();
        let released = date!(2025 - 08 - 31);
        assert_eq!(
            w.community_support_ends(released, []),
            date!(2026 - 02 - 28)
        );
        assert_eq!(
            w.community_support_ends(released, [date!(2026 - 05 - 01), date!(2026 - 04 - 01)]),
            date!(2026 - 05 - 01)
        );
        // An "extension" to an earlier date never shortens support.
        assert_eq!(
            w.community_support_ends(released, [date!(2025 - 12 - 01)]),
            date!(2026 - 02 - 28)
        );
        let nine = SiteWindows::new(12, 9, 28).unwrap();
        assert_eq!(
            nine.community_support_ends(released, []),
            date!(2026 - 05 - 31)
        );
    }

    #[test]
    fn countdown_wording() {
        let today = date!(2026 - 03 - 10);
        let at = |d: Date| release_countdown(today, &known(d));
        assert_eq!(at(date!(2026 - 03 - 13)), "released in 3 days");
        assert_eq!(at(date!(2026 - 03 - 11)), "released in 1 day");
        assert_eq!(at(today), "released today");
        assert_eq!(at(date!(2026 - 03 - 09)), "released 1 day ago");
        assert_eq!(at(date!(2026 - 03 - 05)), "released 5 days ago");
        // Across a leap day.
        assert_eq!(
            release_countdown(date!(2028 - 02 - 28), &known(date!(2028 - 03 - 01))),
            "released in 2 days"
        );
        let unknown = ReleaseDate::unknown("Awaiting sentence").unwrap();
        assert_eq!(release_countdown(today, &unknown), "release date not known");
        assert_eq!(days_until_release(today, &unknown), None);
        assert_eq!(
            days_until_release(today, &known(date!(2026 - 03 - 05))),
            Some(-5)
        );
    }

    #[test]
    fn unknown_release_needs_a_reason() {
        assert!(ReleaseDate::unknown("   ").is_err());
        let r = ReleaseDate::unknown(" On remand ").unwrap();
        assert_eq!(r.date(), None);
        assert!(matches!(r, ReleaseDate::Unknown { ref reason } if reason.as_str() == "On remand"));
    }

    #[test]
    fn eligible_referral() {
        let w = SiteWindows::default();
        let today = date!(2026 - 03 - 10);
        let e = eligibility(
            today,
            date!(1990 - 07 - 03),
            &known(date!(2026 - 04 - 01)),
            true,
            &w,
        );
        assert!(e.eligible);
        let rows: Vec<(&str, bool, &str)> = e
            .checks
            .iter()
            .map(|c| (c.what.as_str(), c.met, c.explanation.as_str()))
            .collect();
        assert_eq!(
            rows,
            vec![
                ("Aged 18 or over", true, "Aged 35."),
                (
                    "Release within 12 weeks, or released in the last 28 days",
                    true,
                    "Expected to be released on 1 April 2026, in 22 days: support before release can start."
                ),
                (
                    "A health need identified",
                    true,
                    "At least one health need has been identified."
                ),
            ]
        );
    }

    #[test]
    fn ineligible_referrals_say_why() {
        let w = SiteWindows::default();
        let today = date!(2026 - 03 - 10);
        let adult = date!(1990 - 07 - 03);

        let young = eligibility(today, date!(2008 - 07 - 03), &known(today), true, &w);
        assert!(!young.eligible);
        assert!(!young.checks[0].met);
        assert_eq!(
            young.checks[0].explanation,
            "Aged 17. The service is for adults: they turn 18 on 3 July 2026."
        );

        // Born on 29 February: the 18th birthday falls on 1 March.
        let leapling = eligibility(
            date!(2026 - 02 - 28),
            date!(2008 - 02 - 29),
            &known(today),
            true,
            &w,
        );
        assert_eq!(
            leapling.checks[0].explanation,
            "Aged 17. The service is for adults: they turn 18 on 1 March 2026."
        );
        let eighteen = eligibility(
            date!(2026 - 03 - 01),
            date!(2008 - 02 - 29),
            &known(today),
            true,
            &w,
        );
        assert!(eighteen.checks[0].met);

        let far = eligibility(today, adult, &known(date!(2026 - 09 - 01)), true, &w);
        assert!(!far.eligible);
        assert_eq!(
            far.checks[1].explanation,
            "Expected to be released on 1 September 2026, in 175 days. \
             Support before release can start 12 weeks before, from 9 June 2026."
        );

        let recent = eligibility(today, adult, &known(date!(2026 - 02 - 20)), true, &w);
        assert!(recent.eligible);
        assert_eq!(
            recent.checks[1].explanation,
            "Released on 20 February 2026, 18 days ago: within the 28 days after release when referrals are accepted."
        );

        let late = eligibility(today, adult, &known(date!(2026 - 02 - 01)), true, &w);
        assert!(!late.eligible);
        assert_eq!(
            late.checks[1].explanation,
            "Released on 1 February 2026, 37 days ago. Referrals are accepted up to 28 days after release."
        );

        let unknown = ReleaseDate::unknown("On remand").unwrap();
        let u = eligibility(today, adult, &unknown, true, &w);
        assert!(!u.eligible);
        assert_eq!(
            u.checks[1].explanation,
            "The release date is not known (On remand). Record it to check this."
        );

        let no_need = eligibility(today, adult, &known(today), false, &w);
        assert!(!no_need.eligible);
        assert!(!no_need.checks[2].met);

        let future_birth = eligibility(today, date!(2027 - 01 - 01), &known(today), true, &w);
        assert!(!future_birth.checks[0].met);
        assert!(future_birth.checks[0].explanation.contains("in the future"));
    }

    #[test]
    fn eligibility_uses_the_site_windows() {
        let w = SiteWindows::new(4, 6, 0).unwrap();
        let today = date!(2026 - 03 - 10);
        let e = eligibility(
            today,
            date!(1990 - 07 - 03),
            &known(date!(2026 - 04 - 20)),
            true,
            &w,
        );
        assert_eq!(e.checks[1].what, "Release within 4 weeks");
        assert!(!e.checks[1].met);
        let one = SiteWindows::new(1, 6, 1).unwrap();
        let e = eligibility(
            today,
            date!(1990 - 07 - 03),
            &known(date!(2026 - 03 - 09)),
            true,
            &one,
        );
        assert_eq!(
            e.checks[1].what,
            "Release within 1 week, or released in the last 1 day"
        );
        assert!(e.checks[1].met);
    }

    fn any_date() -> impl Strategy<Value = Date> {
        // 1 January 1900 to 31 December 2199.
        (2_415_021i32..2_524_594).prop_map(|j| Date::from_julian_day(j).unwrap())
    }

    proptest! {
        #[test]
        fn add_months_keeps_the_day_or_ends_the_month(d in any_date(), m in 0u32..400) {
            let r = add_months(d, m);
            let months_apart = (r.year() - d.year()) * 12
                + i32::from(u8::from(r.month())) - i32::from(u8::from(d.month()));
            prop_assert_eq!(months_apart, i32::try_from(m).unwrap());
            if r.day() != d.day() {
                prop_assert!(r.day() < d.day());
                prop_assert_eq!(r.day(), r.month().length(r.year()));
            }
            prop_assert!(r >= d);
        }

        #[test]
        fn support_never_ends_before_the_default(
            d in any_date(),
            months in 1u16..=24,
            ext in proptest::collection::vec(any_date(), 0..4),
        ) {
            let w = SiteWindows::new(12, months, 28).unwrap();
            let end = w.community_support_ends(d, ext.clone());
            prop_assert!(end >= add_months(d, u32::from(months)));
            prop_assert!(ext.iter().all(|e| *e <= end));
            prop_assert!(end > d);
        }

        #[test]
        fn countdown_agrees_with_the_calendar(today in any_date(), delta in -400i64..400) {
            let release = today + Duration::days(delta);
            let text = release_countdown(today, &ReleaseDate::Known(release));
            match delta {
                0 => prop_assert_eq!(text, "released today"),
                1 => prop_assert_eq!(text, "released in 1 day"),
                -1 => prop_assert_eq!(text, "released 1 day ago"),
                n if n > 0 => prop_assert_eq!(text, format!("released in {n} days")),
                n => prop_assert_eq!(text, format!("released {} days ago", -n)),
            }
        }

        #[test]
        fn release_window_check_matches_the_rules(
            today in any_date(),
            delta in -200i64..200,
            weeks in 1u16..=26,
            after in 0u16..=90,
        ) {
            let w = SiteWindows::new(weeks, 6, after).unwrap();
            let release = today + Duration::days(delta);
            let e = eligibility(today, today - Duration::days(40 * 365), &ReleaseDate::Known(release), true, &w);
            let expected = (0..=i64::from(weeks) * 7).contains(&delta)
                || (-i64::from(after)..0).contains(&delta);
            prop_assert_eq!(e.checks[1].met, expected);
            prop_assert_eq!(e.eligible, expected);
            prop_assert_eq!(
                w.referral_accepted(today, &ReleaseDate::Known(release)).is_ok(),
                delta >= -i64::from(after)
            );
        }

        #[test]
        fn settings_within_bounds_are_accepted(a in 0u16..40, b in 0u16..40, c in 0u16..120) {
            let ok = (1..=26).contains(&a) && (1..=24).contains(&b) && c <= 90;
            prop_assert_eq!(SiteWindows::new(a, b, c).is_ok(), ok);
        }
    }
}
