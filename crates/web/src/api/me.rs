//! `GET /api/v1/me`: who the token or session belongs to.

use super::ApiCaller;
use crate::error::Problem;
use axum::Json;
use reconnect_domain::{Role, SiteId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// The sites this account works at.
    pub site_ids: Vec<SiteId>,
}

/// The account making the request.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses(
        (status = 200, description = "The caller's account", body = Me),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn me(ApiCaller(id): ApiCaller) -> Json<Me> {
    Json(Me {
        id: id.user.id,
        email: id.user.email.to_string(),
        display_name: id.user.display_name,
        role: id.user.role,
        site_ids: id.user.sites,
    })
}
