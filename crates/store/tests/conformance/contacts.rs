//! Contacts, appointments and case notes: child records of an episode,
//! reached only through it (so only at the person's site), audited in the
//! same transaction, append-only where they are history, versioned where
//! they change, and sensitive notes read only by the allocated worker, the
//! site's managers and their author.

use super::{assert_forbidden, assert_not_found};
use reconnect_domain::appointment::{
    AppointmentAction, AppointmentDetails, AppointmentState, AskedBy, Attendance, DnaReason,
};
use reconnect_domain::contact::{ContactDetails, ContactKind};
use reconnect_domain::episode::{Action, Reason};
use reconnect_domain::id::{AppointmentId, CaseNoteId, ContactId};
use reconnect_domain::{Caller, EpisodeId, Role};
use reconnect_store::case_notes::{NoteContent, NoteInput};
use reconnect_store::testing::{TestDb, TestSite};
use reconnect_store::StoreError;
use time::{Duration, OffsetDateTime};

on_both_engines!(
    child_records_are_scoped_through_the_parent_episode,
    contacts_are_logged_corrected_and_kept,
    sensitive_notes_are_read_only_by_those_allowed,
    notes_are_corrected_by_superseding,
    history_tables_are_append_only,
    attendance_is_recorded_once_and_not_in_the_future,
    rescheduling_keeps_the_old_appointment,
    stale_and_repeated_submissions_change_nothing,
    next_appointments_and_my_calendar,
    ended_episodes_take_no_new_appointments,
    activity_is_a_dated_timeline_of_what_the_caller_may_see,
);

struct World {
    leeds: TestSite,
    worker: Caller,
    other_worker: Caller,
    manager: Caller,
    mentor: Caller,
    hull_worker: Caller,
    episode: EpisodeId,
}

async fn world(db: &TestDb) -> World {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    let other_worker = db.staff(Role::Worker, &[leeds.id]).await;
    let manager = db.staff(Role::SiteManager, &[leeds.id]).await;
    let mentor = db.staff(Role::PeerMentor, &[leeds.id]).await;
    let hull_worker = db.staff(Role::Worker, &[hull.id]).await;
    let person = db
        .person(&worker, leeds.prisons[0], "Ada", "Lovelace")
        .await;
    let episode = db.episode(&worker, person).await;
    db.act(&worker, episode, &Action::Accept).await;
    allocate(db, episode, &worker, Some(&mentor)).await;
    World {
        leeds,
        worker,
        other_worker,
        manager,
        mentor,
        hull_worker,
        episode,
    }
}

