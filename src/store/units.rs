//! The organisation tree. Each unit keeps a materialized `path` ('/1/4/9/') so a scope query is a
//! prefix match.

use sqlx::{AnyPool, FromRow};

use super::Tx;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub parent_id: Option<i64>,
    pub kind: String,
    pub path: String,
}

const COLUMNS: &str = "id, code, name, parent_id, kind, path";

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

pub async fn all(pool: &AnyPool) -> Result<Vec<UnitRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM units ORDER BY path"
    )))
    .fetch_all(pool)
    .await
}
