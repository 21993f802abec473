//! One referral (`/triage/{referral_id}`): its details, eligibility,
//! possible duplicates at the caller's sites and history, and the triage
//! decision. A refusal (already decided) is shown with its reason (409), a
//! decision made on an out-of-date page is shown with the latest details
//! (409), and bad input is shown next to its field.

use super::view::{event_view, referral_view, EventView, ReferralView};
use crate::pages::Form;
use crate::view::{render, CheckItem, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::episode::{DeclineReason, Reason};
use reconnect_domain::id::ReferralId;
use reconnect_domain::{FieldError, PersonId, PrisonId, PrisonNumber};
use reconnect_store::referrals::decide::Decision;
use reconnect_store::referrals::{Referral, ReferralStatus};
use reconnect_store::StoreError;
use serde::Deserialize;

/// Shown when someone else decided or changed the referral meanwhile.
const STALE: &str = "Someone else changed this referral while you were looking at it. Check the latest details below";

/// What the decision form sends.
#[derive(Deserialize, Default, Clone)]
pub struct DecisionForm {
    #[serde(default)]
    pub version: String,
    /// `new_record`, `link:<person id>`, `merge:<person id>` or `decline`.
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub prison_id: String,
    #[serde(default)]
    pub prison_number: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub details: String,
}

/// The raw parts of a decision, as the form or the API sends them.
pub struct DecisionInput<'a> {
    /// `new_record`, `link`, `merge` or `decline`.
    pub kind: &'a str,
    pub person_id: &'a str,
    pub prison_id: &'a str,
    pub prison_number: &'a str,
    pub reason: &'a str,
    pub details: &'a str,
}

/// Field names for a decision's problems (form ids or JSON properties).
pub struct DecisionFields {
    pub kind: &'static str,
    pub person_id: &'static str,
}

/// Builds the decision, reporting each problem against its field.
pub fn build_decision(
    input: &DecisionInput<'_>,
    fields: &DecisionFields,
) -> Result<Decision, Vec<FieldError>> {
    let mut errors = Vec::new();
    let person = || -> Result<PersonId, Vec<FieldError>> {
        input.person_id.trim().parse().map_err(|_| {
            vec![FieldError::new(
                fields.person_id,
                "Choose one of the possible matches at your sites",
            )]
        })
    };
    let decision = match input.kind.trim() {
        "link" => Decision::Link { person: person()? },
        "merge" => Decision::Merge { person: person()? },
        "new_record" => {
            let prison = input.prison_id.trim().parse::<PrisonId>();
            if prison.is_err() {
                errors.push(FieldError::new(
                    "prison_id",
                    "Choose the prison they are in",
                ));
            }
            let number = PrisonNumber::parse(input.prison_number);
            if let Err(e) = &number {
                errors.push(FieldError::new("prison_number", e.to_string()));
            }
            match (prison, number) {
                (Ok(prison_id), Ok(prison_number)) => Decision::NewRecord {
                    prison_id,
                    prison_number,
                },
                _ => return Err(errors),
            }
        }
        "decline" => {
            let reason = DeclineReason::parse(input.reason, input.details).map_err(|m| {
                let field = if input.reason.trim() == "other" {
                    "details"
                } else {
                    "reason"
                };
                vec![FieldError::new(field, m)]
            })?;
            let note = if matches!(reason, DeclineReason::Other { .. }) {
                None
            } else {
                Reason::parse_optional(input.details, "details")
                    .map_err(|m| vec![FieldError::new("details", m)])?
            };
            Decision::Decline { reason, note }
        }
        _ => {
            return Err(vec![FieldError::new(
                fields.kind,
                "Choose what to do with this referral",
            )])
        }
    };
    Ok(decision)
}

const FORM_FIELDS: DecisionFields = DecisionFields {
    kind: "decision",
    person_id: "decision",
};

impl DecisionForm {
    fn build(&self) -> Result<Decision, Vec<FieldError>> {
        let (kind, person) = self
            .decision
            .split_once(':')
            .unwrap_or((self.decision.as_str(), ""));
        build_decision(
            &DecisionInput {
                kind,
                person_id: person,
                prison_id: &self.prison_id,
                prison_number: &self.prison_number,
                reason: &self.reason,
                details: &self.details,
            },
            &FORM_FIELDS,
        )
    }
}

#[derive(Template)]
#[template(path = "pages/referrals/show.html")]
struct ShowPage {
    layout: Layout,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
    r: ReferralView,
    history: Vec<EventView>,
    can_decide: bool,
    form: DecisionForm,
    choices: Vec<CheckItem>,
    prisons: Vec<SelectOption>,
    reasons: Vec<CheckItem>,
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(default)]
    done: Option<String>,
}

