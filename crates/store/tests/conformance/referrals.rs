//! Referrals in: the public form lands referrals at the right site with a
//! unique reference, within its rate limits and without doubles; triage
//! reads are scoped to the caller's sites and audited; possible duplicates
//! never cross sites; a decision happens once, wholly or not at all.

use super::{assert_forbidden, assert_invalid, assert_not_found};
use reconnect_domain::episode::{DeclineReason, EpisodeState, Reason};
use reconnect_domain::id::ReferralId;
use reconnect_domain::referral::{ContactPreference, HelpNeed, NewReferral, Referrer};
use reconnect_domain::referral_reference::ReferralReference;
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::{Caller, NhsNumber, PrisonNumber, RequestMeta, Role};
use reconnect_store::referrals::decide::Decision;
use reconnect_store::referrals::duplicates::MatchReason;
use reconnect_store::referrals::rate::{PER_DAY, PER_HOUR};
use reconnect_store::referrals::submit::PublicOutcome;
use reconnect_store::referrals::ReferralStatus;
use reconnect_store::testing::{nhs_number, TestDb, TestSite};
use reconnect_store::StoreError;
use time::macros::date;
use time::Duration;

on_both_engines!(
    public_referrals_land_at_the_prisons_site,
    public_referrals_without_a_prison_land_at_the_chosen_site,
    references_are_unique,
    the_same_referral_twice_is_one_referral,
    the_public_form_is_rate_limited_per_address,
    trapped_submissions_store_nothing,
    the_queue_is_scoped_and_oldest_first,
    reads_and_lookups_are_scoped_and_audited,
    duplicates_never_cross_sites,
    accepting_as_a_new_record_is_one_transaction,
    a_second_decision_is_refused,
    linking_uses_the_open_episode_or_starts_one,
    merging_updates_the_record_and_keeps_the_old_values,
    declining_records_the_reason,
    only_case_writers_at_the_site_decide,
    a_refused_decision_changes_nothing,
    staff_referrals_land_at_their_own_sites_only,
    referral_history_is_append_only,
    concurrent_decisions_exactly_one_wins,
    concurrent_double_submissions_store_one,
);

struct World {
    leeds: TestSite,
    hull: TestSite,
    leeds_worker: Caller,
    hull_worker: Caller,
}

async fn world(db: &TestDb) -> World {
    let leeds = db.site("Leeds", &["HMP Leeds", "HMP Wealstun"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    World {
        leeds_worker: db.staff(Role::Worker, &[leeds.id]).await,
        hull_worker: db.staff(Role::Worker, &[hull.id]).await,
        leeds,
        hull,
    }
}

fn from(ip: &str) -> RequestMeta {
    RequestMeta {
        ip: Some(ip.to_string()),
        request_id: Some("req-public".into()),
    }
}

/// A self-referral for Dan Okafor in `prison`.
fn referral(prison: reconnect_domain::PrisonId) -> NewReferral {
    NewReferral {
        source: ReferralSource::SelfReferral,
        referrer: None,
        given_name: "Dan".into(),
        family_name: "Okafor".into(),
        preferred_name: None,
        date_of_birth: date!(1990 - 07 - 03),
        nhs_number: None,
        prison_number: Some(PrisonNumber::parse("A1234BC").unwrap()),
        prison_id: Some(prison),
        site_id: None,
        expected_release: Some(date!(2026 - 04 - 01)),
        needs: vec![HelpNeed::MentalHealth, HelpNeed::Housing],
        needs_text: Some("Help with my prescription when I get out".into()),
        contact_preference: ContactPreference::ThroughPrison,
        contact_details: None,
    }
}

async fn submit(db: &TestDb, new: &NewReferral, ip: &str) -> ReferralReference {
    match db
        .store
        .submit_public_referral(&from(ip), new)
        .await
        .unwrap()
    {
        PublicOutcome::Received(r) => r,
        other => panic!("expected a new referral, got {other:?}"),
    }
}

async fn submitted_id(db: &TestDb, caller: &Caller, reference: &ReferralReference) -> ReferralId {
    db.store
        .referral_by_reference(caller, reference)
        .await
        .unwrap()
        .id
}

async fn version_of(db: &TestDb, caller: &Caller, id: ReferralId) -> i64 {
    db.store.referral(caller, id).await.unwrap().version
}

async fn public_referrals_land_at_the_prisons_site(db: &TestDb) {
    let w = world(db).await;
    let reference = submit(db, &referral(w.leeds.prisons[1]), "192.0.2.1").await;
    let r = db
        .store
        .referral_by_reference(&w.leeds_worker, &reference)
        .await
        .unwrap();
    assert_eq!(r.site_id, w.leeds.id);
    assert_eq!(r.prison_id, Some(w.leeds.prisons[1]));
    assert_eq!(r.prison_name.as_deref(), Some("HMP Wealstun"));
    assert_eq!(r.status, ReferralStatus::New);
    assert_eq!(r.needs, vec![HelpNeed::MentalHealth, HelpNeed::Housing]);
    assert!(r.health_need_identified());
    assert_eq!(r.submitted_by_name, None);
    assert_eq!(r.version, 1);
    let submitted = db.audit_events_for("referral.submit").await;
    assert_eq!(submitted.len(), 1);
    assert_eq!(submitted[0].actor_user_id, None);
    assert_eq!(submitted[0].ip.as_deref(), Some("192.0.2.1"));
    assert_eq!(submitted[0].site_id, Some(w.leeds.id));
    assert_eq!(submitted[0].record_id, Some(r.id.to_string()));
    let history = db
        .store
        .referral_history(&w.leeds_worker, r.id)
        .await
        .unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].kind, "received");
    assert_eq!(history[0].by_name, None);
}

