//! Notices (Art. 16) as a learner reads them.

use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct NoticeRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub created_at: i64,
}

/// The newest notices addressed to the account or to everyone (no account, no unit).
pub async fn for_learner(
    pool: &AnyPool,
    account_id: i64,
    limit: i64,
) -> Result<Vec<NoticeRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, kind, title, body, created_at FROM notices \
         WHERE account_id = $1 OR (account_id IS NULL AND unit_id IS NULL) \
         ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(account_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}
