//! Demo care plans: for each open episode, needs in a few domains (at varied
//! stages, some with an update), goals in the person's own words with
//! actions (a few overdue, some done), an assessment or two showing
//! progress once they are out, and a release-day plan for people due out
//! within four weeks (some complete, some with gaps) or already released.
//!
//! Everything goes through the store as the site's worker, so each record is
//! scoped and audited like a worker's own. The choices come from their own
//! generator, seeded from the demo seed and the person's place in the list,
//! so they are the same for the same seed and day.

use anyhow::anyhow;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reconnect_domain::episode::EpisodeState;
use reconnect_domain::need::{NeedArea, NeedDomain, NeedStatus, ResponsibleParty, Score};
use reconnect_domain::plan::{ActionClose, ActionOwner};
use reconnect_domain::release_plan::{ChecklistItem, ItemStatus, PlannedItem};
use reconnect_domain::{Caller, PersonId};
use reconnect_store::care_plan::{
    AssessmentScore, NeedChange, NewAction, NewAssessment, NewNeed, NewReleasePlan,
};
use reconnect_store::episodes::Episode;
use reconnect_store::Store;
use time::{Date, Duration, Time};

/// Keeps this generator's choices apart from the people's and journeys'.
const CARE_PLAN_STREAM: u64 = 0x00ca_5e91_a7ee_d5ee;

/// Goals, as people put them.
const GOALS: &[&str] = &[
    "I want somewhere safe to live that is mine",
    "I want to stay off the gear this time",
    "I want to see my kids every week",
    "I want to get a job, even part-time",
    "I want to sort my head out and sleep properly",
    "I want to keep my appointments and not get recalled",
    "I want to get back in touch with my mum",
    "I want to do a course and get a qualification",
];

/// What needs doing in each area, and the note that goes with it.
fn need_text(domain: NeedDomain) -> (&'static str, &'static str) {
    match domain {
        NeedDomain::PhysicalHealth => (
            "Book a GP check-up for their back pain",
            "Back pain, worse since the transfer",
        ),
        NeedDomain::MentalHealth => (
            "Refer to community mental health team",
            "Low mood and poor sleep; keen to talk to someone",
        ),
        NeedDomain::SubstanceUse => (
            "Arrange first appointment with drug and alcohol service",
            "On a methadone script in prison; needs it to carry on",
        ),
        NeedDomain::Medication => (
            "Ask healthcare for 7 days of medication on release",
            "Takes sertraline and an inhaler",
        ),
        NeedDomain::GpRegistration => (
            "Register with a GP near their address",
            "Not registered with a GP since 2019",
        ),
        NeedDomain::Accommodation => (
            "Refer to the council housing team",
            "No fixed address on release",
        ),
        NeedDomain::FinanceBenefits => (
            "Help with the Universal Credit claim",
            "Has no money for the first weeks",
        ),
        NeedDomain::IdBank => (
            "Apply for a birth certificate",
            "No photo ID and no bank account",
        ),
        NeedDomain::FamilyChildren => (
            "Ask about supervised contact with their children",
            "Wants to rebuild contact with two children",
        ),
        NeedDomain::EducationWork => (
            "Look at courses at the local college",
            "Interested in a forklift licence",
        ),
        NeedDomain::Neurodiversity => (
            "Ask about an ADHD assessment",
            "Finds letters and forms hard",
        ),
        NeedDomain::Trauma => (
            "Offer the trauma-informed support group",
            "Said they would like to talk when ready",
        ),
        NeedDomain::DomesticAbuse => (
            "Talk through safety planning",
            "Worried about an ex-partner in the area",
        ),
        NeedDomain::Other => (
            "Find someone to look after their dog",
            "Their dog is with a friend who is moving",
        ),
    }
}

fn party_for(domain: NeedDomain) -> ResponsibleParty {
    match domain {
        NeedDomain::PhysicalHealth
        | NeedDomain::MentalHealth
        | NeedDomain::Medication
        | NeedDomain::SubstanceUse
        | NeedDomain::Neurodiversity => ResponsibleParty::Nhs,
        NeedDomain::Accommodation | NeedDomain::FamilyChildren => ResponsibleParty::Probation,
        NeedDomain::Trauma | NeedDomain::DomesticAbuse | NeedDomain::EducationWork => {
            ResponsibleParty::VoluntarySector
        }
        _ => ResponsibleParty::Reconnect,
    }
}

fn anyhow_store(e: reconnect_store::StoreError, doing: &str) -> anyhow::Error {
    anyhow::Error::new(e).context(format!("demo care plan: {doing}"))
}

