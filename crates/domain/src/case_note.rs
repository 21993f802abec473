//! Case notes: what a worker needs to remember about the person's support.
//! Notes are never changed or deleted. A mistake is put right by a
//! correction, a new note that supersedes the old one and says why; the old
//! one stays, shown as corrected. Only the current version of a note (the
//! one nothing supersedes) can be corrected.
//!
//! A note can be marked sensitive (for example a safeguarding concern or
//! something told in confidence). Its content is then shown only to the
//! person's allocated worker, the site's managers and whoever wrote it;
//! everyone else who can see the record sees that a sensitive note exists,
//! who wrote it and when, so that they know to ask.

use crate::validation::required_text;
use crate::Role;

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;

/// Reads a note's text.
pub fn note_body(input: &str) -> Result<String, String> {
    required_text(input, "the note", MAX_NOTE_CHARS)
}

/// May someone with `role` read a sensitive note's content? `allocated` says
/// whether they are the person's allocated worker, `author` whether they
/// wrote it.
pub fn may_read_sensitive(role: Role, allocated: bool, author: bool) -> bool {
    role == Role::SiteManager || (role == Role::Worker && (allocated || author))
}

/// May someone with `role` correct a note? The author may, and so may a site
/// manager; nobody corrects a note whose content they may not read.
pub fn may_correct(role: Role, author: bool, may_read: bool) -> bool {
    may_read && role.writes_cases() && (author || role == Role::SiteManager)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_notes_are_for_the_allocated_worker_managers_and_author() {
        assert!(may_read_sensitive(Role::Worker, true, false));
        assert!(may_read_sensitive(Role::Worker, false, true));
        assert!(may_read_sensitive(Role::SiteManager, false, false));
        assert!(!may_read_sensitive(Role::Worker, false, false));
        assert!(!may_read_sensitive(Role::PeerMentor, true, false));
        assert!(!may_read_sensitive(Role::Admin, true, true));
    }

    #[test]
    fn corrections_by_the_author_or_a_manager() {
        assert!(may_correct(Role::Worker, true, true));
        assert!(!may_correct(Role::Worker, false, true));
        assert!(may_correct(Role::SiteManager, false, true));
        assert!(!may_correct(Role::SiteManager, false, false));
        assert!(!may_correct(Role::PeerMentor, true, true));
        assert_eq!(note_body("  ").unwrap_err(), "Enter the note");
    }
}
