//! The catalogue commands that change or describe one course (`course show|add|edit|publish|
//! retire|import`); `course list` is a report (reports.rs). Everything goes through
//! `app::courses`, which checks the role, writes the audit log and keeps each change in one
//! transaction.

use serde_json::{Value, json};

use crate::app::courses::{self, CourseDetail, CoursePatch, ImportOptions, ImportReport};
use crate::app::{self, Actor, Error};
use crate::rules::catalog::CourseStatus;
use crate::rules::course_feed::{RawCourse, check_course};
use crate::rules::credits::format_duration;
use crate::rules::limits::COURSE_FEED_BYTES;
use crate::store::Db;

use super::accounts::Answer;
use super::args::{Course, CourseAddArgs, CourseEditArgs, CourseImportArgs};
use super::format::{Cell, Column, Table, col};
use super::{Failure, Stdin};

pub(super) async fn run(
    db: &Db,
    actor: &Actor,
    cmd: Course,
    stdin: &mut Stdin,
) -> Result<Vec<u8>, Failure> {
    let now = app::now();
    let text = |t: String| super::answer(Answer::Text(t));
    match cmd {
        Course::List(a) => super::answer(Answer::Table(
            super::reports::courses(db, &a).await?,
            a.output,
        )),
        Course::Media(a) => super::answer(Answer::Table(
            super::media::upload(db, actor, &a, stdin).await?,
            a.output,
        )),
        Course::Show(a) => {
            let d = courses::show(db, actor, &a.code).await?;
            super::answer(Answer::Record {
                table: detail_table(&d),
                object: detail_object(&d),
                text: None,
                output: a.output,
            })
        }
        Course::Add(a) => text(add(db, actor, &a, now).await?),
        Course::Edit(a) => text(edit(db, actor, &a, now).await?),
        Course::Publish(a) => {
            courses::set_status(db, actor, &a.code, CourseStatus::Published, now).await?;
            text(format!(
                "已发布课程 {}：学员现在可以看到并学习。",
                a.code.trim()
            ))
        }
        Course::Retire(a) => {
            courses::set_status(db, actor, &a.code, CourseStatus::Retired, now).await?;
            text(format!(
                "已停用课程 {}：学员不再看到；已取得的学分不变。",
                a.code.trim()
            ))
        }
        Course::Import(a) => {
            let bytes = stdin.read_file(COURSE_FEED_BYTES, "课程文件").await?;
            let report = courses::import(db, actor, bytes, options(&a), now).await?;
            import_table(&report)
                .render(a.output.format, a.output.bom)
                .map_err(Failure::Render)
        }
    }
}

fn options(a: &CourseImportArgs) -> ImportOptions {
    ImportOptions {
        publish: a.publish,
        allow_credit_change: a.allow_credit_change,
    }
}

async fn add(db: &Db, actor: &Actor, a: &CourseAddArgs, now: i64) -> app::Result<String> {
    courses::may_edit_catalog(actor)?;
    let draft = check_course(&RawCourse {
        code: &a.code,
        title: &a.title,
        category: &a.category,
        kind: &a.kind,
        source: &a.source,
        duration_s: &a.duration,
        designated: a.designated.as_deref().unwrap_or(""),
    })
    .map_err(|e| Error::invalid("课程", e))?;
    let credit = courses::add(db, actor, &draft, a.reason.as_deref(), now).await?;
    Ok(format!(
        "已新增课程 {}（草稿）：{}。发布后学员才能看到：course publish {}",
        draft.code, credit.rule, draft.code
    ))
}

async fn edit(db: &Db, actor: &Actor, a: &CourseEditArgs, now: i64) -> app::Result<String> {
    let designated = a.designated.as_deref().map(|d| match d.trim() {
        "none" | "无" => None,
        d => Some(d.to_string()),
    });
    let patch = CoursePatch {
        title: a.title.clone(),
        category: a.category.clone(),
        kind: a.kind.clone(),
        source: a.source.clone(),
        duration_s: a.duration.clone(),
        designated,
        reason: a.reason.clone(),
    };
    let e = courses::edit(db, actor, &a.code, &patch, a.allow_credit_change, now).await?;
    let code = a.code.trim();
    Ok(if e.before == e.after {
        format!("已修改课程 {code}：学分不变（{}）。", e.after.rule)
    } else if e.completions > 0 {
        format!(
            "已修改课程 {code}：学分 {} → {}（{}）。已完成的 {} 人已取得的学分不变，此后完成的按新学分计。",
            e.before.tenths, e.after.tenths, e.after.rule, e.completions
        )
    } else {
        format!(
            "已修改课程 {code}：学分 {} → {}（{}）。",
            e.before.tenths, e.after.tenths, e.after.rule
        )
    })
}

