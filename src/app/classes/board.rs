//! Reading classes as staff see them: the list of the actor's scope, one class in full, the board
//! (members × courses) page by page, and the graduates.

use std::collections::HashMap;

use crate::rules::classes::{Terms, percent};
use crate::store::Db;
use crate::store::classes::{self as store, Behind, MemberRow, Order};

use super::super::types::{UnitCode, Username, converted};
use super::super::{Actor, Error, Result};
use super::{
    Board, BoardQuery, BoardRow, BoardSort, ClassCourse, ClassDetail, ClassStatus, ClassSummary,
    CourseCell, Graduate, MAX_PAGE, visible,
};

/// The classes the actor may see, newest first: every class for the office and the college,
/// the classes of units in their scope for a liaison.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<ClassSummary>> {
    if !actor.is_staff() {
        return Err(Error::Forbidden("培训班仅限管理人员查看".into()));
    }
    let prefixes: Vec<String> =
        if actor.is_local() || actor.roles.iter().any(|r| r.kind.is_city_wide()) {
            vec![String::new()]
        } else {
            let mut paths: Vec<String> = actor.roles.iter().map(|r| r.unit_path.clone()).collect();
            paths.sort();
            // A scope inside another listed scope would list its classes twice.
            let mut kept: Vec<String> = Vec::new();
            for p in paths {
                if !kept.iter().any(|k| p.starts_with(k.as_str())) {
                    kept.push(p);
                }
            }
            kept
        };
    let mut out = Vec::new();
    for p in prefixes {
        for row in store::list(db.reader(), &p).await? {
            out.push(ClassSummary::try_from(&row)?);
        }
    }
    out.sort_by(|a, b| {
        b.dates
            .starts_at
            .cmp(&a.dates.starts_at)
            .then(b.id.cmp(&a.id))
    });
    Ok(out)
}

/// One class in full, with its courses in order.
pub async fn show(db: &Db, actor: &Actor, id: i64) -> Result<ClassDetail> {
    let row = visible(db, actor, id).await?;
    let courses = converted(store::courses(db.reader(), id).await?)?;
    ClassDetail::of(&row, courses)
}

/// A page of the board: the members (sorted and filtered as asked) with one cell per class
/// course, their counts and graduation, the class's rates and the filter's row count. A closed
/// class shows its frozen result: members' counts and graduation as at closing, and cells from
/// the ledger as it stood then.
pub async fn board(db: &Db, actor: &Actor, id: i64, q: &BoardQuery) -> Result<Board> {
    if !(1..=MAX_PAGE).contains(&q.limit) || q.offset < 0 {
        return Err(Error::invalid(
            "分页",
            format!("每页 1–{MAX_PAGE} 行，起始行不能为负"),
        ));
    }
    let row = visible(db, actor, id).await?;
    let class = ClassSummary::try_from(&row)?;
    let courses: Vec<ClassCourse> = converted(store::courses(db.reader(), id).await?)?;
    let now = super::super::now();
    let closed = class.status == ClassStatus::Closed;
    let as_of = if closed {
        row.closed_at.unwrap_or(now)
    } else {
        now
    };
    let behind = q.behind_only.then(|| {
        let (elapsed, span) = class.dates.elapsed(as_of);
        Behind {
            total: courses.len() as i64,
            elapsed,
            span,
        }
    });
    let order = match q.sort {
        BoardSort::Unit => Order::Unit,
        BoardSort::ProgressAsc => Order::ProgressAsc,
        BoardSort::ProgressDesc => Order::ProgressDesc,
    };
    let members = store::board_page(db.reader(), id, order, behind, q.offset, q.limit).await?;
    let total_rows = store::board_count(db.reader(), id, behind).await?;
    let course_ids: Vec<i64> = courses.iter().map(|c| c.course_id).collect();
    let terms = Terms {
        dates: class.dates,
        earlier_counts: row.earlier_counts == 1,
        courses: &course_ids,
        min_elective: None,
    };
    let rows = rows_of(db, id, &terms, &courses, members, as_of, !closed).await?;
    Ok(Board {
        class,
        courses,
        rows,
        total_rows,
        as_of,
    })
}

/// The board rows of these members, with their cells (in progress only while the class is
/// `live`: a closed class shows what counted).
async fn rows_of(
    db: &Db,
    class_id: i64,
    terms: &Terms<'_>,
    courses: &[ClassCourse],
    members: Vec<MemberRow>,
    as_of: i64,
    live: bool,
) -> Result<Vec<BoardRow>> {
    let ids: Vec<i64> = members.iter().map(|m| m.account_id).collect();
    let mut done: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for (account, course, at) in store::cells(db, class_id, &ids, as_of).await? {
        done.entry(account).or_default().push((course, at));
    }
    let mut watched: HashMap<(i64, i64), i64> = HashMap::new();
    if live {
        for (account, course, w) in store::watched(db, class_id, &ids).await? {
            watched.insert((account, course), w);
        }
    }
    let total = courses.len() as i64;
    Ok(members
        .into_iter()
        .map(|m| {
            let mine = done
                .get(&m.account_id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let cells = courses
                .iter()
                .map(|c| {
                    cell(
                        terms,
                        c,
                        mine,
                        watched.get(&(m.account_id, c.course_id)).copied(),
                    )
                })
                .collect();
            BoardRow {
                account_id: m.account_id,
                username: Username::stored(m.username),
                name: m.real_name,
                unit_code: UnitCode::stored(m.unit_code),
                unit: m.unit_name,
                cells,
                courses_done: m.done_count,
                courses_total: total,
                percent: percent(m.done_count, total),
                graduated: m.graduated_at.is_some(),
                graduated_at: m.graduated_at,
            }
        })
        .collect())
}

/// The 结业 list: graduates in order of graduation, with their certificate serials.
pub async fn graduates(db: &Db, actor: &Actor, id: i64) -> Result<Vec<Graduate>> {
    visible(db, actor, id).await?;
    Ok(store::graduates(db.reader(), id)
        .await?
        .into_iter()
        .filter_map(|m| {
            Some(Graduate {
                graduated_at: m.graduated_at?,
                serial: m.cert_serial.unwrap_or_default(),
                username: Username::stored(m.username),
                name: m.real_name,
                unit_code: UnitCode::stored(m.unit_code),
                unit: m.unit_name,
            })
        })
        .collect())
}

/// The cell of one member and course from their completions (as (course, when)) and the seconds
/// watched.
pub(super) fn cell(
    terms: &Terms<'_>,
    course: &ClassCourse,
    completions: &[(i64, i64)],
    watched_s: Option<i64>,
) -> CourseCell {
    let mine = completions.iter().filter(|(c, _)| *c == course.course_id);
    let counting = mine
        .clone()
        .filter(|(_, at)| terms.counts(*at))
        .map(|(_, at)| *at)
        .min();
    if let Some(at) = counting {
        return CourseCell::Done(at);
    }
    if let Some(at) = mine.map(|(_, at)| *at).min() {
        return CourseCell::Outside(at);
    }
    match watched_s {
        Some(w) if w > 0 && course.duration_s > 0 => CourseCell::InProgress(
            u8::try_from((w * 100 / course.duration_s).clamp(1, 99)).unwrap_or(99),
        ),
        _ => CourseCell::NotStarted,
    }
}
