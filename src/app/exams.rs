//! Exams (Art. 10): a learner who completed a course may take its exam; an attempt draws N
//! questions at random from the bank; the server grades; passing earns the bonus credits once.
//! The college imports question banks (`exam import`).

use std::collections::{BTreeMap, HashMap};

use rand::seq::SliceRandom;

use crate::rules::Tenths;
use crate::rules::catalog::CourseStatus;
use crate::rules::exam::{self, BankQuestion, QuestionKind};
use crate::rules::standing::Bucket;
use crate::store::audit::{self, AuditEntry};
use crate::store::courses::{self, CourseRow, NewExam};
use crate::store::exams::{self as store, ExamRow};
use crate::store::{Db, Tx};

use super::changes::{self, Topic};
use super::ledger;
use super::playback::Completion;
use super::{Actor, Error, Result};

#[derive(Debug, Clone, serde::Serialize)]
pub struct ExamInfo {
    pub course_code: String,
    pub title: String,
    /// Questions drawn per attempt.
    pub questions: i64,
    pub pass_percent: i64,
    /// Seconds an attempt may take.
    pub time_limit_s: i64,
    pub attempts_allowed: i64,
    pub attempts_used: i64,
    pub passed: bool,
    pub bonus_credits: String,
    pub course_completed: bool,
}

impl ExamInfo {
    /// Whether the learner may begin an attempt: the course completed, the exam not passed yet,
    /// attempts left (what `start` refuses otherwise).
    pub fn can_start(&self) -> bool {
        self.course_completed && !self.passed && self.attempts_used < self.attempts_allowed
    }
}

