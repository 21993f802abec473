//! Engagement levels, concerns, versioned site rules and step-ups: levels
//! worked out live from the episode's own records with the reasons, the
//! system recompute and escalation jobs (idempotent, never closing anything),
//! scope on every function and audit rows for every read and write.

use super::{assert_forbidden, assert_invalid, assert_not_found};
use reconnect_domain::appointment::{AppointmentAction, AppointmentDetails, Attendance, DnaReason};
use reconnect_domain::contact::{ContactDetails, ContactKind};
use reconnect_domain::engagement::{EngagementLevel, EngagementRules};
use reconnect_domain::episode::{Action, EpisodeState, Reason};
use reconnect_domain::id::{AppointmentId, ContactId};
use reconnect_domain::step_up::StepUpState;
use reconnect_domain::{Caller, EpisodeId, Role};
use reconnect_store::testing::{TestDb, TestSite};
use reconnect_store::StoreError;
use time::Duration;

on_both_engines!(
    a_scripted_episode_wavers_disengages_is_stepped_up_and_re_engages,
    acceptable_missed_appointments_do_not_count,
    recompute_is_idempotent_and_never_closes_an_episode,
    escalation_fires_after_the_site_set_days_once,
    acting_on_a_step_up_stops_escalation,
    withdrawal_is_respected_at_once,
    rules_are_versioned_validated_and_for_site_managers,
    concerns_are_raised_and_cleared_once,
    every_function_is_scoped_to_the_callers_sites,
    needs_attention_is_sorted_by_urgency,
    history_tables_are_append_only,
    two_runs_at_once_do_the_work_once,
    batched_recompute_matches_the_live_levels_and_carries_on,
    levels_of_a_list_match_each_episode_alone,
);

struct World {
    leeds: TestSite,
    worker: Caller,
    mentor: Caller,
    manager: Caller,
    hull_worker: Caller,
    episode: EpisodeId,
}

