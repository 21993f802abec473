//! The job runner: every tick, each registered job whose run is due is
//! claimed in the database (once across every instance; see
//! `reconnect_store::jobs`), run, and marked done or failed. A failed run is
//! tried again after a minute; a run whose instance was killed is taken over
//! when its lease expires. Jobs are idempotent, so a run repeated after a
//! crash sends nothing twice.

use super::Job;
use reconnect_store::Store;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// How long a claimed run is held before another instance may take it over.
pub const LEASE: time::Duration = time::Duration::minutes(10);
/// How long after a failure a run is tried again.
pub const RETRY_AFTER: time::Duration = time::Duration::minutes(1);
/// How often `serve` looks for due jobs.
pub const TICK: Duration = Duration::from_secs(30);

/// What happened to one job on one pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ran {
    pub job: &'static str,
    pub run_key: String,
    /// `Ok(summary)` or `Err(error)`.
    pub outcome: Result<String, String>,
}

/// Runs jobs for one instance.
#[derive(Clone, Debug)]
pub struct Runner {
    store: Store,
    jobs: Vec<Job>,
    instance: Arc<str>,
}

/// A name for this process among instances: host, process id and a random part.
pub fn instance_name() -> Arc<str> {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    let random = uuid::Uuid::new_v4().simple().to_string();
    Arc::from(format!("{host}-{}-{}", std::process::id(), &random[..8]))
}

impl Runner {
    pub fn new(store: Store, jobs: Vec<Job>, instance: Arc<str>) -> Self {
        Self {
            store,
            jobs,
            instance,
        }
    }

    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    /// Runs every job due at `now` that no instance has run (or is running).
    pub async fn run_due(&self, now: OffsetDateTime) -> anyhow::Result<Vec<Ran>> {
        let mut ran = Vec::new();
        for job in &self.jobs {
            let Some(key) = job.schedule.run_key(now) else {
                continue;
            };
            let Some(claim) = self
                .store
                .claim_job_run(job.name, &key, &self.instance, LEASE)
                .await?
            else {
                continue;
            };
            let outcome = job
                .call(self.store.clone(), now)
                .await
                .map_err(|e| format!("{e:#}"));
            if let Err(e) = &outcome {
                tracing::warn!(job = job.name, run = %key, error = %e, "job failed; it will be tried again");
            }
            self.store
                .finish_job_run(&claim, &self.instance, outcome.clone(), RETRY_AFTER)
                .await?;
            ran.push(Ran {
                job: job.name,
                run_key: key,
                outcome,
            });
        }
        Ok(ran)
    }

    /// Runs due jobs every `tick` until `stop` resolves; a pass in progress
    /// is finished first (or, if the process is killed, taken over later).
    pub async fn run_until(self, tick: Duration, stop: impl std::future::Future<Output = ()>) {
        tokio::pin!(stop);
        let mut interval = tokio::time::interval(tick);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = &mut stop => break,
                _ = interval.tick() => {
                    match self.run_due(self.store.now()).await {
                        Ok(ran) => {
                            for r in ran {
                                tracing::info!(job = r.job, run = %r.run_key, ok = r.outcome.is_ok(), "job ran");
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "the job runner could not reach the database"),
                    }
                }
            }
        }
        tracing::info!("job runner stopped");
    }
}
