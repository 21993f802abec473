//! Bulk loading, for the national-scale demo generator: rows written many at
//! a time (multi-row `INSERT`s in large transactions on one connection) rather
//! than one scoped, audited store call per record. Only an operator command
//! uses this, on a database it is filling from nothing; the service never does.
//!
//! The rows are whatever the generator built: table and column names come
//! from its own constants, never from input, and every value is bound as a
//! parameter. On SQLite the loading connection skips the fsync on commit
//! (`synchronous = OFF`): a crash half-way leaves a database to throw away and
//! load again, which `--force` does.

use crate::{Engine, Result, Store};
use sqlx::pool::PoolConnection;
use sqlx::{Any, Executor};

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

/// Bound parameters per statement. On SQLite, binding `$n` looks the name
/// up among all the statement's parameters, so the cost of a statement grows
/// with the square of its parameters: a few hundred is quickest. PostgreSQL
/// binds by position, and allows up to 65,535.
const SQLITE_MAX_PARAMS: usize = 100;
const POSTGRES_MAX_PARAMS: usize = 16_000;
/// Rows per statement, at most.
const MAX_ROWS: usize = 1_000;
/// Commit after about this many rows, so SQLite's write-ahead log can be
/// checkpointed as the load goes rather than growing to the whole database.
const ROWS_PER_COMMIT: u64 = 250_000;

/// One connection writing rows in large transactions. Call
/// [`BulkLoader::finish`] to commit the last of them.
pub struct BulkLoader {
    conn: PoolConnection<Any>,
    engine: Engine,
    in_transaction: bool,
    since_commit: u64,
    /// Rows written in all.
    pub rows: u64,
}

impl Store {
    /// A connection for loading rows in bulk (see the module documentation).
    pub async fn bulk_loader(&self) -> Result<BulkLoader> {
        let mut conn = self.pool.acquire().await?;
        if self.engine == Engine::Sqlite {
            conn.execute("PRAGMA synchronous = OFF").await?;
            conn.execute("PRAGMA cache_size = -200000").await?;
        }
        Ok(BulkLoader {
            conn,
            engine: self.engine,
            in_transaction: false,
            since_commit: 0,
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
    /// (`ANALYZE`), so that the first queries choose their indexes well.
    pub async fn analyze(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        conn.execute("ANALYZE").await?;
        Ok(())
    }
}

impl BulkLoader {
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// Writes `rows` (each with one value per column of `table`), many rows
    /// to a statement. Returns how many were written.
    pub async fn insert(&mut self, table: &BulkTable, rows: &[Vec<BulkValue>]) -> Result<u64> {
        let width = table.columns.len().max(1);
        let max_params = match self.engine {
            Engine::Sqlite => SQLITE_MAX_PARAMS,
            Engine::Postgres => POSTGRES_MAX_PARAMS,
        };
        let per_statement = (max_params / width).clamp(1, MAX_ROWS);
        for chunk in rows.chunks(per_statement) {
            if !self.in_transaction {
                let begin = match self.engine {
                    Engine::Sqlite => "BEGIN IMMEDIATE",
                    Engine::Postgres => "BEGIN",
                };
                self.conn.execute(begin).await?;
                self.in_transaction = true;
            }
            let sql = insert_sql(table, chunk.len());
            let mut query = sqlx::query(&sql);
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
                    query = match value {
                        BulkValue::Null => query.bind(None::<String>),
                        BulkValue::NullInt => query.bind(None::<i64>),
                        BulkValue::Int(v) => query.bind(*v),
                        BulkValue::Real(v) => query.bind(*v),
                        BulkValue::Text(v) => query.bind(v.clone()),
                        BulkValue::Static(v) => query.bind(*v),
                    };
                }
            }
            query.execute(&mut *self.conn).await?;
            let n = chunk.len() as u64;
            self.rows += n;
            self.since_commit += n;
            if self.since_commit >= ROWS_PER_COMMIT {
                self.commit().await?;
            }
        }
        Ok(rows.len() as u64)
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

    /// Commits the last rows and gives the connection back to the pool.
    pub async fn finish(mut self) -> Result<u64> {
        self.commit().await?;
        if self.engine == Engine::Sqlite {
            self.conn.execute("PRAGMA synchronous = NORMAL").await?;
        }
        Ok(self.rows)
    }
}

/// `INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ...` for `rows` rows.
fn insert_sql(table: &BulkTable, rows: usize) -> String {
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
            sql.push('$');
            sql.push_str(&n.to_string());
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
            insert_sql(&t, 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }
}
