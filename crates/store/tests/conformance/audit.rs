//! The audit trail: every read of a person and every change is recorded with
//! who, in what role, from where; site managers and administrators each see
//! their own slice; nobody can change or remove an event; and a change whose
//! audit fails does not happen.

use super::{assert_forbidden, assert_invalid};
use reconnect_domain::Role;
use reconnect_store::sessions::SessionPolicy;
use reconnect_store::testing::{meta, new_user, TestDb};
use reconnect_store::users::UserChange;
use reconnect_store::{Actor, AuditEntry, AuditFilter, AuditRecord, Engine};
use time::Duration;

on_both_engines!(
    actions_are_audited_with_actor_role_ip_and_request,
    site_audit_is_for_site_managers_and_their_sites,
    site_audit_filters,
    admin_audit_excludes_person_events,
    audit_events_cannot_be_changed_or_removed,
    refused_writes_leave_nothing_behind,
    a_change_whose_audit_fails_does_not_happen,
);

fn filter() -> AuditFilter {
    AuditFilter {
        limit: 500,
        ..Default::default()
    }
}

fn actions(events: &[AuditRecord]) -> Vec<&str> {
    events.iter().map(|e| e.action.as_str()).collect()
}

async fn actions_are_audited_with_actor_role_ip_and_request(db: &TestDb) {
    let admin = db.staff(Role::Admin, &[]).await;
    let site = db
        .store
        .create_site(
            &Actor::User(&admin),
            "Leeds",
            reconnect_domain::Region::London,
        )
        .await
        .unwrap();
    let prison = db
        .store
        .add_prison(&Actor::User(&admin), site, "HMP Leeds")
        .await
        .unwrap();
    let worker_id = db
        .store
        .create_user(
            &Actor::User(&admin),
            new_user("w@example.org", Role::Worker, &[site]),
        )
        .await
        .unwrap();
    let change = UserChange {
        display_name: "Wendy Worker".into(),
        role: Role::Worker,
        sites: vec![site],
    };
    db.store
        .update_user(&admin, worker_id, change)
        .await
        .unwrap();
    let worker = db.caller(worker_id).await;
    let person = db.person(&worker, prison, "Dan", "Okafor").await;
    db.store.get_person(&worker, person).await.unwrap();
    db.store
        .list_people(
            &worker,
            &reconnect_store::people::PeopleFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let sign_in_meta = meta("req-sign-in");
    let (token, _) = db
        .store
        .start_session(worker_id, &sign_in_meta, SessionPolicy::default())
        .await
        .unwrap();
    db.store
        .end_session(&Actor::User(&worker), &token)
        .await
        .unwrap();
    let (token_id, _) = db
        .store
        .create_token(&worker, "laptop", None)
        .await
        .unwrap();
    db.store.revoke_token(&worker, token_id).await.unwrap();

    let events = db.audit_events().await;
    assert_eq!(
        actions(&events),
        [
            "user.create",
            "site.create",
            "prison.create",
            "user.create",
            "user.update",
            "person.create",
            "person.view",
            "caseload.view",
            "sign_in.success",
            "sign_out",
            "api_token.create",
            "api_token.revoke",
        ]
    );
    // Sequence numbers increase and times are the store's clock.
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(events.iter().all(|e| e.at == db.now()));

    let by_admin = &events[1..5];
    for e in by_admin {
        assert_eq!(e.actor_user_id, Some(admin.user_id()), "{e:?}");
        assert_eq!(e.actor_role, Some(Role::Admin), "{e:?}");
        assert_eq!(e.ip, admin.meta.ip, "{e:?}");
        assert_eq!(e.request_id, admin.meta.request_id, "{e:?}");
        assert!(e.request_id.is_some());
    }
    assert_eq!(events[1].record_type.as_deref(), Some("site"));
    assert_eq!(events[1].record_id, Some(site.to_string()));
    assert_eq!(events[3].record_id, Some(worker_id.to_string()));
    assert_eq!(events[3].detail.as_deref(), Some("role worker; 1 site(s)"));
    assert_eq!(events[4].record_id, Some(worker_id.to_string()));

    let by_worker: Vec<&AuditRecord> = events[5..8].iter().chain(&events[9..]).collect();
    for e in by_worker {
        assert_eq!(e.actor_user_id, Some(worker_id), "{e:?}");
        assert_eq!(e.actor_role, Some(Role::Worker), "{e:?}");
        assert_eq!(e.ip.as_deref(), Some("192.0.2.10"), "{e:?}");
        assert_eq!(e.request_id, worker.meta.request_id, "{e:?}");
    }
    for e in &events[5..7] {
        assert_eq!(e.person_id, Some(person), "{e:?}");
        assert_eq!(e.site_id, Some(site), "{e:?}");
        assert_eq!(e.record_id, Some(person.to_string()), "{e:?}");
    }
    assert_eq!(events[7].detail.as_deref(), Some("1 people listed"));
    assert_eq!(events[7].site_id, Some(site));

    // A sign-in is attributed to the account, with the request it came from.
    let sign_in = &events[8];
    assert_eq!(sign_in.actor_user_id, Some(worker_id));
    assert_eq!(sign_in.actor_role, Some(Role::Worker));
    assert_eq!(sign_in.actor_name.as_deref(), Some("w@example.org"));
    assert_eq!(sign_in.ip, sign_in_meta.ip);
    assert_eq!(sign_in.request_id.as_deref(), Some("req-sign-in"));
    assert_eq!(sign_in.record_type.as_deref(), Some("session"));
    assert_eq!(events[10].record_id, Some(token_id.to_string()));
    assert_eq!(events[11].record_id, Some(token_id.to_string()));
    // Operator commands are labelled, and have no request.
    let first = &events[0];
    assert_eq!(first.actor_user_id, None);
    assert_eq!(first.actor_name.as_deref(), Some("system: test"));
    assert_eq!(first.ip, None);

    // Events that change nothing else go through Store::audit.
    let anon_meta = meta("req-anon");
    let anonymous = Actor::Anonymous {
        label: Some("guess@example.org".into()),
        meta: &anon_meta,
    };
    db.store
        .audit(
            &anonymous,
            AuditEntry::new("sign_in.failure").detail("wrong password"),
        )
        .await
        .unwrap();
    let failure = db.audit_events_for("sign_in.failure").await.remove(0);
    assert_eq!(failure.actor_user_id, None);
    assert_eq!(failure.actor_name.as_deref(), Some("guess@example.org"));
    assert_eq!(failure.request_id.as_deref(), Some("req-anon"));
    assert_eq!(failure.detail.as_deref(), Some("wrong password"));
}

async fn site_audit_is_for_site_managers_and_their_sites(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    let leeds_worker = db.staff(Role::Worker, &[leeds.id]).await;
    let hull_worker = db.staff(Role::Worker, &[hull.id]).await;
    let leeds_person = db
        .person(&leeds_worker, leeds.prisons[0], "Dan", "Okafor")
        .await;
    let hull_person = db
        .person(&hull_worker, hull.prisons[0], "Tom", "Baker")
        .await;
    db.store
        .get_person(&leeds_worker, leeds_person)
        .await
        .unwrap();
    db.store
        .get_person(&hull_worker, hull_person)
        .await
        .unwrap();

    let manager = db.staff(Role::SiteManager, &[leeds.id]).await;
    let events = db.store.site_audit(&manager, &filter()).await.unwrap();
    assert!(!events.is_empty());
    assert!(
        events.iter().all(|e| e.site_id == Some(leeds.id)),
        "{events:?}"
    );
    assert!(events.iter().all(|e| e.person_id != Some(hull_person)));
    assert!(
        events.windows(2).all(|w| w[0].seq > w[1].seq),
        "newest first"
    );
    let mut seen = actions(&events);
    seen.sort();
    assert_eq!(
        seen,
        [
            "person.create",
            "person.view",
            "prison.create",
            "site.create"
        ]
    );
    // Readers show the acting user's name.
    let view = events.iter().find(|e| e.action == "person.view").unwrap();
    let admin = db.staff(Role::Admin, &[]).await;
    let name = db
        .store
        .get_user(&admin, leeds_worker.user_id())
        .await
        .unwrap()
        .display_name;
    assert_eq!(view.actor_name, Some(name));

    // A manager of both sites sees both.
    let both = db.staff(Role::SiteManager, &[leeds.id, hull.id]).await;
    let events = db.store.site_audit(&both, &filter()).await.unwrap();
    assert!(events.iter().any(|e| e.person_id == Some(hull_person)));
    assert!(events.iter().any(|e| e.person_id == Some(leeds_person)));

    for role in Role::ALL.into_iter().filter(|r| *r != Role::SiteManager) {
        let caller = db.staff(role, &[leeds.id]).await;
        assert_forbidden(db.store.site_audit(&caller, &filter()).await);
    }
    let no_sites = db.staff(Role::SiteManager, &[]).await;
    assert_forbidden(db.store.site_audit(&no_sites, &filter()).await);
}

async fn site_audit_filters(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let manager = db.staff(Role::SiteManager, &[leeds.id]).await;
    let ann = db.staff(Role::Worker, &[leeds.id]).await;
    let bob = db.staff(Role::Worker, &[leeds.id]).await;
    db.advance(Duration::minutes(1));
    let start = db.now();
    let p1 = db.person(&ann, leeds.prisons[0], "Dan", "Okafor").await;
    db.advance(Duration::hours(1));
    let p2 = db.person(&bob, leeds.prisons[0], "Tom", "Baker").await;
    db.advance(Duration::hours(1));
    let third_hour = db.now();
    db.store.get_person(&ann, p2).await.unwrap();
    db.store.get_person(&bob, p1).await.unwrap();
    db.advance(Duration::hours(1));
    db.store.get_person(&ann, p1).await.unwrap();

    let run = |f: AuditFilter| {
        let store = db.store.clone();
        let manager = manager.clone();
        async move { store.site_audit(&manager, &f).await.unwrap() }
    };
    let about_p1 = run(AuditFilter {
        person_id: Some(p1),
        ..filter()
    })
    .await;
    assert_eq!(
        actions(&about_p1),
        ["person.view", "person.view", "person.create"]
    );
    assert!(about_p1.iter().all(|e| e.person_id == Some(p1)));

    let by_bob = run(AuditFilter {
        user_id: Some(bob.user_id()),
        ..filter()
    })
    .await;
    assert_eq!(actions(&by_bob), ["person.view", "person.create"]);
    assert!(by_bob
        .iter()
        .all(|e| e.actor_user_id == Some(bob.user_id())));

    let both = run(AuditFilter {
        person_id: Some(p1),
        user_id: Some(ann.user_id()),
        ..filter()
    })
    .await;
    assert_eq!(actions(&both), ["person.view", "person.create"]);

    // From is inclusive, to is exclusive.
    let third = run(AuditFilter {
        from: Some(third_hour),
        to: Some(third_hour + Duration::hours(1)),
        ..filter()
    })
    .await;
    assert_eq!(third.len(), 2);
    assert!(third.iter().all(|e| e.at == third_hour));
    let before_any = run(AuditFilter {
        to: Some(start),
        ..filter()
    })
    .await;
    assert_eq!(actions(&before_any), ["prison.create", "site.create"]);
    let later = run(AuditFilter {
        from: Some(third_hour + Duration::minutes(1)),
        ..filter()
    })
    .await;
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].person_id, Some(p1));

    // Paging back with before_seq and limit walks every event once.
    let everything = run(filter()).await;
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = run(AuditFilter {
            before_seq: before,
            limit: 2,
            ..filter()
        })
        .await;
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        before = Some(last.seq);
        paged.extend(page);
    }
    assert_eq!(paged, everything);
    // A zero limit still returns something (it is raised to 1).
    assert_eq!(run(AuditFilter::default()).await.len(), 1);
}

