//! Personal access tokens for API clients. The secret is shown once when
//! created; only its SHA-256 is kept. A token acts with its owner's current
//! role and sites, so changing the account changes what the token can reach,
//! and disabling the account stops it.

use crate::audit::{append, Actor, AuditEntry};
use crate::sessions::{hash_token, random_secret};
use crate::sql::parse;
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::validation::required_text;
use reconnect_domain::{Caller, TokenId, UserId};
use time::{Duration, OffsetDateTime};

/// Every token starts with this, so leaked tokens are easy to recognise.
pub const TOKEN_PREFIX: &str = "rcn_";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: TokenId,
    pub name: String,
    /// The first characters of the secret, to tell tokens apart.
    pub hint: String,
    pub created_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    name: String,
    hint: String,
    created_at: i64,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

const USED_EVERY_MS: i64 = 60_000;

impl Store {
    /// Creates a token for the caller. Returns the secret, which is never shown again.
    pub async fn create_token(
        &self,
        caller: &Caller,
        name: &str,
        lifetime: Option<Duration>,
    ) -> Result<(TokenId, String)> {
        let name = required_text(name, "a name for the token", 80)
            .map_err(|m| StoreError::invalid("name", &m))?;
        let id = TokenId::new();
        let secret = format!("{TOKEN_PREFIX}{}", random_secret());
        let hint: String = secret.chars().take(TOKEN_PREFIX.len() + 4).collect();
        let now = self.now_ms();
        let expires = lifetime.map(|d| now + d.whole_milliseconds() as i64);
        let mut tx = self.begin_read_write().await?;
        sqlx::query(
            "INSERT INTO api_token (id, user_id, name, token_hash, hint, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.to_string())
        .bind(caller.user_id().to_string())
        .bind(&name)
        .bind(hash_token(&secret))
        .bind(&hint)
        .bind(now)
        .bind(expires)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("api_token.create").record("api_token", id),
        )
        .await?;
        tx.commit().await?;
        Ok((id, secret))
    }

    /// The caller's own tokens, newest first.
    pub async fn list_tokens(&self, caller: &Caller) -> Result<Vec<ApiToken>> {
        let rows: Vec<TokenRow> = sqlx::query_as(
            "SELECT id, name, hint, created_at, expires_at, last_used_at, revoked_at FROM api_token \
             WHERE user_id = $1 ORDER BY created_at DESC",
        )
        .bind(caller.user_id().to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(ApiToken {
                    id: parse(&r.id, "token id")?,
                    name: r.name,
                    hint: r.hint,
                    created_at: from_millis(r.created_at),
                    expires_at: r.expires_at.map(from_millis),
                    last_used_at: r.last_used_at.map(from_millis),
                    revoked_at: r.revoked_at.map(from_millis),
                })
            })
            .collect()
    }

    /// Revokes one of the caller's own tokens. Someone else's token is NotFound.
    pub async fn revoke_token(&self, caller: &Caller, id: TokenId) -> Result<()> {
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let r = sqlx::query(
            "UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id.to_string())
        .bind(caller.user_id().to_string())
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("api_token.revoke").record("api_token", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The owner of a live token presented by an API client.
    pub async fn token_owner(&self, secret: &str) -> Result<Option<UserId>> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let now = self.now_ms();
        let hash = hash_token(secret);
        let row: Option<(String, Option<i64>)> = sqlx::query_as(
            "SELECT t.user_id, t.last_used_at FROM api_token t JOIN app_user u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) \
             AND u.disabled_at IS NULL",
        )
        .bind(&hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some((user, last_used)) = row else {
            return Ok(None);
        };
        if last_used.is_none_or(|t| now - t >= USED_EVERY_MS) {
            sqlx::query("UPDATE api_token SET last_used_at = $1 WHERE token_hash = $2")
                .bind(now)
                .bind(&hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(parse(&user, "user id")?))
    }
}
