//! Accounts and their staff roles.

use sqlx::{AnyPool, FromRow};

use super::Tx;

#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub real_name: &'a str,
    pub id_number: Option<&'a str>,
    pub unit_id: i64,
    pub post: &'a str,
    pub phone: &'a str,
    pub is_learner: bool,
    pub batch: Option<i64>,
    pub exempt: bool,
    pub password_hash: &'a str,
    pub password_scheme: &'a str,
    pub must_change: bool,
    /// When the account counts as issued for the year's population (its first fact row).
    pub issued_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub username: String,
    pub real_name: String,
    pub id_number: Option<String>,
    pub unit_id: i64,
    pub post: String,
    pub is_learner: i64,
    pub batch: Option<i64>,
    pub exempt: i64,
    pub status: String,
    pub password_hash: String,
    pub password_scheme: String,
    pub password_salt: Option<String>,
    pub must_change: i64,
}

impl AccountRow {
    /// The stored password, for verification.
    pub fn stored_password(&self) -> super::passwords::Stored {
        super::passwords::Stored {
            scheme: self.password_scheme.clone(),
            hash: self.password_hash.clone(),
            salt: self.password_salt.clone(),
        }
    }
}

const COLUMNS: &str = "id, username, real_name, id_number, unit_id, post, is_learner, batch, exempt, \
     status, password_hash, password_scheme, password_salt, must_change";

/// Inserts the account with its first fact row.
pub async fn insert(tx: &mut Tx, a: &NewAccount<'_>, now: i64) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (username, real_name, id_number, unit_id, post, phone, is_learner, batch, \
         exempt, password_hash, password_scheme, must_change, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id",
    )
    .bind(a.username)
    .bind(a.real_name)
    .bind(a.id_number)
    .bind(a.unit_id)
    .bind(a.post)
    .bind(a.phone)
    .bind(i64::from(a.is_learner))
    .bind(a.batch)
    .bind(i64::from(a.exempt))
    .bind(a.password_hash)
    .bind(a.password_scheme)
    .bind(i64::from(a.must_change))
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    super::facts::issue(tx, id, id, a.issued_at).await?;
    Ok(id)
}

pub async fn by_username(
    pool: &AnyPool,
    username: &str,
) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts WHERE username = $1"
    )))
    .bind(username)
    .fetch_optional(pool)
    .await
}

pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<AccountRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM accounts WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn username_taken(tx: &mut Tx, username: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RoleRow {
    pub role: String,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_path: String,
}

pub async fn grant_role(
    tx: &mut Tx,
    account_id: i64,
    role: &str,
    unit_id: i64,
    granted_by: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO roles (account_id, role, unit_id, granted_by, granted_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(account_id)
    .bind(role)
    .bind(unit_id)
    .bind(granted_by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The account's roles, from the pool or inside a write transaction (`&mut *tx`).
pub async fn roles_of<'e, E>(ex: E, account_id: i64) -> Result<Vec<RoleRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_as(
        "SELECT r.role, r.unit_id, u.code AS unit_code, u.name AS unit_name, u.path AS unit_path \
         FROM roles r JOIN units u ON u.id = r.unit_id WHERE r.account_id = $1 ORDER BY r.id",
    )
    .bind(account_id)
    .fetch_all(ex)
    .await
}

pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(pool)
        .await
}

/// The account's `is_learner` flag, None when there is no such account.
pub async fn learner_flag(tx: &mut Tx, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT is_learner FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
}

/// (id, username) of every account with id >= `from_id`, to map bulk-inserted rows to their ids.
pub async fn usernames_from(tx: &mut Tx, from_id: i64) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, username FROM accounts WHERE id >= $1")
        .bind(from_id)
        .fetch_all(&mut **tx)
        .await
}

/// Every stored ID number (to keep generated ones unique).
pub async fn id_numbers(pool: &AnyPool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id_number FROM accounts WHERE id_number IS NOT NULL")
        .fetch_all(pool)
        .await
}
