//! Episodes of support on the pages: the "Support" section of a person's
//! record, making a referral, one page per journey action, changing the
//! expected release date, and an earlier episode's history.
//!
//! The journey's rules are the domain's and the store applies them: these
//! handlers read the form, build the action, and show what the store says.
//! A refusal is shown on the form with its reason (409), a change made by
//! someone else in the meantime is shown with the latest details (409), and
//! bad input is shown next to its field (200, like every form here).

use super::people::{person_page, PersonPageExtra};
use super::Form;
use crate::journey::{self, ActionFields, ActionInput, ReleaseFields};
use crate::view::{date, render, when, CheckItem, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use reconnect_domain::episode::{
    available_actions, Action, ActionKind, ClosureReason, DeclineReason, EpisodeState, Reason,
    Refusal,
};
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::window::{long_date, release_countdown, ReleaseDate};
use reconnect_domain::{EpisodeId, FieldError, PersonId, SiteId};
use reconnect_store::episodes::{Episode, EpisodeEvent};
use reconnect_store::people::Person;
use reconnect_store::StoreError;
use serde::Deserialize;
use std::collections::HashMap;
use time::Date;

/// Shown when someone else changed the episode between loading the form and
/// sending it.
pub const STALE_MESSAGE: &str = "Someone else changed this record while you were working on it. Check the latest details below and try again";

/// An error summary entry that is not about one field (shown without a link).
fn general(message: impl Into<String>) -> FieldError {
    FieldError::new("", message)
}

/// The NHS.UK tag colour for a state.
pub fn tag_class(state: EpisodeState) -> &'static str {
    match state {
        EpisodeState::Referred => "nhsuk-tag--yellow",
        EpisodeState::Accepted => "nhsuk-tag--aqua-green",
        EpisodeState::EngagedBeforeRelease => "nhsuk-tag--blue",
        EpisodeState::Released => "nhsuk-tag--purple",
        EpisodeState::CommunitySupport => "nhsuk-tag--green",
        EpisodeState::SteppingDown => "nhsuk-tag--aqua-green",
        EpisodeState::ReturnedToCustody => "nhsuk-tag--orange",
        EpisodeState::Declined | EpisodeState::Closed | EpisodeState::Withdrawn => {
            "nhsuk-tag--grey"
        }
    }
}

/// The path segment of an action: `mark-released`.
pub fn action_slug(kind: ActionKind) -> String {
    kind.as_str().replace('_', "-")
}

fn parse_action_slug(slug: &str) -> Option<ActionKind> {
    slug.replace('-', "_").parse().ok()
}

fn person_href(person: PersonId) -> String {
    format!("/people/{person}")
}

fn episode_href(person: PersonId, episode: EpisodeId) -> String {
    format!("/people/{person}/episodes/{episode}")
}

/// The actions that move the journey on, offered as buttons; the others are
/// offered as links below them.
fn is_main_step(kind: ActionKind) -> bool {
    matches!(
        kind,
        ActionKind::Accept
            | ActionKind::Decline
            | ActionKind::StartEngagement
            | ActionKind::MarkReleased
            | ActionKind::StartCommunitySupport
            | ActionKind::BeginSteppingDown
            | ActionKind::Resume
    )
}

/// The confirmation shown on the person's page after a change.
pub fn done_message(done: &str) -> Option<&'static str> {
    Some(match done {
        "referred" => "Referral recorded",
        "release-date" => "Expected release date updated",
        "accept" => "Referral accepted",
        "decline" => "Referral declined",
        "start-engagement" => "Support before release started",
        "mark-released" => "Marked as released",
        "start-community-support" => "Community support started",
        "begin-stepping-down" => "Stepping down started",
        "close" => "Episode closed",
        "withdraw" => "Recorded that they chose to stop support",
        "return-to-custody" => "Return to custody recorded",
        "resume" => "Support resumed in custody",
        "transfer-site" => "Transferred to another site",
        "extend-community-support" => "Community support extended",
        _ => return None,
    })
}

