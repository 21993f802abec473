//! Referrals in, through the pages and the API: the public form (its errors,
//! trap field, rate limit, double submission and confirmation, and that it
//! never reveals whether someone is known), a worker triaging a
//! self-referral, linking to a possible duplicate, declining, the reference
//! lookup, staff referrals, read-only peer mentors, and the API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{error_links_of, error_summary_of, Browser, Res, TestApp};
use reconnect_domain::episode::EpisodeState;
use reconnect_domain::id::ReferralId;
use reconnect_domain::referral_reference::ReferralReference;
use reconnect_domain::{PersonId, Role};
use reconnect_store::referrals::{Referral, ReferralStatus};
use reconnect_store::testing::TestSite;
use serde_json::{json, Value};

struct World {
    app: TestApp,
    a: TestSite,
    b: TestSite,
    worker: Browser,
}

async fn world() -> World {
    let app = TestApp::new().await;
    let a = app.db.site("Site A", &["HMP Alpha", "HMP Aldgate"]).await;
    let b = app.db.site("Site B", &["HMP Beta"]).await;
    let (_, worker) = app
        .signed_in_at("worker@example.org", Role::Worker, a.id)
        .await;
    World { app, a, b, worker }
}

/// A visitor with no account, from `ip`.
async fn visitor(app: &TestApp, ip: &str) -> Browser {
    let mut b = Browser {
        ip: Some(ip.to_string()),
        ..Browser::default()
    };
    let res = app.get(&mut b, "/refer").await;
    assert_eq!(res.status, StatusCode::OK);
    b
}

/// A complete self-referral for `given` in `prison`.
fn self_referral<'a>(given: &'a str, prison: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("website", ""),
        ("who", "self"),
        ("given_name", given),
        ("family_name", "Okafor"),
        ("date_of_birth-day", "3"),
        ("date_of_birth-month", "7"),
        ("date_of_birth-year", "1990"),
        ("prison_id", prison),
        ("prison_number", "a1234bc"),
        ("release-day", "1"),
        ("release-month", "4"),
        ("release-year", "2026"),
        ("needs", "mental_health"),
        ("needs", "housing"),
        ("needs_text", "Help with my prescription"),
        ("contact_preference", "through_prison"),
        ("consent", "yes"),
    ]
}

fn reference_in(body: &str) -> String {
    let at = body.find("RCN-").expect("a reference on the page");
    body[at..at + 13].to_string()
}

async fn refer(app: &TestApp, b: &mut Browser, fields: &[(&str, &str)]) -> Res {
    app.post(b, "/refer", fields).await
}

/// The referral with this reference, read as a worker at both sites.
async fn stored(w: &World, reference: &str) -> Referral {
    let caller = w.app.db.staff(Role::Worker, &[w.a.id, w.b.id]).await;
    let reference = ReferralReference::parse(reference).unwrap();
    w.app
        .db
        .store
        .referral_by_reference(&caller, &reference)
        .await
        .unwrap()
}

async fn referral_id(w: &World, reference: &str) -> ReferralId {
    stored(w, reference).await.id
}

