//! Step-ups of support as workers see and work them: each suggested action
//! for the worker or the mentor with its due time, what was done and the
//! outcome, and stepping down with a record. Every change of state is
//! appended to `step_up_event`. The system jobs that open and escalate
//! step-ups live in [`crate::engagement_jobs`].

use crate::audit::{append, Actor, AuditEntry};
use crate::engagement::facts_at;
use crate::episode_scope::parent;
use crate::sql::parse;
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::engagement::EngagementLevel;
use reconnect_domain::id::{StepUpActionId, StepUpId};
use reconnect_domain::step_up::{self as rules, Assignee, StepUpState, SuggestedAction};
use reconnect_domain::{Caller, EpisodeId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// What was done on a suggested action and what came of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionRecord {
    pub what_done: String,
    pub outcome: String,
    pub by_name: String,
    pub at: OffsetDateTime,
}

/// One suggested action of a step-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepUpAction {
    pub id: StepUpActionId,
    pub action: SuggestedAction,
    pub assignee: Assignee,
    /// The worker or mentor allocated when the step-up opened, if any.
    pub assigned_to_name: Option<String>,
    pub due_at: OffsetDateTime,
    pub records: Vec<ActionRecord>,
}

/// A step-up, with its actions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepUp {
    pub id: StepUpId,
    pub episode_id: EpisodeId,
    /// The level that opened it, and why.
    pub level: EngagementLevel,
    pub reasons: Vec<String>,
    pub rule_version: i64,
    pub state: StepUpState,
    pub opened_at: OffsetDateTime,
    pub escalated_at: Option<OffsetDateTime>,
    /// Who stepped it down, when and with what record.
    pub stepped_down: Option<(String, OffsetDateTime, String)>,
    pub actions: Vec<StepUpAction>,
}

type StepUpRow = (
    String,
    String,
    String,
    String,
    i64,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

pub(crate) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.into())
}

/// An episode's step-ups, newest first, each with its actions and records.
pub(crate) async fn load_step_ups(
    conn: &mut AnyConnection,
    episode: EpisodeId,
) -> Result<Vec<StepUp>> {
    let rows: Vec<StepUpRow> = sqlx::query_as(
        "SELECT s.id, s.episode_id, s.level, s.reasons, s.rule_version, s.state, s.opened_at, \
         s.escalated_at, s.stepped_down_at, u.display_name, s.step_down_record \
         FROM step_up s LEFT JOIN app_user u ON u.id = s.stepped_down_by \
         WHERE s.episode_id = $1 ORDER BY s.opened_at DESC, s.id",
    )
    .bind(episode.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for r in rows {
        let id: StepUpId = parse(&r.0, "step-up id")?;
        let actions = load_actions(conn, id).await?;
        out.push(StepUp {
            id,
            episode_id: parse(&r.1, "episode id")?,
            level: EngagementLevel::parse(&r.2).ok_or_else(|| corrupt("step-up level"))?,
            reasons: r.3.lines().map(str::to_string).collect(),
            rule_version: r.4,
            state: StepUpState::parse(&r.5).map_err(|_| corrupt("step-up state"))?,
            opened_at: from_millis(r.6),
            escalated_at: r.7.map(from_millis),
            stepped_down: match (r.9, r.8, r.10) {
                (Some(by), Some(at), Some(record)) => Some((by, from_millis(at), record)),
                _ => None,
            },
            actions,
        });
    }
    Ok(out)
}

async fn load_actions(conn: &mut AnyConnection, step_up: StepUpId) -> Result<Vec<StepUpAction>> {
    let rows: Vec<(String, String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT a.id, a.action, a.assignee, u.display_name, a.due_at FROM step_up_action a \
         LEFT JOIN app_user u ON u.id = a.assigned_to WHERE a.step_up_id = $1 ORDER BY a.due_at, a.action",
    )
    .bind(step_up.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let records: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT r.action_id, r.what_done, r.outcome, u.display_name, r.created_at \
         FROM step_up_record r JOIN step_up_action a ON a.id = r.action_id \
         JOIN app_user u ON u.id = r.created_by WHERE a.step_up_id = $1 ORDER BY r.created_at, r.id",
    )
    .bind(step_up.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, action, assignee, name, due)| {
            Ok(StepUpAction {
                records: records
                    .iter()
                    .filter(|r| r.0 == id)
                    .map(|r| ActionRecord {
                        what_done: r.1.clone(),
                        outcome: r.2.clone(),
                        by_name: r.3.clone(),
                        at: from_millis(r.4),
                    })
                    .collect(),
                id: parse(&id, "step-up action id")?,
                action: SuggestedAction::parse(&action).map_err(|_| corrupt("suggested action"))?,
                assignee: Assignee::parse(&assignee).map_err(|_| corrupt("assignee"))?,
                assigned_to_name: name,
                due_at: from_millis(due),
            })
        })
        .collect()
}

