//! People supported by the service. This is personal data: every function
//! takes the caller and filters by the caller's case sites in SQL, and every
//! change is audited in its own transaction, every read of a record before it
//! is returned.

use crate::audit::{Actor, AuditEntry};
use crate::sql::{like_contains, param_list, parse};
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::person::NewPerson;
use reconnect_domain::person_profile::PersonProfile;
use reconnect_domain::{Caller, NhsNumber, PersonId, PrisonId, PrisonNumber, SiteId};
use time::{Date, OffsetDateTime};

/// A line on a caseload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonSummary {
    pub id: PersonId,
    pub site_id: SiteId,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Date,
    pub prison_number: PrisonNumber,
    pub prison_name: String,
}

/// A person's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub summary: PersonSummary,
    pub nhs_number: Option<NhsNumber>,
    pub prison_id: PrisonId,
    pub site_name: String,
    pub created_at: OffsetDateTime,
    pub created_by_name: String,
    /// Everything else recorded about them.
    pub profile: PersonProfile,
    /// Increases with every correction; a correction names the version it read.
    pub version: i64,
}

/// What to list.
#[derive(Clone, Debug, Default)]
pub struct PeopleFilter {
    /// Only this site (must be one of the caller's).
    pub site: Option<SiteId>,
    /// Name, prison number or NHS number contains this.
    pub search: Option<String>,
    pub limit: u32,
    pub offset: u32,
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: String,
    site_id: String,
    given_name: String,
    family_name: String,
    preferred_name: Option<String>,
    date_of_birth: String,
    prison_number: String,
    prison_name: String,
}

impl PersonRow {
    fn into_summary(self) -> Result<PersonSummary> {
        Ok(PersonSummary {
            id: parse(&self.id, "person id")?,
            site_id: parse(&self.site_id, "site id")?,
            given_name: self.given_name,
            family_name: self.family_name,
            preferred_name: self.preferred_name,
            date_of_birth: Date::parse(
                &self.date_of_birth,
                &time::format_description::well_known::Iso8601::DATE,
            )
            .map_err(|_| StoreError::Corrupt("date of birth".into()))?,
            prison_number: PrisonNumber::parse(&self.prison_number)
                .map_err(|_| StoreError::Corrupt("prison number".into()))?,
            prison_name: self.prison_name,
        })
    }
}

const SUMMARY_COLUMNS: &str = "p.id, p.site_id, p.given_name, p.family_name, p.preferred_name, \
    p.date_of_birth, p.prison_number, pr.name AS prison_name";

/// What a search looked for, as the audit trail keeps it: anything shaped
/// like an NHS number (10 digits, with or without spaces, valid or not) is
/// masked to its last three digits; other text is kept (quoted, cut short).
pub fn audit_search_text(term: &str) -> String {
    let compact: String = term.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() == 10 && compact.chars().all(|c| c.is_ascii_digit()) {
        return format!("an NHS number ending {}", &compact[7..]);
    }
    let kept: String = term
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(50)
        .collect();
    format!("\"{kept}\"")
}

/// The column a search term (spaces removed, upper case) can only be: the
/// NHS number for ten digits, the prison number for a letter, four digits
/// and two letters. Such a term can match no one's name.
fn identifier_column(term: &str) -> Option<&'static str> {
    let b = term.as_bytes();
    if b.len() == 10 && b.iter().all(u8::is_ascii_digit) {
        return Some("nhs_number");
    }
    let prison = b.len() == 7
        && b[0].is_ascii_uppercase()
        && b[1..5].iter().all(u8::is_ascii_digit)
        && b[5..].iter().all(u8::is_ascii_uppercase);
    prison.then_some("prison_number")
}

