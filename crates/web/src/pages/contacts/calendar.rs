//! "Your appointments": the signed-in worker's (or peer mentor's) upcoming
//! appointments, and one week's calendar, Monday to Sunday, grouped by day,
//! with links to the weeks before and after (`?week=YYYY-MM-DD`, any day of
//! the week; anything else shows this week). Whose appointments these are is
//! the store's rule: the people allocated to them and those they booked.

use super::{uk_time, uk_when};
use crate::view::{date, render, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use reconnect_domain::appointment::AppointmentState;
use reconnect_domain::uk_time::{from_uk, monday_of, to_uk};
use reconnect_store::appointment_calendar::CalendarEntry;
use serde::Deserialize;
use time::{Date, Duration, PrimitiveDateTime, Time};

#[derive(Deserialize, Default)]
pub struct WeekQuery {
    #[serde(default)]
    pub week: Option<String>,
}

pub struct Entry {
    pub when: String,
    pub name: String,
    pub href: String,
    pub what: String,
    pub location: String,
    pub state: &'static str,
}

pub struct Day {
    pub heading: String,
    pub entries: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "pages/contacts/calendar.html")]
struct CalendarPage {
    layout: crate::view::Layout,
    no_site: bool,
    upcoming: Vec<Entry>,
    week_of: String,
    previous: String,
    next: String,
    this_week: Option<String>,
    days: Vec<Day>,
}

/// How far ahead "coming up" looks, and how many it shows.
const UPCOMING_WEEKS: i64 = 8;
const UPCOMING_MAX: usize = 20;

fn entry(e: &CalendarEntry, when: String) -> Entry {
    let a = &e.appointment;
    Entry {
        when,
        name: crate::pages::people::display_name(
            &e.given_name,
            &e.family_name,
            e.preferred_name.as_deref(),
        ),
        href: format!(
            "/people/{}/episodes/{}/appointments",
            a.person_id, a.episode_id
        ),
        what: a.details.what.clone(),
        location: a.details.location.clone(),
        state: a.state.label(),
    }
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

fn start_of(day: Date) -> time::OffsetDateTime {
    from_uk(PrimitiveDateTime::new(day, Time::MIDNIGHT))
}

/// `GET /appointments`
pub async fn my_appointments(
    State(state): State<AppState>,
    p: Page,
    Query(q): Query<WeekQuery>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let now = store.now();
    let today = to_uk(now).date();
    let chosen = q
        .week
        .as_deref()
        .and_then(|w| crate::journey::date_from_iso(w, "The week").ok())
        .filter(|d| d.year() >= 2000 && d.year() <= today.year() + 5)
        .unwrap_or(today);
    let monday = monday_of(chosen);
    let no_site = id.caller.scope.case_sites().is_empty();

    let soon = store
        .my_appointments(&id.caller, now, now + Duration::weeks(UPCOMING_WEEKS))
        .await?;
    let upcoming = soon
        .iter()
        .filter(|e| e.appointment.state == AppointmentState::Booked)
        .take(UPCOMING_MAX)
        .map(|e| entry(e, uk_when(e.appointment.details.starts_at)))
        .collect();

    let week = store
        .my_appointments(
            &id.caller,
            start_of(monday),
            start_of(monday + Duration::days(7)),
        )
        .await?;
    let days = (0..7)
        .map(|i| {
            let day = monday + Duration::days(i);
            Day {
                heading: format!("{} {}", day.weekday(), date(day)),
                entries: week
                    .iter()
                    .filter(|e| to_uk(e.appointment.details.starts_at).date() == day)
                    .map(|e| entry(e, uk_time(e.appointment.details.starts_at)))
                    .collect(),
            }
        })
        .collect();
    render(&CalendarPage {
        layout: p.layout("Your appointments"),
        no_site,
        upcoming,
        week_of: date(monday),
        previous: format!("/appointments?week={}", iso(monday - Duration::days(7))),
        next: format!("/appointments?week={}", iso(monday + Duration::days(7))),
        this_week: (monday != monday_of(today)).then(|| "/appointments".to_string()),
        days,
    })
}
