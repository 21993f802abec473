//! Appointments, child records of an episode. Every action checks the parent
//! episode's site and is audited (a change in its own transaction, a read
//! before it is returned). The rules of what
//! may happen to an appointment are the domain's
//! ([`reconnect_domain::appointment::apply`]); the store applies them under
//! the appointment's version, so two people recording the same appointment
//! cannot overwrite each other (the second gets [`StoreError::Stale`]).
//! Every change is appended to `appointment_event`, which cannot be changed.
//! Rescheduling keeps the old appointment, marked rescheduled with why and
//! who asked, and books a new one that points back to it.

use crate::audit::{append, Actor, AuditEntry};
use crate::episode_scope::{already_saved, parent, Parent};
use crate::sql::parse;
use crate::{Result, Store, StoreError};
use reconnect_domain::appointment::{
    apply, AppointmentAction, AppointmentDetails, AppointmentState, AskedBy, DnaReason,
};
use reconnect_domain::clock::{from_millis, to_millis};
use reconnect_domain::id::AppointmentId;
use reconnect_domain::{Caller, EpisodeId, PersonId};
use sqlx::AnyConnection;
use time::OffsetDateTime;

/// An appointment as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appointment {
    pub id: AppointmentId,
    pub episode_id: EpisodeId,
    pub person_id: PersonId,
    pub details: AppointmentDetails,
    pub state: AppointmentState,
    pub dna_reason: Option<DnaReason>,
    /// The appointment this one replaced.
    pub rescheduled_from: Option<AppointmentId>,
    /// The appointment that replaced this one.
    pub rescheduled_to: Option<AppointmentId>,
    /// Why it was rescheduled or cancelled.
    pub reason: Option<String>,
    pub asked_by: Option<AskedBy>,
    /// Changes with every change; send it back with the next one.
    pub version: i64,
    pub created_by_name: String,
    pub updated_by_name: String,
    pub updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
pub(crate) struct AppointmentRow {
    id: String,
    episode_id: String,
    person_id: String,
    what: String,
    location: String,
    starts_at: i64,
    state: String,
    dna_reason: Option<String>,
    rescheduled_from: Option<String>,
    rescheduled_to: Option<String>,
    reason: Option<String>,
    asked_by: Option<String>,
    version: i64,
    created_by_name: String,
    updated_by_name: String,
    updated_at: i64,
}

/// The columns of [`AppointmentRow`]; `a` is the appointment, `e` its episode.
pub(crate) const APPOINTMENT_COLUMNS: &str = "a.id, a.episode_id, e.person_id, a.what, \
    a.location, a.starts_at, a.state, a.dna_reason, a.rescheduled_from, a.rescheduled_to, \
    a.reason, a.asked_by, a.version, cu.display_name AS created_by_name, \
    uu.display_name AS updated_by_name, a.updated_at";

/// `FROM` and the joins for [`APPOINTMENT_COLUMNS`].
pub(crate) const APPOINTMENT_FROM: &str = "FROM appointment a \
    JOIN episode e ON e.id = a.episode_id JOIN person p ON p.id = e.person_id \
    JOIN app_user cu ON cu.id = a.created_by JOIN app_user uu ON uu.id = a.updated_by";

impl AppointmentRow {
    pub(crate) fn into_appointment(self) -> Result<Appointment> {
        let corrupt = |what: &str| StoreError::Corrupt(what.to_string());
        Ok(Appointment {
            id: parse(&self.id, "appointment id")?,
            episode_id: parse(&self.episode_id, "episode id")?,
            person_id: parse(&self.person_id, "person id")?,
            details: AppointmentDetails {
                what: self.what,
                location: self.location,
                starts_at: from_millis(self.starts_at),
            },
            state: AppointmentState::parse(&self.state).map_err(|_| corrupt("state"))?,
            dna_reason: self
                .dna_reason
                .as_deref()
                .map(|s| DnaReason::parse(s).map_err(|_| corrupt("dna reason")))
                .transpose()?,
            rescheduled_from: self
                .rescheduled_from
                .as_deref()
                .map(|s| parse(s, "appointment id"))
                .transpose()?,
            rescheduled_to: self
                .rescheduled_to
                .as_deref()
                .map(|s| parse(s, "appointment id"))
                .transpose()?,
            reason: self.reason,
            asked_by: self
                .asked_by
                .as_deref()
                .map(|s| AskedBy::parse(s).map_err(|_| corrupt("asked by")))
                .transpose()?,
            version: self.version,
            created_by_name: self.created_by_name,
            updated_by_name: self.updated_by_name,
            updated_at: from_millis(self.updated_at),
        })
    }
}

