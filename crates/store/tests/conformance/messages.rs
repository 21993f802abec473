//! Messages and jobs: contact preferences kept with history and scoped to
//! the person's site; messages queued only with consent, once per
//! idempotency key, claimed by one instance, retried with back-off; job runs
//! claimed once, and again only after their lease expires. On PostgreSQL,
//! two stores racing over the same database claim every run and every
//! message exactly once.

use super::assert_not_found;
use reconnect_domain::appointment::AppointmentDetails;
use reconnect_domain::episode::Action;
use reconnect_domain::id::AppointmentId;
use reconnect_domain::message::{Channel, ContactPreferences};
use reconnect_domain::{Caller, EpisodeId, PersonId, Role};
use reconnect_store::outbox::{enqueue, Delivery, NewMessage, Queued, Recipient};
use reconnect_store::testing::{TestDb, TestSite};
use reconnect_store::Store;
use std::collections::HashSet;
use time::Duration;

on_both_engines!(
    contact_preferences_are_scoped_and_kept_with_history,
    a_job_run_is_claimed_once_and_again_after_its_lease,
    reminders_need_consent_and_are_queued_once,
    delivery_is_claimed_once_and_retried_with_back_off,
    the_log_of_messages_is_scoped,
    staff_digests_name_nobody_and_are_queued_once,
);
on_postgres!(two_instances_run_each_job_and_message_exactly_once);

struct World {
    leeds: TestSite,
    worker: Caller,
    manager: Caller,
    hull_worker: Caller,
    person: PersonId,
    episode: EpisodeId,
}

async fn world(db: &TestDb) -> World {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    let manager = db.staff(Role::SiteManager, &[leeds.id]).await;
    let hull_worker = db.staff(Role::Worker, &[hull.id]).await;
    let person = db
        .person(&worker, leeds.prisons[0], "Ada", "Lovelace")
        .await;
    let episode = db.episode(&worker, person).await;
    db.act(&worker, episode, &Action::Accept).await;
    World {
        leeds,
        worker,
        manager,
        hull_worker,
        person,
        episode,
    }
}

fn text(may_name_service: bool) -> ContactPreferences {
    ContactPreferences {
        channel: Channel::Text,
        address: Some("+447700900123".into()),
        may_name_service,
    }
}

async fn book_tomorrow(db: &TestDb, w: &World) -> AppointmentId {
    let id = AppointmentId::new();
    db.store
        .book_appointment(
            &w.worker,
            w.episode,
            id,
            &AppointmentDetails {
                what: "Housing options with the council".into(),
                location: "Civic Hall".into(),
                starts_at: db.now() + Duration::days(1),
            },
        )
        .await
        .unwrap();
    id
}

async fn contact_preferences_are_scoped_and_kept_with_history(db: &TestDb) {
    let w = world(db).await;
    assert_not_found(
        db.store
            .record_contact_preferences(&w.hull_worker, w.person, &text(false))
            .await,
    );
    assert_not_found(
        db.store
            .contact_preference_history(&w.hull_worker, w.person)
            .await,
    );
    assert_not_found(db.store.person_messages(&w.hull_worker, w.person).await);
    assert_not_found(
        db.store
            .record_contact_preferences(&w.worker, PersonId::new(), &text(false))
            .await,
    );
    db.store
        .record_contact_preferences(&w.worker, w.person, &text(false))
        .await
        .unwrap();
    db.store
        .record_contact_preferences(&w.worker, w.person, &text(true))
        .await
        .unwrap();
    let history = db
        .store
        .contact_preference_history(&w.manager, w.person)
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[0].preferences.may_name_service);
    assert!(!history[1].preferences.may_name_service);
    assert_eq!(
        db.audit_events_for("contact_preferences.record")
            .await
            .len(),
        2
    );
    // History cannot be rewritten.
    assert!(
        sqlx::query("UPDATE contact_preference SET channel = 'none'")
            .execute(db.pool())
            .await
            .is_err()
    );
    assert!(sqlx::query("DELETE FROM contact_preference")
        .execute(db.pool())
        .await
        .is_err());
}

