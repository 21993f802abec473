//! Who supports the person during an episode: one current RECONNECT worker
//! and an optional peer mentor, kept in the `allocation` table (0004). A
//! change ends the current row and starts a new one, so the rows are the
//! history, each with who made it and why.
//!
//! Continuity is the default: the worker who met the person in prison stays
//! with them after release, and changing the worker needs a handover note.
//! The worker must be an active RECONNECT worker at the episode's site, and
//! the mentor an active peer mentor there. An episode that ends (closed,
//! withdrawn, declined) or moves to another site has its allocation ended in
//! the same transaction ([`end_current`], called from `act_on_episode`), so
//! closed episodes are never on anyone's caseload.
//!
//! Allocations are child records of the episode: every read and write checks
//! the episode's person is at one of the caller's case sites.

use crate::audit::{append, Actor, AuditEntry};
use crate::sql::{param_list, parse};
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::episode::Handover;
use reconnect_domain::{AllocationId, Caller, EpisodeId, PersonId, Role, SiteId, UserId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// One allocation: current while `ended_at` is `None`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allocation {
    pub id: AllocationId,
    pub episode_id: EpisodeId,
    pub worker_id: UserId,
    pub worker_name: String,
    pub mentor_id: Option<UserId>,
    pub mentor_name: Option<String>,
    /// Why it started (a handover note when the worker changed).
    pub reason: Option<String>,
    pub started_at: OffsetDateTime,
    pub started_by_name: String,
    pub ended_at: Option<OffsetDateTime>,
    pub end_reason: Option<String>,
}

/// A change of who supports the person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllocationChange {
    pub worker: UserId,
    pub mentor: Option<UserId>,
    /// Required when the worker changes (a handover); ignored otherwise.
    pub handover: Option<Handover>,
    /// Why the mentor changed, if it did and the caller said.
    pub mentor_reason: Option<String>,
}

/// What a change did, for the confirmation message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocationOutcome {
    /// The first worker (and maybe mentor) for the episode.
    Allocated,
    /// A new worker, with a handover.
    WorkerChanged,
    /// The same worker; the peer mentor was added, changed or removed.
    MentorChanged,
    /// Nothing was different.
    Unchanged,
}

type AllocationRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
    String,
    Option<i64>,
    Option<String>,
);

const ALLOCATION_SELECT: &str =
    "SELECT a.id, a.episode_id, a.worker_id, w.display_name, a.mentor_id, \
     m.display_name, a.reason, a.started_at, s.display_name, a.ended_at, a.end_reason \
     FROM allocation a JOIN app_user w ON w.id = a.worker_id \
     LEFT JOIN app_user m ON m.id = a.mentor_id JOIN app_user s ON s.id = a.started_by";

fn into_allocation(r: AllocationRow) -> Result<Allocation> {
    let (id, ep, worker, worker_name, mentor, mentor_name, reason, started, by, ended, end_reason) =
        r;
    Ok(Allocation {
        id: parse(&id, "allocation id")?,
        episode_id: parse(&ep, "episode id")?,
        worker_id: parse(&worker, "user id")?,
        worker_name,
        mentor_id: mentor.as_deref().map(|m| parse(m, "user id")).transpose()?,
        mentor_name,
        reason,
        started_at: from_millis(started),
        started_by_name: by,
        ended_at: ended.map(from_millis),
        end_reason,
    })
}

/// The episode's site, person and whether it has ended, when the episode's
/// person is at one of `sites`; otherwise not found.
pub(crate) async fn scoped_episode(
    conn: &mut AnyConnection,
    episode: EpisodeId,
    sites: &[SiteId],
) -> Result<(SiteId, PersonId, bool)> {
    if sites.is_empty() {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "SELECT e.site_id, e.person_id, e.state FROM episode e JOIN person p ON p.id = e.person_id \
         WHERE e.id = $1 AND p.site_id IN ({})",
        param_list(2, sites.len())
    );
    let mut q = sqlx::query_as::<_, (String, String, String)>(&sql).bind(episode.to_string());
    for s in sites {
        q = q.bind(s.to_string());
    }
    let (site, person, state) = q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)?;
    let state: reconnect_domain::episode::EpisodeState = parse(&state, "episode state")?;
    Ok((
        parse(&site, "site id")?,
        parse(&person, "person id")?,
        state.is_terminal(),
    ))
}

