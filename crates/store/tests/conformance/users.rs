//! Staff accounts: created and changed by administrators and operator
//! commands only, with access changes taking effect at once.

use super::{assert_forbidden, assert_invalid, assert_not_found};
use reconnect_domain::{EmailAddress, Role, UserId};
use reconnect_store::sessions::SessionPolicy;
use reconnect_store::testing::{caller_for, meta, new_user, TestDb, DUMMY_HASH};
use reconnect_store::users::UserChange;
use reconnect_store::{Actor, StoreError};

on_both_engines!(
    users_are_created_and_duplicate_emails_refused,
    credentials_and_active_user,
    update_user_changes_access_and_ends_sessions,
    administrators_cannot_remove_their_own_access,
    disabling_ends_sessions_and_revokes_tokens,
    set_password_keeps_only_the_given_session,
    account_management_is_for_administrators,
    site_managers_see_their_sites_staff,
    duplicate_sites_are_stored_once,
);

fn email(s: &str) -> EmailAddress {
    EmailAddress::parse(s).unwrap()
}

async fn users_are_created_and_duplicate_emails_refused(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let admin = db.staff(Role::Admin, &[]).await;
    let id = db
        .store
        .create_user(
            &Actor::User(&admin),
            new_user("amira.khan@example.org", Role::Worker, &[leeds.id]),
        )
        .await
        .unwrap();
    let user = db.store.get_user(&admin, id).await.unwrap();
    assert_eq!(user.email.as_str(), "amira.khan@example.org");
    assert_eq!(user.role, Role::Worker);
    assert_eq!(user.sites, [leeds.id]);
    assert!(!user.disabled);
    assert_eq!(user.created_at, db.now());

    // The same address, however typed, is refused as a field error.
    let again = new_user("Amira.Khan@EXAMPLE.org", Role::Reviewer, &[]);
    assert_invalid(
        db.store.create_user(&Actor::System("test"), again).await,
        "email",
    );
    let mut blank = new_user("blank@example.org", Role::Worker, &[]);
    blank.display_name = "  ".into();
    assert_invalid(
        db.store.create_user(&Actor::System("test"), blank).await,
        "display_name",
    );
    // An unknown site is refused, and the account is not half-created.
    let lost = new_user(
        "lost@example.org",
        Role::Worker,
        &[reconnect_domain::SiteId::new()],
    );
    assert_invalid(
        db.store.create_user(&Actor::System("test"), lost).await,
        "sites",
    );
    assert!(db
        .store
        .find_user_id(&email("lost@example.org"))
        .await
        .unwrap()
        .is_none());

    assert_eq!(db.count_rows("app_user").await, 2);
    let created = db.audit_events_for("user.create").await;
    assert_eq!(
        created.len(),
        2,
        "only the successful creations are audited"
    );
    assert_eq!(created[1].record_id, Some(id.to_string()));
    assert_eq!(created[1].actor_user_id, Some(admin.user_id()));
    assert_eq!(
        db.store
            .find_user_id(&email("amira.khan@example.org"))
            .await
            .unwrap(),
        Some(id)
    );
}