async fn a_job_run_is_claimed_once_and_again_after_its_lease(db: &TestDb) {
    let lease = Duration::minutes(10);
    let a = db
        .store
        .claim_job_run("outbox-delivery", "k1", "a", lease)
        .await
        .unwrap()
        .expect("first claim");
    assert!(db
        .store
        .claim_job_run("outbox-delivery", "k1", "b", lease)
        .await
        .unwrap()
        .is_none());
    // Instance a is killed mid-run; once its lease expires, b may take over.
    db.advance(Duration::minutes(11));
    let b = db
        .store
        .claim_job_run("outbox-delivery", "k1", "b", lease)
        .await
        .unwrap()
        .expect("re-claim after lease");
    assert_eq!(b.id, a.id);
    assert_eq!(b.attempts, 2);
    // a lost its claim and cannot finish it; b can.
    assert!(!db
        .store
        .finish_job_run(&a, "a", Ok("done".into()), lease)
        .await
        .unwrap());
    assert!(db
        .store
        .finish_job_run(&b, "b", Ok("3 sent".into()), lease)
        .await
        .unwrap());
    // A finished run is never run again.
    db.advance(Duration::days(1));
    assert!(db
        .store
        .claim_job_run("outbox-delivery", "k1", "c", lease)
        .await
        .unwrap()
        .is_none());
    // A failed run is retried after its retry delay.
    let f = db
        .store
        .claim_job_run("x", "k2", "a", lease)
        .await
        .unwrap()
        .unwrap();
    db.store
        .finish_job_run(
            &f,
            "a",
            Err("database went away".into()),
            Duration::minutes(5),
        )
        .await
        .unwrap();
    assert!(db
        .store
        .claim_job_run("x", "k2", "b", lease)
        .await
        .unwrap()
        .is_none());
    db.advance(Duration::minutes(6));
    assert!(db
        .store
        .claim_job_run("x", "k2", "b", lease)
        .await
        .unwrap()
        .is_some());
    let runs = db.store.job_runs(10).await.unwrap();
    assert_eq!(runs.len(), 2);
    let admin = db.staff(Role::Admin, &[]).await;
    assert_eq!(db.store.recent_job_runs(&admin, 10).await.unwrap().len(), 2);
    let worker = db.staff(Role::Worker, &[]).await;
    super::assert_forbidden(db.store.recent_job_runs(&worker, 10).await);
}

async fn reminders_need_consent_and_are_queued_once(db: &TestDb) {
    let w = world(db).await;
    book_tomorrow(db, &w).await;
    // No preferences recorded: nothing queued, and the page can say why.
    let c = db
        .store
        .queue_appointment_reminders(db.now())
        .await
        .unwrap();
    assert_eq!((c.queued, c.not_allowed), (0, 1));
    let seen = db.store.person_messages(&w.worker, w.person).await.unwrap();
    assert!(seen.messages.is_empty());
    assert!(seen.cannot_send_because.unwrap().contains("consent"));
    // "Do not send messages": still nothing.
    let none = ContactPreferences {
        channel: Channel::None,
        address: None,
        may_name_service: false,
    };
    db.store
        .record_contact_preferences(&w.worker, w.person, &none)
        .await
        .unwrap();
    let c = db
        .store
        .queue_appointment_reminders(db.now())
        .await
        .unwrap();
    assert_eq!((c.queued, c.not_allowed), (0, 1));
    // With consent by text, and without naming the service.
    db.store
        .record_contact_preferences(&w.worker, w.person, &text(false))
        .await
        .unwrap();
    let c = db
        .store
        .queue_appointment_reminders(db.now())
        .await
        .unwrap();
    assert_eq!(c.queued, 1);
    let again = db
        .store
        .queue_appointment_reminders(db.now())
        .await
        .unwrap();
    assert_eq!((again.queued, again.already_queued), (0, 1));
    let seen = db.store.person_messages(&w.worker, w.person).await.unwrap();
    assert_eq!(seen.messages.len(), 1);
    let m = &seen.messages[0];
    assert_eq!(m.state, "queued");
    assert_eq!(m.channel, Channel::Text);
    assert_eq!(m.recipient, "+447700900123");
    assert!(!m.body.contains("RECONNECT") && !m.subject.contains("RECONNECT"));
    assert!(!m.body.contains("Housing"));
    assert_eq!(db.audit_events_for("message.queue").await.len(), 1);
    // The same idempotency key queued by hand is not queued again.
    let mut tx = db.pool().begin().await.unwrap();
    let msg = NewMessage {
        idempotency_key: m.idempotency_key.clone(),
        to: Recipient::Person {
            person: w.person,
            episode: Some(w.episode),
        },
        site: w.leeds.id,
        kind: "appointment-reminder",
        channel: Channel::Text,
        address: "+447700900123".into(),
        subject: "s".into(),
        body: "b".into(),
    };
    let q = enqueue(&mut tx, 0, &msg).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(q, Queued::AlreadyQueued);
    assert_eq!(db.count_rows("outbox").await, 1);
}

