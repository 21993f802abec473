//! Typed identifiers. Every record is keyed by a random-looking UUID (v7, so
//! ids sort by creation time) and each table has its own id type, so a person
//! id can never be passed where a site id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new, time-ordered identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

typed_id!(
    /// A staff account.
    UserId
);
typed_id!(
    /// A RECONNECT site (the organisation delivering the service in an area).
    SiteId
);
typed_id!(
    /// A prison served by a site.
    PrisonId
);
typed_id!(
    /// A person supported (or referred to be supported) by the service.
    PersonId
);
typed_id!(
    /// A personal access token for the API.
    TokenId
);
typed_id!(
    /// One period of support for a person (they may have several over the years).
    EpisodeId
);
typed_id!(
    /// A referral waiting for (or past) triage.
    ReferralId
);
typed_id!(
    /// One allocation of a worker (and perhaps a peer mentor) to an episode.
    AllocationId
);
typed_id!(
    /// One consent the person gave: to take part, or to share information.
    ConsentId
);
typed_id!(
    /// A need recorded on an episode.
    NeedId
);
typed_id!(
    /// One assessment of a person's needs, scoring each domain.
    AssessmentId
);
typed_id!(
    /// A goal in a person's plan.
    GoalId
);
typed_id!(
    /// An action in a person's plan.
    PlanActionId
);
typed_id!(/// A contact with the person (or a correction of one).
ContactId);
typed_id!(/// An appointment in an episode of support.
AppointmentId);
typed_id!(/// A case note (or a correction of one).
CaseNoteId);
typed_id!(/// A message in the outbox.
MessageId);
typed_id!(/// A step-up of support on an episode.
StepUpId);
typed_id!(/// One suggested action in a step-up.
StepUpActionId);
typed_id!(/// A worker's concern about an episode (or the clearing of one).
ConcernId);
typed_id!(/// An onward referral from an episode to a directory service.
OnwardReferralId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        let id = PersonId::new();
        let parsed: PersonId = id.to_string().parse().unwrap();
        assert_eq!(id, parsed);
        assert!("not-an-id".parse::<PersonId>().is_err());
    }
}
