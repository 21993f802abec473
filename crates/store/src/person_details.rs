//! A person's full details: adding someone with them (once, however often
//! the form is sent), correcting them (scoped to the caller's writable sites,
//! checked against the version the caller read, never for someone under 18),
//! and the append-only history of corrections with who, when and why.
//!
//! A correction never overwrites silently: the values it replaced are kept in
//! `person_revision`, which both engines refuse to update or delete.

use crate::audit::{append, Actor, AuditEntry};
use crate::sql::{param_list, parse};
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::episode::Reason;
use reconnect_domain::person::{under_18_refusal, NewPerson};
use reconnect_domain::person_details::PersonDetails;
use reconnect_domain::person_profile::{changes, detail_rows, Change, PersonProfile, ProfileText};
use reconnect_domain::{Caller, PersonId, SiteId};
use sqlx::any::AnyRow;
use sqlx::Row;
use time::OffsetDateTime;

/// How long an identical person added by the same member of staff counts as
/// the same form sent twice.
const DUPLICATE_WINDOW_MS: i64 = 10 * 60 * 1000;

/// The profile's columns, in the order [`profile_values`] gives them.
const PROFILE_FIELDS: [&str; 23] = [
    "pronouns",
    "gender",
    "gender_self_described",
    "ethnicity",
    "ethnicity_other",
    "first_language",
    "interpreter_needed",
    "communication_needs",
    "communication_needs_other",
    "nhs_unknown_reason",
    "nhs_unknown_other",
    "probation_case_reference",
    "phone",
    "email",
    "address_kind",
    "address_line_1",
    "address_line_2",
    "address_town",
    "address_postcode",
    "preferred_contact",
    "nominated_name",
    "nominated_relationship",
    "nominated_phone",
];

/// Columns that are never NULL (they have a value even when nothing is recorded).
const NOT_NULL_FIELDS: [&str; 3] = ["interpreter_needed", "communication_needs", "address_kind"];

/// `p.pronouns, p.gender, ...` for a SELECT.
pub(crate) fn profile_select() -> String {
    PROFILE_FIELDS
        .iter()
        .map(|f| format!("p.{f}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn profile_values(t: &ProfileText) -> [String; 23] {
    [
        t.pronouns.clone(),
        t.gender.clone(),
        t.gender_self_described.clone(),
        t.ethnicity.clone(),
        t.ethnicity_other.clone(),
        t.first_language.clone(),
        t.interpreter_needed.clone(),
        t.communication_needs.join(","),
        t.communication_needs_other.clone(),
        t.nhs_number_unknown_reason.clone(),
        t.nhs_number_unknown_other.clone(),
        t.probation_case_reference.clone(),
        t.phone.clone(),
        t.email.clone(),
        t.address_kind.clone(),
        t.address_line_1.clone(),
        t.address_line_2.clone(),
        t.address_town.clone(),
        t.address_postcode.clone(),
        t.preferred_contact.clone(),
        t.nominated_name.clone(),
        t.nominated_relationship.clone(),
        t.nominated_phone.clone(),
    ]
}

/// The values to bind: blank optional values are NULL.
fn profile_binds(profile: &PersonProfile) -> Vec<Option<String>> {
    PROFILE_FIELDS
        .iter()
        .zip(profile_values(&profile.to_text()))
        .map(|(field, v)| (NOT_NULL_FIELDS.contains(field) || !v.is_empty()).then_some(v))
        .collect()
}

/// Reads the profile columns of a row selected with [`profile_select`].
pub(crate) fn read_profile(row: &AnyRow) -> Result<PersonProfile> {
    let get = |f: &str| -> Result<String> {
        Ok(row.try_get::<Option<String>, _>(f)?.unwrap_or_default())
    };
    let text = ProfileText {
        pronouns: get("pronouns")?,
        gender: get("gender")?,
        gender_self_described: get("gender_self_described")?,
        ethnicity: get("ethnicity")?,
        ethnicity_other: get("ethnicity_other")?,
        first_language: get("first_language")?,
        interpreter_needed: get("interpreter_needed")?,
        communication_needs: get("communication_needs")?
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
        communication_needs_other: get("communication_needs_other")?,
        nhs_number_unknown_reason: get("nhs_unknown_reason")?,
        nhs_number_unknown_other: get("nhs_unknown_other")?,
        probation_case_reference: get("probation_case_reference")?,
        phone: get("phone")?,
        email: get("email")?,
        address_kind: get("address_kind")?,
        address_line_1: get("address_line_1")?,
        address_line_2: get("address_line_2")?,
        address_town: get("address_town")?,
        address_postcode: get("address_postcode")?,
        preferred_contact: get("preferred_contact")?,
        nominated_name: get("nominated_name")?,
        nominated_relationship: get("nominated_relationship")?,
        nominated_phone: get("nominated_phone")?,
    };
    text.parse().map_err(|errors| {
        let fields: Vec<String> = errors.into_iter().map(|e| e.field).collect();
        StoreError::Corrupt(format!("person details: {}", fields.join(", ")))
    })
}

/// A person added (or found to have been added already by the same form).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Added {
    pub id: PersonId,
    /// The form had already added this person: nothing new was written.
    pub already_added: bool,
}

/// One correction of a person's details.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRevision {
    /// The version this correction made.
    pub version: i64,
    pub changed_at: OffsetDateTime,
    pub changed_by_name: String,
    pub reason: String,
    /// What changed, with the values before and after.
    pub changes: Vec<Change>,
}

