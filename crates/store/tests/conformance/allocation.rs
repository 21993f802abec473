//! Allocation, consent and caseloads: one current worker per open episode,
//! chosen from the episode's site, changed only with a handover, ended when
//! the episode ends or moves; consent recorded as data, voluntary only, and
//! withdrawn with immediate effect; capacities set by the site's own
//! manager with their history; caseloads sorted by urgency; nothing visible
//! outside the person's site; every change audited.

use super::{assert_forbidden, assert_invalid, assert_not_found};
use reconnect_domain::caseload::Capacity;
use reconnect_domain::consent::{
    ConsentMethod, ConsentToTakePart, EngagementBasis, SharingConsent, SharingConsentStatus,
    SharingPartner,
};
use reconnect_domain::episode::{Action, ClosureReason, Handover, Reason};
use reconnect_domain::window::ReleaseDate;
use reconnect_domain::{Caller, EpisodeId, Role};
use reconnect_store::allocation::{AllocationChange, AllocationOutcome};
use reconnect_store::consents::ConsentSubject;
use reconnect_store::testing::{TestDb, TestSite};
use reconnect_store::StoreError;
use time::Duration;

on_both_engines!(
    allocation_needs_an_active_worker_at_the_episodes_site,
    changing_the_worker_needs_a_handover_and_keeps_history,
    stale_or_concurrent_allocations_change_nothing,
    transfer_and_closure_end_the_allocation,
    allocation_is_scoped_to_the_persons_site,
    consent_is_recorded_and_withdrawal_is_immediate,
    consent_is_voluntary_only,
    consent_and_capacity_history_are_append_only,
    capacity_is_set_by_the_sites_own_manager_with_history,
    caseload_is_sorted_by_urgency_and_scoped,
    unallocated_lists_open_episodes_with_no_worker,
);

struct World {
    leeds: TestSite,
    hull: TestSite,
    worker: Caller,
    other_worker: Caller,
    mentor: Caller,
    manager: Caller,
    hull_worker: Caller,
    hull_mentor: Caller,
}

async fn world(db: &TestDb) -> World {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    World {
        worker: db.staff(Role::Worker, &[leeds.id]).await,
        other_worker: db.staff(Role::Worker, &[leeds.id]).await,
        mentor: db.staff(Role::PeerMentor, &[leeds.id]).await,
        manager: db.staff(Role::SiteManager, &[leeds.id]).await,
        hull_worker: db.staff(Role::Worker, &[hull.id]).await,
        hull_mentor: db.staff(Role::PeerMentor, &[hull.id]).await,
        leeds,
        hull,
    }
}

/// A Leeds person with an accepted episode.
async fn accepted(db: &TestDb, w: &World, family: &str) -> EpisodeId {
    let person = db
        .person(&w.worker, w.leeds.prisons[0], "Sam", family)
        .await;
    let ep = db.episode(&w.worker, person).await;
    db.act(&w.worker, ep, &Action::Accept).await;
    ep
}

fn to(worker: &Caller, mentor: Option<&Caller>) -> AllocationChange {
    AllocationChange {
        worker: worker.user_id(),
        mentor: mentor.map(Caller::user_id),
        handover: None,
        mentor_reason: None,
    }
}

fn handover(text: &str) -> Option<Handover> {
    Some(Handover::parse(text).unwrap())
}