async fn delivery_is_claimed_once_and_retried_with_back_off(db: &TestDb) {
    let w = world(db).await;
    db.store
        .record_contact_preferences(&w.worker, w.person, &text(true))
        .await
        .unwrap();
    book_tomorrow(db, &w).await;
    db.store
        .queue_appointment_reminders(db.now())
        .await
        .unwrap();
    let lease = Duration::minutes(5);
    let a = db.store.claim_due_messages("a", 10, lease).await.unwrap();
    assert_eq!(a.len(), 1);
    assert!(a[0].body.contains("RECONNECT"));
    assert!(db
        .store
        .claim_due_messages("b", 10, lease)
        .await
        .unwrap()
        .is_empty());
    let id = a[0].id;
    // First failure: back in the queue for one minute.
    let retry = Delivery::Retry {
        error: "503 from provider".into(),
    };
    assert!(db.store.record_delivery(id, "a", &retry).await.unwrap());
    assert!(db
        .store
        .claim_due_messages("b", 10, lease)
        .await
        .unwrap()
        .is_empty());
    db.advance(Duration::seconds(61));
    let b = db.store.claim_due_messages("b", 10, lease).await.unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].attempts, 2);
    // Second failure waits two minutes.
    assert!(db.store.record_delivery(id, "b", &retry).await.unwrap());
    db.advance(Duration::seconds(61));
    assert!(db
        .store
        .claim_due_messages("a", 10, lease)
        .await
        .unwrap()
        .is_empty());
    db.advance(Duration::seconds(60));
    let c = db.store.claim_due_messages("a", 10, lease).await.unwrap();
    assert_eq!(c.len(), 1);
    // Killed mid-send: the lease expires and another instance takes it.
    db.advance(Duration::minutes(6));
    let d = db.store.claim_due_messages("b", 10, lease).await.unwrap();
    assert_eq!(d.len(), 1);
    assert!(!db
        .store
        .record_delivery(id, "a", &Delivery::Sent { via: "log".into() })
        .await
        .unwrap());
    assert!(db
        .store
        .record_delivery(id, "b", &Delivery::Sent { via: "log".into() })
        .await
        .unwrap());
    db.advance(Duration::days(1));
    assert!(db
        .store
        .claim_due_messages("a", 10, lease)
        .await
        .unwrap()
        .is_empty());
    let seen = db.store.person_messages(&w.worker, w.person).await.unwrap();
    assert_eq!(seen.messages[0].state, "sent");
    assert_eq!(seen.messages[0].attempts, 4);
    assert_eq!(db.audit_events_for("message.retry").await.len(), 2);
    let sent = db.audit_events_for("message.send").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].person_id, Some(w.person));
    // Refused for good: failed at once, never retried.
    let mut tx = db.pool().begin().await.unwrap();
    let msg = NewMessage {
        idempotency_key: "k-fail".into(),
        to: Recipient::Staff(w.worker.user_id()),
        site: w.leeds.id,
        kind: "staff-digest",
        channel: Channel::Email,
        address: "w@example.org".into(),
        subject: "s".into(),
        body: "b".into(),
    };
    enqueue(&mut tx, reconnect_domain::clock::to_millis(db.now()), &msg)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let m = db.store.claim_due_messages("a", 10, lease).await.unwrap();
    let failed = Delivery::Failed {
        error: "400 invalid address".into(),
    };
    assert!(db
        .store
        .record_delivery(m[0].id, "a", &failed)
        .await
        .unwrap());
    db.advance(Duration::days(1));
    assert!(db
        .store
        .claim_due_messages("a", 10, lease)
        .await
        .unwrap()
        .is_empty());
    assert!(sqlx::query("DELETE FROM outbox_event")
        .execute(db.pool())
        .await
        .is_err());
}

async fn the_log_of_messages_is_scoped(db: &TestDb) {
    let w = world(db).await;
    db.store
        .record_contact_preferences(&w.worker, w.person, &text(false))
        .await
        .unwrap();
    book_tomorrow(db, &w).await;
    db.store
        .queue_appointment_reminders(db.now())
        .await
        .unwrap();
    for m in db
        .store
        .claim_due_messages("a", 10, Duration::minutes(5))
        .await
        .unwrap()
    {
        db.store
            .record_delivery(m.id, "a", &Delivery::Sent { via: "log".into() })
            .await
            .unwrap();
    }
    assert_eq!(db.store.would_have_sent(&w.manager).await.unwrap().len(), 1);
    // A worker sees only messages addressed to them; other sites see nothing.
    assert!(db
        .store
        .would_have_sent(&w.worker)
        .await
        .unwrap()
        .is_empty());
    let hull_manager = db.staff(Role::SiteManager, &[]).await;
    assert!(db
        .store
        .would_have_sent(&hull_manager)
        .await
        .unwrap()
        .is_empty());
    assert!(db
        .store
        .would_have_sent(&w.hull_worker)
        .await
        .unwrap()
        .is_empty());
}

