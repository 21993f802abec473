//! Tests of configuration loading, precedence, checks and redaction.

use super::database_url::percent_decode;
use super::*;
use reconnect_store::Engine;

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
        ("RECONNECT_NOTIFY_URL", "http://127.0.0.1:8025/notify"),
        ("RECONNECT_NOTIFY_KEY", "notify-key-hidden"),
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
    let notify = config.notify.as_ref().unwrap();
    assert_eq!(notify.url.as_str(), "http://127.0.0.1:8025/notify");
    assert!(!format!("{config:?}").contains("notify-key-hidden"));
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
        ("RECONNECT_NOTIFY_URL", "https://api.example.org"),
        ("RECONNECT_NOTIFY_KEY", " "),
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
            p[7].clone(),
            p[8].clone(),
        ]
    );
    assert!(p[7].starts_with("RECONNECT_NOTIFY_URL: "), "{}", p[7]);
    assert!(p[7].contains("must start with http://"), "{}", p[7]);
    assert!(p[8].starts_with("RECONNECT_NOTIFY_KEY: "), "{}", p[8]);
    assert!(
        p[5].starts_with("RECONNECT_LOG: 'info,reconnect=loud' is not a log filter"),
        "{}",
        p[5]
    );
    assert!(!p.iter().any(|p| p.contains("hunter2")));
    assert!(loaded.shown.iter().all(|s| s.value == "(invalid)"));
    let err = loaded.into_config().unwrap_err();
    assert_eq!(err.problems.len(), 9);
    assert!(err
        .to_string()
        .starts_with("9 configuration problems:\n  DATABASE_URL: "));
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
        format!("postgres://reconnect@db.internal/reconnect?sslmode=require&password={password}"),
        format!("postgresql://reconnect:{password}@db.internal/reconnect?sslpassword={password}"),
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
