//! Special training classes benchmark (issue 14): a class of N members (default 20,000) × 10
//! courses, its members seeded with 20 completions each over the year (so about a fifth of the
//! cells are done). Times (1) adding the members by unit and opening the class (one-off admin
//! actions), (2) the board's first page (50 rows) sorted by progress, with and without the
//! "behind" filter, and (3) the graduation recomputation after one completion (the hook every
//! ledger write runs in its own transaction), alone and as part of a whole course completion.
//! Targets: first page < 200 ms, recomputation < 10 ms.
//!
//!     cargo bench --bench classes                                # both databases, 20,000
//!     cargo bench --bench classes -- --members 5000 --backend sqlite
//!
//! PostgreSQL: 127.0.0.1:5432 as user postgres (or the admin URL in WANGYUAN_TEST_PG); the
//! benchmark makes its own database and drops it (benches/support).

mod support;

use std::time::{Duration, Instant};

use wangyuan::app::classes::{self, BoardQuery, BoardSort, ClassForm};
use wangyuan::app::{Actor, ledger};
use wangyuan::demo::seed::{self, SyntheticOptions};
use wangyuan::rules::Tenths;
use wangyuan::rules::ledger::EntryKind;
use wangyuan::rules::standing::Bucket;
use wangyuan::store::{self, Db};

/// 2026-06-15 12:00 +08:00, as the tests' clock.
const NOW: i64 = 1_781_496_000;
const RUNS: usize = 20;

