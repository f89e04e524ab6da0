//! Ledger benchmark (issue 2): seed N learners × M course completions for one year, then time
//! (1) the standings report query for the whole city, (2) recomputing standings from the ledger,
//! (3) appending one ledger entry with its standing update, (4) pages of the TUI's roster (花名册)
//! as the terminal interface asks for them.
//!
//!     cargo bench --bench ledger                       # SQLite, then PostgreSQL if reachable
//!     cargo bench --bench ledger -- --learners 20000 --backend sqlite
//!     cargo bench --bench ledger -- --url sqlite://data/wangyuan.db   # measure a seeded database
//!
//! PostgreSQL: 127.0.0.1:5432 as user postgres (or the admin URL in WANGYUAN_TEST_PG); the
//! benchmark makes its own database and drops it.

mod support;

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use support::BenchDb;
use wangyuan::app::ledger::{self, Award};
use wangyuan::app::roster::{self, Query, SortKey, Status};
use wangyuan::app::{Actor, standings};
use wangyuan::demo::seed::{self, SyntheticOptions};
use wangyuan::rules::calendar::year_bounds;
use wangyuan::store::{Db, ledger as entries};

const YEAR: i32 = 2026;

struct Args {
    learners: usize,
    per_learner: usize,
    appends: usize,
    backends: Vec<String>,
    /// An existing database (seeded with `wangyuan seed`) to measure instead of seeding a new one.
    url: Option<String>,
    /// Only time the roster pages (with `--url`).
    roster_only: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        learners: 100_000,
        per_learner: 40,
        appends: 2_000,
        backends: Vec::new(),
        url: None,
        roster_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match arg.as_str() {
            "--learners" => a.learners = value().parse().unwrap_or(a.learners),
            "--per-learner" => a.per_learner = value().parse().unwrap_or(a.per_learner),
            "--appends" => a.appends = value().parse().unwrap_or(a.appends),
            "--backend" => a.backends.push(value()),
            "--url" => a.url = Some(value()),
            "--roster-only" => a.roster_only = true,
            _ => {} // cargo bench passes --bench
        }
    }
    if a.backends.is_empty() {
        a.backends = vec!["sqlite".into(), "postgres".into()];
    }
    a
}

fn main() {
    let args = parse_args();
    let rt = support::runtime();
    let backends = if args.url.is_some() {
        &args.backends[..1]
    } else {
        &args.backends[..]
    };
    for backend in backends {
        if let Err(e) = rt.block_on(run_backend(backend, &args)) {
            eprintln!("{backend}: {e}");
            std::process::exit(1);
        }
    }
}

async fn run_backend(backend: &str, args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(url) = &args.url {
        let db = Db::open(url).await?;
        let name = format!("{} (existing database)", db.backend().name());
        return bench(&db, &name, args).await;
    }
    let Some(b) = BenchDb::open(backend).await? else {
        return Ok(());
    };
    let result = bench(&b.db, b.name, args).await;
    b.finish().await?;
    result
}

async fn bench(db: &Db, name: &str, args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    if args.url.is_some() {
        println!("== {name}, year {YEAR}");
        return measure(db, args).await;
    }
    println!(
        "== {name}: {} learners × {} completions, year {YEAR}",
        args.learners, args.per_learner
    );
    let started = Instant::now();
    let opts = SyntheticOptions {
        learners: args.learners,
        year: YEAR,
        per_learner: args.per_learner,
        now: year_bounds(YEAR).1 - 1,
        rng_seed: 42,
    };
    let summary = seed::synthetic(db, &opts, |_| {}).await?;
    let seed_s = started.elapsed().as_secs_f64();
    println!(
        "seed: {} learners, {} entries in {seed_s:.1} s ({:.0} entries/s)",
        summary.learners,
        summary.entries,
        summary.entries as f64 / seed_s
    );
    measure(db, args).await
}

async fn measure(db: &Db, args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    roster_pages(db).await?;
    if args.roster_only {
        return Ok(());
    }
    let operator = Actor::local_operator();
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let report = standings::report(db, &operator, YEAR, None).await?;
        times.push(t.elapsed());
        rows = report.lines.len();
    }
    println!(
        "standings report (every assessed learner, whole city): {rows} rows, median {} min {}",
        ms(median(&mut times)),
        ms(times[0])
    );

    let t = Instant::now();
    let recomputed = entries::recomputed_standings(db.reader()).await?;
    println!(
        "recompute standings from the ledger (GROUP BY over all entries): {} rows in {}",
        recomputed.len(),
        ms(t.elapsed())
    );

    let learner_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE is_learner = 1")
        .fetch_all(db.reader())
        .await?;
    let course_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM courses")
        .fetch_all(db.reader())
        .await?;
    let mut rng = StdRng::seed_from_u64(7);
    let mut times = Vec::with_capacity(args.appends);
    let mut skipped = 0;
    let now = year_bounds(YEAR).1 - 60;
    while times.len() < args.appends {
        let learner = learner_ids[rng.gen_range(0..learner_ids.len())];
        let course = course_ids[rng.gen_range(0..course_ids.len())];
        let t = Instant::now();
        match ledger::complete_course(db, learner, course, now).await? {
            Award::Granted { .. } => times.push(t.elapsed()),
            Award::AlreadyGranted => skipped += 1,
        }
    }
    times.sort();
    println!(
        "append one entry + standing update ({} appends, {skipped} repeats not counted): median {} p99 {} max {}",
        times.len(),
        ms(times[times.len() / 2]),
        ms(times[times.len() * 99 / 100]),
        ms(times[times.len() - 1])
    );
    Ok(())
}

/// The roster screen's requests for the whole city: the first page (with the count of all
/// matches), a page further down (no count: the screen already has it), other sort orders and filters.
async fn roster_pages(db: &Db) -> Result<(), Box<dyn std::error::Error>> {
    let operator = Actor::local_operator();
    let base = Query {
        year: YEAR,
        unit_code: None,
        own_only: false,
        text: String::new(),
        status: Status::All,
        sort: SortKey::Unit,
        descending: false,
        offset: 0,
        limit: 100,
    };
    let shapes = [
        ("first page, by unit", base.clone()),
        (
            "page 500 (row 50,000), by unit",
            Query {
                offset: 50_000,
                ..base.clone()
            },
        ),
        (
            "first page, by username",
            Query {
                sort: SortKey::Username,
                ..base.clone()
            },
        ),
        (
            "first page, by total, highest first",
            Query {
                sort: SortKey::Total,
                descending: true,
                ..base.clone()
            },
        ),
        (
            "first page, non-compliant only",
            Query {
                status: Status::Noncompliant,
                ..base.clone()
            },
        ),
        (
            "first page, name filter 张",
            Query {
                text: "张".into(),
                ..base.clone()
            },
        ),
    ];
    for (name, query) in shapes {
        let mut times = Vec::new();
        let mut total = None;
        for _ in 0..5 {
            let t = Instant::now();
            let page = roster::page(db, &operator, &query).await?;
            times.push(t.elapsed());
            total = page.total;
        }
        let total = total.map_or("not counted".to_string(), |n| format!("{n} matches"));
        println!(
            "roster {name} ({total}): median {} min {}",
            ms(median(&mut times)),
            ms(times[0])
        );
    }
    Ok(())
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}
