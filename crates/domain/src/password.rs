//! The password policy for new staff passwords.
//!
//! Follows the NCSC and NIST SP 800-63B advice: a long minimum length, a
//! generous maximum, no composition rules ("one capital, one symbol"), and
//! instead a refusal of passwords that are known to be guessed first:
//!
//! - fewer than [`MIN_LENGTH`] or more than [`MAX_LENGTH`] characters
//!   (counted as Unicode scalar values, not bytes);
//! - one character repeated, or a short pattern repeated (`abcabcabcabc`);
//! - a simple keyboard, alphabet or number sequence (`123456789012`,
//!   `abcdefghijkl`, `qwertyuiopas`, `1qaz2wsx3edc`), including a sequence
//!   padded with a few digits or symbols;
//! - a common password: one on the bundled list (`data/common-passwords.txt`)
//!   once case, padding digits and symbols, separators, repetition and
//!   leetspeak (`P@ssw0rd12345`) are undone;
//! - anything containing one of the caller's context strings, such as the
//!   person's email local part or name (items shorter than 4 characters are
//!   ignored).
//!
//! [`check_new_password`] only judges the password; hashing lives elsewhere.

use std::collections::HashSet;
use std::sync::OnceLock;

/// The fewest characters a new password may have.
pub const MIN_LENGTH: usize = 12;

/// The most characters a new password may have. Long enough for any
/// passphrase, short enough to bound the work done hashing it.
pub const MAX_LENGTH: usize = 128;

/// Context items (and parts of them) shorter than this are not looked for.
const MIN_CONTEXT_LENGTH: usize = 4;

/// Up to this many ambiguous leetspeak characters (`1`, `!`, `|`, each `i` or
/// `l`) have every combination tried; beyond it, only all-`i` and all-`l`.
const MAX_AMBIGUOUS: usize = 4;

/// The part of a padded sequence (`abcdefgh!!99`) that must be a sequence on
/// its own for the whole password to count as one.
const MIN_SEQUENCE_CORE: usize = 6;

/// A sequence with up to this many other characters at its ends
/// (`0987654321qw`) still counts as one, if the sequence part is at least
/// [`MIN_SEQUENCE_WITH_EXTRAS`] long.
const MAX_SEQUENCE_EXTRAS: usize = 3;
const MIN_SEQUENCE_WITH_EXTRAS: usize = 9;

/// How much of a long tail of digits and symbols is tried off the end of a
/// password when looking it up, beyond the bare word (list entries carry at
/// most a few digits of their own, like `qwerty123456`).
const MAX_TAIL_TRIED: usize = 12;

/// Keyboard, alphabet and number orders. Each is read as a ring (its last
/// character is followed by its first), forwards or backwards.
const SEQUENCES: &[&str] = &[
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    // Keyboard rows, read across and on to the next row.
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "`1234567890-=",
    "~!@#$%^&*()_+",
    // Keyboard columns (1qaz2wsx...) and zigzags (1q2w3e...).
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
    "qazwsxedcrfvtgbyhnujmikolp",
    "1q2w3e4r5t6y7u8i9o0p",
    "qawsedrftgyhujikolp",
];

const COMMON_PASSWORDS_FILE: &str = include_str!("../data/common-passwords.txt");

static COMMON_PASSWORDS: OnceLock<HashSet<String>> = OnceLock::new();

/// Why a new password was refused. The Display text is shown next to the
/// password field.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordProblem {
    #[error("Password must be at least {} characters", MIN_LENGTH)]
    TooShort,
    #[error("Password must be {} characters or fewer", MAX_LENGTH)]
    TooLong,
    #[error("Password must not be one character repeated")]
    RepeatedCharacter,
    #[error("Password must not be a simple sequence, like 123456 or abcdef")]
    SimpleSequence,
    #[error("This password is too common. Choose a different password")]
    TooCommon,
    #[error("Password must not be a short pattern repeated")]
    RepeatedPattern,
    #[error("Password must not contain your email address or name")]
    ContainsPersonalInfo,
}