/// One row of an episode's summary list.
pub struct SummaryRow {
    pub key: &'static str,
    pub value: String,
    /// A link for the value (an earlier episode).
    pub href: Option<String>,
    /// A "Change" link, with what it changes for screen readers.
    pub change: Option<(String, &'static str)>,
}

pub struct ActionLink {
    pub href: String,
    pub label: &'static str,
}

/// One line of the history.
pub struct EventView {
    pub when: String,
    pub who: String,
    pub summary: String,
    pub reason: Option<String>,
}

/// An episode as the pages show it.
pub struct EpisodeView {
    pub id: EpisodeId,
    pub href: String,
    pub state_label: &'static str,
    pub tag_class: &'static str,
    pub open: bool,
    pub referred_on: String,
    pub rows: Vec<SummaryRow>,
    /// Buttons for the main next steps, then links for the other changes;
    /// empty for people who only read.
    pub steps: Vec<ActionLink>,
    pub other_actions: Vec<ActionLink>,
    /// Newest first.
    pub history: Vec<EventView>,
}

/// What the episode views need besides the episode.
pub struct ViewContext<'a> {
    pub today: Date,
    pub site_names: &'a HashMap<SiteId, String>,
    /// Other episodes of the person, for the "follows" link: id and referral date.
    pub referred_on: &'a HashMap<EpisodeId, String>,
    pub can_change: bool,
}

fn release_text(today: Date, release: &ReleaseDate) -> String {
    match release {
        ReleaseDate::Known(d) => {
            format!("{} – {}", long_date(*d), release_countdown(today, release))
        }
        ReleaseDate::Unknown { reason } => format!("Not known: {reason}"),
    }
}

pub fn episode_view(
    ep: &Episode,
    history: Vec<EpisodeEvent>,
    windows: &reconnect_domain::window::SiteWindows,
    cx: &ViewContext<'_>,
) -> EpisodeView {
    let open = !ep.state.is_terminal();
    let href = episode_href(ep.person_id, ep.id);
    let can_change = cx.can_change && open;
    let mut rows = vec![
        SummaryRow {
            key: "Site",
            value: cx
                .site_names
                .get(&ep.site_id)
                .cloned()
                .unwrap_or_else(|| "Unknown site".into()),
            href: None,
            change: None,
        },
        SummaryRow {
            key: "Referred by",
            value: ep.source.label().to_string(),
            href: None,
            change: None,
        },
        SummaryRow {
            key: "Referred on",
            value: date(ep.created_at.date()),
            href: None,
            change: None,
        },
    ];
    let released = ep.released_on.filter(|_| ep.state.is_in_community());
    if released.is_none() {
        rows.push(SummaryRow {
            key: "Expected release",
            value: release_text(cx.today, &ep.expected_release),
            href: None,
            change: can_change.then(|| (format!("{href}/release-date"), "expected release date")),
        });
    }
    if let Some(on) = ep.released_on {
        rows.push(SummaryRow {
            key: "Released",
            value: release_text(cx.today, &ReleaseDate::Known(on)),
            href: None,
            change: None,
        });
    }
    if ep.state == EpisodeState::ReturnedToCustody {
        if let Some(on) = ep.returned_to_custody_on {
            rows.push(SummaryRow {
                key: "Back in custody since",
                value: long_date(on),
                href: None,
                change: None,
            });
        }
    }
    if released.is_some() {
        if let Some(ends) = ep.progress().support_ends(windows) {
            let extended = if ep.extended_until == Some(ends) {
                " (extended)"
            } else {
                ""
            };
            rows.push(SummaryRow {
                key: "Community support ends",
                value: format!("{}{extended}", long_date(ends)),
                href: None,
                change: None,
            });
        }
    }
    if let Some(earlier) = ep.linked_from {
        rows.push(SummaryRow {
            key: "Follows",
            value: match cx.referred_on.get(&earlier) {
                Some(on) => format!("Their episode referred on {on}"),
                None => "An earlier episode".into(),
            },
            href: Some(episode_href(ep.person_id, earlier)),
            change: None,
        });
    }
    let (mut steps, mut other_actions) = (Vec::new(), Vec::new());
    if can_change {
        for kind in available_actions(ep.state) {
            let link = ActionLink {
                href: format!("{href}/actions/{}", action_slug(kind)),
                label: kind.label(),
            };
            if is_main_step(kind) {
                steps.push(link);
            } else {
                other_actions.push(link);
            }
        }
    }
    let mut history: Vec<EventView> = history
        .into_iter()
        .map(|e| EventView {
            when: when(e.at),
            who: e.by_name,
            summary: e.summary,
            reason: e.reason,
        })
        .collect();
    history.reverse();
    EpisodeView {
        id: ep.id,
        href,
        state_label: ep.state.label(),
        tag_class: tag_class(ep.state),
        open,
        referred_on: date(ep.created_at.date()),
        rows,
        steps,
        other_actions,
        history,
    }
}

