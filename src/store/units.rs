//! The organisation tree. Each unit keeps a materialized `path` ('/1/4/9/') so a scope query is a
//! prefix match; `status` is `active` or `retired`.

use sqlx::{AnyPool, FromRow};

use super::{Backend, Tx, backend_of, json, json_rows};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub path: String,
    pub status: String,
}

impl UnitRow {
    pub fn is_retired(&self) -> bool {
        self.status == RETIRED
    }

    /// The level in the tree: the city is 1.
    pub fn level(&self) -> usize {
        self.path.matches('/').count().saturating_sub(1)
    }
}

pub const ACTIVE: &str = "active";
pub const RETIRED: &str = "retired";

const COLUMNS: &str = "id, code, name, parent_id, kind, path, status";

/// Inserts a unit under `parent` (None for the city root) and fills in its path.
pub async fn insert(
    tx: &mut Tx,
    code: &str,
    name: &str,
    parent: Option<&UnitRow>,
    kind: &str,
    sort_order: i64,
    now: i64,
) -> Result<UnitRow, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO units (code, name, parent_id, kind, sort_order, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(code)
    .bind(name)
    .bind(parent.map(|p| p.id))
    .bind(kind)
    .bind(sort_order)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let path = format!("{}{id}/", parent.map(|p| p.path.as_str()).unwrap_or("/"));
    sqlx::query("UPDATE units SET path = $1 WHERE id = $2")
        .bind(&path)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(UnitRow {
        id,
        code: code.into(),
        name: name.into(),
        parent_id: parent.map(|p| p.id),
        kind: kind.into(),
        path,
        status: ACTIVE.into(),
    })
}

pub async fn by_code(pool: &AnyPool, code: &str) -> Result<Option<UnitRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM units WHERE code = $1"
    )))
    .bind(code)
    .fetch_optional(pool)
    .await
}

pub async fn by_id(pool: &AnyPool, id: i64) -> Result<Option<UnitRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM units WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// The city root (the unit without a parent).
pub async fn root(pool: &AnyPool) -> Result<Option<UnitRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1"
    )))
    .fetch_optional(pool)
    .await
}

pub async fn children(pool: &AnyPool, parent_id: i64) -> Result<Vec<UnitRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM units WHERE parent_id = $1 ORDER BY sort_order, code"
    )))
    .bind(parent_id)
    .fetch_all(pool)
    .await
}

pub async fn count(pool: &AnyPool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM units")
        .fetch_one(pool)
        .await
}

/// Every unit, by path: from the pool, or inside a write transaction after `lock_tree`.
pub async fn all<'e, E>(ex: E) -> Result<Vec<UnitRow>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM units ORDER BY path"
    )))
    .fetch_all(ex)
    .await
}

/// Units with exactly this name (names may repeat across the tree).
pub async fn by_name(pool: &AnyPool, name: &str) -> Result<Vec<UnitRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM units WHERE name = $1 ORDER BY path"
    )))
    .bind(name)
    .fetch_all(pool)
    .await
}

