//! Sign-in throttling: failures counted per key within a window, a lock at
//! the threshold for a while, and every failure counted under concurrency.

use reconnect_store::testing::TestDb;
use reconnect_store::throttle::ThrottleRule;
use std::collections::BTreeSet;
use time::Duration;

on_both_engines!(
    failures_lock_at_the_threshold_for_the_lock_period,
    the_window_expiring_resets_the_count,
    clear_forgets_failures,
    keys_are_counted_separately,
    concurrent_failures_are_all_counted,
);

fn rule() -> ThrottleRule {
    ThrottleRule {
        window: Duration::minutes(15),
        lock_after: 5,
        lock_for: Duration::minutes(10),
    }
}

async fn failures_lock_at_the_threshold_for_the_lock_period(db: &TestDb) {
    let key = "account:amira@example.org";
    assert!(db.store.throttle_locked_until(key).await.unwrap().is_none());
    for n in 1..=4 {
        let state = db.store.throttle_fail(key, rule()).await.unwrap();
        assert_eq!(state.failures, n);
        assert!(state.locked_until.is_none(), "locked after {n}");
        assert!(db.store.throttle_locked_until(key).await.unwrap().is_none());
        db.advance(Duration::minutes(1));
    }
    let state = db.store.throttle_fail(key, rule()).await.unwrap();
    let until = db.now() + rule().lock_for;
    assert_eq!(state.failures, 5);
    assert_eq!(state.locked_until, Some(until));
    assert_eq!(
        db.store.throttle_locked_until(key).await.unwrap(),
        Some(until)
    );

    db.advance(Duration::minutes(9));
    assert_eq!(
        db.store.throttle_locked_until(key).await.unwrap(),
        Some(until)
    );
    db.advance(Duration::minutes(1));
    assert!(
        db.store.throttle_locked_until(key).await.unwrap().is_none(),
        "lock over"
    );

    // A threshold of one locks at the first failure.
    let strict = ThrottleRule {
        lock_after: 1,
        ..rule()
    };
    let state = db
        .store
        .throttle_fail("ip:192.0.2.1", strict)
        .await
        .unwrap();
    assert_eq!(state.failures, 1);
    assert_eq!(state.locked_until, Some(db.now() + strict.lock_for));
}

async fn the_window_expiring_resets_the_count(db: &TestDb) {
    let key = "account:dan@example.org";
    for _ in 0..4 {
        db.store.throttle_fail(key, rule()).await.unwrap();
    }
    db.advance(Duration::minutes(15));
    // Still within the window (which starts at the first failure).
    assert_eq!(
        db.store.throttle_fail(key, rule()).await.unwrap().failures,
        5
    );
    db.store.throttle_clear(key).await.unwrap();

    for _ in 0..4 {
        db.store.throttle_fail(key, rule()).await.unwrap();
    }
    db.advance(Duration::minutes(15) + Duration::milliseconds(1));
    let state = db.store.throttle_fail(key, rule()).await.unwrap();
    assert_eq!(state.failures, 1, "a new window");
    assert!(state.locked_until.is_none());
    // The new window runs from that failure.
    for n in 2..=5 {
        db.advance(Duration::minutes(3));
        assert_eq!(
            db.store.throttle_fail(key, rule()).await.unwrap().failures,
            n
        );
    }
    assert!(db.store.throttle_locked_until(key).await.unwrap().is_some());
}

async fn clear_forgets_failures(db: &TestDb) {
    let key = "account:priya@example.org";
    for _ in 0..5 {
        db.store.throttle_fail(key, rule()).await.unwrap();
    }
    assert!(db.store.throttle_locked_until(key).await.unwrap().is_some());
    db.store.throttle_clear(key).await.unwrap();
    assert!(db.store.throttle_locked_until(key).await.unwrap().is_none());
    let state = db.store.throttle_fail(key, rule()).await.unwrap();
    assert_eq!(state.failures, 1);
    assert!(state.locked_until.is_none());
    // Clearing a key never seen is fine.
    db.store
        .throttle_clear("account:nobody@example.org")
        .await
        .unwrap();
}

async fn keys_are_counted_separately(db: &TestDb) {
    for _ in 0..5 {
        db.store
            .throttle_fail("account:a@example.org", rule())
            .await
            .unwrap();
    }
    assert!(db
        .store
        .throttle_locked_until("account:a@example.org")
        .await
        .unwrap()
        .is_some());
    assert!(db
        .store
        .throttle_locked_until("account:b@example.org")
        .await
        .unwrap()
        .is_none());
    assert!(db
        .store
        .throttle_locked_until("ip:192.0.2.10")
        .await
        .unwrap()
        .is_none());
    let state = db
        .store
        .throttle_fail("account:b@example.org", rule())
        .await
        .unwrap();
    assert_eq!(state.failures, 1);
}

async fn concurrent_failures_are_all_counted(db: &TestDb) {
    let key = "ip:198.51.100.7";
    let generous = ThrottleRule {
        lock_after: 1_000,
        ..rule()
    };
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            store.throttle_fail(key, generous).await
        }));
    }
    let mut counts = BTreeSet::new();
    for task in tasks {
        counts.insert(task.await.unwrap().unwrap().failures);
    }
    // Each failure saw a different count: none was lost or counted twice.
    assert_eq!(counts, (1..=20).collect::<BTreeSet<i64>>());
    let stored: i64 =
        sqlx::query_scalar("SELECT failures FROM login_throttle WHERE throttle_key = $1")
            .bind(key)
            .fetch_one(db.pool())
            .await
            .unwrap();
    assert_eq!(stored, 20);

    // And at a threshold inside the burst, the key ends up locked.
    let other = "ip:198.51.100.8";
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            store.throttle_fail(other, rule()).await
        }));
    }
    let mut locked = 0;
    for task in tasks {
        let state = task.await.unwrap().unwrap();
        assert_eq!(
            state.locked_until.is_some(),
            state.failures >= 5,
            "{state:?}"
        );
        locked += usize::from(state.locked_until.is_some());
    }
    assert_eq!(locked, 16);
    assert!(db
        .store
        .throttle_locked_until(other)
        .await
        .unwrap()
        .is_some());
}
