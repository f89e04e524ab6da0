//! Special training classes (Art. 9): the classes, their courses and members, the facts graduation
//! is derived from, and the board's pages. `class_members.done_count` and `graduated_at` are a
//! cache `app::classes` keeps equal to the recomputation (frozen once the class is closed).

use sqlx::{AnyPool, FromRow};

use super::sql::Sql;
use super::{Backend, Db, Tx, backend_of, in_json, json, json_rows};

/// A class with its organiser unit and counts of its active members, graduates and courses.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ClassRow {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_path: String,
    pub created_by: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub status: String,
    pub created_at: i64,
    pub min_elective_category: Option<String>,
    pub min_elective_tenths: Option<i64>,
    pub earlier_counts: i64,
    pub opened_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub members: i64,
    pub graduates: i64,
    pub done_sum: i64,
    pub courses: i64,
}

const CLASS_SELECT: &str = "SELECT k.id, k.title, k.description, k.unit_id, u.code AS unit_code, \
     u.name AS unit_name, u.path AS unit_path, cb.username AS created_by, k.starts_at, k.ends_at, \
     k.status, k.created_at, k.min_elective_category, k.min_elective_tenths, k.earlier_counts, \
     k.opened_at, k.closed_at, \
     (SELECT CAST(COUNT(*) AS BIGINT) FROM class_members m \
        WHERE m.class_id = k.id AND m.removed_at IS NULL) AS members, \
     (SELECT CAST(COUNT(*) AS BIGINT) FROM class_members m \
        WHERE m.class_id = k.id AND m.removed_at IS NULL AND m.graduated_at IS NOT NULL) AS graduates, \
     (SELECT CAST(COALESCE(SUM(m.done_count), 0) AS BIGINT) FROM class_members m \
        WHERE m.class_id = k.id AND m.removed_at IS NULL) AS done_sum, \
     (SELECT CAST(COUNT(*) AS BIGINT) FROM class_courses cc WHERE cc.class_id = k.id) AS courses \
     FROM classes k JOIN units u ON u.id = k.unit_id \
     LEFT JOIN accounts cb ON cb.id = k.created_by";

/// One class, or None.
pub async fn get(pool: &AnyPool, id: i64) -> Result<Option<ClassRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CLASS_SELECT} WHERE k.id = $1"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// One class inside a write transaction (on PostgreSQL the row is locked first, so two writes to
/// one class take turns; SQLite has one writer anyway).
pub async fn get_tx(tx: &mut Tx, id: i64) -> Result<Option<ClassRow>, sqlx::Error> {
    if backend_of(tx) == Backend::Postgres {
        sqlx::query("SELECT id FROM classes WHERE id = $1 FOR UPDATE")
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CLASS_SELECT} WHERE k.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await
}

/// Classes organised by units whose path starts with `path_prefix`, newest first.
pub async fn list(pool: &AnyPool, path_prefix: &str) -> Result<Vec<ClassRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CLASS_SELECT} WHERE u.path LIKE $1 ORDER BY k.starts_at DESC, k.id DESC"
    )))
    .bind(format!("{path_prefix}%"))
    .fetch_all(pool)
    .await
}

/// A class's fields as written by create and edit.
#[derive(Debug, Clone)]
pub struct ClassWrite<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub min_elective_category: Option<&'a str>,
    pub min_elective_tenths: Option<i64>,
    pub earlier_counts: bool,
}

pub async fn insert(
    tx: &mut Tx,
    c: &ClassWrite<'_>,
    unit_id: i64,
    created_by: Option<i64>,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO classes (title, description, unit_id, created_by, starts_at, ends_at, status, \
         created_at, min_elective_category, min_elective_tenths, earlier_counts) \
         VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9, $10) RETURNING id",
    )
    .bind(c.title)
    .bind(c.description)
    .bind(unit_id)
    .bind(created_by)
    .bind(c.starts_at)
    .bind(c.ends_at)
    .bind(now)
    .bind(c.min_elective_category)
    .bind(c.min_elective_tenths)
    .bind(i64::from(c.earlier_counts))
    .fetch_one(&mut **tx)
    .await
}

