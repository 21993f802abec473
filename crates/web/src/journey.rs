//! Reading episode input, shared by the pages and the API: dates (three
//! boxes on a page, `YYYY-MM-DD` in JSON), the expected release date (or why
//! it is not known) and the data each journey action needs. Everything here
//! turns input into the domain's types or into field errors; the journey's
//! rules themselves (which action is allowed when) stay in
//! [`reconnect_domain::episode`] and are applied by the store.

use reconnect_domain::episode::{
    Action, ActionKind, ClosureReason, DeclineReason, Handover, Reason, Refusal,
};
pub use reconnect_domain::validation::date_from_parts;
use reconnect_domain::validation::lower_first;
use reconnect_domain::window::{long_date, ReleaseDate};
use reconnect_domain::{FieldError, SiteId, Validation};
use time::{Date, Duration};

/// How far back a date on an episode may be: an earlier one is almost
/// certainly a typing mistake (a year of 1900, say).
pub const OLDEST_YEARS: i64 = 5;
/// How far ahead an expected release date may be.
pub const FURTHEST_RELEASE_YEARS: i64 = 50;
/// How far ahead community support may be extended in one go.
pub const FURTHEST_EXTENSION_YEARS: i64 = 5;

/// Reads an ISO 8601 date (`2026-07-03`), for the API.
pub fn date_from_iso(input: &str, subject: &str) -> Result<Date, String> {
    let bad = || format!("{subject} must be a real date written as YYYY-MM-DD, like 2026-07-03");
    let mut parts = input.trim().split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    date_from_parts(d, m, y, subject).map_err(|_| bad())
}

/// The date formatted for the API.
pub fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
}

fn years(n: i64) -> Duration {
    Duration::days(n * 365 + n / 4)
}

/// Refuses a date before the person was born, or more than
/// [`OLDEST_YEARS`] ago.
fn not_too_old(date: Date, today: Date, born: Date, subject: &str) -> Result<Date, String> {
    if date <= born {
        return Err(format!(
            "{subject} must be after their date of birth, {}",
            long_date(born)
        ));
    }
    let oldest = today.checked_sub(years(OLDEST_YEARS)).unwrap_or(Date::MIN);
    if date < oldest {
        return Err(format!(
            "{subject} must be within the last {OLDEST_YEARS} years"
        ));
    }
    Ok(date)
}

/// An expected release date: after their birth, not long ago, and not
/// absurdly far ahead.
pub fn check_expected_release(date: Date, today: Date, born: Date) -> Result<Date, String> {
    let subject = "The expected release date";
    not_too_old(date, today, born, subject)?;
    let furthest = today
        .checked_add(years(FURTHEST_RELEASE_YEARS))
        .unwrap_or(Date::MAX);
    if date > furthest {
        return Err(format!(
            "{subject} must be within the next {FURTHEST_RELEASE_YEARS} years"
        ));
    }
    Ok(date)
}

/// The field names a form or body uses for the release date.
pub struct ReleaseFields {
    /// Where a problem with the date is shown (a page's `-day` box).
    pub date: &'static str,
    pub reason: &'static str,
    /// The "is it known?" choice, if the form has one.
    pub known: &'static str,
}

/// The expected release date, or why it is not known. `known` is the answer
/// to "is it known?" when the form asks; without one, whichever of the date
/// and the reason was given decides.
pub fn release_date(
    known: Option<bool>,
    date: Option<Result<Date, String>>,
    reason: &str,
    today: Date,
    born: Date,
    fields: &ReleaseFields,
) -> Result<ReleaseDate, Vec<FieldError>> {
    let has_reason = !reason.trim().is_empty();
    let known = match known {
        Some(k) => k,
        None => match (&date, has_reason) {
            (Some(_), false) => true,
            (None, true) => false,
            (Some(_), true) => {
                return Err(vec![FieldError::new(
                    fields.known,
                    "Give either the expected release date or why it is not known, not both",
                )])
            }
            (None, false) => {
                return Err(vec![FieldError::new(
                    fields.known,
                    "Enter the expected release date, or say why it is not known",
                )])
            }
        },
    };
    if known {
        let date = date.unwrap_or_else(|| Err("Enter the expected release date".to_string()));
        date.and_then(|d| check_expected_release(d, today, born))
            .map(ReleaseDate::Known)
            .map_err(|m| vec![FieldError::new(fields.date, m)])
    } else {
        ReleaseDate::unknown(reason).map_err(|m| vec![FieldError::new(fields.reason, m)])
    }
}

