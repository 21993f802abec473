//! The service's forms, driven as a browser would: adding a person, the
//! administrators' staff and site forms, the account page (API tokens and
//! password change), the site audit trail's filters and the site figures.
//! Every refused form shows an NHS.UK error summary linking to its fields,
//! keeps what was typed, and writes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::{Method, StatusCode};
use common::{error_links_of, title_of, Browser, Res, TestApp, PASSWORD};
use reconnect_domain::{PersonId, Role};

const NEW_PASSWORD: &str = "velvet-harbour-compass-17";

/// Form fields as posted: name and value.
type Fields = Vec<(&'static str, String)>;

/// A refused form: what it is, the fields sent, and the expected error links.
type Case = (&'static str, Fields, Vec<(&'static str, &'static str)>);

fn links(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(h, t)| (h.to_string(), t.to_string()))
        .collect()
}

/// A refused form: 200 with an error summary whose links are exactly `expected`.
fn assert_form_errors(what: &str, res: &Res, expected: &[(&str, &str)]) {
    assert_eq!(res.status, StatusCode::OK, "{what}: {}", res.body);
    assert_eq!(error_links_of(&res.body), links(expected), "{what}");
    assert!(
        res.body
            .contains("<h2 class=\"nhsuk-error-summary__heading\">There is a problem</h2>"),
        "{what}"
    );
    assert!(
        title_of(&res.body).starts_with("Error: "),
        "{what}: title {}",
        title_of(&res.body)
    );
}

/// The field has the NHS.UK error styling and its message next to it.
fn assert_field_error(what: &str, html: &str, id: &str, control: &str) {
    assert!(
        html.contains(&format!("id=\"{id}-error\"")),
        "{what}: no message for {id}"
    );
    assert!(
        html.contains("nhsuk-form-group--error"),
        "{what}: no error form group"
    );
    assert!(
        html.contains(&format!("{control}--error\" id=\"{id}\"")),
        "{what}: {id} is not styled as an error ({control}--error)"
    );
}

fn person_fields(prison: &str) -> Vec<(&'static str, String)> {
    vec![
        ("given_name", "Ada".into()),
        ("family_name", "Lovelace".into()),
        ("preferred_name", "Addie".into()),
        ("date_of_birth-day", "3".into()),
        ("date_of_birth-month", "7".into()),
        ("date_of_birth-year", "1990".into()),
        ("nhs_number", "943 476 5919".into()),
        ("prison_number", "A1234BC".into()),
        ("prison_id", prison.into()),
    ]
}

fn with(
    fields: &[(&'static str, String)],
    changes: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    fields
        .iter()
        .map(|(k, v)| match changes.iter().find(|(ck, _)| ck == k) {
            Some((_, nv)) => (*k, nv.to_string()),
            None => (*k, v.clone()),
        })
        .collect()
}

async fn post_fields(
    app: &TestApp,
    b: &mut Browser,
    path: &str,
    fields: &[(&'static str, String)],
) -> Res {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.post(b, path, &refs).await
}

/// The cells of the table row that contains `needle`.
fn row_cells(html: &str, needle: &str) -> Vec<String> {
    let row = html
        .split("<tr class=\"nhsuk-table__row\">")
        .find(|r| r.contains(needle))
        .unwrap_or_else(|| panic!("no row with {needle}"));
    let row = row.split("</tr>").next().unwrap_or_default();
    row.split("<td class=\"nhsuk-table__cell")
        .skip(1)
        .map(|c| {
            let inner = c.split_once('>').map(|x| x.1).unwrap_or_default();
            inner
                .split("</td>")
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .collect()
}

// ---------------------------------------------------------------- people

#[tokio::test]
async fn a_bad_person_form_shows_every_problem_keeps_the_values_and_writes_nothing() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let other = app.db.site("Site B", &["HMP Beta"]).await;
    let (_, mut b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let res = app.get(&mut b, "/people/new").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("HMP Alpha"));
    let audit_before = app.db.audit_events().await.len();

    let bad = with(
        &person_fields(""),
        &[
            ("given_name", ""),
            ("family_name", "   "),
            ("preferred_name", "<script>alert(1)</script>"),
            ("date_of_birth-day", "31"),
            ("date_of_birth-month", "2"),
            ("date_of_birth-year", "1990"),
            ("nhs_number", "123"),
            ("prison_number", "BAD-1"),
        ],
    );
    let res = post_fields(&app, &mut b, "/people/new", &bad).await;
    assert_form_errors(
        "every field wrong",
        &res,
        &[
            ("#given_name", "Enter a first name"),
            ("#family_name", "Enter a last name"),
            ("#date_of_birth-day", "Date of birth must be a real date"),
            ("#nhs_number", "NHS number must be 10 digits"),
            (
                "#prison_number",
                "Enter a prison number in the format A1234BC: a letter, 4 numbers and 2 letters",
            ),
            ("#prison_id", "Choose the prison the person is in"),
        ],
    );
    for (id, control) in [
        ("given_name", "nhsuk-input"),
        ("family_name", "nhsuk-input"),
        ("nhs_number", "nhsuk-input"),
        ("prison_number", "nhsuk-input"),
        ("prison_id", "nhsuk-select"),
    ] {
        assert_field_error("person form", &res.body, id, control);
    }
    assert!(res.body.contains("id=\"date_of_birth-error\""));
    assert!(res
        .body
        .contains("nhsuk-input--error\" id=\"date_of_birth-day\""));
    assert!(res
        .body
        .contains("nhsuk-input--error\" id=\"date_of_birth-year\""));
    // What was typed is kept (escaped).
    assert!(res.body.contains("value=\"31\""));
    assert!(res.body.contains("value=\"1990\""));
    assert!(res.body.contains("value=\"123\""));
    assert!(res.body.contains("value=\"BAD-1\""));
    assert!(res
        .body
        .contains("value=\"&#60;script&#62;alert(1)&#60;/script&#62;\""));
    assert!(!res.body.contains("<script>alert(1)"));

    // A date in the future, and a prison the worker's site does not serve.
    let res = post_fields(
        &app,
        &mut b,
        "/people/new",
        &with(
            &person_fields(&other.prisons[0].to_string()),
            &[("date_of_birth-year", "2030")],
        ),
    )
    .await;
    assert_form_errors(
        "future date",
        &res,
        &[("#date_of_birth-day", "Date of birth must be in the past")],
    );
    let res = post_fields(
        &app,
        &mut b,
        "/people/new",
        &person_fields(&other.prisons[0].to_string()),
    )
    .await;
    assert_form_errors(
        "other site's prison",
        &res,
        &[("#prison_id", "Choose a prison that your site serves")],
    );
    assert!(res.body.contains("value=\"Lovelace\""));
    // The list offers only the worker's own prisons.
    assert!(res.body.contains("HMP Alpha") && !res.body.contains("HMP Beta"));

    assert_eq!(app.db.count_rows("person").await, 0);
    let audit_after = app.db.audit_events().await;
    assert_eq!(
        audit_after.len(),
        audit_before,
        "a refused form was audited as a change: {audit_after:?}"
    );
}

#[tokio::test]
async fn a_good_person_form_creates_the_record_and_audits_it_with_the_request_id() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (worker, mut b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    app.get(&mut b, "/people/new").await;

    let res = post_fields(
        &app,
        &mut b,
        "/people/new",
        &person_fields(&site.prisons[0].to_string()),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let created_request = res.header("x-request-id").to_string();
    let location = res.location().to_string();
    let id: PersonId = location
        .strip_prefix("/people/")
        .and_then(|l| l.strip_suffix("?created=1"))
        .unwrap_or_else(|| panic!("redirected to {location}"))
        .parse()
        .unwrap();

    let res = app.get(&mut b, &location).await;
    assert_eq!(res.status, StatusCode::OK);
    let viewed_request = res.header("x-request-id").to_string();
    for shown in [
        "<h1>Addie Lovelace (Ada)</h1>",
        "has been added",
        "3 July 1990 (age 35)",
        "943 476 5919",
        "A1234BC",
        "HMP Alpha",
        "Site A",
        "by Test RECONNECT worker",
    ] {
        assert!(
            res.body.contains(shown),
            "the record does not show {shown:?}:\n{}",
            res.body
        );
    }
    let res = app.get(&mut b, "/people").await;
    assert!(res.body.contains(&format!("href=\"/people/{id}\"")));

    let created = app.db.audit_events_for("person.create").await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].person_id, Some(id));
    assert_eq!(created[0].site_id, Some(site.id));
    assert_eq!(created[0].actor_user_id, Some(worker));
    assert_eq!(
        created[0].request_id.as_deref(),
        Some(created_request.as_str())
    );
    assert_eq!(created[0].ip.as_deref(), Some("127.0.0.1"));
    let viewed = app.db.audit_events_for("person.view").await;
    assert_eq!(viewed.len(), 1);
    assert_eq!(viewed[0].person_id, Some(id));
    assert_eq!(
        viewed[0].request_id.as_deref(),
        Some(viewed_request.as_str())
    );
    assert_ne!(created_request, viewed_request);
}

#[tokio::test]
async fn a_good_person_form_works_on_postgres_too() {
    let Some(app) = TestApp::postgres().await else {
        return;
    };
    assert_eq!(app.db.engine(), reconnect_store::Engine::Postgres);
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (_, mut b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;
    let res = post_fields(
        &app,
        &mut b,
        "/people/new",
        &with(&person_fields(""), &[("given_name", "")]),
    )
    .await;
    assert_form_errors(
        "bad form",
        &res,
        &[
            ("#given_name", "Enter a first name"),
            ("#prison_id", "Choose the prison the person is in"),
        ],
    );
    let res = post_fields(
        &app,
        &mut b,
        "/people/new",
        &person_fields(&site.prisons[0].to_string()),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = app.get(&mut b, res.location()).await;
    assert!(res.body.contains("<h1>Addie Lovelace (Ada)</h1>"));
    assert_eq!(app.db.count_rows("person").await, 1);
    let created = app.db.audit_events_for("person.create").await;
    assert_eq!(created.len(), 1);
}

#[tokio::test]
async fn a_worker_with_no_site_sees_why_and_cannot_add_anyone() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    app.user("nosite@example.org", Role::Worker, &[]).await;
    let mut b = app.sign_in("nosite@example.org").await;

    let res = app.get(&mut b, "/").await;
    assert!(
        res.body.contains("You are not a member of any site yet"),
        "{}",
        res.body
    );
    let res = app.get(&mut b, "/people").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res
        .body
        .contains("You are not a member of any site, so there is no one to show"));
    assert!(!res.body.contains("href=\"/people/new\""));
    let res = app.get(&mut b, "/people/new").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        !res.body.contains("action=\"/people/new\""),
        "the form is offered"
    );

    // Posting the form anyway is refused with the reason.
    let res = post_fields(
        &app,
        &mut b,
        "/people/new",
        &person_fields(&site.prisons[0].to_string()),
    )
    .await;
    assert_form_errors(
        "no site",
        &res,
        &[(
            "#prison_id",
            "You are not a member of any site, so you cannot add people. Ask your site manager",
        )],
    );
    assert_eq!(app.db.count_rows("person").await, 0);
}

#[tokio::test]
async fn a_peer_mentor_can_read_but_not_add() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let worker = app
        .user("worker@example.org", Role::Worker, &[site.id])
        .await;
    let caller = app.db.caller(worker).await;
    let person = app
        .db
        .person(&caller, site.prisons[0], "Grace", "Hopper")
        .await;
    let (_, mut b) = app
        .signed_in_at("mentor@example.org", Role::PeerMentor, site.id)
        .await;

    let res = app.get(&mut b, "/people").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("Grace Hopper"));
    assert!(
        !res.body.contains("href=\"/people/new\""),
        "peer mentors are offered the add link"
    );
    let res = app.get(&mut b, &format!("/people/{person}")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("<h1>Grace Hopper</h1>"));

    let res = app.get(&mut b, "/people/new").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let res = post_fields(
        &app,
        &mut b,
        "/people/new",
        &person_fields(&site.prisons[0].to_string()),
    )
    .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.db.count_rows("person").await, 1);
}

// ----------------------------------------------------------------- admin

fn user_fields(
    email: &str,
    role: &str,
    sites: &[&str],
    password: &str,
) -> Vec<(&'static str, String)> {
    let mut f = vec![
        ("display_name", "Nell Newcomer".to_string()),
        ("email", email.to_string()),
        ("role", role.to_string()),
        ("password", password.to_string()),
    ];
    f.extend(sites.iter().map(|s| ("sites", s.to_string())));
    f
}

#[tokio::test]
async fn an_admin_creates_a_staff_account_who_can_then_sign_in() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let site_id = site.id.to_string();
    app.user("taken@example.org", Role::Worker, &[site.id])
        .await;
    let admin = app.user("admin@example.org", Role::Admin, &[]).await;
    let mut b = app.sign_in("admin@example.org").await;
    let res = app.get(&mut b, "/admin/users/new").await;
    assert_eq!(res.status, StatusCode::OK);
    let users_before = app.db.count_rows("app_user").await;

    let cases: Vec<Case> = vec![
        (
            "nothing filled in",
            vec![],
            vec![
                ("#display_name", "Enter their full name"),
                ("#email", "Enter an email address"),
                ("#role", "Choose a role: worker, peer_mentor, site_manager, national_lead, reviewer or admin"),
                ("#password", "Password must be at least 12 characters"),
            ],
        ),
        (
            "too common",
            user_fields("nell@example.org", "worker", &[&site_id], "Password123456"),
            vec![("#password", "This password is too common. Choose a different password")],
        ),
        (
            "too short",
            user_fields("nell@example.org", "worker", &[&site_id], "short-one"),
            vec![("#password", "Password must be at least 12 characters")],
        ),
        (
            "contains the name",
            user_fields("nell@example.org", "worker", &[&site_id], "newcomer-lantern-88"),
            vec![("#password", "Password must not contain your email address or name")],
        ),
        (
            "a worker without a site",
            user_fields("nell@example.org", "worker", &[], NEW_PASSWORD),
            vec![("#sites", "Choose at least one site: a reconnect worker without a site sees no one")],
        ),
        (
            "a site that is not a site",
            user_fields("nell@example.org", "worker", &[&site_id, "not-a-site"], NEW_PASSWORD),
            vec![("#sites", "Choose sites from the list")],
        ),
        (
            "duplicate email",
            user_fields("taken@example.org", "worker", &[&site_id], NEW_PASSWORD),
            vec![("#email", "An account with this email address already exists")],
        ),
    ];
    for (what, fields, expected) in cases {
        let res = post_fields(&app, &mut b, "/admin/users/new", &fields).await;
        assert_form_errors(what, &res, &expected);
        for (href, _) in &expected {
            let id = href.trim_start_matches('#');
            assert!(
                res.body.contains(&format!("id=\"{id}-error\"")),
                "{what}: no message by {id}"
            );
        }
        if !fields.is_empty() {
            // Values are kept, but never the password.
            assert!(res.body.contains("value=\"Nell Newcomer\""), "{what}");
            let password = &fields.iter().find(|(k, _)| *k == "password").unwrap().1;
            assert!(
                !res.body.contains(password.as_str()),
                "{what}: the password is echoed"
            );
        }
    }
    assert_eq!(app.db.count_rows("app_user").await, users_before);

    let res = post_fields(
        &app,
        &mut b,
        "/admin/users/new",
        &user_fields("nell@example.org", "worker", &[&site_id], NEW_PASSWORD),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/admin/users?done=created");
    let res = app.get(&mut b, "/admin/users?done=created").await;
    assert!(res.body.contains("The account has been created."));
    let cells = row_cells(&res.body, "nell@example.org");
    assert!(cells[0].contains("Nell Newcomer"), "{cells:?}");
    assert_eq!(cells[2..], ["RECONNECT worker", "Site A", "Active"]);

    let created = app.db.audit_events_for("user.create").await;
    let created = created.last().unwrap();
    assert_eq!(created.actor_user_id, Some(admin));
    assert_eq!(created.detail.as_deref(), Some("role worker; 1 site(s)"));

    let (_, res) = app.try_sign_in("nell@example.org", NEW_PASSWORD).await;
    assert_eq!(
        res.status,
        StatusCode::SEE_OTHER,
        "the new account cannot sign in: {}",
        res.body
    );
    let mut nell = app.try_sign_in("nell@example.org", NEW_PASSWORD).await.0;
    let res = app.get(&mut nell, "/").await;
    assert!(res.body.contains("Hello, Nell Newcomer"));
}

#[tokio::test]
async fn an_admin_changes_role_and_sites_but_not_their_own_admin_role() {
    let app = TestApp::new().await;
    let a = app.db.site("Site A", &["HMP Alpha"]).await;
    let b_site = app.db.site("Site B", &["HMP Beta"]).await;
    let (a_id, b_id) = (a.id.to_string(), b_site.id.to_string());
    let worker = app.user("worker@example.org", Role::Worker, &[a.id]).await;
    let admin = app.user("admin@example.org", Role::Admin, &[]).await;
    let mut b = app.sign_in("admin@example.org").await;

    let res = app.get(&mut b, &format!("/admin/users/{worker}")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("value=\"worker\" checked"));
    assert!(res.body.contains(&format!("value=\"{a_id}\" checked")));

    // Validation first: no role.
    let path = format!("/admin/users/{worker}");
    let fields = vec![
        ("display_name", "Test RECONNECT worker".to_string()),
        ("sites", a_id.clone()),
    ];
    let res = post_fields(&app, &mut b, &path, &fields).await;
    assert_form_errors(
        "no role",
        &res,
        &[(
            "#role",
            "Choose a role: worker, peer_mentor, site_manager, national_lead, reviewer or admin",
        )],
    );

    let fields = vec![
        ("display_name", "Test RECONNECT worker".to_string()),
        ("role", "site_manager".to_string()),
        ("sites", a_id.clone()),
        ("sites", b_id.clone()),
    ];
    let res = post_fields(&app, &mut b, &path, &fields).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/admin/users?done=updated");
    let res = app.get(&mut b, &path).await;
    assert!(res.body.contains("value=\"site_manager\" checked"));
    assert!(res.body.contains(&format!("value=\"{a_id}\" checked")));
    assert!(res.body.contains(&format!("value=\"{b_id}\" checked")));
    let res = app
        .api(
            Method::GET,
            "/api/v1/me",
            Some(&app.token(worker).await),
            None,
        )
        .await;
    assert_eq!(res.json()["role"], "site_manager");

    // An administrator cannot take away their own administrator role.
    let own = format!("/admin/users/{admin}");
    let fields = vec![
        ("display_name", "Test Administrator".to_string()),
        ("role", "worker".to_string()),
        ("sites", a_id.clone()),
    ];
    let res = post_fields(&app, &mut b, &own, &fields).await;
    assert_form_errors(
        "own role",
        &res,
        &[(
            "#role",
            "You cannot remove your own administrator role. Ask another administrator",
        )],
    );
    assert_eq!(
        app.get(&mut b, "/admin/users").await.status,
        StatusCode::OK,
        "the admin lost their role"
    );
    // Nor disable their own account.
    let res = app
        .post(&mut b, &format!("/admin/users/{admin}/disable"), &[])
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get(&mut b, "/admin/users").await.status, StatusCode::OK);

    // Unknown and malformed user ids are not found.
    for id in [uuid::Uuid::now_v7().to_string(), "nope".to_string()] {
        assert_eq!(
            app.get(&mut b, &format!("/admin/users/{id}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
}

#[tokio::test]
async fn an_admin_adds_sites_and_prisons_with_validation() {
    let app = TestApp::new().await;
    app.db.site("Site A", &["HMP Alpha"]).await;
    app.user("admin@example.org", Role::Admin, &[]).await;
    let mut b = app.sign_in("admin@example.org").await;
    assert_eq!(app.get(&mut b, "/admin/sites").await.status, StatusCode::OK);

    let res = app
        .post(&mut b, "/admin/sites", &[("name", ""), ("region", "")])
        .await;
    assert_form_errors(
        "empty site",
        &res,
        &[
            ("#name", "Enter a site name"),
            ("#region", "Choose an NHS England region"),
        ],
    );
    assert!(res.body.contains("nhsuk-select--error\" id=\"region\""));
    let res = app
        .post(
            &mut b,
            "/admin/sites",
            &[("name", "Site Z"), ("region", "atlantis")],
        )
        .await;
    assert_form_errors(
        "bad region",
        &res,
        &[("#region", "Choose an NHS England region")],
    );
    assert!(res.body.contains("value=\"Site Z\""));
    let res = app
        .post(
            &mut b,
            "/admin/sites",
            &[("name", "Site A"), ("region", "london")],
        )
        .await;
    assert_form_errors(
        "duplicate",
        &res,
        &[("#name", "A site with this name already exists")],
    );
    assert_eq!(app.db.count_rows("site").await, 1);

    let res = app
        .post(
            &mut b,
            "/admin/sites",
            &[("name", "Site Z"), ("region", "south_west")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/admin/sites");
    let site = app
        .db
        .store
        .find_site_by_name("Site Z")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(site.region.as_str(), "south_west");
    let res = app.get(&mut b, "/admin/sites").await;
    assert!(res.body.contains("Site Z") && res.body.contains("South West"));

    let path = format!("/admin/sites/{}/prisons", site.id);
    let res = app.post(&mut b, &path, &[("prison_name", "  ")]).await;
    assert_form_errors(
        "empty prison",
        &res,
        &[(&format!("#prison_name-{}", site.id), "Enter a prison name")],
    );
    assert!(
        res.body
            .contains(&format!("id=\"prison_name-{}\"", site.id)),
        "the link has no target"
    );
    let res = app
        .post(&mut b, &path, &[("prison_name", "HMP Zulu")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let res = app.get(&mut b, "/admin/sites").await;
    assert!(res.body.contains("<li>HMP Zulu</li>"));
    // A prison for a site that does not exist.
    let res = app
        .post(
            &mut b,
            &format!("/admin/sites/{}/prisons", uuid::Uuid::now_v7()),
            &[("prison_name", "HMP Nowhere")],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    assert_eq!(app.db.audit_events_for("site.create").await.len(), 2);
    let prisons = app.db.audit_events_for("prison.create").await;
    assert_eq!(prisons.len(), 2);
    assert_eq!(prisons[1].site_id, Some(site.id));
}

// --------------------------------------------------------------- account

fn token_secret(html: &str) -> Option<String> {
    let marker = "<code class=\"app-token\">";
    let at = html.find(marker)? + marker.len();
    html[at..].split('<').next().map(str::to_string)
}

fn revoke_action(html: &str) -> Option<String> {
    let marker = "action=\"/account/tokens/";
    let at = html.find(marker)? + "action=\"".len();
    html[at..].split('"').next().map(str::to_string)
}

#[tokio::test]
async fn a_token_is_shown_once_works_and_can_be_revoked() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (worker, mut b) = app
        .signed_in_at("worker@example.org", Role::Worker, site.id)
        .await;

    let res = app
        .post(
            &mut b,
            "/account/tokens",
            &[("name", ""), ("lifetime", "90")],
        )
        .await;
    assert_form_errors("no name", &res, &[("#name", "Enter a name for the token")]);
    let res = app
        .post(
            &mut b,
            "/account/tokens",
            &[("name", "Reports"), ("lifetime", "forever")],
        )
        .await;
    assert_form_errors(
        "no lifetime",
        &res,
        &[("#lifetime", "Choose how long the token should last")],
    );
    assert!(res.body.contains("value=\"Reports\""));
    assert_eq!(app.db.count_rows("api_token").await, 0);

    let res = app
        .post(
            &mut b,
            "/account/tokens",
            &[("name", "Reports"), ("lifetime", "30")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let secret = token_secret(&res.body).expect("the new token is not shown");
    assert!(secret.starts_with("rcn_") && secret.len() > 40, "{secret}");
    assert!(res.body.contains("It will not be shown again"));

    // Never again: not on the account page, nor in the API's token list.
    let res = app.get(&mut b, "/account").await;
    assert!(!res.body.contains(&secret), "the secret is shown again");
    assert!(token_secret(&res.body).is_none());
    let hint = &secret[..8];
    assert!(res.body.contains(&format!("{hint}…")));
    assert!(
        res.body.contains("Active until 01 Apr 2026"),
        "{}",
        res.body
    );

    let me = app
        .api(Method::GET, "/api/v1/me", Some(&secret), None)
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["id"], worker.to_string());
    let list = app
        .api(Method::GET, "/api/v1/tokens", Some(&secret), None)
        .await;
    assert!(!list.body.contains(&secret));
    assert_eq!(list.json()[0]["name"], "Reports");

    // Revoke it with the form on the account page.
    let action = revoke_action(&res.body).expect("no revoke form");
    let res = app.post(&mut b, &action, &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("The token has been revoked."));
    assert!(res.body.contains("Revoked "));
    assert!(
        revoke_action(&res.body).is_none(),
        "a revoked token can be revoked again"
    );
    let me = app
        .api(Method::GET, "/api/v1/me", Some(&secret), None)
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);

    // Revoking again, or someone else's token, is not found.
    assert_eq!(
        app.post(&mut b, &action, &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let other = app
        .user("other@example.org", Role::Worker, &[site.id])
        .await;
    let (other_token, other_secret) = app.token_for(other, None).await;
    let res = app
        .post(
            &mut b,
            &format!("/account/tokens/{other_token}/revoke"),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api(Method::GET, "/api/v1/me", Some(&other_secret), None)
            .await
            .status,
        StatusCode::OK
    );

    let created = app.db.audit_events_for("api_token.create").await;
    assert_eq!(created[0].actor_user_id, Some(worker));
    assert_eq!(app.db.audit_events_for("api_token.revoke").await.len(), 1);
}

#[tokio::test]
async fn changing_the_password_checks_it_and_signs_out_other_sessions() {
    let app = TestApp::new().await;
    let user = app.user("worker@example.org", Role::Worker, &[]).await;
    let mut here = app.sign_in("worker@example.org").await;
    let mut elsewhere = app.sign_in("worker@example.org").await;
    assert_eq!(
        app.get(&mut here, "/account/password").await.status,
        StatusCode::OK
    );

    let change = |current: &'static str, new: &'static str, confirm: &'static str| {
        vec![
            ("current_password", current.to_string()),
            ("new_password", new.to_string()),
            ("confirm_password", confirm.to_string()),
        ]
    };
    let cases = [
        (
            "wrong current password",
            change("not-my-password-1", NEW_PASSWORD, NEW_PASSWORD),
            vec![("#current_password", "Your current password is not correct")],
        ),
        (
            "no current password",
            change("", NEW_PASSWORD, NEW_PASSWORD),
            vec![("#current_password", "Enter your current password")],
        ),
        (
            "mismatch",
            change(PASSWORD, NEW_PASSWORD, "velvet-harbour-compass-18"),
            vec![("#confirm_password", "The passwords do not match")],
        ),
        (
            "too short",
            change(PASSWORD, "short-pw", "short-pw"),
            vec![("#new_password", "Password must be at least 12 characters")],
        ),
        (
            "too common",
            change(PASSWORD, "Password123456", "Password123456"),
            vec![(
                "#new_password",
                "This password is too common. Choose a different password",
            )],
        ),
        (
            "the same as before",
            change(PASSWORD, PASSWORD, PASSWORD),
            vec![(
                "#new_password",
                "Your new password must be different from your current password",
            )],
        ),
    ];
    for (what, fields, expected) in cases {
        let res = post_fields(&app, &mut here, "/account/password", &fields).await;
        assert_form_errors(what, &res, &expected);
        assert!(
            !res.body.contains(NEW_PASSWORD) && !res.body.contains(PASSWORD),
            "{what}: a password is echoed"
        );
    }
    assert!(app
        .db
        .audit_events_for("user.password_change")
        .await
        .is_empty());
    assert_eq!(app.get(&mut elsewhere, "/").await.status, StatusCode::OK);

    let res = post_fields(
        &app,
        &mut here,
        "/account/password",
        &change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD),
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/account");
    // This session carries on; the other one has ended.
    assert_eq!(app.get(&mut here, "/account").await.status, StatusCode::OK);
    let res = app.get(&mut elsewhere, "/").await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/sign-in?ended=1");

    let (_, res) = app.try_sign_in("worker@example.org", PASSWORD).await;
    assert!(
        res.cookie("reconnect_session").is_none(),
        "the old password still works"
    );
    let (_, res) = app.try_sign_in("worker@example.org", NEW_PASSWORD).await;
    assert!(
        res.cookie("reconnect_session").is_some(),
        "the new password does not work"
    );
    let changed = app.db.audit_events_for("user.password_change").await;
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].actor_user_id, Some(user));
}

// ------------------------------------------------------- audit and figures

#[tokio::test]
async fn the_site_audit_trail_filters_by_person_user_and_date() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let elsewhere = app.db.site("Site B", &["HMP Beta"]).await;
    let worker = app
        .user("worker@example.org", Role::Worker, &[site.id])
        .await;
    let caller = app.db.caller(worker).await;
    // Day one (2 March 2026): the first person; day three: the second.
    let first = app
        .db
        .person(&caller, site.prisons[0], "Ada", "Lovelace")
        .await;
    app.db.advance(time::Duration::days(2));
    let second = app
        .db
        .person(&caller, site.prisons[0], "Grace", "Hopper")
        .await;
    // An event at another site, which the manager must not see.
    let b_worker = app.db.staff(Role::Worker, &[elsewhere.id]).await;
    let hidden = app
        .db
        .person(&b_worker, elsewhere.prisons[0], "Hidden", "Person")
        .await;

    let (manager, mut b) = app
        .signed_in_at("manager@example.org", Role::SiteManager, site.id)
        .await;
    app.get(&mut b, &format!("/people/{first}")).await;

    let res = app.get(&mut b, "/audit").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains(&format!("person {first}")));
    assert!(res.body.contains(&format!("person {second}")));
    assert!(
        !res.body.contains(&hidden.to_string()),
        "another site's event is shown"
    );
    assert!(res.body.contains("Added a person"));
    assert!(res.body.contains("Opened a person&#39;s record"));

    // By person: the record's events only.
    let res = app.get(&mut b, &format!("/audit?person={first}")).await;
    assert!(res.body.contains(&format!("person {first}")));
    assert!(!res.body.contains(&format!("person {second}")));

    // By user.
    let worker_row = "Test RECONNECT worker (RECONNECT worker)";
    let manager_row = "Test Site manager (Site manager)";
    let res = app.get(&mut b, &format!("/audit?user={worker}")).await;
    assert!(res.body.contains(worker_row) && !res.body.contains(manager_row));
    assert!(res.body.contains(&format!("value=\"{worker}\" selected")));
    let res = app.get(&mut b, &format!("/audit?user={manager}")).await;
    assert!(res.body.contains(manager_row) && !res.body.contains(worker_row));

    // By date (inclusive days).
    let res = app.get(&mut b, "/audit?from=2026-03-04").await;
    assert!(res.body.contains(&format!("person {second}")));
    assert!(
        !res.body.contains("02 Mar 2026"),
        "an event before 'from' is shown"
    );
    let res = app.get(&mut b, "/audit?to=2026-03-02").await;
    assert!(res.body.contains("02 Mar 2026") && !res.body.contains("04 Mar 2026"));
    assert!(!res.body.contains(&format!("person {second}")));
    let res = app
        .get(&mut b, "/audit?from=2026-03-03&to=2026-03-03")
        .await;
    assert!(res.body.contains("No events match."));

    // Malformed filters are explained next to their fields, and show nothing.
    let res = app.get(&mut b, "/audit?from=04%2F03%2F2026").await;
    assert_form_errors(
        "malformed from",
        &res,
        &[("#from", "Enter a date like 2026-11-01")],
    );
    assert!(res.body.contains("id=\"from-error\""));
    assert!(res.body.contains("value=\"04/03/2026\""));
    assert!(res.body.contains("No events match."));
    let res = app
        .get(&mut b, "/audit?from=2026-03-04&to=2026-03-02")
        .await;
    assert_eq!(error_links_of(&res.body).len(), 1);
    assert_eq!(error_links_of(&res.body)[0].0, "#to");
    let res = app.get(&mut b, "/audit?person=not-an-id").await;
    assert_eq!(error_links_of(&res.body)[0].0, "#person");
    assert!(res.body.contains("No events match."));
}

#[tokio::test]
async fn site_figures_suppress_small_counts() {
    let app = TestApp::new().await;
    let small = app.db.site("Small site", &["HMP Small"]).await;
    let big = app.db.site("Big site", &["HMP Big"]).await;
    app.db.site("Empty site", &["HMP Empty"]).await;
    let small_worker = app.db.staff(Role::Worker, &[small.id]).await;
    let big_worker = app.db.staff(Role::Worker, &[big.id]).await;
    for n in 0..3 {
        app.db
            .person(
                &small_worker,
                small.prisons[0],
                "Ada",
                &format!("Smallsite{n}"),
            )
            .await;
    }
    for n in 0..5 {
        app.db
            .person(&big_worker, big.prisons[0], "Grace", &format!("Bigsite{n}"))
            .await;
    }
    app.user("lead@example.org", Role::NationalLead, &[]).await;
    let mut b = app.sign_in("lead@example.org").await;

    let res = app.get(&mut b, "/figures").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        row_cells(&res.body, "Small site").last().unwrap(),
        "fewer than 5"
    );
    assert_eq!(row_cells(&res.body, "Big site").last().unwrap(), "5");
    assert_eq!(row_cells(&res.body, "Empty site").last().unwrap(), "0");
    assert!(
        !res.body.contains("Smallsite") && !res.body.contains("Bigsite"),
        "names on the figures page"
    );

    // A lead cannot open anyone's record.
    assert_eq!(
        app.get(&mut b, "/people").await.status,
        StatusCode::FORBIDDEN
    );
}
