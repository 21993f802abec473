//! The binary's configuration: environment variables over an optional TOML
//! file over defaults, with `--bind` beating both for `serve`.
//!
//! | TOML key               | Environment variable               | Default                      |
//! |------------------------|------------------------------------|------------------------------|
//! | `database_url`         | `DATABASE_URL`                     | `sqlite://data/reconnect.db` |
//! | `bind`                 | `RECONNECT_BIND` (`--bind` beats)  | `127.0.0.1:8080`             |
//! | `public_url`           | `RECONNECT_PUBLIC_URL`             | not set                      |
//! | `trust_proxy`          | `RECONNECT_TRUST_PROXY`            | `false`                      |
//! | `session_idle_minutes` | `RECONNECT_SESSION_IDLE_MINUTES`   | `30` (5 to 240)              |
//! | `log`                  | `RECONNECT_LOG`, then `RUST_LOG`   | `info`                       |
//! | `log_format`           | `RECONNECT_LOG_FORMAT`             | `text` (or `json`)           |
//!
//! The file is `--config FILE`, else `$RECONNECT_CONFIG`, else `./reconnect.toml`
//! when it exists. An environment variable set to the empty string counts as
//! not set. Every problem is collected (not just the first) and each names
//! the setting it is about, as the operator would write it: the environment
//! variable, the flag, or the key and file.
//!
//! The database URL may carry a password. It is kept in a [`DatabaseUrl`],
//! whose `Debug` and `Display` show the URL with the password replaced, so
//! neither logs nor error messages nor `check-config` ever print it.

use reconnect_store::Engine;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/reconnect.db";
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_CONFIG_FILE: &str = "reconnect.toml";
pub const DEFAULT_SESSION_IDLE_MINUTES: u32 = 30;
pub const SESSION_IDLE_MINUTES: RangeInclusive<u32> = 5..=240;
pub const DEFAULT_LOG: &str = "info";

/// What replaces a password wherever a database URL is shown.
pub const REDACTED: &str = "***";

/// Environment variable naming the configuration file.
pub const CONFIG_ENV: &str = "RECONNECT_CONFIG";

/// One setting: its TOML key and its environment variable(s), first wins.
#[derive(Clone, Copy, Debug)]
struct Spec {
    key: &'static str,
    env: &'static [&'static str],
}

const DATABASE_URL: Spec = Spec {
    key: "database_url",
    env: &["DATABASE_URL"],
};
const BIND: Spec = Spec {
    key: "bind",
    env: &["RECONNECT_BIND"],
};
const PUBLIC_URL: Spec = Spec {
    key: "public_url",
    env: &["RECONNECT_PUBLIC_URL"],
};
const TRUST_PROXY: Spec = Spec {
    key: "trust_proxy",
    env: &["RECONNECT_TRUST_PROXY"],
};
const SESSION_IDLE: Spec = Spec {
    key: "session_idle_minutes",
    env: &["RECONNECT_SESSION_IDLE_MINUTES"],
};
// RUST_LOG is honoured too, after RECONNECT_LOG, because operators (and the
// e2e runner) reach for it out of habit.
const LOG: Spec = Spec {
    key: "log",
    env: &["RECONNECT_LOG", "RUST_LOG"],
};
const LOG_FORMAT: Spec = Spec {
    key: "log_format",
    env: &["RECONNECT_LOG_FORMAT"],
};

/// The TOML keys a configuration file may hold.
pub const FILE_KEYS: [&str; 7] = [
    DATABASE_URL.key,
    BIND.key,
    PUBLIC_URL.key,
    TRUST_PROXY.key,
    SESSION_IDLE.key,
    LOG.key,
    LOG_FORMAT.key,
];

// --- The environment -----------------------------------------------------------

/// Where environment variables come from: the process, or a map in tests.
pub trait Env {
    /// The variable's value; `Ok(None)` when unset or empty, `Err` with a
    /// message when it is set but unusable (not UTF-8).
    fn var(&self, key: &str) -> Result<Option<String>, String>;
}

/// The real process environment.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, key: &str) -> Result<Option<String>, String> {
        match std::env::var(key) {
            Ok(v) if v.is_empty() => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err("is not valid UTF-8".into()),
        }
    }
}

impl Env for HashMap<String, String> {
    fn var(&self, key: &str) -> Result<Option<String>, String> {
        Ok(self.get(key).filter(|v| !v.is_empty()).cloned())
    }
}

// --- Where a value came from ---------------------------------------------------

/// Where an effective setting came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Default,
    File(PathBuf),
    Env(&'static str),
    Flag(&'static str),
}

impl Origin {
    /// How a problem names the setting: `RECONNECT_BIND`, `--bind`, or
    /// `bind (in reconnect.toml)`.
    fn setting(&self, key: &str) -> String {
        match self {
            Origin::Default => key.to_string(),
            Origin::File(path) => format!("{key} (in {})", path.display()),
            Origin::Env(name) | Origin::Flag(name) => (*name).to_string(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File(path) => write!(f, "file {}", path.display()),
            Origin::Env(name) => write!(f, "environment {name}"),
            Origin::Flag(name) => write!(f, "flag {name}"),
        }
    }
}

/// One problem with the configuration, naming the setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub setting: String,
    pub message: String,
}

impl Problem {
    fn new(setting: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            setting: setting.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.setting, self.message)
    }
}

