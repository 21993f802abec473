//! What the directory may use of a person's record to search for them: their
//! age, gender and release address (postcode and town). Read only for a
//! person at one of the caller's sites (anyone else is "not found") and
//! audited as a read of their address (`directory.person_address`).

use crate::audit::{Actor, AuditEntry};
use crate::directory_search::EligibleGender;
use crate::sql::{param_list, parse};
use crate::{Result, Store, StoreError};
use reconnect_domain::person::age_on;
use reconnect_domain::person_details::Gender;
use reconnect_domain::postcode::Postcode;
use reconnect_domain::{Caller, PersonId, SiteId};
use time::Date;

/// What the directory may use of a person's record to search for them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonBasis {
    pub person_id: PersonId,
    pub site_id: SiteId,
    pub name: String,
    pub age: i32,
    pub gender: Option<EligibleGender>,
    /// The release address's postcode and town, when an address is known.
    pub postcode: Option<Postcode>,
    pub town: Option<String>,
}

impl Store {
    /// A person's age, gender and release address, to search the directory
    /// for them: only for a person at one of the caller's sites (otherwise
    /// not found), and audited as a read of their address.
    pub async fn person_directory_basis(
        &self,
        caller: &Caller,
        person: PersonId,
    ) -> Result<PersonBasis> {
        let sites = caller.scope.case_sites();
        if sites.is_empty() {
            return Err(StoreError::NotFound);
        }
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let sql = format!(
            "SELECT p.site_id, p.given_name, p.family_name, p.preferred_name, p.date_of_birth, \
             p.gender, p.address_kind, p.address_town, p.address_postcode FROM person p \
             WHERE p.id = $1 AND p.site_id IN ({})",
            param_list(2, sites.len())
        );
        type Row = (
            String,
            String,
            String,
            Option<String>,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let mut q = sqlx::query_as::<_, Row>(&sql).bind(person.to_string());
        for s in sites {
            q = q.bind(s.to_string());
        }
        let (site, given, family, preferred, dob, gender, kind, town, postcode) = q
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let site: SiteId = parse(&site, "site id")?;
        let dob = Date::parse(&dob, &time::format_description::well_known::Iso8601::DATE)
            .map_err(|_| StoreError::Corrupt("date of birth".into()))?;
        let gender = match gender.as_deref() {
            Some(g) if !g.is_empty() => Gender::parse(g, "-")
                .ok()
                .flatten()
                .and_then(|g| EligibleGender::of(&g)),
            _ => None,
        };
        let has_address = kind.as_deref() == Some("address");
        let postcode = postcode
            .filter(|_| has_address)
            .and_then(|p| Postcode::parse(&p).ok());
        let town = town.filter(|t| has_address && !t.trim().is_empty());
        tx.finish(
            self,
            now,
            &Actor::User(caller),
            AuditEntry::new("directory.person_address")
                .record("person", person)
                .site(site)
                .person(person)
                .detail(if postcode.is_some() {
                    "release address postcode"
                } else {
                    "no release address postcode"
                }),
        )
        .await?;
        let today = self.now().date();
        Ok(PersonBasis {
            person_id: person,
            site_id: site,
            name: format!("{} {}", preferred.unwrap_or(given), family),
            age: age_on(dob, today),
            gender,
            postcode,
            town,
        })
    }
}
