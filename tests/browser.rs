//! A real browser against the learner site: headless Chromium (Debian's `chromium`; `.ci/run`
//! installs it where it is missing, `cargo test` never does) signs in through the form, opens the
//! 60-second demo course DEMO01 (generated WAV media), plays it, and the test sees the player's
//! heartbeats reach the database, all under the site's Content-Security-Policy (no violation
//! reported on any page); then takes the demo exam: the options lie beside their text, a click
//! on the text picks the option, the countdown runs, at desktop and at phone width. The site runs
//! on 127.0.0.1 with the real clock. Driven over the DevTools protocol (JSON over a websocket).
//! Where Chromium cannot be had, the test prints "skipped: …" and passes. With
//! `WANGYUAN_SCREENSHOTS=<folder>` the exam page is also saved there as PNG, to look at.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestDb;
use common::http::Site;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use wangyuan::app::Actor;
use wangyuan::demo::courses as demo_courses;
use wangyuan::demo::seed::{self, SyntheticOptions};
use wangyuan::store::Db;
use wangyuan::web::{self, Clock};

const CHROMIUM: &str = "chromium";
const COURSE: &str = "DEMO01";
/// The demo course with an exam.
const EXAM_COURSE: &str = "DEMO03";

/// Run in every page before its own scripts: collects what the Content-Security-Policy blocked.
const CSP_WATCH: &str = "window.__csp = []; document.addEventListener('securitypolicyviolation', \
     function (e) { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });";

