//! Episodes of support: one period of RECONNECT support for a person, moving
//! through the journey's states by the rules of
//! [`reconnect_domain::episode`]. Episodes are child records of a person and
//! inherit the person's scope on every action: the queries join the person
//! and filter by the caller's case sites. Each change bumps the episode's
//! version (two people changing the same episode: the second is told, and
//! nothing is lost), appends to `episode_event` (the history, which cannot be
//! changed) and to the audit trail, in one transaction.

use crate::audit::{append, Actor, AuditEntry};
use crate::sql::{param_list, parse};
use crate::{Engine, Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::episode::{Action, EpisodeProgress, EpisodeState, Outcome, Reason};
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::window::{long_date, ReleaseDate, SiteWindows};
use reconnect_domain::{Caller, EpisodeId, PersonId, SiteId, UserId};
use sqlx::AnyConnection;
use time::{Date, OffsetDateTime};

/// An episode as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Episode {
    pub id: EpisodeId,
    pub person_id: PersonId,
    pub site_id: SiteId,
    pub state: EpisodeState,
    pub source: ReferralSource,
    pub expected_release: ReleaseDate,
    pub released_on: Option<Date>,
    pub returned_to_custody_on: Option<Date>,
    pub extended_until: Option<Date>,
    pub linked_from: Option<EpisodeId>,
    /// Changes with every change; send it back with the next one.
    pub version: i64,
    pub created_at: OffsetDateTime,
}

impl Episode {
    /// The episode as the journey's rules see it.
    pub fn progress(&self) -> EpisodeProgress {
        EpisodeProgress {
            state: self.state,
            site: self.site_id,
            released_on: self.released_on,
            returned_to_custody_on: self.returned_to_custody_on,
            extended_until: self.extended_until,
        }
    }
}

/// One line of an episode's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpisodeEvent {
    pub seq: i64,
    pub at: OffsetDateTime,
    pub by_user: UserId,
    pub by_name: String,
    /// `transition` or `release_date`.
    pub kind: String,
    /// For transitions, the journey action (`accept`, `mark_released`...).
    pub action: Option<String>,
    pub from_state: Option<EpisodeState>,
    pub to_state: Option<EpisodeState>,
    pub summary: String,
    pub reason: Option<String>,
}

