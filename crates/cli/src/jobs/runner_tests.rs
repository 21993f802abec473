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
        [
            "appointment-reminders",
            "engagement-recompute",
            "outbox-delivery",
            "staff-digest",
            "step-up-escalation"
        ]
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

/// Two `serve` instances on one PostgreSQL database, racing: every job run
/// happens once and every message is sent once. Skipped (passing) when
/// `RECONNECT_TEST_POSTGRES_URL` is not set.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_runners_on_postgres_run_each_job_and_send_each_message_once() {
    use reconnect_store::outbox::{enqueue, NewMessage, Recipient};
    let Some(admin) = reconnect_store::testing::postgres_url() else {
        println!("skipped: RECONNECT_TEST_POSTGRES_URL not set");
        return;
    };
    let db = TestDb::postgres(&admin).await;
    let site = db.site("Leeds", &["HMP Leeds"]).await;
    let worker = db.staff(Role::Worker, &[site.id]).await;
    let now = reconnect_domain::clock::to_millis(db.now());
    for i in 0..40 {
        let mut tx = db.pool().begin().await.unwrap();
        let msg = NewMessage {
            idempotency_key: format!("race-{i}"),
            to: Recipient::Staff(worker.user_id()),
            site: site.id,
            kind: "staff-digest",
            channel: Channel::Email,
            address: "worker@example.org".into(),
            subject: "Your appointments today".into(),
            body: "You have 1 appointment today.".into(),
        };
        enqueue(&mut tx, now, &msg).await.unwrap();
        tx.commit().await.unwrap();
    }
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{}", db.postgres_database().unwrap()));
    let other = reconnect_store::Store::connect(url.as_str(), db.clock.clone())
        .await
        .unwrap();
    let a = runner(&db, "a");
    let instance: Arc<str> = Arc::from("b");
    let b = Runner::new(
        other.clone(),
        registry(Arc::new(LogSender), instance.clone()),
        instance,
    );
    let mut runs = Vec::new();
    for _ in 0..5 {
        let now = db.now();
        let (ra, rb) = tokio::join!(a.run_due(now), b.run_due(now));
        runs.extend(ra.unwrap());
        runs.extend(rb.unwrap());
        db.advance(Duration::minutes(1));
    }
    other.close().await;
    let keys: Vec<_> = runs.iter().map(|r| (r.job, r.run_key.clone())).collect();
    let unique: std::collections::HashSet<_> = keys.iter().collect();
    assert_eq!(keys.len(), unique.len(), "a job run ran twice: {keys:?}");
    // Five delivery slots, the staff digest, the day's engagement recompute
    // and the hour's escalation check (09:00 to 09:04 UK time: the person
    // reminders are not due until 10:00).
    assert_eq!(keys.len(), 8, "{keys:?}");
    let sent: usize = runs
        .iter()
        .filter(|r| r.job == "outbox-delivery")
        .map(|r| {
            let summary = r.outcome.as_deref().unwrap();
            summary.split(' ').next().unwrap().parse::<usize>().unwrap()
        })
        .sum();
    assert_eq!(sent, 40);
    // Queued, claimed and sent: three events per message, so none was
    // claimed (or sent) twice.
    assert_eq!(db.count_rows("outbox_event").await, 120);
}
