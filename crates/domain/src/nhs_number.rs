//! NHS numbers: ten digits whose last digit is a Modulus 11 check digit.
//! A number whose check digit would be 10 is never issued, so it is invalid.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber([u8; 10]);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NhsNumberError {
    #[error("NHS number must be 10 digits")]
    WrongLength,
    #[error("NHS number must contain only digits and spaces")]
    NotDigits,
    #[error("Enter a valid NHS number: the last digit does not match")]
    CheckDigit,
}

impl NhsNumber {
    /// Parses "943 476 5919", "943-476-5919" or "9434765919".
    pub fn parse(input: &str) -> Result<Self, NhsNumberError> {
        let mut digits = [0u8; 10];
        let mut n = 0;
        for c in input.trim().chars() {
            match c {
                ' ' | '-' => continue,
                '0'..='9' => {
                    if n == 10 {
                        return Err(NhsNumberError::WrongLength);
                    }
                    digits[n] = c as u8 - b'0';
                    n += 1;
                }
                _ => return Err(NhsNumberError::NotDigits),
            }
        }
        if n != 10 {
            return Err(NhsNumberError::WrongLength);
        }
        match check_digit(&digits[..9]) {
            Some(d) if d == digits[9] => Ok(Self(digits)),
            _ => Err(NhsNumberError::CheckDigit),
        }
    }

    /// Builds a valid number from nine leading digits, or `None` when those
    /// digits have no valid check digit. Used to make synthetic test numbers.
    pub fn from_first_nine(first: [u8; 9]) -> Option<Self> {
        if first.iter().any(|d| *d > 9) {
            return None;
        }
        let check = check_digit(&first)?;
        let mut digits = [0u8; 10];
        digits[..9].copy_from_slice(&first);
        digits[9] = check;
        Some(Self(digits))
    }

    /// Is this in the 999 range set aside for testing (never a real patient)?
    pub fn is_test_range(&self) -> bool {
        self.0[..3] == [9, 9, 9]
    }

    /// The ten digits with no spaces, as stored.
    pub fn digits(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }
}

/// Modulus 11: weights 10..2 over the first nine digits; 11 → 0, 10 → invalid.
fn check_digit(first_nine: &[u8]) -> Option<u8> {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10u32).rev())
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        d => Some(d as u8),
    }
}

impl fmt::Display for NhsNumber {
    /// The 3-3-4 format people read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digits();
        write!(f, "{} {} {}", &d[..3], &d[3..6], &d[6..])
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = NhsNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<NhsNumber> for String {
    fn from(n: NhsNumber) -> String {
        n.digits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_valid_and_invalid() {
        let n = NhsNumber::parse("943 476 5919").unwrap();
        assert_eq!(n.digits(), "9434765919");
        assert_eq!(n.to_string(), "943 476 5919");
        assert_eq!(
            NhsNumber::parse("9434765918"),
            Err(NhsNumberError::CheckDigit)
        );
        assert_eq!(
            NhsNumber::parse("943476591"),
            Err(NhsNumberError::WrongLength)
        );
        assert_eq!(
            NhsNumber::parse("94347659199"),
            Err(NhsNumberError::WrongLength)
        );
        assert_eq!(
            NhsNumber::parse("94347659a9"),
            Err(NhsNumberError::NotDigits)
        );
        assert_eq!(NhsNumber::parse(""), Err(NhsNumberError::WrongLength));
    }

    #[test]
    fn check_digit_of_ten_is_invalid() {
        // 123456780: sum = 1*10+2*9+3*8+4*7+5*6+6*5+7*4+8*3+0*2 = 212; 212 % 11 = 3; 11-3 = 8
        // Find a nine-digit prefix whose check digit would be 10 and prove no
        // ten-digit number with that prefix parses.
        let prefix = (0..1000u32)
            .map(|i| {
                let s = format!("999000{i:03}");
                let d: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
                d
            })
            .find(|d| check_digit(d).is_none())
            .unwrap();
        for last in 0..10u8 {
            let s: String = prefix
                .iter()
                .chain(std::iter::once(&last))
                .map(|d| char::from(b'0' + d))
                .collect();
            assert!(NhsNumber::parse(&s).is_err(), "{s} should be refused");
        }
    }

    proptest! {
        #[test]
        fn built_numbers_parse_back(first in proptest::array::uniform9(0u8..10)) {
            if let Some(n) = NhsNumber::from_first_nine(first) {
                let parsed = NhsNumber::parse(&n.to_string()).unwrap();
                prop_assert_eq!(parsed, n);
                prop_assert_eq!(NhsNumber::parse(&n.digits()).unwrap(), n);
            }
        }

        #[test]
        fn one_changed_digit_is_caught(first in proptest::array::uniform9(0u8..10), pos in 0usize..10, delta in 1u8..10) {
            if let Some(n) = NhsNumber::from_first_nine(first) {
                let mut d: Vec<u8> = n.digits().bytes().map(|b| b - b'0').collect();
                d[pos] = (d[pos] + delta) % 10;
                let s: String = d.iter().map(|x| char::from(b'0' + x)).collect();
                prop_assert!(NhsNumber::parse(&s).is_err());
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = NhsNumber::parse(&s);
        }
    }
}
