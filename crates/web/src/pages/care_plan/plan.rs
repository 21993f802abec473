//! The plan on the pages: their goals in their own words, actions with who
//! does them and by when (overdue ones tagged), and the forms to add either.

use super::{general, load, select_options, with_status, EpisodeCtx};
use crate::pages::Form;
use crate::view::{date, render, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::id::GoalId;
use reconnect_domain::plan::{
    action_text, due_date, goal_words, is_overdue, ActionOwner, ActionStatus,
};
use reconnect_domain::validation::date_from_parts;
use reconnect_domain::{FieldError, Validation};
use reconnect_store::care_plan::{NewAction, Plan, PlanAction};
use reconnect_store::StoreError;
use serde::Deserialize;
use time::Date;

/// A goal as shown.
pub struct GoalView {
    pub words: String,
    pub added: String,
}

/// An action as shown.
pub struct ActionView {
    pub href: String,
    pub text: String,
    pub goal: Option<String>,
    pub owner: &'static str,
    pub due: String,
    pub status: &'static str,
    pub tag_class: &'static str,
    pub overdue: bool,
    pub open: bool,
    pub reason: Option<String>,
}

#[derive(Deserialize, Default, Clone)]
pub struct GoalForm {
    #[serde(default)]
    pub words: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct ActionForm {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default, rename = "due_on-day")]
    pub day: String,
    #[serde(default, rename = "due_on-month")]
    pub month: String,
    #[serde(default, rename = "due_on-year")]
    pub year: String,
    #[serde(default)]
    pub goal: String,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    pub done: String,
}

#[derive(Template)]
#[template(path = "pages/care_plan/plan.html")]
struct PlanPage {
    layout: Layout,
    errors: Vec<FieldError>,
    cx: EpisodeCtx,
    done: Option<&'static str>,
    goals: Vec<GoalView>,
    actions: Vec<ActionView>,
    overdue_heading: Option<String>,
    goal_form: GoalForm,
    action_form: ActionForm,
    owners: Vec<SelectOption>,
    goal_options: Vec<SelectOption>,
}

pub(super) fn status_tag(status: ActionStatus, overdue: bool) -> (&'static str, &'static str) {
    if overdue {
        return ("Overdue", "nhsuk-tag--red");
    }
    match status {
        ActionStatus::Open => ("Open", "nhsuk-tag--blue"),
        ActionStatus::Done => ("Done", "nhsuk-tag--green"),
        ActionStatus::Dropped => ("Dropped", "nhsuk-tag--grey"),
    }
}

pub(super) fn action_view(cx: &EpisodeCtx, plan: &Plan, a: &PlanAction) -> ActionView {
    let overdue = is_overdue(a.status, a.due, cx.today);
    let (status, tag_class) = status_tag(a.status, overdue);
    ActionView {
        href: format!("{}/plan/actions/{}", cx.ep_href, a.id),
        text: a.text.clone(),
        goal: a
            .goal
            .and_then(|g| plan.goals.iter().find(|x| x.id == g))
            .map(|g| g.words.clone()),
        owner: a.owner.label(),
        due: date(a.due),
        status,
        tag_class,
        overdue,
        open: a.status == ActionStatus::Open,
        reason: a.reason.clone(),
    }
}

