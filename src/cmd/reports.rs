//! Each scripted command as a query through `app/` turned into a `Table`; formatting lives in
//! `format.rs`, parsing in `args.rs`.

use crate::app::catalog::{self, Filter};
use crate::app::{self, Actor, Error, Result, archive, population, standings, units};
use crate::rules::calendar::credit_year;
use crate::rules::catalog::{Category, Source, Vocab, parse};
use crate::rules::credits::CourseKind;
use crate::rules::standing::format_rate;
use crate::store::Db;

use super::args::{ArchiveArgs, CourseArgs, StandingsArgs, Status, UnitsArgs, YearArgs};
use super::format::{Cell, Column, Table, col};

fn year_or_current(year: Option<i32>) -> i32 {
    year.unwrap_or_else(|| credit_year(app::now()))
}

const WHOAMI: &[Column] = &[
    col("username", "用户名"),
    col("name", "姓名"),
    col("role", "角色代码"),
    col("role_name", "角色"),
    col("unit_code", "单位代码"),
    col("unit", "管理范围"),
];

pub async fn whoami(db: &Db, actor: &Actor) -> Result<Table> {
    let name = actor.real_name(db).await?;
    let mut t = Table::new(WHOAMI);
    let who = |role: Cell, label: Cell, code: Cell, unit: Cell| {
        vec![
            Cell::text(actor.username.as_str()),
            Cell::text(name.as_str()),
            role,
            label,
            code,
            unit,
        ]
    };
    for r in &actor.roles {
        t.rows.push(who(
            Cell::text(r.kind.code()),
            Cell::text(r.kind.label()),
            Cell::text(r.unit_code.as_str()),
            Cell::text(r.unit_name.as_str()),
        ));
    }
    if actor.is_local() {
        t.rows.push(who(
            Cell::text("local"),
            Cell::text("本机控制台（市在线学习办权限）"),
            Cell::Empty,
            Cell::text("全市"),
        ));
    } else if actor.roles.is_empty() {
        t.rows.push(who(
            Cell::text("learner"),
            Cell::text("学员"),
            Cell::Empty,
            Cell::Empty,
        ));
    }
    Ok(t)
}

const STANDINGS: &[Column] = &[
    col("username", "用户名"),
    col("name", "姓名"),
    col("unit_code", "单位代码"),
    col("unit", "单位"),
    col("batch", "批次"),
    col("required", "必修学分"),
    col("elective", "选修学分"),
    col("exam", "考试学分"),
    col("total", "总学分"),
    col("compliant", "达标"),
];

pub async fn standings(db: &Db, actor: &Actor, a: &StandingsArgs) -> Result<Table> {
    let year = year_or_current(a.year);
    let report = standings::report(db, actor, year, a.unit.as_deref()).await?;
    let mut t = Table::new(STANDINGS);
    let wanted = |compliant: bool| match a.status {
        None => true,
        Some(Status::Compliant) => compliant,
        Some(Status::Noncompliant) => !compliant,
    };
    for l in report.lines.iter().filter(|l| wanted(l.compliant)) {
        let s = &l.standing;
        t.rows.push(vec![
            Cell::text(l.username.as_str()),
            Cell::text(l.real_name.as_str()),
            Cell::text(l.unit_code.as_str()),
            Cell::text(l.unit_name.as_str()),
            l.batch.map_or(Cell::Empty, Cell::Int),
            Cell::Credits(s.required),
            Cell::Credits(s.elective),
            Cell::Credits(s.exam),
            Cell::Credits(s.total()),
            Cell::Bool(l.compliant),
        ]);
    }
    let compliant = report.lines.iter().filter(|l| l.compliant).count();
    let targets = &report.settings.targets;
    t.title = Some(format!(
        "{year} 年度学分 · {}：参评 {} 人，达标 {compliant} 人（达标要求：总学分 ≥ {}，必修 ≥ {}）；本表 {} 行",
        report.scope.name,
        report.lines.len(),
        targets.total,
        targets.required,
        t.rows.len()
    ));
    Ok(t)
}

const UNITS: &[Column] = &[
    col("unit_code", "单位代码"),
    col("unit", "单位"),
    col("assessed", "参评人数"),
    col("compliant", "达标人数"),
    col("rate", "达标率"),
    col("average", "平均学分"),
    col("short_required", "必修不足人数"),
    col("rank", "排名"),
];

pub async fn units(db: &Db, actor: &Actor, a: &UnitsArgs) -> Result<Table> {
    let year = year_or_current(a.year);
    let report = units::report(db, actor, year, a.unit.as_deref()).await?;
    let mut lines: Vec<&units::UnitLine> = report.lines.iter().collect();
    lines.sort_by(|x, y| (x.rank, &x.unit_code).cmp(&(y.rank, &y.unit_code)));
    let mut t = Table::new(UNITS);
    for l in lines {
        let n = &l.tally;
        t.rows.push(vec![
            Cell::text(l.unit_code.as_str()),
            Cell::text(l.unit_name.as_str()),
            Cell::Int(i64::try_from(n.assessed).unwrap_or(i64::MAX)),
            Cell::Int(i64::try_from(n.compliant).unwrap_or(i64::MAX)),
            Cell::Rate(n.rate_permille()),
            Cell::Credits(n.average()),
            Cell::Int(i64::try_from(n.short_required).unwrap_or(i64::MAX)),
            Cell::Int(i64::try_from(l.rank).unwrap_or(i64::MAX)),
        ]);
    }
    let o = &report.overall;
    t.title = Some(format!(
        "{year} 年度单位统计 · {}：参评 {} 人，达标 {} 人，达标率 {}，平均学分 {}",
        report.scope.name,
        o.assessed,
        o.compliant,
        format_rate(o.rate_permille()),
        o.average()
    ));
    Ok(t)
}

