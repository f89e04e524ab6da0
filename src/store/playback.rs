//! Reads of the playback table: how far a learner got in each course.

use sqlx::{AnyPool, FromRow, Row};

use super::ledger::{completed_at_sql, completed_sql};
use super::{Backend, Tx, backend_of, in_json, json, json_rows};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ProgressRow {
    pub course_code: String,
    pub title: String,
    pub duration_s: i64,
    pub watched_s: i64,
    pub completed_at: Option<i64>,
    pub updated_at: i64,
}

/// Every course the learner has started, most recently played first.
pub async fn progress_of(pool: &AnyPool, account_id: i64) -> Result<Vec<ProgressRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT c.code AS course_code, c.title, c.duration_s, p.watched_s, {} AS completed_at, \
         p.updated_at FROM playback p JOIN courses c ON c.id = p.course_id \
         WHERE p.account_id = $1 ORDER BY p.updated_at DESC, c.code",
        completed_at_sql("p.account_id", "p.course_id")
    )))
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// A learner's playback of one course.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct PlaybackRow {
    pub watched: String,
    pub position_s: i64,
    pub completed_at: Option<i64>,
}

/// Creates the playback row if missing, then reads it.
pub async fn ensure(
    tx: &mut Tx,
    account_id: i64,
    course_id: i64,
    now: i64,
) -> Result<PlaybackRow, sqlx::Error> {
    sqlx::query(
        "INSERT INTO playback (account_id, course_id, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, course_id) DO NOTHING",
    )
    .bind(account_id)
    .bind(course_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT watched, position_s, {} AS completed_at FROM playback p \
         WHERE account_id = $1 AND course_id = $2",
        completed_at_sql("p.account_id", "p.course_id")
    )))
    .bind(account_id)
    .bind(course_id)
    .fetch_one(&mut **tx)
    .await
}

/// A new lease, replacing any other lease of the learner (on any device or node).
#[derive(Debug, Clone)]
pub struct NewLease<'a> {
    pub account_id: i64,
    pub lease_id: &'a str,
    pub course_id: i64,
    pub node: &'a str,
    pub address: &'a str,
    pub position: i64,
}

pub async fn take_lease(tx: &mut Tx, l: &NewLease<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO playback_leases (account_id, lease_id, course_id, node, address, started_at, \
         last_beat_at, last_position, credit_until) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $6) \
         ON CONFLICT (account_id) DO UPDATE SET lease_id = excluded.lease_id, \
         course_id = excluded.course_id, node = excluded.node, address = excluded.address, \
         started_at = excluded.started_at, last_beat_at = excluded.last_beat_at, \
         last_position = excluded.last_position, credit_until = excluded.credit_until",
    )
    .bind(l.account_id)
    .bind(l.lease_id)
    .bind(l.course_id)
    .bind(l.node)
    .bind(l.address)
    .bind(now)
    .bind(l.position)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A learner's current lease with the course and playback it is about.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct LeaseRow {
    pub account_id: i64,
    pub lease_id: String,
    pub course_id: i64,
    pub last_beat_at: i64,
    pub last_position: i64,
    pub credit_until: i64,
    pub duration_s: i64,
    pub course_kind: String,
    pub course_code: String,
    pub watched: Option<String>,
    pub unverified: Option<String>,
    /// 1 when the course is completed (see `ledger::COMPLETED`).
    pub completed: i64,
}

/// The current leases of these learners (one query for a whole batch of beats).
pub async fn leases_of(tx: &mut Tx, account_ids: &[i64]) -> Result<Vec<LeaseRow>, sqlx::Error> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT l.account_id, l.lease_id, l.course_id, l.last_beat_at, l.last_position, \
         l.credit_until, c.duration_s, c.kind AS course_kind, c.code AS course_code, p.watched, \
         p.unverified, CASE WHEN {} THEN 1 ELSE 0 END AS completed \
         FROM playback_leases l JOIN courses c ON c.id = l.course_id \
         LEFT JOIN playback p ON p.account_id = l.account_id AND p.course_id = l.course_id \
         WHERE l.account_id {}",
        completed_sql("l.account_id", "l.course_id"),
        in_json(backend_of(tx), 1, "bigint")
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(json(account_ids)?)
        .fetch_all(&mut **tx)
        .await
}

/// A lease's state after a beat.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LeaseUpdate<'a> {
    pub account_id: i64,
    pub lease_id: &'a str,
    pub course_id: i64,
    pub last_beat_at: i64,
    pub last_position: i64,
    pub credit_until: i64,
}