/// Checks a password someone has chosen for themselves.
///
/// `context` holds strings the password must not contain, compared
/// case-insensitively and allowing for leetspeak: typically the email local
/// part and the person's name. Each item is also split into words (on spaces
/// and punctuation), and for an email address only the part before the `@` is
/// split, so a shared domain name does not rule out ordinary words. Items and
/// words shorter than 4 characters are ignored.
///
/// The first problem found is returned, checked in this order: length,
/// repeated character, sequence, common password, repeated pattern, context.
pub fn check_new_password(password: &str, context: &[&str]) -> Result<(), PasswordProblem> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordProblem::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordProblem::TooLong);
    }

    let lower = password.to_lowercase();
    if is_one_character_repeated(&lower) {
        return Err(PasswordProblem::RepeatedCharacter);
    }
    if is_simple_sequence(&lower) {
        return Err(PasswordProblem::SimpleSequence);
    }
    if is_common(&lower) {
        return Err(PasswordProblem::TooCommon);
    }
    if is_short_pattern_repeated(&lower) {
        return Err(PasswordProblem::RepeatedPattern);
    }
    if contains_context(&lower, context) {
        return Err(PasswordProblem::ContainsPersonalInfo);
    }
    Ok(())
}

/// The common-password list, parsed on first use.
fn common_passwords() -> &'static HashSet<String> {
    COMMON_PASSWORDS.get_or_init(|| {
        COMMON_PASSWORDS_FILE
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(str::to_lowercase)
            .collect()
    })
}

/// Digits, punctuation, symbols and spaces: what people pad a word with.
fn is_padding(c: char) -> bool {
    c.is_ascii_digit() || !c.is_alphanumeric()
}

fn trim_padding(s: &str) -> &str {
    s.trim_matches(is_padding)
}

fn without_separators(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

// ---------------------------------------------------------------------------
// Repetition

fn is_one_character_repeated(lower: &str) -> bool {
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => false,
    }
}

/// The shortest unit that `s` is two or more exact copies of, if any.
fn repeated_unit(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    (1..=n / 2)
        .find(|&unit| {
            let mut chunks = chars.chunks_exact(unit);
            chunks.remainder().is_empty() && chunks.all(|chunk| chunk == &chars[..unit])
        })
        .map(|unit| chars[..unit].iter().collect())
}

/// A unit too short to be a password on its own, repeated: `Xk9#Xk9#Xk9#`.
fn is_short_pattern_repeated(lower: &str) -> bool {
    [lower.to_string(), without_separators(lower)]
        .iter()
        .filter_map(|s| repeated_unit(s))
        .any(|unit| unit.chars().count() < MIN_LENGTH)
}

// ---------------------------------------------------------------------------
// Sequences

#[derive(Clone, Copy)]
enum Direction {
    Forwards,
    Backwards,
}

/// Whether `b` comes straight after `a` going `direction` round `ring`.
fn follows(ring: &[u8], a: char, b: char, direction: Direction) -> bool {
    let (Ok(a), Ok(b)) = (u8::try_from(a), u8::try_from(b)) else {
        return false;
    };
    let len = ring.len();
    match ring.iter().position(|&c| c == a) {
        Some(i) => match direction {
            Direction::Forwards => ring[(i + 1) % len] == b,
            Direction::Backwards => ring[(i + len - 1) % len] == b,
        },
        None => false,
    }
}

/// Whether `chars` splits entirely into runs of three or more characters,
/// each going one way along one known order (`qwerty123456`, `zaq12wsx`).
fn is_made_of_runs(chars: &[char]) -> bool {
    let n = chars.len();
    if n < 3 {
        return false;
    }
    // reachable[i]: chars[..i] splits into runs.
    let mut reachable = vec![false; n + 1];
    reachable[0] = true;
    for start in 0..n {
        if !reachable[start] {
            continue;
        }
        for sequence in SEQUENCES {
            for direction in [Direction::Forwards, Direction::Backwards] {
                let mut end = start + 1;
                while end < n && follows(sequence.as_bytes(), chars[end - 1], chars[end], direction)
                {
                    end += 1;
                }
                if end >= start + 3 {
                    reachable[start + 3..=end].fill(true);
                }
            }
        }
    }
    reachable[n]
}

/// Whether `chars` is made of runs, perhaps with a few extra characters at
/// either end.
fn is_mostly_runs(chars: &[char]) -> bool {
    if is_made_of_runs(chars) {
        return true;
    }
    let n = chars.len();
    (0..=MAX_SEQUENCE_EXTRAS).any(|front| {
        (0..=MAX_SEQUENCE_EXTRAS - front).any(|back| {
            front + back > 0
                && n >= front + back + MIN_SEQUENCE_WITH_EXTRAS
                && is_made_of_runs(&chars[front..n - back])
        })
    })
}

