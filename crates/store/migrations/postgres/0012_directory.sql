-- The services directory (issue 5), modelled on Open Referral UK 3.0
-- (HSDS 3.0 with the UK profile). One table per profile table, named dir_*
-- so they never clash with case records. Ids are the feed's own UUIDs, so an
-- import upserts by id. Dates are ISO text, instants are epoch milliseconds,
-- coordinates are decimal degrees. None of these tables holds case data: the
-- whole directory may be published.

CREATE TABLE dir_organization (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    description             TEXT NOT NULL,
    email                   TEXT,
    website                 TEXT,
    logo                    TEXT,
    uri                     TEXT,
    parent_organization_id  TEXT
);

CREATE TABLE dir_organization_identifier (
    id                TEXT PRIMARY KEY,
    organization_id   TEXT NOT NULL REFERENCES dir_organization(id) ON DELETE CASCADE,
    identifier_scheme TEXT,
    identifier_type   TEXT NOT NULL,
    identifier        TEXT NOT NULL
);
CREATE INDEX dir_organization_identifier_org ON dir_organization_identifier(organization_id);

-- status: active, inactive, defunct or temporarily closed (the profile's values).
-- eligible_genders: NULL for anyone, else a comma list of 'women', 'men',
-- 'non_binary' (local; published as eligibility attributes).
-- last_modified: epoch ms. verified_at/verified_by: the latest verification,
-- kept with its history in dir_service_verification.
CREATE TABLE dir_service (
    id                      TEXT PRIMARY KEY,
    organization_id         TEXT REFERENCES dir_organization(id),
    name                    TEXT NOT NULL,
    description             TEXT,
    url                     TEXT,
    email                   TEXT,
    status                  TEXT NOT NULL,
    fees                    TEXT,
    accreditations          TEXT,
    eligibility_description TEXT,
    minimum_age             INTEGER,
    maximum_age             INTEGER,
    eligible_genders        TEXT,
    how_to_refer            TEXT,
    assured_date            TEXT,
    assurer_email           TEXT,
    alert                   TEXT,
    last_modified           BIGINT NOT NULL,
    verified_at             BIGINT,
    verified_by             TEXT REFERENCES app_user(id)
);
CREATE INDEX dir_service_org ON dir_service(organization_id);
CREATE INDEX dir_service_name ON dir_service(name);
CREATE INDEX dir_service_verified ON dir_service(verified_at);

CREATE TABLE dir_location (
    id                        TEXT PRIMARY KEY,
    organization_id           TEXT REFERENCES dir_organization(id),
    location_type             TEXT NOT NULL,
    name                      TEXT,
    description               TEXT,
    latitude                  DOUBLE PRECISION,
    longitude                 DOUBLE PRECISION,
    external_identifier       TEXT,
    external_identifier_type  TEXT
);
CREATE INDEX dir_location_lat_lon ON dir_location(latitude, longitude);

CREATE TABLE dir_service_at_location (
    id           TEXT PRIMARY KEY,
    service_id   TEXT NOT NULL REFERENCES dir_service(id) ON DELETE CASCADE,
    location_id  TEXT NOT NULL REFERENCES dir_location(id),
    description  TEXT
);
CREATE INDEX dir_service_at_location_service ON dir_service_at_location(service_id);
CREATE INDEX dir_service_at_location_location ON dir_service_at_location(location_id);

-- postal_code keeps what the feed said; postcode is its normal form when it
-- parses as a UK postcode.
CREATE TABLE dir_address (
    id              TEXT PRIMARY KEY,
    location_id     TEXT NOT NULL REFERENCES dir_location(id) ON DELETE CASCADE,
    attention       TEXT,
    address_1       TEXT NOT NULL,
    address_2       TEXT,
    city            TEXT NOT NULL,
    region          TEXT,
    state_province  TEXT NOT NULL,
    postal_code     TEXT NOT NULL,
    postcode        TEXT,
    country         TEXT NOT NULL,
    address_type    TEXT NOT NULL
);
CREATE INDEX dir_address_location ON dir_address(location_id);

CREATE TABLE dir_accessibility (
    id           TEXT PRIMARY KEY,
    location_id  TEXT NOT NULL REFERENCES dir_location(id) ON DELETE CASCADE,
    description  TEXT,
    details      TEXT,
    url          TEXT
);
CREATE INDEX dir_accessibility_location ON dir_accessibility(location_id);

CREATE TABLE dir_contact (
    id                       TEXT PRIMARY KEY,
    organization_id          TEXT REFERENCES dir_organization(id) ON DELETE CASCADE,
    service_id               TEXT REFERENCES dir_service(id) ON DELETE CASCADE,
    service_at_location_id   TEXT REFERENCES dir_service_at_location(id) ON DELETE CASCADE,
    location_id              TEXT REFERENCES dir_location(id) ON DELETE CASCADE,
    name                     TEXT,
    title                    TEXT,
    department               TEXT,
    email                    TEXT
);
CREATE INDEX dir_contact_service ON dir_contact(service_id);

CREATE TABLE dir_phone (
    id                       TEXT PRIMARY KEY,
    contact_id               TEXT REFERENCES dir_contact(id) ON DELETE CASCADE,
    service_id               TEXT REFERENCES dir_service(id) ON DELETE CASCADE,
    location_id              TEXT REFERENCES dir_location(id) ON DELETE CASCADE,
    organization_id          TEXT REFERENCES dir_organization(id) ON DELETE CASCADE,
    service_at_location_id   TEXT REFERENCES dir_service_at_location(id) ON DELETE CASCADE,
    number                   TEXT NOT NULL,
    extension                TEXT,
    phone_type               TEXT,
    description              TEXT
);
CREATE INDEX dir_phone_contact ON dir_phone(contact_id);
CREATE INDEX dir_phone_service ON dir_phone(service_id);

-- A weekly (or monthly) opening pattern in the profile's iCalendar terms.
-- opens_at/closes_at are 'HH:MM' or 'HH:MM:SS' local UK time.
CREATE TABLE dir_schedule (
    id                      TEXT PRIMARY KEY,
    service_id              TEXT REFERENCES dir_service(id) ON DELETE CASCADE,
    location_id             TEXT REFERENCES dir_location(id) ON DELETE CASCADE,
    service_at_location_id  TEXT REFERENCES dir_service_at_location(id) ON DELETE CASCADE,
    valid_from              TEXT,
    valid_to                TEXT,
    dtstart                 TEXT,
    freq                    TEXT,
    interval_count          INTEGER,
    byday                   TEXT,
    bymonthday              TEXT,
    description             TEXT,
    opens_at                TEXT,
    closes_at               TEXT,
    schedule_link           TEXT,
    attending_type          TEXT,
    notes                   TEXT
);
CREATE INDEX dir_schedule_service ON dir_schedule(service_id);
CREATE INDEX dir_schedule_sal ON dir_schedule(service_at_location_id);

CREATE TABLE dir_service_area (
    id                      TEXT PRIMARY KEY,
    service_id              TEXT REFERENCES dir_service(id) ON DELETE CASCADE,
    service_at_location_id  TEXT REFERENCES dir_service_at_location(id) ON DELETE CASCADE,
    name                    TEXT,
    description             TEXT,
    extent                  TEXT,
    extent_type             TEXT,
    uri                     TEXT
);
CREATE INDEX dir_service_area_service ON dir_service_area(service_id);

-- name and code (ISO 639) are kept beyond the UK profile's id-only language.
CREATE TABLE dir_language (
    id          TEXT PRIMARY KEY,
    service_id  TEXT REFERENCES dir_service(id) ON DELETE CASCADE,
    location_id TEXT REFERENCES dir_location(id) ON DELETE CASCADE,
    phone_id    TEXT REFERENCES dir_phone(id) ON DELETE CASCADE,
    name        TEXT,
    code        TEXT,
    note        TEXT
);
CREATE INDEX dir_language_service ON dir_language(service_id);

CREATE TABLE dir_cost_option (
    id                  TEXT PRIMARY KEY,
    service_id          TEXT NOT NULL REFERENCES dir_service(id) ON DELETE CASCADE,
    valid_from          TEXT,
    valid_to            TEXT,
    option_text         TEXT,
    currency            TEXT,
    amount              DOUBLE PRECISION,
    amount_description  TEXT
);
CREATE INDEX dir_cost_option_service ON dir_cost_option(service_id);

CREATE TABLE dir_funding (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT REFERENCES dir_organization(id) ON DELETE CASCADE,
    service_id       TEXT REFERENCES dir_service(id) ON DELETE CASCADE,
    source           TEXT
);
CREATE INDEX dir_funding_service ON dir_funding(service_id);

CREATE TABLE dir_taxonomy (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    uri          TEXT,
    version      TEXT
);

CREATE TABLE dir_taxonomy_term (
    id           TEXT PRIMARY KEY,
    code         TEXT,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL,
    parent_id    TEXT REFERENCES dir_taxonomy_term(id),
    taxonomy     TEXT,
    taxonomy_id  TEXT REFERENCES dir_taxonomy(id),
    term_uri     TEXT,
    language     TEXT
);
CREATE INDEX dir_taxonomy_term_taxonomy ON dir_taxonomy_term(taxonomy_id);
CREATE INDEX dir_taxonomy_term_parent ON dir_taxonomy_term(parent_id);

-- An attribute links any record (link_entity names its table: 'service',
-- 'location', 'organization', ...) to a taxonomy term.
CREATE TABLE dir_attribute (
    id                TEXT PRIMARY KEY,
    link_id           TEXT NOT NULL,
    link_type         TEXT,
    link_entity       TEXT NOT NULL,
    taxonomy_term_id  TEXT NOT NULL REFERENCES dir_taxonomy_term(id),
    value             TEXT,
    label             TEXT
);
CREATE INDEX dir_attribute_link ON dir_attribute(link_entity, link_id);
CREATE INDEX dir_attribute_term ON dir_attribute(taxonomy_term_id, link_entity, link_id);

-- A site's own list of services it works with (curated by its managers).
CREATE TABLE site_service (
    site_id     TEXT NOT NULL REFERENCES site(id),
    service_id  TEXT NOT NULL REFERENCES dir_service(id) ON DELETE CASCADE,
    added_at    BIGINT NOT NULL,
    added_by    TEXT NOT NULL REFERENCES app_user(id),
    note        TEXT,
    PRIMARY KEY (site_id, service_id)
);
CREATE INDEX site_service_service ON site_service(service_id);

-- Every time someone checked a service's details were right. Append-only;
-- dir_service.verified_at/verified_by repeat the latest for fast listing.
CREATE TABLE dir_service_verification (
    seq          BIGSERIAL PRIMARY KEY,
    service_id   TEXT NOT NULL REFERENCES dir_service(id),
    site_id      TEXT REFERENCES site(id),
    verified_at  BIGINT NOT NULL,
    verified_by  TEXT NOT NULL REFERENCES app_user(id),
    note         TEXT
);
CREATE INDEX dir_service_verification_service ON dir_service_verification(service_id, seq);

CREATE FUNCTION dir_service_verification_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'dir_service_verification is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER dir_service_verification_no_change BEFORE UPDATE OR DELETE ON dir_service_verification
    FOR EACH ROW EXECUTE FUNCTION dir_service_verification_append_only();
CREATE TRIGGER dir_service_verification_no_truncate BEFORE TRUNCATE ON dir_service_verification
    FOR EACH STATEMENT EXECUTE FUNCTION dir_service_verification_append_only();

-- Postcodes and their coordinates, loaded by the operator from the ONS
-- Postcode Directory. postcode is the compact form (no space, capitals).
-- terminated: 1 when the postcode is no longer in use.
CREATE TABLE postcode (
    postcode    TEXT PRIMARY KEY,
    latitude    DOUBLE PRECISION NOT NULL,
    longitude   DOUBLE PRECISION NOT NULL,
    terminated  INTEGER NOT NULL DEFAULT 0
);
