//! Identifiers and numbers that are the same for the same seed: record ids
//! (UUIDs whose random part comes from the seeded generator), and NHS and
//! prison numbers handed out by a person's place in the whole dataset, so
//! that each is unique without remembering those already used.
//!
//! The few rows of the frame and the directory get time-ordered ids (v7).
//! The caseloads' rows get ids that sort in the order they are written
//! ([`SiteIds`]): site by site, and within a site in the order they are
//! made, so each table's key index only ever grows at its end during the
//! load, rather than taking each row at a random place.

use rand::rngs::StdRng;
use rand::Rng;
use reconnect_domain::NhsNumber;
use uuid::{Builder, Uuid};

/// A UUID v7 for a record made at `at_ms`, random part from `rng`.
pub fn uuid_at(rng: &mut StdRng, at_ms: i64) -> String {
    let random: [u8; 10] = rng.gen();
    let millis = u64::try_from(at_ms).unwrap_or_default();
    let id: Uuid = Builder::from_unix_timestamp_millis(millis, &random).into_uuid();
    id.hyphenated().to_string()
}

/// Ids for one site's caseload rows: UUIDs (version 8, the layout of the
/// application's choosing) whose first six bytes are the site's number
/// (counted from 1) and a count of the ids made for it so far, and whose
/// other bits come from the seeded generator.
pub struct SiteIds {
    site: u16,
    made: u32,
}

impl SiteIds {
    pub fn new(site_number: usize) -> Self {
        Self {
            site: u16::try_from(site_number + 1).unwrap_or(u16::MAX),
            made: 0,
        }
    }

    /// The next id; each is greater than the last, as text too.
    pub fn next(&mut self, rng: &mut StdRng) -> String {
        let random: [u8; 10] = rng.gen();
        self.made = self.made.wrapping_add(1);
        let mut bytes = [0u8; 16];
        bytes[..2].copy_from_slice(&self.site.to_be_bytes());
        bytes[2..6].copy_from_slice(&self.made.to_be_bytes());
        bytes[6..].copy_from_slice(&random);
        let id: Uuid = Builder::from_custom_bytes(bytes).into_uuid();
        id.hyphenated().to_string()
    }
}

/// Every valid NHS number in the 999 test range (about 909,000), in a
/// scrambled order fixed by `seed`. Person `i` of the dataset gets entry `i`.
pub fn nhs_numbers(seed: u64) -> Vec<String> {
    const SPACE: u64 = 1_000_000;
    // Odd and not a multiple of 5, so stepping by it visits every number once.
    const STEP: u64 = 7_919;
    let start = seed.wrapping_mul(104_729) % SPACE;
    let mut out = Vec::with_capacity(910_000);
    for k in 0..SPACE {
        let n = (start + k * STEP) % SPACE;
        let mut first = [9u8; 9];
        let mut rest = n;
        for d in first[3..].iter_mut().rev() {
            *d = u8::try_from(rest % 10).unwrap_or_default();
            rest /= 10;
        }
        if let Some(number) = NhsNumber::from_first_nine(first) {
            out.push(number.digits());
        }
    }
    out
}

/// A prison number like A1234BC or G1234BC for person `i` of the dataset:
/// a different one for every `i` below 13,520,000.
pub fn prison_number(i: u64) -> String {
    const SPACE: u64 = 2 * 10_000 * 26 * 26;
    // Shares no factor with SPACE (2^7 x 5^4 x 13^2), so i -> k is one to one.
    const STEP: u64 = 7_919_993;
    let k = (i % SPACE) * STEP % SPACE;
    let digits = k % 10_000;
    let a = (k / 10_000) % 26;
    let b = (k / 260_000) % 26;
    let first = if k / 6_760_000 == 0 { 'A' } else { 'G' };
    let letter = |x: u64| char::from(b'A' + u8::try_from(x).unwrap_or_default());
    format!("{first}{digits:04}{}{}", letter(a), letter(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use reconnect_domain::PrisonNumber;
    use std::collections::HashSet;

    #[test]
    fn nhs_numbers_are_valid_unique_and_seeded() {
        let a = nhs_numbers(1);
        assert!(a.len() > 900_000);
        assert_eq!(a.iter().collect::<HashSet<_>>().len(), a.len());
        assert!(a
            .iter()
            .take(100)
            .all(|n| n.starts_with("999") && NhsNumber::parse(n).is_ok()));
        assert_ne!(a.first(), nhs_numbers(2).first());
    }

    #[test]
    fn prison_numbers_are_valid_and_unique() {
        let all: HashSet<String> = (0..700_000).map(prison_number).collect();
        assert_eq!(all.len(), 700_000);
        assert!(all.iter().take(50).all(|p| PrisonNumber::parse(p).is_ok()));
    }

    #[test]
    fn site_ids_grow_in_the_order_made_and_follow_the_seed() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut first = SiteIds::new(0);
        let mut second = SiteIds::new(1);
        let mut ids: Vec<String> = (0..300).map(|_| first.next(&mut rng)).collect();
        ids.extend((0..300).map(|_| second.next(&mut rng)));
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        for id in &ids {
            let parsed = Uuid::parse_str(id).unwrap();
            assert_eq!(parsed.get_version_num(), 8);
            assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        }
        let mut again = SiteIds::new(0);
        assert_eq!(ids[0], again.next(&mut StdRng::seed_from_u64(3)));
    }

    #[test]
    fn uuids_follow_the_seed() {
        let mut a = StdRng::seed_from_u64(3);
        let mut b = StdRng::seed_from_u64(3);
        assert_eq!(
            uuid_at(&mut a, 1_700_000_000_000),
            uuid_at(&mut b, 1_700_000_000_000)
        );
    }
}
