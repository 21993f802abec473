//! The schema: migrations, foreign keys and per-connection settings.

use reconnect_store::testing::{TestDb, POSTGRES_DB_PREFIX};
use reconnect_store::Engine;

on_both_engines!(
    migrations_apply_and_are_idempotent,
    foreign_keys_are_enforced,
    a_new_database_is_empty,
);
on_sqlite!(sqlite_uses_wal_and_foreign_keys_on_every_connection);
on_postgres!(postgres_test_database_is_its_own);

async fn migrations_apply_and_are_idempotent(db: &TestDb) {
    // TestDb has migrated once already; twice more changes nothing.
    db.store.migrate().await.unwrap();
    db.store.migrate().await.unwrap();
    // (The Any driver cannot decode SQLite booleans, so filter on `success` in SQL.)
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(db.pool())
            .await
            .unwrap();
    // Every migration this engine ships, by the number its file name starts
    // with, applied once each (numbers are handed out per feature, so one
    // branch may ship 16 before 13 lands).
    let dir = match db.engine() {
        reconnect_store::Engine::Sqlite => "sqlite",
        reconnect_store::Engine::Postgres => "postgres",
    };
    // The versions the files carry (migrations land from parallel branches,
    // so numbers may have gaps until they are all merged).
    let mut shipped: Vec<i64> =
        std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                name.split('_').next().unwrap().parse().unwrap()
            })
            .collect();
    shipped.sort_unstable();
    assert!(shipped.len() >= 2);
    assert_eq!(shipped[0], 1);
    assert_eq!(applied, shipped);
    let all: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(all, shipped.len() as i64);
    for table in [
        "site",
        "prison",
        "app_user",
        "user_site",
        "staff_session",
        "api_token",
        "login_throttle",
        "person",
        "audit_event",
    ] {
        assert_eq!(db.count_rows(table).await, 0, "{table}");
    }
    db.store.ping().await.unwrap();
}

async fn foreign_keys_are_enforced(db: &TestDb) {
    let missing = uuid::Uuid::new_v4().to_string();
    let prison =
        sqlx::query("INSERT INTO prison (id, site_id, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(missing.clone())
            .bind("HMP Nowhere")
            .bind(0_i64)
            .execute(db.pool())
            .await;
    assert!(prison.is_err(), "a prison of a missing site was stored");

    let user_site = sqlx::query("INSERT INTO user_site (user_id, site_id) VALUES ($1, $2)")
        .bind(missing.clone())
        .bind(missing.clone())
        .execute(db.pool())
        .await;
    assert!(
        user_site.is_err(),
        "a membership of missing rows was stored"
    );

    let session = sqlx::query(
        "INSERT INTO staff_session (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $4, $4)",
    )
    .bind("hash")
    .bind(missing)
    .bind("csrf")
    .bind(0_i64)
    .execute(db.pool())
    .await;
    assert!(session.is_err(), "a session of a missing user was stored");

    assert_eq!(db.count_rows("prison").await, 0);
    assert_eq!(db.count_rows("user_site").await, 0);
    assert_eq!(db.count_rows("staff_session").await, 0);
}

async fn a_new_database_is_empty(db: &TestDb) {
    assert!(db.store.is_empty().await.unwrap());
    assert_eq!(db.store.count_people().await.unwrap(), 0);
    db.site("Leeds", &["HMP Leeds"]).await;
    assert!(!db.store.is_empty().await.unwrap());
    assert_eq!(db.now(), reconnect_store::testing::test_epoch());
}

async fn sqlite_uses_wal_and_foreign_keys_on_every_connection(db: &TestDb) {
    assert_eq!(db.engine(), Engine::Sqlite);
    // Hold every connection the pool allows at once, so each is checked.
    let mut conns = Vec::new();
    for _ in 0..4 {
        conns.push(db.pool().acquire().await.unwrap());
    }
    for conn in &mut conns {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!(mode.to_lowercase(), "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert!(busy > 0, "busy_timeout is {busy}");
    }
}

async fn postgres_test_database_is_its_own(db: &TestDb) {
    assert_eq!(db.engine(), Engine::Postgres);
    let name: String = sqlx::query_scalar("SELECT CAST(current_database() AS TEXT)")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert!(name.starts_with(POSTGRES_DB_PREFIX), "{name}");
    let zone: String = sqlx::query_scalar("SELECT current_setting('TimeZone')")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(zone, "UTC");
}
