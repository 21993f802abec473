-- Corrections point back at what they replace (contact.supersedes,
-- case_note.supersedes, concern.clears), and a list finds each row's
-- replacement with `LEFT JOIN t n ON n.supersedes = t.id`. The UNIQUE
-- constraint's index serves that lookup, but almost every row is an
-- original with NULL there, and SQLite's ANALYZE counts the NULLs as one
-- value: it then judges a lookup to return the whole table and scans it once
-- per row listed (seconds per person page at national scale). A partial
-- index holds only the rows that do point somewhere, so its statistics are
-- right and the planners use it; an equality on the column implies it is
-- not NULL, which lets them.
CREATE INDEX contact_superseded ON contact(supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX case_note_superseded ON case_note(supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX concern_cleared ON concern(clears) WHERE clears IS NOT NULL;
