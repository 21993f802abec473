//! Sites and the prisons they serve: anyone may list them, only
//! administrators and operator commands change them.

use super::{assert_forbidden, assert_invalid, assert_not_found};
use reconnect_domain::{Region, RequestMeta, Role, SiteId, UserId};
use reconnect_store::testing::TestDb;
use reconnect_store::Actor;

on_both_engines!(
    sites_are_created_and_listed_with_their_prisons,
    duplicate_and_blank_names_are_field_errors,
    only_administrators_change_sites,
);

async fn sites_are_created_and_listed_with_their_prisons(db: &TestDb) {
    let system = Actor::System("test");
    let leeds = db
        .store
        .create_site(&system, "  Leeds  ", Region::NorthEastAndYorkshire)
        .await
        .unwrap();
    let wealstun = db
        .store
        .add_prison(&system, leeds, "HMP Wealstun")
        .await
        .unwrap();
    let hmp_leeds = db
        .store
        .add_prison(&system, leeds, "HMP Leeds")
        .await
        .unwrap();

    let admin = db.staff(Role::Admin, &[]).await;
    let bristol = db
        .store
        .create_site(&Actor::User(&admin), "Bristol", Region::SouthWest)
        .await
        .unwrap();
    let hmp_bristol = db
        .store
        .add_prison(&Actor::User(&admin), bristol, "HMP Bristol")
        .await
        .unwrap();

    let sites = db.store.list_sites().await.unwrap();
    let names: Vec<&str> = sites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Bristol", "Leeds"], "by name, trimmed");
    assert_eq!(sites[0].id, bristol);
    assert_eq!(sites[0].region, Region::SouthWest);
    let bristol_prisons: Vec<_> = sites[0].prisons.iter().map(|p| (p.id, p.site_id)).collect();
    assert_eq!(bristol_prisons, [(hmp_bristol, bristol)]);
    let leeds_prisons: Vec<_> = sites[1]
        .prisons
        .iter()
        .map(|p| (p.id, p.name.as_str()))
        .collect();
    assert_eq!(
        leeds_prisons,
        [(hmp_leeds, "HMP Leeds"), (wealstun, "HMP Wealstun")]
    );

    let got = db.store.get_site(leeds).await.unwrap();
    assert_eq!(got, sites[1]);
    assert_not_found(db.store.get_site(SiteId::new()).await);
    let found = db
        .store
        .find_site_by_name("  LEEDS ")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, leeds);
    assert!(db.store.find_site_by_name("Leed").await.unwrap().is_none());

    // Each change is audited with the site it concerns.
    let created = db.audit_events_for("site.create").await;
    assert_eq!(created.len(), 2);
    assert_eq!(created[0].site_id, Some(leeds));
    assert_eq!(created[0].actor_name.as_deref(), Some("system: test"));
    assert_eq!(created[1].site_id, Some(bristol));
    assert_eq!(created[1].actor_user_id, Some(admin.user_id()));
    assert_eq!(created[1].actor_role, Some(Role::Admin));
    assert_eq!(db.audit_events_for("prison.create").await.len(), 3);
}

async fn duplicate_and_blank_names_are_field_errors(db: &TestDb) {
    let system = Actor::System("test");
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let hull = db.site("Hull", &[]).await;

    assert_invalid(
        db.store.create_site(&system, "Leeds", Region::London).await,
        "name",
    );
    // Names are unique whatever their capitalisation.
    assert_invalid(
        db.store.create_site(&system, "LEEDS", Region::London).await,
        "name",
    );
    assert_invalid(
        db.store.add_prison(&system, hull.id, "hmp leeds").await,
        "prison_name",
    );
    assert_invalid(
        db.store.create_site(&system, "   ", Region::London).await,
        "name",
    );
    assert_invalid(
        db.store
            .create_site(&system, &"x".repeat(121), Region::London)
            .await,
        "name",
    );
    // A prison is served by one site only, whichever site asks.
    assert_invalid(
        db.store.add_prison(&system, hull.id, "HMP Leeds").await,
        "prison_name",
    );
    assert_invalid(
        db.store.add_prison(&system, leeds.id, "HMP Leeds").await,
        "prison_name",
    );
    assert_invalid(
        db.store.add_prison(&system, leeds.id, "").await,
        "prison_name",
    );
    assert_not_found(
        db.store
            .add_prison(&system, SiteId::new(), "HMP Hull")
            .await,
    );

    // Nothing refused was stored or audited.
    assert_eq!(db.count_rows("site").await, 2);
    assert_eq!(db.count_rows("prison").await, 1);
    assert_eq!(db.audit_events_for("site.create").await.len(), 2);
    assert_eq!(db.audit_events_for("prison.create").await.len(), 1);
}

async fn only_administrators_change_sites(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
        let caller = db.staff(role, &[leeds.id]).await;
        let actor = Actor::User(&caller);
        assert_forbidden(
            db.store
                .create_site(&actor, &format!("By {role}"), Region::London)
                .await,
        );
        assert_forbidden(
            db.store
                .add_prison(&actor, leeds.id, &format!("HMP {role}"))
                .await,
        );
    }
    let meta = RequestMeta::default();
    let anonymous = Actor::Anonymous {
        label: Some("someone".into()),
        meta: &meta,
    };
    let account = Actor::Account {
        user_id: UserId::new(),
        role: None,
        label: None,
        meta: &meta,
    };
    for actor in [&anonymous, &account] {
        assert_forbidden(db.store.create_site(actor, "Sneaky", Region::London).await);
        assert_forbidden(db.store.add_prison(actor, leeds.id, "HMP Sneaky").await);
    }
    assert_eq!(db.count_rows("site").await, 1);
    assert_eq!(db.count_rows("prison").await, 1);

    let admin = db.staff(Role::Admin, &[]).await;
    let hull = db
        .store
        .create_site(&Actor::User(&admin), "Hull", Region::NorthEastAndYorkshire)
        .await
        .unwrap();
    db.store
        .add_prison(&Actor::User(&admin), hull, "HMP Hull")
        .await
        .unwrap();
    assert_eq!(db.store.list_sites().await.unwrap().len(), 2);
}
