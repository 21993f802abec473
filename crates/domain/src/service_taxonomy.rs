//! The taxonomy of community services this field refers people to: the
//! needs people leave prison with, from GP registration to peer support and
//! social activities. It is published in the Open Referral UK feed as one
//! taxonomy with fixed ids, so other directories can map to it, and each term
//! says which kind of sharing consent a referral to such a service needs.

use crate::consent::SharingPartner;

/// The taxonomy's id in the directory.
pub const TAXONOMY_ID: &str = "7b1e2a40-6c1d-4e0b-9a51-000000000000";
pub const TAXONOMY_NAME: &str = "RECONNECT community services";
pub const TAXONOMY_DESCRIPTION: &str =
    "Kinds of community service that people leaving prison are linked to for health, housing and wellbeing.";
pub const TAXONOMY_VERSION: &str = "1";

/// One term: a stable code, its id in the directory, and words for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Term {
    pub code: &'static str,
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// Whose information-sharing consent a referral to such a service needs.
    pub partner: SharingPartner,
}

macro_rules! terms {
    ($($n:literal, $code:literal, $name:literal, $partner:ident, $desc:literal;)*) => {
        /// Every term, in the order they are shown.
        pub const TERMS: &[Term] = &[
            $(Term {
                code: $code,
                id: concat!("7b1e2a40-6c1d-4e0b-9a51-0000000000", $n),
                name: $name,
                description: $desc,
                partner: SharingPartner::$partner,
            },)*
        ];
    };
}

terms! {
    "01", "gp-primary-care", "GP and primary care", Gp,
        "Registering with a GP, and GP, nurse and community health appointments.";
    "02", "pharmacy", "Pharmacy and prescriptions", Gp,
        "Collecting medicines and prescriptions, including on the day of release.";
    "03", "mental-health", "Mental health", MentalHealth,
        "Talking therapies, community mental health teams and crisis support.";
    "04", "substance-misuse", "Substance misuse treatment", SubstanceMisuse,
        "Drug and alcohol services, opioid substitution and harm reduction.";
    "05", "housing", "Housing and homelessness", Housing,
        "Somewhere to stay on release, housing advice and homelessness services.";
    "06", "benefits-money", "Benefits and money", VoluntarySector,
        "Universal Credit, bank accounts, debt advice and grants.";
    "07", "identity-documents", "ID and documents", VoluntarySector,
        "Birth certificates, photo ID and proof of address.";
    "08", "employment-training", "Employment and training", VoluntarySector,
        "Help to find work, training courses and education.";
    "09", "family-children", "Family and children", VoluntarySector,
        "Support with family relationships, parenting and contact with children.";
    "10", "domestic-abuse", "Domestic abuse", VoluntarySector,
        "Safety planning and support for people affected by domestic abuse.";
    "11", "womens-services", "Women's services", VoluntarySector,
        "Women's centres and services run for and by women.";
    "12", "neurodiversity", "Neurodiversity support", VoluntarySector,
        "Support for autistic people, people with ADHD and other neurodivergent people.";
    "13", "learning-disability", "Learning disability support", VoluntarySector,
        "Community learning disability teams and advocacy.";
    "14", "peer-support", "Peer support", VoluntarySector,
        "Mentors and groups run by people with lived experience.";
    "15", "wellbeing-social", "Wellbeing and social activities", VoluntarySector,
        "Sport, arts, gardening, walking groups and other ways to meet people.";
    "16", "faith-community", "Faith and community groups", VoluntarySector,
        "Places of worship and community groups that welcome people after prison.";
    "17", "food-essentials", "Food and essentials", VoluntarySector,
        "Food banks, clothing and other essentials.";
    "18", "legal-advice", "Legal advice", VoluntarySector,
        "Legal advice and advocacy.";
    "19", "dental", "Dental care", Gp,
        "NHS dentists and urgent dental care.";
    "20", "probation-support", "Probation and resettlement", Probation,
        "Probation-commissioned resettlement and accommodation services.";
}

/// The term with this code.
pub fn by_code(code: &str) -> Option<&'static Term> {
    TERMS.iter().find(|t| t.code == code)
}

/// The term with this directory id.
pub fn by_id(id: &str) -> Option<&'static Term> {
    TERMS.iter().find(|t| t.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_and_ids_are_unique_and_ids_are_uuids() {
        let codes: HashSet<_> = TERMS.iter().map(|t| t.code).collect();
        let ids: HashSet<_> = TERMS.iter().map(|t| t.id).collect();
        assert_eq!(codes.len(), TERMS.len());
        assert_eq!(ids.len(), TERMS.len());
        for t in TERMS {
            assert!(uuid::Uuid::parse_str(t.id).is_ok(), "{}", t.id);
            assert_eq!(by_code(t.code), Some(t));
            assert_eq!(by_id(t.id), Some(t));
        }
        assert!(uuid::Uuid::parse_str(TAXONOMY_ID).is_ok());
    }

    #[test]
    fn health_terms_need_the_matching_consent() {
        assert_eq!(
            by_code("substance-misuse").map(|t| t.partner),
            Some(SharingPartner::SubstanceMisuse)
        );
        assert_eq!(
            by_code("gp-primary-care").map(|t| t.partner),
            Some(SharingPartner::Gp)
        );
        assert_eq!(
            by_code("housing").map(|t| t.partner),
            Some(SharingPartner::Housing)
        );
    }
}
