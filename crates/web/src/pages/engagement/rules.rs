//! `/settings/{site_id}/engagement`: a site's engagement rules for its site
//! managers. Each save is a new version (kept with who and when, shown as
//! history); bad thresholds are shown next to their fields; a save against
//! an older version than the latest is refused, losing nothing typed.

use crate::pages::Form;
use crate::view::{render, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::engagement::EngagementRules;
use reconnect_domain::{FieldError, SiteId};
use reconnect_store::engagement_rules::RulesVersion;
use reconnect_store::StoreError;
use serde::Deserialize;
use std::collections::HashMap;

/// The form: every threshold by its field name, and the version it edits.
#[derive(Deserialize, Default)]
pub struct RulesForm {
    #[serde(default)]
    pub version: String,
    #[serde(flatten)]
    pub values: HashMap<String, String>,
}

pub struct FieldRow {
    pub id: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
    pub default: i64,
}

pub struct HistoryRow {
    pub version: i64,
    pub by: String,
    pub changes: String,
}

#[derive(Template)]
#[template(path = "pages/engagement/rules.html")]
struct RulesPage {
    layout: Layout,
    errors: Vec<FieldError>,
    saved: bool,
    site_id: SiteId,
    site_name: String,
    version: i64,
    fields: Vec<FieldRow>,
    history: Vec<HistoryRow>,
}

fn history(versions: &[RulesVersion]) -> Vec<HistoryRow> {
    versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let before = versions.get(i + 1);
            let changes = match before {
                None => "The default rules".to_string(),
                Some(b) => {
                    let list: Vec<String> = b
                        .rules
                        .fields()
                        .iter()
                        .zip(v.rules.fields().iter())
                        .filter(|(x, y)| x.2 != y.2)
                        .map(|(x, y)| format!("{}: {} to {}", y.1, x.2, y.2))
                        .collect();
                    if list.is_empty() {
                        "Saved with no change".to_string()
                    } else {
                        list.join("; ")
                    }
                }
            };
            HistoryRow {
                version: v.version,
                by: match (&v.by, v.at) {
                    (Some((_, name)), Some(at)) => {
                        format!("{name}, {}", crate::pages::contacts::uk_when(at))
                    }
                    _ => "Built in".to_string(),
                },
                changes,
            }
        })
        .collect()
}

async fn page(
    state: &AppState,
    p: &Page,
    site: SiteId,
    sent: Option<&RulesForm>,
    errors: Vec<FieldError>,
    saved: bool,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let versions = state.store().engagement_rules(&id.caller, site).await?;
    let site_name = state.store().get_site(site).await?.name;
    let current = versions
        .first()
        .map(|v| (v.rules, v.version))
        .unwrap_or_default();
    let defaults = EngagementRules::default().fields();
    let fields = current
        .0
        .fields()
        .iter()
        .zip(defaults.iter())
        .map(|((fid, label, value), (_, _, default))| FieldRow {
            id: fid,
            label,
            value: sent
                .and_then(|f| f.values.get(*fid).cloned())
                .unwrap_or_else(|| value.to_string()),
            error: crate::view::error_for(&errors, fid),
            default: *default,
        })
        .collect();
    render(&RulesPage {
        layout: p.layout_with_errors("Engagement rules", &errors),
        errors,
        saved,
        site_id: site,
        site_name,
        version: current.1,
        fields,
        history: history(&versions),
    })
}

fn site_id(raw: &str) -> Result<SiteId, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// `GET /settings/{site_id}/engagement`
pub async fn rules(
    State(state): State<AppState>,
    p: Page,
    Path(site): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    page(
        &state,
        &p,
        site_id(&site)?,
        None,
        Vec::new(),
        q.saved.is_some(),
    )
    .await
}

/// Reads the form's numbers; a field that is not a whole number is an error.
pub fn read_rules(values: &HashMap<String, String>) -> Result<EngagementRules, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut rules = EngagementRules::default();
    let fields = rules.fields();
    let mut read = |fid: &str, label: &str| -> i64 {
        let raw = values.get(fid).map(|s| s.trim()).unwrap_or_default();
        match raw.parse::<i64>() {
            Ok(n) => n,
            Err(_) if raw.is_empty() => {
                errors.push(FieldError::new(
                    fid,
                    format!("Enter {}", label.to_lowercase()),
                ));
                0
            }
            Err(_) => {
                errors.push(FieldError::new(
                    fid,
                    format!("{label} must be a whole number, like 7"),
                ));
                0
            }
        }
    };
    let v: Vec<i64> = fields
        .iter()
        .map(|(fid, label, _)| read(fid, label))
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    rules.missed_window_days = v[0];
    rules.missed_wavering = v[1];
    rules.missed_disengaged = v[2];
    rules.no_contact_wavering_days = v[3];
    rules.no_contact_disengaged_days = v[4];
    rules.declined_wavering = v[5];
    rules.declined_disengaged = v[6];
    rules.overdue_wavering = v[7];
    rules.early_release_days = v[8];
    rules.escalate_after_days = v[9];
    rules.validate()
}

/// `POST /settings/{site_id}/engagement`
pub async fn save_rules(
    State(state): State<AppState>,
    p: Page,
    Path(site): Path<String>,
    Form(form): Form<RulesForm>,
) -> Result<Response, PageError> {
    let site = site_id(&site)?;
    let id = p.identity()?;
    // Check the site is theirs before reading anything else.
    state.store().engagement_rules(&id.caller, site).await?;
    let version: i64 = form.version.trim().parse().unwrap_or(-1);
    let errors = match read_rules(&form.values) {
        Err(errors) => errors,
        Ok(rules) => match state
            .store()
            .set_engagement_rules(&id.caller, site, rules, version)
            .await
        {
            Ok(_) => {
                return Ok(
                    Redirect::to(&format!("/settings/{site}/engagement?saved=1")).into_response()
                )
            }
            Err(StoreError::Invalid(errors)) => errors,
            Err(StoreError::Stale) => vec![FieldError::new(
                "",
                "Someone else saved these rules after you opened the page. The latest rules are below with what you typed; check them and save again",
            )],
            Err(e) => return Err(e.into()),
        },
    };
    page(&state, &p, site, Some(&form), errors, false).await
}