/// An earlier episode in the person's list.
pub struct EarlierEpisode {
    pub href: String,
    pub state_label: &'static str,
    pub tag_class: &'static str,
    pub referred_on: String,
    pub last_change: String,
}

/// The person page's "Support" section.
pub struct Support {
    pub current: Option<EpisodeView>,
    pub earlier: Vec<EarlierEpisode>,
    /// The referral form, when there is no open episode and the caller may refer.
    pub referral: Option<ReferralForm>,
}

async fn site_names(state: &AppState) -> Result<HashMap<SiteId, String>, PageError> {
    Ok(state
        .store()
        .list_sites()
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

/// May this caller change this person's episodes?
fn can_change(p: &Page, person: &Person) -> Result<bool, PageError> {
    let id = p.identity()?;
    Ok(id.caller.scope.may_write_site(person.summary.site_id))
}

/// Builds the "Support" section of a person's page. `referral` is the form
/// as sent, when it is being shown again with errors.
pub async fn support_section(
    state: &AppState,
    p: &Page,
    person: &Person,
    referral: Option<ReferralForm>,
) -> Result<Support, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let episodes = store.episodes_of(&id.caller, person.summary.id).await?;
    let names = site_names(state).await?;
    let referred_on: HashMap<EpisodeId, String> = episodes
        .iter()
        .map(|e| (e.id, date(e.created_at.date())))
        .collect();
    let writer = can_change(p, person)?;
    let cx = ViewContext {
        today: store.now().date(),
        site_names: &names,
        referred_on: &referred_on,
        can_change: writer,
    };
    let mut current = None;
    let mut earlier = Vec::new();
    for ep in &episodes {
        if current.is_none() && !ep.state.is_terminal() {
            let history = store.episode_history(&id.caller, ep.id).await?;
            let windows = store.site_windows(ep.site_id).await?;
            current = Some(episode_view(ep, history, &windows, &cx));
        } else {
            let history = store.episode_history(&id.caller, ep.id).await?;
            earlier.push(EarlierEpisode {
                href: episode_href(ep.person_id, ep.id),
                state_label: ep.state.label(),
                tag_class: tag_class(ep.state),
                referred_on: date(ep.created_at.date()),
                last_change: history
                    .last()
                    .map(|e| format!("{} ({})", e.summary, date(e.at.date())))
                    .unwrap_or_default(),
            });
        }
    }
    let referral = (current.is_none() && writer).then(|| {
        let mut form = referral.unwrap_or_default();
        form.linked = !episodes.is_empty();
        form
    });
    Ok(Support {
        current,
        earlier,
        referral,
    })
}

// ---------------------------------------------------------------------------
// The release date fields, shared by the referral form and the change page.

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
    fn from_release(release: &ReleaseDate) -> Self {
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

    fn parse(&self, today: Date, born: Date) -> Result<ReleaseDate, Vec<FieldError>> {
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

/// The referral form on a person's page.
#[derive(Deserialize, Default, Clone)]
pub struct ReferralForm {
    #[serde(default)]
    pub referral_source: String,
    #[serde(flatten)]
    pub release: ReleaseInput,
    /// Does the person have earlier episodes (the new one will be linked)?
    #[serde(skip)]
    pub linked: bool,
}

impl ReferralForm {
    pub fn sources(&self) -> Vec<CheckItem> {
        ReferralSource::ALL
            .into_iter()
            .map(|s| CheckItem {
                value: s.as_str().to_string(),
                label: s.label().to_string(),
                checked: self.referral_source == s.as_str(),
            })
            .collect()
    }
}

fn ids(person_id: &str, episode_id: &str) -> Result<(PersonId, EpisodeId), PageError> {
    Ok((
        person_id.parse().map_err(|_| PageError::NotFound)?,
        episode_id.parse().map_err(|_| PageError::NotFound)?,
    ))
}

/// The episode, when it is in the caller's scope and belongs to the person
/// in the address.
async fn episode_of(
    state: &AppState,
    p: &Page,
    person: PersonId,
    episode: EpisodeId,
) -> Result<Episode, PageError> {
    let id = p.identity()?;
    let ep = state.store().episode(&id.caller, episode).await?;
    if ep.person_id != person {
        return Err(PageError::NotFound);
    }
    Ok(ep)
}

fn with_status(mut res: Response, status: StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

/// `POST /people/{person_id}/episodes`: a referral for support.
pub async fn start(
    State(state): State<AppState>,
    p: Page,
    Path(person_id): Path<String>,
    Form(form): Form<ReferralForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let person_id: PersonId = person_id.parse().map_err(|_| PageError::NotFound)?;
    let store = state.store();
    let born = store.person_date_of_birth(&id.caller, person_id).await?;
    let today = store.now().date();
    let mut errors = Vec::new();
    let source = match form.referral_source.parse::<ReferralSource>() {
        Ok(s) => Some(s),
        Err(e) => {
            errors.push(FieldError::new("referral_source", e.to_string()));
            None
        }
    };
    let release = match form.release.parse(today, born) {
        Ok(r) => Some(r),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let (Some(source), Some(release), true) = (source, release, errors.is_empty()) else {
        return person_page(
            &state,
            &p,
            person_id,
            PersonPageExtra::referral(form, errors),
        )
        .await;
    };
    match store
        .start_episode(&id.caller, person_id, source, &release)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/people/{person_id}?done=referred")).into_response()),
        Err(StoreError::Refused(reason)) => Ok(with_status(
            person_page(
                &state,
                &p,
                person_id,
                PersonPageExtra::referral(form, vec![general(reason)]),
            )
            .await?,
            StatusCode::CONFLICT,
        )),
        Err(StoreError::Invalid(errors)) => {
            person_page(
                &state,
                &p,
                person_id,
                PersonPageExtra::referral(form, errors),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "pages/episodes/show.html")]
struct EpisodePage {
    layout: Layout,
    person_name: String,
    person_href: String,
    ep: EpisodeView,
}

/// `GET /people/{person_id}/episodes/{episode_id}`: one episode and its history.
pub async fn show(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let (person_id, episode_id) = ids(&person_id, &episode_id)?;
    let ep = episode_of(&state, &p, person_id, episode_id).await?;
    let person = state.store().get_person(&id.caller, person_id).await?;
    let view = full_view(&state, &p, &person, &ep).await?;
    let name = super::people::person_name(&person);
    render(&EpisodePage {
        layout: p.layout(format!("Episode referred on {} – {name}", view.referred_on)),
        person_name: name,
        person_href: person_href(person_id),
        ep: view,
    })
}

/// The full view of one episode, with its history and the links to change it.
async fn full_view(
    state: &AppState,
    p: &Page,
    person: &Person,
    ep: &Episode,
) -> Result<EpisodeView, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let history = store.episode_history(&id.caller, ep.id).await?;
    let windows = store.site_windows(ep.site_id).await?;
    let names = site_names(state).await?;
    let referred_on: HashMap<EpisodeId, String> = store
        .episodes_of(&id.caller, ep.person_id)
        .await?
        .iter()
        .map(|e| (e.id, date(e.created_at.date())))
        .collect();
    let cx = ViewContext {
        today: store.now().date(),
        site_names: &names,
        referred_on: &referred_on,
        can_change: can_change(p, person)?,
    };
    Ok(episode_view(ep, history, &windows, &cx))
}

// ---------------------------------------------------------------------------
// Journey actions.

#[derive(Deserialize, Default, Clone)]
pub struct ActionForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub details: String,
    #[serde(default, rename = "date-day")]
    pub day: String,
    #[serde(default, rename = "date-month")]
    pub month: String,
    #[serde(default, rename = "date-year")]
    pub year: String,
    #[serde(default)]
    pub recalled: String,
    #[serde(default)]
    pub to_site: String,
    #[serde(default)]
    pub handover: String,
}

const ACTION_FIELDS: ActionFields = ActionFields {
    reason: "reason",
    details: "details",
    date: "date-day",
    recalled: "recalled",
    to_site: "to_site",
    handover: "handover",
};

impl ActionForm {
    fn input(&self, kind: ActionKind) -> ActionInput<'_> {
        let has_date = [&self.day, &self.month, &self.year]
            .iter()
            .any(|s| !s.trim().is_empty());
        ActionInput {
            reason: &self.reason,
            details: &self.details,
            date: has_date.then(|| {
                journey::date_from_parts(
                    &self.day,
                    &self.month,
                    &self.year,
                    journey::date_subject(kind),
                )
            }),
            recalled: match self.recalled.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            },
            to_site: &self.to_site,
            handover: &self.handover,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/episodes/action.html")]
struct ActionPage {
    layout: Layout,
    errors: Vec<FieldError>,
    person_name: String,
    person_href: String,
    form_href: String,
    kind: &'static str,
    heading: &'static str,
    button: &'static str,
    ep: EpisodeView,
    /// Why the action cannot be taken now, instead of the form.
    not_allowed: Option<String>,
    version: i64,
    form: ActionForm,
    reasons: Vec<CheckItem>,
    recalled: Vec<CheckItem>,
    sites: Vec<SelectOption>,
    support_ends: Option<String>,
    stepping_up: bool,
}

fn reason_items(kind: ActionKind, chosen: &str) -> Vec<CheckItem> {
    let codes: &[&str] = match kind {
        ActionKind::Decline => &DeclineReason::CODES,
        ActionKind::Close => &ClosureReason::CODES,
        _ => &[],
    };
    codes
        .iter()
        .map(|code| CheckItem {
            value: code.to_string(),
            label: match kind {
                ActionKind::Decline => DeclineReason::label_for(code),
                _ => ClosureReason::label_for(code),
            }
            .unwrap_or("Another reason")
            .to_string(),
            checked: *code == chosen,
        })
        .collect()
}

async fn action_page(
    state: &AppState,
    p: &Page,
    kind: ActionKind,
    ep: &Episode,
    form: ActionForm,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let person = store.get_person(&id.caller, ep.person_id).await?;
    let view = full_view(state, p, &person, ep).await?;
    let windows = store.site_windows(ep.site_id).await?;
    let not_allowed = (!available_actions(ep.state).contains(&kind)).then(|| {
        Refusal::NotAllowed {
            action: kind,
            state: ep.state,
        }
        .to_string()
    });
    let sites = if kind == ActionKind::TransferSite {
        let mut options = vec![SelectOption {
            value: String::new(),
            label: "Choose a site".into(),
            selected: form.to_site.is_empty(),
        }];
        for site in store.list_sites().await? {
            if site.id != ep.site_id {
                let value = site.id.to_string();
                options.push(SelectOption {
                    selected: value == form.to_site,
                    value,
                    label: site.name,
                });
            }
        }
        options
    } else {
        Vec::new()
    };
    let recalled = [
        ("yes", "Yes, recalled on licence"),
        ("no", "No, remanded or sentenced again"),
    ]
    .into_iter()
    .map(|(value, label)| CheckItem {
        value: value.into(),
        label: label.into(),
        checked: form.recalled == value,
    })
    .collect();
    let name = super::people::person_name(&person);
    render(&ActionPage {
        layout: p.layout_with_errors(format!("{} – {name}", kind.label()), &errors),
        errors,
        person_href: person_href(ep.person_id),
        person_name: name,
        form_href: format!("{}/actions/{}", view.href, action_slug(kind)),
        kind: kind.as_str(),
        heading: kind.label(),
        button: kind.label(),
        not_allowed,
        version: ep.version,
        reasons: reason_items(kind, form.reason.trim()),
        recalled,
        sites,
        support_ends: ep.progress().support_ends(&windows).map(long_date),
        stepping_up: ep.state == EpisodeState::SteppingDown,
        form,
        ep: view,
    })
}

fn parse_kind(slug: &str) -> Result<ActionKind, PageError> {
    parse_action_slug(slug).ok_or(PageError::NotFound)
}

/// `GET /people/{person_id}/episodes/{episode_id}/actions/{action}`
pub async fn action_form(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id, action)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (person_id, episode_id) = ids(&person_id, &episode_id)?;
    let kind = parse_kind(&action)?;
    let ep = episode_of(&state, &p, person_id, episode_id).await?;
    action_page(&state, &p, kind, &ep, ActionForm::default(), Vec::new()).await
}

/// `POST /people/{person_id}/episodes/{episode_id}/actions/{action}`
pub async fn action_submit(
    State(state): State<AppState>,
    p: Page,
    Path((person_id, episode_id, action)): Path<(String, String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let (person_id, episode_id) = ids(&person_id, &episode_id)?;
    let kind = parse_kind(&action)?;
    let ep = episode_of(&state, &p, person_id, episode_id).await?;
    let store = state.store();
    let version: i64 = form
        .version
        .trim()
        .parse()
        .map_err(|_| PageError::BadRequest)?;
    if !available_actions(ep.state).contains(&kind) {
        // Refused by the journey's rules whatever was filled in: say why (or
        // that someone else has just moved the episode on).
        let message = if version == ep.version {
            Refusal::NotAllowed {
                action: kind,
                state: ep.state,
            }
            .to_string()
        } else {
            STALE_MESSAGE.to_string()
        };
        return Ok(with_status(
            action_page(&state, &p, kind, &ep, form, vec![general(message)]).await?,
            StatusCode::CONFLICT,
        ));
    }
    let born = store.person_date_of_birth(&id.caller, person_id).await?;
    let today = store.now().date();
    let action = match journey::build_action(kind, &form.input(kind), &ACTION_FIELDS, today, born) {
        Ok(a) => a,
        Err(errors) => return action_page(&state, &p, kind, &ep, form, errors).await,
    };
    match store
        .act_on_episode(&id.caller, episode_id, version, &action)
        .await
    {
        Ok(_) => {
            if let Action::TransferSite { to, .. } = &action {
                if !id.caller.scope.may_read_site(*to) {
                    return Ok(Redirect::to("/people?transferred=1").into_response());
                }
            }
            Ok(
                Redirect::to(&format!("/people/{person_id}?done={}", action_slug(kind)))
                    .into_response(),
            )
        }
        Err(StoreError::Refused(reason)) => {
            // Where the refusal is about a field, link the summary to it.
            let ep = episode_of(&state, &p, person_id, episode_id).await?;
            let windows = store.site_windows(ep.site_id).await?;
            let field = match ep.progress().apply(&action, today, &windows) {
                Err(refusal) if refusal.to_string() == reason => {
                    journey::refusal_field(&refusal, &ACTION_FIELDS).unwrap_or_default()
                }
                _ => "",
            };
            let errors = vec![FieldError::new(field, reason)];
            Ok(with_status(
                action_page(&state, &p, kind, &ep, form, errors).await?,
                StatusCode::CONFLICT,
            ))
        }
        Err(StoreError::Stale) => {
            let ep = episode_of(&state, &p, person_id, episode_id).await?;
            Ok(with_status(
                action_page(&state, &p, kind, &ep, form, vec![general(STALE_MESSAGE)]).await?,
                StatusCode::CONFLICT,
            ))
        }
        Err(StoreError::Invalid(errors)) => {
            let errors = errors
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "to_site" | "handover" | "reason" | "details" | "recalled" => e,
                    _ => FieldError::new("", e.message),
                })
                .collect();
            action_page(&state, &p, kind, &ep, form, errors).await
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------
// Changing the expected release date.

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
    let id = p.identity()?;
    let store = state.store();
    let person = store.get_person(&id.caller, ep.person_id).await?;
    let view = full_view(state, p, &person, ep).await?;
    let name = super::people::person_name(&person);
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
    let version: i64 = form
        .version
        .trim()
        .parse()
        .map_err(|_| PageError::BadRequest)?;
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
