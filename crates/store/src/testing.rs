//! Throwaway databases and fixtures for tests: this crate's conformance suite
//! and the web crate's tests. Compiled only for tests or with the
//! `test-support` feature, never into the service.
//!
//! Each [`TestDb`] is a fresh, migrated database of its own: a SQLite file in
//! a unique temporary folder, or a uniquely named PostgreSQL database created
//! through an administrator URL. Either is removed when the `TestDb` is
//! dropped, including when the test panics. Time is a [`FixedClock`] the test
//! moves by hand.

// Test support only: a fixture that cannot do its job should stop the test
// at once with a clear message, so unwrap/expect/panic are allowed here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::audit::{Actor, AuditRecord};
use crate::users::NewUser;
use crate::{Engine, Store};
use reconnect_domain::person::NewPerson;
use reconnect_domain::{
    Caller, EmailAddress, FixedClock, NhsNumber, PersonId, PrisonId, PrisonNumber, RequestMeta,
    Role, SiteId, UserId,
};
use sqlx::{AnyPool, Connection};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use time::{Date, Duration, OffsetDateTime};

/// The environment variable naming a PostgreSQL administrator URL (for
/// example `postgres://postgres@127.0.0.1:5432/postgres`). When it is set,
/// tests also run against PostgreSQL; each test creates and drops its own
/// database through it.
pub const POSTGRES_URL_ENV: &str = "RECONNECT_TEST_POSTGRES_URL";

/// Test databases on PostgreSQL are named with this prefix and a random suffix.
pub const POSTGRES_DB_PREFIX: &str = "reconnect_test_";

/// Where every test clock starts: a Monday morning.
pub fn test_epoch() -> OffsetDateTime {
    time::macros::datetime!(2026-03-02 09:00 UTC)
}

/// The PostgreSQL administrator URL from [`POSTGRES_URL_ENV`], if set and not blank.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_URL_ENV)
        .ok()
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty())
}

/// An engine to run a test against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestEngine {
    Sqlite,
    /// PostgreSQL, reached through this administrator URL.
    Postgres {
        admin_url: String,
    },
}

impl TestEngine {
    pub fn name(&self) -> &'static str {
        match self {
            TestEngine::Sqlite => "sqlite",
            TestEngine::Postgres { .. } => "postgres",
        }
    }

    /// A fresh, migrated database on this engine.
    pub async fn open(&self) -> TestDb {
        match self {
            TestEngine::Sqlite => TestDb::sqlite().await,
            TestEngine::Postgres { admin_url } => TestDb::postgres(admin_url).await,
        }
    }
}

/// What to remove when the test is over.
#[derive(Debug)]
enum Cleanup {
    Folder(PathBuf),
    Database { admin_url: String, name: String },
}

/// A site made by [`TestDb::site`], with its prisons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestSite {
    pub id: SiteId,
    pub name: String,
    /// The prisons in the order they were given.
    pub prisons: Vec<PrisonId>,
}

/// A fresh database of its own, with a clock the test controls.
pub struct TestDb {
    pub store: Store,
    pub clock: Arc<FixedClock>,
    cleanup: Cleanup,
    /// Makes fixture names, emails and numbers unique within the database.
    counter: AtomicU64,
}

impl std::fmt::Debug for TestDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDb")
            .field("engine", &self.store.engine())
            .field("cleanup", &self.cleanup)
            .finish()
    }
}

impl TestDb {
    /// The engines to run a conformance test against: SQLite always,
    /// PostgreSQL when [`POSTGRES_URL_ENV`] is set.
    pub fn engines() -> Vec<TestEngine> {
        let mut engines = vec![TestEngine::Sqlite];
        if let Some(admin_url) = postgres_url() {
            engines.push(TestEngine::Postgres { admin_url });
        }
        engines
    }

