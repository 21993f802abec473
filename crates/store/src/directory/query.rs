//! The public feed's reads: a service by id (fully nested), pages of services
//! and service-at-locations with the profile's filters, proximity to a point
//! (a bounding box in SQL, then exact great-circle distances here, ordered
//! by distance), and the taxonomies. Only dir_* tables are read: nothing
//! here can reach case data.

use super::cells::{bind_cells, Cell, Record};
use super::nested::{self, load, Depth};
use crate::sql::like_contains;
use crate::{Result, Store, StoreError};
use reconnect_domain::geo::Coordinates;
use reconnect_domain::openreferral::*;
use reconnect_domain::FieldError;
use sqlx::{AnyConnection, Row};

/// The profile's filters on services. Inactive and defunct services are
/// never listed (they still answer by id, with their status).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServiceFilter {
    /// Words in the name or description.
    pub search: Option<String>,
    pub taxonomy_term_id: Option<String>,
    pub taxonomy_id: Option<String>,
    /// Services whose minimum age is at least this.
    pub minimum_age: Option<i64>,
    /// Services whose maximum age is at most this.
    pub maximum_age: Option<i64>,
    /// Services open on this day (`MO`..`SU`) by one of their schedules.
    pub day: Option<String>,
    /// Services with a schedule opening at or after this time (`HH:MM`).
    pub start_time: Option<String>,
    /// Services with a schedule closing at or before this time (`HH:MM`).
    pub end_time: Option<String>,
}

/// Service-at-locations near a point, within a radius in metres.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near {
    pub point: Coordinates,
    pub radius_m: f64,
}

/// The WHERE conditions (on `s`, the service) and their parameters.
fn conditions(f: &ServiceFilter, binds: &mut Vec<Cell>) -> String {
    let statuses = LISTED_STATUSES
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut parts = vec![format!("s.status IN ({statuses})")];
    let next = |binds: &mut Vec<Cell>, cell: Cell| {
        binds.push(cell);
        binds.len()
    };
    if let Some(search) = f.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let n = next(binds, Cell::text(&like_contains(search)));
        parts.push(format!(
            "(LOWER(s.name) LIKE LOWER(${n}) ESCAPE '\\' \
             OR LOWER(COALESCE(s.description, '')) LIKE LOWER(${n}) ESCAPE '\\')"
        ));
    }
    if let Some(term) = &f.taxonomy_term_id {
        let n = next(binds, Cell::text(term));
        parts.push(format!(
            "s.id IN (SELECT a.link_id FROM dir_attribute a WHERE a.taxonomy_term_id = ${n} \
             AND a.link_entity = 'service')"
        ));
    }
    if let Some(taxonomy) = &f.taxonomy_id {
        let n = next(binds, Cell::text(taxonomy));
        parts.push(format!(
            "s.id IN (SELECT a.link_id FROM dir_attribute a JOIN dir_taxonomy_term t \
             ON t.id = a.taxonomy_term_id WHERE t.taxonomy_id = ${n} \
             AND a.link_entity = 'service')"
        ));
    }
    if let Some(age) = f.minimum_age {
        let n = next(binds, Cell::Int(Some(age)));
        parts.push(format!("s.minimum_age >= ${n}"));
    }
    if let Some(age) = f.maximum_age {
        let n = next(binds, Cell::Int(Some(age)));
        parts.push(format!("s.maximum_age <= ${n}"));
    }
    // Day and times must hold for the same schedule.
    let mut schedule = Vec::new();
    if let Some(day) = &f.day {
        let n = next(binds, Cell::text(&like_contains(day)));
        schedule.push(format!("d.byday LIKE ${n} ESCAPE '\\'"));
    }
    if let Some(t) = &f.start_time {
        let n = next(binds, Cell::text(t));
        schedule.push(format!("SUBSTR(d.opens_at, 1, 5) >= ${n}"));
    }
    if let Some(t) = &f.end_time {
        let n = next(binds, Cell::text(t));
        schedule.push(format!("SUBSTR(d.closes_at, 1, 5) <= ${n}"));
    }
    if !schedule.is_empty() {
        parts.push(format!(
            "EXISTS (SELECT 1 FROM dir_schedule d WHERE d.service_id = s.id AND {})",
            schedule.join(" AND ")
        ));
    }
    parts.join(" AND ")
}

