//! The pool never hands out a connection left inside a transaction.

use reconnect_domain::Role;
use reconnect_store::people::PeopleFilter;
use reconnect_store::testing::TestDb;
use sqlx::Connection;

on_both_engines!(a_connection_left_in_a_transaction_is_not_reused);

/// What a request cancelled between "the transaction has begun" and "its
/// handle exists" leaves behind: a pooled connection inside a transaction
/// that no one will end. Later reads and writes must not land in it (on
/// SQLite they would fail, or wait for a write lock that is never given up).
async fn a_connection_left_in_a_transaction_is_not_reused(db: &TestDb) {
    let site = db.site("Leeds", &["HMP Leeds"]).await;
    let worker = db.staff(Role::Worker, &[site.id]).await;
    let person = db.person(&worker, site.prisons[0], "Ada", "Lovelace").await;
    {
        let mut conn = db.pool().acquire().await.unwrap();
        let tx = conn.begin().await.unwrap();
        std::mem::forget(tx);
        assert!(conn.is_in_transaction());
    }
    for _ in 0..20 {
        let people = db
            .store
            .list_people(&worker, &PeopleFilter::default())
            .await
            .unwrap();
        assert_eq!(people.len(), 1);
        db.store.get_person(&worker, person).await.unwrap();
    }
}
