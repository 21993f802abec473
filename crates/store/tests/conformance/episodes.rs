//! Episodes of support: started only for people in the caller's scope,
//! changed only by the journey's rules, every change versioned, recorded in
//! an append-only history and audited, and nothing ever visible outside the
//! person's site.

use super::{assert_forbidden, assert_invalid, assert_not_found};
use reconnect_domain::episode::{
    Action, ClosureReason, DeclineReason, EpisodeState, Handover, Reason,
};
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::window::{ReleaseDate, SiteWindows};
use reconnect_domain::{Caller, EpisodeId, PersonId, Role, SiteId};
use reconnect_store::episodes::Episode;
use reconnect_store::testing::{TestDb, TestSite};
use reconnect_store::{AuditRecord, StoreError};
use std::fmt::Debug;
use time::macros::date;
use time::{Date, Duration};

on_both_engines!(
    start_episode_creates_a_referral_at_the_persons_site,
    start_episode_is_refused_while_an_episode_is_open,
    new_episodes_link_to_the_latest_ended_one,
    unknown_release_dates_round_trip,
    only_case_writers_at_the_persons_site_start_episodes,
    a_whole_journey_is_recorded_step_by_step,
    illegal_actions_are_refused_and_change_nothing,
    stale_versions_change_nothing,
    concurrent_actions_on_one_version_exactly_one_succeeds,
    concurrent_actions_on_many_episodes_all_succeed,
    concurrent_referrals_for_one_person_start_one_episode,
    withdraw_works_from_every_open_state,
    return_to_custody_then_resume_or_release_again,
    transfer_moves_the_episode_and_the_person,
    transfers_to_the_same_or_an_unknown_site_are_refused,
    only_case_writers_at_the_site_change_episodes,
    expected_release_changes_keep_the_old_value,
    expected_release_changes_refused_when_ended_or_stale,
    site_windows_are_the_defaults_until_set,
    site_windows_are_set_by_the_sites_own_manager_only,
    site_windows_shape_the_journey,
    episode_history_is_append_only,
    reads_are_scoped_for_every_role,
    guessed_ids_are_not_found,
);

// ---- Fixtures and helpers ---------------------------------------------------

/// Two sites with a worker and a manager each.
struct World {
    leeds: TestSite,
    hull: TestSite,
    leeds_worker: Caller,
    leeds_manager: Caller,
    hull_worker: Caller,
}

async fn world(db: &TestDb) -> World {
    let leeds = db.site("Leeds", &["HMP Leeds", "HMP Wealstun"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    World {
        leeds_worker: db.staff(Role::Worker, &[leeds.id]).await,
        leeds_manager: db.staff(Role::SiteManager, &[leeds.id]).await,
        hull_worker: db.staff(Role::Worker, &[hull.id]).await,
        leeds,
        hull,
    }
}

fn today(db: &TestDb) -> Date {
    db.now().date()
}

fn reason(text: &str) -> Reason {
    Reason::parse(text, "a reason").unwrap()
}

fn handover(text: &str) -> Handover {
    Handover::parse(text).unwrap()
}

fn close(reason: ClosureReason) -> Action {
    Action::Close { reason, note: None }
}

fn withdraw() -> Action {
    Action::Withdraw { reason: None }
}

#[track_caller]
fn assert_refused<T: Debug>(r: Result<T, StoreError>, message: &str) {
    match r {
        Err(StoreError::Refused(m)) => assert_eq!(m, message),
        other => panic!("expected Refused({message:?}), got {other:?}"),
    }
}

#[track_caller]
fn assert_stale<T: Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::Stale) => {}
        other => panic!("expected Stale, got {other:?}"),
    }
}

/// What the domain says about `action` on this episode today: the message
/// the store must pass on.
fn domain_refusal(
    episode: &Episode,
    action: &Action,
    today: Date,
    windows: &SiteWindows,
) -> String {
    episode
        .progress()
        .apply(action, today, windows)
        .expect_err("the domain accepts this action")
        .to_string()
}

async fn display_name(db: &TestDb, caller: &Caller) -> String {
    sqlx::query_scalar("SELECT display_name FROM app_user WHERE id = $1")
        .bind(caller.user_id().to_string())
        .fetch_one(db.pool())
        .await
        .unwrap()
}

/// Everything the episode functions can change, read directly (no scope):
/// used to show that a refused call changed nothing.
#[derive(Debug, PartialEq)]
struct Everything {
    episodes: Vec<EpisodeRaw>,
    events: Vec<EventRaw>,
    people: Vec<(String, String)>,
    settings: Vec<(String, i64, i64, i64)>,
    audit: Vec<AuditRecord>,
}

/// seq, episode, kind, from, to, summary.
type EventRaw = (i64, String, String, Option<String>, Option<String>, String);

/// id, site, state, expected release, why not known, released, returned,
/// extended, version.
type EpisodeRaw = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

async fn everything(db: &TestDb) -> Everything {
    Everything {
        episodes: sqlx::query_as(
            "SELECT id, site_id, state, expected_release, release_unknown_reason, released_on, \
             returned_to_custody_on, extended_until, version FROM episode ORDER BY id",
        )
        .fetch_all(db.pool())
        .await
        .unwrap(),
        events: sqlx::query_as(
            "SELECT seq, episode_id, kind, from_state, to_state, summary FROM episode_event ORDER BY seq",
        )
        .fetch_all(db.pool())
        .await
        .unwrap(),
        people: sqlx::query_as("SELECT id, site_id FROM person ORDER BY id")
            .fetch_all(db.pool())
            .await
            .unwrap(),
        settings: sqlx::query_as(
            "SELECT site_id, pre_release_weeks, community_support_months, \
             referral_after_release_days FROM site_settings ORDER BY site_id",
        )
        .fetch_all(db.pool())
        .await
        .unwrap(),
        audit: db.audit_events().await,
    }
}

async fn episode_audit(db: &TestDb, id: EpisodeId) -> Vec<AuditRecord> {
    db.audit_events()
        .await
        .into_iter()
        .filter(|a| a.record_id.as_deref() == Some(id.to_string().as_str()))
        .collect()
}

/// Starts an episode and takes it through `actions`, one per step.
async fn episode_in(
    db: &TestDb,
    caller: &Caller,
    person: PersonId,
    actions: &[Action],
) -> EpisodeId {
    let id = db.episode(caller, person).await;
    for a in actions {
        db.act(caller, id, a).await;
    }
    id
}

/// The actions that take a new referral to `state` (released today, or
/// released ten days ago and back in custody today).
fn path_to(state: EpisodeState, today: Date) -> Vec<Action> {
    use EpisodeState as S;
    let released = |on| vec![Action::Accept, Action::MarkReleased { on }];
    match state {
        S::Referred => vec![],
        S::Accepted => vec![Action::Accept],
        S::EngagedBeforeRelease => vec![Action::Accept, Action::StartEngagement],
        S::Released => released(today),
        S::CommunitySupport => [released(today), vec![Action::StartCommunitySupport]].concat(),
        S::SteppingDown => [
            released(today),
            vec![Action::StartCommunitySupport, Action::BeginSteppingDown],
        ]
        .concat(),
        S::ReturnedToCustody => [
            released(today - Duration::days(10)),
            vec![Action::ReturnToCustody {
                on: today,
                recalled: true,
            }],
        ]
        .concat(),
        S::Declined => vec![Action::Decline {
            reason: DeclineReason::NoHealthNeed,
            note: None,
        }],
        S::Closed => vec![Action::Accept, close(ClosureReason::MovedAway)],
        S::Withdrawn => vec![withdraw()],
    }
}

// ---- Starting an episode ----------------------------------------------------

