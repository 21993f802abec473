//! Engagement through the pages and the API: the needs-attention list, the
//! engagement page with its level, reasons and rule version, raising and
//! clearing concerns, recording what was done on a step-up and stepping it
//! down, the site managers' rules form with its field errors and version
//! history, and the JSON operations with their problems.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{error_links_of, Browser, TestApp};
use reconnect_domain::episode::Action;
use reconnect_domain::{EpisodeId, Role, UserId};
use reconnect_store::testing::TestSite;
use serde_json::json;
use time::Duration;

struct World {
    app: TestApp,
    site: TestSite,
    worker: UserId,
    b: Browser,
    episode: EpisodeId,
    base: String,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (worker, b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let caller = app.db.caller(worker).await;
    let person = app
        .db
        .person(&caller, site.prisons[0], "Ada", "Lovelace")
        .await;
    let episode = app.db.episode(&caller, person).await;
    app.db.act(&caller, episode, &Action::Accept).await;
    let base = format!("/people/{person}/episodes/{episode}");
    World {
        app,
        site,
        worker,
        b,
        episode,
        base,
    }
}

fn fields_with_errors(html: &str) -> Vec<String> {
    error_links_of(html)
        .into_iter()
        .map(|(href, _)| href.trim_start_matches('#').to_string())
        .collect()
}

fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} in page"))
        + key.len();
    html[at..].split('"').next().unwrap().to_string()
}

