//! Roster benchmark (issue 5): a unit submits a roster of N cadres (default 10,000); time (1) the
//! file's validation alone, (2) the whole submission (validation and saving), (3) the college
//! accepting every row and passing it on, (4) the bound for issuing: up to 1,000 Argon2id hashes
//! alone on the hashing threads, per account (before and after issuing, averaged), (5) the office approving it, which hashes N initial
//! passwords with Argon2id and issues N accounts in one transaction — while a staff member signs
//! in with a password every 250 ms, and the slowest of those sign-ins is reported — and (6) the
//! unit fetching the credentials, which wipes the initial passwords.
//!
//!     cargo bench --bench roster                          # both databases, 10,000 rows
//!     cargo bench --bench roster -- --rows 2000 --backend postgres
//!
//! PostgreSQL: 127.0.0.1:5432 as user postgres (or the admin URL in WANGYUAN_TEST_PG); the
//! benchmark makes its own database and drops it (benches/support).

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use wangyuan::app::actor::RoleKind;
use wangyuan::app::admin::{self, AddStaff};
use wangyuan::app::submission::{self, Decision, Progress};
use wangyuan::app::{Actor, auth, password};
use wangyuan::demo::seed::{self, SyntheticOptions};
use wangyuan::rules::idnum::complete;
use wangyuan::rules::submission::{self as rules, Context, UnitRef};
use wangyuan::store::{Db, units};

const NOW: i64 = 1_781_496_000;
const STAFF_PASSWORD: &str = "Bench2026pass";

struct Args {
    rows: usize,
    backends: Vec<String>,
}

fn parse_args() -> Args {
    let mut rows = 10_000;
    let backends = support::parse_args(&["--rows"], |_, value| {
        rows = value.parse().unwrap_or(rows);
    });
    Args { rows, backends }
}

fn main() {
    let args = parse_args();
    support::run_each(&args.backends, |db, name| {
        let args = &args;
        async move { bench(&db, name, args).await.map_err(|e| e.to_string()) }
    });
}

type Failure = Box<dyn std::error::Error>;

/// A roster of `n` people with distinct ID numbers (born 2001–2003) in the units below 娄星区.
fn roster_file(n: usize, unit_codes: &[String]) -> Vec<u8> {
    const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "曾", "单", "吕", "欧阳"];
    const GIVEN: &[&str] = &["伟", "芳", "敏", "静", "强", "磊", "洋", "艳", "勇", "军"];
    let mut s = String::from("姓名,身份证号,单位,职务/职级,手机,批次\n");
    for i in 0..n {
        let day = i / 1000;
        let first17 = format!(
            "431302{:04}{:02}{:02}{:03}",
            2001 + day / 336,
            1 + (day / 28) % 12,
            1 + day % 28,
            i % 1000
        );
        let id = complete(&first17)
            .map(|id| id.to_string())
            .unwrap_or_default();
        let name = format!(
            "{}{}{}",
            SURNAMES[i % SURNAMES.len()],
            GIVEN[(i / 10) % GIVEN.len()],
            GIVEN[(i / 100) % GIVEN.len()]
        );
        let unit = &unit_codes[i % unit_codes.len()];
        s.push_str(&format!("{name},{id},{unit},科员,138{:08},2\n", i));
    }
    s.into_bytes()
}