/// The configuration could not be used; every problem is listed.
#[derive(Debug, thiserror::Error)]
pub struct ConfigError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "configuration problem: {one}"),
            many => {
                write!(f, "{} configuration problems:", many.len())?;
                for p in many {
                    write!(f, "\n  {p}")?;
                }
                Ok(())
            }
        }
    }
}

// --- The database URL ----------------------------------------------------------

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
fn percent_decode(s: &str) -> String {
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

// --- The configuration ---------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

/// The effective configuration, every value checked.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub bind: SocketAddr,
    /// Where staff reach the service, when set (an origin: scheme, host, port).
    pub public_url: Option<url::Url>,
    /// Read the client address from `X-Forwarded-For`.
    pub trust_proxy: bool,
    pub session_idle_minutes: u32,
    /// A tracing `EnvFilter` directive.
    pub log: String,
    pub log_format: LogFormat,
    /// The configuration file read, if any.
    pub file: Option<PathBuf>,
    /// Things that work but are probably a mistake (see [`Config::warnings`]).
    file_warnings: Vec<String>,
}

impl Config {
    /// Served over TLS (directly or by a proxy): Secure cookies and HSTS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    /// The address people should open: the public URL when set, else the bound address.
    pub fn site_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(u) => u.to_string(),
            None => format!("http://{bound}/"),
        }
    }

    /// Settings that are allowed but are probably a mistake in production.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = self.file_warnings.clone();
        let exposed = !self.bind.ip().is_loopback();
        if exposed && !self.secure_cookies() {
            out.push(format!(
                "RECONNECT_BIND is {}, which other machines can reach, but RECONNECT_PUBLIC_URL \
                 is not an https:// address: session cookies are not marked Secure and HSTS is off. \
                 Serve reconnect through a TLS-terminating proxy and set RECONNECT_PUBLIC_URL=https://...",
                self.bind
            ));
        }
        if exposed && self.trust_proxy {
            out.push(format!(
                "RECONNECT_TRUST_PROXY is on and RECONNECT_BIND is {}, which other machines can reach: \
                 unless only your proxy can connect, clients can forge X-Forwarded-For and with it the \
                 addresses used for sign-in throttling and the audit trail",
                self.bind
            ));
        }
        if !exposed && self.secure_cookies() && !self.trust_proxy {
            out.push(
                "RECONNECT_PUBLIC_URL is https:// and reconnect listens on a loopback address, as it \
                 would behind a local proxy, but RECONNECT_TRUST_PROXY is off: every request will seem \
                 to come from the proxy, so sign-in throttling and the audit trail cannot tell clients apart"
                    .to_string(),
            );
        }
        out
    }
}

/// One line of the effective configuration, as `check-config` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shown {
    pub key: &'static str,
    pub env: &'static str,
    /// The value (a database password replaced), or `(invalid)`.
    pub value: String,
    pub origin: Origin,
}

impl Shown {
    /// How a problem with this setting names it.
    pub fn setting(&self) -> String {
        match self.origin {
            Origin::Default => self.env.to_string(),
            _ => self.origin.setting(self.key),
        }
    }
}

/// What [`load`] found: the configuration if it is usable, and in any case
/// every problem and the effective value of each setting.
#[derive(Debug)]
pub struct Loaded {
    pub file: Option<PathBuf>,
    /// The database URL, when it is valid (even if other settings are not).
    pub database_url: Option<DatabaseUrl>,
    pub shown: Vec<Shown>,
    pub problems: Vec<Problem>,
    config: Option<Config>,
}

impl Loaded {
    /// The configuration, or every problem with it.
    pub fn into_config(self) -> Result<Config, ConfigError> {
        match self.config {
            Some(config) if self.problems.is_empty() => Ok(config),
            _ => Err(ConfigError {
                problems: self.problems,
            }),
        }
    }

    /// The configuration, when it could be built (even with problems elsewhere).
    pub fn config(&self) -> Option<&Config> {
        self.config.as_ref()
    }
}

/// What configuration is read from.
pub struct Inputs<'a> {
    pub env: &'a dyn Env,
    /// `--config FILE`.
    pub config_flag: Option<&'a Path>,
    /// `--bind ADDR` (only `serve` has it).
    pub bind_flag: Option<&'a str>,
    /// Read when neither `--config` nor `RECONNECT_CONFIG` names a file, if it exists.
    pub default_file: &'a Path,
}

impl<'a> Inputs<'a> {
    /// The process environment and `./reconnect.toml`.
    pub fn process(config_flag: Option<&'a Path>, bind_flag: Option<&'a str>) -> Self {
        Self {
            env: &ProcessEnv,
            config_flag,
            bind_flag,
            default_file: Path::new(DEFAULT_CONFIG_FILE),
        }
    }
}

/// A raw value and where it came from.
struct Candidate {
    value: String,
    origin: Origin,
}

