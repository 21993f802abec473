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

-- Searching for an NHS or prison number looks it up within the caller's
-- sites. With the number alone indexed, the planners preferred to read the
-- whole site by name (person_site, which also gives the order) and filter;
-- with the site as the second column the lookup is exact. These replace the
-- one-column indexes, which they cover.
CREATE INDEX person_nhs_site ON person(nhs_number, site_id);
CREATE INDEX person_prison_number_site ON person(prison_number, site_id);
DROP INDEX person_nhs;
DROP INDEX person_prison_number;
