//! The caseload and a person's record. All data comes from the store's scoped
//! queries, which also write the audit trail.

use super::episodes::{support_section, ReferralForm, Support};
use super::Form;
use crate::view::{date, render, when, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::person::{age_on, NewPerson, NewPersonInput};
use reconnect_domain::{FieldError, PersonId};
use reconnect_store::people::{PeopleFilter, Person};
use reconnect_store::StoreError;
use serde::Deserialize;

const PAGE_SIZE: u32 = 200;

pub struct PersonRow {
    pub id: PersonId,
    pub name: String,
    pub dob: String,
    pub prison_number: String,
    pub prison: String,
}

#[derive(Template)]
#[template(path = "pages/people/list.html")]
struct ListPage {
    layout: Layout,
    q: String,
    people: Vec<PersonRow>,
    more: bool,
    no_site: bool,
    can_add: bool,
    transferred: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    transferred: Option<String>,
}

/// Name as people should be addressed: preferred name first when given.
pub fn display_name(given: &str, family: &str, preferred: Option<&str>) -> String {
    match preferred {
        Some(p) if !p.is_empty() && p != given => format!("{p} {family} ({given})"),
        _ => format!("{given} {family}"),
    }
}

/// `GET /people`
pub async fn list(
    State(state): State<AppState>,
    p: Page,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let search = q.q.trim().chars().take(100).collect::<String>();
    let people = state
        .store()
        .list_people(
            &id.caller,
            &PeopleFilter {
                site: None,
                search: Some(search.clone()).filter(|s| !s.is_empty()),
                limit: PAGE_SIZE + 1,
                offset: 0,
            },
        )
        .await?;
    let more = people.len() > PAGE_SIZE as usize;
    let rows = people
        .into_iter()
        .take(PAGE_SIZE as usize)
        .map(|s| PersonRow {
            id: s.id,
            name: display_name(&s.given_name, &s.family_name, s.preferred_name.as_deref()),
            dob: date(s.date_of_birth),
            prison_number: s.prison_number.to_string(),
            prison: s.prison_name,
        })
        .collect();
    render(&ListPage {
        layout: p.layout("People"),
        q: search,
        people: rows,
        more,
        no_site: id.caller.scope.case_sites().is_empty(),
        can_add: id.user.role.writes_cases() && !id.user.sites.is_empty(),
        transferred: q.transferred.is_some(),
    })
}

#[derive(Deserialize, Default)]
pub struct PersonForm {
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default)]
    pub preferred_name: String,
    #[serde(default, rename = "date_of_birth-day")]
    pub dob_day: String,
    #[serde(default, rename = "date_of_birth-month")]
    pub dob_month: String,
    #[serde(default, rename = "date_of_birth-year")]
    pub dob_year: String,
    #[serde(default)]
    pub nhs_number: String,
    #[serde(default)]
    pub prison_number: String,
    #[serde(default)]
    pub prison_id: String,
}

#[derive(Template)]
#[template(path = "pages/people/new.html")]
struct NewPage {
    layout: Layout,
    errors: Vec<FieldError>,
    form: PersonForm,
    prisons: Vec<SelectOption>,
}

async fn new_page(
    state: &AppState,
    p: &Page,
    form: PersonForm,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let sites = state.store().list_sites().await?;
    let mut prisons = vec![SelectOption {
        value: String::new(),
        label: "Choose a prison".into(),
        selected: form.prison_id.is_empty(),
    }];
    for site in sites
        .iter()
        .filter(|s| id.caller.scope.may_write_site(s.id))
    {
        for pr in &site.prisons {
            let value = pr.id.to_string();
            prisons.push(SelectOption {
                selected: value == form.prison_id,
                value,
                label: if id.user.sites.len() > 1 {
                    format!("{} ({})", pr.name, site.name)
                } else {
                    pr.name.clone()
                },
            });
        }
    }
    if prisons.len() == 1 {
        prisons.clear();
    }
    render(&NewPage {
        layout: p.layout_with_errors("Add a person", &errors),
        errors,
        form,
        prisons,
    })
}

/// `GET /people/new`
pub async fn new_form(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    new_page(&state, &p, PersonForm::default(), Vec::new()).await
}

