//! Catalogue changes (Art. 6, 7, 9, 14): the college and the office add, edit, publish and retire
//! courses and import feeds. A course is a draft until published; only published courses reach
//! learners; retiring withdraws it and never touches credits earned. A change that alters the
//! credits of a course somebody completed is refused unless the caller allows it (those credits
//! stay as earned). Every change is one transaction with its audit rows.

use super::changes::{self, Topic};
use std::collections::HashMap;

use crate::rules::Tenths;
use crate::rules::catalog::CourseStatus;
use crate::rules::course_feed::{CourseDraft, FeedRow};
use crate::rules::credits::{CourseCredit, course_credit};
use crate::store::audit::{self, AuditEntry};
use crate::store::courses::{self, CourseRow, CourseWrite};
use crate::store::exams::{self, ExamRow};
use crate::store::{Db, Tx};

use super::catalog::{CourseInfo, info_of};
use super::exams::ExamSettings;
use super::{Actor, Error, Result};

/// Who may change the catalogue: the college, which runs it, and the office (Art. 14).
pub fn may_edit_catalog(actor: &Actor) -> Result<()> {
    actor.require_catalog("维护课程目录")
}

/// What `course show` tells.
#[derive(Debug, Clone)]
pub struct CourseDetail {
    pub info: CourseInfo,
    pub designated_reason: String,
    pub exam: Option<ExamRow>,
    /// Course and legacy ledger entries for it.
    pub completions: i64,
}

/// One course with its status, credit rule, exam and completions. Any staff member reads it.
pub async fn show(db: &Db, actor: &Actor, code: &str) -> Result<CourseDetail> {
    if !actor.is_staff() {
        return Err(Error::Forbidden("查看课程详情仅限管理人员".into()));
    }
    let code = super::checked_text("课程编号", code, crate::rules::course_feed::MAX_CODE)?;
    let row = courses::by_code(db.reader(), code)
        .await?
        .ok_or_else(|| Error::NotFound(format!("课程 {code}")))?;
    let exam = exams::by_course(db.reader(), row.id).await?;
    let completions = courses::completed_by(db.reader(), row.id).await?;
    let designated_reason = row.designated_reason.clone();
    Ok(CourseDetail {
        info: info_of(row, exam.is_some())?,
        designated_reason,
        exam,
        completions,
    })
}

/// A designated credit's reason: required with designated credits.
fn designated_reason(draft: &CourseDraft, reason: Option<&str>) -> Result<String> {
    let reason = super::checked_text("--reason", reason.unwrap_or(""), super::MAX_REASON)?;
    match (draft.designated, reason.is_empty()) {
        (Some(_), true) => Err(Error::invalid(
            "--reason",
            "指定学分须说明理由（如 省委组织部指定）",
        )),
        (None, false) => Err(Error::invalid("--reason", "只有指定学分时才填理由")),
        _ => Ok(reason.to_string()),
    }
}

/// Adds a course as a draft. Refused when the code exists.
pub async fn add(
    db: &Db,
    actor: &Actor,
    draft: &CourseDraft,
    reason: Option<&str>,
    now: i64,
) -> Result<CourseCredit> {
    may_edit_catalog(actor)?;
    let reason = designated_reason(draft, reason)?;
    let mut tx = db.begin().await?;
    if courses::by_code(&mut *tx, &draft.code).await?.is_some() {
        return Err(Error::Conflict(format!("课程编号 {} 已存在", draft.code)));
    }
    courses::write(
        &mut tx,
        &[write_of(draft, &reason, CourseStatus::Draft, now)],
    )
    .await?;
    let entry = change_entry(actor, "course.add", None, draft, &reason);
    audit::write(&mut tx, &entry, now).await?;
    changes::commit(db, tx, &[Topic::Catalog]).await?;
    Ok(credit_of(draft))
}

/// The fields `course edit` may change; None keeps the course's own.
#[derive(Debug, Clone, Default)]
pub struct CoursePatch {
    pub title: Option<String>,
    pub category: Option<String>,
    pub kind: Option<String>,
    pub source: Option<String>,
    pub duration_s: Option<String>,
    /// Some(None): designated credits removed.
    pub designated: Option<Option<String>>,
    pub reason: Option<String>,
}

/// What an edit did to the course's credit (and to its exam's settings).
#[derive(Debug, Clone)]
pub struct Edited {
    pub before: CourseCredit,
    pub after: CourseCredit,
    pub completions: i64,
    pub exam_changed: bool,
}

