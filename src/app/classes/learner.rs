//! Classes as their members see them on the web: "我的培训班" with their own progress, the
//! graduate's certificate (结业证书), and the public check of a certificate's code.

use std::collections::HashMap;

use crate::rules::calendar::date_cst;
use crate::rules::classes::{Terms, is_code};
use crate::store::Db;
use crate::store::classes as store;

use super::super::Result;
use super::super::types::{Username, converted};
use super::board::cell;
use super::{
    Certificate, ClassCourse, ClassStatus, ClassSummary, MyClass, MyCourse, Verified,
    min_elective_of,
};

/// The open and closed classes the learner is a member of (drafts and classes they were removed
/// from are not shown), newest first, each with its courses and the learner's progress in them.
pub async fn mine(db: &Db, account_id: i64, now: i64) -> Result<Vec<MyClass>> {
    let rows = store::of_learner(db.reader(), account_id).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let completions: Vec<(i64, i64)> =
        crate::store::ledger::completed_courses(db.reader(), account_id).await?;
    let mut watched: HashMap<i64, i64> = HashMap::new();
    let mut out = Vec::new();
    for row in rows {
        let summary = ClassSummary::try_from(&row)?;
        let courses: Vec<ClassCourse> = converted(store::courses(db.reader(), row.id).await?)?;
        let ids: Vec<i64> = courses.iter().map(|c| c.course_id).collect();
        for (_, course, w) in store::watched(db, row.id, &[account_id]).await? {
            watched.insert(course, w);
        }
        let closed = summary.status == ClassStatus::Closed;
        let terms = Terms {
            dates: summary.dates,
            earlier_counts: row.earlier_counts == 1,
            courses: &ids,
            min_elective: None,
        };
        // A closed class shows the ledger as it stood at closing, as the board does.
        let as_of = if closed {
            row.closed_at.unwrap_or(now)
        } else {
            now
        };
        let counted: Vec<(i64, i64)> = if closed {
            store::cells(db, row.id, &[account_id], as_of)
                .await?
                .into_iter()
                .map(|(_, c, at)| (c, at))
                .collect()
        } else {
            completions.clone()
        };
        let member = store::member(db.reader(), row.id, account_id).await?;
        let my_courses = courses
            .into_iter()
            .map(|c| {
                let w = if closed {
                    None
                } else {
                    watched.get(&c.course_id).copied()
                };
                MyCourse {
                    cell: cell(&terms, &c, &counted, w),
                    course: c,
                }
            })
            .collect();
        out.push(MyClass {
            id: row.id,
            title: row.title.clone(),
            description: row.description.clone(),
            status: summary.status,
            organiser: row.unit_name.clone(),
            dates: summary.dates,
            days_left: summary.dates.days_left(now),
            courses: my_courses,
            min_elective: min_elective_of(&row)?,
            graduated_at: member.and_then(|m| m.graduated_at),
        });
    }
    Ok(out)
}

/// The learner's certificate for a class they graduated from; None when they are not a member
/// of it (or were removed), it is a draft, or they have not graduated.
pub async fn certificate(db: &Db, account_id: i64, class_id: i64) -> Result<Option<Certificate>> {
    let Some(row) = store::get(db.reader(), class_id).await? else {
        return Ok(None);
    };
    let summary = ClassSummary::try_from(&row)?;
    if summary.status == ClassStatus::Draft {
        return Ok(None);
    }
    let Some(member) = store::member(db.reader(), class_id, account_id).await? else {
        return Ok(None);
    };
    let (Some(graduated_at), Some(serial), Some(code)) =
        (member.graduated_at, member.cert_serial, member.cert_code)
    else {
        return Ok(None);
    };
    let courses: Vec<ClassCourse> = converted(store::courses(db.reader(), class_id).await?)?;
    Ok(Some(Certificate {
        class_title: row.title.clone(),
        organiser: row.unit_name.clone(),
        dates: summary.dates,
        total_hours: courses.iter().map(|c| c.hours).sum(),
        courses,
        serial,
        code,
        name: member.real_name,
        username: Username::stored(member.username),
        graduated_at,
    }))
}

/// What a certificate's verification code stands for, for anyone (no sign-in): the graduate's
/// name, the class's title and the day of graduation. None for a code that is malformed,
/// unknown, or whose holder no longer counts as graduated (a revocation, a removal).
pub async fn verify(db: &Db, code: &str) -> Result<Option<Verified>> {
    let code = code.trim().to_ascii_uppercase();
    if !is_code(&code) {
        return Ok(None);
    }
    Ok(store::by_code(db.reader(), &code).await?.map(|v| Verified {
        name: v.real_name,
        class_title: v.title,
        graduated_on: date_cst(v.graduated_at),
    }))
}
