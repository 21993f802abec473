-- Needs, assessments, the plan and the release-day plan (issue 3: plan).
-- Every table here is a child of an episode: the store checks the episode's
-- site on every read and write. History tables are append-only.

-- The needs catalogue: reference data, in the order forms offer it.
CREATE TABLE need_domain (
    code        TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    sort_order  BIGINT NOT NULL UNIQUE
);
INSERT INTO need_domain (code, label, sort_order) VALUES
    ('physical_health', 'Physical health', 1),
    ('mental_health', 'Mental health', 2),
    ('substance_use', 'Drug and alcohol use', 3),
    ('medication', 'Medication and prescriptions', 4),
    ('gp_registration', 'GP registration', 5),
    ('accommodation', 'Accommodation', 6),
    ('finance_benefits', 'Finance and benefits', 7),
    ('id_bank', 'ID and bank account', 8),
    ('family_children', 'Family and children', 9),
    ('education_work', 'Education and work', 10),
    ('neurodiversity', 'Neurodiversity and learning disability', 11),
    ('trauma', 'Trauma', 12),
    ('domestic_abuse', 'Domestic abuse', 13),
    ('other', 'Other', 14);

-- A need on an episode, as it stands now; every change is in need_update.
CREATE TABLE episode_need (
    id                 TEXT PRIMARY KEY,
    episode_id         TEXT NOT NULL REFERENCES episode(id),
    domain_code        TEXT NOT NULL REFERENCES need_domain(code),
    other_text         TEXT,
    status             TEXT NOT NULL,
    responsible_party  TEXT NOT NULL,
    version            BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    created_by         TEXT NOT NULL REFERENCES app_user(id),
    updated_at         BIGINT NOT NULL,
    CHECK ((domain_code = 'other') = (other_text IS NOT NULL))
);
CREATE INDEX episode_need_episode ON episode_need(episode_id);
-- At most one open need per domain on an episode ("other" needs may be many).
CREATE UNIQUE INDEX episode_need_one_open ON episode_need(episode_id, domain_code)
    WHERE status IN ('identified', 'in_progress') AND domain_code <> 'other';

-- What happened to a need, in order: who, when, the status and party after
-- the change, and a note.
CREATE TABLE need_update (
    seq                BIGSERIAL PRIMARY KEY,
    need_id            TEXT NOT NULL REFERENCES episode_need(id),
    at                 BIGINT NOT NULL,
    by_user            TEXT NOT NULL REFERENCES app_user(id),
    status             TEXT NOT NULL,
    responsible_party  TEXT NOT NULL,
    note               TEXT
);
CREATE INDEX need_update_need ON need_update(need_id, seq);

-- An assessment: every domain scored 0-4 on one date. Never changed; a
-- later assessment shows progress.
CREATE TABLE assessment (
    id           TEXT PRIMARY KEY,
    episode_id   TEXT NOT NULL REFERENCES episode(id),
    assessed_on  TEXT NOT NULL,
    at           BIGINT NOT NULL,
    by_user      TEXT NOT NULL REFERENCES app_user(id)
);
-- One assessment per episode per day (a form sent twice is refused).
CREATE UNIQUE INDEX assessment_one_a_day ON assessment(episode_id, assessed_on);

CREATE TABLE assessment_score (
    assessment_id  TEXT NOT NULL REFERENCES assessment(id),
    domain_code    TEXT NOT NULL REFERENCES need_domain(code),
    score          BIGINT NOT NULL CHECK (score BETWEEN 0 AND 4),
    note           TEXT,
    PRIMARY KEY (assessment_id, domain_code)
);

-- Goals in the person's own words. Never changed.
CREATE TABLE plan_goal (
    id          TEXT PRIMARY KEY,
    episode_id  TEXT NOT NULL REFERENCES episode(id),
    words       TEXT NOT NULL,
    at          BIGINT NOT NULL,
    by_user     TEXT NOT NULL REFERENCES app_user(id)
);
CREATE INDEX plan_goal_episode ON plan_goal(episode_id);

