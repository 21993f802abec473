//! The public self-referral form, `/refer`: no sign-in, plain English, a few
//! questions, and a reference number on the confirmation page.
//!
//! What it shows never depends on whether the person is already known to
//! the service: the form compares nothing with existing records. It is
//! protected by a trap field people never see (a filled-in trap gets the
//! same-looking confirmation and nothing is stored), by rate limits per
//! client address (a kind "try again later" page, 429), and by the CSRF
//! token every form here carries. Sending the same referral twice (a double
//! click, a refresh) shows the first one's confirmation again.

use super::form::ReferralForm;
use crate::pages::Form;
use crate::view::{render, CheckItem, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;
use reconnect_domain::{FieldError, RequestMeta};
use reconnect_store::referrals::rate::{PER_DAY, PER_HOUR};
use reconnect_store::referrals::submit::PublicOutcome;
use reconnect_store::StoreError;

const CONSENT: &str = "I understand that RECONNECT will use these details to contact the person about support, and that taking part is their choice";

#[derive(Template)]
#[template(path = "pages/referrals/public_form.html")]
struct PublicFormPage {
    layout: Layout,
    errors: Vec<FieldError>,
    form: ReferralForm,
    who: Vec<CheckItem>,
    prisons: Vec<SelectOption>,
    sites: Vec<SelectOption>,
    needs: Vec<CheckItem>,
    contact: Vec<CheckItem>,
    consent: Vec<CheckItem>,
}

#[derive(Template)]
#[template(path = "pages/referrals/public_done.html")]
struct DonePage {
    layout: Layout,
    reference: String,
}

#[derive(Template)]
#[template(path = "pages/referrals/public_busy.html")]
struct BusyPage {
    layout: Layout,
    per_hour: i64,
    per_day: i64,
}

async fn form_page(
    state: &AppState,
    p: &Page,
    form: ReferralForm,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let sites = state.store().list_sites().await?;
    render(&PublicFormPage {
        layout: p.layout_with_errors("Ask for support", &errors),
        errors,
        who: form.who_items(),
        prisons: form.prison_options(&sites, true),
        sites: form.site_options(&sites),
        needs: form.need_items(),
        contact: form.contact_items(true),
        consent: form.consent_items(CONSENT),
        form,
    })
}

/// `GET /refer`
pub async fn public_form(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    form_page(&state, &p, ReferralForm::default(), Vec::new()).await
}

/// `POST /refer`
pub async fn public_submit(
    State(state): State<AppState>,
    Extension(meta): Extension<RequestMeta>,
    p: Page,
    Form(form): Form<ReferralForm>,
) -> Result<Response, PageError> {
    let store = state.store();
    let new = match form.parse_public(store.now().date()) {
        Ok(new) => new,
        Err(errors) => return form_page(&state, &p, form, errors).await,
    };
    let outcome = if form.website.trim().is_empty() {
        store.submit_public_referral(&meta, &new).await
    } else {
        store.trapped_public_referral(&meta).await
    };
    match outcome {
        Ok(PublicOutcome::Received(reference)) | Ok(PublicOutcome::AlreadyReceived(reference)) => {
            render(&DonePage {
                layout: p.layout("Thank you: we have your request"),
                reference: reference.to_string(),
            })
        }
        Ok(PublicOutcome::TooMany) => {
            let mut res = render(&BusyPage {
                layout: p.layout("Please try again later"),
                per_hour: PER_HOUR,
                per_day: PER_DAY,
            })?;
            *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            Ok(res)
        }
        Err(StoreError::Invalid(errors)) => form_page(&state, &p, form, errors).await,
        Err(e) => Err(e.into()),
    }
}
