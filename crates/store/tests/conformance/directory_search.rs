//! The services directory for staff: search by text, need, distance (with
//! known coordinates, nearest first), open now at fixed instants (past
//! midnight, GMT and BST), age, gender and area; paging; a person's release
//! address read only in scope and audited; sites' own lists and the
//! verification history, with the "needs checking" flag after six months.

use super::{assert_forbidden, assert_not_found};
use reconnect_domain::geo::Coordinates;
use reconnect_domain::postcode::Postcode;
use reconnect_domain::service_taxonomy::by_code;
use reconnect_domain::{Caller, Role};
use reconnect_store::directory_search::{AreaKeys, EligibleGender, ServiceQuery};
use reconnect_store::testing::{DirService, TestDb};
use reconnect_store::StoreError;
use time::macros::datetime;
use time::Duration;

on_both_engines!(
    text_and_need_filters,
    nearest_first_within_the_radius,
    open_now_in_uk_clock_time,
    eligibility_by_age_gender_and_area,
    results_come_in_pages,
    a_persons_release_address_is_read_in_scope_and_audited,
    site_lists_are_curated_by_their_managers,
    verification_keeps_its_history_and_clears_the_flag,
);

/// Manchester Piccadilly.
const CENTRE: (f64, f64) = (53.4808, -2.2426);

fn query() -> ServiceQuery {
    ServiceQuery {
        radius_m: 10_000,
        page: 1,
        per_page: 20,
        ..ServiceQuery::default()
    }
}

async fn worker(db: &TestDb) -> (Caller, reconnect_store::testing::TestSite) {
    let site = db.site("Salford", &["HMP Forest Bank"]).await;
    (db.staff(Role::Worker, &[site.id]).await, site)
}

fn names(r: &reconnect_store::directory_search::SearchResults) -> Vec<&str> {
    r.hits.iter().map(|h| h.name.as_str()).collect()
}

async fn text_and_need_filters(db: &TestDb) {
    let (w, _) = worker(db).await;
    db.dir_service(
        &DirService::new("Change Grow Live")
            .described("Drug and alcohol recovery")
            .run_by("CGL")
            .term("substance-misuse"),
    )
    .await;
    db.dir_service(
        &DirService::new("Shelter advice")
            .described("Housing advice line")
            .term("housing"),
    )
    .await;
    db.dir_service(&DirService::new("Closed café").status("defunct"))
        .await;
    db.dir_service(&DirService::new("100% Wellbeing").run_by("Walk_Together"))
        .await;

    let all = db.store.search_services(&w, &query()).await.unwrap();
    assert_eq!(
        names(&all),
        ["100% Wellbeing", "Change Grow Live", "Shelter advice"],
        "by name, defunct services left out"
    );
    // Text in the description, the organisation, any case; LIKE wildcards are literal.
    for (text, expected) in [
        ("ALCOHOL", vec!["Change Grow Live"]),
        ("cgl", vec!["Change Grow Live"]),
        ("100%", vec!["100% Wellbeing"]),
        ("walk_t", vec!["100% Wellbeing"]),
        ("_", vec!["100% Wellbeing"]),
        ("nothing like this", vec![]),
    ] {
        let r = db
            .store
            .search_services(
                &w,
                &ServiceQuery {
                    text: Some(text.into()),
                    ..query()
                },
            )
            .await
            .unwrap();
        assert_eq!(names(&r), expected, "{text}");
    }
    let r = db
        .store
        .search_services(
            &w,
            &ServiceQuery {
                term_id: Some(by_code("housing").unwrap().id.into()),
                ..query()
            },
        )
        .await
        .unwrap();
    assert_eq!(names(&r), ["Shelter advice"]);
    // Roles without a site do not use the staff directory.
    let lead = db.staff(Role::NationalLead, &[]).await;
    assert_forbidden(db.store.search_services(&lead, &query()).await);
}

