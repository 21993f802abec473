//! The postcode table loaded from the ONS Postcode Directory: coordinates of
//! a postcode, and batched upserts for the streaming import (the caller reads
//! the file; each call writes one batch in one transaction).

use crate::{Result, Store};
use reconnect_domain::geo::Coordinates;
use reconnect_domain::postcode::Postcode;
use sqlx::Row;

/// One postcode and where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct PostcodeRow {
    pub postcode: Postcode,
    pub coordinates: Coordinates,
    /// No longer in use (it keeps its coordinates: old addresses still name it).
    pub terminated: bool,
}

/// Rows per INSERT statement (4 parameters each).
const ROWS_PER_STATEMENT: usize = 250;

impl Store {
    /// Where a postcode is, or `None` when the table does not know it.
    pub async fn postcode_coordinates(&self, postcode: &Postcode) -> Result<Option<Coordinates>> {
        let row = sqlx::query("SELECT latitude, longitude FROM postcode WHERE postcode = $1")
            .bind(postcode.compact())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(Coordinates {
                latitude: r.try_get(0)?,
                longitude: r.try_get(1)?,
            }),
            None => None,
        })
    }

    /// Adds or replaces a batch of postcodes in one transaction; returns how
    /// many were written.
    pub async fn import_postcodes(&self, rows: &[PostcodeRow]) -> Result<u64> {
        // One statement may not name a postcode twice (PostgreSQL refuses):
        // the last row for a postcode wins, as it would across batches.
        let mut last: std::collections::HashMap<String, usize> = Default::default();
        for (i, r) in rows.iter().enumerate() {
            last.insert(r.postcode.compact(), i);
        }
        let rows: Vec<&PostcodeRow> = rows
            .iter()
            .enumerate()
            .filter(|(i, r)| last.get(&r.postcode.compact()) == Some(i))
            .map(|(_, r)| r)
            .collect();
        let mut tx = self.pool.begin().await?;
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let values = (0..chunk.len())
                .map(|i| {
                    let n = i * 4;
                    format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4)
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO postcode (postcode, latitude, longitude, terminated) VALUES {values} \
                 ON CONFLICT (postcode) DO UPDATE SET latitude = EXCLUDED.latitude, \
                 longitude = EXCLUDED.longitude, terminated = EXCLUDED.terminated"
            );
            let mut q = sqlx::query(&sql);
            for r in chunk {
                q = q
                    .bind(r.postcode.compact())
                    .bind(r.coordinates.latitude)
                    .bind(r.coordinates.longitude)
                    .bind(i32::from(r.terminated));
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(rows.len() as u64)
    }

    /// How many postcodes the table holds.
    pub async fn postcode_count(&self) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM postcode")
            .fetch_one(&self.pool)
            .await?;
        Ok(n.max(0) as u64)
    }
}