    /// A migrated SQLite database in a new temporary folder, which is removed on drop.
    pub async fn sqlite() -> TestDb {
        let dir =
            std::env::temp_dir().join(format!("reconnect-test-{}", uuid::Uuid::new_v4().simple()));
        let url = format!("sqlite://{}/reconnect.db", dir.display());
        let clock = Arc::new(FixedClock::new(test_epoch()));
        // From here on the folder is removed even if connecting or migrating fails.
        let cleanup = Cleanup::Folder(dir);
        let store = match Store::connect(&url, clock.clone()).await {
            Ok(store) => store,
            Err(e) => {
                let _ = cleanup_now(&cleanup);
                panic!("test SQLite database at {url}: {e}");
            }
        };
        Self::ready(store, clock, cleanup).await
    }

    /// A migrated PostgreSQL database named `reconnect_test_<random>`, created
    /// through `admin_url` (any database on the server the role may connect
    /// to) and dropped with `WITH (FORCE)` on drop.
    pub async fn postgres(admin_url: &str) -> TestDb {
        sqlx::any::install_default_drivers();
        let name = format!("{POSTGRES_DB_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let mut url = url::Url::parse(admin_url)
            .unwrap_or_else(|e| panic!("{POSTGRES_URL_ENV} is not a URL: {e}"));
        {
            let mut admin = sqlx::AnyConnection::connect(admin_url)
                .await
                .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_URL_ENV}: {e}"));
            sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                .execute(&mut admin)
                .await
                .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
            let _ = admin.close().await;
        }
        let cleanup = Cleanup::Database {
            admin_url: admin_url.to_string(),
            name: name.clone(),
        };
        url.set_path(&format!("/{name}"));
        let clock = Arc::new(FixedClock::new(test_epoch()));
        let store = match Store::connect(url.as_str(), clock.clone()).await {
            Ok(store) => store,
            Err(e) => {
                let _ = cleanup_now(&cleanup);
                panic!("test PostgreSQL database {name}: {e}");
            }
        };
        Self::ready(store, clock, cleanup).await
    }

    async fn ready(store: Store, clock: Arc<FixedClock>, cleanup: Cleanup) -> TestDb {
        // Built before migrating, so that a failed migration still cleans up.
        let db = TestDb {
            store,
            clock,
            cleanup,
            counter: AtomicU64::new(0),
        };
        db.store
            .migrate()
            .await
            .unwrap_or_else(|e| panic!("migrating the test database: {e}"));
        db
    }

    pub fn engine(&self) -> Engine {
        self.store.engine()
    }

    /// The store's pool, for raw SQL in tests (checking what is stored, or
    /// trying what the store would never do).
    pub fn pool(&self) -> &AnyPool {
        &self.store.pool
    }

    /// The temporary folder holding a SQLite test database.
    pub fn sqlite_folder(&self) -> Option<&std::path::Path> {
        match &self.cleanup {
            Cleanup::Folder(dir) => Some(dir),
            Cleanup::Database { .. } => None,
        }
    }

    /// The name of a PostgreSQL test database.
    pub fn postgres_database(&self) -> Option<&str> {
        match &self.cleanup {
            Cleanup::Database { name, .. } => Some(name),
            Cleanup::Folder(_) => None,
        }
    }

    /// Moves the store's clock forward.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// The store's current time.
    pub fn now(&self) -> OffsetDateTime {
        self.store.now()
    }