async fn nearest_first_within_the_radius(db: &TestDb) {
    let (w, _) = worker(db).await;
    let (lat, lon) = CENTRE;
    // One minute of latitude north (about 1,853 m), 0.05 degrees north
    // (about 5.56 km), and Liverpool (about 50 km west).
    db.dir_service(&DirService::new("Far").at(lat + 0.05, lon, "M4 5AA"))
        .await;
    db.dir_service(&DirService::new("Near").at(lat + 1.0 / 60.0, lon, "M1 1AE"))
        .await;
    db.dir_service(&DirService::new("Liverpool").at(53.4084, -2.9916, "L1 1JD"))
        .await;
    // Two locations: the nearer counts.
    db.dir_service(
        &DirService::new("Two places")
            .at(53.4084, -2.9916, "L1 1JD")
            .at(lat - 0.03, lon, "M15 4AA"),
    )
    .await;
    db.dir_service(&DirService::new("Nowhere")).await;
    let near = |radius_m| ServiceQuery {
        near: Some(Coordinates::new(lat, lon).unwrap()),
        radius_m,
        ..query()
    };
    let r = db.store.search_services(&w, &near(10_000)).await.unwrap();
    assert_eq!(names(&r), ["Near", "Two places", "Far"]);
    let d: Vec<f64> = r.hits.iter().map(|h| h.distance_m.unwrap()).collect();
    assert!((d[0] - 1_853.0).abs() < 5.0, "{d:?}");
    assert!((d[1] - 3_336.0).abs() < 10.0, "{d:?}");
    assert!((d[2] - 5_560.0).abs() < 10.0, "{d:?}");
    let r = db.store.search_services(&w, &near(2_000)).await.unwrap();
    assert_eq!(names(&r), ["Near"]);
    let r = db.store.search_services(&w, &near(60_000)).await.unwrap();
    assert_eq!(names(&r), ["Near", "Two places", "Far", "Liverpool"]);
    let liverpool = r.hits[3].distance_m.unwrap();
    assert!((liverpool - 50_000.0).abs() < 1_500.0, "{liverpool}");

    // Postcodes are looked up in the postcode table; terminated ones are not used.
    db.postcode("M1 1AE", lat, lon).await;
    let p = Postcode::parse("m11ae").unwrap();
    let c = db.store.postcode_coordinates(&p).await.unwrap().unwrap();
    assert_eq!((c.latitude, c.longitude), (lat, lon));
    let unknown = Postcode::parse("M2 2BB").unwrap();
    assert_eq!(db.store.postcode_coordinates(&unknown).await.unwrap(), None);
}

async fn open_now_in_uk_clock_time(db: &TestDb) {
    let (w, _) = worker(db).await;
    db.dir_service(&DirService::new("Office").open("MO,TU,WE,TH,FR", "09:00", "17:00"))
        .await;
    db.dir_service(&DirService::new("Night shelter").open("FR,SA", "20:00", "08:00:00"))
        .await;
    db.dir_service(&DirService::new("No hours")).await;
    let open = |at| ServiceQuery {
        open_at: Some(at),
        ..query()
    };
    for (at, expected) in [
        // Monday in winter (GMT): 09:30 on the clocks.
        (datetime!(2026-03-02 09:30 UTC), vec!["Office"]),
        // Monday in summer (BST): 08:30 UTC is 09:30 on the clocks ...
        (datetime!(2026-07-06 08:30 UTC), vec!["Office"]),
        // ... and 16:30 UTC is 17:30, after closing.
        (datetime!(2026-07-06 16:30 UTC), vec![]),
        // In winter 16:30 UTC is 16:30, still open.
        (datetime!(2026-01-05 16:30 UTC), vec!["Office"]),
        // Saturday 02:00, after Friday night's opening.
        (datetime!(2026-03-07 02:00 UTC), vec!["Night shelter"]),
        // Sunday 07:30 BST (06:30 UTC) after Saturday night, in summer.
        (datetime!(2026-07-05 06:30 UTC), vec!["Night shelter"]),
        // Monday 02:00: Sunday night is not an opening night.
        (datetime!(2026-03-09 02:00 UTC), vec![]),
    ] {
        let r = db.store.search_services(&w, &open(at)).await.unwrap();
        assert_eq!(names(&r), expected, "{at}");
    }
    // Without the filter, each hit says whether it is open at the clock's now
    // (Monday 2 March 2026, 09:00 GMT).
    let r = db.store.search_services(&w, &query()).await.unwrap();
    let open_now: Vec<(&str, Option<bool>)> = r
        .hits
        .iter()
        .map(|h| (h.name.as_str(), h.open_now))
        .collect();
    assert_eq!(
        open_now,
        [
            ("Night shelter", Some(false)),
            ("No hours", None),
            ("Office", Some(true))
        ]
    );
}

