//! When a directory service is open, read from its Open Referral schedules:
//! weekly patterns ("MO,TU" with opens and closes times in UK clock time,
//! within optional valid-from and valid-to dates). Answers "is it open at
//! this instant?" in UK local time (GMT or BST) and says the hours in words.
//!
//! Hours that close at or before they open run past midnight (a night
//! shelter open 20:00 to 08:00 is open at 02:00 the next morning). Equal
//! opening and closing times mean open all day. Schedules that are not
//! weekly (monthly patterns like "1MO", or no times) cannot be answered and
//! are shown by their description instead.

use crate::uk_time::to_uk;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

const DAYS: [(&str, Weekday); 7] = [
    ("MO", Weekday::Monday),
    ("TU", Weekday::Tuesday),
    ("WE", Weekday::Wednesday),
    ("TH", Weekday::Thursday),
    ("FR", Weekday::Friday),
    ("SA", Weekday::Saturday),
    ("SU", Weekday::Sunday),
];

/// One schedule row as stored (the profile's text fields).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScheduleText {
    pub freq: Option<String>,
    pub byday: Option<String>,
    pub opens_at: Option<String>,
    pub closes_at: Option<String>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    pub description: Option<String>,
}

/// A weekly opening pattern that can be checked against the clock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeeklyHours {
    /// Monday first, each day once.
    pub days: Vec<Weekday>,
    pub opens: Time,
    pub closes: Time,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
}

/// Reads "HH:MM" or "HH:MM:SS".
fn clock_time(s: &str) -> Option<Time> {
    let mut parts = s.trim().split(':');
    let h: u8 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let sec: u8 = match parts.next() {
        Some(x) => x.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Time::from_hms(h, m, sec).ok()
}

fn iso_date(s: &Option<String>) -> Result<Option<Date>, ()> {
    match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(d) => {
            let day = d.get(..10).ok_or(())?;
            Date::parse(day, &time::format_description::well_known::Iso8601::DATE)
                .map(Some)
                .map_err(|_| ())
        }
    }
}

impl WeeklyHours {
    /// The weekly pattern of a schedule, or `None` when it is not one this
    /// can answer (not weekly, a day with a position like "1MO", no times,
    /// unreadable dates).
    pub fn from_schedule(s: &ScheduleText) -> Option<Self> {
        let freq = s.freq.as_deref().unwrap_or("").trim().to_ascii_uppercase();
        if !matches!(freq.as_str(), "" | "WEEKLY" | "DAILY") {
            return None;
        }
        let opens = clock_time(s.opens_at.as_deref()?)?;
        let closes = clock_time(s.closes_at.as_deref()?)?;
        let byday = s.byday.as_deref().unwrap_or("").trim();
        let days = if byday.is_empty() {
            DAYS.iter().map(|(_, d)| *d).collect()
        } else {
            let mut days = Vec::new();
            for code in byday.split(',') {
                let code = code.trim().to_ascii_uppercase();
                let (_, day) = DAYS.iter().find(|(c, _)| *c == code)?;
                if !days.contains(day) {
                    days.push(*day);
                }
            }
            days.sort_by_key(|d| d.number_days_from_monday());
            days
        };
        Some(Self {
            days,
            opens,
            closes,
            valid_from: iso_date(&s.valid_from).ok()?,
            valid_to: iso_date(&s.valid_to).ok()?,
        })
    }

    fn runs_on(&self, date: Date) -> bool {
        self.days.contains(&date.weekday())
            && self.valid_from.is_none_or(|f| date >= f)
            && self.valid_to.is_none_or(|t| date <= t)
    }

    /// Open at this moment on UK clocks?
    pub fn is_open_at_local(&self, local: PrimitiveDateTime) -> bool {
        let (date, t) = (local.date(), local.time());
        if self.opens == self.closes {
            return self.runs_on(date);
        }
        if self.opens < self.closes {
            return self.runs_on(date) && t >= self.opens && t < self.closes;
        }
        // Past midnight: the evening of an opening day, or the early hours
        // after one.
        (self.runs_on(date) && t >= self.opens)
            || (t < self.closes && date.previous_day().is_some_and(|d| self.runs_on(d)))
    }

    /// The hours in words, like "Monday to Friday, 09:00 to 17:00".
    pub fn words(&self) -> String {
        let hours = if self.opens == self.closes {
            "open all day".to_string()
        } else {
            let next = if self.closes < self.opens {
                " the next morning"
            } else {
                ""
            };
            format!("{} to {}{next}", hh_mm(self.opens), hh_mm(self.closes))
        };
        let mut out = format!("{}, {hours}", day_words(&self.days));
        if let Some(f) = self.valid_from {
            out.push_str(&format!(", from {}", long_date(f)));
        }
        if let Some(t) = self.valid_to {
            out.push_str(&format!(", until {}", long_date(t)));
        }
        out
    }
}

