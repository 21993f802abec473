//! The OpenAPI document: its version, its exact content (a reviewed
//! snapshot), and agreement with the route table in both directions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::TestApp;
use serde_json::Value;
use std::collections::BTreeSet;

async fn document() -> Value {
    let app = TestApp::new().await;
    let res = app.api(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.header("content-type").starts_with("application/json"));
    res.json()
}

/// `(METHOD, path)` of every route under `/api/v1` in the route table.
fn table_api_routes() -> BTreeSet<(String, String)> {
    reconnect_web::table()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect()
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `(METHOD, path)` of every operation in the document.
fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("no paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

fn path_params(path: &str) -> BTreeSet<String> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_public() {
    let doc = document().await;
    let version = doc["openapi"].as_str().unwrap();
    assert!(version.starts_with("3.1"), "openapi {version}");
    assert_eq!(doc["info"]["title"], "RECONNECT API");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    assert_eq!(doc["security"], serde_json::json!([{ "bearer": [] }]));
}

#[tokio::test]
async fn the_document_matches_the_reviewed_snapshot() {
    let mut doc = document().await;
    // The version follows the crate's, so a release does not change the snapshot.
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
    doc["info"]["version"] = Value::from("[crate version]");
    insta::assert_json_snapshot!("openapi_document", doc);
}

#[tokio::test]
async fn operation_ids_are_unique() {
    // OpenAPI requires it; client generators name functions after them.
    let doc = document().await;
    let mut seen = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path}: no operationId"));
            assert!(
                seen.insert(id.to_string()),
                "operationId {id:?} is used twice ({method} {path})"
            );
        }
    }
}

#[tokio::test]
async fn every_api_route_is_documented_with_its_method() {
    let doc = document().await;
    let documented = documented_operations(&doc);
    let routes = table_api_routes();
    assert!(!routes.is_empty());
    let missing: Vec<_> = routes.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the OpenAPI document: {missing:?}"
    );
}

#[tokio::test]
async fn every_documented_operation_is_a_real_route() {
    let doc = document().await;
    let documented = documented_operations(&doc);
    assert!(!documented.is_empty());
    let routes = table_api_routes();
    let invented: Vec<_> = documented.difference(&routes).collect();
    assert!(
        invented.is_empty(),
        "documented operations with no route: {invented:?}"
    );
    assert_eq!(documented, routes);
}

#[tokio::test]
async fn path_parameters_and_error_responses_are_described() {
    let doc = document().await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let template = path_params(path);
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let what = format!("{} {path}", method.to_uppercase());
            // Every `{param}` of the template is a documented path parameter, and no more.
            let documented: BTreeSet<String> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(documented, template, "{what}: path parameters");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{what}: no tag"
            );
            // Error responses are problem documents.
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{what}: no success response"
            );
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{what} {status}"
                    );
                }
            }
        }
    }
}
