//! Reading the outbox: a person's messages (with why none can be sent, when
//! that is so) for staff at the person's site, and the log of "messages that
//! would have been sent" by the log sender for site managers' sites and for
//! each member of staff's own reminders. Every read is scoped in SQL and
//! audited.

use crate::audit::{Actor, AuditEntry};
use crate::contact_preferences::{current_in, person_site};
use crate::outbox::{Message, MessageRow, MESSAGE_COLUMNS};
use crate::sql::param_list;
use crate::{Result, Store};
use reconnect_domain::message::{why_not_contactable, ContactPreferences};
use reconnect_domain::{Caller, PersonId, Role};

/// A person's messages and whether more can be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonMessages {
    pub messages: Vec<Message>,
    pub preferences: Option<ContactPreferences>,
    /// Why no message can be sent to the person, if so.
    pub cannot_send_because: Option<&'static str>,
}

impl Store {
    /// The messages to one person, newest first, if the person is at one of
    /// the caller's case sites (else `NotFound`); audited.
    pub async fn person_messages(
        &self,
        caller: &Caller,
        person: PersonId,
    ) -> Result<PersonMessages> {
        let mut tx = self.begin_audited_read().await?;
        let site = person_site(&mut tx, person, caller.scope.case_sites()).await?;
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE person_id = $1 \
             ORDER BY created_at DESC, id LIMIT 200"
        ))
        .bind(person.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let preferences = current_in(&mut tx, person).await?;
        tx.finish(
            self,
            self.now_ms(),
            &Actor::User(caller),
            AuditEntry::new("messages.view")
                .record("person", person)
                .site(site)
                .person(person),
        )
        .await?;
        Ok(PersonMessages {
            messages: rows
                .into_iter()
                .map(MessageRow::into_message)
                .collect::<Result<_>>()?,
            cannot_send_because: why_not_contactable(preferences.as_ref()),
            preferences,
        })
    }

    /// Messages the log sender recorded instead of sending, newest first:
    /// for a site manager, every message at their sites; for anyone else,
    /// the messages addressed to them. Audited.
    pub async fn would_have_sent(&self, caller: &Caller) -> Result<Vec<Message>> {
        let sites = if caller.role() == Role::SiteManager {
            caller.scope.case_sites()
        } else {
            &[]
        };
        let by_site = if sites.is_empty() {
            String::new()
        } else {
            format!(" OR site_id IN ({})", param_list(2, sites.len()))
        };
        let sql = format!(
            "SELECT {MESSAGE_COLUMNS} FROM outbox WHERE sent_via = 'log' \
             AND (user_id = $1{by_site}) ORDER BY sent_at DESC, id LIMIT 200"
        );
        let mut tx = self.begin_audited_read().await?;
        let mut q = sqlx::query_as::<_, MessageRow>(&sql).bind(caller.user_id().to_string());
        for s in sites {
            q = q.bind(s.to_string());
        }
        let rows = q.fetch_all(&mut *tx).await?;
        tx.finish(
            self,
            self.now_ms(),
            &Actor::User(caller),
            AuditEntry::new("messages.log_view").detail(format!("{} messages", rows.len())),
        )
        .await?;
        rows.into_iter().map(MessageRow::into_message).collect()
    }
}
