//! Bulk loading, for the national-scale demo generator: rows written many at
//! a time (multi-row `INSERT`s in large transactions on one connection) rather
//! than one scoped, audited store call per record. Only an operator command
//! uses this, on a database it is filling from nothing; the service never does.
//!
//! The rows are whatever the generator built: table and column names come
//! from its own constants, never from input, and every value is bound as a
//! parameter. What makes it fast (see bench/README.md, "Loading"):
//! - many rows to a statement, with SQLite's positional `?` parameters, and
//!   the next statement's values gathered while the database runs the last;
//! - the big tables' secondary indexes dropped for the load and built again
//!   at the end from the loaded rows ([`BulkLoader::defer_indexes`]);
//! - on SQLite, for the loading connection only: no rollback journal or
//!   write-ahead log (`journal_mode = OFF`, when it is the only connection),
//!   no fsync (`synchronous = OFF`), no foreign-key checks (the generator
//!   makes every row after the rows it points at; its tests run
//!   `PRAGMA foreign_key_check`) and a larger page cache. [`BulkLoader::finish`]
//!   puts the service's settings back and the file in WAL mode again.
//!
//! A crash or error half-way therefore leaves a database to throw away and
//! load again, which `reconnect demo --force` does.

use crate::{Engine, Result, Store};
use sqlx::any::AnyArguments;
use sqlx::pool::PoolConnection;
use sqlx::{Any, Arguments, Executor};

/// One value of a row to load.
#[derive(Clone, Debug, PartialEq)]
pub enum BulkValue {
    /// A missing text value (PostgreSQL types a NULL parameter).
    Null,
    /// A missing integer value.
    NullInt,
    Int(i64),
    Real(f64),
    Text(String),
    /// Text known when the program was built (a state, a kind): no allocation.
    Static(&'static str),
}

impl From<i64> for BulkValue {
    fn from(v: i64) -> Self {
        BulkValue::Int(v)
    }
}

impl From<f64> for BulkValue {
    fn from(v: f64) -> Self {
        BulkValue::Real(v)
    }
}

impl From<String> for BulkValue {
    fn from(v: String) -> Self {
        BulkValue::Text(v)
    }
}

impl From<&'static str> for BulkValue {
    fn from(v: &'static str) -> Self {
        BulkValue::Static(v)
    }
}

impl From<Option<i64>> for BulkValue {
    fn from(v: Option<i64>) -> Self {
        v.map_or(BulkValue::NullInt, BulkValue::Int)
    }
}

impl From<Option<String>> for BulkValue {
    fn from(v: Option<String>) -> Self {
        v.map_or(BulkValue::Null, BulkValue::Text)
    }
}

impl From<Option<&'static str>> for BulkValue {
    fn from(v: Option<&'static str>) -> Self {
        v.map_or(BulkValue::Null, BulkValue::Static)
    }
}

/// A table and the columns each of its rows gives, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BulkTable {
    pub name: &'static str,
    pub columns: &'static [&'static str],
}

/// Bound parameters per statement. SQLite's `?` parameters are bound by
/// position (a numbered `$n` would be looked up by name among all the
/// statement's parameters, which grows with their square); it allows up to
/// 32,766. PostgreSQL binds by position, and allows up to 65,535.
const SQLITE_MAX_PARAMS: usize = 4_000;
const POSTGRES_MAX_PARAMS: usize = 16_000;
/// Rows per statement, at most.
const MAX_ROWS: usize = 1_000;
/// The loading connection's SQLite page cache, in KiB (the service's is
/// SQLite's default, 2 MiB).
const SQLITE_LOAD_CACHE_KIB: u32 = 200_000;
/// Rows SQLite's `ANALYZE` reads from each index after a load: its estimate
/// from a sample is as good for choosing plans, and takes a second at
/// national10 scale rather than six.
const SQLITE_ANALYSIS_LIMIT: u32 = 1_000;
/// Commit after about this many rows, so that SQLite's write-ahead log (when
/// it has to be kept) is checkpointed as the load goes.
const ROWS_PER_COMMIT: u64 = 250_000;

/// One connection writing rows in large transactions. Call
/// [`BulkLoader::finish`] to commit the last of them and rebuild any
/// indexes [`BulkLoader::defer_indexes`] set aside.
pub struct BulkLoader {
    conn: PoolConnection<Any>,
    engine: Engine,
    in_transaction: bool,
    since_commit: u64,
    /// The `CREATE INDEX` statements of the indexes dropped for the load.
    deferred: Vec<String>,
    /// SQLite: the file was taken out of WAL mode for the load.
    journal_off: bool,
    /// Rows written in all.
    pub rows: u64,
}

