//! Messages in the API: a person's messages with why none can be sent (if
//! so), recording their contact preferences (with their consent; kept with
//! history), and the recent runs of background jobs for admins.

use super::allocation::{from_body, rfc3339};
use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::Json;
use reconnect_domain::message::{ContactPreferences, ContactPreferencesInput};
use reconnect_domain::PersonId;
use reconnect_store::outbox::Message;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

fn person_id(raw: &str) -> Result<PersonId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// One message to the person.
#[derive(Serialize, ToSchema)]
pub struct MessageJson {
    pub id: String,
    /// `appointment-reminder`, `staff-digest`...
    pub kind: String,
    /// `text` or `email`.
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// `queued`, `sending`, `sent` or `failed`.
    pub state: String,
    /// How many times sending was tried.
    pub attempts: i64,
    /// `log` (recorded, not sent) or `notify`, once sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_via: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// RFC 3339.
    #[schema(format = DateTime, value_type = String)]
    pub created_at: String,
    /// RFC 3339: when the next try is due (for queued messages).
    #[schema(format = DateTime, value_type = String)]
    pub next_attempt_at: String,
    /// RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub sent_at: Option<String>,
}

fn message_json(m: Message) -> MessageJson {
    MessageJson {
        id: m.id.to_string(),
        kind: m.kind,
        channel: m.channel.code().into(),
        recipient: m.recipient,
        subject: m.subject,
        body: m.body,
        state: m.state,
        attempts: m.attempts,
        sent_via: m.sent_via,
        last_error: m.last_error,
        created_at: rfc3339(m.created_at),
        next_attempt_at: rfc3339(m.next_attempt_at),
        sent_at: m.sent_at.map(rfc3339),
    }
}

/// A person's messages, and whether more can be sent.
#[derive(Serialize, ToSchema)]
pub struct PersonMessagesJson {
    /// Why no message can be sent to the person, when that is so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cannot_send_because: Option<String>,
    pub messages: Vec<MessageJson>,
}

/// The messages to one person, newest first.
///
/// Audited as a read of the person's record.
#[utoipa::path(get, path = "/api/v1/people/{person_id}/messages", operation_id = "person_messages", tag = "messages",
    params(("person_id" = String, Path, description = "The person's id")),
    responses(
        (status = 200, description = "Their messages", body = PersonMessagesJson),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn person_messages(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<PersonMessagesJson>, ApiError> {
    let person = person_id(&raw)?;
    let seen = state.store().person_messages(&id.caller, person).await?;
    Ok(Json(PersonMessagesJson {
        cannot_send_because: seen.cannot_send_because.map(str::to_string),
        messages: seen.messages.into_iter().map(message_json).collect(),
    }))
}

/// How the person wants to be contacted.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPreferencesJson {
    /// `text`, `email` or `none`.
    pub channel: String,
    /// A UK mobile number, for `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// An email address, for `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Must be true for `text` or `email`: the person agreed to be sent reminders that way.
    #[serde(default)]
    pub consent: bool,
    /// The person agreed that messages may say they are from RECONNECT (default false).
    #[serde(default)]
    pub may_name_service: bool,
}

/// Records the person's contact preferences (a new record; earlier ones are kept).
///
/// Audited. Without consent, or without a valid number or address for the
/// channel, refused with `422` and the fields to change.
#[utoipa::path(put, path = "/api/v1/people/{person_id}/contact-preferences", operation_id = "put_contact_preferences", tag = "messages",
    params(("person_id" = String, Path, description = "The person's id")),
    request_body = ContactPreferencesJson,
    responses(
        (status = 200, description = "Recorded", body = ContactPreferencesJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_contact_preferences(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<ContactPreferencesJson>, ApiError> {
    let person = person_id(&raw)?;
    // Not found before the body is read.
    state
        .store()
        .contact_preference_history(&id.caller, person)
        .await?;
    let body: ContactPreferencesJson = from_body(body)?;
    let input = ContactPreferencesInput {
        channel: body.channel.clone(),
        phone: body.phone.clone().unwrap_or_default(),
        email: body.email.clone().unwrap_or_default(),
        consent: if body.consent { "yes" } else { "" }.into(),
        may_name_service: if body.may_name_service { "yes" } else { "no" }.into(),
    };
    let prefs = ContactPreferences::parse(&input).map_err(ApiError::invalid)?;
    state
        .store()
        .record_contact_preferences(&id.caller, person, &prefs)
        .await?;
    let address = prefs.address.clone();
    Ok(Json(ContactPreferencesJson {
        channel: prefs.channel.code().into(),
        phone: address
            .clone()
            .filter(|_| prefs.channel == reconnect_domain::message::Channel::Text),
        email: address.filter(|_| prefs.channel == reconnect_domain::message::Channel::Email),
        consent: prefs.channel != reconnect_domain::message::Channel::None,
        may_name_service: prefs.may_name_service,
    }))
}

/// One run of a background job.
#[derive(Serialize, ToSchema)]
pub struct JobRunJson {
    pub job: String,
    /// Which scheduled run: the UK date for daily jobs, the slot for repeating ones.
    pub run_key: String,
    /// `running`, `done` or `failed` (tried again later).
    pub state: String,
    /// The instance that ran it.
    pub claimed_by: String,
    /// RFC 3339.
    #[schema(format = DateTime, value_type = String)]
    pub claimed_at: String,
    /// RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub finished_at: Option<String>,
    pub attempts: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// The most recent runs of background jobs, newest first (admins).
#[utoipa::path(get, path = "/api/v1/jobs", operation_id = "list_job_runs", tag = "messages",
    responses(
        (status = 200, description = "Recent job runs", body = [JobRunJson]),
        (status = 403, description = "Only administrators see job runs", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn jobs(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
) -> Result<Json<Vec<JobRunJson>>, ApiError> {
    let runs = state.store().recent_job_runs(&id.caller, 100).await?;
    Ok(Json(
        runs.into_iter()
            .map(|r| JobRunJson {
                job: r.job,
                run_key: r.run_key,
                state: r.state,
                claimed_by: r.claimed_by,
                claimed_at: rfc3339(r.claimed_at),
                finished_at: r.finished_at.map(rfc3339),
                attempts: r.attempts,
                summary: r.summary,
                last_error: r.last_error,
            })
            .collect(),
    ))
}
