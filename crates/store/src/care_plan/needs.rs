//! Needs on an episode: each in one domain of the catalogue, with a status
//! and who is responsible. The need row holds where it stands now (with a
//! version, so two people changing it at once cannot overwrite each other);
//! `need_update` holds every change with who, when and a note, and is
//! append-only.

use super::{audit, audit_entry, episode_in, must_be_open, must_write, parent_of, Child};
use crate::audit::Actor;
use crate::sql::parse;
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::id::NeedId;
use reconnect_domain::need::{NeedArea, NeedDomain, NeedStatus, ResponsibleParty};
use reconnect_domain::{Caller, EpisodeId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// A new need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNeed {
    pub area: NeedArea,
    pub status: NeedStatus,
    pub party: ResponsibleParty,
    pub note: Option<String>,
}

/// A change to a need: its status and party after the change, and a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedChange {
    pub status: NeedStatus,
    pub party: ResponsibleParty,
    pub note: Option<String>,
}

/// One line of a need's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedUpdate {
    pub seq: i64,
    pub at: OffsetDateTime,
    pub by_name: String,
    pub status: NeedStatus,
    pub party: ResponsibleParty,
    pub note: Option<String>,
}

/// A need as it stands, with its history (oldest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedRecord {
    pub id: NeedId,
    pub episode_id: EpisodeId,
    pub area: NeedArea,
    pub status: NeedStatus,
    pub party: ResponsibleParty,
    pub version: i64,
    pub updates: Vec<NeedUpdate>,
}

/// id, episode, domain, other, status, party, version.
type NeedRow = (String, String, String, Option<String>, String, String, i64);
/// seq, need, at, by_name, status, party, note.
type UpdateRow = (i64, String, i64, String, String, String, Option<String>);

fn into_need(row: NeedRow) -> Result<NeedRecord> {
    let (id, episode, domain, other, status, party, version) = row;
    Ok(NeedRecord {
        id: parse(&id, "need id")?,
        episode_id: parse(&episode, "episode id")?,
        area: NeedArea {
            domain: NeedDomain::parse(&domain)
                .map_err(|_| StoreError::Corrupt(format!("need domain {domain:?}")))?,
            other,
        },
        status: NeedStatus::parse(&status)
            .map_err(|_| StoreError::Corrupt(format!("need status {status:?}")))?,
        party: ResponsibleParty::parse(&party)
            .map_err(|_| StoreError::Corrupt(format!("party {party:?}")))?,
        version,
        updates: Vec::new(),
    })
}

fn into_update(row: UpdateRow) -> Result<(String, NeedUpdate)> {
    let (seq, need, at, by_name, status, party, note) = row;
    Ok((
        need,
        NeedUpdate {
            seq,
            at: from_millis(at),
            by_name,
            status: NeedStatus::parse(&status)
                .map_err(|_| StoreError::Corrupt(format!("need status {status:?}")))?,
            party: ResponsibleParty::parse(&party)
                .map_err(|_| StoreError::Corrupt(format!("party {party:?}")))?,
            note,
        },
    ))
}

const NEED_COLUMNS: &str =
    "n.id, n.episode_id, n.domain_code, n.other_text, n.status, n.responsible_party, n.version";
const UPDATE_COLUMNS: &str =
    "u.seq, u.need_id, u.at, a.display_name, u.status, u.responsible_party, u.note";

