-- Episodes of support and their history (issue 3: the journey).

-- Each site's time windows; a site without a row uses the defaults
-- (12 weeks before release, 6 months after, referrals until 28 days after).
CREATE TABLE site_settings (
    site_id                      TEXT PRIMARY KEY REFERENCES site(id),
    pre_release_weeks            BIGINT NOT NULL,
    community_support_months     BIGINT NOT NULL,
    referral_after_release_days  BIGINT NOT NULL,
    updated_at                   BIGINT NOT NULL,
    updated_by                   TEXT REFERENCES app_user(id)
);

-- One period of support. The current state is kept here for queries; every
-- change is also appended to episode_event, which is the history.
CREATE TABLE episode (
    id                      TEXT PRIMARY KEY,
    person_id               TEXT NOT NULL REFERENCES person(id),
    site_id                 TEXT NOT NULL REFERENCES site(id),
    state                   TEXT NOT NULL,
    referral_source         TEXT NOT NULL,
    expected_release        TEXT,
    release_unknown_reason  TEXT,
    released_on             TEXT,
    returned_to_custody_on  TEXT,
    extended_until          TEXT,
    linked_from             TEXT REFERENCES episode(id),
    version                 BIGINT NOT NULL,
    created_at              BIGINT NOT NULL,
    created_by              TEXT NOT NULL REFERENCES app_user(id),
    updated_at              BIGINT NOT NULL,
    CHECK ((expected_release IS NULL) <> (release_unknown_reason IS NULL))
);
CREATE INDEX episode_person ON episode(person_id);
CREATE INDEX episode_site_state ON episode(site_id, state);

-- What happened to an episode, in order: transitions and release-date changes.
CREATE TABLE episode_event (
    seq          BIGSERIAL PRIMARY KEY,
    episode_id   TEXT NOT NULL REFERENCES episode(id),
    at           BIGINT NOT NULL,
    by_user      TEXT NOT NULL REFERENCES app_user(id),
    kind         TEXT NOT NULL,
    action       TEXT,
    from_state   TEXT,
    to_state     TEXT,
    summary      TEXT NOT NULL,
    reason       TEXT
);
CREATE INDEX episode_event_episode ON episode_event(episode_id, seq);

CREATE FUNCTION episode_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'episode_event is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER episode_event_no_change BEFORE UPDATE OR DELETE ON episode_event
    FOR EACH ROW EXECUTE FUNCTION episode_event_append_only();
CREATE TRIGGER episode_event_no_truncate BEFORE TRUNCATE ON episode_event
    FOR EACH STATEMENT EXECUTE FUNCTION episode_event_append_only();