fn version_in(body: &str) -> String {
    let at = body.find("name=\"version\" value=\"").unwrap() + "name=\"version\" value=\"".len();
    body[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn the_public_form_needs_no_sign_in_and_gives_a_reference() {
    let w = world().await;
    let app = &w.app;
    let mut v = visitor(app, "198.51.100.1").await;
    let form = app.get(&mut v, "/refer").await;
    assert!(form.body.contains("Ask for support from RECONNECT"));
    assert!(form.body.contains("What happens next"));
    // Every prison, at every site, and "I do not know".
    assert!(form.body.contains("HMP Beta") && form.body.contains("HMP Aldgate"));
    assert!(form
        .body
        .contains("I do not know, or they have already left prison"));
    // The trap field is hidden from everyone, and out of the tab order.
    assert!(form
        .body
        .contains("<div class=\"nhsuk-u-visually-hidden\" aria-hidden=\"true\">"));
    assert!(form
        .body
        .contains("name=\"website\" type=\"text\" tabindex=\"-1\" autocomplete=\"off\""));
    let prison = w.b.prisons[0].to_string();
    let res = refer(app, &mut v, &self_referral("Dan", &prison)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Thank you: we have your request"));
    let reference = reference_in(&res.body);
    assert_eq!(app.db.count_rows("referral").await, 1);
    // It landed at the site serving the prison.
    assert_eq!(stored(&w, &reference).await.site_id, w.b.id);
    // Linked from the sign-in page and the footer.
    let mut anon = Browser::default();
    let signin = app.get(&mut anon, "/sign-in").await;
    assert!(signin.body.matches("href=\"/refer\"").count() >= 2);
}

#[tokio::test]
async fn the_public_form_shows_each_problem_next_to_its_field() {
    let w = world().await;
    let app = &w.app;
    let mut v = visitor(app, "198.51.100.2").await;
    let res = refer(app, &mut v, &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    let links: Vec<String> = error_links_of(&res.body).into_iter().map(|l| l.0).collect();
    for field in [
        "#who",
        "#given_name",
        "#family_name",
        "#date_of_birth-day",
        "#prison_id",
        "#needs",
        "#contact_preference",
        "#consent",
    ] {
        assert!(links.iter().any(|l| l == field), "{field} in {links:?}");
    }
    assert!(res.body.contains("<title>Error: Ask for support"));

    let prison = w.a.prisons[0].to_string();
    let cases: Vec<(&str, &str, &str, &str)> = vec![
        (
            "date_of_birth-day",
            "31",
            "#date_of_birth-day",
            "Date of birth must be a real date",
        ),
        (
            "prison_number",
            "12345",
            "#prison_number",
            "Enter a prison number in the format A1234BC",
        ),
        (
            "release-month",
            "13",
            "#release-day",
            "The release date must be a real date",
        ),
        (
            "date_of_birth-year",
            "2015",
            "#date_of_birth-day",
            "youth justice service",
        ),
    ];
    for (field, value, link, message) in cases {
        let mut fields = self_referral("Dan", &prison);
        if field == "date_of_birth-day" {
            fields.retain(|(k, _)| *k != "date_of_birth-month");
            fields.push(("date_of_birth-month", "2"));
        }
        fields.retain(|(k, _)| *k != field);
        fields.push((field, value));
        let res = refer(app, &mut v, &fields).await;
        assert_eq!(res.status, StatusCode::OK);
        let summary = error_summary_of(&res.body).unwrap_or_default();
        assert!(summary.contains(message), "{field}: {summary}");
        assert!(
            error_links_of(&res.body).iter().any(|(l, _)| l == link),
            "{field}"
        );
        // What was typed is kept.
        assert!(res.body.contains("value=\"Dan\""));
    }
    // Someone referring another person says who they are.
    let mut fields = self_referral("Dan", &prison);
    fields.retain(|(k, _)| *k != "who");
    fields.push(("who", "family_or_friend"));
    let res = refer(app, &mut v, &fields).await;
    let links: Vec<String> = error_links_of(&res.body).into_iter().map(|l| l.0).collect();
    assert_eq!(
        links,
        vec![
            "#referrer_name",
            "#referrer_relationship",
            "#referrer_contact"
        ]
    );
    // "I do not know" the prison needs an area.
    let mut fields = self_referral("Dan", "unknown");
    fields.push(("site_id", ""));
    let res = refer(app, &mut v, &fields).await;
    assert!(error_links_of(&res.body)
        .iter()
        .any(|(l, _)| l == "#site_id"));
    assert_eq!(app.db.count_rows("referral").await, 0);
    // With the area chosen, it is sent.
    let site = w.a.id.to_string();
    let mut fields = self_referral("Dan", "unknown");
    fields.push(("site_id", &site));
    let res = refer(app, &mut v, &fields).await;
    assert!(res.body.contains("Thank you"), "{}", res.body);
    assert_eq!(app.db.count_rows("referral").await, 1);
}

#[tokio::test]
async fn the_public_form_needs_its_csrf_token() {
    let w = world().await;
    let app = &w.app;
    let mut v = visitor(app, "198.51.100.3").await;
    let prison = w.a.prisons[0].to_string();
    let body = common::form_body(&self_referral("Dan", &prison));
    let res = app.post_raw(&mut v, "/refer", &body).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.db.count_rows("referral").await, 0);
}

#[tokio::test]
async fn a_filled_in_trap_field_looks_the_same_and_stores_nothing() {
    let w = world().await;
    let app = &w.app;
    let mut v = visitor(app, "198.51.100.4").await;
    let prison = w.a.prisons[0].to_string();
    let mut fields = self_referral("Dan", &prison);
    fields.retain(|(k, _)| *k != "website");
    fields.push(("website", "https://spam.example"));
    let res = refer(app, &mut v, &fields).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Thank you: we have your request"));
    assert_eq!(reference_in(&res.body).len(), 13);
    assert_eq!(app.db.count_rows("referral").await, 0);
}

#[tokio::test]
async fn the_public_form_is_rate_limited_kindly() {
    let w = world().await;
    let app = &w.app;
    let mut v = visitor(app, "198.51.100.5").await;
    let prison = w.a.prisons[0].to_string();
    let names = ["Ann", "Ben", "Cal", "Dee", "Eve", "Fay"];
    for name in &names[..5] {
        let res = refer(app, &mut v, &self_referral(name, &prison)).await;
        assert!(res.body.contains("Thank you"), "{name}");
    }
    let res = refer(app, &mut v, &self_referral(names[5], &prison)).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.body.contains("Please try again later"));
    assert!(res.body.contains("ask the healthcare team at the prison"));
    assert_eq!(app.db.count_rows("referral").await, 5);
    // Another address is not held back.
    let mut other = visitor(app, "198.51.100.6").await;
    let res = refer(app, &mut other, &self_referral(names[5], &prison)).await;
    assert!(res.body.contains("Thank you"));
}

#[tokio::test]
async fn a_double_click_sends_one_referral() {
    let w = world().await;
    let app = &w.app;
    let mut v = visitor(app, "198.51.100.7").await;
    let prison = w.a.prisons[0].to_string();
    let first = refer(app, &mut v, &self_referral("Dan", &prison)).await;
    let second = refer(app, &mut v, &self_referral("Dan", &prison)).await;
    assert_eq!(second.status, StatusCode::OK);
    assert_eq!(reference_in(&first.body), reference_in(&second.body));
    assert_eq!(app.db.count_rows("referral").await, 1);
}

#[tokio::test]
async fn the_public_form_never_reveals_whether_someone_is_known() {
    let w = world().await;
    let app = &w.app;
    // Dan Okafor, born 3 July 1990, prison number A1234BC, is supported at site A.
    let caller = app.db.staff(Role::Worker, &[w.a.id]).await;
    let mut known = app.db.new_person(w.a.prisons[0], "Dan", "Okafor");
    known.prison_number = reconnect_domain::PrisonNumber::parse("A1234BC").unwrap();
    app.db.store.create_person(&caller, &known).await.unwrap();
    let prison = w.a.prisons[0].to_string();
    let mut v1 = visitor(app, "198.51.100.8").await;
    let about_known = refer(app, &mut v1, &self_referral("Dan", &prison)).await;
    let mut v2 = visitor(app, "198.51.100.9").await;
    let about_stranger = refer(app, &mut v2, &self_referral("Xan", &prison)).await;
    assert_eq!(about_known.status, about_stranger.status);
    let strip = |res: &Res| {
        res.body
            .replace(&reference_in(&res.body), "RCN-XXXX-XXXX")
            .replace(&common::csrf_from(&res.body).unwrap_or_default(), "")
    };
    assert_eq!(strip(&about_known), strip(&about_stranger));
    assert_eq!(app.db.count_rows("referral").await, 2);
}

#[tokio::test]
async fn a_worker_triages_a_self_referral() {
    let mut w = world().await;
    let app = &w.app;
    let mut v = visitor(app, "198.51.100.10").await;
    let prison = w.a.prisons[0].to_string();
    let sent = refer(app, &mut v, &self_referral("Dan", &prison)).await;
    let reference = reference_in(&sent.body);
    let id = referral_id(&w, &reference).await;

    // The queue shows it with its eligibility.
    let queue = app.get(&mut w.worker, "/triage").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains(&reference));
    assert!(queue.body.contains("Dan Okafor"));
    assert!(queue.body.contains("Meets the criteria"));
    assert!(queue.body.contains("aria-current=\"page\""));
    // The referral, and the decision.
    let page = app.get(&mut w.worker, &format!("/triage/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Mental health or emotional wellbeing"));
    assert!(page.body.contains("No one at your sites has the same"));
    let version = version_in(&page.body);
    let res = app
        .post(
            &mut w.worker,
            &format!("/triage/{id}"),
            &[
                ("version", version.as_str()),
                ("decision", "new_record"),
                ("prison_id", prison.as_str()),
                ("prison_number", "A1234BC"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), format!("/triage/{id}?done=accepted"));
    let done = app.get(&mut w.worker, res.location()).await;
    assert!(done.body.contains("Referral accepted"));
    assert!(done.body.contains("Go to their record"));
    assert!(!done.body.contains("Save decision"));
    assert_eq!(app.db.count_rows("person").await, 1);
    let r = stored(&w, &reference).await;
    let caller = app.db.staff(Role::Worker, &[w.a.id]).await;
    let episodes = app
        .db
        .store
        .episodes_of(&caller, r.person_id.unwrap())
        .await
        .unwrap();
    assert_eq!(episodes.len(), 1);
    assert_eq!(episodes[0].state, EpisodeState::Accepted);
    assert_eq!(Some(episodes[0].id), r.episode_id);
    // The queue is empty again.
    let queue = app.get(&mut w.worker, "/triage").await;
    assert!(queue.body.contains("There are no referrals waiting"));
    // Deciding again is refused with the reason.
    let again = app
        .post(
            &mut w.worker,
            &format!("/triage/{id}"),
            &[
                ("version", version.as_str()),
                ("decision", "decline"),
                ("reason", "duplicate"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("already been accepted by"));
    assert_eq!(app.db.audit_events_for("referral.accept").await.len(), 1);
}

#[tokio::test]
async fn a_possible_duplicate_can_be_linked_and_updated() {
    let mut w = world().await;
    let app = &w.app;
    let caller = app.db.staff(Role::Worker, &[w.a.id]).await;
    let mut known = app.db.new_person(w.a.prisons[0], "Daniel", "Okafor");
    known.prison_number = reconnect_domain::PrisonNumber::parse("A1234BC").unwrap();
    let person: PersonId = app.db.store.create_person(&caller, &known).await.unwrap();
    let mut v = visitor(app, "198.51.100.11").await;
    let aldgate = w.a.prisons[1].to_string();
    let mut fields = self_referral("Dan", &aldgate);
    fields.push(("preferred_name", "Danny"));
    let sent = refer(app, &mut v, &fields).await;
    let id = referral_id(&w, &reference_in(&sent.body)).await;
    let queue = app.get(&mut w.worker, "/triage").await;
    assert!(queue.body.contains("1 possible"));
    let page = app.get(&mut w.worker, &format!("/triage/{id}")).await;
    assert!(page.body.contains("Same prison number"));
    let version = version_in(&page.body);
    let merge = format!("merge:{person}");
    let res = app
        .post(
            &mut w.worker,
            &format!("/triage/{id}"),
            &[("version", version.as_str()), ("decision", merge.as_str())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let record = app.db.store.get_person(&caller, person).await.unwrap();
    assert_eq!(record.prison_id, w.a.prisons[1]);
    assert_eq!(record.summary.preferred_name.as_deref(), Some("Danny"));
    let page = app.get(&mut w.worker, &format!("/triage/{id}")).await;
    assert!(page
        .body
        .contains("Prison changed from HMP Alpha to HMP Aldgate"));
    assert!(page.body.contains(&format!("/people/{person}")));
}

#[tokio::test]
async fn declining_needs_a_reason_and_stale_pages_are_told() {
    let mut w = world().await;
    let app = &w.app;
    let mut v = visitor(app, "198.51.100.12").await;
    let prison = w.a.prisons[0].to_string();
    let sent = refer(app, &mut v, &self_referral("Dan", &prison)).await;
    let id = referral_id(&w, &reference_in(&sent.body)).await;
    let path = format!("/triage/{id}");
    let page = app.get(&mut w.worker, &path).await;
    let version = version_in(&page.body);
    // Nothing chosen, then "other" without details.
    let res = app
        .post(&mut w.worker, &path, &[("version", version.as_str())])
        .await;
    assert_eq!(error_links_of(&res.body)[0].0, "#decision");
    let res = app
        .post(
            &mut w.worker,
            &path,
            &[
                ("version", version.as_str()),
                ("decision", "decline"),
                ("reason", "other"),
            ],
        )
        .await;
    assert_eq!(error_links_of(&res.body)[0].0, "#details");
    // An out-of-date page.
    let res = app
        .post(
            &mut w.worker,
            &path,
            &[
                ("version", "99"),
                ("decision", "decline"),
                ("reason", "no_health_need"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("Someone else changed this referral"));
    let res = app
        .post(
            &mut w.worker,
            &path,
            &[
                ("version", version.as_str()),
                ("decision", "decline"),
                ("reason", "other"),
                ("details", "Moving to Scotland on release"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = app.get(&mut w.worker, res.location()).await;
    assert!(page.body.contains("Referral declined"));
    assert!(page.body.contains("Moving to Scotland on release"));
    assert_eq!(app.db.count_rows("person").await, 0);
}

#[tokio::test]
async fn the_reference_lookup_is_scoped_and_audited() {
    let mut w = world().await;
    let app = &w.app;
    let mut v = visitor(app, "198.51.100.13").await;
    let at_a = w.a.prisons[0].to_string();
    let at_b = w.b.prisons[0].to_string();
    let mine = reference_in(&refer(app, &mut v, &self_referral("Dan", &at_a)).await.body);
    let theirs = reference_in(&refer(app, &mut v, &self_referral("Ann", &at_b)).await.body);
    let id = referral_id(&w, &mine).await;
    let typed = mine.to_lowercase().replace('-', " ");
    let res = app
        .get(
            &mut w.worker,
            &format!("/triage?reference={}", typed.replace(' ', "+")),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), format!("/triage/{id}"));
    let res = app
        .get(&mut w.worker, &format!("/triage?reference={theirs}"))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res
        .body
        .contains("No referral at your sites has the reference"));
    assert!(!res.body.contains("Ann Okafor"));
    let res = app.get(&mut w.worker, "/triage?reference=hello").await;
    assert!(res.body.contains("Enter a reference like RCN-4K7M-9QX2"));
    // The test's own lookup and the worker's found it; the other site's was
    // recorded as finding nothing (the malformed one never reached the store).
    let lookups = app.db.audit_events_for("referral.lookup").await;
    assert_eq!(lookups.iter().filter(|e| e.record_id.is_some()).count(), 2);
    assert_eq!(lookups.iter().filter(|e| e.record_id.is_none()).count(), 1);
}

#[tokio::test]
async fn staff_add_a_professionals_referral() {
    let mut w = world().await;
    let app = &w.app;
    let form = app.get(&mut w.worker, "/triage/new").await;
    assert_eq!(form.status, StatusCode::OK);
    // Only the worker's own site's prisons are offered.
    assert!(form.body.contains("HMP Alpha") && !form.body.contains("HMP Beta"));
    let prison = w.a.prisons[0].to_string();
    let mut fields = self_referral("Dan", &prison);
    fields.retain(|(k, _)| *k != "who");
    fields.extend([
        ("source", "probation"),
        ("nhs_number", "123"),
        ("referrer_name", "Sam Patel"),
        ("referrer_contact", "sam.patel@example.org"),
    ]);
    let res = app.post(&mut w.worker, "/triage/new", &fields).await;
    let links: Vec<String> = error_links_of(&res.body).into_iter().map(|l| l.0).collect();
    assert_eq!(links, vec!["#referrer_organisation", "#nhs_number"]);
    fields.retain(|(k, _)| *k != "nhs_number");
    fields.extend([
        ("nhs_number", "943 476 5919"),
        ("referrer_organisation", "Probation, Leeds"),
    ]);
    let res = app.post(&mut w.worker, "/triage/new", &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = app.get(&mut w.worker, res.location()).await;
    assert!(page.body.contains("Referral added to the triage queue"));
    assert!(page.body.contains("Sam Patel (Probation, Leeds)"));
    assert!(page.body.contains("943 476 5919"));
}

#[tokio::test]
async fn peer_mentors_see_the_queue_but_do_not_decide() {
    let w = world().await;
    let app = &w.app;
    let mut v = visitor(app, "198.51.100.14").await;
    let prison = w.a.prisons[0].to_string();
    let sent = refer(app, &mut v, &self_referral("Dan", &prison)).await;
    let id = referral_id(&w, &reference_in(&sent.body)).await;
    let (_, mut mentor) = app
        .signed_in_at("mentor@example.org", Role::PeerMentor, w.a.id)
        .await;
    let queue = app.get(&mut mentor, "/triage").await;
    assert!(queue.body.contains("Dan Okafor"));
    assert!(!queue.body.contains("/triage/new"));
    let page = app.get(&mut mentor, &format!("/triage/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("Save decision"));
    let res = app
        .post(
            &mut mentor,
            &format!("/triage/{id}"),
            &[("version", "1"), ("decision", "decline")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_api_lists_adds_shows_and_decides() {
    let w = world().await;
    let app = &w.app;
    let user = app.user("api@example.org", Role::Worker, &[w.a.id]).await;
    let token = app.token(user).await;
    let other = app.user("api.b@example.org", Role::Worker, &[w.b.id]).await;
    let other_token = app.token(other).await;
    let prison = w.a.prisons[0].to_string();
    let body = |nhs: &str| {
        json!({
            "source": "prison_healthcare",
            "referrer_name": "Nurse Jo Hall",
            "referrer_organisation": "HMP Alpha healthcare",
            "referrer_contact": "01632 960001",
            "given_name": "Dan",
            "family_name": "Okafor",
            "date_of_birth": "1990-07-03",
            "nhs_number": nhs,
            "prison_id": prison,
            "expected_release": "2026-04-01",
            "needs": ["drugs_alcohol"],
            "contact_preference": "through_prison",
            "consent": true
        })
        .to_string()
    };
    let res = app
        .api(
            Method::POST,
            "/api/v1/referrals",
            Some(&token),
            Some(&body("123")),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert_eq!(res.json()["errors"][0]["field"], "nhs_number");
    let under_18 = body("").replace("1990-07-03", "2012-01-01");
    let res = app
        .api(
            Method::POST,
            "/api/v1/referrals",
            Some(&token),
            Some(&under_18),
        )
        .await;
    assert_eq!(res.json()["errors"][0]["field"], "date_of_birth");
    let res = app
        .api(
            Method::POST,
            "/api/v1/referrals",
            Some(&token),
            Some(&body("9434765919")),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let created: Value = res.json();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["status"], "new");
    assert_eq!(created["eligibility"]["eligible"], true);
    assert!(created["reference"].as_str().unwrap().starts_with("RCN-"));

    let list = app
        .api(Method::GET, "/api/v1/referrals", Some(&token), None)
        .await;
    assert_eq!(list.json().as_array().unwrap().len(), 1);
    let none = app
        .api(Method::GET, "/api/v1/referrals", Some(&other_token), None)
        .await;
    assert_eq!(none.json().as_array().unwrap().len(), 0);
    let path = format!("/api/v1/referrals/{id}");
    let shown = app.api(Method::GET, &path, Some(&token), None).await;
    assert_eq!(shown.json()["history"][0]["kind"], "received");
    assert_eq!(
        app.api(Method::GET, &path, Some(&other_token), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let decision = format!("{path}/decision");
    let decline =
        json!({"version": 1, "decision": "decline", "reason": "already_supported"}).to_string();
    let res = app
        .api(Method::POST, &decision, Some(&other_token), Some(&decline))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app
        .api(
            Method::POST,
            &decision,
            Some(&token),
            Some(r#"{"version": 1, "decision": "maybe"}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let accept = json!({"version": 1, "decision": "new_record", "prison_id": prison, "prison_number": "A1234BC"}).to_string();
    let res = app
        .api(Method::POST, &decision, Some(&token), Some(&accept))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let done = res.json();
    assert_eq!(done["status"], ReferralStatus::Accepted.as_str());
    assert!(done["episode_id"].is_string());
    let res = app
        .api(Method::POST, &decision, Some(&token), Some(&decline))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.json()["detail"]
        .as_str()
        .unwrap()
        .contains("already been accepted"));
}
