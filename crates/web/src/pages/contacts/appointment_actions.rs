//! What happens to a booked appointment, one page each: recording
//! attendance (with why, when they did not attend), rescheduling (to when,
//! perhaps where, why and who asked: the old appointment is kept) and
//! cancelling (why). A refusal by the rules is shown with its reason (409),
//! as is a change made in the meantime, including the same form sent twice.

use super::{context, general, uk_when, EpisodeContext, WhenInput, CHANGED_MESSAGE};
use crate::pages::Form;
use crate::view::{render, CheckItem, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::appointment::{
    AppointmentAction, AskedBy, Attendance, DnaReason, MAX_TEXT_CHARS,
};
use reconnect_domain::episode::Reason;
use reconnect_domain::id::AppointmentId;
use reconnect_domain::validation::optional_text;
use reconnect_domain::FieldError;
use reconnect_store::appointments::Appointment;
use reconnect_store::StoreError;
use serde::Deserialize;

/// Which page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Attendance,
    Reschedule,
    Cancel,
}

impl Kind {
    fn slug(self) -> &'static str {
        match self {
            Kind::Attendance => "attendance",
            Kind::Reschedule => "reschedule",
            Kind::Cancel => "cancel",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::Attendance => "Record attendance",
            Kind::Reschedule => "Reschedule the appointment",
            Kind::Cancel => "Cancel the appointment",
        }
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct AppointmentActionForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub attendance: String,
    #[serde(default)]
    pub dna_reason: String,
    #[serde(flatten)]
    pub when: WhenInput,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub asked_by: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Template)]
#[template(path = "pages/contacts/appointment_action.html")]
struct ActionPage {
    layout: crate::view::Layout,
    errors: Vec<FieldError>,
    cx: EpisodeContext,
    kind: &'static str,
    title: &'static str,
    action: String,
    back: String,
    when: String,
    what: String,
    location: String,
    version: i64,
    form: AppointmentActionForm,
    attendance: Vec<CheckItem>,
    dna_reasons: Vec<CheckItem>,
    asked_by: Vec<CheckItem>,
    /// Why nothing can be done any more (a finished appointment).
    closed: Option<String>,
}

fn items(all: &[(&'static str, &'static str)], chosen: &str) -> Vec<CheckItem> {
    all.iter()
        .map(|(v, l)| CheckItem {
            value: v.to_string(),
            label: l.to_string(),
            checked: chosen == *v,
        })
        .collect()
}

async fn page(
    p: &Page,
    cx: EpisodeContext,
    kind: Kind,
    a: &Appointment,
    form: Option<AppointmentActionForm>,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let form = form.unwrap_or_default();
    let base = format!("{}/appointments", cx.episode_href);
    let closed = (!a.state.is_open()).then(|| {
        format!(
            "This appointment is marked as {}, so it cannot change.",
            a.state.label().to_lowercase()
        )
    });
    render(&ActionPage {
        layout: p.layout_with_errors(format!("{} – {}", kind.title(), cx.person_name), &errors),
        errors,
        kind: kind.slug(),
        title: kind.title(),
        action: format!("{base}/{}/{}", a.id, kind.slug()),
        back: base,
        when: uk_when(a.details.starts_at),
        what: a.details.what.clone(),
        location: a.details.location.clone(),
        version: a.version,
        attendance: items(
            &Attendance::ALL
                .iter()
                .map(|x| (x.code(), x.label()))
                .collect::<Vec<_>>(),
            &form.attendance,
        ),
        dna_reasons: items(
            &DnaReason::ALL
                .iter()
                .map(|x| (x.code(), x.label()))
                .collect::<Vec<_>>(),
            &form.dna_reason,
        ),
        asked_by: items(
            &AskedBy::ALL
                .iter()
                .map(|x| (x.code(), x.label()))
                .collect::<Vec<_>>(),
            &form.asked_by,
        ),
        closed,
        form,
        cx,
    })
}

