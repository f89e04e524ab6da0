//! `unit …`: the organisation tree from the command line — list and show (everyone, in their
//! scope), add, rename, move, retire and import (the office), and the import template. The clap
//! types live here, beside the code that runs them.

use clap::{Args, Subcommand};

use crate::app::Actor;
use crate::app::unit_tree::{self as app, Outcome, UnitInfo};
use crate::rules::limits;
use crate::store::Db;

use super::args::{Output, TemplateArgs};
use super::format::{Cell, Column, Table, col};
use super::template::TemplateColumn;
use super::{Failure, Stdin};

#[derive(Debug, Subcommand)]
pub enum Unit {
    /// 列出单位（树形顺序）：代码、名称、上级、级次、路径、状态与学员数
    List(ListArgs),
    /// 显示一个单位及其直属下级单位
    Show(CodeOutput),
    /// 新增单位（仅限市在线学习办）
    Add(AddArgs),
    /// 单位改名，代码不变（仅限市在线学习办）
    Rename(RenameArgs),
    /// 调整单位的上级单位，连同其全部下级（仅限市在线学习办）
    #[command(name = "move")]
    Move(MoveArgs),
    /// 撤销单位，连同其全部下级；其下须已没有在用账号和未办结的名单（仅限市在线学习办）
    Retire(CodeArg),
    /// 导入单位文件（从标准输入读取 CSV 或 xlsx；任何一行有误则整个文件不导入；仅限市在线学习办）
    Import,
    /// 单位文件模板：unit template --format xlsx > 单位模板.xlsx
    Template(TemplateArgs),
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct ListArgs {
    /// 只列此单位及其下级（单位代码或名称），默认为您的管理范围
    #[arg(long, value_name = "单位代码")]
    pub under: Option<String>,
    /// 包括已撤销的单位
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct CodeOutput {
    /// 单位代码（或唯一的单位名称）
    #[arg(value_name = "单位代码", help_heading = "参数")]
    pub code: String,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct CodeArg {
    /// 单位代码
    #[arg(value_name = "单位代码", help_heading = "参数")]
    pub code: String,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct AddArgs {
    /// 新单位的代码：1–32 位字母、数字或 - _，一经使用不再更改
    #[arg(value_name = "单位代码", help_heading = "参数")]
    pub code: String,
    /// 单位名称（最多 50 字）
    #[arg(value_name = "单位名称", help_heading = "参数")]
    pub name: String,
    /// 上级单位（代码或唯一的名称）
    #[arg(long, value_name = "上级单位代码")]
    pub parent: String,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct RenameArgs {
    /// 单位代码
    #[arg(value_name = "单位代码", help_heading = "参数")]
    pub code: String,
    /// 新名称（最多 50 字）
    #[arg(value_name = "新名称", help_heading = "参数")]
    pub name: String,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct MoveArgs {
    /// 单位代码
    #[arg(value_name = "单位代码", help_heading = "参数")]
    pub code: String,
    /// 新的上级单位（代码或唯一的名称）
    #[arg(long, value_name = "上级单位代码")]
    pub parent: String,
}

pub(super) async fn run(
    db: &Db,
    actor: &Actor,
    command: Unit,
    stdin: &mut Stdin,
) -> Result<Vec<u8>, Failure> {
    let now = crate::app::now();
    let text = match command {
        Unit::List(a) => {
            let lines = app::list(db, actor, a.under.as_deref(), a.all).await?;
            let mut t = table(&lines);
            t.title = Some(format!("单位：共 {} 个", lines.len()));
            return t
                .render(a.output.format, a.output.bom)
                .map_err(Failure::Render);
        }
        Unit::Show(a) => {
            let lines = app::show(db, actor, &a.code).await?;
            let mut t = table(&lines);
            if let Some(u) = lines.first() {
                t.title = Some(format!(
                    "{} {}（{}，{}）：学员 {} 人，直属下级单位 {} 个",
                    u.code,
                    u.name,
                    u.kind.map_or("", |k| k.label()),
                    if u.retired { "已撤销" } else { "正常" },
                    u.learners,
                    u.children
                ));
            }
            return t
                .render(a.output.format, a.output.bom)
                .map_err(Failure::Render);
        }
        Unit::Add(a) => {
            let done = app::add(db, actor, &a.code, &a.name, &a.parent, now).await?;
            let (code, name) = done.added.first().cloned().unwrap_or_default();
            format!("已新增单位 {code} {name}（上级 {}）。\n", a.parent)
        }
        Unit::Rename(a) => {
            let done = app::rename(db, actor, &a.code, &a.name, now).await?;
            let (code, old, new) = done.renamed.first().cloned().unwrap_or_default();
            format!("已将单位 {code} 由「{old}」改名为「{new}」。\n")
        }
        Unit::Move(a) => {
            let done = app::move_unit(db, actor, &a.code, &a.parent, now).await?;
            let (code, old, new) = done.moved.first().cloned().unwrap_or_default();
            format!("已将单位 {code} 连同其下级由 {old} 之下调整到 {new} 之下。\n")
        }
        Unit::Retire(a) => {
            let done = app::retire(db, actor, &a.code, now).await?;
            format!(
                "已撤销单位 {} {}（连同下级共 {} 个单位）。\n",
                done.code, done.name, done.units
            )
        }
        Unit::Import => {
            app::may_import(actor)?;
            let bytes = stdin.read_file(limits::UNIT_FILE_BYTES, "单位文件").await?;
            summary(&app::import(db, actor, &bytes, now).await?)
        }
        Unit::Template(a) => {
            return super::template::build(a.format, "单位", &TEMPLATE).map_err(Failure::Render);
        }
    };
    Ok(crate::rules::text::escape_lines(&text)
        .into_owned()
        .into_bytes())
}

/// What an import did: one line of counts, then each change.
fn summary(o: &Outcome) -> String {
    if o.changed_nothing() {
        return format!(
            "文件中的 {} 个单位与系统中完全一致，未作任何更改。\n",
            o.unchanged
        );
    }
    let mut out = format!(
        "已导入单位文件：新增 {} 个，改名 {} 个，调整上级 {} 个，未变 {} 个。\n",
        o.added.len(),
        o.renamed.len(),
        o.moved.len(),
        o.unchanged
    );
    for (code, name) in &o.added {
        out.push_str(&format!("  新增 {code} {name}\n"));
    }
    for (code, old, new) in &o.renamed {
        out.push_str(&format!("  改名 {code}：{old} → {new}\n"));
    }
    for (code, old, new) in &o.moved {
        out.push_str(&format!("  调整 {code}：上级 {old} → {new}\n"));
    }
    out
}

const LIST: &[Column] = &[
    col("code", "单位代码"),
    col("name", "单位名称"),
    col("parent_code", "上级单位代码"),
    col("level", "级次"),
    col("path", "路径"),
    col("status", "状态"),
    col("learners", "学员数"),
];

fn table(lines: &[UnitInfo]) -> Table {
    let mut t = Table::new(LIST);
    for u in lines {
        t.rows.push(vec![
            Cell::text(u.code.as_str()),
            Cell::text(u.name.as_str()),
            u.parent_code.as_deref().map_or(Cell::Empty, Cell::text),
            Cell::Int(i64::try_from(u.level).unwrap_or(i64::MAX)),
            Cell::text(u.path.as_str()),
            if u.retired {
                Cell::Coded {
                    code: "retired",
                    label: "已撤销",
                }
            } else {
                Cell::Coded {
                    code: "active",
                    label: "正常",
                }
            },
            Cell::Int(u.learners),
        ]);
    }
    t
}

/// The import file's columns, for `unit template` and docs/commands.md.
const TEMPLATE: [TemplateColumn; 3] = [
    TemplateColumn {
        header: crate::rules::units::COL_CODE,
        note: "必填，1–32 位字母、数字或 - _；一经使用不再更改，改名时仍用原代码",
        width: 16.0,
    },
    TemplateColumn {
        header: crate::rules::units::COL_NAME,
        note: "必填，单位全称，最多 50 字；同一上级单位下不能重名",
        width: 30.0,
    },
    TemplateColumn {
        header: crate::rules::units::COL_PARENT,
        note: "上级单位的代码（可以是本文件中的单位，行的先后不限）；只有全市单位留空",
        width: 16.0,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::args::FileKind;
    use crate::rules::units::{COLUMNS, read};

    #[test]
    fn the_template_is_read_back_as_an_empty_list() {
        for kind in [FileKind::Csv, FileKind::Xlsx] {
            let bytes = super::super::template::build(kind, "单位", &TEMPLATE).expect("template");
            let problems = read(&bytes).expect_err("no data rows");
            assert!(
                problems[0].problem.contains("没有单位数据"),
                "{kind:?}: {problems:?}"
            );
        }
        let headers: Vec<&str> = TEMPLATE.iter().map(|c| c.header).collect();
        assert_eq!(headers, COLUMNS);
    }
}
