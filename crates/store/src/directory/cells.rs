//! One row of a directory table as typed cells, so a single upsert, reader
//! and comparison serve every table (see [`tables`](super::tables) for the
//! column lists). Instants are stored as epoch milliseconds and shown in the
//! feed as RFC 3339 with milliseconds.

use crate::sql::param_list;
use crate::{Result, StoreError};
use reconnect_domain::clock::{from_millis, to_millis};
use sqlx::any::AnyRow;
use sqlx::Row;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Text,
    Int,
    Real,
    /// Epoch milliseconds in the table, RFC 3339 text in the feed.
    Millis,
}

/// One value of a row.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
}

impl Cell {
    pub(crate) fn text(v: &str) -> Cell {
        Cell::Text(Some(v.to_string()))
    }

    pub(crate) fn opt_text(v: Option<&str>) -> Cell {
        Cell::Text(v.map(str::to_string))
    }

    pub(crate) fn millis(v: Option<&str>, field: &str) -> Result<Cell> {
        match v {
            None => Ok(Cell::Int(None)),
            Some(v) => OffsetDateTime::parse(v, &Rfc3339)
                .map(|t| Cell::Int(Some(to_millis(t))))
                .map_err(|_| StoreError::Corrupt(format!("{field}: {v:?}"))),
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Cell::Text(None) | Cell::Int(None) | Cell::Real(None))
    }
}

/// A profile record stored as one row of its table.
pub(crate) trait Record: Sized {
    const TABLE: &'static str;
    /// Column names and kinds; the first is always `id`.
    const COLUMNS: &'static [(&'static str, Kind)];
    fn id(&self) -> &str;
    fn cells(&self) -> Result<Vec<Cell>>;
    fn from_cells(cells: Vec<Cell>) -> Result<Self>;

    fn column_list() -> String {
        Self::COLUMNS
            .iter()
            .map(|(c, _)| *c)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `SELECT <columns> FROM <table>` for this record.
    fn select() -> String {
        format!("SELECT {} FROM {}", Self::column_list(), Self::TABLE)
    }

    /// Insert, or replace every column of the row with the same id.
    fn upsert_sql() -> String {
        let set = Self::COLUMNS[1..]
            .iter()
            .map(|(c, _)| format!("{c} = EXCLUDED.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {set}",
            Self::TABLE,
            Self::column_list(),
            param_list(1, Self::COLUMNS.len())
        )
    }
}

/// Reads one row's cells in the order of `columns`.
pub(crate) fn read_row(row: &AnyRow, columns: &[(&str, Kind)]) -> Result<Vec<Cell>> {
    read_row_from(row, 0, columns)
}

/// Reads the cells of `columns` from a row that holds them from index
/// `start` on (a row that joins several tables).
pub(crate) fn read_row_from(
    row: &AnyRow,
    start: usize,
    columns: &[(&str, Kind)],
) -> Result<Vec<Cell>> {
    columns
        .iter()
        .enumerate()
        .map(|(i, (_, kind))| {
            let i = start + i;
            Ok(match kind {
                Kind::Text => Cell::Text(row.try_get::<Option<String>, _>(i)?),
                Kind::Int | Kind::Millis => Cell::Int(row.try_get::<Option<i64>, _>(i)?),
                Kind::Real => Cell::Real(row.try_get::<Option<f64>, _>(i)?),
            })
        })
        .collect()
}

/// Binds cells to a query in order.
pub(crate) fn bind_cells<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    cells: Vec<Cell>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for cell in cells {
        q = match cell {
            Cell::Text(v) => q.bind(v),
            Cell::Int(v) => q.bind(v),
            Cell::Real(v) => q.bind(v),
        };
    }
    q
}

/// Takes a row's cells one at a time, checking each has the expected kind.
pub(crate) struct Cells {
    table: &'static str,
    cells: std::vec::IntoIter<Cell>,
}

impl Cells {
    pub(crate) fn new(table: &'static str, cells: Vec<Cell>) -> Self {
        Self {
            table,
            cells: cells.into_iter(),
        }
    }

    fn corrupt(&self, what: &str) -> StoreError {
        StoreError::Corrupt(format!("{}: {what}", self.table))
    }

    pub(crate) fn text(&mut self) -> Result<Option<String>> {
        match self.cells.next() {
            Some(Cell::Text(v)) => Ok(v),
            _ => Err(self.corrupt("expected text")),
        }
    }

    pub(crate) fn required_text(&mut self) -> Result<String> {
        self.text()?.ok_or_else(|| self.corrupt("missing text"))
    }

    pub(crate) fn int(&mut self) -> Result<Option<i64>> {
        match self.cells.next() {
            Some(Cell::Int(v)) => Ok(v),
            _ => Err(self.corrupt("expected a whole number")),
        }
    }

    pub(crate) fn real(&mut self) -> Result<Option<f64>> {
        match self.cells.next() {
            Some(Cell::Real(v)) => Ok(v),
            _ => Err(self.corrupt("expected a number")),
        }
    }

    pub(crate) fn millis(&mut self) -> Result<Option<String>> {
        Ok(match self.int()? {
            None => None,
            Some(ms) => Some(
                from_millis(ms)
                    .format(&Rfc3339)
                    .map_err(|_| self.corrupt("instant out of range"))?,
            ),
        })
    }
}

/// Where a row's cells differ from what is stored, ignoring instants the
/// incoming row leaves out (they keep the stored value).
pub(crate) fn fill_missing(incoming: &mut [Cell], stored: &[Cell], columns: &[(&str, Kind)]) {
    for ((cell, old), (_, kind)) in incoming.iter_mut().zip(stored).zip(columns) {
        if *kind == Kind::Millis && cell.is_null() {
            *cell = old.clone();
        }
    }
}