async fn world(db: &TestDb) -> World {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    let mentor = db.staff(Role::PeerMentor, &[leeds.id]).await;
    let manager = db.staff(Role::SiteManager, &[leeds.id]).await;
    let hull_worker = db.staff(Role::Worker, &[hull.id]).await;
    let person = db
        .person(&worker, leeds.prisons[0], "Ada", "Lovelace")
        .await;
    let episode = released(db, &worker, person).await;
    sqlx::query(
        "INSERT INTO allocation (id, episode_id, worker_id, mentor_id, started_at, started_by) \
         VALUES ($1, $2, $3, $4, $5, $3)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(episode.to_string())
    .bind(worker.user_id().to_string())
    .bind(mentor.user_id().to_string())
    .bind(0_i64)
    .execute(db.pool())
    .await
    .unwrap();
    World {
        leeds,
        worker,
        mentor,
        manager,
        hull_worker,
        episode,
    }
}

async fn released(db: &TestDb, worker: &Caller, person: reconnect_domain::PersonId) -> EpisodeId {
    let episode = db.episode(worker, person).await;
    db.act(worker, episode, &Action::Accept).await;
    db.act(
        worker,
        episode,
        &Action::MarkReleased {
            on: db.now().date(),
        },
    )
    .await;
    episode
}

async fn contact(db: &TestDb, caller: &Caller, episode: EpisodeId, two_way: bool) {
    let details = ContactDetails {
        kind: ContactKind::Phone,
        at: db.now(),
        two_way,
        summary: "Talked about the week ahead".into(),
    };
    db.store
        .log_contact(caller, episode, ContactId::new(), &details)
        .await
        .unwrap();
}

/// Books an appointment an hour from now, moves the clock past it and
/// records that the person did not come, for `reason`.
async fn missed(db: &TestDb, caller: &Caller, episode: EpisodeId, reason: DnaReason) {
    let id = AppointmentId::new();
    let details = AppointmentDetails {
        what: "Housing options".into(),
        location: "Civic Hall".into(),
        starts_at: db.now() + Duration::hours(1),
    };
    db.store
        .book_appointment(caller, episode, id, &details)
        .await
        .unwrap();
    db.advance(Duration::hours(2));
    let version = db
        .store
        .appointment(caller, episode, id)
        .await
        .unwrap()
        .version;
    db.store
        .act_on_appointment(
            caller,
            episode,
            id,
            version,
            &AppointmentAction::RecordAttendance {
                attendance: Attendance::DidNotAttend,
                dna_reason: Some(reason),
            },
            AppointmentId::new(),
        )
        .await
        .unwrap();
}

async fn level(db: &TestDb, caller: &Caller, episode: EpisodeId) -> (EngagementLevel, Vec<String>) {
    let e = db.store.engagement_for(caller, episode).await.unwrap();
    (
        e.level.assessment.level,
        e.level
            .assessment
            .reasons
            .into_iter()
            .map(|r| r.words)
            .collect(),
    )
}

/// Rules without the early-release raise, so the scripted steps read simply.
async fn calm_rules(db: &TestDb, w: &World) {
    let rules = EngagementRules {
        early_release_days: 0,
        ..EngagementRules::default()
    };
    let v = db
        .store
        .set_engagement_rules(&w.manager, w.leeds.id, rules, 0)
        .await
        .unwrap();
    assert_eq!(v, 1);
}

async fn a_scripted_episode_wavers_disengages_is_stepped_up_and_re_engages(db: &TestDb) {
    let w = world(db).await;
    calm_rules(db, &w).await;
    assert_eq!(
        level(db, &w.worker, w.episode).await,
        (
            EngagementLevel::NotYetInContact,
            vec!["No two-way contact yet".to_string()]
        )
    );

    // Engaged: a two-way call yesterday.
    contact(db, &w.worker, w.episode, true).await;
    db.advance(Duration::days(1));
    let (l, reasons) = level(db, &w.worker, w.episode).await;
    assert_eq!(l, EngagementLevel::Engaged);
    assert_eq!(reasons, ["Two-way contact yesterday"]);
    let r = db.store.recompute_engagement(db.now()).await.unwrap();
    assert_eq!(
        (r.episodes, r.snapshots_written, r.step_ups_opened),
        (1, 1, 0)
    );

    // Wavering: a missed appointment with no acceptable reason.
    missed(db, &w.worker, w.episode, DnaReason::Unacceptable).await;
    let (l, reasons) = level(db, &w.worker, w.episode).await;
    assert_eq!(l, EngagementLevel::Wavering);
    assert_eq!(reasons, ["1 missed appointment in the last 14 days"]);
    let r = db.store.recompute_engagement(db.now()).await.unwrap();
    assert_eq!((r.snapshots_written, r.step_ups_opened), (1, 1));
    let e = db.store.engagement_for(&w.worker, w.episode).await.unwrap();
    assert_eq!(e.level.rule_version, 1);
    assert_eq!(e.site_name, "Leeds");
    let step_up = &e.step_ups[0];
    assert_eq!(step_up.state, StepUpState::Open);
    assert_eq!(step_up.level, EngagementLevel::Wavering);
    assert_eq!(
        step_up.reasons,
        ["1 missed appointment in the last 14 days"]
    );
    assert_eq!(step_up.actions.len(), 5);
    let mentor_name: String = sqlx::query_scalar("SELECT display_name FROM app_user WHERE id = $1")
        .bind(w.mentor.user_id().to_string())
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert!(step_up
        .actions
        .iter()
        .any(|a| a.assigned_to_name.as_deref() == Some(mentor_name.as_str())));
    assert!(step_up.actions.iter().all(|a| a.due_at > db.now()));

    // The worker acts on the step-up the next day.
    db.advance(Duration::days(1));
    let action = step_up.actions[0].id;
    db.store
        .record_step_up_action(
            &w.worker,
            w.episode,
            step_up.id,
            action,
            "Rang twice and texted",
            "No answer yet",
        )
        .await
        .unwrap();

    // Disengaged: no two-way contact for 15 days (the missed appointment
    // has aged out of the 14-day window).
    db.advance(Duration::days(13));
    contact(db, &w.worker, w.episode, false).await;
    let (l, reasons) = level(db, &w.worker, w.episode).await;
    assert_eq!(l, EngagementLevel::Disengaged);
    assert_eq!(reasons, ["No two-way contact for 15 days"]);
    let r = db.store.recompute_engagement(db.now()).await.unwrap();
    assert_eq!(
        (r.snapshots_written, r.step_ups_opened),
        (1, 0),
        "one step-up at a time"
    );
    assert_eq!(
        db.store.escalate_overdue_step_ups(db.now()).await.unwrap(),
        0
    );

    // Re-engaged: they come to a meeting; the worker steps the support down.
    contact(db, &w.worker, w.episode, true).await;
    let (l, reasons) = level(db, &w.worker, w.episode).await;
    assert_eq!(l, EngagementLevel::Engaged);
    assert_eq!(reasons, ["Two-way contact today"]);
    db.store
        .step_down(
            &w.worker,
            w.episode,
            step_up.id,
            "Back in touch and came to the meeting",
        )
        .await
        .unwrap();
    let r = db.store.recompute_engagement(db.now()).await.unwrap();
    assert_eq!((r.snapshots_written, r.step_ups_opened), (1, 0));
    let e = db.store.engagement_for(&w.worker, w.episode).await.unwrap();
    let s = &e.step_ups[0];
    assert_eq!(s.state, StepUpState::SteppedDown);
    assert_eq!(
        s.stepped_down.as_ref().map(|d| d.2.as_str()),
        Some("Back in touch and came to the meeting")
    );
    assert_eq!(s.actions[0].records[0].outcome, "No answer yet");
    let snapshots: Vec<(String,)> =
        sqlx::query_as("SELECT level FROM engagement_snapshot WHERE episode_id = $1 ORDER BY seq")
            .bind(w.episode.to_string())
            .fetch_all(db.pool())
            .await
            .unwrap();
    let levels: Vec<_> = snapshots.into_iter().map(|(l,)| l).collect();
    assert_eq!(levels, ["engaged", "wavering", "disengaged", "engaged"]);
    assert_eq!(
        db.store.episode(&w.worker, w.episode).await.unwrap().state,
        EpisodeState::Released
    );
    assert_invalid(
        db.store
            .step_down(&w.worker, w.episode, step_up.id, " ")
            .await,
        "record",
    );
    assert!(matches!(
        db.store
            .step_down(&w.worker, w.episode, step_up.id, "Again")
            .await,
        Err(StoreError::Refused(_))
    ));
    assert!(matches!(
        db.store
            .record_step_up_action(&w.worker, w.episode, step_up.id, action, "More", "More")
            .await,
        Err(StoreError::Refused(_))
    ));
    for action in [
        "step_up.open",
        "step_up.record",
        "step_up.step_down",
        "engagement.snapshot",
    ] {
        assert!(
            !db.audit_events_for(action).await.is_empty(),
            "{action} audited"
        );
    }
    let opened = &db.audit_events_for("step_up.open").await[0];
    assert_eq!(opened.actor_user_id, None);
    assert!(opened.person_id.is_some());
}

async fn acceptable_missed_appointments_do_not_count(db: &TestDb) {
    let w = world(db).await;
    calm_rules(db, &w).await;
    contact(db, &w.worker, w.episode, true).await;
    missed(db, &w.worker, w.episode, DnaReason::Acceptable).await;
    assert_eq!(
        level(db, &w.worker, w.episode).await.0,
        EngagementLevel::Engaged
    );
    missed(db, &w.worker, w.episode, DnaReason::Logistics).await;
    assert_eq!(
        level(db, &w.worker, w.episode).await.0,
        EngagementLevel::Wavering
    );
}

async fn recompute_is_idempotent_and_never_closes_an_episode(db: &TestDb) {
    let w = world(db).await;
    db.advance(Duration::days(200));
    let first = db.store.recompute_engagement(db.now()).await.unwrap();
    assert_eq!((first.snapshots_written, first.step_ups_opened), (1, 1));
    let rows = |t: &'static str| db.count_rows(t);
    let before = (
        rows("engagement_snapshot").await,
        rows("step_up").await,
        rows("step_up_action").await,
        rows("audit_event").await,
    );
    let second = db.store.recompute_engagement(db.now()).await.unwrap();
    assert_eq!((second.snapshots_written, second.step_ups_opened), (0, 0));
    assert_eq!(
        before,
        (
            rows("engagement_snapshot").await,
            rows("step_up").await,
            rows("step_up_action").await,
            rows("audit_event").await,
        )
    );
    for _ in 0..3 {
        db.advance(Duration::days(30));
        db.store.recompute_engagement(db.now()).await.unwrap();
        db.store.escalate_overdue_step_ups(db.now()).await.unwrap();
    }
    let e = db.store.engagement_for(&w.worker, w.episode).await.unwrap();
    assert_eq!(e.level.assessment.level, EngagementLevel::Disengaged);
    assert_eq!(
        e.state,
        EpisodeState::Released,
        "never closed automatically"
    );
    assert_eq!(e.step_ups.len(), 1);
}

async fn escalation_fires_after_the_site_set_days_once(db: &TestDb) {
    let w = world(db).await;
    contact(db, &w.worker, w.episode, true).await;
    db.store
        .raise_concern(&w.worker, w.episode, "Sounded low on the phone")
        .await
        .unwrap();
    assert_eq!(
        db.store
            .recompute_engagement(db.now())
            .await
            .unwrap()
            .step_ups_opened,
        1
    );
    // The worker and the mentor are told, by email naming nobody.
    let told = |kind: &'static str| async move {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT user_id, body FROM outbox WHERE kind = $1 ORDER BY user_id")
                .bind(kind)
                .fetch_all(db.pool())
                .await
                .unwrap();
        rows
    };
    let opened = told("step-up-opened").await;
    let mut expected = vec![
        w.worker.user_id().to_string(),
        w.mentor.user_id().to_string(),
    ];
    expected.sort();
    assert_eq!(
        opened.iter().map(|(u, _)| u.clone()).collect::<Vec<_>>(),
        expected
    );
    assert!(opened.iter().all(|(_, body)| !body.contains("Lovelace")));
    db.advance(Duration::days(3) - Duration::minutes(1));
    assert_eq!(
        db.store.escalate_overdue_step_ups(db.now()).await.unwrap(),
        0
    );
    assert!(told("step-up-escalated").await.is_empty());
    db.advance(Duration::minutes(1));
    assert_eq!(
        db.store.escalate_overdue_step_ups(db.now()).await.unwrap(),
        1
    );
    assert_eq!(
        db.store.escalate_overdue_step_ups(db.now()).await.unwrap(),
        0
    );
    // The site manager is told, once.
    let escalated = told("step-up-escalated").await;
    assert_eq!(escalated.len(), 1);
    assert_eq!(escalated[0].0, w.manager.user_id().to_string());
    let e = db.store.engagement_for(&w.worker, w.episode).await.unwrap();
    assert_eq!(e.step_ups[0].state, StepUpState::Escalated);
    assert_eq!(e.step_ups[0].escalated_at, Some(db.now()));
    let audit = db.audit_events_for("step_up.escalate").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].site_id, Some(w.leeds.id));
    let list = db
        .store
        .needs_attention(&w.manager, db.now())
        .await
        .unwrap();
    assert_eq!(list[0].step_up, Some(StepUpState::Escalated));
    assert_eq!(
        db.store
            .recompute_engagement(db.now())
            .await
            .unwrap()
            .step_ups_opened,
        0,
        "an escalated step-up is still in force"
    );

    // A site that allows longer waits escalates later.
    let rules = EngagementRules {
        escalate_after_days: 10,
        ..EngagementRules::default()
    };
    db.store
        .set_engagement_rules(&w.manager, w.leeds.id, rules, 0)
        .await
        .unwrap();
    let person = db
        .person(&w.worker, w.leeds.prisons[0], "Grace", "Hopper")
        .await;
    let other = released(db, &w.worker, person).await;
    db.store
        .raise_concern(&w.worker, other, "Lost his phone")
        .await
        .unwrap();
    db.store.recompute_engagement(db.now()).await.unwrap();
    db.advance(Duration::days(9));
    assert_eq!(
        db.store.escalate_overdue_step_ups(db.now()).await.unwrap(),
        0
    );
    db.advance(Duration::days(1));
    assert_eq!(
        db.store.escalate_overdue_step_ups(db.now()).await.unwrap(),
        1
    );
}

