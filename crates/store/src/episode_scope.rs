//! The check every child record of an episode (contacts, appointments, case
//! notes) makes on every action, read or write: the parent episode must
//! belong to a person at one of the caller's sites, else the record is "not
//! found". Also whether the caller is the episode's allocated worker (the
//! current row of `allocation`), which decides who reads sensitive notes.

use crate::sql::{param_list, parse};
use crate::{Result, StoreError};
use reconnect_domain::episode::EpisodeState;
use reconnect_domain::{Caller, EpisodeId, PersonId, SiteId, UserId};
use sqlx::AnyConnection;

/// The parent episode of a child record, as the audit trail needs it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Parent {
    pub site: SiteId,
    pub person: PersonId,
    pub state: EpisodeState,
}

/// The episode, when its person is at one of `sites`; else `NotFound`.
pub(crate) async fn parent(
    conn: &mut AnyConnection,
    episode: EpisodeId,
    sites: &[SiteId],
) -> Result<Parent> {
    if sites.is_empty() {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "SELECT p.site_id, e.person_id, e.state FROM episode e JOIN person p ON p.id = e.person_id \
         WHERE e.id = $1 AND p.site_id IN ({})",
        param_list(2, sites.len())
    );
    let mut q = sqlx::query_as::<_, (String, String, String)>(&sql).bind(episode.to_string());
    for s in sites {
        q = q.bind(s.to_string());
    }
    let (site, person, state) = q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)?;
    Ok(Parent {
        site: parse(&site, "site id")?,
        person: parse(&person, "person id")?,
        state: parse(&state, "episode state")?,
    })
}

/// Is `user` the episode's current allocated worker?
pub(crate) async fn is_allocated_worker(
    conn: &mut AnyConnection,
    episode: EpisodeId,
    user: UserId,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM allocation WHERE episode_id = $1 AND ended_at IS NULL AND worker_id = $2",
    )
    .bind(episode.to_string())
    .bind(user.to_string())
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// `yes` / `no`, the store's two-valued code (there are no booleans).
pub(crate) fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

pub(crate) fn is_yes(s: &str) -> Result<bool> {
    match s {
        "yes" => Ok(true),
        "no" => Ok(false),
        other => Err(StoreError::Corrupt(format!("yes/no {other:?}"))),
    }
}

/// Has this id been saved already? `Ok(true)` when it was saved by the same
/// caller on the same episode (a form sent twice), a conflict when the id
/// belongs to something else.
pub(crate) async fn already_saved(
    conn: &mut AnyConnection,
    table: &'static str,
    id: &str,
    episode: EpisodeId,
    caller: &Caller,
) -> Result<bool> {
    let sql = format!("SELECT episode_id, created_by FROM {table} WHERE id = $1");
    let row: Option<(String, String)> = sqlx::query_as(&sql)
        .bind(id.to_string())
        .fetch_optional(conn)
        .await?;
    match row {
        None => Ok(false),
        Some((ep, by)) if ep == episode.to_string() && by == caller.user_id().to_string() => {
            Ok(true)
        }
        Some(_) => Err(StoreError::Conflict(
            "This form has been used already. Open the page again to add another".into(),
        )),
    }
}
