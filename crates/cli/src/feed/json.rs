//! Open Referral JSON in: a single record (service, service at location,
//! organisation, location, taxonomy or taxonomy term, told apart by their
//! fields), a page (`contents`), an array, or a package object with lists
//! named `services`, `organizations`, `locations`, `service_at_locations`,
//! `taxonomies` and `taxonomy_terms`. Out: that package, with every service
//! fully nested.

use super::Loaded;
use reconnect_domain::openreferral::*;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::collections::HashMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Service,
    ServiceAtLocation,
    Organization,
    Location,
    Taxonomy,
    TaxonomyTerm,
}

const PACKAGE: &[(&str, Kind)] = &[
    ("taxonomies", Kind::Taxonomy),
    ("taxonomy_terms", Kind::TaxonomyTerm),
    ("organizations", Kind::Organization),
    ("locations", Kind::Location),
    ("services", Kind::Service),
    ("service_at_locations", Kind::ServiceAtLocation),
];

fn detect(o: &Map<String, Value>) -> Option<Kind> {
    let has = |k: &str| o.contains_key(k);
    if has("status") {
        Some(Kind::Service)
    } else if has("location") || has("service") || (has("service_id") && has("location_id")) {
        Some(Kind::ServiceAtLocation)
    } else if has("location_type") {
        Some(Kind::Location)
    } else if has("taxonomy_terms") || has("version") {
        Some(Kind::Taxonomy)
    } else if [
        "parent_id",
        "taxonomy",
        "taxonomy_id",
        "term_uri",
        "term",
        "code",
    ]
    .iter()
    .any(|k| has(k))
    {
        Some(Kind::TaxonomyTerm)
    } else if [
        "organization_identifiers",
        "services",
        "website",
        "logo",
        "email",
        "parent_organization_id",
    ]
    .iter()
    .any(|k| has(k))
    {
        Some(Kind::Organization)
    } else {
        None
    }
}

/// Reads a JSON feed; problems are collected, not fatal.
pub fn read(text: &str) -> Loaded {
    let mut out = Loaded::default();
    let value: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            out.problems.push(format!("not valid JSON: {e}"));
            return out;
        }
    };
    match value {
        Value::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                add(&mut out, item, None, &format!("item {}", i + 1));
            }
        }
        Value::Object(o)
            if !o.contains_key("id") && o.get("contents").is_some_and(Value::is_array) =>
        {
            if let Some(Value::Array(items)) = o.get("contents") {
                for (i, item) in items.iter().enumerate() {
                    add(
                        &mut out,
                        item.clone(),
                        None,
                        &format!("contents item {}", i + 1),
                    );
                }
            }
        }
        Value::Object(o) if !o.contains_key("id") => {
            let mut any = false;
            for (key, kind) in PACKAGE {
                if let Some(Value::Array(items)) = o.get(*key) {
                    any = true;
                    for (i, item) in items.iter().enumerate() {
                        add(
                            &mut out,
                            item.clone(),
                            Some(*kind),
                            &format!("{key} item {}", i + 1),
                        );
                    }
                }
            }
            if !any {
                out.problems.push(
                    "the JSON is neither a record (it has no id), a page (no contents) nor a package (no services, organizations, locations, service_at_locations, taxonomies or taxonomy_terms)".into(),
                );
            }
        }
        v @ Value::Object(_) => add(&mut out, v, None, "the record"),
        _ => out
            .problems
            .push("the JSON must be an object or an array".into()),
    }
    out
}

fn typed<T: DeserializeOwned>(value: Value, place: &str, out: &mut Loaded) -> Option<T> {
    match serde_path_to_error::deserialize(value) {
        Ok(v) => Some(v),
        Err(e) => {
            let path = e.path().to_string();
            let at = if path == "." {
                String::new()
            } else {
                format!(" at {path}")
            };
            out.problems
                .push(format!("{place}{at}: {}", e.into_inner()));
            None
        }
    }
}

