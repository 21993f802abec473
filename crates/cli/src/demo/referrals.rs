//! Demo referrals: five new referrals waiting in each site's triage queue,
//! so the queue is alive on first sign-in. Per site: two self-referrals and
//! one from a family member through the public form (each from its own
//! documentation address, 192.0.2.x, so no rate limit is met), and two
//! professionals' referrals entered by the site's worker.
//!
//! Two of each site's five are about someone already on its caseload, so
//! triage shows possible duplicates: a professional's referral with the same
//! name, date of birth and prison number, and a family referral giving the
//! same prison number (with a preferred name, to try "link and update").
//! The others are new people drawn from the same name lists as the
//! caseload, from a generator seeded from the demo seed. Phone numbers are
//! in the 07700 900xxx range set aside for drama; nothing here is real.

use super::{plan_people, store_error, Generator, PersonPlan, SITES};
use anyhow::{anyhow, Context};
use reconnect_domain::referral::{ContactPreference, HelpNeed, NewReferral, Referrer};
use reconnect_domain::referral_source::ReferralSource;
use reconnect_domain::{Caller, PrisonId, RequestMeta};
use reconnect_store::referrals::submit::PublicOutcome;
use reconnect_store::Store;
use time::{Date, Duration};

/// Mixed into the demo seed for the referrals' own generator, so the
/// caseload is the same with or without them.
const SEED_SALT: u64 = 0x5EED_F2EF;

/// Professionals who refer (made-up names, each with their organisation's kind).
const PROFESSIONALS: [(&str, ReferralSource, &str); 3] = [
    ("Jo Hall", ReferralSource::PrisonHealthcare, "healthcare"),
    ("Sam Patel", ReferralSource::Probation, "Probation Service"),
    (
        "Chris Osei",
        ReferralSource::SubstanceMisuseTeam,
        "drug and alcohol team",
    ),
];

/// What the person would like help with, in their own words (one per referral).
const WORDS: [&str; 5] = [
    "I get really anxious about going out. I was on medication for it inside.",
    "He has been on a methadone script and is worried about it stopping when he gets out.",
    "Needs to register with a GP and get his inhaler sorted.",
    "She wants to keep going with the counselling she started in prison.",
    "Would like some help with drinking, and somewhere to stay.",
];

fn referral_from(
    p: &PersonPlan,
    prison: PrisonId,
    release: Option<Date>,
    needs: Vec<HelpNeed>,
    words: &str,
) -> NewReferral {
    NewReferral {
        source: ReferralSource::SelfReferral,
        referrer: None,
        given_name: p.given_name.to_string(),
        family_name: p.family_name.to_string(),
        preferred_name: None,
        date_of_birth: p.date_of_birth,
        nhs_number: None,
        prison_number: None,
        prison_id: Some(prison),
        site_id: None,
        expected_release: release,
        needs,
        needs_text: Some(words.to_string()),
        contact_preference: ContactPreference::ThroughPrison,
        contact_details: None,
    }
}

