//! `GET /directory`: the search form and its results. Every problem with
//! the search (a postcode that is not real or not known, a distance out of
//! range, an age that is not a number) is shown in the error summary and
//! by its field, with the form kept as typed.

use super::{checked_words, service_href, Carried};
use crate::view::{render, Layout, Page, SelectOption};
use crate::{AppState, PageError};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use reconnect_domain::geo::MAX_PROXIMITY_M;
use reconnect_domain::postcode::Postcode;
use reconnect_domain::service_taxonomy::{by_code, by_id, TERMS};
use reconnect_domain::{FieldError, PersonId};
use reconnect_store::directory_person::PersonBasis;
use reconnect_store::directory_search::{AreaKeys, EligibleGender, SearchResults, ServiceQuery};
use serde::{Deserialize, Serialize};

/// The default search radius, in kilometres.
pub const DEFAULT_RADIUS_KM: u32 = 10;
const PER_PAGE: u32 = 20;

/// The search form, as sent (every field is text so each problem can be shown).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub term: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub radius: String,
    #[serde(default)]
    pub open_now: String,
    #[serde(default)]
    pub age: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub page: String,
    #[serde(flatten)]
    pub carried: Carried,
}

pub struct HitRow {
    pub name: String,
    pub href: String,
    pub organisation: Option<String>,
    pub distance: Option<String>,
    pub open_now: Option<bool>,
    pub on_site_list: bool,
    pub needs_checking: bool,
    pub checked: String,
    pub temporarily_closed: bool,
}

#[derive(Template)]
#[template(path = "pages/directory/search.html")]
struct SearchPage {
    layout: Layout,
    errors: Vec<FieldError>,
    form: SearchQuery,
    terms: Vec<SelectOption>,
    genders: Vec<SelectOption>,
    radius: String,
    open_now: bool,
    /// Whose release address and details the search uses.
    person: Option<String>,
    notes: Vec<String>,
    results: Option<Vec<HitRow>>,
    summary: String,
    previous_href: Option<String>,
    next_href: Option<String>,
}

fn distance_words(m: f64) -> String {
    let miles = m / 1_609.344;
    format!("{:.1} km ({:.1} miles)", m / 1000.0, miles)
}

fn term_options(selected: &str) -> Vec<SelectOption> {
    let mut out = vec![SelectOption {
        value: String::new(),
        label: "Any kind of service".into(),
        selected: selected.is_empty(),
    }];
    out.extend(TERMS.iter().map(|t| SelectOption {
        value: t.code.into(),
        label: t.name.into(),
        selected: t.code == selected,
    }));
    out
}

fn gender_options(selected: &str) -> Vec<SelectOption> {
    let mut out = vec![SelectOption {
        value: String::new(),
        label: "Anyone".into(),
        selected: selected.is_empty(),
    }];
    out.extend(EligibleGender::ALL.iter().map(|g| SelectOption {
        value: g.code().into(),
        label: format!("Services for {}", g.label().to_lowercase()),
        selected: g.code() == selected,
    }));
    out
}

/// Reads the radius in kilometres: blank is the default.
fn radius_m(input: &str) -> Result<u32, String> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(DEFAULT_RADIUS_KM * 1000);
    }
    let max_km = MAX_PROXIMITY_M / 1000;
    let msg = || format!("Enter a distance in kilometres from 1 to {max_km}, like 10");
    let km: f64 = s.parse().map_err(|_| msg())?;
    if !km.is_finite() || !(1.0..=f64::from(max_km)).contains(&km) {
        return Err(msg());
    }
    Ok((km * 1000.0).round() as u32)
}

fn age(input: &str) -> Result<Option<i32>, String> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<i32>() {
        Ok(a) if (0..=120).contains(&a) => Ok(Some(a)),
        _ => Err("Enter an age in whole years, like 34".into()),
    }
}

/// The query for the store, or every problem with the form.
async fn build(
    state: &AppState,
    form: &SearchQuery,
    person: Option<&PersonBasis>,
    notes: &mut Vec<String>,
) -> Result<ServiceQuery, Vec<FieldError>> {
    let store = state.store();
    let mut errors = Vec::new();
    let mut q = ServiceQuery {
        text: Some(form.q.trim().chars().take(100).collect::<String>()).filter(|t| !t.is_empty()),
        page: form.page.trim().parse().unwrap_or(1).max(1),
        per_page: PER_PAGE,
        ..ServiceQuery::default()
    };
    let term = form.term.trim();
    if !term.is_empty() {
        match by_code(term).or_else(|| by_id(term)) {
            Some(t) => q.term_id = Some(t.id.into()),
            None => errors.push(FieldError::new(
                "term",
                "Choose a kind of service from the list",
            )),
        }
    }
    match radius_m(&form.radius) {
        Ok(r) => q.radius_m = r,
        Err(m) => errors.push(FieldError::new("radius", m)),
    }
    match age(&form.age) {
        Ok(a) => q.age = a.or(person.map(|p| p.age)),
        Err(m) => errors.push(FieldError::new("age", m)),
    }
    let gender = form.gender.trim();
    if gender.is_empty() {
        q.gender = person.and_then(|p| p.gender);
    } else {
        match EligibleGender::parse(gender) {
            Some(g) => q.gender = Some(g),
            None => errors.push(FieldError::new(
                "gender",
                "Choose who the service is for from the list",
            )),
        }
    }
    if form.open_now == "yes" {
        q.open_at = Some(store.now());
    }
    // Where: the typed postcode, else the person's release address.
    let typed = form.postcode.trim();
    let postcode = if typed.is_empty() {
        let p = person.and_then(|p| p.postcode.clone());
        if let (Some(who), None) = (person, &p) {
            notes.push(format!(
                "{}'s release address has no postcode yet, so services are not sorted by distance. Enter a postcode to search near a place",
                who.name
            ));
        }
        p
    } else {
        match Postcode::parse(typed) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(FieldError::new("postcode", e.to_string()));
                None
            }
        }
    };
    if let Some(p) = &postcode {
        match store.postcode_coordinates(p).await {
            Ok(Some(c)) => q.near = Some(c),
            Ok(None) if typed.is_empty() => notes.push(format!(
                "We could not find where the postcode {p} is, so services are not sorted by distance"
            )),
            Ok(None) => errors.push(FieldError::new(
                "postcode",
                format!("We could not find the postcode {p}. Check it and try again, or leave it blank"),
            )),
            Err(_) => errors.push(FieldError::new(
                "postcode",
                "We could not look up the postcode just now. Try again",
            )),
        }
        q.area = Some(AreaKeys::new(
            Some(p),
            person.and_then(|x| x.town.as_deref()),
        ));
    } else if let Some(town) = person.and_then(|x| x.town.as_deref()) {
        q.area = Some(AreaKeys::new(None, Some(town)));
    }
    if errors.is_empty() {
        Ok(q)
    } else {
        Err(errors)
    }
}

