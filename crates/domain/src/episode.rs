//! An episode is one period of support for one person, from referral to its
//! end. This module is the state machine the store and web layers call to
//! change an episode: [`apply`] either says what the action leads to, or
//! refuses it with a reason written for the person using the page or the API.
//!
//! ```text
//! Referred ──accept──▶ Accepted ──start engagement──▶ EngagedBeforeRelease
//! Referred ──decline (reason)──▶ Declined
//! Accepted, EngagedBeforeRelease ──mark released (date)──▶ Released
//! Released ──start community support──▶ CommunitySupport
//! CommunitySupport ──begin stepping down──▶ SteppingDown
//! SteppingDown ──start community support──▶ CommunitySupport    (stepping back up)
//! CommunitySupport, SteppingDown ──extend (date, reason)──▶ same state
//! Released, CommunitySupport, SteppingDown ──return to custody (date, recalled?)──▶ ReturnedToCustody
//! ReturnedToCustody ──resume──▶ EngagedBeforeRelease
//! ReturnedToCustody ──mark released (date)──▶ Released
//! every open state but Referred ──close (reason)──▶ Closed   ("support completed": SteppingDown only)
//! every open state ──withdraw (optional reason)──▶ Withdrawn  (never refused)
//! every open state ──transfer site (site, handover)──▶ same state, new site
//! Declined, Closed, Withdrawn: final. Support later is a new, linked episode.
//! ```
//!
//! The rules that matter most:
//!
//! - Taking part is the person's choice. [`Action::Withdraw`] is accepted from
//!   every state that is not final, the reason is optional, and nothing in the
//!   episode can block it.
//! - There is no "non-compliance" outcome, and closing an episode for lack of
//!   contact is a worker's decision with a written account of what was tried
//!   ([`ClosureReason::NoContactAfterAttempts`]).
//! - A return to custody (a recall or a new sentence) keeps the same episode
//!   open, with its history: from [`EpisodeState::ReturnedToCustody`] support
//!   resumes before the next release, or the person is marked released again.
//! - [`EpisodeState::Declined`], [`EpisodeState::Closed`] and
//!   [`EpisodeState::Withdrawn`] are final. An episode is never reopened:
//!   support later means a new episode, linked to the earlier ones
//!   ([`re_referral`]).
//! - Community support can be extended as often as needed, each time with a
//!   reason; nothing counts sessions.
//!
//! Free text on an action (reasons, handover notes) is parsed into [`Reason`]
//! and [`Handover`] before the action is built, so [`apply`] refuses only
//! because of the journey's rules (the state, the dates recorded, the site),
//! never because of a badly filled-in form.

use crate::validation::required_text;
use crate::window::{long_date, SiteWindows};
use crate::SiteId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::Date;
use utoipa::ToSchema;

/// The longest reason, in characters.
pub const MAX_REASON_CHARS: usize = 1000;
/// The longest handover note, in characters.
pub const MAX_HANDOVER_CHARS: usize = 5000;

/// A short reason someone wrote to explain a decision: trimmed, not empty, at
/// most [`MAX_REASON_CHARS`] characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Reason(String);

impl Reason {
    /// Parses a reason. `what` names it for the message, like "a reason for
    /// the extension" ("Enter a reason for the extension").
    pub fn parse(input: &str, what: &str) -> Result<Self, String> {
        required_text(input, what, MAX_REASON_CHARS).map(Self)
    }

    /// For a reason that must never stop the action it explains, such as why
    /// someone chose to stop support: keeps what can be kept (control
    /// characters become spaces, overlong text is cut short) and never fails.
    /// An empty box means no reason.
    pub fn lenient(input: &str) -> Option<Self> {
        let cleaned: String = input
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let kept: String = cleaned.trim().chars().take(MAX_REASON_CHARS).collect();
        let kept = kept.trim_end();
        (!kept.is_empty()).then(|| Self(kept.to_string()))
    }

    /// Like [`Reason::parse`], but an empty box means no reason.
    pub fn parse_optional(input: &str, what: &str) -> Result<Option<Self>, String> {
        if input.trim().is_empty() {
            Ok(None)
        } else {
            Self::parse(input, what).map(Some)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A handover note for the site taking over: what the new worker needs to
/// know. Trimmed, not empty, at most [`MAX_HANDOVER_CHARS`] characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Handover(String);

impl Handover {
    pub fn parse(input: &str) -> Result<Self, String> {
        let text = input.replace("\r\n", "\n");
        // Line breaks are welcome in a handover; other control characters are not.
        let without_breaks: String = text
            .chars()
            .map(|c| if c == '\n' || c == '\t' { ' ' } else { c })
            .collect();
        required_text(&without_breaks, "a handover note", MAX_HANDOVER_CHARS)?;
        Ok(Self(text.trim().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Handover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an episode is in the journey.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EpisodeState {
    /// Waiting in the site's triage queue.
    Referred,
    /// Accepted at triage; work has not started yet.
    Accepted,
    /// Not taken on by the service (final).
    Declined,
    /// Working with the person in prison before release.
    EngagedBeforeRelease,
    /// Released: through the gate, before community support is under way.
    Released,
    /// Supported in the community.
    CommunitySupport,
    /// Support is being reduced towards its end.
    SteppingDown,
    /// Back in custody, recalled or on a new sentence or remand. The episode
    /// stays open so support can carry on.
    ReturnedToCustody,
    /// Support has ended (final).
    Closed,
    /// The person chose to stop (final).
    Withdrawn,
}

impl EpisodeState {
    pub const ALL: [EpisodeState; 10] = [
        EpisodeState::Referred,
        EpisodeState::Accepted,
        EpisodeState::Declined,
        EpisodeState::EngagedBeforeRelease,
        EpisodeState::Released,
        EpisodeState::CommunitySupport,
        EpisodeState::SteppingDown,
        EpisodeState::ReturnedToCustody,
        EpisodeState::Closed,
        EpisodeState::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EpisodeState::Referred => "referred",
            EpisodeState::Accepted => "accepted",
            EpisodeState::Declined => "declined",
            EpisodeState::EngagedBeforeRelease => "engaged_before_release",
            EpisodeState::Released => "released",
            EpisodeState::CommunitySupport => "community_support",
            EpisodeState::SteppingDown => "stepping_down",
            EpisodeState::ReturnedToCustody => "returned_to_custody",
            EpisodeState::Closed => "closed",
            EpisodeState::Withdrawn => "withdrawn",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            EpisodeState::Referred => "Referred",
            EpisodeState::Accepted => "Accepted",
            EpisodeState::Declined => "Declined",
            EpisodeState::EngagedBeforeRelease => "Engaged before release",
            EpisodeState::Released => "Released",
            EpisodeState::CommunitySupport => "Community support",
            EpisodeState::SteppingDown => "Stepping down",
            EpisodeState::ReturnedToCustody => "Returned to custody",
            EpisodeState::Closed => "Closed",
            EpisodeState::Withdrawn => "Withdrawn",
        }
    }

    /// Final states accept no further action.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            EpisodeState::Declined | EpisodeState::Closed | EpisodeState::Withdrawn
        )
    }

    /// Is the person out of prison in this state?
    pub fn is_in_community(self) -> bool {
        matches!(
            self,
            EpisodeState::Released | EpisodeState::CommunitySupport | EpisodeState::SteppingDown
        )
    }
}

impl fmt::Display for EpisodeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("Unknown episode state")]
pub struct UnknownEpisodeState;

impl FromStr for EpisodeState {
    type Err = UnknownEpisodeState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EpisodeState::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or(UnknownEpisodeState)
    }
}

/// Why the service did not take a referral on. The person's own choice not to
/// take part is never a decline: it is [`Action::Withdraw`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DeclineReason {
    Under18,
    ReleaseOutsideWindows,
    NoHealthNeed,
    OutsideArea,
    AlreadySupported,
    Duplicate,
    Other { details: Reason },
}

impl DeclineReason {
    /// The codes, in the order a form lists them.
    pub const CODES: [&'static str; 7] = [
        "under_18",
        "release_outside_windows",
        "no_health_need",
        "outside_area",
        "already_supported",
        "duplicate",
        "other",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            DeclineReason::Under18 => "under_18",
            DeclineReason::ReleaseOutsideWindows => "release_outside_windows",
            DeclineReason::NoHealthNeed => "no_health_need",
            DeclineReason::OutsideArea => "outside_area",
            DeclineReason::AlreadySupported => "already_supported",
            DeclineReason::Duplicate => "duplicate",
            DeclineReason::Other { .. } => "other",
        }
    }

