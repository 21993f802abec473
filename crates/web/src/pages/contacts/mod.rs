//! Working with the person, on the pages: contacts, appointments (booking,
//! attendance, rescheduling, cancelling), case notes, and a worker's own
//! appointments and week. Each page lives under its episode's address and
//! shows who it is about; the store decides what the caller may see and do.
//!
//! Times are read and shown in UK clock time ([`reconnect_domain::uk_time`]).
//! Forms that add a record carry the new record's id, so sending one twice
//! saves it once.

mod appointment_actions;
mod appointments;
mod calendar;
mod contact_correct;
mod contact_log;
mod notes;

pub use appointment_actions::{
    attendance_form, attendance_submit, cancel_form, cancel_submit, reschedule_form,
    reschedule_submit, AppointmentActionForm,
};
pub use appointments::{appointments, book, BookForm};
pub use calendar::{my_appointments, WeekQuery};
pub use contact_correct::{correct_contact, correct_contact_form, ContactCorrectionForm};
pub use contact_log::{contacts, log_contact, ContactForm};
pub use notes::{add_note, correct_note, correct_note_form, notes, NoteForm};

use crate::view::Page;
use crate::{AppState, PageError};
use reconnect_domain::uk_time::{from_uk, to_uk};
use reconnect_domain::validation::date_from_parts;
use reconnect_domain::{EpisodeId, FieldError, PersonId};
use time::{OffsetDateTime, PrimitiveDateTime, Time};

/// Who and which episode a page is about.
pub struct EpisodeContext {
    pub person_id: PersonId,
    pub episode_id: EpisodeId,
    pub person_name: String,
    pub person_href: String,
    pub episode_href: String,
    /// The episode is still open.
    pub open: bool,
    /// The caller may add and change records here.
    pub can_write: bool,
}

/// Reads the ids in the address and loads who the page is about: "not found"
/// unless the episode is the person's and at one of the caller's sites.
pub async fn context(
    state: &AppState,
    p: &Page,
    person_id: &str,
    episode_id: &str,
) -> Result<EpisodeContext, PageError> {
    let id = p.identity()?;
    let person_id: PersonId = person_id.parse().map_err(|_| PageError::NotFound)?;
    let episode_id: EpisodeId = episode_id.parse().map_err(|_| PageError::NotFound)?;
    let store = state.store();
    let ep = store.episode(&id.caller, episode_id).await?;
    if ep.person_id != person_id {
        return Err(PageError::NotFound);
    }
    let person = store.get_person(&id.caller, person_id).await?;
    Ok(EpisodeContext {
        person_id,
        episode_id,
        person_name: crate::pages::people::person_name(&person),
        person_href: format!("/people/{person_id}"),
        episode_href: format!("/people/{person_id}/episodes/{episode_id}"),
        open: !ep.state.is_terminal(),
        can_write: id.caller.scope.may_write_site(person.summary.site_id),
    })
}

/// An error summary entry that is not about one field.
pub(crate) fn general(message: impl Into<String>) -> FieldError {
    FieldError::new("", message)
}

/// Shown when a record changed between loading a form and sending it.
pub const CHANGED_MESSAGE: &str = "This record changed after you opened the page, perhaps because the form was sent twice or someone else saved a change. Check the latest details below and try again if it is still needed";

/// A fresh id for a form that adds a record, or the one it was sent with.
pub(crate) fn form_id<T: std::str::FromStr + ToString>(sent: &str, new: fn() -> T) -> T {
    sent.trim().parse().unwrap_or_else(|_| new())
}

/// Reads a time of day like `14:30`, `9:05` or `9.05`.
pub fn time_of_day(input: &str, subject: &str) -> Result<Time, String> {
    let s = input.trim();
    if s.is_empty() {
        return Err(format!("Enter {subject}"));
    }
    let bad = || format!("Enter {subject} using the 24-hour clock, like 14:30");
    let (h, m) = s.split_once([':', '.']).ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: u8 = h.parse().map_err(|_| bad())?;
    let m: u8 = m.parse().map_err(|_| bad())?;
    Time::from_hms(h, m, 0).map_err(|_| bad())
}

/// Reads a date (three boxes) and a time of day, in UK clock time, into an
/// instant. The message goes to the date unless only the time is wrong:
/// `Err((is_time, message))`.
pub fn when_from_parts(
    day: &str,
    month: &str,
    year: &str,
    time: &str,
    date_subject: &str,
    time_subject: &str,
) -> Result<OffsetDateTime, (bool, String)> {
    let date = date_from_parts(day, month, year, date_subject).map_err(|m| (false, m))?;
    let t = time_of_day(time, time_subject).map_err(|m| (true, m))?;
    Ok(from_uk(PrimitiveDateTime::new(date, t)))
}

/// An instant as people in the UK read it: "Monday 2 March 2026 at 14:30".
pub fn uk_when(t: OffsetDateTime) -> String {
    let local = to_uk(t);
    let fmt = time::macros::format_description!(
        "[weekday] [day padding:none] [month repr:long] [year] at [hour]:[minute]"
    );
    local.format(&fmt).unwrap_or_default()
}

/// Just the UK clock time: "14:30".
pub fn uk_time(t: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[hour]:[minute]");
    to_uk(t).format(&fmt).unwrap_or_default()
}

/// The boxes of a date-and-time input, filled from an instant (for forms
/// that start with a value) or as sent.
#[derive(Clone, Default, serde::Deserialize)]
pub struct WhenInput {
    #[serde(default, rename = "when-day")]
    pub day: String,
    #[serde(default, rename = "when-month")]
    pub month: String,
    #[serde(default, rename = "when-year")]
    pub year: String,
    #[serde(default, rename = "when-time")]
    pub time: String,
}

impl WhenInput {
    pub fn from_instant(t: OffsetDateTime) -> Self {
        let l = to_uk(t);
        Self {
            day: l.day().to_string(),
            month: (l.month() as u8).to_string(),
            year: l.year().to_string(),
            time: uk_time(t),
        }
    }

    /// The instant, or a field error on `when-day` or `when-time`.
    pub fn read(
        &self,
        date_subject: &str,
        time_subject: &str,
    ) -> Result<OffsetDateTime, FieldError> {
        when_from_parts(
            &self.day,
            &self.month,
            &self.year,
            &self.time,
            date_subject,
            time_subject,
        )
        .map_err(|(is_time, m)| FieldError::new(if is_time { "when-time" } else { "when-day" }, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_times_of_day() {
        assert_eq!(
            time_of_day("9:05", "the time").unwrap(),
            time::macros::time!(9:05)
        );
        assert_eq!(
            time_of_day(" 14.30 ", "the time").unwrap(),
            time::macros::time!(14:30)
        );
        assert_eq!(time_of_day("", "the time").unwrap_err(), "Enter the time");
        for bad in ["25:00", "9", "9:5", "noon", "12:60", "123:00"] {
            assert!(time_of_day(bad, "the time").is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_uk_clock_time() {
        let summer = when_from_parts("15", "7", "2026", "10:00", "The date", "the time").unwrap();
        assert_eq!(summer, time::macros::datetime!(2026-07-15 09:00 UTC));
        assert_eq!(uk_when(summer), "Wednesday 15 July 2026 at 10:00");
        assert!(
            !when_from_parts("31", "2", "2026", "10:00", "The date", "the time")
                .unwrap_err()
                .0
        );
        assert!(
            when_from_parts("1", "2", "2026", "x", "The date", "the time")
                .unwrap_err()
                .0
        );
    }
}
