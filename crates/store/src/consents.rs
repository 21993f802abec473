//! Consent as data: consent to take part in RECONNECT and consent to share
//! information with kinds of partner, recorded against an episode, and
//! their withdrawals.
//!
//! Rows are never changed (append-only triggers in 0007): recording consent
//! again is a new row, and withdrawal is a row of its own that takes effect
//! the day it is recorded. What is current is derived on reading: not
//! withdrawn, and not expired, as of today. Taking part is voluntary: the
//! only basis stored is the person's own choice (the domain's
//! [`EngagementBasis`] refuses anything else, and the table checks it too).
//!
//! Consents are child records of the episode: every action checks that the
//! episode's person is at one of the caller's case sites. Recording needs a
//! role that changes case records; recording a withdrawal is open to every
//! case role (a peer mentor who hears it must be able to act on it), and is
//! never refused, even after the episode has ended.

use crate::allocation::scoped_episode;
use crate::audit::{append, Actor, AuditEntry};
use crate::episodes::iso;
use crate::sql::parse;
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::consent::{
    ConsentMethod, ConsentToTakePart, EngagementBasis, SharingConsent, SharingConsentStatus,
    SharingPartner,
};
use reconnect_domain::{Caller, ConsentId, EpisodeId};
use time::{Date, OffsetDateTime};

/// What the person consented to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConsentSubject {
    /// To take part in RECONNECT, and how they said so.
    TakePart { how: ConsentMethod },
    /// To information being shared with one kind of partner.
    Sharing {
        partner: SharingPartner,
        scope: String,
        expires_on: Option<Date>,
    },
}

/// One consent as recorded, with its withdrawal if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentRecord {
    pub id: ConsentId,
    pub episode_id: EpisodeId,
    pub subject: ConsentSubject,
    pub basis: EngagementBasis,
    pub given_on: Date,
    pub recorded_at: OffsetDateTime,
    pub recorded_by_name: String,
    pub withdrawal: Option<Withdrawal>,
}

/// When and by whom a consent was withdrawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    pub on: Date,
    pub at: OffsetDateTime,
    pub by_name: String,
    pub reason: Option<String>,
}

impl ConsentRecord {
    /// Where the consent stands on `today` (withdrawal wins over everything).
    pub fn status(&self, today: Date) -> SharingConsentStatus {
        let withdrawn_on = self.withdrawal.as_ref().map(|w| w.on);
        match &self.subject {
            ConsentSubject::Sharing {
                partner,
                scope,
                expires_on,
            } => SharingConsent::from_stored(
                *partner,
                self.given_on,
                scope.clone(),
                *expires_on,
                withdrawn_on,
            )
            .map(|c| c.status(today))
            // A stored row that breaks the rules never counts as consent.
            .unwrap_or(SharingConsentStatus::Withdrawn),
            ConsentSubject::TakePart { .. } => {
                if withdrawn_on.is_some_and(|w| w <= today) {
                    SharingConsentStatus::Withdrawn
                } else if today < self.given_on {
                    SharingConsentStatus::NotYetGiven
                } else {
                    SharingConsentStatus::Active
                }
            }
        }
    }

    /// Does this consent hold today?
    pub fn is_current(&self, today: Date) -> bool {
        self.status(today) == SharingConsentStatus::Active
    }
}

/// id, episode, kind, basis, method, partner, scope, given_on, expires_on,
/// recorded_at, recorded_by name, withdrawn_on, withdrawn_at, withdrawn_by name, reason.
type ConsentRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    i64,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

fn date(s: &str) -> Result<Date> {
    Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| StoreError::Corrupt(format!("date {s:?}")))
}

fn into_record(r: ConsentRow) -> Result<ConsentRecord> {
    let (
        id,
        ep,
        kind,
        basis,
        method,
        partner,
        scope,
        given,
        expires,
        at,
        by,
        w_on,
        w_at,
        w_by,
        w_reason,
    ) = r;
    let subject = match (kind.as_str(), method, partner, scope) {
        ("take_part", Some(m), None, None) => ConsentSubject::TakePart {
            how: ConsentMethod::parse(&m)
                .map_err(|_| StoreError::Corrupt("consent method".into()))?,
        },
        ("sharing", None, Some(p), Some(scope)) => ConsentSubject::Sharing {
            partner: SharingPartner::parse(&p)
                .map_err(|_| StoreError::Corrupt("sharing partner".into()))?,
            scope,
            expires_on: expires.as_deref().map(date).transpose()?,
        },
        _ => return Err(StoreError::Corrupt("consent kind".into())),
    };
    let withdrawal = match (w_on, w_at, w_by) {
        (Some(on), Some(at), Some(by_name)) => Some(Withdrawal {
            on: date(&on)?,
            at: from_millis(at),
            by_name,
            reason: w_reason,
        }),
        _ => None,
    };
    Ok(ConsentRecord {
        id: parse(&id, "consent id")?,
        episode_id: parse(&ep, "episode id")?,
        subject,
        basis: EngagementBasis::parse(&basis)
            .map_err(|_| StoreError::Corrupt("engagement basis".into()))?,
        given_on: date(&given)?,
        recorded_at: from_millis(at),
        recorded_by_name: by,
        withdrawal,
    })
}

