//! The next step on a referral, from the referral page: send (with a site
//! manager's override when consent is missing), the service's answer, the
//! first appointment, attendance, closing and withdrawing. A refusal, a
//! stale form or a missing reason is shown on the page, by the field.

use super::load;
use super::view::page;
use crate::pages::contacts::{general, WhenInput, CHANGED_MESSAGE};
use crate::pages::Form;
use crate::view::Page;
use crate::{AppState, PageError};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::episode::Reason;
use reconnect_domain::onward_referral::{Action, Outcome};
use reconnect_domain::FieldError;
use reconnect_store::StoreError;
use serde::Deserialize;

/// Every step's fields; each form sends the ones it has.
#[derive(Deserialize, Default, Clone)]
pub struct ActionForm {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub override_reason: String,
    #[serde(default)]
    pub decline_reason: String,
    #[serde(default)]
    pub withdraw_reason: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(flatten)]
    pub when: WhenInput,
}

/// The action the form asks for, or the problems with it.
fn parse(form: &ActionForm) -> Result<Action, Vec<FieldError>> {
    let one = |field: &str, m: String| vec![FieldError::new(field, m)];
    match form.action.as_str() {
        "send" => Ok(Action::Send),
        "accept" => Ok(Action::Accept),
        "decline" => Reason::parse(&form.decline_reason, "why the service declined")
            .map(Action::Decline)
            .map_err(|m| one("decline_reason", m)),
        "book" => form
            .when
            .read(
                "The date of the first appointment",
                "the time of the first appointment",
            )
            .map(Action::BookFirstAppointment)
            .map_err(|e| vec![e]),
        "attended" => Ok(Action::Attended),
        "did_not_attend" => Ok(Action::DidNotAttend),
        "close" => Outcome::parse(&form.outcome)
            .map(Action::Close)
            .map_err(|e| one("outcome", e.0.to_string())),
        "withdraw" => Reason::parse(&form.withdraw_reason, "why the referral is withdrawn")
            .map(Action::Withdraw)
            .map_err(|m| one("withdraw_reason", m)),
        _ => Err(vec![general("Choose what to do with the referral")]),
    }
}

/// `POST /people/{person_id}/episodes/{episode_id}/onward-referrals/{onward_referral_id}`
pub async fn act(
    State(state): State<AppState>,
    p: Page,
    Path(ids): Path<(String, String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let (cx, r) = load(&state, &p, &ids, false).await?;
    let caller = &p.identity()?.caller;
    let store = state.store();
    let version: i64 = form.version.trim().parse().unwrap_or(0);
    let action = match parse(&form) {
        Ok(a) => a,
        Err(errors) => return page(&p, cx, r, form, errors, None).await,
    };
    let result = match (&action, form.override_reason.trim().is_empty()) {
        (Action::Send, false) => {
            match Reason::parse(&form.override_reason, "why it must go without consent") {
                Ok(why) => {
                    store
                        .send_onward_referral(caller, r.id, version, Some(&why))
                        .await
                }
                Err(m) => {
                    let errors = vec![FieldError::new("override_reason", m)];
                    return page(&p, cx, r, form, errors, None).await;
                }
            }
        }
        _ => store
            .act_on_onward_referral(caller, r.id, version, &action)
            .await
            .map(|_| ()),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("{}?done=changed", super::href(&cx, r.id))).into_response())
        }
        Err(StoreError::Refused(m)) => {
            let fresh = store.onward_referral(caller, r.id).await?;
            page(&p, cx, fresh, form, vec![general(m)], None).await
        }
        Err(StoreError::Stale) => {
            let fresh = store.onward_referral(caller, r.id).await?;
            let mut res = page(
                &p,
                cx,
                fresh,
                ActionForm::default(),
                vec![general(CHANGED_MESSAGE)],
                None,
            )
            .await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(StoreError::Invalid(errors)) => {
            let errors = errors
                .into_iter()
                .map(|e| {
                    if e.field == "appointment" {
                        FieldError::new("when-day", e.message)
                    } else {
                        e
                    }
                })
                .collect();
            page(&p, cx, r, form, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}
