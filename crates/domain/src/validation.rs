//! The vocabulary of bad input: a list of field errors, each naming the field
//! (by the id of its form input or JSON property) and saying in plain English
//! what to change. Pages show them in an NHS.UK error summary; the API returns
//! them inside an RFC 9457 problem document.

use serde::Serialize;
use utoipa::ToSchema;

/// One problem with one field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The form field id or JSON property the message is about.
    pub field: String,
    /// What is wrong, written for the person who filled in the form.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Collects field errors while a form is parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Validation {
    errors: Vec<FieldError>,
}

impl Validation {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem with `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// Keeps the value when parsing succeeded, else records the message.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: &str,
        result: Result<T, E>,
    ) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    pub fn into_errors(self) -> Vec<FieldError> {
        self.errors
    }

    /// The message for one field, if it has one.
    pub fn message_for(&self, field: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.clone())
    }

    /// `Ok(value)` when nothing was recorded, else all the errors.
    pub fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, Vec<FieldError>> {
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        value().ok_or_else(|| vec![FieldError::new("form", "The form could not be read")])
    }
}

/// Trims a free-text field and refuses it when empty or too long.
pub fn required_text(value: &str, what: &str, max_chars: usize) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(format!("Enter {what}"));
    }
    if v.chars().count() > max_chars {
        return Err(format!(
            "{} must be {max_chars} characters or fewer",
            capitalise(what)
        ));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(format!(
            "{} must not contain control characters",
            capitalise(what)
        ));
    }
    Ok(v.to_string())
}

/// Like [`required_text`] but an empty value is `None`.
pub fn optional_text(value: &str, what: &str, max_chars: usize) -> Result<Option<String>, String> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        required_text(value, what, max_chars).map(Some)
    }
}

/// Reads a date from the three boxes of the NHS.UK date input (day, month,
/// year). `subject` names it in messages, like "The date they were released".
pub fn date_from_parts(
    day: &str,
    month: &str,
    year: &str,
    subject: &str,
) -> Result<time::Date, String> {
    let (d, m, y) = (day.trim(), month.trim(), year.trim());
    if d.is_empty() && m.is_empty() && y.is_empty() {
        return Err(format!("Enter {}", lower_first(subject)));
    }
    let missing: Vec<&str> = [("a day", d), ("a month", m), ("a year", y)]
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(format!("{subject} must include {}", missing.join(" and ")));
    }
    let real = || format!("{subject} must be a real date");
    if ![d, m, y]
        .iter()
        .all(|s| s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(real());
    }
    if y.len() != 4 {
        return Err(format!(
            "{subject} must include a year with 4 numbers, like 2026"
        ));
    }
    let day: u8 = d.parse().map_err(|_| real())?;
    let month: u8 = m.parse().map_err(|_| real())?;
    let year: i32 = y.parse().map_err(|_| real())?;
    let month = time::Month::try_from(month).map_err(|_| real())?;
    time::Date::from_calendar_date(year, month, day).map_err(|_| real())
}

/// "The date" → "the date", for a subject in the middle of a sentence.
pub fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn capitalise(s: &str) -> String {
    let s = s
        .strip_prefix("a ")
        .or_else(|| s.strip_prefix("an "))
        .or_else(|| s.strip_prefix("the "))
        .unwrap_or(s);
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_boxes() {
        let s = "The date they were released";
        assert_eq!(
            date_from_parts("2", "3", "2026", s),
            Ok(time::macros::date!(2026 - 03 - 02))
        );
        assert_eq!(
            date_from_parts("", "", "", s).unwrap_err(),
            "Enter the date they were released"
        );
        assert_eq!(
            date_from_parts("2", "", "", s).unwrap_err(),
            "The date they were released must include a month and a year"
        );
        assert_eq!(
            date_from_parts("31", "2", "2026", s).unwrap_err(),
            "The date they were released must be a real date"
        );
        assert_eq!(
            date_from_parts("1", "2", "26", s).unwrap_err(),
            "The date they were released must include a year with 4 numbers, like 2026"
        );
        assert!(date_from_parts("-1", "2", "2026", s).is_err());
        assert!(date_from_parts("1", "99999999999", "2026", s).is_err());
    }

    #[test]
    fn collects_and_finishes() {
        let mut v = Validation::new();
        let name = v.check("name", required_text("  ", "a name", 10));
        assert!(name.is_none());
        assert_eq!(v.message_for("name").unwrap(), "Enter a name");
        let r: Result<(), _> = v.finish(|| Some(()));
        assert_eq!(r.unwrap_err().len(), 1);
    }

    #[test]
    fn text_limits() {
        assert_eq!(required_text(" Ann ", "a name", 10).unwrap(), "Ann");
        assert_eq!(
            required_text("abcdefghijk", "a name", 10).unwrap_err(),
            "Name must be 10 characters or fewer"
        );
        assert!(required_text("a\u{0}b", "a name", 10).is_err());
        assert_eq!(optional_text("", "a note", 5).unwrap(), None);
    }
}