/// Serialises changes to the tree: on PostgreSQL two transactions could otherwise each check a
/// move and together make a cycle. SQLite's `BEGIN IMMEDIATE` already admits one writer.
pub async fn lock_tree(tx: &mut Tx) -> Result<(), sqlx::Error> {
    if backend_of(tx) == Backend::Postgres {
        sqlx::query("LOCK TABLE units IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A unit to add under a parent that exists already.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewUnit<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub parent_code: &'a str,
    pub kind: &'a str,
    pub sort_order: i64,
}

const NEW_UNIT_COLUMNS: &[(&str, &str)] = &[
    ("code", "text"),
    ("name", "text"),
    ("parent_code", "text"),
    ("kind", "text"),
    ("sort_order", "bigint"),
];

/// Adds units whose parents exist, in one statement; their paths are set by `set_paths`.
pub async fn insert_under_existing(
    tx: &mut Tx,
    units: &[NewUnit<'_>],
    now: i64,
) -> Result<u64, sqlx::Error> {
    if units.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "INSERT INTO units (code, name, parent_id, kind, sort_order, created_at) \
         SELECT v.code, v.name, p.id, v.kind, v.sort_order, $2 FROM {} \
         JOIN units p ON p.code = v.parent_code",
        json_rows(backend_of(tx), 1, NEW_UNIT_COLUMNS)
    );
    Ok(sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(json(units)?)
        .bind(now)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// A unit's new name or parent, by id.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Renamed<'a> {
    pub id: i64,
    pub name: &'a str,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Reparented {
    pub id: i64,
    pub parent_id: i64,
}

/// Renames units, one statement for the batch.
pub async fn set_names(tx: &mut Tx, names: &[Renamed<'_>]) -> Result<(), sqlx::Error> {
    if names.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE units SET name = v.name FROM {} WHERE units.id = v.id",
        json_rows(backend_of(tx), 1, &[("id", "bigint"), ("name", "text")])
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(json(names)?)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Puts units under new parents, one statement for the batch (paths follow by `set_paths`).
pub async fn set_parents(tx: &mut Tx, moves: &[Reparented]) -> Result<(), sqlx::Error> {
    if moves.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "UPDATE units SET parent_id = v.parent_id FROM {} WHERE units.id = v.id",
        json_rows(
            backend_of(tx),
            1,
            &[("id", "bigint"), ("parent_id", "bigint")]
        )
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(json(moves)?)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A unit's path and kind as they must be after a change.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Placed {
    pub id: i64,
    pub path: String,
    pub kind: &'static str,
}

const PLACED_COLUMNS: &[(&str, &str)] = &[("id", "bigint"), ("path", "text"), ("kind", "text")];

/// Writes paths and kinds, in batches of one statement each.
pub async fn set_paths(tx: &mut Tx, placed: &[Placed]) -> Result<(), sqlx::Error> {
    for chunk in placed.chunks(5_000) {
        let sql = format!(
            "UPDATE units SET path = v.path, kind = v.kind FROM {} WHERE units.id = v.id",
            json_rows(backend_of(tx), 1, PLACED_COLUMNS)
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(json(chunk)?)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Retires a unit and every active unit below it; returns how many were retired.
pub async fn retire_subtree(tx: &mut Tx, path: &str, now: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE units SET status = 'retired', retired_at = $2 \
         WHERE path LIKE $1 AND status = 'active'",
    )
    .bind(format!("{path}%"))
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected())
}

/// Active learner accounts per unit (the unit's own, not its subtree's).
pub async fn learner_counts(pool: &AnyPool) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT unit_id, COUNT(*) FROM accounts WHERE is_learner = 1 AND status = 'active' \
         GROUP BY unit_id",
    )
    .fetch_all(pool)
    .await
}

/// What keeps a subtree from being retired: its active accounts (username, unit code; the first
/// `limit`) and how many in all, and its open roster submissions (ids).
pub async fn retire_blockers(
    tx: &mut Tx,
    path: &str,
    limit: i64,
) -> Result<(Vec<(String, String)>, i64, Vec<i64>), sqlx::Error> {
    let prefix = format!("{path}%");
    let accounts: Vec<(String, String)> = sqlx::query_as(
        "SELECT a.username, u.code FROM accounts a JOIN units u ON u.id = a.unit_id \
         WHERE u.path LIKE $1 AND a.status = 'active' ORDER BY u.path, a.username LIMIT $2",
    )
    .bind(&prefix)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await?;
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM accounts a JOIN units u ON u.id = a.unit_id \
         WHERE u.path LIKE $1 AND a.status = 'active'",
    )
    .bind(&prefix)
    .fetch_one(&mut **tx)
    .await?;
    let rosters: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT s.id FROM roster_submissions s \
         LEFT JOIN roster_rows r ON r.submission_id = s.id \
         WHERE s.status IN ('submitted', 'reviewed', 'approved') AND (\
           s.unit_id IN (SELECT id FROM units WHERE path LIKE $1) \
           OR r.unit_id IN (SELECT id FROM units WHERE path LIKE $1)) \
         ORDER BY s.id",
    )
    .bind(&prefix)
    .fetch_all(&mut **tx)
    .await?;
    Ok((accounts, count, rosters))
}
