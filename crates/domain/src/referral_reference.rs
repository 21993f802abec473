//! The reference number a referral is given, like `RCN-4K7M-9QX2`: what the
//! person (or whoever referred them) is shown on the confirmation page and
//! can quote on the phone, and what staff type into the lookup box.
//!
//! Eight characters drawn at random from an alphabet without the characters
//! people confuse when reading aloud or copying (no 0/O, 1/I/L, U/V), so
//! about 40 bits: guessing a reference is hopeless, and even a correct guess
//! reveals nothing, because only staff at the referral's site can look it up.
//! The store keeps references unique. Nothing here performs I/O: the caller
//! supplies the random bytes.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The characters a reference is made of (29 of them).
pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTWXYZ";
const PREFIX: &str = "RCN";
/// Random characters in a reference.
pub const CODE_CHARS: usize = 8;

/// A referral's reference, always in the canonical form `RCN-XXXX-XXXX`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ReferralReference(String);

/// Text that is not a referral reference.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("Enter a reference like RCN-4K7M-9QX2")]
pub struct ReferralReferenceError;

impl ReferralReference {
    /// A reference made from random bytes (one character per byte).
    pub fn from_random(bytes: [u8; CODE_CHARS]) -> Self {
        let code: String = bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
            .collect();
        Self(format!("{PREFIX}-{}-{}", &code[..4], &code[4..]))
    }

    /// Reads a reference as people type it: any case, with or without the
    /// `RCN` prefix, hyphens or spaces.
    pub fn parse(input: &str) -> Result<Self, ReferralReferenceError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        let code = compact.strip_prefix(PREFIX).unwrap_or(&compact);
        if code.len() != CODE_CHARS || !code.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(ReferralReferenceError);
        }
        Ok(Self(format!("{PREFIX}-{}-{}", &code[..4], &code[4..])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReferralReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for ReferralReference {
    type Error = ReferralReferenceError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ReferralReference> for String {
    fn from(r: ReferralReference) -> String {
        r.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn canonical_form() {
        let r = ReferralReference::from_random([0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(r.as_str(), "RCN-2345-6789");
        assert_eq!(ReferralReference::parse("rcn 2345 6789").unwrap(), r);
        assert_eq!(ReferralReference::parse("23456789").unwrap(), r);
        assert_eq!(ReferralReference::parse(" RCN-2345-6789 ").unwrap(), r);
    }

    #[test]
    fn refuses_confusable_and_wrong_lengths() {
        assert!(ReferralReference::parse("RCN-0000-0000").is_err());
        assert!(ReferralReference::parse("RCN-OOOO-IIII").is_err());
        assert!(ReferralReference::parse("RCN-2345-678").is_err());
        assert!(ReferralReference::parse("").is_err());
        assert!(ReferralReference::parse("RCN-2345-6789A").is_err());
        assert!(ReferralReference::parse("RCN-2345-67É9").is_err());
    }

    #[test]
    fn alphabet_has_no_confusable_characters() {
        for c in b"01ILOUV" {
            assert!(!ALPHABET.contains(c), "{}", char::from(*c));
        }
        assert_eq!(ALPHABET.len(), 29);
    }

    proptest! {
        #[test]
        fn every_random_reference_parses_back(bytes in proptest::array::uniform8(any::<u8>())) {
            let r = ReferralReference::from_random(bytes);
            prop_assert_eq!(ReferralReference::parse(r.as_str()).unwrap(), r.clone());
            prop_assert_eq!(r.as_str().len(), 13);
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = ReferralReference::parse(&s);
        }
    }
}
