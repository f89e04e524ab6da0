//! The consistency check behind `wangyuan check`: every standing and every class member's cached
//! progress and graduation (classes not closed) equal a recomputation from the ledger, and nothing
//! points at what is not there.

use std::collections::HashMap;

use crate::rules::standing::Standing;
use crate::store::check::{self, Finding};
use crate::store::{Db, ledger};

use super::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub account_id: i64,
    pub year: i64,
    pub stored: Standing,
    pub recomputed: Standing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub entries: i64,
    pub standings: usize,
    pub mismatches: Vec<Mismatch>,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.mismatches.is_empty() && self.findings.is_empty()
    }
}

pub async fn run(db: &Db) -> Result<Report> {
    let pool = db.reader();
    let stored = ledger::all_standings(pool).await?;
    let recomputed = ledger::recomputed_standings(pool).await?;
    let mut expected: HashMap<(i64, i64), Standing> = recomputed
        .iter()
        .map(|r| ((r.account_id, r.year), r.standing()))
        .collect();
    let mut mismatches = Vec::new();
    for row in &stored {
        let want = expected
            .remove(&(row.account_id, row.year))
            .unwrap_or_default();
        if want != row.standing() {
            mismatches.push(Mismatch {
                account_id: row.account_id,
                year: row.year,
                stored: row.standing(),
                recomputed: want,
            });
        }
    }
    // Ledger totals with no standing row at all.
    for ((account_id, year), want) in expected {
        if want == Standing::default() {
            continue;
        }
        mismatches.push(Mismatch {
            account_id,
            year,
            stored: Standing::default(),
            recomputed: want,
        });
    }
    mismatches.sort_by_key(|m| (m.account_id, m.year));
    let mut findings = check::orphans(pool).await?;
    let stale = super::classes::stale_classes(db).await?;
    if !stale.is_empty() {
        findings.push(Finding {
            problem: "培训班学员的完成课程数或结业时间与学分记录重算结果不一致（培训班编号）",
            ids: stale,
        });
    }
    Ok(Report {
        entries: ledger::count_entries(pool).await?,
        standings: stored.len(),
        mismatches,
        findings,
    })
}
