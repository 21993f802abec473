//! Drafting a referral: from an episode (and one of its needs, if the
//! worker came from one) to a service in the directory, with the parts of
//! the record the worker chose to share. Nothing is shared until it is sent.

use super::{add_event, audit, locate, must_write, Change};
use crate::episode_scope::{already_saved, parent};
use crate::{Result, Store, StoreError};
use reconnect_domain::id::{NeedId, OnwardReferralId};
use reconnect_domain::onward_referral::sharing::Part;
use reconnect_domain::onward_referral::State;
use reconnect_domain::{Caller, EpisodeId};

/// A new draft referral.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOnwardReferral {
    /// Chosen by the form (or API caller), so sending it twice saves it once.
    pub id: OnwardReferralId,
    pub service_id: String,
    pub need: Option<NeedId>,
    pub parts: Vec<Part>,
}

impl Store {
    /// Drafts a referral on an open episode at one of the caller's sites.
    /// The service must be in the directory and active, and the need (if
    /// any) must be on this episode. Sending the same id again does nothing.
    pub async fn create_onward_referral(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        new: &NewOnwardReferral,
    ) -> Result<()> {
        must_write(caller)?;
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let p = parent(&mut tx, episode, caller.scope.case_write_sites()).await?;
        if already_saved(
            &mut tx,
            "onward_referral",
            &new.id.to_string(),
            episode,
            caller,
        )
        .await?
        {
            return Ok(());
        }
        if p.state.is_terminal() {
            return Err(StoreError::Refused(
                "This episode has ended, so no new referrals can be made from it".into(),
            ));
        }
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM dir_service WHERE id = $1")
                .bind(new.service_id.clone())
                .fetch_optional(&mut *tx)
                .await?;
        match status.as_deref() {
            Some("active") => {}
            Some(_) => {
                return Err(StoreError::invalid(
                    "service_id",
                    "This service is not taking referrals at the moment. Choose another service",
                ))
            }
            None => {
                return Err(StoreError::invalid(
                    "service_id",
                    "Choose a service from the directory",
                ))
            }
        }
        let need_identified_at = match new.need {
            None => None,
            Some(need) => Some(
                sqlx::query_scalar::<_, i64>(
                    "SELECT created_at FROM episode_need WHERE id = $1 AND episode_id = $2",
                )
                .bind(need.to_string())
                .bind(episode.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| {
                    StoreError::invalid("need_id", "Choose one of this episode's needs")
                })?,
            ),
        };
        sqlx::query(
            "INSERT INTO onward_referral (id, episode_id, need_id, service_id, state, parts, \
             need_identified_at, version, created_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $8)",
        )
        .bind(new.id.to_string())
        .bind(episode.to_string())
        .bind(new.need.map(|n| n.to_string()))
        .bind(new.service_id.clone())
        .bind(State::Draft.code())
        .bind(Part::list_code(&new.parts))
        .bind(need_identified_at)
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *tx)
        .await?;
        add_event(
            &mut tx,
            new.id,
            now,
            caller,
            &Change {
                action: "create",
                from: None,
                to: State::Draft,
                reason: None,
            },
        )
        .await?;
        let r = locate(&mut tx, new.id, caller.scope.case_write_sites()).await?;
        audit(
            &mut tx,
            now,
            caller,
            &r,
            "onward_referral.create",
            Some(format!(
                "to service {}; sharing {}",
                new.service_id,
                Part::list_code(&new.parts)
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
