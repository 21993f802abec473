//! The reconnect store: the only code that talks to the database.
//!
//! One [`Store`] serves both engines. SQLite (the embedded default) and
//! PostgreSQL (for several instances) each have their own migrations and
//! connection settings in [`engine`]; the queries are written once in the
//! portable subset both understand (`$n` parameters, `ON CONFLICT`,
//! `RETURNING`, BIGINT milliseconds for instants).
//!
//! Rules that hold for every module here:
//! - Every function that returns or changes personal data takes the caller's
//!   [`Caller`](reconnect_domain::Caller) and filters by its scope in SQL: a
//!   caller with no case sites gets nothing, and a record outside the scope is
//!   reported as [`StoreError::NotFound`], exactly like a record that does not exist.
//! - Every write of personal data appends an [`audit`] event inside the same
//!   transaction as the change; every read of a person's record commits its
//!   audit event before the data leaves the store (`audited_read`).

pub mod allocation;
pub mod appointment_calendar;
pub mod appointments;
pub mod audit;
mod audited_read;
pub mod bulk;
pub mod care_plan;
pub mod case_notes;
pub mod caseloads;
pub mod concerns;
pub mod consents;
pub mod contact_preferences;
pub mod contacts;
pub mod engagement;
pub mod engagement_jobs;
pub mod engagement_rules;
pub mod engine;
pub mod episode_activity;
mod episode_scope;
pub mod episodes;
mod error;
pub mod jobs;
pub mod message_views;
pub mod onward_referrals;
pub mod outbox;
pub mod people;
pub mod person_details;
pub mod referrals;
pub mod reminders;
pub mod sessions;
pub mod sites;
mod sql;
pub mod stats;
mod step_up_notices;
pub mod step_ups;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod throttle;
pub mod timeline;
pub mod tokens;
pub mod users;
mod write_gate;
// Services directory staff pages (issue 5).
pub mod directory_person;
pub mod directory_search;
pub mod service_curation;
pub mod service_detail;
// The Open Referral UK directory feed (issue 5).
pub mod directory;
// Engagement signals of many episodes at once (perf).
mod engagement_signals;

pub use audit::{Actor, AuditEntry, AuditFilter, AuditRecord};
pub use engine::Engine;
pub use error::StoreError;

use reconnect_domain::clock::{to_millis, Clock};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};
use std::sync::Arc;
use time::OffsetDateTime;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A handle on the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    engine: Engine,
    clock: Arc<dyn Clock>,
    write_gate: write_gate::WriteGate,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("engine", &self.engine)
            .finish()
    }
}

impl Store {
    /// Connects to `url` (`sqlite://...` or `postgres://...`). A SQLite file
    /// and its folder are created when missing.
    pub async fn connect(url: &str, clock: Arc<dyn Clock>) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let engine = Engine::from_url(url)?;
        let url = engine.prepare(url)?;
        let pragmas = engine.connection_pragmas();
        let pool = AnyPoolOptions::new()
            .max_connections(engine.max_connections())
            .acquire_timeout(std::time::Duration::from_secs(10))
            // A request cancelled at the wrong moment (its client went away,
            // or it ran past the request timeout) can leave its connection in
            // an open transaction that nothing will end: sqlx started it, but
            // the handle that would commit or roll it back was never made. On
            // SQLite that transaction can hold the write lock, or an old
            // snapshot, for good. Such a connection is closed (which rolls
            // the transaction back) instead of being handed out again.
            .before_acquire(|conn, _meta| {
                Box::pin(async move {
                    let open = sqlx::Connection::is_in_transaction(conn);
                    if open {
                        tracing::warn!("closed a pooled connection left inside a transaction");
                    }
                    Ok(!open)
                })
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    for pragma in pragmas {
                        conn.execute(*pragma).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        Ok(Self {
            pool,
            engine,
            clock,
            write_gate: write_gate::WriteGate::default(),
        })
    }

    /// Applies any migrations this binary carries that the database lacks.
    pub async fn migrate(&self) -> Result<()> {
        self.engine.migrator().run(&self.pool).await?;
        Ok(())
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Is the database answering?
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    fn now_ms(&self) -> i64 {
        to_millis(self.clock.now())
    }

    pub fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Closes every connection (used at shutdown and by tests).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Is the database empty of sites (so demo data may be seeded)?
    pub async fn is_empty(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM site")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }
}
