//! The caseload and a person's record. All data comes from the store's scoped
//! queries, which also write the audit trail.

use super::episodes::{support_section, ReferralForm, Support};
use super::person_details::{detail_views, DetailView, RevisionView};
use super::person_form::{for_page, DetailsForm};
use super::Form;
use crate::view::{date, render, when, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::referral_reference::ReferralReference;
use reconnect_domain::{FieldError, PersonId, SiteId};
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
    // A referral reference goes straight to the person it was linked to, or
    // to the referral while it waits for triage (the lookup is scoped and
    // audited by the store; an unknown reference is searched for as text).
    if let Ok(reference) = ReferralReference::parse(&search) {
        match state
            .store()
            .referral_by_reference(&id.caller, &reference)
            .await
        {
            Ok(referral) => {
                let to = match referral.person_id {
                    Some(person) => format!("/people/{person}"),
                    None => format!("/triage/{}", referral.id),
                };
                return Ok(Redirect::to(&to).into_response());
            }
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
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

#[derive(Template)]
#[template(path = "pages/people/new.html")]
struct NewPage {
    layout: Layout,
    errors: Vec<FieldError>,
    form: DetailsForm,
    prisons: Vec<SelectOption>,
}

/// The prisons a form may offer: those of the caller's writable sites, or
/// only those of `site` (a correction cannot move someone to another site).
pub(super) async fn prison_options(
    state: &AppState,
    p: &Page,
    chosen: &str,
    site: Option<SiteId>,
) -> Result<Vec<SelectOption>, PageError> {
    let id = p.identity()?;
    let sites = state.store().list_sites().await?;
    let mut prisons = vec![SelectOption {
        value: String::new(),
        label: "Choose a prison".into(),
        selected: chosen.is_empty(),
    }];
    for site in sites
        .iter()
        .filter(|s| id.caller.scope.may_write_site(s.id))
        .filter(|s| site.is_none_or(|only| only == s.id))
    {
        for pr in &site.prisons {
            let value = pr.id.to_string();
            prisons.push(SelectOption {
                selected: value == chosen,
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
    Ok(prisons)
}

async fn new_page(
    state: &AppState,
    p: &Page,
    form: DetailsForm,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let prisons = prison_options(state, p, &form.prison_id, None).await?;
    render(&NewPage {
        layout: p.layout_with_errors("Add a person", &errors),
        errors,
        form,
        prisons,
    })
}

/// `GET /people/new`: each form gets a one-time token, so that sending it
/// twice (a double click, or the back button) adds the person once.
pub async fn new_form(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    let form = DetailsForm {
        submission: uuid::Uuid::new_v4().simple().to_string(),
        ..DetailsForm::default()
    };
    new_page(&state, &p, form, Vec::new()).await
}

/// `POST /people/new`
pub async fn create(
    State(state): State<AppState>,
    p: Page,
    Form(form): Form<DetailsForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let today = state.store().now().date();
    let details = match form.parse(today) {
        Ok(d) => d,
        Err(errors) => return new_page(&state, &p, form, errors).await,
    };
    let token = Some(form.submission.as_str()).filter(|t| !t.trim().is_empty());
    match state.store().add_person(&id.caller, &details, token).await {
        Ok(added) if added.already_added => {
            Ok(Redirect::to(&format!("/people/{}?already=1", added.id)).into_response())
        }
        Ok(added) => Ok(Redirect::to(&format!("/people/{}?created=1", added.id)).into_response()),
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
    rows: Vec<DetailView>,
    can_correct: bool,
    correct_href: String,
    history: Vec<RevisionView>,
    notice: Option<String>,
    done: Option<&'static str>,
    support: Support,
    referral_href: String,
    /// The newest timeline entries, and how many there are in all.
    entries: Vec<crate::pages::timeline::TimelineView>,
    timeline_total: usize,
    timeline_href: String,
    /// `/people/{person_id}`, for links to the person's other pages.
    person_base: String,
    /// The current episode's engagement level, once worked out.
    engagement: Option<EngagementLine>,
    /// The newest messages to them, with their status, and why none can be
    /// sent if so.
    messages: Vec<crate::pages::messages::MessageRow>,
    cannot_message: Option<&'static str>,
}

/// The engagement level of the current episode, as the person page shows it.
struct EngagementLine {
    tag: crate::pages::engagement::LevelTag,
    reasons: Vec<String>,
    rule: String,
    href: String,
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    already: Option<String>,
    #[serde(default)]
    corrected: Option<String>,
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
    /// The add form was sent again: this is the person it had added.
    pub already: bool,
    /// Their details have just been corrected.
    pub corrected: bool,
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
        already: q.already.is_some(),
        corrected: q.corrected.is_some(),
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
    let name = person_name(&person);
    let today = state.store().now().date();
    let mut rows = detail_views(&person, today);
    rows.push(DetailView {
        label: "Added",
        value: format!("{} by {}", when(person.created_at), person.created_by_name),
    });
    let revisions = state.store().person_history(&id.caller, person_id).await?;
    let history = revisions.iter().map(RevisionView::from).collect();
    let notice = if extra.created {
        Some(format!("{name} has been added."))
    } else if extra.already {
        Some(format!(
            "You had already added {name}, so no one new was added. This is their record."
        ))
    } else {
        None
    };
    let support = support_section(state, p, &person, extra.referral).await?;
    let engagement = match &support.current {
        Some(ep) => state
            .store()
            .engagement_levels(&id.caller, &[ep.id], state.store().now())
            .await?
            .remove(&ep.id)
            .map(|level| EngagementLine {
                tag: level.assessment.level.into(),
                reasons: level
                    .assessment
                    .reasons
                    .iter()
                    .map(|r| r.words.clone())
                    .collect(),
                rule: crate::pages::engagement::rule_words(level.rule_version, &person.site_name),
                href: format!("{}/engagement", ep.href),
            }),
        None => None,
    };
    let sent = state.store().person_messages(&id.caller, person_id).await?;
    let messages = sent
        .messages
        .iter()
        .take(3)
        .map(crate::pages::messages::message_row)
        .collect();
    let mut entries: Vec<crate::pages::timeline::TimelineView> = state
        .store()
        .person_timeline_from(&id.caller, &revisions, &support.histories)
        .await?
        .into_iter()
        .map(|e| crate::pages::timeline::TimelineView::of(person_id, e))
        .collect();
    let timeline_total = entries.len();
    entries.truncate(crate::pages::timeline::ON_PERSON_PAGE);
    render(&ShowPage {
        layout: p.layout_with_errors(name.clone(), &extra.errors),
        errors: extra.errors,
        notice,
        done: if extra.corrected {
            Some("Their details have been corrected")
        } else {
            extra.done
        },
        can_correct: id.caller.scope.may_write_site(person.summary.site_id),
        correct_href: format!("/people/{person_id}/details"),
        history,
        name,
        site: person.site_name,
        rows,
        support,
        referral_href: format!("/people/{person_id}/episodes"),
        entries,
        timeline_total,
        timeline_href: format!("/people/{person_id}/timeline"),
        person_base: format!("/people/{person_id}"),
        engagement,
        messages,
        cannot_message: sent.cannot_send_because,
    })
}