async fn public_referrals_without_a_prison_land_at_the_chosen_site(db: &TestDb) {
    let w = world(db).await;
    let mut new = referral(w.leeds.prisons[0]);
    new.prison_id = None;
    new.site_id = Some(w.hull.id);
    let reference = submit(db, &new, "192.0.2.1").await;
    let r = db
        .store
        .referral_by_reference(&w.hull_worker, &reference)
        .await
        .unwrap();
    assert_eq!(r.site_id, w.hull.id);
    assert_eq!(r.prison_id, None);
    // A prison or site that does not exist is a field error, and nothing is stored.
    new.site_id = Some(reconnect_domain::SiteId::new());
    assert_invalid(
        db.store
            .submit_public_referral(&from("192.0.2.1"), &new)
            .await,
        "site_id",
    );
    new.prison_id = Some(reconnect_domain::PrisonId::new());
    assert_invalid(
        db.store
            .submit_public_referral(&from("192.0.2.1"), &new)
            .await,
        "prison_id",
    );
    assert_eq!(db.count_rows("referral").await, 1);
}

async fn references_are_unique(db: &TestDb) {
    let w = world(db).await;
    let mut seen = std::collections::HashSet::new();
    for n in 0..12 {
        let mut new = referral(w.leeds.prisons[0]);
        new.given_name = format!("Person{n}");
        let ip = format!("192.0.2.{}", n / 4 + 1);
        assert!(seen.insert(submit(db, &new, &ip).await));
    }
    // The database refuses a second referral with a reference already used.
    let taken: String = sqlx::query_scalar("SELECT reference FROM referral LIMIT 1")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let copy = sqlx::query(
        "INSERT INTO referral (id, reference, site_id, source, given_name, family_name, date_of_birth, \
         needs, contact_preference, status, submitted_at, version) \
         SELECT $1, reference, site_id, source, given_name, family_name, date_of_birth, needs, \
         contact_preference, status, submitted_at, version FROM referral WHERE reference = $2",
    )
    .bind(ReferralId::new().to_string())
    .bind(taken)
    .execute(db.pool())
    .await;
    assert!(copy.is_err(), "a duplicate reference was stored");
}

async fn the_same_referral_twice_is_one_referral(db: &TestDb) {
    let w = world(db).await;
    let new = referral(w.leeds.prisons[0]);
    let first = submit(db, &new, "192.0.2.1").await;
    // A double click, or a refresh of the confirmation page.
    let again = db
        .store
        .submit_public_referral(&from("192.0.2.1"), &new)
        .await
        .unwrap();
    assert_eq!(again, PublicOutcome::AlreadyReceived(first.clone()));
    assert_eq!(db.count_rows("referral").await, 1);
    // The same words from another address, or a changed referral, are new.
    assert_ne!(submit(db, &new, "192.0.2.2").await, first);
    let mut changed = new.clone();
    changed.needs_text = Some("Also help with housing".into());
    submit(db, &changed, "192.0.2.1").await;
    // Long after, the same referral again is a new one.
    db.advance(Duration::minutes(11));
    assert_ne!(submit(db, &new, "192.0.2.1").await, first);
    assert_eq!(db.count_rows("referral").await, 4);
}

