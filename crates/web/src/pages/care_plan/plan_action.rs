//! One action of the plan: what it is, who does it and by when, its
//! history, and the form that marks it done or drops it with a reason.

use super::plan::{action_view, ActionView};
use super::{general, load, radio_items, version, with_status, EpisodeCtx};
use crate::pages::episodes::STALE_MESSAGE;
use crate::pages::Form;
use crate::view::{render, when, CheckItem, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::id::PlanActionId;
use reconnect_domain::plan::{ActionClose, ActionStatus};
use reconnect_domain::FieldError;
use reconnect_store::care_plan::{Plan, PlanAction};
use reconnect_store::StoreError;
use serde::Deserialize;

/// One line of an action's history.
pub struct ActionEventView {
    pub when: String,
    pub who: String,
    pub what: &'static str,
    pub reason: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct CloseForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub reason: String,
}

#[derive(Template)]
#[template(path = "pages/care_plan/plan_action.html")]
struct ActionPage {
    layout: Layout,
    errors: Vec<FieldError>,
    cx: EpisodeCtx,
    back_href: String,
    form_href: String,
    action: ActionView,
    version: i64,
    history: Vec<ActionEventView>,
    outcomes: Vec<CheckItem>,
    form: CloseForm,
}

async fn one_action(
    state: &AppState,
    p: &Page,
    cx: &EpisodeCtx,
    raw: &str,
) -> Result<(Plan, PlanAction), PageError> {
    let id = p.identity()?;
    let action_id: PlanActionId = raw.parse().map_err(|_| PageError::NotFound)?;
    let (episode, action) = state.store().plan_action(&id.caller, action_id).await?;
    if episode != cx.episode.id {
        return Err(PageError::NotFound);
    }
    let plan = state.store().plan(&id.caller, episode).await?;
    Ok((plan, action))
}

fn action_page_view(
    p: &Page,
    cx: EpisodeCtx,
    plan: &Plan,
    action: &PlanAction,
    form: CloseForm,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let view = action_view(&cx, plan, action);
    let mut history: Vec<ActionEventView> = action
        .events
        .iter()
        .map(|e| ActionEventView {
            when: when(e.at),
            who: e.by_name.clone(),
            what: match e.status {
                ActionStatus::Open => "Added",
                ActionStatus::Done => "Marked as done",
                ActionStatus::Dropped => "Dropped",
            },
            reason: e.reason.clone().unwrap_or_default(),
        })
        .collect();
    history.reverse();
    render(&ActionPage {
        layout: p.layout_with_errors(format!("Action – {}", cx.person_name), &errors),
        errors,
        back_href: format!("{}/plan", cx.ep_href),
        form_href: view.href.clone(),
        action: view,
        version: action.version,
        history,
        outcomes: radio_items(
            [ActionStatus::Done, ActionStatus::Dropped]
                .iter()
                .map(|s| (s.code(), s.label())),
            &form.status,
        ),
        form,
        cx,
    })
}

/// `GET /people/{person_id}/episodes/{episode_id}/plan/actions/{plan_action_id}`
pub async fn action_page(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id, action_id)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    let (plan, action) = one_action(&state, &p, &cx, &action_id).await?;
    action_page_view(&p, cx, &plan, &action, CloseForm::default(), Vec::new())
}

/// `POST /people/{person_id}/episodes/{episode_id}/plan/actions/{plan_action_id}`
pub async fn action_close(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id, action_id)): Path<(String, String, String)>,
    Form(form): Form<CloseForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    let (plan, action) = one_action(&state, &p, &cx, &action_id).await?;
    let version = version(&form.version)?;
    let close = match ActionClose::parse(&form.status, &form.reason) {
        Ok(c) => c,
        Err((field, m)) => {
            let errors = vec![FieldError::new(field, m)];
            return action_page_view(&p, cx, &plan, &action, form, errors);
        }
    };
    match state
        .store()
        .close_action(&id.caller, action.id, version, &close)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!(
            "{}/plan?done={}",
            cx.ep_href,
            close.status().code()
        ))
        .into_response()),
        Err(StoreError::Stale) => {
            let (plan, latest) = one_action(&state, &p, &cx, &action_id).await?;
            Ok(with_status(
                action_page_view(&p, cx, &plan, &latest, form, vec![general(STALE_MESSAGE)])?,
                StatusCode::CONFLICT,
            ))
        }
        Err(StoreError::Refused(m)) => Ok(with_status(
            action_page_view(&p, cx, &plan, &action, form, vec![general(m)])?,
            StatusCode::CONFLICT,
        )),
        Err(e) => Err(e.into()),
    }
}
