//! What the triage pages show of a referral: its details in words, its
//! eligibility against the site's windows, and its possible duplicates.

use crate::view::{date, when};
use reconnect_domain::person::age_on;
use reconnect_domain::validation::lower_first;
use reconnect_domain::window::{eligibility, release_countdown, Eligibility, ReleaseDate};
use reconnect_domain::PersonId;
use reconnect_store::referrals::duplicates::PossibleDuplicate;
use reconnect_store::referrals::{Referral, ReferralEvent, ReferralStatus};
use reconnect_store::Store;

/// A referral as the triage pages show it.
pub struct ReferralView {
    pub id: String,
    pub href: String,
    pub reference: String,
    pub status: &'static str,
    pub status_tag: &'static str,
    pub is_new: bool,
    pub name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: String,
    pub age: i32,
    pub nhs_number: Option<String>,
    pub prison_number: Option<String>,
    /// The prison, or that it is not known (and the site it went to).
    pub place: String,
    pub site_name: String,
    pub release: String,
    pub source: &'static str,
    /// Who referred them, in one line, when not the person themselves.
    pub referrer: Option<String>,
    pub needs: Vec<&'static str>,
    pub needs_text: Option<String>,
    pub contact: String,
    pub received: String,
    pub received_day: String,
    pub entered_by: Option<String>,
    /// Who decided and when, with the reason.
    pub decided: Option<String>,
    pub person_href: Option<String>,
    pub version: i64,
    pub eligibility: Eligibility,
    pub duplicates: Vec<DuplicateView>,
}

/// A possible duplicate, in words.
pub struct DuplicateView {
    pub person_id: PersonId,
    pub href: String,
    pub name: String,
    pub date_of_birth: String,
    pub prison_number: String,
    pub prison: String,
    pub reasons: String,
}

/// A line of the referral's history.
pub struct EventView {
    pub at: String,
    pub by: String,
    pub summary: String,
}

pub fn event_view(e: &ReferralEvent) -> EventView {
    EventView {
        at: when(e.at),
        by: e
            .by_name
            .clone()
            .unwrap_or_else(|| "Public form".to_string()),
        summary: e.summary.clone(),
    }
}

fn duplicate_view(d: &PossibleDuplicate) -> DuplicateView {
    let p = &d.person;
    let name = match &p.preferred_name {
        Some(pref) if pref != &p.given_name => {
            format!("{} {} (known as {pref})", p.given_name, p.family_name)
        }
        _ => format!("{} {}", p.given_name, p.family_name),
    };
    DuplicateView {
        person_id: p.id,
        href: format!("/people/{}", p.id),
        name,
        date_of_birth: date(p.date_of_birth),
        prison_number: p.prison_number.to_string(),
        prison: p.prison_name.clone(),
        reasons: d
            .reasons
            .iter()
            .enumerate()
            .map(|(i, r)| {
                if i == 0 {
                    r.label().to_string()
                } else {
                    lower_first(r.label())
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The status tag's colour.
fn tag(status: ReferralStatus) -> &'static str {
    match status {
        ReferralStatus::New => "nhsuk-tag--yellow",
        ReferralStatus::Accepted => "nhsuk-tag--green",
        ReferralStatus::Linked => "nhsuk-tag--blue",
        ReferralStatus::Declined => "nhsuk-tag--grey",
    }
}

/// Builds the view, reading the site's windows for the eligibility checks.
pub async fn referral_view(
    store: &Store,
    r: &Referral,
    duplicates: &[PossibleDuplicate],
) -> Result<ReferralView, crate::PageError> {
    let today = store.now().date();
    let windows = store.site_windows(r.site_id).await?;
    let release = match r.expected_release {
        Some(d) => ReleaseDate::Known(d),
        None => {
            ReleaseDate::unknown("Not given in the referral").map_err(crate::PageError::internal)?
        }
    };
    let checks = eligibility(
        today,
        r.date_of_birth,
        &release,
        r.health_need_identified(),
        &windows,
    );
    let referrer = r.referrer.as_ref().map(|who| {
        let about = who
            .relationship
            .as_deref()
            .or(who.organisation.as_deref())
            .map(|a| format!(" ({a})"))
            .unwrap_or_default();
        format!("{}{about}, {}", who.name, who.contact)
    });
    let contact = match &r.contact_details {
        Some(d) => format!("{}: {d}", r.contact_preference.label()),
        None => r.contact_preference.label().to_string(),
    };
    let decided = r.decided_at.map(|at| {
        let who = r.decided_by_name.as_deref().unwrap_or("Someone");
        let why = r
            .decision_reason
            .as_deref()
            .map(|w| format!(": {w}"))
            .unwrap_or_default();
        format!("{} by {who} on {}{why}", r.status.label(), when(at))
    });
    Ok(ReferralView {
        id: r.id.to_string(),
        href: format!("/triage/{}", r.id),
        reference: r.reference.to_string(),
        status: r.status.label(),
        status_tag: tag(r.status),
        is_new: r.status == ReferralStatus::New,
        name: format!("{} {}", r.given_name, r.family_name),
        preferred_name: r.preferred_name.clone(),
        date_of_birth: date(r.date_of_birth),
        age: age_on(r.date_of_birth, today),
        nhs_number: r.nhs_number.map(|n| n.to_string()),
        prison_number: r.prison_number.as_ref().map(|p| p.to_string()),
        place: r
            .prison_name
            .clone()
            .unwrap_or_else(|| "Prison not known".to_string()),
        site_name: r.site_name.clone(),
        release: match r.expected_release {
            Some(d) => format!("{} ({})", date(d), release_countdown(today, &release)),
            None => "Not known".to_string(),
        },
        source: r.source.label(),
        referrer,
        needs: r.needs.iter().map(|n| n.label()).collect(),
        needs_text: r.needs_text.clone(),
        contact,
        received: when(r.submitted_at),
        received_day: date(r.submitted_at.date()),
        entered_by: r.submitted_by_name.clone(),
        decided,
        person_href: r.person_id.map(|p| format!("/people/{p}")),
        version: r.version,
        eligibility: checks,
        duplicates: duplicates.iter().map(duplicate_view).collect(),
    })
}