pub async fn update(tx: &mut Tx, id: i64, c: &ClassWrite<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE classes SET title = $1, description = $2, starts_at = $3, ends_at = $4, \
         min_elective_category = $5, min_elective_tenths = $6, earlier_counts = $7 WHERE id = $8",
    )
    .bind(c.title)
    .bind(c.description)
    .bind(c.starts_at)
    .bind(c.ends_at)
    .bind(c.min_elective_category)
    .bind(c.min_elective_tenths)
    .bind(i64::from(c.earlier_counts))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves a class from status `from` to `to`, stamping `opened_at` or `closed_at`; false when it
/// was not in `from` (a concurrent change).
pub async fn set_status(
    tx: &mut Tx,
    id: i64,
    from: &str,
    to: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE classes SET status = $1, \
         opened_at = CASE WHEN $1 = 'open' THEN $2 ELSE opened_at END, \
         closed_at = CASE WHEN $1 = 'closed' THEN $2 ELSE closed_at END \
         WHERE id = $3 AND status = $4",
    )
    .bind(to)
    .bind(now)
    .bind(id)
    .bind(from)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// A class course with what the board and the certificate show of it.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CourseLine {
    pub course_id: i64,
    pub code: String,
    pub title: String,
    pub category: String,
    pub kind: String,
    pub duration_s: i64,
    pub designated_tenths: Option<i64>,
    pub status: String,
}

/// The class's courses in the organiser's order.
pub async fn courses<'e, E>(ex: E, class_id: i64) -> Result<Vec<CourseLine>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_as(
        "SELECT c.id AS course_id, c.code, c.title, c.category, c.kind, c.duration_s, \
         c.designated_tenths, c.status FROM class_courses cc JOIN courses c ON c.id = cc.course_id \
         WHERE cc.class_id = $1 ORDER BY cc.position, c.id",
    )
    .bind(class_id)
    .fetch_all(ex)
    .await
}

