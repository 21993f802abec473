//! Episodes of support in the API: list a person's episodes, start one, read
//! one with its history, act on one, and change its expected release date.
//!
//! Every change names the episode's `version` as the caller last read it.
//! Refusals by the journey's rules and changes made by someone else in the
//! meantime are `409` problem documents whose `detail` says why; bad input is
//! `422` naming each field. Ids in the path are checked before the body, so
//! a record outside the caller's sites is `404` whatever is sent.

use super::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::journey::{self, ActionFields, ActionInput, ReleaseFields};
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::episode::{available_actions, ActionKind, EpisodeState, Reason};
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::window::{release_countdown, ReleaseDate, SiteWindows};
use reconnect_domain::{EpisodeId, FieldError, PersonId, SiteId};
use reconnect_store::episodes::{Episode, EpisodeEvent};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
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

fn episode_json(e: Episode, today: Date, windows: &SiteWindows) -> EpisodeJson {
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

fn event_json(e: EpisodeEvent) -> EpisodeEventJson {
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

async fn to_json(state: &AppState, e: Episode) -> Result<EpisodeJson, ApiError> {
    let windows = state.store().site_windows(e.site_id).await?;
    Ok(episode_json(e, state.store().now().date(), &windows))
}

fn person_id(raw: &str) -> Result<PersonId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

fn episode_id(raw: &str) -> Result<EpisodeId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// Reads a body into `T`, naming the field of every problem serde finds.
fn from_body<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let field = if path == "." || path.is_empty() {
            // "missing field `on`", "unknown field `x`, expected ..."
            message
                .split('`')
                .nth(1)
                .filter(|_| message.contains("field `"))
                .unwrap_or("body")
                .to_string()
        } else {
            path
        };
        ApiError::invalid(vec![FieldError::new(field, message)])
    })
}