    /// A number unique within this database, for names and emails.
    pub fn next_n(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Creates a site (as an operator command) with the named prisons.
    pub async fn site(&self, name: &str, prisons: &[&str]) -> TestSite {
        let actor = Actor::System("test");
        let id = self
            .store
            .create_site(&actor, name, reconnect_domain::Region::London)
            .await
            .unwrap_or_else(|e| panic!("create site {name}: {e}"));
        let mut prison_ids = Vec::with_capacity(prisons.len());
        for prison in prisons {
            prison_ids.push(
                self.store
                    .add_prison(&actor, id, prison)
                    .await
                    .unwrap_or_else(|e| panic!("add prison {prison}: {e}")),
            );
        }
        TestSite {
            id,
            name: name.to_string(),
            prisons: prison_ids,
        }
    }

    /// Creates an account (as an operator command) with a unique email and a
    /// dummy password hash.
    pub async fn user(&self, role: Role, sites: &[SiteId]) -> UserId {
        let n = self.next_n();
        self.user_with_email(
            &format!("{}.{n}@test.example.org", role.as_str()),
            role,
            sites,
        )
        .await
    }

    /// Creates an account with the given email (as an operator command).
    pub async fn user_with_email(&self, email: &str, role: Role, sites: &[SiteId]) -> UserId {
        let new = new_user(email, role, sites);
        self.store
            .create_user(&Actor::System("test"), new)
            .await
            .unwrap_or_else(|e| panic!("create user {email}: {e}"))
    }

    /// The caller for an active account, with its role and sites as stored
    /// and request metadata for the audit trail.
    pub async fn caller(&self, user: UserId) -> Caller {
        let (_, scope) = self
            .store
            .active_user(user)
            .await
            .unwrap_or_else(|e| panic!("load user {user}: {e}"))
            .unwrap_or_else(|| panic!("user {user} is not active"));
        Caller {
            scope,
            meta: meta(&format!("req-{}", self.next_n())),
        }
    }

    /// A new account and its caller, in one go.
    pub async fn staff(&self, role: Role, sites: &[SiteId]) -> Caller {
        let user = self.user(role, sites).await;
        self.caller(user).await
    }

    /// A valid new person in `prison`, with a unique prison number and no NHS number.
    pub fn new_person(&self, prison: PrisonId, given: &str, family: &str) -> NewPerson {
        let n = self.next_n();
        new_person(prison, given, family, &prison_number(n))
    }

    /// Adds a person through the store as `caller`.
    pub async fn person(
        &self,
        caller: &Caller,
        prison: PrisonId,
        given: &str,
        family: &str,
    ) -> PersonId {
        let new = self.new_person(prison, given, family);
        self.store
            .create_person(caller, &new)
            .await
            .unwrap_or_else(|e| panic!("create person {given} {family}: {e}"))
    }

    /// Every audit event, oldest first, read directly (no scope).
    pub async fn audit_events(&self) -> Vec<AuditRecord> {
        // The raw label, not the joined display name: what was written.
        let rows: Vec<crate::audit::AuditRow> = sqlx::query_as(
            "SELECT seq, at, actor_user_id, actor_label AS actor_name, actor_role, action, \
             record_type, record_id, site_id, person_id, ip, request_id, detail \
             FROM audit_event ORDER BY seq",
        )
        .fetch_all(self.pool())
        .await
        .unwrap_or_else(|e| panic!("read audit_event: {e}"));
        rows.into_iter()
            .map(|r| r.into_record().unwrap_or_else(|e| panic!("audit row: {e}")))
            .collect()
    }

    /// The audit events with this action, oldest first.
    pub async fn audit_events_for(&self, action: &str) -> Vec<AuditRecord> {
        self.audit_events()
            .await
            .into_iter()
            .filter(|e| e.action == action)
            .collect()
    }

    /// How many rows a table has, read directly.
    pub async fn count_rows(&self, table: &str) -> i64 {
        assert!(
            !table.is_empty() && table.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "not a table name: {table:?}"
        );
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(self.pool())
            .await
            .unwrap_or_else(|e| panic!("count {table}: {e}"))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Err(e) = cleanup_now(&self.cleanup) {
            // Never panic here: this may run while a failed test unwinds.
            eprintln!("warning: test database not removed: {e}");
        }
    }
}

/// Removes the folder or drops the database. The database is dropped from a
/// new thread with its own runtime, because this runs in `Drop`, possibly
/// inside (and possibly while unwinding out of) the test's own runtime.
fn cleanup_now(cleanup: &Cleanup) -> Result<(), String> {
    match cleanup {
        Cleanup::Folder(dir) => match std::fs::remove_dir_all(dir) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(format!("{}: {e}", dir.display())),
        },
        Cleanup::Database { admin_url, name } => {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            std::thread::spawn(move || -> Result<(), String> {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| format!("runtime for dropping {name}: {e}"))?;
                rt.block_on(async {
                    sqlx::any::install_default_drivers();
                    let mut admin = sqlx::AnyConnection::connect(&admin_url)
                        .await
                        .map_err(|e| format!("connect to drop {name}: {e}"))?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut admin)
                        .await
                        .map_err(|e| format!("drop {name}: {e}"))?;
                    let _ = admin.close().await;
                    Ok(())
                })
            })
            .join()
            .map_err(|_| "the thread dropping the test database panicked".to_string())?
        }
    }
}

