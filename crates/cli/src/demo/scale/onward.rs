//! Onward referrals at scale (migration 0014): from an episode to services
//! in the directory near its site, followed through the referral's state
//! machine ([`apply`]) as far as the dates allow. Most are made once the
//! person is out and in community support, some while they are still in
//! prison; the kind of service follows how often people need it (housing
//! most, sexual health least). A referral goes on only while its episode is
//! open: one still moving when the episode ended is closed (if it can be)
//! or withdrawn on that day; one on an open episode stops at today, where a
//! booked first appointment may still be ahead.
//!
//! The rows are what the store writes ([`reconnect_store::onward_referrals`]):
//! state, action and outcome codes from the domain's types, the shared parts
//! as their stored list, and for each sent referral the JSON of the
//! [`Snapshot`] of what went, as the service would have taken it (the scale
//! data has no contact details, needs, plans or notes, so those parts are
//! present and empty). No need rows are generated, so `need_id` is empty.

use super::ids::SiteIds;
use rand::rngs::StdRng;
use rand::Rng;
use reconnect_domain::clock::from_millis;
use reconnect_domain::episode::Reason;
use reconnect_domain::onward_referral::sharing::{ContactPart, Part, ReleasePart, Snapshot};
use reconnect_domain::onward_referral::{apply, Action, Outcome, State};
use reconnect_store::bulk::BulkValue;
use time::format_description::well_known::Rfc3339;
use time::Date;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// How often people need each kind of service, in the order of the
/// directory's kinds ([`super::directory::KINDS`]).
const NEED_WEIGHTS: [u32; 10] = [22, 18, 8, 14, 10, 12, 6, 4, 4, 2];

/// Referrals per episode that reached community support: weight, count.
const PER_SUPPORTED_EPISODE: [(u32, usize); 6] =
    [(10, 0), (20, 1), (30, 2), (22, 3), (12, 4), (6, 5)];

const DECLINE_REASONS: [&str; 4] = [
    "The service is full and is not taking new referrals",
    "The person lives outside the service's area",
    "The person does not meet the service's criteria",
    "The person is already supported by the service",
];

const WITHDRAW_REASONS: [&str; 2] = [
    "The person no longer wants this support",
    "The need was met another way",
];

const NO_ANSWER: &str = "The service did not answer";
const EPISODE_ENDED: &str = "Support from RECONNECT ended";
const OVERRIDE: &str = "Urgent need on release; the person agreed by phone and will sign the form";

/// Who the referrals are for, as the snapshot shows them.
pub struct PersonFacts {
    pub id: String,
    /// As the service's snapshot writes it: "Given (Preferred) Family".
    pub name: String,
    pub date_of_birth: String,
    pub nhs_number: Option<String>,
    pub prison_name: String,
}

/// The episode the referrals come from.
pub struct EpisodeFacts<'a> {
    pub id: &'a str,
    pub person: &'a PersonFacts,
    pub worker: &'a str,
    pub manager: &'a str,
    pub accepted_at: i64,
    pub released_at: Option<i64>,
    pub expected_release: Date,
    pub released_on: Option<Date>,
    /// When the episode ended, if it has.
    pub ended_at: Option<i64>,
    pub now_ms: i64,
}

/// Rows of the two referral tables.
#[derive(Default)]
pub struct ReferralRows {
    pub referral: Vec<Vec<BulkValue>>,
    pub event: Vec<Vec<BulkValue>>,
}

/// Makes the episode's referrals to the services of `near` (by kind).
pub fn referrals(
    rng: &mut StdRng,
    ids: &mut SiteIds,
    near: &[Vec<String>],
    e: &EpisodeFacts<'_>,
    out: &mut ReferralRows,
) {
    let count = match e.released_at {
        Some(_) => weighted(rng, &PER_SUPPORTED_EPISODE),
        None => usize::from(rng.gen_bool(0.35)),
    };
    let end = e.ended_at.unwrap_or(e.now_ms);
    for _ in 0..count {
        let created = match e.released_at {
            Some(released) if rng.gen_bool(0.8) => {
                released + rng.gen_range(HOUR..(150 * DAY).min((end - released).max(HOUR + 1)))
            }
            Some(released) => {
                e.accepted_at + MINUTE + rng.gen_range(0..(released - e.accepted_at).max(1))
            }
            None => e.accepted_at + rng.gen_range(HOUR..(end - e.accepted_at).max(HOUR + 1)),
        };
        if created >= end {
            continue;
        }
        let Some(service) = choose_service(rng, near) else {
            return;
        };
        let id = ids.next(rng);
        one(rng, e, (id, service), created, end, out);
    }
}

