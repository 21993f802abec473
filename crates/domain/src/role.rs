//! Staff roles and what each may do. The capability methods here are the one
//! place that says which roles may see case records; the store asks them on
//! every query for personal data.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A RECONNECT worker with a caseload.
    Worker,
    /// A peer mentor with lived experience.
    PeerMentor,
    /// Manages a site: its staff, its caseloads and its audit trail.
    SiteManager,
    /// National lead: aggregate figures only, never identifiable data.
    NationalLead,
    /// Lived-experience reviewer: anonymised data only.
    Reviewer,
    /// Manages users and sites; not thereby allowed to read case records.
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Worker,
        Role::PeerMentor,
        Role::SiteManager,
        Role::NationalLead,
        Role::Reviewer,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Worker => "worker",
            Role::PeerMentor => "peer_mentor",
            Role::SiteManager => "site_manager",
            Role::NationalLead => "national_lead",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Worker => "RECONNECT worker",
            Role::PeerMentor => "Peer mentor",
            Role::SiteManager => "Site manager",
            Role::NationalLead => "National lead",
            Role::Reviewer => "Lived experience reviewer",
            Role::Admin => "Administrator",
        }
    }

    /// May this role read and change identifiable case records (at its own sites)?
    pub fn reads_cases(self) -> bool {
        matches!(self, Role::Worker | Role::PeerMentor | Role::SiteManager)
    }

    /// May this role add people to a caseload?
    pub fn writes_cases(self) -> bool {
        matches!(self, Role::Worker | Role::SiteManager)
    }

    /// May this role read its sites' audit trail?
    pub fn reads_site_audit(self) -> bool {
        matches!(self, Role::SiteManager)
    }

    /// May this role manage staff accounts and sites?
    pub fn manages_users(self) -> bool {
        matches!(self, Role::Admin)
    }

    /// May this role see aggregate (non-identifying) figures across sites?
    pub fn reads_aggregates(self) -> bool {
        matches!(
            self,
            Role::NationalLead | Role::Reviewer | Role::SiteManager
        )
    }

    /// Does this role work within particular sites (so needs one to see anything)?
    pub fn is_site_based(self) -> bool {
        self.reads_cases()
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("Choose a role: worker, peer_mentor, site_manager, national_lead, reviewer or admin")]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or(UnknownRole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_role() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn only_site_roles_read_cases() {
        assert!(!Role::Admin.reads_cases());
        assert!(!Role::NationalLead.reads_cases());
        assert!(!Role::Reviewer.reads_cases());
        assert!(Role::Worker.reads_cases());
    }
}
