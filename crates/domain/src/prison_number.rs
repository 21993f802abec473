//! Prison numbers (NOMIS numbers): one letter, four digits, two letters, e.g. A1234BC.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PrisonNumber(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("Enter a prison number in the format A1234BC: a letter, 4 numbers and 2 letters")]
pub struct PrisonNumberError;

impl PrisonNumber {
    pub fn parse(input: &str) -> Result<Self, PrisonNumberError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let b = s.as_bytes();
        let ok = b.len() == 7
            && b[0].is_ascii_uppercase()
            && b[1..5].iter().all(u8::is_ascii_digit)
            && b[5..7].iter().all(u8::is_ascii_uppercase);
        if ok {
            Ok(Self(s))
        } else {
            Err(PrisonNumberError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PrisonNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PrisonNumber {
    type Error = PrisonNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<PrisonNumber> for String {
    fn from(p: PrisonNumber) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats() {
        assert_eq!(
            PrisonNumber::parse(" a1234bc ").unwrap().as_str(),
            "A1234BC"
        );
        assert!(PrisonNumber::parse("A123BC").is_err());
        assert!(PrisonNumber::parse("11234BC").is_err());
        assert!(PrisonNumber::parse("A1234B1").is_err());
        assert!(PrisonNumber::parse("É1234BC").is_err());
    }

    proptest! {
        #[test]
        fn valid_shapes_parse(s in "[A-Z][0-9]{4}[A-Z]{2}") {
            let parsed = PrisonNumber::parse(&s.to_lowercase()).unwrap();
            prop_assert_eq!(parsed.as_str(), s.as_str());
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = PrisonNumber::parse(&s);
        }
    }
}
