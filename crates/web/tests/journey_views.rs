//! Views that bring the parts of a record together: the person's timeline
//! (on their page and in full), My caseload's columns from the other parts of
//! the record, and finding a person or a referral by its reference.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use reconnect_domain::appointment::AppointmentDetails;
use reconnect_domain::contact::{ContactDetails, ContactKind};
use reconnect_domain::episode::Action;
use reconnect_domain::id::{AppointmentId, ContactId};
use reconnect_domain::referral::{ContactPreference, HelpNeed, NewReferral, Referrer};
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::Role;
use reconnect_store::allocation::AllocationChange;
use time::Duration;

#[tokio::test]
async fn the_person_page_and_the_timeline_show_everything_newest_first() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let other = app.db.site("Site B", &["HMP Beta"]).await;
    let (worker, mut b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let caller = app.db.caller(worker).await;
    let person = app
        .db
        .person(&caller, site.prisons[0], "Ada", "Lovelace")
        .await;
    let episode = app.db.episode(&caller, person).await;
    app.db.act(&caller, episode, &Action::Accept).await;
    for i in 0..12 {
        app.db.advance(Duration::minutes(2));
        app.db
            .store
            .log_contact(
                &caller,
                episode,
                ContactId::new(),
                &ContactDetails {
                    kind: ContactKind::Phone,
                    at: app.db.now() - Duration::minutes(1),
                    two_way: true,
                    summary: format!("Call number {i}"),
                },
            )
            .await
            .unwrap();
    }

    let page = app.get(&mut b, &format!("/people/{person}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let timeline = &page.body[page.body.find("id=\"timeline\"").unwrap()..];
    assert!(timeline.contains("Call number 11"), "newest shown");
    assert!(
        !timeline.contains("Call number 0<"),
        "only the newest on the page"
    );
    assert!(timeline.find("Call number 11").unwrap() < timeline.find("Call number 10").unwrap());
    assert!(timeline.contains("See the whole timeline (14 entries)"));
    // The support section and the timeline share one read of the record's
    // corrections: the page view is audited as one person view and one
    // read of their history, not two.
    assert_eq!(app.db.audit_events_for("person.view").await.len(), 1);
    assert_eq!(app.db.audit_events_for("person.history").await.len(), 1);
    // Their messages' status is on the page too: none yet, and why none can be sent.
    let messages = &page.body[page.body.find("id=\"messages\"").unwrap()..];
    assert!(messages.contains("No messages have been sent to them."));
    assert!(messages.find("<p>").unwrap() < messages.find("No messages").unwrap());

    let full = app.get(&mut b, &format!("/people/{person}/timeline")).await;
    assert_eq!(full.status, StatusCode::OK);
    assert!(full.body.contains("Call number 0"));
    let support = full.body.matches("· Support ·").count();
    assert_eq!(support, 2, "referred and accepted: {}", full.body);

    // Someone at another site gets nothing, as for the record itself.
    let (_, mut outsider) = app
        .signed_in_at("other@example.org", Role::Worker, other.id)
        .await;
    let res = app
        .get(&mut outsider, &format!("/people/{person}/timeline"))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.body.contains("Lovelace"));
}

#[tokio::test]
async fn my_caseload_shows_the_next_appointment_overdue_actions_and_release_day_gaps() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (worker, mut b) = app
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
        .allocate(
            &caller,
            episode,
            None,
            &AllocationChange {
                worker,
                mentor: None,
                handover: None,
                mentor_reason: None,
            },
        )
        .await
        .unwrap();
    let page = app.get(&mut b, "/caseload").await;
    assert_eq!(page.status, StatusCode::OK);
    for heading in ["Next appointment", "Overdue actions", "Release-day plan"] {
        assert!(page.body.contains(heading), "{heading}");
    }
    assert!(page.body.contains("None booked"));
    // No release-day plan yet: every item of the checklist is a gap.
    assert!(page.body.contains("9 gaps"), "{}", page.body);

    app.db
        .store
        .book_appointment(
            &caller,
            episode,
            AppointmentId::new(),
            &AppointmentDetails {
                what: "GP registration".into(),
                location: "Health centre".into(),
                starts_at: app.db.now() + Duration::days(2),
            },
        )
        .await
        .unwrap();
    app.db
        .store
        .add_action(
            &caller,
            episode,
            &reconnect_store::care_plan::NewAction {
                goal: None,
                text: "Apply for a birth certificate".into(),
                owner: reconnect_domain::plan::ActionOwner::Reconnect,
                due: app.db.now().date() - Duration::days(3),
            },
        )
        .await
        .unwrap();
    let page = app.get(&mut b, "/caseload").await;
    assert!(page.body.contains("(GP registration)"), "{}", page.body);
    assert!(page.body.contains("1 overdue"));

    // The API carries the same columns.
    let token = app.token(worker).await;
    let res = app
        .api(Method::GET, "/api/v1/caseload", Some(&token), None)
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let json = res.json();
    let entry = &json[0];
    assert_eq!(entry["overdue_actions"], 1);
    assert_eq!(entry["next_appointment"]["what"], "GP registration");
    assert_eq!(entry["release_day_gaps"].as_array().unwrap().len(), 9);
}

#[tokio::test]
async fn a_referral_reference_finds_the_referral_or_the_person() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let other = app.db.site("Site B", &["HMP Beta"]).await;
    let (worker, mut b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let caller = app.db.caller(worker).await;
    let (referral, reference) = app
        .db
        .store
        .create_referral(
            &caller,
            &NewReferral {
                source: ReferralSource::FamilyOrFriend,
                referrer: Some(Referrer {
                    name: "Sam Lovelace".into(),
                    relationship: Some("Brother".into()),
                    organisation: None,
                    contact: "07700 900123".into(),
                }),
                given_name: "Ada".into(),
                family_name: "Lovelace".into(),
                preferred_name: None,
                date_of_birth: time::macros::date!(1985 - 02 - 14),
                nhs_number: None,
                prison_number: None,
                prison_id: Some(site.prisons[0]),
                site_id: None,
                expected_release: None,
                needs: vec![HelpNeed::MentalHealth],
                needs_text: None,
                contact_preference: ContactPreference::ThroughReferrer,
                contact_details: None,
            },
        )
        .await
        .unwrap();

    // Waiting for triage: the search goes to the referral.
    let res = app
        .get(&mut b, &format!("/people?q={}", reference.as_str()))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), format!("/triage/{referral}"));
    let looked_up = app.db.audit_events().await;
    assert!(looked_up.iter().any(|e| e.action.starts_with("referral.")));

    // A reference from another site is just text that matches no one.
    let (_, mut outsider) = app
        .signed_in_at("other@example.org", Role::Worker, other.id)
        .await;
    let res = app
        .get(&mut outsider, &format!("/people?q={}", reference.as_str()))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("No one matches your search."));
    assert!(!res.body.contains("Lovelace"));
}
