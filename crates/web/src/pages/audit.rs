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
        "people.search" => "Searched for people".into(),
        "person.correct" => "Corrected a person's details".into(),
        "person.history" => "Viewed the changes to a person's details".into(),
        "person.update" => "Updated a person's details from a referral".into(),
        "episode.create" => "Referred a person for support".into(),
        "episode.transition" => "Changed a person's support".into(),
        "episode.release_date" => "Changed an expected release date".into(),
        "site.windows" => "Changed a site's time windows".into(),
        "referral.submit" => "A referral was sent through the public form".into(),
        "referral.trapped" => "The public form caught an automated submission".into(),
        "referral.create" => "Recorded a professional referral".into(),
        "referral.queue" => "Viewed the referrals to triage".into(),
        "referral.view" => "Opened a referral".into(),
        "referral.duplicates" => "Checked a referral for possible duplicates".into(),
        "referral.lookup" => "Looked up a referral by its reference".into(),
        "referral.accept" => "Accepted a referral".into(),
        "referral.link" => "Linked a referral to a person".into(),
        "referral.decline" => "Declined a referral".into(),
        "consent.view" => "Viewed consent records".into(),
        "consent.record" => "Recorded consent".into(),
        "consent.withdraw" => "Recorded that consent was withdrawn".into(),
        "allocation.allocate" => "Allocated a worker".into(),
        "allocation.change_worker" => "Handed over to another worker".into(),
        "allocation.change_mentor" => "Changed the peer mentor".into(),
        "capacity.set" => "Set a worker's caseload capacity".into(),
        "need.view" => "Viewed a need".into(),
        "needs.view" => "Viewed needs".into(),
        "assessments.view" => "Viewed assessments".into(),
        "need.add" => "Added a need".into(),
        "need.update" => "Updated a need".into(),
        "assessment.record" => "Recorded an assessment".into(),
        "plan.view" => "Viewed a plan".into(),
        "plan.goal_add" => "Added a goal to a plan".into(),
        "plan.action_add" => "Added an action to a plan".into(),
        "plan.action_view" => "Viewed a plan action".into(),
        "plan.action_close" => "Closed a plan action".into(),
        "release_plan.view" => "Viewed a release-day plan".into(),
        "release_plan.save" => "Saved a release-day plan".into(),
        "contact.list" => "Viewed contacts".into(),
        "activity.view" => "Viewed contacts, appointments and notes".into(),
        "contact.view" => "Viewed a contact".into(),
        "contact.create" => "Logged a contact".into(),
        "contact.correct" => "Corrected a contact".into(),
        "appointment.list" => "Viewed appointments".into(),
        "appointment.view" => "Viewed an appointment".into(),
        "appointment.history" => "Viewed an appointment's history".into(),
        "appointment.calendar" => "Viewed their calendar".into(),
        "appointment.book" => "Booked an appointment".into(),
        "appointment.attendance" => "Recorded attendance".into(),
        "appointment.reschedule" => "Rescheduled an appointment".into(),
        "appointment.cancel" => "Cancelled an appointment".into(),
        "case_note.list" => "Viewed case notes".into(),
        "case_note.view" => "Viewed a case note".into(),
        "case_note.create" => "Wrote a case note".into(),
        "case_note.correct" => "Corrected a case note".into(),
        "engagement.view" => "Viewed an episode's engagement".into(),
        "engagement.levels" => "Viewed engagement levels".into(),
        "engagement.attention" => "Viewed the needs-attention list".into(),
        "engagement.snapshot" => "Recorded an engagement level".into(),
        "engagement.snapshot_view" => "Viewed recorded engagement levels".into(),
        "engagement_rules.set" => "Changed a site's engagement rules".into(),
        "step_up.open" => "Opened a step-up of support".into(),
        "step_up.escalate" => "Escalated a step-up to the site manager".into(),
        "step_up.record" => "Recorded what was done in a step-up".into(),
        "step_up.step_down" => "Stepped support back down".into(),
        "concern.raise" => "Raised a concern".into(),
        "concern.clear" => "Cleared a concern".into(),
        "message.queue" => "Queued a message".into(),
        "message.send" => "Sent a message".into(),
        "message.retry" => "A message will be tried again".into(),
        "message.fail" => "A message could not be sent".into(),
        "messages.view" => "Viewed a person's messages".into(),
        "messages.log_view" => "Viewed the messages that would have been sent".into(),
        "contact_preferences.record" => "Recorded how a person wants to be contacted".into(),
        "contact_preferences.view" => "Viewed how a person wants to be contacted".into(),
        "directory.person_address" => {
            "Read a person's release address to find services near it".into()
        }
        "directory.verify" => "Marked a directory service's details as checked".into(),
        "directory.site_list.add" => "Added a service to the site's list".into(),
        "directory.site_list.remove" => "Took a service off the site's list".into(),
        "onward_referral.create" => "Drafted an onward referral to a service".into(),
        "onward_referral.send" => "Sent an onward referral, sharing the parts listed".into(),
        "onward_referral.consent_override" => {
            "Sent an onward referral without the consent it needed (site manager's override)".into()
        }
        "onward_referral.transition" => "Recorded the next step of an onward referral".into(),
        "onward_referral.view" => "Opened an onward referral".into(),
        "onward_referral.list" => "Viewed an episode's onward referrals".into(),
        "onward_referral.site_list" => "Viewed the site's open onward referrals".into(),
        "onward_referral.letter" => "Opened an onward referral letter".into(),
        "onward_referral.fhir" => "Exported an onward referral as FHIR".into(),
        "onward_referral.consent_check" => "Checked the consent an onward referral needs".into(),
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

#[cfg(test)]
mod tests {
    use super::describe;
    use std::path::Path;

    /// Every action name the store writes with a literal name.
    fn store_actions(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                store_actions(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (at, _) in text.match_indices("AuditEntry::new(") {
                    let rest = text[at + "AuditEntry::new(".len()..].trim_start();
                    if let Some(quoted) = rest.strip_prefix('"') {
                        if let Some(end) = quoted.find('"') {
                            out.push(quoted[..end].to_string());
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn every_action_the_store_records_is_described_in_words() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../store/src");
        let mut actions = Vec::new();
        store_actions(&dir, &mut actions);
        assert!(actions.len() > 40, "found only {actions:?}");
        let undescribed: Vec<&String> = actions
            .iter()
            .filter(|a| describe(a) == a.replace(['.', '_'], " "))
            .collect();
        assert!(undescribed.is_empty(), "no words for {undescribed:?}");
    }
}
