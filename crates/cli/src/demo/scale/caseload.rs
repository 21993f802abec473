//! One site's people and everything recorded about them: the person, their
//! episodes of support ([`journey`](super::journey)), who was allocated to
//! support them, their consent to take part, the contacts and appointments
//! with them, the onward referrals made for them ([`onward`](super::onward)),
//! and the audit row of each person's creation. Rows are built
//! in memory for one site at a time, from a generator seeded by the dataset's
//! seed and the site's number, so sites can be built apart and in any order.
//!
//! People differ in how they engage: most keep in touch and attend, some
//! waver, a few rarely answer or come, and a handful are seen every few days
//! for months (the long histories a person page has to show).

use super::ids::{prison_number, SiteIds};
use super::journey::{self, day_ms, Journey};
use super::onward::{self, EpisodeFacts, PersonFacts, ReferralRows};
use super::tables;
use crate::demo::names::GROUPS;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reconnect_domain::episode::EpisodeState;
use reconnect_domain::SiteId;
use reconnect_store::bulk::{BulkTable, BulkValue};
use std::sync::Arc;
use time::{Date, Duration};

/// What a site's rows are built from.
pub struct SiteContext {
    pub number: usize,
    pub id: SiteId,
    pub prisons: Vec<String>,
    /// The prisons' names, in the order of `prisons`.
    pub prison_names: Vec<String>,
    /// The directory's services in this site's town, by kind.
    pub services: Vec<Vec<String>>,
    pub workers: Vec<String>,
    pub mentors: Vec<String>,
    pub manager: String,
    /// This site's first person's place in the whole dataset.
    pub first_person: u64,
    pub people: usize,
    pub seed: u64,
    pub today: Date,
    pub years: u32,
    pub nhs_numbers: Arc<Vec<String>>,
}

/// One site's rows, table by table, in an order that satisfies the foreign
/// keys when written first to last.
pub struct SiteRows {
    pub tables: Vec<(BulkTable, Vec<Vec<BulkValue>>)>,
    pub people: usize,
    /// Episodes in each state, in the order of [`EpisodeState::ALL`].
    pub states: Vec<usize>,
}

type Row = Vec<BulkValue>;

struct Rows {
    ids: SiteIds,
    person: Vec<Row>,
    /// In the order made: a person's second episode comes after the first it
    /// is linked from.
    episode: Vec<Row>,
    event: Vec<Row>,
    allocation: Vec<Row>,
    consent: Vec<Row>,
    contact: Vec<Row>,
    appointment: Vec<Row>,
    appointment_event: Vec<Row>,
    audit: Vec<Row>,
    onward: ReferralRows,
}

/// How a person engages: chance a contact is two-way, chance they attend an
/// appointment, and days between contacts.
#[derive(Clone, Copy)]
struct Engagement {
    two_way: f64,
    attends: f64,
    contact_days: (i64, i64),
    appointment_days: (i64, i64),
}

const ENGAGEMENTS: [(u32, Engagement); 4] = [
    (
        60,
        Engagement {
            two_way: 0.85,
            attends: 0.85,
            contact_days: (12, 28),
            appointment_days: (45, 90),
        },
    ),
    (
        24,
        Engagement {
            two_way: 0.55,
            attends: 0.6,
            contact_days: (15, 32),
            appointment_days: (50, 100),
        },
    ),
    (
        15,
        Engagement {
            two_way: 0.2,
            attends: 0.3,
            contact_days: (18, 40),
            appointment_days: (60, 120),
        },
    ),
    (
        1,
        Engagement {
            two_way: 0.9,
            attends: 0.9,
            contact_days: (2, 4),
            appointment_days: (10, 20),
        },
    ),
];

const AGE_BANDS: [(i64, i64, u32); 6] = [
    (19, 24, 12),
    (25, 29, 16),
    (30, 39, 33),
    (40, 49, 22),
    (50, 59, 12),
    (60, 68, 5),
];

const PRISON_CONTACT: [(&str, &str); 3] = [
    ("in_prison_visit", "Met on the wing to plan for release"),
    ("phone", "Called through the prison healthcare team"),
    ("video", "Video call to talk through their needs on release"),
];

