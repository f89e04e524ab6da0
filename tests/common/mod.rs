//! Test fixture: a fresh migrated database per test, on SQLite (always) and PostgreSQL (at
//! 127.0.0.1:5432, or the URL in WANGYUAN_TEST_PG). With WANGYUAN_TEST_PG set, an unreachable
//! PostgreSQL fails the test; without it, PostgreSQL tests print that they were skipped.
#![allow(dead_code)]

pub mod cmd;
pub mod http;
pub mod mp4;
pub mod serve;
pub mod ssh;

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;
use wangyuan::demo::seed::{self, SyntheticOptions};
use wangyuan::store::Db;

const DEFAULT_PG_ADMIN: &str = "postgres://postgres@127.0.0.1:5432/postgres";

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestDb {
    pub db: Db,
    pub url: String,
    pub name: &'static str,
    pg: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let db = Db::open(&url).await.expect("open sqlite");
        TestDb {
            db,
            url,
            name: "sqlite",
            pg: None,
            _dir: Some(dir),
        }
    }

    /// A fresh PostgreSQL database, or None (skipped) when PostgreSQL is not required and not there.
    pub async fn postgres() -> Option<TestDb> {
        let required = std::env::var("WANGYUAN_TEST_PG").ok();
        let admin = match required.as_deref() {
            Some(v) if v.starts_with("postgres") => v.to_string(),
            _ => DEFAULT_PG_ADMIN.to_string(),
        };
        sqlx::any::install_default_drivers();
        let mut conn = match sqlx::AnyConnection::connect(&admin).await {
            Ok(c) => c,
            Err(e) if required.is_none() => {
                say_skipped(&admin, &e);
                return None;
            }
            Err(e) => {
                panic!("WANGYUAN_TEST_PG is set but PostgreSQL is not reachable at {admin}: {e}")
            }
        };
        let name = format!(
            "wy_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let _ = conn.close().await;
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("bad admin url {admin}"),
        };
        let db = Db::open(&url).await.expect("open postgres");
        Some(TestDb {
            db,
            url,
            name: "postgres",
            pg: Some((admin, name)),
            _dir: None,
        })
    }

    /// SQLite, then PostgreSQL when available.
    pub async fn all() -> Vec<TestDb> {
        let mut v = vec![TestDb::sqlite().await];
        if let Some(pg) = TestDb::postgres().await {
            v.push(pg);
        }
        v
    }

    /// Seeds the demo units and catalogue plus `learners` learners without history.
    pub async fn with_city(learners: usize) -> Vec<TestDb> {
        TestDb::with_city_password(learners)
            .await
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }

    /// As `with_city`, with the learners' shared password.
    pub async fn with_city_password(learners: usize) -> Vec<(TestDb, String)> {
        let mut out = Vec::new();
        for t in TestDb::all().await {
            let s = seed::synthetic(
                &t.db,
                &SyntheticOptions {
                    learners,
                    year: 2026,
                    per_learner: 0,
                    now: NOW,
                    rng_seed: 3,
                },
                |_| {},
            )
            .await
            .expect("seed city");
            out.push((t, s.password));
        }
        out
    }
}

/// Tells once per test binary that the PostgreSQL half was skipped. Written to the stderr handle
/// itself, which the test harness does not capture, so it shows even when the tests pass.
fn say_skipped(admin: &str, e: &sqlx::Error) {
    use std::io::Write;
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        let _ = writeln!(
            std::io::stderr(),
            "skipped: PostgreSQL tests (not reachable at {admin}: {e}; set WANGYUAN_TEST_PG to require them)"
        );
    });
}

/// A fixed clock for tests: 2026-06-15 12:00 +08:00.
pub const NOW: i64 = 1_781_496_000;

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg.take() else {
            return;
        };
        // Drop may run inside the test's runtime, so clean up on a thread with a runtime of its
        // own; FORCE ends the test's still-open pool connections.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await {
                    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await;
                }
            });
        })
        .join();
    }
}

