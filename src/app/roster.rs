//! The roster screen's data: one page of a scope's assessed cadres with their year standing,
//! sorted and filtered in the database (so paging through 100,000 rows stays instant).

use crate::rules::Tenths;
use crate::rules::standing::Standing;
use crate::store::Db;
pub use crate::store::roster::SortKey;
use crate::store::roster::{self as store, PageQuery};

use super::standings::{resolve_scope, year_settings};
use super::{Actor, Result};
use crate::store::units::UnitRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Status {
    #[default]
    All,
    Compliant,
    Noncompliant,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    pub year: i32,
    /// Narrows the actor's scope to this unit (and everything below it).
    pub unit_code: Option<String>,
    /// Only the members of `unit_code` itself, not of the units below it (总览's "（本级）").
    pub own_only: bool,
    /// Part of a username or name; empty for everyone.
    pub text: String,
    pub status: Status,
    pub sort: SortKey,
    pub descending: bool,
    pub offset: u64,
    pub limit: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub username: String,
    pub real_name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub batch: Option<i64>,
    pub standing: Standing,
    pub compliant: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Rows matching the query in all; counted with the first page only (offset 0), since the
    /// count costs as much as a page and scrolling does not change it.
    pub total: Option<u64>,
    pub rows: Vec<Row>,
}

/// A page of the roster. A unit outside the actor's scope is refused. (The TUI asks
/// `aggregates::roster_page`, which shares pages between sessions.)
pub async fn page(db: &Db, actor: &Actor, q: &Query) -> Result<Page> {
    let scope = resolve_scope(db, actor, q.unit_code.as_deref()).await?;
    page_of(db, &scope, q).await
}

/// `page` of a scope already resolved (and checked) for the actor.
pub(crate) async fn page_of(db: &Db, scope: &UnitRow, q: &Query) -> Result<Page> {
    let settings = year_settings(db, q.year).await?;
    let text = super::checked_text("搜索", &q.text, super::MAX_SEARCH)?.to_lowercase();
    let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let (total, rows) = store::page(
        db.reader(),
        &PageQuery {
            population: settings.population(&scope.path, super::now()),
            target_total: settings.targets.total.0,
            target_required: settings.targets.required.0,
            own_path: q.own_only.then_some(scope.path.as_str()),
            text: &text,
            status: match q.status {
                Status::All => 0,
                Status::Compliant => 1,
                Status::Noncompliant => 2,
            },
            sort: q.sort,
            descending: q.descending,
            offset: clamp(q.offset),
            limit: clamp(q.limit.min(1000)),
        },
        q.offset == 0,
    )
    .await?;
    Ok(Page {
        total: total.map(|n| u64::try_from(n).unwrap_or(0)),
        rows: rows
            .into_iter()
            .map(|r| Row {
                username: r.username,
                real_name: r.real_name,
                unit_code: r.unit_code,
                unit_name: r.unit_name,
                batch: r.batch,
                standing: Standing {
                    required: Tenths(r.required),
                    elective: Tenths(r.elective),
                    exam: Tenths(r.exam),
                },
                compliant: r.compliant == 1,
            })
            .collect(),
    })
}
