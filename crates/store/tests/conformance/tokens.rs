//! Personal access tokens: the secret is shown once and only its hash kept;
//! a token stops working when revoked, expired, or its owner is disabled.

use super::{assert_invalid, assert_not_found};
use reconnect_domain::{Role, TokenId};
use reconnect_store::sessions::hash_token;
use reconnect_store::testing::TestDb;
use reconnect_store::tokens::TOKEN_PREFIX;
use time::Duration;

on_both_engines!(
    tokens_are_shown_once_and_stored_hashed,
    token_owner_finds_live_tokens,
    revoked_and_expired_tokens_stop_working,
    disabled_owners_tokens_stop_working,
    tokens_are_private_to_their_owner,
);

async fn tokens_are_shown_once_and_stored_hashed(db: &TestDb) {
    let caller = db.staff(Role::Worker, &[]).await;
    let (id, secret) = db
        .store
        .create_token(&caller, "  laptop  ", None)
        .await
        .unwrap();
    assert!(
        secret.starts_with(TOKEN_PREFIX) && secret.starts_with("rcn_"),
        "{secret}"
    );
    assert!(secret.len() >= TOKEN_PREFIX.len() + 43);
    let (_, second) = db
        .store
        .create_token(&caller, "script", None)
        .await
        .unwrap();
    assert_ne!(secret, second);

    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT id, name, token_hash, hint FROM api_token WHERE id = $1")
            .bind(id.to_string())
            .fetch_all(db.pool())
            .await
            .unwrap();
    let (_, name, hash, hint) = &rows[0];
    assert_eq!(name, "laptop");
    assert_eq!(hash, &hash_token(&secret));
    assert_eq!(hint, &secret[..TOKEN_PREFIX.len() + 4]);
    for value in [name, hash, hint] {
        assert!(!value.contains(&secret));
    }
    for e in db.audit_events().await {
        assert!(!format!("{e:?}").contains(&secret));
    }

    // Listing shows the hint, never the secret.
    let listed = db.store.list_tokens(&caller).await.unwrap();
    let mine = listed.iter().find(|t| t.id == id).unwrap();
    assert_eq!(mine.hint, *hint);
    assert_eq!(mine.created_at, db.now());
    assert!(mine.expires_at.is_none() && mine.revoked_at.is_none() && mine.last_used_at.is_none());

    assert_invalid(db.store.create_token(&caller, "   ", None).await, "name");
    assert_invalid(
        db.store.create_token(&caller, &"n".repeat(81), None).await,
        "name",
    );
    assert_eq!(db.count_rows("api_token").await, 2);
}

async fn token_owner_finds_live_tokens(db: &TestDb) {
    let caller = db.staff(Role::Worker, &[]).await;
    let (id, secret) = db
        .store
        .create_token(&caller, "laptop", None)
        .await
        .unwrap();
    assert_eq!(
        db.store.token_owner(&secret).await.unwrap(),
        Some(caller.user_id())
    );
    assert!(db.store.token_owner("rcn_made-up").await.unwrap().is_none());
    assert!(db
        .store
        .token_owner(&secret[TOKEN_PREFIX.len()..])
        .await
        .unwrap()
        .is_none());
    assert!(db
        .store
        .token_owner(&hash_token(&secret))
        .await
        .unwrap()
        .is_none());
    assert!(db.store.token_owner("").await.unwrap().is_none());

    let used = |db: &TestDb| {
        let store = db.store.clone();
        let caller = caller.clone();
        async move {
            store
                .list_tokens(&caller)
                .await
                .unwrap()
                .into_iter()
                .find(|t| t.id == id)
                .unwrap()
                .last_used_at
        }
    };
    let first_use = db.now();
    assert_eq!(used(db).await, Some(first_use));
    db.advance(Duration::hours(2));
    assert_eq!(
        db.store.token_owner(&secret).await.unwrap(),
        Some(caller.user_id())
    );
    assert_eq!(used(db).await, Some(db.now()));
}

