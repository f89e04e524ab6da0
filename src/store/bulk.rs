//! Multi-row inserts for large data sets (the demo and benchmark seeders, and imports that write
//! many rows at once): one statement per chunk, every value bound. Only for tables whose rows need
//! no per-row logic.

use super::{Backend, Tx, backend_of, placeholders};

/// One bound value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Val {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        Val::OptInt(v)
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_string())
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        Val::OptText(v)
    }
}

/// Parameters per statement. With named `$k` parameters, larger statements got slower per row on
/// SQLite (see `placeholders`); 250 was the fastest of 100–30,000 for the demo seed then.
const MAX_PARAMS: usize = 250;

/// Inserts `rows` (each as long as `columns`) into `table`. `table` and `columns` are constants of
/// our own code, never user input.
pub async fn insert(
    tx: &mut Tx,
    table: &'static str,
    columns: &'static [&'static str],
    rows: &[Vec<Val>],
) -> Result<u64, sqlx::Error> {
    let per_chunk = (MAX_PARAMS / columns.len().max(1)).max(1);
    let mut inserted = 0;
    for chunk in rows.chunks(per_chunk) {
        let sql = statement(backend_of(tx), table, columns, chunk.len());
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for row in chunk {
            debug_assert_eq!(row.len(), columns.len());
            for v in row {
                q = match v {
                    Val::Int(i) => q.bind(*i),
                    Val::OptInt(i) => q.bind(*i),
                    Val::Text(s) => q.bind(s.clone()),
                    Val::OptText(s) => q.bind(s.clone()),
                };
            }
        }
        inserted += q.execute(&mut **tx).await?.rows_affected();
    }
    Ok(inserted)
}

fn statement(backend: Backend, table: &str, columns: &[&str], rows: usize) -> String {
    let width = columns.len();
    let values: Vec<String> = (0..rows)
        .map(|r| format!("({})", placeholders(backend, r * width + 1, width)))
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES {}",
        columns.join(", "),
        values.join(", ")
    )
}

/// Writes the standings of the accounts with ids in `first..=last` from their ledger entries, for
/// accounts loaded in bulk (which bypasses the per-entry standing update). The accounts must have
/// no standing rows yet. Both bounds are given so PostgreSQL's generic plan uses the index.
pub async fn standings_for_new_accounts(
    tx: &mut Tx,
    first: i64,
    last: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO standings (account_id, year, required, elective, exam, entries, updated_at) \
         SELECT account_id, credit_year, \
         CAST(COALESCE(SUM(CASE WHEN bucket = 'required' THEN tenths ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN bucket = 'elective' THEN tenths ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN bucket = 'exam' THEN tenths ELSE 0 END), 0) AS BIGINT), \
         COUNT(*), $3 FROM ledger WHERE account_id BETWEEN $1 AND $2 GROUP BY account_id, credit_year",
    )
    .bind(first)
    .bind(last)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The highest id in `table`, 0 when empty.
pub async fn max_id(tx: &mut Tx, table: &'static str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM {table}"
    )))
    .fetch_one(&mut **tx)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_numbers_every_placeholder() {
        assert_eq!(
            statement(Backend::Postgres, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
        assert_eq!(
            statement(Backend::Sqlite, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }
}
