//! Demo people's full details: pronouns and gender (consistent with the
//! women's prisons), ethnicity and first language that fit their names,
//! interpreter and communication needs, why an NHS number is not known,
//! probation references, contact details after release (some "no fixed
//! abode"), nominated contacts, and now and then a correction with its reason,
//! so that records show a history.
//!
//! Drawn from a generator of its own, seeded from the demo seed and the
//! person's place in the list, so the people and journeys drawn elsewhere are
//! unchanged, and the same seed gives the same details. Phone numbers are in
//! Ofcom's ranges kept for drama (07700 900xxx, 01632 960xxx), email
//! addresses are under the reserved `.test` domain, and addresses are made up.

use super::names::GROUPS;
use super::{store_error, PersonPlan, SITES};
use anyhow::{anyhow, Context};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reconnect_domain::episode::Reason;
use reconnect_domain::person::NewPerson;
use reconnect_domain::person_details::{
    CommunicationNeed, CommunicationNeeds, ContactAfterRelease, ContactChannel, EthnicCategory,
    Ethnicity, Gender, NominatedContact, PersonDetails, PostalAddress, Postcode,
    ProbationCaseReference, Pronouns, ReleaseAddress, UkPhoneNumber, UnknownNhsReason,
};
use reconnect_domain::person_profile::PersonProfile;
use reconnect_domain::{Caller, EmailAddress, PersonId, PrisonId};
use reconnect_store::Store;

/// Every this many people, one has had a detail corrected since being added.
const CORRECTION_EVERY: usize = 9;

/// Ethnicity, first languages (with the share needing an interpreter) by name
/// group, in the order of [`GROUPS`].
struct Background {
    ethnicities: &'static [(&'static str, Option<&'static str>, u32)],
    languages: &'static [(&'static str, u32)],
    interpreter_share: f64,
}

const BACKGROUNDS: [Background; 14] = [
    // White British
    Background {
        ethnicities: &[
            ("white_british", None, 90),
            ("mixed_white_and_black_caribbean", None, 4),
            ("mixed_other", None, 2),
        ],
        languages: &[("English", 1)],
        interpreter_share: 0.0,
    },
    // Irish
    Background {
        ethnicities: &[("white_irish", None, 85), ("white_british", None, 15)],
        languages: &[("English", 1)],
        interpreter_share: 0.0,
    },
    // Gypsy, Roma or Irish Traveller
    Background {
        ethnicities: &[
            ("white_gypsy_or_irish_traveller", None, 80),
            ("white_british", None, 10),
            ("white_irish", None, 10),
        ],
        languages: &[("English", 1)],
        interpreter_share: 0.0,
    },
    // Polish
    Background {
        ethnicities: &[("white_other", Some("Polish"), 1)],
        languages: &[("Polish", 1)],
        interpreter_share: 0.35,
    },
    // Romanian
    Background {
        ethnicities: &[
            ("white_other", Some("Romanian"), 70),
            ("white_roma", None, 30),
        ],
        languages: &[("Romanian", 4), ("Romani", 1)],
        interpreter_share: 0.45,
    },
    // Lithuanian
    Background {
        ethnicities: &[("white_other", Some("Lithuanian"), 1)],
        languages: &[("Lithuanian", 3), ("Russian", 1)],
        interpreter_share: 0.35,
    },
    // Albanian
    Background {
        ethnicities: &[("white_other", Some("Albanian"), 1)],
        languages: &[("Albanian", 1)],
        interpreter_share: 0.45,
    },
    // Black British Caribbean
    Background {
        ethnicities: &[
            ("black_caribbean", None, 75),
            ("mixed_white_and_black_caribbean", None, 20),
            ("black_other", None, 5),
        ],
        languages: &[("English", 1)],
        interpreter_share: 0.0,
    },
    // Black British African
    Background {
        ethnicities: &[
            ("black_african", None, 85),
            ("mixed_white_and_black_african", None, 15),
        ],
        languages: &[("English", 12), ("Yoruba", 2), ("Twi", 1), ("French", 1)],
        interpreter_share: 0.05,
    },
    // Somali
    Background {
        ethnicities: &[("black_african", None, 1)],
        languages: &[("Somali", 3), ("English", 2)],
        interpreter_share: 0.3,
    },
    // Pakistani
    Background {
        ethnicities: &[("asian_pakistani", None, 1)],
        languages: &[("English", 6), ("Urdu", 2), ("Punjabi", 1)],
        interpreter_share: 0.08,
    },
    // Indian
    Background {
        ethnicities: &[("asian_indian", None, 1)],
        languages: &[("English", 6), ("Punjabi", 2), ("Gujarati", 1)],
        interpreter_share: 0.08,
    },
    // Bangladeshi
    Background {
        ethnicities: &[("asian_bangladeshi", None, 1)],
        languages: &[("English", 5), ("Sylheti", 2), ("Bengali", 1)],
        interpreter_share: 0.1,
    },
    // Kurdish, Arab or Iranian
    Background {
        ethnicities: &[
            ("other_any", Some("Kurdish"), 40),
            ("other_arab", None, 35),
            ("other_any", Some("Iranian"), 25),
        ],
        languages: &[("Kurdish (Sorani)", 2), ("Arabic", 2), ("Farsi", 1)],
        interpreter_share: 0.5,
    },
];

