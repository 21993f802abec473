//! An episode's referrals, and drafting a new one: choose a service (or
//! arrive with one from the directory), say which need it is for, and tick
//! the parts of the record to share. The page says in plain English whether
//! the person has agreed to share with that kind of service.

use super::{href, tag_class};
use crate::pages::contacts::{context, form_id, general, EpisodeContext};
use crate::pages::Form;
use crate::view::{render, CheckItem, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::id::{NeedId, OnwardReferralId};
use reconnect_domain::onward_referral::sharing::Part;
use reconnect_domain::FieldError;
use reconnect_store::onward_referrals::{
    may_override_consent, ConsentCheck, NewOnwardReferral, ServiceChoice,
};
use reconnect_store::StoreError;
use serde::Deserialize;

/// One referral in the episode's list.
pub struct ReferralRow {
    pub href: String,
    pub service: String,
    pub need: String,
    pub state: &'static str,
    pub tag_class: &'static str,
    pub created: String,
}

#[derive(Template)]
#[template(path = "pages/onward_referrals/list.html")]
struct ListPage {
    layout: crate::view::Layout,
    cx: EpisodeContext,
    rows: Vec<ReferralRow>,
    new_href: String,
}

/// `GET /people/{person_id}/episodes/{episode_id}/onward-referrals`
pub async fn list(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let caller = &p.identity()?.caller;
    let list = state
        .store()
        .onward_referrals(caller, cx.episode_id)
        .await?;
    let rows = list
        .iter()
        .map(|r| ReferralRow {
            href: href(&cx, r.id),
            service: r.service_name.clone(),
            need: r
                .need_label
                .clone()
                .unwrap_or_else(|| "Not linked to a need".into()),
            state: r.state.label(),
            tag_class: tag_class(r.state),
            created: crate::view::date(r.created_at.date()),
        })
        .collect();
    render(&ListPage {
        layout: p.layout(format!("Onward referrals – {}", cx.person_name)),
        new_href: format!("{}/onward-referrals/new", cx.episode_href),
        rows,
        cx,
    })
}

/// The query of the new-referral page: the service and need chosen so far,
/// or words to find a service by.
#[derive(Deserialize, Default, Clone)]
pub struct NewQuery {
    #[serde(default)]
    pub service_id: String,
    #[serde(default)]
    pub need_id: String,
    #[serde(default)]
    pub search: String,
}

/// The draft form as sent.
#[derive(Deserialize, Default, Clone)]
pub struct DraftForm {
    #[serde(default)]
    pub form_id: String,
    #[serde(default)]
    pub service_id: String,
    #[serde(default)]
    pub need_id: String,
    #[serde(default)]
    pub parts: Vec<String>,
}

/// A service in the search results, with the link that chooses it.
pub struct ServiceRow {
    pub name: String,
    pub organisation: String,
    pub kinds: String,
    pub choose_href: String,
}

/// The consent a referral needs, in words.
pub struct ConsentView {
    pub all_given: bool,
    pub given: String,
    pub missing: String,
    pub may_override: bool,
}

#[derive(Template)]
#[template(path = "pages/onward_referrals/new.html")]
struct NewPage {
    layout: crate::view::Layout,
    errors: Vec<FieldError>,
    cx: EpisodeContext,
    back: String,
    action: String,
    consent_href: String,
    query: NewQuery,
    results: Vec<ServiceRow>,
    service: Option<ServiceChoice>,
    service_kinds: String,
    consent: Option<ConsentView>,
    needs: Vec<SelectOption>,
    parts: Vec<CheckItem>,
    form_id: String,
}

fn words(list: &[&str]) -> String {
    match list {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn consent_view(check: &ConsentCheck, may_override: bool) -> ConsentView {
    let given: Vec<&str> = check
        .partners
        .iter()
        .filter(|p| p.given)
        .map(|p| p.partner.label())
        .collect();
    let missing: Vec<&str> = check.missing().iter().map(|p| p.label()).collect();
    ConsentView {
        all_given: check.all_given(),
        given: words(&given).to_lowercase(),
        missing: words(&missing).to_lowercase(),
        may_override,
    }
}

async fn page(
    state: &AppState,
    p: &Page,
    cx: EpisodeContext,
    query: NewQuery,
    form: DraftForm,
    mut errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let caller = &p.identity()?.caller;
    let store = state.store();
    let needs = store.needs(caller, cx.episode_id).await?;
    let mut service = None;
    let mut consent = None;
    let mut results = Vec::new();
    if !query.service_id.trim().is_empty() {
        match store
            .referral_service(caller, query.service_id.trim())
            .await
        {
            Ok(s) => {
                let check = store
                    .onward_referral_consent(caller, cx.episode_id, &s.id)
                    .await?;
                consent = Some(consent_view(&check, may_override_consent(caller)));
                service = Some(s);
            }
            Err(StoreError::NotFound) => errors.push(FieldError::new(
                "search",
                "That service is not in the directory. Find the service again",
            )),
            Err(e) => return Err(e.into()),
        }
    }
    if service.is_none() {
        results = store
            .referral_services(caller, &query.search)
            .await?
            .into_iter()
            .map(|s| ServiceRow {
                choose_href: format!(
                    "{}/onward-referrals/new?service_id={}&need_id={}",
                    cx.episode_href,
                    urlencode(&s.id),
                    urlencode(&query.need_id)
                ),
                kinds: s
                    .terms
                    .iter()
                    .map(|t| t.name)
                    .collect::<Vec<_>>()
                    .join(", "),
                organisation: s.organization_name.clone().unwrap_or_default(),
                name: s.name,
            })
            .collect();
    }
    let chosen_need = if form.need_id.is_empty() {
        query.need_id.clone()
    } else {
        form.need_id.clone()
    };
    let mut need_options = vec![SelectOption {
        value: String::new(),
        label: "Not for one particular need".into(),
        selected: chosen_need.is_empty(),
    }];
    need_options.extend(
        needs
            .iter()
            .filter(|n| n.status.is_open())
            .map(|n| SelectOption {
                value: n.id.to_string(),
                label: n.area.label(),
                selected: n.id.to_string() == chosen_need,
            }),
    );
    let ticked: Vec<Part> = if form.form_id.is_empty() {
        Part::default_parts()
    } else {
        form.parts
            .iter()
            .filter_map(|c| Part::parse(c).ok())
            .collect()
    };
    let parts = Part::ALL
        .iter()
        .map(|part| CheckItem {
            value: part.code().to_string(),
            label: format!("{}: {}", part.label(), part.contains()),
            checked: ticked.contains(part),
        })
        .collect();
    let service_kinds = service
        .as_ref()
        .map(|s| {
            if s.terms.is_empty() {
                "Not listed under a kind of service: treated as a voluntary or community organisation".to_string()
            } else {
                s.terms.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
            }
        })
        .unwrap_or_default();
    render(&NewPage {
        layout: p.layout_with_errors(format!("Refer to a service – {}", cx.person_name), &errors),
        errors,
        back: format!("{}/onward-referrals", cx.episode_href),
        action: format!("{}/onward-referrals", cx.episode_href),
        consent_href: format!("{}/consent", cx.episode_href),
        query,
        results,
        service,
        service_kinds,
        consent,
        needs: need_options,
        parts,
        form_id: form_id(&form.form_id, OnwardReferralId::new).to_string(),
        cx,
    })
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|e| e.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// `GET /people/{person_id}/episodes/{episode_id}/onward-referrals/new`
pub async fn new_form(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Query(query): Query<NewQuery>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    page(&state, &p, cx, query, DraftForm::default(), Vec::new()).await
}

/// `POST /people/{person_id}/episodes/{episode_id}/onward-referrals`
pub async fn create(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<DraftForm>,
) -> Result<Response, PageError> {
    let cx = context(&state, &p, &person_id, &episode_id).await?;
    let caller = &p.identity()?.caller;
    let query = NewQuery {
        service_id: form.service_id.clone(),
        need_id: form.need_id.clone(),
        search: String::new(),
    };
    let mut errors = Vec::new();
    let need = match form.need_id.trim() {
        "" => None,
        s => s
            .parse::<NeedId>()
            .map_err(|_| {
                errors.push(FieldError::new(
                    "need_id",
                    "Choose one of this episode's needs",
                ))
            })
            .ok(),
    };
    let parts: Vec<Part> = form
        .parts
        .iter()
        .filter_map(|c| {
            Part::parse(c)
                .map_err(|_| {
                    errors.push(FieldError::new(
                        "parts",
                        "Choose what to share from the list",
                    ))
                })
                .ok()
        })
        .collect();
    if form.service_id.trim().is_empty() {
        errors.push(FieldError::new(
            "search",
            "Choose a service from the directory",
        ));
    }
    if !errors.is_empty() {
        return page(&state, &p, cx, query, form, errors).await;
    }
    let id = form_id(&form.form_id, OnwardReferralId::new);
    let new = NewOnwardReferral {
        id,
        service_id: form.service_id.trim().to_string(),
        need,
        parts,
    };
    match state
        .store()
        .create_onward_referral(caller, cx.episode_id, &new)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("{}?done=drafted", href(&cx, id))).into_response()),
        Err(StoreError::Invalid(errors)) => {
            let errors = errors
                .into_iter()
                .map(|e| {
                    if e.field == "service_id" {
                        FieldError::new("search", e.message)
                    } else {
                        e
                    }
                })
                .collect();
            page(&state, &p, cx, query, form, errors).await
        }
        Err(StoreError::Refused(m) | StoreError::Conflict(m)) => {
            page(&state, &p, cx, query, form, vec![general(m)]).await
        }
        Err(e) => Err(e.into()),
    }
}
