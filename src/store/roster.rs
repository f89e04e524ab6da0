//! The roster of a scope, one page at a time: the assessed population with each learner's year
//! standing, filtered, sorted and cut with LIMIT/OFFSET in one query, so 100,000 learners stay fast.

use sqlx::{AnyPool, FromRow};

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
            SortKey::Batch => "a.batch",
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
    pub year: i32,
    pub scope_path: &'a str,
    pub batches: &'a [i64],
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

/// Binds the filter parameters ($1–$10) in order; a macro because the row query and the count
/// query are different sqlx types with the same `bind`.
macro_rules! bind_filters {
    ($query:expr, $q:expr) => {{
        let q = $q;
        let batch = |i: usize| q.batches.get(i).copied().unwrap_or(0);
        $query
            .bind(i64::from(q.year))
            .bind(batch(0))
            .bind(batch(1))
            .bind(batch(2))
            .bind(format!("{}%", q.scope_path))
            .bind(q.text.to_string())
            .bind(pattern(q.text))
            .bind(q.status)
            .bind(q.target_total)
            .bind(q.target_required)
    }};
}

const FROM_WHERE: &str = concat!(
    crate::population!(),
    " AND ($6 = '' OR LOWER(a.username) LIKE $7 ESCAPE '!' OR a.real_name LIKE $7 ESCAPE '!') \
     AND ($8 = 0 \
       OR ($8 = 1 AND COALESCE(s.required, 0) + COALESCE(s.elective, 0) + COALESCE(s.exam, 0) >= $9 \
           AND COALESCE(s.required, 0) >= $10) \
       OR ($8 = 2 AND NOT (COALESCE(s.required, 0) + COALESCE(s.elective, 0) + COALESCE(s.exam, 0) >= $9 \
           AND COALESCE(s.required, 0) >= $10)))"
);

/// One page of the roster, sorted by the key (then by username), and when `count` is set the
/// number of all matches (a second, plain COUNT query: it costs as much as the page itself).
pub async fn page(
    pool: &AnyPool,
    q: &PageQuery<'_>,
    count: bool,
) -> Result<(Option<i64>, Vec<RosterRow>), sqlx::Error> {
    let direction = if q.descending { "DESC" } else { "ASC" };
    // Only fixed fragments go into the text: the column and direction come from enums above.
    let sql = format!(
        "SELECT a.username, a.real_name, u.code AS unit_code, u.name AS unit_name, a.batch, \
         COALESCE(s.required, 0) AS required, COALESCE(s.elective, 0) AS elective, \
         COALESCE(s.exam, 0) AS exam, \
         COALESCE(s.required, 0) + COALESCE(s.elective, 0) + COALESCE(s.exam, 0) AS total, \
         CAST(CASE WHEN COALESCE(s.required, 0) + COALESCE(s.elective, 0) + COALESCE(s.exam, 0) >= $9 \
              AND COALESCE(s.required, 0) >= $10 THEN 1 ELSE 0 END AS BIGINT) AS compliant \
         {FROM_WHERE} ORDER BY {} {direction}, a.username {direction} LIMIT $11 OFFSET $12",
        q.sort.sql()
    );
    let rows: Vec<RosterRow> = bind_filters!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), q)
        .bind(q.limit)
        .bind(q.offset)
        .fetch_all(pool)
        .await?;
    if !count {
        return Ok((None, rows));
    }
    // Counting apart is cheaper than a window over the sorted rows: no strings, no sort.
    let total: i64 = bind_filters!(
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {FROM_WHERE}"))),
        q
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
