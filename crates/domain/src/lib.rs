//! The reconnect domain: identifiers, roles and the caller's scope, parsed value
//! types (NHS number, prison number, email address, password policy), and the
//! validation vocabulary shared by the web forms and the JSON API.
//!
//! Nothing here performs I/O; the store and web crates build on these types.

pub mod appointment;
pub mod case_note;
pub mod caseload;
pub mod clock;
pub mod consent;
pub mod contact;
pub mod email;
pub mod engagement;
pub mod episode;
pub mod geo;
pub mod id;
pub mod message;
pub mod need;
pub mod nhs_number;
pub mod onward_referral;
pub mod password;
pub mod person;
pub mod person_details;
pub mod person_profile;
pub mod plan;
pub mod postcode;
pub mod prison_number;
pub mod referral;
pub mod referral_reference;
pub mod referral_source;
pub mod region;
pub mod release_plan;
pub mod role;
pub mod scope;
pub mod service_taxonomy;
pub mod step_up;
pub mod uk_time;
pub mod validation;
pub mod window;
// Services directory (issue 5): staff search and service pages.
pub mod opening_hours;
// The Open Referral UK directory feed (issue 5).
pub mod openreferral;

pub use clock::{Clock, FixedClock, SystemClock};
pub use email::EmailAddress;
pub use id::{AllocationId, ConsentId, EpisodeId, PersonId, PrisonId, SiteId, TokenId, UserId};
pub use nhs_number::NhsNumber;
pub use prison_number::PrisonNumber;
pub use region::Region;
pub use role::Role;
pub use scope::{Caller, RequestMeta, Scope};
pub use validation::{FieldError, Validation};
