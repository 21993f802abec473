//! The tables the generator fills and the columns it gives, in one place so
//! that each row builder and its table agree.

use reconnect_store::bulk::BulkTable;

const fn table(name: &'static str, columns: &'static [&'static str]) -> BulkTable {
    BulkTable { name, columns }
}

pub const SITE: BulkTable = table("site", &["id", "name", "region", "created_at"]);
pub const PRISON: BulkTable = table("prison", &["id", "site_id", "name", "created_at"]);
pub const APP_USER: BulkTable = table(
    "app_user",
    &[
        "id",
        "email",
        "display_name",
        "role",
        "password_hash",
        "created_at",
        "password_changed_at",
    ],
);
pub const USER_SITE: BulkTable = table("user_site", &["user_id", "site_id"]);
pub const PERSON: BulkTable = table(
    "person",
    &[
        "id",
        "site_id",
        "prison_id",
        "given_name",
        "family_name",
        "preferred_name",
        "date_of_birth",
        "nhs_number",
        "prison_number",
        "created_at",
        "created_by",
        "gender",
    ],
);
pub const EPISODE: BulkTable = table(
    "episode",
    &[
        "id",
        "person_id",
        "site_id",
        "state",
        "referral_source",
        "expected_release",
        "released_on",
        "returned_to_custody_on",
        "linked_from",
        "version",
        "created_at",
        "created_by",
        "updated_at",
    ],
);
pub const EPISODE_EVENT: BulkTable = table(
    "episode_event",
    &[
        "episode_id",
        "at",
        "by_user",
        "kind",
        "action",
        "from_state",
        "to_state",
        "summary",
        "reason",
    ],
);
pub const ALLOCATION: BulkTable = table(
    "allocation",
    &[
        "id",
        "episode_id",
        "worker_id",
        "mentor_id",
        "started_at",
        "started_by",
        "ended_at",
        "ended_by",
        "end_reason",
    ],
);
pub const CONSENT: BulkTable = table(
    "consent_record",
    &[
        "id",
        "episode_id",
        "kind",
        "basis",
        "method",
        "given_on",
        "recorded_at",
        "recorded_by",
    ],
);
pub const CONTACT: BulkTable = table(
    "contact",
    &[
        "id",
        "episode_id",
        "kind",
        "at",
        "two_way",
        "summary",
        "created_by",
        "created_at",
    ],
);
pub const APPOINTMENT: BulkTable = table(
    "appointment",
    &[
        "id",
        "episode_id",
        "what",
        "location",
        "starts_at",
        "state",
        "dna_reason",
        "reason",
        "version",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
    ],
);
pub const APPOINTMENT_EVENT: BulkTable = table(
    "appointment_event",
    &["appointment_id", "at", "by_user", "to_state", "summary"],
);
pub const AUDIT: BulkTable = table(
    "audit_event",
    &[
        "at",
        "actor_user_id",
        "actor_role",
        "action",
        "record_type",
        "record_id",
        "site_id",
        "person_id",
    ],
);
pub const ORGANIZATION: BulkTable = table(
    "dir_organization",
    &["id", "name", "description", "email", "website"],
);
pub const SERVICE: BulkTable = table(
    "dir_service",
    &[
        "id",
        "organization_id",
        "name",
        "description",
        "email",
        "status",
        "how_to_refer",
        "last_modified",
    ],
);
pub const LOCATION: BulkTable = table(
    "dir_location",
    &[
        "id",
        "organization_id",
        "location_type",
        "name",
        "latitude",
        "longitude",
    ],
);
pub const SERVICE_AT_LOCATION: BulkTable = table(
    "dir_service_at_location",
    &["id", "service_id", "location_id"],
);
pub const ADDRESS: BulkTable = table(
    "dir_address",
    &[
        "id",
        "location_id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "postcode",
        "country",
        "address_type",
    ],
);
pub const POSTCODE: BulkTable = table(
    "postcode",
    &["postcode", "latitude", "longitude", "terminated"],
);
pub const ONWARD_REFERRAL: BulkTable = table(
    "onward_referral",
    &[
        "id",
        "episode_id",
        "need_id",
        "service_id",
        "state",
        "parts",
        "snapshot",
        "need_identified_at",
        "sent_at",
        "answered_at",
        "appointment_at",
        "closed_at",
        "decline_reason",
        "outcome",
        "version",
        "created_at",
        "created_by",
        "updated_at",
    ],
);
pub const ONWARD_REFERRAL_EVENT: BulkTable = table(
    "onward_referral_event",
    &[
        "referral_id",
        "at",
        "by_user",
        "action",
        "from_state",
        "to_state",
        "reason",
    ],
);

/// The tables that grow with the number of people: their secondary indexes
/// are built after the load rather than kept up during it.
pub const LOADED_IN_BULK: [&str; 11] = [
    "person",
    "episode",
    "episode_event",
    "allocation",
    "consent_record",
    "contact",
    "appointment",
    "appointment_event",
    "onward_referral",
    "onward_referral_event",
    "audit_event",
];