const DETAIL: &[Column] = &[col("field", "项目"), col("value", "内容")];

fn exam_text(d: &CourseDetail) -> String {
    match &d.exam {
        Some(e) => format!(
            "{}：每次抽 {} 题，{} 分及格，可考 {} 次，合格奖励 {} 学分",
            e.title,
            e.question_count,
            e.pass_percent,
            e.max_attempts,
            crate::rules::Tenths(e.bonus_tenths)
        ),
        None => "无".into(),
    }
}

fn detail_table(d: &CourseDetail) -> Table {
    let c = &d.info;
    let rows: Vec<(&str, String)> = vec![
        ("课程编号", c.code.clone()),
        ("课程名称", c.title.clone()),
        ("状态", c.status.label().into()),
        ("类别", c.category.label().into()),
        ("类型", c.kind.label().into()),
        ("来源", c.source.label().into()),
        (
            "时长",
            format!("{}（{} 秒）", format_duration(c.duration_s), c.duration_s),
        ),
        ("学时", c.credit.hours.to_string()),
        ("学分", c.credit.tenths.to_string()),
        ("学分规则", c.credit.rule.clone()),
        ("指定学分理由", d.designated_reason.clone()),
        ("考试", exam_text(d)),
        ("完成人次", d.completions.to_string()),
    ];
    let mut t = Table::new(DETAIL);
    t.rows = rows
        .into_iter()
        .map(|(k, v)| vec![Cell::text(k), Cell::text(v)])
        .collect();
    t
}

fn detail_object(d: &CourseDetail) -> Value {
    let c = &d.info;
    let exam = d.exam.as_ref().map(|e| {
        json!({
            "title": e.title,
            "questions": e.question_count,
            "pass_percent": e.pass_percent,
            "attempts": e.max_attempts,
            "bonus": crate::rules::Tenths(e.bonus_tenths).as_f64(),
        })
    });
    json!({
        "code": c.code,
        "title": c.title,
        "status": c.status.code(),
        "category": c.category.code(),
        "kind": c.kind.code(),
        "source": c.source.code(),
        "duration_s": c.duration_s,
        "class_hours": c.credit.hours,
        "credits": c.credit.tenths.as_f64(),
        "rule": c.credit.rule,
        "designated_reason": (!d.designated_reason.is_empty()).then_some(&d.designated_reason),
        "exam": exam,
        "completions": d.completions,
    })
}

const IMPORTED: &[Column] = &[
    col("row", "行号"),
    col("code", "课程编号"),
    col("title", "课程名称"),
    col("outcome", "结果"),
    col("status", "状态"),
    col("credits", "学分"),
    col("credits_before", "原学分"),
    col("rule", "学分规则"),
    col("note", "说明"),
];

fn import_table(r: &ImportReport) -> Table {
    let mut t = Table::new(IMPORTED);
    let mut kept = false;
    for l in &r.lines {
        let note = match (&l.credit_before, l.completions) {
            (Some(_), n) if n > 0 => {
                kept = true;
                format!("已完成 {n} 人次，已取得的学分不变，此后完成的按新学分计")
            }
            (Some(_), _) => "学分改变".into(),
            (None, _) => String::new(),
        };
        t.rows.push(vec![
            Cell::Int(l.row as i64),
            Cell::text(l.code.as_str()),
            Cell::text(l.title.as_str()),
            Cell::Coded {
                code: l.outcome.code(),
                label: l.outcome.label(),
            },
            Cell::Coded {
                code: l.status.code(),
                label: l.status.label(),
            },
            Cell::Credits(l.credit.tenths),
            l.credit_before
                .as_ref()
                .map_or(Cell::Empty, |c| Cell::Credits(c.tenths)),
            Cell::text(l.credit.rule.as_str()),
            Cell::text(note),
        ]);
    }
    t.title = Some(format!(
        "导入课程：新增 {} 门，修改 {} 门，未变 {} 门{}",
        r.added,
        r.changed,
        r.unchanged,
        if kept {
            "；已取得的学分不变"
        } else {
            ""
        }
    ));
    t
}