/// Reads the file and the environment, checks every setting and collects
/// every problem.
pub fn load(inputs: &Inputs<'_>) -> Loaded {
    let mut problems = Vec::new();
    let mut file_warnings = Vec::new();
    let (file, table) = read_file(inputs, &mut problems);
    let mut shown = Vec::new();
    let mut ctx = Resolver {
        env: inputs.env,
        file: file.as_deref(),
        table: &table,
        problems: &mut problems,
        shown: &mut shown,
    };

    let database_url = ctx.setting(DATABASE_URL, None, DEFAULT_DATABASE_URL, |v| {
        DatabaseUrl::parse(v).map(|u| {
            let s = u.redacted().to_string();
            (u, s)
        })
    });
    let bind_flag = inputs.bind_flag.map(|v| ("--bind", v));
    let bind = ctx.setting(BIND, bind_flag, DEFAULT_BIND, |v| {
        parse_bind(v).map(|a| (a, a.to_string()))
    });
    let public_url = ctx.optional_setting(PUBLIC_URL, |v| {
        parse_public_url(v).map(|u| {
            let s = u.to_string();
            (u, s)
        })
    });
    let trust_proxy = ctx.setting(TRUST_PROXY, None, "false", |v| {
        parse_bool(v).map(|b| (b, b.to_string()))
    });
    let session_idle_minutes = ctx.setting(
        SESSION_IDLE,
        None,
        &DEFAULT_SESSION_IDLE_MINUTES.to_string(),
        |v| parse_idle_minutes(v).map(|m| (m, m.to_string())),
    );
    let log = ctx.setting(LOG, None, DEFAULT_LOG, |v| {
        parse_log_filter(v).map(|f| (f.clone(), f))
    });
    let log_format = ctx.setting(LOG_FORMAT, None, LogFormat::Text.as_str(), |v| {
        parse_log_format(v).map(|f| (f, f.as_str().to_string()))
    });

    if let (Some(path), Some(url)) = (&file, &database_url) {
        if url.has_password() && table.contains_key(DATABASE_URL.key) {
            if let Some(w) = readable_by_others(path) {
                file_warnings.push(w);
            }
        }
    }

    let database_url_copy = database_url.clone();
    let config = match (
        database_url,
        bind,
        public_url,
        trust_proxy,
        session_idle_minutes,
        log,
        log_format,
    ) {
        (
            Some(database_url),
            Some(bind),
            Some(public_url),
            Some(trust_proxy),
            Some(session_idle_minutes),
            Some(log),
            Some(log_format),
        ) => Some(Config {
            database_url,
            bind,
            public_url,
            trust_proxy,
            session_idle_minutes,
            log,
            log_format,
            file: file.clone(),
            file_warnings,
        }),
        _ => None,
    };
    Loaded {
        file,
        database_url: database_url_copy,
        shown,
        problems,
        config,
    }
}

/// Finds, reads and checks the configuration file; returns its path (when
/// one is read) and its settings with unknown keys removed.
fn read_file(inputs: &Inputs<'_>, problems: &mut Vec<Problem>) -> (Option<PathBuf>, toml::Table) {
    let empty = toml::Table::new();
    let (path, named_by) = match (inputs.config_flag, inputs.env.var(CONFIG_ENV)) {
        (Some(flag), _) => (flag.to_path_buf(), Some("--config")),
        (None, Ok(Some(env))) => (PathBuf::from(env), Some(CONFIG_ENV)),
        (None, Err(message)) => {
            problems.push(Problem::new(CONFIG_ENV, message));
            return (None, empty);
        }
        (None, Ok(None)) => {
            if inputs.default_file.is_file() {
                (inputs.default_file.to_path_buf(), None)
            } else {
                return (None, empty);
            }
        }
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            let setting = named_by.map_or_else(|| path.display().to_string(), str::to_string);
            problems.push(Problem::new(
                setting,
                format!("cannot read {}: {e}", path.display()),
            ));
            return (None, empty);
        }
    };
    let mut table: toml::Table = match toml::from_str(&text) {
        Ok(t) => t,
        Err(e) => {
            // Only the message and line: the parser's excerpt of the file
            // could show a database password.
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].lines().count().max(1));
            let message = e.message().trim().replace('\n', " ");
            let message = match line {
                Some(line) => format!("line {line}: {message}"),
                None => message,
            };
            problems.push(Problem::new(path.display().to_string(), message));
            return (Some(path), empty);
        }
    };
    let mut unknown: Vec<String> = table
        .keys()
        .filter(|k| !FILE_KEYS.contains(&k.as_str()))
        .cloned()
        .collect();
    unknown.sort();
    for key in unknown {
        table.remove(&key);
        problems.push(Problem::new(
            format!("{key} (in {})", path.display()),
            format!("unknown setting; the settings are {}", FILE_KEYS.join(", ")),
        ));
    }
    (Some(path), table)
}

/// On Unix: a warning when the file can be read by other users.
#[cfg(unix)]
fn readable_by_others(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "{} holds the database password and other users of this machine can read it \
             (mode {:o}); run chmod 600 on it, or put the URL in DATABASE_URL instead",
            path.display(),
            mode & 0o777
        )
    })
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> Option<String> {
    None
}

struct Resolver<'a, 'b> {
    env: &'a dyn Env,
    file: Option<&'a Path>,
    table: &'a toml::Table,
    problems: &'b mut Vec<Problem>,
    shown: &'b mut Vec<Shown>,
}

