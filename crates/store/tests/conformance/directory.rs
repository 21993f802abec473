//! The services directory (Open Referral UK 3.0): the field taxonomy seeded
//! by migration, upserts by id in one transaction that refuse a bad feed
//! whole, nested reads equal to what was imported, the profile's filters,
//! proximity by exact distance, and postcode coordinates.

use super::assert_invalid;
use reconnect_domain::geo::Coordinates;
use reconnect_domain::openreferral::*;
use reconnect_domain::postcode::Postcode;
use reconnect_domain::service_taxonomy;
use reconnect_store::directory::{Near, PostcodeRow, ServiceFilter};
use reconnect_store::testing::TestDb;
use serde_json::Value;

on_both_engines!(
    the_field_taxonomy_is_seeded_exactly_as_the_rust_list,
    an_imported_service_reads_back_as_it_was_given,
    a_feed_with_any_problem_writes_nothing,
    services_are_filtered_as_the_profile_says,
    nearby_services_come_nearest_first_within_the_radius,
    a_page_of_service_at_locations_is_the_nested_read_in_list_form,
    postcodes_are_imported_in_batches_and_looked_up,
);

const EXAMPLES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/open-referral-uk/examples"
);

fn example(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{EXAMPLES}/{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The example with its impossible coordinates (latitude 100) moved to Guildford.
fn service_full() -> Value {
    let mut v = example("service_full.json");
    let loc = &mut v["service_at_locations"][0]["location"];
    loc["latitude"] = 51.2362.into();
    loc["longitude"] = (-0.5704).into();
    v
}

/// Numbers compared as numbers (12 == 12.0) and lists in id order.
pub fn normalise(v: Value) -> Value {
    match v {
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
        Value::Array(items) => {
            let mut items: Vec<Value> = items.into_iter().map(normalise).collect();
            items.sort_by_key(|i| i["id"].as_str().unwrap_or_default().to_string());
            Value::Array(items)
        }
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, normalise(v))).collect())
        }
        other => other,
    }
}

/// The parent term the examples' term names (it is in no example itself).
fn example_parent_term() -> Tables {
    let mut t = Tables::default();
    t.add_taxonomy_term(TaxonomyTerm {
        id: "0bc248fa-dc27-4650-9ba4-8f1a24ef16a2".into(),
        name: "Parent".into(),
        description: "The parent of the examples' term".into(),
        ..Default::default()
    });
    t
}

