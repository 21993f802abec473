//! Engagement levels worked out live from an episode's own records: the
//! store gathers the [`Signals`] (attendance, two-way contact, plan actions,
//! concerns, custody and release) and the site's current rules decide the
//! level with [`assess`]. Also the site "needs attention" list and the
//! levels for a caseload. Everything is scoped to the caller's case sites in
//! SQL and audited like any other read of a person's record.

use crate::audit::{Actor, AuditEntry};
use crate::engagement_rules::{current_rules, RulesVersion};
use crate::engagement_signals::{
    bind_signal_params, level_from, levels_of, signals_of, step_up_state, SIGNAL_COLUMNS,
    SIGNAL_PARAMS, STEP_UP_COLUMN,
};
use crate::sql::{param_list, parse};
use crate::step_ups::{load_step_ups, StepUp};
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::to_millis;
use reconnect_domain::engagement::{Assessment, EngagementLevel};
use reconnect_domain::episode::EpisodeState;
use reconnect_domain::step_up::StepUpState;
use reconnect_domain::{Caller, EpisodeId, PersonId, SiteId};
use sqlx::AnyConnection;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};

/// What the engagement rules need to know about an episode itself.
#[derive(Clone, Debug)]
pub(crate) struct Facts {
    pub id: EpisodeId,
    pub person: PersonId,
    pub person_name: String,
    pub site: SiteId,
    pub state: EpisodeState,
    pub released_on: Option<Date>,
    pub created_at: i64,
}

type FactsRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
);

/// The columns of a [`FactsRow`], on `e` (the episode) and `p` (its person).
macro_rules! facts_columns {
    () => {
        "e.id, e.person_id, COALESCE(p.preferred_name, p.given_name), p.family_name, \
         p.site_id, e.state, e.released_on, e.created_at"
    };
}

/// Where a [`FactsRow`] is read from.
macro_rules! facts_from {
    () => {
        "FROM episode e JOIN person p ON p.id = e.person_id"
    };
}

const FACTS_FROM: &str = facts_from!();

pub(crate) const FACTS_SELECT: &str = concat!("SELECT ", facts_columns!(), " ", facts_from!());

pub(crate) fn facts_from(r: FactsRow) -> Result<Facts> {
    Ok(Facts {
        id: parse(&r.0, "episode id")?,
        person: parse(&r.1, "person id")?,
        person_name: format!("{} {}", r.2, r.3),
        site: parse(&r.4, "site id")?,
        state: parse(&r.5, "episode state")?,
        released_on: r
            .6
            .as_deref()
            .map(|d| Date::parse(d, &time::format_description::well_known::Iso8601::DATE))
            .transpose()
            .map_err(|_| StoreError::Corrupt("released_on".into()))?,
        created_at: r.7,
    })
}

/// Episodes whose engagement is worth working out: accepted and not ended.
pub(crate) fn is_assessed(state: EpisodeState) -> bool {
    !state.is_terminal() && state != EpisodeState::Referred
}

/// `e.state IN (...)` for the states [`is_assessed`] admits.
fn assessed_states_sql() -> String {
    let states = EpisodeState::ALL
        .iter()
        .filter(|s| is_assessed(**s))
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    format!("e.state IN ({states})")
}

/// A [`FactsRow`] followed by the episode's [`Counts`] and the state of its
/// step-up in force.
type AttentionRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    i64,
    Option<i64>,
    i64,
    i64,
    i64,
    Option<String>,
);

/// The assessed episodes of one site with their level and step-up in
/// force, in one statement: the facts, the signals ([`SIGNAL_COLUMNS`]) and
/// the step-up of each episode come back as one row.
async fn site_levels(
    conn: &mut AnyConnection,
    site: SiteId,
    rules: &RulesVersion,
    now: OffsetDateTime,
) -> Result<Vec<(Facts, Level, Option<StepUpState>)>> {
    let sql = format!(
        "SELECT {}, {SIGNAL_COLUMNS}, {STEP_UP_COLUMN} {FACTS_FROM} \
         WHERE p.site_id = ${} AND {}",
        facts_columns!(),
        SIGNAL_PARAMS + 1,
        assessed_states_sql()
    );
    let rows: Vec<AttentionRow> =
        bind_signal_params(sqlx::query_as::<_, AttentionRow>(&sql), rules, now)
            .bind(site.to_string())
            .fetch_all(conn)
            .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let f = facts_from((r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7))?;
        if !is_assessed(f.state) {
            continue;
        }
        let signals = signals_of(&f, (r.8, r.9, r.10, r.11, r.12), now);
        let level = level_from(&f, &signals, rules);
        let step_up = r.13.as_deref().map(step_up_state).transpose()?;
        out.push((f, level, step_up));
    }
    Ok(out)
}