async fn allocation_needs_an_active_worker_at_the_episodes_site(db: &TestDb) {
    let w = world(db).await;
    let ep = accepted(db, &w, "Ahmed").await;
    let s = &db.store;
    // A worker at another site, a mentor as the worker, a worker as the mentor.
    assert_invalid(
        s.allocate(&w.worker, ep, None, &to(&w.hull_worker, None))
            .await,
        "worker_id",
    );
    assert_invalid(
        s.allocate(&w.worker, ep, None, &to(&w.mentor, None)).await,
        "worker_id",
    );
    assert_invalid(
        s.allocate(&w.worker, ep, None, &to(&w.worker, Some(&w.hull_mentor)))
            .await,
        "mentor_id",
    );
    assert_invalid(
        s.allocate(&w.worker, ep, None, &to(&w.worker, Some(&w.other_worker)))
            .await,
        "mentor_id",
    );
    assert_eq!(db.count_rows("allocation").await, 0);
    // A disabled worker cannot be allocated either.
    s.set_user_disabled(
        &db.staff(Role::Admin, &[]).await,
        w.other_worker.user_id(),
        true,
    )
    .await
    .unwrap();
    assert_invalid(
        s.allocate(&w.manager, ep, None, &to(&w.other_worker, None))
            .await,
        "worker_id",
    );

    let outcome = s
        .allocate(&w.manager, ep, None, &to(&w.worker, Some(&w.mentor)))
        .await
        .unwrap();
    assert_eq!(outcome, AllocationOutcome::Allocated);
    let current = s.current_allocation(&w.mentor, ep).await.unwrap().unwrap();
    assert_eq!(current.worker_id, w.worker.user_id());
    assert_eq!(current.mentor_id, Some(w.mentor.user_id()));
    assert!(current.ended_at.is_none());
    assert!(s.is_allocated_worker(&w.worker, ep).await.unwrap());
    assert!(!s.is_allocated_worker(&w.mentor, ep).await.unwrap());
    assert!(!s.is_allocated_worker(&w.hull_worker, ep).await.unwrap());

    let audit = db.audit_events_for("allocation.allocate").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor_user_id, Some(w.manager.user_id()));
    assert_eq!(audit[0].site_id, Some(w.leeds.id));
    assert!(audit[0].person_id.is_some());
    assert!(audit[0].request_id.is_some());
}

async fn changing_the_worker_needs_a_handover_and_keeps_history(db: &TestDb) {
    let w = world(db).await;
    let ep = accepted(db, &w, "Baker").await;
    let s = &db.store;
    s.allocate(&w.worker, ep, None, &to(&w.worker, None))
        .await
        .unwrap();
    let first = s.current_allocation(&w.worker, ep).await.unwrap().unwrap();

    // Continuity: a new worker only with a handover note.
    assert_invalid(
        s.allocate(&w.worker, ep, Some(first.id), &to(&w.other_worker, None))
            .await,
        "reason",
    );
    // Same worker, nothing else different: nothing happens.
    assert_eq!(
        s.allocate(&w.worker, ep, Some(first.id), &to(&w.worker, None))
            .await
            .unwrap(),
        AllocationOutcome::Unchanged
    );
    // A mentor joins without a handover.
    assert_eq!(
        s.allocate(
            &w.worker,
            ep,
            Some(first.id),
            &to(&w.worker, Some(&w.mentor))
        )
        .await
        .unwrap(),
        AllocationOutcome::MentorChanged
    );
    let second = s.current_allocation(&w.worker, ep).await.unwrap().unwrap();
    let mut change = to(&w.other_worker, Some(&w.mentor));
    change.handover = handover("Priya is moving to the Hull team");
    assert_eq!(
        s.allocate(&w.manager, ep, Some(second.id), &change)
            .await
            .unwrap(),
        AllocationOutcome::WorkerChanged
    );
    let history = s.allocation_history(&w.worker, ep).await.unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(history[0].worker_id, w.other_worker.user_id());
    assert_eq!(
        history[0].reason.as_deref(),
        Some("Priya is moving to the Hull team")
    );
    assert!(history[0].ended_at.is_none());
    assert!(history[1..].iter().all(|a| a.ended_at.is_some()));
    assert_eq!(
        history[1].end_reason.as_deref(),
        Some("Priya is moving to the Hull team")
    );
    // Exactly one current allocation.
    let current: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM allocation WHERE episode_id = $1 AND ended_at IS NULL",
    )
    .bind(ep.to_string())
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(current, 1);
    assert!(!s.is_allocated_worker(&w.worker, ep).await.unwrap());
    assert!(s.is_allocated_worker(&w.other_worker, ep).await.unwrap());
    assert_eq!(
        db.audit_events_for("allocation.change_worker").await.len(),
        1
    );
    assert_eq!(
        db.audit_events_for("allocation.change_mentor").await.len(),
        1
    );
    // Removing the mentor.
    let third = s.current_allocation(&w.worker, ep).await.unwrap().unwrap();
    assert_eq!(
        s.allocate(&w.worker, ep, Some(third.id), &to(&w.other_worker, None))
            .await
            .unwrap(),
        AllocationOutcome::MentorChanged
    );
    let now = s.current_allocation(&w.worker, ep).await.unwrap().unwrap();
    assert_eq!(now.mentor_id, None);
}

