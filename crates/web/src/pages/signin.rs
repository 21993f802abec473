//! Signing in and out.
//!
//! A failed sign-in never says whether the account exists: unknown accounts
//! are checked against a decoy hash so they take as long, and failures are
//! counted per account name and per address. After a few failures each
//! attempt is slowed; after more, the account name (or address) is locked
//! for a while. Every attempt is audited.

use super::Form;
use crate::middleware::identity::{append_cookie, expired_cookie, session_cookie, Identity, Via};
use crate::password::verify_async;
use crate::view::{render, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use reconnect_domain::{EmailAddress, FieldError, RequestMeta};
use reconnect_store::throttle::ThrottleRule;
use reconnect_store::{Actor, AuditEntry};
use serde::Deserialize;
use time::Duration;

/// Failures per account name before it is locked, and for how long.
pub const ACCOUNT_RULE: ThrottleRule = ThrottleRule {
    window: Duration::minutes(15),
    lock_after: 10,
    lock_for: Duration::minutes(15),
};

/// Failures per network address before it is locked (a password-spraying guard).
pub const ADDRESS_RULE: ThrottleRule = ThrottleRule {
    window: Duration::minutes(15),
    lock_after: 50,
    lock_for: Duration::minutes(15),
};

/// Failures after which each attempt is slowed.
const SLOW_AFTER: i64 = 3;

const WRONG: &str = "Enter a correct email address and password";
const LOCKED: &str =
    "There have been too many attempts to sign in. Wait 15 minutes and try again, or ask an administrator for help";

#[derive(Template)]
#[template(path = "pages/signin.html")]
struct SignInPage {
    layout: Layout,
    errors: Vec<FieldError>,
    email: String,
    next: String,
    ended: bool,
    signed_out: bool,
}

#[derive(Deserialize, Default)]
pub struct SignInQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    ended: Option<String>,
    #[serde(default)]
    signed_out: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only same-site paths are followed after sign-in. Control characters are
/// refused: browsers drop tabs and newlines from URLs (so "/\t/evil.example"
/// would become "//evil.example"), and the rest cannot go in a header.
fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains(char::is_control)
        && !next.starts_with("/sign-");
    if ok {
        next
    } else {
        "/"
    }
}

fn page(
    p: &Page,
    errors: Vec<FieldError>,
    email: String,
    next: String,
) -> Result<Response, PageError> {
    let mut res = render(&SignInPage {
        layout: p.layout_with_errors("Sign in", &errors),
        errors,
        email,
        next,
        ended: false,
        signed_out: false,
    })?;
    *res.status_mut() = axum::http::StatusCode::OK;
    Ok(res)
}

/// `GET /sign-in`
pub async fn form(p: Page, Query(q): Query<SignInQuery>) -> Result<Response, PageError> {
    if p.identity.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    render(&SignInPage {
        layout: p.layout("Sign in"),
        errors: Vec::new(),
        email: String::new(),
        next: safe_next(&q.next).to_string(),
        ended: q.ended.is_some(),
        signed_out: q.signed_out.is_some(),
    })
}

/// `POST /sign-in`
pub async fn submit(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    p: Page,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    let next = safe_next(&form.next).to_string();
    let mut errors = Vec::new();
    let email = match EmailAddress::parse(&form.email) {
        Ok(e) => Some(e),
        Err(e) => {
            errors.push(FieldError::new("email", e.to_string()));
            None
        }
    };
    if form.password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password"));
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return page(&p, errors, form.email.trim().to_string(), next);
    };

    let store = state.store();
    let account_key = format!("account:{}", email.as_str());
    let address_key = format!("address:{}", meta.ip.as_deref().unwrap_or("unknown"));
    let anonymous = Actor::Anonymous {
        label: Some(email.as_str().to_string()),
        meta: &meta,
    };

    let locked = store.throttle_locked_until(&account_key).await?.is_some()
        || store.throttle_locked_until(&address_key).await?.is_some();
    if locked {
        store
            .audit(
                &anonymous,
                AuditEntry::new("sign_in.refused").detail("locked"),
            )
            .await?;
        return page(
            &p,
            vec![FieldError::new("email", LOCKED)],
            email.to_string(),
            next,
        );
    }

    let creds = store.credentials(&email).await?;
    let hash = creds.as_ref().map(|c| c.password_hash.clone());
    let password_ok = verify_async(form.password, hash).await;
    let ok_user = creds
        .filter(|c| password_ok && !c.disabled)
        .map(|c| c.user_id);

    let Some(user_id) = ok_user else {
        let account = store.throttle_fail(&account_key, ACCOUNT_RULE).await?;
        let address = store.throttle_fail(&address_key, ADDRESS_RULE).await?;
        store
            .audit(
                &anonymous,
                AuditEntry::new("sign_in.failure").detail(format!("attempt {}", account.failures)),
            )
            .await?;
        let failures = account.failures.max(address.failures);
        if failures > SLOW_AFTER {
            let steps = (failures - SLOW_AFTER).min(8) as u32;
            tokio::time::sleep(state.config().signin_delay_step * steps).await;
        }
        let message = if account.locked_until.is_some() || address.locked_until.is_some() {
            LOCKED
        } else {
            WRONG
        };
        return page(
            &p,
            vec![FieldError::new("email", message)],
            email.to_string(),
            next,
        );
    };

    store.throttle_clear(&account_key).await?;
    // A new session every sign-in: any session the browser held before is ended.
    if let Some(Identity {
        via: Via::Session { token, .. },
        caller,
        ..
    }) = &p.identity
    {
        store.end_session(&Actor::User(caller), token).await?;
    }
    let (token, _session) = store
        .start_session(user_id, &meta, state.config().session)
        .await?;
    let mut res = Redirect::to(&next).into_response();
    append_cookie(&mut res, session_cookie(&state, token));
    append_cookie(&mut res, expired_cookie(&state, state.csrf_cookie()));
    Ok(res)
}

/// `POST /sign-out`
pub async fn sign_out(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    if let Some(Identity {
        via: Via::Session { token, .. },
        caller,
        ..
    }) = &p.identity
    {
        state
            .store()
            .end_session(&Actor::User(caller), token)
            .await?;
    }
    let mut res = Redirect::to("/sign-in?signed_out=1").into_response();
    append_cookie(&mut res, expired_cookie(&state, state.session_cookie()));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next("/people"), "/people");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/sign-out"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
