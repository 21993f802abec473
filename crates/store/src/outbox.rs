//! The outbox: every message to a person or a member of staff is a row here,
//! written in the same transaction as the event that causes it, and sent
//! later by the delivery job.
//!
//! - At most one message per idempotency key (a UNIQUE column; queueing the
//!   same key again does nothing), so a job that is run again, or by two
//!   instances, never queues a message twice.
//! - Delivery claims due messages under a lease (`FOR UPDATE SKIP LOCKED` on
//!   PostgreSQL, and a guarded UPDATE on both engines), so two instances
//!   never send the same message; a lease left behind by a killed process
//!   expires and the message is claimed again.
//! - A failed try is retried with exponential back-off
//!   ([`reconnect_domain::message::next_attempt`]) and then marked failed.
//! - Each change of state is appended to `outbox_event`, which cannot be
//!   changed, and to the audit trail, in the same transaction.
//!
//! A message to a person is only queued when their current contact
//! preferences allow it ([`enqueue_for_person`]); otherwise the reason is
//! returned, for the page to show.

use crate::audit::{append, Actor, AuditEntry};
use crate::contact_preferences::current_in;
use crate::sql::parse;
use crate::{Engine, Result, Store, StoreError};
use reconnect_domain::clock::{from_millis, to_millis};
use reconnect_domain::id::MessageId;
use reconnect_domain::message::{next_attempt, why_not_contactable, Channel};
use reconnect_domain::{EpisodeId, PersonId, SiteId, UserId};
use sqlx::AnyConnection;
use time::{Duration, OffsetDateTime};

/// Who a message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipient {
    Person {
        person: PersonId,
        episode: Option<EpisodeId>,
    },
    Staff(UserId),
}

/// A message ready to be queued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMessage {
    pub idempotency_key: String,
    pub to: Recipient,
    pub site: SiteId,
    /// What kind of message, e.g. `appointment-reminder`, `staff-digest`.
    pub kind: &'static str,
    pub channel: Channel,
    pub address: String,
    pub subject: String,
    pub body: String,
}

/// What queueing did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Queued {
    /// Queued now.
    Queued(MessageId),
    /// A message with this idempotency key was already queued.
    AlreadyQueued,
    /// Not queued, and why (plain English, for the page).
    NotAllowed(&'static str),
}

/// A message as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub idempotency_key: String,
    pub person_id: Option<PersonId>,
    pub user_id: Option<UserId>,
    pub kind: String,
    pub channel: Channel,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    /// `queued`, `sending`, `sent` or `failed`.
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: OffsetDateTime,
    pub sent_via: Option<String>,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub sent_at: Option<OffsetDateTime>,
}

pub(crate) const MESSAGE_COLUMNS: &str = "id, idempotency_key, person_id, user_id, kind, \
    channel, recipient, subject, body, state, attempts, next_attempt_at, sent_via, last_error, \
    created_at, sent_at";

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    id: String,
    idempotency_key: String,
    person_id: Option<String>,
    user_id: Option<String>,
    kind: String,
    channel: String,
    recipient: String,
    subject: String,
    body: String,
    state: String,
    attempts: i64,
    next_attempt_at: i64,
    sent_via: Option<String>,
    last_error: Option<String>,
    created_at: i64,
    sent_at: Option<i64>,
}

impl MessageRow {
    pub(crate) fn into_message(self) -> Result<Message> {
        Ok(Message {
            id: parse(&self.id, "message id")?,
            idempotency_key: self.idempotency_key,
            person_id: self
                .person_id
                .as_deref()
                .map(|s| parse(s, "person id"))
                .transpose()?,
            user_id: self
                .user_id
                .as_deref()
                .map(|s| parse(s, "user id"))
                .transpose()?,
            kind: self.kind,
            channel: Channel::parse(&self.channel)
                .map_err(|_| StoreError::Corrupt("channel".into()))?,
            recipient: self.recipient,
            subject: self.subject,
            body: self.body,
            state: self.state,
            attempts: self.attempts,
            next_attempt_at: from_millis(self.next_attempt_at),
            sent_via: self.sent_via,
            last_error: self.last_error,
            created_at: from_millis(self.created_at),
            sent_at: self.sent_at.map(from_millis),
        })
    }
}

async fn event(
    conn: &mut AnyConnection,
    id: &str,
    at: i64,
    to_state: &str,
    by_instance: Option<&str>,
    detail: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox_event (message_id, at, to_state, by_instance, detail) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id.to_string())
    .bind(at)
    .bind(to_state.to_string())
    .bind(by_instance.map(str::to_string))
    .bind(detail.map(str::to_string))
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues a message on the caller's open transaction, once per idempotency key.
pub async fn enqueue(conn: &mut AnyConnection, now: i64, msg: &NewMessage) -> Result<Queued> {
    if msg.channel == Channel::None {
        return Ok(Queued::NotAllowed(
            "No message can be sent: no way to contact them was chosen.",
        ));
    }
    let id = MessageId::new();
    let (person, episode, user) = match msg.to {
        Recipient::Person { person, episode } => (
            Some(person.to_string()),
            episode.map(|e| e.to_string()),
            None,
        ),
        Recipient::Staff(u) => (None, None, Some(u.to_string())),
    };
    let done = sqlx::query(
        "INSERT INTO outbox (id, idempotency_key, person_id, episode_id, user_id, site_id, kind, \
         channel, recipient, subject, body, state, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'queued', 0, $12, $12) \
         ON CONFLICT (idempotency_key) DO NOTHING",
    )
    .bind(id.to_string())
    .bind(msg.idempotency_key.clone())
    .bind(person)
    .bind(episode)
    .bind(user)
    .bind(msg.site.to_string())
    .bind(msg.kind)
    .bind(msg.channel.code())
    .bind(msg.address.clone())
    .bind(msg.subject.clone())
    .bind(msg.body.clone())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(Queued::AlreadyQueued);
    }
    event(conn, &id.to_string(), now, "queued", None, None).await?;
    Ok(Queued::Queued(id))
}

