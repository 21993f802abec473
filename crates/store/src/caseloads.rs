//! Caseloads: the open episodes a worker or peer mentor is allocated to (My
//! caseload), the open episodes with no worker (the unallocated list), each
//! site's team with caseload counts against the capacity its manager sets,
//! and the capacities themselves (append-only, so every change is kept with
//! who made it and when).
//!
//! Lists are scoped in SQL to the caller's case sites and audited like the
//! people list (`caseload.view`, one event per site). Episodes that have
//! ended never appear: their allocations end with them (see
//! [`crate::allocation`]), and the queries leave final states out as well.
//! Referrals still waiting at triage are not "unallocated": allocation
//! follows acceptance.

use crate::allocation::scoped_episode;
use crate::audit::{append, Actor, AuditEntry};
use crate::sql::{param_list, parse};
use crate::{Result, Store, StoreError};
use reconnect_domain::caseload::{Capacity, Load, Urgency};
use reconnect_domain::clock::from_millis;
use reconnect_domain::episode::{EpisodeState, Reason};
use reconnect_domain::window::ReleaseDate;
use reconnect_domain::{Caller, EpisodeId, PersonId, Role, SiteId, UserId};
use sqlx::AnyConnection;
use time::{Date, OffsetDateTime};

/// One open episode on a caseload or on the unallocated list. The web layer
/// adds columns from other parts of the record (next appointment, overdue
/// actions, release-day gaps) by episode id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseloadEntry {
    pub episode_id: EpisodeId,
    pub person_id: PersonId,
    pub site_id: SiteId,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub state: EpisodeState,
    pub expected_release: ReleaseDate,
    pub released_on: Option<Date>,
    pub worker_name: Option<String>,
    pub mentor_name: Option<String>,
    /// For My caseload: is the caller the worker (else the peer mentor)?
    pub as_worker: bool,
    /// Consent to take part holds today.
    pub consent_to_take_part: bool,
    /// How many kinds of partner information may be shared with today.
    pub sharing_partners: u32,
    pub urgency: Urgency,
}

/// A worker or peer mentor at one site, with their caseload there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamMember {
    pub user_id: UserId,
    pub name: String,
    pub role: Role,
    pub site_id: SiteId,
    pub load: Load,
}

/// One setting of a capacity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapacityChange {
    pub capacity: u16,
    pub at: OffsetDateTime,
    pub by_name: String,
}

const FINAL_STATES: &str = "('declined', 'closed', 'withdrawn')";

const ENTRY_COLUMNS: &str = "e.id, e.person_id, e.site_id, p.given_name, p.family_name, \
    p.preferred_name, e.state, e.expected_release, e.release_unknown_reason, e.released_on";

/// Consent that holds on the day given as parameter `${n}` (ISO dates
/// compare as text): to take part (a count), and to share (how many kinds
/// of partner).
fn consent_columns(n: usize) -> String {
    format!(
        "(SELECT COUNT(*) FROM consent_record c LEFT JOIN consent_withdrawal cw ON cw.consent_id = c.id \
          WHERE c.episode_id = e.id AND c.kind = 'take_part' AND cw.consent_id IS NULL \
          AND c.given_on <= ${n}) AS take_part, \
         (SELECT COUNT(DISTINCT c.partner) FROM consent_record c \
          LEFT JOIN consent_withdrawal cw ON cw.consent_id = c.id \
          WHERE c.episode_id = e.id AND c.kind = 'sharing' AND cw.consent_id IS NULL \
          AND c.given_on <= ${n} AND (c.expires_on IS NULL OR c.expires_on > ${n})) AS sharing"
    )
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: String,
    person_id: String,
    site_id: String,
    given_name: String,
    family_name: String,
    preferred_name: Option<String>,
    state: String,
    expected_release: Option<String>,
    release_unknown_reason: Option<String>,
    released_on: Option<String>,
    worker_id: Option<String>,
    worker_name: Option<String>,
    mentor_name: Option<String>,
    take_part: i64,
    sharing: i64,
}

fn date(s: &str) -> Result<Date> {
    Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| StoreError::Corrupt(format!("date {s:?}")))
}

