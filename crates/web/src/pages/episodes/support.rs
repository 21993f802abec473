//! The "Support" section of a person's page: their open episode in full,
//! their earlier episodes, and the referral form when they have none open.

use super::{can_change, episode_href, site_names, tag_class};
use super::{episode_view, EpisodeView, ReferralForm, ViewContext};
use crate::view::{date, Page};
use crate::{AppState, PageError};
use reconnect_domain::EpisodeId;
use reconnect_store::episodes::EpisodeEvent;
use reconnect_store::people::Person;
use std::collections::HashMap;

/// An earlier episode in the person's list.
pub struct EarlierEpisode {
    pub href: String,
    pub state_label: &'static str,
    pub tag_class: &'static str,
    pub referred_on: String,
    pub last_change: String,
}

/// The person page's "Support" section.
pub struct Support {
    pub current: Option<EpisodeView>,
    pub earlier: Vec<EarlierEpisode>,
    /// The referral form, when there is no open episode and the caller may refer.
    pub referral: Option<ReferralForm>,
    /// Each episode's history as read for this section, newest episode
    /// first, so the page's timeline need not read it again.
    pub histories: Vec<(EpisodeId, Vec<EpisodeEvent>)>,
}

/// Builds the "Support" section of a person's page. `referral` is the form
/// as sent, when it is being shown again with errors.
pub async fn support_section(
    state: &AppState,
    p: &Page,
    person: &Person,
    referral: Option<ReferralForm>,
) -> Result<Support, PageError> {
    let id = p.identity()?;
    let store = state.store();
    let episodes = store.episodes_of(&id.caller, person.summary.id).await?;
    let names = site_names(state).await?;
    let referred_on: HashMap<EpisodeId, String> = episodes
        .iter()
        .map(|e| (e.id, date(e.created_at.date())))
        .collect();
    let writer = can_change(p, person)?;
    let cx = ViewContext {
        today: store.now().date(),
        site_names: &names,
        referred_on: &referred_on,
        can_change: writer,
    };
    let mut current = None;
    let mut earlier = Vec::new();
    let mut histories = Vec::with_capacity(episodes.len());
    for ep in &episodes {
        let history = store.episode_history(&id.caller, ep.id).await?;
        if current.is_none() && !ep.state.is_terminal() {
            let windows = store.site_windows(ep.site_id).await?;
            current = Some(episode_view(ep, history.clone(), &windows, &cx));
        } else {
            earlier.push(EarlierEpisode {
                href: episode_href(ep.person_id, ep.id),
                state_label: ep.state.label(),
                tag_class: tag_class(ep.state),
                referred_on: date(ep.created_at.date()),
                last_change: history
                    .last()
                    .map(|e| format!("{} ({})", e.summary, date(e.at.date())))
                    .unwrap_or_default(),
            });
        }
        histories.push((ep.id, history));
    }
    let referral = (current.is_none() && writer).then(|| {
        let mut form = referral.unwrap_or_default();
        form.linked = !episodes.is_empty();
        form
    });
    Ok(Support {
        current,
        earlier,
        referral,
        histories,
    })
}
