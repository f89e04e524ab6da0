//! Special training classes on the learner site (issue 14 point 6): "我的培训班" on the home page
//! (the lines built here, the section in `home.html`), a graduate's printable 结业证书, and the
//! public check of a certificate's verification code (`/verify/CODE`, no sign-in).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::classes::{self, ClassStatus, CourseCell, MyClass};
use crate::app::learner;
use crate::rules::calendar::date_cst;

use super::Web;
use super::answer::{Chrome, WebError, id_in_path, render};
use super::session::{Me, Peer};

/// Verification lookups allowed per address per minute: enough for a clerk checking a pile of
/// certificates, too few to walk the code space (31^12 codes).
pub const VERIFY_PER_MINUTE: u32 = 30;

/// The longest code text looked at; anything longer is refused unread (a code is 12 characters).
const MAX_CODE_TEXT: usize = 32;

// ---- "我的培训班" on the home page ----

pub struct CourseLine {
    pub code: String,
    pub title: String,
    /// A retired course keeps its place in the class but has no page to open.
    pub published: bool,
    pub hours: i64,
    pub progress: String,
    /// `done`, `part` or `none`: the catalogue's status colours.
    pub class: &'static str,
}

pub struct ClassLine {
    pub id: i64,
    pub title: String,
    pub organiser: String,
    pub status: &'static str,
    pub first_day: String,
    pub last_day: String,
    /// "还剩 12 天", "6 月 1 日开班，共 30 天", "已结束".
    pub when: String,
    pub graduated_on: Option<String>,
    pub done: usize,
    pub total: usize,
    /// "党的建设类选修 2.0 学分", when the class asks for it.
    pub min_elective: Option<String>,
    pub courses: Vec<CourseLine>,
}

fn progress(cell: CourseCell) -> (String, &'static str) {
    match cell {
        CourseCell::Done(at) => (format!("已完成（{}）", date_cst(at)), "done"),
        CourseCell::Outside(at) => (
            format!("{} 完成，在班期之外，不计入结业", date_cst(at)),
            "none",
        ),
        CourseCell::InProgress(p) => (format!("已学 {p}%"), "part"),
        CourseCell::NotStarted => ("未开始".into(), "none"),
    }
}

fn when(c: &MyClass, now: i64) -> String {
    if c.status == ClassStatus::Closed || c.days_left == 0 {
        "已结束".into()
    } else if now < c.dates.starts_at {
        format!("{} 开班，共 {} 天", c.dates.first_day(), c.dates.days())
    } else {
        format!("还剩 {} 天", c.days_left)
    }
}

/// The home page's lines for my classes.
pub fn lines(classes: Vec<MyClass>, now: i64) -> Vec<ClassLine> {
    classes
        .into_iter()
        .map(|c| {
            let courses: Vec<CourseLine> = c
                .courses
                .iter()
                .map(|m| {
                    let (progress, class) = progress(m.cell);
                    CourseLine {
                        code: m.course.code.clone(),
                        title: m.course.title.clone(),
                        published: m.course.published,
                        hours: m.course.hours,
                        progress,
                        class,
                    }
                })
                .collect();
            ClassLine {
                when: when(&c, now),
                id: c.id,
                title: c.title,
                organiser: c.organiser,
                status: c.status.label(),
                first_day: c.dates.first_day(),
                last_day: c.dates.last_day(),
                graduated_on: c.graduated_at.map(date_cst),
                done: c
                    .courses
                    .iter()
                    .filter(|m| matches!(m.cell, CourseCell::Done(_)))
                    .count(),
                total: courses.len(),
                min_elective: c
                    .min_elective
                    .map(|m| format!("{}类选修 {} 学分", m.category.label(), m.tenths)),
                courses,
            }
        })
        .collect()
}

// ---- the certificate ----

struct CertificateCourse {
    code: String,
    title: String,
    hours: i64,
}

#[derive(Template)]
#[template(path = "class_certificate.html")]
struct CertificatePage {
    chrome: Option<Chrome>,
    name: String,
    class_title: String,
    organiser: String,
    first_day: String,
    last_day: String,
    courses: Vec<CertificateCourse>,
    total_hours: i64,
    serial: String,
    code: String,
    graduated_on: String,
}

/// A class id as typed in the address: digits only, bounded.
fn class_id(text: &str) -> Result<i64, WebError> {
    id_in_path(text, "该培训班")
}

/// `/classes/{id}/certificate`: the A4 page, for a graduate of that class only.
pub async fn certificate(
    State(web): State<Web>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = class_id(&id)?;
    let c = learner::class_certificate(web.db(), me.actor(), id).await?;
    Ok(render(&CertificatePage {
        chrome: Chrome::of(&me, c.name.clone(), "home"),
        name: c.name,
        class_title: c.class_title,
        organiser: c.organiser,
        first_day: c.dates.first_day(),
        last_day: c.dates.last_day(),
        courses: c
            .courses
            .into_iter()
            .map(|k| CertificateCourse {
                code: k.code,
                title: k.title,
                hours: k.hours,
            })
            .collect(),
        total_hours: c.total_hours,
        serial: c.serial,
        code: c.code,
        graduated_on: date_cst(c.graduated_at),
    }))
}

// ---- verification, without signing in ----

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    chrome: Option<Chrome>,
    found: Option<classes::Verified>,
    /// Why nothing is shown (a code that is unknown or malformed, too many lookups).
    refusal: Option<&'static str>,
}

fn verify_page(status: StatusCode, page: VerifyPage) -> Response {
    let mut r = render(&page);
    *r.status_mut() = status;
    r
}

#[derive(Deserialize)]
pub struct CodeQuery {
    code: Option<String>,
}

/// `/verify`: the form to type a code in (it sends `?code=`, answered at `/verify/CODE`).
pub async fn verify_form(Query(q): Query<CodeQuery>) -> Response {
    match q.code.map(|c| c.trim().to_string()) {
        // Only code-shaped text goes into the address; anything else is the refusal page.
        Some(code) if !code.is_empty() => {
            let code =
                if code.len() <= MAX_CODE_TEXT && code.chars().all(|c| c.is_ascii_alphanumeric()) {
                    code
                } else {
                    "-".into()
                };
            Redirect::to(&format!("/verify/{code}")).into_response()
        }
        _ => render(&VerifyPage {
            chrome: None,
            found: None,
            refusal: None,
        }),
    }
}

/// `/verify/{code}`: the graduate's name, the class's title and the day, and nothing else. An
/// unknown code and a malformed one get the same answer, so the page tells nothing about which
/// codes exist; each address may ask [`VERIFY_PER_MINUTE`] times a minute.
pub async fn verify(
    State(web): State<Web>,
    Peer(ip): Peer,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    if !web.0.verify_limiter.allow(ip, web.now()) {
        return Ok(verify_page(
            StatusCode::TOO_MANY_REQUESTS,
            VerifyPage {
                chrome: None,
                found: None,
                refusal: Some("查询过于频繁，请一分钟后再试。"),
            },
        ));
    }
    let found = if code.len() <= MAX_CODE_TEXT {
        classes::verify(web.db(), &code).await?
    } else {
        None
    };
    Ok(match found {
        Some(v) => render(&VerifyPage {
            chrome: None,
            found: Some(v),
            refusal: None,
        }),
        None => verify_page(
            StatusCode::NOT_FOUND,
            VerifyPage {
                chrome: None,
                found: None,
                refusal: Some(
                    "未能验证：该验证码不存在、格式不正确，或证书已失效。请核对证书上的 12 位验证码。",
                ),
            },
        ),
    })
}
