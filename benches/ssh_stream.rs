//! The bare SSH stream (issue 13, "Measure"): how fast one exec channel carries bytes from a
//! client to a server with this server's russh settings (`wangyuan::ssh::server_config`) and
//! nothing behind it — the ceiling of `course media` over SSH (benches/media.rs). The benchmark
//! starts itself again as a sink server (`--sink`, a process of its own, as `wangyuan serve` is in
//! benches/media.rs) whose exec channels count what arrives and drop it, and sends `--mb`
//! megabytes (default 500) of a file over one channel:
//!
//! - with the russh client, the file through `Channel::data` (8 KiB pieces: what
//!   benches/media.rs sends) and as 32 KiB pieces (what OpenSSH sends);
//! - with the OpenSSH client (`ssh`, if installed: what staff use), once per cipher the server
//!   offers that OpenSSH also has.
//!
//! `--client russh|openssh` runs one client only. `--window BYTES` and `--packet BYTES` change the sink's channel window and maximum packet size,
//! to see whether they limit the stream. The sink's CPU time for each run (user + system, from
//! /proc: on a shared machine a steadier figure than the wall clock) and its peak RSS (VmHWM) are
//! printed with each run.
//!
//! ```text
//! cargo bench --bench ssh_stream
//! cargo bench --bench ssh_stream -- --mb 200 --window 8388608 --packet 65535
//! ```

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use russh::client;
use russh::keys::{Algorithm, PrivateKey, PublicKeyOrCertificate};
use russh::server::{Auth, Msg, Session};
use russh::{Channel, ChannelId, ChannelMsg, cipher};
use tokio::io::AsyncReadExt;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Failure = Box<dyn std::error::Error + Send + Sync>;

struct Args {
    mb: u64,
    window: Option<u32>,
    packet: Option<u32>,
    /// `russh` or `openssh`: only that client (both when absent).
    client: Option<String>,
    sink: bool,
}

fn args() -> Args {
    let mut a = Args {
        mb: 500,
        window: None,
        packet: None,
        client: None,
        sink: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match arg.as_str() {
            "--mb" => a.mb = value().parse().unwrap_or(a.mb),
            "--window" => a.window = value().parse().ok(),
            "--packet" => a.packet = value().parse().ok(),
            "--client" => a.client = Some(value()),
            "--sink" => a.sink = true,
            _ => {}
        }
    }
    a
}

fn main() {
    let a = args();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = if a.sink {
        rt.block_on(sink(&a))
    } else {
        rt.block_on(run(&a))
    };
    if let Err(e) = result {
        eprintln!("ssh_stream: {e}");
        std::process::exit(1);
    }
}

// ---- the sink server (a process of its own) ----

/// Accepts anyone and counts each exec channel's bytes; at the client's EOF it answers the count
/// and exit status 0, as a command would.
struct Sink {
    received: u64,
}

impl russh::server::Handler for Sink {
    type Error = russh::Error;

    async fn auth_password(&mut self, _: &str, _: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }

    async fn auth_publickey_offered(
        &mut self,
        _: &str,
        _: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }

    async fn auth_publickey(
        &mut self,
        _: &str,
        _: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.received = 0;
        session.channel_success(channel)
    }

    async fn data(
        &mut self,
        _: ChannelId,
        data: &[u8],
        _: &mut Session,
    ) -> Result<(), Self::Error> {
        self.received += data.len() as u64;
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.data(channel, format!("{}\n", self.received).into_bytes())?;
        session.exit_status_request(channel, 0)?;
        session.eof(channel)?;
        session.close(channel)
    }
}