/// seq, at, by_user, by_name, kind, action, from_state, to_state, summary, reason.
type EventRow = (
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

#[derive(sqlx::FromRow)]
struct EpisodeRow {
    id: String,
    person_id: String,
    site_id: String,
    state: String,
    referral_source: String,
    expected_release: Option<String>,
    release_unknown_reason: Option<String>,
    released_on: Option<String>,
    returned_to_custody_on: Option<String>,
    extended_until: Option<String>,
    linked_from: Option<String>,
    version: i64,
    created_at: i64,
}

fn date(s: &str) -> Result<Date> {
    Date::parse(s, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| StoreError::Corrupt(format!("date {s:?}")))
}

fn opt_date(s: Option<&str>) -> Result<Option<Date>> {
    s.map(date).transpose()
}

pub(crate) fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

impl EpisodeRow {
    fn into_episode(self) -> Result<Episode> {
        let expected_release = match (
            self.expected_release.as_deref(),
            self.release_unknown_reason,
        ) {
            (Some(d), _) => ReleaseDate::Known(date(d)?),
            (None, Some(reason)) => ReleaseDate::Unknown {
                reason: Reason::lenient(&reason)
                    .ok_or_else(|| StoreError::Corrupt("release reason".into()))?,
            },
            (None, None) => return Err(StoreError::Corrupt("release date".into())),
        };
        Ok(Episode {
            id: parse(&self.id, "episode id")?,
            person_id: parse(&self.person_id, "person id")?,
            site_id: parse(&self.site_id, "site id")?,
            state: parse(&self.state, "episode state")?,
            source: parse(&self.referral_source, "referral source")?,
            expected_release,
            released_on: opt_date(self.released_on.as_deref())?,
            returned_to_custody_on: opt_date(self.returned_to_custody_on.as_deref())?,
            extended_until: opt_date(self.extended_until.as_deref())?,
            linked_from: self
                .linked_from
                .as_deref()
                .map(|s| parse(s, "episode id"))
                .transpose()?,
            version: self.version,
            created_at: from_millis(self.created_at),
        })
    }
}

const EPISODE_COLUMNS: &str = "e.id, e.person_id, e.site_id, e.state, e.referral_source, \
    e.expected_release, e.release_unknown_reason, e.released_on, e.returned_to_custody_on, \
    e.extended_until, e.linked_from, e.version, e.created_at";

fn release_columns(release: &ReleaseDate) -> (Option<String>, Option<String>) {
    match release {
        ReleaseDate::Known(d) => (Some(iso(*d)), None),
        ReleaseDate::Unknown { reason } => (None, Some(reason.as_str().to_string())),
    }
}

/// Loads one episode whose person is at one of `sites`.
async fn load_scoped(conn: &mut AnyConnection, id: EpisodeId, sites: &[SiteId]) -> Result<Episode> {
    if sites.is_empty() {
        return Err(StoreError::NotFound);
    }
    let sql = format!(
        "SELECT {EPISODE_COLUMNS} FROM episode e JOIN person p ON p.id = e.person_id \
         WHERE e.id = $1 AND p.site_id IN ({})",
        param_list(2, sites.len())
    );
    let mut q = sqlx::query_as::<_, EpisodeRow>(&sql).bind(id.to_string());
    for s in sites {
        q = q.bind(s.to_string());
    }
    q.fetch_optional(conn)
        .await?
        .ok_or(StoreError::NotFound)?
        .into_episode()
}

#[allow(clippy::too_many_arguments)]
async fn append_event(
    conn: &mut AnyConnection,
    episode: EpisodeId,
    at: i64,
    caller: &Caller,
    kind: &str,
    action: Option<&str>,
    from: Option<EpisodeState>,
    to: Option<EpisodeState>,
    summary: &str,
    reason: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO episode_event (episode_id, at, by_user, kind, action, from_state, to_state, summary, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(episode.to_string())
    .bind(at)
    .bind(caller.user_id().to_string())
    .bind(kind.to_string())
    .bind(action.map(str::to_string))
    .bind(from.map(|s| s.as_str().to_string()))
    .bind(to.map(|s| s.as_str().to_string()))
    .bind(summary.to_string())
    .bind(reason.map(str::to_string))
    .execute(conn)
    .await?;
    Ok(())
}

/// A site's time windows, read on `conn` (inside the caller's transaction, so
/// a write never needs a second connection from the pool while it holds one).
pub(crate) async fn load_windows(conn: &mut AnyConnection, site: SiteId) -> Result<SiteWindows> {
    let row: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT pre_release_weeks, community_support_months, referral_after_release_days \
         FROM site_settings WHERE site_id = $1",
    )
    .bind(site.to_string())
    .fetch_optional(conn)
    .await?;
    match row {
        None => Ok(SiteWindows::default()),
        Some((w, m, d)) => {
            let n =
                |v: i64| u16::try_from(v).map_err(|_| StoreError::Corrupt("site window".into()));
            SiteWindows::new(n(w)?, n(m)?, n(d)?)
                .map_err(|e| StoreError::Corrupt(format!("site windows: {e}")))
        }
    }
}

impl Store {
    /// A site's time windows (the defaults until a site manager changes them).
    pub async fn site_windows(&self, site: SiteId) -> Result<SiteWindows> {
        let mut conn = self.pool.acquire().await?;
        load_windows(&mut conn, site).await
    }

    /// Changes a site's time windows: its own site managers only; audited
    /// with the old and new values.
    pub async fn set_site_windows(
        &self,
        caller: &Caller,
        site: SiteId,
        windows: SiteWindows,
    ) -> Result<()> {
        if !caller.role().reads_site_audit() {
            return Err(StoreError::Forbidden);
        }
        if !caller.scope.sites.contains(&site) {
            return Err(StoreError::NotFound);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let before = load_windows(&mut tx, site).await?;
        sqlx::query(
            "INSERT INTO site_settings (site_id, pre_release_weeks, community_support_months, \
             referral_after_release_days, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (site_id) DO UPDATE SET pre_release_weeks = $2, community_support_months = $3, \
             referral_after_release_days = $4, updated_at = $5, updated_by = $6",
        )
        .bind(site.to_string())
        .bind(i64::from(windows.pre_release_weeks()))
        .bind(i64::from(windows.community_support_months()))
        .bind(i64::from(windows.referral_after_release_days()))
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *tx)
        .await?;
        let describe = |w: &SiteWindows| {
            format!(
                "{} weeks before release, {} months after, referrals until {} days after",
                w.pre_release_weeks(),
                w.community_support_months(),
                w.referral_after_release_days()
            )
        };
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("site.windows")
                .record("site", site)
                .site(site)
                .detail(format!(
                    "from {} to {}",
                    describe(&before),
                    describe(&windows)
                )),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts an episode for a person at one of the caller's sites. Refused
    /// while the person has an open episode; a later episode is linked to the
    /// one before it.
    pub async fn start_episode(
        &self,
        caller: &Caller,
        person: PersonId,
        source: ReferralSource,
        expected_release: &ReleaseDate,
    ) -> Result<EpisodeId> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let sites = caller.scope.case_write_sites();
        if sites.is_empty() {
            return Err(StoreError::NotFound);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        // Two referrals at once must not both find no open episode: on
        // PostgreSQL the person's row is locked until this one commits (SQLite's
        // BEGIN IMMEDIATE already lets one writer in at a time).
        let lock = match self.engine {
            Engine::Postgres => " FOR UPDATE",
            Engine::Sqlite => "",
        };
        let sql = format!(
            "SELECT site_id FROM person WHERE id = $1 AND site_id IN ({}){lock}",
            param_list(2, sites.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql).bind(person.to_string());
        for s in sites {
            q = q.bind(s.to_string());
        }
        let site: SiteId = parse(
            &q.fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?,
            "site id",
        )?;
        let earlier: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, state FROM episode WHERE person_id = $1 ORDER BY created_at DESC, id DESC",
        )
        .bind(person.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let earlier = earlier
            .into_iter()
            .map(|(id, state)| {
                Ok((
                    parse::<EpisodeId>(&id, "episode id")?,
                    parse::<EpisodeState>(&state, "state")?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let link = reconnect_domain::episode::re_referral(&earlier)
            .map_err(|r| StoreError::Refused(r.to_string()))?;
        let id = EpisodeId::new();
        let (expected, unknown) = release_columns(expected_release);
        sqlx::query(
            "INSERT INTO episode (id, person_id, site_id, state, referral_source, expected_release, \
             release_unknown_reason, linked_from, version, created_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $9)",
        )
        .bind(id.to_string())
        .bind(person.to_string())
        .bind(site.to_string())
        .bind(EpisodeState::Referred.as_str())
        .bind(source.as_str())
        .bind(expected)
        .bind(unknown)
        .bind(link.linked_to.first().map(|e| e.to_string()))
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *tx)
        .await?;
        let summary = format!("Referred by: {}", source.label().to_lowercase());
        append_event(
            &mut tx,
            id,
            now,
            caller,
            "transition",
            Some("refer"),
            None,
            Some(EpisodeState::Referred),
            &summary,
            None,
        )
        .await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("episode.create")
                .record("episode", id)
                .site(site)
                .person(person),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The date of birth of a person at one of the caller's case sites, else
    /// [`StoreError::NotFound`]. Lets a handler answer "not found" before it
    /// reads a request's body, and check dates about the person (a release
    /// before their birth) before acting. Nothing of the record is shown, so
    /// this is not audited; the action that follows is.
    pub async fn person_date_of_birth(&self, caller: &Caller, person: PersonId) -> Result<Date> {
        let sites = caller.scope.case_sites();
        if sites.is_empty() {
            return Err(StoreError::NotFound);
        }
        let sql = format!(
            "SELECT date_of_birth FROM person WHERE id = $1 AND site_id IN ({})",
            param_list(2, sites.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql).bind(person.to_string());
        for s in sites {
            q = q.bind(s.to_string());
        }
        date(
            &q.fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound)?,
        )
    }

    /// A person's episodes, newest first (scoped like the person).
    pub async fn episodes_of(&self, caller: &Caller, person: PersonId) -> Result<Vec<Episode>> {
        let sites = caller.scope.case_sites();
        if sites.is_empty() {
            return Err(StoreError::NotFound);
        }
        let sql = format!(
            "SELECT {EPISODE_COLUMNS} FROM episode e JOIN person p ON p.id = e.person_id \
             WHERE e.person_id = $1 AND p.site_id IN ({}) ORDER BY e.created_at DESC, e.id DESC",
            param_list(2, sites.len())
        );
        let mut q = sqlx::query_as::<_, EpisodeRow>(&sql).bind(person.to_string());
        for s in sites {
            q = q.bind(s.to_string());
        }
        q.fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(EpisodeRow::into_episode)
            .collect()
    }

    /// One episode (scoped like its person).
    pub async fn episode(&self, caller: &Caller, id: EpisodeId) -> Result<Episode> {
        let mut conn = self.pool.acquire().await?;
        load_scoped(&mut conn, id, caller.scope.case_sites()).await
    }

    /// An episode's history, oldest first (scoped like its person).
    pub async fn episode_history(
        &self,
        caller: &Caller,
        id: EpisodeId,
    ) -> Result<Vec<EpisodeEvent>> {
        let mut conn = self.pool.acquire().await?;
        load_scoped(&mut conn, id, caller.scope.case_sites()).await?;
        let rows: Vec<EventRow> =
            sqlx::query_as(
                "SELECT ev.seq, ev.at, ev.by_user, u.display_name, ev.kind, ev.action, ev.from_state, ev.to_state, ev.summary, ev.reason \
                 FROM episode_event ev JOIN app_user u ON u.id = ev.by_user \
                 WHERE ev.episode_id = $1 ORDER BY ev.seq",
            )
            .bind(id.to_string())
            .fetch_all(&mut *conn)
            .await?;
        rows.into_iter()
            .map(
                |(seq, at, by_user, by_name, kind, action, from, to, summary, reason)| {
                    Ok(EpisodeEvent {
                        seq,
                        at: from_millis(at),
                        by_user: parse(&by_user, "user id")?,
                        by_name,
                        kind,
                        action,
                        from_state: from.as_deref().map(|s| parse(s, "state")).transpose()?,
                        to_state: to.as_deref().map(|s| parse(s, "state")).transpose()?,
                        summary,
                        reason,
                    })
                },
            )
            .collect()
    }

    /// Applies a journey action to an episode the caller may change.
    /// `version` is the version the caller last saw: if the episode changed
    /// since, nothing happens and [`StoreError::Stale`] says so. Refusals by
    /// the journey's rules are [`StoreError::Refused`] with the reason.
    pub async fn act_on_episode(
        &self,
        caller: &Caller,
        id: EpisodeId,
        version: i64,
        action: &Action,
    ) -> Result<Outcome> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let today = self.now().date();
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let episode = load_scoped(&mut tx, id, caller.scope.case_write_sites()).await?;
        if episode.version != version {
            return Err(StoreError::Stale);
        }
        let windows = load_windows(&mut tx, episode.site_id).await?;
        let mut progress = episode.progress();
        let outcome = progress
            .apply(action, today, &windows)
            .map_err(|r| StoreError::Refused(r.to_string()))?;
        if let Action::TransferSite { to, .. } = action {
            let exists: Option<String> = sqlx::query_scalar("SELECT id FROM site WHERE id = $1")
                .bind(to.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            if exists.is_none() {
                return Err(StoreError::invalid(
                    "to_site",
                    "Choose a site from the list",
                ));
            }
            // The person's record moves with the episode: the new site's staff take over.
            sqlx::query("UPDATE person SET site_id = $1 WHERE id = $2")
                .bind(to.to_string())
                .bind(episode.person_id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        let r = sqlx::query(
            "UPDATE episode SET state = $1, site_id = $2, released_on = $3, returned_to_custody_on = $4, \
             extended_until = $5, version = version + 1, updated_at = $6 WHERE id = $7 AND version = $8",
        )
        .bind(progress.state.as_str())
        .bind(progress.site.to_string())
        .bind(progress.released_on.map(iso))
        .bind(progress.returned_to_custody_on.map(iso))
        .bind(progress.extended_until.map(iso))
        .bind(now)
        .bind(id.to_string())
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Stale);
        }
        // Allocation (see allocation.rs): an episode that ends, or moves to
        // another site's staff, leaves its worker's and mentor's caseloads in
        // this same transaction.
        if progress.state.is_terminal() || matches!(action, Action::TransferSite { .. }) {
            crate::allocation::end_current(&mut tx, id, now, caller, &outcome.summary).await?;
        }
        append_event(
            &mut tx,
            id,
            now,
            caller,
            "transition",
            Some(outcome.action.as_str()),
            Some(outcome.from),
            Some(outcome.to),
            &outcome.summary,
            outcome.reason.as_deref(),
        )
        .await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("episode.transition")
                .record("episode", id)
                .site(episode.site_id)
                .person(episode.person_id)
                .detail(format!(
                    "{}: {} to {}",
                    outcome.action.as_str(),
                    outcome.from,
                    outcome.to
                )),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Records a new expected release date (or that it is not known), with
    /// why it changed; the old one stays in the history.
    pub async fn change_expected_release(
        &self,
        caller: &Caller,
        id: EpisodeId,
        version: i64,
        release: &ReleaseDate,
        why: &Reason,
    ) -> Result<()> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let episode = load_scoped(&mut tx, id, caller.scope.case_write_sites()).await?;
        if episode.version != version {
            return Err(StoreError::Stale);
        }
        if episode.state.is_terminal() {
            return Err(StoreError::Refused(
                "This episode has ended, so its release date cannot change".into(),
            ));
        }
        let (expected, unknown) = release_columns(release);
        let r = sqlx::query(
            "UPDATE episode SET expected_release = $1, release_unknown_reason = $2, version = version + 1, \
             updated_at = $3 WHERE id = $4 AND version = $5",
        )
        .bind(expected)
        .bind(unknown)
        .bind(now)
        .bind(id.to_string())
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Stale);
        }
        let show = |r: &ReleaseDate| match r {
            ReleaseDate::Known(d) => long_date(*d),
            ReleaseDate::Unknown { .. } => "not known".to_string(),
        };
        let summary = format!(
            "Expected release changed from {} to {}",
            show(&episode.expected_release),
            show(release)
        );
        append_event(
            &mut tx,
            id,
            now,
            caller,
            "release_date",
            None,
            None,
            None,
            &summary,
            Some(why.as_str()),
        )
        .await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("episode.release_date")
                .record("episode", id)
                .site(episode.site_id)
                .person(episode.person_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
