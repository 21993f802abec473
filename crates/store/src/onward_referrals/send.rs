//! Sending a referral, through the consent gate. A referral goes only when
//! the person has a current consent to share with every kind of partner the
//! service counts as. A site manager may send it anyway, with a reason: the
//! override is the site manager's role (they answer for their site's
//! information governance, and it needs no grant table an administrator
//! could forget to clear), and it is audited as an action of its own.
//!
//! Sending takes the snapshot of exactly the chosen parts; the table's
//! trigger keeps it from ever changing after.

use super::services::{consent_check, kinds};
use super::{add_event, audit, locate, must_write, snapshot, Change};
use crate::{Result, Store, StoreError};
use reconnect_domain::episode::Reason;
use reconnect_domain::id::OnwardReferralId;
use reconnect_domain::onward_referral::{apply, Action, State};
use reconnect_domain::uk_time::to_uk;
use reconnect_domain::{Caller, Role};

/// May this caller send a referral without the consent it needs?
pub fn may_override_consent(caller: &Caller) -> bool {
    caller.role() == Role::SiteManager
}

impl Store {
    /// Sends a draft referral at `version`. Without the consents it needs
    /// this is refused with what is missing, unless `override_reason` is
    /// given by a site manager ([`StoreError::Forbidden`] for anyone else).
    pub async fn send_onward_referral(
        &self,
        caller: &Caller,
        id: OnwardReferralId,
        version: i64,
        override_reason: Option<&Reason>,
    ) -> Result<()> {
        must_write(caller)?;
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let r = locate(&mut tx, id, caller.scope.case_write_sites()).await?;
        if r.version != version {
            return Err(StoreError::Stale);
        }
        let to = apply(r.state, &Action::Send).map_err(|e| StoreError::Refused(e.0))?;
        let (_, partners) = kinds(&mut tx, &r.service_id).await?;
        let check =
            consent_check(&mut tx, r.episode_id, &partners, to_uk(self.now()).date()).await?;
        let missing: Vec<&str> = check.missing().iter().map(|p| p.label()).collect();
        let overridden = match (missing.is_empty(), override_reason) {
            (true, _) => None,
            (false, None) => {
                return Err(StoreError::Refused(format!(
                    "This referral cannot be sent: the person has not given current consent to share information with {}. Record their consent first, or ask a site manager",
                    missing.join(" or ").to_lowercase()
                )))
            }
            (false, Some(_)) if !may_override_consent(caller) => {
                return Err(StoreError::Forbidden)
            }
            (false, Some(why)) => Some(why),
        };
        let snap = snapshot::take(&mut tx, &r, self.now()).await?;
        let json = serde_json::to_string(&snap)
            .map_err(|e| StoreError::Corrupt(format!("snapshot: {e}")))?;
        let done = sqlx::query(
            "UPDATE onward_referral SET state = $1, snapshot = $2, sent_at = $3, \
             version = version + 1, updated_at = $3 WHERE id = $4 AND version = $5",
        )
        .bind(to.code())
        .bind(json)
        .bind(now)
        .bind(id.to_string())
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Stale);
        }
        add_event(
            &mut tx,
            id,
            now,
            caller,
            &Change {
                action: if overridden.is_some() {
                    "send_override"
                } else {
                    "send"
                },
                from: Some(State::Draft),
                to,
                reason: overridden.map(|w| w.as_str()),
            },
        )
        .await?;
        if let Some(why) = overridden {
            audit(
                &mut tx,
                now,
                caller,
                &r,
                "onward_referral.consent_override",
                Some(format!("no consent for {}: {}", missing.join(", "), why)),
            )
            .await?;
        }
        let parts: Vec<&str> = snap.parts().iter().map(|p| p.code()).collect();
        audit(
            &mut tx,
            now,
            caller,
            &r,
            "onward_referral.send",
            Some(format!("shared: {}", parts.join(", "))),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
