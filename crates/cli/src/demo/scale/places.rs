//! Where the national-scale dataset's sites are: ten towns in each of the
//! seven regions, each with its postcode area and rough coordinates, and
//! made-up postcodes near them for the directory's locations.

use rand::rngs::StdRng;
use rand::Rng;
use reconnect_domain::postcode::Postcode;
use reconnect_domain::Region;

/// A town a site is named after.
pub struct Town {
    pub name: &'static str,
    /// Its postcode area, e.g. "LS".
    pub area: &'static str,
    pub latitude: f64,
    pub longitude: f64,
}

const fn town(name: &'static str, area: &'static str, latitude: f64, longitude: f64) -> Town {
    Town {
        name,
        area,
        latitude,
        longitude,
    }
}

// One region's towns per line group, in the order of `Region::ALL`.
#[rustfmt::skip]
const TOWNS: [[Town; 10]; 7] = [
    [town("Leeds", "LS", 53.80, -1.55), town("Sheffield", "S", 53.38, -1.47),
     town("Newcastle", "NE", 54.98, -1.62), town("Bradford", "BD", 53.79, -1.75),
     town("Hull", "HU", 53.74, -0.33), town("York", "YO", 53.96, -1.08),
     town("Middlesbrough", "TS", 54.57, -1.23), town("Doncaster", "DN", 53.52, -1.13),
     town("Sunderland", "SR", 54.91, -1.38), town("Wakefield", "WF", 53.68, -1.50)],
    [town("Manchester", "M", 53.48, -2.24), town("Liverpool", "L", 53.41, -2.98),
     town("Preston", "PR", 53.76, -2.70), town("Bolton", "BL", 53.58, -2.43),
     town("Blackburn", "BB", 53.75, -2.48), town("Warrington", "WA", 53.39, -2.59),
     town("Carlisle", "CA", 54.89, -2.93), town("Lancaster", "LA", 54.05, -2.80),
     town("Oldham", "OL", 53.54, -2.11), town("Wigan", "WN", 53.55, -2.63)],
    [town("Birmingham", "B", 52.49, -1.89), town("Nottingham", "NG", 52.95, -1.15),
     town("Leicester", "LE", 52.64, -1.13), town("Coventry", "CV", 52.41, -1.51),
     town("Derby", "DE", 52.92, -1.48), town("Stoke-on-Trent", "ST", 53.00, -2.18),
     town("Wolverhampton", "WV", 52.59, -2.13), town("Lincoln", "LN", 53.23, -0.54),
     town("Northampton", "NN", 52.24, -0.90), town("Shrewsbury", "SY", 52.71, -2.75)],
    [town("Norwich", "NR", 52.63, 1.30), town("Cambridge", "CB", 52.21, 0.12),
     town("Ipswich", "IP", 52.06, 1.16), town("Peterborough", "PE", 52.57, -0.24),
     town("Chelmsford", "CM", 51.74, 0.47), town("Luton", "LU", 51.88, -0.42),
     town("Colchester", "CO", 51.89, 0.90), town("Southend", "SS", 51.54, 0.71),
     town("Bedford", "MK", 52.14, -0.47), town("Stevenage", "SG", 51.90, -0.20)],
    [town("Camden", "NW", 51.55, -0.16), town("Hackney", "E", 51.55, -0.06),
     town("Lambeth", "SE", 51.46, -0.12), town("Westminster", "SW", 51.50, -0.14),
     town("Islington", "N", 51.54, -0.10), town("Ealing", "W", 51.51, -0.30),
     town("Croydon", "CR", 51.37, -0.10), town("Brent", "HA", 51.56, -0.28),
     town("Bromley", "BR", 51.41, 0.02), town("Enfield", "EN", 51.65, -0.08)],
    [town("Brighton", "BN", 50.82, -0.14), town("Southampton", "SO", 50.90, -1.40),
     town("Portsmouth", "PO", 50.80, -1.09), town("Reading", "RG", 51.45, -0.97),
     town("Oxford", "OX", 51.75, -1.26), town("Guildford", "GU", 51.24, -0.57),
     town("Maidstone", "ME", 51.27, 0.52), town("Canterbury", "CT", 51.28, 1.08),
     town("Slough", "SL", 51.51, -0.59), town("Crawley", "RH", 51.11, -0.19)],
    [town("Bristol", "BS", 51.45, -2.59), town("Plymouth", "PL", 50.38, -4.14),
     town("Exeter", "EX", 50.72, -3.53), town("Gloucester", "GL", 51.86, -2.24),
     town("Bournemouth", "BH", 50.72, -1.88), town("Swindon", "SN", 51.56, -1.78),
     town("Taunton", "TA", 51.02, -3.10), town("Truro", "TR", 50.26, -5.05),
     town("Bath", "BA", 51.38, -2.36), town("Cardiff", "CF", 51.48, -3.18)],
];

const SUFFIXES: [&str; 4] = ["", " North", " South", " East"];

/// Site number `i`: its region, its town and its place name ("Leeds",
/// "Leeds North"...). Sites go round the regions in turn.
pub fn site_place(i: usize, region_count: usize) -> (Region, &'static Town, String) {
    let regions = region_count.clamp(1, Region::ALL.len());
    let r = i % regions;
    let round = i / regions;
    let towns = &TOWNS[r];
    let town = &towns[round % towns.len()];
    let suffix = SUFFIXES[(round / towns.len()) % SUFFIXES.len()];
    let extra = round / (towns.len() * SUFFIXES.len());
    let name = if extra == 0 {
        format!("{}{suffix}", town.name)
    } else {
        format!("{}{suffix} {}", town.name, extra + 1)
    };
    (Region::ALL[r], town, name)
}

/// Letters allowed as a postcode's unit letters.
const UNIT_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// Postcode number `k` in `town`'s area (a different one for each `k` below
/// 80,000), with coordinates within about 10 km of the town.
pub fn postcode_near(rng: &mut StdRng, town: &Town, k: usize) -> Option<(String, f64, f64)> {
    let units = UNIT_LETTERS.len();
    let a = UNIT_LETTERS[k % units];
    let b = UNIT_LETTERS[(k / units) % units];
    let sector = (k / (units * units)) % 10;
    let district = 1 + (k / (units * units * 10)) % 20;
    let text = format!(
        "{}{district} {sector}{}{}",
        town.area,
        char::from(a),
        char::from(b)
    );
    let postcode = Postcode::parse(&text).ok()?;
    let latitude = town.latitude + rng.gen_range(-0.09..0.09);
    let longitude = town.longitude + rng.gen_range(-0.14..0.14);
    Some((postcode.compact(), latitude, longitude))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::HashSet;

    #[test]
    fn sites_have_unique_names_across_regions() {
        let names: HashSet<String> = (0..150).map(|i| site_place(i, 7).2).collect();
        assert_eq!(names.len(), 150);
        assert_eq!(site_place(0, 7).0, Region::NorthEastAndYorkshire);
        assert_eq!(site_place(7, 7).2, "Sheffield");
    }

    #[test]
    fn postcodes_are_real_shapes_and_unique() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut seen = HashSet::new();
        for r in &TOWNS {
            for t in r {
                for k in 0..500 {
                    let (p, _, _) = postcode_near(&mut rng, t, k).unwrap();
                    assert!(seen.insert(p));
                }
            }
        }
    }
}
