//! An episode's activity as dated entries, newest first: the contacts,
//! appointments and case notes, for a person's timeline. Built from the
//! scoped, audited lists in [`crate::contacts`], [`crate::appointments`] and
//! [`crate::case_notes`], so it shows exactly what the caller may see:
//! corrected contacts and notes appear once, as their latest version, and a
//! sensitive note the caller may not read says only that it exists.

use crate::case_notes::NoteContent;
use crate::{Result, Store};
use reconnect_domain::appointment::AppointmentState;
use reconnect_domain::{Caller, EpisodeId};
use time::OffsetDateTime;

/// What an entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActivityKind {
    Contact,
    Appointment,
    CaseNote,
}

/// One dated line of a timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityEntry {
    pub at: OffsetDateTime,
    pub kind: ActivityKind,
    /// One line for people, like "Phone call, they took part: Talked about housing".
    pub summary: String,
    /// Who recorded it.
    pub by_name: String,
}

impl Store {
    /// The episode's contacts, appointments and notes as dated entries,
    /// newest first (scoped through the episode, and audited as three reads).
    pub async fn episode_activity(
        &self,
        caller: &Caller,
        episode: EpisodeId,
    ) -> Result<Vec<ActivityEntry>> {
        let mut out = Vec::new();
        for c in self.contacts(caller, episode).await? {
            if !c.is_current() {
                continue;
            }
            let d = &c.details;
            out.push(ActivityEntry {
                at: d.at,
                kind: ActivityKind::Contact,
                summary: format!(
                    "{}, {}: {}",
                    d.kind.label(),
                    if d.two_way {
                        "they took part"
                    } else {
                        "one-way"
                    },
                    d.summary
                ),
                by_name: c.by_name,
            });
        }
        for a in self.appointments(caller, episode).await? {
            let outcome = match (a.state, a.dna_reason) {
                (AppointmentState::DidNotAttend, Some(r)) => {
                    format!("did not attend ({})", r.label().to_lowercase())
                }
                (s, _) => s.label().to_lowercase(),
            };
            out.push(ActivityEntry {
                at: a.details.starts_at,
                kind: ActivityKind::Appointment,
                summary: format!("{}, {}: {}", a.details.what, a.details.location, outcome),
                by_name: a.created_by_name,
            });
        }
        for n in self.case_notes(caller, episode).await? {
            if !n.is_current() {
                continue;
            }
            let summary = match (&n.content, n.supersedes.is_some()) {
                (NoteContent::Visible { body, .. }, false) => format!("Case note: {body}"),
                (NoteContent::Visible { body, .. }, true) => {
                    format!("Case note (corrected): {body}")
                }
                (NoteContent::Withheld, _) => {
                    "Sensitive case note (only the allocated worker and site managers can read it)"
                        .to_string()
                }
            };
            out.push(ActivityEntry {
                at: n.created_at,
                kind: ActivityKind::CaseNote,
                summary,
                by_name: n.by_name,
            });
        }
        out.sort_by_key(|e| std::cmp::Reverse(e.at));
        Ok(out)
    }
}
