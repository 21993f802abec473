//! The services directory for staff: search services (by need, text, near a
//! postcode or a person's release address, open now, eligibility), a
//! service's page (what it offers, who it is for, how to refer, opening
//! times, last checked), and the site's own list that site managers look
//! after, with "needs checking" for services not verified for six months.
//!
//! A search started from a person's need carries `person_id`, `episode_id`
//! and `need_id` from the search to the service page, which then offers
//! "Refer to this service".

mod search;
mod service;
mod site_list;

pub use search::{search, SearchQuery};
pub use service::{add_to_list, remove_from_list, service, verify, CurationForm};
pub use site_list::{site_list, SiteListQuery};

use reconnect_domain::{EpisodeId, PersonId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// The person, episode and need a search was started for, carried through
/// links. Only well-formed ids are kept.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct Carried {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub person_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub episode_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub need_id: String,
}

impl Carried {
    /// Keeps each id only when it looks like an id.
    pub fn cleaned(&self) -> Self {
        let keep = |s: &str| {
            let s = s.trim();
            if uuid::Uuid::parse_str(s).is_ok() {
                s.to_string()
            } else {
                String::new()
            }
        };
        Self {
            person_id: keep(&self.person_id),
            episode_id: keep(&self.episode_id),
            need_id: keep(&self.need_id),
        }
    }

    /// `?person_id=…&…` or "" when nothing is carried.
    pub fn query(&self) -> String {
        let qs = serde_urlencoded::to_string(self).unwrap_or_default();
        if qs.is_empty() {
            qs
        } else {
            format!("?{qs}")
        }
    }

    /// The onward referral form for this service, when a person, episode
    /// and need are all carried.
    pub fn refer_href(&self, service_id: &str) -> Option<String> {
        let person: PersonId = self.person_id.parse().ok()?;
        let episode: EpisodeId = self.episode_id.parse().ok()?;
        let need = uuid::Uuid::parse_str(&self.need_id).ok()?;
        let qs = serde_urlencoded::to_string([
            ("service_id", service_id),
            ("need_id", &need.to_string()),
        ])
        .ok()?;
        Some(format!(
            "/people/{person}/episodes/{episode}/onward-referrals/new?{qs}"
        ))
    }
}

/// The link to a service's page, carrying the search's person and need.
pub fn service_href(id: &str, carried: &Carried) -> String {
    let id: String = url_path_segment(id);
    format!("/directory/services/{id}{}", carried.query())
}

fn url_path_segment(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// "Never checked" or when, for the "needs checking" flag.
pub fn checked_words(verified_at: Option<OffsetDateTime>) -> String {
    match verified_at {
        Some(at) => crate::view::date(at.date()),
        None => "Never checked".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carried_ids_must_look_like_ids() {
        let c = Carried {
            person_id: "0190a1f2-0000-7000-8000-000000000001".into(),
            episode_id: "\"><script>".into(),
            need_id: "0190a1f2-0000-7000-8000-000000000003".into(),
        }
        .cleaned();
        assert!(c.episode_id.is_empty());
        assert_eq!(c.refer_href("svc"), None);
        assert_eq!(
            c.query(),
            "?person_id=0190a1f2-0000-7000-8000-000000000001&need_id=0190a1f2-0000-7000-8000-000000000003"
        );
        assert_eq!(
            service_href("a b/c", &Carried::default()),
            "/directory/services/a%20b%2Fc"
        );
    }
}
