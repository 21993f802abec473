//! Places on the Earth and the distances between them, for "services near a
//! postcode". Distances are great-circle distances on a sphere of the Earth's
//! mean radius (haversine), which is well within a metre per kilometre of the
//! true distance at UK latitudes: good enough to order services by how far
//! someone has to travel.

use serde::{Deserialize, Serialize};

/// The Earth's mean radius in metres (IUGG).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The widest search radius the service accepts, in metres.
pub const MAX_PROXIMITY_M: u32 = 200_000;

/// A latitude and longitude in decimal degrees (WGS 84).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Coordinates {
    pub latitude: f64,
    pub longitude: f64,
}

#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
pub enum CoordinatesError {
    #[error("Latitude must be between -90 and 90 degrees")]
    Latitude,
    #[error("Longitude must be between -180 and 180 degrees")]
    Longitude,
}

/// The smallest latitude/longitude box holding every point within a radius:
/// a cheap, indexable first filter before the exact distance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoundingBox {
    pub min_latitude: f64,
    pub max_latitude: f64,
    pub min_longitude: f64,
    pub max_longitude: f64,
}

impl Coordinates {
    pub fn new(latitude: f64, longitude: f64) -> Result<Self, CoordinatesError> {
        if !(-90.0..=90.0).contains(&latitude) {
            return Err(CoordinatesError::Latitude);
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err(CoordinatesError::Longitude);
        }
        Ok(Self {
            latitude,
            longitude,
        })
    }

    /// Great-circle distance in metres.
    pub fn distance_m(self, other: Coordinates) -> f64 {
        let (p1, p2) = (self.latitude.to_radians(), other.latitude.to_radians());
        let dp = p2 - p1;
        let dl = (other.longitude - self.longitude).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
    }

    /// The box that holds every point within `radius_m` of here. Near the
    /// poles (not in the UK) it widens to every longitude.
    pub fn bounding_box(self, radius_m: f64) -> BoundingBox {
        let dlat = (radius_m / EARTH_RADIUS_M).to_degrees();
        let cos_lat = self.latitude.to_radians().cos();
        let dlon = if cos_lat < 1e-6 {
            180.0
        } else {
            (dlat / cos_lat).min(180.0)
        };
        BoundingBox {
            min_latitude: (self.latitude - dlat).max(-90.0),
            max_latitude: (self.latitude + dlat).min(90.0),
            min_longitude: self.longitude - dlon,
            max_longitude: self.longitude + dlon,
        }
    }
}

impl BoundingBox {
    pub fn contains(&self, c: Coordinates) -> bool {
        (self.min_latitude..=self.max_latitude).contains(&c.latitude)
            && (self.min_longitude..=self.max_longitude).contains(&c.longitude)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(lat: f64, lon: f64) -> Coordinates {
        Coordinates::new(lat, lon).unwrap()
    }

    #[test]
    fn known_distances_between_uk_places() {
        // London (Charing Cross) to Manchester (Piccadilly): about 262 km.
        let london = c(51.5074, -0.1278);
        let manchester = c(53.4808, -2.2426);
        let d = london.distance_m(manchester);
        assert!((d - 262_000.0).abs() < 2_000.0, "{d}");
        // One minute of latitude is about one nautical mile (1,852 m).
        let d = c(52.0, -1.0).distance_m(c(52.0 + 1.0 / 60.0, -1.0));
        assert!((d - 1_853.0).abs() < 5.0, "{d}");
        assert_eq!(london.distance_m(london), 0.0);
    }

    #[test]
    fn out_of_range_coordinates_are_refused() {
        assert_eq!(Coordinates::new(91.0, 0.0), Err(CoordinatesError::Latitude));
        assert_eq!(
            Coordinates::new(0.0, -180.5),
            Err(CoordinatesError::Longitude)
        );
    }

    proptest! {
        #[test]
        fn every_point_within_the_radius_is_inside_the_box(
            lat in 49.0f64..61.0, lon in -8.0f64..2.0,
            bearing in 0.0f64..360.0, frac in 0.0f64..1.0, radius in 100.0f64..100_000.0,
        ) {
            let centre = c(lat, lon);
            // Walk `frac * radius` along `bearing` on the sphere.
            let delta = frac * radius / EARTH_RADIUS_M;
            let (p1, l1, th) = (lat.to_radians(), lon.to_radians(), bearing.to_radians());
            let p2 = (p1.sin() * delta.cos() + p1.cos() * delta.sin() * th.cos()).asin();
            let l2 = l1 + (th.sin() * delta.sin() * p1.cos()).atan2(delta.cos() - p1.sin() * p2.sin());
            let point = c(p2.to_degrees(), l2.to_degrees());
            prop_assert!(centre.distance_m(point) <= radius + 1e-6);
            prop_assert!(centre.bounding_box(radius).contains(point));
        }

        #[test]
        fn distance_is_symmetric(a in 49.0f64..61.0, b in -8.0f64..2.0, x in 49.0f64..61.0, y in -8.0f64..2.0) {
            let (p, q) = (c(a, b), c(x, y));
            prop_assert!((p.distance_m(q) - q.distance_m(p)).abs() < 1e-6);
        }
    }
}
