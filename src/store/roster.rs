//! The roster of a scope, one page at a time: the assessed population with each learner's year
//! standing, filtered, sorted and cut with LIMIT/OFFSET in one query, so 100,000 learners stay fast.

use sqlx::{AnyPool, FromRow};

use super::sql::{POPULATION, Sql, TOTAL};
use super::standings::Population;

/// A column to sort by. The SQL text of each is fixed here, never taken from input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// When set, only members of the unit at exactly this path (not the units below it).
    pub own_path: Option<&'a str>,
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

/// `select`, the compliant column when asked, and the population with only the filters in use.
/// Leaving unused filters out of the text (rather than `$n = '' OR …`) lets the count read the
/// population index alone.
fn filtered(q: &PageQuery<'_>, select: &str, compliant_column: bool) -> Sql {
    let mut sql = Sql::with_population(&q.population);
    sql.push(select);
    if compliant_column {
        sql.push(", CAST(CASE WHEN ")
            .compliant(q.target_total, q.target_required)
            .push(" THEN 1 ELSE 0 END AS BIGINT) AS compliant");
    }
    sql.push(POPULATION);
    if let Some(path) = q.own_path {
        sql.push(" AND u.path = ").bind(path.to_string());
    }
    if !q.text.is_empty() {
        let like = pattern(q.text);
        sql.push(" AND (LOWER(a.username) LIKE ")
            .bind(like.clone())
            .push(" ESCAPE '!' OR a.real_name LIKE ")
            .bind(like)
            .push(" ESCAPE '!')");
    }
    if q.status != 0 {
        sql.push(if q.status == 2 { " AND NOT " } else { " AND " })
            .compliant(q.target_total, q.target_required);
    }
    sql
}

/// One page of the roster, sorted by the key (then by username), and when `count` is set the
/// number of all matches (a second, plain COUNT query: it costs as much as the page itself).
pub async fn page(
    pool: &AnyPool,
    q: &PageQuery<'_>,
    count: bool,
) -> Result<(Option<i64>, Vec<RosterRow>), sqlx::Error> {
    let direction = if q.descending { "DESC" } else { "ASC" };
    let columns = format!(
        "SELECT a.username, a.real_name, u.code AS unit_code, u.name AS unit_name, f.batch, \
         COALESCE(s.required, 0) AS required, COALESCE(s.elective, 0) AS elective, \
         COALESCE(s.exam, 0) AS exam, {TOTAL} AS total"
    );
    let mut sql = filtered(q, &columns, true);
    // The column and direction come from the enums above.
    sql.push(&format!(
        " ORDER BY {} {direction}, a.username {direction} LIMIT ",
        q.sort.sql()
    ))
    .bind(q.limit)
    .push(" OFFSET ")
    .bind(q.offset);
    let rows: Vec<RosterRow> = sql.query_as()?.fetch_all(pool).await?;
    if !count {
        return Ok((None, rows));
    }
    // Counting apart is cheaper than a window over the sorted rows: no strings, no sort.
    let total: i64 = filtered(q, "SELECT COUNT(*)", false)
        .query_scalar()?
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

    /// Every filter at once: each value gets the next number after the population's seven, and
    /// the text names exactly as many placeholders as there are values.
    #[test]
    fn filters_together_number_every_value_once() {
        use super::super::sql::Value;
        let q = PageQuery {
            population: Population {
                year: 2026,
                scope_path: "/1/",
                batches: &[1, 2],
                window: crate::rules::population::YearWindow { moment: 10, cut: 5 },
            },
            target_total: 400,
            target_required: 240,
            own_path: None,
            text: "张",
            status: 2,
            sort: SortKey::Total,
            descending: true,
            offset: 0,
            limit: 50,
        };
        let sql = filtered(&q, "SELECT COUNT(*)", true);
        let values = sql.values();
        assert_eq!(values.len(), 13);
        assert_eq!(&values[7..9], &[Value::Int(400), Value::Int(240)]);
        assert_eq!(values[9], Value::Text("%张%".into()));
        assert_eq!(&values[11..], &[Value::Int(400), Value::Int(240)]);
        for k in 1..=values.len() {
            assert!(
                sql.text().contains(&format!("${k}")),
                "${k} in {}",
                sql.text()
            );
        }
        assert!(!sql.text().contains(&format!("${}", values.len() + 1)));
        assert!(sql.text().contains(" AND NOT ("));
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(pattern("张"), "%张%");
        assert_eq!(pattern("a%b_c!"), "%a!%b!_c!!%");
    }
}