impl Store {
    /// A connection for loading rows in bulk (see the module documentation).
    pub async fn bulk_loader(&self) -> Result<BulkLoader> {
        let mut conn = self.pool.acquire().await?;
        let mut journal_off = false;
        match self.engine {
            Engine::Sqlite => {
                conn.execute("PRAGMA synchronous = OFF").await?;
                conn.execute("PRAGMA foreign_keys = OFF").await?;
                let cache = format!("PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}");
                conn.execute(cache.as_str()).await?;
                // Leaving WAL mode needs the only connection to the file:
                // close the pool's idle ones (it opens more when next asked).
                // With others busy, the load keeps the write-ahead log.
                while let Some(idle) = self.pool.try_acquire() {
                    idle.close().await?;
                }
                if self.pool.size() == 1 {
                    let mode: std::result::Result<String, _> =
                        sqlx::query_scalar("PRAGMA journal_mode = OFF")
                            .fetch_one(&mut *conn)
                            .await;
                    journal_off = mode.is_ok_and(|m| m.eq_ignore_ascii_case("off"));
                }
            }
            Engine::Postgres => {
                // For building the deferred indexes at the end.
                conn.execute("SET maintenance_work_mem = '256MB'").await?;
            }
        }
        Ok(BulkLoader {
            conn,
            engine: self.engine,
            in_transaction: false,
            since_commit: 0,
            deferred: Vec::new(),
            journal_off,
            rows: 0,
        })
    }

    /// Removes every table, view and sequence of a PostgreSQL database by
    /// dropping and recreating its `public` schema, so that migrations start
    /// again from nothing (`reconnect demo --force`). A SQLite database is
    /// cleared by removing its file instead, before connecting.
    pub async fn drop_postgres_schema(&self) -> Result<()> {
        if self.engine != Engine::Postgres {
            return Err(crate::StoreError::Config(
                "only a PostgreSQL schema can be dropped this way".into(),
            ));
        }
        let mut conn = self.pool.acquire().await?;
        conn.execute("DROP SCHEMA public CASCADE").await?;
        conn.execute("CREATE SCHEMA public").await?;
        Ok(())
    }

    /// Brings the planner's statistics up to date after a bulk load
    /// (`ANALYZE`; on SQLite from a sample of each index, see
    /// [`SQLITE_ANALYSIS_LIMIT`]), so that the first queries choose their
    /// indexes well.
    pub async fn analyze(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        if self.engine == Engine::Sqlite {
            let limit = format!("PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}");
            conn.execute(limit.as_str()).await?;
            conn.execute("ANALYZE").await?;
            conn.execute("PRAGMA analysis_limit = 0").await?;
        } else {
            // VACUUM also marks the freshly written pages all-visible, so
            // counts over an index (the national figures) read the index
            // alone instead of visiting every row's page as well.
            conn.execute("VACUUM ANALYZE").await?;
        }
        Ok(())
    }
}

impl BulkLoader {
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Drops the secondary indexes of `tables` (those made by `CREATE
    /// INDEX`, not the keys) until [`BulkLoader::finish`] builds them again
    /// from the loaded rows: one sorted build instead of an insert into each
    /// index in the rows' random order. Returns how many were set aside.
    pub async fn defer_indexes(&mut self, tables: &[&str]) -> Result<usize> {
        self.commit().await?;
        let list = match self.engine {
            Engine::Sqlite => {
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 \
                 AND sql IS NOT NULL ORDER BY name"
            }
            Engine::Postgres => {
                "SELECT i.indexname::text, i.indexdef FROM pg_indexes i \
                 WHERE i.schemaname = current_schema() AND i.tablename = $1 \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = \
                 (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass) \
                 ORDER BY i.indexname"
            }
        };
        let mut dropped = 0;
        for table in tables {
            let indexes: Vec<(String, String)> = sqlx::query_as(list)
                .bind(table.to_string())
                .fetch_all(&mut *self.conn)
                .await?;
            for (name, create) in indexes {
                let drop = format!("DROP INDEX \"{}\"", name.replace('"', "\"\""));
                self.conn.execute(drop.as_str()).await?;
                self.deferred.push(create);
                dropped += 1;
            }
        }
        Ok(dropped)
    }

