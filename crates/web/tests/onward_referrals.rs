//! Onward referrals through the pages and the API: drafting from the
//! directory with the parts to share, the consent gate explained and
//! enforced (and a site manager's override), each next step with its
//! errors by the field, the letter (HTML and PDF) showing only what was
//! shared, the site's list and measures, and the FHIR ServiceRequest
//! checked against the resource rules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{error_links_of, Browser, TestApp};
use reconnect_domain::consent::{SharingConsent, SharingPartner};
use reconnect_domain::episode::Action;
use reconnect_domain::{Caller, EpisodeId, NhsNumber, PersonId, Role, UserId};
use reconnect_store::testing::TestSite;
use serde_json::{json, Value};

struct World {
    app: TestApp,
    site: TestSite,
    worker: UserId,
    caller: Caller,
    b: Browser,
    person: PersonId,
    episode: EpisodeId,
    base: String,
    service: String,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (worker, b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let caller = app.db.caller(worker).await;
    let mut new = app.db.new_person(site.prisons[0], "Ada", "Lovelace");
    new.nhs_number = Some(NhsNumber::parse("9990000018").unwrap());
    let person = app.db.store.create_person(&caller, &new).await.unwrap();
    let episode = app.db.episode(&caller, person).await;
    app.db.act(&caller, episode, &Action::Accept).await;
    let service = app
        .db
        .dir_service_with_terms("Forward Leeds", &["substance-misuse"])
        .await;
    let base = format!("/people/{person}/episodes/{episode}");
    World {
        app,
        site,
        worker,
        caller,
        b,
        person,
        episode,
        base,
        service,
    }
}

async fn consent(w: &World, partner: SharingPartner) {
    let today = w.app.db.now().date();
    let c = SharingConsent::new(partner, today, "Needs and contact details", None, today).unwrap();
    w.app
        .db
        .store
        .record_sharing_consent(&w.caller, w.episode, &c)
        .await
        .unwrap();
}

fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in page"))
        + key.len();
    html[at..].split('"').next().unwrap().to_string()
}

fn fields_with_errors(html: &str) -> Vec<String> {
    error_links_of(html)
        .into_iter()
        .map(|(href, _)| href.trim_start_matches('#').to_string())
        .collect()
}

