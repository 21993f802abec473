//! The engagement signals of many episodes at once. Lists (the caseload's
//! levels, a site's needs-attention list) would otherwise run six queries
//! per episode; here each signal is one grouped query per batch of episodes
//! of one site (the site's rules set the missed-appointment window). One
//! episode's level goes through the same code with a batch of one, so a
//! list and a single episode can never disagree.

use crate::engagement::{Facts, Level, RulesCache};
use crate::engagement_rules::RulesVersion;
use crate::episodes::iso;
use crate::sql::{param_list, parse};
use crate::{Result, StoreError};
use reconnect_domain::clock::to_millis;
use reconnect_domain::engagement::{assess, Signals};
use reconnect_domain::episode::EpisodeState;
use reconnect_domain::step_up::StepUpState;
use reconnect_domain::{EpisodeId, SiteId};
use sqlx::AnyConnection;
use std::collections::HashMap;
use time::OffsetDateTime;

const DAY_MS: i64 = 86_400_000;
/// How many episodes one grouped query covers.
const BATCH: usize = 200;

fn whole_days(from_ms: i64, to_ms: i64) -> i64 {
    (to_ms - from_ms).max(0) / DAY_MS
}

/// Runs a grouped `episode_id, value` query: `leading` values bind `$1…`,
/// then the episode ids fill the `{}` list.
async fn per_episode<T>(
    conn: &mut AnyConnection,
    sql: &str,
    leading: &[Bind],
    ids: &[String],
) -> Result<HashMap<String, T>>
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    let sql = sql.replacen("{}", &param_list(leading.len() + 1, ids.len()), 1);
    let mut q = sqlx::query_as::<_, (String, T)>(&sql);
    for b in leading {
        q = match b {
            Bind::Int(i) => q.bind(*i),
            Bind::Text(t) => q.bind(t.clone()),
        };
    }
    for id in ids {
        q = q.bind(id.clone());
    }
    Ok(q.fetch_all(&mut *conn).await?.into_iter().collect())
}

enum Bind {
    Int(i64),
    Text(String),
}

/// Reads the signals of a batch of one site's episodes as they stood at
/// `now`, keyed by episode id.
async fn gather_batch(
    conn: &mut AnyConnection,
    facts: &[&Facts],
    rules: &RulesVersion,
    now: OffsetDateTime,
) -> Result<HashMap<EpisodeId, Signals>> {
    let now_ms = to_millis(now);
    let ids: Vec<String> = facts.iter().map(|f| f.id.to_string()).collect();
    let window_start = now_ms - rules.rules.missed_window_days * DAY_MS;
    let missed: HashMap<String, i64> = per_episode(
        conn,
        "SELECT episode_id, COUNT(*) FROM appointment WHERE state = 'did_not_attend' \
         AND (dna_reason IS NULL OR dna_reason <> 'acceptable') AND starts_at >= $1 \
         AND starts_at <= $2 AND episode_id IN ({}) GROUP BY episode_id",
        &[Bind::Int(window_start), Bind::Int(now_ms)],
        &ids,
    )
    .await?;
    let last_contact: HashMap<String, i64> = per_episode(
        conn,
        "SELECT c.episode_id, MAX(c.at) FROM contact c WHERE c.two_way = 'yes' AND c.at <= $1 \
         AND c.episode_id IN ({}) AND NOT EXISTS (SELECT 1 FROM contact n WHERE n.supersedes = c.id) \
         GROUP BY c.episode_id",
        &[Bind::Int(now_ms)],
        &ids,
    )
    .await?;
    let declined: HashMap<String, i64> = per_episode(
        conn,
        "SELECT a.episode_id, COUNT(*) FROM plan_action_event ev JOIN plan_action a \
         ON a.id = ev.action_id WHERE ev.status = 'dropped' AND ev.at >= $1 AND ev.at <= $2 \
         AND a.episode_id IN ({}) GROUP BY a.episode_id",
        &[Bind::Int(now_ms - 30 * DAY_MS), Bind::Int(now_ms)],
        &ids,
    )
    .await?;
    let overdue: HashMap<String, i64> = per_episode(
        conn,
        "SELECT episode_id, COUNT(*) FROM plan_action WHERE status = 'open' AND due_on < $1 \
         AND episode_id IN ({}) GROUP BY episode_id",
        &[Bind::Text(iso(now.date()))],
        &ids,
    )
    .await?;
    let concerns: HashMap<String, i64> = per_episode(
        conn,
        "SELECT c.episode_id, COUNT(*) FROM concern c WHERE c.clears IS NULL \
         AND c.created_at <= $1 AND c.episode_id IN ({}) \
         AND NOT EXISTS (SELECT 1 FROM concern x WHERE x.clears = c.id) GROUP BY c.episode_id",
        &[Bind::Int(now_ms)],
        &ids,
    )
    .await?;
    let mut out = HashMap::with_capacity(facts.len());
    for (f, id) in facts.iter().zip(&ids) {
        let count = |m: &HashMap<String, i64>| m.get(id).copied().unwrap_or(0);
        out.insert(
            f.id,
            Signals {
                missed_appointments: count(&missed),
                days_since_two_way_contact: last_contact.get(id).map(|at| whole_days(*at, now_ms)),
                days_since_start: whole_days(f.created_at, now_ms),
                declined_actions: count(&declined),
                overdue_actions: count(&overdue),
                open_concerns: count(&concerns),
                returned_to_custody: f.state == EpisodeState::ReturnedToCustody,
                days_since_release: match (f.state.is_in_community(), f.released_on) {
                    (true, Some(d)) => Some((now.date() - d).whole_days().max(0)),
                    _ => None,
                },
            },
        );
    }
    Ok(out)
}

