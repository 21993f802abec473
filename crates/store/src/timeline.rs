//! A person's timeline: everything that has happened in their record, newest
//! first, across all their episodes of support — changes to the episode
//! (referral, acceptance, release, closure...), contacts, appointments, case
//! notes, and corrections to their details.
//!
//! It is assembled from the scoped, audited reads of each part
//! ([`Store::episodes_of`], [`Store::episode_history`],
//! [`Store::episode_activity`], [`Store::person_history`]), so it shows
//! exactly what the caller may see and nothing more: a sensitive note the
//! caller may not read appears only as a line saying it exists.

use crate::episode_activity::ActivityKind;
use crate::episodes::EpisodeEvent;
use crate::person_details::PersonRevision;
use crate::{Result, Store};
use reconnect_domain::{Caller, EpisodeId, PersonId};
use time::OffsetDateTime;

/// What a timeline entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelineKind {
    /// A change to an episode of support: its state or release date.
    Support,
    Contact,
    Appointment,
    CaseNote,
    /// A correction to the person's details.
    Details,
}

impl TimelineKind {
    pub fn label(self) -> &'static str {
        match self {
            TimelineKind::Support => "Support",
            TimelineKind::Contact => "Contact",
            TimelineKind::Appointment => "Appointment",
            TimelineKind::CaseNote => "Case note",
            TimelineKind::Details => "Their details",
        }
    }
}

/// One dated line of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEntry {
    pub at: OffsetDateTime,
    pub kind: TimelineKind,
    /// One line for people: "Accepted", "Phone call, they took part: ...".
    pub summary: String,
    /// Why, when a reason was recorded.
    pub reason: Option<String>,
    /// Who recorded it.
    pub by_name: String,
    /// The episode it belongs to (none for corrections to their details).
    pub episode_id: Option<EpisodeId>,
}

impl Store {
    /// Everything in the person's record that the caller may see, newest
    /// first. Unknown or out-of-scope people are `NotFound`.
    pub async fn person_timeline(
        &self,
        caller: &Caller,
        person: PersonId,
    ) -> Result<Vec<TimelineEntry>> {
        // First, so that a person outside the caller's scope is NotFound
        // before anything else is read.
        let revisions = self.person_history(caller, person).await?;
        let mut histories = Vec::new();
        for episode in self.episodes_of(caller, person).await? {
            let events = self.episode_history(caller, episode.id).await?;
            histories.push((episode.id, events));
        }
        self.person_timeline_from(caller, &revisions, &histories)
            .await
    }

    /// The timeline assembled from the person's corrections and each of
    /// their episodes' history, already read by the caller (so a page that
    /// shows them as well reads them once); only the episodes' contacts,
    /// appointments and notes are read here, scoped and audited as usual.
    pub async fn person_timeline_from(
        &self,
        caller: &Caller,
        revisions: &[PersonRevision],
        histories: &[(EpisodeId, Vec<EpisodeEvent>)],
    ) -> Result<Vec<TimelineEntry>> {
        let mut out: Vec<TimelineEntry> = revisions
            .iter()
            .map(|r| {
                let fields: Vec<String> = r.changes.iter().map(|c| c.label.clone()).collect();
                TimelineEntry {
                    at: r.changed_at,
                    kind: TimelineKind::Details,
                    summary: if fields.is_empty() {
                        "Details corrected".to_string()
                    } else {
                        format!("Details corrected: {}", fields.join(", "))
                    },
                    reason: Some(r.reason.clone()),
                    by_name: r.changed_by_name.clone(),
                    episode_id: None,
                }
            })
            .collect();
        for (episode, events) in histories {
            for event in events {
                out.push(TimelineEntry {
                    at: event.at,
                    kind: TimelineKind::Support,
                    summary: event.summary.clone(),
                    reason: event.reason.clone(),
                    by_name: event.by_name.clone(),
                    episode_id: Some(*episode),
                });
            }
            for activity in self.episode_activity(caller, *episode).await? {
                out.push(TimelineEntry {
                    at: activity.at,
                    kind: match activity.kind {
                        ActivityKind::Contact => TimelineKind::Contact,
                        ActivityKind::Appointment => TimelineKind::Appointment,
                        ActivityKind::CaseNote => TimelineKind::CaseNote,
                    },
                    summary: activity.summary,
                    reason: None,
                    by_name: activity.by_name,
                    episode_id: Some(*episode),
                });
            }
        }
        // Newest first; entries at the same instant keep their order.
        out.sort_by_key(|e| std::cmp::Reverse(e.at));
        Ok(out)
    }
}
