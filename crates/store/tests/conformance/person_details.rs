//! A person's full details: added once however often the form is sent,
//! corrected only by staff at their site, against the version they read,
//! with every earlier value kept (append-only) and every step audited; no
//! one under 18 is added or corrected into being under 18.

use super::{assert_invalid, assert_not_found};
use reconnect_domain::episode::Reason;
use reconnect_domain::person_details::{
    Gender, PersonDetails, PersonDetailsInput, Pronouns, ReleaseAddress, UnknownNhsReason,
};
use reconnect_domain::{Caller, PersonId, PrisonId, Role};
use reconnect_store::people::PeopleFilter;
use reconnect_store::testing::{TestDb, TestSite};
use reconnect_store::StoreError;
use time::Duration;

on_both_engines!(
    full_details_are_added_and_read_back,
    corrections_supersede_and_keep_history,
    stale_corrections_are_refused_and_change_nothing,
    corrections_and_history_are_confined_to_the_sites,
    under_18s_are_refused_on_adding_and_correcting,
    correction_history_is_append_only,
    a_form_sent_twice_adds_one_person,
    corrections_must_change_something_at_the_same_site,
    search_matches_numbers_and_preferred_names_and_is_audited,
);

struct World {
    leeds: TestSite,
    hull: TestSite,
    worker: Caller,
}

