//! Demo allocation, consent and capacities, added after every journey has
//! been carried out.
//!
//! At each site, every open episode past triage gets the site's worker (one
//! worker per site, so the person keeps the same worker before and after
//! release), and most get the site's peer mentor too; a few accepted
//! referrals are left unallocated so the unallocated list has something to
//! show. Every allocated episode has consent to take part on record, some
//! have consents to share information (one withdrawn and one expired per
//! site), and the site manager sets capacities, with the first site's worker
//! over capacity. Everything is done through the store as the site's own
//! staff, so it is scoped and audited like their own work, and the choices
//! depend only on the episodes' order (most urgent first), so the same seed
//! gives the same service.

use super::{store_error, STAFF};
use anyhow::{anyhow, Context};
use reconnect_domain::caseload::Capacity;
use reconnect_domain::consent::{
    ConsentMethod, ConsentToTakePart, EngagementBasis, SharingConsent, SharingPartner,
};
use reconnect_domain::episode::EpisodeState;
use reconnect_domain::{Caller, EmailAddress, RequestMeta, Role, Scope, SiteId, UserId};
use reconnect_store::allocation::AllocationChange;
use reconnect_store::Store;
use time::Duration;

/// Every this many accepted referrals, one is left without a worker.
const UNALLOCATED_EVERY: usize = 4;
/// At most this many are left without a worker at each site.
const MAX_UNALLOCATED: usize = 3;
/// Every this many allocations has no peer mentor.
const NO_MENTOR_EVERY: usize = 5;

/// What each sharing consent says may be shared, by partner.
fn scope_for(partner: SharingPartner) -> &'static str {
    match partner {
        SharingPartner::Gp => {
            "Their medication, health needs and release date, to register with a GP"
        }
        SharingPartner::MentalHealth => "Their mental health history and current support",
        SharingPartner::SubstanceMisuse => {
            "Their treatment in prison, so it carries on after release"
        }
        SharingPartner::Housing => {
            "Their release date and address history, to find somewhere to live"
        }
        SharingPartner::Probation => "Appointment dates and how they are getting on",
        SharingPartner::VoluntarySector => "Their contact details and what help they asked for",
    }
}

async fn user_of(store: &Store, site: usize, role: Role) -> anyhow::Result<UserId> {
    let plan = STAFF
        .iter()
        .find(|s| s.site == Some(site) && s.role == role)
        .ok_or_else(|| anyhow!("demo data: no {role} at site {site}"))?;
    let email = EmailAddress::parse(plan.email).with_context(|| plan.email.to_string())?;
    store
        .find_user_id(&email)
        .await
        .map_err(|e| store_error(e, "finding a demo account"))?
        .ok_or_else(|| anyhow!("demo data: no account {}", plan.email))
}

fn caller(user: UserId, role: Role, site: SiteId) -> Caller {
    Caller {
        scope: Scope {
            user_id: user,
            role,
            sites: vec![site],
        },
        meta: RequestMeta::default(),
    }
}

