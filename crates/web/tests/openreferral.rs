//! The public Open Referral UK 3.0 feed: every endpoint's answers validate
//! against the profile's JSON Schemas (formats enforced), carry
//! `Access-Control-Allow-Origin: *` and no nulls; postcode proximity orders
//! by true distance; bad input gets a clear 4xx problem document.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{Browser, Res, TestApp};
use reconnect_domain::geo::Coordinates;
use reconnect_domain::openreferral::*;
use reconnect_domain::postcode::Postcode;
use reconnect_domain::service_taxonomy;
use reconnect_store::directory::PostcodeRow;
use reconnect_web::Access;
use serde_json::Value;

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/open-referral-uk"
);

fn read_json(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{DATA}/{path}")).unwrap()).unwrap()
}

/// Resolves `$ref`s such as "taxonomy_term.json" to the sibling schema files.
struct Siblings;

impl jsonschema::Retrieve for Siblings {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<&str>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri
            .path()
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        Ok(read_json(&format!("schema/{name}")))
    }
}

fn validator(path: &str) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .with_retriever(Siblings)
        .build(&read_json(path))
        .unwrap()
}

#[track_caller]
fn assert_valid(schema: &str, what: &str, value: &Value) {
    let v = validator(schema);
    let errors: Vec<String> = v
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} against {schema}: {errors:#?}\n{value:#}"
    );
}

/// The profile's page envelope, then each item against `item_schema`.
#[track_caller]
fn assert_page(item_schema: &str, what: &str, page: &Value) {
    for (key, kind) in [
        ("total_items", "u64"),
        ("total_pages", "u64"),
        ("page_number", "u64"),
        ("size", "u64"),
        ("first_page", "bool"),
        ("last_page", "bool"),
        ("empty", "bool"),
    ] {
        let ok = match kind {
            "u64" => page[key].is_u64(),
            _ => page[key].is_boolean(),
        };
        assert!(
            ok,
            "{what}: envelope field {key} missing or wrong type: {page}"
        );
    }
    let contents = page["contents"].as_array().unwrap();
    assert_eq!(page["size"].as_u64().unwrap() as usize, contents.len());
    for item in contents {
        assert_valid(item_schema, what, item);
    }
}

#[track_caller]
fn assert_public_json(res: &Res, what: &str) -> Value {
    assert_eq!(res.status, StatusCode::OK, "{what}: {}", res.body);
    assert_eq!(res.header("access-control-allow-origin"), "*", "{what}");
    assert!(
        res.header("content-type").starts_with("application/json"),
        "{what}"
    );
    assert!(
        !res.body.contains(":null"),
        "{what}: optional fields are left out, never null"
    );
    res.json()
}

const ORIGIN: (f64, f64) = (51.2362, -0.5704);

