//! Demo journeys: for each demo person, the episodes of support to start and
//! the actions to take on them, so that the demo shows a living service.
//!
//! A journey is planned in full, from a seeded generator and the store's
//! today, before anything is written, and checked against the journey's own
//! rules ([`EpisodeProgress`]) as it is planned: the store then only has to
//! carry it out. Each person's path is believable for their expected release
//! date, which runs from about 20 weeks ahead to about 7 months ago:
//!
//! - release ahead: waiting at triage, accepted, or engaged before release;
//! - released lately: released, or in community support;
//! - released long ago: stepping down (some with support extended, with a
//!   reason), or closed with support completed;
//! - and, across the range: declined referrals (with the reason), people who
//!   chose to stop (a reason only when they gave one), returns to custody
//!   (recalls, some resumed before the next release, some released again),
//!   other closures, changed or unknown release dates, and people referred
//!   again after an earlier episode ended (a new, linked episode).
//!
//! At each site, the paths in [`MUST_HAVE`] come first (as many as there are
//! people; the first 10 between them end in every [`EpisodeState`], and the
//! next 4 add a resumed recall, a re-referral, an unknown and a changed
//! release date); everyone else's path is drawn from [`MIX`]; then the
//! site's paths are shuffled among its people.
//!
//! Every action is stamped by the store with the time it is written, so the
//! timeline of a demo episode reads "today" throughout; the dates recorded
//! in the actions (released on, returned to custody on, extended until) are
//! spread out as described, and are never after today.

use anyhow::{anyhow, bail, Context};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reconnect_domain::episode::{
    Action, ClosureReason, DeclineReason, EpisodeProgress, EpisodeState, Reason,
};
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::window::{add_months, ReleaseDate, SiteWindows};
use reconnect_domain::SiteId;
use time::{Date, Duration};
use uuid::Uuid;

/// Mixed into the seed so that journeys come from their own stream of random
/// numbers, and the people drawn for a seed are the same as without them.
const JOURNEY_STREAM: u64 = 0x6a6f_7572_6e65_7973; // "journeys"

/// One step after the referral.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// A journey action, through `act_on_episode`.
    Act(Action),
    /// A new expected release date (or that it is not known), with why.
    ChangeRelease { to: ReleaseDate, why: Reason },
}

/// One episode: the referral, then its steps in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct EpisodePlan {
    pub source: ReferralSource,
    /// The expected release date given with the referral.
    pub release: ReleaseDate,
    pub steps: Vec<Step>,
}

impl EpisodePlan {
    fn new(source: ReferralSource, release: ReleaseDate) -> Self {
        Self {
            source,
            release,
            steps: Vec::new(),
        }
    }

    fn act(&mut self, action: Action) -> &mut Self {
        self.steps.push(Step::Act(action));
        self
    }

    /// The journey actions, in order.
    #[cfg(test)]
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.steps.iter().filter_map(|s| match s {
            Step::Act(a) => Some(a),
            Step::ChangeRelease { .. } => None,
        })
    }

    /// The expected release date once every step is done.
    #[cfg(test)]
    pub fn final_release(&self) -> &ReleaseDate {
        self.steps
            .iter()
            .rev()
            .find_map(|s| match s {
                Step::ChangeRelease { to, .. } => Some(to),
                Step::Act(_) => None,
            })
            .unwrap_or(&self.release)
    }

    /// Replays the steps by the journey's rules, every action taken on
    /// `today` (as the store takes them), at `site` with the default windows.
    pub fn replay(&self, site: SiteId, today: Date) -> anyhow::Result<EpisodeProgress> {
        let windows = SiteWindows::default();
        let mut progress = EpisodeProgress::new(site);
        for step in &self.steps {
            match step {
                Step::Act(action) => {
                    progress.apply(action, today, &windows).map_err(|r| {
                        anyhow!(
                            "demo data: {} refused in state {}: {r}",
                            action.kind(),
                            progress.state
                        )
                    })?;
                }
                Step::ChangeRelease { .. } if progress.state.is_terminal() => {
                    bail!("demo data: a release date change after the episode ended")
                }
                Step::ChangeRelease { .. } => {}
            }
        }
        Ok(progress)
    }
}

/// A person's episodes, earliest first. Every one but the last has ended
/// (a person has at most one open episode); the later ones are re-referrals.
pub(super) type Journey = Vec<EpisodePlan>;

