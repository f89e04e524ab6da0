//! Issue 13, point 10, on both databases: a real college from an empty database. The real binary
//! runs `init`, `unit import`, `course import --publish`, `year set`, the roster (submitted by a
//! unit liaison, reviewed by the college, approved by the office, credentials fetched) and
//! `course media`; the learner signs in on the real site, changes the initial password, finds the
//! course page saying "课件尚未上传" until the lecture is uploaded, then plays it in real time
//! through the playback API as the browser does and earns exactly the credits of
//! `rules::credits::course_credit`, which `report standings` then shows.

mod common;

use common::http::{Browser, Site, attribute, csrf_of};
use common::{TestDb, credential_rows, submitted_id, wangyuan};
use reqwest::StatusCode;
use serde_json::{Value, json};
use wangyuan::rules::Tenths;
use wangyuan::rules::credits::{CourseKind, course_credit};
use wangyuan::web::{self, Clock};

/// The short course: 15 s, so the browser's first beat (every 12 s) completes it (at 15 − 5 s).
const SHORT: &str = "E2E01";
const SHORT_S: u32 = 15;
const SHORT_DESIGNATED: i64 = 15;
const PASSWORD: &str = "Loudi2026city";
const LEARNER_PASSWORD: &str = "Xuexi2026new";

const UNITS_CSV: &str = "单位代码,单位名称,上级单位代码\n\
    LX01,娄星区委组织部,LX\n\
    LX,娄星区,LD\n\
    SZ02,市委组织部,LD\n";

fn courses_csv() -> String {
    format!(
        "课程编号,课程名称,类别,类型,来源,时长（秒）,指定学分\n\
         {SHORT},新时代党的建设短课,基本理论,必修,本地特色,{SHORT_S},1.5\n\
         E2E02,经济形势报告,经济建设,选修,省级推送,5400,\n"
    )
}

fn roster_csv() -> String {
    let id = wangyuan::rules::idnum::complete("43130220010203001").expect("id");
    format!("姓名,身份证号,单位,职务/职级,手机,批次\n单雄,{id},LX01,科员,13800000000,2\n")
}

/// Runs `wangyuan ARGS < stdin` in `dir`; stdout as text, or a panic naming the command.
fn ok(t: &TestDb, dir: &std::path::Path, args: &[&str], stdin: &[u8]) -> String {
    let (code, out, err) = wangyuan(dir, &t.url, args, stdin);
    assert_eq!(code, 0, "{}: {args:?}: {err}", t.name);
    String::from_utf8(out).expect("utf-8 output")
}

/// Runs `wangyuan exec --as USER -- LINE…`.
fn exec(t: &TestDb, dir: &std::path::Path, user: &str, line: &[&str], stdin: &[u8]) -> String {
    let mut args = vec!["exec", "--as", user, "--"];
    args.extend_from_slice(line);
    ok(t, dir, &args, stdin)
}

/// A credit figure of a JSON row, whether written as a number or a string.
fn credit(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            let f = n.as_f64().expect("number");
            Tenths((f * 10.0).round() as i64).to_string()
        }
        other => panic!("not a credit: {other}"),
    }
}