impl Resolver<'_, '_> {
    /// The raw value with the highest precedence: flag, environment, file.
    /// `Err(())` means a problem was recorded.
    fn candidate(
        &mut self,
        spec: Spec,
        flag: Option<(&'static str, &str)>,
    ) -> Result<Option<Candidate>, ()> {
        if let Some((name, value)) = flag {
            return Ok(Some(Candidate {
                value: value.to_string(),
                origin: Origin::Flag(name),
            }));
        }
        for name in spec.env {
            match self.env.var(name) {
                Ok(Some(value)) => {
                    return Ok(Some(Candidate {
                        value,
                        origin: Origin::Env(name),
                    }))
                }
                Ok(None) => {}
                Err(message) => {
                    self.problems.push(Problem::new(*name, message));
                    return Err(());
                }
            }
        }
        let (Some(value), Some(path)) = (self.table.get(spec.key), self.file) else {
            return Ok(None);
        };
        let origin = Origin::File(path.to_path_buf());
        let value = match (spec.key, value) {
            (k, toml::Value::Boolean(b)) if k == TRUST_PROXY.key => b.to_string(),
            (k, toml::Value::Integer(i)) if k == SESSION_IDLE.key => i.to_string(),
            (k, toml::Value::String(s)) if k != TRUST_PROXY.key && k != SESSION_IDLE.key => {
                s.clone()
            }
            (k, other) => {
                let expected = if k == TRUST_PROXY.key {
                    "true or false (without quotes)"
                } else if k == SESSION_IDLE.key {
                    "a whole number of minutes (without quotes)"
                } else {
                    "a string in quotes"
                };
                self.problems.push(Problem::new(
                    origin.setting(k),
                    format!("expected {expected}, found {}", other.type_str()),
                ));
                self.shown_invalid(spec, origin);
                return Err(());
            }
        };
        Ok(Some(Candidate { value, origin }))
    }

    fn shown_invalid(&mut self, spec: Spec, origin: Origin) {
        self.shown.push(Shown {
            key: spec.key,
            env: spec.env.first().copied().unwrap_or_default(),
            value: "(invalid)".into(),
            origin,
        });
    }

    /// A setting with a default.
    fn setting<T>(
        &mut self,
        spec: Spec,
        flag: Option<(&'static str, &str)>,
        default: &str,
        parse: impl Fn(&str) -> Result<(T, String), String>,
    ) -> Option<T> {
        let candidate = match self.candidate(spec, flag) {
            Ok(Some(c)) => c,
            Ok(None) => Candidate {
                value: default.to_string(),
                origin: Origin::Default,
            },
            Err(()) => return None,
        };
        self.check(spec, candidate, parse)
    }

    /// A setting that may be left unset.
    fn optional_setting<T>(
        &mut self,
        spec: Spec,
        parse: impl Fn(&str) -> Result<(T, String), String>,
    ) -> Option<Option<T>> {
        match self.candidate(spec, None) {
            Ok(Some(candidate)) => self.check(spec, candidate, parse).map(Some),
            Ok(None) => {
                self.shown.push(Shown {
                    key: spec.key,
                    env: spec.env.first().copied().unwrap_or_default(),
                    value: "(not set)".into(),
                    origin: Origin::Default,
                });
                Some(None)
            }
            Err(()) => None,
        }
    }

    fn check<T>(
        &mut self,
        spec: Spec,
        candidate: Candidate,
        parse: impl Fn(&str) -> Result<(T, String), String>,
    ) -> Option<T> {
        let env = match &candidate.origin {
            Origin::Env(name) => name,
            _ => spec.env.first().copied().unwrap_or_default(),
        };
        match parse(&candidate.value) {
            Ok((value, text)) => {
                self.shown.push(Shown {
                    key: spec.key,
                    env,
                    value: text,
                    origin: candidate.origin,
                });
                Some(value)
            }
            Err(message) => {
                self.problems
                    .push(Problem::new(candidate.origin.setting(spec.key), message));
                self.shown.push(Shown {
                    key: spec.key,
                    env,
                    value: "(invalid)".into(),
                    origin: candidate.origin,
                });
                None
            }
        }
    }
}

// --- Parsing each value --------------------------------------------------------

/// Quotes a value for a message, shortened and with control characters escaped.
fn quoted(value: &str) -> String {
    let mut short: String = value.chars().take(80).collect();
    if value.chars().count() > 80 {
        short.push_str("...");
    }
    format!("'{}'", short.escape_debug())
}

fn parse_bind(value: &str) -> Result<SocketAddr, String> {
    value
        .trim()
        .parse()
        .map_err(|_| format!("{} is not an address like 127.0.0.1:8080", quoted(value)))
}

fn parse_public_url(value: &str) -> Result<url::Url, String> {
    let example = "like https://reconnect.example.org";
    let url = url::Url::parse(value.trim())
        .map_err(|_| format!("{} is not a URL {example}", quoted(value)))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(format!(
            "{} must start with https:// (or http:// for local testing)",
            quoted(value)
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!(
            "{} has no host; use a URL {example}",
            quoted(value)
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Not quoted back: it holds credentials.
        return Err(format!(
            "must not hold a user name or password; use a URL {example}"
        ));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "{} must be just the address where reconnect is served, without a path, \
             query or fragment ({example})",
            quoted(value)
        ));
    }
    Ok(url)
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("{} is not true or false", quoted(value))),
    }
}