async fn credentials_and_active_user(db: &TestDb) {
    let leeds = db.site("Leeds", &[]).await;
    let hull = db.site("Hull", &[]).await;
    let id = db
        .user_with_email("dan@example.org", Role::SiteManager, &[hull.id, leeds.id])
        .await;

    let creds = db
        .store
        .credentials(&email("dan@example.org"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(creds.user_id, id);
    assert_eq!(creds.password_hash, DUMMY_HASH);
    assert!(!creds.disabled);
    assert!(db
        .store
        .credentials(&email("nobody@example.org"))
        .await
        .unwrap()
        .is_none());

    let (user, scope) = db.store.active_user(id).await.unwrap().unwrap();
    assert_eq!(user.id, id);
    assert_eq!(scope.user_id, id);
    assert_eq!(scope.role, Role::SiteManager);
    let mut expected = vec![leeds.id, hull.id];
    expected.sort();
    let mut got = scope.sites.clone();
    got.sort();
    assert_eq!(got, expected);
    assert!(db.store.active_user(UserId::new()).await.unwrap().is_none());

    let caller = db.caller(id).await;
    assert_eq!(
        db.store.own_password_hash(&caller).await.unwrap(),
        DUMMY_HASH
    );
}

async fn update_user_changes_access_and_ends_sessions(db: &TestDb) {
    let leeds = db.site("Leeds", &[]).await;
    let hull = db.site("Hull", &[]).await;
    let admin = db.staff(Role::Admin, &[]).await;
    let worker = db.user(Role::Worker, &[leeds.id]).await;
    let policy = SessionPolicy::default();
    let (token, _) = db
        .store
        .start_session(worker, &meta("r1"), policy)
        .await
        .unwrap();

    // A change of name only keeps the session.
    let change = UserChange {
        display_name: "Sam Worker".into(),
        role: Role::Worker,
        sites: vec![leeds.id],
    };
    db.store.update_user(&admin, worker, change).await.unwrap();
    assert!(db.store.session(&token, policy).await.unwrap().is_some());

    // A change of role and sites ends it at once.
    let change = UserChange {
        display_name: "Sam Manager".into(),
        role: Role::SiteManager,
        sites: vec![hull.id, leeds.id],
    };
    db.store.update_user(&admin, worker, change).await.unwrap();
    assert!(db.store.session(&token, policy).await.unwrap().is_none());
    let user = db.store.get_user(&admin, worker).await.unwrap();
    assert_eq!(user.display_name, "Sam Manager");
    assert_eq!(user.role, Role::SiteManager);
    let (_, scope) = db.store.active_user(worker).await.unwrap().unwrap();
    assert_eq!(scope.role, Role::SiteManager);
    assert_eq!(scope.sites.len(), 2);

    // Sites alone changing also ends sessions.
    let (token, _) = db
        .store
        .start_session(worker, &meta("r2"), policy)
        .await
        .unwrap();
    let change = UserChange {
        display_name: "Sam Manager".into(),
        role: Role::SiteManager,
        sites: vec![hull.id],
    };
    db.store.update_user(&admin, worker, change).await.unwrap();
    assert!(db.store.session(&token, policy).await.unwrap().is_none());

    let updates = db.audit_events_for("user.update").await;
    assert_eq!(updates.len(), 3);
    assert_eq!(updates[0].detail.as_deref(), Some("name"));
    let detail = updates[1].detail.clone().unwrap();
    assert!(detail.contains("role worker to site_manager"), "{detail}");
    assert!(detail.contains("sites 1 to 2"), "{detail}");
    assert_eq!(updates[2].detail.as_deref(), Some("sites 2 to 1"));
    assert!(updates
        .iter()
        .all(|u| u.record_id == Some(worker.to_string())));

    // Unknown sites and unknown users are refused without change.
    let change = UserChange {
        display_name: "Sam Manager".into(),
        role: Role::SiteManager,
        sites: vec![reconnect_domain::SiteId::new()],
    };
    assert_invalid(
        db.store.update_user(&admin, worker, change.clone()).await,
        "sites",
    );
    assert_eq!(
        db.store.get_user(&admin, worker).await.unwrap().sites,
        [hull.id]
    );
    assert_not_found(db.store.update_user(&admin, UserId::new(), change).await);
}

async fn administrators_cannot_remove_their_own_access(db: &TestDb) {
    let admin = db.staff(Role::Admin, &[]).await;
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
        let change = UserChange {
            display_name: "Me".into(),
            role,
            sites: vec![],
        };
        assert_invalid(
            db.store.update_user(&admin, admin.user_id(), change).await,
            "role",
        );
    }
    assert_eq!(
        db.store
            .get_user(&admin, admin.user_id())
            .await
            .unwrap()
            .role,
        Role::Admin
    );
    match db
        .store
        .set_user_disabled(&admin, admin.user_id(), true)
        .await
    {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert!(db
        .store
        .active_user(admin.user_id())
        .await
        .unwrap()
        .is_some());

    // Another administrator may.
    let other = db.staff(Role::Admin, &[]).await;
    let change = UserChange {
        display_name: "Former admin".into(),
        role: Role::Reviewer,
        sites: vec![],
    };
    db.store
        .update_user(&other, admin.user_id(), change)
        .await
        .unwrap();
    assert_eq!(
        db.store
            .get_user(&other, admin.user_id())
            .await
            .unwrap()
            .role,
        Role::Reviewer
    );
}

async fn disabling_ends_sessions_and_revokes_tokens(db: &TestDb) {
    let leeds = db.site("Leeds", &[]).await;
    let admin = db.staff(Role::Admin, &[]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    let policy = SessionPolicy::default();
    let (s1, _) = db
        .store
        .start_session(worker.user_id(), &meta("a"), policy)
        .await
        .unwrap();
    let (s2, _) = db
        .store
        .start_session(worker.user_id(), &meta("b"), policy)
        .await
        .unwrap();
    let (_, t1) = db
        .store
        .create_token(&worker, "laptop", None)
        .await
        .unwrap();
    let (_, t2) = db
        .store
        .create_token(&worker, "script", None)
        .await
        .unwrap();
    // Someone else's session is untouched.
    let (other_session, _) = db
        .store
        .start_session(admin.user_id(), &meta("c"), policy)
        .await
        .unwrap();

    db.store
        .set_user_disabled(&admin, worker.user_id(), true)
        .await
        .unwrap();
    for s in [&s1, &s2] {
        assert!(db.store.session(s, policy).await.unwrap().is_none());
    }
    for t in [&t1, &t2] {
        assert!(db.store.token_owner(t).await.unwrap().is_none());
    }
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff_session WHERE user_id = $1")
        .bind(worker.user_id().to_string())
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(left, 0, "a disabled user's sessions are deleted");
    let tokens = db.store.list_tokens(&worker).await.unwrap();
    assert!(
        tokens.iter().all(|t| t.revoked_at == Some(db.now())),
        "{tokens:?}"
    );
    assert!(db
        .store
        .session(&other_session, policy)
        .await
        .unwrap()
        .is_some());

    assert!(db
        .store
        .active_user(worker.user_id())
        .await
        .unwrap()
        .is_none());
    let creds = db
        .store
        .credentials(
            &db.store
                .get_user(&admin, worker.user_id())
                .await
                .unwrap()
                .email,
        )
        .await;
    assert!(creds.unwrap().unwrap().disabled);
    assert!(
        db.store
            .get_user(&admin, worker.user_id())
            .await
            .unwrap()
            .disabled
    );
    assert_not_found(db.store.own_password_hash(&worker).await);

    // Re-enabling restores the account but not its old sessions or tokens.
    db.store
        .set_user_disabled(&admin, worker.user_id(), false)
        .await
        .unwrap();
    assert!(db
        .store
        .active_user(worker.user_id())
        .await
        .unwrap()
        .is_some());
    assert!(db.store.session(&s1, policy).await.unwrap().is_none());
    assert!(db.store.token_owner(&t1).await.unwrap().is_none());

    let actions: Vec<String> = db
        .audit_events()
        .await
        .into_iter()
        .filter(|e| {
            e.record_id == Some(worker.user_id().to_string()) && e.action.starts_with("user.")
        })
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["user.create", "user.disable", "user.enable"]);
}

async fn set_password_keeps_only_the_given_session(db: &TestDb) {
    let user = db.staff(Role::Worker, &[]).await;
    let policy = SessionPolicy::default();
    let mut tokens = Vec::new();
    for i in 0..3 {
        let (t, _) = db
            .store
            .start_session(user.user_id(), &meta(&format!("s{i}")), policy)
            .await
            .unwrap();
        tokens.push(t);
    }
    db.store
        .set_password(
            &Actor::User(&user),
            user.user_id(),
            "new-hash",
            Some(&tokens[1]),
        )
        .await
        .unwrap();
    assert!(db
        .store
        .session(&tokens[0], policy)
        .await
        .unwrap()
        .is_none());
    assert!(db
        .store
        .session(&tokens[1], policy)
        .await
        .unwrap()
        .is_some());
    assert!(db
        .store
        .session(&tokens[2], policy)
        .await
        .unwrap()
        .is_none());
    assert_eq!(db.store.own_password_hash(&user).await.unwrap(), "new-hash");

    // Nobody else may set it, not even an administrator signed in.
    let other = db.staff(Role::Admin, &[]).await;
    assert_forbidden(
        db.store
            .set_password(&Actor::User(&other), user.user_id(), "evil", None)
            .await,
    );
    assert_eq!(db.store.own_password_hash(&user).await.unwrap(), "new-hash");

    // An operator command may, and with no session kept every session ends.
    db.store
        .set_password(&Actor::System("test"), user.user_id(), "reset-hash", None)
        .await
        .unwrap();
    assert!(db
        .store
        .session(&tokens[1], policy)
        .await
        .unwrap()
        .is_none());
    assert_eq!(
        db.store.own_password_hash(&user).await.unwrap(),
        "reset-hash"
    );
    assert_not_found(
        db.store
            .set_password(&Actor::System("test"), UserId::new(), "x", None)
            .await,
    );
    let changes = db.audit_events_for("user.password_change").await;
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[0].actor_user_id, Some(user.user_id()));
    assert_eq!(changes[1].actor_user_id, None);
    assert!(
        changes.iter().all(|c| c.detail.is_none()),
        "no secrets in the audit trail"
    );
}

async fn account_management_is_for_administrators(db: &TestDb) {
    let leeds = db.site("Leeds", &[]).await;
    let admin = db.staff(Role::Admin, &[]).await;
    let target = db.user(Role::Worker, &[leeds.id]).await;
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
        let caller = db.staff(role, &[leeds.id]).await;
        assert_forbidden(db.store.list_users(&caller).await);
        assert_forbidden(db.store.get_user(&caller, target).await);
        assert_forbidden(db.store.get_user(&caller, caller.user_id()).await);
        let change = UserChange {
            display_name: "x".into(),
            role: Role::Admin,
            sites: vec![],
        };
        assert_forbidden(
            db.store
                .update_user(&caller, caller.user_id(), change)
                .await,
        );
        assert_forbidden(db.store.set_user_disabled(&caller, target, true).await);
        let new = new_user(&format!("made-by-{role}@example.org"), Role::Admin, &[]);
        assert_forbidden(db.store.create_user(&Actor::User(&caller), new).await);
        assert_forbidden(db.store.admin_audit(&caller, &Default::default()).await);
    }
    // A forged caller claiming a role it does not have is still judged by its claim,
    // so the web layer must build callers from the database (as TestDb::caller does).
    let forged = caller_for(UserId::new(), Role::Reviewer, &[]);
    assert_forbidden(db.store.list_users(&forged).await);

    let users = db.store.list_users(&admin).await.unwrap();
    assert_eq!(users.len(), 1 + 1 + 5);
    assert!(users
        .windows(2)
        .all(|w| w[0].display_name <= w[1].display_name));
    assert_not_found(db.store.get_user(&admin, UserId::new()).await);
    assert_eq!(db.store.get_user(&admin, target).await.unwrap().id, target);
    assert!(db.store.active_user(target).await.unwrap().is_some());
}

