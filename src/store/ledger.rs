//! The credit ledger and the per-(learner, year) standings kept beside it. Appending an entry and
//! moving its standing always happen together, inside the caller's transaction.

use sqlx::{AnyPool, FromRow};

use super::Tx;
use crate::rules::Tenths;
use crate::rules::ledger::EntryKind;
use crate::rules::standing::{Bucket, Standing};

/// An entry to append.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub account_id: i64,
    pub kind: EntryKind,
    pub bucket: Bucket,
    pub course_id: Option<i64>,
    pub exam_id: Option<i64>,
    pub reference: String,
    pub tenths: Tenths,
    pub earned_at: i64,
    pub credit_year: i32,
    pub reason: String,
    pub actor_id: Option<i64>,
    pub rule: String,
    pub award_key: Option<String>,
    pub revokes_id: Option<i64>,
}

#[derive(Debug, Clone, FromRow)]
pub struct EntryRow {
    pub id: i64,
    pub account_id: i64,
    pub kind: String,
    pub bucket: String,
    pub course_id: Option<i64>,
    pub exam_id: Option<i64>,
    #[sqlx(rename = "ref")]
    pub reference: String,
    pub tenths: i64,
    pub earned_at: i64,
    pub credit_year: i64,
    pub reason: String,
    pub actor_id: Option<i64>,
    pub rule: String,
    pub award_key: Option<String>,
    pub revokes_id: Option<i64>,
}

const ENTRY_COLUMNS: &str = "id, account_id, kind, bucket, course_id, exam_id, ref, tenths, earned_at, \
     credit_year, reason, actor_id, rule, award_key, revokes_id";

/// The ledger rows `done_e` that complete a course: course or legacy entries not revoked. The one
/// definition of "completed" (RULES.md, "Completion of a course"): the exam unlock, the catalogue,
/// staff progress, the player and the award all ask through the functions below.
const COMPLETES: &str = "done_e.kind IN ('course', 'legacy') \
     AND NOT EXISTS (SELECT 1 FROM ledger done_r WHERE done_r.revokes_id = done_e.id)";

/// SQL condition (built from our own column names only): `account` has completed `course`.
pub(crate) fn completed_sql(account: &str, course: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM ledger done_e WHERE done_e.account_id = {account} \
         AND done_e.course_id = {course} AND {COMPLETES})"
    )
}

/// SQL expression: when `account` completed `course`, NULL if it has not.
pub(crate) fn completed_at_sql(account: &str, course: &str) -> String {
    format!(
        "(SELECT MIN(done_e.earned_at) FROM ledger done_e WHERE done_e.account_id = {account} \
         AND done_e.course_id = {course} AND {COMPLETES})"
    )
}

/// The courses a learner has completed, with when: (course id, earned at).
pub async fn completed_courses(
    pool: &AnyPool,
    account_id: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT done_e.course_id, MIN(done_e.earned_at) FROM ledger done_e \
         WHERE done_e.account_id = $1 AND done_e.course_id IS NOT NULL AND {COMPLETES} \
         GROUP BY done_e.course_id"
    )))
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// When a learner completed a course (None: not completed), inside a transaction.
pub async fn completed_at(
    tx: &mut Tx,
    account_id: i64,
    course_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT {}",
        completed_at_sql("$1", "$2")
    )))
    .bind(account_id)
    .bind(course_id)
    .fetch_one(&mut **tx)
    .await
}

/// How many times a learner's completion of a course was revoked (each later completion earns
/// under a new award key).
pub async fn revoked_completions(
    tx: &mut Tx,
    account_id: i64,
    course_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger e WHERE e.account_id = $1 AND e.course_id = $2 \
         AND e.kind IN ('course', 'legacy') \
         AND EXISTS (SELECT 1 FROM ledger r WHERE r.revokes_id = e.id)",
    )
    .bind(account_id)
    .bind(course_id)
    .fetch_one(&mut **tx)
    .await
}

/// Appends an entry and moves the standing. Returns `None`, changing nothing, when the entry's
/// award key was already used for this learner (the award was given before).
pub async fn append(tx: &mut Tx, e: &NewEntry, now: i64) -> Result<Option<i64>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO ledger (account_id, kind, bucket, course_id, exam_id, ref, tenths, earned_at, \
         credit_year, reason, actor_id, rule, award_key, revokes_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(e.account_id)
    .bind(e.kind.code())
    .bind(e.bucket.code())
    .bind(e.course_id)
    .bind(e.exam_id)
    .bind(&e.reference)
    .bind(e.tenths.0)
    .bind(e.earned_at)
    .bind(i64::from(e.credit_year))
    .bind(&e.reason)
    .bind(e.actor_id)
    .bind(&e.rule)
    .bind(&e.award_key)
    .bind(e.revokes_id)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    if id.is_some() {
        let mut delta = Standing::default();
        delta.add(e.bucket, e.tenths);
        bump_standing(tx, e.account_id, e.credit_year, &delta, now).await?;
    }
    Ok(id)
}

