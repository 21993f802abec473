//! The signed-in user's own account: details, password change, API tokens.

use super::Form;
use crate::middleware::identity::{Identity, Via};
use crate::password::{check_new_password, hash_async, verify_async};
use crate::view::{render, when, CheckItem, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::{FieldError, TokenId};
use reconnect_store::{Actor, StoreError};
use serde::Deserialize;
use time::Duration;

pub struct TokenRow {
    pub id: TokenId,
    pub name: String,
    pub hint: String,
    pub status: String,
    pub last_used: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "pages/account/overview.html")]
struct OverviewPage {
    layout: Layout,
    errors: Vec<FieldError>,
    notice: Option<String>,
    new_token: Option<String>,
    name: String,
    email: String,
    role: String,
    sites: String,
    tokens: Vec<TokenRow>,
    token_name: String,
    lifetimes: Vec<CheckItem>,
}

const LIFETIMES: [(&str, &str, Option<i64>); 4] = [
    ("30", "30 days", Some(30)),
    ("90", "90 days", Some(90)),
    ("365", "1 year", Some(365)),
    ("never", "No expiry (not recommended)", None),
];

struct Extra {
    errors: Vec<FieldError>,
    notice: Option<String>,
    new_token: Option<String>,
    token_name: String,
    lifetime: String,
}

async fn overview_page(state: &AppState, p: &Page, extra: Extra) -> Result<Response, PageError> {
    let id = p.identity()?;
    let now = state.store().now();
    let tokens = state
        .store()
        .list_tokens(&id.caller)
        .await?
        .into_iter()
        .map(|t| {
            let (status, active) = match (t.revoked_at, t.expires_at) {
                (Some(r), _) => (format!("Revoked {}", when(r)), false),
                (None, Some(e)) if e <= now => (format!("Expired {}", when(e)), false),
                (None, Some(e)) => (format!("Active until {}", when(e)), true),
                (None, None) => ("Active, no expiry".to_string(), true),
            };
            TokenRow {
                id: t.id,
                name: t.name,
                hint: format!("{}…", t.hint),
                status,
                last_used: t.last_used_at.map(when).unwrap_or_else(|| "Never".into()),
                active,
            }
        })
        .collect();
    let sites = state.store().list_sites().await?;
    let site_names: Vec<String> = sites
        .into_iter()
        .filter(|s| id.user.sites.contains(&s.id))
        .map(|s| s.name)
        .collect();
    let lifetime = if extra.lifetime.is_empty() {
        "90"
    } else {
        extra.lifetime.as_str()
    };
    render(&OverviewPage {
        layout: p.layout_with_errors("Your account", &extra.errors),
        errors: extra.errors,
        notice: extra.notice,
        new_token: extra.new_token,
        name: id.user.display_name.clone(),
        email: id.user.email.to_string(),
        role: id.user.role.label().to_string(),
        sites: if site_names.is_empty() {
            "None".into()
        } else {
            site_names.join(", ")
        },
        tokens,
        token_name: extra.token_name,
        lifetimes: LIFETIMES
            .iter()
            .map(|(v, l, _)| CheckItem {
                value: v.to_string(),
                label: l.to_string(),
                checked: *v == lifetime,
            })
            .collect(),
    })
}

fn no_extra() -> Extra {
    Extra {
        errors: Vec::new(),
        notice: None,
        new_token: None,
        token_name: String::new(),
        lifetime: String::new(),
    }
}

/// `GET /account`
pub async fn overview(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    overview_page(&state, &p, no_extra()).await
}

#[derive(Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    lifetime: String,
}

/// `POST /account/tokens`: the new secret is shown on the response page, once.
pub async fn token_create(
    State(state): State<AppState>,
    p: Page,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let lifetime = LIFETIMES.iter().find(|(v, _, _)| *v == form.lifetime);
    let Some((_, _, days)) = lifetime else {
        let extra = Extra {
            errors: vec![FieldError::new(
                "lifetime",
                "Choose how long the token should last",
            )],
            token_name: form.name,
            lifetime: String::new(),
            ..no_extra()
        };
        return overview_page(&state, &p, extra).await;
    };
    match state
        .store()
        .create_token(&id.caller, &form.name, days.map(Duration::days))
        .await
    {
        Ok((_, secret)) => {
            let extra = Extra {
                new_token: Some(secret),
                ..no_extra()
            };
            overview_page(&state, &p, extra).await
        }
        Err(StoreError::Invalid(errors)) => {
            let extra = Extra {
                errors,
                token_name: form.name,
                lifetime: form.lifetime,
                ..no_extra()
            };
            overview_page(&state, &p, extra).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /account/tokens/{token_id}/revoke`
pub async fn token_revoke(
    State(state): State<AppState>,
    p: Page,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let token: TokenId = token.parse().map_err(|_| PageError::NotFound)?;
    state.store().revoke_token(&id.caller, token).await?;
    let extra = Extra {
        notice: Some("The token has been revoked. Software using it can no longer sign in.".into()),
        ..no_extra()
    };
    overview_page(&state, &p, extra).await
}

#[derive(Template)]
#[template(path = "pages/account/password.html")]
struct PasswordPage {
    layout: Layout,
    errors: Vec<FieldError>,
}

/// `GET /account/password`
pub async fn password_form(p: Page) -> Result<Response, PageError> {
    render(&PasswordPage {
        layout: p.layout("Change your password"),
        errors: Vec::new(),
    })
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// `POST /account/password`
pub async fn password_submit(
    State(state): State<AppState>,
    p: Page,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let id: &Identity = p.identity()?;
    let mut errors = Vec::new();
    if form.current_password.is_empty() {
        errors.push(FieldError::new(
            "current_password",
            "Enter your current password",
        ));
    } else {
        let hash = state.store().own_password_hash(&id.caller).await?;
        if !verify_async(form.current_password.clone(), Some(hash)).await {
            errors.push(FieldError::new(
                "current_password",
                "Your current password is not correct",
            ));
        }
    }
    let name_parts: Vec<&str> = id.user.display_name.split_whitespace().collect();
    let mut context = vec![id.user.email.local_part()];
    context.extend(name_parts);
    if let Err(problem) = check_new_password(&form.new_password, &context) {
        errors.push(FieldError::new("new_password", problem.to_string()));
    } else if form.new_password == form.current_password {
        errors.push(FieldError::new(
            "new_password",
            "Your new password must be different from your current password",
        ));
    }
    if form.confirm_password != form.new_password {
        errors.push(FieldError::new(
            "confirm_password",
            "The passwords do not match",
        ));
    }
    if !errors.is_empty() {
        let mut res = render(&PasswordPage {
            layout: p.layout_with_errors("Change your password", &errors),
            errors,
        })?;
        *res.status_mut() = axum::http::StatusCode::OK;
        return Ok(res);
    }
    let hash = hash_async(form.new_password)
        .await
        .map_err(PageError::internal)?;
    let keep = match &id.via {
        Via::Session { token, .. } => Some(token.as_str()),
        Via::Token => None,
    };
    state
        .store()
        .set_password(&Actor::User(&id.caller), id.user.id, &hash, keep)
        .await?;
    Ok(Redirect::to("/account").into_response())
}
