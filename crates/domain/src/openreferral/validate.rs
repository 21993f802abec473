//! The checks every incoming directory record must pass before anything is
//! stored: ids are UUIDs, required text is present, values come from the
//! profile's lists, ages, coordinates, dates and times make sense. Each
//! problem names the record and field as `table[id].field`, so a feed's author
//! can find it. References to records elsewhere (an organisation, a taxonomy
//! term) are checked by the store, which can see what already exists.

use super::model::*;
use super::tables::Tables;
use super::STATUSES;
use crate::validation::FieldError;
use time::format_description::well_known::Rfc3339;

struct Check<'a> {
    table: &'static str,
    id: &'a str,
    errors: &'a mut Vec<FieldError>,
}

impl Check<'_> {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(
            format!("{}[{}].{field}", self.table, self.id),
            message,
        ));
    }

    fn id(&mut self) {
        if uuid::Uuid::parse_str(self.id).is_err() {
            self.add("id", "The id must be a UUID");
        }
    }

    fn reference(&mut self, field: &str, value: Option<&str>, required: bool) {
        match value {
            Some(v) if uuid::Uuid::parse_str(v).is_err() => {
                self.add(field, "This must be the UUID of another record")
            }
            None if required => self.add(field, "This record must say which record it belongs to"),
            _ => {}
        }
    }

    fn text(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.add(field, "This must not be empty");
        }
    }

    fn one_of(&mut self, field: &str, value: Option<&str>, allowed: &[&str]) {
        if let Some(v) = value {
            if !allowed.contains(&v) {
                self.add(
                    field,
                    format!("{v:?} is not one of: {}", allowed.join(", ")),
                );
            }
        }
    }

    fn email(&mut self, field: &str, value: Option<&str>) {
        if let Some(v) = value {
            let ok = match v.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && domain.contains('.')
                        && !domain.contains('@')
                        && !v.contains(char::is_whitespace)
                }
                None => false,
            };
            if !ok {
                self.add(field, "Enter an email address like name@example.org");
            }
        }
    }

    fn url(&mut self, field: &str, value: Option<&str>) {
        if let Some(v) = value {
            let ok = (v.starts_with("https://") || v.starts_with("http://"))
                && !v.contains(char::is_whitespace);
            if !ok {
                self.add(
                    field,
                    "Enter a web address starting with https:// or http://",
                );
            }
        }
    }

    fn date(&mut self, field: &str, value: Option<&str>) {
        if let Some(v) = value {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            if time::Date::parse(v, format).is_err() {
                self.add(field, "Enter a date as YYYY-MM-DD");
            }
        }
    }

    fn time_of_day(&mut self, field: &str, value: Option<&str>) {
        if let Some(v) = value {
            if parse_time_of_day(v).is_none() {
                self.add(field, "Enter a time as HH:MM or HH:MM:SS");
            }
        }
    }
}

/// Minutes after midnight of `HH:MM` or `HH:MM:SS` (a trailing `Z` is allowed).
pub fn parse_time_of_day(v: &str) -> Option<u32> {
    let v = v.strip_suffix('Z').unwrap_or(v);
    let parts: Vec<&str> = v.split(':').collect();
    let num = |s: &str, max: u32| {
        (s.len() == 2)
            .then(|| s.parse::<u32>().ok())
            .flatten()
            .filter(|n| *n <= max)
    };
    match parts.as_slice() {
        [h, m] | [h, m, _] => {
            if let [_, _, s] = parts.as_slice() {
                num(s, 59)?;
            }
            Some(num(h, 23)? * 60 + num(m, 59)?)
        }
        _ => None,
    }
}

