//! The demo services directory: about forty made-up community services from
//! some twenty-five made-up organisations around the three demo sites
//! (Surrey, Greater Manchester, the West Midlands), each with a place,
//! address, coordinates, opening times, a contact and phone number, the
//! field taxonomy's terms, and who it is for. Loaded through the same
//! upsert as an import, with the fixture postcodes (coordinates made up in
//! the right towns) so proximity search works. Names, 01632 960xxx and
//! 07700 900xxx numbers and example.org addresses are all invented.

use crate::commands::postcodes::Columns;
use anyhow::{anyhow, Context};
use reconnect_domain::openreferral::*;
use reconnect_domain::postcode::Postcode;
use reconnect_domain::service_taxonomy;
use reconnect_store::directory::PostcodeRow;
use reconnect_store::Store;
use std::collections::HashMap;

/// The made-up postcode file the tests use too.
pub const POSTCODES_CSV: &str = include_str!("../../../../testdata/postcodes/onspd_sample.csv");

/// Organisations: (name, description, website slug).
const ORGS: &[(&str, &str, &str)] = &[
    (
        "Wey Valley Medical Group",
        "A group of NHS GP practices in and around Guildford.",
        "weyvalleymedical",
    ),
    (
        "Surrey Recovery Partnership",
        "NHS and voluntary sector drug and alcohol treatment across Surrey.",
        "surreyrecovery",
    ),
    (
        "Guildford Night Shelter Trust",
        "Emergency accommodation and housing advice in Guildford.",
        "guildfordnightshelter",
    ),
    (
        "Woking Women's Centre",
        "A women-only centre offering support, advice and groups.",
        "wokingwomen",
    ),
    (
        "North Downs Pharmacy",
        "An independent community pharmacy.",
        "northdownspharmacy",
    ),
    (
        "Surrey Minds Together",
        "Community mental health and wellbeing support.",
        "surreyminds",
    ),
    (
        "Redhill Community Kitchen",
        "Food bank and community meals in Redhill.",
        "redhillkitchen",
    ),
    (
        "Second Chance Mentors Surrey",
        "Peer mentors with lived experience of prison.",
        "secondchancesurrey",
    ),
    (
        "Ancoats Health Centre",
        "An NHS GP practice in central Manchester.",
        "ancoatshealth",
    ),
    (
        "Manchester Change Grow Recover",
        "Drug and alcohol treatment in Manchester.",
        "mcrrecovery",
    ),
    (
        "Irwell Housing Advice",
        "Housing advice and tenancy support in Salford and Manchester.",
        "irwellhousing",
    ),
    (
        "Hulme Women's Hub",
        "Support for women affected by the justice system.",
        "hulmewomen",
    ),
    (
        "Spectrum North West",
        "Support for autistic adults and adults with ADHD.",
        "spectrumnw",
    ),
    (
        "Mancunian Peer Network",
        "Peer support groups run by people in recovery.",
        "mcrpeers",
    ),
    (
        "Stockport Food Share",
        "Food bank and essentials in Stockport.",
        "stockportfood",
    ),
    (
        "Warrington Work Ready",
        "Employment and training support.",
        "warringtonwork",
    ),
    (
        "Digbeth Medical Practice",
        "An NHS GP practice in Birmingham.",
        "digbethmedical",
    ),
    (
        "Aston Pharmacy",
        "A community pharmacy open late.",
        "astonpharmacy",
    ),
    (
        "Birmingham Recovery Network",
        "Drug and alcohol services across Birmingham.",
        "brumrecovery",
    ),
    (
        "Sparkbrook Housing Trust",
        "Supported housing and homelessness prevention.",
        "sparkbrookhousing",
    ),
    (
        "Edgbaston Minds",
        "Talking therapies and wellbeing groups.",
        "edgbastonminds",
    ),
    (
        "Black Country Women's Centre",
        "Women's centre in Walsall.",
        "bcwomen",
    ),
    (
        "Walsall Faith Welcome",
        "Faith and community groups that welcome people after prison.",
        "walsallfaith",
    ),
    (
        "Wolverhampton ID Help",
        "Help getting ID, bank accounts and benefits.",
        "wolvesidhelp",
    ),
    (
        "Selly Oak Walking Club",
        "Free walking groups and allotment sessions.",
        "sellyoakwalks",
    ),
];

