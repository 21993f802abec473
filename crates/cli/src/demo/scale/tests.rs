//! The scale generator at `site` size on a throwaway database: the same seed
//! gives the same rows, another seed other rows, and the rows make sense to
//! the service (keys, journey states, allocations, the store's own reads).

use super::{seed, Scale};
use reconnect_domain::episode::EpisodeState;
use reconnect_domain::id::OnwardReferralId;
use reconnect_domain::onward_referral::State;
use reconnect_domain::UserId;
use reconnect_store::testing::TestDb;
use sqlx::Row;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use time::macros::date;

const TODAY: time::Date = date!(2026 - 06 - 15);

/// A digest of the key tables' contents, in a fixed order.
async fn digest(db: &TestDb) -> u64 {
    let queries = [
        "SELECT id || '|' || name || '|' || region FROM site ORDER BY id",
        "SELECT id || '|' || email || '|' || role FROM app_user ORDER BY id",
        "SELECT id || '|' || given_name || '|' || family_name || '|' || date_of_birth || '|' || \
         COALESCE(nhs_number, '-') || '|' || prison_number FROM person ORDER BY id",
        "SELECT id || '|' || person_id || '|' || state || '|' || expected_release || '|' || \
         CAST(created_at AS TEXT) FROM episode ORDER BY id",
        "SELECT episode_id || '|' || CAST(at AS TEXT) || '|' || summary FROM episode_event \
         ORDER BY episode_id, at",
        "SELECT id || '|' || episode_id || '|' || worker_id FROM allocation ORDER BY id",
        "SELECT id || '|' || CAST(at AS TEXT) || '|' || two_way FROM contact ORDER BY id",
        "SELECT id || '|' || state || '|' || CAST(starts_at AS TEXT) FROM appointment ORDER BY id",
        "SELECT id || '|' || name FROM dir_service ORDER BY id",
        "SELECT postcode FROM postcode ORDER BY postcode",
        "SELECT id || '|' || episode_id || '|' || service_id || '|' || state || '|' || \
         CAST(version AS TEXT) || '|' || COALESCE(snapshot, '-') FROM onward_referral ORDER BY id",
        "SELECT referral_id || '|' || CAST(at AS TEXT) || '|' || action FROM \
         onward_referral_event ORDER BY referral_id, seq",
    ];
    let mut h = DefaultHasher::new();
    for q in queries {
        let rows: Vec<String> = sqlx::query_scalar(q).fetch_all(db.pool()).await.unwrap();
        assert!(!rows.is_empty(), "no rows for {q}");
        rows.hash(&mut h);
    }
    h.finish()
}

