//! Staff sessions: found by a token whose hash alone is stored, ended by
//! idleness, an absolute limit, sign-out, or the account being disabled.

use reconnect_domain::Role;
use reconnect_store::sessions::{hash_token, SessionPolicy};
use reconnect_store::testing::{meta, TestDb};
use reconnect_store::Actor;
use time::Duration;

on_both_engines!(
    sessions_start_and_are_found,
    idle_sessions_end_and_use_refreshes_them,
    sessions_end_at_the_absolute_limit,
    sign_out_ends_the_session_and_is_audited,
    purge_removes_only_dead_sessions,
    a_disabled_users_session_is_dead,
    session_tokens_are_stored_hashed,
);

async fn sessions_start_and_are_found(db: &TestDb) {
    let user = db.user(Role::Worker, &[]).await;
    let other = db.user(Role::Worker, &[]).await;
    let policy = SessionPolicy::default();
    let (token, session) = db
        .store
        .start_session(user, &meta("r1"), policy)
        .await
        .unwrap();
    let (token2, session2) = db
        .store
        .start_session(other, &meta("r2"), policy)
        .await
        .unwrap();
    assert_eq!(session.user_id, user);
    assert_ne!(token, token2);
    assert_ne!(session.csrf_token, session2.csrf_token);
    assert!(token.len() >= 43, "32 random bytes");

    let found = db.store.session(&token, policy).await.unwrap().unwrap();
    assert_eq!(found, session);
    assert_eq!(
        db.store
            .session(&token2, policy)
            .await
            .unwrap()
            .unwrap()
            .user_id,
        other
    );
    assert!(db
        .store
        .session("not-a-token", policy)
        .await
        .unwrap()
        .is_none());
    assert!(db.store.session("", policy).await.unwrap().is_none());
    // The hash itself is not a token.
    assert!(db
        .store
        .session(&hash_token(&token), policy)
        .await
        .unwrap()
        .is_none());

    let ip: Option<String> = sqlx::query_scalar("SELECT ip FROM staff_session WHERE user_id = $1")
        .bind(user.to_string())
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(ip.as_deref(), Some("192.0.2.10"));
}

async fn idle_sessions_end_and_use_refreshes_them(db: &TestDb) {
    let user = db.user(Role::Worker, &[]).await;
    let policy = SessionPolicy::default();
    let (token, _) = db
        .store
        .start_session(user, &meta("r"), policy)
        .await
        .unwrap();

    // Used every 29 minutes, it lives well past 30 minutes from the start.
    for _ in 0..4 {
        db.advance(Duration::minutes(29));
        assert!(db.store.session(&token, policy).await.unwrap().is_some());
    }
    // Left for 31 minutes, it has ended.
    db.advance(Duration::minutes(31));
    assert!(db.store.session(&token, policy).await.unwrap().is_none());
    // And stays ended: looking did not revive it.
    assert!(db.store.session(&token, policy).await.unwrap().is_none());

    // Exactly the idle period is too long; a moment less is fine.
    let (token, _) = db
        .store
        .start_session(user, &meta("r"), policy)
        .await
        .unwrap();
    db.advance(Duration::minutes(30) - Duration::milliseconds(1));
    assert!(db.store.session(&token, policy).await.unwrap().is_some());
    let (token, _) = db
        .store
        .start_session(user, &meta("r"), policy)
        .await
        .unwrap();
    db.advance(Duration::minutes(30));
    assert!(db.store.session(&token, policy).await.unwrap().is_none());
}

async fn sessions_end_at_the_absolute_limit(db: &TestDb) {
    let user = db.user(Role::Worker, &[]).await;
    let policy = SessionPolicy::default();
    let (token, _) = db
        .store
        .start_session(user, &meta("r"), policy)
        .await
        .unwrap();
    let started = db.now();
    // Busy all day: used every 20 minutes.
    while db.now() + Duration::minutes(20) < started + policy.absolute {
        db.advance(Duration::minutes(20));
        assert!(
            db.store.session(&token, policy).await.unwrap().is_some(),
            "at {}",
            db.now() - started
        );
    }
    db.clock.set(started + policy.absolute);
    assert!(db.store.session(&token, policy).await.unwrap().is_none());

    // A shorter policy, the same rule.
    let short = SessionPolicy {
        idle: Duration::minutes(30),
        absolute: Duration::hours(1),
    };
    let (token, _) = db
        .store
        .start_session(user, &meta("r"), short)
        .await
        .unwrap();
    db.advance(Duration::minutes(29));
    assert!(db.store.session(&token, short).await.unwrap().is_some());
    db.advance(Duration::minutes(29));
    assert!(db.store.session(&token, short).await.unwrap().is_some());
    db.advance(Duration::minutes(3));
    assert!(db.store.session(&token, short).await.unwrap().is_none());
}

