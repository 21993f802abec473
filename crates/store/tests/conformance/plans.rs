//! Query plans of the hot queries: each reads its big tables through an
//! index, on both engines, so that a dropped index or a rewritten query that
//! can no longer use one is caught here without timing anything. The
//! statements are the store's own (with literal values in place of the
//! parameters). SQLite's plan comes from EXPLAIN QUERY PLAN; PostgreSQL's
//! from EXPLAIN with sequential scans priced out (`enable_seqscan = off`),
//! since on a nearly empty test database a sequential scan is always the
//! cheapest and the question is only whether an index could be used.

use reconnect_store::testing::TestDb;
use reconnect_store::Engine;
use sqlx::Row;

on_both_engines!(
    caseload_reads_allocations_by_worker_and_by_mentor,
    person_history_reads_by_episode,
    search_reads_one_sites_people,
    needs_attention_reads_by_site_and_episode,
    national_aggregate_counts_through_indexes,
    proximity_search_reads_a_bounding_box,
    corrections_are_found_through_an_index_when_almost_none_exist
);

/// The plan of `sql` as text, one line per step.
async fn plan(db: &TestDb, sql: &str) -> String {
    let mut conn = db.pool().acquire().await.unwrap();
    let lines: Vec<String> = match db.engine() {
        Engine::Sqlite => sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(3))
            .collect(),
        Engine::Postgres => {
            sqlx::query("SET enable_seqscan = off")
                .execute(&mut *conn)
                .await
                .unwrap();
            let rows = sqlx::query(&format!("EXPLAIN {sql}"))
                .fetch_all(&mut *conn)
                .await
                .unwrap();
            sqlx::query("RESET enable_seqscan")
                .execute(&mut *conn)
                .await
                .unwrap();
            rows.iter().map(|r| r.get::<String, _>(0)).collect()
        }
    };
    lines.join("\n")
}

/// Asserts the plan reads through `index` and never scans `table` whole.
fn uses_index(db: &TestDb, plan: &str, index: &str, table: &str, alias: &str) {
    assert!(
        plan.contains(index),
        "{:?}: expected index {index} in the plan:\n{plan}",
        db.engine()
    );
    let full_scan = match db.engine() {
        Engine::Sqlite => plan
            .lines()
            .any(|l| l.trim() == format!("SCAN {alias}") || l.trim() == format!("SCAN {table}")),
        Engine::Postgres => plan.contains(&format!("Seq Scan on {table}")),
    };
    assert!(
        !full_scan,
        "{:?}: {table} is read whole:\n{plan}",
        db.engine()
    );
}

const ID: &str = "'00000000-0000-7000-8000-000000000000'";

async fn caseload_reads_allocations_by_worker_and_by_mentor(db: &TestDb) {
    // Store::my_caseload.
    let sql = format!(
        "SELECT e.id, p.given_name, w.display_name, m.display_name FROM allocation a \
         JOIN episode e ON e.id = a.episode_id JOIN person p ON p.id = e.person_id \
         JOIN app_user w ON w.id = a.worker_id LEFT JOIN app_user m ON m.id = a.mentor_id \
         WHERE a.ended_at IS NULL AND (a.worker_id = {ID} OR a.mentor_id = {ID}) \
         AND p.site_id IN ({ID})"
    );
    let plan = plan(db, &sql).await;
    match db.engine() {
        // Both halves of the OR through their own index.
        Engine::Sqlite => {
            uses_index(db, &plan, "allocation_worker", "allocation", "a");
            uses_index(db, &plan, "allocation_mentor", "allocation", "a");
        }
        // On empty tables PostgreSQL picks any index on allocation (with
        // statistics it takes the two above); a sequential scan is the fault.
        Engine::Postgres => uses_index(db, &plan, "on allocation a", "allocation", "a"),
    }
    uses_index(db, &plan, "episode", "episode", "e");
}

async fn person_history_reads_by_episode(db: &TestDb) {
    // Store::episodes_of, episode_history and episode_activity.
    let episodes = plan(
        db,
        &format!("SELECT id, state FROM episode WHERE person_id = {ID} ORDER BY created_at"),
    )
    .await;
    uses_index(db, &episodes, "episode_person", "episode", "episode");
    let events = plan(
        db,
        &format!(
            "SELECT ev.at, u.display_name, ev.summary FROM episode_event ev \
             JOIN app_user u ON u.id = ev.by_user WHERE ev.episode_id = {ID} ORDER BY ev.seq"
        ),
    )
    .await;
    uses_index(db, &events, "episode_event_episode", "episode_event", "ev");
    let contacts = plan(
        db,
        &format!(
            "SELECT id, at, summary FROM contact c WHERE c.episode_id = {ID} ORDER BY c.at DESC"
        ),
    )
    .await;
    uses_index(db, &contacts, "contact_episode", "contact", "c");
    let appointments = plan(
        db,
        &format!(
            "SELECT id, starts_at FROM appointment a WHERE a.episode_id = {ID} ORDER BY a.starts_at"
        ),
    )
    .await;
    uses_index(db, &appointments, "appointment_episode", "appointment", "a");
}

