//! Reading and writing Open Referral UK 3.0 feeds for `reconnect directory`:
//! a JSON feed ([`json`]: a record, a page, an array, or the package this
//! service exports) or a folder of the profile's CSV tables ([`csv_tables`]).
//! Reading never touches the database: it turns a feed into
//! [`Tables`] plus where each record came from, so the store's refusals can
//! be reported with file names and line numbers.

pub mod csv_tables;
pub mod json;

use reconnect_domain::openreferral::Tables;
use std::collections::HashMap;
use std::path::Path;

/// A feed read from disk.
#[derive(Debug, Default)]
pub struct Loaded {
    pub tables: Tables,
    /// `table[id]` (as the store names records) → where it was read from.
    pub origins: HashMap<String, String>,
    /// Records that could not be read at all, with where and why.
    pub problems: Vec<String>,
}

impl Loaded {
    /// Where the record named in a store field error (`table[id].field`) came from.
    pub fn origin_of(&self, field: &str) -> Option<&str> {
        let record = field.split_once("].").map_or(field, |(r, _)| r);
        self.origins.get(&format!("{record}]")).map(String::as_str)
    }
}

/// Reads a JSON file, or a folder of CSV tables.
pub fn load(path: &Path) -> anyhow::Result<Loaded> {
    if path.is_dir() {
        csv_tables::read_dir(path)
    } else {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Ok(json::read(&text))
    }
}
