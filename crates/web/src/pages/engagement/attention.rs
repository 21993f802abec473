//! `GET /attention`: the people at the caller's sites whose engagement needs
//! attention, most urgent first, with the level, the reasons, how long since
//! the last two-way contact and where any step-up has got to.

use super::LevelTag;
use crate::view::{render, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use reconnect_store::engagement::days_ago;

pub struct AttentionRow {
    pub name: String,
    pub href: String,
    pub level: LevelTag,
    pub reasons: Vec<String>,
    /// Which rule version produced the level.
    pub rule: String,
    pub since_contact: String,
    pub step_up: &'static str,
}

#[derive(Template)]
#[template(path = "pages/engagement/attention.html")]
struct AttentionPage {
    layout: Layout,
    rows: Vec<AttentionRow>,
    /// For site managers: each of their sites and its engagement rules page.
    rules_links: Vec<(String, String)>,
}

/// `GET /attention`
pub async fn attention(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let list = store.needs_attention(&id.caller, store.now()).await?;
    let rows = list
        .into_iter()
        .map(|e| AttentionRow {
            href: format!(
                "/people/{}/episodes/{}/engagement",
                e.person_id, e.level.episode_id
            ),
            name: e.person_name,
            level: e.level.assessment.level.into(),
            reasons: e
                .level
                .assessment
                .reasons
                .into_iter()
                .map(|r| r.words)
                .collect(),
            rule: if e.level.rule_version == 0 {
                "Default rules (version 0)".to_string()
            } else {
                format!("Rule version {}", e.level.rule_version)
            },
            since_contact: days_ago(e.level.days_since_two_way_contact),
            step_up: e.step_up.map_or("None", |s| s.label()),
        })
        .collect();
    let mut rules_links = Vec::new();
    if id.caller.role().reads_site_audit() {
        for site in &id.user.sites {
            let name = store.get_site(*site).await?.name;
            rules_links.push((format!("/settings/{site}/engagement"), name));
        }
    }
    render(&AttentionPage {
        layout: p.layout("Needs attention"),
        rows,
        rules_links,
    })
}
