//! Correcting a contact: the contact is kept, shown as replaced, and a new
//! one supersedes it with the reason. Only the latest version can be
//! corrected; a form for an older one (or one sent twice) says so.

use super::contact_log::{ContactForm, FIELDS};
use super::{context, form_id, general, uk_when, EpisodeContext, WhenInput, CHANGED_MESSAGE};
use crate::pages::Form;
use crate::view::{render, CheckItem, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::contact::{ContactDetails, ContactInput};
use reconnect_domain::episode::Reason;
use reconnect_domain::id::ContactId;
use reconnect_domain::FieldError;
use reconnect_store::contacts::Contact;
use reconnect_store::StoreError;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct ContactCorrectionForm {
    #[serde(flatten)]
    pub contact: ContactForm,
    #[serde(default)]
    pub reason: String,
}

#[derive(Template)]
#[template(path = "pages/contacts/contact_correct.html")]
struct CorrectPage {
    layout: crate::view::Layout,
    errors: Vec<FieldError>,
    cx: EpisodeContext,
    back: String,
    action: String,
    current: String,
    form_id: String,
    kinds: Vec<CheckItem>,
    two_way: Vec<CheckItem>,
    form: ContactCorrectionForm,
    /// Why it cannot be corrected (a later version exists).
    replaced: bool,
}

async fn page(
    p: &Page,
    cx: EpisodeContext,
    c: &Contact,
    form: Option<ContactCorrectionForm>,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let form = form.unwrap_or_else(|| ContactCorrectionForm {
        contact: ContactForm {
            form_id: String::new(),
            kind: c.details.kind.code().to_string(),
            when: WhenInput::from_instant(c.details.at),
            two_way: if c.details.two_way { "yes" } else { "no" }.to_string(),
            summary: c.details.summary.clone(),
        },
        reason: String::new(),
    });
    let (kinds, two_way) = super::contact_log::choices(&form.contact);
    render(&CorrectPage {
        layout: p.layout_with_errors(format!("Correct a contact – {}", cx.person_name), &errors),
        errors,
        back: format!("{}/contacts", cx.episode_href),
        action: format!("{}/contacts/{}/correct", cx.episode_href, c.id),
        current: format!(
            "{}, {}: {}",
            c.details.kind.label(),
            uk_when(c.details.at),
            c.details.summary
        ),
        form_id: form_id(&form.contact.form_id, ContactId::new).to_string(),
        kinds,
        two_way,
        replaced: !c.is_current(),
        form,
        cx,
    })
}

async fn load(
    state: &AppState,
    p: &Page,
    ids: (String, String, String),
) -> Result<(EpisodeContext, Contact), PageError> {
    let (person_id, episode_id, contact) = ids;
    let cx = context(state, p, &person_id, &episode_id).await?;
    let contact: ContactId = contact.parse().map_err(|_| PageError::NotFound)?;
    let id = p.identity()?;
    let c = state
        .store()
        .contact(&id.caller, cx.episode_id, contact)
        .await?;
    Ok((cx, c))
}

/// `GET /people/{person_id}/episodes/{episode_id}/contacts/{contact_id}/correct`
pub async fn correct_contact_form(
    State(state): State<AppState>,
    p: Page,
    Path(ids): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (cx, c) = load(&state, &p, ids).await?;
    page(&p, cx, &c, None, Vec::new()).await
}

/// `POST /people/{person_id}/episodes/{episode_id}/contacts/{contact_id}/correct`
pub async fn correct_contact(
    State(state): State<AppState>,
    p: Page,
    Path(ids): Path<(String, String, String)>,
    Form(form): Form<ContactCorrectionForm>,
) -> Result<Response, PageError> {
    let (cx, c) = load(&state, &p, ids).await?;
    let id = p.identity()?;
    let store = state.store();
    let f = &form.contact;
    let read = f
        .when
        .read("The date of the contact", "the time of the contact");
    let time_field = read.as_ref().err().map(|e| e.field.clone());
    let mut errors = Vec::new();
    let details = ContactDetails::parse(
        ContactInput {
            kind: &f.kind,
            at: read.map_err(|e| e.message),
            two_way: &f.two_way,
            summary: &f.summary,
        },
        &FIELDS,
        store.now(),
    )
    .map_err(|e| errors.extend(e))
    .ok();
    if let Some(tf) = time_field {
        for e in errors.iter_mut().filter(|e| e.field == "when-day") {
            e.field = tf.clone();
        }
    }
    let why = Reason::parse(&form.reason, "why the contact is being corrected")
        .map_err(|m| errors.push(FieldError::new("reason", m)))
        .ok();
    let (Some(details), Some(why), true) = (details, why, errors.is_empty()) else {
        return page(&p, cx, &c, Some(form), errors).await;
    };
    let new_id = form_id(&form.contact.form_id, ContactId::new);
    match store
        .correct_contact(&id.caller, cx.episode_id, c.id, new_id, &details, &why)
        .await
    {
        Ok(()) => Ok(
            Redirect::to(&format!("{}/contacts?done=corrected", cx.episode_href)).into_response(),
        ),
        Err(StoreError::Stale | StoreError::Conflict(_)) => {
            let c = store.contact(&id.caller, cx.episode_id, c.id).await?;
            let mut res = page(&p, cx, &c, Some(form), vec![general(CHANGED_MESSAGE)]).await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}
