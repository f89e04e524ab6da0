//! Exams on both databases: a learner who completed the course draws questions, the server
//! grades, a pass earns the bonus once, the attempt limit holds; the college imports a bank with
//! `exam import`, and a bad bank saves nothing.

mod common;

use std::collections::BTreeMap;

use common::{NOW, TestDb, learner, ledger_entries, staff};
use wangyuan::app::actor::RoleKind;
use wangyuan::app::exams::{self, Attempt, Graded, Submitted, TimedOut};
use wangyuan::app::{Actor, Error, ledger};
use wangyuan::rules::exam::{QuestionKind, key_indexes};
use wangyuan::store::Db;

/// (course code, course id, exam id) of the first course with an exam.
async fn exam_course(db: &Db) -> (String, i64, i64) {
    sqlx::query_as(
        "SELECT c.code, c.id, e.id FROM exams e JOIN courses c ON c.id = e.course_id \
         ORDER BY c.code LIMIT 1",
    )
    .fetch_one(db.reader())
    .await
    .expect("exam course")
}

/// The right answers to an attempt, read from the bank.
async fn right_answers(db: &Db, attempt: &Attempt) -> BTreeMap<i64, Vec<usize>> {
    let mut out = BTreeMap::new();
    for q in &attempt.questions {
        let (kind, key): (String, String) =
            sqlx::query_as("SELECT kind, answer FROM exam_questions WHERE id = $1")
                .bind(q.id)
                .fetch_one(db.reader())
                .await
                .expect("question");
        let kind = QuestionKind::from_code(&kind).expect("kind");
        out.insert(q.id, key_indexes(kind, &key).expect("key"));
    }
    out
}

fn wrong_answers(attempt: &Attempt) -> BTreeMap<i64, Vec<usize>> {
    attempt.questions.iter().map(|q| (q.id, vec![])).collect()
}

fn graded_of(s: Submitted) -> Graded {
    match s {
        Submitted::Graded(g) => g,
        Submitted::TimedOut(t) => panic!("not graded: {t:?}"),
    }
}

fn timed_out(s: Submitted) -> TimedOut {
    match s {
        Submitted::TimedOut(t) => t,
        Submitted::Graded(g) => panic!("graded: {g:?}"),
    }
}

/// The exam course's code and the first learner, who has completed the course.
async fn ready_learner(db: &Db) -> (String, Actor) {
    let (code, course_id, _) = exam_course(db).await;
    let me = learner(db, 0).await;
    ledger::complete_course(db, me.account_id.expect("id"), course_id, NOW)
        .await
        .expect("complete");
    (code, me)
}

#[tokio::test]
async fn passing_earns_the_bonus_once_and_the_attempt_limit_holds() {
    for t in TestDb::with_city(3).await {
        let (code, course_id, _) = exam_course(&t.db).await;
        let me = learner(&t.db, 0).await;
        let id = me.account_id.expect("id");

        let info = exams::info(&t.db, &me, &code)
            .await
            .expect("info")
            .expect("exam");
        assert!(!info.course_completed && !info.passed);
        let err = exams::start(&t.db, &me, &code, NOW)
            .await
            .expect_err("not completed");
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");

        ledger::complete_course(&t.db, id, course_id, NOW)
            .await
            .expect("complete");
        let first = exams::start(&t.db, &me, &code, NOW).await.expect("start");
        assert_eq!(first.questions.len() as i64, info.questions);
        assert_eq!((first.deadline, first.time_limit_s), (NOW + 1800, 1800));
        assert_eq!(info.time_limit_s, 1800);
        // Reloading returns the same attempt and questions.
        let again = exams::start(&t.db, &me, &code, NOW + 10)
            .await
            .expect("again");
        assert_eq!(again.attempt_id, first.attempt_id);
        let ids = |a: &Attempt| a.questions.iter().map(|q| q.id).collect::<Vec<_>>();
        assert_eq!(ids(&again), ids(&first));

        let answers = right_answers(&t.db, &first).await;
        let graded = graded_of(
            exams::submit(&t.db, &me, first.attempt_id, &answers, NOW + 60)
                .await
                .expect("submit"),
        );
        assert!(graded.passed, "{}: {graded:?}", t.name);
        assert_eq!((graded.score_percent, graded.correct), (100, graded.total));
        let award = graded.award.expect("award");
        assert_eq!(
            (award.credits.as_str(), award.bucket.as_str()),
            ("1.0", "考试")
        );
        assert_eq!(ledger_entries(&t.db, id, "exam").await, 1);
        // Submitting again or starting again is refused; no second bonus.
        let err = exams::submit(&t.db, &me, first.attempt_id, &answers, NOW + 61)
            .await
            .expect_err("twice");
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
        assert!(exams::start(&t.db, &me, &code, NOW + 70).await.is_err());
        assert_eq!(ledger_entries(&t.db, id, "exam").await, 1);
        let info = exams::info(&t.db, &me, &code)
            .await
            .expect("info")
            .expect("exam");
        assert!(info.passed && info.course_completed);
        assert_eq!(info.attempts_used, 1);

        // Another learner fails every allowed attempt.
        let other = learner(&t.db, 1).await;
        let other_id = other.account_id.expect("id");
        ledger::complete_course(&t.db, other_id, course_id, NOW)
            .await
            .expect("complete");
        // Someone else's attempt is not theirs to submit.
        let err = exams::submit(&t.db, &other, first.attempt_id, &answers, NOW)
            .await
            .expect_err("not mine");
        assert!(matches!(err, Error::NotFound(_)), "{err:?}");
        for left in (0..info.attempts_allowed).rev() {
            let a = exams::start(&t.db, &other, &code, NOW + 100)
                .await
                .expect("start");
            let g = graded_of(
                exams::submit(&t.db, &other, a.attempt_id, &wrong_answers(&a), NOW + 200)
                    .await
                    .expect("submit"),
            );
            assert_eq!(
                (g.passed, g.score_percent, g.attempts_left),
                (false, 0, left)
            );
            assert!(g.award.is_none());
        }
        let err = exams::start(&t.db, &other, &code, NOW + 300)
            .await
            .expect_err("used up");
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");
        assert_eq!(ledger_entries(&t.db, other_id, "exam").await, 0);
    }
}

