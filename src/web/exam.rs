//! Exam pages (no JavaScript needed): the exam's terms, an attempt's questions as one form with
//! its time limit and deadline, the graded result or why a late sheet was not graded. Drawing,
//! grading, limits and the bonus are decided by `app::exams`. `exam.js` only counts down, and
//! hands the sheet in at zero.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::app::{self, exams};
use crate::rules::calendar::datetime_seconds_cst;
use crate::rules::exam::QuestionKind;

use super::Web;
use super::csrf::CsrfForm;
use super::pages::TokenOnly;
use super::pages::{Chrome, WebError, asset, render};
use super::session::Me;

const EXAM_JS: &str = include_str!("exam.js");

pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", EXAM_JS)
}

/// "30 分钟", "1 分 30 秒".
fn duration_text(s: i64) -> String {
    match (s / 60, s % 60) {
        (m, 0) => format!("{m} 分钟"),
        (0, r) => format!("{r} 秒"),
        (m, r) => format!("{m} 分 {r} 秒"),
    }
}

/// "29:05", "1:02:03": a countdown.
fn clock_text(s: i64) -> String {
    let s = s.max(0);
    match s / 3600 {
        0 => format!("{}:{:02}", s / 60, s % 60),
        h => format!("{h}:{:02}:{:02}", s % 3600 / 60, s % 60),
    }
}

#[derive(Template)]
#[template(path = "exam.html")]
struct ExamPage {
    chrome: Option<Chrome>,
    info: exams::ExamInfo,
    limit: String,
    can_start: bool,
}

struct OptionView {
    index: usize,
    /// "A. " before a choice; nothing before 对 / 错.
    mark: String,
    text: String,
}

struct QuestionView {
    number: usize,
    id: i64,
    text: String,
    kind: &'static str,
    multiple: bool,
    options: Vec<OptionView>,
}

impl QuestionView {
    fn of(number: usize, q: exams::Question) -> QuestionView {
        let kind = QuestionKind::from_code(&q.kind);
        let lettered = kind != Some(QuestionKind::TrueFalse);
        QuestionView {
            number,
            id: q.id,
            kind: kind.map_or("", QuestionKind::label),
            multiple: kind == Some(QuestionKind::Multiple),
            text: q.text,
            options: q
                .options
                .into_iter()
                .enumerate()
                .map(|(index, text)| OptionView {
                    index,
                    mark: match u8::try_from(index) {
                        Ok(i) if lettered && i < 26 => format!("{}. ", char::from(b'A' + i)),
                        _ => String::new(),
                    },
                    text,
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "attempt.html")]
struct AttemptPage {
    chrome: Option<Chrome>,
    code: String,
    attempt_id: i64,
    limit: String,
    deadline: String,
    remaining_s: i64,
    remaining: String,
    questions: Vec<QuestionView>,
}

#[derive(Template)]
#[template(path = "graded.html")]
struct GradedPage {
    chrome: Option<Chrome>,
    code: String,
    graded: exams::Graded,
}

#[derive(Template)]
#[template(path = "late.html")]
struct LatePage {
    chrome: Option<Chrome>,
    code: String,
    submitted: String,
    deadline: String,
    grace_s: i64,
    attempts_left: i64,
}

async fn chrome(web: &Web, me: &Me) -> Result<Option<Chrome>, app::Error> {
    let name = me.actor().real_name(web.db()).await?;
    Ok(Chrome::of(me, name, "courses"))
}

pub async fn info(
    State(web): State<Web>,
    me: Me,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let info = exams::info(web.db(), me.actor(), &code)
        .await?
        .ok_or_else(|| app::Error::NotFound(format!("课程 {code} 的考试")))?;
    let chrome = chrome(&web, &me).await?;
    Ok(render(&ExamPage {
        can_start: info.can_start(),
        chrome,
        limit: duration_text(info.time_limit_s),
        info,
    }))
}

pub async fn start(
    State(web): State<Web>,
    Path(code): Path<String>,
    CsrfForm(me, _): CsrfForm<TokenOnly>,
) -> Result<Response, WebError> {
    let now = web.now();
    let attempt = exams::start(web.db(), me.actor(), &code, now).await?;
    let chrome = chrome(&web, &me).await?;
    Ok(render(&AttemptPage {
        chrome,
        code,
        attempt_id: attempt.attempt_id,
        limit: duration_text(attempt.time_limit_s),
        deadline: datetime_seconds_cst(attempt.deadline),
        remaining_s: (attempt.deadline - now).max(0),
        remaining: clock_text(attempt.deadline - now),
        questions: attempt
            .questions
            .into_iter()
            .enumerate()
            .map(|(i, q)| QuestionView::of(i + 1, q))
            .collect(),
    }))
}

/// The answer form's fields, `q<id>=<option index>` (repeated for multiple choice), as answers.
fn answers_of(fields: &[(String, String)]) -> BTreeMap<i64, Vec<usize>> {
    let mut out: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (name, value) in fields {
        let (Some(id), Ok(option)) = (
            name.strip_prefix('q').and_then(|n| n.parse::<i64>().ok()),
            value.parse::<usize>(),
        ) else {
            continue;
        };
        out.entry(id).or_default().push(option);
    }
    out
}

pub async fn submit(
    State(web): State<Web>,
    Path((code, attempt_id)): Path<(String, i64)>,
    CsrfForm(me, fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let answers = answers_of(&fields);
    let submitted = exams::submit(web.db(), me.actor(), attempt_id, &answers, web.now()).await?;
    let chrome = chrome(&web, &me).await?;
    Ok(match submitted {
        exams::Submitted::Graded(graded) => render(&GradedPage {
            chrome,
            code,
            graded,
        }),
        exams::Submitted::TimedOut(late) => render(&LatePage {
            chrome,
            code,
            submitted: datetime_seconds_cst(late.submitted_at),
            deadline: datetime_seconds_cst(late.deadline),
            grace_s: late.grace_s,
            attempts_left: late.attempts_left,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_become_answers() {
        let f = |k: &str, v: &str| (k.to_string(), v.to_string());
        let a = answers_of(&[
            f("csrf", "x"),
            f("q7", "1"),
            f("q9", "0"),
            f("q9", "2"),
            f("qx", "1"),
            f("q3", "y"),
        ]);
        assert_eq!(a.get(&7), Some(&vec![1]));
        assert_eq!(a.get(&9), Some(&vec![0, 2]));
        assert_eq!(a.len(), 2);
    }

    #[test]
    fn limits_and_countdowns_read_as_people_say_them() {
        assert_eq!(duration_text(1800), "30 分钟");
        assert_eq!(duration_text(90), "1 分 30 秒");
        assert_eq!(duration_text(45), "45 秒");
        assert_eq!(clock_text(1745), "29:05");
        assert_eq!(clock_text(3723), "1:02:03");
        assert_eq!(clock_text(-5), "0:00");
    }
}
