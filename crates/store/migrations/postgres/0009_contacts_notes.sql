-- Contacts, appointments and case notes (issue 3: working with the person).
-- Every row belongs to an episode and is reached only through it, so it is
-- seen only by staff at the person's site.

-- Contacts with the person. Never changed: a correction is a new row that
-- supersedes the old one (each row is superseded at most once) and says why.
-- two_way is 'yes' or 'no': did the person take part?
CREATE TABLE contact (
    id                 TEXT PRIMARY KEY,
    episode_id         TEXT NOT NULL REFERENCES episode(id),
    kind               TEXT NOT NULL,
    at                 BIGINT NOT NULL,
    two_way            TEXT NOT NULL CHECK (two_way IN ('yes', 'no')),
    summary            TEXT NOT NULL,
    supersedes         TEXT UNIQUE REFERENCES contact(id),
    correction_reason  TEXT,
    created_by         TEXT NOT NULL REFERENCES app_user(id),
    created_at         BIGINT NOT NULL,
    CHECK ((supersedes IS NULL) = (correction_reason IS NULL))
);
CREATE INDEX contact_episode ON contact(episode_id, at);

CREATE FUNCTION contact_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'contact is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER contact_no_change BEFORE UPDATE OR DELETE ON contact
    FOR EACH ROW EXECUTE FUNCTION contact_append_only();
CREATE TRIGGER contact_no_truncate BEFORE TRUNCATE ON contact
    FOR EACH STATEMENT EXECUTE FUNCTION contact_append_only();

-- Appointments. The current state is kept here; every change is also
-- appended to appointment_event. A rescheduled appointment stays, pointing
-- to the one that replaced it, with why and who asked.
CREATE TABLE appointment (
    id                TEXT PRIMARY KEY,
    episode_id        TEXT NOT NULL REFERENCES episode(id),
    what              TEXT NOT NULL,
    location          TEXT NOT NULL,
    starts_at         BIGINT NOT NULL,
    state             TEXT NOT NULL,
    dna_reason        TEXT,
    rescheduled_from  TEXT REFERENCES appointment(id),
    rescheduled_to    TEXT REFERENCES appointment(id),
    reason            TEXT,
    asked_by          TEXT,
    version           BIGINT NOT NULL,
    created_by        TEXT NOT NULL REFERENCES app_user(id),
    created_at        BIGINT NOT NULL,
    updated_by        TEXT NOT NULL REFERENCES app_user(id),
    updated_at        BIGINT NOT NULL
);
CREATE INDEX appointment_episode ON appointment(episode_id, starts_at);
CREATE INDEX appointment_state_time ON appointment(state, starts_at);

CREATE TABLE appointment_event (
    seq             BIGSERIAL PRIMARY KEY,
    appointment_id  TEXT NOT NULL REFERENCES appointment(id),
    at              BIGINT NOT NULL,
    by_user         TEXT NOT NULL REFERENCES app_user(id),
    to_state        TEXT NOT NULL,
    summary         TEXT NOT NULL,
    reason          TEXT
);
CREATE INDEX appointment_event_appointment ON appointment_event(appointment_id, seq);

CREATE FUNCTION appointment_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'appointment_event is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER appointment_event_no_change BEFORE UPDATE OR DELETE ON appointment_event
    FOR EACH ROW EXECUTE FUNCTION appointment_event_append_only();
CREATE TRIGGER appointment_event_no_truncate BEFORE TRUNCATE ON appointment_event
    FOR EACH STATEMENT EXECUTE FUNCTION appointment_event_append_only();

-- Case notes. Never changed: a correction supersedes the old note with a
-- reason. sensitive is 'yes' or 'no'.
CREATE TABLE case_note (
    id                 TEXT PRIMARY KEY,
    episode_id         TEXT NOT NULL REFERENCES episode(id),
    body               TEXT NOT NULL,
    sensitive          TEXT NOT NULL CHECK (sensitive IN ('yes', 'no')),
    supersedes         TEXT UNIQUE REFERENCES case_note(id),
    correction_reason  TEXT,
    created_by         TEXT NOT NULL REFERENCES app_user(id),
    created_at         BIGINT NOT NULL,
    CHECK ((supersedes IS NULL) = (correction_reason IS NULL))
);
CREATE INDEX case_note_episode ON case_note(episode_id, created_at);

CREATE FUNCTION case_note_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case_note is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER case_note_no_change BEFORE UPDATE OR DELETE ON case_note
    FOR EACH ROW EXECUTE FUNCTION case_note_append_only();
CREATE TRIGGER case_note_no_truncate BEFORE TRUNCATE ON case_note
    FOR EACH STATEMENT EXECUTE FUNCTION case_note_append_only();
