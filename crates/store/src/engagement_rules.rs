//! Each site's engagement rules, versioned. Version 0 is the defaults (no
//! row); every change a site manager makes is a new row with who and when,
//! and the table refuses UPDATE and DELETE, so the history is complete.

use crate::audit::{append, Actor, AuditEntry};
use crate::sql::parse;
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::engagement::EngagementRules;
use reconnect_domain::{Caller, SiteId, UserId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// One version of a site's rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesVersion {
    pub site_id: SiteId,
    /// 0 for the defaults, then 1, 2, ...
    pub version: i64,
    pub rules: EngagementRules,
    /// Who made this version and when (none for the defaults).
    pub by: Option<(UserId, String)>,
    pub at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "r.version, r.missed_window_days, r.missed_wavering, r.missed_disengaged, \
    r.no_contact_wavering_days, r.no_contact_disengaged_days, r.declined_wavering, \
    r.declined_disengaged, r.overdue_wavering, r.early_release_days, r.escalate_after_days, \
    r.created_by, u.display_name, r.created_at";

type Row = (
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    i64,
);

fn from_row(site: SiteId, r: Row) -> Result<RulesVersion> {
    Ok(RulesVersion {
        site_id: site,
        version: r.0,
        rules: EngagementRules {
            missed_window_days: r.1,
            missed_wavering: r.2,
            missed_disengaged: r.3,
            no_contact_wavering_days: r.4,
            no_contact_disengaged_days: r.5,
            declined_wavering: r.6,
            declined_disengaged: r.7,
            overdue_wavering: r.8,
            early_release_days: r.9,
            escalate_after_days: r.10,
        },
        by: Some((parse(&r.11, "user id")?, r.12)),
        at: Some(from_millis(r.13)),
    })
}

fn defaults(site: SiteId) -> RulesVersion {
    RulesVersion {
        site_id: site,
        version: 0,
        rules: EngagementRules::default(),
        by: None,
        at: None,
    }
}

/// The rules a site uses now.
pub(crate) async fn current_rules(conn: &mut AnyConnection, site: SiteId) -> Result<RulesVersion> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM engagement_rules r JOIN app_user u ON u.id = r.created_by \
         WHERE r.site_id = $1 ORDER BY r.version DESC LIMIT 1"
    ))
    .bind(site.to_string())
    .fetch_optional(conn)
    .await?;
    match row {
        Some(r) => from_row(site, r),
        None => Ok(defaults(site)),
    }
}

/// Every version of a site's rules, newest first, ending with the defaults.
async fn all_versions(conn: &mut AnyConnection, site: SiteId) -> Result<Vec<RulesVersion>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM engagement_rules r JOIN app_user u ON u.id = r.created_by \
         WHERE r.site_id = $1 ORDER BY r.version DESC"
    ))
    .bind(site.to_string())
    .fetch_all(conn)
    .await?;
    let mut out = rows
        .into_iter()
        .map(|r| from_row(site, r))
        .collect::<Result<Vec<_>>>()?;
    out.push(defaults(site));
    Ok(out)
}

/// Staff at the site may read its rules; only its site managers change them.
fn check_site(caller: &Caller, site: SiteId, write: bool) -> Result<()> {
    if !caller.scope.sites.contains(&site) || caller.scope.case_sites().is_empty() {
        return Err(StoreError::NotFound);
    }
    if write && !caller.role().reads_site_audit() {
        return Err(StoreError::Forbidden);
    }
    Ok(())
}

impl Store {
    /// A site's rules, newest version first, ending with the defaults
    /// (version 0). For staff at the site.
    pub async fn engagement_rules(
        &self,
        caller: &Caller,
        site: SiteId,
    ) -> Result<Vec<RulesVersion>> {
        check_site(caller, site, false)?;
        let mut conn = self.pool.acquire().await?;
        all_versions(&mut conn, site).await
    }

    /// Saves a new version of a site's rules (its site managers only).
    /// `expected_version` is the version the form was filled in against: if
    /// someone saved another meanwhile, nothing is saved and the answer is
    /// [`StoreError::Stale`]. Invalid thresholds are refused with field errors.
    pub async fn set_engagement_rules(
        &self,
        caller: &Caller,
        site: SiteId,
        rules: EngagementRules,
        expected_version: i64,
    ) -> Result<i64> {
        check_site(caller, site, true)?;
        let rules = rules.validate().map_err(StoreError::Invalid)?;
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let current = current_rules(&mut tx, site).await?;
        if current.version != expected_version {
            return Err(StoreError::Stale);
        }
        let version = current.version + 1;
        sqlx::query(
            "INSERT INTO engagement_rules (site_id, version, missed_window_days, missed_wavering, \
             missed_disengaged, no_contact_wavering_days, no_contact_disengaged_days, \
             declined_wavering, declined_disengaged, overdue_wavering, early_release_days, \
             escalate_after_days, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(site.to_string())
        .bind(version)
        .bind(rules.missed_window_days)
        .bind(rules.missed_wavering)
        .bind(rules.missed_disengaged)
        .bind(rules.no_contact_wavering_days)
        .bind(rules.no_contact_disengaged_days)
        .bind(rules.declined_wavering)
        .bind(rules.declined_disengaged)
        .bind(rules.overdue_wavering)
        .bind(rules.early_release_days)
        .bind(rules.escalate_after_days)
        .bind(caller.user_id().to_string())
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if StoreError::is_unique_violation(&e) {
                StoreError::Stale
            } else {
                e.into()
            }
        })?;
        let changed: Vec<String> = current
            .rules
            .fields()
            .iter()
            .zip(rules.fields().iter())
            .filter(|(a, b)| a.2 != b.2)
            .map(|(a, b)| format!("{} {} to {}", a.0, a.2, b.2))
            .collect();
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("engagement_rules.set")
                .record("site", site)
                .site(site)
                .detail(format!("version {version}: {}", changed.join(", "))),
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }
}
