//! What happens after a referral is sent: the service's answer, the first
//! appointment and whether the person went, closing with an outcome, and
//! withdrawing. Each change is checked against the state machine and the
//! version the form was opened at, and written with who, when and why.

use super::{add_event, audit, locate, must_write, Change};
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::to_millis;
use reconnect_domain::id::OnwardReferralId;
use reconnect_domain::onward_referral::{apply, Action, State};
use reconnect_domain::Caller;

impl Store {
    /// Applies `action` to a referral at `version` (decline and withdraw
    /// carry their reason, close its outcome). Sending goes through the
    /// consent gate ([`Store::send_onward_referral`]). Returns the new state.
    pub async fn act_on_onward_referral(
        &self,
        caller: &Caller,
        id: OnwardReferralId,
        version: i64,
        action: &Action,
    ) -> Result<State> {
        if *action == Action::Send {
            self.send_onward_referral(caller, id, version, None).await?;
            return Ok(State::Sent);
        }
        must_write(caller)?;
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let r = locate(&mut tx, id, caller.scope.case_write_sites()).await?;
        if r.version != version {
            return Err(StoreError::Stale);
        }
        let to = apply(r.state, action).map_err(|e| StoreError::Refused(e.0))?;
        let (mut answered, mut appointment, mut closed) = (None, None, None);
        let (mut decline, mut outcome) = (None, None);
        let mut reason = None;
        match action {
            Action::Accept => answered = Some(now),
            Action::Decline(why) => {
                answered = Some(now);
                decline = Some(why.as_str().to_string());
                reason = Some(why.as_str().to_string());
            }
            Action::BookFirstAppointment(at) => {
                if r.sent_at.is_some_and(|s| *at < s) {
                    return Err(StoreError::invalid(
                        "appointment",
                        "The first appointment must be after the referral was sent",
                    ));
                }
                appointment = Some(to_millis(*at));
            }
            Action::Close(o) => {
                closed = Some(now);
                outcome = Some(o.code());
                reason = Some(o.label().to_string());
            }
            Action::Withdraw(why) => {
                closed = Some(now);
                reason = Some(why.as_str().to_string());
            }
            Action::Send | Action::Attended | Action::DidNotAttend => {}
        }
        let done = sqlx::query(
            "UPDATE onward_referral SET state = $1, answered_at = COALESCE($2, answered_at), \
             appointment_at = COALESCE($3, appointment_at), closed_at = COALESCE($4, closed_at), \
             decline_reason = COALESCE($5, decline_reason), outcome = COALESCE($6, outcome), \
             version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9",
        )
        .bind(to.code())
        .bind(answered)
        .bind(appointment)
        .bind(closed)
        .bind(decline)
        .bind(outcome)
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
                action: action.code(),
                from: Some(r.state),
                to,
                reason: reason.as_deref(),
            },
        )
        .await?;
        audit(
            &mut tx,
            now,
            caller,
            &r,
            "onward_referral.transition",
            Some(format!("{} -> {}", r.state.code(), to.code())),
        )
        .await?;
        tx.commit().await?;
        Ok(to)
    }
}
