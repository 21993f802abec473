//! `reconnect postcodes import FILE`: loads postcode coordinates from an ONS
//! Postcode Directory CSV (a header row naming pcds or pcd, lat, long and
//! doterm). The file is streamed and written in batches, each in one
//! transaction, so millions of rows need little memory. Rows without
//! coordinates (the ONSPD writes latitude 99.999999 for them) or with a
//! postcode that does not parse are skipped and counted.

use crate::config::Config;
use reconnect_domain::geo::Coordinates;
use reconnect_domain::postcode::Postcode;
use reconnect_store::directory::PostcodeRow;
use reconnect_store::Store;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// Rows written per transaction.
const BATCH: usize = 5_000;

/// Where the needed columns are in the header row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Columns {
    postcode: usize,
    lat: usize,
    long: usize,
    doterm: Option<usize>,
}

impl Columns {
    pub fn from_headers(headers: &csv::StringRecord) -> anyhow::Result<Self> {
        let find = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let postcode = find("pcds")
            .or_else(|| find("pcd"))
            .or_else(|| find("pcd7"))
            .or_else(|| find("pcd8"))
            .ok_or_else(|| anyhow::anyhow!("the header row has no pcds or pcd column"))?;
        let lat = find("lat").ok_or_else(|| anyhow::anyhow!("the header row has no lat column"))?;
        let long =
            find("long").ok_or_else(|| anyhow::anyhow!("the header row has no long column"))?;
        Ok(Self {
            postcode,
            lat,
            long,
            doterm: find("doterm"),
        })
    }

    /// The row as a postcode with coordinates, or `None` to skip it.
    pub fn row(&self, record: &csv::StringRecord) -> Option<PostcodeRow> {
        let postcode = Postcode::parse(record.get(self.postcode)?).ok()?;
        let lat: f64 = record.get(self.lat)?.trim().parse().ok()?;
        let long: f64 = record.get(self.long)?.trim().parse().ok()?;
        // The ONSPD's "no coordinates" marker sits outside any real latitude
        // of a UK postcode.
        if !(49.0..=61.5).contains(&lat) {
            return None;
        }
        let coordinates = Coordinates::new(lat, long).ok()?;
        let terminated = self
            .doterm
            .and_then(|i| record.get(i))
            .is_some_and(|d| !d.trim().is_empty());
        Some(PostcodeRow {
            postcode,
            coordinates,
            terminated,
        })
    }
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub written: u64,
    pub skipped: u64,
}

/// Streams `path` into the postcode table, printing progress to stderr.
pub async fn load_file(store: &Store, path: &Path, progress: bool) -> anyhow::Result<Imported> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let columns = Columns::from_headers(reader.headers()?)?;
    let started = Instant::now();
    let mut done = Imported::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record)? {
        match columns.row(&record) {
            Some(row) => batch.push(row),
            None => done.skipped += 1,
        }
        if batch.len() == BATCH {
            done.written += store.import_postcodes(&batch).await?;
            batch.clear();
            if progress {
                let secs = started.elapsed().as_secs_f64().max(0.001);
                let rows = done.written + done.skipped;
                eprint!(
                    "\r{rows} rows read, {} written ({:.0} rows/s)",
                    done.written,
                    rows as f64 / secs
                );
                let _ = std::io::stderr().flush();
            }
        }
    }
    if !batch.is_empty() {
        done.written += store.import_postcodes(&batch).await?;
    }
    if progress {
        eprintln!();
    }
    Ok(done)
}

pub async fn import(config: &Config, path: &Path) -> anyhow::Result<()> {
    let store = super::connect(config).await?;
    let started = Instant::now();
    let done = load_file(&store, path, true).await?;
    let total = store.postcode_count().await?;
    store.close().await;
    println!(
        "Imported {} postcodes from {} in {:.1} s ({} rows skipped: no coordinates or not a postcode). The table now holds {total}.",
        done.written,
        path.display(),
        started.elapsed().as_secs_f64(),
        done.skipped
    );
    Ok(())
}
