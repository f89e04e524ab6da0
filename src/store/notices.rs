//! Notices (Art. 16): one `notice_messages` row per notice, one `notice_recipients` row per
//! recipient (resolved when it was sent) with its read time.

use sqlx::{AnyPool, FromRow};

use super::{Tx, backend_of, in_json, json, json_rows};

/// A notice as a recipient sees it (`read_at` theirs).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ReceivedRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub sender: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

/// A notice as its sender (or the office) sees it, with how many got it and read it.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct SentRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub audience: String,
    pub sender_id: Option<i64>,
    pub sender: String,
    pub created_at: i64,
    pub recipients: i64,
    pub read: i64,
}

/// A notice to write; its recipients are added by one of the `to_*` functions.
#[derive(Debug, Clone)]
pub struct NewNotice<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub audience: &'a str,
    pub sender_id: Option<i64>,
    pub sender: &'a str,
    pub year: Option<i64>,
    pub quarter: Option<i64>,
    pub created_at: i64,
}

pub async fn insert(tx: &mut Tx, n: &NewNotice<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO notice_messages (kind, title, body, audience, sender_id, sender, year, \
         quarter, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(n.kind)
    .bind(n.title)
    .bind(n.body)
    .bind(n.audience)
    .bind(n.sender_id)
    .bind(n.sender)
    .bind(n.year)
    .bind(n.quarter)
    .bind(n.created_at)
    .fetch_one(&mut **tx)
    .await
}

/// Every active account becomes a recipient. Returns how many.
pub async fn to_everyone(tx: &mut Tx, notice_id: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "INSERT INTO notice_recipients (notice_id, account_id, unit_id) \
         SELECT $1, a.id, a.unit_id FROM accounts a WHERE a.status = 'active'",
    )
    .bind(notice_id)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Every active account of the given units, and every staff member whose role is on one of
/// them, becomes a recipient (the caller passes each unit's whole subtree).
pub async fn to_units(tx: &mut Tx, notice_id: i64, unit_ids: &[i64]) -> Result<u64, sqlx::Error> {
    let b = backend_of(tx);
    let sql = format!(
        "INSERT INTO notice_recipients (notice_id, account_id, unit_id) \
         SELECT $1, a.id, a.unit_id FROM accounts a WHERE a.status = 'active' \
         AND (a.unit_id {} OR EXISTS (SELECT 1 FROM roles r WHERE r.account_id = a.id \
         AND r.unit_id {}))",
        in_json(b, 2, "bigint"),
        in_json(b, 2, "bigint")
    );
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(notice_id)
        .bind(json(unit_ids)?)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// The given accounts become recipients.
pub async fn to_accounts(
    tx: &mut Tx,
    notice_id: i64,
    account_ids: &[i64],
) -> Result<u64, sqlx::Error> {
    let sql = format!(
        "INSERT INTO notice_recipients (notice_id, account_id, unit_id) \
         SELECT $1, a.id, a.unit_id FROM accounts a WHERE a.id {}",
        in_json(backend_of(tx), 2, "bigint")
    );
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(notice_id)
        .bind(json(account_ids)?)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// One personal notice of a batch: to one account, or to the liaisons of one unit.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Personal {
    pub once_key: String,
    pub title: String,
    pub body: String,
    /// The recipient account (counted in its unit), or none: the liaisons of `unit_id`.
    pub account_id: Option<i64>,
    pub unit_id: i64,
}

const PERSONAL_COLUMNS: &[(&str, &str)] = &[
    ("once_key", "text"),
    ("title", "text"),
    ("body", "text"),
    ("account_id", "bigint"),
    ("unit_id", "bigint"),
];

/// The keys among `keys` that already have a notice.
pub async fn existing_keys_in(
    pool: &AnyPool,
    backend: super::Backend,
    keys: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let sql = format!(
        "SELECT once_key FROM notice_messages WHERE once_key {}",
        in_json(backend, 1, "text")
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(json(keys)?)
        .fetch_all(pool)
        .await
}

/// Writes a batch of personal notices of one kind (two statements, whatever the batch's size); a
/// key that already has a notice is skipped. Returns how many notices were added.
pub async fn insert_personal(
    tx: &mut Tx,
    head: &NewNotice<'_>,
    batch: &[Personal],
) -> Result<u64, sqlx::Error> {
    if batch.is_empty() {
        return Ok(0);
    }
    let b = backend_of(tx);
    let rows = json(batch)?;
    let sql = format!(
        "INSERT INTO notice_messages (kind, title, body, audience, sender_id, sender, year, \
         quarter, once_key, created_at) \
         SELECT $2, v.title, v.body, $3, $4, $5, $6, $7, v.once_key, $8 FROM {} \
         WHERE 1 = 1 ON CONFLICT (once_key) DO NOTHING",
        json_rows(b, 1, PERSONAL_COLUMNS)
    );
    let added = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&rows)
        .bind(head.kind)
        .bind(head.audience)
        .bind(head.sender_id)
        .bind(head.sender)
        .bind(head.year)
        .bind(head.quarter)
        .bind(head.created_at)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    // `WHERE 1 = 1` above: SQLite reads `ON CONFLICT` after a bare FROM as a join constraint.
    // Only the rows just added have no recipient yet; the liaisons of a unit are its `unit` roles.
    let sql = format!(
        "INSERT INTO notice_recipients (notice_id, account_id, unit_id) \
         SELECT m.id, a.id, a.unit_id FROM {v} JOIN notice_messages m ON m.once_key = v.once_key \
         JOIN accounts a ON a.id = v.account_id \
         WHERE v.account_id IS NOT NULL AND m.created_at = $2 \
         AND NOT EXISTS (SELECT 1 FROM notice_recipients x WHERE x.notice_id = m.id) \
         UNION SELECT m.id, r.account_id, a.unit_id FROM {v} \
         JOIN notice_messages m ON m.once_key = v.once_key \
         JOIN roles r ON r.unit_id = v.unit_id AND r.role = 'unit' \
         JOIN accounts a ON a.id = r.account_id \
         WHERE v.account_id IS NULL AND m.created_at = $2 \
         AND NOT EXISTS (SELECT 1 FROM notice_recipients x WHERE x.notice_id = m.id)",
        v = json_rows(b, 1, PERSONAL_COLUMNS)
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&rows)
        .bind(head.created_at)
        .execute(&mut **tx)
        .await?;
    Ok(added)
}

/// An account's notices, unread first, then newest first.
pub async fn received(
    pool: &AnyPool,
    account_id: i64,
    limit: i64,
    offset: i64,
) -> Result<Vec<ReceivedRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.id, m.kind, m.title, m.body, m.sender, m.created_at, r.read_at \
         FROM notice_recipients r JOIN notice_messages m ON m.id = r.notice_id \
         WHERE r.account_id = $1 \
         ORDER BY CASE WHEN r.read_at IS NULL THEN 0 ELSE 1 END, m.created_at DESC, m.id DESC \
         LIMIT $2 OFFSET $3",
    )
    .bind(account_id)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await
}