const LEASE_COLUMNS: &[(&str, &str)] = &[
    ("account_id", "bigint"),
    ("lease_id", "text"),
    ("course_id", "bigint"),
    ("last_beat_at", "bigint"),
    ("last_position", "bigint"),
    ("credit_until", "bigint"),
];

/// Writes the leases' states in one statement; returns the accounts whose lease was still the
/// same (a lease replaced meanwhile is left alone).
///
/// A multi-row upsert serves as the batched update on both databases: each row finds its lease
/// through the primary key (SQLite's `UPDATE … FROM` would scan instead). The rows always exist
/// (read in this transaction; leases are replaced, never deleted), so the `INSERT` half never
/// adds one; `started_at` is there only to satisfy it.
pub async fn update_leases(tx: &mut Tx, rows: &[LeaseUpdate<'_>]) -> Result<Vec<i64>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "INSERT INTO playback_leases AS l (account_id, lease_id, course_id, last_beat_at, \
         last_position, credit_until, started_at) \
         SELECT v.account_id, v.lease_id, v.course_id, v.last_beat_at, v.last_position, \
         v.credit_until, v.last_beat_at FROM {} WHERE true \
         ON CONFLICT (account_id) DO UPDATE SET last_beat_at = excluded.last_beat_at, \
         last_position = excluded.last_position, credit_until = excluded.credit_until \
         WHERE l.lease_id = excluded.lease_id \
         RETURNING account_id",
        json_rows(backend_of(tx), 1, LEASE_COLUMNS)
    );
    let returned = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(json(rows)?)
        .fetch_all(&mut **tx)
        .await?;
    returned.iter().map(|r| r.try_get::<i64, _>(0)).collect()
}

/// A playback row's state after a beat.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlaybackUpdate<'a> {
    pub account_id: i64,
    pub course_id: i64,
    pub watched: &'a str,
    pub watched_s: i64,
    pub position_s: i64,
    pub unverified: &'a str,
    pub completed_at: Option<i64>,
    pub updated_at: i64,
}

const PLAYBACK_COLUMNS: &[(&str, &str)] = &[
    ("account_id", "bigint"),
    ("course_id", "bigint"),
    ("watched", "text"),
    ("watched_s", "bigint"),
    ("position_s", "bigint"),
    ("unverified", "text"),
    ("completed_at", "bigint"),
    ("updated_at", "bigint"),
];

