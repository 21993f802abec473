//! People: deny by default. Only case roles see people, only at their own
//! sites, and anything outside the scope looks exactly like nothing at all.

use super::{assert_forbidden, assert_invalid, assert_not_found};
use reconnect_domain::{Caller, PersonId, Role};
use reconnect_store::people::PeopleFilter;
use reconnect_store::testing::{nhs_number, TestDb, TestSite};
use reconnect_store::StoreError;
use std::collections::BTreeSet;

on_both_engines!(
    people_are_created_at_the_site_serving_their_prison,
    every_role_is_confined_to_its_sites,
    a_worker_with_no_sites_sees_nothing,
    non_case_roles_never_read_people,
    guessed_person_ids_are_not_found,
    search_finds_only_people_in_scope,
    like_wildcards_in_search_are_literal,
    search_finds_names_beyond_ascii,
    caseloads_filter_by_site_and_page,
    concurrent_audited_reads_and_writes_all_succeed,
);

/// Two sites, a manager at each who has added two people, for scope tests.
struct World {
    leeds: TestSite,
    hull: TestSite,
    leeds_people: Vec<PersonId>,
    hull_people: Vec<PersonId>,
}

async fn world(db: &TestDb) -> World {
    let leeds = db.site("Leeds", &["HMP Leeds", "HMP Wealstun"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    let leeds_manager = db.staff(Role::SiteManager, &[leeds.id]).await;
    let hull_manager = db.staff(Role::SiteManager, &[hull.id]).await;
    let leeds_people = vec![
        db.person(&leeds_manager, leeds.prisons[0], "Dan", "Okafor")
            .await,
        db.person(&leeds_manager, leeds.prisons[1], "Priya", "Shah")
            .await,
    ];
    let hull_people = vec![
        db.person(&hull_manager, hull.prisons[0], "Tom", "Baker")
            .await,
        db.person(&hull_manager, hull.prisons[0], "Dan", "Okafor")
            .await,
    ];
    World {
        leeds,
        hull,
        leeds_people,
        hull_people,
    }
}

async fn list(
    db: &TestDb,
    caller: &Caller,
    filter: PeopleFilter,
) -> Result<BTreeSet<PersonId>, StoreError> {
    let people = db.store.list_people(caller, &filter).await?;
    Ok(people.into_iter().map(|p| p.id).collect())
}

fn all() -> PeopleFilter {
    PeopleFilter {
        limit: 100,
        ..Default::default()
    }
}

fn search(term: &str) -> PeopleFilter {
    PeopleFilter {
        search: Some(term.to_string()),
        limit: 100,
        ..Default::default()
    }
}

async fn people_are_created_at_the_site_serving_their_prison(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds", "HMP Wealstun"]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    let mut new = db.new_person(leeds.prisons[1], "Priya", "Shah");
    new.preferred_name = Some("Pri".into());
    new.nhs_number = Some(nhs_number(7));
    let id = db.store.create_person(&worker, &new).await.unwrap();

    let person = db.store.get_person(&worker, id).await.unwrap();
    assert_eq!(person.summary.id, id);
    assert_eq!(person.summary.site_id, leeds.id);
    assert_eq!(person.summary.given_name, "Priya");
    assert_eq!(person.summary.family_name, "Shah");
    assert_eq!(person.summary.preferred_name.as_deref(), Some("Pri"));
    assert_eq!(person.summary.date_of_birth, new.date_of_birth);
    assert_eq!(person.summary.prison_number, new.prison_number);
    assert_eq!(person.summary.prison_name, "HMP Wealstun");
    assert_eq!(person.prison_id, leeds.prisons[1]);
    assert_eq!(person.nhs_number, Some(nhs_number(7)));
    assert_eq!(person.site_name, "Leeds");
    assert_eq!(person.created_at, db.now());
    let me = db
        .store
        .get_user(&db.staff(Role::Admin, &[]).await, worker.user_id())
        .await
        .unwrap();
    assert_eq!(person.created_by_name, me.display_name);
    assert_eq!(db.store.count_people().await.unwrap(), 1);

    // Peer mentors read but do not add.
    let mentor = db.staff(Role::PeerMentor, &[leeds.id]).await;
    assert_eq!(
        db.store.get_person(&mentor, id).await.unwrap().summary.id,
        id
    );
    assert_forbidden(
        db.store
            .create_person(&mentor, &db.new_person(leeds.prisons[0], "A", "B"))
            .await,
    );
    // An unknown prison is a field error.
    let lost = db.new_person(reconnect_domain::PrisonId::new(), "A", "B");
    assert_invalid(db.store.create_person(&worker, &lost).await, "prison_id");
    assert_eq!(db.store.count_people().await.unwrap(), 1);
}

async fn every_role_is_confined_to_its_sites(db: &TestDb) {
    let w = world(db).await;
    for role in Role::ALL {
        let caller = db.staff(role, &[w.leeds.id]).await;
        let listed = list(db, &caller, all()).await.unwrap();
        let hull_site = PeopleFilter {
            site: Some(w.hull.id),
            limit: 100,
            ..Default::default()
        };
        assert_not_found(list(db, &caller, hull_site).await);
        for id in &w.hull_people {
            assert_not_found(db.store.get_person(&caller, *id).await);
        }
        let at_hull = db.new_person(w.hull.prisons[0], "New", "Person");
        let created = db.store.create_person(&caller, &at_hull).await;

        if role.reads_cases() {
            let expected: BTreeSet<_> = w.leeds_people.iter().copied().collect();
            assert_eq!(listed, expected, "{role}");
            for id in &w.leeds_people {
                assert_eq!(
                    db.store.get_person(&caller, *id).await.unwrap().summary.id,
                    *id
                );
            }
        } else {
            assert!(listed.is_empty(), "{role} listed {listed:?}");
            for id in &w.leeds_people {
                assert_not_found(db.store.get_person(&caller, *id).await);
            }
        }
        if role.writes_cases() {
            assert_invalid(created, "prison_id");
        } else {
            assert_forbidden(created);
        }
    }
    // Nobody added anyone at Hull.
    assert_eq!(db.store.count_people().await.unwrap(), 4);
    let creates = db.audit_events_for("person.create").await;
    assert_eq!(creates.len(), 4);
}

async fn a_worker_with_no_sites_sees_nothing(db: &TestDb) {
    let w = world(db).await;
    for role in [Role::Worker, Role::PeerMentor, Role::SiteManager] {
        let caller = db.staff(role, &[]).await;
        assert!(list(db, &caller, all()).await.unwrap().is_empty());
        assert!(list(db, &caller, search("Okafor"))
            .await
            .unwrap()
            .is_empty());
        let leeds_site = PeopleFilter {
            site: Some(w.leeds.id),
            limit: 100,
            ..Default::default()
        };
        assert_not_found(list(db, &caller, leeds_site).await);
        for id in w.leeds_people.iter().chain(&w.hull_people) {
            assert_not_found(db.store.get_person(&caller, *id).await);
        }
        let created = db
            .store
            .create_person(&caller, &db.new_person(w.leeds.prisons[0], "A", "B"))
            .await;
        if role.writes_cases() {
            assert_invalid(created, "prison_id");
        } else {
            assert_forbidden(created);
        }
    }
    assert_eq!(db.store.count_people().await.unwrap(), 4);
    assert!(db.audit_events_for("person.view").await.is_empty());
}

async fn non_case_roles_never_read_people(db: &TestDb) {
    let w = world(db).await;
    for role in [Role::NationalLead, Role::Reviewer, Role::Admin] {
        // Even as a member of both sites.
        let caller = db.staff(role, &[w.leeds.id, w.hull.id]).await;
        assert!(list(db, &caller, all()).await.unwrap().is_empty(), "{role}");
        assert!(
            list(db, &caller, search("Okafor"))
                .await
                .unwrap()
                .is_empty(),
            "{role}"
        );
        for site in [w.leeds.id, w.hull.id] {
            let filter = PeopleFilter {
                site: Some(site),
                limit: 100,
                ..Default::default()
            };
            assert_not_found(list(db, &caller, filter).await);
        }
        for id in w.leeds_people.iter().chain(&w.hull_people) {
            assert_not_found(db.store.get_person(&caller, *id).await);
        }
        assert_forbidden(
            db.store
                .create_person(&caller, &db.new_person(w.leeds.prisons[0], "A", "B"))
                .await,
        );
    }
    assert!(db.audit_events_for("person.view").await.is_empty());
    assert!(db.audit_events_for("caseload.view").await.is_empty());
}

async fn guessed_person_ids_are_not_found(db: &TestDb) {
    let w = world(db).await;
    let worker = db.staff(Role::Worker, &[w.leeds.id, w.hull.id]).await;
    for _ in 0..5 {
        assert_not_found(db.store.get_person(&worker, PersonId::new()).await);
    }
    let nil: PersonId = "00000000-0000-0000-0000-000000000000".parse().unwrap();
    assert_not_found(db.store.get_person(&worker, nil).await);
    // Out of scope is indistinguishable from missing.
    let leeds_only = db.staff(Role::Worker, &[w.leeds.id]).await;
    let missing = db
        .store
        .get_person(&leeds_only, PersonId::new())
        .await
        .unwrap_err();
    let elsewhere = db
        .store
        .get_person(&leeds_only, w.hull_people[0])
        .await
        .unwrap_err();
    assert_eq!(missing.to_string(), elsewhere.to_string());
}

async fn search_finds_only_people_in_scope(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    let leeds_worker = db.staff(Role::Worker, &[leeds.id]).await;
    let hull_worker = db.staff(Role::Worker, &[hull.id]).await;

    let mut dan = db.new_person(leeds.prisons[0], "Dan", "Okafor");
    dan.nhs_number = Some(nhs_number(1));
    dan.prison_number = reconnect_domain::PrisonNumber::parse("A1234BC").unwrap();
    dan.preferred_name = Some("Danny Boy".into());
    let dan = db.store.create_person(&leeds_worker, &dan).await.unwrap();
    let amira = db
        .person(&leeds_worker, leeds.prisons[0], "Amira", "Khan")
        .await;
    // The same names and numbers at Hull must never show up for Leeds.
    let mut twin = db.new_person(hull.prisons[0], "Dan", "Okafor");
    twin.nhs_number = Some(nhs_number(2));
    twin.prison_number = reconnect_domain::PrisonNumber::parse("B9999ZZ").unwrap();
    let twin = db.store.create_person(&hull_worker, &twin).await.unwrap();
    let mut hull_khan = db.new_person(hull.prisons[0], "Amira", "Khan");
    hull_khan.nhs_number = Some(nhs_number(1));
    hull_khan.prison_number = reconnect_domain::PrisonNumber::parse("A1234BC").unwrap();
    let hull_khan = db
        .store
        .create_person(&hull_worker, &hull_khan)
        .await
        .unwrap();

    let one = |id| BTreeSet::from([id]);
    let none = BTreeSet::new();
    let nhs1 = nhs_number(1);
    let nhs1_spaced = nhs1.to_string();
    let cases: Vec<(&str, BTreeSet<PersonId>)> = vec![
        ("okafor", one(dan)),
        ("DAN OKA", one(dan)),
        ("  Khan ", one(amira)),
        ("danny", one(dan)),
        ("a1234bc", one(dan)),
        ("A1234BC", one(dan)),
        ("a 1234 bc", one(dan)),
        (nhs1_spaced.as_str(), one(dan)),
        ("B9999ZZ", none.clone()),
        ("nobody", none.clone()),
    ];
    for (term, expected) in &cases {
        assert_eq!(
            &list(db, &leeds_worker, search(term)).await.unwrap(),
            expected,
            "{term:?}"
        );
    }
    let digits = nhs1.digits();
    assert_eq!(
        list(db, &leeds_worker, search(&digits)).await.unwrap(),
        one(dan)
    );
    // Partial numbers do not match: numbers are found whole.
    assert!(list(db, &leeds_worker, search(&digits[..6]))
        .await
        .unwrap()
        .is_empty());
    assert!(list(db, &leeds_worker, search("A1234"))
        .await
        .unwrap()
        .is_empty());
    // Hull's worker sees Hull's people for the same terms.
    assert_eq!(
        list(db, &hull_worker, search("okafor")).await.unwrap(),
        one(twin)
    );
    assert_eq!(
        list(db, &hull_worker, search(&digits)).await.unwrap(),
        one(hull_khan)
    );
    // A blank search lists everyone in scope.
    assert_eq!(
        list(db, &leeds_worker, search("   ")).await.unwrap(),
        BTreeSet::from([dan, amira])
    );
}

async fn like_wildcards_in_search_are_literal(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    let plain = db
        .person(&worker, leeds.prisons[0], "Joanna", "Okafor")
        .await;
    let percent = db.person(&worker, leeds.prisons[0], "Jo%", "Smith").await;
    let underscore = db.person(&worker, leeds.prisons[0], "Jo_n", "Smith").await;
    let backslash = db
        .person(&worker, leeds.prisons[0], "Jo\\an", "Smith")
        .await;

    let found = |ids: &[PersonId]| ids.iter().copied().collect::<BTreeSet<_>>();
    assert_eq!(
        list(db, &worker, search("%")).await.unwrap(),
        found(&[percent])
    );
    assert_eq!(
        list(db, &worker, search("_")).await.unwrap(),
        found(&[underscore])
    );
    assert_eq!(
        list(db, &worker, search("jo_n")).await.unwrap(),
        found(&[underscore])
    );
    assert_eq!(
        list(db, &worker, search("Jo%")).await.unwrap(),
        found(&[percent])
    );
    assert_eq!(
        list(db, &worker, search("\\")).await.unwrap(),
        found(&[backslash])
    );
    // "k_f" would match "Okafor" if "_" were a wildcard, and "o%r" would too.
    assert!(list(db, &worker, search("k_f")).await.unwrap().is_empty());
    assert!(list(db, &worker, search("o%r")).await.unwrap().is_empty());
    assert_eq!(list(db, &worker, search("jo")).await.unwrap().len(), 4);
    assert_eq!(
        list(db, &worker, search("kafo")).await.unwrap(),
        found(&[plain])
    );
}

async fn search_finds_names_beyond_ascii(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    let elodie = db
        .person(&worker, leeds.prisons[0], "Élodie", "Durand")
        .await;
    let lukasz = db
        .person(&worker, leeds.prisons[0], "Łukasz", "Nowak")
        .await;
    let zoe = db.person(&worker, leeds.prisons[0], "Zoë", "Brontë").await;
    // A name is found as it is written, and with its ASCII letters in any case,
    // on every engine. (Folding the case of other letters, "élodie" for
    // "Élodie", depends on the engine: PostgreSQL does, SQLite does not.)
    for (term, id) in [
        ("Élodie", elodie),
        ("ÉLODIE", elodie),
        ("Élodie Durand", elodie),
        ("durand", elodie),
        ("Łukasz", lukasz),
        ("ŁUKASZ NOWAK", lukasz),
        ("Zoë", zoe),
        ("zoë brontë", zoe),
        ("BRONTë", zoe),
    ] {
        assert_eq!(
            list(db, &worker, search(term)).await.unwrap(),
            BTreeSet::from([id]),
            "{term:?}"
        );
    }
}

async fn caseloads_filter_by_site_and_page(db: &TestDb) {
    let w = world(db).await;
    let worker = db.staff(Role::Worker, &[w.leeds.id, w.hull.id]).await;
    let everyone = db.store.list_people(&worker, &all()).await.unwrap();
    let names: Vec<(&str, &str)> = everyone
        .iter()
        .map(|p| (p.family_name.as_str(), p.given_name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("Baker", "Tom"),
            ("Okafor", "Dan"),
            ("Okafor", "Dan"),
            ("Shah", "Priya")
        ],
        "by family name, then given name"
    );
    let leeds_only = PeopleFilter {
        site: Some(w.leeds.id),
        limit: 100,
        ..Default::default()
    };
    let expected: BTreeSet<_> = w.leeds_people.iter().copied().collect();
    assert_eq!(list(db, &worker, leeds_only).await.unwrap(), expected);
    assert!(everyone.iter().any(|p| p.prison_name == "HMP Wealstun"));

    let mut paged = Vec::new();
    for offset in 0..5 {
        let page = PeopleFilter {
            limit: 1,
            offset,
            ..Default::default()
        };
        paged.extend(db.store.list_people(&worker, &page).await.unwrap());
    }
    assert_eq!(paged, everyone);

    // Each listing is audited once per site it covered, with how many people
    // of that site it showed, so every site's manager sees it.
    let views = db.audit_events_for("caseload.view").await;
    assert_eq!(views.len(), 2 + 1 + 5 * 2);
    assert!(views.iter().all(|v| v.site_id.is_some()));
    let shown = |v: &reconnect_store::AuditRecord| -> usize {
        v.detail
            .as_deref()
            .and_then(|d| d.strip_suffix(" people listed"))
            .and_then(|n| n.parse().ok())
            .unwrap()
    };
    assert_eq!(shown(&views[0]) + shown(&views[1]), 4);
    assert_ne!(views[0].site_id, views[1].site_id);
    assert_eq!(views[2].site_id, Some(w.leeds.id));
    assert_eq!(views[2].detail.as_deref(), Some("2 people listed"));
    let paged_total: usize = views[3..].iter().map(shown).sum();
    assert_eq!(
        paged_total, 4,
        "the one-person pages together showed everyone once"
    );
}

async fn concurrent_audited_reads_and_writes_all_succeed(db: &TestDb) {
    let w = world(db).await;
    let worker = db.staff(Role::Worker, &[w.leeds.id]).await;
    let mut tasks = Vec::new();
    for i in 0..30 {
        let store = db.store.clone();
        let worker = worker.clone();
        let person = w.leeds_people[i % 2];
        let new = db.new_person(w.leeds.prisons[0], "Con", &format!("Current{i}"));
        tasks.push(tokio::spawn(async move {
            match i % 3 {
                0 => store.get_person(&worker, person).await.map(|_| ()),
                1 => store.list_people(&worker, &all()).await.map(|_| ()),
                _ => store.create_person(&worker, &new).await.map(|_| ()),
            }
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        if let Err(e) = task.await.unwrap() {
            failures.push(e.to_string());
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 30 failed: {failures:?}",
        failures.len()
    );
    assert_eq!(db.store.count_people().await.unwrap(), 4 + 10);
    assert_eq!(db.audit_events_for("person.view").await.len(), 10);
    assert_eq!(db.audit_events_for("caseload.view").await.len(), 10);
    assert_eq!(db.audit_events_for("person.create").await.len(), 4 + 10);
}
