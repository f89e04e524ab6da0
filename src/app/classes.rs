//! Special training classes (专题培训班, Art. 9; issue 14): the office opens city-wide classes, a
//! unit liaison classes of their own scope. A class has a title, dates (CST, both days included),
//! courses from the published catalogue, an optional minimum of elective credits from one
//! category, and members; it goes draft → open → closed.
//!
//! Graduation (结业) is derived from the ledger (`rules::classes::outcome`): every ledger write
//! that can change it recomputes it in its own transaction ([`after_ledger_write`]), and every
//! change to a class recomputes its members. Closing freezes the result. Every write checks the
//! actor with the `may_*` function of that action (the TUI asks the same to hide its keys),
//! writes an audit row, and announces [`Topic::Classes`](super::changes::Topic::Classes).
//!
//! The work is split by area: `classes/write.rs` (create, edit, open, close, courses),
//! `classes/members.rs` (adding and removing members), `classes/graduation.rs` (recomputation),
//! `classes/board.rs` (list, show, board, graduates), `classes/learner.rs` (my classes,
//! certificate, verification).

mod board;
mod graduation;
mod learner;
mod members;
mod write;

use crate::rules::Tenths;
use crate::rules::catalog::Category;
use crate::rules::credits::CourseKind;
use crate::store::classes::ClassRow;

use super::types::{UnitCode, Username, decode};
use super::{Actor, Error, Result};

pub use crate::rules::classes::Dates;
pub use crate::rules::status::ClassStatus;
pub use board::{board, graduates, list, show};
pub use graduation::after_ledger_write;
pub(crate) use graduation::stale_classes;
pub use learner::{certificate, mine, verify};
pub use members::{
    add_members, add_members_by_unit, preview_members, read_member_list, remove_member,
};
pub use write::{
    add_courses, change, close, create, create_with_courses, edit, open, remove_course,
};

/// A class as the list shows it (and as the `may_*` functions judge it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassSummary {
    pub id: i64,
    pub title: String,
    pub status: ClassStatus,
    /// The organiser unit: a liaison sees and manages only classes of units in their scope.
    pub unit_code: UnitCode,
    pub unit_name: String,
    pub unit_path: String,
    /// `dates.first_day()` / `last_day()` give the days as text ("2026-03-01").
    pub dates: Dates,
    /// Active members (removed ones not counted).
    pub members: i64,
    pub graduates: i64,
    pub courses: i64,
    /// Graduates per active member, in permille (875 = 87.5 %; `format::Cell::Rate`).
    pub graduation_rate: u32,
    /// Class courses completed per (member × course), in permille.
    pub completion_rate: u32,
}

/// A class in full: the summary, what graduation asks, who made it and when it moved, and its
/// courses in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassDetail {
    pub summary: ClassSummary,
    pub description: String,
    pub min_elective: Option<MinElective>,
    /// Completions made before the first day count too.
    pub earlier_counts: bool,
    /// The creator's username (None: the local console or the demo).
    pub created_by: Option<String>,
    pub created_at: i64,
    pub opened_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub courses: Vec<ClassCourse>,
}

/// The optional minimum of elective credits from one category, earned within the class dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinElective {
    pub category: Category,
    pub tenths: Tenths,
}

/// A course of a class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassCourse {
    pub course_id: i64,
    pub code: String,
    pub title: String,
    pub category: Category,
    pub kind: CourseKind,
    /// The lecture's length in seconds.
    pub duration_s: i64,
    /// Class hours (学时) of the lecture, as RULES.md rounds them.
    pub hours: i64,
    /// The course's credits (designated, or by hours and kind).
    pub credits: Tenths,
    /// Still published (a retired course stays in the class; nobody can complete it any more).
    pub published: bool,
}

/// What a class is to be, as typed (command flags or the TUI form); `create` checks every field
/// and refuses with the field's name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassForm {
    /// 1–100 characters.
    pub title: String,
    /// Up to 2,000 characters; may be empty.
    pub description: String,
    /// The organiser unit (code or unique name); None: the actor's own scope (the city for the
    /// office). A liaison may name only a unit in their scope.
    pub unit: Option<String>,
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day (included), `YYYY-MM-DD`; at most `rules::classes::MAX_DAYS` after `from`.
    pub to: String,
    pub min_elective: Option<MinElectiveForm>,
    pub earlier_counts: bool,
}

