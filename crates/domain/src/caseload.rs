//! Caseloads: who works with whom, how urgent each person is, and how many
//! people a worker or peer mentor can support.
//!
//! - [`Urgency`] orders a caseload: release within [`SOON_DAYS`] days first
//!   (soonest first, including anyone whose expected date has passed while
//!   still in custody), then people released in the last [`RECENT_DAYS`]
//!   days (most recent first), then everyone else by release date, with
//!   unknown release dates last.
//! - [`Capacity`] is a number of people a site manager sets for a worker or
//!   peer mentor; [`Load`] compares a caseload with it.
//! - [`allocation_reason`] reads why a worker is changing (a handover note,
//!   required: continuity is the default) and [`mentor_reason`] why a peer
//!   mentor is (optional).
//!
//! Nothing here performs I/O.

use crate::episode::{EpisodeState, Handover};
use crate::validation::optional_text;
use crate::window::ReleaseDate;
use std::cmp::Ordering;
use time::Date;

/// Releases this many days away or fewer come first.
pub const SOON_DAYS: i64 = 14;
/// People released this many days ago or fewer come next.
pub const RECENT_DAYS: i64 = 28;
/// The largest capacity a site manager may set.
pub const MAX_CAPACITY: u16 = 200;
/// The longest reason for a change of peer mentor.
pub const MAX_MENTOR_REASON_CHARS: usize = 500;

/// How urgent one person on a caseload is. Sorting ascending puts the most
/// urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Urgency {
    band: u8,
    key: i64,
}

impl Urgency {
    /// The urgency of an episode in `state`, with its expected release date
    /// and the date of release (when released), on `today`.
    pub fn of(
        state: EpisodeState,
        expected_release: &ReleaseDate,
        released_on: Option<Date>,
        today: Date,
    ) -> Self {
        let released = released_on.filter(|_| state.is_in_community());
        match released {
            Some(on) => {
                let ago = (today - on).whole_days();
                if ago <= RECENT_DAYS {
                    Urgency { band: 1, key: ago }
                } else {
                    Urgency {
                        band: 2,
                        key: on.to_julian_day().into(),
                    }
                }
            }
            None => match expected_release.date() {
                Some(d) if (d - today).whole_days() <= SOON_DAYS => Urgency {
                    band: 0,
                    key: (d - today).whole_days(),
                },
                Some(d) => Urgency {
                    band: 2,
                    key: d.to_julian_day().into(),
                },
                None => Urgency { band: 3, key: 0 },
            },
        }
    }

    /// Is the release within [`SOON_DAYS`] days (or overdue)?
    pub fn is_soon(self) -> bool {
        self.band == 0
    }

    /// Was the person released in the last [`RECENT_DAYS`] days?
    pub fn is_recently_released(self) -> bool {
        self.band == 1
    }
}

impl PartialOrd for Urgency {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Urgency {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.band, self.key).cmp(&(other.band, other.key))
    }
}

/// How many people a worker or peer mentor can support at a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Capacity(u16);

impl Capacity {
    /// Reads a capacity typed into a form: a whole number from 0 to
    /// [`MAX_CAPACITY`].
    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim();
        if s.is_empty() {
            return Err("Enter how many people they can support".into());
        }
        let n: u32 = s
            .parse()
            .map_err(|_| "Enter how many people they can support as a whole number, like 20")?;
        Self::new(n)
    }

    /// A capacity from a number (for the API).
    pub fn new(n: u32) -> Result<Self, String> {
        u16::try_from(n)
            .ok()
            .filter(|n| *n <= MAX_CAPACITY)
            .map(Capacity)
            .ok_or_else(|| format!("Enter a number from 0 to {MAX_CAPACITY}"))
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

/// A caseload compared with its capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Load {
    pub count: u32,
    /// Not set yet by the site manager.
    pub capacity: Option<Capacity>,
}

impl Load {
    /// More people than the capacity allows.
    pub fn is_over(self) -> bool {
        self.capacity
            .is_some_and(|c| self.count > u32::from(c.get()))
    }

    /// Would one more person take the caseload over capacity?
    pub fn is_full(self) -> bool {
        self.capacity
            .is_some_and(|c| self.count >= u32::from(c.get()))
    }

    /// "12 of 20", "25 of 20 (over capacity)", "3 (no capacity set)".
    pub fn describe(self) -> String {
        match self.capacity {
            None => format!("{} (no capacity set)", self.count),
            Some(c) if self.is_over() => format!("{} of {} (over capacity)", self.count, c.get()),
            Some(c) => format!("{} of {}", self.count, c.get()),
        }
    }
}