impl Store {
    /// The people at the caller's sites (or one of them), by family name.
    /// Viewing a caseload is audited, with how many people it showed.
    pub async fn list_people(
        &self,
        caller: &Caller,
        filter: &PeopleFilter,
    ) -> Result<Vec<PersonSummary>> {
        let sites: Vec<SiteId> = match filter.site {
            Some(s) if caller.scope.may_read_site(s) => vec![s],
            Some(_) => return Err(StoreError::NotFound),
            None => caller.scope.case_sites().to_vec(),
        };
        if sites.is_empty() {
            return Ok(Vec::new());
        }
        let in_sites = format!("site_id IN ({})", param_list(1, sites.len()));
        let mut sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM person p JOIN prison pr ON pr.id = p.prison_id WHERE "
        );
        let mut binds: Vec<String> = sites.iter().map(|s| s.to_string()).collect();
        let search = filter
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let compact: String = search
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        match (search, identifier_column(&compact)) {
            (Some(_), Some(column)) => {
                // An NHS or prison number matches no name: look it up
                // through its index (the number, then the site) rather than
                // reading the site's people, which the planners prefer when
                // the site is a condition on the outer row.
                binds.push(compact);
                let m = binds.len();
                sql.push_str(&format!(
                    "p.id IN (SELECT n.id FROM person n WHERE n.{column} = ${m} AND n.{in_sites})"
                ));
            }
            (Some(term), None) => {
                sql.push_str(&format!("p.{in_sites}"));
                binds.push(like_contains(term));
                let n = binds.len();
                binds.push(compact);
                let m = binds.len();
                sql.push_str(&format!(
                    " AND (LOWER(p.given_name || ' ' || p.family_name) LIKE LOWER(${n}) ESCAPE '\\' \
                     OR LOWER(COALESCE(p.preferred_name, '')) LIKE LOWER(${n}) ESCAPE '\\' \
                     OR p.prison_number = ${m} OR p.nhs_number = ${m})"
                ));
            }
            (None, _) => sql.push_str(&format!("p.{in_sites}")),
        }
        let limit = filter.limit.clamp(1, 500);
        sql.push_str(&format!(
            " ORDER BY p.family_name, p.given_name, p.id LIMIT {limit} OFFSET {}",
            filter.offset
        ));
        let mut tx = self.begin_audited_read().await?;
        let mut q = sqlx::query_as::<_, PersonRow>(&sql);
        for b in &binds {
            q = q.bind(b.clone());
        }
        let rows = q.fetch_all(&mut *tx).await?;
        let people = rows
            .into_iter()
            .map(PersonRow::into_summary)
            .collect::<Result<Vec<_>>>()?;
        // One event per site shown, so each site's manager sees the view.
        let now = self.now_ms();
        let mut entries = Vec::new();
        for site in &sites {
            let shown = people.iter().filter(|p| p.site_id == *site).count();
            entries.push(
                AuditEntry::new("caseload.view")
                    .site(*site)
                    .detail(format!("{shown} people listed")),
            );
            if let Some(term) = search {
                entries.push(AuditEntry::new("people.search").site(*site).detail(format!(
                    "{shown} found searching for {}",
                    audit_search_text(term)
                )));
            }
        }
        tx.finish_all(self, now, &Actor::User(caller), entries)
            .await?;
        Ok(people)
    }

    /// One person's record, if it is at one of the caller's sites; audited.
    pub async fn get_person(&self, caller: &Caller, id: PersonId) -> Result<Person> {
        let sites = caller.scope.case_sites();
        if sites.is_empty() {
            return Err(StoreError::NotFound);
        }
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS}, p.nhs_number, p.prison_id, s.name AS site_name, p.created_at, \
             u.display_name AS created_by_name, p.version, {} \
             FROM person p JOIN prison pr ON pr.id = p.prison_id JOIN site s ON s.id = p.site_id \
             JOIN app_user u ON u.id = p.created_by \
             WHERE p.id = $1 AND p.site_id IN ({})",
            crate::person_details::profile_select(),
            param_list(2, sites.len())
        );
        let mut tx = self.begin_audited_read().await?;
        let mut q = sqlx::query(&sql).bind(id.to_string());
        for s in sites {
            q = q.bind(s.to_string());
        }
        let row = q
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        use sqlx::Row;
        let nhs: Option<String> = row.try_get("nhs_number")?;
        let prison_id: String = row.try_get("prison_id")?;
        let site_name: String = row.try_get("site_name")?;
        let created_at: i64 = row.try_get("created_at")?;
        let created_by_name: String = row.try_get("created_by_name")?;
        let version: i64 = row.try_get("version")?;
        let profile = crate::person_details::read_profile(&row)?;
        let summary = PersonRow {
            id: row.try_get("id")?,
            site_id: row.try_get("site_id")?,
            given_name: row.try_get("given_name")?,
            family_name: row.try_get("family_name")?,
            preferred_name: row.try_get("preferred_name")?,
            date_of_birth: row.try_get("date_of_birth")?,
            prison_number: row.try_get("prison_number")?,
            prison_name: row.try_get("prison_name")?,
        }
        .into_summary()?;
        tx.finish(
            self,
            self.now_ms(),
            &Actor::User(caller),
            AuditEntry::new("person.view")
                .record("person", id)
                .site(summary.site_id)
                .person(id),
        )
        .await?;
        Ok(Person {
            nhs_number: nhs
                .as_deref()
                .map(NhsNumber::parse)
                .transpose()
                .map_err(|_| StoreError::Corrupt("nhs number".into()))?,
            prison_id: parse(&prison_id, "prison id")?,
            site_name,
            created_at: from_millis(created_at),
            created_by_name,
            summary,
            profile,
            version,
        })
    }

    /// Adds a person to the caseload of the site that serves their prison,
    /// which must be one of the caller's sites; audited. Nothing beyond
    /// [`NewPerson`] is recorded (see [`Store::add_person`] for the rest).
    /// Someone under 18 is refused: RECONNECT supports adults.
    pub async fn create_person(&self, caller: &Caller, new: &NewPerson) -> Result<PersonId> {
        Ok(self
            .insert_person(caller, new, &PersonProfile::default(), None)
            .await?
            .id)
    }

    /// How many people each site has, for operator commands and demo seeding
    /// (counts only, no identities).
    pub async fn count_people(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM person")
            .fetch_one(&self.pool)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::identifier_column;

    #[test]
    fn nhs_and_prison_numbers_are_identifiers_and_names_are_not() {
        assert_eq!(identifier_column("9434765919"), Some("nhs_number"));
        assert_eq!(identifier_column("A1234BC"), Some("prison_number"));
        for not in ["SMITH", "943476591", "A1234B", "1A234BC", ""] {
            assert_eq!(identifier_column(not), None, "{not}");
        }
    }
}
