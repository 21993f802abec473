//! The store's one error type. `NotFound` deliberately covers "exists but not
//! yours": callers cannot tell the two apart.

use reconnect_domain::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record within the caller's scope.
    #[error("not found")]
    NotFound,
    /// The caller's role may never do this, whatever the record.
    #[error("forbidden")]
    Forbidden,
    /// The change clashes with existing data (the message is for people).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The journey's rules refuse this action; the message says why.
    #[error("refused: {0}")]
    Refused(String),
    /// Someone else changed the record since it was read.
    #[error("stale: the record was changed by someone else")]
    Stale,
    /// The input broke a rule only the store can check (e.g. a prison outside your sites).
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The database URL or engine settings are wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// Stored data that does not parse (should never happen).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The database could not take the request in time (SQLite's write
    /// lock was held past the busy timeout, PostgreSQL gave up waiting on a
    /// lock, or every pooled connection stayed in use). Nothing was changed;
    /// the same request may succeed a moment later.
    #[error("the database is busy")]
    Busy,
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_busy(&e) {
            StoreError::Busy
        } else {
            StoreError::Database(e)
        }
    }
}

/// Did the database give up waiting rather than fail? SQLite reports
/// SQLITE_BUSY (5) or SQLITE_LOCKED (6), possibly in an extended code whose
/// low byte is one of those; PostgreSQL a serialization failure, a deadlock,
/// a lock it could not take or a statement timeout.
fn is_busy(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(d) => match d.code() {
            Some(code) => match code.parse::<i64>() {
                Ok(n) => matches!(n & 0xff, 5 | 6),
                Err(_) => matches!(code.as_ref(), "40001" | "40P01" | "55P03" | "57014"),
            },
            None => false,
        },
        _ => false,
    }
}

impl StoreError {
    pub fn invalid(field: &str, message: &str) -> Self {
        StoreError::Invalid(vec![FieldError::new(field, message)])
    }

    /// Is this a unique-constraint violation from the database?
    pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
        matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::{Connection, Executor};

    /// A second writer that will not wait, while the first holds SQLite's
    /// write lock, gets "database is locked": that is `Busy`, not a failure.
    #[tokio::test]
    async fn a_locked_sqlite_database_is_busy() {
        sqlx::any::install_default_drivers();
        let dir = std::env::temp_dir().join(format!("reconnect-busy-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/busy.db?mode=rwc", dir.display());
        let mut first = sqlx::AnyConnection::connect(&url).await.unwrap();
        first.execute("PRAGMA journal_mode = WAL").await.unwrap();
        first.execute("CREATE TABLE t (x INTEGER)").await.unwrap();
        first.execute("BEGIN IMMEDIATE").await.unwrap();
        first.execute("INSERT INTO t VALUES (1)").await.unwrap();
        let mut second = sqlx::AnyConnection::connect(&url).await.unwrap();
        second.execute("PRAGMA busy_timeout = 0").await.unwrap();
        let refused = second.execute("BEGIN IMMEDIATE").await.unwrap_err();
        assert!(matches!(StoreError::from(refused), StoreError::Busy));
        let other = second
            .execute("SELECT * FROM no_such_table")
            .await
            .unwrap_err();
        assert!(matches!(StoreError::from(other), StoreError::Database(_)));
        first.execute("ROLLBACK").await.unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_exhausted_pool_is_busy() {
        assert!(matches!(
            StoreError::from(sqlx::Error::PoolTimedOut),
            StoreError::Busy
        ));
        assert!(matches!(
            StoreError::from(sqlx::Error::RowNotFound),
            StoreError::Database(_)
        ));
    }
}
