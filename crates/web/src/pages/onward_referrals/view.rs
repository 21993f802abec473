//! The referral page: where it stands, its history, what was shared, and a
//! form for each step the state machine allows next.

use super::actions::ActionForm;
use super::letter::{sections, Section};
use super::{load, tag_class};
use crate::pages::contacts::{uk_when, EpisodeContext};
use crate::view::{render, CheckItem, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use reconnect_domain::onward_referral::{next_steps, Action, Outcome};
use reconnect_domain::FieldError;
use reconnect_store::onward_referrals::{may_override_consent, OnwardReferral};
use serde::Deserialize;

/// One line of the history.
pub struct HistoryRow {
    pub when: String,
    pub what: &'static str,
    pub who: String,
    pub why: String,
}

#[derive(Template)]
#[template(path = "pages/onward_referrals/show.html")]
struct ShowPage {
    layout: crate::view::Layout,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
    cx: EpisodeContext,
    r: OnwardReferral,
    state_label: &'static str,
    tag_class: &'static str,
    back: String,
    action: String,
    letter_href: String,
    need: String,
    parts: String,
    appointment: String,
    outcome: String,
    history: Vec<HistoryRow>,
    shared: Vec<Section>,
    steps: Vec<&'static str>,
    may_override: bool,
    outcomes: Vec<CheckItem>,
    form: ActionForm,
}

impl ShowPage {
    fn offers(&self, step: &str) -> bool {
        self.steps.contains(&step)
    }
}

/// Renders the page, with a form's errors when it was sent back.
pub(super) async fn page(
    p: &Page,
    cx: EpisodeContext,
    r: OnwardReferral,
    form: ActionForm,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let caller = &p.identity()?.caller;
    let steps = if cx.can_write {
        next_steps(r.state)
    } else {
        Vec::new()
    };
    let history = r
        .events
        .iter()
        .map(|e| HistoryRow {
            when: uk_when(e.at),
            what: Action::label(&e.action),
            who: e.by_name.clone(),
            why: e.reason.clone().unwrap_or_default(),
        })
        .collect();
    let outcomes = Outcome::ALL
        .iter()
        .map(|o| CheckItem {
            value: o.code().to_string(),
            label: o.label().to_string(),
            checked: form.outcome == o.code(),
        })
        .collect();
    let parts = if r.parts.is_empty() {
        "Only their name and date of birth".to_string()
    } else {
        r.parts
            .iter()
            .map(|p| p.label())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let base = super::href(&cx, r.id);
    render(&ShowPage {
        layout: p.layout_with_errors(
            format!("Referral to {} – {}", r.service_name, cx.person_name),
            &errors,
        ),
        errors,
        done,
        state_label: r.state.label(),
        tag_class: tag_class(r.state),
        back: format!("{}/onward-referrals", cx.episode_href),
        letter_href: format!("{base}/letter"),
        action: base,
        need: r
            .need_label
            .clone()
            .unwrap_or_else(|| "Not linked to a need".into()),
        parts,
        appointment: r.appointment_at.map(uk_when).unwrap_or_default(),
        outcome: r.outcome.map(|o| o.label().to_string()).unwrap_or_default(),
        history,
        shared: r.snapshot.as_ref().map(sections).unwrap_or_default(),
        steps,
        may_override: may_override_consent(caller),
        outcomes,
        form,
        r,
        cx,
    })
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    pub done: Option<String>,
}

/// `GET /people/{person_id}/episodes/{episode_id}/onward-referrals/{onward_referral_id}`
pub async fn show(
    State(state): State<AppState>,
    p: Page,
    Path(ids): Path<(String, String, String)>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let (cx, r) = load(&state, &p, &ids, false).await?;
    let done = match q.done.as_deref() {
        Some("drafted") => Some("Referral saved as a draft. Check it, then send it"),
        Some("changed") => Some("Referral updated"),
        _ => None,
    };
    page(&p, cx, r, ActionForm::default(), Vec::new(), done).await
}
