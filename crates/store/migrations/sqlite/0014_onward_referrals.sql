-- Onward referrals (issue 5): from a need on an episode to a directory
-- service, tracked to an outcome. The row holds where the referral stands
-- now (with a version for stale forms); onward_referral_event holds every
-- change with who, when and why, and is append-only. parts is the comma
-- list of what the worker chose to share; snapshot is the JSON text of
-- exactly what was shared, written when the referral is sent and never
-- changed after. Instants are epoch milliseconds.
CREATE TABLE onward_referral (
    id                  TEXT PRIMARY KEY,
    episode_id          TEXT NOT NULL REFERENCES episode(id),
    need_id             TEXT REFERENCES episode_need(id),
    service_id          TEXT NOT NULL REFERENCES dir_service(id),
    state               TEXT NOT NULL,
    parts               TEXT NOT NULL,
    snapshot            TEXT,
    need_identified_at  INTEGER,
    sent_at             INTEGER,
    answered_at         INTEGER,
    appointment_at      INTEGER,
    closed_at           INTEGER,
    decline_reason      TEXT,
    outcome             TEXT,
    version             INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    created_by          TEXT NOT NULL REFERENCES app_user(id),
    updated_at          INTEGER NOT NULL
);
CREATE INDEX onward_referral_episode ON onward_referral(episode_id, created_at);
CREATE INDEX onward_referral_service ON onward_referral(service_id);
CREATE INDEX onward_referral_state ON onward_referral(state);

CREATE TRIGGER onward_referral_snapshot_kept BEFORE UPDATE OF snapshot ON onward_referral
WHEN OLD.snapshot IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'an onward referral snapshot never changes');
END;
CREATE TRIGGER onward_referral_no_delete BEFORE DELETE ON onward_referral
BEGIN
    SELECT RAISE(ABORT, 'onward referrals are never deleted');
END;

CREATE TABLE onward_referral_event (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id  TEXT NOT NULL REFERENCES onward_referral(id),
    at           INTEGER NOT NULL,
    by_user      TEXT NOT NULL REFERENCES app_user(id),
    action       TEXT NOT NULL,
    from_state   TEXT,
    to_state     TEXT NOT NULL,
    reason       TEXT
);
CREATE INDEX onward_referral_event_referral ON onward_referral_event(referral_id, seq);

CREATE TRIGGER onward_referral_event_no_update BEFORE UPDATE ON onward_referral_event
BEGIN
    SELECT RAISE(ABORT, 'onward_referral_event is append-only');
END;
CREATE TRIGGER onward_referral_event_no_delete BEFORE DELETE ON onward_referral_event
BEGIN
    SELECT RAISE(ABORT, 'onward_referral_event is append-only');
END;