/// The facts of the listed episodes that are at one of `sites`.
pub(crate) async fn facts_at(
    conn: &mut AnyConnection,
    sites: &[SiteId],
    episodes: Option<&[EpisodeId]>,
) -> Result<Vec<Facts>> {
    if sites.is_empty() || episodes.is_some_and(|e| e.is_empty()) {
        return Ok(Vec::new());
    }
    let mut sql = format!(
        "SELECT {} {FACTS_FROM} WHERE p.site_id IN ({})",
        facts_columns!(),
        param_list(1, sites.len())
    );
    if let Some(eps) = episodes {
        sql.push_str(&format!(
            " AND e.id IN ({})",
            param_list(sites.len() + 1, eps.len())
        ));
    }
    let mut q = sqlx::query_as::<_, FactsRow>(&sql);
    for s in sites {
        q = q.bind(s.to_string());
    }
    for e in episodes.unwrap_or(&[]) {
        q = q.bind(e.to_string());
    }
    q.fetch_all(conn)
        .await?
        .into_iter()
        .map(facts_from)
        .collect()
}

/// An episode's engagement as worked out now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Level {
    pub episode_id: EpisodeId,
    pub assessment: Assessment,
    /// The version of the site's rules that produced it (0: the defaults).
    pub rule_version: i64,
    pub days_since_two_way_contact: Option<i64>,
}

/// Caches each site's current rules while a list is worked out.
#[derive(Default)]
pub(crate) struct RulesCache(HashMap<SiteId, RulesVersion>);

impl RulesCache {
    pub(crate) async fn get(
        &mut self,
        conn: &mut AnyConnection,
        site: SiteId,
    ) -> Result<RulesVersion> {
        if let Some(r) = self.0.get(&site) {
            return Ok(r.clone());
        }
        let r = current_rules(conn, site).await?;
        self.0.insert(site, r.clone());
        Ok(r)
    }
}

pub(crate) async fn level_of(
    conn: &mut AnyConnection,
    f: &Facts,
    rules: &mut RulesCache,
    now: OffsetDateTime,
) -> Result<Level> {
    levels_of(conn, &[f], rules, now)
        .await?
        .remove(&f.id)
        .ok_or_else(|| StoreError::Corrupt("engagement level".into()))
}

/// Everything the engagement page shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpisodeEngagement {
    pub level: Level,
    pub site_id: SiteId,
    pub site_name: String,
    pub state: EpisodeState,
    pub concerns: Vec<crate::concerns::Concern>,
    /// Step-ups, newest first.
    pub step_ups: Vec<StepUp>,
}

/// One line of the "needs attention" list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttentionEntry {
    pub person_id: PersonId,
    pub person_name: String,
    pub site_id: SiteId,
    pub level: Level,
    /// The active step-up's state, if one is open or escalated.
    pub step_up: Option<StepUpState>,
}

impl AttentionEntry {
    fn urgency(&self) -> (u8, u8, i64) {
        let level = match self.level.assessment.level {
            EngagementLevel::Disengaged => 0,
            EngagementLevel::Wavering => 1,
            EngagementLevel::NotYetInContact => 2,
            EngagementLevel::Engaged => 3,
        };
        let step = match self.step_up {
            Some(StepUpState::Escalated) => 0,
            Some(StepUpState::Open) => 1,
            _ => 2,
        };
        (
            level,
            step,
            -self
                .level
                .days_since_two_way_contact
                .unwrap_or(i64::MAX / 2),
        )
    }
}

