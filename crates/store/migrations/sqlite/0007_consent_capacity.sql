-- Consent as data, and caseload capacity (issue 3: allocation).

-- Consent the person gave: to take part in RECONNECT (`take_part`, with how
-- it was given) or to share information with one kind of partner (`sharing`,
-- with what may be shared and an optional expiry). Rows are never changed:
-- a new consent is a new row, and withdrawal is its own row below. Taking
-- part is voluntary, so the only basis the table accepts is 'voluntary'.
CREATE TABLE consent_record (
    id           TEXT PRIMARY KEY,
    episode_id   TEXT NOT NULL REFERENCES episode(id),
    kind         TEXT NOT NULL CHECK (kind IN ('take_part', 'sharing')),
    basis        TEXT NOT NULL CHECK (basis = 'voluntary'),
    method       TEXT,
    partner      TEXT,
    scope        TEXT,
    given_on     TEXT NOT NULL,
    expires_on   TEXT,
    recorded_at  INTEGER NOT NULL,
    recorded_by  TEXT NOT NULL REFERENCES app_user(id),
    CHECK ((kind = 'take_part' AND method IS NOT NULL AND partner IS NULL AND scope IS NULL AND expires_on IS NULL)
        OR (kind = 'sharing' AND method IS NULL AND partner IS NOT NULL AND scope IS NOT NULL))
);
CREATE INDEX consent_record_episode ON consent_record(episode_id, recorded_at);

-- A withdrawal of one consent: effective from the day it is recorded. At
-- most one per consent (withdrawing again changes nothing).
CREATE TABLE consent_withdrawal (
    consent_id    TEXT PRIMARY KEY REFERENCES consent_record(id),
    withdrawn_on  TEXT NOT NULL,
    withdrawn_at  INTEGER NOT NULL,
    withdrawn_by  TEXT NOT NULL REFERENCES app_user(id),
    reason        TEXT
);

-- How many people each worker or peer mentor can support at a site, set by
-- the site's manager. Each change is a new row; the latest is the capacity.
CREATE TABLE caseload_capacity (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id   TEXT NOT NULL REFERENCES site(id),
    user_id   TEXT NOT NULL REFERENCES app_user(id),
    capacity  INTEGER NOT NULL CHECK (capacity >= 0),
    set_at    INTEGER NOT NULL,
    set_by    TEXT NOT NULL REFERENCES app_user(id)
);
CREATE INDEX caseload_capacity_user ON caseload_capacity(site_id, user_id, seq);

CREATE TRIGGER consent_record_no_update BEFORE UPDATE ON consent_record
BEGIN
    SELECT RAISE(ABORT, 'consent_record is append-only');
END;
CREATE TRIGGER consent_record_no_delete BEFORE DELETE ON consent_record
BEGIN
    SELECT RAISE(ABORT, 'consent_record is append-only');
END;
CREATE TRIGGER consent_withdrawal_no_update BEFORE UPDATE ON consent_withdrawal
BEGIN
    SELECT RAISE(ABORT, 'consent_withdrawal is append-only');
END;
CREATE TRIGGER consent_withdrawal_no_delete BEFORE DELETE ON consent_withdrawal
BEGIN
    SELECT RAISE(ABORT, 'consent_withdrawal is append-only');
END;
CREATE TRIGGER caseload_capacity_no_update BEFORE UPDATE ON caseload_capacity
BEGIN
    SELECT RAISE(ABORT, 'caseload_capacity is append-only');
END;
CREATE TRIGGER caseload_capacity_no_delete BEFORE DELETE ON caseload_capacity
BEGIN
    SELECT RAISE(ABORT, 'caseload_capacity is append-only');
END;
