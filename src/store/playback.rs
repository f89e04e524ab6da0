//! Reads of the playback table: how far a learner got in each course.

use sqlx::{AnyPool, FromRow, Row};

use super::{Tx, backend_of, in_json, json, json_rows};

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
    sqlx::query_as(
        "SELECT c.code AS course_code, c.title, c.duration_s, p.watched_s, p.completed_at, \
         p.updated_at FROM playback p JOIN courses c ON c.id = p.course_id \
         WHERE p.account_id = $1 ORDER BY p.updated_at DESC, c.code",
    )
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
    sqlx::query_as(
        "SELECT watched, position_s, completed_at FROM playback \
         WHERE account_id = $1 AND course_id = $2",
    )
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
    pub next_check_at: i64,
}

pub async fn take_lease(tx: &mut Tx, l: &NewLease<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO playback_leases (account_id, lease_id, course_id, node, address, started_at, \
         last_beat_at, last_position, check_code, check_issued_at, last_check_ok_at, \
         next_check_at, pending) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, NULL, NULL, NULL, $8, '') \
         ON CONFLICT (account_id) DO UPDATE SET lease_id = excluded.lease_id, \
         course_id = excluded.course_id, node = excluded.node, address = excluded.address, \
         started_at = excluded.started_at, last_beat_at = excluded.last_beat_at, \
         last_position = excluded.last_position, check_code = NULL, check_issued_at = NULL, \
         last_check_ok_at = NULL, next_check_at = excluded.next_check_at, pending = ''",
    )
    .bind(l.account_id)
    .bind(l.lease_id)
    .bind(l.course_id)
    .bind(l.node)
    .bind(l.address)
    .bind(now)
    .bind(l.position)
    .bind(l.next_check_at)
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
    pub check_code: Option<String>,
    pub check_issued_at: Option<i64>,
    pub next_check_at: i64,
    pub pending: String,
    pub duration_s: i64,
    pub course_kind: String,
    pub course_code: String,
    pub watched: Option<String>,
    pub completed_at: Option<i64>,
}

/// The current leases of these learners (one query for a whole batch of beats).
pub async fn leases_of(tx: &mut Tx, account_ids: &[i64]) -> Result<Vec<LeaseRow>, sqlx::Error> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT l.account_id, l.lease_id, l.course_id, l.last_beat_at, l.last_position, \
         l.check_code, l.check_issued_at, l.next_check_at, l.pending, c.duration_s, \
         c.kind AS course_kind, c.code AS course_code, p.watched, p.completed_at \
         FROM playback_leases l JOIN courses c ON c.id = l.course_id \
         LEFT JOIN playback p ON p.account_id = l.account_id AND p.course_id = l.course_id \
         WHERE l.account_id {}",
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
    pub check_code: Option<&'a str>,
    pub check_issued_at: Option<i64>,
    pub check_ok_at: Option<i64>,
    pub next_check_at: i64,
    pub pending: &'a str,
}

const LEASE_COLUMNS: &[(&str, &str)] = &[
    ("account_id", "bigint"),
    ("lease_id", "text"),
    ("course_id", "bigint"),
    ("last_beat_at", "bigint"),
    ("last_position", "bigint"),
    ("check_code", "text"),
    ("check_issued_at", "bigint"),
    ("check_ok_at", "bigint"),
    ("next_check_at", "bigint"),
    ("pending", "text"),
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
         last_position, check_code, check_issued_at, last_check_ok_at, next_check_at, pending, \
         started_at) \
         SELECT v.account_id, v.lease_id, v.course_id, v.last_beat_at, v.last_position, \
         v.check_code, v.check_issued_at, v.check_ok_at, v.next_check_at, v.pending, \
         v.last_beat_at FROM {} WHERE true \
         ON CONFLICT (account_id) DO UPDATE SET last_beat_at = excluded.last_beat_at, \
         last_position = excluded.last_position, check_code = excluded.check_code, \
         check_issued_at = excluded.check_issued_at, \
         last_check_ok_at = COALESCE(excluded.last_check_ok_at, l.last_check_ok_at), \
         next_check_at = excluded.next_check_at, pending = excluded.pending \
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
    pub completed_at: Option<i64>,
    pub updated_at: i64,
}

const PLAYBACK_COLUMNS: &[(&str, &str)] = &[
    ("account_id", "bigint"),
    ("course_id", "bigint"),
    ("watched", "text"),
    ("watched_s", "bigint"),
    ("position_s", "bigint"),
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
         completed_at, updated_at) \
         SELECT v.account_id, v.course_id, v.watched, v.watched_s, v.position_s, \
         v.completed_at, v.updated_at FROM {} WHERE true \
         ON CONFLICT (account_id, course_id) DO UPDATE SET watched = excluded.watched, \
         watched_s = excluded.watched_s, position_s = excluded.position_s, \
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