async fn the_public_form_is_rate_limited_per_address(db: &TestDb) {
    let w = world(db).await;
    let numbered = |n: i64| {
        let mut new = referral(w.leeds.prisons[0]);
        new.given_name = format!("Person{n}");
        new
    };
    for n in 0..PER_HOUR {
        submit(db, &numbered(n), "192.0.2.9").await;
    }
    let refused = db
        .store
        .submit_public_referral(&from("192.0.2.9"), &numbered(99))
        .await
        .unwrap();
    assert_eq!(refused, PublicOutcome::TooMany);
    assert_eq!(db.count_rows("referral").await, PER_HOUR);
    // Another address is not held back.
    submit(db, &numbered(100), "192.0.2.10").await;
    // An hour later the address may send more, until its day is full.
    let mut sent = PER_HOUR;
    let mut n = 200;
    while sent < PER_DAY {
        db.advance(Duration::minutes(61));
        for _ in 0..PER_HOUR.min(PER_DAY - sent) {
            submit(db, &numbered(n), "192.0.2.9").await;
            n += 1;
            sent += 1;
        }
    }
    db.advance(Duration::minutes(61));
    assert_eq!(
        db.store
            .submit_public_referral(&from("192.0.2.9"), &numbered(n))
            .await
            .unwrap(),
        PublicOutcome::TooMany
    );
    db.advance(Duration::hours(24));
    submit(db, &numbered(n), "192.0.2.9").await;
}

async fn trapped_submissions_store_nothing(db: &TestDb) {
    world(db).await;
    let outcome = db
        .store
        .trapped_public_referral(&from("192.0.2.7"))
        .await
        .unwrap();
    let PublicOutcome::Received(reference) = outcome else {
        panic!("expected a confirmation");
    };
    assert_eq!(reference.as_str().len(), 13);
    assert_eq!(db.count_rows("referral").await, 0);
    assert_eq!(db.audit_events_for("referral.trapped").await.len(), 1);
    // They count towards the address's limits.
    for _ in 1..PER_HOUR {
        db.store
            .trapped_public_referral(&from("192.0.2.7"))
            .await
            .unwrap();
    }
    assert_eq!(
        db.store
            .trapped_public_referral(&from("192.0.2.7"))
            .await
            .unwrap(),
        PublicOutcome::TooMany
    );
}

async fn the_queue_is_scoped_and_oldest_first(db: &TestDb) {
    let w = world(db).await;
    let mut first = referral(w.leeds.prisons[0]);
    first.given_name = "First".into();
    submit(db, &first, "192.0.2.1").await;
    db.advance(Duration::minutes(1));
    let mut second = referral(w.leeds.prisons[1]);
    second.given_name = "Second".into();
    submit(db, &second, "192.0.2.1").await;
    submit(db, &referral(w.hull.prisons[0]), "192.0.2.1").await;

    let queue = db.store.referral_queue(&w.leeds_worker).await.unwrap();
    let names: Vec<&str> = queue.iter().map(|r| r.given_name.as_str()).collect();
    assert_eq!(names, vec!["First", "Second"]);
    assert_eq!(
        db.store.referral_queue(&w.hull_worker).await.unwrap().len(),
        1
    );
    let mentor = db.staff(Role::PeerMentor, &[w.leeds.id]).await;
    assert_eq!(db.store.referral_queue(&mentor).await.unwrap().len(), 2);
    for role in [Role::Admin, Role::NationalLead, Role::Reviewer] {
        let other = db.staff(role, &[w.leeds.id]).await;
        assert!(db.store.referral_queue(&other).await.unwrap().is_empty());
    }
    let nosite = db.staff(Role::Worker, &[]).await;
    assert!(db.store.referral_queue(&nosite).await.unwrap().is_empty());
    let views = db.audit_events_for("referral.queue").await;
    assert_eq!(views[0].site_id, Some(w.leeds.id));
    assert_eq!(views[0].detail.as_deref(), Some("2 referrals listed"));
}

