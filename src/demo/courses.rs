//! Short demo courses whose lecture media the `demo` command generates (src/demo/media.rs), so a
//! visitor can play one to the end in a few minutes and see the credits arrive.

use crate::store::courses::{self, NewCourse};
use crate::store::{Db, Tx};

use crate::app::Result;
use crate::rules::catalog::{Category, Source};
use crate::rules::credits::CourseKind;

/// A demo course with generated media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoCourse {
    pub code: &'static str,
    pub title: &'static str,
    pub category: Category,
    pub kind: CourseKind,
    pub duration_s: u32,
    /// Designated credits: a few minutes are worth no class hour by the normal rule.
    pub designated_tenths: i64,
    pub media: &'static str,
    pub exam: bool,
}

pub const DEMO_COURSES: [DemoCourse; 3] = [
    DemoCourse {
        code: "DEMO01",
        title: "演示课程：网院在线学习操作指南",
        category: Category::Growth,
        kind: CourseKind::Required,
        duration_s: 60,
        designated_tenths: 10,
        media: "demo-01.wav",
        exam: false,
    },
    DemoCourse {
        code: "DEMO02",
        title: "演示课程：年度学分规则解读",
        category: Category::Policy,
        kind: CourseKind::Elective,
        duration_s: 120,
        designated_tenths: 5,
        media: "demo-02.wav",
        exam: false,
    },
    DemoCourse {
        code: "DEMO03",
        title: "演示课程：廉洁自律微课堂",
        category: Category::Party,
        kind: CourseKind::Required,
        duration_s: 300,
        designated_tenths: 15,
        media: "demo-03.wav",
        exam: true,
    },
];

/// Adds the demo courses (and the third one's exam) to a freshly seeded demo database.
pub async fn insert(db: &Db, now: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    for c in DEMO_COURSES {
        insert_one(&mut tx, &c, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn insert_one(tx: &mut Tx, c: &DemoCourse, now: i64) -> Result<()> {
    let id = courses::insert(
        tx,
        &NewCourse {
            code: c.code,
            title: c.title,
            category: c.category.code(),
            kind: c.kind.code(),
            duration_s: i64::from(c.duration_s),
            designated_tenths: Some(c.designated_tenths),
            source: Source::Local.code(),
            media_path: Some(c.media),
            description: "演示用短课程：播放到结尾即可获得学分。",
        },
        now,
    )
    .await?;
    if c.exam {
        super::seed::insert_exam(tx, id, c.title, now).await?;
    }
    Ok(())
}
