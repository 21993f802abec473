//! The services directory pages: searching by need, text and distance from
//! a postcode or a person's release address (scoped and audited), errors
//! for bad postcodes and distances shown in the NHS.UK error summary (never
//! a 500), paging, the service page with its "Refer to this service"
//! button when a person's need is carried, and site managers verifying
//! services and curating their site's list, with roles enforced.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::StatusCode;
use common::{error_links_of, Browser, TestApp};
use reconnect_domain::{PersonId, Role};
use reconnect_store::testing::{DirService, TestSite};
use time::Duration;

struct World {
    app: TestApp,
    site: TestSite,
    worker: Browser,
    person: PersonId,
    near: String,
    far: String,
    women: String,
}

/// Salford Shopping City area (M6 5FX) and services around it.
const HOME: (f64, f64) = (53.4875, -2.2901);

async fn world() -> World {
    let app = TestApp::new().await;
    let site = app.db.site("Salford", &["HMP Forest Bank"]).await;
    let (worker_id, worker) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let caller = app.db.caller(worker_id).await;
    let person = app
        .db
        .person(&caller, site.prisons[0], "Sam", "Carter")
        .await;
    app.db
        .release_address(person, "M6 5FX", "Salford", "man")
        .await;
    app.db.postcode("M6 5FX", HOME.0, HOME.1).await;
    app.db.postcode("LS1 4AP", 53.7961, -1.5475).await;
    let (lat, lon) = HOME;
    let near = app
        .db
        .dir_service(
            &DirService::new("Change Grow Live Salford")
                .described("Drug and alcohol recovery support")
                .run_by("Change Grow Live")
                .term("substance-misuse")
                .at(lat + 0.01, lon, "M6 5JA")
                .open("MO,TU,WE,TH,FR", "09:00", "17:00")
                .refer_by("Phone the duty worker or send the referral form by secure email")
                .phone("0161 000 0000")
                .verified(app.db.now() - Duration::days(10)),
        )
        .await;
    let far = app
        .db
        .dir_service(
            &DirService::new("Bolton Recovery Hub")
                .term("substance-misuse")
                .at(lat + 0.06, lon, "BL1 1AA"),
        )
        .await;
    let women = app
        .db
        .dir_service(
            &DirService::new("Women's Centre")
                .term("womens-services")
                .for_genders("women")
                .at(lat, lon + 0.01, "M6 5FY"),
        )
        .await;
    World {
        app,
        site,
        worker,
        person,
        near,
        far,
        women,
    }
}

/// Text as askama escapes it in a page.
fn esc(text: &str) -> String {
    text.replace('&', "&#38;").replace('\'', "&#39;")
}

fn error_fields(html: &str) -> Vec<String> {
    error_links_of(html).into_iter().map(|(h, _)| h).collect()
}

#[tokio::test]
async fn workers_search_by_need_and_distance_from_a_postcode() {
    let mut w = world().await;
    let res = w.app.get(&mut w.worker, "/directory").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("<h1>Services directory</h1>"));
    assert!(res.body.contains("3 services found"));
    // Every service shows its freshness: never checked ones are flagged.
    assert!(res.body.contains("Not verified for 6 months"));

    let res = w
        .app
        .get(
            &mut w.worker,
            "/directory?term=substance-misuse&postcode=m65fx&radius=10",
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let body = &res.body;
    assert!(body.contains("2 services found, nearest first"), "{body}");
    let near_at = body.find("Change Grow Live Salford").unwrap();
    let far_at = body.find("Bolton Recovery Hub").unwrap();
    assert!(near_at < far_at, "nearest first");
    assert!(body.contains("1.1 km (0.7 miles) away"), "{body}");
    assert!(body.contains("Open now"), "Monday 09:00 GMT");
    assert!(!body.contains(&esc("Women's Centre")));
    assert!(body.contains(&format!("/directory/services/{}", w.near)));

    // A smaller radius leaves the far one out; text search finds by organisation.
    let res = w
        .app
        .get(
            &mut w.worker,
            "/directory?postcode=M6+5FX&radius=3&q=change+grow",
        )
        .await;
    assert!(res.body.contains("1 service found"));
    assert!(!res.body.contains("Bolton Recovery Hub"));
}