impl Store {
    /// An episode's engagement worked out from its records now, with its
    /// concerns and step-ups. The read is audited.
    pub async fn engagement_for(
        &self,
        caller: &Caller,
        episode: EpisodeId,
    ) -> Result<EpisodeEngagement> {
        let now = self.now();
        let mut tx = self.begin_audited_read().await?;
        let f = facts_at(&mut tx, caller.scope.case_sites(), Some(&[episode]))
            .await?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound)?;
        let level = level_of(&mut tx, &f, &mut RulesCache::default(), now).await?;
        let site_name: String = sqlx::query_scalar("SELECT name FROM site WHERE id = $1")
            .bind(f.site.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let concerns = crate::concerns::load_concerns(&mut tx, episode).await?;
        let step_ups = load_step_ups(&mut tx, episode).await?;
        tx.finish(
            self,
            to_millis(now),
            &Actor::User(caller),
            AuditEntry::new("engagement.view")
                .record("episode", episode)
                .site(f.site)
                .person(f.person)
                .detail(level.assessment.level.code()),
        )
        .await?;
        Ok(EpisodeEngagement {
            level,
            site_id: f.site,
            site_name,
            state: f.state,
            concerns,
            step_ups,
        })
    }

    /// The levels of the listed episodes that the caller may see (others are
    /// left out), for a caseload. Audited once per site, like the caseload.
    pub async fn engagement_levels(
        &self,
        caller: &Caller,
        episodes: &[EpisodeId],
        now: OffsetDateTime,
    ) -> Result<HashMap<EpisodeId, Level>> {
        let mut tx = self.begin_audited_read().await?;
        let facts = facts_at(&mut tx, caller.scope.case_sites(), Some(episodes)).await?;
        let mut rules = RulesCache::default();
        let mut out = HashMap::new();
        let mut per_site: HashMap<SiteId, usize> = HashMap::new();
        let assessed: Vec<&Facts> = facts.iter().filter(|f| is_assessed(f.state)).collect();
        for f in &assessed {
            *per_site.entry(f.site).or_default() += 1;
        }
        out.extend(levels_of(&mut tx, &assessed, &mut rules, now).await?);
        let entries = per_site
            .into_iter()
            .map(|(site, n)| {
                AuditEntry::new("engagement.levels")
                    .site(site)
                    .detail(format!("{n} levels worked out"))
            })
            .collect();
        tx.finish_all(self, self.now_ms(), &Actor::User(caller), entries)
            .await?;
        Ok(out)
    }

    /// The episodes at the caller's sites that need attention (not engaged,
    /// or with a step-up in force), most urgent first: disengaged before
    /// wavering before not yet in contact, escalated step-ups first, then the
    /// longest without two-way contact. Audited once per site.
    pub async fn needs_attention(
        &self,
        caller: &Caller,
        now: OffsetDateTime,
    ) -> Result<Vec<AttentionEntry>> {
        let sites = caller.scope.case_sites();
        let mut tx = self.begin_audited_read().await?;
        let mut rules = RulesCache::default();
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for site in sites.iter().filter(|s| seen.insert(**s)) {
            let r = rules.get(&mut tx, *site).await?;
            for (f, level, step_up) in site_levels(&mut tx, *site, &r, now).await? {
                if level.assessment.level == EngagementLevel::Engaged && step_up.is_none() {
                    continue;
                }
                out.push(AttentionEntry {
                    person_id: f.person,
                    person_name: f.person_name,
                    site_id: f.site,
                    level,
                    step_up,
                });
            }
        }
        out.sort_by(|a, b| {
            a.urgency()
                .cmp(&b.urgency())
                .then_with(|| a.person_name.cmp(&b.person_name))
        });
        let entries = sites
            .iter()
            .map(|site| {
                let shown = out.iter().filter(|e| e.site_id == *site).count();
                AuditEntry::new("engagement.attention")
                    .site(*site)
                    .detail(format!("{shown} people listed"))
            })
            .collect();
        tx.finish_all(self, self.now_ms(), &Actor::User(caller), entries)
            .await?;
        Ok(out)
    }
}

/// How long ago `days` was, for the attention list.
pub fn days_ago(days: Option<i64>) -> String {
    match days {
        None => "Never".to_string(),
        Some(0) => "Today".to_string(),
        Some(1) => "1 day".to_string(),
        Some(d) => format!("{d} days"),
    }
}
