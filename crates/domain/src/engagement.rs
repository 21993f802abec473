//! Engagement levels: how well an episode of support is holding, worked out
//! from the episode's own data (attendance, two-way contact, plan actions,
//! worker concerns, custody and release dates) under a site's rules, with the
//! reasons in words a worker understands.
//!
//! [`assess`] is pure: the store gathers [`Signals`], the site's
//! [`EngagementRules`] say where the lines are, and the [`Assessment`] says
//! the level and why. More bad signals never make the level better.

use crate::validation::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How engaged a person is, from least to most worrying.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EngagementLevel {
    Engaged,
    NotYetInContact,
    Wavering,
    Disengaged,
}

impl EngagementLevel {
    pub const ALL: [EngagementLevel; 4] = [
        EngagementLevel::Engaged,
        EngagementLevel::NotYetInContact,
        EngagementLevel::Wavering,
        EngagementLevel::Disengaged,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EngagementLevel::Engaged => "engaged",
            EngagementLevel::NotYetInContact => "not_yet_in_contact",
            EngagementLevel::Wavering => "wavering",
            EngagementLevel::Disengaged => "disengaged",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EngagementLevel::Engaged => "Engaged",
            EngagementLevel::NotYetInContact => "Not yet in contact",
            EngagementLevel::Wavering => "Wavering",
            EngagementLevel::Disengaged => "Disengaged",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }

    /// Does this level call for stepped-up support?
    pub fn needs_step_up(self) -> bool {
        matches!(
            self,
            EngagementLevel::Wavering | EngagementLevel::Disengaged
        )
    }

    /// The NHS.UK tag colour class that shows this level.
    pub fn tag_class(self) -> &'static str {
        match self {
            EngagementLevel::Engaged => "nhsuk-tag--green",
            EngagementLevel::NotYetInContact => "nhsuk-tag--grey",
            EngagementLevel::Wavering => "nhsuk-tag--yellow",
            EngagementLevel::Disengaged => "nhsuk-tag--red",
        }
    }
}

/// A site's thresholds. Counts are "at or above"; days are whole days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EngagementRules {
    /// How many days back missed appointments are counted.
    pub missed_window_days: i64,
    /// Missed appointments (without an acceptable reason) that make someone wavering.
    pub missed_wavering: i64,
    /// ... and disengaged.
    pub missed_disengaged: i64,
    /// Days without two-way contact that make someone wavering.
    pub no_contact_wavering_days: i64,
    /// ... and disengaged.
    pub no_contact_disengaged_days: i64,
    /// Plan actions declined (dropped) in the last 30 days that make someone wavering.
    pub declined_wavering: i64,
    /// ... and disengaged.
    pub declined_disengaged: i64,
    /// Overdue plan actions that make someone wavering.
    pub overdue_wavering: i64,
    /// The first days after release, when a wavering person counts as disengaged.
    pub early_release_days: i64,
    /// Days a step-up may go without anyone recording an action before it
    /// goes to the site manager.
    pub escalate_after_days: i64,
}

impl Default for EngagementRules {
    fn default() -> Self {
        Self {
            missed_window_days: 14,
            missed_wavering: 1,
            missed_disengaged: 3,
            no_contact_wavering_days: 7,
            no_contact_disengaged_days: 14,
            declined_wavering: 2,
            declined_disengaged: 4,
            overdue_wavering: 2,
            early_release_days: 28,
            escalate_after_days: 3,
        }
    }
}

/// The longest any day setting may be (a year) and the largest count.
pub const MAX_DAYS: i64 = 365;
pub const MAX_COUNT: i64 = 50;

