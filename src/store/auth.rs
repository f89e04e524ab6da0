//! Sign-in bookkeeping shared by every node: attempts reserved per account and per address (and
//! the locks they lead to), recorded failures, last sign-in, and staff SSH keys.

use sqlx::AnyPool;

use super::Tx;

pub async fn record_failure(
    tx: &mut Tx,
    username: &str,
    account_id: Option<i64>,
    address: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_failures (username, account_id, address, at) VALUES ($1, $2, $3, $4)",
    )
    .bind(username)
    .bind(account_id)
    .bind(address)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Who a counter of sign-in attempts is about.
pub fn account_subject(account_id: i64) -> String {
    format!("account:{account_id}")
}

pub fn address_subject(address: &str) -> String {
    format!("address:{address}")
}

/// Reserves one attempt for `subject` before its password is checked: one statement, so two
/// nodes (or two connections) cannot both take the last one. A window that began at or before
/// `since` and whose lock (if any) is over starts afresh. Returns the window's start, which the
/// answer ([`failed`], [`succeeded`]) names, or None when `limit` attempts are already taken.
pub async fn reserve(
    tx: &mut Tx,
    subject: &str,
    now: i64,
    since: i64,
    limit: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO login_attempts (subject, window_start, n, pending) VALUES ($1, $2, 1, 1) \
         ON CONFLICT (subject) DO UPDATE SET \
           window_start = CASE WHEN login_attempts.window_start <= $3 \
             AND COALESCE(login_attempts.locked_until, 0) <= $2 \
             THEN $2 ELSE login_attempts.window_start END, \
           n = CASE WHEN login_attempts.window_start <= $3 \
             AND COALESCE(login_attempts.locked_until, 0) <= $2 \
             THEN 1 ELSE login_attempts.n + 1 END, \
           pending = CASE WHEN login_attempts.window_start <= $3 \
             AND COALESCE(login_attempts.locked_until, 0) <= $2 \
             THEN 1 ELSE login_attempts.pending + 1 END, \
           locked_until = CASE WHEN login_attempts.window_start <= $3 \
             AND COALESCE(login_attempts.locked_until, 0) <= $2 \
             THEN NULL ELSE login_attempts.locked_until END \
         WHERE (login_attempts.window_start <= $3 \
             AND COALESCE(login_attempts.locked_until, 0) <= $2) \
           OR (login_attempts.n < $4 AND COALESCE(login_attempts.locked_until, 0) <= $2) \
         RETURNING window_start",
    )
    .bind(subject)
    .bind(now)
    .bind(since)
    .bind(limit)
    .fetch_optional(&mut **tx)
    .await
}