async fn sink(a: &Args) -> Result<(), Failure> {
    let key = PrivateKey::random(&mut rand10::rng(), Algorithm::Ed25519)?;
    let mut config = wangyuan::ssh::server_config(vec![key], &wangyuan::ssh::Limits::default());
    if let Some(w) = a.window {
        config.window_size = w;
    }
    if let Some(p) = a.packet {
        config.maximum_packet_size = p;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("sink={}", listener.local_addr()?);
    std::io::stdout().flush()?;
    let config = Arc::new(config);
    loop {
        let (socket, _) = listener.accept().await?;
        let _ = socket.set_nodelay(true);
        let config = config.clone();
        tokio::spawn(async move {
            if let Ok(session) =
                russh::server::run_stream(config, socket, Sink { received: 0 }).await
            {
                let _ = session.await;
            }
        });
    }
}

// ---- the client side ----

struct SinkProcess {
    child: Child,
    addr: std::net::SocketAddr,
}

impl SinkProcess {
    fn start(a: &Args) -> Result<SinkProcess, Failure> {
        let mut cmd = Command::new(std::env::current_exe()?);
        cmd.arg("--sink");
        if let Some(w) = a.window {
            cmd.args(["--window", &w.to_string()]);
        }
        if let Some(p) = a.packet {
            cmd.args(["--packet", &p.to_string()]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)?;
        let addr = line
            .trim()
            .strip_prefix("sink=")
            .ok_or("the sink did not start")?
            .parse()?;
        Ok(SinkProcess { child, addr })
    }

    /// VmHWM (peak RSS) in MiB.
    fn peak_mib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
            / 1024
    }
}

impl Drop for SinkProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Client;

impl client::Handler for Client {
    type Error = russh::Error;
    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// How the russh client sends the file.
#[derive(Clone, Copy)]
enum Pieces {
    /// `Channel::data(file)`: tokio's copy, 8 KiB at a time.
    Copy,
    /// 32 KiB `Bytes` at a time.
    Large,
}

async fn russh_upload(
    addr: std::net::SocketAddr,
    file: &Path,
    cipher: cipher::Name,
    pieces: Pieces,
) -> Result<(f64, u64), Failure> {
    let config = client::Config {
        preferred: russh::Preferred {
            cipher: std::borrow::Cow::Owned(vec![cipher]),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut handle = client::connect(Arc::new(config), addr, Client).await?;
    if !handle.authenticate_password("bench", "x").await?.success() {
        return Err("sign-in refused".into());
    }
    let mut channel = handle.channel_open_session().await?;
    let started = Instant::now();
    channel.exec(true, "sink").await?;
    let mut f = tokio::fs::File::open(file).await?;
    match pieces {
        Pieces::Copy => channel.data(f).await?,
        Pieces::Large => loop {
            let mut piece = vec![0u8; 32 * 1024];
            let n = f.read(&mut piece).await?;
            if n == 0 {
                break;
            }
            piece.truncate(n);
            channel.data_bytes(piece).await?;
        },
    }
    channel.eof().await?;
    let mut answer = Vec::new();
    while let Some(msg) = channel.wait().await {
        if let ChannelMsg::Data { data } = msg {
            answer.extend_from_slice(&data);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let received = String::from_utf8_lossy(&answer).trim().parse().unwrap_or(0);
    Ok((secs, received))
}

/// The same through OpenSSH's `ssh`, with a throwaway key; None when `ssh` is not installed.
fn openssh_upload(
    addr: std::net::SocketAddr,
    file: &Path,
    key: &Path,
    cipher: &str,
) -> Result<Option<(f64, u64)>, Failure> {
    let started = Instant::now();
    let out = match Command::new("ssh")
        .args([
            "-T",
            "-i",
            &key.display().to_string(),
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-c",
            cipher,
            "-p",
            &addr.port().to_string(),
            &format!("bench@{}", addr.ip()),
            "sink",
        ])
        .stdin(std::fs::File::open(file)?)
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let secs = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("ssh: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    let received = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    Ok(Some((secs, received)))
}

fn write_file(path: &Path, mb: u64) -> std::io::Result<u64> {
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut state = 0x2545_F491u32;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..mb {
        for b in block.chunks_mut(4) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            b.copy_from_slice(&state.to_le_bytes());
        }
        out.write_all(&block[..1_000_000])?;
    }
    out.flush()?;
    Ok(mb * 1_000_000)
}

fn report(what: &str, size: u64, (secs, received): (f64, u64), sink: &SinkProcess, cpu: f64) {
    let ok = if received == size { "" } else { " (SHORT!)" };
    println!(
        "  {what:<44} {secs:>5.2} s = {:>4.0} MB/s{ok}; sink CPU {cpu:.2} s; sink VmHWM {} MiB",
        size as f64 / 1e6 / secs,
        sink.peak_mib()
    );
}

/// CPU time (user + system) the process `pid` has used so far, in seconds (clock ticks of 1/100 s,
/// Linux's USER_HZ); 0 where /proc is not there.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) in parentheses: utime and stime are
    // the 12th and 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

async fn run(a: &Args) -> Result<(), Failure> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("payload.bin");
    let size = write_file(&file, a.mb)?;
    let sink = SinkProcess::start(a)?;
    println!(
        "{} MB over one SSH exec channel to a sink with this server's russh settings \
         (window {}, maximum packet {}), loopback, {} cores, load {}",
        size / 1_000_000,
        a.window.map_or("default".to_string(), |w| w.to_string()),
        a.packet.map_or("default".to_string(), |p| p.to_string()),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split(' ')
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    let wants = |client: &str| a.client.as_deref().is_none_or(|c| c == client);
    for (name, cipher) in [
        ("chacha20-poly1305", cipher::CHACHA20_POLY1305),
        ("aes256-gcm", cipher::AES_256_GCM),
    ]
    .into_iter()
    .filter(|_| wants("russh"))
    {
        for (label, pieces) in [
            ("8 KiB pieces", Pieces::Copy),
            ("32 KiB pieces", Pieces::Large),
        ] {
            let cpu = cpu_seconds(sink.child.id());
            let r = russh_upload(sink.addr, &file, cipher, pieces).await?;
            let cpu = cpu_seconds(sink.child.id()) - cpu;
            report(
                &format!("russh client, {name}, {label}"),
                size,
                r,
                &sink,
                cpu,
            );
        }
    }
    if !wants("openssh") {
        return Ok(());
    }
    let key = dir.path().join("id_ed25519");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status();
    if !matches!(made, Ok(s) if s.success()) {
        println!("  OpenSSH: skipped (no ssh-keygen)");
        return Ok(());
    }
    for cipher in [
        "chacha20-poly1305@openssh.com",
        "aes256-gcm@openssh.com",
        "aes128-ctr",
    ] {
        let cpu = cpu_seconds(sink.child.id());
        match openssh_upload(sink.addr, &file, &key, cipher)? {
            Some(r) => {
                let cpu = cpu_seconds(sink.child.id()) - cpu;
                report(&format!("OpenSSH client, {cipher}"), size, r, &sink, cpu);
            }
            None => {
                println!("  OpenSSH: skipped (no ssh)");
                break;
            }
        }
    }
    Ok(())
}