impl EngagementRules {
    /// Every field with its form id, label and value, in form order.
    pub fn fields(&self) -> [(&'static str, &'static str, i64); 10] {
        [
            (
                "missed_window_days",
                "Days to look back for missed appointments",
                self.missed_window_days,
            ),
            (
                "missed_wavering",
                "Missed appointments that mean wavering",
                self.missed_wavering,
            ),
            (
                "missed_disengaged",
                "Missed appointments that mean disengaged",
                self.missed_disengaged,
            ),
            (
                "no_contact_wavering_days",
                "Days without two-way contact that mean wavering",
                self.no_contact_wavering_days,
            ),
            (
                "no_contact_disengaged_days",
                "Days without two-way contact that mean disengaged",
                self.no_contact_disengaged_days,
            ),
            (
                "declined_wavering",
                "Actions declined in 30 days that mean wavering",
                self.declined_wavering,
            ),
            (
                "declined_disengaged",
                "Actions declined in 30 days that mean disengaged",
                self.declined_disengaged,
            ),
            (
                "overdue_wavering",
                "Overdue actions that mean wavering",
                self.overdue_wavering,
            ),
            (
                "early_release_days",
                "Days after release with extra care",
                self.early_release_days,
            ),
            (
                "escalate_after_days",
                "Days before an untouched step-up goes to the site manager",
                self.escalate_after_days,
            ),
        ]
    }

