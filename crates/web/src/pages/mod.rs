//! The server-rendered pages, one module per area of the service.

pub mod account;
pub mod admin;
pub mod audit;
pub mod contacts;
pub mod episodes;
pub mod figures;
pub mod home;
pub mod info;
pub mod ops;
pub mod people;
pub mod settings;
pub mod signin;

/// A form post's fields, read leniently: a missing field is an empty string,
/// so every problem can be reported next to its field instead of as a 400.
pub use axum_extra::extract::Form;
