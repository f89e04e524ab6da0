//! Quarterly notices benchmark (issue 15): a city of N learners (default 100,000) with 10
//! completions each over the year, then `notice quarterly` for Q1 (one notice per assessed
//! learner with their standing, gap and plan, one summary per unit, written in batches of 2,000
//! through one JSON parameter per statement, in one transaction), then the same run again (all
//! existing: nothing written). Target: the first run under 10 s.
//!
//!     cargo bench --bench notices                                # both databases, 100,000
//!     cargo bench --bench notices -- --learners 20000 --backend sqlite
//!
//! PostgreSQL: 127.0.0.1:5432 as user postgres (or the admin URL in WANGYUAN_TEST_PG); the
//! benchmark makes its own database and drops it (benches/support).

mod support;

use std::time::Instant;

use wangyuan::app::{Actor, notices};
use wangyuan::demo::seed::{self, SyntheticOptions};
use wangyuan::store::Db;

/// 2026-06-15 12:00 +08:00, as the tests' clock: Q1 2026 has ended.
const NOW: i64 = 1_781_496_000;

fn main() {
    let mut learners = 100_000usize;
    let backends = support::parse_args(&["--learners"], |_, value| {
        learners = value.parse().unwrap_or(learners);
    });
    support::run_each(&backends, |db, name| async move {
        bench(&db, name, learners).await.map_err(|e| e.to_string())
    });
}

async fn bench(db: &Db, name: &str, learners: usize) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    seed::synthetic(
        db,
        &SyntheticOptions {
            learners,
            year: 2026,
            per_learner: 10,
            now: NOW,
            rng_seed: 11,
        },
        |_| {},
    )
    .await?;
    db.refresh_statistics().await?;
    println!(
        "{name}: seeded {learners} learners × 10 completions in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let office = Actor::local_operator();
    let t = Instant::now();
    let first = notices::quarterly(db, &office, 2026, 1, NOW).await?;
    println!(
        "{name}: notice quarterly 2026 Q1, first run: added {}, existing {} in {:.2} s",
        first.added,
        first.existing,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let again = notices::quarterly(db, &office, 2026, 1, NOW + 60).await?;
    println!(
        "{name}: second run: added {}, existing {} in {:.2} s",
        again.added,
        again.existing,
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