fn under_18(new: &NewPerson, today: time::Date) -> Result<()> {
    match under_18_refusal(new.date_of_birth, today) {
        Some(refusal) => Err(StoreError::invalid("date_of_birth", &refusal)),
        None => Ok(()),
    }
}

impl Store {
    /// Adds a person with their full details to the caseload of the site
    /// serving their prison (one of the caller's); audited `person.create`.
    ///
    /// `submission` is the one-time token of the form that sent this: the
    /// same token from the same member of staff gives back the person it
    /// added. An identical person (names, date of birth, prison number) added
    /// by the same member of staff in the last ten minutes is also taken to
    /// be the same form sent twice.
    pub async fn add_person(
        &self,
        caller: &Caller,
        details: &PersonDetails,
        submission: Option<&str>,
    ) -> Result<Added> {
        let (new, profile) = details.split();
        self.insert_person(caller, &new, &profile, submission).await
    }

    pub(crate) async fn insert_person(
        &self,
        caller: &Caller,
        new: &NewPerson,
        profile: &PersonProfile,
        submission: Option<&str>,
    ) -> Result<Added> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let sites = caller.scope.case_write_sites();
        if sites.is_empty() {
            return Err(StoreError::invalid(
                "prison_id",
                "You are not a member of any site, so you cannot add people. Ask your site manager",
            ));
        }
        under_18(new, self.now().date())?;
        let submission = submission.map(str::trim).filter(|s| !s.is_empty());
        let mut tx = self.begin_read_write().await?;
        if let Some(id) = self.already_added(&mut tx, caller, new, submission).await? {
            return Ok(Added {
                id,
                already_added: true,
            });
        }
        let id = PersonId::new();
        let now = self.now_ms();
        let cols = PROFILE_FIELDS.join(", ");
        let first = 12;
        let sql = format!(
            "INSERT INTO person (id, site_id, prison_id, given_name, family_name, preferred_name, \
             date_of_birth, nhs_number, prison_number, created_at, created_by, submission_token, {cols}) \
             SELECT $1, pr.site_id, pr.id, $2, $3, $4, $5, $6, $7, $8, $9, $10, {} FROM prison pr \
             WHERE pr.id = $11 AND pr.site_id IN ({}) RETURNING site_id",
            param_list(first, PROFILE_FIELDS.len()),
            param_list(first + PROFILE_FIELDS.len(), sites.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql)
            .bind(id.to_string())
            .bind(new.given_name.clone())
            .bind(new.family_name.clone())
            .bind(new.preferred_name.clone())
            .bind(crate::episodes::iso(new.date_of_birth))
            .bind(new.nhs_number.map(|n| n.digits()))
            .bind(new.prison_number.as_str().to_string())
            .bind(now)
            .bind(caller.user_id().to_string())
            .bind(submission.map(str::to_string))
            .bind(new.prison_id.to_string());
        for v in profile_binds(profile) {
            q = q.bind(v);
        }
        for s in sites {
            q = q.bind(s.to_string());
        }
        let site = match q.fetch_optional(&mut *tx).await {
            Ok(site) => site,
            // The same form, sent at the same moment, won the race.
            Err(e) if StoreError::is_unique_violation(&e) && submission.is_some() => {
                drop(tx);
                let mut tx = self.begin_read_write().await?;
                let id = self.already_added(&mut tx, caller, new, submission).await?;
                tx.commit().await?;
                return id
                    .map(|id| Added {
                        id,
                        already_added: true,
                    })
                    .ok_or(StoreError::Database(e));
            }
            Err(e) => return Err(e.into()),
        };
        let site: SiteId = parse(
            &site.ok_or_else(|| {
                StoreError::invalid("prison_id", "Choose a prison that your site serves")
            })?,
            "site id",
        )?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("person.create")
                .record("person", id)
                .site(site)
                .person(id),
        )
        .await?;
        tx.commit().await?;
        Ok(Added {
            id,
            already_added: false,
        })
    }

    /// The person this caller has just added with the same form (token) or
    /// with identical details, if still in their scope.
    async fn already_added(
        &self,
        tx: &mut sqlx::AnyConnection,
        caller: &Caller,
        new: &NewPerson,
        submission: Option<&str>,
    ) -> Result<Option<PersonId>> {
        let sites = caller.scope.case_write_sites();
        let scope = param_list(8, sites.len());
        let sql = format!(
            "SELECT id FROM person WHERE created_by = $1 AND site_id IN ({scope}) AND ( \
             submission_token = $2 OR (given_name = $3 AND family_name = $4 AND date_of_birth = $5 \
             AND prison_number = $6 AND created_at >= $7)) ORDER BY created_at LIMIT 1"
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql)
            .bind(caller.user_id().to_string())
            .bind(submission.map(str::to_string))
            .bind(new.given_name.clone())
            .bind(new.family_name.clone())
            .bind(crate::episodes::iso(new.date_of_birth))
            .bind(new.prison_number.as_str().to_string())
            .bind(self.now_ms() - DUPLICATE_WINDOW_MS);
        for s in sites {
            q = q.bind(s.to_string());
        }
        q.fetch_optional(&mut *tx)
            .await?
            .map(|id| parse(&id, "person id"))
            .transpose()
    }

    /// Corrects a person's details. The caller must be able to change
    /// records at the person's site; `expected_version` is the version they
    /// read (another change since then is [`StoreError::Stale`]). The values
    /// replaced are kept in the history with who, when and `reason`; audited
    /// `person.correct` (naming the fields, not their values). Returns the
    /// new version.
    pub async fn update_person_details(
        &self,
        caller: &Caller,
        person_id: PersonId,
        expected_version: i64,
        details: &PersonDetails,
        reason: &Reason,
    ) -> Result<i64> {
        let sites = caller.scope.case_write_sites();
        if sites.is_empty() {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.begin_read_write().await?;
        let current = self.current_details(&mut tx, person_id, sites).await?;
        if current.version != expected_version {
            return Err(StoreError::Stale);
        }
        let (new, profile) = details.split();
        under_18(&new, self.now().date())?;
        let prison_name: Option<String> =
            sqlx::query_scalar("SELECT name FROM prison WHERE id = $1 AND site_id = $2")
                .bind(new.prison_id.to_string())
                .bind(current.site_id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let Some(prison_name) = prison_name else {
            return Err(StoreError::invalid(
                "prison_id",
                "Choose a prison served by the site supporting them. To move their support to another site, transfer their episode",
            ));
        };
        let before = detail_rows(&current.core, &current.profile, &current.prison_name);
        let after = detail_rows(&new, &profile, &prison_name);
        let changed = changes(&before, &after);
        if changed.is_empty() {
            return Err(StoreError::invalid(
                "",
                "Nothing has been changed. Change the details that are wrong, or go back to their record",
            ));
        }
        let sets = PROFILE_FIELDS
            .iter()
            .enumerate()
            .map(|(i, f)| format!("{f} = ${}", i + 11))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "UPDATE person SET given_name = $1, family_name = $2, preferred_name = $3, \
             date_of_birth = $4, nhs_number = $5, prison_number = $6, prison_id = $7, \
             version = version + 1, {sets} WHERE id = $8 AND version = $9 AND site_id = $10"
        );
        let mut q = sqlx::query(&sql)
            .bind(new.given_name.clone())
            .bind(new.family_name.clone())
            .bind(new.preferred_name.clone())
            .bind(crate::episodes::iso(new.date_of_birth))
            .bind(new.nhs_number.map(|n| n.digits()))
            .bind(new.prison_number.as_str().to_string())
            .bind(new.prison_id.to_string())
            .bind(person_id.to_string())
            .bind(expected_version)
            .bind(current.site_id.to_string());
        for v in profile_binds(&profile) {
            q = q.bind(v);
        }
        if q.execute(&mut *tx).await?.rows_affected() != 1 {
            return Err(StoreError::Stale);
        }
        let version = expected_version + 1;
        let now = self.now_ms();
        let json = serde_json::to_string(&changed)
            .map_err(|e| StoreError::Corrupt(format!("changes: {e}")))?;
        sqlx::query(
            "INSERT INTO person_revision (id, person_id, version, changed_at, changed_by, reason, changes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(uuid::Uuid::now_v7().to_string())
        .bind(person_id.to_string())
        .bind(version)
        .bind(now)
        .bind(caller.user_id().to_string())
        .bind(reason.as_str().to_string())
        .bind(json)
        .execute(&mut *tx)
        .await?;
        let labels: Vec<&str> = changed.iter().map(|c| c.label.as_str()).collect();
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("person.correct")
                .record("person", person_id)
                .site(current.site_id)
                .person(person_id)
                .detail(format!("Corrected: {}", labels.join(", "))),
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// The corrections of a person's details, newest first, if the person is
    /// at one of the caller's sites; the read is audited `person.history`.
    pub async fn person_history(
        &self,
        caller: &Caller,
        person_id: PersonId,
    ) -> Result<Vec<PersonRevision>> {
        let sites = caller.scope.case_sites();
        if sites.is_empty() {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.begin_audited_read().await?;
        let site: String = {
            let sql = format!(
                "SELECT site_id FROM person WHERE id = $1 AND site_id IN ({})",
                param_list(2, sites.len())
            );
            let mut q = sqlx::query_scalar::<_, String>(&sql).bind(person_id.to_string());
            for s in sites {
                q = q.bind(s.to_string());
            }
            q.fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?
        };
        let rows = sqlx::query(
            "SELECT r.version, r.changed_at, u.display_name, r.reason, r.changes \
             FROM person_revision r JOIN app_user u ON u.id = r.changed_by \
             WHERE r.person_id = $1 ORDER BY r.version DESC",
        )
        .bind(person_id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let mut history = Vec::with_capacity(rows.len());
        for row in rows {
            let changes: String = row.try_get("changes")?;
            history.push(PersonRevision {
                version: row.try_get("version")?,
                changed_at: from_millis(row.try_get("changed_at")?),
                changed_by_name: row.try_get("display_name")?,
                reason: row.try_get("reason")?,
                changes: serde_json::from_str(&changes)
                    .map_err(|_| StoreError::Corrupt("person revision changes".into()))?,
            });
        }
        tx.finish(
            self,
            self.now_ms(),
            &Actor::User(caller),
            AuditEntry::new("person.history")
                .record("person", person_id)
                .site(parse(&site, "site id")?)
                .person(person_id)
                .detail(format!("{} corrections shown", history.len())),
        )
        .await?;
        Ok(history)
    }

    /// The record as it stands, for a correction (no audit: the caller
    /// audits the change).
    async fn current_details(
        &self,
        tx: &mut sqlx::AnyConnection,
        person_id: PersonId,
        sites: &[SiteId],
    ) -> Result<Current> {
        let sql = format!(
            "SELECT p.site_id, p.version, p.given_name, p.family_name, p.preferred_name, \
             p.date_of_birth, p.nhs_number, p.prison_number, p.prison_id, pr.name AS prison_name, {} \
             FROM person p JOIN prison pr ON pr.id = p.prison_id \
             WHERE p.id = $1 AND p.site_id IN ({})",
            profile_select(),
            param_list(2, sites.len())
        );
        let mut q = sqlx::query(&sql).bind(person_id.to_string());
        for s in sites {
            q = q.bind(s.to_string());
        }
        let row = q
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let corrupt = |what: &str| StoreError::Corrupt(what.to_string());
        let dob: String = row.try_get("date_of_birth")?;
        let nhs: Option<String> = row.try_get("nhs_number")?;
        let prison_number: String = row.try_get("prison_number")?;
        let prison_id: String = row.try_get("prison_id")?;
        let site_id: String = row.try_get("site_id")?;
        Ok(Current {
            site_id: parse(&site_id, "site id")?,
            version: row.try_get("version")?,
            prison_name: row.try_get("prison_name")?,
            profile: read_profile(&row)?,
            core: NewPerson {
                given_name: row.try_get("given_name")?,
                family_name: row.try_get("family_name")?,
                preferred_name: row.try_get("preferred_name")?,
                date_of_birth: time::Date::parse(
                    &dob,
                    &time::format_description::well_known::Iso8601::DATE,
                )
                .map_err(|_| corrupt("date of birth"))?,
                nhs_number: nhs
                    .as_deref()
                    .map(reconnect_domain::NhsNumber::parse)
                    .transpose()
                    .map_err(|_| corrupt("nhs number"))?,
                prison_number: reconnect_domain::PrisonNumber::parse(&prison_number)
                    .map_err(|_| corrupt("prison number"))?,
                prison_id: parse(&prison_id, "prison id")?,
            },
        })
    }
}

/// The record as a correction finds it.
struct Current {
    site_id: SiteId,
    version: i64,
    prison_name: String,
    core: NewPerson,
    profile: PersonProfile,
}
