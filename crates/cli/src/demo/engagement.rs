//! Demo engagement, added after allocation: a few worker concerns at each
//! site, step-ups opened by the recompute job five days ago, most of them
//! acted on (one stepped down once the person was back in touch), the one
//! nobody acted on escalated to the site manager, and the second site's
//! engagement rules at version 2. Everything goes through the store as the
//! site's own staff or the system jobs, and the choices depend only on the
//! caseload's order, so the same seed gives the same service.

use super::{store_error, STAFF};
use anyhow::{anyhow, Context};
use reconnect_domain::contact::{ContactDetails, ContactKind};
use reconnect_domain::engagement::EngagementRules;
use reconnect_domain::id::ContactId;
use reconnect_domain::step_up::StepUpState;
use reconnect_domain::{Caller, EmailAddress, RequestMeta, Role, Scope, SiteId};
use reconnect_store::Store;
use time::Duration;

/// Concerns a worker might raise, in plain words.
const CONCERNS: &[&str] = &[
    "Sounded low on the phone and said money has run out until payday",
    "Has not picked up his prescription from the chemist this week",
    "Mentioned he is sofa-surfing again after a row at his sister's",
    "Missed the job centre appointment he was looking forward to",
];

/// How many people at each site have a concern raised.
const CONCERNS_PER_SITE: usize = 2;

async fn staff(
    store: &Store,
    site_index: usize,
    site: SiteId,
    role: Role,
) -> anyhow::Result<Caller> {
    let plan = STAFF
        .iter()
        .find(|s| s.site == Some(site_index) && s.role == role)
        .ok_or_else(|| anyhow!("demo data: no {role} at site {site_index}"))?;
    let email = EmailAddress::parse(plan.email).with_context(|| plan.email.to_string())?;
    let user = store
        .find_user_id(&email)
        .await
        .map_err(|e| store_error(e, "finding a demo account"))?
        .ok_or_else(|| anyhow!("demo data: no account {}", plan.email))?;
    Ok(Caller {
        scope: Scope {
            user_id: user,
            role,
            sites: vec![site],
        },
        meta: RequestMeta::default(),
    })
}

