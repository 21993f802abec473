//! Demo contact preferences, so the job runner inside `serve --demo` has
//! someone to remind: some people chose text messages (most without the
//! service named, as a text shows on a locked screen), some email, some
//! asked for no messages, and some have not been asked yet (so their
//! messages page says why nothing can be sent). Numbers are from Ofcom's
//! range for drama (07700 900xxx) and addresses are at example.org, so no
//! real person can be contacted. What a person gets depends only on the
//! seed and their place in the demo (`n`).

use anyhow::Context;
use reconnect_domain::message::{Channel, ContactPreferences};
use reconnect_domain::{Caller, PersonId};
use reconnect_store::Store;

/// How many people get contact preferences.
const MAX_PEOPLE: usize = 400;

/// Records the `n`th demo person's contact preferences, if they have any.
pub(super) async fn add(
    store: &Store,
    caller: &Caller,
    person: PersonId,
    seed: u64,
    n: usize,
) -> anyhow::Result<()> {
    if n >= MAX_PEOPLE {
        return Ok(());
    }
    let pick = (seed as usize).wrapping_add(n) % 6;
    let prefs = match pick {
        0..=2 => ContactPreferences {
            channel: Channel::Text,
            address: Some(format!("+447700900{:03}", n % 1000)),
            may_name_service: pick == 2,
        },
        3 => ContactPreferences {
            channel: Channel::Email,
            address: Some(format!("demo.person{n}@example.org")),
            may_name_service: true,
        },
        4 => ContactPreferences {
            channel: Channel::None,
            address: None,
            may_name_service: false,
        },
        _ => return Ok(()),
    };
    store
        .record_contact_preferences(caller, person, &prefs)
        .await
        .context("recording demo contact preferences")?;
    Ok(())
}
