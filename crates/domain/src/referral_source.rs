//! Who referred someone to RECONNECT. Self-referral and referral by family
//! or friends are as welcome as a professional's.

use serde::{Deserialize, Serialize};
use std::str::FromStr;
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReferralSource {
    /// The person referred themselves.
    SelfReferral,
    FamilyOrFriend,
    PrisonHealthcare,
    Probation,
    SubstanceMisuseTeam,
    OtherAgency,
}

impl ReferralSource {
    pub const ALL: [ReferralSource; 6] = [
        ReferralSource::SelfReferral,
        ReferralSource::FamilyOrFriend,
        ReferralSource::PrisonHealthcare,
        ReferralSource::Probation,
        ReferralSource::SubstanceMisuseTeam,
        ReferralSource::OtherAgency,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReferralSource::SelfReferral => "self_referral",
            ReferralSource::FamilyOrFriend => "family_or_friend",
            ReferralSource::PrisonHealthcare => "prison_healthcare",
            ReferralSource::Probation => "probation",
            ReferralSource::SubstanceMisuseTeam => "substance_misuse_team",
            ReferralSource::OtherAgency => "other_agency",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ReferralSource::SelfReferral => "The person themselves",
            ReferralSource::FamilyOrFriend => "Family or a friend",
            ReferralSource::PrisonHealthcare => "Prison healthcare",
            ReferralSource::Probation => "Probation",
            ReferralSource::SubstanceMisuseTeam => "Substance misuse team",
            ReferralSource::OtherAgency => "Another agency",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("Choose who made the referral")]
pub struct UnknownReferralSource;

impl FromStr for ReferralSource {
    type Err = UnknownReferralSource;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReferralSource::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or(UnknownReferralSource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_source() {
        for r in ReferralSource::ALL {
            assert_eq!(r.as_str().parse::<ReferralSource>().unwrap(), r);
        }
        assert_eq!(
            "court".parse::<ReferralSource>(),
            Err(UnknownReferralSource)
        );
    }
}
