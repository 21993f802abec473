//! The services directory in the Open Referral UK 3.0 profile (issue 5):
//! upserting a feed in one transaction ([`write`]), the public feed's reads
//! with nested records built a page at a time ([`query`], [`nested`], and
//! [`summary`] for the list form of service-at-locations), export
//! ([`export`]) and postcode coordinates ([`postcodes`]). Every table is a
//! dir_* table (or `postcode`): none holds case data, so nothing here takes a
//! `Caller` and the whole directory may be published.

mod cells;
pub mod export;
mod nested;
pub mod postcodes;
pub mod query;
mod summary;
mod tables;
pub mod write;

pub use postcodes::PostcodeRow;
pub use query::{Near, ServiceFilter};
pub use write::{TableCounts, UpsertReport};

/// Ids per `IN (...)` list.
const CHUNK: usize = 500;
