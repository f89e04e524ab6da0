//! Issue 11, point 9, over real HTTP on both databases: the anti-idle check's code reaches the
//! learner only as a server-drawn picture (never in a page or a JSON reply), answering with the
//! code works, and a check left unanswered forfeits the time since the previous check whatever
//! the learner does next — opening the course again, opening another course (a new lease),
//! playing in another session, signing out — with the miss flagged for the office.

mod common;

use common::http::{Browser, Site, attribute};
use common::{NOW, TestDb, short_course};
use reqwest::StatusCode;
use serde_json::{Value, json};
use wangyuan::demo::seed::{self, SyntheticOptions};
use wangyuan::store::Db;

/// Published 600 s courses ANTI01 and ANTI02; active learners and their password.
async fn setup(db: &Db) -> (Vec<String>, String) {
    let summary = seed::synthetic(
        db,
        &SyntheticOptions {
            learners: 8,
            year: 2026,
            per_learner: 1,
            now: NOW,
            rng_seed: 11,
        },
        |_| {},
    )
    .await
    .expect("seed");
    for code in ["ANTI01", "ANTI02"] {
        short_course(db, code, 600).await;
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT username FROM accounts WHERE is_learner = 1 AND status = 'active' ORDER BY id",
    )
    .fetch_all(db.reader())
    .await
    .expect("learners");
    (names, summary.password)
}

/// A learner playing ANTI01 in a browser.
struct Learner {
    browser: Browser,
    csrf: String,
    lease: String,
    id: i64,
    pos: f64,
}

