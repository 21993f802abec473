//! The needs page: their needs by domain with status and who is
//! responsible, a form to add one, and each need's own page with its
//! history and a form to update it with a note.

use super::{general, load, radio_items, select_options, version, with_status, EpisodeCtx};
use crate::pages::episodes::STALE_MESSAGE;
use crate::pages::Form;
use crate::view::{render, when, CheckItem, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::id::NeedId;
use reconnect_domain::need::{update_note, NeedArea, NeedDomain, NeedStatus, ResponsibleParty};
use reconnect_domain::{FieldError, Validation};
use reconnect_store::care_plan::{NeedChange, NeedRecord, NewNeed};
use reconnect_store::StoreError;
use serde::Deserialize;

/// One row of the needs table.
pub struct NeedRow {
    pub href: String,
    pub area: String,
    pub status: &'static str,
    pub tag_class: &'static str,
    pub party: &'static str,
    pub last_update: String,
    /// Search the directory for a service for this need (open needs, for
    /// people who may refer).
    pub refer_href: Option<String>,
}

/// One line of a need's history.
pub struct UpdateRow {
    pub when: String,
    pub who: String,
    pub status: &'static str,
    pub party: &'static str,
    pub note: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct NeedForm {
    #[serde(default)]
    pub domain: String,
    #[serde(default)]
    pub other: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub version: String,
}

#[derive(Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    pub done: String,
}

#[derive(Template)]
#[template(path = "pages/care_plan/needs.html")]
struct NeedsPage {
    layout: Layout,
    errors: Vec<FieldError>,
    cx: EpisodeCtx,
    done: Option<&'static str>,
    rows: Vec<NeedRow>,
    form: NeedForm,
    domains: Vec<SelectOption>,
    statuses: Vec<CheckItem>,
    parties: Vec<SelectOption>,
}

#[derive(Template)]
#[template(path = "pages/care_plan/need.html")]
struct NeedPage {
    layout: Layout,
    errors: Vec<FieldError>,
    cx: EpisodeCtx,
    area: String,
    status: &'static str,
    tag_class: &'static str,
    party: &'static str,
    version: i64,
    history: Vec<UpdateRow>,
    form: NeedForm,
    statuses: Vec<CheckItem>,
    parties: Vec<SelectOption>,
    form_href: String,
    back_href: String,
}

fn statuses(selected: &str) -> Vec<CheckItem> {
    radio_items(
        NeedStatus::ALL.iter().map(|s| (s.code(), s.label())),
        selected,
    )
}

fn parties(selected: &str) -> Vec<SelectOption> {
    select_options(
        "Choose who is responsible",
        ResponsibleParty::ALL.iter().map(|p| (p.code(), p.label())),
        selected,
    )
}

fn row(cx: &EpisodeCtx, n: &NeedRecord) -> NeedRow {
    let refer_href = (cx.can_change && n.status.is_open()).then(|| {
        let term =
            reconnect_domain::onward_referral::term_for_need(n.area.domain).unwrap_or_default();
        format!(
            "/directory?person_id={}&episode_id={}&need_id={}&term={term}",
            cx.episode.person_id, cx.episode.id, n.id
        )
    });
    NeedRow {
        refer_href,
        href: format!("{}/needs/{}", cx.ep_href, n.id),
        area: n.area.label(),
        status: n.status.label(),
        tag_class: n.status.tag_class(),
        party: n.party.label(),
        last_update: n
            .updates
            .last()
            .map(|u| {
                let when = crate::view::date(u.at.date());
                match &u.note {
                    Some(note) => format!("{note} ({when})"),
                    None => format!("{} ({when})", u.status.label()),
                }
            })
            .unwrap_or_default(),
    }
}

async fn needs_page(
    state: &AppState,
    p: &Page,
    cx: EpisodeCtx,
    form: NeedForm,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let needs = state.store().needs(&id.caller, cx.episode.id).await?;
    let rows = needs.iter().map(|n| row(&cx, n)).collect();
    render(&NeedsPage {
        layout: p.layout_with_errors(format!("Needs – {}", cx.person_name), &errors),
        errors,
        done,
        rows,
        domains: select_options(
            "Choose an area",
            NeedDomain::ALL.iter().map(|d| (d.code(), d.label())),
            &form.domain,
        ),
        statuses: statuses(if form.status.is_empty() {
            NeedStatus::Identified.code()
        } else {
            &form.status
        }),
        parties: parties(&form.party),
        form,
        cx,
    })
}

/// `GET /people/{person_id}/episodes/{episode_id}/needs`
pub async fn needs(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    let done = match q.done.as_str() {
        "added" => Some("Need added"),
        "updated" => Some("Need updated"),
        _ => None,
    };
    needs_page(&state, &p, cx, NeedForm::default(), Vec::new(), done).await
}

fn parse_new(form: &NeedForm) -> Result<NewNeed, Vec<FieldError>> {
    let mut v = Validation::new();
    let domain = v.check("domain", NeedDomain::parse(&form.domain));
    let area = domain.and_then(|d| v.check("other", NeedArea::new(d, &form.other)));
    let status = v.check("status", NeedStatus::parse(&form.status));
    let party = v.check("party", ResponsibleParty::parse(&form.party));
    let note = v.check(
        "note",
        reconnect_domain::validation::optional_text(
            &form.note,
            "a note",
            reconnect_domain::need::NOTE_MAX_CHARS,
        ),
    );
    v.finish(|| {
        Some(NewNeed {
            area: area?,
            status: status?,
            party: party?,
            note: note?,
        })
    })
}

/// `POST /people/{person_id}/episodes/{episode_id}/needs`
pub async fn need_add(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<NeedForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    let new = match parse_new(&form) {
        Ok(n) => n,
        Err(errors) => return needs_page(&state, &p, cx, form, errors, None).await,
    };
    match state
        .store()
        .add_need(&id.caller, cx.episode.id, &new)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/needs?done=added", cx.ep_href)).into_response()),
        Err(StoreError::Conflict(m) | StoreError::Refused(m)) => Ok(with_status(
            needs_page(&state, &p, cx, form, vec![general(m)], None).await?,
            StatusCode::CONFLICT,
        )),
        Err(e) => Err(e.into()),
    }
}

