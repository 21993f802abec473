//! Staff accounts, for administrators.

use super::{ApiCaller, ApiJson};
use crate::error::Problem;
use crate::password::{check_new_password, hash_async};
use crate::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use reconnect_domain::validation::Validation;
use reconnect_domain::{EmailAddress, Role, SiteId, UserId};
use reconnect_store::users::{NewUser, User};
use reconnect_store::Actor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct UserJson {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub site_ids: Vec<SiteId>,
    pub disabled: bool,
}

impl From<User> for UserJson {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email.to_string(),
            display_name: u.display_name,
            role: u.role,
            site_ids: u.sites,
            disabled: u.disabled,
        }
    }
}

/// Every staff account.
#[utoipa::path(get, path = "/api/v1/users", operation_id = "list_users", tag = "admin",
    responses(
        (status = 200, description = "All accounts", body = [UserJson]),
        (status = 403, description = "Administrators only", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
) -> Result<Json<Vec<UserJson>>, ApiError> {
    let users = state.store().list_users(&id.caller).await?;
    Ok(Json(users.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserJson {
    pub email: String,
    pub display_name: String,
    pub role: String,
    #[serde(default)]
    pub site_ids: Vec<SiteId>,
    /// The first password: at least 12 characters, not a common one.
    pub password: String,
}

/// Creates a staff account.
#[utoipa::path(post, path = "/api/v1/users", operation_id = "create_user", tag = "admin", request_body = NewUserJson,
    responses(
        (status = 201, description = "Created", body = UserJson),
        (status = 403, description = "Administrators only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Some fields need changing", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    ApiJson(body): ApiJson<NewUserJson>,
) -> Result<(StatusCode, Json<UserJson>), ApiError> {
    let mut v = Validation::new();
    let email = v.check("email", EmailAddress::parse(&body.email));
    let role = v.check("role", body.role.parse::<Role>());
    if body.display_name.trim().is_empty() {
        v.add("display_name", "Enter their full name");
    }
    let context: Vec<&str> = email
        .as_ref()
        .map(|e| e.local_part())
        .into_iter()
        .chain(body.display_name.split_whitespace())
        .collect();
    v.check("password", check_new_password(&body.password, &context));
    let (Some(email), Some(role), true) = (email, role, v.is_empty()) else {
        return Err(ApiError::invalid(v.into_errors()));
    };
    let hash = hash_async(body.password)
        .await
        .map_err(|_| ApiError::internal())?;
    let user_id = state
        .store()
        .create_user(
            &Actor::User(&id.caller),
            NewUser {
                email,
                display_name: body.display_name,
                role,
                sites: body.site_ids,
                password_hash: hash,
            },
        )
        .await?;
    let user = state.store().get_user(&id.caller, user_id).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}
