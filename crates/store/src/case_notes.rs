//! Case notes, child records of an episode: append-only (the table refuses
//! UPDATE and DELETE), corrected by a new note that supersedes the old one
//! with a reason. Every action checks the parent episode's site and is
//! audited (a write in its own transaction, a read before it is returned).
//!
//! Sensitive notes: the store decides who reads their content, by the rule in
//! [`reconnect_domain::case_note::may_read_sensitive`] (the allocated worker,
//! the site's managers and the author). Anyone else who may see the record
//! gets the note as [`NoteContent::Withheld`]: that a sensitive note exists,
//! who wrote it and when, without its text or its correction reason. The
//! audit trail never holds a note's text.

use crate::audit::{append, Actor, AuditEntry};
use crate::episode_scope::{already_saved, is_allocated_worker, is_yes, parent, yes_no};
use crate::sql::parse;
use crate::{Result, Store, StoreError};
use reconnect_domain::case_note::{may_correct, may_read_sensitive};
use reconnect_domain::clock::from_millis;
use reconnect_domain::episode::Reason;
use reconnect_domain::id::CaseNoteId;
use reconnect_domain::{Caller, EpisodeId, UserId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// What of a note the caller may read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoteContent {
    Visible {
        body: String,
        /// Why it corrects an earlier note, if it does.
        correction_reason: Option<String>,
    },
    /// A sensitive note the caller may not read.
    Withheld,
}

/// A case note as the caller may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseNote {
    pub id: CaseNoteId,
    pub episode_id: EpisodeId,
    pub sensitive: bool,
    pub content: NoteContent,
    pub supersedes: Option<CaseNoteId>,
    pub superseded_by: Option<CaseNoteId>,
    pub by: UserId,
    pub by_name: String,
    pub created_at: OffsetDateTime,
    /// May the caller correct it (the current version, content readable,
    /// written by them or they manage the site)?
    pub may_correct: bool,
}

impl CaseNote {
    pub fn is_current(&self) -> bool {
        self.superseded_by.is_none()
    }
}

/// A new note or a correction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteInput {
    pub body: String,
    pub sensitive: bool,
}

#[derive(sqlx::FromRow)]
struct NoteRow {
    id: String,
    episode_id: String,
    body: String,
    sensitive: String,
    supersedes: Option<String>,
    correction_reason: Option<String>,
    superseded_by: Option<String>,
    created_by: String,
    by_name: String,
    created_at: i64,
}

const NOTE_SELECT: &str = "SELECT c.id, c.episode_id, c.body, c.sensitive, c.supersedes, \
    c.correction_reason, n.id AS superseded_by, c.created_by, u.display_name AS by_name, c.created_at \
    FROM case_note c JOIN app_user u ON u.id = c.created_by \
    LEFT JOIN case_note n ON n.supersedes = c.id";

impl NoteRow {
    /// The note as `caller` may see it; `allocated` says whether they are
    /// the episode's allocated worker.
    fn into_note(self, caller: &Caller, allocated: bool) -> Result<CaseNote> {
        let by: UserId = parse(&self.created_by, "user id")?;
        let sensitive = is_yes(&self.sensitive)?;
        let author = by == caller.user_id();
        let readable = !sensitive || may_read_sensitive(caller.role(), allocated, author);
        let superseded_by: Option<CaseNoteId> = self
            .superseded_by
            .as_deref()
            .map(|s| parse(s, "note id"))
            .transpose()?;
        Ok(CaseNote {
            id: parse(&self.id, "note id")?,
            episode_id: parse(&self.episode_id, "episode id")?,
            sensitive,
            content: if readable {
                NoteContent::Visible {
                    body: self.body,
                    correction_reason: self.correction_reason,
                }
            } else {
                NoteContent::Withheld
            },
            supersedes: self
                .supersedes
                .as_deref()
                .map(|s| parse(s, "note id"))
                .transpose()?,
            may_correct: superseded_by.is_none() && may_correct(caller.role(), author, readable),
            superseded_by,
            by,
            by_name: self.by_name,
            created_at: from_millis(self.created_at),
        })
    }
}

