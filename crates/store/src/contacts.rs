//! Contacts with the person, child records of an episode. Every action
//! checks the parent episode is at one of the caller's sites, and is audited
//! (a write in its own transaction, a read before it is returned). Contacts are append-only (the table refuses
//! UPDATE and DELETE): a correction is a new contact that supersedes the old
//! one, with a reason, and each contact is superseded at most once.
//!
//! The id of a new contact comes with the request (the form carries one), so
//! sending the same form twice saves it once.

use crate::audit::{append, Actor, AuditEntry};
use crate::episode_scope::{already_saved, is_yes, parent, yes_no};
use crate::sql::parse;
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::{from_millis, to_millis};
use reconnect_domain::contact::{ContactDetails, ContactKind};
use reconnect_domain::episode::Reason;
use reconnect_domain::id::ContactId;
use reconnect_domain::{Caller, EpisodeId, UserId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// A contact as stored, with who recorded it and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contact {
    pub id: ContactId,
    pub episode_id: EpisodeId,
    pub details: ContactDetails,
    /// The contact this one corrects, and why.
    pub supersedes: Option<ContactId>,
    pub correction_reason: Option<String>,
    /// The correction that replaced this one, if any.
    pub superseded_by: Option<ContactId>,
    pub by: UserId,
    pub by_name: String,
    pub created_at: OffsetDateTime,
}

impl Contact {
    /// Not corrected since?
    pub fn is_current(&self) -> bool {
        self.superseded_by.is_none()
    }
}

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: String,
    episode_id: String,
    kind: String,
    at: i64,
    two_way: String,
    summary: String,
    supersedes: Option<String>,
    correction_reason: Option<String>,
    superseded_by: Option<String>,
    created_by: String,
    by_name: String,
    created_at: i64,
}

impl ContactRow {
    fn into_contact(self) -> Result<Contact> {
        Ok(Contact {
            id: parse(&self.id, "contact id")?,
            episode_id: parse(&self.episode_id, "episode id")?,
            details: ContactDetails {
                kind: ContactKind::parse(&self.kind)
                    .map_err(|_| StoreError::Corrupt("contact kind".into()))?,
                at: from_millis(self.at),
                two_way: is_yes(&self.two_way)?,
                summary: self.summary,
            },
            supersedes: self
                .supersedes
                .as_deref()
                .map(|s| parse(s, "contact id"))
                .transpose()?,
            correction_reason: self.correction_reason,
            superseded_by: self
                .superseded_by
                .as_deref()
                .map(|s| parse(s, "contact id"))
                .transpose()?,
            by: parse(&self.created_by, "user id")?,
            by_name: self.by_name,
            created_at: from_millis(self.created_at),
        })
    }
}

const CONTACT_SELECT: &str = "SELECT c.id, c.episode_id, c.kind, c.at, c.two_way, c.summary, \
    c.supersedes, c.correction_reason, n.id AS superseded_by, c.created_by, \
    u.display_name AS by_name, c.created_at \
    FROM contact c JOIN app_user u ON u.id = c.created_by \
    LEFT JOIN contact n ON n.supersedes = c.id";

async fn insert(
    conn: &mut AnyConnection,
    id: ContactId,
    episode: EpisodeId,
    details: &ContactDetails,
    supersedes: Option<(ContactId, &Reason)>,
    caller: &Caller,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO contact (id, episode_id, kind, at, two_way, summary, supersedes, \
         correction_reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.to_string())
    .bind(episode.to_string())
    .bind(details.kind.code())
    .bind(to_millis(details.at))
    .bind(yes_no(details.two_way))
    .bind(details.summary.clone())
    .bind(supersedes.map(|(c, _)| c.to_string()))
    .bind(supersedes.map(|(_, r)| r.as_str().to_string()))
    .bind(caller.user_id().to_string())
    .bind(now)
    .execute(conn)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Stale
        } else {
            e.into()
        }
    })?;
    Ok(())
}