const POPULATION_CHANGES: &[Column] = &[
    col("unit_code", "单位代码"),
    col("unit", "单位"),
    col("username", "用户名"),
    col("name", "姓名"),
    col("change", "变动"),
    col("from", "变动前"),
    col("to", "变动后"),
    col("effective_at", "生效时间"),
    col("actor", "操作人"),
    col("reason", "原因"),
    col("removes_from_year", "移出本年度考核"),
];

pub async fn population_changes(db: &Db, actor: &Actor, a: &YearArgs) -> Result<Table> {
    let year = year_or_current(a.year);
    let lines = population::changes(db, actor, year).await?;
    let mut t = Table::new(POPULATION_CHANGES);
    for l in &lines {
        t.rows.push(vec![
            Cell::text(l.unit_code.as_str()),
            Cell::text(l.unit_name.as_str()),
            Cell::text(l.username.as_str()),
            Cell::text(l.real_name.as_str()),
            Cell::Coded {
                code: l.change.code(),
                label: l.change.label(),
            },
            Cell::text(l.from.as_str()),
            Cell::text(l.to.as_str()),
            Cell::Time(l.effective_at),
            Cell::text(l.actor.as_str()),
            Cell::text(l.reason.as_str()),
            Cell::Bool(l.removes_from_year),
        ]);
    }
    let removed = lines.iter().filter(|l| l.removes_from_year).count();
    t.title = Some(format!(
        "{year} 年度参评人员变动：{} 条，其中移出本年度考核 {removed} 条",
        lines.len()
    ));
    Ok(t)
}

const ARCHIVE: &[Column] = &[
    col("id", "记录号"),
    col("kind", "类型"),
    col("bucket", "学分类别"),
    col("ref", "来源"),
    col("credits", "学分"),
    col("earned_at", "取得时间"),
    col("year", "年度"),
    col("rule", "规则"),
    col("reason", "说明"),
];

pub async fn archive(db: &Db, actor: &Actor, a: &ArchiveArgs) -> Result<Table> {
    let archive = archive::show(db, actor, &a.username, a.year).await?;
    let mut t = Table::new(ARCHIVE);
    for e in &archive.entries {
        t.rows.push(vec![
            Cell::Int(e.id),
            Cell::Coded {
                code: e.kind.code(),
                label: e.kind.label(),
            },
            Cell::Coded {
                code: e.bucket.code(),
                label: e.bucket.label(),
            },
            Cell::text(e.reference.as_str()),
            Cell::Credits(e.tenths),
            Cell::Time(e.earned_at),
            Cell::Int(i64::from(e.year)),
            Cell::text(e.rule.as_str()),
            Cell::text(e.reason.as_str()),
        ]);
    }
    let years = a
        .year
        .map_or("全部年度".to_string(), |y| format!("{y} 年度"));
    t.title = Some(format!(
        "电子档案 · {} {}（{}）· {years}：{} 条记录{}",
        archive.username,
        archive.real_name,
        archive.unit_name,
        archive.entries.len(),
        if archive.exempt {
            "；省管干部，不参加市级考核"
        } else {
            ""
        }
    ));
    Ok(t)
}

const COURSES: &[Column] = &[
    col("code", "课程编号"),
    col("title", "课程名称"),
    col("category", "类别"),
    col("kind", "类型"),
    col("source", "来源"),
    col("duration_s", "时长（秒）"),
    col("class_hours", "学时"),
    col("credits", "学分"),
    col("has_exam", "有考试"),
    col("rule", "学分规则"),
];

pub async fn courses(db: &Db, a: &CourseArgs) -> Result<Table> {
    let filter = Filter {
        category: a
            .category
            .as_deref()
            .map(|s| pick::<Category>("--category", s))
            .transpose()?,
        kind: a
            .kind
            .as_deref()
            .map(|s| pick::<CourseKind>("--kind", s))
            .transpose()?,
        source: a
            .source
            .as_deref()
            .map(|s| pick::<Source>("--source", s))
            .transpose()?,
        text: None,
        status: None,
    };
    let list = catalog::list(db, &filter).await?;
    let mut t = Table::new(COURSES);
    for c in &list {
        t.rows.push(vec![
            Cell::text(c.code.as_str()),
            Cell::text(c.title.as_str()),
            Cell::Coded {
                code: c.category.code(),
                label: c.category.label(),
            },
            Cell::Coded {
                code: c.kind.code(),
                label: c.kind.label(),
            },
            Cell::Coded {
                code: c.source.code(),
                label: c.source.label(),
            },
            Cell::Int(c.duration_s),
            Cell::Int(c.credit.hours),
            Cell::Credits(c.credit.tenths),
            Cell::Bool(c.has_exam),
            Cell::text(c.credit.rule.as_str()),
        ]);
    }
    t.title = Some(format!("课程目录：{} 门", list.len()));
    Ok(t)
}

/// The value whose code or Chinese label is `given` (`rules::catalog::parse`, the one parser of
/// these names), else a usage error naming the option and listing the choices.
fn pick<T: Vocab>(option: &str, given: &str) -> Result<T> {
    parse(given).map_err(|e| Error::invalid(option, e))
}
