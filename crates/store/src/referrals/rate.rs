//! Rate limits on the public referral form, counted per client address in
//! the database (so every instance of the service sees the same counts).
//! Only referrals that would be stored are counted, so someone correcting
//! mistakes on the form is never turned away; a refused submission is not
//! counted either.

use crate::Result;
use sqlx::AnyConnection;

/// Referrals one address may send in an hour: enough for a family member
/// filling in the form for two relatives, or a support worker helping a few
/// people at a drop-in, and far too few for anyone flooding a site's queue.
pub const PER_HOUR: i64 = 5;
/// Referrals one address may send in a day (a busy drop-in's computer).
pub const PER_DAY: i64 = 20;

const HOUR_MS: i64 = 60 * 60 * 1000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Counts one submission from `client_key` at `now` (milliseconds) on the
/// caller's transaction. `false` when either limit is exceeded: the caller
/// then rolls back, so the refused attempt is not counted.
pub(crate) async fn take(conn: &mut AnyConnection, client_key: &str, now: i64) -> Result<bool> {
    let hour = count(conn, client_key, "hour", HOUR_MS, now).await?;
    let day = count(conn, client_key, "day", DAY_MS, now).await?;
    Ok(hour <= PER_HOUR && day <= PER_DAY)
}

/// Adds one to the key's count for `period`, starting a new window when the
/// current one is older than `length`; one statement, so concurrent
/// submissions cannot lose a count. Returns the count including this one.
async fn count(
    conn: &mut AnyConnection,
    client_key: &str,
    period: &str,
    length: i64,
    now: i64,
) -> Result<i64> {
    let expired_before = now - length;
    let n: i64 = sqlx::query_scalar(
        "INSERT INTO referral_rate (client_key, period, window_start, submissions) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (client_key, period) DO UPDATE SET \
           submissions = CASE WHEN referral_rate.window_start <= $4 THEN 1 ELSE referral_rate.submissions + 1 END, \
           window_start = CASE WHEN referral_rate.window_start <= $4 THEN $3 ELSE referral_rate.window_start END \
         RETURNING submissions",
    )
    .bind(client_key.to_string())
    .bind(period.to_string())
    .bind(now)
    .bind(expired_before)
    .fetch_one(conn)
    .await?;
    Ok(n)
}
