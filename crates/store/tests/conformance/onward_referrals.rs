//! Onward referrals: child records of an episode (scoped through it),
//! sent only through the consent gate (or a site manager's audited
//! override), sharing exactly the chosen parts in a snapshot that never
//! changes, moving only as the state machine allows, with an append-only
//! history, and measured per site and per service.

use super::{assert_forbidden, assert_not_found};
use reconnect_domain::consent::{SharingConsent, SharingPartner};
use reconnect_domain::episode::{Action as EpisodeAction, Reason};
use reconnect_domain::id::{NeedId, OnwardReferralId};
use reconnect_domain::need::{NeedArea, NeedDomain, NeedStatus, ResponsibleParty};
use reconnect_domain::onward_referral::sharing::Part;
use reconnect_domain::onward_referral::{Action, Outcome, State};
use reconnect_domain::{Caller, EpisodeId, Role};
use reconnect_store::care_plan::NewNeed;
use reconnect_store::onward_referrals::NewOnwardReferral;
use reconnect_store::testing::TestDb;
use reconnect_store::StoreError;
use time::Duration;

on_both_engines!(
    drafts_are_scoped_to_the_episode_and_audited,
    sending_needs_consent_for_every_kind_of_partner,
    only_a_site_manager_may_override_and_it_is_audited,
    the_snapshot_holds_exactly_the_chosen_parts_and_never_changes,
    transitions_follow_the_state_machine_with_history,
    site_lists_and_measures,
);

struct World {
    worker: Caller,
    manager: Caller,
    mentor: Caller,
    hull_worker: Caller,
    episode: EpisodeId,
    need: NeedId,
}

async fn world(db: &TestDb) -> World {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    let manager = db.staff(Role::SiteManager, &[leeds.id]).await;
    let mentor = db.staff(Role::PeerMentor, &[leeds.id]).await;
    let hull_worker = db.staff(Role::Worker, &[hull.id]).await;
    let person = db
        .person(&worker, leeds.prisons[0], "Ada", "Lovelace")
        .await;
    let episode = db.episode(&worker, person).await;
    db.act(&worker, episode, &EpisodeAction::Accept).await;
    let need = add_need(db, &worker, episode, NeedDomain::SubstanceUse).await;
    World {
        worker,
        manager,
        mentor,
        hull_worker,
        episode,
        need,
    }
}

async fn add_need(db: &TestDb, c: &Caller, episode: EpisodeId, domain: NeedDomain) -> NeedId {
    db.store
        .add_need(
            c,
            episode,
            &NewNeed {
                area: NeedArea::new(domain, "").unwrap(),
                status: NeedStatus::Identified,
                party: ResponsibleParty::Reconnect,
                note: None,
            },
        )
        .await
        .unwrap()
}

async fn consent(db: &TestDb, c: &Caller, episode: EpisodeId, partner: SharingPartner) {
    let today = db.now().date();
    let sc = SharingConsent::new(partner, today, "Needs and contact details", None, today).unwrap();
    db.store
        .record_sharing_consent(c, episode, &sc)
        .await
        .unwrap();
}

async fn draft(db: &TestDb, w: &World, service: &str, parts: Vec<Part>) -> OnwardReferralId {
    let id = OnwardReferralId::new();
    db.store
        .create_onward_referral(
            &w.worker,
            w.episode,
            &NewOnwardReferral {
                id,
                service_id: service.to_string(),
                need: Some(w.need),
                parts,
            },
        )
        .await
        .unwrap();
    id
}

fn reason(s: &str) -> Reason {
    Reason::parse(s, "a reason").unwrap()
}

