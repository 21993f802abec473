//! Making a referral: the form on a person's page and what it sends. Its
//! problems are shown on the person's page, next to their fields.

use super::{general, with_status, ReleaseInput};
use crate::pages::people::{person_page, PersonPageExtra};
use crate::pages::Form;
use crate::view::{CheckItem, Page};
use crate::{AppState, PageError};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::{FieldError, PersonId};
use reconnect_store::StoreError;
use serde::Deserialize;

/// The referral form on a person's page.
#[derive(Deserialize, Default, Clone)]
pub struct ReferralForm {
    #[serde(default)]
    pub referral_source: String,
    #[serde(flatten)]
    pub release: ReleaseInput,
    /// Does the person have earlier episodes (the new one will be linked)?
    #[serde(skip)]
    pub linked: bool,
}

impl ReferralForm {
    pub fn sources(&self) -> Vec<CheckItem> {
        ReferralSource::ALL
            .into_iter()
            .map(|s| CheckItem {
                value: s.as_str().to_string(),
                label: s.label().to_string(),
                checked: self.referral_source == s.as_str(),
            })
            .collect()
    }
}

/// `POST /people/{person_id}/episodes`: a referral for support.
pub async fn start(
    State(state): State<AppState>,
    p: Page,
    Path(person_id): Path<String>,
    Form(form): Form<ReferralForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let person_id: PersonId = person_id.parse().map_err(|_| PageError::NotFound)?;
    let store = state.store();
    let born = store.person_date_of_birth(&id.caller, person_id).await?;
    let today = store.now().date();
    let mut errors = Vec::new();
    let source = match form.referral_source.parse::<ReferralSource>() {
        Ok(s) => Some(s),
        Err(e) => {
            errors.push(FieldError::new("referral_source", e.to_string()));
            None
        }
    };
    let release = match form.release.parse(today, born) {
        Ok(r) => Some(r),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let (Some(source), Some(release), true) = (source, release, errors.is_empty()) else {
        return person_page(
            &state,
            &p,
            person_id,
            PersonPageExtra::referral(form, errors),
        )
        .await;
    };
    match store
        .start_episode(&id.caller, person_id, source, &release)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/people/{person_id}?done=referred")).into_response()),
        Err(StoreError::Refused(reason)) => Ok(with_status(
            person_page(
                &state,
                &p,
                person_id,
                PersonPageExtra::referral(form, vec![general(reason)]),
            )
            .await?,
            StatusCode::CONFLICT,
        )),
        Err(StoreError::Invalid(errors)) => {
            person_page(
                &state,
                &p,
                person_id,
                PersonPageExtra::referral(form, errors),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
