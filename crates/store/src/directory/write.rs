//! Upserting a feed: every record is checked first (its own fields, then that
//! every id it refers to exists in the feed or the directory), and only then
//! written, table by table, in ONE transaction. A feed with any problem
//! writes nothing. Records are matched by id: a new id is added, a known id
//! whose fields differ is changed, and the rest are left alone.

use super::cells::{bind_cells, fill_missing, read_row, Cell, Kind, Record};
use crate::sql::param_list;
use crate::{Result, Store, StoreError};
use reconnect_domain::openreferral::validate::validate;
use reconnect_domain::openreferral::Tables;
use reconnect_domain::FieldError;
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What an upsert did to one table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableCounts {
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
}

/// What an upsert did, per table (named as the profile's tables are).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UpsertReport {
    pub tables: BTreeMap<&'static str, TableCounts>,
}

impl UpsertReport {
    /// Counts over every table.
    pub fn total(&self) -> TableCounts {
        self.tables
            .values()
            .fold(TableCounts::default(), |a, c| TableCounts {
                added: a.added + c.added,
                changed: a.changed + c.changed,
                unchanged: a.unchanged + c.unchanged,
            })
    }
}

impl Store {
    /// Adds or updates every record of `feed` by id, in one transaction.
    /// Refuses the whole feed with [`StoreError::Invalid`] (one error per
    /// field, named `table[id].field`) when any record is wrong or refers to a
    /// record that is neither in the feed nor in the directory.
    pub async fn upsert_directory(&self, feed: &Tables) -> Result<UpsertReport> {
        let mut errors = validate(feed);
        let mut tx = self.begin_read_write().await?;
        check_references(&mut tx, feed, &mut errors).await?;
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let now = self.now_ms();
        let mut report = UpsertReport::default();
        let conn: &mut AnyConnection = &mut tx;
        upsert(conn, &feed.taxonomies, now, &mut report).await?;
        upsert(conn, &parents_first(&feed.taxonomy_terms), now, &mut report).await?;
        upsert(conn, &feed.organizations, now, &mut report).await?;
        upsert(conn, &feed.organization_identifiers, now, &mut report).await?;
        upsert(conn, &feed.services, now, &mut report).await?;
        upsert(conn, &feed.locations, now, &mut report).await?;
        upsert(conn, &feed.service_at_locations, now, &mut report).await?;
        upsert(conn, &feed.addresses, now, &mut report).await?;
        upsert(conn, &feed.accessibility, now, &mut report).await?;
        upsert(conn, &feed.contacts, now, &mut report).await?;
        upsert(conn, &feed.phones, now, &mut report).await?;
        upsert(conn, &feed.schedules, now, &mut report).await?;
        upsert(conn, &feed.service_areas, now, &mut report).await?;
        upsert(conn, &feed.languages, now, &mut report).await?;
        upsert(conn, &feed.cost_options, now, &mut report).await?;
        upsert(conn, &feed.funding, now, &mut report).await?;
        upsert(conn, &feed.attributes, now, &mut report).await?;
        tx.commit().await?;
        Ok(report)
    }
}

/// Terms whose parent is in the same feed come after that parent.
fn parents_first(
    terms: &[reconnect_domain::openreferral::TaxonomyTerm],
) -> Vec<reconnect_domain::openreferral::TaxonomyTerm> {
    let mut done: HashSet<&str> = HashSet::new();
    let in_feed: HashSet<&str> = terms.iter().map(|t| t.id.as_str()).collect();
    let mut out = Vec::with_capacity(terms.len());
    let mut left: Vec<_> = terms.iter().collect();
    while !left.is_empty() {
        let before = left.len();
        left.retain(|t| {
            let ready = t
                .parent_id
                .as_deref()
                .is_none_or(|p| !in_feed.contains(p) || done.contains(p));
            if ready {
                done.insert(&t.id);
                out.push((*t).clone());
            }
            !ready
        });
        if left.len() == before {
            // A loop of parents: keep the given order; the database refuses it.
            out.extend(left.drain(..).cloned());
        }
    }
    out
}