impl Learner {
    async fn sign_in(site: &Site, db: &Db, username: &str, password: &str) -> Learner {
        let mut browser = Browser::new(site);
        let signed = browser.sign_in(username, password).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER);
        let id = sqlx::query_scalar("SELECT id FROM accounts WHERE username = $1")
            .bind(username)
            .fetch_one(db.reader())
            .await
            .expect("id");
        Learner {
            browser,
            csrf: String::new(),
            lease: String::new(),
            id,
            pos: 0.0,
        }
    }

    /// Loads the course page and opens the course; returns the open reply and its text.
    async fn open(&mut self, code: &str) -> (Value, String) {
        let page = self.browser.get(&format!("/courses/{code}")).await;
        assert_eq!(page.status, StatusCode::OK);
        self.csrf = attribute(&page.body, "data-csrf=\"");
        let (status, opened, text) = self
            .browser
            .api(&format!("/api/courses/{code}/open"), &self.csrf, json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        self.lease = opened["lease_id"].as_str().expect("lease").to_string();
        self.pos = opened["resume_at_s"].as_f64().unwrap_or(0.0);
        (opened, text)
    }

    /// Plays 12 s (the clock moves on) and beats; returns the reply and its text.
    async fn beat(&mut self, site: &Site) -> (Value, String) {
        site.clock.advance(12);
        self.pos += 12.0;
        let (status, reply, text) = self
            .browser
            .api(
                "/api/beat",
                &self.csrf,
                json!({"lease_id": self.lease, "position_s": self.pos, "rate": 1.0,
                    "paused": false, "visible": true}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        assert_eq!(reply["status"], "ok", "{text}");
        (reply, text)
    }

    async fn answer(&mut self, code: &str) -> Value {
        let (status, reply, text) = self
            .browser
            .api("/api/check", &self.csrf, json!({ "code": code }))
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        reply
    }
}

/// The code of the account's waiting check, straight from the database.
async fn code_in_db(db: &Db, id: i64) -> String {
    let code: Option<String> =
        sqlx::query_scalar("SELECT code FROM playback_checks WHERE account_id = $1")
            .bind(id)
            .fetch_one(db.reader())
            .await
            .expect("check row");
    code.expect("a check waits")
}

async fn watched(db: &Db, id: i64) -> (i64, String) {
    sqlx::query_as(
        "SELECT CAST(SUM(watched_s) AS BIGINT), MAX(watched) FROM playback WHERE account_id = $1",
    )
    .bind(id)
    .fetch_one(db.reader())
    .await
    .expect("playback")
}

async fn missed_flags(db: &Db, id: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM fraud_flags WHERE account_id = $1 AND kind = 'failed_checks'",
    )
    .bind(id)
    .fetch_one(db.reader())
    .await
    .expect("flags")
}

/// Makes a check fall due now; the next beat asks it. Returns that beat's reply.
async fn ask_check(site: &Site, db: &Db, l: &mut Learner) -> Value {
    sqlx::query("UPDATE playback_checks SET next_check_at = $1 WHERE account_id = $2")
        .bind(site.clock.now())
        .bind(l.id)
        .execute(db.reader())
        .await
        .expect("schedule a check");
    let (reply, text) = l.beat(site).await;
    assert_eq!(reply["check"]["answer_within_s"], 60, "{text}");
    assert_no_code(&reply, &code_in_db(db, l.id).await);
    assert!(reply["check"].get("code").is_none(), "{text}");
    reply
}

/// No value of a JSON reply (but the random lease id) holds the code.
fn assert_no_code(reply: &Value, code: &str) {
    let mut reply = reply.clone();
    if let Some(o) = reply.as_object_mut() {
        o.remove("lease_id");
    }
    let text = reply.to_string();
    assert!(
        !text.contains(code),
        "the code {code} is in the reply: {text}"
    );
}

/// Opens ANTI01, plays, passes a first check with the code read from the database, plays on
/// and lets a second check be asked. Returns the watched seconds verified by the first check.
async fn to_an_ignored_check(site: &Site, db: &Db, l: &mut Learner) -> i64 {
    let (_, text) = l.open("ANTI01").await;
    assert!(!text.contains("\"code\""), "{text}");
    for _ in 0..3 {
        l.beat(site).await;
    }
    ask_check(site, db, l).await;
    // The page and the picture: no code in the page; a fresh SVG with no text, never cached.
    let page = l.browser.get("/courses/ANTI01").await;
    let code = code_in_db(db, l.id).await;
    for shown in [
        format!(">{code}<"),
        format!("\"{code}\""),
        format!(" {code} "),
    ] {
        assert!(!page.body.contains(&shown), "code in the page");
    }
    assert!(page.body.contains("check-image"));
    let svg = l.browser.get("/api/check.svg").await;
    assert_eq!(svg.status, StatusCode::OK);
    assert_eq!(svg.headers["content-type"], "image/svg+xml");
    assert_eq!(svg.headers["cache-control"], "no-store");
    assert!(svg.body.starts_with("<svg") && !svg.body.contains("<text"));
    // The namespace URL holds "2000": a check code may be that by chance.
    let drawn = svg.body.replace("http://www.w3.org/2000/svg", "");
    assert!(!drawn.contains(&code), "the code {code} is in the picture");
    assert_ne!(svg.body, l.browser.get("/api/check.svg").await.body);
    // Answered with the code: the time is kept and verified.
    let before = watched(db, l.id).await.0;
    site.clock.advance(5);
    let reply = l.answer(&code).await;
    assert_eq!(reply["status"], "passed", "{reply}");
    let verified = watched(db, l.id).await.0;
    assert_eq!(verified, before);
    assert_eq!(verified, 48);
    assert_eq!(l.answer(&code).await["status"], "none");
    for _ in 0..3 {
        l.beat(site).await;
    }
    ask_check(site, db, l).await;
    assert_eq!(watched(db, l.id).await.0, verified + 48);
    verified
}

/// The check was missed: what was watched since the previous check is gone from the union,
/// and the office has a flag.
async fn assert_forfeited(db: &Db, l: &Learner, verified: i64, what: &str) {
    let (w, union) = watched(db, l.id).await;
    assert_eq!(w, verified, "{what}: {union}");
    assert_eq!(union, format!("0-{verified}"), "{what}");
    assert_eq!(missed_flags(db, l.id).await, 1, "{what}");
    let waiting: Option<String> =
        sqlx::query_scalar("SELECT code FROM playback_checks WHERE account_id = $1")
            .bind(l.id)
            .fetch_one(db.reader())
            .await
            .expect("check row");
    assert_eq!(waiting, None, "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ignored_check_is_forfeited_whatever_the_learner_does_next() {
    for t in TestDb::all().await {
        let db = &t.db;
        let (names, pw) = setup(db).await;
        let site = Site::start(db, NOW).await;

        // Ignored, then the course opened again.
        let mut a = Learner::sign_in(&site, db, &names[0], &pw).await;
        let verified = to_an_ignored_check(&site, db, &mut a).await;
        site.clock.advance(63);
        a.open("ANTI01").await;
        assert_forfeited(db, &a, verified, &format!("{}: re-open", t.name)).await;

        // Ignored, then another course opened (a new lease).
        let mut b = Learner::sign_in(&site, db, &names[1], &pw).await;
        let verified = to_an_ignored_check(&site, db, &mut b).await;
        site.clock.advance(63);
        b.open("ANTI02").await;
        assert_forfeited(db, &b, verified, &format!("{}: new lease", t.name)).await;

        // Ignored, then playing in another session: within the minute the check is asked there
        // too and nothing counts; after it, the time is gone.
        let mut c = Learner::sign_in(&site, db, &names[2], &pw).await;
        let verified = to_an_ignored_check(&site, db, &mut c).await;
        let mut other = Learner::sign_in(&site, db, &names[2], &pw).await;
        let (opened, _) = other.open("ANTI01").await;
        assert!(
            opened["check"]["answer_within_s"].as_i64().is_some(),
            "{opened}"
        );
        assert_no_code(&opened, &code_in_db(db, c.id).await);
        let (reply, _) = other.beat(&site).await;
        assert_eq!(reply["credited_s"], 0, "{reply}");
        assert!(reply["check"].is_object(), "{reply}");
        site.clock.advance(63);
        let (reply, _) = other.beat(&site).await;
        assert!(
            reply["message"].as_str().unwrap_or("").contains("60 秒"),
            "{reply}"
        );
        assert_forfeited(db, &c, verified, &format!("{}: other session", t.name)).await;

        // Signing out with a check waiting forfeits at once.
        let mut d = Learner::sign_in(&site, db, &names[3], &pw).await;
        let verified = to_an_ignored_check(&site, db, &mut d).await;
        let out = d.browser.post("/logout", &[("csrf", &d.csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
        assert_forfeited(db, &d, verified, &format!("{}: sign-out", t.name)).await;

        // Guessing: three wrong answers are a miss.
        let mut e = Learner::sign_in(&site, db, &names[4], &pw).await;
        let verified = to_an_ignored_check(&site, db, &mut e).await;
        let right = code_in_db(db, e.id).await;
        let wrong = if right == "0000" { "1111" } else { "0000" };
        assert_eq!(e.answer(wrong).await["status"], "wrong");
        assert_eq!(e.answer(wrong).await["status"], "wrong");
        assert_eq!(e.answer(wrong).await["status"], "missed");
        assert_eq!(e.answer(&right).await["status"], "none");
        assert_forfeited(db, &e, verified, &format!("{}: guessing", t.name)).await;

        // No picture without a waiting check, nor without a session.
        assert_eq!(
            e.browser.get("/api/check.svg").await.status,
            StatusCode::NOT_FOUND
        );
        let mut anonymous = Browser::new(&site);
        let svg = anonymous.get("/api/check.svg").await;
        assert_ne!(svg.status, StatusCode::OK);
    }
}

/// A `playback_checks` row: code, issued at, wrong answers, next check at, last passed at.
type CheckRow = (Option<String>, Option<i64>, i64, i64, Option<i64>);

/// What a beat or an answer could change for the account: its playback, its lease, its check.
async fn playback_state(db: &Db, id: i64) -> String {
    let playback: Vec<(String, i64, i64, i64, String)> = sqlx::query_as(
        "SELECT watched, watched_s, position_s, updated_at, unverified FROM playback
         WHERE account_id = $1 ORDER BY course_id",
    )
    .bind(id)
    .fetch_all(db.reader())
    .await
    .expect("playback");
    let lease: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT lease_id, last_beat_at, last_position FROM playback_leases WHERE account_id = $1",
    )
    .bind(id)
    .fetch_all(db.reader())
    .await
    .expect("lease");
    let check: Vec<CheckRow> = sqlx::query_as(
        "SELECT code, issued_at, wrong, next_check_at, last_ok_at FROM playback_checks
         WHERE account_id = $1",
    )
    .bind(id)
    .fetch_all(db.reader())
    .await
    .expect("check");
    format!("{playback:?} {lease:?} {check:?}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_player_api_refuses_posts_without_the_csrf_header_and_changes_nothing() {
    for t in TestDb::all().await {
        let db = &t.db;
        let (names, pw) = setup(db).await;
        let site = Site::start(db, NOW).await;
        let mut l = Learner::sign_in(&site, db, &names[0], &pw).await;
        l.open("ANTI01").await;
        for _ in 0..3 {
            l.beat(&site).await;
        }
        ask_check(&site, db, &mut l).await;
        let code = code_in_db(db, l.id).await;
        let before = playback_state(db, l.id).await;

        // Requests the learner's session would be allowed, but without this session's token.
        site.clock.advance(12);
        let beat = json!({"lease_id": l.lease, "position_s": l.pos + 12.0, "rate": 1.0,
            "paused": false, "visible": true});
        for (path, body) in [
            ("/api/beat", &beat),
            ("/api/check", &json!({ "code": code })),
        ] {
            for token in [None, Some(""), Some("deadbeef"), Some(&l.csrf[1..])] {
                let mut req = l
                    .browser
                    .http
                    .post(format!("{}{path}", l.browser.base))
                    .json(body);
                if let Some(token) = token {
                    req = req.header("X-CSRF-Token", token);
                }
                let r = l.browser.send(req).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{}: {path} {token:?}: {}",
                    t.name,
                    r.body
                );
                assert!(r.body.contains("表单已过期"), "{}: {}", t.name, r.body);
                assert_eq!(
                    playback_state(db, l.id).await,
                    before,
                    "{}: {path} {token:?}",
                    t.name
                );
            }
        }

        // With the token the same requests go through: the refusals were the token's alone.
        let reply = l.answer(&code).await;
        assert_eq!(reply["status"], "passed", "{}: {reply}", t.name);
        l.beat(&site).await;
        assert_ne!(playback_state(db, l.id).await, before, "{}", t.name);
    }
}