/// Request metadata as the web layer would record it.
pub fn meta(request_id: &str) -> RequestMeta {
    RequestMeta {
        ip: Some("192.0.2.10".to_string()),
        request_id: Some(request_id.to_string()),
    }
}

/// A caller built without the database, for any role and sites (including
/// scopes the database would not give, such as a stale one).
pub fn caller_for(user: UserId, role: Role, sites: &[SiteId]) -> Caller {
    Caller {
        scope: reconnect_domain::Scope {
            user_id: user,
            role,
            sites: sites.to_vec(),
        },
        meta: meta("req-built"),
    }
}

/// A new account with a dummy password hash (the store never checks it).
pub fn new_user(email: &str, role: Role, sites: &[SiteId]) -> NewUser {
    NewUser {
        email: EmailAddress::parse(email).unwrap_or_else(|e| panic!("email {email}: {e}")),
        display_name: format!("Test {}", email.split('@').next().unwrap_or("user")),
        role,
        sites: sites.to_vec(),
        password_hash: DUMMY_HASH.to_string(),
    }
}

/// Stands in for an argon2 hash: the store stores it and hands it back.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$dGVzdHNhbHQ$dGVzdGhhc2g";

/// A valid new person.
pub fn new_person(prison: PrisonId, given: &str, family: &str, prison_number: &str) -> NewPerson {
    NewPerson {
        given_name: given.to_string(),
        family_name: family.to_string(),
        preferred_name: None,
        date_of_birth: Date::from_calendar_date(1990, time::Month::July, 3).expect("a real date"),
        nhs_number: None,
        prison_number: PrisonNumber::parse(prison_number)
            .unwrap_or_else(|e| panic!("prison number {prison_number}: {e}")),
        prison_id: prison,
    }
}

/// A valid prison number made from `n` (A0001AA, A0002AA, ...).
pub fn prison_number(n: u64) -> String {
    let letters = [
        b'A' + ((n / 10_000) % 26) as u8,
        b'A' + ((n / 260_000) % 26) as u8,
    ];
    format!(
        "A{:04}{}{}",
        n % 10_000,
        char::from(letters[0]),
        char::from(letters[1])
    )
}

/// The `n`th valid NHS number (from 0) in the 999 range set aside for
/// testing, so different `n` give different numbers.
pub fn nhs_number(n: u32) -> NhsNumber {
    let mut valid = 0;
    for stem in 0..1_000_000u32 {
        let mut first = [9u8; 9];
        let mut rest = stem;
        for slot in first[3..].iter_mut().rev() {
            *slot = (rest % 10) as u8;
            rest /= 10;
        }
        if let Some(nhs) = NhsNumber::from_first_nine(first) {
            if valid == n {
                return nhs;
            }
            valid += 1;
        }
    }
    panic!("no NHS number {n} in the test range")
}

/// Episodes of support, for tests of the journey.
impl TestDb {
    /// Starts an episode for `person` as `caller`: referred by probation,
    /// release expected four weeks from the clock's today.
    pub async fn episode(&self, caller: &Caller, person: PersonId) -> reconnect_domain::EpisodeId {
        let release =
            reconnect_domain::window::ReleaseDate::Known(self.now().date() + Duration::weeks(4));
        self.store
            .start_episode(
                caller,
                person,
                reconnect_domain::referral_source::ReferralSource::Probation,
                &release,
            )
            .await
            .unwrap_or_else(|e| panic!("start episode for {person}: {e}"))
    }

