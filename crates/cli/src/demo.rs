//! Demo data: three sites, their prisons, one staff account of every role, and
//! a caseload of synthetic people, for trying reconnect out (`reconnect demo`,
//! `reconnect serve --demo`).
//!
//! Everything is made up and safe to show: NHS numbers are in the 999 range
//! set aside for testing (never a real patient), names are drawn at random
//! from common-name lists in [`names`], and every email address is under the
//! reserved `.test` domain. The people are the same for the same seed (and
//! the same day, since dates of birth give ages 19–68 on the store's today);
//! record ids and timestamps are not.
//!
//! Sites, prisons and staff are created as `system: demo`. People are added
//! through the store exactly as a site's worker would add them, so each
//! creation is scoped to that worker's site and audited in their name.
//!
//! Each person then has a journey ([`journeys`]): the site's worker refers
//! them (starting an episode of support) and takes the episode along a path
//! that fits their expected release date, through the store's journey
//! actions, each scoped, versioned and audited like a worker's own. Every
//! state of the journey appears at every site with at least 10 people:
//! waiting at triage, accepted, declined, engaged before release, released,
//! community support, stepping down, back in custody, closed and withdrawn;
//! and from 14 people, re-referrals, recalls resumed in custody, extensions
//! and changed or unknown release dates among them. Journeys are drawn from
//! their own generator, seeded from the same seed, so they too are the same
//! for the same seed and day (and the people are the same as without them).

mod allocation;
mod care_plan;
mod contacts;
pub mod directory;
mod engagement;
mod journeys;
mod messages;
mod names;
mod onward_referrals;
mod person_details;
mod referrals;
pub mod scale;

use anyhow::{anyhow, bail, Context};
use journeys::{plan_journeys, Journey, Step};
use names::{Given, NameGroup, GROUPS};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reconnect_domain::episode::EpisodeState;
use reconnect_domain::{
    Caller, EmailAddress, NhsNumber, PersonId, PrisonId, PrisonNumber, Region, RequestMeta, Role,
    Scope, SiteId,
};
use reconnect_store::{Actor, Store, StoreError};
use std::collections::HashSet;
use time::{Date, Duration, Month};

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "reconnect-demo-2026";

/// How much demo data to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoOptions {
    /// Seeds the random choices: the same seed gives the same people.
    pub seed: u64,
    pub people_per_site: usize,
}

/// A demo account to sign in with (every one uses [`DEMO_PASSWORD`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoLogin {
    pub role: Role,
    pub email: String,
    /// The name of the account's site, if it has one.
    pub site: Option<String>,
}

/// What [`seed`] made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoSummary {
    pub sites: usize,
    pub prisons: usize,
    pub staff: usize,
    pub people: usize,
    /// Every staff account made, in the order made.
    pub logins: Vec<DemoLogin>,
    /// Episodes of support started (a re-referred person has two).
    pub episodes: usize,
    /// How many episodes are in each state, for every state in the order of
    /// [`EpisodeState::ALL`] (including those with none).
    pub episodes_by_state: Vec<(EpisodeState, usize)>,
}