async fn current_on(conn: &mut AnyConnection, episode: EpisodeId) -> Result<Option<Allocation>> {
    let row: Option<AllocationRow> = sqlx::query_as(&format!(
        "{ALLOCATION_SELECT} WHERE a.episode_id = $1 AND a.ended_at IS NULL"
    ))
    .bind(episode.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(into_allocation).transpose()
}

/// Is `user` an active account with `role` at `site`?
pub(crate) async fn is_active_at(
    conn: &mut AnyConnection,
    user: UserId,
    role: Role,
    site: SiteId,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM app_user u JOIN user_site us ON us.user_id = u.id \
         WHERE u.id = $1 AND u.role = $2 AND u.disabled_at IS NULL AND us.site_id = $3",
    )
    .bind(user.to_string())
    .bind(role.as_str())
    .bind(site.to_string())
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// Ends the episode's current allocation, if any, inside the caller's
/// transaction, saying why (the episode ended or moved site).
pub(crate) async fn end_current(
    conn: &mut AnyConnection,
    episode: EpisodeId,
    at: i64,
    caller: &Caller,
    why: &str,
) -> Result<bool> {
    let r = sqlx::query(
        "UPDATE allocation SET ended_at = $1, ended_by = $2, end_reason = $3 \
         WHERE episode_id = $4 AND ended_at IS NULL",
    )
    .bind(at)
    .bind(caller.user_id().to_string())
    .bind(why.to_string())
    .bind(episode.to_string())
    .execute(conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Is the caller the current worker of this episode? For records only the
/// allocated worker may read (sensitive case notes). An episode outside the
/// caller's case sites is never theirs.
pub(crate) async fn is_allocated_worker(
    conn: &mut AnyConnection,
    caller: &Caller,
    episode: EpisodeId,
) -> Result<bool> {
    match crate::episode_scope::parent(conn, episode, caller.scope.case_sites()).await {
        Ok(_) => crate::episode_scope::is_allocated_worker(conn, episode, caller.user_id()).await,
        Err(StoreError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

impl Store {
    /// The episode's current allocation (`None` while unallocated).
    pub async fn current_allocation(
        &self,
        caller: &Caller,
        episode: EpisodeId,
    ) -> Result<Option<Allocation>> {
        let mut conn = self.pool.acquire().await?;
        scoped_episode(&mut conn, episode, caller.scope.case_sites()).await?;
        current_on(&mut conn, episode).await
    }

    /// Is the caller the episode's current worker?
    pub async fn is_allocated_worker(&self, caller: &Caller, episode: EpisodeId) -> Result<bool> {
        let mut conn = self.pool.acquire().await?;
        is_allocated_worker(&mut conn, caller, episode).await
    }

    /// Every allocation of the episode, newest first.
    pub async fn allocation_history(
        &self,
        caller: &Caller,
        episode: EpisodeId,
    ) -> Result<Vec<Allocation>> {
        let mut conn = self.pool.acquire().await?;
        scoped_episode(&mut conn, episode, caller.scope.case_sites()).await?;
        let rows: Vec<AllocationRow> = sqlx::query_as(&format!(
            "{ALLOCATION_SELECT} WHERE a.episode_id = $1 ORDER BY a.started_at DESC, a.id DESC"
        ))
        .bind(episode.to_string())
        .fetch_all(&mut *conn)
        .await?;
        rows.into_iter().map(into_allocation).collect()
    }

    /// Allocates a worker (and optionally a peer mentor) to an open episode,
    /// or changes them. `expected` is the current allocation the caller saw
    /// (`None` when they saw none): if it has changed since, nothing happens
    /// and [`StoreError::Stale`] says so. A new worker needs a handover note.
    pub async fn allocate(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        expected: Option<AllocationId>,
        change: &AllocationChange,
    ) -> Result<AllocationOutcome> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let (site, person, ended) =
            scoped_episode(&mut tx, episode, caller.scope.case_write_sites()).await?;
        if ended {
            return Err(StoreError::Refused(
                "This episode has ended, so no one can be allocated to it".into(),
            ));
        }
        let current = current_on(&mut tx, episode).await?;
        if current.as_ref().map(|c| c.id) != expected {
            return Err(StoreError::Stale);
        }
        let mut errors = Vec::new();
        if !is_active_at(&mut tx, change.worker, Role::Worker, site).await? {
            errors.push(reconnect_domain::FieldError::new(
                "worker_id",
                "Choose a RECONNECT worker at this site",
            ));
        }
        if let Some(mentor) = change.mentor {
            if !is_active_at(&mut tx, mentor, Role::PeerMentor, site).await? {
                errors.push(reconnect_domain::FieldError::new(
                    "mentor_id",
                    "Choose a peer mentor at this site, or no peer mentor",
                ));
            }
        }
        let worker_changes = current
            .as_ref()
            .is_some_and(|c| c.worker_id != change.worker);
        if worker_changes && change.handover.is_none() {
            errors.push(reconnect_domain::FieldError::new(
                "reason",
                "Enter a handover note: why the worker is changing and what the new worker needs to know",
            ));
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let (outcome, reason) = match &current {
            None => (AllocationOutcome::Allocated, None),
            Some(_) if worker_changes => (
                AllocationOutcome::WorkerChanged,
                change.handover.as_ref().map(|h| h.as_str().to_string()),
            ),
            Some(c) if c.mentor_id != change.mentor => (
                AllocationOutcome::MentorChanged,
                Some(
                    change
                        .mentor_reason
                        .clone()
                        .unwrap_or_else(|| "Peer mentor changed".to_string()),
                ),
            ),
            Some(_) => return Ok(AllocationOutcome::Unchanged),
        };
        if let Some(c) = &current {
            let r = sqlx::query(
                "UPDATE allocation SET ended_at = $1, ended_by = $2, end_reason = $3 \
                 WHERE id = $4 AND ended_at IS NULL",
            )
            .bind(now)
            .bind(caller.user_id().to_string())
            .bind(reason.clone())
            .bind(c.id.to_string())
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                return Err(StoreError::Stale);
            }
        }
        let id = AllocationId::new();
        let inserted = sqlx::query(
            "INSERT INTO allocation (id, episode_id, worker_id, mentor_id, reason, started_at, started_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_string())
        .bind(episode.to_string())
        .bind(change.worker.to_string())
        .bind(change.mentor.map(|m| m.to_string()))
        .bind(reason)
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *tx)
        .await;
        match inserted {
            // Someone else allocated the episode at the same moment.
            Err(e) if StoreError::is_unique_violation(&e) => return Err(StoreError::Stale),
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
        let (action, detail) = match outcome {
            AllocationOutcome::Allocated => ("allocation.allocate", "worker allocated"),
            AllocationOutcome::WorkerChanged => ("allocation.change_worker", "handover recorded"),
            _ => ("allocation.change_mentor", "peer mentor changed"),
        };
        let detail = match change.mentor {
            Some(_) => format!("{detail}; with a peer mentor"),
            None => format!("{detail}; no peer mentor"),
        };
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new(action)
                .record("allocation", id)
                .site(site)
                .person(person)
                .detail(detail),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }
}
