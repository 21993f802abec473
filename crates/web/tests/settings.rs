//! Site settings: a site manager sees and changes the journey's time windows
//! for their own sites; bad values are explained next to the field; every
//! change is audited; no one else can change them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::http::StatusCode;
use common::TestApp;
use reconnect_domain::Role;

#[tokio::test]
async fn a_site_manager_changes_their_sites_windows() {
    let app = TestApp::new().await;
    let site = app.db.site("Site A", &["HMP Alpha"]).await;
    let (_, mut b) = app
        .signed_in_at("manager@example.org", Role::SiteManager, site.id)
        .await;

    let res = app.get(&mut b, "/settings").await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("12 weeks"));
    assert!(res.body.contains("6 months"));
    assert!(res.body.contains("up to 28 days"));
    assert!(res.body.contains(&format!("/settings/{}", site.id)));

    let path = format!("/settings/{}", site.id);
    let res = app.get(&mut b, &path).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("value=\"12\""));

    // Bad values: each explained next to its field, nothing saved.
    let res = app
        .post(
            &mut b,
            &path,
            &[
                ("pre_release_weeks", "fifty"),
                ("community_support_months", "0"),
                ("referral_after_release_days", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("nhsuk-error-summary"));
    for field in [
        "pre_release_weeks",
        "community_support_months",
        "referral_after_release_days",
    ] {
        assert!(res.body.contains(&format!("href=\"#{field}\"")), "{field}");
    }
    assert!(
        res.body.contains("value=\"fifty\""),
        "what was typed is kept"
    );
    assert_eq!(
        app.db.store.site_windows(site.id).await.unwrap(),
        Default::default()
    );

    // Good values are saved, shown, and audited with old and new.
    let res = app
        .post(
            &mut b,
            &path,
            &[
                ("pre_release_weeks", "10"),
                ("community_support_months", "9"),
                ("referral_after_release_days", "14"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location(), "/settings?saved=1");
    let w = app.db.store.site_windows(site.id).await.unwrap();
    assert_eq!(
        (
            w.pre_release_weeks(),
            w.community_support_months(),
            w.referral_after_release_days()
        ),
        (10, 9, 14)
    );
    let res = app.get(&mut b, "/settings?saved=1").await;
    assert!(res.body.contains("The settings have been saved"));
    assert!(res.body.contains("10 weeks"));
    let audit = app.db.audit_events_for("site.windows").await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].site_id, Some(site.id));
    let detail = audit[0].detail.clone().unwrap();
    assert!(
        detail.contains("from 12 weeks") && detail.contains("to 10 weeks"),
        "{detail}"
    );
}

#[tokio::test]
async fn only_a_sites_own_manager_changes_its_settings() {
    let app = TestApp::new().await;
    let a = app.db.site("Site A", &["HMP Alpha"]).await;
    let b_site = app.db.site("Site B", &["HMP Beta"]).await;
    let (_, mut manager_b) = app
        .signed_in_at("manager.b@example.org", Role::SiteManager, b_site.id)
        .await;
    let (_, mut worker_a) = app
        .signed_in_at("worker.a@example.org", Role::Worker, a.id)
        .await;
    let path = format!("/settings/{}", a.id);
    let fields = [
        ("pre_release_weeks", "4"),
        ("community_support_months", "1"),
        ("referral_after_release_days", "0"),
    ];

    // Another site's manager: not found, even with good values.
    app.get(&mut manager_b, "/settings").await;
    let res = app.get(&mut manager_b, &path).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app.post(&mut manager_b, &path, &fields).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app.get(&mut manager_b, "/settings").await;
    assert!(!res.body.contains("Site A"));

    // A worker: not their role.
    app.get(&mut worker_a, "/people").await;
    let res = app.post(&mut worker_a, &path, &fields).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    assert_eq!(
        app.db.store.site_windows(a.id).await.unwrap(),
        Default::default()
    );
    assert!(app.db.audit_events_for("site.windows").await.is_empty());
}