fn page_href(form: &SearchQuery, page: u32) -> String {
    let mut f = form.clone();
    f.page = page.to_string();
    format!(
        "/directory?{}",
        serde_urlencoded::to_string(&f).unwrap_or_default()
    )
}

fn rows(results: &SearchResults, carried: &Carried) -> Vec<HitRow> {
    results
        .hits
        .iter()
        .map(|h| HitRow {
            name: h.name.clone(),
            href: service_href(&h.id, carried),
            organisation: h.organisation.clone(),
            distance: h.distance_m.map(distance_words),
            open_now: h.open_now,
            on_site_list: h.on_site_list,
            needs_checking: h.needs_checking,
            checked: checked_words(h.verified_at),
            temporarily_closed: h.status == "temporarily closed",
        })
        .collect()
}

/// `GET /directory`
pub async fn search(
    State(state): State<AppState>,
    p: Page,
    Query(mut form): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let id = p.identity()?;
    form.carried = form.carried.cleaned();
    let raw_person = form.carried.person_id.clone();
    let person = if raw_person.is_empty() {
        None
    } else {
        let pid: PersonId = raw_person.parse().map_err(|_| PageError::NotFound)?;
        Some(
            state
                .store()
                .person_directory_basis(&id.caller, pid)
                .await?,
        )
    };
    let mut notes = Vec::new();
    let (errors, results, summary, previous_href, next_href) =
        match build(&state, &form, person.as_ref(), &mut notes).await {
            Err(errors) => (errors, None, String::new(), None, None),
            Ok(q) => {
                let r = state.store().search_services(&id.caller, &q).await?;
                let summary = match (r.total, q.near.is_some()) {
                    (0, _) => {
                        "No services match your search. Try a wider distance or fewer filters"
                            .to_string()
                    }
                    (1, _) => "1 service found".to_string(),
                    (n, true) => format!(
                        "{n} services found, nearest first (page {} of {})",
                        r.page,
                        r.pages()
                    ),
                    (n, false) => {
                        format!("{n} services found (page {} of {})", r.page, r.pages())
                    }
                };
                let previous = (r.page > 1).then(|| page_href(&form, r.page - 1));
                let next = (r.page < r.pages()).then(|| page_href(&form, r.page + 1));
                let rows = rows(&r, &form.carried);
                (Vec::new(), Some(rows), summary, previous, next)
            }
        };
    let person_words = person.as_ref().map(|b| {
        let mut parts = vec![format!("age {}", b.age)];
        if let Some(g) = b.gender {
            parts.push(g.label().to_lowercase());
        }
        match &b.postcode {
            Some(pc) => parts.push(format!("release address postcode {pc}")),
            None => parts.push("no release address postcode".into()),
        }
        format!("Searching for {}: {}", b.name, parts.join(", "))
    });
    let radius = if form.radius.trim().is_empty() {
        DEFAULT_RADIUS_KM.to_string()
    } else {
        form.radius.clone()
    };
    render(&SearchPage {
        layout: p.layout_with_errors("Services directory", &errors),
        terms: term_options(form.term.trim()),
        genders: gender_options(form.gender.trim()),
        open_now: form.open_now == "yes",
        radius,
        errors,
        person: person_words,
        notes,
        results,
        summary,
        previous_href,
        next_href,
        form,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_radius_and_age() {
        assert_eq!(radius_m(""), Ok(10_000));
        assert_eq!(radius_m(" 2.5 "), Ok(2_500));
        assert_eq!(radius_m("200"), Ok(200_000));
        for bad in ["0", "201", "-3", "ten", "NaN", "inf"] {
            assert!(radius_m(bad).is_err(), "{bad}");
        }
        assert_eq!(age(""), Ok(None));
        assert_eq!(age("34"), Ok(Some(34)));
        assert!(age("3.5").is_err());
        assert_eq!(distance_words(1_609.344), "1.6 km (1.0 miles)");
    }
}
