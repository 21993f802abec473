//! Building nested records (a service with its organisation, locations,
//! schedules, contacts, attributes...) for a whole page of ids at once: one
//! query per table with an `IN` list, never one per record, so a page of 50
//! services costs the same dozen queries as a page of one.

use super::cells::{read_row, Record};
use super::CHUNK;
use crate::sql::param_list;
use crate::Result;
use reconnect_domain::openreferral::*;
use sqlx::AnyConnection;
use std::collections::{HashMap, HashSet};

/// How much of a service to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Depth {
    /// The service's own fields and its organisation (the profile's list form).
    Summary,
    /// Everything, except its service_at_locations (for inside one of them).
    WithoutLocations,
    /// Everything.
    Full,
}

/// Rows of `R` whose `column` is one of `ids`, in id order.
pub(crate) async fn load<R: Record>(
    conn: &mut AnyConnection,
    column: &str,
    ids: &[String],
) -> Result<Vec<R>> {
    let mut out = Vec::new();
    let unique: Vec<&String> = {
        let mut seen = HashSet::new();
        ids.iter().filter(|id| seen.insert(id.as_str())).collect()
    };
    for chunk in unique.chunks(CHUNK) {
        let sql = format!(
            "{} WHERE {column} IN ({}) ORDER BY id",
            R::select(),
            param_list(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.as_str());
        }
        for row in q.fetch_all(&mut *conn).await? {
            out.push(R::from_cells(read_row(&row, R::COLUMNS)?)?);
        }
    }
    Ok(out)
}

fn group<T>(items: Vec<T>, key: impl Fn(&T) -> Option<&String>) -> HashMap<String, Vec<T>> {
    let mut map: HashMap<String, Vec<T>> = HashMap::new();
    for item in items {
        if let Some(k) = key(&item).cloned() {
            map.entry(k).or_default().push(item);
        }
    }
    map
}

/// Attributes linked to any of `ids`, with their terms, by linked id.
async fn attributes_of(
    conn: &mut AnyConnection,
    ids: &[String],
) -> Result<HashMap<String, Vec<Attribute>>> {
    let attributes: Vec<Attribute> = load(conn, "link_id", ids).await?;
    let term_ids: Vec<String> = attributes
        .iter()
        .filter_map(|a| a.taxonomy_term_id.clone())
        .collect();
    let terms: HashMap<String, TaxonomyTerm> = load::<TaxonomyTerm>(conn, "id", &term_ids)
        .await?
        .into_iter()
        .map(|t| (t.id.clone(), t))
        .collect();
    let attributes = attributes
        .into_iter()
        .map(|mut a| {
            a.taxonomy_term = a
                .taxonomy_term_id
                .take()
                .and_then(|id| terms.get(&id).cloned());
            a
        })
        .collect();
    Ok(group(attributes, |a| a.link_id.as_ref())
        .into_iter()
        .map(|(k, list)| {
            let list = list
                .into_iter()
                .map(|mut a| {
                    a.link_id = None;
                    a.link_entity = None;
                    a
                })
                .collect();
            (k, list)
        })
        .collect())
}

fn take(map: &mut HashMap<String, Vec<Attribute>>, id: &str) -> Vec<Attribute> {
    map.remove(id).unwrap_or_default()
}

/// Locations by id, each with its addresses and accessibility (and, when
/// `children`, everyone's attributes); in the order of `ids`.
pub(crate) async fn locations(
    conn: &mut AnyConnection,
    ids: &[String],
    children: bool,
) -> Result<HashMap<String, Location>> {
    let mut locations: Vec<Location> = load(conn, "id", ids).await?;
    let mut addresses = group(load::<Address>(conn, "location_id", ids).await?, |a| {
        a.location_id.as_ref()
    });
    let mut access = if children {
        group(
            load::<Accessibility>(conn, "location_id", ids).await?,
            |a| a.location_id.as_ref(),
        )
    } else {
        HashMap::new()
    };
    let mut attrs = if children {
        let mut linked: Vec<String> = ids.to_vec();
        linked.extend(addresses.values().flatten().map(|a| a.id.clone()));
        linked.extend(access.values().flatten().map(|a| a.id.clone()));
        attributes_of(conn, &linked).await?
    } else {
        HashMap::new()
    };
    for l in &mut locations {
        l.addresses = addresses.remove(&l.id).unwrap_or_default();
        for a in &mut l.addresses {
            a.location_id = None;
            a.attributes = take(&mut attrs, &a.id);
        }
        l.accessibility = access.remove(&l.id).unwrap_or_default();
        for a in &mut l.accessibility {
            a.location_id = None;
            a.attributes = take(&mut attrs, &a.id);
        }
        l.attributes = take(&mut attrs, &l.id);
    }
    Ok(locations.into_iter().map(|l| (l.id.clone(), l)).collect())
}