    /// Applies `action` to an episode as `caller`, at the version it has now.
    pub async fn act(
        &self,
        caller: &Caller,
        id: reconnect_domain::EpisodeId,
        action: &reconnect_domain::episode::Action,
    ) -> reconnect_domain::episode::Outcome {
        let version = self
            .store
            .episode(caller, id)
            .await
            .unwrap_or_else(|e| panic!("load episode {id}: {e}"))
            .version;
        self.store
            .act_on_episode(caller, id, version, action)
            .await
            .unwrap_or_else(|e| panic!("{} on episode {id}: {e}", action.kind()))
    }
}

// ---------------------------------------------------------------------------
// Services directory fixtures (issue 5, staff search): directory rows written
// with plain SQL, and the service taxonomy rows inserted when missing (the
// feed's migration may have seeded them already).
// ---------------------------------------------------------------------------

/// A directory service to insert with [`TestDb::dir_service`], built up by
/// its methods. Everything not given is left empty.
#[derive(Clone, Debug, Default)]
pub struct DirService {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub organisation: Option<String>,
    pub status: Option<String>,
    /// Term codes from `service_taxonomy`.
    pub terms: Vec<&'static str>,
    /// Locations: latitude, longitude, postcode.
    pub locations: Vec<(f64, f64, &'static str)>,
    /// Weekly hours: byday, opens_at, closes_at.
    pub hours: Vec<(&'static str, &'static str, &'static str)>,
    pub ages: (Option<i64>, Option<i64>),
    pub genders: Option<&'static str>,
    pub areas: Vec<&'static str>,
    pub how_to_refer: Option<&'static str>,
    pub phone: Option<&'static str>,
    pub verified_at: Option<OffsetDateTime>,
}

impl DirService {
    pub fn new(name: &str) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.into(),
            ..Self::default()
        }
    }
    pub fn described(mut self, d: &str) -> Self {
        self.description = Some(d.into());
        self
    }
    pub fn run_by(mut self, org: &str) -> Self {
        self.organisation = Some(org.into());
        self
    }
    pub fn status(mut self, s: &str) -> Self {
        self.status = Some(s.into());
        self
    }
    pub fn term(mut self, code: &'static str) -> Self {
        self.terms.push(code);
        self
    }
    pub fn at(mut self, latitude: f64, longitude: f64, postcode: &'static str) -> Self {
        self.locations.push((latitude, longitude, postcode));
        self
    }
    pub fn open(mut self, byday: &'static str, opens: &'static str, closes: &'static str) -> Self {
        self.hours.push((byday, opens, closes));
        self
    }
    pub fn ages(mut self, min: Option<i64>, max: Option<i64>) -> Self {
        self.ages = (min, max);
        self
    }
    pub fn for_genders(mut self, g: &'static str) -> Self {
        self.genders = Some(g);
        self
    }
    pub fn area(mut self, name: &'static str) -> Self {
        self.areas.push(name);
        self
    }
    pub fn refer_by(mut self, how: &'static str) -> Self {
        self.how_to_refer = Some(how);
        self
    }
    pub fn phone(mut self, number: &'static str) -> Self {
        self.phone = Some(number);
        self
    }
    pub fn verified(mut self, at: OffsetDateTime) -> Self {
        self.verified_at = Some(at);
        self
    }
}

