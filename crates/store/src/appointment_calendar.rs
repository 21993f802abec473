//! Appointments across episodes: each episode's next appointment (for a
//! caseload), and a worker's own appointments between two instants (their
//! upcoming list and their week's calendar). Both are scoped by the caller's
//! case sites in SQL like every read of case records.
//!
//! "A worker's own" appointments are those of the episodes they are
//! allocated to (as the worker, or as the peer mentor) and those they booked
//! themselves, since whoever booked an appointment usually keeps it.

use crate::appointments::{Appointment, AppointmentRow, APPOINTMENT_COLUMNS, APPOINTMENT_FROM};
use crate::audit::{Actor, AuditEntry};
use crate::sql::param_list;
use crate::{Result, Store};
use reconnect_domain::appointment::AppointmentState;
use reconnect_domain::clock::to_millis;
use reconnect_domain::{Caller, EpisodeId};
use std::collections::HashMap;
use time::OffsetDateTime;

/// An appointment with whose it is, for a calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarEntry {
    pub appointment: Appointment,
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
}

impl Store {
    /// The next booked appointment (at or after `now`) of each of `episodes`
    /// that is at one of the caller's sites; episodes with none, or outside
    /// the caller's sites, are left out. Not audited on its own: it is part
    /// of the caseload view that asks for it, which is audited.
    pub async fn next_appointments(
        &self,
        caller: &Caller,
        episodes: &[EpisodeId],
        now: OffsetDateTime,
    ) -> Result<HashMap<EpisodeId, Appointment>> {
        let sites = caller.scope.case_sites();
        let mut out: HashMap<EpisodeId, Appointment> = HashMap::new();
        if sites.is_empty() || episodes.is_empty() {
            return Ok(out);
        }
        // In batches, to stay well inside both engines' parameter limits.
        for chunk in episodes.chunks(500) {
            let sql = format!(
                "SELECT {APPOINTMENT_COLUMNS} {APPOINTMENT_FROM} \
                 WHERE a.state = $1 AND a.starts_at >= $2 AND p.site_id IN ({}) \
                 AND a.episode_id IN ({}) ORDER BY a.starts_at, a.id",
                param_list(3, sites.len()),
                param_list(3 + sites.len(), chunk.len())
            );
            let mut q = sqlx::query_as::<_, AppointmentRow>(&sql)
                .bind(AppointmentState::Booked.code())
                .bind(to_millis(now));
            for s in sites {
                q = q.bind(s.to_string());
            }
            for e in chunk {
                q = q.bind(e.to_string());
            }
            for row in q.fetch_all(&self.pool).await? {
                let a = row.into_appointment()?;
                out.entry(a.episode_id).or_insert(a);
            }
        }
        Ok(out)
    }

    /// The caller's own appointments (see the module's doc) starting in
    /// `[from, to)`, earliest first, in every state. The read is audited.
    pub async fn my_appointments(
        &self,
        caller: &Caller,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<CalendarEntry>> {
        let sites = caller.scope.case_sites();
        if sites.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let sql = format!(
            "SELECT {APPOINTMENT_COLUMNS}, p.given_name, p.family_name, p.preferred_name \
             {APPOINTMENT_FROM} \
             WHERE a.starts_at >= $1 AND a.starts_at < $2 AND p.site_id IN ({}) \
             AND (a.created_by = $3 OR EXISTS (SELECT 1 FROM allocation al \
                  WHERE al.episode_id = a.episode_id AND al.ended_at IS NULL \
                  AND (al.worker_id = $3 OR al.mentor_id = $3))) \
             ORDER BY a.starts_at, a.id",
            param_list(4, sites.len())
        );
        let mut q = sqlx::query_as::<_, CalendarRow>(&sql)
            .bind(to_millis(from))
            .bind(to_millis(to))
            .bind(caller.user_id().to_string());
        for s in sites {
            q = q.bind(s.to_string());
        }
        let rows = q.fetch_all(&mut *tx).await?;
        let entries = rows
            .into_iter()
            .map(|r| {
                Ok(CalendarEntry {
                    appointment: r.appointment.into_appointment()?,
                    given_name: r.given_name,
                    family_name: r.family_name,
                    preferred_name: r.preferred_name,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        tx.finish(
            self,
            now,
            &Actor::User(caller),
            AuditEntry::new("appointment.calendar").detail(format!(
                "{} appointments, {} people",
                entries.len(),
                entries
                    .iter()
                    .map(|e| e.appointment.person_id)
                    .collect::<std::collections::HashSet<_>>()
                    .len()
            )),
        )
        .await?;
        Ok(entries)
    }
}

#[derive(sqlx::FromRow)]
struct CalendarRow {
    #[sqlx(flatten)]
    appointment: AppointmentRow,
    given_name: String,
    family_name: String,
    preferred_name: Option<String>,
}