fn hh_mm(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

fn long_date(d: Date) -> String {
    format!("{} {} {}", d.day(), d.month(), d.year())
}

/// "Every day", "Monday to Friday", "Monday, Wednesday and Friday".
fn day_words(days: &[Weekday]) -> String {
    if days.len() == 7 {
        return "Every day".into();
    }
    // Runs of consecutive days (Monday first).
    let mut runs: Vec<(Weekday, Weekday)> = Vec::new();
    for d in days {
        match runs.last_mut() {
            Some((_, end)) if end.next() == *d && *d != Weekday::Monday => *end = *d,
            _ => runs.push((*d, *d)),
        }
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else if a.next() == *b {
                format!("{a} and {b}")
            } else {
                format!("{a} to {b}")
            }
        })
        .collect();
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

/// Is a service with these schedules open at `at`? `None` when none of its
/// schedules is a weekly pattern (so nobody can say).
pub fn open_at(schedules: &[ScheduleText], at: OffsetDateTime) -> Option<bool> {
    let local = to_uk(at);
    let weekly: Vec<WeeklyHours> = schedules
        .iter()
        .filter_map(WeeklyHours::from_schedule)
        .collect();
    if weekly.is_empty() {
        return None;
    }
    Some(weekly.iter().any(|w| w.is_open_at_local(local)))
}

/// Each schedule in words: the weekly hours, with the description when
/// there is one, or the description alone for patterns read only by people.
pub fn in_words(schedules: &[ScheduleText]) -> Vec<String> {
    schedules
        .iter()
        .filter_map(|s| {
            let desc = s
                .description
                .as_deref()
                .map(str::trim)
                .filter(|d| !d.is_empty());
            match (WeeklyHours::from_schedule(s), desc) {
                (Some(w), Some(d)) => Some(format!("{} ({d})", w.words())),
                (Some(w), None) => Some(w.words()),
                (None, Some(d)) => Some(d.to_string()),
                (None, None) => None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn weekly(byday: &str, opens: &str, closes: &str) -> ScheduleText {
        ScheduleText {
            freq: Some("WEEKLY".into()),
            byday: Some(byday.into()),
            opens_at: Some(opens.into()),
            closes_at: Some(closes.into()),
            ..ScheduleText::default()
        }
    }

    #[test]
    fn office_hours_in_winter_and_summer_time() {
        let s = [weekly("MO,TU,WE,TH,FR", "09:00", "17:00")];
        // Monday 2 March 2026 (GMT): 09:00 UTC is 09:00 on the clocks.
        assert_eq!(open_at(&s, datetime!(2026-03-02 09:00 UTC)), Some(true));
        assert_eq!(open_at(&s, datetime!(2026-03-02 08:59 UTC)), Some(false));
        assert_eq!(open_at(&s, datetime!(2026-03-02 17:00 UTC)), Some(false));
        // Monday 6 July 2026 (BST): 08:30 UTC is 09:30 on the clocks.
        assert_eq!(open_at(&s, datetime!(2026-07-06 08:30 UTC)), Some(true));
        assert_eq!(open_at(&s, datetime!(2026-07-06 16:30 UTC)), Some(false));
        // Saturday.
        assert_eq!(open_at(&s, datetime!(2026-03-07 12:00 UTC)), Some(false));
        assert_eq!(
            in_words(&s),
            vec!["Monday to Friday, 09:00 to 17:00".to_string()]
        );
    }

    #[test]
    fn hours_past_midnight_belong_to_the_evening_they_started() {
        let s = [weekly("FR,SA", "20:00:00", "08:00:00")];
        // Friday 22:00, Saturday 02:00 and Sunday 02:00 (after Saturday night).
        assert_eq!(open_at(&s, datetime!(2026-03-06 22:00 UTC)), Some(true));
        assert_eq!(open_at(&s, datetime!(2026-03-07 02:00 UTC)), Some(true));
        assert_eq!(open_at(&s, datetime!(2026-03-08 02:00 UTC)), Some(true));
        // Sunday night and Monday's early hours are closed.
        assert_eq!(open_at(&s, datetime!(2026-03-08 22:00 UTC)), Some(false));
        assert_eq!(open_at(&s, datetime!(2026-03-09 02:00 UTC)), Some(false));
        // Friday 12:00.
        assert_eq!(open_at(&s, datetime!(2026-03-06 12:00 UTC)), Some(false));
        assert_eq!(
            in_words(&s),
            vec!["Friday and Saturday, 20:00 to 08:00 the next morning".to_string()]
        );
    }

    #[test]
    fn valid_dates_and_unreadable_patterns() {
        let mut s = weekly("MO", "09:00", "12:00");
        s.valid_from = Some("2026-03-09".into());
        assert_eq!(
            open_at(std::slice::from_ref(&s), datetime!(2026-03-02 10:00 UTC)),
            Some(false)
        );
        assert_eq!(
            open_at(std::slice::from_ref(&s), datetime!(2026-03-09 10:00 UTC)),
            Some(true)
        );
        let monthly = ScheduleText {
            freq: Some("MONTHLY".into()),
            byday: Some("1MO".into()),
            description: Some("First Monday of the month, 10am to noon".into()),
            ..ScheduleText::default()
        };
        assert_eq!(
            open_at(
                std::slice::from_ref(&monthly),
                datetime!(2026-03-02 10:00 UTC)
            ),
            None
        );
        assert_eq!(
            in_words(&[monthly]),
            vec!["First Monday of the month, 10am to noon".to_string()]
        );
        assert_eq!(
            day_words(&[Weekday::Monday, Weekday::Wednesday, Weekday::Friday]),
            "Monday, Wednesday and Friday"
        );
        assert!(WeeklyHours::from_schedule(&weekly("XX", "09:00", "10:00")).is_none());
        assert!(WeeklyHours::from_schedule(&weekly("MO", "9", "10:00")).is_none());
    }

    #[test]
    fn equal_times_mean_open_all_day() {
        let s = [weekly("SU", "00:00", "00:00")];
        assert_eq!(open_at(&s, datetime!(2026-03-08 23:30 UTC)), Some(true));
        assert_eq!(open_at(&s, datetime!(2026-03-09 00:30 UTC)), Some(false));
        // The last Sunday of March: clocks go forward at 01:00 UTC.
        assert_eq!(open_at(&s, datetime!(2026-03-29 22:30 UTC)), Some(true));
        assert_eq!(open_at(&s, datetime!(2026-03-29 23:30 UTC)), Some(false));
    }
}
