//! One page per journey action: the form the action needs, and what the
//! store says when it is sent (done, refused with its reason, or changed by
//! someone else in the meantime).

use super::view::person_and_view;
use super::{
    action_slug, episode_of, general, ids, parse_action_slug, person_href, version, with_status,
    EpisodeView, STALE_MESSAGE,
};
use crate::journey::{self, ActionFields, ActionInput};
use crate::pages::Form;
use crate::view::{render, CheckItem, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::episode::{
    available_actions, Action, ActionKind, ClosureReason, DeclineReason, EpisodeState, Refusal,
};
use reconnect_domain::window::long_date;
use reconnect_domain::FieldError;
use reconnect_store::episodes::Episode;
use reconnect_store::StoreError;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct ActionForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub details: String,
    #[serde(default, rename = "date-day")]
    pub day: String,
    #[serde(default, rename = "date-month")]
    pub month: String,
    #[serde(default, rename = "date-year")]
    pub year: String,
    #[serde(default)]
    pub recalled: String,
    #[serde(default)]
    pub to_site: String,
    #[serde(default)]
    pub handover: String,
}

const ACTION_FIELDS: ActionFields = ActionFields {
    reason: "reason",
    details: "details",
    date: "date-day",
    recalled: "recalled",
    to_site: "to_site",
    handover: "handover",
};

