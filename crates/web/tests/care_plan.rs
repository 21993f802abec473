//! The care plan through the pages and the API: needs added and updated
//! (errors next to fields, a form sent twice, a stale update keeping what
//! was typed), assessments over time, goals and actions with overdue ones
//! tagged and impossible due dates refused, the release-day checklist with
//! gaps highlighted near release, read-only peer mentors, and the same
//! through the API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{error_links_of, error_summary_of, Browser, Res, TestApp};
use reconnect_domain::episode::Action;
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::window::ReleaseDate;
use reconnect_domain::{EpisodeId, PersonId, Role, UserId};
use reconnect_store::testing::TestSite;
use serde_json::{json, Value};
use time::Duration;

const STALE: &str = "Someone else changed this record while you were working on it";

struct World {
    app: TestApp,
    site: TestSite,
    worker: UserId,
    b: Browser,
    person: PersonId,
    episode: EpisodeId,
}

impl World {
    async fn new(release_in_days: i64) -> World {
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
        let store = &app.db.store;
        let release = app.db.now().date() + Duration::days(release_in_days);
        let episode = store
            .start_episode(
                &caller,
                person,
                ReferralSource::Probation,
                &ReleaseDate::Known(release),
            )
            .await
            .unwrap();
        store
            .act_on_episode(&caller, episode, 1, &Action::Accept)
            .await
            .unwrap();
        World {
            app,
            site,
            worker,
            b,
            person,
            episode,
        }
    }

    fn path(&self, rest: &str) -> String {
        format!("/people/{}/episodes/{}/{rest}", self.person, self.episode)
    }

    async fn get(&mut self, rest: &str) -> Res {
        let path = self.path(rest);
        let res = self.app.get(&mut self.b, &path).await;
        assert_eq!(res.status, StatusCode::OK, "GET {path}: {}", res.body);
        res
    }

    async fn post(&mut self, rest: &str, fields: &[(&str, &str)]) -> Res {
        let path = self.path(rest);
        self.app.post(&mut self.b, &path, fields).await
    }

    async fn token(&self) -> String {
        self.app.token(self.worker).await
    }
}

