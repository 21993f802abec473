//! Gives each request an id (returned in `X-Request-Id` and written to the
//! log and audit trail) and works out the client address.

use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use reconnect_domain::RequestMeta;
use std::net::SocketAddr;
use tracing::Instrument;

pub const REQUEST_ID: &str = "x-request-id";

pub async fn request_meta(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let incoming = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            state.config().trust_proxy_headers
                && !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_string);
    let request_id = incoming.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string());
    let forwarded = if state.config().trust_proxy_headers {
        req.headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_string())
            .filter(|v| v.parse::<std::net::IpAddr>().is_ok())
    } else {
        None
    };
    let meta = RequestMeta {
        ip: forwarded.or(peer),
        request_id: Some(request_id.clone()),
    };
    req.extensions_mut().insert(meta);
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    async move {
        let started = std::time::Instant::now();
        let mut res = next.run(req).await;
        tracing::info!(
            status = res.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "handled"
        );
        if let Ok(v) = HeaderValue::from_str(&request_id) {
            res.headers_mut().insert(REQUEST_ID, v);
        }
        res
    }
    .instrument(span)
    .await
}
