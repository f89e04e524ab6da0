//! Per-unit results of a year (Art. 15): for a scope, each child unit's assessed learners,
//! compliant count, rate, average total and rank; plus the scope's own totals.

use std::collections::HashMap;

use crate::rules::Tenths;
use crate::rules::standing::{average_tenths, rate_permille};
use crate::store::Db;
use crate::store::standings::UnitSums;
use crate::store::units::{self, UnitRow};

use super::standings;
use super::types::UnitCode;
use super::{Actor, Result};

/// Results of one group of learners.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tally {
    pub assessed: u64,
    pub compliant: u64,
    /// Assessed learners whose required credits are below the target.
    pub short_required: u64,
    pub total: Tenths,
}

impl Tally {
    fn merge(&mut self, other: &Tally) {
        self.assessed += other.assessed;
        self.compliant += other.compliant;
        self.short_required += other.short_required;
        self.total += other.total;
    }

    pub fn rate_permille(&self) -> u32 {
        rate_permille(self.compliant, self.assessed)
    }

    pub fn average(&self) -> Tenths {
        average_tenths(self.total, self.assessed)
    }
}

impl From<&UnitSums> for Tally {
    fn from(s: &UnitSums) -> Tally {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Tally {
            assessed: count(s.assessed),
            compliant: count(s.compliant),
            short_required: count(s.short_required),
            total: Tenths(s.total),
        }
    }
}

/// A unit as the fronts see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: i64,
    pub code: UnitCode,
    pub name: String,
    /// Materialised path ('/1/7/'): a unit covers every unit whose path starts with its own.
    pub path: String,
}

impl From<UnitRow> for Unit {
    fn from(u: UnitRow) -> Unit {
        Unit {
            id: u.id,
            code: UnitCode::stored(u.code),
            name: u.name,
            path: u.path,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitLine {
    pub unit_code: String,
    pub unit_name: String,
    pub tally: Tally,
    /// 1 = best: by rate, then average total; units without assessed learners come last.
    pub rank: usize,
}

#[derive(Debug, Clone)]
pub struct UnitsReport {
    pub scope: Unit,
    pub year: i32,
    pub overall: Tally,
    /// One line per child unit (each counting its whole subtree), plus one for learners attached
    /// directly to the scope unit when there are any.
    pub lines: Vec<UnitLine>,
}

pub async fn report(
    db: &Db,
    actor: &Actor,
    year: i32,
    unit_code: Option<&str>,
) -> Result<UnitsReport> {
    let scope = standings::resolve_scope(db, actor, unit_code).await?;
    report_of(db, scope, year).await
}

/// `report` of a scope already resolved (and checked) for the actor.
pub(crate) async fn report_of(db: &Db, scope: UnitRow, year: i32) -> Result<UnitsReport> {
    let settings = standings::year_settings(db, year).await?;
    let population = settings.population(&scope.path, super::now());
    let sums = crate::store::standings::sums_by_unit(
        db.reader(),
        &population,
        settings.targets.total.0,
        settings.targets.required.0,
    )
    .await?;
    let paths: HashMap<i64, String> = units::all(db.reader())
        .await?
        .into_iter()
        .map(|u| (u.id, u.path))
        .collect();
    let children = units::children(db.reader(), scope.id).await?;
    let mut overall = Tally::default();
    let mut tallies: Vec<Tally> = vec![Tally::default(); children.len()];
    let mut own = Tally::default();
    for sum in &sums {
        let tally = Tally::from(sum);
        overall.merge(&tally);
        let path = paths.get(&sum.unit_id).map(String::as_str).unwrap_or("");
        match children.iter().position(|c| path.starts_with(&c.path)) {
            Some(i) => tallies[i].merge(&tally),
            None => own.merge(&tally),
        }
    }
    let mut lines: Vec<UnitLine> = children
        .into_iter()
        .zip(tallies)
        .map(|(c, tally)| UnitLine {
            unit_code: c.code,
            unit_name: c.name,
            tally,
            rank: 0,
        })
        .collect();
    if own.assessed > 0 {
        lines.push(UnitLine {
            unit_code: scope.code.clone(),
            unit_name: format!("{}（本级）", scope.name),
            tally: own,
            rank: 0,
        });
    }
    rank(&mut lines);
    Ok(UnitsReport {
        scope: scope.into(),
        year,
        overall,
        lines,
    })
}

/// Ranks by rate, then average; ties share a rank; units with nobody assessed rank last.
fn rank(lines: &mut [UnitLine]) {
    let key = |l: &UnitLine| {
        (
            l.tally.assessed > 0,
            l.tally.rate_permille(),
            l.tally.average(),
        )
    };
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by(|&a, &b| key(&lines[b]).cmp(&key(&lines[a])));
    let mut previous = None;
    let mut current_rank = 0;
    for (position, &i) in order.iter().enumerate() {
        let k = key(&lines[i]);
        if previous != Some(k) {
            current_rank = position + 1;
            previous = Some(k);
        }
        lines[i].rank = current_rank;
    }
}

/// Credits earned per week of the year in a scope: (start of the week, credits), for the
/// dashboard's sparkline. Weeks with nothing earned are included as zero, up to the last week
/// with any credit.
pub async fn weekly(
    db: &Db,
    actor: &Actor,
    year: i32,
    unit_code: Option<&str>,
) -> Result<Vec<(i64, Tenths)>> {
    let scope = standings::resolve_scope(db, actor, unit_code).await?;
    weekly_of(db, &scope, year).await
}

/// `weekly` of a scope already resolved (and checked) for the actor.
pub(crate) async fn weekly_of(db: &Db, scope: &UnitRow, year: i32) -> Result<Vec<(i64, Tenths)>> {
    let totals = crate::store::ledger::weekly_totals(db.reader(), year, &scope.path).await?;
    let (Some(first), Some(last)) = (totals.first(), totals.last()) else {
        return Ok(Vec::new());
    };
    let week = 7 * 86_400;
    let mut out = Vec::new();
    let mut next = totals.iter().peekable();
    let mut start = first.0;
    while start <= last.0 {
        let tenths = match next.peek() {
            Some((w, t)) if *w == start => {
                next.next();
                *t
            }
            _ => 0,
        };
        out.push((start, Tenths(tenths)));
        start += week;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(code: &str, assessed: u64, compliant: u64, total: i64) -> UnitLine {
        UnitLine {
            unit_code: code.into(),
            unit_name: code.into(),
            tally: Tally {
                assessed,
                compliant,
                short_required: 0,
                total: Tenths(total),
            },
            rank: 0,
        }
    }

    #[test]
    fn ranks_by_rate_then_average_with_ties_and_empty_units_last() {
        let mut lines = vec![
            line("A", 10, 5, 3000),
            line("B", 10, 9, 4000),
            line("C", 0, 0, 0),
            line("D", 20, 10, 6000),
            line("E", 10, 5, 3000),
        ];
        rank(&mut lines);
        let ranks: Vec<(&str, usize)> = lines
            .iter()
            .map(|l| (l.unit_code.as_str(), l.rank))
            .collect();
        // B leads at 90%; A, D and E tie at 50% with the same average (30.0); C has nobody.
        assert_eq!(
            ranks,
            vec![("A", 2), ("B", 1), ("C", 5), ("D", 2), ("E", 2)]
        );
    }
}
