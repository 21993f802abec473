//! Referrals arriving: through the public form (no sign-in) or entered by
//! staff. Each lands at the site serving the named prison, or the site
//! chosen when the prison is not known, with a new reference.
//!
//! The public form never learns anything about existing records: nothing
//! here compares a referral with the people already supported (that is
//! triage's job, behind sign-in). What it does check is its own past: the
//! same referral sent again from the same address within
//! [`REPEAT_WINDOW_MS`] (a double click, a refresh) is the same referral, and
//! the first one's reference is given again.

use super::rate;
use super::{append_event, ReferralStatus};
use crate::audit::{append, Actor, AuditEntry};
use crate::episodes::iso;
use crate::sql::{param_list, parse};
use crate::{Engine, Result, Store, StoreError};
use rand::RngCore;
use reconnect_domain::id::ReferralId;
use reconnect_domain::referral::NewReferral;
use reconnect_domain::referral_reference::{ReferralReference, CODE_CHARS};
use reconnect_domain::{Caller, RequestMeta, SiteId};
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

/// The same referral sent again from the same address within this long
/// (milliseconds) is treated as the first one.
pub const REPEAT_WINDOW_MS: i64 = 10 * 60 * 1000;

/// What became of a public form submission.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PublicOutcome {
    /// Stored, with this reference.
    Received(ReferralReference),
    /// The same referral was already received from this address a moment
    /// ago: nothing new stored, and this is the first one's reference.
    AlreadyReceived(ReferralReference),
    /// Too many referrals from this address: nothing stored.
    TooMany,
}

/// A new random reference.
fn random_reference() -> ReferralReference {
    let mut bytes = [0u8; CODE_CHARS];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    ReferralReference::from_random(bytes)
}

/// A reference no referral has yet (the unique index is the final guard).
async fn unused_reference(conn: &mut AnyConnection) -> Result<ReferralReference> {
    for _ in 0..8 {
        let candidate = random_reference();
        let taken: Option<String> =
            sqlx::query_scalar("SELECT id FROM referral WHERE reference = $1")
                .bind(candidate.as_str().to_string())
                .fetch_optional(&mut *conn)
                .await?;
        if taken.is_none() {
            return Ok(candidate);
        }
    }
    Err(StoreError::Conflict(
        "Could not make a new referral reference. Try again".into(),
    ))
}

/// The site the referral lands at: the prison's site, or the chosen site.
/// With `within`, only those sites are allowed (staff entering a referral).
async fn landing_site(
    conn: &mut AnyConnection,
    new: &NewReferral,
    within: Option<&[SiteId]>,
) -> Result<SiteId> {
    let (field, sql, id, message) = match (new.prison_id, new.site_id) {
        (Some(prison), _) => (
            "prison_id",
            "SELECT site_id FROM prison WHERE id = $1",
            prison.to_string(),
            if within.is_some() {
                "Choose a prison that your site serves"
            } else {
                "Choose a prison from the list"
            },
        ),
        (None, Some(site)) => (
            "site_id",
            "SELECT id FROM site WHERE id = $1",
            site.to_string(),
            if within.is_some() {
                "Choose one of your sites"
            } else {
                "Choose an area from the list"
            },
        ),
        (None, None) => {
            return Err(StoreError::invalid(
                "site_id",
                "Choose the area they will live in, or the prison they are in",
            ))
        }
    };
    let sql = match within {
        Some(sites) if !sites.is_empty() => format!(
            "{sql} AND {} IN ({})",
            if field == "prison_id" {
                "site_id"
            } else {
                "id"
            },
            param_list(2, sites.len())
        ),
        Some(_) => return Err(StoreError::invalid(field, message)),
        None => sql.to_string(),
    };
    let mut q = sqlx::query_scalar::<_, String>(&sql).bind(id);
    for s in within.unwrap_or_default() {
        q = q.bind(s.to_string());
    }
    let site = q
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::invalid(field, message))?;
    parse(&site, "site id")
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    conn: &mut AnyConnection,
    id: ReferralId,
    reference: &ReferralReference,
    site: SiteId,
    new: &NewReferral,
    now: i64,
    by: Option<&Caller>,
    submission_key: Option<String>,
) -> Result<()> {
    let referrer = new.referrer.as_ref();
    let needs: Vec<&str> = new.needs.iter().map(|n| n.code()).collect();
    sqlx::query(
        "INSERT INTO referral (id, reference, site_id, prison_id, source, referrer_name, \
         referrer_relationship, referrer_organisation, referrer_contact, given_name, family_name, \
         preferred_name, date_of_birth, nhs_number, prison_number, expected_release, needs, needs_text, \
         contact_preference, contact_details, status, submitted_at, submitted_by, submission_key, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
         $20, $21, $22, $23, $24, 1)",
    )
    .bind(id.to_string())
    .bind(reference.as_str().to_string())
    .bind(site.to_string())
    .bind(new.prison_id.map(|p| p.to_string()))
    .bind(new.source.as_str())
    .bind(referrer.map(|r| r.name.clone()))
    .bind(referrer.and_then(|r| r.relationship.clone()))
    .bind(referrer.and_then(|r| r.organisation.clone()))
    .bind(referrer.map(|r| r.contact.clone()))
    .bind(new.given_name.clone())
    .bind(new.family_name.clone())
    .bind(new.preferred_name.clone())
    .bind(iso(new.date_of_birth))
    .bind(new.nhs_number.map(|n| n.digits()))
    .bind(new.prison_number.as_ref().map(|p| p.as_str().to_string()))
    .bind(new.expected_release.map(iso))
    .bind(needs.join(" "))
    .bind(new.needs_text.clone())
    .bind(new.contact_preference.code())
    .bind(new.contact_details.clone())
    .bind(ReferralStatus::New.as_str())
    .bind(now)
    .bind(by.map(|c| c.user_id().to_string()))
    .bind(submission_key)
    .execute(conn)
    .await?;
    Ok(())
}

