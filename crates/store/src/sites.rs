//! Sites (the organisations delivering RECONNECT in an area), the prisons each
//! serves, and their NHS England region. Sites hold no personal data, so any
//! signed-in user may list them; only administrators (or operator commands)
//! change them.

use crate::audit::{append, Actor, AuditEntry};
use crate::sql::parse;
use crate::{Result, Store, StoreError};
use reconnect_domain::validation::required_text;
use reconnect_domain::{PrisonId, Region, SiteId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    pub id: SiteId,
    pub name: String,
    pub region: Region,
    pub prisons: Vec<Prison>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prison {
    pub id: PrisonId,
    pub site_id: SiteId,
    pub name: String,
}

#[derive(sqlx::FromRow)]
struct SiteRow {
    id: String,
    name: String,
    region: String,
}

#[derive(sqlx::FromRow)]
struct PrisonRow {
    id: String,
    site_id: String,
    name: String,
}

impl PrisonRow {
    fn into_prison(self) -> Result<Prison> {
        Ok(Prison {
            id: parse(&self.id, "prison id")?,
            site_id: parse(&self.site_id, "site id")?,
            name: self.name,
        })
    }
}

fn may_manage_sites(actor: &Actor<'_>) -> bool {
    match actor {
        Actor::User(c) => c.role().manages_users(),
        Actor::System(_) => true,
        Actor::Anonymous { .. } | Actor::Account { .. } => false,
    }
}

impl Store {
    /// Every site with its prisons, by name.
    /// The names of the given sites, in name order (for the signed-in
    /// header, which every page shows: only those sites, not every site
    /// and prison in the country).
    pub async fn site_names(&self, ids: &[SiteId]) -> Result<Vec<String>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT name FROM site WHERE id IN ({}) ORDER BY name",
            crate::sql::param_list(1, ids.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for id in ids {
            q = q.bind(id.to_string());
        }
        Ok(q.fetch_all(&self.pool).await?)
    }

    pub async fn list_sites(&self) -> Result<Vec<Site>> {
        let sites: Vec<SiteRow> = sqlx::query_as("SELECT id, name, region FROM site ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        let prisons: Vec<PrisonRow> =
            sqlx::query_as("SELECT id, site_id, name FROM prison ORDER BY name")
                .fetch_all(&self.pool)
                .await?;
        let prisons = prisons
            .into_iter()
            .map(PrisonRow::into_prison)
            .collect::<Result<Vec<_>>>()?;
        sites
            .into_iter()
            .map(|s| {
                let id: SiteId = parse(&s.id, "site id")?;
                Ok(Site {
                    id,
                    region: parse(&s.region, "region")?,
                    name: s.name,
                    prisons: prisons
                        .iter()
                        .filter(|p| p.site_id == id)
                        .cloned()
                        .collect(),
                })
            })
            .collect()
    }

    pub async fn get_site(&self, id: SiteId) -> Result<Site> {
        self.list_sites()
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// Finds a site by exact name (case-insensitive), for operator commands.
    pub async fn find_site_by_name(&self, name: &str) -> Result<Option<Site>> {
        Ok(self
            .list_sites()
            .await?
            .into_iter()
            .find(|s| s.name.eq_ignore_ascii_case(name.trim())))
    }

    /// Adds a site. Administrators and operator commands only.
    pub async fn create_site(
        &self,
        actor: &Actor<'_>,
        name: &str,
        region: Region,
    ) -> Result<SiteId> {
        if !may_manage_sites(actor) {
            return Err(StoreError::Forbidden);
        }
        let name =
            required_text(name, "a site name", 120).map_err(|m| StoreError::invalid("name", &m))?;
        let id = SiteId::new();
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let inserted =
            sqlx::query("INSERT INTO site (id, name, region, created_at) VALUES ($1, $2, $3, $4)")
                .bind(id.to_string())
                .bind(&name)
                .bind(region.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await;
        if let Err(e) = inserted {
            return Err(if StoreError::is_unique_violation(&e) {
                StoreError::Invalid(vec![reconnect_domain::FieldError::new(
                    "name",
                    "A site with this name already exists",
                )])
            } else {
                e.into()
            });
        }
        append(
            &mut tx,
            now,
            actor,
            AuditEntry::new("site.create")
                .record("site", id)
                .site(id)
                .detail(name),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Adds a prison to a site. Administrators and operator commands only.
    pub async fn add_prison(
        &self,
        actor: &Actor<'_>,
        site: SiteId,
        name: &str,
    ) -> Result<PrisonId> {
        if !may_manage_sites(actor) {
            return Err(StoreError::Forbidden);
        }
        let name = required_text(name, "a prison name", 120)
            .map_err(|m| StoreError::invalid("prison_name", &m))?;
        let id = PrisonId::new();
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO prison (id, site_id, name, created_at) SELECT $1, id, $2, $3 FROM site WHERE id = $4",
        )
        .bind(id.to_string())
        .bind(&name)
        .bind(now)
        .bind(site.to_string())
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(r) if r.rows_affected() == 0 => return Err(StoreError::NotFound),
            Ok(_) => {}
            Err(e) if StoreError::is_unique_violation(&e) => {
                return Err(StoreError::invalid(
                    "prison_name",
                    "This prison is already served by a site",
                ))
            }
            Err(e) => return Err(e.into()),
        }
        append(
            &mut tx,
            now,
            actor,
            AuditEntry::new("prison.create")
                .record("site", site)
                .site(site)
                .detail(name),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
