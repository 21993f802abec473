//! The layers every request passes through, outermost first:
//! [`request_meta`] (request id, client address, log span), [`identity`]
//! (who is calling), [`csrf`] (state-changing requests carry the token),
//! [`headers`] (security headers, no caching of personal data, error pages),
//! then per route [`access`] (the route's access rule).

pub mod access;
pub mod csrf;
pub mod headers;
pub mod identity;
pub mod request_meta;

pub use identity::{Identity, Via};

/// Is this request for the JSON API (so errors are problem documents)?
pub fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}
