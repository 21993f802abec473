//! An episode's activity as dated entries, newest first: the contacts,
//! appointments and case notes, for a person's timeline. Read with the same
//! loaders as the lists in [`crate::contacts`], [`crate::appointments`] and
//! [`crate::case_notes`], in one snapshot behind one scope check, so it shows
//! exactly what the caller may see: corrected contacts and notes appear
//! once, as their latest version, and a sensitive note the caller may not
//! read says only that it exists. The read is audited as one event that
//! says how many of each it showed.

use crate::audit::{Actor, AuditEntry};
use crate::case_notes::NoteContent;
use crate::episode_scope::parent;
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
    /// newest first (scoped through the episode, and audited).
    pub async fn episode_activity(
        &self,
        caller: &Caller,
        episode: EpisodeId,
    ) -> Result<Vec<ActivityEntry>> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let p = parent(&mut tx, episode, caller.scope.case_sites()).await?;
        let contacts = crate::contacts::load_list(&mut tx, episode).await?;
        let appointments = crate::appointments::load_list(&mut tx, episode).await?;
        let notes = crate::case_notes::load_list(&mut tx, caller, episode).await?;
        let audit = AuditEntry::new("activity.view")
            .record("episode", episode)
            .site(p.site)
            .person(p.person)
            .detail(format!(
                "{} contacts, {} appointments, {} notes ({} withheld as sensitive)",
                contacts.len(),
                appointments.len(),
                notes.len(),
                crate::case_notes::withheld(&notes)
            ));
        tx.finish(self, now, &Actor::User(caller), audit).await?;
        let mut out = Vec::new();
        for c in contacts {
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
        for a in appointments {
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
        for n in notes {
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
