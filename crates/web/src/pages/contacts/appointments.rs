//! The appointments page of an episode: book one (what, where, when), the
//! upcoming ones (to reschedule or cancel), those waiting for attendance to
//! be recorded, and what became of the rest: attended, late, did not
//! attend and why, rescheduled (why, who asked, and to when), cancelled.

use super::{context, form_id, general, uk_when, EpisodeContext, WhenInput};
use crate::pages::Form;
use crate::view::{render, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::appointment::{AppointmentDetails, AppointmentState};
use reconnect_domain::id::AppointmentId;
use reconnect_domain::FieldError;
use reconnect_store::appointments::Appointment;
use reconnect_store::StoreError;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize, Default, Clone)]
pub struct BookForm {
    #[serde(default)]
    pub form_id: String,
    #[serde(default)]
    pub what: String,
    #[serde(default)]
    pub location: String,
    #[serde(flatten)]
    pub when: WhenInput,
}

/// An appointment as the lists show it.
pub struct AppointmentRow {
    pub when: String,
    pub what: String,
    pub location: String,
    pub state: &'static str,
    pub tag: &'static str,
    /// What became of it, in a sentence.
    pub outcome: Option<String>,
    /// Links to act on it: (href, label, what it is about for screen readers).
    pub actions: Vec<(String, &'static str)>,
}

fn tag(s: AppointmentState) -> &'static str {
    match s {
        AppointmentState::Booked => "nhsuk-tag--blue",
        AppointmentState::Attended => "nhsuk-tag--green",
        AppointmentState::Late => "nhsuk-tag--yellow",
        AppointmentState::DidNotAttend => "nhsuk-tag--red",
        AppointmentState::Rescheduled | AppointmentState::Cancelled => "nhsuk-tag--grey",
    }
}

fn row(
    a: &Appointment,
    by_id: &HashMap<AppointmentId, &Appointment>,
    cx: &EpisodeContext,
    now: time::OffsetDateTime,
) -> AppointmentRow {
    let outcome = match a.state {
        AppointmentState::DidNotAttend => a.dna_reason.map(|r| r.label().to_string()),
        AppointmentState::Rescheduled => {
            let to = a
                .rescheduled_to
                .and_then(|id| by_id.get(&id))
                .map(|n| format!("Moved to {}", uk_when(n.details.starts_at)))
                .unwrap_or_else(|| "Moved".into());
            Some(format!(
                "{to}, at the request of {}: {}",
                a.asked_by
                    .map(|w| w.label().to_lowercase())
                    .unwrap_or_default(),
                a.reason.clone().unwrap_or_default()
            ))
        }
        AppointmentState::Cancelled => a.reason.clone().map(|r| format!("Cancelled: {r}")),
        _ => None,
    }
    .or_else(|| {
        a.rescheduled_from
            .and_then(|id| by_id.get(&id))
            .map(|o| format!("Moved from {}", uk_when(o.details.starts_at)))
    });
    let base = format!("{}/appointments/{}", cx.episode_href, a.id);
    let mut actions = Vec::new();
    if cx.can_write && a.state.is_open() {
        if a.details.starts_at <= now {
            actions.push((format!("{base}/attendance"), "Record attendance"));
        } else if cx.open {
            actions.push((format!("{base}/reschedule"), "Reschedule"));
        }
        actions.push((format!("{base}/cancel"), "Cancel"));
    }
    AppointmentRow {
        when: uk_when(a.details.starts_at),
        what: a.details.what.clone(),
        location: a.details.location.clone(),
        state: a.state.label(),
        tag: tag(a.state),
        outcome,
        actions,
    }
}

#[derive(Template)]
#[template(path = "pages/contacts/appointments.html")]
struct AppointmentsPage {
    layout: crate::view::Layout,
    errors: Vec<FieldError>,
    cx: EpisodeContext,
    done: Option<&'static str>,
    form_id: String,
    form: BookForm,
    upcoming: Vec<AppointmentRow>,
    to_record: Vec<AppointmentRow>,
    past: Vec<AppointmentRow>,
}

pub(super) async fn page(
    state: &AppState,
    p: &Page,
    cx: EpisodeContext,
    form: BookForm,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let now = store.now();
    let list = store.appointments(&id.caller, cx.episode_id).await?;
    let by_id: HashMap<AppointmentId, &Appointment> = list.iter().map(|a| (a.id, a)).collect();
    let (mut upcoming, mut to_record, mut past) = (Vec::new(), Vec::new(), Vec::new());
    // The store lists latest first; upcoming ones read best soonest first.
    for a in list.iter().rev() {
        let r = row(a, &by_id, &cx, now);
        match (a.state.is_open(), a.details.starts_at > now) {
            (true, true) => upcoming.push(r),
            (true, false) => to_record.push(r),
            (false, _) => past.push(r),
        }
    }
    past.reverse();
    render(&AppointmentsPage {
        layout: p.layout_with_errors(format!("Appointments – {}", cx.person_name), &errors),
        errors,
        done,
        form_id: form_id(&form.form_id, AppointmentId::new).to_string(),
        form,
        upcoming,
        to_record,
        past,
        cx,
    })
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    pub done: Option<String>,
}

/// The confirmation after a change.
pub(super) fn done_message(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "booked" => "Appointment booked",
        "attendance" => "Attendance recorded",
        "reschedule" => "Appointment rescheduled. The old one is kept, marked as rescheduled",
        "cancel" => "Appointment cancelled",
        _ => return None,
    })
}

/// `GET /people/{person_id}/episodes/{episode_id}/appointments`
pub async fn appointments(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let done = done_message(q.done.as_deref());
    page(&state, &p, cx, BookForm::default(), Vec::new(), done).await
}

/// `POST /people/{person_id}/episodes/{episode_id}/appointments`
pub async fn book(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<BookForm>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let id = p.identity()?;
    let store = state.store();
    let when = form
        .when
        .read("The date of the appointment", "the time of the appointment");
    let time_field = when.as_ref().err().map(|e| e.field.clone());
    let parsed = AppointmentDetails::parse(
        &form.what,
        &form.location,
        when.map_err(|e| e.message),
        store.now(),
        ("what", "location", "when-day"),
    );
    let details = match parsed {
        Ok(d) => d,
        Err(mut errors) => {
            if let Some(f) = time_field {
                for e in errors.iter_mut().filter(|e| e.field == "when-day") {
                    e.field = f.clone();
                }
            }
            return page(&state, &p, cx, form, errors, None).await;
        }
    };
    let new_id = form_id(&form.form_id, AppointmentId::new);
    match store
        .book_appointment(&id.caller, cx.episode_id, new_id, &details)
        .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("{}/appointments?done=booked", cx.episode_href)).into_response(),
        ),
        Err(StoreError::Refused(m) | StoreError::Conflict(m)) => {
            let mut res = page(&state, &p, cx, form, vec![general(m)], None).await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}
