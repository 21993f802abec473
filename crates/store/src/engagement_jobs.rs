//! The two system jobs of engagement, run daily by the job runner.
//!
//! [`Store::recompute_engagement`] snapshots every assessed episode's level
//! and opens a step-up (with its suggested actions for the allocated worker
//! and mentor) when an episode is wavering or disengaged and has none in
//! force. [`Store::escalate_overdue_step_ups`] sends a step-up nobody has
//! acted on within the site's set days to the site manager. Both are
//! idempotent (a second run changes nothing), work out what to do with plain
//! reads and then write in short transactions of at most [`RECOMPUTE_BATCH`]
//! episodes or step-ups (so page views, which also write, are never held up
//! for a whole run, and a run stopped halfway loses at most one batch), are
//! safe to run from several instances at once, and never close or change an
//! episode.

use crate::audit::{append, Actor, AuditEntry};
use crate::engagement::{is_assessed, Facts, Level, RulesCache, FACTS_SELECT};
use crate::engagement_signals::levels_of;
use crate::sql::parse;
use crate::step_ups::{active_step_up, event};
use crate::{Result, Store};
use reconnect_domain::clock::to_millis;
use reconnect_domain::id::{StepUpActionId, StepUpId};
use reconnect_domain::step_up::{Assignee, StepUpState, SuggestedAction};
use reconnect_domain::SiteId;
use sqlx::AnyConnection;
use time::OffsetDateTime;
const DAY_MS: i64 = 86_400_000;

/// The name the system jobs appear under in the audit trail.
const RECOMPUTE: &str = "engagement recompute";
const ESCALATE: &str = "step-up escalation";
/// What one run of [`Store::recompute_engagement`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecomputeReport {
    pub episodes: usize,
    pub snapshots_written: usize,
    pub step_ups_opened: usize,
}

/// How many episodes one write transaction of the recompute covers.
pub const RECOMPUTE_BATCH: usize = 200;

/// An episode whose level was worked out (outside any write transaction)
/// and that needs a snapshot, a step-up, or both.
struct Pending {
    facts: Facts,
    level: Level,
    reasons: String,
}

impl Pending {
    fn key(&self) -> (String, String, i64) {
        (
            self.level.assessment.level.code().to_string(),
            self.reasons.clone(),
            self.level.rule_version,
        )
    }
}

/// Is the episode's latest snapshot different from `key` (or missing)?
async fn snapshot_differs(
    conn: &mut AnyConnection,
    episode: &str,
    key: &(String, String, i64),
) -> Result<bool> {
    let last: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT level, reasons, rule_version FROM engagement_snapshot WHERE episode_id = $1 \
         ORDER BY seq DESC LIMIT 1",
    )
    .bind(episode)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(last.as_ref() != Some(key))
}