/// The key under which rate limits are counted for a client address.
fn client_key(meta: &RequestMeta) -> String {
    format!("address:{}", meta.ip.as_deref().unwrap_or("unknown"))
}

impl Store {
    /// A referral from the public form. Refused with [`PublicOutcome::TooMany`]
    /// past the limits in [`rate`]; the same referral from the same address
    /// within [`REPEAT_WINDOW_MS`] gives back the first one's reference.
    /// Audited as an anonymous submission with the client address.
    pub async fn submit_public_referral(
        &self,
        meta: &RequestMeta,
        new: &NewReferral,
    ) -> Result<PublicOutcome> {
        let key = hex::encode(Sha256::digest(
            format!("{new:?}\n{}", client_key(meta)).as_bytes(),
        ));
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        if self.engine == Engine::Postgres {
            // Two clicks at once must not both find no earlier submission.
            sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS held")
                .bind(key.clone())
                .execute(&mut *tx)
                .await?;
        }
        let earlier: Option<String> = sqlx::query_scalar(
            "SELECT reference FROM referral WHERE submission_key = $1 AND submitted_at >= $2 \
             ORDER BY submitted_at LIMIT 1",
        )
        .bind(key.clone())
        .bind(now - REPEAT_WINDOW_MS)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(reference) = earlier {
            return Ok(PublicOutcome::AlreadyReceived(
                ReferralReference::parse(&reference)
                    .map_err(|_| StoreError::Corrupt("referral reference".into()))?,
            ));
        }
        if !rate::take(&mut tx, &client_key(meta), now).await? {
            // Dropping the transaction rolls the count back.
            return Ok(PublicOutcome::TooMany);
        }
        let site = landing_site(&mut tx, new, None).await?;
        let id = ReferralId::new();
        let reference = unused_reference(&mut tx).await?;
        insert(&mut tx, id, &reference, site, new, now, None, Some(key)).await?;
        append_event(
            &mut tx,
            id,
            now,
            None,
            "received",
            &format!(
                "Received through the public form: {}",
                new.source.label().to_lowercase()
            ),
        )
        .await?;
        append(
            &mut tx,
            now,
            &Actor::Anonymous { label: None, meta },
            AuditEntry::new("referral.submit")
                .record("referral", id)
                .site(site),
        )
        .await?;
        tx.commit().await?;
        Ok(PublicOutcome::Received(reference))
    }

    /// A submission caught by the public form's trap field (a field people
    /// never see, so only automated senders fill it in). Nothing is stored;
    /// it counts towards the address's limits like a real one, and the
    /// reference returned looks real but belongs to nothing. Audited.
    pub async fn trapped_public_referral(&self, meta: &RequestMeta) -> Result<PublicOutcome> {
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        if !rate::take(&mut tx, &client_key(meta), now).await? {
            return Ok(PublicOutcome::TooMany);
        }
        append(
            &mut tx,
            now,
            &Actor::Anonymous { label: None, meta },
            AuditEntry::new("referral.trapped")
                .detail("the hidden field was filled in: not stored"),
        )
        .await?;
        tx.commit().await?;
        Ok(PublicOutcome::Received(random_reference()))
    }

    /// A referral entered by staff (typically a professional's referral),
    /// landing at one of the caller's sites; audited.
    pub async fn create_referral(
        &self,
        caller: &Caller,
        new: &NewReferral,
    ) -> Result<(ReferralId, ReferralReference)> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let sites = caller.scope.case_write_sites();
        if sites.is_empty() {
            return Err(StoreError::invalid(
                "prison_id",
                "You are not a member of any site, so you cannot add referrals. Ask your site manager",
            ));
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let site = landing_site(&mut tx, new, Some(sites)).await?;
        let id = ReferralId::new();
        let reference = unused_reference(&mut tx).await?;
        insert(&mut tx, id, &reference, site, new, now, Some(caller), None).await?;
        append_event(
            &mut tx,
            id,
            now,
            Some(caller),
            "received",
            &format!("Entered by staff: {}", new.source.label().to_lowercase()),
        )
        .await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("referral.create")
                .record("referral", id)
                .site(site),
        )
        .await?;
        tx.commit().await?;
        Ok((id, reference))
    }
}
