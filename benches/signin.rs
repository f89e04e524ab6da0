//! Sign-in latency (issue 11: the lockout's reservation must not slow sign-in down). On a
//! throwaway database of each backend, with the SSH server and the web site running in this
//! process on loopback, one staff account signs in one attempt at a time:
//!
//! 1. over SSH: connect, key exchange, password authentication (russh client), disconnect;
//! 2. over HTTP: GET the sign-in form, POST it (CSRF cookie and token), until the redirect;
//! 3. in the app alone: `app::auth::with_password`, the part the reservation changed;
//! 4. the same path without the hash: the right password of a disabled account whose password
//!    is an old-site MD5 hash, so what is timed is the database's share of a sign-in.
//!
//! Each is timed `--rounds` times (default 40) after 3 unmeasured rounds; p50, p90 and max are
//! printed. The time is mostly Argon2id (one hash per sign-in, by design tens of ms).
//!
//! ```text
//! cargo bench --bench signin                         # both databases, 40 rounds each
//! cargo bench --bench signin -- --backend sqlite --rounds 100
//! ```

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use russh::client;
use russh::keys::PublicKeyOrCertificate;
use wangyuan::app::Actor;
use wangyuan::app::actor::RoleKind;
use wangyuan::app::admin::{self, AddStaff};
use wangyuan::store::Db;

const USER: &str = "bench_office";
const PASSWORD: &str = "Jiangnan2026";
const MD5_USER: &str = "bench_md5";

struct Client;

impl client::Handler for Client {
    type Error = russh::Error;
    async fn check_server_key(&mut self, _: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

fn main() {
    let mut rounds = 40usize;
    let backends = support::parse_args(&["--rounds"], |_, v| {
        rounds = v.parse().unwrap_or(rounds);
    });
    support::run_each(&backends, |db, name| async move {
        bench(db, name, rounds).await.map_err(|e| e.to_string())
    });
}

async fn bench(db: Db, name: &str, rounds: usize) -> Result<(), Box<dyn std::error::Error>> {
    let now = wangyuan::app::now();
    // The city's units (the office role belongs to the root).
    let city = wangyuan::demo::seed::SyntheticOptions {
        learners: 1,
        year: 2026,
        per_learner: 0,
        now,
        rng_seed: 1,
    };
    wangyuan::demo::seed::synthetic(&db, &city, |_| {}).await?;
    admin::add_staff(
        &db,
        &Actor::local_operator(),
        AddStaff {
            role: RoleKind::Office,
            unit_code: None,
            username: USER,
            real_name: Some("基准测试"),
            password: Some(PASSWORD.into()),
        },
        now,
    )
    .await?;
    // The database's share of a sign-in, without the hash: an account with an old-site MD5
    // password (checked in microseconds) that is disabled, so the right password takes the
    // whole path (reservation, check, answer, audit) but is not rehashed as Argon2id.
    admin::add_staff(
        &db,
        &Actor::local_operator(),
        AddStaff {
            role: RoleKind::Office,
            unit_code: None,
            username: MD5_USER,
            real_name: Some("基准测试"),
            password: Some(PASSWORD.into()),
        },
        now,
    )
    .await?;
    sqlx::query(
        "UPDATE accounts SET password_scheme = 'md5', password_hash = $1, status = 'disabled' \
         WHERE username = $2",
    )
    .bind(wangyuan::app::password::md5_hex(PASSWORD.as_bytes()))
    .bind(MD5_USER)
    .execute(db.reader())
    .await?;
    let keys_dir = tempfile::tempdir()?;
    let ssh = start_ssh(&db, keys_dir.path()).await?;
    let web = start_web(&db).await?;

    let mut ssh_times = Vec::new();
    let mut web_times = Vec::new();
    let mut app_times = Vec::new();
    let mut db_times = Vec::new();
    for i in 0..rounds + 3 {
        let t = Instant::now();
        ssh_sign_in(ssh).await?;
        let s = t.elapsed();
        // Each round from its own loopback address: the web allows 20 sign-in posts a minute
        // per address.
        let from = std::net::Ipv4Addr::new(127, 0, 1 + (i / 250) as u8, 1 + (i % 250) as u8);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(std::net::IpAddr::V4(from))
            .build()?;
        let t = Instant::now();
        web_sign_in(&http, &web).await?;
        let w = t.elapsed();
        let t = Instant::now();
        let r = wangyuan::app::auth::with_password(&db, USER, PASSWORD, "10.1.1.1", now).await?;
        let a = t.elapsed();
        if r.is_err() {
            return Err(format!("app sign-in refused: {r:?}").into());
        }
        let t = Instant::now();
        let r =
            wangyuan::app::auth::with_password(&db, MD5_USER, PASSWORD, "10.1.1.2", now).await?;
        let d = t.elapsed();
        if r.is_ok() {
            return Err("the disabled MD5 account signed in".into());
        }
        if i >= 3 {
            ssh_times.push(s);
            web_times.push(w);
            app_times.push(a);
            db_times.push(d);
        }
    }
    println!("{name}: {rounds} sign-ins each, one at a time");
    report("  SSH password sign-in (connect + auth)", &mut ssh_times);
    report("  web sign-in (GET form + POST)       ", &mut web_times);
    report("  app::auth::with_password alone      ", &mut app_times);
    report("  the same without Argon2id (MD5)     ", &mut db_times);
    Ok(())
}

fn report(what: &str, times: &mut [Duration]) {
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times.get(i).copied().unwrap_or_default()
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}  p50 {:6.1} ms   p90 {:6.1} ms   max {:6.1} ms",
        ms(at(0.5)),
        ms(at(0.9)),
        ms(at(1.0))
    );
}

