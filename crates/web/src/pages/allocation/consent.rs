//! The consents a person gave during an episode: to take part, and to share
//! information with kinds of partner. The page lists them with where each
//! stands today, records new ones, and records withdrawals, which take
//! effect at once and are never refused.
//!
//! Taking part is voluntary: the form says so, asks the worker to confirm
//! the person chose to take part, and refuses anything else (such as a
//! licence condition) with the reason, next to the field.

use super::{episode_in_path, general, may_change, with_status, EpisodeRef};
use crate::pages::Form;
use crate::view::{date, render, when, CheckItem, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::consent::{
    ConsentMethod, ConsentToTakePart, ConsentToTakePartInput, EngagementBasis, SharingConsent,
    SharingConsentInput, SharingConsentStatus, SharingPartner, VOLUNTARY_EXPLANATION,
};
use reconnect_domain::validation::optional_text;
use reconnect_domain::{ConsentId, FieldError};
use reconnect_store::consents::{ConsentRecord, ConsentSubject};
use reconnect_store::episodes::Episode;
use reconnect_store::StoreError;
use serde::Deserialize;
use time::Date;

/// The longest reason for a withdrawal.
const MAX_WITHDRAWAL_REASON_CHARS: usize = 500;

#[derive(Deserialize, Default, Clone)]
pub struct TakePartForm {
    #[serde(default, rename = "consent_date-day")]
    pub day: String,
    #[serde(default, rename = "consent_date-month")]
    pub month: String,
    #[serde(default, rename = "consent_date-year")]
    pub year: String,
    #[serde(default)]
    pub consent_method: String,
    #[serde(default)]
    pub basis: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct SharingForm {
    #[serde(default)]
    pub sharing_partner: String,
    #[serde(default, rename = "sharing_date-day")]
    pub day: String,
    #[serde(default, rename = "sharing_date-month")]
    pub month: String,
    #[serde(default, rename = "sharing_date-year")]
    pub year: String,
    #[serde(default)]
    pub sharing_scope: String,
    #[serde(default, rename = "sharing_expiry-day")]
    pub expiry_day: String,
    #[serde(default, rename = "sharing_expiry-month")]
    pub expiry_month: String,
    #[serde(default, rename = "sharing_expiry-year")]
    pub expiry_year: String,
}

#[derive(Deserialize, Default)]
pub struct WithdrawForm {
    #[serde(default)]
    pub reason: String,
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// One consent as the page lists it.
pub struct ConsentRow {
    pub what: String,
    pub given_on: String,
    pub details: String,
    pub status_label: &'static str,
    pub status_tag: &'static str,
    pub recorded: String,
    pub withdrawn: Option<String>,
    pub withdraw_href: Option<String>,
}

fn status_tag(s: SharingConsentStatus) -> &'static str {
    match s {
        SharingConsentStatus::Active => "nhsuk-tag--green",
        SharingConsentStatus::NotYetGiven => "nhsuk-tag--yellow",
        SharingConsentStatus::Expired | SharingConsentStatus::Withdrawn => "nhsuk-tag--grey",
    }
}

/// What the consent is to, in words.
pub fn consent_what(c: &ConsentRecord) -> String {
    match &c.subject {
        ConsentSubject::TakePart { .. } => "Taking part in RECONNECT".into(),
        ConsentSubject::Sharing { partner, .. } => format!("Sharing with: {}", partner.label()),
    }
}

fn consent_row(c: &ConsentRecord, today: Date, base: &str) -> ConsentRow {
    let status = c.status(today);
    let details = match &c.subject {
        ConsentSubject::TakePart { how } => format!("{}. {}", how.label(), c.basis.label()),
        ConsentSubject::Sharing {
            scope, expires_on, ..
        } => match expires_on {
            Some(e) => format!("{scope}. Until {}", date(*e)),
            None => format!("{scope}. No end date"),
        },
    };
    ConsentRow {
        what: consent_what(c),
        given_on: date(c.given_on),
        details,
        status_label: status.label(),
        status_tag: status_tag(status),
        recorded: format!("{}, {}", c.recorded_by_name, when(c.recorded_at)),
        withdrawn: c.withdrawal.as_ref().map(|w| {
            let why = w
                .reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            format!("Withdrawn {} (recorded by {}){why}", date(w.on), w.by_name)
        }),
        withdraw_href: c
            .withdrawal
            .is_none()
            .then(|| format!("{base}/consent/{}/withdraw", c.id)),
    }
}

#[derive(Template)]
#[template(path = "pages/allocation/consent.html")]
struct ConsentPage {
    layout: Layout,
    errors: Vec<FieldError>,
    ep: EpisodeRef,
    done: Option<&'static str>,
    taking_part: String,
    sharing_now: String,
    rows: Vec<ConsentRow>,
    can_record: bool,
    voluntary: &'static str,
    take_part: TakePartForm,
    methods: Vec<CheckItem>,
    basis: Vec<CheckItem>,
    sharing: SharingForm,
    partners: Vec<SelectOption>,
}

fn done_message(done: &str) -> Option<&'static str> {
    Some(match done {
        "take-part" => "Consent to take part recorded",
        "sharing" => "Consent to share information recorded",
        "withdrawn" => "Withdrawal recorded. It applies from today",
        "already" => "This consent had already been withdrawn",
        _ => return None,
    })
}

#[allow(clippy::too_many_arguments)]
async fn consent_page(
    state: &AppState,
    p: &Page,
    ep: &Episode,
    r: EpisodeRef,
    take_part: Option<TakePartForm>,
    sharing: Option<SharingForm>,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let today = store.now().date();
    let consents = store.consents(&id.caller, ep.id).await?;
    let taking_part = consents
        .iter()
        .find(|c| matches!(c.subject, ConsentSubject::TakePart { .. }) && c.is_current(today))
        .map_or("Not recorded".to_string(), |c| {
            format!("Yes, given {}", date(c.given_on))
        });
    let mut partners_now: Vec<&'static str> = consents
        .iter()
        .filter(|c| c.is_current(today))
        .filter_map(|c| match &c.subject {
            ConsentSubject::Sharing { partner, .. } => Some(partner.label()),
            ConsentSubject::TakePart { .. } => None,
        })
        .collect();
    partners_now.sort_unstable();
    partners_now.dedup();
    let take_part = take_part.unwrap_or_default();
    let sharing = sharing.unwrap_or_default();
    let name = r.person_name.clone();
    render(&ConsentPage {
        layout: p.layout_with_errors(format!("Consent – {name}"), &errors),
        errors,
        done,
        taking_part,
        sharing_now: if partners_now.is_empty() {
            "No one".to_string()
        } else {
            partners_now.join(", ")
        },
        rows: consents
            .iter()
            .map(|c| consent_row(c, today, &r.href))
            .collect(),
        can_record: may_change(p, ep)?,
        voluntary: VOLUNTARY_EXPLANATION,
        methods: ConsentMethod::ALL
            .iter()
            .map(|m| CheckItem {
                value: m.code().to_string(),
                label: m.label().to_string(),
                checked: take_part.consent_method == m.code(),
            })
            .collect(),
        basis: vec![CheckItem {
            value: EngagementBasis::Voluntary.code().to_string(),
            label: "They have chosen to take part, and know they can stop at any time".into(),
            checked: take_part.basis == EngagementBasis::Voluntary.code(),
        }],
        partners: std::iter::once(SelectOption {
            value: String::new(),
            label: "Choose who it may be shared with".into(),
            selected: sharing.sharing_partner.is_empty(),
        })
        .chain(SharingPartner::ALL.iter().map(|s| SelectOption {
            value: s.code().to_string(),
            label: s.label().to_string(),
            selected: sharing.sharing_partner == s.code(),
        }))
        .collect(),
        take_part,
        sharing,
        ep: r,
    })
}

/// `GET /people/{person_id}/episodes/{episode_id}/consent`
pub async fn show(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let (ep, r) = episode_in_path(&state, &p, &person_id, &episode_id).await?;
    let done = q.done.as_deref().and_then(done_message);
    consent_page(&state, &p, &ep, r, None, None, Vec::new(), done).await
}

/// Shows the store's refusal of a recording on the page (409), or fails.
async fn refused(
    state: &AppState,
    p: &Page,
    ep: &Episode,
    r: EpisodeRef,
    e: StoreError,
) -> Result<Response, PageError> {
    match e {
        StoreError::Refused(reason) => Ok(with_status(
            consent_page(state, p, ep, r, None, None, vec![general(reason)], None).await?,
            StatusCode::CONFLICT,
        )),
        other => Err(other.into()),
    }
}

/// `POST /people/{person_id}/episodes/{episode_id}/consent/take-part`
pub async fn take_part(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<TakePartForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let (ep, r) = episode_in_path(&state, &p, &person_id, &episode_id).await?;
    let today = state.store().now().date();
    let mut errors = Vec::new();
    let consent = ConsentToTakePart::parse(
        &ConsentToTakePartInput {
            date_day: &form.day,
            date_month: &form.month,
            date_year: &form.year,
            method: &form.consent_method,
        },
        id.caller.user_id(),
        today,
    )
    .map_err(|e| errors.extend(e))
    .ok();
    let basis = EngagementBasis::parse(&form.basis)
        .map_err(|e| errors.push(FieldError::new("basis", e.to_string())))
        .ok();
    let (Some(consent), Some(basis), true) = (consent, basis, errors.is_empty()) else {
        return consent_page(&state, &p, &ep, r, Some(form), None, errors, None).await;
    };
    match state
        .store()
        .record_consent_to_take_part(&id.caller, ep.id, &consent, basis)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/consent?done=take-part", r.href)).into_response()),
        Err(e) => refused(&state, &p, &ep, r, e).await,
    }
}