async fn reads_and_lookups_are_scoped_and_audited(db: &TestDb) {
    let w = world(db).await;
    let reference = submit(db, &referral(w.hull.prisons[0]), "192.0.2.1").await;
    let id = submitted_id(db, &w.hull_worker, &reference).await;
    assert_not_found(db.store.referral(&w.leeds_worker, id).await);
    assert_not_found(db.store.referral_history(&w.leeds_worker, id).await);
    assert_not_found(
        db.store
            .referral_by_reference(&w.leeds_worker, &reference)
            .await,
    );
    assert_not_found(db.store.referral(&w.hull_worker, ReferralId::new()).await);
    let admin = db.staff(Role::Admin, &[w.hull.id]).await;
    assert_not_found(db.store.referral(&admin, id).await);
    assert_not_found(db.store.referral_by_reference(&admin, &reference).await);

    db.store.referral(&w.hull_worker, id).await.unwrap();
    let views = db.audit_events_for("referral.view").await;
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].actor_user_id, Some(w.hull_worker.user_id()));
    assert_eq!(views[0].site_id, Some(w.hull.id));
    let lookups = db.audit_events_for("referral.lookup").await;
    // The hull worker's lookup found it; the others' are recorded as finding nothing.
    assert_eq!(lookups.iter().filter(|e| e.record_id.is_some()).count(), 1);
    assert_eq!(lookups.iter().filter(|e| e.record_id.is_none()).count(), 2);
    assert!(lookups
        .iter()
        .filter(|e| e.record_id.is_none())
        .all(|e| e.site_id.is_none()));
}

async fn duplicates_never_cross_sites(db: &TestDb) {
    let w = world(db).await;
    let nhs: NhsNumber = nhs_number(1);
    // The same person known at both sites (same NHS number), plus a
    // namesake with the same date of birth at Leeds, and a stranger.
    let mut at_leeds = db.new_person(w.leeds.prisons[0], "Daniel", "Okafor");
    at_leeds.nhs_number = Some(nhs);
    let leeds_person = db
        .store
        .create_person(&w.leeds_worker, &at_leeds)
        .await
        .unwrap();
    let mut at_hull = db.new_person(w.hull.prisons[0], "Daniel", "Okafor");
    at_hull.nhs_number = Some(nhs);
    db.store
        .create_person(&w.hull_worker, &at_hull)
        .await
        .unwrap();
    let namesake = db
        .person(&w.leeds_worker, w.leeds.prisons[0], "dan", "OKAFOR")
        .await;
    db.person(&w.leeds_worker, w.leeds.prisons[0], "Someone", "Else")
        .await;

    let mut new = referral(w.leeds.prisons[0]);
    new.nhs_number = Some(nhs);
    new.prison_number = None;
    let reference = submit(db, &new, "192.0.2.1").await;
    let r = db
        .store
        .referral_by_reference(&w.leeds_worker, &reference)
        .await
        .unwrap();
    let found = db
        .store
        .referral_duplicates(&w.leeds_worker, &r)
        .await
        .unwrap();
    let mut got: Vec<_> = found
        .iter()
        .map(|d| (d.person.id, d.reasons.clone()))
        .collect();
    got.sort();
    let mut want = vec![
        (leeds_person, vec![MatchReason::NhsNumber]),
        (namesake, vec![MatchReason::NameAndDateOfBirth]),
    ];
    want.sort();
    assert_eq!(got, want);
    assert!(found.iter().all(|d| d.person.site_id == w.leeds.id));
    // Hull's worker cannot use a Leeds referral to search Hull's people.
    assert!(db
        .store
        .referral_duplicates(&w.hull_worker, &r)
        .await
        .unwrap()
        .is_empty());
    let shown = db.audit_events_for("referral.duplicates").await;
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].detail.as_deref(), Some("2 possible matches shown"));
}