/// A person's episodes, newest first.
///
/// Reading them is audited as a read of the person's record.
#[utoipa::path(get, path = "/api/v1/people/{person_id}/episodes", operation_id = "list_episodes", tag = "episodes",
    params(("person_id" = String, Path, description = "The person's id")),
    responses(
        (status = 200, description = "Their episodes, newest first", body = [EpisodeJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Vec<EpisodeJson>>, ApiError> {
    let person = person_id(&raw)?;
    // The audited read, and "not found" for anyone else's.
    state.store().get_person(&id.caller, person).await?;
    let mut out = Vec::new();
    for e in state.store().episodes_of(&id.caller, person).await? {
        out.push(to_json(&state, e).await?);
    }
    Ok(Json(out))
}

/// A referral for support: a new episode.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartEpisodeJson {
    pub referral_source: ReferralSource,
    /// The expected release date (ISO 8601). Give this or `release_unknown_reason`.
    #[serde(default)]
    #[schema(format = Date, value_type = Option<String>)]
    pub expected_release: Option<String>,
    /// Why the release date is not known, like "On remand".
    #[serde(default)]
    pub release_unknown_reason: Option<String>,
}

const API_RELEASE_FIELDS: ReleaseFields = ReleaseFields {
    date: "expected_release",
    reason: "release_unknown_reason",
    known: "expected_release",
};

fn api_release(
    date: Option<&str>,
    reason: Option<&str>,
    today: Date,
    born: Date,
) -> Result<ReleaseDate, Vec<FieldError>> {
    let date = date
        .filter(|d| !d.trim().is_empty())
        .map(|d| journey::date_from_iso(d, "The expected release date"));
    journey::release_date(
        None,
        date,
        reason.unwrap_or_default(),
        today,
        born,
        &API_RELEASE_FIELDS,
    )
}

/// Refers a person for support.
///
/// Refused (409) while they have an open episode; after their earlier
/// support ended, the new episode is linked to the earlier ones.
#[utoipa::path(post, path = "/api/v1/people/{person_id}/episodes", operation_id = "start_episode", tag = "episodes",
    params(("person_id" = String, Path, description = "The person's id")),
    request_body = StartEpisodeJson,
    responses(
        (status = 201, description = "The new episode", body = EpisodeJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "They already have an open episode (the detail says so)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn start(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<(StatusCode, Json<EpisodeJson>), ApiError> {
    let person = person_id(&raw)?;
    let store = state.store();
    let born = store.person_date_of_birth(&id.caller, person).await?;
    let body: StartEpisodeJson = from_body(body)?;
    let release = api_release(
        body.expected_release.as_deref(),
        body.release_unknown_reason.as_deref(),
        store.now().date(),
        born,
    )
    .map_err(ApiError::invalid)?;
    let episode = store
        .start_episode(&id.caller, person, body.referral_source, &release)
        .await?;
    let episode = store.episode(&id.caller, episode).await?;
    Ok((StatusCode::CREATED, Json(to_json(&state, episode).await?)))
}

/// One episode with its history.
///
/// The read is audited as a read of the person's record.
#[utoipa::path(get, path = "/api/v1/episodes/{episode_id}", operation_id = "show_episode", tag = "episodes",
    params(("episode_id" = String, Path, description = "The episode's id")),
    responses(
        (status = 200, description = "The episode and its history", body = EpisodeDetailJson),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<EpisodeDetailJson>, ApiError> {
    let episode = episode_id(&raw)?;
    let store = state.store();
    let e = store.episode(&id.caller, episode).await?;
    store.get_person(&id.caller, e.person_id).await?;
    let history = store
        .episode_history(&id.caller, episode)
        .await?
        .into_iter()
        .map(event_json)
        .collect();
    Ok(Json(EpisodeDetailJson {
        episode: to_json(&state, e).await?,
        history,
    }))
}

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

const API_ACTION_FIELDS: ActionFields = ActionFields {
    reason: "reason",
    details: "details",
    date: "",
    recalled: "recalled",
    to_site: "to_site",
    handover: "handover",
};

impl ActionJson {
    /// Reads the body: the `action` first, then that action's fields, so
    /// every problem names its field.
    fn from_value(body: Value) -> Result<Self, ApiError> {
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
    fn parts(&self) -> (ActionKind, i64, ActionInput<'_>, &'static str) {
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

/// What an action did.
#[derive(Serialize, ToSchema)]
pub struct ActionResultJson {
    pub action: ActionKind,
    pub from: EpisodeState,
    pub to: EpisodeState,
    /// The line added to the history.
    pub summary: String,
    /// The reason or note recorded with it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The episode now; left out when it moved to a site that is not yours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub episode: Option<EpisodeJson>,
}

/// Takes a journey action on an episode.
///
/// For example `{"action": "mark_released", "version": 3, "on": "2026-03-02"}`.
/// Refused by the journey's rules, or changed by someone else since the
/// `version` you send: 409, with the reason as the detail.
#[utoipa::path(post, path = "/api/v1/episodes/{episode_id}/actions", operation_id = "act_on_episode", tag = "episodes",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = ActionJson,
    responses(
        (status = 200, description = "Done", body = ActionResultJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Refused by the journey's rules, or changed by someone else since you read it (the detail says which)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn act(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<ActionResultJson>, ApiError> {
    let episode = episode_id(&raw)?;
    let store = state.store();
    let e = store.episode(&id.caller, episode).await?;
    let born = store.person_date_of_birth(&id.caller, e.person_id).await?;
    let request = ActionJson::from_value(body)?;
    let (kind, version, input, date_field) = request.parts();
    let fields = ActionFields {
        date: date_field,
        ..API_ACTION_FIELDS
    };
    let action = journey::build_action(kind, &input, &fields, store.now().date(), born)
        .map_err(ApiError::invalid)?;
    let outcome = store
        .act_on_episode(&id.caller, episode, version, &action)
        .await?;
    let episode = match store.episode(&id.caller, episode).await {
        Ok(e) => Some(to_json(&state, e).await?),
        Err(reconnect_store::StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(Json(ActionResultJson {
        action: outcome.action,
        from: outcome.from,
        to: outcome.to,
        summary: outcome.summary,
        reason: outcome.reason,
        episode,
    }))
}

/// A new expected release date, or why it is not known, and why it changed.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseDateJson {
    /// The episode's version as you last read it.
    pub version: i64,
    /// The new expected release date (ISO 8601). Give this or `release_unknown_reason`.
    #[serde(default)]
    #[schema(format = Date, value_type = Option<String>)]
    pub expected_release: Option<String>,
    /// Why the release date is not known.
    #[serde(default)]
    pub release_unknown_reason: Option<String>,
    /// Why it changed (kept in the history).
    pub why: String,
}

/// Changes the expected release date of an open episode.
///
/// The earlier date stays in the history, with who changed it and why.
#[utoipa::path(put, path = "/api/v1/episodes/{episode_id}/release-date", operation_id = "change_release_date", tag = "episodes",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = ReleaseDateJson,
    responses(
        (status = 200, description = "The episode now", body = EpisodeJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The episode has ended, or someone else changed it since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn change_release_date(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<EpisodeJson>, ApiError> {
    let episode = episode_id(&raw)?;
    let store = state.store();
    let e = store.episode(&id.caller, episode).await?;
    let born = store.person_date_of_birth(&id.caller, e.person_id).await?;
    let body: ReleaseDateJson = from_body(body)?;
    let mut errors = Vec::new();
    let release = api_release(
        body.expected_release.as_deref(),
        body.release_unknown_reason.as_deref(),
        store.now().date(),
        born,
    )
    .map_err(|e| errors.extend(e))
    .ok();
    let why = Reason::parse(&body.why, "why the expected release date changed")
        .map_err(|m| errors.push(FieldError::new("why", m)))
        .ok();
    let (Some(release), Some(why), true) = (release, why, errors.is_empty()) else {
        return Err(ApiError::invalid(errors));
    };
    store
        .change_expected_release(&id.caller, episode, body.version, &release, &why)
        .await?;
    let e = store.episode(&id.caller, episode).await?;
    Ok(Json(to_json(&state, e).await?))
}
