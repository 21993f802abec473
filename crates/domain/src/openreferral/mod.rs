//! The services directory in the Open Referral UK 3.0 profile (HSDS 3.0):
//! the records as serde types ([`model`]), the profile's page envelope
//! ([`page`]), nested records flattened into their tables ([`tables`]) and the
//! checks an incoming record must pass before it is stored ([`validate`]).
//! None of this is case data: the whole directory may be published.

pub mod model;
pub mod page;
pub mod tables;
pub mod validate;

pub use model::*;
pub use page::{Page, PageRequest};
pub use tables::Tables;

/// The HSDS version this feed speaks.
pub const VERSION: &str = "3.0";
/// Where the UK profile is described.
pub const PROFILE_URL: &str = "https://github.com/openreferral/uk-profile";
/// The profile's OpenAPI description.
pub const OPENAPI_URL: &str =
    "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/openapi.json";

/// The service statuses the profile allows.
pub const STATUSES: &[&str] = &["active", "inactive", "defunct", "temporarily closed"];
/// Statuses listed by the public feed's searches: services that are inactive
/// or defunct are left out of lists, but still answer by id.
pub const LISTED_STATUSES: &[&str] = &["active", "temporarily closed"];
