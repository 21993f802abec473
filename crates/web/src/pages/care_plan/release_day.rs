//! The release-day plan on the pages: the checklist for the day they come
//! out, with gaps highlighted in the last 14 days before release, the form
//! that saves a new version of it, and the history of saves.

use super::{general, load, radio_items, version, with_status, EpisodeCtx};
use crate::pages::episodes::STALE_MESSAGE;
use crate::pages::Form;
use crate::view::{render, when, CheckItem, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::release_plan::{
    gaps, highlight_gaps, release_time, time_text, ChecklistItem, ItemStatus, PlannedItem,
};
use reconnect_domain::window::{long_date, release_countdown, ReleaseDate};
use reconnect_domain::{FieldError, Validation};
use reconnect_store::care_plan::{NewReleasePlan, ReleasePlan};
use reconnect_store::StoreError;
use std::collections::HashMap;

/// One checklist row.
pub struct ItemRow {
    pub label: &'static str,
    pub status: &'static str,
    pub tag_class: &'static str,
    pub detail: String,
}

/// One earlier (or the current) save.
pub struct SaveRow {
    pub version: i64,
    pub when: String,
    pub who: String,
    pub gaps: usize,
}

/// One checklist item in the form.
pub struct ItemField {
    pub status_name: String,
    pub detail_id: String,
    pub legend: &'static str,
    pub detail_label: String,
    pub choices: Vec<CheckItem>,
    pub detail: String,
    pub status_error: Option<String>,
    pub detail_error: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/care_plan/release_day.html")]
struct ReleaseDayPage {
    layout: Layout,
    cx: EpisodeCtx,
    saved: bool,
    release: String,
    time: String,
    rows: Vec<ItemRow>,
    gap_heading: Option<String>,
    history: Vec<SaveRow>,
}

#[derive(Template)]
#[template(path = "pages/care_plan/release_day_edit.html")]
struct EditPage {
    layout: Layout,
    errors: Vec<FieldError>,
    cx: EpisodeCtx,
    back_href: String,
    version: i64,
    release: String,
    time: String,
    items: Vec<ItemField>,
}

fn release_text(cx: &EpisodeCtx) -> String {
    match &cx.episode.expected_release {
        ReleaseDate::Known(d) => format!(
            "{} – {}",
            long_date(*d),
            release_countdown(cx.today, &cx.episode.expected_release)
        ),
        ReleaseDate::Unknown { .. } => "Not known yet".into(),
    }
}

fn tag(status: ItemStatus, highlight: bool) -> &'static str {
    match status {
        ItemStatus::Confirmed => "nhsuk-tag--green",
        ItemStatus::NotNeeded => "nhsuk-tag--grey",
        ItemStatus::NotYet if highlight => "nhsuk-tag--red",
        ItemStatus::NotYet => "nhsuk-tag--yellow",
    }
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    pub done: String,
}

/// `GET /people/{person_id}/episodes/{episode_id}/release-day`
pub async fn release_day(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    let plans = state
        .store()
        .release_plans(&id.caller, cx.episode.id)
        .await?;
    let current = plans.first();
    let items = current.map(|c| c.items.clone()).unwrap_or_default();
    let gap_list = gaps(&items);
    let soon = highlight_gaps(cx.episode.expected_release.date(), cx.today)
        && !cx.episode.state.is_terminal()
        && !cx.episode.state.is_in_community();
    let highlight = soon && !gap_list.is_empty();
    let rows = ChecklistItem::ALL
        .iter()
        .map(|item| {
            let planned = items.iter().find(|i| i.item == *item);
            let status = planned.map_or(ItemStatus::NotYet, |p| p.status);
            ItemRow {
                label: item.label(),
                status: status.label(),
                tag_class: tag(status, highlight),
                detail: planned.and_then(|p| p.detail.clone()).unwrap_or_default(),
            }
        })
        .collect();
    render(&ReleaseDayPage {
        layout: p.layout(format!("Release-day plan – {}", cx.person_name)),
        saved: q.done == "saved",
        release: release_text(&cx),
        time: current
            .and_then(|c| c.release_time)
            .map(time_text)
            .unwrap_or_else(|| "Not known yet".into()),
        rows,
        gap_heading: highlight.then(|| match gap_list.len() {
            1 => "1 thing is not sorted yet, and release is within 2 weeks".to_string(),
            n => format!("{n} things are not sorted yet, and release is within 2 weeks"),
        }),
        history: plans
            .iter()
            .map(|s: &ReleasePlan| SaveRow {
                version: s.version,
                when: when(s.at),
                who: s.by_name.clone(),
                gaps: gaps(&s.items).len(),
            })
            .collect(),
        cx,
    })
}

fn field<'a>(fields: &'a HashMap<String, String>, name: &str) -> &'a str {
    fields.get(name).map(String::as_str).unwrap_or_default()
}