impl Store {
    /// Records a contact on an episode at one of the caller's sites. Sending
    /// the same `id` again does nothing.
    pub async fn log_contact(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        id: ContactId,
        details: &ContactDetails,
    ) -> Result<()> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let p = parent(&mut tx, episode, caller.scope.case_write_sites()).await?;
        if already_saved(&mut tx, "contact", &id.to_string(), episode, caller).await? {
            return Ok(());
        }
        insert(&mut tx, id, episode, details, None, caller, now).await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("contact.create")
                .record("contact", id)
                .site(p.site)
                .person(p.person)
                .detail(format!(
                    "{}, {}",
                    details.kind.code(),
                    if details.two_way {
                        "two-way"
                    } else {
                        "one-way"
                    }
                )),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Corrects a contact: a new contact `id` supersedes `contact`, with why.
    /// A contact that has been corrected already is [`StoreError::Stale`]
    /// (correct the latest version); sending the same `id` again does nothing.
    pub async fn correct_contact(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        contact: ContactId,
        id: ContactId,
        details: &ContactDetails,
        why: &Reason,
    ) -> Result<()> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let p = parent(&mut tx, episode, caller.scope.case_write_sites()).await?;
        let old = load_one(&mut tx, episode, contact).await?;
        if already_saved(&mut tx, "contact", &id.to_string(), episode, caller).await? {
            return Ok(());
        }
        if !old.is_current() {
            return Err(StoreError::Stale);
        }
        insert(
            &mut tx,
            id,
            episode,
            details,
            Some((contact, why)),
            caller,
            now,
        )
        .await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("contact.correct")
                .record("contact", id)
                .site(p.site)
                .person(p.person)
                .detail(format!("corrects {contact}")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An episode's contacts, most recent first, corrected ones included
    /// (each says what replaced it). The read is audited.
    pub async fn contacts(&self, caller: &Caller, episode: EpisodeId) -> Result<Vec<Contact>> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let p = parent(&mut tx, episode, caller.scope.case_sites()).await?;
        let contacts = load_list(&mut tx, episode).await?;
        tx.finish(
            self,
            now,
            &Actor::User(caller),
            AuditEntry::new("contact.list")
                .record("episode", episode)
                .site(p.site)
                .person(p.person)
                .detail(format!("{} contacts", contacts.len())),
        )
        .await?;
        Ok(contacts)
    }

    /// One contact of an episode (for its correction form); the read is audited.
    pub async fn contact(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        contact: ContactId,
    ) -> Result<Contact> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let p = parent(&mut tx, episode, caller.scope.case_sites()).await?;
        let c = load_one(&mut tx, episode, contact).await?;
        tx.finish(
            self,
            now,
            &Actor::User(caller),
            AuditEntry::new("contact.view")
                .record("contact", contact)
                .site(p.site)
                .person(p.person),
        )
        .await?;
        Ok(c)
    }
}

/// An episode's contacts, most recent first, for a caller already checked
/// against the episode's scope.
pub(crate) async fn load_list(
    conn: &mut AnyConnection,
    episode: EpisodeId,
) -> Result<Vec<Contact>> {
    let rows: Vec<ContactRow> = sqlx::query_as(&format!(
        "{CONTACT_SELECT} WHERE c.episode_id = $1 ORDER BY c.at DESC, c.created_at DESC, c.id DESC"
    ))
    .bind(episode.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(ContactRow::into_contact).collect()
}

async fn load_one(conn: &mut AnyConnection, episode: EpisodeId, id: ContactId) -> Result<Contact> {
    let row: Option<ContactRow> = sqlx::query_as(&format!(
        "{CONTACT_SELECT} WHERE c.id = $1 AND c.episode_id = $2"
    ))
    .bind(id.to_string())
    .bind(episode.to_string())
    .fetch_optional(conn)
    .await?;
    row.ok_or(StoreError::NotFound)?.into_contact()
}
