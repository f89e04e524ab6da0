//! The course page with its player, and the playback API the player calls (JSON, CSRF token in
//! the `X-CSRF-Token` header). Crediting is decided by `app::playback`.

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::app::playback::{self as playback, Beat, BeatStatus};
use crate::app::{self, learner};

use super::Web;
use super::answer::{Chrome, WebError, render};
use super::csrf::CsrfHeader;
use super::session::{Cookied, Me};

const PLAYER_JS: &str = include_str!("player.js");

pub async fn script() -> Response {
    super::pages::asset("text/javascript; charset=utf-8", PLAYER_JS)
}

#[derive(Template)]
#[template(path = "course.html")]
struct CoursePage {
    chrome: Option<Chrome>,
    code: String,
    title: String,
    kind: &'static str,
    hours: i64,
    credits: String,
    rule: String,
    status: String,
    has_exam: bool,
    /// None: no lecture uploaded yet, the page says so instead of showing a dead player.
    lecture: Option<app::media::Lecture>,
}

pub async fn course(
    State(web): State<Web>,
    me: Me,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let line = learner::course(web.db(), me.actor(), &code).await?;
    let lecture = app::media::lecture(web.db(), &line.course.code).await?;
    let name = me.actor().real_name(web.db()).await?;
    Ok(render(&CoursePage {
        lecture,
        chrome: Chrome::of(&me, name, "courses"),
        status: line.status.label(),
        code: line.course.code,
        title: line.course.title,
        kind: line.course.kind.label(),
        hours: line.course.credit.hours,
        credits: line.course.credit.tenths.to_string(),
        rule: line.course.credit.rule,
        has_exam: line.course.has_exam,
    }))
}

pub async fn open(
    State(web): State<Web>,
    CsrfHeader(me): CsrfHeader<Me>,
    Path(code): Path<String>,
) -> Result<Response, WebError> {
    let opened = web
        .0
        .heartbeats
        .open(me.actor(), &me.session.id, &code, &web.0.node, web.now())
        .await
        .map_err(WebError::Api)?;
    Ok(Json(opened).into_response())
}

/// A heartbeat. The session is checked by the heartbeat writer, inside the transaction that
/// applies the beat, rather than looked up here (see `app::playback::Heartbeats`).
pub async fn beat(
    State(web): State<Web>,
    CsrfHeader(caller): CsrfHeader<Cookied>,
    Json(b): Json<Beat>,
) -> Result<Response, WebError> {
    let address = caller.peer.to_string();
    let reply = web
        .0
        .heartbeats
        .beat(&caller.session_id, &address, b, web.now())
        .await
        .map_err(WebError::Api)?;
    Ok(if reply.status == BeatStatus::SignedOut {
        (StatusCode::UNAUTHORIZED, Json(reply)).into_response()
    } else {
        Json(reply).into_response()
    })
}

#[derive(Debug, serde::Deserialize)]
pub struct CheckAnswer {
    pub code: String,
}

/// The answer to the anti-idle check, read by the learner off its picture.
pub async fn answer(
    State(web): State<Web>,
    CsrfHeader(me): CsrfHeader<Me>,
    Json(a): Json<CheckAnswer>,
) -> Result<Response, WebError> {
    let reply = playback::answer(web.db(), me.actor(), &a.code, web.now())
        .await
        .map_err(WebError::Api)?;
    Ok(Json(reply).into_response())
}

/// The waiting anti-idle check's code as a picture (never as text), drawn afresh each time and
/// never cached; 404 when no check waits.
pub async fn check_image(State(web): State<Web>, me: Me) -> Result<Response, WebError> {
    let code = playback::check_code(web.db(), me.actor(), web.now())
        .await
        .and_then(|code| code.ok_or_else(|| app::Error::NotFound("待输入的验证码".into())))
        .map_err(WebError::Api)?;
    let svg = super::check_image::draw(&code, &mut rand::thread_rng());
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "image/svg+xml"),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}