impl TestDb {
    async fn dir_exec(&self, sql: &str, binds: Vec<Option<String>>) {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(b);
        }
        q.execute(self.pool())
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The service taxonomy and the term with this code, when missing.
    pub async fn dir_term(&self, code: &str) -> &'static str {
        use reconnect_domain::service_taxonomy as tax;
        let t = tax::by_code(code).unwrap_or_else(|| panic!("no term {code}"));
        let s = |v: &str| Some(v.to_string());
        self.dir_exec(
            "INSERT INTO dir_taxonomy (id, name, description, version) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO NOTHING",
            vec![
                s(tax::TAXONOMY_ID),
                s(tax::TAXONOMY_NAME),
                s(tax::TAXONOMY_DESCRIPTION),
                s(tax::TAXONOMY_VERSION),
            ],
        )
        .await;
        self.dir_exec(
            "INSERT INTO dir_taxonomy_term (id, code, name, description, taxonomy_id) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            vec![
                s(t.id),
                s(t.code),
                s(t.name),
                s(t.description),
                s(tax::TAXONOMY_ID),
            ],
        )
        .await;
        t.id
    }

    /// Gives a person a release address and gender, written directly.
    pub async fn release_address(
        &self,
        person: PersonId,
        postcode: &str,
        town: &str,
        gender: &str,
    ) {
        sqlx::query(
            "UPDATE person SET address_kind = 'address', address_line_1 = '1 Frederick Road', \
             address_town = $1, address_postcode = $2, gender = $3 WHERE id = $4",
        )
        .bind(town.to_string())
        .bind(postcode.to_string())
        .bind(gender.to_string())
        .bind(person.to_string())
        .execute(self.pool())
        .await
        .unwrap_or_else(|e| panic!("release address of {person}: {e}"));
    }

    /// A postcode and its coordinates in the postcode table.
    pub async fn postcode(&self, postcode: &str, latitude: f64, longitude: f64) {
        sqlx::query("INSERT INTO postcode (postcode, latitude, longitude) VALUES ($1, $2, $3)")
            .bind(postcode.replace(' ', "").to_uppercase())
            .bind(latitude)
            .bind(longitude)
            .execute(self.pool())
            .await
            .unwrap_or_else(|e| panic!("postcode {postcode}: {e}"));
    }

    /// Inserts a directory service with its organisation, locations,
    /// hours, areas and terms; gives back its id.
    pub async fn dir_service(&self, d: &DirService) -> String {
        let s = |v: &str| Some(v.to_string());
        let uid = || uuid::Uuid::new_v4().to_string();
        let org = match &d.organisation {
            Some(name) => {
                let id = uid();
                self.dir_exec(
                    "INSERT INTO dir_organization (id, name, description) VALUES ($1, $2, $3)",
                    vec![s(&id), s(name), s("")],
                )
                .await;
                Some(id)
            }
            None => None,
        };
        sqlx::query(
            "INSERT INTO dir_service (id, organization_id, name, description, status, minimum_age, \
             maximum_age, eligible_genders, how_to_refer, last_modified, verified_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(d.id.clone())
        .bind(org)
        .bind(d.name.clone())
        .bind(d.description.clone())
        .bind(d.status.clone().unwrap_or_else(|| "active".into()))
        .bind(d.ages.0)
        .bind(d.ages.1)
        .bind(d.genders.map(str::to_string))
        .bind(d.how_to_refer.map(str::to_string))
        .bind(reconnect_domain::clock::to_millis(self.now()))
        .bind(d.verified_at.map(reconnect_domain::clock::to_millis))
        .execute(self.pool())
        .await
        .unwrap_or_else(|e| panic!("dir_service {}: {e}", d.name));
        for code in &d.terms {
            let term = self.dir_term(code).await;
            self.dir_exec(
                "INSERT INTO dir_attribute (id, link_id, link_entity, taxonomy_term_id) \
                 VALUES ($1, $2, 'service', $3)",
                vec![s(&uid()), s(&d.id), s(term)],
            )
            .await;
        }
        for (lat, lon, postcode) in &d.locations {
            let loc = uid();
            sqlx::query(
                "INSERT INTO dir_location (id, location_type, name, latitude, longitude) \
                 VALUES ($1, 'physical', $2, $3, $4)",
            )
            .bind(loc.clone())
            .bind(format!("{} at {postcode}", d.name))
            .bind(*lat)
            .bind(*lon)
            .execute(self.pool())
            .await
            .unwrap_or_else(|e| panic!("dir_location: {e}"));
            self.dir_exec(
                "INSERT INTO dir_address (id, location_id, address_1, city, state_province, \
                 postal_code, postcode, country, address_type) \
                 VALUES ($1, $2, '1 High Street', 'Town', 'England', $3, $3, 'GB', 'physical')",
                vec![s(&uid()), s(&loc), s(postcode)],
            )
            .await;
            self.dir_exec(
                "INSERT INTO dir_service_at_location (id, service_id, location_id) VALUES ($1, $2, $3)",
                vec![s(&uid()), s(&d.id), s(&loc)],
            )
            .await;
        }
        for (byday, opens, closes) in &d.hours {
            self.dir_exec(
                "INSERT INTO dir_schedule (id, service_id, freq, byday, opens_at, closes_at) \
                 VALUES ($1, $2, 'WEEKLY', $3, $4, $5)",
                vec![s(&uid()), s(&d.id), s(byday), s(opens), s(closes)],
            )
            .await;
        }
        for area in &d.areas {
            self.dir_exec(
                "INSERT INTO dir_service_area (id, service_id, name) VALUES ($1, $2, $3)",
                vec![s(&uid()), s(&d.id), s(area)],
            )
            .await;
        }
        if let Some(number) = d.phone {
            self.dir_exec(
                "INSERT INTO dir_phone (id, service_id, number) VALUES ($1, $2, $3)",
                vec![s(&uid()), s(&d.id), s(number)],
            )
            .await;
        }
        d.id.clone()
    }
}