/// The hidden `version` of a page's form.
fn version_in(html: &str) -> String {
    let at = html
        .find("name=\"version\" value=\"")
        .unwrap_or_else(|| panic!("no version in {html}"));
    let rest = &html[at + "name=\"version\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The first link in the page to a path starting with `prefix`.
fn link_to(html: &str, prefix: &str) -> String {
    let at = html
        .find(&format!("href=\"{prefix}"))
        .unwrap_or_else(|| panic!("no link to {prefix}"));
    let rest = &html[at + "href=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

fn fields_with_errors(res: &Res) -> Vec<String> {
    error_links_of(&res.body)
        .into_iter()
        .map(|(href, _)| href.trim_start_matches('#').to_string())
        .collect()
}

#[tokio::test]
async fn needs_are_added_and_updated_with_errors_next_to_fields() {
    let mut w = World::new(28).await;
    let page = w.get("needs").await;
    assert!(page.body.contains("No needs are recorded"));
    assert!(page.body.contains("Add a need"));

    // Nothing chosen: errors next to each field.
    let res = w.post("needs", &[("status", "identified")]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(fields_with_errors(&res), vec!["domain", "party"]);
    assert!(res.body.contains("nhsuk-form-group--error"));
    // "Other" needs a description.
    let res = w
        .post(
            "needs",
            &[
                ("domain", "other"),
                ("status", "identified"),
                ("party", "nhs"),
            ],
        )
        .await;
    assert_eq!(fields_with_errors(&res), vec!["other"]);

    let fields = [
        ("domain", "accommodation"),
        ("status", "identified"),
        ("party", "reconnect"),
        ("note", "No fixed address on release"),
    ];
    let res = w.post("needs", &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(res.location().ends_with("/needs?done=added"));
    let page = w.get("needs?done=added").await;
    assert!(page.body.contains("Need added"));
    assert!(page.body.contains("Accommodation"));
    assert!(page.body.contains("No fixed address on release"));

    // The same form sent twice: refused, nothing added.
    let res = w.post("needs", &fields).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(error_summary_of(&res.body)
        .unwrap()
        .contains("They already have an open need for accommodation"));

    // Update it.
    let need_path = link_to(&page.body, &w.path("needs/"));
    let form = w.app.get(&mut w.b, &need_path).await;
    assert_eq!(form.status, StatusCode::OK);
    let version = version_in(&form.body);
    // Nothing changed and no note: the note is needed.
    let res = w
        .app
        .post(
            &mut w.b,
            &need_path,
            &[
                ("version", &version),
                ("status", "identified"),
                ("party", "reconnect"),
            ],
        )
        .await;
    assert_eq!(fields_with_errors(&res), vec!["note"]);
    let res = w
        .app
        .post(
            &mut w.b,
            &need_path,
            &[
                ("version", &version),
                ("status", "in_progress"),
                ("party", "voluntary_sector"),
                ("note", "Referred to the housing charity"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // Someone else's form, still at the old version: told, and their note kept.
    let res = w
        .app
        .post(
            &mut w.b,
            &need_path,
            &[
                ("version", &version),
                ("status", "met"),
                ("party", "nhs"),
                ("note", "My careful note"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains(STALE));
    assert!(res.body.contains("My careful note"));
    assert!(res.body.contains("Referred to the housing charity"));
    assert_ne!(version_in(&res.body), version);
    // The history shows both.
    let page = w.app.get(&mut w.b, &need_path).await;
    assert!(page.body.contains("In progress, Voluntary sector"));
    assert!(page.body.contains("Identified, RECONNECT"));
}

#[tokio::test]
async fn goals_and_actions_with_overdue_ones_tagged() {
    let mut w = World::new(28).await;
    let res = w.post("plan/goals", &[("words", "   ")]).await;
    assert_eq!(fields_with_errors(&res), vec!["words"]);
    let res = w
        .post(
            "plan/goals",
            &[("words", "I want my own flat near my kids")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = w
        .post(
            "plan/goals",
            &[("words", "I want my own flat near my kids")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);

    // A due date in 1900 is refused next to the field.
    let res = w
        .post(
            "plan/actions",
            &[
                ("text", "Apply for housing"),
                ("owner", "reconnect"),
                ("due_on-day", "1"),
                ("due_on-month", "1"),
                ("due_on-year", "1900"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(fields_with_errors(&res), vec!["due_on-day"]);
    assert!(res
        .body
        .contains("The due date must be within the last year"));
    assert!(
        res.body.contains("Apply for housing"),
        "what was typed is kept"
    );
    let res = w
        .post(
            "plan/actions",
            &[
                ("text", ""),
                ("owner", ""),
                ("due_on-day", "31"),
                ("due_on-month", "2"),
                ("due_on-year", "2026"),
            ],
        )
        .await;
    assert_eq!(
        fields_with_errors(&res),
        vec!["text", "owner", "due_on-day"]
    );

    // Three days late.
    let late = w.app.db.now().date() - Duration::days(3);
    let (d, m, y) = (
        late.day().to_string(),
        (late.month() as u8).to_string(),
        late.year().to_string(),
    );
    let res = w
        .post(
            "plan/actions",
            &[
                ("text", "Apply for housing"),
                ("owner", "reconnect"),
                ("due_on-day", &d),
                ("due_on-month", &m),
                ("due_on-year", &y),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = w.get("plan").await;
    assert!(page.body.contains("I want my own flat near my kids"));
    assert!(page.body.contains("nhsuk-tag--red\">Overdue"));
    assert!(page.body.contains("1 action is overdue"));

    let action_path = link_to(&page.body, &w.path("plan/actions/"));
    let form = w.app.get(&mut w.b, &action_path).await;
    let version = version_in(&form.body);
    let res = w
        .app
        .post(
            &mut w.b,
            &action_path,
            &[("version", &version), ("status", "dropped")],
        )
        .await;
    assert_eq!(fields_with_errors(&res), vec!["reason"]);
    let res = w
        .app
        .post(
            &mut w.b,
            &action_path,
            &[("version", &version), ("status", "done")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    // Sent twice: the second is told it changed.
    let res = w
        .app
        .post(
            &mut w.b,
            &action_path,
            &[("version", &version), ("status", "done")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains(STALE));
    let page = w.get("plan").await;
    assert!(!page.body.contains("is overdue"));
    assert!(page.body.contains("nhsuk-tag--green\">Done"));
}

#[tokio::test]
async fn assessments_show_progress_over_time() {
    let mut w = World::new(28).await;
    let page = w.get("assessments").await;
    assert!(page.body.contains("No assessments are recorded"));
    w.get("assessments/new").await;
    // Nothing scored.
    let res = w
        .post(
            "assessments/new",
            &[
                ("assessed_on-day", "2"),
                ("assessed_on-month", "3"),
                ("assessed_on-year", "2026"),
            ],
        )
        .await;
    assert_eq!(fields_with_errors(&res), vec!["score-physical_health"]);
    // A future date, and a note without a score.
    let res = w
        .post(
            "assessments/new",
            &[
                ("assessed_on-day", "2"),
                ("assessed_on-month", "3"),
                ("assessed_on-year", "2027"),
                ("score-accommodation", "4"),
                ("note-trauma", "Talked a little"),
            ],
        )
        .await;
    assert_eq!(
        fields_with_errors(&res),
        vec!["assessed_on-day", "score-trauma"]
    );
    let res = w
        .post(
            "assessments/new",
            &[
                ("assessed_on-day", "20"),
                ("assessed_on-month", "2"),
                ("assessed_on-year", "2026"),
                ("score-accommodation", "4"),
                ("note-accommodation", "No fixed address"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let second = [
        ("assessed_on-day", "2"),
        ("assessed_on-month", "3"),
        ("assessed_on-year", "2026"),
        ("score-accommodation", "2"),
    ];
    let res = w.post("assessments/new", &second).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    // The same form again.
    let res = w.post("assessments/new", &second).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res
        .body
        .contains("An assessment on this date is already recorded"));
    let page = w.get("assessments?done=recorded").await;
    assert!(page.body.contains("Assessment recorded"));
    assert!(page.body.contains("20 February 2026"));
    assert!(page.body.contains("Better: less support needed"));
}

#[tokio::test]
async fn release_day_checklist_highlights_gaps_near_release() {
    let mut w = World::new(10).await;
    let page = w.get("release-day").await;
    assert!(page.body.contains("No release-day plan has been saved yet"));
    // No plan and release in 10 days: every item is a highlighted gap.
    assert!(page.body.contains("9 things are not sorted yet"));
    assert!(page.body.contains("nhsuk-tag--red\">Not yet sorted"));

    let form = w.get("release-day/edit").await;
    assert_eq!(version_in(&form.body), "0");
    let res = w
        .post(
            "release-day/edit",
            &[
                ("version", "0"),
                ("release_time", "25:00"),
                ("status-gate_meet", "confirmed"),
            ],
        )
        .await;
    let fields = fields_with_errors(&res);
    assert_eq!(fields[0], "release_time");
    assert!(fields.contains(&"status-night_one".to_string()));
    assert!(!fields.contains(&"status-gate_meet".to_string()));

    let mut all: Vec<(String, String)> = vec![
        ("version".into(), "0".into()),
        ("release_time".into(), "08:30".into()),
    ];
    for item in [
        "gate_meet",
        "night_one",
        "medication",
        "prescription",
        "gp_registration",
        "first_appointments",
        "id",
        "phone",
        "bank",
    ] {
        let status = if item == "bank" {
            "not_yet"
        } else {
            "confirmed"
        };
        all.push((format!("status-{item}"), status.into()));
        all.push((format!("detail-{item}"), format!("Sorted {item}")));
    }
    let refs: Vec<(&str, &str)> = all.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let res = w.post("release-day/edit", &refs).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = w.get("release-day?done=saved").await;
    assert!(page.body.contains("Release-day plan saved"));
    assert!(page.body.contains("08:30"));
    assert!(page.body.contains("1 thing is not sorted yet"));
    assert!(page.body.contains("Sorted gate_meet"));

    // The same form again, at version 0: someone saved since.
    let res = w.post("release-day/edit", &refs).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains(STALE));
    assert_eq!(version_in(&res.body), "1");
    assert!(res.body.contains("Sorted bank"), "what was typed is kept");
}

#[tokio::test]
async fn gaps_are_not_highlighted_while_release_is_far_off() {
    let mut w = World::new(40).await;
    let page = w.get("release-day").await;
    assert!(!page.body.contains("not sorted yet, and release"));
    assert!(page.body.contains("nhsuk-tag--yellow\">Not yet sorted"));
}

#[tokio::test]
async fn peer_mentors_read_the_plan_but_get_no_forms() {
    let mut w = World::new(10).await;
    let (_, mut mentor) = w
        .app
        .signed_in_at("mentor@example.org", Role::PeerMentor, w.site.id)
        .await;
    for page in ["needs", "assessments", "plan", "release-day"] {
        let path = w.path(page);
        let res = w.app.get(&mut mentor, &path).await;
        assert_eq!(res.status, StatusCode::OK, "{page}");
        assert!(
            !res.body.contains("<form method=\"post\" action=\"/people"),
            "{page}"
        );
    }
    let path = w.path("needs");
    let res = w
        .app
        .post(&mut mentor, &path, &[("domain", "trauma")])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // The episode page links to the plan's parts.
    let episode_page = format!("/people/{}/episodes/{}", w.person, w.episode);
    let res = w.app.get(&mut w.b, &episode_page).await;
    assert!(res.body.contains("/release-day\">release-day plan</a>"));
}

async fn api(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> Res {
    let body = body.map(|b| b.to_string());
    app.api(method, path, Some(token), body.as_deref()).await
}

#[tokio::test]
async fn the_api_covers_needs_assessments_plan_and_release_plan() {
    let w = World::new(10).await;
    let t = w.token().await;
    let base = format!("/api/v1/episodes/{}", w.episode);
    let app = &w.app;

    // Needs.
    let res = api(
        app,
        Method::POST,
        &format!("{base}/needs"),
        &t,
        Some(json!({"domain": "astrology", "responsible_party": "nhs"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("\"domain\""));
    let new = json!({"domain": "mental_health", "responsible_party": "nhs", "note": "Anxious about release"});
    let res = api(
        app,
        Method::POST,
        &format!("{base}/needs"),
        &t,
        Some(new.clone()),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let need = res.json();
    assert_eq!(need["status"], "identified");
    assert_eq!(need["label"], "Mental health");
    let res = api(app, Method::POST, &format!("{base}/needs"), &t, Some(new)).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let need_id = need["id"].as_str().unwrap();
    let update = json!({"version": 1, "status": "in_progress", "responsible_party": "nhs", "note": "GP appointment booked"});
    let res = api(
        app,
        Method::POST,
        &format!("{base}/needs/{need_id}/updates"),
        &t,
        Some(update.clone()),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["updates"].as_array().unwrap().len(), 2);
    let res = api(
        app,
        Method::POST,
        &format!("{base}/needs/{need_id}/updates"),
        &t,
        Some(update),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let res = api(app, Method::GET, &format!("{base}/needs"), &t, None).await;
    assert_eq!(res.json().as_array().unwrap().len(), 1);

    // Assessments.
    let res = api(
        app,
        Method::POST,
        &format!("{base}/assessments"),
        &t,
        Some(json!({"assessed_on": "2026-03-02", "scores": [{"domain": "trauma", "score": 7}]})),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("scores[0].score"));
    let res = api(app, Method::POST, &format!("{base}/assessments"), &t, Some(json!({"assessed_on": "2026-03-02", "scores": [{"domain": "trauma", "score": 3, "note": "Early days"}]}))).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.json()["scores"][0]["score"], 3);

    // Plan.
    let res = api(
        app,
        Method::POST,
        &format!("{base}/plan/goals"),
        &t,
        Some(json!({"words": "Stay clean and get a job"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let goal_id = res.json()["id"].as_str().unwrap().to_string();
    let res = api(
        app,
        Method::POST,
        &format!("{base}/plan/actions"),
        &t,
        Some(json!({"text": "CV workshop", "owner": "person", "due_on": "1900-01-01"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("due_on"));
    let res = api(app, Method::POST, &format!("{base}/plan/actions"), &t, Some(json!({"text": "CV workshop", "owner": "person", "due_on": "2026-02-27", "goal_id": goal_id}))).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let action = res.json();
    assert_eq!(action["overdue"], true);
    let action_id = action["id"].as_str().unwrap();
    let close = format!("{base}/plan/actions/{action_id}/close");
    let res = api(
        app,
        Method::POST,
        &close,
        &t,
        Some(json!({"version": 1, "status": "dropped"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = api(
        app,
        Method::POST,
        &close,
        &t,
        Some(json!({"version": 1, "status": "done"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["overdue"], false);
    let res = api(
        app,
        Method::POST,
        &close,
        &t,
        Some(json!({"version": 2, "status": "done"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("already done"));
    let res = api(app, Method::GET, &format!("{base}/plan"), &t, None).await;
    assert_eq!(res.json()["goals"].as_array().unwrap().len(), 1);

    // Release-day plan.
    let res = api(app, Method::GET, &format!("{base}/release-plan"), &t, None).await;
    let plan = res.json();
    assert_eq!(plan["version"], 0);
    assert_eq!(plan["gaps"].as_array().unwrap().len(), 9);
    assert_eq!(plan["gaps_highlighted"], true);
    let items: Vec<Value> = [
        "gate_meet",
        "night_one",
        "medication",
        "prescription",
        "gp_registration",
        "first_appointments",
        "id",
        "phone",
        "bank",
    ]
    .iter()
    .map(|i| json!({"item": i, "status": if *i == "phone" { "not_yet" } else { "confirmed" }}))
    .collect();
    let res = api(
        app,
        Method::PUT,
        &format!("{base}/release-plan"),
        &t,
        Some(json!({"version": 0, "release_time": "9:15", "items": items})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let plan = res.json();
    assert_eq!(plan["version"], 1);
    assert_eq!(plan["gaps"], json!(["phone"]));
    assert_eq!(plan["current"]["release_time"], "09:15");
    let res = api(
        app,
        Method::PUT,
        &format!("{base}/release-plan"),
        &t,
        Some(json!({"version": 0, "items": items})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let res = api(
        app,
        Method::PUT,
        &format!("{base}/release-plan"),
        &t,
        Some(json!({"version": 1, "items": [{"item": "gate_meet", "status": "maybe"}]})),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("items[0].status"), "{}", res.body);
}

#[tokio::test]
async fn the_api_hides_other_sites_plans() {
    let w = World::new(10).await;
    let other_site = w.app.db.site("Site B", &["HMP Beta"]).await;
    let other = w
        .app
        .user("other@example.org", Role::Worker, &[other_site.id])
        .await;
    let t = w.app.token(other).await;
    let base = format!("/api/v1/episodes/{}", w.episode);
    for (method, path, body) in [
        (Method::GET, format!("{base}/needs"), None),
        (
            Method::POST,
            format!("{base}/needs"),
            Some(json!({"domain": "trauma", "responsible_party": "nhs"})),
        ),
        (Method::GET, format!("{base}/assessments"), None),
        (Method::GET, format!("{base}/plan"), None),
        (
            Method::POST,
            format!("{base}/plan/goals"),
            Some(json!({"words": "x"})),
        ),
        (Method::GET, format!("{base}/release-plan"), None),
        (
            Method::PUT,
            format!("{base}/release-plan"),
            Some(json!({"version": 0, "items": []})),
        ),
    ] {
        let res = api(&w.app, method, &path, &t, body).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn an_ended_episode_keeps_its_plan_and_refuses_changes() {
    let mut w = World::new(28).await;
    let res = w
        .post(
            "needs",
            &[
                ("domain", "trauma"),
                ("status", "identified"),
                ("party", "nhs"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let caller = w.app.db.caller(w.worker).await;
    w.app
        .db
        .store
        .act_on_episode(&caller, w.episode, 2, &Action::Withdraw { reason: None })
        .await
        .unwrap();
    let page = w.get("needs").await;
    assert!(page.body.contains("Trauma"));
    assert!(!page.body.contains("Add a need"));
    let res = w
        .post(
            "needs",
            &[
                ("domain", "accommodation"),
                ("status", "identified"),
                ("party", "nhs"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res
        .body
        .contains("This episode has ended, so its plan cannot change"));
    let path = w.path("release-day/edit");
    let res = w.app.get(&mut w.b, &path).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}
