//! The feed's endpoints. Each answers JSON in the profile's shapes (see
//! `reconnect_domain::openreferral`), or a problem document.

use super::params::Params;
use super::public;
use crate::{ApiError, AppState};
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use reconnect_domain::geo::MAX_PROXIMITY_M;
use reconnect_domain::openreferral::{self as or, Page, PageRequest};
use reconnect_domain::FieldError;
use reconnect_store::directory::Near;
use serde::Serialize;

#[derive(Serialize)]
struct About {
    version: &'static str,
    profile: &'static str,
    openapi_url: &'static str,
}

/// `GET /openreferral/`: which version and profile this feed speaks.
pub async fn about() -> Response {
    public(Ok::<_, ApiError>(About {
        version: or::VERSION,
        profile: or::PROFILE_URL,
        openapi_url: or::OPENAPI_URL,
    }))
}

fn within<T>(page: PageRequest, result: Page<T>) -> Result<Page<T>, ApiError> {
    page.check_within(result.total_items)
        .map_err(|e| ApiError::not_found().detail(e.to_string()))?;
    Ok(result)
}

/// `GET /openreferral/services`: a page of services (own fields and organisation).
pub async fn services(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    public(
        async {
            let p = Params::parse(q.as_deref())?;
            let (page, filter) = (p.page()?, p.service_filter()?);
            within(page, state.store().directory_services(&filter, page).await?)
        }
        .await,
    )
}

/// `GET /openreferral/services/{service_id}`: one service, fully nested.
pub async fn service(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    public(
        state
            .store()
            .directory_service(&id)
            .await
            .map_err(|e| not_found(e, "service")),
    )
}

fn not_found(e: reconnect_store::StoreError, what: &str) -> ApiError {
    match e {
        reconnect_store::StoreError::NotFound => {
            ApiError::not_found().detail(format!("There is no {what} with this id"))
        }
        other => other.into(),
    }
}

/// `GET /openreferral/service_at_locations`: a page of services at
/// locations; with `postcode` (and `proximity` in metres, at most
/// 200,000) nearest first, each with its `distance` in metres.
pub async fn service_at_locations(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Response {
    public(
        async {
            let p = Params::parse(q.as_deref())?;
            let (page, filter, near) = (p.page()?, p.service_filter()?, p.near()?);
            let near = match near {
                None => None,
                Some((postcode, radius)) => {
                    let point = state
                        .store()
                        .postcode_coordinates(&postcode)
                        .await?
                        .ok_or_else(|| {
                            ApiError::invalid(vec![FieldError::new(
                                "postcode",
                                format!("We do not know where {postcode} is"),
                            )])
                        })?;
                    Some(Near {
                        point,
                        radius_m: f64::from(radius.unwrap_or(MAX_PROXIMITY_M)),
                    })
                }
            };
            within(
                page,
                state
                    .store()
                    .directory_service_at_locations(&filter, near, page)
                    .await?,
            )
        }
        .await,
    )
}

/// `GET /openreferral/service_at_locations/{service_at_location_id}`.
pub async fn service_at_location(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Response {
    public(
        state
            .store()
            .directory_service_at_location(&id)
            .await
            .map_err(|e| not_found(e, "service at location")),
    )
}

/// `GET /openreferral/taxonomies`.
pub async fn taxonomies(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    public(
        async {
            let page = Params::parse(q.as_deref())?.page()?;
            within(page, state.store().directory_taxonomies(page).await?)
        }
        .await,
    )
}

/// `GET /openreferral/taxonomies/{taxonomy_id}`: a taxonomy with its terms.
pub async fn taxonomy(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    public(
        state
            .store()
            .directory_taxonomy(&id)
            .await
            .map_err(|e| not_found(e, "taxonomy")),
    )
}

/// `GET /openreferral/taxonomy_terms`.
pub async fn taxonomy_terms(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    public(
        async {
            let page = Params::parse(q.as_deref())?.page()?;
            within(page, state.store().directory_taxonomy_terms(page).await?)
        }
        .await,
    )
}

/// `GET /openreferral/taxonomy_terms/{taxonomy_term_id}`.
pub async fn taxonomy_term(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    public(
        state
            .store()
            .directory_taxonomy_term(&id)
            .await
            .map_err(|e| not_found(e, "taxonomy term")),
    )
}