/// The levels of the given episodes as they stand at `now`, keyed by episode.
pub(crate) async fn levels_of(
    conn: &mut AnyConnection,
    facts: &[&Facts],
    rules: &mut RulesCache,
    now: OffsetDateTime,
) -> Result<HashMap<EpisodeId, Level>> {
    let mut by_site: Vec<(SiteId, Vec<&Facts>)> = Vec::new();
    for f in facts {
        match by_site.iter_mut().find(|(s, _)| *s == f.site) {
            Some((_, list)) => list.push(f),
            None => by_site.push((f.site, vec![f])),
        }
    }
    let mut out = HashMap::with_capacity(facts.len());
    for (site, list) in by_site {
        let r = rules.get(conn, site).await?;
        for chunk in list.chunks(BATCH) {
            let mut signals = gather_batch(conn, chunk, &r, now).await?;
            for f in chunk {
                let s = signals
                    .remove(&f.id)
                    .ok_or_else(|| StoreError::Corrupt("engagement signals".into()))?;
                out.insert(
                    f.id,
                    Level {
                        episode_id: f.id,
                        assessment: assess(&s, &r.rules),
                        rule_version: r.version,
                        days_since_two_way_contact: s.days_since_two_way_contact,
                    },
                );
            }
        }
    }
    Ok(out)
}

/// The state of each listed episode's step-up in force (the newest not
/// stepped down), for those that have one.
pub(crate) async fn active_step_ups(
    conn: &mut AnyConnection,
    episodes: &[EpisodeId],
) -> Result<HashMap<EpisodeId, StepUpState>> {
    let mut out = HashMap::new();
    for chunk in episodes.chunks(BATCH) {
        let ids: Vec<String> = chunk.iter().map(ToString::to_string).collect();
        let sql = format!(
            "SELECT episode_id, state FROM step_up WHERE state <> 'stepped_down' \
             AND episode_id IN ({}) ORDER BY opened_at DESC",
            param_list(1, ids.len())
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for id in &ids {
            q = q.bind(id.clone());
        }
        for (episode, state) in q.fetch_all(&mut *conn).await? {
            let episode: EpisodeId = parse(&episode, "episode id")?;
            if out.contains_key(&episode) {
                continue;
            }
            let state = StepUpState::parse(&state)
                .map_err(|_| StoreError::Corrupt("step-up state".into()))?;
            out.insert(episode, state);
        }
    }
    Ok(out)
}