async fn start_episode_creates_a_referral_at_the_persons_site(db: &TestDb) {
    let w = world(db).await;
    let person = db
        .person(&w.leeds_worker, w.leeds.prisons[1], "Dan", "Okafor")
        .await;
    let release = ReleaseDate::Known(date!(2026 - 05 - 18));
    let id = db
        .store
        .start_episode(
            &w.leeds_worker,
            person,
            ReferralSource::SelfReferral,
            &release,
        )
        .await
        .unwrap();

    let e = db.store.episode(&w.leeds_worker, id).await.unwrap();
    assert_eq!(
        e,
        Episode {
            id,
            person_id: person,
            site_id: w.leeds.id,
            state: EpisodeState::Referred,
            source: ReferralSource::SelfReferral,
            expected_release: release.clone(),
            released_on: None,
            returned_to_custody_on: None,
            extended_until: None,
            linked_from: None,
            version: 1,
            created_at: db.now(),
        }
    );
    assert_eq!(
        db.store.episodes_of(&w.leeds_worker, person).await.unwrap(),
        vec![e.clone()]
    );

    let history = db.store.episode_history(&w.leeds_worker, id).await.unwrap();
    assert_eq!(history.len(), 1);
    let ev = &history[0];
    assert_eq!(ev.kind, "transition");
    assert_eq!(ev.from_state, None);
    assert_eq!(ev.to_state, Some(EpisodeState::Referred));
    assert_eq!(ev.summary, "Referred by: the person themselves");
    assert_eq!(ev.reason, None);
    assert_eq!(ev.at, db.now());
    assert_eq!(ev.by_name, display_name(db, &w.leeds_worker).await);

    let creates = db.audit_events_for("episode.create").await;
    assert_eq!(creates.len(), 1);
    let a = &creates[0];
    assert_eq!(a.actor_user_id, Some(w.leeds_worker.user_id()));
    assert_eq!(a.actor_role, Some(Role::Worker));
    assert_eq!(a.record_type.as_deref(), Some("episode"));
    assert_eq!(a.record_id, Some(id.to_string()));
    assert_eq!(a.site_id, Some(w.leeds.id));
    assert_eq!(a.person_id, Some(person));
    assert_eq!(a.request_id, w.leeds_worker.meta.request_id);
    assert_eq!(a.ip, w.leeds_worker.meta.ip);
    assert_eq!(a.at, db.now());

    // Every referral source is kept as given.
    for source in ReferralSource::ALL {
        let p = db
            .person(
                &w.leeds_manager,
                w.leeds.prisons[0],
                "Source",
                source.as_str(),
            )
            .await;
        let id = db
            .store
            .start_episode(&w.leeds_manager, p, source, &release)
            .await
            .unwrap();
        let e = db.store.episode(&w.leeds_manager, id).await.unwrap();
        assert_eq!(e.source, source);
        let history = db
            .store
            .episode_history(&w.leeds_manager, id)
            .await
            .unwrap();
        assert_eq!(
            history[0].summary,
            format!("Referred by: {}", source.label().to_lowercase())
        );
    }
    assert_eq!(db.count_rows("episode").await, 1 + 6);
    assert_eq!(db.count_rows("episode_event").await, 1 + 6);
    assert_eq!(db.audit_events_for("episode.create").await.len(), 1 + 6);
}

