//! Credit awards and corrections: a course's credits once, an exam's bonus once, revocations and
//! adjustments by the office. Each is one transaction that appends to the ledger and moves the
//! standing together.

use crate::rules::Tenths;
use crate::rules::calendar::credit_year;
use crate::rules::credits::{CourseKind, course_credit, exam_bonus_rule};
use std::collections::HashMap;

use crate::rules::ledger::{
    EntryKind, adjustment_rule, award_key, course_award_key, revocation_rule,
};
use crate::rules::standing::Bucket;
use crate::store::audit::{self, AuditEntry};
use crate::store::ledger::{self as entries, NewEntry};
use crate::store::{Db, Tx, accounts, courses, playback};

use super::changes::{self, Topic};
use super::{Actor, Error, Result};

/// What an award did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Award {
    Granted {
        entry_id: i64,
        tenths: Tenths,
        year: i32,
        rule: String,
        /// A special training class's progress or graduation moved with it (announce
        /// `Topic::Classes` too).
        classes: bool,
    },
    /// The learner already had it; nothing was written.
    AlreadyGranted,
}

/// Records that a learner completed a course (the playback accounting decided so) and awards the
/// course's credits, once.
pub async fn complete_course(db: &Db, learner_id: i64, course_id: i64, now: i64) -> Result<Award> {
    let mut tx = db.begin().await?;
    let award = complete_course_tx(&mut tx, learner_id, course_id, now).await?;
    finish(db, tx, award).await
}

/// [`complete_course`] inside the caller's transaction (the heartbeat that completed the course
/// writes the playback and the ledger entry together). Writes nothing when already granted.
pub async fn complete_course_tx(
    tx: &mut Tx,
    learner_id: i64,
    course_id: i64,
    now: i64,
) -> Result<Award> {
    require_learner(tx, learner_id).await?;
    let course = courses::by_id_tx(tx, course_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("课程 {course_id}")))?;
    if entries::completed_at(tx, learner_id, course_id)
        .await?
        .is_some()
    {
        return Ok(Award::AlreadyGranted);
    }
    // Each revocation of this course's completion frees a new key: earned again after a
    // revocation, the course is awarded again (once more), and the key still makes two
    // concurrent completions award once.
    let revoked = entries::revoked_completions(tx, learner_id, course_id).await?;
    let kind = CourseKind::from_code(&course.kind)
        .ok_or_else(|| Error::internal(format!("课程 {} 的类型无效", course.code)))?;
    let credit = course_credit(
        kind,
        course.duration_s,
        course.designated_tenths.map(Tenths),
    );
    let entry = NewEntry {
        account_id: learner_id,
        kind: EntryKind::Course,
        bucket: Bucket::for_kind(kind),
        course_id: Some(course.id),
        exam_id: None,
        reference: format!("{} {}", course.code, course.title),
        tenths: credit.tenths,
        earned_at: now,
        credit_year: credit_year(now),
        reason: "完成课程学习".into(),
        actor_id: None,
        rule: credit.rule,
        award_key: Some(course_award_key(course.id, revoked)),
        revokes_id: None,
    };
    let mut award = append_award(tx, entry, now).await?;
    // Graduation follows the ledger: recomputed in the transaction that wrote the entry.
    if let Award::Granted { classes, .. } = &mut award {
        *classes = super::classes::after_ledger_write(tx, learner_id).await?;
    }
    Ok(award)
}

/// The courses a learner has completed, by course id, with when.
pub async fn completed_courses(db: &Db, learner_id: i64) -> Result<HashMap<i64, i64>> {
    Ok(entries::completed_courses(db.reader(), learner_id)
        .await?
        .into_iter()
        .collect())
}

/// Awards an exam's bonus credits after a passed attempt, once.
pub async fn pass_exam(db: &Db, learner_id: i64, exam_id: i64, now: i64) -> Result<Award> {
    let mut tx = db.begin().await?;
    let award = pass_exam_tx(&mut tx, learner_id, exam_id, now).await?;
    finish(db, tx, award).await
}

/// [`pass_exam`] inside the caller's transaction (the graded attempt and the bonus together).
pub async fn pass_exam_tx(tx: &mut Tx, learner_id: i64, exam_id: i64, now: i64) -> Result<Award> {
    require_learner(tx, learner_id).await?;
    let exam = courses::exam_by_id_tx(tx, exam_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("考试 {exam_id}")))?;
    let bonus = Tenths(exam.bonus_tenths);
    let entry = NewEntry {
        account_id: learner_id,
        kind: EntryKind::Exam,
        bucket: Bucket::Exam,
        course_id: Some(exam.course_id),
        exam_id: Some(exam.id),
        reference: exam.title,
        tenths: bonus,
        earned_at: now,
        credit_year: credit_year(now),
        reason: "考试合格".into(),
        actor_id: None,
        rule: exam_bonus_rule(bonus),
        award_key: Some(award_key(EntryKind::Exam, exam.id)),
        revokes_id: None,
    };
    append_award(tx, entry, now).await
}

async fn append_award(tx: &mut Tx, entry: NewEntry, now: i64) -> Result<Award> {
    Ok(match entries::append(tx, &entry, now).await? {
        Some(entry_id) => Award::Granted {
            entry_id,
            tenths: entry.tenths,
            year: entry.credit_year,
            rule: entry.rule,
            classes: false,
        },
        None => Award::AlreadyGranted,
    })
}

