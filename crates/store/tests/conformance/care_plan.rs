//! The care plan (needs, assessments, goals and actions, the release-day
//! plan): every function reaches its record only through the parent
//! episode's site, changes are versioned, histories cannot be changed, and
//! every read and write is audited.

use super::{assert_forbidden, assert_invalid, assert_not_found};
use reconnect_domain::episode::Action;
use reconnect_domain::id::{GoalId, NeedId, PlanActionId};
use reconnect_domain::need::{NeedArea, NeedDomain, NeedStatus, ResponsibleParty, Score};
use reconnect_domain::plan::{ActionClose, ActionOwner, ActionStatus};
use reconnect_domain::release_plan::{ChecklistItem, ItemStatus, PlannedItem};
use reconnect_domain::{Caller, EpisodeId, Role};
use reconnect_store::care_plan::{
    AssessmentScore, NeedChange, NewAction, NewAssessment, NewNeed, NewReleasePlan,
};
use reconnect_store::testing::TestDb;
use reconnect_store::StoreError;
use time::{Date, Duration};

on_both_engines!(
    the_catalogue_is_reference_data_in_the_migration,
    needs_are_added_updated_and_keep_their_history,
    a_second_open_need_in_a_domain_is_refused,
    stale_need_updates_change_nothing,
    assessments_are_recorded_and_read_in_date_order,
    bad_assessments_are_refused,
    goals_and_actions_make_a_plan,
    actions_close_once_and_stale_closes_change_nothing,
    bad_actions_are_refused,
    release_plans_supersede_and_keep_the_old_ones,
    stale_release_plan_saves_change_nothing,
    caseload_counts_are_scoped,
    ended_episodes_keep_their_plan,
    histories_are_append_only,
    another_sites_records_are_not_found_by_any_function,
    peer_mentors_read_but_do_not_change,
    reopening_a_need_while_another_is_open_is_a_conflict,
    concurrent_saves_of_one_version_exactly_one_succeeds,
);

struct World {
    worker: Caller,
    other: Caller,
    mentor: Caller,
    episode: EpisodeId,
}

async fn world(db: &TestDb) -> World {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    let other = db.staff(Role::Worker, &[hull.id]).await;
    let mentor = db.staff(Role::PeerMentor, &[leeds.id]).await;
    let person = db
        .person(&worker, leeds.prisons[0], "Ada", "Lovelace")
        .await;
    let episode = db.episode(&worker, person).await;
    db.act(&worker, episode, &Action::Accept).await;
    World {
        worker,
        other,
        mentor,
        episode,
    }
}

fn today(db: &TestDb) -> Date {
    db.now().date()
}

fn need(domain: NeedDomain) -> NewNeed {
    NewNeed {
        area: NeedArea::new(domain, "").unwrap(),
        status: NeedStatus::Identified,
        party: ResponsibleParty::Reconnect,
        note: Some("Came up at the first meeting".into()),
    }
}

fn score(domain: NeedDomain, n: u8) -> AssessmentScore {
    AssessmentScore {
        domain,
        score: Score::new(n).unwrap(),
        note: None,
    }
}

fn action(db: &TestDb, text: &str, due_in_days: i64) -> NewAction {
    NewAction {
        goal: None,
        text: text.into(),
        owner: ActionOwner::Reconnect,
        due: today(db) + Duration::days(due_in_days),
    }
}

fn checklist(status: ItemStatus) -> NewReleasePlan {
    NewReleasePlan {
        release_time: Some(time::macros::time!(08:30)),
        items: ChecklistItem::ALL
            .iter()
            .map(|item| PlannedItem {
                item: *item,
                status,
                detail: Some(format!("About {}", item.label())),
            })
            .collect(),
    }
}

async fn the_catalogue_is_reference_data_in_the_migration(db: &TestDb) {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT code, label FROM need_domain ORDER BY sort_order")
            .fetch_all(db.pool())
            .await
            .unwrap();
    let expected: Vec<(String, String)> = NeedDomain::ALL
        .iter()
        .map(|d| (d.code().to_string(), d.label().to_string()))
        .collect();
    assert_eq!(rows, expected);
}

