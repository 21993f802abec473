//! The `reconnect` binary: serve the web service, apply migrations, seed demo
//! data and manage staff accounts from the command line.
//!
//! - [`config`] reads the settings (environment over an optional TOML file
//!   over defaults) and keeps the database password out of every message.
//! - [`commands`] holds the command line itself and each command.
//! - [`demo`] builds the synthetic demo data set.
//! - [`jobs`] runs background jobs (reminders, message delivery) and sends messages.

pub mod commands;
pub mod config;
pub mod demo;
// Open Referral UK feeds in and out (issue 5).
pub mod feed;
pub mod jobs;
