//! Page handlers: read the request, call `app/`, render a template.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::catalog::Filter;
use crate::app::{self, auth, learner, sessions};
use crate::rules::Tenths;
use crate::rules::calendar::date_cst;
use crate::rules::catalog::{Category, Source, Vocab, parse};
use crate::rules::credits::CourseKind;
use crate::rules::standing::Bucket;

use super::Web;
use super::answer::error_page;
pub use super::answer::{Chrome, WebError, render};
use super::csrf::{self, CsrfForm};
use super::session::{self, FORM_COOKIE, Me, Peer, SESSION_COOKIE};

const STYLE: &str = include_str!("style.css");

impl Chrome {
    pub fn of(me: &Me, name: String, active: &'static str) -> Option<Chrome> {
        Some(Chrome {
            name,
            csrf: me.csrf.clone(),
            active,
        })
    }
}

pub async fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, "未找到该页面。".into())
}

/// A file of the site's own (stylesheet, script), the same for everyone: may be cached.
pub fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

pub async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

pub(super) async fn real_name(web: &Web, me: &Me) -> Result<String, WebError> {
    Ok(me.actor().real_name(web.db()).await?)
}

// ---- sign-in, sign-out, password ----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Option<Chrome>,
    csrf: String,
    username: String,
    error: Option<String>,
}

fn login_page(web: &Web, status: StatusCode, username: String, error: Option<String>) -> Response {
    let csrf = session::token();
    let jar = axum_extra::extract::cookie::PrivateCookieJar::new(web.0.key.clone())
        .add(session::cookie(web, FORM_COOKIE, csrf.clone()));
    let page = render(&LoginPage {
        chrome: None,
        csrf,
        username,
        error,
    });
    (status, jar, page).into_response()
}

