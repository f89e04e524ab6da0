//! Heartbeat throughput over real HTTP (issue 4): the web site runs in process on 127.0.0.1:0;
//! N learners sign in through the sign-in form (Argon2id), open a playback lease through the JSON
//! API (reqwest), then send beats over loopback HTTP, each viewer on its own keep-alive
//! connection as a browser tab would be: each session one beat every `--every-ms` (default
//! 200 ms, so 2,000 sessions offer 10,000 beats/s) for `--secs` seconds. Prints accepted beats/s,
//! latency percentiles, errors and skipped beats on SQLite and PostgreSQL, then checks that what
//! the replies said is stored: the sum of each session's last acknowledged `watched_s` equals
//! SUM(playback.watched_s).
//!
//! The server runs on a manual test clock (`web::Clock::manual`), moved in step with the beats:
//! a round starts every `--every-ms` of wall time, the clock moves 12 s (one player interval) and
//! every session sends one beat, spread evenly over the round, so each beat is credited as a real
//! player's would be. The rounds do not wait for the server: a session whose previous beat is
//! still unanswered skips a round (counted), so a server that cannot keep up shows as fewer
//! accepted beats per second, not as a slower load. Sign-in is rate limited per address, so each
//! group of 16 learners signs in from its own loopback address (127.1.x.y).
//!
//!     cargo bench --bench heartbeats                       # 2,000 sessions, 10 s, both databases
//!     cargo bench --bench heartbeats -- --sessions 500 --secs 5 --every-ms 200 --backend sqlite

mod support;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wangyuan::store::Db;
use wangyuan::web::{self, Clock, Options, Web};

const T0: i64 = 1_781_496_000;
const COURSE: &str = "BENCH-HTTP";
/// Server seconds one beat interval stands for (the player's cadence).
const STEP_S: i64 = 12;
/// Learners per client address (the sign-in form allows 20 posts per address per minute).
const PER_ADDRESS: usize = 16;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Args {
    sessions: usize,
    secs: u64,
    every_ms: u64,
    backends: Vec<String>,
}

fn parse_args() -> Args {
    let mut a = Args {
        sessions: 2_000,
        secs: 10,
        every_ms: 200,
        backends: Vec::new(),
    };
    a.backends =
        support::parse_args(
            &["--sessions", "--secs", "--every-ms"],
            |name, value| match name {
                "--sessions" => a.sessions = value.parse().unwrap_or(a.sessions),
                "--secs" => a.secs = value.parse().unwrap_or(a.secs),
                _ => a.every_ms = value.parse().unwrap_or(a.every_ms).max(1),
            },
        );
    a
}

fn main() {
    let args = parse_args();
    support::run_each(&args.backends, |db, name| {
        let args = &args;
        async move { bench(&db, name, args).await.map_err(|e| e.to_string()) }
    });
}

/// One signed-in learner: its cookies, CSRF token and lease.
struct Viewer {
    cookies: String,
    csrf: String,
    lease: String,
}

/// A viewer's own keep-alive HTTP/1.1 connection for beats, as a browser tab has. The load
/// generator writes requests and reads replies itself (as wrk does) rather than through
/// reqwest, so that the client, which shares the two cores with the server, costs little.
struct Conn {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
    head: String,
}

impl Conn {
    async fn open(base: &str, v: &Viewer) -> Result<Conn, BoxError> {
        let host = base.trim_start_matches("http://");
        let stream = tokio::net::TcpStream::connect(host).await?;
        stream.set_nodelay(true)?;
        let head = format!(
            "POST /api/beat HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\nX-CSRF-Token: {}\r\n\
             Content-Type: application/json\r\n",
            v.cookies, v.csrf
        );
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(4096),
            head,
        })
    }

    /// Posts one beat; returns the status code and the body.
    async fn beat(&mut self, body: &[u8]) -> Result<(u16, Vec<u8>), BoxError> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut request = Vec::with_capacity(self.head.len() + body.len() + 32);
        request.extend_from_slice(self.head.as_bytes());
        request.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        request.extend_from_slice(body);
        self.stream.write_all(&request).await?;
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 16];
            let mut response = httparse::Response::new(&mut headers);
            if let httparse::Status::Complete(head_len) = response.parse(&self.buf)? {
                let length = response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .and_then(|h| {
                        std::str::from_utf8(h.value)
                            .ok()?
                            .trim()
                            .parse::<usize>()
                            .ok()
                    })
                    .ok_or("reply without Content-Length")?;
                let code = response.code.unwrap_or(0);
                if self.buf.len() >= head_len + length {
                    let body = self.buf[head_len..head_len + length].to_vec();
                    self.buf.drain(..head_len + length);
                    return Ok((code, body));
                }
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                return Err("connection closed".into());
            }
        }
    }
}