fn weighted(rng: &mut StdRng, options: &[(u32, usize)]) -> usize {
    let total: u32 = options.iter().map(|o| o.0).sum();
    let mut roll = rng.gen_range(0..total.max(1));
    for (w, v) in options {
        if roll < *w {
            return *v;
        }
        roll -= w;
    }
    0
}

/// A service of a kind the person needs, near the site; any service near
/// the site when there is none of that kind.
fn choose_service<'a>(rng: &mut StdRng, near: &'a [Vec<String>]) -> Option<&'a str> {
    let options: Vec<(u32, usize)> = NEED_WEIGHTS
        .iter()
        .enumerate()
        .map(|(k, w)| (*w, k))
        .collect();
    let kind = weighted(rng, &options);
    let pick = |list: &'a Vec<String>, rng: &mut StdRng| {
        (!list.is_empty()).then(|| list[rng.gen_range(0..list.len())].as_str())
    };
    if let Some(s) = near.get(kind).and_then(|l| pick(l, rng)) {
        return Some(s);
    }
    let all: Vec<&String> = near.iter().flatten().collect();
    (!all.is_empty()).then(|| all[rng.gen_range(0..all.len())].as_str())
}

/// One referral as it moves through its states.
struct Trail<'a> {
    state: State,
    last_at: i64,
    /// No change happens at or after this instant.
    end: i64,
    worker: &'a str,
    events: Vec<Vec<BulkValue>>,
    id: String,
    sent_at: Option<i64>,
    answered_at: Option<i64>,
    appointment_at: Option<i64>,
    closed_at: Option<i64>,
    decline_reason: Option<String>,
    outcome: Option<Outcome>,
}

impl Trail<'_> {
    /// Takes `action` at `at` (by `by`, or the worker), if that is before
    /// the end and the state machine allows it.
    fn take(&mut self, action: &Action, at: i64, by: Option<&str>, reason: Option<&str>) -> bool {
        let at = at.max(self.last_at + MINUTE);
        if at >= self.end {
            return false;
        }
        let Ok(to) = apply(self.state, action) else {
            return false;
        };
        match action {
            Action::Send => self.sent_at = Some(at),
            Action::Accept => self.answered_at = Some(at),
            Action::Decline(why) => {
                self.answered_at = Some(at);
                self.decline_reason = Some(why.as_str().to_string());
            }
            Action::BookFirstAppointment(when) => {
                self.appointment_at = Some(reconnect_domain::clock::to_millis(*when));
            }
            Action::Close(o) => {
                self.closed_at = Some(at);
                self.outcome = Some(*o);
            }
            Action::Withdraw(_) => self.closed_at = Some(at),
            Action::Attended | Action::DidNotAttend => {}
        }
        let code = match (action, by) {
            (Action::Send, Some(_)) => "send_override",
            _ => action.code(),
        };
        self.events.push(vec![
            BulkValue::Text(self.id.clone()),
            BulkValue::Int(at),
            BulkValue::Text(by.unwrap_or(self.worker).to_string()),
            BulkValue::Static(code),
            BulkValue::Static(self.state.code()),
            BulkValue::Static(to.code()),
            reason.map(str::to_string).into(),
        ]);
        self.state = to;
        self.last_at = at;
        true
    }

    fn reason(text: &str) -> Option<Reason> {
        Reason::parse(text, "a reason").ok()
    }

    fn withdraw(&mut self, at: i64, text: &str) -> bool {
        match Self::reason(text) {
            Some(r) => self.take(&Action::Withdraw(r), at, None, Some(text)),
            None => false,
        }
    }

    fn close(&mut self, at: i64, outcome: Outcome) -> bool {
        self.take(&Action::Close(outcome), at, None, Some(outcome.label()))
    }
}

