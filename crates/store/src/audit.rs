//! The audit trail: who did what, to which record, when and from where.
//!
//! Events are only ever appended ([`append`] is the single writer, and both
//! engines have triggers that refuse UPDATE and DELETE on the table). Writes
//! of personal data call [`append`] on the same transaction as the change, so
//! a change without its audit row cannot be committed.

use crate::sql::{param_list, parse};
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::{from_millis, to_millis};
use reconnect_domain::{Caller, PersonId, RequestMeta, Role, SiteId, UserId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// Who an event is attributed to.
#[derive(Clone, Debug)]
pub enum Actor<'a> {
    /// A signed-in staff member.
    User(&'a Caller),
    /// Someone not signed in (for example a failed sign-in), with what they gave as their name.
    Anonymous {
        label: Option<String>,
        meta: &'a RequestMeta,
    },
    /// An account that has just proved who it is (a successful sign-in).
    Account {
        user_id: UserId,
        role: Option<Role>,
        label: Option<String>,
        meta: &'a RequestMeta,
    },
    /// An operator command run on the server (`reconnect user add`, `reconnect demo`).
    System(&'static str),
}

impl Actor<'_> {
    fn user_id(&self) -> Option<String> {
        match self {
            Actor::User(c) => Some(c.user_id().to_string()),
            Actor::Account { user_id, .. } => Some(user_id.to_string()),
            _ => None,
        }
    }

    fn role(&self) -> Option<&'static str> {
        match self {
            Actor::User(c) => Some(c.role().as_str()),
            Actor::Account { role, .. } => role.map(Role::as_str),
            _ => None,
        }
    }

    fn label(&self) -> Option<String> {
        match self {
            Actor::User(_) => None,
            Actor::Anonymous { label, .. } | Actor::Account { label, .. } => label.clone(),
            Actor::System(what) => Some(format!("system: {what}")),
        }
    }

    fn meta(&self) -> Option<&RequestMeta> {
        match self {
            Actor::User(c) => Some(&c.meta),
            Actor::Anonymous { meta, .. } | Actor::Account { meta, .. } => Some(meta),
            Actor::System(_) => None,
        }
    }

    /// The caller, when the actor is a signed-in user.
    pub fn caller(&self) -> Option<&Caller> {
        match self {
            Actor::User(c) => Some(c),
            _ => None,
        }
    }
}

/// What happened.
#[derive(Clone, Debug, Default)]
pub struct AuditEntry {
    /// Dotted verb, e.g. `person.view`, `user.update`, `sign_in.failure`.
    pub action: &'static str,
    pub record_type: Option<&'static str>,
    pub record_id: Option<String>,
    pub site_id: Option<SiteId>,
    pub person_id: Option<PersonId>,
    /// Short, non-sensitive detail (which fields changed, how many rows, why refused).
    pub detail: Option<String>,
}

impl AuditEntry {
    pub fn new(action: &'static str) -> Self {
        Self {
            action,
            ..Self::default()
        }
    }

    pub fn record(mut self, record_type: &'static str, id: impl ToString) -> Self {
        self.record_type = Some(record_type);
        self.record_id = Some(id.to_string());
        self
    }

    pub fn site(mut self, site: SiteId) -> Self {
        self.site_id = Some(site);
        self
    }