async fn search_reads_one_sites_people(db: &TestDb) {
    // Store::list_people with a search term (a name or an NHS number).
    let sql = format!(
        "SELECT p.id, p.family_name FROM person p JOIN prison pr ON pr.id = p.prison_id \
         WHERE p.site_id IN ({ID}) AND (LOWER(p.given_name || ' ' || p.family_name) LIKE \
         LOWER('%smith%') ESCAPE '\\' OR p.prison_number = '9990001234' \
         OR p.nhs_number = '9990001234') ORDER BY p.family_name, p.given_name, p.id LIMIT 50"
    );
    let plan = plan(db, &sql).await;
    uses_index(db, &plan, "person_site", "person", "p");
    let by_number = plan_of_nhs_lookup(db).await;
    uses_index(db, &by_number, "person_nhs_site", "person", "n");
}

/// Store::list_people with a term shaped like an NHS or prison number.
async fn plan_of_nhs_lookup(db: &TestDb) -> String {
    let sql = format!(
        "SELECT p.id, p.family_name FROM person p JOIN prison pr ON pr.id = p.prison_id \
         WHERE p.id IN (SELECT n.id FROM person n WHERE n.nhs_number = '9990001234' \
         AND n.site_id IN ({ID})) ORDER BY p.family_name, p.given_name, p.id LIMIT 50"
    );
    plan(db, &sql).await
}

async fn needs_attention_reads_by_site_and_episode(db: &TestDb) {
    // Store::needs_attention: a site's assessed episodes, each with its
    // signals and its step-up in force as correlated subqueries, in one
    // statement (engagement_signals::SIGNAL_COLUMNS).
    let sql = format!(
        "SELECT e.id, p.family_name, e.state, \
         (SELECT COUNT(*) FROM appointment a WHERE a.episode_id = e.id \
          AND a.state = 'did_not_attend' AND (a.dna_reason IS NULL OR a.dna_reason <> 'acceptable') \
          AND a.starts_at >= 0 AND a.starts_at <= 1), \
         (SELECT c.at FROM contact c WHERE c.episode_id = e.id AND c.two_way = 'yes' AND c.at <= 1 \
          AND NOT EXISTS (SELECT 1 FROM contact n WHERE n.supersedes = c.id) \
          ORDER BY c.at DESC LIMIT 1), \
         (SELECT COUNT(*) FROM plan_action pa JOIN plan_action_event ev ON ev.action_id = pa.id \
          WHERE pa.episode_id = e.id AND ev.status = 'dropped' AND ev.at >= 0 AND ev.at <= 1), \
         (SELECT COUNT(*) FROM plan_action pa WHERE pa.episode_id = e.id AND pa.status = 'open' \
          AND pa.due_on < '2026-01-01'), \
         (SELECT COUNT(*) FROM concern cn WHERE cn.episode_id = e.id \
          AND COALESCE(cn.clears, '') = '' AND cn.created_at <= 1 \
          AND NOT EXISTS (SELECT 1 FROM concern x WHERE x.clears = cn.id)), \
         (SELECT s.state FROM step_up s WHERE s.episode_id = e.id AND s.state <> 'stepped_down' \
          ORDER BY s.opened_at DESC LIMIT 1) \
         FROM episode e JOIN person p ON p.id = e.person_id \
         WHERE p.site_id = {ID} AND e.state IN ('accepted', 'community_support')"
    );
    let plan = plan(db, &sql).await;
    uses_index(db, &plan, "person_site", "person", "p");
    match db.engine() {
        Engine::Sqlite => {
            uses_index(db, &plan, "episode_person", "episode", "e");
            uses_index(db, &plan, "contact_episode", "contact", "c");
            uses_index(db, &plan, "appointment_episode_state", "appointment", "a");
            uses_index(db, &plan, "plan_action_episode", "plan_action", "pa");
            uses_index(db, &plan, "step_up_one_in_force", "step_up", "s");
            // The open concerns of each episode through its own index, never
            // every open concern through the index on `clears` (SQLite's
            // choice for `clears IS NULL` when it has no statistics).
            uses_index(db, &plan, "concern_episode", "concern", "cn");
            assert!(
                !plan
                    .lines()
                    .any(|l| l.contains("SEARCH cn") && l.contains("clears")),
                "open concerns are read through the index on clears:\n{plan}"
            );
        }
        // On empty tables PostgreSQL may pick other indexes on the same
        // tables; reading any of them whole is the fault.
        Engine::Postgres => assert!(!plan.contains("Seq Scan"), "{plan}"),
    }
}

