//! Year standings of the assessed population: the query behind the standings report and the
//! dashboards.

use sqlx::{AnyPool, FromRow};

/// The assessed population of a year (RULES.md: active, non-exempt learners of the enrolled
/// batches) within a scope, with each learner's standing row joined, as the FROM and WHERE of a
/// query. Parameters: $1 year, $2–$4 enrolled batches (0 for none), $5 scope path pattern.
/// Every query over the population uses this one text.
#[macro_export]
#[doc(hidden)]
macro_rules! population {
    () => {
        " FROM accounts a JOIN units u ON u.id = a.unit_id \
         LEFT JOIN standings s ON s.account_id = a.id AND s.year = $1 \
         WHERE a.is_learner = 1 AND a.exempt = 0 AND a.status = 'active' \
         AND a.batch IN ($2, $3, $4) AND u.path LIKE $5"
    };
}

/// Who is assessed in a year and where: a scope path prefix and the enrolled batches.
#[derive(Debug, Clone)]
pub struct Population<'a> {
    pub year: i32,
    /// The scope unit's path ('/1/4/'); every unit below it is included.
    pub scope_path: &'a str,
    pub batches: &'a [i64],
}

/// One assessed learner's year. The unit is given by id: the caller maps the few hundred units
/// itself, which keeps 100,000-row reports fast (fewer strings per row through `Any`).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct StandingLine {
    pub account_id: i64,
    pub username: String,
    pub real_name: String,
    pub unit_id: i64,
    pub batch: Option<i64>,
    pub required: i64,
    pub elective: i64,
    pub exam: i64,
}

/// Every assessed learner of the population with their standing for the year (zero when they
/// earned nothing), in no particular order.
pub async fn of_population(
    pool: &AnyPool,
    p: &Population<'_>,
) -> Result<Vec<StandingLine>, sqlx::Error> {
    let batch = |i: usize| p.batches.get(i).copied().unwrap_or(0);
    sqlx::query_as(concat!(
        "SELECT a.id AS account_id, a.username, a.real_name, a.unit_id, a.batch, \
         COALESCE(s.required, 0) AS required, COALESCE(s.elective, 0) AS elective, \
         COALESCE(s.exam, 0) AS exam",
        population!()
    ))
    .bind(i64::from(p.year))
    .bind(batch(0))
    .bind(batch(1))
    .bind(batch(2))
    .bind(format!("{}%", p.scope_path))
    .fetch_all(pool)
    .await
}

/// The population's results summed per unit (only units with assessed learners): how many are
/// assessed, compliant, short in required credits, and their summed total tenths.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct UnitSums {
    pub unit_id: i64,
    pub assessed: i64,
    pub compliant: i64,
    pub short_required: i64,
    pub total: i64,
}

/// Sums per unit in the database, so a dashboard of 100,000 learners reads a few hundred rows.
/// `target_total` and `target_required` are the year's targets in tenths.
pub async fn sums_by_unit(
    pool: &AnyPool,
    p: &Population<'_>,
    target_total: i64,
    target_required: i64,
) -> Result<Vec<UnitSums>, sqlx::Error> {
    let batch = |i: usize| p.batches.get(i).copied().unwrap_or(0);
    sqlx::query_as(concat!(
        "SELECT a.unit_id, COUNT(*) AS assessed, \
         CAST(SUM(CASE WHEN COALESCE(s.required, 0) + COALESCE(s.elective, 0) + COALESCE(s.exam, 0) >= $6 \
              AND COALESCE(s.required, 0) >= $7 THEN 1 ELSE 0 END) AS BIGINT) AS compliant, \
         CAST(SUM(CASE WHEN COALESCE(s.required, 0) < $7 THEN 1 ELSE 0 END) AS BIGINT) AS short_required, \
         CAST(SUM(COALESCE(s.required, 0) + COALESCE(s.elective, 0) + COALESCE(s.exam, 0)) AS BIGINT) AS total", population!(), " GROUP BY a.unit_id"),
    )
    .bind(i64::from(p.year))
    .bind(batch(0))
    .bind(batch(1))
    .bind(batch(2))
    .bind(format!("{}%", p.scope_path))
    .bind(target_total)
    .bind(target_required)
    .fetch_all(pool)
    .await
}