/// Commits a granted award; rolls back when nothing was written.
async fn finish(db: &Db, tx: Tx, award: Award) -> Result<Award> {
    match award {
        Award::Granted { classes: true, .. } => {
            changes::commit(db, tx, &[Topic::Ledger, Topic::Classes]).await?
        }
        Award::Granted { .. } => changes::commit(db, tx, &[Topic::Ledger]).await?,
        Award::AlreadyGranted => tx.rollback().await?,
    }
    Ok(award)
}

/// Revokes an entry (fraud ruling, error) by appending its opposite in the same bucket and credit
/// year. Office only; audited. Returns the new entry's id.
pub async fn revoke(db: &Db, actor: &Actor, entry_id: i64, reason: &str, now: i64) -> Result<i64> {
    actor.require_office("撤销学分")?;
    let reason = require_reason(reason)?;
    let mut tx = db.begin().await?;
    let original = entries::get(&mut tx, entry_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("学分记录 {entry_id}")))?;
    let kind = EntryKind::from_code(&original.kind)
        .ok_or_else(|| Error::internal(format!("学分记录 {entry_id} 的类型无效")))?;
    if !kind.is_revocable() {
        return Err(Error::invalid(
            "记录",
            format!("第 {entry_id} 条本身是撤销记录，不能再撤销"),
        ));
    }
    let bucket = Bucket::from_code(&original.bucket)
        .ok_or_else(|| Error::internal(format!("学分记录 {entry_id} 的类别无效")))?;
    let tenths = Tenths(original.tenths);
    let year = i32::try_from(original.credit_year)
        .map_err(|_| Error::internal(format!("学分记录 {entry_id} 的年度无效")))?;
    let entry = NewEntry {
        account_id: original.account_id,
        kind: EntryKind::Revocation,
        bucket,
        course_id: original.course_id,
        exam_id: original.exam_id,
        reference: original.reference.clone(),
        tenths: -tenths,
        earned_at: now,
        credit_year: year,
        reason: reason.into(),
        actor_id: actor.account_id,
        rule: revocation_rule(entry_id, tenths),
        award_key: Some(award_key(EntryKind::Revocation, entry_id)),
        revokes_id: Some(entry_id),
    };
    let id = entries::append(&mut tx, &entry, now)
        .await?
        .ok_or_else(|| Error::Conflict(format!("第 {entry_id} 条学分记录已被撤销")))?;
    // A revoked completion makes the course not completed: it is earned again only by watching
    // it again from nothing; a class's graduation that rested on it is undone.
    let mut classes = false;
    if let (EntryKind::Course | EntryKind::Legacy, Some(course_id)) = (kind, original.course_id) {
        playback::restart(&mut tx, original.account_id, course_id, now).await?;
        classes = super::classes::after_ledger_write(&mut tx, original.account_id).await?;
    }
    audit::write(
        &mut tx,
        &AuditEntry {
            action: "ledger.revoke",
            target: format!("ledger:{entry_id}"),
            before: Some(format!("{} {} {}", original.kind, original.bucket, tenths)),
            after: Some(format!("revocation:{id} {}", -tenths)),
            detail: reason.into(),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    let topics: &[Topic] = if classes {
        &[Topic::Ledger, Topic::Classes]
    } else {
        &[Topic::Ledger]
    };
    changes::commit(db, tx, topics).await?;
    Ok(id)
}

/// A manual correction by the office (e.g. credits from an offline class).
#[derive(Debug, Clone)]
pub struct Adjustment<'a> {
    pub learner_id: i64,
    pub bucket: Bucket,
    pub tenths: Tenths,
    pub year: i32,
    pub reason: &'a str,
}

/// Appends an adjustment. Office only; audited.
pub async fn adjust(db: &Db, actor: &Actor, a: &Adjustment<'_>, now: i64) -> Result<i64> {
    let Adjustment {
        learner_id,
        bucket,
        tenths,
        year,
        reason,
    } = *a;
    actor.require_office("调整学分")?;
    let reason = require_reason(reason)?;
    if tenths.0 == 0 {
        return Err(Error::invalid("学分", "调整量不能为 0"));
    }
    let mut tx = db.begin().await?;
    require_learner(&mut tx, learner_id).await?;
    let entry = NewEntry {
        account_id: learner_id,
        kind: EntryKind::Adjustment,
        bucket,
        course_id: None,
        exam_id: None,
        reference: format!("{}调整", bucket.label()),
        tenths,
        earned_at: now,
        credit_year: year,
        reason: reason.into(),
        actor_id: actor.account_id,
        rule: adjustment_rule(tenths),
        award_key: None,
        revokes_id: None,
    };
    let id = entries::append(&mut tx, &entry, now)
        .await?
        .ok_or_else(|| Error::internal("调整记录未写入"))?;
    audit::write(
        &mut tx,
        &AuditEntry {
            action: "ledger.adjust",
            target: format!("account:{learner_id}"),
            before: None,
            after: Some(format!("{year} {} {tenths}", bucket.code())),
            detail: reason.into(),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Ledger]).await?;
    Ok(id)
}

fn require_reason(reason: &str) -> Result<&str> {
    super::required_reason("原因", reason, "必须填写原因")
}

async fn require_learner(tx: &mut Tx, learner_id: i64) -> Result<()> {
    match accounts::learner_flag(tx, learner_id).await? {
        Some(1) => Ok(()),
        Some(_) => Err(Error::invalid(
            "账号",
            format!("账号 {learner_id} 不是学员"),
        )),
        None => Err(Error::NotFound(format!("学员 {learner_id}"))),
    }
}