/// Adds concerns, step-ups and a second rules version.
pub(super) async fn seed(store: &Store, site_ids: &[SiteId]) -> anyhow::Result<()> {
    let now = store.now();
    if let Some((i, site)) = site_ids.iter().enumerate().nth(1) {
        let manager = staff(store, i, *site, Role::SiteManager).await?;
        let first = EngagementRules {
            no_contact_wavering_days: 10,
            ..EngagementRules::default()
        };
        let second = EngagementRules {
            escalate_after_days: 2,
            ..first
        };
        store
            .set_engagement_rules(&manager, *site, first, 0)
            .await
            .map_err(|e| store_error(e, "setting demo engagement rules"))?;
        store
            .set_engagement_rules(&manager, *site, second, 1)
            .await
            .map_err(|e| store_error(e, "setting demo engagement rules"))?;
    }
    for (i, site) in site_ids.iter().enumerate() {
        let worker = staff(store, i, *site, Role::Worker).await?;
        let caseload = store
            .my_caseload(&worker)
            .await
            .map_err(|e| store_error(e, "reading a demo caseload"))?;
        for (n, entry) in caseload
            .iter()
            .filter(|e| e.state.is_in_community())
            .take(CONCERNS_PER_SITE)
            .enumerate()
        {
            let words = CONCERNS
                .get((i + n) % CONCERNS.len())
                .ok_or_else(|| anyhow!("demo data: no concern"))?;
            store
                .raise_concern(&worker, entry.episode_id, words)
                .await
                .map_err(|e| store_error(e, "raising a demo concern"))?;
        }
    }

    // The daily job ran five days ago and opened step-ups.
    store
        .recompute_engagement(now - Duration::days(5))
        .await
        .map_err(|e| store_error(e, "recomputing demo engagement"))?;
    for (i, site) in site_ids.iter().enumerate() {
        let worker = staff(store, i, *site, Role::Worker).await?;
        let list = store
            .needs_attention(&worker, now)
            .await
            .map_err(|e| store_error(e, "reading the demo attention list"))?;
        let open: Vec<_> = list
            .iter()
            .filter(|e| e.step_up == Some(StepUpState::Open))
            .collect();
        // The first is left for escalation; the rest were acted on.
        for (n, entry) in open.iter().enumerate().skip(1) {
            let episode = entry.level.episode_id;
            let e = store
                .engagement_for(&worker, episode)
                .await
                .map_err(|e| store_error(e, "reading demo engagement"))?;
            let Some(step_up) = e.step_ups.iter().find(|s| s.state.is_active()) else {
                continue;
            };
            let Some(action) = step_up.actions.first() else {
                continue;
            };
            store
                .record_step_up_action(
                    &worker,
                    episode,
                    step_up.id,
                    action.id,
                    "Rang twice and sent a friendly text with the next appointment",
                    "He rang back the next day and agreed to meet at the library",
                )
                .await
                .map_err(|e| store_error(e, "recording a demo step-up action"))?;
            if n == 1 {
                let details = ContactDetails {
                    kind: ContactKind::CommunityMeeting,
                    at: now,
                    two_way: true,
                    summary: "Met at the library and went through the week ahead together".into(),
                };
                store
                    .log_contact(&worker, episode, ContactId::new(), &details)
                    .await
                    .map_err(|e| store_error(e, "logging a demo contact"))?;
                for concern in e.concerns.iter().filter(|c| c.cleared.is_none()) {
                    store
                        .clear_concern(
                            &worker,
                            episode,
                            concern.id,
                            "Talked it through when we met",
                        )
                        .await
                        .map_err(|e| store_error(e, "clearing a demo concern"))?;
                }
                store
                    .step_down(
                        &worker,
                        episode,
                        step_up.id,
                        "Back in touch and keen to keep his appointments",
                    )
                    .await
                    .map_err(|e| store_error(e, "stepping down a demo step-up"))?;
            }
        }
    }
    store
        .escalate_overdue_step_ups(now)
        .await
        .map_err(|e| store_error(e, "escalating demo step-ups"))?;
    store
        .recompute_engagement(now)
        .await
        .map_err(|e| store_error(e, "recomputing demo engagement"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{seed as seed_demo, DemoOptions, STAFF};
    use reconnect_domain::engagement::EngagementLevel;
    use reconnect_domain::step_up::StepUpState;
    use reconnect_domain::{Caller, EmailAddress, RequestMeta, Role, SystemClock};
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
    async fn every_site_has_faltering_people_step_ups_and_an_escalation() {
        let dir = std::env::temp_dir().join(format!(
            "reconnect-demo-engagement-{}",
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
        let mut versions = Vec::new();
        let mut stepped_down = 0;
        for (i, manager) in STAFF
            .iter()
            .filter(|s| s.role == Role::SiteManager)
            .enumerate()
        {
            let manager = caller_for(&store, manager.email).await;
            let list = store.needs_attention(&manager, store.now()).await.unwrap();
            assert!(
                list.iter()
                    .any(|e| e.level.assessment.level.needs_step_up()),
                "site {i}: someone wavering or disengaged"
            );
            assert!(
                list.iter()
                    .any(|e| e.step_up == Some(StepUpState::Escalated)),
                "site {i}: an escalated step-up"
            );
            assert!(
                list.iter().any(|e| e.step_up == Some(StepUpState::Open)),
                "site {i}: an open step-up"
            );
            assert!(list.iter().all(
                |e| e.level.assessment.level != EngagementLevel::Engaged || e.step_up.is_some()
            ));
            let audit = store
                .site_audit(
                    &manager,
                    &reconnect_store::AuditFilter {
                        limit: 1000,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            stepped_down += audit
                .iter()
                .filter(|r| r.action == "step_up.step_down")
                .count();
            let site = manager.scope.sites[0];
            versions.push(store.engagement_rules(&manager, site).await.unwrap()[0].version);
        }
        assert_eq!(versions.iter().filter(|v| **v == 2).count(), 1);
        assert!(versions.iter().filter(|v| **v == 0).count() >= 1);
        assert!(stepped_down >= 1, "a step-up stepped down");
        store.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
