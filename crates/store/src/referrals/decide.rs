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
use crate::episodes::{iso, load_windows};
use crate::sql::{param_list, parse};
use crate::{Engine, Result, Store, StoreError};
use reconnect_domain::episode::{
    re_referral, Action, DeclineReason, EpisodeProgress, EpisodeState, Reason,
};
use reconnect_domain::id::ReferralId;
use reconnect_domain::window::{long_date, ReleaseDate};
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
                    .new_person(&mut tx, caller, &r, *prison_id, prison_number, now)
                    .await?;
                let episode = self
                    .accepted_episode(&mut tx, caller, &r, person, site, None, now, today)
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
                        .merge_into(
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
                            .accepted_episode(
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

    /// A new person's record from the referral, in a prison the caller's
    /// sites serve; audited.
    async fn new_person(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        r: &Referral,
        prison: PrisonId,
        prison_number: &PrisonNumber,
        now: i64,
    ) -> Result<(PersonId, SiteId)> {
        let sites = caller.scope.case_write_sites();
        let id = PersonId::new();
        let sql = format!(
            "INSERT INTO person (id, site_id, prison_id, given_name, family_name, preferred_name, \
             date_of_birth, nhs_number, prison_number, created_at, created_by) \
             SELECT $1, pr.site_id, pr.id, $2, $3, $4, $5, $6, $7, $8, $9 FROM prison pr \
             WHERE pr.id = $10 AND pr.site_id IN ({}) RETURNING site_id",
            param_list(11, sites.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql)
            .bind(id.to_string())
            .bind(r.given_name.clone())
            .bind(r.family_name.clone())
            .bind(r.preferred_name.clone())
            .bind(iso(r.date_of_birth))
            .bind(r.nhs_number.map(|n| n.digits()))
            .bind(prison_number.as_str().to_string())
            .bind(now)
            .bind(caller.user_id().to_string())
            .bind(prison.to_string());
        for s in sites {
            q = q.bind(s.to_string());
        }
        let site = q.fetch_optional(&mut *conn).await?.ok_or_else(|| {
            StoreError::invalid("prison_id", "Choose a prison that your site serves")
        })?;
        let site: SiteId = parse(&site, "site id")?;
        append(
            conn,
            now,
            &Actor::User(caller),
            AuditEntry::new("person.create")
                .record("person", id)
                .site(site)
                .person(id)
                .detail(format!("from referral {}", r.reference)),
        )
        .await?;
        Ok((id, site))
    }

    /// Updates the person's prison, prison number and preferred name from the
    /// referral where it has them and they differ. Returns one line per change,
    /// with the old and new value, for the referral's history.
    #[allow(clippy::too_many_arguments)]
    async fn merge_into(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        r: &Referral,
        person: PersonId,
        site: SiteId,
        (prison, number, preferred): (String, String, Option<String>),
        now: i64,
    ) -> Result<Vec<String>> {
        let mut changes = Vec::new();
        let mut new_prison = prison.clone();
        if let Some(p) = r.prison_id.filter(|p| p.to_string() != prison) {
            let names: Vec<(String, String)> = sqlx::query_as(
                "SELECT id, name || '|' || site_id FROM prison WHERE id = $1 OR id = $2",
            )
            .bind(p.to_string())
            .bind(prison.clone())
            .fetch_all(&mut *conn)
            .await?;
            let info = |id: &str| {
                names
                    .iter()
                    .find(|(i, _)| i == id)
                    .and_then(|(_, v)| v.rsplit_once('|'))
                    .map(|(n, s)| (n.to_string(), s.to_string()))
            };
            let (to_name, to_site) = info(&p.to_string())
                .ok_or_else(|| StoreError::Corrupt("referral prison".into()))?;
            if to_site != site.to_string() {
                return Err(StoreError::Refused(
                    "The prison in this referral is served by another site, so their record cannot be updated from it. Link them without updating, then transfer their support if they are moving".into(),
                ));
            }
            let from_name = info(&prison).map(|(n, _)| n).unwrap_or_default();
            changes.push(format!("Prison changed from {from_name} to {to_name}"));
            new_prison = p.to_string();
        }
        let mut new_number = number.clone();
        if let Some(n) = r.prison_number.as_ref().filter(|n| n.as_str() != number) {
            changes.push(format!("Prison number changed from {number} to {n}"));
            new_number = n.as_str().to_string();
        }
        let mut new_preferred = preferred.clone();
        if let Some(name) = r
            .preferred_name
            .as_ref()
            .filter(|n| Some(*n) != preferred.as_ref())
        {
            changes.push(match &preferred {
                Some(old) => format!("Preferred name changed from {old} to {name}"),
                None => format!("Preferred name recorded: {name}"),
            });
            new_preferred = Some(name.clone());
        }
        if changes.is_empty() {
            changes.push("Nothing to update: their record already matched the referral".into());
            return Ok(changes);
        }
        sqlx::query(
            "UPDATE person SET prison_id = $1, prison_number = $2, preferred_name = $3 WHERE id = $4",
        )
        .bind(new_prison)
        .bind(new_number)
        .bind(new_preferred)
        .bind(person.to_string())
        .execute(&mut *conn)
        .await?;
        append(
            conn,
            now,
            &Actor::User(caller),
            AuditEntry::new("person.update")
                .record("person", person)
                .site(site)
                .person(person)
                .detail(format!(
                    "updated from referral {}: {}",
                    r.reference,
                    changes.join("; ")
                )),
        )
        .await?;
        Ok(changes)
    }

    /// Starts an episode for the person from the referral and accepts it,
    /// writing both steps to the episode's history as a worker's referral
    /// and acceptance would; audited.
    #[allow(clippy::too_many_arguments)]
    async fn accepted_episode(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        r: &Referral,
        person: PersonId,
        site: SiteId,
        linked_from: Option<EpisodeId>,
        now: i64,
        today: time::Date,
    ) -> Result<EpisodeId> {
        let windows = load_windows(conn, site).await?;
        let mut progress = EpisodeProgress::new(site);
        let outcome = progress
            .apply(&Action::Accept, today, &windows)
            .map_err(|e| StoreError::Refused(e.to_string()))?;
        let release = match r.expected_release {
            Some(d) => ReleaseDate::Known(d),
            None => ReleaseDate::unknown("Not known when the referral was made")
                .map_err(StoreError::Corrupt)?,
        };
        let (expected, unknown) = match &release {
            ReleaseDate::Known(d) => (Some(iso(*d)), None),
            ReleaseDate::Unknown { reason } => (None, Some(reason.as_str().to_string())),
        };
        let id = EpisodeId::new();
        sqlx::query(
            "INSERT INTO episode (id, person_id, site_id, state, referral_source, expected_release, \
             release_unknown_reason, linked_from, version, created_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 2, $9, $10, $9)",
        )
        .bind(id.to_string())
        .bind(person.to_string())
        .bind(site.to_string())
        .bind(progress.state.as_str())
        .bind(r.source.as_str())
        .bind(expected)
        .bind(unknown)
        .bind(linked_from.map(|e| e.to_string()))
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *conn)
        .await?;
        let steps = [
            (
                "refer",
                None,
                EpisodeState::Referred,
                format!(
                    "Referred by: {} (referral {})",
                    r.source.label().to_lowercase(),
                    r.reference
                ),
            ),
            (
                outcome.action.as_str(),
                Some(outcome.from),
                outcome.to,
                outcome.summary.clone(),
            ),
        ];
        for (action, from, to, summary) in steps {
            sqlx::query(
                "INSERT INTO episode_event (episode_id, at, by_user, kind, action, from_state, to_state, summary, reason) \
                 VALUES ($1, $2, $3, 'transition', $4, $5, $6, $7, NULL)",
            )
            .bind(id.to_string())
            .bind(now)
            .bind(caller.user_id().to_string())
            .bind(action.to_string())
            .bind(from.map(|s| s.as_str().to_string()))
            .bind(to.as_str().to_string())
            .bind(summary)
            .execute(&mut *conn)
            .await?;
        }
        for (action, detail) in [
            ("episode.create", format!("from referral {}", r.reference)),
            (
                "episode.transition",
                format!("accept: {} to {}", outcome.from, outcome.to),
            ),
        ] {
            append(
                conn,
                now,
                &Actor::User(caller),
                AuditEntry::new(action)
                    .record("episode", id)
                    .site(site)
                    .person(person)
                    .detail(detail),
            )
            .await?;
        }
        Ok(id)
    }
}

/// The words a decline records when no note was added (to avoid repeating them).
fn decision_label(d: &Decision) -> &str {
    match d {
        Decision::Decline { reason, .. } => reason.label(),
        _ => "",
    }
}
