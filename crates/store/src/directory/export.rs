//! The whole directory read back as the profile's tables, for export as CSV
//! tables or as a JSON feed of nested records.

use super::cells::{read_row, Record};
use super::nested::{self, Depth};
use crate::{Result, Store};
use reconnect_domain::openreferral::{Service, Tables, Taxonomy};
use sqlx::AnyConnection;

async fn all<R: Record>(conn: &mut AnyConnection) -> Result<Vec<R>> {
    let sql = format!("{} ORDER BY id", R::select());
    sqlx::query(&sql)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| R::from_cells(read_row(r, R::COLUMNS)?))
        .collect()
}

impl Store {
    /// Every record of the directory, one list per table.
    pub async fn export_directory_tables(&self) -> Result<Tables> {
        let mut conn = self.pool.acquire().await?;
        let c = &mut *conn;
        let mut t = Tables::default();
        t.taxonomies = all(c).await?;
        t.taxonomy_terms = all(c).await?;
        t.organizations = all(c).await?;
        t.organization_identifiers = all(c).await?;
        t.services = all(c).await?;
        t.locations = all(c).await?;
        t.service_at_locations = all(c).await?;
        t.addresses = all(c).await?;
        t.accessibility = all(c).await?;
        t.contacts = all(c).await?;
        t.phones = all(c).await?;
        t.schedules = all(c).await?;
        t.service_areas = all(c).await?;
        t.languages = all(c).await?;
        t.cost_options = all(c).await?;
        t.funding = all(c).await?;
        t.attributes = all(c).await?;
        Ok(t)
    }

    /// Every service, fully nested, by id; and every taxonomy with its terms.
    pub async fn export_directory_nested(&self) -> Result<(Vec<Service>, Vec<Taxonomy>)> {
        let mut conn = self.pool.acquire().await?;
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM dir_service ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
        let mut services = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            services.extend(nested::services(&mut conn, chunk, Depth::Full).await?);
        }
        let mut taxonomies: Vec<Taxonomy> = all(&mut conn).await?;
        for t in &mut taxonomies {
            t.taxonomy_terms =
                nested::load(&mut conn, "taxonomy_id", std::slice::from_ref(&t.id)).await?;
        }
        Ok((services, taxonomies))
    }
}