async fn start_ssh(
    db: &Db,
    keys: &std::path::Path,
) -> Result<std::net::SocketAddr, Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let shared = wangyuan::ssh::Shared {
        db: db.clone(),
        idle_timeout: Duration::from_secs(900),
        web_address: "http://127.0.0.1:8080/".into(),
        limits: wangyuan::ssh::Limits::default(),
    };
    let keys = wangyuan::ssh::keys::load_or_create(keys)?;
    tokio::spawn(async move { wangyuan::ssh::serve(shared, keys, listener).await });
    Ok(addr)
}

async fn start_web(db: &Db) -> Result<String, Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let site = wangyuan::web::Web::new(wangyuan::web::Options {
        db: db.clone(),
        key: wangyuan::web::Key::generate(),
        media_dir: std::env::temp_dir(),
        secure_cookies: false,
        clock: wangyuan::web::Clock::system(),
        node: "bench".into(),
    });
    tokio::spawn(wangyuan::web::serve(listener, site));
    Ok(base)
}

async fn ssh_sign_in(addr: std::net::SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
    let config = Arc::new(client::Config::default());
    let mut handle = client::connect(config, addr, Client).await?;
    let auth = handle.authenticate_password(USER, PASSWORD).await?;
    if !auth.success() {
        return Err("SSH sign-in refused".into());
    }
    handle
        .disconnect(russh::Disconnect::ByApplication, "", "")
        .await?;
    Ok(())
}

/// GET the form, POST it; a 303 is a sign-in.
async fn web_sign_in(http: &reqwest::Client, base: &str) -> Result<(), Box<dyn std::error::Error>> {
    let form = http.get(format!("{base}/login")).send().await?;
    let cookie = form
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let html = form.text().await?;
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).ok_or("no csrf field")? + marker.len();
    let csrf = html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string();
    let answer = http
        .post(format!("{base}/login"))
        .header(reqwest::header::COOKIE, cookie)
        .form(&[("username", USER), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await?;
    if answer.status() != reqwest::StatusCode::SEE_OTHER {
        return Err(format!("web sign-in answered {}", answer.status()).into());
    }
    Ok(())
}
