//! Roster submissions and their rows (tables `roster_submissions`, `roster_rows`): a unit's list
//! of cadres on its way from submission through review and approval to issued accounts.

use sqlx::{AnyPool, FromRow};

use super::Tx;
use super::bulk::{self, Val};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct SubmissionRow {
    pub id: i64,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_path: String,
    pub status: String,
    pub file_name: String,
    pub row_count: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub returned_by: Option<String>,
    pub returned_at: Option<i64>,
    pub note: String,
    pub issued_at: Option<i64>,
    pub credentials_fetched_at: Option<i64>,
}

const SUBMISSION: &str = "SELECT s.id, s.unit_id, u.code AS unit_code, u.name AS unit_name, \
     u.path AS unit_path, s.status, s.file_name, s.row_count, \
     CAST((SELECT COUNT(*) FROM roster_rows r WHERE r.submission_id = s.id AND r.status = 'accepted') AS BIGINT) AS accepted, \
     CAST((SELECT COUNT(*) FROM roster_rows r WHERE r.submission_id = s.id AND r.status = 'rejected') AS BIGINT) AS rejected, \
     a1.username AS submitted_by, s.submitted_at, a2.username AS reviewed_by, s.reviewed_at, \
     a3.username AS approved_by, s.approved_at, a4.username AS returned_by, s.returned_at, \
     s.note, s.issued_at, s.credentials_fetched_at \
     FROM roster_submissions s JOIN units u ON u.id = s.unit_id \
     JOIN accounts a1 ON a1.id = s.submitted_by \
     LEFT JOIN accounts a2 ON a2.id = s.reviewed_by \
     LEFT JOIN accounts a3 ON a3.id = s.approved_by \
     LEFT JOIN accounts a4 ON a4.id = s.returned_by";

/// Submissions of units whose path starts with `path_prefix` ('/' for the city), newest first.
pub async fn list(pool: &AnyPool, path_prefix: &str) -> Result<Vec<SubmissionRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SUBMISSION} WHERE u.path LIKE $1 ORDER BY s.id DESC"
    )))
    .bind(format!("{path_prefix}%"))
    .fetch_all(pool)
    .await
}

pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<SubmissionRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SUBMISSION} WHERE s.id = $1")))
        .bind(id)
        .fetch_optional(pool)
        .await
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RowRow {
    pub id: i64,
    pub row_no: i64,
    pub real_name: String,
    pub id_number: String,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub post: String,
    pub phone: String,
    pub batch: i64,
    pub status: String,
    pub reject_reason: String,
    pub account_id: Option<i64>,
    pub username: Option<String>,
    pub initial_password: Option<String>,
}

const ROWS: &str = "SELECT r.id, r.row_no, r.real_name, r.id_number, r.unit_id, u.code AS unit_code, \
     u.name AS unit_name, r.post, r.phone, r.batch, r.status, r.reject_reason, r.account_id, \
     r.username, r.initial_password FROM roster_rows r JOIN units u ON u.id = r.unit_id \
     WHERE r.submission_id = $1 ORDER BY r.row_no";

pub async fn rows(pool: &AnyPool, submission_id: i64) -> Result<Vec<RowRow>, sqlx::Error> {
    sqlx::query_as(ROWS)
        .bind(submission_id)
        .fetch_all(pool)
        .await
}

pub async fn rows_in(tx: &mut Tx, submission_id: i64) -> Result<Vec<RowRow>, sqlx::Error> {
    sqlx::query_as(ROWS)
        .bind(submission_id)
        .fetch_all(&mut **tx)
        .await
}

/// ID numbers in submissions still open (submitted or reviewed), rows not rejected.
pub async fn open_id_numbers(pool: &AnyPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT r.id_number FROM roster_rows r JOIN roster_submissions s ON s.id = r.submission_id \
         WHERE s.status IN ('submitted', 'reviewed') AND r.status <> 'rejected'",
    )
    .fetch_all(pool)
    .await
}

pub struct NewRow<'a> {
    pub row_no: i64,
    pub real_name: &'a str,
    pub id_number: &'a str,
    pub unit_id: i64,
    pub post: &'a str,
    pub phone: &'a str,
    pub batch: i64,
}

