//! Site managers looking after the directory for their site: the site's own
//! list of services it works with (add and remove, each with a note) and
//! checking that a service's details are still right ("verified"), kept as
//! an append-only history with the latest repeated on the service for fast
//! listing. A service not verified for six months, or never, needs checking.
//!
//! None of this is case data, but every change is a staff action and is
//! audited in the same transaction (`directory.site_list.add`,
//! `directory.site_list.remove`, `directory.verify`).

use crate::audit::{append, Actor, AuditEntry};
use crate::sql::{param_list, parse};
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::{Caller, SiteId};
use time::{Date, OffsetDateTime};

/// Months after which a service's details need checking again.
pub const STALE_AFTER_MONTHS: u8 = 6;

/// The longest note kept with a list change or a verification.
pub const MAX_NOTE_CHARS: usize = 500;

/// The same day `months` calendar months earlier (the last day of that
/// month when it is shorter).
fn months_before(d: Date, months: u8) -> Date {
    let total = d.year() * 12 + i32::from(u8::from(d.month())) - 1 - i32::from(months);
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = time::Month::try_from(month0 as u8 + 1).unwrap_or(time::Month::January);
    let day = d.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).unwrap_or(d)
}

/// Does a service verified at `verified_at` need checking at `now`?
pub fn needs_checking(verified_at: Option<OffsetDateTime>, now: OffsetDateTime) -> bool {
    match verified_at {
        None => true,
        Some(at) => {
            let cutoff = months_before(now.date(), STALE_AFTER_MONTHS).with_time(now.time());
            at < cutoff.assume_offset(now.offset())
        }
    }
}

/// A note as kept: trimmed, blank as none, refused when too long.
fn clean_note(note: Option<&str>) -> Result<Option<String>> {
    match note.map(str::trim).filter(|n| !n.is_empty()) {
        None => Ok(None),
        Some(n) if n.chars().count() > MAX_NOTE_CHARS => Err(StoreError::invalid(
            "note",
            &format!("The note must be {MAX_NOTE_CHARS} characters or fewer"),
        )),
        Some(n) => Ok(Some(n.to_string())),
    }
}

/// One service on a site's own list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteListEntry {
    pub site_id: SiteId,
    pub site_name: String,
    pub service_id: String,
    pub service_name: String,
    pub organisation: Option<String>,
    pub note: Option<String>,
    pub added_at: OffsetDateTime,
    pub added_by_name: String,
    pub verified_at: Option<OffsetDateTime>,
    pub needs_checking: bool,
}

/// One check of a service's details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    pub at: OffsetDateTime,
    pub by_name: String,
    pub site_name: Option<String>,
    pub note: Option<String>,
}

type ListRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    String,
    Option<i64>,
);

