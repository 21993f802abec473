//! One episode of support at scale: the path it takes through the journey
//! (referral, decision, support before release, release, community support,
//! stepping down, closure, with the usual detours: declined, withdrawn, back
//! in custody and resumed), each step dated and checked by the domain's own
//! rules ([`EpisodeProgress::apply`]), stopping at today. An episode referred
//! years ago has long been closed; one referred last month is still waiting
//! or being supported, so the states come out as they would in a live service.

use rand::rngs::StdRng;
use rand::Rng;
use reconnect_domain::episode::{
    Action, ClosureReason, DeclineReason, EpisodeProgress, EpisodeState,
};
use reconnect_domain::window::SiteWindows;
use reconnect_domain::SiteId;
use time::{Date, Duration};

/// One line of the episode's history.
pub struct Event {
    pub at: i64,
    /// `refer` for the referral, else the action's name.
    pub action: &'static str,
    pub from: Option<EpisodeState>,
    pub to: EpisodeState,
    pub summary: String,
    pub reason: Option<String>,
}

/// Where an episode got to, and how.
pub struct Journey {
    pub progress: EpisodeProgress,
    pub source: &'static str,
    pub expected_release: Date,
    pub events: Vec<Event>,
    /// When it was accepted, if it was.
    pub accepted_at: Option<i64>,
    /// When it was released (first time), if it was.
    pub released_at: Option<i64>,
    /// When it ended (declined, withdrawn or closed), if it has.
    pub ended_at: Option<i64>,
}

impl Journey {
    pub fn state(&self) -> EpisodeState {
        self.progress.state
    }

    pub fn last_at(&self) -> i64 {
        self.events.last().map_or(0, |e| e.at)
    }
}

const SOURCES: [(&str, &str, u32); 6] = [
    ("prison_healthcare", "prison healthcare", 40),
    ("probation", "probation", 20),
    ("substance_misuse_team", "substance misuse team", 15),
    ("self_referral", "the person themselves", 12),
    ("other_agency", "another agency", 8),
    ("family_or_friend", "family or a friend", 5),
];

/// Milliseconds at the start of `date` (UTC).
pub fn day_ms(date: Date) -> i64 {
    let secs = date.midnight().assume_utc().unix_timestamp();
    secs * 1000
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

struct Walk<'a> {
    rng: &'a mut StdRng,
    today: Date,
    now_ms: i64,
    windows: SiteWindows,
    journey: Journey,
}

impl Walk<'_> {
    /// Takes `action` on `date`; false (and nothing recorded) when that is
    /// today or later, or the rules refuse it.
    fn step(&mut self, action: Action, date: Date) -> bool {
        if date >= self.today {
            return false;
        }
        let from = self.journey.progress.state;
        let Ok(outcome) = self.journey.progress.apply(&action, date, &self.windows) else {
            return false;
        };
        let at = (day_ms(date) + self.rng.gen_range(8 * 3_600_000..18 * 3_600_000))
            .max(self.journey.last_at() + 60_000)
            .min(self.now_ms);
        self.journey.events.push(Event {
            at,
            action: outcome.action.as_str(),
            from: Some(from),
            to: outcome.to,
            summary: outcome.summary,
            reason: outcome.reason,
        });
        match outcome.to {
            EpisodeState::Accepted => self.journey.accepted_at = Some(at),
            EpisodeState::Released if self.journey.released_at.is_none() => {
                self.journey.released_at = Some(at)
            }
            s if s.is_terminal() => self.journey.ended_at = Some(at),
            _ => {}
        }
        true
    }

    fn chance(&mut self, p: f64) -> bool {
        self.rng.gen_bool(p)
    }

    fn later(&mut self, from: Date, low: i64, high: i64) -> Date {
        from + days(self.rng.gen_range(low..=high))
    }
}

/// Plans an episode referred on `referred` to `site`.
pub fn plan(rng: &mut StdRng, site: SiteId, referred: Date, today: Date, now_ms: i64) -> Journey {
    let roll = rng.gen_range(0..100u32);
    let mut acc = 0;
    let mut source = SOURCES[0];
    for s in SOURCES {
        acc += s.2;
        if roll < acc {
            source = s;
            break;
        }
    }
    let expected_release = referred + days(rng.gen_range(7..=84));
    let created = (day_ms(referred) + rng.gen_range(8 * 3_600_000..17 * 3_600_000)).min(now_ms);
    let journey = Journey {
        progress: EpisodeProgress::new(site),
        source: source.0,
        expected_release,
        events: vec![Event {
            at: created,
            action: "refer",
            from: None,
            to: EpisodeState::Referred,
            summary: format!("Referred by: {}", source.1),
            reason: None,
        }],
        accepted_at: None,
        released_at: None,
        ended_at: None,
    };
    let mut walk = Walk {
        rng,
        today,
        now_ms,
        windows: SiteWindows::default(),
        journey,
    };
    walk_from_referral(&mut walk, referred);
    walk.journey
}

