//! Background jobs run inside the binary: each is a small registered unit
//! (a name, a schedule and a function of the store and the time), so adding
//! one is one line in [`registry`]. The [`runner`] runs every due job once
//! across all instances sharing the database; [`senders`] deliver messages.
//!
//! To register a job, add one line to [`registry`], e.g.
//! `Job::daily("engagement-recompute", 2, 0, |s, now| async move { Ok(format!("{:?}", s.recompute_engagement(now).await?)) }),`

pub mod runner;
#[cfg(test)]
mod runner_tests;
pub mod senders;

use reconnect_domain::uk_time::to_uk;
use reconnect_store::outbox::Delivery;
use reconnect_store::Store;
use senders::Sender;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use time::{OffsetDateTime, Time};

/// What a job returns: a short summary (counts, never personal data).
pub type JobFuture = Pin<Box<dyn Future<Output = anyhow::Result<String>> + Send>>;
type RunFn = Arc<dyn Fn(Store, OffsetDateTime) -> JobFuture + Send + Sync>;

/// When a job is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Schedule {
    /// Once a day, from this time on UK clocks (a missed run happens later
    /// the same day, once the service is up).
    DailyAt { hour: u8, minute: u8 },
    /// Every so many minutes.
    EveryMinutes(u32),
}

impl Schedule {
    /// The key of the run due at `now`, if one is: the UK date for a daily
    /// job, the start of the current slot for a repeating one.
    pub fn run_key(self, now: OffsetDateTime) -> Option<String> {
        match self {
            Schedule::DailyAt { hour, minute } => {
                let uk = to_uk(now);
                let at = Time::from_hms(hour, minute, 0).ok()?;
                (uk.time() >= at).then(|| uk.date().to_string())
            }
            Schedule::EveryMinutes(n) => {
                let slot = i64::from(n.max(1)) * 60;
                let start = now.unix_timestamp().div_euclid(slot) * slot;
                let at = OffsetDateTime::from_unix_timestamp(start).ok()?;
                at.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }
        }
    }

    /// In words, for `reconnect jobs list`.
    pub fn describe(self) -> String {
        match self {
            Schedule::DailyAt { hour, minute } => format!("daily at {hour:02}:{minute:02} UK time"),
            Schedule::EveryMinutes(1) => "every minute".into(),
            Schedule::EveryMinutes(n) => format!("every {n} minutes"),
        }
    }
}

/// One registered job.
#[derive(Clone)]
pub struct Job {
    pub name: &'static str,
    pub schedule: Schedule,
    run: RunFn,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("name", &self.name)
            .field("schedule", &self.schedule)
            .finish()
    }
}

impl Job {
    pub fn new<F, Fut>(name: &'static str, schedule: Schedule, run: F) -> Self
    where
        F: Fn(Store, OffsetDateTime) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<String>> + Send + 'static,
    {
        Self {
            name,
            schedule,
            run: Arc::new(move |s, now| Box::pin(run(s, now))),
        }
    }

    /// A job run once a day from `hour:minute` UK time.
    pub fn daily<F, Fut>(name: &'static str, hour: u8, minute: u8, run: F) -> Self
    where
        F: Fn(Store, OffsetDateTime) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<String>> + Send + 'static,
    {
        Self::new(name, Schedule::DailyAt { hour, minute }, run)
    }

    /// A job run every `minutes` minutes.
    pub fn every<F, Fut>(name: &'static str, minutes: u32, run: F) -> Self
    where
        F: Fn(Store, OffsetDateTime) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<String>> + Send + 'static,
    {
        Self::new(name, Schedule::EveryMinutes(minutes), run)
    }

    pub(crate) fn call(&self, store: Store, now: OffsetDateTime) -> JobFuture {
        (self.run)(store, now)
    }
}

/// Every job the binary runs. Messages are delivered through `sender`.
pub fn registry(sender: Arc<dyn Sender>, instance: Arc<str>) -> Vec<Job> {
    vec![
        Job::daily("appointment-reminders", 10, 0, |s, now| async move {
            Ok(s.queue_appointment_reminders(now).await?.to_string())
        }),
        Job::daily("staff-digest", 7, 30, |s, now| async move {
            Ok(s.queue_staff_digests(now).await?.to_string())
        }),
        Job::daily("engagement-recompute", 2, 0, |s, now| async move {
            let r = s.recompute_engagement(now).await?;
            Ok(format!(
                "{} episodes, {} levels recorded, {} step-ups opened",
                r.episodes, r.snapshots_written, r.step_ups_opened
            ))
        }),
        Job::every("step-up-escalation", 60, |s, now| async move {
            Ok(format!(
                "{} escalated",
                s.escalate_overdue_step_ups(now).await?
            ))
        }),
        Job::every("outbox-delivery", 1, move |s, _now| {
            deliver(s, sender.clone(), instance.clone())
        }),
    ]
}

/// How many messages one delivery run sends at most (the rest wait a minute).
const DELIVERY_BATCHES: usize = 20;
const DELIVERY_BATCH: i64 = 10;
/// How long claimed messages are held. It must outlast sending a whole
/// batch (10 messages at most 15 seconds each), so that no other instance
/// takes over a message this one is still about to send.
const DELIVERY_LEASE: time::Duration = time::Duration::minutes(10);

/// Sends the messages that are due, each claimed by this instance alone.
pub async fn deliver(
    store: Store,
    sender: Arc<dyn Sender>,
    instance: Arc<str>,
) -> anyhow::Result<String> {
    let (mut sent, mut retry, mut failed) = (0, 0, 0);
    for _ in 0..DELIVERY_BATCHES {
        let batch = store
            .claim_due_messages(&instance, DELIVERY_BATCH, DELIVERY_LEASE)
            .await?;
        if batch.is_empty() {
            break;
        }
        for message in batch {
            let outcome = sender.send(&message).await;
            match &outcome {
                Delivery::Sent { .. } => sent += 1,
                Delivery::Retry { .. } => retry += 1,
                Delivery::Failed { .. } => failed += 1,
            }
            store
                .record_delivery(message.id, &instance, &outcome)
                .await?;
        }
    }
    Ok(format!(
        "{sent} sent, {retry} to try again, {failed} failed"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn daily_runs_are_keyed_by_uk_date_once_due() {
        let s = Schedule::DailyAt {
            hour: 10,
            minute: 0,
        };
        // 08:59 UTC is 09:59 BST: not yet.
        assert_eq!(s.run_key(datetime!(2026-06-01 08:59 UTC)), None);
        assert_eq!(
            s.run_key(datetime!(2026-06-01 09:00 UTC)).as_deref(),
            Some("2026-06-01")
        );
        assert_eq!(
            s.run_key(datetime!(2026-11-21 23:30 UTC)).as_deref(),
            Some("2026-11-21")
        );
    }

    #[test]
    fn repeating_runs_are_keyed_by_slot() {
        let s = Schedule::EveryMinutes(5);
        assert_eq!(
            s.run_key(datetime!(2026-11-21 10:04:59 UTC)),
            s.run_key(datetime!(2026-11-21 10:00 UTC))
        );
        assert_ne!(
            s.run_key(datetime!(2026-11-21 10:05 UTC)),
            s.run_key(datetime!(2026-11-21 10:04 UTC))
        );
        assert_eq!(s.describe(), "every 5 minutes");
    }
}
