//! Static files compiled into the binary: the vendored NHS.UK frontend and our
//! own CSS and JavaScript. They are served under a path that contains a hash
//! of all their contents, so they can be cached for a year and still change
//! the moment a new build ships.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

#[derive(RustEmbed)]
#[folder = "assets/"]
#[exclude = "*.md"]
struct Embedded;

/// `/assets/<hash>`: the prefix templates put before every asset path.
pub fn prefix() -> &'static str {
    static PREFIX: OnceLock<String> = OnceLock::new();
    PREFIX.get_or_init(|| {
        let mut names: Vec<_> = Embedded::iter().collect();
        names.sort();
        let mut h = Sha256::new();
        for name in names {
            if let Some(f) = Embedded::get(&name) {
                h.update(name.as_bytes());
                h.update(f.metadata.sha256_hash());
            }
        }
        let digest = hex::encode(h.finalize());
        format!("/assets/{}", &digest[..12])
    })
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or_default() {
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `GET /assets/{version}/{*path}`.
pub async fn serve_asset(Path((version, path)): Path<(String, String)>) -> Response {
    let current = prefix().trim_start_matches("/assets/");
    let Some(file) = Embedded::get(&path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cache = if version == current {
        "public, max-age=31536000, immutable"
    } else {
        // An old page asking for an old version gets today's file, not cached for long.
        "public, max-age=300"
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(&path)),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        file.data.into_owned(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeds_the_frontend() {
        assert!(Embedded::get("nhsuk/nhsuk-frontend.min.css").is_some());
        assert!(Embedded::get("app/app.js").is_some());
        assert!(prefix().starts_with("/assets/"));
        assert_eq!(content_type("a/b.js"), "text/javascript; charset=utf-8");
    }
}
