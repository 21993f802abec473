-- reconnect foundation schema (SQLite). Instants are Unix milliseconds
-- (INTEGER), dates are ISO 8601 text, ids are UUID text.

CREATE TABLE site (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    region      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE prison (
    id          TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES site(id),
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
CREATE INDEX prison_site ON prison(site_id);

CREATE TABLE app_user (
    id                   TEXT PRIMARY KEY,
    email                TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    role                 TEXT NOT NULL CHECK (role IN ('worker','peer_mentor','site_manager','national_lead','reviewer','admin')),
    password_hash        TEXT NOT NULL,
    created_at           INTEGER NOT NULL,
    password_changed_at  INTEGER NOT NULL,
    disabled_at          INTEGER
);

CREATE TABLE user_site (
    user_id  TEXT NOT NULL REFERENCES app_user(id),
    site_id  TEXT NOT NULL REFERENCES site(id),
    PRIMARY KEY (user_id, site_id)
);
CREATE INDEX user_site_site ON user_site(site_id);

CREATE TABLE staff_session (
    token_hash    TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES app_user(id),
    csrf_token    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    ip            TEXT
);
CREATE INDEX staff_session_user ON staff_session(user_id);

CREATE TABLE api_token (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES app_user(id),
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    hint          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX api_token_user ON api_token(user_id);

CREATE TABLE login_throttle (
    throttle_key      TEXT PRIMARY KEY,
    failures          INTEGER NOT NULL,
    window_start_at   INTEGER NOT NULL,
    locked_until      INTEGER
);

CREATE TABLE person (
    id              TEXT PRIMARY KEY,
    site_id         TEXT NOT NULL REFERENCES site(id),
    prison_id       TEXT NOT NULL REFERENCES prison(id),
    given_name      TEXT NOT NULL,
    family_name     TEXT NOT NULL,
    preferred_name  TEXT,
    date_of_birth   TEXT NOT NULL,
    nhs_number      TEXT,
    prison_number   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    created_by      TEXT NOT NULL REFERENCES app_user(id)
);
CREATE INDEX person_site ON person(site_id, family_name, given_name);
CREATE INDEX person_nhs ON person(nhs_number);
CREATE INDEX person_prison_number ON person(prison_number);

CREATE TABLE audit_event (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,
    actor_user_id  TEXT,
    actor_label    TEXT,
    actor_role     TEXT,
    action         TEXT NOT NULL,
    record_type    TEXT,
    record_id      TEXT,
    site_id        TEXT,
    person_id      TEXT,
    ip             TEXT,
    request_id     TEXT,
    detail         TEXT
);
CREATE INDEX audit_site_at ON audit_event(site_id, at);
CREATE INDEX audit_person ON audit_event(person_id);
CREATE INDEX audit_actor ON audit_event(actor_user_id);

-- The audit trail is append-only: no statement may change or remove a row.
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only');
END;
