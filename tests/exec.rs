//! Scripted commands (`ssh host COMMAND`, `wangyuan exec`) on both databases: every command and
//! format read back and compared with the app's own answers, exit codes, and scopes.

mod common;

use std::io::Cursor;
use std::process::Command;

use common::cmd::Ran;
use common::{TestDb, actor};
use serde_json::Value;
use wangyuan::app::{Actor, archive, catalog, standings, units};

async fn run(t: &TestDb, actor: &Actor, line: &str) -> Ran {
    common::cmd::run(&t.db, actor, line, b"").await
}

async fn seeded() -> Vec<TestDb> {
    common::all_with_demo(300).await
}

fn credits(v: &Value) -> i64 {
    let f = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    (f * 10.0).round() as i64
}

#[tokio::test]
async fn standings_in_every_format_match_the_report() {
    for t in seeded().await {
        let office = actor(&t, "office").await;
        let report = standings::report(&t.db, &office, 2026, None)
            .await
            .expect("report");
        assert!(report.lines.len() > 100, "{}", t.name);

        let rows = run(&t, &office, "report standings --year 2026 --format json")
            .await
            .json();
        assert_eq!(rows.len(), report.lines.len(), "{}", t.name);
        for (row, line) in rows.iter().zip(&report.lines) {
            assert_eq!(row["username"], line.username.as_str());
            assert_eq!(row["name"], line.real_name.as_str());
            assert_eq!(row["unit_code"], line.unit_code.as_str());
            assert_eq!(row["unit"], line.unit_name.as_str());
            assert_eq!(credits(&row["required"]), line.standing.required.0);
            assert_eq!(credits(&row["elective"]), line.standing.elective.0);
            assert_eq!(credits(&row["exam"]), line.standing.exam.0);
            assert_eq!(credits(&row["total"]), line.standing.total().0);
            assert_eq!(row["compliant"], Value::Bool(line.compliant));
        }

        let csv = run(&t, &office, "report standings --year 2026 --format csv").await;
        assert!(!csv.out.starts_with(b"\xEF\xBB\xBF"));
        let (header, records) = csv.csv();
        assert_eq!(header[0], "用户名");
        assert_eq!(records.len(), report.lines.len());
        for (rec, line) in records.iter().zip(&report.lines) {
            assert_eq!(rec[0], line.username);
            assert_eq!(rec[5], line.standing.required.to_string());
            assert_eq!(rec[8], line.standing.total().to_string());
            assert_eq!(rec[9], if line.compliant { "是" } else { "否" });
        }
        let bom = run(
            &t,
            &office,
            "report standings --year 2026 --format csv --bom",
        )
        .await;
        assert_eq!(&bom.out[..3], b"\xEF\xBB\xBF");
        assert_eq!(&bom.out[3..], &csv.out[..]);

        let only = run(
            &t,
            &office,
            "report standings --year 2026 --status noncompliant --format json",
        )
        .await
        .json();
        let short = report.lines.iter().filter(|l| !l.compliant).count();
        assert!(short > 0 && short < report.lines.len());
        assert_eq!(only.len(), short);
        assert!(only.iter().all(|r| r["compliant"] == Value::Bool(false)));

        let table = run(&t, &office, "report standings --year 2026").await;
        assert_eq!(table.code, 0, "{}", table.err);
        let text = table.text();
        // Title, top border, header, separator, rows, bottom border.
        assert_eq!(text.lines().count(), report.lines.len() + 5, "{text}");
        assert!(text.contains(&report.lines[0].real_name), "{text}");
        assert!(text.contains("总学分"), "{text}");

        let xlsx = run(&t, &office, "report standings --year 2026 --format xlsx").await;
        assert_eq!(xlsx.code, 0, "{}", xlsx.err);
        assert!(xlsx.out.starts_with(b"PK\x03\x04"), "an xlsx is a zip");
        let sheet = first_sheet(xlsx.out);
        assert_eq!(
            sheet.get((0, 0)),
            Some(&calamine::Data::String("用户名".into()))
        );
        assert_eq!(
            sheet.get((1, 0)),
            Some(&calamine::Data::String(report.lines[0].username.clone()))
        );
        assert_eq!(
            sheet.get((1, 8)),
            Some(&calamine::Data::Float(
                report.lines[0].standing.total().as_f64()
            ))
        );
        assert_eq!(sheet.height(), report.lines.len() + 1);
    }
}