async fn stale_or_concurrent_allocations_change_nothing(db: &TestDb) {
    let w = world(db).await;
    let ep = accepted(db, &w, "Cole").await;
    let s = &db.store;
    s.allocate(&w.worker, ep, None, &to(&w.worker, None))
        .await
        .unwrap();
    // Someone who saw no allocation tries to allocate: told, nothing lost.
    assert!(matches!(
        s.allocate(&w.manager, ep, None, &to(&w.other_worker, None))
            .await,
        Err(StoreError::Stale)
    ));
    let current = s.current_allocation(&w.worker, ep).await.unwrap().unwrap();
    assert_eq!(current.worker_id, w.worker.user_id());
    assert_eq!(db.count_rows("allocation").await, 1);

    // Two first allocations at once: exactly one succeeds.
    let ep2 = accepted(db, &w, "Dunn").await;
    let (mine, theirs) = (to(&w.worker, None), to(&w.other_worker, None));
    let (a, b) = tokio::join!(
        s.allocate(&w.worker, ep2, None, &mine),
        s.allocate(&w.manager, ep2, None, &theirs),
    );
    assert_eq!(usize::from(a.is_ok()) + usize::from(b.is_ok()), 1);
    for r in [a, b] {
        if let Err(e) = r {
            assert!(matches!(e, StoreError::Stale), "{e:?}");
        }
    }
}

async fn transfer_and_closure_end_the_allocation(db: &TestDb) {
    let w = world(db).await;
    let s = &db.store;
    let moving = accepted(db, &w, "Evans").await;
    let closing = accepted(db, &w, "Fox").await;
    for ep in [moving, closing] {
        s.allocate(&w.worker, ep, None, &to(&w.worker, Some(&w.mentor)))
            .await
            .unwrap();
    }
    assert_eq!(s.my_caseload(&w.worker).await.unwrap().len(), 2);
    db.act(
        &w.worker,
        moving,
        &Action::TransferSite {
            to: w.hull.id,
            handover: Handover::parse("Moving to Hull").unwrap(),
        },
    )
    .await;
    db.act(
        &w.worker,
        closing,
        &Action::Close {
            reason: ClosureReason::MovedAway,
            note: None,
        },
    )
    .await;
    // Ended in the same transaction as the action.
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM allocation WHERE ended_at IS NULL")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(open, 0);
    assert!(s.my_caseload(&w.worker).await.unwrap().is_empty());
    assert!(s.my_caseload(&w.mentor).await.unwrap().is_empty());
    // The new site sees the moved episode as unallocated, and may allocate.
    let hull = s.unallocated(&w.hull_worker).await.unwrap();
    assert_eq!(hull.len(), 1);
    assert_eq!(hull[0].episode_id, moving);
    assert_eq!(
        s.current_allocation(&w.hull_worker, moving).await.unwrap(),
        None
    );
    s.allocate(&w.hull_worker, moving, None, &to(&w.hull_worker, None))
        .await
        .unwrap();
    // The closed one can no longer be allocated.
    assert!(matches!(
        s.allocate(&w.worker, closing, None, &to(&w.worker, None))
            .await,
        Err(StoreError::Refused(_))
    ));
}

