//! The care plan of an episode on the pages: needs (with updates and their
//! history), assessments (scores over time), the plan (goals in their own
//! words, actions with owner and due date, overdue ones highlighted) and the
//! release-day plan (a checklist with gaps highlighted near release).
//!
//! Every page lives under `/people/{person_id}/episodes/{episode_id}/` and
//! first loads the episode through the store (scoped to the caller's sites)
//! and checks it belongs to the person in the address. Bad input is shown
//! next to its field; refusals and changes made by someone else in the
//! meantime are shown with a plain-English reason (409), keeping what was
//! typed.

mod assessments;
mod needs;
mod plan;
mod plan_action;
mod release_day;

pub use assessments::{assessment_form, assessment_submit, assessments};
pub use needs::{need_add, need_page, need_update, needs};
pub use plan::{action_add, goal_add, plan};
pub use plan_action::{action_close, action_page};
pub use release_day::{release_day, release_day_edit, release_day_save};

use crate::view::{CheckItem, SelectOption};
use crate::{AppState, PageError};
use axum::http::StatusCode;
use axum::response::Response;
use reconnect_domain::{EpisodeId, FieldError, PersonId};
use reconnect_store::episodes::Episode;
use time::Date;

use crate::view::Page;

/// What every care-plan page knows about its episode.
pub struct EpisodeCtx {
    pub person_name: String,
    pub person_href: String,
    /// `/people/{person_id}/episodes/{episode_id}`
    pub ep_href: String,
    pub episode: Episode,
    /// May the caller change this episode's plan (their role, their site,
    /// and the episode still open)?
    pub can_change: bool,
    pub today: Date,
}

/// Loads the episode named in the address, when it is in the caller's
/// scope and belongs to the person named there. Reading the person's name
/// is audited as a read of their record.
async fn load(
    state: &AppState,
    p: &Page,
    person_id: &str,
    episode_id: &str,
) -> Result<EpisodeCtx, PageError> {
    let id = p.identity()?;
    let person: PersonId = person_id.parse().map_err(|_| PageError::NotFound)?;
    let episode: EpisodeId = episode_id.parse().map_err(|_| PageError::NotFound)?;
    let store = state.store();
    let ep = store.episode(&id.caller, episode).await?;
    if ep.person_id != person {
        return Err(PageError::NotFound);
    }
    let record = store.get_person(&id.caller, person).await?;
    let can_change = id.caller.role().writes_cases()
        && id.caller.scope.may_write_site(record.summary.site_id)
        && !ep.state.is_terminal();
    Ok(EpisodeCtx {
        person_name: crate::pages::people::person_name(&record),
        person_href: format!("/people/{person}"),
        ep_href: format!("/people/{person}/episodes/{episode}"),
        episode: ep,
        can_change,
        today: store.now().date(),
    })
}

/// An error summary entry about the whole form (shown without a link).
fn general(message: impl Into<String>) -> FieldError {
    FieldError::new("", message)
}

fn with_status(mut res: Response, status: StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

/// The record's version as the form sent it; a form without one was not
/// made by these pages.
fn version(raw: &str) -> Result<i64, PageError> {
    raw.trim().parse().map_err(|_| PageError::BadRequest)
}

/// Radio items from (code, label) pairs, with `selected` checked.
fn radio_items<'a>(
    choices: impl Iterator<Item = (&'a str, &'a str)>,
    selected: &str,
) -> Vec<CheckItem> {
    choices
        .map(|(code, label)| CheckItem {
            value: code.to_string(),
            label: label.to_string(),
            checked: code == selected,
        })
        .collect()
}

/// Select options from (code, label) pairs after a first empty choice.
fn select_options<'a>(
    first: &str,
    choices: impl Iterator<Item = (&'a str, &'a str)>,
    selected: &str,
) -> Vec<SelectOption> {
    std::iter::once(SelectOption {
        value: String::new(),
        label: first.to_string(),
        selected: selected.is_empty(),
    })
    .chain(choices.map(|(code, label)| SelectOption {
        value: code.to_string(),
        label: label.to_string(),
        selected: code == selected,
    }))
    .collect()
}
