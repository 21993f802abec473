//! A site's engagement rules in the API: read the versions (staff at the
//! site), save a new version (its site managers). Bad thresholds are `422`
//! naming each field; a save against an older version is `409`.

use crate::api::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::engagement::EngagementRules;
use reconnect_domain::SiteId;
use reconnect_store::engagement_rules::RulesVersion;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

/// One version of a site's rules.
#[derive(Serialize, ToSchema)]
pub struct RulesVersionJson {
    /// 0 is the defaults.
    pub version: i64,
    pub rules: EngagementRules,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub saved_by_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime, value_type = Option<String>)]
    pub saved_at: Option<String>,
}

fn json(v: RulesVersion) -> RulesVersionJson {
    RulesVersionJson {
        version: v.version,
        rules: v.rules,
        saved_by_name: v.by.map(|(_, n)| n),
        saved_at: v.at.map(|t| t.format(&Rfc3339).unwrap_or_default()),
    }
}

fn site_id(raw: &str) -> Result<SiteId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// A site's rules, newest version first, ending with the defaults.
#[utoipa::path(get, path = "/api/v1/sites/{site_id}/engagement-rules", operation_id = "engagement_rules", tag = "engagement",
    params(("site_id" = String, Path, description = "The site's id")),
    responses(
        (status = 200, description = "The versions, newest first", body = [RulesVersionJson]),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_rules(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Json<Vec<RulesVersionJson>>, ApiError> {
    let versions = state
        .store()
        .engagement_rules(&id.caller, site_id(&raw)?)
        .await?;
    Ok(Json(versions.into_iter().map(json).collect()))
}

/// New rules, and the version they replace.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRulesJson {
    /// The version these rules were based on (the latest, or 0 for the defaults).
    pub based_on_version: i64,
    pub rules: EngagementRules,
}

/// Saves a new version of a site's rules.
#[utoipa::path(put, path = "/api/v1/sites/{site_id}/engagement-rules", operation_id = "set_engagement_rules", tag = "engagement",
    params(("site_id" = String, Path, description = "The site's id")),
    request_body = NewRulesJson,
    responses(
        (status = 201, description = "The new version", body = RulesVersionJson),
        (status = 403, description = "Only the site's managers change its rules", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not one of your sites", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Someone saved a newer version meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some thresholds need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_rules(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<(StatusCode, Json<RulesVersionJson>), ApiError> {
    let site = site_id(&raw)?;
    let store = state.store();
    store.engagement_rules(&id.caller, site).await?;
    let body: NewRulesJson = crate::api::engagement::from_body(body)?;
    store
        .set_engagement_rules(&id.caller, site, body.rules, body.based_on_version)
        .await?;
    let latest = store
        .engagement_rules(&id.caller, site)
        .await?
        .into_iter()
        .next()
        .ok_or_else(ApiError::not_found)?;
    Ok((StatusCode::CREATED, Json(json(latest))))
}