/// The minimum of elective credits as typed: a category (code such as `party`, or its Chinese
/// name) and credits with at most one decimal ("2" or "1.5").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MinElectiveForm {
    pub category: String,
    pub credits: String,
}

/// A change to a class: only the given fields change. `min_elective: Some(None)` removes the
/// minimum. The organiser unit never changes. Changing the dates, the minimum or
/// `earlier_counts` recomputes every member.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClassPatch {
    pub title: Option<String>,
    pub description: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub min_elective: Option<Option<MinElectiveForm>>,
    pub earlier_counts: Option<bool>,
}

/// What adding courses did (all or nothing: an unknown or unpublished code refuses them all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoursesAdded {
    /// Codes added, in the order given.
    pub added: Vec<String>,
    /// Codes already in the class.
    pub unchanged: Vec<String>,
}

/// How one line of a member list fares (`preview_members`, and the refusal of `add_members`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberLine {
    /// 1-based line of the list (the file's row for xlsx/CSV).
    pub line: usize,
    /// What the line said (a username or an ID number), trimmed.
    pub given: String,
    pub verdict: Verdict,
}

/// The verdict on one line of a member list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Will be (or was) added.
    Add { username: Username, name: String },
    /// Already a member: left as is.
    Already { username: Username, name: String },
    /// Not added, with the reason in Chinese (unknown, not a learner, disabled, outside the
    /// organiser's scope, named twice in the list).
    Refused(String),
}

impl std::fmt::Display for MemberLine {
    /// "第 3 行 zhangsan：不在本班组织单位娄星区的范围内" (only refusals are ever printed).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.verdict {
            Verdict::Add { username, .. } => write!(f, "第 {} 行 {}：可加入", self.line, username),
            Verdict::Already { username, .. } => {
                write!(f, "第 {} 行 {}：已在班中", self.line, username)
            }
            Verdict::Refused(why) => write!(f, "第 {} 行 {}：{why}", self.line, self.given),
        }
    }
}

/// What adding members did. Nothing is added when any line is refused (the error then lists
/// every refused line, see [`MemberLine`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembersAdded {
    /// Usernames added (removed members added again among them).
    pub added: Vec<Username>,
    /// Usernames that were members already.
    pub already: Vec<Username>,
}

/// One cell of the board: a member and a class course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourseCell {
    /// Completed within the class dates (or before, when earlier completions count), at this time.
    Done(i64),
    /// Completed, but outside the class dates: it does not count (before the first day without
    /// the option, or after the last day).
    Outside(i64),
    /// Started: this share of the lecture watched, 1–99 percent.
    InProgress(u8),
    NotStarted,
}

/// How the board is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BoardSort {
    /// By unit (tree order), then username.
    #[default]
    Unit,
    /// Least progress first (courses done, then username): who needs a reminder.
    ProgressAsc,
    /// Most progress first; among those with everything done, the earliest graduates first.
    ProgressDesc,
}

/// Which page of the board, in what order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoardQuery {
    pub sort: BoardSort,
    /// Only members who are behind: not graduated, and with a share of courses done below the
    /// share of the class time gone (all non-graduates once the class has ended).
    pub behind_only: bool,
    pub offset: i64,
    /// 1..=[`MAX_PAGE`] rows.
    pub limit: i64,
}

impl Default for BoardQuery {
    fn default() -> BoardQuery {
        BoardQuery {
            sort: BoardSort::default(),
            behind_only: false,
            offset: 0,
            limit: 50,
        }
    }
}

/// The most rows a board page may ask for (`class show` asks for all members at once).
pub const MAX_PAGE: i64 = crate::rules::classes::MAX_MEMBERS as i64;

/// A page of the board, with the class's rates and the number of rows the filter gives in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Board {
    pub class: ClassSummary,
    /// The columns: one per class course, in the class's order.
    pub courses: Vec<ClassCourse>,
    pub rows: Vec<BoardRow>,
    /// Rows the filter gives in all (for "第 1–50 行，共 20000 行").
    pub total_rows: i64,
    /// When the cells were read: now, or the moment a closed class was closed (its frozen view).
    pub as_of: i64,
}

