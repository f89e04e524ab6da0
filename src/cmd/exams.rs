//! `exam import COURSE < bank`: the college loads a course's question bank.

use crate::app::exams::{self, ImportSettings};
use crate::app::{self, Actor, Error, Result};
use crate::rules::Tenths;
use crate::store::Db;

use super::args::ExamImportArgs;
use super::format::{Cell, Column, Table, col};

/// A question bank larger than this is refused.
pub const MAX_BANK_BYTES: usize = crate::rules::limits::EXAM_BANK_BYTES;

const IMPORTED: &[Column] = &[
    col("course", "课程编号"),
    col("exam_id", "考试编号"),
    col("created", "新建考试"),
    col("questions", "导入题数"),
    col("retired", "停用旧题"),
    col("draw", "每次抽题"),
];

pub async fn import(db: &Db, actor: &Actor, a: &ExamImportArgs, bytes: &[u8]) -> Result<Table> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| Error::invalid("题库", "文件应为 UTF-8 编码（CSV 可另存为“CSV UTF-8”）"))?;
    let bonus = a
        .bonus
        .as_deref()
        .map(|b| Tenths::parse(b).map_err(|e| Error::invalid("--bonus", e)))
        .transpose()?;
    let settings = ImportSettings {
        questions: a.questions,
        pass_percent: a.pass_percent,
        attempts: a.attempts,
        bonus,
    };
    let done = exams::import(db, actor, &a.course, text, &settings, app::now()).await?;
    let mut t = Table::new(IMPORTED);
    t.rows.push(vec![
        Cell::text(done.course_code),
        Cell::Int(done.exam_id),
        Cell::Bool(done.created),
        Cell::Int(done.questions as i64),
        Cell::Int(done.retired as i64),
        Cell::Int(done.draw),
    ]);
    Ok(t)
}