/// Checks a journey by the rules, returning the state each episode ends in.
pub(super) fn check(journey: &Journey, today: Date) -> anyhow::Result<Vec<EpisodeState>> {
    let site = SiteId(Uuid::nil());
    let states = journey
        .iter()
        .map(|e| e.replay(site, today).map(|p| p.state))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if states.is_empty() {
        bail!("demo data: a journey with no episodes");
    }
    if states
        .iter()
        .rev()
        .skip(1)
        .any(|state| !state.is_terminal())
    {
        bail!("demo data: a re-referral while an earlier episode is open");
    }
    Ok(states)
}

/// The paths a person's journey can take, named by where it ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    /// Waiting at triage, release ahead (or not known).
    Referred,
    /// Waiting at triage, on remand with no trial date.
    ReferredOnRemand,
    Accepted,
    Engaged,
    /// Engaged, and the expected release date has moved.
    EngagedDateChanged,
    Declined,
    Released,
    CommunitySupport,
    SteppingDown,
    /// Stepping down, with community support extended.
    SteppingDownExtended,
    /// Recalled (or remanded) after release; still in custody.
    ReturnedToCustody,
    /// Recalled, then support resumed before the next release.
    RecalledAndResumed,
    /// Back in custody for a while, then released again into community support.
    ReleasedAgain,
    /// Closed after stepping down: support completed.
    SupportCompleted,
    /// Closed for another reason.
    ClosedOther,
    Withdrawn,
    /// Withdrawn, with no reason given.
    WithdrawnNoReason,
    /// An earlier episode ended; a new, linked one is under way.
    ReReferral,
}

/// What each site's first people do, in order of importance (a site with
/// fewer people gets the first ones): between them, every state.
const MUST_HAVE: [Path; 14] = [
    Path::Referred,
    Path::Accepted,
    Path::Engaged,
    Path::Released,
    Path::CommunitySupport,
    Path::SteppingDownExtended,
    Path::SupportCompleted,
    Path::Declined,
    Path::WithdrawnNoReason,
    Path::ReturnedToCustody,
    Path::RecalledAndResumed,
    Path::ReReferral,
    Path::ReferredOnRemand,
    Path::EngagedDateChanged,
];

/// Everyone else: roughly the shape of a caseload, with most people in
/// community support or getting ready for release.
const MIX: [(Path, u32); 18] = [
    (Path::Referred, 70),
    (Path::ReferredOnRemand, 8),
    (Path::Accepted, 60),
    (Path::Engaged, 120),
    (Path::EngagedDateChanged, 10),
    (Path::Declined, 60),
    (Path::Released, 50),
    (Path::CommunitySupport, 190),
    (Path::SteppingDown, 55),
    (Path::SteppingDownExtended, 25),
    (Path::ReturnedToCustody, 25),
    (Path::RecalledAndResumed, 12),
    (Path::ReleasedAgain, 10),
    (Path::SupportCompleted, 90),
    (Path::ClosedOther, 55),
    (Path::Withdrawn, 40),
    (Path::WithdrawnNoReason, 25),
    (Path::ReReferral, 15),
];

/// Who refers people: prison healthcare most often, then probation.
const SOURCES: [(ReferralSource, u32); 6] = [
    (ReferralSource::PrisonHealthcare, 40),
    (ReferralSource::Probation, 22),
    (ReferralSource::SelfReferral, 14),
    (ReferralSource::SubstanceMisuseTeam, 12),
    (ReferralSource::FamilyOrFriend, 7),
    (ReferralSource::OtherAgency, 5),
];

const ON_REMAND: &str = "On remand: trial date not set";
const AWAITING_PAROLE: &str = "Awaiting parole board decision";

const DECLINE_NOTES: [&str; 4] = [
    "Explained the decision to the referrer",
    "Suggested the local drug and alcohol service instead",
    "Passed on the details of the community mental health team",
    "Told the referrer they can refer again if things change",
];

const WITHDRAW_BEFORE_RELEASE: [&str; 4] = [
    "Does not want support at the moment",
    "Wants to manage on their own after release",
    "Their family will support them after release",
    "Already has a worker from a charity they trust",
];

