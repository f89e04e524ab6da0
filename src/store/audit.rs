//! The audit log: one row per admin action or sign-in, written in the action's own transaction.

use super::Tx;

#[derive(Debug, Clone, Default)]
pub struct AuditEntry<'a> {
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub address: &'a str,
    pub action: &'a str,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub detail: String,
}

pub async fn write(tx: &mut Tx, e: &AuditEntry<'_>, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor, address, action, target, before, after, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now)
    .bind(e.actor_id)
    .bind(e.actor)
    .bind(e.address)
    .bind(e.action)
    .bind(&e.target)
    .bind(&e.before)
    .bind(&e.after)
    .bind(&e.detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn count_action(pool: &sqlx::AnyPool, action: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(pool)
        .await
}

const COLUMNS: &[&str] = &[
    "at", "actor_id", "actor", "address", "action", "target", "before", "after", "detail",
];

/// Many entries at once (an import's one row per changed record), in multi-row inserts: one round
/// trip per chunk instead of per row.
pub async fn write_many(
    tx: &mut Tx,
    entries: &[AuditEntry<'_>],
    now: i64,
) -> Result<(), sqlx::Error> {
    use super::bulk::{self, Val};
    let rows: Vec<Vec<Val>> = entries
        .iter()
        .map(|e| {
            vec![
                Val::from(now),
                Val::from(e.actor_id),
                Val::from(e.actor),
                Val::from(e.address),
                Val::from(e.action),
                Val::from(e.target.as_str()),
                Val::from(e.before.clone()),
                Val::from(e.after.clone()),
                Val::from(e.detail.as_str()),
            ]
        })
        .collect();
    bulk::insert(tx, "audit_log", COLUMNS, &rows).await?;
    Ok(())
}
