//! Allocation on the pages: My caseload and the unallocated list
//! ([`caseload`]), who supports one person ([`allocate`]), the consents they
//! gave ([`consent`]), and each site's team with capacities ([`team`]).
//!
//! The store applies the rules (scope, who may be allocated, handover,
//! voluntary consent); these handlers read forms and show what it says.
//! Bad input is shown next to its field (200), refusals and changes made by
//! someone else in the meantime with a reason (409).

pub mod allocate;
pub mod caseload;
pub mod consent;
pub mod team;

use crate::view::Page;
use crate::{AppState, PageError};
use axum::http::StatusCode;
use axum::response::Response;
use reconnect_domain::{EpisodeId, FieldError, PersonId};
use reconnect_store::episodes::Episode;

/// Shown when someone else changed who supports the person, or the
/// consents, between loading the form and sending it.
pub const STALE_MESSAGE: &str = "Someone else changed this while you were working on it. Check the latest details below and try again";

/// The episode as far as the pages about its parts need it.
pub struct EpisodeRef {
    /// `/people/{person_id}/episodes/{episode_id}`.
    pub href: String,
    pub person_href: String,
    pub person_name: String,
    pub open: bool,
    pub state_label: &'static str,
    pub tag_class: &'static str,
}

/// An error summary entry that is not about one field.
fn general(message: impl Into<String>) -> FieldError {
    FieldError::new("", message)
}

fn with_status(mut res: Response, status: StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

fn ids(person_id: &str, episode_id: &str) -> Result<(PersonId, EpisodeId), PageError> {
    Ok((
        person_id.parse().map_err(|_| PageError::NotFound)?,
        episode_id.parse().map_err(|_| PageError::NotFound)?,
    ))
}

/// The episode in the address, when it is in the caller's scope and belongs
/// to the person in the address, with the person's name (an audited read
/// of their record).
async fn episode_in_path(
    state: &AppState,
    p: &Page,
    person_id: &str,
    episode_id: &str,
) -> Result<(Episode, EpisodeRef), PageError> {
    let id = p.identity()?;
    let (person, episode) = ids(person_id, episode_id)?;
    let store = state.store();
    let ep = store.episode(&id.caller, episode).await?;
    if ep.person_id != person {
        return Err(PageError::NotFound);
    }
    let record = store.get_person(&id.caller, person).await?;
    let r = EpisodeRef {
        href: format!("/people/{person}/episodes/{episode}"),
        person_href: format!("/people/{person}"),
        person_name: crate::pages::people::person_name(&record),
        open: !ep.state.is_terminal(),
        state_label: ep.state.label(),
        tag_class: crate::pages::episodes::tag_class(ep.state),
    };
    Ok((ep, r))
}

/// May the caller change this episode's records (their role, at its site)?
fn may_change(p: &Page, ep: &Episode) -> Result<bool, PageError> {
    let id = p.identity()?;
    Ok(id.caller.scope.may_write_site(ep.site_id) && !ep.state.is_terminal())
}