fn is_simple_sequence(lower: &str) -> bool {
    let raw: Vec<char> = lower.chars().collect();
    let joined = without_separators(lower);
    let joined_chars: Vec<char> = joined.chars().collect();
    let core: Vec<char> = trim_padding(&joined).chars().collect();
    // Interleaved sequences such as a1b2c3d4e5f6.
    let evens: Vec<char> = joined_chars.iter().step_by(2).copied().collect();
    let odds: Vec<char> = joined_chars.iter().skip(1).step_by(2).copied().collect();

    is_mostly_runs(&raw)
        || is_mostly_runs(&joined_chars)
        || (core.len() >= MIN_SEQUENCE_CORE && is_made_of_runs(&core))
        || (odds.len() >= MIN_SEQUENCE_CORE && is_made_of_runs(&evens) && is_made_of_runs(&odds))
}

// ---------------------------------------------------------------------------
// Common passwords

/// The letter a leetspeak character stands for, where there is only one.
fn leet_letter(c: char) -> Option<char> {
    match c {
        '0' => Some('o'),
        '3' => Some('e'),
        '4' | '@' => Some('a'),
        '5' | '$' => Some('s'),
        '7' | '+' => Some('t'),
        '8' => Some('b'),
        '9' => Some('g'),
        _ => None,
    }
}

/// Leetspeak characters that may stand for `i` or `l`.
fn is_ambiguous_leet(c: char) -> bool {
    matches!(c, '1' | '!' | '|')
}

/// Whether the `index`th ambiguous character is read as `l` under `mask`.
fn reads_as_l(mask: u32, index: usize) -> bool {
    u32::try_from(index)
        .ok()
        .and_then(|shift| mask.checked_shr(shift))
        .map_or(mask & 1, |shifted| shifted & 1)
        == 1
}

/// `s` with leetspeak undone, in each plausible reading.
fn leet_readings(s: &str) -> Vec<String> {
    let ambiguous = s.chars().filter(|&c| is_ambiguous_leet(c)).count();
    let masks: Vec<u32> = if ambiguous <= MAX_AMBIGUOUS {
        (0..1u32 << ambiguous).collect()
    } else {
        vec![0, u32::MAX]
    };
    masks
        .into_iter()
        .map(|mask| {
            let mut index = 0;
            s.chars()
                .map(|c| {
                    if is_ambiguous_leet(c) {
                        let l = reads_as_l(mask, index);
                        index += 1;
                        if l {
                            'l'
                        } else {
                            'i'
                        }
                    } else {
                        leet_letter(c).unwrap_or(c)
                    }
                })
                .collect()
        })
        .collect()
}

/// `s` with only symbols read as letters, keeping digits (`1q@z2w$x`).
fn symbols_as_letters(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '@' => 'a',
            '$' => 's',
            '+' => 't',
            '!' => 'i',
            '|' => 'l',
            other => other,
        })
        .collect()
}

/// Everything the (lower-cased) password might be a disguise of.
fn common_candidates(lower: &str) -> HashSet<String> {
    let chars: Vec<char> = lower.chars().collect();
    let n = chars.len();
    let leading_padding = chars.iter().take_while(|&&c| is_padding(c)).count();
    let leading_digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    let trailing_padding = chars.iter().rev().take_while(|&&c| is_padding(c)).count();

    // Trailing padding may go in part ("abc123" + "2024!!") or in full, and
    // leading padding either all goes or only its digits do.
    let word_end = n - trailing_padding;
    let ends = (word_end..=n.min(word_end + MAX_TAIL_TRIED)).chain([n]);
    let mut bases = HashSet::new();
    for start in [0, leading_padding, leading_digits] {
        for end in ends.clone() {
            if start < end {
                bases.insert(chars[start..end].iter().collect::<String>());
            }
        }
    }

    let mut candidates = HashSet::new();
    for base in &bases {
        let mut forms = leet_readings(base);
        forms.push(symbols_as_letters(base));
        forms.push(base.clone());
        for form in forms {
            let joined = without_separators(&form);
            let variants = [
                trim_padding(&form).to_string(),
                trim_padding(&joined).to_string(),
                joined,
                form,
            ];
            for variant in variants {
                if let Some(unit) = repeated_unit(&variant) {
                    candidates.insert(unit);
                }
                candidates.insert(variant);
            }
        }
    }
    candidates.remove("");
    candidates
}

