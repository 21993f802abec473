//! What accepting a referral writes, inside the decision's transaction:
//! a new person's record, the updates a merge makes to an existing record
//! (each recorded with its old and new value), and the accepted episode of
//! support, written to the episode's history as a referral and acceptance
//! would be. Each step appends its own audit row.

use super::Referral;
use crate::audit::{append, Actor, AuditEntry};
use crate::episodes::{iso, load_windows};
use crate::sql::{param_list, parse};
use crate::{Result, Store, StoreError};
use reconnect_domain::episode::{Action, EpisodeProgress, EpisodeState};
use reconnect_domain::person_profile::Change;
use reconnect_domain::window::ReleaseDate;
use reconnect_domain::{Caller, EpisodeId, PersonId, PrisonId, PrisonNumber, SiteId};
use sqlx::AnyConnection;

impl Store {
    /// A new person's record from the referral, in a prison the caller's
    /// sites serve; audited.
    pub(super) async fn accept_new_person(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        r: &Referral,
        prison: PrisonId,
        prison_number: &PrisonNumber,
        now: i64,
    ) -> Result<(PersonId, SiteId)> {
        let sites = caller.scope.case_write_sites();
        let id = PersonId::new();
        let sql = format!(
            "INSERT INTO person (id, site_id, prison_id, given_name, family_name, preferred_name, \
             date_of_birth, nhs_number, prison_number, created_at, created_by) \
             SELECT $1, pr.site_id, pr.id, $2, $3, $4, $5, $6, $7, $8, $9 FROM prison pr \
             WHERE pr.id = $10 AND pr.site_id IN ({}) RETURNING site_id",
            param_list(11, sites.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql)
            .bind(id.to_string())
            .bind(r.given_name.clone())
            .bind(r.family_name.clone())
            .bind(r.preferred_name.clone())
            .bind(iso(r.date_of_birth))
            .bind(r.nhs_number.map(|n| n.digits()))
            .bind(prison_number.as_str().to_string())
            .bind(now)
            .bind(caller.user_id().to_string())
            .bind(prison.to_string());
        for s in sites {
            q = q.bind(s.to_string());
        }
        let site = q.fetch_optional(&mut *conn).await?.ok_or_else(|| {
            StoreError::invalid("prison_id", "Choose a prison that your site serves")
        })?;
        let site: SiteId = parse(&site, "site id")?;
        append(
            conn,
            now,
            &Actor::User(caller),
            AuditEntry::new("person.create")
                .record("person", id)
                .site(site)
                .person(id)
                .detail(format!("from referral {}", r.reference)),
        )
        .await?;
        Ok((id, site))
    }

    /// Updates the person's prison, prison number and preferred name from the
    /// referral where it has them and they differ. Returns one line per change,
    /// with the old and new value, for the referral's history.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn accept_merge_into(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        r: &Referral,
        person: PersonId,
        site: SiteId,
        (prison, number, preferred): (String, String, Option<String>),
        now: i64,
    ) -> Result<Vec<String>> {
        let mut changes = Vec::new();
        // The same changes as a correction of their details, so the record's
        // history and version say what the referral changed.
        let mut revision: Vec<Change> = Vec::new();
        let mut new_prison = prison.clone();
        if let Some(p) = r.prison_id.filter(|p| p.to_string() != prison) {
            let names: Vec<(String, String)> = sqlx::query_as(
                "SELECT id, name || '|' || site_id FROM prison WHERE id = $1 OR id = $2",
            )
            .bind(p.to_string())
            .bind(prison.clone())
            .fetch_all(&mut *conn)
            .await?;
            let info = |id: &str| {
                names
                    .iter()
                    .find(|(i, _)| i == id)
                    .and_then(|(_, v)| v.rsplit_once('|'))
                    .map(|(n, s)| (n.to_string(), s.to_string()))
            };
            let (to_name, to_site) = info(&p.to_string())
                .ok_or_else(|| StoreError::Corrupt("referral prison".into()))?;
            if to_site != site.to_string() {
                return Err(StoreError::Refused(
                    "The prison in this referral is served by another site, so their record cannot be updated from it. Link them without updating, then transfer their support if they are moving".into(),
                ));
            }
            let from_name = info(&prison).map(|(n, _)| n).unwrap_or_default();
            changes.push(format!("Prison changed from {from_name} to {to_name}"));
            revision.push(Change {
                label: "Prison".into(),
                before: Some(from_name.clone()),
                after: Some(to_name.clone()),
            });
            new_prison = p.to_string();
        }
        let mut new_number = number.clone();
        if let Some(n) = r.prison_number.as_ref().filter(|n| n.as_str() != number) {
            changes.push(format!("Prison number changed from {number} to {n}"));
            revision.push(Change {
                label: "Prison number".into(),
                before: Some(number.clone()),
                after: Some(n.as_str().to_string()),
            });
            new_number = n.as_str().to_string();
        }
        let mut new_preferred = preferred.clone();
        if let Some(name) = r
            .preferred_name
            .as_ref()
            .filter(|n| Some(*n) != preferred.as_ref())
        {
            changes.push(match &preferred {
                Some(old) => format!("Preferred name changed from {old} to {name}"),
                None => format!("Preferred name recorded: {name}"),
            });
            revision.push(Change {
                label: "Preferred name".into(),
                before: preferred.clone(),
                after: Some(name.clone()),
            });
            new_preferred = Some(name.clone());
        }
        if changes.is_empty() {
            changes.push("Nothing to update: their record already matched the referral".into());
            return Ok(changes);
        }
        // A new version of their details, so anyone editing the record from
        // an older page is told it changed, and a revision saying why.
        let version: i64 = sqlx::query_scalar(
            "UPDATE person SET prison_id = $1, prison_number = $2, preferred_name = $3, \
             version = version + 1 WHERE id = $4 RETURNING version",
        )
        .bind(new_prison)
        .bind(new_number)
        .bind(new_preferred)
        .bind(person.to_string())
        .fetch_one(&mut *conn)
        .await?;
        let json = serde_json::to_string(&revision)
            .map_err(|e| StoreError::Corrupt(format!("changes: {e}")))?;
        sqlx::query(
            "INSERT INTO person_revision (id, person_id, version, changed_at, changed_by, reason, changes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(person.to_string())
        .bind(version)
        .bind(now)
        .bind(caller.user_id().to_string())
        .bind(format!("Updated from referral {}", r.reference))
        .bind(json)
        .execute(&mut *conn)
        .await?;
        append(
            conn,
            now,
            &Actor::User(caller),
            AuditEntry::new("person.update")
                .record("person", person)
                .site(site)
                .person(person)
                .detail(format!(
                    "updated from referral {}: {}",
                    r.reference,
                    changes.join("; ")
                )),
        )
        .await?;
        Ok(changes)
    }

    /// Starts an episode for the person from the referral and accepts it,
    /// writing both steps to the episode's history as a worker's referral
    /// and acceptance would; audited.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn accept_episode(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        r: &Referral,
        person: PersonId,
        site: SiteId,
        linked_from: Option<EpisodeId>,
        now: i64,
        today: time::Date,
    ) -> Result<EpisodeId> {
        let windows = load_windows(conn, site).await?;
        let mut progress = EpisodeProgress::new(site);
        let outcome = progress
            .apply(&Action::Accept, today, &windows)
            .map_err(|e| StoreError::Refused(e.to_string()))?;
        let release = match r.expected_release {
            Some(d) => ReleaseDate::Known(d),
            None => ReleaseDate::unknown("Not known when the referral was made")
                .map_err(StoreError::Corrupt)?,
        };
        let (expected, unknown) = match &release {
            ReleaseDate::Known(d) => (Some(iso(*d)), None),
            ReleaseDate::Unknown { reason } => (None, Some(reason.as_str().to_string())),
        };
        let id = EpisodeId::new();
        sqlx::query(
            "INSERT INTO episode (id, person_id, site_id, state, referral_source, expected_release, \
             release_unknown_reason, linked_from, version, created_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 2, $9, $10, $9)",
        )
        .bind(id.to_string())
        .bind(person.to_string())
        .bind(site.to_string())
        .bind(progress.state.as_str())
        .bind(r.source.as_str())
        .bind(expected)
        .bind(unknown)
        .bind(linked_from.map(|e| e.to_string()))
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *conn)
        .await?;
        let steps = [
            (
                "refer",
                None,
                EpisodeState::Referred,
                format!(
                    "Referred by: {} (referral {})",
                    r.source.label().to_lowercase(),
                    r.reference
                ),
            ),
            (
                outcome.action.as_str(),
                Some(outcome.from),
                outcome.to,
                outcome.summary.clone(),
            ),
        ];
        for (action, from, to, summary) in steps {
            sqlx::query(
                "INSERT INTO episode_event (episode_id, at, by_user, kind, action, from_state, to_state, summary, reason) \
                 VALUES ($1, $2, $3, 'transition', $4, $5, $6, $7, NULL)",
            )
            .bind(id.to_string())
            .bind(now)
            .bind(caller.user_id().to_string())
            .bind(action.to_string())
            .bind(from.map(|s| s.as_str().to_string()))
            .bind(to.as_str().to_string())
            .bind(summary)
            .execute(&mut *conn)
            .await?;
        }
        for (action, detail) in [
            ("episode.create", format!("from referral {}", r.reference)),
            (
                "episode.transition",
                format!("accept: {} to {}", outcome.from, outcome.to),
            ),
        ] {
            append(
                conn,
                now,
                &Actor::User(caller),
                AuditEntry::new(action)
                    .record("episode", id)
                    .site(site)
                    .person(person)
                    .detail(detail),
            )
            .await?;
        }
        Ok(id)
    }
}
