//! An episode's engagement page: the level worked out now, the reasons, the
//! rule version that produced them, worker concerns (raise and clear, both
//! kept), and the step-ups: what each suggested action is, for whom and by
//! when, what was done and the outcome, and stepping down with a record.
//! Everything is posted to sub-addresses of the page and shown back here.

use super::{rule_words, LevelTag};
use crate::pages::contacts::{context, general, uk_when, EpisodeContext};
use crate::pages::Form;
use crate::view::{render, CheckItem, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::id::{ConcernId, StepUpActionId, StepUpId};
use reconnect_domain::FieldError;
use reconnect_store::engagement::EpisodeEngagement;
use reconnect_store::StoreError;
use serde::Deserialize;

/// Every field of the page's forms (each form sends the ones it has).
#[derive(Deserialize, Default, Clone)]
pub struct EngagementForm {
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub concern: String,
    #[serde(default)]
    pub clear_note: String,
    #[serde(default)]
    pub step_up: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub what_done: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub record: String,
}

pub struct ConcernRow {
    pub id: String,
    pub note: String,
    pub raised: String,
    /// The clearing note, who and when.
    pub cleared: Option<String>,
}

pub struct ActionRow {
    pub label: &'static str,
    pub for_whom: String,
    pub due: String,
    pub records: Vec<String>,
}

pub struct StepUpView {
    pub id: String,
    pub state: &'static str,
    pub active: bool,
    pub opened: String,
    pub level: &'static str,
    pub reasons: Vec<String>,
    pub escalated: Option<String>,
    pub stepped_down: Option<String>,
    pub actions: Vec<ActionRow>,
    pub choices: Vec<CheckItem>,
}

#[derive(Template)]
#[template(path = "pages/engagement/episode.html")]
struct EngagementPage {
    layout: Layout,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
    cx: EpisodeContext,
    level: LevelTag,
    reasons: Vec<String>,
    rule: String,
    concerns: Vec<ConcernRow>,
    open_concerns: Vec<CheckItem>,
    step_ups: Vec<StepUpView>,
    form: EngagementForm,
}

fn view(e: &EpisodeEngagement, form: &EngagementForm) -> Vec<StepUpView> {
    e.step_ups
        .iter()
        .map(|s| StepUpView {
            id: s.id.to_string(),
            state: s.state.label(),
            active: s.state.is_active(),
            opened: uk_when(s.opened_at),
            level: s.level.label(),
            reasons: s.reasons.clone(),
            escalated: s.escalated_at.map(uk_when),
            stepped_down: s
                .stepped_down
                .as_ref()
                .map(|(by, at, record)| format!("{record} ({by}, {})", uk_when(*at))),
            actions: s
                .actions
                .iter()
                .map(|a| ActionRow {
                    label: a.action.label(),
                    for_whom: match &a.assigned_to_name {
                        Some(n) => format!("{} ({n})", a.assignee.label()),
                        None => format!("{} (nobody allocated)", a.assignee.label()),
                    },
                    due: uk_when(a.due_at),
                    records: a
                        .records
                        .iter()
                        .map(|r| {
                            format!(
                                "{} Outcome: {} ({}, {})",
                                r.what_done,
                                r.outcome,
                                r.by_name,
                                uk_when(r.at)
                            )
                        })
                        .collect(),
                })
                .collect(),
            choices: s
                .actions
                .iter()
                .map(|a| CheckItem {
                    value: a.id.to_string(),
                    label: a.action.label().to_string(),
                    checked: form.action == a.id.to_string(),
                })
                .collect(),
        })
        .collect()
}

async fn page(
    state: &AppState,
    p: &Page,
    cx: EpisodeContext,
    form: EngagementForm,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let e = state
        .store()
        .engagement_for(&id.caller, cx.episode_id)
        .await?;
    let concerns: Vec<ConcernRow> = e
        .concerns
        .iter()
        .map(|c| ConcernRow {
            id: c.id.to_string(),
            note: c.note.clone(),
            raised: format!("{}, {}", c.by_name, uk_when(c.at)),
            cleared: c
                .cleared
                .as_ref()
                .map(|(n, by, at)| format!("{n} ({by}, {})", uk_when(*at))),
        })
        .collect();
    render(&EngagementPage {
        layout: p.layout_with_errors(format!("Engagement – {}", cx.person_name), &errors),
        errors,
        done,
        level: e.level.assessment.level.into(),
        reasons: e
            .level
            .assessment
            .reasons
            .iter()
            .map(|r| r.words.clone())
            .collect(),
        rule: rule_words(e.level.rule_version, &e.site_name),
        open_concerns: concerns
            .iter()
            .filter(|c| c.cleared.is_none())
            .map(|c| CheckItem {
                value: c.id.clone(),
                label: c.note.clone(),
                checked: form.concern == c.id,
            })
            .collect(),
        concerns,
        step_ups: view(&e, &form),
        form,
        cx,
    })
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    pub done: Option<String>,
}

/// `GET /people/{person_id}/episodes/{episode_id}/engagement`
pub async fn engagement(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let done = match q.done.as_deref() {
        Some("raised") => Some("Concern raised"),
        Some("cleared") => Some("Concern cleared. It stays in the list, marked as cleared"),
        Some("recorded") => Some("What was done has been recorded"),
        Some("stepped-down") => Some("Step-up stepped down"),
        _ => None,
    };
    page(&state, &p, cx, EngagementForm::default(), Vec::new(), done).await
}

/// Shows the outcome of a post: back to the page on success, the page with
/// the errors next to their fields, or the refusal with status 409.
async fn answer(
    state: &AppState,
    p: &Page,
    cx: EpisodeContext,
    form: EngagementForm,
    result: Result<(), StoreError>,
    done: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(
            Redirect::to(&format!("{}/engagement?done={done}", cx.episode_href)).into_response(),
        ),
        Err(StoreError::Invalid(errors)) => page(state, p, cx, form, errors, None).await,
        Err(StoreError::Refused(m) | StoreError::Conflict(m)) => {
            let mut r = page(state, p, cx, form, vec![general(m)], None).await?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(StoreError::Stale) => {
            let mut r = page(
                state,
                p,
                cx,
                form,
                vec![general(crate::pages::contacts::CHANGED_MESSAGE)],
                None,
            )
            .await?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST .../engagement/concerns`
pub async fn raise_concern(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<EngagementForm>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let id = p.identity()?;
    let r = state
        .store()
        .raise_concern(&id.caller, cx.episode_id, &form.note)
        .await
        .map(|_| ());
    answer(&state, &p, cx, form, r, "raised").await
}

/// `POST .../engagement/concerns/clear`
pub async fn clear_concern(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<EngagementForm>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let id = p.identity()?;
    let r = match form.concern.trim().parse::<ConcernId>() {
        Err(_) => {
            let mut errors = vec![FieldError::new("concern", "Choose which concern to clear")];
            if reconnect_domain::step_up::concern_note(&form.clear_note).is_err() {
                errors.push(FieldError::new(
                    "clear_note",
                    "Enter why the concern can be cleared",
                ));
            }
            Err(StoreError::Invalid(errors))
        }
        Ok(concern) => state
            .store()
            .clear_concern(&id.caller, cx.episode_id, concern, &form.clear_note)
            .await
            .map(|_| ())
            .map_err(|e| match e {
                StoreError::Invalid(_) => {
                    StoreError::invalid("clear_note", "Enter why the concern can be cleared")
                }
                e => e,
            }),
    };
    answer(&state, &p, cx, form, r, "cleared").await
}

/// `POST .../engagement/record`
pub async fn record_action(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<EngagementForm>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let id = p.identity()?;
    let step_up: StepUpId = form
        .step_up
        .trim()
        .parse()
        .map_err(|_| PageError::NotFound)?;
    let r = match form.action.trim().parse::<StepUpActionId>() {
        Err(_) => {
            let mut errors = vec![FieldError::new("action", "Choose which action this was")];
            if let Err(m) = reconnect_domain::step_up::what_was_done(&form.what_done) {
                errors.push(FieldError::new("what_done", m));
            }
            if let Err(m) = reconnect_domain::step_up::outcome(&form.outcome) {
                errors.push(FieldError::new("outcome", m));
            }
            Err(StoreError::Invalid(errors))
        }
        Ok(action) => {
            state
                .store()
                .record_step_up_action(
                    &id.caller,
                    cx.episode_id,
                    step_up,
                    action,
                    &form.what_done,
                    &form.outcome,
                )
                .await
        }
    };
    answer(&state, &p, cx, form, r, "recorded").await
}

/// `POST .../engagement/step-down`
pub async fn step_down(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<EngagementForm>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let id = p.identity()?;
    let step_up: StepUpId = form
        .step_up
        .trim()
        .parse()
        .map_err(|_| PageError::NotFound)?;
    let r = state
        .store()
        .step_down(&id.caller, cx.episode_id, step_up, &form.record)
        .await;
    answer(&state, &p, cx, form, r, "stepped-down").await
}
