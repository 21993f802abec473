//! The team, for site managers: the workers and peer mentors at their sites,
//! each person's caseload against the capacity the manager sets, and the
//! page to set it (every earlier value is kept, with who set it and when).

use super::general;
use crate::pages::Form;
use crate::view::{render, when, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::caseload::{Capacity, MAX_CAPACITY};
use reconnect_domain::{FieldError, SiteId, UserId};
use reconnect_store::caseloads::TeamMember;
use reconnect_store::StoreError;
use serde::Deserialize;

pub struct MemberRow {
    pub href: String,
    pub name: String,
    pub role_label: &'static str,
    pub count: u32,
    pub capacity: String,
    pub over: bool,
}

pub struct SiteTeam {
    pub name: String,
    pub members: Vec<MemberRow>,
}

#[derive(Template)]
#[template(path = "pages/allocation/team.html")]
struct TeamPage {
    layout: Layout,
    sites: Vec<SiteTeam>,
    saved: bool,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

fn member_row(m: &TeamMember) -> MemberRow {
    MemberRow {
        href: format!("/team/{}/{}", m.site_id, m.user_id),
        name: m.name.clone(),
        role_label: m.role.label(),
        count: m.load.count,
        capacity: m
            .load
            .capacity
            .map_or("Not set".to_string(), |c| c.get().to_string()),
        over: m.load.is_over(),
    }
}

/// `GET /team`
pub async fn list(
    State(state): State<AppState>,
    p: Page,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let team = state.store().team(&id.caller).await?;
    let mut sites = Vec::new();
    for site in state.store().list_sites().await? {
        if id.caller.scope.audit_sites().contains(&site.id) {
            sites.push(SiteTeam {
                name: site.name,
                members: team
                    .iter()
                    .filter(|m| m.site_id == site.id)
                    .map(member_row)
                    .collect(),
            });
        }
    }
    render(&TeamPage {
        layout: p.layout("Team"),
        sites,
        saved: q.saved.is_some(),
    })
}

#[derive(Deserialize, Default)]
pub struct CapacityForm {
    #[serde(default)]
    pub capacity: String,
}

pub struct HistoryRow {
    pub capacity: u16,
    pub when: String,
    pub who: String,
}

#[derive(Template)]
#[template(path = "pages/allocation/capacity.html")]
struct CapacityPage {
    layout: Layout,
    errors: Vec<FieldError>,
    form_href: String,
    name: String,
    site_name: String,
    role_label: &'static str,
    count: u32,
    form: CapacityForm,
    hint: String,
    history: Vec<HistoryRow>,
}

fn path_ids(site: &str, user: &str) -> Result<(SiteId, UserId), PageError> {
    Ok((
        site.parse().map_err(|_| PageError::NotFound)?,
        user.parse().map_err(|_| PageError::NotFound)?,
    ))
}

async fn capacity_page(
    state: &AppState,
    p: &Page,
    site: SiteId,
    user: UserId,
    form: Option<CapacityForm>,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let member = store.team_member(&id.caller, site, user).await?;
    let history = store
        .capacity_history(&id.caller, site, user)
        .await?
        .into_iter()
        .map(|h| HistoryRow {
            capacity: h.capacity,
            when: when(h.at),
            who: h.by_name,
        })
        .collect();
    let site_name = store.get_site(site).await?.name;
    let form = form.unwrap_or_else(|| CapacityForm {
        capacity: member
            .load
            .capacity
            .map(|c| c.get().to_string())
            .unwrap_or_default(),
    });
    render(&CapacityPage {
        layout: p.layout_with_errors(format!("Set capacity – {}", member.name), &errors),
        errors,
        form_href: format!("/team/{site}/{user}"),
        name: member.name,
        site_name,
        role_label: member.role.label(),
        count: member.load.count,
        form,
        hint: format!("A whole number from 0 to {MAX_CAPACITY}. Allocation pages warn when someone has more people than this"),
        history,
    })
}

/// `GET /team/{site_id}/{user_id}`
pub async fn capacity_form(
    State(state): State<AppState>,
    p: Page,
    Path((site, user)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (site, user) = path_ids(&site, &user)?;
    capacity_page(&state, &p, site, user, None, Vec::new()).await
}

/// `POST /team/{site_id}/{user_id}`
pub async fn capacity_submit(
    State(state): State<AppState>,
    p: Page,
    Path((site, user)): Path<(String, String)>,
    Form(form): Form<CapacityForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let (site, user) = path_ids(&site, &user)?;
    // Not found before anything else, for anyone outside the site.
    state.store().team_member(&id.caller, site, user).await?;
    let errors = match Capacity::parse(&form.capacity) {
        Err(m) => vec![FieldError::new("capacity", m)],
        Ok(c) => match state.store().set_capacity(&id.caller, site, user, c).await {
            Ok(()) => return Ok(Redirect::to("/team?saved=1").into_response()),
            Err(StoreError::Invalid(errors)) => errors,
            Err(StoreError::Conflict(m)) => vec![general(m)],
            Err(e) => return Err(e.into()),
        },
    };
    capacity_page(&state, &p, site, user, Some(form), errors).await
}