/// Adds courses after the class's last one (those already in it are left where they are).
pub async fn add_courses(
    tx: &mut Tx,
    class_id: i64,
    course_ids: &[i64],
) -> Result<(), sqlx::Error> {
    let next: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(position), 0) AS BIGINT) FROM class_courses WHERE class_id = $1",
    )
    .bind(class_id)
    .fetch_one(&mut **tx)
    .await?;
    for (i, id) in course_ids.iter().enumerate() {
        sqlx::query(
            "INSERT INTO class_courses (class_id, course_id, position) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(class_id)
        .bind(*id)
        .bind(next + 1 + i as i64)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Removes a course from a class; false when it was not in it.
pub async fn remove_course(
    tx: &mut Tx,
    class_id: i64,
    course_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM class_courses WHERE class_id = $1 AND course_id = $2")
        .bind(class_id)
        .bind(course_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// An account named in a member list, found by username or ID number.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Candidate {
    pub id: i64,
    pub username: String,
    pub id_number: Option<String>,
    pub real_name: String,
    pub is_learner: i64,
    pub status: String,
    pub unit_path: String,
    pub unit_name: String,
    /// The account's row in this class: 0 none, 1 a member, 2 removed earlier.
    pub membership: i64,
}

const CANDIDATE_SELECT: &str = "SELECT a.id, a.username, a.id_number, a.real_name, a.is_learner, \
     a.status, u.path AS unit_path, u.name AS unit_name, \
     COALESCE((SELECT CASE WHEN m.removed_at IS NULL THEN 1 ELSE 2 END FROM class_members m \
        WHERE m.class_id = $1 AND m.account_id = a.id), 0) AS membership \
     FROM accounts a JOIN units u ON u.id = a.unit_id";

/// The accounts whose username or ID number is one of `keys`, with their membership of the class.
pub async fn candidates(
    tx: &mut Tx,
    class_id: i64,
    keys: &[String],
) -> Result<Vec<Candidate>, sqlx::Error> {
    let mut found = Vec::new();
    for chunk in keys.chunks(5_000) {
        let b = backend_of(tx);
        let sql = format!(
            "{CANDIDATE_SELECT} WHERE a.username {} OR a.id_number {}",
            in_json(b, 2, "text"),
            in_json(b, 2, "text")
        );
        let mut rows: Vec<Candidate> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(class_id)
            .bind(json(chunk)?)
            .fetch_all(&mut **tx)
            .await?;
        found.append(&mut rows);
    }
    Ok(found)
}

/// The learners of a year's assessed population (see `population!`) as candidates for the class.
pub async fn population_candidates(
    tx: &mut Tx,
    p: &super::standings::Population<'_>,
    class_id: i64,
) -> Result<Vec<Candidate>, sqlx::Error> {
    let mut sql = Sql::with_population(p);
    sql.push(
        "SELECT a.id, a.username, a.id_number, a.real_name, a.is_learner, a.status, \
         u.path AS unit_path, u.name AS unit_name, \
         COALESCE((SELECT CASE WHEN m.removed_at IS NULL THEN 1 ELSE 2 END FROM class_members m \
            WHERE m.class_id = ",
    )
    .bind(class_id)
    .push(" AND m.account_id = a.id), 0) AS membership")
    .push(super::sql::POPULATION);
    sql.query_as()?.fetch_all(&mut **tx).await
}

/// A new member's row.
#[derive(Debug, Clone, serde::Serialize)]
pub struct NewMember {
    pub account_id: i64,
    pub cert_serial: String,
    pub cert_code: String,
}

const MEMBER_COLUMNS: &[(&str, &str)] = &[
    ("account_id", "bigint"),
    ("cert_serial", "text"),
    ("cert_code", "text"),
];

/// How many member rows a class has ever had (removed ones included): the next certificate
/// number follows it.
pub async fn member_rows(tx: &mut Tx, class_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM class_members WHERE class_id = $1")
        .bind(class_id)
        .fetch_one(&mut **tx)
        .await
}

/// Adds members (new rows) in batches of one JSON parameter each.
pub async fn insert_members(
    tx: &mut Tx,
    class_id: i64,
    rows: &[NewMember],
    added_by: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO class_members (class_id, account_id, joined_at, added_by, cert_serial, cert_code) \
         SELECT $2, v.account_id, $3, $4, v.cert_serial, v.cert_code FROM {} WHERE true",
        json_rows(backend_of(tx), 1, MEMBER_COLUMNS)
    );
    for chunk in rows.chunks(2_000) {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(json(chunk)?)
            .bind(class_id)
            .bind(now)
            .bind(added_by)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Makes removed members members again (their certificate number and code stay).
pub async fn restore_members(
    tx: &mut Tx,
    class_id: i64,
    account_ids: &[i64],
    added_by: Option<i64>,
    now: i64,
) -> Result<(), sqlx::Error> {
    for chunk in account_ids.chunks(5_000) {
        let sql = format!(
            "UPDATE class_members SET removed_at = NULL, removed_by = NULL, removed_reason = NULL, \
             joined_at = $2, added_by = $3 WHERE class_id = $4 AND account_id {}",
            in_json(backend_of(tx), 1, "bigint")
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(json(chunk)?)
            .bind(now)
            .bind(added_by)
            .bind(class_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Removes a member, keeping the row; false when they were not an active member.
pub async fn remove_member(
    tx: &mut Tx,
    class_id: i64,
    account_id: i64,
    by: Option<i64>,
    reason: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE class_members SET removed_at = $1, removed_by = $2, removed_reason = $3 \
         WHERE class_id = $4 AND account_id = $5 AND removed_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(reason)
    .bind(class_id)
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The active members' ids.
pub async fn member_ids(tx: &mut Tx, class_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT account_id FROM class_members WHERE class_id = $1 AND removed_at IS NULL",
    )
    .bind(class_id)
    .fetch_all(&mut **tx)
    .await
}

/// Unrevoked completions ('course' or 'legacy' entries) as they stood at `as_of` (entries written
/// up to then, revocations written up to then; `i64::MAX` for now). Built from our own names.
fn unrevoked_as_of(e: &str, as_of: &str) -> String {
    format!(
        "{e}.kind IN ('course', 'legacy') AND {e}.created_at <= {as_of} \
         AND NOT EXISTS (SELECT 1 FROM ledger r WHERE r.revokes_id = {e}.id AND r.created_at <= {as_of})"
    )
}

/// One member's unrevoked completions, of any course: (course id, when).
pub async fn completions_of(tx: &mut Tx, account_id: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT e.course_id, e.earned_at FROM ledger e WHERE e.account_id = $1 \
         AND e.course_id IS NOT NULL AND {}",
        unrevoked_as_of("e", "$2")
    )))
    .bind(account_id)
    .bind(i64::MAX)
    .fetch_all(&mut **tx)
    .await
}

/// One member's unrevoked elective credits from courses of `category`: (when, tenths).
pub async fn elective_of(
    tx: &mut Tx,
    account_id: i64,
    category: &str,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT e.earned_at, e.tenths FROM ledger e JOIN courses c ON c.id = e.course_id \
         WHERE e.account_id = $1 AND e.bucket = 'elective' AND c.category = $2 AND {}",
        unrevoked_as_of("e", "$3")
    )))
    .bind(account_id)
    .bind(category)
    .bind(i64::MAX)
    .fetch_all(&mut **tx)
    .await
}

/// Every active member's unrevoked completions of the class's courses: (account, course, when).
pub async fn completions_of_class<'e, E>(
    ex: E,
    class_id: i64,
) -> Result<Vec<(i64, i64, i64)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT e.account_id, e.course_id, e.earned_at FROM class_members m \
         JOIN class_courses cc ON cc.class_id = m.class_id \
         JOIN ledger e ON e.account_id = m.account_id AND e.course_id = cc.course_id \
         WHERE m.class_id = $1 AND m.removed_at IS NULL AND {}",
        unrevoked_as_of("e", "$2")
    )))
    .bind(class_id)
    .bind(i64::MAX)
    .fetch_all(ex)
    .await
}

