//! `year show` and `year set`: a year's credit targets, assessed batches and cut-off, through
//! `app::years` (office only for changes, audited, refused for a closed year).

use crate::app::standings::YearSettings;
use crate::app::years::{self, YearChange, batches_text};
use crate::app::{self, Actor};
use crate::rules::calendar::credit_year;
use crate::store::Db;

use super::Failure;
use super::accounts::Answer;
use super::args::YearCmd;
use super::format::{Cell, Column, Table, col};

const YEAR: &[Column] = &[
    col("year", "年度"),
    col("total", "总学分要求"),
    col("required", "必修学分要求"),
    col("batches", "参评批次"),
    col("cutoff", "截止日"),
    col("from_year", "设置来源"),
    col("closed", "已关闭"),
];

pub(super) async fn run(db: &Db, actor: &Actor, cmd: YearCmd) -> Result<Vec<u8>, Failure> {
    let now = app::now();
    match cmd {
        YearCmd::Show(a) => {
            let year = a.year.unwrap_or_else(|| credit_year(now));
            let view = years::show(db, actor, year).await?;
            let mut t = Table::new(YEAR);
            t.rows.push(row(&view.settings, view.closed_at.is_some()));
            t.title = Some(origin(&view.settings));
            super::answer(Answer::Table(t, a.output))
        }
        YearCmd::Set(a) => {
            let change = YearChange {
                total: a.total,
                required: a.required,
                batches: a.batches,
                cutoff: a.cutoff,
            };
            let s = years::set(db, actor, a.year, &change, now).await?;
            super::answer(Answer::Text(format!(
                "已设置 {} 年度：总学分 {}，必修 {}，参评批次 {}，截止日 {}。",
                s.year,
                s.targets.total,
                s.targets.required,
                batches_text(&s.batches),
                s.cutoff.label()
            )))
        }
    }
}

fn row(s: &YearSettings, closed: bool) -> Vec<Cell> {
    vec![
        Cell::Int(i64::from(s.year)),
        Cell::Credits(s.targets.total),
        Cell::Credits(s.targets.required),
        Cell::text(batches_text(&s.batches)),
        Cell::text(s.cutoff.code()),
        s.from_year.map_or(Cell::Empty, |y| Cell::Int(i64::from(y))),
        Cell::Bool(closed),
    ]
}

/// Where the settings came from, said above the text table.
fn origin(s: &YearSettings) -> String {
    match s.from_year {
        Some(y) if y == s.year => format!("{} 年度设置", s.year),
        Some(y) => format!("{} 年度未单独设置，沿用 {y} 年度的设置", s.year),
        None => format!("{} 年度未设置，使用默认要求", s.year),
    }
}