async fn acting_on_a_step_up_stops_escalation(db: &TestDb) {
    let w = world(db).await;
    contact(db, &w.worker, w.episode, true).await;
    db.store
        .raise_concern(&w.worker, w.episode, "Worried")
        .await
        .unwrap();
    db.store.recompute_engagement(db.now()).await.unwrap();
    let e = db.store.engagement_for(&w.worker, w.episode).await.unwrap();
    let s = &e.step_ups[0];
    assert_invalid(
        db.store
            .record_step_up_action(&w.worker, w.episode, s.id, s.actions[1].id, "", "Fine")
            .await,
        "what_done",
    );
    db.store
        .record_step_up_action(
            &w.worker,
            w.episode,
            s.id,
            s.actions[1].id,
            "Met at the cafe",
            "Fine",
        )
        .await
        .unwrap();
    db.advance(Duration::days(30));
    assert_eq!(
        db.store.escalate_overdue_step_ups(db.now()).await.unwrap(),
        0
    );
}

async fn withdrawal_is_respected_at_once(db: &TestDb) {
    let w = world(db).await;
    db.advance(Duration::days(30));
    db.store.recompute_engagement(db.now()).await.unwrap();
    db.act(
        &w.worker,
        w.episode,
        &Action::Withdraw {
            reason: Reason::lenient("Wants to manage on his own"),
        },
    )
    .await;
    let r = db.store.recompute_engagement(db.now()).await.unwrap();
    assert_eq!(r.episodes, 0);
    db.advance(Duration::days(30));
    assert_eq!(
        db.store.escalate_overdue_step_ups(db.now()).await.unwrap(),
        0
    );
    assert!(db
        .store
        .needs_attention(&w.worker, db.now())
        .await
        .unwrap()
        .is_empty());
    let e = db.store.engagement_for(&w.worker, w.episode).await.unwrap();
    let s = &e.step_ups[0];
    assert!(matches!(
        db.store
            .record_step_up_action(
                &w.worker,
                w.episode,
                s.id,
                s.actions[0].id,
                "Rang",
                "No answer"
            )
            .await,
        Err(StoreError::Refused(_))
    ));
}

