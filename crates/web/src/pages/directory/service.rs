//! `GET /directory/services/{service_id}`: one service in plain words, and
//! for site managers the forms to mark it verified and to add it to (or
//! take it off) their site's own list. Opened from a search for a person's
//! need, it offers "Refer to this service".

use super::{checked_words, Carried};
use crate::pages::Form;
use crate::view::{date, render, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::opening_hours::{in_words, open_at};
use reconnect_domain::{FieldError, SiteId};
use reconnect_store::service_detail::ServiceDetail;
use reconnect_store::StoreError;
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ServiceQuery {
    #[serde(default)]
    pub done: String,
    #[serde(flatten)]
    pub carried: Carried,
}

/// The site managers' forms: which site, and a note.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CurationForm {
    #[serde(default)]
    pub site_id: String,
    #[serde(default)]
    pub note: String,
    /// The site list form's own fields (the page has both forms).
    #[serde(default)]
    pub list_site_id: String,
    #[serde(default)]
    pub list_note: String,
}

pub struct VerificationRow {
    pub when: String,
    pub by: String,
    pub site: String,
    pub note: String,
}

pub struct ListedRow {
    pub site: String,
    pub note: Option<String>,
    pub added: String,
}

#[derive(Template)]
#[template(path = "pages/directory/service.html")]
struct ServicePage {
    layout: Layout,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
    s: ServiceDetail,
    back_href: String,
    status_heading: Option<String>,
    refer_href: Option<String>,
    who_for: Vec<String>,
    hours: Vec<String>,
    open_now: Option<bool>,
    checked: String,
    checked_by: Option<String>,
    history: Vec<VerificationRow>,
    listed: Vec<ListedRow>,
    /// Site managers: the sites they look after, and whether this service
    /// is on each one's list.
    curate: bool,
    sites: Vec<SelectOption>,
    on_list: bool,
    form_action: String,
    note: String,
    list_note: String,
    list_note_label: &'static str,
}

fn who_for(s: &ServiceDetail) -> Vec<String> {
    let mut out = Vec::new();
    match (s.minimum_age, s.maximum_age) {
        (Some(a), Some(b)) => out.push(format!("Ages {a} to {b}")),
        (Some(a), None) => out.push(format!("Aged {a} or over")),
        (None, Some(b)) => out.push(format!("Aged {b} or under")),
        (None, None) => out.push("Any age".into()),
    }
    if s.eligible_genders.is_empty() {
        out.push("Any gender".into());
    } else {
        let g: Vec<String> = s
            .eligible_genders
            .iter()
            .map(|g| g.label().to_string())
            .collect();
        out.push(g.join(", "));
    }
    if s.areas.is_empty() {
        out.push("No particular area".into());
    } else {
        out.push(format!("People in {}", s.areas.join(", ")));
    }
    if let Some(e) = &s.eligibility_description {
        out.push(e.clone());
    }
    out
}

async fn page(
    state: &AppState,
    p: &Page,
    service_id: &str,
    carried: Carried,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
    (note, list_note): (String, String),
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let s = store.service_detail(&id.caller, service_id).await?;
    let history = store.service_verifications(&s.id).await?;
    let listed = store.site_list_entries_for(&id.caller, &s.id).await?;
    let manager_sites = id.caller.scope.audit_sites();
    let mut site_names = Vec::new();
    for site in manager_sites {
        site_names.push((*site, store.get_site(*site).await?.name));
    }
    let on_list = manager_sites
        .first()
        .is_some_and(|first| listed.iter().any(|l| l.site_id == *first));
    let refer_href = if id.caller.role().writes_cases() {
        carried.refer_href(&s.id)
    } else {
        None
    };
    let sites = site_names
        .into_iter()
        .enumerate()
        .map(|(i, (site, name))| SelectOption {
            value: site.to_string(),
            label: name,
            selected: i == 0,
        })
        .collect();
    render(&ServicePage {
        layout: p.layout_with_errors(s.name.clone(), &errors),
        errors,
        done,
        back_href: format!("/directory{}", carried.query()),
        status_heading: (s.status != "active").then(|| format!("This service is {}", s.status)),
        refer_href,
        who_for: who_for(&s),
        hours: in_words(&s.schedules),
        open_now: open_at(&s.schedules, store.now()),
        checked: checked_words(s.verified_at),
        checked_by: s.verified_by_name.clone(),
        history: history
            .into_iter()
            .map(|v| VerificationRow {
                when: date(v.at.date()),
                by: v.by_name,
                site: v.site_name.unwrap_or_default(),
                note: v.note.unwrap_or_default(),
            })
            .collect(),
        listed: listed
            .into_iter()
            .map(|l| ListedRow {
                site: l.site_name,
                note: l.note,
                added: format!("{} by {}", date(l.added_at.date()), l.added_by_name),
            })
            .collect(),
        curate: id.caller.role().reads_site_audit() && !manager_sites.is_empty(),
        sites,
        on_list,
        form_action: super::service_href(&s.id, &Carried::default()),
        note,
        list_note,
        list_note_label: if on_list {
            "Why take it off the list? (optional)"
        } else {
            "Note for your team (optional)"
        },
        s,
    })
}

