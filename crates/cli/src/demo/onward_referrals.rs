//! Demo onward referrals, added once the directory has services: at each
//! site, a few people in the worker's caseload are referred from one of
//! their open needs to a service of the matching kind (or the first in the
//! directory). One is followed to a booked first appointment, one is sent
//! and waits for an answer, and one stays a draft because the person has
//! not agreed to share with that kind of service. With no services in the
//! directory this adds nothing. Everything goes through the store as the
//! site's worker, so it is scoped and audited like their own work.

use super::store_error;
use reconnect_domain::consent::SharingConsent;
use reconnect_domain::id::OnwardReferralId;
use reconnect_domain::onward_referral::sharing::Part;
use reconnect_domain::onward_referral::{term_for_need, Action};
use reconnect_domain::Caller;
use reconnect_store::onward_referrals::{NewOnwardReferral, ServiceChoice};
use reconnect_store::Store;
use time::Duration;

/// How many people at each site are referred.
const PER_SITE: usize = 3;

/// Adds the referrals, and says how many.
pub(super) async fn seed(store: &Store, workers: &[Option<Caller>]) -> anyhow::Result<()> {
    let mut made = 0;
    for worker in workers.iter().flatten() {
        let services = store
            .referral_services(worker, "")
            .await
            .map_err(|e| store_error(e, "reading the demo directory"))?;
        if services.is_empty() {
            return Ok(());
        }
        let caseload = store
            .my_caseload(worker)
            .await
            .map_err(|e| store_error(e, "reading a demo caseload"))?;
        let mut n = 0;
        for entry in caseload.iter().filter(|e| !e.state.is_terminal()) {
            if n == PER_SITE {
                break;
            }
            let needs = store
                .needs(worker, entry.episode_id)
                .await
                .map_err(|e| store_error(e, "reading demo needs"))?;
            let Some(need) = needs.iter().find(|x| x.status.is_open()) else {
                continue;
            };
            let term = term_for_need(need.area.domain);
            let service = services
                .iter()
                .find(|s| term.is_some_and(|t| s.terms.iter().any(|x| x.code == t)))
                .or_else(|| services.first());
            let Some(service) = service else { continue };
            refer(store, worker, entry.episode_id, need.id, service, n).await?;
            n += 1;
            made += 1;
        }
    }
    tracing::info!(made, "demo onward referrals");
    Ok(())
}

/// Drafts one referral and takes it as far as the `n`th demo story goes.
async fn refer(
    store: &Store,
    worker: &Caller,
    episode: reconnect_domain::EpisodeId,
    need: reconnect_domain::id::NeedId,
    service: &ServiceChoice,
    n: usize,
) -> anyhow::Result<()> {
    let id = OnwardReferralId::new();
    store
        .create_onward_referral(
            worker,
            episode,
            &NewOnwardReferral {
                id,
                service_id: service.id.clone(),
                need: Some(need),
                parts: Part::default_parts(),
            },
        )
        .await
        .map_err(|e| store_error(e, "drafting a demo referral"))?;
    if n == 2 {
        return Ok(());
    }
    let today = store.now().date();
    for partner in &service.partners {
        let consent = SharingConsent::new(
            *partner,
            today,
            "Their needs and contact details, for referrals",
            None,
            today,
        )
        .map_err(|_| anyhow::anyhow!("demo data: a consent that breaks the rules"))?;
        store
            .record_sharing_consent(worker, episode, &consent)
            .await
            .map_err(|e| store_error(e, "recording demo consent"))?;
    }
    let mut steps = vec![Action::Send];
    if n == 0 {
        steps.push(Action::Accept);
        steps.push(Action::BookFirstAppointment(
            store.now() + Duration::days(6),
        ));
    }
    for (version, action) in (1..).zip(steps) {
        store
            .act_on_onward_referral(worker, id, version, &action)
            .await
            .map_err(|e| store_error(e, "moving a demo referral on"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use crate::demo::{seed, DemoOptions};
    use reconnect_store::testing::{DirService, TestDb};

    fn hash(p: &str) -> anyhow::Result<String> {
        Ok(format!("plain:{p}"))
    }

    #[tokio::test]
    async fn with_services_in_the_directory_people_are_referred() {
        let db = TestDb::sqlite().await;
        db.dir_service(&DirService::new("Forward Leeds").term("substance-misuse"))
            .await;
        db.dir_service(&DirService::new("Shelter advice line").term("housing"))
            .await;
        let opts = DemoOptions {
            seed: 5,
            people_per_site: 12,
        };
        seed(&db.store, &opts, &hash).await.unwrap();
        let made = db.count_rows("onward_referral").await;
        assert!(made >= 3, "only {made} demo referrals");
        let sent = db.audit_events_for("onward_referral.send").await.len() as i64;
        assert!(sent >= 2 && sent < made, "{sent} of {made} sent");
    }

    /// The demo seeds its own services directory first, so people are
    /// referred on even when no services were there before.
    #[tokio::test]
    async fn the_demo_directory_alone_is_enough_for_referrals() {
        let db = TestDb::sqlite().await;
        let opts = DemoOptions {
            seed: 5,
            people_per_site: 10,
        };
        seed(&db.store, &opts, &hash).await.unwrap();
        assert!(db.count_rows("dir_service").await > 0);
        assert!(db.count_rows("onward_referral").await > 0);
    }
}
