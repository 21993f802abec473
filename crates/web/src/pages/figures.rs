//! Aggregate figures per site, for national leads, reviewers and site managers.

use crate::view::{render, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use reconnect_store::stats::{SiteFigures, SUPPRESS_BELOW};

#[derive(Template)]
#[template(path = "pages/figures.html")]
struct FiguresPage {
    layout: Layout,
    sites: Vec<SiteFigures>,
    suppress_below: i64,
}

/// `GET /figures`
pub async fn figures(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    let id = p.identity()?;
    let sites = state.store().site_figures(&id.caller).await?;
    render(&FiguresPage {
        layout: p.layout("Site figures"),
        sites,
        suppress_below: SUPPRESS_BELOW,
    })
}
