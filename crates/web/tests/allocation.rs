//! Allocation, consent and caseloads through the pages and the API: who
//! supports a person (first allocation, handover required to change the
//! worker, stale edits), consent (voluntary only, withdrawal at once, by a
//! peer mentor too), My caseload and the unallocated list in order of
//! urgency, the team page with capacities, and the same in /api/v1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{error_links_of, title_of, Browser, TestApp};
use reconnect_domain::consent::VOLUNTARY_EXPLANATION;
use reconnect_domain::episode::{Action, Reason};
use reconnect_domain::window::ReleaseDate;
use reconnect_domain::{EpisodeId, PersonId, Role, UserId};
use reconnect_store::testing::TestSite;
use serde_json::json;
use time::Duration;

struct World {
    app: TestApp,
    site: TestSite,
    worker: UserId,
    other_worker: UserId,
    mentor: UserId,
    manager: UserId,
    b: Browser,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (worker, b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let other_worker = app
        .user("other@example.org", Role::Worker, &[site.id])
        .await;
    let mentor = app
        .user("mentor@example.org", Role::PeerMentor, &[site.id])
        .await;
    let manager = app
        .user("manager@example.org", Role::SiteManager, &[site.id])
        .await;
    World {
        app,
        site,
        worker,
        other_worker,
        mentor,
        manager,
        b,
    }
}

impl World {
    /// A person with an accepted episode, release in `days` days.
    async fn accepted(&self, family: &str, days: i64) -> (PersonId, EpisodeId, String) {
        let db = &self.app.db;
        let caller = db.caller(self.worker).await;
        let person = db
            .person(&caller, self.site.prisons[0], "Ada", family)
            .await;
        let ep = db.episode(&caller, person).await;
        db.act(&caller, ep, &Action::Accept).await;
        let release = ReleaseDate::Known(db.now().date() + Duration::days(days));
        db.store
            .change_expected_release(
                &caller,
                ep,
                2,
                &release,
                &Reason::parse("New date", "a reason").unwrap(),
            )
            .await
            .unwrap();
        (person, ep, format!("/people/{person}/episodes/{ep}"))
    }
}

#[tokio::test]
async fn who_supports_them_allocate_then_hand_over() {
    let mut w = world().await;
    let (_, ep, href) = w.accepted("Lovelace", 30).await;
    let page = format!("{href}/allocation");
    let res = w.app.get(&mut w.b, &page).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(title_of(&res.body).starts_with("Who supports them – Ada Lovelace"));
    assert!(res.body.contains("No worker yet"));

    // No worker chosen.
    let res = w
        .app
        .post(&mut w.b, &page, &[("current", ""), ("worker_id", "")])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        error_links_of(&res.body),
        [(
            "#worker_id".to_string(),
            "Choose a RECONNECT worker".to_string()
        )]
    );
    // First allocation: no reason needed.
    let worker = w.worker.to_string();
    let mentor = w.mentor.to_string();
    let res = w
        .app
        .post(
            &mut w.b,
            &page,
            &[
                ("current", ""),
                ("worker_id", &worker),
                ("mentor_id", &mentor),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), format!("{page}?done=allocated"));
    let caller = w.app.db.caller(w.worker).await;
    let first = w
        .app
        .db
        .store
        .current_allocation(&caller, ep)
        .await
        .unwrap()
        .unwrap();