async fn drafts_are_scoped_to_the_episode_and_audited(db: &TestDb) {
    let w = world(db).await;
    let service = db
        .dir_service_with_terms("Forward Leeds", &["substance-misuse"])
        .await;
    let id = draft(db, &w, &service, Part::default_parts()).await;
    // Sending the same form again saves it once.
    db.store
        .create_onward_referral(
            &w.worker,
            w.episode,
            &NewOnwardReferral {
                id,
                service_id: service.clone(),
                need: Some(w.need),
                parts: Part::default_parts(),
            },
        )
        .await
        .unwrap();
    assert_eq!(db.count_rows("onward_referral").await, 1);
    let r = db.store.onward_referral(&w.mentor, id).await.unwrap();
    assert_eq!(r.state, State::Draft);
    assert_eq!(r.service_name, "Forward Leeds");
    assert_eq!(r.need_label.as_deref(), Some("Drug and alcohol use"));
    assert!(r.need_identified_at.is_some());
    assert!(r.snapshot.is_none());
    assert_eq!(r.events.len(), 1);
    assert_eq!(r.events[0].action, "create");
    // Other sites and other roles see nothing.
    assert_not_found(db.store.onward_referral(&w.hull_worker, id).await);
    assert_not_found(db.store.onward_referrals(&w.hull_worker, w.episode).await);
    let admin = db.staff(Role::Admin, &[]).await;
    assert_not_found(db.store.onward_referral(&admin, id).await);
    assert_not_found(
        db.store
            .send_onward_referral(&w.hull_worker, id, 1, None)
            .await,
    );
    // Peer mentors read but do not refer.
    assert_forbidden(
        db.store
            .create_onward_referral(
                &w.mentor,
                w.episode,
                &NewOnwardReferral {
                    id: OnwardReferralId::new(),
                    service_id: service.clone(),
                    need: None,
                    parts: vec![],
                },
            )
            .await,
    );
    // A need from another episode, or an unknown service, is a field error.
    let bad = db
        .store
        .create_onward_referral(
            &w.worker,
            w.episode,
            &NewOnwardReferral {
                id: OnwardReferralId::new(),
                service_id: "no-such-service".into(),
                need: None,
                parts: vec![],
            },
        )
        .await;
    assert!(
        matches!(bad, Err(StoreError::Invalid(ref e)) if e[0].field == "service_id"),
        "{bad:?}"
    );
    let bad = db
        .store
        .create_onward_referral(
            &w.worker,
            w.episode,
            &NewOnwardReferral {
                id: OnwardReferralId::new(),
                service_id: service,
                need: Some(NeedId::new()),
                parts: vec![],
            },
        )
        .await;
    assert!(
        matches!(bad, Err(StoreError::Invalid(ref e)) if e[0].field == "need_id"),
        "{bad:?}"
    );
    let list = db
        .store
        .onward_referrals(&w.worker, w.episode)
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    for action in [
        "onward_referral.create",
        "onward_referral.view",
        "onward_referral.list",
    ] {
        assert!(
            !db.audit_events_for(action).await.is_empty(),
            "no audit for {action}"
        );
    }
}

