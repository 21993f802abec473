//! My caseload and the unallocated list: open episodes as a table, most
//! urgent first (release within two weeks, then recently released, then the
//! rest by release date).
//!
//! A row is a name, a state and a list of cells under the table's headings,
//! so other parts of the record (next appointment, overdue actions, gaps in
//! the release-day plan) can be added as columns: push a heading in
//! [`headings`] and a cell in [`row`], reading the extra data by episode id.

use crate::view::{render, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use reconnect_domain::caseload::{RECENT_DAYS, SOON_DAYS};
use reconnect_domain::window::{release_countdown, ReleaseDate};
use reconnect_store::caseloads::CaseloadEntry;
use time::Date;

/// One row of a caseload table.
pub struct CaseloadRow {
    pub href: String,
    pub name: String,
    pub state_label: &'static str,
    pub tag_class: &'static str,
    /// Why it is near the top, if it is: "Release within 14 days".
    pub priority: Option<String>,
    /// One per heading after name, state and priority.
    pub cells: Vec<String>,
}

/// Which list a table is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum List {
    Mine,
    Unallocated,
}

/// The headings of the cells after name, state and priority.
pub fn headings(list: List) -> Vec<&'static str> {
    match list {
        List::Mine => vec![
            "Release",
            "Consent",
            "You are their",
            "Worker and peer mentor",
        ],
        List::Unallocated => vec!["Release", "Consent"],
    }
}

/// "released in 5 days", "released 3 days ago", or, when the expected date
/// has passed while they are still recorded in prison, says so.
pub fn countdown(e: &CaseloadEntry, today: Date) -> String {
    if let (true, Some(on)) = (e.state.is_in_community(), e.released_on) {
        return release_countdown(today, &ReleaseDate::Known(on));
    }
    match e.expected_release.date() {
        Some(d) if d < today => format!(
            "expected {}: not yet marked as released",
            release_countdown(today, &e.expected_release).replace("released ", "")
        ),
        _ => release_countdown(today, &e.expected_release),
    }
}

/// "Taking part; may share with 2 kinds of partner", or what is missing.
pub fn consent_summary(e: &CaseloadEntry) -> String {
    let take_part = if e.consent_to_take_part {
        "Taking part"
    } else {
        "Consent to take part not recorded"
    };
    match e.sharing_partners {
        0 => format!("{take_part}; no sharing"),
        1 => format!("{take_part}; may share with 1 kind of partner"),
        n => format!("{take_part}; may share with {n} kinds of partner"),
    }
}

pub fn row(e: &CaseloadEntry, list: List, today: Date) -> CaseloadRow {
    let priority = if e.urgency.is_soon() {
        Some(format!("Release within {SOON_DAYS} days"))
    } else if e.urgency.is_recently_released() {
        Some(format!("Released in the last {RECENT_DAYS} days"))
    } else {
        None
    };
    let mut cells = vec![countdown(e, today), consent_summary(e)];
    if list == List::Mine {
        cells.push(if e.as_worker {
            "RECONNECT worker".to_string()
        } else {
            "Peer mentor".to_string()
        });
        cells.push(match (&e.worker_name, &e.mentor_name) {
            (Some(w), Some(m)) => format!("{w}, with {m}"),
            (Some(w), None) => format!("{w} (no peer mentor)"),
            _ => String::new(),
        });
    }
    CaseloadRow {
        href: format!("/people/{}/episodes/{}", e.person_id, e.episode_id),
        name: crate::pages::people::display_name(
            &e.given_name,
            &e.family_name,
            e.preferred_name.as_deref(),
        ),
        state_label: e.state.label(),
        tag_class: crate::pages::episodes::tag_class(e.state),
        priority,
        cells,
    }
}

#[derive(Template)]
#[template(path = "pages/allocation/caseload.html")]
struct CaseloadPage {
    layout: Layout,
    heading: &'static str,
    intro: &'static str,
    empty: &'static str,
    no_site: bool,
    headings: Vec<&'static str>,
    rows: Vec<CaseloadRow>,
    /// Unallocated list, for people who may allocate: a link per row.
    allocate_links: bool,
}

