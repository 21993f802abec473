//! Searching the services directory for staff: by need (a taxonomy term),
//! free text (service name, description or organisation), distance from a
//! point, open now (from the schedules, in UK clock time) and eligibility
//! (age, gender, area). Results say how far away each service is, whether
//! it is on one of the caller's sites' own lists and whether its details
//! need checking.
//!
//! The directory holds no case data, so searching is not audited; reading
//! a person's release address to search near it is, in
//! [`crate::directory_person`].
//!
//! The text, term, age and gender filters run in SQL; distance (a bounding
//! box in SQL, then the great-circle distance), opening hours and service
//! areas are decided here, and the page is cut after sorting.

use crate::service_curation::needs_checking;
use crate::sql::{like_contains, param_list};
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::geo::Coordinates;
use reconnect_domain::opening_hours::{open_at, ScheduleText};
use reconnect_domain::person_details::Gender;
use reconnect_domain::postcode::Postcode;
use reconnect_domain::{Caller, SiteId};
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

/// Who a service is for, as `dir_service.eligible_genders` lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EligibleGender {
    Women,
    Men,
    NonBinary,
}

impl EligibleGender {
    pub const ALL: [EligibleGender; 3] = [Self::Women, Self::Men, Self::NonBinary];

    pub fn code(self) -> &'static str {
        match self {
            Self::Women => "women",
            Self::Men => "men",
            Self::NonBinary => "non_binary",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Women => "Women",
            Self::Men => "Men",
            Self::NonBinary => "Non-binary people",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.code() == code.trim())
    }

    /// The services a person of this gender may use; none for answers that
    /// do not say (self-described, prefer not to say).
    pub fn of(gender: &Gender) -> Option<Self> {
        match gender {
            Gender::Woman => Some(Self::Women),
            Gender::Man => Some(Self::Men),
            Gender::NonBinary => Some(Self::NonBinary),
            Gender::SelfDescribed(_) | Gender::PreferNotToSay => None,
        }
    }
}

/// Where someone lives, as the words a service area may be named by: the
/// postcode's outward code and area, and the town.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AreaKeys(pub Vec<String>);

impl AreaKeys {
    pub fn new(postcode: Option<&Postcode>, town: Option<&str>) -> Self {
        let mut keys = Vec::new();
        if let Some(p) = postcode {
            keys.push(p.outward().to_lowercase());
            keys.push(p.area().to_lowercase());
        }
        if let Some(t) = town.map(str::trim).filter(|t| !t.is_empty()) {
            keys.push(t.to_lowercase());
        }
        Self(keys)
    }

    /// Does a service area called `name` cover these keys? Its name may
    /// list several places separated by commas or semicolons.
    fn covered_by(&self, name: &str) -> bool {
        name.split([',', ';'])
            .map(|n| n.trim().to_lowercase())
            .any(|n| !n.is_empty() && self.0.contains(&n))
    }
}

/// What to search for. Every filter is optional.
#[derive(Clone, Debug, Default)]
pub struct ServiceQuery {
    /// In the service's name or description, or its organisation's name.
    pub text: Option<String>,
    /// A taxonomy term id the service is tagged with.
    pub term_id: Option<String>,
    /// From here, within `radius_m`; results are ordered by distance.
    pub near: Option<Coordinates>,
    pub radius_m: u32,
    /// Only services open at this instant.
    pub open_at: Option<OffsetDateTime>,
    /// Only services for someone of this age.
    pub age: Option<i32>,
    /// Only services for someone of this gender (or for anyone).
    pub gender: Option<EligibleGender>,
    /// Only services whose service areas cover here (or that list none).
    pub area: Option<AreaKeys>,
    /// 1-based page of `per_page` results.
    pub page: u32,
    pub per_page: u32,
}

/// One service in the results.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceHit {
    pub id: String,
    pub name: String,
    pub organisation: Option<String>,
    pub status: String,
    /// To the nearest of its locations, when searching near a place.
    pub distance_m: Option<f64>,
    /// `None` when its schedules do not say.
    pub open_now: Option<bool>,
    /// On one of the caller's sites' own lists.
    pub on_site_list: bool,
    pub verified_at: Option<OffsetDateTime>,
    /// Not verified for six months, or never.
    pub needs_checking: bool,
}

/// A page of results.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchResults {
    pub hits: Vec<ServiceHit>,
    /// Matches on every page.
    pub total: usize,
    pub page: u32,
    pub per_page: u32,
}

impl SearchResults {
    pub fn pages(&self) -> u32 {
        let per = self.per_page.max(1) as usize;
        (self.total.div_ceil(per)).max(1) as u32
    }
}

