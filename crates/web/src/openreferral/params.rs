//! The feed's query parameters, checked: page and per_page, the service
//! filters, and postcode with proximity.

use crate::ApiError;
use reconnect_domain::geo::MAX_PROXIMITY_M;
use reconnect_domain::openreferral::validate::parse_time_of_day;
use reconnect_domain::openreferral::PageRequest;
use reconnect_domain::postcode::Postcode;
use reconnect_domain::FieldError;
use reconnect_store::directory::ServiceFilter;
use std::collections::HashMap;

/// The query string as name → value (the last of repeated names wins).
pub(super) struct Params(HashMap<String, String>);

impl Params {
    pub(super) fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default())
            .map_err(|_| ApiError::bad_request("The query string could not be read"))?;
        Ok(Self(
            pairs
                .into_iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .collect(),
        ))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub(super) fn page(&self) -> Result<PageRequest, ApiError> {
        PageRequest::parse(self.get("page"), self.get("per_page"))
            .map_err(|e| ApiError::bad_request(e.to_string()))
    }

    fn age(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|a| (0..=130).contains(a))
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "{name} must be a whole number of years from 0 to 130"
                        ))
                    })
            })
            .transpose()
    }

    pub(super) fn service_filter(&self) -> Result<ServiceFilter, ApiError> {
        let day = match self.get("day") {
            None => None,
            Some(d) => Some(day_code(d).ok_or_else(|| {
                ApiError::bad_request("day must be a day of the week, like MO or monday")
            })?),
        };
        let id = |name: &str| -> Result<Option<String>, ApiError> {
            self.get(name)
                .map(|v| {
                    uuid::Uuid::parse_str(v.trim())
                        .map(|u| u.to_string())
                        .map_err(|_| ApiError::bad_request(format!("{name} must be a UUID")))
                })
                .transpose()
        };
        let time = |name: &str| -> Result<Option<String>, ApiError> {
            self.get(name)
                .map(|v| {
                    parse_time_of_day(v.trim())
                        .map(|m| format!("{:02}:{:02}", m / 60, m % 60))
                        .ok_or_else(|| {
                            ApiError::bad_request(format!("{name} must be a time like 09:30"))
                        })
                })
                .transpose()
        };
        Ok(ServiceFilter {
            search: self.get("search").map(str::to_string),
            taxonomy_term_id: id("taxonomy_term_id")?,
            taxonomy_id: id("taxonomy_id")?,
            minimum_age: self.age("minimum_age")?,
            maximum_age: self.age("maximum_age")?,
            day,
            start_time: time("start_time")?,
            end_time: time("end_time")?,
        })
    }

    /// The postcode to measure from, and the radius (metres) if given.
    pub(super) fn near(&self) -> Result<Option<(Postcode, Option<u32>)>, ApiError> {
        let proximity = match self.get("proximity") {
            None => None,
            Some(p) => {
                let metres = p
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|m| m.is_finite())
                    .ok_or_else(|| ApiError::bad_request("proximity must be a number of metres"))?;
                if !(1.0..=f64::from(MAX_PROXIMITY_M)).contains(&metres) {
                    return Err(ApiError::invalid(vec![FieldError::new(
                        "proximity",
                        format!("proximity must be from 1 to {MAX_PROXIMITY_M} metres"),
                    )]));
                }
                Some(metres.round() as u32)
            }
        };
        match (self.get("postcode"), proximity) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err(ApiError::bad_request(
                "proximity needs a postcode to measure from",
            )),
            (Some(p), proximity) => {
                let postcode = Postcode::parse(p).map_err(|e| {
                    ApiError::bad_request(format!("postcode {p:?} is not a UK postcode: {e}"))
                })?;
                Ok(Some((postcode, proximity)))
            }
        }
    }
}

fn day_code(d: &str) -> Option<String> {
    let d = d.trim().to_ascii_uppercase();
    const DAYS: &[(&str, &str)] = &[
        ("MO", "MONDAY"),
        ("TU", "TUESDAY"),
        ("WE", "WEDNESDAY"),
        ("TH", "THURSDAY"),
        ("FR", "FRIDAY"),
        ("SA", "SATURDAY"),
        ("SU", "SUNDAY"),
    ];
    DAYS.iter()
        .find(|(code, name)| d == *code || d == *name)
        .map(|(code, _)| (*code).to_string())
}