/// `GET /directory/services/{service_id}`
pub async fn service(
    State(state): State<AppState>,
    p: Page,
    Path(service_id): Path<String>,
    Query(q): Query<ServiceQuery>,
) -> Result<Response, PageError> {
    let done = match q.done.as_str() {
        "verified" => Some("Service marked as checked today"),
        "added" => Some("Service added to your site's list"),
        "removed" => Some("Service taken off your site's list"),
        _ => None,
    };
    page(
        &state,
        &p,
        &service_id,
        q.carried.cleaned(),
        Vec::new(),
        done,
        (String::new(), String::new()),
    )
    .await
}

#[derive(Clone, Copy)]
enum Curation {
    Verify,
    Add,
    Remove,
}

async fn curate(
    state: AppState,
    p: Page,
    service_id: String,
    form: CurationForm,
    what: Curation,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let (site_field, note) = match what {
        Curation::Verify => (form.site_id.trim(), form.note.as_str()),
        Curation::Add | Curation::Remove => (form.list_site_id.trim(), form.list_note.as_str()),
    };
    let site: SiteId = match site_field {
        "" => *id
            .caller
            .scope
            .audit_sites()
            .first()
            .ok_or(PageError::NotFound)?,
        s => s.parse().map_err(|_| PageError::NotFound)?,
    };
    let store = state.store();
    let note = Some(note);
    let (result, done) = match what {
        Curation::Verify => (
            store
                .verify_service(&id.caller, site, &service_id, note)
                .await,
            "verified",
        ),
        Curation::Add => (
            store
                .add_to_site_list(&id.caller, site, &service_id, note)
                .await,
            "added",
        ),
        Curation::Remove => (
            store
                .remove_from_site_list(&id.caller, site, &service_id, note)
                .await,
            "removed",
        ),
    };
    let errors = match result {
        Ok(()) => {
            let href = super::service_href(&service_id, &Carried::default());
            return Ok(Redirect::to(&format!("{href}?done={done}")).into_response());
        }
        Err(StoreError::Invalid(errors)) => errors
            .into_iter()
            .map(|mut e| {
                if e.field == "note" && !matches!(what, Curation::Verify) {
                    e.field = "list_note".into();
                }
                e
            })
            .collect(),
        Err(StoreError::Conflict(m)) => vec![FieldError::new("", m)],
        Err(e) => return Err(e.into()),
    };
    page(
        &state,
        &p,
        &service_id,
        Carried::default(),
        errors,
        None,
        (form.note.clone(), form.list_note.clone()),
    )
    .await
}

/// `POST /directory/services/{service_id}/verify`
pub async fn verify(
    State(state): State<AppState>,
    p: Page,
    Path(service_id): Path<String>,
    Form(form): Form<CurationForm>,
) -> Result<Response, PageError> {
    curate(state, p, service_id, form, Curation::Verify).await
}

/// `POST /directory/services/{service_id}/site-list/add`
pub async fn add_to_list(
    State(state): State<AppState>,
    p: Page,
    Path(service_id): Path<String>,
    Form(form): Form<CurationForm>,
) -> Result<Response, PageError> {
    curate(state, p, service_id, form, Curation::Add).await
}

/// `POST /directory/services/{service_id}/site-list/remove`
pub async fn remove_from_list(
    State(state): State<AppState>,
    p: Page,
    Path(service_id): Path<String>,
    Form(form): Form<CurationForm>,
) -> Result<Response, PageError> {
    curate(state, p, service_id, form, Curation::Remove).await
}