/// `POST /people/{person_id}/episodes/{episode_id}/consent/sharing`
pub async fn sharing(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<SharingForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let (ep, r) = episode_in_path(&state, &p, &person_id, &episode_id).await?;
    let today = state.store().now().date();
    let parsed = SharingConsent::parse(
        &SharingConsentInput {
            partner: &form.sharing_partner,
            date_day: &form.day,
            date_month: &form.month,
            date_year: &form.year,
            scope: &form.sharing_scope,
            expiry_day: &form.expiry_day,
            expiry_month: &form.expiry_month,
            expiry_year: &form.expiry_year,
        },
        today,
    );
    let consent = match parsed {
        Ok(c) => c,
        Err(errors) => {
            return consent_page(&state, &p, &ep, r, None, Some(form), errors, None).await
        }
    };
    match state
        .store()
        .record_sharing_consent(&id.caller, ep.id, &consent)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("{}/consent?done=sharing", r.href)).into_response()),
        Err(e) => refused(&state, &p, &ep, r, e).await,
    }
}

#[derive(Template)]
#[template(path = "pages/allocation/withdraw.html")]
struct WithdrawPage {
    layout: Layout,
    errors: Vec<FieldError>,
    ep: EpisodeRef,
    what: String,
    given_on: String,
    /// Consent to take part (not to share).
    take_part: bool,
    form_href: String,
    back_href: String,
    reason: String,
}