fn main() {
    let mut members = 20_000usize;
    let backends = support::parse_args(&["--members"], |_, value| {
        members = value.parse().unwrap_or(members);
    });
    support::run_each(&backends, |db, name| async move {
        bench(&db, name, members).await.map_err(|e| e.to_string())
    });
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Median and maximum of the runs, in ms.
fn spread(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let max = times.last().copied().unwrap_or_default();
    (ms(median), ms(max))
}

async fn bench(db: &Db, name: &str, members: usize) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    // A few more than asked: the synthetic city disables some accounts and exempts others.
    seed::synthetic(
        db,
        &SyntheticOptions {
            learners: members + members / 8,
            year: 2026,
            per_learner: 20,
            now: NOW,
            rng_seed: 7,
        },
        |_| {},
    )
    .await?;
    db.refresh_statistics().await?;
    println!(
        "{name}: seeded {} learners × 20 completions in {:.1} s",
        members + members / 8,
        started.elapsed().as_secs_f64()
    );
    let office = Actor::local_operator();
    let form = ClassForm {
        title: "基准测试专题班".into(),
        from: "2026-01-01".into(),
        to: "2026-12-31".into(),
        ..Default::default()
    };
    let id = classes::create(db, &office, &form, NOW).await?;
    let codes: Vec<String> = sqlx::query_scalar(
        "SELECT code FROM courses WHERE status = 'published' ORDER BY id LIMIT 10",
    )
    .fetch_all(db.reader())
    .await?;
    classes::add_courses(db, &office, id, &codes, NOW).await?;
    // The first `members` active learners, as a list (the by-unit path is timed below on the whole
    // city in a second class, so both sizes are known).
    let usernames: Vec<String> = sqlx::query_scalar(
        "SELECT username FROM accounts WHERE is_learner = 1 AND status = 'active' ORDER BY id LIMIT $1",
    )
    .bind(members as i64)
    .fetch_all(db.reader())
    .await?;
    let t = Instant::now();
    let added = classes::add_members(db, &office, id, &usernames, NOW).await?;
    println!(
        "{name}: add {} members by list: {:.0} ms",
        added.added.len(),
        ms(t.elapsed())
    );
    let t = Instant::now();
    classes::open(db, &office, id, NOW).await?;
    println!(
        "{name}: open (recompute all, notices): {:.0} ms",
        ms(t.elapsed())
    );
    db.refresh_statistics().await?;

    let second = classes::create(db, &office, &form, NOW).await?;
    classes::add_courses(db, &office, second, &codes, NOW).await?;
    let t = Instant::now();
    let by_unit = classes::add_members_by_unit(db, &office, second, "LD", NOW).await?;
    println!(
        "{name}: add {} members by unit (the city's assessed population): {:.0} ms",
        by_unit.added.len(),
        ms(t.elapsed())
    );

    for (label, q) in [
        (
            "board first page, least progress first",
            BoardQuery {
                sort: BoardSort::ProgressAsc,
                behind_only: false,
                offset: 0,
                limit: 50,
            },
        ),
        (
            "board first page, most progress first",
            BoardQuery {
                sort: BoardSort::ProgressDesc,
                ..Default::default()
            },
        ),
        (
            "board first page, behind only",
            BoardQuery {
                sort: BoardSort::ProgressAsc,
                behind_only: true,
                offset: 0,
                limit: 50,
            },
        ),
        (
            "board page 200 (rows 10,000–10,049), by unit",
            BoardQuery {
                offset: 10_000,
                ..Default::default()
            },
        ),
    ] {
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let board = classes::board(db, &office, id, &q).await?;
            times.push(t.elapsed());
            rows = board.total_rows;
        }
        let (median, max) = spread(times);
        println!(
            "{name}: {label} (of {rows}): median {median:.1} ms, max {max:.1} ms (target < 200)"
        );
    }

    // Members with a class course not yet completed: each completes it once.
    let pending: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT m.account_id, cc.course_id FROM class_members m \
         JOIN class_courses cc ON cc.class_id = m.class_id \
         WHERE m.class_id = $1 AND NOT EXISTS (SELECT 1 FROM ledger e \
            WHERE e.account_id = m.account_id AND e.course_id = cc.course_id) \
         ORDER BY m.account_id, cc.course_id LIMIT 400",
    )
    .bind(id)
    .fetch_all(db.reader())
    .await?;
    let mut seen = std::collections::HashSet::new();
    let pending: Vec<(i64, i64)> = pending
        .into_iter()
        .filter(|(a, _)| seen.insert(*a))
        .collect();
    // The recomputation a completion triggers: the completion entry is written first in the same
    // transaction (so the member's progress really moves), then only the hook is timed; rolled back.
    let mut hook = Vec::new();
    for (account, course) in pending.iter().take(RUNS * 2) {
        let mut tx = db.begin().await?;
        store::ledger::append(&mut tx, &completion(*account, *course), NOW + 60).await?;
        let t = Instant::now();
        classes::after_ledger_write(&mut tx, *account).await?;
        hook.push(t.elapsed());
        tx.rollback().await?;
    }
    let (median, max) = spread(hook);
    println!(
        "{name}: graduation recomputation for one member (2 classes): median {median:.2} ms, max {max:.2} ms (target < 10)"
    );
    let mut whole = Vec::new();
    let at = NOW + 3_600;
    for (account, course) in pending.iter().skip(RUNS * 2).take(RUNS * 2) {
        let t = Instant::now();
        ledger::complete_course(db, *account, *course, at).await?;
        whole.push(t.elapsed());
    }
    let (median, max) = spread(whole);
    println!(
        "{name}: a whole course completion (ledger entry, standing, recomputation, commit): median {median:.2} ms, max {max:.2} ms"
    );
    let t = Instant::now();
    classes::close(db, &office, id, NOW + 7_200).await?;
    println!(
        "{name}: close (recompute all, freeze): {:.0} ms",
        ms(t.elapsed())
    );
    Ok(())
}

/// A plain completion entry of `course` for `account` (what `ledger::complete_course` appends
/// before its hook runs).
fn completion(account: i64, course: i64) -> store::ledger::NewEntry {
    store::ledger::NewEntry {
        account_id: account,
        kind: EntryKind::Course,
        bucket: Bucket::Required,
        course_id: Some(course),
        exam_id: None,
        reference: format!("bench {course}"),
        tenths: Tenths(10),
        earned_at: NOW + 60,
        credit_year: 2026,
        reason: "完成课程学习".into(),
        actor_id: None,
        rule: "bench".into(),
        award_key: Some(format!("bench:{course}")),
        revokes_id: None,
    }
}
