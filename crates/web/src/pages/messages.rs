//! Messages pages: a person's messages (status, channel, when, tries) and
//! why none can be sent when they have not agreed to be contacted; their
//! contact preferences with the history of changes; the job runs for
//! admins; and "messages that would have been sent" by the log sender.
//!
//! Who sees the log at `/messages`: site managers see every message at their
//! sites; every other signed-in member of staff sees the reminders addressed
//! to them (their daily digest).

use crate::pages::Form;
use crate::view::{render, when, CheckItem, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::message::{Channel, ContactPreferences, ContactPreferencesInput};
use reconnect_domain::{FieldError, PersonId};
use reconnect_store::outbox::Message;
use serde::Deserialize;

/// One message as the pages list it.
pub struct MessageRow {
    pub what: String,
    pub channel: &'static str,
    pub recipient: String,
    pub status: String,
    pub tag: &'static str,
    pub created: String,
    pub detail: String,
}

pub(crate) fn message_row(m: &Message) -> MessageRow {
    let (status, tag) = match m.state.as_str() {
        "sent" if m.sent_via.as_deref() == Some("log") => (
            "Would have been sent (not sent: log only)".to_string(),
            "nhsuk-tag--blue",
        ),
        "sent" => ("Sent".to_string(), "nhsuk-tag--green"),
        "failed" => ("Could not be sent".to_string(), "nhsuk-tag--red"),
        "sending" => ("Sending".to_string(), "nhsuk-tag--yellow"),
        _ if m.attempts > 0 => ("Waiting to try again".to_string(), "nhsuk-tag--yellow"),
        _ => ("Waiting to be sent".to_string(), "nhsuk-tag--grey"),
    };
    let mut detail = format!(
        "{} {}",
        m.attempts,
        if m.attempts == 1 { "try" } else { "tries" }
    );
    if let Some(at) = m.sent_at {
        detail.push_str(&format!(". Done {}", when(at)));
    } else if m.state == "queued" {
        detail.push_str(&format!(". Next try {}", when(m.next_attempt_at)));
    }
    if let Some(e) = &m.last_error {
        detail.push_str(&format!(". Last problem: {e}"));
    }
    MessageRow {
        what: m.subject.clone(),
        channel: m.channel.label(),
        recipient: m.recipient.clone(),
        status,
        tag,
        created: when(m.created_at),
        detail,
    }
}

fn person_id(raw: &str) -> Result<PersonId, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

async fn person_name(state: &AppState, p: &Page, id: PersonId) -> Result<String, PageError> {
    let person = state.store().get_person(&p.identity()?.caller, id).await?;
    let s = person.summary;
    Ok(format!(
        "{} {}",
        s.preferred_name.unwrap_or(s.given_name),
        s.family_name
    ))
}

#[derive(Template)]
#[template(path = "pages/messages/person.html")]
struct PersonMessagesPage {
    layout: Layout,
    person_href: String,
    name: String,
    cannot_send: Option<&'static str>,
    preferences: String,
    rows: Vec<MessageRow>,
}

/// `GET /people/{person_id}/messages`
pub async fn person(
    State(state): State<AppState>,
    p: Page,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = person_id(&raw)?;
    let name = person_name(&state, &p, id).await?;
    let seen = state
        .store()
        .person_messages(&p.identity()?.caller, id)
        .await?;
    render(&PersonMessagesPage {
        layout: p.layout(format!("Messages – {name}")),
        person_href: format!("/people/{id}"),
        name,
        cannot_send: seen.cannot_send_because,
        preferences: describe(seen.preferences.as_ref()),
        rows: seen.messages.iter().map(message_row).collect(),
    })
}

fn describe(p: Option<&ContactPreferences>) -> String {
    match p {
        None => "Not recorded".into(),
        Some(p) if p.channel == Channel::None => "Do not send messages".into(),
        Some(p) => format!(
            "{} to {}. {}",
            p.channel.label(),
            p.address.as_deref().unwrap_or_default(),
            if p.may_name_service {
                "Messages may say they are from RECONNECT"
            } else {
                "Messages must not say they are from RECONNECT"
            }
        ),
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct PreferencesForm {
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub consent: String,
    #[serde(default)]
    pub may_name_service: String,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// One past choice.
pub struct HistoryRow {
    pub choice: String,
    pub recorded: String,
}

#[derive(Template)]
#[template(path = "pages/messages/contact_preferences.html")]
struct PreferencesPage {
    layout: Layout,
    errors: Vec<FieldError>,
    done: bool,
    person_href: String,
    name: String,
    form: PreferencesForm,
    channels: Vec<CheckItem>,
    consent: Vec<CheckItem>,
    naming: Vec<CheckItem>,
    history: Vec<HistoryRow>,
}

async fn preferences_page(
    state: &AppState,
    p: &Page,
    id: PersonId,
    form: Option<PreferencesForm>,
    errors: Vec<FieldError>,
    done: bool,
) -> Result<Response, PageError> {
    let name = person_name(state, p, id).await?;
    let history = state
        .store()
        .contact_preference_history(&p.identity()?.caller, id)
        .await?;
    let form = form.unwrap_or_else(|| match history.first() {
        Some(h) => {
            let pr = &h.preferences;
            let address = pr.address.clone().unwrap_or_default();
            PreferencesForm {
                channel: pr.channel.code().into(),
                phone: if pr.channel == Channel::Text {
                    address.clone()
                } else {
                    String::new()
                },
                email: if pr.channel == Channel::Email {
                    address
                } else {
                    String::new()
                },
                consent: String::new(),
                may_name_service: if pr.may_name_service { "yes" } else { "no" }.into(),
            }
        }
        None => PreferencesForm::default(),
    });
    let item = |value: &str, label: &str, checked: bool| CheckItem {
        value: value.into(),
        label: label.into(),
        checked,
    };
    render(&PreferencesPage {
        layout: p.layout_with_errors(format!("Contact preferences – {name}"), &errors),
        errors,
        done,
        person_href: format!("/people/{id}"),
        name,
        channels: Channel::ALL
            .iter()
            .map(|c| item(c.code(), c.label(), form.channel == c.code()))
            .collect(),
        consent: vec![item(
            "yes",
            "They agreed to be sent appointment reminders this way",
            form.consent == "yes",
        )],
        naming: vec![
            item(
                "no",
                "No, do not mention RECONNECT",
                form.may_name_service != "yes",
            ),
            item(
                "yes",
                "Yes, messages may say they are from RECONNECT",
                form.may_name_service == "yes",
            ),
        ],
        history: history
            .iter()
            .map(|h| HistoryRow {
                choice: describe(Some(&h.preferences)),
                recorded: format!("{}, {}", h.recorded_by_name, when(h.recorded_at)),
            })
            .collect(),
        form,
    })
}

/// `GET /people/{person_id}/contact-preferences`
pub async fn preferences(
    State(state): State<AppState>,
    p: Page,
    Path(raw): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let id = person_id(&raw)?;
    preferences_page(&state, &p, id, None, Vec::new(), q.done.is_some()).await
}

/// `POST /people/{person_id}/contact-preferences`
pub async fn save_preferences(
    State(state): State<AppState>,
    p: Page,
    Path(raw): Path<String>,
    Form(form): Form<PreferencesForm>,
) -> Result<Response, PageError> {
    let id = person_id(&raw)?;
    let input = ContactPreferencesInput {
        channel: form.channel.clone(),
        phone: form.phone.clone(),
        email: form.email.clone(),
        consent: form.consent.clone(),
        may_name_service: form.may_name_service.clone(),
    };
    match ContactPreferences::parse(&input) {
        Err(errors) => preferences_page(&state, &p, id, Some(form), errors, false).await,
        Ok(prefs) => {
            state
                .store()
                .record_contact_preferences(&p.identity()?.caller, id, &prefs)
                .await?;
            Ok(Redirect::to(&format!("/people/{id}/contact-preferences?done=1")).into_response())
        }
    }
}

/// One job run as the admin page lists it.
pub struct JobRow {
    pub job: String,
    pub run_key: String,
    pub state: String,
    pub tag: &'static str,
    pub started: String,
    pub by: String,
    pub attempts: i64,
    pub outcome: String,
}

#[derive(Template)]
#[template(path = "pages/messages/jobs.html")]
struct JobsPage {
    layout: Layout,
    rows: Vec<JobRow>,
}

/// `GET /admin/jobs`
pub async fn jobs(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    let runs = state
        .store()
        .recent_job_runs(&p.identity()?.caller, 100)
        .await?;
    render(&JobsPage {
        layout: p.layout("Background jobs"),
        rows: runs
            .into_iter()
            .map(|r| JobRow {
                tag: match r.state.as_str() {
                    "done" => "nhsuk-tag--green",
                    "failed" => "nhsuk-tag--red",
                    _ => "nhsuk-tag--yellow",
                },
                state: match r.state.as_str() {
                    "done" => "Done",
                    "failed" => "Failed, will be tried again",
                    _ => "Running",
                }
                .into(),
                job: r.job,
                run_key: r.run_key,
                started: when(r.claimed_at),
                by: r.claimed_by,
                attempts: r.attempts,
                outcome: r.last_error.or(r.summary).unwrap_or_default(),
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "pages/messages/log.html")]
struct LogPage {
    layout: Layout,
    site_wide: bool,
    rows: Vec<MessageRow>,
}

/// `GET /messages`
pub async fn log(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    let id = p.identity()?;
    let messages = state.store().would_have_sent(&id.caller).await?;
    render(&LogPage {
        layout: p.layout("Messages that would have been sent"),
        site_wide: id.caller.role() == reconnect_domain::Role::SiteManager,
        rows: messages.iter().map(message_row).collect(),
    })
}
