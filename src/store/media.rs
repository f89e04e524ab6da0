//! Lecture media of courses: which file a course plays (`courses.media_path`, a name in the
//! media folder) and the swap to a new one.

use std::path::PathBuf;

use sqlx::AnyPool;

use super::Tx;

/// The folder of lecture media beside the database (rows name files in it), and the largest
/// upload it takes. Attached to the `Db` handle by whoever opened it with the settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFolder {
    pub dir: PathBuf,
    pub max_bytes: u64,
}

/// A published course's media file name: None when no such published course, Some(None) when it
/// has no media yet.
pub async fn of_published(
    pool: &AnyPool,
    code: &str,
) -> Result<Option<Option<String>>, sqlx::Error> {
    sqlx::query_scalar("SELECT media_path FROM courses WHERE code = $1 AND status = 'published'")
        .bind(code)
        .fetch_optional(pool)
        .await
}

/// Whether `file` is the media of a published course.
pub async fn is_published(pool: &AnyPool, file: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM courses WHERE media_path = $1 AND status = 'published'",
    )
    .bind(file)
    .fetch_one(pool)
    .await?;
    Ok(n > 0)
}

/// Points the course at `file`, and sets its duration when given.
pub async fn set(
    tx: &mut Tx,
    course_id: i64,
    file: &str,
    duration_s: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE courses SET media_path = $1, duration_s = COALESCE($2, duration_s) WHERE id = $3",
    )
    .bind(file)
    .bind(duration_s)
    .bind(course_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
