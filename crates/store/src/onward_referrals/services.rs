//! Choosing a service to refer to, and what consent a referral to it needs.
//! A service's kinds come from its taxonomy terms in the directory; each
//! term names the kind of sharing partner ([`service_taxonomy`]). A service
//! with several kinds needs consent for each; a service with no known terms
//! counts as a voluntary or community organisation.

use super::{corrupt, episode_entry};
use crate::audit::Actor;
use crate::episode_scope::parent;
use crate::sql::like_contains;
use crate::{Result, Store, StoreError};
use reconnect_domain::consent::{SharingConsent, SharingPartner};
use reconnect_domain::service_taxonomy::{self, Term};
use reconnect_domain::uk_time::to_uk;
use reconnect_domain::{Caller, EpisodeId};
use sqlx::AnyConnection;
use time::Date;

/// A service that can be referred to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceChoice {
    pub id: String,
    pub name: String,
    pub organization_name: Option<String>,
    pub email: Option<String>,
    /// The service's kinds in the taxonomy.
    pub terms: Vec<&'static Term>,
    /// Whose sharing consent a referral to it needs (at least one).
    pub partners: Vec<SharingPartner>,
}

/// Whether the person has consented to share with one kind of partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartnerConsent {
    pub partner: SharingPartner,
    pub given: bool,
}

/// The consent a referral to a service needs, and what the person gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsentCheck {
    pub partners: Vec<PartnerConsent>,
}

impl ConsentCheck {
    /// Every kind of partner the service counts as has a current consent.
    pub fn all_given(&self) -> bool {
        self.partners.iter().all(|p| p.given)
    }

    /// The kinds still missing a current consent.
    pub fn missing(&self) -> Vec<SharingPartner> {
        self.partners
            .iter()
            .filter(|p| !p.given)
            .map(|p| p.partner)
            .collect()
    }
}

/// The service's terms, and the partners they need (voluntary sector if none).
pub(crate) async fn kinds(
    conn: &mut AnyConnection,
    service_id: &str,
) -> Result<(Vec<&'static Term>, Vec<SharingPartner>)> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT taxonomy_term_id FROM dir_attribute WHERE link_entity = 'service' AND link_id = $1 \
         ORDER BY taxonomy_term_id",
    )
    .bind(service_id.to_string())
    .fetch_all(conn)
    .await?;
    let mut terms: Vec<&'static Term> = ids
        .iter()
        .filter_map(|id| service_taxonomy::by_id(id))
        .collect();
    terms.dedup_by_key(|t| t.id);
    let mut partners: Vec<SharingPartner> = terms.iter().map(|t| t.partner).collect();
    partners.sort();
    partners.dedup();
    if partners.is_empty() {
        partners.push(SharingPartner::VoluntarySector);
    }
    Ok((terms, partners))
}

/// id, name, organisation, email.
type ServiceRow = (String, String, Option<String>, Option<String>);

const SERVICE_SELECT: &str = "SELECT s.id, s.name, o.name, s.email FROM dir_service s \
    LEFT JOIN dir_organization o ON o.id = s.organization_id";

async fn choice(conn: &mut AnyConnection, row: ServiceRow) -> Result<ServiceChoice> {
    let (id, name, organization_name, email) = row;
    let (terms, partners) = kinds(conn, &id).await?;
    Ok(ServiceChoice {
        id,
        name,
        organization_name,
        email,
        terms,
        partners,
    })
}

/// One service, if the directory has it.
pub(crate) async fn service(conn: &mut AnyConnection, id: &str) -> Result<ServiceChoice> {
    let row: Option<ServiceRow> = sqlx::query_as(&format!("{SERVICE_SELECT} WHERE s.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    choice(conn, row.ok_or(StoreError::NotFound)?).await
}

/// The person's sharing consents on the episode that hold on `today`.
pub(crate) async fn consent_check(
    conn: &mut AnyConnection,
    episode: EpisodeId,
    partners: &[SharingPartner],
    today: Date,
) -> Result<ConsentCheck> {
    type Row = (String, String, String, Option<String>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT c.partner, c.given_on, c.scope, c.expires_on, w.withdrawn_on \
         FROM consent_record c LEFT JOIN consent_withdrawal w ON w.consent_id = c.id \
         WHERE c.episode_id = $1 AND c.kind = 'sharing'",
    )
    .bind(episode.to_string())
    .fetch_all(conn)
    .await?;
    let date = |s: &str| {
        Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
            .map_err(|_| corrupt("consent date"))
    };
    let mut consents = Vec::new();
    for (partner, given, scope, expires, withdrawn) in rows {
        let partner = SharingPartner::parse(&partner).map_err(|_| corrupt("sharing partner"))?;
        // A stored row that breaks the rules never counts as consent.
        if let Ok(c) = SharingConsent::from_stored(
            partner,
            date(&given)?,
            scope,
            expires.as_deref().map(date).transpose()?,
            withdrawn.as_deref().map(date).transpose()?,
        ) {
            consents.push(c);
        }
    }
    Ok(ConsentCheck {
        partners: partners
            .iter()
            .map(|&partner| PartnerConsent {
                partner,
                given: reconnect_domain::consent::may_share_with(&consents, partner, today),
            })
            .collect(),
    })
}

impl Store {
    /// Active services in the directory whose name contains `search` (all
    /// of them, up to a hundred, when it is blank), by name. The directory
    /// holds no case data; only roles that make referrals may look here.
    pub async fn referral_services(
        &self,
        caller: &Caller,
        search: &str,
    ) -> Result<Vec<ServiceChoice>> {
        if !caller.role().reads_cases() {
            return Err(StoreError::Forbidden);
        }
        let mut conn = self.pool.acquire().await?;
        let rows: Vec<ServiceRow> = sqlx::query_as(&format!(
            "{SERVICE_SELECT} WHERE s.status = 'active' AND LOWER(s.name) LIKE LOWER($1) ESCAPE '\\' \
             ORDER BY s.name, s.id LIMIT 100"
        ))
        .bind(like_contains(search.trim()))
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(choice(&mut conn, row).await?);
        }
        Ok(out)
    }

    /// One service in the directory, with the consents a referral needs.
    pub async fn referral_service(&self, caller: &Caller, id: &str) -> Result<ServiceChoice> {
        if !caller.role().reads_cases() {
            return Err(StoreError::Forbidden);
        }
        let mut conn = self.pool.acquire().await?;
        service(&mut conn, id).await
    }

    /// Whether the person on `episode` has consented to share with every
    /// kind of partner the service counts as, today. Audited as a read of
    /// the person's consents.
    pub async fn onward_referral_consent(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        service_id: &str,
    ) -> Result<ConsentCheck> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let p = parent(&mut tx, episode, caller.scope.case_sites()).await?;
        let (_, partners) = kinds(&mut tx, service_id).await?;
        let check = consent_check(&mut tx, episode, &partners, to_uk(self.now()).date()).await?;
        let audit = episode_entry(
            &p,
            episode,
            "onward_referral.consent_check",
            format!("service {service_id}"),
        );
        tx.finish(self, now, &Actor::User(caller), audit).await?;
        Ok(check)
    }
}