    /// The label for a code, for the decline form.
    pub fn label_for(code: &str) -> Option<&'static str> {
        Some(match code {
            "under_18" => "Under 18: the service is for adults",
            "release_outside_windows" => {
                "Release is too far away, or was too long ago, for the service"
            }
            "no_health_need" => "No health need identified",
            "outside_area" => "Released to an area this site does not serve",
            "already_supported" => "Already well supported by another service",
            "duplicate" => "A duplicate of another referral",
            "other" => "Another reason",
            _ => return None,
        })
    }

    pub fn label(&self) -> &'static str {
        Self::label_for(self.code()).unwrap_or("Another reason")
    }

    /// Builds a reason from the form: the code chosen and the details box,
    /// which is required for "other".
    pub fn parse(code: &str, details: &str) -> Result<Self, String> {
        Ok(match code.trim() {
            "under_18" => DeclineReason::Under18,
            "release_outside_windows" => DeclineReason::ReleaseOutsideWindows,
            "no_health_need" => DeclineReason::NoHealthNeed,
            "outside_area" => DeclineReason::OutsideArea,
            "already_supported" => DeclineReason::AlreadySupported,
            "duplicate" => DeclineReason::Duplicate,
            "other" => DeclineReason::Other {
                details: Reason::parse(details, "the reason for declining")?,
            },
            _ => return Err("Choose why the referral is being declined".to_string()),
        })
    }

    /// What is recorded: the label, and the details for "other".
    pub fn describe(&self) -> String {
        match self {
            DeclineReason::Other { details } => details.to_string(),
            other => other.label().to_string(),
        }
    }
}

/// Why an episode ended. Never "non-compliance" or "breach": ending support
/// because the person could not be reached is a worker's decision, recorded
/// with what was tried.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ClosureReason {
    /// Support finished as planned, after stepping down.
    SupportCompleted,
    MovedAway,
    /// Now supported by another service (not another RECONNECT site: that is
    /// a transfer, and the episode carries on).
    TransferredToAnotherService,
    /// Back in custody for longer than support can sensibly carry on. A new
    /// referral before the next release starts a linked episode.
    StayingInCustody,
    Died,
    /// No contact despite repeated attempts; `attempts` says what was tried.
    NoContactAfterAttempts {
        attempts: Reason,
    },
    Other {
        details: Reason,
    },
}

impl ClosureReason {
    /// The codes, in the order a form lists them.
    pub const CODES: [&'static str; 7] = [
        "support_completed",
        "moved_away",
        "transferred_to_another_service",
        "staying_in_custody",
        "died",
        "no_contact_after_attempts",
        "other",
    ];

    pub fn code(&self) -> &'static str {
        match self {
            ClosureReason::SupportCompleted => "support_completed",
            ClosureReason::MovedAway => "moved_away",
            ClosureReason::TransferredToAnotherService => "transferred_to_another_service",
            ClosureReason::StayingInCustody => "staying_in_custody",
            ClosureReason::Died => "died",
            ClosureReason::NoContactAfterAttempts { .. } => "no_contact_after_attempts",
            ClosureReason::Other { .. } => "other",
        }
    }

    /// The label for a code, for the closure form.
    pub fn label_for(code: &str) -> Option<&'static str> {
        Some(match code {
            "support_completed" => "Support completed",
            "moved_away" => "Moved away from the area",
            "transferred_to_another_service" => "Now supported by another service",
            "staying_in_custody" => "Staying in custody for longer",
            "died" => "Died",
            "no_contact_after_attempts" => "No contact after repeated attempts",
            "other" => "Another reason",
            _ => return None,
        })
    }

    pub fn label(&self) -> &'static str {
        Self::label_for(self.code()).unwrap_or("Another reason")
    }

    /// Builds a reason from the form: the code chosen and the details box,
    /// which is required for "no contact" (what was tried) and for "other".
    pub fn parse(code: &str, details: &str) -> Result<Self, String> {
        Ok(match code.trim() {
            "support_completed" => ClosureReason::SupportCompleted,
            "moved_away" => ClosureReason::MovedAway,
            "transferred_to_another_service" => ClosureReason::TransferredToAnotherService,
            "staying_in_custody" => ClosureReason::StayingInCustody,
            "died" => ClosureReason::Died,
            "no_contact_after_attempts" => ClosureReason::NoContactAfterAttempts {
                attempts: Reason::parse(details, "what was tried to get in touch")?,
            },
            "other" => ClosureReason::Other {
                details: Reason::parse(details, "the reason for closing")?,
            },
            _ => return Err("Choose why the episode is being closed".to_string()),
        })
    }

    /// What is recorded: the label, with the details where there are some.
    pub fn describe(&self) -> String {
        match self {
            ClosureReason::NoContactAfterAttempts { attempts } => {
                format!("{}: {attempts}", self.label())
            }
            ClosureReason::Other { details } => details.to_string(),
            other => other.label().to_string(),
        }
    }
}

/// Something a worker (or the person) does to an episode, with what it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Accept,
    Decline {
        reason: DeclineReason,
        note: Option<Reason>,
    },
    /// Start working with the person in prison before release.
    StartEngagement,
    /// They were released on `on` (today or earlier).
    MarkReleased {
        on: Date,
    },
    /// Start community support after release, or return to it from stepping down.
    StartCommunitySupport,
    BeginSteppingDown,
    Close {
        reason: ClosureReason,
        note: Option<Reason>,
    },
    /// The person's choice to stop. Never refused while the episode is open;
    /// build the reason with [`Reason::lenient`] so the form cannot block it either.
    Withdraw {
        reason: Option<Reason>,
    },
    /// Back in custody on `on`: `recalled` on licence, or else remanded or
    /// sentenced again. The episode stays open.
    ReturnToCustody {
        on: Date,
        recalled: bool,
    },
    /// Carry on supporting someone back in custody, before their next release.
    Resume,
    /// Hand the episode to another site; the state does not change.
    TransferSite {
        to: SiteId,
        handover: Handover,
    },
    /// Carry on community support until `until`. As often as needed, each
    /// time with a reason.
    ExtendCommunitySupport {
        until: Date,
        reason: Reason,
    },
}

/// The kind of an [`Action`], without its data: for tables, buttons and the
/// transition record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Accept,
    Decline,
    StartEngagement,
    MarkReleased,
    StartCommunitySupport,
    BeginSteppingDown,
    Close,
    Withdraw,
    ReturnToCustody,
    Resume,
    TransferSite,
    ExtendCommunitySupport,
}

