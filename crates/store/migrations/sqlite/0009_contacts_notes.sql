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
    at                 INTEGER NOT NULL,
    two_way            TEXT NOT NULL CHECK (two_way IN ('yes', 'no')),
    summary            TEXT NOT NULL,
    supersedes         TEXT UNIQUE REFERENCES contact(id),
    correction_reason  TEXT,
    created_by         TEXT NOT NULL REFERENCES app_user(id),
    created_at         INTEGER NOT NULL,
    CHECK ((supersedes IS NULL) = (correction_reason IS NULL))
);
CREATE INDEX contact_episode ON contact(episode_id, at);

CREATE TRIGGER contact_no_update BEFORE UPDATE ON contact
BEGIN
    SELECT RAISE(ABORT, 'contact is append-only');
END;
CREATE TRIGGER contact_no_delete BEFORE DELETE ON contact
BEGIN
    SELECT RAISE(ABORT, 'contact is append-only');
END;

-- Appointments. The current state is kept here; every change is also
-- appended to appointment_event. A rescheduled appointment stays, pointing
-- to the one that replaced it, with why and who asked.
CREATE TABLE appointment (
    id                TEXT PRIMARY KEY,
    episode_id        TEXT NOT NULL REFERENCES episode(id),
    what              TEXT NOT NULL,
    location          TEXT NOT NULL,
    starts_at         INTEGER NOT NULL,
    state             TEXT NOT NULL,
    dna_reason        TEXT,
    rescheduled_from  TEXT REFERENCES appointment(id),
    rescheduled_to    TEXT REFERENCES appointment(id),
    reason            TEXT,
    asked_by          TEXT,
    version           INTEGER NOT NULL,
    created_by        TEXT NOT NULL REFERENCES app_user(id),
    created_at        INTEGER NOT NULL,
    updated_by        TEXT NOT NULL REFERENCES app_user(id),
    updated_at        INTEGER NOT NULL
);
CREATE INDEX appointment_episode ON appointment(episode_id, starts_at);
CREATE INDEX appointment_state_time ON appointment(state, starts_at);

CREATE TABLE appointment_event (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    appointment_id  TEXT NOT NULL REFERENCES appointment(id),
    at              INTEGER NOT NULL,
    by_user         TEXT NOT NULL REFERENCES app_user(id),
    to_state        TEXT NOT NULL,
    summary         TEXT NOT NULL,
    reason          TEXT
);
CREATE INDEX appointment_event_appointment ON appointment_event(appointment_id, seq);

CREATE TRIGGER appointment_event_no_update BEFORE UPDATE ON appointment_event
BEGIN
    SELECT RAISE(ABORT, 'appointment_event is append-only');
END;
CREATE TRIGGER appointment_event_no_delete BEFORE DELETE ON appointment_event
BEGIN
    SELECT RAISE(ABORT, 'appointment_event is append-only');
END;

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
    created_at         INTEGER NOT NULL,
    CHECK ((supersedes IS NULL) = (correction_reason IS NULL))
);
CREATE INDEX case_note_episode ON case_note(episode_id, created_at);

CREATE TRIGGER case_note_no_update BEFORE UPDATE ON case_note
BEGIN
    SELECT RAISE(ABORT, 'case_note is append-only');
END;
CREATE TRIGGER case_note_no_delete BEFORE DELETE ON case_note
BEGIN
    SELECT RAISE(ABORT, 'case_note is append-only');
END;