/// Inserts a submission with its rows; returns its id.
pub async fn insert(
    tx: &mut Tx,
    unit_id: i64,
    file_name: &str,
    submitted_by: i64,
    rows: &[NewRow<'_>],
    now: i64,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO roster_submissions (unit_id, file_name, row_count, submitted_by, submitted_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(unit_id)
    .bind(file_name)
    .bind(rows.len() as i64)
    .bind(submitted_by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let values: Vec<Vec<Val>> = rows
        .iter()
        .map(|r| {
            vec![
                Val::from(id),
                Val::from(r.row_no),
                Val::from(r.real_name),
                Val::from(r.id_number),
                Val::from(r.unit_id),
                Val::from(r.post),
                Val::from(r.phone),
                Val::from(r.batch),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "roster_rows",
        &[
            "submission_id",
            "row_no",
            "real_name",
            "id_number",
            "unit_id",
            "post",
            "phone",
            "batch",
        ],
        &values,
    )
    .await?;
    Ok(id)
}

/// Sets the status (and reason) of the rows numbered `first..=last`; returns how many changed.
pub async fn set_rows(
    tx: &mut Tx,
    submission_id: i64,
    first: i64,
    last: i64,
    status: &str,
    reason: &str,
) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE roster_rows SET status = $1, reject_reason = $2 \
         WHERE submission_id = $3 AND row_no BETWEEN $4 AND $5",
    )
    .bind(status)
    .bind(reason)
    .bind(submission_id)
    .bind(first)
    .bind(last)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Moves the submission from `from` to `to`, stamping who and when in the step's columns. Returns
/// false when it was not in `from` any more (someone else acted first).
pub async fn advance(
    tx: &mut Tx,
    id: i64,
    step: Step,
    actor_id: Option<i64>,
    note: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let sql: &'static str = match step {
        Step::Review => {
            "UPDATE roster_submissions SET status = 'reviewed', reviewed_by = $1, reviewed_at = $2, note = $3 \
             WHERE id = $4 AND status = 'submitted'"
        }
        Step::Approve => {
            "UPDATE roster_submissions SET status = 'approved', approved_by = $1, approved_at = $2, issued_at = $2, note = $3 \
             WHERE id = $4 AND status = 'reviewed'"
        }
        Step::Return => {
            "UPDATE roster_submissions SET status = 'returned', returned_by = $1, returned_at = $2, note = $3 \
             WHERE id = $4 AND status IN ('submitted', 'reviewed')"
        }
    };
    let done = sqlx::query(sql)
        .bind(actor_id)
        .bind(now)
        .bind(note)
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(done == 1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Review,
    Approve,
    Return,
}

/// The account issued for a roster row, with its initial password until the unit fetches it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IssuedRow<'a> {
    pub row_id: i64,
    pub account_id: i64,
    pub username: &'a str,
    pub initial_password: &'a str,
}

/// Records the accounts issued for many rows in one statement (the batch is one JSON parameter:
/// thousands of single updates held the writer, and on SQLite every other writer, for longer).
pub async fn set_issued(tx: &mut Tx, rows: &[IssuedRow<'_>]) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE roster_rows SET account_id = v.account_id, username = v.username, \
         initial_password = v.initial_password FROM {} WHERE roster_rows.id = v.row_id",
        super::json_rows(
            super::backend_of(tx),
            1,
            &[
                ("row_id", "bigint"),
                ("account_id", "bigint"),
                ("username", "text"),
                ("initial_password", "text"),
            ]
        )
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(super::json(rows)?)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Marks the credentials fetched and wipes the initial passwords. Returns false when they had
/// been fetched already (or the submission is not approved).
pub async fn fetched(tx: &mut Tx, submission_id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE roster_submissions SET status = 'issued', credentials_fetched_at = $1 \
         WHERE id = $2 AND status = 'approved'",
    )
    .bind(now)
    .bind(submission_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    sqlx::query("UPDATE roster_rows SET initial_password = NULL WHERE submission_id = $1")
        .bind(submission_id)
        .execute(&mut **tx)
        .await?;
    Ok(done == 1)
}

/// Every username and every ID number with an account, read inside the issuing transaction.
pub async fn taken(tx: &mut Tx) -> Result<Vec<(String, Option<String>)>, sqlx::Error> {
    sqlx::query_as("SELECT username, id_number FROM accounts")
        .fetch_all(&mut **tx)
        .await
}
