//! The learner web site over real HTTP (loopback), on both databases: sign-in, lockout, forced
//! password change, CSRF refusal, sessions ended by staff or sign-out, no way into another
//! learner's data, media only with a session and with Range (206/416).

mod common;

use common::http::{Browser, Page, Site, csrf_of};
use common::{NOW, TestDb, ledger_entries};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use wangyuan::app::{self, Actor, Error};
use wangyuan::demo::seed::{self, SyntheticOptions};
use wangyuan::store::Db;
use wangyuan::web::{self, Clock};

const MEDIA_LEN: usize = 4000;

/// A site on 127.0.0.1 serving its own media folder (clip.bin, with secret.txt beside the
/// folder), with `key` and `clock`.
async fn start(db: &Db, key: web::Key, clock: Clock) -> Site {
    let media = tempfile::tempdir().expect("media dir");
    let folder = media.path().join("media");
    std::fs::create_dir(&folder).expect("media folder");
    let bytes: Vec<u8> = (0..MEDIA_LEN).map(|i| (i % 251) as u8).collect();
    std::fs::write(folder.join("clip.bin"), &bytes).expect("media file");
    // Beside the media folder: must never be reachable.
    std::fs::write(media.path().join("secret.txt"), "secret").expect("secret file");
    Site::serve(db, key, clock, media, folder, "test").await
}

/// Two active learners with a few credits each, and their shared password.
async fn learners(db: &Db) -> (String, String, String) {
    let summary = seed::synthetic(
        db,
        &SyntheticOptions {
            learners: 20,
            year: 2026,
            per_learner: 3,
            now: NOW,
            rng_seed: 7,
        },
        |_| {},
    )
    .await
    .expect("seed");
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT username FROM accounts WHERE is_learner = 1 AND status = 'active' ORDER BY id",
    )
    .fetch_all(db.reader())
    .await
    .expect("learners");
    (names[0].clone(), names[1].clone(), summary.password)
}

async fn real_name(db: &Db, username: &str) -> String {
    Actor::load(db, username, "test")
        .await
        .expect("actor")
        .real_name(db)
        .await
        .expect("name")
}

