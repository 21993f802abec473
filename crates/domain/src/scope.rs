//! Who is asking, and from where. Every store function that touches personal
//! data takes a [`Caller`]; the scope decides what it may see (deny by
//! default) and the request metadata goes into the audit trail.

use crate::{Role, SiteId, UserId};

/// What a signed-in user may reach: their role and the sites they belong to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub user_id: UserId,
    pub role: Role,
    pub sites: Vec<SiteId>,
}

impl Scope {
    /// The sites whose case records this caller may read. Empty means nothing:
    /// roles that never read cases, and site roles with no site, get an empty list.
    pub fn case_sites(&self) -> &[SiteId] {
        if self.role.reads_cases() {
            &self.sites
        } else {
            &[]
        }
    }

    /// The sites where this caller may add or change case records.
    pub fn case_write_sites(&self) -> &[SiteId] {
        if self.role.writes_cases() {
            &self.sites
        } else {
            &[]
        }
    }

    /// The sites whose audit trail this caller may read.
    pub fn audit_sites(&self) -> &[SiteId] {
        if self.role.reads_site_audit() {
            &self.sites
        } else {
            &[]
        }
    }

    pub fn may_read_site(&self, site: SiteId) -> bool {
        self.case_sites().contains(&site)
    }

    pub fn may_write_site(&self, site: SiteId) -> bool {
        self.case_write_sites().contains(&site)
    }
}

/// Where a request came from, for the audit trail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestMeta {
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

/// A signed-in caller: scope plus request metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub scope: Scope,
    pub meta: RequestMeta,
}

impl Caller {
    pub fn user_id(&self) -> UserId {
        self.scope.user_id
    }

    pub fn role(&self) -> Role {
        self.scope.role
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(role: Role, sites: Vec<SiteId>) -> Scope {
        Scope {
            user_id: UserId::new(),
            role,
            sites,
        }
    }

    #[test]
    fn deny_by_default() {
        let site = SiteId::new();
        assert!(scope(Role::Worker, vec![]).case_sites().is_empty());
        assert!(scope(Role::Admin, vec![site]).case_sites().is_empty());
        assert!(scope(Role::NationalLead, vec![site])
            .case_sites()
            .is_empty());
        assert!(scope(Role::Reviewer, vec![site]).case_sites().is_empty());
        assert!(scope(Role::Worker, vec![site]).may_read_site(site));
        assert!(!scope(Role::Worker, vec![site]).may_read_site(SiteId::new()));
        assert!(!scope(Role::PeerMentor, vec![site]).may_write_site(site));
        assert!(scope(Role::SiteManager, vec![site]).audit_sites() == [site]);
        assert!(scope(Role::Worker, vec![site]).audit_sites().is_empty());
    }
}