#[tokio::test]
async fn right_answers_after_the_deadline_fail() {
    for t in TestDb::with_city(2).await {
        let (code, me) = ready_learner(&t.db).await;
        let id = me.account_id.expect("id");
        let a = exams::start(&t.db, &me, &code, NOW).await.expect("start");
        let answers = right_answers(&t.db, &a).await;
        let late = timed_out(
            exams::submit(&t.db, &me, a.attempt_id, &answers, NOW + 1800 + 61)
                .await
                .expect("late"),
        );
        assert_eq!(
            (late.submitted_at, late.deadline, late.grace_s),
            (NOW + 1861, NOW + 1800, 60),
            "{}",
            t.name
        );
        assert_eq!(late.attempts_left, 2, "{}", t.name);
        assert_eq!(ledger_entries(&t.db, id, "exam").await, 0);
        // Recorded as timed out: finished, no answers, 0, not passed.
        let row: (Option<i64>, Option<String>, Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT finished_at, answers, score, passed FROM exam_attempts WHERE id = $1",
        )
        .bind(a.attempt_id)
        .fetch_one(t.db.reader())
        .await
        .expect("attempt row");
        assert_eq!(
            row,
            (Some(NOW + 1861), None, Some(0), Some(0)),
            "{}",
            t.name
        );
        // Sending the sheet again gets the same answer and records nothing new.
        let again = timed_out(
            exams::submit(&t.db, &me, a.attempt_id, &answers, NOW + 1900)
                .await
                .expect("again"),
        );
        assert_eq!((again.deadline, again.attempts_left), (NOW + 1800, 2));
        // The last second of the grace still counts.
        let b = exams::start(&t.db, &me, &code, NOW + 2000)
            .await
            .expect("start");
        let answers = right_answers(&t.db, &b).await;
        let g = graded_of(
            exams::submit(&t.db, &me, b.attempt_id, &answers, NOW + 2000 + 1800 + 60)
                .await
                .expect("in the grace"),
        );
        assert!(g.passed, "{}: {g:?}", t.name);
    }
}

#[tokio::test]
async fn an_abandoned_attempt_is_closed_as_timed_out() {
    for t in TestDb::with_city(2).await {
        let (code, me) = ready_learner(&t.db).await;
        // An attempt abandoned past its deadline is closed and a new one is drawn.
        let b = exams::start(&t.db, &me, &code, NOW + 4000)
            .await
            .expect("start");
        let c = exams::start(&t.db, &me, &code, NOW + 4000 + 1801)
            .await
            .expect("start");
        assert_ne!(b.attempt_id, c.attempt_id);
        // The abandoned page's sheet, sent after all, is told why it does not count.
        let answers = right_answers(&t.db, &b).await;
        let late = timed_out(
            exams::submit(&t.db, &me, b.attempt_id, &answers, NOW + 6000)
                .await
                .expect("late"),
        );
        assert_eq!(
            (late.deadline, late.attempts_left),
            (NOW + 4000 + 1800, 1),
            "{}",
            t.name
        );
    }
}