async fn site_managers_see_their_sites_staff(db: &TestDb) {
    let leeds = db.site("Leeds", &[]).await;
    let hull = db.site("Hull", &[]).await;
    let manager = db.staff(Role::SiteManager, &[leeds.id]).await;
    let worker = db.staff(Role::Worker, &[leeds.id, hull.id]).await;
    let hull_only = db.user(Role::Worker, &[hull.id]).await;

    let staff = db.store.staff_of_sites(&manager).await.unwrap();
    let ids: Vec<UserId> = staff.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), 2, "{staff:?}");
    assert!(ids.contains(&manager.user_id()));
    assert!(ids.contains(&worker.user_id()));
    assert!(!ids.contains(&hull_only));
    assert_forbidden(db.store.staff_of_sites(&worker).await);
    let admin = db.staff(Role::Admin, &[leeds.id]).await;
    assert_forbidden(db.store.staff_of_sites(&admin).await);
    let lonely = db.staff(Role::SiteManager, &[]).await;
    assert_forbidden(db.store.staff_of_sites(&lonely).await);
}

async fn duplicate_sites_are_stored_once(db: &TestDb) {
    let leeds = db.site("Leeds", &[]).await;
    let admin = db.staff(Role::Admin, &[]).await;
    let id = db
        .store
        .create_user(
            &Actor::User(&admin),
            new_user("twice@example.org", Role::Worker, &[leeds.id, leeds.id]),
        )
        .await
        .unwrap();
    assert_eq!(
        db.store.get_user(&admin, id).await.unwrap().sites,
        [leeds.id]
    );
    let change = UserChange {
        display_name: "Twice".into(),
        role: Role::Worker,
        sites: vec![leeds.id, leeds.id],
    };
    db.store.update_user(&admin, id, change).await.unwrap();
    assert_eq!(
        db.store.get_user(&admin, id).await.unwrap().sites,
        [leeds.id]
    );
}