impl Store {
    /// May this caller look after `site`'s list? Site managers, at their own sites.
    fn curating(caller: &Caller, site: SiteId) -> Result<()> {
        if !caller.role().reads_site_audit() {
            return Err(StoreError::Forbidden);
        }
        if !caller.scope.audit_sites().contains(&site) {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn service_exists(conn: &mut sqlx::AnyConnection, service: &str) -> Result<()> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM dir_service WHERE id = $1")
            .bind(service)
            .fetch_one(conn)
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Adds a service to `site`'s own list, with an optional note.
    pub async fn add_to_site_list(
        &self,
        caller: &Caller,
        site: SiteId,
        service: &str,
        note: Option<&str>,
    ) -> Result<()> {
        Self::curating(caller, site)?;
        let note = clean_note(note)?;
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        Self::service_exists(&mut tx, service).await?;
        let done = sqlx::query(
            "INSERT INTO site_service (site_id, service_id, added_at, added_by, note) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (site_id, service_id) DO NOTHING",
        )
        .bind(site.to_string())
        .bind(service)
        .bind(now)
        .bind(caller.user_id().to_string())
        .bind(note.clone())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "This service is already on your site's list".into(),
            ));
        }
        let mut entry = AuditEntry::new("directory.site_list.add")
            .record("service", service)
            .site(site);
        if let Some(n) = &note {
            entry = entry.detail(n.clone());
        }
        append(&mut tx, now, &Actor::User(caller), entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a service off `site`'s own list, saying why (kept in the audit trail).
    pub async fn remove_from_site_list(
        &self,
        caller: &Caller,
        site: SiteId,
        service: &str,
        note: Option<&str>,
    ) -> Result<()> {
        Self::curating(caller, site)?;
        let note = clean_note(note)?;
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        Self::service_exists(&mut tx, service).await?;
        let done = sqlx::query("DELETE FROM site_service WHERE site_id = $1 AND service_id = $2")
            .bind(site.to_string())
            .bind(service)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(
                "This service is not on your site's list".into(),
            ));
        }
        let mut entry = AuditEntry::new("directory.site_list.remove")
            .record("service", service)
            .site(site);
        if let Some(n) = &note {
            entry = entry.detail(n.clone());
        }
        append(&mut tx, now, &Actor::User(caller), entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that the service's details were checked and are right: a new
    /// row of its history and the latest on the service, in one transaction.
    pub async fn verify_service(
        &self,
        caller: &Caller,
        site: SiteId,
        service: &str,
        note: Option<&str>,
    ) -> Result<()> {
        Self::curating(caller, site)?;
        let note = clean_note(note)?;
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        Self::service_exists(&mut tx, service).await?;
        sqlx::query(
            "INSERT INTO dir_service_verification (service_id, site_id, verified_at, verified_by, note) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(service)
        .bind(site.to_string())
        .bind(now)
        .bind(caller.user_id().to_string())
        .bind(note.clone())
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE dir_service SET verified_at = $1, verified_by = $2 WHERE id = $3")
            .bind(now)
            .bind(caller.user_id().to_string())
            .bind(service)
            .execute(&mut *tx)
            .await?;
        let mut entry = AuditEntry::new("directory.verify")
            .record("service", service)
            .site(site);
        if let Some(n) = &note {
            entry = entry.detail(n.clone());
        }
        append(&mut tx, now, &Actor::User(caller), entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every check of a service's details, latest first.
    pub async fn service_verifications(&self, service: &str) -> Result<Vec<Verification>> {
        let rows: Vec<(i64, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT v.verified_at, u.display_name, st.name, v.note FROM dir_service_verification v \
             JOIN app_user u ON u.id = v.verified_by LEFT JOIN site st ON st.id = v.site_id \
             WHERE v.service_id = $1 ORDER BY v.seq DESC",
        )
        .bind(service)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, by_name, site_name, note)| Verification {
                at: from_millis(at),
                by_name,
                site_name,
                note,
            })
            .collect())
    }

    /// The own lists of the caller's sites, by service name; only those
    /// needing checking when `needs_checking_only`.
    pub async fn site_list(
        &self,
        caller: &Caller,
        needs_checking_only: bool,
    ) -> Result<Vec<SiteListEntry>> {
        let sites = caller.scope.case_sites();
        if sites.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT ss.site_id, st.name, s.id, s.name, o.name, ss.note, ss.added_at, \
             u.display_name, s.verified_at FROM site_service ss \
             JOIN site st ON st.id = ss.site_id JOIN dir_service s ON s.id = ss.service_id \
             LEFT JOIN dir_organization o ON o.id = s.organization_id \
             JOIN app_user u ON u.id = ss.added_by \
             WHERE ss.site_id IN ({}) ORDER BY s.name, st.name, s.id",
            param_list(1, sites.len())
        );
        let mut q = sqlx::query_as::<_, ListRow>(&sql);
        for s in sites {
            q = q.bind(s.to_string());
        }
        let now = self.now();
        let mut out = Vec::new();
        for (site, site_name, id, name, org, note, added_at, by, verified) in
            q.fetch_all(&self.pool).await?
        {
            let verified_at = verified.map(from_millis);
            let stale = needs_checking(verified_at, now);
            if needs_checking_only && !stale {
                continue;
            }
            out.push(SiteListEntry {
                site_id: parse(&site, "site id")?,
                site_name,
                service_id: id,
                service_name: name,
                organisation: org,
                note,
                added_at: from_millis(added_at),
                added_by_name: by,
                verified_at,
                needs_checking: stale,
            });
        }
        // Sorted here so both engines agree (their collations differ).
        out.sort_by(|a, b| {
            (&a.service_name, &a.site_name, &a.service_id).cmp(&(
                &b.service_name,
                &b.site_name,
                &b.service_id,
            ))
        });
        Ok(out)
    }

    /// The caller's sites with `service` on their own list.
    pub async fn site_list_entries_for(
        &self,
        caller: &Caller,
        service: &str,
    ) -> Result<Vec<SiteListEntry>> {
        Ok(self
            .site_list(caller, false)
            .await?
            .into_iter()
            .filter(|e| e.service_id == service)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn six_months_back_keeps_the_day_or_the_month_end() {
        assert_eq!(
            months_before(date!(2026 - 03 - 02), 6),
            date!(2025 - 09 - 02)
        );
        assert_eq!(
            months_before(date!(2026 - 08 - 31), 6),
            date!(2026 - 02 - 28)
        );
        assert_eq!(
            months_before(date!(2026 - 12 - 15), 6),
            date!(2026 - 06 - 15)
        );
    }

    #[test]
    fn services_need_checking_after_six_months_or_when_never_verified() {
        let now = datetime!(2026-03-02 09:00 UTC);
        assert!(needs_checking(None, now));
        assert!(!needs_checking(Some(datetime!(2025-09-02 09:00 UTC)), now));
        assert!(needs_checking(Some(datetime!(2025-09-02 08:59 UTC)), now));
    }
}