async fn allocation_is_scoped_to_the_persons_site(db: &TestDb) {
    let w = world(db).await;
    let s = &db.store;
    let ep = accepted(db, &w, "Green").await;
    s.allocate(&w.worker, ep, None, &to(&w.worker, None))
        .await
        .unwrap();
    let nosite = db.staff(Role::Worker, &[]).await;
    let admin = db.staff(Role::Admin, &[w.leeds.id]).await;
    for outsider in [&w.hull_worker, &nosite, &admin] {
        assert_not_found(s.current_allocation(outsider, ep).await);
        assert_not_found(s.allocation_history(outsider, ep).await);
        assert_not_found(s.allocation_candidates(outsider, ep).await);
        assert_not_found(s.consents(outsider, ep).await);
        assert!(!s.is_allocated_worker(outsider, ep).await.unwrap());
        assert!(s.unallocated(outsider).await.unwrap().is_empty());
        assert!(s.my_caseload(outsider).await.unwrap().is_empty());
    }
    assert_not_found(
        s.allocate(&w.hull_worker, ep, None, &to(&w.hull_worker, None))
            .await,
    );
    // Peer mentors read but do not allocate.
    assert_forbidden(s.allocate(&w.mentor, ep, None, &to(&w.worker, None)).await);
    // Guessed ids are simply not found.
    assert_not_found(s.current_allocation(&w.worker, EpisodeId::new()).await);
    assert_not_found(
        s.allocate(&w.worker, EpisodeId::new(), None, &to(&w.worker, None))
            .await,
    );
}

async fn consent_is_recorded_and_withdrawal_is_immediate(db: &TestDb) {
    let w = world(db).await;
    let s = &db.store;
    let ep = accepted(db, &w, "Hart").await;
    let today = db.now().date();
    let take_part = ConsentToTakePart {
        given_on: today - Duration::days(2),
        how: ConsentMethod::SignedForm,
        recorded_by: w.worker.user_id(),
    };
    s.record_consent_to_take_part(&w.worker, ep, &take_part, EngagementBasis::Voluntary)
        .await
        .unwrap();
    let gp = SharingConsent::new(
        SharingPartner::Gp,
        today - Duration::days(1),
        "Medication and the release date",
        None,
        today,
    )
    .unwrap();
    let gp_id = s.record_sharing_consent(&w.worker, ep, &gp).await.unwrap();
    let housing = SharingConsent::new(
        SharingPartner::Housing,
        today - Duration::days(10),
        "Address history",
        Some(today + Duration::days(5)),
        today,
    )
    .unwrap();
    s.record_sharing_consent(&w.worker, ep, &housing)
        .await
        .unwrap();

    let all = s.consents(&w.mentor, ep).await.unwrap();
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|c| c.is_current(today)));
    assert!(matches!(
        all.iter().find(|c| c.id == gp_id).unwrap().subject,
        ConsentSubject::Sharing {
            partner: SharingPartner::Gp,
            ..
        }
    ));

    // Withdrawn now: no longer current today, by anyone on the case (a
    // peer mentor too), with who and why kept.
    assert!(s
        .withdraw_consent(&w.mentor, ep, gp_id, Some("Changed their mind"))
        .await
        .unwrap());
    let gp_now = s
        .consents(&w.worker, ep)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == gp_id)
        .unwrap();
    assert_eq!(gp_now.status(today), SharingConsentStatus::Withdrawn);
    let withdrawal = gp_now.withdrawal.unwrap();
    assert_eq!(withdrawal.on, today);
    assert_eq!(withdrawal.reason.as_deref(), Some("Changed their mind"));
    // Again: nothing changes.
    assert!(!s
        .withdraw_consent(&w.worker, ep, gp_id, None)
        .await
        .unwrap());
    assert_eq!(db.count_rows("consent_withdrawal").await, 1);
    assert_eq!(db.audit_events_for("consent.withdraw").await.len(), 1);
    assert_eq!(db.audit_events_for("consent.record").await.len(), 3);
    assert!(!db.audit_events_for("consent.view").await.is_empty());

    // Expiry: after the date, the housing consent no longer holds.
    db.advance(Duration::days(6));
    let later = db.now().date();
    let current: Vec<_> = s
        .consents(&w.worker, ep)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.is_current(later))
        .collect();
    assert_eq!(current.len(), 1);
    assert!(matches!(
        current[0].subject,
        ConsentSubject::TakePart { .. }
    ));

    // Out of scope or another episode's consent: not found.
    assert_not_found(s.withdraw_consent(&w.hull_worker, ep, gp_id, None).await);
    let other = accepted(db, &w, "Irwin").await;
    assert_not_found(s.withdraw_consent(&w.worker, other, gp_id, None).await);
    assert_forbidden(s.record_sharing_consent(&w.mentor, ep, &gp).await);
    assert_not_found(s.record_sharing_consent(&w.hull_worker, ep, &gp).await);

    // After the episode ends, consent cannot be recorded but can be withdrawn.
    let take_part_id = s
        .consents(&w.worker, ep)
        .await
        .unwrap()
        .into_iter()
        .find(|c| matches!(c.subject, ConsentSubject::TakePart { .. }))
        .unwrap()
        .id;
    db.act(
        &w.worker,
        ep,
        &Action::Withdraw {
            reason: Reason::lenient("Wants to stop"),
        },
    )
    .await;
    assert!(matches!(
        s.record_sharing_consent(&w.worker, ep, &gp).await,
        Err(StoreError::Refused(_))
    ));
    assert!(s
        .withdraw_consent(&w.worker, ep, take_part_id, None)
        .await
        .unwrap());
}

