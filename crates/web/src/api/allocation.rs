//! Allocation in the API: who supports a person (read and change), the
//! caller's caseload, the unallocated list, and the team with capacities
//! (site managers).
//!
//! Ids in the path are checked before the body, so a record outside the
//! caller's sites is `404` whatever is sent. A new worker needs a `reason`
//! (a handover note); a change made by someone else since the caller read
//! the allocation is `409`.

use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::pages::allocation::caseload::countdown;
use crate::{journey, ApiError, AppState};
use axum::extract::{Path, State};
use axum::Json;
use reconnect_domain::caseload::{mentor_reason, Capacity};
use reconnect_domain::episode::{EpisodeState, Handover};
use reconnect_domain::{AllocationId, EpisodeId, FieldError, PersonId, Role, SiteId, UserId};
use reconnect_store::allocation::{Allocation, AllocationChange, AllocationOutcome};
use reconnect_store::caseloads::{CaseloadEntry, TeamMember};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

/// Reads a body into `T`, naming the field of every problem serde finds.
pub(super) fn from_body<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let field = if path == "." || path.is_empty() {
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

pub(super) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

pub(super) fn episode_id(raw: &str) -> Result<EpisodeId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// One allocation of a worker (and perhaps a peer mentor) to an episode.
#[derive(Serialize, ToSchema)]
pub struct AllocationJson {
    pub id: AllocationId,
    pub worker_id: UserId,
    pub worker_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mentor_id: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mentor_name: Option<String>,
    /// Why it started: the handover note when the worker changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// RFC 3339.
    #[schema(format = DateTime, value_type = String)]
    pub started_at: String,
    pub started_by: String,
    /// RFC 3339; absent while current.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub ended_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
}

/// Who supports the person now, and before.
#[derive(Serialize, ToSchema)]
pub struct AllocationDetailJson {
    /// Absent while no one is allocated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<AllocationJson>,
    /// Every allocation, newest first.
    pub history: Vec<AllocationJson>,
}

fn allocation_json(a: Allocation) -> AllocationJson {
    AllocationJson {
        id: a.id,
        worker_id: a.worker_id,
        worker_name: a.worker_name,
        mentor_id: a.mentor_id,
        mentor_name: a.mentor_name,
        reason: a.reason,
        started_at: rfc3339(a.started_at),
        started_by: a.started_by_name,
        ended_at: a.ended_at.map(rfc3339),
        end_reason: a.end_reason,
    }
}

async fn detail(
    state: &AppState,
    caller: &reconnect_domain::Caller,
    episode: EpisodeId,
) -> Result<AllocationDetailJson, ApiError> {
    let history: Vec<AllocationJson> = state
        .store()
        .allocation_history(caller, episode)
        .await?
        .into_iter()
        .map(allocation_json)
        .collect();
    let current = state
        .store()
        .current_allocation(caller, episode)
        .await?
        .map(allocation_json);
    Ok(AllocationDetailJson { current, history })
}

/// Who supports the person during an episode.
///
/// The read is audited as a read of the person's record.
#[utoipa::path(get, path = "/api/v1/episodes/{episode_id}/allocation", operation_id = "show_allocation", tag = "allocation",
    params(("episode_id" = String, Path, description = "The episode's id")),
    responses(
        (status = 200, description = "The current allocation and the history", body = AllocationDetailJson),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn show(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<AllocationDetailJson>, ApiError> {
    let episode = episode_id(&raw)?;
    // The audited read of the person's record, and "not found" for anyone else's.
    let e = state.store().episode(&id.caller, episode).await?;
    state.store().get_person(&id.caller, e.person_id).await?;
    Ok(Json(detail(&state, &id.caller, episode).await?))
}

/// Allocate a worker, or change the worker or peer mentor.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocateJson {
    /// An active RECONNECT worker at the episode's site.
    pub worker_id: UserId,
    /// An active peer mentor at the episode's site; leave out for none.
    #[serde(default)]
    pub mentor_id: Option<UserId>,
    /// Required when the worker changes: the handover note. Optional for a
    /// change of peer mentor.
    #[serde(default)]
    pub reason: Option<String>,
    /// The current allocation's id as you last read it; leave out when
    /// there was none.
    #[serde(default)]
    pub current_allocation_id: Option<AllocationId>,
}

/// What changed, and who supports the person now.
#[derive(Serialize, ToSchema)]
pub struct AllocateResultJson {
    /// `allocated`, `worker_changed`, `mentor_changed` or `unchanged`.
    pub outcome: String,
    #[serde(flatten)]
    pub allocation: AllocationDetailJson,
}

/// Allocates a worker (and optionally a peer mentor) to an open episode, or
/// changes them.
///
/// Continuity is the default: changing the worker needs a `reason`, the
/// handover note for the new worker. Both must be active at the episode's
/// site. Audited.
#[utoipa::path(put, path = "/api/v1/episodes/{episode_id}/allocation", operation_id = "allocate", tag = "allocation",
    params(("episode_id" = String, Path, description = "The episode's id")),
    request_body = AllocateJson,
    responses(
        (status = 200, description = "What changed, and the allocation now", body = AllocateResultJson),
        (status = 403, description = "Your role cannot change case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such episode at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The episode has ended, or someone else changed the allocation since you read it", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn allocate(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<AllocateResultJson>, ApiError> {
    let episode = episode_id(&raw)?;
    // Not found before the body is read.
    state
        .store()
        .current_allocation(&id.caller, episode)
        .await?;
    let body: AllocateJson = from_body(body)?;
    let reason = body.reason.as_deref().unwrap_or_default();
    let handover = if reason.trim().is_empty() {
        None
    } else {
        Some(
            Handover::parse(reason)
                .map_err(|m| ApiError::invalid(vec![FieldError::new("reason", m)]))?,
        )
    };
    let mentor_reason =
        mentor_reason(reason).map_err(|m| ApiError::invalid(vec![FieldError::new("reason", m)]))?;
    let change = AllocationChange {
        worker: body.worker_id,
        mentor: body.mentor_id,
        handover,
        mentor_reason,
    };
    let outcome = state
        .store()
        .allocate(&id.caller, episode, body.current_allocation_id, &change)
        .await?;
    let outcome = match outcome {
        AllocationOutcome::Allocated => "allocated",
        AllocationOutcome::WorkerChanged => "worker_changed",
        AllocationOutcome::MentorChanged => "mentor_changed",
        AllocationOutcome::Unchanged => "unchanged",
    };
    Ok(Json(AllocateResultJson {
        outcome: outcome.to_string(),
        allocation: detail(&state, &id.caller, episode).await?,
    }))
}

/// One open episode on a caseload or on the unallocated list.
#[derive(Serialize, ToSchema)]
pub struct CaseloadEntryJson {
    pub episode_id: EpisodeId,
    pub person_id: PersonId,
    pub site_id: SiteId,
    /// The person's name as staff use it.
    pub name: String,
    pub state: EpisodeState,
    pub state_label: String,
    /// The expected release date (ISO 8601), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, value_type = Option<String>)]
    pub expected_release: Option<String>,
    /// The release date (ISO 8601), once released.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = Date, value_type = Option<String>)]
    pub released_on: Option<String>,
    /// Like "released in 5 days" or "released 3 days ago".
    pub release_countdown: String,
    /// `release_soon`, `recently_released`, or absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    /// On My caseload: `worker` or `peer_mentor`, the caller's part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub your_role: Option<Role>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mentor_name: Option<String>,
    /// Consent to take part holds today.
    pub consent_to_take_part: bool,
    /// How many kinds of partner information may be shared with today.
    pub sharing_partners: u32,
    /// On My caseload: the engagement level (`engaged`, `not_yet_in_contact`,
    /// `wavering`, `disengaged`), once worked out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engagement: Option<String>,
    /// On My caseload: the reasons for the engagement level, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engagement_reasons: Option<Vec<String>>,
    /// On My caseload: the next booked appointment, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_appointment: Option<NextAppointmentJson>,
    /// On My caseload: how many plan actions are open past their due date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overdue_actions: Option<i64>,
    /// On My caseload, before release: the release-day checklist items not
    /// yet confirmed (codes like `gp_registration`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_day_gaps: Option<Vec<String>>,
}

/// The next booked appointment of an episode.
#[derive(Serialize, ToSchema)]
pub struct NextAppointmentJson {
    /// When it starts (RFC 3339).
    #[schema(format = DateTime)]
    pub starts_at: String,
    pub what: String,
    pub location: String,
}

/// Adds My caseload's extra columns to the entries.
async fn with_extras(
    state: &AppState,
    caller: &reconnect_domain::Caller,
    entries: &[CaseloadEntry],
    mut json: Vec<CaseloadEntryJson>,
) -> Result<Vec<CaseloadEntryJson>, ApiError> {
    let store = state.store();
    let now = store.now();
    let ids: Vec<EpisodeId> = entries.iter().map(|e| e.episode_id).collect();
    let next = store.next_appointments(caller, &ids, now).await?;
    let overdue = store
        .overdue_action_counts(caller, &ids, now.date())
        .await?;
    let gaps = store.release_plan_gaps(caller, &ids).await?;
    let levels = store.engagement_levels(caller, &ids, now).await?;
    for (e, j) in entries.iter().zip(json.iter_mut()) {
        j.next_appointment = next.get(&e.episode_id).map(|a| NextAppointmentJson {
            starts_at: rfc3339(a.details.starts_at),
            what: a.details.what.clone(),
            location: a.details.location.clone(),
        });
        if let Some(level) = levels.get(&e.episode_id) {
            j.engagement = Some(level.assessment.level.code().to_string());
            j.engagement_reasons = Some(
                level
                    .assessment
                    .reasons
                    .iter()
                    .map(|r| r.words.clone())
                    .collect(),
            );
        }
        j.overdue_actions = Some(overdue.get(&e.episode_id).copied().unwrap_or(0));
        if !e.state.is_in_community() {
            j.release_day_gaps = Some(
                gaps.get(&e.episode_id)
                    .map(|items| items.iter().map(|i| i.code().to_string()).collect())
                    .unwrap_or_default(),
            );
        }
    }
    Ok(json)
}

fn entry_json(e: &CaseloadEntry, today: time::Date, mine: bool) -> CaseloadEntryJson {
    CaseloadEntryJson {
        episode_id: e.episode_id,
        person_id: e.person_id,
        site_id: e.site_id,
        name: crate::pages::people::display_name(
            &e.given_name,
            &e.family_name,
            e.preferred_name.as_deref(),
        ),
        state: e.state,
        state_label: e.state.label().to_string(),
        expected_release: e.expected_release.date().map(journey::iso),
        released_on: e.released_on.map(journey::iso),
        release_countdown: countdown(e, today),
        priority: if e.urgency.is_soon() {
            Some("release_soon".into())
        } else if e.urgency.is_recently_released() {
            Some("recently_released".into())
        } else {
            None
        },
        your_role: mine.then_some(if e.as_worker {
            Role::Worker
        } else {
            Role::PeerMentor
        }),
        worker_name: e.worker_name.clone(),
        mentor_name: e.mentor_name.clone(),
        consent_to_take_part: e.consent_to_take_part,
        sharing_partners: e.sharing_partners,
        engagement: None,
        engagement_reasons: None,
        next_appointment: None,
        overdue_actions: None,
        release_day_gaps: None,
    }
}

/// My caseload: the open episodes you are the worker or peer mentor of.
///
/// Most urgent first: release within 14 days, then released in the last
/// 28 days, then the rest by release date. Audited as a caseload view.
#[utoipa::path(get, path = "/api/v1/caseload", operation_id = "my_caseload", tag = "allocation",
    responses(
        (status = 200, description = "Your caseload, most urgent first", body = [CaseloadEntryJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn caseload(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
) -> Result<Json<Vec<CaseloadEntryJson>>, ApiError> {
    let today = state.store().now().date();
    let entries = state.store().my_caseload(&id.caller).await?;
    let json = entries.iter().map(|e| entry_json(e, today, true)).collect();
    Ok(Json(with_extras(&state, &id.caller, &entries, json).await?))
}

/// Open episodes at your sites with no RECONNECT worker, most urgent first.
///
/// Referrals still waiting at triage are not listed. Audited.
#[utoipa::path(get, path = "/api/v1/unallocated", operation_id = "unallocated", tag = "allocation",
    responses(
        (status = 200, description = "Episodes with no worker, most urgent first", body = [CaseloadEntryJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn unallocated(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
) -> Result<Json<Vec<CaseloadEntryJson>>, ApiError> {
    let today = state.store().now().date();
    let entries = state.store().unallocated(&id.caller).await?;
    Ok(Json(
        entries
            .iter()
            .map(|e| entry_json(e, today, false))
            .collect(),
    ))
}

/// A worker or peer mentor at one site, with their caseload there.
#[derive(Serialize, ToSchema)]
pub struct TeamMemberJson {
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    pub site_id: SiteId,
    /// How many open episodes they support at the site now.
    pub caseload: u32,
    /// How many they can support; absent until the site manager sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity: Option<u16>,
    pub over_capacity: bool,
}

fn member_json(m: TeamMember) -> TeamMemberJson {
    TeamMemberJson {
        over_capacity: m.load.is_over(),
        caseload: m.load.count,
        capacity: m.load.capacity.map(Capacity::get),
        user_id: m.user_id,
        name: m.name,
        role: m.role,
        site_id: m.site_id,
    }
}

/// The workers and peer mentors at your sites, with caseloads and capacities.
#[utoipa::path(get, path = "/api/v1/team", operation_id = "team", tag = "allocation",
    responses(
        (status = 200, description = "The team at your sites", body = [TeamMemberJson]),
        (status = 403, description = "Site managers only", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn team(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
) -> Result<Json<Vec<TeamMemberJson>>, ApiError> {
    let team = state.store().team(&id.caller).await?;
    Ok(Json(team.into_iter().map(member_json).collect()))
}

/// A new capacity.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacityJson {
    /// How many people they can support at the site: 0 to 200.
    pub capacity: u32,
}

/// Sets how many people a worker or peer mentor can support at one of your
/// sites.
///
/// Earlier values are kept with who set them and when. Audited.
#[utoipa::path(put, path = "/api/v1/sites/{site_id}/team/{user_id}/capacity", operation_id = "set_capacity", tag = "allocation",
    params(
        ("site_id" = String, Path, description = "One of your sites"),
        ("user_id" = String, Path, description = "A worker or peer mentor at that site"),
    ),
    request_body = CapacityJson,
    responses(
        (status = 200, description = "The team member now", body = TeamMemberJson),
        (status = 403, description = "Site managers only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such worker or peer mentor at your sites", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_capacity(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path((site, user)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> Result<Json<TeamMemberJson>, ApiError> {
    let site: SiteId = site.parse().map_err(|_| ApiError::not_found())?;
    let user: UserId = user.parse().map_err(|_| ApiError::not_found())?;
    let store = state.store();
    store.team_member(&id.caller, site, user).await?;
    let body: CapacityJson = from_body(body)?;
    let capacity = Capacity::new(body.capacity)
        .map_err(|m| ApiError::invalid(vec![FieldError::new("capacity", m)]))?;
    store.set_capacity(&id.caller, site, user, capacity).await?;
    Ok(Json(member_json(
        store.team_member(&id.caller, site, user).await?,
    )))
}
