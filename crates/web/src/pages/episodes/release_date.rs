//! The expected release date: the fields shared by the referral form and the
//! change page, and the page that changes it (with why, kept in the history).

use super::view::{person_and_view, release_text};
use super::{
    episode_of, general, ids, person_href, version, with_status, EpisodeView, STALE_MESSAGE,
};
use crate::journey::{self, ReleaseFields};
use crate::pages::Form;
use crate::view::{render, Layout, Page};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::episode::Reason;
use reconnect_domain::window::ReleaseDate;
use reconnect_domain::FieldError;
use reconnect_store::episodes::Episode;
use reconnect_store::StoreError;
use serde::Deserialize;
use time::Date;

#[derive(Deserialize, Default, Clone)]
pub struct ReleaseInput {
    #[serde(default, rename = "expected_release-day")]
    pub day: String,
    #[serde(default, rename = "expected_release-month")]
    pub month: String,
    #[serde(default, rename = "expected_release-year")]
    pub year: String,
    #[serde(default)]
    pub release_unknown_reason: String,
}

/// One of the date and the reason is needed; a problem with the choice is
/// shown at the date.
const RELEASE_FIELDS: ReleaseFields = ReleaseFields {
    date: "expected_release-day",
    reason: "release_unknown_reason",
    known: "expected_release-day",
};

impl ReleaseInput {
    pub(super) fn from_release(release: &ReleaseDate) -> Self {
        match release {
            ReleaseDate::Known(d) => Self {
                day: d.day().to_string(),
                month: (d.month() as u8).to_string(),
                year: d.year().to_string(),
                release_unknown_reason: String::new(),
            },
            ReleaseDate::Unknown { reason } => Self {
                release_unknown_reason: reason.to_string(),
                ..Self::default()
            },
        }
    }

    pub(super) fn parse(&self, today: Date, born: Date) -> Result<ReleaseDate, Vec<FieldError>> {
        let date = [&self.day, &self.month, &self.year]
            .iter()
            .any(|s| !s.trim().is_empty())
            .then(|| {
                journey::date_from_parts(
                    &self.day,
                    &self.month,
                    &self.year,
                    "The expected release date",
                )
            });
        journey::release_date(
            None,
            date,
            &self.release_unknown_reason,
            today,
            born,
            &RELEASE_FIELDS,
        )
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ReleaseDateForm {
    #[serde(default)]
    pub version: String,
    #[serde(flatten)]
    pub release: ReleaseInput,
    #[serde(default)]
    pub why: String,
}

#[derive(Template)]
#[template(path = "pages/episodes/release_date.html")]
struct ReleaseDatePage {
    layout: Layout,
    errors: Vec<FieldError>,
    person_name: String,
    person_href: String,
    form_href: String,
    ep: EpisodeView,
    current: String,
    version: i64,
    release: ReleaseInput,
    why: String,
}

async fn release_page(
    state: &AppState,
    p: &Page,
    ep: &Episode,
    form: Option<ReleaseDateForm>,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let store = state.store();
    let (person, view) = person_and_view(state, p, ep).await?;
    let name = crate::pages::people::person_name(&person);
    let (release, why) = match form {
        Some(f) => (f.release, f.why),
        None => (
            ReleaseInput::from_release(&ep.expected_release),
            String::new(),
        ),
    };
    render(&ReleaseDatePage {
        layout: p.layout_with_errors(
            format!("Change the expected release date – {name}"),
            &errors,
        ),
        errors,
        person_href: person_href(ep.person_id),
        person_name: name,
        form_href: format!("{}/release-date", view.href),
        current: release_text(store.now().date(), &ep.expected_release),
        ep: view,
        version: ep.version,
        release,
        why,
    })
}

/// `GET /people/{person_id}/episodes/{episode_id}/release-date`
pub async fn release_form(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (person_id, episode_id) = ids(&person_id, &episode_id)?;
    let ep = episode_of(&state, &p, person_id, episode_id).await?;
    release_page(&state, &p, &ep, None, Vec::new()).await
}

/// `POST /people/{person_id}/episodes/{episode_id}/release-date`
pub async fn release_submit(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
    Form(form): Form<ReleaseDateForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let (person_id, episode_id) = ids(&person_id, &episode_id)?;
    let ep = episode_of(&state, &p, person_id, episode_id).await?;
    let store = state.store();
    let version = version(&form.version)?;
    let born = store.person_date_of_birth(&id.caller, person_id).await?;
    let today = store.now().date();
    let mut errors = Vec::new();
    let release = form
        .release
        .parse(today, born)
        .map_err(|e| errors.extend(e))
        .ok();
    let why = match Reason::parse(&form.why, "why the expected release date changed") {
        Ok(w) => Some(w),
        Err(m) => {
            errors.push(FieldError::new("why", m));
            None
        }
    };
    let (Some(release), Some(why), true) = (release, why, errors.is_empty()) else {
        return release_page(&state, &p, &ep, Some(form), errors).await;
    };
    match store
        .change_expected_release(&id.caller, episode_id, version, &release, &why)
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/people/{person_id}?done=release-date")).into_response())
        }
        Err(StoreError::Refused(reason)) => {
            let ep = episode_of(&state, &p, person_id, episode_id).await?;
            Ok(with_status(
                release_page(&state, &p, &ep, Some(form), vec![general(reason)]).await?,
                StatusCode::CONFLICT,
            ))
        }
        Err(StoreError::Stale) => {
            let ep = episode_of(&state, &p, person_id, episode_id).await?;
            Ok(with_status(
                release_page(&state, &p, &ep, Some(form), vec![general(STALE_MESSAGE)]).await?,
                StatusCode::CONFLICT,
            ))
        }
        Err(e) => Err(e.into()),
    }
}