#[derive(serde::Serialize)]
struct BeatBody<'a> {
    lease_id: &'a str,
    position_s: f64,
    rate: f64,
    paused: bool,
    visible: bool,
}

#[derive(serde::Deserialize)]
struct Reply {
    status: String,
    credited_s: i64,
    watched_s: i64,
    check: Option<serde_json::Value>,
}

/// Keeps the `name=value` pairs a response set.
fn keep_cookies(jar: &mut HashMap<String, String>, resp: &reqwest::Response) {
    for v in resp.headers().get_all(reqwest::header::SET_COOKIE) {
        let Ok(text) = v.to_str() else { continue };
        let pair = text.split(';').next().unwrap_or("");
        if let Some((name, value)) = pair.split_once('=') {
            jar.insert(name.to_string(), value.to_string());
        }
    }
}

fn cookie_header(jar: &HashMap<String, String>) -> String {
    jar.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The value after `marker` up to the next quote.
fn attribute(html: &str, marker: &str) -> Result<String, BoxError> {
    let start = html
        .find(marker)
        .ok_or_else(|| format!("no {marker} in page"))?
        + marker.len();
    Ok(html[start..].split('"').next().unwrap_or("").to_string())
}

/// Signs in through the form, loads the course page and opens a lease, as the player does.
async fn sign_in(
    http: reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
) -> Result<Viewer, BoxError> {
    let mut jar = HashMap::new();
    let form = http.get(format!("{base}/login")).send().await?;
    keep_cookies(&mut jar, &form);
    let csrf = attribute(&form.text().await?, "name=\"csrf\" value=\"")?;
    let resp = http
        .post(format!("{base}/login"))
        .header(reqwest::header::COOKIE, cookie_header(&jar))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", &csrf),
        ])
        .send()
        .await?;
    if resp.status() != reqwest::StatusCode::SEE_OTHER {
        return Err(format!("sign-in of {username}: {}", resp.status()).into());
    }
    keep_cookies(&mut jar, &resp);
    jar.remove("wy_form");
    let cookies = cookie_header(&jar);
    let page = http
        .get(format!("{base}/courses/{COURSE}"))
        .header(reqwest::header::COOKIE, &cookies)
        .send()
        .await?
        .text()
        .await?;
    let csrf = attribute(&page, "data-csrf=\"")?;
    let opened: serde_json::Value = http
        .post(format!("{base}/api/courses/{COURSE}/open"))
        .header(reqwest::header::COOKIE, &cookies)
        .header("X-CSRF-Token", &csrf)
        .json(&serde_json::json!({}))
        .send()
        .await?
        .json()
        .await?;
    let lease = opened["lease_id"]
        .as_str()
        .ok_or_else(|| format!("open for {username}: {opened}"))?
        .to_string();
    Ok(Viewer {
        cookies,
        csrf,
        lease,
    })
}

/// What one viewer saw.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    ok: u64,
    not_ok: u64,
    errors: u64,
    /// Rounds a session let pass because its previous beat was still unanswered.
    skipped: u64,
    credited: i64,
    /// `watched_s` of the last acknowledged beat.
    watched: i64,
}

async fn seed_all(db: &Db, sessions: usize) -> Result<(Vec<String>, String), BoxError> {
    let password = support::seed_viewers(db, sessions, COURSE, 10_000_000, T0).await?;
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT username FROM accounts WHERE is_learner = 1 AND status = 'active' \
         ORDER BY id LIMIT $1",
    )
    .bind(sessions as i64)
    .fetch_all(db.reader())
    .await?;
    Ok((names, password))
}