async fn eligibility_by_age_gender_and_area(db: &TestDb) {
    let (w, _) = worker(db).await;
    db.dir_service(&DirService::new("Anyone")).await;
    db.dir_service(&DirService::new("Young adults").ages(Some(18), Some(25)))
        .await;
    db.dir_service(&DirService::new("Over 50s").ages(Some(50), None))
        .await;
    db.dir_service(&DirService::new("Women's centre").for_genders("women"))
        .await;
    db.dir_service(&DirService::new("Men and non-binary").for_genders("men, non_binary"))
        .await;
    db.dir_service(&DirService::new("Salford only").area("Salford").area("M6"))
        .await;
    db.dir_service(&DirService::new("Leeds only").area("LS1, LS2"))
        .await;
    let search = |age, gender, area| ServiceQuery {
        age,
        gender,
        area,
        ..query()
    };
    let r = db
        .store
        .search_services(&w, &search(Some(22), Some(EligibleGender::Women), None))
        .await
        .unwrap();
    assert_eq!(
        names(&r),
        [
            "Anyone",
            "Leeds only",
            "Salford only",
            "Women's centre",
            "Young adults"
        ]
    );
    let r = db
        .store
        .search_services(&w, &search(Some(50), Some(EligibleGender::NonBinary), None))
        .await
        .unwrap();
    assert_eq!(
        names(&r),
        [
            "Anyone",
            "Leeds only",
            "Men and non-binary",
            "Over 50s",
            "Salford only"
        ]
    );
    let salford = AreaKeys::new(Some(&Postcode::parse("M6 5FX").unwrap()), Some("Salford"));
    let r = db
        .store
        .search_services(
            &w,
            &search(Some(30), Some(EligibleGender::Men), Some(salford)),
        )
        .await
        .unwrap();
    assert_eq!(names(&r), ["Anyone", "Men and non-binary", "Salford only"]);
    let leeds = AreaKeys::new(Some(&Postcode::parse("LS2 7UE").unwrap()), None);
    let r = db
        .store
        .search_services(&w, &search(None, None, Some(leeds)))
        .await
        .unwrap();
    assert!(names(&r).contains(&"Leeds only"));
    assert!(!names(&r).contains(&"Salford only"));
}

async fn results_come_in_pages(db: &TestDb) {
    let (w, _) = worker(db).await;
    for i in 0..5 {
        db.dir_service(&DirService::new(&format!("Service {i}")))
            .await;
    }
    let page = |page| ServiceQuery {
        page,
        per_page: 2,
        ..query()
    };
    let r = db.store.search_services(&w, &page(1)).await.unwrap();
    assert_eq!(
        (names(&r), r.total, r.pages()),
        (vec!["Service 0", "Service 1"], 5, 3)
    );
    let r = db.store.search_services(&w, &page(3)).await.unwrap();
    assert_eq!(names(&r), ["Service 4"]);
    let r = db.store.search_services(&w, &page(9)).await.unwrap();
    assert!(r.hits.is_empty());
    assert_eq!(r.total, 5);
}

async fn a_persons_release_address_is_read_in_scope_and_audited(db: &TestDb) {
    let (w, site) = worker(db).await;
    let person = db.person(&w, site.prisons[0], "Sam", "Carter").await;
    let before = db.audit_events_for("directory.person_address").await.len();
    // Nothing known yet: no postcode, no gender.
    let basis = db.store.person_directory_basis(&w, person).await.unwrap();
    assert_eq!((basis.postcode.clone(), basis.gender), (None, None));
    db.release_address(person, "M6 5FX", "Salford", "man").await;
    let basis = db.store.person_directory_basis(&w, person).await.unwrap();
    assert_eq!(basis.postcode.unwrap().as_str(), "M6 5FX");
    assert_eq!(basis.town.as_deref(), Some("Salford"));
    assert_eq!(basis.gender, Some(EligibleGender::Men));
    assert_eq!(basis.name, "Sam Carter");
    let events = db.audit_events_for("directory.person_address").await;
    assert_eq!(events.len(), before + 2);
    assert_eq!(events.last().unwrap().person_id, Some(person));

    // Someone at another site, an admin, a guessed id: not found, not audited.
    let other = db.site("Leeds", &["HMP Leeds"]).await;
    let elsewhere = db.staff(Role::Worker, &[other.id]).await;
    assert_not_found(db.store.person_directory_basis(&elsewhere, person).await);
    let admin = db.staff(Role::Admin, &[]).await;
    assert_not_found(db.store.person_directory_basis(&admin, person).await);
    assert_not_found(
        db.store
            .person_directory_basis(&w, reconnect_domain::PersonId::new())
            .await,
    );
    assert_eq!(
        db.audit_events_for("directory.person_address").await.len(),
        before + 2
    );
}