impl ActionKind {
    pub const ALL: [ActionKind; 12] = [
        ActionKind::Accept,
        ActionKind::Decline,
        ActionKind::StartEngagement,
        ActionKind::MarkReleased,
        ActionKind::StartCommunitySupport,
        ActionKind::BeginSteppingDown,
        ActionKind::Close,
        ActionKind::Withdraw,
        ActionKind::ReturnToCustody,
        ActionKind::Resume,
        ActionKind::TransferSite,
        ActionKind::ExtendCommunitySupport,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Accept => "accept",
            ActionKind::Decline => "decline",
            ActionKind::StartEngagement => "start_engagement",
            ActionKind::MarkReleased => "mark_released",
            ActionKind::StartCommunitySupport => "start_community_support",
            ActionKind::BeginSteppingDown => "begin_stepping_down",
            ActionKind::Close => "close",
            ActionKind::Withdraw => "withdraw",
            ActionKind::ReturnToCustody => "return_to_custody",
            ActionKind::Resume => "resume",
            ActionKind::TransferSite => "transfer_site",
            ActionKind::ExtendCommunitySupport => "extend_community_support",
        }
    }

    /// The button text.
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Accept => "Accept referral",
            ActionKind::Decline => "Decline referral",
            ActionKind::StartEngagement => "Start support before release",
            ActionKind::MarkReleased => "Mark as released",
            ActionKind::StartCommunitySupport => "Start community support",
            ActionKind::BeginSteppingDown => "Begin stepping down",
            ActionKind::Close => "Close episode",
            ActionKind::Withdraw => "Record that they want to stop",
            ActionKind::ReturnToCustody => "Record return to custody",
            ActionKind::Resume => "Resume support in custody",
            ActionKind::TransferSite => "Transfer to another site",
            ActionKind::ExtendCommunitySupport => "Extend community support",
        }
    }

    /// "mark someone as released", for "You cannot … before their episode is accepted".
    fn doing(self) -> &'static str {
        match self {
            ActionKind::Accept => "accept a referral",
            ActionKind::Decline => "decline a referral",
            ActionKind::StartEngagement => "start support before release for someone",
            ActionKind::MarkReleased => "mark someone as released",
            ActionKind::StartCommunitySupport => "start community support for someone",
            ActionKind::BeginSteppingDown => "begin stepping down someone's support",
            ActionKind::Close => "close an episode",
            ActionKind::Withdraw => "record that someone wants to stop",
            ActionKind::ReturnToCustody => "record that someone returned to custody",
            ActionKind::Resume => "resume support for someone",
            ActionKind::TransferSite => "transfer someone to another site",
            ActionKind::ExtendCommunitySupport => "extend community support for someone",
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("Unknown episode action")]
pub struct UnknownAction;

impl FromStr for ActionKind {
    type Err = UnknownAction;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ActionKind::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or(UnknownAction)
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Accept => ActionKind::Accept,
            Action::Decline { .. } => ActionKind::Decline,
            Action::StartEngagement => ActionKind::StartEngagement,
            Action::MarkReleased { .. } => ActionKind::MarkReleased,
            Action::StartCommunitySupport => ActionKind::StartCommunitySupport,
            Action::BeginSteppingDown => ActionKind::BeginSteppingDown,
            Action::Close { .. } => ActionKind::Close,
            Action::Withdraw { .. } => ActionKind::Withdraw,
            Action::ReturnToCustody { .. } => ActionKind::ReturnToCustody,
            Action::Resume => ActionKind::Resume,
            Action::TransferSite { .. } => ActionKind::TransferSite,
            Action::ExtendCommunitySupport { .. } => ActionKind::ExtendCommunitySupport,
        }
    }
}

/// What [`apply`] needs to know about the episode besides its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Context {
    /// Today's date (from the clock).
    pub today: Date,
    /// The site the episode is with now.
    pub site: SiteId,
    /// The latest release recorded on the episode, if any.
    pub released_on: Option<Date>,
    /// The latest return to custody recorded on the episode, if any.
    pub returned_to_custody_on: Option<Date>,
    /// When community support ends now (the site default from the latest
    /// release, or a later extension), if they have been released.
    pub support_ends: Option<Date>,
}

/// An action [`apply`] accepted: what to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub action: ActionKind,
    pub from: EpisodeState,
    pub to: EpisodeState,
    /// The site the episode is with afterwards.
    pub site: SiteId,
    /// One line for the timeline, like "Marked as released on 3 March 2026".
    pub summary: String,
    /// The reason to record with the transition, where there is one.
    pub reason: Option<String>,
}

/// Why an action was refused, written to be shown on the page and in the
/// API's 409 problem document.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The action does not apply to an episode in this state.
    #[error("{}", not_allowed_message(*.action, *.state))]
    NotAllowed {
        action: ActionKind,
        state: EpisodeState,
    },
    #[error("Support can only be recorded as completed after stepping down. Begin stepping down first, or choose another reason.")]
    CompletedBeforeSteppingDown,
    #[error("The release date cannot be in the future. Mark someone as released on or after the day they leave prison.")]
    ReleasedInFuture,
    #[error("The release date cannot be before they returned to custody on {}.", long_date(*.returned_on))]
    ReleasedBeforeReturn { returned_on: Date },
    #[error("The date they returned to custody cannot be in the future.")]
    ReturnInFuture,
    #[error("The date they returned to custody cannot be before they were released on {}.", long_date(*.released_on))]
    ReturnBeforeRelease { released_on: Date },
    #[error("The episode is already with this site. Choose a different site to transfer to.")]
    SameSite,
    #[error("The new end date must be after today.")]
    ExtensionNotInFuture,
    #[error("The new end date must be after the current end of community support, {}.", long_date(*.current_end))]
    ExtensionNotLater { current_end: Date },
    #[error("This person already has an open episode ({}). Carry on in that episode: a new referral is for someone whose earlier support has ended.", .state.label().to_lowercase())]
    OpenEpisodeExists { state: EpisodeState },
}

impl Refusal {
    /// A stable code for the API problem document.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotAllowed { .. } => "not_allowed_in_this_state",
            Refusal::CompletedBeforeSteppingDown => "completed_before_stepping_down",
            Refusal::ReleasedInFuture => "released_in_future",
            Refusal::ReleasedBeforeReturn { .. } => "released_before_return_to_custody",
            Refusal::ReturnInFuture => "return_to_custody_in_future",
            Refusal::ReturnBeforeRelease { .. } => "return_to_custody_before_release",
            Refusal::SameSite => "same_site",
            Refusal::ExtensionNotInFuture => "extension_not_in_future",
            Refusal::ExtensionNotLater { .. } => "extension_not_later",
            Refusal::OpenEpisodeExists { .. } => "open_episode_exists",
        }
    }
}

/// Where an action of this kind takes an episode in `state`, ignoring the
/// action's data; `None` when the kind never applies in that state.
pub fn target(state: EpisodeState, action: ActionKind) -> Option<EpisodeState> {
    use ActionKind as A;
    use EpisodeState as S;
    if state.is_terminal() {
        return None;
    }
    match (action, state) {
        (A::Withdraw, _) => Some(S::Withdrawn),
        (A::TransferSite, _) => Some(state),
        (A::Accept, S::Referred) => Some(S::Accepted),
        (A::Decline, S::Referred) => Some(S::Declined),
        (A::StartEngagement, S::Accepted) => Some(S::EngagedBeforeRelease),
        (A::MarkReleased, S::Accepted | S::EngagedBeforeRelease | S::ReturnedToCustody) => {
            Some(S::Released)
        }
        (A::StartCommunitySupport, S::Released | S::SteppingDown) => Some(S::CommunitySupport),
        (A::BeginSteppingDown, S::CommunitySupport) => Some(S::SteppingDown),
        (A::Close, s) if s != S::Referred => Some(S::Closed),
        (A::ReturnToCustody, S::Released | S::CommunitySupport | S::SteppingDown) => {
            Some(S::ReturnedToCustody)
        }
        (A::Resume, S::ReturnedToCustody) => Some(S::EngagedBeforeRelease),
        (A::ExtendCommunitySupport, S::CommunitySupport | S::SteppingDown) => Some(state),
        _ => None,
    }
}

/// The kinds of action that may apply to an episode in `state` (its data may
/// still be refused): the buttons to offer.
pub fn available_actions(state: EpisodeState) -> Vec<ActionKind> {
    ActionKind::ALL
        .into_iter()
        .filter(|a| target(state, *a).is_some())
        .collect()
}