#[tokio::test]
async fn bad_postcodes_distances_and_ages_are_shown_by_their_fields() {
    let mut w = world().await;
    for (query, field, words) in [
        ("postcode=XY1+1AB", "#postcode", "Enter a real postcode"),
        ("postcode=AA1+1AB", "#postcode", "not a UK postcode area"),
        (
            "postcode=LS2+7UE",
            "#postcode",
            "We could not find the postcode LS2 7UE",
        ),
        ("radius=500", "#radius", "from 1 to 200"),
        ("radius=ten", "#radius", "from 1 to 200"),
        ("age=old", "#age", "Enter an age in whole years"),
        ("gender=robots", "#gender", "Choose who the service is for"),
        ("term=unknown", "#term", "Choose a kind of service"),
    ] {
        let res = w
            .app
            .get(&mut w.worker, &format!("/directory?{query}"))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{query}");
        assert_eq!(error_fields(&res.body), [field], "{query}");
        assert!(res.body.contains(words), "{query}: {}", res.body);
        assert!(!res.body.contains("services found"), "{query}");
    }
    // Nonsense paging is just the first page.
    let res = w.app.get(&mut w.worker, "/directory?page=-4").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("3 services found"));
}

#[tokio::test]
async fn searching_near_a_persons_release_address_is_scoped_and_audited() {
    let mut w = world().await;
    let url = format!("/directory?person_id={}&radius=5", w.person);
    let res = w.app.get(&mut w.worker, &url).await;
    assert_eq!(res.status, StatusCode::OK);
    let body = &res.body;
    assert!(body.contains("Searching for Sam Carter: age"), "{body}");
    assert!(body.contains("release address postcode M6 5FX"));
    assert!(body.contains("1 service found"), "within 5 km");
    // Eligibility from the record: a man is not offered the women's centre.
    assert!(!body.contains(&esc("Women's Centre")));
    assert!(body.contains("Change Grow Live Salford"));
    let events = w.app.db.audit_events_for("directory.person_address").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].person_id, Some(w.person));

    // Someone at another site cannot use the person's address.
    let other = w.app.db.site("Leeds", &["HMP Leeds"]).await;
    let (_, mut elsewhere) = w
        .app
        .signed_in_at("leeds@example.org", Role::Worker, other.id)
        .await;
    let res = w.app.get(&mut elsewhere, &url).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert!(!res.body.contains("Carter"));
    for bad in ["1+OR+1=1", "nothing", "%00"] {
        let res = w
            .app
            .get(&mut w.worker, &format!("/directory?person_id={bad}"))
            .await;
        assert!(!res.status.is_server_error(), "{bad}");
    }
    let res = w
        .app
        .get(
            &mut w.worker,
            &format!("/directory?person_id={}", PersonId::new()),
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(
        w.app
            .db
            .audit_events_for("directory.person_address")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn the_service_page_says_how_to_refer_and_offers_a_referral_from_a_need() {
    let mut w = world().await;
    let episode = uuid::Uuid::now_v7();
    let need = uuid::Uuid::now_v7();
    let carried = format!("person_id={}&episode_id={episode}&need_id={need}", w.person);
    // The search carries the person's need to the service links.
    let res = w
        .app
        .get(&mut w.worker, &format!("/directory?{carried}"))
        .await;
    let link = format!("/directory/services/{}?{carried}", w.near);
    assert!(res.body.contains(&esc(&link)), "{}", res.body);

    let res = w.app.get(&mut w.worker, &link).await;
    assert_eq!(res.status, StatusCode::OK);
    let body = &res.body;
    assert!(body.contains("<h1>Change Grow Live Salford</h1>"));
    assert!(body.contains("Drug and alcohol recovery support"));
    assert!(body.contains("Phone the duty worker"));
    assert!(body.contains("0161 000 0000"));
    assert!(body.contains("Monday to Friday, 09:00 to 17:00"));
    assert!(body.contains("Any age"));
    assert!(body.contains("Substance misuse treatment"));
    assert!(body.contains("M6 5JA"));
    assert!(
        !body.contains("Not verified for 6 months"),
        "checked 10 days ago"
    );
    let refer = format!(
        "/people/{}/episodes/{episode}/onward-referrals/new?service_id={}&#38;need_id={need}",
        w.person, w.near
    );
    assert!(body.contains(&refer), "{body}");
    assert!(body.contains("Refer to this service"));

    // Without a need, or for a peer mentor, there is no referral button.
    let res = w
        .app
        .get(&mut w.worker, &format!("/directory/services/{}", w.far))
        .await;
    assert!(!res.body.contains("Refer to this service"));
    assert!(res.body.contains("Never checked"));
    assert!(res.body.contains("Not verified for 6 months"));
    let (_, mut mentor) = w
        .app
        .signed_in_at("mentor@example.org", Role::PeerMentor, w.site.id)
        .await;
    let res = w.app.get(&mut mentor, &link).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!res.body.contains("Refer to this service"));
    // No "look after" forms for anyone but site managers.
    assert!(!res.body.contains("Mark as checked today"));

    let res = w
        .app
        .get(&mut w.worker, "/directory/services/no-such-service")
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn site_managers_verify_services_and_curate_their_list() {
    let mut w = world().await;
    let (_, mut manager) = w
        .app
        .signed_in_at("manager@example.org", Role::SiteManager, w.site.id)
        .await;
    let page = format!("/directory/services/{}", w.women);
    let res = w.app.get(&mut manager, &page).await;
    assert!(res.body.contains("Mark as checked today"));
    assert!(res.body.contains(&esc("Add to your site's list")));

    let res = w
        .app
        .post(
            &mut manager,
            &format!("{page}/verify"),
            &[("note", "Phoned the centre manager")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), format!("{page}?done=verified"));
    let res = w.app.get(&mut manager, res.location()).await;
    assert!(res.body.contains("Service marked as checked today"));
    assert!(res.body.contains("Phoned the centre manager"));
    assert!(!res.body.contains("Not verified for 6 months"));
    assert_eq!(w.app.db.audit_events_for("directory.verify").await.len(), 1);

    // A note that is too long is shown by its field; nothing is saved.
    let long = "x".repeat(501);
    let res = w
        .app
        .post(
            &mut manager,
            &format!("{page}/site-list/add"),
            &[("list_note", &long)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(error_fields(&res.body), ["#list_note"]);
    assert_eq!(w.app.db.count_rows("site_service").await, 0);

    let res = w
        .app
        .post(
            &mut manager,
            &format!("{page}/site-list/add"),
            &[("list_note", "Good for women leaving HMP Styal")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    // Adding twice says so on the page.
    let res = w
        .app
        .post(&mut manager, &format!("{page}/site-list/add"), &[])
        .await;
    assert!(res.body.contains("already on your site"), "{}", res.body);

    // Workers see the list (and the marker) but cannot change it.
    let res = w.app.get(&mut w.worker, "/directory/site-list").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(&esc("Women's Centre")));
    assert!(res.body.contains("Good for women leaving HMP Styal"));
    let res = w.app.get(&mut w.worker, "/directory").await;
    assert!(res.body.contains("On your site's list"));
    let res = w
        .app
        .post(&mut w.worker, &format!("{page}/site-list/remove"), &[])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = w
        .app
        .post(&mut w.worker, &format!("{page}/verify"), &[])
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // Verified just now, so not in "needs checking".
    let res = w
        .app
        .get(&mut w.worker, "/directory/site-list?needs_checking=yes")
        .await;
    assert!(res.body.contains("No services on your site"));

    let res = w
        .app
        .post(
            &mut manager,
            &format!("{page}/site-list/remove"),
            &[("list_note", "Centre closed")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let removes = w
        .app
        .db
        .audit_events_for("directory.site_list.remove")
        .await;
    assert_eq!(removes[0].detail.as_deref(), Some("Centre closed"));
    // Another site's id, or an unknown service: not found.
    let res = w
        .app
        .post(
            &mut manager,
            &format!("{page}/verify"),
            &[("site_id", &reconnect_domain::SiteId::new().to_string())],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = w
        .app
        .post(&mut manager, "/directory/services/nope/verify", &[])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn roles_without_a_site_list_do_not_use_the_staff_directory() {
    let w = world().await;
    for (email, role) in [
        ("lead@example.org", Role::NationalLead),
        ("admin@example.org", Role::Admin),
        ("reviewer@example.org", Role::Reviewer),
    ] {
        w.app.user(email, role, &[]).await;
        let mut b = w.app.sign_in(email).await;
        for path in ["/directory", "/directory/site-list"] {
            let res = w.app.get(&mut b, path).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{email} {path}");
        }
        let home = w.app.get(&mut b, "/").await;
        assert!(!home.body.contains("href=\"/directory\""), "{email}");
    }
    let mut worker = w.worker;
    let home = w.app.get(&mut worker, "/").await;
    assert!(home.body.contains("href=\"/directory\""));
}

#[tokio::test]
async fn results_come_in_pages_of_twenty() {
    let mut w = world().await;
    for i in 0..22 {
        w.app
            .db
            .dir_service(&DirService::new(&format!("Food bank {i:02}")))
            .await;
    }
    let res = w.app.get(&mut w.worker, "/directory?q=food+bank").await;
    assert!(res.body.contains("22 services found (page 1 of 2)"));
    assert!(res.body.contains("Food bank 19"));
    assert!(!res.body.contains("Food bank 20"));
    assert!(res.body.contains("Next page of services"));
    let res = w
        .app
        .get(&mut w.worker, "/directory?q=food+bank&page=2")
        .await;
    assert!(res.body.contains("page 2 of 2"));
    assert!(res.body.contains("Food bank 21"));
    assert!(res.body.contains("Previous page of services"));
}
