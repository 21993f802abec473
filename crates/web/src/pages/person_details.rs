//! A person's details on the pages: the summary list their record shows
//! ("Not recorded" where nothing is), the "Correct their details" form (a
//! reason is required; a change made by someone else meanwhile is shown with
//! the latest details, keeping what was typed), and the history of
//! corrections with who, when, why and what changed.

use super::person_form::{for_page, DetailsForm};
use crate::view::{render, when, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::episode::Reason;
use reconnect_domain::person::age_on;
use reconnect_domain::person_profile::{detail_rows, Change};
use reconnect_domain::{FieldError, PersonId};
use reconnect_store::people::Person;
use reconnect_store::person_details::PersonRevision;
use reconnect_store::StoreError;
use time::Date;

/// Shown when someone else corrected the record after the form was opened.
pub const STALE_MESSAGE: &str = "Someone else changed their details while you were working on them. Their details now are shown below, and your changes are still in the form: check them and save again";

const NOT_RECORDED: &str = "Not recorded";

/// One line of the summary list.
pub struct DetailView {
    pub label: &'static str,
    pub value: String,
}

/// The record's details, in page order, with the age by the date of birth.
pub fn detail_views(person: &Person, today: Date) -> Vec<DetailView> {
    let s = &person.summary;
    let core = reconnect_domain::person::NewPerson {
        given_name: s.given_name.clone(),
        family_name: s.family_name.clone(),
        preferred_name: s.preferred_name.clone(),
        date_of_birth: s.date_of_birth,
        nhs_number: person.nhs_number,
        prison_number: s.prison_number.clone(),
        prison_id: person.prison_id,
    };
    detail_rows(&core, &person.profile, &s.prison_name)
        .into_iter()
        .map(|row| DetailView {
            label: row.label,
            value: match (row.key, row.value) {
                ("date_of_birth", Some(v)) => {
                    format!("{v} (age {})", age_on(s.date_of_birth, today))
                }
                (_, Some(v)) => v,
                (_, None) => NOT_RECORDED.into(),
            },
        })
        .collect()
}

/// One correction, for the history list.
pub struct RevisionView {
    pub when: String,
    pub by: String,
    pub reason: String,
    pub changes: Vec<ChangeView>,
}

pub struct ChangeView {
    pub label: String,
    pub before: String,
    pub after: String,
}

impl From<&PersonRevision> for RevisionView {
    fn from(r: &PersonRevision) -> Self {
        let words = |v: &Option<String>| v.clone().unwrap_or_else(|| NOT_RECORDED.into());
        Self {
            when: when(r.changed_at),
            by: r.changed_by_name.clone(),
            reason: r.reason.clone(),
            changes: r
                .changes
                .iter()
                .map(|c: &Change| ChangeView {
                    label: c.label.clone(),
                    before: words(&c.before),
                    after: words(&c.after),
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/people/details.html")]
struct DetailsPage {
    layout: Layout,
    errors: Vec<FieldError>,
    name: String,
    person_href: String,
    form_href: String,
    form: DetailsForm,
    prisons: Vec<SelectOption>,
    /// After a clash with someone else's change: the details as they are now.
    conflict: Option<Vec<DetailView>>,
}

fn person_id(raw: &str) -> Result<PersonId, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

async fn details_page(
    state: &AppState,
    p: &Page,
    person: &Person,
    form: DetailsForm,
    errors: Vec<FieldError>,
    conflict: bool,
) -> Result<Response, PageError> {
    let id = person.summary.id;
    let name = super::people::person_name(person);
    let prisons =
        super::people::prison_options(state, p, &form.prison_id, Some(person.summary.site_id))
            .await?;
    let today = state.store().now().date();
    render(&DetailsPage {
        layout: p.layout_with_errors(format!("Correct their details: {name}"), &errors),
        errors,
        name,
        person_href: format!("/people/{id}"),
        form_href: format!("/people/{id}/details"),
        form,
        prisons,
        conflict: conflict.then(|| detail_views(person, today)),
    })
}

/// `GET /people/{person_id}/details`: the form, filled in with the record
/// as it stands (the read is audited).
pub async fn details_form(
    State(state): State<AppState>,
    p: Page,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let person = state
        .store()
        .get_person(&id.caller, person_id(&raw)?)
        .await?;
    if !id.caller.scope.may_write_site(person.summary.site_id) {
        return Err(PageError::NotFound);
    }
    let form = DetailsForm::from_person(&person);
    details_page(&state, &p, &person, form, Vec::new(), false).await
}

/// `POST /people/{person_id}/details`
pub async fn details_submit(
    State(state): State<AppState>,
    p: Page,
    Path(raw): Path<String>,
    super::Form(mut form): super::Form<DetailsForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let person_id = person_id(&raw)?;
    let store = state.store();
    // A form without a version was not made by this page; someone outside
    // the person's site learns only that there is no such person.
    let Ok(version) = form.version.trim().parse::<i64>() else {
        store.get_person(&id.caller, person_id).await?;
        return Err(PageError::BadRequest);
    };
    let today = store.now().date();
    let parsed = form.parse(today);
    let reason = Reason::parse(&form.reason, "why you are correcting their details");
    let (details, reason) = match (parsed, reason) {
        (Ok(d), Ok(r)) => (d, r),
        (parsed, reason) => {
            let mut errors = parsed.err().unwrap_or_default();
            if let Err(m) = reason {
                errors.push(FieldError::new("reason", m));
            }
            let person = store.get_person(&id.caller, person_id).await?;
            return details_page(&state, &p, &person, form, errors, false).await;
        }
    };
    match store
        .update_person_details(&id.caller, person_id, version, &details, &reason)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/people/{person_id}?corrected=1")).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let person = store.get_person(&id.caller, person_id).await?;
            details_page(&state, &p, &person, form, for_page(errors), false).await
        }
        Err(StoreError::Stale) => {
            let person = store.get_person(&id.caller, person_id).await?;
            // Saving again applies this form over the latest version.
            form.version = person.version.to_string();
            let errors = vec![FieldError::new("", STALE_MESSAGE)];
            let mut res = details_page(&state, &p, &person, form, errors, true).await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => Err(e.into()),
    }
}
