//! Account care queries: finding accounts in a scope, one account's details and history, and the
//! single-column updates behind disable, move, exempt, batch and role revocation.

use sqlx::{AnyPool, FromRow};

use super::Tx;

/// One account as staff see it, with its unit.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct AccountLine {
    pub id: i64,
    pub username: String,
    pub real_name: String,
    pub id_number: Option<String>,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_path: String,
    pub post: String,
    pub phone: String,
    pub is_learner: i64,
    pub batch: Option<i64>,
    pub exempt: i64,
    pub exempt_reason: String,
    pub status: String,
    pub password_scheme: String,
    pub must_change: i64,
    pub locked_until: Option<i64>,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
}

macro_rules! line_select {
    () => {
        "SELECT a.id, a.username, a.real_name, a.id_number, a.unit_id, u.code AS unit_code, \
         u.name AS unit_name, u.path AS unit_path, a.post, a.phone, a.is_learner, a.batch, a.exempt, \
         a.exempt_reason, a.status, a.password_scheme, a.must_change, \
         (SELECT l.locked_until FROM login_attempts l WHERE l.subject = 'account:' || a.id) \
         AS locked_until, \
         a.last_login_at, a.created_at FROM accounts a JOIN units u ON u.id = a.unit_id "
    };
}

/// Accounts under the scope path prefix whose username, name or ID number contains `text`
/// (already lower-cased for the username), by username.
pub async fn find(
    pool: &AnyPool,
    text: &str,
    scope_path: &str,
    limit: i64,
) -> Result<Vec<AccountLine>, sqlx::Error> {
    let pattern = format!("%{}%", escape_like(text));
    sqlx::query_as(concat!(
        line_select!(),
        "WHERE u.path LIKE $2 AND (LOWER(a.username) LIKE $1 ESCAPE '\\' \
         OR a.real_name LIKE $1 ESCAPE '\\' OR a.id_number LIKE $1 ESCAPE '\\') \
         ORDER BY a.username LIMIT $3"
    ))
    .bind(pattern)
    .bind(format!("{scope_path}%"))
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn by_username(
    pool: &AnyPool,
    username: &str,
) -> Result<Option<AccountLine>, sqlx::Error> {
    sqlx::query_as(concat!(line_select!(), "WHERE a.username = $1"))
        .bind(username)
        .fetch_optional(pool)
        .await
}

/// The account inside a write transaction, its row locked until the transaction ends on
/// PostgreSQL (`FOR UPDATE`), so a concurrent move or change waits, and the scope checked next is
/// the one the write applies to. The lock is a statement of its own: a locking join would, after
/// waiting, recheck the moved row against the unit row it had read before and lose it; the read
/// after it, a new statement, sees what was committed meanwhile. SQLite needs no lock: its write
/// transactions (`BEGIN IMMEDIATE`) already run one at a time.
pub async fn by_username_locked(
    tx: &mut Tx,
    username: &str,
) -> Result<Option<AccountLine>, sqlx::Error> {
    if super::backend_of(tx) == super::Backend::Postgres {
        sqlx::query("SELECT id FROM accounts WHERE username = $1 FOR UPDATE")
            .bind(username)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query_as(concat!(line_select!(), "WHERE a.username = $1"))
        .bind(username)
        .fetch_optional(&mut **tx)
        .await
}

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One audit entry about an account (its care actions and its sign-ins).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct HistoryRow {
    pub at: i64,
    pub actor: String,
    pub address: String,
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub detail: String,
}

/// Newest first. Care actions name the account `account:<id>`, sign-ins `user:<username>`.
pub async fn history(
    pool: &AnyPool,
    account_id: i64,
    username: &str,
    limit: i64,
) -> Result<Vec<HistoryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT at, actor, address, action, before, after, detail FROM audit_log \
         WHERE target = $1 OR target = $2 ORDER BY at DESC, id DESC LIMIT $3",
    )
    .bind(format!("account:{account_id}"))
    .bind(format!("user:{username}"))
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Sets the status; disabling also ends the account's web sessions.
pub async fn set_status(tx: &mut Tx, id: i64, status: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    if status != "active" {
        sqlx::query("UPDATE web_sessions SET revoked = 1 WHERE account_id = $1")
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

pub async fn set_unit(tx: &mut Tx, id: i64, unit_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET unit_id = $1, updated_at = $2 WHERE id = $3")
        .bind(unit_id)
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_exempt(
    tx: &mut Tx,
    id: i64,
    exempt: bool,
    reason: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE accounts SET exempt = $1, exempt_reason = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(i64::from(exempt))
    .bind(reason)
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn set_batch(tx: &mut Tx, id: i64, batch: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET batch = $1, updated_at = $2 WHERE id = $3")
        .bind(batch)
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Removes one role; returns whether there was one.
pub async fn revoke_role(
    tx: &mut Tx,
    account_id: i64,
    role: &str,
    unit_id: i64,
) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM roles WHERE account_id = $1 AND role = $2 AND unit_id = $3")
            .bind(account_id)
            .bind(role)
            .bind(unit_id)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() > 0)
}

/// Locks every office role row until the transaction ends (PostgreSQL; SQLite's write
/// transactions run one at a time anyway), in one order so two revocations cannot deadlock: two
/// concurrent revocations of the last two office holders then run one after the other, and the
/// second sees that it would leave none.
pub async fn lock_office_holders(tx: &mut Tx) -> Result<(), sqlx::Error> {
    if super::backend_of(tx) == super::Backend::Postgres {
        sqlx::query("SELECT id FROM roles WHERE role = 'office' ORDER BY id FOR UPDATE")
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// How many accounts hold an office role (the last one may not be revoked).
pub async fn office_holders(tx: &mut Tx) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(DISTINCT account_id) FROM roles WHERE role = 'office'")
        .fetch_one(&mut **tx)
        .await
}

/// (id, username, ID number) of every account, to match imported people with existing ones.
pub async fn identities(pool: &AnyPool) -> Result<Vec<(i64, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as("SELECT id, username, id_number FROM accounts")
        .fetch_all(pool)
        .await
}

/// The salt of a legacy `md5(md5(pw) + salt)` hash.
pub async fn set_salt(tx: &mut Tx, id: i64, salt: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE accounts SET password_salt = $1 WHERE id = $2")
        .bind(salt)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