pub async fn login_form(State(web): State<Web>) -> Response {
    login_page(&web, StatusCode::OK, String::new(), None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

pub async fn login(
    State(web): State<Web>,
    Peer(ip): Peer,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let now = web.now();
    if !web.0.limiter.allow(ip, now) {
        return Ok(login_page(
            &web,
            StatusCode::TOO_MANY_REQUESTS,
            f.username,
            Some("尝试过于频繁，请一分钟后再试。".into()),
        ));
    }
    let jar =
        axum_extra::extract::cookie::PrivateCookieJar::from_headers(&headers, web.0.key.clone());
    let expected = jar.get(FORM_COOKIE).map(|c| c.value().to_string());
    if !expected.is_some_and(|t| csrf::same_token(&t, &f.csrf)) {
        return Ok(login_page(
            &web,
            StatusCode::FORBIDDEN,
            f.username,
            Some("页面已过期，请重新输入。".into()),
        ));
    }
    let username = f.username.trim().to_string();
    // A refused sign-in is the form again with why; only a failure of the system is an error.
    let signed =
        match auth::with_password(web.db(), &username, &f.password, &ip.to_string(), now).await? {
            Ok(s) => s,
            Err(denied) => {
                return Ok(login_page(
                    &web,
                    StatusCode::UNAUTHORIZED,
                    username,
                    Some(denied.to_string()),
                ));
            }
        };
    let agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let sid = sessions::start(web.db(), &signed, agent, now).await?;
    let jar = jar
        .remove(session::removal(FORM_COOKIE))
        .add(session::cookie(
            &web,
            SESSION_COOKIE,
            format!("{sid}.{}", session::token()),
        ));
    let to = if signed.must_change { "/password" } else { "/" };
    Ok((jar, Redirect::to(to)).into_response())
}

/// A form that carries nothing but its token (sign-out, starting an exam).
#[derive(Deserialize)]
pub struct TokenOnly {
    pub(super) csrf: String,
}

impl csrf::Posted for TokenOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn logout(
    State(web): State<Web>,
    CsrfForm(me, _): CsrfForm<TokenOnly>,
) -> Result<Response, WebError> {
    // A waiting anti-idle check is missed by signing out (RULES.md).
    app::playback::sign_out(web.db(), me.actor(), web.now()).await?;
    sessions::end(web.db(), &me.session.id).await?;
    let jar = axum_extra::extract::cookie::PrivateCookieJar::new(web.0.key.clone())
        .remove(session::removal(SESSION_COOKIE));
    Ok((jar, Redirect::to("/login")).into_response())
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    chrome: Option<Chrome>,
    forced: bool,
    error: Option<String>,
}

pub async fn password_form(State(web): State<Web>, me: Me) -> Result<Response, WebError> {
    let name = real_name(&web, &me).await?;
    Ok(render(&PasswordPage {
        forced: me.session.must_change,
        chrome: Chrome::of(&me, name, ""),
        error: None,
    }))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    confirm: String,
}

impl csrf::Posted for PasswordForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn password(
    State(web): State<Web>,
    Peer(ip): Peer,
    CsrfForm(me, f): CsrfForm<PasswordForm>,
) -> Result<Response, WebError> {
    let name = real_name(&web, &me).await?;
    let again = |status: StatusCode, error: String| {
        let mut r = render(&PasswordPage {
            forced: me.session.must_change,
            chrome: Chrome::of(&me, name.clone(), ""),
            error: Some(error),
        });
        *r.status_mut() = status;
        r
    };
    let now = web.now();
    if !web.0.limiter.allow(ip, now) {
        return Ok(again(
            StatusCode::TOO_MANY_REQUESTS,
            "尝试过于频繁，请一分钟后再试。".into(),
        ));
    }
    if f.new != f.confirm {
        return Ok(again(
            StatusCode::BAD_REQUEST,
            "两次输入的新密码不一致。".into(),
        ));
    }
    // A refused new password is the form again with why; other failures are the error page.
    match app::credentials::change_password(web.db(), me.actor(), &f.current, &f.new, now).await {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(e @ app::Error::Invalid { .. }) => Ok(again(StatusCode::BAD_REQUEST, e.to_string())),
        Err(e) => Err(e.into()),
    }
}

// ---- home ----

struct Bar {
    label: &'static str,
    earned: String,
    target: String,
    percent: i64,
    met: bool,
}

fn bar(label: &'static str, earned: Tenths, target: Tenths) -> Bar {
    let percent = if target.0 <= 0 {
        100
    } else {
        (earned.0.max(0) * 100 / target.0).min(100)
    };
    Bar {
        label,
        earned: earned.to_string(),
        target: target.to_string(),
        percent,
        met: earned >= target,
    }
}

struct PlanLine {
    code: String,
    title: String,
    kind: &'static str,
    hours: i64,
    credits: String,
}

struct NoticeLine {
    id: i64,
    title: String,
    date: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Option<Chrome>,
    year: i32,
    bars: Vec<Bar>,
    required: String,
    elective: String,
    exam: String,
    total: String,
    compliant: bool,
    gap_total: String,
    gap_required: String,
    plan: Vec<PlanLine>,
    plan_closes: bool,
    notices: Vec<NoticeLine>,
    classes: Vec<super::classes::ClassLine>,
    unread_notices: i64,
}

pub async fn home(State(web): State<Web>, me: Me) -> Result<Response, WebError> {
    let name = real_name(&web, &me).await?;
    let now = web.now();
    let h = learner::home(web.db(), me.actor(), now).await?;
    let s = h.standing;
    Ok(render(&HomePage {
        chrome: Chrome::of(&me, name, "home"),
        year: h.year,
        bars: vec![
            bar("必修", s.required, h.targets.required),
            bar("合计", s.total(), h.targets.total),
        ],
        required: s.required.to_string(),
        elective: s.elective.to_string(),
        exam: s.exam.to_string(),
        total: s.total().to_string(),
        compliant: h.compliant,
        gap_total: h.gap.total.to_string(),
        gap_required: h.gap.required.to_string(),
        plan: h
            .plan
            .into_iter()
            .map(|c| PlanLine {
                code: c.code,
                title: c.title,
                kind: c.kind.label(),
                hours: c.credit.hours,
                credits: c.credit.tenths.to_string(),
            })
            .collect(),
        plan_closes: h.plan_closes,
        notices: h
            .notices
            .into_iter()
            .map(|n| NoticeLine {
                id: n.id,
                title: n.title,
                date: date_cst(n.created_at),
                unread: n.read_at.is_none(),
            })
            .collect(),
        classes: super::classes::lines(h.classes, now),
        unread_notices: h.unread_notices,
    }))
}

// ---- catalogue ----

#[derive(Deserialize, Default)]
pub struct CatalogueQuery {
    category: Option<String>,
    kind: Option<String>,
    source: Option<String>,
    q: Option<String>,
}

struct Choice {
    code: &'static str,
    label: &'static str,
    selected: bool,
}

struct CourseLine {
    code: String,
    title: String,
    category: &'static str,
    kind: &'static str,
    source: &'static str,
    hours: i64,
    credits: String,
    rule: String,
    has_exam: bool,
    status: String,
    status_class: &'static str,
}

#[derive(Template)]
#[template(path = "courses.html")]
struct CataloguePage {
    chrome: Option<Chrome>,
    categories: Vec<Choice>,
    kinds: Vec<Choice>,
    sources: Vec<Choice>,
    q: String,
    lines: Vec<CourseLine>,
}

/// A filter choice as given (code in any case or Chinese name), read by the shared catalogue parser.
fn picked<T: Vocab>(raw: &Option<String>, field: &str) -> app::Result<Option<T>> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => parse::<T>(v)
            .map(Some)
            .map_err(|e| app::Error::invalid(field, e)),
    }
}

