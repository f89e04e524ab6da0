//! Suspicions of proxy learning (代学) for the office to rule on (RULES.md, "Proxy learning").

use super::Tx;

/// Notes a missed anti-idle check: one open `failed_checks` flag per learner and year, its
/// detail and time showing the latest miss (the office rules once, not once per miss).
pub async fn note_failed_check(
    tx: &mut Tx,
    account_id: i64,
    year: i32,
    detail: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE fraud_flags SET detail = $3, detected_at = $4 \
         WHERE account_id = $1 AND year = $2 AND kind = 'failed_checks' AND status = 'open'",
    )
    .bind(account_id)
    .bind(i64::from(year))
    .bind(detail)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        sqlx::query(
            "INSERT INTO fraud_flags (account_id, kind, detail, year, detected_at) \
             VALUES ($1, 'failed_checks', $3, $2, $4)",
        )
        .bind(account_id)
        .bind(i64::from(year))
        .bind(detail)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
