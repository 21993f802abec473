//! The triage decision on a referral, all in one transaction with its
//! history and audit rows: either everything happens or nothing does.
//!
//! - **New record**: the person's record is created from the referral (with
//!   the prison and prison number the worker confirmed), and an episode of
//!   support is started and accepted.
//! - **Link** to a person already at the caller's sites (a possible
//!   duplicate): a new episode is started and accepted for them; when they
//!   already have an open episode, the referral is linked to it instead.
//! - **Merge** (link and update): as link, and the prison, prison number and
//!   preferred name from the referral replace those on their record; each
//!   change is recorded in the referral's history with the old and new value.
//! - **Decline**, with a reason.
//!
//! A referral is decided once: a second decision is refused with who made
//! the first one and when. A decision made on an out-of-date copy (another
//! worker changed it since) is [`StoreError::Stale`].

use super::{append_event, load_scoped, Referral, ReferralStatus};
use crate::audit::{append, Actor, AuditEntry};
use crate::sql::{param_list, parse};
use crate::{Engine, Result, Store, StoreError};
use reconnect_domain::episode::{re_referral, DeclineReason, EpisodeState, Reason};
use reconnect_domain::id::ReferralId;
use reconnect_domain::window::long_date;
use reconnect_domain::{Caller, EpisodeId, PersonId, PrisonId, PrisonNumber, SiteId};
use sqlx::AnyConnection;

/// What the worker decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Create a new record, in this prison with this prison number (the
    /// referral's own, or what the worker found out).
    NewRecord {
        prison_id: PrisonId,
        prison_number: PrisonNumber,
    },
    /// The referral is about this person, already at the caller's sites.
    Link { person: PersonId },
    /// As [`Decision::Link`], updating their record from the referral.
    Merge { person: PersonId },
    Decline {
        reason: DeclineReason,
        note: Option<Reason>,
    },
}

impl Decision {
    /// The code stored with the referral.
    fn code(&self) -> &'static str {
        match self {
            Decision::NewRecord { .. } => "new_record",
            Decision::Link { .. } => "link",
            Decision::Merge { .. } => "merge",
            Decision::Decline { reason, .. } => reason.code(),
        }
    }
}

/// What a decision did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionOutcome {
    pub status: ReferralStatus,
    pub person_id: Option<PersonId>,
    pub episode_id: Option<EpisodeId>,
    /// The line added to the referral's history.
    pub summary: String,
}

/// Why a decided referral cannot be decided again.
fn already_decided(r: &Referral) -> String {
    let who = r.decided_by_name.as_deref().unwrap_or("someone");
    let when = r
        .decided_at
        .map(|t| format!(" on {}", long_date(t.date())))
        .unwrap_or_default();
    let what = match r.status {
        ReferralStatus::Declined => "declined",
        ReferralStatus::Linked => "linked to their current support",
        _ => "accepted",
    };
    format!("This referral has already been {what} by {who}{when}, so it cannot be decided again")
}

/// The person's site, when they are at one of `sites`.
async fn person_site(
    conn: &mut AnyConnection,
    engine: Engine,
    person: PersonId,
    sites: &[SiteId],
) -> Result<Option<(SiteId, String, String, Option<String>)>> {
    let lock = if engine == Engine::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let sql = format!(
        "SELECT site_id, prison_id, prison_number, preferred_name FROM person WHERE id = $1 \
         AND site_id IN ({}){lock}",
        param_list(2, sites.len())
    );
    let mut q = sqlx::query_as::<_, (String, String, String, Option<String>)>(&sql)
        .bind(person.to_string());
    for s in sites {
        q = q.bind(s.to_string());
    }
    match q.fetch_optional(conn).await? {
        Some((site, prison, number, preferred)) => {
            Ok(Some((parse(&site, "site id")?, prison, number, preferred)))
        }
        None => Ok(None),
    }
}