enum Bind {
    Text(String),
    Int(i64),
}

/// The SQL conditions of the filters that run in the database, numbering
/// parameters from `start`.
fn conditions(q: &ServiceQuery, start: usize) -> (String, Vec<Bind>) {
    let mut sql = String::from("s.status NOT IN ('inactive', 'defunct')");
    let mut binds = Vec::new();
    let mut n = start;
    let mut next = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        n += 1;
        n - 1
    };
    if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let i = next(Bind::Text(like_contains(text)), &mut binds);
        sql.push_str(&format!(
            " AND (LOWER(s.name) LIKE LOWER(${i}) ESCAPE '\\' \
             OR LOWER(COALESCE(s.description, '')) LIKE LOWER(${i}) ESCAPE '\\' \
             OR LOWER(COALESCE(o.name, '')) LIKE LOWER(${i}) ESCAPE '\\')"
        ));
    }
    if let Some(term) = &q.term_id {
        let i = next(Bind::Text(term.clone()), &mut binds);
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM dir_attribute a WHERE a.link_entity = 'service' \
             AND a.link_id = s.id AND a.taxonomy_term_id = ${i})"
        ));
    }
    if let Some(age) = q.age {
        let i = next(Bind::Int(i64::from(age)), &mut binds);
        let j = next(Bind::Int(i64::from(age)), &mut binds);
        sql.push_str(&format!(
            " AND (s.minimum_age IS NULL OR s.minimum_age <= ${i}) \
             AND (s.maximum_age IS NULL OR s.maximum_age >= ${j})"
        ));
    }
    if let Some(g) = q.gender {
        let i = next(Bind::Text(format!("%,{},%", g.code())), &mut binds);
        sql.push_str(&format!(
            " AND (s.eligible_genders IS NULL OR s.eligible_genders = '' \
             OR (',' || REPLACE(s.eligible_genders, ' ', '') || ',') LIKE ${i})"
        ));
    }
    (sql, binds)
}

const FROM: &str = "FROM dir_service s LEFT JOIN dir_organization o ON o.id = s.organization_id";

fn bind_all<'q, O>(
    mut q: sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>>,
    binds: Vec<Bind>,
) -> sqlx::query::QueryAs<'q, sqlx::Any, O, sqlx::any::AnyArguments<'q>> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s),
            Bind::Int(i) => q.bind(i),
        };
    }
    q
}

