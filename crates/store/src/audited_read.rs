//! Audited reads: a read of personal data whose audit rows are committed
//! before its result leaves the store.
//!
//! On PostgreSQL the read and its audit rows share one transaction, as every
//! write and its audit row do.
//!
//! On SQLite a transaction that reads and then writes has to take the
//! database's single write lock when it starts (`BEGIN IMMEDIATE`): taking it
//! part-way fails at once whenever another connection wrote in between. Every
//! page view of a record would then hold the write lock for the whole of its
//! reads, so views queue behind each other and behind every write, and one
//! slow read stalls the service. Here instead the reads run in a deferred
//! transaction (one consistent snapshot, no lock), and the audit rows are then
//! committed in a short write transaction of their own.
//!
//! Either way the guarantee is the one that matters: the caller gets the data
//! only once its audit rows are committed. If writing them fails, the data is
//! dropped and the caller gets the error. A read that fails part-way (not
//! found, out of scope) writes no audit row, as before.

use crate::audit::{append, Actor, AuditEntry};
use crate::{Engine, Result, Store};
use sqlx::{Any, AnyConnection, Transaction};
use std::ops::{Deref, DerefMut};

/// An open read whose audit rows are written by [`AuditedRead::finish`].
/// Dropping it without finishing rolls the read back and writes nothing.
pub(crate) struct AuditedRead {
    tx: Transaction<'static, Any>,
    engine: Engine,
}

impl Store {
    /// Begins a read of personal data that will be audited (see the module
    /// documentation for how each engine does it).
    pub(crate) async fn begin_audited_read(&self) -> Result<AuditedRead> {
        let tx = match self.engine {
            Engine::Sqlite => self.pool.begin_with("BEGIN DEFERRED").await?,
            Engine::Postgres => self.pool.begin().await?,
        };
        Ok(AuditedRead {
            tx,
            engine: self.engine,
        })
    }
}

impl AuditedRead {
    /// Ends the read and commits its one audit row.
    pub(crate) async fn finish(
        self,
        store: &Store,
        at: i64,
        actor: &Actor<'_>,
        entry: AuditEntry,
    ) -> Result<()> {
        self.finish_all(store, at, actor, vec![entry]).await
    }

    /// Ends the read and commits its audit rows (all or none).
    pub(crate) async fn finish_all(
        self,
        store: &Store,
        at: i64,
        actor: &Actor<'_>,
        entries: Vec<AuditEntry>,
    ) -> Result<()> {
        let mut tx = self.tx;
        match self.engine {
            Engine::Postgres => {
                for entry in entries {
                    append(&mut tx, at, actor, entry).await?;
                }
                tx.commit().await?;
            }
            Engine::Sqlite => {
                // Ending the read first releases its snapshot, so the write
                // below never waits on this connection's own read.
                tx.commit().await?;
                if entries.is_empty() {
                    // Nothing shown, nothing to record: no turn at the
                    // write gate.
                    return Ok(());
                }
                let mut write = store.begin_read_write().await?;
                for entry in entries {
                    append(&mut write, at, actor, entry).await?;
                }
                write.commit().await?;
            }
        }
        Ok(())
    }
}

impl Deref for AuditedRead {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for AuditedRead {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}