/// Changes a course's catalogue fields (not its status).
pub async fn edit(
    db: &Db,
    actor: &Actor,
    code: &str,
    patch: &CoursePatch,
    allow_credit_change: bool,
    now: i64,
) -> Result<Edited> {
    edit_with_exam(db, actor, code, patch, None, allow_credit_change, now).await
}

/// `edit`, with the settings of the course's exam (which must exist: an exam is made by
/// importing its bank) changed in the same transaction, as the 课程 form saves both.
pub async fn edit_with_exam(
    db: &Db,
    actor: &Actor,
    code: &str,
    patch: &CoursePatch,
    exam: Option<&ExamSettings>,
    allow_credit_change: bool,
    now: i64,
) -> Result<Edited> {
    may_edit_catalog(actor)?;
    let code = super::checked_text("课程编号", code, crate::rules::course_feed::MAX_CODE)?;
    let mut tx = db.begin().await?;
    let row = course_tx(&mut tx, code).await?;
    let old = draft_of(&row)?;
    let designated = match &patch.designated {
        None => old.designated.map(|d| d.to_string()).unwrap_or_default(),
        Some(d) => d.clone().unwrap_or_default(),
    };
    let duration = patch
        .duration_s
        .clone()
        .unwrap_or_else(|| old.duration_s.to_string());
    let new = crate::rules::course_feed::check_course(&crate::rules::course_feed::RawCourse {
        code: &old.code,
        title: patch.title.as_deref().unwrap_or(&old.title),
        category: patch.category.as_deref().unwrap_or(old.category.code()),
        kind: patch.kind.as_deref().unwrap_or(old.kind.code()),
        source: patch.source.as_deref().unwrap_or(old.source.code()),
        duration_s: &duration,
        designated: &designated,
    })
    .map_err(|e| Error::invalid("课程", e))?;
    let reason = match (&patch.reason, new.designated == old.designated) {
        (None, true) if new.designated.is_some() => row.designated_reason.clone(),
        (r, _) => designated_reason(&new, r.as_deref())?,
    };
    let course_changed = new != old || reason != row.designated_reason;
    let exam_changed = match exam {
        Some(settings) => {
            super::exams::set_settings_tx(&mut tx, actor, &row, settings, now).await?
        }
        None => false,
    };
    // Dropping the transaction undoes nothing written: an exam left as it was wrote nothing.
    if !course_changed && !exam_changed {
        return Err(Error::Conflict(format!("课程 {code} 没有变化")));
    }
    let completions = courses::completed_by(&mut *tx, row.id).await?;
    if course_changed {
        if completions > 0 && changes_credit(&old, &new) && !allow_credit_change {
            return Err(Error::Conflict(credit_refusal(code, completions)));
        }
        courses::write(
            &mut tx,
            &[write_of(&new, &reason, CourseStatus::Draft, now)],
        )
        .await?;
        let entry = change_entry(actor, "course.edit", Some(&old), &new, &reason);
        audit::write(&mut tx, &entry, now).await?;
    }
    changes::commit(db, tx, &[Topic::Catalog]).await?;
    Ok(Edited {
        before: credit_of(&old),
        after: credit_of(&new),
        completions,
        exam_changed,
    })
}

/// Publishes a draft or retired course, or retires one: `to` is the new status.
pub async fn set_status(
    db: &Db,
    actor: &Actor,
    code: &str,
    to: CourseStatus,
    now: i64,
) -> Result<()> {
    may_edit_catalog(actor)?;
    let code = super::checked_text("课程编号", code, crate::rules::course_feed::MAX_CODE)?;
    let mut tx = db.begin().await?;
    let row = course_tx(&mut tx, code).await?;
    if to == CourseStatus::Draft {
        return Err(Error::invalid("状态", "课程不能退回草稿"));
    }
    if !courses::set_status(&mut tx, row.id, to.code()).await? {
        return Err(Error::Conflict(format!(
            "课程 {code} 已是{}状态",
            to.label()
        )));
    }
    let action = match to {
        CourseStatus::Retired => "course.retire",
        _ => "course.publish",
    };
    let before = CourseStatus::from_code(&row.status).map_or(row.status.as_str(), |s| s.label());
    audit::write(
        &mut tx,
        &AuditEntry {
            action,
            target: format!("course:{code}"),
            before: Some(before.to_string()),
            after: Some(to.label().to_string()),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Catalog]).await?;
    Ok(())
}

/// How `course import` treats what it finds.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Courses added are published at once (else they are drafts).
    pub publish: bool,
    /// A changed duration, kind or designated credit of a course already completed is applied.
    pub allow_credit_change: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Added,
    Changed,
    Unchanged,
}

