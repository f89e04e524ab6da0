//! Year standings of the assessed population: the query behind the standings report and the
//! dashboards.

use sqlx::{AnyPool, FromRow};

use super::sql::{POPULATION, Sql, TOTAL};
use crate::rules::population::YearWindow;

/// The assessed population of a year (RULES.md "Who counts in a year") within a scope, with each
/// learner's standing row joined, as the FROM and WHERE of a query. `f` is the account's fact row
/// in force at the assessment moment (its unit and batch are the learner's for the year), `c` the
/// row in force just before the cut-off (none: issued on or after it, so not assessed). A learner
/// counts when active and not exempt at the moment, or when they were so before the cut-off and
/// no disable or exemption since then carries the office's exception. Parameters: $1 year, $2–$4
/// enrolled batches (0 for none), $5 scope path pattern, $6 the moment, $7 the cut-off (see
/// `rules::population::window`). Every query over the population uses this one text.
#[macro_export]
#[doc(hidden)]
macro_rules! population {
    () => {
        " FROM accounts a \
         JOIN account_facts f ON f.account_id = a.id AND f.effective_at <= $6 \
              AND (f.ends_at IS NULL OR f.ends_at > $6) \
         JOIN account_facts c ON c.account_id = a.id AND c.effective_at < $7 \
              AND (c.ends_at IS NULL OR c.ends_at >= $7) \
         JOIN units u ON u.id = f.unit_id \
         LEFT JOIN standings s ON s.account_id = a.id AND s.year = $1 \
         WHERE a.is_learner = 1 AND f.batch IN ($2, $3, $4) AND u.path LIKE $5 \
         AND ((f.status = 'active' AND f.exempt = 0) \
              OR (c.status = 'active' AND c.exempt = 0 AND NOT EXISTS (SELECT 1 FROM account_facts x \
                  WHERE x.account_id = a.id AND x.removes_from_year = 1 \
                  AND x.effective_at >= $7 AND x.effective_at <= $6)))"
    };
}

/// Who is assessed in a year and where: a scope path prefix, the enrolled batches and the
/// instants the year is read at.
#[derive(Debug, Clone)]
pub struct Population<'a> {
    pub year: i32,
    /// The scope unit's path ('/1/4/'); every unit below it is included.
    pub scope_path: &'a str,
    pub batches: &'a [i64],
    pub window: YearWindow,
}

impl Population<'_> {
    /// The seven values `population!` takes, in order ($1–$7).
    pub fn binds(&self) -> (i64, [i64; 3], String, i64, i64) {
        let batch = |i: usize| self.batches.get(i).copied().unwrap_or(0);
        (
            i64::from(self.year),
            [batch(0), batch(1), batch(2)],
            format!("{}%", self.scope_path),
            self.window.moment,
            self.window.cut,
        )
    }
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
    let mut sql = Sql::with_population(p);
    sql.push(
        "SELECT a.id AS account_id, a.username, a.real_name, f.unit_id, f.batch, \
         COALESCE(s.required, 0) AS required, COALESCE(s.elective, 0) AS elective, \
         COALESCE(s.exam, 0) AS exam",
    )
    .push(POPULATION);
    sql.query_as()?.fetch_all(pool).await
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
    let mut sql = Sql::with_population(p);
    sql.push("SELECT f.unit_id, COUNT(*) AS assessed, CAST(SUM(CASE WHEN ")
        .compliant(target_total, target_required)
        .push(
            " THEN 1 ELSE 0 END) AS BIGINT) AS compliant, \
               CAST(SUM(CASE WHEN COALESCE(s.required, 0) < ",
        )
        .bind(target_required)
        .push(" THEN 1 ELSE 0 END) AS BIGINT) AS short_required, CAST(SUM(")
        .push(TOTAL)
        .push(") AS BIGINT) AS total")
        .push(POPULATION)
        .push(" GROUP BY f.unit_id");
    sql.query_as()?.fetch_all(pool).await
}
