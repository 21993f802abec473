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
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
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
