//! Contacts, appointments and case notes through the pages and the API:
//! forms that show every problem next to its field, a form sent twice that
//! saves once, attendance refused before the appointment, rescheduling that
//! keeps the old appointment, stale edits, sensitive notes withheld from
//! those who may not read them, corrections that keep the earlier version,
//! the worker's calendar, and read-only peer mentors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{error_links_of, Browser, TestApp};
use reconnect_domain::episode::Action;
use reconnect_domain::{EpisodeId, PersonId, Role, UserId};
use reconnect_store::testing::TestSite;
use serde_json::json;

struct World {
    app: TestApp,
    site: TestSite,
    worker: UserId,
    b: Browser,
    person: PersonId,
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
        person,
        episode,
        base,
    }
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

#[tokio::test]
async fn contacts_show_every_problem_and_a_form_sent_twice_saves_once() {
    let mut w = world().await;
    let url = format!("{}/contacts", w.base);
    let page = w.app.get(&mut w.b, &url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<h1>Contacts</h1>"));
    assert!(page.body.contains("Ada Lovelace"));
    let form_id = hidden(&page.body, "form_id");

    let res = w.app.post(&mut w.b, &url, &[("form_id", &form_id)]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        fields_with_errors(&res.body),
        ["kind", "when-day", "two_way", "summary"]
    );
    // Kept the same id, so a later good send is still one record.
    assert_eq!(hidden(&res.body, "form_id"), form_id);

    let future = [
        ("form_id", form_id.as_str()),
        ("kind", "phone"),
        ("when-day", "3"),
        ("when-month", "3"),
        ("when-year", "2026"),
        ("when-time", "10:00"),
        ("two_way", "yes"),
        ("summary", "Talked about housing"),
    ];
    let res = w.app.post(&mut w.b, &url, &future).await;
    assert!(res.body.contains("now or in the past"), "{}", res.body);
    let mut bad_time = future;
    bad_time[2] = ("when-day", "1");
    bad_time[5] = ("when-time", "25:99");
    let res = w.app.post(&mut w.b, &url, &bad_time).await;
    assert_eq!(fields_with_errors(&res.body), ["when-time"]);
    let mut ancient = future;
    ancient[4] = ("when-year", "1900");
    let res = w.app.post(&mut w.b, &url, &ancient).await;
    assert!(res.body.contains("2000 or later"));

    let mut good = future;
    good[2] = ("when-day", "1");
    let res = w.app.post(&mut w.b, &url, &good).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), format!("{url}?done=logged"));
    let again = w.app.post(&mut w.b, &url, &good).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(w.app.db.count_rows("contact").await, 1);
    let page = w.app.get(&mut w.b, &format!("{url}?done=logged")).await;
    assert!(page.body.contains("Contact saved"));
    assert!(page.body.contains("Talked about housing"));
    assert!(page.body.contains("Sunday 1 March 2026 at 10:00"));
    // Correcting it keeps the first version, shown as replaced.
    let caller = w.app.db.caller(w.worker).await;
    let first = w.app.db.store.contacts(&caller, w.episode).await.unwrap()[0].id;
    let correct = format!("{url}/{first}/correct");
    let form = w.app.get(&mut w.b, &correct).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Talked about housing"));
    let cid = hidden(&form.body, "form_id");
    let mut fixed: Vec<(&str, &str)> = good.to_vec();
    fixed[0] = ("form_id", cid.as_str());
    fixed[7] = ("summary", "Talked about housing and benefits");
    let res = w.app.post(&mut w.b, &correct, &fixed).await;
    assert_eq!(fields_with_errors(&res.body), ["reason"]);
    fixed.push(("reason", "Left out the benefits part"));
    let res = w.app.post(&mut w.b, &correct, &fixed).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = w.app.get(&mut w.b, &format!("{url}?done=corrected")).await;
    assert!(page.body.contains("Replaced by a correction"));
    assert!(page.body.contains("Correction: Left out the benefits part"));
    fixed[0] = ("form_id", "");
    let res = w.app.post(&mut w.b, &correct, &fixed).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(w.app.db.count_rows("contact").await, 2);
    // The episode's page links here.
    let ep = w.app.get(&mut w.b, &w.base).await;
    assert!(ep.body.contains(&format!("href=\"{url}\"")));
}