/// Allocates the episode with plain SQL (the allocation slice owns the logic).
async fn allocate(db: &TestDb, episode: EpisodeId, worker: &Caller, mentor: Option<&Caller>) {
    sqlx::query(
        "INSERT INTO allocation (id, episode_id, worker_id, mentor_id, started_at, started_by) \
         VALUES ($1, $2, $3, $4, $5, $3)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(episode.to_string())
    .bind(worker.user_id().to_string())
    .bind(mentor.map(|m| m.user_id().to_string()))
    .bind(0_i64)
    .execute(db.pool())
    .await
    .unwrap();
}

fn contact(now: OffsetDateTime, summary: &str) -> ContactDetails {
    ContactDetails {
        kind: ContactKind::InPrisonVisit,
        at: now - Duration::hours(1),
        two_way: true,
        summary: summary.into(),
    }
}

fn appointment(at: OffsetDateTime) -> AppointmentDetails {
    AppointmentDetails {
        what: "Housing options with the council".into(),
        location: "Civic Hall".into(),
        starts_at: at,
    }
}

fn note(body: &str, sensitive: bool) -> NoteInput {
    NoteInput {
        body: body.into(),
        sensitive,
    }
}

fn reason(s: &str) -> Reason {
    Reason::parse(s, "a reason").unwrap()
}

async fn child_records_are_scoped_through_the_parent_episode(db: &TestDb) {
    let w = world(db).await;
    let now = db.now();
    let ep = w.episode;
    let outsiders = [
        w.hull_worker.clone(),
        db.staff(Role::Worker, &[]).await,
        reconnect_store::testing::caller_for(w.worker.user_id(), Role::Worker, &[]),
    ];
    let guessed = EpisodeId::new();
    for who in &outsiders {
        for e in [ep, guessed] {
            assert_not_found(
                db.store
                    .log_contact(who, e, ContactId::new(), &contact(now, "x"))
                    .await,
            );
            assert_not_found(db.store.contacts(who, e).await);
            assert_not_found(
                db.store
                    .add_case_note(who, e, CaseNoteId::new(), &note("x", false))
                    .await,
            );
            assert_not_found(db.store.case_notes(who, e).await);
            assert_not_found(
                db.store
                    .book_appointment(who, e, AppointmentId::new(), &appointment(now))
                    .await,
            );
            assert_not_found(db.store.appointments(who, e).await);
        }
    }
    // Readers who do not write are refused writes, and read what is there.
    assert_forbidden(
        db.store
            .log_contact(&w.mentor, ep, ContactId::new(), &contact(now, "x"))
            .await,
    );
    assert_forbidden(
        db.store
            .add_case_note(&w.mentor, ep, CaseNoteId::new(), &note("x", false))
            .await,
    );
    // Aggregate roles see nothing.
    let lead = db.staff(Role::NationalLead, &[w.leeds.id]).await;
    assert_not_found(db.store.contacts(&lead, ep).await);

    // A real child record under the wrong (or another site's) episode is not found.
    let a = AppointmentId::new();
    db.store
        .book_appointment(&w.worker, ep, a, &appointment(now + Duration::days(1)))
        .await
        .unwrap();
    assert_not_found(db.store.appointment(&w.worker, guessed, a).await);
    assert_not_found(db.store.appointment(&w.hull_worker, ep, a).await);
    let cancel = AppointmentAction::Cancel {
        reason: "No longer needed".into(),
    };
    assert_not_found(
        db.store
            .act_on_appointment(&w.hull_worker, ep, a, 1, &cancel, AppointmentId::new())
            .await,
    );
    assert_eq!(db.store.appointments(&w.mentor, ep).await.unwrap().len(), 1);
    assert_eq!(db.count_rows("contact").await, 0);
    assert_eq!(db.count_rows("case_note").await, 0);
}

async fn contacts_are_logged_corrected_and_kept(db: &TestDb) {
    let w = world(db).await;
    let now = db.now();
    let first = ContactId::new();
    db.store
        .log_contact(
            &w.worker,
            w.episode,
            first,
            &contact(now, "Visited on the wing"),
        )
        .await
        .unwrap();
    let fixed = ContactId::new();
    let mut corrected = contact(now, "Visited in the visits hall");
    corrected.two_way = false;
    db.store
        .correct_contact(
            &w.worker,
            w.episode,
            first,
            fixed,
            &corrected,
            &reason("Wrong place"),
        )
        .await
        .unwrap();
    let list = db.store.contacts(&w.mentor, w.episode).await.unwrap();
    assert_eq!(list.len(), 2);
    let old = list.iter().find(|c| c.id == first).unwrap();
    let new = list.iter().find(|c| c.id == fixed).unwrap();
    assert_eq!(old.superseded_by, Some(fixed));
    assert!(!old.is_current());
    assert_eq!(new.supersedes, Some(first));
    assert_eq!(new.correction_reason.as_deref(), Some("Wrong place"));
    assert!(!new.details.two_way);
    // The first one cannot be corrected again: the latest version can.
    assert!(matches!(
        db.store
            .correct_contact(
                &w.worker,
                w.episode,
                first,
                ContactId::new(),
                &corrected,
                &reason("Again")
            )
            .await,
        Err(StoreError::Stale)
    ));
    let audit = db.audit_events_for("contact.create").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].site_id, Some(w.leeds.id));
    assert_eq!(
        audit[0].record_id.as_deref(),
        Some(first.to_string().as_str())
    );
    assert!(audit[0].person_id.is_some());
    assert_eq!(db.audit_events_for("contact.correct").await.len(), 1);
    assert_eq!(db.audit_events_for("contact.list").await.len(), 1);
    // The audit never holds what was said.
    assert!(db.audit_events().await.iter().all(|e| !e
        .detail
        .clone()
        .unwrap_or_default()
        .contains("visits hall")));
}

