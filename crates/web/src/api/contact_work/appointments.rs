//! Appointments in the API: list, book, and act on one (attendance,
//! reschedule, cancel) with its `version`.

use super::{child_id, episode_id, from_body, instant, new_id, rfc3339};
use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::appointment::{
    check_appointment_time, AppointmentAction, AppointmentDetails, AskedBy, Attendance, DnaReason,
    MAX_TEXT_CHARS,
};
use reconnect_domain::episode::Reason;
use reconnect_domain::id::AppointmentId;
use reconnect_domain::validation::optional_text;
use reconnect_domain::{EpisodeId, Validation};
use reconnect_store::appointments::Appointment;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// An appointment.
#[derive(Serialize, ToSchema)]
pub struct AppointmentJson {
    pub id: AppointmentId,
    pub episode_id: EpisodeId,
    pub what: String,
    pub location: String,
    #[schema(format = DateTime, value_type = String)]
    pub starts_at: String,
    /// `booked`, `attended`, `late`, `did_not_attend`, `rescheduled` or `cancelled`.
    pub state: String,
    pub state_label: String,
    /// Why they did not attend: `acceptable`, `unacceptable` or `logistics`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dna_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rescheduled_from: Option<AppointmentId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rescheduled_to: Option<AppointmentId>,
    /// Why it was rescheduled or cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who asked to reschedule: `person`, `worker` or `service`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asked_by: Option<String>,
    /// Send this back with the next change.
    pub version: i64,
}

fn json(a: Appointment) -> AppointmentJson {
    AppointmentJson {
        id: a.id,
        episode_id: a.episode_id,
        what: a.details.what,
        location: a.details.location,
        starts_at: rfc3339(a.details.starts_at),
        state: a.state.code().to_string(),
        state_label: a.state.label().to_string(),
        dna_reason: a.dna_reason.map(|d| d.code().to_string()),
        rescheduled_from: a.rescheduled_from,
        rescheduled_to: a.rescheduled_to,
        reason: a.reason,
        asked_by: a.asked_by.map(|x| x.code().to_string()),
        version: a.version,
    }
}

/// An appointment to book.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointmentJson {
    /// Your own id for it (a UUID), so that sending it twice books it once.
    #[serde(default)]
    #[schema(format = Uuid, value_type = Option<String>)]
    pub id: Option<String>,
    /// What it is and with whom.
    #[serde(default)]
    pub what: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    /// When (RFC 3339): from 2000, and within the next 2 years.
    #[serde(default)]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub starts_at: Option<String>,
}

/// What happened to a booked appointment. `action` is `attendance` (with
/// `attendance` and, when they did not attend, `dna_reason`), `reschedule`
/// (with `starts_at`, `asked_by`, `reason` and optionally `location`) or
/// `cancel` (with `reason`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentActionJson {
    pub action: String,
    /// The appointment's version as you last read it.
    pub version: i64,
    /// `attended`, `late` or `did_not_attend`.
    #[serde(default)]
    pub attendance: Option<String>,
    /// `acceptable`, `unacceptable` or `logistics`.
    #[serde(default)]
    pub dna_reason: Option<String>,
    #[serde(default)]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub starts_at: Option<String>,
    #[serde(default)]
    pub location: Option<String>,
    /// `person`, `worker` or `service`.
    #[serde(default)]
    pub asked_by: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// An episode's appointments, latest first, in every state.
