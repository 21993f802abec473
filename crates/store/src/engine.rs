//! What differs between the two database engines: how a URL is prepared, the
//! per-connection settings, pool size, and each engine's embedded migrations.

use crate::StoreError;
use sqlx::migrate::Migrator;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// Picks the engine from the URL scheme.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Engine::Sqlite),
            "postgres" | "postgresql" => Ok(Engine::Postgres),
            _ => Err(StoreError::Config(
                "DATABASE_URL must start with sqlite:// or postgres://".into(),
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }

    /// For SQLite: make sure the file's folder exists and the file is created
    /// on first use (`mode=rwc`).
    pub(crate) fn prepare(self, url: &str) -> Result<String, StoreError> {
        match self {
            Engine::Postgres => Ok(url.to_string()),
            Engine::Sqlite => {
                let rest = url
                    .strip_prefix("sqlite://")
                    .or_else(|| url.strip_prefix("sqlite:"))
                    .unwrap_or_default();
                let (path, query) = match rest.split_once('?') {
                    Some((p, q)) => (p, Some(q)),
                    None => (rest, None),
                };
                if path.is_empty() || path.starts_with(":memory:") {
                    return Err(StoreError::Config(
                        "DATABASE_URL must name a SQLite file (in-memory databases are not shared between connections)".into(),
                    ));
                }
                if let Some(dir) = std::path::Path::new(path).parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir).map_err(|e| {
                            StoreError::Config(format!(
                                "DATABASE_URL: cannot create folder {}: {e}",
                                dir.display()
                            ))
                        })?;
                    }
                }
                let query = match query {
                    Some(q) if q.contains("mode=") => q.to_string(),
                    Some(q) if !q.is_empty() => format!("{q}&mode=rwc"),
                    _ => "mode=rwc".to_string(),
                };
                Ok(format!("sqlite://{path}?{query}"))
            }
        }
    }

    /// Statements run on every new connection.
    pub(crate) fn connection_pragmas(self) -> &'static [&'static str] {
        match self {
            Engine::Sqlite => &[
                "PRAGMA journal_mode = WAL",
                "PRAGMA foreign_keys = ON",
                "PRAGMA busy_timeout = 10000",
                "PRAGMA synchronous = NORMAL",
            ],
            Engine::Postgres => &["SET TIME ZONE 'UTC'"],
        }
    }

    pub(crate) fn max_connections(self) -> u32 {
        match self {
            Engine::Sqlite => 4,
            Engine::Postgres => 16,
        }
    }

    pub(crate) fn migrator(self) -> &'static Migrator {
        match self {
            Engine::Sqlite => &SQLITE_MIGRATIONS,
            Engine::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_engine_from_scheme() {
        assert_eq!(
            Engine::from_url("sqlite://data/x.db").unwrap(),
            Engine::Sqlite
        );
        assert_eq!(
            Engine::from_url("postgres://u@h/db").unwrap(),
            Engine::Postgres
        );
        assert_eq!(
            Engine::from_url("postgresql://u@h/db").unwrap(),
            Engine::Postgres
        );
        assert!(Engine::from_url("mysql://h/db").is_err());
    }

    #[test]
    fn sqlite_urls_create_their_file() {
        let dir = std::env::temp_dir().join(format!("reconnect-engine-{}", std::process::id()));
        let url = format!("sqlite://{}/a.db", dir.display());
        let prepared = Engine::Sqlite.prepare(&url).unwrap();
        assert!(prepared.ends_with("a.db?mode=rwc"));
        assert!(dir.exists());
        let _ = std::fs::remove_dir_all(&dir);
        assert!(Engine::Sqlite.prepare("sqlite::memory:").is_err());
    }
}
