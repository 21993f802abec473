//! The server-rendered pages, one module per area of the service.

pub mod account;
pub mod admin;
pub mod allocation;
pub mod audit;
pub mod care_plan;
pub mod contacts;
pub mod engagement;
pub mod episodes;
pub mod figures;
pub mod home;
pub mod info;
pub mod onward_referrals;
pub mod ops;
pub mod people;
pub mod person_details;
pub mod person_form;
pub mod referrals;
pub mod settings;
pub mod signin;
pub mod timeline;

/// A form post's fields, read leniently: a missing field is an empty string,
/// so every problem can be reported next to its field instead of as a 400.
pub use axum_extra::extract::Form;
pub mod messages;
// Services directory staff pages (issue 5).
pub mod directory;
