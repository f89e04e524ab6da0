//! Creating and changing a class: its fields, its status and its courses. Each is one transaction
//! with its audit row; a change that can move graduation recomputes every member in it.

use crate::rules::Tenths;
use crate::rules::catalog::{self, Category, CourseStatus};
use crate::rules::classes::{self as rules, Dates};
use crate::store::audit::{self, AuditEntry};
use crate::store::classes::{self as store, ClassRow, ClassWrite};
use crate::store::{Db, Tx, courses};

use super::super::changes::{self, Topic};
use super::super::{Actor, Error, Result, checked_text};
use super::graduation::recompute_class;
use super::members::tell_members;
use super::{
    ClassForm, ClassPatch, ClassStatus, ClassSummary, CoursesAdded, MinElectiveForm,
    may_change_courses, may_close, may_create, may_edit, may_open,
};

/// The class's fields, checked.
struct Checked {
    title: String,
    description: String,
    dates: Dates,
    min: Option<(Category, Tenths)>,
    earlier_counts: bool,
}

impl Checked {
    fn write(&self) -> ClassWrite<'_> {
        ClassWrite {
            title: &self.title,
            description: &self.description,
            starts_at: self.dates.starts_at,
            ends_at: self.dates.ends_at,
            min_elective_category: self.min.map(|(c, _)| c.code()),
            min_elective_tenths: self.min.map(|(_, t)| t.0),
            earlier_counts: self.earlier_counts,
        }
    }
}

fn check_title(s: &str) -> Result<String> {
    let t = checked_text("标题", s, rules::MAX_TITLE)?;
    if t.is_empty() {
        return Err(Error::invalid("标题", "请填写培训班名称"));
    }
    Ok(t.to_string())
}

fn check_description(s: &str) -> Result<String> {
    // Line breaks are allowed in a description; every other control character is refused.
    let lines: Result<Vec<&str>> = s
        .lines()
        .map(|l| checked_text("简介", l, rules::MAX_DESCRIPTION))
        .collect();
    let text = lines?.join("\n").trim().to_string();
    if text.chars().count() > rules::MAX_DESCRIPTION {
        return Err(Error::invalid(
            "简介",
            format!("最多 {} 个字", rules::MAX_DESCRIPTION),
        ));
    }
    Ok(text)
}

fn check_dates(from: &str, to: &str) -> Result<Dates> {
    check_dates_as(from, to, "--to")
}

/// As `check_dates`, a refused range naming `flag` (the flag the user gave: `--from` when an
/// edit moves only the start past the end).
fn check_dates_as(from: &str, to: &str, flag: &'static str) -> Result<Dates> {
    let first = rules::parse_day("开始日期", from).map_err(|e| Error::invalid("--from", e))?;
    let last = rules::parse_day("结束日期", to).map_err(|e| Error::invalid("--to", e))?;
    Dates::of_days(first, last).map_err(|e| Error::invalid(flag, e))
}

fn check_min(m: &MinElectiveForm) -> Result<(Category, Tenths)> {
    let category =
        catalog::parse::<Category>(&m.category).map_err(|e| Error::invalid("选修学分类别", e))?;
    let tenths = Tenths::parse(&m.credits).map_err(|e| Error::invalid("选修学分", e))?;
    if tenths.0 <= 0 || tenths.0 > 1000 {
        return Err(Error::invalid(
            "选修学分",
            format!("{tenths} 超出范围（应大于 0、不超过 100）"),
        ));
    }
    Ok((category, tenths))
}

/// Creates a class as a draft (courses and members are added next; learners see it once it is
/// opened). The organiser unit is `form.unit` or the actor's scope. Returns the new class's id.
pub async fn create(db: &Db, actor: &Actor, form: &ClassForm, now: i64) -> Result<i64> {
    create_with_courses(db, actor, form, &[], now).await
}

