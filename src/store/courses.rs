//! Courses and their exams.

use sqlx::{AnyPool, FromRow};

use super::{Tx, backend_of, in_json, json, json_rows};

#[derive(Debug, Clone)]
pub struct NewCourse<'a> {
    pub code: &'a str,
    pub title: &'a str,
    pub category: &'a str,
    pub kind: &'a str,
    pub duration_s: i64,
    pub designated_tenths: Option<i64>,
    pub source: &'a str,
    pub media_path: Option<&'a str>,
    pub description: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CourseRow {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub category: String,
    pub kind: String,
    pub duration_s: i64,
    pub designated_tenths: Option<i64>,
    pub source: String,
    pub media_path: Option<String>,
    /// draft | published | retired (migration 0011).
    pub status: String,
    pub designated_reason: String,
}

const COLUMNS: &str = "id, code, title, category, kind, duration_s, designated_tenths, source, \
     media_path, status, designated_reason";

pub async fn insert(tx: &mut Tx, c: &NewCourse<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO courses (code, title, category, kind, duration_s, designated_tenths, source, \
         media_path, description, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(c.code)
    .bind(c.title)
    .bind(c.category)
    .bind(c.kind)
    .bind(c.duration_s)
    .bind(c.designated_tenths)
    .bind(c.source)
    .bind(c.media_path)
    .bind(c.description)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

pub async fn by_id_tx(tx: &mut Tx, id: i64) -> Result<Option<CourseRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM courses WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn id_by_code(pool: &AnyPool, code: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM courses WHERE code = $1")
        .bind(code)
        .fetch_optional(pool)
        .await
}

/// Every course, from the pool or inside a write transaction (an import compares the feed with
/// all of them).
pub async fn all<'e, E>(ex: E) -> Result<Vec<CourseRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM courses ORDER BY code"
    )))
    .fetch_all(ex)
    .await
}

#[derive(Debug, Clone)]
pub struct NewExam<'a> {
    pub course_id: i64,
    pub title: &'a str,
    pub question_count: i64,
    pub pass_percent: i64,
    pub max_attempts: i64,
    pub bonus_tenths: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ExamRow {
    pub id: i64,
    pub course_id: i64,
    pub title: String,
    pub question_count: i64,
    pub pass_percent: i64,
    pub max_attempts: i64,
    pub bonus_tenths: i64,
}

pub async fn insert_exam(tx: &mut Tx, e: &NewExam<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO exams (course_id, title, question_count, pass_percent, max_attempts, \
         bonus_tenths, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(e.course_id)
    .bind(e.title)
    .bind(e.question_count)
    .bind(e.pass_percent)
    .bind(e.max_attempts)
    .bind(e.bonus_tenths)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

pub async fn exam_by_id_tx(tx: &mut Tx, id: i64) -> Result<Option<ExamRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, course_id, title, question_count, pass_percent, max_attempts, bonus_tenths \
         FROM exams WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn insert_question(
    tx: &mut Tx,
    exam_id: i64,
    kind: &str,
    stem: &str,
    options: &str,
    answer: &str,
    sort: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO exam_questions (exam_id, kind, stem, options, answer, sort) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(exam_id)
    .bind(kind)
    .bind(stem)
    .bind(options)
    .bind(answer)
    .bind(sort)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM courses")
        .fetch_one(pool)
        .await
}

#[derive(FromRow)]
struct WithExams {
    #[sqlx(flatten)]
    course: CourseRow,
    exams: i64,
}

const WITH_EXAMS: &str = "SELECT c.id, c.code, c.title, c.category, c.kind, c.duration_s, \
     c.designated_tenths, c.source, c.media_path, c.status, c.designated_reason, \
     (SELECT COUNT(*) FROM exams e WHERE e.course_id = c.id) AS exams FROM courses c ";

/// Every course with its number of exams (0 or 1), by code.
pub async fn all_with_exams(pool: &AnyPool) -> Result<Vec<(CourseRow, i64)>, sqlx::Error> {
    let rows: Vec<WithExams> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{WITH_EXAMS}ORDER BY c.code")))
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|r| (r.course, r.exams)).collect())
}

/// The course with this code and its number of exams (0 or 1).
pub async fn by_code_with_exams(
    pool: &AnyPool,
    code: &str,
) -> Result<Option<(CourseRow, i64)>, sqlx::Error> {
    let row: Option<WithExams> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{WITH_EXAMS}WHERE c.code = $1"
    )))
    .bind(code)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.course, r.exams)))
}

/// A course to write: added when its code is new, else its catalogue fields replaced (its status
/// is left alone; `set_status` changes that).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CourseWrite<'a> {
    pub code: &'a str,
    pub title: &'a str,
    pub category: &'a str,
    pub kind: &'a str,
    pub source: &'a str,
    pub duration_s: i64,
    pub designated_tenths: Option<i64>,
    pub designated_reason: &'a str,
    /// The status of a course added.
    pub status: &'a str,
    pub created_at: i64,
}

const WRITE_COLUMNS: &[(&str, &str)] = &[
    ("code", "text"),
    ("title", "text"),
    ("category", "text"),
    ("kind", "text"),
    ("source", "text"),
    ("duration_s", "bigint"),
    ("designated_tenths", "bigint"),
    ("designated_reason", "text"),
    ("status", "text"),
    ("created_at", "bigint"),
];

/// Rows per statement: the batch is one JSON parameter, so this only bounds its size.
const WRITE_BATCH: usize = 2_000;

/// Adds or updates the courses, a batch per statement (one JSON parameter each).
pub async fn write(tx: &mut Tx, rows: &[CourseWrite<'_>]) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO courses (code, title, category, kind, source, duration_s, designated_tenths, \
         designated_reason, status, created_at) \
         SELECT v.code, v.title, v.category, v.kind, v.source, v.duration_s, v.designated_tenths, \
         v.designated_reason, v.status, v.created_at FROM {} WHERE true \
         ON CONFLICT (code) DO UPDATE SET title = excluded.title, category = excluded.category, \
         kind = excluded.kind, source = excluded.source, duration_s = excluded.duration_s, \
         designated_tenths = excluded.designated_tenths, \
         designated_reason = excluded.designated_reason",
        json_rows(backend_of(tx), 1, WRITE_COLUMNS)
    );
    for chunk in rows.chunks(WRITE_BATCH) {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(json(chunk)?)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Sets a course's status; false when it was already that.
pub async fn set_status(tx: &mut Tx, id: i64, status: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE courses SET status = $1 WHERE id = $2 AND status <> $1")
        .bind(status)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Of these courses, those somebody has completed (a course or legacy ledger entry, revoked or
/// not: credits once earned stay as earned), with how many entries.
pub async fn completions(tx: &mut Tx, course_ids: &[i64]) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    if course_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT course_id, CAST(COUNT(*) AS BIGINT) FROM ledger \
         WHERE kind IN ('course', 'legacy') AND course_id {} GROUP BY course_id",
        in_json(backend_of(tx), 1, "bigint")
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(json(course_ids)?)
        .fetch_all(&mut **tx)
        .await
}

/// How many course or legacy ledger entries a course has (`course show`).
pub async fn completed_by<'e, E>(ex: E, course_id: i64) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM ledger \
         WHERE kind IN ('course', 'legacy') AND course_id = $1",
    )
    .bind(course_id)
    .fetch_one(ex)
    .await
}

/// One course by its code, from the pool or inside a transaction.
pub async fn by_code<'e, E>(ex: E, code: &str) -> Result<Option<CourseRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM courses WHERE code = $1"
    )))
    .bind(code)
    .fetch_optional(ex)
    .await
}