/// Tells the person running the tests, past the harness's capture.
fn notice(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

fn chromium_runs() -> bool {
    Command::new(CHROMIUM)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The Chromium process, killed on every way out of the test.
struct Chromium {
    child: Child,
    _profile: tempfile::TempDir,
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts headless Chromium and returns it with its DevTools websocket URL, read from stderr.
async fn launch() -> (Chromium, String) {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--no-proxy-server",
            "--mute-audio",
            "--autoplay-policy=no-user-gesture-required",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let stderr = child.stderr.take().expect("chromium stderr");
    let browser = Chromium {
        child,
        _profile: profile,
    };
    let (found, url) = tokio::sync::oneshot::channel();
    // Reads stderr to its end, so Chromium never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(at) = line.find("ws://")
                && line.contains("DevTools listening on")
                && let Some(tx) = found.take()
            {
                let _ = tx.send(line[at..].trim().to_string());
            }
        }
    });
    let url = tokio::time::timeout(Duration::from_secs(30), url)
        .await
        .expect("chromium announced no DevTools URL within 30 s")
        .expect("chromium ended before announcing its DevTools URL");
    (browser, url)
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A minimal DevTools protocol client for one page.
struct Cdp {
    ws: Socket,
    next_id: u64,
}

impl Cdp {
    /// Connects to the page Chromium opened (found through its /json/list endpoint).
    async fn page(browser_ws: &str) -> Cdp {
        let host = browser_ws
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .expect("devtools host");
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client");
        let targets: Value = http
            .get(format!("http://{host}/json/list"))
            .send()
            .await
            .expect("devtools targets")
            .json()
            .await
            .expect("targets json");
        let page_ws = targets
            .as_array()
            .and_then(|all| all.iter().find(|t| t["type"] == "page"))
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .unwrap_or_else(|| panic!("no page target in {targets}"))
            .to_string();
        let (ws, _) = tokio_tungstenite::connect_async(page_ws.as_str())
            .await
            .expect("connect to the page");
        Cdp { ws, next_id: 0 }
    }

    /// Sends one command and returns its result (events in between are skipped).
    async fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let text = json!({"id": id, "method": method, "params": params}).to_string();
        self.ws
            .send(Message::text(text))
            .await
            .map_err(|e| format!("send {method}: {e}"))?;
        let answer = async {
            while let Some(msg) = self.ws.next().await {
                let msg = msg.map_err(|e| format!("read {method}: {e}"))?;
                let Message::Text(text) = msg else { continue };
                let v: Value = serde_json::from_str(text.as_str()).map_err(|e| e.to_string())?;
                if v["id"].as_u64() == Some(id) {
                    if !v["error"].is_null() {
                        return Err(format!("{method}: {}", v["error"]));
                    }
                    return Ok(v["result"].clone());
                }
            }
            Err(format!("{method}: the DevTools connection closed"))
        };
        tokio::time::timeout(Duration::from_secs(20), answer)
            .await
            .map_err(|_| format!("{method}: no answer within 20 s"))?
    }

    /// Evaluates a JavaScript expression in the page (awaiting a promise) and returns its value.
    async fn eval(&mut self, expression: &str) -> Result<Value, String> {
        let r = self
            .call(
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
            )
            .await?;
        if !r["exceptionDetails"].is_null() {
            return Err(format!("{expression}: {}", r["exceptionDetails"]));
        }
        Ok(r["result"]["value"].clone())
    }

    async fn navigate(&mut self, url: &str) {
        self.call("Page.navigate", json!({ "url": url }))
            .await
            .expect("navigate");
    }

    /// Waits until `condition` (JavaScript) is true; a page still loading counts as not yet.
    async fn wait_for(&mut self, condition: &str, within: Duration) -> Result<(), String> {
        let deadline = Instant::now() + within;
        let mut last = String::new();
        while Instant::now() < deadline {
            match self.eval(condition).await {
                Ok(Value::Bool(true)) => return Ok(()),
                Ok(other) => last = other.to_string(),
                Err(e) => last = e,
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(format!("not within {within:?}: {condition} (last: {last})"))
    }

    /// What the Content-Security-Policy blocked on the current page ("[]" when nothing).
    async fn csp_violations(&mut self) -> String {
        self.eval("JSON.stringify(window.__csp || ['watch not installed'])")
            .await
            .map(|v| v.as_str().unwrap_or("?").to_string())
            .unwrap_or_else(|e| e)
    }

    /// Sets the viewport (CSS pixels) and, with `WANGYUAN_SCREENSHOTS=<folder>`, saves the whole
    /// page there as `<name>.png`.
    async fn at_width(&mut self, width: u32, height: u32, mobile: bool, name: &str) {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        )
        .await
        .expect("viewport");
        let Some(dir) = std::env::var_os("WANGYUAN_SCREENSHOTS") else {
            return;
        };
        let file = std::path::Path::new(&dir).join(format!("{name}.png"));
        // The whole page from its top, however long.
        let tall = self
            .eval("window.scrollTo(0, 0); document.documentElement.scrollHeight")
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .unwrap_or(u64::from(height));
        let png = self
            .call(
                "Page.captureScreenshot",
                json!({"format": "png", "captureBeyondViewport": true,
                    "clip": {"x": 0, "y": 0, "width": width, "height": tall, "scale": 1}}),
            )
            .await
            .expect("screenshot");
        let bytes = base64_decode(png["data"].as_str().unwrap_or_default());
        std::fs::write(&file, bytes).expect("write screenshot");
        notice(&format!("screenshot: {}", file.display()));
    }

    /// What the page shows of the player, for failure messages.
    async fn player_state(&mut self) -> String {
        self.eval(
            "(function () { var v = document.getElementById('video'); \
             var s = document.getElementById('player-status'); \
             var b = document.getElementById('player'); \
             return location.href + ' | status: ' + (s ? s.textContent : '-') + \
             ' | beats: ' + (b ? b.getAttribute('data-beats') : '-') + \
             (v ? ' | at ' + v.currentTime + ' paused ' + v.paused + ' error ' + \
             (v.error ? v.error.code : 'none') : ''); })()",
        )
        .await
        .map(|v| v.to_string())
        .unwrap_or_else(|e| e)
    }
}

/// Standard base64 (DevTools sends screenshots so); padding and unknown bytes are skipped.
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for v in text.bytes().filter_map(value) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// A media folder for the demo courses' lectures, and the database handle that uploads there.
fn with_media(db: &Db) -> (tempfile::TempDir, Db) {
    let media = tempfile::tempdir().expect("media dir");
    let folder = wangyuan::store::media::MediaFolder {
        dir: media.path().to_path_buf(),
        max_bytes: 1 << 30,
    };
    (media, db.clone().with_media(folder))
}

/// A site on 127.0.0.1 with the real clock, serving the demo media (uploaded by `seed_now`).
async fn start(db: &Db, media: tempfile::TempDir) -> Site {
    let dir = media.path().to_path_buf();
    Site::serve(
        db,
        web::Key::generate(),
        Clock::system(),
        media,
        dir,
        "browser-test",
    )
    .await
}

/// Seeds a city (learners whose password needs no change) and the demo courses at the real time;
/// returns a learner and the password.
async fn seed_now(db: &Db, now: i64) -> (String, String) {
    let year = time::OffsetDateTime::from_unix_timestamp(now)
        .expect("now")
        .year();
    let summary = seed::synthetic(
        db,
        &SyntheticOptions {
            learners: 5,
            year,
            per_learner: 0,
            now,
            rng_seed: 11,
        },
        |_| {},
    )
    .await
    .expect("seed");
    demo_courses::insert(db, now).await.expect("demo courses");
    let name: String = sqlx::query_scalar(
        "SELECT username FROM accounts WHERE is_learner = 1 AND status = 'active' ORDER BY id",
    )
    .fetch_one(db.reader())
    .await
    .expect("a learner");
    (name, summary.password)
}

/// The learner's lease and playback row for the course: (started_at, last_beat_at, position_s).
async fn beat_state(db: &Db, account: i64, course: i64) -> Option<(i64, i64, i64)> {
    sqlx::query_as(
        "SELECT l.started_at, l.last_beat_at, p.position_s FROM playback_leases l \
         JOIN playback p ON p.account_id = l.account_id AND p.course_id = l.course_id \
         WHERE l.account_id = $1 AND l.course_id = $2",
    )
    .bind(account)
    .bind(course)
    .fetch_optional(db.reader())
    .await
    .expect("playback state")
}

#[tokio::test]
async fn chromium_signs_in_plays_a_course_and_beats_arrive() {
    if !chromium_runs() {
        notice(
            "skipped: headless Chromium test (`chromium` is missing; .ci/run installs it as root, \
             or: apt-get install chromium)",
        );
        return;
    }
    for t in TestDb::all().await {
        let now = Clock::system().now();
        let (media, with_media) = with_media(&t.db);
        let (username, password) = seed_now(&with_media, now).await;
        let account = Actor::load(&t.db, &username, "t")
            .await
            .expect("actor")
            .account_id
            .expect("account id");
        let course: i64 = sqlx::query_scalar("SELECT id FROM courses WHERE code = $1")
            .bind(COURSE)
            .fetch_one(t.db.reader())
            .await
            .expect("demo course");
        // One required course earned, so the home page's bars have something to draw.
        let earned: i64 = sqlx::query_scalar(
            "SELECT id FROM courses WHERE kind = 'required' AND code NOT LIKE 'DEMO%' ORDER BY id",
        )
        .fetch_one(t.db.reader())
        .await
        .expect("a required course");
        wangyuan::app::ledger::complete_course(&t.db, account, earned, now)
            .await
            .expect("earn a course");
        let site = start(&t.db, media).await;
        let (_chromium, browser_ws) = launch().await;
        let mut page = Cdp::page(&browser_ws).await;
        page.call("Page.enable", json!({}))
            .await
            .expect("page events");
        page.call(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": CSP_WATCH }),
        )
        .await
        .expect("install the CSP watch");

        page.navigate(&format!("{}/login", site.base)).await;
        page.wait_for(
            "document.readyState === 'complete' && !!document.querySelector('input[name=password]')",
            Duration::from_secs(20),
        )
        .await
        .expect("the sign-in form");
        let submit = format!(
            "(function () {{ var p = document.querySelector('input[name=password]'); \
             var f = p.form; f.username.value = {}; p.value = {}; f.submit(); return true; }})()",
            Value::from(username.as_str()),
            Value::from(password.as_str()),
        );
        assert_eq!(page.eval(&submit).await, Ok(Value::Bool(true)));
        if let Err(e) = page
            .wait_for(
                "location.pathname === '/' && document.readyState === 'complete' \
                 && document.body.innerText.indexOf('年度学分') >= 0",
                Duration::from_secs(20),
            )
            .await
        {
            let body = page.eval("document.body.innerText").await;
            panic!("{}: not signed in: {e}\n{body:?}", t.name);
        }
        assert_eq!(page.csp_violations().await, "[]", "{}: home", t.name);
        // The progress bars are drawn by the stylesheet's width classes (no inline style).
        page.at_width(1280, 900, false, &format!("home-{}", t.name))
            .await;
        let bars = page
            .eval(
                "(function () { var out = []; var f = document.querySelectorAll('.bar .fill'); \
                 for (var i = 0; i < f.length; i++) { \
                 var want = Number(/\\bw([0-9]+)\\b/.exec(f[i].className)[1]); \
                 out.push([want, Math.round(100 * f[i].offsetWidth / f[i].parentNode.offsetWidth)]); } \
                 return JSON.stringify(out); })()",
            )
            .await
            .expect("bars");
        let bars: Vec<(i64, i64)> =
            serde_json::from_str(bars.as_str().unwrap_or_default()).expect("bar widths");
        assert!(
            bars.len() == 2
                && bars[0].0 > 0
                && bars.iter().all(|(want, got)| (want - got).abs() <= 1),
            "{}: home's bars (class width, drawn width): {bars:?}",
            t.name
        );

        page.navigate(&format!("{}/courses/{COURSE}", site.base))
            .await;
        if let Err(e) = page
            .wait_for(
                "document.getElementById('player-status') !== null && \
                 document.getElementById('player-status').textContent === '可以开始学习。'",
                Duration::from_secs(20),
            )
            .await
        {
            panic!(
                "{}: player not ready: {e}\n{}",
                t.name,
                page.player_state().await
            );
        }
        // The anti-idle and completion boxes start hidden by the stylesheet (no inline style).
        assert_eq!(
            page.eval(
                "getComputedStyle(document.getElementById('check')).display + ' ' + \
                 getComputedStyle(document.getElementById('done')).display"
            )
            .await,
            Ok(Value::from("none none")),
            "{}",
            t.name
        );
        let played = page
            .eval(
                "(function () { var v = document.getElementById('video'); v.muted = true; \
                 return v.play().then(function () { return 'playing'; }, \
                 function (e) { return 'refused: ' + e; }); })()",
            )
            .await;
        assert_eq!(
            played,
            Ok(Value::from("playing")),
            "{}: {}",
            t.name,
            page.player_state().await
        );

        // The first beat comes after beat_every_s (12 s); allow 40 s.
        let deadline = Instant::now() + Duration::from_secs(40);
        let mut seen = None;
        while Instant::now() < deadline {
            seen = beat_state(&t.db, account, course).await;
            if let Some((started, last_beat, position)) = seen
                && last_beat > started
                && position > 0
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let state = page.player_state().await;
        let Some((started, last_beat, position)) = seen else {
            panic!("{}: no playback row after 40 s; page: {state}", t.name);
        };
        assert!(
            last_beat > started && position > 0,
            "{}: no heartbeat with progress in 40 s (started {started}, last beat {last_beat}, \
             position {position}); page: {state}",
            t.name
        );
        let beats = page
            .eval("Number(document.getElementById('player').getAttribute('data-beats'))")
            .await
            .expect("beats on the page");
        assert!(
            beats.as_i64().is_some_and(|n| n >= 1),
            "{}: {state}",
            t.name
        );
        assert!(state.contains("已学习"), "{}: {state}", t.name);
        assert_eq!(page.csp_violations().await, "[]", "{}: course page", t.name);

        take_the_exam(&mut page, &t, &site, account).await;
    }
}

/// Opens the demo exam (course marked completed) and checks the answer page as a person sees it.
async fn take_the_exam(page: &mut Cdp, t: &TestDb, site: &Site, account: i64) {
    let course: i64 = sqlx::query_scalar("SELECT id FROM courses WHERE code = $1")
        .bind(EXAM_COURSE)
        .fetch_one(t.db.reader())
        .await
        .expect("exam course");
    wangyuan::app::ledger::complete_course(&t.db, account, course, Clock::system().now())
        .await
        .expect("complete the exam course");
    page.navigate(&format!("{}/courses/{EXAM_COURSE}/exam", site.base))
        .await;
    page.wait_for(
        "document.readyState === 'complete' && document.body.innerText.indexOf('开始考试') >= 0",
        Duration::from_secs(20),
    )
    .await
    .expect("the exam's start button");
    assert_eq!(page.csp_violations().await, "[]", "{}: exam terms", t.name);
    page.eval(
        "(function () { var f = document.querySelector('main form'); f.submit(); return true; })()",
    )
    .await
    .expect("start the exam");
    page.wait_for(
        "document.readyState === 'complete' && document.getElementById('answers') !== null",
        Duration::from_secs(20),
    )
    .await
    .expect("the answer page");
    // The countdown is shown and runs: it reads less than the time left when the page was made.
    page.wait_for(
        "(function () { var c = document.getElementById('countdown'); \
         var m = /^([0-9]+):([0-9][0-9])$/.exec(c.textContent); \
         return document.getElementById('countdown-box').className.indexOf('hide') < 0 && !!m && \
         Number(m[1]) * 60 + Number(m[2]) < Number(c.getAttribute('data-remaining')); })()",
        Duration::from_secs(10),
    )
    .await
    .expect("the countdown runs");
    for (name, width, height, mobile) in [("desktop", 1280, 900, false), ("phone", 390, 844, true)]
    {
        page.at_width(width, height, mobile, &format!("exam-{}-{name}", t.name))
            .await;
        // Each control lies on the first line of its option, left of the text; the page fits
        // the width; a click on the text picks the option.
        let layout = page
            .eval(
                "(function () { var bad = []; var rows = document.querySelectorAll('label.option'); \
                 for (var i = 0; i < rows.length; i++) { var l = rows[i].getBoundingClientRect(); \
                 var c = rows[i].querySelector('input').getBoundingClientRect(); \
                 var r = document.createRange(); r.selectNodeContents(rows[i]); \
                 r.setStartAfter(rows[i].querySelector('input')); var tx = r.getClientRects()[0]; \
                 if (!(c.left >= l.left && c.right <= tx.left && c.top >= l.top && \
                 c.top - l.top < 24 && Math.abs((c.top + c.bottom) / 2 - (tx.top + tx.bottom) / 2) < 8)) \
                 { bad.push(i + ': control ' + JSON.stringify(c) + ' text ' + JSON.stringify(tx)); } } \
                 if (document.documentElement.scrollWidth > window.innerWidth) { bad.push('wider than the screen'); } \
                 var pick = null; for (var j = rows.length - 1; j >= 0 && !pick; j--) \
                 { if (!rows[j].querySelector('input').checked) { pick = rows[j]; } } \
                 if (pick) { pick.click(); if (!pick.querySelector('input').checked) \
                 { bad.push('a click on the text picked nothing'); } } \
                 return rows.length + ' options' + (bad.length ? ': ' + bad.join('; ') : ''); })()",
            )
            .await
            .expect("layout");
        let text = layout.as_str().unwrap_or_default().to_string();
        assert!(
            !text.contains(':') && !text.starts_with("0 "),
            "{} at {name} width: {text}",
            t.name
        );
    }
    assert_eq!(page.csp_violations().await, "[]", "{}: answer page", t.name);
}