async fn sensitive_notes_are_read_only_by_those_allowed(db: &TestDb) {
    let w = world(db).await;
    let id = CaseNoteId::new();
    // Written by the site manager, so "author" and "allocated" are different people.
    db.store
        .add_case_note(
            &w.manager,
            w.episode,
            id,
            &note("Disclosed a risk at home", true),
        )
        .await
        .unwrap();
    db.store
        .add_case_note(
            &w.other_worker,
            w.episode,
            CaseNoteId::new(),
            &note("Prefers mornings", false),
        )
        .await
        .unwrap();
    let sees = |notes: &[reconnect_store::case_notes::CaseNote]| {
        let n = notes.iter().find(|n| n.id == id).unwrap();
        assert!(n.sensitive);
        matches!(&n.content, NoteContent::Visible { body, .. } if body == "Disclosed a risk at home")
    };
    assert!(
        sees(&db.store.case_notes(&w.worker, w.episode).await.unwrap()),
        "allocated worker"
    );
    assert!(
        sees(&db.store.case_notes(&w.manager, w.episode).await.unwrap()),
        "site manager"
    );
    let other = db
        .store
        .case_notes(&w.other_worker, w.episode)
        .await
        .unwrap();
    assert!(!sees(&other), "another worker at the site");
    let withheld = other.iter().find(|n| n.id == id).unwrap();
    assert_eq!(withheld.content, NoteContent::Withheld);
    assert!(!withheld.by_name.is_empty());
    assert!(!withheld.may_correct);
    assert!(
        !sees(&db.store.case_notes(&w.mentor, w.episode).await.unwrap()),
        "peer mentor"
    );
    // Nor one at a time, nor can they correct it.
    assert_eq!(
        db.store
            .case_note(&w.other_worker, w.episode, id)
            .await
            .unwrap()
            .content,
        NoteContent::Withheld
    );
    assert_forbidden(
        db.store
            .correct_case_note(
                &w.other_worker,
                w.episode,
                id,
                CaseNoteId::new(),
                &note("x", false),
                &reason("x"),
            )
            .await,
    );
    // The non-sensitive note is readable by everyone at the site.
    assert!(other.iter().any(
        |n| matches!(&n.content, NoteContent::Visible { body, .. } if body == "Prefers mornings")
    ));
    let list = db.audit_events_for("case_note.list").await;
    assert_eq!(list.len(), 4);
    assert!(list[2].detail.as_deref().unwrap().contains("1 withheld"));
}

async fn notes_are_corrected_by_superseding(db: &TestDb) {
    let w = world(db).await;
    let first = CaseNoteId::new();
    db.store
        .add_case_note(
            &w.worker,
            w.episode,
            first,
            &note("Met at the gate at 8", false),
        )
        .await
        .unwrap();
    db.advance(Duration::minutes(5));
    let second = CaseNoteId::new();
    db.store
        .correct_case_note(
            &w.worker,
            w.episode,
            first,
            second,
            &note("Met at the gate at 9", false),
            &reason("Wrong time"),
        )
        .await
        .unwrap();
    let notes = db.store.case_notes(&w.worker, w.episode).await.unwrap();
    assert_eq!(notes[0].id, second, "newest first");
    assert_eq!(notes[0].supersedes, Some(first));
    assert!(notes[0].may_correct);
    assert_eq!(notes[1].superseded_by, Some(second));
    assert!(!notes[1].may_correct);
    assert!(
        matches!(&notes[1].content, NoteContent::Visible { body, .. } if body.ends_with("at 8"))
    );
    // Only the author or a manager corrects; the old version is stale.
    assert_forbidden(
        db.store
            .correct_case_note(
                &w.other_worker,
                w.episode,
                second,
                CaseNoteId::new(),
                &note("x", false),
                &reason("x"),
            )
            .await,
    );
    db.store
        .correct_case_note(
            &w.manager,
            w.episode,
            second,
            CaseNoteId::new(),
            &note("Met at the gate at 9:15", false),
            &reason("Exact time"),
        )
        .await
        .unwrap();
    assert!(matches!(
        db.store
            .correct_case_note(
                &w.worker,
                w.episode,
                first,
                CaseNoteId::new(),
                &note("x", false),
                &reason("x")
            )
            .await,
        Err(StoreError::Stale)
    ));
    assert_eq!(db.count_rows("case_note").await, 3);
    assert_eq!(db.audit_events_for("case_note.correct").await.len(), 2);
}