    /// Writes `rows` (each with one value per column of `table`), many rows
    /// to a statement. The next statement's values are gathered while the
    /// database runs the last one. Returns how many rows were written.
    pub async fn insert(&mut self, table: &BulkTable, rows: Vec<Vec<BulkValue>>) -> Result<u64> {
        let width = table.columns.len().max(1);
        let max_params = match self.engine {
            Engine::Sqlite => SQLITE_MAX_PARAMS,
            Engine::Postgres => POSTGRES_MAX_PARAMS,
        };
        let numbered = self.engine == Engine::Postgres;
        let per_statement = (max_params / width).clamp(1, MAX_ROWS);
        let total = rows.len() as u64;
        let mut rows = rows.into_iter();
        let mut next = statement(table, &mut rows, per_statement, numbered)?;
        while let Some(stmt) = next.take() {
            if !self.in_transaction {
                let begin = match self.engine {
                    Engine::Sqlite => "BEGIN IMMEDIATE",
                    Engine::Postgres => "BEGIN",
                };
                self.conn.execute(begin).await?;
                self.in_transaction = true;
            }
            let run = sqlx::query_with(&stmt.sql, stmt.args).execute(&mut *self.conn);
            let gather = async { statement(table, &mut rows, per_statement, numbered) };
            let (done, following) = tokio::join!(run, gather);
            done?;
            next = following?;
            self.rows += stmt.rows;
            self.since_commit += stmt.rows;
            if self.since_commit >= ROWS_PER_COMMIT {
                self.commit().await?;
            }
        }
        Ok(total)
    }

    /// Commits what has been written so far.
    pub async fn commit(&mut self) -> Result<()> {
        if self.in_transaction {
            self.conn.execute("COMMIT").await?;
            self.in_transaction = false;
        }
        self.since_commit = 0;
        Ok(())
    }

    /// Commits the last rows, builds the deferred indexes, puts the
    /// connection's settings back as the service has them, and gives the
    /// connection back to the pool.
    pub async fn finish(mut self) -> Result<u64> {
        self.commit().await?;
        for create in std::mem::take(&mut self.deferred) {
            self.conn.execute(create.as_str()).await?;
        }
        if self.engine == Engine::Sqlite {
            if self.journal_off {
                let mode: String = sqlx::query_scalar("PRAGMA journal_mode = WAL")
                    .fetch_one(&mut *self.conn)
                    .await?;
                if !mode.eq_ignore_ascii_case("wal") {
                    return Err(crate::StoreError::Config(format!(
                        "the loaded database could not be put back in WAL mode (it is in {mode} mode)"
                    )));
                }
            }
            self.conn.execute("PRAGMA foreign_keys = ON").await?;
            self.conn.execute("PRAGMA synchronous = NORMAL").await?;
            self.conn.execute("PRAGMA cache_size = -2000").await?;
        }
        Ok(self.rows)
    }
}

/// One multi-row `INSERT` and its values.
struct Statement {
    sql: String,
    args: AnyArguments<'static>,
    rows: u64,
}

/// The statement for up to `per_statement` of the `rows` left; `None` when
/// none are.
fn statement(
    table: &BulkTable,
    rows: &mut std::vec::IntoIter<Vec<BulkValue>>,
    per_statement: usize,
    numbered: bool,
) -> Result<Option<Statement>> {
    let chunk: Vec<Vec<BulkValue>> = rows.take(per_statement).collect();
    if chunk.is_empty() {
        return Ok(None);
    }
    let mut args = AnyArguments::default();
    args.reserve(chunk.len() * table.columns.len(), 0);
    let n = chunk.len();
    for row in chunk {
        if row.len() != table.columns.len() {
            return Err(crate::StoreError::Corrupt(format!(
                "bulk row for {} has {} values, not {}",
                table.name,
                row.len(),
                table.columns.len()
            )));
        }
        for value in row {
            let added = match value {
                BulkValue::Null => args.add(None::<String>),
                BulkValue::NullInt => args.add(None::<i64>),
                BulkValue::Int(v) => args.add(v),
                BulkValue::Real(v) => args.add(v),
                BulkValue::Text(v) => args.add(v),
                BulkValue::Static(v) => args.add(v),
            };
            added.map_err(|e| crate::StoreError::Corrupt(format!("bulk value: {e}")))?;
        }
    }
    Ok(Some(Statement {
        sql: insert_sql(table, n, numbered),
        args,
        rows: n as u64,
    }))
}

/// `INSERT INTO t (a, b) VALUES (?, ?), (?, ?), ...` for `rows` rows, or
/// with `numbered` parameters `($1, $2), ($3, $4), ...` (PostgreSQL's).
fn insert_sql(table: &BulkTable, rows: usize, numbered: bool) -> String {
    let width = table.columns.len();
    let mut sql = format!(
        "INSERT INTO {} ({}) VALUES ",
        table.name,
        table.columns.join(", ")
    );
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..width {
            if c > 0 {
                sql.push_str(", ");
            }
            if numbered {
                sql.push('$');
                sql.push_str(&n.to_string());
            } else {
                sql.push('?');
            }
            n += 1;
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_multi_row_inserts() {
        let t = BulkTable {
            name: "t",
            columns: &["a", "b"],
        };
        assert_eq!(
            insert_sql(&t, 2, true),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            insert_sql(&t, 2, false),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }
}