    // Changing the worker without a handover note is refused at the field.
    let other = w.other_worker.to_string();
    let current = first.id.to_string();
    let res = w
        .app
        .post(
            &mut w.b,
            &page,
            &[("current", &current), ("worker_id", &other)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let links = error_links_of(&res.body);
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].0, "#reason");
    // With one, it is done and kept in the history.
    let res = w
        .app
        .post(
            &mut w.b,
            &page,
            &[
                ("current", &current),
                ("worker_id", &other),
                ("reason", "Ada moves to the north team"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = w.app.get(&mut w.b, &format!("{page}?done=worker")).await;
    assert!(res.body.contains("Worker changed, with the handover note"));
    assert!(res.body.contains("Ada moves to the north team"));
    assert!(res.body.contains("Allocation history, newest first"));

    // The same form sent again (an old page): told, nothing lost.
    let res = w
        .app
        .post(
            &mut w.b,
            &page,
            &[
                ("current", &current),
                ("worker_id", &worker),
                ("reason", "Back again"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("Someone else changed this"));
    let now = w
        .app
        .db
        .store
        .current_allocation(&caller, ep)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.worker_id, w.other_worker);

    // Peer mentors read, but do not allocate.
    let mut m = w.app.sign_in("mentor@example.org").await;
    let res = w.app.get(&mut m, &page).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.contains("name=\"worker_id\""));
    let res = w
        .app
        .post(&mut m, &page, &[("current", ""), ("worker_id", &worker)])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.app
            .db
            .audit_events_for("allocation.change_worker")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn consent_is_voluntary_and_withdrawal_is_immediate() {
    let mut w = world().await;
    let (_, _, href) = w.accepted("Seacole", 30).await;
    let page = format!("{href}/consent");
    let res = w.app.get(&mut w.b, &page).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(VOLUNTARY_EXPLANATION));
    assert!(res.body.contains("No consent has been recorded yet."));
    let today = w.app.db.now().date();
    let (d, m, y) = (
        today.day().to_string(),
        (today.month() as u8).to_string(),
        today.year().to_string(),
    );
    let take_part = format!("{page}/take-part");
    // Recorded as a licence condition: refused, saying why, next to the field.
    let res = w
        .app
        .post(
            &mut w.b,
            &take_part,
            &[
                ("consent_date-day", &d),
                ("consent_date-month", &m),
                ("consent_date-year", &y),
                ("consent_method", "verbal"),
                ("basis", "licence condition"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        error_links_of(&res.body),
        [("#basis".to_string(), VOLUNTARY_EXPLANATION.to_string())]
    );
    // Nothing at all: every field named.
    let res = w.app.post(&mut w.b, &take_part, &[]).await;
    let fields: Vec<String> = error_links_of(&res.body).into_iter().map(|l| l.0).collect();
    assert_eq!(fields, ["#consent_date", "#consent_method", "#basis"]);
    assert_eq!(w.app.db.count_rows("consent_record").await, 0);
    let res = w
        .app
        .post(
            &mut w.b,
            &take_part,
            &[
                ("consent_date-day", &d),
                ("consent_date-month", &m),
                ("consent_date-year", &y),
                ("consent_method", "signed_form"),
                ("basis", "voluntary"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    let sharing = format!("{page}/sharing");
    let res = w
        .app
        .post(&mut w.b, &sharing, &[("sharing_partner", "police")])
        .await;
    let fields: Vec<String> = error_links_of(&res.body).into_iter().map(|l| l.0).collect();
    assert_eq!(
        fields,
        ["#sharing_partner", "#sharing_date", "#sharing_scope"]
    );
    let res = w
        .app
        .post(
            &mut w.b,
            &sharing,
            &[
                ("sharing_partner", "gp"),
                ("sharing_date-day", &d),
                ("sharing_date-month", &m),
                ("sharing_date-year", &y),
                ("sharing_scope", "Medication and the release date"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = w.app.get(&mut w.b, &page).await;
    assert!(res.body.contains("Information may be shared today with"));
    assert!(res.body.contains("GP practice"));
    assert!(res.body.contains(&format!("Yes, given {d} ")));

    // A peer mentor hears it and records the withdrawal: it applies at once.
    let caller = w.app.db.caller(w.worker).await;
    let ep: EpisodeId = href.rsplit('/').next().unwrap().parse().unwrap();
    let gp = w
        .app
        .db
        .store
        .consents(&caller, ep)
        .await
        .unwrap()
        .into_iter()
        .find(|c| {
            matches!(
                c.subject,
                reconnect_store::consents::ConsentSubject::Sharing { .. }
            )
        })
        .unwrap();
    let take_part = w
        .app
        .db
        .store
        .consents(&caller, ep)
        .await
        .unwrap()
        .into_iter()
        .find(|c| {
            matches!(
                c.subject,
                reconnect_store::consents::ConsentSubject::TakePart { .. }
            )
        })
        .unwrap();
    let res = w
        .app
        .get(&mut w.b, &format!("{page}/{}/withdraw", take_part.id))
        .await;
    assert!(res.body.contains("Record that they want to stop"));
    let mut mb = w.app.sign_in("mentor@example.org").await;
    let withdraw = format!("{page}/{}/withdraw", gp.id);
    let res = w.app.get(&mut mb, &withdraw).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Sharing with: GP practice"));
    let res = w
        .app
        .post(&mut mb, &withdraw, &[("reason", "Changed their mind")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), format!("{page}?done=withdrawn"));
    let res = w.app.get(&mut mb, &format!("{page}?done=withdrawn")).await;
    assert!(res
        .body
        .contains("Withdrawal recorded. It applies from today"));
    assert!(res.body.contains("Changed their mind"));
    assert!(res.body.contains("No one"));
    // Mentors do not record new consent.
    let res = w.app.post(&mut mb, &sharing, &[]).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(w.app.db.audit_events_for("consent.withdraw").await.len(), 1);
}

#[tokio::test]
async fn my_caseload_and_the_unallocated_list_by_urgency() {
    let mut w = world().await;
    let (_, far, _) = w.accepted("Farley", 90).await;
    let (_, soon, _) = w.accepted("Soames", 3).await;
    let (_, _, waiting_href) = w.accepted("Waite", 10).await;
    let caller = w.app.db.caller(w.worker).await;
    for ep in [far, soon] {
        w.app
            .db
            .store
            .allocate(
                &caller,
                ep,
                None,
                &reconnect_store::allocation::AllocationChange {
                    worker: w.worker,
                    mentor: Some(w.mentor),
                    handover: None,
                    mentor_reason: None,
                },
            )
            .await
            .unwrap();
    }
    let res = w.app.get(&mut w.b, "/caseload").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("2 people, most urgent first"));
    let soames = res.body.find("Ada Soames").unwrap();
    let farley = res.body.find("Ada Farley").unwrap();
    assert!(soames < farley, "the sooner release comes first");
    assert!(res.body.contains("released in 3 days"));
    assert!(res.body.contains("Release within 14 days"));
    assert!(res
        .body
        .contains("Consent to take part not recorded; no sharing"));
    assert!(!res.body.contains("Ada Waite"));
    // The navigation leads with the caseload.
    let nav = res.body.find("href=\"/caseload\"").unwrap();
    assert!(nav < res.body.find("href=\"/people\"").unwrap());
    let mut mgr = w.app.sign_in("manager@example.org").await;
    let res = w.app.get(&mut mgr, "/unallocated").await;
    assert!(!res.body.contains("href=\"/caseload\""));
    assert!(res.body.contains("href=\"/team\""));

    let res = w.app.get(&mut w.b, "/unallocated").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Ada Waite"));
    assert!(!res.body.contains("Ada Soames"));
    assert!(res.body.contains(&format!("{waiting_href}/allocation")));

    let mut m = w.app.sign_in("mentor@example.org").await;
    let res = w.app.get(&mut m, "/caseload").await;
    assert!(res.body.contains("Peer mentor"));
    assert!(res.body.contains("Ada Soames"));
    let res = w.app.get(&mut m, "/unallocated").await;
    assert!(res.body.contains("Ada Waite"));
    assert!(!res.body.contains("/allocation\""));
}

#[tokio::test]
async fn team_page_and_capacity() {
    let w = world().await;
    let (_, a, a_href) = w.accepted("Ames", 20).await;
    let (_, b, _) = w.accepted("Bell", 20).await;
    let caller = w.app.db.caller(w.worker).await;
    for ep in [a, b] {
        w.app
            .db
            .store
            .allocate(
                &caller,
                ep,
                None,
                &reconnect_store::allocation::AllocationChange {
                    worker: w.worker,
                    mentor: None,
                    handover: None,
                    mentor_reason: None,
                },
            )
            .await
            .unwrap();
    }
    let mut mb = w.app.sign_in("manager@example.org").await;
    let res = w.app.get(&mut mb, "/team").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res
        .body
        .contains("<caption class=\"nhsuk-table__caption\">Site A</caption>"));
    assert!(!res.body.contains("Over capacity"));
    let form = format!("/team/{}/{}", w.site.id, w.worker);
    let res = w.app.get(&mut mb, &form).await;
    assert_eq!(res.status, StatusCode::OK);
    let res = w.app.post(&mut mb, &form, &[("capacity", "lots")]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(error_links_of(&res.body)[0].0, "#capacity");
    let res = w.app.post(&mut mb, &form, &[("capacity", "1")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = w.app.get(&mut mb, "/team?saved=1").await;
    assert!(res.body.contains("Capacity saved"));
    assert!(res.body.contains("Over capacity"));
    let res = w.app.get(&mut mb, &form).await;
    assert!(res.body.contains("Earlier capacities"));
    // The manager's own account, and workers elsewhere, have no capacity page.
    let res = w
        .app
        .get(&mut mb, &format!("/team/{}/{}", w.site.id, w.manager))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // Workers see no team page.
    let mut wb = w.app.sign_in("worker@example.org").await;
    assert_eq!(
        w.app.get(&mut wb, "/team").await.status,
        StatusCode::FORBIDDEN
    );
    // The allocation page warns about the over-capacity worker.
    let res = w.app.get(&mut wb, &format!("{a_href}/allocation")).await;
    assert!(res.body.contains("is supporting 2 of 1 (over capacity)."));
}

#[tokio::test]
async fn the_api_allocates_records_consent_and_lists_caseloads() {
    let w = world().await;
    let (_, ep, _) = w.accepted("Nightingale", 5).await;
    let token = w.app.token(w.worker).await;
    let mentor_token = w.app.token(w.mentor).await;
    let manager_token = w.app.token(w.manager).await;
    let api = |m: Method, path: String, t: &str, body: Option<serde_json::Value>| {
        let app = &w.app;
        let t = t.to_string();
        async move {
            let body = body.map(|b| b.to_string());
            app.api(m, &path, Some(&t), body.as_deref()).await
        }
    };
    let alloc = format!("/api/v1/episodes/{ep}/allocation");
    let res = api(Method::GET, alloc.clone(), &token, None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.json().get("current").is_none());
    let res = api(
        Method::PUT,
        alloc.clone(),
        &token,
        Some(json!({"worker_id": w.worker, "mentor_id": w.mentor})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let body = res.json();
    assert_eq!(body["outcome"], "allocated");
    let current = body["current"]["id"].as_str().unwrap().to_string();
    // A new worker needs a handover note.
    let res = api(
        Method::PUT,
        alloc.clone(),
        &token,
        Some(json!({"worker_id": w.other_worker, "current_allocation_id": current})),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["field"], "reason");
    // A worker at no site of the episode's is refused.
    let res = api(
        Method::PUT,
        alloc.clone(),
        &token,
        Some(json!({"worker_id": w.mentor, "current_allocation_id": current})),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A stale change is a conflict.
    let res = api(
        Method::PUT,
        alloc.clone(),
        &token,
        Some(json!({"worker_id": w.other_worker, "reason": "Handover"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    // Mentors read but cannot allocate.
    let res = api(Method::PUT, alloc.clone(), &mentor_token, Some(json!({}))).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    let res = api(Method::GET, "/api/v1/caseload".into(), &token, None).await;
    assert_eq!(res.status, StatusCode::OK);
    let list = res.json();
    assert_eq!(list[0]["name"], "Ada Nightingale");
    assert_eq!(list[0]["your_role"], "worker");
    assert_eq!(list[0]["priority"], "release_soon");
    assert_eq!(list[0]["release_countdown"], "released in 5 days");
    assert_eq!(list[0]["consent_to_take_part"], false);
    let res = api(Method::GET, "/api/v1/unallocated".into(), &token, None).await;
    assert_eq!(res.json().as_array().unwrap().len(), 0);

    // Consent: voluntary only, with the reason.
    let consents = format!("/api/v1/episodes/{ep}/consents");
    let today = w.app.db.now().date().to_string();
    let res = api(
        Method::POST,
        consents.clone(),
        &token,
        Some(json!({"kind": "take_part", "given_on": today, "method": "verbal", "basis": "licence condition"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["field"], "basis");
    assert_eq!(res.json()["errors"][0]["message"], VOLUNTARY_EXPLANATION);
    let res = api(
        Method::POST,
        consents.clone(),
        &token,
        Some(json!({"kind": "take_part", "given_on": today, "method": "verbal", "basis": "voluntary"})),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let res = api(
        Method::POST,
        consents.clone(),
        &token,
        Some(json!({"kind": "sharing", "given_on": today, "partner": "housing", "scope": ""})),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["field"], "scope");
    let res = api(
        Method::POST,
        consents.clone(),
        &token,
        Some(
            json!({"kind": "sharing", "given_on": today, "partner": "housing", "scope": "Address"}),
        ),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED);
    let housing = res.json()["id"].as_str().unwrap().to_string();
    assert_eq!(res.json()["status"], "active");
    let res = api(
        Method::POST,
        format!("{consents}/{housing}/withdraw"),
        &mentor_token,
        Some(json!({})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["status"], "withdrawn");
    let res = api(Method::GET, consents.clone(), &mentor_token, None).await;
    assert_eq!(res.json().as_array().unwrap().len(), 2);

    // Capacity, by the site's manager.
    let cap = format!("/api/v1/sites/{}/team/{}/capacity", w.site.id, w.worker);
    let res = api(
        Method::PUT,
        cap.clone(),
        &manager_token,
        Some(json!({"capacity": 500})),
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let res = api(
        Method::PUT,
        cap.clone(),
        &manager_token,
        Some(json!({"capacity": 0})),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["over_capacity"], true);
    let res = api(Method::GET, "/api/v1/team".into(), &manager_token, None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.json().as_array().unwrap().len() >= 3);
    let res = api(Method::PUT, cap, &token, Some(json!({"capacity": 3}))).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}