async fn rules_are_versioned_validated_and_for_site_managers(db: &TestDb) {
    let w = world(db).await;
    let versions = db
        .store
        .engagement_rules(&w.worker, w.leeds.id)
        .await
        .unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].version, 0);
    assert_eq!(versions[0].rules, EngagementRules::default());
    let crossed = EngagementRules {
        no_contact_wavering_days: 20,
        no_contact_disengaged_days: 10,
        ..EngagementRules::default()
    };
    assert_invalid(
        db.store
            .set_engagement_rules(&w.manager, w.leeds.id, crossed, 0)
            .await,
        "no_contact_wavering_days",
    );
    let negative = EngagementRules {
        missed_window_days: -3,
        ..EngagementRules::default()
    };
    assert_invalid(
        db.store
            .set_engagement_rules(&w.manager, w.leeds.id, negative, 0)
            .await,
        "missed_window_days",
    );
    assert_forbidden(
        db.store
            .set_engagement_rules(&w.worker, w.leeds.id, EngagementRules::default(), 0)
            .await,
    );
    let hull_site = w.hull_worker.scope.sites[0];
    assert_not_found(
        db.store
            .set_engagement_rules(&w.manager, hull_site, EngagementRules::default(), 0)
            .await,
    );
    assert_not_found(db.store.engagement_rules(&w.worker, hull_site).await);
    let tighter = EngagementRules {
        no_contact_wavering_days: 5,
        ..EngagementRules::default()
    };
    assert_eq!(
        db.store
            .set_engagement_rules(&w.manager, w.leeds.id, tighter, 0)
            .await
            .unwrap(),
        1
    );
    assert!(matches!(
        db.store
            .set_engagement_rules(&w.manager, w.leeds.id, tighter, 0)
            .await,
        Err(StoreError::Stale)
    ));
    let again = EngagementRules {
        escalate_after_days: 5,
        ..tighter
    };
    assert_eq!(
        db.store
            .set_engagement_rules(&w.manager, w.leeds.id, again, 1)
            .await
            .unwrap(),
        2
    );
    let versions = db
        .store
        .engagement_rules(&w.worker, w.leeds.id)
        .await
        .unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1, 0]
    );
    assert!(versions[0].by.is_some() && versions[0].at.is_some());
    let audit = db.audit_events_for("engagement_rules.set").await;
    assert_eq!(audit.len(), 2);
    assert!(audit
        .iter()
        .any(|a| a.detail.as_deref() == Some("version 2: escalate_after_days 3 to 5")));
    // The level says which version produced it.
    contact(db, &w.worker, w.episode, true).await;
    db.advance(Duration::days(6));
    let e = db.store.engagement_for(&w.worker, w.episode).await.unwrap();
    assert_eq!(e.level.rule_version, 2);
    assert_eq!(e.level.assessment.level, EngagementLevel::Disengaged);
}

