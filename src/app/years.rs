//! Year settings (Art. 5, 10): the office sets a year's credit targets, the batches assessed and
//! the cut-off day. A year without its own settings uses the latest earlier year's
//! (`standings::year_settings`). A closed year's settings are frozen: `require_open` is the one
//! check, reading `year_settings.closed_at`, which the year-close use-case (a later issue) sets.

use super::changes::{self, Topic};
use crate::rules::Tenths;
use crate::rules::population::Cutoff;
use crate::rules::standing::Targets;
use crate::store::audit::{self, AuditEntry};
use crate::store::settings::{self, YearRow};
use crate::store::{Db, Tx};

use super::standings::{YearSettings, year_settings};
use super::{Actor, Error, Result};

/// Only the office sets a year's targets (Art. 15).
pub fn may_set_year(actor: &Actor) -> Result<()> {
    actor.require_office("设置年度考核要求")
}

/// The most credits a target may ask for.
pub const MAX_TARGET: Tenths = Tenths(2000);

/// What `year show` tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearView {
    pub settings: YearSettings,
    pub closed_at: Option<i64>,
}

/// The settings in force for `year` (any staff member).
pub async fn show(db: &Db, actor: &Actor, year: i32) -> Result<YearView> {
    if !actor.is_staff() {
        return Err(Error::Forbidden("查看年度设置仅限管理人员".into()));
    }
    let settings = year_settings(db, year).await?;
    let closed_at = settings::closed_at(db.reader(), year).await?;
    Ok(YearView {
        settings,
        closed_at,
    })
}

/// A change to a year's settings; None keeps what is in force for the year (its own, inherited
/// or default value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YearChange {
    pub total: Option<String>,
    pub required: Option<String>,
    pub batches: Option<String>,
    pub cutoff: Option<String>,
}

/// Writes the year's own settings (office only, audited, refused for a closed year).
pub async fn set(
    db: &Db,
    actor: &Actor,
    year: i32,
    change: &YearChange,
    now: i64,
) -> Result<YearSettings> {
    may_set_year(actor)?;
    let current = year_settings(db, year).await?;
    let new = checked(year, &current, change)?;
    let mut tx = db.begin().await?;
    set_tx(&mut tx, actor, &current, &new, now).await?;
    changes::commit(db, tx, &[Topic::Settings]).await?;
    Ok(new)
}

/// `set` inside the caller's transaction (the demo loader sets its year through here).
pub(crate) async fn set_tx(
    tx: &mut Tx,
    actor: &Actor,
    current: &YearSettings,
    new: &YearSettings,
    now: i64,
) -> Result<()> {
    may_set_year(actor)?;
    require_open(tx, new.year).await?;
    settings::upsert(
        tx,
        &YearRow {
            year: i64::from(new.year),
            target_total_tenths: new.targets.total.0,
            target_required_tenths: new.targets.required.0,
            batches: batches_text(&new.batches),
            cutoff: new.cutoff.code(),
        },
    )
    .await?;
    audit::write(
        tx,
        &AuditEntry {
            action: "year.set",
            target: format!("year:{}", new.year),
            before: Some(describe(current)),
            after: Some(describe(new)),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    Ok(())
}

/// Refuses a change to a closed year. The year-close issue sets `year_settings.closed_at`.
async fn require_open(tx: &mut Tx, year: i32) -> Result<()> {
    match settings::closed_at(&mut **tx, year).await? {
        Some(_) => Err(Error::Conflict(format!(
            "{year} 年度已结束考核（已关闭），设置不能再修改"
        ))),
        None => Ok(()),
    }
}

/// The year's settings after `change`, every value checked.
pub fn checked(year: i32, current: &YearSettings, change: &YearChange) -> Result<YearSettings> {
    let credits = |field: &str, given: &Option<String>, now: Tenths| -> Result<Tenths> {
        let Some(s) = given else { return Ok(now) };
        let t = Tenths::parse(s).map_err(|e| Error::invalid(field, e))?;
        if t.0 < 0 || t > MAX_TARGET {
            return Err(Error::invalid(
                field,
                format!("{t} 超出范围（应在 0 到 {MAX_TARGET} 之间）"),
            ));
        }
        Ok(t)
    };
    let total = credits("--total", &change.total, current.targets.total)?;
    let required = credits("--required", &change.required, current.targets.required)?;
    if required > total {
        return Err(Error::invalid(
            "--required",
            format!("必修学分 {required} 不能超过总学分 {total}"),
        ));
    }
    let batches = match &change.batches {
        None => current.batches.clone(),
        Some(s) => parse_batches(s)?,
    };
    let cutoff = match &change.cutoff {
        None => current.cutoff,
        Some(s) => Cutoff::parse(s).ok_or_else(|| {
            Error::invalid("--cutoff", "截止日应为 月-日，如 10-01（不能是 02-29）")
        })?,
    };
    Ok(YearSettings {
        year,
        from_year: Some(year),
        targets: Targets { total, required },
        batches,
        cutoff,
    })
}

/// "1,2,3": distinct batches among 1, 2 and 3, at least one.
fn parse_batches(s: &str) -> Result<Vec<i64>> {
    let bad = || {
        Error::invalid(
            "--batches",
            "批次应为 1、2、3 中的一个或几个，用逗号分隔，如 1,2,3",
        )
    };
    let mut out = Vec::new();
    for part in s.split(',') {
        let b: i64 = part.trim().parse().map_err(|_| bad())?;
        if !(1..=3).contains(&b) || out.contains(&b) {
            return Err(bad());
        }
        out.push(b);
    }
    out.sort_unstable();
    Ok(out)
}

pub fn batches_text(batches: &[i64]) -> String {
    batches
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn describe(s: &YearSettings) -> String {
    format!(
        "总学分 {}，必修 {}，批次 {}，截止日 {}",
        s.targets.total,
        s.targets.required,
        batches_text(&s.batches),
        s.cutoff.code()
    )
}
