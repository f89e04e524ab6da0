//! Year standings of a scope: who is assessed, what each has, who is compliant (Art. 10).

use std::collections::HashMap;

use crate::rules::Tenths;
use crate::rules::population::{Cutoff, window};
use crate::rules::standing::{Standing, Targets};
use crate::store::standings::{self, Population};
use crate::store::units::{self, UnitRow};
use crate::store::{Db, settings};

use super::{Actor, Error, Result};

/// A year's targets, enrolled batches and cut-off: the year's own `year_settings` row, else the
/// latest earlier year's, else the defaults (40/24, batches 1–3, 10-01).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearSettings {
    pub year: i32,
    /// The year whose row gave these settings (`year` itself, or an earlier one); None: defaults.
    pub from_year: Option<i32>,
    pub targets: Targets,
    pub batches: Vec<i64>,
    pub cutoff: Cutoff,
}

impl YearSettings {
    /// Who is assessed this year within the scope, read as RULES.md says at `now`. Every report
    /// of a year's population (standings, units, roster, dashboard) takes it from here.
    pub fn population<'a>(&'a self, scope_path: &'a str, now: i64) -> Population<'a> {
        Population {
            year: self.year,
            scope_path,
            batches: &self.batches,
            window: window(self.year, self.cutoff, now),
        }
    }
}

/// The settings every report, the web and the TUI use for `year` (see [`YearSettings`]).
pub async fn year_settings(db: &Db, year: i32) -> Result<YearSettings> {
    let row = settings::year_or_before(db.reader(), year).await?;
    Ok(match row {
        Some(r) => YearSettings {
            year,
            from_year: i32::try_from(r.year).ok(),
            targets: Targets {
                total: Tenths(r.target_total_tenths),
                required: Tenths(r.target_required_tenths),
            },
            batches: parse_batches(&r.batches),
            cutoff: Cutoff::parse(&r.cutoff).ok_or_else(|| {
                Error::internal(format!(
                    "{year} 年度设置的截止日 {} 无效（应为 月-日，如 10-01）",
                    r.cutoff
                ))
            })?,
        },
        None => YearSettings::defaults(year),
    })
}

impl YearSettings {
    /// The measures' defaults: 40 credits with 24 required, batches 1–3, cut-off 10-01.
    pub fn defaults(year: i32) -> YearSettings {
        YearSettings {
            year,
            from_year: None,
            targets: Targets::default(),
            batches: vec![1, 2, 3],
            cutoff: Cutoff::default(),
        }
    }
}

fn parse_batches(s: &str) -> Vec<i64> {
    s.split(',').filter_map(|b| b.trim().parse().ok()).collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub account_id: i64,
    pub username: String,
    pub real_name: String,
    pub unit_code: String,
    pub unit_name: String,
    /// The unit's tree path, for grouping lines under child units.
    pub unit_path: String,
    pub batch: Option<i64>,
    pub standing: Standing,
    pub compliant: bool,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub scope: super::units::Unit,
    pub settings: YearSettings,
    pub lines: Vec<Line>,
}

/// Every assessed learner of the scope with the year's standing, by unit code and username. `unit_code` narrows the scope;
/// without it the actor's own scope is used.
pub async fn report(db: &Db, actor: &Actor, year: i32, unit_code: Option<&str>) -> Result<Report> {
    report_at(db, actor, year, unit_code, super::now()).await
}

/// `report` as seen at `now` (the current year's assessment moment).
pub async fn report_at(
    db: &Db,
    actor: &Actor,
    year: i32,
    unit_code: Option<&str>,
    now: i64,
) -> Result<Report> {
    let scope = resolve_scope(db, actor, unit_code).await?;
    let settings = year_settings(db, year).await?;
    let rows =
        standings::of_population(db.reader(), &settings.population(&scope.path, now)).await?;
    let units: HashMap<i64, UnitRow> = units::all(db.reader())
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut lines: Vec<Line> = rows
        .into_iter()
        .map(|r| {
            let (unit_code, unit_name, unit_path) = units
                .get(&r.unit_id)
                .map(|u| (u.code.clone(), u.name.clone(), u.path.clone()))
                .unwrap_or_default();
            let standing = Standing {
                required: Tenths(r.required),
                elective: Tenths(r.elective),
                exam: Tenths(r.exam),
            };
            Line {
                account_id: r.account_id,
                username: r.username,
                real_name: r.real_name,
                unit_code,
                unit_name,
                unit_path,
                batch: r.batch,
                compliant: standing.is_compliant(&settings.targets),
                standing,
            }
        })
        .collect();
    lines.sort_unstable_by(|a, b| (&a.unit_code, &a.username).cmp(&(&b.unit_code, &b.username)));
    Ok(Report {
        scope: scope.into(),
        settings,
        lines,
    })
}

/// The unit a query is about: the named one (by code or unique name, if the actor covers it),
/// else the actor's own scope.
pub async fn resolve_scope(db: &Db, actor: &Actor, unit_code: Option<&str>) -> Result<UnitRow> {
    if let Some(code) = unit_code {
        let unit = super::unit_tree::find(db, code).await?;
        actor.require_covers(&unit.path, &unit.name)?;
        return Ok(unit);
    }
    if actor.is_local() || actor.roles.iter().any(|r| r.kind.is_city_wide()) {
        return units::root(db.reader())
            .await?
            .ok_or_else(|| Error::NotFound("全市单位树（数据库尚未初始化）".into()));
    }
    match actor.roles.as_slice() {
        [only] => units::by_id(db.reader(), only.unit_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("单位 {}", only.unit_code))),
        [] => Err(Error::Forbidden("您没有管理角色".into())),
        _ => Err(Error::invalid("--unit", "您管理多个单位，请指定单位代码")),
    }
}