/// The exam of a course as the learner sees it; None when the course has no exam.
pub async fn info(db: &Db, actor: &Actor, course_code: &str) -> Result<Option<ExamInfo>> {
    let account_id = learner_id(actor)?;
    let course = published_course_id(db, course_code).await?;
    let Some(exam) = store::by_course(db.reader(), course).await? else {
        return Ok(None);
    };
    let record = store::record(db.reader(), exam.id, exam.course_id, account_id).await?;
    Ok(Some(ExamInfo {
        course_code: exam.course_code,
        title: exam.title,
        questions: exam.question_count,
        pass_percent: exam.pass_percent,
        time_limit_s: exam.time_limit_s,
        attempts_allowed: exam.max_attempts,
        attempts_used: record.attempts,
        passed: record.passed > 0,
        bonus_credits: Tenths(exam.bonus_tenths).to_string(),
        course_completed: record.course_done > 0,
    }))
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Question {
    pub id: i64,
    /// single | multiple | truefalse
    pub kind: String,
    pub text: String,
    pub options: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Attempt {
    pub attempt_id: i64,
    pub questions: Vec<Question>,
    pub time_limit_s: i64,
    /// Unix seconds by which the answers must be in (see `rules::exam::in_time` for the grace).
    pub deadline: i64,
}

/// Starts an attempt (or returns the learner's unfinished one, so reloading the page does not
/// draw new questions or cost an attempt).
pub async fn start(db: &Db, actor: &Actor, course_code: &str, now: i64) -> Result<Attempt> {
    let account_id = learner_id(actor)?;
    let course = published_course_id(db, course_code).await?;
    let mut tx = db.begin().await?;
    let exam = store::by_course(&mut *tx, course)
        .await?
        .ok_or_else(|| Error::NotFound(format!("课程 {course_code} 的考试")))?;
    let record = store::record(&mut *tx, exam.id, exam.course_id, account_id).await?;
    if record.passed > 0 {
        return Err(Error::Conflict("您已通过本课程考试".into()));
    }
    if record.course_done == 0 {
        return Err(Error::Conflict("请先完成课程学习，再参加考试".into()));
    }
    if let Some(open) = store::open_attempt(&mut tx, exam.id, account_id).await? {
        if now <= exam::deadline(open.started_at, exam.time_limit_s) {
            let ids = parse_ids(&open.question_ids)?;
            let attempt = attempt_view(&mut tx, &exam, open.id, &ids, open.started_at).await?;
            tx.commit().await?;
            return Ok(attempt);
        }
        // Time ran out without answers: the attempt counts as failed.
        store::finish_attempt(&mut tx, open.id, None, 0, false, now).await?;
    }
    if record.attempts >= exam.max_attempts {
        return Err(Error::Conflict(format!(
            "考试次数已用完（共 {} 次）",
            exam.max_attempts
        )));
    }
    let mut bank = store::active_question_ids(&mut tx, exam.id).await?;
    if bank.is_empty() {
        return Err(Error::Conflict("本考试的题库为空，请联系市网络学院".into()));
    }
    bank.shuffle(&mut rand::thread_rng());
    bank.truncate(usize::try_from(exam.question_count).unwrap_or(1).max(1));
    let ids_text = bank
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let id = store::insert_attempt(&mut tx, exam.id, account_id, &ids_text, now).await?;
    let attempt = attempt_view(&mut tx, &exam, id, &bank, now).await?;
    tx.commit().await?;
    Ok(attempt)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Graded {
    pub score_percent: i64,
    pub passed: bool,
    pub correct: i64,
    pub total: i64,
    pub award: Option<Completion>,
    pub attempts_left: i64,
}

/// An answer sheet handed in too late: not graded. The attempt is recorded as timed out (no
/// answers, score 0, not passed) and counts as one of the learner's attempts.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TimedOut {
    pub submitted_at: i64,
    pub deadline: i64,
    /// Seconds after the deadline that answers were still accepted.
    pub grace_s: i64,
    pub attempts_left: i64,
}

/// What became of an answer sheet.
#[derive(Debug, Clone, serde::Serialize)]
pub enum Submitted {
    Graded(Graded),
    TimedOut(TimedOut),
}

fn attempts_left(exam: &ExamRow, record: &store::Record) -> i64 {
    if record.passed > 0 {
        0
    } else {
        (exam.max_attempts - record.attempts).max(0)
    }
}

/// Grades an attempt. answers: question id → chosen option indexes (0-based; true/false:
/// 0 = 对, 1 = 错). Answers after the deadline and its grace are not graded: the attempt is
/// closed as timed out, and the answer says so (also when it was already closed that way).
pub async fn submit(
    db: &Db,
    actor: &Actor,
    attempt_id: i64,
    answers: &BTreeMap<i64, Vec<usize>>,
    now: i64,
) -> Result<Submitted> {
    let account_id = learner_id(actor)?;
    let mut tx = db.begin().await?;
    let attempt = store::attempt_tx(&mut tx, attempt_id)
        .await?
        .filter(|a| a.account_id == account_id)
        .ok_or_else(|| Error::NotFound(format!("考试记录 {attempt_id}")))?;
    let exam = store::by_id_tx(&mut tx, attempt.exam_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("考试 {}", attempt.exam_id)))?;
    let deadline = exam::deadline(attempt.started_at, exam.time_limit_s);
    let late = attempt.finished_at.is_none() && !exam::in_time(deadline, now);
    // An attempt closed without answers was timed out (here, or by `start` on a return visit).
    let closed_late = attempt.finished_at.is_some() && attempt.answers.is_none();
    if late || closed_late {
        if late && !store::finish_attempt(&mut tx, attempt.id, None, 0, false, now).await? {
            return Err(Error::Conflict("本次考试已交卷".into()));
        }
        let record = store::record(&mut *tx, exam.id, exam.course_id, account_id).await?;
        tx.commit().await?;
        return Ok(Submitted::TimedOut(TimedOut {
            submitted_at: now,
            deadline,
            grace_s: exam::SUBMIT_GRACE_S,
            attempts_left: attempts_left(&exam, &record),
        }));
    }
    if attempt.finished_at.is_some() {
        return Err(Error::Conflict("本次考试已交卷".into()));
    }
    let ids = parse_ids(&attempt.question_ids)?;
    let keys: HashMap<i64, (QuestionKind, String)> = store::questions(&mut tx, exam.id)
        .await?
        .into_iter()
        .filter_map(|q| Some((q.id, (QuestionKind::from_code(&q.kind)?, q.answer))))
        .collect();
    let correct = ids
        .iter()
        .filter(|id| match (keys.get(id), answers.get(id)) {
            (Some((kind, key)), Some(chosen)) => exam::is_correct(*kind, key, chosen),
            _ => false,
        })
        .count() as i64;
    let total = ids.len() as i64;
    let score = exam::score_percent(correct, total);
    let passed = exam::is_pass(score, exam.pass_percent);
    let sheet: BTreeMap<i64, &Vec<usize>> = answers
        .iter()
        .filter(|(id, _)| ids.contains(id))
        .map(|(id, v)| (*id, v))
        .collect();
    let sheet = serde_json::to_string(&sheet).map_err(|e| Error::internal(e.to_string()))?;
    if !store::finish_attempt(&mut tx, attempt.id, Some(&sheet), score, passed, now).await? {
        return Err(Error::Conflict("本次考试已交卷".into()));
    }
    let award = if passed {
        let award = ledger::pass_exam_tx(&mut tx, account_id, exam.id, now).await?;
        Completion::of(&award, Bucket::Exam)
    } else {
        None
    };
    let record = store::record(&mut *tx, exam.id, exam.course_id, account_id).await?;
    let moved: &[Topic] = if passed { &[Topic::Ledger] } else { &[] };
    changes::commit(db, tx, moved).await?;
    Ok(Submitted::Graded(Graded {
        score_percent: score,
        passed,
        correct,
        total,
        award,
        attempts_left: attempts_left(&exam, &record),
    }))
}

/// A course's exam settings as staff read and change them (the 课程 form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExamSettings {
    /// Questions drawn per attempt.
    pub questions: i64,
    pub pass_percent: i64,
    pub attempts: i64,
    pub bonus: Tenths,
}

