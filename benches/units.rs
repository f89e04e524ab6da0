//! Unit import benchmark (issue 13): after `init`, a generated unit list of N units (default
//! 3,000: 30 top-level units, 10 bodies each, the rest one level below those), its rows in reverse
//! order (children before parents), as a UTF-8 CSV; time (1) reading and checking the file alone,
//! (2) the first import (every unit new), (3) the same file again (nothing changes), and (4) a
//! file that renames every tenth unit and moves every hundredth under another parent.
//!
//!     cargo bench --bench units                              # both databases, 3,000 units
//!     cargo bench --bench units -- --units 10000 --backend sqlite
//!
//! PostgreSQL: 127.0.0.1:5432 as user postgres (or the admin URL in WANGYUAN_TEST_PG); the
//! benchmark makes its own database and drops it (benches/support).

mod support;

use std::time::Instant;

use wangyuan::app::Actor;
use wangyuan::app::unit_tree::{self, Init};
use wangyuan::rules::units as rules;
use wangyuan::store::Db;

const NOW: i64 = 1_781_496_000;

fn main() {
    let mut units = 3_000;
    let backends = support::parse_args(&["--units"], |_, value| {
        units = value.parse().unwrap_or(units);
    });
    support::run_each(&backends, |db, name| async move {
        bench(&db, name, units).await.map_err(|e| e.to_string())
    });
}

/// (code, name, parent code) of `n` units below LD; `variant` renames every tenth unit and moves
/// every hundredth leaf under the next body (`B{(i+1) % bodies}`).
fn rows(n: usize, variant: bool) -> Vec<(String, String, String)> {
    let mut out = Vec::with_capacity(n);
    let tops = 30.min(n);
    for t in 0..tops {
        out.push((format!("T{t:02}"), format!("第{t}县"), "LD".to_string()));
    }
    let mut b = 0;
    while out.len() < n && b < tops * 10 {
        let parent = format!("T{:02}", b % tops);
        out.push((format!("B{b:03}"), format!("{parent}机构{b}"), parent));
        b += 1;
    }
    let bodies = b.max(1);
    let mut l = 0;
    while out.len() < n {
        let parent = format!("B{:03}", l % bodies);
        out.push((format!("L{l:05}"), format!("{parent}科室{l}"), parent));
        l += 1;
    }
    if variant {
        for (i, (code, name, parent)) in out.iter_mut().enumerate() {
            if i % 10 == 5 {
                name.push_str("（更名）");
            }
            if i % 100 == 99 && code.starts_with('L') {
                *parent = format!("B{:03}", (i + 1) % bodies);
            }
        }
    }
    out
}

fn csv(rows: &[(String, String, String)]) -> Vec<u8> {
    let mut s = String::from("单位代码,单位名称,上级单位代码\n");
    for (code, name, parent) in rows.iter().rev() {
        s.push_str(&format!("{code},{name},{parent}\n"));
    }
    s.into_bytes()
}

async fn timed(
    db: &Db,
    file: &[u8],
) -> Result<(f64, unit_tree::Outcome), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let done = unit_tree::import(db, &Actor::local_operator(), file, NOW).await?;
    Ok((started.elapsed().as_secs_f64(), done))
}

async fn bench(db: &Db, name: &str, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let init = Init {
        city: "娄底市",
        code: "LD",
        username: "office",
        password: Some("Bench2026pass".into()),
    };
    unit_tree::init(db, &Actor::local_operator(), init, NOW).await?;
    let first = csv(&rows(n, false));
    let started = Instant::now();
    let wanted = rules::read(&first).map_err(|p| format!("{} problems", p.len()))?;
    let read = started.elapsed().as_secs_f64();
    let (import, done) = timed(db, &first).await?;
    assert_eq!(done.added.len(), n);
    let (again, same) = timed(db, &first).await?;
    assert!(same.changed_nothing());
    let (changed, outcome) = timed(db, &csv(&rows(n, true))).await?;
    println!("{name}, {} units:", wanted.len());
    println!("  read and check the file alone  {read:.3} s");
    println!("  first import (all new)         {import:.3} s   (target < 2 s)");
    println!("  the same file again            {again:.3} s   (nothing changed)");
    println!(
        "  renames and moves              {changed:.3} s   ({} renamed, {} moved)",
        outcome.renamed.len(),
        outcome.moved.len()
    );
    Ok(())
}
