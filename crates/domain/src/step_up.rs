//! Step-ups: extra support opened when an episode becomes wavering or
//! disengaged. A step-up suggests actions, each for the worker or the peer
//! mentor with a due date; the worker records what was done and the outcome,
//! and steps it down, with a record, when engagement is back. A step-up that
//! nobody acts on goes to the site manager (escalated). Nothing here ever
//! closes an episode: that stays a human decision.

use crate::person_details::catalogue;
use crate::validation::required_text;
use time::{Duration, OffsetDateTime};

catalogue! {
    /// What the service can do more of when engagement falters.
    pub enum SuggestedAction {
        MoreFrequentContact = "more_frequent_contact", "More frequent contact";
        PeerMentorOutreach = "peer_mentor_outreach", "Peer mentor reaches out";
        JointVisit = "joint_visit", "A joint visit with the worker and mentor";
        DifferentChannel = "different_channel", "Try a different way of getting in touch";
        ReviewPlan = "review_plan", "Review the plan with the person";
    }
    unknown = "Choose a suggested action";
}

catalogue! {
    /// Who a suggested action is for.
    pub enum Assignee {
        Worker = "worker", "RECONNECT worker";
        Mentor = "mentor", "Peer mentor";
    }
    unknown = "Choose who this is for";
}

impl SuggestedAction {
    /// Who does it by default.
    pub fn assignee(self) -> Assignee {
        match self {
            SuggestedAction::PeerMentorOutreach => Assignee::Mentor,
            _ => Assignee::Worker,
        }
    }

    /// How many days after the step-up opens it is due.
    pub fn due_after_days(self) -> i64 {
        match self {
            SuggestedAction::MoreFrequentContact => 2,
            SuggestedAction::PeerMentorOutreach => 3,
            SuggestedAction::DifferentChannel => 3,
            SuggestedAction::JointVisit => 7,
            SuggestedAction::ReviewPlan => 7,
        }
    }

    /// The due instant for a step-up opened at `opened`.
    pub fn due(self, opened: OffsetDateTime) -> OffsetDateTime {
        opened + Duration::days(self.due_after_days())
    }
}

catalogue! {
    /// Where a step-up has got to.
    pub enum StepUpState {
        Open = "open", "Open";
        Escalated = "escalated", "Escalated to the site manager";
        SteppedDown = "stepped_down", "Stepped down";
    }
    unknown = "Unknown step-up state";
}

impl StepUpState {
    /// Still in force (open or escalated)?
    pub fn is_active(self) -> bool {
        !matches!(self, StepUpState::SteppedDown)
    }

    /// May the step-up be escalated now? Only an open one, once.
    pub fn may_escalate(self) -> Result<StepUpState, String> {
        match self {
            StepUpState::Open => Ok(StepUpState::Escalated),
            StepUpState::Escalated => {
                Err("This step-up has already gone to the site manager".into())
            }
            StepUpState::SteppedDown => Err("This step-up has been stepped down".into()),
        }
    }

    /// May the step-up be stepped down? An open or escalated one may.
    pub fn may_step_down(self) -> Result<StepUpState, String> {
        match self {
            StepUpState::Open | StepUpState::Escalated => Ok(StepUpState::SteppedDown),
            StepUpState::SteppedDown => Err("This step-up has already been stepped down".into()),
        }
    }

    /// May someone record what was done on one of its actions?
    pub fn may_record(self) -> Result<(), String> {
        if self.is_active() {
            Ok(())
        } else {
            Err("This step-up has been stepped down, so nothing more can be recorded on it".into())
        }
    }
}

/// The longest record text (what was done, the outcome, a step-down record, a concern note).
pub const RECORD_MAX_CHARS: usize = 1000;

/// What was done on a suggested action.
pub fn what_was_done(input: &str) -> Result<String, String> {
    required_text(input, "what was done", RECORD_MAX_CHARS)
}

/// What came of it.
pub fn outcome(input: &str) -> Result<String, String> {
    required_text(input, "the outcome", RECORD_MAX_CHARS)
}

/// Why the step-up can end.
pub fn step_down_record(input: &str) -> Result<String, String> {
    required_text(input, "why support can step down", RECORD_MAX_CHARS)
}

/// A worker's note raising or clearing a concern.
pub fn concern_note(input: &str) -> Result<String, String> {
    required_text(input, "a note about the concern", RECORD_MAX_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_machine() {
        assert_eq!(StepUpState::Open.may_escalate(), Ok(StepUpState::Escalated));
        assert!(StepUpState::Escalated.may_escalate().is_err());
        assert!(StepUpState::SteppedDown.may_escalate().is_err());
        assert_eq!(
            StepUpState::Open.may_step_down(),
            Ok(StepUpState::SteppedDown)
        );
        assert_eq!(
            StepUpState::Escalated.may_step_down(),
            Ok(StepUpState::SteppedDown)
        );
        assert!(StepUpState::SteppedDown.may_step_down().is_err());
        assert!(StepUpState::Escalated.may_record().is_ok());
        assert!(StepUpState::SteppedDown.may_record().is_err());
    }

    #[test]
    fn suggestions_are_assigned_with_due_dates() {
        assert_eq!(SuggestedAction::ALL.len(), 5);
        assert_eq!(
            SuggestedAction::PeerMentorOutreach.assignee(),
            Assignee::Mentor
        );
        assert_eq!(SuggestedAction::JointVisit.assignee(), Assignee::Worker);
        let t = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(
            SuggestedAction::MoreFrequentContact.due(t),
            t + Duration::days(2)
        );
        for a in SuggestedAction::ALL {
            assert!(a.due_after_days() > 0);
        }
    }

    #[test]
    fn records_need_words() {
        assert!(what_was_done("  ").is_err());
        assert_eq!(
            outcome(" Came to the next meeting "),
            Ok("Came to the next meeting".into())
        );
        assert!(step_down_record(&"x".repeat(RECORD_MAX_CHARS + 1)).is_err());
        assert!(concern_note("Missed his prescription pick-up").is_ok());
    }
}
