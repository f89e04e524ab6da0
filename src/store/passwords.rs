//! Stored passwords: replacing an account's hash, and the history of earlier Argon2id hashes
//! kept for "not one of the last 3".

use sqlx::AnyPool;

use super::Tx;

/// A password as the accounts table stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// `argon2id`, `md5`, `md5_salted`, `bcrypt` or `none`.
    pub scheme: String,
    pub hash: String,
    pub salt: Option<String>,
}

/// The account's earlier hashes, newest first.
pub async fn history(
    pool: &AnyPool,
    account_id: i64,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT hash FROM password_history WHERE account_id = $1 \
         ORDER BY changed_at DESC, id DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn push_history(
    tx: &mut Tx,
    account_id: i64,
    hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO password_history (account_id, hash, changed_at) VALUES ($1, $2, $3)")
        .bind(account_id)
        .bind(hash)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Sets a new Argon2id hash (dropping any legacy salt) and the must-change flag. Returns whether
/// the account's hash was still `expected` (false: someone else changed it meanwhile, and
/// nothing was written).
pub async fn replace(
    tx: &mut Tx,
    account_id: i64,
    expected: &str,
    argon2_hash: &str,
    must_change: bool,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE accounts SET password_hash = $1, password_scheme = 'argon2id', password_salt = NULL, \
         must_change = $2, updated_at = $3 WHERE id = $4 AND password_hash = $5",
    )
    .bind(argon2_hash)
    .bind(i64::from(must_change))
    .bind(now)
    .bind(account_id)
    .bind(expected)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}