/// The value of the first radio named `name`.
fn first_radio(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" type=\"radio\" value=\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} radio in page"))
        + key.len();
    html[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn a_worker_sees_the_list_opens_the_step_up_and_records_the_outcome() {
    let mut w = world().await;
    // Nobody has been in touch for three weeks.
    w.app.db.advance(Duration::days(21));
    w.b = w.app.sign_in("worker@example.org").await;
    let list = w.app.get(&mut w.b, "/attention").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("<h1>Needs attention</h1>"));
    assert!(list.body.contains("Ada Lovelace"));
    assert!(list.body.contains("Disengaged"));
    assert!(list
        .body
        .contains("No two-way contact since support started 21 days ago"));
    assert!(list.body.contains(&format!("{}/engagement", w.base)));
    assert!(list.body.contains("Default rules (version 0)"));

    w.app
        .db
        .store
        .recompute_engagement(w.app.db.now())
        .await
        .unwrap();
    let url = format!("{}/engagement", w.base);
    let page = w.app.get(&mut w.b, &url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .body
        .contains("Worked out with the default rules of Site A (version 0)"));
    assert!(page.body.contains("Step-up: Open"));
    assert!(page.body.contains("Peer mentor reaches out"));
    let step_up = hidden(&page.body, "step_up");
    let action = first_radio(&page.body, "action");

    // Every problem next to its field.
    let res = w
        .app
        .post(&mut w.b, &format!("{url}/record"), &[("step_up", &step_up)])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        fields_with_errors(&res.body),
        ["action", "what_done", "outcome"]
    );

    let res = w
        .app
        .post(
            &mut w.b,
            &format!("{url}/record"),
            &[
                ("step_up", &step_up),
                ("action", &action),
                ("what_done", "Rang and left a voicemail, then texted"),
                ("outcome", "He rang back and we met on Friday"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = w.app.get(&mut w.b, &url).await;
    assert!(page.body.contains("He rang back and we met on Friday"));

    let res = w
        .app
        .post(
            &mut w.b,
            &format!("{url}/step-down"),
            &[("step_up", &step_up)],
        )
        .await;
    assert_eq!(fields_with_errors(&res.body), ["record"]);
    let res = w
        .app
        .post(
            &mut w.b,
            &format!("{url}/step-down"),
            &[
                ("step_up", &step_up),
                ("record", "Back in touch every week"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let again = w
        .app
        .post(
            &mut w.b,
            &format!("{url}/step-down"),
            &[("step_up", &step_up), ("record", "Again")],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("already been stepped down"));
    let page = w.app.get(&mut w.b, &url).await;
    assert!(page.body.contains("Back in touch every week"));
    assert!(!page.body.contains("Step-up: Open"));
}

#[tokio::test]
async fn concerns_are_raised_and_cleared_on_the_page() {
    let mut w = world().await;
    let url = format!("{}/engagement", w.base);
    let res = w
        .app
        .post(&mut w.b, &format!("{url}/concerns"), &[("note", "  ")])
        .await;
    assert_eq!(fields_with_errors(&res.body), ["note"]);
    let res = w
        .app
        .post(
            &mut w.b,
            &format!("{url}/concerns"),
            &[("note", "Missed his prescription pick-up")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = w.app.get(&mut w.b, &url).await;
    assert!(page.body.contains("Worker raised a concern"));
    let concern = first_radio(&page.body, "concern");
    let res = w
        .app
        .post(&mut w.b, &format!("{url}/concerns/clear"), &[])
        .await;
    assert_eq!(fields_with_errors(&res.body), ["concern", "clear_note"]);
    let res = w
        .app
        .post(
            &mut w.b,
            &format!("{url}/concerns/clear"),
            &[("concern", &concern)],
        )
        .await;
    assert_eq!(fields_with_errors(&res.body), ["clear_note"]);
    let res = w
        .app
        .post(
            &mut w.b,
            &format!("{url}/concerns/clear"),
            &[
                ("concern", &concern),
                ("clear_note", "Collected it on Monday"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = w.app.get(&mut w.b, &url).await;
    assert!(page.body.contains("Collected it on Monday"));
    assert!(!page.body.contains("Worker raised a concern"));
    let _ = w.worker;
}

#[tokio::test]
async fn site_managers_change_the_rules_with_errors_next_to_fields_and_history() {
    let w = world().await;
    let (_, mut m) = w
        .app
        .signed_in_at("manager@example.org", Role::SiteManager, w.site.id)
        .await;
    let url = format!("/settings/{}/engagement", w.site.id);
    let list = w.app.get(&mut m, "/attention").await;
    assert!(
        list.body.contains(&url),
        "managers find the rules from the list"
    );
    let page = w.app.get(&mut m, &url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Engagement rules</h1>"));
    let mut fields: Vec<(&str, &str)> = vec![
        ("version", "0"),
        ("missed_window_days", "14"),
        ("missed_wavering", "1"),
        ("missed_disengaged", "3"),
        ("no_contact_wavering_days", "20"),
        ("no_contact_disengaged_days", "10"),
        ("declined_wavering", "2"),
        ("declined_disengaged", "4"),
        ("overdue_wavering", "2"),
        ("early_release_days", "-1"),
        ("escalate_after_days", "seven"),
    ];
    let res = w.app.post(&mut m, &url, &fields).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(fields_with_errors(&res.body), ["escalate_after_days"]);
    assert!(res.body.contains("must be a whole number"));
    fields[10] = ("escalate_after_days", "5");
    let res = w.app.post(&mut m, &url, &fields).await;
    assert_eq!(
        fields_with_errors(&res.body),
        ["early_release_days", "no_contact_wavering_days"]
    );
    assert!(res.body.contains("cannot be negative"));
    assert!(res
        .body
        .contains("must not be above the disengaged line (10)"));
    fields[4] = ("no_contact_wavering_days", "5");
    fields[9] = ("early_release_days", "28");
    let res = w.app.post(&mut m, &url, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = w.app.get(&mut m, &format!("{url}?saved=1")).await;
    assert!(page.body.contains("saved as a new version"));
    assert!(page
        .body
        .contains("Days without two-way contact that mean wavering: 7 to 5"));
    // The same form again is stale: nothing saved, what was typed is kept.
    let res = w.app.post(&mut m, &url, &fields).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Someone else saved these rules"));

    // Workers may not change rules.
    let mut b = w.b;
    let res = w.app.post(&mut b, &url, &fields).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_api_answers_with_levels_and_problems() {
    let w = world().await;
    let token = w.app.token(w.worker).await;
    let t = Some(token.as_str());
    let res = w
        .app
        .api(
            Method::GET,
            &format!("/api/v1/episodes/{}/engagement", w.episode),
            t,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let body = res.json();
    assert_eq!(body["level"], "not_yet_in_contact");
    assert_eq!(body["rule_version"], 0);
    assert_eq!(body["reasons"][0]["words"], "No two-way contact yet");

    let concerns = format!("/api/v1/episodes/{}/concerns", w.episode);
    let res = w.app.api(Method::POST, &concerns, t, Some("{}")).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["field"], "note");
    let res = w
        .app
        .api(
            Method::POST,
            &concerns,
            t,
            Some(&json!({"note": "Sounded low"}).to_string()),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let concern = res.json()["id"].as_str().unwrap().to_string();
    let clear = json!({"concern_id": concern, "note": "Better today"}).to_string();
    let res = w
        .app
        .api(Method::POST, &format!("{concerns}/clear"), t, Some(&clear))
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let res = w
        .app
        .api(Method::POST, &format!("{concerns}/clear"), t, Some(&clear))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);

    w.app.db.advance(Duration::days(30));
    w.app
        .db
        .store
        .recompute_engagement(w.app.db.now())
        .await
        .unwrap();
    let res = w.app.api(Method::GET, "/api/v1/attention", t, None).await;
    assert_eq!(res.status, StatusCode::OK);
    let list = res.json();
    assert_eq!(list[0]["person_name"], "Ada Lovelace");
    assert_eq!(list[0]["level"], "disengaged");
    assert_eq!(list[0]["step_up"], "open");

    let e = w
        .app
        .api(
            Method::GET,
            &format!("/api/v1/episodes/{}/engagement", w.episode),
            t,
            None,
        )
        .await
        .json();
    let step_up = e["step_ups"][0]["id"].as_str().unwrap().to_string();
    let action = e["step_ups"][0]["actions"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let records = format!("/api/v1/episodes/{}/step-up/records", w.episode);
    let res = w
        .app
        .api(
            Method::POST,
            &records,
            t,
            Some(&json!({"step_up_id": step_up, "action_id": action, "what_done": "", "outcome": ""}).to_string()),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = w
        .app
        .api(
            Method::POST,
            &records,
            t,
            Some(&json!({"step_up_id": step_up, "action_id": action, "what_done": "Home visit", "outcome": "Talked it through"}).to_string()),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let down = format!("/api/v1/episodes/{}/step-up/step-down", w.episode);
    let body = json!({"step_up_id": step_up, "record": "Engaging again"}).to_string();
    let res = w.app.api(Method::POST, &down, t, Some(&body)).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let res = w.app.api(Method::POST, &down, t, Some(&body)).await;
    assert_eq!(res.status, StatusCode::CONFLICT);

    // Rules: read by staff, changed by site managers, bad thresholds named.
    let rules_url = format!("/api/v1/sites/{}/engagement-rules", w.site.id);
    let res = w.app.api(Method::GET, &rules_url, t, None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()[0]["version"], 0);
    let manager = w
        .app
        .user("manager@example.org", Role::SiteManager, &[w.site.id])
        .await;
    let mt = w.app.token(manager).await;
    let mut rules = res.json()[0]["rules"].clone();
    rules["missed_wavering"] = json!(5);
    let res = w
        .app
        .api(
            Method::PUT,
            &rules_url,
            Some(&mt),
            Some(&json!({"based_on_version": 0, "rules": rules}).to_string()),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["field"], "missed_wavering");
    rules["missed_wavering"] = json!(2);
    let res = w
        .app
        .api(
            Method::PUT,
            &rules_url,
            Some(&mt),
            Some(&json!({"based_on_version": 0, "rules": rules}).to_string()),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED);
    assert_eq!(res.json()["version"], 1);
    let res = w
        .app
        .api(
            Method::PUT,
            &rules_url,
            Some(&mt),
            Some(&json!({"based_on_version": 0, "rules": rules}).to_string()),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
}