impl Outcome {
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Added => "added",
            Outcome::Changed => "changed",
            Outcome::Unchanged => "unchanged",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Added => "新增",
            Outcome::Changed => "修改",
            Outcome::Unchanged => "未变",
        }
    }
}

/// One course of the feed and what the import did with it.
#[derive(Debug, Clone)]
pub struct ImportLine {
    pub row: usize,
    pub code: String,
    pub title: String,
    pub outcome: Outcome,
    pub status: CourseStatus,
    pub credit: CourseCredit,
    /// The credit before, when the import changed it.
    pub credit_before: Option<CourseCredit>,
    /// Completions of a course whose credit changed (they keep what they earned).
    pub completions: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub lines: Vec<ImportLine>,
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// The reason stored with designated credits that came in a feed.
pub const FEED_REASON: &str = "课程导入文件指定";

/// Imports a course feed (`rules::course_feed`): all or nothing, idempotent by code.
pub async fn import(
    db: &Db,
    actor: &Actor,
    bytes: Vec<u8>,
    opts: ImportOptions,
    now: i64,
) -> Result<ImportReport> {
    may_edit_catalog(actor)?;
    let rows = super::off_runtime(move || crate::rules::course_feed::parse_feed(&bytes))
        .await?
        .map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            Error::invalid(
                "课程文件",
                format!(
                    "{} 处错误，未导入任何课程：\n{}",
                    errors.len(),
                    lines.join("\n")
                ),
            )
        })?;
    let mut tx = db.begin().await?;
    let report = import_tx(&mut tx, actor, &rows, opts, now).await?;
    changes::commit(db, tx, &[Topic::Catalog]).await?;
    Ok(report)
}