fn id(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

fn nearby(n: u32, name: &str, north_m: f64, term: &str) -> Service {
    // A metre north is 1/111,195 of a degree on the mean-radius sphere.
    let lat = ORIGIN.0 + north_m / 111_195.08;
    Service {
        id: id(n),
        name: name.into(),
        description: Some(format!("{name} for people after prison")),
        status: "active".into(),
        minimum_age: Some(18),
        organization: Some(Box::new(Organization {
            id: id(500),
            name: "Surrey Community Trust".into(),
            description: "A made-up charity".into(),
            email: Some("hello@example.org".into()),
            ..Default::default()
        })),
        service_at_locations: vec![ServiceAtLocation {
            id: id(n + 100),
            location: Some(Box::new(Location {
                id: id(n + 200),
                location_type: "physical".into(),
                name: Some(format!("{name} centre")),
                latitude: Some(lat),
                longitude: Some(ORIGIN.1),
                addresses: vec![Address {
                    id: id(n + 300),
                    address_1: "1 High Street".into(),
                    city: "Guildford".into(),
                    state_province: "Surrey".into(),
                    postal_code: "GU1 3AA".into(),
                    country: "GB".into(),
                    address_type: "physical".into(),
                    ..Default::default()
                }],
                ..Default::default()
            })),
            ..Default::default()
        }],
        schedules: vec![Schedule {
            id: id(n + 400),
            freq: Some("WEEKLY".into()),
            byday: Some("MO,WE".into()),
            opens_at: Some("09:30".into()),
            closes_at: Some("16:00".into()),
            ..Default::default()
        }],
        attributes: vec![Attribute {
            id: id(n + 600),
            taxonomy_term_id: Some(service_taxonomy::by_code(term).unwrap().id.into()),
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// The profile's full example (moved to Guildford: its latitude of 100 is
/// nowhere) and three services 0.5, 3 and 12 km north of GU1 1AA.
async fn seeded() -> TestApp {
    let app = TestApp::new().await;
    let store = &app.db.store;
    let mut t = Tables::default();
    t.add_taxonomy_term(TaxonomyTerm {
        id: "0bc248fa-dc27-4650-9ba4-8f1a24ef16a2".into(),
        name: "Parent".into(),
        description: "The parent of the example's term".into(),
        ..Default::default()
    });
    let mut full = read_json("examples/service_full.json");
    full["service_at_locations"][0]["location"]["latitude"] = ORIGIN.0.into();
    full["service_at_locations"][0]["location"]["longitude"] = ORIGIN.1.into();
    t.add_service(serde_json::from_value(full).unwrap());
    t.add_service(nearby(1, "Recovery cafe", 500.0, "substance-misuse"));
    t.add_service(nearby(2, "Housing advice", 3_000.0, "housing"));
    t.add_service(nearby(3, "Walking group", 12_000.0, "wellbeing-social"));
    store.upsert_directory(&t).await.unwrap();
    store
        .import_postcodes(&[PostcodeRow {
            postcode: Postcode::parse("GU1 1AA").unwrap(),
            coordinates: Coordinates::new(ORIGIN.0, ORIGIN.1).unwrap(),
            terminated: false,
        }])
        .await
        .unwrap();
    app
}

async fn get(app: &TestApp, path: &str) -> Res {
    app.get(&mut Browser::default(), path).await
}

#[tokio::test]
async fn every_endpoint_answers_in_the_profiles_schemas() {
    let app = seeded().await;
    let about = assert_public_json(&get(&app, "/openreferral/").await, "/");
    assert_eq!(about["version"], "3.0");
    assert!(about["profile"].as_str().unwrap().starts_with("https://"));
    assert!(about["openapi_url"]
        .as_str()
        .unwrap()
        .ends_with("openapi.json"));
    assert_eq!(get(&app, "/openreferral").await.json(), about);

    let services = assert_public_json(&get(&app, "/openreferral/services").await, "services");
    assert_page("schema/compiled/service_list.json", "services", &services);
    assert_eq!(services["total_items"], 4);

    for s in services["contents"].as_array().unwrap() {
        let path = format!("/openreferral/services/{}", s["id"].as_str().unwrap());
        let full = assert_public_json(&get(&app, &path).await, &path);
        assert_valid("schema/compiled/service.json", &path, &full);
        assert_valid("schema/service.json", &path, &full);
    }

    let sals = assert_public_json(
        &get(
            &app,
            "/openreferral/service_at_locations?postcode=gu11aa&proximity=20000",
        )
        .await,
        "service_at_locations",
    );
    assert_page(
        "schema/compiled/service_at_location_list.json",
        "sal list",
        &sals,
    );
    for sal in sals["contents"].as_array().unwrap() {
        let path = format!(
            "/openreferral/service_at_locations/{}",
            sal["id"].as_str().unwrap()
        );
        let one = assert_public_json(&get(&app, &path).await, &path);
        assert_valid("schema/compiled/service_at_location.json", &path, &one);
        assert!(one["location"]["id"].is_string() && one["service"]["name"].is_string());
    }

    let taxonomies = assert_public_json(&get(&app, "/openreferral/taxonomies").await, "taxonomies");
    assert_page("schema/taxonomy.json", "taxonomies", &taxonomies);
    let path = format!("/openreferral/taxonomies/{}", service_taxonomy::TAXONOMY_ID);
    let taxonomy = assert_public_json(&get(&app, &path).await, &path);
    assert_valid("schema/taxonomy.json", &path, &taxonomy);
    assert_eq!(
        taxonomy["taxonomy_terms"].as_array().unwrap().len(),
        service_taxonomy::TERMS.len()
    );

    let terms = assert_public_json(
        &get(&app, "/openreferral/taxonomy_terms?per_page=100").await,
        "terms",
    );
    assert_page("schema/taxonomy_term.json", "terms", &terms);
    assert_eq!(terms["total_items"], service_taxonomy::TERMS.len() + 2);
    let path = format!(
        "/openreferral/taxonomy_terms/{}",
        service_taxonomy::TERMS[3].id
    );
    let term = assert_public_json(&get(&app, &path).await, &path);
    assert_valid("schema/taxonomy_term.json", &path, &term);
    assert_eq!(term["name"], service_taxonomy::TERMS[3].name);
}

#[test]
fn the_schemas_do_refuse_what_they_should() {
    let v = validator("schema/compiled/service.json");
    assert!(!v
        .is_valid(&serde_json::json!({"id": "ac148810-d857-441c-9679-408f346de14b", "name": "x"})));
    assert!(!v.is_valid(&serde_json::json!({"id": "not-a-uuid", "name": "x", "status": "active"})));
    assert!(v.is_valid(&serde_json::json!({"id": "ac148810-d857-441c-9679-408f346de14b", "name": "x", "status": "active"})));
    let t = validator("schema/taxonomy.json");
    let term_without_name = serde_json::json!({"id": "5c4d79d7-cc55-470e-9f1f-8cad074e4892", "name": "n",
        "description": "d", "taxonomy_terms": [{"id": "3f7b145d-84af-42d7-8fae-eaca714b02b2"}]});
    assert!(
        !t.is_valid(&term_without_name),
        "the sibling taxonomy_term.json is resolved"
    );
}

#[tokio::test]
async fn the_full_example_reads_back_as_published_apart_from_its_coordinates() {
    let app = seeded().await;
    let got = get(
        &app,
        "/openreferral/services/ac148810-d857-441c-9679-408f346de14b",
    )
    .await
    .json();
    let mut want = read_json("examples/service_full.json");
    want["service_at_locations"][0]["location"]["latitude"] = ORIGIN.0.into();
    want["service_at_locations"][0]["location"]["longitude"] = ORIGIN.1.into();
    assert_eq!(normalise(got), normalise(want));
}

fn normalise(v: Value) -> Value {
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

#[tokio::test]
async fn services_near_a_postcode_come_nearest_first_within_the_proximity() {
    let app = seeded().await;
    let page = get(
        &app,
        "/openreferral/service_at_locations?postcode=GU1%201AA&proximity=5000",
    )
    .await
    .json();
    let got: Vec<(String, f64)> = page["contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["service"]["name"].as_str().unwrap().to_string(),
                s["distance"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Community Counselling".to_string(), 0.0),
            ("Recovery cafe".to_string(), 500.0),
            ("Housing advice".to_string(), 3000.0),
        ]
    );
    let filtered = get(
        &app,
        &format!(
            "/openreferral/service_at_locations?postcode=GU11AA&proximity=200000&taxonomy_term_id={}",
            service_taxonomy::by_code("wellbeing-social").unwrap().id
        ),
    )
    .await
    .json();
    assert_eq!(filtered["total_items"], 1);
    assert_eq!(filtered["contents"][0]["distance"], 12000.0);

    let page2 = get(&app, "/openreferral/services?per_page=3&page=2&search=a")
        .await
        .json();
    assert_eq!(
        (page2["page_number"].as_u64(), page2["last_page"].as_bool()),
        (Some(2), Some(true))
    );
    let adults = get(&app, "/openreferral/services?minimum_age=18")
        .await
        .json();
    assert_eq!(adults["total_items"], 3);
    let mondays = get(&app, "/openreferral/services?day=monday").await.json();
    assert_eq!(mondays["total_items"], 3);
    let morning = get(
        &app,
        "/openreferral/services?day=WE&start_time=09:00&end_time=16:00",
    )
    .await
    .json();
    assert_eq!(morning["total_items"], 3);
    let late = get(&app, "/openreferral/services?start_time=10:00")
        .await
        .json();
    assert_eq!(late["total_items"], 1, "only the example opens at 10:00");
}

#[tokio::test]
async fn bad_requests_get_a_clear_problem_document() {
    let app = seeded().await;
    for (path, status, words) in [
        (
            "/openreferral/service_at_locations?postcode=XX1%201XX",
            400,
            "not a UK postcode",
        ),
        (
            "/openreferral/service_at_locations?postcode=M1%201AE",
            422,
            "do not know where M1 1AE is",
        ),
        (
            "/openreferral/service_at_locations?postcode=GU11AA&proximity=0",
            422,
            "from 1 to 200000",
        ),
        (
            "/openreferral/service_at_locations?postcode=GU11AA&proximity=200001",
            422,
            "from 1 to 200000",
        ),
        (
            "/openreferral/service_at_locations?postcode=GU11AA&proximity=far",
            400,
            "number of metres",
        ),
        (
            "/openreferral/service_at_locations?proximity=500",
            400,
            "needs a postcode",
        ),
        ("/openreferral/services?page=0", 400, "page must be"),
        ("/openreferral/services?page=9", 404, "beyond the last page"),
        (
            "/openreferral/services?per_page=lots",
            400,
            "per_page must be",
        ),
        (
            "/openreferral/services?minimum_age=old",
            400,
            "minimum_age must be",
        ),
        ("/openreferral/services?day=someday", 400, "day must be"),
        (
            "/openreferral/services?start_time=9am",
            400,
            "start_time must be a time",
        ),
        (
            "/openreferral/services?taxonomy_term_id=housing",
            400,
            "must be a UUID",
        ),
        (
            "/openreferral/services?taxonomy_term_id=00000000-0000-4000-8000-000000000999",
            422,
            "no taxonomy term",
        ),
        (
            "/openreferral/services?taxonomy_id=00000000-0000-4000-8000-000000000999",
            422,
            "no taxonomy with",
        ),
        (
            "/openreferral/services/00000000-0000-4000-8000-000000000999",
            404,
            "no service",
        ),
        ("/openreferral/services/not-an-id", 404, "no service"),
        (
            "/openreferral/service_at_locations/not-an-id",
            404,
            "no service at location",
        ),
        ("/openreferral/taxonomies/not-an-id", 404, "no taxonomy"),
        (
            "/openreferral/taxonomy_terms/not-an-id",
            404,
            "no taxonomy term",
        ),
    ] {
        let res = get(&app, path).await;
        assert_eq!(res.status.as_u16(), status, "{path}: {}", res.body);
        assert_eq!(
            res.header("content-type"),
            "application/problem+json",
            "{path}"
        );
        assert_eq!(res.header("access-control-allow-origin"), "*", "{path}");
        assert!(
            res.body.contains(words),
            "{path}: {words:?} not in {}",
            res.body
        );
    }
}

#[test]
fn the_feed_is_public_and_read_only() {
    let feed: Vec<_> = reconnect_web::table()
        .into_iter()
        .filter(|r| r.path.starts_with("/openreferral"))
        .collect();
    assert_eq!(feed.len(), 10);
    for r in feed {
        assert_eq!(r.access, Access::Public, "{}", r.path);
        assert_eq!(r.method, Method::GET, "{}", r.path);
    }
}
