//! The two system jobs of engagement, run daily by the job runner.
//!
//! [`Store::recompute_engagement`] snapshots every assessed episode's level
//! and opens a step-up (with its suggested actions for the allocated worker
//! and mentor) when an episode is wavering or disengaged and has none in
//! force. [`Store::escalate_overdue_step_ups`] sends a step-up nobody has
//! acted on within the site's set days to the site manager. Both are
//! idempotent (a second run changes nothing), work one episode per
//! transaction (a run stopped halfway loses nothing), are safe to run from
//! several instances at once, and never close or change an episode.

use crate::audit::{append, Actor, AuditEntry};
use crate::engagement::{is_assessed, level_of, Facts, RulesCache, FACTS_SELECT};
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

/// Snapshots one episode's level and opens a step-up when one is called for.
/// Returns (snapshot written, step-up opened).
async fn recompute_one(
    conn: &mut AnyConnection,
    f: &Facts,
    rules: &mut RulesCache,
    now: OffsetDateTime,
) -> Result<(bool, bool)> {
    let now_ms = to_millis(now);
    let level = level_of(conn, f, rules, now).await?;
    let reasons = level
        .assessment
        .reasons
        .iter()
        .map(|r| r.words.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let code = level.assessment.level.code();
    let last: Option<(String, String, i64)> = sqlx::query_as(
        "SELECT level, reasons, rule_version FROM engagement_snapshot WHERE episode_id = $1 \
         ORDER BY seq DESC LIMIT 1",
    )
    .bind(f.id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let changed = last.as_ref() != Some(&(code.to_string(), reasons.clone(), level.rule_version));
    if changed {
        sqlx::query(
            "INSERT INTO engagement_snapshot (episode_id, level, reasons, rule_version, computed_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(f.id.to_string())
        .bind(code)
        .bind(reasons.clone())
        .bind(level.rule_version)
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
                .detail(format!("{code} (rules version {})", level.rule_version)),
        )
        .await?;
    }
    if !level.assessment.level.needs_step_up() || active_step_up(conn, f.id).await?.is_some() {
        return Ok((changed, false));
    }
    let id = StepUpId::new();
    sqlx::query(
        "INSERT INTO step_up (id, episode_id, level, reasons, rule_version, state, opened_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.to_string())
    .bind(f.id.to_string())
    .bind(code)
    .bind(reasons)
    .bind(level.rule_version)
    .bind(StepUpState::Open.code())
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    let staff: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT worker_id, mentor_id FROM allocation WHERE episode_id = $1 AND ended_at IS NULL",
    )
    .bind(f.id.to_string())
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
        &format!("Opened: {}", level.assessment.level.label().to_lowercase()),
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
    /// system, audited; one transaction per episode; running it twice at the
    /// same `now` changes nothing the second time.
    pub async fn recompute_engagement(&self, now: OffsetDateTime) -> Result<RecomputeReport> {
        let ids: Vec<(String,)> = sqlx::query_as("SELECT id FROM episode ORDER BY created_at, id")
            .fetch_all(&self.pool)
            .await?;
        let mut report = RecomputeReport::default();
        let mut rules = RulesCache::default();
        for (id,) in ids {
            let mut tx = self.begin_read_write().await?;
            if self.engine() == crate::Engine::Postgres {
                // Another instance working on the same episode waits here,
                // then finds the work done (SQLite's BEGIN IMMEDIATE already
                // lets one writer in at a time).
                sqlx::query("SELECT id FROM episode WHERE id = $1 FOR UPDATE")
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
            }
            let row = sqlx::query_as(&format!("{FACTS_SELECT} WHERE e.id = $1"))
                .bind(&id)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(f) = row.map(crate::engagement::facts_from).transpose()? else {
                continue;
            };
            if !is_assessed(f.state) {
                continue;
            }
            report.episodes += 1;
            let (snap, opened) = recompute_one(&mut tx, &f, &mut rules, now).await?;
            tx.commit().await?;
            report.snapshots_written += usize::from(snap);
            report.step_ups_opened += usize::from(opened);
        }
        Ok(report)
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
        let mut escalated = 0;
        for (id, site, person, state, opened_at) in rows {
            let site: SiteId = parse(&site, "site id")?;
            let state: reconnect_domain::episode::EpisodeState = parse(&state, "episode state")?;
            if state.is_terminal() {
                continue;
            }
            let mut tx = self.begin_read_write().await?;
            let days = rules.get(&mut tx, site).await?.rules.escalate_after_days;
            if opened_at + days * DAY_MS > now_ms {
                continue;
            }
            let done = sqlx::query(
                "UPDATE step_up SET state = 'escalated', escalated_at = $1 WHERE id = $2 \
                 AND state = 'open' AND NOT EXISTS (SELECT 1 FROM step_up_record r \
                 JOIN step_up_action a ON a.id = r.action_id WHERE a.step_up_id = step_up.id)",
            )
            .bind(now_ms)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                continue;
            }
            let step_up: StepUpId = parse(&id, "step-up id")?;
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
                    .site(site)
                    .person(parse(&person, "person id")?)
                    .detail(summary),
            )
            .await?;
            crate::step_up_notices::step_up_escalated(&mut tx, now_ms, step_up, site, days).await?;
            tx.commit().await?;
            escalated += 1;
        }
        Ok(escalated)
    }
}