/// The step-up in force on an episode (open or escalated), if any.
pub(crate) async fn active_step_up(
    conn: &mut AnyConnection,
    episode: EpisodeId,
) -> Result<Option<(StepUpId, StepUpState)>> {
    let row: Option<(String, String)> = sqlx::query_as(
        "SELECT id, state FROM step_up WHERE episode_id = $1 AND state <> 'stepped_down' \
         ORDER BY opened_at DESC LIMIT 1",
    )
    .bind(episode.to_string())
    .fetch_optional(conn)
    .await?;
    row.map(|(id, state)| {
        Ok((
            parse(&id, "step-up id")?,
            StepUpState::parse(&state).map_err(|_| corrupt("step-up state"))?,
        ))
    })
    .transpose()
}

pub(crate) async fn event(
    conn: &mut AnyConnection,
    step_up: StepUpId,
    at: i64,
    by: Option<&Caller>,
    to: StepUpState,
    summary: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO step_up_event (step_up_id, at, by_user, to_state, summary) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(step_up.to_string())
    .bind(at)
    .bind(by.map(|c| c.user_id().to_string()))
    .bind(to.code())
    .bind(summary.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// Records what was done on one of a step-up's actions and the outcome.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_step_up_action(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        step_up: StepUpId,
        action: StepUpActionId,
        what_done: &str,
        outcome: &str,
    ) -> Result<()> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let p = parent(&mut tx, episode, caller.scope.case_write_sites()).await?;
        let mut errors = Vec::new();
        let what = rules::what_was_done(what_done)
            .map_err(|m| errors.push(reconnect_domain::FieldError::new("what_done", m)))
            .ok();
        let outcome = rules::outcome(outcome)
            .map_err(|m| errors.push(reconnect_domain::FieldError::new("outcome", m)))
            .ok();
        let (Some(what), Some(outcome)) = (what, outcome) else {
            return Err(StoreError::Invalid(errors));
        };
        let state = step_up_state(&mut tx, episode, step_up).await?;
        let found: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM step_up_action WHERE id = $1 AND step_up_id = $2",
        )
        .bind(action.to_string())
        .bind(step_up.to_string())
        .fetch_one(&mut *tx)
        .await?;
        if found == 0 {
            return Err(StoreError::NotFound);
        }
        if p.state.is_terminal() {
            return Err(StoreError::Refused(
                "Support has ended, so nothing more can be recorded on this step-up".into(),
            ));
        }
        state.may_record().map_err(StoreError::Refused)?;
        sqlx::query(
            "INSERT INTO step_up_record (id, action_id, what_done, outcome, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(action.to_string())
        .bind(what)
        .bind(outcome)
        .bind(caller.user_id().to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("step_up.record")
                .record("step_up", step_up)
                .site(p.site)
                .person(p.person)
                .detail(format!("action {action}")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Steps a step-up down (engagement is back), with a record of why.
    pub async fn step_down(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        step_up: StepUpId,
        record: &str,
    ) -> Result<()> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let p = parent(&mut tx, episode, caller.scope.case_write_sites()).await?;
        let record =
            rules::step_down_record(record).map_err(|m| StoreError::invalid("record", &m))?;
        let state = step_up_state(&mut tx, episode, step_up).await?;
        let to = state.may_step_down().map_err(StoreError::Refused)?;
        let done = sqlx::query(
            "UPDATE step_up SET state = $1, stepped_down_at = $2, stepped_down_by = $3, \
             step_down_record = $4 WHERE id = $5 AND state = $6",
        )
        .bind(to.code())
        .bind(now)
        .bind(caller.user_id().to_string())
        .bind(record.clone())
        .bind(step_up.to_string())
        .bind(state.code())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Stale);
        }
        event(&mut tx, step_up, now, Some(caller), to, &record).await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("step_up.step_down")
                .record("step_up", step_up)
                .site(p.site)
                .person(p.person),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest level the recompute job recorded for an episode at one of
    /// the caller's sites: level, reasons, rule version, when.
    pub async fn latest_snapshot(
        &self,
        caller: &Caller,
        episode: EpisodeId,
    ) -> Result<Option<(EngagementLevel, Vec<String>, i64, OffsetDateTime)>> {
        let mut tx = self.begin_audited_read().await?;
        let found = facts_at(&mut tx, caller.scope.case_sites(), Some(&[episode])).await?;
        let f = found.first().ok_or(StoreError::NotFound)?;
        let row: Option<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT level, reasons, rule_version, computed_at FROM engagement_snapshot \
             WHERE episode_id = $1 ORDER BY seq DESC LIMIT 1",
        )
        .bind(f.id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        tx.finish(
            self,
            self.now_ms(),
            &Actor::User(caller),
            AuditEntry::new("engagement.snapshot_view")
                .record("episode", episode)
                .site(f.site)
                .person(f.person),
        )
        .await?;
        row.map(|(level, reasons, version, at)| {
            Ok((
                EngagementLevel::parse(&level).ok_or_else(|| corrupt("snapshot level"))?,
                reasons.lines().map(str::to_string).collect(),
                version,
                from_millis(at),
            ))
        })
        .transpose()
    }
}

async fn step_up_state(
    conn: &mut AnyConnection,
    episode: EpisodeId,
    step_up: StepUpId,
) -> Result<StepUpState> {
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM step_up WHERE id = $1 AND episode_id = $2")
            .bind(step_up.to_string())
            .bind(episode.to_string())
            .fetch_optional(conn)
            .await?;
    StepUpState::parse(&state.ok_or(StoreError::NotFound)?).map_err(|_| corrupt("step-up state"))
}
