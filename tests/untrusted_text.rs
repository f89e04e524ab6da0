//! Text that staff open (issue 11, points 14–16), on both databases: control characters are
//! refused at input with the field named, shown escaped by every text output when they are in
//! the database anyway, spreadsheet formulas are defused in every CSV export, and bad or oversized
//! arguments get their own message and exit status 2 — over the real SSH exec path too.

mod common;

use common::cmd::Ran;
use common::ssh::{connect, exec};
use common::{TestDb, actor};
use wangyuan::app::Actor;
use wangyuan::rules::text;

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGV3QLbMn0zeoKb7D2KUyh4ihvtRtM7ZKMDvu1ISqj2W";

/// An escape that would clear the screen and retitle the window on a staff terminal.
const ESC: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}";
/// How the outputs show it.
const SHOWN: &str = "\\x1b[2J\\x1b]0;pwned\\x07";

/// A character a terminal would act on, other than the line breaks output is made of.
fn obeyed(c: char) -> bool {
    text::is_forbidden(c) && c != '\n'
}

async fn run_in(t: &TestDb, actor: &Actor, line: &str, input: &[u8]) -> Ran {
    common::cmd::run(&t.db, actor, line, input).await
}

async fn run(t: &TestDb, actor: &Actor, line: &str) -> Ran {
    run_in(t, actor, line, b"").await
}

async fn ok(t: &TestDb, actor: &Actor, line: &str) -> Ran {
    let r = run(t, actor, line).await;
    assert_eq!(r.code, 0, "{}: {line}: {}", t.name, r.err);
    r
}