/// Compares one episode's level (worked out with plain reads) with what is
/// stored; `None` when nothing would be written for it.
async fn work_out(conn: &mut AnyConnection, facts: Facts, level: Level) -> Result<Option<Pending>> {
    let reasons = level
        .assessment
        .reasons
        .iter()
        .map(|r| r.words.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let p = Pending {
        facts,
        level,
        reasons,
    };
    let changed = snapshot_differs(conn, &p.facts.id.to_string(), &p.key()).await?;
    let wants_step_up = p.level.assessment.level.needs_step_up()
        && active_step_up(conn, p.facts.id).await?.is_none();
    Ok((changed || wants_step_up).then_some(p))
}

/// Writes one worked-out episode inside the batch's transaction, checking
/// again what another run may have written meanwhile. Returns (snapshot
/// written, step-up opened).
async fn write_one(
    conn: &mut AnyConnection,
    engine: crate::Engine,
    p: &Pending,
    now: OffsetDateTime,
) -> Result<(bool, bool)> {
    let now_ms = to_millis(now);
    let f = &p.facts;
    let episode = f.id.to_string();
    if engine == crate::Engine::Postgres {
        // Another instance working on the same episode waits here, then
        // finds the work done (SQLite's BEGIN IMMEDIATE already lets one
        // writer in at a time).
        sqlx::query("SELECT id FROM episode WHERE id = $1 FOR UPDATE")
            .bind(&episode)
            .execute(&mut *conn)
            .await?;
    }
    let state: Option<(String,)> = sqlx::query_as("SELECT state FROM episode WHERE id = $1")
        .bind(&episode)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((state,)) = state else {
        return Ok((false, false));
    };
    if !is_assessed(parse(&state, "episode state")?) {
        return Ok((false, false));
    }
    let key = p.key();
    let code = p.level.assessment.level.code();
    let changed = snapshot_differs(conn, &episode, &key).await?;
    if changed {
        sqlx::query(
            "INSERT INTO engagement_snapshot (episode_id, level, reasons, rule_version, computed_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&episode)
        .bind(code)
        .bind(p.reasons.clone())
        .bind(p.level.rule_version)
        .bind(now_ms)
        .execute(&mut *conn)
        .await?;
        append(
            conn,
            now_ms,
            &Actor::System(RECOMPUTE),
            AuditEntry::new("engagement.snapshot")
                .record("episode", f.id)
                .site(f.site)
                .person(f.person)
                .detail(format!("{code} (rules version {})", p.level.rule_version)),
        )
        .await?;
    }
    if !p.level.assessment.level.needs_step_up() || active_step_up(conn, f.id).await?.is_some() {
        return Ok((changed, false));
    }
    let id = StepUpId::new();
    sqlx::query(
        "INSERT INTO step_up (id, episode_id, level, reasons, rule_version, state, opened_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.to_string())
    .bind(&episode)
    .bind(code)
    .bind(p.reasons.clone())
    .bind(p.level.rule_version)
    .bind(StepUpState::Open.code())
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    let staff: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT worker_id, mentor_id FROM allocation WHERE episode_id = $1 AND ended_at IS NULL",
    )
    .bind(&episode)
    .fetch_optional(&mut *conn)
    .await?;
    let (worker, mentor) = staff.map_or((None, None), |(w, m)| (Some(w), m));
    for action in SuggestedAction::ALL {
        let assignee = action.assignee();
        sqlx::query(
            "INSERT INTO step_up_action (id, step_up_id, action, assignee, assigned_to, due_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(StepUpActionId::new().to_string())
        .bind(id.to_string())
        .bind(action.code())
        .bind(assignee.code())
        .bind(match assignee {
            Assignee::Worker => worker.clone(),
            Assignee::Mentor => mentor.clone(),
        })
        .bind(to_millis(action.due(now)))
        .execute(&mut *conn)
        .await?;
    }
    event(
        conn,
        id,
        now_ms,
        None,
        StepUpState::Open,
        &format!(
            "Opened: {}",
            p.level.assessment.level.label().to_lowercase()
        ),
    )
    .await?;
    append(
        conn,
        now_ms,
        &Actor::System(RECOMPUTE),
        AuditEntry::new("step_up.open")
            .record("step_up", id)
            .site(f.site)
            .person(f.person)
            .detail(code),
    )
    .await?;
    crate::step_up_notices::step_up_opened(conn, now_ms, id, f.id, f.site).await?;
    Ok((changed, true))
}

impl Store {
    /// For every accepted, not-ended episode: snapshots its level (only when
    /// it changed) and opens a step-up when it is wavering or disengaged and
    /// none is in force. Never closes or changes an episode. Runs as the
    /// system, audited; running it twice at the same `now` changes nothing
    /// the second time. Works in batches of [`RECOMPUTE_BATCH`] episodes.
    pub async fn recompute_engagement(&self, now: OffsetDateTime) -> Result<RecomputeReport> {
        self.recompute_engagement_in_batches(now, RECOMPUTE_BATCH)
            .await
    }

    /// [`Store::recompute_engagement`] with a chosen batch size. Each batch
    /// of episodes (paged by creation time and id) is read and worked out
    /// with plain reads, holding no write lock; only the episodes that need
    /// a snapshot or a step-up are then written, in one short transaction
    /// per batch, so page views and other writers interleave with a long
    /// run. A run stopped halfway loses only its current batch, and the next
    /// run carries on where the work is still needed.
    pub async fn recompute_engagement_in_batches(
        &self,
        now: OffsetDateTime,
        batch: usize,
    ) -> Result<RecomputeReport> {
        let batch = batch.max(1);
        let limit = i64::try_from(batch).unwrap_or(i64::MAX);
        let mut report = RecomputeReport::default();
        let mut rules = RulesCache::default();
        let mut after: (i64, String) = (i64::MIN, String::new());
        loop {
            let mut conn = self.pool.acquire().await?;
            let rows = sqlx::query_as(&format!(
                "{FACTS_SELECT} WHERE e.created_at > $1 OR (e.created_at = $1 AND e.id > $2) \
                 ORDER BY e.created_at, e.id LIMIT $3"
            ))
            .bind(after.0)
            .bind(after.1.clone())
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?;
            let fetched = rows.len();
            let mut assessed = Vec::new();
            for row in rows {
                let f = crate::engagement::facts_from(row)?;
                after = (f.created_at, f.id.to_string());
                if is_assessed(f.state) {
                    assessed.push(f);
                }
            }
            report.episodes += assessed.len();
            let refs: Vec<&Facts> = assessed.iter().collect();
            let mut levels = levels_of(&mut conn, &refs, &mut rules, now).await?;
            let mut pending = Vec::new();
            for f in assessed {
                let level = levels
                    .remove(&f.id)
                    .ok_or_else(|| crate::StoreError::Corrupt("engagement level".into()))?;
                if let Some(p) = work_out(&mut conn, f, level).await? {
                    pending.push(p);
                }
            }
            drop(conn);
            if !pending.is_empty() {
                let mut tx = self.begin_read_write().await?;
                for p in &pending {
                    let (snap, opened) = write_one(&mut tx, self.engine(), p, now).await?;
                    report.snapshots_written += usize::from(snap);
                    report.step_ups_opened += usize::from(opened);
                }
                tx.commit().await?;
            }
            if fetched < batch {
                return Ok(report);
            }
        }
    }

    /// Escalates to the site manager every open step-up on a not-ended
    /// episode that nobody has recorded an action on within the site's set
    /// days. Runs as the system, audited; returns how many were escalated.
    /// An escalated step-up is never escalated again.
    pub async fn escalate_overdue_step_ups(&self, now: OffsetDateTime) -> Result<usize> {
        let now_ms = to_millis(now);
        let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT s.id, p.site_id, e.person_id, e.state, s.opened_at FROM step_up s \
             JOIN episode e ON e.id = s.episode_id JOIN person p ON p.id = e.person_id \
             WHERE s.state = 'open' AND NOT EXISTS (SELECT 1 FROM step_up_record r \
             JOIN step_up_action a ON a.id = r.action_id WHERE a.step_up_id = s.id) \
             ORDER BY s.opened_at, s.id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut rules = RulesCache::default();
        let mut due = Vec::new();
        let mut conn = self.pool.acquire().await?;
        for (id, site, person, state, opened_at) in rows {
            let site: SiteId = parse(&site, "site id")?;
            let state: reconnect_domain::episode::EpisodeState = parse(&state, "episode state")?;
            if state.is_terminal() {
                continue;
            }
            let days = rules.get(&mut conn, site).await?.rules.escalate_after_days;
            if opened_at + days * DAY_MS <= now_ms {
                due.push((id, site, person, days));
            }
        }
        drop(conn);
        let mut escalated = 0;
        for chunk in due.chunks(RECOMPUTE_BATCH) {
            let mut tx = self.begin_read_write().await?;
            for (id, site, person, days) in chunk {
                let done = sqlx::query(
                    "UPDATE step_up SET state = 'escalated', escalated_at = $1 WHERE id = $2 \
                     AND state = 'open' AND NOT EXISTS (SELECT 1 FROM step_up_record r \
                     JOIN step_up_action a ON a.id = r.action_id WHERE a.step_up_id = step_up.id)",
                )
                .bind(now_ms)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() != 1 {
                    continue;
                }
                let step_up: StepUpId = parse(id, "step-up id")?;
                let summary = format!("Nobody recorded an action within {days} days");
                event(
                    &mut tx,
                    step_up,
                    now_ms,
                    None,
                    StepUpState::Escalated,
                    &summary,
                )
                .await?;
                append(
                    &mut tx,
                    now_ms,
                    &Actor::System(ESCALATE),
                    AuditEntry::new("step_up.escalate")
                        .record("step_up", step_up)
                        .site(*site)
                        .person(parse(person, "person id")?)
                        .detail(summary),
                )
                .await?;
                crate::step_up_notices::step_up_escalated(&mut tx, now_ms, step_up, *site, *days)
                    .await?;
                escalated += 1;
            }
            tx.commit().await?;
        }
        Ok(escalated)
    }
}