/// A course's exam as staff see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffExam {
    pub title: String,
    pub settings: ExamSettings,
    /// Questions in the current bank: the most an attempt may draw.
    pub bank: i64,
}

fn settings_of(e: &ExamRow) -> ExamSettings {
    ExamSettings {
        questions: e.question_count,
        pass_percent: e.pass_percent,
        attempts: e.max_attempts,
        bonus: Tenths(e.bonus_tenths),
    }
}

/// The exam of a course (None: it has none), for staff.
pub async fn of_course(db: &Db, actor: &Actor, course_code: &str) -> Result<Option<StaffExam>> {
    if !actor.is_staff() {
        return Err(Error::Forbidden("查看考试设置仅限管理人员".into()));
    }
    let course = course_id(db, course_code).await?;
    let Some(exam) = store::by_course(db.reader(), course).await? else {
        return Ok(None);
    };
    Ok(Some(StaffExam {
        title: exam.title.clone(),
        settings: settings_of(&exam),
        bank: store::bank_size(db.reader(), exam.id).await?,
    }))
}

/// Each setting's problem against the bank, in Chinese (None: fine), by the bounds
/// `exam import` checks: the form shows them as typed, `set_settings_tx` refuses on any.
pub fn setting_errors(s: &ExamSettings, bank: i64) -> [Option<String>; 4] {
    let draw = match exam::check_setting(s.questions, 1, bank.max(1)) {
        Err(_) if bank < 1 => Err("题库没有题目，先导入题库".to_string()),
        r => r.map_err(|e| format!("{e}，题库共 {bank} 道")),
    };
    [
        draw.err(),
        exam::check_setting(s.pass_percent, exam::PASS_PERCENT.0, exam::PASS_PERCENT.1).err(),
        exam::check_setting(s.attempts, exam::ATTEMPTS.0, exam::ATTEMPTS.1).err(),
        exam::check_bonus(s.bonus).err(),
    ]
}

