//! Site settings for site managers: the time windows of the journey at their
//! sites (how early support starts, how long community support lasts, how
//! late referrals are accepted). Every change is audited with the old and new
//! values.

use super::Form;
use crate::view::{render, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::window::{SiteWindows, SiteWindowsInput};
use reconnect_domain::{FieldError, SiteId};
use reconnect_store::StoreError;
use serde::Deserialize;

pub struct SiteRow {
    pub id: SiteId,
    pub name: String,
    pub weeks: u16,
    pub months: u16,
    pub days: u16,
}

#[derive(Template)]
#[template(path = "pages/settings/list.html")]
struct ListPage {
    layout: Layout,
    sites: Vec<SiteRow>,
    saved: bool,
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// `GET /settings`
pub async fn list(
    State(state): State<AppState>,
    p: Page,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let mut sites = Vec::new();
    for site in state.store().list_sites().await? {
        if id.user.sites.contains(&site.id) {
            let w = state.store().site_windows(site.id).await?;
            sites.push(SiteRow {
                id: site.id,
                name: site.name,
                weeks: w.pre_release_weeks(),
                months: w.community_support_months(),
                days: w.referral_after_release_days(),
            });
        }
    }
    render(&ListPage {
        layout: p.layout("Site settings"),
        sites,
        saved: q.saved.is_some(),
    })
}

#[derive(Deserialize, Default)]
pub struct SettingsForm {
    #[serde(default)]
    pub pre_release_weeks: String,
    #[serde(default)]
    pub community_support_months: String,
    #[serde(default)]
    pub referral_after_release_days: String,
}

#[derive(Template)]
#[template(path = "pages/settings/edit.html")]
struct EditPage {
    layout: Layout,
    site_id: SiteId,
    site_name: String,
    form: SettingsForm,
    errors: Vec<FieldError>,
}

/// The site, when it is one of the caller's: anything else is not found.
async fn own_site(state: &AppState, p: &Page, site: &str) -> Result<(SiteId, String), PageError> {
    let id = p.identity()?;
    let site: SiteId = site.parse().map_err(|_| PageError::NotFound)?;
    if !id.user.sites.contains(&site) {
        return Err(PageError::NotFound);
    }
    let site = state.store().get_site(site).await?;
    Ok((site.id, site.name))
}

/// `GET /settings/{site_id}`
pub async fn edit(
    State(state): State<AppState>,
    p: Page,
    Path(site): Path<String>,
) -> Result<Response, PageError> {
    let (site_id, site_name) = own_site(&state, &p, &site).await?;
    let w = state.store().site_windows(site_id).await?;
    render(&EditPage {
        layout: p.layout("Change site settings"),
        site_id,
        site_name,
        form: SettingsForm {
            pre_release_weeks: w.pre_release_weeks().to_string(),
            community_support_months: w.community_support_months().to_string(),
            referral_after_release_days: w.referral_after_release_days().to_string(),
        },
        errors: Vec::new(),
    })
}

/// `POST /settings/{site_id}`
pub async fn save(
    State(state): State<AppState>,
    p: Page,
    Path(site): Path<String>,
    Form(form): Form<SettingsForm>,
) -> Result<Response, PageError> {
    let (site_id, site_name) = own_site(&state, &p, &site).await?;
    let id = p.identity()?;
    let parsed = SiteWindows::parse(&SiteWindowsInput {
        pre_release_weeks: &form.pre_release_weeks,
        community_support_months: &form.community_support_months,
        referral_after_release_days: &form.referral_after_release_days,
    });
    let errors = match parsed {
        Ok(windows) => match state
            .store()
            .set_site_windows(&id.caller, site_id, windows)
            .await
        {
            Ok(()) => return Ok(Redirect::to("/settings?saved=1").into_response()),
            Err(StoreError::Invalid(errors)) => errors,
            Err(e) => return Err(e.into()),
        },
        Err(errors) => errors,
    };
    render(&EditPage {
        layout: p.layout_with_errors("Change site settings", &errors),
        site_id,
        site_name,
        form,
        errors,
    })
}