async fn start_episode_is_refused_while_an_episode_is_open(db: &TestDb) {
    let w = world(db).await;
    let open_message = |state: EpisodeState| {
        format!(
            "This person already has an open episode ({}). Carry on in that episode: a new referral is for someone whose earlier support has ended.",
            state.label().to_lowercase()
        )
    };
    for state in EpisodeState::ALL.into_iter().filter(|s| !s.is_terminal()) {
        let person = db
            .person(&w.leeds_worker, w.leeds.prisons[0], "Open", state.as_str())
            .await;
        let id = episode_in(db, &w.leeds_worker, person, &path_to(state, today(db))).await;
        assert_eq!(
            db.store.episode(&w.leeds_worker, id).await.unwrap().state,
            state
        );
        let before = everything(db).await;
        for caller in [&w.leeds_worker, &w.leeds_manager] {
            assert_refused(
                db.store
                    .start_episode(
                        caller,
                        person,
                        ReferralSource::Probation,
                        &ReleaseDate::Known(today(db)),
                    )
                    .await,
                &open_message(state),
            );
        }
        assert_eq!(everything(db).await, before, "{state}");
        assert_eq!(
            db.store
                .episodes_of(&w.leeds_worker, person)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

async fn new_episodes_link_to_the_latest_ended_one(db: &TestDb) {
    let w = world(db).await;
    let worker = &w.leeds_worker;
    let person = db.person(worker, w.leeds.prisons[0], "Amira", "Khan").await;
    let other = db.person(worker, w.leeds.prisons[0], "Tom", "Baker").await;
    let other_episode =
        episode_in(db, worker, other, &path_to(EpisodeState::Closed, today(db))).await;

    // Declined, then a new referral: linked to the declined one.
    let first = episode_in(
        db,
        worker,
        person,
        &path_to(EpisodeState::Declined, today(db)),
    )
    .await;
    db.advance(Duration::days(30));
    let second = db.episode(worker, person).await;
    let e2 = db.store.episode(worker, second).await.unwrap();
    assert_eq!(e2.linked_from, Some(first));
    assert_eq!(e2.state, EpisodeState::Referred);
    assert_eq!(e2.version, 1);

    // Withdrawn: the next links to it, not to the first.
    db.act(worker, second, &withdraw()).await;
    db.advance(Duration::days(30));
    let third = db.episode(worker, person).await;
    assert_eq!(
        db.store.episode(worker, third).await.unwrap().linked_from,
        Some(second)
    );

    // Closed: likewise, even when created in the same instant as the one
    // before it (the clock is not moved here).
    for a in path_to(EpisodeState::Closed, today(db)) {
        db.act(worker, third, &a).await;
    }
    let fourth = db.episode(worker, person).await;
    assert_eq!(
        db.store.episode(worker, fourth).await.unwrap().linked_from,
        Some(third)
    );

    // Newest first; the earlier ones keep their own links and states.
    let all = db.store.episodes_of(worker, person).await.unwrap();
    let summary: Vec<_> = all.iter().map(|e| (e.id, e.state, e.linked_from)).collect();
    assert_eq!(
        summary,
        vec![
            (fourth, EpisodeState::Referred, Some(third)),
            (third, EpisodeState::Closed, Some(second)),
            (second, EpisodeState::Withdrawn, Some(first)),
            (first, EpisodeState::Declined, None),
        ]
    );
    // Another person's episodes are never linked or listed.
    assert!(all.iter().all(|e| e.id != other_episode));
    let others = db.store.episodes_of(worker, other).await.unwrap();
    assert_eq!(others.len(), 1);
    assert_eq!(others[0].linked_from, None);
    // A new episode is still refused while the fourth is open.
    assert!(matches!(
        db.store
            .start_episode(
                worker,
                person,
                ReferralSource::Probation,
                &ReleaseDate::Known(today(db))
            )
            .await,
        Err(StoreError::Refused(_))
    ));
}

async fn unknown_release_dates_round_trip(db: &TestDb) {
    let w = world(db).await;
    let person = db
        .person(&w.leeds_worker, w.leeds.prisons[0], "Priya", "Shah")
        .await;
    let unknown = ReleaseDate::unknown("  On remand, awaiting trial ").unwrap();
    let id = db
        .store
        .start_episode(
            &w.leeds_worker,
            person,
            ReferralSource::PrisonHealthcare,
            &unknown,
        )
        .await
        .unwrap();
    let e = db.store.episode(&w.leeds_worker, id).await.unwrap();
    assert_eq!(e.expected_release, unknown);
    assert!(matches!(
        &e.expected_release,
        ReleaseDate::Unknown { reason } if reason.as_str() == "On remand, awaiting trial"
    ));
    let stored: (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT expected_release, release_unknown_reason FROM episode WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_one(db.pool())
    .await
    .unwrap();
    assert_eq!(
        stored,
        (None, Some("On remand, awaiting trial".to_string()))
    );

    // Known, then not known again: each change reads back as written.
    let known = ReleaseDate::Known(date!(2026 - 06 - 01));
    db.store
        .change_expected_release(&w.leeds_worker, id, 1, &known, &reason("Sentenced"))
        .await
        .unwrap();
    let e = db.store.episode(&w.leeds_worker, id).await.unwrap();
    assert_eq!(e.expected_release, known);
    let again = ReleaseDate::unknown("Appeal lodged").unwrap();
    db.store
        .change_expected_release(&w.leeds_worker, id, 2, &again, &reason("Appeal"))
        .await
        .unwrap();
    let e = db.store.episode(&w.leeds_worker, id).await.unwrap();
    assert_eq!(e.expected_release, again);
    assert_eq!(e.version, 3);
    let summaries: Vec<String> = db
        .store
        .episode_history(&w.leeds_worker, id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.summary)
        .collect();
    assert_eq!(
        summaries,
        [
            "Referred by: prison healthcare",
            "Expected release changed from not known to 1 June 2026",
            "Expected release changed from 1 June 2026 to not known",
        ]
    );
}

async fn only_case_writers_at_the_persons_site_start_episodes(db: &TestDb) {
    let w = world(db).await;
    let release = ReleaseDate::Known(date!(2026 - 04 - 01));
    for role in Role::ALL {
        let person = db
            .person(&w.leeds_manager, w.leeds.prisons[0], "Role", role.as_str())
            .await;
        // At another site or at no site: not found (or forbidden, for roles
        // that never write cases, even as a member of both sites).
        let outsiders = [
            db.staff(role, &[w.hull.id]).await,
            db.staff(role, &[]).await,
        ];
        let both = db.staff(role, &[w.leeds.id, w.hull.id]).await;
        let insider = db.staff(role, &[w.leeds.id]).await;
        let before = everything(db).await;
        for outsider in &outsiders {
            let r = db
                .store
                .start_episode(outsider, person, ReferralSource::Probation, &release)
                .await;
            if role.writes_cases() {
                assert_not_found(r);
            } else {
                assert_forbidden(r);
            }
        }
        // A person nobody has.
        let guessed = db
            .store
            .start_episode(
                &insider,
                PersonId::new(),
                ReferralSource::Probation,
                &release,
            )
            .await;
        if role.writes_cases() {
            assert_not_found(guessed);
        } else {
            assert_forbidden(guessed);
            assert_forbidden(
                db.store
                    .start_episode(&both, person, ReferralSource::Probation, &release)
                    .await,
            );
        }
        assert_eq!(everything(db).await, before, "{role}: nothing written");

        let r = db
            .store
            .start_episode(&insider, person, ReferralSource::Probation, &release)
            .await;
        if role.writes_cases() {
            let id = r.unwrap();
            assert_eq!(
                db.store.episode(&insider, id).await.unwrap().site_id,
                w.leeds.id
            );
        } else {
            assert_forbidden(r);
            assert_eq!(everything(db).await, before, "{role}: nothing written");
        }
    }
    // Only the worker and the site manager at Leeds started one.
    assert_eq!(db.count_rows("episode").await, 2);
    assert_eq!(db.count_rows("episode_event").await, 2);
    let roles: Vec<_> = db
        .audit_events_for("episode.create")
        .await
        .into_iter()
        .map(|a| a.actor_role)
        .collect();
    assert_eq!(roles, [Some(Role::Worker), Some(Role::SiteManager)]);
}

// ---- Acting on an episode ---------------------------------------------------

async fn a_whole_journey_is_recorded_step_by_step(db: &TestDb) {
    let w = world(db).await;
    let worker = &w.leeds_worker;
    let person = db.person(worker, w.leeds.prisons[0], "Dan", "Okafor").await;
    let release = ReleaseDate::Known(date!(2026 - 03 - 09));
    let id = db
        .store
        .start_episode(worker, person, ReferralSource::Probation, &release)
        .await
        .unwrap();
    let created_at = db.now();
    let name = display_name(db, worker).await;

    struct Step {
        advance_days: i64,
        action: Action,
        to: EpisodeState,
        summary: &'static str,
        reason: Option<&'static str>,
        released_on: Option<Date>,
        extended_until: Option<Date>,
    }
    use EpisodeState as S;
    let steps = [
        Step {
            advance_days: 0,
            action: Action::Accept,
            to: S::Accepted,
            summary: "Referral accepted",
            reason: None,
            released_on: None,
            extended_until: None,
        },
        Step {
            advance_days: 1,
            action: Action::StartEngagement,
            to: S::EngagedBeforeRelease,
            summary: "Support before release started",
            reason: None,
            released_on: None,
            extended_until: None,
        },
        Step {
            // On the day: today, from the store's own clock.
            advance_days: 6,
            action: Action::MarkReleased {
                on: date!(2026 - 03 - 09),
            },
            to: S::Released,
            summary: "Marked as released on 9 March 2026",
            reason: None,
            released_on: Some(date!(2026 - 03 - 09)),
            extended_until: None,
        },
        Step {
            advance_days: 1,
            action: Action::StartCommunitySupport,
            to: S::CommunitySupport,
            summary: "Community support started",
            reason: None,
            released_on: Some(date!(2026 - 03 - 09)),
            extended_until: None,
        },
        Step {
            advance_days: 150,
            action: Action::ExtendCommunitySupport {
                until: date!(2026 - 12 - 31),
                reason: reason("Housing not settled yet"),
            },
            to: S::CommunitySupport,
            summary: "Community support extended to 31 December 2026",
            reason: Some("Housing not settled yet"),
            released_on: Some(date!(2026 - 03 - 09)),
            extended_until: Some(date!(2026 - 12 - 31)),
        },
        Step {
            advance_days: 100,
            action: Action::BeginSteppingDown,
            to: S::SteppingDown,
            summary: "Stepping down started",
            reason: None,
            released_on: Some(date!(2026 - 03 - 09)),
            extended_until: Some(date!(2026 - 12 - 31)),
        },
        Step {
            advance_days: 20,
            action: close(ClosureReason::SupportCompleted),
            to: S::Closed,
            summary: "Episode closed: Support completed",
            reason: Some("Support completed"),
            released_on: Some(date!(2026 - 03 - 09)),
            extended_until: Some(date!(2026 - 12 - 31)),
        },
    ];

    let mut expected_events = db.store.episode_history(worker, id).await.unwrap();
    let mut expected_audit = episode_audit(db, id).await;
    let mut from = S::Referred;
    for (i, step) in steps.iter().enumerate() {
        db.advance(Duration::days(step.advance_days));
        if let Action::MarkReleased { on } = step.action {
            assert_eq!(on, today(db), "released today by the test clock");
        }
        let version = 1 + i as i64;
        let outcome = db
            .store
            .act_on_episode(worker, id, version, &step.action)
            .await
            .unwrap_or_else(|e| panic!("step {i} ({}): {e}", step.action.kind()));
        assert_eq!(outcome.action, step.action.kind());
        assert_eq!((outcome.from, outcome.to), (from, step.to));
        assert_eq!(outcome.site, w.leeds.id);
        assert_eq!(outcome.summary, step.summary);
        assert_eq!(outcome.reason.as_deref(), step.reason);

        let e = db.store.episode(worker, id).await.unwrap();
        assert_eq!(
            e,
            Episode {
                id,
                person_id: person,
                site_id: w.leeds.id,
                state: step.to,
                source: ReferralSource::Probation,
                expected_release: release.clone(),
                released_on: step.released_on,
                returned_to_custody_on: None,
                extended_until: step.extended_until,
                linked_from: None,
                version: version + 1,
                created_at,
            },
            "after step {i}"
        );

        let history = db.store.episode_history(worker, id).await.unwrap();
        assert_eq!(
            history.len(),
            expected_events.len() + 1,
            "one event per step"
        );
        assert_eq!(history[..expected_events.len()], expected_events[..]);
        let ev = history.last().unwrap();
        assert!(ev.seq > expected_events.last().unwrap().seq);
        assert_eq!(ev.at, db.now());
        assert_eq!(ev.by_name, name);
        assert_eq!(ev.kind, "transition");
        assert_eq!(ev.from_state, Some(from));
        assert_eq!(ev.to_state, Some(step.to));
        assert_eq!(ev.summary, step.summary);
        assert_eq!(ev.reason.as_deref(), step.reason);
        expected_events = history;

        let audit = episode_audit(db, id).await;
        assert_eq!(
            audit.len(),
            expected_audit.len() + 1,
            "one audit row per step"
        );
        assert_eq!(audit[..expected_audit.len()], expected_audit[..]);
        let a = audit.last().unwrap();
        assert_eq!(a.action, "episode.transition");
        assert_eq!(a.record_type.as_deref(), Some("episode"));
        assert_eq!(a.site_id, Some(w.leeds.id));
        assert_eq!(a.person_id, Some(person));
        assert_eq!(a.actor_user_id, Some(worker.user_id()));
        assert_eq!(a.request_id, worker.meta.request_id);
        assert_eq!(a.at, db.now());
        assert_eq!(
            a.detail,
            Some(format!("{}: {} to {}", step.action.kind(), from, step.to))
        );
        expected_audit = audit;
        from = step.to;
    }
    assert_eq!(expected_events.len(), 1 + steps.len());
    assert_eq!(
        db.audit_events_for("episode.transition").await.len(),
        steps.len()
    );
    // The site manager sees the whole journey in the site's audit trail.
    let trail = db
        .store
        .site_audit(
            &w.leeds_manager,
            &reconnect_store::AuditFilter {
                person_id: Some(person),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let transitions = trail
        .iter()
        .filter(|a| a.action == "episode.transition")
        .count();
    assert_eq!(transitions, steps.len());
}

async fn illegal_actions_are_refused_and_change_nothing(db: &TestDb) {
    let w = world(db).await;
    let worker = &w.leeds_worker;
    let windows = SiteWindows::default();
    let t = today(db);
    let person = db.person(worker, w.leeds.prisons[0], "Dan", "Okafor").await;
    let id = db.episode(worker, person).await;

    // Whatever the domain refuses, the store refuses with the same message.
    let cases: Vec<(Vec<Action>, Action, Option<&str>)> = vec![
        (
            vec![],
            Action::StartCommunitySupport,
            Some("You cannot start community support for someone before their episode is accepted."),
        ),
        (
            vec![],
            close(ClosureReason::MovedAway),
            Some("A referral that has not been accepted cannot be closed. Decline it with a reason, or record that the person wants to stop."),
        ),
        (vec![], Action::Resume, None),
        (
            vec![Action::Accept],
            Action::Accept,
            Some("This referral has already been accepted."),
        ),
        (
            vec![],
            Action::MarkReleased {
                on: t + Duration::days(1),
            },
            Some("The release date cannot be in the future. Mark someone as released on or after the day they leave prison."),
        ),
        (
            vec![Action::MarkReleased { on: t }],
            Action::BeginSteppingDown,
            Some("Start community support before stepping down."),
        ),
        (
            vec![Action::StartCommunitySupport],
            close(ClosureReason::SupportCompleted),
            Some("Support can only be recorded as completed after stepping down. Begin stepping down first, or choose another reason."),
        ),
        (
            vec![],
            Action::ExtendCommunitySupport {
                until: t + Duration::days(30),
                reason: reason("More time"),
            },
            Some("The new end date must be after the current end of community support, 2 September 2026."),
        ),
        (
            vec![],
            Action::ReturnToCustody {
                on: t + Duration::days(1),
                recalled: false,
            },
            Some("The date they returned to custody cannot be in the future."),
        ),
        (
            vec![],
            Action::ReturnToCustody {
                on: t - Duration::days(1),
                recalled: false,
            },
            Some("The date they returned to custody cannot be before they were released on 2 March 2026."),
        ),
        (
            vec![close(ClosureReason::Died)],
            Action::Accept,
            Some("This episode is closed, so it cannot be changed. To support this person again, make a new referral: it will be linked to this episode."),
        ),
        (vec![], withdraw(), Some("This episode is closed, so it cannot be changed. To support this person again, make a new referral: it will be linked to this episode.")),
        (vec![], Action::TransferSite { to: w.hull.id, handover: handover("Notes") }, None),
    ];
    for (setup, action, message) in cases {
        for a in &setup {
            db.act(worker, id, a).await;
        }
        let episode = db.store.episode(worker, id).await.unwrap();
        let expected = domain_refusal(&episode, &action, t, &windows);
        if let Some(m) = message {
            assert_eq!(expected, m);
        }
        let before = everything(db).await;
        let history = db.store.episode_history(worker, id).await.unwrap();
        assert_refused(
            db.store
                .act_on_episode(worker, id, episode.version, &action)
                .await,
            &expected,
        );
        assert_eq!(everything(db).await, before, "{}", action.kind());
        assert_eq!(db.store.episode(worker, id).await.unwrap(), episode);
        assert_eq!(db.store.episode_history(worker, id).await.unwrap(), history);
    }
}

async fn stale_versions_change_nothing(db: &TestDb) {
    let w = world(db).await;
    let worker = &w.leeds_worker;
    let person = db.person(worker, w.leeds.prisons[0], "Dan", "Okafor").await;
    let id = db.episode(worker, person).await;
    db.act(worker, id, &Action::Accept).await;
    let current = db.store.episode(worker, id).await.unwrap();
    assert_eq!(current.version, 2);
    let before = everything(db).await;
    for version in [1, 0, -1, 3, i64::MAX] {
        assert_stale(
            db.store
                .act_on_episode(worker, id, version, &Action::StartEngagement)
                .await,
        );
        // Stale wins over the rules: nothing is checked against an old view.
        assert_stale(
            db.store
                .act_on_episode(worker, id, version, &Action::Accept)
                .await,
        );
        // Even a withdrawal: the person's choice is recorded against what is there now.
        assert_stale(
            db.store
                .act_on_episode(worker, id, version, &withdraw())
                .await,
        );
        assert_stale(
            db.store
                .change_expected_release(
                    worker,
                    id,
                    version,
                    &ReleaseDate::Known(today(db)),
                    &reason("Moved"),
                )
                .await,
        );
    }
    assert_eq!(everything(db).await, before);
    // The current version still works.
    db.store
        .act_on_episode(worker, id, 2, &Action::StartEngagement)
        .await
        .unwrap();
    assert_stale(
        db.store
            .act_on_episode(worker, id, 2, &Action::StartEngagement)
            .await,
    );
    assert_eq!(db.store.episode(worker, id).await.unwrap().version, 3);
}

async fn concurrent_actions_on_one_version_exactly_one_succeeds(db: &TestDb) {
    let w = world(db).await;
    for round in 0..6 {
        let person = db
            .person(
                &w.leeds_worker,
                w.leeds.prisons[0],
                "Race",
                &format!("R{round}"),
            )
            .await;
        let id = db.episode(&w.leeds_worker, person).await;
        let actions = [
            Action::Accept,
            Action::Decline {
                reason: DeclineReason::OutsideArea,
                note: None,
            },
        ];
        let callers = [w.leeds_worker.clone(), w.leeds_manager.clone()];
        let mut tasks = Vec::new();
        for (action, caller) in actions.iter().cloned().zip(callers) {
            let store = db.store.clone();
            tasks.push(tokio::spawn(async move {
                store.act_on_episode(&caller, id, 1, &action).await
            }));
        }
        let mut wins = Vec::new();
        let mut stale = 0;
        for (i, task) in tasks.into_iter().enumerate() {
            match task.await.unwrap() {
                Ok(outcome) => wins.push((i, outcome)),
                Err(StoreError::Stale) => stale += 1,
                Err(other) => panic!("round {round}: unexpected {other:?}"),
            }
        }
        assert_eq!(wins.len(), 1, "round {round}: exactly one wins");
        assert_eq!(stale, 1, "round {round}: the other is told it is stale");
        let (_, outcome) = &wins[0];
        let e = db.store.episode(&w.leeds_worker, id).await.unwrap();
        assert_eq!(e.version, 2);
        assert_eq!(e.state, outcome.to);
        let history = db.store.episode_history(&w.leeds_worker, id).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].to_state, Some(outcome.to));
        let audit = episode_audit(db, id).await;
        assert_eq!(
            audit
                .iter()
                .filter(|a| a.action == "episode.transition")
                .count(),
            1
        );
    }
}

async fn concurrent_actions_on_many_episodes_all_succeed(db: &TestDb) {
    // More writers at once than SQLite's pool has connections.
    let w = world(db).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let person = db
            .person(
                &w.leeds_worker,
                w.leeds.prisons[0],
                "Busy",
                &format!("B{i}"),
            )
            .await;
        ids.push(db.episode(&w.leeds_worker, person).await);
    }
    let mut tasks = Vec::new();
    for id in &ids {
        let (store, caller, id) = (db.store.clone(), w.leeds_worker.clone(), *id);
        tasks.push(tokio::spawn(async move {
            store.act_on_episode(&caller, id, 1, &Action::Accept).await
        }));
    }
    let mut failures = Vec::new();
    for task in tasks {
        if let Err(e) = task.await.unwrap() {
            failures.push(e.to_string());
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
    for id in ids {
        let e = db.store.episode(&w.leeds_worker, id).await.unwrap();
        assert_eq!((e.state, e.version), (EpisodeState::Accepted, 2));
    }
    assert_eq!(db.audit_events_for("episode.transition").await.len(), 12);
}

async fn concurrent_referrals_for_one_person_start_one_episode(db: &TestDb) {
    let w = world(db).await;
    for round in 0..3 {
        let person = db
            .person(
                &w.leeds_worker,
                w.leeds.prisons[0],
                "Twice",
                &format!("T{round}"),
            )
            .await;
        let mut tasks = Vec::new();
        for i in 0..6 {
            let store = db.store.clone();
            let caller = if i % 2 == 0 {
                w.leeds_worker.clone()
            } else {
                w.leeds_manager.clone()
            };
            tasks.push(tokio::spawn(async move {
                store
                    .start_episode(
                        &caller,
                        person,
                        ReferralSource::FamilyOrFriend,
                        &ReleaseDate::Known(date!(2026 - 04 - 01)),
                    )
                    .await
            }));
        }
        let mut started = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => started += 1,
                Err(StoreError::Refused(m)) => {
                    assert!(m.starts_with("This person already has an open episode (referred)"))
                }
                Err(other) => panic!("round {round}: unexpected {other:?}"),
            }
        }
        assert_eq!(started, 1, "round {round}: one open episode, not {started}");
        assert_eq!(
            db.store
                .episodes_of(&w.leeds_worker, person)
                .await
                .unwrap()
                .len(),
            1
        );
    }
    assert_eq!(db.audit_events_for("episode.create").await.len(), 3);
}

async fn withdraw_works_from_every_open_state(db: &TestDb) {
    let w = world(db).await;
    let worker = &w.leeds_worker;
    let person = db.person(worker, w.leeds.prisons[0], "Dan", "Okafor").await;
    let mut previous = None;
    for state in EpisodeState::ALL.into_iter().filter(|s| !s.is_terminal()) {
        let id = episode_in(db, worker, person, &path_to(state, today(db))).await;
        let e = db.store.episode(worker, id).await.unwrap();
        assert_eq!(e.state, state);
        assert_eq!(e.linked_from, previous);
        let outcome = db
            .store
            .act_on_episode(worker, id, e.version, &withdraw())
            .await
            .unwrap_or_else(|err| panic!("withdraw from {state}: {err}"));
        assert_eq!((outcome.from, outcome.to), (state, EpisodeState::Withdrawn));
        let after = db.store.episode(worker, id).await.unwrap();
        assert_eq!(after.state, EpisodeState::Withdrawn);
        assert_eq!(after.version, e.version + 1);
        // The dates recorded stay as they were.
        assert_eq!(after.released_on, e.released_on);
        assert_eq!(after.returned_to_custody_on, e.returned_to_custody_on);
        let last = db
            .store
            .episode_history(worker, id)
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(last.summary, "They chose to stop support");
        assert_eq!(last.reason, None);
        assert_eq!(last.from_state, Some(state));
        assert_eq!(last.to_state, Some(EpisodeState::Withdrawn));
        previous = Some(id);
    }
    // With a reason, kept as the person gave it (made safe, never refused).
    let id = db.episode(worker, person).await;
    let said = Reason::lenient("Too much going on\u{7} right now").unwrap();
    db.act(
        worker,
        id,
        &Action::Withdraw {
            reason: Some(said.clone()),
        },
    )
    .await;
    let last = db
        .store
        .episode_history(worker, id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(last.reason.as_deref(), Some("Too much going on  right now"));
    assert_eq!(
        db.audit_events_for("episode.transition")
            .await
            .iter()
            .filter(|a| a
                .detail
                .as_deref()
                .is_some_and(|d| d.starts_with("withdraw:")))
            .count(),
        8
    );
}

async fn return_to_custody_then_resume_or_release_again(db: &TestDb) {
    let w = world(db).await;
    let worker = &w.leeds_worker;
    let windows = SiteWindows::default();
    let person = db.person(worker, w.leeds.prisons[0], "Dan", "Okafor").await;
    let id = episode_in(
        db,
        worker,
        person,
        &[
            Action::Accept,
            Action::MarkReleased {
                on: date!(2026 - 03 - 02),
            },
            Action::StartCommunitySupport,
        ],
    )
    .await;

    db.advance(Duration::days(10)); // 12 March
    let o = db
        .act(
            worker,
            id,
            &Action::ReturnToCustody {
                on: date!(2026 - 03 - 11),
                recalled: true,
            },
        )
        .await;
    assert_eq!(o.summary, "Recalled to custody on 11 March 2026");
    let e = db.store.episode(worker, id).await.unwrap();
    assert_eq!(e.state, EpisodeState::ReturnedToCustody);
    assert_eq!(e.released_on, Some(date!(2026 - 03 - 02)));
    assert_eq!(e.returned_to_custody_on, Some(date!(2026 - 03 - 11)));

    // Released before the return: refused, and nothing changes.
    let early = Action::MarkReleased {
        on: date!(2026 - 03 - 10),
    };
    let message = domain_refusal(&e, &early, today(db), &windows);
    assert_eq!(
        message,
        "The release date cannot be before they returned to custody on 11 March 2026."
    );
    let before = everything(db).await;
    assert_refused(
        db.store.act_on_episode(worker, id, e.version, &early).await,
        &message,
    );
    assert_refused(
        db.store
            .act_on_episode(worker, id, e.version, &Action::StartCommunitySupport)
            .await,
        "They are back in custody. Mark them as released again before community support restarts.",
    );
    assert_eq!(everything(db).await, before);

    // Resume in custody, then released.
    let o = db.act(worker, id, &Action::Resume).await;
    assert_eq!(
        (o.from, o.to, o.summary.as_str()),
        (
            EpisodeState::ReturnedToCustody,
            EpisodeState::EngagedBeforeRelease,
            "Support resumed in custody"
        )
    );
    db.advance(Duration::days(30)); // 11 April
    let o = db
        .act(worker, id, &Action::MarkReleased { on: today(db) })
        .await;
    assert_eq!(o.summary, "Marked as released on 11 April 2026");
    db.act(worker, id, &Action::StartCommunitySupport).await;

    // Back in custody (not a recall), then released again straight from custody.
    db.advance(Duration::days(5)); // 16 April
    let o = db
        .act(
            worker,
            id,
            &Action::ReturnToCustody {
                on: today(db),
                recalled: false,
            },
        )
        .await;
    assert_eq!(o.summary, "Returned to custody on 16 April 2026");
    db.advance(Duration::days(20)); // 6 May
    let o = db
        .act(worker, id, &Action::MarkReleased { on: today(db) })
        .await;
    assert_eq!(
        (o.from, o.to, o.summary.as_str()),
        (
            EpisodeState::ReturnedToCustody,
            EpisodeState::Released,
            "Marked as released again on 6 May 2026"
        )
    );
    let e = db.store.episode(worker, id).await.unwrap();
    assert_eq!(e.released_on, Some(date!(2026 - 05 - 06)));
    assert_eq!(e.returned_to_custody_on, Some(date!(2026 - 04 - 16)));
    assert_eq!(e.version, 1 + 3 + 1 + 1 + 1 + 1 + 1 + 1);

    // Community support now runs from the latest release.
    db.act(worker, id, &Action::StartCommunitySupport).await;
    let e = db.store.episode(worker, id).await.unwrap();
    assert_refused(
        db.store
            .act_on_episode(
                worker,
                id,
                e.version,
                &Action::ExtendCommunitySupport {
                    until: date!(2026 - 11 - 01),
                    reason: reason("More time"),
                },
            )
            .await,
        "The new end date must be after the current end of community support, 6 November 2026.",
    );
    let states: Vec<_> = db
        .store
        .episode_history(worker, id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.to_state.unwrap())
        .collect();
    use EpisodeState as S;
    assert_eq!(
        states,
        [
            S::Referred,
            S::Accepted,
            S::Released,
            S::CommunitySupport,
            S::ReturnedToCustody,
            S::EngagedBeforeRelease,
            S::Released,
            S::CommunitySupport,
            S::ReturnedToCustody,
            S::Released,
            S::CommunitySupport,
        ]
    );
}

async fn transfer_moves_the_episode_and_the_person(db: &TestDb) {
    let w = world(db).await;
    let hull_manager = db.staff(Role::SiteManager, &[w.hull.id]).await;
    let leeds_mentor = db.staff(Role::PeerMentor, &[w.leeds.id]).await;
    let person = db
        .person(&w.leeds_worker, w.leeds.prisons[0], "Dan", "Okafor")
        .await;
    let earlier = episode_in(
        db,
        &w.leeds_worker,
        person,
        &path_to(EpisodeState::Withdrawn, today(db)),
    )
    .await;
    let id = episode_in(db, &w.leeds_worker, person, &[Action::Accept]).await;
    let stays = db
        .person(&w.leeds_worker, w.leeds.prisons[0], "Priya", "Shah")
        .await;
    let stays_episode = db.episode(&w.leeds_worker, stays).await;

    let note = "Moving in with his sister in Hull.\nPrefers mornings.";
    let outcome = db
        .store
        .act_on_episode(
            &w.leeds_worker,
            id,
            2,
            &Action::TransferSite {
                to: w.hull.id,
                handover: handover(note),
            },
        )
        .await
        .unwrap();
    assert_eq!(outcome.site, w.hull.id);
    assert_eq!(
        (outcome.from, outcome.to),
        (EpisodeState::Accepted, EpisodeState::Accepted)
    );

    // The old site's staff can no longer read or change either.
    for leeds in [&w.leeds_worker, &w.leeds_manager, &leeds_mentor] {
        assert_not_found(db.store.get_person(leeds, person).await);
        assert_not_found(db.store.episode(leeds, id).await);
        assert_not_found(db.store.episode(leeds, earlier).await);
        assert_not_found(db.store.episode_history(leeds, id).await);
        assert!(db
            .store
            .episodes_of(leeds, person)
            .await
            .unwrap()
            .is_empty());
    }
    assert_not_found(
        db.store
            .act_on_episode(&w.leeds_worker, id, 3, &Action::StartEngagement)
            .await,
    );
    assert_not_found(
        db.store
            .change_expected_release(
                &w.leeds_worker,
                id,
                3,
                &ReleaseDate::Known(today(db)),
                &reason("Moved"),
            )
            .await,
    );
    assert_not_found(
        db.store
            .start_episode(
                &w.leeds_worker,
                person,
                ReferralSource::Probation,
                &ReleaseDate::Known(today(db)),
            )
            .await,
    );
    // Their other people stay with them.
    assert_eq!(
        db.store
            .episode(&w.leeds_worker, stays_episode)
            .await
            .unwrap()
            .site_id,
        w.leeds.id
    );

    // The new site's staff take over, history and all.
    for hull in [&w.hull_worker, &hull_manager] {
        let p = db.store.get_person(hull, person).await.unwrap();
        assert_eq!(p.summary.site_id, w.hull.id);
        let e = db.store.episode(hull, id).await.unwrap();
        assert_eq!(e.site_id, w.hull.id);
        assert_eq!(e.state, EpisodeState::Accepted);
        assert_eq!(e.version, 3);
        let ids: Vec<_> = db
            .store
            .episodes_of(hull, person)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, [id, earlier]);
        let last = db
            .store
            .episode_history(hull, id)
            .await
            .unwrap()
            .pop()
            .unwrap();
        assert_eq!(last.summary, "Transferred to another site");
        assert_eq!(last.reason.as_deref(), Some(note));
        assert_eq!(last.from_state, Some(EpisodeState::Accepted));
        assert_eq!(last.to_state, Some(EpisodeState::Accepted));
        assert_not_found(db.store.episode(hull, stays_episode).await);
    }
    db.act(&w.hull_worker, id, &Action::StartEngagement).await;

    // Audited at the site it left, and that site's manager sees it.
    let transfer = db
        .audit_events_for("episode.transition")
        .await
        .into_iter()
        .find(|a| {
            a.detail
                .as_deref()
                .is_some_and(|d| d.starts_with("transfer_site:"))
        })
        .unwrap();
    assert_eq!(transfer.site_id, Some(w.leeds.id));
    assert_eq!(transfer.person_id, Some(person));
    assert_eq!(transfer.record_id, Some(id.to_string()));
    assert_eq!(transfer.actor_user_id, Some(w.leeds_worker.user_id()));
    let leeds_trail = db
        .store
        .site_audit(
            &w.leeds_manager,
            &reconnect_store::AuditFilter {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(leeds_trail.iter().any(|a| a.seq == transfer.seq));
}

async fn transfers_to_the_same_or_an_unknown_site_are_refused(db: &TestDb) {
    let w = world(db).await;
    let worker = &w.leeds_worker;
    let person = db.person(worker, w.leeds.prisons[0], "Dan", "Okafor").await;
    let id = episode_in(db, worker, person, &[Action::Accept]).await;
    let before = everything(db).await;
    assert_refused(
        db.store
            .act_on_episode(
                worker,
                id,
                2,
                &Action::TransferSite {
                    to: w.leeds.id,
                    handover: handover("Notes"),
                },
            )
            .await,
        "The episode is already with this site. Choose a different site to transfer to.",
    );
    assert_invalid(
        db.store
            .act_on_episode(
                worker,
                id,
                2,
                &Action::TransferSite {
                    to: SiteId::new(),
                    handover: handover("Notes"),
                },
            )
            .await,
        "to_site",
    );
    assert_eq!(everything(db).await, before);
    assert_eq!(
        db.store
            .get_person(worker, person)
            .await
            .unwrap()
            .summary
            .site_id,
        w.leeds.id
    );
    // A final episode cannot be transferred either.
    db.act(worker, id, &withdraw()).await;
    let before = everything(db).await;
    assert_refused(
        db.store
            .act_on_episode(
                worker,
                id,
                3,
                &Action::TransferSite {
                    to: w.hull.id,
                    handover: handover("Notes"),
                },
            )
            .await,
        "This person chose to stop support, so this episode cannot be changed. If they want support again, make a new referral: it will be linked to this episode.",
    );
    assert_eq!(everything(db).await, before);
}

async fn only_case_writers_at_the_site_change_episodes(db: &TestDb) {
    let w = world(db).await;
    let person = db
        .person(&w.leeds_worker, w.leeds.prisons[0], "Dan", "Okafor")
        .await;
    let id = db.episode(&w.leeds_worker, person).await;
    let release = ReleaseDate::Known(today(db));
    let mut callers = Vec::new();
    for role in Role::ALL {
        callers.push(db.staff(role, &[w.hull.id]).await);
        callers.push(db.staff(role, &[]).await);
        if !role.writes_cases() {
            callers.push(db.staff(role, &[w.leeds.id]).await);
            callers.push(db.staff(role, &[w.leeds.id, w.hull.id]).await);
        }
    }
    let before = everything(db).await;
    for caller in &callers {
        let role = caller.role();
        for action in [Action::Accept, withdraw()] {
            let r = db.store.act_on_episode(caller, id, 1, &action).await;
            if role.writes_cases() {
                assert_not_found(r);
            } else {
                assert_forbidden(r);
            }
        }
        let r = db
            .store
            .change_expected_release(caller, id, 1, &release, &reason("Moved"))
            .await;
        if role.writes_cases() {
            assert_not_found(r);
        } else {
            assert_forbidden(r);
        }
    }
    assert_eq!(everything(db).await, before);
    // The site's own writers can.
    db.act(&w.leeds_manager, id, &Action::Accept).await;
    db.act(&w.leeds_worker, id, &Action::StartEngagement).await;
    assert_eq!(
        db.store.episode(&w.leeds_worker, id).await.unwrap().version,
        3
    );
}

// ---- Expected release date ----------------------------------------------------

async fn expected_release_changes_keep_the_old_value(db: &TestDb) {
    let w = world(db).await;
    let worker = &w.leeds_worker;
    let person = db.person(worker, w.leeds.prisons[0], "Dan", "Okafor").await;
    let id = db
        .store
        .start_episode(
            worker,
            person,
            ReferralSource::Probation,
            &ReleaseDate::Known(date!(2026 - 06 - 01)),
        )
        .await
        .unwrap();
    db.act(worker, id, &Action::Accept).await;
    db.advance(Duration::days(3));
    let new = ReleaseDate::Known(date!(2026 - 07 - 15));
    db.store
        .change_expected_release(worker, id, 2, &new, &reason("  Parole hearing moved  "))
        .await
        .unwrap();
    let e = db.store.episode(worker, id).await.unwrap();
    assert_eq!(e.expected_release, new);
    assert_eq!(e.version, 3);
    assert_eq!(e.state, EpisodeState::Accepted, "the state is unchanged");

    let last = db
        .store
        .episode_history(worker, id)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(last.kind, "release_date");
    assert_eq!(
        last.summary,
        "Expected release changed from 1 June 2026 to 15 July 2026"
    );
    assert_eq!(last.reason.as_deref(), Some("Parole hearing moved"));
    assert_eq!((last.from_state, last.to_state), (None, None));
    assert_eq!(last.at, db.now());
    assert_eq!(last.by_name, display_name(db, worker).await);

    let audit = db.audit_events_for("episode.release_date").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].record_id, Some(id.to_string()));
    assert_eq!(audit[0].site_id, Some(w.leeds.id));
    assert_eq!(audit[0].person_id, Some(person));
    assert_eq!(audit[0].actor_user_id, Some(worker.user_id()));
    assert_eq!(audit[0].request_id, worker.meta.request_id);

    // Allowed in every open state, and the version moves on each time.
    let mut version = 3;
    for (i, a) in path_to(EpisodeState::ReturnedToCustody, today(db))
        .into_iter()
        .skip(1)
        .enumerate()
    {
        db.act(worker, id, &a).await;
        version += 1;
        let d = date!(2026 - 08 - 01) + Duration::days(i as i64);
        db.store
            .change_expected_release(
                worker,
                id,
                version,
                &ReleaseDate::Known(d),
                &reason("New date"),
            )
            .await
            .unwrap();
        version += 1;
        assert_eq!(db.store.episode(worker, id).await.unwrap().version, version);
    }
    let kinds: Vec<String> = db
        .store
        .episode_history(worker, id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "transition",
            "transition",
            "release_date",
            "transition",
            "release_date",
            "transition",
            "release_date",
        ]
    );
}

async fn expected_release_changes_refused_when_ended_or_stale(db: &TestDb) {
    let w = world(db).await;
    let worker = &w.leeds_worker;
    let person = db.person(worker, w.leeds.prisons[0], "Dan", "Okafor").await;
    let release = ReleaseDate::Known(date!(2026 - 09 - 01));
    for state in [
        EpisodeState::Declined,
        EpisodeState::Closed,
        EpisodeState::Withdrawn,
    ] {
        let id = episode_in(db, worker, person, &path_to(state, today(db))).await;
        let e = db.store.episode(worker, id).await.unwrap();
        assert_eq!(e.state, state);
        let before = everything(db).await;
        assert_refused(
            db.store
                .change_expected_release(worker, id, e.version, &release, &reason("New date"))
                .await,
            "This episode has ended, so its release date cannot change",
        );
        assert_stale(
            db.store
                .change_expected_release(worker, id, e.version - 1, &release, &reason("New date"))
                .await,
        );
        assert_eq!(everything(db).await, before, "{state}");
    }
    let id = db.episode(worker, person).await;
    db.store
        .change_expected_release(worker, id, 1, &release, &reason("New date"))
        .await
        .unwrap();
    let before = everything(db).await;
    assert_stale(
        db.store
            .change_expected_release(
                worker,
                id,
                1,
                &ReleaseDate::Known(today(db)),
                &reason("Again"),
            )
            .await,
    );
    assert_eq!(everything(db).await, before);
    assert_eq!(
        db.store.episode(worker, id).await.unwrap().expected_release,
        release
    );
}

// ---- Site windows ------------------------------------------------------------------

async fn site_windows_are_the_defaults_until_set(db: &TestDb) {
    let w = world(db).await;
    assert_eq!(
        db.store.site_windows(w.leeds.id).await.unwrap(),
        SiteWindows::default()
    );
    assert_eq!(
        db.store.site_windows(w.leeds.id).await.unwrap(),
        SiteWindows::new(12, 6, 28).unwrap()
    );
    // Even for a site id nobody has.
    assert_eq!(
        db.store.site_windows(SiteId::new()).await.unwrap(),
        SiteWindows::default()
    );
    assert_eq!(db.count_rows("site_settings").await, 0);
}

async fn site_windows_are_set_by_the_sites_own_manager_only(db: &TestDb) {
    let w = world(db).await;
    let hull_manager = db.staff(Role::SiteManager, &[w.hull.id]).await;
    let windows = SiteWindows::new(8, 9, 14).unwrap();
    let mut others = Vec::new();
    for role in Role::ALL.into_iter().filter(|r| *r != Role::SiteManager) {
        others.push(db.staff(role, &[w.leeds.id]).await);
        others.push(db.staff(role, &[w.leeds.id, w.hull.id]).await);
    }
    let no_site_manager = db.staff(Role::SiteManager, &[]).await;
    let before = everything(db).await;
    for caller in &others {
        assert_forbidden(db.store.set_site_windows(caller, w.leeds.id, windows).await);
    }
    for caller in [&hull_manager, &no_site_manager] {
        assert_not_found(db.store.set_site_windows(caller, w.leeds.id, windows).await);
    }
    assert_not_found(
        db.store
            .set_site_windows(&w.leeds_manager, SiteId::new(), windows)
            .await,
    );
    assert_eq!(everything(db).await, before);

    db.advance(Duration::minutes(5));
    db.store
        .set_site_windows(&w.leeds_manager, w.leeds.id, windows)
        .await
        .unwrap();
    assert_eq!(db.store.site_windows(w.leeds.id).await.unwrap(), windows);
    assert_eq!(
        db.store.site_windows(w.hull.id).await.unwrap(),
        SiteWindows::default()
    );

    let changed = SiteWindows::new(26, 24, 0).unwrap();
    db.store
        .set_site_windows(&w.leeds_manager, w.leeds.id, changed)
        .await
        .unwrap();
    assert_eq!(db.store.site_windows(w.leeds.id).await.unwrap(), changed);
    assert_eq!(db.count_rows("site_settings").await, 1);
    let stored: (i64, Option<String>) =
        sqlx::query_as("SELECT updated_at, updated_by FROM site_settings WHERE site_id = $1")
            .bind(w.leeds.id.to_string())
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(stored.1, Some(w.leeds_manager.user_id().to_string()));
    assert_eq!(stored.0, reconnect_domain::clock::to_millis(db.now()));

    let audit = db.audit_events_for("site.windows").await;
    let details: Vec<_> = audit.iter().map(|a| a.detail.clone().unwrap()).collect();
    assert_eq!(
        details,
        [
            "from 12 weeks before release, 6 months after, referrals until 28 days after \
             to 8 weeks before release, 9 months after, referrals until 14 days after",
            "from 8 weeks before release, 9 months after, referrals until 14 days after \
             to 26 weeks before release, 24 months after, referrals until 0 days after",
        ]
    );
    for a in &audit {
        assert_eq!(a.site_id, Some(w.leeds.id));
        assert_eq!(a.record_type.as_deref(), Some("site"));
        assert_eq!(a.record_id, Some(w.leeds.id.to_string()));
        assert_eq!(a.actor_user_id, Some(w.leeds_manager.user_id()));
        assert_eq!(a.request_id, w.leeds_manager.meta.request_id);
    }
    // In Leeds's trail, not Hull's.
    let filter = reconnect_store::AuditFilter {
        limit: 500,
        ..Default::default()
    };
    let leeds_trail = db
        .store
        .site_audit(&w.leeds_manager, &filter)
        .await
        .unwrap();
    assert_eq!(
        leeds_trail
            .iter()
            .filter(|a| a.action == "site.windows")
            .count(),
        2
    );
    let hull_trail = db.store.site_audit(&hull_manager, &filter).await.unwrap();
    assert!(hull_trail.iter().all(|a| a.action != "site.windows"));
}

async fn site_windows_shape_the_journey(db: &TestDb) {
    let w = world(db).await;
    let hull_manager = db.staff(Role::SiteManager, &[w.hull.id]).await;
    db.store
        .set_site_windows(
            &w.leeds_manager,
            w.leeds.id,
            SiteWindows::new(12, 9, 28).unwrap(),
        )
        .await
        .unwrap();
    // Released today, 2 March: community support ends on 2 December at Leeds
    // (9 months) and on 2 September at Hull (the default 6).
    let released = path_to(EpisodeState::CommunitySupport, today(db));
    let leeds_person = db
        .person(&w.leeds_worker, w.leeds.prisons[0], "Dan", "Okafor")
        .await;
    let leeds_ep = episode_in(db, &w.leeds_worker, leeds_person, &released).await;
    let hull_person = db
        .person(&w.hull_worker, w.hull.prisons[0], "Tom", "Baker")
        .await;
    let hull_ep = episode_in(db, &w.hull_worker, hull_person, &released).await;

    let extend = |until| Action::ExtendCommunitySupport {
        until,
        reason: reason("Needs longer"),
    };
    let october = extend(date!(2026 - 10 - 01));
    let before = everything(db).await;
    assert_refused(
        db.store
            .act_on_episode(&w.leeds_worker, leeds_ep, 4, &october)
            .await,
        "The new end date must be after the current end of community support, 2 December 2026.",
    );
    assert_eq!(everything(db).await, before);
    db.store
        .act_on_episode(&w.hull_worker, hull_ep, 4, &october)
        .await
        .unwrap();
    db.store
        .act_on_episode(&w.leeds_worker, leeds_ep, 4, &extend(date!(2026 - 12 - 03)))
        .await
        .unwrap();

    // A later change to the site's windows applies from then on.
    db.store
        .set_site_windows(
            &hull_manager,
            w.hull.id,
            SiteWindows::new(12, 12, 28).unwrap(),
        )
        .await
        .unwrap();
    assert_refused(
        db.store
            .act_on_episode(&w.hull_worker, hull_ep, 5, &extend(date!(2027 - 01 - 01)))
            .await,
        "The new end date must be after the current end of community support, 2 March 2027.",
    );

    // After a transfer, the new site's windows apply.
    let moving = db
        .person(&w.hull_worker, w.hull.prisons[0], "Priya", "Shah")
        .await;
    let moving_ep = episode_in(
        db,
        &w.hull_worker,
        moving,
        &path_to(EpisodeState::CommunitySupport, today(db)),
    )
    .await;
    db.store
        .set_site_windows(&hull_manager, w.hull.id, SiteWindows::default())
        .await
        .unwrap();
    db.act(
        &w.hull_worker,
        moving_ep,
        &Action::TransferSite {
            to: w.leeds.id,
            handover: handover("Moving to Leeds"),
        },
    )
    .await;
    assert_refused(
        db.store
            .act_on_episode(&w.leeds_worker, moving_ep, 5, &october)
            .await,
        "The new end date must be after the current end of community support, 2 December 2026.",
    );
}

// ---- History and scope -------------------------------------------------------

async fn episode_history_is_append_only(db: &TestDb) {
    let w = world(db).await;
    let worker = &w.leeds_worker;
    let person = db.person(worker, w.leeds.prisons[0], "Dan", "Okafor").await;
    let id = episode_in(
        db,
        worker,
        person,
        &[Action::Accept, Action::StartEngagement],
    )
    .await;
    let before = db.store.episode_history(worker, id).await.unwrap();
    assert_eq!(before.len(), 3);
    let seq = before[0].seq;

    let attempts = [
        (
            "UPDATE episode_event SET summary = 'tampered' WHERE seq = $1",
            true,
        ),
        ("UPDATE episode_event SET reason = NULL", false),
        (
            "UPDATE episode_event SET to_state = 'closed' WHERE seq = $1",
            true,
        ),
        ("DELETE FROM episode_event WHERE seq = $1", true),
        ("DELETE FROM episode_event", false),
    ];
    for (sql, with_seq) in attempts {
        let mut q = sqlx::query(sql);
        if with_seq {
            q = q.bind(seq);
        }
        assert!(q.execute(db.pool()).await.is_err(), "{sql} succeeded");
    }
    // Inside a transaction too.
    let mut tx = db.pool().begin().await.unwrap();
    assert!(sqlx::query("DELETE FROM episode_event")
        .execute(&mut *tx)
        .await
        .is_err());
    drop(tx);
    if db.engine() == reconnect_store::Engine::Postgres {
        assert!(sqlx::query("TRUNCATE episode_event CASCADE")
            .execute(db.pool())
            .await
            .is_err());
    }
    // Nor can the episode it belongs to be removed from under it.
    assert!(sqlx::query("DELETE FROM episode WHERE id = $1")
        .bind(id.to_string())
        .execute(db.pool())
        .await
        .is_err());

    assert_eq!(db.store.episode_history(worker, id).await.unwrap(), before);
    // Appending still works.
    db.act(worker, id, &withdraw()).await;
    let after = db.store.episode_history(worker, id).await.unwrap();
    assert_eq!(after.len(), 4);
    assert_eq!(after[..3], before[..]);
}

async fn reads_are_scoped_for_every_role(db: &TestDb) {
    let w = world(db).await;
    let leeds_person = db
        .person(&w.leeds_worker, w.leeds.prisons[0], "Dan", "Okafor")
        .await;
    let leeds_ep = episode_in(db, &w.leeds_worker, leeds_person, &[Action::Accept]).await;
    let hull_person = db
        .person(&w.hull_worker, w.hull.prisons[0], "Tom", "Baker")
        .await;
    let hull_earlier = episode_in(
        db,
        &w.hull_worker,
        hull_person,
        &path_to(EpisodeState::Declined, today(db)),
    )
    .await;
    let hull_ep = db.episode(&w.hull_worker, hull_person).await;
    let leeds_view = db.store.episode(&w.leeds_worker, leeds_ep).await.unwrap();
    let leeds_history = db
        .store
        .episode_history(&w.leeds_worker, leeds_ep)
        .await
        .unwrap();
    let mut callers = Vec::new();
    for role in Role::ALL {
        callers.push(("at Leeds", db.staff(role, &[w.leeds.id]).await));
        callers.push(("at no site", db.staff(role, &[]).await));
        if !role.reads_cases() {
            callers.push(("at both", db.staff(role, &[w.leeds.id, w.hull.id]).await));
        }
    }
    let before = everything(db).await;

    for (where_, caller) in &callers {
        let role = caller.role();
        let label = format!("{role} {where_}");
        let sees_leeds = role.reads_cases() && *where_ == "at Leeds";
        // Hull's episodes are never visible, however asked.
        for id in [hull_ep, hull_earlier] {
            assert_not_found(db.store.episode(caller, id).await);
            assert_not_found(db.store.episode_history(caller, id).await);
        }
        match db.store.episodes_of(caller, hull_person).await {
            Ok(list) => assert!(list.is_empty(), "{label}: {list:?}"),
            Err(e) => assert!(matches!(e, StoreError::NotFound), "{label}: {e:?}"),
        }
        // Guessed ids look like nothing at all.
        assert_not_found(db.store.episode(caller, EpisodeId::new()).await);
        assert_not_found(db.store.episode_history(caller, EpisodeId::new()).await);
        if sees_leeds {
            assert_eq!(
                db.store.episode(caller, leeds_ep).await.unwrap(),
                leeds_view,
                "{label}"
            );
            assert_eq!(
                db.store.episode_history(caller, leeds_ep).await.unwrap(),
                leeds_history,
                "{label}"
            );
            assert_eq!(
                db.store.episodes_of(caller, leeds_person).await.unwrap(),
                vec![leeds_view.clone()],
                "{label}"
            );
            assert!(db
                .store
                .episodes_of(caller, PersonId::new())
                .await
                .unwrap()
                .is_empty());
        } else {
            assert_not_found(db.store.episode(caller, leeds_ep).await);
            assert_not_found(db.store.episode_history(caller, leeds_ep).await);
            assert_not_found(db.store.episodes_of(caller, leeds_person).await);
            assert_not_found(db.store.episodes_of(caller, PersonId::new()).await);
        }
    }
    // Reading changed nothing.
    assert_eq!(everything(db).await, before);
    // And Hull's own staff see exactly Hull's.
    let hull_list: Vec<_> = db
        .store
        .episodes_of(&w.hull_worker, hull_person)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(hull_list, [hull_ep, hull_earlier]);
    assert_not_found(db.store.episode(&w.hull_worker, leeds_ep).await);
}

async fn guessed_ids_are_not_found(db: &TestDb) {
    let w = world(db).await;
    let person = db
        .person(&w.leeds_worker, w.leeds.prisons[0], "Dan", "Okafor")
        .await;
    db.episode(&w.leeds_worker, person).await;
    let before = everything(db).await;
    for caller in [&w.leeds_worker, &w.leeds_manager] {
        let guess = EpisodeId::new();
        assert_not_found(db.store.episode(caller, guess).await);
        assert_not_found(db.store.episode_history(caller, guess).await);
        assert_not_found(
            db.store
                .act_on_episode(caller, guess, 1, &Action::Accept)
                .await,
        );
        assert_not_found(db.store.act_on_episode(caller, guess, 1, &withdraw()).await);
        assert_not_found(
            db.store
                .change_expected_release(
                    caller,
                    guess,
                    1,
                    &ReleaseDate::Known(today(db)),
                    &reason("Moved"),
                )
                .await,
        );
        // A person's id is not an episode's.
        let as_episode = EpisodeId(person.0);
        assert_not_found(db.store.episode(caller, as_episode).await);
        assert!(db
            .store
            .episodes_of(caller, PersonId::new())
            .await
            .unwrap()
            .is_empty());
    }
    assert_eq!(everything(db).await, before);
}