/// Applies `action` to an episode in `state`. Pure: the caller records the
/// outcome (with who and when) and updates the episode.
pub fn apply(state: EpisodeState, action: &Action, ctx: &Context) -> Result<Outcome, Refusal> {
    let kind = action.kind();
    let to = target(state, kind).ok_or(Refusal::NotAllowed {
        action: kind,
        state,
    })?;
    let mut site = ctx.site;
    let (summary, reason) = match action {
        Action::Accept => ("Referral accepted".to_string(), None),
        Action::Decline { reason, note } => (
            format!("Referral declined: {}", reason.label()),
            Some(with_note(reason.describe(), note)),
        ),
        Action::StartEngagement => ("Support before release started".to_string(), None),
        Action::MarkReleased { on } => {
            if *on > ctx.today {
                return Err(Refusal::ReleasedInFuture);
            }
            if let Some(returned_on) = ctx.returned_to_custody_on {
                if *on < returned_on {
                    return Err(Refusal::ReleasedBeforeReturn { returned_on });
                }
            }
            let again = if state == EpisodeState::ReturnedToCustody {
                " again"
            } else {
                ""
            };
            (
                format!("Marked as released{again} on {}", long_date(*on)),
                None,
            )
        }
        Action::StartCommunitySupport => {
            let summary = if state == EpisodeState::SteppingDown {
                "Back to full community support"
            } else {
                "Community support started"
            };
            (summary.to_string(), None)
        }
        Action::BeginSteppingDown => ("Stepping down started".to_string(), None),
        Action::Close { reason, note } => {
            if *reason == ClosureReason::SupportCompleted && state != EpisodeState::SteppingDown {
                return Err(Refusal::CompletedBeforeSteppingDown);
            }
            (
                format!("Episode closed: {}", reason.label()),
                Some(with_note(reason.describe(), note)),
            )
        }
        Action::Withdraw { reason } => (
            "They chose to stop support".to_string(),
            reason.as_ref().map(Reason::to_string),
        ),
        Action::ReturnToCustody { on, recalled } => {
            if *on > ctx.today {
                return Err(Refusal::ReturnInFuture);
            }
            if let Some(released_on) = ctx.released_on {
                if *on < released_on {
                    return Err(Refusal::ReturnBeforeRelease { released_on });
                }
            }
            let how = if *recalled {
                "Recalled to custody"
            } else {
                "Returned to custody"
            };
            (format!("{how} on {}", long_date(*on)), None)
        }
        Action::Resume => ("Support resumed in custody".to_string(), None),
        Action::TransferSite { to, handover } => {
            if *to == ctx.site {
                return Err(Refusal::SameSite);
            }
            site = *to;
            (
                "Transferred to another site".to_string(),
                Some(handover.to_string()),
            )
        }
        Action::ExtendCommunitySupport { until, reason } => {
            if *until <= ctx.today {
                return Err(Refusal::ExtensionNotInFuture);
            }
            if let Some(current_end) = ctx.support_ends {
                if *until <= current_end {
                    return Err(Refusal::ExtensionNotLater { current_end });
                }
            }
            (
                format!("Community support extended to {}", long_date(*until)),
                Some(reason.to_string()),
            )
        }
    };
    Ok(Outcome {
        action: kind,
        from: state,
        to,
        site,
        summary,
        reason,
    })
}

fn with_note(text: String, note: &Option<Reason>) -> String {
    match note {
        Some(n) => format!("{text}. {n}"),
        None => text,
    }
}

/// The refusal text for an action that does not apply in a state: specific to
/// the pair, and saying what to do instead where there is something.
fn not_allowed_message(action: ActionKind, state: EpisodeState) -> String {
    use ActionKind as A;
    use EpisodeState as S;
    let text = match (action, state) {
        (_, S::Declined) => {
            "This referral was declined, so it cannot be changed. If things have changed, make a new referral."
        }
        (_, S::Closed) => {
            "This episode is closed, so it cannot be changed. To support this person again, make a new referral: it will be linked to this episode."
        }
        (_, S::Withdrawn) => {
            "This person chose to stop support, so this episode cannot be changed. If they want support again, make a new referral: it will be linked to this episode."
        }
        (A::Accept, _) => "This referral has already been accepted.",
        (A::Decline, _) => {
            "This referral has already been accepted, so it cannot be declined. To end support, close the episode and give the reason."
        }
        (A::Close, S::Referred) => {
            "A referral that has not been accepted cannot be closed. Decline it with a reason, or record that the person wants to stop."
        }
        (A::ReturnToCustody, S::Referred) => {
            "You cannot record a return to custody before their episode is accepted. If their release date has changed, update the expected release date."
        }
        (_, S::Referred) => {
            return format!(
                "You cannot {} before their episode is accepted.",
                action.doing()
            )
        }
        (A::StartEngagement, S::EngagedBeforeRelease) => {
            "Support before release has already started."
        }
        (A::StartEngagement, S::Released | S::CommunitySupport | S::SteppingDown) => {
            "They have already been released. Support before release is for people still in prison."
        }
        (A::StartEngagement, S::ReturnedToCustody) => {
            "They are back in custody. Choose \"Resume support in custody\" to carry on working with them before their next release."
        }
        (A::MarkReleased, S::Released | S::CommunitySupport | S::SteppingDown) => {
            "They are already recorded as released. If they went back to custody, record that first."
        }
        (A::StartCommunitySupport, S::Accepted | S::EngagedBeforeRelease) => {
            "Community support starts after release. Mark them as released first."
        }
        (A::StartCommunitySupport, S::CommunitySupport) => "Community support has already started.",
        (A::StartCommunitySupport, S::ReturnedToCustody) => {
            "They are back in custody. Mark them as released again before community support restarts."
        }
        (A::BeginSteppingDown, S::Accepted | S::EngagedBeforeRelease) => {
            "Stepping down comes at the end of community support, and they have not been released yet."
        }
        (A::BeginSteppingDown, S::Released) => {
            "Start community support before stepping down."
        }
        (A::BeginSteppingDown, S::SteppingDown) => "Stepping down has already started.",
        (A::BeginSteppingDown, S::ReturnedToCustody) => {
            "They are back in custody. Stepping down can start once community support restarts after their release."
        }
        (A::ReturnToCustody, S::Accepted | S::EngagedBeforeRelease) => {
            "They have not been released yet, so they cannot return to custody. If their release date has changed, update the expected release date."
        }
        (A::ReturnToCustody, S::ReturnedToCustody) => {
            "They are already recorded as back in custody."
        }
        (A::Resume, S::Accepted) => {
            "Support can only be resumed for someone who has returned to custody. To start working with them before release, choose \"Start support before release\"."
        }
        (A::Resume, S::EngagedBeforeRelease) => "Support before release is already under way.",
        (A::Resume, S::Released | S::CommunitySupport | S::SteppingDown) => {
            "Support can only be resumed in custody for someone who has returned to custody. If they have, record the return to custody first."
        }
        (A::ExtendCommunitySupport, S::Accepted | S::EngagedBeforeRelease | S::Released) => {
            "Community support can only be extended once it has started."
        }
        (A::ExtendCommunitySupport, S::ReturnedToCustody) => {
            "They are back in custody. Community support can be extended once it restarts after their release."
        }
        _ => {
            return format!(
                "You cannot {} while the episode is {}.",
                action.doing(),
                state.label().to_lowercase()
            )
        }
    };
    text.to_string()
}

/// An episode's state with the facts [`apply`] checks, kept up to date as
/// actions are applied. Lets the store replay an episode's history, and keeps
/// the dates in [`Context`] consistent with the state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpisodeProgress {
    pub state: EpisodeState,
    pub site: SiteId,
    pub released_on: Option<Date>,
    pub returned_to_custody_on: Option<Date>,
    /// The latest extension of community support, if any.
    pub extended_until: Option<Date>,
}

impl EpisodeProgress {
    /// A new referral to `site`.
    pub fn new(site: SiteId) -> Self {
        Self {
            state: EpisodeState::Referred,
            site,
            released_on: None,
            returned_to_custody_on: None,
            extended_until: None,
        }
    }

    /// When community support ends, once they have been released.
    pub fn support_ends(&self, windows: &SiteWindows) -> Option<Date> {
        self.released_on
            .map(|r| windows.community_support_ends(r, self.extended_until))
    }

