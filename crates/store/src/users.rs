//! Staff accounts: who they are, their role and sites, and their password hash
//! (hashing itself happens in the web layer, off the async runtime). Only
//! administrators and operator commands create or change accounts, and every
//! change is audited in the same transaction.

use crate::audit::{append, Actor, AuditEntry};
use crate::sql::{param_list, parse};
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::validation::required_text;
use reconnect_domain::{Caller, EmailAddress, FieldError, Role, Scope, SiteId, UserId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// A staff account as shown to administrators and in the page header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: EmailAddress,
    pub display_name: String,
    pub role: Role,
    pub sites: Vec<SiteId>,
    pub disabled: bool,
    pub created_at: OffsetDateTime,
}

/// What sign-in needs to check a password.
#[derive(Clone, Debug)]
pub struct Credentials {
    pub user_id: UserId,
    pub password_hash: String,
    pub disabled: bool,
}

/// A new account, already parsed.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: EmailAddress,
    pub display_name: String,
    pub role: Role,
    pub sites: Vec<SiteId>,
    pub password_hash: String,
}

/// A change to an account's name, role or sites.
#[derive(Clone, Debug)]
pub struct UserChange {
    pub display_name: String,
    pub role: Role,
    pub sites: Vec<SiteId>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    email: String,
    display_name: String,
    role: String,
    disabled_at: Option<i64>,
    created_at: i64,
}

fn may_manage_users(actor: &Actor<'_>) -> bool {
    match actor {
        Actor::User(c) => c.role().manages_users(),
        Actor::System(_) => true,
        Actor::Anonymous { .. } | Actor::Account { .. } => false,
    }
}

async fn sites_of(conn: &mut AnyConnection, user: &str) -> Result<Vec<SiteId>> {
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT site_id FROM user_site WHERE user_id = $1 ORDER BY site_id")
            .bind(user)
            .fetch_all(conn)
            .await?;
    ids.iter().map(|s| parse(s, "site id")).collect()
}

async fn set_sites(conn: &mut AnyConnection, user: UserId, sites: &[SiteId]) -> Result<()> {
    sqlx::query("DELETE FROM user_site WHERE user_id = $1")
        .bind(user.to_string())
        .execute(&mut *conn)
        .await?;
    // A site given twice is one membership (not a unique-constraint error).
    let mut sites = sites.to_vec();
    sites.sort();
    sites.dedup();
    for site in &sites {
        let r = sqlx::query(
            "INSERT INTO user_site (user_id, site_id) SELECT $1, id FROM site WHERE id = $2",
        )
        .bind(user.to_string())
        .bind(site.to_string())
        .execute(&mut *conn)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::invalid("sites", "Choose sites from the list"));
        }
    }
    Ok(())
}

fn validate_name(name: &str) -> Result<String> {
    required_text(name, "a name", 100).map_err(|m| StoreError::invalid("display_name", &m))
}

impl UserRow {
    async fn into_user(self, conn: &mut AnyConnection) -> Result<User> {
        let sites = sites_of(conn, &self.id).await?;
        Ok(User {
            id: parse(&self.id, "user id")?,
            email: EmailAddress::parse(&self.email)
                .map_err(|_| StoreError::Corrupt("user email".into()))?,
            display_name: self.display_name,
            role: parse(&self.role, "role")?,
            sites,
            disabled: self.disabled_at.is_some(),
            created_at: from_millis(self.created_at),
        })
    }
}

const USER_COLUMNS: &str = "id, email, display_name, role, disabled_at, created_at";