fn edit_page(
    p: &Page,
    cx: EpisodeCtx,
    version: i64,
    fields: &HashMap<String, String>,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let items = ChecklistItem::ALL
        .iter()
        .map(|item| {
            let status_name = format!("status-{}", item.code());
            let detail_id = format!("detail-{}", item.code());
            ItemField {
                choices: radio_items(
                    ItemStatus::ALL.iter().map(|s| (s.code(), s.label())),
                    field(fields, &status_name),
                ),
                detail: field(fields, &detail_id).to_string(),
                status_error: crate::view::error_for(&errors, &status_name),
                detail_error: crate::view::error_for(&errors, &detail_id),
                detail_label: format!("{}: detail (optional)", item.label()),
                legend: item.label(),
                status_name,
                detail_id,
            }
        })
        .collect();
    render(&EditPage {
        layout: p.layout_with_errors(
            format!("Change the release-day plan – {}", cx.person_name),
            &errors,
        ),
        errors,
        back_href: format!("{}/release-day", cx.ep_href),
        version,
        release: release_text(&cx),
        time: field(fields, "release_time").to_string(),
        items,
        cx,
    })
}

/// The form's fields filled from a saved plan.
fn fields_of(plan: Option<&ReleasePlan>) -> HashMap<String, String> {
    let mut fields = HashMap::new();
    if let Some(plan) = plan {
        if let Some(t) = plan.release_time {
            fields.insert("release_time".into(), time_text(t));
        }
        for i in &plan.items {
            fields.insert(format!("status-{}", i.item.code()), i.status.code().into());
            if let Some(d) = &i.detail {
                fields.insert(format!("detail-{}", i.item.code()), d.clone());
            }
        }
    }
    fields
}

/// `GET /people/{person_id}/episodes/{episode_id}/release-day/edit`
pub async fn release_day_edit(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    if !cx.can_change {
        return Err(PageError::NotFound);
    }
    let plans = state
        .store()
        .release_plans(&id.caller, cx.episode.id)
        .await?;
    let version = plans.first().map_or(0, |p| p.version);
    edit_page(&p, cx, version, &fields_of(plans.first()), Vec::new())
}

fn parse(fields: &HashMap<String, String>) -> Result<NewReleasePlan, Vec<FieldError>> {
    let mut v = Validation::new();
    let time = v.check("release_time", release_time(field(fields, "release_time")));
    let mut items = Vec::new();
    for item in ChecklistItem::ALL {
        let status_name = format!("status-{}", item.code());
        let detail_id = format!("detail-{}", item.code());
        match PlannedItem::parse(
            *item,
            field(fields, &status_name),
            field(fields, &detail_id),
        ) {
            Ok(p) => items.push(p),
            Err(("status", m)) => v.add(status_name, m),
            Err((_, m)) => v.add(detail_id, m),
        }
    }
    v.finish(|| {
        Some(NewReleasePlan {
            release_time: time?,
            items,
        })
    })
}

/// `POST /people/{person_id}/episodes/{episode_id}/release-day/edit`
pub async fn release_day_save(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    let fields: HashMap<String, String> = pairs.into_iter().collect();
    let version = version(field(&fields, "version"))?;
    let plan = match parse(&fields) {
        Ok(plan) => plan,
        Err(errors) => return edit_page(&p, cx, version, &fields, errors),
    };
    match state
        .store()
        .save_release_plan(&id.caller, cx.episode.id, version, &plan)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("{}/release-day?done=saved", cx.ep_href)).into_response())
        }
        Err(StoreError::Stale) => {
            let latest = state
                .store()
                .release_plans(&id.caller, cx.episode.id)
                .await?;
            let latest_version = latest.first().map_or(0, |p| p.version);
            Ok(with_status(
                edit_page(
                    &p,
                    cx,
                    latest_version,
                    &fields,
                    vec![general(STALE_MESSAGE)],
                )?,
                StatusCode::CONFLICT,
            ))
        }
        Err(StoreError::Refused(m)) => Ok(with_status(
            edit_page(&p, cx, version, &fields, vec![general(m)])?,
            StatusCode::CONFLICT,
        )),
        Err(e) => Err(e.into()),
    }
}
