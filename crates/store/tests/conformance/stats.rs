//! Aggregate figures: counts only, small numbers suppressed, and only for
//! roles that may see aggregates.

use super::assert_forbidden;
use reconnect_domain::Role;
use reconnect_store::stats::{Count, SUPPRESS_BELOW};
use reconnect_store::testing::TestDb;

on_both_engines!(
    site_figures_suppress_small_counts,
    site_figures_are_for_aggregate_roles
);

async fn site_figures_suppress_small_counts(db: &TestDb) {
    let bristol = db.site("Bristol", &["HMP Bristol"]).await;
    let hull = db.site("Hull", &["HMP Hull", "HMP Humber"]).await;
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let empty = db.site("Norwich", &[]).await;
    let bristol_worker = db.staff(Role::Worker, &[bristol.id]).await;
    let hull_worker = db.staff(Role::Worker, &[hull.id]).await;
    let leeds_worker = db.staff(Role::Worker, &[leeds.id]).await;
    // A disabled member is not counted as staff.
    let gone = db.user(Role::Worker, &[leeds.id]).await;
    let admin = db.staff(Role::Admin, &[]).await;
    db.store
        .set_user_disabled(&admin, gone, true)
        .await
        .unwrap();

    for i in 0..3 {
        db.person(
            &bristol_worker,
            bristol.prisons[0],
            "B",
            &format!("Person{i}"),
        )
        .await;
    }
    for i in 0..(SUPPRESS_BELOW as usize) {
        db.person(
            &hull_worker,
            hull.prisons[i % 2],
            "H",
            &format!("Person{i}"),
        )
        .await;
    }
    db.person(&leeds_worker, leeds.prisons[0], "L", "Person")
        .await;

    let lead = db.staff(Role::NationalLead, &[]).await;
    let figures = db.store.site_figures(&lead).await.unwrap();
    let rows: Vec<(&str, i64, i64, Count)> = figures
        .iter()
        .map(|f| (f.site_name.as_str(), f.prisons, f.staff, f.people))
        .collect();
    assert_eq!(
        rows,
        [
            ("Bristol", 1, 1, Count::FewerThan(SUPPRESS_BELOW)),
            ("Hull", 2, 1, Count::Exact(5)),
            ("Leeds", 1, 1, Count::FewerThan(SUPPRESS_BELOW)),
            ("Norwich", 0, 0, Count::Exact(0)),
        ]
    );
    assert_eq!(figures[3].site_id, empty.id);
    assert_eq!(figures[0].to_owned().people.to_string(), "fewer than 5");
    // Nothing in the figures names anyone.
    let text = format!("{figures:?}");
    assert!(!text.contains("Person"), "{text}");
}

async fn site_figures_are_for_aggregate_roles(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    for role in Role::ALL {
        let caller = db.staff(role, &[leeds.id]).await;
        let result = db.store.site_figures(&caller).await;
        if matches!(
            role,
            Role::NationalLead | Role::Reviewer | Role::SiteManager
        ) {
            assert_eq!(result.unwrap().len(), 1, "{role}");
        } else {
            assert_forbidden(result);
        }
    }
}
