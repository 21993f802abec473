//! The fixed frame of the national-scale dataset: sites (named after towns,
//! going round the regions), two prisons each, and each site's team of
//! workers, peer mentors and managers, with national leads, reviewers and
//! administrators across all sites. Every account shares one password hash,
//! hashed once.

use super::ids::uuid_at;
use super::places::site_place;
use super::tables;
use crate::demo::DemoLogin;
use rand::rngs::StdRng;
use reconnect_domain::{Role, SiteId};
use reconnect_store::bulk::{BulkTable, BulkValue};

/// Each site's team.
pub const WORKERS_PER_SITE: usize = 14;
pub const MENTORS_PER_SITE: usize = 4;
pub const MANAGERS_PER_SITE: usize = 2;

/// One site and its people's ids.
pub struct SiteFrame {
    pub id: SiteId,
    pub prisons: Vec<String>,
    /// The prisons' names, in the order of `prisons`.
    pub prison_names: Vec<String>,
    pub workers: Vec<String>,
    pub mentors: Vec<String>,
    pub managers: Vec<String>,
}

/// Sites, prisons and staff, as rows, and the sign-ins to print.
pub struct Frame {
    pub sites: Vec<SiteFrame>,
    pub tables: Vec<(BulkTable, Vec<Vec<BulkValue>>)>,
    pub logins: Vec<DemoLogin>,
    pub staff: usize,
}

const GIVEN: [&str; 12] = [
    "Amira", "Ben", "Chloe", "Dev", "Ellie", "Femi", "Gareth", "Hana", "Isaac", "Jas", "Kofi",
    "Laura",
];
const FAMILY: [&str; 10] = [
    "Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fletcher", "Green", "Hughes", "Iqbal", "Jones",
];

fn display_name(n: usize) -> String {
    format!(
        "{} {}",
        GIVEN[n % GIVEN.len()],
        FAMILY[(n / GIVEN.len()) % FAMILY.len()]
    )
}

/// Builds the frame for `site_count` sites over `region_count` regions.
pub fn build(
    rng: &mut StdRng,
    site_count: usize,
    region_count: usize,
    created_at: i64,
    password_hash: &str,
) -> anyhow::Result<Frame> {
    let mut site_rows = Vec::new();
    let mut prison_rows = Vec::new();
    let mut user_rows = Vec::new();
    let mut user_site_rows = Vec::new();
    let mut sites = Vec::new();
    let mut logins = Vec::new();
    let mut staff = 0usize;
    let mut user = |role: Role, email: String, site: Option<&SiteId>, rng: &mut StdRng| {
        let id = uuid_at(rng, created_at);
        user_rows.push(vec![
            BulkValue::Text(id.clone()),
            BulkValue::Text(email),
            BulkValue::Text(display_name(staff)),
            BulkValue::Static(role.as_str()),
            BulkValue::Text(password_hash.to_string()),
            BulkValue::Int(created_at),
            BulkValue::Int(created_at),
        ]);
        if let Some(site) = site {
            user_site_rows.push(vec![
                BulkValue::Text(id.clone()),
                BulkValue::Text(site.to_string()),
            ]);
        }
        staff += 1;
        id
    };
    for i in 0..site_count {
        let (region, _, place) = site_place(i, region_count);
        let id: SiteId = uuid_at(rng, created_at).parse()?;
        let name = format!("RECONNECT {place}");
        site_rows.push(vec![
            BulkValue::Text(id.to_string()),
            BulkValue::Text(name.clone()),
            BulkValue::Static(region.as_str()),
            BulkValue::Int(created_at),
        ]);
        let mut prisons = Vec::new();
        let mut prison_names = Vec::new();
        for prison in [format!("HMP {place}"), format!("HMP & YOI {place} Women's")] {
            let pid = uuid_at(rng, created_at);
            prison_rows.push(vec![
                BulkValue::Text(pid.clone()),
                BulkValue::Text(id.to_string()),
                BulkValue::Text(prison.clone()),
                BulkValue::Int(created_at),
            ]);
            prisons.push(pid);
            prison_names.push(prison);
        }
        let slug = format!("site{:03}", i + 1);
        let mut team = |role: Role, label: &str, n: usize, rng: &mut StdRng| {
            (1..=n)
                .map(|k| {
                    user(
                        role,
                        format!("{label}{k}.{slug}@scale.reconnect.test"),
                        Some(&id),
                        rng,
                    )
                })
                .collect::<Vec<_>>()
        };
        let workers = team(Role::Worker, "worker", WORKERS_PER_SITE, rng);
        let mentors = team(Role::PeerMentor, "mentor", MENTORS_PER_SITE, rng);
        let managers = team(Role::SiteManager, "manager", MANAGERS_PER_SITE, rng);
        if i == 0 {
            for (role, label) in [
                (Role::Worker, "worker1"),
                (Role::PeerMentor, "mentor1"),
                (Role::SiteManager, "manager1"),
            ] {
                logins.push(DemoLogin {
                    role,
                    email: format!("{label}.{slug}@scale.reconnect.test"),
                    site: Some(name.clone()),
                });
            }
        }
        sites.push(SiteFrame {
            id,
            prisons,
            prison_names,
            workers,
            mentors,
            managers,
        });
    }
    for (role, label) in [
        (Role::NationalLead, "lead"),
        (Role::Reviewer, "reviewer"),
        (Role::Admin, "admin"),
    ] {
        let email = format!("{label}@scale.reconnect.test");
        user(role, email.clone(), None, rng);
        logins.push(DemoLogin {
            role,
            email,
            site: None,
        });
    }
    Ok(Frame {
        sites,
        tables: vec![
            (tables::SITE, site_rows),
            (tables::PRISON, prison_rows),
            (tables::APP_USER, user_rows),
            (tables::USER_SITE, user_site_rows),
        ],
        logins,
        staff,
    })
}