fn pick<'a>(rng: &mut StdRng, from: &[&'a str]) -> &'a str {
    from.get(rng.gen_range(0..from.len().max(1)))
        .copied()
        .unwrap_or_default()
}

/// One referral, drafted at `created`, moved on until `end`.
fn one(
    rng: &mut StdRng,
    e: &EpisodeFacts<'_>,
    (id, service): (String, &str),
    created: i64,
    end: i64,
    out: &mut ReferralRows,
) {
    let mut t = Trail {
        state: State::Draft,
        last_at: created,
        end,
        worker: e.worker,
        events: vec![vec![
            BulkValue::Text(id.clone()),
            BulkValue::Int(created),
            BulkValue::Text(e.worker.to_string()),
            BulkValue::Static("create"),
            BulkValue::Null,
            BulkValue::Static(State::Draft.code()),
            BulkValue::Null,
        ]],
        id,
        sent_at: None,
        answered_at: None,
        appointment_at: None,
        closed_at: None,
        decline_reason: None,
        outcome: None,
    };
    let parts = choose_parts(rng);
    walk(rng, e, &mut t);
    // A referral still moving when its episode ended goes no further.
    if let Some(ended) = e.ended_at {
        if !t.state.is_final() {
            let at = ended.min(e.now_ms - MINUTE);
            t.end = e.now_ms;
            let closable = matches!(
                t.state,
                State::Declined | State::Attended | State::DidNotAttend
            );
            if !(closable && t.close(at, Outcome::PersonStopped)) {
                t.withdraw(at, EPISODE_ENDED);
            }
        }
    }
    let snapshot = t
        .sent_at
        .and_then(|at| snapshot(e, &parts, at))
        .map_or(BulkValue::Null, BulkValue::Text);
    let version = i64::try_from(t.events.len()).unwrap_or(1);
    out.referral.push(vec![
        BulkValue::Text(t.id.clone()),
        BulkValue::Text(e.id.to_string()),
        BulkValue::Null,
        BulkValue::Text(service.to_string()),
        BulkValue::Static(t.state.code()),
        BulkValue::Text(Part::list_code(&parts)),
        snapshot,
        BulkValue::NullInt,
        t.sent_at.into(),
        t.answered_at.into(),
        t.appointment_at.into(),
        t.closed_at.into(),
        t.decline_reason.take().into(),
        t.outcome.map(|o| o.code()).into(),
        BulkValue::Int(version),
        BulkValue::Int(created),
        BulkValue::Text(e.worker.to_string()),
        BulkValue::Int(t.last_at),
    ]);
    out.event.append(&mut t.events);
}

/// What the worker ticked: the defaults, often the release, sometimes more.
fn choose_parts(rng: &mut StdRng) -> Vec<Part> {
    let mut parts = Part::default_parts();
    if rng.gen_bool(0.5) {
        parts.push(Part::Release);
    }
    if rng.gen_bool(0.35) {
        parts.push(Part::NhsNumber);
    }
    if rng.gen_bool(0.2) {
        parts.push(Part::Plan);
    }
    if rng.gen_bool(0.03) {
        parts.push(Part::CaseNotes);
    }
    parts.sort();
    parts
}