const STREETS: &[&str] = &[
    "Station Road",
    "Church Street",
    "Victoria Road",
    "Park Avenue",
    "Mill Lane",
    "Queens Road",
    "Grange Close",
    "Hillside Crescent",
];

/// Towns and made-up postcodes near each site, in the order of [`SITES`].
const TOWNS: [&[(&str, &str)]; 3] = [
    &[
        ("Guildford", "GU1 4AB"),
        ("Woking", "GU21 6XR"),
        ("Redhill", "RH1 1PQ"),
    ],
    &[
        ("Salford", "M6 5FX"),
        ("Stockport", "SK1 3TA"),
        ("Warrington", "WA1 2NH"),
    ],
    &[
        ("Birmingham", "B12 9QD"),
        ("Walsall", "WS1 4LT"),
        ("Wolverhampton", "WV2 4DE"),
    ],
];

const RELATIONSHIPS: &[&str] = &[
    "Mum", "Dad", "Sister", "Brother", "Partner", "Aunt", "Friend",
];

const OTHER_NEEDS: &[&str] = &[
    "Prefers morning appointments",
    "Finds busy waiting rooms hard: meet somewhere calm",
    "Likes things written down to take away",
];

/// The name group a person's family name was drawn from (0, white British,
/// when it is in none).
fn group_of(family_name: &str) -> usize {
    GROUPS
        .iter()
        .position(|g| {
            g.family.contains(&family_name)
                || g.female_family.is_some_and(|f| f.contains(&family_name))
        })
        .unwrap_or(0)
}

fn weighted<'a, T>(rng: &mut StdRng, items: &'a [(T, u32)]) -> anyhow::Result<&'a T> {
    let total: u32 = items.iter().map(|i| i.1).sum();
    let mut roll = rng.gen_range(0..total.max(1));
    for (item, w) in items {
        if roll < *w {
            return Ok(item);
        }
        roll -= w;
    }
    items
        .first()
        .map(|i| &i.0)
        .ok_or_else(|| anyhow!("demo data: nothing to choose from"))
}

fn pick<'a, T>(rng: &mut StdRng, from: &'a [T]) -> anyhow::Result<&'a T> {
    from.get(rng.gen_range(0..from.len().max(1)))
        .ok_or_else(|| anyhow!("demo data: nothing to choose from"))
}

fn mobile(rng: &mut StdRng) -> anyhow::Result<UkPhoneNumber> {
    let n: u32 = rng.gen_range(0..1000);
    UkPhoneNumber::parse(&format!("07700 900{n:03}"))
        .map_err(|e| anyhow!("demo data: made a bad phone number: {e}"))
}

