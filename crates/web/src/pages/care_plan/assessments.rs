//! Assessments on the pages: a table of each domain's score over time with
//! the change since the assessment before, and the form that records a new
//! assessment scoring each domain on the 0–4 scale.

use super::{general, load, with_status, EpisodeCtx};
use crate::pages::Form;
use crate::view::{date, render, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::need::{change_between, NeedDomain, Score, NOTE_MAX_CHARS};
use reconnect_domain::validation::{date_from_parts, optional_text};
use reconnect_domain::{FieldError, Validation};
use reconnect_store::care_plan::{Assessment, AssessmentScore, NewAssessment};
use reconnect_store::StoreError;
use std::collections::HashMap;

/// One domain's row in the scores table.
pub struct ScoreRow {
    pub domain: &'static str,
    /// One cell per assessment: the score, or empty when not scored.
    pub cells: Vec<String>,
    pub change: &'static str,
}

/// One domain in the form.
pub struct DomainField {
    pub score_id: String,
    pub note_id: String,
    pub score_label: String,
    pub note_label: String,
    pub options: Vec<SelectOption>,
    pub note: String,
    pub score_error: Option<String>,
    pub note_error: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/care_plan/assessments.html")]
struct AssessmentsPage {
    layout: Layout,
    cx: EpisodeCtx,
    done: bool,
    dates: Vec<String>,
    rows: Vec<ScoreRow>,
    scale: Vec<(u8, &'static str)>,
}

#[derive(Template)]
#[template(path = "pages/care_plan/assessment_new.html")]
struct AssessmentForm {
    layout: Layout,
    errors: Vec<FieldError>,
    cx: EpisodeCtx,
    day: String,
    month: String,
    year: String,
    domains: Vec<DomainField>,
    back_href: String,
}

fn scale() -> Vec<(u8, &'static str)> {
    Score::all().map(|s| (s.value(), s.label())).collect()
}

/// The table: domains scored at least once, in catalogue order.
fn score_rows(all: &[Assessment]) -> Vec<ScoreRow> {
    NeedDomain::ALL
        .iter()
        .filter(|d| all.iter().any(|a| a.score_for(**d).is_some()))
        .map(|d| {
            let scores: Vec<Score> = all
                .iter()
                .filter_map(|a| a.score_for(*d).map(|s| s.score))
                .collect();
            let change = match scores.as_slice() {
                [.., before, after] => change_between(*before, *after),
                _ => "First assessment",
            };
            ScoreRow {
                domain: d.label(),
                cells: all
                    .iter()
                    .map(|a| {
                        a.score_for(*d)
                            .map(|s| s.score.value().to_string())
                            .unwrap_or_else(|| "Not scored".into())
                    })
                    .collect(),
                change,
            }
        })
        .collect()
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    pub done: String,
}

/// `GET /people/{person_id}/episodes/{episode_id}/assessments`
pub async fn assessments(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    let all = state.store().assessments(&id.caller, cx.episode.id).await?;
    render(&AssessmentsPage {
        layout: p.layout(format!("Assessments – {}", cx.person_name)),
        done: q.done == "recorded",
        dates: all.iter().map(|a| date(a.on)).collect(),
        rows: score_rows(&all),
        scale: scale(),
        cx,
    })
}

fn field_value<'a>(fields: &'a HashMap<String, String>, name: &str) -> &'a str {
    fields.get(name).map(String::as_str).unwrap_or_default()
}

fn form_page(
    p: &Page,
    cx: EpisodeCtx,
    fields: &HashMap<String, String>,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let domains = NeedDomain::ALL
        .iter()
        .map(|d| {
            let score_id = format!("score-{}", d.code());
            let note_id = format!("note-{}", d.code());
            let chosen = field_value(fields, &score_id);
            DomainField {
                options: std::iter::once(SelectOption {
                    value: String::new(),
                    label: "Not scored this time".into(),
                    selected: chosen.is_empty(),
                })
                .chain(Score::all().map(|s| SelectOption {
                    value: s.value().to_string(),
                    label: format!("{} – {}", s.value(), s.label()),
                    selected: chosen == s.value().to_string(),
                }))
                .collect(),
                note: field_value(fields, &note_id).to_string(),
                score_error: crate::view::error_for(&errors, &score_id),
                note_error: crate::view::error_for(&errors, &note_id),
                score_id,
                note_id,
                score_label: format!("{}: score", d.label()),
                note_label: format!("{}: note (optional)", d.label()),
            }
        })
        .collect();
    render(&AssessmentForm {
        layout: p.layout_with_errors(
            format!("Record an assessment – {}", cx.person_name),
            &errors,
        ),
        day: field_value(fields, "assessed_on-day").to_string(),
        month: field_value(fields, "assessed_on-month").to_string(),
        year: field_value(fields, "assessed_on-year").to_string(),
        errors,
        domains,
        back_href: format!("{}/assessments", cx.ep_href),
        cx,
    })
}

/// `GET /people/{person_id}/episodes/{episode_id}/assessments/new`
pub async fn assessment_form(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    if !cx.can_change {
        return Err(PageError::NotFound);
    }
    let today = cx.today;
    let fields = HashMap::from([
        ("assessed_on-day".to_string(), today.day().to_string()),
        (
            "assessed_on-month".to_string(),
            (today.month() as u8).to_string(),
        ),
        ("assessed_on-year".to_string(), today.year().to_string()),
    ]);
    form_page(&p, cx, &fields, Vec::new())
}

/// Reads the form: the date and each domain scored (with its note).
fn parse(
    fields: &HashMap<String, String>,
    today: time::Date,
) -> Result<NewAssessment, Vec<FieldError>> {
    let mut v = Validation::new();
    let on = v.check(
        "assessed_on-day",
        date_from_parts(
            field_value(fields, "assessed_on-day"),
            field_value(fields, "assessed_on-month"),
            field_value(fields, "assessed_on-year"),
            "The date of the assessment",
        )
        .and_then(|d| {
            if d > today {
                Err("The date of the assessment must be today or in the past".into())
            } else if (today - d).whole_days() > 366 {
                Err("The date of the assessment must be within the last year".into())
            } else {
                Ok(d)
            }
        }),
    );
    let mut scores = Vec::new();
    for d in NeedDomain::ALL {
        let score_id = format!("score-{}", d.code());
        let note_id = format!("note-{}", d.code());
        let raw = field_value(fields, &score_id);
        let note = v.check(
            &note_id,
            optional_text(field_value(fields, &note_id), "the note", NOTE_MAX_CHARS),
        );
        if raw.trim().is_empty() {
            if note.flatten().is_some() {
                v.add(
                    &score_id,
                    format!(
                        "Choose a score for {}, or remove its note",
                        d.label().to_lowercase()
                    ),
                );
            }
            continue;
        }
        if let (Some(score), Some(note)) = (v.check(&score_id, Score::parse(raw)), note) {
            scores.push(AssessmentScore {
                domain: *d,
                score,
                note,
            });
        }
    }
    if scores.is_empty() && v.is_empty() {
        v.add(
            format!("score-{}", NeedDomain::ALL[0].code()),
            "Score at least one area",
        );
    }
    v.finish(|| Some(NewAssessment { on: on?, scores }))
}

/// `POST /people/{person_id}/episodes/{episode_id}/assessments/new`
pub async fn assessment_submit(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let cx = load(&state, &p, &person_id, &episode_id).await?;
    let fields: HashMap<String, String> = pairs.into_iter().collect();
    let new = match parse(&fields, cx.today) {
        Ok(n) => n,
        Err(errors) => return form_page(&p, cx, &fields, errors),
    };
    match state
        .store()
        .record_assessment(&id.caller, cx.episode.id, &new)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("{}/assessments?done=recorded", cx.ep_href)).into_response())
        }
        Err(StoreError::Conflict(m) | StoreError::Refused(m)) => Ok(with_status(
            form_page(&p, cx, &fields, vec![general(m)])?,
            StatusCode::CONFLICT,
        )),
        Err(StoreError::Invalid(errors)) => form_page(&p, cx, &fields, errors),
        Err(e) => Err(e.into()),
    }
}