fn first_sheet(bytes: Vec<u8>) -> calamine::Range<calamine::Data> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).expect("open xlsx");
    book.worksheet_range_at(0)
        .expect("a sheet")
        .expect("read sheet")
}

#[tokio::test]
async fn units_archive_courses_and_whoami() {
    for t in seeded().await {
        let office = actor(&t, "office").await;

        let report = units::report(&t.db, &office, 2026, None)
            .await
            .expect("units");
        let rows = run(&t, &office, "report units --year 2026 --format json")
            .await
            .json();
        assert_eq!(rows.len(), report.lines.len(), "{}", t.name);
        let assessed: u64 = rows
            .iter()
            .map(|r| r["assessed"].as_u64().expect("n"))
            .sum();
        assert_eq!(assessed, report.overall.assessed);
        for row in &rows {
            let line = report
                .lines
                .iter()
                .find(|l| row["unit_code"] == l.unit_code.as_str())
                .expect("unit line");
            assert_eq!(row["unit"], line.unit_name.as_str());
            assert_eq!(row["compliant"].as_u64(), Some(line.tally.compliant));
            assert_eq!(
                row["rate"].as_f64(),
                Some(f64::from(line.tally.rate_permille()) / 10.0)
            );
            assert_eq!(credits(&row["average"]), line.tally.average().0);
            assert_eq!(row["rank"].as_u64(), Some(line.rank as u64));
        }
        let ranks: Vec<u64> = rows
            .iter()
            .map(|r| r["rank"].as_u64().expect("rank"))
            .collect();
        assert!(
            ranks.windows(2).all(|w| w[0] <= w[1]),
            "sorted by rank: {ranks:?}"
        );
        let lx = run(
            &t,
            &office,
            "report units --year 2026 --unit LX --format csv",
        )
        .await;
        let (_, records) = lx.csv();
        assert!(!records.is_empty() && records.iter().all(|r| r[0].starts_with("LX")));

        let someone = standings::report(&t.db, &office, 2026, None)
            .await
            .expect("standings")
            .lines
            .into_iter()
            .find(|l| l.standing.total().0 > 0)
            .expect("a learner with credits");
        let archived = archive::show(&t.db, &office, &someone.username, None)
            .await
            .expect("archive");
        let line = format!("archive show {} --format json", someone.username);
        let entries = run(&t, &office, &line).await.json();
        assert_eq!(entries.len(), archived.entries.len());
        for (row, e) in entries.iter().zip(&archived.entries) {
            assert_eq!(row["kind"], e.kind.code());
            assert_eq!(row["ref"], e.reference.as_str());
            assert_eq!(credits(&row["credits"]), e.tenths.0);
            let at = row["earned_at"].as_str().expect("time");
            assert!(at.ends_with("+08:00") && at.len() == 25, "{at}");
            assert_eq!(row["year"].as_i64(), Some(i64::from(e.year)));
            assert_eq!(row["rule"], e.rule.as_str());
        }
        let table = run(
            &t,
            &office,
            &format!("archive show '{}' --year 2026", someone.username),
        )
        .await;
        assert_eq!(table.code, 0, "{}", table.err);
        assert!(
            table.text().contains(&someone.real_name),
            "{}",
            table.text()
        );

        let all = catalog::list(&t.db, &catalog::Filter::default())
            .await
            .expect("catalogue");
        let courses = run(&t, &office, "course list --format json").await.json();
        assert_eq!(courses.len(), all.len());
        for (row, c) in courses.iter().zip(&all) {
            assert_eq!(row["code"], c.code.as_str());
            assert_eq!(row["title"], c.title.as_str());
            assert_eq!(row["category"], c.category.code());
            assert_eq!(row["kind"], c.kind.code());
            assert_eq!(row["duration_s"].as_i64(), Some(c.duration_s));
            assert_eq!(row["class_hours"].as_i64(), Some(c.credit.hours));
            assert_eq!(credits(&row["credits"]), c.credit.tenths.0);
        }
        let electives = run(&t, &office, "course list --kind elective --format json")
            .await
            .json();
        assert!(!electives.is_empty() && electives.len() < all.len());
        assert!(electives.iter().all(|r| r["kind"] == "elective"));
        let theory = run(&t, &office, "course list --category 基本理论 --format csv").await;
        let (_, records) = theory.csv();
        assert!(!records.is_empty() && records.iter().all(|r| r[2] == "基本理论"));
        let xlsx = run(&t, &office, "course list --format xlsx").await;
        let sheet = first_sheet(xlsx.out);
        assert_eq!(
            sheet.get((0, 1)),
            Some(&calamine::Data::String("课程名称".into()))
        );
        assert_eq!(sheet.height(), all.len() + 1);

        let me = run(&t, &office, "whoami --format json").await.json();
        assert_eq!(me.len(), 1);
        assert_eq!(me[0]["username"], "office");
        assert_eq!(me[0]["role"], "office");
        let lx = run(&t, &actor(&t, "lx_liaison").await, "whoami").await;
        assert_eq!(lx.code, 0, "{}", lx.err);
        assert!(lx.text().contains("娄星区联络员") && lx.text().contains("娄星区"));
    }
}

