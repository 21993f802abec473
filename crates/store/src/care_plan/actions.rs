//! The plan: goals in the person's own words and actions towards them, each
//! with an owner and a due date. An action is open until it is marked done
//! or dropped (with a reason); the action row holds where it stands (with a
//! version) and `plan_action_event` keeps every change, append-only. Goals
//! are kept as said and never changed.

use super::{audit, audit_entry, date, episode_in, must_be_open, must_write, parent_of, Child};
use crate::audit::Actor;
use crate::episodes::iso;
use crate::sql::parse;
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::id::{GoalId, PlanActionId};
use reconnect_domain::plan::{due_date, may_close, ActionClose, ActionOwner, ActionStatus};
use reconnect_domain::{Caller, EpisodeId};
use sqlx::AnyConnection;
use time::{Date, OffsetDateTime};

/// A goal, in their words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Goal {
    pub id: GoalId,
    pub words: String,
    pub at: OffsetDateTime,
    pub by_name: String,
}

/// A new action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAction {
    pub goal: Option<GoalId>,
    pub text: String,
    pub owner: ActionOwner,
    pub due: Date,
}

/// One line of an action's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanActionEvent {
    pub at: OffsetDateTime,
    pub by_name: String,
    pub status: ActionStatus,
    pub reason: Option<String>,
}

/// An action as it stands, with its history (oldest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanAction {
    pub id: PlanActionId,
    pub goal: Option<GoalId>,
    pub text: String,
    pub owner: ActionOwner,
    pub due: Date,
    pub status: ActionStatus,
    pub reason: Option<String>,
    pub version: i64,
    pub events: Vec<PlanActionEvent>,
}

/// An episode's plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Oldest first.
    pub goals: Vec<Goal>,
    /// By due date, then when they were added.
    pub actions: Vec<PlanAction>,
}

/// id, goal, text, owner, due_on, status, reason, version.
type ActionRow = (
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
);

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {v:?}"))
}

