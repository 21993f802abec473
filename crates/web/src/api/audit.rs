//! The audit trail of the caller's sites, for site managers.

use super::ApiCaller;
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Query, State};
use axum::Json;
use reconnect_domain::{PersonId, Role, SiteId, UserId};
use reconnect_store::AuditFilter;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct AuditEventJson {
    /// Increases with every event; page back with `before_seq`.
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_user_id: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor_role: Option<Role>,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_id: Option<SiteId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<PersonId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    pub person_id: Option<PersonId>,
    pub user_id: Option<UserId>,
    /// RFC 3339 instant; events at or after it.
    pub from: Option<String>,
    /// RFC 3339 instant; events before it.
    pub to: Option<String>,
    pub before_seq: Option<i64>,
    /// 1 to 500, default 100.
    pub limit: Option<u32>,
}

fn instant(field: &str, s: Option<&str>) -> Result<Option<OffsetDateTime>, ApiError> {
    s.map(|v| {
        OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339).map_err(|_| {
            ApiError::invalid(vec![reconnect_domain::FieldError::new(
                field,
                "Use an RFC 3339 instant like 2026-11-01T00:00:00Z",
            )])
        })
    })
    .transpose()
}

/// Events at your sites, newest first.
#[utoipa::path(get, path = "/api/v1/audit", operation_id = "list_audit_events", tag = "audit", params(AuditParams),
    responses(
        (status = 200, description = "Events", body = [AuditEventJson]),
        (status = 403, description = "Site managers only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is malformed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    params: Result<Query<AuditParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<AuditEventJson>>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let filter = AuditFilter {
        person_id: p.person_id,
        user_id: p.user_id,
        from: instant("from", p.from.as_deref())?,
        to: instant("to", p.to.as_deref())?,
        before_seq: p.before_seq,
        limit: p.limit.unwrap_or(100).clamp(1, 500),
    };
    let events = state.store().site_audit(&id.caller, &filter).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| AuditEventJson {
                seq: e.seq,
                at: e.at,
                actor_user_id: e.actor_user_id,
                actor_name: e.actor_name,
                actor_role: e.actor_role,
                action: e.action,
                record_type: e.record_type,
                record_id: e.record_id,
                site_id: e.site_id,
                person_id: e.person_id,
                ip: e.ip,
                request_id: e.request_id,
                detail: e.detail,
            })
            .collect(),
    ))
}