fn parse_idle_minutes(value: &str) -> Result<u32, String> {
    let minutes: i64 = value
        .trim()
        .parse()
        .map_err(|_| format!("{} is not a whole number of minutes", quoted(value)))?;
    u32::try_from(minutes)
        .ok()
        .filter(|m| SESSION_IDLE_MINUTES.contains(m))
        .ok_or_else(|| {
            format!(
                "{minutes} minutes is outside the allowed range: choose {} to {} minutes",
                SESSION_IDLE_MINUTES.start(),
                SESSION_IDLE_MINUTES.end()
            )
        })
}

fn parse_log_filter(value: &str) -> Result<String, String> {
    let value = value.trim();
    tracing_subscriber::EnvFilter::builder()
        .parse(value)
        .map(|_| value.to_string())
        .map_err(|e| {
            format!(
                "{} is not a log filter like info or reconnect=debug ({e})",
                quoted(value)
            )
        })
}

fn parse_log_format(value: &str) -> Result<LogFormat, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "text" => Ok(LogFormat::Text),
        "json" => Ok(LogFormat::Json),
        _ => Err(format!("{} must be text or json", quoted(value))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A scratch folder, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "reconnect-config-{name}-{}-{}",
                std::process::id(),
                uuid::Uuid::new_v4()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }

        fn file(&self, name: &str, text: &str) -> PathBuf {
            let path = self.0.join(name);
            std::fs::write(&path, text).unwrap();
            path
        }

        fn missing(&self) -> PathBuf {
            self.0.join("no-such-file.toml")
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn load_with(
        env: &HashMap<String, String>,
        file: Option<&Path>,
        bind: Option<&str>,
        default_file: &Path,
    ) -> Loaded {
        load(&Inputs {
            env,
            config_flag: file,
            bind_flag: bind,
            default_file,
        })
    }

    fn load_env(pairs: &[(&str, &str)]) -> Loaded {
        let scratch = Scratch::new("env");
        load_with(&env(pairs), None, None, &scratch.missing())
    }

    fn problems(loaded: &Loaded) -> Vec<String> {
        loaded.problems.iter().map(ToString::to_string).collect()
    }

    fn shown<'a>(loaded: &'a Loaded, key: &str) -> &'a Shown {
        loaded.shown.iter().find(|s| s.key == key).unwrap()
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let config = load_env(&[]).into_config().unwrap();
        assert_eq!(config.database_url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(config.database_url.engine(), Engine::Sqlite);
        assert_eq!(config.bind, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(config.public_url, None);
        assert!(!config.trust_proxy);
        assert!(!config.secure_cookies());
        assert_eq!(config.session_idle_minutes, 30);
        assert_eq!(config.log, "info");
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.file, None);
        assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    }

    #[test]
    fn every_setting_from_the_environment() {
        let loaded = load_env(&[
            (
                "DATABASE_URL",
                "postgres://app:s3cret@db.internal:5432/reconnect",
            ),
            ("RECONNECT_BIND", "0.0.0.0:9000"),
            ("RECONNECT_PUBLIC_URL", "https://reconnect.example.org"),
            ("RECONNECT_TRUST_PROXY", "yes"),
            ("RECONNECT_SESSION_IDLE_MINUTES", "15"),
            ("RECONNECT_LOG", "reconnect=debug,info"),
            ("RECONNECT_LOG_FORMAT", "JSON"),
        ]);
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        assert!(loaded
            .shown
            .iter()
            .all(|s| matches!(s.origin, Origin::Env(_))));
        let config = loaded.into_config().unwrap();
        assert_eq!(config.database_url.engine(), Engine::Postgres);
        assert_eq!(config.bind, "0.0.0.0:9000".parse().unwrap());
        assert!(config.secure_cookies());
        assert!(config.trust_proxy);
        assert_eq!(config.session_idle_minutes, 15);
        assert_eq!(config.log, "reconnect=debug,info");
        assert_eq!(config.log_format, LogFormat::Json);
        assert_eq!(
            config.site_url("0.0.0.0:9000".parse().unwrap()),
            "https://reconnect.example.org/"
        );
    }

    #[test]
    fn environment_beats_file_beats_default_and_the_flag_beats_both() {
        let scratch = Scratch::new("precedence");
        let path = scratch.file(
            "reconnect.toml",
            r#"
                database_url = "sqlite://from-file.db"
                bind = "127.0.0.1:7000"
                session_idle_minutes = 20
                trust_proxy = true
                log_format = "json"
            "#,
        );
        let vars = env(&[
            ("RECONNECT_BIND", "127.0.0.1:7001"),
            ("RECONNECT_LOG_FORMAT", "text"),
        ]);

        let loaded = load_with(&vars, Some(&path), None, &scratch.missing());
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        assert_eq!(shown(&loaded, "bind").origin, Origin::Env("RECONNECT_BIND"));
        assert_eq!(
            shown(&loaded, "database_url").origin,
            Origin::File(path.clone())
        );
        assert_eq!(shown(&loaded, "log").origin, Origin::Default);
        let config = loaded.into_config().unwrap();
        assert_eq!(config.file.as_deref(), Some(path.as_path()));
        assert_eq!(config.database_url.expose(), "sqlite://from-file.db");
        assert_eq!(config.bind, "127.0.0.1:7001".parse().unwrap());
        assert_eq!(config.session_idle_minutes, 20);
        assert!(config.trust_proxy);
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.log, "info");

        let loaded = load_with(
            &vars,
            Some(&path),
            Some("127.0.0.1:7002"),
            &scratch.missing(),
        );
        assert_eq!(shown(&loaded, "bind").origin, Origin::Flag("--bind"));
        let config = loaded.into_config().unwrap();
        assert_eq!(config.bind, "127.0.0.1:7002".parse().unwrap());
    }

    #[test]
    fn the_file_comes_from_the_flag_then_the_environment_then_the_default() {
        let scratch = Scratch::new("which-file");
        let flag = scratch.file("flag.toml", "bind = \"127.0.0.1:1001\"");
        let named = scratch.file("named.toml", "bind = \"127.0.0.1:1002\"");
        let default = scratch.file("reconnect.toml", "bind = \"127.0.0.1:1003\"");
        let named_env = env(&[(CONFIG_ENV, named.to_str().unwrap())]);
        let bind = |loaded: Loaded| loaded.into_config().unwrap().bind.port();

        assert_eq!(
            bind(load_with(&named_env, Some(&flag), None, &default)),
            1001
        );
        assert_eq!(bind(load_with(&named_env, None, None, &default)), 1002);
        assert_eq!(bind(load_with(&env(&[]), None, None, &default)), 1003);
        // An empty RECONNECT_CONFIG counts as unset.
        assert_eq!(
            bind(load_with(&env(&[(CONFIG_ENV, "")]), None, None, &default)),
            1003
        );
        // No default file: defaults.
        let loaded = load_with(&env(&[]), None, None, &scratch.missing());
        assert_eq!(loaded.file, None);
        assert_eq!(bind(loaded), 8080);
    }

    #[test]
    fn a_named_file_that_is_missing_is_a_problem() {
        let scratch = Scratch::new("missing");
        let missing = scratch.missing();
        let loaded = load_with(&env(&[]), Some(&missing), None, &scratch.missing());
        let p = problems(&loaded);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("--config: cannot read "), "{p:?}");

        let vars = env(&[(CONFIG_ENV, missing.to_str().unwrap())]);
        let loaded = load_with(&vars, None, None, &scratch.missing());
        assert!(problems(&loaded)[0].starts_with("RECONNECT_CONFIG: cannot read "));
        assert!(loaded.into_config().is_err());
    }

    #[test]
    fn bad_values_name_their_setting() {
        let loaded = load_env(&[
            ("DATABASE_URL", "mysql://root:hunter2hunter2@db/x"),
            ("RECONNECT_BIND", "abc"),
            ("RECONNECT_PUBLIC_URL", "reconnect.example.org"),
            ("RECONNECT_TRUST_PROXY", "maybe"),
            ("RECONNECT_SESSION_IDLE_MINUTES", "3"),
            ("RECONNECT_LOG", "info,reconnect=loud"),
            ("RECONNECT_LOG_FORMAT", "xml"),
        ]);
        let p = problems(&loaded);
        assert_eq!(
            p,
            vec![
                "DATABASE_URL: 'mysql://root:***@db/x' must start with sqlite:// or postgres://"
                    .to_string(),
                "RECONNECT_BIND: 'abc' is not an address like 127.0.0.1:8080".to_string(),
                "RECONNECT_PUBLIC_URL: 'reconnect.example.org' is not a URL like https://reconnect.example.org"
                    .to_string(),
                "RECONNECT_TRUST_PROXY: 'maybe' is not true or false".to_string(),
                "RECONNECT_SESSION_IDLE_MINUTES: 3 minutes is outside the allowed range: choose 5 to 240 minutes"
                    .to_string(),
                p[5].clone(),
                "RECONNECT_LOG_FORMAT: 'xml' must be text or json".to_string(),
            ]
        );
        assert!(
            p[5].starts_with("RECONNECT_LOG: 'info,reconnect=loud' is not a log filter"),
            "{}",
            p[5]
        );
        assert!(!p.iter().any(|p| p.contains("hunter2")));
        assert!(loaded.shown.iter().all(|s| s.value == "(invalid)"));
        let err = loaded.into_config().unwrap_err();
        assert_eq!(err.problems.len(), 7);
        assert!(err
            .to_string()
            .starts_with("7 configuration problems:\n  DATABASE_URL: "));
    }

    #[test]
    fn more_bad_values() {
        let cases = [
            (
                "RECONNECT_SESSION_IDLE_MINUTES",
                "241",
                "241 minutes is outside",
            ),
            (
                "RECONNECT_SESSION_IDLE_MINUTES",
                "-5",
                "-5 minutes is outside",
            ),
            (
                "RECONNECT_SESSION_IDLE_MINUTES",
                "ten",
                "'ten' is not a whole number",
            ),
            (
                "RECONNECT_SESSION_IDLE_MINUTES",
                "99999999999999",
                "outside the allowed range",
            ),
            ("RECONNECT_BIND", "localhost:8080", "is not an address"),
            ("RECONNECT_BIND", "127.0.0.1", "is not an address"),
            (
                "RECONNECT_PUBLIC_URL",
                "ftp://reconnect.example.org",
                "must start with https://",
            ),
            (
                "RECONNECT_PUBLIC_URL",
                "https://reconnect.example.org/app",
                "without a path",
            ),
            (
                "RECONNECT_PUBLIC_URL",
                "https://reconnect.example.org/?a=b",
                "without a path",
            ),
            (
                "RECONNECT_PUBLIC_URL",
                "https://me:pw@reconnect.example.org",
                "must not hold a user name",
            ),
            ("DATABASE_URL", "sqlite::memory:", "must name a SQLite file"),
            ("DATABASE_URL", "sqlite://", "must name a SQLite file"),
            (
                "DATABASE_URL",
                "postgres://u:pw@[bad/db",
                "is not a valid PostgreSQL URL",
            ),
            (
                "DATABASE_URL",
                "data/reconnect.db",
                "must start with sqlite://",
            ),
        ];
        for (var, value, expected) in cases {
            let p = problems(&load_env(&[(var, value)]));
            assert_eq!(p.len(), 1, "{var}={value}: {p:?}");
            assert!(p[0].starts_with(&format!("{var}: ")), "{p:?}");
            assert!(p[0].contains(expected), "{var}={value}: {p:?}");
        }
        // The public URL's credentials are not echoed.
        let p = problems(&load_env(&[(
            "RECONNECT_PUBLIC_URL",
            "https://me:pw@x.example",
        )]));
        assert!(!p[0].contains("pw@"), "{p:?}");
    }

    #[test]
    fn accepted_spellings() {
        for (value, expected) in [
            ("TRUE", true),
            ("1", true),
            ("on", true),
            ("No", false),
            ("0", false),
        ] {
            let config = load_env(&[("RECONNECT_TRUST_PROXY", value)])
                .into_config()
                .unwrap();
            assert_eq!(config.trust_proxy, expected, "{value}");
        }
        for (value, expected) in [("5", 5), ("240", 240), (" 45 ", 45)] {
            let config = load_env(&[("RECONNECT_SESSION_IDLE_MINUTES", value)])
                .into_config()
                .unwrap();
            assert_eq!(config.session_idle_minutes, expected);
        }
        for url in [
            "sqlite:data/x.db",
            "sqlite:///tmp/x.db?mode=rwc",
            "postgresql://h/db",
        ] {
            assert!(
                load_env(&[("DATABASE_URL", url)]).into_config().is_ok(),
                "{url}"
            );
        }
        let config = load_env(&[("RECONNECT_BIND", "[::1]:8080")])
            .into_config()
            .unwrap();
        assert!(config.bind.ip().is_loopback());
        let config = load_env(&[("RECONNECT_PUBLIC_URL", "http://localhost:8080/")])
            .into_config()
            .unwrap();
        assert!(!config.secure_cookies());
    }

    #[test]
    fn rust_log_is_used_when_reconnect_log_is_not_set() {
        let config = load_env(&[("RUST_LOG", "debug")]).into_config().unwrap();
        assert_eq!(config.log, "debug");
        let loaded = load_env(&[("RUST_LOG", "debug"), ("RECONNECT_LOG", "warn")]);
        assert_eq!(shown(&loaded, "log").origin, Origin::Env("RECONNECT_LOG"));
        assert_eq!(loaded.into_config().unwrap().log, "warn");
        let p = problems(&load_env(&[("RUST_LOG", "x=nope")]));
        assert!(p[0].starts_with("RUST_LOG: "), "{p:?}");
    }

    #[test]
    fn bad_file_values_name_the_key_and_file() {
        let scratch = Scratch::new("file-values");
        let path = scratch.file(
            "reconnect.toml",
            "bind = \"abc\"\ntrust_proxy = \"yes\"\nsession_idle_minutes = \"30\"\nlog = 3\n",
        );
        let loaded = load_with(&env(&[]), Some(&path), None, &scratch.missing());
        let p = problems(&loaded);
        let file = path.display().to_string();
        assert_eq!(
            p,
            vec![
                format!("bind (in {file}): 'abc' is not an address like 127.0.0.1:8080"),
                format!("trust_proxy (in {file}): expected true or false (without quotes), found string"),
                format!(
                    "session_idle_minutes (in {file}): expected a whole number of minutes (without quotes), found string"
                ),
                format!("log (in {file}): expected a string in quotes, found integer"),
            ]
        );
        // The environment replaces a bad file value without complaint.
        let vars = env(&[("RECONNECT_BIND", "127.0.0.1:1")]);
        let loaded = load_with(&vars, Some(&path), None, &scratch.missing());
        assert_eq!(problems(&loaded).len(), 3);
    }

    #[test]
    fn unknown_keys_are_refused_by_name() {
        let scratch = Scratch::new("unknown");
        let path = scratch.file(
            "reconnect.toml",
            "bnd = \"127.0.0.1:1\"\nsession_idle_minutes = 10\n[server]\nport = 1\n",
        );
        let loaded = load_with(&env(&[]), Some(&path), None, &scratch.missing());
        let p = problems(&loaded);
        let file = path.display().to_string();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].starts_with(&format!(
                "bnd (in {file}): unknown setting; the settings are database_url, bind,"
            )),
            "{p:?}"
        );
        assert!(
            p[1].starts_with(&format!("server (in {file}): unknown setting")),
            "{p:?}"
        );
        // Known keys are still read (so check-config can show them).
        assert_eq!(shown(&loaded, "session_idle_minutes").value, "10");
        assert!(loaded.into_config().is_err());
    }

    #[test]
    fn a_file_that_is_not_toml_gives_the_line_but_not_the_text() {
        let scratch = Scratch::new("syntax");
        let path = scratch.file(
            "reconnect.toml",
            "bind = \"127.0.0.1:1\"\ndatabase_url = \"postgres://u:sekrit-sekrit@h/db\nlog = \"info\"\n",
        );
        let loaded = load_with(&env(&[]), Some(&path), None, &scratch.missing());
        let p = problems(&loaded);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with(&format!("{}: line 2: ", path.display())),
            "{p:?}"
        );
        assert!(!p[0].contains("sekrit"), "{p:?}");
    }

    #[test]
    fn debug_output_never_holds_the_database_password() {
        let password = "Zq8-pa55word-Lm3";
        let urls = [
            format!("postgres://reconnect:{password}@db.internal:5432/reconnect"),
            format!(
                "postgres://reconnect@db.internal/reconnect?sslmode=require&password={password}"
            ),
            format!(
                "postgresql://reconnect:{password}@db.internal/reconnect?sslpassword={password}"
            ),
            format!("postgres://reconnect:ab%2F{password}%40x@db.internal/reconnect"),
        ];
        for url in urls {
            let loaded = load_env(&[("DATABASE_URL", &url)]);
            assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
            assert!(!format!("{loaded:?}").contains(password));
            assert!(!format!("{:?}", loaded.shown).contains(password));
            let config = loaded.into_config().unwrap();
            for text in [
                format!("{config:?}"),
                format!("{config:#?}"),
                format!("{:?}", config.database_url),
                config.database_url.to_string(),
                config.database_url.redacted().to_string(),
            ] {
                assert!(!text.contains(password), "{text}");
                assert!(text.contains(REDACTED), "{text}");
            }
            assert_eq!(config.database_url.expose(), url);
            assert!(config.database_url.has_password());
        }
        // Unescaped `/` and `@` in the password make the URL invalid, and the
        // problem still does not show it.
        let url = format!("postgres://reconnect:ab/{password}@x@db.internal/reconnect");
        let loaded = load_env(&[("DATABASE_URL", &url)]);
        let p = problems(&loaded);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(
            p[0],
            "DATABASE_URL: 'postgres://reconnect:***@db.internal/reconnect' is not a valid \
             PostgreSQL URL (invalid port number)"
        );
        assert!(!format!("{loaded:?}").contains(password));
    }

    #[test]
    fn redaction_keeps_the_rest_of_the_url() {
        assert_eq!(
            redact_url("postgres://app:pw@db:5432/reconnect?sslmode=require"),
            "postgres://app:***@db:5432/reconnect?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://app@db/reconnect?Password=x&sslmode=require"),
            "postgres://app@db/reconnect?Password=***&sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://app@db/reconnect"),
            "postgres://app@db/reconnect"
        );
        assert_eq!(redact_url(DEFAULT_DATABASE_URL), DEFAULT_DATABASE_URL);
        let url = DatabaseUrl::parse(DEFAULT_DATABASE_URL).unwrap();
        assert!(!url.has_password());
        assert_eq!(url.sqlite_path(), Some(PathBuf::from("data/reconnect.db")));
        assert_eq!(
            format!("{url:?}"),
            "DatabaseUrl(\"sqlite://data/reconnect.db\")"
        );
    }

    #[test]
    fn scrub_removes_the_password_from_driver_messages() {
        let url = DatabaseUrl::parse("postgres://app:p%40ss-w0rd-long@db/reconnect").unwrap();
        assert_eq!(
            url.scrub("error with p@ss-w0rd-long and p%40ss-w0rd-long"),
            "error with *** and ***"
        );
        assert_eq!(percent_decode("a%2Fb%zz%4"), "a/b%zz%4");
    }

    #[test]
    fn warnings_for_risky_deployments() {
        let config = load_env(&[("RECONNECT_BIND", "0.0.0.0:8080")])
            .into_config()
            .unwrap();
        let w = config.warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("not marked Secure"));

        let config = load_env(&[
            ("RECONNECT_BIND", "0.0.0.0:8080"),
            ("RECONNECT_PUBLIC_URL", "https://reconnect.example.org"),
            ("RECONNECT_TRUST_PROXY", "true"),
        ])
        .into_config()
        .unwrap();
        let w = config.warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("forge X-Forwarded-For"));

        let config = load_env(&[("RECONNECT_PUBLIC_URL", "https://reconnect.example.org")])
            .into_config()
            .unwrap();
        assert!(config.warnings()[0].contains("RECONNECT_TRUST_PROXY is off"));

        let config = load_env(&[
            ("RECONNECT_PUBLIC_URL", "https://reconnect.example.org"),
            ("RECONNECT_TRUST_PROXY", "true"),
        ])
        .into_config()
        .unwrap();
        assert!(config.warnings().is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn a_readable_file_holding_the_database_password_is_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let scratch = Scratch::new("perms");
        let path = scratch.file(
            "reconnect.toml",
            "database_url = \"postgres://app:pw-pw-pw-pw@db/reconnect\"\n",
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let config = load_with(&env(&[]), Some(&path), None, &scratch.missing())
            .into_config()
            .unwrap();
        assert!(
            config.warnings()[0].contains("chmod 600"),
            "{:?}",
            config.warnings()
        );
        assert!(!config.warnings()[0].contains("pw-pw"));

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let config = load_with(&env(&[]), Some(&path), None, &scratch.missing())
            .into_config()
            .unwrap();
        assert!(config.warnings().is_empty(), "{:?}", config.warnings());
    }
}