/// An episode's appointments, latest first, for a caller already checked
/// against the episode's scope.
pub(crate) async fn load_list(
    conn: &mut AnyConnection,
    episode: EpisodeId,
) -> Result<Vec<Appointment>> {
    let rows: Vec<AppointmentRow> = sqlx::query_as(&format!(
        "SELECT {APPOINTMENT_COLUMNS} {APPOINTMENT_FROM} WHERE a.episode_id = $1 \
         ORDER BY a.starts_at DESC, a.id DESC"
    ))
    .bind(episode.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(AppointmentRow::into_appointment)
        .collect()
}

async fn load_one(
    conn: &mut AnyConnection,
    episode: EpisodeId,
    id: AppointmentId,
) -> Result<Appointment> {
    let row: Option<AppointmentRow> = sqlx::query_as(&format!(
        "SELECT {APPOINTMENT_COLUMNS} {APPOINTMENT_FROM} WHERE a.id = $1 AND a.episode_id = $2"
    ))
    .bind(id.to_string())
    .bind(episode.to_string())
    .fetch_optional(conn)
    .await?;
    row.ok_or(StoreError::NotFound)?.into_appointment()
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    conn: &mut AnyConnection,
    id: AppointmentId,
    episode: EpisodeId,
    details: &AppointmentDetails,
    rescheduled_from: Option<AppointmentId>,
    caller: &Caller,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO appointment (id, episode_id, what, location, starts_at, state, rescheduled_from, \
         version, created_by, created_at, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $8, $9)",
    )
    .bind(id.to_string())
    .bind(episode.to_string())
    .bind(details.what.clone())
    .bind(details.location.clone())
    .bind(to_millis(details.starts_at))
    .bind(AppointmentState::Booked.code())
    .bind(rescheduled_from.map(|a| a.to_string()))
    .bind(caller.user_id().to_string())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    event(
        conn,
        id,
        now,
        caller,
        AppointmentState::Booked,
        "Booked",
        None,
    )
    .await
}

async fn event(
    conn: &mut AnyConnection,
    id: AppointmentId,
    at: i64,
    caller: &Caller,
    to: AppointmentState,
    summary: &str,
    reason: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO appointment_event (appointment_id, at, by_user, to_state, summary, reason) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.to_string())
    .bind(at)
    .bind(caller.user_id().to_string())
    .bind(to.code())
    .bind(summary.to_string())
    .bind(reason.map(str::to_string))
    .execute(conn)
    .await?;
    Ok(())
}

fn refuse_if_ended(p: &Parent) -> Result<()> {
    if p.state.is_terminal() {
        return Err(StoreError::Refused(
            "This episode of support has ended, so no appointments can be booked in it".into(),
        ));
    }
    Ok(())
}