    pub fn context(&self, today: Date, windows: &SiteWindows) -> Context {
        Context {
            today,
            site: self.site,
            released_on: self.released_on,
            returned_to_custody_on: self.returned_to_custody_on,
            support_ends: self.support_ends(windows),
        }
    }

    /// Applies `action` on `today`; on success the progress moves on.
    pub fn apply(
        &mut self,
        action: &Action,
        today: Date,
        windows: &SiteWindows,
    ) -> Result<Outcome, Refusal> {
        let outcome = apply(self.state, action, &self.context(today, windows))?;
        self.state = outcome.to;
        self.site = outcome.site;
        match action {
            Action::MarkReleased { on } => self.released_on = Some(*on),
            Action::ReturnToCustody { on, .. } => self.returned_to_custody_on = Some(*on),
            Action::ExtendCommunitySupport { until, .. } => self.extended_until = Some(*until),
            _ => {}
        }
        Ok(outcome)
    }

    /// Rebuilds an episode from its recorded actions, each with the day it was
    /// taken. Stops at the first action the rules refuse.
    pub fn replay<'a>(
        site: SiteId,
        history: impl IntoIterator<Item = &'a (Date, Action)>,
        windows: &SiteWindows,
    ) -> Result<Self, Refusal> {
        let mut progress = Self::new(site);
        for (day, action) in history {
            progress.apply(action, *day, windows)?;
        }
        Ok(progress)
    }
}

/// A new episode for someone, and the earlier episodes it is linked to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReReferral<Id> {
    /// Every earlier episode, in the order given.
    pub linked_to: Vec<Id>,
}

impl<Id> ReReferral<Id> {
    /// Is this the person's first episode?
    pub fn is_first(&self) -> bool {
        self.linked_to.is_empty()
    }
}

