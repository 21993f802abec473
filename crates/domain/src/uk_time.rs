//! UK clock time. Instants are kept in UTC; people book and read
//! appointments in the time on the clocks in England, which is GMT in winter
//! and British Summer Time (UTC+1) from 01:00 UTC on the last Sunday of March
//! to 01:00 UTC on the last Sunday of October. The rule is fixed in law
//! (Summer Time Act 1972 as amended), so it is written out here rather than
//! read from a time-zone database.

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, Weekday};

/// The last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let first_of_next = match month {
        Month::December => Date::from_calendar_date(year + 1, Month::January, 1),
        m => Date::from_calendar_date(year, m.next(), 1),
    }
    .ok()?;
    let mut day = first_of_next.previous_day()?;
    while day.weekday() != Weekday::Sunday {
        day = day.previous_day()?;
    }
    Some(day)
}

/// Is British Summer Time in force at this instant?
pub fn is_summer_time(at: OffsetDateTime) -> bool {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let year = utc.year();
    let (Some(start), Some(end)) = (
        last_sunday(year, Month::March),
        last_sunday(year, Month::October),
    ) else {
        return false;
    };
    let one = Time::from_hms(1, 0, 0).unwrap_or(Time::MIDNIGHT);
    let start = PrimitiveDateTime::new(start, one).assume_utc();
    let end = PrimitiveDateTime::new(end, one).assume_utc();
    utc >= start && utc < end
}

/// The time on UK clocks at this instant.
pub fn to_uk(at: OffsetDateTime) -> PrimitiveDateTime {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let local = if is_summer_time(utc) {
        utc + Duration::hours(1)
    } else {
        utc
    };
    PrimitiveDateTime::new(local.date(), local.time())
}

/// The instant at which UK clocks show `local`. In the hour skipped in March
/// the time is read as GMT (so 01:30 becomes 02:30 BST); in the hour repeated
/// in October the first (summer time) one is meant.
pub fn from_uk(local: PrimitiveDateTime) -> OffsetDateTime {
    let as_utc = local.assume_utc();
    let summer = as_utc - Duration::hours(1);
    if is_summer_time(summer) {
        summer
    } else {
        as_utc
    }
}

/// The Monday of the week (Monday to Sunday) that `day` is in.
pub fn monday_of(day: Date) -> Date {
    day - Duration::days(i64::from(day.weekday().number_days_from_monday()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn winter_is_gmt_and_summer_is_an_hour_ahead() {
        assert_eq!(
            to_uk(datetime!(2026-01-15 10:00 UTC)),
            datetime!(2026-01-15 10:00)
        );
        assert_eq!(
            to_uk(datetime!(2026-07-15 10:00 UTC)),
            datetime!(2026-07-15 11:00)
        );
        assert_eq!(
            from_uk(datetime!(2026-07-15 11:00)),
            datetime!(2026-07-15 10:00 UTC)
        );
        assert_eq!(
            from_uk(datetime!(2026-01-15 11:00)),
            datetime!(2026-01-15 11:00 UTC)
        );
    }

    #[test]
    fn clocks_change_on_the_last_sundays_of_march_and_october() {
        // 2026: 29 March and 25 October.
        assert!(!is_summer_time(datetime!(2026-03-29 00:59 UTC)));
        assert!(is_summer_time(datetime!(2026-03-29 01:00 UTC)));
        assert!(is_summer_time(datetime!(2026-10-25 00:59 UTC)));
        assert!(!is_summer_time(datetime!(2026-10-25 01:00 UTC)));
        // The skipped hour is read as GMT; the repeated one as summer time.
        assert_eq!(
            from_uk(datetime!(2026-03-29 01:30)),
            datetime!(2026-03-29 01:30 UTC)
        );
        assert_eq!(
            from_uk(datetime!(2026-10-25 01:30)),
            datetime!(2026-10-25 00:30 UTC)
        );
    }

    #[test]
    fn weeks_start_on_monday() {
        assert_eq!(monday_of(date!(2026 - 03 - 02)), date!(2026 - 03 - 02));
        assert_eq!(monday_of(date!(2026 - 03 - 08)), date!(2026 - 03 - 02));
        assert_eq!(monday_of(date!(2026 - 03 - 09)), date!(2026 - 03 - 09));
    }
}