    /// Checks the thresholds make sense: nothing negative, counts and
    /// windows at least 1, and every wavering line at or below its
    /// disengaged line.
    pub fn validate(self) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        for (field, label, value) in self.fields() {
            let min = if field == "early_release_days" { 0 } else { 1 };
            let max = if field.ends_with("_days") {
                MAX_DAYS
            } else {
                MAX_COUNT
            };
            if value < 0 {
                errors.push(FieldError::new(
                    field,
                    format!("{label} cannot be negative"),
                ));
            } else if value < min {
                errors.push(FieldError::new(
                    field,
                    format!("{label} must be at least {min}"),
                ));
            } else if value > max {
                errors.push(FieldError::new(
                    field,
                    format!("{label} must be {max} or fewer"),
                ));
            }
        }
        let pairs = [
            (
                "missed_wavering",
                self.missed_wavering,
                self.missed_disengaged,
                "missed appointments",
            ),
            (
                "no_contact_wavering_days",
                self.no_contact_wavering_days,
                self.no_contact_disengaged_days,
                "days without two-way contact",
            ),
            (
                "declined_wavering",
                self.declined_wavering,
                self.declined_disengaged,
                "declined actions",
            ),
        ];
        for (field, wavering, disengaged, what) in pairs {
            if wavering > disengaged && !errors.iter().any(|e: &FieldError| e.field == field) {
                errors.push(FieldError::new(
                    field,
                    format!("The wavering line for {what} must not be above the disengaged line ({disengaged})"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

/// What the store found in an episode's own records, as plain numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Signals {
    /// Missed appointments in the rules' window, not counting those missed for an acceptable reason.
    pub missed_appointments: i64,
    /// Days since the last two-way contact; `None` when there has never been one.
    pub days_since_two_way_contact: Option<i64>,
    /// Days since the episode started (the gap when there has been no contact yet).
    pub days_since_start: i64,
    /// Plan actions dropped in the last 30 days.
    pub declined_actions: i64,
    /// Open plan actions past their due date.
    pub overdue_actions: i64,
    /// Concerns raised by workers and not cleared.
    pub open_concerns: i64,
    /// The person is back in custody.
    pub returned_to_custody: bool,
    /// Days since release when released (0 on the day); `None` before release.
    pub days_since_release: Option<i64>,
}

/// One reason behind a level, and how much weight it carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Reason {
    /// The level this reason on its own points to.
    pub points_to: EngagementLevel,
    /// What a worker reads, e.g. "2 missed appointments in the last 14 days".
    pub words: String,
}

/// A level and the reasons that produced it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Assessment {
    pub level: EngagementLevel,
    pub reasons: Vec<Reason>,
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Works out the level from the signals under the rules.
pub fn assess(s: &Signals, rules: &EngagementRules) -> Assessment {
    use EngagementLevel::*;
    let mut reasons: Vec<Reason> = Vec::new();
    let mut push = |points_to, words: String| reasons.push(Reason { points_to, words });

    if s.missed_appointments >= rules.missed_wavering {
        let level = if s.missed_appointments >= rules.missed_disengaged {
            Disengaged
        } else {
            Wavering
        };
        push(
            level,
            format!(
                "{} in the last {} days",
                plural(
                    s.missed_appointments,
                    "missed appointment",
                    "missed appointments"
                ),
                rules.missed_window_days
            ),
        );
    }
    let gap = s.days_since_two_way_contact.unwrap_or(s.days_since_start);
    if gap >= rules.no_contact_wavering_days {
        let level = if gap >= rules.no_contact_disengaged_days {
            Disengaged
        } else {
            Wavering
        };
        let words = match s.days_since_two_way_contact {
            Some(d) => format!("No two-way contact for {}", plural(d, "day", "days")),
            None => format!("No two-way contact since support started {}", ago(gap)),
        };
        push(level, words);
    }
    if s.declined_actions >= rules.declined_wavering {
        let level = if s.declined_actions >= rules.declined_disengaged {
            Disengaged
        } else {
            Wavering
        };
        push(
            level,
            format!(
                "Declined {} in the last 30 days",
                plural(s.declined_actions, "action", "actions")
            ),
        );
    }
    if s.overdue_actions >= rules.overdue_wavering {
        push(
            Wavering,
            format!(
                "{} overdue",
                plural(s.overdue_actions, "plan action", "plan actions")
            ),
        );
    }
    if s.open_concerns > 0 {
        push(
            Wavering,
            if s.open_concerns == 1 {
                "Worker raised a concern".to_string()
            } else {
                format!("Workers raised {} concerns", s.open_concerns)
            },
        );
    }
    if s.returned_to_custody {
        push(Wavering, "Returned to custody".to_string());
    }

    let mut level = reasons.iter().map(|r| r.points_to).max().unwrap_or(Engaged);
    if let Some(days) = s.days_since_release {
        if level == Wavering && days < rules.early_release_days {
            level = Disengaged;
            reasons.push(Reason {
                points_to: Disengaged,
                words: format!(
                    "Released {} (the first {} days after release are the riskiest)",
                    ago(days),
                    rules.early_release_days
                ),
            });
        }
    }
    if level == Engaged && s.days_since_two_way_contact.is_none() {
        level = NotYetInContact;
        reasons.push(Reason {
            points_to: NotYetInContact,
            words: "No two-way contact yet".to_string(),
        });
    }
    if level == Engaged {
        reasons.push(Reason {
            points_to: Engaged,
            words: match s.days_since_two_way_contact {
                Some(0) => "Two-way contact today".to_string(),
                Some(d) => format!("Two-way contact {}", ago(d)),
                None => "In contact".to_string(),
            },
        });
    }
    Assessment { level, reasons }
}

fn ago(days: i64) -> String {
    match days {
        0 => "today".to_string(),
        1 => "yesterday".to_string(),
        d => format!("{d} days ago"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn contactable() -> Signals {
        Signals {
            days_since_two_way_contact: Some(2),
            days_since_start: 40,
            days_since_release: Some(60),
            ..Signals::default()
        }
    }

    #[test]
    fn defaults_are_valid() {
        assert!(EngagementRules::default().validate().is_ok());
    }

    #[test]
    fn negative_days_and_crossed_lines_are_refused() {
        let rules = EngagementRules {
            no_contact_wavering_days: -1,
            missed_wavering: 5,
            missed_disengaged: 3,
            ..EngagementRules::default()
        };
        let errors = rules.validate().unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].field, "no_contact_wavering_days");
        assert!(errors[0].message.contains("cannot be negative"));
        assert_eq!(errors[1].field, "missed_wavering");
        assert!(errors[1]
            .message
            .contains("must not be above the disengaged line (3)"));
    }

    #[test]
    fn too_big_and_zero_are_refused() {
        let rules = EngagementRules {
            escalate_after_days: 0,
            declined_disengaged: 51,
            ..EngagementRules::default()
        };
        let fields: Vec<_> = rules
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["declined_disengaged", "escalate_after_days"]);
    }

    #[test]
    fn recent_contact_is_engaged() {
        let a = assess(&contactable(), &EngagementRules::default());
        assert_eq!(a.level, EngagementLevel::Engaged);
        assert_eq!(a.reasons[0].words, "Two-way contact 2 days ago");
    }

    #[test]
    fn never_in_contact_is_not_yet_in_contact_until_the_gap_grows() {
        let rules = EngagementRules::default();
        let s = Signals {
            days_since_start: 3,
            ..Signals::default()
        };
        let a = assess(&s, &rules);
        assert_eq!(a.level, EngagementLevel::NotYetInContact);
        assert_eq!(a.reasons[0].words, "No two-way contact yet");
        let s = Signals {
            days_since_start: 20,
            ..Signals::default()
        };
        let a = assess(&s, &rules);
        assert_eq!(a.level, EngagementLevel::Disengaged);
        assert_eq!(
            a.reasons[0].words,
            "No two-way contact since support started 20 days ago"
        );
    }

    #[test]
    fn reasons_are_in_plain_words() {
        let rules = EngagementRules::default();
        let s = Signals {
            missed_appointments: 2,
            days_since_two_way_contact: Some(10),
            declined_actions: 3,
            open_concerns: 1,
            ..contactable()
        };
        let a = assess(&s, &rules);
        let words: Vec<_> = a.reasons.iter().map(|r| r.words.as_str()).collect();
        assert_eq!(
            words,
            [
                "2 missed appointments in the last 14 days",
                "No two-way contact for 10 days",
                "Declined 3 actions in the last 30 days",
                "Worker raised a concern",
            ]
        );
        assert_eq!(a.level, EngagementLevel::Wavering);
    }

    #[test]
    fn the_first_weeks_after_release_raise_wavering_to_disengaged() {
        let rules = EngagementRules::default();
        let s = Signals {
            missed_appointments: 1,
            days_since_release: Some(5),
            ..contactable()
        };
        let a = assess(&s, &rules);
        assert_eq!(a.level, EngagementLevel::Disengaged);
        assert!(a.reasons[1].words.starts_with("Released 5 days ago"));
        let s = Signals {
            missed_appointments: 1,
            days_since_release: None,
            ..contactable()
        };
        assert_eq!(assess(&s, &rules).level, EngagementLevel::Wavering);
    }

    #[test]
    fn custody_and_overdue_actions_mean_wavering() {
        let rules = EngagementRules::default();
        let s = Signals {
            returned_to_custody: true,
            days_since_release: None,
            ..contactable()
        };
        assert_eq!(assess(&s, &rules).reasons[0].words, "Returned to custody");
        let s = Signals {
            overdue_actions: 2,
            ..contactable()
        };
        let a = assess(&s, &rules);
        assert_eq!(a.level, EngagementLevel::Wavering);
        assert_eq!(a.reasons[0].words, "2 plan actions overdue");
    }

    #[test]
    fn levels_round_trip_through_codes() {
        for l in EngagementLevel::ALL {
            assert_eq!(EngagementLevel::parse(l.code()), Some(l));
        }
        assert_eq!(EngagementLevel::parse("nope"), None);
    }

    fn signals() -> impl Strategy<Value = Signals> {
        (
            0i64..6,
            proptest::option::of(0i64..40),
            0i64..60,
            0i64..6,
            0i64..5,
            0i64..3,
            any::<bool>(),
            proptest::option::of(0i64..100),
        )
            .prop_map(|(m, c, st, d, o, k, r, rel)| Signals {
                missed_appointments: m,
                days_since_two_way_contact: c,
                days_since_start: st,
                declined_actions: d,
                overdue_actions: o,
                open_concerns: k,
                returned_to_custody: r,
                days_since_release: rel,
            })
    }

    fn worry(l: EngagementLevel) -> u8 {
        match l {
            EngagementLevel::Engaged | EngagementLevel::NotYetInContact => 0,
            EngagementLevel::Wavering => 1,
            EngagementLevel::Disengaged => 2,
        }
    }

    proptest! {
        #[test]
        fn more_bad_signals_never_improve_the_level(s in signals(), extra in 1i64..4) {
            let rules = EngagementRules::default();
            let base = worry(assess(&s, &rules).level);
            let worse = [
                Signals { missed_appointments: s.missed_appointments + extra, ..s },
                Signals { declined_actions: s.declined_actions + extra, ..s },
                Signals { overdue_actions: s.overdue_actions + extra, ..s },
                Signals { open_concerns: s.open_concerns + extra, ..s },
                Signals { returned_to_custody: true, ..s },
                Signals { days_since_two_way_contact: s.days_since_two_way_contact.map(|d| d + extra), ..s },
            ];
            for w in worse {
                prop_assert!(worry(assess(&w, &rules).level) >= base);
            }
        }

        #[test]
        fn every_worrying_level_has_a_reason(s in signals()) {
            let a = assess(&s, &EngagementRules::default());
            prop_assert!(!a.reasons.is_empty());
            prop_assert!(a.reasons.iter().any(|r| r.points_to == a.level));
        }
    }
}