async fn bench(db: &Db, backend: &str, args: &Args) -> Result<(), Failure> {
    seed::synthetic(
        db,
        &SyntheticOptions {
            learners: 0,
            year: 2026,
            per_learner: 0,
            now: NOW,
            rng_seed: 1,
        },
        |_| {},
    )
    .await?;
    let operator = Actor::local_operator();
    for (role, username, unit) in [
        (RoleKind::Office, "office", None),
        (RoleKind::College, "college", None),
        (RoleKind::Unit, "lx_liaison", Some("LX")),
    ] {
        admin::add_staff(
            db,
            &operator,
            AddStaff {
                role,
                unit_code: unit,
                username,
                real_name: None,
                password: Some(STAFF_PASSWORD.into()),
            },
            NOW,
        )
        .await?;
    }
    let lx = Actor::load(db, "lx_liaison", "bench").await?;
    let college = Actor::load(db, "college", "bench").await?;
    let office = Actor::load(db, "office", "bench").await?;
    let all_units = units::all(db.reader()).await?;
    let lx_codes: Vec<String> = all_units
        .iter()
        .filter(|u| u.code.starts_with("LX") && u.code.len() > 2)
        .map(|u| u.code.clone())
        .collect();
    let file = roster_file(args.rows, &lx_codes);
    println!(
        "{backend}: roster of {} rows ({} KiB CSV), {} cores",
        args.rows,
        file.len() / 1024,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // (1) Validation alone, as `submit` does it, without saving.
    let by_key: HashMap<String, UnitRef> = all_units
        .iter()
        .flat_map(|u| {
            let r = UnitRef {
                id: u.id,
                code: u.code.clone(),
                name: u.name.clone(),
                path: u.path.clone(),
            };
            [(u.code.clone(), r.clone()), (u.name.clone(), r)]
        })
        .collect();
    let empty = HashSet::new();
    let scope = |p: &str| lx.covers(p);
    let ctx = Context {
        units: &by_key,
        in_scope: &scope,
        accounts: &empty,
        pending: &empty,
    };
    let t = Instant::now();
    let rows = rules::parse(&file, None, &ctx).map_err(|p| format!("{:?}", p.first()))?;
    println!(
        "  validate {} rows:            {:>8.3} s",
        rows.len(),
        secs(t)
    );

    // (2) The whole submission: load units and ID numbers, validate, save.
    let t = Instant::now();
    let done = submission::submit(db, &lx, &file, None, "bench.csv", NOW).await?;
    println!("  submit (validate + save):      {:>8.3} s", secs(t));

    // (3) Review: accept all, pass on.
    let t = Instant::now();
    submission::review(
        db,
        &college,
        done.id,
        &[(1, i64::MAX)],
        &Decision::Accept,
        NOW,
    )
    .await?;
    submission::pass(db, &college, done.id, NOW).await?;
    println!("  review (accept all, pass on):  {:>8.3} s", secs(t));

    // (4) The bound: the same Argon2id hashes alone, on the same hashing threads, no database;
    // measured again after issuing and averaged, as the machine's speed drifts over a minute.
    let sample = args.rows.clamp(1, 1000);
    let before_ms = hashing_alone(sample).await?;
    println!("  hashing alone ({sample} hashes):   {before_ms:>8.1} ms per account");

    // (5) Approve and issue, with a sign-in every 250 ms meanwhile.
    let stop = Arc::new(AtomicBool::new(false));
    let signer = {
        let (db, stop) = (db.clone(), stop.clone());
        tokio::spawn(async move {
            let mut worst = Duration::ZERO;
            let mut count = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = matches!(
                    auth::with_password(
                        &db,
                        "office",
                        STAFF_PASSWORD,
                        &format!("10.0.0.{}", count % 200),
                        NOW
                    )
                    .await,
                    Ok(Ok(_))
                );
                if !ok {
                    return Err("a sign-in during issuing failed".to_string());
                }
                worst = worst.max(t.elapsed());
                count += 1;
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Ok((count, worst))
        })
    };
    let progress = Progress::default();
    // When the last hash is done; the rest of the approval is its one transaction.
    let hashed = {
        let progress = progress.clone();
        tokio::spawn(async move {
            loop {
                let (done, total) = progress.get();
                if total > 0 && done == total {
                    return Instant::now();
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
    };
    let t = Instant::now();
    let issued = submission::approve(db, &office, done.id, &progress, NOW).await?;
    let issuing = secs(t);
    // Nothing to hash (no row accepted) never reaches "done == total": count it all as hashing.
    let hashing = match tokio::time::timeout(Duration::from_secs(1), hashed).await {
        // Polled, so up to a millisecond late: never past the end of the approval.
        Ok(Ok(at)) => at.duration_since(t).as_secs_f64().min(issuing),
        _ => issuing,
    };
    stop.store(true, Ordering::Relaxed);
    let (count, worst) = signer.await??;
    let after_ms = hashing_alone(sample).await?;
    let bound_ms = (before_ms + after_ms) / 2.0;
    println!(
        "  hashing alone again:          {after_ms:>8.1} ms per account; the bound: {bound_ms:.1} ms"
    );
    let per_account = issuing * 1000.0 / issued.accounts.max(1) as f64;
    println!(
        "  approve: issue {} accounts:    {:>8.3} s ({per_account:.1} ms per account, {:.0} % of the bound; Argon2id m=19456 KiB, t=2, p=1)",
        issued.accounts,
        issuing,
        per_account / bound_ms * 100.0
    );
    println!(
        "    of which hashing {hashing:.3} s, the issuing transaction {:.3} s",
        issuing - hashing
    );
    println!(
        "  sign-ins meanwhile: {count}, slowest {:.0} ms",
        worst.as_secs_f64() * 1000.0
    );

    // (6) The unit fetches the credentials once; the passwords are wiped, and on SQLite the
    // write-ahead log is emptied after them.
    let t = Instant::now();
    let fetched = submission::credentials(db, &lx, done.id, NOW).await?;
    println!(
        "  fetch {} credentials (wipe):   {:>8.3} s",
        fetched.len(),
        secs(t)
    );
    Ok(())
}

/// Milliseconds per hash of `n` initial passwords hashed alone on the hashing threads.
async fn hashing_alone(n: usize) -> Result<f64, Failure> {
    let passwords: Vec<String> = (0..n).map(|_| password::random_initial()).collect();
    let t = Instant::now();
    password::hash_many(passwords, Default::default()).await?;
    Ok(secs(t) * 1000.0 / n as f64)
}

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}