impl Store {
    /// Creates an account. Administrators and operator commands only.
    pub async fn create_user(&self, actor: &Actor<'_>, new: NewUser) -> Result<UserId> {
        if !may_manage_users(actor) {
            return Err(StoreError::Forbidden);
        }
        let name = validate_name(&new.display_name)?;
        let id = UserId::new();
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO app_user (id, email, display_name, role, password_hash, created_at, password_changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(id.to_string())
        .bind(new.email.as_str())
        .bind(&name)
        .bind(new.role.as_str())
        .bind(&new.password_hash)
        .bind(now)
        .execute(&mut *tx)
        .await;
        match inserted {
            Err(e) if StoreError::is_unique_violation(&e) => {
                return Err(StoreError::invalid(
                    "email",
                    "An account with this email address already exists",
                ))
            }
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
        set_sites(&mut tx, id, &new.sites).await?;
        append(
            &mut tx,
            now,
            actor,
            AuditEntry::new("user.create")
                .record("user", id)
                .detail(format!("role {}; {} site(s)", new.role, new.sites.len())),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Looks up the password hash for a sign-in attempt. No scope: the caller
    /// is not yet known. Never reveal the result to the person signing in.
    pub async fn credentials(&self, email: &EmailAddress) -> Result<Option<Credentials>> {
        let row: Option<(String, String, Option<i64>)> =
            sqlx::query_as("SELECT id, password_hash, disabled_at FROM app_user WHERE email = $1")
                .bind(email.as_str())
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(id, password_hash, disabled_at)| {
            Ok(Credentials {
                user_id: parse(&id, "user id")?,
                password_hash,
                disabled: disabled_at.is_some(),
            })
        })
        .transpose()
    }

    /// The password hash of a signed-in user (to confirm their current password).
    pub async fn own_password_hash(&self, caller: &Caller) -> Result<String> {
        sqlx::query_scalar(
            "SELECT password_hash FROM app_user WHERE id = $1 AND disabled_at IS NULL",
        )
        .bind(caller.user_id().to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// The account and scope of an active user, used to build each request's caller.
    pub async fn active_user(&self, id: UserId) -> Result<Option<(User, Scope)>> {
        let mut conn = self.pool.acquire().await?;
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM app_user WHERE id = $1 AND disabled_at IS NULL"
        ))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = row.into_user(&mut conn).await?;
        let scope = Scope {
            user_id: user.id,
            role: user.role,
            sites: user.sites.clone(),
        };
        Ok(Some((user, scope)))
    }

    /// All accounts (administrators only), by name.
    pub async fn list_users(&self, caller: &Caller) -> Result<Vec<User>> {
        if !caller.role().manages_users() {
            return Err(StoreError::Forbidden);
        }
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM app_user ORDER BY display_name, email"
        ))
        .fetch_all(&mut *conn)
        .await?;
        let mut users = Vec::with_capacity(rows.len());
        for row in rows {
            users.push(row.into_user(&mut conn).await?);
        }
        Ok(users)
    }

    /// The staff of some sites, for site managers choosing filters. Names only.
    pub async fn staff_of_sites(&self, caller: &Caller) -> Result<Vec<(UserId, String)>> {
        let sites = caller.scope.audit_sites();
        if sites.is_empty() {
            return Err(StoreError::Forbidden);
        }
        let sql = format!(
            "SELECT DISTINCT u.id, u.display_name FROM app_user u JOIN user_site us ON us.user_id = u.id \
             WHERE us.site_id IN ({}) ORDER BY u.display_name",
            param_list(1, sites.len())
        );
        let mut q = sqlx::query_as::<_, (String, String)>(&sql);
        for s in sites {
            q = q.bind(s.to_string());
        }
        q.fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|(id, name)| Ok((parse(&id, "user id")?, name)))
            .collect()
    }

