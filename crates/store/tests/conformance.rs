//! The store's conformance suite: one story about what the store promises,
//! written once and run against every engine. Each test is an
//! `async fn name(db: &TestDb)` on a fresh database of its own; the macros
//! below make a `#[tokio::test]` per engine (`<module>::<name>::sqlite` and
//! `<module>::<name>::postgres`). The PostgreSQL variants run when
//! `RECONNECT_TEST_POSTGRES_URL` names an administrator URL, and otherwise
//! pass after printing that they were skipped.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reconnect_store::StoreError;
use std::fmt::Debug;

/// Runs each named test on SQLite and on PostgreSQL.
macro_rules! on_both_engines {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let db = reconnect_store::testing::TestDb::sqlite().await;
                    super::$name(&db).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(url) = reconnect_store::testing::postgres_url() else {
                        println!("skipped: RECONNECT_TEST_POSTGRES_URL not set");
                        return;
                    };
                    let db = reconnect_store::testing::TestDb::postgres(&url).await;
                    super::$name(&db).await;
                }
            }
        )+
    };
}

/// Runs each named test on SQLite only (engine-specific checks).
macro_rules! on_sqlite {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let db = reconnect_store::testing::TestDb::sqlite().await;
                    super::$name(&db).await;
                }
            }
        )+
    };
}

/// Runs each named test on PostgreSQL only (engine-specific checks).
macro_rules! on_postgres {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    let Some(url) = reconnect_store::testing::postgres_url() else {
                        println!("skipped: RECONNECT_TEST_POSTGRES_URL not set");
                        return;
                    };
                    let db = reconnect_store::testing::TestDb::postgres(&url).await;
                    super::$name(&db).await;
                }
            }
        )+
    };
}

#[path = "conformance/allocation.rs"]
mod allocation;
#[path = "conformance/audit.rs"]
mod audit;
#[path = "conformance/care_plan.rs"]
mod care_plan;
#[path = "conformance/contacts.rs"]
mod contacts;
#[path = "conformance/engagement.rs"]
mod engagement;
#[path = "conformance/episodes.rs"]
mod episodes;
#[path = "conformance/messages.rs"]
mod messages;
#[path = "conformance/onward_referrals.rs"]
mod onward_referrals;
#[path = "conformance/people.rs"]
mod people;
#[path = "conformance/person_details.rs"]
mod person_details;
#[path = "conformance/plans.rs"]
mod plans;
#[path = "conformance/pool.rs"]
mod pool;
#[path = "conformance/referrals.rs"]
mod referrals;
#[path = "conformance/schema.rs"]
mod schema;
#[path = "conformance/sessions.rs"]
mod sessions;
#[path = "conformance/sites.rs"]
mod sites;
#[path = "conformance/stats.rs"]
mod stats;
#[path = "conformance/throttle.rs"]
mod throttle;
#[path = "conformance/timeline.rs"]
mod timeline;
#[path = "conformance/tokens.rs"]
mod tokens;
#[path = "conformance/users.rs"]
mod users;
// Services directory staff search and curation (issue 5).
#[path = "conformance/directory_search.rs"]
mod directory_search;
// The Open Referral UK directory feed (issue 5).
#[path = "conformance/directory.rs"]
mod directory;

#[track_caller]
fn assert_forbidden<T: Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::Forbidden) => {}
        other => panic!("expected Forbidden, got {other:?}"),
    }
}

#[track_caller]
fn assert_not_found<T: Debug>(r: Result<T, StoreError>) {
    match r {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

/// The result is a field error on `field`.
#[track_caller]
fn assert_invalid<T: Debug>(r: Result<T, StoreError>, field: &str) {
    match r {
        Err(StoreError::Invalid(errors)) if errors.iter().any(|e| e.field == field) => {
            assert!(
                errors.iter().all(|e| !e.message.is_empty()),
                "field errors need a message: {errors:?}"
            );
        }
        other => panic!("expected a field error on {field:?}, got {other:?}"),
    }
}

/// The test databases themselves: each is new, and removed afterwards even
/// when the test using it panics.
mod test_db {
    use reconnect_store::testing::{postgres_url, TestDb, TestEngine};

    #[tokio::test]
    async fn sqlite_folders_are_removed() {
        let db = TestDb::sqlite().await;
        let folder = db.sqlite_folder().unwrap().to_path_buf();
        assert!(folder.join("reconnect.db").exists());
        drop(db);
        assert!(!folder.exists());

        let (tx, rx) = tokio::sync::oneshot::channel();
        let panicked = tokio::spawn(async move {
            let db = TestDb::sqlite().await;
            tx.send(db.sqlite_folder().unwrap().to_path_buf()).unwrap();
            panic!("a failing test");
        })
        .await;
        assert!(panicked.unwrap_err().is_panic());
        assert!(!rx.await.unwrap().exists());
    }

    #[tokio::test]
    async fn postgres_databases_are_dropped() {
        let Some(url) = postgres_url() else {
            println!("skipped: RECONNECT_TEST_POSTGRES_URL not set");
            return;
        };
        let exists = |name: String| {
            let url = url.clone();
            async move {
                sqlx::any::install_default_drivers();
                let pool = sqlx::AnyPool::connect(&url).await.unwrap();
                let n: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
                        .bind(name)
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                pool.close().await;
                n == 1
            }
        };
        let db = TestDb::postgres(&url).await;
        let name = db.postgres_database().unwrap().to_string();
        assert!(exists(name.clone()).await);
        // Dropped even with connections open.
        db.store.ping().await.unwrap();
        drop(db);
        assert!(!exists(name).await);

        let (tx, rx) = tokio::sync::oneshot::channel();
        let url2 = url.clone();
        let panicked = tokio::spawn(async move {
            let db = TestDb::postgres(&url2).await;
            tx.send(db.postgres_database().unwrap().to_string())
                .unwrap();
            panic!("a failing test");
        })
        .await;
        assert!(panicked.unwrap_err().is_panic());
        assert!(!exists(rx.await.unwrap()).await);
    }

    #[test]
    fn engines_always_include_sqlite() {
        let engines = TestDb::engines();
        assert_eq!(engines[0], TestEngine::Sqlite);
        assert_eq!(engines.len(), 1 + usize::from(postgres_url().is_some()));
    }
}
