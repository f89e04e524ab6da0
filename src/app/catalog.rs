//! The course catalogue as staff and learners see it: each course with its class hours, credits
//! and the rule that gave them (Art. 6, 7, 10).

use crate::rules::Tenths;
use crate::rules::catalog::{Category, CourseStatus, Source};
use crate::rules::credits::{CourseCredit, CourseKind, course_credit};
use crate::store::courses::CourseRow;
use crate::store::{Db, courses};

use super::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseInfo {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub category: Category,
    pub kind: CourseKind,
    pub source: Source,
    pub duration_s: i64,
    pub credit: CourseCredit,
    /// Credits designated instead of the hours rule.
    pub designated: Option<Tenths>,
    pub has_exam: bool,
    /// Only published courses reach learners.
    pub status: CourseStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub category: Option<Category>,
    pub kind: Option<CourseKind>,
    pub source: Option<Source>,
    pub status: Option<CourseStatus>,
    /// Matches code or title, case-insensitively.
    pub text: Option<String>,
}

impl Filter {
    fn matches(&self, c: &CourseInfo) -> bool {
        self.category.is_none_or(|x| x == c.category)
            && self.kind.is_none_or(|x| x == c.kind)
            && self.source.is_none_or(|x| x == c.source)
            && self.status.is_none_or(|x| x == c.status)
            && self.text.as_deref().is_none_or(|t| {
                let t = t.to_lowercase();
                c.title.to_lowercase().contains(&t) || c.code.to_lowercase().contains(&t)
            })
    }
}

/// A stored course as the catalogue shows it, its credit from `rules::credits::course_credit`
/// (the function the ledger awards by).
pub(crate) fn info_of(row: CourseRow, has_exam: bool) -> Result<CourseInfo> {
    let bad = |what: &str| Error::internal(format!("课程 {} 的{what}无效", row.code));
    let kind = CourseKind::from_code(&row.kind).ok_or_else(|| bad("类型"))?;
    let status = CourseStatus::from_code(&row.status).ok_or_else(|| bad("状态"))?;
    Ok(CourseInfo {
        category: Category::from_code(&row.category).ok_or_else(|| bad("类别"))?,
        source: Source::from_code(&row.source).ok_or_else(|| bad("来源"))?,
        credit: course_credit(kind, row.duration_s, row.designated_tenths.map(Tenths)),
        designated: row.designated_tenths.map(Tenths),
        kind,
        id: row.id,
        code: row.code,
        title: row.title,
        duration_s: row.duration_s,
        has_exam,
        status,
    })
}

/// Every course matching the filter, by code.
pub async fn list(db: &Db, filter: &Filter) -> Result<Vec<CourseInfo>> {
    let rows = courses::all_with_exams(db.reader()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (row, exams) in rows {
        let info = info_of(row, exams > 0)?;
        if filter.matches(&info) {
            out.push(info);
        }
    }
    Ok(out)
}

/// The course with exactly this code, if there is one.
pub async fn by_code(db: &Db, code: &str) -> Result<Option<CourseInfo>> {
    courses::by_code_with_exams(db.reader(), code)
        .await?
        .map(|(row, exams)| info_of(row, exams > 0))
        .transpose()
}
