//! `GET /api/v1/sites`: sites and the prisons they serve (no personal data).

use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::Json;
use reconnect_domain::{PrisonId, Region, SiteId};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct PrisonJson {
    pub id: PrisonId,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct SiteJson {
    pub id: SiteId,
    pub name: String,
    pub region: Region,
    pub prisons: Vec<PrisonJson>,
}

/// Every site, with its prisons.
#[utoipa::path(get, path = "/api/v1/sites", operation_id = "list_sites", tag = "sites",
    responses(
        (status = 200, description = "All sites", body = [SiteJson]),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<SiteJson>>, ApiError> {
    let sites = state.store().list_sites().await?;
    Ok(Json(
        sites
            .into_iter()
            .map(|s| SiteJson {
                id: s.id,
                name: s.name,
                region: s.region,
                prisons: s
                    .prisons
                    .into_iter()
                    .map(|p| PrisonJson {
                        id: p.id,
                        name: p.name,
                    })
                    .collect(),
            })
            .collect(),
    ))
}
