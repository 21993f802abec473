-- Who supports the person during an episode (issue 3: allocation).
-- One current RECONNECT worker per episode and an optional peer mentor.
-- A change of worker or mentor ends the current row and starts a new one,
-- so the rows are the history of allocations, each with who and why.
CREATE TABLE allocation (
    id           TEXT PRIMARY KEY,
    episode_id   TEXT NOT NULL REFERENCES episode(id),
    worker_id    TEXT NOT NULL REFERENCES app_user(id),
    mentor_id    TEXT REFERENCES app_user(id),
    reason       TEXT,
    started_at   BIGINT NOT NULL,
    started_by   TEXT NOT NULL REFERENCES app_user(id),
    ended_at     BIGINT,
    ended_by     TEXT REFERENCES app_user(id),
    end_reason   TEXT
);
CREATE INDEX allocation_episode ON allocation(episode_id, ended_at);
CREATE INDEX allocation_worker ON allocation(worker_id, ended_at);
-- At most one current allocation per episode.
CREATE UNIQUE INDEX allocation_one_current ON allocation(episode_id) WHERE ended_at IS NULL;