/// Adds a care plan to the person's open episode, if they have one.
/// `index` is the person's place in the demo's list of people.
pub async fn add(
    store: &Store,
    caller: &Caller,
    person: PersonId,
    seed: u64,
    index: usize,
) -> anyhow::Result<()> {
    let episodes = store
        .episodes_of(caller, person)
        .await
        .map_err(|e| anyhow_store(e, "reading episodes"))?;
    let Some(ep) = episodes
        .into_iter()
        .find(|e| !e.state.is_terminal() && e.state != EpisodeState::Referred)
    else {
        return Ok(());
    };
    let mut rng = StdRng::seed_from_u64(seed ^ CARE_PLAN_STREAM ^ (index as u64));
    let today = store.now().date();
    let domains = needs(store, caller, &ep, &mut rng).await?;
    plan(store, caller, &ep, &mut rng, today, &domains).await?;
    assessments(store, caller, &ep, &mut rng, today, &domains).await?;
    release_plan(store, caller, &ep, &mut rng, today).await
}

async fn needs(
    store: &Store,
    caller: &Caller,
    ep: &Episode,
    rng: &mut StdRng,
) -> anyhow::Result<Vec<NeedDomain>> {
    let mut domains = NeedDomain::ALL.to_vec();
    domains.shuffle(rng);
    domains.truncate(rng.gen_range(2..=4));
    for domain in &domains {
        let other = if *domain == NeedDomain::Other {
            "Looking after their dog"
        } else {
            ""
        };
        let area = NeedArea::new(*domain, other).map_err(|m| anyhow!("demo need: {m}"))?;
        let party = party_for(*domain);
        let (_, note) = need_text(*domain);
        let id = store
            .add_need(
                caller,
                ep.id,
                &NewNeed {
                    area,
                    status: NeedStatus::Identified,
                    party,
                    note: Some(note.to_string()),
                },
            )
            .await
            .map_err(|e| anyhow_store(e, "adding a need"))?;
        let (status, update) = match rng.gen_range(0..5) {
            0 => (
                NeedStatus::InProgress,
                "Referral made, waiting to hear back",
            ),
            1 => (NeedStatus::Met, "Sorted: confirmed with them this week"),
            2 if *domain == NeedDomain::Trauma => (
                NeedStatus::Declined,
                "Not ready to talk about this yet, and that is fine",
            ),
            _ => continue,
        };
        store
            .update_need(
                caller,
                id,
                1,
                &NeedChange {
                    status,
                    party,
                    note: Some(update.to_string()),
                },
            )
            .await
            .map_err(|e| anyhow_store(e, "updating a need"))?;
    }
    Ok(domains)
}

async fn plan(
    store: &Store,
    caller: &Caller,
    ep: &Episode,
    rng: &mut StdRng,
    today: Date,
    domains: &[NeedDomain],
) -> anyhow::Result<()> {
    let words = GOALS
        .choose(rng)
        .ok_or_else(|| anyhow!("demo data: no goals"))?;
    let goal = store
        .add_goal(caller, ep.id, words)
        .await
        .map_err(|e| anyhow_store(e, "adding a goal"))?;
    for (n, domain) in domains.iter().enumerate() {
        let (text, _) = need_text(*domain);
        // Some late, some soon, some later on.
        let due = today + Duration::days(rng.gen_range(-10..=21));
        let owner = match party_for(*domain) {
            ResponsibleParty::Nhs => ActionOwner::Nhs,
            ResponsibleParty::Probation => ActionOwner::Probation,
            ResponsibleParty::VoluntarySector => ActionOwner::VoluntarySector,
            ResponsibleParty::Prison => ActionOwner::Prison,
            ResponsibleParty::Reconnect if n % 2 == 1 => ActionOwner::Person,
            ResponsibleParty::Reconnect => ActionOwner::Reconnect,
        };
        let id = store
            .add_action(
                caller,
                ep.id,
                &NewAction {
                    goal: (n == 0).then_some(goal),
                    text: text.to_string(),
                    owner,
                    due,
                },
            )
            .await
            .map_err(|e| anyhow_store(e, "adding an action"))?;
        if due < today && rng.gen_bool(0.4) {
            store
                .close_action(caller, id, 1, &ActionClose::Done)
                .await
                .map_err(|e| anyhow_store(e, "closing an action"))?;
        }
    }
    Ok(())
}

