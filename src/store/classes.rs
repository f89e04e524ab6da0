//! Special training classes (Art. 9): their courses and members.

use super::Tx;

pub async fn insert(
    tx: &mut Tx,
    title: &str,
    unit_id: i64,
    created_by: Option<i64>,
    starts_at: i64,
    ends_at: i64,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO classes (title, unit_id, created_by, starts_at, ends_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(title)
    .bind(unit_id)
    .bind(created_by)
    .bind(starts_at)
    .bind(ends_at)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

pub async fn add_course(tx: &mut Tx, class_id: i64, course_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO class_courses (class_id, course_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(class_id)
    .bind(course_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn add_member(
    tx: &mut Tx,
    class_id: i64,
    account_id: i64,
    joined_at: i64,
    graduated_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO class_members (class_id, account_id, joined_at, graduated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(class_id)
    .bind(account_id)
    .bind(joined_at)
    .bind(graduated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
