//! Demo contacts, appointments and case notes, so that an open episode reads
//! like a living piece of work: visits in prison before release, a meeting
//! at the gate on release day, calls and texts afterwards, appointments that
//! were attended, attended late, missed (with why), one moved at the
//! person's request, and some still to come this week; and case notes,
//! including a correction and a sensitive note.
//!
//! Everything is written through the store as the site's worker, so it is
//! scoped and audited like a worker's own. What an episode gets depends only
//! on its state, its release date and its place in the demo (`n`), so the
//! same seed gives the same records. Only the first [`MAX_EPISODES`]
//! episodes get them, which keeps large demo runs quick.

use anyhow::{anyhow, Context};
use reconnect_domain::appointment::{
    AppointmentAction, AppointmentDetails, AskedBy, Attendance, DnaReason,
};
use reconnect_domain::contact::{ContactDetails, ContactKind};
use reconnect_domain::episode::{EpisodeState, Reason};
use reconnect_domain::id::{AppointmentId, CaseNoteId, ContactId};
use reconnect_domain::uk_time::from_uk;
use reconnect_domain::{Caller, EpisodeId};
use reconnect_store::case_notes::NoteInput;
use reconnect_store::Store;
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

/// How many episodes get contacts, appointments and notes.
pub(super) const MAX_EPISODES: usize = 400;

const PLACES: [&str; 3] = ["RECONNECT office", "Community hub", "Phone call"];
const WHAT: [&str; 5] = [
    "Housing options with the council",
    "GP registration",
    "Drug and alcohol service assessment",
    "Jobcentre appointment",
    "Mental health team check-in",
];

fn at(day: Date, hour: u8, minute: u8) -> OffsetDateTime {
    let t = Time::from_hms(hour, minute, 0).unwrap_or(Time::MIDNIGHT);
    from_uk(PrimitiveDateTime::new(day, t))
}

