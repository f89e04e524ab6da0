//! Per-year settings (targets, enrolled batches, cut-off day); a year without a row uses the defaults.

use sqlx::{AnyPool, FromRow};

use super::Tx;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct YearRow {
    pub year: i64,
    pub target_total_tenths: i64,
    pub target_required_tenths: i64,
    pub batches: String,
    /// The cut-off day, 'MM-DD' (migration 0009; default '10-01').
    pub cutoff: String,
}

pub async fn year(pool: &AnyPool, year: i32) -> Result<Option<YearRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT year, target_total_tenths, target_required_tenths, batches, cutoff \
         FROM year_settings WHERE year = $1",
    )
    .bind(i64::from(year))
    .fetch_optional(pool)
    .await
}

pub async fn upsert(tx: &mut Tx, row: &YearRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO year_settings (year, target_total_tenths, target_required_tenths, batches, cutoff) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (year) DO UPDATE SET \
         target_total_tenths = excluded.target_total_tenths, \
         target_required_tenths = excluded.target_required_tenths, batches = excluded.batches, \
         cutoff = excluded.cutoff",
    )
    .bind(row.year)
    .bind(row.target_total_tenths)
    .bind(row.target_required_tenths)
    .bind(&row.batches)
    .bind(&row.cutoff)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The settings in force for `year`: its own row, else the latest earlier year's.
pub async fn year_or_before(pool: &AnyPool, year: i32) -> Result<Option<YearRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT year, target_total_tenths, target_required_tenths, batches, cutoff \
         FROM year_settings WHERE year <= $1 ORDER BY year DESC LIMIT 1",
    )
    .bind(i64::from(year))
    .fetch_optional(pool)
    .await
}

/// When the year was closed (migration 0011), None while open. A change reads it inside its own
/// transaction.
pub async fn closed_at<'e, E>(ex: E, year: i32) -> Result<Option<i64>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT closed_at FROM year_settings WHERE year = $1")
            .bind(i64::from(year))
            .fetch_optional(ex)
            .await?;
    Ok(at.flatten())
}