fn is_common(lower: &str) -> bool {
    let list = common_passwords();
    common_candidates(lower)
        .iter()
        .any(|candidate| list.contains(candidate))
}

// ---------------------------------------------------------------------------
// Personal information

/// Folds look-alike characters together so `Wh1tf13ld` matches `whitfield`.
fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | '!' | '|' | 'l' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' | '+' => 't',
            '8' => 'b',
            '9' => 'g',
            other => other,
        })
        .collect()
}

/// The lower-cased strings to look for: each item, its email local part, and
/// the words of the local part or name.
fn context_terms(context: &[&str]) -> Vec<String> {
    let mut terms = Vec::new();
    for item in context {
        let item = item.trim().to_lowercase();
        let local = item
            .split_once('@')
            .map_or(item.as_str(), |(local, _)| local);
        let words = local
            .split(|c: char| !c.is_alphanumeric())
            .flat_map(|word| [word, trim_padding(word)]);
        for term in [item.as_str(), local].into_iter().chain(words) {
            if term.chars().count() >= MIN_CONTEXT_LENGTH && !terms.iter().any(|t| t == term) {
                terms.push(term.to_string());
            }
        }
    }
    terms
}

fn contains_context(lower: &str, context: &[&str]) -> bool {
    let folded = fold(lower);
    context_terms(context)
        .iter()
        .any(|term| lower.contains(term.as_str()) || folded.contains(&fold(term)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(password: &str) -> Result<(), PasswordProblem> {
        check_new_password(password, &[])
    }

    fn list_entries() -> Vec<String> {
        let mut entries: Vec<String> = common_passwords().iter().cloned().collect();
        entries.sort();
        entries
    }

    /// `word` padded out to at least the minimum length the way people do.
    fn padded(word: &str) -> String {
        let mut s = format!("{word}2024!");
        while s.chars().count() < MIN_LENGTH {
            s.push('!');
        }
        s
    }

    fn capitalised(word: &str) -> String {
        let mut chars = word.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }

    // --- Messages -----------------------------------------------------------

    #[test]
    fn messages_are_plain_english() {
        let cases = [
            (
                PasswordProblem::TooShort,
                "Password must be at least 12 characters",
            ),
            (
                PasswordProblem::TooLong,
                "Password must be 128 characters or fewer",
            ),
            (
                PasswordProblem::RepeatedCharacter,
                "Password must not be one character repeated",
            ),
            (
                PasswordProblem::SimpleSequence,
                "Password must not be a simple sequence, like 123456 or abcdef",
            ),
            (
                PasswordProblem::TooCommon,
                "This password is too common. Choose a different password",
            ),
            (
                PasswordProblem::RepeatedPattern,
                "Password must not be a short pattern repeated",
            ),
            (
                PasswordProblem::ContainsPersonalInfo,
                "Password must not contain your email address or name",
            ),
        ];
        for (problem, message) in cases {
            assert_eq!(problem.to_string(), message);
        }
    }

    // --- Length -------------------------------------------------------------

    #[test]
    fn too_short_is_refused() {
        for password in ["", "a", "Xk9#mQ2$vL7", "           "] {
            assert_eq!(
                check(password),
                Err(PasswordProblem::TooShort),
                "{password:?}"
            );
        }
    }

    #[test]
    fn twelve_characters_is_enough() {
        assert_eq!(check("Xk9#mQ2$vL7p"), Ok(()));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        let eleven = "çàéîõüñßøåæ";
        assert_eq!(eleven.chars().count(), 11);
        assert!(eleven.len() > MIN_LENGTH);
        assert_eq!(check(eleven), Err(PasswordProblem::TooShort));
        assert_eq!(check("çàéîõüñßøåæœ"), Ok(()));

        let long: String = "ü".repeat(MAX_LENGTH);
        assert_eq!(check(&long), Err(PasswordProblem::RepeatedCharacter));
    }

    /// A deterministic jumble of `len` characters with no pattern to speak of.
    fn jumble(len: usize) -> String {
        let alphabet: Vec<char> = "aZ3kQ9xP2mW7vR5tY8nB4cJ6hG1fL0dS".chars().collect();
        let mut state: u32 = 2026;
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                alphabet[(state >> 16) as usize % alphabet.len()]
            })
            .collect()
    }

    #[test]
    fn maximum_length_is_128() {
        let at_limit = jumble(MAX_LENGTH);
        assert_eq!(check(&at_limit), Ok(()));
        let over = jumble(MAX_LENGTH + 1);
        assert_eq!(check(&over), Err(PasswordProblem::TooLong));
        assert_eq!(check(&"é".repeat(200)), Err(PasswordProblem::TooLong));
    }

    // --- Repetition ---------------------------------------------------------

    #[test]
    fn one_character_repeated_is_refused() {
        for password in [
            "aaaaaaaaaaaa",
            "AAAAAAaaaaaa",
            "111111111111",
            "!!!!!!!!!!!!!!!!",
            "            ",
            "éééééééééééé",
        ] {
            assert_eq!(
                check(password),
                Err(PasswordProblem::RepeatedCharacter),
                "{password:?}"
            );
        }
    }

    #[test]
    fn short_pattern_repeated_is_refused() {
        for password in [
            "abababababab",
            "Xk9#Xk9#Xk9#",
            "qZ7!qZ7!qZ7!qZ7!",
            "Tr0ub4dor&Tr0ub4dor&",
            "xq-xq-xq-xq-xq",
        ] {
            assert_eq!(
                check(password),
                Err(PasswordProblem::RepeatedPattern),
                "{password:?}"
            );
        }
    }

    #[test]
    fn long_unit_repeated_is_allowed() {
        // Each half would pass on its own, so repeating it does no harm.
        assert_eq!(check("Glacier-Tundra-Moss|Glacier-Tundra-Moss|"), Ok(()));
    }

    // --- Sequences ----------------------------------------------------------

    #[test]
    fn simple_sequences_are_refused() {
        for password in [
            "123456789012",
            "1234567890123456",
            "987654321098",
            "abcdefghijkl",
            "ABCDEFGHIJKL",
            "zyxwvutsrqpo",
            "qwertyuiopas",
            "QWERTYUIOPASDFGH",
            "lkjhgfdsapoi",
            "asdfghjklzxc",
            "1qaz2wsx3edc",
            "1qaz2wsx3edc4rfv",
            "zaq12wsxcde3",
            "1q2w3e4r5t6y",
            "a1b2c3d4e5f6",
            "!@#$%^&*()_+",
            "abcdef123456",
            "qwerty123456",
            "abc-def-ghi-jkl",
            "abcdefghij12",
            "!!abcdefghijk",
            "qwertzuiopas",
            "azertyuiopqs",
            "0987654321qw",
            "Xq0987654321",
            "Qwerty!23456",
            "mnbvcxzlkjhg",
        ] {
            assert_eq!(
                check(password),
                Err(PasswordProblem::SimpleSequence),
                "{password:?}"
            );
        }
    }

    #[test]
    fn words_containing_short_runs_are_not_sequences() {
        // "stu", "opq", "wer" and "pas" are runs, but the words are not made of them.
        assert!(!is_simple_sequence("stupendous-operas-we-rest"));
        assert!(!is_simple_sequence("password"));
        assert_eq!(check("stupendous-operas-we-rest"), Ok(()));
    }

    // --- Common passwords ---------------------------------------------------

    #[test]
    fn common_passwords_are_refused() {
        for password in [
            "password1234",
            "Password1234!",
            "PASSWORD12345",
            "P@ssw0rd12345",
            "p@$$w0rd!!!!",
            "Pa55word2024!",
            "pass-word-2024",
            "p a s s w o r d 1",
            "passwordpassword",
            "Password1Password1",
            "iloveyou2024",
            "ILoveYou!!!!!",
            "1l0v3y0u2024",
            "letmein123456",
            "l3tm31n!2024",
            "Welcome2024!!",
            "welcome-welcome",
            "Summer2025!!!",
            "Winter2026!!!",
            "summer-2024-!",
            "monkeymonkey",
            "M0nk3y!!123456",
            "$unshine2024!",
            "2024$unshine!",
            "2024-Sunshine-!!",
            "Football1234",
            "Dragon!!1234",
            "Princess2024",
            "Admin1234567",
            "changeme2024!",
            "nhspassword1!",
            "NHSpassword2024",
            "Pr1s0n0ff1c3r!",
            "Hospital2024!",
            "Custody12345!",
            "abc1232024!!!!",
            "trustno1trustno1",
        ] {
            assert_eq!(
                check(password),
                Err(PasswordProblem::TooCommon),
                "{password:?}"
            );
        }
    }

    #[test]
    fn the_demo_password_is_accepted() {
        assert_eq!(check("reconnect-demo-2026"), Ok(()));
        assert_eq!(
            check_new_password("reconnect-demo-2026", &["admin"]),
            Ok(())
        );
        // Only the local part of an email address is split into words, so a
        // reconnect domain does not rule the demo password out.
        assert_eq!(
            check_new_password("reconnect-demo-2026", &["admin@reconnect.example", "Admin"]),
            Ok(())
        );
    }

    #[test]
    fn strong_passphrases_are_accepted() {
        for password in [
            "correct-horse-battery-staple-42",
            "Correct Horse Battery Staple",
            "glacier tundra moss lantern",
            "Xk9#mQ2$vL7p",
            "purple-monkey-dishwasher-77",
            "my cat eats marmalade at noon",
            "Tr0ub4dor&3-but-longer",
        ] {
            assert_eq!(check(password), Ok(()), "{password:?}");
        }
    }

    // --- The list itself ----------------------------------------------------

    #[test]
    fn list_is_large_lowercase_and_tidy() {
        let list = common_passwords();
        assert!(list.len() >= 500, "only {} entries", list.len());
        for entry in list {
            assert!(entry.chars().count() >= MIN_CONTEXT_LENGTH, "{entry:?}");
            assert!(
                entry
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                "{entry:?}"
            );
        }
        let lines: Vec<&str> = COMMON_PASSWORDS_FILE
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect();
        assert_eq!(lines.len(), list.len(), "the list has duplicate entries");
        for base in [
            "password",
            "qwerty",
            "letmein",
            "welcome",
            "iloveyou",
            "nhspassword",
        ] {
            assert!(list.contains(base), "{base} missing");
        }
        assert!(!list.iter().any(|entry| entry.contains("reconnect")));
    }

    #[test]
    fn every_entry_padded_is_refused() {
        for entry in list_entries() {
            for password in [padded(&entry), padded(&capitalised(&entry))] {
                let result = check(&password);
                assert!(
                    matches!(
                        result,
                        Err(PasswordProblem::TooCommon
                            | PasswordProblem::SimpleSequence
                            | PasswordProblem::RepeatedCharacter)
                    ),
                    "{password:?} gave {result:?}"
                );
            }
        }
    }

    #[test]
    fn every_entry_in_leetspeak_is_refused() {
        for entry in list_entries() {
            let digits_too = entry.chars().all(|c| c.is_ascii_lowercase());
            let leet: String = entry
                .chars()
                .map(|c| match c {
                    'a' => '@',
                    's' => '$',
                    'o' if digits_too => '0',
                    'e' if digits_too => '3',
                    'i' if digits_too => '1',
                    't' if digits_too => '7',
                    other => other,
                })
                .collect();
            let password = padded(&leet);
            let result = check(&password);
            assert!(
                matches!(
                    result,
                    Err(PasswordProblem::TooCommon
                        | PasswordProblem::SimpleSequence
                        | PasswordProblem::RepeatedCharacter)
                ),
                "{password:?} gave {result:?}"
            );
        }
    }

    #[test]
    fn awkward_input_is_handled() {
        // Many ambiguous leetspeak characters and a long tail of padding.
        let mut symbols = String::from("x");
        symbols.push_str(&"!1|".repeat(42));
        assert!(symbols.chars().count() <= MAX_LENGTH);
        let _ = check(&symbols);
        let digits = "8".repeat(MAX_LENGTH - 1) + "a";
        let _ = check(&digits);
        // Characters whose lower case is longer than they are.
        let _ = check("İİİİİİİİİİİİİİİİ-glacier");
    }

    // --- Personal information -----------------------------------------------

    const ALEXANDRA: [&str; 2] = ["alexandra.whitfield", "Alexandra Whitfield"];

    #[test]
    fn context_is_refused() {
        for password in [
            "alexandra.whitfield-2024",
            "xX-whitfield-Xx-77",
            "I am Alexandra, hello there",
            "ALEXANDRA-glacier-99",
            "Wh1tf13ld-r0cks-99",
            "@lex@ndr@ moss lantern",
        ] {
            assert_eq!(
                check_new_password(password, &ALEXANDRA),
                Err(PasswordProblem::ContainsPersonalInfo),
                "{password:?}"
            );
        }
    }

    #[test]
    fn email_local_part_and_words_are_refused() {
        let context = ["jsmith42@nhs.example", "Jo Smith"];
        for password in [
            "jsmith42-glacier-moss",
            "glacier-smith-moss-1",
            "Jsmith-tundra-lantern",
        ] {
            assert_eq!(
                check_new_password(password, &context),
                Err(PasswordProblem::ContainsPersonalInfo),
                "{password:?}"
            );
        }
        // "nhs", "jo" and the domain are not looked for.
        assert_eq!(
            check_new_password("nhs jo example tundra", &context),
            Ok(())
        );
    }

    #[test]
    fn short_context_items_are_ignored() {
        assert_eq!(
            check_new_password("Li-Bo-glacier-tundra", &["Li", "Bo", "", "   ", "abc"]),
            Ok(())
        );
        assert_eq!(
            check_new_password("glacier-tundra-abcd", &["abcd"]),
            Err(PasswordProblem::ContainsPersonalInfo)
        );
    }

    #[test]
    fn unrelated_context_is_allowed() {
        assert_eq!(
            check_new_password("correct-horse-battery-staple-42", &ALEXANDRA),
            Ok(())
        );
    }

    // --- Properties ---------------------------------------------------------

    /// Letters, digits and symbols: 74 characters.
    const LARGE_ALPHABET: &str =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%&*?~^-_=;:";

    fn random_password(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
        let alphabet: Vec<char> = LARGE_ALPHABET.chars().collect();
        proptest::collection::vec(proptest::sample::select(alphabet), len)
            .prop_map(|chars| chars.into_iter().collect())
    }

    proptest! {
        #[test]
        fn random_strings_from_a_large_alphabet_are_accepted(password in random_password(20..=64)) {
            // Chance alone (practically) never makes 20+ characters drawn
            // from 74 a sequence, a repeat, a list entry or the name.
            prop_assert_eq!(check_new_password(&password, &ALEXANDRA), Ok(()));
        }

        #[test]
        fn anything_shorter_than_twelve_is_too_short(password in "\\PC{0,11}") {
            prop_assert_eq!(check(&password), Err(PasswordProblem::TooShort));
        }

        #[test]
        fn anything_longer_than_128_is_too_long(password in "\\PC{129,160}") {
            prop_assert_eq!(check(&password), Err(PasswordProblem::TooLong));
        }

        #[test]
        fn the_name_anywhere_is_refused(
            password in random_password(20..=40),
            at in 0usize..=40,
            upper in any::<bool>(),
        ) {
            let name = if upper { "WHITFIELD" } else { "Whitfield" };
            let mut chars: Vec<char> = password.chars().collect();
            let at = at.min(chars.len());
            chars.splice(at..at, name.chars());
            let password: String = chars.into_iter().collect();
            prop_assert_eq!(
                check_new_password(&password, &ALEXANDRA),
                Err(PasswordProblem::ContainsPersonalInfo)
            );
        }

        #[test]
        fn a_list_entry_with_any_padding_is_refused(
            entry in proptest::sample::select(list_entries()),
            padding in "[0-9!?.#*_-]{12,20}",
            upper in any::<bool>(),
        ) {
            let word = if upper { entry.to_uppercase() } else { entry };
            let password = format!("{word}{padding}");
            let result = check(&password);
            prop_assert!(
                matches!(
                    result,
                    Err(PasswordProblem::TooCommon
                        | PasswordProblem::SimpleSequence
                        | PasswordProblem::RepeatedCharacter)
                ),
                "{:?} gave {:?}", password, result
            );
        }

        #[test]
        fn never_panics(password in "\\PC{0,140}", context in proptest::collection::vec("\\PC{0,20}", 0..4)) {
            let context: Vec<&str> = context.iter().map(String::as_str).collect();
            let _ = check_new_password(&password, &context);
        }
    }
}
