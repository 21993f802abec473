//! Episodes of support on the pages: the "Support" section of a person's
//! record, making a referral, one page per journey action, changing the
//! expected release date, and an earlier episode's history.
//!
//! The journey's rules are the domain's and the store applies them: these
//! handlers read the form, build the action, and show what the store says.
//! A refusal is shown on the form with its reason (409), a change made by
//! someone else in the meantime is shown with the latest details (409), and
//! bad input is shown next to its field (200, like every form here).

mod actions;
mod refer;
mod release_date;
mod show;
mod support;
mod view;

pub use actions::{action_form, action_submit, ActionForm};
pub use refer::{start, ReferralForm};
pub use release_date::{release_form, release_submit, ReleaseDateForm, ReleaseInput};
pub use show::show;
pub use support::{support_section, EarlierEpisode, Support};
pub use view::{episode_view, ActionLink, EpisodeView, EventView, SummaryRow, ViewContext};

use crate::view::Page;
use crate::{AppState, PageError};
use axum::http::StatusCode;
use axum::response::Response;
use reconnect_domain::episode::{ActionKind, EpisodeState};
use reconnect_domain::{EpisodeId, FieldError, PersonId, SiteId};
use reconnect_store::episodes::Episode;
use reconnect_store::people::Person;
use std::collections::HashMap;

/// Shown when someone else changed the episode between loading the form and
/// sending it.
pub const STALE_MESSAGE: &str = "Someone else changed this record while you were working on it. Check the latest details below and try again";

/// An error summary entry that is not about one field (shown without a link).
fn general(message: impl Into<String>) -> FieldError {
    FieldError::new("", message)
}

/// The NHS.UK tag colour for a state.
pub fn tag_class(state: EpisodeState) -> &'static str {
    match state {
        EpisodeState::Referred => "nhsuk-tag--yellow",
        EpisodeState::Accepted => "nhsuk-tag--aqua-green",
        EpisodeState::EngagedBeforeRelease => "nhsuk-tag--blue",
        EpisodeState::Released => "nhsuk-tag--purple",
        EpisodeState::CommunitySupport => "nhsuk-tag--green",
        EpisodeState::SteppingDown => "nhsuk-tag--aqua-green",
        EpisodeState::ReturnedToCustody => "nhsuk-tag--orange",
        EpisodeState::Declined | EpisodeState::Closed | EpisodeState::Withdrawn => {
            "nhsuk-tag--grey"
        }
    }
}

/// The path segment of an action: `mark-released`.
pub fn action_slug(kind: ActionKind) -> String {
    kind.as_str().replace('_', "-")
}

fn parse_action_slug(slug: &str) -> Option<ActionKind> {
    slug.replace('-', "_").parse().ok()
}

fn person_href(person: PersonId) -> String {
    format!("/people/{person}")
}

fn episode_href(person: PersonId, episode: EpisodeId) -> String {
    format!("/people/{person}/episodes/{episode}")
}

/// The confirmation shown on the person's page after a change.
pub fn done_message(done: &str) -> Option<&'static str> {
    Some(match done {
        "referred" => "Referral recorded",
        "release-date" => "Expected release date updated",
        "accept" => "Referral accepted",
        "decline" => "Referral declined",
        "start-engagement" => "Support before release started",
        "mark-released" => "Marked as released",
        "start-community-support" => "Community support started",
        "begin-stepping-down" => "Stepping down started",
        "close" => "Episode closed",
        "withdraw" => "Recorded that they chose to stop support",
        "return-to-custody" => "Return to custody recorded",
        "resume" => "Support resumed in custody",
        "transfer-site" => "Transferred to another site",
        "extend-community-support" => "Community support extended",
        _ => return None,
    })
}

async fn site_names(state: &AppState) -> Result<HashMap<SiteId, String>, PageError> {
    Ok(state
        .store()
        .list_sites()
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

/// May this caller change this person's episodes?
fn can_change(p: &Page, person: &Person) -> Result<bool, PageError> {
    let id = p.identity()?;
    Ok(id.caller.scope.may_write_site(person.summary.site_id))
}

fn ids(person_id: &str, episode_id: &str) -> Result<(PersonId, EpisodeId), PageError> {
    Ok((
        person_id.parse().map_err(|_| PageError::NotFound)?,
        episode_id.parse().map_err(|_| PageError::NotFound)?,
    ))
}

/// The episode, when it is in the caller's scope and belongs to the person
/// in the address.
async fn episode_of(
    state: &AppState,
    p: &Page,
    person: PersonId,
    episode: EpisodeId,
) -> Result<Episode, PageError> {
    let id = p.identity()?;
    let ep = state.store().episode(&id.caller, episode).await?;
    if ep.person_id != person {
        return Err(PageError::NotFound);
    }
    Ok(ep)
}

fn with_status(mut res: Response, status: StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

/// The episode's version as the form sent it; a form that does not send
/// one was not made by these pages.
fn version(raw: &str) -> Result<i64, PageError> {
    raw.trim().parse().map_err(|_| PageError::BadRequest)
}
