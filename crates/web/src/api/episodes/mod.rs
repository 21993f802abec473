//! Episodes of support in the API: list a person's episodes, start one, read
//! one with its history, act on one, and change its expected release date.
//!
//! Every change names the episode's `version` as the caller last read it.
//! Refusals by the journey's rules and changes made by someone else in the
//! meantime are `409` problem documents whose `detail` says why; bad input is
//! `422` naming each field. Ids in the path are checked before the body, so
//! a record outside the caller's sites is `404` whatever is sent.

mod action_body;
pub(super) mod actions;
mod json;
pub(super) mod read;
pub(super) mod release_date;
pub(super) mod start;

pub use action_body::{
    ActionJson, CloseJson, DeclineJson, ExtendJson, MarkReleasedJson, ReturnToCustodyJson,
    TransferSiteJson, VersionOnly, WithdrawJson,
};
pub use actions::{act, ActionResultJson};
pub use json::{EpisodeDetailJson, EpisodeEventJson, EpisodeJson};
pub use read::{list, show};
pub use release_date::{change_release_date, ReleaseDateJson};
pub use start::{start, StartEpisodeJson};

use self::json::episode_json;
use crate::{ApiError, AppState};
use reconnect_domain::{EpisodeId, FieldError, PersonId};
use reconnect_store::episodes::Episode;
use serde::de::DeserializeOwned;
use serde_json::Value;

async fn to_json(state: &AppState, e: Episode) -> Result<EpisodeJson, ApiError> {
    let windows = state.store().site_windows(e.site_id).await?;
    Ok(episode_json(e, state.store().now().date(), &windows))
}

fn person_id(raw: &str) -> Result<PersonId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

fn episode_id(raw: &str) -> Result<EpisodeId, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found())
}

/// Reads a body into `T`, naming the field of every problem serde finds.
fn from_body<T: DeserializeOwned>(body: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let field = if path == "." || path.is_empty() {
            // "missing field `on`", "unknown field `x`, expected ..."
            message
                .split('`')
                .nth(1)
                .filter(|_| message.contains("field `"))
                .unwrap_or("body")
                .to_string()
        } else {
            path
        };
        ApiError::invalid(vec![FieldError::new(field, message)])
    })
}