#[utoipa::path(get, path = "/api/v1/episodes/{episode_id}/appointments", operation_id = "list_appointments", tag = "appointments",
    params(("episode_id" = String, Path, description = "The episode's id")),
    responses(
        (status = 200, description = "The appointments", body = [AppointmentJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Vec<AppointmentJson>>, ApiError> {
    let episode = episode_id(&raw)?;
    let list = state.store().appointments(&id.caller, episode).await?;
    Ok(Json(list.into_iter().map(json).collect()))
}

/// Books an appointment in an open episode.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/appointments", operation_id = "book_appointment", tag = "appointments",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = NewAppointmentJson,
    responses(
        (status = 201, description = "The appointment as booked", body = AppointmentJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The episode has ended, or the id is used by another record", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn book(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<AppointmentJson>), ApiError> {
    let episode = episode_id(&raw)?;
    let store = state.store();
    store.episode(&id.caller, episode).await?;
    let body: NewAppointmentJson = from_body(body)?;
    let appointment = new_id(body.id.as_deref(), AppointmentId::new)?;
    let details = AppointmentDetails::parse(
        body.what.as_deref().unwrap_or_default(),
        body.location.as_deref().unwrap_or_default(),
        instant(body.starts_at.as_deref(), "when the appointment starts"),
        store.now(),
        ("what", "location", "starts_at"),
    )
    .map_err(ApiError::invalid)?;
    store
        .book_appointment(&id.caller, episode, appointment, &details)
        .await?;
    let saved = store.appointment(&id.caller, episode, appointment).await?;
    Ok((StatusCode::CREATED, Json(json(saved))))
}

fn action(
    body: &AppointmentActionJson,
    now: time::OffsetDateTime,
) -> Result<AppointmentAction, ApiError> {
    let mut v = Validation::new();
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    let out = match body.action.trim() {
        "attendance" => {
            let attendance = v.check("attendance", Attendance::parse(&text(&body.attendance)));
            let dna = match (attendance, body.dna_reason.as_deref()) {
                (Some(Attendance::DidNotAttend), r) => v
                    .check("dna_reason", DnaReason::parse(r.unwrap_or_default()))
                    .map(Some),
                (_, Some(_)) => {
                    v.add("dna_reason", "Only give a reason when they did not attend");
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
        "reschedule" => {
            let at = v.check(
                "starts_at",
                instant(body.starts_at.as_deref(), "the new time")
                    .and_then(|t| check_appointment_time(t, now)),
            );
            let location = v.check(
                "location",
                optional_text(&text(&body.location), "where it will be", MAX_TEXT_CHARS),
            );
            let asked_by = v.check("asked_by", AskedBy::parse(&text(&body.asked_by)));
            let reason = v.check(
                "reason",
                Reason::parse(&text(&body.reason), "why it is being rescheduled"),
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
        "cancel" => {
            let reason = v.check(
                "reason",
                Reason::parse(&text(&body.reason), "why it is being cancelled"),
            );
            v.finish(|| {
                Some(AppointmentAction::Cancel {
                    reason: reason?.to_string(),
                })
            })
        }
        _ => {
            v.add(
                "action",
                "Choose an action: attendance, reschedule or cancel",
            );
            v.finish(|| None)
        }
    };
    out.map_err(ApiError::invalid)
}

/// What happened to a booked appointment.
///
/// Rescheduling keeps this appointment, marked rescheduled, and books a new
/// one (its id is this one's `rescheduled_to`). Attendance cannot be
/// recorded before the appointment's time; a finished appointment cannot
/// change; a stale `version` is refused: each is `409` saying why.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/appointments/{appointment_id}/actions", operation_id = "act_on_appointment", tag = "appointments",
    params(("episode_id" = String, Path, description = "The episode's id"), ("appointment_id" = String, Path, description = "The appointment's id")),
    request_body = AppointmentActionJson,
    responses(
        (status = 200, description = "The appointment now", body = AppointmentJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such appointment in this episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused by the rules, or changed since you read it (the detail says which)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn act(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path((raw, raw_appointment)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<AppointmentJson>, ApiError> {
    let episode = episode_id(&raw)?;
    let appointment: AppointmentId = child_id(&raw_appointment)?;
    let store = state.store();
    store.appointment(&id.caller, episode, appointment).await?;
    let body: AppointmentActionJson = from_body(body)?;
    let act = action(&body, store.now())?;
    store
        .act_on_appointment(
            &id.caller,
            episode,
            appointment,
            body.version,
            &act,
            AppointmentId::new(),
        )
        .await?;
    Ok(Json(json(
        store.appointment(&id.caller, episode, appointment).await?,
    )))
}