impl EntryRow {
    fn into_entry(self, caller: UserId, today: Date) -> Result<CaseloadEntry> {
        let expected_release = match (
            self.expected_release.as_deref(),
            self.release_unknown_reason,
        ) {
            (Some(d), _) => ReleaseDate::Known(date(d)?),
            (None, Some(r)) => ReleaseDate::Unknown {
                reason: Reason::lenient(&r)
                    .ok_or_else(|| StoreError::Corrupt("release reason".into()))?,
            },
            (None, None) => return Err(StoreError::Corrupt("release date".into())),
        };
        let state: EpisodeState = parse(&self.state, "episode state")?;
        let released_on = self.released_on.as_deref().map(date).transpose()?;
        Ok(CaseloadEntry {
            episode_id: parse(&self.id, "episode id")?,
            person_id: parse(&self.person_id, "person id")?,
            site_id: parse(&self.site_id, "site id")?,
            given_name: self.given_name,
            family_name: self.family_name,
            preferred_name: self.preferred_name,
            urgency: Urgency::of(state, &expected_release, released_on, today),
            state,
            expected_release,
            released_on,
            as_worker: self.worker_id.as_deref() == Some(caller.to_string().as_str()),
            consent_to_take_part: self.take_part > 0,
            sharing_partners: u32::try_from(self.sharing).unwrap_or(0),
            worker_name: self.worker_name,
            mentor_name: self.mentor_name,
        })
    }
}

/// Most urgent first; then by name, so the order is stable.
fn by_urgency(entries: &mut [CaseloadEntry]) {
    entries.sort_by(|a, b| {
        (a.urgency, &a.family_name, &a.given_name, a.episode_id).cmp(&(
            b.urgency,
            &b.family_name,
            &b.given_name,
            b.episode_id,
        ))
    });
}

/// The workers and peer mentors at `sites`, with their caseloads there.
async fn staff_loads(conn: &mut AnyConnection, sites: &[SiteId]) -> Result<Vec<TeamMember>> {
    if sites.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT u.id, u.display_name, u.role, us.site_id, \
         (SELECT COUNT(*) FROM allocation a JOIN episode e ON e.id = a.episode_id \
          WHERE a.ended_at IS NULL AND e.site_id = us.site_id AND e.state NOT IN {FINAL_STATES} \
          AND ((u.role = 'worker' AND a.worker_id = u.id) OR (u.role = 'peer_mentor' AND a.mentor_id = u.id))) AS n, \
         (SELECT c.capacity FROM caseload_capacity c WHERE c.site_id = us.site_id AND c.user_id = u.id \
          ORDER BY c.seq DESC LIMIT 1) AS cap \
         FROM app_user u JOIN user_site us ON us.user_id = u.id \
         WHERE us.site_id IN ({}) AND u.role IN ('worker', 'peer_mentor') AND u.disabled_at IS NULL \
         ORDER BY us.site_id, u.role DESC, u.display_name, u.id",
        param_list(1, sites.len())
    );
    let mut q = sqlx::query_as::<_, (String, String, String, String, i64, Option<i64>)>(&sql);
    for s in sites {
        q = q.bind(s.to_string());
    }
    q.fetch_all(conn)
        .await?
        .into_iter()
        .map(|(id, name, role, site, n, cap)| {
            let capacity = cap
                .map(|c| {
                    u32::try_from(c)
                        .ok()
                        .and_then(|c| Capacity::new(c).ok())
                        .ok_or_else(|| StoreError::Corrupt("capacity".into()))
                })
                .transpose()?;
            Ok(TeamMember {
                user_id: parse(&id, "user id")?,
                name,
                role: parse(&role, "role")?,
                site_id: parse(&site, "site id")?,
                load: Load {
                    count: u32::try_from(n).unwrap_or(u32::MAX),
                    capacity,
                },
            })
        })
        .collect()
}

