//! The release-day plan ("through the gate"): the time they come out and a
//! checklist of what must be in place on the day, each item confirmed, not
//! yet sorted, or not needed, with a short detail. An item not confirmed is
//! a gap; gaps are highlighted in the last 14 days before release.

use crate::person_details::catalogue;
use crate::validation::optional_text;
use time::{Date, Time};

catalogue! {
    /// One thing to have in place for release day.
    pub enum ChecklistItem {
        GateMeet = "gate_meet", "Who meets them at the gate";
        NightOne = "night_one", "Where they sleep on the first night";
        Medication = "medication", "Medication supply on the day";
        Prescription = "prescription", "Prescription in the community";
        GpRegistration = "gp_registration", "GP registration";
        FirstAppointments = "first_appointments", "First community appointments booked";
        Id = "id", "ID";
        Phone = "phone", "Phone";
        Bank = "bank", "Bank account";
    }
    unknown = "Choose an item from the checklist";
}

catalogue! {
    /// Where one checklist item has got to.
    pub enum ItemStatus {
        Confirmed = "confirmed", "Confirmed";
        NotYet = "not_yet", "Not yet sorted";
        NotNeeded = "not_needed", "Not needed";
    }
    unknown = "Choose confirmed, not yet sorted or not needed";
}

/// The longest detail for one item.
pub const DETAIL_MAX_CHARS: usize = 300;

/// Gaps are highlighted this many days before release (and on the day).
pub const HIGHLIGHT_DAYS: i64 = 14;

/// One item as planned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedItem {
    pub item: ChecklistItem,
    pub status: ItemStatus,
    pub detail: Option<String>,
}

impl PlannedItem {
    /// Reads an item's status and detail. A problem names which of the
    /// two it is about: `"status"` or `"detail"`.
    pub fn parse(
        item: ChecklistItem,
        status: &str,
        detail: &str,
    ) -> Result<Self, (&'static str, String)> {
        if status.trim().is_empty() {
            return Err((
                "status",
                format!(
                    "Choose where \"{}\" has got to",
                    item.label().to_lowercase()
                ),
            ));
        }
        let status = ItemStatus::parse(status).map_err(|e| ("status", e.0.to_string()))?;
        let detail =
            optional_text(detail, "the detail", DETAIL_MAX_CHARS).map_err(|m| ("detail", m))?;
        Ok(Self {
            item,
            status,
            detail,
        })
    }

    /// Not confirmed and not marked "not needed".
    pub fn is_gap(&self) -> bool {
        is_gap(self.status)
    }
}

/// An item is a gap until it is confirmed or marked not needed.
pub fn is_gap(status: ItemStatus) -> bool {
    status == ItemStatus::NotYet
}

/// The checklist items of a plan that are still gaps, in checklist order.
/// An item missing from the plan is a gap.
pub fn gaps(items: &[PlannedItem]) -> Vec<ChecklistItem> {
    ChecklistItem::ALL
        .iter()
        .copied()
        .filter(|c| {
            items
                .iter()
                .find(|i| i.item == *c)
                .is_none_or(PlannedItem::is_gap)
        })
        .collect()
}

/// Are gaps highlighted today? From 14 days before release to the day itself.
pub fn highlight_gaps(release: Option<Date>, today: Date) -> bool {
    release.is_some_and(|r| {
        let days = (r - today).whole_days();
        (0..=HIGHLIGHT_DAYS).contains(&days)
    })
}

/// Reads a release time written as 24-hour `HH:MM` (`08:30`), or nothing.
pub fn release_time(input: &str) -> Result<Option<Time>, String> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || {
        "Enter the release time as hours and minutes on the 24-hour clock, like 08:30".to_string()
    };
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return Err(bad());
    }
    if !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (h, m): (u8, u8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    Time::from_hms(h, m, 0).map(Some).map_err(|_| bad())
}

/// A time as `HH:MM`.
pub fn time_text(t: Time) -> String {
    format!("{:02}:{:02}", t.hour(), t.minute())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::{date, time};
    use time::Duration;

    fn item(item: ChecklistItem, status: ItemStatus) -> PlannedItem {
        PlannedItem {
            item,
            status,
            detail: None,
        }
    }

    #[test]
    fn gaps_are_items_not_yet_sorted_or_missing() {
        let items = vec![
            item(ChecklistItem::GateMeet, ItemStatus::Confirmed),
            item(ChecklistItem::NightOne, ItemStatus::NotYet),
            item(ChecklistItem::Phone, ItemStatus::NotNeeded),
        ];
        let g = gaps(&items);
        assert!(!g.contains(&ChecklistItem::GateMeet));
        assert!(g.contains(&ChecklistItem::NightOne));
        assert!(!g.contains(&ChecklistItem::Phone));
        assert!(g.contains(&ChecklistItem::Bank));
        assert_eq!(g.len(), ChecklistItem::ALL.len() - 2);
        assert_eq!(gaps(&[]).len(), 9);
    }

    #[test]
    fn highlighted_in_the_last_two_weeks() {
        let today = date!(2026 - 03 - 02);
        assert!(highlight_gaps(Some(today), today));
        assert!(highlight_gaps(Some(today + Duration::days(14)), today));
        assert!(!highlight_gaps(Some(today + Duration::days(15)), today));
        assert!(!highlight_gaps(Some(today - Duration::days(1)), today));
        assert!(!highlight_gaps(None, today));
    }

    #[test]
    fn release_times() {
        assert_eq!(release_time(""), Ok(None));
        assert_eq!(release_time("08:30"), Ok(Some(time!(08:30))));
        assert_eq!(release_time("8:05"), Ok(Some(time!(08:05))));
        assert!(release_time("25:00").is_err());
        assert!(release_time("8am").is_err());
        assert!(release_time("08:3").is_err());
        assert_eq!(time_text(time!(08:05)), "08:05");
    }

    #[test]
    fn items_need_a_status() {
        assert_eq!(
            PlannedItem::parse(ChecklistItem::Id, "", "").unwrap_err().0,
            "status"
        );
        assert_eq!(
            PlannedItem::parse(ChecklistItem::Id, "maybe", "")
                .unwrap_err()
                .0,
            "status"
        );
        let long = "x".repeat(DETAIL_MAX_CHARS + 1);
        assert_eq!(
            PlannedItem::parse(ChecklistItem::Id, "confirmed", &long)
                .unwrap_err()
                .0,
            "detail"
        );
        let p =
            PlannedItem::parse(ChecklistItem::Id, "confirmed", " Passport at reception ").unwrap();
        assert_eq!(p.detail.as_deref(), Some("Passport at reception"));
        assert!(!p.is_gap());
    }

    proptest! {
        #[test]
        fn times_round_trip(h in 0u8..24, m in 0u8..60) {
            let t = Time::from_hms(h, m, 0).unwrap();
            prop_assert_eq!(release_time(&time_text(t)), Ok(Some(t)));
        }

        #[test]
        fn highlight_window(offset in -60i64..60) {
            let today = date!(2026 - 03 - 02);
            let r = today + Duration::days(offset);
            prop_assert_eq!(highlight_gaps(Some(r), today), (0..=14).contains(&offset));
        }
    }
}
