//! One episode's page: its details and history, for an earlier episode or
//! the open one.

use super::view::person_and_view;
use super::{episode_of, ids, person_href, EpisodeView};
use crate::view::{render, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

#[derive(Template)]
#[template(path = "pages/episodes/show.html")]
struct EpisodePage {
    layout: Layout,
    person_name: String,
    person_href: String,
    ep: EpisodeView,
}

/// `GET /people/{person_id}/episodes/{episode_id}`: one episode and its history.
pub async fn show(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    p.identity()?;
    let (person_id, episode_id) = ids(&person_id, &episode_id)?;
    let ep = episode_of(&state, &p, person_id, episode_id).await?;
    let (person, view) = person_and_view(&state, &p, &ep).await?;
    let name = crate::pages::people::person_name(&person);
    render(&EpisodePage {
        layout: p.layout(format!("Episode referred on {} – {name}", view.referred_on)),
        person_name: name,
        person_href: person_href(person_id),
        ep: view,
    })
}