/// The date of birth's errors point at its first box.
fn for_page(mut errors: Vec<FieldError>) -> Vec<FieldError> {
    for e in &mut errors {
        if e.field == "date_of_birth" {
            e.field = "date_of_birth-day".into();
        }
    }
    errors
}

/// `POST /people/new`
pub async fn create(
    State(state): State<AppState>,
    p: Page,
    Form(form): Form<PersonForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let today = state.store().now().date();
    let input = NewPersonInput {
        given_name: &form.given_name,
        family_name: &form.family_name,
        preferred_name: &form.preferred_name,
        dob_day: &form.dob_day,
        dob_month: &form.dob_month,
        dob_year: &form.dob_year,
        nhs_number: &form.nhs_number,
        prison_number: &form.prison_number,
        prison_id: &form.prison_id,
    };
    let new = match NewPerson::parse(&input, today) {
        Ok(n) => n,
        Err(errors) => return new_page(&state, &p, form, for_page(errors)).await,
    };
    match state.store().create_person(&id.caller, &new).await {
        Ok(person) => Ok(Redirect::to(&format!("/people/{person}?created=1")).into_response()),
        Err(StoreError::Invalid(errors)) => new_page(&state, &p, form, for_page(errors)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/people/show.html")]
struct ShowPage {
    layout: Layout,
    errors: Vec<FieldError>,
    name: String,
    site: String,
    rows: Vec<(&'static str, String)>,
    notice: Option<String>,
    done: Option<&'static str>,
    support: Support,
    referral_href: String,
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

/// The name a person's pages use.
pub fn person_name(person: &Person) -> String {
    let s = &person.summary;
    display_name(&s.given_name, &s.family_name, s.preferred_name.as_deref())
}

/// What a person's page shows besides the record: a confirmation, or the
/// referral form sent back with its problems.
#[derive(Default)]
pub struct PersonPageExtra {
    /// The person has just been added.
    pub created: bool,
    pub done: Option<&'static str>,
    pub referral: Option<ReferralForm>,
    pub errors: Vec<FieldError>,
}

impl PersonPageExtra {
    pub fn referral(form: ReferralForm, errors: Vec<FieldError>) -> Self {
        Self {
            referral: Some(form),
            errors,
            ..Self::default()
        }
    }
}

/// `GET /people/{person_id}`: an unparseable id is simply not found.
pub async fn show(
    State(state): State<AppState>,
    p: Page,
    Path(person_id): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let person_id: PersonId = person_id.parse().map_err(|_| PageError::NotFound)?;
    let extra = PersonPageExtra {
        created: q.created.is_some(),
        done: q.done.as_deref().and_then(super::episodes::done_message),
        ..PersonPageExtra::default()
    };
    person_page(&state, &p, person_id, extra).await
}

/// A person's page: the record (the read is audited) and their support.
pub async fn person_page(
    state: &AppState,
    p: &Page,
    person_id: PersonId,
    extra: PersonPageExtra,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let person = state.store().get_person(&id.caller, person_id).await?;
    let s = &person.summary;
    let name = person_name(&person);
    let today = state.store().now().date();
    let rows = vec![
        ("First name", s.given_name.clone()),
        ("Last name", s.family_name.clone()),
        (
            "Preferred name",
            s.preferred_name
                .clone()
                .unwrap_or_else(|| "Not given".into()),
        ),
        (
            "Date of birth",
            format!(
                "{} (age {})",
                date(s.date_of_birth),
                age_on(s.date_of_birth, today)
            ),
        ),
        (
            "NHS number",
            person
                .nhs_number
                .map(|n| n.to_string())
                .unwrap_or_else(|| "Not known".into()),
        ),
        ("Prison number", s.prison_number.to_string()),
        ("Prison", s.prison_name.clone()),
        (
            "Added",
            format!("{} by {}", when(person.created_at), person.created_by_name),
        ),
    ];
    let support = support_section(state, p, &person, extra.referral).await?;
    render(&ShowPage {
        layout: p.layout_with_errors(name.clone(), &extra.errors),
        errors: extra.errors,
        notice: extra.created.then(|| format!("{name} has been added.")),
        done: extra.done,
        name,
        site: person.site_name,
        rows,
        support,
        referral_href: format!("/people/{person_id}/episodes"),
    })
}