async fn run(db: &Db, actor: &Actor, line: &str, stdin: &str) -> (i32, String, String) {
    common::cmd::run_text(db, actor, line, stdin).await
}

async fn bank_size(db: &Db, course: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT CAST(SUM(1 - q.retired) AS BIGINT), e.question_count FROM exam_questions q \
         JOIN exams e ON e.id = q.exam_id JOIN courses c ON c.id = e.course_id \
         WHERE c.code = $1 GROUP BY e.question_count",
    )
    .bind(course)
    .fetch_optional(db.reader())
    .await
    .expect("bank")
    .unwrap_or((0, 0))
}

const BANK: &str = "题型,题干,选项A,选项B,选项C,答案\n\
                    单选,一学时多少分钟？,30,45,60,B\n\
                    多选,年度学分包括？,必修,选修,考试,ABC\n\
                    判断,选修课1学时计1学分。,,,,错\n";

#[tokio::test]
async fn the_college_imports_a_bank_and_a_bad_one_saves_nothing() {
    for t in TestDb::with_city(2).await {
        let college = staff(&t.db, RoleKind::College, "college", None).await;
        let unit = staff(&t.db, RoleKind::Unit, "liaison", Some("LX")).await;
        let (with_exam, course_id, _) = exam_course(&t.db).await;
        let plain: String = sqlx::query_scalar(
            "SELECT code FROM courses WHERE id NOT IN (SELECT course_id FROM exams) ORDER BY code LIMIT 1",
        )
        .fetch_one(t.db.reader())
        .await
        .expect("course without exam");

        // A new exam on a course without one.
        let (code, out, err) = run(
            &t.db,
            &college,
            &format!("exam import {plain} --questions 2 --bonus 0.5 --format json"),
            BANK,
        )
        .await;
        assert_eq!(code, 0, "{err}");
        let rows: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(rows[0]["questions"], 3);
        assert_eq!(rows[0]["created"], true);
        assert_eq!(bank_size(&t.db, &plain).await, (3, 2));

        // Replacing an existing bank retires the old questions.
        let before = bank_size(&t.db, &with_exam).await;
        assert!(before.0 > 3);
        let (code, _, err) = run(
            &t.db,
            &college,
            &format!("exam import {with_exam} --questions 3"),
            BANK,
        )
        .await;
        assert_eq!(code, 0, "{err}");
        assert_eq!(bank_size(&t.db, &with_exam).await, (3, 3));
        let me = learner(&t.db, 0).await;
        ledger::complete_course(&t.db, me.account_id.expect("id"), course_id, NOW)
            .await
            .expect("complete");
        let a = exams::start(&t.db, &me, &with_exam, NOW)
            .await
            .expect("start");
        let stems: Vec<&str> = a.questions.iter().map(|q| q.text.as_str()).collect();
        assert_eq!(stems.len(), 3);
        assert!(stems.contains(&"一学时多少分钟？"), "{stems:?}");

        // Bad rows: every one named, nothing saved.
        let bad = "题型,题干,选项A,选项B,答案\n单选,好题,甲,乙,A\n单选,,甲,乙,A\n问答,坏,甲,乙,A\n";
        let (code, out, err) = run(&t.db, &college, &format!("exam import {plain}"), bad).await;
        assert_eq!(code, 2);
        assert!(out.is_empty());
        assert!(err.contains("第 3 行") && err.contains("第 4 行"), "{err}");
        assert!(!err.contains("第 2 行"), "{err}");
        assert_eq!(bank_size(&t.db, &plain).await, (3, 2));
        // Asking to draw more than the bank holds.
        let (code, _, err) = run(
            &t.db,
            &college,
            &format!("exam import {plain} --questions 9"),
            BANK,
        )
        .await;
        assert_eq!(code, 2, "{err}");
        // JSON works too.
        let json = r#"[{"kind":"判断","stem":"对吗？","answer":"对"},{"kind":"single","stem":"选","options":["甲","乙"],"answer":"A"}]"#;
        let (code, _, err) = run(
            &t.db,
            &college,
            &format!("exam import {plain} --questions 1"),
            json,
        )
        .await;
        assert_eq!(code, 0, "{err}");
        assert_eq!(bank_size(&t.db, &plain).await, (2, 1));
        // Unit staff and learners may not; unknown course is not found.
        let (code, _, _) = run(&t.db, &unit, &format!("exam import {plain}"), BANK).await;
        assert_eq!(code, 3);
        let (code, _, _) = run(&t.db, &me, &format!("exam import {plain}"), BANK).await;
        assert_eq!(code, 3);
        let (code, _, _) = run(&t.db, &college, "exam import NOPE", BANK).await;
        assert_eq!(code, 4);
    }
}