async fn history_tables_are_append_only(db: &TestDb) {
    let w = world(db).await;
    let now = db.now();
    db.store
        .log_contact(&w.worker, w.episode, ContactId::new(), &contact(now, "x"))
        .await
        .unwrap();
    db.store
        .add_case_note(&w.worker, w.episode, CaseNoteId::new(), &note("x", true))
        .await
        .unwrap();
    db.store
        .book_appointment(
            &w.worker,
            w.episode,
            AppointmentId::new(),
            &appointment(now + Duration::days(1)),
        )
        .await
        .unwrap();
    for sql in [
        "UPDATE contact SET summary = 'tampered'",
        "DELETE FROM contact",
        "UPDATE case_note SET body = 'tampered'",
        "UPDATE case_note SET sensitive = 'no'",
        "DELETE FROM case_note",
        "UPDATE appointment_event SET summary = 'tampered'",
        "DELETE FROM appointment_event",
    ] {
        assert!(
            sqlx::query(sql).execute(db.pool()).await.is_err(),
            "{sql} succeeded"
        );
    }
    if db.engine() == reconnect_store::Engine::Postgres {
        for t in ["contact", "case_note", "appointment_event"] {
            assert!(sqlx::query(&format!("TRUNCATE {t} CASCADE"))
                .execute(db.pool())
                .await
                .is_err());
        }
    }
    assert_eq!(db.count_rows("contact").await, 1);
    assert_eq!(db.count_rows("case_note").await, 1);
    assert_eq!(db.count_rows("appointment_event").await, 1);
}

async fn attendance_is_recorded_once_and_not_in_the_future(db: &TestDb) {
    let w = world(db).await;
    let now = db.now();
    let a = AppointmentId::new();
    db.store
        .book_appointment(
            &w.worker,
            w.episode,
            a,
            &appointment(now + Duration::hours(2)),
        )
        .await
        .unwrap();
    let dna = AppointmentAction::RecordAttendance {
        attendance: Attendance::DidNotAttend,
        dna_reason: Some(DnaReason::Logistics),
    };
    match db
        .store
        .act_on_appointment(&w.worker, w.episode, a, 1, &dna, AppointmentId::new())
        .await
    {
        Err(StoreError::Refused(why)) => assert!(why.contains("not started yet"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    db.advance(Duration::hours(3));
    assert_eq!(
        db.store
            .act_on_appointment(&w.worker, w.episode, a, 1, &dna, AppointmentId::new())
            .await
            .unwrap(),
        AppointmentState::DidNotAttend
    );
    let got = db.store.appointment(&w.worker, w.episode, a).await.unwrap();
    assert_eq!(got.state, AppointmentState::DidNotAttend);
    assert_eq!(got.dna_reason, Some(DnaReason::Logistics));
    assert_eq!(got.version, 2);
    // Once recorded, it does not change.
    let late = AppointmentAction::RecordAttendance {
        attendance: Attendance::Late,
        dna_reason: None,
    };
    assert!(matches!(
        db.store
            .act_on_appointment(&w.worker, w.episode, a, 2, &late, AppointmentId::new())
            .await,
        Err(StoreError::Refused(_))
    ));
    let history = db
        .store
        .appointment_history(&w.worker, w.episode, a)
        .await
        .unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[1].2.contains("Did not attend"));
    let audit = db.audit_events_for("appointment.attendance").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].detail.as_deref(), Some("did_not_attend"));
}

async fn rescheduling_keeps_the_old_appointment(db: &TestDb) {
    let w = world(db).await;
    let now = db.now();
    let a = AppointmentId::new();
    db.store
        .book_appointment(
            &w.worker,
            w.episode,
            a,
            &appointment(now + Duration::days(1)),
        )
        .await
        .unwrap();
    let b = AppointmentId::new();
    let action = AppointmentAction::Reschedule {
        starts_at: now + Duration::days(3),
        location: Some("Phone call".into()),
        reason: "Has a probation appointment then".into(),
        asked_by: AskedBy::Person,
    };
    db.store
        .act_on_appointment(&w.worker, w.episode, a, 1, &action, b)
        .await
        .unwrap();
    let list = db.store.appointments(&w.worker, w.episode).await.unwrap();
    assert_eq!(list.len(), 2);
    let old = list.iter().find(|x| x.id == a).unwrap();
    let new = list.iter().find(|x| x.id == b).unwrap();
    assert_eq!(old.state, AppointmentState::Rescheduled);
    assert_eq!(old.rescheduled_to, Some(b));
    assert_eq!(old.asked_by, Some(AskedBy::Person));
    assert_eq!(
        old.reason.as_deref(),
        Some("Has a probation appointment then")
    );
    assert_eq!(old.details.location, "Civic Hall");
    assert_eq!(new.state, AppointmentState::Booked);
    assert_eq!(new.rescheduled_from, Some(a));
    assert_eq!(new.details.location, "Phone call");
    assert_eq!(new.details.what, old.details.what);
    assert_eq!(new.details.starts_at, now + Duration::days(3));
    // Cancelling the new one keeps it too, with why.
    db.store
        .act_on_appointment(
            &w.worker,
            w.episode,
            b,
            1,
            &AppointmentAction::Cancel {
                reason: "Moved away".into(),
            },
            AppointmentId::new(),
        )
        .await
        .unwrap();
    let b_now = db.store.appointment(&w.worker, w.episode, b).await.unwrap();
    assert_eq!(b_now.state, AppointmentState::Cancelled);
    assert_eq!(b_now.reason.as_deref(), Some("Moved away"));
    assert_eq!(db.audit_events_for("appointment.reschedule").await.len(), 1);
    assert_eq!(db.audit_events_for("appointment.cancel").await.len(), 1);
    assert_eq!(db.count_rows("appointment_event").await, 4);
}