async fn scalar(t: &TestDb, sql: &'static str) -> String {
    sqlx::query_scalar(sql)
        .fetch_one(t.db.reader())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Prefixes and suffixes a text column in the database, as a hostile writer with direct access
/// (or an old bug) would have left it.
async fn plant(t: &TestDb, sql: &'static str, prefix: &str) {
    sqlx::query(sql)
        .bind(prefix)
        .bind(ESC)
        .execute(t.db.reader())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A learner of LX with some ledger entries.
async fn lx_learner(t: &TestDb) -> String {
    scalar(
        t,
        "SELECT a.username FROM accounts a JOIN units u ON u.id = a.unit_id \
         WHERE a.is_learner = 1 AND u.path LIKE (SELECT path FROM units WHERE code = 'LX') || '%' \
         AND EXISTS (SELECT 1 FROM ledger l WHERE l.account_id = a.id) ORDER BY a.id LIMIT 1",
    )
    .await
}

/// A roster of LX, reviewed (rows 2–3 accepted, row 4 rejected) and approved; its number.
async fn approved_roster(t: &TestDb) -> i64 {
    let lx = actor(t, "lx_liaison").await;
    let college = actor(t, "college").await;
    let office = actor(t, "office").await;
    let sent = run_in(t, &lx, "roster submit", common::lx_roster_csv().as_bytes()).await;
    assert_eq!(sent.code, 0, "{}: {}", t.name, sent.err);
    let id = common::submitted_id(&sent.lossy());
    ok(
        t,
        &college,
        &format!("roster review {id} --accept 2-3 --reject 4 --reason 非本单位干部 --pass"),
    )
    .await;
    ok(t, &office, &format!("roster approve {id}")).await;
    id
}

#[tokio::test]
async fn control_characters_are_refused_at_every_input() {
    for t in common::all_with_demo(40).await {
        let lx = actor(&t, "lx_liaison").await;
        let learner = lx_learner(&t).await;

        // A roster with ESC in 职务/职级: refused whole, the row and column named, nothing saved.
        let mut csv = common::lx_roster_csv();
        csv = csv.replacen("科员", &format!("科员{ESC}"), 2);
        let before = common::count(&t.db, "SELECT COUNT(*) FROM roster_submissions").await;
        let sent = run_in(&t, &lx, "roster submit", csv.as_bytes()).await;
        assert_eq!(sent.code, 2, "{}: {}", t.name, sent.err);
        assert!(
            sent.err.contains("第2行「职务/职级」：含控制字符")
                && sent.err.contains("第3行「职务/职级」：含控制字符"),
            "{}",
            sent.err
        );
        assert!(!sent.err.chars().any(obeyed), "{:?}", sent.err);
        let after = common::count(&t.db, "SELECT COUNT(*) FROM roster_submissions").await;
        assert_eq!(before, after, "nothing saved");

        // An SSH key whose comment carries an OSC sequence.
        let key = run_in(
            &t,
            &lx,
            &format!("key add {learner}"),
            format!("{KEY} lx{ESC}\n").as_bytes(),
        )
        .await;
        assert_eq!(key.code, 2, "{}: {}", t.name, key.err);
        assert!(key.err.contains("公钥备注：含控制字符"), "{}", key.err);
        assert_eq!(
            common::count(&t.db, "SELECT COUNT(*) FROM ssh_keys").await,
            0
        );

        // An exam bank whose stem or option carries an escape.
        let office = actor(&t, "office").await;
        let course = scalar(&t, "SELECT code FROM courses ORDER BY id LIMIT 1").await;
        let bank =
            format!("题型,题干,选项A,选项B,答案\n单选,好题{ESC},甲,乙,A\n单选,好题,甲{ESC},乙,A\n");
        let imported = run_in(
            &t,
            &office,
            &format!("exam import {course}"),
            bank.as_bytes(),
        )
        .await;
        assert_eq!(imported.code, 2, "{}: {}", t.name, imported.err);
        assert!(
            imported.err.contains("题干含控制字符") && imported.err.contains("选项含控制字符"),
            "{}",
            imported.err
        );

        // Reasons, notes and search words, through the app (the TUI calls the same functions).
        let unchanged = common::count(
            &t.db,
            "SELECT COUNT(*) FROM accounts WHERE status <> 'active' OR exempt <> 0",
        )
        .await;
        for line in [
            format!("account disable {learner} --reason '{ESC}'"),
            format!("account exempt {learner} --reason '{ESC}'"),
            format!("account find '{ESC}'"),
        ] {
            let r = run(&t, &lx, &line).await;
            assert_eq!(r.code, 2, "{}: {line}: {}", t.name, r.err);
            assert!(r.err.contains("含控制字符"), "{line}: {}", r.err);
            assert!(!r.err.chars().any(obeyed), "{:?}", r.err);
        }
        let changed = common::count(
            &t.db,
            "SELECT COUNT(*) FROM accounts WHERE status <> 'active' OR exempt <> 0",
        )
        .await;
        assert_eq!(changed, unchanged, "{}: nothing changed", t.name);

        // The same check in the app, for callers that are not the command line.
        let e = wangyuan::app::accounts::set_enabled(&t.db, &lx, &learner, false, ESC, 0)
            .await
            .expect_err("refused");
        assert_eq!(
            e.to_string(),
            "原因：含控制字符（如 ESC、换行、制表符），不予接受"
        );
        let e = wangyuan::app::accounts::find(&t.db, &lx, &"张".repeat(51), 10)
            .await
            .expect_err("refused");
        assert_eq!(e.exit_code(), 2, "{e}");
    }
}

/// Every command that answers with a table, and a few with their CSV form only.
fn table_commands(learner: &str, roster: i64) -> Vec<String> {
    vec![
        "whoami".into(),
        "report standings --year 2026 --unit LX".into(),
        "report units --year 2026".into(),
        format!("archive show {learner}"),
        "course list".into(),
        format!("account find {learner}"),
        format!("account show {learner}"),
        format!("account history {learner}"),
        format!("key list {learner}"),
        "roster list".into(),
        format!("roster show {roster}"),
    ]
}

/// Leaves a formula-looking prefix and a terminal escape in every text column staff read back.
async fn plant_everywhere(t: &TestDb, learner: &str) {
    let lx = actor(t, "lx_liaison").await;
    let added = run_in(t, &lx, &format!("key add {learner}"), KEY.as_bytes()).await;
    assert_eq!(added.code, 0, "{}", added.err);
    plant(t, "UPDATE units SET name = $1 || name || $2", "=").await;
    plant(
        t,
        "UPDATE accounts SET real_name = $1 || real_name || $2, post = $1 || post || $2",
        "-",
    )
    .await;
    plant(t, "UPDATE courses SET title = $1 || title || $2", "+").await;
    // The ledger is append-only: an old entry with hostile text, added as it stands.
    sqlx::query(
        "INSERT INTO ledger (account_id, kind, bucket, ref, tenths, earned_at, credit_year, \
         reason, rule, created_at) SELECT id, 'adjustment', 'elective', CAST($1 AS TEXT) || '调整', \
         0, 1781496000, 2026, CAST($1 AS TEXT) || '旧数据' || CAST($2 AS TEXT), 'x', 1781496000 \
         FROM accounts WHERE username = $3",
    )
    .bind("@")
    .bind(ESC)
    .bind(learner)
    .execute(t.db.reader())
    .await
    .expect("an old ledger entry");
    plant(t, "UPDATE ssh_keys SET comment = $1 || comment || $2", "=").await;
    plant(t, "UPDATE audit_log SET detail = $1 || detail || $2", "-").await;
    plant(
        t,
        "UPDATE roster_submissions SET note = $1 || note || $2",
        "=",
    )
    .await;
    plant(
        t,
        "UPDATE roster_rows SET real_name = $1 || real_name || $2, post = $1 || post || $2, \
         reject_reason = $1 || reject_reason || $2",
        "+",
    )
    .await;
}

/// Every database with the demo city, an approved roster of LX (its number), and hostile text
/// planted everywhere around an LX learner (its username).
async fn planted() -> Vec<(TestDb, String, i64)> {
    let mut v = Vec::new();
    for t in common::all_with_demo(40).await {
        let learner = lx_learner(&t).await;
        let roster = approved_roster(&t).await;
        plant_everywhere(&t, &learner).await;
        v.push((t, learner, roster));
    }
    v
}

#[tokio::test]
async fn escapes_planted_in_the_database_are_shown_escaped_in_every_output() {
    for (t, learner, roster) in planted().await {
        let lx = actor(&t, "lx_liaison").await;
        for line in table_commands(&learner, roster) {
            for format in ["table", "csv", "json"] {
                let r = ok(&t, &lx, &format!("{line} --format {format}")).await;
                let out = r.lossy();
                assert!(
                    !out.chars().any(obeyed),
                    "{}: {line} --format {format}: {out:?}",
                    t.name
                );
                if format == "json" {
                    let _: serde_json::Value = serde_json::from_str(&out).expect("json");
                    assert!(
                        out.contains("\\u001b[2J\\u001b]0;pwned\\u0007"),
                        "{line}: JSON keeps the text, escaped: {out}"
                    );
                } else {
                    assert!(
                        out.contains(SHOWN),
                        "{}: {line} --format {format}: {out}",
                        t.name
                    );
                }
            }
        }
        // Plain-text answers quote what was stored or typed, escaped too.
        let office = actor(&t, "office").await;
        let to: String = sqlx::query_scalar(
            "SELECT code FROM units WHERE code IN ('LX01', 'LX03') \
             AND id <> (SELECT unit_id FROM accounts WHERE username = $1) ORDER BY code LIMIT 1",
        )
        .bind(&learner)
        .fetch_one(t.db.reader())
        .await
        .expect("another unit");
        let moved = ok(&t, &office, &format!("account move {learner} --unit {to}")).await;
        assert!(moved.lossy().contains(SHOWN), "{}", moved.lossy());
        assert!(!moved.lossy().chars().any(obeyed));
    }
}

/// Cells a spreadsheet would run as a formula. Numbers (`-2.0`) are values, not formulas.
fn formula_cells(csv: &[u8]) -> Vec<String> {
    let mut r = csv::Reader::from_reader(csv);
    r.records()
        .flat_map(|rec| {
            rec.expect("record")
                .iter()
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .filter(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']) && c.parse::<f64>().is_err())
        .collect()
}

#[tokio::test]
async fn every_csv_export_defuses_formulas_and_keeps_numbers() {
    for (t, learner, roster) in planted().await {
        let lx = actor(&t, "lx_liaison").await;
        let mut lines: Vec<String> = table_commands(&learner, roster)
            .into_iter()
            .map(|l| format!("{l} --format csv"))
            .collect();
        lines.push(format!("roster credentials {roster} --format csv"));
        for line in &lines {
            let r = ok(&t, &lx, line).await;
            assert_eq!(
                formula_cells(&r.out),
                Vec::<String>::new(),
                "{}: {line}",
                t.name
            );
            let quoted = String::from_utf8_lossy(&r.out).split([',', '\n']).any(|c| {
                c.starts_with("'=")
                    || c.starts_with("'-")
                    || c.starts_with("'+")
                    || c.starts_with("'@")
            });
            assert!(
                quoted,
                "{}: {line} shows planted text: {}",
                t.name,
                r.lossy()
            );
        }

        // `exam import` answers with a table too.
        let office = actor(&t, "office").await;
        let course = scalar(&t, "SELECT code FROM courses ORDER BY id LIMIT 1").await;
        let bank = "题型,题干,选项A,选项B,答案\n单选,一学时多少分钟？,30,45,B\n判断,-1学时计1学分。,,,错\n";
        let imported = run_in(
            &t,
            &office,
            &format!("exam import {course} --questions 2 --format csv"),
            bank.as_bytes(),
        )
        .await;
        assert_eq!(imported.code, 0, "{}: {}", t.name, imported.err);
        assert_eq!(formula_cells(&imported.out), Vec::<String>::new());

        // A negative credit stays a number: an office adjustment of -2.0 in the archive.
        let learner_id: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE username = $1")
            .bind(&learner)
            .fetch_one(t.db.reader())
            .await
            .expect("learner id");
        wangyuan::app::ledger::adjust(
            &t.db,
            &office,
            &wangyuan::app::ledger::Adjustment {
                learner_id,
                bucket: wangyuan::rules::standing::Bucket::Elective,
                tenths: wangyuan::rules::Tenths(-20),
                year: 2026,
                reason: "核减",
            },
            common::NOW,
        )
        .await
        .expect("adjust");
        let archive = ok(&t, &office, &format!("archive show {learner} --format csv")).await;
        let mut r = csv::Reader::from_reader(archive.out.as_slice());
        let credits: Vec<String> = r
            .records()
            .map(|rec| rec.expect("record")[4].to_string())
            .collect();
        assert!(credits.iter().any(|c| c == "-2.0"), "{credits:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_arguments_get_their_own_message_over_ssh_exec() {
    for t in TestDb::all().await {
        let summary = common::seed_demo(&t.db, 20).await;
        let addr = common::ssh::start(&t.db).await;
        let office = connect(addr, "office", &common::staff_password(&summary, "office"))
            .await
            .expect("office signs in");
        let huge = "9".repeat(20);
        let cases: Vec<(String, &str)> = vec![
            (
                format!("account history office --limit {huge}"),
                "条数超出范围",
            ),
            ("account history office --limit ten".into(), "条数应为整数"),
            (format!("roster show {huge}"), "名单号超出范围"),
            (format!("roster approve {huge}"), "名单号超出范围"),
            ("account batch office x".into(), "批次应为整数"),
            (
                "report standings --year 1999".into(),
                "年度应在 2000–2100 之间",
            ),
            (
                format!("account find {}", "张".repeat(100)),
                "关键字：过长（最多 50 字）",
            ),
            (
                format!("account find {}", "a".repeat(2000)),
                "参数 <关键字> 过长",
            ),
            (
                format!("account find {}", "a".repeat(200 * 1024)),
                "命令行过长",
            ),
            ("account find '\u{1b}[2J'".into(), "含控制字符"),
            (format!("whoami --{}", "a".repeat(3000)), "未知参数 --aaaa"),
            (
                format!("account disable office --reason {}", "理".repeat(201)),
                "原因：过长",
            ),
        ];
        for (line, want) in cases {
            let r = exec(&office, &line, b"").await;
            let short: String = line.chars().take(60).collect();
            assert_eq!(r.code, Some(2), "{}: {short}: {}", t.name, r.err);
            assert!(r.err.contains(want), "{}: {short}: {}", t.name, r.err);
            assert!(
                !r.err.contains("年度应在") || want.contains("年度"),
                "{short}: {}",
                r.err
            );
            assert!(!r.err.chars().any(obeyed), "{short}: {:?}", r.err);
            assert!(r.err.len() < 1000, "{short}: the value is not echoed whole");
        }
    }
}

#[tokio::test]
async fn bad_arguments_over_local_wangyuan_exec() {
    for t in TestDb::all().await {
        common::seed_demo(&t.db, 10).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let exec = |args: &[&str]| {
            common::wangyuan_exec(
                dir.path(),
                &t.url,
                &[&["--as", "office", "--"], args].concat(),
            )
        };
        let huge = "9".repeat(20);
        // Linux caps one argv string at 128 KiB; this is far over the 8 KiB command line.
        let word = "a".repeat(100 * 1024);
        for (args, want) in [
            (vec!["roster", "show", huge.as_str()], "名单号超出范围"),
            (
                vec!["account", "history", "office", "--limit", huge.as_str()],
                "条数超出范围",
            ),
            (vec!["account", "find", word.as_str()], "命令行过长"),
            (
                vec!["account", "find", "\u{1b}]0;x\u{7}"],
                "参数 <关键字> 含控制字符",
            ),
        ] {
            let o = exec(&args);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{}: {err}", t.name);
            assert!(err.contains(want), "{}: {err}", t.name);
            assert!(o.stdout.is_empty());
        }
    }
}