fn id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A service at one location with the given coordinates and terms.
fn service_at(n: u32, name: &str, at: (f64, f64), terms: &[&str]) -> Service {
    Service {
        id: id(n),
        name: name.into(),
        description: Some(format!("{name} helps people")),
        status: "active".into(),
        organization: Some(Box::new(Organization {
            id: id(900),
            name: "Org".into(),
            description: "An organisation".into(),
            ..Default::default()
        })),
        service_at_locations: vec![ServiceAtLocation {
            id: id(n + 100),
            location: Some(Box::new(Location {
                id: id(n + 200),
                location_type: "physical".into(),
                latitude: Some(at.0),
                longitude: Some(at.1),
                ..Default::default()
            })),
            ..Default::default()
        }],
        attributes: terms
            .iter()
            .enumerate()
            .map(|(i, t)| Attribute {
                id: id(n * 10 + i as u32 + 300),
                taxonomy_term_id: Some(service_taxonomy::by_code(t).unwrap().id.into()),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

fn feed(services: Vec<Service>) -> Tables {
    let mut t = Tables::default();
    for s in services {
        t.add_service(s);
    }
    t
}

async fn the_field_taxonomy_is_seeded_exactly_as_the_rust_list(db: &TestDb) {
    let taxonomy = db
        .store
        .directory_taxonomy(service_taxonomy::TAXONOMY_ID)
        .await
        .unwrap();
    assert_eq!(taxonomy.name, service_taxonomy::TAXONOMY_NAME);
    assert_eq!(taxonomy.description, service_taxonomy::TAXONOMY_DESCRIPTION);
    assert_eq!(
        taxonomy.version.as_deref(),
        Some(service_taxonomy::TAXONOMY_VERSION)
    );
    let mut stored: Vec<(String, Option<String>, String, String)> = taxonomy
        .taxonomy_terms
        .into_iter()
        .map(|t| (t.id, t.code, t.name, t.description))
        .collect();
    stored.sort();
    let mut rust: Vec<(String, Option<String>, String, String)> = service_taxonomy::TERMS
        .iter()
        .map(|t| {
            (
                t.id.into(),
                Some(t.code.into()),
                t.name.into(),
                t.description.into(),
            )
        })
        .collect();
    rust.sort();
    assert_eq!(stored, rust);
}

async fn an_imported_service_reads_back_as_it_was_given(db: &TestDb) {
    db.store
        .upsert_directory(&example_parent_term())
        .await
        .unwrap();
    let given: Service = serde_json::from_value(service_full()).unwrap();
    let mut t = Tables::default();
    t.add_service(given.clone());
    let report = db.store.upsert_directory(&t).await.unwrap();
    assert_eq!(report.total().added as usize, t.len());
    assert_eq!(report.tables["dir_service"].added, 1);

    let read = db.store.directory_service(&given.id).await.unwrap();
    assert_eq!(
        normalise(serde_json::to_value(&read).unwrap()),
        normalise(service_full())
    );

    let again = db.store.upsert_directory(&t).await.unwrap();
    assert_eq!(again.total().unchanged as usize, t.len(), "{again:?}");

    let mut renamed = given.clone();
    renamed.name = "Community Counselling and Support".into();
    let changed = db
        .store
        .upsert_directory(&feed(vec![renamed]))
        .await
        .unwrap();
    assert_eq!(changed.tables["dir_service"].changed, 1);
    assert_eq!(changed.total().changed, 1);
    let read = db.store.directory_service(&given.id).await.unwrap();
    assert_eq!(read.name, "Community Counselling and Support");
    assert_eq!(
        read.last_modified.as_deref(),
        Some("2023-03-15T10:30:45.123Z")
    );

    let terms = db.store.service_terms(&given.id).await.unwrap();
    assert_eq!(terms.len(), 1);
    assert_eq!(terms[0].id, "3f7b145d-84af-42d7-8fae-eaca714b02b2");

    let exported = db.store.export_directory_tables().await.unwrap();
    assert_eq!(exported.services.len(), 1);
    assert_eq!(
        exported.len(),
        t.len() + 1 + 1 + service_taxonomy::TERMS.len()
    );
}

async fn a_feed_with_any_problem_writes_nothing(db: &TestDb) {
    // The example as published: latitude 100 is nowhere on Earth.
    let raw: Service = serde_json::from_value(example("service_full.json")).unwrap();
    let r = db.store.upsert_directory(&feed(vec![raw])).await;
    assert_invalid(
        r,
        "locations[3a19ff88-4620-4d17-9830-ac1d859eb5d5].latitude",
    );

    // A good service alongside one naming a taxonomy term nobody has.
    let good = service_at(1, "Good", (51.0, -0.5), &["housing"]);
    let mut bad = service_at(2, "Bad", (51.0, -0.5), &[]);
    bad.attributes.push(Attribute {
        id: id(77),
        taxonomy_term_id: Some(id(78)),
        ..Default::default()
    });
    let r = db
        .store
        .upsert_directory(&feed(vec![good.clone(), bad]))
        .await;
    assert_invalid(r, &format!("attributes[{}].taxonomy_term_id", id(77)));
    assert!(matches!(
        db.store.directory_service(&good.id).await,
        Err(reconnect_store::StoreError::NotFound)
    ));

    // A service at a location that is neither in the feed nor stored.
    let mut t = Tables::default();
    t.add_service_at_location(ServiceAtLocation {
        id: id(5),
        service_id: Some(id(6)),
        location_id: Some(id(7)),
        ..Default::default()
    });
    let r = db.store.upsert_directory(&t).await;
    assert_invalid(r, &format!("service_at_locations[{}].location_id", id(5)));
    let all = db.store.export_directory_tables().await.unwrap();
    assert!(all.services.is_empty() && all.locations.is_empty());
}

async fn services_are_filtered_as_the_profile_says(db: &TestDb) {
    let mut young = service_at(1, "Youth housing", (51.0, -0.5), &["housing"]);
    young.minimum_age = Some(16);
    young.maximum_age = Some(25);
    let mut adults = service_at(2, "Adult recovery", (51.0, -0.5), &["substance-misuse"]);
    adults.minimum_age = Some(18);
    let mut closed = service_at(3, "Closed housing advice", (51.0, -0.5), &["housing"]);
    closed.status = "defunct".into();
    db.store
        .upsert_directory(&feed(vec![young, adults, closed]))
        .await
        .unwrap();
    let names = |p: Page<Service>| p.contents.into_iter().map(|s| s.name).collect::<Vec<_>>();
    let all = db
        .store
        .directory_services(&ServiceFilter::default(), PageRequest::default())
        .await
        .unwrap();
    assert_eq!(all.total_items, 2, "defunct services are not listed");
    assert_eq!(names(all), ["Adult recovery", "Youth housing"]);

    let housing = service_taxonomy::by_code("housing").unwrap().id;
    let f = ServiceFilter {
        taxonomy_term_id: Some(housing.into()),
        ..Default::default()
    };
    let page = db
        .store
        .directory_services(&f, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(names(page), ["Youth housing"]);

    let f = ServiceFilter {
        search: Some("RECOVERY".into()),
        ..Default::default()
    };
    let page = db
        .store
        .directory_services(&f, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(names(page), ["Adult recovery"]);

    let f = ServiceFilter {
        minimum_age: Some(18),
        ..Default::default()
    };
    let page = db
        .store
        .directory_services(&f, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(names(page), ["Adult recovery"]);
    let f = ServiceFilter {
        maximum_age: Some(30),
        ..Default::default()
    };
    let page = db
        .store
        .directory_services(&f, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(names(page), ["Youth housing"]);

    let f = ServiceFilter {
        taxonomy_id: Some(service_taxonomy::TAXONOMY_ID.into()),
        ..Default::default()
    };
    let page = db
        .store
        .directory_services(
            &f,
            PageRequest {
                page: 2,
                per_page: 1,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (page.total_items, page.total_pages, page.last_page),
        (2, 2, true)
    );
    assert_eq!(names(page), ["Youth housing"]);

    let f = ServiceFilter {
        taxonomy_term_id: Some(id(999)),
        ..Default::default()
    };
    assert_invalid(
        db.store
            .directory_services(&f, PageRequest::default())
            .await,
        "taxonomy_term_id",
    );
}

async fn nearby_services_come_nearest_first_within_the_radius(db: &TestDb) {
    // Along the meridian through Guildford a degree of latitude is
    // 111,195 m on a sphere of the mean Earth radius.
    let origin = Coordinates::new(51.2, -0.57).unwrap();
    let near = service_at(1, "Near", (51.21, -0.57), &["housing"]); // 1,112 m
    let far = service_at(2, "Far", (51.29, -0.57), &["housing"]); // 10,008 m
    let nearest = service_at(3, "Nearest", (51.2, -0.57), &["housing"]); // 0 m
    let outside = service_at(4, "Outside", (51.4, -0.57), &["housing"]); // 22,239 m
    db.store
        .upsert_directory(&feed(vec![near, far, nearest, outside]))
        .await
        .unwrap();
    let within = Near {
        point: origin,
        radius_m: 15_000.0,
    };
    let page = db
        .store
        .directory_service_at_locations(
            &ServiceFilter::default(),
            Some(within),
            PageRequest::default(),
        )
        .await
        .unwrap();
    let got: Vec<(String, f64)> = page
        .contents
        .iter()
        .map(|sal| {
            (
                sal.service.as_ref().unwrap().name.clone(),
                sal.distance.unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Nearest".to_string(), 0.0),
            ("Near".to_string(), 1112.0),
            ("Far".to_string(), 10008.0)
        ]
    );
    let second = db
        .store
        .directory_service_at_locations(
            &ServiceFilter::default(),
            Some(within),
            PageRequest {
                page: 2,
                per_page: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(second.total_items, 3);
    assert_eq!(second.contents.len(), 1);
    assert_eq!(second.contents[0].service.as_ref().unwrap().name, "Far");

    let sal = db
        .store
        .directory_service_at_location(&id(101))
        .await
        .unwrap();
    assert_eq!(sal.service.as_ref().unwrap().name, "Near");
    assert_eq!(sal.location.as_ref().unwrap().latitude, Some(51.21));
}

/// A service-at-location as read alone, cut to the list form: its location
/// with addresses (no accessibility or attributes), its service's own
/// fields and organisation (no identifiers or attributes), no schedules.
fn list_form(mut sal: ServiceAtLocation) -> ServiceAtLocation {
    sal.schedules.clear();
    if let Some(l) = sal.location.as_mut() {
        l.accessibility.clear();
        l.attributes.clear();
        l.addresses.iter_mut().for_each(|a| a.attributes.clear());
    }
    if let Some(s) = sal.service.take() {
        let organization = s.organization.clone().map(|mut o| {
            o.organization_identifiers.clear();
            o.attributes.clear();
            o
        });
        sal.service = Some(Box::new(Service {
            organization,
            schedules: vec![],
            service_areas: vec![],
            service_at_locations: vec![],
            languages: vec![],
            funding: vec![],
            cost_options: vec![],
            contacts: vec![],
            phones: vec![],
            attributes: vec![],
            ..*s
        }));
    }
    sal
}

async fn a_page_of_service_at_locations_is_the_nested_read_in_list_form(db: &TestDb) {
    db.store
        .upsert_directory(&example_parent_term())
        .await
        .unwrap();
    // The example's location gets a second address (listed in id order),
    // and a second service has no organisation.
    let mut full: Service = serde_json::from_value(service_full()).unwrap();
    let location = full.service_at_locations[0].location.as_mut().unwrap();
    let mut second = location.addresses[0].clone();
    second.id = "00000000-0000-4000-8000-000000000001".into();
    second.address_1 = "2 Second Street".into();
    location.addresses.push(second);
    let mut bare = service_at(7, "Bare", (51.24, -0.57), &[]);
    bare.organization = None;
    db.store
        .upsert_directory(&feed(vec![full, bare]))
        .await
        .unwrap();

    let page = db
        .store
        .directory_service_at_locations(&ServiceFilter::default(), None, PageRequest::default())
        .await
        .unwrap();
    assert_eq!(page.contents.len(), 2);
    for listed in page.contents {
        let alone = db
            .store
            .directory_service_at_location(&listed.id)
            .await
            .unwrap();
        assert_eq!(listed, list_form(alone));
    }
    let with_addresses = db
        .store
        .directory_service_at_locations(
            &ServiceFilter::default(),
            Some(Near {
                point: Coordinates::new(51.2362, -0.5704).unwrap(),
                radius_m: 100.0,
            }),
            PageRequest::default(),
        )
        .await
        .unwrap();
    let location = with_addresses.contents[0].location.as_ref().unwrap();
    let mut ids: Vec<&str> = location.addresses.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    let listed = ids.clone();
    ids.sort();
    assert_eq!(listed, ids);
    assert!(with_addresses.contents[0]
        .service
        .as_ref()
        .unwrap()
        .organization
        .is_some());
}

async fn postcodes_are_imported_in_batches_and_looked_up(db: &TestDb) {
    let rows: Vec<PostcodeRow> = (0..600)
        .map(|i| PostcodeRow {
            postcode: Postcode::parse(&format!("GU{} {}AB", 1 + i / 100, i % 10)).unwrap(),
            coordinates: Coordinates::new(51.0 + f64::from(i) / 1000.0, -0.5).unwrap(),
            terminated: false,
        })
        .collect();
    db.store.import_postcodes(&rows).await.unwrap();
    db.store.import_postcodes(&rows[..10]).await.unwrap();
    assert_eq!(
        db.store.postcode_count().await.unwrap(),
        60,
        "later rows replace earlier ones"
    );
    let at = db
        .store
        .postcode_coordinates(&Postcode::parse("gu2 5ab").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!((at.latitude - 51.195).abs() < 1e-9 && (at.longitude + 0.5).abs() < 1e-9);
    assert_eq!(
        db.store
            .postcode_coordinates(&Postcode::parse("M1 1AE").unwrap())
            .await
            .unwrap(),
        None
    );
}