    /// One account (administrators only).
    pub async fn get_user(&self, caller: &Caller, id: UserId) -> Result<User> {
        if !caller.role().manages_users() {
            return Err(StoreError::Forbidden);
        }
        let mut conn = self.pool.acquire().await?;
        let row: Option<UserRow> = sqlx::query_as(&format!(
            "SELECT {USER_COLUMNS} FROM app_user WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        match row {
            Some(r) => r.into_user(&mut conn).await,
            None => Err(StoreError::NotFound),
        }
    }

    /// Changes an account's name, role and sites (administrators only). An
    /// administrator cannot take away their own administrator role.
    pub async fn update_user(&self, caller: &Caller, id: UserId, change: UserChange) -> Result<()> {
        let before = self.get_user(caller, id).await?;
        if id == caller.user_id() && change.role != Role::Admin {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "role",
                "You cannot remove your own administrator role. Ask another administrator",
            )]));
        }
        let name = validate_name(&change.display_name)?;
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        sqlx::query("UPDATE app_user SET display_name = $1, role = $2 WHERE id = $3")
            .bind(&name)
            .bind(change.role.as_str())
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        set_sites(&mut tx, id, &change.sites).await?;
        let mut changed = Vec::new();
        if before.display_name != name {
            changed.push("name".to_string());
        }
        if before.role != change.role {
            changed.push(format!("role {} to {}", before.role, change.role));
        }
        let mut sites_before = before.sites.clone();
        let mut sites_after = change.sites.clone();
        sites_before.sort();
        sites_after.sort();
        sites_after.dedup();
        if sites_before != sites_after {
            changed.push(format!(
                "sites {} to {}",
                sites_before.len(),
                sites_after.len()
            ));
        }
        if before.role != change.role || sites_before != sites_after {
            // A change of access ends existing sessions, so it takes effect at once.
            end_sessions_of(&mut tx, id).await?;
        }
        let detail = if changed.is_empty() {
            "no change".to_string()
        } else {
            changed.join("; ")
        };
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("user.update")
                .record("user", id)
                .detail(detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables or re-enables an account (administrators only). Disabling ends
    /// its sessions and revokes its API tokens at once.
    pub async fn set_user_disabled(
        &self,
        caller: &Caller,
        id: UserId,
        disabled: bool,
    ) -> Result<()> {
        self.get_user(caller, id).await?;
        if id == caller.user_id() && disabled {
            return Err(StoreError::Conflict(
                "You cannot disable your own account".into(),
            ));
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        sqlx::query("UPDATE app_user SET disabled_at = $1 WHERE id = $2")
            .bind(if disabled { Some(now) } else { None })
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if disabled {
            end_sessions_of(&mut tx, id).await?;
            sqlx::query(
                "UPDATE api_token SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new(if disabled {
                "user.disable"
            } else {
                "user.enable"
            })
            .record("user", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password hash. A user may change their own; operator
    /// commands may set anyone's. Every other session of the user ends.
    pub async fn set_password(
        &self,
        actor: &Actor<'_>,
        id: UserId,
        password_hash: &str,
        keep_session: Option<&str>,
    ) -> Result<()> {
        let allowed = match actor {
            Actor::User(c) => c.user_id() == id,
            Actor::System(_) => true,
            Actor::Anonymous { .. } | Actor::Account { .. } => false,
        };
        if !allowed {
            return Err(StoreError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let r = sqlx::query(
            "UPDATE app_user SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
        )
        .bind(password_hash)
        .bind(now)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let keep = keep_session
            .map(crate::sessions::hash_token)
            .unwrap_or_default();
        sqlx::query("DELETE FROM staff_session WHERE user_id = $1 AND token_hash <> $2")
            .bind(id.to_string())
            .bind(keep)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            now,
            actor,
            AuditEntry::new("user.password_change").record("user", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Finds an account by email, for operator commands.
    pub async fn find_user_id(&self, email: &EmailAddress) -> Result<Option<UserId>> {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM app_user WHERE email = $1")
            .bind(email.as_str())
            .fetch_optional(&self.pool)
            .await?;
        id.map(|s| parse(&s, "user id")).transpose()
    }
}

pub(crate) async fn end_sessions_of(conn: &mut AnyConnection, id: UserId) -> Result<()> {
    sqlx::query("DELETE FROM staff_session WHERE user_id = $1")
        .bind(id.to_string())
        .execute(conn)
        .await?;
    Ok(())
}