/// The single integer a query returns (a COUNT(*) with no parameters).
pub async fn count(db: &Db, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(db.reader())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Seeds the demo city (with `learners` learners, the fixed clock and a fixed RNG seed) into `db`.
pub async fn seed_demo(db: &Db, learners: usize) -> wangyuan::demo::seed::DemoSummary {
    let opts = wangyuan::demo::seed::DemoOptions {
        learners,
        year: 2026,
        now: NOW,
        rng_seed: 5,
    };
    seed::demo(db, &opts).await.expect("seed the demo city")
}

/// Every available database, each with the demo city of `learners` learners.
pub async fn all_with_demo(learners: usize) -> Vec<TestDb> {
    let all = TestDb::all().await;
    for t in &all {
        seed_demo(&t.db, learners).await;
    }
    all
}

/// The password the demo gave a staff account.
pub fn staff_password(s: &wangyuan::demo::seed::DemoSummary, user: &str) -> String {
    s.staff
        .iter()
        .find(|x| x.username == user)
        .map(|x| x.password.clone())
        .expect("staff user")
}

/// The roster number in what `roster submit` prints ("已提交名单 12（…").
pub fn submitted_id(out: &str) -> i64 {
    out.trim_start_matches("已提交名单 ")
        .split('（')
        .next()
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no roster id in {out}"))
}

/// A roster of three people for 娄星区's units (batch 2), as its liaison would submit it.
pub fn lx_roster_csv() -> String {
    let mut csv = "姓名,身份证号,单位,职务/职级,手机,批次\n".to_string();
    for (i, (name, unit)) in [("单雄信", "LX01"), ("曾国华", "LX03"), ("吕梅", "LX05")]
        .iter()
        .enumerate()
    {
        let id = wangyuan::rules::idnum::complete(&format!("43130220010203{i:03}")).expect("id");
        csv.push_str(&format!("{name},{id},{unit},科员,13800000000,2\n"));
    }
    csv
}

/// (username, initial password) of each row of `roster credentials --format csv`.
pub fn credential_rows(csv: &[u8]) -> Vec<(String, String)> {
    csv::Reader::from_reader(csv)
        .records()
        .map(|r| {
            let r = r.expect("record");
            (r[3].to_string(), r[4].to_string())
        })
        .collect()
}

/// A short required course of `duration_s` seconds; returns its code.
pub async fn short_course(db: &Db, code: &str, duration_s: i64) -> String {
    short_course_of(db, code, duration_s, "test.wav").await
}

/// A short required course (designated credits 1.5) played from `media_path`; returns its code.
pub async fn short_course_of(db: &Db, code: &str, duration_s: i64, media_path: &str) -> String {
    let mut tx = db.begin().await.expect("begin");
    wangyuan::store::courses::insert(
        &mut tx,
        &wangyuan::store::courses::NewCourse {
            code,
            title: "测试短课",
            category: "theory",
            kind: "required",
            duration_s,
            designated_tenths: Some(15),
            source: "local",
            media_path: Some(media_path),
            description: "",
        },
        NOW,
    )
    .await
    .expect("insert course");
    tx.commit().await.expect("commit");
    code.to_string()
}

/// A staff account made by the local console (password "Passw0rd-long"), as an actor.
pub async fn staff(
    db: &Db,
    role: wangyuan::app::actor::RoleKind,
    username: &str,
    unit: Option<&str>,
) -> wangyuan::app::Actor {
    use wangyuan::app::Actor;
    use wangyuan::app::admin::{self, AddStaff};
    admin::add_staff(
        db,
        &Actor::local_operator(),
        AddStaff {
            role,
            unit_code: unit,
            username,
            real_name: None,
            password: Some("Passw0rd-long".into()),
        },
        NOW,
    )
    .await
    .expect("add staff");
    Actor::load(db, username, "test").await.expect("actor")
}

/// An actor for `username`, signed in from the test address.
pub async fn actor(t: &TestDb, username: &str) -> wangyuan::app::Actor {
    wangyuan::app::Actor::load(&t.db, username, "test")
        .await
        .expect("actor")
}

/// The `nth` learner (by id, from 0) as an actor.
pub async fn learner(db: &Db, nth: i64) -> wangyuan::app::Actor {
    let name: String = sqlx::query_scalar(
        "SELECT username FROM accounts WHERE is_learner = 1 ORDER BY id LIMIT 1 OFFSET $1",
    )
    .bind(nth)
    .fetch_one(db.reader())
    .await
    .expect("learner");
    wangyuan::app::Actor::load(db, &name, "127.0.0.1")
        .await
        .expect("actor")
}

/// The first `n` learners (by id) as actors.
pub async fn learners(db: &Db, n: i64) -> Vec<wangyuan::app::Actor> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT username FROM accounts WHERE is_learner = 1 ORDER BY id LIMIT $1",
    )
    .bind(n)
    .fetch_all(db.reader())
    .await
    .expect("learners");
    let mut out = Vec::new();
    for name in names {
        out.push(
            wangyuan::app::Actor::load(db, &name, "127.0.0.1")
                .await
                .expect("actor"),
        );
    }
    out
}

/// The username of the first learner (by id) of 娄星区 (LX) in the demo city.
pub async fn lx_learner(db: &Db) -> String {
    sqlx::query_scalar(
        "SELECT a.username FROM accounts a JOIN units u ON u.id = a.unit_id \
         WHERE a.is_learner = 1 AND u.path LIKE (SELECT path FROM units WHERE code = 'LX') || '%' \
         ORDER BY a.id LIMIT 1",
    )
    .fetch_one(db.reader())
    .await
    .expect("a learner of 娄星区")
}

/// How many ledger entries of `kind` ('course', 'exam', …) the account has.
pub async fn ledger_entries(db: &Db, account: i64, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ledger WHERE account_id = $1 AND kind = $2")
        .bind(account)
        .bind(kind)
        .fetch_one(db.reader())
        .await
        .expect("ledger count")
}

/// Runs the built binary with `args` in `dir` (its data folder inside) against the database at
/// `url`, feeding `stdin`; (exit code, stdout bytes, stderr).
pub fn wangyuan<S: AsRef<std::ffi::OsStr>>(
    dir: &std::path::Path,
    url: &str,
    args: &[S],
    stdin: &[u8],
) -> (i32, Vec<u8>, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_wangyuan"))
        .args(args)
        .current_dir(dir)
        .env("WANGYUAN_DATA_DIR", dir.join("data"))
        .env("WANGYUAN_LOG", "warn")
        .env("WANGYUAN_DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn wangyuan");
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin).expect("stdin");
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the built `wangyuan exec ARGS` in `dir` (its data folder inside) against the database at
/// `url`, as an operator on the machine would.
pub fn wangyuan_exec(dir: &std::path::Path, url: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_wangyuan"))
        .arg("exec")
        .args(args)
        .current_dir(dir)
        .env("WANGYUAN_DATA_DIR", dir.join("data"))
        .env("WANGYUAN_LOG", "warn")
        .env("WANGYUAN_DATABASE_URL", url)
        .output()
        .expect("run wangyuan exec")
}