type CandidateRow = (String, String, Option<String>, String, Option<i64>);
type ScheduleRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Services matching `q`, nearest first when searching near a place
    /// (else by name). Only for roles that work at sites.
    pub async fn search_services(
        &self,
        caller: &Caller,
        q: &ServiceQuery,
    ) -> Result<SearchResults> {
        if !caller.role().reads_cases() {
            return Err(StoreError::Forbidden);
        }
        let (cond, binds) = conditions(q, 1);
        let sql = format!(
            "SELECT s.id, s.name, o.name, s.status, s.verified_at {FROM} WHERE {cond} ORDER BY s.name, s.id"
        );
        let rows: Vec<CandidateRow> = bind_all(sqlx::query_as(&sql), binds)
            .fetch_all(&self.pool)
            .await?;

        let distances = match q.near {
            Some(centre) => Some(self.nearest_locations(q, centre).await?),
            None => None,
        };
        let opening = self.schedules_of_matches(q).await?;
        let areas = match &q.area {
            Some(_) => Some(self.areas_of_matches(q).await?),
            None => None,
        };
        let listed = self.site_listed(caller.scope.case_sites()).await?;
        let now = self.now();

        let mut hits: Vec<ServiceHit> = Vec::new();
        for (id, name, organisation, status, verified_at) in rows {
            let distance_m = match &distances {
                Some(d) => match d.get(&id) {
                    Some(m) => Some(*m),
                    None => continue,
                },
                None => None,
            };
            let open_now = opening.get(&id).and_then(|s| open_at(s, now));
            if let Some(at) = q.open_at {
                let open = opening.get(&id).and_then(|s| open_at(s, at));
                if open != Some(true) {
                    continue;
                }
            }
            if let (Some(keys), Some(areas)) = (&q.area, &areas) {
                if let Some(names) = areas.get(&id) {
                    if !names.iter().any(|n| keys.covered_by(n)) {
                        continue;
                    }
                }
            }
            let verified_at = verified_at.map(from_millis);
            hits.push(ServiceHit {
                on_site_list: listed.contains(&id),
                needs_checking: needs_checking(verified_at, now),
                id,
                name,
                organisation,
                status,
                distance_m,
                open_now,
                verified_at,
            });
        }
        // Sorted here so both engines agree (their collations differ).
        hits.sort_by(|a, b| {
            a.distance_m
                .unwrap_or(0.0)
                .total_cmp(&b.distance_m.unwrap_or(0.0))
                .then_with(|| a.name.cmp(&b.name))
                .then_with(|| a.id.cmp(&b.id))
        });
        let per_page = q.per_page.clamp(1, 100);
        let page = q.page.max(1);
        let total = hits.len();
        let skip = (page as usize - 1).saturating_mul(per_page as usize);
        let hits = hits
            .into_iter()
            .skip(skip)
            .take(per_page as usize)
            .collect();
        Ok(SearchResults {
            hits,
            total,
            page,
            per_page,
        })
    }

    /// The distance to each matching service's nearest location within the radius.
    async fn nearest_locations(
        &self,
        q: &ServiceQuery,
        centre: Coordinates,
    ) -> Result<HashMap<String, f64>> {
        let radius = f64::from(q.radius_m);
        let bbox = centre.bounding_box(radius);
        let (cond, binds) = conditions(q, 5);
        let sql = format!(
            "SELECT sal.service_id, l.latitude, l.longitude FROM dir_service_at_location sal \
             JOIN dir_location l ON l.id = sal.location_id \
             WHERE l.latitude BETWEEN $1 AND $2 AND l.longitude BETWEEN $3 AND $4 \
             AND sal.service_id IN (SELECT s.id {FROM} WHERE {cond})"
        );
        let query = sqlx::query_as::<_, (String, f64, f64)>(&sql)
            .bind(bbox.min_latitude)
            .bind(bbox.max_latitude)
            .bind(bbox.min_longitude)
            .bind(bbox.max_longitude);
        let rows = bind_all(query, binds).fetch_all(&self.pool).await?;
        let mut nearest: HashMap<String, f64> = HashMap::new();
        for (service, lat, lon) in rows {
            let Ok(at) = Coordinates::new(lat, lon) else {
                continue;
            };
            let d = centre.distance_m(at);
            if d > radius {
                continue;
            }
            nearest
                .entry(service)
                .and_modify(|m| *m = m.min(d))
                .or_insert(d);
        }
        Ok(nearest)
    }

    /// The schedules of every matching service, given directly or through
    /// one of its service-at-locations.
    async fn schedules_of_matches(
        &self,
        q: &ServiceQuery,
    ) -> Result<HashMap<String, Vec<ScheduleText>>> {
        let (cond, binds) = conditions(q, 1);
        let sql = format!(
            "SELECT COALESCE(sch.service_id, sal.service_id), sch.freq, sch.byday, sch.opens_at, \
             sch.closes_at, sch.valid_from, sch.valid_to FROM dir_schedule sch \
             LEFT JOIN dir_service_at_location sal ON sal.id = sch.service_at_location_id \
             WHERE COALESCE(sch.service_id, sal.service_id) IN (SELECT s.id {FROM} WHERE {cond})"
        );
        let rows: Vec<ScheduleRow> = bind_all(sqlx::query_as(&sql), binds)
            .fetch_all(&self.pool)
            .await?;
        let mut out: HashMap<String, Vec<ScheduleText>> = HashMap::new();
        for (service, freq, byday, opens_at, closes_at, valid_from, valid_to) in rows {
            out.entry(service).or_default().push(ScheduleText {
                freq,
                byday,
                opens_at,
                closes_at,
                valid_from,
                valid_to,
                description: None,
            });
        }
        Ok(out)
    }

    /// The names of the service areas of every matching service.
    async fn areas_of_matches(&self, q: &ServiceQuery) -> Result<HashMap<String, Vec<String>>> {
        let (cond, binds) = conditions(q, 1);
        let sql = format!(
            "SELECT a.service_id, a.name FROM dir_service_area a \
             WHERE a.name IS NOT NULL AND a.service_id IN (SELECT s.id {FROM} WHERE {cond})"
        );
        let rows: Vec<(String, String)> = bind_all(sqlx::query_as(&sql), binds)
            .fetch_all(&self.pool)
            .await?;
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for (service, name) in rows {
            out.entry(service).or_default().push(name);
        }
        Ok(out)
    }

    /// The services on the own lists of any of `sites`.
    pub(crate) async fn site_listed(&self, sites: &[SiteId]) -> Result<HashSet<String>> {
        if sites.is_empty() {
            return Ok(HashSet::new());
        }
        let sql = format!(
            "SELECT DISTINCT service_id FROM site_service WHERE site_id IN ({})",
            param_list(1, sites.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for s in sites {
            q = q.bind(s.to_string());
        }
        Ok(q.fetch_all(&self.pool).await?.into_iter().collect())
    }
}
