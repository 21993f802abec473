-- A person's full details (issue 3), a version for stale-edit checks, the
-- one-time token of the form that added them (so a double-submitted form
-- adds one person), and the append-only history of corrections.

ALTER TABLE person ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE person ADD COLUMN pronouns TEXT;
ALTER TABLE person ADD COLUMN gender TEXT;
ALTER TABLE person ADD COLUMN gender_self_described TEXT;
ALTER TABLE person ADD COLUMN ethnicity TEXT;
ALTER TABLE person ADD COLUMN ethnicity_other TEXT;
ALTER TABLE person ADD COLUMN first_language TEXT;
ALTER TABLE person ADD COLUMN interpreter_needed TEXT NOT NULL DEFAULT 'no';
ALTER TABLE person ADD COLUMN communication_needs TEXT NOT NULL DEFAULT '';
ALTER TABLE person ADD COLUMN communication_needs_other TEXT;
ALTER TABLE person ADD COLUMN nhs_unknown_reason TEXT;
ALTER TABLE person ADD COLUMN nhs_unknown_other TEXT;
ALTER TABLE person ADD COLUMN probation_case_reference TEXT;
ALTER TABLE person ADD COLUMN phone TEXT;
ALTER TABLE person ADD COLUMN email TEXT;
ALTER TABLE person ADD COLUMN address_kind TEXT NOT NULL DEFAULT 'not_yet_known';
ALTER TABLE person ADD COLUMN address_line_1 TEXT;
ALTER TABLE person ADD COLUMN address_line_2 TEXT;
ALTER TABLE person ADD COLUMN address_town TEXT;
ALTER TABLE person ADD COLUMN address_postcode TEXT;
ALTER TABLE person ADD COLUMN preferred_contact TEXT;
ALTER TABLE person ADD COLUMN nominated_name TEXT;
ALTER TABLE person ADD COLUMN nominated_relationship TEXT;
ALTER TABLE person ADD COLUMN nominated_phone TEXT;
ALTER TABLE person ADD COLUMN submission_token TEXT;

CREATE UNIQUE INDEX person_submission_token ON person(created_by, submission_token);
CREATE INDEX person_preferred_name ON person(preferred_name);

CREATE TABLE person_revision (
    id          TEXT PRIMARY KEY,
    person_id   TEXT NOT NULL REFERENCES person(id),
    version     BIGINT NOT NULL,
    changed_at  BIGINT NOT NULL,
    changed_by  TEXT NOT NULL REFERENCES app_user(id),
    reason      TEXT NOT NULL,
    changes     TEXT NOT NULL,
    UNIQUE (person_id, version)
);

CREATE FUNCTION person_revision_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'person_revision is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER person_revision_no_change BEFORE UPDATE OR DELETE ON person_revision
    FOR EACH ROW EXECUTE FUNCTION person_revision_append_only();
CREATE TRIGGER person_revision_no_truncate BEFORE TRUNCATE ON person_revision
    FOR EACH STATEMENT EXECUTE FUNCTION person_revision_append_only();