async fn site_lists_are_curated_by_their_managers(db: &TestDb) {
    let (w, site) = worker(db).await;
    let manager = db.staff(Role::SiteManager, &[site.id]).await;
    let other = db.site("Leeds", &["HMP Leeds"]).await;
    let other_manager = db.staff(Role::SiteManager, &[other.id]).await;
    let cgl = db.dir_service(&DirService::new("Change Grow Live")).await;
    let shelter = db
        .dir_service(&DirService::new("Shelter").verified(db.now() - Duration::days(30)))
        .await;

    db.store
        .add_to_site_list(&manager, site.id, &cgl, Some("  Our main drug service "))
        .await
        .unwrap();
    db.store
        .add_to_site_list(&manager, site.id, &shelter, None)
        .await
        .unwrap();
    assert!(matches!(
        db.store
            .add_to_site_list(&manager, site.id, &cgl, None)
            .await,
        Err(StoreError::Conflict(_))
    ));
    // Workers read the list but do not change it; other sites' managers
    // cannot reach this site; unknown services are not found.
    assert_forbidden(db.store.add_to_site_list(&w, site.id, &cgl, None).await);
    assert_not_found(
        db.store
            .add_to_site_list(&other_manager, site.id, &cgl, None)
            .await,
    );
    assert_not_found(
        db.store
            .add_to_site_list(&manager, site.id, "no-such-service", None)
            .await,
    );
    let long = "x".repeat(501);
    assert!(matches!(
        db.store
            .remove_from_site_list(&manager, site.id, &cgl, Some(&long))
            .await,
        Err(StoreError::Invalid(_))
    ));

    let list = db.store.site_list(&w, false).await.unwrap();
    let rows: Vec<(&str, Option<&str>, bool)> = list
        .iter()
        .map(|e| (e.service_name.as_str(), e.note.as_deref(), e.needs_checking))
        .collect();
    assert_eq!(
        rows,
        [
            ("Change Grow Live", Some("Our main drug service"), true),
            ("Shelter", None, false)
        ]
    );
    let stale = db.store.site_list(&w, true).await.unwrap();
    assert_eq!(stale.len(), 1);
    assert!(db
        .store
        .site_list(&other_manager, false)
        .await
        .unwrap()
        .is_empty());
    // The search marks services on the caller's sites' lists.
    let r = db.store.search_services(&w, &query()).await.unwrap();
    let marked: Vec<(&str, bool)> = r
        .hits
        .iter()
        .map(|h| (h.name.as_str(), h.on_site_list))
        .collect();
    assert_eq!(marked, [("Change Grow Live", true), ("Shelter", true)]);
    let r = db
        .store
        .search_services(&other_manager, &query())
        .await
        .unwrap();
    assert!(r.hits.iter().all(|h| !h.on_site_list));

    db.store
        .remove_from_site_list(&manager, site.id, &cgl, Some("Service closed locally"))
        .await
        .unwrap();
    assert!(matches!(
        db.store
            .remove_from_site_list(&manager, site.id, &cgl, None)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(db.store.site_list(&w, false).await.unwrap().len(), 1);
    let adds = db.audit_events_for("directory.site_list.add").await;
    assert_eq!(adds.len(), 2);
    assert_eq!(adds[0].site_id, Some(site.id));
    let removes = db.audit_events_for("directory.site_list.remove").await;
    assert_eq!(removes.len(), 1);
    assert_eq!(removes[0].detail.as_deref(), Some("Service closed locally"));
}

async fn verification_keeps_its_history_and_clears_the_flag(db: &TestDb) {
    let (w, site) = worker(db).await;
    let manager = db.staff(Role::SiteManager, &[site.id]).await;
    let id = db.dir_service(&DirService::new("Shelter")).await;
    let detail = db.store.service_detail(&w, &id).await.unwrap();
    assert!(detail.needs_checking, "never verified");
    assert_eq!(detail.verified_at, None);

    db.store
        .verify_service(&manager, site.id, &id, Some("Phoned them"))
        .await
        .unwrap();
    let first = db.now();
    db.advance(Duration::days(200));
    let detail = db.store.service_detail(&w, &id).await.unwrap();
    assert_eq!(detail.verified_at, Some(first));
    assert!(detail.needs_checking, "verified over six months ago");
    db.store
        .verify_service(&manager, site.id, &id, None)
        .await
        .unwrap();
    let detail = db.store.service_detail(&w, &id).await.unwrap();
    assert_eq!(detail.verified_at, Some(db.now()));
    assert!(!detail.needs_checking);
    assert!(detail.verified_by_name.is_some());

    let history = db.store.service_verifications(&id).await.unwrap();
    let rows: Vec<(_, Option<&str>, Option<&str>)> = history
        .iter()
        .map(|v| (v.at, v.note.as_deref(), v.site_name.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            (db.now(), None, Some("Salford")),
            (first, Some("Phoned them"), Some("Salford"))
        ]
    );
    // Only site managers verify; the history cannot be rewritten.
    assert_forbidden(db.store.verify_service(&w, site.id, &id, None).await);
    assert_not_found(
        db.store
            .verify_service(&manager, site.id, "no-such-service", None)
            .await,
    );
    for sql in [
        "UPDATE dir_service_verification SET note = 'changed'",
        "DELETE FROM dir_service_verification",
    ] {
        assert!(sqlx::query(sql).execute(db.pool()).await.is_err(), "{sql}");
    }
    assert_eq!(db.audit_events_for("directory.verify").await.len(), 2);
    assert_eq!(db.store.service_verifications(&id).await.unwrap().len(), 2);
}
