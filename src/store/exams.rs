//! Exam attempts and question banks (the exams themselves are created in `courses`).

use sqlx::{Any, Executor, FromRow};

use super::Tx;

/// An exam with the course it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ExamRow {
    pub id: i64,
    pub course_id: i64,
    pub course_code: String,
    pub title: String,
    pub question_count: i64,
    pub pass_percent: i64,
    pub max_attempts: i64,
    pub bonus_tenths: i64,
    pub time_limit_s: i64,
}

const EXAM: &str = "SELECT e.id, e.course_id, c.code AS course_code, e.title, e.question_count, \
     e.pass_percent, e.max_attempts, e.bonus_tenths, e.time_limit_s \
     FROM exams e JOIN courses c ON c.id = e.course_id";

/// The exam of a course; `ex` is the reader pool or `&mut **tx`.
pub async fn by_course<'e, E>(ex: E, course_id: i64) -> Result<Option<ExamRow>, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{EXAM} WHERE e.course_id = $1"
    )))
    .bind(course_id)
    .fetch_optional(ex)
    .await
}

pub async fn by_id_tx(tx: &mut Tx, id: i64) -> Result<Option<ExamRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{EXAM} WHERE e.id = $1")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// Changes an existing exam's settings.
pub async fn update_settings(
    tx: &mut Tx,
    id: i64,
    question_count: i64,
    pass_percent: i64,
    max_attempts: i64,
    bonus_tenths: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE exams SET question_count = $2, pass_percent = $3, max_attempts = $4, \
         bonus_tenths = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(question_count)
    .bind(pass_percent)
    .bind(max_attempts)
    .bind(bonus_tenths)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Retires every current question of the exam; returns how many.
pub async fn retire_questions(tx: &mut Tx, exam_id: i64) -> Result<u64, sqlx::Error> {
    Ok(
        sqlx::query("UPDATE exam_questions SET retired = 1 WHERE exam_id = $1 AND retired = 0")
            .bind(exam_id)
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}

/// How many questions the exam's current bank holds (the most an attempt may draw); `ex` is
/// the reader pool or `&mut **tx`.
pub async fn bank_size<'e, E>(ex: E, exam_id: i64) -> Result<i64, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM exam_questions WHERE exam_id = $1 AND retired = 0",
    )
    .bind(exam_id)
    .fetch_one(ex)
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct QuestionRow {
    pub id: i64,
    pub kind: String,
    pub stem: String,
    pub options: String,
    pub answer: String,
}

/// The ids of the questions an attempt may draw from.
pub async fn active_question_ids(tx: &mut Tx, exam_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM exam_questions WHERE exam_id = $1 AND retired = 0 ORDER BY sort, id",
    )
    .bind(exam_id)
    .fetch_all(&mut **tx)
    .await
}

/// Every question of the exam, retired ones too (an attempt may have drawn them).
pub async fn questions(tx: &mut Tx, exam_id: i64) -> Result<Vec<QuestionRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, kind, stem, options, answer FROM exam_questions WHERE exam_id = $1 ORDER BY id",
    )
    .bind(exam_id)
    .fetch_all(&mut **tx)
    .await
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct AttemptRow {
    pub id: i64,
    pub exam_id: i64,
    pub account_id: i64,
    pub question_ids: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    /// The graded answer sheet (JSON); NULL on a finished attempt means it timed out.
    pub answers: Option<String>,
}

const ATTEMPT: &str = "SELECT id, exam_id, account_id, question_ids, started_at, finished_at, \
     answers FROM exam_attempts";

pub async fn attempt_tx(tx: &mut Tx, id: i64) -> Result<Option<AttemptRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{ATTEMPT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// The learner's unfinished attempt at the exam, if any (the newest).
pub async fn open_attempt(
    tx: &mut Tx,
    exam_id: i64,
    account_id: i64,
) -> Result<Option<AttemptRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ATTEMPT} WHERE exam_id = $1 AND account_id = $2 AND finished_at IS NULL \
         ORDER BY id DESC LIMIT 1"
    )))
    .bind(exam_id)
    .bind(account_id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn insert_attempt(
    tx: &mut Tx,
    exam_id: i64,
    account_id: i64,
    question_ids: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO exam_attempts (exam_id, account_id, question_ids, started_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(exam_id)
    .bind(account_id)
    .bind(question_ids)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// Records a graded attempt; false when it was already finished (nothing written).
pub async fn finish_attempt(
    tx: &mut Tx,
    id: i64,
    answers: Option<&str>,
    score: i64,
    passed: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE exam_attempts SET answers = $2, score = $3, passed = $4, finished_at = $5 \
         WHERE id = $1 AND finished_at IS NULL",
    )
    .bind(id)
    .bind(answers)
    .bind(score)
    .bind(i64::from(passed))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Attempts the learner started at the exam, and whether they passed it (by an attempt, or by
/// an exam entry in the ledger, e.g. from imported history).
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromRow)]
pub struct Record {
    pub attempts: i64,
    pub passed: i64,
    pub course_done: i64,
}

/// `ex` is the reader pool or `&mut **tx`.
pub async fn record<'e, E>(
    ex: E,
    exam_id: i64,
    course_id: i64,
    account_id: i64,
) -> Result<Record, sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query_as(sqlx::AssertSqlSafe(record_sql()))
        .bind(exam_id)
        .bind(account_id)
        .bind(course_id)
        .fetch_one(ex)
        .await
}

/// The exam unlocks when the course is completed (`ledger::completed_sql`: a revoked completion
/// no longer counts).
fn record_sql() -> String {
    format!(
        "SELECT \
         (SELECT COUNT(*) FROM exam_attempts WHERE exam_id = $1 AND account_id = $2) AS attempts, \
         (SELECT COUNT(*) FROM exam_attempts WHERE exam_id = $1 AND account_id = $2 AND passed = 1) \
         + (SELECT COUNT(*) FROM ledger WHERE exam_id = $1 AND account_id = $2 AND kind = 'exam') \
         AS passed, \
         CASE WHEN {} THEN 1 ELSE 0 END AS course_done",
        super::ledger::completed_sql("$2", "$3")
    )
}
