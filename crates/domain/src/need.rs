//! Needs: the catalogue of need domains (reference data, also inserted by the
//! store's migration), each need's status and who is responsible for it, and
//! the 0–4 scale repeat assessments use to score each domain so progress can
//! be shown over time.

use crate::person_details::catalogue;
use crate::validation::{optional_text, required_text};

catalogue! {
    /// An area of someone's life where they may need support.
    pub enum NeedDomain {
        PhysicalHealth = "physical_health", "Physical health";
        MentalHealth = "mental_health", "Mental health";
        SubstanceUse = "substance_use", "Drug and alcohol use";
        Medication = "medication", "Medication and prescriptions";
        GpRegistration = "gp_registration", "GP registration";
        Accommodation = "accommodation", "Accommodation";
        FinanceBenefits = "finance_benefits", "Finance and benefits";
        IdBank = "id_bank", "ID and bank account";
        FamilyChildren = "family_children", "Family and children";
        EducationWork = "education_work", "Education and work";
        Neurodiversity = "neurodiversity", "Neurodiversity and learning disability";
        Trauma = "trauma", "Trauma";
        DomesticAbuse = "domestic_abuse", "Domestic abuse";
        Other = "other", "Other";
    }
    unknown = "Choose an area of need from the list";
}

catalogue! {
    /// Where a need has got to.
    pub enum NeedStatus {
        Identified = "identified", "Identified";
        InProgress = "in_progress", "In progress";
        Met = "met", "Met";
        Declined = "declined", "They said no to support";
        NotNeeded = "not_needed", "Not needed";
    }
    unknown = "Choose where this need has got to";
}

catalogue! {
    /// Who is responsible for meeting a need.
    pub enum ResponsibleParty {
        Reconnect = "reconnect", "RECONNECT";
        Prison = "prison", "Prison";
        Probation = "probation", "Probation";
        Nhs = "nhs", "NHS";
        VoluntarySector = "voluntary_sector", "Voluntary sector";
    }
    unknown = "Choose who is responsible";
}

impl NeedStatus {
    /// Is the need still being worked on?
    pub fn is_open(self) -> bool {
        matches!(self, NeedStatus::Identified | NeedStatus::InProgress)
    }

    /// The NHS.UK tag colour for the status.
    pub fn tag_class(self) -> &'static str {
        match self {
            NeedStatus::Identified => "nhsuk-tag--yellow",
            NeedStatus::InProgress => "nhsuk-tag--blue",
            NeedStatus::Met => "nhsuk-tag--green",
            NeedStatus::Declined | NeedStatus::NotNeeded => "nhsuk-tag--grey",
        }
    }
}

/// The longest "other" description and update note.
pub const OTHER_MAX_CHARS: usize = 200;
pub const NOTE_MAX_CHARS: usize = 2000;

/// A need's area and, for "Other", what it is in a few words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeedArea {
    pub domain: NeedDomain,
    pub other: Option<String>,
}

impl NeedArea {
    /// "Other" needs a description; the other domains take none.
    pub fn new(domain: NeedDomain, other: &str) -> Result<Self, String> {
        if domain == NeedDomain::Other {
            let text = required_text(other, "what the need is", OTHER_MAX_CHARS)?;
            Ok(Self {
                domain,
                other: Some(text),
            })
        } else if other.trim().is_empty() {
            Ok(Self {
                domain,
                other: None,
            })
        } else {
            Err("Only describe the need when you choose \"Other\"".into())
        }
    }

    /// The area as people read it: the label, or the description for "Other".
    pub fn label(&self) -> String {
        match &self.other {
            Some(text) => format!("Other: {text}"),
            None => self.domain.label().to_string(),
        }
    }
}

/// The note with an update: optional when the status or party changes,
/// needed when nothing else does (an update must say something).
pub fn update_note(note: &str, changes_something: bool) -> Result<Option<String>, String> {
    let note = optional_text(note, "a note", NOTE_MAX_CHARS)?;
    if note.is_none() && !changes_something {
        return Err("Enter a note, or change the status or who is responsible".into());
    }
    Ok(note)
}

/// A score for one domain at an assessment: how much support is needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(u8);

impl Score {
    pub const MAX: u8 = 4;