async fn concerns_are_raised_and_cleared_once(db: &TestDb) {
    let w = world(db).await;
    contact(db, &w.worker, w.episode, true).await;
    let id = db
        .store
        .raise_concern(&w.worker, w.episode, "Not picking up his prescription")
        .await
        .unwrap();
    let (_, reasons) = level(db, &w.worker, w.episode).await;
    assert!(reasons.contains(&"Worker raised a concern".to_string()));
    assert_invalid(
        db.store.raise_concern(&w.worker, w.episode, "  ").await,
        "note",
    );
    db.store
        .clear_concern(&w.worker, w.episode, id, "Collected it on Monday")
        .await
        .unwrap();
    assert!(db
        .store
        .clear_concern(&w.worker, w.episode, id, "Again")
        .await
        .is_err());
    let e = db.store.engagement_for(&w.worker, w.episode).await.unwrap();
    assert_eq!(e.concerns.len(), 1);
    assert_eq!(
        e.concerns[0].cleared.as_ref().map(|c| c.0.as_str()),
        Some("Collected it on Monday")
    );
    assert_eq!(e.level.assessment.level, EngagementLevel::Engaged);
    let lead = db.staff(Role::NationalLead, &[]).await;
    assert_forbidden(db.store.raise_concern(&lead, w.episode, "x").await);
    assert_eq!(db.audit_events_for("concern.raise").await.len(), 1);
    assert_eq!(db.audit_events_for("concern.clear").await.len(), 1);
}