/// `GET /caseload`: the caller's own caseload.
pub async fn mine(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let entries = store.my_caseload(&id.caller).await?;
    let today = store.now().date();
    render(&CaseloadPage {
        layout: p.layout("My caseload"),
        heading: "My caseload",
        intro: "The people you support as their RECONNECT worker or peer mentor. Those released soon, or released recently, come first.",
        empty: "No one is allocated to you at the moment.",
        no_site: id.caller.scope.case_sites().is_empty(),
        headings: headings(List::Mine),
        rows: entries.iter().map(|e| row(e, List::Mine, today)).collect(),
        allocate_links: false,
    })
}

/// `GET /unallocated`: open episodes at the caller's sites with no worker.
pub async fn unallocated(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let entries = store.unallocated(&id.caller).await?;
    let today = store.now().date();
    render(&CaseloadPage {
        layout: p.layout("Unallocated"),
        heading: "People with no RECONNECT worker",
        intro: "Accepted referrals and people being supported who have no worker yet, most urgent first. Referrals still waiting at triage are not listed.",
        empty: "Everyone being supported at your sites has a worker.",
        no_site: id.caller.scope.case_sites().is_empty(),
        headings: headings(List::Unallocated),
        rows: entries
            .iter()
            .map(|e| row(e, List::Unallocated, today))
            .collect(),
        allocate_links: id.user.role.writes_cases(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reconnect_domain::caseload::Urgency;
    use reconnect_domain::episode::EpisodeState;
    use reconnect_domain::{EpisodeId, PersonId, SiteId};
    use time::macros::date;
    use time::Duration;

    const TODAY: Date = date!(2026 - 11 - 21);

    fn entry(state: EpisodeState, expected: i64, released: Option<i64>) -> CaseloadEntry {
        let expected_release = ReleaseDate::Known(TODAY + Duration::days(expected));
        let released_on = released.map(|d| TODAY + Duration::days(d));
        CaseloadEntry {
            episode_id: EpisodeId::new(),
            person_id: PersonId::new(),
            site_id: SiteId::new(),
            given_name: "Ada".into(),
            family_name: "Lovelace".into(),
            preferred_name: None,
            urgency: Urgency::of(state, &expected_release, released_on, TODAY),
            state,
            expected_release,
            released_on,
            worker_name: Some("Priya".into()),
            mentor_name: None,
            as_worker: false,
            consent_to_take_part: true,
            sharing_partners: 1,
        }
    }

    #[test]
    fn countdowns_say_what_happened_or_is_expected() {
        let e = entry(EpisodeState::EngagedBeforeRelease, 5, None);
        assert_eq!(countdown(&e, TODAY), "released in 5 days");
        let e = entry(EpisodeState::CommunitySupport, -10, Some(-3));
        assert_eq!(countdown(&e, TODAY), "released 3 days ago");
        let e = entry(EpisodeState::EngagedBeforeRelease, -2, None);
        assert_eq!(
            countdown(&e, TODAY),
            "expected 2 days ago: not yet marked as released"
        );
    }

    #[test]
    fn rows_carry_priority_consent_and_roles() {
        let r = row(
            &entry(EpisodeState::EngagedBeforeRelease, 5, None),
            List::Mine,
            TODAY,
        );
        assert_eq!(r.name, "Ada Lovelace");
        assert_eq!(r.priority.as_deref(), Some("Release within 14 days"));
        assert_eq!(
            r.cells,
            [
                "released in 5 days",
                "Taking part; may share with 1 kind of partner",
                "Peer mentor",
                "Priya (no peer mentor)"
            ]
        );
        assert_eq!(r.cells.len(), headings(List::Mine).len());
        let r = row(
            &entry(EpisodeState::Accepted, 60, None),
            List::Unallocated,
            TODAY,
        );
        assert_eq!(r.priority, None);
        assert_eq!(r.cells.len(), headings(List::Unallocated).len());
    }
}
