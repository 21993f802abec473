//! Audit trail pages: a site manager's view of their sites' events, and (in
//! [`super::admin`]) an administrator's view of account events. Both share the
//! filter form and table here.

use crate::view::{render, when, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use reconnect_domain::{FieldError, PersonId, UserId};
use reconnect_store::{AuditFilter, AuditRecord};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, Time};

pub const PAGE_SIZE: u32 = 50;

#[derive(Deserialize, Serialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<i64>,
}

pub struct EventRow {
    pub when: String,
    pub who: String,
    pub what: String,
    pub record: String,
    pub from: String,
}

#[derive(Template)]
#[template(path = "pages/audit.html")]
struct AuditPage {
    layout: Layout,
    heading: &'static str,
    intro: &'static str,
    action: &'static str,
    show_person_filter: bool,
    errors: Vec<FieldError>,
    filter: AuditQuery,
    users: Vec<SelectOption>,
    events: Vec<EventRow>,
    older: Option<String>,
}

fn parse_day(s: &str, field: &str, errors: &mut Vec<FieldError>) -> Option<Date> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    match Date::parse(s, &time::format_description::well_known::Iso8601::DATE) {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(field, "Enter a date like 2026-11-01"));
            None
        }
    }
}

/// Turns the query into a store filter, collecting problems with it.
fn to_filter(q: &AuditQuery) -> (AuditFilter, Vec<FieldError>) {
    let mut errors = Vec::new();
    let person_id = match q.person.trim() {
        "" => None,
        s => match s.parse::<PersonId>() {
            Ok(p) => Some(p),
            Err(_) => {
                errors.push(FieldError::new(
                    "person",
                    "Enter a record ID like 0196b3c2-…, copied from the person's page address",
                ));
                None
            }
        },
    };
    let user_id = q.user.trim().parse::<UserId>().ok();
    let from =
        parse_day(&q.from, "from", &mut errors).map(|d| d.with_time(Time::MIDNIGHT).assume_utc());
    let to = parse_day(&q.to, "to", &mut errors)
        .map(|d| d.with_time(Time::MIDNIGHT).assume_utc() + Duration::days(1));
    if let (Some(f), Some(t)) = (from, to) {
        if t <= f {
            errors.push(FieldError::new(
                "to",
                "The 'to' date must be the same as or after the 'from' date",
            ));
        }
    }
    (
        AuditFilter {
            person_id,
            user_id,
            from,
            to,
            before_seq: q.before,
            limit: PAGE_SIZE,
        },
        errors,
    )
}

/// Describes an action in words.
pub fn describe(action: &str) -> String {
    match action {
        "person.view" => "Opened a person's record".into(),
        "person.create" => "Added a person".into(),
        "caseload.view" => "Viewed the caseload".into(),
        "sign_in.success" => "Signed in".into(),
        "sign_in.failure" => "Failed to sign in".into(),
        "sign_in.refused" => "Sign-in refused (locked)".into(),
        "sign_out" => "Signed out".into(),
        "user.create" => "Created a staff account".into(),
        "user.update" => "Changed a staff account".into(),
        "user.disable" => "Disabled a staff account".into(),
        "user.enable" => "Re-enabled a staff account".into(),
        "user.password_change" => "Changed a password".into(),
        "site.create" => "Added a site".into(),
        "prison.create" => "Added a prison".into(),
        "api_token.create" => "Created an API token".into(),
        "api_token.revoke" => "Revoked an API token".into(),
        other => other.replace(['.', '_'], " "),
    }
}

fn rows(events: &[AuditRecord]) -> Vec<EventRow> {
    events
        .iter()
        .map(|e| EventRow {
            when: when(e.at),
            who: match (&e.actor_name, e.actor_role) {
                (Some(n), Some(r)) => format!("{n} ({})", r.label()),
                (Some(n), None) => n.clone(),
                _ => "Unknown".into(),
            },
            what: match &e.detail {
                Some(d) => format!("{}: {d}", describe(&e.action)),
                None => describe(&e.action),
            },
            record: match (&e.record_type, &e.record_id) {
                (Some(t), Some(id)) => format!("{} {id}", t.replace('_', " ")),
                _ => "None".into(),
            },
            from: e.ip.clone().unwrap_or_else(|| "Not recorded".into()),
        })
        .collect()
}

/// The link to the next (older) page, keeping the filters.
fn older_link(action: &str, q: &AuditQuery, events: &[AuditRecord]) -> Option<String> {
    if events.len() < PAGE_SIZE as usize {
        return None;
    }
    let last = events.last()?.seq;
    let mut next = q.clone();
    next.before = Some(last);
    serde_urlencoded::to_string(&next)
        .ok()
        .map(|qs| format!("{action}?{qs}"))
}

fn user_options(users: Vec<(UserId, String)>, selected: &str) -> Vec<SelectOption> {
    let mut opts = vec![SelectOption {
        value: String::new(),
        label: "Anyone".into(),
        selected: selected.is_empty(),
    }];
    opts.extend(users.into_iter().map(|(id, name)| {
        let value = id.to_string();
        SelectOption {
            selected: value == selected,
            value,
            label: name,
        }
    }));
    opts
}

/// Which audit trail a page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trail {
    /// A site manager's sites: every read and change of their records.
    Site,
    /// An administrator's view: sign-ins and account and site changes.
    Accounts,
}

impl Trail {
    fn heading(self) -> &'static str {
        match self {
            Trail::Site => "Audit trail",
            Trail::Accounts => "Account audit",
        }
    }

    fn intro(self) -> &'static str {
        match self {
            Trail::Site => "Every time someone at your sites opened or changed a record. This list cannot be edited.",
            Trail::Accounts => "Sign-ins, and changes to staff accounts, sites and API tokens. Case records are not shown here.",
        }
    }

    fn action(self) -> &'static str {
        match self {
            Trail::Site => "/audit",
            Trail::Accounts => "/admin/audit",
        }
    }
}

/// Renders one audit trail, filtered by the query.
pub async fn trail_page(
    state: &AppState,
    p: &Page,
    q: AuditQuery,
    trail: Trail,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let (filter, errors) = to_filter(&q);
    let events = match (errors.is_empty(), trail) {
        (false, _) => Vec::new(),
        (true, Trail::Site) => store.site_audit(&id.caller, &filter).await?,
        (true, Trail::Accounts) => store.admin_audit(&id.caller, &filter).await?,
    };
    let staff = match trail {
        Trail::Site => store.staff_of_sites(&id.caller).await?,
        Trail::Accounts => store
            .list_users(&id.caller)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect(),
    };
    render(&AuditPage {
        layout: p.layout_with_errors(trail.heading(), &errors),
        heading: trail.heading(),
        intro: trail.intro(),
        action: trail.action(),
        show_person_filter: trail == Trail::Site,
        errors,
        older: older_link(trail.action(), &q, &events),
        events: rows(&events),
        users: user_options(staff, &q.user),
        filter: q,
    })
}

/// `GET /audit`
pub async fn site_audit(
    State(state): State<AppState>,
    p: Page,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    trail_page(&state, &p, q, Trail::Site).await
}