/// Changes the settings of the course's exam inside the caller's transaction (the catalogue
/// change that carries them checks the actor); false when they are as they were. Credits
/// already earned by passing stay as earned (the ledger is append-only).
pub(crate) async fn set_settings_tx(
    tx: &mut Tx,
    actor: &Actor,
    course: &CourseRow,
    new: &ExamSettings,
    now: i64,
) -> Result<bool> {
    let exam = store::by_course(&mut **tx, course.id)
        .await?
        .ok_or_else(|| {
            Error::invalid(
                "考试",
                format!(
                    "课程 {} 还没有考试：先用 exam import {} 导入题库",
                    course.code, course.code
                ),
            )
        })?;
    let old = settings_of(&exam);
    if old == *new {
        return Ok(false);
    }
    let bank = store::bank_size(&mut **tx, exam.id).await?;
    const FIELDS: [&str; 4] = ["每次抽题", "及格分", "考试次数", "奖励学分"];
    if let Some((field, e)) = FIELDS
        .iter()
        .zip(setting_errors(new, bank))
        .find_map(|(f, e)| e.map(|e| (*f, e)))
    {
        return Err(Error::invalid(field, e));
    }
    store::update_settings(
        tx,
        exam.id,
        new.questions,
        new.pass_percent,
        new.attempts,
        new.bonus.0,
    )
    .await?;
    let describe = |s: &ExamSettings| {
        format!(
            "每次抽 {} 道；及格 {} 分；{} 次机会；奖励 {} 学分",
            s.questions, s.pass_percent, s.attempts, s.bonus
        )
    };
    audit::write(
        tx,
        &AuditEntry {
            action: "exam.settings",
            target: format!("course:{}", course.code),
            before: Some(describe(&old)),
            after: Some(describe(new)),
            detail: String::new(),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    Ok(true)
}

/// Exam settings given with an import; None keeps the current value (or the default for a new
/// exam: 5 questions, pass at 60 %, 3 attempts, 1.0 bonus credit).
#[derive(Debug, Clone, Default)]
pub struct ImportSettings {
    pub questions: Option<i64>,
    pub pass_percent: Option<i64>,
    pub attempts: Option<i64>,
    pub bonus: Option<Tenths>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub course_code: String,
    pub exam_id: i64,
    pub created: bool,
    pub questions: usize,
    pub retired: u64,
    pub draw: i64,
}

/// Replaces a course's question bank (creating the exam if it has none) from a CSV or JSON bank
/// (docs/exams.md). College or office only; audited. Nothing is saved if any row is bad.
pub async fn import(
    db: &Db,
    actor: &Actor,
    course_code: &str,
    bank_text: &str,
    settings: &ImportSettings,
    now: i64,
) -> Result<Imported> {
    actor.require_catalog("导入考试题库")?;
    let bank = parse_checked(bank_text, settings).await?;
    let course_id = course_id(db, course_code).await?;
    let mut tx = db.begin().await?;
    let course = courses::by_id_tx(&mut tx, course_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("课程 {course_code}")))?;
    let existing = store::by_course(&mut *tx, course_id).await?;
    let created = existing.is_none();
    let (exam_id, draw, retired) = match existing {
        Some(e) => update_exam(&mut tx, &e, settings, bank.len()).await?,
        None => create_exam(&mut tx, &course, settings, bank.len(), now).await?,
    };
    for (i, q) in bank.iter().enumerate() {
        courses::insert_question(
            &mut tx,
            exam_id,
            q.kind.code(),
            &q.stem,
            &q.options.join("\n"),
            &q.answer,
            i as i64,
        )
        .await?;
    }
    audit::write(
        &mut tx,
        &AuditEntry {
            action: "exam.import",
            target: format!("course:{}", course.code),
            before: (!created).then(|| format!("{retired} 道题")),
            after: Some(format!("{} 道题，每次抽 {draw} 道", bank.len())),
            detail: String::new(),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Catalog]).await?;
    Ok(Imported {
        course_code: course.code,
        exam_id,
        created,
        questions: bank.len(),
        retired,
        draw,
    })
}

/// The bank parsed (off the runtime: it may be large) and the settings checked against it.
async fn parse_checked(bank_text: &str, settings: &ImportSettings) -> Result<Vec<BankQuestion>> {
    let owned = bank_text.to_owned();
    let bank = super::off_runtime(move || exam::parse_bank(&owned))
        .await?
        .map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
            Error::invalid(
                "题库",
                format!(
                    "{} 处错误，未导入任何题目：\n{}",
                    errors.len(),
                    lines.join("\n")
                ),
            )
        })?;
    let (pass, attempts) = (exam::PASS_PERCENT, exam::ATTEMPTS);
    check_range("--pass", settings.pass_percent, pass.0, pass.1)?;
    check_range("--attempts", settings.attempts, attempts.0, attempts.1)?;
    check_range("--questions", settings.questions, 1, bank.len() as i64)?;
    if let Some(b) = settings.bonus {
        exam::check_bonus(b).map_err(|e| Error::invalid("--bonus", e))?;
    }
    Ok(bank)
}

