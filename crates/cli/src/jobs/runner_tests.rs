//! The runner against a real (throwaway) database: each due job runs once
//! however many runners try, and delivery sends each queued message once.

use super::runner::Runner;
use super::senders::LogSender;
use super::{registry, Job};
use reconnect_domain::episode::Action;
use reconnect_domain::id::AppointmentId;
use reconnect_domain::message::{Channel, ContactPreferences};
use reconnect_domain::Role;
use reconnect_store::testing::TestDb;
use std::sync::Arc;
use time::Duration;

fn runner(db: &TestDb, name: &str) -> Runner {
    let instance: Arc<str> = Arc::from(name);
    Runner::new(
        db.store.clone(),
        registry(Arc::new(LogSender), instance.clone()),
        instance,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_due_job_runs_once_across_runners_and_reminders_are_delivered() {
    let db = TestDb::sqlite().await;
    let site = db.site("Leeds", &["HMP Leeds"]).await;
    let worker = db.staff(Role::Worker, &[site.id]).await;
    let person = db.person(&worker, site.prisons[0], "Ada", "Lovelace").await;
    let episode = db.episode(&worker, person).await;
    db.act(&worker, episode, &Action::Accept).await;
    db.store
        .record_contact_preferences(
            &worker,
            person,
            &ContactPreferences {
                channel: Channel::Email,
                address: Some("ada@example.org".into()),
                may_name_service: false,
            },
        )
        .await
        .unwrap();
    // The test clock says 09:00 UTC on 2 March (GMT): book for tomorrow,
    // then move to 10:30 when reminders are due.
    db.store
        .book_appointment(
            &worker,
            episode,
            AppointmentId::new(),
            &reconnect_domain::appointment::AppointmentDetails {
                what: "Benefits appointment".into(),
                location: "Jobcentre Plus".into(),
                starts_at: db.now() + Duration::days(1),
            },
        )
        .await
        .unwrap();
    db.advance(Duration::minutes(90));
    let a = runner(&db, "a");
    let b = runner(&db, "b");
    let now = db.now();
    let (ra, rb) = tokio::join!(a.run_due(now), b.run_due(now));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    let mut names: Vec<_> = ra.iter().chain(rb.iter()).map(|r| r.job).collect();
    names.sort();
    assert_eq!(
        names,
        ["appointment-reminders", "outbox-delivery", "staff-digest"]
    );
    // Reminders queued in that pass are delivered by the next slot's delivery run.
    db.advance(Duration::minutes(1));
    let again = a.run_due(db.now()).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].job, "outbox-delivery");
    // However the first pass interleaved, the reminder was sent exactly once.
    let sent_once = ra
        .iter()
        .chain(rb.iter())
        .chain(again.iter())
        .filter(|r| r.job == "outbox-delivery")
        .filter(|r| r.outcome.as_deref() == Ok("1 sent, 0 to try again, 0 failed"))
        .count();
    assert_eq!(sent_once, 1);
    assert!(b.run_due(db.now()).await.unwrap().is_empty());
    let log = db.store.would_have_sent(&worker).await.unwrap();
    assert!(log.is_empty(), "a worker sees only their own messages");
    let seen = db.store.person_messages(&worker, person).await.unwrap();
    assert_eq!(seen.messages.len(), 1);
    assert_eq!(seen.messages[0].state, "sent");
    assert_eq!(seen.messages[0].sent_via.as_deref(), Some("log"));
    assert_eq!(seen.messages[0].recipient, "ada@example.org");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_job_is_recorded_and_tried_again() {
    let db = TestDb::sqlite().await;
    let job = Job::every("flaky", 60, |_s, _now| async move {
        Err(anyhow::anyhow!("the partner system was down"))
    });
    let r = Runner::new(db.store.clone(), vec![job], Arc::from("a"));
    let ran = r.run_due(db.now()).await.unwrap();
    assert_eq!(
        ran[0].outcome,
        Err("the partner system was down".to_string())
    );
    assert!(r.run_due(db.now()).await.unwrap().is_empty());
    db.advance(Duration::minutes(2));
    assert_eq!(r.run_due(db.now()).await.unwrap().len(), 1);
    let runs = db.store.job_runs(5).await.unwrap();
    assert_eq!(runs[0].attempts, 2);
    assert_eq!(runs[0].state, "failed");
}