impl Store {
    /// Refuses a filter naming a taxonomy or term the directory lacks.
    async fn check_filter(&self, conn: &mut AnyConnection, f: &ServiceFilter) -> Result<()> {
        let mut errors = Vec::new();
        for (field, table, id) in [
            ("taxonomy_term_id", "dir_taxonomy_term", &f.taxonomy_term_id),
            ("taxonomy_id", "dir_taxonomy", &f.taxonomy_id),
        ] {
            if let Some(id) = id {
                if super::write::existing_ids(conn, table, &[id.as_str()])
                    .await?
                    .is_empty()
                {
                    errors.push(FieldError::new(
                        field,
                        format!(
                            "There is no {} with id {id}",
                            field.trim_end_matches("_id").replace('_', " ")
                        ),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid(errors))
        }
    }

    /// One service with everything about it, whatever its status.
    pub async fn directory_service(&self, id: &str) -> Result<Service> {
        let mut conn = self.pool.acquire().await?;
        nested::services(&mut conn, &[id.to_string()], Depth::Full)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// A page of services in the profile's list form (own fields and
    /// organisation), ordered by name.
    pub async fn directory_services(
        &self,
        filter: &ServiceFilter,
        page: PageRequest,
    ) -> Result<Page<Service>> {
        let mut conn = self.pool.acquire().await?;
        self.check_filter(&mut conn, filter).await?;
        let mut binds = Vec::new();
        let cond = conditions(filter, &mut binds);
        let count_sql = format!("SELECT COUNT(*) FROM dir_service s WHERE {cond}");
        let total: i64 = bind_cells(sqlx::query(&count_sql), binds.clone())
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
        let n = binds.len();
        let sql = format!(
            "SELECT s.id FROM dir_service s WHERE {cond} ORDER BY s.name, s.id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        binds.push(Cell::Int(Some(i64::from(page.per_page))));
        binds.push(Cell::Int(Some(page.offset() as i64)));
        let ids: Vec<String> = bind_cells(sqlx::query(&sql), binds)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<_, _>>()?;
        let services = nested::services(&mut conn, &ids, Depth::Summary).await?;
        Ok(page.wrap(total.max(0) as u64, services))
    }

    /// A page of service-at-locations. With `near`, only those whose location
    /// is within the radius, nearest first, each with its `distance`;
    /// otherwise ordered by service name.
    pub async fn directory_service_at_locations(
        &self,
        filter: &ServiceFilter,
        near: Option<Near>,
        page: PageRequest,
    ) -> Result<Page<ServiceAtLocation>> {
        let mut conn = self.pool.acquire().await?;
        self.check_filter(&mut conn, filter).await?;
        let mut binds = Vec::new();
        let mut cond = conditions(filter, &mut binds);
        let from = "dir_service_at_location sal JOIN dir_service s ON s.id = sal.service_id \
                    JOIN dir_location l ON l.id = sal.location_id";
        let (total, rows): (u64, Vec<(String, Option<f64>)>) = match near {
            Some(near) => {
                let b = near.point.bounding_box(near.radius_m);
                let n = binds.len();
                cond.push_str(&format!(
                    " AND l.latitude BETWEEN ${} AND ${} AND l.longitude BETWEEN ${} AND ${}",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4
                ));
                for v in [
                    b.min_latitude,
                    b.max_latitude,
                    b.min_longitude,
                    b.max_longitude,
                ] {
                    binds.push(Cell::Real(Some(v)));
                }
                let sql =
                    format!("SELECT sal.id, l.latitude, l.longitude FROM {from} WHERE {cond}");
                let mut found: Vec<(String, f64)> = Vec::new();
                for row in bind_cells(sqlx::query(&sql), binds)
                    .fetch_all(&mut *conn)
                    .await?
                {
                    let id: String = row.try_get(0)?;
                    let lat: f64 = row.try_get(1)?;
                    let lon: f64 = row.try_get(2)?;
                    let d = near.point.distance_m(Coordinates {
                        latitude: lat,
                        longitude: lon,
                    });
                    if d <= near.radius_m {
                        found.push((id, d));
                    }
                }
                found.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
                let total = found.len() as u64;
                let rows = found
                    .into_iter()
                    .skip(page.offset() as usize)
                    .take(page.per_page as usize)
                    .map(|(id, d)| (id, Some(d.round())))
                    .collect();
                (total, rows)
            }
            None => {
                let count_sql = format!("SELECT COUNT(*) FROM {from} WHERE {cond}");
                let total: i64 = bind_cells(sqlx::query(&count_sql), binds.clone())
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get(0)?;
                let n = binds.len();
                let sql = format!(
                    "SELECT sal.id FROM {from} WHERE {cond} ORDER BY s.name, sal.id LIMIT ${} OFFSET ${}",
                    n + 1,
                    n + 2
                );
                binds.push(Cell::Int(Some(i64::from(page.per_page))));
                binds.push(Cell::Int(Some(page.offset() as i64)));
                let rows = bind_cells(sqlx::query(&sql), binds)
                    .fetch_all(&mut *conn)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<String, _>(0).map(|id| (id, None)))
                    .collect::<Result<_, _>>()?;
                (total.max(0) as u64, rows)
            }
        };
        let ids: Vec<String> = rows.iter().map(|(id, _)| id.clone()).collect();
        let mut sals = service_at_locations(&mut conn, &ids, Depth::Summary).await?;
        for (sal, (_, d)) in sals.iter_mut().zip(&rows) {
            sal.distance = *d;
        }
        Ok(page.wrap(total, sals))
    }

    /// One service-at-location with its location and service in full.
    pub async fn directory_service_at_location(&self, id: &str) -> Result<ServiceAtLocation> {
        let mut conn = self.pool.acquire().await?;
        service_at_locations(&mut conn, &[id.to_string()], Depth::WithoutLocations)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// A page of taxonomies (without their terms).
    pub async fn directory_taxonomies(&self, page: PageRequest) -> Result<Page<Taxonomy>> {
        self.page_of::<Taxonomy>(page, "name, id").await
    }

    /// A taxonomy with its terms.
    pub async fn directory_taxonomy(&self, id: &str) -> Result<Taxonomy> {
        let mut conn = self.pool.acquire().await?;
        let mut t = load::<Taxonomy>(&mut conn, "id", &[id.to_string()])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        t.taxonomy_terms = load(&mut conn, "taxonomy_id", &[id.to_string()]).await?;
        Ok(t)
    }

    /// A page of taxonomy terms.
    pub async fn directory_taxonomy_terms(&self, page: PageRequest) -> Result<Page<TaxonomyTerm>> {
        self.page_of::<TaxonomyTerm>(page, "name, id").await
    }

    pub async fn directory_taxonomy_term(&self, id: &str) -> Result<TaxonomyTerm> {
        let mut conn = self.pool.acquire().await?;
        load::<TaxonomyTerm>(&mut conn, "id", &[id.to_string()])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// The taxonomy terms attached to a service, by name (none for an unknown id).
    pub async fn service_terms(&self, service_id: &str) -> Result<Vec<TaxonomyTerm>> {
        let sql = format!(
            "SELECT {} FROM dir_taxonomy_term WHERE id IN (SELECT taxonomy_term_id FROM dir_attribute \
             WHERE link_entity = 'service' AND link_id = $1) ORDER BY name, id",
            TaxonomyTerm::column_list()
        );
        let rows = sqlx::query(&sql)
            .bind(service_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| TaxonomyTerm::from_cells(super::cells::read_row(r, TaxonomyTerm::COLUMNS)?))
            .collect()
    }

    async fn page_of<R: Record>(&self, page: PageRequest, order: &str) -> Result<Page<R>> {
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", R::TABLE))
            .fetch_one(&self.pool)
            .await?;
        let sql = format!("{} ORDER BY {order} LIMIT $1 OFFSET $2", R::select());
        let rows = sqlx::query(&sql)
            .bind(i64::from(page.per_page))
            .bind(page.offset() as i64)
            .fetch_all(&self.pool)
            .await?;
        let items = rows
            .iter()
            .map(|r| R::from_cells(super::cells::read_row(r, R::COLUMNS)?))
            .collect::<Result<Vec<_>>>()?;
        Ok(page.wrap(total.max(0) as u64, items))
    }
}

/// Service-at-locations by id, in the order of `ids`, with their location
/// and their service built to `depth`.
async fn service_at_locations(
    conn: &mut AnyConnection,
    ids: &[String],
    depth: Depth,
) -> Result<Vec<ServiceAtLocation>> {
    if depth == Depth::Summary {
        return super::summary::service_at_locations(conn, ids).await;
    }
    let sals = load::<ServiceAtLocation>(conn, "id", ids).await?;
    let loc_ids: Vec<String> = sals.iter().filter_map(|s| s.location_id.clone()).collect();
    let service_ids: Vec<String> = sals.iter().filter_map(|s| s.service_id.clone()).collect();
    let full = depth != Depth::Summary;
    let locations = nested::locations(conn, &loc_ids, full).await?;
    let services: std::collections::HashMap<String, Service> =
        nested::services(conn, &service_ids, depth)
            .await?
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect();
    let mut schedules = if full {
        let mut map: std::collections::HashMap<String, Vec<Schedule>> = Default::default();
        for mut s in load::<Schedule>(conn, "service_at_location_id", ids).await? {
            if let Some(k) = s.service_at_location_id.take() {
                map.entry(k).or_default().push(s);
            }
        }
        map
    } else {
        Default::default()
    };
    let mut by_id: std::collections::HashMap<String, ServiceAtLocation> =
        sals.into_iter().map(|s| (s.id.clone(), s)).collect();
    Ok(ids
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(|mut sal| {
            sal.location = sal
                .location_id
                .take()
                .and_then(|l| locations.get(&l).cloned())
                .map(Box::new);
            sal.service = sal
                .service_id
                .take()
                .and_then(|s| services.get(&s).cloned())
                .map(Box::new);
            sal.schedules = schedules.remove(&sal.id).unwrap_or_default();
            sal
        })
        .collect())
}