    /// Every score, lowest first.
    pub fn all() -> impl Iterator<Item = Score> {
        (0..=Self::MAX).map(Score)
    }

    pub fn new(value: u8) -> Result<Self, String> {
        if value <= Self::MAX {
            Ok(Self(value))
        } else {
            Err(format!("Choose a score from 0 to {}", Self::MAX))
        }
    }

    /// Reads a score typed into a form or sent in the API.
    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim();
        if s.is_empty() {
            return Err("Choose a score".into());
        }
        s.parse::<u8>()
            .map_err(|_| format!("Choose a score from 0 to {}", Self::MAX))
            .and_then(Self::new)
    }

    pub fn value(self) -> u8 {
        self.0
    }

    /// What the score means, in plain English.
    pub fn label(self) -> &'static str {
        match self.0 {
            0 => "No support needed",
            1 => "A little support needed",
            2 => "Some support needed",
            3 => "A lot of support needed",
            _ => "Urgent support needed",
        }
    }
}

/// How a domain changed between two assessments, in plain English.
pub fn change_between(before: Score, after: Score) -> &'static str {
    match after.0.cmp(&before.0) {
        std::cmp::Ordering::Less => "Better: less support needed",
        std::cmp::Ordering::Equal => "No change",
        std::cmp::Ordering::Greater => "Needs more support than before",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn catalogue_codes_are_unique_and_parse_back() {
        let mut codes: Vec<&str> = NeedDomain::ALL.iter().map(|d| d.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), NeedDomain::ALL.len());
        assert_eq!(NeedDomain::ALL.len(), 14);
        for d in NeedDomain::ALL {
            assert_eq!(NeedDomain::parse(d.code()), Ok(*d));
            assert_eq!(NeedDomain::parse(d.label()), Ok(*d));
        }
        assert!(NeedDomain::parse("astrology").is_err());
        assert_eq!(NeedStatus::parse("In progress"), Ok(NeedStatus::InProgress));
        assert_eq!(ResponsibleParty::parse("nhs"), Ok(ResponsibleParty::Nhs));
    }

    #[test]
    fn other_needs_a_description_and_only_other() {
        assert!(NeedArea::new(NeedDomain::Other, "  ").is_err());
        let a = NeedArea::new(NeedDomain::Other, " Pet care ").unwrap();
        assert_eq!(a.label(), "Other: Pet care");
        assert!(NeedArea::new(NeedDomain::Trauma, "x").is_err());
        assert_eq!(
            NeedArea::new(NeedDomain::Trauma, "").unwrap().label(),
            "Trauma"
        );
    }

    #[test]
    fn updates_must_say_something() {
        assert!(update_note("", false).is_err());
        assert_eq!(update_note("", true), Ok(None));
        assert_eq!(
            update_note(" Called GP ", false),
            Ok(Some("Called GP".into()))
        );
    }

    #[test]
    fn open_statuses() {
        assert!(NeedStatus::Identified.is_open());
        assert!(!NeedStatus::Met.is_open());
    }

    #[test]
    fn scores_and_changes() {
        assert_eq!(
            Score::parse("3").unwrap().label(),
            "A lot of support needed"
        );
        assert!(Score::parse("5").is_err());
        assert!(Score::parse("").is_err());
        assert!(Score::parse("-1").is_err());
        assert_eq!(Score::all().count(), 5);
        let (two, three) = (Score::new(2).unwrap(), Score::new(3).unwrap());
        assert_eq!(change_between(three, two), "Better: less support needed");
        assert_eq!(change_between(two, two), "No change");
        assert_eq!(change_between(two, three), "Needs more support than before");
    }

    proptest! {
        #[test]
        fn scores_parse_exactly_the_scale(n in any::<u16>()) {
            let parsed = Score::parse(&n.to_string());
            prop_assert_eq!(parsed.is_ok(), n <= 4);
            if let Ok(s) = parsed {
                prop_assert_eq!(u16::from(s.value()), n);
            }
        }

        #[test]
        fn change_is_antisymmetric(a in 0u8..=4, b in 0u8..=4) {
            let (a, b) = (Score::new(a).unwrap(), Score::new(b).unwrap());
            prop_assert_eq!(change_between(a, b) == "No change", a == b);
            if a != b {
                prop_assert_ne!(change_between(a, b), change_between(b, a));
            }
        }
    }
}