/// Queues a message to a person on the channel and address of their current
/// contact preferences, or returns why it cannot be sent. `compose` gets
/// whether the message may say it is from RECONNECT and returns (subject, body).
#[allow(clippy::too_many_arguments)]
pub async fn enqueue_for_person(
    conn: &mut AnyConnection,
    now: i64,
    person: PersonId,
    episode: Option<EpisodeId>,
    site: SiteId,
    kind: &'static str,
    idempotency_key: String,
    compose: impl FnOnce(bool) -> (String, String),
) -> Result<Queued> {
    let prefs = current_in(conn, person).await?;
    if let Some(why) = why_not_contactable(prefs.as_ref()) {
        return Ok(Queued::NotAllowed(why));
    }
    let Some(prefs) = prefs else {
        return Ok(Queued::NotAllowed("No contact preferences are recorded."));
    };
    let (subject, body) = compose(prefs.may_name_service);
    enqueue(
        conn,
        now,
        &NewMessage {
            idempotency_key,
            to: Recipient::Person { person, episode },
            site,
            kind,
            channel: prefs.channel,
            address: prefs.address.unwrap_or_default(),
            subject,
            body,
        },
    )
    .await
}

/// How a try at sending went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Sent (or, for the log sender, recorded as "would have been sent").
    Sent { via: String },
    /// Could not be sent now; worth trying again.
    Retry { error: String },
    /// Refused for good (for example an invalid address).
    Failed { error: String },
}

impl Store {
    /// Claims up to `limit` messages that are due (queued and due, or left
    /// "sending" by an instance whose lease expired) for `instance`, under a
    /// lease of `lease`. Each message is claimed by one instance only.
    pub async fn claim_due_messages(
        &self,
        instance: &str,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<Message>> {
        let now = self.now_ms();
        let lease_until = to_millis(self.now() + lease);
        let lock = match self.engine {
            Engine::Postgres => " FOR UPDATE SKIP LOCKED",
            Engine::Sqlite => "",
        };
        let due = "((state = 'queued' AND next_attempt_at <= $1) OR \
                   (state = 'sending' AND lease_until < $1))";
        let mut tx = self.begin_read_write().await?;
        let ids: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT id FROM outbox WHERE {due} ORDER BY next_attempt_at, id LIMIT $2{lock}"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut claimed = Vec::new();
        for id in ids {
            let done = sqlx::query(&format!(
                "UPDATE outbox SET state = 'sending', claimed_by = $2, lease_until = $3, \
                 attempts = attempts + 1 WHERE id = $4 AND {due}"
            ))
            .bind(now)
            .bind(instance.to_string())
            .bind(lease_until)
            .bind(id.clone())
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 1 {
                event(&mut tx, &id, now, "sending", Some(instance), None).await?;
                let row: MessageRow = sqlx::query_as(&format!(
                    "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE id = $1"
                ))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
                claimed.push(row.into_message()?);
            }
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Records how sending a claimed message went. Only the instance holding
    /// the claim may record it; returns false when the claim was lost.
    pub async fn record_delivery(
        &self,
        id: MessageId,
        instance: &str,
        outcome: &Delivery,
    ) -> Result<bool> {
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let held: Option<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT attempts, site_id, person_id FROM outbox \
             WHERE id = $1 AND state = 'sending' AND claimed_by = $2",
        )
        .bind(id.to_string())
        .bind(instance.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((attempts, site, person)) = held else {
            return Ok(false);
        };
        let (state, detail) = match outcome {
            Delivery::Sent { via } => {
                sqlx::query(
                    "UPDATE outbox SET state = 'sent', sent_via = $2, sent_at = $3, \
                     lease_until = NULL, last_error = NULL WHERE id = $1",
                )
                .bind(id.to_string())
                .bind(via.clone())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                ("sent", format!("via {via}"))
            }
            Delivery::Retry { error } => match next_attempt(self.now(), attempts) {
                Some(at) => {
                    sqlx::query(
                        "UPDATE outbox SET state = 'queued', next_attempt_at = $2, \
                         lease_until = NULL, last_error = $3 WHERE id = $1",
                    )
                    .bind(id.to_string())
                    .bind(to_millis(at))
                    .bind(error.clone())
                    .execute(&mut *tx)
                    .await?;
                    ("queued", error.clone())
                }
                None => {
                    fail(&mut tx, id, error).await?;
                    ("failed", error.clone())
                }
            },
            Delivery::Failed { error } => {
                fail(&mut tx, id, error).await?;
                ("failed", error.clone())
            }
        };
        event(
            &mut tx,
            &id.to_string(),
            now,
            state,
            Some(instance),
            Some(&detail),
        )
        .await?;
        let action = match state {
            "sent" => "message.send",
            "queued" => "message.retry",
            _ => "message.fail",
        };
        let mut entry = AuditEntry::new(action)
            .record("message", id)
            .site(parse(&site, "site id")?);
        if let Some(p) = person {
            entry = entry.person(parse(&p, "person id")?);
        }
        append(&mut tx, now, &Actor::System("jobs"), entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}

async fn fail(conn: &mut AnyConnection, id: MessageId, error: &str) -> Result<()> {
    sqlx::query(
        "UPDATE outbox SET state = 'failed', lease_until = NULL, last_error = $2 WHERE id = $1",
    )
    .bind(id.to_string())
    .bind(error.to_string())
    .execute(conn)
    .await?;
    Ok(())
}
