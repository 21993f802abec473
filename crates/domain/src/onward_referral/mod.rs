//! An onward referral: from a need on an episode to a service in the
//! directory, tracked to an outcome. This module is the state machine the
//! store and web layers call: [`apply`] says what an action leads to, or
//! refuses it with a reason written for the person using the page or API.
//!
//! ```text
//! Draft ──send──▶ Sent ──accept──▶ Accepted ──book first appointment──▶ Booked
//! Sent ──decline (reason)──▶ Declined
//! Booked ──attended──▶ Attended      Booked ──did not attend──▶ DidNotAttend
//! Declined, Attended, DidNotAttend ──close (outcome)──▶ Closed
//! every state but Closed and Withdrawn ──withdraw (reason)──▶ Withdrawn
//! Closed, Withdrawn: final.
//! ```
//!
//! Who may send (the consent gate) is the store's business: it needs the
//! person's sharing consents. What is shared is in [`sharing`].

pub mod sharing;

use crate::episode::Reason;
use crate::person_details::catalogue;
use time::OffsetDateTime;

catalogue! {
    /// Where an onward referral stands.
    pub enum State {
        Draft = "draft", "Draft, not sent";
        Sent = "sent", "Sent, waiting for an answer";
        Accepted = "accepted", "Accepted";
        Declined = "declined", "Declined by the service";
        Booked = "booked", "First appointment booked";
        Attended = "attended", "Went to the first appointment";
        DidNotAttend = "did_not_attend", "Did not go to the first appointment";
        Closed = "closed", "Closed";
        Withdrawn = "withdrawn", "Withdrawn";
    }
    unknown = "Choose a state";
}

impl State {
    /// Closed and withdrawn referrals never change again.
    pub fn is_final(self) -> bool {
        matches!(self, State::Closed | State::Withdrawn)
    }

    /// Sent and waiting for the service to answer.
    pub fn is_waiting(self) -> bool {
        self == State::Sent
    }
}

catalogue! {
    /// How a referral ended.
    pub enum Outcome {
        NeedMet = "need_met", "The service met the need";
        PartlyMet = "partly_met", "The service partly met the need";
        NotMet = "not_met", "The need was not met";
        PersonStopped = "person_stopped", "The person chose to stop";
        ReferredElsewhere = "referred_elsewhere", "Referred to another service instead";
    }
    unknown = "Choose how the referral ended";
}

/// What someone does to a referral. Free text is parsed before the action
/// is built, so [`apply`] refuses only because of the state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Send,
    Accept,
    Decline(Reason),
    BookFirstAppointment(OffsetDateTime),
    Attended,
    DidNotAttend,
    Close(Outcome),
    Withdraw(Reason),
}

impl Action {
    /// The stable code of the action, for the event history and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Action::Send => "send",
            Action::Accept => "accept",
            Action::Decline(_) => "decline",
            Action::BookFirstAppointment(_) => "book",
            Action::Attended => "attended",
            Action::DidNotAttend => "did_not_attend",
            Action::Close(_) => "close",
            Action::Withdraw(_) => "withdraw",
        }
    }

    /// Words for the history: "Sent", "Declined", ...
    pub fn label(code: &str) -> &'static str {
        match code {
            "create" => "Drafted",
            "send" => "Sent",
            "send_override" => "Sent without the sharing consent (override)",
            "accept" => "Accepted by the service",
            "decline" => "Declined by the service",
            "book" => "First appointment booked",
            "attended" => "Went to the first appointment",
            "did_not_attend" => "Did not go to the first appointment",
            "close" => "Closed",
            "withdraw" => "Withdrawn",
            _ => "Changed",
        }
    }
}

/// Why an action was refused, in words for people.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// The state an action leads to from `from`, or why it cannot happen.
pub fn apply(from: State, action: &Action) -> Result<State, Refusal> {
    use State::*;
    if from.is_final() {
        return Err(Refusal(format!(
            "This referral is {}, so it cannot change any more. Make a new referral if more help is needed",
            from.label().to_lowercase()
        )));
    }
    let to = match (from, action) {
        (Draft, Action::Send) => Some(Sent),
        (Sent, Action::Accept) => Some(Accepted),
        (Sent, Action::Decline(_)) => Some(Declined),
        (Accepted, Action::BookFirstAppointment(_)) => Some(Booked),
        (Booked, Action::Attended) => Some(Attended),
        (Booked, Action::DidNotAttend) => Some(DidNotAttend),
        (Declined | Attended | DidNotAttend, Action::Close(_)) => Some(Closed),
        (_, Action::Withdraw(_)) => Some(Withdrawn),
        _ => None,
    };
    to.ok_or_else(|| Refusal(refusal(from, action)))
}

fn refusal(from: State, action: &Action) -> String {
    let what = match action {
        Action::Send => "sent",
        Action::Accept => "recorded as accepted",
        Action::Decline(_) => "recorded as declined",
        Action::BookFirstAppointment(_) => "given a first appointment",
        Action::Attended | Action::DidNotAttend => "given an attendance",
        Action::Close(_) => "closed",
        Action::Withdraw(_) => "withdrawn",
    };
    let next = match from {
        State::Draft => "send it first",
        State::Sent => "record the service's answer first",
        State::Accepted => "record the first appointment first",
        State::Booked => "record whether they went first",
        _ => "close it with an outcome",
    };
    format!(
        "This referral is {} so it cannot be {what} now: {next}",
        from.label().to_lowercase()
    )
}

/// The actions a page offers in a state, as codes (see [`Action::code`]).
pub fn next_steps(from: State) -> Vec<&'static str> {
    let mut steps: Vec<&'static str> = match from {
        State::Draft => vec!["send"],
        State::Sent => vec!["accept", "decline"],
        State::Accepted => vec!["book"],
        State::Booked => vec!["attended", "did_not_attend"],
        State::Declined | State::Attended | State::DidNotAttend => vec!["close"],
        State::Closed | State::Withdrawn => vec![],
    };
    if !from.is_final() {
        steps.push("withdraw");
    }
    steps
}

/// The directory's kind of service for a kind of need (the code of a
/// [`crate::service_taxonomy`] term), to search the directory from a need.
pub fn term_for_need(domain: crate::need::NeedDomain) -> Option<&'static str> {
    use crate::need::NeedDomain as D;
    Some(match domain {
        D::PhysicalHealth | D::GpRegistration => "gp-primary-care",
        D::MentalHealth | D::Trauma => "mental-health",
        D::SubstanceUse => "substance-misuse",
        D::Medication => "pharmacy",
        D::Accommodation => "housing",
        D::FinanceBenefits => "benefits-money",
        D::IdBank => "identity-documents",
        D::FamilyChildren => "family-children",
        D::EducationWork => "employment-training",
        D::Neurodiversity => "neurodiversity",
        D::DomesticAbuse => "domestic-abuse",
        D::Other => return None,
    })
}

#[cfg(test)]
mod tests;