async fn world(db: &TestDb) -> World {
    let leeds = db.site("Leeds", &["HMP Leeds", "HMP Wealstun"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    World {
        leeds,
        hull,
        worker,
    }
}

fn details_with(prison: PrisonId, edit: impl FnOnce(&mut PersonDetailsInput<'_>)) -> PersonDetails {
    let prison = prison.to_string();
    let needs = ["prefers_texts", "quiet_room"];
    let mut input = PersonDetailsInput {
        given_name: "Daniel",
        family_name: "Okafor",
        preferred_name: "Dan",
        pronouns: "he/him",
        gender: "man",
        dob_day: "3",
        dob_month: "7",
        dob_year: "1990",
        ethnicity: "black_african",
        first_language: "Yoruba",
        interpreter_needed: "yes",
        communication_needs: &needs,
        nhs_number_unknown_reason: "not_yet_traced",
        prison_number: "a1234bc",
        prison_id: &prison,
        address_kind: "no_fixed_abode",
        phone: "07700 900123",
        preferred_contact: "text",
        nominated_name: "Grace Okafor",
        nominated_relationship: "Sister",
        nominated_phone: "07700 900456",
        ..PersonDetailsInput::default()
    };
    edit(&mut input);
    PersonDetails::parse(&input, time::macros::date!(2026 - 03 - 02)).unwrap()
}

fn details(prison: PrisonId) -> PersonDetails {
    details_with(prison, |_| {})
}

fn reason(text: &str) -> Reason {
    Reason::parse(text, "a reason").unwrap()
}

async fn full_details_are_added_and_read_back(db: &TestDb) {
    let w = world(db).await;
    let added = db
        .store
        .add_person(&w.worker, &details(w.leeds.prisons[0]), Some("form-1"))
        .await
        .unwrap();
    assert!(!added.already_added);
    let person = db.store.get_person(&w.worker, added.id).await.unwrap();
    assert_eq!(person.version, 1);
    assert_eq!(person.summary.prison_number.as_str(), "A1234BC");
    assert_eq!(person.summary.preferred_name.as_deref(), Some("Dan"));
    assert_eq!(person.nhs_number, None);
    let p = &person.profile;
    assert_eq!(p.pronouns, Some(Pronouns::HeHim));
    assert_eq!(p.gender, Some(Gender::Man));
    assert!(p.interpreter_needed);
    assert_eq!(p.first_language.as_deref(), Some("Yoruba"));
    assert_eq!(p.nhs_unknown_reason, Some(UnknownNhsReason::NotYetTraced));
    assert_eq!(p.contact.address, ReleaseAddress::NoFixedAbode);
    assert_eq!(
        p.nominated_contact.as_ref().map(|n| n.name.as_str()),
        Some("Grace Okafor")
    );
    assert_eq!(p.communication_needs.needs.len(), 2);
    let (_, expected) = details(w.leeds.prisons[0]).split();
    assert_eq!(p, &expected);

    // The foundation's way of adding someone still works, with nothing more recorded.
    let plain = db
        .person(&w.worker, w.leeds.prisons[1], "Priya", "Shah")
        .await;
    let plain = db.store.get_person(&w.worker, plain).await.unwrap();
    assert_eq!(plain.profile, Default::default());
    assert_eq!(plain.version, 1);
    assert_eq!(db.audit_events_for("person.create").await.len(), 2);
}

async fn corrections_supersede_and_keep_history(db: &TestDb) {
    let w = world(db).await;
    let id = added(db, &w).await;
    db.advance(Duration::minutes(1));
    let corrected = details_with(w.leeds.prisons[1], |i| {
        i.family_name = "Okafor-Reid";
        i.nhs_number = "943 476 5919";
        i.pronouns = "";
    });
    let version = db
        .store
        .update_person_details(
            &w.worker,
            id,
            1,
            &corrected,
            &reason("Spelling from his passport"),
        )
        .await
        .unwrap();
    assert_eq!(version, 2);
    let person = db.store.get_person(&w.worker, id).await.unwrap();
    assert_eq!(person.version, 2);
    assert_eq!(person.summary.family_name, "Okafor-Reid");
    assert_eq!(person.summary.prison_name, "HMP Wealstun");
    assert_eq!(
        person.nhs_number.map(|n| n.digits()).as_deref(),
        Some("9434765919")
    );
    assert_eq!(person.profile.nhs_unknown_reason, None);
    assert_eq!(person.profile.pronouns, None);

    let history = db.store.person_history(&w.worker, id).await.unwrap();
    assert_eq!(history.len(), 1);
    let h = &history[0];
    assert_eq!(h.version, 2);
    assert_eq!(h.reason, "Spelling from his passport");
    assert!(
        h.changed_by_name.starts_with("Test worker"),
        "{}",
        h.changed_by_name
    );
    assert_eq!(h.changed_at, db.now());
    let labels: Vec<&str> = h.changes.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(labels, ["Last name", "Pronouns", "NHS number", "Prison"]);
    assert_eq!(h.changes[0].before.as_deref(), Some("Okafor"));
    assert_eq!(h.changes[0].after.as_deref(), Some("Okafor-Reid"));
    assert_eq!(h.changes[1].after, None);
    assert_eq!(
        h.changes[2].before.as_deref(),
        Some("Not known: Not traced yet")
    );

    // A second correction stacks on the first; both are kept, newest first.
    let again = details_with(w.leeds.prisons[1], |i| {
        i.family_name = "Okafor";
        i.nhs_number = "943 476 5919";
        i.pronouns = "";
    });
    db.store
        .update_person_details(&w.worker, id, 2, &again, &reason("Back to his legal name"))
        .await
        .unwrap();
    let history = db.store.person_history(&w.worker, id).await.unwrap();
    assert_eq!(
        history.iter().map(|h| h.version).collect::<Vec<_>>(),
        [3, 2]
    );

    let audit = db.audit_events_for("person.correct").await;
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0].person_id, Some(id));
    assert_eq!(audit[0].site_id, Some(w.leeds.id));
    let detail = audit[0].detail.as_deref().unwrap();
    assert_eq!(detail, "Corrected: Last name, Pronouns, NHS number, Prison");
    assert!(!detail.contains("Okafor"), "values stay out of the audit");
    assert_eq!(db.audit_events_for("person.history").await.len(), 2);
    assert_eq!(db.count_rows("person_revision").await, 2);
}

async fn added(db: &TestDb, w: &World) -> PersonId {
    db.store
        .add_person(&w.worker, &details(w.leeds.prisons[0]), None)
        .await
        .unwrap()
        .id
}

async fn stale_corrections_are_refused_and_change_nothing(db: &TestDb) {
    let w = world(db).await;
    let id = added(db, &w).await;
    let colleague = db.staff(Role::SiteManager, &[w.leeds.id]).await;
    let first = details_with(w.leeds.prisons[0], |i| i.given_name = "Danny");
    db.store
        .update_person_details(&colleague, id, 1, &first, &reason("He asked"))
        .await
        .unwrap();
    let second = details_with(w.leeds.prisons[0], |i| i.given_name = "Daniele");
    let r = db
        .store
        .update_person_details(&w.worker, id, 1, &second, &reason("Typo"))
        .await;
    assert!(matches!(r, Err(StoreError::Stale)), "{r:?}");
    let person = db.store.get_person(&w.worker, id).await.unwrap();
    assert_eq!(person.summary.given_name, "Danny");
    assert_eq!(person.version, 2);
    assert_eq!(db.count_rows("person_revision").await, 1);
    assert_eq!(db.audit_events_for("person.correct").await.len(), 1);
}

async fn corrections_and_history_are_confined_to_the_sites(db: &TestDb) {
    let w = world(db).await;
    let id = added(db, &w).await;
    let change = details_with(w.leeds.prisons[0], |i| i.given_name = "Danny");
    let why = reason("He asked");
    let hull_worker = db.staff(Role::Worker, &[w.hull.id]).await;
    let mentor = db.staff(Role::PeerMentor, &[w.leeds.id]).await;
    let nowhere = db.staff(Role::Worker, &[]).await;
    for caller in [&hull_worker, &mentor, &nowhere] {
        assert_not_found(
            db.store
                .update_person_details(caller, id, 1, &change, &why)
                .await,
        );
    }
    for caller in [&hull_worker, &nowhere] {
        assert_not_found(db.store.person_history(caller, id).await);
    }
    // A peer mentor at the site reads the history but cannot correct.
    assert!(db
        .store
        .person_history(&mentor, id)
        .await
        .unwrap()
        .is_empty());
    for role in [Role::Admin, Role::NationalLead, Role::Reviewer] {
        let c = db.staff(role, &[w.leeds.id]).await;
        assert_not_found(
            db.store
                .update_person_details(&c, id, 1, &change, &why)
                .await,
        );
        assert_not_found(db.store.person_history(&c, id).await);
    }
    let guessed = PersonId::new();
    assert_not_found(
        db.store
            .update_person_details(&w.worker, guessed, 1, &change, &why)
            .await,
    );
    assert_not_found(db.store.person_history(&w.worker, guessed).await);
    assert_eq!(db.count_rows("person_revision").await, 0);
    assert!(db.audit_events_for("person.correct").await.is_empty());
    let person = db.store.get_person(&w.worker, id).await.unwrap();
    assert_eq!(
        (person.summary.given_name.as_str(), person.version),
        ("Daniel", 1)
    );
}

async fn under_18s_are_refused_on_adding_and_correcting(db: &TestDb) {
    let w = world(db).await;
    // The test clock is 2 March 2026: born 3 March 2008 is 17 for one more day.
    let young = details_with(w.leeds.prisons[0], |i| {
        i.dob_day = "3";
        i.dob_month = "3";
        i.dob_year = "2008";
    });
    let r = db.store.add_person(&w.worker, &young, None).await;
    match &r {
        Err(StoreError::Invalid(e)) => {
            assert_eq!(e[0].field, "date_of_birth");
            assert!(e[0].message.contains("18 or over"), "{}", e[0].message);
            assert!(e[0].message.contains("youth justice"), "{}", e[0].message);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let (new, _) = young.split();
    assert_invalid(
        db.store.create_person(&w.worker, &new).await,
        "date_of_birth",
    );
    assert_eq!(db.count_rows("person").await, 0);
    assert!(db.audit_events_for("person.create").await.is_empty());

    // Exactly 18 today is old enough.
    let eighteen = details_with(w.leeds.prisons[0], |i| {
        i.dob_day = "2";
        i.dob_month = "3";
        i.dob_year = "2008";
    });
    let id = db
        .store
        .add_person(&w.worker, &eighteen, None)
        .await
        .unwrap()
        .id;
    // A correction cannot make them younger than 18 either.
    assert_invalid(
        db.store
            .update_person_details(&w.worker, id, 1, &young, &reason("Wrong year"))
            .await,
        "date_of_birth",
    );
    assert_eq!(db.count_rows("person_revision").await, 0);
}

async fn correction_history_is_append_only(db: &TestDb) {
    let w = world(db).await;
    let id = added(db, &w).await;
    let change = details_with(w.leeds.prisons[0], |i| i.given_name = "Danny");
    db.store
        .update_person_details(&w.worker, id, 1, &change, &reason("He asked"))
        .await
        .unwrap();
    for sql in [
        "UPDATE person_revision SET reason = 'rewritten'",
        "DELETE FROM person_revision",
    ] {
        assert!(
            sqlx::query(sql).execute(db.pool()).await.is_err(),
            "{sql} was allowed"
        );
    }
    let history = db.store.person_history(&w.worker, id).await.unwrap();
    assert_eq!(history[0].reason, "He asked");
}

async fn a_form_sent_twice_adds_one_person(db: &TestDb) {
    let w = world(db).await;
    let d = details(w.leeds.prisons[0]);
    let first = db
        .store
        .add_person(&w.worker, &d, Some("tok-a"))
        .await
        .unwrap();
    let second = db
        .store
        .add_person(&w.worker, &d, Some("tok-a"))
        .await
        .unwrap();
    assert_eq!(second.id, first.id);
    assert!(second.already_added);
    // An identical person from the same member of staff, minutes later, with
    // another form (a second tab), is the same person too.
    db.advance(Duration::minutes(5));
    let third = db
        .store
        .add_person(&w.worker, &d, Some("tok-b"))
        .await
        .unwrap();
    assert_eq!(third.id, first.id);
    assert_eq!(db.count_rows("person").await, 1);
    assert_eq!(db.audit_events_for("person.create").await.len(), 1);

    // The token is per member of staff, and an hour later it is a new record.
    let colleague = db.staff(Role::Worker, &[w.leeds.id]).await;
    let other = db
        .store
        .add_person(&colleague, &d, Some("tok-a"))
        .await
        .unwrap();
    assert!(!other.already_added);
    db.advance(Duration::hours(1));
    let later = db.store.add_person(&w.worker, &d, None).await.unwrap();
    assert!(!later.already_added);
    assert_eq!(db.count_rows("person").await, 3);

    // Many sends of one form at once still add one person.
    let d2 = details_with(w.leeds.prisons[0], |i| i.given_name = "Sam");
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let (store, caller, d2) = (db.store.clone(), w.worker.clone(), d2.clone());
        tasks.push(tokio::spawn(async move {
            store.add_person(&caller, &d2, Some("tok-c")).await
        }));
    }
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap().unwrap().id);
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(db.count_rows("person").await, 4);
}

async fn corrections_must_change_something_at_the_same_site(db: &TestDb) {
    let w = world(db).await;
    let id = added(db, &w).await;
    let why = reason("Checking");
    assert_invalid(
        db.store
            .update_person_details(&w.worker, id, 1, &details(w.leeds.prisons[0]), &why)
            .await,
        "",
    );
    // A Hull prison would move them to another site: that is a transfer.
    let both = db.staff(Role::Worker, &[w.leeds.id, w.hull.id]).await;
    assert_invalid(
        db.store
            .update_person_details(&both, id, 1, &details(w.hull.prisons[0]), &why)
            .await,
        "prison_id",
    );
    assert_eq!(db.count_rows("person_revision").await, 0);
    assert_eq!(db.store.get_person(&w.worker, id).await.unwrap().version, 1);
}

async fn search_matches_numbers_and_preferred_names_and_is_audited(db: &TestDb) {
    let w = world(db).await;
    let with_nhs = details_with(w.leeds.prisons[0], |i| i.nhs_number = "9434765919");
    let id = db
        .store
        .add_person(&w.worker, &with_nhs, None)
        .await
        .unwrap()
        .id;
    let other = db
        .person(&w.worker, w.leeds.prisons[0], "Priya", "Shah")
        .await;
    let hull_manager = db.staff(Role::SiteManager, &[w.hull.id]).await;
    db.person(&hull_manager, w.hull.prisons[0], "Dan", "Hullman")
        .await;
    let search = |q: &str| PeopleFilter {
        search: Some(q.to_string()),
        limit: 50,
        ..Default::default()
    };
    for q in [
        "943 476 5919",
        "9434765919",
        "a1234bc",
        "A1234BC",
        "dan",
        "OKAFOR",
        "Daniel Okafor",
    ] {
        let found = db.store.list_people(&w.worker, &search(q)).await.unwrap();
        let ids: Vec<PersonId> = found.iter().map(|p| p.id).collect();
        assert_eq!(ids, [id], "{q}");
    }
    let found = db
        .store
        .list_people(&w.worker, &search("shah"))
        .await
        .unwrap();
    assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), [other]);

    let audit = db.audit_events_for("people.search").await;
    assert_eq!(audit.len(), 8);
    assert!(audit.iter().all(|a| a.site_id == Some(w.leeds.id)));
    let first = audit[0].detail.as_deref().unwrap();
    assert_eq!(first, "1 found searching for an NHS number ending 919");
    assert!(audit
        .iter()
        .all(|a| !a.detail.as_deref().unwrap_or_default().contains("476")));
    assert_eq!(
        audit[2].detail.as_deref(),
        Some("1 found searching for \"a1234bc\"")
    );
}
