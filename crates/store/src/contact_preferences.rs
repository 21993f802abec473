//! How a person wants to be contacted, recorded with their consent.
//!
//! Rows of `contact_preference` are never changed (append-only triggers in
//! 0011): a new choice is a new row and the latest one is current, so the
//! history of who recorded what, and when, is kept. The person must be at
//! one of the caller's case sites for every read and write; reads are
//! audited as part of the person's record.

use crate::audit::{append, Actor, AuditEntry};
use crate::sql::{param_list, parse};
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::message::{Channel, ContactPreferences};
use reconnect_domain::{Caller, PersonId, SiteId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// One recorded choice, with who recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactPreferenceRecord {
    pub preferences: ContactPreferences,
    pub recorded_at: OffsetDateTime,
    pub recorded_by_name: String,
}

type Row = (String, Option<String>, String, i64, String);

fn into_record(r: Row) -> Result<ContactPreferenceRecord> {
    Ok(ContactPreferenceRecord {
        preferences: ContactPreferences {
            channel: Channel::parse(&r.0).map_err(|_| StoreError::Corrupt("channel".into()))?,
            address: r.1,
            may_name_service: r.2 == "yes",
        },
        recorded_at: from_millis(r.3),
        recorded_by_name: r.4,
    })
}

/// The person's site, when the person is at one of `sites`; else `NotFound`.
pub(crate) async fn person_site(
    conn: &mut AnyConnection,
    person: PersonId,
    sites: &[SiteId],
) -> Result<SiteId> {
    if sites.is_empty() {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "SELECT site_id FROM person WHERE id = $1 AND site_id IN ({})",
        param_list(2, sites.len())
    );
    let mut q = sqlx::query_scalar::<_, String>(&sql).bind(person.to_string());
    for s in sites {
        q = q.bind(s.to_string());
    }
    let site = q.fetch_optional(conn).await?.ok_or(StoreError::NotFound)?;
    parse(&site, "site id")
}

/// The person's current preferences (the latest row), if any were recorded.
pub(crate) async fn current_in(
    conn: &mut AnyConnection,
    person: PersonId,
) -> Result<Option<ContactPreferences>> {
    Ok(history_in(conn, person)
        .await?
        .into_iter()
        .next()
        .map(|r| r.preferences))
}

async fn history_in(
    conn: &mut AnyConnection,
    person: PersonId,
) -> Result<Vec<ContactPreferenceRecord>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.channel, c.address, c.may_name_service, c.recorded_at, u.display_name \
         FROM contact_preference c JOIN app_user u ON u.id = c.recorded_by \
         WHERE c.person_id = $1 ORDER BY c.seq DESC",
    )
    .bind(person.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(into_record).collect()
}

impl Store {
    /// Records the person's contact preferences (a new row; the old ones
    /// stay as history). The caller must change case records at the
    /// person's site; audited.
    pub async fn record_contact_preferences(
        &self,
        caller: &Caller,
        person: PersonId,
        prefs: &ContactPreferences,
    ) -> Result<()> {
        let mut tx = self.begin_read_write().await?;
        let site = person_site(&mut tx, person, caller.scope.case_write_sites()).await?;
        let now = self.now_ms();
        sqlx::query(
            "INSERT INTO contact_preference (person_id, channel, address, may_name_service, \
             recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(person.to_string())
        .bind(prefs.channel.code())
        .bind(prefs.address.clone())
        .bind(if prefs.may_name_service { "yes" } else { "no" })
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("contact_preferences.record")
                .record("person", person)
                .site(site)
                .person(person)
                .detail(format!("channel {}", prefs.channel.code())),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every recorded choice, newest first (the first is current); audited.
    pub async fn contact_preference_history(
        &self,
        caller: &Caller,
        person: PersonId,
    ) -> Result<Vec<ContactPreferenceRecord>> {
        let mut tx = self.begin_audited_read().await?;
        let site = person_site(&mut tx, person, caller.scope.case_sites()).await?;
        let history = history_in(&mut tx, person).await?;
        tx.finish(
            self,
            self.now_ms(),
            &Actor::User(caller),
            AuditEntry::new("contact_preferences.view")
                .record("person", person)
                .site(site)
                .person(person),
        )
        .await?;
        Ok(history)
    }
}
