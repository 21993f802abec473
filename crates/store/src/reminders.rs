//! The reminders the job runner queues each day: to each person with an
//! appointment tomorrow (only with their consent, on their channel, and
//! without naming the service unless they agreed), and a morning digest to
//! each worker with appointments today. Each message has an idempotency key
//! made from what it is about, so running a job again queues nothing twice.
//! Messages are queued and audited in one transaction per message.

use crate::audit::{append, Actor, AuditEntry};
use crate::outbox::{enqueue, enqueue_for_person, NewMessage, Queued, Recipient};
use crate::sql::parse;
use crate::{Result, Store};
use reconnect_domain::clock::{from_millis, to_millis};
use reconnect_domain::episode::EpisodeState;
use reconnect_domain::message::{appointment_reminder, Channel};
use reconnect_domain::uk_time::{from_uk, to_uk};
use reconnect_domain::{EpisodeId, PersonId, SiteId, UserId};
use time::{Date, Duration, OffsetDateTime, PrimitiveDateTime, Time};

/// What a reminders job did (counts only: it ends up in the job log).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReminderCounts {
    pub queued: usize,
    pub already_queued: usize,
    pub not_allowed: usize,
}

impl std::fmt::Display for ReminderCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} queued, {} already queued, {} without consent to be contacted",
            self.queued, self.already_queued, self.not_allowed
        )
    }
}

impl ReminderCounts {
    fn add(&mut self, q: &Queued) {
        match q {
            Queued::Queued(_) => self.queued += 1,
            Queued::AlreadyQueued => self.already_queued += 1,
            Queued::NotAllowed(_) => self.not_allowed += 1,
        }
    }
}

/// The instants at which UK day `day` starts and ends.
fn uk_day(day: Date) -> (i64, i64) {
    let start = from_uk(PrimitiveDateTime::new(day, Time::MIDNIGHT));
    let end = from_uk(PrimitiveDateTime::new(
        day + Duration::days(1),
        Time::MIDNIGHT,
    ));
    (to_millis(start), to_millis(end))
}

/// "Saturday 21 November at 10:00am", on UK clocks.
pub fn uk_when(at: OffsetDateTime) -> String {
    let t = to_uk(at);
    let (h, m) = (t.hour(), t.minute());
    let (h12, ampm) = match h {
        0 => (12, "am"),
        1..=11 => (h, "am"),
        12 => (12, "pm"),
        _ => (h - 12, "pm"),
    };
    format!(
        "{} {} {} at {}:{:02}{}",
        t.weekday(),
        t.day(),
        t.month(),
        h12,
        m,
        ampm
    )
}

type DueRow = (String, String, String, String, String, String, i64);

