//! Possible duplicates: people already at the caller's sites whom a referral
//! may be about, matched by NHS number, prison number, or name and date of
//! birth together. Only the caller's own sites are searched, so triage never
//! reveals who is supported elsewhere; the worker decides whether it is the
//! same person (and whether to link, or link and update their record).

use super::Referral;
use crate::audit::{Actor, AuditEntry};
use crate::episodes::iso;
use crate::people::PersonSummary;
use crate::sql::{param_list, parse};
use crate::{Result, Store, StoreError};
use reconnect_domain::id::ReferralId;
use reconnect_domain::{Caller, PrisonNumber, SiteId};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// Why a person may be the one referred.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MatchReason {
    NhsNumber,
    PrisonNumber,
    NameAndDateOfBirth,
}

impl MatchReason {
    pub fn label(self) -> &'static str {
        match self {
            MatchReason::NhsNumber => "Same NHS number",
            MatchReason::PrisonNumber => "Same prison number",
            MatchReason::NameAndDateOfBirth => "Same name and date of birth",
        }
    }
}

/// A person at the caller's sites who may be the one referred.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PossibleDuplicate {
    pub person: PersonSummary,
    pub reasons: Vec<MatchReason>,
}

type MatchRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
);

async fn matches(
    conn: &mut AnyConnection,
    sites: &[SiteId],
    r: &Referral,
) -> Result<Vec<PossibleDuplicate>> {
    if sites.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT p.id, p.site_id, p.given_name, p.family_name, p.preferred_name, p.date_of_birth, \
         p.prison_number, pr.name, p.nhs_number FROM person p JOIN prison pr ON pr.id = p.prison_id \
         WHERE (p.nhs_number = $1 OR p.prison_number = $2 OR (LOWER(p.given_name) = LOWER($3) \
         AND LOWER(p.family_name) = LOWER($4) AND p.date_of_birth = $5)) AND p.site_id IN ({}) \
         ORDER BY p.family_name, p.given_name, p.id LIMIT 20",
        param_list(6, sites.len())
    );
    let mut q = sqlx::query_as::<_, MatchRow>(&sql)
        .bind(r.nhs_number.map(|n| n.digits()))
        .bind(r.prison_number.as_ref().map(|p| p.as_str().to_string()))
        .bind(r.given_name.trim().to_string())
        .bind(r.family_name.trim().to_string())
        .bind(iso(r.date_of_birth));
    for s in sites {
        q = q.bind(s.to_string());
    }
    let rows = q.fetch_all(conn).await?;
    rows.into_iter()
        .map(
            |(id, site, given, family, preferred, dob, prison_no, prison, nhs)| {
                let date_of_birth = super::date(&dob)?;
                let prison_number = PrisonNumber::parse(&prison_no)
                    .map_err(|_| StoreError::Corrupt("prison number".into()))?;
                let mut reasons = Vec::new();
                if nhs.is_some() && nhs == r.nhs_number.map(|n| n.digits()) {
                    reasons.push(MatchReason::NhsNumber);
                }
                if Some(&prison_number) == r.prison_number.as_ref() {
                    reasons.push(MatchReason::PrisonNumber);
                }
                if given.to_lowercase() == r.given_name.trim().to_lowercase()
                    && family.to_lowercase() == r.family_name.trim().to_lowercase()
                    && date_of_birth == r.date_of_birth
                {
                    reasons.push(MatchReason::NameAndDateOfBirth);
                }
                Ok(PossibleDuplicate {
                    person: PersonSummary {
                        id: parse(&id, "person id")?,
                        site_id: parse(&site, "site id")?,
                        given_name: given,
                        family_name: family,
                        preferred_name: preferred,
                        date_of_birth,
                        prison_number,
                        prison_name: prison,
                    },
                    reasons,
                })
            },
        )
        .collect::<Result<Vec<_>>>()
        .map(|all| all.into_iter().filter(|d| !d.reasons.is_empty()).collect())
}

impl Store {
    /// People at the caller's sites who may be the one `referral` is about.
    /// Showing them is audited, with how many were shown.
    pub async fn referral_duplicates(
        &self,
        caller: &Caller,
        referral: &Referral,
    ) -> Result<Vec<PossibleDuplicate>> {
        Ok(self
            .duplicates_of_each(caller, std::slice::from_ref(referral))
            .await?
            .remove(&referral.id)
            .unwrap_or_default())
    }

    /// [`Store::referral_duplicates`] for each of several referrals (the
    /// triage queue), in one transaction with one audit event per referral
    /// that had any.
    pub async fn duplicates_of_each(
        &self,
        caller: &Caller,
        referrals: &[Referral],
    ) -> Result<HashMap<ReferralId, Vec<PossibleDuplicate>>> {
        let sites = caller.scope.case_sites();
        let mut found = HashMap::new();
        if sites.is_empty() || referrals.is_empty() {
            return Ok(found);
        }
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let mut entries = Vec::new();
        for r in referrals.iter().filter(|r| sites.contains(&r.site_id)) {
            let list = matches(&mut tx, sites, r).await?;
            if !list.is_empty() {
                entries.push(
                    AuditEntry::new("referral.duplicates")
                        .record("referral", r.id)
                        .site(r.site_id)
                        .detail(format!("{} possible matches shown", list.len())),
                );
            }
            found.insert(r.id, list);
        }
        tx.finish_all(self, now, &Actor::User(caller), entries)
            .await?;
        Ok(found)
    }
}
