//! Appointments and what became of them. An appointment is booked for a time
//! (not before 2000, not more than two years ahead: anything else is a
//! typing mistake), and then either happened (attended, attended late, or
//! did not attend, with whether the reason was acceptable), was rescheduled
//! (the old appointment stays, saying why, who asked and which appointment
//! replaced it), or was cancelled with a reason. Only a booked appointment
//! can change, and attendance cannot be recorded before the appointment's
//! time: the rules are here and the store applies them.

use crate::contact::earliest_date;
use crate::person_details::catalogue;
use crate::validation::required_text;
use std::fmt;
use time::{Duration, OffsetDateTime};

catalogue! {
    /// Where an appointment is in its life.
    pub enum AppointmentState {
        Booked = "booked", "Booked";
        Attended = "attended", "Attended";
        Late = "late", "Attended late";
        DidNotAttend = "did_not_attend", "Did not attend";
        Rescheduled = "rescheduled", "Rescheduled";
        Cancelled = "cancelled", "Cancelled";
    }
    unknown = "Choose a state of the appointment";
}

catalogue! {
    /// Whether they came.
    pub enum Attendance {
        Attended = "attended", "Attended";
        Late = "late", "Attended late";
        DidNotAttend = "did_not_attend", "Did not attend";
    }
    unknown = "Choose whether they attended";
}

catalogue! {
    /// Why someone did not attend, as far as the service is concerned.
    pub enum DnaReason {
        Acceptable = "acceptable", "Acceptable reason, for example illness or a clash with another appointment";
        Unacceptable = "unacceptable", "No acceptable reason";
        Logistics = "logistics", "Travel or other practical problems";
    }
    unknown = "Choose why they did not attend";
}

catalogue! {
    /// Who asked for an appointment to move.
    pub enum AskedBy {
        Person = "person", "The person";
        Worker = "worker", "Their worker";
        Service = "service", "The service they were seeing, or the prison";
    }
    unknown = "Choose who asked to change the appointment";
}

impl AppointmentState {
    /// Booked and waiting to happen?
    pub fn is_open(self) -> bool {
        self == AppointmentState::Booked
    }
}

impl From<Attendance> for AppointmentState {
    fn from(a: Attendance) -> Self {
        match a {
            Attendance::Attended => AppointmentState::Attended,
            Attendance::Late => AppointmentState::Late,
            Attendance::DidNotAttend => AppointmentState::DidNotAttend,
        }
    }
}

/// How far ahead an appointment may be booked.
pub const FURTHEST_AHEAD_DAYS: i64 = 731;
/// The longest description, place or reason, in characters.
pub const MAX_TEXT_CHARS: usize = 500;

/// Refuses a time before 2000 or more than two years after `now`.
pub fn check_appointment_time(
    at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, String> {
    if at.date() < earliest_date() {
        return Err("The date of the appointment must be in the year 2000 or later".into());
    }
    if at > now + Duration::days(FURTHEST_AHEAD_DAYS) {
        return Err("The date of the appointment must be within the next 2 years".into());
    }
    Ok(at)
}

/// What the appointment is and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppointmentDetails {
    /// What it is and with whom, like "Housing options with Leeds City Council".
    pub what: String,
    /// Where, like "Civic Hall, Leeds" or "Phone call".
    pub location: String,
    pub starts_at: OffsetDateTime,
}

impl AppointmentDetails {
    /// Reads the answers; `starts_at` has been read from its fields already.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        what: &str,
        location: &str,
        starts_at: Result<OffsetDateTime, String>,
        now: OffsetDateTime,
        fields: (&str, &str, &str),
    ) -> Result<Self, Vec<crate::FieldError>> {
        let mut v = crate::Validation::new();
        let what = v.check(
            fields.0,
            required_text(
                what,
                "what the appointment is and who it is with",
                MAX_TEXT_CHARS,
            ),
        );
        let location = v.check(
            fields.1,
            required_text(location, "where the appointment is", MAX_TEXT_CHARS),
        );
        let starts_at = v.check(
            fields.2,
            starts_at.and_then(|t| check_appointment_time(t, now)),
        );
        v.finish(|| {
            Some(Self {
                what: what?,
                location: location?,
                starts_at: starts_at?,
            })
        })
    }
}

/// Something that happens to a booked appointment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppointmentAction {
    /// Whether they came; a reason category is needed when they did not.
    RecordAttendance {
        attendance: Attendance,
        dna_reason: Option<DnaReason>,
    },
    /// Moved to a new time (and perhaps place): a new appointment replaces it.
    Reschedule {
        starts_at: OffsetDateTime,
        location: Option<String>,
        reason: String,
        asked_by: AskedBy,
    },
    Cancel {
        reason: String,
    },
}

impl AppointmentAction {
    pub fn as_str(&self) -> &'static str {
        match self {
            AppointmentAction::RecordAttendance { .. } => "attendance",
            AppointmentAction::Reschedule { .. } => "reschedule",
            AppointmentAction::Cancel { .. } => "cancel",
        }
    }
}