/// One service: organisation index, name, description, term codes,
/// postcode, street, town, county, ages, genders, days, opening hours, how
/// to refer.
struct Plan {
    org: usize,
    name: &'static str,
    description: &'static str,
    terms: &'static [&'static str],
    postcode: &'static str,
    street: &'static str,
    town: &'static str,
    county: &'static str,
    ages: (Option<i64>, Option<i64>),
    genders: Option<&'static str>,
    days: &'static str,
    hours: (&'static str, &'static str),
    how_to_refer: &'static str,
}

#[allow(clippy::too_many_arguments)] // one row of the table below, in its column order
const fn p(
    org: usize,
    name: &'static str,
    description: &'static str,
    terms: &'static [&'static str],
    place: (&'static str, &'static str, &'static str, &'static str),
    ages: (Option<i64>, Option<i64>),
    genders: Option<&'static str>,
    days: &'static str,
    hours: (&'static str, &'static str),
    how_to_refer: &'static str,
) -> Plan {
    Plan {
        org,
        name,
        description,
        terms,
        postcode: place.0,
        street: place.1,
        town: place.2,
        county: place.3,
        ages,
        genders,
        days,
        hours,
        how_to_refer,
    }
}

const ANY: (Option<i64>, Option<i64>) = (None, None);
const ADULTS: (Option<i64>, Option<i64>) = (Some(18), None);
const WEEKDAYS: &str = "MO,TU,WE,TH,FR";
const SELF: &str = "Phone or walk in; no referral needed.";
const REFERRAL: &str =
    "Send a referral with the person's consent; we reply within two working days.";

