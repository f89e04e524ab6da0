//! A learner's own pages: this year's standing with the fewest courses that close the gap, the
//! catalogue with my status per course, my notices, my special training classes and a
//! graduate's certificate. Every function answers for the actor's own account only.

use std::collections::HashMap;

use crate::rules::calendar::credit_year;
use crate::rules::catalog::CourseStatus;
use crate::rules::plan::{Candidate, fewest_courses};
use crate::rules::standing::{Bucket, Gap, Standing, Targets};
use crate::store::{Db, ledger, playback};

use super::catalog::{self, CourseInfo, Filter};
use super::classes::{self, Certificate, MyClass};
use super::standings::year_settings;
use super::{Actor, Error, Result};

/// How far I am in a course.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    NotStarted,
    /// Watched share in whole percent (0–99).
    Watching(u32),
    Completed,
}

impl Status {
    /// 未开始 / 35% / 已完成
    pub fn label(self) -> String {
        match self {
            Status::NotStarted => "未开始".into(),
            Status::Watching(p) => format!("{p}%"),
            Status::Completed => "已完成".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct CatalogueLine {
    pub course: CourseInfo,
    pub status: Status,
}

pub use super::notices::Notice;

#[derive(Debug, Clone)]
pub struct Home {
    pub year: i32,
    pub targets: Targets,
    pub standing: Standing,
    pub gap: Gap,
    pub compliant: bool,
    /// The fewest published courses I have not completed that close the gap, largest first.
    pub plan: Vec<CourseInfo>,
    /// Whether `plan` closes the gap (the catalogue may be too small).
    pub plan_closes: bool,
    /// My newest notices, unread first (the notices page has them all).
    pub notices: Vec<Notice>,
    /// The special training classes I am a member of ("我的培训班"), with my progress.
    pub classes: Vec<MyClass>,
    pub unread_notices: i64,
}

fn own_id(actor: &Actor) -> Result<i64> {
    actor
        .account_id
        .ok_or_else(|| Error::Forbidden("本机控制台没有学员档案".into()))
}

/// My status in every course I have touched, by course id.
async fn statuses(db: &Db, account_id: i64) -> Result<HashMap<String, Status>> {
    let mut out = HashMap::new();
    for p in playback::progress_of(db.reader(), account_id).await? {
        let status = if p.completed_at.is_some() {
            Status::Completed
        } else if p.duration_s > 0 {
            let pct = (p.watched_s.max(0) * 100 / p.duration_s).min(99);
            Status::Watching(u32::try_from(pct).unwrap_or(0))
        } else {
            Status::Watching(0)
        };
        out.insert(p.course_code, status);
    }
    Ok(out)
}

/// The catalogue (published courses matching `filter`) with my status in each.
pub async fn catalogue(db: &Db, actor: &Actor, filter: &Filter) -> Result<Vec<CatalogueLine>> {
    let id = own_id(actor)?;
    let statuses = statuses(db, id).await?;
    let completed = super::ledger::completed_courses(db, id).await?;
    Ok(catalog::list(db, filter)
        .await?
        .into_iter()
        .filter(|c| c.status == CourseStatus::Published)
        .map(|course| line(course, &completed, &statuses))
        .collect())
}

/// One published course by its exact code, with my status in it.
pub async fn course(db: &Db, actor: &Actor, code: &str) -> Result<CatalogueLine> {
    let id = own_id(actor)?;
    let course = catalog::by_code(db, code)
        .await?
        .filter(|c| c.status == CourseStatus::Published)
        .ok_or_else(|| Error::NotFound(format!("课程 {code}")))?;
    let statuses = statuses(db, id).await?;
    let completed = super::ledger::completed_courses(db, id).await?;
    Ok(line(course, &completed, &statuses))
}

fn line(
    course: CourseInfo,
    completed: &HashMap<i64, i64>,
    statuses: &HashMap<String, Status>,
) -> CatalogueLine {
    let status = if completed.contains_key(&course.id) {
        Status::Completed
    } else {
        statuses
            .get(&course.code)
            .copied()
            .unwrap_or(Status::NotStarted)
    };
    CatalogueLine { course, status }
}

/// My home page for the credit year of `now`.
pub async fn home(db: &Db, actor: &Actor, now: i64) -> Result<Home> {
    let id = own_id(actor)?;
    let year = credit_year(now);
    let settings = year_settings(db, year).await?;
    let standing = ledger::standing_of(db.reader(), id, year).await?;
    let gap = standing.gap(&settings.targets);
    let open: Vec<CourseInfo> = catalogue(db, actor, &Filter::default())
        .await?
        .into_iter()
        .filter(|l| l.status != Status::Completed)
        .map(|l| l.course)
        .collect();
    let candidates: Vec<Candidate> = open
        .iter()
        .map(|c| Candidate {
            bucket: Bucket::for_kind(c.kind),
            tenths: c.credit.tenths,
        })
        .collect();
    let plan = fewest_courses(gap, &candidates);
    let (notices, unread_notices) = super::notices::newest(db, actor, 5).await?;
    Ok(Home {
        year,
        targets: settings.targets,
        compliant: standing.is_compliant(&settings.targets),
        standing,
        gap,
        plan: plan
            .picks
            .iter()
            .filter_map(|&i| open.get(i).cloned())
            .collect(),
        plan_closes: plan.closes,
        notices,
        classes: classes::mine(db, id, now).await?,
        unread_notices,
    })
}

/// My 结业证书 for a class: only for a member who has graduated from it (and still counts as
/// graduated). Anyone else, whatever the reason, is refused with the same words, so the answer
/// tells nothing of other people's classes.
pub async fn class_certificate(db: &Db, actor: &Actor, class_id: i64) -> Result<Certificate> {
    let id = own_id(actor)?;
    classes::certificate(db, id, class_id)
        .await?
        .ok_or_else(|| Error::Forbidden("只有已从该培训班结业的学员才能打印其结业证书".into()))
}

/// One credit year of my archive: the entries (newest first) and what they add up to.
#[derive(Debug, Clone)]
pub struct YearBlock {
    pub year: i32,
    pub standing: Standing,
    pub entries: Vec<super::archive::Entry>,
}

/// My archive grouped by credit year (newest year first), with the college's name for the
/// certificate.
#[derive(Debug, Clone)]
pub struct MyArchive {
    pub archive: super::archive::Archive,
    pub years: Vec<YearBlock>,
    pub college: String,
}

pub async fn archive(db: &Db, actor: &Actor) -> Result<MyArchive> {
    own_id(actor)?;
    let archive = super::archive::show(db, actor, &actor.username, None).await?;
    let mut years: Vec<YearBlock> = Vec::new();
    for e in &archive.entries {
        let at = match years.iter().position(|y| y.year == e.year) {
            Some(i) => i,
            None => {
                years.push(YearBlock {
                    year: e.year,
                    standing: Standing::default(),
                    entries: Vec::new(),
                });
                years.len() - 1
            }
        };
        years[at].standing.add(e.bucket, e.tenths);
        years[at].entries.push(e.clone());
    }
    years.sort_by_key(|y| std::cmp::Reverse(y.year));
    let college = match crate::store::units::root(db.reader()).await? {
        Some(root) => format!("{}干部网络学院", root.name),
        None => "干部网络学院".into(),
    };
    Ok(MyArchive {
        archive,
        years,
        college,
    })
}