/// Why an action was refused, in plain English.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppointmentRefusal(pub String);

impl fmt::Display for AppointmentRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The state after `action`, or why it cannot happen. `starts_at` is the
/// appointment's time.
pub fn apply(
    state: AppointmentState,
    starts_at: OffsetDateTime,
    action: &AppointmentAction,
    now: OffsetDateTime,
) -> Result<AppointmentState, AppointmentRefusal> {
    if !state.is_open() {
        return Err(AppointmentRefusal(format!(
            "This appointment is already marked as {}, so it cannot change. Book a new appointment if one is needed",
            state.label().to_lowercase()
        )));
    }
    match action {
        AppointmentAction::RecordAttendance {
            attendance,
            dna_reason,
        } => {
            if starts_at > now {
                return Err(AppointmentRefusal(
                    "This appointment has not started yet, so attendance cannot be recorded. Record it once the time has passed, or reschedule it".into(),
                ));
            }
            match (attendance, dna_reason) {
                (Attendance::DidNotAttend, None) => {
                    Err(AppointmentRefusal("Say why they did not attend".into()))
                }
                (Attendance::Attended | Attendance::Late, Some(_)) => Err(AppointmentRefusal(
                    "A reason for not attending is only recorded when they did not attend".into(),
                )),
                _ => Ok((*attendance).into()),
            }
        }
        AppointmentAction::Reschedule { starts_at: to, .. } => {
            check_appointment_time(*to, now).map_err(AppointmentRefusal)?;
            if *to == starts_at {
                return Err(AppointmentRefusal(
                    "The new time is the same as the current one. Choose a different time".into(),
                ));
            }
            Ok(AppointmentState::Rescheduled)
        }
        AppointmentAction::Cancel { .. } => Ok(AppointmentState::Cancelled),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-02 12:00 UTC);

    fn attend(a: Attendance, r: Option<DnaReason>) -> AppointmentAction {
        AppointmentAction::RecordAttendance {
            attendance: a,
            dna_reason: r,
        }
    }

    #[test]
    fn attendance_only_once_the_time_has_passed() {
        let past = NOW - Duration::hours(2);
        assert_eq!(
            apply(
                AppointmentState::Booked,
                past,
                &attend(Attendance::Late, None),
                NOW
            ),
            Ok(AppointmentState::Late)
        );
        assert_eq!(
            apply(
                AppointmentState::Booked,
                past,
                &attend(Attendance::DidNotAttend, Some(DnaReason::Logistics)),
                NOW
            ),
            Ok(AppointmentState::DidNotAttend)
        );
        let e = apply(
            AppointmentState::Booked,
            NOW + Duration::hours(1),
            &attend(Attendance::Attended, None),
            NOW,
        )
        .unwrap_err();
        assert!(e.0.contains("has not started yet"));
        assert!(apply(
            AppointmentState::Booked,
            past,
            &attend(Attendance::DidNotAttend, None),
            NOW
        )
        .is_err());
        assert!(apply(
            AppointmentState::Booked,
            past,
            &attend(Attendance::Attended, Some(DnaReason::Acceptable)),
            NOW
        )
        .is_err());
    }

    #[test]
    fn only_booked_appointments_change() {
        for s in AppointmentState::ALL.iter().filter(|s| !s.is_open()) {
            let e = apply(
                *s,
                NOW,
                &AppointmentAction::Cancel { reason: "x".into() },
                NOW,
            )
            .unwrap_err();
            assert!(e.0.contains("already marked as"), "{e}");
        }
    }

    #[test]
    fn rescheduling_needs_a_new_plausible_time() {
        let at = NOW + Duration::days(1);
        let to = |t| AppointmentAction::Reschedule {
            starts_at: t,
            location: None,
            reason: "Clash with probation".into(),
            asked_by: AskedBy::Person,
        };
        assert_eq!(
            apply(
                AppointmentState::Booked,
                at,
                &to(at + Duration::days(2)),
                NOW
            ),
            Ok(AppointmentState::Rescheduled)
        );
        assert!(apply(AppointmentState::Booked, at, &to(at), NOW).is_err());
        assert!(apply(
            AppointmentState::Booked,
            at,
            &to(NOW + Duration::days(800)),
            NOW
        )
        .is_err());
    }

    #[test]
    fn times_are_plausible() {
        assert!(check_appointment_time(datetime!(1900-01-01 10:00 UTC), NOW).is_err());
        assert!(check_appointment_time(NOW + Duration::days(700), NOW).is_ok());
        assert!(check_appointment_time(NOW + Duration::days(732), NOW).is_err());
        let e = AppointmentDetails::parse(
            "",
            "",
            Err("Enter the date".into()),
            NOW,
            ("what", "location", "starts_at"),
        )
        .unwrap_err();
        assert_eq!(e.len(), 3);
    }
}
