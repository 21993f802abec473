//! `GET /directory/site-list`: the services on the caller's sites' own
//! lists, with when each was last checked; `?needs_checking=yes` shows only
//! those not verified for six months (or never).

use super::{checked_words, service_href, Carried};
use crate::view::{date, render, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct SiteListQuery {
    #[serde(default)]
    pub needs_checking: String,
}

pub struct ListRow {
    pub name: String,
    pub href: String,
    pub organisation: Option<String>,
    pub site: String,
    pub note: Option<String>,
    pub added: String,
    pub checked: String,
    pub needs_checking: bool,
}

#[derive(Template)]
#[template(path = "pages/directory/site_list.html")]
struct SiteListPage {
    layout: Layout,
    only_stale: bool,
    rows: Vec<ListRow>,
    several_sites: bool,
    manager: bool,
}

/// `GET /directory/site-list`
pub async fn site_list(
    State(state): State<AppState>,
    p: Page,
    Query(q): Query<SiteListQuery>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let only_stale = q.needs_checking == "yes";
    let list = state.store().site_list(&id.caller, only_stale).await?;
    let rows = list
        .into_iter()
        .map(|e| ListRow {
            href: service_href(&e.service_id, &Carried::default()),
            name: e.service_name,
            organisation: e.organisation,
            site: e.site_name,
            note: e.note,
            added: format!("{} by {}", date(e.added_at.date()), e.added_by_name),
            checked: checked_words(e.verified_at),
            needs_checking: e.needs_checking,
        })
        .collect();
    render(&SiteListPage {
        layout: p.layout(if only_stale {
            "Your site's services that need checking"
        } else {
            "Your site's services"
        }),
        only_stale,
        rows,
        several_sites: id.caller.scope.case_sites().len() > 1,
        manager: id.caller.role().reads_site_audit(),
    })
}
