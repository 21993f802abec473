//! The release-day plan: the time they come out and the checklist for the
//! day. Each save is a new row with the next version (both tables are
//! append-only), so the highest version is the plan now and the others are
//! its history, each with who saved it and when. A save names the version
//! it replaces; if someone saved in between, nothing is written.

use super::{audit, audit_entry, episode_in, must_be_open, must_write};
use crate::audit::Actor;
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::release_plan::{
    release_time, time_text, ChecklistItem, ItemStatus, PlannedItem,
};
use reconnect_domain::{Caller, EpisodeId};
use sqlx::AnyConnection;
use time::{OffsetDateTime, Time};

/// What a save says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReleasePlan {
    pub release_time: Option<Time>,
    /// Every checklist item, once each.
    pub items: Vec<PlannedItem>,
}

/// One saved version of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleasePlan {
    pub version: i64,
    pub release_time: Option<Time>,
    /// In checklist order.
    pub items: Vec<PlannedItem>,
    pub at: OffsetDateTime,
    pub by_name: String,
}

impl ReleasePlan {
    pub fn item(&self, item: ChecklistItem) -> Option<&PlannedItem> {
        self.items.iter().find(|i| i.item == item)
    }
}

fn corrupt(what: &str, v: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {v:?}"))
}

/// Every saved version for the episodes, newest first within each.
pub(crate) async fn load_plans(
    conn: &mut AnyConnection,
    episode: EpisodeId,
) -> Result<Vec<ReleasePlan>> {
    let rows: Vec<(String, i64, Option<String>, i64, String)> = sqlx::query_as(
        "SELECT r.id, r.version, r.release_time, r.at, u.display_name FROM release_plan r \
         JOIN app_user u ON u.id = r.by_user WHERE r.episode_id = $1 ORDER BY r.version DESC",
    )
    .bind(episode.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let items: Vec<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT i.plan_id, i.item, i.status, i.detail FROM release_plan_item i \
         JOIN release_plan r ON r.id = i.plan_id WHERE r.episode_id = $1",
    )
    .bind(episode.to_string())
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(id, version, time, at, by_name)| {
            let mut planned = items
                .iter()
                .filter(|(plan, ..)| *plan == id)
                .map(|(_, item, status, detail)| {
                    Ok(PlannedItem {
                        item: ChecklistItem::parse(item).map_err(|_| corrupt("item", item))?,
                        status: ItemStatus::parse(status).map_err(|_| corrupt("status", status))?,
                        detail: detail.clone(),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            planned.sort_by_key(|p| p.item);
            Ok(ReleasePlan {
                version,
                release_time: time
                    .as_deref()
                    .map(|t| {
                        release_time(t)
                            .ok()
                            .flatten()
                            .ok_or_else(|| corrupt("time", t))
                    })
                    .transpose()?,
                items: planned,
                at: from_millis(at),
                by_name,
            })
        })
        .collect()
}

impl Store {
    /// Every saved version of an episode's release-day plan, newest (the
    /// plan now) first; empty when none is saved yet. The read is audited.
    pub async fn release_plans(
        &self,
        caller: &Caller,
        episode: EpisodeId,
    ) -> Result<Vec<ReleasePlan>> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let parent = episode_in(&mut tx, episode, caller.scope.case_sites()).await?;
        let plans = load_plans(&mut tx, episode).await?;
        let audit = audit_entry(
            &parent,
            "release_plan.view",
            ("episode", episode.to_string()),
            None,
        );
        tx.finish(self, now, &Actor::User(caller), audit).await?;
        Ok(plans)
    }

    /// Saves a new version of the release-day plan. `version` is the version
    /// the caller last saw (0 when there was none); the new one is the next.
    pub async fn save_release_plan(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        version: i64,
        plan: &NewReleasePlan,
    ) -> Result<i64> {
        must_write(caller)?;
        let mut given: Vec<ChecklistItem> = plan.items.iter().map(|i| i.item).collect();
        given.sort_unstable();
        if given != ChecklistItem::ALL {
            return Err(StoreError::invalid(
                "items",
                "Say where every item on the checklist has got to, once each",
            ));
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let parent = episode_in(&mut tx, episode, caller.scope.case_write_sites()).await?;
        must_be_open(&parent)?;
        let current: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM release_plan WHERE episode_id = $1")
                .bind(episode.to_string())
                .fetch_one(&mut *tx)
                .await?;
        if current.unwrap_or(0) != version {
            return Err(StoreError::Stale);
        }
        let id = uuid::Uuid::now_v7().to_string();
        let next = version + 1;
        let inserted = sqlx::query(
            "INSERT INTO release_plan (id, episode_id, version, release_time, at, by_user) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.clone())
        .bind(episode.to_string())
        .bind(next)
        .bind(plan.release_time.map(time_text))
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if StoreError::is_unique_violation(&e) => return Err(StoreError::Stale),
            Err(e) => return Err(e.into()),
        }
        for item in &plan.items {
            sqlx::query(
                "INSERT INTO release_plan_item (plan_id, item, status, detail) VALUES ($1, $2, $3, $4)",
            )
            .bind(id.clone())
            .bind(item.item.code())
            .bind(item.status.code())
            .bind(item.detail.clone())
            .execute(&mut *tx)
            .await?;
        }
        let gaps = reconnect_domain::release_plan::gaps(&plan.items).len();
        audit(
            &mut tx,
            now,
            caller,
            &parent,
            "release_plan.save",
            ("episode", episode.to_string()),
            Some(format!("version {next}, {gaps} gaps")),
        )
        .await?;
        tx.commit().await?;
        Ok(next)
    }
}
