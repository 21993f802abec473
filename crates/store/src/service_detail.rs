//! Everything staff need to know about one directory service on its page:
//! what it offers, who it is for, how to refer (contacts and phones), where
//! it is (locations, addresses, accessibility), when it is open, languages,
//! cost, the areas it serves, its taxonomy terms and when its details were
//! last checked. Read from the Open Referral tables; no case data.

use crate::directory_search::EligibleGender;
use crate::service_curation::needs_checking;
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::opening_hours::ScheduleText;
use reconnect_domain::Caller;
use time::OffsetDateTime;

/// The organisation running a service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organisation {
    pub name: String,
    pub website: Option<String>,
    pub email: Option<String>,
}

/// Someone to contact about the service, with their phone numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceContact {
    pub name: Option<String>,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phones: Vec<String>,
}

/// A place the service is offered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceLocation {
    pub name: Option<String>,
    /// Each address as lines (first line, second line, town, postcode).
    pub addresses: Vec<Vec<String>>,
    pub accessibility: Vec<String>,
}

/// A service's page.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceDetail {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub status: String,
    pub url: Option<String>,
    pub email: Option<String>,
    pub how_to_refer: Option<String>,
    pub alert: Option<String>,
    pub fees: Option<String>,
    pub eligibility_description: Option<String>,
    pub minimum_age: Option<i64>,
    pub maximum_age: Option<i64>,
    /// Empty means anyone.
    pub eligible_genders: Vec<EligibleGender>,
    pub organisation: Option<Organisation>,
    pub terms: Vec<String>,
    pub phones: Vec<String>,
    pub contacts: Vec<ServiceContact>,
    pub locations: Vec<ServiceLocation>,
    pub schedules: Vec<ScheduleText>,
    pub areas: Vec<String>,
    pub languages: Vec<String>,
    pub costs: Vec<String>,
    pub verified_at: Option<OffsetDateTime>,
    pub verified_by_name: Option<String>,
    pub needs_checking: bool,
}

type ServiceRow = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
);

type AddressRow = (
    String,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
);

type ContactRow = (String, Option<String>, Option<String>, Option<String>);
type CostRow = (Option<String>, Option<f64>, Option<String>, Option<String>);

fn phone_words(number: String, extension: Option<String>, description: Option<String>) -> String {
    let mut s = number;
    if let Some(x) = extension.filter(|x| !x.trim().is_empty()) {
        s.push_str(&format!(" extension {x}"));
    }
    if let Some(d) = description.filter(|d| !d.trim().is_empty()) {
        s.push_str(&format!(" ({d})"));
    }
    s
}

fn cost_words(
    text: Option<String>,
    amount: Option<f64>,
    currency: Option<String>,
    about: Option<String>,
) -> Option<String> {
    let amount = amount.map(|a| match currency.as_deref() {
        None | Some("GBP") if a == 0.0 => "Free".to_string(),
        None | Some("GBP") => format!("£{a:.2}"),
        Some(c) => format!("{a:.2} {c}"),
    });
    let parts: Vec<String> = [text, amount, about]
        .into_iter()
        .flatten()
        .filter(|p| !p.trim().is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(": "))
}

impl Store {
    /// One service, for staff at a site. Not found when there is no such service.
    pub async fn service_detail(&self, caller: &Caller, id: &str) -> Result<ServiceDetail> {
        if !caller.role().reads_cases() {
            return Err(StoreError::Forbidden);
        }
        let row: Option<ServiceRow> = sqlx::query_as(
            "SELECT s.id, s.name, s.description, s.status, s.url, s.email, s.how_to_refer, s.alert, \
             s.fees, s.eligibility_description, s.minimum_age, s.maximum_age, s.eligible_genders, \
             s.verified_at, u.display_name, s.organization_id \
             FROM dir_service s LEFT JOIN app_user u ON u.id = s.verified_by WHERE s.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let (
            id,
            name,
            description,
            status,
            url,
            email,
            how_to_refer,
            alert,
            fees,
            eligibility_description,
            minimum_age,
            maximum_age,
            genders,
            verified_at,
            verified_by_name,
            org_id,
        ) = row.ok_or(StoreError::NotFound)?;
        let organisation = match org_id {
            Some(org) => sqlx::query_as::<_, (String, Option<String>, Option<String>)>(
                "SELECT name, website, email FROM dir_organization WHERE id = $1",
            )
            .bind(org)
            .fetch_optional(&self.pool)
            .await?
            .map(|(name, website, email)| Organisation {
                name,
                website,
                email,
            }),
            None => None,
        };
        let verified_at = verified_at.map(from_millis);
        let mut detail = ServiceDetail {
            eligible_genders: genders
                .unwrap_or_default()
                .split(',')
                .filter_map(EligibleGender::parse)
                .collect(),
            needs_checking: needs_checking(verified_at, self.now()),
            terms: self.strings(
                "SELECT t.name FROM dir_attribute a JOIN dir_taxonomy_term t ON t.id = a.taxonomy_term_id \
                 WHERE a.link_entity = 'service' AND a.link_id = $1 ORDER BY t.name", &id).await?,
            areas: self.strings(
                "SELECT name FROM dir_service_area WHERE service_id = $1 AND name IS NOT NULL ORDER BY name",
                &id).await?,
            languages: self.strings(
                "SELECT COALESCE(name, code) FROM dir_language WHERE service_id = $1 \
                 AND COALESCE(name, code) IS NOT NULL ORDER BY COALESCE(name, code)", &id).await?,
            phones: Vec::new(),
            contacts: Vec::new(),
            locations: Vec::new(),
            schedules: Vec::new(),
            costs: Vec::new(),
            id,
            name,
            description,
            status,
            url,
            email,
            how_to_refer,
            alert,
            fees,
            eligibility_description,
            minimum_age,
            maximum_age,
            organisation,
            verified_at,
            verified_by_name,
        };
        self.fill_contacts(&mut detail).await?;
        self.fill_locations(&mut detail).await?;
        self.fill_schedules_and_costs(&mut detail).await?;
        Ok(detail)
    }