/// Every active member's unrevoked elective credits of `category`: (account, when, tenths).
pub async fn elective_of_class<'e, E>(
    ex: E,
    class_id: i64,
    category: &str,
) -> Result<Vec<(i64, i64, i64)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT e.account_id, e.earned_at, e.tenths FROM class_members m \
         JOIN ledger e ON e.account_id = m.account_id JOIN courses c ON c.id = e.course_id \
         WHERE m.class_id = $1 AND m.removed_at IS NULL AND e.bucket = 'elective' \
         AND c.category = $2 AND {}",
        unrevoked_as_of("e", "$3")
    )))
    .bind(class_id)
    .bind(category)
    .bind(i64::MAX)
    .fetch_all(ex)
    .await
}

/// A member's cached result, as written by the recomputation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    pub account_id: i64,
    pub done_count: i64,
    pub graduated_at: Option<i64>,
}

const OUTCOME_COLUMNS: &[(&str, &str)] = &[
    ("account_id", "bigint"),
    ("done_count", "bigint"),
    ("graduated_at", "bigint"),
];

/// The active members' cached results.
pub async fn outcomes<'e, E>(ex: E, class_id: i64) -> Result<Vec<Outcome>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT account_id, done_count, graduated_at FROM class_members \
         WHERE class_id = $1 AND removed_at IS NULL",
    )
    .bind(class_id)
    .fetch_all(ex)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(account_id, done_count, graduated_at)| Outcome {
            account_id,
            done_count,
            graduated_at,
        })
        .collect())
}

/// Writes members' results, a batch per statement. An upsert on the primary key rather than
/// `UPDATE … FROM`: SQLite planned the latter with the class's members outside and the batch
/// inside (20,000 × 2,000 JSON rows per statement); the upsert walks the batch and finds each
/// row by its key, on both databases. Every row exists (the results come from them).
pub async fn set_outcomes(tx: &mut Tx, class_id: i64, rows: &[Outcome]) -> Result<(), sqlx::Error> {
    let sql = format!(
        "INSERT INTO class_members (class_id, account_id, joined_at, done_count, graduated_at) \
         SELECT $2, v.account_id, 0, v.done_count, v.graduated_at FROM {} WHERE true \
         ON CONFLICT (class_id, account_id) DO UPDATE SET done_count = excluded.done_count, \
         graduated_at = excluded.graduated_at",
        json_rows(backend_of(tx), 1, OUTCOME_COLUMNS)
    );
    for chunk in rows.chunks(2_000) {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(json(chunk)?)
            .bind(class_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// A class that is not closed and holds the member, with what graduation needs and the member's
/// cached result.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct MemberTerms {
    pub class_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub earlier_counts: i64,
    pub min_elective_category: Option<String>,
    pub min_elective_tenths: Option<i64>,
    pub done_count: i64,
    pub graduated_at: Option<i64>,
}

/// The classes, not closed, the account is an active member of. On PostgreSQL the classes are
/// share-locked: a change to one of them (which locks it for update before recomputing its
/// members) then waits for this transaction, or this one for it, so neither recomputes from what
/// the other has not yet committed. SQLite's one writer gives the same order.
pub async fn live_classes_of(
    tx: &mut Tx,
    account_id: i64,
) -> Result<Vec<MemberTerms>, sqlx::Error> {
    let lock = match backend_of(tx) {
        Backend::Postgres => " FOR SHARE OF k",
        Backend::Sqlite => "",
    };
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT k.id AS class_id, k.starts_at, k.ends_at, k.earlier_counts, \
         k.min_elective_category, k.min_elective_tenths, m.done_count, m.graduated_at \
         FROM class_members m JOIN classes k ON k.id = m.class_id \
         WHERE m.account_id = $1 AND m.removed_at IS NULL AND k.status <> 'closed'{lock}"
    )))
    .bind(account_id)
    .fetch_all(&mut **tx)
    .await
}