#[tokio::test]
async fn sign_in_pages_and_sign_out() {
    for t in TestDb::all().await {
        let (a, b, pw) = learners(&t.db).await;
        let site = start(&t.db, web::Key::generate(), Clock::manual(NOW)).await;
        let mut browser = Browser::at(&site.base);
        let first = browser.get("/").await;
        assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", t.name);
        assert_eq!(first.location.as_deref(), Some("/login"));

        let wrong = browser.sign_in(&a, "wrong-password1").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.body.contains("用户名或密码错误"), "{}", wrong.body);
        assert!(!browser.cookies.contains_key("wy_session"));

        let ok = browser.sign_in(&a, &pw).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        assert_eq!(ok.location.as_deref(), Some("/"));
        assert!(browser.cookies.contains_key("wy_session"));

        let home = browser.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.body.contains("2026 年度学分"), "{}", home.body);
        assert!(home.body.contains(&real_name(&t.db, &a).await));
        assert!(!home.body.contains(&real_name(&t.db, &b).await));
        assert!(home.body.contains("建议学习") || home.body.contains("已完成本年度学分任务"));
        assert!(home.body.contains("我的通知"));

        let all = browser.get("/courses").await;
        assert_eq!(all.status, StatusCode::OK);
        assert!(all.body.contains("计分规则"));
        let required = browser.get("/courses?kind=required&q=").await;
        assert_eq!(required.status, StatusCode::OK);
        assert!(required.body.len() < all.body.len());
        assert!(!required.body.contains("<td>选修</td>"));
        // The shared parser: a code in any case, or the Chinese name.
        for given in ["REQUIRED", "%E5%BF%85%E4%BF%AE"] {
            let same = browser.get(&format!("/courses?kind={given}")).await;
            assert_eq!(same.status, StatusCode::OK, "{given}: {}", same.body);
            assert!(!same.body.contains("<td>选修</td>"), "{given}");
        }
        let bad = browser.get("/courses?kind=bogus").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("类型"), "{}", bad.body);
        assert!(bad.body.contains("可选"), "{}", bad.body);

        let archive = browser.get("/archive").await;
        assert_eq!(archive.status, StatusCode::OK);
        assert!(archive.body.contains("2026 年"), "{}", archive.body);
        assert!(archive.body.contains("完成课程学习") || archive.body.contains("学时"));
        let cert = browser.get("/archive/certificate").await;
        assert_eq!(cert.status, StatusCode::OK);
        assert!(cert.body.contains("学时证明"));
        assert!(cert.body.contains("娄底市干部网络学院"));
        assert!(cert.body.contains(&real_name(&t.db, &a).await));

        let framed = browser
            .http
            .get(format!("{}/", site.base))
            .header(COOKIE, browser.cookie_header())
            .send()
            .await
            .expect("headers");
        assert_eq!(
            framed
                .headers()
                .get("x-frame-options")
                .and_then(|v| v.to_str().ok()),
            Some("DENY")
        );
        let css = browser.get("/static/style.css").await;
        assert_eq!(css.status, StatusCode::OK);
        assert!(css.body.contains("@page"));

        // Sign-out ends the session on the server: the old cookie no longer works.
        let stolen = browser.cookies.clone();
        let csrf = csrf_of(&home.body);
        let out = browser.post("/logout", &[("csrf", &csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        let mut replay = Browser::at(&site.base);
        replay.cookies = stolen;
        assert_eq!(replay.get("/").await.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn sessions_survive_a_restart_and_staff_can_end_them() {
    for t in TestDb::all().await {
        let (a, _, pw) = learners(&t.db).await;
        let key = web::Key::generate();
        let site = start(&t.db, key.clone(), Clock::manual(NOW)).await;
        let mut browser = Browser::at(&site.base);
        assert_eq!(browser.sign_in(&a, &pw).await.status, StatusCode::SEE_OTHER);
        drop(site);
        // A new process with the same key (and database) knows the cookie.
        let again = start(&t.db, key, Clock::manual(NOW + 60)).await;
        browser.base = again.base.clone();
        assert_eq!(browser.get("/").await.status, StatusCode::OK, "{}", t.name);
        // A different key cannot read it.
        let other = start(&t.db, web::Key::generate(), Clock::manual(NOW)).await;
        browser.base = other.base.clone();
        assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
        // The office ends every web login of the learner.
        browser.base = again.base.clone();
        let ended = app::sessions::end_all_of(&t.db, &Actor::local_operator(), &a, NOW + 70)
            .await
            .expect("end");
        assert_eq!(ended, 1);
        assert_eq!(browser.get("/").await.status, StatusCode::SEE_OTHER);
        // Idle sessions expire.
        let mut idle = Browser::at(&again.base);
        assert_eq!(idle.sign_in(&a, &pw).await.status, StatusCode::SEE_OTHER);
        assert_eq!(idle.get("/").await.status, StatusCode::OK);
        again.clock.advance(app::sessions::IDLE_SECS + 1);
        assert_eq!(idle.get("/").await.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn lockout_after_five_failures() {
    for t in TestDb::all().await {
        let (a, _, pw) = learners(&t.db).await;
        let site = start(&t.db, web::Key::generate(), Clock::manual(NOW)).await;
        let mut browser = Browser::at(&site.base);
        for _ in 0..5 {
            let r = browser.sign_in(&a, "Wrong12345").await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }
        let locked = browser.sign_in(&a, &pw).await;
        assert_eq!(locked.status, StatusCode::UNAUTHORIZED, "{}", t.name);
        assert!(locked.body.contains("锁定"), "{}", locked.body);
        // The lock is the same one SSH uses: it lasts 15 minutes.
        site.clock.advance(app::auth::WINDOW_SECS + 1);
        assert_eq!(browser.sign_in(&a, &pw).await.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn initial_password_must_be_changed() {
    for t in TestDb::all().await {
        let (a, _, pw) = learners(&t.db).await;
        sqlx::query("UPDATE accounts SET must_change = 1 WHERE username = $1")
            .bind(&a)
            .execute(t.db.reader())
            .await
            .expect("flag");
        let site = start(&t.db, web::Key::generate(), Clock::manual(NOW)).await;
        let mut browser = Browser::at(&site.base);
        let r = browser.sign_in(&a, &pw).await;
        assert_eq!(r.location.as_deref(), Some("/password"), "{}", t.name);
        for path in ["/", "/courses", "/archive"] {
            let p = browser.get(path).await;
            assert_eq!(p.location.as_deref(), Some("/password"), "{path}");
        }
        let form = browser.get("/password").await;
        assert!(form.body.contains("首次登录须修改初始密码"));
        let csrf = csrf_of(&form.body);
        let mismatch = [
            ("csrf", csrf.as_str()),
            ("current", pw.as_str()),
            ("new", "Newpass2026"),
            ("confirm", "Newpass2027"),
        ];
        let r = browser.post("/password", &mismatch).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("不一致"), "{}", r.body);
        let weak = [
            ("csrf", csrf.as_str()),
            ("current", pw.as_str()),
            ("new", "short1"),
            ("confirm", "short1"),
        ];
        let r = browser.post("/password", &weak).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("至少 8 位"), "{}", r.body);
        let letters = [
            ("csrf", csrf.as_str()),
            ("current", pw.as_str()),
            ("new", "onlyletters"),
            ("confirm", "onlyletters"),
        ];
        assert!(
            browser
                .post("/password", &letters)
                .await
                .body
                .contains("字母和数字")
        );
        let same_as_name = [
            ("csrf", csrf.as_str()),
            ("current", pw.as_str()),
            ("new", a.as_str()),
            ("confirm", a.as_str()),
        ];
        assert!(
            browser
                .post("/password", &same_as_name)
                .await
                .body
                .contains("用户名")
        );
        let wrong_current = [
            ("csrf", csrf.as_str()),
            ("current", "Nope12345"),
            ("new", "Newpass2026"),
            ("confirm", "Newpass2026"),
        ];
        assert!(
            browser
                .post("/password", &wrong_current)
                .await
                .body
                .contains("当前密码")
        );
        let good = [
            ("csrf", csrf.as_str()),
            ("current", pw.as_str()),
            ("new", "Newpass2026"),
            ("confirm", "Newpass2026"),
        ];
        let done = browser.post("/password", &good).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert_eq!(done.location.as_deref(), Some("/"));
        assert_eq!(browser.get("/").await.status, StatusCode::OK);
        let history: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM password_history h JOIN accounts a ON a.id = h.account_id WHERE a.username = $1",
        )
        .bind(&a)
        .fetch_one(t.db.reader())
        .await
        .expect("history");
        assert_eq!(history, 1);
        // The old password is gone, the new one works.
        let mut fresh = Browser::at(&site.base);
        assert_eq!(
            fresh.sign_in(&a, &pw).await.status,
            StatusCode::UNAUTHORIZED
        );
        let ok = fresh.sign_in(&a, "Newpass2026").await;
        assert_eq!(ok.location.as_deref(), Some("/"));
    }
}

#[tokio::test]
async fn posts_without_the_right_csrf_token_are_refused() {
    for t in TestDb::all().await {
        let (a, _, pw) = learners(&t.db).await;
        let site = start(&t.db, web::Key::generate(), Clock::manual(NOW)).await;
        // Sign-in without the form's cookie (a cross-site post) is refused and counts nothing.
        let mut cross = Browser::at(&site.base);
        let r = cross
            .post(
                "/login",
                &[
                    ("username", a.as_str()),
                    ("password", pw.as_str()),
                    ("csrf", "0123"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", t.name);
        assert!(!cross.cookies.contains_key("wy_session"));

        let mut browser = Browser::at(&site.base);
        assert_eq!(browser.sign_in(&a, &pw).await.status, StatusCode::SEE_OTHER);
        let home = browser.get("/").await;
        let csrf = csrf_of(&home.body);
        for token in ["", "deadbeef", &csrf[1..]] {
            let r = browser.post("/logout", &[("csrf", token)]).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{token}");
            let r = browser
                .post(
                    "/password",
                    &[
                        ("csrf", token),
                        ("current", pw.as_str()),
                        ("new", "Abcdefg123"),
                        ("confirm", "Abcdefg123"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
        }
        // Still signed in, password unchanged.
        assert_eq!(browser.get("/").await.status, StatusCode::OK);
        let mut again = Browser::at(&site.base);
        assert_eq!(again.sign_in(&a, &pw).await.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn nobody_reaches_another_learners_data() {
    for t in TestDb::all().await {
        let (a, b, pw) = learners(&t.db).await;
        let site = start(&t.db, web::Key::generate(), Clock::manual(NOW)).await;
        let mut browser = Browser::at(&site.base);
        assert_eq!(browser.sign_in(&a, &pw).await.status, StatusCode::SEE_OTHER);
        let b_name = real_name(&t.db, &b).await;
        for path in ["/", "/archive", "/archive/certificate", "/courses"] {
            let p = browser.get(path).await;
            assert!(!p.body.contains(&b_name), "{path} shows {b}'s name");
        }
        // Query parameters cannot switch the learner either.
        let p = browser
            .get(&format!("/archive?user={b}&username={b}"))
            .await;
        assert!(!p.body.contains(&b_name));
        // A forged cookie value (not encrypted with the site's key) is no session.
        let mut forged = Browser::at(&site.base);
        forged.cookies.insert("wy_session".into(), "abc.def".into());
        assert_eq!(forged.get("/archive").await.status, StatusCode::SEE_OTHER);
        // In the use-cases, a learner asking for another learner's records is refused.
        let learner = Actor::load(&t.db, &a, "test").await.expect("actor");
        let e = app::archive::show(&t.db, &learner, &b, None)
            .await
            .expect_err("refused");
        assert!(matches!(e, Error::Forbidden(_)), "{e}");
        let e = app::progress::of(&t.db, &learner, &b)
            .await
            .expect_err("refused");
        assert!(matches!(e, Error::Forbidden(_)), "{e}");
        let e = app::sessions::end_all_of(&t.db, &learner, &b, NOW)
            .await
            .expect_err("refused");
        assert!(matches!(e, Error::Forbidden(_)), "{e}");
    }
}

#[tokio::test]
async fn media_needs_a_session_and_answers_ranges() {
    for t in TestDb::all().await {
        let (a, _, pw) = learners(&t.db).await;
        // Only a published course's lecture is served.
        short_course(&t.db, "CLIP01").await;
        let site = start(&t.db, web::Key::generate(), Clock::manual(NOW)).await;
        let mut anonymous = Browser::at(&site.base);
        let r = anonymous.get("/media/clip.bin").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", t.name);

        let mut browser = Browser::at(&site.base);
        assert_eq!(browser.sign_in(&a, &pw).await.status, StatusCode::SEE_OTHER);
        let whole = browser.get("/media/clip.bin").await;
        assert_eq!(whole.status, StatusCode::OK);
        let url = format!("{}/media/clip.bin", site.base);
        let part = browser
            .http
            .get(&url)
            .header(COOKIE, browser.cookie_header())
            .header("Range", "bytes=100-199")
            .send()
            .await
            .expect("range");
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        let bytes = part.bytes().await.expect("bytes");
        let expected: Vec<u8> = (100..200).map(|i| (i % 251) as u8).collect();
        assert_eq!(bytes.as_ref(), expected.as_slice());
        let resp = browser
            .http
            .get(&url)
            .header(COOKIE, browser.cookie_header())
            .header("Range", "bytes=3990-")
            .send()
            .await
            .expect("range");
        assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(
            resp.headers()
                .get("content-range")
                .and_then(|v| v.to_str().ok()),
            Some(format!("bytes 3990-3999/{MEDIA_LEN}").as_str())
        );
        let beyond = browser
            .send(browser.http.get(&url).header("Range", "bytes=5000-6000"))
            .await;
        assert_eq!(beyond.status, StatusCode::RANGE_NOT_SATISFIABLE);
        for bad in [
            "/media/..%2Fsecret.txt",
            "/media/%2E%2E%2Fsecret.txt",
            "/media/.hidden",
            "/media/missing.bin",
        ] {
            let r = browser.get(bad).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
            assert!(!r.body.contains("secret\n") && r.body != "secret", "{bad}");
        }
        let _ = &site.media;
        let _ = &site.key;
    }
}

/// A published 60-second required course with designated credits 1.5, played from clip.bin.
async fn short_course(db: &Db, code: &str) {
    common::short_course_of(db, code, 60, "clip.bin").await;
}

fn data_csrf(html: &str) -> String {
    let marker = "data-csrf=\"";
    let start = html.find(marker).expect("player csrf") + marker.len();
    html[start..].split('"').next().expect("token").to_string()
}

#[tokio::test]
async fn play_a_short_course_to_completion_over_http() {
    for t in TestDb::all().await {
        let (a, _, pw) = learners(&t.db).await;
        short_course(&t.db, "WEB01").await;
        let site = start(&t.db, web::Key::generate(), Clock::manual(NOW)).await;
        let mut browser = Browser::at(&site.base);
        assert_eq!(browser.sign_in(&a, &pw).await.status, StatusCode::SEE_OTHER);
        let id = Actor::load(&t.db, &a, "t")
            .await
            .expect("actor")
            .account_id
            .expect("id");
        let before = wangyuan::store::ledger::standing_of(t.db.reader(), id, 2026)
            .await
            .expect("standing");

        let list = browser.get("/courses?q=WEB01").await;
        assert!(
            list.body.contains("href=\"/courses/WEB01\""),
            "{}",
            list.body
        );
        let page = browser.get("/courses/WEB01").await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.name);
        assert!(page.body.contains("/static/player.js"));
        let js = browser.get("/static/player.js").await;
        assert!(js.body.contains("/api/beat"));
        let csrf = data_csrf(&page.body);

        // Without the CSRF header the API refuses.
        let (status, _, _) = browser
            .api("/api/courses/WEB01/open", "nope", serde_json::json!({}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, opened, _) = browser
            .api("/api/courses/WEB01/open", &csrf, serde_json::json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{opened}");
        assert_eq!(opened["media"], "clip.bin");
        assert_eq!(opened["resume_at_s"], 0);
        let lease = opened["lease_id"].as_str().expect("lease").to_string();

        let mut pos = 0.0;
        let mut completion = serde_json::Value::Null;
        let mut check: Option<String> = None;
        for _ in 0..12 {
            site.clock.advance(12);
            pos += 12.0;
            let (status, reply, _) = browser
                .api(
                    "/api/beat",
                    &csrf,
                    serde_json::json!({"lease_id": lease, "position_s": pos, "rate": 1.0,
                        "paused": false, "visible": true, "check_code": check.take()}),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{reply}");
            assert_eq!(reply["status"], "ok", "{reply}");
            if let Some(code) = reply["check"]["code"].as_str() {
                check = Some(code.to_string());
            }
            if !reply["completion"].is_null() {
                completion = reply["completion"].clone();
                break;
            }
        }
        assert_eq!(completion["credits"], "1.5", "{}", t.name);
        assert_eq!(completion["bucket"], "必修");
        let after = wangyuan::store::ledger::standing_of(t.db.reader(), id, 2026)
            .await
            .expect("standing");
        assert_eq!(after.required.0, before.required.0 + 15);
        let archive = browser.get("/archive").await;
        assert!(archive.body.contains("WEB01"));
        let list = browser.get("/courses?q=WEB01").await;
        assert!(list.body.contains("已完成"));

        // A second playback (another device) supersedes the first page's lease.
        let mut other = Browser::at(&site.base);
        assert_eq!(other.sign_in(&a, &pw).await.status, StatusCode::SEE_OTHER);
        let other_page = other.get("/courses/WEB01").await;
        let other_csrf = data_csrf(&other_page.body);
        let (status, opened, _) = other
            .api(
                "/api/courses/WEB01/open",
                &other_csrf,
                serde_json::json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let other_lease = opened["lease_id"].as_str().unwrap_or_default().to_string();
        site.clock.advance(12);
        let (_, reply, _) = browser
            .api(
                "/api/beat",
                &csrf,
                serde_json::json!({"lease_id": lease, "position_s": 10.0, "rate": 1.0,
                    "paused": false, "visible": true, "check_code": null}),
            )
            .await;
        assert_eq!(reply["status"], "superseded", "{reply}");
        // The new playback counts until staff end the learner's logins; then its beats are
        // refused at once (the cookie is still sent).
        let other_beat = |at: f64| {
            serde_json::json!({"lease_id": other_lease, "position_s": at, "rate": 1.0,
                "paused": false, "visible": true, "check_code": null})
        };
        site.clock.advance(12);
        let (status, reply, _) = other.api("/api/beat", &other_csrf, other_beat(12.0)).await;
        assert_eq!(
            (status, &reply["status"]),
            (StatusCode::OK, &"ok".into()),
            "{reply}"
        );
        app::sessions::end_all_of(&t.db, &Actor::local_operator(), &a, site.clock.now())
            .await
            .expect("end sessions");
        site.clock.advance(12);
        let (status, reply, _) = other.api("/api/beat", &other_csrf, other_beat(24.0)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{reply}");
        assert_eq!(reply["status"], "signed_out", "{reply}");
        // Beats need a session.
        let mut anonymous = Browser::at(&site.base);
        let (status, _, _) = anonymous
            .api("/api/beat", &csrf, serde_json::json!({}))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

/// Every `name="q<id>"` in a page, once each, in order.
fn question_ids(html: &str) -> Vec<i64> {
    let mut out = Vec::new();
    for part in html.split("name=\"q").skip(1) {
        if let Some(id) = part.split('"').next().and_then(|n| n.parse::<i64>().ok())
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

/// (code, id) of a course with an exam that the learner has neither earned nor passed.
async fn fresh_exam_course(db: &Db, account: i64) -> (String, i64) {
    sqlx::query_as(
        "SELECT c.code, c.id FROM exams e JOIN courses c ON c.id = e.course_id \
         WHERE c.id NOT IN (SELECT course_id FROM ledger WHERE account_id = $1 AND course_id IS NOT NULL) \
         AND e.id NOT IN (SELECT exam_id FROM ledger WHERE account_id = $1 AND exam_id IS NOT NULL) \
         ORDER BY c.code LIMIT 1",
    )
    .bind(account)
    .fetch_one(db.reader())
    .await
    .expect("an exam course")
}

/// A learner (name, password, id) and a course with an exam they have neither earned nor
/// passed (code, id).
async fn exam_learner(db: &Db) -> (String, String, i64, String, i64) {
    let (a, _, pw) = learners(db).await;
    let id = Actor::load(db, &a, "t")
        .await
        .expect("actor")
        .account_id
        .expect("id");
    let (code, course_id) = fresh_exam_course(db, id).await;
    (a, pw, id, code, course_id)
}

/// The attempt id in an answer page's form.
fn attempt_id_of(html: &str, code: &str) -> i64 {
    let marker = format!("action=\"/courses/{code}/exam/");
    let start_at = html.find(&marker).expect("answer form") + marker.len();
    html[start_at..]
        .split('"')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("attempt id")
}

/// The answer form for an answer page, every answer right (read from the bank).
async fn right_answer_form(db: &Db, csrf: &str, html: &str) -> Vec<(String, String)> {
    let mut form: Vec<(String, String)> = vec![("csrf".into(), csrf.to_string())];
    let ids = question_ids(html);
    assert!(!ids.is_empty());
    for q in ids {
        let (kind, key): (String, String) =
            sqlx::query_as("SELECT kind, answer FROM exam_questions WHERE id = $1")
                .bind(q)
                .fetch_one(db.reader())
                .await
                .expect("question");
        let kind = wangyuan::rules::exam::QuestionKind::from_code(&kind).expect("kind");
        for i in wangyuan::rules::exam::key_indexes(kind, &key).expect("key") {
            form.push((format!("q{q}"), i.to_string()));
        }
    }
    form
}

fn pairs(form: &[(String, String)]) -> Vec<(&str, &str)> {
    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

#[tokio::test]
async fn take_an_exam_over_http() {
    for t in TestDb::all().await {
        let (a, pw, id, code, course_id) = exam_learner(&t.db).await;
        let site = start(&t.db, web::Key::generate(), Clock::manual(NOW)).await;
        let mut browser = Browser::at(&site.base);
        assert_eq!(browser.sign_in(&a, &pw).await.status, StatusCode::SEE_OTHER);
        let path = format!("/courses/{code}/exam");
        let before = browser.get(&path).await;
        assert_eq!(before.status, StatusCode::OK, "{}", t.name);
        assert!(
            before.body.contains("学完课程后才能参加考试"),
            "{}",
            before.body
        );
        assert!(!before.body.contains("开始考试"));
        app::ledger::complete_course(&t.db, id, course_id, NOW)
            .await
            .expect("complete");
        let info = browser.get(&path).await;
        assert!(info.body.contains("开始考试"));
        let csrf = csrf_of(&info.body);
        assert_eq!(
            browser.post(&path, &[("csrf", "bad")]).await.status,
            StatusCode::FORBIDDEN
        );
        let attempt = browser.post(&path, &[("csrf", &csrf)]).await;
        assert_eq!(attempt.status, StatusCode::OK, "{}", attempt.body);
        let attempt_id = attempt_id_of(&attempt.body, &code);
        let form = right_answer_form(&t.db, &csrf, &attempt.body).await;
        let graded = browser
            .post(&format!("{path}/{attempt_id}"), &pairs(&form))
            .await;
        assert_eq!(graded.status, StatusCode::OK, "{}", graded.body);
        assert!(graded.body.contains("合格："), "{}", graded.body);
        assert!(graded.body.contains("考试合格奖励"), "{}", graded.body);
        let exam_entries = ledger_entries(&t.db, id, "exam").await;
        assert!(exam_entries >= 1);
        assert!(browser.get(&path).await.body.contains("您已通过本课程考试"));
    }
}

/// The stylesheet's rules as (selector, declarations), comments dropped, `@media` unwrapped.
fn css_rules(css: &str) -> Vec<(String, String)> {
    let mut text = String::new();
    let mut rest = css;
    while let Some(at) = rest.find("/*") {
        text.push_str(&rest[..at]);
        rest = rest[at..]
            .find("*/")
            .map_or("", |end| &rest[at + end + 2..]);
    }
    text.push_str(rest);
    text.split('}')
        .filter_map(|chunk| {
            let (selector, body) = chunk.rsplit_once('{')?;
            let selector = selector.rsplit('{').next().unwrap_or(selector);
            Some((selector.trim().to_string(), body.trim().to_string()))
        })
        .collect()
}

#[tokio::test]
async fn the_exam_page_lays_out_options_shows_the_time_and_explains_a_late_sheet() {
    use wangyuan::rules::calendar::datetime_seconds_cst;
    for t in TestDb::all().await {
        let (a, pw, id, code, course_id) = exam_learner(&t.db).await;
        app::ledger::complete_course(&t.db, id, course_id, NOW)
            .await
            .expect("complete");
        let site = start(&t.db, web::Key::generate(), Clock::manual(NOW)).await;
        let mut browser = Browser::at(&site.base);
        assert_eq!(browser.sign_in(&a, &pw).await.status, StatusCode::SEE_OTHER);
        let path = format!("/courses/{code}/exam");
        let info = browser.get(&path).await;
        assert!(
            info.body.contains("限时 30 分钟"),
            "{}: {}",
            t.name,
            info.body
        );
        let csrf = csrf_of(&info.body);
        let attempt = browser.post(&path, &[("csrf", &csrf)]).await;
        assert_eq!(attempt.status, StatusCode::OK, "{}", attempt.body);

        // The limit and the deadline are in the HTML (no script needed); a countdown script,
        // the site's own file, may run.
        let deadline = datetime_seconds_cst(NOW + 1800);
        for shown in [
            "限时 <strong>30 分钟</strong>".to_string(),
            format!("<strong>{deadline}</strong>（北京时间）前交卷"),
            "data-remaining=\"1800\"".to_string(),
            "<script src=\"/static/exam.js\"></script>".to_string(),
        ] {
            assert!(attempt.body.contains(&shown), "{shown}: {}", attempt.body);
        }
        let js = browser.get("/static/exam.js").await;
        assert_eq!(js.status, StatusCode::OK);
        assert!(js.body.contains("countdown"), "{}", js.body);

        // Every radio button and checkbox sits inside its option's label, before its text.
        let mut controls = 0;
        for kind in ["radio", "checkbox"] {
            let tag = format!("<input type=\"{kind}\"");
            for (at, _) in attempt.body.match_indices(&tag) {
                controls += 1;
                assert!(
                    attempt.body[..at].ends_with("<label class=\"option\">"),
                    "{kind} not first in its label: {}",
                    &attempt.body[at.saturating_sub(80)..at + 80]
                );
                let after = &attempt.body[at..];
                let text = &after[after.find('>').expect("tag end") + 1
                    ..after.find("</label>").expect("label end")];
                assert!(!text.trim().is_empty(), "an option without text");
            }
        }
        assert!(controls >= 2, "{}", attempt.body);
        // …and no rule of the stylesheet turns an input into a block of its own, except the
        // text fields of the sign-in and password forms (`label class="field"`).
        let css = browser.get("/static/style.css").await;
        let blocks: Vec<String> = css_rules(&css.body)
            .into_iter()
            .filter(|(_, body)| body.replace(' ', "").contains("display:block"))
            .flat_map(|(sel, _)| {
                sel.split(',')
                    .map(|s| s.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .filter(|sel| {
                sel.split_whitespace()
                    .last()
                    .is_some_and(|l| l.starts_with("input"))
            })
            .collect();
        assert_eq!(blocks, vec![".field input".to_string()], "{}", t.name);

        // A sheet sent after the deadline and its grace: not graded, and the page says why.
        site.clock.advance(1800 + 61);
        let attempt_id = attempt_id_of(&attempt.body, &code);
        let form = right_answer_form(&t.db, &csrf, &attempt.body).await;
        let late = browser
            .post(&format!("{path}/{attempt_id}"), &pairs(&form))
            .await;
        assert_eq!(late.status, StatusCode::OK, "{}", late.body);
        let submitted = datetime_seconds_cst(NOW + 1861);
        for said in [
            "交卷超时".to_string(),
            format!("提交于 <strong>{submitted}</strong>"),
            format!("截止时间是 <strong>{deadline}</strong>"),
            "本次考试已记为超时".to_string(),
            "还可考 <strong>2</strong> 次".to_string(),
        ] {
            assert!(
                late.body.contains(&said),
                "{}: {said}: {}",
                t.name,
                late.body
            );
        }
        assert!(!late.body.contains("合格："), "{}", late.body);
        let exam_entries = ledger_entries(&t.db, id, "exam").await;
        assert_eq!(exam_entries, 0, "{}", t.name);
        let info = browser.get(&path).await;
        assert!(info.body.contains("已考 1 次"), "{}", info.body);
        assert!(!info.body.contains("您已通过本课程考试"));
    }
}

/// The answer of a personal route: never stored, and the strict policy; HTML without inline
/// script, style or handlers.
fn assert_personal(route: &str, page: &Page) {
    let h = |name: &str| {
        page.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(h("cache-control"), "no-store", "{route}");
    let csp = h("content-security-policy");
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "{route}: {directive} in {csp:?}");
    }
    for loose in ["unsafe-inline", "unsafe-eval", "data:", "*", "http"] {
        assert!(!csp.contains(loose), "{route}: {loose} in {csp:?}");
    }
    assert_eq!(h("x-content-type-options"), "nosniff", "{route}");
    assert_eq!(h("referrer-policy"), "same-origin", "{route}");
    assert_eq!(h("x-frame-options"), "DENY", "{route}");
    if h("content-type").starts_with("text/html") {
        let html = page.body.to_ascii_lowercase();
        for (at, _) in html.match_indices("<script") {
            assert!(
                html[at..].starts_with("<script src=\"/static/"),
                "{route}: inline script"
            );
        }
        assert!(!html.contains("<style"), "{route}: a style element");
        assert!(!html.contains("style="), "{route}: a style attribute");
        for (at, _) in html.match_indices(" on") {
            let name: String = html[at + 1..]
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect();
            assert!(
                !html[at + 1 + name.len()..].starts_with('='),
                "{route}: an inline handler {name}"
            );
        }
    }
}

#[tokio::test]
async fn personal_pages_are_never_stored_and_run_only_the_sites_own_files() {
    for t in TestDb::all().await {
        let (a, pw, id, code, course_id) = exam_learner(&t.db).await;
        short_course(&t.db, "WEB02").await;
        app::ledger::complete_course(&t.db, id, course_id, NOW)
            .await
            .expect("complete");
        let site = start(&t.db, web::Key::generate(), Clock::manual(NOW)).await;
        let mut browser = Browser::at(&site.base);

        // Signed out: the sign-in page (and its answer), and the way there.
        assert_personal("GET /login", &browser.get("/login").await);
        assert_personal("GET / (signed out)", &browser.get("/").await);
        let wrong = browser.sign_in(&a, "Wrong12345").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_personal("POST /login (refused)", &wrong);
        let signed = browser.sign_in(&a, &pw).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER);
        assert_personal("POST /login", &signed);

        // Every page behind sign-in.
        let exam = format!("/courses/{code}/exam");
        for route in [
            "/",
            "/courses",
            "/courses/WEB02",
            exam.as_str(),
            "/archive",
            "/archive/certificate",
            "/password",
            "/media/clip.bin",
        ] {
            let page = browser.get(route).await;
            assert!(
                page.status.is_success(),
                "{}: {route}: {}",
                t.name,
                page.status
            );
            assert_personal(route, &page);
        }
        let course = browser.get("/courses/WEB02").await;
        let csrf = data_csrf(&course.body);
        let open = browser
            .http
            .post(format!("{}/api/courses/WEB02/open", site.base))
            .header("X-CSRF-Token", &csrf)
            .json(&serde_json::json!({}));
        let open = browser.send(open).await;
        assert_eq!(open.status, StatusCode::OK, "{}", open.body);
        assert_personal("POST /api/courses/…/open", &open);
        let lease: serde_json::Value = serde_json::from_str(&open.body).expect("json");
        site.clock.advance(12);
        let beat = browser
            .http
            .post(format!("{}/api/beat", site.base))
            .header("X-CSRF-Token", &csrf)
            .json(
                &serde_json::json!({"lease_id": lease["lease_id"], "position_s": 12.0,
                "rate": 1.0, "paused": false, "visible": true, "check_code": null}),
            );
        let beat = browser.send(beat).await;
        assert_eq!(beat.status, StatusCode::OK, "{}", beat.body);
        assert_personal("POST /api/beat", &beat);
        let attempt = browser.post(&exam, &[("csrf", &csrf)]).await;
        assert_eq!(attempt.status, StatusCode::OK, "{}", attempt.body);
        assert_personal("POST …/exam", &attempt);
        let form = right_answer_form(&t.db, &csrf, &attempt.body).await;
        let attempt_id = attempt_id_of(&attempt.body, &code);
        let graded = browser
            .post(&format!("{exam}/{attempt_id}"), &pairs(&form))
            .await;
        assert_eq!(graded.status, StatusCode::OK, "{}", graded.body);
        assert_personal("POST …/exam/{attempt}", &graded);
        let out = browser.post("/logout", &[("csrf", &csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_personal("POST /logout", &out);

        // The site's own files, the same for everyone, may be cached.
        for asset in ["/static/style.css", "/static/player.js", "/static/exam.js"] {
            let page = browser.get(asset).await;
            assert_eq!(page.status, StatusCode::OK, "{asset}");
            let cache = page
                .headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            assert!(
                cache.contains("max-age") && !cache.contains("no-store"),
                "{asset}: {cache}"
            );
        }
    }
}

/// The durability rule: a beat is answered only after the transaction holding it
/// committed, so killing the process (SIGKILL, no shutdown) while beats are in flight loses none
/// that was acknowledged. Two learners play in real time against a real `wangyuan serve`; the kill
/// is sent the moment an answer arrives, when a server that answered before committing would
/// most likely still hold that beat uncommitted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_beats_survive_a_killed_server() {
    use std::sync::{Arc, Mutex};
    for t in TestDb::all().await {
        let (a, b, pw) = learners(&t.db).await;
        short_course(&t.db, "KILL01").await;
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("keys")).expect("keys dir");
        let mut served = common::serve::start(dir.path(), &t.url, |_| {});
        let base = served.base();
        let acked: Arc<Mutex<Vec<(String, i64)>>> = Arc::default();
        let answered = Arc::new(tokio::sync::Notify::new());
        let mut players = Vec::new();
        for who in [a.clone(), b.clone()] {
            let mut browser = Browser::at(&base);
            assert_eq!(
                browser.sign_in(&who, &pw).await.status,
                StatusCode::SEE_OTHER
            );
            let csrf = data_csrf(&browser.get("/courses/KILL01").await.body);
            let (status, opened, _) = browser
                .api("/api/courses/KILL01/open", &csrf, serde_json::json!({}))
                .await;
            assert_eq!(status, StatusCode::OK, "{opened}");
            let lease = opened["lease_id"].as_str().expect("lease").to_string();
            let (acked, answered) = (acked.clone(), answered.clone());
            players.push(tokio::spawn(async move {
                let started = std::time::Instant::now();
                loop {
                    // Beats a second apart: the server counts whole seconds of real time.
                    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
                    let body = serde_json::json!({"lease_id": lease,
                        "position_s": started.elapsed().as_secs_f64(), "rate": 1.0,
                        "paused": false, "visible": true, "check_code": null});
                    let sent = browser
                        .http
                        .post(format!("{}/api/beat", browser.base))
                        .header(COOKIE, browser.cookie_header())
                        .header("X-CSRF-Token", &csrf)
                        .json(&body)
                        .send()
                        .await;
                    let Ok(reply) = sent else { return };
                    let Ok(reply) = reply.json::<serde_json::Value>().await else {
                        return;
                    };
                    if let Some(w) = reply["watched_s"].as_i64()
                        && let Ok(mut acked) = acked.lock()
                    {
                        acked.push((who.clone(), w));
                        // Three answers each: both learners have been credited by now.
                        if acked.len() >= 6 {
                            answered.notify_one();
                        }
                    }
                }
            }));
        }
        tokio::time::timeout(std::time::Duration::from_secs(20), answered.notified())
            .await
            .expect("six beats answered");
        served.child.kill().expect("SIGKILL");
        served.child.wait().expect("reap");
        for p in players {
            p.await.expect("player");
        }
        let acked = acked.lock().expect("acked").clone();
        for who in [&a, &b] {
            let last = acked
                .iter()
                .filter(|(w, _)| w == who)
                .map(|(_, s)| *s)
                .max()
                .unwrap_or(0);
            assert!(last > 0, "{}: {who} was never credited: {acked:?}", t.name);
            let stored: i64 = sqlx::query_scalar(
                "SELECT p.watched_s FROM playback p JOIN accounts a ON a.id = p.account_id \
                 JOIN courses c ON c.id = p.course_id WHERE a.username = $1 AND c.code = 'KILL01'",
            )
            .bind(who)
            .fetch_one(t.db.reader())
            .await
            .expect("stored");
            assert!(
                stored >= last,
                "{}: {who} was told {last} s, {stored} s stored",
                t.name
            );
        }
    }
}
