//! Reading referrals: one with its history (and its letter), an episode's,
//! and a site's open ones ("waiting for an answer", overdue). Every read of
//! a person's referral is audited; the letter has its own audit action, as
//! it is what leaves the service.

use super::{entry, episode_entry, events, locate, OnwardReferral, Row, SELECT};
use crate::audit::{Actor, AuditEntry};
use crate::episode_scope::parent;
use crate::sql::param_list;
use crate::{Result, Store, StoreError};
use reconnect_domain::id::OnwardReferralId;
use reconnect_domain::{Caller, EpisodeId};

/// An open referral on a site's list, with who it is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteReferral {
    pub referral: OnwardReferral,
    pub person_name: String,
    pub overdue: bool,
}

impl Store {
    async fn read_one(
        &self,
        caller: &Caller,
        id: OnwardReferralId,
        action: &'static str,
    ) -> Result<OnwardReferral> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let mut r = locate(&mut tx, id, caller.scope.case_sites()).await?;
        r.events = events(&mut tx, id).await?;
        let audit = entry(&r, action, None);
        tx.finish(self, now, &Actor::User(caller), audit).await?;
        Ok(r)
    }

    /// One referral with its history. Audited.
    pub async fn onward_referral(
        &self,
        caller: &Caller,
        id: OnwardReferralId,
    ) -> Result<OnwardReferral> {
        self.read_one(caller, id, "onward_referral.view").await
    }

    /// One referral, for its letter (the letter shows only the snapshot).
    /// Audited as a letter read.
    pub async fn onward_referral_letter(
        &self,
        caller: &Caller,
        id: OnwardReferralId,
    ) -> Result<OnwardReferral> {
        self.read_one(caller, id, "onward_referral.letter").await
    }

    /// One referral as a FHIR resource. Audited as an export.
    pub async fn onward_referral_export(
        &self,
        caller: &Caller,
        id: OnwardReferralId,
    ) -> Result<OnwardReferral> {
        self.read_one(caller, id, "onward_referral.fhir").await
    }

    /// An episode's referrals, newest first (without their histories). Audited.
    pub async fn onward_referrals(
        &self,
        caller: &Caller,
        episode: EpisodeId,
    ) -> Result<Vec<OnwardReferral>> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let p = parent(&mut tx, episode, caller.scope.case_sites()).await?;
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE r.episode_id = $1 ORDER BY r.created_at DESC, r.id DESC"
        ))
        .bind(episode.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let list = rows
            .into_iter()
            .map(Row::into_referral)
            .collect::<Result<Vec<_>>>()?;
        let audit = episode_entry(
            &p,
            episode,
            "onward_referral.list",
            format!("{} onward referrals", list.len()),
        );
        tx.finish(self, now, &Actor::User(caller), audit).await?;
        Ok(list)
    }

    /// The open referrals (not closed or withdrawn) of people at the
    /// caller's sites: those waiting for an answer first, oldest first.
    /// Audited with how many were shown.
    pub async fn site_onward_referrals(&self, caller: &Caller) -> Result<Vec<SiteReferral>> {
        let sites = caller.scope.case_sites();
        if !caller.role().reads_cases() {
            return Err(StoreError::Forbidden);
        }
        if sites.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let sql = format!(
            "{SELECT} WHERE r.state NOT IN ('closed', 'withdrawn') AND p.site_id IN ({}) \
             ORDER BY r.created_at, r.id",
            param_list(1, sites.len())
        );
        let mut q = sqlx::query_as::<_, Row>(&sql);
        for s in sites {
            q = q.bind(s.to_string());
        }
        let rows = q.fetch_all(&mut *tx).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let r = row.into_referral()?;
            let (given, family): (String, String) =
                sqlx::query_as("SELECT given_name, family_name FROM person WHERE id = $1")
                    .bind(r.person_id.to_string())
                    .fetch_one(&mut *tx)
                    .await?;
            out.push(SiteReferral {
                overdue: r.is_overdue(self.now()),
                person_name: format!("{given} {family}"),
                referral: r,
            });
        }
        out.sort_by_key(|s| (!s.referral.state.is_waiting(), s.referral.sent_at));
        tx.finish(
            self,
            now,
            &Actor::User(caller),
            AuditEntry::new("onward_referral.site_list")
                .detail(format!("{} open onward referrals", out.len())),
        )
        .await?;
        Ok(out)
    }
}
