//! Aggregate figures for national leads and reviewers: counts only, never
//! identities, with small numbers suppressed so no one can be singled out.

use crate::sql::parse;
use crate::{Result, Store, StoreError};
use reconnect_domain::{Caller, Region, SiteId};

/// Counts below this are shown as "fewer than" it.
pub const SUPPRESS_BELOW: i64 = 5;

/// A count that may have been suppressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Count {
    Exact(i64),
    FewerThan(i64),
}

impl Count {
    pub fn of(n: i64) -> Self {
        if n > 0 && n < SUPPRESS_BELOW {
            Count::FewerThan(SUPPRESS_BELOW)
        } else {
            Count::Exact(n)
        }
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Count::Exact(n) => write!(f, "{n}"),
            Count::FewerThan(n) => write!(f, "fewer than {n}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteFigures {
    pub site_id: SiteId,
    pub site_name: String,
    pub region: Region,
    pub prisons: i64,
    pub staff: i64,
    pub people: Count,
}

impl Store {
    /// Per-site figures for roles that may see aggregates.
    pub async fn site_figures(&self, caller: &Caller) -> Result<Vec<SiteFigures>> {
        if !caller.role().reads_aggregates() {
            return Err(StoreError::Forbidden);
        }
        let rows: Vec<(String, String, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT s.id, s.name, s.region, \
               (SELECT COUNT(*) FROM prison p WHERE p.site_id = s.id), \
               (SELECT COUNT(*) FROM user_site us JOIN app_user u ON u.id = us.user_id \
                  WHERE us.site_id = s.id AND u.disabled_at IS NULL), \
               (SELECT COUNT(*) FROM person pe WHERE pe.site_id = s.id) \
             FROM site s ORDER BY s.name",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, name, region, prisons, staff, people)| {
                Ok(SiteFigures {
                    site_id: parse(&id, "site id")?,
                    site_name: name,
                    region: parse(&region, "region")?,
                    prisons,
                    staff,
                    people: Count::of(people),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_suppressed() {
        assert_eq!(Count::of(0), Count::Exact(0));
        assert_eq!(Count::of(3).to_string(), "fewer than 5");
        assert_eq!(Count::of(5), Count::Exact(5));
    }
}