impl DemoSummary {
    /// "3 referred, 2 accepted, …": the states with episodes, in the
    /// journey's order.
    pub fn episode_breakdown(&self) -> String {
        self.episodes_by_state
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(state, n)| format!("{n} {}", state.label().to_lowercase()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

// ---------------------------------------------------------------------------
// The fixed part: sites, prisons and staff.

struct PrisonPlan {
    name: &'static str,
    /// A women's prison (the people placed there are women; elsewhere men).
    women: bool,
    /// Share of the site's people, roughly following the prisons' sizes.
    weight: u32,
}

struct SitePlan {
    name: &'static str,
    region: Region,
    prisons: &'static [PrisonPlan],
}

const fn prison(name: &'static str, women: bool, weight: u32) -> PrisonPlan {
    PrisonPlan {
        name,
        women,
        weight,
    }
}

const SITES: &[SitePlan] = &[
    SitePlan {
        name: "RECONNECT Surrey",
        region: Region::SouthEast,
        prisons: &[
            prison("HMP High Down", false, 12),
            prison("HMP Coldingley", false, 5),
            prison("HMP Send", true, 3),
        ],
    },
    SitePlan {
        name: "RECONNECT Greater Manchester",
        region: Region::NorthWest,
        prisons: &[
            prison("HMP Manchester", false, 7),
            prison("HMP Risley", false, 11),
            prison("HMP & YOI Styal", true, 4),
        ],
    },
    SitePlan {
        name: "RECONNECT West Midlands",
        region: Region::Midlands,
        prisons: &[
            prison("HMP Birmingham", false, 14),
            prison("HMP Hewell", false, 10),
            prison("HMP & YOI Drake Hall", true, 3),
        ],
    },
];

struct StaffPlan {
    email: &'static str,
    display_name: &'static str,
    role: Role,
    /// Index into [`SITES`]; `None` for roles that work across sites (and
    /// for the worker with no site, who shows that access is denied by default).
    site: Option<usize>,
}

const fn staff(
    email: &'static str,
    display_name: &'static str,
    role: Role,
    site: Option<usize>,
) -> StaffPlan {
    StaffPlan {
        email,
        display_name,
        role,
        site,
    }
}

const STAFF: &[StaffPlan] = &[
    staff(
        "worker.surrey@demo.reconnect.test",
        "Priya Raman",
        Role::Worker,
        Some(0),
    ),
    staff(
        "mentor.surrey@demo.reconnect.test",
        "Dean Whitfield",
        Role::PeerMentor,
        Some(0),
    ),
    staff(
        "manager.surrey@demo.reconnect.test",
        "Grace Adeyemi",
        Role::SiteManager,
        Some(0),
    ),
    staff(
        "worker.manchester@demo.reconnect.test",
        "Ciarán Doyle",
        Role::Worker,
        Some(1),
    ),
    staff(
        "mentor.manchester@demo.reconnect.test",
        "Kyle Ashworth",
        Role::PeerMentor,
        Some(1),
    ),
    staff(
        "manager.manchester@demo.reconnect.test",
        "Nadia Hussain",
        Role::SiteManager,
        Some(1),
    ),
    staff(
        "worker.westmidlands@demo.reconnect.test",
        "Gurpreet Sandhu",
        Role::Worker,
        Some(2),
    ),
    staff(
        "mentor.westmidlands@demo.reconnect.test",
        "Marek Nowak",
        Role::PeerMentor,
        Some(2),
    ),
    staff(
        "manager.westmidlands@demo.reconnect.test",
        "Hannah Lloyd",
        Role::SiteManager,
        Some(2),
    ),
    staff(
        "lead@demo.reconnect.test",
        "Funmilayo Adebayo",
        Role::NationalLead,
        None,
    ),
    staff(
        "reviewer@demo.reconnect.test",
        "Leon Baptiste",
        Role::Reviewer,
        None,
    ),
    staff(
        "admin@demo.reconnect.test",
        "Siân Pritchard",
        Role::Admin,
        None,
    ),
    staff(
        "nosite@demo.reconnect.test",
        "Tom Haddow",
        Role::Worker,
        None,
    ),
];

/// Which of [`STAFF`] `primary_logins` lists: the Surrey worker, mentor and
/// manager, then the national lead, reviewer and administrator.
const PRIMARY: [usize; 6] = [0, 1, 2, 9, 10, 11];

fn login_of(s: &StaffPlan) -> DemoLogin {
    DemoLogin {
        role: s.role,
        email: s.email.to_string(),
        site: s
            .site
            .and_then(|i| SITES.get(i))
            .map(|site| site.name.to_string()),
    }
}

/// One demo login per role, for `serve --demo` to print (the caller prints
/// [`DEMO_PASSWORD`] once).
pub fn primary_logins() -> Vec<DemoLogin> {
    PRIMARY
        .iter()
        .filter_map(|&i| STAFF.get(i))
        .map(login_of)
        .collect()
}

// ---------------------------------------------------------------------------
// The random part: people. Planned in full before anything is written.

/// A person to create, with indexes into [`SITES`] and the site's prisons.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PersonPlan {
    site: usize,
    prison: usize,
    given_name: &'static str,
    family_name: &'static str,
    preferred_name: Option<&'static str>,
    date_of_birth: Date,
    nhs_number: Option<NhsNumber>,
    prison_number: PrisonNumber,
}

/// Share of people with an NHS number on record.
const NHS_NUMBER_SHARE: f64 = 0.85;
/// Share of people whose given name has a short form who prefer it.
const PREFERRED_NAME_SHARE: f64 = 0.4;
/// Log progress after every this many people.
const PROGRESS_EVERY: usize = 5_000;
/// Give up making a unique number after this many collisions in a row.
const MAX_ATTEMPTS: u32 = 10_000;
/// Ages (inclusive ranges) and their relative weights, peaking in the thirties
/// as the prison population does.
const AGE_BANDS: [(i32, i32, u32); 6] = [
    (19, 24, 12),
    (25, 29, 16),
    (30, 39, 33),
    (40, 49, 22),
    (50, 59, 12),
    (60, 68, 5),
];

/// Draws demo values from one seeded generator, remembering the NHS and
/// prison numbers already used so that every one is unique.
struct Generator {
    rng: StdRng,
    nhs_numbers: HashSet<NhsNumber>,
    prison_numbers: HashSet<PrisonNumber>,
}

impl Generator {
    fn new(seed: u64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            nhs_numbers: HashSet::new(),
            prison_numbers: HashSet::new(),
        }
    }

    /// Picks an index with probability proportional to its weight.
    fn weighted(&mut self, weights: impl Iterator<Item = u32> + Clone) -> anyhow::Result<usize> {
        let total: u32 = weights.clone().sum();
        if total == 0 {
            bail!("demo data: nothing to choose from");
        }
        let mut roll = self.rng.gen_range(0..total);
        for (i, w) in weights.enumerate() {
            if roll < w {
                return Ok(i);
            }
            roll -= w;
        }
        bail!("demo data: weighted choice out of range")
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> anyhow::Result<T> {
        if from.is_empty() {
            bail!("demo data: an empty name list");
        }
        let i = self.rng.gen_range(0..from.len());
        from.get(i)
            .copied()
            .ok_or_else(|| anyhow!("demo data: index out of range"))
    }

    /// A valid NHS number in the 999 test range, not used before.
    fn nhs_number(&mut self) -> anyhow::Result<NhsNumber> {
        for _ in 0..MAX_ATTEMPTS {
            let mut first = [9u8; 9];
            for d in &mut first[3..] {
                *d = self.rng.gen_range(0..10);
            }
            // About one prefix in eleven has no valid check digit: draw again.
            let Some(n) = NhsNumber::from_first_nine(first) else {
                continue;
            };
            if !n.is_test_range() {
                bail!("demo data: made an NHS number outside the 999 test range");
            }
            if self.nhs_numbers.insert(n) {
                return Ok(n);
            }
        }
        bail!("demo data: ran out of unused test NHS numbers (too many people asked for)")
    }

    /// A prison number like A1234BC or G1234BC (the letters NOMIS numbers
    /// start with), not used before.
    fn prison_number(&mut self) -> anyhow::Result<PrisonNumber> {
        for _ in 0..MAX_ATTEMPTS {
            let first = if self.rng.gen_bool(0.3) { 'A' } else { 'G' };
            let digits: u32 = self.rng.gen_range(0..10_000);
            let a = char::from(b'A' + self.rng.gen_range(0..26u8));
            let b = char::from(b'A' + self.rng.gen_range(0..26u8));
            let n = PrisonNumber::parse(&format!("{first}{digits:04}{a}{b}"))
                .map_err(|e| anyhow!("demo data: made a bad prison number: {e}"))?;
            if !self.prison_numbers.contains(&n) {
                self.prison_numbers.insert(n.clone());
                return Ok(n);
            }
        }
        bail!("demo data: ran out of unused prison numbers (too many people asked for)")
    }

    /// A date of birth giving an age of 19 to 68 on `today`.
    fn date_of_birth(&mut self, today: Date) -> anyhow::Result<Date> {
        let band = self.weighted(AGE_BANDS.iter().map(|b| b.2))?;
        let (low, high, _) = AGE_BANDS
            .get(band)
            .copied()
            .ok_or_else(|| anyhow!("demo data: no such age band"))?;
        let age = self.rng.gen_range(low..=high);
        // Born between the day after `today` (age + 1) years ago and `today` `age` years ago.
        let latest = same_day_in(today, today.year() - age)?;
        let earliest = same_day_in(today, today.year() - age - 1)?
            .next_day()
            .ok_or_else(|| anyhow!("demo data: date out of range"))?;
        let span = (latest - earliest).whole_days();
        let back = self.rng.gen_range(0..=span);
        latest
            .checked_sub(Duration::days(back))
            .ok_or_else(|| anyhow!("demo data: date out of range"))
    }

    /// One person at `site`, placed in one of its prisons.
    fn person(&mut self, site: usize, today: Date) -> anyhow::Result<PersonPlan> {
        let plan = SITES
            .get(site)
            .ok_or_else(|| anyhow!("demo data: no such site"))?;
        let prison = self.weighted(plan.prisons.iter().map(|p| p.weight))?;
        let woman = plan.prisons.get(prison).is_some_and(|p| p.women);
        let group: &NameGroup = GROUPS
            .get(self.weighted(GROUPS.iter().map(|g| g.weight))?)
            .ok_or_else(|| anyhow!("demo data: no such name group"))?;
        let (given_name, short): Given =
            self.pick(if woman { group.female } else { group.male })?;
        let family_name = self.pick(group.family_for(woman))?;
        let preferred_name = match short {
            Some(s) if self.rng.gen_bool(PREFERRED_NAME_SHARE) => Some(s),
            _ => None,
        };
        let date_of_birth = self.date_of_birth(today)?;
        let nhs_number = if self.rng.gen_bool(NHS_NUMBER_SHARE) {
            Some(self.nhs_number()?)
        } else {
            None
        };
        let prison_number = self.prison_number()?;
        Ok(PersonPlan {
            site,
            prison,
            given_name,
            family_name,
            preferred_name,
            date_of_birth,
            nhs_number,
            prison_number,
        })
    }
}

/// `day` moved to `year`; 29 February becomes 28 February in other years.
fn same_day_in(day: Date, year: i32) -> anyhow::Result<Date> {
    day.replace_year(year)
        .or_else(|_| Date::from_calendar_date(year, Month::February, 28))
        .map_err(|e| anyhow!("demo data: date out of range: {e}"))
}

/// Every person to create: `per_site` at each site in turn, the same for the
/// same seed and `today`.
fn plan_people(seed: u64, per_site: usize, today: Date) -> anyhow::Result<Vec<PersonPlan>> {
    let mut generator = Generator::new(seed);
    let total = per_site
        .checked_mul(SITES.len())
        .ok_or_else(|| anyhow!("demo data: too many people asked for"))?;
    generator.nhs_numbers.reserve(total);
    generator.prison_numbers.reserve(total);
    let mut people = Vec::with_capacity(total);
    for site in 0..SITES.len() {
        for _ in 0..per_site {
            people.push(generator.person(site, today)?);
        }
    }
    Ok(people)
}

// ---------------------------------------------------------------------------
// Writing it all.

/// Says what the store refused, including any field messages.
fn store_error(e: StoreError, doing: &str) -> anyhow::Error {
    match e {
        StoreError::Invalid(fields) => {
            let why: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect();
            anyhow!("{doing}: {}", why.join("; "))
        }
        other => anyhow::Error::new(other).context(doing.to_string()),
    }
}

/// Refers `person` and takes each episode of `journey` along its steps, as
/// `caller` (the worker at the person's site). Adds each episode's final
/// state to `counts`.
async fn carry_out(
    store: &Store,
    caller: &Caller,
    person: PersonId,
    journey: &Journey,
    counts: &mut [(EpisodeState, usize)],
) -> anyhow::Result<()> {
    for plan in journey {
        let id = store
            .start_episode(caller, person, plan.source, &plan.release)
            .await
            .map_err(|e| store_error(e, "referring a demo person"))?;
        let mut state = EpisodeState::Referred;
        // A new episode is at version 1, and every step moves it on by one.
        for (version, step) in (1..).zip(&plan.steps) {
            match step {
                Step::Act(action) => {
                    state = store
                        .act_on_episode(caller, id, version, action)
                        .await
                        .map_err(|e| {
                            store_error(
                                e,
                                &format!("demo episode: {} while {state}", action.kind()),
                            )
                        })?
                        .to;
                }
                Step::ChangeRelease { to, why } => store
                    .change_expected_release(caller, id, version, to, why)
                    .await
                    .map_err(|e| store_error(e, "changing a demo release date"))?,
            }
        }
        contacts::add(store, caller, id, counts.iter().map(|(_, n)| n).sum()).await?;
        let slot = counts
            .iter_mut()
            .find(|(s, _)| *s == state)
            .ok_or_else(|| anyhow!("demo data: no count for {state}"))?;
        slot.1 += 1;
    }
    Ok(())
}

/// Seeds demo data into an EMPTY store (returns an error if store.is_empty() is false).
/// `hash_password` turns a plain password into a stored hash (argon2id; provided by the caller).
///
/// Everything that can fail without writing (planning the people, hashing the
/// passwords) happens first. The writes are separate transactions, so a
/// database failure part-way leaves what was written before it.
pub async fn seed(
    store: &Store,
    opts: &DemoOptions,
    hash_password: &(dyn Fn(&str) -> anyhow::Result<String> + Sync),
) -> anyhow::Result<DemoSummary> {
    if !store
        .is_empty()
        .await
        .context("checking the database is empty")?
    {
        bail!("The database already has sites: demo data can only be added to an empty database");
    }
    let today = store.now().date();
    let people = plan_people(opts.seed, opts.people_per_site, today)?;
    let journeys = plan_journeys(opts.seed, SITES.len(), opts.people_per_site, today)?;
    if journeys.len() != people.len() {
        bail!("demo data: a journey for every person");
    }
    let hashes = STAFF
        .iter()
        .map(|s| {
            hash_password(DEMO_PASSWORD)
                .with_context(|| format!("hashing the password of {}", s.email))
        })
        .collect::<anyhow::Result<Vec<String>>>()?;

    let system = Actor::System("demo");
    let mut site_ids: Vec<SiteId> = Vec::with_capacity(SITES.len());
    let mut prison_ids: Vec<Vec<PrisonId>> = Vec::with_capacity(SITES.len());
    let mut prisons = 0;
    for plan in SITES {
        let site = store
            .create_site(&system, plan.name, plan.region)
            .await
            .map_err(|e| store_error(e, &format!("creating site {}", plan.name)))?;
        let mut ids = Vec::with_capacity(plan.prisons.len());
        for p in plan.prisons {
            ids.push(
                store
                    .add_prison(&system, site, p.name)
                    .await
                    .map_err(|e| store_error(e, &format!("adding {} to {}", p.name, plan.name)))?,
            );
            prisons += 1;
        }
        site_ids.push(site);
        prison_ids.push(ids);
    }

    // Each site's worker adds that site's people.
    let mut workers: Vec<Option<Caller>> = vec![None; SITES.len()];
    let mut logins = Vec::with_capacity(STAFF.len());
    for (plan, password_hash) in STAFF.iter().zip(hashes) {
        let site = match plan.site {
            Some(i) => Some(
                *site_ids
                    .get(i)
                    .ok_or_else(|| anyhow!("demo data: no such site"))?,
            ),
            None => None,
        };
        let email = EmailAddress::parse(plan.email)
            .with_context(|| format!("demo email {}", plan.email))?;
        let id = store
            .create_user(
                &system,
                reconnect_store::users::NewUser {
                    email,
                    display_name: plan.display_name.to_string(),
                    role: plan.role,
                    sites: site.into_iter().collect(),
                    password_hash,
                },
            )
            .await
            .map_err(|e| store_error(e, &format!("creating account {}", plan.email)))?;
        if let (Role::Worker, Some(i), Some(site)) = (plan.role, plan.site, site) {
            if let Some(slot) = workers.get_mut(i).filter(|w| w.is_none()) {
                *slot = Some(Caller {
                    scope: Scope {
                        user_id: id,
                        role: Role::Worker,
                        sites: vec![site],
                    },
                    meta: RequestMeta::default(),
                });
            }
        }
        logins.push(login_of(plan));
    }

    let total = people.len();
    let mut created = 0usize;
    let mut next_report = PROGRESS_EVERY;
    let mut episodes_by_state: Vec<(EpisodeState, usize)> =
        EpisodeState::ALL.iter().map(|s| (*s, 0)).collect();
    for (p, journey) in people.into_iter().zip(&journeys) {
        let caller = workers
            .get(p.site)
            .and_then(Option::as_ref)
            .ok_or_else(|| anyhow!("demo data: no worker for site {}", p.site))?;
        let prison_id = *prison_ids
            .get(p.site)
            .and_then(|ids| ids.get(p.prison))
            .ok_or_else(|| anyhow!("demo data: no such prison"))?;
        let person = person_details::add(store, caller, opts.seed, created, &p, prison_id).await?;
        carry_out(store, caller, person, journey, &mut episodes_by_state).await?;
        care_plan::add(store, caller, person, opts.seed, created).await?;
        messages::add(store, caller, person, opts.seed, created).await?;
        created += 1;
        if created == next_report && created < total {
            tracing::info!(created, total, "adding demo people");
            next_report += PROGRESS_EVERY;
        }
    }
    let referrals = referrals::seed(
        store,
        opts.seed,
        opts.people_per_site,
        &workers,
        &prison_ids,
        today,
    )
    .await?;
    tracing::info!(referrals, "demo referrals waiting for triage");
    allocation::seed(store, &site_ids).await?;
    engagement::seed(store, &site_ids).await?;
    let services = directory::seed(store).await?;
    tracing::info!(services, "demo services directory");
    onward_referrals::seed(store, &workers).await?;
    let episodes = episodes_by_state.iter().map(|(_, n)| n).sum();
    tracing::info!(
        sites = site_ids.len(),
        prisons,
        staff = logins.len(),
        people = created,
        episodes,
        "demo data added"
    );

    Ok(DemoSummary {
        sites: site_ids.len(),
        prisons,
        staff: logins.len(),
        people: created,
        logins,
        episodes,
        episodes_by_state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use reconnect_domain::person::age_on;
    use reconnect_domain::SystemClock;
    use reconnect_store::people::PeopleFilter;
    use std::collections::HashMap;
    use std::sync::Arc;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 21);

    fn assert_unique<'a>(what: &str, names: impl IntoIterator<Item = &'a str>) {
        let mut seen = HashSet::new();
        for n in names {
            assert!(seen.insert(n), "{what}: {n} appears twice");
            assert_eq!(n.trim(), n, "{what}: {n:?} has stray spaces");
            assert!(!n.is_empty(), "{what}: an empty name");
        }
        assert!(!seen.is_empty(), "{what}: empty list");
    }

    #[test]
    fn name_lists_have_no_duplicates() {
        for (i, g) in GROUPS.iter().enumerate() {
            assert_unique(&format!("group {i} male"), g.male.iter().map(|n| n.0));
            assert_unique(&format!("group {i} female"), g.female.iter().map(|n| n.0));
            assert_unique(&format!("group {i} family"), g.family.iter().copied());
            if let Some(f) = g.female_family {
                assert_unique(&format!("group {i} female family"), f.iter().copied());
                assert!(f.len() >= 5);
            }
            for (given, short) in g.male.iter().chain(g.female) {
                assert_ne!(Some(*given), *short);
            }
        }
        // A given name belongs to one group and one sex.
        assert_unique(
            "all given names",
            GROUPS
                .iter()
                .flat_map(|g| g.male.iter().chain(g.female).map(|n| n.0)),
        );
        assert_eq!(GROUPS.iter().map(|g| g.weight).sum::<u32>(), 1000);
    }

    #[test]
    fn staff_and_sites_are_as_documented() {
        assert_unique("staff emails", STAFF.iter().map(|s| s.email));
        assert_unique("staff names", STAFF.iter().map(|s| s.display_name));
        for s in STAFF {
            assert!(EmailAddress::parse(s.email).is_ok(), "{}", s.email);
            assert!(s.email.ends_with("@demo.reconnect.test"));
            if let Some(i) = s.site {
                assert!(i < SITES.len());
            }
        }
        for role in Role::ALL {
            assert!(STAFF.iter().any(|s| s.role == role), "no {role}");
        }
        let regions: HashSet<Region> = SITES.iter().map(|s| s.region).collect();
        assert_eq!(regions.len(), SITES.len(), "sites are in different regions");
        for s in SITES {
            assert!((2..=3).contains(&s.prisons.len()));
            assert!(s.prisons.iter().any(|p| !p.women));
        }
        let primary: Vec<(Role, String)> = primary_logins()
            .into_iter()
            .map(|l| (l.role, l.email))
            .collect();
        assert_eq!(
            primary,
            [
                (
                    Role::Worker,
                    "worker.surrey@demo.reconnect.test".to_string()
                ),
                (
                    Role::PeerMentor,
                    "mentor.surrey@demo.reconnect.test".to_string()
                ),
                (
                    Role::SiteManager,
                    "manager.surrey@demo.reconnect.test".to_string()
                ),
                (Role::NationalLead, "lead@demo.reconnect.test".to_string()),
                (Role::Reviewer, "reviewer@demo.reconnect.test".to_string()),
                (Role::Admin, "admin@demo.reconnect.test".to_string()),
            ]
        );
        assert_eq!(
            primary_logins()[0].site.as_deref(),
            Some("RECONNECT Surrey")
        );
        assert_eq!(primary_logins()[3].site, None);
    }

    #[test]
    fn nhs_numbers_are_valid_unique_test_numbers() {
        let mut g = Generator::new(42);
        let mut seen = HashSet::new();
        for _ in 0..20_000 {
            let n = g.nhs_number().unwrap();
            assert!(n.is_test_range());
            assert!(n.digits().starts_with("999"));
            assert_eq!(
                NhsNumber::parse(&n.digits()).unwrap(),
                n,
                "check digit holds"
            );
            assert_eq!(NhsNumber::parse(&n.to_string()).unwrap(), n);
            assert!(seen.insert(n), "{n} made twice");
        }
    }

    #[test]
    fn prison_numbers_parse_and_are_unique() {
        let mut g = Generator::new(42);
        let mut seen = HashSet::new();
        for _ in 0..20_000 {
            let n = g.prison_number().unwrap();
            let s = n.as_str();
            assert_eq!(PrisonNumber::parse(s).unwrap(), n);
            assert_eq!(PrisonNumber::parse(&s.to_lowercase()).unwrap(), n);
            assert!(s.starts_with('A') || s.starts_with('G'), "{s}");
            assert!(seen.insert(n.clone()), "{n} made twice");
        }
    }

    #[test]
    fn ages_are_19_to_68() {
        let mut g = Generator::new(7);
        // Including a leap day, whose anniversaries fall on 28 February.
        for today in [
            TODAY,
            date!(2028 - 02 - 29),
            date!(2027 - 01 - 01),
            date!(2026 - 12 - 31),
        ] {
            let mut ages = HashSet::new();
            for _ in 0..5_000 {
                let dob = g.date_of_birth(today).unwrap();
                let age = age_on(dob, today);
                assert!((19..=68).contains(&age), "{dob} is {age} on {today}");
                ages.insert(age);
            }
            assert!(
                ages.contains(&19) && ages.contains(&68),
                "the whole range is used"
            );
        }
    }

    #[test]
    fn people_are_believable() {
        let people = plan_people(1, 2_000, TODAY).unwrap();
        assert_eq!(people.len(), 2_000 * SITES.len());
        let women: HashSet<&str> = GROUPS
            .iter()
            .flat_map(|g| g.female.iter().map(|n| n.0))
            .collect();
        let mut per_site = HashMap::new();
        let mut with_nhs = 0;
        let mut preferred = 0;
        let mut nhs = HashSet::new();
        let mut prison_numbers = HashSet::new();
        for p in &people {
            *per_site.entry(p.site).or_insert(0) += 1;
            let prison = &SITES[p.site].prisons[p.prison];
            assert_eq!(
                women.contains(p.given_name),
                prison.women,
                "{} at {}",
                p.given_name,
                prison.name
            );
            assert!((19..=68).contains(&age_on(p.date_of_birth, TODAY)));
            if let Some(n) = p.nhs_number {
                with_nhs += 1;
                assert!(n.is_test_range());
                assert!(nhs.insert(n));
            }
            assert!(prison_numbers.insert(p.prison_number.clone()));
            if p.preferred_name.is_some() {
                preferred += 1;
            }
        }
        assert!(per_site.values().all(|n| *n == 2_000));
        let share = f64::from(with_nhs) / people.len() as f64;
        assert!((0.82..0.88).contains(&share), "{share} have an NHS number");
        assert!(preferred > 0);
        let women_count = people
            .iter()
            .filter(|p| SITES[p.site].prisons[p.prison].women)
            .count();
        assert!(
            women_count > 0 && women_count < people.len() / 4,
            "{women_count} women"
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_people() {
        let a = plan_people(2026, 300, TODAY).unwrap();
        assert_eq!(a, plan_people(2026, 300, TODAY).unwrap());
        assert_ne!(a, plan_people(2027, 300, TODAY).unwrap());
        // The first people drawn do not depend on how many are asked for.
        assert_eq!(plan_people(2026, 10, TODAY).unwrap()[..10], a[..10]);
        assert!(plan_people(2026, 0, TODAY).unwrap().is_empty());
    }

    struct TempDb(std::path::PathBuf);

    impl TempDb {
        fn new() -> Self {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            Self(
                std::env::temp_dir().join(format!("reconnect-demo-{}-{nanos}", std::process::id())),
            )
        }

        fn url(&self) -> String {
            format!("sqlite://{}/demo.db", self.0.display())
        }
    }

    impl Drop for TempDb {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    async fn empty_store(db: &TempDb) -> Store {
        let store = Store::connect(&db.url(), Arc::new(SystemClock))
            .await
            .unwrap();
        store.migrate().await.unwrap();
        store
    }

    fn fake_hash(p: &str) -> anyhow::Result<String> {
        Ok(format!("plain:{p}"))
    }

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
    async fn seeds_an_empty_store_once() {
        let db = TempDb::new();
        let store = empty_store(&db).await;
        let opts = DemoOptions {
            seed: 11,
            people_per_site: 40,
        };
        let hashed = std::sync::atomic::AtomicUsize::new(0);
        let hash = |p: &str| {
            hashed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            fake_hash(p)
        };
        fn assert_send<T: Send>(t: T) -> T {
            t
        }
        // The future can run on any runtime thread (e.g. inside `tokio::spawn`).
        let summary = assert_send(seed(&store, &opts, &hash)).await.unwrap();
        assert_eq!(
            hashed.into_inner(),
            STAFF.len(),
            "each account hashed separately"
        );
        assert_eq!(summary.sites, 3);
        assert_eq!(summary.prisons, 9);
        assert_eq!(summary.staff, 13);
        assert_eq!(summary.people, 120);
        assert_eq!(summary.logins.len(), 13);
        assert!(summary.episodes >= 120, "everyone was referred");
        assert_eq!(store.count_people().await.unwrap(), 120);

        let sites = store.list_sites().await.unwrap();
        assert_eq!(sites.len(), 3);
        assert!(sites.iter().all(|s| s.prisons.len() == 3));
        let surrey = store
            .find_site_by_name("RECONNECT Surrey")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(surrey.region, Region::SouthEast);

        // Accounts: every role, the right sites, the demo password.
        let admin = caller_for(&store, "admin@demo.reconnect.test").await;
        let users = store.list_users(&admin).await.unwrap();
        assert_eq!(users.len(), 13);
        let creds = store
            .credentials(&EmailAddress::parse("worker.surrey@demo.reconnect.test").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(creds.password_hash, format!("plain:{DEMO_PASSWORD}"));
        for login in &summary.logins {
            let c = caller_for(&store, &login.email).await;
            assert_eq!(c.role(), login.role);
            match &login.site {
                Some(name) => {
                    let site = store.find_site_by_name(name).await.unwrap().unwrap();
                    assert_eq!(c.scope.sites, vec![site.id]);
                }
                None => assert!(c.scope.sites.is_empty(), "{}", login.email),
            }
        }

        // Each site's staff see that site's 40 people and no one else's.
        let worker = caller_for(&store, "worker.surrey@demo.reconnect.test").await;
        let filter = PeopleFilter {
            limit: 500,
            ..PeopleFilter::default()
        };
        let seen = store.list_people(&worker, &filter).await.unwrap();
        assert_eq!(seen.len(), 40);
        assert!(seen.iter().all(|p| p.site_id == surrey.id));
        let women: HashSet<&str> = GROUPS
            .iter()
            .flat_map(|g| g.female.iter().map(|n| n.0))
            .collect();
        for p in &seen {
            assert_eq!(
                women.contains(p.given_name.as_str()),
                p.prison_name == "HMP Send",
                "{}",
                p.prison_name
            );
        }
        let mentor = caller_for(&store, "mentor.manchester@demo.reconnect.test").await;
        assert_eq!(store.list_people(&mentor, &filter).await.unwrap().len(), 40);
        let nosite = caller_for(&store, "nosite@demo.reconnect.test").await;
        assert!(store
            .list_people(&nosite, &filter)
            .await
            .unwrap()
            .is_empty());
        let person = store.get_person(&worker, seen[0].id).await.unwrap();
        assert_eq!(person.created_by_name, "Priya Raman");
        if let Some(n) = person.nhs_number {
            assert!(n.is_test_range());
        }

        // Creation was audited in the worker's name.
        let manager = caller_for(&store, "manager.surrey@demo.reconnect.test").await;
        // (Paged back: the demo's contacts and notes are audited too.)
        let (mut creates, mut before_seq) = (0, None);
        loop {
            let audit = store
                .site_audit(
                    &manager,
                    &reconnect_store::AuditFilter {
                        user_id: Some(worker.user_id()),
                        limit: 500,
                        before_seq,
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
            let Some(last) = audit.last() else { break };
            before_seq = Some(last.seq);
            creates += audit.iter().filter(|a| a.action == "person.create").count();
        }
        assert_eq!(creates, 40);

        // A second seed is refused and adds nothing.
        let again = seed(&store, &opts, &fake_hash).await;
        assert!(again.is_err());
        assert_eq!(store.count_people().await.unwrap(), 120);
        assert_eq!(store.list_sites().await.unwrap().len(), 3);
        store.close().await;
    }

    #[tokio::test]
    async fn a_failing_hash_writes_nothing() {
        let db = TempDb::new();
        let store = empty_store(&db).await;
        let opts = DemoOptions {
            seed: 1,
            people_per_site: 5,
        };
        let refuse = |_: &str| -> anyhow::Result<String> { Err(anyhow!("no hashing today")) };
        assert!(seed(&store, &opts, &refuse).await.is_err());
        assert!(store.is_empty().await.unwrap());
        store.close().await;
    }

    const WORKERS: [&str; 3] = [
        "worker.surrey@demo.reconnect.test",
        "worker.manchester@demo.reconnect.test",
        "worker.westmidlands@demo.reconnect.test",
    ];

    /// One line of an episode's history, without its time.
    type Line = (
        String,
        Option<EpisodeState>,
        Option<EpisodeState>,
        String,
        Option<String>,
    );

    /// An episode as stored, without its ids and times.
    #[derive(Debug, PartialEq, Eq)]
    struct Seen {
        state: EpisodeState,
        source: reconnect_domain::referral_source::ReferralSource,
        expected_release: reconnect_domain::window::ReleaseDate,
        released_on: Option<Date>,
        returned_to_custody_on: Option<Date>,
        extended_until: Option<Date>,
        linked: bool,
        version: i64,
        history: Vec<Line>,
    }

    /// Everything seeded, by site and prison number: each person's name and
    /// episodes, oldest first.
    async fn snapshot(
        store: &Store,
    ) -> Vec<std::collections::BTreeMap<String, (String, Vec<Seen>)>> {
        let filter = PeopleFilter {
            limit: 1_000,
            ..PeopleFilter::default()
        };
        let mut sites = Vec::new();
        for email in WORKERS {
            let worker = caller_for(store, email).await;
            let mut people = std::collections::BTreeMap::new();
            for p in store.list_people(&worker, &filter).await.unwrap() {
                let mut seen = Vec::new();
                for e in store
                    .episodes_of(&worker, p.id)
                    .await
                    .unwrap()
                    .into_iter()
                    .rev()
                {
                    let history = store
                        .episode_history(&worker, e.id)
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|ev| (ev.kind, ev.from_state, ev.to_state, ev.summary, ev.reason))
                        .collect();
                    seen.push(Seen {
                        state: e.state,
                        source: e.source,
                        expected_release: e.expected_release,
                        released_on: e.released_on,
                        returned_to_custody_on: e.returned_to_custody_on,
                        extended_until: e.extended_until,
                        linked: e.linked_from.is_some(),
                        version: e.version,
                        history,
                    });
                }
                let name = format!("{} {}", p.given_name, p.family_name);
                people.insert(p.prison_number.as_str().to_string(), (name, seen));
            }
            sites.push(people);
        }
        sites
    }

    #[tokio::test]
    async fn every_state_of_the_journey_at_every_site() {
        let db = TempDb::new();
        let store = empty_store(&db).await;
        let opts = DemoOptions {
            seed: 23,
            people_per_site: 30,
        };
        let summary = seed(&store, &opts, &fake_hash).await.unwrap();
        let today = store.now().date();
        assert_eq!(summary.people, 90);
        assert!(summary.episodes > 90, "some people were referred twice");
        assert_eq!(
            summary
                .episodes_by_state
                .iter()
                .map(|s| s.0)
                .collect::<Vec<_>>(),
            EpisodeState::ALL
        );
        assert_eq!(
            summary.episodes_by_state.iter().map(|s| s.1).sum::<usize>(),
            summary.episodes
        );
        assert!(summary.episodes_by_state.iter().all(|s| s.1 > 0));
        assert!(summary.episode_breakdown().contains("community support"));

        // The plan the seed followed, by prison number.
        let people = plan_people(opts.seed, opts.people_per_site, today).unwrap();
        let journeys = plan_journeys(opts.seed, SITES.len(), opts.people_per_site, today).unwrap();
        let planned: HashMap<String, &Journey> = people
            .iter()
            .map(|p| p.prison_number.as_str().to_string())
            .zip(&journeys)
            .collect();

        let filter = PeopleFilter {
            limit: 500,
            ..PeopleFilter::default()
        };
        let mut counted: HashMap<EpisodeState, usize> = HashMap::new();
        let mut total = 0;
        for (site_index, email) in WORKERS.iter().enumerate() {
            let worker = caller_for(&store, email).await;
            let manager = caller_for(&store, &email.replace("worker.", "manager.")).await;
            let site = store
                .find_site_by_name(SITES[site_index].name)
                .await
                .unwrap()
                .unwrap();
            let seen = store.list_people(&worker, &filter).await.unwrap();
            assert_eq!(seen.len(), 30);
            let mut states = HashSet::new();
            for p in &seen {
                let journey = planned[p.prison_number.as_str()];
                let mut episodes = store.episodes_of(&worker, p.id).await.unwrap();
                episodes.reverse();
                assert_eq!(episodes.len(), journey.len());
                let mut events_of_person = 0;
                for (i, (e, plan)) in episodes.iter().zip(journey.iter()).enumerate() {
                    total += 1;
                    *counted.entry(e.state).or_default() += 1;
                    states.insert(e.state);
                    assert_eq!(e.site_id, site.id);
                    assert_eq!(e.source, plan.source);
                    assert_eq!(&e.expected_release, plan.final_release());
                    // The stored episode is where the journey's rules take the plan.
                    assert_eq!(e.progress(), plan.replay(site.id, today).unwrap());
                    if let Some(on) = e.released_on {
                        assert!(on <= today, "released on {on}, after today");
                    }
                    if let Some(on) = e.returned_to_custody_on {
                        assert!(on <= today && e.released_on.is_some_and(|r| r <= on));
                    }
                    // Re-referrals link to the episode before.
                    match i {
                        0 => assert_eq!(e.linked_from, None),
                        _ => {
                            assert_eq!(e.linked_from, Some(episodes[i - 1].id));
                            assert!(episodes[i - 1].state.is_terminal());
                        }
                    }

                    // The history: one line per change, each transition from
                    // where the last one left off, ending where the episode is.
                    let history = store.episode_history(&worker, e.id).await.unwrap();
                    assert_eq!(history.len() as i64, e.version);
                    assert_eq!(history.len(), 1 + plan.steps.len());
                    events_of_person += history.len();
                    assert_eq!(history[0].from_state, None);
                    assert_eq!(history[0].to_state, Some(EpisodeState::Referred));
                    let mut at = EpisodeState::Referred;
                    for (ev, step) in history[1..].iter().zip(&plan.steps) {
                        assert_eq!(ev.by_name, history[0].by_name);
                        match step {
                            Step::Act(action) => {
                                assert_eq!(ev.kind, "transition");
                                assert_eq!(ev.from_state, Some(at));
                                at = ev.to_state.unwrap();
                                if let reconnect_domain::episode::Action::Withdraw { reason } =
                                    action
                                {
                                    assert_eq!(
                                        ev.reason.as_deref(),
                                        reason.as_ref().map(|r| r.as_str())
                                    );
                                }
                            }
                            Step::ChangeRelease { why, .. } => {
                                assert_eq!(ev.kind, "release_date");
                                assert_eq!(ev.reason.as_deref(), Some(why.as_str()));
                            }
                        }
                    }
                    assert_eq!(at, e.state);
                }

                // Every change was audited in the worker's name, with the person.
                let audit = store
                    .site_audit(
                        &manager,
                        &reconnect_store::AuditFilter {
                            person_id: Some(p.id),
                            limit: 500,
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
                let episode_rows: Vec<_> = audit
                    .iter()
                    .filter(|a| a.action.starts_with("episode."))
                    .collect();
                assert_eq!(episode_rows.len(), events_of_person);
                assert!(episode_rows
                    .iter()
                    .all(|a| a.actor_user_id == Some(worker.user_id())));
            }
            for s in EpisodeState::ALL {
                assert!(states.contains(&s), "no {s} at {}", site.name);
            }
        }
        assert_eq!(total, summary.episodes);
        for (state, n) in &summary.episodes_by_state {
            assert_eq!(counted.get(state).copied().unwrap_or(0), *n, "{state}");
        }
        store.close().await;
    }

    #[tokio::test]
    async fn the_same_seed_gives_the_same_service() {
        let opts = DemoOptions {
            seed: 4,
            people_per_site: 16,
        };
        let mut seen = Vec::new();
        for _ in 0..2 {
            let db = TempDb::new();
            let store = empty_store(&db).await;
            let summary = seed(&store, &opts, &fake_hash).await.unwrap();
            seen.push((summary, snapshot(&store).await));
            store.close().await;
        }
        let (a, b) = (&seen[0], &seen[1]);
        assert_eq!(a.0, b.0);
        assert_eq!(a.1, b.1);
        assert!(a.1.iter().all(|site| site.len() == 16));
    }

    /// The size `serve --demo` may ask for; run with `--ignored` to time it.
    #[tokio::test]
    #[ignore]
    async fn seeds_twenty_thousand_per_site() {
        let db = TempDb::new();
        let store = empty_store(&db).await;
        let opts = DemoOptions {
            seed: 5,
            people_per_site: 20_000,
        };
        let started = std::time::Instant::now();
        let summary = seed(&store, &opts, &fake_hash).await.unwrap();
        eprintln!(
            "seeded {} people in {:?}",
            summary.people,
            started.elapsed()
        );
        assert_eq!(summary.people, 60_000);
        assert_eq!(store.count_people().await.unwrap(), 60_000);
        store.close().await;
    }
}
