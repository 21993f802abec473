//! The body of a journey action: `action` names it, and each action has
//! its own fields besides the episode's `version`. Every problem names its
//! field, and each action's unknown fields are refused.

use super::from_body;
use crate::journey::{self, ActionInput};
use crate::ApiError;
use reconnect_domain::episode::ActionKind;
use reconnect_domain::FieldError;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

/// Just the version, for actions that need nothing else.
#[derive(Deserialize, ToSchema)]
pub struct VersionOnly {
    /// The episode's version as you last read it.
    pub version: i64,
}

#[derive(Deserialize, ToSchema)]
pub struct DeclineJson {
    /// The episode\'s version as you last read it.
    pub version: i64,
    /// One of `under_18`, `release_outside_windows`, `no_health_need`,
    /// `outside_area`, `already_supported`, `duplicate`, `other`.
    pub reason: String,
    /// Required for `other`; otherwise an optional note.
    #[serde(default)]
    pub details: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct CloseJson {
    /// The episode\'s version as you last read it.
    pub version: i64,
    /// One of `support_completed` (only after stepping down), `moved_away`,
    /// `transferred_to_another_service`, `staying_in_custody`, `died`,
    /// `no_contact_after_attempts`, `other`.
    pub reason: String,
    /// Required for `no_contact_after_attempts` (what was tried) and `other`;
    /// otherwise an optional note.
    #[serde(default)]
    pub details: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct MarkReleasedJson {
    /// The episode\'s version as you last read it.
    pub version: i64,
    /// The day they were released (ISO 8601), today or earlier.
    #[schema(format = Date, value_type = String)]
    pub on: String,
}

#[derive(Deserialize, ToSchema)]
pub struct WithdrawJson {
    /// The episode\'s version as you last read it.
    pub version: i64,
    /// Optional, and never a reason to refuse: taking part is their choice.
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ReturnToCustodyJson {
    /// The episode\'s version as you last read it.
    pub version: i64,
    /// The day they returned to custody (ISO 8601), today or earlier.
    #[schema(format = Date, value_type = String)]
    pub on: String,
    /// Recalled on licence (true), or remanded or sentenced again (false).
    pub recalled: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct TransferSiteJson {
    /// The episode\'s version as you last read it.
    pub version: i64,
    /// The site taking over (the person's record moves with the episode).
    pub to_site: String,
    /// What the new site's worker needs to know.
    pub handover: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ExtendJson {
    /// The episode\'s version as you last read it.
    pub version: i64,
    /// The new end of community support (ISO 8601), after the current one.
    #[schema(format = Date, value_type = String)]
    pub until: String,
    pub reason: String,
}

/// The body of one action: its fields, so that unknown ones are refused.
/// (Not `deny_unknown_fields`: the OpenAPI schema joins each body with the
/// `action` tag, which `additionalProperties: false` would forbid.)
trait Payload: DeserializeOwned {
    const FIELDS: &'static [&'static str];
}

impl Payload for VersionOnly {
    const FIELDS: &'static [&'static str] = &["version"];
}

impl Payload for DeclineJson {
    const FIELDS: &'static [&'static str] = &["version", "reason", "details"];
}

impl Payload for CloseJson {
    const FIELDS: &'static [&'static str] = &["version", "reason", "details"];
}

impl Payload for MarkReleasedJson {
    const FIELDS: &'static [&'static str] = &["version", "on"];
}

impl Payload for WithdrawJson {
    const FIELDS: &'static [&'static str] = &["version", "reason"];
}

impl Payload for ReturnToCustodyJson {
    const FIELDS: &'static [&'static str] = &["version", "on", "recalled"];
}

impl Payload for TransferSiteJson {
    const FIELDS: &'static [&'static str] = &["version", "to_site", "handover"];
}

impl Payload for ExtendJson {
    const FIELDS: &'static [&'static str] = &["version", "until", "reason"];
}

/// Reads one action's body, refusing fields it does not have.
fn payload<T: Payload>(rest: Value) -> Result<T, ApiError> {
    if let Value::Object(map) = &rest {
        let expected = T::FIELDS
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let unknown: Vec<FieldError> = map
            .keys()
            .filter(|k| !T::FIELDS.contains(&k.as_str()))
            .map(|k| {
                FieldError::new(
                    k.as_str(),
                    format!("unknown field `{k}`, expected one of {expected}"),
                )
            })
            .collect();
        if !unknown.is_empty() {
            return Err(ApiError::invalid(unknown));
        }
    }
    from_body(rest)
}

/// A journey action, named by `action`, with what it needs and the
/// episode's `version`.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ActionJson {
    Accept(VersionOnly),
    Decline(DeclineJson),
    StartEngagement(VersionOnly),
    MarkReleased(MarkReleasedJson),
    StartCommunitySupport(VersionOnly),
    BeginSteppingDown(VersionOnly),
    Close(CloseJson),
    Withdraw(WithdrawJson),
    ReturnToCustody(ReturnToCustodyJson),
    Resume(VersionOnly),
    TransferSite(TransferSiteJson),
    ExtendCommunitySupport(ExtendJson),
}

