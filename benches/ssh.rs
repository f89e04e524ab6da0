//! SSH benchmark (issues 3 and 12). Starts `wangyuan demo` as a separate process and measures it:
//!
//! 1. N interactive sessions (russh client, PTY 100×30) that all sign in within the same second
//!    (`--spread-ms`, 1000), each pressing a navigation key every 500 ms from its first frame on,
//!    for `--seconds`: keystroke-to-frame latency (p50/p99/max) over the WHOLE run, the sign-in
//!    burst included; "unanswered" keys (no frame within 5 s); sign-in time (connect to first
//!    frame); bytes per frame; the server's peak memory.
//! 2. `report standings` of a large database as CSV over SSH `exec`, end to end.
//!
//! ```text
//! cargo bench --bench ssh                          # 200 sessions for 20 s, SQLite demo
//! cargo bench --bench ssh -- --backend postgres    # the demo on a fresh PostgreSQL database
//! cargo bench --bench ssh -- --sessions 50 --seconds 10
//! cargo bench --bench ssh -- --report-db sqlite:///path/seeded.db   # also time the CSV report
//! ```
//!
//! PostgreSQL is 127.0.0.1:5432 as user postgres, or the admin URL in WANGYUAN_TEST_PG. The
//! report database is one made by `wangyuan seed --learners 100000 --year 2026`.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::ChannelMsg;
use russh::client::{self, Handle};
use russh::keys::PublicKeyOrCertificate;
use tokio::io::AsyncBufReadExt;

struct Args {
    sessions: usize,
    seconds: u64,
    report_db: Option<String>,
    backend: String,
    spread_ms: u64,
}

fn parse_args() -> Args {
    let mut a = Args {
        sessions: 200,
        seconds: 20,
        report_db: None,
        backend: "sqlite".into(),
        spread_ms: 1000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match arg.as_str() {
            "--sessions" => a.sessions = value().parse().unwrap_or(a.sessions),
            "--seconds" => a.seconds = value().parse().unwrap_or(a.seconds),
            "--report-db" => a.report_db = Some(value()),
            "--backend" => a.backend = value(),
            "--spread-ms" => a.spread_ms = value().parse().unwrap_or(a.spread_ms),
            _ => {}
        }
    }
    a
}

struct Client;