async fn accepting_as_a_new_record_is_one_transaction(db: &TestDb) {
    let w = world(db).await;
    let mut new = referral(w.leeds.prisons[0]);
    new.preferred_name = Some("Danny".into());
    let reference = submit(db, &new, "192.0.2.1").await;
    let id = submitted_id(db, &w.leeds_worker, &reference).await;
    let outcome = db
        .store
        .decide_referral(
            &w.leeds_worker,
            id,
            1,
            &Decision::NewRecord {
                prison_id: w.leeds.prisons[1],
                prison_number: PrisonNumber::parse("B2345CD").unwrap(),
            },
        )
        .await
        .unwrap();
    assert_eq!(outcome.status, ReferralStatus::Accepted);
    let person = outcome.person_id.unwrap();
    let episode = outcome.episode_id.unwrap();
    let record = db.store.get_person(&w.leeds_worker, person).await.unwrap();
    assert_eq!(record.summary.given_name, "Dan");
    assert_eq!(record.summary.preferred_name.as_deref(), Some("Danny"));
    assert_eq!(record.summary.prison_number.as_str(), "B2345CD");
    assert_eq!(record.prison_id, w.leeds.prisons[1]);
    let ep = db.store.episode(&w.leeds_worker, episode).await.unwrap();
    assert_eq!(ep.state, EpisodeState::Accepted);
    assert_eq!(ep.source, ReferralSource::SelfReferral);
    assert_eq!(ep.version, 2);
    assert_eq!(ep.expected_release.date(), Some(date!(2026 - 04 - 01)));
    let history = db
        .store
        .episode_history(&w.leeds_worker, episode)
        .await
        .unwrap();
    let states: Vec<_> = history.iter().map(|e| (e.from_state, e.to_state)).collect();
    assert_eq!(
        states,
        vec![
            (None, Some(EpisodeState::Referred)),
            (Some(EpisodeState::Referred), Some(EpisodeState::Accepted))
        ]
    );
    let r = db.store.referral(&w.leeds_worker, id).await.unwrap();
    assert_eq!(r.status, ReferralStatus::Accepted);
    assert_eq!((r.person_id, r.episode_id), (Some(person), Some(episode)));
    assert_eq!(r.version, 2);
    assert!(r.decided_by_name.is_some());
    for action in [
        "person.create",
        "episode.create",
        "episode.transition",
        "referral.accept",
    ] {
        let events = db.audit_events_for(action).await;
        assert_eq!(events.len(), 1, "{action}");
        assert_eq!(events[0].person_id, Some(person), "{action}");
        assert_eq!(events[0].actor_user_id, Some(w.leeds_worker.user_id()));
    }
}

