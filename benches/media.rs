//! Lecture upload at disk speed with constant memory (issue 13, "Measure"). On a throwaway
//! database of each backend, a real `wangyuan serve` process runs on loopback; a russh client
//! signs in as the college and pipes a generated WAV (default 500 MB: 16-bit stereo 44.1 kHz)
//! into `course media BENCH01` over SSH exec, as `ssh host course media BENCH01 < file` would.
//! The server's resident memory is read from /proc/PID/status (VmRSS every 50 ms, and VmHWM, the
//! peak) before and during the upload; the same file is also copied on the same disk, for the
//! disk's own speed. The client sends 32 KiB pieces, as OpenSSH does, with the cipher it is given
//! (`--cipher aes256-gcm`; chacha20-poly1305, OpenSSH's default choice, otherwise), so the upload
//! compares with the bare SSH stream of benches/ssh_stream.rs.
//!
//! ```text
//! cargo bench --bench media                                 # both databases, 500 MB
//! cargo bench --bench media -- --backend sqlite --mb 100 --cipher aes256-gcm
//! ```

mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use russh::ChannelMsg;
use russh::client;
use russh::keys::PublicKeyOrCertificate;
use wangyuan::app::Actor;
use wangyuan::app::actor::RoleKind;
use wangyuan::app::admin::{self, AddStaff};

const USER: &str = "bench_college";
const PASSWORD: &str = "Jiangnan2026";
const CODE: &str = "BENCH01";
/// 16-bit stereo at 44.1 kHz.
const BYTE_RATE: u64 = 44_100 * 4;

struct Client;

impl client::Handler for Client {
    type Error = russh::Error;
    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn main() {
    let mut mb = 500u64;
    let mut cipher = russh::cipher::CHACHA20_POLY1305;
    let backends = support::parse_args(&["--mb", "--cipher"], |name, v| match name {
        "--mb" => mb = v.parse().unwrap_or(mb),
        _ if v == "aes256-gcm" => cipher = russh::cipher::AES_256_GCM,
        _ => {}
    });
    let rt = support::runtime();
    for backend in backends {
        if let Err(e) = rt.block_on(run(&backend, mb, cipher)) {
            eprintln!("{backend}: {e}");
            std::process::exit(1);
        }
    }
}

async fn run(backend: &str, mb: u64, cipher: russh::cipher::Name) -> Result<(), Failure> {
    let Some(b) = support::BenchDb::open(backend)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    let duration_s = (mb * 1_000_000 / BYTE_RATE) as i64;
    let wav = dir.path().join("lecture.wav");
    write_wav(&wav, duration_s as u64)?;
    let size = std::fs::metadata(&wav)?.len();
    let now = wangyuan::app::now();
    support::seed_viewers(&b.db, 1, CODE, duration_s, now).await?;
    admin::add_staff(
        &b.db,
        &Actor::local_operator(),
        AddStaff {
            role: RoleKind::College,
            unit_code: None,
            username: USER,
            real_name: Some("基准测试"),
            password: Some(PASSWORD.into()),
        },
        now,
    )
    .await?;

    // The disk's own speed for this file: a copy on the same file system, synced.
    let started = Instant::now();
    std::fs::copy(&wav, dir.path().join("copy.wav"))?;
    std::fs::File::open(dir.path().join("copy.wav"))?.sync_all()?;
    let copy_s = started.elapsed().as_secs_f64();
    std::fs::remove_file(dir.path().join("copy.wav"))?;

    let mut server = Server::start(dir.path(), &b.url)?;
    let result = upload(&mut server, &wav, cipher).await;
    drop(server);
    let (secs, before, peak_rss, hwm) = result?;
    let stored = std::fs::read_dir(dir.path().join("media"))?.count();
    println!(
        "{} ({}): {:.0} MB WAV ({} s of audio) uploaded over SSH exec in {:.1} s = {:.0} MB/s \
         (a synced copy on the same disk: {:.1} s = {:.0} MB/s); server RSS {} MiB before, \
         peak {} MiB during (growth {} MiB), VmHWM {} MiB; {} file(s) in the media folder",
        b.name,
        cipher.as_ref(),
        size as f64 / 1e6,
        duration_s,
        secs,
        size as f64 / 1e6 / secs,
        copy_s,
        size as f64 / 1e6 / copy_s,
        before / 1024,
        peak_rss / 1024,
        peak_rss.saturating_sub(before) / 1024,
        hwm / 1024,
        stored
    );
    if peak_rss.saturating_sub(before) >= 32 * 1024 {
        return Err(format!("{}: RSS grew by 32 MiB or more", b.name).into());
    }
    b.finish().await.map_err(|e| e.to_string())?;
    Ok(())
}

/// A `duration_s`-second WAV written piece by piece (a tone with a little noise, so nothing
/// along the way compresses it away).
fn write_wav(path: &Path, duration_s: u64) -> std::io::Result<()> {
    let data = duration_s * BYTE_RATE;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    out.write_all(b"RIFF")?;
    out.write_all(&(36 + data as u32).to_le_bytes())?;
    out.write_all(b"WAVEfmt ")?;
    out.write_all(&16u32.to_le_bytes())?;
    out.write_all(&1u16.to_le_bytes())?; // PCM
    out.write_all(&2u16.to_le_bytes())?; // stereo
    out.write_all(&44_100u32.to_le_bytes())?;
    out.write_all(&(BYTE_RATE as u32).to_le_bytes())?;
    out.write_all(&4u16.to_le_bytes())?;
    out.write_all(&16u16.to_le_bytes())?;
    out.write_all(b"data")?;
    out.write_all(&(data as u32).to_le_bytes())?;
    let mut state = 0x2545_F491u32;
    let mut frame = Vec::with_capacity(BYTE_RATE as usize);
    for second in 0..duration_s {
        frame.clear();
        for i in 0..44_100u64 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let t = (second * 44_100 + i) as f64 / 44_100.0;
            let v = ((t * 440.0 * std::f64::consts::TAU).sin() * 8_000.0) as i16
                + (state % 512) as i16
                - 256;
            frame.extend_from_slice(&v.to_le_bytes());
            frame.extend_from_slice(&v.to_le_bytes());
        }
        out.write_all(&frame)?;
    }
    out.flush()
}