/// Needs of an episode in catalogue order, each with its history.
async fn load_needs(conn: &mut AnyConnection, episode: EpisodeId) -> Result<Vec<NeedRecord>> {
    let rows: Vec<NeedRow> = sqlx::query_as(&format!(
        "SELECT {NEED_COLUMNS} FROM episode_need n JOIN need_domain d ON d.code = n.domain_code \
         WHERE n.episode_id = $1 ORDER BY d.sort_order, n.created_at, n.id"
    ))
    .bind(episode.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut needs = rows
        .into_iter()
        .map(into_need)
        .collect::<Result<Vec<_>>>()?;
    let updates: Vec<UpdateRow> = sqlx::query_as(&format!(
        "SELECT {UPDATE_COLUMNS} FROM need_update u JOIN episode_need n ON n.id = u.need_id \
         JOIN app_user a ON a.id = u.by_user WHERE n.episode_id = $1 ORDER BY u.seq"
    ))
    .bind(episode.to_string())
    .fetch_all(&mut *conn)
    .await?;
    for row in updates {
        let (need, update) = into_update(row)?;
        if let Some(n) = needs.iter_mut().find(|n| n.id.to_string() == need) {
            n.updates.push(update);
        }
    }
    Ok(needs)
}

async fn append_update(
    conn: &mut AnyConnection,
    need: NeedId,
    at: i64,
    caller: &Caller,
    status: NeedStatus,
    party: ResponsibleParty,
    note: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO need_update (need_id, at, by_user, status, responsible_party, note) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(need.to_string())
    .bind(at)
    .bind(caller.user_id().to_string())
    .bind(status.code())
    .bind(party.code())
    .bind(note.map(str::to_string))
    .execute(conn)
    .await?;
    Ok(())
}

/// A second open need in one domain (two people adding it at once, or an
/// old need reopened while a newer one is open) is a conflict for people.
fn open_need_clash(e: sqlx::Error, domain: NeedDomain) -> StoreError {
    if StoreError::is_unique_violation(&e) {
        StoreError::Conflict(format!(
            "They already have an open need for {}. Update that need instead",
            domain.label().to_lowercase()
        ))
    } else {
        e.into()
    }
}

impl Store {
    /// An episode's needs with their histories; the read is audited.
    pub async fn needs(&self, caller: &Caller, episode: EpisodeId) -> Result<Vec<NeedRecord>> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let parent = episode_in(&mut tx, episode, caller.scope.case_sites()).await?;
        let needs = load_needs(&mut tx, episode).await?;
        let audit = audit_entry(
            &parent,
            "needs.view",
            ("episode", episode.to_string()),
            Some(format!("{} needs", needs.len())),
        );
        tx.finish(self, now, &Actor::User(caller), audit).await?;
        Ok(needs)
    }

    /// One need with its history; the read is audited.
    pub async fn need(&self, caller: &Caller, id: NeedId) -> Result<NeedRecord> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let parent = parent_of(
            &mut tx,
            Child::Need,
            &id.to_string(),
            caller.scope.case_sites(),
        )
        .await?;
        let need = load_needs(&mut tx, parent.episode)
            .await?
            .into_iter()
            .find(|n| n.id == id)
            .ok_or(StoreError::NotFound)?;
        let audit = audit_entry(&parent, "need.view", ("episode_need", id.to_string()), None);
        tx.finish(self, now, &Actor::User(caller), audit).await?;
        Ok(need)
    }

    /// Adds a need to an open episode. A second open need in the same domain
    /// (a form sent twice, say) is refused: update the one there is.
    pub async fn add_need(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        new: &NewNeed,
    ) -> Result<NeedId> {
        must_write(caller)?;
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let parent = episode_in(&mut tx, episode, caller.scope.case_write_sites()).await?;
        must_be_open(&parent)?;
        let existing = load_needs(&mut tx, episode).await?;
        if let Some(same) = existing.iter().find(|n| {
            n.status.is_open()
                && n.area.domain == new.area.domain
                && (new.area.domain != NeedDomain::Other
                    || n.area.other.as_deref().map(str::to_lowercase)
                        == new.area.other.as_deref().map(str::to_lowercase))
        }) {
            return Err(StoreError::Conflict(format!(
                "They already have an open need for {}. Update that need instead",
                same.area.label().to_lowercase()
            )));
        }
        let id = NeedId::new();
        sqlx::query(
            "INSERT INTO episode_need (id, episode_id, domain_code, other_text, status, \
             responsible_party, version, created_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $7)",
        )
        .bind(id.to_string())
        .bind(episode.to_string())
        .bind(new.area.domain.code())
        .bind(new.area.other.clone())
        .bind(new.status.code())
        .bind(new.party.code())
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *tx)
        .await
        .map_err(|e| open_need_clash(e, new.area.domain))?;
        append_update(
            &mut tx,
            id,
            now,
            caller,
            new.status,
            new.party,
            new.note.as_deref(),
        )
        .await?;
        audit(
            &mut tx,
            now,
            caller,
            &parent,
            "need.add",
            ("episode_need", id.to_string()),
            Some(new.area.domain.code().to_string()),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a need's status or party, or adds a note. `version` is the
    /// version the caller last saw; if it changed since, nothing happens and
    /// [`StoreError::Stale`] says so.
    pub async fn update_need(
        &self,
        caller: &Caller,
        id: NeedId,
        version: i64,
        change: &NeedChange,
    ) -> Result<()> {
        must_write(caller)?;
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let parent = parent_of(
            &mut tx,
            Child::Need,
            &id.to_string(),
            caller.scope.case_write_sites(),
        )
        .await?;
        must_be_open(&parent)?;
        let code: String = sqlx::query_scalar("SELECT domain_code FROM episode_need WHERE id = $1")
            .bind(id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let domain = NeedDomain::parse(&code)
            .map_err(|_| StoreError::Corrupt(format!("need domain {code:?}")))?;
        let r = sqlx::query(
            "UPDATE episode_need SET status = $1, responsible_party = $2, version = version + 1, \
             updated_at = $3 WHERE id = $4 AND version = $5",
        )
        .bind(change.status.code())
        .bind(change.party.code())
        .bind(now)
        .bind(id.to_string())
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(|e| open_need_clash(e, domain))?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Stale);
        }
        append_update(
            &mut tx,
            id,
            now,
            caller,
            change.status,
            change.party,
            change.note.as_deref(),
        )
        .await?;
        audit(
            &mut tx,
            now,
            caller,
            &parent,
            "need.update",
            ("episode_need", id.to_string()),
            Some(format!("{}, {}", change.status.code(), change.party.code())),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