async fn plan_page(
    state: &AppState,
    p: &Page,
    cx: EpisodeCtx,
    goal_form: GoalForm,
    action_form: ActionForm,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let plan = state.store().plan(&id.caller, cx.episode.id).await?;
    let actions: Vec<ActionView> = plan
        .actions
        .iter()
        .map(|a| action_view(&cx, &plan, a))
        .collect();
    let goal_ids: Vec<(String, String)> = plan
        .goals
        .iter()
        .map(|g| (g.id.to_string(), g.words.clone()))
        .collect();
    let goal_options = select_options(
        "Not linked to a goal",
        goal_ids
            .iter()
            .map(|(id, words)| (id.as_str(), words.as_str())),
        &action_form.goal,
    );
    render(&PlanPage {
        layout: p.layout_with_errors(format!("Plan – {}", cx.person_name), &errors),
        errors,
        done,
        goals: plan
            .goals
            .iter()
            .map(|g| GoalView {
                words: g.words.clone(),
                added: format!("Added {} by {}", date(g.at.date()), g.by_name),
            })
            .collect(),
        overdue_heading: match actions.iter().filter(|a| a.overdue).count() {
            0 => None,
            1 => Some("1 action is overdue".to_string()),
            n => Some(format!("{n} actions are overdue")),
        },
        actions,
        owners: select_options(
            "Choose who will do this",
            ActionOwner::ALL.iter().map(|o| (o.code(), o.label())),
            &action_form.owner,
        ),
        goal_options,
        goal_form,
        action_form,
        cx,
    })
}

/// `GET /people/{person_id}/episodes/{episode_id}/plan`
pub async fn plan(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    let done = match q.done.as_str() {
        "goal" => Some("Goal added"),
        "action" => Some("Action added"),
        "done" => Some("Action marked as done"),
        "dropped" => Some("Action dropped"),
        _ => None,
    };
    plan_page(
        &state,
        &p,
        cx,
        GoalForm::default(),
        ActionForm::default(),
        Vec::new(),
        done,
    )
    .await
}

/// `POST /people/{person_id}/episodes/{episode_id}/plan/goals`
pub async fn goal_add(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<GoalForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    let words = match goal_words(&form.words) {
        Ok(w) => w,
        Err(m) => {
            let errors = vec![FieldError::new("words", m)];
            return plan_page(&state, &p, cx, form, ActionForm::default(), errors, None).await;
        }
    };
    match state
        .store()
        .add_goal(&id.caller, cx.episode.id, &words)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/plan?done=goal", cx.ep_href)).into_response()),
        Err(StoreError::Conflict(m) | StoreError::Refused(m)) => Ok(with_status(
            plan_page(
                &state,
                &p,
                cx,
                form,
                ActionForm::default(),
                vec![general(m)],
                None,
            )
            .await?,
            StatusCode::CONFLICT,
        )),
        Err(e) => Err(e.into()),
    }
}

fn parse_action(form: &ActionForm, today: Date) -> Result<NewAction, Vec<FieldError>> {
    let mut v = Validation::new();
    let text = v.check("text", action_text(&form.text));
    let owner = v.check("owner", ActionOwner::parse(&form.owner));
    let due = v.check(
        "due_on-day",
        date_from_parts(&form.day, &form.month, &form.year, "The due date")
            .and_then(|d| due_date(d, today)),
    );
    let goal = if form.goal.trim().is_empty() {
        Some(None)
    } else {
        v.check(
            "goal",
            form.goal
                .trim()
                .parse::<GoalId>()
                .map(Some)
                .map_err(|_| "Choose one of their goals"),
        )
    };
    v.finish(|| {
        Some(NewAction {
            goal: goal?,
            text: text?,
            owner: owner?,
            due: due?,
        })
    })
}

/// `POST /people/{person_id}/episodes/{episode_id}/plan/actions`
pub async fn action_add(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    let new = match parse_action(&form, cx.today) {
        Ok(n) => n,
        Err(errors) => {
            return plan_page(&state, &p, cx, GoalForm::default(), form, errors, None).await
        }
    };
    match state
        .store()
        .add_action(&id.caller, cx.episode.id, &new)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/plan?done=action", cx.ep_href)).into_response()),
        Err(StoreError::Conflict(m) | StoreError::Refused(m)) => Ok(with_status(
            plan_page(
                &state,
                &p,
                cx,
                GoalForm::default(),
                form,
                vec![general(m)],
                None,
            )
            .await?,
            StatusCode::CONFLICT,
        )),
        Err(StoreError::Invalid(errors)) => {
            let errors = errors
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "due_on" => FieldError::new("due_on-day", e.message),
                    _ => e,
                })
                .collect();
            plan_page(&state, &p, cx, GoalForm::default(), form, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}