/// Why the worker is changing: a handover note for the new worker, always
/// required, because the worker who met the person stays with them unless a
/// handover is recorded.
pub fn allocation_reason(input: &str) -> Result<Handover, String> {
    Handover::parse(input).map_err(|_| {
        "Enter a handover note: why the worker is changing and what the new worker needs to know"
            .to_string()
    })
}

/// Why the peer mentor is changing (optional).
pub fn mentor_reason(input: &str) -> Result<Option<String>, String> {
    optional_text(
        input,
        "why the peer mentor is changing",
        MAX_MENTOR_REASON_CHARS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;
    use time::Duration;

    const TODAY: Date = date!(2026 - 11 - 21);

    fn known(days: i64) -> ReleaseDate {
        ReleaseDate::Known(TODAY + Duration::days(days))
    }

    fn pre(days: i64) -> Urgency {
        Urgency::of(
            EpisodeState::EngagedBeforeRelease,
            &known(days),
            None,
            TODAY,
        )
    }

    fn released(days_ago: i64) -> Urgency {
        Urgency::of(
            EpisodeState::CommunitySupport,
            &known(-days_ago - 3),
            Some(TODAY - Duration::days(days_ago)),
            TODAY,
        )
    }

    #[test]
    fn soon_then_recent_then_the_rest_by_date() {
        let unknown = Urgency::of(
            EpisodeState::Accepted,
            &ReleaseDate::unknown("On remand").unwrap(),
            None,
            TODAY,
        );
        let mut all = vec![
            ("unknown", unknown),
            ("in 60", pre(60)),
            ("released 100 ago", released(100)),
            ("released 2 ago", released(2)),
            ("in 14", pre(14)),
            ("in 15", pre(15)),
            ("overdue", pre(-1)),
            ("in 3", pre(3)),
            ("released 28 ago", released(28)),
            ("released 29 ago", released(29)),
        ];
        all.sort_by_key(|(_, u)| *u);
        let order: Vec<&str> = all.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            order,
            [
                "overdue",
                "in 3",
                "in 14",
                "released 2 ago",
                "released 28 ago",
                "released 100 ago",
                "released 29 ago",
                "in 15",
                "in 60",
                "unknown"
            ]
        );
        assert!(pre(3).is_soon());
        assert!(!pre(15).is_soon());
        assert!(released(2).is_recently_released());
        assert!(!released(29).is_recently_released());
    }

    #[test]
    fn back_in_custody_counts_by_expected_release() {
        // A release date on record but back in custody: not "released".
        let u = Urgency::of(
            EpisodeState::ReturnedToCustody,
            &known(5),
            Some(TODAY - Duration::days(40)),
            TODAY,
        );
        assert!(u.is_soon());
    }

    #[test]
    fn capacity_parses_whole_numbers_in_range() {
        assert_eq!(Capacity::parse(" 20 ").unwrap().get(), 20);
        assert_eq!(Capacity::parse("0").unwrap().get(), 0);
        assert_eq!(Capacity::parse("200").unwrap().get(), 200);
        assert_eq!(
            Capacity::parse("").unwrap_err(),
            "Enter how many people they can support"
        );
        assert_eq!(
            Capacity::parse("twenty").unwrap_err(),
            "Enter how many people they can support as a whole number, like 20"
        );
        assert_eq!(
            Capacity::parse("-1").unwrap_err(),
            "Enter how many people they can support as a whole number, like 20"
        );
        assert_eq!(
            Capacity::parse("201").unwrap_err(),
            "Enter a number from 0 to 200"
        );
        assert!(Capacity::new(70_000).is_err());
    }

    #[test]
    fn load_against_capacity() {
        let c = Capacity::new(2).ok();
        let load = |count| Load { count, capacity: c };
        assert_eq!(load(1).describe(), "1 of 2");
        assert!(!load(1).is_full());
        assert!(load(2).is_full());
        assert!(!load(2).is_over());
        assert!(load(3).is_over());
        assert_eq!(load(3).describe(), "3 of 2 (over capacity)");
        let unset = Load {
            count: 4,
            capacity: None,
        };
        assert!(!unset.is_over() && !unset.is_full());
        assert_eq!(unset.describe(), "4 (no capacity set)");
    }

    #[test]
    fn a_change_of_worker_needs_a_handover_note() {
        assert!(allocation_reason("  ").is_err());
        assert_eq!(
            allocation_reason(" Priya is on long-term leave ")
                .unwrap()
                .as_str(),
            "Priya is on long-term leave"
        );
        assert_eq!(mentor_reason(" ").unwrap(), None);
        assert_eq!(
            mentor_reason("Lives nearer Dean").unwrap().as_deref(),
            Some("Lives nearer Dean")
        );
        assert!(mentor_reason(&"x".repeat(501)).is_err());
    }
}
