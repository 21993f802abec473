//! Contacts with the person: a visit in prison, a call, a text, a meeting at
//! the gate or in the community. Each records when it happened, how, whether
//! it was two-way (the person took part, rather than a message left or a
//! visit where they did not come out), and what was discussed. Engagement is
//! later worked out from these, so a contact is a past event: it cannot be in
//! the future, nor before the service existed. Contacts are never changed; a
//! mistake is put right by a correction that supersedes the contact, with a
//! reason.

use crate::person_details::catalogue;
use crate::validation::required_text;
use crate::Validation;
use time::{Date, Month, OffsetDateTime};

catalogue! {
    /// How the contact happened.
    pub enum ContactKind {
        InPrisonVisit = "in_prison_visit", "In-prison visit";
        Phone = "phone", "Phone call";
        Video = "video", "Video call";
        Text = "text", "Text message";
        CommunityMeeting = "community_meeting", "Meeting in the community";
        GateMeeting = "gate_meeting", "Meeting at the gate on release";
        HomeVisit = "home_visit", "Home visit";
    }
    unknown = "Choose how you were in contact";
}

/// The longest summary of a contact, in characters.
pub const MAX_SUMMARY_CHARS: usize = 2000;

/// Nothing in reconnect happened before this day; an earlier date is a typing mistake.
pub fn earliest_date() -> Date {
    Date::from_calendar_date(2000, Month::January, 1).unwrap_or(Date::MIN)
}

/// A contact must have happened already (a few minutes of clock difference
/// allowed) and not before 2000.
pub fn check_contact_time(
    at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, String> {
    if at.date() < earliest_date() {
        return Err("The date of the contact must be in the year 2000 or later".into());
    }
    if at > now + time::Duration::minutes(5) {
        return Err("The time of the contact must be now or in the past. Book an appointment for a contact that is still to come".into());
    }
    Ok(at)
}

/// A contact as it is recorded (or as its correction says it should have been).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactDetails {
    pub kind: ContactKind,
    pub at: OffsetDateTime,
    /// Did the person take part (a conversation, a reply), rather than a
    /// message left or an attempt that did not reach them?
    pub two_way: bool,
    pub summary: String,
}

/// The raw answers, from a form or a JSON body, with `at` already read from
/// its date and time fields (or the message for them).
pub struct ContactInput<'a> {
    pub kind: &'a str,
    pub at: Result<OffsetDateTime, String>,
    /// "yes" or "no".
    pub two_way: &'a str,
    pub summary: &'a str,
}

/// The field names the messages are filed under.
pub struct ContactFields {
    pub kind: &'static str,
    pub at: &'static str,
    pub two_way: &'static str,
    pub summary: &'static str,
}

impl ContactDetails {
    /// Reads the answers, reporting every problem against its field.
    pub fn parse(
        input: ContactInput<'_>,
        fields: &ContactFields,
        now: OffsetDateTime,
    ) -> Result<Self, Vec<crate::FieldError>> {
        let mut v = Validation::new();
        let kind = v.check(fields.kind, ContactKind::parse(input.kind));
        let at = v.check(
            fields.at,
            input.at.and_then(|at| check_contact_time(at, now)),
        );
        let two_way = v.check(
            fields.two_way,
            yes_no(input.two_way, "Say whether they took part in the contact"),
        );
        let summary = v.check(
            fields.summary,
            required_text(input.summary, "a summary of the contact", MAX_SUMMARY_CHARS),
        );
        v.finish(|| {
            Some(Self {
                kind: kind?,
                at: at?,
                two_way: two_way?,
                summary: summary?,
            })
        })
    }
}

/// Reads a yes/no answer ("yes", "no", "true", "false").
pub fn yes_no(input: &str, message: &str) -> Result<bool, String> {
    match input.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        _ => Err(message.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const FIELDS: ContactFields = ContactFields {
        kind: "kind",
        at: "at",
        two_way: "two_way",
        summary: "summary",
    };

    fn input<'a>(at: OffsetDateTime, summary: &'a str) -> ContactInput<'a> {
        ContactInput {
            kind: "phone",
            at: Ok(at),
            two_way: "yes",
            summary,
        }
    }

    #[test]
    fn reads_a_contact() {
        let now = datetime!(2026-03-02 12:00 UTC);
        let c = ContactDetails::parse(
            input(now - time::Duration::hours(1), " Talked about housing "),
            &FIELDS,
            now,
        )
        .unwrap();
        assert_eq!(c.kind, ContactKind::Phone);
        assert!(c.two_way);
        assert_eq!(c.summary, "Talked about housing");
    }

    #[test]
    fn refuses_future_and_ancient_contacts_and_names_every_field() {
        let now = datetime!(2026-03-02 12:00 UTC);
        let e = ContactDetails::parse(input(now + time::Duration::days(1), "x"), &FIELDS, now)
            .unwrap_err();
        assert_eq!(e[0].field, "at");
        assert!(e[0].message.contains("now or in the past"));
        let e = ContactDetails::parse(input(datetime!(1900-01-01 10:00 UTC), "x"), &FIELDS, now)
            .unwrap_err();
        assert!(e[0].message.contains("2000"));
        let e = ContactDetails::parse(
            ContactInput {
                kind: "carrier pigeon",
                at: Err("Enter the date of the contact".into()),
                two_way: "",
                summary: " ",
            },
            &FIELDS,
            now,
        )
        .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "at", "two_way", "summary"]);
        assert_eq!(e[0].message, "Choose how you were in contact");
    }

    #[test]
    fn every_kind_round_trips() {
        for k in ContactKind::ALL {
            assert_eq!(ContactKind::parse(k.code()).unwrap(), *k);
        }
        assert_eq!(yes_no("No", "m"), Ok(false));
        assert!(yes_no("maybe", "m").is_err());
    }
}