/// Creates a draft class with its first courses in one transaction: a refused course code
/// refuses the class too, so nothing half-made is left behind.
pub async fn create_with_courses(
    db: &Db,
    actor: &Actor,
    form: &ClassForm,
    courses: &[String],
    now: i64,
) -> Result<i64> {
    may_create(actor)?;
    let checked = Checked {
        title: check_title(&form.title)?,
        description: check_description(&form.description)?,
        dates: check_dates(&form.from, &form.to)?,
        min: form.min_elective.as_ref().map(check_min).transpose()?,
        earlier_counts: form.earlier_counts,
    };
    let unit = match form.unit.as_deref() {
        Some(u) => super::super::unit_tree::find_active(db, u).await?,
        None => super::super::standings::resolve_scope(db, actor, None).await?,
    };
    actor.require_office_or_unit_of(&unit.path, "开设培训班")?;
    if unit.is_retired() {
        return Err(Error::invalid(
            "--unit",
            format!("{} {} 已撤销", unit.code, unit.name),
        ));
    }
    let mut tx = db.begin().await?;
    let id = store::insert(&mut tx, &checked.write(), unit.id, actor.account_id, now).await?;
    audit::write(
        &mut tx,
        &AuditEntry {
            action: "class.create",
            target: format!("class:{id}"),
            after: Some(format!(
                "{} {}–{} {}",
                checked.title,
                checked.dates.first_day(),
                checked.dates.last_day(),
                unit.code
            )),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    if !courses.is_empty() {
        add_courses_in(&mut tx, actor, id, courses, now).await?;
    }
    changes::commit(db, tx, &[Topic::Classes]).await?;
    Ok(id)
}

/// The class for a change by `actor`, read in the writing transaction, checked by `may`.
pub(super) async fn changeable(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    may: fn(&Actor, &ClassSummary) -> Result<()>,
) -> Result<(ClassRow, ClassSummary)> {
    let row = store::get_tx(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("培训班 {id}")))?;
    let summary = ClassSummary::try_from(&row)?;
    // A liaison outside the class's scope learns only that they may not see it.
    super::may_view(actor, &summary)?;
    may(actor, &summary)?;
    Ok((row, summary))
}

/// Changes the given fields of a draft or open class; a change of dates, minimum or
/// `earlier_counts` recomputes every member's graduation in the same transaction.
pub async fn edit(db: &Db, actor: &Actor, id: i64, patch: &ClassPatch, now: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    edit_in(&mut tx, actor, id, patch, now).await?;
    changes::commit(db, tx, &[Topic::Classes]).await?;
    Ok(())
}

/// Changes a class's fields and its courses at once (the TUI form's save): one transaction, so a
/// refused course leaves the fields as they were too.
pub async fn change(
    db: &Db,
    actor: &Actor,
    id: i64,
    patch: &ClassPatch,
    add: &[String],
    remove: &[String],
    now: i64,
) -> Result<CoursesAdded> {
    let mut tx = db.begin().await?;
    if *patch != ClassPatch::default() {
        edit_in(&mut tx, actor, id, patch, now).await?;
    }
    let added = if add.is_empty() {
        CoursesAdded::default()
    } else {
        add_courses_in(&mut tx, actor, id, add, now).await?
    };
    for code in remove {
        remove_course_in(&mut tx, actor, id, code, now).await?;
    }
    changes::commit(db, tx, &[Topic::Classes]).await?;
    Ok(added)
}

async fn edit_in(tx: &mut Tx, actor: &Actor, id: i64, patch: &ClassPatch, now: i64) -> Result<()> {
    let (row, _) = changeable(tx, actor, id, may_edit).await?;
    let current = super::ClassDetail::of(&row, Vec::new())?;
    let dates = match (&patch.from, &patch.to) {
        (None, None) => current.summary.dates,
        (from, to) => check_dates_as(
            from.as_deref()
                .unwrap_or(&current.summary.dates.first_day()),
            to.as_deref().unwrap_or(&current.summary.dates.last_day()),
            if to.is_none() { "--from" } else { "--to" },
        )?,
    };
    let min = match &patch.min_elective {
        None => current.min_elective.map(|m| (m.category, m.tenths)),
        Some(None) => None,
        Some(Some(m)) => Some(check_min(m)?),
    };
    let checked = Checked {
        title: match &patch.title {
            Some(t) => check_title(t)?,
            None => row.title.clone(),
        },
        description: match &patch.description {
            Some(d) => check_description(d)?,
            None => row.description.clone(),
        },
        dates,
        min,
        earlier_counts: patch.earlier_counts.unwrap_or(current.earlier_counts),
    };
    let terms_moved = checked.dates != current.summary.dates
        || checked.min != current.min_elective.map(|m| (m.category, m.tenths))
        || checked.earlier_counts != current.earlier_counts;
    store::update(tx, id, &checked.write()).await?;
    if terms_moved {
        recompute_class(tx, id).await?;
    }
    let show = |c: &Checked| {
        format!(
            "{} {}–{} 选修{} 开班前完成{}",
            c.title,
            c.dates.first_day(),
            c.dates.last_day(),
            c.min.map_or("不限".to_string(), |(cat, t)| format!(
                "{}≥{t}",
                cat.label()
            )),
            if c.earlier_counts {
                "计入"
            } else {
                "不计入"
            }
        )
    };
    let before = Checked {
        title: row.title.clone(),
        description: row.description.clone(),
        dates: current.summary.dates,
        min: current.min_elective.map(|m| (m.category, m.tenths)),
        earlier_counts: current.earlier_counts,
    };
    audit::write(
        tx,
        &AuditEntry {
            action: "class.edit",
            target: format!("class:{id}"),
            before: Some(show(&before)),
            after: Some(show(&checked)),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    Ok(())
}

/// Opens a draft class: learners see it, graduation follows the ledger from now on, and every
/// member gets a notice. A class needs at least one course to open.
pub async fn open(db: &Db, actor: &Actor, id: i64, now: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    let (row, summary) = changeable(&mut tx, actor, id, may_open).await?;
    if summary.courses == 0 {
        return Err(Error::invalid(
            "课程",
            format!("培训班「{}」还没有课程，不能开班", row.title),
        ));
    }
    move_status(&mut tx, id, ClassStatus::Draft, ClassStatus::Open, now).await?;
    recompute_class(&mut tx, id).await?;
    let members = store::member_ids(&mut tx, id).await?;
    tell_members(&mut tx, actor, &row, &members, now).await?;
    status_audit(
        &mut tx,
        actor,
        id,
        "class.open",
        ClassStatus::Draft,
        ClassStatus::Open,
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Classes]).await?;
    Ok(())
}

/// Closes an open class: its members' results are recomputed one last time and frozen (later
/// ledger entries and revocations no longer change them; the board shows the ledger as it stood).
pub async fn close(db: &Db, actor: &Actor, id: i64, now: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    changeable(&mut tx, actor, id, may_close).await?;
    recompute_class(&mut tx, id).await?;
    move_status(&mut tx, id, ClassStatus::Open, ClassStatus::Closed, now).await?;
    status_audit(
        &mut tx,
        actor,
        id,
        "class.close",
        ClassStatus::Open,
        ClassStatus::Closed,
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Classes]).await?;
    Ok(())
}

async fn move_status(
    tx: &mut Tx,
    id: i64,
    from: ClassStatus,
    to: ClassStatus,
    now: i64,
) -> Result<()> {
    if store::set_status(tx, id, from.code(), to.code(), now).await? {
        Ok(())
    } else {
        Err(Error::Conflict(format!(
            "培训班 {id} 的状态已被他人改变，请刷新后重试"
        )))
    }
}

async fn status_audit(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    action: &str,
    from: ClassStatus,
    to: ClassStatus,
    now: i64,
) -> Result<()> {
    audit::write(
        tx,
        &AuditEntry {
            action,
            target: format!("class:{id}"),
            before: Some(from.code().into()),
            after: Some(to.code().into()),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    Ok(())
}

/// Adds published courses to a draft or open class, by course code, all or nothing (an unknown
/// or unpublished code refuses them all, each named). Members are recomputed.
pub async fn add_courses(
    db: &Db,
    actor: &Actor,
    id: i64,
    codes: &[String],
    now: i64,
) -> Result<CoursesAdded> {
    if codes.is_empty() {
        return Err(Error::invalid("课程编号", "请至少给出一门课程的编号"));
    }
    if codes.len() > rules::MAX_COURSES {
        return Err(Error::invalid(
            "课程编号",
            format!("一个培训班最多 {} 门课程", rules::MAX_COURSES),
        ));
    }
    let mut tx = db.begin().await?;
    let added = add_courses_in(&mut tx, actor, id, codes, now).await?;
    changes::commit(db, tx, &[Topic::Classes]).await?;
    Ok(added)
}

async fn add_courses_in(
    tx: &mut Tx,
    actor: &Actor,
    id: i64,
    codes: &[String],
    now: i64,
) -> Result<CoursesAdded> {
    let (row, _) = changeable(tx, actor, id, may_change_courses).await?;
    let present = store::course_ids(&mut **tx, id).await?;
    let mut problems = Vec::new();
    let mut added = CoursesAdded::default();
    let mut new_ids = Vec::new();
    for given in codes {
        let code = checked_text("课程编号", given, 64)?;
        match courses::by_code(&mut **tx, code).await? {
            None => problems.push(format!("{code}：没有这门课程")),
            Some(c) if CourseStatus::from_code(&c.status) != Some(CourseStatus::Published) => {
                problems.push(format!("{code}：课程未发布或已停用"))
            }
            // A code repeated in the same call is simply given once, not "already there".
            Some(c) if new_ids.contains(&c.id) => {}
            Some(c) if present.contains(&c.id) => {
                if !added.unchanged.contains(&c.code) {
                    added.unchanged.push(c.code)
                }
            }
            Some(c) => {
                new_ids.push(c.id);
                added.added.push(c.code);
            }
        }
    }
    if !problems.is_empty() {
        return Err(super::super::listed_refusal(
            "课程编号",
            "未添加任何课程",
            &problems,
        ));
    }
    if present.len() + new_ids.len() > rules::MAX_COURSES {
        return Err(Error::invalid(
            "课程编号",
            format!("一个培训班最多 {} 门课程", rules::MAX_COURSES),
        ));
    }
    if new_ids.is_empty() {
        return Ok(added);
    }
    store::add_courses(tx, id, &new_ids).await?;
    recompute_class(tx, id).await?;
    audit::write(
        tx,
        &AuditEntry {
            action: "class.courses.add",
            target: format!("class:{id}"),
            after: Some(added.added.join(" ")),
            detail: row.title.clone(),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    Ok(added)
}

/// Removes a course from a draft or open class; members are recomputed (some may graduate).
pub async fn remove_course(db: &Db, actor: &Actor, id: i64, code: &str, now: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    remove_course_in(&mut tx, actor, id, code, now).await?;
    changes::commit(db, tx, &[Topic::Classes]).await?;
    Ok(())
}

async fn remove_course_in(tx: &mut Tx, actor: &Actor, id: i64, code: &str, now: i64) -> Result<()> {
    let code = checked_text("课程编号", code, 64)?;
    let (row, _) = changeable(tx, actor, id, may_change_courses).await?;
    let course = courses::by_code(&mut **tx, code)
        .await?
        .ok_or_else(|| Error::NotFound(format!("课程 {code}")))?;
    if !store::remove_course(tx, id, course.id).await? {
        return Err(Error::NotFound(format!(
            "培训班「{}」中的课程 {code}",
            row.title
        )));
    }
    recompute_class(tx, id).await?;
    audit::write(
        tx,
        &AuditEntry {
            action: "class.courses.remove",
            target: format!("class:{id}"),
            before: Some(course.code.clone()),
            detail: row.title.clone(),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    Ok(())
}
