//! The roster of a scope, one page at a time: the assessed population with each learner's year
//! standing, filtered, sorted and cut with LIMIT/OFFSET in one query, so 100,000 learners stay fast.

use sqlx::{AnyPool, FromRow};

use super::standings::Population;

/// A column to sort by. The SQL text of each is fixed here, never taken from input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Username,
    Name,
    Unit,
    Batch,
    Required,
    Elective,
    Exam,
    Total,
    Compliant,
}

impl SortKey {
    fn sql(self) -> &'static str {
        match self {
            SortKey::Username => "a.username",
            SortKey::Name => "a.real_name",
            SortKey::Unit => "u.code",
            SortKey::Batch => "f.batch",
            SortKey::Required => "required",
            SortKey::Elective => "elective",
            SortKey::Exam => "exam",
            SortKey::Total => "total",
            SortKey::Compliant => "compliant",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PageQuery<'a> {
    /// Who is assessed: year, scope, batches and the instants the year is read at.
    pub population: Population<'a>,
    pub target_total: i64,
    pub target_required: i64,
    /// Lower-case text matched against username and real name; empty for no filter.
    pub text: &'a str,
    /// 0 everyone, 1 compliant only, 2 non-compliant only.
    pub status: i64,
    pub sort: SortKey,
    pub descending: bool,
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct RosterRow {
    pub username: String,
    pub real_name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub batch: Option<i64>,
    pub required: i64,
    pub elective: i64,
    pub exam: i64,
    pub total: i64,
    pub compliant: i64,
}

/// A value to bind; the filters decide how many there are.
#[derive(Debug, Clone)]
enum Bind {
    Int(i64),
    Text(String),
}

/// Binds the values in order; a macro because the row query and the count query are different
/// sqlx types with the same `bind`.
macro_rules! bind_all {
    ($query:expr, $binds:expr) => {{
        let mut query = $query;
        for b in $binds {
            query = match b {
                Bind::Int(i) => query.bind(*i),
                Bind::Text(t) => query.bind(t.clone()),
            };
        }
        query
    }};
}

/// A learner's total and compliance, from the LEFT JOINed standing (no row: nothing earned).
const TOTAL: &str = "(COALESCE(s.required, 0) + COALESCE(s.elective, 0) + COALESCE(s.exam, 0))";

/// The FROM and WHERE of the population with only the filters in use, and the values to bind.
/// Leaving unused filters out of the text (rather than `$n = '' OR …`) lets the count read the
/// population index alone. Only fixed fragments go into the text; every value is bound.
fn from_where(q: &PageQuery<'_>) -> (String, Vec<Bind>) {
    let (year, batches, scope, moment, cut) = q.population.binds();
    let mut sql = String::from(crate::population!());
    let mut binds = vec![
        Bind::Int(year),
        Bind::Int(batches[0]),
        Bind::Int(batches[1]),
        Bind::Int(batches[2]),
        Bind::Text(scope),
        Bind::Int(moment),
        Bind::Int(cut),
    ];
    if !q.text.is_empty() {
        binds.push(Bind::Text(pattern(q.text)));
        let n = binds.len();
        sql.push_str(&format!(
            " AND (LOWER(a.username) LIKE ${n} ESCAPE '!' OR a.real_name LIKE ${n} ESCAPE '!')"
        ));
    }
    if q.status != 0 {
        binds.push(Bind::Int(q.target_total));
        binds.push(Bind::Int(q.target_required));
        let (t, r) = (binds.len() - 1, binds.len());
        let negate = if q.status == 2 { "NOT" } else { "" };
        sql.push_str(&format!(
            " AND {negate} ({TOTAL} >= ${t} AND COALESCE(s.required, 0) >= ${r})"
        ));
    }
    (sql, binds)
}

/// One page of the roster, sorted by the key (then by username), and when `count` is set the
/// number of all matches (a second, plain COUNT query: it costs as much as the page itself).
pub async fn page(
    pool: &AnyPool,
    q: &PageQuery<'_>,
    count: bool,
) -> Result<(Option<i64>, Vec<RosterRow>), sqlx::Error> {
    let direction = if q.descending { "DESC" } else { "ASC" };
    let (from_where, mut binds) = from_where(q);
    let (targets, limit) = (binds.len() + 1, binds.len() + 3);
    // The column and direction come from the enums above.
    let sql = format!(
        "SELECT a.username, a.real_name, u.code AS unit_code, u.name AS unit_name, f.batch, \
         COALESCE(s.required, 0) AS required, COALESCE(s.elective, 0) AS elective, \
         COALESCE(s.exam, 0) AS exam, {TOTAL} AS total, \
         CAST(CASE WHEN {TOTAL} >= ${targets} AND COALESCE(s.required, 0) >= ${} \
              THEN 1 ELSE 0 END AS BIGINT) AS compliant \
         {from_where} ORDER BY {} {direction}, a.username {direction} LIMIT ${limit} OFFSET ${}",
        targets + 1,
        q.sort.sql(),
        limit + 1,
    );
    let count_binds = binds.clone();
    binds.extend([
        Bind::Int(q.target_total),
        Bind::Int(q.target_required),
        Bind::Int(q.limit),
        Bind::Int(q.offset),
    ]);
    let rows: Vec<RosterRow> = bind_all!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &binds)
        .fetch_all(pool)
        .await?;
    if !count {
        return Ok((None, rows));
    }
    // Counting apart is cheaper than a window over the sorted rows: no strings, no sort.
    let total: i64 = bind_all!(
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {from_where}"))),
        &count_binds
    )
    .fetch_one(pool)
    .await?;
    Ok((Some(total), rows))
}

fn pattern(text: &str) -> String {
    let escaped: String = text
        .chars()
        .flat_map(|c| match c {
            '!' | '%' | '_' => vec!['!', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(pattern("张"), "%张%");
        assert_eq!(pattern("a%b_c!"), "%a!%b!_c!!%");
    }
}
