//! Sign-in bookkeeping shared by every node: failures per account and per address, account locks,
//! last sign-in, and staff SSH keys.

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

pub async fn failures_of_account(
    tx: &mut Tx,
    account_id: i64,
    since: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE account_id = $1 AND at >= $2")
        .bind(account_id)
        .bind(since)
        .fetch_one(&mut **tx)
        .await
}

pub async fn failures_of_address(
    pool: &AnyPool,
    address: &str,
    since: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE address = $1 AND at >= $2")
        .bind(address)
        .bind(since)
        .fetch_one(pool)
        .await
}

pub async fn lock_until(tx: &mut Tx, account_id: i64, until: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET locked_until = $1 WHERE id = $2")
        .bind(until)
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The account's lock, if any (unix seconds until which it is locked).
pub async fn locked_until(pool: &AnyPool, account_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT locked_until FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(pool)
        .await
}

/// A successful sign-in: clears the account's failures and lock, notes the time.
pub async fn signed_in(tx: &mut Tx, account_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE accounts SET last_login_at = $1, locked_until = NULL WHERE id = $2")
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