/// Services with `ids`, built to `depth`, in the order of `ids` (unknown ids
/// are left out).
pub(crate) async fn services(
    conn: &mut AnyConnection,
    ids: &[String],
    depth: Depth,
) -> Result<Vec<Service>> {
    let mut by_id: HashMap<String, Service> = load::<Service>(conn, "id", ids)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let org_ids: Vec<String> = by_id
        .values()
        .filter_map(|s| s.organization_id.clone())
        .collect();
    let mut orgs: HashMap<String, Organization> = load::<Organization>(conn, "id", &org_ids)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();

    if depth != Depth::Summary {
        let mut identifiers = group(
            load::<OrganizationIdentifier>(conn, "organization_id", &org_ids).await?,
            |i| i.organization_id.as_ref(),
        );
        let mut schedules = group(load::<Schedule>(conn, "service_id", ids).await?, |x| {
            x.service_id.as_ref()
        });
        let mut areas = group(load::<ServiceArea>(conn, "service_id", ids).await?, |x| {
            x.service_id.as_ref()
        });
        let mut languages = group(load::<Language>(conn, "service_id", ids).await?, |x| {
            x.service_id.as_ref()
        });
        let mut funding = group(load::<Funding>(conn, "service_id", ids).await?, |x| {
            x.service_id.as_ref()
        });
        let mut costs = group(load::<CostOption>(conn, "service_id", ids).await?, |x| {
            x.service_id.as_ref()
        });
        let mut contacts = group(load::<Contact>(conn, "service_id", ids).await?, |x| {
            x.service_id.as_ref()
        });
        let contact_ids: Vec<String> = contacts.values().flatten().map(|c| c.id.clone()).collect();
        let mut contact_phones = group(
            load::<Phone>(conn, "contact_id", &contact_ids).await?,
            |p| p.contact_id.as_ref(),
        );
        let mut phones = group(
            load::<Phone>(conn, "service_id", ids)
                .await?
                .into_iter()
                .filter(|p| p.contact_id.is_none())
                .collect(),
            |p| p.service_id.as_ref(),
        );
        let (mut sals, mut locs) = if depth == Depth::Full {
            let sals = load::<ServiceAtLocation>(conn, "service_id", ids).await?;
            let loc_ids: Vec<String> = sals.iter().filter_map(|s| s.location_id.clone()).collect();
            (
                group(sals, |s| s.service_id.as_ref()),
                locations(conn, &loc_ids, true).await?,
            )
        } else {
            (HashMap::new(), HashMap::new())
        };
        let mut linked: Vec<String> = ids.to_vec();
        linked.extend(org_ids.iter().cloned());
        linked.extend(identifiers.values().flatten().map(|i| i.id.clone()));
        linked.extend(contact_ids.iter().cloned());
        let mut attrs = attributes_of(conn, &linked).await?;

        for org in orgs.values_mut() {
            org.organization_identifiers = identifiers.remove(&org.id).unwrap_or_default();
            for i in &mut org.organization_identifiers {
                i.organization_id = None;
                i.attributes = take(&mut attrs, &i.id);
            }
        }
        for s in by_id.values_mut() {
            let id = s.id.clone();
            s.schedules = strip(schedules.remove(&id), |x| x.service_id = None);
            s.service_areas = strip(areas.remove(&id), |x| x.service_id = None);
            s.languages = strip(languages.remove(&id), |x| x.service_id = None);
            s.funding = strip(funding.remove(&id), |x| x.service_id = None);
            s.cost_options = strip(costs.remove(&id), |x| x.service_id = None);
            s.phones = strip(phones.remove(&id), |x| x.service_id = None);
            s.contacts = strip(contacts.remove(&id), |c| c.service_id = None);
            for c in &mut s.contacts {
                c.phones = strip(contact_phones.remove(&c.id), |p| {
                    p.contact_id = None;
                    p.service_id = None;
                });
                c.attributes = take(&mut attrs, &c.id);
            }
            s.service_at_locations = strip(sals.remove(&id), |sal| {
                sal.service_id = None;
                sal.location = sal
                    .location_id
                    .take()
                    .and_then(|l| locs.get(&l).cloned())
                    .map(Box::new);
            });
            s.attributes = take(&mut attrs, &id);
        }
        for org in orgs.values_mut() {
            org.attributes = take(&mut attrs, &org.id);
        }
        locs.clear();
    }

    Ok(ids
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(|mut s| {
            s.organization = s
                .organization_id
                .take()
                .and_then(|o| orgs.get(&o).cloned())
                .map(Box::new);
            s
        })
        .collect())
}

fn strip<T>(list: Option<Vec<T>>, f: impl Fn(&mut T)) -> Vec<T> {
    let mut list = list.unwrap_or_default();
    list.iter_mut().for_each(f);
    list
}