async fn revoked_and_expired_tokens_stop_working(db: &TestDb) {
    let caller = db.staff(Role::Worker, &[]).await;
    let (id, secret) = db
        .store
        .create_token(&caller, "revoke me", None)
        .await
        .unwrap();
    let (_, expiring) = db
        .store
        .create_token(&caller, "an hour", Some(Duration::hours(1)))
        .await
        .unwrap();
    let (_, lasting) = db
        .store
        .create_token(&caller, "forever", None)
        .await
        .unwrap();

    db.store.revoke_token(&caller, id).await.unwrap();
    assert!(db.store.token_owner(&secret).await.unwrap().is_none());
    // Revoking twice, or a token that never was, is NotFound.
    assert_not_found(db.store.revoke_token(&caller, id).await);
    assert_not_found(db.store.revoke_token(&caller, TokenId::new()).await);
    let listed = db.store.list_tokens(&caller).await.unwrap();
    assert_eq!(
        listed.iter().find(|t| t.id == id).unwrap().revoked_at,
        Some(db.now())
    );

    db.advance(Duration::minutes(59));
    assert_eq!(
        db.store.token_owner(&expiring).await.unwrap(),
        Some(caller.user_id())
    );
    db.advance(Duration::minutes(1));
    assert!(
        db.store.token_owner(&expiring).await.unwrap().is_none(),
        "expired at exactly an hour"
    );
    db.advance(Duration::days(400));
    assert_eq!(
        db.store.token_owner(&lasting).await.unwrap(),
        Some(caller.user_id())
    );

    let revokes = db.audit_events_for("api_token.revoke").await;
    assert_eq!(revokes.len(), 1);
    assert_eq!(revokes[0].record_id, Some(id.to_string()));
}

async fn disabled_owners_tokens_stop_working(db: &TestDb) {
    let caller = db.staff(Role::Worker, &[]).await;
    let (_, secret) = db
        .store
        .create_token(&caller, "laptop", None)
        .await
        .unwrap();
    // Disabled by hand, without revoking: the owner check alone stops it.
    sqlx::query("UPDATE app_user SET disabled_at = $1 WHERE id = $2")
        .bind(1_i64)
        .bind(caller.user_id().to_string())
        .execute(db.pool())
        .await
        .unwrap();
    assert!(db.store.token_owner(&secret).await.unwrap().is_none());
    sqlx::query("UPDATE app_user SET disabled_at = NULL WHERE id = $1")
        .bind(caller.user_id().to_string())
        .execute(db.pool())
        .await
        .unwrap();
    assert_eq!(
        db.store.token_owner(&secret).await.unwrap(),
        Some(caller.user_id())
    );

    // Disabled properly: revoked too, so re-enabling does not bring it back.
    let admin = db.staff(Role::Admin, &[]).await;
    db.store
        .set_user_disabled(&admin, caller.user_id(), true)
        .await
        .unwrap();
    assert!(db.store.token_owner(&secret).await.unwrap().is_none());
    db.store
        .set_user_disabled(&admin, caller.user_id(), false)
        .await
        .unwrap();
    assert!(db.store.token_owner(&secret).await.unwrap().is_none());
}

async fn tokens_are_private_to_their_owner(db: &TestDb) {
    let ann = db.staff(Role::Worker, &[]).await;
    let bob = db.staff(Role::Admin, &[]).await;
    db.advance(Duration::minutes(1));
    let (ann_old, _) = db.store.create_token(&ann, "old", None).await.unwrap();
    db.advance(Duration::minutes(1));
    let (ann_new, ann_secret) = db.store.create_token(&ann, "new", None).await.unwrap();
    let (bob_token, _) = db.store.create_token(&bob, "bob's", None).await.unwrap();

    let ann_list: Vec<TokenId> = db
        .store
        .list_tokens(&ann)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(ann_list, [ann_new, ann_old], "own tokens, newest first");
    let bob_list: Vec<TokenId> = db
        .store
        .list_tokens(&bob)
        .await
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(bob_list, [bob_token]);

    // Not even an administrator may revoke someone else's token.
    assert_not_found(db.store.revoke_token(&bob, ann_new).await);
    assert_eq!(
        db.store.token_owner(&ann_secret).await.unwrap(),
        Some(ann.user_id())
    );
    assert!(db.audit_events_for("api_token.revoke").await.is_empty());
}
