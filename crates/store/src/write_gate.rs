//! Write transactions, one at a time on SQLite.
//!
//! SQLite lets one connection write at a time. When several of the pool's
//! connections want to write at once, all but one are refused and SQLite's
//! busy handler makes each sleep and retry, in steps that grow to 100 ms:
//! under load most of a request's time goes on those sleeps, not on work.
//! The store therefore queues its own writers in the process, first come
//! first served, before they take a connection: each write transaction holds
//! the [`WriteGate`] from `BEGIN IMMEDIATE` to commit or rollback, so the
//! busy handler is left only for writers in other processes (an operator
//! command run beside the service). PostgreSQL locks rows, not the database,
//! and needs no gate.

use crate::{Engine, Result, Store};
use sqlx::{Any, AnyConnection, Transaction};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The queue for SQLite's one writer (cloned with the store).
#[derive(Clone, Default)]
pub(crate) struct WriteGate(Arc<Mutex<()>>);

/// A transaction that reads and then writes. It derefs to the connection;
/// [`WriteTx::commit`] ends it, and dropping it rolls back. Either way the
/// gate opens for the next writer.
pub(crate) struct WriteTx {
    tx: Transaction<'static, Any>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl Store {
    /// Begins a transaction that reads and then writes (for example a read
    /// and its audit row). On SQLite it waits for its turn at the gate and
    /// then takes the write lock up front (`BEGIN IMMEDIATE`): taking it
    /// part-way fails at once whenever another connection wrote in between.
    pub(crate) async fn begin_read_write(&self) -> Result<WriteTx> {
        Ok(match self.engine {
            Engine::Sqlite => {
                let turn = self.write_gate.0.clone().lock_owned().await;
                WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: Some(turn),
                }
            }
            Engine::Postgres => WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
            },
        })
    }
}

impl WriteTx {
    /// Commits, then lets the next writer in.
    pub(crate) async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}
