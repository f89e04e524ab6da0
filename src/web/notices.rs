//! A learner's notices: the list (unread first, paged) and one notice. Opening is a POST with the
//! form token, so another site cannot mark a learner's notices read by linking to them.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::notices;
use crate::rules::calendar::datetime_cst;

use super::Web;
use super::answer::Chrome;
use super::answer::{WebError, id_in_path, render};
use super::csrf::CsrfForm;
use super::pages::{TokenOnly, real_name};
use super::session::Me;

struct Line {
    id: i64,
    kind: &'static str,
    title: String,
    sender: String,
    at: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct ListPage {
    chrome: Option<Chrome>,
    lines: Vec<Line>,
    total: i64,
    unread: i64,
    page: i64,
    pages: i64,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    page: Option<i64>,
}

pub async fn list(
    State(web): State<Web>,
    me: Me,
    Query(q): Query<PageQuery>,
) -> Result<Response, WebError> {
    let name = real_name(&web, &me).await?;
    let inbox = notices::inbox(web.db(), me.actor(), q.page.unwrap_or(1)).await?;
    Ok(render(&ListPage {
        chrome: Chrome::of(&me, name, "notices"),
        lines: inbox
            .notices
            .into_iter()
            .map(|n| Line {
                id: n.id,
                kind: n.kind.label(),
                title: n.title,
                sender: n.sender,
                at: datetime_cst(n.created_at),
                unread: n.read_at.is_none(),
            })
            .collect(),
        total: inbox.total,
        unread: inbox.unread,
        page: inbox.page,
        pages: inbox.pages,
    }))
}

#[derive(Template)]
#[template(path = "notice.html")]
struct OnePage {
    chrome: Option<Chrome>,
    id: i64,
    kind: &'static str,
    title: String,
    paragraphs: Vec<String>,
    sender: String,
    at: String,
    read_at: Option<String>,
}

/// One of my notices; shown as it is (reading it is the POST below).
pub async fn show(
    State(web): State<Web>,
    me: Me,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = id_in_path(&id, "该通知")?;
    let name = real_name(&web, &me).await?;
    let n = notices::show(web.db(), me.actor(), id).await?;
    Ok(render(&OnePage {
        chrome: Chrome::of(&me, name, "notices"),
        id: n.id,
        kind: n.kind.label(),
        paragraphs: n.body.split('\n').map(str::to_string).collect(),
        title: n.title,
        sender: n.sender,
        at: datetime_cst(n.created_at),
        read_at: n.read_at.map(datetime_cst),
    }))
}

/// Opens a notice: marks it read, then shows it.
pub async fn open(
    State(web): State<Web>,
    Path(id): Path<String>,
    CsrfForm(me, _): CsrfForm<TokenOnly>,
) -> Result<Response, WebError> {
    let id = id_in_path(&id, "该通知")?;
    notices::open(web.db(), me.actor(), id, web.now()).await?;
    Ok(Redirect::to(&format!("/notices/{id}")).into_response())
}