/// The learner's `required` and `total` in `report standings --format json` for `year`.
fn standing(t: &TestDb, dir: &std::path::Path, year: &str, username: &str) -> (String, String) {
    let out = exec(
        t,
        dir,
        "office",
        &["report", "standings", "--year", year, "--format", "json"],
        b"",
    );
    let rows: Vec<Value> = serde_json::from_str(&out).expect("standings json");
    let row = rows
        .iter()
        .find(|r| r["username"] == username)
        .unwrap_or_else(|| panic!("{}: {username} not in the standings: {out}", t.name));
    assert_eq!(row["unit_code"], "LX01", "{}", t.name);
    (credit(&row["required"]), credit(&row["total"]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_college_from_an_empty_database_to_a_learner_earning_credit() {
    let oracle = course_credit(
        CourseKind::Required,
        i64::from(SHORT_S),
        Some(Tenths(SHORT_DESIGNATED)),
    )
    .tenths
    .to_string();
    let year = wangyuan::rules::calendar::credit_year(wangyuan::app::now()).to_string();
    for t in TestDb::all().await {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let pw = format!("{PASSWORD}\n");

        // The city, its units and catalogue, and the year's settings.
        let init = ok(
            &t,
            d,
            &[
                "init",
                "--city",
                "娄底市",
                "--code",
                "LD",
                "--password-stdin",
            ],
            pw.as_bytes(),
        );
        assert!(init.contains("LD"), "{}: {init}", t.name);
        let units = exec(&t, d, "office", &["unit", "import"], UNITS_CSV.as_bytes());
        assert!(units.contains("新增 3 个"), "{}: {units}", t.name);
        for (role, extra) in [("college", None), ("unit", Some("娄星区"))] {
            let user = if role == "unit" { "lx_liaison" } else { role };
            let mut args = vec!["admin", "add", "--role", role, "--username", user];
            if let Some(unit) = extra {
                args.extend(["--unit", unit]);
            }
            args.push("--password-stdin");
            ok(&t, d, &args, pw.as_bytes());
        }
        let imported = exec(
            &t,
            d,
            "college",
            &["course", "import", "--publish"],
            courses_csv().as_bytes(),
        );
        assert!(
            imported.contains("新增 2 门，修改 0 门，未变 0 门"),
            "{}: {imported}",
            t.name
        );
        let cutoff = ["year", "set", &year, "--total", "40", "--required", "24"];
        let mut set = cutoff.to_vec();
        // Accounts issued on or after the cutoff do not count for the year: the end of the year
        // keeps today's learner in it.
        set.extend(["--batches", "1,2,3", "--cutoff", "12-31"]);
        exec(&t, d, "office", &set, b"");

        // The roster: submitted by the liaison, reviewed, approved, credentials fetched.
        let sent = exec(
            &t,
            d,
            "lx_liaison",
            &["roster", "submit", "--name", "娄星区.csv"],
            roster_csv().as_bytes(),
        );
        let rid = submitted_id(&sent).to_string();
        exec(
            &t,
            d,
            "college",
            &["roster", "review", &rid, "--accept", "all", "--pass"],
            b"",
        );
        let approved = exec(&t, d, "office", &["roster", "approve", &rid], b"");
        assert!(approved.contains("发放账号 1 个"), "{}: {approved}", t.name);
        let (code, creds, err) = wangyuan(
            d,
            &t.url,
            &[
                "exec",
                "--as",
                "lx_liaison",
                "--",
                "roster",
                "credentials",
                &rid,
                "--format",
                "csv",
            ],
            b"",
        );
        assert_eq!(code, 0, "{}: {err}", t.name);
        let (username, initial) = credential_rows(&creds).remove(0);
        assert_eq!(
            standing(&t, d, &year, &username),
            ("0.0".to_string(), "0.0".to_string()),
            "{}: nothing earned yet",
            t.name
        );

        // The learner signs in on the real site (wall clock) and changes the initial password.
        let media_dir = d.join("data").join("media");
        let site = Site::serve(
            &t.db,
            web::Key::generate(),
            Clock::system(),
            tempfile::tempdir().expect("keep"),
            media_dir,
            "e2e",
        )
        .await;
        let mut browser = Browser::new(&site);
        let signed = browser.sign_in(&username, &initial).await;
        assert_eq!(signed.location.as_deref(), Some("/password"), "{}", t.name);
        let form = browser.get("/password").await;
        let csrf = csrf_of(&form.body);
        let changed = browser
            .post(
                "/password",
                &[
                    ("csrf", csrf.as_str()),
                    ("current", initial.as_str()),
                    ("new", LEARNER_PASSWORD),
                    ("confirm", LEARNER_PASSWORD),
                ],
            )
            .await;
        assert_eq!(changed.location.as_deref(), Some("/"), "{}", changed.body);

        // Before the upload the page says so instead of showing a dead player.
        let list = browser.get(&format!("/courses?q={SHORT}")).await;
        assert!(list.body.contains(&format!("href=\"/courses/{SHORT}\"")));
        let page = browser.get(&format!("/courses/{SHORT}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.name);
        assert!(page.body.contains("课件尚未上传"), "{}", page.body);
        assert!(!page.body.contains("data-csrf=\""), "{}", t.name);

        // The college uploads a generated lecture as long as the course.
        let wav = wangyuan::demo::media::tick_wav(SHORT_S);
        let uploaded = exec(&t, d, "college", &["course", "media", SHORT], &wav);
        assert!(uploaded.contains("已上传课件"), "{}: {uploaded}", t.name);
        let page = browser.get(&format!("/courses/{SHORT}")).await;
        assert!(!page.body.contains("课件尚未上传"), "{}", page.body);
        assert!(page.body.contains("/static/player.js"), "{}", t.name);
        let csrf = attribute(&page.body, "data-csrf=\"");

        // Played in real time, as the browser does: open, then a beat every 12 s while playing.
        let (status, opened, text) = browser
            .api(&format!("/api/courses/{SHORT}/open"), &csrf, json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{}: {text}", t.name);
        assert_eq!(opened["duration_s"], SHORT_S, "{text}");
        let media = opened["media"].as_str().expect("media").to_string();
        let served = browser.get(&format!("/media/{media}")).await;
        assert_eq!(served.status, StatusCode::OK, "{}", t.name);
        assert!(media.ends_with(".wav"), "{}: stored as {media}", t.name);
        let lease = opened["lease_id"].as_str().expect("lease").to_string();
        let every = wangyuan::rules::playback::BEAT_EVERY_S;
        tokio::time::sleep(std::time::Duration::from_secs(every as u64)).await;
        let (status, reply, text) = browser
            .api(
                "/api/beat",
                &csrf,
                json!({"lease_id": lease, "position_s": every as f64, "rate": 1.0,
                    "paused": false, "visible": true}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{}: {text}", t.name);
        assert_eq!(reply["status"], "ok", "{}: {text}", t.name);
        assert_eq!(reply["completion"]["credits"], oracle, "{}: {text}", t.name);
        assert_eq!(reply["completion"]["bucket"], "必修", "{text}");

        assert_eq!(
            standing(&t, d, &year, &username),
            (oracle.clone(), oracle.clone()),
            "{}: the standings show what the course earned",
            t.name
        );
    }
}
