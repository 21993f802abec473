//! Messages to staff about step-ups, queued through the outbox in the same
//! transaction as the change that causes them: when a step-up opens, the
//! episode's allocated worker and peer mentor are told; when one escalates,
//! the site's managers are told. The emails name nobody and say nothing
//! about anyone's health: staff read the details after signing in.

use crate::audit::{append, Actor, AuditEntry};
use crate::outbox::{enqueue, NewMessage, Queued, Recipient};
use crate::sql::parse;
use crate::Result;
use reconnect_domain::id::StepUpId;
use reconnect_domain::message::Channel;
use reconnect_domain::{EpisodeId, SiteId, UserId};
use sqlx::AnyConnection;

/// Tells the episode's current worker and mentor that a step-up opened.
/// Returns how many messages were queued.
pub(crate) async fn step_up_opened(
    conn: &mut AnyConnection,
    now_ms: i64,
    step_up: StepUpId,
    episode: EpisodeId,
    site: SiteId,
) -> Result<usize> {
    let staff: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.id, u.email FROM allocation a JOIN app_user u \
         ON u.id = a.worker_id OR u.id = a.mentor_id \
         WHERE a.episode_id = $1 AND a.ended_at IS NULL AND u.disabled_at IS NULL ORDER BY u.id",
    )
    .bind(episode.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut queued = 0;
    for (user, email) in staff {
        let user: UserId = parse(&user, "user id")?;
        let msg = NewMessage {
            idempotency_key: format!("step-up-opened:{step_up}:{user}"),
            to: Recipient::Staff(user),
            site,
            kind: "step-up-opened",
            channel: Channel::Email,
            address: email,
            subject: "Someone you support needs more support".into(),
            body: "A step-up of support has been opened for someone you support, with suggested \
                   actions for you. Sign in and open Needs attention to see who and what to do."
                .into(),
        };
        queued += queue(conn, now_ms, &msg, "step-up opened").await?;
    }
    Ok(queued)
}

/// Tells the site's managers that a step-up escalated to them.
pub(crate) async fn step_up_escalated(
    conn: &mut AnyConnection,
    now_ms: i64,
    step_up: StepUpId,
    site: SiteId,
    days: i64,
) -> Result<usize> {
    let managers: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.id, u.email FROM app_user u JOIN user_site us ON us.user_id = u.id \
         WHERE us.site_id = $1 AND u.role = 'site_manager' AND u.disabled_at IS NULL ORDER BY u.id",
    )
    .bind(site.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let mut queued = 0;
    for (user, email) in managers {
        let user: UserId = parse(&user, "user id")?;
        let msg = NewMessage {
            idempotency_key: format!("step-up-escalated:{step_up}:{user}"),
            to: Recipient::Staff(user),
            site,
            kind: "step-up-escalated",
            channel: Channel::Email,
            address: email,
            subject: "A step-up of support needs you".into(),
            body: format!(
                "Nobody has recorded an action on a step-up of support at your site for {days} days, \
                 so it has come to you. Sign in and open Needs attention to see who it is."
            ),
        };
        queued += queue(conn, now_ms, &msg, "step-up escalated").await?;
    }
    Ok(queued)
}

async fn queue(
    conn: &mut AnyConnection,
    now_ms: i64,
    msg: &NewMessage,
    what: &str,
) -> Result<usize> {
    match enqueue(conn, now_ms, msg).await? {
        Queued::Queued(id) => {
            append(
                conn,
                now_ms,
                &Actor::System("jobs"),
                AuditEntry::new("message.queue")
                    .record("message", id)
                    .site(msg.site)
                    .detail(what),
            )
            .await?;
            Ok(1)
        }
        _ => Ok(0),
    }
}