/// `import` inside the caller's transaction, for the demo loader, which builds its catalogue
/// through this path.
pub(crate) async fn import_tx(
    tx: &mut Tx,
    actor: &Actor,
    rows: &[FeedRow],
    opts: ImportOptions,
    now: i64,
) -> Result<ImportReport> {
    may_edit_catalog(actor)?;
    let existing: HashMap<String, CourseRow> = courses::all(&mut **tx)
        .await?
        .into_iter()
        .map(|r| (r.code.clone(), r))
        .collect();
    let added_status = if opts.publish {
        CourseStatus::Published
    } else {
        CourseStatus::Draft
    };
    let mut report = ImportReport::default();
    let mut olds: Vec<Option<CourseDraft>> = Vec::with_capacity(rows.len());
    let mut reasons = Vec::with_capacity(rows.len());
    let mut guarded = Vec::new();
    for r in rows {
        let c = &r.course;
        let row = existing.get(&c.code);
        let old = row.map(draft_of).transpose()?;
        let reason = match (c.designated, row) {
            (None, _) => String::new(),
            (Some(d), Some(row)) if row.designated_tenths == Some(d.0) => {
                row.designated_reason.clone()
            }
            (Some(_), _) => FEED_REASON.to_string(),
        };
        let (outcome, status) = match (&old, row) {
            (Some(o), Some(row)) => {
                let status = CourseStatus::from_code(&row.status)
                    .ok_or_else(|| Error::internal(format!("课程 {} 的状态无效", row.code)))?;
                if o == c {
                    (Outcome::Unchanged, status)
                } else {
                    if changes_credit(o, c) {
                        guarded.push(row.id);
                    }
                    (Outcome::Changed, status)
                }
            }
            _ => (Outcome::Added, added_status),
        };
        match outcome {
            Outcome::Added => report.added += 1,
            Outcome::Changed => report.changed += 1,
            Outcome::Unchanged => report.unchanged += 1,
        }
        let credit_before = old
            .as_ref()
            .filter(|o| credit_of(o) != credit_of(c))
            .map(credit_of);
        report.lines.push(ImportLine {
            row: r.row,
            code: c.code.clone(),
            title: c.title.clone(),
            outcome,
            status,
            credit: credit_of(c),
            credit_before,
            completions: 0,
        });
        olds.push(old);
        reasons.push(reason);
    }
    let done: HashMap<i64, i64> = courses::completions(tx, &guarded)
        .await?
        .into_iter()
        .collect();
    let mut refused = Vec::new();
    for (line, r) in report.lines.iter_mut().zip(rows) {
        let Some(id) = existing.get(&r.course.code).map(|e| e.id) else {
            continue;
        };
        if let Some(&n) = done.get(&id) {
            line.completions = n;
            if !opts.allow_credit_change {
                refused.push(format!(
                    "第 {} 行：{}",
                    r.row,
                    credit_refusal(&r.course.code, n)
                ));
            }
        }
    }
    if !refused.is_empty() {
        return Err(Error::Conflict(format!(
            "{} 门课程未导入（整个文件未导入）：\n{}",
            refused.len(),
            refused.join("\n")
        )));
    }
    let writes: Vec<CourseWrite<'_>> = rows
        .iter()
        .zip(&report.lines)
        .zip(&reasons)
        .filter(|((_, line), _)| line.outcome != Outcome::Unchanged)
        .map(|((r, _), reason)| write_of(&r.course, reason, added_status, now))
        .collect();
    courses::write(tx, &writes).await?;
    let changed = rows
        .iter()
        .zip(&report.lines)
        .zip(olds.iter().zip(&reasons));
    // One audit row per changed course, written in multi-row inserts.
    let entries: Vec<AuditEntry<'_>> = changed
        .filter(|((_, line), _)| line.outcome == Outcome::Changed)
        .map(|((r, _), (old, reason))| {
            change_entry(actor, "course.edit", old.as_ref(), &r.course, reason)
        })
        .collect();
    audit::write_many(tx, &entries, now).await?;
    audit::write(
        tx,
        &AuditEntry {
            action: "course.import",
            target: "courses".into(),
            after: Some(format!(
                "新增 {}，修改 {}，未变 {}",
                report.added, report.changed, report.unchanged
            )),
            detail: if opts.publish {
                "新增即发布"
            } else {
                "新增为草稿"
            }
            .into(),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    Ok(report)
}

/// The course with this code, read in the change's transaction.
async fn course_tx(tx: &mut Tx, code: &str) -> Result<CourseRow> {
    courses::by_code(&mut **tx, code)
        .await?
        .ok_or_else(|| Error::NotFound(format!("课程 {code}")))
}

/// Whether a change alters what completing the course earns or requires: its duration, its
/// kind (required or elective) or its designated credits. The 课程 form asks the same before
/// it offers the change with `allow_credit_change`.
pub fn changes_credit(old: &CourseDraft, new: &CourseDraft) -> bool {
    old.duration_s != new.duration_s || old.kind != new.kind || old.designated != new.designated
}

fn credit_refusal(code: &str, completions: i64) -> String {
    format!(
        "课程 {code} 已有 {completions} 人完成，修改时长、类型或指定学分会改变其学分；确需修改请加 --allow-credit-change（已取得的学分不变）"
    )
}

/// The credit a course gives, by the rule the ledger awards by.
pub fn credit_of(c: &CourseDraft) -> CourseCredit {
    course_credit(c.kind, c.duration_s, c.designated)
}

fn draft_of(row: &CourseRow) -> Result<CourseDraft> {
    let info = info_of(row.clone(), false)?;
    Ok(CourseDraft {
        code: info.code,
        title: info.title,
        category: info.category,
        kind: info.kind,
        source: info.source,
        duration_s: info.duration_s,
        designated: row.designated_tenths.map(Tenths),
    })
}

fn write_of<'a>(
    c: &'a CourseDraft,
    reason: &'a str,
    status: CourseStatus,
    now: i64,
) -> CourseWrite<'a> {
    CourseWrite {
        code: &c.code,
        title: &c.title,
        category: c.category.code(),
        kind: c.kind.code(),
        source: c.source.code(),
        duration_s: c.duration_s,
        designated_tenths: c.designated.map(|d| d.0),
        designated_reason: reason,
        status: status.code(),
        created_at: now,
    }
}

/// "名称 …；类别 …；类型 …；来源 …；时长 …；指定学分 …（理由）": a course's fields for the audit log.
fn describe(c: &CourseDraft, reason: &str) -> String {
    let designated = match c.designated {
        Some(d) => format!("；指定学分 {d}（{reason}）"),
        None => String::new(),
    };
    format!(
        "名称 {}；类别 {}；类型 {}；来源 {}；时长 {} 秒{designated}",
        c.title,
        c.category.label(),
        c.kind.label(),
        c.source.label(),
        c.duration_s
    )
}

/// The audit entry of a course added or changed.
fn change_entry<'a>(
    actor: &'a Actor,
    action: &'a str,
    old: Option<&CourseDraft>,
    new: &CourseDraft,
    reason: &str,
) -> AuditEntry<'a> {
    AuditEntry {
        action,
        target: format!("course:{}", new.code),
        before: old.map(|o| describe(o, "")),
        after: Some(describe(new, reason)),
        detail: credit_of(new).rule,
        ..actor.audit_entry()
    }
}
