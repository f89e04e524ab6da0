//! Exam pages (no JavaScript): the exam's terms, an attempt's questions as one form, the graded
//! result. Drawing, grading, limits and the bonus are decided by `app::exams`.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::app::{self, exams};

use super::Web;
use super::pages::{Chrome, failure, render};
use super::session::{self, Me};

#[derive(Template)]
#[template(path = "exam.html")]
struct ExamPage {
    chrome: Option<Chrome>,
    info: exams::ExamInfo,
    can_start: bool,
}

struct QuestionView {
    number: usize,
    id: i64,
    text: String,
    multiple: bool,
    options: Vec<(usize, String)>,
}

#[derive(Template)]
#[template(path = "attempt.html")]
struct AttemptPage {
    chrome: Option<Chrome>,
    code: String,
    attempt_id: i64,
    questions: Vec<QuestionView>,
}

#[derive(Template)]
#[template(path = "graded.html")]
struct GradedPage {
    chrome: Option<Chrome>,
    code: String,
    graded: exams::Graded,
}

async fn chrome(web: &Web, me: &Me) -> Result<Option<Chrome>, app::Error> {
    let name = me.actor().real_name(web.db()).await?;
    Ok(Chrome::of(me, name, "courses"))
}

pub async fn info(State(web): State<Web>, me: Me, Path(code): Path<String>) -> Response {
    let info = match exams::info(web.db(), me.actor(), &code).await {
        Ok(Some(i)) => i,
        Ok(None) => return failure(app::Error::NotFound(format!("课程 {code} 的考试"))),
        Err(e) => return failure(e),
    };
    let chrome = match chrome(&web, &me).await {
        Ok(c) => c,
        Err(e) => return failure(e),
    };
    render(&ExamPage {
        can_start: info.course_completed
            && !info.passed
            && info.attempts_used < info.attempts_allowed,
        chrome,
        info,
    })
}

#[derive(serde::Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn start(
    State(web): State<Web>,
    me: Me,
    Path(code): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if !me.csrf_ok(&f.csrf) {
        return session::csrf_refused();
    }
    let attempt = match exams::start(web.db(), me.actor(), &code, web.now()).await {
        Ok(a) => a,
        Err(e) => return failure(e),
    };
    let chrome = match chrome(&web, &me).await {
        Ok(c) => c,
        Err(e) => return failure(e),
    };
    render(&AttemptPage {
        chrome,
        code,
        attempt_id: attempt.attempt_id,
        questions: attempt
            .questions
            .into_iter()
            .enumerate()
            .map(|(i, q)| QuestionView {
                number: i + 1,
                id: q.id,
                multiple: q.kind == "multiple",
                text: q.text,
                options: q.options.into_iter().enumerate().collect(),
            })
            .collect(),
    })
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
    me: Me,
    Path((code, attempt_id)): Path<(String, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    if !me.csrf_ok(csrf) {
        return session::csrf_refused();
    }
    let answers = answers_of(&fields);
    let graded = match exams::submit(web.db(), me.actor(), attempt_id, &answers, web.now()).await {
        Ok(g) => g,
        Err(e) => return failure(e),
    };
    let chrome = match chrome(&web, &me).await {
        Ok(c) => c,
        Err(e) => return failure(e),
    };
    render(&GradedPage {
        chrome,
        code,
        graded,
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
}