async fn load_plan(conn: &mut AnyConnection, episode: EpisodeId) -> Result<Plan> {
    let goals: Vec<(String, String, i64, String)> = sqlx::query_as(
        "SELECT g.id, g.words, g.at, u.display_name FROM plan_goal g \
         JOIN app_user u ON u.id = g.by_user WHERE g.episode_id = $1 ORDER BY g.at, g.id",
    )
    .bind(episode.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let goals = goals
        .into_iter()
        .map(|(id, words, at, by_name)| {
            Ok(Goal {
                id: parse(&id, "goal id")?,
                words,
                at: from_millis(at),
                by_name,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let rows: Vec<ActionRow> = sqlx::query_as(
        "SELECT id, goal_id, text, owner, due_on, status, reason, version FROM plan_action \
         WHERE episode_id = $1 ORDER BY due_on, created_at, id",
    )
    .bind(episode.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut actions = rows
        .into_iter()
        .map(|(id, goal, text, owner, due, status, reason, version)| {
            Ok(PlanAction {
                id: parse(&id, "action id")?,
                goal: goal.as_deref().map(|g| parse(g, "goal id")).transpose()?,
                text,
                owner: ActionOwner::parse(&owner).map_err(|_| corrupt("owner", &owner))?,
                due: date(&due)?,
                status: ActionStatus::parse(&status).map_err(|_| corrupt("status", &status))?,
                reason,
                version,
                events: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let events: Vec<(String, i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT ev.action_id, ev.at, u.display_name, ev.status, ev.reason \
         FROM plan_action_event ev JOIN plan_action a ON a.id = ev.action_id \
         JOIN app_user u ON u.id = ev.by_user WHERE a.episode_id = $1 ORDER BY ev.seq",
    )
    .bind(episode.to_string())
    .fetch_all(&mut *conn)
    .await?;
    for (action, at, by_name, status, reason) in events {
        let event = PlanActionEvent {
            at: from_millis(at),
            by_name,
            status: ActionStatus::parse(&status).map_err(|_| corrupt("status", &status))?,
            reason,
        };
        if let Some(a) = actions.iter_mut().find(|a| a.id.to_string() == action) {
            a.events.push(event);
        }
    }
    Ok(Plan { goals, actions })
}

async fn append_event(
    conn: &mut AnyConnection,
    action: PlanActionId,
    at: i64,
    caller: &Caller,
    status: ActionStatus,
    reason: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO plan_action_event (action_id, at, by_user, status, reason) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(action.to_string())
    .bind(at)
    .bind(caller.user_id().to_string())
    .bind(status.code())
    .bind(reason.map(str::to_string))
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// An episode's plan; the read is audited.
    pub async fn plan(&self, caller: &Caller, episode: EpisodeId) -> Result<Plan> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let parent = episode_in(&mut tx, episode, caller.scope.case_sites()).await?;
        let plan = load_plan(&mut tx, episode).await?;
        let audit = audit_entry(&parent, "plan.view", ("episode", episode.to_string()), None);
        tx.finish(self, now, &Actor::User(caller), audit).await?;
        Ok(plan)
    }

    /// Adds a goal in the person's words. The same words twice (a form sent
    /// twice, say) are refused.
    pub async fn add_goal(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        words: &str,
    ) -> Result<GoalId> {
        must_write(caller)?;
        let words = reconnect_domain::plan::goal_words(words)
            .map_err(|m| StoreError::invalid("words", &m))?;
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let parent = episode_in(&mut tx, episode, caller.scope.case_write_sites()).await?;
        must_be_open(&parent)?;
        let same: Option<String> =
            sqlx::query_scalar("SELECT id FROM plan_goal WHERE episode_id = $1 AND words = $2")
                .bind(episode.to_string())
                .bind(words.clone())
                .fetch_optional(&mut *tx)
                .await?;
        if same.is_some() {
            return Err(StoreError::Conflict(
                "This goal is already in their plan".into(),
            ));
        }
        let id = GoalId::new();
        sqlx::query(
            "INSERT INTO plan_goal (id, episode_id, words, at, by_user) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(episode.to_string())
        .bind(words)
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            now,
            caller,
            &parent,
            "plan.goal_add",
            ("plan_goal", id.to_string()),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds an action. Its goal, if any, must be one of the episode's; its
    /// due date must be plausible; the same open action twice is refused.
    pub async fn add_action(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        new: &NewAction,
    ) -> Result<PlanActionId> {
        must_write(caller)?;
        due_date(new.due, self.now().date()).map_err(|m| StoreError::invalid("due_on", &m))?;
        let text = reconnect_domain::plan::action_text(&new.text)
            .map_err(|m| StoreError::invalid("text", &m))?;
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let parent = episode_in(&mut tx, episode, caller.scope.case_write_sites()).await?;
        must_be_open(&parent)?;
        if let Some(goal) = new.goal {
            let g = parent_of(
                &mut tx,
                Child::Goal,
                &goal.to_string(),
                caller.scope.case_write_sites(),
            )
            .await;
            if !matches!(&g, Ok(p) if p.episode == episode) {
                return Err(StoreError::invalid("goal", "Choose one of their goals"));
            }
        }
        let same: Option<String> = sqlx::query_scalar(
            "SELECT id FROM plan_action WHERE episode_id = $1 AND text = $2 AND due_on = $3 AND status = $4",
        )
        .bind(episode.to_string())
        .bind(text.clone())
        .bind(iso(new.due))
        .bind(ActionStatus::Open.code())
        .fetch_optional(&mut *tx)
        .await?;
        if same.is_some() {
            return Err(StoreError::Conflict(
                "This action is already in their plan".into(),
            ));
        }
        let id = PlanActionId::new();
        sqlx::query(
            "INSERT INTO plan_action (id, episode_id, goal_id, text, owner, due_on, status, reason, \
             version, created_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, 1, $8, $9, $8)",
        )
        .bind(id.to_string())
        .bind(episode.to_string())
        .bind(new.goal.map(|g| g.to_string()))
        .bind(text)
        .bind(new.owner.code())
        .bind(iso(new.due))
        .bind(ActionStatus::Open.code())
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *tx)
        .await?;
        append_event(&mut tx, id, now, caller, ActionStatus::Open, None).await?;
        audit(
            &mut tx,
            now,
            caller,
            &parent,
            "plan.action_add",
            ("plan_action", id.to_string()),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One action with its history (for the page that closes it); audited.
    pub async fn plan_action(
        &self,
        caller: &Caller,
        id: PlanActionId,
    ) -> Result<(EpisodeId, PlanAction)> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let parent = parent_of(
            &mut tx,
            Child::Action,
            &id.to_string(),
            caller.scope.case_sites(),
        )
        .await?;
        let action = load_plan(&mut tx, parent.episode)
            .await?
            .actions
            .into_iter()
            .find(|a| a.id == id)
            .ok_or(StoreError::NotFound)?;
        let audit = audit_entry(
            &parent,
            "plan.action_view",
            ("plan_action", id.to_string()),
            None,
        );
        tx.finish(self, now, &Actor::User(caller), audit).await?;
        Ok((parent.episode, action))
    }

    /// Marks an open action done, or drops it with a reason. `version` is
    /// the version the caller last saw ([`StoreError::Stale`] if it changed).
    pub async fn close_action(
        &self,
        caller: &Caller,
        id: PlanActionId,
        version: i64,
        close: &ActionClose,
    ) -> Result<()> {
        must_write(caller)?;
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let parent = parent_of(
            &mut tx,
            Child::Action,
            &id.to_string(),
            caller.scope.case_write_sites(),
        )
        .await?;
        must_be_open(&parent)?;
        let (status, current): (String, i64) =
            sqlx::query_as("SELECT status, version FROM plan_action WHERE id = $1")
                .bind(id.to_string())
                .fetch_one(&mut *tx)
                .await?;
        if current != version {
            return Err(StoreError::Stale);
        }
        let status = ActionStatus::parse(&status).map_err(|_| corrupt("status", &status))?;
        may_close(status).map_err(StoreError::Refused)?;
        let r = sqlx::query(
            "UPDATE plan_action SET status = $1, reason = $2, version = version + 1, updated_at = $3 \
             WHERE id = $4 AND version = $5",
        )
        .bind(close.status().code())
        .bind(close.reason().map(str::to_string))
        .bind(now)
        .bind(id.to_string())
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Stale);
        }
        append_event(&mut tx, id, now, caller, close.status(), close.reason()).await?;
        audit(
            &mut tx,
            now,
            caller,
            &parent,
            "plan.action_close",
            ("plan_action", id.to_string()),
            Some(close.status().code().to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