/// What an action's form or body gave, as typed (dates already read by the
/// caller, since pages and the API write them differently).
#[derive(Default)]
pub struct ActionInput<'a> {
    /// The reason code (decline, close) or the reason text (withdraw, extend).
    pub reason: &'a str,
    /// Details for a decline or closure: required for some reasons, else a note.
    pub details: &'a str,
    pub date: Option<Result<Date, String>>,
    pub recalled: Option<bool>,
    pub to_site: &'a str,
    pub handover: &'a str,
}

/// The field names a form or body uses, for its errors.
pub struct ActionFields {
    pub reason: &'static str,
    pub details: &'static str,
    pub date: &'static str,
    pub recalled: &'static str,
    pub to_site: &'static str,
    pub handover: &'static str,
}

/// The question each action's date answers.
pub fn date_subject(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::MarkReleased => "The date they were released",
        ActionKind::ReturnToCustody => "The date they returned to custody",
        ActionKind::ExtendCommunitySupport => "The new end date",
        _ => "The date",
    }
}

/// Builds the action of `kind` from what was given, or says what to change.
/// Withdrawal is never refused here: its reason is optional and kept
/// leniently, whatever was typed.
pub fn build_action(
    kind: ActionKind,
    input: &ActionInput<'_>,
    fields: &ActionFields,
    today: Date,
    born: Date,
) -> Result<Action, Vec<FieldError>> {
    let mut v = Validation::new();
    let date = |v: &mut Validation, check: &dyn Fn(Date) -> Result<Date, String>| {
        let result = input
            .date
            .clone()
            .unwrap_or_else(|| Err(format!("Enter {}", lower_first(date_subject(kind)))))
            .and_then(check);
        v.check(fields.date, result)
    };
    let action = match kind {
        ActionKind::Accept => Some(Action::Accept),
        ActionKind::StartEngagement => Some(Action::StartEngagement),
        ActionKind::StartCommunitySupport => Some(Action::StartCommunitySupport),
        ActionKind::BeginSteppingDown => Some(Action::BeginSteppingDown),
        ActionKind::Resume => Some(Action::Resume),
        ActionKind::Withdraw => Some(Action::Withdraw {
            reason: Reason::lenient(input.reason),
        }),
        ActionKind::Decline => {
            let code = input.reason.trim();
            if DeclineReason::label_for(code).is_none() {
                v.add(fields.reason, "Choose why the referral is being declined");
                None
            } else if code == "other" {
                v.check(fields.details, DeclineReason::parse(code, input.details))
                    .map(|reason| Action::Decline { reason, note: None })
            } else {
                let reason = v.check(fields.reason, DeclineReason::parse(code, ""));
                let note = v.check(
                    fields.details,
                    Reason::parse_optional(input.details, "a note"),
                );
                reason
                    .zip(note)
                    .map(|(reason, note)| Action::Decline { reason, note })
            }
        }
        ActionKind::Close => {
            let code = input.reason.trim();
            if ClosureReason::label_for(code).is_none() {
                v.add(fields.reason, "Choose why the episode is being closed");
                None
            } else if code == "other" || code == "no_contact_after_attempts" {
                v.check(fields.details, ClosureReason::parse(code, input.details))
                    .map(|reason| Action::Close { reason, note: None })
            } else {
                let reason = v.check(fields.reason, ClosureReason::parse(code, ""));
                let note = v.check(
                    fields.details,
                    Reason::parse_optional(input.details, "a note"),
                );
                reason
                    .zip(note)
                    .map(|(reason, note)| Action::Close { reason, note })
            }
        }
        ActionKind::MarkReleased => {
            date(&mut v, &|d| not_too_old(d, today, born, date_subject(kind)))
                .map(|on| Action::MarkReleased { on })
        }
        ActionKind::ReturnToCustody => {
            let on = date(&mut v, &|d| not_too_old(d, today, born, date_subject(kind)));
            let recalled = input.recalled;
            if recalled.is_none() {
                v.add(fields.recalled, "Say whether they were recalled on licence");
            }
            on.zip(recalled)
                .map(|(on, recalled)| Action::ReturnToCustody { on, recalled })
        }
        ActionKind::TransferSite => {
            let to = v.check(
                fields.to_site,
                input
                    .to_site
                    .trim()
                    .parse::<SiteId>()
                    .map_err(|_| "Choose the site taking over their support"),
            );
            let handover = v.check(fields.handover, Handover::parse(input.handover));
            to.zip(handover)
                .map(|(to, handover)| Action::TransferSite { to, handover })
        }
        ActionKind::ExtendCommunitySupport => {
            let until = date(&mut v, &|d| {
                let furthest = today
                    .checked_add(years(FURTHEST_EXTENSION_YEARS))
                    .unwrap_or(Date::MAX);
                if d > furthest {
                    Err(format!(
                        "The new end date must be within the next {FURTHEST_EXTENSION_YEARS} years"
                    ))
                } else {
                    Ok(d)
                }
            });
            let reason = v.check(
                fields.reason,
                Reason::parse(input.reason, "a reason for the extension"),
            );
            until
                .zip(reason)
                .map(|(until, reason)| Action::ExtendCommunitySupport { until, reason })
        }
    };
    v.finish(|| action)
}