fn referral_id(raw: &str) -> Result<ReferralId, PageError> {
    raw.parse().map_err(|_| PageError::NotFound)
}

async fn show_page(
    state: &AppState,
    p: &Page,
    r: &Referral,
    form: DecisionForm,
    errors: Vec<FieldError>,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    // Possible duplicates matter (and are shown) only while it waits for triage.
    let duplicates = if r.status == ReferralStatus::New {
        store.referral_duplicates(&id.caller, r).await?
    } else {
        Vec::new()
    };
    let view = referral_view(store, r, &duplicates).await?;
    let history = store
        .referral_history(&id.caller, r.id)
        .await?
        .iter()
        .map(event_view)
        .collect();
    let chosen = form.decision.as_str();
    let mut choices = Vec::new();
    for d in &view.duplicates {
        for (kind, words) in [
            ("link", "link the referral to their record"),
            (
                "merge",
                "link, and update their prison, prison number and preferred name from the referral",
            ),
        ] {
            let value = format!("{kind}:{}", d.person_id);
            choices.push(CheckItem {
                checked: chosen == value,
                label: format!("It is {}, born {}: {words}", d.name, d.date_of_birth),
                value,
            });
        }
    }
    for (value, label) in [
        ("new_record", "Accept, and make a new record for them"),
        ("decline", "Decline the referral"),
    ] {
        choices.push(CheckItem {
            value: value.into(),
            label: label.into(),
            checked: chosen == value,
        });
    }
    let sites: Vec<_> = store
        .list_sites()
        .await?
        .into_iter()
        .filter(|s| id.caller.scope.may_write_site(s.id))
        .collect();
    let mut form = form;
    if form.prison_id.is_empty() && form.prison_number.is_empty() {
        form.prison_id = r.prison_id.map(|p| p.to_string()).unwrap_or_default();
        form.prison_number = r
            .prison_number
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_default();
    }
    let prisons = super::form::ReferralForm {
        prison_id: form.prison_id.clone(),
        ..Default::default()
    }
    .prison_options(&sites, false);
    let reasons = DeclineReason::CODES
        .iter()
        .map(|code| CheckItem {
            value: code.to_string(),
            label: DeclineReason::label_for(code)
                .unwrap_or("Another reason")
                .to_string(),
            checked: form.reason == *code,
        })
        .collect();
    render(&ShowPage {
        layout: p.layout_with_errors(format!("Referral {}", r.reference), &errors),
        errors,
        done,
        can_decide: view.is_new && id.caller.scope.may_write_site(r.site_id),
        r: view,
        history,
        form,
        choices,
        prisons,
        reasons,
    })
}

fn done_message(done: &str) -> Option<&'static str> {
    Some(match done {
        "created" => "Referral added to the triage queue",
        "accepted" => "Referral accepted",
        "linked" => "Referral linked to the support they already have",
        "declined" => "Referral declined",
        _ => return None,
    })
}

/// `GET /triage/{referral_id}`
pub async fn show(
    State(state): State<AppState>,
    p: Page,
    Path(raw): Path<String>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let referral = referral_id(&raw)?;
    let r = state.store().referral(&id.caller, referral).await?;
    let done = q.done.as_deref().and_then(done_message);
    show_page(&state, &p, &r, DecisionForm::default(), Vec::new(), done).await
}

/// `POST /triage/{referral_id}`: the decision.
pub async fn decide(
    State(state): State<AppState>,
    p: Page,
    Path(raw): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let referral = referral_id(&raw)?;
    let store = state.store();
    let r = store.referral(&id.caller, referral).await?;
    let version: i64 = form
        .version
        .trim()
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    let decision = match form.build() {
        Ok(d) => d,
        Err(errors) => return show_page(&state, &p, &r, form, errors, None).await,
    };
    match store
        .decide_referral(&id.caller, referral, version, &decision)
        .await
    {
        Ok(outcome) => Ok(Redirect::to(&format!(
            "/triage/{referral}?done={}",
            outcome.status.as_str()
        ))
        .into_response()),
        Err(StoreError::Refused(why)) => {
            let r = store.referral(&id.caller, referral).await?;
            let mut res =
                show_page(&state, &p, &r, form, vec![FieldError::new("", why)], None).await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(StoreError::Stale) => {
            let r = store.referral(&id.caller, referral).await?;
            let mut res =
                show_page(&state, &p, &r, form, vec![FieldError::new("", STALE)], None).await?;
            *res.status_mut() = StatusCode::CONFLICT;
            Ok(res)
        }
        Err(StoreError::Invalid(errors)) => {
            let errors = errors
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "person_id" => FieldError::new("decision", e.message),
                    _ => e,
                })
                .collect();
            show_page(&state, &p, &r, form, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}
