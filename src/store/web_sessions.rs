//! Learner web sign-ins: one row per login, so staff can end it and every node sees the same state.

use sqlx::{AnyPool, FromRow};

use super::Tx;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct SessionRow {
    pub id: String,
    pub account_id: i64,
    pub username: String,
    pub status: String,
    pub must_change: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub revoked: i64,
}

pub struct NewSession<'a> {
    pub id: &'a str,
    pub account_id: i64,
    pub expires_at: i64,
    pub address: &'a str,
    pub user_agent: &'a str,
}

pub async fn insert(tx: &mut Tx, s: &NewSession<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO web_sessions (id, account_id, created_at, last_seen_at, expires_at, revoked, \
         address, user_agent) VALUES ($1, $2, $3, $3, $4, 0, $5, $6)",
    )
    .bind(s.id)
    .bind(s.account_id)
    .bind(now)
    .bind(s.expires_at)
    .bind(s.address)
    .bind(s.user_agent)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A `SessionRow`: the session with its account's name, status and must-change flag.
const SELECT_ROW: &str = "SELECT w.id, w.account_id, a.username, a.status, a.must_change, \
     w.created_at, w.last_seen_at, w.expires_at, w.revoked FROM web_sessions w \
     JOIN accounts a ON a.id = w.account_id";

/// The session with its account's name, status and must-change flag.
pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT_ROW} WHERE w.id = $1")))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The sessions with these ids, as `get` reads them (one query for a batch of heartbeats).
pub async fn get_many(tx: &mut Tx, ids: &[&str]) -> Result<Vec<SessionRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{SELECT_ROW} WHERE w.id {}",
        super::in_json(super::backend_of(tx), 1, "text")
    );
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(super::json(ids)?)
        .fetch_all(&mut **tx)
        .await
}

/// A session seen again: its new `last_seen_at` and idle expiry.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Touch<'a> {
    pub id: &'a str,
    pub seen: i64,
    pub expires: i64,
}

/// Moves the idle expiry of many live sessions forward in one statement (heartbeat batches).
pub async fn touch_many(tx: &mut Tx, rows: &[Touch<'_>]) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE web_sessions SET last_seen_at = v.seen, expires_at = v.expires FROM {} \
         WHERE web_sessions.id = v.id AND web_sessions.revoked = 0",
        super::json_rows(
            super::backend_of(tx),
            1,
            &[("id", "text"), ("seen", "bigint"), ("expires", "bigint")]
        )
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(super::json(rows)?)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Moves the idle expiry of a live session forward.
pub async fn touch(tx: &mut Tx, id: &str, now: i64, expires_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE web_sessions SET last_seen_at = $2, expires_at = $3 WHERE id = $1 AND revoked = 0",
    )
    .bind(id)
    .bind(now)
    .bind(expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn revoke(tx: &mut Tx, id: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE web_sessions SET revoked = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Ends every live session of an account; returns how many were live.
pub async fn revoke_all_of(tx: &mut Tx, account_id: i64, now: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE web_sessions SET revoked = 1 WHERE account_id = $1 AND revoked = 0 \
         AND expires_at > $2",
    )
    .bind(account_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected())
}
