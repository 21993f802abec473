//! `reconnect demo --scale <name>`: a large synthetic dataset shaped like a
//! national RECONNECT service, the same for the same seed and day, loaded in
//! bulk ([`reconnect_store::bulk`]) to measure the service against (see
//! bench/). Made-up people only, as in the rich demo of [`super`].
//!
//! The load runs in parts, each written after the parts its rows point at:
//! 1. the frame: sites, prisons and staff ([`staff`]);
//! 2. the directory of community services and its postcodes ([`directory`]);
//! 3. the caseloads, one site at a time ([`caseload`]), built on a second
//!    thread while the previous site is written;
//! 4. with each site's caseload and written after it, the onward referrals
//!    from its episodes to the directory's services in its town
//!    ([`onward`], migration 0014).

mod caseload;
mod directory;
mod ids;
mod journey;
mod onward;
mod places;
mod progress;
mod staff;
mod tables;

use super::DemoLogin;
use anyhow::{anyhow, bail, Context};
use caseload::{SiteContext, SiteRows};
use journey::day_ms;
use progress::Progress;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reconnect_domain::episode::EpisodeState;
use reconnect_store::bulk::{BulkLoader, BulkTable, BulkValue};
use reconnect_store::Store;
use std::sync::Arc;
use time::Date;

/// The named sizes of dataset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// One site, one year: seconds (CI).
    Site,
    /// One region's 21 sites, one year.
    Region,
    /// 150 sites in 7 regions, one year of a national service.
    National,
    /// 150 sites in 7 regions, ten years (about 600,000 people).
    National10,
}

/// How big a scale is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub sites: usize,
    pub regions: usize,
    pub people: usize,
    pub years: u32,
    pub services: usize,
}

impl Scale {
    pub fn shape(self) -> Shape {
        match self {
            Scale::Site => Shape {
                sites: 1,
                regions: 1,
                people: 400,
                years: 1,
                services: 200,
            },
            Scale::Region => Shape {
                sites: 21,
                regions: 1,
                people: 8_400,
                years: 1,
                services: 3_000,
            },
            Scale::National => Shape {
                sites: 150,
                regions: 7,
                people: 60_000,
                years: 1,
                services: 20_000,
            },
            Scale::National10 => Shape {
                sites: 150,
                regions: 7,
                people: 600_000,
                years: 10,
                services: 20_000,
            },
        }
    }
}

/// What [`seed`] made.
#[derive(Clone, Debug)]
pub struct ScaleSummary {
    pub shape: Shape,
    pub staff: usize,
    pub episodes_by_state: Vec<(EpisodeState, usize)>,
    pub rows: u64,
    pub seconds: f64,
    pub logins: Vec<DemoLogin>,
}

impl ScaleSummary {
    pub fn episodes(&self) -> usize {
        self.episodes_by_state.iter().map(|(_, n)| n).sum()
    }
}

/// Loads a dataset of `scale` into `store`, which the caller has checked is
/// empty and migrated. `today` anchors every date (nothing is later than its
/// start but booked appointments); every account gets `password_hash`.
pub async fn seed(
    store: &Store,
    scale: Scale,
    seed: u64,
    today: Date,
    password_hash: &str,
) -> anyhow::Result<ScaleSummary> {
    let shape = scale.shape();
    let mut rng = StdRng::seed_from_u64(seed);
    let now_ms = day_ms(today);
    let founded = now_ms - (i64::from(shape.years) * 365 + 30) * 86_400_000;
    let frame = staff::build(&mut rng, shape.sites, shape.regions, founded, password_hash)?;
    let directory::Directory {
        tables: directory,
        near,
    } = directory::build(
        &mut rng,
        shape.services,
        shape.sites,
        shape.regions,
        founded,
    );
    let nhs_numbers = Arc::new(ids::nhs_numbers(seed));
    if shape.people > nhs_numbers.len() {
        bail!("scale data: more people than test NHS numbers");
    }
    let contexts = site_contexts(&mut rng, &frame, near, &shape, (seed, today), nhs_numbers)?;

    let mut loader = store
        .bulk_loader()
        .await
        .context("cannot start the bulk load")?;
    loader
        .defer_indexes(&tables::LOADED_IN_BULK)
        .await
        .context("cannot set the indexes aside for the load")?;
    let mut progress = Progress::new(shape.people);
    for (table, rows) in frame.tables.into_iter().chain(directory) {
        write(&mut loader, &table, rows).await?;
    }
    let mut states = vec![0usize; EpisodeState::ALL.len()];
    let (tx, mut rx) = tokio::sync::mpsc::channel::<anyhow::Result<SiteRows>>(2);
    let builder = tokio::task::spawn_blocking(move || {
        for ctx in &contexts {
            if tx.blocking_send(caseload::build(ctx)).is_err() {
                break;
            }
        }
    });
    while let Some(site) = rx.recv().await {
        let site = site?;
        for (table, rows) in site.tables {
            write(&mut loader, &table, rows).await?;
        }
        for (n, s) in states.iter_mut().zip(&site.states) {
            *n += s;
        }
        progress.advance(site.people, loader.rows);
    }
    builder
        .await
        .map_err(|e| anyhow!("scale data: the builder stopped: {e}"))?;
    let rows = loader
        .finish()
        .await
        .context("cannot finish the bulk load")?;
    progress.finish();
    store
        .analyze()
        .await
        .context("cannot update the planner's statistics")?;
    Ok(ScaleSummary {
        shape,
        staff: frame.staff,
        episodes_by_state: EpisodeState::ALL.into_iter().zip(states).collect(),
        rows,
        seconds: progress.elapsed().as_secs_f64(),
        logins: frame.logins,
    })
}

async fn write(
    loader: &mut BulkLoader,
    table: &BulkTable,
    rows: Vec<Vec<BulkValue>>,
) -> anyhow::Result<()> {
    loader
        .insert(table, rows)
        .await
        .with_context(|| format!("cannot load the {} rows", table.name))?;
    Ok(())
}

/// Shares the people among the sites (sites differ in size, from about half
/// to one and a half times the average) and says what each site is built from.
fn site_contexts(
    rng: &mut StdRng,
    frame: &staff::Frame,
    services_near: Vec<Vec<Vec<String>>>,
    shape: &Shape,
    (seed, today): (u64, Date),
    nhs_numbers: Arc<Vec<String>>,
) -> anyhow::Result<Vec<SiteContext>> {
    let mut services_near = services_near.into_iter();
    let weights: Vec<f64> = frame
        .sites
        .iter()
        .map(|_| rng.gen_range(0.5..1.5))
        .collect();
    let total: f64 = weights.iter().sum();
    let mut out = Vec::with_capacity(frame.sites.len());
    let mut first_person = 0u64;
    let mut left = shape.people;
    for (i, (site, w)) in frame.sites.iter().zip(&weights).enumerate() {
        let people = if i + 1 == frame.sites.len() {
            left
        } else {
            ((shape.people as f64 * w / total) as usize).min(left)
        };
        left -= people;
        out.push(SiteContext {
            number: i,
            id: site.id,
            prisons: site.prisons.clone(),
            prison_names: site.prison_names.clone(),
            services: services_near.next().unwrap_or_default(),
            workers: site.workers.clone(),
            mentors: site.mentors.clone(),
            manager: site
                .managers
                .first()
                .cloned()
                .ok_or_else(|| anyhow!("scale data: a site without a manager"))?,
            first_person,
            people,
            seed,
            today,
            years: shape.years,
            nhs_numbers: nhs_numbers.clone(),
        });
        first_person += people as u64;
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