/// The field a refusal is about, if it is about one of the form's fields.
pub fn refusal_field(refusal: &Refusal, fields: &ActionFields) -> Option<&'static str> {
    match refusal {
        Refusal::ReleasedInFuture
        | Refusal::ReleasedBeforeReturn { .. }
        | Refusal::ReturnInFuture
        | Refusal::ReturnBeforeRelease { .. }
        | Refusal::ExtensionNotInFuture
        | Refusal::ExtensionNotLater { .. } => Some(fields.date),
        Refusal::SameSite => Some(fields.to_site),
        Refusal::CompletedBeforeSteppingDown => Some(fields.reason),
        Refusal::NotAllowed { .. } | Refusal::OpenEpisodeExists { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 02);
    const BORN: Date = date!(1990 - 07 - 03);
    const FIELDS: ActionFields = ActionFields {
        reason: "reason",
        details: "details",
        date: "date-day",
        recalled: "recalled",
        to_site: "to_site",
        handover: "handover",
    };

    fn build(kind: ActionKind, input: ActionInput<'_>) -> Result<Action, Vec<FieldError>> {
        build_action(kind, &input, &FIELDS, TODAY, BORN)
    }

    #[test]
    fn dates_from_iso() {
        assert_eq!(date_from_iso("2026-03-02", "The date"), Ok(TODAY));
        for bad in [
            "2026-3-2",
            "02/03/2026",
            "2026-02-30",
            "",
            "2026-03-02-01",
            "x",
        ] {
            assert!(date_from_iso(bad, "The date").is_err(), "{bad}");
        }
        assert_eq!(iso(TODAY), "2026-03-02");
    }

    #[test]
    fn release_dates() {
        let f = ReleaseFields {
            date: "d",
            reason: "r",
            known: "k",
        };
        let july = date!(2026 - 07 - 03);
        assert_eq!(
            release_date(Some(true), Some(Ok(july)), "", TODAY, BORN, &f),
            Ok(ReleaseDate::Known(july))
        );
        assert_eq!(
            release_date(None, Some(Ok(july)), "", TODAY, BORN, &f),
            Ok(ReleaseDate::Known(july))
        );
        let unknown = release_date(Some(false), None, "On remand", TODAY, BORN, &f).unwrap();
        assert!(matches!(unknown, ReleaseDate::Unknown { .. }));
        let e = release_date(Some(false), None, " ", TODAY, BORN, &f).unwrap_err();
        assert_eq!(e[0].field, "r");
        let e = release_date(None, None, "", TODAY, BORN, &f).unwrap_err();
        assert_eq!(e[0].field, "k");
        let e = release_date(None, Some(Ok(july)), "why", TODAY, BORN, &f).unwrap_err();
        assert_eq!(e[0].field, "k");
        // Before birth, 1900, and far ahead are all refused next to the date.
        for d in [
            date!(1980 - 01 - 01),
            date!(1900 - 01 - 01),
            date!(2090 - 01 - 01),
        ] {
            let e = release_date(Some(true), Some(Ok(d)), "", TODAY, BORN, &f).unwrap_err();
            assert_eq!(e[0].field, "d", "{d}");
        }
        let e = release_date(
            Some(true),
            Some(Ok(date!(1990 - 01 - 01))),
            "",
            TODAY,
            BORN,
            &f,
        )
        .unwrap_err();
        assert!(e[0].message.contains("after their date of birth"), "{e:?}");
    }

    #[test]
    fn withdrawal_is_never_refused_for_its_reason() {
        for reason in [
            "",
            "   ",
            "I have moved on",
            "\u{0}bad\u{7}",
            &"x".repeat(5000),
        ] {
            let action = build(
                ActionKind::Withdraw,
                ActionInput {
                    reason,
                    ..ActionInput::default()
                },
            );
            assert!(matches!(action, Ok(Action::Withdraw { .. })), "{reason:?}");
        }
    }

    #[test]
    fn decline_and_close_need_details_only_for_some_reasons() {
        let e = build(ActionKind::Decline, ActionInput::default()).unwrap_err();
        assert_eq!(e[0].field, "reason");
        let e = build(
            ActionKind::Decline,
            ActionInput {
                reason: "other",
                ..ActionInput::default()
            },
        )
        .unwrap_err();
        assert_eq!(e[0].field, "details");
        assert!(build(
            ActionKind::Decline,
            ActionInput {
                reason: "no_health_need",
                ..ActionInput::default()
            }
        )
        .is_ok());
        let e = build(
            ActionKind::Close,
            ActionInput {
                reason: "no_contact_after_attempts",
                ..ActionInput::default()
            },
        )
        .unwrap_err();
        assert_eq!(e[0].field, "details");
        assert!(matches!(
            build(
                ActionKind::Close,
                ActionInput {
                    reason: "moved_away",
                    details: "To Leeds",
                    ..ActionInput::default()
                }
            ),
            Ok(Action::Close { note: Some(_), .. })
        ));
    }

    #[test]
    fn dated_actions() {
        let e = build(ActionKind::MarkReleased, ActionInput::default()).unwrap_err();
        assert_eq!(e[0].field, "date-day");
        assert_eq!(e[0].message, "Enter the date they were released");
        let e = build(
            ActionKind::MarkReleased,
            ActionInput {
                date: Some(Ok(date!(1900 - 01 - 01))),
                ..ActionInput::default()
            },
        )
        .unwrap_err();
        assert_eq!(e[0].field, "date-day");
        let e = build(
            ActionKind::ReturnToCustody,
            ActionInput {
                date: Some(Ok(TODAY)),
                ..ActionInput::default()
            },
        )
        .unwrap_err();
        assert_eq!(e[0].field, "recalled");
        let e = build(
            ActionKind::ExtendCommunitySupport,
            ActionInput {
                date: Some(Ok(date!(2040 - 01 - 01))),
                ..ActionInput::default()
            },
        )
        .unwrap_err();
        let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["date-day", "reason"]);
        let e = build(ActionKind::TransferSite, ActionInput::default()).unwrap_err();
        let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["to_site", "handover"]);
    }
}
