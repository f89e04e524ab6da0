//! Short demo courses whose lecture media the `demo` command generates (src/demo/media.rs), so a
//! visitor can play one to the end in a few minutes and see the credits arrive. The generated
//! files go through the same upload path as `course media` (`app::media::Upload`): probed,
//! checked against the course, stored by content hash.

use crate::store::courses::{self, NewCourse};
use crate::store::{Db, Tx};

use crate::app::media::Upload;
use crate::app::{Actor, Error, Result};
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
        exam: false,
    },
    DemoCourse {
        code: "DEMO02",
        title: "演示课程：年度学分规则解读",
        category: Category::Policy,
        kind: CourseKind::Elective,
        duration_s: 120,
        designated_tenths: 5,
        exam: false,
    },
    DemoCourse {
        code: "DEMO03",
        title: "演示课程：廉洁自律微课堂",
        category: Category::Party,
        kind: CourseKind::Required,
        duration_s: 300,
        designated_tenths: 15,
        exam: true,
    },
];

/// Adds the demo courses (and the third one's exam) to a freshly seeded demo database, and
/// uploads their lectures into the database's media folder.
pub async fn insert(db: &Db, now: i64) -> Result<()> {
    let mut tx = db.begin().await?;
    for c in DEMO_COURSES {
        insert_one(&mut tx, &c, now).await?;
    }
    tx.commit().await?;
    ensure_media(db, now).await
}

/// Uploads each demo course's generated lecture, as `course media` would, when the course has
/// none or its file is gone from the media folder (a demo database kept, its folder emptied).
pub async fn ensure_media(db: &Db, now: i64) -> Result<()> {
    let dir = db
        .media()
        .map(|m| m.dir.clone())
        .ok_or_else(|| Error::internal("未配置媒体目录"))?;
    let actor = Actor::local_operator();
    for c in DEMO_COURSES {
        let current = crate::store::media::of_published(db.reader(), c.code).await?;
        if matches!(&current, Some(Some(file)) if dir.join(file).is_file()) {
            continue;
        }
        let mut upload = Upload::begin(db, &actor, c.code).await?;
        upload.write(&super::media::tick_wav(c.duration_s)).await?;
        upload.finish(db, &actor, false, now).await?;
    }
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
            media_path: None,
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
