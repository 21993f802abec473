//! Onward referrals: from a need on an episode to a service in the
//! directory, tracked to an outcome (issue 5).
//!
//! A referral is a child record of its episode: every action finds it
//! through its episode's person, limited to the caller's case sites (reads)
//! or case-writing sites (writes), so anything elsewhere is
//! [`StoreError::NotFound`]. Every read and change is audited in the same
//! transaction. The row holds where the referral stands (with a version, so
//! a stale form is refused); `onward_referral_event` keeps every change with
//! who, when and why, and is append-only. The snapshot of what was shared is
//! written once, when the referral is sent.
//!
//! - [`create`]: a draft from a need to a service, with the parts to share.
//! - [`send`]: the consent gate, the site manager's override, the snapshot.
//! - [`transitions`]: the service's answer, the first appointment, closing
//!   and withdrawing.
//! - [`reads`]: one referral with its history, an episode's, a site's open
//!   ones, the letter.
//! - [`measures`]: times and rates per site and per service.
//! - [`services`]: choosing a service and the consents it needs.

mod create;
mod measures;
mod reads;
mod send;
mod services;
mod snapshot;
mod transitions;

pub use create::NewOnwardReferral;
pub use measures::{Measure, MeasureGroup, Measures};
pub use reads::SiteReferral;
pub use send::may_override_consent;
pub use services::{ConsentCheck, PartnerConsent, ServiceChoice};

use crate::audit::{append, Actor, AuditEntry};
use crate::sql::{param_list, parse};
use crate::{Result, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::id::{NeedId, OnwardReferralId};
use reconnect_domain::onward_referral::sharing::{Part, Snapshot};
use reconnect_domain::onward_referral::{Outcome, State};
use reconnect_domain::{Caller, EpisodeId, PersonId, SiteId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// Referrals waiting this many days for an answer are overdue.
pub const ANSWER_DUE_DAYS: i64 = 14;

/// One change in a referral's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralEvent {
    pub seq: i64,
    pub at: OffsetDateTime,
    pub by_name: String,
    /// The action's code (`create`, `send`, `send_override`, `accept`, ...).
    pub action: String,
    pub from: Option<State>,
    pub to: State,
    pub reason: Option<String>,
}

/// An onward referral as it stands, with its history (oldest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnwardReferral {
    pub id: OnwardReferralId,
    pub episode_id: EpisodeId,
    pub person_id: PersonId,
    pub site_id: SiteId,
    pub need_id: Option<NeedId>,
    /// The need's words, when the referral came from one.
    pub need_label: Option<String>,
    pub service_id: String,
    pub service_name: String,
    pub organization_id: Option<String>,
    pub organization_name: Option<String>,
    pub service_email: Option<String>,
    pub state: State,
    pub parts: Vec<Part>,
    pub snapshot: Option<Snapshot>,
    pub need_identified_at: Option<OffsetDateTime>,
    pub sent_at: Option<OffsetDateTime>,
    pub answered_at: Option<OffsetDateTime>,
    pub appointment_at: Option<OffsetDateTime>,
    pub closed_at: Option<OffsetDateTime>,
    pub decline_reason: Option<String>,
    pub outcome: Option<Outcome>,
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub created_by_name: String,
    pub events: Vec<ReferralEvent>,
}

impl OnwardReferral {
    /// Sent and unanswered for longer than [`ANSWER_DUE_DAYS`] on `now`.
    pub fn is_overdue(&self, now: OffsetDateTime) -> bool {
        self.state.is_waiting()
            && self
                .sent_at
                .is_some_and(|s| now - s > time::Duration::days(ANSWER_DUE_DAYS))
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    episode_id: String,
    person_id: String,
    site_id: String,
    need_id: Option<String>,
    need_domain: Option<String>,
    need_other: Option<String>,
    service_id: String,
    service_name: String,
    organization_id: Option<String>,
    organization_name: Option<String>,
    service_email: Option<String>,
    state: String,
    parts: String,
    snapshot: Option<String>,
    need_identified_at: Option<i64>,
    sent_at: Option<i64>,
    answered_at: Option<i64>,
    appointment_at: Option<i64>,
    closed_at: Option<i64>,
    decline_reason: Option<String>,
    outcome: Option<String>,
    version: i64,
    created_at: i64,
    by_name: String,
}

const SELECT: &str = "SELECT r.id, r.episode_id, e.person_id, p.site_id, r.need_id, \
    n.domain_code AS need_domain, n.other_text AS need_other, r.service_id, \
    s.name AS service_name, s.organization_id, o.name AS organization_name, s.email AS service_email, r.state, \
    r.parts, r.snapshot, r.need_identified_at, r.sent_at, r.answered_at, r.appointment_at, \
    r.closed_at, r.decline_reason, r.outcome, r.version, r.created_at, u.display_name AS by_name \
    FROM onward_referral r JOIN episode e ON e.id = r.episode_id \
    JOIN person p ON p.id = e.person_id \
    JOIN dir_service s ON s.id = r.service_id \
    LEFT JOIN dir_organization o ON o.id = s.organization_id \
    LEFT JOIN episode_need n ON n.id = r.need_id \
    JOIN app_user u ON u.id = r.created_by";

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

impl Row {
    fn into_referral(self) -> Result<OnwardReferral> {
        let need_label = match self.need_domain.as_deref() {
            Some(d) => Some(need_label(d, self.need_other.as_deref())?),
            None => None,
        };
        Ok(OnwardReferral {
            id: parse(&self.id, "onward referral id")?,
            episode_id: parse(&self.episode_id, "episode id")?,
            person_id: parse(&self.person_id, "person id")?,
            site_id: parse(&self.site_id, "site id")?,
            need_id: self
                .need_id
                .as_deref()
                .map(|n| parse(n, "need id"))
                .transpose()?,
            need_label,
            service_id: self.service_id,
            service_name: self.service_name,
            organization_id: self.organization_id,
            organization_name: self.organization_name,
            service_email: self.service_email,
            state: State::parse(&self.state).map_err(|_| corrupt("onward referral state"))?,
            parts: Part::parse_list(&self.parts).map_err(|_| corrupt("onward referral parts"))?,
            snapshot: self
                .snapshot
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|_| corrupt("onward referral snapshot"))?,
            need_identified_at: self.need_identified_at.map(from_millis),
            sent_at: self.sent_at.map(from_millis),
            answered_at: self.answered_at.map(from_millis),
            appointment_at: self.appointment_at.map(from_millis),
            closed_at: self.closed_at.map(from_millis),
            decline_reason: self.decline_reason,
            outcome: self
                .outcome
                .as_deref()
                .map(Outcome::parse)
                .transpose()
                .map_err(|_| corrupt("onward referral outcome"))?,
            version: self.version,
            created_at: from_millis(self.created_at),
            created_by_name: self.by_name,
            events: Vec::new(),
        })
    }
}

