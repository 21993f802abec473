//! What every handler can reach: the store and the web settings.

use reconnect_store::sessions::SessionPolicy;
use reconnect_store::Store;
use std::sync::Arc;
use std::time::Duration;

/// Settings of the web layer (the binary fills them from its configuration).
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// Served over TLS (directly or behind a proxy): Secure cookies and HSTS.
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy_headers: bool,
    pub session: SessionPolicy,
    /// Each failed sign-in after the third waits this much longer (capped).
    pub signin_delay_step: Duration,
    /// Largest request body accepted.
    pub max_body_bytes: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            trust_proxy_headers: false,
            session: SessionPolicy::default(),
            signin_delay_step: Duration::from_millis(750),
            max_body_bytes: 64 * 1024,
        }
    }
}

/// Shared state, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    config: WebConfig,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> Self {
        Self {
            inner: Arc::new(Inner { store, config }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn config(&self) -> &WebConfig {
        &self.inner.config
    }

    /// Name of the session cookie: `__Host-` prefixed when Secure.
    pub fn session_cookie(&self) -> &'static str {
        if self.inner.config.secure_cookies {
            "__Host-reconnect_session"
        } else {
            "reconnect_session"
        }
    }

    /// Name of the cookie that carries the CSRF token before sign-in.
    pub fn csrf_cookie(&self) -> &'static str {
        if self.inner.config.secure_cookies {
            "__Host-reconnect_csrf"
        } else {
            "reconnect_csrf"
        }
    }
}
