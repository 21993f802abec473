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
const NOTIFY_URL: Spec = Spec {
    key: "notify_url",
    env: &["RECONNECT_NOTIFY_URL"],
};
const NOTIFY_KEY: Spec = Spec {
    key: "notify_key",
    env: &["RECONNECT_NOTIFY_KEY"],
};

/// The TOML keys a configuration file may hold.
pub const FILE_KEYS: [&str; 9] = [
    DATABASE_URL.key,
    BIND.key,
    PUBLIC_URL.key,
    TRUST_PROXY.key,
    SESSION_IDLE.key,
    LOG.key,
    LOG_FORMAT.key,
    NOTIFY_URL.key,
    NOTIFY_KEY.key,
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

mod database_url;
pub use database_url::{redact_url, DatabaseUrl};

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
    /// Where messages are sent; when unset they are only logged.
    pub notify: Option<crate::jobs::senders::NotifyConfig>,
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

    let notify_url = ctx.optional_setting(NOTIFY_URL, |v| {
        crate::jobs::senders::parse_notify_url(v).map(|u| {
            let s = u.to_string();
            (u, s)
        })
    });
    let notify_key = ctx.optional_setting(NOTIFY_KEY, |v| {
        if v.trim().is_empty() {
            Err("must not be blank".to_string())
        } else {
            Ok((
                secrecy::SecretString::from(v.trim().to_string()),
                "(set, not shown)".to_string(),
            ))
        }
    });
    let notify = match (notify_url, notify_key) {
        (Some(Some(url)), Some(Some(key))) => {
            Some(Some(crate::jobs::senders::NotifyConfig { url, key }))
        }
        (Some(None), Some(None)) => Some(None),
        (Some(Some(_)), Some(None)) => {
            ctx.problems.push(Problem::new(
                NOTIFY_KEY.env[0],
                "must be set when RECONNECT_NOTIFY_URL is set",
            ));
            None
        }
        (Some(None), Some(Some(_))) => {
            ctx.problems.push(Problem::new(
                NOTIFY_URL.env[0],
                "must be set when RECONNECT_NOTIFY_KEY is set",
            ));
            None
        }
        _ => None,
    };

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
        notify,
    ) {
        (
            Some(database_url),
            Some(bind),
            Some(public_url),
            Some(trust_proxy),
            Some(session_idle_minutes),
            Some(log),
            Some(log_format),
            Some(notify),
        ) => Some(Config {
            database_url,
            bind,
            public_url,
            trust_proxy,
            session_idle_minutes,
            log,
            log_format,
            notify,
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
mod tests;
