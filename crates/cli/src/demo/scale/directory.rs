//! The directory of community services at scale (Open Referral UK tables of
//! migration 0012): organisations, their services, each at a location with
//! coordinates and an address near one of the sites' towns, and the
//! postcodes of those addresses with their coordinates, so that a search by
//! postcode and distance has something to find everywhere.
//!
//! Each service is one of a few kinds, and the services near each site are
//! kept by kind, for the onward referrals ([`onward`](super::onward)) that
//! episodes at that site make to them.

use super::ids::uuid_at;
use super::places::{postcode_near, site_place};
use super::tables;
use rand::rngs::StdRng;
use rand::Rng;
use reconnect_store::bulk::{BulkTable, BulkValue};

/// The kinds of service: name and description.
pub const KINDS: [(&str, &str); 10] = [
    ("Housing advice", "Help to find and keep somewhere to live"),
    (
        "Drug and alcohol recovery",
        "Treatment and recovery support for drug and alcohol use",
    ),
    ("Food bank", "Emergency food parcels, by referral"),
    (
        "Mental health support",
        "Talking therapies and crisis support",
    ),
    (
        "Employment support",
        "Help with CVs, training and finding work",
    ),
    (
        "Debt and benefits advice",
        "Advice on debt, benefits and bank accounts",
    ),
    (
        "Peer support group",
        "Weekly group run by people with lived experience",
    ),
    (
        "Dental access",
        "Urgent and routine dental care for people without a dentist",
    ),
    (
        "Family support",
        "Help to rebuild contact with children and family",
    ),
    ("Sexual health clinic", "Testing, treatment and advice"),
];

/// Services per organisation.
const SERVICES_PER_ORGANISATION: usize = 4;

/// The directory's rows, and which services are near each site.
pub struct Directory {
    pub tables: Vec<(BulkTable, Vec<Vec<BulkValue>>)>,
    /// For each site (by number), for each kind (by its place in
    /// [`KINDS`]), the ids of the services in that site's town.
    pub near: Vec<Vec<Vec<String>>>,
}

/// The directory's rows: `services` services around `site_count` sites.
pub fn build(
    rng: &mut StdRng,
    services: usize,
    site_count: usize,
    region_count: usize,
    modified_at: i64,
) -> Directory {
    let mut near = vec![vec![Vec::new(); KINDS.len()]; site_count.max(1)];
    let mut organizations = Vec::new();
    let mut service_rows = Vec::new();
    let mut locations = Vec::new();
    let mut links = Vec::new();
    let mut addresses = Vec::new();
    let mut postcodes = Vec::new();
    let mut organization = String::new();
    for i in 0..services {
        let (_, town, _) = site_place(i % site_count.max(1), region_count);
        let k = rng.gen_range(0..KINDS.len());
        let (kind, description) = KINDS[k];
        if i % SERVICES_PER_ORGANISATION == 0 {
            organization = uuid_at(rng, modified_at);
            let n = i / SERVICES_PER_ORGANISATION + 1;
            organizations.push(vec![
                BulkValue::Text(organization.clone()),
                BulkValue::Text(format!("{} Community Trust {n}", town.name)),
                BulkValue::Static("A community organisation supporting people after prison"),
                BulkValue::Text(format!("hello@org{n}.example.org")),
                BulkValue::Text(format!("https://org{n}.example.org")),
            ]);
        }
        let service = uuid_at(rng, modified_at);
        if let Some(list) = near
            .get_mut(i % site_count.max(1))
            .and_then(|site| site.get_mut(k))
        {
            list.push(service.clone());
        }
        service_rows.push(vec![
            BulkValue::Text(service.clone()),
            BulkValue::Text(organization.clone()),
            BulkValue::Text(format!("{kind} ({} {})", town.name, i + 1)),
            BulkValue::Static(description),
            BulkValue::Text(format!("service{}@example.org", i + 1)),
            BulkValue::Static("active"),
            BulkValue::Static("Call or email the service with the person's consent"),
            BulkValue::Int(modified_at),
        ]);
        let Some((postcode, latitude, longitude)) = postcode_near(rng, town, i) else {
            continue;
        };
        let location = uuid_at(rng, modified_at);
        locations.push(vec![
            BulkValue::Text(location.clone()),
            BulkValue::Text(organization.clone()),
            BulkValue::Static("physical"),
            BulkValue::Text(format!("{} centre {}", town.name, i + 1)),
            BulkValue::Real(latitude),
            BulkValue::Real(longitude),
        ]);
        links.push(vec![
            BulkValue::Text(uuid_at(rng, modified_at)),
            BulkValue::Text(service),
            BulkValue::Text(location.clone()),
        ]);
        let spaced = format!(
            "{} {}",
            &postcode[..postcode.len() - 3],
            &postcode[postcode.len() - 3..]
        );
        addresses.push(vec![
            BulkValue::Text(uuid_at(rng, modified_at)),
            BulkValue::Text(location),
            BulkValue::Text(format!("{} High Street", i % 200 + 1)),
            BulkValue::Static(town.name),
            BulkValue::Static("England"),
            BulkValue::Text(spaced),
            BulkValue::Text(postcode.clone()),
            BulkValue::Static("GB"),
            BulkValue::Static("physical"),
        ]);
        postcodes.push(vec![
            BulkValue::Text(postcode),
            BulkValue::Real(latitude),
            BulkValue::Real(longitude),
            BulkValue::Int(0),
        ]);
    }
    Directory {
        tables: vec![
            (tables::POSTCODE, postcodes),
            (tables::ORGANIZATION, organizations),
            (tables::SERVICE, service_rows),
            (tables::LOCATION, locations),
            (tables::SERVICE_AT_LOCATION, links),
            (tables::ADDRESS, addresses),
        ],
        near,
    }
}