const CONSENT_SELECT: &str =
    "SELECT c.id, c.episode_id, c.kind, c.basis, c.method, c.partner, c.scope, \
     c.given_on, c.expires_on, c.recorded_at, r.display_name, w.withdrawn_on, w.withdrawn_at, \
     wu.display_name, w.reason \
     FROM consent_record c JOIN app_user r ON r.id = c.recorded_by \
     LEFT JOIN consent_withdrawal w ON w.consent_id = c.id \
     LEFT JOIN app_user wu ON wu.id = w.withdrawn_by";

impl Store {
    /// Every consent recorded for the episode, newest first, withdrawn and
    /// expired ones included (the page says which hold today). Audited as a
    /// read of the person's record.
    pub async fn consents(
        &self,
        caller: &Caller,
        episode: EpisodeId,
    ) -> Result<Vec<ConsentRecord>> {
        let mut tx = self.begin_audited_read().await?;
        let (site, person, _) = scoped_episode(&mut tx, episode, caller.scope.case_sites()).await?;
        let rows: Vec<ConsentRow> = sqlx::query_as(&format!(
            "{CONSENT_SELECT} WHERE c.episode_id = $1 ORDER BY c.recorded_at DESC, c.id DESC"
        ))
        .bind(episode.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let records = rows
            .into_iter()
            .map(into_record)
            .collect::<Result<Vec<_>>>()?;
        tx.finish(
            self,
            self.now_ms(),
            &Actor::User(caller),
            AuditEntry::new("consent.view")
                .record("episode", episode)
                .site(site)
                .person(person)
                .detail(format!("{} consents listed", records.len())),
        )
        .await?;
        Ok(records)
    }

    /// Records that the person agreed to take part, on their own choice.
    pub async fn record_consent_to_take_part(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        consent: &ConsentToTakePart,
        basis: EngagementBasis,
    ) -> Result<ConsentId> {
        let how = consent.how;
        self.record_consent(
            caller,
            episode,
            basis,
            consent.given_on,
            ConsentSubject::TakePart { how },
            format!("take part: {}", how.code()),
        )
        .await
    }

    /// Records that the person agreed to information being shared with one
    /// kind of partner.
    pub async fn record_sharing_consent(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        consent: &SharingConsent,
    ) -> Result<ConsentId> {
        self.record_consent(
            caller,
            episode,
            EngagementBasis::Voluntary,
            consent.given_on(),
            ConsentSubject::Sharing {
                partner: consent.partner(),
                scope: consent.scope().to_string(),
                expires_on: consent.expires_on(),
            },
            format!("sharing with {}", consent.partner().code()),
        )
        .await
    }

    async fn record_consent(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        basis: EngagementBasis,
        given_on: Date,
        subject: ConsentSubject,
        detail: String,
    ) -> Result<ConsentId> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let (site, person, ended) =
            scoped_episode(&mut tx, episode, caller.scope.case_write_sites()).await?;
        if ended {
            return Err(StoreError::Refused(
                "This episode has ended, so consent cannot be recorded for it. Withdrawals can still be recorded".into(),
            ));
        }
        let (kind, method, partner, scope, expires_on) = match &subject {
            ConsentSubject::TakePart { how } => ("take_part", Some(how.code()), None, None, None),
            ConsentSubject::Sharing {
                partner,
                scope,
                expires_on,
            } => (
                "sharing",
                None,
                Some(partner.code()),
                Some(scope.clone()),
                expires_on.map(iso),
            ),
        };
        let id = ConsentId::new();
        sqlx::query(
            "INSERT INTO consent_record (id, episode_id, kind, basis, method, partner, scope, given_on, \
             expires_on, recorded_at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(id.to_string())
        .bind(episode.to_string())
        .bind(kind)
        .bind(basis.code())
        .bind(method)
        .bind(partner)
        .bind(scope)
        .bind(iso(given_on))
        .bind(expires_on)
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("consent.record")
                .record("consent", id)
                .site(site)
                .person(person)
                .detail(detail),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Records that the person withdrew a consent, effective today. Never
    /// refused for a consent the caller can see; withdrawing again changes
    /// nothing and returns `false`.
    pub async fn withdraw_consent(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        consent: ConsentId,
        reason: Option<&str>,
    ) -> Result<bool> {
        if !caller.role().reads_cases() {
            return Err(StoreError::Forbidden);
        }
        let today = self.now().date();
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let (site, person, _) = scoped_episode(&mut tx, episode, caller.scope.case_sites()).await?;
        let row: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT c.given_on, w.withdrawn_on FROM consent_record c \
             LEFT JOIN consent_withdrawal w ON w.consent_id = c.id \
             WHERE c.id = $1 AND c.episode_id = $2",
        )
        .bind(consent.to_string())
        .bind(episode.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let (given_on, withdrawn) = row.ok_or(StoreError::NotFound)?;
        if withdrawn.is_some() {
            return Ok(false);
        }
        // Effective today; a consent recorded with a later date is withdrawn
        // from that date, so it never starts.
        let on = today.max(date(&given_on)?);
        let inserted = sqlx::query(
            "INSERT INTO consent_withdrawal (consent_id, withdrawn_on, withdrawn_at, withdrawn_by, reason) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(consent.to_string())
        .bind(iso(on))
        .bind(now)
        .bind(caller.user_id().to_string())
        .bind(reason.map(str::to_string))
        .execute(&mut *tx)
        .await;
        match inserted {
            // Withdrawn by someone else at the same moment: it is withdrawn.
            Err(e) if StoreError::is_unique_violation(&e) => return Ok(false),
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("consent.withdraw")
                .record("consent", consent)
                .site(site)
                .person(person),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