async fn insert(
    conn: &mut AnyConnection,
    id: CaseNoteId,
    episode: EpisodeId,
    note: &NoteInput,
    supersedes: Option<(CaseNoteId, &Reason)>,
    caller: &Caller,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO case_note (id, episode_id, body, sensitive, supersedes, correction_reason, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id.to_string())
    .bind(episode.to_string())
    .bind(note.body.clone())
    .bind(yes_no(note.sensitive))
    .bind(supersedes.map(|(n, _)| n.to_string()))
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

/// An episode's notes, newest first, as `caller` may see them (sensitive
/// ones withheld unless they may read them), for a caller already checked
/// against the episode's scope.
pub(crate) async fn load_list(
    conn: &mut AnyConnection,
    caller: &Caller,
    episode: EpisodeId,
) -> Result<Vec<CaseNote>> {
    let allocated = is_allocated_worker(conn, episode, caller.user_id()).await?;
    let rows: Vec<NoteRow> = sqlx::query_as(&format!(
        "{NOTE_SELECT} WHERE c.episode_id = $1 ORDER BY c.created_at DESC, c.id DESC"
    ))
    .bind(episode.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| r.into_note(caller, allocated))
        .collect()
}

/// How many of `notes` the caller was not shown.
pub(crate) fn withheld(notes: &[CaseNote]) -> usize {
    notes
        .iter()
        .filter(|n| n.content == NoteContent::Withheld)
        .count()
}

async fn load_one(
    conn: &mut AnyConnection,
    caller: &Caller,
    episode: EpisodeId,
    id: CaseNoteId,
) -> Result<CaseNote> {
    let row: Option<NoteRow> = sqlx::query_as(&format!(
        "{NOTE_SELECT} WHERE c.id = $1 AND c.episode_id = $2"
    ))
    .bind(id.to_string())
    .bind(episode.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let row = row.ok_or(StoreError::NotFound)?;
    let allocated = is_allocated_worker(conn, episode, caller.user_id()).await?;
    row.into_note(caller, allocated)
}

impl Store {
    /// Adds a note to an episode at one of the caller's sites. Sending the
    /// same `id` again does nothing.
    pub async fn add_case_note(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        id: CaseNoteId,
        note: &NoteInput,
    ) -> Result<()> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let p = parent(&mut tx, episode, caller.scope.case_write_sites()).await?;
        if already_saved(&mut tx, "case_note", &id.to_string(), episode, caller).await? {
            return Ok(());
        }
        insert(&mut tx, id, episode, note, None, caller, now).await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("case_note.create")
                .record("case_note", id)
                .site(p.site)
                .person(p.person)
                .detail(if note.sensitive {
                    "sensitive"
                } else {
                    "not sensitive"
                }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Corrects a note: a new note `id` supersedes `note`, with why. Only the
    /// author or a site manager who may read it may correct it
    /// ([`StoreError::Forbidden`] otherwise); a note corrected already is
    /// [`StoreError::Stale`]. Sending the same `id` again does nothing.
    pub async fn correct_case_note(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        note: CaseNoteId,
        id: CaseNoteId,
        input: &NoteInput,
        why: &Reason,
    ) -> Result<()> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let p = parent(&mut tx, episode, caller.scope.case_write_sites()).await?;
        let old = load_one(&mut tx, caller, episode, note).await?;
        if already_saved(&mut tx, "case_note", &id.to_string(), episode, caller).await? {
            return Ok(());
        }
        if !old.is_current() {
            return Err(StoreError::Stale);
        }
        if !old.may_correct {
            return Err(StoreError::Forbidden);
        }
        insert(&mut tx, id, episode, input, Some((note, why)), caller, now).await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("case_note.correct")
                .record("case_note", id)
                .site(p.site)
                .person(p.person)
                .detail(format!("corrects {note}")),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An episode's notes, newest first, corrected ones included, as the
    /// caller may see them. The read is audited.
    pub async fn case_notes(&self, caller: &Caller, episode: EpisodeId) -> Result<Vec<CaseNote>> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let p = parent(&mut tx, episode, caller.scope.case_sites()).await?;
        let notes = load_list(&mut tx, caller, episode).await?;
        let withheld = withheld(&notes);
        tx.finish(
            self,
            now,
            &Actor::User(caller),
            AuditEntry::new("case_note.list")
                .record("episode", episode)
                .site(p.site)
                .person(p.person)
                .detail(format!(
                    "{} notes, {withheld} withheld as sensitive",
                    notes.len()
                )),
        )
        .await?;
        Ok(notes)
    }

    /// One note as the caller may see it (for its correction form); audited.
    pub async fn case_note(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        note: CaseNoteId,
    ) -> Result<CaseNote> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let p = parent(&mut tx, episode, caller.scope.case_sites()).await?;
        let n = load_one(&mut tx, caller, episode, note).await?;
        tx.finish(
            self,
            now,
            &Actor::User(caller),
            AuditEntry::new("case_note.view")
                .record("case_note", note)
                .site(p.site)
                .person(p.person),
        )
        .await?;
        Ok(n)
    }
}