const WITHDRAW_AFTER_RELEASE: [&str; 4] = [
    "Getting the support they need from their GP and family",
    "Moving in with family and did not want a new worker",
    "Started a full-time job and has no time for appointments",
    "Feels settled and does not want more contact",
];

const EXTENSION_REASONS: [&str; 4] = [
    "Housing is not settled yet and they asked to keep their worker",
    "Waiting for a first appointment with the community mental health team",
    "Registering with a GP and a dentist is taking longer than planned",
    "Starting a treatment programme and wants support through the first weeks",
];

const COMPLETED_NOTES: [&str; 3] = [
    "Settled in their own flat and registered with a GP",
    "Linked in with a local recovery group",
    "Back in touch with family and working part-time",
];

const DATE_CHANGES_EARLIER: [&str; 2] = [
    "Home detention curfew approved: release brought forward",
    "Sentence recalculated by the prison's custody office",
];

const DATE_CHANGES_LATER: [&str; 2] = [
    "Release put back while an approved address is found",
    "Sentence recalculated by the prison's custody office",
];

const NO_CONTACT: &str = "Phoned and texted every week for six weeks, wrote to their last \
    address and asked their probation officer to pass on a message";

fn reason(text: &str) -> anyhow::Result<Reason> {
    Reason::parse(text, "a demo reason").map_err(|e| anyhow!("demo data: {e}: {text:?}"))
}

/// Plans the journeys of `per_site` people at each of `sites` sites, in the
/// order the people are planned (site by site), the same for the same seed
/// and `today`.
pub(super) fn plan_journeys(
    seed: u64,
    sites: usize,
    per_site: usize,
    today: Date,
) -> anyhow::Result<Vec<Journey>> {
    let mut planner = Planner {
        rng: StdRng::seed_from_u64(seed ^ JOURNEY_STREAM),
        today,
    };
    let total = per_site
        .checked_mul(sites)
        .ok_or_else(|| anyhow!("demo data: too many people asked for"))?;
    let mut journeys = Vec::with_capacity(total);
    for _ in 0..sites {
        let mut paths: Vec<Path> = MUST_HAVE.iter().copied().take(per_site).collect();
        while paths.len() < per_site {
            let i = planner.weighted(MIX.iter().map(|m| m.1))?;
            paths.push(
                MIX.get(i)
                    .ok_or_else(|| anyhow!("demo data: no such path"))?
                    .0,
            );
        }
        paths.shuffle(&mut planner.rng);
        for path in paths {
            let journey = planner.journey(path)?;
            check(&journey, today).with_context(|| format!("planning a {path:?} journey"))?;
            journeys.push(journey);
        }
    }
    Ok(journeys)
}

struct Planner {
    rng: StdRng,
    today: Date,
}