async fn every_function_is_scoped_to_the_callers_sites(db: &TestDb) {
    let w = world(db).await;
    db.store
        .raise_concern(&w.worker, w.episode, "Worried")
        .await
        .unwrap();
    db.store.recompute_engagement(db.now()).await.unwrap();
    let e = db.store.engagement_for(&w.worker, w.episode).await.unwrap();
    let s = &e.step_ups[0];
    let c = e.concerns[0].id;
    let lead = db.staff(Role::NationalLead, &[]).await;
    for outsider in [&w.hull_worker, &lead] {
        assert_not_found(db.store.engagement_for(outsider, w.episode).await);
        assert_not_found(db.store.latest_snapshot(outsider, w.episode).await);
        assert!(db
            .store
            .engagement_levels(outsider, &[w.episode], db.now())
            .await
            .unwrap()
            .is_empty());
        assert!(db
            .store
            .needs_attention(outsider, db.now())
            .await
            .unwrap()
            .is_empty());
    }
    let h = &w.hull_worker;
    assert_not_found(db.store.raise_concern(h, w.episode, "x").await);
    assert_not_found(db.store.clear_concern(h, w.episode, c, "x").await);
    assert_not_found(
        db.store
            .record_step_up_action(h, w.episode, s.id, s.actions[0].id, "x", "y")
            .await,
    );
    assert_not_found(db.store.step_down(h, w.episode, s.id, "x").await);
    // A step-up and an action of another episode are not found through this one.
    let person = db
        .person(&w.worker, w.leeds.prisons[0], "Grace", "Hopper")
        .await;
    let other = released(db, &w.worker, person).await;
    assert_not_found(db.store.step_down(&w.worker, other, s.id, "x").await);
    assert_not_found(
        db.store
            .record_step_up_action(
                &w.worker,
                w.episode,
                s.id,
                reconnect_domain::id::StepUpActionId::new(),
                "x",
                "y",
            )
            .await,
    );
    let levels = db
        .store
        .engagement_levels(&w.worker, &[w.episode, other], db.now())
        .await
        .unwrap();
    assert_eq!(levels.len(), 2);
    assert_eq!(
        levels[&w.episode].assessment.level,
        EngagementLevel::Disengaged
    );
    assert_eq!(
        levels[&other].assessment.level,
        EngagementLevel::NotYetInContact
    );
    assert!(!db.audit_events_for("engagement.view").await.is_empty());
    assert!(!db.audit_events_for("engagement.levels").await.is_empty());
}