    async fn strings(&self, sql: &str, id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar::<_, String>(sql)
            .bind(id)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn fill_contacts(&self, d: &mut ServiceDetail) -> Result<()> {
        let phones: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT number, extension, description FROM dir_phone WHERE service_id = $1 \
             AND contact_id IS NULL ORDER BY number",
        )
        .bind(&d.id)
        .fetch_all(&self.pool)
        .await?;
        d.phones = phones
            .into_iter()
            .map(|(n, x, desc)| phone_words(n, x, desc))
            .collect();
        let contacts: Vec<ContactRow> =
            sqlx::query_as(
                "SELECT id, name, title, email FROM dir_contact WHERE service_id = $1 ORDER BY name, id",
            )
            .bind(&d.id)
            .fetch_all(&self.pool)
            .await?;
        for (cid, name, title, email) in contacts {
            let phones: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT number, extension, description FROM dir_phone WHERE contact_id = $1 ORDER BY number",
            )
            .bind(&cid)
            .fetch_all(&self.pool)
            .await?;
            d.contacts.push(ServiceContact {
                name,
                title,
                email,
                phones: phones
                    .into_iter()
                    .map(|(n, x, desc)| phone_words(n, x, desc))
                    .collect(),
            });
        }
        Ok(())
    }

    async fn fill_locations(&self, d: &mut ServiceDetail) -> Result<()> {
        let locations: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT l.id, l.name FROM dir_service_at_location sal JOIN dir_location l \
             ON l.id = sal.location_id WHERE sal.service_id = $1 ORDER BY l.name, l.id",
        )
        .bind(&d.id)
        .fetch_all(&self.pool)
        .await?;
        for (lid, name) in locations {
            let addresses: Vec<AddressRow> = sqlx::query_as(
                "SELECT address_1, COALESCE(address_2, ''), attention, city, postal_code, postcode \
                 FROM dir_address WHERE location_id = $1 ORDER BY address_type, id",
            )
            .bind(&lid)
            .fetch_all(&self.pool)
            .await?;
            let addresses = addresses
                .into_iter()
                .map(|(l1, l2, attention, city, postal, normal)| {
                    [
                        attention,
                        Some(l1),
                        Some(l2),
                        Some(city),
                        Some(normal.unwrap_or(postal)),
                    ]
                    .into_iter()
                    .flatten()
                    .filter(|l| !l.trim().is_empty())
                    .collect()
                })
                .collect();
            let access: Vec<(Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT description, details FROM dir_accessibility WHERE location_id = $1 ORDER BY id",
            )
            .bind(&lid)
            .fetch_all(&self.pool)
            .await?;
            d.locations.push(ServiceLocation {
                name,
                addresses,
                accessibility: access
                    .into_iter()
                    .filter_map(|(a, b)| match (a, b) {
                        (Some(a), Some(b)) => Some(format!("{a}: {b}")),
                        (a, b) => a.or(b),
                    })
                    .collect(),
            });
        }
        Ok(())
    }

    async fn fill_schedules_and_costs(&self, d: &mut ServiceDetail) -> Result<()> {
        type Row = (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT sch.freq, sch.byday, sch.opens_at, sch.closes_at, sch.valid_from, sch.valid_to, \
             sch.description FROM dir_schedule sch \
             LEFT JOIN dir_service_at_location sal ON sal.id = sch.service_at_location_id \
             WHERE COALESCE(sch.service_id, sal.service_id) = $1 ORDER BY sch.id",
        )
        .bind(&d.id)
        .fetch_all(&self.pool)
        .await?;
        d.schedules = rows
            .into_iter()
            .map(
                |(freq, byday, opens_at, closes_at, valid_from, valid_to, description)| {
                    ScheduleText {
                        freq,
                        byday,
                        opens_at,
                        closes_at,
                        valid_from,
                        valid_to,
                        description,
                    }
                },
            )
            .collect();
        let costs: Vec<CostRow> = sqlx::query_as(
            "SELECT option_text, amount, currency, amount_description FROM dir_cost_option \
                 WHERE service_id = $1 ORDER BY id",
        )
        .bind(&d.id)
        .fetch_all(&self.pool)
        .await?;
        d.costs = costs
            .into_iter()
            .filter_map(|(t, a, c, about)| cost_words(t, a, c, about))
            .collect();
        Ok(())
    }
}
