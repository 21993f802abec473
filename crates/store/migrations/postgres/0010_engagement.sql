-- Engagement levels, worker concerns and step-ups (issue 4: noticing when
-- engagement falters and stepping support up).

-- Each site's engagement rules, one row per version. A site without a row
-- uses the defaults (version 0). Never changed: a new version is a new row.
CREATE TABLE engagement_rules (
    site_id                     TEXT NOT NULL REFERENCES site(id),
    version                     BIGINT NOT NULL,
    missed_window_days          BIGINT NOT NULL,
    missed_wavering             BIGINT NOT NULL,
    missed_disengaged           BIGINT NOT NULL,
    no_contact_wavering_days    BIGINT NOT NULL,
    no_contact_disengaged_days  BIGINT NOT NULL,
    declined_wavering           BIGINT NOT NULL,
    declined_disengaged         BIGINT NOT NULL,
    overdue_wavering            BIGINT NOT NULL,
    early_release_days          BIGINT NOT NULL,
    escalate_after_days         BIGINT NOT NULL,
    created_by                  TEXT NOT NULL REFERENCES app_user(id),
    created_at                  BIGINT NOT NULL,
    PRIMARY KEY (site_id, version)
);

CREATE FUNCTION engagement_rules_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'engagement_rules is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER engagement_rules_no_change BEFORE UPDATE OR DELETE ON engagement_rules
    FOR EACH ROW EXECUTE FUNCTION engagement_rules_append_only();
CREATE TRIGGER engagement_rules_no_truncate BEFORE TRUNCATE ON engagement_rules
    FOR EACH STATEMENT EXECUTE FUNCTION engagement_rules_append_only();

-- Worker concerns. A concern is raised with a note; clearing it is a new
-- row pointing at the one it clears (each is cleared at most once).
CREATE TABLE concern (
    id          TEXT PRIMARY KEY,
    episode_id  TEXT NOT NULL REFERENCES episode(id),
    clears      TEXT UNIQUE REFERENCES concern(id),
    note        TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES app_user(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX concern_episode ON concern(episode_id, created_at);

CREATE FUNCTION concern_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'concern is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER concern_no_change BEFORE UPDATE OR DELETE ON concern
    FOR EACH ROW EXECUTE FUNCTION concern_append_only();
CREATE TRIGGER concern_no_truncate BEFORE TRUNCATE ON concern
    FOR EACH STATEMENT EXECUTE FUNCTION concern_append_only();

-- Levels as the daily recompute found them. A new row only when the level,
-- the reasons or the rule version changed.
CREATE TABLE engagement_snapshot (
    seq           BIGSERIAL PRIMARY KEY,
    episode_id    TEXT NOT NULL REFERENCES episode(id),
    level         TEXT NOT NULL,
    reasons       TEXT NOT NULL,
    rule_version  BIGINT NOT NULL,
    computed_at   BIGINT NOT NULL
);
CREATE INDEX engagement_snapshot_episode ON engagement_snapshot(episode_id, seq);

CREATE FUNCTION engagement_snapshot_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'engagement_snapshot is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER engagement_snapshot_no_change BEFORE UPDATE OR DELETE ON engagement_snapshot
    FOR EACH ROW EXECUTE FUNCTION engagement_snapshot_append_only();
CREATE TRIGGER engagement_snapshot_no_truncate BEFORE TRUNCATE ON engagement_snapshot
    FOR EACH STATEMENT EXECUTE FUNCTION engagement_snapshot_append_only();

-- Step-ups. The current state is kept here; every change is also appended
-- to step_up_event. state is open, escalated or stepped_down.
CREATE TABLE step_up (
    id               TEXT PRIMARY KEY,
    episode_id       TEXT NOT NULL REFERENCES episode(id),
    level            TEXT NOT NULL,
    reasons          TEXT NOT NULL,
    rule_version     BIGINT NOT NULL,
    state            TEXT NOT NULL,
    opened_at        BIGINT NOT NULL,
    escalated_at     BIGINT,
    stepped_down_at  BIGINT,
    stepped_down_by  TEXT REFERENCES app_user(id),
    step_down_record TEXT
);
CREATE INDEX step_up_episode ON step_up(episode_id, opened_at);
CREATE INDEX step_up_state ON step_up(state);
-- At most one step-up in force per episode, whatever runs at once.
CREATE UNIQUE INDEX step_up_one_in_force ON step_up(episode_id) WHERE state <> 'stepped_down';

CREATE TABLE step_up_event (
    seq         BIGSERIAL PRIMARY KEY,
    step_up_id  TEXT NOT NULL REFERENCES step_up(id),
    at          BIGINT NOT NULL,
    by_user     TEXT REFERENCES app_user(id),
    to_state    TEXT NOT NULL,
    summary     TEXT NOT NULL
);
CREATE INDEX step_up_event_step_up ON step_up_event(step_up_id, seq);

CREATE FUNCTION step_up_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'step_up_event is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER step_up_event_no_change BEFORE UPDATE OR DELETE ON step_up_event
    FOR EACH ROW EXECUTE FUNCTION step_up_event_append_only();
CREATE TRIGGER step_up_event_no_truncate BEFORE TRUNCATE ON step_up_event
    FOR EACH STATEMENT EXECUTE FUNCTION step_up_event_append_only();

-- The actions a step-up suggests, each for the worker or the mentor (the
-- user allocated when the step-up opened, if any) with a due time.
CREATE TABLE step_up_action (
    id           TEXT PRIMARY KEY,
    step_up_id   TEXT NOT NULL REFERENCES step_up(id),
    action       TEXT NOT NULL,
    assignee     TEXT NOT NULL,
    assigned_to  TEXT REFERENCES app_user(id),
    due_at       BIGINT NOT NULL
);
CREATE INDEX step_up_action_step_up ON step_up_action(step_up_id);

CREATE FUNCTION step_up_action_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'step_up_action is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER step_up_action_no_change BEFORE UPDATE OR DELETE ON step_up_action
    FOR EACH ROW EXECUTE FUNCTION step_up_action_append_only();
CREATE TRIGGER step_up_action_no_truncate BEFORE TRUNCATE ON step_up_action
    FOR EACH STATEMENT EXECUTE FUNCTION step_up_action_append_only();

-- What was done on a suggested action and what came of it.
CREATE TABLE step_up_record (
    id          TEXT PRIMARY KEY,
    action_id   TEXT NOT NULL REFERENCES step_up_action(id),
    what_done   TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES app_user(id),
    created_at  BIGINT NOT NULL
);
CREATE INDEX step_up_record_action ON step_up_record(action_id);

CREATE FUNCTION step_up_record_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'step_up_record is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER step_up_record_no_change BEFORE UPDATE OR DELETE ON step_up_record
    FOR EACH ROW EXECUTE FUNCTION step_up_record_append_only();
CREATE TRIGGER step_up_record_no_truncate BEFORE TRUNCATE ON step_up_record
    FOR EACH STATEMENT EXECUTE FUNCTION step_up_record_append_only();