/// How many notices an account has, and how many of them are unread.
pub async fn counts(pool: &AnyPool, account_id: i64) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM notice_recipients WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_one(pool)
    .await
}

/// One notice as the account received it (None: not one of theirs).
pub async fn received_one(
    pool: &AnyPool,
    account_id: i64,
    notice_id: i64,
) -> Result<Option<ReceivedRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT m.id, m.kind, m.title, m.body, m.sender, m.created_at, r.read_at \
         FROM notice_recipients r JOIN notice_messages m ON m.id = r.notice_id \
         WHERE r.account_id = $1 AND r.notice_id = $2",
    )
    .bind(account_id)
    .bind(notice_id)
    .fetch_optional(pool)
    .await
}

/// Marks the account's copy read (once: the first reading time stays). Returns whether it changed.
pub async fn mark_read(
    tx: &mut Tx,
    account_id: i64,
    notice_id: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE notice_recipients SET read_at = $3 \
         WHERE account_id = $1 AND notice_id = $2 AND read_at IS NULL",
    )
    .bind(account_id)
    .bind(notice_id)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

const SENT: &str = "SELECT m.id, m.kind, m.title, m.body, m.audience, m.sender_id, m.sender, m.created_at, \
     (SELECT COUNT(*) FROM notice_recipients r WHERE r.notice_id = m.id) AS recipients, \
     (SELECT COUNT(*) FROM notice_recipients r WHERE r.notice_id = m.id AND r.read_at IS NOT NULL) AS read \
     FROM notice_messages m";