/// A need's words from its stored domain code.
pub(crate) fn need_label(domain: &str, other: Option<&str>) -> Result<String> {
    use reconnect_domain::need::{NeedArea, NeedDomain};
    let domain = NeedDomain::parse(domain).map_err(|_| corrupt("need domain"))?;
    Ok(NeedArea {
        domain,
        other: other.map(str::to_string),
    }
    .label())
}

/// The referral, when its episode's person is at one of `sites`; without
/// its history.
pub(crate) async fn locate(
    conn: &mut AnyConnection,
    id: OnwardReferralId,
    sites: &[SiteId],
) -> Result<OnwardReferral> {
    if sites.is_empty() {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "{SELECT} WHERE r.id = $1 AND p.site_id IN ({})",
        param_list(2, sites.len())
    );
    let mut q = sqlx::query_as::<_, Row>(&sql).bind(id.to_string());
    for s in sites {
        q = q.bind(s.to_string());
    }
    q.fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?
        .into_referral()
}

/// seq, at, by name, action, from, to, reason.
type EventRow = (
    i64,
    i64,
    String,
    String,
    Option<String>,
    String,
    Option<String>,
);

async fn events(conn: &mut AnyConnection, id: OnwardReferralId) -> Result<Vec<ReferralEvent>> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT v.seq, v.at, u.display_name, v.action, v.from_state, v.to_state, v.reason \
         FROM onward_referral_event v JOIN app_user u ON u.id = v.by_user \
         WHERE v.referral_id = $1 ORDER BY v.seq",
    )
    .bind(id.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(seq, at, by_name, action, from, to, reason)| {
            Ok(ReferralEvent {
                seq,
                at: from_millis(at),
                by_name,
                action,
                from: from
                    .as_deref()
                    .map(State::parse)
                    .transpose()
                    .map_err(|_| corrupt("onward referral event state"))?,
                to: State::parse(&to).map_err(|_| corrupt("onward referral event state"))?,
                reason,
            })
        })
        .collect()
}

/// One line of history to append.
pub(crate) struct Change<'a> {
    pub action: &'a str,
    pub from: Option<State>,
    pub to: State,
    pub reason: Option<&'a str>,
}

/// Appends one line of history.
pub(crate) async fn add_event(
    conn: &mut AnyConnection,
    id: OnwardReferralId,
    now: i64,
    caller: &Caller,
    change: &Change<'_>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO onward_referral_event (referral_id, at, by_user, action, from_state, to_state, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id.to_string())
    .bind(now)
    .bind(caller.user_id().to_string())
    .bind(change.action.to_string())
    .bind(change.from.map(|s| s.code().to_string()))
    .bind(change.to.code().to_string())
    .bind(change.reason.map(str::to_string))
    .execute(conn)
    .await?;
    Ok(())
}

/// Appends the audit event for `action` on a referral.
pub(crate) async fn audit(
    conn: &mut AnyConnection,
    now: i64,
    caller: &Caller,
    r: &OnwardReferral,
    action: &'static str,
    detail: Option<String>,
) -> Result<()> {
    append(conn, now, &Actor::User(caller), entry(r, action, detail)).await
}

/// The audit event for `action` on a referral.
pub(crate) fn entry(
    r: &OnwardReferral,
    action: &'static str,
    detail: Option<String>,
) -> AuditEntry {
    let mut entry = AuditEntry::new(action)
        .record("onward_referral", r.id)
        .site(r.site_id)
        .person(r.person_id);
    if let Some(d) = detail {
        entry = entry.detail(d);
    }
    entry
}

/// The audit event for `action` on an episode's referrals.
pub(crate) fn episode_entry(
    p: &crate::episode_scope::Parent,
    episode: EpisodeId,
    action: &'static str,
    detail: String,
) -> AuditEntry {
    AuditEntry::new(action)
        .record("episode", episode)
        .site(p.site)
        .person(p.person)
        .detail(detail)
}

/// May the caller's role change case records at all?
pub(crate) fn must_write(caller: &Caller) -> Result<()> {
    if caller.role().writes_cases() {
        Ok(())
    } else {
        Err(StoreError::Forbidden)
    }
}