async fn consent_is_voluntary_only(db: &TestDb) {
    let w = world(db).await;
    let ep = accepted(db, &w, "Jones").await;
    // The domain refuses anything but the person's own choice, saying why...
    let refused = EngagementBasis::parse("licence condition").unwrap_err();
    assert!(refused.to_string().contains("RECONNECT is voluntary"));
    // ... and the table refuses a row that says otherwise.
    let raw = sqlx::query(
        "INSERT INTO consent_record (id, episode_id, kind, basis, method, given_on, recorded_at, recorded_by) \
         VALUES ($1, $2, 'take_part', 'licence_condition', 'verbal', '2026-03-01', 0, $3)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(ep.to_string())
    .bind(w.worker.user_id().to_string())
    .execute(db.pool())
    .await;
    assert!(raw.is_err());
    assert_eq!(db.count_rows("consent_record").await, 0);
}

async fn consent_and_capacity_history_are_append_only(db: &TestDb) {
    let w = world(db).await;
    let s = &db.store;
    let ep = accepted(db, &w, "King").await;
    let today = db.now().date();
    let gp = SharingConsent::new(SharingPartner::Gp, today, "Medication", None, today).unwrap();
    let id = s.record_sharing_consent(&w.worker, ep, &gp).await.unwrap();
    s.withdraw_consent(&w.worker, ep, id, None).await.unwrap();
    s.set_capacity(
        &w.manager,
        w.leeds.id,
        w.worker.user_id(),
        Capacity::new(10).unwrap(),
    )
    .await
    .unwrap();
    for sql in [
        "UPDATE consent_record SET scope = 'Everything'",
        "DELETE FROM consent_record",
        "UPDATE consent_withdrawal SET withdrawn_on = '2030-01-01'",
        "DELETE FROM consent_withdrawal",
        "UPDATE caseload_capacity SET capacity = 99",
        "DELETE FROM caseload_capacity",
    ] {
        assert!(
            sqlx::query(sql).execute(db.pool()).await.is_err(),
            "{sql} was allowed"
        );
    }
    assert_eq!(db.count_rows("consent_record").await, 1);
    assert_eq!(db.count_rows("consent_withdrawal").await, 1);
    assert_eq!(db.count_rows("caseload_capacity").await, 1);
}

async fn capacity_is_set_by_the_sites_own_manager_with_history(db: &TestDb) {
    let w = world(db).await;
    let s = &db.store;
    let hull_manager = db.staff(Role::SiteManager, &[w.hull.id]).await;
    let cap = |n| Capacity::new(n).unwrap();
    assert_forbidden(
        s.set_capacity(&w.worker, w.leeds.id, w.worker.user_id(), cap(5))
            .await,
    );
    assert_not_found(
        s.set_capacity(&hull_manager, w.leeds.id, w.worker.user_id(), cap(5))
            .await,
    );
    // Not a worker or mentor at that site.
    assert_not_found(
        s.set_capacity(&w.manager, w.leeds.id, w.hull_worker.user_id(), cap(5))
            .await,
    );
    assert_not_found(
        s.set_capacity(&w.manager, w.leeds.id, w.manager.user_id(), cap(5))
            .await,
    );
    s.set_capacity(&w.manager, w.leeds.id, w.worker.user_id(), cap(1))
        .await
        .unwrap();
    db.advance(Duration::minutes(5));
    s.set_capacity(&w.manager, w.leeds.id, w.worker.user_id(), cap(2))
        .await
        .unwrap();
    let history = s
        .capacity_history(&w.manager, w.leeds.id, w.worker.user_id())
        .await
        .unwrap();
    assert_eq!(
        history.iter().map(|h| h.capacity).collect::<Vec<_>>(),
        [2, 1]
    );
    let audit = db.audit_events_for("capacity.set").await;
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[1].detail.as_deref(), Some("from 1 to 2"));

    // Counts against capacity, per site.
    for family in ["Lee", "Moss", "Nash"] {
        let ep = accepted(db, &w, family).await;
        s.allocate(&w.worker, ep, None, &to(&w.worker, Some(&w.mentor)))
            .await
            .unwrap();
    }
    let team = s.team(&w.manager).await.unwrap();
    let me = team
        .iter()
        .find(|m| m.user_id == w.worker.user_id())
        .unwrap();
    assert_eq!(me.load.count, 3);
    assert!(me.load.is_over());
    let mentor = team
        .iter()
        .find(|m| m.user_id == w.mentor.user_id())
        .unwrap();
    assert_eq!((mentor.role, mentor.load.count), (Role::PeerMentor, 3));
    assert_eq!(mentor.load.capacity, None);
    assert!(team.iter().all(|m| m.site_id == w.leeds.id));
    assert!(team.iter().all(|m| m.role != Role::SiteManager));
    assert!(s
        .team(&hull_manager)
        .await
        .unwrap()
        .iter()
        .all(|m| m.site_id == w.hull.id));
    assert_forbidden(s.team(&w.worker).await);
}

