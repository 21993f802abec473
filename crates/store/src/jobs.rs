//! Scheduled runs of background jobs, shared by every instance on one
//! database. Each scheduled run has a key (e.g.
//! `appointment-reminders:2026-11-21`); `(job, run_key)` is unique, so the
//! run is created once however many instances try. A run is held under a
//! lease: a run left "running" by a killed process, or one that failed, can
//! be claimed again once its lease expires (jobs are idempotent, so running
//! one again sends nothing twice). On PostgreSQL the re-claim takes the row
//! with `FOR UPDATE SKIP LOCKED`; on SQLite `BEGIN IMMEDIATE` serialises
//! claimers. Job runs hold counts and errors, never personal data.

use crate::sql::parse;
use crate::{Engine, Result, Store, StoreError};
use reconnect_domain::clock::{from_millis, to_millis};
use reconnect_domain::{Caller, Role};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// A run this instance holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobClaim {
    pub id: Uuid,
    pub job: String,
    pub run_key: String,
    pub attempts: i64,
}

/// A run as stored, for operators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRun {
    pub job: String,
    pub run_key: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub claimed_by: String,
    pub claimed_at: OffsetDateTime,
    pub lease_until: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub attempts: i64,
    pub summary: Option<String>,
    pub last_error: Option<String>,
}

type RunRow = (
    String,
    String,
    String,
    String,
    i64,
    i64,
    Option<i64>,
    i64,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Claims the run `run_key` of `job` for `instance`, if nobody has done
    /// it and nobody holds a live lease on it. `None` means another instance
    /// did it or is doing it.
    pub async fn claim_job_run(
        &self,
        job: &str,
        run_key: &str,
        instance: &str,
        lease: Duration,
    ) -> Result<Option<JobClaim>> {
        let now = self.now_ms();
        let until = to_millis(self.now() + lease);
        let mut tx = self.begin_read_write().await?;
        let id = Uuid::new_v4();
        let inserted = sqlx::query(
            "INSERT INTO job_run (id, job, run_key, state, claimed_by, claimed_at, lease_until, attempts) \
             VALUES ($1, $2, $3, 'running', $4, $5, $6, 1) ON CONFLICT (job, run_key) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(job.to_string())
        .bind(run_key.to_string())
        .bind(instance.to_string())
        .bind(now)
        .bind(until)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 1 {
            tx.commit().await?;
            return Ok(Some(JobClaim {
                id,
                job: job.into(),
                run_key: run_key.into(),
                attempts: 1,
            }));
        }
        let lock = match self.engine {
            Engine::Postgres => " FOR UPDATE SKIP LOCKED",
            Engine::Sqlite => "",
        };
        let open = "state IN ('running', 'failed') AND lease_until < $3";
        let row: Option<(String, i64)> = sqlx::query_as(&format!(
            "SELECT id, attempts FROM job_run WHERE job = $1 AND run_key = $2 AND {open}{lock}"
        ))
        .bind(job.to_string())
        .bind(run_key.to_string())
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((existing, attempts)) = row else {
            return Ok(None);
        };
        let done = sqlx::query(&format!(
            "UPDATE job_run SET state = 'running', claimed_by = $4, claimed_at = $3, \
             lease_until = $5, attempts = attempts + 1, finished_at = NULL \
             WHERE job = $1 AND run_key = $2 AND {open}"
        ))
        .bind(job.to_string())
        .bind(run_key.to_string())
        .bind(now)
        .bind(instance.to_string())
        .bind(until)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(JobClaim {
            id: parse(&existing, "job run id")?,
            job: job.into(),
            run_key: run_key.into(),
            attempts: attempts + 1,
        }))
    }

    /// Marks a claimed run done (or failed, to be tried again after
    /// `retry_after`). Returns false if this instance no longer holds it.
    pub async fn finish_job_run(
        &self,
        claim: &JobClaim,
        instance: &str,
        outcome: std::result::Result<String, String>,
        retry_after: Duration,
    ) -> Result<bool> {
        let now = self.now_ms();
        let (state, summary, error, lease) = match outcome {
            Ok(s) => ("done", Some(s), None, now),
            Err(e) => ("failed", None, Some(e), to_millis(self.now() + retry_after)),
        };
        let mut tx = self.begin_read_write().await?;
        let done = sqlx::query(
            "UPDATE job_run SET state = $1, summary = $2, last_error = $3, finished_at = $4, \
             lease_until = $5 WHERE id = $6 AND claimed_by = $7 AND state = 'running'",
        )
        .bind(state)
        .bind(summary)
        .bind(error)
        .bind(now)
        .bind(lease)
        .bind(claim.id.to_string())
        .bind(instance.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// The most recent runs, newest first; for admins only.
    pub async fn recent_job_runs(&self, caller: &Caller, limit: i64) -> Result<Vec<JobRun>> {
        if caller.role() != Role::Admin {
            return Err(StoreError::Forbidden);
        }
        self.job_runs(limit).await
    }

    /// The most recent runs, for operator commands run on the server.
    pub async fn job_runs(&self, limit: i64) -> Result<Vec<JobRun>> {
        let rows: Vec<RunRow> = sqlx::query_as(
            "SELECT job, run_key, state, claimed_by, claimed_at, lease_until, finished_at, \
             attempts, summary, last_error FROM job_run ORDER BY claimed_at DESC, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| JobRun {
                job: r.0,
                run_key: r.1,
                state: r.2,
                claimed_by: r.3,
                claimed_at: from_millis(r.4),
                lease_until: from_millis(r.5),
                finished_at: r.6.map(from_millis),
                attempts: r.7,
                summary: r.8,
                last_error: r.9,
            })
            .collect())
    }
}
