//! The profile's CSV tables: one file per table, named as each schema's
//! "path" says (services.csv, organizations.csv, ...), with a header row of
//! the table's field names. Empty cells are absent values. Missing files are
//! empty tables; unknown columns are ignored.

use super::Loaded;
use reconnect_domain::openreferral::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::path::Path;

/// Columns holding whole numbers and numbers with a fraction.
const INTEGERS: &[&str] = &["minimum_age", "maximum_age", "interval"];
const DECIMALS: &[&str] = &["latitude", "longitude", "amount"];

macro_rules! tables {
    ($($field:ident, $file:literal, $ty:ty, [$($col:literal),* $(,)?];)*) => {
        /// Every table's file name, in the order they are read and written.
        pub const FILES: &[&str] = &[$($file),*];

        /// Writes every table of `t` into `dir` (created if missing).
        pub fn write_dir(t: &Tables, dir: &Path) -> anyhow::Result<()> {
            std::fs::create_dir_all(dir)?;
            $( write_table(&dir.join($file), &[$($col),*], &t.$field)?; )*
            Ok(())
        }

        /// Reads every table file present in `dir`.
        pub fn read_dir(dir: &Path) -> anyhow::Result<Loaded> {
            let mut out = Loaded::default();
            let mut found = false;
            $(
                let path = dir.join($file);
                if path.is_file() {
                    found = true;
                    out.tables.$field = read_table::<$ty>(&path, $file, stringify!($field), &mut out)?;
                }
            )*
            if !found {
                anyhow::bail!(
                    "{} holds none of the profile's CSV tables ({})",
                    dir.display(),
                    FILES.join(", ")
                );
            }
            Ok(out)
        }
    };
}

tables! {
    taxonomies, "taxonomies.csv", Taxonomy, ["id", "name", "description", "uri", "version"];
    taxonomy_terms, "taxonomy_terms.csv", TaxonomyTerm, ["id", "code", "name", "description", "parent_id", "taxonomy", "taxonomy_id", "term_uri", "language", "term"];
    organizations, "organizations.csv", Organization, ["id", "name", "description", "email", "website", "logo", "uri", "parent_organization_id"];
    organization_identifiers, "organization_identifiers.csv", OrganizationIdentifier, ["id", "organization_id", "identifier_scheme", "identifier_type", "identifier"];
    services, "services.csv", Service, ["id", "organization_id", "name", "description", "url", "email", "status", "fees", "accreditations", "eligibility_description", "minimum_age", "maximum_age", "eligible_genders", "how_to_refer", "assured_date", "assurer_email", "alert", "last_modified"];
    locations, "locations.csv", Location, ["id", "organization_id", "location_type", "name", "description", "latitude", "longitude", "external_identifier", "external_identifier_type"];
    service_at_locations, "service_at_location.csv", ServiceAtLocation, ["id", "service_id", "location_id", "description"];
    addresses, "address.csv", Address, ["id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province", "postal_code", "country", "address_type"];
    accessibility, "accessibility.csv", Accessibility, ["id", "location_id", "description", "details", "url", "accessibility"];
    contacts, "contacts.csv", Contact, ["id", "organization_id", "service_id", "service_at_location_id", "location_id", "name", "title", "department", "email"];
    phones, "phones.csv", Phone, ["id", "contact_id", "service_id", "location_id", "organization_id", "service_at_location_id", "number", "extension", "type", "description"];
    schedules, "schedule.csv", Schedule, ["id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to", "dtstart", "freq", "interval", "byday", "bymonthday", "description", "opens_at", "closes_at", "schedule_link", "attending_type", "notes"];
    service_areas, "service_areas.csv", ServiceArea, ["id", "service_id", "service_at_location_id", "name", "description", "extent", "extent_type", "uri", "service_area"];
    languages, "languages.csv", Language, ["id", "service_id", "location_id", "phone_id", "name", "code", "note"];
    cost_options, "cost_options.csv", CostOption, ["id", "service_id", "valid_from", "valid_to", "option", "currency", "amount", "amount_description"];
    funding, "funding.csv", Funding, ["id", "organization_id", "service_id", "source"];
    attributes, "attribute.csv", Attribute, ["id", "link_id", "link_type", "link_entity", "taxonomy_term_id", "value", "label"];
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn write_table<T: Serialize>(path: &Path, columns: &[&str], rows: &[T]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    w.write_record(columns)?;
    for row in rows {
        let value = serde_json::to_value(row)?;
        w.write_record(columns.iter().map(|c| cell(value.get(*c))))?;
    }
    w.flush()?;
    Ok(())
}

fn read_table<T: DeserializeOwned>(
    path: &Path,
    file: &str,
    table: &str,
    out: &mut Loaded,
) -> anyhow::Result<Vec<T>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::Headers)
        .from_path(path)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let headers: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    if !headers.iter().any(|h| h == "id") {
        out.problems
            .push(format!("{file}: the header row has no id column"));
        return Ok(Vec::new());
    }
    let mut rows = Vec::new();
    let mut ids = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.problems.push(format!("{file}: {e}"));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let place = format!("{file} line {line}");
        let mut object = Map::new();
        let mut bad = false;
        for (name, raw) in headers.iter().zip(record.iter()) {
            if raw.is_empty() {
                continue;
            }
            let value = if INTEGERS.contains(&name.as_str()) {
                raw.trim().parse::<i64>().ok().map(Value::from)
            } else if DECIMALS.contains(&name.as_str()) {
                raw.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(Value::from)
            } else {
                Some(Value::String(raw.to_string()))
            };
            match value {
                Some(v) => {
                    object.insert(name.clone(), v);
                }
                None => {
                    out.problems
                        .push(format!("{place}: {name} {raw:?} is not a number"));
                    bad = true;
                }
            }
        }
        if bad {
            continue;
        }
        let id = object
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if !ids.insert(id.clone()) {
            out.problems
                .push(format!("{place}: id {id} appears more than once in {file}"));
            continue;
        }
        match serde_path_to_error::deserialize::<_, T>(Value::Object(object)) {
            Ok(row) => {
                out.origins.insert(format!("{table}[{id}]"), place);
                rows.push(row);
            }
            Err(e) => out.problems.push(format!("{place}: {}", e.into_inner())),
        }
    }
    Ok(rows)
}
