//! A person's timeline: every episode's changes, contacts, appointments and
//! case notes, newest first, showing only what the caller may see.

use super::assert_not_found;
use reconnect_domain::contact::{ContactDetails, ContactKind};
use reconnect_domain::episode::Action;
use reconnect_domain::id::{CaseNoteId, ContactId};
use reconnect_domain::{PersonId, Role};
use reconnect_store::case_notes::NoteInput;
use reconnect_store::testing::TestDb;
use reconnect_store::timeline::TimelineKind;
use time::Duration;

on_both_engines!(
    the_timeline_holds_everything_newest_first,
    the_timeline_is_scoped_like_the_record,
);

async fn the_timeline_holds_everything_newest_first(db: &TestDb) {
    let site = db.site("Leeds", &["HMP Leeds"]).await;
    let worker = db.staff(Role::Worker, &[site.id]).await;
    let other = db.staff(Role::Worker, &[site.id]).await;
    let person = db.person(&worker, site.prisons[0], "Ada", "Lovelace").await;
    let episode = db.episode(&worker, person).await;
    db.advance(Duration::minutes(1));
    db.act(&worker, episode, &Action::Accept).await;
    db.advance(Duration::minutes(1));
    let now = db.now();
    db.store
        .log_contact(
            &worker,
            episode,
            ContactId::new(),
            &ContactDetails {
                kind: ContactKind::InPrisonVisit,
                at: now,
                two_way: true,
                summary: "Met on the wing".into(),
            },
        )
        .await
        .unwrap();
    db.advance(Duration::minutes(1));
    db.store
        .add_case_note(
            &worker,
            episode,
            CaseNoteId::new(),
            &NoteInput {
                body: "Talked about a private matter".into(),
                sensitive: true,
            },
        )
        .await
        .unwrap();

    let timeline = db.store.person_timeline(&worker, person).await.unwrap();
    let kinds: Vec<TimelineKind> = timeline.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            TimelineKind::CaseNote,
            TimelineKind::Contact,
            TimelineKind::Support,
            TimelineKind::Support,
        ],
        "newest first: {timeline:#?}"
    );
    assert!(timeline[0].summary.contains("private matter"));
    assert!(timeline[1].summary.contains("Met on the wing"));
    assert!(timeline.iter().all(|e| e.episode_id == Some(episode)));
    assert!(timeline.windows(2).all(|w| w[0].at >= w[1].at));

    // Another worker at the site sees that a sensitive note exists, not what it says.
    let theirs = db.store.person_timeline(&other, person).await.unwrap();
    assert_eq!(theirs.len(), 4);
    assert!(theirs.iter().all(|e| !e.summary.contains("private matter")));
    assert!(theirs[0].summary.starts_with("Sensitive case note"));
}

async fn the_timeline_is_scoped_like_the_record(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    let person = db
        .person(&worker, leeds.prisons[0], "Ada", "Lovelace")
        .await;
    db.episode(&worker, person).await;
    let hull_worker = db.staff(Role::Worker, &[hull.id]).await;
    let nobody = db.staff(Role::Worker, &[]).await;
    let lead = db.staff(Role::NationalLead, &[]).await;
    for caller in [&hull_worker, &nobody, &lead] {
        assert_not_found(db.store.person_timeline(caller, person).await);
    }
    assert_not_found(db.store.person_timeline(&worker, PersonId::new()).await);
}
