//! What the API answers about episodes: an episode, a line of its history,
//! and the two together, with their conversions from the store's records.

use crate::journey;
use reconnect_domain::episode::{available_actions, ActionKind, EpisodeState};
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::window::{release_countdown, ReleaseDate, SiteWindows};
use reconnect_domain::{EpisodeId, PersonId, SiteId};
use reconnect_store::episodes::{Episode, EpisodeEvent};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::Date;
use utoipa::ToSchema;

/// An episode of support.
#[derive(Serialize, ToSchema)]
pub struct EpisodeJson {
    pub id: EpisodeId,
    pub person_id: PersonId,
    pub site_id: SiteId,
    pub state: EpisodeState,
    /// The state as people read it, e.g. "Engaged before release".
    pub state_label: String,
    pub referral_source: ReferralSource,
    /// The expected release date (ISO 8601), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, value_type = Option<String>)]
    pub expected_release: Option<String>,
    /// Why the expected release date is not known, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_unknown_reason: Option<String>,
    /// Like "released in 12 days" or "release date not known".
    pub release_countdown: String,
    /// The latest release recorded (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, value_type = Option<String>)]
    pub released_on: Option<String>,
    /// The latest return to custody recorded (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, value_type = Option<String>)]
    pub returned_to_custody_on: Option<String>,
    /// The latest extension of community support (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, value_type = Option<String>)]
    pub extended_until: Option<String>,
    /// When community support ends, once released (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, value_type = Option<String>)]
    pub support_ends: Option<String>,
    /// The earlier episode this one follows, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked_from: Option<EpisodeId>,
    /// Send this back with the next change.
    pub version: i64,
    /// When it was referred (RFC 3339).
    #[schema(format = DateTime, value_type = String)]
    pub created_at: String,
    /// The actions the journey's rules may allow now (their data may still be refused).
    pub available_actions: Vec<ActionKind>,
}

/// One line of an episode's history.
#[derive(Serialize, ToSchema)]
pub struct EpisodeEventJson {
    pub seq: i64,
    /// RFC 3339.
    #[schema(format = DateTime, value_type = String)]
    pub at: String,
    /// Who did it.
    pub by: String,
    /// `transition` or `release_date`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_state: Option<EpisodeState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_state: Option<EpisodeState>,
    pub summary: String,
    /// The reason or note recorded with it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An episode with its history, oldest first.
#[derive(Serialize, ToSchema)]
pub struct EpisodeDetailJson {
    #[serde(flatten)]
    pub episode: EpisodeJson,
    pub history: Vec<EpisodeEventJson>,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub(super) fn episode_json(e: Episode, today: Date, windows: &SiteWindows) -> EpisodeJson {
    let (expected_release, release_unknown_reason) = match &e.expected_release {
        ReleaseDate::Known(d) => (Some(journey::iso(*d)), None),
        ReleaseDate::Unknown { reason } => (None, Some(reason.to_string())),
    };
    let countdown = match (e.state.is_in_community(), e.released_on) {
        (true, Some(on)) => release_countdown(today, &ReleaseDate::Known(on)),
        _ => release_countdown(today, &e.expected_release),
    };
    EpisodeJson {
        support_ends: e.progress().support_ends(windows).map(journey::iso),
        available_actions: available_actions(e.state),
        id: e.id,
        person_id: e.person_id,
        site_id: e.site_id,
        state: e.state,
        state_label: e.state.label().to_string(),
        referral_source: e.source,
        expected_release,
        release_unknown_reason,
        release_countdown: countdown,
        released_on: e.released_on.map(journey::iso),
        returned_to_custody_on: e.returned_to_custody_on.map(journey::iso),
        extended_until: e.extended_until.map(journey::iso),
        linked_from: e.linked_from,
        version: e.version,
        created_at: rfc3339(e.created_at),
    }
}

pub(super) fn event_json(e: EpisodeEvent) -> EpisodeEventJson {
    EpisodeEventJson {
        seq: e.seq,
        at: rfc3339(e.at),
        by: e.by_name,
        kind: e.kind,
        from_state: e.from_state,
        to_state: e.to_state,
        summary: e.summary,
        reason: e.reason,
    }
}