/// Directory rows for tests of onward referrals: an organisation and a
/// service linked to taxonomy terms, written with plain SQL. The taxonomy
/// and its terms are added only when missing, as a migration may seed them.
impl TestDb {
    /// Adds an active service named `name` with the terms of these codes
    /// (from [`reconnect_domain::service_taxonomy`]); returns its id.
    pub async fn dir_service_with_terms(&self, name: &str, term_codes: &[&str]) -> String {
        use reconnect_domain::service_taxonomy as tax;
        let pool = self.pool();
        let n = self.next_n();
        let org = uuid::Uuid::new_v4().to_string();
        let service = uuid::Uuid::new_v4().to_string();
        let exists = |table: &'static str, id: String| async move {
            let c: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE id = $1"))
                .bind(id)
                .fetch_one(pool)
                .await
                .unwrap_or_else(|e| panic!("look in {table}: {e}"));
            c > 0
        };
        if !exists("dir_taxonomy", tax::TAXONOMY_ID.to_string()).await {
            sqlx::query(
                "INSERT INTO dir_taxonomy (id, name, description, version) VALUES ($1, $2, $3, $4)",
            )
            .bind(tax::TAXONOMY_ID)
            .bind(tax::TAXONOMY_NAME)
            .bind(tax::TAXONOMY_DESCRIPTION)
            .bind(tax::TAXONOMY_VERSION)
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("add taxonomy: {e}"));
        }
        sqlx::query("INSERT INTO dir_organization (id, name, description) VALUES ($1, $2, $3)")
            .bind(org.clone())
            .bind(format!("{name} Trust {n}"))
            .bind("A test organisation")
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("add organisation: {e}"));
        sqlx::query(
            "INSERT INTO dir_service (id, organization_id, name, email, status, last_modified) \
             VALUES ($1, $2, $3, $4, 'active', $5)",
        )
        .bind(service.clone())
        .bind(org)
        .bind(name.to_string())
        .bind(format!("referrals{n}@service.example.org"))
        .bind(reconnect_domain::clock::to_millis(self.now()))
        .execute(pool)
        .await
        .unwrap_or_else(|e| panic!("add service: {e}"));
        for code in term_codes {
            let term = tax::by_code(code).unwrap_or_else(|| panic!("no term {code}"));
            if !exists("dir_taxonomy_term", term.id.to_string()).await {
                sqlx::query(
                    "INSERT INTO dir_taxonomy_term (id, code, name, description, taxonomy_id) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(term.id)
                .bind(term.code)
                .bind(term.name)
                .bind(term.description)
                .bind(tax::TAXONOMY_ID)
                .execute(pool)
                .await
                .unwrap_or_else(|e| panic!("add term {code}: {e}"));
            }
            sqlx::query(
                "INSERT INTO dir_attribute (id, link_id, link_entity, taxonomy_term_id) \
                 VALUES ($1, $2, 'service', $3)",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(service.clone())
            .bind(term.id)
            .execute(pool)
            .await
            .unwrap_or_else(|e| panic!("link term {code}: {e}"));
        }
        service
    }
}