async fn needs_attention_is_sorted_by_urgency(db: &TestDb) {
    let w = world(db).await;
    calm_rules(db, &w).await;
    contact(db, &w.worker, w.episode, true).await;
    let p2 = db
        .person(&w.worker, w.leeds.prisons[0], "Grace", "Hopper")
        .await;
    let e2 = released(db, &w.worker, p2).await;
    contact(db, &w.worker, e2, true).await;
    let p3 = db
        .person(&w.worker, w.leeds.prisons[0], "Alan", "Turing")
        .await;
    let e3 = released(db, &w.worker, p3).await;
    contact(db, &w.worker, e3, true).await;
    db.advance(Duration::days(8));
    contact(db, &w.worker, e3, true).await;
    db.advance(Duration::days(7));
    // Ada and Grace: 15 days without contact (disengaged); Alan: 7 (wavering).
    contact(db, &w.worker, e2, true).await;
    db.store
        .raise_concern(&w.worker, e2, "Housing fell through")
        .await
        .unwrap();
    let list = db.store.needs_attention(&w.worker, db.now()).await.unwrap();
    let names: Vec<_> = list.iter().map(|e| e.person_name.as_str()).collect();
    assert_eq!(names, ["Ada Lovelace", "Alan Turing", "Grace Hopper"]);
    assert_eq!(list[0].level.assessment.level, EngagementLevel::Disengaged);
    assert_eq!(list[0].level.days_since_two_way_contact, Some(15));
    assert_eq!(list[1].level.assessment.level, EngagementLevel::Wavering);
    assert_eq!(list[2].level.days_since_two_way_contact, Some(0));
    assert_eq!(db.audit_events_for("engagement.attention").await.len(), 1);
}

async fn history_tables_are_append_only(db: &TestDb) {
    let w = world(db).await;
    db.store
        .raise_concern(&w.worker, w.episode, "Worried")
        .await
        .unwrap();
    db.store
        .set_engagement_rules(&w.manager, w.leeds.id, EngagementRules::default(), 0)
        .await
        .unwrap();
    db.store.recompute_engagement(db.now()).await.unwrap();
    let e = db.store.engagement_for(&w.worker, w.episode).await.unwrap();
    let s = &e.step_ups[0];
    db.store
        .record_step_up_action(
            &w.worker,
            w.episode,
            s.id,
            s.actions[0].id,
            "Rang",
            "Talked",
        )
        .await
        .unwrap();
    for table in [
        "engagement_rules",
        "concern",
        "engagement_snapshot",
        "step_up_event",
        "step_up_action",
        "step_up_record",
    ] {
        let update = format!("UPDATE {table} SET created_by = created_by");
        let update = if matches!(table, "engagement_snapshot") {
            "UPDATE engagement_snapshot SET level = level".to_string()
        } else if matches!(table, "step_up_event") {
            "UPDATE step_up_event SET summary = summary".to_string()
        } else if matches!(table, "step_up_action") {
            "UPDATE step_up_action SET action = action".to_string()
        } else {
            update
        };
        assert!(
            sqlx::query(&update).execute(db.pool()).await.is_err(),
            "{table} update"
        );
        let delete = format!("DELETE FROM {table}");
        assert!(
            sqlx::query(&delete).execute(db.pool()).await.is_err(),
            "{table} delete"
        );
    }
}

async fn two_runs_at_once_do_the_work_once(db: &TestDb) {
    let w = world(db).await;
    for name in ["Grace", "Alan", "Mary"] {
        let person = db
            .person(&w.worker, w.leeds.prisons[0], name, "Smith")
            .await;
        released(db, &w.worker, person).await;
    }
    db.advance(Duration::days(40));
    let now = db.now();
    let (a, b) = tokio::join!(
        db.store.recompute_engagement(now),
        db.store.recompute_engagement(now)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.step_ups_opened + b.step_ups_opened, 4);
    assert_eq!(a.snapshots_written + b.snapshots_written, 4);
    assert_eq!(db.count_rows("step_up").await, 4);
    assert_eq!(db.count_rows("engagement_snapshot").await, 4);
    db.advance(Duration::days(5));
    let now = db.now();
    let (a, b) = tokio::join!(
        db.store.escalate_overdue_step_ups(now),
        db.store.escalate_overdue_step_ups(now)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 4);
    assert_eq!(db.audit_events_for("step_up.escalate").await.len(), 4);
}