async fn loaded(seed_value: u64) -> Vec<TestDb> {
    let mut out = Vec::new();
    for engine in TestDb::engines() {
        let db = engine.open().await;
        seed(&db.store, Scale::Site, seed_value, TODAY, "not-a-real-hash")
            .await
            .unwrap();
        out.push(db);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_rows_and_another_seed_other_rows() {
    let first = loaded(7).await;
    let again = loaded(7).await;
    let other = loaded(8).await;
    for ((a, b), c) in first.iter().zip(&again).zip(&other) {
        let da = digest(a).await;
        assert_eq!(da, digest(b).await, "{:?}", a.engine());
        assert_ne!(da, digest(c).await, "{:?}", a.engine());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rows_are_valid_for_the_service() {
    for db in loaded(3).await {
        let pool = db.pool();
        let count = |sql: &'static str| async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(pool)
                .await
                .unwrap()
        };
        assert_eq!(count("SELECT COUNT(*) FROM person").await, 400);
        // Every state of the journey is there (a year is long enough).
        let states: Vec<String> = sqlx::query_scalar("SELECT DISTINCT state FROM episode")
            .fetch_all(pool)
            .await
            .unwrap();
        for s in [
            EpisodeState::Referred,
            EpisodeState::Declined,
            EpisodeState::EngagedBeforeRelease,
            EpisodeState::CommunitySupport,
            EpisodeState::Closed,
            EpisodeState::Withdrawn,
        ] {
            assert!(states.iter().any(|x| x == s.as_str()), "no {s:?}");
        }
        // The state kept on the episode is where its history ends.
        assert_eq!(
            count(
                "SELECT COUNT(*) FROM episode e WHERE e.state <> (SELECT ev.to_state FROM \
                 episode_event ev WHERE ev.episode_id = e.id ORDER BY ev.seq DESC LIMIT 1)"
            )
            .await,
            0
        );
        // Open accepted episodes have one current allocation; ended ones none.
        assert_eq!(
            count(
                "SELECT COUNT(*) FROM episode e WHERE e.state NOT IN ('referred', 'declined', \
                 'closed', 'withdrawn') AND (SELECT COUNT(*) FROM allocation a WHERE \
                 a.episode_id = e.id AND a.ended_at IS NULL) <> 1"
            )
            .await,
            0
        );
        assert_eq!(
            count(
                "SELECT COUNT(*) FROM allocation a JOIN episode e ON e.id = a.episode_id \
                 WHERE a.ended_at IS NULL AND e.state IN ('closed', 'withdrawn')"
            )
            .await,
            0
        );
        if db.engine() == reconnect_store::Engine::Sqlite {
            let broken = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(pool)
                .await
                .unwrap();
            assert!(broken.is_empty(), "{} broken keys", broken.len());
        }
        // The service's own reads work on the rows, for the first worker.
        let row = sqlx::query("SELECT id FROM app_user WHERE email = $1")
            .bind("worker1.site001@scale.reconnect.test")
            .fetch_one(pool)
            .await
            .unwrap();
        let user: UserId = row.get::<String, _>(0).parse().unwrap();
        let worker = db.caller(user).await;
        let caseload = db.store.my_caseload(&worker).await.unwrap();
        assert!(!caseload.is_empty());
        let person = caseload[0].person_id;
        let timeline = db.store.person_timeline(&worker, person).await.unwrap();
        assert!(!timeline.is_empty());
        db.store.needs_attention(&worker, db.now()).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_onward_referrals_read_back_through_the_store() {
    for db in loaded(5).await {
        let pool = db.pool();
        let episodes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM episode")
            .fetch_one(pool)
            .await
            .unwrap();
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM onward_referral ORDER BY id")
            .fetch_all(pool)
            .await
            .unwrap();
        // About two for each episode that reached the community.
        let made = i64::try_from(ids.len()).unwrap();
        assert!(
            made > episodes && made < 3 * episodes,
            "{made} for {episodes}"
        );
        let row = sqlx::query("SELECT id FROM app_user WHERE email = $1")
            .bind("worker1.site001@scale.reconnect.test")
            .fetch_one(pool)
            .await
            .unwrap();
        let user: UserId = row.get::<String, _>(0).parse().unwrap();
        let worker = db.caller(user).await;
        let mut states = std::collections::HashSet::new();
        let mut per_episode = std::collections::HashMap::new();
        for id in &ids {
            let id: OnwardReferralId = id.parse().unwrap();
            let r = db.store.onward_referral(&worker, id).await.unwrap();
            states.insert(r.state);
            *per_episode.entry(r.episode_id).or_insert(0usize) += 1;
            // The history starts with the draft and ends where the row is.
            assert_eq!(r.events.first().map(|e| e.action.as_str()), Some("create"));
            assert_eq!(r.events.last().map(|e| e.to), Some(r.state), "{id}");
            assert_eq!(r.version, i64::try_from(r.events.len()).unwrap());
            assert!(r.events.windows(2).all(|w| w[0].at < w[1].at), "{id}");
            assert!(r.events.windows(2).all(|w| w[0].to == w[1].from.unwrap()));
            // What was shared is there once it was sent, and only then.
            assert_eq!(r.snapshot.is_some(), r.sent_at.is_some(), "{id}");
            if let Some(snap) = &r.snapshot {
                assert!(snap.parts().iter().all(|p| r.parts.contains(p)), "{id}");
                assert!(!snap.name.is_empty());
            }
            assert!(r.sent_at.is_none_or(|s| s > r.created_at));
            assert!(r
                .answered_at
                .is_none_or(|a| r.sent_at.is_some_and(|s| a > s)));
            assert!(r
                .appointment_at
                .is_none_or(|a| r.sent_at.is_some_and(|s| a > s)));
            assert_eq!(
                r.decline_reason.is_some(),
                r.events.iter().any(|e| e.action == "decline")
            );
            assert_eq!(r.outcome.is_some(), r.state == State::Closed, "{id}");
            assert_eq!(r.closed_at.is_some(), r.state.is_final(), "{id}");
            assert!(r
                .closed_at
                .is_none_or(|c| c <= TODAY.midnight().assume_utc()));
        }
        for s in [
            State::Draft,
            State::Sent,
            State::Booked,
            State::Attended,
            State::Closed,
            State::Withdrawn,
        ] {
            assert!(states.contains(&s), "no {s:?} among {states:?}");
        }
        // An episode's list and the site's open list read them too.
        for (episode, n) in per_episode.iter().take(50) {
            let list = db.store.onward_referrals(&worker, *episode).await.unwrap();
            assert_eq!(list.len(), *n);
        }
        let open = db.store.site_onward_referrals(&worker).await.unwrap();
        assert!(!open.is_empty());
        assert!(open.iter().all(|o| !o.referral.state.is_final()));
    }
}
