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
    recorded_at  BIGINT NOT NULL,
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
    withdrawn_at  BIGINT NOT NULL,
    withdrawn_by  TEXT NOT NULL REFERENCES app_user(id),
    reason        TEXT
);

-- How many people each worker or peer mentor can support at a site, set by
-- the site's manager. Each change is a new row; the latest is the capacity.
CREATE TABLE caseload_capacity (
    seq       BIGSERIAL PRIMARY KEY,
    site_id   TEXT NOT NULL REFERENCES site(id),
    user_id   TEXT NOT NULL REFERENCES app_user(id),
    capacity  BIGINT NOT NULL CHECK (capacity >= 0),
    set_at    BIGINT NOT NULL,
    set_by    TEXT NOT NULL REFERENCES app_user(id)
);
CREATE INDEX caseload_capacity_user ON caseload_capacity(site_id, user_id, seq);

CREATE FUNCTION consent_capacity_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER consent_record_no_change BEFORE UPDATE OR DELETE ON consent_record
    FOR EACH ROW EXECUTE FUNCTION consent_capacity_append_only();
CREATE TRIGGER consent_record_no_truncate BEFORE TRUNCATE ON consent_record
    FOR EACH STATEMENT EXECUTE FUNCTION consent_capacity_append_only();
CREATE TRIGGER consent_withdrawal_no_change BEFORE UPDATE OR DELETE ON consent_withdrawal
    FOR EACH ROW EXECUTE FUNCTION consent_capacity_append_only();
CREATE TRIGGER consent_withdrawal_no_truncate BEFORE TRUNCATE ON consent_withdrawal
    FOR EACH STATEMENT EXECUTE FUNCTION consent_capacity_append_only();
CREATE TRIGGER caseload_capacity_no_change BEFORE UPDATE OR DELETE ON caseload_capacity
    FOR EACH ROW EXECUTE FUNCTION consent_capacity_append_only();
CREATE TRIGGER caseload_capacity_no_truncate BEFORE TRUNCATE ON caseload_capacity
    FOR EACH STATEMENT EXECUTE FUNCTION consent_capacity_append_only();