async fn caseload_is_sorted_by_urgency_and_scoped(db: &TestDb) {
    let w = world(db).await;
    let s = &db.store;
    let today = db.now().date();
    let why = Reason::parse("New date from the prison", "a reason").unwrap();
    // Far (release in 60 days), soon (in 5), released 3 days ago, unknown.
    let far = accepted(db, &w, "Far").await;
    let soon = accepted(db, &w, "Soon").await;
    let out = accepted(db, &w, "Out").await;
    let unknown = accepted(db, &w, "Unknown").await;
    for (ep, release) in [
        (far, ReleaseDate::Known(today + Duration::days(60))),
        (soon, ReleaseDate::Known(today + Duration::days(5))),
        (unknown, ReleaseDate::unknown("On remand").unwrap()),
    ] {
        let v = s.episode(&w.worker, ep).await.unwrap().version;
        s.change_expected_release(&w.worker, ep, v, &release, &why)
            .await
            .unwrap();
    }
    db.act(&w.worker, out, &Action::StartEngagement).await;
    db.act(
        &w.worker,
        out,
        &Action::MarkReleased {
            on: today - Duration::days(3),
        },
    )
    .await;
    for ep in [far, soon, out, unknown] {
        s.allocate(&w.worker, ep, None, &to(&w.worker, Some(&w.mentor)))
            .await
            .unwrap();
    }
    // Consent shown on the caseload: to take part, and how many partners
    // information may be shared with today (withdrawn and later ones left out).
    let take_part = ConsentToTakePart {
        given_on: today,
        how: ConsentMethod::Verbal,
        recorded_by: w.worker.user_id(),
    };
    s.record_consent_to_take_part(&w.worker, soon, &take_part, EngagementBasis::Voluntary)
        .await
        .unwrap();
    for partner in [
        SharingPartner::Gp,
        SharingPartner::Gp,
        SharingPartner::Housing,
    ] {
        let c = SharingConsent::new(partner, today, "Release date", None, today).unwrap();
        s.record_sharing_consent(&w.worker, soon, &c).await.unwrap();
    }
    let c = SharingConsent::new(SharingPartner::Probation, today, "Dates", None, today).unwrap();
    let gone = s.record_sharing_consent(&w.worker, soon, &c).await.unwrap();
    s.withdraw_consent(&w.worker, soon, gone, None)
        .await
        .unwrap();
    // Someone else's person is not on this worker's caseload.
    let theirs = accepted(db, &w, "Theirs").await;
    s.allocate(&w.worker, theirs, None, &to(&w.other_worker, None))
        .await
        .unwrap();

    let caseload = s.my_caseload(&w.worker).await.unwrap();
    let order: Vec<&str> = caseload.iter().map(|e| e.family_name.as_str()).collect();
    assert_eq!(order, ["Soon", "Out", "Far", "Unknown"]);
    assert!(caseload[0].consent_to_take_part);
    assert_eq!(caseload[0].sharing_partners, 2);
    assert!(!caseload[1].consent_to_take_part);
    assert_eq!(caseload[1].sharing_partners, 0);
    assert!(caseload.iter().all(|e| e.as_worker));
    let mentoring = s.my_caseload(&w.mentor).await.unwrap();
    assert_eq!(mentoring.len(), 4);
    assert!(mentoring.iter().all(|e| !e.as_worker));
    assert_eq!(s.my_caseload(&w.other_worker).await.unwrap().len(), 1);
    let views = db.audit_events_for("caseload.view").await;
    assert!(views
        .iter()
        .any(|e| e.actor_user_id == Some(w.worker.user_id())
            && e.detail.as_deref() == Some("4 people listed on their caseload")));
    // A worker whose site list no longer includes Leeds sees none of it.
    let moved =
        reconnect_store::testing::caller_for(w.worker.user_id(), Role::Worker, &[w.hull.id]);
    assert!(s.my_caseload(&moved).await.unwrap().is_empty());
}

async fn unallocated_lists_open_episodes_with_no_worker(db: &TestDb) {
    let w = world(db).await;
    let s = &db.store;
    let waiting = accepted(db, &w, "Waiting").await;
    let allocated = accepted(db, &w, "Allocated").await;
    s.allocate(&w.worker, allocated, None, &to(&w.worker, None))
        .await
        .unwrap();
    // Still at triage: not on the list.
    let person = db
        .person(&w.worker, w.leeds.prisons[0], "Tia", "Triage")
        .await;
    db.episode(&w.worker, person).await;
    // Closed: not on the list.
    let closed = accepted(db, &w, "Closed").await;
    db.act(
        &w.worker,
        closed,
        &Action::Close {
            reason: ClosureReason::MovedAway,
            note: None,
        },
    )
    .await;
    let list = s.unallocated(&w.manager).await.unwrap();
    assert_eq!(
        list.iter().map(|e| e.episode_id).collect::<Vec<_>>(),
        [waiting]
    );
    assert_eq!(s.unallocated(&w.mentor).await.unwrap().len(), 1);
    assert!(s.unallocated(&w.hull_worker).await.unwrap().is_empty());
}
