//! The case notes page of an episode: add a note (sensitive or not), the
//! notes newest first with each one's earlier versions under it, and the
//! page that corrects a note with a reason. What a sensitive note says is
//! shown only to those the store gives it to; others see that it exists.

use super::{context, form_id, general, uk_when, EpisodeContext, CHANGED_MESSAGE};
use crate::pages::Form;
use crate::view::{render, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::case_note::note_body;
use reconnect_domain::episode::Reason;
use reconnect_domain::id::CaseNoteId;
use reconnect_domain::FieldError;
use reconnect_store::case_notes::{CaseNote, NoteContent, NoteInput};
use reconnect_store::StoreError;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Deserialize, Default, Clone)]
pub struct NoteForm {
    #[serde(default)]
    pub form_id: String,
    #[serde(default)]
    pub body: String,
    /// "yes" when the box is ticked.
    #[serde(default)]
    pub sensitive: String,
    /// Why it is corrected (corrections only).
    #[serde(default)]
    pub reason: String,
}

/// One version of a note as shown.
pub struct NoteView {
    pub when: String,
    pub by: String,
    pub sensitive: bool,
    /// `None` when it is withheld.
    pub body: Option<String>,
    pub correction_reason: Option<String>,
    pub correct_href: Option<String>,
}

/// A current note with its earlier versions, newest first.
pub struct NoteThread {
    pub current: NoteView,
    pub earlier: Vec<NoteView>,
}

fn view(n: &CaseNote, episode_href: &str) -> NoteView {
    let (body, correction_reason) = match &n.content {
        NoteContent::Visible {
            body,
            correction_reason,
        } => (Some(body.clone()), correction_reason.clone()),
        NoteContent::Withheld => (None, None),
    };
    NoteView {
        when: uk_when(n.created_at),
        by: n.by_name.clone(),
        sensitive: n.sensitive,
        body,
        correction_reason,
        correct_href: n
            .may_correct
            .then(|| format!("{episode_href}/notes/{}/correct", n.id)),
    }
}