impl ActionForm {
    fn input(&self, kind: ActionKind) -> ActionInput<'_> {
        let has_date = [&self.day, &self.month, &self.year]
            .iter()
            .any(|s| !s.trim().is_empty());
        ActionInput {
            reason: &self.reason,
            details: &self.details,
            date: has_date.then(|| {
                journey::date_from_parts(
                    &self.day,
                    &self.month,
                    &self.year,
                    journey::date_subject(kind),
                )
            }),
            recalled: match self.recalled.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            to_site: &self.to_site,
            handover: &self.handover,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/episodes/action.html")]
struct ActionPage {
    layout: Layout,
    errors: Vec<FieldError>,
    person_name: String,
    person_href: String,
    form_href: String,
    kind: &'static str,
    heading: &'static str,
    button: &'static str,
    ep: EpisodeView,
    /// Why the action cannot be taken now, instead of the form.
    not_allowed: Option<String>,
    version: i64,
    form: ActionForm,
    reasons: Vec<CheckItem>,
    recalled: Vec<CheckItem>,
    sites: Vec<SelectOption>,
    support_ends: Option<String>,
    stepping_up: bool,
}

fn reason_items(kind: ActionKind, chosen: &str) -> Vec<CheckItem> {
    let codes: &[&str] = match kind {
        ActionKind::Decline => &DeclineReason::CODES,
        ActionKind::Close => &ClosureReason::CODES,
        _ => &[],
    };
    codes
        .iter()
        .map(|code| CheckItem {
            value: code.to_string(),
            label: match kind {
                ActionKind::Decline => DeclineReason::label_for(code),
                _ => ClosureReason::label_for(code),
            }
            .unwrap_or("Another reason")
            .to_string(),
            checked: *code == chosen,
        })
        .collect()
}

async fn action_page(
    state: &AppState,
    p: &Page,
    kind: ActionKind,
    ep: &Episode,
    form: ActionForm,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let store = state.store();
    let (person, view) = person_and_view(state, p, ep).await?;
    let windows = store.site_windows(ep.site_id).await?;
    let not_allowed = (!available_actions(ep.state).contains(&kind)).then(|| {
        Refusal::NotAllowed {
            action: kind,
            state: ep.state,
        }
        .to_string()
    });
    let sites = if kind == ActionKind::TransferSite {
        let mut options = vec![SelectOption {
            value: String::new(),
            label: "Choose a site".into(),
            selected: form.to_site.is_empty(),
        }];
        for site in store.list_sites().await? {
            if site.id != ep.site_id {
                let value = site.id.to_string();
                options.push(SelectOption {
                    selected: value == form.to_site,
                    value,
                    label: site.name,
                });
            }
        }
        options
    } else {
        Vec::new()
    };
    let recalled = [
        ("yes", "Yes, recalled on licence"),
        ("no", "No, remanded or sentenced again"),
    ]
    .into_iter()
    .map(|(value, label)| CheckItem {
        value: value.into(),
        label: label.into(),
        checked: form.recalled == value,
    })
    .collect();
    let name = crate::pages::people::person_name(&person);
    render(&ActionPage {
        layout: p.layout_with_errors(format!("{} – {name}", kind.label()), &errors),
        errors,
        person_href: person_href(ep.person_id),
        person_name: name,
        form_href: format!("{}/actions/{}", view.href, action_slug(kind)),
        kind: kind.as_str(),
        heading: kind.label(),
        button: kind.label(),
        not_allowed,
        version: ep.version,
        reasons: reason_items(kind, form.reason.trim()),
        recalled,
        sites,
        support_ends: ep.progress().support_ends(&windows).map(long_date),
        stepping_up: ep.state == EpisodeState::SteppingDown,
        form,
        ep: view,
    })
}

/// How long after an action the same form, sent again by the same person,
/// counts as a repeat of it (a double click, or sending again after going
/// back) rather than a clash with someone else's change.
const REPEAT_WINDOW: time::Duration = time::Duration::minutes(10);

/// Was the episode moved on from `version` by exactly this action, by this
/// caller, moments ago? Then a form carrying `version` is a repeat, and the
/// answer is the same as the first time.
async fn is_repeat(
    state: &AppState,
    caller: &reconnect_domain::Caller,
    ep: &Episode,
    version: i64,
    kind: ActionKind,
) -> Result<bool, PageError> {
    if ep.version != version + 1 {
        return Ok(false);
    }
    let store = state.store();
    let history = store.episode_history(caller, ep.id).await?;
    Ok(history.last().is_some_and(|last| {
        last.by_user == caller.user_id()
            && last.action.as_deref() == Some(kind.as_str())
            && store.now() - last.at <= REPEAT_WINDOW
    }))
}

fn done_redirect(person_id: reconnect_domain::PersonId, kind: ActionKind) -> Response {
    Redirect::to(&format!("/people/{person_id}?done={}", action_slug(kind))).into_response()
}

fn parse_kind(slug: &str) -> Result<ActionKind, PageError> {
    parse_action_slug(slug).ok_or(PageError::NotFound)
}

/// `GET /people/{person_id}/episodes/{episode_id}/actions/{action}`
pub async fn action_form(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id, action)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (person_id, episode_id) = ids(&person_id, &episode_id)?;
    let kind = parse_kind(&action)?;
    let ep = episode_of(&state, &p, person_id, episode_id).await?;
    action_page(&state, &p, kind, &ep, ActionForm::default(), Vec::new()).await
}

/// `POST /people/{person_id}/episodes/{episode_id}/actions/{action}`
pub async fn action_submit(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id, action)): Path<(String, String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let (person_id, episode_id) = ids(&person_id, &episode_id)?;
    let kind = parse_kind(&action)?;
    let ep = episode_of(&state, &p, person_id, episode_id).await?;
    let store = state.store();
    let version = version(&form.version)?;
    if version != ep.version && is_repeat(&state, &id.caller, &ep, version, kind).await? {
        return Ok(done_redirect(person_id, kind));
    }
    if !available_actions(ep.state).contains(&kind) {
        // Refused by the journey's rules whatever was filled in: say why (or
        // that someone else has just moved the episode on).
        let message = if version == ep.version {
            Refusal::NotAllowed {
                action: kind,
                state: ep.state,
            }
            .to_string()
        } else {
            STALE_MESSAGE.to_string()
        };
        return Ok(with_status(
            action_page(&state, &p, kind, &ep, form, vec![general(message)]).await?,
            StatusCode::CONFLICT,
        ));
    }
    let born = store.person_date_of_birth(&id.caller, person_id).await?;
    let today = store.now().date();
    let action = match journey::build_action(kind, &form.input(kind), &ACTION_FIELDS, today, born) {
        Ok(a) => a,
        Err(errors) => return action_page(&state, &p, kind, &ep, form, errors).await,
    };
    match store
        .act_on_episode(&id.caller, episode_id, version, &action)
        .await
    {
        Ok(_) => {
            if let Action::TransferSite { to, .. } = &action {
                if !id.caller.scope.may_read_site(*to) {
                    return Ok(Redirect::to("/people?transferred=1").into_response());
                }
            }
            Ok(done_redirect(person_id, kind))
        }
        Err(StoreError::Refused(reason)) => {
            // Where the refusal is about a field, link the summary to it.
            let ep = episode_of(&state, &p, person_id, episode_id).await?;
            let windows = store.site_windows(ep.site_id).await?;
            let field = match ep.progress().apply(&action, today, &windows) {
                Err(refusal) if refusal.to_string() == reason => {
                    journey::refusal_field(&refusal, &ACTION_FIELDS).unwrap_or_default()
                }
                _ => "",
            };
            let errors = vec![FieldError::new(field, reason)];
            Ok(with_status(
                action_page(&state, &p, kind, &ep, form, errors).await?,
                StatusCode::CONFLICT,
            ))
        }
        Err(StoreError::Stale) => {
            let ep = episode_of(&state, &p, person_id, episode_id).await?;
            if is_repeat(&state, &id.caller, &ep, version, kind).await? {
                return Ok(done_redirect(person_id, kind));
            }
            Ok(with_status(
                action_page(&state, &p, kind, &ep, form, vec![general(STALE_MESSAGE)]).await?,
                StatusCode::CONFLICT,
            ))
        }
        Err(StoreError::Invalid(errors)) => {
            let errors = errors
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "to_site" | "handover" | "reason" | "details" | "recalled" => e,
                    _ => FieldError::new("", e.message),
                })
                .collect();
            action_page(&state, &p, kind, &ep, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