async fn two_instances_run_each_job_and_message_exactly_once(db: &TestDb) {
    let w = world(db).await;
    // Many messages, already due.
    let now = reconnect_domain::clock::to_millis(db.now());
    for i in 0..60 {
        let mut tx = db.pool().begin().await.unwrap();
        let msg = NewMessage {
            idempotency_key: format!("race-{i}"),
            to: Recipient::Staff(w.worker.user_id()),
            site: w.leeds.id,
            kind: "staff-digest",
            channel: Channel::Email,
            address: "w@example.org".into(),
            subject: "s".into(),
            body: "b".into(),
        };
        enqueue(&mut tx, now, &msg).await.unwrap();
        tx.commit().await.unwrap();
    }
    // A second store (a second `serve` instance) on the same database.
    let admin = reconnect_store::testing::postgres_url().unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{}", db.postgres_database().unwrap()));
    let other = Store::connect(url.as_str(), db.clock.clone())
        .await
        .unwrap();
    let stores = [db.store.clone(), other.clone()];
    let mut tasks = Vec::new();
    for (n, store) in stores.into_iter().enumerate() {
        let instance = format!("instance-{n}");
        tasks.push(tokio::spawn(async move {
            let mut jobs = Vec::new();
            let mut messages = Vec::new();
            for round in 0..40 {
                for job in ["reminders", "digest", "delivery"] {
                    let key = format!("{job}:{round}");
                    if let Some(c) = store
                        .claim_job_run(job, &key, &instance, Duration::minutes(10))
                        .await
                        .unwrap()
                    {
                        store
                            .finish_job_run(&c, &instance, Ok("ok".into()), Duration::minutes(1))
                            .await
                            .unwrap();
                        jobs.push(key);
                    }
                }
                for m in store
                    .claim_due_messages(&instance, 3, Duration::minutes(10))
                    .await
                    .unwrap()
                {
                    let sent = Delivery::Sent { via: "log".into() };
                    assert!(store.record_delivery(m.id, &instance, &sent).await.unwrap());
                    messages.push(m.idempotency_key);
                }
            }
            (jobs, messages)
        }));
    }
    let mut all_jobs = Vec::new();
    let mut all_messages = Vec::new();
    let mut per_instance = Vec::new();
    for t in tasks {
        let (j, m) = t.await.unwrap();
        per_instance.push(j.len());
        all_jobs.extend(j);
        all_messages.extend(m);
    }
    other.close().await;
    let unique_jobs: HashSet<_> = all_jobs.iter().collect();
    assert_eq!(all_jobs.len(), 120, "each run once");
    assert_eq!(unique_jobs.len(), 120);
    let unique_messages: HashSet<_> = all_messages.iter().collect();
    assert_eq!(all_messages.len(), 60, "each message sent once");
    assert_eq!(unique_messages.len(), 60);
    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state = 'sent'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(sent, 60);
    assert!(per_instance.iter().sum::<usize>() == 120);
}

async fn staff_digests_name_nobody_and_are_queued_once(db: &TestDb) {
    let w = world(db).await;
    sqlx::query(
        "INSERT INTO allocation (id, episode_id, worker_id, started_at, started_by) \
         VALUES ($1, $2, $3, $4, $3)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(w.episode.to_string())
    .bind(w.worker.user_id().to_string())
    .bind(0_i64)
    .execute(db.pool())
    .await
    .unwrap();
    for hours in [2, 4] {
        db.store
            .book_appointment(
                &w.worker,
                w.episode,
                AppointmentId::new(),
                &AppointmentDetails {
                    what: "Housing options with the council".into(),
                    location: "Civic Hall".into(),
                    starts_at: db.now() + Duration::hours(hours),
                },
            )
            .await
            .unwrap();
    }
    db.store
        .add_action(
            &w.worker,
            w.episode,
            &reconnect_store::care_plan::NewAction {
                goal: None,
                text: "Ada to ring the council".into(),
                owner: reconnect_domain::plan::ActionOwner::Reconnect,
                due: db.now().date() - Duration::days(2),
            },
        )
        .await
        .unwrap();
    let c = db.store.queue_staff_digests(db.now()).await.unwrap();
    assert_eq!(c.queued, 1);
    let again = db.store.queue_staff_digests(db.now()).await.unwrap();
    assert_eq!((again.queued, again.already_queued), (0, 1));
    let m = db
        .store
        .claim_due_messages("a", 10, Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(m.len(), 1);
    assert_eq!(m[0].user_id, Some(w.worker.user_id()));
    assert_eq!(m[0].channel, Channel::Email);
    assert!(
        m[0].body.contains("You have 2 appointments today"),
        "{}",
        m[0].body
    );
    assert!(
        m[0].body.contains("1 plan action is overdue"),
        "{}",
        m[0].body
    );
    assert!(!m[0].body.contains("Ada") && !m[0].body.contains("Housing"));
    assert!(!m[0].body.contains("council"));
}