/// The details of person number `index` in the plan.
fn profile(seed: u64, index: usize, p: &PersonPlan) -> anyhow::Result<PersonProfile> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x05EE_DDE7_A115_u64.wrapping_mul(index as u64 + 1));
    let rng = &mut rng;
    let woman = SITES
        .get(p.site)
        .and_then(|s| s.prisons.get(p.prison))
        .is_some_and(|pr| pr.women);
    let (gender, pronouns) = match rng.gen_range(0..100) {
        0..=2 => (Some(Gender::NonBinary), Some(Pronouns::TheyThem)),
        3..=5 => (Some(Gender::PreferNotToSay), None),
        6..=9 => (None, None),
        _ if woman => (Some(Gender::Woman), Some(Pronouns::SheHer)),
        _ => (Some(Gender::Man), Some(Pronouns::HeHim)),
    };
    let background = BACKGROUNDS
        .get(group_of(p.family_name))
        .ok_or_else(|| anyhow!("demo data: no such background"))?;
    let ethnicity = match rng.gen_range(0..100) {
        0..=2 => Some(Ethnicity::PreferNotToSay),
        3..=5 => None,
        _ => {
            let (code, description) = background
                .ethnicities
                .get({
                    let weights: Vec<(usize, u32)> = background
                        .ethnicities
                        .iter()
                        .enumerate()
                        .map(|(i, e)| (i, e.2))
                        .collect();
                    *weighted(rng, &weights)?
                })
                .map(|e| (e.0, e.1))
                .ok_or_else(|| anyhow!("demo data: no ethnicity"))?;
            let category = EthnicCategory::parse(code)
                .map_err(|e| anyhow!("demo data: ethnicity {code}: {e}"))?;
            Some(Ethnicity::Stated {
                category,
                description: description
                    .filter(|_| category.is_any_other())
                    .map(str::to_string),
            })
        }
    };
    let first_language = weighted(rng, background.languages)?.to_string();
    let interpreter_needed =
        first_language != "English" && rng.gen_bool(background.interpreter_share);

    let mut needs = std::collections::BTreeSet::new();
    for (need, share) in [
        (CommunicationNeed::PrefersTexts, 0.15),
        (CommunicationNeed::ReadingSupport, 0.12),
        (CommunicationNeed::QuietRoom, 0.08),
        (CommunicationNeed::ExtraTime, 0.06),
        (CommunicationNeed::EasyRead, 0.04),
        (CommunicationNeed::LargePrint, 0.02),
        (CommunicationNeed::HearingLoop, 0.01),
    ] {
        if rng.gen_bool(share) {
            needs.insert(need);
        }
    }
    let other = if rng.gen_bool(0.04) {
        Some(pick(rng, OTHER_NEEDS)?.to_string())
    } else {
        None
    };

    let nhs_unknown_reason = p.nhs_number.is_none().then(|| match rng.gen_range(0..10) {
        0..=5 => UnknownNhsReason::NotYetTraced,
        6..=8 => UnknownNhsReason::PersonDoesNotKnow,
        _ => UnknownNhsReason::NotRegistered,
    });
    let probation_case_reference = if rng.gen_bool(0.7) {
        let letter = char::from(b'A' + rng.gen_range(0..26u8));
        let digits: u32 = rng.gen_range(0..1_000_000);
        Some(
            ProbationCaseReference::parse(&format!("{letter}{digits:06}"))
                .map_err(|e| anyhow!("demo data: made a bad CRN: {e}"))?,
        )
    } else {
        None
    };

    let address = match rng.gen_range(0..100) {
        0..=14 => ReleaseAddress::NoFixedAbode,
        15..=49 => ReleaseAddress::NotYetKnown,
        _ => {
            let towns = TOWNS
                .get(p.site)
                .ok_or_else(|| anyhow!("demo data: no towns for site"))?;
            let (town, postcode) = *pick(rng, towns)?;
            ReleaseAddress::Address(PostalAddress {
                line_1: format!("{} {}", rng.gen_range(1..120), pick(rng, STREETS)?),
                line_2: rng
                    .gen_bool(0.3)
                    .then(|| format!("Flat {}", rng.gen_range(1..20))),
                town: town.to_string(),
                postcode: Postcode::parse(postcode)
                    .map_err(|e| anyhow!("demo data: postcode {postcode}: {e}"))?,
            })
        }
    };
    let phone = if rng.gen_bool(0.6) {
        Some(mobile(rng)?)
    } else {
        None
    };
    let email = if rng.gen_bool(0.2) {
        let local: String = format!("{}.{}", p.given_name, p.family_name)
            .chars()
            .filter(|c| c.is_ascii_alphabetic() || *c == '.')
            .collect::<String>()
            .to_lowercase();
        Some(
            EmailAddress::parse(&format!("{local}@mail.test"))
                .with_context(|| format!("demo email for {local}"))?,
        )
    } else {
        None
    };
    let nominated_contact = if rng.gen_bool(0.45) {
        let group = GROUPS
            .get(group_of(p.family_name))
            .ok_or_else(|| anyhow!("demo data: no such name group"))?;
        let relationship = *pick(rng, RELATIONSHIPS)?;
        let female = match relationship {
            "Mum" | "Sister" | "Aunt" => true,
            "Dad" | "Brother" => false,
            _ => rng.gen_bool(0.5),
        };
        let given = pick(rng, if female { group.female } else { group.male })?.0;
        let family = if matches!(relationship, "Partner" | "Friend") {
            *pick(rng, group.family_for(female))?
        } else {
            p.family_name
        };
        Some(NominatedContact {
            name: format!("{given} {family}"),
            relationship: relationship.to_string(),
            phone: mobile(rng)?,
        })
    } else {
        None
    };
    let preferred_channel = match (&phone, &email, &nominated_contact, &address) {
        (Some(p), _, _, _) if p.is_mobile() && needs.contains(&CommunicationNeed::PrefersTexts) => {
            Some(ContactChannel::Text)
        }
        (Some(_), _, _, _) if rng.gen_bool(0.6) => Some(ContactChannel::PhoneCall),
        (_, Some(_), _, _) if rng.gen_bool(0.5) => Some(ContactChannel::Email),
        (_, _, Some(_), _) if rng.gen_bool(0.5) => Some(ContactChannel::NominatedContact),
        (_, _, _, ReleaseAddress::Address(_)) if rng.gen_bool(0.3) => Some(ContactChannel::Letter),
        _ => None,
    };
    Ok(PersonProfile {
        pronouns,
        gender,
        ethnicity,
        first_language: Some(first_language),
        interpreter_needed,
        communication_needs: CommunicationNeeds { needs, other },
        nhs_unknown_reason,
        probation_case_reference,
        contact: ContactAfterRelease {
            phone,
            email,
            address,
            preferred_channel,
        },
        nominated_contact,
    })
}