async fn bump_standing(
    tx: &mut Tx,
    account_id: i64,
    year: i32,
    d: &Standing,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO standings (account_id, year, required, elective, exam, entries, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6) \
         ON CONFLICT (account_id, year) DO UPDATE SET \
         required = standings.required + excluded.required, \
         elective = standings.elective + excluded.elective, \
         exam = standings.exam + excluded.exam, \
         entries = standings.entries + 1, \
         updated_at = excluded.updated_at",
    )
    .bind(account_id)
    .bind(i64::from(year))
    .bind(d.required.0)
    .bind(d.elective.0)
    .bind(d.exam.0)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get(tx: &mut Tx, id: i64) -> Result<Option<EntryRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ENTRY_COLUMNS} FROM ledger WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Whether an entry was already revoked.
pub async fn revoked_by(tx: &mut Tx, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM ledger WHERE revokes_id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// A learner's archive, newest first; `year` narrows it to one credit year.
pub async fn entries_of(
    pool: &AnyPool,
    account_id: i64,
    year: Option<i32>,
) -> Result<Vec<EntryRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ENTRY_COLUMNS} FROM ledger WHERE account_id = $1 \
         AND ($2 = 0 OR credit_year = $2) ORDER BY earned_at DESC, id DESC"
    )))
    .bind(account_id)
    .bind(year.map(i64::from).unwrap_or(0))
    .fetch_all(pool)
    .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct StandingRow {
    pub account_id: i64,
    pub year: i64,
    pub required: i64,
    pub elective: i64,
    pub exam: i64,
}

impl StandingRow {
    pub fn standing(&self) -> Standing {
        Standing {
            required: Tenths(self.required),
            elective: Tenths(self.elective),
            exam: Tenths(self.exam),
        }
    }
}

pub async fn standing_of(
    pool: &AnyPool,
    account_id: i64,
    year: i32,
) -> Result<Standing, sqlx::Error> {
    let row: Option<StandingRow> = sqlx::query_as(
        "SELECT account_id, year, required, elective, exam FROM standings \
         WHERE account_id = $1 AND year = $2",
    )
    .bind(account_id)
    .bind(i64::from(year))
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| r.standing()).unwrap_or_default())
}

/// Every stored standing row (for the consistency check).
pub async fn all_standings(pool: &AnyPool) -> Result<Vec<StandingRow>, sqlx::Error> {
    sqlx::query_as("SELECT account_id, year, required, elective, exam FROM standings")
        .fetch_all(pool)
        .await
}

/// Standings recomputed from the ledger alone, per (learner, year).
pub async fn recomputed_standings(pool: &AnyPool) -> Result<Vec<StandingRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT account_id, credit_year AS year, \
         CAST(COALESCE(SUM(CASE WHEN bucket = 'required' THEN tenths ELSE 0 END), 0) AS BIGINT) AS required, \
         CAST(COALESCE(SUM(CASE WHEN bucket = 'elective' THEN tenths ELSE 0 END), 0) AS BIGINT) AS elective, \
         CAST(COALESCE(SUM(CASE WHEN bucket = 'exam' THEN tenths ELSE 0 END), 0) AS BIGINT) AS exam \
         FROM ledger GROUP BY account_id, credit_year",
    )
    .fetch_all(pool)
    .await
}

pub async fn count_entries(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM ledger")
        .fetch_one(pool)
        .await
}

/// Monday 1970-01-05 00:00 +08:00: weeks in China Standard Time are counted from here.
const FIRST_CST_MONDAY: i64 = 316_800;
const WEEK: i64 = 7 * 86_400;

/// Credits earned per week of a credit year by the learners of a scope (unit path prefix), as
/// (start of the week in unix seconds, tenths), oldest first; weeks with nothing are left out.
pub async fn weekly_totals(
    pool: &AnyPool,
    year: i32,
    scope_path: &str,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT (l.earned_at - $1) / $2 AS week, CAST(SUM(l.tenths) AS BIGINT) AS tenths \
         FROM ledger l JOIN accounts a ON a.id = l.account_id JOIN units u ON u.id = a.unit_id \
         WHERE l.credit_year = $3 AND u.path LIKE $4 GROUP BY (l.earned_at - $1) / $2 ORDER BY week",
    )
    .bind(FIRST_CST_MONDAY)
    .bind(WEEK)
    .bind(i64::from(year))
    .bind(format!("{scope_path}%"))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(week, tenths)| (FIRST_CST_MONDAY + week * WEEK, tenths))
        .collect())
}
