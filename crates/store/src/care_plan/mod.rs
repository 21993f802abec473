//! The care plan of an episode: its needs (with their updates), repeat
//! assessments scoring each need domain, the plan (goals and actions), the
//! release-day plan, and the counts a caseload shows (overdue actions,
//! gaps in release-day plans).
//!
//! Everything here is a child record of an episode and inherits its scope on
//! every action, read or write: each query first finds the parent episode
//! through its person's site, limited to the caller's case sites (reads) or
//! case-writing sites (writes). A record anywhere else is
//! [`StoreError::NotFound`]. Every change is audited in its own transaction,
//! and every read of a person's plan before it is returned; histories are
//! append-only tables.

mod actions;
mod assessments;
mod caseload;
mod needs;
mod release_day;

pub use actions::{Goal, NewAction, Plan, PlanAction, PlanActionEvent};
pub use assessments::{Assessment, AssessmentScore, NewAssessment};
pub use needs::{NeedChange, NeedRecord, NeedUpdate, NewNeed};
pub use release_day::{NewReleasePlan, ReleasePlan};

use crate::audit::{append, Actor, AuditEntry};
use crate::sql::{param_list, parse};
use crate::{Result, StoreError};
use reconnect_domain::episode::EpisodeState;
use reconnect_domain::{Caller, EpisodeId, PersonId, SiteId};
use sqlx::AnyConnection;
use time::Date;

/// The episode a care-plan record belongs to, as far as scope and rules need.
#[derive(Clone, Debug)]
pub(crate) struct Parent {
    pub episode: EpisodeId,
    pub site: SiteId,
    pub person: PersonId,
    pub state: EpisodeState,
}

/// Which table a child record lives in, for finding its episode.
#[derive(Clone, Copy)]
pub(crate) enum Child {
    Need,
    Goal,
    Action,
}

impl Child {
    fn table(self) -> &'static str {
        match self {
            Child::Need => "episode_need",
            Child::Goal => "plan_goal",
            Child::Action => "plan_action",
        }
    }
}

type ParentRow = (String, String, String, String);

fn into_parent(row: ParentRow) -> Result<Parent> {
    let (episode, site, person, state) = row;
    Ok(Parent {
        episode: parse(&episode, "episode id")?,
        site: parse(&site, "site id")?,
        person: parse(&person, "person id")?,
        state: parse(&state, "episode state")?,
    })
}

const PARENT_COLUMNS: &str = "e.id, p.site_id, e.person_id, e.state";

/// The episode, when its person is at one of `sites`.
pub(crate) async fn episode_in(
    conn: &mut AnyConnection,
    episode: EpisodeId,
    sites: &[SiteId],
) -> Result<Parent> {
    if sites.is_empty() {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "SELECT {PARENT_COLUMNS} FROM episode e JOIN person p ON p.id = e.person_id \
         WHERE e.id = $1 AND p.site_id IN ({})",
        param_list(2, sites.len())
    );
    let mut q = sqlx::query_as::<_, ParentRow>(&sql).bind(episode.to_string());
    for s in sites {
        q = q.bind(s.to_string());
    }
    into_parent(q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)?)
}

/// The episode of a child record, when its person is at one of `sites`.
pub(crate) async fn parent_of(
    conn: &mut AnyConnection,
    child: Child,
    id: &str,
    sites: &[SiteId],
) -> Result<Parent> {
    if sites.is_empty() {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "SELECT {PARENT_COLUMNS} FROM {} c JOIN episode e ON e.id = c.episode_id \
         JOIN person p ON p.id = e.person_id WHERE c.id = $1 AND p.site_id IN ({})",
        child.table(),
        param_list(2, sites.len())
    );
    let mut q = sqlx::query_as::<_, ParentRow>(&sql).bind(id.to_string());
    for s in sites {
        q = q.bind(s.to_string());
    }
    into_parent(q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)?)
}

/// May the caller's role change case records at all?
pub(crate) fn must_write(caller: &Caller) -> Result<()> {
    if caller.role().writes_cases() {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}

/// An ended episode's plan is kept as it was.
pub(crate) fn must_be_open(parent: &Parent) -> Result<()> {
    if parent.state.is_terminal() {
        Err(StoreError::Refused(
            "This episode has ended, so its plan cannot change. To support them again, make a new referral from their record".into(),
        ))
    } else {
        Ok(())
    }
}

/// Appends the audit event for `action` on a record of `parent`.
pub(crate) async fn audit(
    conn: &mut AnyConnection,
    now: i64,
    caller: &Caller,
    parent: &Parent,
    action: &'static str,
    record: (&'static str, String),
    detail: Option<String>,
) -> Result<()> {
    let entry = audit_entry(parent, action, record, detail);
    append(conn, now, &Actor::User(caller), entry).await
}

/// The audit event for `action` on a record of `parent`.
pub(crate) fn audit_entry(
    parent: &Parent,
    action: &'static str,
    record: (&'static str, String),
    detail: Option<String>,
) -> AuditEntry {
    let mut entry = AuditEntry::new(action)
        .record(record.0, record.1)
        .site(parent.site)
        .person(parent.person);
    if let Some(d) = detail {
        entry = entry.detail(d);
    }
    entry
}

pub(crate) fn date(s: &str) -> Result<Date> {
    Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| StoreError::Corrupt(format!("date {s:?}")))
}

/// The ids as text, for binding.
pub(crate) fn id_texts(ids: &[EpisodeId]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(ToString::to_string).collect();
    v.sort_unstable();
    v.dedup();
    v
}
