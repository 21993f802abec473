//! The engagement signals of many episodes at once. Every signal is a
//! correlated subquery on the episode `e` in one list of columns
//! ([`SIGNAL_COLUMNS`]), so a batch of episodes of one site costs a single
//! statement that answers one row per episode (the site's rules set the
//! missed-appointment window). Lists (the caseload's levels, a site's
//! needs-attention list) and one episode's level all read these same
//! columns and decide with the same rules, so they can never disagree.

use crate::engagement::{Facts, Level, RulesCache};
use crate::engagement_rules::RulesVersion;
use crate::episodes::iso;
use crate::sql::param_list;
use crate::{Result, StoreError};
use reconnect_domain::clock::to_millis;
use reconnect_domain::engagement::{assess, Signals};
use reconnect_domain::episode::EpisodeState;
use reconnect_domain::step_up::StepUpState;
use reconnect_domain::{EpisodeId, SiteId};
use sqlx::any::AnyArguments;
use sqlx::query::QueryAs;
use sqlx::{Any, AnyConnection};
use std::collections::HashMap;
use time::OffsetDateTime;

const DAY_MS: i64 = 86_400_000;
/// How many episodes one statement covers when they are listed by id.
const BATCH: usize = 200;

/// The signals of the episode `e`, in the order of [`Counts`]. They take
/// the parameters bound by [`bind_signal_params`]: `$1` the start of the
/// missed-appointment window, `$2` now, `$3` the start of the
/// declined-actions window (epoch milliseconds) and `$4` today (ISO date).
/// The latest two-way contact is found by reading the episode's contacts
/// newest first and stopping at the first that counts. A concern that
/// clears none is asked for as `COALESCE(clears, '') = ''` (no concern has
/// the id ''), not `clears IS NULL`: without statistics SQLite would answer
/// `IS NULL` through the UNIQUE index on `clears`, reading every open
/// concern of every episode once per episode.
pub(crate) const SIGNAL_COLUMNS: &str = "\
    (SELECT COUNT(*) FROM appointment a WHERE a.episode_id = e.id \
     AND a.state = 'did_not_attend' AND (a.dna_reason IS NULL OR a.dna_reason <> 'acceptable') \
     AND a.starts_at >= $1 AND a.starts_at <= $2), \
    (SELECT c.at FROM contact c WHERE c.episode_id = e.id AND c.two_way = 'yes' AND c.at <= $2 \
     AND NOT EXISTS (SELECT 1 FROM contact n WHERE n.supersedes = c.id) \
     ORDER BY c.at DESC LIMIT 1), \
    (SELECT COUNT(*) FROM plan_action pa JOIN plan_action_event ev ON ev.action_id = pa.id \
     WHERE pa.episode_id = e.id AND ev.status = 'dropped' AND ev.at >= $3 AND ev.at <= $2), \
    (SELECT COUNT(*) FROM plan_action pa WHERE pa.episode_id = e.id AND pa.status = 'open' \
     AND pa.due_on < $4), \
    (SELECT COUNT(*) FROM concern cn WHERE cn.episode_id = e.id AND COALESCE(cn.clears, '') = '' \
     AND cn.created_at <= $2 AND NOT EXISTS (SELECT 1 FROM concern x WHERE x.clears = cn.id))";

/// How many parameters [`SIGNAL_COLUMNS`] takes.
pub(crate) const SIGNAL_PARAMS: usize = 4;

/// The state of the episode `e`'s step-up in force (the newest not stepped
/// down), or NULL.
pub(crate) const STEP_UP_COLUMN: &str = "(SELECT s.state FROM step_up s \
    WHERE s.episode_id = e.id AND s.state <> 'stepped_down' ORDER BY s.opened_at DESC LIMIT 1)";

/// One episode's counted signals as [`SIGNAL_COLUMNS`] reads them: missed
/// appointments, the latest two-way contact (epoch ms), declined actions,
/// overdue actions and open concerns.
pub(crate) type Counts = (i64, Option<i64>, i64, i64, i64);

/// Binds [`SIGNAL_COLUMNS`]' parameters (`$1` to `$4`) for a site's rules.
pub(crate) fn bind_signal_params<'q, O>(
    q: QueryAs<'q, Any, O, AnyArguments<'q>>,
    rules: &RulesVersion,
    now: OffsetDateTime,
) -> QueryAs<'q, Any, O, AnyArguments<'q>> {
    let now_ms = to_millis(now);
    q.bind(now_ms - rules.rules.missed_window_days * DAY_MS)
        .bind(now_ms)
        .bind(now_ms - 30 * DAY_MS)
        .bind(iso(now.date()))
}

fn whole_days(from_ms: i64, to_ms: i64) -> i64 {
    (to_ms - from_ms).max(0) / DAY_MS
}

/// An episode's signals from its facts and its counts, as they stood at `now`.
pub(crate) fn signals_of(f: &Facts, counts: Counts, now: OffsetDateTime) -> Signals {
    let now_ms = to_millis(now);
    let (missed, last_contact, declined, overdue, concerns) = counts;
    Signals {
        missed_appointments: missed,
        days_since_two_way_contact: last_contact.map(|at| whole_days(at, now_ms)),
        days_since_start: whole_days(f.created_at, now_ms),
        declined_actions: declined,
        overdue_actions: overdue,
        open_concerns: concerns,
        returned_to_custody: f.state == EpisodeState::ReturnedToCustody,
        days_since_release: match (f.state.is_in_community(), f.released_on) {
            (true, Some(d)) => Some((now.date() - d).whole_days().max(0)),
            _ => None,
        },
    }
}

/// An episode's level from its signals under a site's rules.
pub(crate) fn level_from(f: &Facts, s: &Signals, rules: &RulesVersion) -> Level {
    Level {
        episode_id: f.id,
        assessment: assess(s, &rules.rules),
        rule_version: rules.version,
        days_since_two_way_contact: s.days_since_two_way_contact,
    }
}

/// Reads the signals of a batch of one site's episodes as they stood at
/// `now`, keyed by episode id.
async fn gather_batch(
    conn: &mut AnyConnection,
    facts: &[&Facts],
    rules: &RulesVersion,
    now: OffsetDateTime,
) -> Result<HashMap<EpisodeId, Signals>> {
    let ids: Vec<String> = facts.iter().map(|f| f.id.to_string()).collect();
    let sql = format!(
        "SELECT e.id, {SIGNAL_COLUMNS} FROM episode e WHERE e.id IN ({})",
        param_list(SIGNAL_PARAMS + 1, ids.len())
    );
    let mut q = bind_signal_params(
        sqlx::query_as::<_, (String, i64, Option<i64>, i64, i64, i64)>(&sql),
        rules,
        now,
    );
    for id in &ids {
        q = q.bind(id.clone());
    }
    let counts: HashMap<String, Counts> = q
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(id, a, b, c, d, e)| (id, (a, b, c, d, e)))
        .collect();
    let mut out = HashMap::with_capacity(facts.len());
    for (f, id) in facts.iter().zip(&ids) {
        let c = counts.get(id).copied().unwrap_or((0, None, 0, 0, 0));
        out.insert(f.id, signals_of(f, c, now));
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
                out.insert(f.id, level_from(f, &s, &r));
            }
        }
    }
    Ok(out)
}

/// A step-up state as stored.
pub(crate) fn step_up_state(s: &str) -> Result<StepUpState> {
    StepUpState::parse(s).map_err(|_| StoreError::Corrupt("step-up state".into()))
}