/// Writes the playback rows in one statement (an upsert, as for the leases above).
pub async fn update_playbacks(tx: &mut Tx, rows: &[PlaybackUpdate<'_>]) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO playback AS p (account_id, course_id, watched, watched_s, position_s, \
         unverified, completed_at, updated_at) \
         SELECT v.account_id, v.course_id, v.watched, v.watched_s, v.position_s, \
         v.unverified, v.completed_at, v.updated_at FROM {} WHERE true \
         ON CONFLICT (account_id, course_id) DO UPDATE SET watched = excluded.watched, \
         watched_s = excluded.watched_s, position_s = excluded.position_s, \
         unverified = excluded.unverified, \
         completed_at = COALESCE(p.completed_at, excluded.completed_at), \
         updated_at = excluded.updated_at",
        json_rows(backend_of(tx), 1, PLAYBACK_COLUMNS)
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(json(rows)?)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A course's playback starts again from nothing (its completion was revoked: the learner must
/// really watch it again).
pub async fn restart(
    tx: &mut Tx,
    account_id: i64,
    course_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE playback SET watched = '', watched_s = 0, position_s = 0, unverified = '', \
         completed_at = NULL, updated_at = $3 WHERE account_id = $1 AND course_id = $2",
    )
    .bind(account_id)
    .bind(course_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An account's anti-idle state (`rules::playback::Checks`).
#[derive(Debug, Clone, PartialEq, Eq, FromRow, serde::Serialize)]
pub struct CheckRow {
    pub account_id: i64,
    pub code: Option<String>,
    pub issued_at: Option<i64>,
    pub wrong: i64,
    pub next_check_at: i64,
    pub last_ok_at: Option<i64>,
}

/// Creates the account's anti-idle row if missing, its first check due at `next_check_at`.
pub async fn ensure_checks(
    tx: &mut Tx,
    account_id: i64,
    next_check_at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO playback_checks (account_id, next_check_at) VALUES ($1, $2) \
         ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(account_id)
    .bind(next_check_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Row locks on PostgreSQL: the beat writers, the answer, a new lease and a sign-out all take the
/// account's check row first, so none of them overwrites another's decision (SQLite has one
/// writer).
fn for_update(tx: &Tx) -> &'static str {
    match backend_of(tx) {
        Backend::Sqlite => "",
        Backend::Postgres => " ORDER BY account_id FOR UPDATE",
    }
}

/// The anti-idle rows of these accounts, locked until the transaction ends.
pub async fn checks_of(tx: &mut Tx, account_ids: &[i64]) -> Result<Vec<CheckRow>, sqlx::Error> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT account_id, code, issued_at, wrong, next_check_at, last_ok_at \
         FROM playback_checks WHERE account_id {}{}",
        in_json(backend_of(tx), 1, "bigint"),
        for_update(tx)
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(json(account_ids)?)
        .fetch_all(&mut **tx)
        .await
}

/// One account's anti-idle row, locked until the transaction ends.
pub async fn check_of(tx: &mut Tx, account_id: i64) -> Result<Option<CheckRow>, sqlx::Error> {
    let sql = format!(
        "SELECT account_id, code, issued_at, wrong, next_check_at, last_ok_at \
         FROM playback_checks WHERE account_id = $1{}",
        for_update(tx)
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(account_id)
        .fetch_optional(&mut **tx)
        .await
}

/// The code of the account's waiting check and when it was issued (for drawing it).
pub async fn waiting_code(
    pool: &AnyPool,
    account_id: i64,
) -> Result<Option<(String, i64)>, sqlx::Error> {
    let row: Option<(Option<String>, Option<i64>)> =
        sqlx::query_as("SELECT code, issued_at FROM playback_checks WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(pool)
            .await?;
    Ok(match row {
        Some((Some(code), Some(at))) => Some((code, at)),
        _ => None,
    })
}

const CHECK_COLUMNS: &[(&str, &str)] = &[
    ("account_id", "bigint"),
    ("code", "text"),
    ("issued_at", "bigint"),
    ("wrong", "bigint"),
    ("next_check_at", "bigint"),
    ("last_ok_at", "bigint"),
];

/// Writes anti-idle rows in one statement.
pub async fn update_checks(tx: &mut Tx, rows: &[CheckRow]) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO playback_checks AS k (account_id, code, issued_at, wrong, next_check_at, \
         last_ok_at) \
         SELECT v.account_id, v.code, v.issued_at, v.wrong, v.next_check_at, v.last_ok_at \
         FROM {} WHERE true \
         ON CONFLICT (account_id) DO UPDATE SET code = excluded.code, \
         issued_at = excluded.issued_at, wrong = excluded.wrong, \
         next_check_at = excluded.next_check_at, last_ok_at = excluded.last_ok_at",
        json_rows(backend_of(tx), 1, CHECK_COLUMNS)
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(json(rows)?)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Accounts whose waiting check was issued before `before` (lapsed), at most `limit`.
pub async fn lapsed_checks(
    pool: &AnyPool,
    before: i64,
    limit: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT account_id FROM playback_checks WHERE issued_at < $1 ORDER BY issued_at LIMIT $2",
    )
    .bind(before)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// A course of an account holding unverified time.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct UnverifiedRow {
    pub course_id: i64,
    pub course_code: String,
    pub watched: String,
    pub unverified: String,
}

/// The courses of an account holding unverified time.
pub async fn unverified_of(
    tx: &mut Tx,
    account_id: i64,
) -> Result<Vec<UnverifiedRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.course_id, c.code AS course_code, p.watched, p.unverified FROM playback p \
         JOIN courses c ON c.id = p.course_id \
         WHERE p.account_id = $1 AND p.unverified <> '' ORDER BY c.code",
    )
    .bind(account_id)
    .fetch_all(&mut **tx)
    .await
}

/// A course's union after a missed check took the unverified time out.
pub async fn write_forfeit(
    tx: &mut Tx,
    account_id: i64,
    course_id: i64,
    watched: &str,
    watched_s: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE playback SET watched = $3, watched_s = $4, unverified = '' \
         WHERE account_id = $1 AND course_id = $2",
    )
    .bind(account_id)
    .bind(course_id)
    .bind(watched)
    .bind(watched_s)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An answered check: the time since the previous one is verified in every course.
pub async fn verify_all(tx: &mut Tx, account_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE playback SET unverified = '' WHERE account_id = $1 AND unverified <> ''")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
