//! Worker concerns about an episode: raised with a note, cleared with a
//! note. Both are rows of the append-only `concern` table (a clearing row
//! points at the concern it clears, once), so nothing is ever lost. An open
//! concern is one of the signals of the engagement level. Scoped to the
//! caller's case sites and audited like every child record of an episode.

use crate::audit::{append, Actor, AuditEntry};
use crate::sql::parse;
use crate::{Result, Store, StoreError};
use reconnect_domain::id::ConcernId;
use reconnect_domain::{Caller, EpisodeId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// A concern a worker raised, and whether it has been cleared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Concern {
    pub id: ConcernId,
    pub note: String,
    pub by_name: String,
    pub at: OffsetDateTime,
    /// The clearing note, who and when.
    pub cleared: Option<(String, String, OffsetDateTime)>,
}

/// id, note, by, at, and the clearing note, by and at.
type ConcernRow = (
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
);

pub(crate) async fn load_concerns(
    conn: &mut AnyConnection,
    episode: EpisodeId,
) -> Result<Vec<Concern>> {
    let rows: Vec<ConcernRow> = sqlx::query_as(
        "SELECT c.id, c.note, u.display_name, c.created_at, x.note, xu.display_name, x.created_at \
             FROM concern c JOIN app_user u ON u.id = c.created_by \
             LEFT JOIN concern x ON x.clears = c.id LEFT JOIN app_user xu ON xu.id = x.created_by \
             WHERE c.episode_id = $1 AND c.clears IS NULL ORDER BY c.created_at DESC, c.id",
    )
    .bind(episode.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, note, by, at, xnote, xby, xat)| {
            Ok(Concern {
                id: parse(&id, "concern id")?,
                note,
                by_name: by,
                at: reconnect_domain::clock::from_millis(at),
                cleared: match (xnote, xby, xat) {
                    (Some(n), Some(b), Some(a)) => {
                        Some((n, b, reconnect_domain::clock::from_millis(a)))
                    }
                    _ => None,
                },
            })
        })
        .collect()
}

impl Store {
    /// Raises a worker's concern about an episode, with a note.
    pub async fn raise_concern(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        note: &str,
    ) -> Result<ConcernId> {
        self.write_concern(caller, episode, None, note).await
    }

    /// Clears a concern, with a note saying why. A concern is cleared once.
    pub async fn clear_concern(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        concern: ConcernId,
        note: &str,
    ) -> Result<ConcernId> {
        self.write_concern(caller, episode, Some(concern), note)
            .await
    }

    async fn write_concern(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        clears: Option<ConcernId>,
        note: &str,
    ) -> Result<ConcernId> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let p =
            crate::episode_scope::parent(&mut tx, episode, caller.scope.case_write_sites()).await?;
        // The note is checked after the scope, so nothing is said about episodes elsewhere.
        let note = reconnect_domain::step_up::concern_note(note)
            .map_err(|m| StoreError::invalid("note", &m))?;
        if let Some(c) = clears {
            let row: Option<(Option<String>,)> = sqlx::query_as(
                "SELECT c.clears FROM concern c WHERE c.id = $1 AND c.episode_id = $2",
            )
            .bind(c.to_string())
            .bind(episode.to_string())
            .fetch_optional(&mut *tx)
            .await?;
            match row {
                None | Some((Some(_),)) => return Err(StoreError::NotFound),
                Some((None,)) => {}
            }
        }
        let id = ConcernId::new();
        sqlx::query(
            "INSERT INTO concern (id, episode_id, clears, note, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.to_string())
        .bind(episode.to_string())
        .bind(clears.map(|c| c.to_string()))
        .bind(note.to_string())
        .bind(caller.user_id().to_string())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if StoreError::is_unique_violation(&e) {
                StoreError::Refused("This concern has already been cleared".into())
            } else {
                e.into()
            }
        })?;
        let (action, detail) = match clears {
            Some(c) => ("concern.clear", format!("clears {c}")),
            None => ("concern.raise", "concern raised".to_string()),
        };
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new(action)
                .record("concern", id)
                .site(p.site)
                .person(p.person)
                .detail(detail),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
