//! Least-privilege sharing: the parts of a person's record a worker may send
//! with an onward referral, what each contains, and the snapshot of exactly
//! what was sent. The person's name and date of birth always go (a service
//! cannot act on a referral about nobody); everything else is ticked by the
//! worker. Case notes are never ticked by default, and sensitive notes are
//! never shared at all.

use crate::person_details::catalogue;
use serde::{Deserialize, Serialize};

catalogue! {
    /// A part of the record that may go with a referral.
    pub enum Part {
        Contact = "contact", "Contact details";
        Needs = "needs", "Needs";
        Plan = "plan", "Current plan";
        Release = "release", "Release date and prison";
        NhsNumber = "nhs_number", "NHS number";
        CaseNotes = "case_notes", "Case notes";
    }
    unknown = "Choose what to share";
}

impl Part {
    /// What the part contains, in words for the worker choosing.
    pub fn contains(self) -> &'static str {
        match self {
            Part::Contact => "Phone, email, address and how they prefer to be contacted",
            Part::Needs => "The open needs on this episode and where each stands",
            Part::Plan => "The goals and open actions in their plan, with due dates",
            Part::Release => "The prison, and the expected or actual release date",
            Part::NhsNumber => "Their NHS number, so health services can find their records",
            Part::CaseNotes => "Case notes written on this episode (never the sensitive ones)",
        }
    }

    /// Ticked when the form opens: enough for most services to act.
    pub fn default_parts() -> Vec<Part> {
        vec![Part::Contact, Part::Needs]
    }

    /// Reads a comma-separated list of codes (as stored), refusing unknowns.
    pub fn parse_list(s: &str) -> Result<Vec<Part>, crate::person_details::UnknownChoice> {
        let mut parts: Vec<Part> = s
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(Part::parse)
            .collect::<Result<_, _>>()?;
        parts.sort();
        parts.dedup();
        Ok(parts)
    }

    /// The list as stored: codes, comma-separated, in a fixed order.
    pub fn list_code(parts: &[Part]) -> String {
        let mut parts = parts.to_vec();
        parts.sort();
        parts.dedup();
        parts.iter().map(|p| p.code()).collect::<Vec<_>>().join(",")
    }
}

/// Exactly what was sent with a referral, kept as it was on the day. Parts
/// not chosen are absent (never null in the stored JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// When it was taken (RFC 3339).
    pub taken_at: String,
    pub name: String,
    pub date_of_birth: String,
    /// The need the referral is about, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral_for: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactPart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs: Option<Vec<NeedLine>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Vec<PlanLine>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<ReleasePart>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nhs_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_notes: Option<Vec<NoteLine>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactPart {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub address: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_contact: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedLine {
    pub area: String,
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLine {
    pub text: String,
    pub due_on: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleasePart {
    pub prison: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_release: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteLine {
    pub written_on: String,
    pub text: String,
}

impl Snapshot {
    /// The parts present in this snapshot.
    pub fn parts(&self) -> Vec<Part> {
        let mut parts = Vec::new();
        if self.contact.is_some() {
            parts.push(Part::Contact);
        }
        if self.needs.is_some() {
            parts.push(Part::Needs);
        }
        if self.plan.is_some() {
            parts.push(Part::Plan);
        }
        if self.release.is_some() {
            parts.push(Part::Release);
        }
        if self.nhs_number.is_some() {
            parts.push(Part::NhsNumber);
        }
        if self.case_notes.is_some() {
            parts.push(Part::CaseNotes);
        }
        parts
    }
}
