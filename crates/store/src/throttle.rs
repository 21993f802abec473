//! Counting failed sign-ins, per account and per network address, so that
//! guessing passwords is slowed and then stopped for a while. Kept in the
//! database so that every instance of the service sees the same counts.

use crate::{Result, Store};
use reconnect_domain::clock::from_millis;
use time::{Duration, OffsetDateTime};

/// Limits for one kind of key (account or address).
#[derive(Clone, Copy, Debug)]
pub struct ThrottleRule {
    /// Failures are counted within this window, then forgotten.
    pub window: Duration,
    /// This many failures within the window locks the key.
    pub lock_after: i64,
    /// For this long.
    pub lock_for: Duration,
}

/// The state of one key after a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleState {
    pub failures: i64,
    pub locked_until: Option<OffsetDateTime>,
}

impl Store {
    /// When the key is locked, until when.
    pub async fn throttle_locked_until(&self, key: &str) -> Result<Option<OffsetDateTime>> {
        let now = self.now_ms();
        let until: Option<Option<i64>> =
            sqlx::query_scalar("SELECT locked_until FROM login_throttle WHERE throttle_key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
        Ok(until.flatten().filter(|u| *u > now).map(from_millis))
    }

    /// Counts a failure against the key, locking it when the rule says so.
    pub async fn throttle_fail(&self, key: &str, rule: ThrottleRule) -> Result<ThrottleState> {
        let now = self.now_ms();
        let window_start = now - rule.window.whole_milliseconds() as i64;
        let lock_until = now + rule.lock_for.whole_milliseconds() as i64;
        // One statement, so concurrent failures cannot lose a count.
        let (failures, locked_until): (i64, Option<i64>) = sqlx::query_as(
            "INSERT INTO login_throttle (throttle_key, failures, window_start_at, locked_until) \
             VALUES ($1, 1, $2, CASE WHEN $3 <= 1 THEN $4 ELSE NULL END) \
             ON CONFLICT (throttle_key) DO UPDATE SET \
               failures = CASE WHEN login_throttle.window_start_at < $5 THEN 1 ELSE login_throttle.failures + 1 END, \
               window_start_at = CASE WHEN login_throttle.window_start_at < $5 THEN $2 ELSE login_throttle.window_start_at END, \
               locked_until = CASE \
                 WHEN (CASE WHEN login_throttle.window_start_at < $5 THEN 1 ELSE login_throttle.failures + 1 END) >= $3 THEN $4 \
                 ELSE login_throttle.locked_until END \
             RETURNING failures, locked_until",
        )
        .bind(key)
        .bind(now)
        .bind(rule.lock_after)
        .bind(lock_until)
        .bind(window_start)
        .fetch_one(&self.pool)
        .await?;
        Ok(ThrottleState {
            failures,
            locked_until: locked_until.filter(|u| *u > now).map(from_millis),
        })
    }

    /// Forgets the failures of a key (after a successful sign-in).
    pub async fn throttle_clear(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