async fn national_aggregate_counts_through_indexes(db: &TestDb) {
    // Store::site_figures: every site, with counts read through indexes.
    let sql = "SELECT s.id, s.name, s.region, \
               (SELECT COUNT(*) FROM prison p WHERE p.site_id = s.id), \
               (SELECT COUNT(*) FROM user_site us JOIN app_user u ON u.id = us.user_id \
                  WHERE us.site_id = s.id AND u.disabled_at IS NULL), \
               (SELECT COUNT(*) FROM person pe WHERE pe.site_id = s.id) \
               FROM site s ORDER BY s.name";
    let plan = plan(db, sql).await;
    uses_index(db, &plan, "person_site", "person", "pe");
    uses_index(db, &plan, "prison_site", "prison", "p");
    uses_index(db, &plan, "user_site_site", "user_site", "us");
}

async fn proximity_search_reads_a_bounding_box(db: &TestDb) {
    // Services near a point: the box around it first, distances after.
    let sql = "SELECT l.id, l.latitude, l.longitude FROM dir_location l \
               WHERE l.latitude BETWEEN 53.7 AND 53.9 AND l.longitude BETWEEN -1.7 AND -1.4";
    let plan = plan(db, sql).await;
    uses_index(db, &plan, "dir_location_lat_lon", "dir_location", "l");
}

/// The SQLite plan of `sql` as SQLite would choose it on a big table where
/// (as in life) almost no row is a correction, so every `column` is NULL:
/// ANALYZE counts the NULLs as one value, and the column's UNIQUE index then
/// looks as if each lookup returned the whole table. The statistics are
/// written by hand (the test database is too small to produce them) and
/// loaded on the connection that plans.
async fn sqlite_plan_when_corrections_are_rare(
    db: &TestDb,
    table: &str,
    column: &str,
    sql: &str,
) -> String {
    let mut conn = db.pool().acquire().await.unwrap();
    sqlx::query("ANALYZE").execute(&mut *conn).await.unwrap();
    let indexes: Vec<(String, String, i64)> = sqlx::query_as(&format!(
        "SELECT il.name, ii.name, il.\"unique\" FROM pragma_index_list('{table}') il, \
         pragma_index_info(il.name) ii WHERE ii.seqno = 0 AND il.partial = 0"
    ))
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    sqlx::query("DELETE FROM sqlite_stat1 WHERE tbl = $1")
        .bind(table)
        .execute(&mut *conn)
        .await
        .unwrap();
    for (index, first, unique) in indexes {
        let stat = match (first == column, unique) {
            (true, _) => "400000 400000",
            (false, 1) => "400000 1",
            (false, _) => "400000 8 1",
        };
        sqlx::query("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ($1, $2, $3)")
            .bind(table)
            .bind(&index)
            .bind(stat)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    sqlx::query("ANALYZE sqlite_schema")
        .execute(&mut *conn)
        .await
        .unwrap();
    let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    let lines: Vec<String> = rows.iter().map(|r| r.get::<String, _>(3)).collect();
    lines.join("\n")
}

async fn corrections_are_found_through_an_index_when_almost_none_exist(db: &TestDb) {
    // Store::contacts, case_notes and concerns: each row with what replaced it.
    let cases = [
        ("contact", "supersedes", "contact_superseded"),
        ("case_note", "supersedes", "case_note_superseded"),
        ("concern", "clears", "concern_cleared"),
    ];
    for (table, column, index) in cases {
        let sql = format!(
            "SELECT c.id, n.id FROM {table} c JOIN app_user u ON u.id = c.created_by \
             LEFT JOIN {table} n ON n.{column} = c.id WHERE c.episode_id = {ID}"
        );
        match db.engine() {
            Engine::Sqlite => {
                let plan = sqlite_plan_when_corrections_are_rare(db, table, column, &sql).await;
                uses_index(db, &plan, index, table, "n");
            }
            // PostgreSQL's statistics count NULLs apart, so either index serves.
            Engine::Postgres => {
                let plan = plan(db, &sql).await;
                assert!(!plan.contains("Seq Scan"), "{plan}");
            }
        }
    }
}