const COMMUNITY_CONTACT: [(&str, &str); 5] = [
    ("phone", "Phone call to check in on how things are going"),
    ("text", "Text to remind them of their appointment"),
    (
        "community_meeting",
        "Met in town to go to the GP surgery together",
    ),
    (
        "home_visit",
        "Home visit to check their housing and medication",
    ),
    ("phone", "Phone call about their benefits claim"),
];

const APPOINTMENTS: [(&str, &str); 6] = [
    ("GP registration", "Local health centre"),
    (
        "Drug and alcohol service assessment",
        "Recovery service hub",
    ),
    ("Housing options interview", "Council offices"),
    ("Jobcentre Plus appointment", "Jobcentre Plus"),
    ("Mental health team review", "Community mental health team"),
    ("Probation supervision", "Probation office"),
];

fn weighted<T: Copy>(rng: &mut StdRng, options: &[(u32, T)]) -> Option<T> {
    let total: u32 = options.iter().map(|o| o.0).sum();
    let mut roll = rng.gen_range(0..total.max(1));
    for (w, v) in options {
        if roll < *w {
            return Some(*v);
        }
        roll -= w;
    }
    options.first().map(|o| o.1)
}

fn pick<'a, T>(rng: &mut StdRng, from: &'a [T]) -> Option<&'a T> {
    if from.is_empty() {
        return None;
    }
    from.get(rng.gen_range(0..from.len()))
}

fn text(s: &str) -> BulkValue {
    BulkValue::Text(s.to_string())
}