/// Allocates, records consent and sets capacities at every site.
pub(super) async fn seed(store: &Store, site_ids: &[SiteId]) -> anyhow::Result<()> {
    let today = store.now().date();
    for (i, site) in site_ids.iter().enumerate() {
        let worker_id = user_of(store, i, Role::Worker).await?;
        let mentor_id = user_of(store, i, Role::PeerMentor).await?;
        let manager_id = user_of(store, i, Role::SiteManager).await?;
        let worker = caller(worker_id, Role::Worker, *site);
        let manager = caller(manager_id, Role::SiteManager, *site);
        let open = store
            .unallocated(&manager)
            .await
            .map_err(|e| store_error(e, "listing demo episodes"))?;
        let (mut left, mut accepted_seen, mut allocated) = (0, 0, 0usize);
        let (mut withdrawn, mut expired) = (false, false);
        for entry in &open {
            if entry.state == EpisodeState::Accepted {
                accepted_seen += 1;
                if accepted_seen % UNALLOCATED_EVERY == 1 && left < MAX_UNALLOCATED {
                    left += 1;
                    continue;
                }
            }
            allocated += 1;
            let change = AllocationChange {
                worker: worker_id,
                mentor: (allocated % NO_MENTOR_EVERY != 0).then_some(mentor_id),
                handover: None,
                mentor_reason: None,
            };
            store
                .allocate(&manager, entry.episode_id, None, &change)
                .await
                .map_err(|e| store_error(e, "allocating a demo episode"))?;
            let methods = ConsentMethod::ALL;
            let how = methods
                .get(allocated % methods.len())
                .copied()
                .unwrap_or(ConsentMethod::Verbal);
            let take_part = ConsentToTakePart {
                given_on: today - Duration::days(i64::try_from(allocated % 20).unwrap_or(0)),
                how,
                recorded_by: worker_id,
            };
            store
                .record_consent_to_take_part(
                    &worker,
                    entry.episode_id,
                    &take_part,
                    EngagementBasis::Voluntary,
                )
                .await
                .map_err(|e| store_error(e, "recording demo consent"))?;
            let partners = SharingPartner::ALL;
            let Some(partner) = partners.get(allocated % (partners.len() + 2)).copied() else {
                continue;
            };
            let (given_on, expires_on) = if !expired && partner == SharingPartner::Housing {
                expired = true;
                (today - Duration::days(90), Some(today - Duration::days(7)))
            } else {
                (take_part.given_on, None)
            };
            let consent =
                SharingConsent::new(partner, given_on, scope_for(partner), expires_on, today)
                    .map_err(|e| anyhow!("demo sharing consent: {e:?}"))?;
            let id = store
                .record_sharing_consent(&worker, entry.episode_id, &consent)
                .await
                .map_err(|e| store_error(e, "recording demo sharing consent"))?;
            if !withdrawn && partner == SharingPartner::Probation {
                withdrawn = true;
                store
                    .withdraw_consent(
                        &worker,
                        entry.episode_id,
                        id,
                        Some("Would rather tell probation themselves"),
                    )
                    .await
                    .map_err(|e| store_error(e, "withdrawing a demo consent"))?;
            }
        }
        // Capacities: room to spare, except the first site's worker, who is
        // over capacity so the warnings have something to show.
        let worker_cap = if i == 0 {
            allocated.saturating_sub(2)
        } else {
            allocated + 5
        };
        for (user, cap) in [(worker_id, worker_cap), (mentor_id, allocated + 3)] {
            let cap = u32::try_from(cap.min(usize::from(reconnect_domain::caseload::MAX_CAPACITY)))
                .unwrap_or(0);
            let capacity = Capacity::new(cap).map_err(|e| anyhow!("demo capacity: {e}"))?;
            store
                .set_capacity(&manager, *site, user, capacity)
                .await
                .map_err(|e| store_error(e, "setting a demo capacity"))?;
        }
        tracing::info!(
            site = i,
            allocated,
            unallocated = left,
            "demo allocation added"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{seed as seed_demo, DemoOptions, STAFF};
    use reconnect_domain::consent::SharingConsentStatus;
    use reconnect_domain::{Caller, EmailAddress, RequestMeta, Role, SystemClock};
    use reconnect_store::consents::ConsentSubject;
    use reconnect_store::Store;
    use std::sync::Arc;

    async fn caller_for(store: &Store, email: &str) -> Caller {
        let id = store
            .find_user_id(&EmailAddress::parse(email).unwrap())
            .await
            .unwrap()
            .unwrap();
        let (_, scope) = store.active_user(id).await.unwrap().unwrap();
        Caller {
            scope,
            meta: RequestMeta::default(),
        }
    }

    #[tokio::test]
    async fn every_site_has_allocations_consent_and_capacities() {
        let dir = std::env::temp_dir().join(format!(
            "reconnect-demo-allocation-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let url = format!("sqlite://{}/demo.db", dir.display());
        let store = Store::connect(&url, Arc::new(SystemClock)).await.unwrap();
        store.migrate().await.unwrap();
        let opts = DemoOptions {
            seed: 7,
            people_per_site: 16,
        };
        seed_demo(&store, &opts, &|p| Ok(format!("plain:{p}")))
            .await
            .unwrap();
        let today = store.now().date();
        let (mut withdrawn, mut expired) = (0, 0);
        for (i, manager) in STAFF
            .iter()
            .filter(|s| s.role == Role::SiteManager)
            .enumerate()
        {
            let manager = caller_for(&store, manager.email).await;
            let unallocated = store.unallocated(&manager).await.unwrap();
            assert!(
                (1..=3).contains(&unallocated.len()),
                "site {i}: {} unallocated",
                unallocated.len()
            );
            let team = store.team(&manager).await.unwrap();
            let worker = team.iter().find(|m| m.role == Role::Worker).unwrap();
            let mentor = team.iter().find(|m| m.role == Role::PeerMentor).unwrap();
            assert!(worker.load.count >= 4, "site {i}: {worker:?}");
            assert!(mentor.load.count >= 1 && mentor.load.count < worker.load.count);
            assert_eq!(worker.load.is_over(), i == 0, "site {i}");
            assert!(!mentor.load.is_over());
            let email = STAFF
                .iter()
                .find(|s| s.role == Role::Worker && s.site == Some(i))
                .unwrap()
                .email;
            let w = caller_for(&store, email).await;
            for entry in store.my_caseload(&w).await.unwrap() {
                let consents = store.consents(&w, entry.episode_id).await.unwrap();
                assert!(consents
                    .iter()
                    .any(|c| matches!(c.subject, ConsentSubject::TakePart { .. })
                        && c.is_current(today)));
                for c in &consents {
                    match c.status(today) {
                        SharingConsentStatus::Withdrawn => withdrawn += 1,
                        SharingConsentStatus::Expired => expired += 1,
                        _ => {}
                    }
                }
            }
        }
        assert!(withdrawn >= 1 && expired >= 1, "{withdrawn} {expired}");
        store.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
