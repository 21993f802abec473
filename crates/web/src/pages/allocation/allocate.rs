//! Who supports one person: the current RECONNECT worker and peer mentor,
//! the history of allocations with reasons, and the form to allocate or
//! change them. Each choice shows the person's caseload against their
//! capacity, and the page warns when someone is over it (allocation is
//! still allowed: the site manager decides). A new worker needs a handover
//! note; continuity is the default.

use super::{episode_in_path, general, may_change, with_status, EpisodeRef, STALE_MESSAGE};
use crate::pages::Form;
use crate::view::{render, when, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::caseload::mentor_reason;
use reconnect_domain::episode::Handover;
use reconnect_domain::{AllocationId, FieldError, Role, UserId};
use reconnect_store::allocation::{Allocation, AllocationChange, AllocationOutcome};
use reconnect_store::caseloads::TeamMember;
use reconnect_store::episodes::Episode;
use reconnect_store::StoreError;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct AllocationForm {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub worker_id: String,
    #[serde(default)]
    pub mentor_id: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

pub struct HistoryRow {
    pub worker: String,
    pub mentor: String,
    pub from: String,
    pub until: String,
    pub by: String,
    pub reason: String,
}

pub struct LoadRow {
    pub name: String,
    pub role_label: &'static str,
    pub load: String,
    pub over: bool,
}

#[derive(Template)]
#[template(path = "pages/allocation/allocation.html")]
struct AllocationPage {
    layout: Layout,
    errors: Vec<FieldError>,
    ep: EpisodeRef,
    done: Option<&'static str>,
    worker: Option<String>,
    mentor: Option<String>,
    since: Option<String>,
    over_warning: Option<String>,
    can_change: bool,
    form_href: String,
    current_id: String,
    workers: Vec<SelectOption>,
    mentors: Vec<SelectOption>,
    reason: String,
    loads: Vec<LoadRow>,
    history: Vec<HistoryRow>,
}

fn done_message(done: &str) -> Option<&'static str> {
    Some(match done {
        "allocated" => "Worker allocated",
        "worker" => "Worker changed, with the handover note",
        "mentor" => "Peer mentor changed",
        "unchanged" => "Nothing was changed",
        _ => return None,
    })
}

fn option_label(m: &TeamMember) -> String {
    format!("{} – supporting {}", m.name, m.load.describe())
}

fn options(
    team: &[TeamMember],
    role: Role,
    chosen: &str,
    none_label: &'static str,
) -> Vec<SelectOption> {
    let mut out = vec![SelectOption {
        value: String::new(),
        label: none_label.to_string(),
        selected: chosen.is_empty(),
    }];
    out.extend(team.iter().filter(|m| m.role == role).map(|m| {
        let value = m.user_id.to_string();
        SelectOption {
            selected: value == chosen,
            label: option_label(m),
            value,
        }
    }));
    out
}

async fn allocation_page(
    state: &AppState,
    p: &Page,
    ep: &Episode,
    r: EpisodeRef,
    form: Option<AllocationForm>,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let history = store.allocation_history(&id.caller, ep.id).await?;
    let team = store.allocation_candidates(&id.caller, ep.id).await?;
    let current: Option<&Allocation> = history.iter().find(|a| a.ended_at.is_none());
    let form = form.unwrap_or_else(|| AllocationForm {
        current: current.map(|c| c.id.to_string()).unwrap_or_default(),
        worker_id: current.map(|c| c.worker_id.to_string()).unwrap_or_default(),
        mentor_id: current
            .and_then(|c| c.mentor_id)
            .map(|m| m.to_string())
            .unwrap_or_default(),
        reason: String::new(),
    });
    let over: Vec<String> = team
        .iter()
        .filter(|m| {
            m.load.is_over()
                && current
                    .is_some_and(|c| c.worker_id == m.user_id || c.mentor_id == Some(m.user_id))
        })
        .map(|m| format!("{} is supporting {}.", m.name, m.load.describe()))
        .collect();
    let name = r.person_name.clone();
    render(&AllocationPage {
        layout: p.layout_with_errors(format!("Who supports them – {name}"), &errors),
        errors,
        done,
        worker: current.map(|c| c.worker_name.clone()),
        mentor: current.and_then(|c| c.mentor_name.clone()),
        since: current.map(|c| when(c.started_at)),
        over_warning: (!over.is_empty()).then(|| {
            format!(
                "{} Talk to your site manager about sharing the work.",
                over.join(" ")
            )
        }),
        can_change: may_change(p, ep)?,
        form_href: format!("{}/allocation", r.href),
        current_id: form.current.clone(),
        workers: options(&team, Role::Worker, &form.worker_id, "Choose a worker"),
        mentors: options(&team, Role::PeerMentor, &form.mentor_id, "No peer mentor"),
        reason: form.reason,
        loads: team
            .iter()
            .map(|m| LoadRow {
                name: m.name.clone(),
                role_label: m.role.label(),
                load: m.load.describe(),
                over: m.load.is_over(),
            })
            .collect(),
        history: history
            .iter()
            .map(|a| HistoryRow {
                worker: a.worker_name.clone(),
                mentor: a.mentor_name.clone().unwrap_or_else(|| "None".into()),
                from: when(a.started_at),
                until: a.ended_at.map_or("Now".to_string(), when),
                by: a.started_by_name.clone(),
                reason: a
                    .reason
                    .clone()
                    .unwrap_or_else(|| "First allocation".into()),
            })
            .collect(),
        ep: r,
    })
}

/// `GET /people/{person_id}/episodes/{episode_id}/allocation`
pub async fn show(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let (ep, r) = episode_in_path(&state, &p, &person_id, &episode_id).await?;
    let done = q.done.as_deref().and_then(done_message);
    allocation_page(&state, &p, &ep, r, None, Vec::new(), done).await
}

/// Reads the form into a change, collecting every problem.
fn parse(
    form: &AllocationForm,
) -> Result<(Option<AllocationId>, AllocationChange), Vec<FieldError>> {
    let mut errors = Vec::new();
    let current = match form.current.trim() {
        "" => None,
        s => s.parse().ok(),
    };
    let worker: Option<UserId> = match form.worker_id.trim() {
        "" => {
            errors.push(FieldError::new("worker_id", "Choose a RECONNECT worker"));
            None
        }
        s => match s.parse() {
            Ok(u) => Some(u),
            Err(_) => {
                errors.push(FieldError::new(
                    "worker_id",
                    "Choose a RECONNECT worker at this site",
                ));
                None
            }
        },
    };
    let mentor: Option<UserId> = match form.mentor_id.trim() {
        "" => None,
        s => match s.parse() {
            Ok(u) => Some(u),
            Err(_) => {
                errors.push(FieldError::new(
                    "mentor_id",
                    "Choose a peer mentor at this site, or no peer mentor",
                ));
                None
            }
        },
    };
    let handover = if form.reason.trim().is_empty() {
        None
    } else {
        match Handover::parse(&form.reason) {
            Ok(h) => Some(h),
            Err(m) => {
                errors.push(FieldError::new("reason", m));
                None
            }
        }
    };
    let mentor_reason = mentor_reason(&form.reason).unwrap_or_default();
    match (worker, errors.is_empty()) {
        (Some(worker), true) => Ok((
            current,
            AllocationChange {
                worker,
                mentor,
                handover,
                mentor_reason,
            },
        )),
        _ => Err(errors),
    }
}

/// `POST /people/{person_id}/episodes/{episode_id}/allocation`
pub async fn submit(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<AllocationForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let (ep, r) = episode_in_path(&state, &p, &person_id, &episode_id).await?;
    let (current, change) = match parse(&form) {
        Ok(v) => v,
        Err(errors) => return allocation_page(&state, &p, &ep, r, Some(form), errors, None).await,
    };
    let done_href = |done: &str| format!("{}/allocation?done={done}", r.href);
    match state
        .store()
        .allocate(&id.caller, ep.id, current, &change)
        .await
    {
        Ok(outcome) => {
            let done = match outcome {
                AllocationOutcome::Allocated => "allocated",
                AllocationOutcome::WorkerChanged => "worker",
                AllocationOutcome::MentorChanged => "mentor",
                AllocationOutcome::Unchanged => "unchanged",
            };
            Ok(Redirect::to(&done_href(done)).into_response())
        }
        Err(StoreError::Invalid(errors)) => {
            allocation_page(&state, &p, &ep, r, Some(form), errors, None).await
        }
        Err(StoreError::Refused(reason)) => Ok(with_status(
            allocation_page(&state, &p, &ep, r, Some(form), vec![general(reason)], None).await?,
            StatusCode::CONFLICT,
        )),
        Err(StoreError::Stale) => {
            // Show the latest allocation, keeping what they typed.
            let mut kept = form.clone();
            kept.current = state
                .store()
                .current_allocation(&id.caller, ep.id)
                .await?
                .map(|c| c.id.to_string())
                .unwrap_or_default();
            Ok(with_status(
                allocation_page(
                    &state,
                    &p,
                    &ep,
                    r,
                    Some(kept),
                    vec![general(STALE_MESSAGE)],
                    None,
                )
                .await?,
                StatusCode::CONFLICT,
            ))
        }
        Err(e) => Err(e.into()),
    }
}
