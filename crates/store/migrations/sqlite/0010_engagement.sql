-- Engagement levels, worker concerns and step-ups (issue 4: noticing when
-- engagement falters and stepping support up).

-- Each site's engagement rules, one row per version. A site without a row
-- uses the defaults (version 0). Never changed: a new version is a new row.
CREATE TABLE engagement_rules (
    site_id                     TEXT NOT NULL REFERENCES site(id),
    version                     INTEGER NOT NULL,
    missed_window_days          INTEGER NOT NULL,
    missed_wavering             INTEGER NOT NULL,
    missed_disengaged           INTEGER NOT NULL,
    no_contact_wavering_days    INTEGER NOT NULL,
    no_contact_disengaged_days  INTEGER NOT NULL,
    declined_wavering           INTEGER NOT NULL,
    declined_disengaged         INTEGER NOT NULL,
    overdue_wavering            INTEGER NOT NULL,
    early_release_days          INTEGER NOT NULL,
    escalate_after_days         INTEGER NOT NULL,
    created_by                  TEXT NOT NULL REFERENCES app_user(id),
    created_at                  INTEGER NOT NULL,
    PRIMARY KEY (site_id, version)
);

CREATE TRIGGER engagement_rules_no_update BEFORE UPDATE ON engagement_rules
BEGIN
    SELECT RAISE(ABORT, 'engagement_rules is append-only');
END;
CREATE TRIGGER engagement_rules_no_delete BEFORE DELETE ON engagement_rules
BEGIN
    SELECT RAISE(ABORT, 'engagement_rules is append-only');
END;

-- Worker concerns. A concern is raised with a note; clearing it is a new
-- row pointing at the one it clears (each is cleared at most once).
CREATE TABLE concern (
    id          TEXT PRIMARY KEY,
    episode_id  TEXT NOT NULL REFERENCES episode(id),
    clears      TEXT UNIQUE REFERENCES concern(id),
    note        TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES app_user(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX concern_episode ON concern(episode_id, created_at);

CREATE TRIGGER concern_no_update BEFORE UPDATE ON concern
BEGIN
    SELECT RAISE(ABORT, 'concern is append-only');
END;
CREATE TRIGGER concern_no_delete BEFORE DELETE ON concern
BEGIN
    SELECT RAISE(ABORT, 'concern is append-only');
END;

-- Levels as the daily recompute found them. A new row only when the level,
-- the reasons or the rule version changed.
CREATE TABLE engagement_snapshot (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    episode_id    TEXT NOT NULL REFERENCES episode(id),
    level         TEXT NOT NULL,
    reasons       TEXT NOT NULL,
    rule_version  INTEGER NOT NULL,
    computed_at   INTEGER NOT NULL
);
CREATE INDEX engagement_snapshot_episode ON engagement_snapshot(episode_id, seq);

CREATE TRIGGER engagement_snapshot_no_update BEFORE UPDATE ON engagement_snapshot
BEGIN
    SELECT RAISE(ABORT, 'engagement_snapshot is append-only');
END;
CREATE TRIGGER engagement_snapshot_no_delete BEFORE DELETE ON engagement_snapshot
BEGIN
    SELECT RAISE(ABORT, 'engagement_snapshot is append-only');
END;

-- Step-ups. The current state is kept here; every change is also appended
-- to step_up_event. state is open, escalated or stepped_down.
CREATE TABLE step_up (
    id               TEXT PRIMARY KEY,
    episode_id       TEXT NOT NULL REFERENCES episode(id),
    level            TEXT NOT NULL,
    reasons          TEXT NOT NULL,
    rule_version     INTEGER NOT NULL,
    state            TEXT NOT NULL,
    opened_at        INTEGER NOT NULL,
    escalated_at     INTEGER,
    stepped_down_at  INTEGER,
    stepped_down_by  TEXT REFERENCES app_user(id),
    step_down_record TEXT
);
CREATE INDEX step_up_episode ON step_up(episode_id, opened_at);
CREATE INDEX step_up_state ON step_up(state);
-- At most one step-up in force per episode, whatever runs at once.
CREATE UNIQUE INDEX step_up_one_in_force ON step_up(episode_id) WHERE state <> 'stepped_down';

CREATE TABLE step_up_event (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    step_up_id  TEXT NOT NULL REFERENCES step_up(id),
    at          INTEGER NOT NULL,
    by_user     TEXT REFERENCES app_user(id),
    to_state    TEXT NOT NULL,
    summary     TEXT NOT NULL
);
CREATE INDEX step_up_event_step_up ON step_up_event(step_up_id, seq);

CREATE TRIGGER step_up_event_no_update BEFORE UPDATE ON step_up_event
BEGIN
    SELECT RAISE(ABORT, 'step_up_event is append-only');
END;
CREATE TRIGGER step_up_event_no_delete BEFORE DELETE ON step_up_event
BEGIN
    SELECT RAISE(ABORT, 'step_up_event is append-only');
END;

-- The actions a step-up suggests, each for the worker or the mentor (the
-- user allocated when the step-up opened, if any) with a due time.
CREATE TABLE step_up_action (
    id           TEXT PRIMARY KEY,
    step_up_id   TEXT NOT NULL REFERENCES step_up(id),
    action       TEXT NOT NULL,
    assignee     TEXT NOT NULL,
    assigned_to  TEXT REFERENCES app_user(id),
    due_at       INTEGER NOT NULL
);
CREATE INDEX step_up_action_step_up ON step_up_action(step_up_id);

CREATE TRIGGER step_up_action_no_update BEFORE UPDATE ON step_up_action
BEGIN
    SELECT RAISE(ABORT, 'step_up_action is append-only');
END;
CREATE TRIGGER step_up_action_no_delete BEFORE DELETE ON step_up_action
BEGIN
    SELECT RAISE(ABORT, 'step_up_action is append-only');
END;

-- What was done on a suggested action and what came of it.
CREATE TABLE step_up_record (
    id          TEXT PRIMARY KEY,
    action_id   TEXT NOT NULL REFERENCES step_up_action(id),
    what_done   TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES app_user(id),
    created_at  INTEGER NOT NULL
);
CREATE INDEX step_up_record_action ON step_up_record(action_id);

CREATE TRIGGER step_up_record_no_update BEFORE UPDATE ON step_up_record
BEGIN
    SELECT RAISE(ABORT, 'step_up_record is append-only');
END;
CREATE TRIGGER step_up_record_no_delete BEFORE DELETE ON step_up_record
BEGIN
    SELECT RAISE(ABORT, 'step_up_record is append-only');
END;
