//! The site's onward referrals: those still open (waiting for an answer
//! first, overdue ones marked), and the measures per site and per service.

use super::tag_class;
use crate::pages::contacts::uk_when;
use crate::view::{render, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use reconnect_store::onward_referrals::{Measure, MeasureGroup, ANSWER_DUE_DAYS};

/// One open referral.
pub struct OpenRow {
    pub href: String,
    pub person: String,
    pub service: String,
    pub state: &'static str,
    pub tag_class: &'static str,
    pub sent: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "pages/onward_referrals/site.html")]
struct OpenPage {
    layout: crate::view::Layout,
    waiting: usize,
    overdue: usize,
    due_days: i64,
    rows: Vec<OpenRow>,
}

/// `GET /onward-referrals`
pub async fn open_referrals(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    let caller = &p.identity()?.caller;
    let list = state.store().site_onward_referrals(caller).await?;
    let rows: Vec<OpenRow> = list
        .iter()
        .map(|s| {
            let r = &s.referral;
            OpenRow {
                href: format!(
                    "/people/{}/episodes/{}/onward-referrals/{}",
                    r.person_id, r.episode_id, r.id
                ),
                person: s.person_name.clone(),
                service: r.service_name.clone(),
                state: r.state.label(),
                tag_class: tag_class(r.state),
                sent: r.sent_at.map(uk_when).unwrap_or_else(|| "Not sent".into()),
                overdue: s.overdue,
            }
        })
        .collect();
    render(&OpenPage {
        layout: p.layout("Onward referrals"),
        waiting: list
            .iter()
            .filter(|s| s.referral.state.is_waiting())
            .count(),
        overdue: rows.iter().filter(|r| r.overdue).count(),
        due_days: ANSWER_DUE_DAYS,
        rows,
    })
}

/// One row of the measures tables, in words.
pub struct MeasureRow {
    pub name: String,
    pub referrals: usize,
    pub sent: usize,
    pub need_to_sent: String,
    pub sent_to_accepted: String,
    pub release_to_first: String,
    pub acceptance: String,
    pub attendance: String,
}

fn median(m: &Measure) -> String {
    match m.median_days {
        Some(d) => format!("{d:.1} days ({} referrals)", m.count),
        None => "No referrals yet".into(),
    }
}

fn rate(r: Option<f64>, n: usize, of: usize) -> String {
    match r {
        Some(pc) => format!("{pc:.0}% ({n} of {of})"),
        None => "None recorded yet".into(),
    }
}

fn row(g: &MeasureGroup) -> MeasureRow {
    MeasureRow {
        name: g.name.clone(),
        referrals: g.referrals,
        sent: g.sent,
        need_to_sent: median(&g.need_to_sent),
        sent_to_accepted: median(&g.sent_to_accepted),
        release_to_first: median(&g.release_to_first_appointment),
        acceptance: rate(g.acceptance_rate(), g.accepted, g.accepted + g.declined),
        attendance: rate(
            g.attendance_rate(),
            g.attended,
            g.attended + g.did_not_attend,
        ),
    }
}

#[derive(Template)]
#[template(path = "pages/onward_referrals/measures.html")]
struct MeasuresPage {
    layout: crate::view::Layout,
    tables: Vec<MeasureTable>,
}

/// One table: by site or by service.
pub struct MeasureTable {
    pub caption: &'static str,
    pub rows: Vec<MeasureRow>,
}

/// `GET /onward-referrals/measures`
pub async fn measures(State(state): State<AppState>, p: Page) -> Result<Response, PageError> {
    let caller = &p.identity()?.caller;
    let m = state.store().onward_referral_measures(caller).await?;
    render(&MeasuresPage {
        layout: p.layout("Onward referral measures"),
        tables: vec![
            MeasureTable {
                caption: "By site",
                rows: m.by_site.iter().map(row).collect(),
            },
            MeasureTable {
                caption: "By service",
                rows: m.by_service.iter().map(row).collect(),
            },
        ],
    })
}