/// `wangyuan serve` on loopback port 0, with its media folder in `dir/media`.
struct Server {
    child: Child,
    ssh: std::net::SocketAddr,
}

impl Server {
    fn start(dir: &Path, url: &str) -> Result<Server, Failure> {
        std::fs::create_dir_all(dir.join("keys"))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.join("keys"), std::fs::Permissions::from_mode(0o700))?;
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_wangyuan"))
            .arg("serve")
            .current_dir(dir)
            .env("WANGYUAN_DATABASE_URL", url)
            .env("WANGYUAN_DATA_DIR", dir.join("data"))
            .env("WANGYUAN_MEDIA_DIR", dir.join("media"))
            .env("WANGYUAN_KEYS_DIR", dir.join("keys"))
            .env("WANGYUAN_SSH_LISTEN", "127.0.0.1:0")
            .env("WANGYUAN_HTTP_LISTEN", "127.0.0.1:0")
            .env("WANGYUAN_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            let mut lines = std::io::BufReader::new(stdout).lines();
            for line in lines.by_ref().map_while(Result::ok) {
                if let Some(a) = line.strip_prefix("ssh_listen=") {
                    let _ = tx.send(a.trim().to_string());
                    break;
                }
            }
            lines.map_while(Result::ok).for_each(drop);
        });
        let ssh = match rx.recv_timeout(Duration::from_secs(120)) {
            Ok(a) => a.parse()?,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("serve did not start".into());
            }
        };
        Ok(Server { child, ssh })
    }

    /// (VmRSS, VmHWM) in KiB.
    fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Uploads `wav` in 32 KiB pieces; returns (seconds, RSS before in KiB, peak RSS during, VmHWM
/// at the end).
async fn upload(
    server: &mut Server,
    wav: &Path,
    cipher: russh::cipher::Name,
) -> Result<(f64, u64, u64, u64), Failure> {
    let config = Arc::new(client::Config {
        preferred: russh::Preferred {
            cipher: std::borrow::Cow::Owned(vec![cipher]),
            ..Default::default()
        },
        ..Default::default()
    });
    let mut handle = client::connect(config, server.ssh, Client).await?;
    if !handle
        .authenticate_password(USER, PASSWORD)
        .await?
        .success()
    {
        return Err("sign-in refused".into());
    }
    // Warm: one command through the same path, so what grows after is the upload's.
    let mut channel = handle.channel_open_session().await?;
    channel.exec(true, "whoami").await?;
    channel.eof().await?;
    while channel.wait().await.is_some() {}
    let (before, _) = server.memory();

    let peak = Arc::new(AtomicU64::new(before));
    let done = Arc::new(AtomicBool::new(false));
    let pid = server.child.id();
    let sampler = {
        let (peak, done) = (peak.clone(), done.clone());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let status =
                    std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
                if let Some(rss) = status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmRSS:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                {
                    peak.fetch_max(rss, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let cpu = cpu_seconds(pid);
    let started = Instant::now();
    let mut channel = handle.channel_open_session().await?;
    channel.exec(true, format!("course media {CODE}")).await?;
    // 32 KiB pieces, as OpenSSH sends them (`Channel::data` copies 8 KiB at a time).
    let mut file = tokio::fs::File::open(wav).await?;
    loop {
        let mut piece = vec![0u8; 32 * 1024];
        let n = tokio::io::AsyncReadExt::read(&mut file, &mut piece).await?;
        if n == 0 {
            break;
        }
        piece.truncate(n);
        channel.data_bytes(piece).await?;
    }
    channel.eof().await?;
    let sent = started.elapsed().as_secs_f64();
    let sent_cpu = cpu_seconds(pid) - cpu;
    let (mut code, mut err, mut out) = (None, Vec::new(), Vec::new());
    while let Some(msg) = channel.wait().await {
        match msg {
            ChannelMsg::ExitStatus { exit_status } => code = Some(exit_status),
            ChannelMsg::ExtendedData { data, .. } => err.extend_from_slice(&data),
            ChannelMsg::Data { data } => out.extend_from_slice(&data),
            _ => {}
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "  sent in {sent:.1} s (server CPU {sent_cpu:.2} s), then {:.1} s until the answer \
         (probe, rename, transaction; server CPU {:.2} s)",
        secs - sent,
        cpu_seconds(pid) - cpu - sent_cpu
    );
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    if code != Some(0) {
        return Err(format!(
            "upload failed ({code:?}): {}",
            String::from_utf8_lossy(&err)
        )
        .into());
    }
    let _ = out;
    let (_, hwm) = server.memory();
    Ok((secs, before, peak.load(Ordering::Relaxed), hwm))
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
