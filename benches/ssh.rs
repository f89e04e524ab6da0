//! SSH benchmark (issue 3). Starts `wangyuan demo` as a separate process and measures it:
//!
//! 1. N concurrent interactive sessions (russh client, PTY 100×30), each pressing a navigation key
//!    every 500 ms: keystroke-to-frame latency (p50/p99), bytes per frame, server memory per session.
//!    Sessions press at evenly spread moments within the 500 ms (people do not type in lockstep);
//!    `--lockstep` makes all of them press at the same instant, the worst case.
//! 2. `report standings` of a large database as CSV over SSH `exec`, end to end.
//!
//! ```text
//! cargo bench --bench ssh                          # 200 sessions for 20 s
//! cargo bench --bench ssh -- --sessions 50 --seconds 10
//! cargo bench --bench ssh -- --report-db sqlite:///path/seeded.db   # also time the CSV report
//! ```
//!
//! The report database is one made by `wangyuan seed --learners 100000 --year 2026`.

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
    lockstep: bool,
}

fn parse_args() -> Args {
    let mut a = Args {
        sessions: 200,
        seconds: 20,
        report_db: None,
        lockstep: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match arg.as_str() {
            "--sessions" => a.sessions = value().parse().unwrap_or(a.sessions),
            "--seconds" => a.seconds = value().parse().unwrap_or(a.seconds),
            "--report-db" => a.report_db = Some(value()),
            "--lockstep" => a.lockstep = true,
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
}

async fn start_server(db_url: Option<&str>) -> Result<Server, Box<dyn std::error::Error>> {
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
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    match db_url {
        // A seeded database: add a staff account to it and serve it.
        Some(url) => {
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
        None => {
            cmd.args(["demo", "--learners", "3000"])
                .env_remove("WANGYUAN_DATABASE_URL");
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
    let office_password = match db_url {
        Some(_) => "Bench2026pass".to_string(),
        None => {
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
    Ok(Server {
        child,
        port,
        _dir: dir,
        office_password,
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
    let config = Arc::new(client::Config {
        inactivity_timeout: None,
        ..Default::default()
    });
    let mut h = client::connect(config, ("127.0.0.1", port), Client).await?;
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

struct SessionStats {
    latencies: Vec<Duration>,
    bytes: u64,
    frames: u64,
}

/// How sessions tell the benchmark they are open, and learn when to start pressing keys.
#[derive(Clone)]
struct Gate {
    opened: Arc<std::sync::atomic::AtomicUsize>,
    go: tokio::sync::watch::Receiver<bool>,
}

async fn one_session(
    port: u16,
    password: String,
    seconds: u64,
    offset: Duration,
    mut gate: Gate,
) -> Result<SessionStats, Box<dyn std::error::Error + Send + Sync>> {
    let opened = async {
        let h = connect(port, "office", &password).await?;
        let mut ch = h.channel_open_session().await?;
        ch.request_pty(true, "xterm", 100, 30, 0, 0, &[]).await?;
        ch.request_shell(true).await?;
        // The first frames (dashboard and its data).
        let settle = Instant::now() + Duration::from_secs(3);
        while let Ok(Some(_)) = tokio::time::timeout_at(settle.into(), ch.wait()).await {}
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((h, ch))
    }
    .await;
    // Counted even when it failed, so the benchmark never waits for a session that is gone.
    gate.opened
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let (_h, mut ch) = opened?;
    gate.go.wait_for(|go| *go).await?;
    tokio::time::sleep(offset).await;
    // Tab to the roster, down a row, h back to the dashboard, down a row.
    let keys: [&[u8]; 4] = [b"\t", b"j", b"h", b"j"];
    let mut stats = SessionStats {
        latencies: Vec::new(),
        bytes: 0,
        frames: 0,
    };
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut i = 0;
    while Instant::now() < end {
        let sent = Instant::now();
        ch.data_bytes(keys[i % keys.len()].to_vec()).await?;
        i += 1;
        let next_key = sent + Duration::from_millis(500);
        let mut got_frame = false;
        while let Ok(Some(msg)) = tokio::time::timeout_at(next_key.into(), ch.wait()).await {
            if let ChannelMsg::Data { data } = msg {
                stats.bytes += data.len() as u64;
                if ends_frame(&data) {
                    stats.frames += 1;
                    if !got_frame {
                        stats.latencies.push(sent.elapsed());
                        got_frame = true;
                    }
                }
            }
        }
    }
    let _ = ch.eof().await;
    Ok(stats)
}

fn pct(v: &[Duration], p: usize) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    v[(v.len() * p / 100).min(v.len() - 1)]
}

/// Waits until `n` sessions have opened (or failed to).
async fn opened(gate: &Gate, n: usize) {
    while gate.opened.load(std::sync::atomic::Ordering::SeqCst) < n {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sessions_bench(a: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let server = start_server(None).await?;
    let pid = server.child.id().ok_or("no pid")?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_kib(pid);
    let (go, go_rx) = tokio::sync::watch::channel(false);
    let gate = Gate {
        opened: Arc::default(),
        go: go_rx,
    };
    // Sessions open in two halves so the second half's memory is measured apart from what the first
    // sign-ins leave behind for good (the Argon2id working memory the allocator keeps).
    let half = a.sessions / 2;
    let mut tasks = Vec::new();
    let mut mid = before;
    for i in 0..a.sessions {
        if i == half {
            opened(&gate, half).await;
            mid = rss_kib(pid);
        }
        let offset = if a.lockstep {
            Duration::ZERO
        } else {
            Duration::from_millis(500) * i as u32 / a.sessions.max(1) as u32
        };
        let (pw, gate) = (server.office_password.clone(), gate.clone());
        let (port, secs) = (server.port, a.seconds);
        tasks.push(tokio::spawn(async move {
            one_session(port, pw, secs, offset, gate).await
        }));
    }
    opened(&gate, a.sessions).await;
    let during = rss_kib(pid);
    go.send(true)?;
    let mut all = Vec::new();
    let (mut bytes, mut frames, mut failed) = (0, 0, 0);
    for t in tasks {
        match t.await {
            Ok(Ok(s)) => {
                all.extend(s.latencies);
                bytes += s.bytes;
                frames += s.frames;
            }
            _ => failed += 1,
        }
    }
    all.sort();
    println!(
        "{} sessions ({failed} failed), {}, {} s: {} keystrokes answered, latency p50 {:.1} ms p99 {:.1} ms max {:.1} ms",
        a.sessions,
        if a.lockstep {
            "all keys at once"
        } else {
            "keys spread over 500 ms"
        },
        a.seconds,
        all.len(),
        pct(&all, 50).as_secs_f64() * 1e3,
        pct(&all, 99).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    let second_half = (a.sessions - half).max(1) as f64;
    println!(
        "bytes per frame {:.0}; server memory {} MiB before, {} MiB with {half} sessions, {} MiB with {}: \
         {:.0} KiB per session over all, {:.0} KiB per session for the second half",
        bytes as f64 / frames.max(1) as f64,
        before / 1024,
        mid / 1024,
        during / 1024,
        a.sessions,
        during.saturating_sub(before) as f64 / a.sessions.max(1) as f64,
        during.saturating_sub(mid) as f64 / second_half,
    );
    Ok(())
}

async fn report_bench(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let server = start_server(Some(url)).await?;
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
        sessions_bench(&a).await?;
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