/// One member on the board. `class show`'s JSON keys are these fields' names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardRow {
    pub account_id: i64,
    pub username: Username,
    pub name: String,
    pub unit_code: UnitCode,
    pub unit: String,
    /// One per class course, in the order of [`Board::courses`].
    pub cells: Vec<CourseCell>,
    pub courses_done: i64,
    pub courses_total: i64,
    /// Whole percent of the class courses done.
    pub percent: u32,
    pub graduated: bool,
    pub graduated_at: Option<i64>,
}

/// A graduate of a class (`class graduates`, the 结业 list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graduate {
    pub username: Username,
    pub name: String,
    pub unit_code: UnitCode,
    pub unit: String,
    pub graduated_at: i64,
    /// The certificate's serial number.
    pub serial: String,
}

/// A class as its member sees it on the web home ("我的培训班").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyClass {
    pub id: i64,
    pub title: String,
    pub description: String,
    pub status: ClassStatus,
    /// The organiser unit's name.
    pub organiser: String,
    pub dates: Dates,
    /// Days left, today included (0 once the class has ended).
    pub days_left: i64,
    pub courses: Vec<MyCourse>,
    pub min_elective: Option<MinElective>,
    pub graduated_at: Option<i64>,
}

/// A class course with the learner's own progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MyCourse {
    pub course: ClassCourse,
    pub cell: CourseCell,
}

/// A graduate's certificate (结业证书), for the printable A4 page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub class_title: String,
    pub organiser: String,
    pub dates: Dates,
    pub courses: Vec<ClassCourse>,
    /// The class courses' hours summed.
    pub total_hours: i64,
    pub serial: String,
    /// The code `/verify/CODE` confirms.
    pub code: String,
    pub name: String,
    pub username: Username,
    pub graduated_at: i64,
}

/// What `/verify/CODE` shows, without signing in: only the name, the class and the date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub name: String,
    pub class_title: String,
    /// The day of graduation, "2026-03-31" (CST).
    pub graduated_on: String,
}

/// Whether the actor may create classes: the office (city-wide) or a unit liaison (for their
/// scope). The college runs the catalogue, not classes.
pub fn may_create(actor: &Actor) -> Result<()> {
    if actor.is_local()
        || actor.has(super::actor::RoleKind::Office)
        || actor.has(super::actor::RoleKind::Unit)
    {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "开设培训班仅限市在线学习办和单位联络员".into(),
        ))
    }
}

/// Whether the actor may see the class (list, show, board, graduates): staff whose scope covers
/// the organiser unit. A liaison never sees another unit's class, nor a city-wide one: for them
/// it does not exist.
pub fn may_view(actor: &Actor, class: &ClassSummary) -> Result<()> {
    if !actor.is_staff() {
        return Err(Error::Forbidden("培训班仅限管理人员查看".into()));
    }
    // Out of scope answers exactly as a class that does not exist, so ids cannot be walked
    // for other units' titles.
    if actor.covers(&class.unit_path) {
        Ok(())
    } else {
        Err(Error::NotFound(format!("培训班 {}", class.id)))
    }
}

/// The rule every change to a class keeps: the office, or a liaison whose scope holds the
/// organiser unit; and a closed class never changes.
fn may_change(actor: &Actor, class: &ClassSummary, what: &str) -> Result<()> {
    actor.require_office_or_unit_of(&class.unit_path, what)?;
    if class.status == ClassStatus::Closed {
        return Err(Error::Conflict(format!(
            "培训班「{}」已结班，结果已固定，不能{what}",
            class.title
        )));
    }
    Ok(())
}

/// Whether the actor may edit the class's title, description, dates and terms (`edit`).
pub fn may_edit(actor: &Actor, class: &ClassSummary) -> Result<()> {
    may_change(actor, class, "修改培训班")
}

/// Whether the actor may open the class (`open`): a draft only.
pub fn may_open(actor: &Actor, class: &ClassSummary) -> Result<()> {
    may_change(actor, class, "开班")?;
    if class.status != ClassStatus::Draft {
        return Err(Error::Conflict(format!(
            "培训班「{}」{}，不能再开班",
            class.title,
            class.status.label()
        )));
    }
    Ok(())
}