async fn bench(db: &Db, name: &str, args: &Args) -> Result<(), BoxError> {
    println!(
        "== {name}: {} sessions, one beat each every {} ms, {} s",
        args.sessions, args.every_ms, args.secs
    );
    let (names, password) = seed_all(db, args.sessions).await?;
    let media = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let clock = Clock::manual(T0);
    let site = Web::new(Options {
        db: db.clone(),
        key: web::Key::generate(),
        media_dir: media.path().to_path_buf(),
        secure_cookies: false,
        clock: clock.clone(),
        node: "bench".into(),
    });
    let server = tokio::spawn(web::serve(listener, site));
    let result = drive(db, &base, &clock, &names, &password, args).await;
    server.abort();
    result
}

async fn drive(
    db: &Db,
    base: &str,
    clock: &Clock,
    names: &[String],
    password: &str,
    args: &Args,
) -> Result<(), BoxError> {
    // Sign everyone in, a few at a time (Argon2id runs on the server's blocking threads).
    let started = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(32));
    let mut tasks = Vec::with_capacity(names.len());
    for (group, chunk) in names.chunks(PER_ADDRESS).enumerate() {
        let g = group as u32 + 1;
        let address = IpAddr::V4(Ipv4Addr::new(127, 1, (g >> 8) as u8, (g & 0xff) as u8));
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(address)
            .pool_max_idle_per_host(PER_ADDRESS)
            .build()?;
        for username in chunk {
            let (http, base, username) = (http.clone(), base.to_string(), username.clone());
            let (password, gate) = (password.to_string(), gate.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = gate.acquire_owned().await?;
                sign_in(http, &base, &username, &password).await
            }));
        }
    }
    let mut viewers = Vec::with_capacity(tasks.len());
    for t in tasks {
        viewers.push(t.await??);
    }
    println!(
        "signed in and opened {} leases over HTTP in {:.1} s",
        viewers.len(),
        started.elapsed().as_secs_f64()
    );

    // Rounds, one every `every` of wall time whatever happens: the server's clock moves one
    // player interval (12 s) and every session sends one beat, spread evenly over the round. A
    // session still waiting for its previous answer skips the round (counted), as a browser
    // would send its next beat late: when the server cannot keep up, fewer beats are answered
    // rather than the load waiting for the server.
    let every = Duration::from_millis(args.every_ms);
    let (round_tx, round_rx) = tokio::sync::watch::channel((0u64, tokio::time::Instant::now()));
    let count = viewers.len();
    if count == 0 {
        return Err("no learner signed in".into());
    }
    // Each viewer first opens its keep-alive connection, as the page load did.
    let ready = Arc::new(tokio::sync::Barrier::new(count + 1));
    let tasks: Vec<_> = viewers
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let (base, rounds, ready) = (base.to_string(), round_rx.clone(), ready.clone());
            let offset = every * i as u32 / count as u32;
            let db = db.clone();
            tokio::spawn(async move { viewer(v, base, rounds, offset, ready, db).await })
        })
        .collect();
    ready.wait().await;
    let started = Instant::now();
    let mut round = 0;
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while started.elapsed() < Duration::from_secs(args.secs) {
        let start = ticks.tick().await;
        round += 1;
        clock.advance(STEP_S);
        round_tx.send((round, start))?;
    }
    ticks.tick().await;
    round_tx.send((u64::MAX, tokio::time::Instant::now()))?;
    let elapsed = started.elapsed();
    let mut all = Tally::default();
    let mut last_watched = 0;
    for t in tasks {
        let v = t.await?;
        all.latencies.extend(v.latencies);
        all.ok += v.ok;
        all.not_ok += v.not_ok;
        all.errors += v.errors;
        all.skipped += v.skipped;
        all.credited += v.credited;
        last_watched += v.watched;
    }
    report(&all, elapsed, args);

    let stored: i64 = sqlx::query_scalar("SELECT CAST(SUM(watched_s) AS BIGINT) FROM playback")
        .fetch_one(db.reader())
        .await?;
    println!(
        "stored watched seconds {stored}; last acknowledged watched_s summed {last_watched}; \
         credited by acknowledged beats {}",
        all.credited
    );
    // What the last acknowledged reply of each session said is what is stored. (The credited
    // seconds may add up to more: a check answered too late takes seconds back.)
    if stored != last_watched {
        return Err("stored unions do not match the acknowledged replies".into());
    }
    if all.ok == 0 {
        return Err("no beat was accepted".into());
    }
    Ok(())
}

