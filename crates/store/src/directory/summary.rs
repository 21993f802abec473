//! A page of service-at-locations in the profile's list form (each with its
//! location and the location's addresses, and its service with the
//! service's organisation) read in one joined statement, one row per
//! service-at-location and address. Reading each table apart took five
//! statements and five rows per item; the records built are the same.

use super::cells::{read_row_from, Cell, Record};
use super::CHUNK;
use crate::sql::param_list;
use crate::Result;
use reconnect_domain::openreferral::*;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use std::collections::{HashMap, HashSet};

/// `alias.column, ...` for every column of `R`.
fn columns<R: Record>(alias: &str) -> String {
    R::COLUMNS
        .iter()
        .map(|(c, _)| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `R` whose columns start at index `start` of the row, or `None` when
/// the outer join found none (its id is NULL).
fn part<R: Record>(row: &AnyRow, start: usize) -> Result<Option<R>> {
    let cells = read_row_from(row, start, R::COLUMNS)?;
    if matches!(cells.first(), Some(Cell::Text(None))) {
        return Ok(None);
    }
    R::from_cells(cells).map(Some)
}

/// Service-at-locations by id in list form, in the order of `ids` (unknown
/// ids are left out). Addresses come in id order, as [`super::nested`]
/// gives them.
pub(crate) async fn service_at_locations(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<Vec<ServiceAtLocation>> {
    let location_at = ServiceAtLocation::COLUMNS.len();
    let address_at = location_at + Location::COLUMNS.len();
    let service_at = address_at + Address::COLUMNS.len();
    let organization_at = service_at + Service::COLUMNS.len();
    let head = format!(
        "SELECT {}, {}, {}, {}, {} FROM dir_service_at_location sal \
         LEFT JOIN dir_location l ON l.id = sal.location_id \
         LEFT JOIN dir_address a ON a.location_id = l.id \
         LEFT JOIN dir_service s ON s.id = sal.service_id \
         LEFT JOIN dir_organization o ON o.id = s.organization_id",
        columns::<ServiceAtLocation>("sal"),
        columns::<Location>("l"),
        columns::<Address>("a"),
        columns::<Service>("s"),
        columns::<Organization>("o"),
    );
    let unique: Vec<&String> = {
        let mut seen = HashSet::new();
        ids.iter().filter(|id| seen.insert(id.as_str())).collect()
    };
    let mut by_id: HashMap<String, ServiceAtLocation> = HashMap::with_capacity(unique.len());
    for chunk in unique.chunks(CHUNK) {
        let sql = format!(
            "{head} WHERE sal.id IN ({}) ORDER BY a.id",
            param_list(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.as_str());
        }
        for row in q.fetch_all(&mut *conn).await? {
            let Some(mut sal) = part::<ServiceAtLocation>(&row, 0)? else {
                continue;
            };
            let address = part::<Address>(&row, address_at)?.map(|mut a| {
                a.location_id = None;
                a
            });
            if let Some(seen) = by_id.get_mut(&sal.id) {
                if let (Some(location), Some(a)) = (seen.location.as_mut(), address) {
                    location.addresses.push(a);
                }
                continue;
            }
            let location = part::<Location>(&row, location_at)?.map(|mut l| {
                l.addresses.extend(address);
                l
            });
            let service = part::<Service>(&row, service_at)?;
            let organization = part::<Organization>(&row, organization_at)?;
            sal.location = sal.location_id.take().and(location).map(Box::new);
            sal.service = sal
                .service_id
                .take()
                .and(service)
                .map(|mut s| {
                    s.organization = s.organization_id.take().and(organization).map(Box::new);
                    s
                })
                .map(Box::new);
            by_id.insert(sal.id.clone(), sal);
        }
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}
