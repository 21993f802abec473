//! Referrals in: what arrives through the public form or from staff, waiting
//! in the triage queue of the site that serves the person's prison (or the
//! site chosen), until a worker accepts, links or declines it.
//!
//! Referrals hold personal data, so every read takes the caller and filters
//! by the caller's case sites in SQL (another site's referral is "not
//! found"), and every write is audited in its own transaction, every read
//! before it is returned. The
//! public form is the one writer without a caller: [`submit`] covers it,
//! with its rate limits and its guard against a double submission.
//!
//! - [`submit`]: the public form and staff-entered referrals;
//! - [`duplicates`]: people at the caller's sites a referral may be about;
//! - [`decide`]: accept (new record, link, or link and update), or decline,
//!   with what accepting writes in `accept`;
//! - [`rate`]: counting the public form's submissions per client address.

mod accept;
pub mod decide;
pub mod duplicates;
pub mod rate;
pub mod submit;

use crate::audit::{Actor, AuditEntry};
use crate::sql::{param_list, parse};
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::id::ReferralId;
use reconnect_domain::referral::{ContactPreference, HelpNeed, Referrer};
use reconnect_domain::referral_reference::ReferralReference;
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::{Caller, EpisodeId, NhsNumber, PersonId, PrisonId, PrisonNumber, SiteId};
use sqlx::AnyConnection;
use time::{Date, OffsetDateTime};

/// Where a referral is in triage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReferralStatus {
    /// Waiting in the triage queue.
    New,
    /// Accepted: the person's episode of support was started and accepted.
    Accepted,
    /// About someone already supported: linked to their open episode.
    Linked,
    /// Declined, with a reason.
    Declined,
}

impl ReferralStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReferralStatus::New => "new",
            ReferralStatus::Accepted => "accepted",
            ReferralStatus::Linked => "linked",
            ReferralStatus::Declined => "declined",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReferralStatus::New => "Waiting for triage",
            ReferralStatus::Accepted => "Accepted",
            ReferralStatus::Linked => "Linked to their current support",
            ReferralStatus::Declined => "Declined",
        }
    }
}

impl std::str::FromStr for ReferralStatus {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        Ok(match s {
            "new" => ReferralStatus::New,
            "accepted" => ReferralStatus::Accepted,
            "linked" => ReferralStatus::Linked,
            "declined" => ReferralStatus::Declined,
            _ => return Err(()),
        })
    }
}

/// A referral as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Referral {
    pub id: ReferralId,
    pub reference: ReferralReference,
    pub site_id: SiteId,
    pub site_name: String,
    pub prison_id: Option<PrisonId>,
    pub prison_name: Option<String>,
    pub source: ReferralSource,
    pub referrer: Option<Referrer>,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Date,
    pub nhs_number: Option<NhsNumber>,
    pub prison_number: Option<PrisonNumber>,
    pub expected_release: Option<Date>,
    pub needs: Vec<HelpNeed>,
    pub needs_text: Option<String>,
    pub contact_preference: ContactPreference,
    pub contact_details: Option<String>,
    pub status: ReferralStatus,
    /// How it was decided: `new_record`, `link`, `merge` or a decline reason code.
    pub decision: Option<String>,
    /// The decline reason (and note), or what the acceptance did, in words.
    pub decision_reason: Option<String>,
    pub decided_at: Option<OffsetDateTime>,
    pub decided_by_name: Option<String>,
    pub person_id: Option<PersonId>,
    pub episode_id: Option<EpisodeId>,
    pub submitted_at: OffsetDateTime,
    /// The staff member who entered it; `None` for the public form.
    pub submitted_by_name: Option<String>,
    /// Changes with every change; send it back with the decision.
    pub version: i64,
}

impl Referral {
    /// Is a health need among the needs mentioned?
    pub fn health_need_identified(&self) -> bool {
        self.needs.iter().any(|n| n.is_health())
    }
}

/// One line of a referral's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferralEvent {
    pub seq: i64,
    pub at: OffsetDateTime,
    /// Who did it; `None` for the public form.
    pub by_name: Option<String>,
    /// `received`, `accepted`, `linked`, `declined` or `merged`.
    pub kind: String,
    pub summary: String,
}