impl Store {
    /// My caseload: the open episodes the caller is the worker or peer
    /// mentor of, most urgent first. Audited as a view of the caseload.
    pub async fn my_caseload(&self, caller: &Caller) -> Result<Vec<CaseloadEntry>> {
        let sites = caller.scope.case_sites();
        if sites.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ENTRY_COLUMNS}, a.worker_id, w.display_name AS worker_name, \
             m.display_name AS mentor_name, {} \
             FROM allocation a JOIN episode e ON e.id = a.episode_id JOIN person p ON p.id = e.person_id \
             JOIN app_user w ON w.id = a.worker_id LEFT JOIN app_user m ON m.id = a.mentor_id \
             WHERE a.ended_at IS NULL AND (a.worker_id = $1 OR a.mentor_id = $1) \
             AND e.state NOT IN {FINAL_STATES} AND p.site_id IN ({})",
            consent_columns(2),
            param_list(3, sites.len())
        );
        self.audited_list(caller, &sql, Some(caller.user_id()), "on their caseload")
            .await
    }

    /// Open episodes at the caller's sites with no worker, most urgent
    /// first (referrals still at triage are left out). Audited.
    pub async fn unallocated(&self, caller: &Caller) -> Result<Vec<CaseloadEntry>> {
        let sites = caller.scope.case_sites();
        if sites.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {ENTRY_COLUMNS}, NULL AS worker_id, NULL AS worker_name, NULL AS mentor_name, {} \
             FROM episode e JOIN person p ON p.id = e.person_id \
             WHERE e.state NOT IN {FINAL_STATES} AND e.state <> 'referred' AND p.site_id IN ({}) \
             AND NOT EXISTS (SELECT 1 FROM allocation a WHERE a.episode_id = e.id AND a.ended_at IS NULL)",
            consent_columns(1),
            param_list(2, sites.len())
        );
        self.audited_list(caller, &sql, None, "unallocated").await
    }

    async fn audited_list(
        &self,
        caller: &Caller,
        sql: &str,
        user: Option<UserId>,
        what: &str,
    ) -> Result<Vec<CaseloadEntry>> {
        let sites = caller.scope.case_sites();
        let today = self.now().date();
        let mut tx = self.begin_audited_read().await?;
        let mut q = sqlx::query_as::<_, EntryRow>(sql);
        if let Some(u) = user {
            q = q.bind(u.to_string());
        }
        q = q.bind(crate::episodes::iso(today));
        for s in sites {
            q = q.bind(s.to_string());
        }
        let mut entries = q
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|r| r.into_entry(caller.user_id(), today))
            .collect::<Result<Vec<_>>>()?;
        by_urgency(&mut entries);
        let now = self.now_ms();
        let audit = sites
            .iter()
            .map(|site| {
                let shown = entries.iter().filter(|e| e.site_id == *site).count();
                AuditEntry::new("caseload.view")
                    .site(*site)
                    .detail(format!("{shown} people listed {what}"))
            })
            .collect();
        tx.finish_all(self, now, &Actor::User(caller), audit)
            .await?;
        Ok(entries)
    }

    /// The workers and peer mentors at the caller's sites (site managers),
    /// each with their caseload count and capacity there.
    pub async fn team(&self, caller: &Caller) -> Result<Vec<TeamMember>> {
        if !caller.role().reads_site_audit() {
            return Err(StoreError::Forbidden);
        }
        let mut conn = self.pool.acquire().await?;
        staff_loads(&mut conn, caller.scope.audit_sites()).await
    }

    /// The workers and peer mentors who could be allocated to the episode
    /// (those at its site), with their caseloads, for choosing between them.
    pub async fn allocation_candidates(
        &self,
        caller: &Caller,
        episode: EpisodeId,
    ) -> Result<Vec<TeamMember>> {
        let mut conn = self.pool.acquire().await?;
        let (site, _, _) = scoped_episode(&mut conn, episode, caller.scope.case_sites()).await?;
        staff_loads(&mut conn, &[site]).await
    }

    /// One team member at one of the caller's sites (site managers), else
    /// not found.
    pub async fn team_member(
        &self,
        caller: &Caller,
        site: SiteId,
        user: UserId,
    ) -> Result<TeamMember> {
        self.team(caller)
            .await?
            .into_iter()
            .find(|m| m.site_id == site && m.user_id == user)
            .ok_or(StoreError::NotFound)
    }

    /// How a team member's capacity at a site has changed, newest first.
    pub async fn capacity_history(
        &self,
        caller: &Caller,
        site: SiteId,
        user: UserId,
    ) -> Result<Vec<CapacityChange>> {
        self.team_member(caller, site, user).await?;
        let rows: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT c.capacity, c.set_at, u.display_name FROM caseload_capacity c \
             JOIN app_user u ON u.id = c.set_by WHERE c.site_id = $1 AND c.user_id = $2 \
             ORDER BY c.seq DESC",
        )
        .bind(site.to_string())
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(c, at, by_name)| {
                Ok(CapacityChange {
                    capacity: u16::try_from(c)
                        .map_err(|_| StoreError::Corrupt("capacity".into()))?,
                    at: from_millis(at),
                    by_name,
                })
            })
            .collect()
    }

    /// Sets how many people a worker or peer mentor can support at a site:
    /// that site's managers only. The earlier values are kept. Audited.
    pub async fn set_capacity(
        &self,
        caller: &Caller,
        site: SiteId,
        user: UserId,
        capacity: Capacity,
    ) -> Result<()> {
        if !caller.role().reads_site_audit() {
            return Err(StoreError::Forbidden);
        }
        if !caller.scope.audit_sites().contains(&site) {
            return Err(StoreError::NotFound);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let member = staff_loads(&mut tx, &[site])
            .await?
            .into_iter()
            .find(|m| m.user_id == user)
            .ok_or(StoreError::NotFound)?;
        sqlx::query(
            "INSERT INTO caseload_capacity (site_id, user_id, capacity, set_at, set_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(site.to_string())
        .bind(user.to_string())
        .bind(i64::from(capacity.get()))
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *tx)
        .await?;
        let before = member
            .load
            .capacity
            .map_or("not set".to_string(), |c| c.get().to_string());
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("capacity.set")
                .record("user", user)
                .site(site)
                .detail(format!("from {before} to {}", capacity.get())),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