fn report(all: &Tally, elapsed: Duration, args: &Args) {
    let mut latencies = all.latencies.clone();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len().saturating_sub(1)) as f64 * p) as usize)
            .copied()
            .unwrap_or_default()
    };
    let offered = args.sessions as f64 * 1000.0 / args.every_ms as f64;
    println!(
        "offered {offered:.0} beats/s; {} beats acknowledged in {:.2} s: {:.0} beats/s \
         ({} ok, {} not ok); errors {}; rounds skipped {}; latency p50 {} p99 {} max {}",
        all.ok + all.not_ok,
        elapsed.as_secs_f64(),
        (all.ok + all.not_ok) as f64 / elapsed.as_secs_f64(),
        all.ok,
        all.not_ok,
        all.errors,
        all.skipped,
        ms(pct(0.5)),
        ms(pct(0.99)),
        ms(pct(1.0)),
    );
}

/// One player: a beat per round, `offset` into the round, answering an anti-idle check as soon
/// as it is asked (reading the picture's code from the database); its position is the round's playback time. Opens its connection, then waits at
/// `ready` for the rounds to start.
async fn viewer(
    v: Viewer,
    base: String,
    mut rounds: tokio::sync::watch::Receiver<(u64, tokio::time::Instant)>,
    offset: Duration,
    ready: Arc<tokio::sync::Barrier>,
    db: Db,
) -> Tally {
    let mut tally = Tally::default();
    let mut conn = Conn::open(&base, &v).await.ok();
    ready.wait().await;
    let mut last_round = 0;
    while rounds.changed().await.is_ok() {
        let (round, start) = *rounds.borrow_and_update();
        if round == u64::MAX {
            break;
        }
        tally.skipped += round - last_round - 1;
        last_round = round;
        // Its moment in the round, by the round's clock (a late session sends at once).
        tokio::time::sleep_until(start + offset).await;
        let position = (round as i64 * STEP_S) as f64;
        let body = BeatBody {
            lease_id: &v.lease,
            position_s: position,
            rate: 1.0,
            paused: false,
            visible: true,
        };
        let t = Instant::now();
        let reply = send(&mut conn, &base, &v, &body).await;
        let Some(reply) = reply else {
            tally.errors += 1;
            continue;
        };
        tally.latencies.push(t.elapsed());
        if reply.status == "ok" {
            tally.ok += 1;
        } else {
            tally.not_ok += 1;
        }
        tally.credited += reply.credited_s;
        tally.watched = reply.watched_s;
        if reply.check.is_some() && answer_check(&db, &base, &v).await.is_err() {
            tally.errors += 1;
        }
    }
    tally
}

/// Answers the viewer's waiting anti-idle check over HTTP, its code read from the database (a
/// person reads it off the picture).
async fn answer_check(db: &Db, base: &str, v: &Viewer) -> Result<(), BoxError> {
    let code: Option<String> = sqlx::query_scalar(
        "SELECT k.code FROM playback_checks k JOIN playback_leases l \
         ON l.account_id = k.account_id WHERE l.lease_id = $1",
    )
    .bind(&v.lease)
    .fetch_one(db.reader())
    .await?;
    let resp = reqwest::Client::new()
        .post(format!("{base}/api/check"))
        .header(reqwest::header::COOKIE, &v.cookies)
        .header("X-CSRF-Token", &v.csrf)
        .json(&serde_json::json!({ "code": code.unwrap_or_default() }))
        .send()
        .await?;
    if resp.status() != reqwest::StatusCode::OK {
        return Err(format!("answer: {}", resp.status()).into());
    }
    Ok(())
}

/// One beat over the viewer's connection (opened on first use, and again after a failure).
async fn send(
    conn: &mut Option<Conn>,
    base: &str,
    v: &Viewer,
    body: &BeatBody<'_>,
) -> Option<Reply> {
    let body = serde_json::to_vec(body).ok()?;
    if conn.is_none() {
        *conn = Conn::open(base, v).await.ok();
    }
    let result = conn.as_mut()?.beat(&body).await;
    match result {
        Ok((200, reply)) => serde_json::from_slice(&reply).ok(),
        Ok(_) => None,
        Err(_) => {
            *conn = None;
            None
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