impl ActionJson {
    /// Reads the body: the `action` first, then that action's fields, so
    /// every problem names its field.
    pub(super) fn from_value(body: Value) -> Result<Self, ApiError> {
        let Value::Object(mut map) = body else {
            return Err(ApiError::invalid(vec![FieldError::new(
                "body",
                "Send a JSON object",
            )]));
        };
        let choose = || {
            let names: Vec<&str> = ActionKind::ALL.iter().map(|k| k.as_str()).collect();
            ApiError::invalid(vec![FieldError::new(
                "action",
                format!("Choose an action: one of {}", names.join(", ")),
            )])
        };
        let kind: ActionKind = match map.remove("action") {
            Some(Value::String(s)) => s.parse().map_err(|_| choose())?,
            _ => return Err(choose()),
        };
        let rest = Value::Object(map);
        Ok(match kind {
            ActionKind::Accept => Self::Accept(payload(rest)?),
            ActionKind::Decline => Self::Decline(payload(rest)?),
            ActionKind::StartEngagement => Self::StartEngagement(payload(rest)?),
            ActionKind::MarkReleased => Self::MarkReleased(payload(rest)?),
            ActionKind::StartCommunitySupport => Self::StartCommunitySupport(payload(rest)?),
            ActionKind::BeginSteppingDown => Self::BeginSteppingDown(payload(rest)?),
            ActionKind::Close => Self::Close(payload(rest)?),
            ActionKind::Withdraw => Self::Withdraw(payload(rest)?),
            ActionKind::ReturnToCustody => Self::ReturnToCustody(payload(rest)?),
            ActionKind::Resume => Self::Resume(payload(rest)?),
            ActionKind::TransferSite => Self::TransferSite(payload(rest)?),
            ActionKind::ExtendCommunitySupport => Self::ExtendCommunitySupport(payload(rest)?),
        })
    }

    /// The action's kind, the version it was sent with, and its fields as
    /// the shared input (dates read from ISO 8601), with the date's field name.
    pub(super) fn parts(&self) -> (ActionKind, i64, ActionInput<'_>, &'static str) {
        let plain = |kind, v: &VersionOnly| (kind, v.version, ActionInput::default(), "");
        let iso = |kind, s: &str| Some(journey::date_from_iso(s, journey::date_subject(kind)));
        match self {
            Self::Accept(v) => plain(ActionKind::Accept, v),
            Self::StartEngagement(v) => plain(ActionKind::StartEngagement, v),
            Self::StartCommunitySupport(v) => plain(ActionKind::StartCommunitySupport, v),
            Self::BeginSteppingDown(v) => plain(ActionKind::BeginSteppingDown, v),
            Self::Resume(v) => plain(ActionKind::Resume, v),
            Self::Decline(d) => (
                ActionKind::Decline,
                d.version,
                ActionInput {
                    reason: &d.reason,
                    details: d.details.as_deref().unwrap_or_default(),
                    ..ActionInput::default()
                },
                "",
            ),
            Self::Close(c) => (
                ActionKind::Close,
                c.version,
                ActionInput {
                    reason: &c.reason,
                    details: c.details.as_deref().unwrap_or_default(),
                    ..ActionInput::default()
                },
                "",
            ),
            Self::MarkReleased(m) => (
                ActionKind::MarkReleased,
                m.version,
                ActionInput {
                    date: iso(ActionKind::MarkReleased, &m.on),
                    ..ActionInput::default()
                },
                "on",
            ),
            Self::Withdraw(w) => (
                ActionKind::Withdraw,
                w.version,
                ActionInput {
                    reason: w.reason.as_deref().unwrap_or_default(),
                    ..ActionInput::default()
                },
                "",
            ),
            Self::ReturnToCustody(r) => (
                ActionKind::ReturnToCustody,
                r.version,
                ActionInput {
                    date: iso(ActionKind::ReturnToCustody, &r.on),
                    recalled: Some(r.recalled),
                    ..ActionInput::default()
                },
                "on",
            ),
            Self::TransferSite(t) => (
                ActionKind::TransferSite,
                t.version,
                ActionInput {
                    to_site: &t.to_site,
                    handover: &t.handover,
                    ..ActionInput::default()
                },
                "",
            ),
            Self::ExtendCommunitySupport(x) => (
                ActionKind::ExtendCommunitySupport,
                x.version,
                ActionInput {
                    date: iso(ActionKind::ExtendCommunitySupport, &x.until),
                    reason: &x.reason,
                    ..ActionInput::default()
                },
                "until",
            ),
        }
    }
}
