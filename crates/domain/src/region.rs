//! The seven NHS England regions, which group RECONNECT sites for national figures.

use serde::{Deserialize, Serialize};
use std::str::FromStr;
use utoipa::ToSchema;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    NorthEastAndYorkshire,
    NorthWest,
    Midlands,
    EastOfEngland,
    London,
    SouthEast,
    SouthWest,
}

impl Region {
    pub const ALL: [Region; 7] = [
        Region::NorthEastAndYorkshire,
        Region::NorthWest,
        Region::Midlands,
        Region::EastOfEngland,
        Region::London,
        Region::SouthEast,
        Region::SouthWest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Region::NorthEastAndYorkshire => "north_east_and_yorkshire",
            Region::NorthWest => "north_west",
            Region::Midlands => "midlands",
            Region::EastOfEngland => "east_of_england",
            Region::London => "london",
            Region::SouthEast => "south_east",
            Region::SouthWest => "south_west",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Region::NorthEastAndYorkshire => "North East and Yorkshire",
            Region::NorthWest => "North West",
            Region::Midlands => "Midlands",
            Region::EastOfEngland => "East of England",
            Region::London => "London",
            Region::SouthEast => "South East",
            Region::SouthWest => "South West",
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("Choose an NHS England region")]
pub struct UnknownRegion;

impl FromStr for Region {
    type Err = UnknownRegion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or(UnknownRegion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_region() {
        for r in Region::ALL {
            assert_eq!(r.as_str().parse::<Region>().unwrap(), r);
        }
        assert!("wales".parse::<Region>().is_err());
    }
}