async fn upsert<R: Record>(
    conn: &mut AnyConnection,
    rows: &[R],
    now: i64,
    report: &mut UpsertReport,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let upsert = R::upsert_sql();
    let counts = report.tables.entry(R::TABLE).or_default();
    for chunk in rows.chunks(super::CHUNK) {
        // What is stored for this chunk's ids, read in one query.
        let sql = format!(
            "{} WHERE id IN ({})",
            R::select(),
            param_list(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for row in chunk {
            q = q.bind(row.id());
        }
        let mut stored: HashMap<String, Vec<Cell>> = HashMap::new();
        for r in q.fetch_all(&mut *conn).await? {
            let cells = read_row(&r, R::COLUMNS)?;
            if let Some(Cell::Text(Some(id))) = cells.first() {
                stored.insert(id.clone(), cells);
            }
        }
        for row in chunk {
            let mut cells = row.cells()?;
            let old = stored.remove(row.id());
            match &old {
                Some(old) => fill_missing(&mut cells, old, R::COLUMNS),
                None => stamp_now(&mut cells, R::COLUMNS, now),
            }
            match old {
                Some(old) if old == cells => {
                    counts.unchanged += 1;
                    continue;
                }
                Some(_) => counts.changed += 1,
                None => counts.added += 1,
            }
            bind_cells(sqlx::query(&upsert), cells)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

fn stamp_now(cells: &mut [Cell], columns: &[(&str, Kind)], now: i64) {
    for (cell, (_, kind)) in cells.iter_mut().zip(columns) {
        if *kind == Kind::Millis && *cell == Cell::Int(None) {
            *cell = Cell::Int(Some(now));
        }
    }
}

/// One reference to check: which record and field, the table it points to,
/// and the id.
struct Reference<'a> {
    field: String,
    table: &'static str,
    id: &'a str,
}

/// A reference field: its name, the table it points into, and how to read it.
type Field<'a, T> = (&'static str, &'static str, fn(&'a T) -> Option<&'a str>);

fn refs<'a, T>(
    out: &mut Vec<Reference<'a>>,
    list: &'a [T],
    from: &'static str,
    id: impl Fn(&'a T) -> &'a str,
    fields: &[Field<'a, T>],
) {
    for x in list {
        for (field, table, get) in fields {
            if let Some(target) = get(x) {
                out.push(Reference {
                    field: format!("{from}[{}].{field}", id(x)),
                    table,
                    id: target,
                });
            }
        }
    }
}

/// Every id a feed refers to must be in the feed or already stored.
async fn check_references(
    conn: &mut AnyConnection,
    t: &Tables,
    errors: &mut Vec<FieldError>,
) -> Result<()> {
    let mut all = Vec::new();
    refs(
        &mut all,
        &t.taxonomy_terms,
        "taxonomy_terms",
        |x| &x.id,
        &[
            ("parent_id", "dir_taxonomy_term", |x| x.parent_id.as_deref()),
            ("taxonomy_id", "dir_taxonomy", |x| x.taxonomy_id.as_deref()),
        ],
    );
    refs(
        &mut all,
        &t.organization_identifiers,
        "organization_identifiers",
        |x| &x.id,
        &[("organization_id", "dir_organization", |x| {
            x.organization_id.as_deref()
        })],
    );
    refs(
        &mut all,
        &t.services,
        "services",
        |x| &x.id,
        &[("organization_id", "dir_organization", |x| {
            x.organization_id.as_deref()
        })],
    );
    refs(
        &mut all,
        &t.locations,
        "locations",
        |x| &x.id,
        &[("organization_id", "dir_organization", |x| {
            x.organization_id.as_deref()
        })],
    );
    refs(
        &mut all,
        &t.service_at_locations,
        "service_at_locations",
        |x| &x.id,
        &[
            ("service_id", "dir_service", |x| x.service_id.as_deref()),
            ("location_id", "dir_location", |x| x.location_id.as_deref()),
        ],
    );
    refs(
        &mut all,
        &t.addresses,
        "addresses",
        |x| &x.id,
        &[("location_id", "dir_location", |x| x.location_id.as_deref())],
    );
    refs(
        &mut all,
        &t.accessibility,
        "accessibility",
        |x| &x.id,
        &[("location_id", "dir_location", |x| x.location_id.as_deref())],
    );
    refs(
        &mut all,
        &t.contacts,
        "contacts",
        |x| &x.id,
        &[
            ("organization_id", "dir_organization", |x| {
                x.organization_id.as_deref()
            }),
            ("service_id", "dir_service", |x| x.service_id.as_deref()),
            ("service_at_location_id", "dir_service_at_location", |x| {
                x.service_at_location_id.as_deref()
            }),
            ("location_id", "dir_location", |x| x.location_id.as_deref()),
        ],
    );
    refs(
        &mut all,
        &t.phones,
        "phones",
        |x| &x.id,
        &[
            ("contact_id", "dir_contact", |x| x.contact_id.as_deref()),
            ("service_id", "dir_service", |x| x.service_id.as_deref()),
            ("location_id", "dir_location", |x| x.location_id.as_deref()),
            ("organization_id", "dir_organization", |x| {
                x.organization_id.as_deref()
            }),
            ("service_at_location_id", "dir_service_at_location", |x| {
                x.service_at_location_id.as_deref()
            }),
        ],
    );
    refs(
        &mut all,
        &t.schedules,
        "schedules",
        |x| &x.id,
        &[
            ("service_id", "dir_service", |x| x.service_id.as_deref()),
            ("location_id", "dir_location", |x| x.location_id.as_deref()),
            ("service_at_location_id", "dir_service_at_location", |x| {
                x.service_at_location_id.as_deref()
            }),
        ],
    );
    refs(
        &mut all,
        &t.service_areas,
        "service_areas",
        |x| &x.id,
        &[
            ("service_id", "dir_service", |x| x.service_id.as_deref()),
            ("service_at_location_id", "dir_service_at_location", |x| {
                x.service_at_location_id.as_deref()
            }),
        ],
    );
    refs(
        &mut all,
        &t.languages,
        "languages",
        |x| &x.id,
        &[
            ("service_id", "dir_service", |x| x.service_id.as_deref()),
            ("location_id", "dir_location", |x| x.location_id.as_deref()),
            ("phone_id", "dir_phone", |x| x.phone_id.as_deref()),
        ],
    );
    refs(
        &mut all,
        &t.cost_options,
        "cost_options",
        |x| &x.id,
        &[("service_id", "dir_service", |x| x.service_id.as_deref())],
    );
    refs(
        &mut all,
        &t.funding,
        "funding",
        |x| &x.id,
        &[
            ("organization_id", "dir_organization", |x| {
                x.organization_id.as_deref()
            }),
            ("service_id", "dir_service", |x| x.service_id.as_deref()),
        ],
    );
    refs(
        &mut all,
        &t.attributes,
        "attributes",
        |x| &x.id,
        &[("taxonomy_term_id", "dir_taxonomy_term", |x| {
            x.taxonomy_term_id.as_deref()
        })],
    );

    let in_feed = |table: &str| -> HashSet<&str> {
        let ids: Vec<&str> = match table {
            "dir_taxonomy_term" => t.taxonomy_terms.iter().map(|x| x.id.as_str()).collect(),
            "dir_taxonomy" => t.taxonomies.iter().map(|x| x.id.as_str()).collect(),
            "dir_organization" => t.organizations.iter().map(|x| x.id.as_str()).collect(),
            "dir_service" => t.services.iter().map(|x| x.id.as_str()).collect(),
            "dir_location" => t.locations.iter().map(|x| x.id.as_str()).collect(),
            "dir_service_at_location" => t
                .service_at_locations
                .iter()
                .map(|x| x.id.as_str())
                .collect(),
            "dir_contact" => t.contacts.iter().map(|x| x.id.as_str()).collect(),
            "dir_phone" => t.phones.iter().map(|x| x.id.as_str()).collect(),
            _ => Vec::new(),
        };
        ids.into_iter().collect()
    };
    let mut by_table: BTreeMap<&'static str, Vec<&Reference<'_>>> = BTreeMap::new();
    for r in &all {
        by_table.entry(r.table).or_default().push(r);
    }
    for (table, list) in by_table {
        let feed_ids = in_feed(table);
        let missing: Vec<&str> = list
            .iter()
            .map(|r| r.id)
            .filter(|id| !feed_ids.contains(id))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let stored = existing_ids(conn, table, &missing).await?;
        for r in list {
            if !feed_ids.contains(r.id) && !stored.contains(r.id) {
                errors.push(FieldError::new(
                    r.field.clone(),
                    format!("There is no {} with id {}", noun(table), r.id),
                ));
            }
        }
    }
    Ok(())
}

fn noun(table: &str) -> &'static str {
    match table {
        "dir_taxonomy_term" => "taxonomy term",
        "dir_taxonomy" => "taxonomy",
        "dir_organization" => "organization",
        "dir_service" => "service",
        "dir_location" => "location",
        "dir_service_at_location" => "service at location",
        "dir_contact" => "contact",
        "dir_phone" => "phone",
        _ => "record",
    }
}

/// Which of `ids` are stored in `table`.
pub(crate) async fn existing_ids(
    conn: &mut AnyConnection,
    table: &str,
    ids: &[&str],
) -> Result<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in ids.chunks(super::CHUNK) {
        let sql = format!(
            "SELECT id FROM {table} WHERE id IN ({})",
            param_list(1, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        found.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(found)
}
