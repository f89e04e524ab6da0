//! Reads of the playback table: how far a learner got in each course.

use sqlx::{AnyPool, FromRow};

use super::Tx;

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

/// The learner's current lease with the course and playback it is about.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct LeaseRow {
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
    pub watched: Option<String>,
    pub completed_at: Option<i64>,
}

pub async fn lease_of(tx: &mut Tx, account_id: i64) -> Result<Option<LeaseRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.lease_id, l.course_id, l.last_beat_at, l.last_position, l.check_code, \
         l.check_issued_at, l.next_check_at, l.pending, c.duration_s, c.kind AS course_kind, p.watched, p.completed_at \
         FROM playback_leases l JOIN courses c ON c.id = l.course_id \
         LEFT JOIN playback p ON p.account_id = l.account_id AND p.course_id = l.course_id \
         WHERE l.account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(&mut **tx)
    .await
}

/// A lease's state after a beat.
#[derive(Debug, Clone)]
pub struct LeaseUpdate<'a> {
    pub account_id: i64,
    pub lease_id: &'a str,
    pub last_beat_at: i64,
    pub last_position: i64,
    pub check_code: Option<&'a str>,
    pub check_issued_at: Option<i64>,
    pub check_ok_at: Option<i64>,
    pub next_check_at: i64,
    pub pending: &'a str,
}

/// Writes the lease's state; false when the lease was replaced meanwhile (nothing written).
pub async fn update_lease(tx: &mut Tx, u: &LeaseUpdate<'_>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE playback_leases SET last_beat_at = $3, last_position = $4, check_code = $5, \
         check_issued_at = $6, last_check_ok_at = COALESCE($7, last_check_ok_at), \
         next_check_at = $8, pending = $9 WHERE account_id = $1 AND lease_id = $2",
    )
    .bind(u.account_id)
    .bind(u.lease_id)
    .bind(u.last_beat_at)
    .bind(u.last_position)
    .bind(u.check_code)
    .bind(u.check_issued_at)
    .bind(u.check_ok_at)
    .bind(u.next_check_at)
    .bind(u.pending)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A playback row's state after a beat.
#[derive(Debug, Clone)]
pub struct PlaybackUpdate<'a> {
    pub account_id: i64,
    pub course_id: i64,
    pub watched: &'a str,
    pub watched_s: i64,
    pub position_s: i64,
    pub completed_at: Option<i64>,
}

pub async fn update_playback(
    tx: &mut Tx,
    u: &PlaybackUpdate<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE playback SET watched = $3, watched_s = $4, position_s = $5, \
         completed_at = COALESCE(completed_at, $6), updated_at = $7 \
         WHERE account_id = $1 AND course_id = $2",
    )
    .bind(u.account_id)
    .bind(u.course_id)
    .bind(u.watched)
    .bind(u.watched_s)
    .bind(u.position_s)
    .bind(u.completed_at)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
