//! UK postcodes, parsed by the Royal Mail rules rather than a loose pattern.
//!
//! A postcode is an outward code (the postcode area, one or two letters, and
//! the district) and an inward code (a sector digit and two unit letters). The
//! letters allowed in each position are restricted, and the area must be one
//! of the real postcode areas. `Postcode::parse` accepts any spacing and case
//! and keeps the normal form: capitals, one space before the inward code.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The postcode areas of the UK, Channel Islands and Isle of Man.
const AREAS: &[&str] = &[
    "AB", "AL", "B", "BA", "BB", "BD", "BH", "BL", "BN", "BR", "BS", "BT", "CA", "CB", "CF", "CH",
    "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT", "DY", "E",
    "EC", "EH", "EN", "EX", "FK", "FY", "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP", "HR", "HS",
    "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT", "KW", "KY", "L", "LA", "LD", "LE", "LL",
    "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP", "NR", "NW", "OL", "OX",
    "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG", "SK", "SL", "SM",
    "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR", "TS", "TW",
    "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
];

/// A valid UK postcode in its normal form, e.g. "SW1A 1AA".
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Postcode(String);

/// Why a postcode was refused, in words for the person who typed it.
#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
pub enum PostcodeError {
    #[error("Enter a postcode")]
    Empty,
    #[error("Enter a real postcode, like SW1A 1AA")]
    Format,
    #[error("Enter a real postcode: the letters at the start are not a UK postcode area")]
    UnknownArea,
}

impl Postcode {
    pub fn parse(input: &str) -> Result<Self, PostcodeError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        if compact.is_empty() {
            return Err(PostcodeError::Empty);
        }
        if compact == "GIR0AA" {
            return Ok(Self("GIR 0AA".into()));
        }
        if !(5..=7).contains(&compact.len()) || !compact.is_ascii() {
            return Err(PostcodeError::Format);
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        check_inward(inward)?;
        check_outward(outward)?;
        Ok(Self(format!("{outward} {inward}")))
    }

    /// The normal form, e.g. "SW1A 1AA".
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Without the space, e.g. "SW1A1AA": the key the postcode table uses.
    pub fn compact(&self) -> String {
        self.0.replace(' ', "")
    }

    /// The outward code, e.g. "SW1A".
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or_default()
    }

    /// The postcode area, e.g. "SW".
    pub fn area(&self) -> &str {
        let end = self
            .0
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(self.0.len());
        &self.0[..end]
    }
}

fn check_inward(inward: &str) -> Result<(), PostcodeError> {
    let b = inward.as_bytes();
    let unit_ok = |c: u8| c.is_ascii_uppercase() && !b"CIKMOV".contains(&c);
    if b.len() == 3 && b[0].is_ascii_digit() && unit_ok(b[1]) && unit_ok(b[2]) {
        Ok(())
    } else {
        Err(PostcodeError::Format)
    }
}

fn check_outward(outward: &str) -> Result<(), PostcodeError> {
    let b = outward.as_bytes();
    let first_ok = |c: u8| c.is_ascii_uppercase() && !b"QVX".contains(&c);
    let second_ok = |c: u8| c.is_ascii_uppercase() && !b"IJZ".contains(&c);
    let d = |c: u8| c.is_ascii_digit();
    // A9, A99, A9A, AA9, AA99, AA9A.
    let shape_ok = match b {
        [a, n] => first_ok(*a) && d(*n),
        [a, n, m] if d(*n) && d(*m) => first_ok(*a),
        [a, n, x] if d(*n) => first_ok(*a) && b"ABCDEFGHJKPSTUW".contains(x),
        [a, l, n] => first_ok(*a) && second_ok(*l) && d(*n),
        [a, l, n, m] if d(*m) => first_ok(*a) && second_ok(*l) && d(*n),
        [a, l, n, x] => first_ok(*a) && second_ok(*l) && d(*n) && b"ABEHMNPRVWXY".contains(x),
        _ => false,
    };
    if !shape_ok {
        return Err(PostcodeError::Format);
    }
    let letters = b.iter().take_while(|c| c.is_ascii_uppercase()).count();
    let area = &outward[..letters];
    if AREAS.contains(&area) {
        Ok(())
    } else {
        Err(PostcodeError::UnknownArea)
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Postcode {
    type Error = PostcodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Postcode> for String {
    fn from(p: Postcode) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_shape_of_real_postcode_parses_to_its_normal_form() {
        for (input, normal) in [
            ("m1 1ae", "M1 1AE"),
            ("B338TH", "B33 8TH"),
            ("cr2 6xh", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            ("ec1a1bb", "EC1A 1BB"),
            ("  SW1A   1AA ", "SW1A 1AA"),
            ("gir0aa", "GIR 0AA"),
            ("GU1 1AA", "GU1 1AA"),
        ] {
            let p = Postcode::parse(input).unwrap();
            assert_eq!(p.as_str(), normal, "{input}");
        }
        let p = Postcode::parse("ec1a 1bb").unwrap();
        assert_eq!(p.compact(), "EC1A1BB");
        assert_eq!(p.outward(), "EC1A");
        assert_eq!(p.area(), "EC");
    }

    #[test]
    fn letters_in_restricted_positions_are_refused() {
        for bad in [
            "QA1 1AA",  // Q never starts a postcode
            "AJ1 1AA",  // J never second
            "M1I 1AA",  // I not allowed in the A9A position
            "EC1C 1AA", // C not allowed in the AA9A position
            "M1 1CA",   // C never in the unit
            "M1 1AO",   // O never in the unit
            "M1 AAA",   // the sector is a digit
            "M 1AA",    // no district
            "M123 1AA", // district too long
            "1M1 1AA", "M1-1AA", "",
        ] {
            assert!(Postcode::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn a_well_shaped_code_outside_the_real_areas_is_refused_with_a_reason() {
        // "AA" and "ZZ" follow the letter rules but are not postcode areas.
        assert_eq!(Postcode::parse("AA1 1AA"), Err(PostcodeError::UnknownArea));
        assert!(Postcode::parse("ZZ1 1AA").is_err());
        assert_eq!(Postcode::parse("  "), Err(PostcodeError::Empty));
    }

    proptest! {
        #[test]
        fn parsing_is_idempotent_and_ignores_case_and_spacing(
            area in prop::sample::select(AREAS),
            district in 1u8..=9,
            sector in 0u8..=9,
            unit in "[ABDEFGHJLNPQRSTUWXYZ]{2}",
        ) {
            let text = format!("{area}{district}{sector}{unit}");
            let p = Postcode::parse(&text.to_lowercase()).unwrap();
            prop_assert_eq!(Postcode::parse(p.as_str()).unwrap(), p.clone());
            prop_assert_eq!(p.compact(), text);
        }

        #[test]
        fn never_panics(s in "\\PC{0,12}") {
            let _ = Postcode::parse(&s);
        }
    }
}