/// Whether the actor may close the class (`close`): an open class only.
pub fn may_close(actor: &Actor, class: &ClassSummary) -> Result<()> {
    may_change(actor, class, "结班")?;
    if class.status != ClassStatus::Open {
        return Err(Error::Conflict(format!(
            "培训班「{}」{}，只有进行中的培训班可以结班",
            class.title,
            class.status.label()
        )));
    }
    Ok(())
}

/// Whether the actor may add or remove the class's courses (`add_courses`, `remove_course`).
pub fn may_change_courses(actor: &Actor, class: &ClassSummary) -> Result<()> {
    may_change(actor, class, "调整培训班课程")
}

/// Whether the actor may add members (`add_members`, `add_members_by_unit`); each member is
/// checked too (a learner within the organiser unit's scope).
pub fn may_add_members(actor: &Actor, class: &ClassSummary) -> Result<()> {
    may_change(actor, class, "添加学员")
}

/// Whether the actor may remove members (`remove_member`).
pub fn may_remove_member(actor: &Actor, class: &ClassSummary) -> Result<()> {
    may_change(actor, class, "移除学员")
}

impl TryFrom<&ClassRow> for ClassSummary {
    type Error = Error;

    fn try_from(r: &ClassRow) -> Result<ClassSummary> {
        let courses_cells = r.members.saturating_mul(r.courses);
        Ok(ClassSummary {
            id: r.id,
            title: r.title.clone(),
            status: decode("classes.status", &r.status, ClassStatus::from_code)?,
            unit_code: UnitCode::stored(r.unit_code.clone()),
            unit_name: r.unit_name.clone(),
            unit_path: r.unit_path.clone(),
            dates: Dates {
                starts_at: r.starts_at,
                ends_at: r.ends_at,
            },
            members: r.members,
            graduates: r.graduates,
            courses: r.courses,
            graduation_rate: crate::rules::classes::permille(r.graduates, r.members),
            completion_rate: crate::rules::classes::permille(r.done_sum, courses_cells),
        })
    }
}

impl ClassDetail {
    fn of(r: &ClassRow, courses: Vec<ClassCourse>) -> Result<ClassDetail> {
        Ok(ClassDetail {
            summary: ClassSummary::try_from(r)?,
            description: r.description.clone(),
            min_elective: min_elective_of(r)?,
            earlier_counts: super::types::flag("classes.earlier_counts", r.earlier_counts)?,
            created_by: r.created_by.clone(),
            created_at: r.created_at,
            opened_at: r.opened_at,
            closed_at: r.closed_at,
            courses,
        })
    }
}

/// The stored minimum as the domain type.
fn min_elective_of(r: &ClassRow) -> Result<Option<MinElective>> {
    match (&r.min_elective_category, r.min_elective_tenths) {
        (Some(c), Some(t)) => Ok(Some(MinElective {
            category: decode("classes.min_elective_category", c, Category::from_code)?,
            tenths: Tenths(t),
        })),
        _ => Ok(None),
    }
}

impl TryFrom<crate::store::classes::CourseLine> for ClassCourse {
    type Error = Error;

    fn try_from(c: crate::store::classes::CourseLine) -> Result<ClassCourse> {
        let kind = decode("courses.kind", &c.kind, CourseKind::from_code)?;
        let credit = crate::rules::credits::course_credit(
            kind,
            c.duration_s,
            c.designated_tenths.map(Tenths),
        );
        Ok(ClassCourse {
            course_id: c.course_id,
            category: decode("courses.category", &c.category, Category::from_code)?,
            kind,
            duration_s: c.duration_s,
            hours: credit.hours,
            credits: credit.tenths,
            published: crate::rules::catalog::CourseStatus::from_code(&c.status)
                == Some(crate::rules::catalog::CourseStatus::Published),
            code: c.code,
            title: c.title,
        })
    }
}

/// The class, for a read by `actor` (who must be allowed to see it).
async fn visible(db: &crate::store::Db, actor: &Actor, id: i64) -> Result<ClassRow> {
    let row = crate::store::classes::get(db.reader(), id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("培训班 {id}")))?;
    may_view(actor, &ClassSummary::try_from(&row)?)?;
    Ok(row)
}
