//! `reconnect migrate`: brings the database schema up to date.

use crate::config::Config;

pub async fn run(config: &Config) -> anyhow::Result<()> {
    let store = super::connect(config).await?;
    let engine = store.engine().name();
    store.close().await;
    println!(
        "{engine} database {}: migrations applied; the schema is up to date.",
        config.database_url
    );
    Ok(())
}
