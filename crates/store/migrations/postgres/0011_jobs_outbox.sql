-- Messages and background jobs (issue 4).
--
-- contact_preference: how a person wants to be contacted, with their
-- consent. Never changed: a new choice is a new row, the latest is current.
CREATE TABLE contact_preference (
    seq               BIGSERIAL PRIMARY KEY,
    person_id         TEXT NOT NULL REFERENCES person(id),
    channel           TEXT NOT NULL CHECK (channel IN ('text', 'email', 'none')),
    address           TEXT,
    may_name_service  TEXT NOT NULL CHECK (may_name_service IN ('yes', 'no')),
    recorded_at       BIGINT NOT NULL,
    recorded_by       TEXT NOT NULL REFERENCES app_user(id),
    CHECK (channel = 'none' OR address IS NOT NULL)
);
CREATE INDEX contact_preference_person ON contact_preference(person_id, seq);

CREATE FUNCTION contact_preference_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'contact_preference is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER contact_preference_no_change BEFORE UPDATE OR DELETE ON contact_preference
    FOR EACH ROW EXECUTE FUNCTION contact_preference_append_only();
CREATE TRIGGER contact_preference_no_truncate BEFORE TRUNCATE ON contact_preference
    FOR EACH STATEMENT EXECUTE FUNCTION contact_preference_append_only();

-- job_run: one row per scheduled run of a job. (job, run_key) is unique, so
-- however many instances try, each scheduled run is created once; a run is
-- claimed under a lease, and an expired lease may be claimed again.
CREATE TABLE job_run (
    id              TEXT PRIMARY KEY,
    job             TEXT NOT NULL,
    run_key         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    claimed_by      TEXT NOT NULL,
    claimed_at      BIGINT NOT NULL,
    lease_until     BIGINT NOT NULL,
    finished_at     BIGINT,
    attempts        BIGINT NOT NULL,
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
    attempts         BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    claimed_by       TEXT,
    lease_until      BIGINT,
    sent_via         TEXT,
    last_error       TEXT,
    created_at       BIGINT NOT NULL,
    sent_at          BIGINT,
    CHECK (person_id IS NOT NULL OR user_id IS NOT NULL)
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
CREATE INDEX outbox_person ON outbox(person_id, created_at);
CREATE INDEX outbox_site ON outbox(site_id, created_at);

CREATE TABLE outbox_event (
    seq         BIGSERIAL PRIMARY KEY,
    message_id  TEXT NOT NULL REFERENCES outbox(id),
    at          BIGINT NOT NULL,
    to_state    TEXT NOT NULL,
    by_instance TEXT,
    detail      TEXT
);
CREATE INDEX outbox_event_message ON outbox_event(message_id, seq);

CREATE FUNCTION outbox_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'outbox_event is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER outbox_event_no_change BEFORE UPDATE OR DELETE ON outbox_event
    FOR EACH ROW EXECUTE FUNCTION outbox_event_append_only();
CREATE TRIGGER outbox_event_no_truncate BEFORE TRUNCATE ON outbox_event
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_event_append_only();
