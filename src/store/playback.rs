//! Reads of the playback table: how far a learner got in each course.

use sqlx::{AnyPool, FromRow};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ProgressRow {
    pub course_code: String,
    pub title: String,
    pub duration_s: i64,
    pub watched_s: i64,
    pub completed_at: Option<i64>,
    pub updated_at: i64,
}

/// Every course the learner has started, most recently played first.
pub async fn progress_of(pool: &AnyPool, account_id: i64) -> Result<Vec<ProgressRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT c.code AS course_code, c.title, c.duration_s, p.watched_s, p.completed_at, \
         p.updated_at FROM playback p JOIN courses c ON c.id = p.course_id \
         WHERE p.account_id = $1 ORDER BY p.updated_at DESC, c.code",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
}