async fn stale_and_repeated_submissions_change_nothing(db: &TestDb) {
    let w = world(db).await;
    let now = db.now();
    let a = AppointmentId::new();
    let details = appointment(now + Duration::days(1));
    db.store
        .book_appointment(&w.worker, w.episode, a, &details)
        .await
        .unwrap();
    // The same form sent twice books once.
    db.store
        .book_appointment(&w.worker, w.episode, a, &details)
        .await
        .unwrap();
    assert_eq!(db.count_rows("appointment").await, 1);
    let c = ContactId::new();
    db.store
        .log_contact(&w.worker, w.episode, c, &contact(now, "x"))
        .await
        .unwrap();
    db.store
        .log_contact(&w.worker, w.episode, c, &contact(now, "x"))
        .await
        .unwrap();
    assert_eq!(db.count_rows("contact").await, 1);
    assert_eq!(db.audit_events_for("contact.create").await.len(), 1);
    // Someone else's id is not taken over.
    assert!(matches!(
        db.store
            .log_contact(&w.manager, w.episode, c, &contact(now, "y"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    // Two people acting on one version: the second is told.
    let cancel = AppointmentAction::Cancel {
        reason: "Not needed".into(),
    };
    let move_it = AppointmentAction::Reschedule {
        starts_at: now + Duration::days(2),
        location: None,
        reason: "Clash".into(),
        asked_by: AskedBy::Worker,
    };
    db.store
        .act_on_appointment(&w.worker, w.episode, a, 1, &cancel, AppointmentId::new())
        .await
        .unwrap();
    assert!(matches!(
        db.store
            .act_on_appointment(&w.manager, w.episode, a, 1, &move_it, AppointmentId::new())
            .await,
        Err(StoreError::Stale)
    ));
    assert_eq!(
        db.count_rows("appointment").await,
        1,
        "no half-made replacement"
    );
    assert_eq!(db.count_rows("appointment_event").await, 2);
}

async fn next_appointments_and_my_calendar(db: &TestDb) {
    let w = world(db).await;
    let now = db.now();
    let soon = AppointmentId::new();
    let later = AppointmentId::new();
    db.store
        .book_appointment(
            &w.manager,
            w.episode,
            later,
            &appointment(now + Duration::days(5)),
        )
        .await
        .unwrap();
    db.store
        .book_appointment(
            &w.manager,
            w.episode,
            soon,
            &appointment(now + Duration::days(2)),
        )
        .await
        .unwrap();
    db.store
        .book_appointment(
            &w.manager,
            w.episode,
            AppointmentId::new(),
            &appointment(now - Duration::days(2)),
        )
        .await
        .unwrap();
    // A second episode nobody is allocated to, booked by the other worker.
    let person = db
        .person(&w.other_worker, w.leeds.prisons[0], "Grace", "Hopper")
        .await;
    let other_ep = db.episode(&w.other_worker, person).await;
    db.store
        .book_appointment(
            &w.other_worker,
            other_ep,
            AppointmentId::new(),
            &appointment(now + Duration::days(1)),
        )
        .await
        .unwrap();

    let next = db
        .store
        .next_appointments(&w.worker, &[w.episode, other_ep, EpisodeId::new()], now)
        .await
        .unwrap();
    assert_eq!(next.len(), 2);
    assert_eq!(next[&w.episode].id, soon);
    assert!(db
        .store
        .next_appointments(&w.hull_worker, &[w.episode], now)
        .await
        .unwrap()
        .is_empty());

    // The allocated worker sees their person's appointments; the mentor too;
    // the other worker sees the one they booked.
    let week = db
        .store
        .my_appointments(&w.worker, now - Duration::days(7), now + Duration::days(7))
        .await
        .unwrap();
    assert_eq!(week.len(), 3);
    assert!(week
        .windows(2)
        .all(|p| p[0].appointment.details.starts_at <= p[1].appointment.details.starts_at));
    assert_eq!(week[0].family_name, "Lovelace");
    assert_eq!(
        db.store
            .my_appointments(&w.mentor, now, now + Duration::days(7))
            .await
            .unwrap()
            .len(),
        2
    );
    let theirs = db
        .store
        .my_appointments(&w.other_worker, now, now + Duration::days(7))
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].family_name, "Hopper");
    assert!(db
        .store
        .my_appointments(&w.hull_worker, now, now + Duration::days(7))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(db.audit_events_for("appointment.calendar").await.len(), 4);
}

async fn ended_episodes_take_no_new_appointments(db: &TestDb) {
    let w = world(db).await;
    let now = db.now();
    let a = AppointmentId::new();
    db.store
        .book_appointment(
            &w.worker,
            w.episode,
            a,
            &appointment(now + Duration::days(1)),
        )
        .await
        .unwrap();
    db.act(&w.worker, w.episode, &Action::Withdraw { reason: None })
        .await;
    match db
        .store
        .book_appointment(
            &w.worker,
            w.episode,
            AppointmentId::new(),
            &appointment(now + Duration::days(2)),
        )
        .await
    {
        Err(StoreError::Refused(why)) => assert!(why.contains("has ended"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // What was booked can still be cancelled, and notes still added.
    db.store
        .act_on_appointment(
            &w.worker,
            w.episode,
            a,
            1,
            &AppointmentAction::Cancel {
                reason: "Chose to stop support".into(),
            },
            AppointmentId::new(),
        )
        .await
        .unwrap();
    db.store
        .add_case_note(
            &w.worker,
            w.episode,
            CaseNoteId::new(),
            &note("Closing note", false),
        )
        .await
        .unwrap();
}

async fn activity_is_a_dated_timeline_of_what_the_caller_may_see(db: &TestDb) {
    use reconnect_store::episode_activity::ActivityKind;
    let w = world(db).await;
    let now = db.now();
    let c = ContactId::new();
    db.store
        .log_contact(&w.worker, w.episode, c, &contact(now, "First chat"))
        .await
        .unwrap();
    db.store
        .correct_contact(
            &w.worker,
            w.episode,
            c,
            ContactId::new(),
            &contact(now, "First chat, corrected"),
            &reason("Typo"),
        )
        .await
        .unwrap();
    db.store
        .book_appointment(
            &w.worker,
            w.episode,
            AppointmentId::new(),
            &appointment(now + Duration::days(2)),
        )
        .await
        .unwrap();
    db.advance(Duration::minutes(1));
    db.store
        .add_case_note(
            &w.worker,
            w.episode,
            CaseNoteId::new(),
            &note("Private matter", true),
        )
        .await
        .unwrap();
    let mine = db
        .store
        .episode_activity(&w.worker, w.episode)
        .await
        .unwrap();
    assert_eq!(mine.len(), 3, "a corrected contact appears once");
    assert_eq!(mine[0].kind, ActivityKind::Appointment, "newest first");
    assert!(mine.iter().all(|e| !e.summary.contains("First chat:")));
    assert!(mine.iter().any(|e| e.summary.contains("Private matter")));
    let theirs = db
        .store
        .episode_activity(&w.other_worker, w.episode)
        .await
        .unwrap();
    assert!(theirs.iter().all(|e| !e.summary.contains("Private matter")));
    assert!(theirs
        .iter()
        .any(|e| e.summary.starts_with("Sensitive case note")));
    assert_not_found(db.store.episode_activity(&w.hull_worker, w.episode).await);
    // Each read is one audit event saying how much it showed; the refused
    // read wrote none.
    let audit = db.audit_events_for("activity.view").await;
    assert_eq!(audit.len(), 2);
    assert!(audit
        .iter()
        .all(|e| e.record_id.as_deref() == Some(w.episode.to_string().as_str())));
    assert!(audit.iter().any(|e| e
        .detail
        .as_deref()
        .is_some_and(|d| d.contains("(1 withheld as sensitive)"))));
}
