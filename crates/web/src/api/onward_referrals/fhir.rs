//! An onward referral as FHIR R4 (UK Core): a `Bundle` of type `collection`
//! holding the `ServiceRequest`, its subject `Patient` and the performer
//! `HealthcareService` with the `Organization` that provides it. Only what
//! was shared goes in: the Patient carries the NHS number (system
//! `https://fhir.nhs.uk/Id/nhs-number`) only when that part was shared.
//! Resources refer to each other by their `urn:uuid:` full URLs.

use super::path_id;
use crate::api::ApiCaller;
use crate::error::Problem;
use crate::{ApiError, AppState};
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use reconnect_domain::id::OnwardReferralId;
use reconnect_domain::onward_referral::State as RState;
use reconnect_domain::service_taxonomy::{Term, TAXONOMY_ID};
use reconnect_store::onward_referrals::{OnwardReferral, ServiceChoice};
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;

/// The NHS number identifier system.
pub const NHS_NUMBER_SYSTEM: &str = "https://fhir.nhs.uk/Id/nhs-number";
/// The code system of the service taxonomy terms.
fn taxonomy_system() -> String {
    format!("urn:uuid:{TAXONOMY_ID}")
}

/// The request-status for a referral's state.
pub fn status(s: RState) -> &'static str {
    match s {
        RState::Draft => "draft",
        RState::Sent | RState::Accepted | RState::Booked | RState::DidNotAttend => "active",
        RState::Attended | RState::Closed => "completed",
        RState::Declined | RState::Withdrawn => "revoked",
    }
}

/// A `urn:uuid:` full URL for an id. Directory ids are UUIDs; any other
/// id gets a stable one made from its hash.
fn urn(id: &str) -> String {
    use sha2::{Digest, Sha256};
    let uuid = uuid::Uuid::parse_str(id).unwrap_or_else(|_| {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&Sha256::digest(id.as_bytes())[..16]);
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    });
    format!("urn:uuid:{uuid}")
}

fn coding(t: &Term) -> Value {
    json!({ "system": taxonomy_system(), "code": t.code, "display": t.name })
}

/// Adds `value` under `key` unless it is empty: FHIR has no nulls or empties.
fn put(o: &mut Map<String, Value>, key: &str, value: Value) {
    let empty = match &value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    };
    if !empty {
        o.insert(key.to_string(), value);
    }
}

