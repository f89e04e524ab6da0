//! What every handler answers with, shared by `pages`, `play`, `exam` and `session` so that none
//! of them imports another for it: the page chrome, template rendering, the Chinese error page,
//! and `WebError`, which lets handlers use `?` on app calls.

use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::app;

/// The header every signed-in page shows: who, and the sign-out form's token.
pub struct Chrome {
    pub name: String,
    pub csrf: String,
    pub active: &'static str,
}

pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "页面渲染失败");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面渲染失败").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Option<Chrome>,
    message: String,
}

pub fn error_page(status: StatusCode, message: String) -> Response {
    let mut r = render(&ErrorPage {
        chrome: None,
        message,
    });
    *r.status_mut() = status;
    r
}

/// The HTTP status of an app error (mapped once, in `app::Error::http_status`; server-side
/// failures were logged with their incident number when they were made).
pub fn status_of(e: &app::Error) -> StatusCode {
    StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Why a handler could not answer as asked; `?` on an app call gives the error page.
#[derive(Debug)]
pub enum WebError {
    /// Shown as the Chinese error page.
    Page(app::Error),
    /// Shown as `{ "message": … }` to the player's and exam's scripts.
    Api(app::Error),
    /// A POST without this session's CSRF token.
    Csrf,
}

impl From<app::Error> for WebError {
    fn from(e: app::Error) -> WebError {
        WebError::Page(e)
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        match self {
            WebError::Page(e) => error_page(status_of(&e), e.to_string()),
            WebError::Api(e) => (
                status_of(&e),
                Json(serde_json::json!({ "message": e.to_string() })),
            )
                .into_response(),
            WebError::Csrf => (
                StatusCode::FORBIDDEN,
                "表单已过期或来源不明，请刷新页面后重试。",
            )
                .into_response(),
        }
    }
}

/// The answer to a request whose handler panicked (logged; the learner sees the error page).
pub fn panicked(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %what, "网站请求处理异常结束");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "服务器内部错误，请稍后再试；如反复出现，请联系市网络学院。".into(),
    )
}

/// A record's id from the URL (`/notices/{id}`, `/classes/{id}/…`): anything but a positive
/// integer is "not found", on the site's own page rather than the router's plain-text 400.
pub fn id_in_path(text: &str, what: &str) -> Result<i64, WebError> {
    text.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::Page(app::Error::NotFound(what.into())))
}