/// May a new episode be started for a person whose earlier episodes are
/// `earlier` (id and state)? Only when every earlier one has ended: an open
/// episode carries on instead, through a return to custody if need be. Ended
/// episodes are never reopened; the new one links to them.
///
/// The refusal names the open episode's state, so it is for staff only: the
/// public self-referral form must not reveal whether someone is already known
/// and should put the referral in the triage queue instead.
pub fn re_referral<Id: Clone>(earlier: &[(Id, EpisodeState)]) -> Result<ReReferral<Id>, Refusal> {
    if let Some((_, state)) = earlier.iter().find(|(_, s)| !s.is_terminal()) {
        return Err(Refusal::OpenEpisodeExists { state: *state });
    }
    Ok(ReReferral {
        linked_to: earlier.iter().map(|(id, _)| id.clone()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;
    use time::Duration;
    use uuid::Uuid;
    use ActionKind as A;
    use EpisodeState as S;

    /// Every legal move, written out by hand from the issue and the module
    /// docs (not derived from `target`): state, action, where it leads.
    const LEGAL: &[(S, A, S)] = &[
        (S::Referred, A::Accept, S::Accepted),
        (S::Referred, A::Decline, S::Declined),
        (S::Referred, A::Withdraw, S::Withdrawn),
        (S::Referred, A::TransferSite, S::Referred),
        (S::Accepted, A::StartEngagement, S::EngagedBeforeRelease),
        (S::Accepted, A::MarkReleased, S::Released),
        (S::Accepted, A::Close, S::Closed),
        (S::Accepted, A::Withdraw, S::Withdrawn),
        (S::Accepted, A::TransferSite, S::Accepted),
        (S::EngagedBeforeRelease, A::MarkReleased, S::Released),
        (S::EngagedBeforeRelease, A::Close, S::Closed),
        (S::EngagedBeforeRelease, A::Withdraw, S::Withdrawn),
        (
            S::EngagedBeforeRelease,
            A::TransferSite,
            S::EngagedBeforeRelease,
        ),
        (S::Released, A::StartCommunitySupport, S::CommunitySupport),
        (S::Released, A::ReturnToCustody, S::ReturnedToCustody),
        (S::Released, A::Close, S::Closed),
        (S::Released, A::Withdraw, S::Withdrawn),
        (S::Released, A::TransferSite, S::Released),
        (S::CommunitySupport, A::BeginSteppingDown, S::SteppingDown),
        (
            S::CommunitySupport,
            A::ReturnToCustody,
            S::ReturnedToCustody,
        ),
        (
            S::CommunitySupport,
            A::ExtendCommunitySupport,
            S::CommunitySupport,
        ),
        (S::CommunitySupport, A::Close, S::Closed),
        (S::CommunitySupport, A::Withdraw, S::Withdrawn),
        (S::CommunitySupport, A::TransferSite, S::CommunitySupport),
        (
            S::SteppingDown,
            A::StartCommunitySupport,
            S::CommunitySupport,
        ),
        (S::SteppingDown, A::ReturnToCustody, S::ReturnedToCustody),
        (S::SteppingDown, A::ExtendCommunitySupport, S::SteppingDown),
        (S::SteppingDown, A::Close, S::Closed),
        (S::SteppingDown, A::Withdraw, S::Withdrawn),
        (S::SteppingDown, A::TransferSite, S::SteppingDown),
        (S::ReturnedToCustody, A::Resume, S::EngagedBeforeRelease),
        (S::ReturnedToCustody, A::MarkReleased, S::Released),
        (S::ReturnedToCustody, A::Close, S::Closed),
        (S::ReturnedToCustody, A::Withdraw, S::Withdrawn),
        (S::ReturnedToCustody, A::TransferSite, S::ReturnedToCustody),
    ];

    fn legal(from: S, action: A) -> Option<S> {
        LEGAL
            .iter()
            .find(|(f, a, _)| *f == from && *a == action)
            .map(|(_, _, to)| *to)
    }

    const TODAY: Date = date!(2026 - 06 - 01);

    fn site(n: u128) -> SiteId {
        SiteId(Uuid::from_u128(n))
    }

    fn reason(s: &str) -> Reason {
        Reason::parse(s, "a reason").unwrap()
    }

    /// A context in which every action's data is acceptable.
    fn ctx() -> Context {
        Context {
            today: TODAY,
            site: site(1),
            released_on: Some(date!(2026 - 05 - 01)),
            returned_to_custody_on: Some(date!(2026 - 05 - 20)),
            support_ends: Some(date!(2026 - 11 - 01)),
        }
    }

    /// One well-formed action of each kind.
    fn sample(kind: A) -> Action {
        match kind {
            A::Accept => Action::Accept,
            A::Decline => Action::Decline {
                reason: DeclineReason::Under18,
                note: None,
            },
            A::StartEngagement => Action::StartEngagement,
            A::MarkReleased => Action::MarkReleased { on: TODAY },
            A::StartCommunitySupport => Action::StartCommunitySupport,
            A::BeginSteppingDown => Action::BeginSteppingDown,
            A::Close => Action::Close {
                reason: ClosureReason::MovedAway,
                note: None,
            },
            A::Withdraw => Action::Withdraw { reason: None },
            A::ReturnToCustody => Action::ReturnToCustody {
                on: TODAY,
                recalled: true,
            },
            A::Resume => Action::Resume,
            A::TransferSite => Action::TransferSite {
                to: site(2),
                handover: Handover::parse("Prefers texts. GP registration in progress.").unwrap(),
            },
            A::ExtendCommunitySupport => Action::ExtendCommunitySupport {
                until: date!(2027 - 01 - 31),
                reason: reason("Housing still not settled"),
            },
        }
    }

    fn generic_message(action: A, state: S) -> String {
        format!(
            "You cannot {} while the episode is {}.",
            action.doing(),
            state.label().to_lowercase()
        )
    }

    #[test]
    fn every_state_and_action_pair() {
        let mut allowed = 0;
        for state in S::ALL {
            for kind in A::ALL {
                let result = apply(state, &sample(kind), &ctx());
                match legal(state, kind) {
                    Some(to) => {
                        let outcome = result.unwrap_or_else(|r| {
                            panic!("{state:?} × {kind:?} should be allowed, was refused: {r}")
                        });
                        assert_eq!(outcome.from, state);
                        assert_eq!(outcome.to, to, "{state:?} × {kind:?}");
                        assert_eq!(outcome.action, kind);
                        assert!(!outcome.summary.is_empty());
                        assert_eq!(target(state, kind), Some(to));
                        allowed += 1;
                    }
                    None => {
                        let refusal =
                            result.expect_err(&format!("{state:?} × {kind:?} should be refused"));
                        assert_eq!(
                            refusal,
                            Refusal::NotAllowed {
                                action: kind,
                                state
                            }
                        );
                        let message = refusal.to_string();
                        // Every refusal says something specific to the pair.
                        assert_ne!(
                            message,
                            generic_message(kind, state),
                            "{state:?} × {kind:?}"
                        );
                        assert!(message.ends_with('.'), "{message}");
                        assert_eq!(target(state, kind), None);
                    }
                }
            }
        }
        assert_eq!(allowed, LEGAL.len());
    }

    #[test]
    fn available_actions_match_the_table() {
        for state in S::ALL {
            let expected: Vec<A> = A::ALL
                .into_iter()
                .filter(|a| legal(state, *a).is_some())
                .collect();
            assert_eq!(available_actions(state), expected, "{state:?}");
        }
        assert!(available_actions(S::Closed).is_empty());
    }

    #[test]
    fn refusals_read_plainly() {
        let msg = |kind, state| apply(state, &sample(kind), &ctx()).unwrap_err().to_string();
        assert_eq!(
            msg(A::MarkReleased, S::Referred),
            "You cannot mark someone as released before their episode is accepted."
        );
        assert_eq!(
            msg(A::StartCommunitySupport, S::EngagedBeforeRelease),
            "Community support starts after release. Mark them as released first."
        );
        assert_eq!(
            msg(A::Close, S::Referred),
            "A referral that has not been accepted cannot be closed. Decline it with a reason, or record that the person wants to stop."
        );
        assert_eq!(
            msg(A::Accept, S::Closed),
            "This episode is closed, so it cannot be changed. To support this person again, make a new referral: it will be linked to this episode."
        );
        assert_eq!(
            msg(A::ReturnToCustody, S::EngagedBeforeRelease),
            "They have not been released yet, so they cannot return to custody. If their release date has changed, update the expected release date."
        );
    }

    #[test]
    fn withdraw_is_never_blocked_while_open() {
        // Even with a context that would refuse other actions' data.
        let odd = Context {
            today: date!(2020 - 01 - 01),
            site: site(9),
            released_on: Some(date!(2030 - 01 - 01)),
            returned_to_custody_on: Some(date!(2031 - 01 - 01)),
            support_ends: Some(date!(2040 - 01 - 01)),
        };
        for state in S::ALL.into_iter().filter(|s| !s.is_terminal()) {
            for r in [None, Some(reason("I want a break"))] {
                for c in [ctx(), odd] {
                    let out = apply(state, &Action::Withdraw { reason: r.clone() }, &c).unwrap();
                    assert_eq!(out.to, S::Withdrawn);
                    assert_eq!(out.site, c.site);
                    assert_eq!(out.reason, r.as_ref().map(|x| x.to_string()));
                }
            }
        }
    }

    #[test]
    fn final_states_accept_nothing() {
        for state in [S::Declined, S::Closed, S::Withdrawn] {
            assert!(state.is_terminal());
            for kind in A::ALL {
                assert_eq!(
                    apply(state, &sample(kind), &ctx()),
                    Err(Refusal::NotAllowed {
                        action: kind,
                        state
                    })
                );
            }
        }
        let open: Vec<S> = S::ALL.into_iter().filter(|s| !s.is_terminal()).collect();
        assert_eq!(open.len(), 7);
    }

    #[test]
    fn support_is_completed_only_after_stepping_down() {
        let completed = Action::Close {
            reason: ClosureReason::SupportCompleted,
            note: None,
        };
        for state in [
            S::Accepted,
            S::EngagedBeforeRelease,
            S::Released,
            S::CommunitySupport,
            S::ReturnedToCustody,
        ] {
            assert_eq!(
                apply(state, &completed, &ctx()),
                Err(Refusal::CompletedBeforeSteppingDown)
            );
        }
        let out = apply(S::SteppingDown, &completed, &ctx()).unwrap();
        assert_eq!(out.to, S::Closed);
        assert_eq!(out.reason.as_deref(), Some("Support completed"));
        // Other reasons may close from any accepted state.
        let died = Action::Close {
            reason: ClosureReason::Died,
            note: Some(reason("Family informed us")),
        };
        let out = apply(S::CommunitySupport, &died, &ctx()).unwrap();
        assert_eq!(out.reason.as_deref(), Some("Died. Family informed us"));
    }

    #[test]
    fn release_dates_are_checked() {
        let c = ctx();
        let tomorrow = TODAY + Duration::days(1);
        assert_eq!(
            apply(
                S::EngagedBeforeRelease,
                &Action::MarkReleased { on: tomorrow },
                &c
            ),
            Err(Refusal::ReleasedInFuture)
        );
        // Released before today is fine (a referral made after release).
        let first = Context {
            released_on: None,
            returned_to_custody_on: None,
            support_ends: None,
            ..c
        };
        let out = apply(
            S::Accepted,
            &Action::MarkReleased {
                on: date!(2026 - 04 - 01),
            },
            &first,
        )
        .unwrap();
        assert_eq!(out.summary, "Marked as released on 1 April 2026");
        // Released again: not before they went back in.
        let early = Action::MarkReleased {
            on: date!(2026 - 05 - 19),
        };
        let refusal = apply(S::ReturnedToCustody, &early, &c).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::ReleasedBeforeReturn {
                returned_on: date!(2026 - 05 - 20)
            }
        );
        assert_eq!(
            refusal.to_string(),
            "The release date cannot be before they returned to custody on 20 May 2026."
        );
        // Also after support resumed in custody.
        assert_eq!(
            apply(S::EngagedBeforeRelease, &early, &c),
            Err(Refusal::ReleasedBeforeReturn {
                returned_on: date!(2026 - 05 - 20)
            })
        );
        let again = apply(
            S::ReturnedToCustody,
            &Action::MarkReleased { on: TODAY },
            &c,
        )
        .unwrap();
        assert_eq!(again.summary, "Marked as released again on 1 June 2026");
    }

    #[test]
    fn custody_dates_are_checked() {
        let c = ctx();
        assert_eq!(
            apply(
                S::CommunitySupport,
                &Action::ReturnToCustody {
                    on: TODAY + Duration::days(1),
                    recalled: true
                },
                &c
            ),
            Err(Refusal::ReturnInFuture)
        );
        let refusal = apply(
            S::CommunitySupport,
            &Action::ReturnToCustody {
                on: date!(2026 - 04 - 30),
                recalled: false,
            },
            &c,
        )
        .unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "The date they returned to custody cannot be before they were released on 1 May 2026."
        );
        let recalled = apply(
            S::SteppingDown,
            &Action::ReturnToCustody {
                on: TODAY,
                recalled: true,
            },
            &c,
        )
        .unwrap();
        assert_eq!(recalled.summary, "Recalled to custody on 1 June 2026");
        let remanded = apply(
            S::Released,
            &Action::ReturnToCustody {
                on: TODAY,
                recalled: false,
            },
            &c,
        )
        .unwrap();
        assert_eq!(remanded.summary, "Returned to custody on 1 June 2026");
    }

    #[test]
    fn transfers_keep_the_state_and_change_the_site() {
        let c = ctx();
        for state in S::ALL.into_iter().filter(|s| !s.is_terminal()) {
            let out = apply(state, &sample(A::TransferSite), &c).unwrap();
            assert_eq!(out.to, state);
            assert_eq!(out.site, site(2));
            assert_eq!(
                out.reason.as_deref(),
                Some("Prefers texts. GP registration in progress.")
            );
            let same = Action::TransferSite {
                to: c.site,
                handover: Handover::parse("x").unwrap(),
            };
            assert_eq!(apply(state, &same, &c), Err(Refusal::SameSite));
        }
        // Refused when final, before looking at the site.
        let same = Action::TransferSite {
            to: c.site,
            handover: Handover::parse("x").unwrap(),
        };
        assert!(matches!(
            apply(S::Closed, &same, &c),
            Err(Refusal::NotAllowed { .. })
        ));
    }

    #[test]
    fn extensions_need_a_later_date_and_no_count() {
        let c = ctx();
        let extend = |until| Action::ExtendCommunitySupport {
            until,
            reason: reason("Still waiting for a mental health assessment"),
        };
        assert_eq!(
            apply(S::CommunitySupport, &extend(TODAY), &c),
            Err(Refusal::ExtensionNotInFuture)
        );
        assert_eq!(
            apply(S::CommunitySupport, &extend(date!(2026 - 11 - 01)), &c)
                .unwrap_err()
                .to_string(),
            "The new end date must be after the current end of community support, 1 November 2026."
        );
        // As many extensions as needed, each later than the last.
        let windows = SiteWindows::default();
        let mut p = EpisodeProgress {
            state: S::CommunitySupport,
            site: site(1),
            released_on: Some(date!(2026 - 05 - 01)),
            returned_to_custody_on: None,
            extended_until: None,
        };
        assert_eq!(p.support_ends(&windows), Some(date!(2026 - 11 - 01)));
        for n in 1..=20 {
            let until = date!(2026 - 11 - 01) + Duration::days(30 * n);
            let out = p.apply(&extend(until), TODAY, &windows).unwrap();
            assert_eq!(out.to, S::CommunitySupport);
            assert_eq!(p.support_ends(&windows), Some(until));
        }
    }

    #[test]
    fn decline_and_closure_reasons_parse() {
        for code in DeclineReason::CODES {
            let r = DeclineReason::parse(code, "Referred to the wrong service").unwrap();
            assert_eq!(r.code(), code);
            assert!(DeclineReason::label_for(code).is_some());
        }
        assert!(DeclineReason::parse("other", "  ").is_err());
        assert!(DeclineReason::parse("person_refused", "").is_err());
        for code in ClosureReason::CODES {
            let r = ClosureReason::parse(code, "Three calls and two letters").unwrap();
            assert_eq!(r.code(), code);
            assert!(ClosureReason::label_for(code).is_some());
        }
        assert_eq!(
            ClosureReason::parse("no_contact_after_attempts", "").unwrap_err(),
            "Enter what was tried to get in touch"
        );
        assert_eq!(
            ClosureReason::parse("no_contact_after_attempts", "Three calls and two letters")
                .unwrap()
                .describe(),
            "No contact after repeated attempts: Three calls and two letters"
        );
        assert!(ClosureReason::parse("non_compliance", "").is_err());
    }

    #[test]
    fn codes_round_trip() {
        for s in S::ALL {
            assert_eq!(s.as_str().parse::<S>(), Ok(s));
        }
        for a in A::ALL {
            assert_eq!(a.as_str().parse::<A>(), Ok(a));
            assert_eq!(sample(a).kind(), a);
        }
        assert!("breached".parse::<S>().is_err());
        assert!("mandate".parse::<A>().is_err());
    }

    #[test]
    fn no_punitive_language_anywhere() {
        let mut texts: Vec<String> = Vec::new();
        for s in S::ALL {
            texts.extend([s.as_str().to_string(), s.label().to_string()]);
            for a in A::ALL {
                texts.push(not_allowed_message(a, s));
            }
        }
        for a in A::ALL {
            texts.extend([a.as_str().to_string(), a.label().to_string()]);
        }
        for code in DeclineReason::CODES
            .iter()
            .chain(ClosureReason::CODES.iter())
        {
            texts.push(code.to_string());
            texts.extend(DeclineReason::label_for(code).map(str::to_string));
            texts.extend(ClosureReason::label_for(code).map(str::to_string));
        }
        for t in texts {
            let t = t.to_lowercase();
            for bad in [
                "compliance",
                "complian",
                "breach",
                "licence condition",
                "mandat",
                "failed to engage",
            ] {
                assert!(!t.contains(bad), "{t:?} contains {bad:?}");
            }
        }
    }

    #[test]
    fn reasons_and_handovers_parse() {
        assert_eq!(
            Reason::parse("  Moving to Leeds ", "a reason")
                .unwrap()
                .as_str(),
            "Moving to Leeds"
        );
        assert_eq!(
            Reason::parse(" ", "a reason").unwrap_err(),
            "Enter a reason"
        );
        assert!(Reason::parse(&"x".repeat(MAX_REASON_CHARS + 1), "a reason").is_err());
        assert_eq!(Reason::parse_optional("", "a reason"), Ok(None));
        assert_eq!(Reason::lenient("  \n "), None);
        assert_eq!(
            Reason::lenient("Too much\u{7}going on").unwrap().as_str(),
            "Too much going on"
        );
        let long = Reason::lenient(&"y".repeat(MAX_REASON_CHARS * 2)).unwrap();
        assert_eq!(long.as_str().chars().count(), MAX_REASON_CHARS);
        let h = Handover::parse("Line one\r\nLine two\n").unwrap();
        assert_eq!(h.as_str(), "Line one\nLine two");
        assert_eq!(
            Handover::parse("\n \n").unwrap_err(),
            "Enter a handover note"
        );
        assert!(Handover::parse("bell\u{7}").is_err());
    }

    #[test]
    fn a_whole_journey_with_a_recall() {
        let w = SiteWindows::default();
        let history = vec![
            (date!(2026 - 01 - 05), Action::Accept),
            (date!(2026 - 01 - 06), Action::StartEngagement),
            (
                date!(2026 - 02 - 27),
                Action::MarkReleased {
                    on: date!(2026 - 02 - 27),
                },
            ),
            (date!(2026 - 03 - 02), Action::StartCommunitySupport),
            (
                date!(2026 - 04 - 10),
                Action::ReturnToCustody {
                    on: date!(2026 - 04 - 09),
                    recalled: true,
                },
            ),
            (date!(2026 - 04 - 12), Action::Resume),
            (
                date!(2026 - 05 - 07),
                Action::MarkReleased {
                    on: date!(2026 - 05 - 07),
                },
            ),
            (date!(2026 - 05 - 08), Action::StartCommunitySupport),
            (
                date!(2026 - 10 - 20),
                Action::ExtendCommunitySupport {
                    until: date!(2027 - 01 - 31),
                    reason: reason("Needs longer: housing not settled"),
                },
            ),
            (date!(2027 - 01 - 02), Action::BeginSteppingDown),
            (
                date!(2027 - 01 - 31),
                Action::Close {
                    reason: ClosureReason::SupportCompleted,
                    note: None,
                },
            ),
        ];
        let p = EpisodeProgress::replay(site(1), &history, &w).unwrap();
        assert_eq!(p.state, S::Closed);
        assert_eq!(p.released_on, Some(date!(2026 - 05 - 07)));
        assert_eq!(p.returned_to_custody_on, Some(date!(2026 - 04 - 09)));
        // Community support restarts from the latest release, then the extension.
        assert_eq!(
            SiteWindows::default().community_support_ends(date!(2026 - 05 - 07), []),
            date!(2026 - 11 - 07)
        );
        assert_eq!(p.support_ends(&w), Some(date!(2027 - 01 - 31)));
    }

    #[test]
    fn new_episodes_only_when_earlier_ones_ended() {
        let none: [(u32, S); 0] = [];
        assert!(re_referral(&none).unwrap().is_first());
        let ended = [(1u32, S::Closed), (2, S::Withdrawn), (3, S::Declined)];
        assert_eq!(re_referral(&ended).unwrap().linked_to, vec![1, 2, 3]);
        let open = [(1u32, S::Closed), (2, S::ReturnedToCustody)];
        let refusal = re_referral(&open).unwrap_err();
        assert_eq!(
            refusal,
            Refusal::OpenEpisodeExists {
                state: S::ReturnedToCustody
            }
        );
        assert_eq!(
            refusal.to_string(),
            "This person already has an open episode (returned to custody). Carry on in that episode: a new referral is for someone whose earlier support has ended."
        );
    }

    // ---- Property tests -------------------------------------------------

    /// An action to try, with its dates relative to the day it is tried.
    #[derive(Clone, Debug)]
    struct Step {
        advance_days: i64,
        kind: A,
        offset: i64,
        site: u128,
        recalled: bool,
        closure: usize,
        with_reason: bool,
    }

    impl Step {
        fn action(&self, today: Date) -> Action {
            let past_or_near = today + Duration::days(self.offset % 46 - 40);
            let note = self.with_reason.then(|| reason("Because"));
            match self.kind {
                A::Accept => Action::Accept,
                A::Decline => Action::Decline {
                    reason: DeclineReason::NoHealthNeed,
                    note,
                },
                A::StartEngagement => Action::StartEngagement,
                A::MarkReleased => Action::MarkReleased { on: past_or_near },
                A::StartCommunitySupport => Action::StartCommunitySupport,
                A::BeginSteppingDown => Action::BeginSteppingDown,
                A::Close => Action::Close {
                    reason: ClosureReason::parse(ClosureReason::CODES[self.closure], "Details")
                        .unwrap(),
                    note,
                },
                A::Withdraw => Action::Withdraw { reason: note },
                A::ReturnToCustody => Action::ReturnToCustody {
                    on: past_or_near,
                    recalled: self.recalled,
                },
                A::Resume => Action::Resume,
                A::TransferSite => Action::TransferSite {
                    to: site(self.site),
                    handover: Handover::parse("Handover").unwrap(),
                },
                A::ExtendCommunitySupport => Action::ExtendCommunitySupport {
                    until: today + Duration::days(self.offset),
                    reason: reason("More time needed"),
                },
            }
        }
    }

    fn kind() -> impl Strategy<Value = A> {
        // Endings are rarer than other steps so that long journeys get explored.
        prop_oneof![
            4 => Just(A::Accept),
            1 => Just(A::Decline),
            4 => Just(A::StartEngagement),
            4 => Just(A::MarkReleased),
            4 => Just(A::StartCommunitySupport),
            3 => Just(A::BeginSteppingDown),
            1 => Just(A::Close),
            1 => Just(A::Withdraw),
            3 => Just(A::ReturnToCustody),
            3 => Just(A::Resume),
            2 => Just(A::TransferSite),
            3 => Just(A::ExtendCommunitySupport),
        ]
    }

    fn step() -> impl Strategy<Value = Step> {
        (
            0i64..20,
            kind(),
            -40i64..300,
            1u128..4,
            any::<bool>(),
            0usize..ClosureReason::CODES.len(),
            any::<bool>(),
        )
            .prop_map(
                |(advance_days, kind, offset, site, recalled, closure, with_reason)| Step {
                    advance_days,
                    kind,
                    offset,
                    site,
                    recalled,
                    closure,
                    with_reason,
                },
            )
    }

    fn any_state() -> impl Strategy<Value = S> {
        proptest::sample::select(S::ALL.to_vec())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Folds random actions over a new referral, skipping refusals, and
        /// checks that nothing reaches a state the rules do not allow.
        #[test]
        fn no_sequence_reaches_an_illegal_state(steps in proptest::collection::vec(step(), 0..60)) {
            let windows = SiteWindows::default();
            let mut today = date!(2026 - 01 - 05);
            let mut p = EpisodeProgress::new(site(1));
            let mut history: Vec<(Date, Action)> = Vec::new();
            let mut accepted = false;
            let mut released = false;

            for s in &steps {
                today += Duration::days(s.advance_days);
                let action = s.action(today);
                let before = p.clone();

                // The person can always stop while the episode is open.
                if !before.state.is_terminal() {
                    let mut probe = before.clone();
                    let out = probe.apply(&Action::Withdraw { reason: None }, today, &windows);
                    prop_assert!(out.is_ok(), "withdraw refused from {:?}", before.state);
                }

                match p.apply(&action, today, &windows) {
                    Ok(out) => {
                        prop_assert!(!before.state.is_terminal(), "left final state {:?}", before.state);
                        prop_assert_eq!(legal(before.state, action.kind()), Some(out.to));
                        prop_assert_eq!(out.from, before.state);
                        if action.kind() != A::TransferSite {
                            prop_assert_eq!(p.site, before.site);
                        } else {
                            prop_assert_ne!(p.site, before.site);
                        }
                        accepted |= action.kind() == A::Accept;
                        released |= action.kind() == A::MarkReleased;
                        history.push((today, action));
                    }
                    Err(refusal) => {
                        prop_assert_eq!(&p, &before, "a refusal changed the episode");
                        let message = refusal.to_string();
                        prop_assert!(!message.is_empty());
                        prop_assert!(!message.to_lowercase().contains("compliance"));
                        if before.state.is_terminal() {
                            prop_assert_eq!(
                                refusal,
                                Refusal::NotAllowed { action: s.kind, state: before.state }
                            );
                        }
                    }
                }

                // Invariants of the state reached.
                if matches!(
                    p.state,
                    S::Accepted | S::EngagedBeforeRelease | S::Released | S::CommunitySupport
                        | S::SteppingDown | S::ReturnedToCustody | S::Closed
                ) {
                    prop_assert!(accepted, "{:?} reached without an accept", p.state);
                }
                if p.state.is_in_community() || p.state == S::ReturnedToCustody {
                    prop_assert!(released, "{:?} reached without a release", p.state);
                    prop_assert!(p.released_on.is_some());
                }
                if let Some(r) = p.released_on {
                    prop_assert!(r <= today);
                    prop_assert!(p.support_ends(&windows).is_some_and(|e| e > r));
                }
                if let (Some(r), Some(c)) = (p.released_on, p.returned_to_custody_on) {
                    // The latest of the two says where they are.
                    if p.state == S::ReturnedToCustody {
                        prop_assert!(c >= r);
                    }
                    if p.state.is_in_community() {
                        prop_assert!(r >= c);
                    }
                }
                if before.state.is_terminal() {
                    prop_assert_eq!(p.state, before.state);
                }
            }

            // Replaying the recorded history gives the same episode.
            let replayed = EpisodeProgress::replay(site(1), &history, &windows);
            prop_assert_eq!(replayed, Ok(p));
        }

        /// Whatever the context, apply agrees with the table and never panics.
        #[test]
        fn apply_agrees_with_the_table(
            state in any_state(),
            s in step(),
            today_offset in -400i64..400,
            released in proptest::option::of(-400i64..400),
            returned in proptest::option::of(-400i64..400),
            ends in proptest::option::of(-400i64..400),
        ) {
            let base = date!(2026 - 06 - 01);
            let today = base + Duration::days(today_offset);
            let c = Context {
                today,
                site: site(1),
                released_on: released.map(|d| base + Duration::days(d)),
                returned_to_custody_on: returned.map(|d| base + Duration::days(d)),
                support_ends: ends.map(|d| base + Duration::days(d)),
            };
            let action = s.action(today);
            match apply(state, &action, &c) {
                Ok(out) => prop_assert_eq!(legal(state, action.kind()), Some(out.to)),
                Err(Refusal::NotAllowed { action: k, state: st }) => {
                    prop_assert_eq!(legal(state, action.kind()), None);
                    prop_assert_eq!((k, st), (action.kind(), state));
                }
                Err(other) => {
                    // Refused for its data: only ever an action the state allows,
                    // and never a withdrawal.
                    prop_assert!(legal(state, action.kind()).is_some(), "{}", other);
                    prop_assert_ne!(action.kind(), A::Withdraw);
                }
            }
            let again = apply(state, &action, &c);
            prop_assert_eq!(apply(state, &action, &c), again);
        }
    }
}