/// The Bundle for a referral and its service.
pub fn bundle(r: &OnwardReferral, service: &ServiceChoice) -> Value {
    let snap = r.snapshot.clone().unwrap_or_default();
    let patient_url = urn(&r.person_id.to_string());
    let service_url = urn(&service.id);
    let request_url = urn(&r.id.to_string());

    let mut patient = Map::new();
    put(&mut patient, "resourceType", json!("Patient"));
    put(&mut patient, "id", json!(r.person_id.to_string()));
    put(
        &mut patient,
        "meta",
        json!({ "profile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"] }),
    );
    if let Some(nhs) = &snap.nhs_number {
        put(
            &mut patient,
            "identifier",
            json!([{ "system": NHS_NUMBER_SYSTEM, "value": nhs }]),
        );
    }
    if !snap.name.is_empty() {
        put(&mut patient, "name", json!([{ "text": snap.name }]));
    }
    put(&mut patient, "birthDate", json!(snap.date_of_birth));

    let mut entries = vec![];
    let mut provider = None;
    if let Some(org) = r.organization_name.as_deref().filter(|n| !n.is_empty()) {
        let org_id = r.organization_id.clone().unwrap_or_else(|| org.to_string());
        let url = urn(&org_id);
        provider = Some(json!({ "reference": url, "display": org }));
        entries.push((
            url,
            json!({
                "resourceType": "Organization",
                "id": urn(&org_id).trim_start_matches("urn:uuid:"),
                "meta": { "profile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-Organization"] },
                "name": org,
            }),
        ));
    }
    let mut hs = Map::new();
    put(&mut hs, "resourceType", json!("HealthcareService"));
    put(
        &mut hs,
        "id",
        json!(service_url.trim_start_matches("urn:uuid:")),
    );
    put(&mut hs, "active", json!(true));
    put(&mut hs, "providedBy", provider.unwrap_or(Value::Null));
    put(
        &mut hs,
        "type",
        Value::Array(
            service
                .terms
                .iter()
                .map(|t| json!({ "coding": [coding(t)] }))
                .collect(),
        ),
    );
    put(&mut hs, "name", json!(service.name));
    if let Some(e) = &service.email {
        put(
            &mut hs,
            "telecom",
            json!([{ "system": "email", "value": e, "use": "work" }]),
        );
    }

    let mut sr = Map::new();
    put(&mut sr, "resourceType", json!("ServiceRequest"));
    put(&mut sr, "id", json!(r.id.to_string()));
    put(
        &mut sr,
        "meta",
        json!({ "profile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest"] }),
    );
    put(
        &mut sr,
        "identifier",
        json!([{ "system": "urn:ietf:rfc:3986", "value": request_url }]),
    );
    put(&mut sr, "status", json!(status(r.state)));
    put(&mut sr, "intent", json!("order"));
    put(
        &mut sr,
        "category",
        json!([{ "coding": [{ "system": "http://snomed.info/sct", "code": "3457005", "display": "Patient referral" }] }]),
    );
    let mut code = Map::new();
    put(
        &mut code,
        "coding",
        Value::Array(service.terms.iter().map(|t| coding(t)).collect()),
    );
    put(
        &mut code,
        "text",
        json!(format!("Referral to {}", r.service_name)),
    );
    put(&mut sr, "code", Value::Object(code));
    put(&mut sr, "subject", json!({ "reference": patient_url }));
    let authored = r.sent_at.unwrap_or(r.created_at);
    put(
        &mut sr,
        "authoredOn",
        json!(authored.format(&Rfc3339).unwrap_or_default()),
    );
    let requester = r
        .events
        .iter()
        .find(|e| e.action.starts_with("send"))
        .map(|e| e.by_name.clone())
        .unwrap_or_else(|| r.created_by_name.clone());
    put(
        &mut sr,
        "requester",
        json!({ "display": format!("{requester}, RECONNECT") }),
    );
    put(
        &mut sr,
        "performer",
        json!([{ "reference": service_url, "display": service.name }]),
    );
    if let Some(at) = r.appointment_at {
        put(
            &mut sr,
            "occurrenceDateTime",
            json!(at.format(&Rfc3339).unwrap_or_default()),
        );
    }
    if let Some(f) = &snap.referral_for {
        put(&mut sr, "reasonCode", json!([{ "text": f }]));
    }

    let mut all = vec![
        (request_url, Value::Object(sr)),
        (patient_url, Value::Object(patient)),
        (service_url, Value::Object(hs)),
    ];
    all.extend(entries);
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": authored.format(&Rfc3339).unwrap_or_default(),
        "entry": all.into_iter().map(|(url, resource)| json!({ "fullUrl": url, "resource": resource })).collect::<Vec<_>>(),
    })
}

/// The referral as a FHIR R4 UK Core `ServiceRequest`, in a collection Bundle.
#[utoipa::path(get, path = "/api/v1/onward-referrals/{onward_referral_id}/fhir", operation_id = "onward_referral_fhir", tag = "onward referrals",
    params(("onward_referral_id" = String, Path, description = "The referral's id")),
    responses(
        (status = 200, description = "A FHIR R4 Bundle (type collection) with the ServiceRequest, Patient, HealthcareService and Organization", body = Object, content_type = "application/fhir+json"),
        (status = 403, description = "Your role does not work with case records", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such referral at your sites", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn service_request(
    State(state): State<AppState>,
    ApiCaller(id): ApiCaller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let rid: OnwardReferralId = path_id(&raw)?;
    let store = state.store();
    let r = store.onward_referral_export(&id.caller, rid).await?;
    let service = store.referral_service(&id.caller, &r.service_id).await?;
    let body = serde_json::to_vec(&bundle(&r, &service)).map_err(|_| ApiError::internal())?;
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/fhir+json"),
    );
    Ok(res)
}