async fn one_need(
    state: &AppState,
    p: &Page,
    cx: &EpisodeCtx,
    raw: &str,
) -> Result<NeedRecord, PageError> {
    let id = p.identity()?;
    let need_id: NeedId = raw.parse().map_err(|_| PageError::NotFound)?;
    let need = state.store().need(&id.caller, need_id).await?;
    if need.episode_id != cx.episode.id {
        return Err(PageError::NotFound);
    }
    Ok(need)
}

fn need_page_view(
    p: &Page,
    cx: EpisodeCtx,
    need: NeedRecord,
    form: Option<NeedForm>,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let form = form.unwrap_or_else(|| NeedForm {
        status: need.status.code().to_string(),
        party: need.party.code().to_string(),
        ..NeedForm::default()
    });
    let mut history: Vec<UpdateRow> = need
        .updates
        .iter()
        .map(|u| UpdateRow {
            when: when(u.at),
            who: u.by_name.clone(),
            status: u.status.label(),
            party: u.party.label(),
            note: u.note.clone().unwrap_or_default(),
        })
        .collect();
    history.reverse();
    let area = need.area.label();
    render(&NeedPage {
        layout: p.layout_with_errors(format!("{area} – {}", cx.person_name), &errors),
        errors,
        form_href: format!("{}/needs/{}", cx.ep_href, need.id),
        back_href: format!("{}/needs", cx.ep_href),
        area,
        status: need.status.label(),
        tag_class: need.status.tag_class(),
        party: need.party.label(),
        version: need.version,
        history,
        statuses: statuses(&form.status),
        parties: parties(&form.party),
        form,
        cx,
    })
}

/// `GET /people/{person_id}/episodes/{episode_id}/needs/{need_id}`
pub async fn need_page(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id, need_id)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    let need = one_need(&state, &p, &cx, &need_id).await?;
    need_page_view(&p, cx, need, None, Vec::new())
}

/// `POST /people/{person_id}/episodes/{episode_id}/needs/{need_id}`
pub async fn need_update(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id, need_id)): Path<(String, String, String)>,
    Form(form): Form<NeedForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    let need = one_need(&state, &p, &cx, &need_id).await?;
    let version = version(&form.version)?;
    let mut v = Validation::new();
    let status = v.check("status", NeedStatus::parse(&form.status));
    let party = v.check("party", ResponsibleParty::parse(&form.party));
    let changes =
        status.is_some_and(|s| s != need.status) || party.is_some_and(|p| p != need.party);
    let note = v.check("note", update_note(&form.note, changes));
    let change = match v.finish(|| {
        Some(NeedChange {
            status: status?,
            party: party?,
            note: note?,
        })
    }) {
        Ok(c) => c,
        Err(errors) => return need_page_view(&p, cx, need, Some(form), errors),
    };
    match state
        .store()
        .update_need(&id.caller, need.id, version, &change)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("{}/needs?done=updated", cx.ep_href)).into_response()),
        Err(StoreError::Stale) => {
            let latest = one_need(&state, &p, &cx, &need_id).await?;
            Ok(with_status(
                need_page_view(&p, cx, latest, Some(form), vec![general(STALE_MESSAGE)])?,
                StatusCode::CONFLICT,
            ))
        }
        Err(StoreError::Refused(m) | StoreError::Conflict(m)) => Ok(with_status(
            need_page_view(&p, cx, need, Some(form), vec![general(m)])?,
            StatusCode::CONFLICT,
        )),
        Err(e) => Err(e.into()),
    }
}