#[tokio::test]
async fn help_usage_errors_and_not_found() {
    for t in seeded().await {
        let office = actor(&t, "office").await;
        let help = run(&t, &office, "help").await;
        assert_eq!(help.code, 0);
        for name in [
            "whoami",
            "report standings",
            "report units",
            "archive show",
            "course list",
        ] {
            assert!(help.text().contains(name), "{name}: {}", help.text());
        }
        let usage = run(&t, &office, "report standings --help").await;
        assert_eq!(usage.code, 0, "{}", usage.err);
        assert!(usage.text().contains("--status"), "{}", usage.text());
        let topic = run(&t, &office, "help archive show").await;
        assert!(topic.text().contains("用户名"), "{}", topic.text());

        for bad in [
            "",
            "frobnicate",
            "report",
            "report standings --year 1800",
            "report standings --year abc",
            "report standings --format pdf",
            "report standings --status maybe",
            "archive show",
            "course list --kind mandatory",
            "course list --category 'no such'",
            "archive show 'unclosed",
            "help nope",
        ] {
            let r = run(&t, &office, bad).await;
            assert_eq!(r.code, 2, "{bad:?}: {}", r.err);
            assert!(r.out.is_empty(), "{bad:?}");
            assert!(!r.err.trim().is_empty(), "{bad:?}");
        }
        for missing in [
            "archive show nobody_here",
            "report standings --unit NOPE",
            "report units --unit NOPE",
        ] {
            let r = run(&t, &office, missing).await;
            assert_eq!(r.code, 4, "{missing}: {}", r.err);
            assert!(r.out.is_empty());
            assert!(r.err.contains("未找到"), "{}", r.err);
        }
    }
}

#[tokio::test]
async fn unit_staff_stay_in_scope_and_learners_are_refused() {
    for t in seeded().await {
        let office = actor(&t, "office").await;
        let lx = actor(&t, "lx_liaison").await;
        let rows = run(&t, &lx, "report standings --year 2026 --format json")
            .await
            .json();
        assert!(!rows.is_empty());
        assert!(
            rows.iter()
                .all(|r| r["unit_code"].as_str().is_some_and(|c| c.starts_with("LX")))
        );
        let same = run(
            &t,
            &lx,
            "report standings --year 2026 --unit LX --format json",
        )
        .await
        .json();
        assert_eq!(same, rows);
        let child = run(&t, &lx, "report units --year 2026 --unit LX01").await;
        assert_eq!(child.code, 0, "{}", child.err);

        for line in [
            "report standings --year 2026 --unit LSJ",
            "report standings --year 2026 --unit LSJ --format csv",
            "report units --year 2026 --unit LSJ01 --format json",
        ] {
            let r = run(&t, &lx, line).await;
            assert_eq!(r.code, 3, "{line}: {}", r.err);
            assert!(r.out.is_empty(), "{line}");
            assert!(r.err.contains("无权"), "{}", r.err);
        }
        let lines = standings::report(&t.db, &office, 2026, None)
            .await
            .expect("standings")
            .lines;
        let outsider = lines
            .iter()
            .find(|l| !l.unit_code.starts_with("LX"))
            .expect("someone outside LX");
        let r = run(&t, &lx, &format!("archive show {}", outsider.username)).await;
        assert_eq!(r.code, 3, "{}", r.err);
        assert!(r.out.is_empty());
        let insider = lines
            .iter()
            .find(|l| l.unit_code.starts_with("LX"))
            .expect("someone in LX");
        let r = run(&t, &lx, &format!("archive show {}", insider.username)).await;
        assert_eq!(r.code, 0, "{}", r.err);

        let learner = actor(&t, &insider.username).await;
        assert!(!learner.is_staff());
        for line in ["report standings", "course list", "archive show office"] {
            let r = run(&t, &learner, line).await;
            assert_eq!(r.code, 3, "{line}");
            assert!(r.out.is_empty());
        }
        assert_eq!(run(&t, &learner, "help").await.code, 0);
        let me = run(&t, &learner, "whoami --format json").await.json();
        assert_eq!(me[0]["role"], "learner");
    }
}