impl Store {
    /// Decides a referral at one of the caller's sites (see the module
    /// docs). `version` is the referral's version as the caller last saw it.
    pub async fn decide_referral(
        &self,
        caller: &Caller,
        id: ReferralId,
        version: i64,
        decision: &Decision,
    ) -> Result<DecisionOutcome> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let sites = caller.scope.case_write_sites();
        if sites.is_empty() {
            return Err(StoreError::NotFound);
        }
        let now = self.now_ms();
        let today = self.now().date();
        let mut tx = self.begin_read_write().await?;
        if self.engine == Engine::Postgres {
            sqlx::query("SELECT id FROM referral WHERE id = $1 FOR UPDATE")
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        }
        let r = load_scoped(&mut tx, id, sites).await?;
        if r.status != ReferralStatus::New {
            return Err(StoreError::Refused(already_decided(&r)));
        }
        if r.version != version {
            return Err(StoreError::Stale);
        }
        let mut merged: Vec<String> = Vec::new();
        let (status, person, episode, summary, reason) = match decision {
            Decision::Decline { reason, note } => {
                let mut why = reason.describe();
                if let Some(n) = note {
                    why = format!("{why}. {n}");
                }
                let summary = format!("Declined: {}", reason.label());
                (ReferralStatus::Declined, None, None, summary, Some(why))
            }
            Decision::NewRecord {
                prison_id,
                prison_number,
            } => {
                let (person, site) = self
                    .accept_new_person(&mut tx, caller, &r, *prison_id, prison_number, now)
                    .await?;
                let episode = self
                    .accept_episode(&mut tx, caller, &r, person, site, None, now, today)
                    .await?;
                let summary = "Accepted: a new record was made and support accepted".to_string();
                (
                    ReferralStatus::Accepted,
                    Some(person),
                    Some(episode),
                    summary,
                    None,
                )
            }
            Decision::Link { person } | Decision::Merge { person } => {
                let Some((site, prison, number, preferred)) =
                    person_site(&mut tx, self.engine, *person, sites).await?
                else {
                    return Err(StoreError::invalid(
                        "person_id",
                        "Choose one of the possible matches at your sites",
                    ));
                };
                if matches!(decision, Decision::Merge { .. }) {
                    merged = self
                        .accept_merge_into(
                            &mut tx,
                            caller,
                            &r,
                            *person,
                            site,
                            (prison, number, preferred),
                            now,
                        )
                        .await?;
                }
                let earlier: Vec<(String, String)> = sqlx::query_as(
                    "SELECT id, state FROM episode WHERE person_id = $1 ORDER BY created_at DESC, id DESC",
                )
                .bind(person.to_string())
                .fetch_all(&mut *tx)
                .await?;
                let earlier = earlier
                    .into_iter()
                    .map(|(e, s)| {
                        Ok((
                            parse::<EpisodeId>(&e, "episode id")?,
                            parse::<EpisodeState>(&s, "episode state")?,
                        ))
                    })
                    .collect::<Result<Vec<_>>>()?;
                match re_referral(&earlier) {
                    Ok(link) => {
                        let episode = self
                            .accept_episode(
                                &mut tx,
                                caller,
                                &r,
                                *person,
                                site,
                                link.linked_to.first().copied(),
                                now,
                                today,
                            )
                            .await?;
                        let summary =
                            "Accepted for someone already known: support accepted".to_string();
                        (
                            ReferralStatus::Accepted,
                            Some(*person),
                            Some(episode),
                            summary,
                            None,
                        )
                    }
                    Err(_) => {
                        let open = earlier
                            .iter()
                            .find(|(_, s)| !s.is_terminal())
                            .map(|(e, _)| *e);
                        let summary = "Linked to the support they already have".to_string();
                        (ReferralStatus::Linked, Some(*person), open, summary, None)
                    }
                }
            }
        };
        let updated = sqlx::query(
            "UPDATE referral SET status = $1, decision = $2, decision_reason = $3, decided_at = $4, \
             decided_by = $5, person_id = $6, episode_id = $7, version = version + 1 \
             WHERE id = $8 AND version = $9 AND status = $10",
        )
        .bind(status.as_str())
        .bind(decision.code())
        .bind(reason.clone())
        .bind(now)
        .bind(caller.user_id().to_string())
        .bind(person.map(|p| p.to_string()))
        .bind(episode.map(|e| e.to_string()))
        .bind(id.to_string())
        .bind(version)
        .bind(ReferralStatus::New.as_str())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::Stale);
        }
        for change in &merged {
            append_event(&mut tx, id, now, Some(caller), "merged", change).await?;
        }
        let line = match &reason {
            Some(why) if why != decision_label(decision) => format!("{summary} ({why})"),
            _ => summary.clone(),
        };
        append_event(&mut tx, id, now, Some(caller), status.as_str(), &line).await?;
        let mut entry = AuditEntry::new(match status {
            ReferralStatus::Declined => "referral.decline",
            ReferralStatus::Linked => "referral.link",
            _ => "referral.accept",
        })
        .record("referral", id)
        .site(r.site_id)
        .detail(decision.code());
        if let Some(p) = person {
            entry = entry.person(p);
        }
        append(&mut tx, now, &Actor::User(caller), entry).await?;
        tx.commit().await?;
        Ok(DecisionOutcome {
            status,
            person_id: person,
            episode_id: episode,
            summary: line,
        })
    }
}

/// The words a decline records when no note was added (to avoid repeating them).
fn decision_label(d: &Decision) -> &str {
    match d {
        Decision::Decline { reason, .. } => reason.label(),
        _ => "",
    }
}
