//! The user_prefs table: a staff member's interface theme and border style.

use sqlx::{AnyPool, FromRow};

use super::Tx;

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct PrefsRow {
    pub theme: String,
    pub ascii_borders: i64,
}

pub async fn get(pool: &AnyPool, account_id: i64) -> Result<Option<PrefsRow>, sqlx::Error> {
    sqlx::query_as("SELECT theme, ascii_borders FROM user_prefs WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(pool)
        .await
}

pub async fn put(tx: &mut Tx, account_id: i64, row: &PrefsRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO user_prefs (account_id, theme, ascii_borders) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET theme = excluded.theme, \
         ascii_borders = excluded.ascii_borders",
    )
    .bind(account_id)
    .bind(row.theme.clone())
    .bind(row.ascii_borders)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