impl Planner {
    fn weighted(&mut self, weights: impl Iterator<Item = u32> + Clone) -> anyhow::Result<usize> {
        let total: u32 = weights.clone().sum();
        if total == 0 {
            bail!("demo data: nothing to choose from");
        }
        let mut roll = self.rng.gen_range(0..total);
        for (i, w) in weights.enumerate() {
            if roll < w {
                return Ok(i);
            }
            roll -= w;
        }
        bail!("demo data: weighted choice out of range")
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> anyhow::Result<T> {
        from.choose(&mut self.rng)
            .copied()
            .ok_or_else(|| anyhow!("demo data: nothing to choose from"))
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    /// A whole number of days from `low` to `high` inclusive.
    fn days(&mut self, low: i64, high: i64) -> i64 {
        self.rng.gen_range(low..=high.max(low))
    }

    /// `offset` days from today (negative: in the past).
    fn day(&self, offset: i64) -> anyhow::Result<Date> {
        shift(self.today, offset)
    }

    /// A day from `low` to `high` days from today.
    fn day_between(&mut self, low: i64, high: i64) -> anyhow::Result<Date> {
        let offset = self.days(low, high);
        self.day(offset)
    }

    fn source(&mut self) -> anyhow::Result<ReferralSource> {
        let i = self.weighted(SOURCES.iter().map(|s| s.1))?;
        Ok(SOURCES
            .get(i)
            .ok_or_else(|| anyhow!("demo data: no such referral source"))?
            .0)
    }

    fn episode(&mut self, release: ReleaseDate) -> anyhow::Result<EpisodePlan> {
        Ok(EpisodePlan::new(self.source()?, release))
    }

    /// A release date from `low` to `high` days from today.
    fn known(&mut self, low: i64, high: i64) -> anyhow::Result<ReleaseDate> {
        Ok(ReleaseDate::Known(self.day_between(low, high)?))
    }

    /// A release date still to come, or (now and then) not known yet.
    fn ahead(&mut self, low: i64, high: i64, unknown_share: f64) -> anyhow::Result<ReleaseDate> {
        if self.chance(unknown_share) {
            let why = self.pick(&[ON_REMAND, AWAITING_PAROLE])?;
            Ok(ReleaseDate::Unknown {
                reason: reason(why)?,
            })
        } else {
            self.known(low, high)
        }
    }

    fn optional(&mut self, share: f64, from: &[&str]) -> anyhow::Result<Option<Reason>> {
        if self.chance(share) {
            Ok(Some(reason(self.pick(from)?)?))
        } else {
            Ok(None)
        }
    }

    /// Accepted, usually engaged before release, and marked released on or
    /// a day or so before the expected day `expected` (which has passed).
    /// Returns the day marked.
    fn through_release(&mut self, e: &mut EpisodePlan, expected: Date) -> anyhow::Result<Date> {
        e.act(Action::Accept);
        if self.chance(0.85) {
            e.act(Action::StartEngagement);
        }
        let early = if self.chance(0.2) { self.days(1, 3) } else { 0 };
        let on = shift(expected, -early)?.min(self.today);
        e.act(Action::MarkReleased { on });
        Ok(on)
    }

    /// An episode released `low` to `high` days ago and now in community
    /// support; returns it and the day marked released.
    fn in_community(&mut self, low: i64, high: i64) -> anyhow::Result<(EpisodePlan, Date)> {
        let expected = self.day_between(-high, -low)?;
        let mut e = self.episode(ReleaseDate::Known(expected))?;
        let on = self.through_release(&mut e, expected)?;
        e.act(Action::StartCommunitySupport);
        Ok((e, on))
    }

    /// Community support carried on for a few months more than the site's
    /// default, with a reason.
    fn extension(&mut self, released_on: Date) -> anyhow::Result<Action> {
        let months = self.pick(&[8u32, 9])?;
        let until = add_months(released_on, months).max(self.day(28)?);
        Ok(Action::ExtendCommunitySupport {
            until,
            reason: reason(self.pick(&EXTENSION_REASONS)?)?,
        })
    }

    fn stepping_down(&mut self, extended: bool) -> anyhow::Result<EpisodePlan> {
        let (mut e, on) = self.in_community(120, 200)?;
        if extended {
            let extend = self.extension(on)?;
            e.act(extend);
        }
        e.act(Action::BeginSteppingDown);
        Ok(e)
    }

    /// Released `low` to `high` days ago, then back in custody on a day
    /// from `back_low` to `back_high` days ago (never before the release).
    /// Returns the episode and the day they went back.
    fn returned(
        &mut self,
        (low, high): (i64, i64),
        (back_low, back_high): (i64, i64),
        recalled: bool,
    ) -> anyhow::Result<(EpisodePlan, Date)> {
        let (mut e, on) = self.in_community(low, high)?;
        let back = self.day_between(-back_high, -back_low)?.max(on);
        e.act(Action::ReturnToCustody { on: back, recalled });
        Ok((e, back))
    }

    fn declined(&mut self) -> anyhow::Result<EpisodePlan> {
        let (release, why) = match self.rng.gen_range(0..8) {
            // Too far ahead for pre-release support, or referred too long after release.
            0 => (self.known(100, 140)?, DeclineReason::ReleaseOutsideWindows),
            1 => (self.known(-75, -35)?, DeclineReason::ReleaseOutsideWindows),
            2 | 3 => (self.ahead(7, 140, 0.1)?, DeclineReason::NoHealthNeed),
            4 => (self.known(7, 120)?, DeclineReason::OutsideArea),
            5 => (self.known(7, 120)?, DeclineReason::AlreadySupported),
            6 => (self.known(7, 120)?, DeclineReason::Duplicate),
            _ => (
                self.known(7, 120)?,
                DeclineReason::Other {
                    details: reason("Being supported by the prison's own resettlement team")?,
                },
            ),
        };
        let note = self.optional(0.3, &DECLINE_NOTES)?;
        let mut e = self.episode(release)?;
        e.act(Action::Decline { reason: why, note });
        Ok(e)
    }

    fn withdrawn(&mut self, with_reason: bool) -> anyhow::Result<EpisodePlan> {
        let stage = self.rng.gen_range(0..4);
        let mut e = if stage == 3 {
            self.in_community(14, 150)?.0
        } else {
            let release = self.ahead(7, 120, 0.05)?;
            let mut e = self.episode(release)?;
            if stage >= 1 {
                e.act(Action::Accept);
            }
            if stage == 2 {
                e.act(Action::StartEngagement);
            }
            e
        };
        let why = if !with_reason {
            None
        } else if stage == 3 {
            Some(reason(self.pick(&WITHDRAW_AFTER_RELEASE)?)?)
        } else {
            Some(reason(self.pick(&WITHDRAW_BEFORE_RELEASE)?)?)
        };
        e.act(Action::Withdraw { reason: why });
        Ok(e)
    }

    fn closed_other(&mut self) -> anyhow::Result<EpisodePlan> {
        Ok(match self.rng.gen_range(0..4) {
            0 => {
                let mut e = self.in_community(30, 160)?.0;
                let note = self.optional(
                    0.5,
                    &[
                        "Moved to live with family in another part of the country",
                        "Found work and a flat in another city",
                    ],
                )?;
                e.act(Action::Close {
                    reason: ClosureReason::MovedAway,
                    note,
                });
                e
            }
            1 => {
                let mut e = self.in_community(30, 160)?.0;
                let note = self.optional(
                    0.6,
                    &[
                        "Now supported by the community mental health team",
                        "Now supported by the local drug and alcohol service",
                    ],
                )?;
                e.act(Action::Close {
                    reason: ClosureReason::TransferredToAnotherService,
                    note,
                });
                e
            }
            2 => {
                let expected = self.day_between(-120, -45)?;
                let mut e = self.episode(ReleaseDate::Known(expected))?;
                self.through_release(&mut e, expected)?;
                e.act(Action::Close {
                    reason: ClosureReason::NoContactAfterAttempts {
                        attempts: reason(NO_CONTACT)?,
                    },
                    note: None,
                });
                e
            }
            _ => {
                let (mut e, on) = self.in_community(60, 200)?;
                let back = shift(on, self.days(14, 40))?.min(self.today);
                let recalled = self.chance(0.5);
                e.act(Action::ReturnToCustody { on: back, recalled });
                let note = self.optional(
                    0.5,
                    &[
                        "Remanded with a trial date months away",
                        "Recalled for the rest of their sentence",
                    ],
                )?;
                e.act(Action::Close {
                    reason: ClosureReason::StayingInCustody,
                    note,
                });
                e
            }
        })
    }

    fn journey(&mut self, path: Path) -> anyhow::Result<Journey> {
        let episode = match path {
            Path::Referred => {
                let release = self.ahead(7, 140, 0.12)?;
                self.episode(release)?
            }
            Path::ReferredOnRemand => self.episode(ReleaseDate::Unknown {
                reason: reason(ON_REMAND)?,
            })?,
            Path::Accepted => {
                let release = self.ahead(21, 140, 0.12)?;
                let mut e = self.episode(release)?;
                e.act(Action::Accept);
                e
            }
            Path::Engaged => {
                let release = self.ahead(1, 84, 0.05)?;
                let mut e = self.episode(release)?;
                e.act(Action::Accept).act(Action::StartEngagement);
                e
            }
            Path::EngagedDateChanged => {
                let first = self.days(35, 84);
                let mut e = self.episode(ReleaseDate::Known(self.day(first)?))?;
                e.act(Action::Accept).act(Action::StartEngagement);
                let by = self.pick(&[-21i64, -14, -7, 7, 14, 28])?;
                let why = if by < 0 {
                    self.pick(&DATE_CHANGES_EARLIER)?
                } else {
                    self.pick(&DATE_CHANGES_LATER)?
                };
                e.steps.push(Step::ChangeRelease {
                    to: ReleaseDate::Known(self.day(first + by)?),
                    why: reason(why)?,
                });
                e
            }
            Path::Declined => self.declined()?,
            Path::Released => {
                let expected = self.day_between(-20, 0)?;
                let mut e = self.episode(ReleaseDate::Known(expected))?;
                self.through_release(&mut e, expected)?;
                e
            }
            Path::CommunitySupport => {
                let (mut e, on) = self.in_community(14, 160)?;
                // Now and then, someone stepping down who needed full support again.
                if on < self.day(-120)? && self.chance(0.25) {
                    e.act(Action::BeginSteppingDown)
                        .act(Action::StartCommunitySupport);
                }
                e
            }
            Path::SteppingDown => self.stepping_down(false)?,
            Path::SteppingDownExtended => self.stepping_down(true)?,
            Path::ReturnedToCustody => {
                let recalled = self.chance(0.85);
                self.returned((35, 180), (1, 30), recalled)?.0
            }
            Path::RecalledAndResumed => {
                let (mut e, back) = self.returned((35, 150), (3, 20), true)?;
                e.act(Action::Resume);
                let (to, why) = if self.chance(0.5) {
                    (
                        ReleaseDate::Known(shift(back, 28)?.max(self.day(7)?)),
                        "Fixed-term recall: released again after 28 days",
                    )
                } else {
                    (
                        ReleaseDate::Unknown {
                            reason: reason(AWAITING_PAROLE)?,
                        },
                        "Standard recall: the parole board decides when they are released again",
                    )
                };
                e.steps.push(Step::ChangeRelease {
                    to,
                    why: reason(why)?,
                });
                e
            }
            Path::ReleasedAgain => {
                let (mut e, on) = self.in_community(90, 200)?;
                let back = shift(on, self.days(20, 45))?.min(self.today);
                e.act(Action::ReturnToCustody {
                    on: back,
                    recalled: false,
                });
                let again = shift(back, self.days(14, 40))?.min(self.today);
                e.act(Action::MarkReleased { on: again })
                    .act(Action::StartCommunitySupport);
                e
            }
            Path::SupportCompleted => {
                let (mut e, _) = self.in_community(175, 213)?;
                let note = self.optional(0.4, &COMPLETED_NOTES)?;
                e.act(Action::BeginSteppingDown).act(Action::Close {
                    reason: ClosureReason::SupportCompleted,
                    note,
                });
                e
            }
            Path::ClosedOther => self.closed_other()?,
            Path::Withdrawn => self.withdrawn(true)?,
            Path::WithdrawnNoReason => self.withdrawn(false)?,
            Path::ReReferral => return self.re_referral(),
        };
        Ok(vec![episode])
    }

    /// An earlier episode that ended, then a new one under way.
    fn re_referral(&mut self) -> anyhow::Result<Journey> {
        if self.chance(0.6) {
            // Back in custody for longer after release: closed; referred again
            // before the next release.
            let (mut first, on) = self.in_community(120, 213)?;
            let back = shift(on, self.days(30, 60))?.min(self.today);
            first
                .act(Action::ReturnToCustody {
                    on: back,
                    recalled: false,
                })
                .act(Action::Close {
                    reason: ClosureReason::StayingInCustody,
                    note: Some(reason("Sentenced again; release is some months away")?),
                });
            let release = self.known(14, 84)?;
            let mut second = self.episode(release)?;
            second.act(Action::Accept).act(Action::StartEngagement);
            Ok(vec![first, second])
        } else {
            // Chose to stop before release; asked for support again after it.
            let expected = self.day_between(-25, -7)?;
            let mut first = self.episode(ReleaseDate::Known(expected))?;
            first.act(Action::Withdraw {
                reason: self.optional(0.5, &["Did not want support before release"])?,
            });
            let mut second =
                EpisodePlan::new(ReferralSource::SelfReferral, ReleaseDate::Known(expected));
            second
                .act(Action::Accept)
                .act(Action::MarkReleased { on: expected })
                .act(Action::StartCommunitySupport);
            Ok(vec![first, second])
        }
    }
}

/// `day` moved by `offset` days.
fn shift(day: Date, offset: i64) -> anyhow::Result<Date> {
    day.checked_add(Duration::days(offset))
        .ok_or_else(|| anyhow!("demo data: date out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 21);

    fn released_dates(e: &EpisodePlan) -> Vec<Date> {
        e.actions()
            .filter_map(|a| match a {
                Action::MarkReleased { on } => Some(*on),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_journey_follows_the_rules() {
        for today in [TODAY, date!(2028 - 02 - 29), date!(2027 - 01 - 01)] {
            for seed in 0..4 {
                let journeys = plan_journeys(seed, 3, 500, today).unwrap();
                assert_eq!(journeys.len(), 1500);
                for j in &journeys {
                    check(j, today).unwrap();
                    for e in j {
                        for on in released_dates(e) {
                            assert!(on <= today, "released on {on}, after {today}");
                            assert!(on >= shift(today, -220).unwrap(), "released on {on}");
                        }
                        if let ReleaseDate::Known(d) = e.release {
                            let days = (d - today).whole_days();
                            assert!((-220..=141).contains(&days), "expected release {d}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_state_at_every_site() {
        for per_site in [10, 11, 13] {
            let journeys = plan_journeys(9, 3, per_site, TODAY).unwrap();
            for site in journeys.chunks(per_site) {
                let states: HashSet<EpisodeState> =
                    site.iter().flat_map(|j| check(j, TODAY).unwrap()).collect();
                assert_eq!(states.len(), EpisodeState::ALL.len());
            }
        }
        for per_site in [MUST_HAVE.len(), 30, 300] {
            let journeys = plan_journeys(9, 3, per_site, TODAY).unwrap();
            for site in journeys.chunks(per_site) {
                let states: HashSet<EpisodeState> =
                    site.iter().flat_map(|j| check(j, TODAY).unwrap()).collect();
                for s in EpisodeState::ALL {
                    assert!(states.contains(&s), "no {s} with {per_site} per site");
                }
                assert!(site.iter().any(|j| j.len() == 2), "a re-referral");
                assert!(site.iter().any(|j| j[0]
                    .steps
                    .iter()
                    .any(|s| matches!(s, Step::ChangeRelease { .. }))));
                assert!(site
                    .iter()
                    .any(|j| matches!(j[0].release, ReleaseDate::Unknown { .. })));
                assert!(site
                    .iter()
                    .any(|j| j[0].actions().any(|a| matches!(a, Action::Resume))));
                assert!(site.iter().any(|j| j[0]
                    .actions()
                    .any(|a| matches!(a, Action::ExtendCommunitySupport { .. }))));
                assert!(site.iter().any(|j| j[0]
                    .actions()
                    .any(|a| matches!(a, Action::Withdraw { reason: None }))));
            }
        }
    }

    #[test]
    fn the_mix_is_believable() {
        let journeys = plan_journeys(3, 3, 2_000, TODAY).unwrap();
        let mut sources: HashMap<ReferralSource, usize> = HashMap::new();
        let mut states: HashMap<EpisodeState, usize> = HashMap::new();
        let mut withdrawn_with_reason = 0;
        let mut withdrawn_without = 0;
        for j in &journeys {
            for e in j {
                *sources.entry(e.source).or_default() += 1;
                for a in e.actions() {
                    match a {
                        Action::Withdraw { reason: Some(_) } => withdrawn_with_reason += 1,
                        Action::Withdraw { reason: None } => withdrawn_without += 1,
                        _ => {}
                    }
                }
            }
            for s in check(j, TODAY).unwrap() {
                *states.entry(s).or_default() += 1;
            }
        }
        let most = sources.iter().max_by_key(|s| s.1).unwrap();
        assert_eq!(*most.0, ReferralSource::PrisonHealthcare);
        assert!(sources[&ReferralSource::Probation] > sources[&ReferralSource::SelfReferral]);
        assert_eq!(sources.len(), ReferralSource::ALL.len());
        let most = states.iter().max_by_key(|s| s.1).unwrap();
        assert_eq!(*most.0, EpisodeState::CommunitySupport);
        assert!(withdrawn_with_reason > 0 && withdrawn_without > 0);
    }

    #[test]
    fn the_same_seed_gives_the_same_journeys() {
        let a = plan_journeys(2026, 3, 100, TODAY).unwrap();
        assert_eq!(a, plan_journeys(2026, 3, 100, TODAY).unwrap());
        assert_ne!(a, plan_journeys(2027, 3, 100, TODAY).unwrap());
        assert!(plan_journeys(2026, 3, 0, TODAY).unwrap().is_empty());
        // A site with fewer people than the must-haves gets the first of them.
        let few = plan_journeys(2026, 3, 3, TODAY).unwrap();
        assert_eq!(few.len(), 9);
    }
}
