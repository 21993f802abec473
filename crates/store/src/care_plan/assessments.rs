//! Repeat assessments: on a date, each need domain scored on the 0–4 scale
//! with an optional note. Assessments are never changed (both tables are
//! append-only); a later one shows progress.

use super::{audit, audit_entry, date, episode_in, must_be_open, must_write};
use crate::audit::Actor;
use crate::episodes::iso;
use crate::sql::parse;
use crate::{Result, Store, StoreError};
use reconnect_domain::clock::from_millis;
use reconnect_domain::id::AssessmentId;
use reconnect_domain::need::{NeedDomain, Score};
use reconnect_domain::{Caller, EpisodeId};
use time::{Date, OffsetDateTime};

/// A new assessment: the date and at least one domain scored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAssessment {
    pub on: Date,
    pub scores: Vec<AssessmentScore>,
}

/// One domain's score.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssessmentScore {
    pub domain: NeedDomain,
    pub score: Score,
    pub note: Option<String>,
}

/// An assessment as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub id: AssessmentId,
    pub on: Date,
    pub at: OffsetDateTime,
    pub by_name: String,
    /// In catalogue order.
    pub scores: Vec<AssessmentScore>,
}

impl Assessment {
    /// The score for one domain, if it was scored.
    pub fn score_for(&self, domain: NeedDomain) -> Option<&AssessmentScore> {
        self.scores.iter().find(|s| s.domain == domain)
    }
}

/// id, assessed_on, at, by_name.
type AssessmentRow = (String, String, i64, String);
/// assessment, domain, score, note.
type ScoreRow = (String, String, i64, Option<String>);

/// One assessment a day: the second (a form sent twice, say) is refused.
fn already_recorded() -> StoreError {
    StoreError::Conflict(
        "An assessment on this date is already recorded. Check the scores over time below".into(),
    )
}

impl Store {
    /// An episode's assessments, oldest first; the read is audited.
    pub async fn assessments(
        &self,
        caller: &Caller,
        episode: EpisodeId,
    ) -> Result<Vec<Assessment>> {
        let now = self.now_ms();
        let mut tx = self.begin_audited_read().await?;
        let parent = episode_in(&mut tx, episode, caller.scope.case_sites()).await?;
        let rows: Vec<AssessmentRow> = sqlx::query_as(
            "SELECT a.id, a.assessed_on, a.at, u.display_name FROM assessment a \
             JOIN app_user u ON u.id = a.by_user WHERE a.episode_id = $1 \
             ORDER BY a.assessed_on, a.at, a.id",
        )
        .bind(episode.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let scores: Vec<ScoreRow> = sqlx::query_as(
            "SELECT s.assessment_id, s.domain_code, s.score, s.note FROM assessment_score s \
             JOIN assessment a ON a.id = s.assessment_id \
             JOIN need_domain d ON d.code = s.domain_code \
             WHERE a.episode_id = $1 ORDER BY d.sort_order",
        )
        .bind(episode.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let mut out = rows
            .into_iter()
            .map(|(id, on, at, by_name)| {
                Ok(Assessment {
                    id: parse(&id, "assessment id")?,
                    on: date(&on)?,
                    at: from_millis(at),
                    by_name,
                    scores: Vec::new(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        for (assessment, domain, score, note) in scores {
            let score = AssessmentScore {
                domain: NeedDomain::parse(&domain)
                    .map_err(|_| StoreError::Corrupt(format!("need domain {domain:?}")))?,
                score: u8::try_from(score)
                    .ok()
                    .and_then(|s| Score::new(s).ok())
                    .ok_or_else(|| StoreError::Corrupt(format!("score {score}")))?,
                note,
            };
            if let Some(a) = out.iter_mut().find(|a| a.id.to_string() == assessment) {
                a.scores.push(score);
            }
        }
        let audit = audit_entry(
            &parent,
            "assessments.view",
            ("episode", episode.to_string()),
            Some(format!("{} assessments", out.len())),
        );
        tx.finish(self, now, &Actor::User(caller), audit).await?;
        Ok(out)
    }

    /// Records an assessment on an open episode. Its date cannot be in the
    /// future, each domain is scored at most once, and a second assessment
    /// on the same date (a form sent twice, say) is refused.
    pub async fn record_assessment(
        &self,
        caller: &Caller,
        episode: EpisodeId,
        new: &NewAssessment,
    ) -> Result<AssessmentId> {
        must_write(caller)?;
        if new.scores.is_empty() {
            return Err(StoreError::invalid("scores", "Score at least one area"));
        }
        let mut domains: Vec<NeedDomain> = new.scores.iter().map(|s| s.domain).collect();
        domains.sort_unstable();
        domains.dedup();
        if domains.len() != new.scores.len() {
            return Err(StoreError::invalid("scores", "Score each area only once"));
        }
        if new.on > self.now().date() {
            return Err(StoreError::invalid(
                "assessed_on",
                "The date of the assessment must be today or in the past",
            ));
        }
        let now = self.now_ms();
        let mut tx = self.begin_read_write().await?;
        let parent = episode_in(&mut tx, episode, caller.scope.case_write_sites()).await?;
        must_be_open(&parent)?;
        let same_day: Option<String> = sqlx::query_scalar(
            "SELECT id FROM assessment WHERE episode_id = $1 AND assessed_on = $2",
        )
        .bind(episode.to_string())
        .bind(iso(new.on))
        .fetch_optional(&mut *tx)
        .await?;
        if same_day.is_some() {
            return Err(already_recorded());
        }
        let id = AssessmentId::new();
        sqlx::query(
            "INSERT INTO assessment (id, episode_id, assessed_on, at, by_user) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(episode.to_string())
        .bind(iso(new.on))
        .bind(now)
        .bind(caller.user_id().to_string())
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if StoreError::is_unique_violation(&e) {
                already_recorded()
            } else {
                e.into()
            }
        })?;
        for s in &new.scores {
            sqlx::query(
                "INSERT INTO assessment_score (assessment_id, domain_code, score, note) VALUES ($1, $2, $3, $4)",
            )
            .bind(id.to_string())
            .bind(s.domain.code())
            .bind(i64::from(s.score.value()))
            .bind(s.note.clone())
            .execute(&mut *tx)
            .await?;
        }
        audit(
            &mut tx,
            now,
            caller,
            &parent,
            "assessment.record",
            ("assessment", id.to_string()),
            Some(format!("{} areas scored", new.scores.len())),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