impl client::Handler for Client {
    type Error = russh::Error;
    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// A running `wangyuan` process and where it listens.
struct Server {
    child: tokio::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
    office_password: String,
    db_url: String,
}

/// What the server runs: the demo (on its own SQLite file, or on the database at a URL), or
/// `serve` of a seeded database.
enum Mode<'a> {
    Demo(Option<&'a str>),
    Serve(&'a str),
}

async fn start_server(mode: Mode<'_>) -> Result<Server, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_wangyuan"));
    cmd.current_dir(dir.path())
        .env("WANGYUAN_DATA_DIR", dir.path().join("data"))
        .env("WANGYUAN_KEYS_DIR", dir.path().join("keys"))
        .env("WANGYUAN_SSH_LISTEN", format!("127.0.0.1:{port}"))
        .env("WANGYUAN_LOG", "info")
        // The sessions come from 200 loopback addresses at once; production staff come from
        // their own machines, under the default caps per address.
        .env("WANGYUAN_SSH_MAX_UNAUTHENTICATED", "512")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    match mode {
        // A seeded database: add a staff account to it and serve it.
        Mode::Serve(url) => {
            let add = std::process::Command::new(env!("CARGO_BIN_EXE_wangyuan"))
                .args([
                    "admin",
                    "add",
                    "--role",
                    "office",
                    "--username",
                    "benchoffice",
                    "--password-stdin",
                ])
                .env("WANGYUAN_DATABASE_URL", url)
                .stdin(std::process::Stdio::piped())
                .spawn()
                .and_then(|mut c| {
                    use std::io::Write;
                    if let Some(mut i) = c.stdin.take() {
                        i.write_all(b"Bench2026pass\n")?;
                    }
                    c.wait()
                })?;
            let _ = add; // an existing account keeps its password
            std::fs::create_dir_all(dir.path().join("keys"))?;
            cmd.arg("serve").env("WANGYUAN_DATABASE_URL", url);
        }
        Mode::Demo(url) => {
            // The credentials file goes there whichever database the demo is on.
            std::fs::create_dir_all(dir.path().join("data"))?;
            cmd.args(["demo", "--learners", "3000"]);
            match url {
                Some(url) => cmd.env("WANGYUAN_DATABASE_URL", url),
                None => cmd.env_remove("WANGYUAN_DATABASE_URL"),
            };
        }
    }
    let mut child = cmd.spawn()?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    while let Some(line) = lines.next_line().await? {
        if line.contains("服务已就绪") {
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let office_password = match mode {
        Mode::Serve(_) => "Bench2026pass".to_string(),
        Mode::Demo(_) => {
            let creds =
                std::fs::read_to_string(dir.path().join("data").join("demo-credentials.txt"))?;
            creds
                .lines()
                .find(|l| l.contains("用户名 office，"))
                .and_then(|l| l.split("密码 ").nth(1))
                .map(|p| p.trim().to_string())
                .ok_or("no office password")?
        }
    };
    let db_url = match mode {
        Mode::Serve(url) | Mode::Demo(Some(url)) => url.to_string(),
        Mode::Demo(None) => format!(
            "sqlite://{}",
            dir.path().join("data").join("demo.db").display()
        ),
    };
    Ok(Server {
        child,
        port,
        _dir: dir,
        office_password,
        db_url,
    })
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

async fn connect(
    port: u16,
    user: &str,
    password: &str,
) -> Result<Handle<Client>, Box<dyn std::error::Error + Send + Sync>> {
    connect_from(std::net::Ipv4Addr::LOCALHOST, port, user, password).await
}

/// Signs in from a loopback address of our choosing (all of 127.0.0.0/8 reaches the server), so
/// that many sessions look like many staff machines to the per-address limits.
async fn connect_from(
    from: std::net::Ipv4Addr,
    port: u16,
    user: &str,
    password: &str,
) -> Result<Handle<Client>, Box<dyn std::error::Error + Send + Sync>> {
    let config = Arc::new(client::Config {
        inactivity_timeout: None,
        ..Default::default()
    });
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind((from, 0).into())?;
    let stream = socket
        .connect((std::net::Ipv4Addr::LOCALHOST, port).into())
        .await?;
    let mut h = client::connect_stream(config, stream, Client).await?;
    if !h.authenticate_password(user, password).await?.success() {
        return Err("sign-in refused".into());
    }
    Ok(h)
}

/// Frames end with the synchronized-output end marker.
const FRAME_END: &[u8] = b"\x1b[?2026l";

fn ends_frame(data: &[u8]) -> bool {
    data.windows(FRAME_END.len()).any(|w| w == FRAME_END)
}

/// A key with no frame within this long counts as unanswered.
const UNANSWERED: Duration = Duration::from_secs(5);

struct SessionStats {
    /// Connect to the first frame.
    signin: Duration,
    latencies: Vec<Duration>,
    unanswered: usize,
    bytes: u64,
    frames: u64,
}

/// One session: signs in at `start_at`, presses a key every 500 ms from its first frame on for
/// `seconds`, then reads on for up to 5 s so its last keys may still be answered.
async fn one_session(
    i: usize,
    port: u16,
    seconds: u64,
    start_at: tokio::time::Instant,
) -> Result<SessionStats, Box<dyn std::error::Error + Send + Sync>> {
    tokio::time::sleep_until(start_at).await;
    let began = Instant::now();
    let from = std::net::Ipv4Addr::new(127, 0, 1 + (i / 250) as u8, 1 + (i % 250) as u8);
    let h = connect_from(from, port, &staff_name(i), STAFF_PASSWORD).await?;
    let mut ch = h.channel_open_session().await?;
    ch.request_pty(true, "xterm", 100, 30, 0, 0, &[]).await?;
    ch.request_shell(true).await?;
    let (mut bytes, mut frames_seen) = (0u64, 0u64);
    let mut frames: Vec<Instant> = Vec::new();
    let first = tokio::time::Instant::now() + Duration::from_secs(60);
    while frames.is_empty() {
        match tokio::time::timeout_at(first, ch.wait()).await {
            Ok(Some(ChannelMsg::Data { data })) => {
                bytes += data.len() as u64;
                if ends_frame(&data) {
                    frames.push(Instant::now());
                    frames_seen += 1;
                }
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return Err("no first frame".into()),
        }
    }
    let signin = began.elapsed();
    // Tab to the roster, down a row, h back to the dashboard, down a row.
    let keys: [&[u8]; 4] = [b"\t", b"j", b"h", b"j"];
    let mut sent: Vec<Instant> = Vec::new();
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut i = 0;
    loop {
        let now = Instant::now();
        let answered = |sent: &[Instant], frames: &[Instant]| {
            sent.last()
                .is_none_or(|s| frames.last().is_some_and(|f| f >= s))
        };
        if now >= end && answered(&sent, &frames) {
            break;
        }
        let (next, drain) = if now < end {
            sent.push(now);
            ch.data_bytes(keys[i % keys.len()].to_vec()).await?;
            i += 1;
            (now + Duration::from_millis(500), false)
        } else {
            (now + UNANSWERED, true)
        };
        while let Ok(Some(msg)) = tokio::time::timeout_at(next.into(), ch.wait()).await {
            if let ChannelMsg::Data { data } = msg {
                bytes += data.len() as u64;
                if ends_frame(&data) {
                    frames.push(Instant::now());
                    frames_seen += 1;
                }
            }
            // Draining: stop once every key has a frame after it.
            if drain && answered(&sent, &frames) {
                break;
            }
        }
        if drain {
            break;
        }
    }
    let _ = ch.eof().await;
    // Each key is answered by the first frame that ends after it.
    let mut latencies = Vec::new();
    let mut unanswered = 0;
    for s in &sent {
        let at = frames.partition_point(|f| f < s);
        match frames.get(at).map(|f| f.duration_since(*s)) {
            Some(d) if d <= UNANSWERED => latencies.push(d),
            _ => unanswered += 1,
        }
    }
    Ok(SessionStats {
        signin,
        latencies,
        unanswered,
        bytes,
        frames: frames_seen,
    })
}

fn pct(v: &[Duration], p: usize) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v[(v.len() * p / 100).min(v.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The password of every benchmark staff account.
const STAFF_PASSWORD: &str = "Bench2026pass";

fn staff_name(i: usize) -> String {
    format!("bench{i:03}")
}

/// One office account per session (as 200 staff members are), each signing in with its own
/// password: the lockout reservations are per account and per address.
async fn add_staff(url: &str, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    use wangyuan::app::{Actor, actor::RoleKind, admin};
    let db = wangyuan::store::Db::open(url).await?;
    let operator = Actor::local_operator();
    let mut adds = tokio::task::JoinSet::new();
    for i in 0..n {
        let (db, operator) = (db.clone(), operator.clone());
        adds.spawn(async move {
            let name = staff_name(i);
            let req = admin::AddStaff {
                role: RoleKind::Office,
                unit_code: None,
                username: &name,
                real_name: None,
                password: Some(STAFF_PASSWORD.to_string()),
            };
            admin::add_staff(&db, &operator, req, wangyuan::app::now())
                .await
                .map(|_| ())
        });
    }
    while let Some(added) = adds.join_next().await {
        added?.map_err(|e| e.to_string())?;
    }
    db.close().await;
    Ok(())
}

async fn sessions_bench(
    a: &Args,
    demo_url: Option<&str>,
) -> Result<(), Box<dyn std::error::Error>> {
    let server = start_server(Mode::Demo(demo_url)).await?;
    add_staff(&server.db_url, a.sessions).await?;
    let pid = server.child.id().ok_or("no pid")?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib(pid);
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(before));
    let sampler = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(rss_kib(pid), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    // Every session signs in within the same `spread_ms`, evenly spread.
    let t0 = tokio::time::Instant::now() + Duration::from_millis(200);
    let n = a.sessions.max(1);
    let tasks: Vec<_> = (0..a.sessions)
        .map(|i| {
            let start_at = t0 + Duration::from_millis(a.spread_ms) * i as u32 / n as u32;
            let (port, secs) = (server.port, a.seconds);
            tokio::spawn(async move { one_session(i, port, secs, start_at).await })
        })
        .collect();
    let mut all = Vec::new();
    let mut signins = Vec::new();
    let (mut bytes, mut frames, mut failed, mut unanswered) = (0, 0, 0, 0);
    for t in tasks {
        match t.await {
            Ok(Ok(s)) => {
                all.extend(s.latencies);
                signins.push(s.signin);
                unanswered += s.unanswered;
                bytes += s.bytes;
                frames += s.frames;
            }
            Ok(Err(e)) => {
                eprintln!("session failed: {e}");
                failed += 1;
            }
            Err(_) => failed += 1,
        }
    }
    sampler.abort();
    all.sort();
    signins.sort();
    println!(
        "{} (demo, 3,000 learners): {} sessions ({failed} failed) signing in within {} ms, {} s of keys each",
        a.backend, a.sessions, a.spread_ms, a.seconds,
    );
    println!(
        "sign-in to first frame p50 {:.0} ms p99 {:.0} ms max {:.0} ms",
        ms(pct(&signins, 50)),
        ms(pct(&signins, 99)),
        ms(signins.last().copied().unwrap_or_default()),
    );
    println!(
        "whole run: {} keys answered, {unanswered} unanswered (no frame within {} s); \
         keystroke to frame p50 {:.1} ms p99 {:.1} ms max {:.1} ms",
        all.len(),
        UNANSWERED.as_secs(),
        ms(pct(&all, 50)),
        ms(pct(&all, 99)),
        ms(all.last().copied().unwrap_or_default()),
    );
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "bytes per frame {:.0}; server memory {} MiB before, {} MiB at peak ({:.0} KiB per session)",
        bytes as f64 / frames.max(1) as f64,
        before / 1024,
        peak / 1024,
        peak.saturating_sub(before) as f64 / n as f64,
    );
    Ok(())
}

async fn report_bench(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let server = start_server(Mode::Serve(url)).await?;
    let h = connect(server.port, "benchoffice", &server.office_password)
        .await
        .map_err(|e| e.to_string())?;
    for _ in 0..3 {
        let started = Instant::now();
        let mut ch = h.channel_open_session().await?;
        ch.exec(true, "report standings --year 2026 --format csv")
            .await?;
        let (mut bytes, mut lines, mut status) = (0usize, 0usize, None);
        while let Some(msg) = ch.wait().await {
            match msg {
                ChannelMsg::Data { data } => {
                    bytes += data.len();
                    lines += data.iter().filter(|b| **b == b'\n').count();
                }
                ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
                _ => {}
            }
        }
        println!(
            "report standings as CSV over SSH: {lines} lines, {:.1} MiB, exit {status:?}, {:.0} ms end to end",
            bytes as f64 / 1048576.0,
            started.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(())
}

fn main() {
    let a = parse_args();
    let rt = support::runtime();
    let result = rt.block_on(async {
        match a.backend.as_str() {
            "sqlite" => sessions_bench(&a, None).await?,
            other => {
                let Some(pg) = support::BenchDb::open(other).await? else {
                    return Ok(());
                };
                // The server process opens it itself; this handle only drops it afterwards.
                let url = pg.url.clone();
                let result = sessions_bench(&a, Some(&url)).await;
                pg.finish().await?;
                result?;
            }
        }
        if let Some(url) = &a.report_db {
            report_bench(url).await?;
        }
        Ok::<(), Box<dyn std::error::Error>>(())
    });
    if let Err(e) = result {
        eprintln!("ssh bench: {e}");
        std::process::exit(1);
    }
}