async fn assessments(
    store: &Store,
    caller: &Caller,
    ep: &Episode,
    rng: &mut StdRng,
    today: Date,
    domains: &[NeedDomain],
) -> anyhow::Result<()> {
    let first_on = match ep.released_on {
        Some(out) => out
            .max(today - Duration::days(90))
            .min(today - Duration::days(1)),
        None => today - Duration::days(rng.gen_range(1..=14)),
    };
    let first: Vec<(NeedDomain, u8)> = domains.iter().map(|d| (*d, rng.gen_range(2..=4))).collect();
    let mut dates = vec![(first_on, first.clone())];
    if ep.released_on.is_some() {
        // Progress since they came out: most areas need less support now.
        let now = first
            .iter()
            .map(|(d, s)| (*d, s.saturating_sub(rng.gen_range(0..=2))))
            .collect();
        dates.push((today, now));
    }
    for (on, scores) in dates {
        let scores = scores
            .into_iter()
            .map(|(domain, s)| {
                Ok(AssessmentScore {
                    domain,
                    score: Score::new(s).map_err(|m| anyhow!("demo score: {m}"))?,
                    note: None,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        store
            .record_assessment(caller, ep.id, &NewAssessment { on, scores })
            .await
            .map_err(|e| anyhow_store(e, "recording an assessment"))?;
    }
    Ok(())
}

fn detail(item: ChecklistItem) -> &'static str {
    match item {
        ChecklistItem::GateMeet => "Their RECONNECT worker, at the main gate",
        ChecklistItem::NightOne => "Supported housing, room booked",
        ChecklistItem::Medication => "7 days supply from prison healthcare",
        ChecklistItem::Prescription => "Sent to the pharmacy near their address",
        ChecklistItem::GpRegistration => "Registered with the practice on the high street",
        ChecklistItem::FirstAppointments => {
            "Probation on day one, drug and alcohol service on day three"
        }
        ChecklistItem::Id => "Birth certificate in their property",
        ChecklistItem::Phone => "Basic phone with credit, from the voluntary sector",
        ChecklistItem::Bank => "Basic bank account opened from prison",
    }
}

async fn release_plan(
    store: &Store,
    caller: &Caller,
    ep: &Episode,
    rng: &mut StdRng,
    today: Date,
) -> anyhow::Result<()> {
    let due_soon = ep
        .expected_release
        .date()
        .is_some_and(|d| d >= today && d <= today + Duration::days(28));
    if !(due_soon || ep.released_on.is_some()) {
        return Ok(());
    }
    // People due out soon often still have gaps; those already out had a full plan.
    let gaps: &[ChecklistItem] = if ep.released_on.is_none() && rng.gen_bool(0.6) {
        match rng.gen_range(0..3) {
            0 => &[ChecklistItem::NightOne, ChecklistItem::Bank],
            1 => &[ChecklistItem::GpRegistration],
            _ => &[
                ChecklistItem::Phone,
                ChecklistItem::Id,
                ChecklistItem::FirstAppointments,
            ],
        }
    } else {
        &[]
    };
    let items = ChecklistItem::ALL
        .iter()
        .map(|item| PlannedItem {
            item: *item,
            status: if gaps.contains(item) {
                ItemStatus::NotYet
            } else {
                ItemStatus::Confirmed
            },
            detail: (!gaps.contains(item)).then(|| detail(*item).to_string()),
        })
        .collect();
    let time =
        Time::from_hms(rng.gen_range(8..=10), 0, 0).map_err(|e| anyhow!("demo time: {e}"))?;
    store
        .save_release_plan(
            caller,
            ep.id,
            0,
            &NewReleasePlan {
                release_time: Some(time),
                items,
            },
        )
        .await
        .map_err(|e| anyhow_store(e, "saving a release-day plan"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{seed, DemoOptions};
    use reconnect_domain::{Caller, EmailAddress, RequestMeta, SystemClock};
    use reconnect_store::people::PeopleFilter;
    use reconnect_store::Store;
    use std::sync::Arc;

    #[tokio::test]
    async fn open_episodes_get_living_care_plans() {
        let dir = std::env::temp_dir().join(format!(
            "reconnect-demo-care-plan-{}",
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
            seed: 7,
            people_per_site: 30,
        };
        seed(&store, &opts, &|p: &str| Ok(format!("plain:{p}")))
            .await
            .unwrap();
        let id = store
            .find_user_id(&EmailAddress::parse("worker.surrey@demo.reconnect.test").unwrap())
            .await
            .unwrap()
            .unwrap();
        let (_, scope) = store.active_user(id).await.unwrap().unwrap();
        let worker = Caller {
            scope,
            meta: RequestMeta::default(),
        };
        let people = store
            .list_people(
                &worker,
                &PeopleFilter {
                    limit: 500,
                    ..PeopleFilter::default()
                },
            )
            .await
            .unwrap();
        let mut open = Vec::new();
        for p in &people {
            for e in store.episodes_of(&worker, p.id).await.unwrap() {
                if !e.state.is_terminal()
                    && e.state != reconnect_domain::episode::EpisodeState::Referred
                {
                    open.push(e);
                }
            }
        }
        assert!(!open.is_empty());
        let ids: Vec<_> = open.iter().map(|e| e.id).collect();
        let today = store.now().date();
        let mut with_needs = 0;
        let mut with_two_assessments = 0;
        for e in &open {
            let needs = store.needs(&worker, e.id).await.unwrap();
            assert!((2..=4).contains(&needs.len()));
            with_needs += 1;
            if store.assessments(&worker, e.id).await.unwrap().len() == 2 {
                with_two_assessments += 1;
            }
            assert!(!store.plan(&worker, e.id).await.unwrap().goals.is_empty());
        }
        assert_eq!(with_needs, open.len());
        assert!(with_two_assessments > 0, "progress shown after release");
        let overdue = store
            .overdue_action_counts(&worker, &ids, today)
            .await
            .unwrap();
        assert!(!overdue.is_empty(), "a few overdue actions");
        let gaps = store.release_plan_gaps(&worker, &ids).await.unwrap();
        assert!(gaps.len() < open.len(), "some plans are complete");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
