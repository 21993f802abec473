//! Messages to people and staff: how a person wants to be contacted (and
//! whether they agreed to it), the plain-English text of reminders, and the
//! retry schedule for a message that could not be sent yet.
//!
//! The rules live here so the store, the job runner and the pages agree:
//! a reminder to a person is only ever written when they consented to be
//! contacted on a channel, and it never says it is from RECONNECT unless
//! they said it may (a text shows on a locked phone screen).

use crate::person_details::catalogue;
use crate::person_details::UkPhoneNumber;
use crate::validation::Validation;
use crate::{EmailAddress, FieldError};
use time::{Duration, OffsetDateTime};

catalogue! {
    /// How a person or a member of staff may be sent a message.
    pub enum Channel {
        Text = "text", "Text message";
        Email = "email", "Email";
        None = "none", "Do not send messages";
    }
    unknown = "Choose how they want to be contacted";
}

/// A person's contact preferences as a form or the API gives them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactPreferencesInput {
    pub channel: String,
    pub phone: String,
    pub email: String,
    /// "yes" when the person agreed to be sent reminders on that channel.
    pub consent: String,
    /// "yes" when the person agreed that messages may say they are from RECONNECT.
    pub may_name_service: String,
}

/// Contact preferences that passed every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContactPreferences {
    pub channel: Channel,
    /// The phone number or email address, for a channel other than none.
    pub address: Option<String>,
    pub may_name_service: bool,
}

impl ContactPreferences {
    /// Parses the input: a channel other than "none" needs the person's
    /// consent and a valid number or address for that channel.
    pub fn parse(input: &ContactPreferencesInput) -> Result<Self, Vec<FieldError>> {
        let mut v = Validation::new();
        let channel = v.check("channel", Channel::parse(&input.channel));
        let may_name_service = match input.may_name_service.trim() {
            "yes" => Some(true),
            "" | "no" => Some(false),
            _ => {
                v.add(
                    "may_name_service",
                    "Choose whether messages may say they are from RECONNECT",
                );
                None
            }
        };
        let mut address = None;
        if let Some(ch) = channel {
            if ch != Channel::None {
                if input.consent.trim() != "yes" {
                    v.add(
                        "consent",
                        "Confirm the person agreed to be sent messages this way, or choose do not send messages",
                    );
                }
                match ch {
                    Channel::Text => {
                        if let Some(p) = v.check("phone", UkPhoneNumber::parse(&input.phone)) {
                            if p.is_mobile() {
                                address = Some(p.as_str().to_string());
                            } else {
                                v.add(
                                    "phone",
                                    "Enter a mobile phone number, as text messages can only go to mobiles",
                                );
                            }
                        }
                    }
                    Channel::Email => {
                        address = v
                            .check("email", EmailAddress::parse(&input.email))
                            .map(|e| e.as_str().to_string())
                    }
                    Channel::None => {}
                }
            }
        }
        v.finish(|| {
            Some(ContactPreferences {
                channel: channel?,
                address,
                may_name_service: may_name_service?,
            })
        })
    }
}

/// Why a message to a person cannot be sent, in words for the page.
pub fn why_not_contactable(prefs: Option<&ContactPreferences>) -> Option<&'static str> {
    match prefs {
        None => Some(
            "No reminders can be sent: no contact preferences have been recorded with the person's consent.",
        ),
        Some(p) if p.channel == Channel::None || p.address.is_none() => Some(
            "No reminders can be sent: the person asked not to be sent messages.",
        ),
        Some(_) => None,
    }
}

/// The subject and body of a reminder of an appointment tomorrow. Without
/// permission the text names neither the service nor what the appointment
/// is about: only that there is an appointment, when, and where.
pub fn appointment_reminder(
    starts_at_uk: &str,
    location: &str,
    may_name_service: bool,
) -> (String, String) {
    if may_name_service {
        (
            "RECONNECT appointment tomorrow".to_string(),
            format!(
                "This is RECONNECT. A reminder that you have an appointment with us tomorrow, {starts_at_uk}, at {location}. If you cannot make it, please let your worker know."
            ),
        )
    } else {
        // A place named after the service would give it away.
        let location = if location.to_ascii_lowercase().contains("reconnect") {
            "the place you agreed"
        } else {
            location
        };
        (
            "Appointment tomorrow".to_string(),
            format!(
                "A reminder that you have an appointment tomorrow, {starts_at_uk}, at {location}. If you cannot make it, please let us know."
            ),
        )
    }
}

/// How many times sending is tried before a message is marked failed.
pub const MAX_ATTEMPTS: i64 = 6;

/// When to try again after `attempts` failed tries: 1, 2, 4, 8, 16 minutes...
/// doubling, at most 6 hours. `None` once the tries are used up.
pub fn next_attempt(after: OffsetDateTime, attempts: i64) -> Option<OffsetDateTime> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let exp = attempts.clamp(1, 20) - 1;
    let minutes = (1i64 << exp).min(360);
    Some(after + Duration::minutes(minutes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(channel: &str, consent: &str) -> ContactPreferencesInput {
        ContactPreferencesInput {
            channel: channel.into(),
            phone: "07700 900123".into(),
            email: "sam@example.org".into(),
            consent: consent.into(),
            may_name_service: String::new(),
        }
    }

    #[test]
    fn a_channel_needs_consent() {
        let errs = ContactPreferences::parse(&input("text", "")).unwrap_err();
        assert_eq!(errs[0].field, "consent");
        let ok = ContactPreferences::parse(&input("text", "yes")).unwrap();
        assert_eq!(ok.channel, Channel::Text);
        assert!(!ok.may_name_service);
        assert_eq!(ok.address.as_deref(), Some("+447700900123"));
    }

    #[test]
    fn none_needs_no_consent_or_address() {
        let ok = ContactPreferences::parse(&input("none", "")).unwrap();
        assert_eq!(ok.address, None);
        assert!(why_not_contactable(Some(&ok)).is_some());
        assert!(why_not_contactable(None).is_some());
    }

    #[test]
    fn email_must_be_valid() {
        let mut i = input("email", "yes");
        i.email = "not an address".into();
        let errs = ContactPreferences::parse(&i).unwrap_err();
        assert_eq!(errs[0].field, "email");
    }

    #[test]
    fn reminder_hides_the_service_unless_allowed() {
        let (s, b) = appointment_reminder("Friday 20 November at 10:00am", "the library", false);
        assert!(!s.contains("RECONNECT") && !b.contains("RECONNECT"));
        let (_, b) = appointment_reminder("Friday 20 November at 10:00am", "the library", true);
        assert!(b.contains("RECONNECT"));
        let (_, b) =
            appointment_reminder("Friday 20 November at 10:00am", "Reconnect office", false);
        assert!(!b.to_ascii_lowercase().contains("reconnect"));
        assert!(b.contains("the place you agreed"));
    }

    #[test]
    fn back_off_doubles_then_gives_up() {
        let t = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(next_attempt(t, 1), Some(t + Duration::minutes(1)));
        assert_eq!(next_attempt(t, 2), Some(t + Duration::minutes(2)));
        assert_eq!(next_attempt(t, 5), Some(t + Duration::minutes(16)));
        assert_eq!(next_attempt(t, MAX_ATTEMPTS), None);
    }
}