/// The class's course ids in order.
pub async fn course_ids<'e, E>(ex: E, class_id: i64) -> Result<Vec<i64>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar(
        "SELECT course_id FROM class_courses WHERE class_id = $1 ORDER BY position, course_id",
    )
    .bind(class_id)
    .fetch_all(ex)
    .await
}

/// The classes not closed (whose cached results must equal a recomputation), by id.
pub async fn live_ids(pool: &AnyPool) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM classes WHERE status <> 'closed' ORDER BY id")
        .fetch_all(pool)
        .await
}

/// One member's result changed by the recomputation.
pub async fn set_outcome(tx: &mut Tx, class_id: i64, o: &Outcome) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE class_members SET done_count = $1, graduated_at = $2 \
         WHERE class_id = $3 AND account_id = $4",
    )
    .bind(o.done_count)
    .bind(o.graduated_at)
    .bind(class_id)
    .bind(o.account_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A member as the board, the graduates list and the learner's pages show them.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct MemberRow {
    pub account_id: i64,
    pub username: String,
    pub real_name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub done_count: i64,
    pub graduated_at: Option<i64>,
    pub joined_at: i64,
    pub cert_serial: Option<String>,
    pub cert_code: Option<String>,
}

const MEMBER_SELECT: &str = "SELECT m.account_id, a.username, a.real_name, u.code AS unit_code, \
     u.name AS unit_name, m.done_count, m.graduated_at, m.joined_at, m.cert_serial, m.cert_code \
     FROM class_members m JOIN accounts a ON a.id = m.account_id JOIN units u ON u.id = a.unit_id";

/// How the board is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Unit path, then username.
    Unit,
    /// Fewest courses done first.
    ProgressAsc,
    /// Most courses done first (graduates by date of graduation first).
    ProgressDesc,
}

/// Which members a board page shows: all active ones, or only those behind, i.e. not graduated
/// and with `done * span < total * elapsed` (their share of courses below the share of the class
/// time gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behind {
    pub total: i64,
    pub elapsed: i64,
    pub span: i64,
}

fn board_where(sql: &mut Sql, class_id: i64, behind: Option<Behind>) {
    sql.push(" WHERE m.class_id = ")
        .bind(class_id)
        .push(" AND m.removed_at IS NULL");
    if let Some(b) = behind {
        sql.push(" AND m.graduated_at IS NULL AND m.done_count * ")
            .bind(b.span)
            .push(" < ")
            .bind(b.total)
            .push(" * ")
            .bind(b.elapsed);
    }
}

/// One page of the board's members.
pub async fn board_page(
    pool: &AnyPool,
    class_id: i64,
    order: Order,
    behind: Option<Behind>,
    offset: i64,
    limit: i64,
) -> Result<Vec<MemberRow>, sqlx::Error> {
    let mut sql = Sql::new(MEMBER_SELECT);
    board_where(&mut sql, class_id, behind);
    sql.push(match order {
        Order::Unit => " ORDER BY u.path, a.username",
        Order::ProgressAsc => " ORDER BY m.done_count, a.username",
        Order::ProgressDesc => {
            " ORDER BY m.done_count DESC, CASE WHEN m.graduated_at IS NULL THEN 1 ELSE 0 END, \
             m.graduated_at, a.username"
        }
    });
    sql.push(" LIMIT ")
        .bind(limit)
        .push(" OFFSET ")
        .bind(offset);
    sql.query_as()?.fetch_all(pool).await
}