#[tokio::test]
async fn wangyuan_exec_runs_the_same_commands_locally() {
    for t in seeded().await {
        let dir = tempfile::tempdir().expect("tempdir");
        let exec = |args: &[&str]| common::wangyuan_exec(dir.path(), &t.url, args);
        let office = actor(&t, "office").await;
        let report = standings::report(&t.db, &office, 2026, None)
            .await
            .expect("report");

        let o = exec(&[
            "--as",
            "office",
            "--",
            "report",
            "standings",
            "--year",
            "2026",
            "--format",
            "csv",
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let lines = String::from_utf8(o.stdout).expect("utf-8").lines().count();
        assert_eq!(lines, report.lines.len() + 1, "{}", t.name);

        let o = exec(&[
            "--as",
            "lx_liaison",
            "--",
            "report",
            "standings",
            "--unit",
            "LSJ",
        ]);
        assert_eq!(o.status.code(), Some(3));
        assert!(o.stdout.is_empty());

        let learner = &report.lines[0].username;
        let o = exec(&["--as", learner, "--", "whoami"]);
        assert_eq!(o.status.code(), Some(3), "a learner is refused");
        assert!(String::from_utf8_lossy(&o.stderr).contains("不是管理人员"));

        let o = exec(&["--as", "nobody_here", "--", "help"]);
        assert_eq!(o.status.code(), Some(4));

        let o = exec(&["--as", "office", "--", "report", "nonsense"]);
        assert_eq!(o.status.code(), Some(2));
        assert!(o.stdout.is_empty());
    }
}

/// `wangyuan exec` with the settings of a test: the database URL and a log filter.
fn exec_with(
    dir: &std::path::Path,
    url: Option<&str>,
    log: &str,
    args: &[&str],
) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wangyuan"));
    c.arg("exec")
        .args(args)
        .current_dir(dir)
        .env("WANGYUAN_DATA_DIR", dir.join("data"))
        .env("WANGYUAN_LOG", log)
        .env_remove("WANGYUAN_DATABASE_URL");
    if let Some(url) = url {
        c.env("WANGYUAN_DATABASE_URL", url);
    }
    c.output().expect("run wangyuan exec")
}

/// A command runs on existing data: a missing SQLite file is named in Chinese, exit 1, and is
/// not created (neither a named file nor the default one in the data folder).
#[test]
fn exec_on_a_missing_sqlite_file_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("missing.db");
    let url = format!("sqlite://{}", missing.display());
    let o = exec_with(
        dir.path(),
        Some(&url),
        "info",
        &["--as", "office", "--", "whoami"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("不存在") && err.contains("missing.db"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    assert!(!missing.exists(), "the database file was created");

    let o = exec_with(
        dir.path(),
        None,
        "info",
        &["--as", "office", "--", "whoami"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(!dir.path().join("data").join("wangyuan.db").exists());
}

/// stderr piped (as here): log lines carry no colour codes; on PostgreSQL the server's notices
/// (`relation "_sqlx_migrations" already exists, skipping`) are not printed.
#[tokio::test]
async fn exec_stderr_has_no_colour_codes_or_postgres_notices() {
    for t in common::all_with_demo(20).await {
        let dir = tempfile::tempdir().expect("tempdir");
        for log in ["info", "debug"] {
            let o = exec_with(
                dir.path(),
                Some(&t.url),
                log,
                &["--as", "office", "--", "whoami"],
            );
            assert_eq!(
                o.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert!(
                !o.stderr.contains(&0x1b),
                "{}: ESC in {:?}",
                t.name,
                String::from_utf8_lossy(&o.stderr)
            );
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(
                !err.contains("already exists, skipping"),
                "{}: {err}",
                t.name
            );
            if log == "debug" && t.url.starts_with("postgres") {
                // sqlx logs its connection set-up at debug: there are log lines to look at.
                assert!(err.contains("DEBUG"), "{}: {err}", t.name);
            }
        }
    }
}