    pub fn person(mut self, person: PersonId) -> Self {
        self.person_id = Some(person);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Appends one event on the given connection (normally a transaction).
pub(crate) async fn append(
    conn: &mut AnyConnection,
    at: i64,
    actor: &Actor<'_>,
    entry: AuditEntry,
) -> Result<()> {
    let meta = actor.meta();
    sqlx::query(
        "INSERT INTO audit_event (at, actor_user_id, actor_label, actor_role, action, record_type, \
         record_id, site_id, person_id, ip, request_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(at)
    .bind(actor.user_id())
    .bind(actor.label())
    .bind(actor.role())
    .bind(entry.action)
    .bind(entry.record_type)
    .bind(entry.record_id)
    .bind(entry.site_id.map(|s| s.to_string()))
    .bind(entry.person_id.map(|p| p.to_string()))
    .bind(meta.and_then(|m| m.ip.clone()))
    .bind(meta.and_then(|m| m.request_id.clone()))
    .bind(entry.detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// One event as read back, with the acting user's name when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: OffsetDateTime,
    pub actor_user_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub actor_role: Option<Role>,
    pub action: String,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub site_id: Option<SiteId>,
    pub person_id: Option<PersonId>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
}

/// Narrows an audit query.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub person_id: Option<PersonId>,
    pub user_id: Option<UserId>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    /// Only events with a sequence number below this (for paging back).
    pub before_seq: Option<i64>,
    pub limit: u32,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    seq: i64,
    at: i64,
    actor_user_id: Option<String>,
    actor_name: Option<String>,
    actor_role: Option<String>,
    action: String,
    record_type: Option<String>,
    record_id: Option<String>,
    site_id: Option<String>,
    person_id: Option<String>,
    ip: Option<String>,
    request_id: Option<String>,
    detail: Option<String>,
}

impl AuditRow {
    pub(crate) fn into_record(self) -> Result<AuditRecord> {
        Ok(AuditRecord {
            seq: self.seq,
            at: from_millis(self.at),
            actor_user_id: self
                .actor_user_id
                .as_deref()
                .map(|s| parse(s, "audit actor"))
                .transpose()?,
            actor_name: self.actor_name,
            actor_role: self.actor_role.as_deref().and_then(|r| r.parse().ok()),
            action: self.action,
            record_type: self.record_type,
            record_id: self.record_id,
            site_id: self
                .site_id
                .as_deref()
                .map(|s| parse(s, "audit site"))
                .transpose()?,
            person_id: self
                .person_id
                .as_deref()
                .map(|s| parse(s, "audit person"))
                .transpose()?,
            ip: self.ip,
            request_id: self.request_id,
            detail: self.detail,
        })
    }
}

/// Record types an administrator may review: account and site management,
/// never case records.
const ADMIN_RECORD_TYPES: [&str; 4] = ["user", "site", "api_token", "session"];

impl Store {
    /// Records an event that changes nothing else (sign-in, sign-out, export).
    pub async fn audit(&self, actor: &Actor<'_>, entry: AuditEntry) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        append(&mut conn, self.now_ms(), actor, entry).await
    }

    /// The audit trail of the caller's sites (site managers only), newest first.
    pub async fn site_audit(
        &self,
        caller: &Caller,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRecord>> {
        let sites = caller.scope.audit_sites();
        if sites.is_empty() {
            return Err(StoreError::Forbidden);
        }
        let scope_clause = format!("a.site_id IN ({})", param_list(1, sites.len()));
        let binds: Vec<String> = sites.iter().map(|s| s.to_string()).collect();
        self.query_audit(&scope_clause, binds, filter).await
    }

    /// Account and site management events (administrators only), newest first.
    pub async fn admin_audit(
        &self,
        caller: &Caller,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRecord>> {
        if !caller.role().manages_users() {
            return Err(StoreError::Forbidden);
        }
        let scope_clause = format!(
            "a.person_id IS NULL AND (a.record_type IN ({}) OR a.action LIKE 'sign\\_%' ESCAPE '\\')",
            param_list(1, ADMIN_RECORD_TYPES.len())
        );
        let binds = ADMIN_RECORD_TYPES.iter().map(|s| s.to_string()).collect();
        self.query_audit(&scope_clause, binds, filter).await
    }

    async fn query_audit(
        &self,
        scope_clause: &str,
        mut binds: Vec<String>,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRecord>> {
        let mut sql = format!(
            "SELECT a.seq, a.at, a.actor_user_id, COALESCE(u.display_name, a.actor_label) AS actor_name, \
             a.actor_role, a.action, a.record_type, a.record_id, a.site_id, a.person_id, a.ip, \
             a.request_id, a.detail FROM audit_event a LEFT JOIN app_user u ON u.id = a.actor_user_id \
             WHERE {scope_clause}"
        );
        let mut ints: Vec<i64> = Vec::new();
        if let Some(p) = filter.person_id {
            binds.push(p.to_string());
            sql.push_str(&format!(" AND a.person_id = ${}", binds.len()));
        }
        if let Some(u) = filter.user_id {
            binds.push(u.to_string());
            sql.push_str(&format!(" AND a.actor_user_id = ${}", binds.len()));
        }
        let mut next = binds.len();
        for (cond, value) in [
            ("a.at >= ", filter.from.map(to_millis)),
            ("a.at < ", filter.to.map(to_millis)),
            ("a.seq < ", filter.before_seq),
        ] {
            if let Some(v) = value {
                next += 1;
                ints.push(v);
                sql.push_str(&format!(" AND {cond}${next}"));
            }
        }
        let limit = filter.limit.clamp(1, 500);
        sql.push_str(&format!(" ORDER BY a.seq DESC LIMIT {limit}"));
        let mut q = sqlx::query_as::<_, AuditRow>(&sql);
        for b in binds {
            q = q.bind(b);
        }
        for i in ints {
            q = q.bind(i);
        }
        q.fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(AuditRow::into_record)
            .collect()
    }
}