/// How many members the board shows in all (for paging).
pub async fn board_count(
    pool: &AnyPool,
    class_id: i64,
    behind: Option<Behind>,
) -> Result<i64, sqlx::Error> {
    let mut sql = Sql::new("SELECT CAST(COUNT(*) AS BIGINT) FROM class_members m");
    board_where(&mut sql, class_id, behind);
    sql.query_scalar()?.fetch_one(pool).await
}

/// The graduates, in order of graduation.
pub async fn graduates(pool: &AnyPool, class_id: i64) -> Result<Vec<MemberRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{MEMBER_SELECT} WHERE m.class_id = $1 AND m.removed_at IS NULL \
         AND m.graduated_at IS NOT NULL ORDER BY m.graduated_at, a.username"
    )))
    .bind(class_id)
    .fetch_all(pool)
    .await
}

/// One active member, or None.
pub async fn member(
    pool: &AnyPool,
    class_id: i64,
    account_id: i64,
) -> Result<Option<MemberRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{MEMBER_SELECT} WHERE m.class_id = $1 AND m.account_id = $2 AND m.removed_at IS NULL"
    )))
    .bind(class_id)
    .bind(account_id)
    .fetch_optional(pool)
    .await
}

/// The members' unrevoked completions of the class's courses as they stood at `as_of`:
/// (account, course, when).
pub async fn cells(
    db: &Db,
    class_id: i64,
    account_ids: &[i64],
    as_of: i64,
) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    let (pool, backend) = (db.reader(), db.backend());
    let sql = format!(
        "SELECT e.account_id, e.course_id, e.earned_at FROM class_courses cc \
         JOIN ledger e ON e.course_id = cc.course_id \
         WHERE cc.class_id = $2 AND e.account_id {} AND {}",
        in_json(backend, 1, "bigint"),
        unrevoked_as_of("e", "$3")
    );
    let mut out = Vec::new();
    for chunk in account_ids.chunks(5_000) {
        let mut rows: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(json(chunk)?)
            .bind(class_id)
            .bind(as_of)
            .fetch_all(pool)
            .await?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// The members' seconds watched of the class's courses: (account, course, watched seconds).
pub async fn watched(
    db: &Db,
    class_id: i64,
    account_ids: &[i64],
) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    let (pool, backend) = (db.reader(), db.backend());
    let sql = format!(
        "SELECT p.account_id, p.course_id, p.watched_s FROM class_courses cc \
         JOIN playback p ON p.course_id = cc.course_id \
         WHERE cc.class_id = $2 AND p.watched_s > 0 AND p.account_id {}",
        in_json(backend, 1, "bigint")
    );
    let mut out = Vec::new();
    for chunk in account_ids.chunks(5_000) {
        let mut rows: Vec<(i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(json(chunk)?)
            .bind(class_id)
            .fetch_all(pool)
            .await?;
        out.append(&mut rows);
    }
    Ok(out)
}

/// The classes, open or closed, the learner is an active member of, newest first.
pub async fn of_learner(pool: &AnyPool, account_id: i64) -> Result<Vec<ClassRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{CLASS_SELECT} WHERE k.status <> 'draft' AND EXISTS (SELECT 1 FROM class_members m \
         WHERE m.class_id = k.id AND m.account_id = $1 AND m.removed_at IS NULL) \
         ORDER BY k.starts_at DESC, k.id DESC"
    )))
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// What a verification code confirms: the graduate's name, the class and when.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct VerifiedRow {
    pub real_name: String,
    pub title: String,
    pub graduated_at: i64,
}

/// The graduation a certificate code stands for: an active member of an open or closed class who
/// has graduated; None otherwise.
pub async fn by_code(pool: &AnyPool, code: &str) -> Result<Option<VerifiedRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.real_name, k.title, m.graduated_at FROM class_members m \
         JOIN accounts a ON a.id = m.account_id JOIN classes k ON k.id = m.class_id \
         WHERE m.cert_code = $1 AND m.removed_at IS NULL AND m.graduated_at IS NOT NULL \
         AND k.status <> 'draft'",
    )
    .bind(code)
    .fetch_optional(pool)
    .await
}
