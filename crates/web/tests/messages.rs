//! Messages through the pages and the API: contact preferences refused
//! without consent (next to the field), recorded with history; the person's
//! messages page saying why none can be sent; reminders queued and shown;
//! the would-have-been-sent log scoped to site managers' sites; job runs
//! for admins only; other sites' people not found.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{error_links_of, Browser, TestApp};
use reconnect_domain::appointment::AppointmentDetails;
use reconnect_domain::episode::Action;
use reconnect_domain::id::AppointmentId;
use reconnect_domain::{PersonId, Role, UserId};
use reconnect_store::outbox::Delivery;
use time::Duration;

struct World {
    app: TestApp,
    worker: UserId,
    b: Browser,
    person: PersonId,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (worker, b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let caller = app.db.caller(worker).await;
    let person = app
        .db
        .person(&caller, site.prisons[0], "Ada", "Lovelace")
        .await;
    let episode = app.db.episode(&caller, person).await;
    app.db.act(&caller, episode, &Action::Accept).await;
    app.db
        .store
        .book_appointment(
            &caller,
            episode,
            AppointmentId::new(),
            &AppointmentDetails {
                what: "Housing options".into(),
                location: "Civic Hall".into(),
                starts_at: app.db.now() + Duration::days(1),
            },
        )
        .await
        .unwrap();
    World {
        app,
        worker,
        b,
        person,
    }
}

fn fields_with_errors(html: &str) -> Vec<String> {
    error_links_of(html)
        .into_iter()
        .map(|(href, _)| href.trim_start_matches('#').to_string())
        .collect()
}

#[tokio::test]
async fn without_consent_nothing_is_queued_and_the_page_says_why() {
    let mut w = world().await;
    let url = format!("/people/{}/messages", w.person);
    let page = w.app.get(&mut w.b, &url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Messages</h1>"));
    assert!(page.body.contains("No messages can be sent"));
    assert!(page.body.contains("consent"));
    let counts = w
        .app
        .db
        .store
        .queue_appointment_reminders(w.app.db.now())
        .await
        .unwrap();
    assert_eq!((counts.queued, counts.not_allowed), (0, 1));
    assert_eq!(w.app.db.count_rows("outbox").await, 0);
}

#[tokio::test]
async fn preferences_need_consent_and_a_valid_number_and_keep_history() {
    let mut w = world().await;
    let url = format!("/people/{}/contact-preferences", w.person);
    let page = w.app.get(&mut w.b, &url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Contact preferences</h1>"));

    let res = w.app.post(&mut w.b, &url, &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(fields_with_errors(&res.body), ["channel"]);

    let res = w
        .app
        .post(
            &mut w.b,
            &url,
            &[("channel", "text"), ("phone", "0113 496 0000")],
        )
        .await;
    assert_eq!(fields_with_errors(&res.body), ["consent", "phone"]);
    assert_eq!(w.app.db.count_rows("contact_preference").await, 0);

    let res = w
        .app
        .post(
            &mut w.b,
            &url,
            &[
                ("channel", "text"),
                ("phone", "07700 900123"),
                ("consent", "yes"),
                ("may_name_service", "no"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = w.app.get(&mut w.b, res.location()).await;
    assert!(page.body.contains("Contact preferences recorded"));
    assert!(page.body.contains("Text message to +447700900123"));

    w.app
        .db
        .store
        .queue_appointment_reminders(w.app.db.now())
        .await
        .unwrap();
    let page = w
        .app
        .get(&mut w.b, &format!("/people/{}/messages", w.person))
        .await;
    assert!(!page.body.contains("No messages can be sent"));
    assert!(page.body.contains("Appointment tomorrow"));
    assert!(page.body.contains("Waiting to be sent"));
}

#[tokio::test]
async fn the_api_records_preferences_and_lists_messages() {
    let w = world().await;
    let token = w.app.token(w.worker).await;
    let t = Some(token.as_str());
    let prefs = format!("/api/v1/people/{}/contact-preferences", w.person);
    let res = w
        .app
        .api(
            Method::PUT,
            &prefs,
            t,
            Some(r#"{"channel":"email","email":"ada@example.org"}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["field"], "consent");
    let res = w
        .app
        .api(
            Method::PUT,
            &prefs,
            t,
            Some(r#"{"channel":"email","email":"ada@example.org","consent":true}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["email"], "ada@example.org");
    assert!(!res.json()["may_name_service"].as_bool().unwrap());

    w.app
        .db
        .store
        .queue_appointment_reminders(w.app.db.now())
        .await
        .unwrap();
    let res = w
        .app
        .api(
            Method::GET,
            &format!("/api/v1/people/{}/messages", w.person),
            t,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let body = res.json();
    assert!(body.get("cannot_send_because").is_none());
    assert_eq!(body["messages"][0]["state"], "queued");
    assert_eq!(body["messages"][0]["channel"], "email");
    // Someone else's (or no) person: not found.
    let res = w
        .app
        .api(
            Method::GET,
            &format!("/api/v1/people/{}/messages", PersonId::new()),
            t,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // Job runs are for admins.
    let res = w.app.api(Method::GET, "/api/v1/jobs", t, None).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_log_and_job_runs_are_shown_to_those_allowed() {
    let mut w = world().await;
    let caller = w.app.db.caller(w.worker).await;
    w.app
        .db
        .store
        .record_contact_preferences(
            &caller,
            w.person,
            &reconnect_domain::message::ContactPreferences {
                channel: reconnect_domain::message::Channel::Text,
                address: Some("+447700900123".into()),
                may_name_service: false,
            },
        )
        .await
        .unwrap();
    let store = &w.app.db.store;
    store
        .queue_appointment_reminders(store.now())
        .await
        .unwrap();
    let claim = store
        .claim_job_run("outbox-delivery", "t1", "test", Duration::minutes(5))
        .await
        .unwrap()
        .unwrap();
    for m in store
        .claim_due_messages("test", 10, Duration::minutes(5))
        .await
        .unwrap()
    {
        store
            .record_delivery(m.id, "test", &Delivery::Sent { via: "log".into() })
            .await
            .unwrap();
    }
    store
        .finish_job_run(&claim, "test", Ok("1 sent".into()), Duration::minutes(1))
        .await
        .unwrap();

    // The worker sees only messages to themselves: none.
    let page = w.app.get(&mut w.b, "/messages").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("There are no messages to show"));
    let site = w.app.db.caller(w.worker).await.scope.case_sites()[0];
    let (_, mut manager) = w
        .app
        .signed_in_at("manager@example.org", Role::SiteManager, site)
        .await;
    let page = w.app.get(&mut manager, "/messages").await;
    assert!(page.body.contains("Would have been sent"));
    assert!(page.body.contains("Appointment tomorrow"));

    let page = w.app.get(&mut w.b, "/admin/jobs").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    w.app.user("admin@example.org", Role::Admin, &[]).await;
    let mut admin = w.app.sign_in("admin@example.org").await;
    let page = w.app.get(&mut admin, "/admin/jobs").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("outbox-delivery"));
    assert!(page.body.contains("1 sent"));
}