/// Adds person number `index` with their full details, as `caller` (their
/// site's worker), and for some, a later correction with its reason.
pub(super) async fn add(
    store: &Store,
    caller: &Caller,
    seed: u64,
    index: usize,
    plan: &PersonPlan,
    prison_id: PrisonId,
) -> anyhow::Result<PersonId> {
    let new = NewPerson {
        given_name: plan.given_name.to_string(),
        family_name: plan.family_name.to_string(),
        preferred_name: plan.preferred_name.map(str::to_string),
        date_of_birth: plan.date_of_birth,
        nhs_number: plan.nhs_number,
        prison_number: plan.prison_number.clone(),
        prison_id,
    };
    let profile = profile(seed, index, plan)?;
    let details = PersonDetails::join(new, profile)
        .ok_or_else(|| anyhow!("demo data: an NHS number or why it is not known"))?;
    let id = store
        .add_person(caller, &details, None)
        .await
        .map_err(|e| store_error(e, "adding a demo person"))?
        .id;
    if index % CORRECTION_EVERY == CORRECTION_EVERY / 2 {
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(index as u64));
        let mut corrected = details.clone();
        let why = if corrected.contact.phone.is_some() {
            corrected.contact.phone = Some(mobile(&mut rng)?);
            "They have a new mobile number"
        } else {
            corrected.contact.phone = Some(mobile(&mut rng)?);
            "They have a phone now and are happy for us to call"
        };
        if corrected != details {
            let reason =
                Reason::parse(why, "a reason").map_err(|e| anyhow!("demo data: reason: {e}"))?;
            store
                .update_person_details(caller, id, 1, &corrected, &reason)
                .await
                .map_err(|e| store_error(e, "correcting a demo person's details"))?;
        }
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn every_background_fits_the_name_groups_and_parses() {
        assert_eq!(BACKGROUNDS.len(), GROUPS.len());
        for b in &BACKGROUNDS {
            for (code, _, _) in b.ethnicities {
                assert!(EthnicCategory::parse(code).is_ok(), "{code}");
            }
        }
        for towns in TOWNS {
            for (_, postcode) in towns {
                assert!(Postcode::parse(postcode).is_ok(), "{postcode}");
            }
        }
        assert_eq!(TOWNS.len(), SITES.len());
    }

    #[test]
    fn details_are_believable_and_the_same_for_the_same_seed() {
        let people = super::super::plan_people(7, 40, date!(2026 - 03 - 02)).unwrap();
        let mut women_ok = 0;
        let mut no_fixed_abode = 0;
        let mut interpreters = 0;
        for (i, p) in people.iter().enumerate() {
            let a = profile(7, i, p).unwrap();
            assert_eq!(a, profile(7, i, p).unwrap());
            let woman = SITES[p.site].prisons[p.prison].women;
            if woman {
                assert_ne!(a.gender, Some(Gender::Man));
                women_ok += 1;
            } else {
                assert_ne!(a.gender, Some(Gender::Woman));
            }
            assert_eq!(p.nhs_number.is_none(), a.nhs_unknown_reason.is_some());
            no_fixed_abode += usize::from(a.contact.address == ReleaseAddress::NoFixedAbode);
            interpreters += usize::from(a.interpreter_needed);
            // Every profile reads back from its stored form.
            assert_eq!(a.to_text().parse().unwrap(), a);
        }
        assert!(
            women_ok > 0 && no_fixed_abode > 0,
            "{women_ok} {no_fixed_abode}"
        );
        assert!(interpreters < people.len() / 4);
    }
}