const PLANS: &[Plan] = &[
    // Surrey
    p(0, "Wey Valley Medical Group: new patient registration", "Register with a GP, including on the day of release, with or without proof of address.", &["gp-primary-care"], ("GU1 1AA", "12 Wey Street", "Guildford", "Surrey"), ANY, None, WEEKDAYS, ("08:00", "18:30"), "Walk in or phone; bring a release letter if you have one."),
    p(0, "Wey Valley nurse clinic", "Health checks, vaccinations and wound care with a practice nurse.", &["gp-primary-care"], ("GU2 7XH", "3 Park Barn Drive", "Guildford", "Surrey"), ANY, None, "TU,TH", ("09:00", "13:00"), SELF),
    p(1, "Surrey Recovery Partnership: Guildford hub", "Assessment, prescribing and key work for drug and alcohol use.", &["substance-misuse"], ("GU1 3JX", "40 Friary Lane", "Guildford", "Surrey"), ADULTS, None, WEEKDAYS, ("09:00", "17:00"), REFERRAL),
    p(1, "Surrey Recovery Partnership: Woking drop-in", "Needle exchange, naloxone and advice without an appointment.", &["substance-misuse"], ("GU21 5EP", "7 Chertsey Road", "Woking", "Surrey"), ADULTS, None, "MO,WE,FR", ("10:00", "15:00"), SELF),
    p(2, "Guildford Night Shelter", "Emergency beds and a hot meal for people with nowhere to stay tonight.", &["housing", "food-essentials"], ("GU1 4LZ", "1 Bridge Street", "Guildford", "Surrey"), ADULTS, None, "MO,TU,WE,TH,FR,SA,SU", ("19:00", "23:00"), "Phone after 5pm to ask for a bed."),
    p(2, "Guildford housing advice surgery", "Advice on council housing, private renting and homelessness applications.", &["housing"], ("GU1 4LZ", "1 Bridge Street", "Guildford", "Surrey"), ADULTS, None, "TU,TH", ("10:00", "14:00"), SELF),
    p(3, "Woking Women's Centre: drop-in", "A safe women-only space with advice, laundry and a hot drink.", &["womens-services", "wellbeing-social"], ("GU21 6XR", "22 Goldsworth Road", "Woking", "Surrey"), ADULTS, Some("women"), "MO,WE", ("10:00", "15:00"), SELF),
    p(3, "Woking domestic abuse support", "Safety planning and an independent domestic violence advocate.", &["domestic-abuse", "womens-services"], ("GU21 6XR", "22 Goldsworth Road", "Woking", "Surrey"), (Some(16), None), Some("women"), WEEKDAYS, ("09:00", "17:00"), REFERRAL),
    p(4, "North Downs Pharmacy", "Prescriptions, supervised consumption and emergency supplies.", &["pharmacy"], ("GU4 7BA", "5 The Street", "Merrow", "Surrey"), ANY, None, "MO,TU,WE,TH,FR,SA", ("08:30", "19:00"), SELF),
    p(5, "Surrey Minds Together: talking group", "A weekly group for anxiety and low mood, led by a trained facilitator.", &["mental-health", "peer-support"], ("GU1 3JX", "40 Friary Lane", "Guildford", "Surrey"), ADULTS, None, "WE", ("18:00", "19:30"), SELF),
    p(5, "Surrey crisis cafe", "An evening cafe for people in mental health crisis, instead of A&E.", &["mental-health"], ("RH1 6NH", "9 Station Road", "Redhill", "Surrey"), (Some(16), None), None, "MO,TU,WE,TH,FR,SA,SU", ("18:00", "23:00"), SELF),
    p(6, "Redhill Community Kitchen food bank", "Food parcels and toiletries; no voucher needed in the first week after release.", &["food-essentials"], ("RH1 1PQ", "14 London Road", "Redhill", "Surrey"), ANY, None, "TU,FR", ("11:00", "14:00"), SELF),
    p(7, "Second Chance Mentors", "A peer mentor who has been through prison meets you at the gate and for the first 12 weeks.", &["peer-support", "probation-support"], ("GU1 1AA", "12 Wey Street", "Guildford", "Surrey"), ADULTS, None, WEEKDAYS, ("09:00", "17:00"), REFERRAL),
    // Greater Manchester
    p(8, "Ancoats Health Centre: GP registration", "Register with a GP; we register people without a fixed address.", &["gp-primary-care"], ("M4 5JD", "2 Cotton Street", "Manchester", "Greater Manchester"), ANY, None, WEEKDAYS, ("08:00", "18:30"), "Walk in or phone; no proof of address needed."),
    p(8, "Ancoats dental access session", "Urgent NHS dental appointments for people not registered with a dentist.", &["dental"], ("M4 5JD", "2 Cotton Street", "Manchester", "Greater Manchester"), ANY, None, "MO,TH", ("09:00", "12:00"), "Phone at 8am for a same-day slot."),
    p(9, "Manchester recovery service: city centre", "Assessment, opioid substitution and recovery groups.", &["substance-misuse"], ("M1 3BE", "30 Oldham Street", "Manchester", "Greater Manchester"), ADULTS, None, WEEKDAYS, ("09:00", "17:00"), REFERRAL),
    p(9, "Alcohol support group", "A weekly group for people cutting down or stopping drinking.", &["substance-misuse", "peer-support"], ("M13 9PL", "8 Oxford Road", "Manchester", "Greater Manchester"), ADULTS, None, "TH", ("18:00", "19:30"), SELF),
    p(10, "Irwell Housing Advice", "Help with homelessness applications, deposits and tenancy support.", &["housing"], ("M6 5FX", "61 Eccles New Road", "Salford", "Greater Manchester"), ADULTS, None, WEEKDAYS, ("09:30", "16:30"), REFERRAL),
    p(10, "Irwell supported lodgings", "Supported rooms for up to two years for people leaving prison.", &["housing", "probation-support"], ("M15 4FN", "19 Stretford Road", "Manchester", "Greater Manchester"), (Some(18), Some(35)), None, WEEKDAYS, ("09:00", "17:00"), "Referrals from probation or a resettlement worker."),
    p(11, "Hulme Women's Hub", "Key work, groups and a creche for women affected by the justice system.", &["womens-services", "family-children"], ("M15 4FN", "21 Stretford Road", "Manchester", "Greater Manchester"), ADULTS, Some("women,non_binary"), "MO,TU,TH", ("10:00", "16:00"), SELF),
    p(12, "Spectrum adult autism and ADHD support", "One-to-one support and social groups for autistic adults and adults with ADHD.", &["neurodiversity", "wellbeing-social"], ("M13 9PL", "10 Oxford Road", "Manchester", "Greater Manchester"), ADULTS, None, "TU,WE", ("10:00", "16:00"), REFERRAL),
    p(12, "Learning disability advocacy", "An advocate to help with appointments, letters and benefits for adults with a learning disability.", &["learning-disability"], ("M13 9PL", "10 Oxford Road", "Manchester", "Greater Manchester"), ADULTS, None, "MO,TH", ("10:00", "15:00"), REFERRAL),
    p(13, "Mancunian Peer Network: recovery cafe", "Coffee, company and mutual aid meetings run by people in recovery.", &["peer-support", "wellbeing-social"], ("M40 8WN", "4 Hollinwood Avenue", "Manchester", "Greater Manchester"), ANY, None, "SA", ("11:00", "15:00"), SELF),
    p(13, "Prison leavers' peer group", "A weekly group run by mentors who have left prison themselves.", &["peer-support"], ("M1 1AE", "1 Piccadilly", "Manchester", "Greater Manchester"), ADULTS, Some("men"), "WE", ("17:30", "19:00"), SELF),
    p(14, "Stockport Food Share", "Food parcels, clothing and household essentials.", &["food-essentials"], ("SK1 1UR", "6 Wellington Road", "Stockport", "Greater Manchester"), ANY, None, "MO,WE,FR", ("10:00", "13:00"), SELF),
    p(15, "Warrington Work Ready", "CV help, training courses and introductions to employers who hire people with convictions.", &["employment-training"], ("WA1 1QR", "11 Bridge Street", "Warrington", "Cheshire"), ADULTS, None, WEEKDAYS, ("09:00", "17:00"), REFERRAL),
    p(15, "Money and benefits clinic", "Universal Credit claims, advance payments and bank accounts.", &["benefits-money", "identity-documents"], ("WA1 2NH", "3 Sankey Street", "Warrington", "Cheshire"), ADULTS, None, "TU", ("10:00", "15:00"), SELF),
    // West Midlands
    p(16, "Digbeth Medical Practice: registration", "Register with a GP, with or without proof of address.", &["gp-primary-care"], ("B5 4BU", "88 High Street", "Birmingham", "West Midlands"), ANY, None, WEEKDAYS, ("08:00", "18:30"), "Walk in or phone."),
    p(17, "Aston Pharmacy", "Prescriptions until 10pm, supervised consumption and naloxone.", &["pharmacy", "substance-misuse"], ("B4 6AT", "15 Lancaster Circus", "Birmingham", "West Midlands"), ANY, None, "MO,TU,WE,TH,FR,SA,SU", ("08:00", "22:00"), SELF),
    p(18, "Birmingham Recovery Network: city hub", "Drug and alcohol treatment, prescribing and key work.", &["substance-misuse"], ("B1 1BB", "25 Broad Street", "Birmingham", "West Midlands"), ADULTS, None, WEEKDAYS, ("09:00", "17:00"), REFERRAL),
    p(18, "Birmingham Recovery Network: Selly Oak", "Recovery groups and one-to-one support in south Birmingham.", &["substance-misuse", "peer-support"], ("B29 6BD", "500 Bristol Road", "Birmingham", "West Midlands"), ADULTS, None, "TU,TH", ("10:00", "16:00"), REFERRAL),
    p(19, "Sparkbrook Housing Trust", "Supported housing and homelessness prevention.", &["housing"], ("B12 9QD", "77 Stratford Road", "Birmingham", "West Midlands"), ADULTS, None, WEEKDAYS, ("09:00", "17:00"), REFERRAL),
    p(19, "Young people's housing service", "Rooms and support for young adults leaving custody.", &["housing"], ("B12 0YJ", "3 Ladypool Road", "Birmingham", "West Midlands"), (Some(18), Some(25)), None, WEEKDAYS, ("09:00", "17:00"), REFERRAL),
    p(20, "Edgbaston Minds: talking therapies", "Counselling and therapy for anxiety, depression and trauma.", &["mental-health"], ("B15 2TT", "12 Hagley Road", "Birmingham", "West Midlands"), ADULTS, None, WEEKDAYS, ("09:00", "20:00"), REFERRAL),
    p(20, "Men's wellbeing group", "A relaxed group for men to talk, with football afterwards.", &["mental-health", "wellbeing-social"], ("B15 2TT", "12 Hagley Road", "Birmingham", "West Midlands"), ADULTS, Some("men"), "MO", ("18:00", "20:00"), SELF),
    p(21, "Black Country Women's Centre", "Advice, groups and domestic abuse support for women.", &["womens-services", "domestic-abuse"], ("WS1 1TP", "10 Bridge Street", "Walsall", "West Midlands"), ADULTS, Some("women"), "MO,TU,WE,TH", ("09:30", "16:00"), SELF),
    p(22, "Walsall Faith Welcome", "Faith groups offering a welcome, a meal and a mentor.", &["faith-community", "wellbeing-social"], ("WS1 4LT", "2 Church Hill", "Walsall", "West Midlands"), ANY, None, "SU", ("12:00", "15:00"), SELF),
    p(23, "Wolverhampton ID Help", "Help getting a birth certificate, photo ID and a bank account.", &["identity-documents", "benefits-money"], ("WV2 4NJ", "8 Snow Hill", "Wolverhampton", "West Midlands"), ADULTS, None, "WE,FR", ("10:00", "15:00"), SELF),
    p(23, "Legal advice clinic", "Free advice on housing, debt and family law from volunteer solicitors.", &["legal-advice"], ("WV2 4DE", "30 Dudley Road", "Wolverhampton", "West Midlands"), ADULTS, None, "TH", ("17:00", "19:00"), "Phone to book a 30 minute slot."),
    p(24, "Selly Oak walking group and allotment", "Free walks and allotment sessions; boots and gloves lent.", &["wellbeing-social"], ("B29 6BD", "Selly Oak Park gates", "Birmingham", "West Midlands"), ANY, None, "SA", ("10:00", "12:30"), SELF),
];