impl Store {
    /// Books an appointment in an open episode at one of the caller's sites.
    /// Sending the same `id` again does nothing.
    pub async fn book_appointment(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        id: AppointmentId,
        details: &AppointmentDetails,
    ) -> Result<()> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let p = parent(&mut tx, episode, caller.scope.case_write_sites()).await?;
        if already_saved(&mut tx, "appointment", &id.to_string(), episode, caller).await? {
            return Ok(());
        }
        refuse_if_ended(&p)?;
        insert(&mut tx, id, episode, details, None, caller, now).await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new("appointment.book")
                .record("appointment", id)
                .site(p.site)
                .person(p.person),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records what happened to a booked appointment: attendance,
    /// rescheduling (a new appointment `new_id` replaces it) or cancelling.
    /// `version` is the appointment's version as the caller last saw it.
    /// Refusals by the rules are [`StoreError::Refused`] with the reason.
    pub async fn act_on_appointment(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        appointment: AppointmentId,
        version: i64,
        action: &AppointmentAction,
        new_id: AppointmentId,
    ) -> Result<AppointmentState> {
        if !caller.role().writes_cases() {
            return Err(StoreError::Forbidden);
        }
        let now_at = self.now();
        let now = to_millis(now_at);
        let mut tx = self.begin_read_write().await?;
        let p = parent(&mut tx, episode, caller.scope.case_write_sites()).await?;
        let old = load_one(&mut tx, episode, appointment).await?;
        if old.version != version {
            return Err(StoreError::Stale);
        }
        let to = apply(old.state, old.details.starts_at, action, now_at)
            .map_err(|r| StoreError::Refused(r.0))?;
        let (dna, reason, asked_by, rescheduled_to, summary) = match action {
            AppointmentAction::RecordAttendance { dna_reason, .. } => (
                dna_reason.map(|d| d.code()),
                None,
                None,
                None,
                match dna_reason {
                    Some(d) => format!("{}: {}", to.label(), d.label().to_lowercase()),
                    None => to.label().to_string(),
                },
            ),
            AppointmentAction::Reschedule {
                starts_at,
                location,
                reason,
                asked_by,
            } => {
                refuse_if_ended(&p)?;
                let details = AppointmentDetails {
                    what: old.details.what.clone(),
                    location: location.clone().unwrap_or(old.details.location.clone()),
                    starts_at: *starts_at,
                };
                insert(
                    &mut tx,
                    new_id,
                    episode,
                    &details,
                    Some(appointment),
                    caller,
                    now,
                )
                .await?;
                (
                    None,
                    Some(reason.as_str()),
                    Some(asked_by.code()),
                    Some(new_id.to_string()),
                    format!(
                        "Rescheduled at the request of {}",
                        asked_by.label().to_lowercase()
                    ),
                )
            }
            AppointmentAction::Cancel { reason } => (
                None,
                Some(reason.as_str()),
                None,
                None,
                "Cancelled".to_string(),
            ),
        };
        let r = sqlx::query(
            "UPDATE appointment SET state = $1, dna_reason = $2, reason = $3, asked_by = $4, \
             rescheduled_to = $5, version = version + 1, updated_by = $6, updated_at = $7 \
             WHERE id = $8 AND version = $9",
        )
        .bind(to.code())
        .bind(dna)
        .bind(reason.map(str::to_string))
        .bind(asked_by)
        .bind(rescheduled_to)
        .bind(caller.user_id().to_string())
        .bind(now)
        .bind(appointment.to_string())
        .bind(version)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            return Err(StoreError::Stale);
        }
        event(&mut tx, appointment, now, caller, to, &summary, reason).await?;
        append(
            &mut tx,
            now,
            &Actor::User(caller),
            AuditEntry::new(match action {
                AppointmentAction::RecordAttendance { .. } => "appointment.attendance",
                AppointmentAction::Reschedule { .. } => "appointment.reschedule",
                AppointmentAction::Cancel { .. } => "appointment.cancel",
            })
            .record("appointment", appointment)
            .site(p.site)
            .person(p.person)
            .detail(to.code()),
        )
        .await?;
        tx.commit().await?;
        Ok(to)
    }

    /// An episode's appointments, latest first (rescheduled and cancelled
    /// ones included). The read is audited.
    pub async fn appointments(
        &self,
        caller: &Caller,
        episode: EpisodeId,
    ) -> Result<Vec<Appointment>> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let p = parent(&mut tx, episode, caller.scope.case_sites()).await?;
        let list = load_list(&mut tx, episode).await?;
        tx.finish(
            self,
            now,
            &Actor::User(caller),
            AuditEntry::new("appointment.list")
                .record("episode", episode)
                .site(p.site)
                .person(p.person)
                .detail(format!("{} appointments", list.len())),
        )
        .await?;
        Ok(list)
    }

    /// One appointment of an episode (for its forms); the read is audited.
    pub async fn appointment(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        id: AppointmentId,
    ) -> Result<Appointment> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let p = parent(&mut tx, episode, caller.scope.case_sites()).await?;
        let a = load_one(&mut tx, episode, id).await?;
        tx.finish(
            self,
            now,
            &Actor::User(caller),
            AuditEntry::new("appointment.view")
                .record("appointment", id)
                .site(p.site)
                .person(p.person),
        )
        .await?;
        Ok(a)
    }

    /// What happened to an appointment, oldest first: (when, who, summary,
    /// reason). The read is audited.
    pub async fn appointment_history(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        id: AppointmentId,
    ) -> Result<Vec<(OffsetDateTime, String, String, Option<String>)>> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let p = parent(&mut tx, episode, caller.scope.case_sites()).await?;
        load_one(&mut tx, episode, id).await?;
        let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT ev.at, u.display_name, ev.summary, ev.reason FROM appointment_event ev \
             JOIN app_user u ON u.id = ev.by_user WHERE ev.appointment_id = $1 ORDER BY ev.seq",
        )
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        tx.finish(
            self,
            now,
            &Actor::User(caller),
            AuditEntry::new("appointment.history")
                .record("appointment", id)
                .site(p.site)
                .person(p.person),
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|(at, who, summary, reason)| (from_millis(at), who, summary, reason))
            .collect())
    }
}