/// One notice with its counts.
pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<SentRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("{SENT} WHERE m.id = $1")))
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The newest notices written by staff (not the personal quarterly ones, which the office sees
/// through their unit summaries), newest first; `sender_id` narrows to one sender.
pub async fn sent(
    pool: &AnyPool,
    sender_id: Option<i64>,
    limit: i64,
) -> Result<Vec<SentRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{SENT} WHERE m.once_key IS NULL AND ($1 IS NULL OR m.sender_id = $1) \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $2"
    )))
    .bind(sender_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Read receipts of one notice per recipient unit (the unit each recipient was in when it was
/// sent): recipients and how many read it.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ReceiptRow {
    pub unit_id: i64,
    pub sent: i64,
    pub read: i64,
}

pub async fn receipts(pool: &AnyPool, notice_id: i64) -> Result<Vec<ReceiptRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT unit_id, COUNT(*) AS sent, \
         CAST(SUM(CASE WHEN read_at IS NULL THEN 0 ELSE 1 END) AS BIGINT) AS read \
         FROM notice_recipients WHERE notice_id = $1 GROUP BY unit_id",
    )
    .bind(notice_id)
    .fetch_all(pool)
    .await
}

/// The recipients of a notice who have not read it, with their unit at sending.
pub async fn unread_of(pool: &AnyPool, notice_id: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT account_id, unit_id FROM notice_recipients \
         WHERE notice_id = $1 AND read_at IS NULL ORDER BY account_id",
    )
    .bind(notice_id)
    .fetch_all(pool)
    .await
}

/// Every recipient of a notice.
pub async fn recipients_of(pool: &AnyPool, notice_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT account_id FROM notice_recipients WHERE notice_id = $1 ORDER BY account_id",
    )
    .bind(notice_id)
    .fetch_all(pool)
    .await
}

/// Each learner's credits of `year` earned up to `until` (exclusive), from the ledger (revocations
/// count where they were written): (account, required, elective, exam).
pub async fn ledger_standings_until(
    pool: &AnyPool,
    year: i32,
    until: i64,
) -> Result<Vec<(i64, i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT account_id, \
         CAST(COALESCE(SUM(CASE WHEN bucket = 'required' THEN tenths ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN bucket = 'elective' THEN tenths ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN bucket = 'exam' THEN tenths ELSE 0 END), 0) AS BIGINT) \
         FROM ledger WHERE credit_year = $1 AND earned_at < $2 GROUP BY account_id",
    )
    .bind(i64::from(year))
    .bind(until)
    .fetch_all(pool)
    .await
}

/// Courses completed before `until` (an unrevoked course or legacy entry): (account, course).
/// Two plain reads joined here: as one statement with `NOT EXISTS` PostgreSQL took minutes on a
/// ledger of a million entries in the benchmark.
pub async fn completions_until(pool: &AnyPool, until: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let revoked: std::collections::HashSet<i64> = sqlx::query_scalar(
        "SELECT revokes_id FROM ledger WHERE revokes_id IS NOT NULL AND earned_at < $1",
    )
    .bind(until)
    .fetch_all(pool)
    .await?
    .into_iter()
    .collect();
    let done: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT id, account_id, course_id FROM ledger \
         WHERE course_id IS NOT NULL AND kind IN ('course', 'legacy') AND earned_at < $1",
    )
    .bind(until)
    .fetch_all(pool)
    .await?;
    Ok(done
        .into_iter()
        .filter(|(id, _, _)| !revoked.contains(id))
        .map(|(_, a, c)| (a, c))
        .collect())
}