fn filter_of(q: &CatalogueQuery) -> app::Result<Filter> {
    Ok(Filter {
        category: picked(&q.category, "类别")?,
        kind: picked(&q.kind, "类型")?,
        source: picked(&q.source, "来源")?,
        text: q.q.clone().filter(|t| !t.trim().is_empty()),
        status: None,
    })
}

pub async fn catalogue(
    State(web): State<Web>,
    me: Me,
    Query(q): Query<CatalogueQuery>,
) -> Result<Response, WebError> {
    let filter = filter_of(&q)?;
    let name = real_name(&web, &me).await?;
    let lines = learner::catalogue(web.db(), me.actor(), &filter).await?;
    Ok(render(&CataloguePage {
        chrome: Chrome::of(&me, name, "courses"),
        categories: Category::ALL
            .into_iter()
            .map(|c| Choice {
                code: c.code(),
                label: c.label(),
                selected: filter.category == Some(c),
            })
            .collect(),
        kinds: CourseKind::ALL
            .into_iter()
            .map(|c| Choice {
                code: c.code(),
                label: c.label(),
                selected: filter.kind == Some(c),
            })
            .collect(),
        sources: Source::ALL
            .into_iter()
            .map(|c| Choice {
                code: c.code(),
                label: c.label(),
                selected: filter.source == Some(c),
            })
            .collect(),
        q: filter.text.clone().unwrap_or_default(),
        lines: lines
            .into_iter()
            .map(|l| CourseLine {
                status: l.status.label(),
                status_class: match l.status {
                    learner::Status::NotStarted => "none",
                    learner::Status::Watching(_) => "part",
                    learner::Status::Completed => "done",
                },
                code: l.course.code,
                title: l.course.title,
                category: l.course.category.label(),
                kind: l.course.kind.label(),
                source: l.course.source.label(),
                hours: l.course.credit.hours,
                credits: l.course.credit.tenths.to_string(),
                rule: l.course.credit.rule,
                has_exam: l.course.has_exam,
            })
            .collect(),
    }))
}

// ---- archive and certificate ----

struct EntryLine {
    date: String,
    kind: &'static str,
    bucket: &'static str,
    reference: String,
    credits: String,
    rule: String,
    reason: String,
}

struct YearLine {
    year: i32,
    required: String,
    elective: String,
    exam: String,
    total: String,
    entries: Vec<EntryLine>,
}

#[derive(Template)]
#[template(path = "archive.html")]
struct ArchivePage {
    chrome: Option<Chrome>,
    years: Vec<YearLine>,
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage {
    chrome: Option<Chrome>,
    real_name: String,
    username: String,
    unit: String,
    years: Vec<YearLine>,
    college: String,
    issued: String,
}

fn year_lines(a: &learner::MyArchive) -> Vec<YearLine> {
    a.years
        .iter()
        .map(|y| YearLine {
            year: y.year,
            required: y.standing.get(Bucket::Required).to_string(),
            elective: y.standing.get(Bucket::Elective).to_string(),
            exam: y.standing.get(Bucket::Exam).to_string(),
            total: y.standing.total().to_string(),
            entries: y
                .entries
                .iter()
                .map(|e| EntryLine {
                    date: date_cst(e.earned_at),
                    kind: e.kind.label(),
                    bucket: e.bucket.label(),
                    reference: e.reference.clone(),
                    credits: e.tenths.to_string(),
                    rule: e.rule.clone(),
                    reason: e.reason.clone(),
                })
                .collect(),
        })
        .collect()
}

pub async fn archive(State(web): State<Web>, me: Me) -> Result<Response, WebError> {
    let a = learner::archive(web.db(), me.actor()).await?;
    Ok(render(&ArchivePage {
        chrome: Chrome::of(&me, a.archive.real_name.clone(), "archive"),
        years: year_lines(&a),
    }))
}

pub async fn certificate(State(web): State<Web>, me: Me) -> Result<Response, WebError> {
    let a = learner::archive(web.db(), me.actor()).await?;
    Ok(render(&CertificatePage {
        chrome: Chrome::of(&me, a.archive.real_name.clone(), "archive"),
        years: year_lines(&a),
        real_name: a.archive.real_name,
        username: a.archive.username,
        unit: a.archive.unit_name,
        college: a.college,
        issued: date_cst(web.now()),
    }))
}