/// Adds the demo's records to episode `id` (the `n`th of the demo).
pub(super) async fn add(
    store: &Store,
    caller: &Caller,
    id: EpisodeId,
    n: usize,
) -> anyhow::Result<()> {
    if n >= MAX_EPISODES {
        return Ok(());
    }
    let ep = store
        .episode(caller, id)
        .await
        .context("reading a demo episode")?;
    let now = store.now();
    let today = now.date();
    // Nothing may be recorded as having happened later than now.
    let past = |t: OffsetDateTime| t.min(now - Duration::minutes(30));
    let released = match (ep.state, ep.released_on) {
        (
            EpisodeState::Released | EpisodeState::CommunitySupport | EpisodeState::SteppingDown,
            Some(on),
        ) => Some(on),
        (EpisodeState::EngagedBeforeRelease, _) => None,
        _ => return Ok(()),
    };
    let contact = |kind, when, two_way, summary: &str| ContactDetails {
        kind,
        at: past(when),
        two_way,
        summary: summary.to_string(),
    };
    let mut contacts = Vec::new();
    let before = released.unwrap_or(today);
    contacts.push(contact(
        ContactKind::InPrisonVisit,
        at(before - Duration::days(20), 10, 0),
        true,
        "First visit on the wing. Talked through what RECONNECT offers; they would like help with housing and a GP",
    ));
    contacts.push(contact(
        ContactKind::InPrisonVisit,
        at(before - Duration::days(6), 14, 0),
        n % 4 != 0,
        if n % 4 == 0 {
            "Booked visit, but they were at a court video link, so we did not meet"
        } else {
            "Went through the release-day plan together: who meets them, where they will stay"
        },
    ));
    if let Some(on) = released {
        contacts.push(contact(
            ContactKind::GateMeeting,
            at(on, 8, 0),
            true,
            "Met at the gate as planned. Went together to the probation office, then to pick up their medication",
        ));
        contacts.push(contact(
            ContactKind::Phone,
            at(on + Duration::days(2), 11, 15),
            true,
            "Checked in by phone. Settling in at the hostel, worried about money until benefits start",
        ));
        contacts.push(contact(
            ContactKind::Text,
            at(on + Duration::days(5), 9, 30),
            n % 3 != 0,
            "Text reminder about the GP appointment",
        ));
    }
    for d in &contacts {
        store
            .log_contact(caller, id, ContactId::new(), d)
            .await
            .map_err(|e| anyhow!("demo contact: {e}"))?;
    }

    let what = |k: usize| WHAT[(n + k) % WHAT.len()].to_string();
    let place = |k: usize| PLACES[(n + k) % PLACES.len()].to_string();
    if let Some(on) = released {
        // What happened at the appointments since release.
        let outcomes: [(i64, Attendance, Option<DnaReason>); 3] = [
            (3, Attendance::Attended, None),
            (8, Attendance::Late, None),
            (
                12,
                Attendance::DidNotAttend,
                Some(if n % 2 == 0 {
                    DnaReason::Logistics
                } else {
                    DnaReason::Acceptable
                }),
            ),
        ];
        for (k, (days, attendance, dna_reason)) in outcomes.into_iter().enumerate() {
            let when = at(on + Duration::days(days), 10, 30);
            if when > now {
                continue;
            }
            let a = AppointmentId::new();
            let d = AppointmentDetails {
                what: what(k),
                location: place(k),
                starts_at: when,
            };
            store
                .book_appointment(caller, id, a, &d)
                .await
                .map_err(|e| anyhow!("demo appointment: {e}"))?;
            let action = AppointmentAction::RecordAttendance {
                attendance,
                dna_reason,
            };
            store
                .act_on_appointment(caller, id, a, 1, &action, AppointmentId::new())
                .await
                .map_err(|e| anyhow!("demo attendance: {e}"))?;
        }
    }
    // Coming up this week: one moved at the person's request, and one more.
    let first = AppointmentId::new();
    let soon = AppointmentDetails {
        what: what(3),
        location: place(3),
        starts_at: at(today + Duration::days(1 + (n % 2) as i64), 10, 0),
    };
    store
        .book_appointment(caller, id, first, &soon)
        .await
        .map_err(|e| anyhow!("demo appointment: {e}"))?;
    if n % 2 == 0 {
        let moved = AppointmentAction::Reschedule {
            starts_at: at(today + Duration::days(3), 14, 0),
            location: None,
            reason: "They have a probation appointment at the same time".into(),
            asked_by: AskedBy::Person,
        };
        store
            .act_on_appointment(caller, id, first, 1, &moved, AppointmentId::new())
            .await
            .map_err(|e| anyhow!("demo reschedule: {e}"))?;
    }
    let next = AppointmentDetails {
        what: what(4),
        location: place(4),
        starts_at: at(today + Duration::days(4), 11, 30),
    };
    store
        .book_appointment(caller, id, AppointmentId::new(), &next)
        .await
        .map_err(|e| anyhow!("demo appointment: {e}"))?;

    // Case notes: one corrected, and a sensitive one for some.
    let note = |body: &str, sensitive| NoteInput {
        body: body.to_string(),
        sensitive,
    };
    let first_note = CaseNoteId::new();
    store
        .add_case_note(
            caller,
            id,
            first_note,
            &note(
                "Keen to get work in construction; has a CSCS card that runs out next year",
                false,
            ),
        )
        .await
        .map_err(|e| anyhow!("demo note: {e}"))?;
    if n % 3 == 0 {
        let why = Reason::parse("The card runs out this year, not next", "why")
            .map_err(|e| anyhow!("demo note reason: {e}"))?;
        store
            .correct_case_note(
                caller,
                id,
                first_note,
                CaseNoteId::new(),
                &note(
                    "Keen to get work in construction; has a CSCS card that runs out this year",
                    false,
                ),
                &why,
            )
            .await
            .map_err(|e| anyhow!("demo correction: {e}"))?;
    }
    if n % 4 == 1 {
        store
            .add_case_note(caller, id, CaseNoteId::new(), &note("Told me in confidence that an ex-partner lives near the hostel. Agreed to look at other places to stay; discussed with the site manager", true))
            .await
            .map_err(|e| anyhow!("demo sensitive note: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{primary_logins, seed, DemoOptions};
    use reconnect_domain::appointment::{AppointmentState, AskedBy};
    use reconnect_domain::contact::ContactKind;
    use reconnect_domain::{Caller, EmailAddress, RequestMeta, Role, SystemClock};
    use reconnect_store::case_notes::NoteContent;
    use reconnect_store::people::PeopleFilter;
    use reconnect_store::Store;
    use std::sync::Arc;
    use time::Duration;

    #[tokio::test]
    async fn open_episodes_have_contacts_appointments_and_notes() {
        let dir = std::env::temp_dir().join(format!(
            "reconnect-demo-contacts-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let store = Store::connect(
            &format!("sqlite://{}/demo.db", dir.display()),
            Arc::new(SystemClock),
        )
        .await
        .unwrap();
        store.migrate().await.unwrap();
        let opts = DemoOptions {
            seed: 3,
            people_per_site: 30,
        };
        seed(&store, &opts, &|p| Ok(format!("plain:{p}")))
            .await
            .unwrap();
        let login = primary_logins()
            .into_iter()
            .find(|l| l.role == Role::Worker)
            .unwrap();
        let id = store
            .find_user_id(&EmailAddress::parse(&login.email).unwrap())
            .await
            .unwrap()
            .unwrap();
        let (_, scope) = store.active_user(id).await.unwrap().unwrap();
        let worker = Caller {
            scope,
            meta: RequestMeta::default(),
        };
        let filter = PeopleFilter {
            limit: 100,
            ..Default::default()
        };
        let (mut gate, mut moved, mut dna, mut sensitive, mut corrected) = (0, 0, 0, 0, 0);
        for p in store.list_people(&worker, &filter).await.unwrap() {
            for ep in store.episodes_of(&worker, p.id).await.unwrap() {
                let contacts = store.contacts(&worker, ep.id).await.unwrap();
                gate += contacts
                    .iter()
                    .filter(|c| c.details.kind == ContactKind::GateMeeting)
                    .count();
                for a in store.appointments(&worker, ep.id).await.unwrap() {
                    moved += usize::from(
                        a.state == AppointmentState::Rescheduled
                            && a.asked_by == Some(AskedBy::Person),
                    );
                    dna += usize::from(
                        a.state == AppointmentState::DidNotAttend && a.dna_reason.is_some(),
                    );
                }
                for n in store.case_notes(&worker, ep.id).await.unwrap() {
                    sensitive += usize::from(
                        n.sensitive && matches!(n.content, NoteContent::Visible { .. }),
                    );
                    corrected += usize::from(n.supersedes.is_some());
                }
            }
        }
        assert!(
            gate > 0 && moved > 0 && dna > 0 && sensitive > 0 && corrected > 0,
            "gate {gate}, moved {moved}, dna {dna}, sensitive {sensitive}, corrected {corrected}"
        );
        let now = store.now();
        let week = store
            .my_appointments(&worker, now, now + Duration::days(7))
            .await
            .unwrap();
        assert!(!week.is_empty(), "the worker has appointments this week");
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }
}
