//! `reconnect jobs run-once` runs every due job now (each still only once
//! across instances) and prints what ran; `reconnect jobs list` shows the
//! registered jobs and the most recent runs.

use crate::config::Config;
use crate::jobs::runner::{instance_name, Runner};
use crate::jobs::senders::{LogSender, NotifySender, Sender};
use crate::jobs::{registry, Job};
use reconnect_store::Store;
use std::sync::Arc;

/// The sender the configuration asks for: Notify-style HTTP when
/// configured, else the log.
pub fn sender(config: &Config) -> Arc<dyn Sender> {
    match &config.notify {
        Some(notify) => Arc::new(NotifySender::new(notify.clone())),
        None => Arc::new(LogSender),
    }
}

/// The runner for this process.
pub fn runner(config: &Config, store: Store) -> Runner {
    let instance = instance_name();
    Runner::new(store, registry(sender(config), instance.clone()), instance)
}

pub async fn run_once(config: &Config) -> anyhow::Result<()> {
    let store = super::connect(config).await?;
    let runner = runner(config, store.clone());
    let ran = runner.run_due(store.now()).await?;
    if ran.is_empty() {
        println!("No job was due (or every due job has already run).");
    }
    let mut failed = false;
    for r in &ran {
        match &r.outcome {
            Ok(summary) => println!("ran {} ({}): {summary}", r.job, r.run_key),
            Err(error) => {
                failed = true;
                println!("FAILED {} ({}): {error}", r.job, r.run_key);
            }
        }
    }
    store.close().await;
    if failed {
        anyhow::bail!("a job failed; it will be tried again");
    }
    Ok(())
}

pub async fn list(config: &Config) -> anyhow::Result<()> {
    let store = super::connect(config).await?;
    let jobs: Vec<Job> = runner(config, store.clone()).jobs().to_vec();
    println!("Jobs:");
    for job in &jobs {
        println!("  {:<24} {}", job.name, job.schedule.describe());
    }
    let runs = store.job_runs(20).await?;
    println!();
    if runs.is_empty() {
        println!("No job has run yet.");
    } else {
        println!("Recent runs:");
    }
    for run in runs {
        let detail = run
            .last_error
            .clone()
            .or(run.summary.clone())
            .unwrap_or_default();
        println!(
            "  {:<24} {:<28} {:<8} tries {}  {detail}",
            run.job, run.run_key, run.state, run.attempts
        );
    }
    store.close().await;
    Ok(())
}
