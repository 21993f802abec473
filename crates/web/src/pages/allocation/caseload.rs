//! My caseload and the unallocated list: open episodes as a table, most
//! urgent first (release within two weeks, then recently released, then the
//! rest by release date).
//!
//! A row is a name, a state and a list of cells under the table's headings.
//! My caseload adds columns from other parts of the record, read for all
//! rows at once by episode id ([`Extras`]): the next appointment, overdue
//! plan actions, and gaps in the release-day plan (highlighted in the last
//! two weeks before release).

use crate::view::{render, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use reconnect_domain::caseload::{RECENT_DAYS, SOON_DAYS};
use reconnect_domain::release_plan::{highlight_gaps, ChecklistItem};
use reconnect_domain::window::{release_countdown, ReleaseDate};
use reconnect_domain::EpisodeId;
use reconnect_store::appointments::Appointment;
use reconnect_store::caseloads::CaseloadEntry;
use reconnect_store::Store;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};

/// What other parts of the record add to My caseload's rows.
#[derive(Default)]
pub struct Extras {
    pub next_appointment: HashMap<EpisodeId, Appointment>,
    pub overdue_actions: HashMap<EpisodeId, i64>,
    pub release_gaps: HashMap<EpisodeId, Vec<ChecklistItem>>,
    pub engagement: HashMap<EpisodeId, reconnect_store::engagement::Level>,
}

impl Extras {
    /// Reads the extra columns for these entries (each read is scoped to the
    /// caller's sites by the store, like the caseload itself).
    pub async fn read(
        store: &Store,
        caller: &reconnect_domain::Caller,
        entries: &[CaseloadEntry],
        now: OffsetDateTime,
    ) -> Result<Self, PageError> {
        let ids: Vec<EpisodeId> = entries.iter().map(|e| e.episode_id).collect();
        Ok(Extras {
            next_appointment: store.next_appointments(caller, &ids, now).await?,
            overdue_actions: store
                .overdue_action_counts(caller, &ids, now.date())
                .await?,
            release_gaps: store.release_plan_gaps(caller, &ids).await?,
            engagement: store.engagement_levels(caller, &ids, now).await?,
        })
    }

    fn engagement(&self, e: &CaseloadEntry) -> Cell {
        match self.engagement.get(&e.episode_id) {
            Some(level) => Cell {
                text: level.assessment.level.label().to_string(),
                tag: Some(level.assessment.level.tag_class()),
                detail: level.assessment.reasons.first().map(|r| r.words.clone()),
            },
            None => Cell::plain("Not worked out yet"),
        }
    }

    fn next_appointment(&self, e: &CaseloadEntry) -> Cell {
        match self.next_appointment.get(&e.episode_id) {
            Some(a) => Cell::plain(format!(
                "{} ({})",
                crate::pages::contacts::uk_when(a.details.starts_at),
                a.details.what
            )),
            None => Cell::plain("None booked"),
        }
    }

    fn overdue(&self, e: &CaseloadEntry) -> Cell {
        match self
            .overdue_actions
            .get(&e.episode_id)
            .copied()
            .unwrap_or(0)
        {
            0 => Cell::plain("None"),
            1 => Cell::warning("1 overdue"),
            n => Cell::warning(format!("{n} overdue")),
        }
    }

    fn release_day(&self, e: &CaseloadEntry, today: Date) -> Cell {
        if e.state.is_in_community() {
            return Cell::plain("Released");
        }
        match self.release_gaps.get(&e.episode_id) {
            None => Cell::plain("Ready"),
            Some(gaps) => {
                let text = match gaps.len() {
                    1 => "1 gap".to_string(),
                    n => format!("{n} gaps"),
                };
                if highlight_gaps(e.expected_release.date(), today) {
                    Cell::warning(text)
                } else {
                    Cell::plain(text)
                }
            }
        }
    }
}

/// One cell: its text, shown as a tag of the given class when it needs to
/// stand out, and perhaps a line of detail under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub tag: Option<&'static str>,
    pub detail: Option<String>,
}

impl Cell {
    fn plain(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            tag: None,
            detail: None,
        }
    }
    fn warning(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            tag: Some("nhsuk-tag--red"),
            detail: None,
        }
    }
    pub fn is_warning(&self) -> bool {
        self.tag == Some("nhsuk-tag--red")
    }
}

/// One row of a caseload table.
pub struct CaseloadRow {
    pub href: String,
    pub name: String,
    pub state_label: &'static str,
    pub tag_class: &'static str,
    /// Why it is near the top, if it is: "Release within 14 days".
    pub priority: Option<String>,
    /// One per heading after name, state and priority.
    pub cells: Vec<Cell>,
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
            "Engagement",
            "Next appointment",
            "Overdue actions",
            "Release-day plan",
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

pub fn row(e: &CaseloadEntry, list: List, today: Date, extras: &Extras) -> CaseloadRow {
    let priority = if e.urgency.is_soon() {
        Some(format!("Release within {SOON_DAYS} days"))
    } else if e.urgency.is_recently_released() {
        Some(format!("Released in the last {RECENT_DAYS} days"))
    } else {
        None
    };
    let mut cells = vec![Cell::plain(countdown(e, today))];
    if list == List::Mine {
        cells.push(extras.engagement(e));
        cells.push(extras.next_appointment(e));
        cells.push(extras.overdue(e));
        cells.push(extras.release_day(e, today));
    }
    cells.push(Cell::plain(consent_summary(e)));
    if list == List::Mine {
        cells.push(Cell::plain(if e.as_worker {
            "RECONNECT worker"
        } else {
            "Peer mentor"
        }));
        cells.push(Cell::plain(match (&e.worker_name, &e.mentor_name) {
            (Some(w), Some(m)) => format!("{w}, with {m}"),
            (Some(w), None) => format!("{w} (no peer mentor)"),
            _ => String::new(),
        }));
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
    let now = store.now();
    let today = now.date();
    let extras = Extras::read(store, &id.caller, &entries, now).await?;
    render(&CaseloadPage {
        layout: p.layout("My caseload"),
        heading: "My caseload",
        intro: "The people you support as their RECONNECT worker or peer mentor. Those released soon, or released recently, come first.",
        empty: "No one is allocated to you at the moment.",
        no_site: id.caller.scope.case_sites().is_empty(),
        headings: headings(List::Mine),
        rows: entries
            .iter()
            .map(|e| row(e, List::Mine, today, &extras))
            .collect(),
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
            .map(|e| row(e, List::Unallocated, today, &Extras::default()))
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
            &Extras::default(),
        );
        assert_eq!(r.name, "Ada Lovelace");
        assert_eq!(r.priority.as_deref(), Some("Release within 14 days"));
        let texts: Vec<&str> = r.cells.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "released in 5 days",
                "Not worked out yet",
                "None booked",
                "None",
                "Ready",
                "Taking part; may share with 1 kind of partner",
                "Peer mentor",
                "Priya (no peer mentor)"
            ]
        );
        assert!(r.cells.iter().all(|c| !c.is_warning()));
        assert_eq!(r.cells.len(), headings(List::Mine).len());
        let r = row(
            &entry(EpisodeState::Accepted, 60, None),
            List::Unallocated,
            TODAY,
            &Extras::default(),
        );
        assert_eq!(r.priority, None);
        assert_eq!(r.cells.len(), headings(List::Unallocated).len());
    }
}
