//! Heartbeat throughput (issue 4), in process (no HTTP): N learners each hold a playback lease and
//! send beats (each with its web session, as the site sends them) back to back through
//! `app::playback::Heartbeats`, the batching writer, with a
//! simulated clock 12 s ahead per beat (answering anti-idle checks); every beat must be accepted. Prints the
//! accepted beats per second and the latency of a beat (queueing included) on SQLite and
//! PostgreSQL, then checks that the stored unions add up.
//!
//!     cargo bench --bench playback                         # 2,000 sessions × 10 beats, both databases
//!     cargo bench --bench playback -- --sessions 500 --rounds 20 --backend sqlite

mod support;

use std::time::{Duration, Instant};

use wangyuan::app::auth::SignedIn;
use wangyuan::app::playback::{self, Beat, BeatStatus, Heartbeats};
use wangyuan::app::{self, Actor};
use wangyuan::store::Db;

const T0: i64 = 1_781_496_000;
const COURSE: &str = "BENCH-BEATS";

struct Args {
    sessions: usize,
    rounds: i64,
    backends: Vec<String>,
}

fn parse_args() -> Args {
    let mut a = Args {
        sessions: 2_000,
        rounds: 10,
        backends: Vec::new(),
    };
    a.backends = support::parse_args(&["--sessions", "--rounds"], |name, value| match name {
        "--sessions" => a.sessions = value.parse().unwrap_or(a.sessions),
        _ => a.rounds = value.parse().unwrap_or(a.rounds),
    });
    a
}

fn main() {
    let args = parse_args();
    support::run_each(&args.backends, |db, name| {
        let args = &args;
        async move { bench(&db, name, args).await.map_err(|e| e.to_string()) }
    });
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn bench(db: &Db, name: &str, args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "== {name}: {} sessions × {} beats",
        args.sessions, args.rounds
    );
    support::seed_viewers(db, args.sessions, COURSE, 1_000_000, T0)
        .await
        .map_err(|e| e.to_string())?;
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT username FROM accounts WHERE is_learner = 1 AND status = 'active' \
         ORDER BY id LIMIT $1",
    )
    .bind(args.sessions as i64)
    .fetch_all(db.reader())
    .await?;
    let hb = Heartbeats::spawn(db.clone());
    let started = Instant::now();
    let mut sessions = Vec::with_capacity(names.len());
    for name in &names {
        let actor = Actor::load(db, name, "127.0.0.1").await?;
        let signed = SignedIn {
            actor: actor.clone(),
            real_name: String::new(),
            must_change: false,
        };
        let session = app::sessions::start(db, &signed, "bench", T0).await?;
        // As the site does: the player opens the course, then beats.
        let opened = hb.open(&actor, &session, COURSE, "bench", T0).await?;
        sessions.push((actor, session, opened.lease_id));
    }
    println!(
        "opened {} leases in {:.1} s",
        sessions.len(),
        started.elapsed().as_secs_f64()
    );

    let rounds = args.rounds;
    let started = Instant::now();
    let tasks: Vec<_> = sessions
        .into_iter()
        .map(|(actor, session, lease)| {
            let hb = hb.clone();
            let db = db.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(rounds as usize);
                let mut credited = 0;
                for r in 1..=rounds {
                    let beat = Beat {
                        lease_id: lease.clone(),
                        position_s: (12 * r) as f64,
                        rate: 1.0,
                        paused: false,
                        visible: true,
                    };
                    let t = Instant::now();
                    let reply = hb.beat(&session, "127.0.0.1", beat, T0 + 12 * r).await?;
                    latencies.push(t.elapsed());
                    if reply.status != BeatStatus::Ok {
                        return Err(format!("beat {r} of {}: {reply:?}", actor.username).into());
                    }
                    credited += reply.credited_s;
                    if reply.check.is_some() {
                        // The simulated learner reads the picture (here: the database) and answers.
                        let code: Option<String> = sqlx::query_scalar(
                            "SELECT code FROM playback_checks WHERE account_id = $1",
                        )
                        .bind(actor.account_id)
                        .fetch_one(db.reader())
                        .await?;
                        let code = code.unwrap_or_default();
                        playback::answer(&db, &actor, &code, T0 + 12 * r + 1).await?;
                    }
                }
                Ok::<_, BoxError>((latencies, credited))
            })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut credited = 0;
    for task in tasks {
        let (l, c) = task.await?.map_err(|e| e.to_string())?;
        latencies.extend(l);
        credited += c;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    println!(
        "{} beats acknowledged in {:.2} s: {:.0} beats/s; latency p50 {} p99 {} max {}",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(pct(0.5)),
        ms(pct(0.99)),
        ms(pct(1.0)),
    );
    let stored: i64 = sqlx::query_scalar("SELECT CAST(SUM(watched_s) AS BIGINT) FROM playback")
        .fetch_one(db.reader())
        .await?;
    // Every beat credits 12 s, except one per anti-idle check answered.
    let most = names.len() as i64 * rounds * 12;
    println!("stored watched seconds {stored}; acknowledged {credited} (at most {most})");
    if stored != credited || credited > most || credited < most / 2 {
        return Err("stored unions do not add up".into());
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
