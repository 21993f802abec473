//! The plan: goals in the person's own words, and actions towards them, each
//! with who does it and by when. An action is open until it is done or
//! dropped (with a reason); an open action past its due date is overdue.

use crate::person_details::catalogue;
use crate::validation::required_text;
use time::{Date, Duration};

catalogue! {
    /// Who will carry out an action.
    pub enum ActionOwner {
        Person = "person", "The person themselves";
        Reconnect = "reconnect", "RECONNECT worker";
        PeerMentor = "peer_mentor", "Peer mentor";
        Prison = "prison", "Prison";
        Probation = "probation", "Probation";
        Nhs = "nhs", "NHS";
        VoluntarySector = "voluntary_sector", "Voluntary sector";
    }
    unknown = "Choose who will do this";
}

catalogue! {
    /// Where an action has got to.
    pub enum ActionStatus {
        Open = "open", "Open";
        Done = "done", "Done";
        Dropped = "dropped", "Dropped";
    }
    unknown = "Choose done or dropped";
}

/// The longest goal and action text, and the longest reason for dropping.
pub const GOAL_MAX_CHARS: usize = 1000;
pub const ACTION_MAX_CHARS: usize = 500;
pub const REASON_MAX_CHARS: usize = 500;

/// How far back and ahead a due date may be from today.
pub const DUE_DAYS_BACK: i64 = 365;
pub const DUE_YEARS_AHEAD: i64 = 2;

/// A goal, as the person put it.
pub fn goal_words(input: &str) -> Result<String, String> {
    required_text(input, "their goal in their own words", GOAL_MAX_CHARS)
}

/// What the action is.
pub fn action_text(input: &str) -> Result<String, String> {
    required_text(input, "what needs to be done", ACTION_MAX_CHARS)
}

/// A due date must be plausible: within the last year (recording something
/// already late) and no more than two years ahead. A date like 1 January
/// 1900 is a typing slip, not a plan.
pub fn due_date(due: Date, today: Date) -> Result<Date, String> {
    if due < today - Duration::days(DUE_DAYS_BACK) {
        return Err("The due date must be within the last year or in the future".into());
    }
    if due > today + Duration::days(365 * DUE_YEARS_AHEAD) {
        return Err(format!(
            "The due date must be within {DUE_YEARS_AHEAD} years from today"
        ));
    }
    Ok(due)
}

/// Is an action with this status and due date overdue on `today`?
pub fn is_overdue(status: ActionStatus, due: Date, today: Date) -> bool {
    status == ActionStatus::Open && due < today
}

/// Closing an action: done, or dropped with a reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionClose {
    Done,
    Dropped { reason: String },
}

impl ActionClose {
    /// Reads the chosen outcome and, for dropping, the reason.
    pub fn parse(status: &str, reason: &str) -> Result<Self, (&'static str, String)> {
        match ActionStatus::parse(status) {
            Ok(ActionStatus::Done) => Ok(ActionClose::Done),
            Ok(ActionStatus::Dropped) => {
                required_text(reason, "why the action was dropped", REASON_MAX_CHARS)
                    .map(|reason| ActionClose::Dropped { reason })
                    .map_err(|m| ("reason", m))
            }
            _ => Err(("status", "Choose done or dropped".into())),
        }
    }

    pub fn status(&self) -> ActionStatus {
        match self {
            ActionClose::Done => ActionStatus::Done,
            ActionClose::Dropped { .. } => ActionStatus::Dropped,
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            ActionClose::Done => None,
            ActionClose::Dropped { reason } => Some(reason),
        }
    }
}

/// Only an open action can be closed; the message says why not.
pub fn may_close(current: ActionStatus) -> Result<(), String> {
    match current {
        ActionStatus::Open => Ok(()),
        ActionStatus::Done => Err("This action is already done".into()),
        ActionStatus::Dropped => Err("This action has already been dropped".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 02);

    #[test]
    fn due_dates_must_be_plausible() {
        assert!(due_date(date!(1900 - 01 - 01), TODAY).is_err());
        assert!(due_date(date!(2030 - 01 - 01), TODAY).is_err());
        assert_eq!(due_date(TODAY, TODAY), Ok(TODAY));
        assert!(due_date(date!(2026 - 02 - 01), TODAY).is_ok());
    }

    #[test]
    fn overdue_only_when_open_and_past() {
        let yesterday = TODAY - Duration::days(1);
        assert!(is_overdue(ActionStatus::Open, yesterday, TODAY));
        assert!(!is_overdue(ActionStatus::Open, TODAY, TODAY));
        assert!(!is_overdue(ActionStatus::Done, yesterday, TODAY));
        assert!(!is_overdue(ActionStatus::Dropped, yesterday, TODAY));
    }

    #[test]
    fn closing_needs_a_reason_to_drop() {
        assert_eq!(ActionClose::parse("done", ""), Ok(ActionClose::Done));
        assert_eq!(ActionClose::parse("dropped", " ").unwrap_err().0, "reason");
        assert_eq!(ActionClose::parse("open", "").unwrap_err().0, "status");
        assert_eq!(ActionClose::parse("", "").unwrap_err().0, "status");
        let d = ActionClose::parse("dropped", "No longer wanted").unwrap();
        assert_eq!(d.status(), ActionStatus::Dropped);
        assert_eq!(d.reason(), Some("No longer wanted"));
    }

    #[test]
    fn only_open_actions_close() {
        assert!(may_close(ActionStatus::Open).is_ok());
        assert_eq!(
            may_close(ActionStatus::Done).unwrap_err(),
            "This action is already done"
        );
        assert!(may_close(ActionStatus::Dropped).is_err());
    }

    #[test]
    fn words_are_kept_as_said() {
        assert_eq!(
            goal_words("  I want my own place near my kids ").unwrap(),
            "I want my own place near my kids"
        );
        assert!(goal_words("").is_err());
        assert!(action_text(&"x".repeat(ACTION_MAX_CHARS + 1)).is_err());
    }

    proptest! {
        #[test]
        fn accepted_due_dates_are_within_the_window(offset in -5000i64..5000) {
            let due = TODAY + Duration::days(offset);
            let ok = due_date(due, TODAY).is_ok();
            prop_assert_eq!(ok, (-DUE_DAYS_BACK..=365 * DUE_YEARS_AHEAD).contains(&offset));
        }

        #[test]
        fn overdue_means_open_and_before_today(offset in -100i64..100) {
            let due = TODAY + Duration::days(offset);
            prop_assert_eq!(is_overdue(ActionStatus::Open, due, TODAY), offset < 0);
        }
    }
}
