//! The triage queue (`/triage`): referrals waiting at the caller's sites,
//! oldest first, each with its eligibility and possible duplicates; the
//! lookup of one referral by its exact reference; and the staff form for a
//! professional's referral (`/triage/new`).

use super::form::ReferralForm;
use super::view::{referral_view, ReferralView};
use crate::pages::Form;
use crate::view::{render, CheckItem, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::referral_reference::ReferralReference;
use reconnect_domain::FieldError;
use reconnect_store::StoreError;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "pages/referrals/queue.html")]
struct QueuePage {
    layout: Layout,
    errors: Vec<FieldError>,
    reference: String,
    referrals: Vec<ReferralView>,
    can_add: bool,
    /// The caller belongs to no site, so there is nothing to triage.
    no_site: bool,
}

#[derive(Template)]
#[template(path = "pages/referrals/new.html")]
struct NewPage {
    layout: Layout,
    errors: Vec<FieldError>,
    form: ReferralForm,
    sources: Vec<SelectOption>,
    prisons: Vec<SelectOption>,
    needs: Vec<CheckItem>,
    contact: Vec<CheckItem>,
    consent: Vec<CheckItem>,
}

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    /// A reference typed into the lookup box.
    #[serde(default)]
    reference: Option<String>,
}

async fn queue_page(
    state: &AppState,
    p: &Page,
    reference: String,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let queue = store.referral_queue(&id.caller).await?;
    let mut duplicates = store.duplicates_of_each(&id.caller, &queue).await?;
    let mut referrals = Vec::with_capacity(queue.len());
    for r in &queue {
        let found = duplicates.remove(&r.id).unwrap_or_default();
        referrals.push(referral_view(store, r, &found).await?);
    }
    render(&QueuePage {
        layout: p.layout_with_errors("Referrals to triage", &errors),
        errors,
        reference,
        referrals,
        can_add: !id.caller.scope.case_write_sites().is_empty(),
        no_site: id.caller.scope.case_sites().is_empty(),
    })
}

/// `GET /triage`, and the reference lookup (`?reference=`).
pub async fn queue(
    State(state): State<AppState>,
    p: Page,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let Some(typed) = q.reference.filter(|r| !r.trim().is_empty()) else {
        return queue_page(&state, &p, String::new(), Vec::new()).await;
    };
    let id = p.identity()?;
    let reference = match ReferralReference::parse(&typed) {
        Ok(r) => r,
        Err(e) => {
            return queue_page(
                &state,
                &p,
                typed.trim().to_string(),
                vec![FieldError::new("reference", e.to_string())],
            )
            .await
        }
    };
    match state
        .store()
        .referral_by_reference(&id.caller, &reference)
        .await
    {
        Ok(r) => Ok(Redirect::to(&format!("/triage/{}", r.id)).into_response()),
        Err(StoreError::NotFound) => {
            let message = format!(
                "No referral at your sites has the reference {reference}. Check it and try again"
            );
            queue_page(
                &state,
                &p,
                reference.to_string(),
                vec![FieldError::new("reference", message)],
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn new_page(
    state: &AppState,
    p: &Page,
    form: ReferralForm,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let sites: Vec<_> = state
        .store()
        .list_sites()
        .await?
        .into_iter()
        .filter(|s| id.caller.scope.may_write_site(s.id))
        .collect();
    render(&NewPage {
        layout: p.layout_with_errors("Add a referral", &errors),
        errors,
        sources: form.source_options(),
        prisons: form.prison_options(&sites, false),
        needs: form.need_items(),
        contact: form.contact_items(false),
        consent: form
            .consent_items("The person knows about this referral and agreed to it being made"),
        form,
    })
}

/// `GET /triage/new`
pub async fn new_form(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    new_page(&state, &p, ReferralForm::default(), Vec::new()).await
}

/// `POST /triage/new`
pub async fn create(
    State(state): State<AppState>,
    p: Page,
    Form(form): Form<ReferralForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let new = match form.parse_staff(store.now().date()) {
        Ok(new) => new,
        Err(errors) => return new_page(&state, &p, form, errors).await,
    };
    match store.create_referral(&id.caller, &new).await {
        Ok((referral, _)) => {
            Ok(Redirect::to(&format!("/triage/{referral}?done=created")).into_response())
        }
        Err(StoreError::Invalid(errors)) => new_page(&state, &p, form, errors).await,
        Err(e) => Err(e.into()),
    }
}
