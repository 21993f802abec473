//! The contacts page of an episode: log a contact (how, when, whether they
//! took part, what was discussed) and the list of contacts, most recent
//! first, with corrections shown against what they replaced.

use super::{context, form_id, uk_when, EpisodeContext, WhenInput};
use crate::pages::Form;
use crate::view::{render, CheckItem, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::contact::{ContactDetails, ContactFields, ContactInput, ContactKind};
use reconnect_domain::id::ContactId;
use reconnect_domain::FieldError;
use reconnect_store::contacts::Contact;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct ContactForm {
    #[serde(default)]
    pub form_id: String,
    #[serde(default)]
    pub kind: String,
    #[serde(flatten)]
    pub when: WhenInput,
    #[serde(default)]
    pub two_way: String,
    #[serde(default)]
    pub summary: String,
}

pub(super) const FIELDS: ContactFields = ContactFields {
    kind: "kind",
    at: "when-day",
    two_way: "two_way",
    summary: "summary",
};

pub struct ContactRow {
    pub when: String,
    pub kind: &'static str,
    pub two_way: &'static str,
    pub summary: String,
    pub by: String,
    /// "Corrected" or the correction's reason.
    pub corrected: bool,
    pub correction_reason: Option<String>,
    /// The link to correct it (the latest version, for people who may).
    pub correct_href: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/contacts/contacts.html")]
struct ContactsPage {
    layout: crate::view::Layout,
    errors: Vec<FieldError>,
    cx: EpisodeContext,
    done: Option<&'static str>,
    form_id: String,
    kinds: Vec<CheckItem>,
    two_way: Vec<CheckItem>,
    form: ContactForm,
    rows: Vec<ContactRow>,
}

fn row(c: &Contact, cx: &EpisodeContext) -> ContactRow {
    ContactRow {
        when: uk_when(c.details.at),
        kind: c.details.kind.label(),
        two_way: if c.details.two_way { "Yes" } else { "No" },
        summary: c.details.summary.clone(),
        by: c.by_name.clone(),
        corrected: !c.is_current(),
        correction_reason: c.correction_reason.clone(),
        correct_href: (cx.can_write && c.is_current())
            .then(|| format!("{}/contacts/{}/correct", cx.episode_href, c.id)),
    }
}

/// The radio items of the contact form, with the sent answers ticked.
pub(super) fn choices(form: &ContactForm) -> (Vec<CheckItem>, Vec<CheckItem>) {
    let kinds: Vec<CheckItem> = ContactKind::ALL
        .iter()
        .map(|k| CheckItem {
            value: k.code().to_string(),
            label: k.label().to_string(),
            checked: form.kind == k.code(),
        })
        .collect();
    let two_way: Vec<CheckItem> = [
        (
            "yes",
            "Yes, they took part (a conversation, a visit, a reply)",
        ),
        ("no", "No, for example a message left or they did not come"),
    ]
    .iter()
    .map(|(v, l)| CheckItem {
        value: v.to_string(),
        label: l.to_string(),
        checked: form.two_way == *v,
    })
    .collect();
    (kinds, two_way)
}

async fn page(
    state: &AppState,
    p: &Page,
    cx: EpisodeContext,
    form: ContactForm,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let list = state.store().contacts(&id.caller, cx.episode_id).await?;
    let (kinds, two_way) = choices(&form);
    let form_id = form_id(&form.form_id, ContactId::new).to_string();
    render(&ContactsPage {
        layout: p.layout_with_errors(format!("Contacts – {}", cx.person_name), &errors),
        errors,
        done,
        form_id,
        kinds,
        two_way,
        form,
        rows: list.iter().map(|c| row(c, &cx)).collect(),
        cx,
    })
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    pub done: Option<String>,
}

/// `GET /people/{person_id}/episodes/{episode_id}/contacts`
pub async fn contacts(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let done = match q.done.as_deref() {
        Some("logged") => Some("Contact saved"),
        Some("corrected") => {
            Some("Contact corrected. The earlier version is kept, marked as replaced")
        }
        _ => None,
    };
    page(&state, &p, cx, ContactForm::default(), Vec::new(), done).await
}

/// `POST /people/{person_id}/episodes/{episode_id}/contacts`
pub async fn log_contact(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<ContactForm>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let id = p.identity()?;
    let store = state.store();
    let at = form
        .when
        .read("The date of the contact", "the time of the contact")
        .map_err(|e| e.message);
    let parsed = ContactDetails::parse(
        ContactInput {
            kind: &form.kind,
            at,
            two_way: &form.two_way,
            summary: &form.summary,
        },
        &FIELDS,
        store.now(),
    );
    let details = match parsed {
        Ok(d) => d,
        Err(mut errors) => {
            // A problem with just the time is shown at the time box.
            if let Err(e) = form
                .when
                .read("The date of the contact", "the time of the contact")
            {
                for err in errors.iter_mut().filter(|x| x.field == "when-day") {
                    err.field = e.field.clone();
                }
            }
            return page(&state, &p, cx, form, errors, None).await;
        }
    };
    let new_id = form_id(&form.form_id, ContactId::new);
    match store
        .log_contact(&id.caller, cx.episode_id, new_id, &details)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("{}/contacts?done=logged", cx.episode_href)).into_response())
        }
        Err(reconnect_store::StoreError::Conflict(m)) => {
            page(
                &state,
                &p,
                cx,
                ContactForm::default(),
                vec![super::general(m)],
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