/// Lets the transaction's commit return before PostgreSQL has flushed it to disk: other sessions
/// see it at once all the same, so reservations stay exact across nodes; only a crash of the
/// database server could forget the last fraction of a second of them. Spares a sign-in the one
/// extra disk flush its reservation would cost (BENCHMARKS.md, sign-in). SQLite (WAL,
/// `synchronous = NORMAL`) does not flush at commit anyway.
pub async fn commit_without_flush(tx: &mut Tx) -> Result<(), sqlx::Error> {
    if super::backend_of(tx) == super::Backend::Postgres {
        sqlx::query("SET LOCAL synchronous_commit = off")
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A reserved attempt turned out wrong: it stays counted, and when the window's failures reach
/// `limit` the subject is locked until `lock_until`, for `why`. Returns the window's failures,
/// or None when the window is gone (unlocked meanwhile).
pub async fn failed(
    tx: &mut Tx,
    subject: &str,
    window_start: i64,
    limit: i64,
    lock_until: i64,
    why: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE login_attempts SET pending = pending - 1, \
           locked_until = CASE WHEN n - pending + 1 >= $3 THEN $4 ELSE locked_until END, \
           locked_why = CASE WHEN n - pending + 1 >= $3 THEN $5 ELSE locked_why END \
         WHERE subject = $1 AND window_start = $2 RETURNING n - pending",
    )
    .bind(subject)
    .bind(window_start)
    .bind(limit)
    .bind(lock_until)
    .bind(why)
    .fetch_optional(&mut **tx)
    .await
}

/// A reserved attempt turned out right: it is no failure, so its place is given back, but for
/// an account only when no other attempt is still being checked. Otherwise a right password in a
/// burst of guesses would open one more place for a guess, and more than the limit would be
/// checked in the window. The failures already counted stay counted (N wrong in a window lock,
/// whatever came between). `always_release` for an address: many people share one.
pub async fn succeeded(
    tx: &mut Tx,
    subject: &str,
    window_start: i64,
    always_release: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE login_attempts SET \
           n = n - CASE WHEN pending = 1 OR $3 = 1 THEN 1 ELSE 0 END, pending = pending - 1 \
         WHERE subject = $1 AND window_start = $2",
    )
    .bind(subject)
    .bind(window_start)
    .bind(i64::from(always_release))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A lock in force: until when and why.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Lock {
    pub until: i64,
    pub why: String,
}

/// The subject's lock, if one is in force at `now`; also when `limit` attempts of a window that
/// began after `since` are taken (some still being checked): then until the window ends.
pub async fn lock_of<'e, E>(
    ex: E,
    subject: &str,
    now: i64,
    since: i64,
    limit: i64,
) -> Result<Option<Lock>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_as(
        "SELECT CASE WHEN COALESCE(locked_until, 0) > $2 THEN locked_until \
                ELSE window_start + ($2 - $3) END AS until, \
           CASE WHEN COALESCE(locked_until, 0) > $2 THEN locked_why ELSE '' END AS why \
         FROM login_attempts WHERE subject = $1 \
           AND (COALESCE(locked_until, 0) > $2 OR (window_start > $3 AND n >= $4))",
    )
    .bind(subject)
    .bind(now)
    .bind(since)
    .bind(limit)
    .fetch_optional(ex)
    .await
}

/// Forgets the subject's attempts and lock (an unlock). Returns whether there was a lock in
/// force at `now`.
pub async fn clear(tx: &mut Tx, subject: &str, now: i64) -> Result<bool, sqlx::Error> {
    let locked: Option<i64> = sqlx::query_scalar(
        "DELETE FROM login_attempts WHERE subject = $1 RETURNING COALESCE(locked_until, 0)",
    )
    .bind(subject)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(locked.is_some_and(|until| until > now))
}

/// A successful sign-in: clears the account's recorded failures, notes the time.
pub async fn signed_in(tx: &mut Tx, account_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE accounts SET last_login_at = $1 WHERE id = $2")
        .bind(now)
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn add_key(
    tx: &mut Tx,
    account_id: i64,
    algorithm: &str,
    public_key: &str,
    fingerprint: &str,
    comment: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO ssh_keys (account_id, algorithm, public_key, fingerprint, comment, added_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(account_id)
    .bind(algorithm)
    .bind(public_key)
    .bind(fingerprint)
    .bind(comment)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// The account a key (by SHA-256 fingerprint) belongs to.
pub async fn key_owner(pool: &AnyPool, fingerprint: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT account_id FROM ssh_keys WHERE fingerprint = $1")
        .bind(fingerprint)
        .fetch_optional(pool)
        .await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KeyRow {
    pub algorithm: String,
    pub fingerprint: String,
    pub comment: String,
    pub added_at: i64,
}

pub async fn keys_of(pool: &AnyPool, account_id: i64) -> Result<Vec<KeyRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT algorithm, fingerprint, comment, added_at FROM ssh_keys \
         WHERE account_id = $1 ORDER BY added_at, id",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// Removes one of the account's keys; returns whether it was there.
pub async fn remove_key(
    tx: &mut Tx,
    account_id: i64,
    fingerprint: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM ssh_keys WHERE account_id = $1 AND fingerprint = $2")
        .bind(account_id)
        .bind(fingerprint)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}