#[tokio::test]
async fn appointments_are_booked_rescheduled_kept_and_attendance_waits_for_the_time() {
    let mut w = world().await;
    let url = format!("{}/appointments", w.base);
    let page = w.app.get(&mut w.b, &url).await;
    let form_id = hidden(&page.body, "form_id");
    let book = |year: &'static str| {
        vec![
            ("form_id", form_id.clone()),
            ("what", "Housing options".to_string()),
            ("location", "Civic Hall".to_string()),
            ("when-day", "3".to_string()),
            ("when-month", "3".to_string()),
            ("when-year", year.to_string()),
            ("when-time", "14:30".to_string()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| -> Vec<(&'static str, String)> { v.clone() };
    for (year, message) in [
        ("1900", "2000 or later"),
        ("2029", "within the next 2 years"),
    ] {
        let f = as_refs(&book(year));
        let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = w.app.post(&mut w.b, &url, &fields).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains(message), "{year}: {}", res.body);
        assert_eq!(fields_with_errors(&res.body), ["when-day"]);
    }
    let f = book("2026");
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = w.app.post(&mut w.b, &url, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = w.app.post(&mut w.b, &url, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(w.app.db.count_rows("appointment").await, 1);
    let a = form_id;
    let page = w.app.get(&mut w.b, &format!("{url}?done=booked")).await;
    assert!(page.body.contains("Appointment booked"));
    assert!(page.body.contains("Tuesday 3 March 2026 at 14:30"));

    // Attendance before the time is refused with the reason.
    let attend = format!("{url}/{a}/attendance");
    w.app.get(&mut w.b, &attend).await;
    let res = w
        .app
        .post(
            &mut w.b,
            &attend,
            &[("version", "1"), ("attendance", "attended")],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("has not started yet"));

    // Rescheduling needs who asked and why; then keeps the old one.
    let move_url = format!("{url}/{a}/reschedule");
    w.app.get(&mut w.b, &move_url).await;
    let res = w.app.post(&mut w.b, &move_url, &[("version", "1")]).await;
    assert_eq!(
        fields_with_errors(&res.body),
        ["when-day", "asked_by", "reason"]
    );
    let moved = [
        ("version", "1"),
        ("when-day", "5"),
        ("when-month", "3"),
        ("when-year", "2026"),
        ("when-time", "11:00"),
        ("asked_by", "person"),
        ("reason", "Has to sign on at probation then"),
    ];
    let res = w.app.post(&mut w.b, &move_url, &moved).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // The same form again is stale: told, nothing more booked.
    let res = w.app.post(&mut w.b, &move_url, &moved).await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("cannot change") || res.body.contains("changed after you opened"));
    assert_eq!(w.app.db.count_rows("appointment").await, 2);
    let page = w.app.get(&mut w.b, &url).await;
    assert!(page.body.contains("Rescheduled"));
    assert!(page.body.contains("Moved to Thursday 5 March 2026 at 11:00, at the request of the person: Has to sign on at probation then"));

    // The worker's calendar shows the new one (they booked it).
    let cal = w.app.get(&mut w.b, "/appointments").await;
    assert_eq!(cal.status, StatusCode::OK);
    assert!(cal.body.contains("Week of Monday 2 March 2026"));
    assert!(cal.body.contains("Thursday 5 March 2026"));
    assert!(cal.body.contains("Ada Lovelace"));
    assert!(cal.body.contains("/appointments?week=2026-03-09"));
    let next = w.app.get(&mut w.b, "/appointments?week=2026-03-10").await;
    assert!(next.body.contains("Week of Monday 9 March 2026"));
    let odd = w.app.get(&mut w.b, "/appointments?week=not-a-week").await;
    assert_eq!(odd.status, StatusCode::OK);

    // Once the time has passed, attendance is recorded; a DNA needs a reason.
    w.app.db.advance(time::Duration::days(4));
    w.b = w.app.sign_in("worker@example.org").await;
    let caller = w.app.db.caller(w.worker).await;
    let new_id = w
        .app
        .db
        .store
        .appointments(&caller, w.episode)
        .await
        .unwrap()
        .into_iter()
        .find(|x| x.state.is_open())
        .unwrap()
        .id;
    let attend = format!("{url}/{new_id}/attendance");
    w.app.get(&mut w.b, &attend).await;
    let res = w
        .app
        .post(
            &mut w.b,
            &attend,
            &[("version", "1"), ("attendance", "did_not_attend")],
        )
        .await;
    assert_eq!(
        fields_with_errors(&res.body),
        ["dna_reason"],
        "{} {}",
        res.status,
        res.body
    );
    let res = w
        .app
        .post(
            &mut w.b,
            &attend,
            &[
                ("version", "1"),
                ("attendance", "did_not_attend"),
                ("dna_reason", "logistics"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let page = w.app.get(&mut w.b, &format!("{url}?done=attendance")).await;
    assert!(page.body.contains("Attendance recorded"));
    assert!(page.body.contains("Did not attend"));
    assert!(page.body.contains("Travel or other practical problems"));
}

#[tokio::test]
async fn sensitive_notes_are_withheld_and_corrections_keep_the_earlier_version() {
    let mut w = world().await;
    let url = format!("{}/notes", w.base);
    let page = w.app.get(&mut w.b, &url).await;
    let form_id = hidden(&page.body, "form_id");
    let res = w.app.post(&mut w.b, &url, &[("form_id", &form_id)]).await;
    assert_eq!(fields_with_errors(&res.body), ["body"]);
    let res = w
        .app
        .post(
            &mut w.b,
            &url,
            &[
                ("form_id", &form_id),
                ("body", "Told me about debts to a dealer"),
                ("sensitive", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = w.app.get(&mut w.b, &url).await;
    assert!(
        page.body.contains("Told me about debts to a dealer"),
        "the author reads it"
    );

    // Another worker at the site sees only that it exists; the manager reads it.
    let (_, mut other) = w
        .app
        .signed_in_at("other@example.org", Role::Worker, w.site.id)
        .await;
    let seen = w.app.get(&mut other, &url).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.body.contains("debts"));
    assert!(seen.body.contains("This note is sensitive"));
    assert!(!seen.body.contains("Correct this note"));
    let (_, mut manager) = w
        .app
        .signed_in_at("manager@example.org", Role::SiteManager, w.site.id)
        .await;
    assert!(w.app.get(&mut manager, &url).await.body.contains("debts"));
    let (_, mut mentor) = w
        .app
        .signed_in_at("mentor@example.org", Role::PeerMentor, w.site.id)
        .await;
    let m = w.app.get(&mut mentor, &url).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(!m.body.contains("debts"));
    assert!(!m.body.contains("Add a note"));
    let m = w.app.post(&mut mentor, &url, &[("body", "x")]).await;
    assert_eq!(m.status, StatusCode::FORBIDDEN);

    // The author corrects it with a reason; the old one stays, under it.
    let notes = w
        .app
        .db
        .store
        .case_notes(&w.app.db.caller(w.worker).await, w.episode)
        .await
        .unwrap();
    let correct = format!("{url}/{}/correct", notes[0].id);
    let form = w.app.get(&mut w.b, &correct).await;
    assert_eq!(form.status, StatusCode::OK);
    let cid = hidden(&form.body, "form_id");
    let res = w
        .app
        .post(
            &mut w.b,
            &correct,
            &[
                ("form_id", &cid),
                ("body", "Told me about debts"),
                ("sensitive", "yes"),
            ],
        )
        .await;
    assert_eq!(fields_with_errors(&res.body), ["reason"]);
    let res = w
        .app
        .post(
            &mut w.b,
            &correct,
            &[
                ("form_id", &cid),
                ("body", "Told me about debts"),
                ("sensitive", "yes"),
                ("reason", "Named someone by mistake"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = w.app.get(&mut w.b, &format!("{url}?done=corrected")).await;
    assert!(page.body.contains("Earlier version (corrected)"));
    assert!(page.body.contains("Named someone by mistake"));
    // Correcting the old version again is refused as stale.
    let res = w
        .app
        .post(
            &mut w.b,
            &correct,
            &[
                ("form_id", &uuid::Uuid::now_v7().to_string()),
                ("body", "x"),
                ("reason", "y"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res
        .body
        .contains("This record changed after you opened the page"));
    assert_eq!(w.app.db.count_rows("case_note").await, 2);
    // Someone who may not read it cannot open its correction form.
    let res = w.app.get(&mut other, &correct).await;
    assert_ne!(res.status, StatusCode::OK);
    let _ = w.person;
}

#[tokio::test]
async fn the_api_logs_books_and_notes_with_field_errors_and_refusals() {
    let w = world().await;
    let token = w.app.token(w.worker).await;
    let t = Some(token.as_str());
    let ep = format!("/api/v1/episodes/{}", w.episode);

    let res = w
        .app
        .api(Method::POST, &format!("{ep}/contacts"), t, Some("{}"))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = res.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(fields, ["kind", "at", "two_way", "summary"]);
    let body = json!({"kind": "gate_meeting", "at": "2026-03-02T08:00:00Z", "two_way": true, "summary": "Met at the gate"}).to_string();
    let res = w
        .app
        .api(Method::POST, &format!("{ep}/contacts"), t, Some(&body))
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let contact = res.json()["id"].as_str().unwrap().to_string();
    let fix = json!({"kind": "gate_meeting", "at": "2026-03-02T08:30:00Z", "two_way": true, "summary": "Met at the gate", "reason": "Wrong time"}).to_string();
    let res = w
        .app
        .api(
            Method::POST,
            &format!("{ep}/contacts/{contact}/corrections"),
            t,
            Some(&fix),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert_eq!(res.json()["supersedes"], contact.as_str());
    let res = w
        .app
        .api(
            Method::POST,
            &format!("{ep}/contacts/{contact}/corrections"),
            t,
            Some(&fix),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    let list = w
        .app
        .api(Method::GET, &format!("{ep}/contacts"), t, None)
        .await;
    assert_eq!(list.json().as_array().unwrap().len(), 2);

    let res = w
        .app
        .api(
            Method::POST,
            &format!("{ep}/appointments"),
            t,
            Some(
                &json!({"what": "GP", "location": "Surgery", "starts_at": "1900-01-01T10:00:00Z"})
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["errors"][0]["field"], "starts_at");
    let res = w
        .app
        .api(
            Method::POST,
            &format!("{ep}/appointments"),
            t,
            Some(
                &json!({"what": "GP", "location": "Surgery", "starts_at": "2026-03-04T10:00:00Z"})
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let a = res.json()["id"].as_str().unwrap().to_string();
    let act = format!("{ep}/appointments/{a}/actions");
    let res = w
        .app
        .api(
            Method::POST,
            &act,
            t,
            Some(
                &json!({"action": "attendance", "version": 1, "attendance": "attended"})
                    .to_string(),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.json()["detail"]
        .as_str()
        .unwrap()
        .contains("has not started yet"));
    let res = w
        .app
        .api(Method::POST, &act, t, Some(&json!({"action": "reschedule", "version": 1, "starts_at": "2026-03-06T10:00:00Z", "asked_by": "service", "reason": "Surgery closed"}).to_string()))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["state"], "rescheduled");
    assert!(res.json()["rescheduled_to"].is_string());
    let res = w
        .app
        .api(
            Method::POST,
            &act,
            t,
            Some(&json!({"action": "cancel", "version": 1, "reason": "x"}).to_string()),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);

    let res = w
        .app
        .api(
            Method::POST,
            &format!("{ep}/notes"),
            t,
            Some(&json!({"body": "Private", "sensitive": true}).to_string()),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let other = w
        .app
        .user("other@example.org", Role::Worker, &[w.site.id])
        .await;
    let other_token = w.app.token(other).await;
    let res = w
        .app
        .api(
            Method::GET,
            &format!("{ep}/notes"),
            Some(&other_token),
            None,
        )
        .await;
    let notes = res.json();
    assert_eq!(notes[0]["withheld"], true);
    assert!(notes[0].get("body").is_none());
    assert!(!res.body.contains("Private"));
}
