//! What a caseload shows about each episode's plan: how many actions are
//! overdue, and which release-day checklist items are still gaps. Both take
//! a list of episode ids and answer only for those in the caller's scope
//! (others are left out, exactly as if they did not exist). They are not
//! audited on their own: they show no personal detail, and the caseload
//! view that calls them is audited.

use super::id_texts;
use crate::sql::{param_list, parse};
use crate::{Result, Store};
use reconnect_domain::episode::EpisodeState;
use reconnect_domain::plan::ActionStatus;
use reconnect_domain::release_plan::{gaps, ChecklistItem, ItemStatus, PlannedItem};
use reconnect_domain::{Caller, EpisodeId};
use std::collections::HashMap;
use time::Date;

impl Store {
    /// For each episode in scope with overdue actions: how many. Episodes
    /// without any are left out.
    pub async fn overdue_action_counts(
        &self,
        caller: &Caller,
        episodes: &[EpisodeId],
        today: Date,
    ) -> Result<HashMap<EpisodeId, i64>> {
        let sites = caller.scope.case_sites();
        let ids = id_texts(episodes);
        if sites.is_empty() || ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT a.episode_id, COUNT(*) FROM plan_action a JOIN episode e ON e.id = a.episode_id \
             JOIN person p ON p.id = e.person_id \
             WHERE a.status = $1 AND a.due_on < $2 AND p.site_id IN ({}) AND a.episode_id IN ({}) \
             GROUP BY a.episode_id",
            param_list(3, sites.len()),
            param_list(3 + sites.len(), ids.len())
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(&sql)
            .bind(ActionStatus::Open.code())
            .bind(crate::episodes::iso(today));
        for s in sites {
            q = q.bind(s.to_string());
        }
        for id in ids {
            q = q.bind(id);
        }
        q.fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|(id, n)| Ok((parse(&id, "episode id")?, n)))
            .collect()
    }

    /// For each episode in scope that is still before release (open and not
    /// yet in the community): the checklist items of its current
    /// release-day plan that are still gaps (every item, when no plan is
    /// saved yet). Episodes with no gaps, or past release, are left out.
    /// Whether to highlight them is the caller's choice
    /// ([`reconnect_domain::release_plan::highlight_gaps`]).
    pub async fn release_plan_gaps(
        &self,
        caller: &Caller,
        episodes: &[EpisodeId],
    ) -> Result<HashMap<EpisodeId, Vec<ChecklistItem>>> {
        let sites = caller.scope.case_sites();
        let ids = id_texts(episodes);
        if sites.is_empty() || ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT e.id, e.state FROM episode e JOIN person p ON p.id = e.person_id \
             WHERE p.site_id IN ({}) AND e.id IN ({})",
            param_list(1, sites.len()),
            param_list(1 + sites.len(), ids.len())
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for s in sites {
            q = q.bind(s.to_string());
        }
        for id in &ids {
            q = q.bind(id.clone());
        }
        let mut conn = self.pool.acquire().await?;
        let mut in_scope = Vec::new();
        for (id, state) in q.fetch_all(&mut *conn).await? {
            let state: EpisodeState = parse(&state, "episode state")?;
            if !state.is_terminal() && !state.is_in_community() {
                in_scope.push(id);
            }
        }
        if in_scope.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT r.episode_id, i.item, i.status FROM release_plan r \
             JOIN release_plan_item i ON i.plan_id = r.id \
             WHERE r.episode_id IN ({}) AND r.version = \
             (SELECT MAX(r2.version) FROM release_plan r2 WHERE r2.episode_id = r.episode_id)",
            param_list(1, in_scope.len())
        );
        let mut q = sqlx::query_as::<_, (String, String, String)>(&sql);
        for id in &in_scope {
            q = q.bind(id.clone());
        }
        let rows = q.fetch_all(&mut *conn).await?;
        let mut out = HashMap::new();
        for episode in in_scope {
            let items: Vec<PlannedItem> = rows
                .iter()
                .filter(|(e, ..)| *e == episode)
                .filter_map(|(_, item, status)| {
                    Some(PlannedItem {
                        item: ChecklistItem::parse(item).ok()?,
                        status: ItemStatus::parse(status).ok()?,
                        detail: None,
                    })
                })
                .collect();
            let g = gaps(&items);
            if !g.is_empty() {
                out.insert(parse(&episode, "episode id")?, g);
            }
        }
        Ok(out)
    }
}