/// An exam already there: its settings changed where given, its old questions retired.
/// Returns (exam id, questions drawn, questions retired).
async fn update_exam(
    tx: &mut Tx,
    e: &ExamRow,
    settings: &ImportSettings,
    bank_len: usize,
) -> Result<(i64, i64, u64)> {
    let draw = settings.questions.unwrap_or(e.question_count);
    if draw > bank_len as i64 {
        return Err(Error::invalid(
            "--questions",
            format!("每次抽题 {draw} 道，但题库只有 {bank_len} 道"),
        ));
    }
    store::update_settings(
        tx,
        e.id,
        draw,
        settings.pass_percent.unwrap_or(e.pass_percent),
        settings.attempts.unwrap_or(e.max_attempts),
        settings.bonus.map_or(e.bonus_tenths, |b| b.0),
    )
    .await?;
    let retired = store::retire_questions(tx, e.id).await?;
    Ok((e.id, draw, retired))
}

/// A new exam for the course, with the defaults (`exam::Defaults`) where the settings say nothing.
/// Returns (exam id, questions drawn, 0 retired).
async fn create_exam(
    tx: &mut Tx,
    course: &CourseRow,
    settings: &ImportSettings,
    bank_len: usize,
    now: i64,
) -> Result<(i64, i64, u64)> {
    let d = exam::Defaults::STANDARD;
    let draw = settings
        .questions
        .unwrap_or(d.questions)
        .min(bank_len as i64);
    let id = courses::insert_exam(
        tx,
        &NewExam {
            course_id: course.id,
            title: &exam::exam_title(&course.title),
            question_count: draw,
            pass_percent: settings.pass_percent.unwrap_or(d.pass_percent),
            max_attempts: settings.attempts.unwrap_or(d.attempts),
            bonus_tenths: settings.bonus.unwrap_or(d.bonus).0,
        },
        now,
    )
    .await?;
    Ok((id, draw, 0))
}

fn check_range(field: &str, value: Option<i64>, min: i64, max: i64) -> Result<()> {
    match value {
        Some(v) if v < min || v > max => Err(Error::invalid(
            field,
            format!("{v} 超出范围（应在 {min} 到 {max} 之间）"),
        )),
        _ => Ok(()),
    }
}

async fn attempt_view(
    tx: &mut Tx,
    exam: &ExamRow,
    attempt_id: i64,
    ids: &[i64],
    started_at: i64,
) -> Result<Attempt> {
    let by_id: HashMap<i64, store::QuestionRow> = store::questions(tx, exam.id)
        .await?
        .into_iter()
        .map(|q| (q.id, q))
        .collect();
    let questions = ids
        .iter()
        .map(|id| {
            let q = by_id
                .get(id)
                .ok_or_else(|| Error::internal(format!("试题 {id} 不存在")))?;
            Ok(Question {
                id: q.id,
                kind: q.kind.clone(),
                text: q.stem.clone(),
                options: q.options.lines().map(str::to_string).collect(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Attempt {
        attempt_id,
        questions,
        time_limit_s: exam.time_limit_s,
        deadline: exam::deadline(started_at, exam.time_limit_s),
    })
}

fn parse_ids(text: &str) -> Result<Vec<i64>> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|_| Error::internal(format!("考试记录的题号“{s}”无效")))
        })
        .collect()
}

fn learner_id(actor: &Actor) -> Result<i64> {
    actor
        .account_id
        .ok_or_else(|| Error::Forbidden("只有学员可以参加考试".into()))
}

/// A course learners may see: only a published one (a draft or retired course's exam is closed).
async fn published_course_id(db: &Db, code: &str) -> Result<i64> {
    let code = code.trim();
    courses::by_code(db.reader(), code)
        .await?
        .filter(|c| c.status == CourseStatus::Published.code())
        .map(|c| c.id)
        .ok_or_else(|| Error::NotFound(format!("课程 {code}")))
}

async fn course_id(db: &Db, code: &str) -> Result<i64> {
    let code = code.trim();
    courses::id_by_code(db.reader(), code)
        .await?
        .ok_or_else(|| Error::NotFound(format!("课程 {code}")))
}