/// The consent in the address, when it belongs to the episode.
async fn consent_in_path(
    state: &AppState,
    p: &Page,
    ep: &Episode,
    consent_id: &str,
) -> Result<ConsentRecord, PageError> {
    let id = p.identity()?;
    let consent: ConsentId = consent_id.parse().map_err(|_| PageError::NotFound)?;
    state
        .store()
        .consents(&id.caller, ep.id)
        .await?
        .into_iter()
        .find(|c| c.id == consent)
        .ok_or(PageError::NotFound)
}

fn withdraw_page(
    p: &Page,
    r: EpisodeRef,
    c: &ConsentRecord,
    reason: String,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    render(&WithdrawPage {
        layout: p.layout_with_errors(format!("Withdraw consent – {}", r.person_name), &errors),
        errors,
        what: consent_what(c),
        given_on: date(c.given_on),
        take_part: matches!(c.subject, ConsentSubject::TakePart { .. }),
        form_href: format!("{}/consent/{}/withdraw", r.href, c.id),
        back_href: format!("{}/consent", r.href),
        reason,
        ep: r,
    })
}

/// `GET /people/{person_id}/episodes/{episode_id}/consent/{consent_id}/withdraw`
pub async fn withdraw_form(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id, consent_id)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (ep, r) = episode_in_path(&state, &p, &person_id, &episode_id).await?;
    let c = consent_in_path(&state, &p, &ep, &consent_id).await?;
    withdraw_page(&p, r, &c, String::new(), Vec::new())
}

/// `POST /people/{person_id}/episodes/{episode_id}/consent/{consent_id}/withdraw`
pub async fn withdraw(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id, consent_id)): Path<(String, String, String)>,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let (ep, r) = episode_in_path(&state, &p, &person_id, &episode_id).await?;
    let c = consent_in_path(&state, &p, &ep, &consent_id).await?;
    let reason = match optional_text(
        &form.reason,
        "why they withdrew it",
        MAX_WITHDRAWAL_REASON_CHARS,
    ) {
        Ok(r) => r,
        Err(m) => return withdraw_page(&p, r, &c, form.reason, vec![FieldError::new("reason", m)]),
    };
    let changed = state
        .store()
        .withdraw_consent(&id.caller, ep.id, c.id, reason.as_deref())
        .await?;
    let done = if changed { "withdrawn" } else { "already" };
    Ok(Redirect::to(&format!("{}/consent?done={done}", r.href)).into_response())
}