/// Groups notes into current notes and what they replaced.
fn threads(notes: &[CaseNote], episode_href: &str) -> Vec<NoteThread> {
    let by_id: HashMap<CaseNoteId, &CaseNote> = notes.iter().map(|n| (n.id, n)).collect();
    notes
        .iter()
        .filter(|n| n.is_current())
        .map(|n| {
            let mut earlier = Vec::new();
            let mut next = n.supersedes;
            while let Some(old) = next.and_then(|id| by_id.get(&id)) {
                let mut v = view(old, episode_href);
                v.correct_href = None;
                earlier.push(v);
                next = old.supersedes;
            }
            NoteThread {
                current: view(n, episode_href),
                earlier,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "pages/contacts/notes.html")]
struct NotesPage {
    layout: crate::view::Layout,
    errors: Vec<FieldError>,
    cx: EpisodeContext,
    done: Option<&'static str>,
    form_id: String,
    form: NoteForm,
    threads: Vec<NoteThread>,
}

async fn page(
    state: &AppState,
    p: &Page,
    cx: EpisodeContext,
    form: NoteForm,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let notes = state.store().case_notes(&id.caller, cx.episode_id).await?;
    render(&NotesPage {
        layout: p.layout_with_errors(format!("Case notes – {}", cx.person_name), &errors),
        errors,
        done,
        form_id: form_id(&form.form_id, CaseNoteId::new).to_string(),
        form,
        threads: threads(&notes, &cx.episode_href),
        cx,
    })
}

#[derive(Deserialize, Default)]
pub struct NotesQuery {
    #[serde(default)]
    pub done: Option<String>,
}

/// `GET /people/{person_id}/episodes/{episode_id}/notes`
pub async fn notes(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Query(q): Query<NotesQuery>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let done = match q.done.as_deref() {
        Some("added") => Some("Note added"),
        Some("corrected") => Some("Note corrected. The earlier version is kept under it"),
        _ => None,
    };
    page(&state, &p, cx, NoteForm::default(), Vec::new(), done).await
}

fn read_note(form: &NoteForm, errors: &mut Vec<FieldError>) -> Option<NoteInput> {
    match note_body(&form.body) {
        Ok(body) => Some(NoteInput {
            body,
            sensitive: form.sensitive == "yes",
        }),
        Err(m) => {
            errors.push(FieldError::new("body", m));
            None
        }
    }
}

/// `POST /people/{person_id}/episodes/{episode_id}/notes`
pub async fn add_note(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<NoteForm>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let id = p.identity()?;
    let mut errors = Vec::new();
    let Some(note) = read_note(&form, &mut errors) else {
        return page(&state, &p, cx, form, errors, None).await;
    };
    let new_id = form_id(&form.form_id, CaseNoteId::new);
    match state
        .store()
        .add_case_note(&id.caller, cx.episode_id, new_id, &note)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("{}/notes?done=added", cx.episode_href)).into_response())
        }
        Err(StoreError::Conflict(m)) => {
            page(&state, &p, cx, NoteForm::default(), vec![general(m)], None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/contacts/note_correct.html")]
struct CorrectPage {
    layout: crate::view::Layout,
    errors: Vec<FieldError>,
    cx: EpisodeContext,
    note: NoteView,
    back: String,
    action: String,
    form_id: String,
    form: NoteForm,
}

async fn correct_page(
    state: &AppState,
    p: &Page,
    cx: EpisodeContext,
    note_id: CaseNoteId,
    form: Option<NoteForm>,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let note = state
        .store()
        .case_note(&id.caller, cx.episode_id, note_id)
        .await?;
    // Nobody is shown a form for a note they may not correct.
    if !note.may_correct && errors.is_empty() {
        return Err(if note.is_current() {
            PageError::Forbidden
        } else {
            PageError::NotFound
        });
    }
    let form = form.unwrap_or_else(|| NoteForm {
        body: match &note.content {
            NoteContent::Visible { body, .. } => body.clone(),
            NoteContent::Withheld => String::new(),
        },
        sensitive: if note.sensitive {
            "yes".into()
        } else {
            String::new()
        },
        ..NoteForm::default()
    });
    render(&CorrectPage {
        layout: p.layout_with_errors(format!("Correct a note – {}", cx.person_name), &errors),
        errors,
        back: format!("{}/notes", cx.episode_href),
        action: format!("{}/notes/{note_id}/correct", cx.episode_href),
        note: view(&note, &cx.episode_href),
        form_id: form_id(&form.form_id, CaseNoteId::new).to_string(),
        form,
        cx,
    })
}

fn note_id(raw: &str) -> Result<CaseNoteId, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

/// `GET /people/{person_id}/episodes/{episode_id}/notes/{note_id}/correct`
pub async fn correct_note_form(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id, note)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let note = note_id(&note)?;
    correct_page(&state, &p, cx, note, None, Vec::new()).await
}

/// `POST /people/{person_id}/episodes/{episode_id}/notes/{note_id}/correct`
pub async fn correct_note(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id, note)): Path<(String, String, String)>,
    Form(form): Form<NoteForm>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let note = note_id(&note)?;
    let id = p.identity()?;
    let store = state.store();
    // "Not found" for a note that is not this episode's, before anything else.
    let old = store.case_note(&id.caller, cx.episode_id, note).await?;
    if !old.may_correct && old.is_current() {
        return Err(PageError::Forbidden);
    }
    let mut errors = Vec::new();
    let input = read_note(&form, &mut errors);
    let why = Reason::parse(&form.reason, "why the note is being corrected")
        .map_err(|m| errors.push(FieldError::new("reason", m)))
        .ok();
    let (Some(input), Some(why), true) = (input, why, errors.is_empty()) else {
        return correct_page(&state, &p, cx, note, Some(form), errors).await;
    };
    let new_id = form_id(&form.form_id, CaseNoteId::new);
    match store
        .correct_case_note(&id.caller, cx.episode_id, note, new_id, &input, &why)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("{}/notes?done=corrected", cx.episode_href)).into_response())
        }
        Err(StoreError::Stale) => {
            let mut res = page(
                &state,
                &p,
                cx,
                NoteForm::default(),
                vec![general(CHANGED_MESSAGE)],
                None,
            )
            .await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}