fn walk_from_referral(w: &mut Walk<'_>, referred: Date) {
    let decided = w.later(referred, 0, 10);
    if w.chance(0.1) {
        let reason = match w.rng.gen_range(0..4) {
            0 => DeclineReason::NoHealthNeed,
            1 => DeclineReason::AlreadySupported,
            2 => DeclineReason::OutsideArea,
            _ => DeclineReason::Duplicate,
        };
        w.step(Action::Decline { reason, note: None }, decided);
        return;
    }
    if !w.step(Action::Accept, decided) {
        return;
    }
    let release = w.journey.expected_release.max(decided + days(1));
    if w.chance(0.03) {
        let on = w.later(decided, 3, 30);
        w.step(Action::Withdraw { reason: None }, on);
        return;
    }
    let engaged = w.later(decided, 2, 21);
    if engaged < release && w.chance(0.85) && !w.step(Action::StartEngagement, engaged) {
        return;
    }
    released_then_supported(w, release);
}

/// From release day on: community support, perhaps a return to custody,
/// then stepping down and closing (or stopping on the way).
fn released_then_supported(w: &mut Walk<'_>, release: Date) {
    if !w.step(Action::MarkReleased { on: release }, release) {
        return;
    }
    let started = w.later(release, 0, 3);
    if !w.step(Action::StartCommunitySupport, started) {
        return;
    }
    let roll = w.rng.gen_range(0..100u32);
    if roll < 12 {
        let back = w.later(started, 10, 150);
        let recalled = w.chance(0.7);
        if !w.step(Action::ReturnToCustody { on: back, recalled }, back) {
            return;
        }
        if w.chance(0.5) {
            let resumed = w.later(back, 3, 20);
            if !w.step(Action::Resume, resumed) {
                return;
            }
            let again = w.later(resumed, 30, 180);
            released_then_supported(w, again);
        } else {
            let closed = w.later(back, 20, 60);
            let close = Action::Close {
                reason: ClosureReason::StayingInCustody,
                note: None,
            };
            w.step(close, closed);
        }
        return;
    }
    if roll < 19 {
        let on = w.later(started, 15, 120);
        w.step(Action::Withdraw { reason: None }, on);
        return;
    }
    if roll < 25 {
        let on = w.later(started, 20, 150);
        let reason = if w.chance(0.5) {
            ClosureReason::MovedAway
        } else {
            ClosureReason::TransferredToAnotherService
        };
        w.step(Action::Close { reason, note: None }, on);
        return;
    }
    let stepping = w.later(started, 140, 175);
    if !w.step(Action::BeginSteppingDown, stepping) {
        return;
    }
    let closed = w.later(stepping, 14, 45);
    let close = Action::Close {
        reason: ClosureReason::SupportCompleted,
        note: None,
    };
    w.step(close, closed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use time::macros::date;

    #[test]
    fn old_episodes_are_over_and_recent_ones_are_open() {
        let mut rng = StdRng::seed_from_u64(9);
        let today = date!(2026 - 11 - 01);
        let now = day_ms(today);
        let site = SiteId::new();
        let old: Vec<Journey> = (0..200)
            .map(|_| plan(&mut rng, site, date!(2020 - 01 - 01), today, now))
            .collect();
        assert!(old.iter().all(|j| j.state().is_terminal()));
        assert!(old.iter().any(|j| j.state() == EpisodeState::Closed));
        assert!(old.iter().any(|j| j.state() == EpisodeState::Declined));
        let recent: Vec<Journey> = (0..200)
            .map(|_| plan(&mut rng, site, today - days(3), today, now))
            .collect();
        assert!(recent.iter().any(|j| j.state() == EpisodeState::Referred));
        assert!(recent.iter().all(|j| j.last_at() <= now));
        for j in old.iter().chain(&recent) {
            assert!(j.events.windows(2).all(|p| p[0].at < p[1].at));
        }
    }
}
