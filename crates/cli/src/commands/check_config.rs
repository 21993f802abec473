//! `reconnect check-config`: shows the effective settings (the database
//! password replaced), every problem with them, anything risky, and whether
//! the database answers. Exit code 0 when all is well, 2 when not.

use super::EXIT_CONFIG;
use crate::config::{self, DatabaseUrl, Inputs, Loaded, Problem};
use reconnect_store::Engine;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;
use tokio::net::TcpStream;

pub async fn run(config_file: Option<&Path>) -> ExitCode {
    let loaded = config::load(&Inputs::process(config_file, None));
    let mut problems = loaded.problems.clone();

    match &loaded.file {
        Some(path) => println!("Configuration file: {}", path.display()),
        None => println!("Configuration file: none (environment variables and defaults only)"),
    }
    println!();
    print_settings(&loaded);

    if let Some(config) = loaded.config() {
        let warnings = config.warnings();
        if !warnings.is_empty() {
            println!();
            println!("Warnings:");
            for w in warnings {
                println!("  - {w}");
            }
        }
    }

    println!();
    match &loaded.database_url {
        Some(url) => {
            if let Err(message) = check_database(url).await {
                let setting = loaded
                    .shown
                    .iter()
                    .find(|s| s.key == "database_url")
                    .map_or_else(|| "DATABASE_URL".to_string(), |s| s.setting());
                problems.push(Problem { setting, message });
            }
        }
        None => println!("Database: not checked, as its URL is not valid"),
    }

    println!();
    if problems.is_empty() {
        println!("The configuration is fine.");
        ExitCode::SUCCESS
    } else {
        println!(
            "{} problem{}:",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
        for p in &problems {
            println!("  - {p}");
        }
        ExitCode::from(EXIT_CONFIG)
    }
}

fn print_settings(loaded: &Loaded) {
    println!("Settings (environment variable, file key, value, where it came from):");
    let env_width = loaded.shown.iter().map(|s| s.env.len()).max().unwrap_or(0);
    let key_width = loaded.shown.iter().map(|s| s.key.len()).max().unwrap_or(0);
    let value_width = loaded
        .shown
        .iter()
        .map(|s| s.value.chars().count())
        .max()
        .unwrap_or(0);
    for s in &loaded.shown {
        println!(
            "  {:<env_width$}  {:<key_width$}  {:<value_width$}  ({})",
            s.env, s.key, s.value, s.origin
        );
    }
}

/// Says whether the database answers; `Err` with the reason when it does not.
async fn check_database(url: &DatabaseUrl) -> Result<(), String> {
    if let Some(path) = url.sqlite_path() {
        if !path.exists() {
            // Connecting would create it: a check should change nothing.
            println!(
                "Database: the SQLite file {} does not exist yet; `reconnect migrate` or \
                 `reconnect serve` creates it",
                path.display()
            );
            return Ok(());
        }
    }
    let engine = url.engine().name();
    if let Err(message) = reach(url).await {
        println!("Database: could not connect");
        return Err(message);
    }
    let store = match super::connect_only(url).await {
        Ok(store) => store,
        Err(e) => {
            println!("Database: could not connect");
            return Err(format!("{e:#}"));
        }
    };
    let answered = store.ping().await;
    let outcome = match answered {
        Ok(()) => {
            println!("Database: connected to {engine} at {url}");
            match store.is_empty().await {
                Ok(true) => println!("  It holds no sites yet."),
                Ok(false) => {}
                Err(_) => {
                    println!("  Its schema is missing or out of date: run `reconnect migrate`.")
                }
            }
            Ok(())
        }
        Err(e) => Err(format!(
            "the {engine} database at {url} did not answer: {}",
            url.scrub(&e.to_string())
        )),
    };
    store.close().await;
    if outcome.is_err() {
        println!("Database: could not connect");
    }
    outcome
}

/// For a database server named by host and port, whether anything listens
/// there: a clear answer at once, where the connection pool would retry
/// until it times out.
async fn reach(url: &DatabaseUrl) -> Result<(), String> {
    const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
    if url.engine() != Engine::Postgres {
        return Ok(());
    }
    let Ok(parsed) = url::Url::parse(url.expose()) else {
        return Ok(());
    };
    let Some(host) = parsed.host_str().filter(|h| !h.is_empty()) else {
        // A Unix socket (`?host=/run/postgresql`): leave it to the driver.
        return Ok(());
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = parsed.port().unwrap_or(5432);
    match tokio::time::timeout(PROBE_TIMEOUT, TcpStream::connect((host.as_str(), port))).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(format!(
            "cannot reach the database server at {host}:{port}: {e}"
        )),
        Err(_) => Err(format!(
            "cannot reach the database server at {host}:{port}: no answer within {} seconds",
            PROBE_TIMEOUT.as_secs()
        )),
    }
}
