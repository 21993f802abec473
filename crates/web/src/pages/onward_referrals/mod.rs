//! Onward referrals on the pages (issue 5): an episode's referrals, the form
//! to draft one (from a need and a directory service, choosing what to
//! share, with the consent it needs in plain English), the referral page
//! with its history, snapshot and a form for each allowed next step, the
//! printable letter (HTML and PDF, showing only what was shared), and the
//! site's open referrals and measures.
//!
//! Every page lives under its episode's address and checks the referral
//! belongs to that episode; the store decides scope and audits each read.

mod actions;
mod draft;
mod letter;
mod pdf;
mod site;
mod view;

pub use actions::{act, ActionForm};
pub use draft::{create, list, new_form, DraftForm, NewQuery};
pub use letter::{letter, letter_pdf};
pub use site::{measures, open_referrals};
pub use view::show;

use crate::pages::contacts::{context, EpisodeContext};
use crate::view::Page;
use crate::{AppState, PageError};
use reconnect_domain::id::OnwardReferralId;
use reconnect_domain::onward_referral::State;
use reconnect_store::onward_referrals::OnwardReferral;

/// The referral named in the address, when it is on the episode named there
/// and at one of the caller's sites. `letter` reads it for its letter.
async fn load(
    state: &AppState,
    p: &Page,
    ids: &(String, String, String),
    letter: bool,
) -> Result<(EpisodeContext, OnwardReferral), PageError> {
    let (person_id, episode_id, referral) = ids;
    let cx = context(state, p, person_id, episode_id).await?;
    let rid: OnwardReferralId = referral.parse().map_err(|_| PageError::NotFound)?;
    let caller = &p.identity()?.caller;
    let store = state.store();
    let r = if letter {
        store.onward_referral_letter(caller, rid).await?
    } else {
        store.onward_referral(caller, rid).await?
    };
    if r.episode_id != cx.episode_id {
        return Err(PageError::NotFound);
    }
    Ok((cx, r))
}

/// The address of a referral's page.
fn href(cx: &EpisodeContext, id: OnwardReferralId) -> String {
    format!("{}/onward-referrals/{id}", cx.episode_href)
}

/// The NHS.UK tag colour for a state.
pub(crate) fn tag_class(s: State) -> &'static str {
    match s {
        State::Draft => "nhsuk-tag--grey",
        State::Sent => "nhsuk-tag--blue",
        State::Accepted | State::Booked => "nhsuk-tag--aqua-green",
        State::Attended | State::Closed => "nhsuk-tag--green",
        State::Declined | State::DidNotAttend => "nhsuk-tag--orange",
        State::Withdrawn => "nhsuk-tag--white",
    }
}