async fn a_second_decision_is_refused(db: &TestDb) {
    let w = world(db).await;
    let reference = submit(db, &referral(w.leeds.prisons[0]), "192.0.2.1").await;
    let id = submitted_id(db, &w.leeds_worker, &reference).await;
    let decline = Decision::Decline {
        reason: DeclineReason::NoHealthNeed,
        note: None,
    };
    // A decision on an out-of-date copy changes nothing.
    assert!(matches!(
        db.store
            .decide_referral(&w.leeds_worker, id, 7, &decline)
            .await,
        Err(StoreError::Stale)
    ));
    db.store
        .decide_referral(&w.leeds_worker, id, 1, &decline)
        .await
        .unwrap();
    let other = db.staff(Role::Worker, &[w.leeds.id]).await;
    for version in [1, 2] {
        match db
            .store
            .decide_referral(
                &other,
                id,
                version,
                &Decision::NewRecord {
                    prison_id: w.leeds.prisons[0],
                    prison_number: PrisonNumber::parse("A1234BC").unwrap(),
                },
            )
            .await
        {
            Err(StoreError::Refused(why)) => {
                assert!(why.contains("already been declined"), "{why}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    assert_eq!(db.count_rows("person").await, 0);
    assert_eq!(db.count_rows("episode").await, 0);
    assert_eq!(db.audit_events_for("referral.decline").await.len(), 1);
}

async fn linking_uses_the_open_episode_or_starts_one(db: &TestDb) {
    let w = world(db).await;
    let worker = &w.leeds_worker;
    let supported = db.person(worker, w.leeds.prisons[0], "Dan", "Okafor").await;
    let open = db.episode(worker, supported).await;
    let reference = submit(db, &referral(w.leeds.prisons[0]), "192.0.2.1").await;
    let id = submitted_id(db, worker, &reference).await;
    let outcome = db
        .store
        .decide_referral(worker, id, 1, &Decision::Link { person: supported })
        .await
        .unwrap();
    assert_eq!(outcome.status, ReferralStatus::Linked);
    assert_eq!(outcome.episode_id, Some(open));
    assert_eq!(db.count_rows("episode").await, 1);
    assert_eq!(db.audit_events_for("referral.link").await.len(), 1);

    // Someone whose support ended: a new episode, linked to the earlier one.
    let earlier_person = db.person(worker, w.leeds.prisons[0], "Ann", "Lee").await;
    let ended = db.episode(worker, earlier_person).await;
    db.act(
        worker,
        ended,
        &reconnect_domain::episode::Action::Decline {
            reason: DeclineReason::NoHealthNeed,
            note: None,
        },
    )
    .await;
    let mut new = referral(w.leeds.prisons[0]);
    new.given_name = "Ann".into();
    let reference = submit(db, &new, "192.0.2.1").await;
    let id = submitted_id(db, worker, &reference).await;
    let outcome = db
        .store
        .decide_referral(
            worker,
            id,
            1,
            &Decision::Link {
                person: earlier_person,
            },
        )
        .await
        .unwrap();
    assert_eq!(outcome.status, ReferralStatus::Accepted);
    let ep = db
        .store
        .episode(worker, outcome.episode_id.unwrap())
        .await
        .unwrap();
    assert_eq!(ep.linked_from, Some(ended));
    assert_eq!(ep.state, EpisodeState::Accepted);
}

async fn merging_updates_the_record_and_keeps_the_old_values(db: &TestDb) {
    let w = world(db).await;
    let worker = &w.leeds_worker;
    let person = db.person(worker, w.leeds.prisons[0], "Dan", "Okafor").await;
    let before = db.store.get_person(worker, person).await.unwrap();
    let mut new = referral(w.leeds.prisons[1]);
    new.preferred_name = Some("Danny".into());
    new.prison_number = Some(PrisonNumber::parse("G7654FE").unwrap());
    let reference = submit(db, &new, "192.0.2.1").await;
    let id = submitted_id(db, worker, &reference).await;
    db.store
        .decide_referral(worker, id, 1, &Decision::Merge { person })
        .await
        .unwrap();
    let after = db.store.get_person(worker, person).await.unwrap();
    assert_eq!(after.prison_id, w.leeds.prisons[1]);
    assert_eq!(after.summary.prison_number.as_str(), "G7654FE");
    assert_eq!(after.summary.preferred_name.as_deref(), Some("Danny"));
    let history = db.store.referral_history(worker, id).await.unwrap();
    let merged: Vec<&str> = history
        .iter()
        .filter(|e| e.kind == "merged")
        .map(|e| e.summary.as_str())
        .collect();
    assert_eq!(
        merged,
        vec![
            "Prison changed from HMP Leeds to HMP Wealstun".to_string(),
            format!(
                "Prison number changed from {} to G7654FE",
                before.summary.prison_number
            ),
            "Preferred name recorded: Danny".to_string(),
        ]
    );
    let updates = db.audit_events_for("person.update").await;
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].person_id, Some(person));
    // The record's own history says what changed and why, and its version
    // moved on, so an edit from an older page is refused as stale.
    assert_eq!(after.version, before.version + 1);
    let revisions = db.store.person_history(worker, person).await.unwrap();
    assert_eq!(revisions.len(), 1);
    assert_eq!(
        revisions[0].reason,
        format!("Updated from referral {reference}")
    );
    let labels: Vec<&str> = revisions[0]
        .changes
        .iter()
        .map(|c| c.label.as_str())
        .collect();
    assert_eq!(labels, ["Prison", "Prison number", "Preferred name"]);
    assert_eq!(revisions[0].changes[2].after.as_deref(), Some("Danny"));

    // A prison served by another site is refused, and nothing changes.
    let reference = submit(db, &referral(w.hull.prisons[0]), "192.0.2.1").await;
    let hull_id = submitted_id(db, &w.hull_worker, &reference).await;
    let both = db.staff(Role::Worker, &[w.leeds.id, w.hull.id]).await;
    let refused = db
        .store
        .decide_referral(&both, hull_id, 1, &Decision::Merge { person })
        .await;
    assert!(
        matches!(refused, Err(StoreError::Refused(_))),
        "{refused:?}"
    );
    assert_eq!(
        db.store.get_person(worker, person).await.unwrap().prison_id,
        w.leeds.prisons[1]
    );
    assert_eq!(version_of(db, &w.hull_worker, hull_id).await, 1);
}

async fn declining_records_the_reason(db: &TestDb) {
    let w = world(db).await;
    let reference = submit(db, &referral(w.leeds.prisons[0]), "192.0.2.1").await;
    let id = submitted_id(db, &w.leeds_worker, &reference).await;
    db.store
        .decide_referral(
            &w.leeds_worker,
            id,
            1,
            &Decision::Decline {
                reason: DeclineReason::Other {
                    details: Reason::parse("Moving to Scotland on release", "a reason").unwrap(),
                },
                note: None,
            },
        )
        .await
        .unwrap();
    let r = db.store.referral(&w.leeds_worker, id).await.unwrap();
    assert_eq!(r.status, ReferralStatus::Declined);
    assert_eq!(r.decision.as_deref(), Some("other"));
    assert_eq!(
        r.decision_reason.as_deref(),
        Some("Moving to Scotland on release")
    );
    assert_eq!(r.person_id, None);
    assert!(db
        .store
        .referral_queue(&w.leeds_worker)
        .await
        .unwrap()
        .is_empty());
}

async fn only_case_writers_at_the_site_decide(db: &TestDb) {
    let w = world(db).await;
    let reference = submit(db, &referral(w.leeds.prisons[0]), "192.0.2.1").await;
    let id = submitted_id(db, &w.leeds_worker, &reference).await;
    let decline = Decision::Decline {
        reason: DeclineReason::Duplicate,
        note: None,
    };
    let mentor = db.staff(Role::PeerMentor, &[w.leeds.id]).await;
    assert_forbidden(db.store.decide_referral(&mentor, id, 1, &decline).await);
    assert_not_found(
        db.store
            .decide_referral(&w.hull_worker, id, 1, &decline)
            .await,
    );
    let nosite = db.staff(Role::Worker, &[]).await;
    assert_not_found(db.store.decide_referral(&nosite, id, 1, &decline).await);
    // Linking to someone at another site is as if they did not exist.
    let hull_person = db
        .person(&w.hull_worker, w.hull.prisons[0], "Dan", "Okafor")
        .await;
    assert_invalid(
        db.store
            .decide_referral(
                &w.leeds_worker,
                id,
                1,
                &Decision::Link {
                    person: hull_person,
                },
            )
            .await,
        "person_id",
    );
    assert_eq!(version_of(db, &w.leeds_worker, id).await, 1);
    let manager = db.staff(Role::SiteManager, &[w.leeds.id]).await;
    db.store
        .decide_referral(&manager, id, 1, &decline)
        .await
        .unwrap();
}

async fn a_refused_decision_changes_nothing(db: &TestDb) {
    let w = world(db).await;
    let reference = submit(db, &referral(w.leeds.prisons[0]), "192.0.2.1").await;
    let id = submitted_id(db, &w.leeds_worker, &reference).await;
    let audit_before = db.audit_events().await.len();
    // A prison that Leeds does not serve: no person, no episode, no audit.
    assert_invalid(
        db.store
            .decide_referral(
                &w.leeds_worker,
                id,
                1,
                &Decision::NewRecord {
                    prison_id: w.hull.prisons[0],
                    prison_number: PrisonNumber::parse("A1234BC").unwrap(),
                },
            )
            .await,
        "prison_id",
    );
    assert_eq!(db.count_rows("person").await, 0);
    assert_eq!(db.count_rows("episode").await, 0);
    assert_eq!(db.count_rows("referral_event").await, 1);
    assert_eq!(db.audit_events().await.len(), audit_before);
    let r = db.store.referral(&w.leeds_worker, id).await.unwrap();
    assert_eq!((r.status, r.version), (ReferralStatus::New, 1));
}

async fn staff_referrals_land_at_their_own_sites_only(db: &TestDb) {
    let w = world(db).await;
    let mut new = referral(w.leeds.prisons[0]);
    new.source = ReferralSource::Probation;
    new.referrer = Some(Referrer {
        name: "Sam Patel".into(),
        relationship: None,
        organisation: Some("Leeds probation".into()),
        contact: "sam.patel@example.org".into(),
    });
    let (id, _) = db
        .store
        .create_referral(&w.leeds_worker, &new)
        .await
        .unwrap();
    let r = db.store.referral(&w.leeds_worker, id).await.unwrap();
    assert_eq!(r.referrer, new.referrer);
    assert!(r.submitted_by_name.is_some());
    assert_eq!(db.audit_events_for("referral.create").await.len(), 1);
    assert_invalid(
        db.store.create_referral(&w.hull_worker, &new).await,
        "prison_id",
    );
    new.prison_id = None;
    new.site_id = Some(w.leeds.id);
    assert_invalid(
        db.store.create_referral(&w.hull_worker, &new).await,
        "site_id",
    );
    let mentor = db.staff(Role::PeerMentor, &[w.leeds.id]).await;
    assert_forbidden(db.store.create_referral(&mentor, &new).await);
    assert_eq!(db.count_rows("referral").await, 1);
}

async fn referral_history_is_append_only(db: &TestDb) {
    let w = world(db).await;
    submit(db, &referral(w.leeds.prisons[0]), "192.0.2.1").await;
    for sql in [
        "UPDATE referral_event SET summary = 'changed'",
        "DELETE FROM referral_event",
    ] {
        assert!(
            sqlx::query(sql).execute(db.pool()).await.is_err(),
            "{sql} was allowed"
        );
    }
    assert_eq!(db.count_rows("referral_event").await, 1);
}

async fn concurrent_decisions_exactly_one_wins(db: &TestDb) {
    let w = world(db).await;
    let manager = db.staff(Role::SiteManager, &[w.leeds.id]).await;
    for round in 0..4 {
        let mut new = referral(w.leeds.prisons[0]);
        new.given_name = format!("Race{round}");
        let reference = submit(db, &new, "192.0.2.1").await;
        let id = submitted_id(db, &w.leeds_worker, &reference).await;
        let decisions = [
            Decision::NewRecord {
                prison_id: w.leeds.prisons[0],
                prison_number: PrisonNumber::parse("A1234BC").unwrap(),
            },
            Decision::Decline {
                reason: DeclineReason::OutsideArea,
                note: None,
            },
        ];
        let mut tasks = Vec::new();
        for (decision, caller) in decisions
            .into_iter()
            .zip([w.leeds_worker.clone(), manager.clone()])
        {
            let store = db.store.clone();
            tasks.push(tokio::spawn(async move {
                store.decide_referral(&caller, id, 1, &decision).await
            }));
        }
        let mut wins = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => wins += 1,
                Err(StoreError::Refused(_) | StoreError::Stale) => {}
                Err(other) => panic!("round {round}: unexpected {other:?}"),
            }
        }
        assert_eq!(wins, 1, "round {round}: exactly one decision");
        let r = db.store.referral(&w.leeds_worker, id).await.unwrap();
        assert_eq!(r.version, 2);
        let decided = db.count_rows("referral_event").await;
        assert_eq!(
            decided,
            2 * (round + 1),
            "round {round}: one history line per decision"
        );
    }
    // Only the accepted ones made people, one each.
    let accepted = db.audit_events_for("referral.accept").await.len() as i64;
    assert_eq!(db.count_rows("person").await, accepted);
}

async fn concurrent_double_submissions_store_one(db: &TestDb) {
    let w = world(db).await;
    let new = referral(w.leeds.prisons[0]);
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let store = db.store.clone();
        let new = new.clone();
        tasks.push(tokio::spawn(async move {
            store
                .submit_public_referral(&from("192.0.2.77"), &new)
                .await
        }));
    }
    let mut references = std::collections::HashSet::new();
    for task in tasks {
        match task.await.unwrap().unwrap() {
            PublicOutcome::Received(r) | PublicOutcome::AlreadyReceived(r) => {
                references.insert(r);
            }
            PublicOutcome::TooMany => panic!("three clicks are not too many"),
        }
    }
    assert_eq!(references.len(), 1);
    assert_eq!(db.count_rows("referral").await, 1);
}