fn uuid(kind: u16, n: usize) -> String {
    format!("d1{kind:06x}-0000-4000-8000-{n:012}")
}

/// The fixture's rows, and the coordinates of each postcode by normal form.
type Fixture = (Vec<PostcodeRow>, HashMap<String, (f64, f64)>);

fn fixture_postcodes() -> anyhow::Result<Fixture> {
    let mut reader = csv::Reader::from_reader(POSTCODES_CSV.as_bytes());
    let columns = Columns::from_headers(reader.headers()?)?;
    let mut rows = Vec::new();
    let mut at = HashMap::new();
    for record in reader.records() {
        if let Some(row) = columns.row(&record?) {
            at.insert(
                row.postcode.to_string(),
                (row.coordinates.latitude, row.coordinates.longitude),
            );
            rows.push(row);
        }
    }
    Ok((rows, at))
}

/// The demo directory as the profile's tables.
pub fn tables() -> anyhow::Result<Tables> {
    let (_, at) = fixture_postcodes()?;
    let mut t = Tables::default();
    for (i, (name, description, slug)) in ORGS.iter().enumerate() {
        t.add_organization(Organization {
            id: uuid(1, i),
            name: (*name).into(),
            description: (*description).into(),
            email: Some(format!("hello@{slug}.example.org")),
            website: Some(format!("https://{slug}.example.org")),
            ..Default::default()
        });
    }
    for (i, plan) in PLANS.iter().enumerate() {
        let postcode = Postcode::parse(plan.postcode)
            .map_err(|e| anyhow!("demo directory: postcode {}: {e}", plan.postcode))?;
        let &(lat, lon) = at.get(postcode.as_str()).with_context(|| {
            format!("demo directory: {postcode} is not in the postcode fixture")
        })?;
        let (slug, org_name) = (ORGS[plan.org].2, ORGS[plan.org].0);
        let term_ids = plan
            .terms
            .iter()
            .map(|code| {
                service_taxonomy::by_code(code)
                    .map(|t| t.id.to_string())
                    .ok_or_else(|| anyhow!("demo directory: no term {code}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        t.add_service(Service {
            id: uuid(2, i),
            organization_id: Some(uuid(1, plan.org)),
            name: plan.name.into(),
            description: Some(plan.description.into()),
            url: Some(format!("https://{slug}.example.org/services/{}", i + 1)),
            email: Some(format!("referrals@{slug}.example.org")),
            status: "active".into(),
            minimum_age: plan.ages.0,
            maximum_age: plan.ages.1,
            eligible_genders: plan.genders.map(str::to_string),
            eligibility_description: plan.genders.map(|g| {
                format!(
                    "For {}",
                    g.replace(',', " and ")
                        .replace("non_binary", "non-binary people")
                )
            }),
            how_to_refer: Some(plan.how_to_refer.into()),
            assured_date: Some("2026-01-15".into()),
            schedules: vec![Schedule {
                id: uuid(3, i),
                freq: Some("WEEKLY".into()),
                interval: Some(1),
                byday: Some(plan.days.into()),
                opens_at: Some(plan.hours.0.into()),
                closes_at: Some(plan.hours.1.into()),
                description: Some(format!("Open {} to {}", plan.hours.0, plan.hours.1)),
                ..Default::default()
            }],
            service_at_locations: vec![ServiceAtLocation {
                id: uuid(4, i),
                location: Some(Box::new(Location {
                    id: uuid(5, i),
                    organization_id: Some(uuid(1, plan.org)),
                    location_type: "physical".into(),
                    name: Some(format!("{org_name}, {}", plan.town)),
                    latitude: Some(lat),
                    longitude: Some(lon),
                    addresses: vec![Address {
                        id: uuid(6, i),
                        address_1: plan.street.into(),
                        city: plan.town.into(),
                        state_province: plan.county.into(),
                        postal_code: postcode.to_string(),
                        country: "GB".into(),
                        address_type: "physical".into(),
                        ..Default::default()
                    }],
                    accessibility: vec![Accessibility {
                        id: uuid(7, i),
                        description: Some(if i % 3 == 0 {
                            "Step-free access and an accessible toilet.".into()
                        } else {
                            "Ground floor; a hearing loop at reception.".into()
                        }),
                        ..Default::default()
                    }],
                    ..Default::default()
                })),
                ..Default::default()
            }],
            contacts: vec![Contact {
                id: uuid(8, i),
                name: Some("Duty worker".into()),
                title: Some("Referrals".into()),
                email: Some(format!("duty@{slug}.example.org")),
                phones: vec![Phone {
                    id: uuid(9, i),
                    number: format!("01632 960{:03}", 100 + i),
                    ..Default::default()
                }],
                ..Default::default()
            }],
            phones: vec![Phone {
                id: uuid(10, i),
                number: format!("07700 900{:03}", 100 + i),
                phone_type: Some("text".into()),
                description: Some("Text messages".into()),
                ..Default::default()
            }],
            attributes: term_ids
                .into_iter()
                .enumerate()
                .map(|(k, term)| Attribute {
                    id: uuid(11, i * 10 + k),
                    taxonomy_term_id: Some(term),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        });
    }
    Ok(t)
}

/// Loads the fixture postcodes and the demo directory; returns how many services.
pub async fn seed(store: &Store) -> anyhow::Result<usize> {
    let (rows, _) = fixture_postcodes()?;
    store
        .import_postcodes(&rows)
        .await
        .context("loading the demo postcodes")?;
    let t = tables()?;
    store
        .upsert_directory(&t)
        .await
        .map_err(|e| anyhow!("loading the demo directory: {e:?}"))?;
    Ok(t.services.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reconnect_domain::openreferral::validate::validate;

    #[test]
    fn the_demo_directory_is_valid_and_covers_the_three_areas() {
        let t = tables().unwrap();
        assert_eq!(validate(&t), vec![]);
        assert!(t.services.len() >= 40, "{}", t.services.len());
        assert_eq!(t.organizations.len(), ORGS.len());
        assert!(t.locations.iter().all(|l| l.latitude.is_some()));
        for county in ["Surrey", "Greater Manchester", "West Midlands"] {
            assert!(
                t.addresses
                    .iter()
                    .filter(|a| a.state_province == county)
                    .count()
                    >= 8,
                "{county}"
            );
        }
        let used: std::collections::HashSet<_> = t
            .attributes
            .iter()
            .filter_map(|a| a.taxonomy_term_id.as_deref())
            .collect();
        assert!(
            used.len() >= 18,
            "most of the field taxonomy is used: {}",
            used.len()
        );
    }

    #[test]
    fn the_fixture_postcodes_parse_and_skip_rows_without_coordinates() {
        let (rows, _) = fixture_postcodes().unwrap();
        assert_eq!(rows.len(), POSTCODES_CSV.lines().count() - 1 - 3);
        assert_eq!(rows.iter().filter(|r| r.terminated).count(), 1);
    }
}