async fn sign_out_ends_the_session_and_is_audited(db: &TestDb) {
    let caller = db.staff(Role::Worker, &[]).await;
    let policy = SessionPolicy::default();
    let (token, _) = db
        .store
        .start_session(caller.user_id(), &meta("r"), policy)
        .await
        .unwrap();
    let (other, _) = db
        .store
        .start_session(caller.user_id(), &meta("r"), policy)
        .await
        .unwrap();

    db.store
        .end_session(&Actor::User(&caller), &token)
        .await
        .unwrap();
    assert!(db.store.session(&token, policy).await.unwrap().is_none());
    assert!(
        db.store.session(&other, policy).await.unwrap().is_some(),
        "only that session ends"
    );
    let outs = db.audit_events_for("sign_out").await;
    assert_eq!(outs.len(), 1);
    assert_eq!(outs[0].actor_user_id, Some(caller.user_id()));
    assert_eq!(outs[0].actor_role, Some(Role::Worker));
    assert_eq!(outs[0].record_type.as_deref(), Some("session"));
    assert_eq!(outs[0].request_id, caller.meta.request_id);

    // Signing out again, or with a made-up token, does nothing and records nothing.
    db.store
        .end_session(&Actor::User(&caller), &token)
        .await
        .unwrap();
    db.store
        .end_session(&Actor::User(&caller), "made-up")
        .await
        .unwrap();
    assert_eq!(db.audit_events_for("sign_out").await.len(), 1);
    assert_eq!(db.audit_events_for("sign_in.success").await.len(), 2);
}

async fn purge_removes_only_dead_sessions(db: &TestDb) {
    let user = db.user(Role::Worker, &[]).await;
    let policy = SessionPolicy::default();
    let (idle, _) = db
        .store
        .start_session(user, &meta("r"), policy)
        .await
        .unwrap();
    db.advance(Duration::minutes(20));
    let (busy, _) = db
        .store
        .start_session(user, &meta("r"), policy)
        .await
        .unwrap();
    db.advance(Duration::minutes(20));
    let (fresh, _) = db
        .store
        .start_session(user, &meta("r"), policy)
        .await
        .unwrap();
    assert!(db.store.session(&busy, policy).await.unwrap().is_some());
    db.advance(Duration::minutes(15));
    // idle: unused for 55 minutes; busy: used 15 minutes ago; fresh: 15 minutes old.
    assert_eq!(db.store.purge_sessions(policy).await.unwrap(), 1);
    assert_eq!(db.count_rows("staff_session").await, 2);
    assert!(db.store.session(&idle, policy).await.unwrap().is_none());
    assert!(db.store.session(&busy, policy).await.unwrap().is_some());
    assert!(db.store.session(&fresh, policy).await.unwrap().is_some());
    assert_eq!(db.store.purge_sessions(policy).await.unwrap(), 0);

    // Past the absolute limit, even recently used sessions go.
    let short = SessionPolicy {
        idle: Duration::minutes(30),
        absolute: Duration::minutes(40),
    };
    db.advance(Duration::minutes(10));
    assert!(db.store.session(&fresh, policy).await.unwrap().is_some());
    let (short_lived, _) = db
        .store
        .start_session(user, &meta("r"), short)
        .await
        .unwrap();
    db.advance(Duration::minutes(20));
    assert!(db
        .store
        .session(&short_lived, short)
        .await
        .unwrap()
        .is_some());
    db.advance(Duration::minutes(21));
    assert_eq!(db.store.purge_sessions(short).await.unwrap(), 3);
    assert_eq!(db.count_rows("staff_session").await, 0);
}

async fn a_disabled_users_session_is_dead(db: &TestDb) {
    let caller = db.staff(Role::Worker, &[]).await;
    let policy = SessionPolicy::default();
    let (token, _) = db
        .store
        .start_session(caller.user_id(), &meta("r"), policy)
        .await
        .unwrap();
    // Even if the session row survived (say, disabled by hand in the database).
    sqlx::query("UPDATE app_user SET disabled_at = $1 WHERE id = $2")
        .bind(1_i64)
        .bind(caller.user_id().to_string())
        .execute(db.pool())
        .await
        .unwrap();
    assert_eq!(db.count_rows("staff_session").await, 1);
    assert!(db.store.session(&token, policy).await.unwrap().is_none());
    sqlx::query("UPDATE app_user SET disabled_at = NULL WHERE id = $1")
        .bind(caller.user_id().to_string())
        .execute(db.pool())
        .await
        .unwrap();
    assert!(db.store.session(&token, policy).await.unwrap().is_some());

    let admin = db.staff(Role::Admin, &[]).await;
    db.store
        .set_user_disabled(&admin, caller.user_id(), true)
        .await
        .unwrap();
    assert!(db.store.session(&token, policy).await.unwrap().is_none());
}

async fn session_tokens_are_stored_hashed(db: &TestDb) {
    let user = db.user(Role::Worker, &[]).await;
    let policy = SessionPolicy::default();
    let (token, session) = db
        .store
        .start_session(user, &meta("r"), policy)
        .await
        .unwrap();
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT token_hash, user_id, csrf_token FROM staff_session")
            .fetch_all(db.pool())
            .await
            .unwrap();
    assert_eq!(rows.len(), 1);
    let (hash, user_id, csrf) = &rows[0];
    assert_eq!(hash, &hash_token(&token));
    assert_eq!(hash.len(), 64);
    assert_ne!(hash, &token);
    assert_eq!(user_id, &user.to_string());
    assert_eq!(csrf, &session.csrf_token);
    assert_ne!(csrf, &token);
    // The raw token is nowhere in the database's record of the session or the audit trail.
    for (h, u, c) in &rows {
        for value in [h, u, c] {
            assert!(!value.contains(&token));
        }
    }
    for e in db.audit_events().await {
        let text = format!("{e:?}");
        assert!(!text.contains(&token), "{text}");
    }
}
