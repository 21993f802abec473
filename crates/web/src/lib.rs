//! reconnect's web service.
//!
//! - [`routes`] is the one table of every route, its method and who may use it;
//!   the router is built from it, and the access tests walk it, so a new route
//!   cannot be added without an access rule.
//! - [`middleware`] holds the layers every request passes through: request id
//!   and client address, identity (session cookie or API token), CSRF,
//!   security headers and the access rule of the route.
//! - [`pages`] are the server-rendered NHS.UK pages, [`api`] the JSON API
//!   under `/api/v1` with its OpenAPI document.
//! - [`password`] hashes and checks passwords; sign-in and API tokens are in
//!   [`pages::signin`], [`pages::account`] and [`middleware::identity`].

pub mod api;
pub mod assets;
mod error;
mod journey;
pub mod middleware;
// The public Open Referral UK directory feed (issue 5).
pub mod openreferral;
pub mod pages;
pub mod password;
pub mod routes;
mod state;
mod view;

pub use error::{ApiError, PageError};
pub use routes::{table, Access, Route};
pub use state::{AppState, WebConfig};
pub use view::nav_for as view_nav_for;

use axum::Router;
use std::future::Future;
use std::net::SocketAddr;

/// The whole application as a router, ready to serve or to drive in tests.
pub fn router(state: AppState) -> Router {
    routes::build(state)
}

/// Serves until `shutdown` resolves, then stops accepting connections and
/// finishes the requests already in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