/// The recompute over more episodes than one batch (batches of 2 here) gives
/// every episode the level worked out live, a second run changes nothing,
/// and a later run picks up only the work still to do.
async fn batched_recompute_matches_the_live_levels_and_carries_on(db: &TestDb) {
    let w = world(db).await;
    let mut episodes = vec![w.episode];
    for name in ["Grace", "Alan", "Mary", "Edsger"] {
        let person = db
            .person(&w.worker, w.leeds.prisons[0], name, "Smith")
            .await;
        episodes.push(released(db, &w.worker, person).await);
    }
    contact(db, &w.worker, episodes[1], true).await;
    db.advance(Duration::days(40));
    contact(db, &w.worker, episodes[2], true).await;
    let first = db
        .store
        .recompute_engagement_in_batches(db.now(), 2)
        .await
        .unwrap();
    assert_eq!(first.episodes, 5);
    assert_eq!(first.snapshots_written, 5);
    for e in &episodes {
        let (live, reasons) = level(db, &w.worker, *e).await;
        let (stored, stored_reasons): (String, String) = sqlx::query_as(
            "SELECT level, reasons FROM engagement_snapshot WHERE episode_id = $1 \
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(e.to_string())
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(stored, live.code(), "episode {e}");
        assert_eq!(stored_reasons, reasons.join("\n"), "episode {e}");
        let step_ups: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM step_up WHERE episode_id = $1")
                .bind(e.to_string())
                .fetch_one(db.pool())
                .await
                .unwrap();
        assert_eq!(step_ups, i64::from(live.needs_step_up()), "episode {e}");
    }
    assert_eq!(
        first.step_ups_opened,
        usize::try_from(db.count_rows("step_up").await).unwrap()
    );
    let audit = db.count_rows("audit_event").await;
    let again = db
        .store
        .recompute_engagement_in_batches(db.now(), 3)
        .await
        .unwrap();
    assert_eq!(
        (
            again.episodes,
            again.snapshots_written,
            again.step_ups_opened
        ),
        (5, 0, 0)
    );
    assert_eq!(db.count_rows("audit_event").await, audit);
    let person = db
        .person(&w.worker, w.leeds.prisons[0], "Barbara", "Liskov")
        .await;
    let late = released(db, &w.worker, person).await;
    db.advance(Duration::days(40));
    let before = db.count_rows("step_up").await;
    let later = db
        .store
        .recompute_engagement_in_batches(db.now(), 2)
        .await
        .unwrap();
    assert_eq!(later.episodes, 6);
    assert_eq!(
        db.count_rows("step_up").await,
        before + i64::try_from(later.step_ups_opened).unwrap()
    );
    let (late_level, _) = level(db, &w.worker, late).await;
    assert!(late_level.needs_step_up(), "{late_level:?}");
}

/// The levels of a list of episodes at two sites with different rules,
/// worked out together, are each what the episode's own page shows, and
/// the needs-attention list agrees.
async fn levels_of_a_list_match_each_episode_alone(db: &TestDb) {
    let w = world(db).await;
    let york = db.site("York", &["HMP York"]).await;
    let york_manager = db.staff(Role::SiteManager, &[york.id]).await;
    let both = db.staff(Role::Worker, &[w.leeds.id, york.id]).await;
    db.store
        .set_engagement_rules(
            &york_manager,
            york.id,
            EngagementRules {
                early_release_days: 0,
                ..EngagementRules::default()
            },
            0,
        )
        .await
        .unwrap();
    let mut episodes = vec![w.episode];
    for (site, name) in [(&w.leeds, "Grace"), (&york, "Alan"), (&york, "Mary")] {
        let person = db.person(&both, site.prisons[0], name, "Smith").await;
        episodes.push(released(db, &both, person).await);
    }
    contact(db, &both, episodes[1], true).await;
    missed(db, &both, episodes[2], DnaReason::Unacceptable).await;
    db.advance(Duration::days(20));
    contact(db, &both, episodes[3], false).await;
    let levels = db
        .store
        .engagement_levels(&both, &episodes, db.now())
        .await
        .unwrap();
    assert_eq!(levels.len(), 4);
    for e in &episodes {
        let alone = db.store.engagement_for(&both, *e).await.unwrap();
        assert_eq!(levels[e], alone.level, "episode {e}");
    }
    for entry in db.store.needs_attention(&both, db.now()).await.unwrap() {
        let alone = db
            .store
            .engagement_for(&both, entry.level.episode_id)
            .await
            .unwrap();
        assert_eq!(entry.level, alone.level);
        assert_eq!(entry.step_up, None);
    }
}
