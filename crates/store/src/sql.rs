//! Small helpers for writing SQL once for both engines.

use crate::StoreError;
use std::str::FromStr;

/// `$start, $start+1, ...` for an `IN (...)` list of `n` values. Callers must
/// not call this with `n == 0` (an empty scope returns before querying).
pub(crate) fn param_list(start: usize, n: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses an id or other value read back from the database.
pub(crate) fn parse<T: FromStr>(s: &str, what: &str) -> Result<T, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("{what}: {s:?}")))
}

/// Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
/// Case is left alone: compare `LOWER(column) LIKE LOWER($n)`, so both sides
/// are folded by the same engine (SQLite folds only ASCII letters, so a
/// pattern lowered here would miss "Élodie" there).
pub(crate) fn like_contains(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_parameter_lists() {
        assert_eq!(param_list(3, 3), "$3, $4, $5");
        assert_eq!(like_contains("50%_a"), "%50\\%\\_a%");
    }
}