/// Builds one site's rows.
pub fn build(ctx: &SiteContext) -> anyhow::Result<SiteRows> {
    let site_seed = ctx.seed ^ (ctx.number as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut rng = StdRng::seed_from_u64(site_seed);
    // The referrals draw from a generator of their own, so that adding them
    // left the rest of each site's rows as they were.
    let mut onward_rng = StdRng::seed_from_u64(site_seed ^ 0x0A5E_F0A2_D5EE_D000);
    let mut rows = Rows {
        ids: SiteIds::new(ctx.number),
        person: Vec::new(),
        episode: Vec::new(),
        event: Vec::new(),
        allocation: Vec::new(),
        consent: Vec::new(),
        contact: Vec::new(),
        appointment: Vec::new(),
        appointment_event: Vec::new(),
        audit: Vec::new(),
        onward: ReferralRows::default(),
    };
    let mut states = vec![0usize; EpisodeState::ALL.len()];
    let now_ms = day_ms(ctx.today);
    let span_days = i64::from(ctx.years) * 365;
    let site_text = ctx.id.to_string();
    for k in 0..ctx.people {
        let global = ctx.first_person + k as u64;
        let referred = ctx.today - Duration::days(rng.gen_range(1..=span_days));
        let worker = pick(&mut rng, &ctx.workers).cloned().unwrap_or_default();
        let who = person(
            ctx, &mut rng, &mut rows, global, referred, &worker, &site_text,
        )?;
        let engagement = weighted(&mut rng, &ENGAGEMENTS).unwrap_or(ENGAGEMENTS[0].1);
        let first = journey::plan(&mut rng, ctx.id, referred, ctx.today, now_ms);
        let first_id = episode(
            ctx,
            (&mut rng, &mut onward_rng),
            &mut rows,
            &first,
            &who,
            None,
            &worker,
            engagement,
            now_ms,
        );
        count(&mut states, first.state());
        // About one in twelve people whose support ended are referred again.
        if let Some(ended) = first.ended_at {
            let again = ended + rng.gen_range(30..400) * 86_400_000;
            if again < now_ms - 86_400_000 && rng.gen_bool(0.08) {
                let date = from_ms(again);
                let second = journey::plan(&mut rng, ctx.id, date, ctx.today, now_ms);
                count(&mut states, second.state());
                episode(
                    ctx,
                    (&mut rng, &mut onward_rng),
                    &mut rows,
                    &second,
                    &who,
                    Some(first_id),
                    &worker,
                    engagement,
                    now_ms,
                );
            }
        }
    }
    let Rows {
        ids: _,
        person,
        episode,
        event,
        allocation,
        consent,
        contact,
        appointment,
        appointment_event,
        audit,
        onward,
    } = rows;
    Ok(SiteRows {
        tables: vec![
            (tables::PERSON, person),
            (tables::EPISODE, episode),
            (tables::EPISODE_EVENT, event),
            (tables::ALLOCATION, allocation),
            (tables::CONSENT, consent),
            (tables::CONTACT, contact),
            (tables::APPOINTMENT, appointment),
            (tables::APPOINTMENT_EVENT, appointment_event),
            (tables::ONWARD_REFERRAL, onward.referral),
            (tables::ONWARD_REFERRAL_EVENT, onward.event),
            (tables::AUDIT, audit),
        ],
        people: ctx.people,
        states,
    })
}

fn count(states: &mut [usize], state: EpisodeState) {
    if let Some(i) = EpisodeState::ALL.iter().position(|s| *s == state) {
        if let Some(n) = states.get_mut(i) {
            *n += 1;
        }
    }
}

fn from_ms(ms: i64) -> Date {
    time::OffsetDateTime::from_unix_timestamp(ms / 1000)
        .map(|t| t.date())
        .unwrap_or(Date::MIN)
}

fn iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The person's row and the audit row of their creation; returns who they
/// are, for the referrals' snapshots.
fn person(
    ctx: &SiteContext,
    rng: &mut StdRng,
    rows: &mut Rows,
    global: u64,
    referred: Date,
    worker: &str,
    site: &str,
) -> anyhow::Result<PersonFacts> {
    let created = day_ms(referred) + rng.gen_range(8 * 3_600_000..9 * 3_600_000);
    let id = rows.ids.next(rng);
    let woman = rng.gen_bool(0.05);
    let group_weights: Vec<(u32, usize)> = GROUPS
        .iter()
        .enumerate()
        .map(|(i, g)| (g.weight, i))
        .collect();
    let group = GROUPS
        .get(weighted(rng, &group_weights).unwrap_or(0))
        .ok_or_else(|| anyhow::anyhow!("scale data: no name group"))?;
    let given = pick(rng, if woman { group.female } else { group.male })
        .copied()
        .ok_or_else(|| anyhow::anyhow!("scale data: no given names"))?;
    let family = pick(rng, group.family_for(woman))
        .copied()
        .ok_or_else(|| anyhow::anyhow!("scale data: no family names"))?;
    let preferred = given.1.filter(|_| rng.gen_bool(0.4));
    let bands: Vec<(u32, (i64, i64))> = AGE_BANDS.iter().map(|b| (b.2, (b.0, b.1))).collect();
    let (low, high) = weighted(rng, &bands).unwrap_or((30, 39));
    let born = referred - Duration::days(rng.gen_range(low * 365..high * 365 + 364));
    let nhs = if rng.gen_bool(0.85) {
        ctx.nhs_numbers
            .get(usize::try_from(global).unwrap_or(usize::MAX))
            .cloned()
    } else {
        None
    };
    let choose = |list: &[String]| {
        if woman { list.last() } else { list.first() }
            .cloned()
            .unwrap_or_default()
    };
    let prison = choose(&ctx.prisons);
    let name = match preferred {
        Some(p) if p != given.0 => format!("{} ({p}) {family}", given.0),
        _ => format!("{} {family}", given.0),
    };
    rows.person.push(vec![
        text(&id),
        text(site),
        BulkValue::Text(prison),
        text(given.0),
        text(family),
        preferred.map(text).unwrap_or(BulkValue::Null),
        BulkValue::Text(iso(born)),
        nhs.clone().into(),
        BulkValue::Text(prison_number(global)),
        BulkValue::Int(created),
        text(worker),
        BulkValue::Static(if woman { "woman" } else { "man" }),
    ]);
    rows.audit.push(vec![
        BulkValue::Int(created),
        text(worker),
        BulkValue::Static("worker"),
        BulkValue::Static("person.create"),
        BulkValue::Static("person"),
        text(&id),
        text(site),
        text(&id),
    ]);
    Ok(PersonFacts {
        id,
        name,
        date_of_birth: iso(born),
        nhs_number: nhs,
        prison_name: choose(&ctx.prison_names),
    })
}

/// An episode's rows: the episode, its history, its allocation and consent,
/// and its contacts and appointments. Returns its id.
#[allow(clippy::too_many_arguments)]
fn episode(
    ctx: &SiteContext,
    (rng, onward_rng): (&mut StdRng, &mut StdRng),
    rows: &mut Rows,
    j: &Journey,
    person: &PersonFacts,
    linked_from: Option<String>,
    worker: &str,
    engagement: Engagement,
    now_ms: i64,
) -> String {
    let created = j.events.first().map_or(now_ms, |e| e.at);
    let id = rows.ids.next(rng);
    let site = ctx.id.to_string();
    let row = vec![
        text(&id),
        text(&person.id),
        text(&site),
        BulkValue::Static(j.state().as_str()),
        BulkValue::Static(j.source),
        BulkValue::Text(iso(j.expected_release)),
        j.progress.released_on.map(iso).into(),
        j.progress.returned_to_custody_on.map(iso).into(),
        linked_from.clone().into(),
        BulkValue::Int(i64::try_from(j.events.len()).unwrap_or(1)),
        BulkValue::Int(created),
        text(worker),
        BulkValue::Int(j.last_at()),
    ];
    rows.episode.push(row);
    for e in &j.events {
        rows.event.push(vec![
            text(&id),
            BulkValue::Int(e.at),
            text(worker),
            BulkValue::Static("transition"),
            BulkValue::Static(e.action),
            e.from
                .map(|s| BulkValue::Static(s.as_str()))
                .unwrap_or(BulkValue::Null),
            BulkValue::Static(e.to.as_str()),
            BulkValue::Text(e.summary.clone()),
            e.reason.clone().into(),
        ]);
    }
    let Some(accepted) = j.accepted_at else {
        return id;
    };
    let mentor = if rng.gen_bool(0.3) {
        pick(rng, &ctx.mentors).cloned()
    } else {
        None
    };
    rows.allocation.push(vec![
        BulkValue::Text(rows.ids.next(rng)),
        text(&id),
        text(worker),
        mentor.into(),
        BulkValue::Int(accepted),
        text(&ctx.manager),
        j.ended_at.into(),
        j.ended_at.map(|_| ctx.manager.clone()).into(),
        j.ended_at.map(|_| "The episode ended").into(),
    ]);
    rows.consent.push(vec![
        BulkValue::Text(rows.ids.next(rng)),
        text(&id),
        BulkValue::Static("take_part"),
        BulkValue::Static("voluntary"),
        BulkValue::Static(if rng.gen_bool(0.6) {
            "verbal"
        } else {
            "signed_form"
        }),
        BulkValue::Text(iso(from_ms(accepted))),
        BulkValue::Int(accepted),
        text(worker),
    ]);
    let end = j.ended_at.unwrap_or(now_ms);
    contacts(
        rng,
        rows,
        &id,
        worker,
        engagement,
        accepted,
        j.released_at,
        end,
    );
    appointments(rng, rows, &id, worker, engagement, j, accepted, end, now_ms);
    let facts = EpisodeFacts {
        id: &id,
        person,
        worker,
        manager: &ctx.manager,
        accepted_at: accepted,
        released_at: j.released_at,
        expected_release: j.expected_release,
        released_on: j.progress.released_on,
        ended_at: j.ended_at,
        now_ms,
    };
    onward::referrals(
        onward_rng,
        &mut rows.ids,
        &ctx.services,
        &facts,
        &mut rows.onward,
    );
    id
}

#[allow(clippy::too_many_arguments)]
fn contacts(
    rng: &mut StdRng,
    rows: &mut Rows,
    episode: &str,
    worker: &str,
    e: Engagement,
    from: i64,
    released: Option<i64>,
    end: i64,
) {
    const DAY: i64 = 86_400_000;
    let mut at = from + rng.gen_range(1..e.contact_days.0) * DAY / 2;
    while at < end {
        let in_prison = released.is_none_or(|r| at < r);
        let (kind, summary) = if in_prison {
            PRISON_CONTACT[rng.gen_range(0..PRISON_CONTACT.len())]
        } else {
            COMMUNITY_CONTACT[rng.gen_range(0..COMMUNITY_CONTACT.len())]
        };
        let two_way = kind != "text" && rng.gen_bool(e.two_way);
        rows.contact.push(vec![
            BulkValue::Text(rows.ids.next(rng)),
            text(episode),
            BulkValue::Static(kind),
            BulkValue::Int(at),
            BulkValue::Static(if two_way { "yes" } else { "no" }),
            BulkValue::Static(summary),
            text(worker),
            BulkValue::Int((at + 20 * 60_000).min(end)),
        ]);
        at += rng.gen_range(e.contact_days.0..=e.contact_days.1) * DAY
            + rng.gen_range(0..8 * 3_600_000);
    }
}

#[allow(clippy::too_many_arguments)]
fn appointments(
    rng: &mut StdRng,
    rows: &mut Rows,
    episode: &str,
    worker: &str,
    e: Engagement,
    j: &Journey,
    accepted: i64,
    end: i64,
    now_ms: i64,
) {
    const DAY: i64 = 86_400_000;
    let Some(released) = j.released_at else {
        return;
    };
    let mut starts = released + rng.gen_range(3..14) * DAY;
    let open = j.ended_at.is_none();
    let limit = if open { now_ms + 30 * DAY } else { end };
    while starts < limit {
        let (what, location) = APPOINTMENTS[rng.gen_range(0..APPOINTMENTS.len())];
        let booked_at = (starts - rng.gen_range(3..14) * DAY).max(accepted);
        let recorded_at = starts + rng.gen_range(3_600_000..4 * 3_600_000);
        if !open && recorded_at >= end {
            break;
        }
        let id = rows.ids.next(rng);
        let (state, dna, reason, summary): (&str, Option<&str>, Option<&str>, &str) = if recorded_at
            >= now_ms
            || recorded_at >= limit
        {
            ("booked", None, None, "Booked")
        } else if rng.gen_bool(0.05) {
            (
                "cancelled",
                None,
                Some("The service cancelled the appointment"),
                "Cancelled",
            )
        } else if rng.gen_bool(e.attends) {
            if rng.gen_bool(0.12) {
                ("late", None, None, "Attended late")
            } else {
                ("attended", None, None, "Attended")
            }
        } else {
            match rng.gen_range(0..3) {
                    0 => ("did_not_attend", Some("acceptable"), None, "Did not attend: acceptable reason, for example illness or a clash with another appointment"),
                    1 => ("did_not_attend", Some("logistics"), None, "Did not attend: travel or other practical problems"),
                    _ => ("did_not_attend", Some("unacceptable"), None, "Did not attend: no acceptable reason"),
                }
        };
        let done = state != "booked";
        let updated = if done { recorded_at } else { booked_at };
        rows.appointment.push(vec![
            text(&id),
            text(episode),
            BulkValue::Static(what),
            BulkValue::Static(location),
            BulkValue::Int(starts),
            BulkValue::Static(state),
            dna.into(),
            reason.into(),
            BulkValue::Int(if done { 2 } else { 1 }),
            text(worker),
            BulkValue::Int(booked_at),
            text(worker),
            BulkValue::Int(updated),
        ]);
        rows.appointment_event.push(vec![
            text(&id),
            BulkValue::Int(booked_at),
            text(worker),
            BulkValue::Static("booked"),
            BulkValue::Static("Booked"),
        ]);
        if done {
            rows.appointment_event.push(vec![
                text(&id),
                BulkValue::Int(recorded_at),
                text(worker),
                BulkValue::Static(state),
                BulkValue::Static(summary),
            ]);
        }
        starts += rng.gen_range(e.appointment_days.0..=e.appointment_days.1) * DAY;
    }
}