-- Actions, as they stand now; every change is in plan_action_event.
CREATE TABLE plan_action (
    id          TEXT PRIMARY KEY,
    episode_id  TEXT NOT NULL REFERENCES episode(id),
    goal_id     TEXT REFERENCES plan_goal(id),
    text        TEXT NOT NULL,
    owner       TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    status      TEXT NOT NULL,
    reason      TEXT,
    version     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES app_user(id),
    updated_at  BIGINT NOT NULL
);
CREATE INDEX plan_action_episode ON plan_action(episode_id, status, due_on);

CREATE TABLE plan_action_event (
    seq        BIGSERIAL PRIMARY KEY,
    action_id  TEXT NOT NULL REFERENCES plan_action(id),
    at         BIGINT NOT NULL,
    by_user    TEXT NOT NULL REFERENCES app_user(id),
    status     TEXT NOT NULL,
    reason     TEXT
);
CREATE INDEX plan_action_event_action ON plan_action_event(action_id, seq);

-- The release-day plan: each save is a new row with the next version, so
-- the rows are the history and the highest version is the current plan.
CREATE TABLE release_plan (
    id            TEXT PRIMARY KEY,
    episode_id    TEXT NOT NULL REFERENCES episode(id),
    version       BIGINT NOT NULL,
    release_time  TEXT,
    at            BIGINT NOT NULL,
    by_user       TEXT NOT NULL REFERENCES app_user(id),
    UNIQUE (episode_id, version)
);

CREATE TABLE release_plan_item (
    plan_id  TEXT NOT NULL REFERENCES release_plan(id),
    item     TEXT NOT NULL,
    status   TEXT NOT NULL,
    detail   TEXT,
    PRIMARY KEY (plan_id, item)
);

CREATE FUNCTION plan_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER need_update_no_change BEFORE UPDATE OR DELETE ON need_update
    FOR EACH ROW EXECUTE FUNCTION plan_history_append_only();
CREATE TRIGGER need_update_no_truncate BEFORE TRUNCATE ON need_update
    FOR EACH STATEMENT EXECUTE FUNCTION plan_history_append_only();
CREATE TRIGGER assessment_no_change BEFORE UPDATE OR DELETE ON assessment
    FOR EACH ROW EXECUTE FUNCTION plan_history_append_only();
CREATE TRIGGER assessment_no_truncate BEFORE TRUNCATE ON assessment
    FOR EACH STATEMENT EXECUTE FUNCTION plan_history_append_only();
CREATE TRIGGER assessment_score_no_change BEFORE UPDATE OR DELETE ON assessment_score
    FOR EACH ROW EXECUTE FUNCTION plan_history_append_only();
CREATE TRIGGER assessment_score_no_truncate BEFORE TRUNCATE ON assessment_score
    FOR EACH STATEMENT EXECUTE FUNCTION plan_history_append_only();
CREATE TRIGGER plan_goal_no_change BEFORE UPDATE OR DELETE ON plan_goal
    FOR EACH ROW EXECUTE FUNCTION plan_history_append_only();
CREATE TRIGGER plan_goal_no_truncate BEFORE TRUNCATE ON plan_goal
    FOR EACH STATEMENT EXECUTE FUNCTION plan_history_append_only();
CREATE TRIGGER plan_action_event_no_change BEFORE UPDATE OR DELETE ON plan_action_event
    FOR EACH ROW EXECUTE FUNCTION plan_history_append_only();
CREATE TRIGGER plan_action_event_no_truncate BEFORE TRUNCATE ON plan_action_event
    FOR EACH STATEMENT EXECUTE FUNCTION plan_history_append_only();
CREATE TRIGGER release_plan_no_change BEFORE UPDATE OR DELETE ON release_plan
    FOR EACH ROW EXECUTE FUNCTION plan_history_append_only();
CREATE TRIGGER release_plan_no_truncate BEFORE TRUNCATE ON release_plan
    FOR EACH STATEMENT EXECUTE FUNCTION plan_history_append_only();
CREATE TRIGGER release_plan_item_no_change BEFORE UPDATE OR DELETE ON release_plan_item
    FOR EACH ROW EXECUTE FUNCTION plan_history_append_only();
CREATE TRIGGER release_plan_item_no_truncate BEFORE TRUNCATE ON release_plan_item
    FOR EACH STATEMENT EXECUTE FUNCTION plan_history_append_only();