async fn admin_audit_excludes_person_events(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let admin = db.staff(Role::Admin, &[]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    let person = db.person(&worker, leeds.prisons[0], "Dan", "Okafor").await;
    db.store.get_person(&worker, person).await.unwrap();
    db.store
        .list_people(
            &worker,
            &reconnect_store::people::PeopleFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (token, _) = db
        .store
        .start_session(worker.user_id(), &meta("r"), SessionPolicy::default())
        .await
        .unwrap();
    db.store
        .end_session(&Actor::User(&worker), &token)
        .await
        .unwrap();
    let (token_id, _) = db
        .store
        .create_token(&worker, "laptop", None)
        .await
        .unwrap();
    db.store.revoke_token(&worker, token_id).await.unwrap();
    let anon_meta = meta("r2");
    db.store
        .audit(
            &Actor::Anonymous {
                label: Some("x@example.org".into()),
                meta: &anon_meta,
            },
            AuditEntry::new("sign_in.failure"),
        )
        .await
        .unwrap();

    let events = db.store.admin_audit(&admin, &filter()).await.unwrap();
    assert!(events.iter().all(|e| e.person_id.is_none()), "{events:?}");
    let mut seen = actions(&events);
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "api_token.create",
            "api_token.revoke",
            "prison.create",
            "sign_in.failure",
            "sign_in.success",
            "sign_out",
            "site.create",
            "user.create",
        ]
    );
    // The same filters apply.
    let by_worker = db
        .store
        .admin_audit(
            &admin,
            &AuditFilter {
                user_id: Some(worker.user_id()),
                ..filter()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        actions(&by_worker),
        [
            "api_token.revoke",
            "api_token.create",
            "sign_out",
            "sign_in.success"
        ]
    );
    let about_person = db
        .store
        .admin_audit(
            &admin,
            &AuditFilter {
                person_id: Some(person),
                ..filter()
            },
        )
        .await
        .unwrap();
    assert!(about_person.is_empty());
    assert_forbidden(db.store.admin_audit(&worker, &filter()).await);
}

async fn audit_events_cannot_be_changed_or_removed(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let before = db.audit_events().await;
    assert_eq!(before.len(), 2);

    let update = sqlx::query("UPDATE audit_event SET action = $1 WHERE seq = $2")
        .bind("tampered")
        .bind(before[0].seq)
        .execute(db.pool())
        .await;
    assert!(update.is_err(), "UPDATE on audit_event succeeded");
    let update_all = sqlx::query("UPDATE audit_event SET ip = NULL")
        .execute(db.pool())
        .await;
    assert!(update_all.is_err(), "UPDATE on audit_event succeeded");
    let delete = sqlx::query("DELETE FROM audit_event WHERE seq = $1")
        .bind(before[0].seq)
        .execute(db.pool())
        .await;
    assert!(delete.is_err(), "DELETE on audit_event succeeded");
    let delete_all = sqlx::query("DELETE FROM audit_event")
        .execute(db.pool())
        .await;
    assert!(delete_all.is_err(), "DELETE on audit_event succeeded");
    if db.engine() == Engine::Postgres {
        let truncate = sqlx::query("TRUNCATE audit_event").execute(db.pool()).await;
        assert!(truncate.is_err(), "TRUNCATE on audit_event succeeded");
    }
    // Inside a transaction too: the refusal cannot be sidestepped.
    let mut tx = db.pool().begin().await.unwrap();
    let in_tx = sqlx::query("DELETE FROM audit_event")
        .execute(&mut *tx)
        .await;
    assert!(in_tx.is_err());
    drop(tx);

    assert_eq!(db.audit_events().await, before);
    // Appending still works.
    db.person(
        &db.staff(Role::Worker, &[leeds.id]).await,
        leeds.prisons[0],
        "A",
        "B",
    )
    .await;
    assert_eq!(db.audit_events().await.len(), 4);
}

async fn refused_writes_leave_nothing_behind(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let hull = db.site("Hull", &["HMP Hull"]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    let events_before = db.audit_events().await.len();
    let people_before = db.count_rows("person").await;

    // A prison of another site fails the prison check inside the transaction.
    let at_hull = db.new_person(hull.prisons[0], "Dan", "Okafor");
    assert_invalid(db.store.create_person(&worker, &at_hull).await, "prison_id");
    // A user with an unknown site fails after the account row was inserted.
    let lost = new_user(
        "lost@example.org",
        Role::Worker,
        &[reconnect_domain::SiteId::new()],
    );
    assert_invalid(
        db.store.create_user(&Actor::System("test"), lost).await,
        "sites",
    );
    // A revoke of a token that is not yours.
    assert!(db
        .store
        .revoke_token(&worker, reconnect_domain::TokenId::new())
        .await
        .is_err());

    assert_eq!(db.count_rows("person").await, people_before);
    assert_eq!(db.count_rows("app_user").await, 1);
    assert_eq!(db.count_rows("user_site").await, 1);
    assert_eq!(db.audit_events().await.len(), events_before);
}

/// Makes every audit append of these actions fail, as a full disk or a
/// broken audit table would.
async fn refuse_audit_of(db: &TestDb, actions: &[&str]) {
    let list = actions
        .iter()
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let statements = match db.engine() {
        Engine::Sqlite => vec![format!(
            "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_event \
             WHEN NEW.action IN ({list}) BEGIN SELECT RAISE(ABORT, 'audit refused by test'); END"
        )],
        Engine::Postgres => vec![
            format!(
                "CREATE FUNCTION test_refuse_audit() RETURNS trigger AS $$ BEGIN \
                 IF NEW.action IN ({list}) THEN RAISE EXCEPTION 'audit refused by test'; END IF; \
                 RETURN NEW; END; $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_event \
             FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()"
                .to_string(),
        ],
    };
    for sql in statements {
        sqlx::raw_sql(&sql).execute(db.pool()).await.unwrap();
    }
}

async fn a_change_whose_audit_fails_does_not_happen(db: &TestDb) {
    let leeds = db.site("Leeds", &["HMP Leeds"]).await;
    let admin = db.staff(Role::Admin, &[]).await;
    let worker = db.staff(Role::Worker, &[leeds.id]).await;
    let person = db.person(&worker, leeds.prisons[0], "Dan", "Okafor").await;
    let policy = SessionPolicy::default();
    let (token, _) = db
        .store
        .start_session(worker.user_id(), &meta("r"), policy)
        .await
        .unwrap();
    refuse_audit_of(
        db,
        &[
            "person.create",
            "person.view",
            "caseload.view",
            "user.create",
            "user.update",
            "user.disable",
            "site.create",
            "sign_in.success",
            "sign_out",
            "api_token.create",
        ],
    )
    .await;
    let events = db.audit_events().await.len();

    assert!(db
        .store
        .create_person(&worker, &db.new_person(leeds.prisons[0], "A", "B"))
        .await
        .is_err());
    assert_eq!(db.count_rows("person").await, 1);
    // A read whose audit fails releases nothing.
    assert!(db.store.get_person(&worker, person).await.is_err());
    let everyone = reconnect_store::people::PeopleFilter {
        limit: 10,
        ..Default::default()
    };
    assert!(db.store.list_people(&worker, &everyone).await.is_err());

    let new = new_user("ghost@example.org", Role::Worker, &[leeds.id]);
    assert!(db
        .store
        .create_user(&Actor::User(&admin), new)
        .await
        .is_err());
    assert_eq!(db.count_rows("app_user").await, 2);
    assert_eq!(db.count_rows("user_site").await, 1);

    let change = UserChange {
        display_name: "Changed".into(),
        role: Role::SiteManager,
        sites: vec![],
    };
    assert!(db
        .store
        .update_user(&admin, worker.user_id(), change)
        .await
        .is_err());
    let unchanged = db.store.get_user(&admin, worker.user_id()).await.unwrap();
    assert_eq!(
        (unchanged.role, unchanged.sites.as_slice()),
        (Role::Worker, &[leeds.id][..])
    );
    assert!(
        db.store.session(&token, policy).await.unwrap().is_some(),
        "session survived"
    );

    assert!(db
        .store
        .set_user_disabled(&admin, worker.user_id(), true)
        .await
        .is_err());
    assert!(db
        .store
        .active_user(worker.user_id())
        .await
        .unwrap()
        .is_some());

    assert!(db
        .store
        .create_site(
            &Actor::User(&admin),
            "Hull",
            reconnect_domain::Region::London
        )
        .await
        .is_err());
    assert_eq!(db.count_rows("site").await, 1);

    assert!(db
        .store
        .start_session(worker.user_id(), &meta("r"), policy)
        .await
        .is_err());
    assert_eq!(db.count_rows("staff_session").await, 1);
    db.store
        .end_session(&Actor::User(&worker), &token)
        .await
        .unwrap_err();
    assert!(
        db.store.session(&token, policy).await.unwrap().is_some(),
        "sign-out not recorded, so not done"
    );

    assert!(db
        .store
        .create_token(&worker, "laptop", None)
        .await
        .is_err());
    assert_eq!(db.count_rows("api_token").await, 0);

    assert_eq!(db.audit_events().await.len(), events);
}