async fn sending_needs_consent_for_every_kind_of_partner(db: &TestDb) {
    let w = world(db).await;
    let both = db
        .dir_service_with_terms("Housing and recovery", &["substance-misuse", "housing"])
        .await;
    let id = draft(db, &w, &both, Part::default_parts()).await;
    let check = db
        .store
        .onward_referral_consent(&w.worker, w.episode, &both)
        .await
        .unwrap();
    assert_eq!(
        check.missing(),
        vec![SharingPartner::SubstanceMisuse, SharingPartner::Housing]
    );
    match db.store.send_onward_referral(&w.worker, id, 1, None).await {
        Err(StoreError::Refused(m)) => {
            assert!(m.contains("drug and alcohol services"), "{m}");
            assert!(m.contains("housing services"), "{m}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    consent(db, &w.worker, w.episode, SharingPartner::SubstanceMisuse).await;
    assert!(matches!(
        db.store.send_onward_referral(&w.worker, id, 1, None).await,
        Err(StoreError::Refused(_))
    ));
    consent(db, &w.worker, w.episode, SharingPartner::Housing).await;
    db.store
        .send_onward_referral(&w.worker, id, 1, None)
        .await
        .unwrap();
    let r = db.store.onward_referral(&w.worker, id).await.unwrap();
    assert_eq!(r.state, State::Sent);
    assert_eq!(r.events.last().unwrap().action, "send");
    // A service with no known kind needs voluntary-sector consent.
    let plain = db.dir_service_with_terms("Walking group", &[]).await;
    let check = db
        .store
        .onward_referral_consent(&w.worker, w.episode, &plain)
        .await
        .unwrap();
    assert_eq!(check.missing(), vec![SharingPartner::VoluntarySector]);
    // Without it, a referral there is refused.
    let id2 = draft(db, &w, &plain, vec![]).await;
    assert!(db
        .store
        .send_onward_referral(&w.worker, id2, 1, None)
        .await
        .is_err());
}

async fn only_a_site_manager_may_override_and_it_is_audited(db: &TestDb) {
    let w = world(db).await;
    let gp = db
        .dir_service_with_terms("Leeds GP", &["gp-primary-care"])
        .await;
    let id = draft(db, &w, &gp, vec![Part::NhsNumber]).await;
    let why = reason("Urgent medication on release; the person agreed by phone");
    assert_forbidden(
        db.store
            .send_onward_referral(&w.worker, id, 1, Some(&why))
            .await,
    );
    db.store
        .send_onward_referral(&w.manager, id, 1, Some(&why))
        .await
        .unwrap();
    let r = db.store.onward_referral(&w.worker, id).await.unwrap();
    let last = r.events.last().unwrap();
    assert_eq!(last.action, "send_override");
    assert_eq!(last.reason.as_deref(), Some(why.as_str()));
    let audits = db
        .audit_events_for("onward_referral.consent_override")
        .await;
    assert_eq!(audits.len(), 1);
    // Resending is refused by the state machine.
    assert!(matches!(
        db.store
            .send_onward_referral(&w.manager, id, 2, Some(&why))
            .await,
        Err(StoreError::Refused(_))
    ));
}

async fn the_snapshot_holds_exactly_the_chosen_parts_and_never_changes(db: &TestDb) {
    let w = world(db).await;
    let service = db
        .dir_service_with_terms("Forward Leeds", &["substance-misuse"])
        .await;
    consent(db, &w.worker, w.episode, SharingPartner::SubstanceMisuse).await;
    db.store
        .add_case_note(
            &w.worker,
            w.episode,
            reconnect_domain::id::CaseNoteId::new(),
            &reconnect_store::case_notes::NoteInput {
                body: "Private worry".into(),
                sensitive: false,
            },
        )
        .await
        .unwrap();
    let id = draft(db, &w, &service, vec![Part::Needs, Part::Release]).await;
    db.store
        .send_onward_referral(&w.worker, id, 1, None)
        .await
        .unwrap();
    let r = db
        .store
        .onward_referral_letter(&w.worker, id)
        .await
        .unwrap();
    let snap = r.snapshot.clone().unwrap();
    assert_eq!(snap.parts(), vec![Part::Needs, Part::Release]);
    assert_eq!(snap.name, "Ada Lovelace");
    assert_eq!(snap.needs.as_ref().unwrap().len(), 1);
    assert_eq!(snap.release.as_ref().unwrap().prison, "HMP Leeds");
    assert!(snap.case_notes.is_none() && snap.nhs_number.is_none() && snap.contact.is_none());
    // Later changes to the record do not change what was shared.
    add_need(db, &w.worker, w.episode, NeedDomain::Accommodation).await;
    let again = db.store.onward_referral(&w.worker, id).await.unwrap();
    assert_eq!(again.snapshot, Some(snap));
    // And the table refuses to change it.
    let changed = sqlx::query("UPDATE onward_referral SET snapshot = '{}' WHERE id = $1")
        .bind(id.to_string())
        .execute(db.pool())
        .await;
    assert!(changed.is_err(), "the snapshot was changed");
    assert_eq!(db.audit_events_for("onward_referral.letter").await.len(), 1);
}

async fn transitions_follow_the_state_machine_with_history(db: &TestDb) {
    let w = world(db).await;
    let service = db
        .dir_service_with_terms("Forward Leeds", &["substance-misuse"])
        .await;
    consent(db, &w.worker, w.episode, SharingPartner::SubstanceMisuse).await;
    let id = draft(db, &w, &service, Part::default_parts()).await;
    let act = |v: i64, a: Action| {
        let store = db.store.clone();
        let c = w.worker.clone();
        async move { store.act_on_onward_referral(&c, id, v, &a).await }
    };
    // Illegal steps are refused with a reason, and change nothing.
    match act(1, Action::Accept).await {
        Err(StoreError::Refused(m)) => assert!(m.contains("send it first"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(act(1, Action::Send).await.unwrap(), State::Sent);
    // A stale form is refused.
    assert!(matches!(
        act(1, Action::Accept).await,
        Err(StoreError::Stale)
    ));
    db.advance(Duration::days(3));
    assert_eq!(act(2, Action::Accept).await.unwrap(), State::Accepted);
    // An appointment before the referral was sent is a field error.
    let before = db.now() - Duration::days(30);
    assert!(matches!(
        act(3, Action::BookFirstAppointment(before)).await,
        Err(StoreError::Invalid(_))
    ));
    let at = db.now() + Duration::days(7);
    assert_eq!(
        act(3, Action::BookFirstAppointment(at)).await.unwrap(),
        State::Booked
    );
    assert_eq!(act(4, Action::Attended).await.unwrap(), State::Attended);
    assert_eq!(
        act(5, Action::Close(Outcome::NeedMet)).await.unwrap(),
        State::Closed
    );
    assert!(matches!(
        act(6, Action::Withdraw(reason("Moved away"))).await,
        Err(StoreError::Refused(_))
    ));
    let r = db.store.onward_referral(&w.worker, id).await.unwrap();
    let actions: Vec<&str> = r.events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["create", "send", "accept", "book", "attended", "close"]
    );
    assert_eq!(r.appointment_at, Some(at));
    assert_eq!(r.outcome, Some(Outcome::NeedMet));
    // Peer mentors may not change referrals.
    assert_forbidden(
        db.store
            .act_on_onward_referral(&w.mentor, id, 6, &Action::Attended)
            .await,
    );
    // The history is append-only.
    for sql in [
        "UPDATE onward_referral_event SET reason = 'x'",
        "DELETE FROM onward_referral_event",
    ] {
        assert!(sqlx::query(sql).execute(db.pool()).await.is_err(), "{sql}");
    }
    // Declining needs its reason, kept on the row and in the history.
    let id2 = draft(db, &w, &service, vec![]).await;
    db.store
        .act_on_onward_referral(&w.worker, id2, 1, &Action::Send)
        .await
        .unwrap();
    db.store
        .act_on_onward_referral(
            &w.worker,
            id2,
            2,
            &Action::Decline(reason("Outside our area")),
        )
        .await
        .unwrap();
    let r2 = db.store.onward_referral(&w.worker, id2).await.unwrap();
    assert_eq!(r2.decline_reason.as_deref(), Some("Outside our area"));
    assert_eq!(
        r2.events.last().unwrap().reason.as_deref(),
        Some("Outside our area")
    );
}

async fn site_lists_and_measures(db: &TestDb) {
    let w = world(db).await;
    let service = db
        .dir_service_with_terms("Forward Leeds", &["substance-misuse"])
        .await;
    consent(db, &w.worker, w.episode, SharingPartner::SubstanceMisuse).await;
    db.advance(Duration::days(2));
    let waiting = draft(db, &w, &service, vec![]).await;
    db.store
        .send_onward_referral(&w.worker, waiting, 1, None)
        .await
        .unwrap();
    let accepted = draft(db, &w, &service, vec![]).await;
    db.store
        .send_onward_referral(&w.worker, accepted, 1, None)
        .await
        .unwrap();
    db.advance(Duration::days(4));
    db.store
        .act_on_onward_referral(&w.worker, accepted, 2, &Action::Accept)
        .await
        .unwrap();
    let list = db.store.site_onward_referrals(&w.manager).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].referral.id, waiting);
    assert!(!list[0].overdue);
    assert_eq!(list[0].person_name, "Ada Lovelace");
    db.advance(Duration::days(15));
    let list = db.store.site_onward_referrals(&w.worker).await.unwrap();
    assert!(list[0].overdue);
    assert!(db
        .store
        .site_onward_referrals(&w.hull_worker)
        .await
        .unwrap()
        .is_empty());

    let m = db.store.onward_referral_measures(&w.manager).await.unwrap();
    assert_eq!(m.by_site.len(), 1);
    let site = &m.by_site[0];
    assert_eq!(site.name, "Leeds");
    assert_eq!((site.referrals, site.sent, site.accepted), (2, 2, 1));
    assert_eq!(site.need_to_sent.count, 2);
    assert_eq!(site.need_to_sent.median_days, Some(2.0));
    assert_eq!(site.sent_to_accepted.median_days, Some(4.0));
    assert_eq!(site.acceptance_rate(), Some(100.0));
    assert_eq!(site.attendance_rate(), None);
    assert_eq!(m.by_service[0].name, "Forward Leeds");
    assert!(db
        .store
        .onward_referral_measures(&w.hull_worker)
        .await
        .unwrap()
        .by_site
        .is_empty());
    let lead = db.staff(Role::NationalLead, &[]).await;
    assert_forbidden(db.store.onward_referral_measures(&lead).await);
}