/// Reads the form into the action, or the problems with it.
fn read(
    kind: Kind,
    form: &AppointmentActionForm,
    now: time::OffsetDateTime,
) -> Result<AppointmentAction, Vec<FieldError>> {
    let mut v = reconnect_domain::Validation::new();
    match kind {
        Kind::Attendance => {
            let attendance = v.check("attendance", Attendance::parse(&form.attendance));
            let dna = match attendance {
                Some(Attendance::DidNotAttend) => v
                    .check("dna_reason", DnaReason::parse(&form.dna_reason))
                    .map(Some),
                _ if !form.dna_reason.trim().is_empty() => {
                    v.add(
                        "dna_reason",
                        "Only choose a reason when they did not attend",
                    );
                    None
                }
                _ => Some(None),
            };
            v.finish(|| {
                Some(AppointmentAction::RecordAttendance {
                    attendance: attendance?,
                    dna_reason: dna?,
                })
            })
        }
        Kind::Reschedule => {
            let at = match form.when.read("The new date", "the new time") {
                Ok(t) => v.check(
                    "when-day",
                    reconnect_domain::appointment::check_appointment_time(t, now),
                ),
                Err(e) => {
                    v.add(e.field, e.message);
                    None
                }
            };
            let location = v.check(
                "location",
                optional_text(&form.location, "where it will be", MAX_TEXT_CHARS),
            );
            let asked_by = v.check("asked_by", AskedBy::parse(&form.asked_by));
            let reason = v.check(
                "reason",
                Reason::parse(&form.reason, "why it is being rescheduled"),
            );
            v.finish(|| {
                Some(AppointmentAction::Reschedule {
                    starts_at: at?,
                    location: location?,
                    reason: reason?.to_string(),
                    asked_by: asked_by?,
                })
            })
        }
        Kind::Cancel => {
            let reason = v.check(
                "reason",
                Reason::parse(&form.reason, "why it is being cancelled"),
            );
            v.finish(|| {
                Some(AppointmentAction::Cancel {
                    reason: reason?.to_string(),
                })
            })
        }
    }
}

async fn load(
    state: &AppState,
    p: &Page,
    ids: (String, String, String),
) -> Result<(EpisodeContext, Appointment), PageError> {
    let (person_id, episode_id, appointment) = ids;
    let cx = context(state, p, &person_id, &episode_id).await?;
    let appointment: AppointmentId = appointment.parse().map_err(|_| PageError::NotFound)?;
    let id = p.identity()?;
    let a = state
        .store()
        .appointment(&id.caller, cx.episode_id, appointment)
        .await?;
    Ok((cx, a))
}

async fn show(
    state: AppState,
    p: Page,
    ids: (String, String, String),
    kind: Kind,
) -> Result<Response, PageError> {
    let (cx, a) = load(&state, &p, ids).await?;
    page(&p, cx, kind, &a, None, Vec::new()).await
}

async fn submit(
    state: AppState,
    p: Page,
    ids: (String, String, String),
    kind: Kind,
    form: AppointmentActionForm,
) -> Result<Response, PageError> {
    let (cx, a) = load(&state, &p, ids).await?;
    let version: i64 = form
        .version
        .trim()
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    let store = state.store();
    let action = match read(kind, &form, store.now()) {
        Ok(a) => a,
        Err(errors) => return page(&p, cx, kind, &a, Some(form), errors).await,
    };
    let id = p.identity()?;
    match store
        .act_on_appointment(
            &id.caller,
            cx.episode_id,
            a.id,
            version,
            &action,
            AppointmentId::new(),
        )
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "{}/appointments?done={}",
            cx.episode_href,
            kind.slug()
        ))
        .into_response()),
        Err(e @ (StoreError::Refused(_) | StoreError::Stale)) => {
            let message = match e {
                StoreError::Refused(m) => m,
                _ => CHANGED_MESSAGE.to_string(),
            };
            let a = store.appointment(&id.caller, cx.episode_id, a.id).await?;
            let mut res = page(&p, cx, kind, &a, Some(form), vec![general(message)]).await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}

type Ids = Path<(String, String, String)>;

/// `GET .../appointments/{appointment_id}/attendance`
pub async fn attendance_form(
    State(s): State<AppState>,
    p: Page,
    Path(ids): Ids,
) -> Result<Response, PageError> {
    show(s, p, ids, Kind::Attendance).await
}

/// `POST .../appointments/{appointment_id}/attendance`
pub async fn attendance_submit(
    State(s): State<AppState>,
    p: Page,
    Path(ids): Ids,
    Form(f): Form<AppointmentActionForm>,
) -> Result<Response, PageError> {
    submit(s, p, ids, Kind::Attendance, f).await
}

/// `GET .../appointments/{appointment_id}/reschedule`
pub async fn reschedule_form(
    State(s): State<AppState>,
    p: Page,
    Path(ids): Ids,
) -> Result<Response, PageError> {
    show(s, p, ids, Kind::Reschedule).await
}

/// `POST .../appointments/{appointment_id}/reschedule`
pub async fn reschedule_submit(
    State(s): State<AppState>,
    p: Page,
    Path(ids): Ids,
    Form(f): Form<AppointmentActionForm>,
) -> Result<Response, PageError> {
    submit(s, p, ids, Kind::Reschedule, f).await
}

/// `GET .../appointments/{appointment_id}/cancel`
pub async fn cancel_form(
    State(s): State<AppState>,
    p: Page,
    Path(ids): Ids,
) -> Result<Response, PageError> {
    show(s, p, ids, Kind::Cancel).await
}

/// `POST .../appointments/{appointment_id}/cancel`
pub async fn cancel_submit(
    State(s): State<AppState>,
    p: Page,
    Path(ids): Ids,
    Form(f): Form<AppointmentActionForm>,
) -> Result<Response, PageError> {
    submit(s, p, ids, Kind::Cancel, f).await
}
