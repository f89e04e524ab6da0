//! Per-year settings (targets, enrolled batches); a year without a row uses the defaults.

use sqlx::{AnyPool, FromRow};

use super::Tx;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct YearRow {
    pub year: i64,
    pub target_total_tenths: i64,
    pub target_required_tenths: i64,
    pub batches: String,
}

pub async fn year(pool: &AnyPool, year: i32) -> Result<Option<YearRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT year, target_total_tenths, target_required_tenths, batches \
         FROM year_settings WHERE year = $1",
    )
    .bind(i64::from(year))
    .fetch_optional(pool)
    .await
}

pub async fn upsert(tx: &mut Tx, row: &YearRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO year_settings (year, target_total_tenths, target_required_tenths, batches) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (year) DO UPDATE SET \
         target_total_tenths = excluded.target_total_tenths, \
         target_required_tenths = excluded.target_required_tenths, batches = excluded.batches",
    )
    .bind(row.year)
    .bind(row.target_total_tenths)
    .bind(row.target_required_tenths)
    .bind(&row.batches)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
