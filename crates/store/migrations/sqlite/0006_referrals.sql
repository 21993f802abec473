-- Referrals in (issue 3): the public self-referral form, professional
-- referrals entered by staff, and the triage queue of each site.

-- One referral. It lands at the site serving the named prison (or the site
-- chosen when the prison is not known) and waits there as 'new' until a
-- worker accepts it (a new or existing person's record, with an episode),
-- links it to a person's open episode, or declines it with a reason.
CREATE TABLE referral (
    id                     TEXT PRIMARY KEY,
    reference              TEXT NOT NULL UNIQUE,
    site_id                TEXT NOT NULL REFERENCES site(id),
    prison_id              TEXT REFERENCES prison(id),
    source                 TEXT NOT NULL,
    referrer_name          TEXT,
    referrer_relationship  TEXT,
    referrer_organisation  TEXT,
    referrer_contact       TEXT,
    given_name             TEXT NOT NULL,
    family_name            TEXT NOT NULL,
    preferred_name         TEXT,
    date_of_birth          TEXT NOT NULL,
    nhs_number             TEXT,
    prison_number          TEXT,
    expected_release       TEXT,
    needs                  TEXT NOT NULL,
    needs_text             TEXT,
    contact_preference     TEXT NOT NULL,
    contact_details        TEXT,
    status                 TEXT NOT NULL CHECK (status IN ('new', 'accepted', 'linked', 'declined')),
    decision               TEXT,
    decision_reason        TEXT,
    decided_at             INTEGER,
    decided_by             TEXT REFERENCES app_user(id),
    person_id              TEXT REFERENCES person(id),
    episode_id             TEXT REFERENCES episode(id),
    submitted_at           INTEGER NOT NULL,
    submitted_by           TEXT REFERENCES app_user(id),
    submission_key         TEXT,
    version                INTEGER NOT NULL,
    CHECK ((status = 'new') = (decided_at IS NULL))
);
CREATE INDEX referral_queue ON referral(site_id, status, submitted_at);
CREATE INDEX referral_submission ON referral(submission_key, submitted_at);

-- What happened to a referral, in order: received, decided, and each change
-- a merge made to the person's record (with the old and new values).
CREATE TABLE referral_event (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id  TEXT NOT NULL REFERENCES referral(id),
    at           INTEGER NOT NULL,
    by_user      TEXT REFERENCES app_user(id),
    kind         TEXT NOT NULL,
    summary      TEXT NOT NULL
);
CREATE INDEX referral_event_referral ON referral_event(referral_id, seq);

CREATE TRIGGER referral_event_no_update BEFORE UPDATE ON referral_event
BEGIN
    SELECT RAISE(ABORT, 'referral_event is append-only');
END;
CREATE TRIGGER referral_event_no_delete BEFORE DELETE ON referral_event
BEGIN
    SELECT RAISE(ABORT, 'referral_event is append-only');
END;

-- Public form submissions counted per client address, per hour and per day.
CREATE TABLE referral_rate (
    client_key    TEXT NOT NULL,
    period        TEXT NOT NULL CHECK (period IN ('hour', 'day')),
    window_start  INTEGER NOT NULL,
    submissions   INTEGER NOT NULL,
    PRIMARY KEY (client_key, period)
);
