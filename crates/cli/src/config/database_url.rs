//! The database URL, which may carry a password: kept secret, shown redacted.

use super::{DEFAULT_DATABASE_URL, REDACTED};
use reconnect_store::Engine;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::path::PathBuf;

/// A database URL, which may hold a password. `Debug` and `Display` show it
/// with any password (in the user-info part, or a `password`/`sslpassword`
/// query parameter) replaced by `***`; only [`DatabaseUrl::expose`] gives the
/// real URL, to hand to the store.
#[derive(Clone)]
pub struct DatabaseUrl {
    secret: SecretString,
    shown: String,
    engine: Engine,
    /// The password(s) found in the URL, as written and percent-decoded, so
    /// that messages from the database driver can be scrubbed of them.
    passwords: Vec<SecretString>,
}

impl DatabaseUrl {
    /// Checks the URL's scheme and form. The message never holds the password.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let shown = redact_url(raw);
        let engine = Engine::from_url(raw)
            .map_err(|_| format!("'{shown}' must start with sqlite:// or postgres://"))?;
        match engine {
            Engine::Sqlite => {
                let rest = raw
                    .strip_prefix("sqlite://")
                    .or_else(|| raw.strip_prefix("sqlite:"))
                    .unwrap_or_default();
                let path = rest.split('?').next().unwrap_or_default();
                if path.is_empty() || path.starts_with(":memory:") {
                    return Err(format!(
                        "'{shown}' must name a SQLite file, like {DEFAULT_DATABASE_URL} \
                         (in-memory databases are not supported)"
                    ));
                }
            }
            Engine::Postgres => {
                // The url crate's messages never repeat the input.
                url::Url::parse(raw)
                    .map_err(|e| format!("'{shown}' is not a valid PostgreSQL URL ({e})"))?;
            }
        }
        Ok(Self {
            secret: SecretString::from(raw.to_string()),
            shown,
            engine,
            passwords: url_passwords(raw)
                .into_iter()
                .map(SecretString::from)
                .collect(),
        })
    }

    /// The real URL, password and all: for connecting, never for showing.
    pub fn expose(&self) -> &str {
        self.secret.expose_secret()
    }

    /// The URL with any password replaced by `***`.
    pub fn redacted(&self) -> &str {
        &self.shown
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// For SQLite, the database file (relative to the working directory
    /// unless absolute).
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.engine != Engine::Sqlite {
            return None;
        }
        let raw = self.expose();
        let rest = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or_default();
        Some(PathBuf::from(path))
    }

    /// Replaces the password wherever it appears in `text` (for messages from
    /// the database driver, which we do not control).
    pub fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        for password in &self.passwords {
            let password = password.expose_secret();
            if !password.is_empty() {
                text = text.replace(password, REDACTED);
            }
        }
        text
    }

    /// Does the URL carry a password?
    pub fn has_password(&self) -> bool {
        !self.passwords.is_empty()
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl").field(&self.shown).finish()
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Query parameters whose values are secrets.
const SECRET_PARAMS: [&str; 2] = ["password", "sslpassword"];

/// Splits `scheme://userinfo@host/path?query#fragment` into the user-info
/// (if any) and the query (if any), by position. The user-info runs to the
/// last `@` before the query, so a password with an unescaped `/` or `@` is
/// still treated as password (redacting too much rather than too little).
fn url_parts(
    raw: &str,
) -> (
    Option<std::ops::Range<usize>>,
    Option<std::ops::Range<usize>>,
) {
    let end_of_query = raw.find('#').unwrap_or(raw.len());
    let query_start = raw[..end_of_query].find('?');
    let before_query = query_start.unwrap_or(end_of_query);
    let userinfo = raw.find("://").and_then(|i| {
        let start = i + 3;
        raw[start..before_query]
            .rfind('@')
            .map(|at| start..start + at)
    });
    let query = query_start.map(|q| q + 1..end_of_query);
    (userinfo, query)
}

/// The URL with any password replaced by `***`.
pub fn redact_url(raw: &str) -> String {
    let (userinfo, query) = url_parts(raw);
    let mut out = String::with_capacity(raw.len());
    let mut copied = 0;
    if let Some(info) = userinfo {
        if let Some(colon) = raw[info.clone()].find(':') {
            let pw_start = info.start + colon + 1;
            out.push_str(&raw[..pw_start]);
            out.push_str(REDACTED);
            copied = info.end;
        }
    }
    if let Some(q) = query {
        out.push_str(&raw[copied..q.start]);
        let pairs: Vec<String> = raw[q.clone()]
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) if is_secret_param(k) => format!("{k}={REDACTED}"),
                _ => pair.to_string(),
            })
            .collect();
        out.push_str(&pairs.join("&"));
        copied = q.end;
    }
    out.push_str(&raw[copied..]);
    out
}

fn is_secret_param(key: &str) -> bool {
    let key = percent_decode(key).to_ascii_lowercase();
    SECRET_PARAMS.contains(&key.as_str())
}

/// Every password in the URL, as written and percent-decoded.
fn url_passwords(raw: &str) -> Vec<String> {
    let (userinfo, query) = url_parts(raw);
    let mut found = Vec::new();
    if let Some(info) = userinfo {
        if let Some((_, pw)) = raw[info].split_once(':') {
            found.push(pw.to_string());
        }
    }
    if let Some(q) = query {
        for pair in raw[q].split('&') {
            if let Some((k, v)) = pair.split_once('=') {
                if is_secret_param(k) {
                    found.push(v.to_string());
                }
            }
        }
    }
    let decoded: Vec<String> = found.iter().map(|p| percent_decode(p)).collect();
    found.extend(decoded);
    found.retain(|p| !p.is_empty());
    found.sort();
    found.dedup();
    // Longest first, so a password containing another is replaced whole.
    found.sort_by_key(|p| std::cmp::Reverse(p.len()));
    found
}

/// `%XX` decoding; anything malformed is kept as written.
pub(super) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
