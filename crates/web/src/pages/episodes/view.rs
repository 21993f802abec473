//! An episode as the pages show it: its summary rows, the actions offered
//! to people who may change it, and its history, newest first.

use super::{action_slug, can_change, episode_href, site_names, tag_class};
use crate::view::{date, when, Page};
use crate::{AppState, PageError};
use reconnect_domain::episode::{available_actions, ActionKind, EpisodeState};
use reconnect_domain::window::{long_date, release_countdown, ReleaseDate};
use reconnect_domain::{EpisodeId, SiteId};
use reconnect_store::episodes::{Episode, EpisodeEvent};
use reconnect_store::people::Person;
use std::collections::HashMap;
use time::Date;

/// The actions that move the journey on, offered as buttons; the others are
/// offered as links below them.
fn is_main_step(kind: ActionKind) -> bool {
    matches!(
        kind,
        ActionKind::Accept
            | ActionKind::Decline
            | ActionKind::StartEngagement
            | ActionKind::MarkReleased
            | ActionKind::StartCommunitySupport
            | ActionKind::BeginSteppingDown
            | ActionKind::Resume
    )
}

/// One row of an episode's summary list.
pub struct SummaryRow {
    pub key: &'static str,
    pub value: String,
    /// A link for the value (an earlier episode).
    pub href: Option<String>,
    /// A "Change" link, with what it changes for screen readers.
    pub change: Option<(String, &'static str)>,
}

pub struct ActionLink {
    pub href: String,
    pub label: &'static str,
}

/// One line of the history.
pub struct EventView {
    pub when: String,
    pub who: String,
    pub summary: String,
    pub reason: Option<String>,
}

/// An episode as the pages show it.
pub struct EpisodeView {
    pub id: EpisodeId,
    pub href: String,
    pub state_label: &'static str,
    pub tag_class: &'static str,
    pub open: bool,
    pub referred_on: String,
    pub rows: Vec<SummaryRow>,
    /// Buttons for the main next steps, then links for the other changes;
    /// empty for people who only read.
    pub steps: Vec<ActionLink>,
    pub other_actions: Vec<ActionLink>,
    /// Newest first.
    pub history: Vec<EventView>,
}

/// What the episode views need besides the episode.
pub struct ViewContext<'a> {
    pub today: Date,
    pub site_names: &'a HashMap<SiteId, String>,
    /// Other episodes of the person, for the "follows" link: id and referral date.
    pub referred_on: &'a HashMap<EpisodeId, String>,
    pub can_change: bool,
}

pub(super) fn release_text(today: Date, release: &ReleaseDate) -> String {
    match release {
        ReleaseDate::Known(d) => {
            format!("{} – {}", long_date(*d), release_countdown(today, release))
        }
        ReleaseDate::Unknown { reason } => format!("Not known: {reason}"),
    }
}

pub fn episode_view(
    ep: &Episode,
    history: Vec<EpisodeEvent>,
    windows: &reconnect_domain::window::SiteWindows,
    cx: &ViewContext<'_>,
) -> EpisodeView {
    let open = !ep.state.is_terminal();
    let href = episode_href(ep.person_id, ep.id);
    let can_change = cx.can_change && open;
    let mut rows = vec![
        SummaryRow {
            key: "Site",
            value: cx
                .site_names
                .get(&ep.site_id)
                .cloned()
                .unwrap_or_else(|| "Unknown site".into()),
            href: None,
            change: None,
        },
        SummaryRow {
            key: "Referred by",
            value: ep.source.label().to_string(),
            href: None,
            change: None,
        },
        SummaryRow {
            key: "Referred on",
            value: date(ep.created_at.date()),
            href: None,
            change: None,
        },
    ];
    let released = ep.released_on.filter(|_| ep.state.is_in_community());
    if released.is_none() {
        rows.push(SummaryRow {
            key: "Expected release",
            value: release_text(cx.today, &ep.expected_release),
            href: None,
            change: can_change.then(|| (format!("{href}/release-date"), "expected release date")),
        });
    }
    if let Some(on) = ep.released_on {
        rows.push(SummaryRow {
            key: "Released",
            value: release_text(cx.today, &ReleaseDate::Known(on)),
            href: None,
            change: None,
        });
    }
    if ep.state == EpisodeState::ReturnedToCustody {
        if let Some(on) = ep.returned_to_custody_on {
            rows.push(SummaryRow {
                key: "Back in custody since",
                value: long_date(on),
                href: None,
                change: None,
            });
        }
    }
    if released.is_some() {
        if let Some(ends) = ep.progress().support_ends(windows) {
            let extended = if ep.extended_until == Some(ends) {
                " (extended)"
            } else {
                ""
            };
            rows.push(SummaryRow {
                key: "Community support ends",
                value: format!("{}{extended}", long_date(ends)),
                href: None,
                change: None,
            });
        }
    }
    if let Some(earlier) = ep.linked_from {
        rows.push(SummaryRow {
            key: "Follows",
            value: match cx.referred_on.get(&earlier) {
                Some(on) => format!("Their episode referred on {on}"),
                None => "An earlier episode".into(),
            },
            href: Some(episode_href(ep.person_id, earlier)),
            change: None,
        });
    }
    let (mut steps, mut other_actions) = (Vec::new(), Vec::new());
    if can_change {
        for kind in available_actions(ep.state) {
            let link = ActionLink {
                href: format!("{href}/actions/{}", action_slug(kind)),
                label: kind.label(),
            };
            if is_main_step(kind) {
                steps.push(link);
            } else {
                other_actions.push(link);
            }
        }
    }
    let mut history: Vec<EventView> = history
        .into_iter()
        .map(|e| EventView {
            when: when(e.at),
            who: e.by_name,
            summary: e.summary,
            reason: e.reason,
        })
        .collect();
    history.reverse();
    EpisodeView {
        id: ep.id,
        href,
        state_label: ep.state.label(),
        tag_class: tag_class(ep.state),
        open,
        referred_on: date(ep.created_at.date()),
        rows,
        steps,
        other_actions,
        history,
    }
}

/// The full view of one episode, with its history and the links to change it.
async fn full_view(
    state: &AppState,
    p: &Page,
    person: &Person,
    ep: &Episode,
) -> Result<EpisodeView, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let history = store.episode_history(&id.caller, ep.id).await?;
    let windows = store.site_windows(ep.site_id).await?;
    let names = site_names(state).await?;
    let referred_on: HashMap<EpisodeId, String> = store
        .episodes_of(&id.caller, ep.person_id)
        .await?
        .iter()
        .map(|e| (e.id, date(e.created_at.date())))
        .collect();
    let cx = ViewContext {
        today: store.now().date(),
        site_names: &names,
        referred_on: &referred_on,
        can_change: can_change(p, person)?,
    };
    Ok(episode_view(ep, history, &windows, &cx))
}

/// The episode's person (the read is audited) and the full view of the
/// episode, for the pages about one episode.
pub(super) async fn person_and_view(
    state: &AppState,
    p: &Page,
    ep: &Episode,
) -> Result<(Person, EpisodeView), PageError> {
    let id = p.identity()?;
    let person = state.store().get_person(&id.caller, ep.person_id).await?;
    let view = full_view(state, p, &person, ep).await?;
    Ok((person, view))
}