#[derive(sqlx::FromRow)]
struct ReferralRow {
    id: String,
    reference: String,
    site_id: String,
    site_name: String,
    prison_id: Option<String>,
    prison_name: Option<String>,
    source: String,
    referrer_name: Option<String>,
    referrer_relationship: Option<String>,
    referrer_organisation: Option<String>,
    referrer_contact: Option<String>,
    given_name: String,
    family_name: String,
    preferred_name: Option<String>,
    date_of_birth: String,
    nhs_number: Option<String>,
    prison_number: Option<String>,
    expected_release: Option<String>,
    needs: String,
    needs_text: Option<String>,
    contact_preference: String,
    contact_details: Option<String>,
    status: String,
    decision: Option<String>,
    decision_reason: Option<String>,
    decided_at: Option<i64>,
    decided_by_name: Option<String>,
    person_id: Option<String>,
    episode_id: Option<String>,
    submitted_at: i64,
    submitted_by_name: Option<String>,
    version: i64,
}

pub(crate) fn date(s: &str) -> Result<Date> {
    Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| StoreError::Corrupt(format!("date {s:?}")))
}

fn opt_id<T: std::str::FromStr>(s: Option<String>, what: &str) -> Result<Option<T>> {
    s.as_deref().map(|s| parse(s, what)).transpose()
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

impl ReferralRow {
    fn into_referral(self) -> Result<Referral> {
        let referrer = match (self.referrer_name, self.referrer_contact) {
            (Some(name), Some(contact)) => Some(Referrer {
                name,
                relationship: self.referrer_relationship,
                organisation: self.referrer_organisation,
                contact,
            }),
            _ => None,
        };
        let needs = self
            .needs
            .split_whitespace()
            .map(|c| HelpNeed::parse(c).map_err(|_| corrupt("referral need")))
            .collect::<Result<Vec<_>>>()?;
        Ok(Referral {
            id: parse(&self.id, "referral id")?,
            reference: ReferralReference::parse(&self.reference)
                .map_err(|_| corrupt("referral reference"))?,
            site_id: parse(&self.site_id, "site id")?,
            site_name: self.site_name,
            prison_id: opt_id(self.prison_id, "prison id")?,
            prison_name: self.prison_name,
            source: parse(&self.source, "referral source")?,
            referrer,
            given_name: self.given_name,
            family_name: self.family_name,
            preferred_name: self.preferred_name,
            date_of_birth: date(&self.date_of_birth)?,
            nhs_number: self
                .nhs_number
                .as_deref()
                .map(NhsNumber::parse)
                .transpose()
                .map_err(|_| corrupt("nhs number"))?,
            prison_number: self
                .prison_number
                .as_deref()
                .map(PrisonNumber::parse)
                .transpose()
                .map_err(|_| corrupt("prison number"))?,
            expected_release: self.expected_release.as_deref().map(date).transpose()?,
            needs,
            needs_text: self.needs_text,
            contact_preference: ContactPreference::parse(&self.contact_preference)
                .map_err(|_| corrupt("contact preference"))?,
            contact_details: self.contact_details,
            status: self
                .status
                .parse()
                .map_err(|_| corrupt("referral status"))?,
            decision: self.decision,
            decision_reason: self.decision_reason,
            decided_at: self.decided_at.map(from_millis),
            decided_by_name: self.decided_by_name,
            person_id: opt_id(self.person_id, "person id")?,
            episode_id: opt_id(self.episode_id, "episode id")?,
            submitted_at: from_millis(self.submitted_at),
            submitted_by_name: self.submitted_by_name,
            version: self.version,
        })
    }
}

const REFERRAL_SELECT: &str = "SELECT r.id, r.reference, r.site_id, s.name AS site_name, r.prison_id, \
    pr.name AS prison_name, r.source, r.referrer_name, r.referrer_relationship, r.referrer_organisation, \
    r.referrer_contact, r.given_name, r.family_name, r.preferred_name, r.date_of_birth, r.nhs_number, \
    r.prison_number, r.expected_release, r.needs, r.needs_text, r.contact_preference, r.contact_details, \
    r.status, r.decision, r.decision_reason, r.decided_at, d.display_name AS decided_by_name, \
    r.person_id, r.episode_id, r.submitted_at, sb.display_name AS submitted_by_name, r.version \
    FROM referral r JOIN site s ON s.id = r.site_id LEFT JOIN prison pr ON pr.id = r.prison_id \
    LEFT JOIN app_user d ON d.id = r.decided_by LEFT JOIN app_user sb ON sb.id = r.submitted_by";

/// Loads referrals matching `condition` (which uses `$1..$n` for `binds`)
/// at one of `sites`.
async fn load_where(
    conn: &mut AnyConnection,
    condition: &str,
    binds: &[String],
    sites: &[SiteId],
    tail: &str,
) -> Result<Vec<Referral>> {
    if sites.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{REFERRAL_SELECT} WHERE {condition} AND r.site_id IN ({}) {tail}",
        param_list(binds.len() + 1, sites.len())
    );
    let mut q = sqlx::query_as::<_, ReferralRow>(&sql);
    for b in binds {
        q = q.bind(b.clone());
    }
    for s in sites {
        q = q.bind(s.to_string());
    }
    q.fetch_all(conn)
        .await?
        .into_iter()
        .map(ReferralRow::into_referral)
        .collect()
}