impl Store {
    /// Queues a reminder to each person with a booked appointment tomorrow
    /// (UK date of `now`), in an episode still open.
    pub async fn queue_appointment_reminders(&self, now: OffsetDateTime) -> Result<ReminderCounts> {
        let tomorrow = to_uk(now).date() + Duration::days(1);
        let (from, to) = uk_day(tomorrow);
        let rows: Vec<DueRow> = sqlx::query_as(
            "SELECT a.id, a.episode_id, e.person_id, p.site_id, e.state, a.location, a.starts_at \
             FROM appointment a JOIN episode e ON e.id = a.episode_id JOIN person p ON p.id = e.person_id \
             WHERE a.state = 'booked' AND a.starts_at >= $1 AND a.starts_at < $2 ORDER BY a.starts_at, a.id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = ReminderCounts::default();
        for (id, episode, person, site, state, location, starts_at) in rows {
            let state: EpisodeState = parse(&state, "episode state")?;
            if state.is_terminal() {
                continue;
            }
            let person: PersonId = parse(&person, "person id")?;
            let site: SiteId = parse(&site, "site id")?;
            let episode: EpisodeId = parse(&episode, "episode id")?;
            let when = uk_when(from_millis(starts_at));
            let key = format!("appointment-reminder:{id}:{starts_at}");
            let at = to_millis(now);
            let mut tx = self.begin_read_write().await?;
            let q = enqueue_for_person(
                &mut tx,
                at,
                person,
                Some(episode),
                site,
                "appointment-reminder",
                key,
                |named| appointment_reminder(&when, &location, named),
            )
            .await?;
            if let Queued::Queued(mid) = &q {
                append(
                    &mut tx,
                    at,
                    &Actor::System("jobs"),
                    AuditEntry::new("message.queue")
                        .record("message", mid)
                        .site(site)
                        .person(person)
                        .detail("appointment reminder"),
                )
                .await?;
            }
            tx.commit().await?;
            counts.add(&q);
        }
        Ok(counts)
    }

    /// Queues to each allocated worker with booked appointments today (UK
    /// date of `now`), or with plan actions past their due date for the
    /// people they support, one email saying how many (and when the first
    /// appointment is). The email names nobody: staff read the details after
    /// signing in.
    pub async fn queue_staff_digests(&self, now: OffsetDateTime) -> Result<ReminderCounts> {
        let today = to_uk(now).date();
        let (from, to) = uk_day(today);
        let appointments: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
            "SELECT u.id, u.email, MIN(p.site_id), COUNT(*), MIN(a.starts_at) \
             FROM appointment a JOIN episode e ON e.id = a.episode_id JOIN person p ON p.id = e.person_id \
             JOIN allocation al ON al.episode_id = e.id AND al.ended_at IS NULL \
             JOIN app_user u ON u.id = al.worker_id \
             WHERE a.state = 'booked' AND a.starts_at >= $1 AND a.starts_at < $2 \
             AND u.disabled_at IS NULL GROUP BY u.id, u.email ORDER BY u.id",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        // ISO dates compare as text.
        let overdue: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT u.id, u.email, MIN(p.site_id), COUNT(*) \
             FROM plan_action pa JOIN episode e ON e.id = pa.episode_id JOIN person p ON p.id = e.person_id \
             JOIN allocation al ON al.episode_id = e.id AND al.ended_at IS NULL \
             JOIN app_user u ON u.id = al.worker_id \
             WHERE pa.status = 'open' AND pa.due_on < $1 AND u.disabled_at IS NULL \
             GROUP BY u.id, u.email ORDER BY u.id",
        )
        .bind(today.to_string())
        .fetch_all(&self.pool)
        .await?;
        // Per worker: email, a site for the outbox, today's appointments
        // (how many, when the first starts) and overdue actions.
        let mut digests: std::collections::BTreeMap<
            String,
            (String, String, i64, Option<i64>, i64),
        > = std::collections::BTreeMap::new();
        for (user, email, site, n, first) in appointments {
            digests.insert(user, (email, site, n, Some(first), 0));
        }
        for (user, email, site, n) in overdue {
            digests.entry(user).or_insert((email, site, 0, None, 0)).4 = n;
        }
        let mut counts = ReminderCounts::default();
        for (user, (email, site, n, first, overdue)) in digests {
            let user: UserId = parse(&user, "user id")?;
            let site: SiteId = parse(&site, "site id")?;
            let msg = NewMessage {
                idempotency_key: format!("staff-digest:{user}:{today}"),
                to: Recipient::Staff(user),
                site,
                kind: "staff-digest",
                channel: Channel::Email,
                address: email,
                subject: digest_subject(n, overdue),
                body: digest_body(n, first.map(from_millis), overdue),
            };
            let at = to_millis(now);
            let mut tx = self.begin_read_write().await?;
            let q = enqueue(&mut tx, at, &msg).await?;
            if let Queued::Queued(mid) = &q {
                append(
                    &mut tx,
                    at,
                    &Actor::System("jobs"),
                    AuditEntry::new("message.queue")
                        .record("message", mid)
                        .site(site)
                        .detail("staff digest"),
                )
                .await?;
            }
            tx.commit().await?;
            counts.add(&q);
        }
        Ok(counts)
    }
}

fn digest_subject(appointments: i64, overdue: i64) -> String {
    match (appointments, overdue) {
        (1, _) => "Your appointment today".into(),
        (0, _) => "Overdue actions for the people you support".into(),
        _ => "Your appointments today".into(),
    }
}

/// The staff digest's words: today's appointments and overdue actions,
/// naming nobody.
fn digest_body(appointments: i64, first: Option<OffsetDateTime>, overdue: i64) -> String {
    let mut lines = Vec::new();
    if appointments > 0 {
        let plural = if appointments == 1 {
            "appointment"
        } else {
            "appointments"
        };
        let first = first.map(uk_when).unwrap_or_default();
        lines.push(format!(
            "You have {appointments} {plural} today. The first is {first}."
        ));
    }
    match overdue {
        0 => {}
        1 => lines.push("1 plan action is overdue for the people you support.".into()),
        n => lines.push(format!(
            "{n} plan actions are overdue for the people you support."
        )),
    }
    lines.push("Sign in to see who and where.".into());
    lines.join(" ")
}
