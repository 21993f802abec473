//! The referral letter: what a service receives. It shows only the snapshot
//! taken when the referral was sent (and where it is going), never the
//! record as it is now. As a page with a print stylesheet, and as a PDF.
//! Each read is audited as a letter read.

use super::load;
use super::pdf;
use crate::pages::contacts::{uk_when, EpisodeContext};
use crate::view::{render, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use reconnect_domain::onward_referral::sharing::Snapshot;
use reconnect_store::onward_referrals::OnwardReferral;

/// One part of the letter: a heading and its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub lines: Vec<String>,
}

fn section(heading: &str, lines: Vec<String>) -> Section {
    let lines = if lines.is_empty() {
        vec!["None recorded".to_string()]
    } else {
        lines
    };
    Section {
        heading: heading.to_string(),
        lines,
    }
}

/// The parts of the snapshot, in the letter's order.
pub fn sections(s: &Snapshot) -> Vec<Section> {
    let mut out = vec![section(
        "About the person",
        vec![
            format!("Name: {}", s.name),
            format!("Date of birth: {}", s.date_of_birth),
        ],
    )];
    if let Some(f) = &s.referral_for {
        out.push(section("Referred for", vec![f.clone()]));
    }
    if let Some(n) = &s.nhs_number {
        out.push(section("NHS number", vec![n.clone()]));
    }
    if let Some(c) = &s.contact {
        let mut lines = Vec::new();
        if let Some(p) = &c.phone {
            lines.push(format!("Phone: {p}"));
        }
        if let Some(e) = &c.email {
            lines.push(format!("Email: {e}"));
        }
        if !c.address.is_empty() {
            lines.push(format!("Address: {}", c.address.join(", ")));
        }
        if let Some(p) = &c.preferred_contact {
            lines.push(format!("Prefers: {p}"));
        }
        out.push(section("Contact details", lines));
    }
    if let Some(r) = &s.release {
        let mut lines = vec![format!("Prison: {}", r.prison)];
        if let Some(d) = &r.released_on {
            lines.push(format!("Released on: {d}"));
        } else if let Some(d) = &r.expected_release {
            lines.push(format!("Expected release: {d}"));
        }
        out.push(section("Release", lines));
    }
    if let Some(needs) = &s.needs {
        out.push(section(
            "Needs",
            needs
                .iter()
                .map(|n| format!("{} ({})", n.area, n.status.to_lowercase()))
                .collect(),
        ));
    }
    if let Some(plan) = &s.plan {
        out.push(section(
            "Current plan",
            plan.iter()
                .map(|a| format!("{} (due {})", a.text, a.due_on))
                .collect(),
        ));
    }
    if let Some(notes) = &s.case_notes {
        out.push(section(
            "Case notes",
            notes
                .iter()
                .map(|n| format!("{}: {}", n.written_on, n.text))
                .collect(),
        ));
    }
    out
}

/// Everything a letter shows, for the page and the PDF alike.
pub struct Letter {
    pub to: Vec<String>,
    pub from: Vec<String>,
    pub sections: Vec<Section>,
}

/// The letter, when the referral has been sent (a draft has no letter).
fn letter_of(r: &OnwardReferral) -> Option<Letter> {
    let snap = r.snapshot.as_ref()?;
    let mut to = vec![r.service_name.clone()];
    to.extend(r.organization_name.clone());
    to.extend(r.service_email.clone());
    let sender = r
        .events
        .iter()
        .find(|e| e.action.starts_with("send"))
        .map(|e| e.by_name.clone())
        .unwrap_or_default();
    let mut from = vec![format!("{sender}, RECONNECT")];
    from.extend(r.sent_at.map(|t| format!("Sent {}", uk_when(t))));
    Some(Letter {
        to,
        from,
        sections: sections(snap),
    })
}

#[derive(Template)]
#[template(path = "pages/onward_referrals/letter.html")]
struct LetterPage {
    assets: &'static str,
    title: String,
    back: String,
    pdf_href: String,
    letter: Letter,
}

async fn sent_letter(
    state: &AppState,
    p: &Page,
    ids: &(String, String, String),
) -> Result<(EpisodeContext, OnwardReferral, Letter), PageError> {
    let (cx, r) = load(state, p, ids, true).await?;
    let letter = letter_of(&r).ok_or(PageError::NotFound)?;
    Ok((cx, r, letter))
}

/// `GET /people/{person_id}/episodes/{episode_id}/onward-referrals/{onward_referral_id}/letter`
pub async fn letter(
    State(state): State<AppState>,
    p: Page,
    Path(ids): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (cx, r, letter) = sent_letter(&state, &p, &ids).await?;
    let base = super::href(&cx, r.id);
    render(&LetterPage {
        assets: crate::assets::prefix(),
        title: format!("Referral to {}", r.service_name),
        back: base.clone(),
        pdf_href: format!("{base}/letter.pdf"),
        letter,
    })
}

/// `GET /people/{person_id}/episodes/{episode_id}/onward-referrals/{onward_referral_id}/letter.pdf`
pub async fn letter_pdf(
    State(state): State<AppState>,
    p: Page,
    Path(ids): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (_, r, letter) = sent_letter(&state, &p, &ids).await?;
    let bytes = pdf::write(&format!("Referral to {}", r.service_name), &letter);
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"referral-letter.pdf\""),
    );
    Ok(res)
}
