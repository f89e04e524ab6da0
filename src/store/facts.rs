//! Effective-dated account facts (migration 0009): unit, batch, status and exemption as rows in
//! force from `effective_at` until `ends_at`, the population-changes listing, and a unit's
//! exemption requests. `accounts` keeps the current values; every change writes both.

use sqlx::{AnyPool, FromRow};

use super::Tx;

/// Opens the first fact row ('issue', in force from `issued_at`) of every account with an id in
/// `first..=last` that has none yet, from the account's current columns. For accounts inserted one
/// by one and in bulk alike.
pub async fn issue(tx: &mut Tx, first: i64, last: i64, issued_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO account_facts (account_id, effective_at, unit_id, batch, status, exempt, kind, \
         reason, created_at) \
         SELECT a.id, $3, a.unit_id, a.batch, a.status, a.exempt, 'issue', a.exempt_reason, $3 \
         FROM accounts a WHERE a.id BETWEEN $1 AND $2 \
         AND NOT EXISTS (SELECT 1 FROM account_facts f WHERE f.account_id = a.id)",
    )
    .bind(first)
    .bind(last)
    .bind(issued_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// One change to record, after the `accounts` row has been updated in the same transaction.
#[derive(Debug, Clone)]
pub struct NewFact<'a> {
    pub account_id: i64,
    pub kind: &'a str,
    pub reason: &'a str,
    pub actor: &'a str,
    pub at: i64,
}

/// Closes the account's open fact row and opens one with the account's current columns, in force
/// from `at` (never before the row it replaces, so intervals stay ordered).
pub async fn record(tx: &mut Tx, f: &NewFact<'_>) -> Result<(), sqlx::Error> {
    let open: Option<i64> = sqlx::query_scalar(
        "SELECT effective_at FROM account_facts WHERE account_id = $1 AND ends_at IS NULL",
    )
    .bind(f.account_id)
    .fetch_optional(&mut **tx)
    .await?;
    let at = open.map_or(f.at, |o| o.max(f.at));
    sqlx::query("UPDATE account_facts SET ends_at = $2 WHERE account_id = $1 AND ends_at IS NULL")
        .bind(f.account_id)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO account_facts (account_id, effective_at, unit_id, batch, status, exempt, kind, \
         reason, actor, created_at) \
         SELECT id, $2, unit_id, batch, status, exempt, $3, $4, $5, $6 FROM accounts WHERE id = $1",
    )
    .bind(f.account_id)
    .bind(at)
    .bind(f.kind)
    .bind(f.reason)
    .bind(f.actor)
    .bind(f.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The latest disable or exemption of the account taking effect in `[from, to]` (id and kind).
pub async fn last_removal_between(
    tx: &mut Tx,
    account_id: i64,
    from: i64,
    to: i64,
) -> Result<Option<(i64, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, kind, removes_from_year FROM account_facts WHERE account_id = $1 \
         AND kind IN ('disable', 'exempt') AND effective_at >= $2 AND effective_at <= $3 \
         ORDER BY effective_at DESC, id DESC LIMIT 1",
    )
    .bind(account_id)
    .bind(from)
    .bind(to)
    .fetch_optional(&mut **tx)
    .await
}

/// Marks a removal as the office's exception to the cut-off.
pub async fn set_removes_from_year(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE account_facts SET removes_from_year = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// One change with the facts before it (none for an account's first row).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ChangeRow {
    pub id: i64,
    pub account_id: i64,
    pub username: String,
    pub real_name: String,
    pub kind: String,
    pub effective_at: i64,
    pub actor: String,
    pub reason: String,
    pub removes_from_year: i64,
    pub unit_id: i64,
    pub batch: Option<i64>,
    pub status: String,
    pub exempt: i64,
    pub prev_unit_id: Option<i64>,
    pub prev_batch: Option<i64>,
    pub prev_status: Option<String>,
    pub prev_exempt: Option<i64>,
}

/// Every change (not the issue rows) taking effect in `[from, to)`, oldest first.
pub async fn changes_between(
    pool: &AnyPool,
    from: i64,
    to: i64,
) -> Result<Vec<ChangeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT f.id, f.account_id, a.username, a.real_name, f.kind, f.effective_at, f.actor, \
         f.reason, f.removes_from_year, f.unit_id, f.batch, f.status, f.exempt, \
         p.unit_id AS prev_unit_id, p.batch AS prev_batch, p.status AS prev_status, \
         p.exempt AS prev_exempt \
         FROM account_facts f JOIN accounts a ON a.id = f.account_id \
         LEFT JOIN account_facts p ON p.id = (SELECT MAX(q.id) FROM account_facts q \
             WHERE q.account_id = f.account_id AND q.id < f.id) \
         WHERE f.kind <> 'issue' AND f.effective_at >= $1 AND f.effective_at < $2 \
         ORDER BY f.effective_at, f.id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

/// Accounts whose current columns differ from their open fact row, or that have no open row
/// (for `wangyuan check`).
pub const OUT_OF_STEP: &str = "SELECT a.id FROM accounts a LEFT JOIN account_facts f \
     ON f.account_id = a.id AND f.ends_at IS NULL \
     WHERE f.id IS NULL OR f.unit_id <> a.unit_id OR f.status <> a.status OR f.exempt <> a.exempt \
     OR COALESCE(f.batch, 0) <> COALESCE(a.batch, 0)";

/// A unit's request to exempt a cadre, with the account and the account's unit.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RequestRow {
    pub id: i64,
    pub account_id: i64,
    pub username: String,
    pub real_name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_path: String,
    pub reason: String,
    pub status: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision: String,
}

const REQUEST_SELECT: &str = "SELECT r.id, r.account_id, a.username, a.real_name, \
     u.code AS unit_code, u.name AS unit_name, u.path AS unit_path, r.reason, r.status, \
     r.requested_by, r.requested_at, r.decided_by, r.decided_at, r.decision \
     FROM exemption_requests r JOIN accounts a ON a.id = r.account_id \
     JOIN units u ON u.id = a.unit_id ";

pub async fn add_request(
    tx: &mut Tx,
    account_id: i64,
    reason: &str,
    by: &str,
    at: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO exemption_requests (account_id, reason, requested_by, requested_at) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(account_id)
    .bind(reason)
    .bind(by)
    .bind(at)
    .fetch_one(&mut **tx)
    .await
}

/// Whether the account already has a pending request.
pub async fn has_pending(tx: &mut Tx, account_id: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM exemption_requests WHERE account_id = $1 AND status = 'pending'",
    )
    .bind(account_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(n > 0)
}

/// Requests of accounts under the scope path, newest first; `status` '' for all.
pub async fn requests(
    pool: &AnyPool,
    scope_path: &str,
    status: &str,
) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{REQUEST_SELECT} WHERE u.path LIKE $1 AND ($2 = '' OR r.status = $2) \
         ORDER BY r.requested_at DESC, r.id DESC"
    )))
    .bind(format!("{scope_path}%"))
    .bind(status)
    .fetch_all(pool)
    .await
}

pub async fn request(tx: &mut Tx, id: i64) -> Result<Option<RequestRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{REQUEST_SELECT} WHERE r.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Decides a pending request; false when it was no longer pending (decided concurrently).
pub async fn decide(
    tx: &mut Tx,
    id: i64,
    status: &str,
    by: &str,
    at: i64,
    decision: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE exemption_requests SET status = $2, decided_by = $3, decided_at = $4, decision = $5 \
         WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status)
    .bind(by)
    .bind(at)
    .bind(decision)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}
