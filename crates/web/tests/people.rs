//! A person's full details, driven as a browser and an API client would:
//! the add form's key details and its one-time token (a double click adds one
//! person), the under-18 refusal at the date of birth, correcting details
//! with a reason (history kept; a colleague's change in the meantime shown
//! as a conflict with nothing lost), search, and the same through the API.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{error_links_of, Browser, Res, TestApp};
use reconnect_domain::episode::Reason;
use reconnect_domain::person_details::{PersonDetails, PersonDetailsInput};
use reconnect_domain::{PersonId, PrisonId, Role, UserId};
use reconnect_store::testing::TestSite;
use serde_json::json;

struct World {
    app: TestApp,
    site: TestSite,
    other: TestSite,
    worker: UserId,
    b: Browser,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha", "HMP Alder"]).await;
    let other = app.db.site("Site B", &["HMP Beta"]).await;
    let (worker, b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    World {
        app,
        site,
        other,
        worker,
        b,
    }
}

fn add_fields(prison: &str) -> Vec<(&'static str, String)> {
    vec![
        ("given_name", "Ada".into()),
        ("family_name", "Lovelace".into()),
        ("preferred_name", "Addie".into()),
        ("pronouns", "she/her".into()),
        ("gender", "woman".into()),
        ("date_of_birth-day", "3".into()),
        ("date_of_birth-month", "7".into()),
        ("date_of_birth-year", "1990".into()),
        ("nhs_number", "".into()),
        ("nhs_number_unknown_reason", "not_yet_traced".into()),
        ("prison_number", "a1234bc".into()),
        ("prison_id", prison.into()),
    ]
}

fn with(
    fields: &[(&'static str, String)],
    changes: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut out = fields.to_vec();
    for (k, v) in changes {
        match out.iter_mut().find(|(f, _)| f == k) {
            Some(field) => field.1 = v.to_string(),
            None => out.push((k, v.to_string())),
        }
    }
    out
}

async fn post(
    app: &TestApp,
    b: &mut Browser,
    path: &str,
    fields: &[(&'static str, String)],
) -> Res {
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post(b, path, &pairs).await
}

/// The value of a hidden input on the page.
fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in page"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn id_from(location: &str, suffix: &str) -> PersonId {
    location
        .strip_prefix("/people/")
        .and_then(|l| l.strip_suffix(suffix))
        .unwrap_or_else(|| panic!("redirected to {location}"))
        .parse()
        .unwrap()
}

fn details(prison: PrisonId, family: &str) -> PersonDetails {
    let prison = prison.to_string();
    PersonDetails::parse(
        &PersonDetailsInput {
            given_name: "Ada",
            family_name: family,
            dob_day: "3",
            dob_month: "7",
            dob_year: "1990",
            nhs_number: "943 476 5919",
            prison_number: "A1234BC",
            prison_id: &prison,
            address_kind: "no_fixed_abode",
            ..PersonDetailsInput::default()
        },
        time::macros::date!(2026 - 03 - 02),
    )
    .unwrap()
}

async fn add_directly(w: &World) -> PersonId {
    let caller = w.app.db.caller(w.worker).await;
    w.app
        .db
        .store
        .add_person(&caller, &details(w.site.prisons[0], "Lovelace"), None)
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn the_add_form_records_key_details_and_a_double_click_adds_one_person() {
    let mut w = world().await;
    let page = w.app.get(&mut w.b, "/people/new").await;
    assert_eq!(page.status, StatusCode::OK);
    for field in [
        "pronouns",
        "gender",
        "nhs_number_unknown_reason",
        "preferred_name",
    ] {
        assert!(page.body.contains(&format!("name=\"{field}\"")), "{field}");
    }
    let token = hidden(&page.body, "submission");
    assert!(token.len() >= 16);
    let fields = with(
        &add_fields(&w.site.prisons[0].to_string()),
        &[("submission", &token)],
    );
    let first = post(&w.app, &mut w.b, "/people/new", &fields).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let id = id_from(first.location(), "?created=1");
    let again = post(&w.app, &mut w.b, "/people/new", &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(id_from(again.location(), "?already=1"), id);
    assert_eq!(w.app.db.count_rows("person").await, 1);
    assert_eq!(w.app.db.audit_events_for("person.create").await.len(), 1);

    let res = w.app.get(&mut w.b, again.location()).await;
    assert!(res.body.contains("You had already added Addie Lovelace"));
    for shown in [
        "she/her",
        "Woman",
        "Not known: Not traced yet",
        "A1234BC",
        "3 July 1990 (age 35)",
        "Not recorded",
        "Correct their details",
    ] {
        assert!(res.body.contains(shown), "record lacks {shown:?}");
    }
}

#[tokio::test]
async fn under_18s_and_impossible_dates_are_refused_at_the_date_of_birth() {
    let mut w = world().await;
    let base = add_fields(&w.site.prisons[0].to_string());
    for (year, expected) in [
        ("2010", "youth justice service"),
        ("2030", "Date of birth must be in the past"),
        ("1899", "Date of birth must be within the last 120 years"),
    ] {
        let res = post(
            &w.app,
            &mut w.b,
            "/people/new",
            &with(&base, &[("date_of_birth-year", year)]),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{year}");
        let links = error_links_of(&res.body);
        assert_eq!(links.len(), 1, "{year}: {links:?}");
        assert_eq!(links[0].0, "#date_of_birth-day");
        assert!(links[0].1.contains(expected), "{year}: {links:?}");
        assert!(res.body.contains("id=\"date_of_birth-error\""));
        assert!(res.body.contains(&format!("value=\"{year}\"")));
    }
    // Several problems at once, in page order, under-18 among them.
    let res = post(
        &w.app,
        &mut w.b,
        "/people/new",
        &with(
            &base,
            &[
                ("given_name", ""),
                ("date_of_birth-year", "2012"),
                ("nhs_number_unknown_reason", ""),
            ],
        ),
    )
    .await;
    let hrefs: Vec<String> = error_links_of(&res.body).into_iter().map(|l| l.0).collect();
    assert_eq!(hrefs, ["#given_name", "#date_of_birth-day", "#nhs_number"]);
    assert_eq!(w.app.db.count_rows("person").await, 0);
}

#[tokio::test]
async fn corrections_need_a_reason_and_keep_the_history() {
    let mut w = world().await;
    let id = add_directly(&w).await;
    let href = format!("/people/{id}/details");
    let form = w.app.get(&mut w.b, &href).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("value=\"Lovelace\""));
    assert!(form.body.contains("value=\"943 476 5919\""));
    assert_eq!(hidden(&form.body, "version"), "1");
    assert!(form.body.contains("value=\"no_fixed_abode\" checked"));

    let mut fields = with(
        &add_fields(&w.site.prisons[1].to_string()),
        &[
            ("family_name", "King"),
            ("nhs_number", "943 476 5919"),
            ("version", "1"),
            ("address_kind", "no_fixed_abode"),
            ("interpreter_needed", "yes"),
            ("first_language", "Welsh"),
        ],
    );
    fields.push(("communication_needs", "quiet_room".into()));
    fields.push(("communication_needs", "prefers_texts".into()));
    let res = post(&w.app, &mut w.b, &href, &fields).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        error_links_of(&res.body),
        [(
            "#reason".to_string(),
            "Enter why you are correcting their details".to_string()
        )]
    );
    assert!(res.body.contains("value=\"King\""), "typed values are kept");
    assert_eq!(w.app.db.count_rows("person_revision").await, 0);

    let fields = with(
        &fields,
        &[("reason", "Married name, she asked us to use it")],
    );
    let res = post(&w.app, &mut w.b, &href, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), format!("/people/{id}?corrected=1"));
    let page = w.app.get(&mut w.b, res.location()).await;
    for shown in [
        "Their details have been corrected",
        "Changes to their details",
        "Married name, she asked us to use it",
        "King",
        "Needs a quiet room",
        "Prefers texts",
        "HMP Alder",
        "Welsh",
    ] {
        assert!(page.body.contains(shown), "record lacks {shown:?}");
    }
    let corrected = w.app.db.audit_events_for("person.correct").await;
    assert_eq!(corrected.len(), 1);
    assert_eq!(corrected[0].actor_user_id, Some(w.worker));
    assert_eq!(corrected[0].person_id, Some(id));
}

#[tokio::test]
async fn a_colleagues_change_meanwhile_is_a_conflict_and_nothing_is_lost() {
    let mut w = world().await;
    let id = add_directly(&w).await;
    let href = format!("/people/{id}/details");
    w.app.get(&mut w.b, &href).await;
    // A colleague corrects the record after the form was opened.
    let colleague = w.app.db.staff(Role::SiteManager, &[w.site.id]).await;
    w.app
        .db
        .store
        .update_person_details(
            &colleague,
            id,
            1,
            &details(w.site.prisons[0], "Byron"),
            &Reason::parse("Her legal surname", "a reason").unwrap(),
        )
        .await
        .unwrap();
    let fields = with(
        &add_fields(&w.site.prisons[0].to_string()),
        &[
            ("family_name", "Lovelace-Smith"),
            ("version", "1"),
            ("reason", "Double-barrelled"),
        ],
    );
    let res = post(&w.app, &mut w.b, &href, &fields).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("Someone else changed their details"));
    assert!(res.body.contains("Their details now"));
    assert!(res.body.contains("Byron"), "the latest details are shown");
    assert!(res.body.contains("value=\"Lovelace-Smith\""), "input kept");
    assert!(
        res.body.contains("value=\"Double-barrelled\"")
            || res.body.contains(">\nDouble-barrelled</textarea>")
    );
    assert_eq!(hidden(&res.body, "version"), "2");
    let caller = w.app.db.caller(w.worker).await;
    let person = w.app.db.store.get_person(&caller, id).await.unwrap();
    assert_eq!(person.summary.family_name, "Byron");

    // Having checked, saving again applies the change on top.
    let res = post(&w.app, &mut w.b, &href, &with(&fields, &[("version", "2")])).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(w.app.db.count_rows("person_revision").await, 2);
}

#[tokio::test]
async fn peer_mentors_read_details_but_cannot_correct_them() {
    let w = world().await;
    let id = add_directly(&w).await;
    let (_, mut mentor) = w
        .app
        .signed_in_at("mentor@example.org", Role::PeerMentor, w.site.id)
        .await;
    let page = w.app.get(&mut mentor, &format!("/people/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("No fixed abode"));
    assert!(!page.body.contains("Correct their details"));
    let res = w
        .app
        .get(&mut mentor, &format!("/people/{id}/details"))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // Someone at another site finds nothing.
    let (_, mut stranger) = w
        .app
        .signed_in_at("b@example.org", Role::Worker, w.other.id)
        .await;
    let res = w
        .app
        .get(&mut stranger, &format!("/people/{id}/details"))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn search_finds_numbers_in_any_form_and_masks_nhs_numbers_in_the_audit() {
    let mut w = world().await;
    let id = add_directly(&w).await;
    for q in ["943+476+5919", "9434765919", "a1234bc", "lovel"] {
        let res = w.app.get(&mut w.b, &format!("/people?q={q}")).await;
        assert!(res.body.contains(&format!("href=\"/people/{id}\"")), "{q}");
    }
    let res = w.app.get(&mut w.b, "/people?q=nobody").await;
    assert!(res.body.contains("No one matches your search"));
    let audit = w.app.db.audit_events_for("people.search").await;
    assert_eq!(audit.len(), 5);
    assert_eq!(
        audit[0].detail.as_deref(),
        Some("1 found searching for an NHS number ending 919")
    );
}

#[tokio::test]
async fn the_api_reads_corrects_and_lists_the_history() {
    let w = world().await;
    let app = &w.app;
    let token = app.token(w.worker).await;
    let t = Some(token.as_str());
    let id = add_directly(&w).await;

    let res = app
        .api(Method::GET, &format!("/api/v1/people/{id}"), t, None)
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let doc = res.json();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["address_kind"], "no_fixed_abode");
    assert_eq!(doc["interpreter_needed"], false);
    assert_eq!(doc["pronouns"], serde_json::Value::Null);

    let body = |version: i64, family: &str, reason: &str| {
        json!({
            "version": version,
            "reason": reason,
            "details": {
                "given_name": "Ada",
                "family_name": family,
                "date_of_birth": "1990-07-03",
                "nhs_number": "9434765919",
                "prison_number": "A1234BC",
                "prison_id": w.site.prisons[0].to_string(),
                "pronouns": "she/her",
                "phone": "07700 900123",
                "preferred_contact": "text",
            }
        })
        .to_string()
    };
    let path = format!("/api/v1/people/{id}");
    let res = app
        .api(Method::PUT, &path, t, Some(&body(1, "King", "Married")))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let doc = res.json();
    assert_eq!(doc["version"], 2);
    assert_eq!(doc["family_name"], "King");
    assert_eq!(doc["phone"], "+447700900123");

    // The same version again is stale.
    let res = app
        .api(Method::PUT, &path, t, Some(&body(1, "Byron", "Oops")))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res
        .header("content-type")
        .starts_with("application/problem+json"));

    // Bad fields, and no reason.
    let mut bad: serde_json::Value = serde_json::from_str(&body(2, "", "")).unwrap();
    bad["details"]["date_of_birth"] = json!("2012-01-01");
    bad["details"]["phone"] = json!("12345");
    let res = app.api(Method::PUT, &path, t, Some(&bad.to_string())).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["family_name", "date_of_birth", "phone", "reason"]);

    let res = app
        .api(
            Method::GET,
            &format!("/api/v1/people/{id}/history"),
            t,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let history = res.json();
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["reason"], "Married");
    assert_eq!(history[0]["changes"][0]["label"], "Last name");
    assert_eq!(history[0]["changes"][0]["before"], "Lovelace");

    // Search with q, and an under-18 refused on adding.
    let res = app
        .api(Method::GET, "/api/v1/people?q=943%20476%205919", t, None)
        .await;
    assert_eq!(res.json().as_array().unwrap().len(), 1);
    let young = json!({
        "given_name": "Sam", "family_name": "Young", "date_of_birth": "2012-05-05",
        "nhs_number_unknown_reason": "person_does_not_know",
        "prison_number": "B1234CD", "prison_id": w.site.prisons[0].to_string(),
    });
    let res = app
        .api(Method::POST, "/api/v1/people", t, Some(&young.to_string()))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["field"], "date_of_birth");
    assert!(res.json()["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("youth justice service"));

    // A retried POST gives back the person it added, with 200, not a second person.
    let mut adult = young.clone();
    adult["date_of_birth"] = json!("1985-05-05");
    let first = app
        .api(Method::POST, "/api/v1/people", t, Some(&adult.to_string()))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let retry = app
        .api(Method::POST, "/api/v1/people", t, Some(&adult.to_string()))
        .await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.body);
    assert_eq!(retry.json()["id"], first.json()["id"]);
    assert_eq!(
        retry.json()["nhs_number_unknown_reason"],
        "person_does_not_know"
    );

    // Another site's token finds no one.
    let stranger = app.user("b@example.org", Role::Worker, &[w.other.id]).await;
    let st = app.token(stranger).await;
    let res = app
        .api(Method::PUT, &path, Some(&st), Some(&body(2, "X", "y")))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

/// Every control on the correction form has a label (or, for radios and
/// checkboxes, a label and a fieldset legend), and ids are unique.
#[tokio::test]
async fn every_field_of_the_correction_form_is_labelled() {
    let mut w = world().await;
    let id = add_directly(&w).await;
    let page = w.app.get(&mut w.b, &format!("/people/{id}/details")).await;
    let html = &page.body;
    let mut ids = Vec::new();
    for tag in ["<input ", "<select ", "<textarea "] {
        for chunk in html.split(tag).skip(1) {
            let attrs = chunk.split('>').next().unwrap();
            if attrs.contains("type=\"hidden\"") {
                continue;
            }
            let id = attrs
                .split("id=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap_or_else(|| panic!("a control without an id: {attrs}"));
            assert!(html.contains(&format!("for=\"{id}\"")), "no label for {id}");
            ids.push(id.to_string());
        }
    }
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate ids");
    assert!(count > 40, "{count} controls");
    assert_eq!(
        html.matches("<fieldset").count(),
        html.matches("<legend").count()
    );
}