/// Adds each site's five referrals; returns how many were added.
pub(super) async fn seed(
    store: &Store,
    seed: u64,
    per_site: usize,
    workers: &[Option<Caller>],
    prison_ids: &[Vec<PrisonId>],
    today: Date,
) -> anyhow::Result<usize> {
    let caseload = plan_people(seed, per_site, today)?;
    let mut generator = Generator::new(seed ^ SEED_SALT);
    let mut added = 0;
    for site in 0..SITES.len() {
        let worker = workers
            .get(site)
            .and_then(Option::as_ref)
            .ok_or_else(|| anyhow!("demo data: no worker for site {site}"))?;
        let prisons = prison_ids
            .get(site)
            .ok_or_else(|| anyhow!("demo data: no prisons for site {site}"))?;
        let prison_of = |p: &PersonPlan| {
            prisons
                .get(p.prison)
                .copied()
                .ok_or_else(|| anyhow!("demo data: no such prison"))
        };
        let prison_name = |p: &PersonPlan| {
            SITES
                .get(site)
                .and_then(|s| s.prisons.get(p.prison))
                .map(|pr| pr.name)
                .unwrap_or("the prison")
        };
        let known: Vec<&PersonPlan> = caseload.iter().filter(|p| p.site == site).take(2).collect();
        let mut fresh = Vec::new();
        for _ in 0..3 {
            fresh.push(generator.person(site, today)?);
        }
        let soon = |days: i64| today.checked_add(Duration::days(days));
        let mut public = Vec::new();
        let mut staff = Vec::new();

        // Two people asking for themselves, one of them already released.
        if let [a, b, c] = fresh.as_slice() {
            let mut first = referral_from(
                a,
                prison_of(a)?,
                soon(30),
                vec![HelpNeed::MentalHealth, HelpNeed::GpDentist],
                WORDS[0],
            );
            first.prison_number = Some(a.prison_number.clone());
            public.push(first);
            let mut second = referral_from(
                b,
                prison_of(b)?,
                soon(-9),
                vec![HelpNeed::DrugsAlcohol, HelpNeed::Housing],
                WORDS[4],
            );
            second.prison_id = None;
            second.site_id = None;
            second.contact_preference = ContactPreference::Phone;
            second.contact_details = Some(format!("07700 900{:03}", 100 + site * 10));
            public.push(second);
            // A professional's referral for someone new.
            let (name, source, kind) = PROFESSIONALS[site % PROFESSIONALS.len()];
            let mut third = referral_from(
                c,
                prison_of(c)?,
                soon(60),
                vec![HelpNeed::DrugsAlcohol, HelpNeed::PhysicalHealth],
                WORDS[1],
            );
            third.source = source;
            third.nhs_number = c.nhs_number;
            third.prison_number = Some(c.prison_number.clone());
            third.referrer = Some(Referrer {
                name: name.to_string(),
                relationship: None,
                organisation: Some(format!("{} {kind}", prison_name(c))),
                contact: format!("07700 900{:03}", 200 + site * 10),
            });
            staff.push(third);
        }
        // About people already on the caseload: possible duplicates.
        if let [d, e] = known.as_slice() {
            let mut family = referral_from(
                d,
                prison_of(d)?,
                soon(21),
                vec![HelpNeed::MentalHealth],
                WORDS[3],
            );
            family.source = ReferralSource::FamilyOrFriend;
            family.prison_number = Some(d.prison_number.clone());
            family.preferred_name = d.preferred_name.map(str::to_string);
            family.referrer = Some(Referrer {
                name: format!("Pat {}", d.family_name),
                relationship: Some("Parent".into()),
                organisation: None,
                contact: format!("07700 900{:03}", 300 + site * 10),
            });
            family.contact_preference = ContactPreference::ThroughReferrer;
            public.push(family);
            let (name, source, kind) = PROFESSIONALS[(site + 1) % PROFESSIONALS.len()];
            let mut again = referral_from(
                e,
                prison_of(e)?,
                soon(45),
                vec![HelpNeed::PhysicalHealth, HelpNeed::GpDentist],
                WORDS[2],
            );
            again.source = source;
            again.nhs_number = e.nhs_number;
            again.prison_number = Some(e.prison_number.clone());
            again.referrer = Some(Referrer {
                name: name.to_string(),
                relationship: None,
                organisation: Some(format!("{} {kind}", prison_name(e))),
                contact: format!("07700 900{:03}", 400 + site * 10),
            });
            staff.push(again);
        }
        let site_id = worker
            .scope
            .sites
            .first()
            .copied()
            .ok_or_else(|| anyhow!("demo data: the worker has no site"))?;
        for (n, mut new) in public.into_iter().enumerate() {
            if new.prison_id.is_none() {
                new.site_id = Some(site_id);
            }
            let meta = RequestMeta {
                ip: Some(format!("192.0.2.{}", 10 + site * 10 + n)),
                request_id: None,
            };
            match store
                .submit_public_referral(&meta, &new)
                .await
                .map_err(|e| store_error(e, "sending a demo referral"))?
            {
                PublicOutcome::Received(_) => added += 1,
                other => return Err(anyhow!("demo data: a demo referral was {other:?}")),
            }
        }
        for new in staff {
            store
                .create_referral(worker, &new)
                .await
                .map_err(|e| store_error(e, "adding a demo referral"))
                .context("demo referrals")?;
            added += 1;
        }
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::super::{seed as seed_demo, DemoOptions, STAFF};
    use reconnect_domain::{Caller, EmailAddress, RequestMeta, Role, SystemClock};
    use reconnect_store::Store;
    use std::sync::Arc;

    #[tokio::test]
    async fn every_site_has_referrals_to_triage_some_about_known_people() {
        let dir = std::env::temp_dir().join(format!(
            "reconnect-demo-referrals-{}-{}",
            std::process::id(),
            uuid_like()
        ));
        let url = format!("sqlite://{}/demo.db", dir.display());
        let store = Store::connect(&url, Arc::new(SystemClock)).await.unwrap();
        store.migrate().await.unwrap();
        let opts = DemoOptions {
            seed: 7,
            people_per_site: 12,
        };
        seed_demo(&store, &opts, &|p: &str| Ok(format!("plain:{p}")))
            .await
            .unwrap();
        // The first worker at each site is the one who adds its referrals.
        let mut workers: Vec<&str> = Vec::new();
        let mut sites_seen = Vec::new();
        for s in STAFF.iter().filter(|s| s.role == Role::Worker) {
            if let Some(site) = s.site.filter(|i| !sites_seen.contains(i)) {
                sites_seen.push(site);
                workers.push(s.email);
            }
        }
        assert_eq!(workers.len(), 3);
        let mut references = std::collections::HashSet::new();
        for email in workers {
            let id = store
                .find_user_id(&EmailAddress::parse(email).unwrap())
                .await
                .unwrap()
                .unwrap();
            let (_, scope) = store.active_user(id).await.unwrap().unwrap();
            let caller = Caller {
                scope,
                meta: RequestMeta::default(),
            };
            let queue = store.referral_queue(&caller).await.unwrap();
            assert_eq!(queue.len(), 5, "{email}");
            assert_eq!(
                queue
                    .iter()
                    .filter(|r| r.submitted_by_name.is_none())
                    .count(),
                3,
                "three through the public form"
            );
            let duplicates = store.duplicates_of_each(&caller, &queue).await.unwrap();
            let with = duplicates.values().filter(|d| !d.is_empty()).count();
            assert!(with >= 2, "{email}: {with} with possible duplicates");
            references.extend(queue.iter().map(|r| r.reference.clone()));
        }
        assert_eq!(references.len(), 15);
        store.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A name unique to this run, for the temporary folder.
    fn uuid_like() -> u128 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    }
}