fn add(out: &mut Loaded, value: Value, kind: Option<Kind>, place: &str) {
    let Value::Object(mut o) = value else {
        out.problems
            .push(format!("{place}: a record must be a JSON object"));
        return;
    };
    let Some(kind) = kind.or_else(|| detect(&o)) else {
        out.problems.push(format!(
            "{place}: cannot tell what kind of record this is; put it in a package list named services, organizations, locations, taxonomies or taxonomy_terms"
        ));
        return;
    };
    let id = o
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string();
    let place = format!("{place} (id {id})");
    let before = out.tables.counts();
    match kind {
        Kind::Service => {
            if let Some(s) = typed::<Service>(Value::Object(o), &place, out) {
                out.tables.add_service(s);
            }
        }
        Kind::ServiceAtLocation => {
            if let Some(s) = typed::<ServiceAtLocation>(Value::Object(o), &place, out) {
                out.tables.add_service_at_location(s);
            }
        }
        Kind::Location => {
            if let Some(l) = typed::<Location>(Value::Object(o), &place, out) {
                out.tables.add_location(l);
            }
        }
        Kind::Taxonomy => {
            if let Some(t) = typed::<Taxonomy>(Value::Object(o), &place, out) {
                out.tables.add_taxonomy(t);
            }
        }
        Kind::TaxonomyTerm => {
            if let Some(t) = typed::<TaxonomyTerm>(Value::Object(o), &place, out) {
                out.tables.add_taxonomy_term(t);
            }
        }
        Kind::Organization => {
            let services = o.remove("services");
            if let Some(org) = typed::<Organization>(Value::Object(o), &place, out) {
                let org_id = org.id.clone();
                out.tables.add_organization(org);
                if let Some(Value::Array(services)) = services {
                    for (i, mut s) in services.into_iter().enumerate() {
                        if let Value::Object(m) = &mut s {
                            m.entry("organization_id")
                                .or_insert_with(|| org_id.clone().into());
                        }
                        let place = format!("{place} services item {}", i + 1);
                        if let Some(s) = typed::<Service>(s, &place, out) {
                            out.tables.add_service(s);
                        }
                    }
                }
            }
        }
    }
    note_origins(&before, &out.tables, &place, &mut out.origins);
}

/// Records the place of every record the last item added (new records are
/// appended, so they are the ones past the earlier counts).
fn note_origins(
    before: &[usize; 17],
    after: &Tables,
    place: &str,
    origins: &mut HashMap<String, String>,
) {
    let mut n = 0;
    macro_rules! note {
        ($($field:ident),*) => {$(
            for r in after.$field.iter().skip(before[n]) {
                origins.insert(format!("{}[{}]", stringify!($field), r.id), place.to_string());
            }
            n += 1;
        )*};
    }
    note!(
        taxonomies,
        taxonomy_terms,
        organizations,
        organization_identifiers,
        services,
        locations,
        service_at_locations,
        addresses,
        accessibility,
        contacts,
        phones,
        schedules,
        service_areas,
        languages,
        cost_options,
        funding,
        attributes
    );
    let _ = n;
}

/// The package `reconnect directory export --format json` writes: every
/// taxonomy with its terms (and the terms of no taxonomy), every organisation with its identifiers, every
/// location with its addresses and accessibility, and every service fully
/// nested. Importing it gives the same directory back.
pub fn package(services: Vec<Service>, taxonomies: Vec<Taxonomy>, t: &Tables) -> Value {
    let mut identifiers: HashMap<&str, Vec<OrganizationIdentifier>> = HashMap::new();
    for i in &t.organization_identifiers {
        if let Some(o) = i.organization_id.as_deref() {
            identifiers.entry(o).or_default().push(i.clone());
        }
    }
    let organizations: Vec<Organization> = t
        .organizations
        .iter()
        .map(|o| Organization {
            organization_identifiers: identifiers.remove(o.id.as_str()).unwrap_or_default(),
            ..o.clone()
        })
        .collect();
    let locations: Vec<Location> = t
        .locations
        .iter()
        .map(|l| Location {
            addresses: t
                .addresses
                .iter()
                .filter(|a| a.location_id.as_deref() == Some(&l.id))
                .cloned()
                .collect(),
            accessibility: t
                .accessibility
                .iter()
                .filter(|a| a.location_id.as_deref() == Some(&l.id))
                .cloned()
                .collect(),
            ..l.clone()
        })
        .collect();
    let loose_terms: Vec<&TaxonomyTerm> = t
        .taxonomy_terms
        .iter()
        .filter(|term| term.taxonomy_id.is_none())
        .collect();
    serde_json::json!({
        "taxonomies": taxonomies,
        "taxonomy_terms": loose_terms,
        "organizations": organizations,
        "locations": locations,
        "services": services,
    })
}