/// Draft, sent, answered, booked, attended (or not) and closed, each step
/// a while after the last, as far as the trail's end allows.
fn walk(rng: &mut StdRng, e: &EpisodeFacts<'_>, t: &mut Trail<'_>) {
    let at = t.last_at;
    if rng.gen_bool(0.04) {
        let reason = pick(rng, &WITHDRAW_REASONS);
        t.withdraw(at + rng.gen_range(HOUR..10 * DAY), reason);
        return;
    }
    if rng.gen_bool(0.03) {
        // Drafted and never sent.
        return;
    }
    let override_by = rng.gen_bool(0.03).then_some(e.manager);
    let sent = at + rng.gen_range(10 * MINUTE..3 * DAY);
    let sent_ok = match override_by {
        Some(manager) => t.take(&Action::Send, sent, Some(manager), Some(OVERRIDE)),
        None => t.take(&Action::Send, sent, None, None),
    };
    if !sent_ok {
        return;
    }
    let answered = t.last_at + rng.gen_range(2 * HOUR..21 * DAY);
    let roll = rng.gen_range(0..100u32);
    if roll < 5 {
        // No answer: the worker gives up after a few weeks.
        t.withdraw(answered + 14 * DAY, NO_ANSWER);
        return;
    }
    if roll < 25 {
        let text = pick(rng, &DECLINE_REASONS);
        let Some(reason) = Trail::reason(text) else {
            return;
        };
        if t.take(&Action::Decline(reason), answered, None, Some(text)) {
            let outcome = if rng.gen_bool(0.7) {
                Outcome::ReferredElsewhere
            } else {
                Outcome::NotMet
            };
            t.close(t.last_at + rng.gen_range(HOUR..7 * DAY), outcome);
        }
        return;
    }
    if !t.take(&Action::Accept, answered, None, None) {
        return;
    }
    let booked = t.last_at + rng.gen_range(HOUR..14 * DAY);
    let first = day_start(booked) + rng.gen_range(2..22) * DAY + rng.gen_range(9..17) * HOUR;
    if !t.take(
        &Action::BookFirstAppointment(from_millis(first)),
        booked,
        None,
        None,
    ) {
        return;
    }
    let recorded = first + rng.gen_range(2 * HOUR..3 * DAY);
    let went = rng.gen_bool(0.75);
    let action = if went {
        Action::Attended
    } else {
        Action::DidNotAttend
    };
    if !t.take(&action, recorded, None, None) {
        return;
    }
    let closed = t.last_at + rng.gen_range(14 * DAY..120 * DAY);
    if went {
        let outcome = match rng.gen_range(0..100u32) {
            0..=54 => Outcome::NeedMet,
            55..=79 => Outcome::PartlyMet,
            80..=84 => Outcome::NotMet,
            85..=94 => Outcome::PersonStopped,
            _ => Outcome::ReferredElsewhere,
        };
        t.close(closed, outcome);
    } else if rng.gen_bool(0.2) {
        t.withdraw(closed, pick(rng, &WITHDRAW_REASONS));
    } else {
        let outcome = if rng.gen_bool(0.6) {
            Outcome::PersonStopped
        } else {
            Outcome::NotMet
        };
        t.close(closed, outcome);
    }
}

fn day_start(ms: i64) -> i64 {
    ms - ms.rem_euclid(DAY)
}

fn iso(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The JSON of what was shared, as the service takes it when sending.
fn snapshot(e: &EpisodeFacts<'_>, parts: &[Part], sent_at: i64) -> Option<String> {
    let released_by_then = e.released_at.is_some_and(|r| r <= sent_at);
    let mut snap = Snapshot {
        taken_at: from_millis(sent_at).format(&Rfc3339).unwrap_or_default(),
        name: e.person.name.clone(),
        date_of_birth: e.person.date_of_birth.clone(),
        ..Snapshot::default()
    };
    for part in parts {
        match part {
            Part::Contact => snap.contact = Some(ContactPart::default()),
            Part::NhsNumber => snap.nhs_number = e.person.nhs_number.clone(),
            Part::Release => {
                snap.release = Some(ReleasePart {
                    prison: e.person.prison_name.clone(),
                    expected_release: Some(iso(e.expected_release)),
                    released_on: e.released_on.filter(|_| released_by_then).map(iso),
                })
            }
            Part::Needs => snap.needs = Some(Vec::new()),
            Part::Plan => snap.plan = Some(Vec::new()),
            Part::CaseNotes => snap.case_notes = Some(Vec::new()),
        }
    }
    serde_json::to_string(&snap).ok()
}
