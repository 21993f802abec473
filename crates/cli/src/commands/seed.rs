//! `reconnect demo`: seeds synthetic demo data into an empty database, and
//! the demo sign-ins shared with `serve --demo`.

use super::{hash_password_blocking, DemoArgs};
use crate::config::Config;
use crate::demo::{self, DemoLogin, DemoOptions, DemoSummary};
use anyhow::{bail, Context};
use reconnect_store::Store;

pub async fn run(config: &Config, args: &DemoArgs) -> anyhow::Result<()> {
    let store = super::connect(config).await?;
    let url = &config.database_url;
    if !store
        .is_empty()
        .await
        .context("cannot check whether the database is empty")?
    {
        store.close().await;
        bail!(
            "the database at {url} already holds data; `reconnect demo` only seeds an empty \
             database (point DATABASE_URL at a new one)"
        );
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
    println!();
    println!("Demo sign-ins:");
    print_logins(&summary.logins);
    println!();
    println!("Every demo account has the demo password, which `reconnect serve --demo` prints.");
    println!("Demo data is made up: never add real people's details to a demo database.");
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
