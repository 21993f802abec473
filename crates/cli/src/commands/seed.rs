//! `reconnect demo`: seeds synthetic demo data into an empty database (the
//! rich demo, or with `--scale` a large dataset loaded in bulk), and the demo
//! sign-ins shared with `serve --demo`. With `--force` a database that holds
//! data is cleared first: a SQLite file (and its -wal and -shm files) is
//! removed, a PostgreSQL database's `public` schema is dropped and made again.

use super::{hash_password_blocking, DemoArgs};
use crate::config::{Config, DatabaseUrl};
use crate::demo::scale::{self, Scale};
use crate::demo::{self, DemoLogin, DemoOptions, DemoSummary, DEMO_PASSWORD};
use anyhow::{bail, Context};
use reconnect_store::{Engine, Store};

pub async fn run(config: &Config, args: &DemoArgs) -> anyhow::Result<()> {
    let url = &config.database_url;
    let store = empty_store(config, args.force).await?;
    if let Some(size) = args.scale {
        let outcome = run_scale(&store, size, args.seed).await;
        store.close().await;
        return outcome;
    }
    let options = DemoOptions {
        seed: args.seed,
        people_per_site: args.people_per_site,
    };
    let summary = seed(&store, &options).await;
    store.close().await;
    let summary = summary?;
    println!("Seeded demo data into {url} (seed {}):", args.seed);
    println!(
        "  {} sites, {} prisons, {} staff, {} people",
        summary.sites, summary.prisons, summary.staff, summary.people
    );
    if summary.episodes > 0 {
        println!(
            "  {} episodes of support: {}",
            summary.episodes,
            summary.episode_breakdown()
        );
    }
    print_footer(&summary.logins);
    Ok(())
}

fn print_footer(logins: &[DemoLogin]) {
    println!();
    println!("Demo sign-ins:");
    print_logins(logins);
    println!();
    println!("Every demo account has the demo password, which `reconnect serve --demo` prints.");
    println!("Demo data is made up: never add real people's details to a demo database.");
}

/// Connects and migrates, making sure the database is empty: a database
/// holding data is refused, or cleared when `force` is set.
async fn empty_store(config: &Config, force: bool) -> anyhow::Result<Store> {
    let url = &config.database_url;
    let store = super::connect(config).await?;
    let empty = store
        .is_empty()
        .await
        .context("cannot check whether the database is empty")?;
    if empty {
        return Ok(store);
    }
    if !force {
        store.close().await;
        bail!(
            "the database at {url} already holds data; `reconnect demo` only seeds an empty \
             database (point DATABASE_URL at a new one, or add --force to clear this one first)"
        );
    }
    match url.engine() {
        Engine::Sqlite => {
            store.close().await;
            remove_sqlite_files(url)?;
        }
        Engine::Postgres => {
            let dropped = store.drop_postgres_schema().await;
            store.close().await;
            dropped.with_context(|| format!("cannot clear the database at {url}"))?;
        }
    }
    eprintln!("Cleared the database at {url} (--force).");
    super::connect(config).await
}

fn remove_sqlite_files(url: &DatabaseUrl) -> anyhow::Result<()> {
    let Some(path) = url.sqlite_path() else {
        bail!("cannot find the SQLite file of {url}");
    };
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.clone().into_os_string();
        name.push(suffix);
        match std::fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => bail!(
                "cannot remove {}: {e}",
                std::path::Path::new(&name).display()
            ),
        }
    }
    Ok(())
}

/// `--scale`: the bulk dataset, then what was made and the sign-ins.
async fn run_scale(store: &Store, size: Scale, seed: u64) -> anyhow::Result<()> {
    let hash = hash_password_blocking(DEMO_PASSWORD)?;
    let today = store.now().date();
    let summary = scale::seed(store, size, seed, today, &hash)
        .await
        .context("cannot load the scale dataset")?;
    let shape = summary.shape;
    println!(
        "Loaded the {} dataset (seed {seed}) in {:.1}s: {} rows.",
        clap::ValueEnum::to_possible_value(&size)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default(),
        summary.seconds,
        summary.rows
    );
    println!(
        "  {} sites in {} regions, {} staff, {} people over {} year(s), {} directory services",
        shape.sites, shape.regions, summary.staff, shape.people, shape.years, shape.services
    );
    let breakdown = summary
        .episodes_by_state
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(state, n)| format!("{n} {}", state.label().to_lowercase()))
        .collect::<Vec<_>>()
        .join(", ");
    println!("  {} episodes of support: {breakdown}", summary.episodes());
    print_footer(&summary.logins);
    Ok(())
}

/// Seeds `store` (which the caller has checked is empty).
pub async fn seed(store: &Store, options: &DemoOptions) -> anyhow::Result<DemoSummary> {
    let summary = demo::seed(store, options, &hash_password_blocking)
        .await
        .context("cannot seed the demo data")?;
    tracing::info!(
        sites = summary.sites,
        prisons = summary.prisons,
        staff = summary.staff,
        people = summary.people,
        episodes = summary.episodes,
        "demo data seeded"
    );
    Ok(summary)
}

/// One line per sign-in: role, email and site.
pub fn print_logins(logins: &[DemoLogin]) {
    let width = logins
        .iter()
        .map(|l| l.role.label().chars().count())
        .max()
        .unwrap_or(0);
    for login in logins {
        let site = login
            .site
            .as_deref()
            .map(|s| format!("  ({s})"))
            .unwrap_or_default();
        println!("  {:<width$}  {}{site}", login.role.label(), login.email);
    }
}
