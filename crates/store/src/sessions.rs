//! Server-side staff sessions. The cookie carries a random token; the database
//! keeps only its SHA-256, so a copy of the database cannot be replayed as a
//! session. Sessions end after an idle period, at an absolute limit, at
//! sign-out, and whenever the account's access changes.

use crate::audit::{append, Actor, AuditEntry};
use crate::sql::parse;
use crate::{Result, Store};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore;
use reconnect_domain::{RequestMeta, UserId};
use sha2::{Digest, Sha256};
use time::Duration;

/// How long sessions last.
#[derive(Clone, Copy, Debug)]
pub struct SessionPolicy {
    /// A session unused for this long has ended.
    pub idle: Duration,
    /// No session lasts longer than this, however busy.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::minutes(30),
            absolute: Duration::hours(12),
        }
    }
}

/// A live session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub user_id: UserId,
    pub csrf_token: String,
}

/// A new random secret: 32 bytes, URL-safe base64.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The stored form of a secret token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// last_seen is written at most this often, to spare the database a write per request.
const TOUCH_EVERY_MS: i64 = 60_000;

impl Store {
    /// Starts a session for a user who has just proved who they are, and
    /// records the sign-in in the same transaction. Returns the cookie token.
    pub async fn start_session(
        &self,
        user: UserId,
        meta: &RequestMeta,
        policy: SessionPolicy,
    ) -> Result<(String, Session)> {
        let token = random_secret();
        let csrf = random_secret();
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        sqlx::query(
            "INSERT INTO staff_session (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip) \
             VALUES ($1, $2, $3, $4, $4, $5, $6)",
        )
        .bind(hash_token(&token))
        .bind(user.to_string())
        .bind(&csrf)
        .bind(now)
        .bind(now + policy.absolute.whole_milliseconds() as i64)
        .bind(meta.ip.clone())
        .execute(&mut *tx)
        .await?;
        // The sign-in is attributed to the account, though no caller exists yet.
        let account: Option<(String, String)> =
            sqlx::query_as("SELECT email, role FROM app_user WHERE id = $1")
                .bind(user.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let (label, role) = match account {
            Some((email, role)) => (Some(email), role.parse().ok()),
            None => (None, None),
        };
        append(
            &mut tx,
            now,
            &Actor::Account {
                user_id: user,
                role,
                label,
                meta,
            },
            AuditEntry::new("sign_in.success").record("session", user),
        )
        .await?;
        tx.commit().await?;
        Ok((
            token,
            Session {
                user_id: user,
                csrf_token: csrf,
            },
        ))
    }

    /// The session for a cookie token, if it is still live; refreshes its idle timer.
    pub async fn session(&self, token: &str, policy: SessionPolicy) -> Result<Option<Session>> {
        let now = self.now_ms();
        let idle_since = now - policy.idle.whole_milliseconds() as i64;
        let hash = hash_token(token);
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT s.user_id, s.csrf_token, s.last_seen_at FROM staff_session s \
             JOIN app_user u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.last_seen_at > $2 AND s.expires_at > $3 AND u.disabled_at IS NULL",
        )
        .bind(&hash)
        .bind(idle_since)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some((user_id, csrf_token, last_seen)) = row else {
            return Ok(None);
        };
        if now - last_seen >= TOUCH_EVERY_MS {
            sqlx::query("UPDATE staff_session SET last_seen_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(&hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(Session {
            user_id: parse(&user_id, "user id")?,
            csrf_token,
        }))
    }

    /// Ends a session (sign-out), recording it.
    pub async fn end_session(&self, actor: &Actor<'_>, token: &str) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let r = sqlx::query("DELETE FROM staff_session WHERE token_hash = $1")
            .bind(hash_token(token))
            .execute(&mut *tx)
            .await?;
        if r.rows_affected() > 0 {
            let entry = AuditEntry::new("sign_out");
            let entry = match actor.caller() {
                Some(c) => entry.record("session", c.user_id()),
                None => entry,
            };
            append(&mut tx, now, actor, entry).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes sessions that can no longer be used. Returns how many.
    pub async fn purge_sessions(&self, policy: SessionPolicy) -> Result<u64> {
        let now = self.now_ms();
        let r =
            sqlx::query("DELETE FROM staff_session WHERE last_seen_at <= $1 OR expires_at <= $2")
                .bind(now - policy.idle.whole_milliseconds() as i64)
                .bind(now)
                .execute(&self.pool)
                .await?;
        Ok(r.rows_affected())
    }
}
