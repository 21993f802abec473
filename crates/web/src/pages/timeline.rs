//! A person's timeline: everything that has happened in their record, newest
//! first (see [`reconnect_store::timeline`]). The person page shows the most
//! recent entries; `/people/{person_id}/timeline` shows them all.

use crate::view::{render, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use reconnect_domain::{Caller, PersonId};
use reconnect_store::timeline::TimelineEntry;

/// How many entries the person page shows before "See the whole timeline".
pub const ON_PERSON_PAGE: usize = 10;

/// One timeline line as the pages show it.
pub struct TimelineView {
    pub when: String,
    pub kind: &'static str,
    pub summary: String,
    pub reason: Option<String>,
    pub by: String,
    /// The episode's page, for entries that belong to one.
    pub episode_href: Option<String>,
}

impl TimelineView {
    pub(crate) fn of(person: PersonId, e: TimelineEntry) -> Self {
        TimelineView {
            when: crate::pages::contacts::uk_when(e.at),
            kind: e.kind.label(),
            summary: e.summary,
            reason: e.reason,
            by: e.by_name,
            episode_href: e
                .episode_id
                .map(|ep| format!("/people/{person}/episodes/{ep}")),
        }
    }
}

/// The person's timeline, newest first, as the caller may see it.
pub async fn timeline_views(
    state: &AppState,
    caller: &Caller,
    person: PersonId,
) -> Result<Vec<TimelineView>, PageError> {
    Ok(state
        .store()
        .person_timeline(caller, person)
        .await?
        .into_iter()
        .map(|e| TimelineView::of(person, e))
        .collect())
}

#[derive(Template)]
#[template(path = "pages/people/timeline.html")]
struct TimelinePage {
    layout: Layout,
    name: String,
    person_href: String,
    entries: Vec<TimelineView>,
}

/// `GET /people/{person_id}/timeline`: everything in the person's record.
pub async fn show(
    State(state): State<AppState>,
    p: Page,
    Path(person_id): Path<String>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let person_id: PersonId = person_id.parse().map_err(|_| PageError::NotFound)?;
    let person = state.store().get_person(&id.caller, person_id).await?;
    let name = crate::pages::people::person_name(&person);
    let entries = timeline_views(&state, &id.caller, person_id).await?;
    render(&TimelinePage {
        layout: p.layout(format!("Timeline – {name}")),
        name,
        person_href: format!("/people/{person_id}"),
        entries,
    })
}
