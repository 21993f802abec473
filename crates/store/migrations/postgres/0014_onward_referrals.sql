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
    need_identified_at  BIGINT,
    sent_at             BIGINT,
    answered_at         BIGINT,
    appointment_at      BIGINT,
    closed_at           BIGINT,
    decline_reason      TEXT,
    outcome             TEXT,
    version             BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    created_by          TEXT NOT NULL REFERENCES app_user(id),
    updated_at          BIGINT NOT NULL
);
CREATE INDEX onward_referral_episode ON onward_referral(episode_id, created_at);
CREATE INDEX onward_referral_service ON onward_referral(service_id);
CREATE INDEX onward_referral_state ON onward_referral(state);

CREATE FUNCTION onward_referral_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'onward referrals are never deleted';
    END IF;
    IF OLD.snapshot IS NOT NULL AND NEW.snapshot IS DISTINCT FROM OLD.snapshot THEN
        RAISE EXCEPTION 'an onward referral snapshot never changes';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER onward_referral_guarded BEFORE UPDATE OR DELETE ON onward_referral
    FOR EACH ROW EXECUTE FUNCTION onward_referral_guard();

CREATE TABLE onward_referral_event (
    seq          BIGSERIAL PRIMARY KEY,
    referral_id  TEXT NOT NULL REFERENCES onward_referral(id),
    at           BIGINT NOT NULL,
    by_user      TEXT NOT NULL REFERENCES app_user(id),
    action       TEXT NOT NULL,
    from_state   TEXT,
    to_state     TEXT NOT NULL,
    reason       TEXT
);
CREATE INDEX onward_referral_event_referral ON onward_referral_event(referral_id, seq);

CREATE FUNCTION onward_referral_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'onward_referral_event is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER onward_referral_event_no_change BEFORE UPDATE OR DELETE ON onward_referral_event
    FOR EACH ROW EXECUTE FUNCTION onward_referral_event_append_only();
CREATE TRIGGER onward_referral_event_no_truncate BEFORE TRUNCATE ON onward_referral_event
    FOR EACH STATEMENT EXECUTE FUNCTION onward_referral_event_append_only();
