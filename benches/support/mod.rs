//! A throwaway database for a benchmark: a SQLite file in a temporary folder, or a fresh
//! PostgreSQL database (127.0.0.1:5432 as user postgres, or the admin URL in WANGYUAN_TEST_PG)
//! dropped afterwards.

use sqlx::Connection;
use wangyuan::store::Db;

pub struct BenchDb {
    pub db: Db,
    pub name: &'static str,
    /// The database's URL, for a `wangyuan serve` process of its own.
    #[allow(dead_code)] // not every benchmark uses it
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl BenchDb {
    /// None when PostgreSQL was asked for but is not reachable (the caller says it was skipped).
    pub async fn open(backend: &str) -> Result<Option<BenchDb>, Box<dyn std::error::Error>> {
        match backend {
            "sqlite" => {
                let dir = tempfile::tempdir()?;
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                Ok(Some(BenchDb {
                    db: Db::open(&url).await?,
                    url,
                    name: "SQLite",
                    _dir: Some(dir),
                    pg: None,
                }))
            }
            "postgres" => {
                let admin = match std::env::var("WANGYUAN_TEST_PG") {
                    Ok(v) if v.starts_with("postgres") => v,
                    _ => "postgres://postgres@127.0.0.1:5432/postgres".into(),
                };
                sqlx::any::install_default_drivers();
                let mut conn = match sqlx::AnyConnection::connect(&admin).await {
                    Ok(c) => c,
                    Err(e) => {
                        println!("PostgreSQL: skipped ({admin} not reachable: {e})");
                        return Ok(None);
                    }
                };
                let name = format!("wy_bench_{}_{}", std::process::id(), rand::random::<u32>());
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await?;
                let _ = conn.close().await;
                let url = match admin.rsplit_once('/') {
                    Some((base, _)) => format!("{base}/{name}"),
                    None => return Err("bad admin url".into()),
                };
                Ok(Some(BenchDb {
                    db: Db::open(&url).await?,
                    url,
                    name: "PostgreSQL",
                    _dir: None,
                    pg: Some((admin, name)),
                }))
            }
            other => Err(format!("unknown backend {other}").into()),
        }
    }

    /// Closes the pools and drops a PostgreSQL database.
    pub async fn finish(self) -> Result<(), Box<dyn std::error::Error>> {
        self.db.close().await;
        if let Some((admin, name)) = self.pg {
            let mut conn = sqlx::AnyConnection::connect(&admin).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await?;
        }
        Ok(())
    }
}

/// The command line of a benchmark: `--backend NAME` (repeatable; both databases when absent) and
/// `--NAME VALUE` options handed to `option`; anything else (cargo passes `--bench`) is ignored.
#[allow(dead_code)] // not every benchmark uses it
pub fn parse_args(takes_value: &[&str], mut option: impl FnMut(&str, String)) -> Vec<String> {
    let mut backends = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        if arg == "--backend" {
            backends.push(it.next().unwrap_or_default());
        } else if takes_value.contains(&arg.as_str()) {
            option(&arg, it.next().unwrap_or_default());
        }
    }
    if backends.is_empty() {
        backends = vec!["sqlite".into(), "postgres".into()];
    }
    backends
}

/// A multi-threaded runtime for a benchmark's `main`; exits with status 1 when none can be made.
#[allow(dead_code)] // not every benchmark uses it
/// The allocator the `wangyuan` binary uses (src/main.rs), so the server parts measured here run
/// as they do in production.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            std::process::exit(1);
        }
    }
}

/// Runs `bench` on a throwaway database of each backend in turn; exits with status 1 at the first
/// failure.
#[allow(dead_code)] // not every benchmark uses it
pub fn run_each<F, Fut>(backends: &[String], bench: F)
where
    F: Fn(Db, &'static str) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let rt = runtime();
    for backend in backends {
        let run = async {
            let Some(b) = BenchDb::open(backend).await.map_err(|e| e.to_string())? else {
                return Ok(());
            };
            let result = bench(b.db.clone(), b.name).await;
            b.finish().await.map_err(|e| e.to_string())?;
            result
        };
        if let Err(e) = rt.block_on(run) {
            eprintln!("{backend}: {e}");
            std::process::exit(1);
        }
    }
}

/// At least `learners` active synthetic learners without credits (a few more are seeded, as the
/// synthetic city disables some accounts) and one published required course `code` of
/// `duration_s`; returns the learners' shared password.
#[allow(dead_code)] // not every benchmark uses it
pub async fn seed_viewers(
    db: &Db,
    learners: usize,
    code: &str,
    duration_s: i64,
    now: i64,
) -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    use wangyuan::demo::seed::{self, SyntheticOptions};
    use wangyuan::store::courses::{self, NewCourse};
    let summary = seed::synthetic(
        db,
        &SyntheticOptions {
            learners: learners + learners / 20 + 10,
            year: 2026,
            per_learner: 0,
            now,
            rng_seed: 1,
        },
        |_| {},
    )
    .await?;
    let mut tx = db.begin().await?;
    courses::insert(
        &mut tx,
        &NewCourse {
            code,
            title: "心跳基准课程",
            category: "theory",
            kind: "required",
            duration_s,
            designated_tenths: None,
            source: "local",
            media_path: None,
            description: "",
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(summary.password)
}