async fn needs_are_added_updated_and_keep_their_history(db: &TestDb) {
    let w = world(db).await;
    let id = db
        .store
        .add_need(&w.worker, w.episode, &need(NeedDomain::Accommodation))
        .await
        .unwrap();
    let other = NewNeed {
        area: NeedArea::new(NeedDomain::Other, "Looking after a dog").unwrap(),
        ..need(NeedDomain::Accommodation)
    };
    db.store
        .add_need(&w.worker, w.episode, &other)
        .await
        .unwrap();
    db.store
        .update_need(
            &w.worker,
            id,
            1,
            &NeedChange {
                status: NeedStatus::InProgress,
                party: ResponsibleParty::VoluntarySector,
                note: Some("Referred to the housing charity".into()),
            },
        )
        .await
        .unwrap();
    let needs = db.store.needs(&w.worker, w.episode).await.unwrap();
    assert_eq!(needs.len(), 2);
    // Catalogue order: accommodation before other.
    assert_eq!(needs[0].id, id);
    assert_eq!(needs[0].status, NeedStatus::InProgress);
    assert_eq!(needs[0].party, ResponsibleParty::VoluntarySector);
    assert_eq!(needs[0].version, 2);
    assert_eq!(needs[0].updates.len(), 2);
    assert_eq!(needs[0].updates[0].status, NeedStatus::Identified);
    assert_eq!(
        needs[0].updates[1].note.as_deref(),
        Some("Referred to the housing charity")
    );
    assert!(needs[0].updates[1].by_name.starts_with("Test "));
    assert_eq!(needs[1].area.label(), "Other: Looking after a dog");
    let one = db.store.need(&w.worker, id).await.unwrap();
    assert_eq!(one, needs[0]);

    let audit = db.audit_events().await;
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    for a in ["need.add", "need.update", "needs.view", "need.view"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    let update = db.audit_events_for("need.update").await;
    assert_eq!(
        update[0].record_id.as_deref(),
        Some(id.to_string().as_str())
    );
    assert!(update[0].person_id.is_some() && update[0].site_id.is_some());
    assert_eq!(
        update[0].actor_user_id,
        Some(w.worker.user_id()),
        "who changed it"
    );
}

async fn a_second_open_need_in_a_domain_is_refused(db: &TestDb) {
    let w = world(db).await;
    let first = db
        .store
        .add_need(&w.worker, w.episode, &need(NeedDomain::MentalHealth))
        .await
        .unwrap();
    match db
        .store
        .add_need(&w.worker, w.episode, &need(NeedDomain::MentalHealth))
        .await
    {
        Err(StoreError::Conflict(m)) => assert!(m.contains("mental health"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(db.count_rows("episode_need").await, 1);
    // Once met, a new need in the domain may be recorded.
    db.store
        .update_need(
            &w.worker,
            first,
            1,
            &NeedChange {
                status: NeedStatus::Met,
                party: ResponsibleParty::Nhs,
                note: None,
            },
        )
        .await
        .unwrap();
    db.store
        .add_need(&w.worker, w.episode, &need(NeedDomain::MentalHealth))
        .await
        .unwrap();
}

async fn stale_need_updates_change_nothing(db: &TestDb) {
    let w = world(db).await;
    let id = db
        .store
        .add_need(&w.worker, w.episode, &need(NeedDomain::Trauma))
        .await
        .unwrap();
    let change = NeedChange {
        status: NeedStatus::Declined,
        party: ResponsibleParty::Nhs,
        note: Some("Not ready to talk about it".into()),
    };
    db.store
        .update_need(&w.worker, id, 1, &change)
        .await
        .unwrap();
    let r = db.store.update_need(&w.worker, id, 1, &change).await;
    assert!(matches!(r, Err(StoreError::Stale)), "{r:?}");
    let n = db.store.need(&w.worker, id).await.unwrap();
    assert_eq!((n.version, n.updates.len()), (2, 2));
    assert_eq!(db.audit_events_for("need.update").await.len(), 1);
}

async fn assessments_are_recorded_and_read_in_date_order(db: &TestDb) {
    let w = world(db).await;
    let later = NewAssessment {
        on: today(db),
        scores: vec![
            score(NeedDomain::Accommodation, 2),
            score(NeedDomain::PhysicalHealth, 1),
        ],
    };
    let earlier = NewAssessment {
        on: today(db) - Duration::days(30),
        scores: vec![
            AssessmentScore {
                note: Some("No fixed address".into()),
                ..score(NeedDomain::Accommodation, 4)
            },
            score(NeedDomain::PhysicalHealth, 1),
        ],
    };
    db.store
        .record_assessment(&w.worker, w.episode, &later)
        .await
        .unwrap();
    db.store
        .record_assessment(&w.worker, w.episode, &earlier)
        .await
        .unwrap();
    let all = db.store.assessments(&w.worker, w.episode).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].on, earlier.on);
    // Catalogue order within an assessment.
    assert_eq!(all[1].scores[0].domain, NeedDomain::PhysicalHealth);
    let acc = all[0].score_for(NeedDomain::Accommodation).unwrap();
    assert_eq!(acc.score.value(), 4);
    assert_eq!(acc.note.as_deref(), Some("No fixed address"));
    assert_eq!(db.audit_events_for("assessment.record").await.len(), 2);
    assert_eq!(db.audit_events_for("assessments.view").await.len(), 1);
}

async fn bad_assessments_are_refused(db: &TestDb) {
    let w = world(db).await;
    let empty = NewAssessment {
        on: today(db),
        scores: vec![],
    };
    assert_invalid(
        db.store
            .record_assessment(&w.worker, w.episode, &empty)
            .await,
        "scores",
    );
    let twice = NewAssessment {
        on: today(db),
        scores: vec![score(NeedDomain::Trauma, 1), score(NeedDomain::Trauma, 2)],
    };
    assert_invalid(
        db.store
            .record_assessment(&w.worker, w.episode, &twice)
            .await,
        "scores",
    );
    let future = NewAssessment {
        on: today(db) + Duration::days(1),
        scores: vec![score(NeedDomain::Trauma, 1)],
    };
    assert_invalid(
        db.store
            .record_assessment(&w.worker, w.episode, &future)
            .await,
        "assessed_on",
    );
    let ok = NewAssessment {
        on: today(db),
        scores: vec![score(NeedDomain::Trauma, 1)],
    };
    db.store
        .record_assessment(&w.worker, w.episode, &ok)
        .await
        .unwrap();
    // The same form sent twice.
    let r = db.store.record_assessment(&w.worker, w.episode, &ok).await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    assert_eq!(db.count_rows("assessment").await, 1);
    assert_eq!(db.count_rows("assessment_score").await, 1);
}

async fn goals_and_actions_make_a_plan(db: &TestDb) {
    let w = world(db).await;
    let goal = db
        .store
        .add_goal(
            &w.worker,
            w.episode,
            "  I want to see my daughter every week ",
        )
        .await
        .unwrap();
    let late = db
        .store
        .add_action(
            &w.worker,
            w.episode,
            &NewAction {
                goal: Some(goal),
                ..action(db, "Ask about supervised contact", -3)
            },
        )
        .await
        .unwrap();
    db.store
        .add_action(
            &w.worker,
            w.episode,
            &action(db, "Book a GP appointment", 7),
        )
        .await
        .unwrap();
    let plan = db.store.plan(&w.worker, w.episode).await.unwrap();
    assert_eq!(plan.goals.len(), 1);
    assert_eq!(plan.goals[0].words, "I want to see my daughter every week");
    assert_eq!(plan.actions.len(), 2);
    assert_eq!(plan.actions[0].id, late);
    assert_eq!(plan.actions[0].goal, Some(goal));
    assert_eq!(plan.actions[0].status, ActionStatus::Open);
    assert_eq!(plan.actions[0].events.len(), 1);
    // The same goal twice is refused.
    let r = db
        .store
        .add_goal(&w.worker, w.episode, "I want to see my daughter every week")
        .await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    for a in ["plan.goal_add", "plan.action_add", "plan.view"] {
        assert!(!db.audit_events_for(a).await.is_empty(), "{a}");
    }
}

async fn actions_close_once_and_stale_closes_change_nothing(db: &TestDb) {
    let w = world(db).await;
    let id = db
        .store
        .add_action(
            &w.worker,
            w.episode,
            &action(db, "Apply for a bank account", 5),
        )
        .await
        .unwrap();
    let dropped = ActionClose::Dropped {
        reason: "They opened one themselves".into(),
    };
    db.store
        .close_action(&w.worker, id, 1, &dropped)
        .await
        .unwrap();
    // The same form again: stale.
    let r = db
        .store
        .close_action(&w.worker, id, 1, &ActionClose::Done)
        .await;
    assert!(matches!(r, Err(StoreError::Stale)), "{r:?}");
    // At the current version: refused, it is already closed.
    match db
        .store
        .close_action(&w.worker, id, 2, &ActionClose::Done)
        .await
    {
        Err(StoreError::Refused(m)) => assert_eq!(m, "This action has already been dropped"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let (episode, a) = db.store.plan_action(&w.worker, id).await.unwrap();
    assert_eq!(episode, w.episode);
    assert_eq!(a.status, ActionStatus::Dropped);
    assert_eq!(a.reason.as_deref(), Some("They opened one themselves"));
    assert_eq!(a.events.len(), 2);
    assert_eq!(db.audit_events_for("plan.action_close").await.len(), 1);
}

async fn bad_actions_are_refused(db: &TestDb) {
    let w = world(db).await;
    let ancient = NewAction {
        due: time::macros::date!(1900 - 01 - 01),
        ..action(db, "Something", 0)
    };
    assert_invalid(
        db.store.add_action(&w.worker, w.episode, &ancient).await,
        "due_on",
    );
    assert_invalid(
        db.store
            .add_action(&w.worker, w.episode, &action(db, "   ", 1))
            .await,
        "text",
    );
    let stray = NewAction {
        goal: Some(GoalId::new()),
        ..action(db, "Something", 1)
    };
    assert_invalid(
        db.store.add_action(&w.worker, w.episode, &stray).await,
        "goal",
    );
    db.store
        .add_action(&w.worker, w.episode, &action(db, "Something", 1))
        .await
        .unwrap();
    let r = db
        .store
        .add_action(&w.worker, w.episode, &action(db, "Something", 1))
        .await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    assert_eq!(db.count_rows("plan_action").await, 1);
}

async fn release_plans_supersede_and_keep_the_old_ones(db: &TestDb) {
    let w = world(db).await;
    assert!(db
        .store
        .release_plans(&w.worker, w.episode)
        .await
        .unwrap()
        .is_empty());
    let v1 = db
        .store
        .save_release_plan(&w.worker, w.episode, 0, &checklist(ItemStatus::NotYet))
        .await
        .unwrap();
    assert_eq!(v1, 1);
    db.advance(Duration::hours(1));
    let v2 = db
        .store
        .save_release_plan(&w.worker, w.episode, 1, &checklist(ItemStatus::Confirmed))
        .await
        .unwrap();
    assert_eq!(v2, 2);
    let plans = db.store.release_plans(&w.worker, w.episode).await.unwrap();
    assert_eq!(plans.len(), 2);
    assert_eq!(plans[0].version, 2);
    assert!(plans[0]
        .items
        .iter()
        .all(|i| i.status == ItemStatus::Confirmed));
    assert!(plans[1]
        .items
        .iter()
        .all(|i| i.status == ItemStatus::NotYet));
    assert!(plans[0].at > plans[1].at);
    assert_eq!(
        plans[0]
            .item(ChecklistItem::Bank)
            .unwrap()
            .detail
            .as_deref(),
        Some("About Bank account")
    );
    assert_eq!(plans[0].release_time, Some(time::macros::time!(08:30)));
    assert_eq!(db.audit_events_for("release_plan.save").await.len(), 2);
    // Missing items are refused.
    let mut short = checklist(ItemStatus::Confirmed);
    short.items.pop();
    assert_invalid(
        db.store
            .save_release_plan(&w.worker, w.episode, 2, &short)
            .await,
        "items",
    );
}

async fn stale_release_plan_saves_change_nothing(db: &TestDb) {
    let w = world(db).await;
    db.store
        .save_release_plan(&w.worker, w.episode, 0, &checklist(ItemStatus::NotYet))
        .await
        .unwrap();
    for stale in [0, 2] {
        let r = db
            .store
            .save_release_plan(
                &w.worker,
                w.episode,
                stale,
                &checklist(ItemStatus::Confirmed),
            )
            .await;
        assert!(matches!(r, Err(StoreError::Stale)), "{r:?}");
    }
    assert_eq!(db.count_rows("release_plan").await, 1);
}

async fn caseload_counts_are_scoped(db: &TestDb) {
    let w = world(db).await;
    db.store
        .add_action(&w.worker, w.episode, &action(db, "Late one", -2))
        .await
        .unwrap();
    db.store
        .add_action(&w.worker, w.episode, &action(db, "Late two", -1))
        .await
        .unwrap();
    db.store
        .add_action(&w.worker, w.episode, &action(db, "Not yet due", 0))
        .await
        .unwrap();
    let counts = db
        .store
        .overdue_action_counts(&w.worker, &[w.episode, EpisodeId::new()], today(db))
        .await
        .unwrap();
    assert_eq!(counts.get(&w.episode), Some(&2));
    assert_eq!(counts.len(), 1);
    // Tomorrow the third is overdue too.
    let counts = db
        .store
        .overdue_action_counts(&w.worker, &[w.episode], today(db) + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(counts.get(&w.episode), Some(&3));
    // No plan yet: every item is a gap.
    let gaps = db
        .store
        .release_plan_gaps(&w.worker, &[w.episode])
        .await
        .unwrap();
    assert_eq!(gaps[&w.episode].len(), ChecklistItem::ALL.len());
    let mut plan = checklist(ItemStatus::Confirmed);
    plan.items[1].status = ItemStatus::NotYet;
    plan.items[2].status = ItemStatus::NotNeeded;
    db.store
        .save_release_plan(&w.worker, w.episode, 0, &plan)
        .await
        .unwrap();
    let gaps = db
        .store
        .release_plan_gaps(&w.worker, &[w.episode])
        .await
        .unwrap();
    assert_eq!(gaps[&w.episode], vec![ChecklistItem::NightOne]);
    db.store
        .save_release_plan(&w.worker, w.episode, 1, &checklist(ItemStatus::Confirmed))
        .await
        .unwrap();
    assert!(db
        .store
        .release_plan_gaps(&w.worker, &[w.episode])
        .await
        .unwrap()
        .is_empty());
    // Another site's caller learns nothing.
    assert!(db
        .store
        .overdue_action_counts(&w.other, &[w.episode], today(db))
        .await
        .unwrap()
        .is_empty());
    assert!(db
        .store
        .release_plan_gaps(&w.other, &[w.episode])
        .await
        .unwrap()
        .is_empty());
    assert!(db
        .store
        .release_plan_gaps(&w.worker, &[])
        .await
        .unwrap()
        .is_empty());
    // A gap again; then, once they are out, the plan is history, not a gap.
    db.store
        .save_release_plan(&w.worker, w.episode, 2, &plan)
        .await
        .unwrap();
    assert_eq!(
        db.store
            .release_plan_gaps(&w.worker, &[w.episode])
            .await
            .unwrap()
            .len(),
        1
    );
    db.act(
        &w.worker,
        w.episode,
        &Action::MarkReleased { on: today(db) },
    )
    .await;
    assert!(db
        .store
        .release_plan_gaps(&w.worker, &[w.episode])
        .await
        .unwrap()
        .is_empty());
    // Overdue actions still count after release.
    assert_eq!(
        db.store
            .overdue_action_counts(&w.worker, &[w.episode], today(db))
            .await
            .unwrap()
            .get(&w.episode),
        Some(&2)
    );
}

async fn ended_episodes_keep_their_plan(db: &TestDb) {
    let w = world(db).await;
    let need_id = db
        .store
        .add_need(&w.worker, w.episode, &need(NeedDomain::Trauma))
        .await
        .unwrap();
    db.act(&w.worker, w.episode, &Action::Withdraw { reason: None })
        .await;
    let refused = |r: Result<(), StoreError>| match r {
        Err(StoreError::Refused(m)) => assert!(m.contains("ended"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    };
    refused(
        db.store
            .add_need(&w.worker, w.episode, &need(NeedDomain::Accommodation))
            .await
            .map(|_| ()),
    );
    refused(
        db.store
            .update_need(
                &w.worker,
                need_id,
                1,
                &NeedChange {
                    status: NeedStatus::Met,
                    party: ResponsibleParty::Nhs,
                    note: None,
                },
            )
            .await,
    );
    refused(
        db.store
            .add_goal(&w.worker, w.episode, "A goal")
            .await
            .map(|_| ()),
    );
    refused(
        db.store
            .save_release_plan(&w.worker, w.episode, 0, &checklist(ItemStatus::NotYet))
            .await
            .map(|_| ()),
    );
    // Still readable.
    assert_eq!(db.store.needs(&w.worker, w.episode).await.unwrap().len(), 1);
}

async fn histories_are_append_only(db: &TestDb) {
    let w = world(db).await;
    let need_id = db
        .store
        .add_need(&w.worker, w.episode, &need(NeedDomain::Trauma))
        .await
        .unwrap();
    db.store
        .record_assessment(
            &w.worker,
            w.episode,
            &NewAssessment {
                on: today(db),
                scores: vec![score(NeedDomain::Trauma, 3)],
            },
        )
        .await
        .unwrap();
    db.store
        .add_goal(&w.worker, w.episode, "Stay well")
        .await
        .unwrap();
    db.store
        .add_action(&w.worker, w.episode, &action(db, "Call", 1))
        .await
        .unwrap();
    db.store
        .save_release_plan(&w.worker, w.episode, 0, &checklist(ItemStatus::NotYet))
        .await
        .unwrap();
    let attempts = [
        "UPDATE need_update SET note = 'tampered'",
        "DELETE FROM need_update",
        "UPDATE assessment SET assessed_on = '2000-01-01'",
        "DELETE FROM assessment",
        "UPDATE assessment_score SET score = 0",
        "DELETE FROM assessment_score",
        "UPDATE plan_goal SET words = 'tampered'",
        "DELETE FROM plan_goal",
        "UPDATE plan_action_event SET reason = 'tampered'",
        "DELETE FROM plan_action_event",
        "UPDATE release_plan SET release_time = '23:59'",
        "DELETE FROM release_plan",
        "UPDATE release_plan_item SET status = 'confirmed'",
        "DELETE FROM release_plan_item",
    ];
    for sql in attempts {
        let r = sqlx::query(sql).execute(db.pool()).await;
        let e = r.expect_err(sql).to_string();
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    assert_eq!(
        db.store
            .need(&w.worker, need_id)
            .await
            .unwrap()
            .updates
            .len(),
        1
    );
    assert_eq!(db.count_rows("release_plan_item").await, 9);
}

async fn another_sites_records_are_not_found_by_any_function(db: &TestDb) {
    let w = world(db).await;
    let need_id = db
        .store
        .add_need(&w.worker, w.episode, &need(NeedDomain::Trauma))
        .await
        .unwrap();
    let goal = db
        .store
        .add_goal(&w.worker, w.episode, "Work")
        .await
        .unwrap();
    let action_id = db
        .store
        .add_action(&w.worker, w.episode, &action(db, "Call", 1))
        .await
        .unwrap();
    let audit_before = db.audit_events().await.len();
    let o = &w.other;
    let ep = w.episode;
    let change = NeedChange {
        status: NeedStatus::Met,
        party: ResponsibleParty::Nhs,
        note: None,
    };
    let assessment = NewAssessment {
        on: today(db),
        scores: vec![score(NeedDomain::Trauma, 1)],
    };
    for episode in [ep, EpisodeId::new()] {
        assert_not_found(db.store.needs(o, episode).await);
        assert_not_found(
            db.store
                .add_need(o, episode, &need(NeedDomain::Trauma))
                .await,
        );
        assert_not_found(db.store.assessments(o, episode).await);
        assert_not_found(db.store.record_assessment(o, episode, &assessment).await);
        assert_not_found(db.store.plan(o, episode).await);
        assert_not_found(db.store.add_goal(o, episode, "Mine now").await);
        assert_not_found(db.store.add_action(o, episode, &action(db, "x", 1)).await);
        assert_not_found(db.store.release_plans(o, episode).await);
        assert_not_found(
            db.store
                .save_release_plan(o, episode, 0, &checklist(ItemStatus::NotYet))
                .await,
        );
    }
    for id in [need_id, NeedId::new()] {
        assert_not_found(db.store.need(o, id).await);
        assert_not_found(db.store.update_need(o, id, 1, &change).await);
    }
    for id in [action_id, PlanActionId::new()] {
        assert_not_found(db.store.plan_action(o, id).await);
        assert_not_found(db.store.close_action(o, id, 1, &ActionClose::Done).await);
    }
    // The other site's goal cannot be borrowed either.
    let theirs = {
        let hull = db.site("York", &["HMP York"]).await;
        let york = db.staff(Role::Worker, &[hull.id]).await;
        let p = db.person(&york, hull.prisons[0], "Bo", "Other").await;
        let e = db.episode(&york, p).await;
        db.act(&york, e, &Action::Accept).await;
        (york, e)
    };
    assert_invalid(
        db.store
            .add_action(
                &theirs.0,
                theirs.1,
                &NewAction {
                    goal: Some(goal),
                    ..action(db, "Borrowed", 1)
                },
            )
            .await,
        "goal",
    );
    // A caller with no sites sees nothing.
    let nosite = db.staff(Role::Worker, &[]).await;
    assert_not_found(db.store.needs(&nosite, ep).await);
    assert_not_found(db.store.need(&nosite, need_id).await);
    // Nothing was written for the refused calls, not even audit rows
    // (York's setup adds its own: site, person, episode).
    let after = db.audit_events().await;
    assert!(
        after[audit_before..]
            .iter()
            .all(|e| e.actor_user_id != Some(o.user_id())
                && e.actor_user_id != Some(nosite.user_id()))
    );
    assert_eq!(db.count_rows("episode_need").await, 1);
    assert_eq!(db.count_rows("plan_goal").await, 1);
}

async fn peer_mentors_read_but_do_not_change(db: &TestDb) {
    let w = world(db).await;
    let need_id = db
        .store
        .add_need(&w.worker, w.episode, &need(NeedDomain::Trauma))
        .await
        .unwrap();
    let m = &w.mentor;
    assert_eq!(db.store.needs(m, w.episode).await.unwrap().len(), 1);
    db.store.plan(m, w.episode).await.unwrap();
    db.store.assessments(m, w.episode).await.unwrap();
    db.store.release_plans(m, w.episode).await.unwrap();
    assert_forbidden(
        db.store
            .add_need(m, w.episode, &need(NeedDomain::Accommodation))
            .await,
    );
    assert_forbidden(
        db.store
            .update_need(
                m,
                need_id,
                1,
                &NeedChange {
                    status: NeedStatus::Met,
                    party: ResponsibleParty::Nhs,
                    note: None,
                },
            )
            .await,
    );
    assert_forbidden(db.store.add_goal(m, w.episode, "x").await);
    assert_forbidden(db.store.add_action(m, w.episode, &action(db, "x", 1)).await);
    assert_forbidden(
        db.store
            .save_release_plan(m, w.episode, 0, &checklist(ItemStatus::NotYet))
            .await,
    );
    assert_forbidden(
        db.store
            .record_assessment(
                m,
                w.episode,
                &NewAssessment {
                    on: today(db),
                    scores: vec![score(NeedDomain::Trauma, 1)],
                },
            )
            .await,
    );
}

async fn reopening_a_need_while_another_is_open_is_a_conflict(db: &TestDb) {
    let w = world(db).await;
    let old = db
        .store
        .add_need(&w.worker, w.episode, &need(NeedDomain::Accommodation))
        .await
        .unwrap();
    let met = NeedChange {
        status: NeedStatus::Met,
        party: ResponsibleParty::Reconnect,
        note: None,
    };
    db.store.update_need(&w.worker, old, 1, &met).await.unwrap();
    db.store
        .add_need(&w.worker, w.episode, &need(NeedDomain::Accommodation))
        .await
        .unwrap();
    let reopen = NeedChange {
        status: NeedStatus::InProgress,
        ..met
    };
    match db.store.update_need(&w.worker, old, 2, &reopen).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("accommodation"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let n = db.store.need(&w.worker, old).await.unwrap();
    assert_eq!((n.status, n.version), (NeedStatus::Met, 2));
}

async fn concurrent_saves_of_one_version_exactly_one_succeeds(db: &TestDb) {
    let w = world(db).await;
    let a = checklist(ItemStatus::NotYet);
    let b = checklist(ItemStatus::Confirmed);
    let (ra, rb) = tokio::join!(
        db.store.save_release_plan(&w.worker, w.episode, 0, &a),
        db.store.save_release_plan(&w.worker, w.episode, 0, &b),
    );
    let ok = [&ra, &rb].iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "{ra:?} {rb:?}");
    for r in [ra, rb] {
        if let Err(e) = r {
            assert!(matches!(e, StoreError::Stale), "{e:?}");
        }
    }
    assert_eq!(db.count_rows("release_plan").await, 1);
    assert_eq!(db.count_rows("release_plan_item").await, 9);
    let same = NewAssessment {
        on: today(db),
        scores: vec![score(NeedDomain::Trauma, 2)],
    };
    let (ra, rb) = tokio::join!(
        db.store.record_assessment(&w.worker, w.episode, &same),
        db.store.record_assessment(&w.worker, w.episode, &same),
    );
    assert_eq!([&ra, &rb].iter().filter(|r| r.is_ok()).count(), 1);
    assert!(
        matches!(
            (&ra, &rb),
            (Err(StoreError::Conflict(_)), _) | (_, Err(StoreError::Conflict(_)))
        ),
        "{ra:?} {rb:?}"
    );
}