/// One referral at one of `sites`, else [`StoreError::NotFound`].
pub(crate) async fn load_scoped(
    conn: &mut AnyConnection,
    id: ReferralId,
    sites: &[SiteId],
) -> Result<Referral> {
    load_where(conn, "r.id = $1", &[id.to_string()], sites, "")
        .await?
        .into_iter()
        .next()
        .ok_or(StoreError::NotFound)
}

/// Appends a line to a referral's history.
pub(crate) async fn append_event(
    conn: &mut AnyConnection,
    referral: ReferralId,
    at: i64,
    by: Option<&Caller>,
    kind: &str,
    summary: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO referral_event (referral_id, at, by_user, kind, summary) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(referral.to_string())
    .bind(at)
    .bind(by.map(|c| c.user_id().to_string()))
    .bind(kind.to_string())
    .bind(summary.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

impl Store {
    /// The triage queue: referrals waiting at the caller's sites, oldest
    /// first. Viewing it is audited (once per site, with how many it showed).
    pub async fn referral_queue(&self, caller: &Caller) -> Result<Vec<Referral>> {
        let sites = caller.scope.case_sites();
        if sites.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_audited_read().await?;
        let queue = load_where(
            &mut tx,
            "r.status = $1",
            &[ReferralStatus::New.as_str().to_string()],
            sites,
            "ORDER BY r.submitted_at, r.id LIMIT 500",
        )
        .await?;
        let now = self.now_ms();
        let entries = sites
            .iter()
            .map(|site| {
                let shown = queue.iter().filter(|r| r.site_id == *site).count();
                AuditEntry::new("referral.queue")
                    .site(*site)
                    .detail(format!("{shown} referrals listed"))
            })
            .collect();
        tx.finish_all(self, now, &Actor::User(caller), entries)
            .await?;
        Ok(queue)
    }

    /// One referral at the caller's sites; audited.
    pub async fn referral(&self, caller: &Caller, id: ReferralId) -> Result<Referral> {
        let sites = caller.scope.case_sites();
        if sites.is_empty() {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.begin_audited_read().await?;
        let referral = load_scoped(&mut tx, id, sites).await?;
        tx.finish(
            self,
            self.now_ms(),
            &Actor::User(caller),
            view_entry("referral.view", &referral),
        )
        .await?;
        Ok(referral)
    }

    /// The referral with this exact reference, if it is at one of the
    /// caller's sites. Every lookup is audited, including those that find
    /// nothing (with the reference tried).
    pub async fn referral_by_reference(
        &self,
        caller: &Caller,
        reference: &ReferralReference,
    ) -> Result<Referral> {
        let sites = caller.scope.case_sites();
        let mut tx = self.begin_audited_read().await?;
        let found = load_where(
            &mut tx,
            "r.reference = $1",
            &[reference.as_str().to_string()],
            sites,
            "",
        )
        .await?
        .into_iter()
        .next();
        let now = self.now_ms();
        let entry = match &found {
            Some(r) => view_entry("referral.lookup", r),
            None => AuditEntry::new("referral.lookup")
                .detail(format!("no referral {reference} at the caller's sites")),
        };
        tx.finish(self, now, &Actor::User(caller), entry).await?;
        found.ok_or(StoreError::NotFound)
    }

    /// A referral's history, oldest first (scoped like the referral; shown
    /// with it, whose reading is audited).
    pub async fn referral_history(
        &self,
        caller: &Caller,
        id: ReferralId,
    ) -> Result<Vec<ReferralEvent>> {
        let mut conn = self.pool.acquire().await?;
        load_scoped(&mut conn, id, caller.scope.case_sites()).await?;
        let rows: Vec<(i64, i64, Option<String>, String, String)> = sqlx::query_as(
            "SELECT ev.seq, ev.at, u.display_name, ev.kind, ev.summary FROM referral_event ev \
             LEFT JOIN app_user u ON u.id = ev.by_user WHERE ev.referral_id = $1 ORDER BY ev.seq",
        )
        .bind(id.to_string())
        .fetch_all(&mut *conn)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(seq, at, by_name, kind, summary)| ReferralEvent {
                seq,
                at: from_millis(at),
                by_name,
                kind,
                summary,
            })
            .collect())
    }
}

fn view_entry(action: &'static str, r: &Referral) -> AuditEntry {
    let entry = AuditEntry::new(action)
        .record("referral", r.id)
        .site(r.site_id);
    match r.person_id {
        Some(p) => entry.person(p),
        None => entry,
    }
}
