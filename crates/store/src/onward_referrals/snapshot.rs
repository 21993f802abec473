//! The snapshot of what a referral shares, taken when it is sent: the
//! person's name and date of birth, and the values of exactly the parts the
//! worker chose, read from the record as it is at that moment.

use super::{corrupt, need_label, OnwardReferral};
use crate::Result;
use reconnect_domain::need::NeedStatus;
use reconnect_domain::onward_referral::sharing::{
    ContactPart, NeedLine, NoteLine, Part, PlanLine, ReleasePart, Snapshot,
};
use reconnect_domain::person_details::ContactChannel;
use sqlx::AnyConnection;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// given, family, preferred, dob, nhs, phone, email, line 1, line 2, town,
/// postcode, preferred contact, prison.
type PersonRow = (
    String,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);

/// Reads the chosen parts of the record into a snapshot.
pub(crate) async fn take(
    conn: &mut AnyConnection,
    r: &OnwardReferral,
    now: OffsetDateTime,
) -> Result<Snapshot> {
    let person: PersonRow = sqlx::query_as(
        "SELECT p.given_name, p.family_name, p.preferred_name, p.date_of_birth, p.nhs_number, \
         p.phone, p.email, p.address_line_1, p.address_line_2, p.address_town, p.address_postcode, \
         p.preferred_contact, pr.name FROM person p JOIN prison pr ON pr.id = p.prison_id \
         WHERE p.id = $1",
    )
    .bind(r.person_id.to_string())
    .fetch_one(&mut *conn)
    .await?;
    let (given, family, preferred, dob, nhs, phone, email, l1, l2, town, postcode, channel, prison) =
        person;
    let name = match preferred {
        Some(p) if !p.trim().is_empty() && p != given => format!("{given} ({p}) {family}"),
        _ => format!("{given} {family}"),
    };
    let mut snap = Snapshot {
        taken_at: now.format(&Rfc3339).unwrap_or_default(),
        name,
        date_of_birth: dob,
        referral_for: r.need_label.clone(),
        ..Snapshot::default()
    };
    for part in &r.parts {
        match part {
            Part::Contact => {
                snap.contact = Some(ContactPart {
                    phone: phone.clone(),
                    email: email.clone(),
                    address: [&l1, &l2, &town, &postcode]
                        .into_iter()
                        .flatten()
                        .filter(|s| !s.trim().is_empty())
                        .cloned()
                        .collect(),
                    preferred_contact: channel
                        .as_deref()
                        .and_then(|c| ContactChannel::parse(c).ok())
                        .map(|c| c.label().to_string()),
                })
            }
            Part::NhsNumber => snap.nhs_number = nhs.clone(),
            Part::Release => snap.release = Some(release(conn, r, &prison).await?),
            Part::Needs => snap.needs = Some(needs(conn, r).await?),
            Part::Plan => snap.plan = Some(plan(conn, r).await?),
            Part::CaseNotes => snap.case_notes = Some(notes(conn, r).await?),
        }
    }
    Ok(snap)
}

async fn release(
    conn: &mut AnyConnection,
    r: &OnwardReferral,
    prison: &str,
) -> Result<ReleasePart> {
    let (expected, released): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT expected_release, released_on FROM episode WHERE id = $1")
            .bind(r.episode_id.to_string())
            .fetch_one(conn)
            .await?;
    Ok(ReleasePart {
        prison: prison.to_string(),
        expected_release: expected,
        released_on: released,
    })
}

async fn needs(conn: &mut AnyConnection, r: &OnwardReferral) -> Result<Vec<NeedLine>> {
    let rows: Vec<(String, Option<String>, String)> = sqlx::query_as(
        "SELECT domain_code, other_text, status FROM episode_need WHERE episode_id = $1 \
         AND status IN ('identified', 'in_progress') ORDER BY created_at, id",
    )
    .bind(r.episode_id.to_string())
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(domain, other, status)| {
            Ok(NeedLine {
                area: need_label(&domain, other.as_deref())?,
                status: NeedStatus::parse(&status)
                    .map_err(|_| corrupt("need status"))?
                    .label()
                    .to_string(),
            })
        })
        .collect()
}

async fn plan(conn: &mut AnyConnection, r: &OnwardReferral) -> Result<Vec<PlanLine>> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT text, due_on FROM plan_action WHERE episode_id = $1 AND status = 'open' \
         ORDER BY due_on, id",
    )
    .bind(r.episode_id.to_string())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(text, due_on)| PlanLine { text, due_on })
        .collect())
}

/// Current (not corrected) notes that are not marked sensitive.
async fn notes(conn: &mut AnyConnection, r: &OnwardReferral) -> Result<Vec<NoteLine>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT c.created_at, c.body FROM case_note c WHERE c.episode_id = $1 \
         AND c.sensitive = 'no' AND NOT EXISTS (SELECT 1 FROM case_note n WHERE n.supersedes = c.id) \
         ORDER BY c.created_at, c.id",
    )
    .bind(r.episode_id.to_string())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, text)| NoteLine {
            written_on: crate::episodes::iso(reconnect_domain::clock::from_millis(at).date()),
            text,
        })
        .collect())
}
