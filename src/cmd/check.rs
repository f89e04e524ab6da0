//! `check`: ledger against standings, and orphaned rows. Exit 1 with a report when anything is off.

use std::io::{self, Write};

use crate::app::check::Report;

use super::exit;

/// How many offending ids to list per problem before summarizing.
const SHOW: usize = 20;

pub fn write_report(out: &mut impl Write, r: &Report) -> io::Result<i32> {
    writeln!(
        out,
        "学分记录 {} 条，年度学分行 {} 条。",
        r.entries, r.standings
    )?;
    if r.is_clean() {
        writeln!(
            out,
            "检查通过：每一行年度学分都与学分记录重算结果一致，没有孤立数据。"
        )?;
        return Ok(exit::OK);
    }
    if !r.mismatches.is_empty() {
        writeln!(out, "年度学分与学分记录不一致：{} 处", r.mismatches.len())?;
        for m in r.mismatches.iter().take(SHOW) {
            writeln!(
                out,
                "  账号 {} {} 年：记录为 必修 {} 选修 {} 考试 {}，重算应为 必修 {} 选修 {} 考试 {}",
                m.account_id,
                m.year,
                m.stored.required,
                m.stored.elective,
                m.stored.exam,
                m.recomputed.required,
                m.recomputed.elective,
                m.recomputed.exam
            )?;
        }
        if r.mismatches.len() > SHOW {
            writeln!(out, "  ……另有 {} 处", r.mismatches.len() - SHOW)?;
        }
    }
    for f in &r.findings {
        let ids: Vec<String> = f.ids.iter().take(SHOW).map(|i| i.to_string()).collect();
        let more = if f.ids.len() > SHOW {
            format!(" 等 {} 条", f.ids.len())
        } else {
            String::new()
        };
        writeln!(out, "{}：{}{more}", f.problem, ids.join(", "))?;
    }
    Ok(exit::FAILURE)
}
