//! Measures of onward referrals, per site and per service, for the caller's
//! sites: days from a need being identified to the referral being sent,
//! from sent to accepted, and from release to the first community
//! appointment (median, with how many referrals each is over), and
//! acceptance and attendance rates. No one is named; nothing is audited.

use crate::sql::param_list;
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::to_millis;
use reconnect_domain::Caller;
use std::collections::BTreeMap;

/// A median in days over `count` referrals (`None` when there are none).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measure {
    pub count: usize,
    pub median_days: Option<f64>,
}

impl Measure {
    fn of(mut days: Vec<f64>) -> Self {
        days.sort_by(f64::total_cmp);
        let n = days.len();
        let median_days = match n {
            0 => None,
            _ if n % 2 == 1 => Some(days[n / 2]),
            _ => Some((days[n / 2 - 1] + days[n / 2]) / 2.0),
        };
        Measure {
            count: n,
            median_days,
        }
    }
}

/// The measures for one site or one service.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeasureGroup {
    pub name: String,
    pub referrals: usize,
    pub sent: usize,
    pub need_to_sent: Measure,
    pub sent_to_accepted: Measure,
    pub release_to_first_appointment: Measure,
    pub accepted: usize,
    pub declined: usize,
    pub attended: usize,
    pub did_not_attend: usize,
}

impl MeasureGroup {
    /// Accepted out of those answered, as a percentage.
    pub fn acceptance_rate(&self) -> Option<f64> {
        rate(self.accepted, self.accepted + self.declined)
    }

    /// Went to the first appointment out of those recorded, as a percentage.
    pub fn attendance_rate(&self) -> Option<f64> {
        rate(self.attended, self.attended + self.did_not_attend)
    }
}

fn rate(n: usize, of: usize) -> Option<f64> {
    (of > 0).then(|| 100.0 * n as f64 / of as f64)
}

/// Per site and per service, by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Measures {
    pub by_site: Vec<MeasureGroup>,
    pub by_service: Vec<MeasureGroup>,
}

#[derive(sqlx::FromRow)]
struct MeasureRow {
    site_name: String,
    service_name: String,
    need_identified_at: Option<i64>,
    sent_at: Option<i64>,
    answered_at: Option<i64>,
    appointment_at: Option<i64>,
    released_on: Option<String>,
    accepted: i64,
    declined: i64,
    attended: i64,
    missed: i64,
}

const DAY_MS: f64 = 86_400_000.0;

fn days(from: Option<i64>, to: Option<i64>) -> Option<f64> {
    match (from, to) {
        (Some(a), Some(b)) if b >= a => Some((b - a) as f64 / DAY_MS),
        _ => None,
    }
}

fn release_ms(on: Option<&str>) -> Option<i64> {
    let d = time::Date::parse(on?, &time::format_description::well_known::Iso8601::DATE).ok()?;
    Some(to_millis(d.midnight().assume_utc()))
}

#[derive(Default)]
struct Acc {
    referrals: usize,
    sent: usize,
    need_to_sent: Vec<f64>,
    sent_to_accepted: Vec<f64>,
    release_to_first: Vec<f64>,
    accepted: usize,
    declined: usize,
    attended: usize,
    did_not_attend: usize,
}

impl Acc {
    fn add(&mut self, r: &MeasureRow) {
        self.referrals += 1;
        self.sent += usize::from(r.sent_at.is_some());
        self.need_to_sent
            .extend(days(r.need_identified_at, r.sent_at));
        if r.accepted > 0 {
            self.accepted += 1;
            self.sent_to_accepted.extend(days(r.sent_at, r.answered_at));
        }
        self.declined += usize::from(r.declined > 0);
        self.attended += usize::from(r.attended > 0);
        self.did_not_attend += usize::from(r.missed > 0);
        self.release_to_first
            .extend(days(release_ms(r.released_on.as_deref()), r.appointment_at));
    }

    fn finish(self, name: String) -> MeasureGroup {
        MeasureGroup {
            name,
            referrals: self.referrals,
            sent: self.sent,
            need_to_sent: Measure::of(self.need_to_sent),
            sent_to_accepted: Measure::of(self.sent_to_accepted),
            release_to_first_appointment: Measure::of(self.release_to_first),
            accepted: self.accepted,
            declined: self.declined,
            attended: self.attended,
            did_not_attend: self.did_not_attend,
        }
    }
}

fn count_of(action: &str) -> String {
    format!(
        "(SELECT COUNT(*) FROM onward_referral_event v WHERE v.referral_id = r.id AND v.action = '{action}')"
    )
}

impl Store {
    /// The measures for the caller's sites (case roles only).
    pub async fn onward_referral_measures(&self, caller: &Caller) -> Result<Measures> {
        if !caller.role().reads_cases() {
            return Err(StoreError::Forbidden);
        }
        let sites = caller.scope.case_sites();
        if sites.is_empty() {
            return Ok(Measures::default());
        }
        let sql = format!(
            "SELECT st.name AS site_name, s.name AS service_name, r.need_identified_at, r.sent_at, \
             r.answered_at, r.appointment_at, e.released_on, {} AS accepted, {} AS declined, \
             {} AS attended, {} AS missed \
             FROM onward_referral r JOIN episode e ON e.id = r.episode_id \
             JOIN person p ON p.id = e.person_id JOIN site st ON st.id = p.site_id \
             JOIN dir_service s ON s.id = r.service_id WHERE p.site_id IN ({})",
            count_of("accept"),
            count_of("decline"),
            count_of("attended"),
            count_of("did_not_attend"),
            param_list(1, sites.len())
        );
        let mut q = sqlx::query_as::<_, MeasureRow>(&sql);
        for s in sites {
            q = q.bind(s.to_string());
        }
        let rows = q.fetch_all(&self.pool).await?;
        let mut by_site: BTreeMap<String, Acc> = BTreeMap::new();
        let mut by_service: BTreeMap<String, Acc> = BTreeMap::new();
        for r in &rows {
            by_site.entry(r.site_name.clone()).or_default().add(r);
            by_service.entry(r.service_name.clone()).or_default().add(r);
        }
        Ok(Measures {
            by_site: by_site.into_iter().map(|(n, a)| a.finish(n)).collect(),
            by_service: by_service.into_iter().map(|(n, a)| a.finish(n)).collect(),
        })
    }
}
