-- Messages and background jobs (issue 4).
--
-- contact_preference: how a person wants to be contacted, with their
-- consent. Never changed: a new choice is a new row, the latest is current.
CREATE TABLE contact_preference (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id         TEXT NOT NULL REFERENCES person(id),
    channel           TEXT NOT NULL CHECK (channel IN ('text', 'email', 'none')),
    address           TEXT,
    may_name_service  TEXT NOT NULL CHECK (may_name_service IN ('yes', 'no')),
    recorded_at       INTEGER NOT NULL,
    recorded_by       TEXT NOT NULL REFERENCES app_user(id),
    CHECK (channel = 'none' OR address IS NOT NULL)
);
CREATE INDEX contact_preference_person ON contact_preference(person_id, seq);

CREATE TRIGGER contact_preference_no_update BEFORE UPDATE ON contact_preference
BEGIN
    SELECT RAISE(ABORT, 'contact_preference is append-only');
END;
CREATE TRIGGER contact_preference_no_delete BEFORE DELETE ON contact_preference
BEGIN
    SELECT RAISE(ABORT, 'contact_preference is append-only');
END;

-- job_run: one row per scheduled run of a job. (job, run_key) is unique, so
-- however many instances try, each scheduled run is created once; a run is
-- claimed under a lease, and an expired lease may be claimed again.
CREATE TABLE job_run (
    id              TEXT PRIMARY KEY,
    job             TEXT NOT NULL,
    run_key         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    claimed_by      TEXT NOT NULL,
    claimed_at      INTEGER NOT NULL,
    lease_until     INTEGER NOT NULL,
    finished_at     INTEGER,
    attempts        INTEGER NOT NULL,
    summary         TEXT,
    last_error      TEXT,
    UNIQUE (job, run_key)
);
CREATE INDEX job_run_recent ON job_run(claimed_at);

-- outbox: every message, written in the same transaction as what caused it.
CREATE TABLE outbox (
    id               TEXT PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    person_id        TEXT REFERENCES person(id),
    episode_id       TEXT REFERENCES episode(id),
    user_id          TEXT REFERENCES app_user(id),
    site_id          TEXT NOT NULL REFERENCES site(id),
    kind             TEXT NOT NULL,
    channel          TEXT NOT NULL CHECK (channel IN ('text', 'email')),
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL,
    next_attempt_at  INTEGER NOT NULL,
    claimed_by       TEXT,
    lease_until      INTEGER,
    sent_via         TEXT,
    last_error       TEXT,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER,
    CHECK (person_id IS NOT NULL OR user_id IS NOT NULL)
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_person ON outbox(person_id, created_at);
CREATE INDEX outbox_site ON outbox(site_id, created_at);

CREATE TABLE outbox_event (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id  TEXT NOT NULL REFERENCES outbox(id),
    at          INTEGER NOT NULL,
    to_state    TEXT NOT NULL,
    by_instance TEXT,
    detail      TEXT
);
CREATE INDEX outbox_event_message ON outbox_event(message_id, seq);

CREATE TRIGGER outbox_event_no_update BEFORE UPDATE ON outbox_event
BEGIN
    SELECT RAISE(ABORT, 'outbox_event is append-only');
END;
CREATE TRIGGER outbox_event_no_delete BEFORE DELETE ON outbox_event
BEGIN
    SELECT RAISE(ABORT, 'outbox_event is append-only');
END;
