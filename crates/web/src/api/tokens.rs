//! The caller's own API tokens: list and revoke. Tokens are created on the
//! "Your account" page, where the secret is shown once.

use super::ApiCaller;
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::TokenId;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct TokenJson {
    pub id: TokenId,
    pub name: String,
    /// The first characters of the secret.
    pub hint: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
}

/// Your tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", operation_id = "list_tokens", tag = "account",
    responses((status = 200, description = "Your tokens", body = [TokenJson])))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
) -> Result<Json<Vec<TokenJson>>, ApiError> {
    let tokens = state.store().list_tokens(&id.caller).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| TokenJson {
                id: t.id,
                name: t.name,
                hint: t.hint,
                created_at: t.created_at,
                expires_at: t.expires_at,
                last_used_at: t.last_used_at,
                revoked_at: t.revoked_at,
            })
            .collect(),
    ))
}

/// Revokes one of your tokens at once.
#[utoipa::path(delete, path = "/api/v1/tokens/{token_id}", tag = "account",
    params(("token_id" = String, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such live token of yours", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(token): Path<String>,
) -> Result<StatusCode, ApiError> {
    let token: TokenId = token.parse().map_err(|_| ApiError::not_found())?;
    state.store().revoke_token(&id.caller, token).await?;
    Ok(StatusCode::NO_CONTENT)
}