/// Drafts a referral through the form; returns the referral page's address.
async fn draft(w: &mut World, parts: &[&str]) -> String {
    let url = format!("{}/onward-referrals/new?service_id={}", w.base, w.service);
    let page = w.app.get(&mut w.b, &url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let form_id = hidden(&page.body, "form_id");
    let mut fields = vec![
        ("form_id", form_id.as_str()),
        ("service_id", w.service.as_str()),
    ];
    for p in parts {
        fields.push(("parts", p));
    }
    let res = w
        .app
        .post(&mut w.b, &format!("{}/onward-referrals", w.base), &fields)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    res.location().split('?').next().unwrap().to_string()
}

async fn step(w: &mut World, url: &str, fields: &[(&str, &str)]) -> common::Res {
    let page = w.app.get(&mut w.b, url).await;
    let version = hidden(&page.body, "version");
    let mut all = vec![("version", version.as_str())];
    all.extend_from_slice(fields);
    w.app.post(&mut w.b, url, &all).await
}

#[tokio::test]
async fn a_worker_finds_a_service_refers_with_consent_and_follows_it_through() {
    let mut w = world().await;
    // From the episode: the list, then the directory search.
    let list = w
        .app
        .get(&mut w.b, &format!("{}/onward-referrals", w.base))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("No onward referrals have been made"));
    let search = w
        .app
        .get(
            &mut w.b,
            &format!("{}/onward-referrals/new?search=forward", w.base),
        )
        .await;
    assert!(search.body.contains("Forward Leeds"));
    assert!(search.body.contains("Substance misuse treatment"));
    // The form explains what consent is missing.
    let form = w
        .app
        .get(
            &mut w.b,
            &format!("{}/onward-referrals/new?service_id={}", w.base, w.service),
        )
        .await;
    assert!(
        form.body
            .contains("has not agreed to share information with drug and alcohol services"),
        "{}",
        form.body
    );
    assert!(form.body.contains("Contact details: Phone, email"));
    let url = draft(&mut w, &["contact", "needs"]).await;
    let page = w.app.get(&mut w.b, &url).await;
    assert!(page.body.contains("Draft, not sent"));
    assert!(page.body.contains("Contact details, Needs"));

    // Sending without consent is refused, with the reason on the page.
    let res = step(&mut w, &url, &[("action", "send")]).await;
    assert_eq!(res.status, StatusCode::OK);
    let summary = common::error_summary_of(&res.body).unwrap();
    assert!(
        summary.contains("has not given current consent"),
        "{summary}"
    );
    // A worker cannot override.
    assert!(!res.body.contains("override_reason"));

    consent(&w, SharingPartner::SubstanceMisuse).await;
    let res = step(&mut w, &url, &[("action", "send")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = w.app.get(&mut w.b, &url).await;
    assert!(page.body.contains("What was shared"));
    assert!(page.body.contains("Sent, waiting for an answer"));

    // Decline needs a reason; accept does not.
    let res = step(&mut w, &url, &[("action", "decline")]).await;
    assert_eq!(fields_with_errors(&res.body), ["decline_reason"]);
    let res = step(&mut w, &url, &[("action", "accept")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    // The first appointment: a bad date is shown by the date.
    let res = step(
        &mut w,
        &url,
        &[
            ("action", "book"),
            ("when-day", "31"),
            ("when-month", "2"),
            ("when-year", "2026"),
            ("when-time", "10:00"),
        ],
    )
    .await;
    assert_eq!(fields_with_errors(&res.body), ["when-day"]);
    let res = step(
        &mut w,
        &url,
        &[
            ("action", "book"),
            ("when-day", "9"),
            ("when-month", "3"),
            ("when-year", "2026"),
            ("when-time", "14:30"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = step(&mut w, &url, &[("action", "attended")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = step(&mut w, &url, &[("action", "close")]).await;
    assert_eq!(fields_with_errors(&res.body), ["outcome"]);
    let res = step(
        &mut w,
        &url,
        &[("action", "close"), ("outcome", "need_met")],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = w.app.get(&mut w.b, &url).await;
    assert!(page.body.contains("Monday 9 March 2026 at 14:30"));
    assert!(page.body.contains("The service met the need"));
    for what in [
        "Drafted",
        "Sent",
        "Accepted by the service",
        "First appointment booked",
        "Went to the first appointment",
        "Closed",
    ] {
        assert!(page.body.contains(what), "history lacks {what}");
    }
    assert!(!page.body.contains("What happens next"));

    // A stale form is refused with the reason.
    let res = w
        .app
        .post(
            &mut w.b,
            &url,
            &[
                ("version", "1"),
                ("action", "withdraw"),
                ("withdraw_reason", "Moved"),
            ],
        )
        .await;
    assert!(res.status == StatusCode::CONFLICT || res.status == StatusCode::OK);
    assert!(common::error_summary_of(&res.body).is_some());

    // The letter shows only what was shared: no NHS number.
    let letter = w.app.get(&mut w.b, &format!("{url}/letter")).await;
    assert_eq!(letter.status, StatusCode::OK);
    assert!(letter.body.contains("Ada Lovelace"));
    assert!(letter.body.contains("Contact details"));
    assert!(!letter.body.contains("9990000018"));
    assert!(letter.body.contains("/app/letter.css"));
    assert!(!letter.body.contains("style="));
    let pdf = w.app.get(&mut w.b, &format!("{url}/letter.pdf")).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.header("content-type"), "application/pdf");
    assert!(pdf.body.starts_with("%PDF-"));
    assert!(pdf.body.contains("(Name: Ada Lovelace) Tj"));
    assert_eq!(
        w.app
            .db
            .audit_events_for("onward_referral.letter")
            .await
            .len(),
        2
    );
    let _ = (w.site.id, w.worker, w.person);
}

#[tokio::test]
async fn a_site_manager_may_send_without_consent_giving_a_reason() {
    let mut w = world().await;
    let url = draft(&mut w, &["needs"]).await;
    let (_, mut mb) = w
        .app
        .signed_in_at("manager@example.org", Role::SiteManager, w.site.id)
        .await;
    let page = w.app.get(&mut mb, &url).await;
    assert!(page.body.contains("override_reason"));
    let version = hidden(&page.body, "version");
    let res = w
        .app
        .post(
            &mut mb,
            &url,
            &[
                ("version", &version),
                ("action", "send"),
                (
                    "override_reason",
                    "Urgent: release tomorrow, agreed by phone",
                ),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = w.app.get(&mut mb, &url).await;
    assert!(page
        .body
        .contains("Sent without the sharing consent (override)"));
    assert!(page.body.contains("Urgent: release tomorrow"));
    assert_eq!(
        w.app
            .db
            .audit_events_for("onward_referral.consent_override")
            .await
            .len(),
        1
    );
    // The site's list and measures show it.
    let list = w.app.get(&mut mb, "/onward-referrals").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Ada Lovelace"));
    assert!(list.body.contains("1 is waiting"));
    let m = w.app.get(&mut mb, "/onward-referrals/measures").await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.body.contains("Forward Leeds"));
    assert!(m.body.contains("Site A"));
}

#[tokio::test]
async fn peer_mentors_read_referrals_but_take_no_steps() {
    let mut w = world().await;
    let url = draft(&mut w, &[]).await;
    let (_, mut pb) = w
        .app
        .signed_in_at("mentor@example.org", Role::PeerMentor, w.site.id)
        .await;
    let page = w.app.get(&mut pb, &url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("What happens next"));
    let res = w
        .app
        .post(&mut pb, &url, &[("action", "send"), ("version", "1")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = w
        .app
        .get(&mut pb, &format!("{}/onward-referrals/new", w.base))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_api_drafts_moves_and_refuses_with_problems() {
    let w = world().await;
    let token = w.app.token(w.worker).await;
    let t = Some(token.as_str());
    let list_url = format!("/api/v1/episodes/{}/onward-referrals", w.episode);
    let res = w
        .app
        .api(
            Method::POST,
            &list_url,
            t,
            Some(r#"{"parts":["everything"]}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.header("content-type"), "application/problem+json");
    let fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["service_id", "parts"]);
    let body = json!({ "service_id": w.service, "parts": ["nhs_number", "needs"] }).to_string();
    let res = w.app.api(Method::POST, &list_url, t, Some(&body)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let created = res.json();
    assert_eq!(created["state"], "draft");
    let id = created["id"].as_str().unwrap().to_string();
    let url = format!("/api/v1/onward-referrals/{id}/transitions");
    // Without consent: refused with why.
    let res = w
        .app
        .api(
            Method::POST,
            &url,
            t,
            Some(r#"{"action":"send","version":1}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.json()["detail"].as_str().unwrap().contains("consent"));
    // A worker's override is forbidden.
    let res = w
        .app
        .api(
            Method::POST,
            &url,
            t,
            Some(r#"{"action":"send","version":1,"override_reason":"Because"}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    consent(&w, SharingPartner::SubstanceMisuse).await;
    let res = w
        .app
        .api(
            Method::POST,
            &url,
            t,
            Some(r#"{"action":"send","version":1}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["shared"]["nhs_number"], "9990000018");
    // Stale, illegal and incomplete steps.
    let res = w
        .app
        .api(
            Method::POST,
            &url,
            t,
            Some(r#"{"action":"accept","version":1}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let res = w
        .app
        .api(
            Method::POST,
            &url,
            t,
            Some(r#"{"action":"attended","version":2}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let res = w
        .app
        .api(
            Method::POST,
            &url,
            t,
            Some(r#"{"action":"decline","version":2}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = w
        .app
        .api(
            Method::POST,
            &url,
            t,
            Some(r#"{"action":"fly","version":2,"colour":"red"}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = w
        .app
        .api(
            Method::POST,
            &url,
            t,
            Some(r#"{"action":"accept","version":2}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let res = w
        .app
        .api(
            Method::POST,
            &url,
            t,
            Some(r#"{"action":"book","version":3,"appointment_at":"2026-03-09T14:30:00Z"}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let shown = w
        .app
        .api(
            Method::GET,
            &format!("/api/v1/onward-referrals/{id}"),
            t,
            None,
        )
        .await
        .json();
    assert_eq!(shown["state"], "booked");
    assert_eq!(shown["history"].as_array().unwrap().len(), 4);
    let listed = w.app.api(Method::GET, &list_url, t, None).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1);

    // FHIR.
    let res = w
        .app
        .api(
            Method::GET,
            &format!("/api/v1/onward-referrals/{id}/fhir"),
            t,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("content-type"), "application/fhir+json");
    let bundle = res.json();
    let problems = validate_bundle(&bundle);
    assert!(problems.is_empty(), "{problems:#?}\n{bundle:#}");
    let sr = resource(&bundle, "ServiceRequest");
    assert_eq!(sr["status"], "active");
    assert_eq!(sr["intent"], "order");
    assert_eq!(sr["code"]["coding"][0]["code"], "substance-misuse");
    assert_eq!(sr["occurrenceDateTime"], "2026-03-09T14:30:00Z");
    let patient = resource(&bundle, "Patient");
    assert_eq!(
        patient["identifier"][0]["system"],
        "https://fhir.nhs.uk/Id/nhs-number"
    );
    assert_eq!(patient["identifier"][0]["value"], "9990000018");
    assert_eq!(
        w.app
            .db
            .audit_events_for("onward_referral.fhir")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn fhir_leaves_out_the_nhs_number_unless_it_was_shared() {
    let w = world().await;
    consent(&w, SharingPartner::SubstanceMisuse).await;
    let token = w.app.token(w.worker).await;
    let t = Some(token.as_str());
    let body = json!({ "service_id": w.service, "parts": ["contact"] }).to_string();
    let created = w
        .app
        .api(
            Method::POST,
            &format!("/api/v1/episodes/{}/onward-referrals", w.episode),
            t,
            Some(&body),
        )
        .await
        .json();
    let id = created["id"].as_str().unwrap();
    let fhir_url = format!("/api/v1/onward-referrals/{id}/fhir");
    let draft = w.app.api(Method::GET, &fhir_url, t, None).await.json();
    assert!(validate_bundle(&draft).is_empty());
    assert_eq!(resource(&draft, "ServiceRequest")["status"], "draft");
    w.app
        .api(
            Method::POST,
            &format!("/api/v1/onward-referrals/{id}/transitions"),
            t,
            Some(r#"{"action":"withdraw","version":1,"reason":"They found help elsewhere"}"#),
        )
        .await;
    let bundle = w.app.api(Method::GET, &fhir_url, t, None).await.json();
    assert!(validate_bundle(&bundle).is_empty(), "{bundle:#}");
    assert_eq!(resource(&bundle, "ServiceRequest")["status"], "revoked");
    assert!(!bundle.to_string().contains("9990000018"));
    assert!(resource(&bundle, "Patient").get("identifier").is_none());
}

fn resource<'a>(bundle: &'a Value, kind: &str) -> &'a Value {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

/// Checks the FHIR R4 rules this export must keep: required elements,
/// value sets, references that resolve within the Bundle, and no nulls
/// or empty values anywhere.
fn validate_bundle(b: &Value) -> Vec<String> {
    let mut p = Vec::new();
    no_empties(b, "Bundle", &mut p);
    if b["resourceType"] != "Bundle" {
        p.push("resourceType must be Bundle".into());
    }
    const BUNDLE_TYPES: &[&str] = &[
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    ];
    match b["type"].as_str() {
        Some(t) if BUNDLE_TYPES.contains(&t) => {}
        other => p.push(format!(
            "Bundle.type {other:?} not in the bundle-type value set"
        )),
    }
    let entries = b["entry"].as_array().cloned().unwrap_or_default();
    let urls: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["fullUrl"].as_str())
        .collect();
    for e in &entries {
        let url = e["fullUrl"].as_str().unwrap_or_default();
        if !url.starts_with("urn:uuid:") || uuid::Uuid::parse_str(&url[9..]).is_err() {
            p.push(format!("fullUrl {url:?} is not a urn:uuid"));
        }
        let r = &e["resource"];
        let id = r["id"].as_str().unwrap_or_default();
        if id.is_empty()
            || id.len() > 64
            || !id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            p.push(format!(
                "{} id {id:?} breaks the id rule",
                r["resourceType"]
            ));
        }
    }
    let resolves = |v: &Value| v["reference"].as_str().is_some_and(|r| urls.contains(&r));
    let sr = entries
        .iter()
        .map(|e| &e["resource"])
        .find(|r| r["resourceType"] == "ServiceRequest");
    let Some(sr) = sr else {
        p.push("no ServiceRequest".into());
        return p;
    };
    const STATUS: &[&str] = &[
        "draft",
        "active",
        "on-hold",
        "revoked",
        "completed",
        "entered-in-error",
        "unknown",
    ];
    const INTENT: &[&str] = &[
        "proposal",
        "plan",
        "directive",
        "order",
        "original-order",
        "reflex-order",
        "filler-order",
        "instance-order",
        "option",
    ];
    match sr["status"].as_str() {
        Some(s) if STATUS.contains(&s) => {}
        other => p.push(format!(
            "ServiceRequest.status {other:?} not in request-status"
        )),
    }
    match sr["intent"].as_str() {
        Some(s) if INTENT.contains(&s) => {}
        other => p.push(format!(
            "ServiceRequest.intent {other:?} not in request-intent"
        )),
    }
    if !resolves(&sr["subject"]) {
        p.push("ServiceRequest.subject must refer to the Patient in the Bundle".into());
    }
    let subject = sr["subject"]["reference"].as_str().unwrap_or_default();
    let patient = entries
        .iter()
        .find(|e| e["fullUrl"] == subject)
        .map(|e| &e["resource"]);
    if patient.map(|r| &r["resourceType"]) != Some(&json!("Patient")) {
        p.push("the subject is not a Patient".into());
    }
    for perf in sr["performer"].as_array().cloned().unwrap_or_default() {
        if !resolves(&perf) {
            p.push("ServiceRequest.performer must resolve in the Bundle".into());
        }
    }
    if let Some(a) = sr["authoredOn"].as_str() {
        if time::OffsetDateTime::parse(a, &time::format_description::well_known::Rfc3339).is_err() {
            p.push(format!("authoredOn {a:?} is not a dateTime"));
        }
    }
    for c in sr["code"]["coding"].as_array().cloned().unwrap_or_default() {
        if c["system"].as_str().is_none() || c["code"].as_str().is_none() {
            p.push("a coding lacks system or code".into());
        }
    }
    if let Some(pt) = patient {
        for i in pt["identifier"].as_array().cloned().unwrap_or_default() {
            if i["system"] != "https://fhir.nhs.uk/Id/nhs-number" {
                p.push(format!("Patient.identifier system {}", i["system"]));
            }
            let v = i["value"].as_str().unwrap_or_default();
            if v.len() != 10 || !v.chars().all(|c| c.is_ascii_digit()) {
                p.push(format!("NHS number {v:?} is not ten digits"));
            }
        }
        if let Some(d) = pt["birthDate"].as_str() {
            if time::Date::parse(d, &time::format_description::well_known::Iso8601::DATE).is_err() {
                p.push(format!("birthDate {d:?} is not a date"));
            }
        }
    }
    for r in entries.iter().map(|e| &e["resource"]) {
        if r["resourceType"] == "HealthcareService" {
            if let Some(by) = r.get("providedBy") {
                if !resolves(by) {
                    p.push("HealthcareService.providedBy must resolve".into());
                }
            }
        }
    }
    p
}

fn no_empties(v: &Value, at: &str, p: &mut Vec<String>) {
    match v {
        Value::Null => p.push(format!("{at} is null")),
        Value::String(s) if s.is_empty() => p.push(format!("{at} is empty")),
        Value::Array(a) if a.is_empty() => p.push(format!("{at} is an empty array")),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| no_empties(x, &format!("{at}[{i}]"), p)),
        Value::Object(o) if o.is_empty() => p.push(format!("{at} is an empty object")),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| no_empties(x, &format!("{at}.{k}"), p)),
        _ => {}
    }
}