const DAYS: &[&str] = &["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

fn byday_ok(v: &str) -> bool {
    v.split(',').all(|token| {
        let token = token.trim();
        let day = token.trim_start_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
        DAYS.contains(&day)
    })
}

/// Checks every record of a feed; an empty list means it may be stored.
pub fn validate(t: &Tables) -> Vec<FieldError> {
    let mut errors = Vec::new();
    macro_rules! each {
        ($list:expr, $table:literal, |$x:ident, $c:ident| $body:block) => {
            for $x in &$list {
                let mut $c = Check {
                    table: $table,
                    id: &$x.id,
                    errors: &mut errors,
                };
                $c.id();
                $body
            }
        };
    }
    each!(t.taxonomies, "taxonomies", |x, c| {
        c.text("name", &x.name);
        c.text("description", &x.description);
        c.url("uri", x.uri.as_deref());
    });
    each!(t.taxonomy_terms, "taxonomy_terms", |x, c| {
        c.text("name", &x.name);
        c.text("description", &x.description);
        c.reference("parent_id", x.parent_id.as_deref(), false);
        c.reference("taxonomy_id", x.taxonomy_id.as_deref(), false);
        c.url("term_uri", x.term_uri.as_deref());
    });
    each!(t.organizations, "organizations", |x, c| {
        c.text("name", &x.name);
        c.text("description", &x.description);
        c.email("email", x.email.as_deref());
        c.url("website", x.website.as_deref());
        c.url("uri", x.uri.as_deref());
        c.reference(
            "parent_organization_id",
            x.parent_organization_id.as_deref(),
            false,
        );
    });
    each!(
        t.organization_identifiers,
        "organization_identifiers",
        |x, c| {
            c.reference("organization_id", x.organization_id.as_deref(), true);
            c.text("identifier_type", &x.identifier_type);
            c.text("identifier", &x.identifier);
        }
    );
    each!(t.services, "services", |x, c| {
        check_service(x, &mut c);
    });
    each!(t.locations, "locations", |x, c| {
        c.one_of(
            "location_type",
            Some(&x.location_type),
            &["physical", "postal", "virtual"],
        );
        c.reference("organization_id", x.organization_id.as_deref(), false);
        match (x.latitude, x.longitude) {
            (Some(lat), Some(lon)) => {
                if let Err(e) = crate::geo::Coordinates::new(lat, lon) {
                    let field = match e {
                        crate::geo::CoordinatesError::Latitude => "latitude",
                        crate::geo::CoordinatesError::Longitude => "longitude",
                    };
                    c.add(field, e.to_string());
                }
            }
            (None, None) => {}
            (None, Some(_)) => c.add("latitude", "Give both latitude and longitude, or neither"),
            (Some(_), None) => c.add("longitude", "Give both latitude and longitude, or neither"),
        }
    });
    each!(t.service_at_locations, "service_at_locations", |x, c| {
        c.reference("service_id", x.service_id.as_deref(), true);
        c.reference("location_id", x.location_id.as_deref(), true);
    });
    each!(t.addresses, "addresses", |x, c| {
        c.reference("location_id", x.location_id.as_deref(), true);
        for (field, value) in [
            ("address_1", &x.address_1),
            ("city", &x.city),
            ("state_province", &x.state_province),
            ("postal_code", &x.postal_code),
            ("country", &x.country),
        ] {
            c.text(field, value);
        }
        c.one_of(
            "address_type",
            Some(&x.address_type),
            &["physical", "postal", "virtual"],
        );
    });
    each!(t.accessibility, "accessibility", |x, c| {
        c.reference("location_id", x.location_id.as_deref(), true);
        c.url("url", x.url.as_deref());
    });
    each!(t.contacts, "contacts", |x, c| {
        c.email("email", x.email.as_deref());
        c.reference("service_id", x.service_id.as_deref(), false);
        c.reference("organization_id", x.organization_id.as_deref(), false);
    });
    each!(t.phones, "phones", |x, c| {
        c.text("number", &x.number);
        c.reference("contact_id", x.contact_id.as_deref(), false);
        c.reference("service_id", x.service_id.as_deref(), false);
    });
    each!(t.schedules, "schedules", |x, c| {
        c.reference("service_id", x.service_id.as_deref(), false);
        c.reference(
            "service_at_location_id",
            x.service_at_location_id.as_deref(),
            false,
        );
        c.date("valid_from", x.valid_from.as_deref());
        c.date("valid_to", x.valid_to.as_deref());
        c.one_of("freq", x.freq.as_deref(), &["WEEKLY", "MONTHLY"]);
        if x.interval.is_some_and(|i| i < 1) {
            c.add("interval", "The interval must be 1 or more");
        }
        if x.byday.as_deref().is_some_and(|d| !byday_ok(d)) {
            c.add(
                "byday",
                "List days as MO, TU, WE, TH, FR, SA, SU separated by commas",
            );
        }
        c.time_of_day("opens_at", x.opens_at.as_deref());
        c.time_of_day("closes_at", x.closes_at.as_deref());
        c.url("schedule_link", x.schedule_link.as_deref());
    });
    each!(t.service_areas, "service_areas", |x, c| {
        c.reference("service_id", x.service_id.as_deref(), false);
    });
    each!(t.languages, "languages", |x, c| {
        c.reference("service_id", x.service_id.as_deref(), false);
        c.reference("phone_id", x.phone_id.as_deref(), false);
    });
    each!(t.cost_options, "cost_options", |x, c| {
        c.reference("service_id", x.service_id.as_deref(), true);
        c.date("valid_from", x.valid_from.as_deref());
        c.date("valid_to", x.valid_to.as_deref());
        if x.amount.is_some_and(|a| !(a >= 0.0 && a.is_finite())) {
            c.add("amount", "The amount must be zero or more");
        }
    });
    each!(t.funding, "funding", |x, c| {
        c.reference("service_id", x.service_id.as_deref(), false);
        c.reference("organization_id", x.organization_id.as_deref(), false);
    });
    each!(t.attributes, "attributes", |x, c| {
        c.reference("link_id", x.link_id.as_deref(), true);
        c.reference("taxonomy_term_id", x.taxonomy_term_id.as_deref(), true);
        match x.link_entity.as_deref() {
            Some(e) if !e.trim().is_empty() => {}
            _ => c.add("link_entity", "Say which table the attribute links to"),
        }
    });
    errors
}

fn check_service(x: &Service, c: &mut Check<'_>) {
    c.text("name", &x.name);
    c.one_of("status", Some(&x.status), STATUSES);
    c.reference("organization_id", x.organization_id.as_deref(), false);
    c.url("url", x.url.as_deref());
    c.email("email", x.email.as_deref());
    c.email("assurer_email", x.assurer_email.as_deref());
    c.date("assured_date", x.assured_date.as_deref());
    for (field, age) in [
        ("minimum_age", x.minimum_age),
        ("maximum_age", x.maximum_age),
    ] {
        if age.is_some_and(|a| !(0..=130).contains(&a)) {
            c.add(field, "An age must be from 0 to 130");
        }
    }
    if let (Some(min), Some(max)) = (x.minimum_age, x.maximum_age) {
        if min > max {
            c.add(
                "maximum_age",
                "The maximum age must not be below the minimum age",
            );
        }
    }
    if let Some(genders) = x.eligible_genders.as_deref() {
        if genders
            .split(',')
            .any(|g| !["women", "men", "non_binary"].contains(&g.trim()))
        {
            c.add(
                "eligible_genders",
                "List any of women, men, non_binary separated by commas",
            );
        }
    }
    if let Some(v) = x.last_modified.as_deref() {
        if time::OffsetDateTime::parse(v, &Rfc3339).is_err() {
            c.add(
                "last_modified",
                "Enter a date and time like 2024-03-15T10:30:45.123Z",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "ac148810-d857-441c-9679-408f346de14b";

    #[test]
    fn problems_name_the_record_and_field() {
        let mut t = Tables::default();
        t.add_service(Service {
            id: ID.into(),
            name: " ".into(),
            status: "open".into(),
            minimum_age: Some(30),
            maximum_age: Some(18),
            schedules: vec![Schedule {
                id: "not-a-uuid".into(),
                opens_at: Some("25:00".into()),
                byday: Some("MO,XX".into()),
                ..Default::default()
            }],
            ..Default::default()
        });
        let fields: Vec<String> = validate(&t).into_iter().map(|e| e.field).collect();
        for expected in [
            format!("services[{ID}].name"),
            format!("services[{ID}].status"),
            format!("services[{ID}].maximum_age"),
            "schedules[not-a-uuid].id".to_string(),
            "schedules[not-a-uuid].opens_at".to_string(),
            "schedules[not-a-uuid].byday".to_string(),
        ] {
            assert!(
                fields.contains(&expected),
                "{expected} missing from {fields:?}"
            );
        }
    }

    #[test]
    fn times_of_day_are_checked() {
        assert_eq!(parse_time_of_day("09:30"), Some(570));
        assert_eq!(parse_time_of_day("18:00:00"), Some(1080));
        assert_eq!(parse_time_of_day("24:00"), None);
        assert_eq!(parse_time_of_day("9:30"), None);
        assert!(byday_ok("MO,TU,1FR,-1SU"));
        assert!(!byday_ok("Monday"));
    }
}
