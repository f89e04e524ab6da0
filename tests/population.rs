//! Who counts in a year (RULES.md "Who counts in a year", "Exemption"; issue 11 points 10 and 11),
//! on both databases: a past year does not move when accounts change today; accounts issued on or
//! after a year's cut-off are not assessed that year; a disable before the cut-off removes the
//! learner, one after it does not unless the office approves an exception; a liaison's exemption
//! is only a request until the office approves; the office sees every change by unit.

mod common;

use common::{NOW, TestDb, actor};
use serde_json::Value;
use wangyuan::app::accounts::{self, Exemption};
use wangyuan::app::{Actor, Error, check, population, standings, units};
use wangyuan::demo::seed::{self, DemoOptions};
use wangyuan::rules::population::Cutoff;
use wangyuan::store::accounts::{self as account_rows, NewAccount};

const YEAR: i32 = 2025;
/// 2025-06-15 12:00 CST: the demo city is seeded then, learners issued on 2025-01-01.
const SEEDED: i64 = NOW - 365 * 86_400;

fn at(date: &str) -> i64 {
    // "MM-DD" of 2025 at 00:00 CST, plus a few hours so it is well inside the day.
    Cutoff::parse(date).map(|c| c.at(YEAR)).expect("date") + 10 * 3600
}

async fn city() -> Vec<TestDb> {
    let mut all = Vec::new();
    for t in TestDb::all().await {
        let opts = DemoOptions {
            learners: 160,
            year: YEAR,
            now: SEEDED,
            rng_seed: 11,
        };
        seed::demo(&t.db, &opts).await.expect("seed 2025");
        all.push(t);
    }
    all
}

async fn assessed(t: &TestDb, year: i32, now: i64) -> Vec<String> {
    standings::report_at(&t.db, &Actor::local_operator(), year, None, now)
        .await
        .expect("report")
        .lines
        .into_iter()
        .map(|l| l.username)
        .collect()
}

/// `n` assessed 2025 learners of the LX subtree (the liaison's scope), by username.
async fn lx_learners(t: &TestDb, n: usize) -> Vec<String> {
    let r = standings::report(&t.db, &Actor::local_operator(), YEAR, Some("LX"))
        .await
        .expect("LX");
    let picked: Vec<String> = r.lines.into_iter().take(n).map(|l| l.username).collect();
    assert_eq!(picked.len(), n, "{}: enough LX learners", t.name);
    picked
}

async fn run(t: &TestDb, actor: &Actor, line: &str) -> (i32, String, String) {
    common::cmd::run_text(&t.db, actor, line, "").await
}

async fn json(t: &TestDb, actor: &Actor, line: &str) -> Vec<Value> {
    let (code, out, err) = run(t, actor, line).await;
    assert_eq!(code, 0, "{}: {line}: {err}", t.name);
    match serde_json::from_str(&out).expect("json") {
        Value::Array(rows) => rows,
        other => panic!("not an array: {other}"),
    }
}

async fn exempt_flag(t: &TestDb, username: &str) -> i64 {
    sqlx::query_scalar("SELECT exempt FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_one(t.db.reader())
        .await
        .expect("exempt")
}

#[tokio::test]
async fn changes_today_leave_a_past_year_alone() {
    for t in city().await {
        let office = actor(&t, "office").await;
        let op = Actor::local_operator();
        let before = standings::report(&t.db, &op, YEAR, None)
            .await
            .expect("standings");
        let units_before = units::report(&t.db, &op, YEAR, None).await.expect("units");
        // Non-compliant learners, whose removal would flatter their unit.
        let short: Vec<String> = before
            .lines
            .iter()
            .filter(|l| !l.compliant)
            .take(4)
            .map(|l| l.username.clone())
            .collect();
        assert_eq!(short.len(), 4, "{}", t.name);
        let now = wangyuan::app::now();
        let home = before
            .lines
            .iter()
            .find(|l| l.username == short[2])
            .map(|l| l.unit_code.clone())
            .unwrap_or_default();
        let far = if home == "LX" { "XH" } else { "LX" };
        accounts::set_exempt(&t.db, &office, &short[0], Some("省管干部"), now)
            .await
            .expect("exempt");
        accounts::set_enabled(&t.db, &office, &short[1], false, "离职", now)
            .await
            .expect("disable");
        accounts::move_unit(&t.db, &office, &short[2], far, "调动", now)
            .await
            .expect("move");
        accounts::set_batch(&t.db, &office, &short[3], 3, now)
            .await
            .expect("batch");
        // A new account today, issued long after 2025's cut-off.
        issue(&t, "newcomer", now).await;

        let after = standings::report(&t.db, &op, YEAR, None)
            .await
            .expect("standings");
        assert_eq!(after.lines, before.lines, "{}: 2025 standings", t.name);
        let units_after = units::report(&t.db, &op, YEAR, None).await.expect("units");
        assert_eq!(units_after.overall, units_before.overall, "{}", t.name);
        assert_eq!(units_after.lines, units_before.lines, "{}: ranks", t.name);
        let report = check::run(&t.db).await.expect("check");
        assert!(report.is_clean(), "{}: {:?}", t.name, report.findings);
        // A change that bypasses the facts is caught by `wangyuan check`.
        let mut tx = t.db.begin().await.expect("tx");
        sqlx::query("UPDATE accounts SET exempt = 1 WHERE username = $1")
            .bind(short[3].clone())
            .execute(&mut *tx)
            .await
            .expect("bypass");
        tx.commit().await.expect("commit");
        let report = check::run(&t.db).await.expect("check");
        assert_eq!(
            report.findings.len(),
            1,
            "{}: {:?}",
            t.name,
            report.findings
        );
        assert_eq!(report.findings[0].ids.len(), 1, "{}", t.name);
    }
}

/// A batch-1 learner in the city's first county, issued at `issued_at`.
async fn issue(t: &TestDb, username: &str, issued_at: i64) {
    let unit: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = 'LX'")
        .fetch_one(t.db.reader())
        .await
        .expect("unit");
    let mut tx = t.db.begin().await.expect("tx");
    account_rows::insert(
        &mut tx,
        &NewAccount {
            username,
            real_name: "新学员",
            id_number: None,
            unit_id: unit,
            post: "",
            phone: "",
            is_learner: true,
            batch: Some(1),
            exempt: false,
            password_hash: "x",
            password_scheme: "argon2id",
            must_change: false,
            issued_at,
        },
        issued_at,
    )
    .await
    .expect("insert");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn the_cutoff_decides_issues_disables_and_exemptions() {
    for t in city().await {
        let office = actor(&t, "office").await;
        let end = wangyuan::rules::calendar::year_bounds(YEAR).1;
        let later = end + 30 * 86_400;
        // Issued before the cut-off: assessed; on or after it: not (but in the next year).
        issue(&t, "early", at("09-30")).await;
        issue(&t, "late", at("10-01")).await;
        let year = assessed(&t, YEAR, later).await;
        assert!(year.contains(&"early".to_string()), "{}", t.name);
        assert!(!year.contains(&"late".to_string()), "{}", t.name);
        assert!(
            assessed(&t, YEAR + 1, later)
                .await
                .contains(&"late".to_string())
        );

        let [june, november, exempt_late, _] =
            <[String; 4]>::try_from(lx_learners(&t, 4).await).expect("four learners");
        accounts::set_enabled(&t.db, &office, &june, false, "离职", at("06-20"))
            .await
            .expect("disable in June");
        accounts::set_enabled(&t.db, &office, &november, false, "离职", at("11-01"))
            .await
            .expect("disable in November");
        accounts::set_exempt(&t.db, &office, &exempt_late, Some("省管干部"), at("11-02"))
            .await
            .expect("exempt in November");
        let year = assessed(&t, YEAR, later).await;
        assert!(
            !year.contains(&june),
            "{}: disabled before the cut-off",
            t.name
        );
        assert!(year.contains(&november), "{}: disabled after it", t.name);
        assert!(year.contains(&exempt_late), "{}: exempted after it", t.name);
        // The current year, before the cut-off: both are out at once.
        let next = assessed(&t, YEAR + 1, later).await;
        assert!(!next.contains(&november) && !next.contains(&exempt_late));

        // The office's exception, with a reason: the late disable removes them after all.
        let no_reason =
            population::year_exception(&t.db, &office, &november, YEAR, " ", later).await;
        assert!(
            matches!(no_reason, Err(Error::Invalid { .. })),
            "{no_reason:?}"
        );
        let liaison = actor(&t, "lx_liaison").await;
        let forbidden =
            population::year_exception(&t.db, &liaison, &november, YEAR, "病故", later).await;
        assert!(
            matches!(forbidden, Err(Error::Forbidden(_))),
            "{forbidden:?}"
        );
        let early = population::year_exception(&t.db, &office, &june, YEAR, "离职", later).await;
        assert!(matches!(early, Err(Error::Conflict(_))), "{early:?}");
        population::year_exception(&t.db, &office, &november, YEAR, "病故", later)
            .await
            .expect("exception");
        let year = assessed(&t, YEAR, later).await;
        assert!(!year.contains(&november), "{}: excepted", t.name);
        assert!(year.contains(&exempt_late), "{}", t.name);
    }
}

#[tokio::test]
async fn a_liaison_exemption_is_a_request_until_the_office_approves() {
    for t in city().await {
        let lx = actor(&t, "lx_liaison").await;
        let office = actor(&t, "office").await;
        let [asked, refused, _] =
            <[String; 3]>::try_from(lx_learners(&t, 3).await).expect("three learners");
        let done = accounts::set_exempt(&t.db, &lx, &asked, Some("省管干部"), at("03-01"))
            .await
            .expect("request");
        let Exemption::Requested(id) = done else {
            panic!("{}: a liaison only requests: {done:?}", t.name);
        };
        assert_eq!(exempt_flag(&t, &asked).await, 0, "{}", t.name);
        assert!(assessed(&t, YEAR, at("12-30")).await.contains(&asked));
        let again = accounts::set_exempt(&t.db, &lx, &asked, Some("省管干部"), at("03-01")).await;
        assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
        // The liaison may not clear an exemption nor decide a request.
        let clear = accounts::set_exempt(&t.db, &lx, &asked, None, at("03-01")).await;
        assert!(clear.is_err(), "{clear:?}");
        let self_approved = population::approve(&t.db, &lx, id, at("03-02")).await;
        assert!(
            matches!(self_approved, Err(Error::Forbidden(_))),
            "{self_approved:?}"
        );

        // Both see it pending; the office approves it: exempt from then on, before the cut-off.
        let line = "exemption list --status pending --format json";
        for who in [&lx, &office] {
            let rows = json(&t, who, line).await;
            assert_eq!(rows.len(), 1, "{}: {rows:?}", t.name);
            assert_eq!(rows[0]["username"], asked.as_str());
            assert_eq!(rows[0]["status"], "pending");
        }
        population::approve(&t.db, &office, id, at("03-05"))
            .await
            .expect("approve");
        assert_eq!(exempt_flag(&t, &asked).await, 1, "{}", t.name);
        assert!(!assessed(&t, YEAR, at("12-30")).await.contains(&asked));
        let twice = population::approve(&t.db, &office, id, at("03-06")).await;
        assert!(matches!(twice, Err(Error::Conflict(_))), "{twice:?}");

        // A refusal needs a reason and changes nothing else.
        let Exemption::Requested(other) =
            accounts::set_exempt(&t.db, &lx, &refused, Some("借调"), at("04-01"))
                .await
                .expect("request")
        else {
            panic!("a request");
        };
        let (code, _, err) = run(
            &t,
            &office,
            &format!("exemption refuse {other} --reason ''"),
        )
        .await;
        assert_eq!(code, 2, "{}: {err}", t.name);
        population::refuse(&t.db, &office, other, "不属于省管干部", at("04-02"))
            .await
            .expect("refuse");
        assert_eq!(exempt_flag(&t, &refused).await, 0);
        let all = json(&t, &office, "exemption list --format json").await;
        let statuses: Vec<&str> = all.iter().filter_map(|r| r["status"].as_str()).collect();
        assert_eq!(statuses, ["refused", "approved"], "{}", t.name);

        // Over the scripted command a liaison is told it is a request; audited both ways.
        let third = lx_learners(&t, 3).await.pop().expect("third");
        let (code, out, err) = run(
            &t,
            &lx,
            &format!("account exempt {third} --reason 省管干部"),
        )
        .await;
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("免考核申请"), "{out}");
        let (code, _, _) = run(&t, &lx, "exemption approve 1").await;
        assert_eq!(code, 3, "{}", t.name);
        let audit: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action IN \
             ('exemption.request', 'exemption.approve', 'exemption.refuse')",
        )
        .fetch_one(t.db.reader())
        .await
        .expect("audit");
        assert_eq!(
            audit, 5,
            "{}: three requests, one approval, one refusal",
            t.name
        );
    }
}

#[tokio::test]
async fn the_office_sees_population_changes_by_unit() {
    for t in city().await {
        let office = actor(&t, "office").await;
        let lx = actor(&t, "lx_liaison").await;
        let [gone, stays, moved] =
            <[String; 3]>::try_from(lx_learners(&t, 3).await).expect("three learners");
        accounts::set_enabled(&t.db, &lx, &gone, false, "辞职", at("05-01"))
            .await
            .expect("disable");
        accounts::set_enabled(&t.db, &lx, &stays, false, "调出", at("12-01"))
            .await
            .expect("late disable");
        accounts::move_unit(&t.db, &office, &moved, "XH", "交流", at("07-01"))
            .await
            .expect("move");
        let line = format!("report population-changes --year {YEAR} --format json");
        let (code, _, _) = run(&t, &lx, &line).await;
        assert_eq!(code, 3, "{}: office only", t.name);
        let rows = json(&t, &office, &line).await;
        let find = |user: &str| {
            rows.iter()
                .find(|r| r["username"] == user)
                .unwrap_or_else(|| panic!("{}: {user} in {rows:?}", t.name))
        };
        let g = find(&gone);
        assert_eq!(g["change"], "disable");
        assert_eq!(
            (g["from"].as_str(), g["to"].as_str()),
            (Some("启用"), Some("停用"))
        );
        assert_eq!(g["actor"], "lx_liaison");
        assert_eq!(g["reason"], "辞职");
        assert_eq!(g["removes_from_year"], true);
        assert!(
            g["unit_code"].as_str().is_some_and(|c| c.starts_with("LX")),
            "{g}"
        );
        let s = find(&stays);
        assert_eq!(s["removes_from_year"], false, "{s}");
        let m = find(&moved);
        assert_eq!(m["change"], "move");
        assert!(
            m["to"].as_str().is_some_and(|u| u.starts_with("XH ")),
            "{m}"
        );
        assert!(
            m["unit_code"].as_str().is_some_and(|c| c.starts_with("LX")),
            "{m}"
        );
        let keys: Vec<&String> = g
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        for key in [
            "unit_code",
            "unit",
            "username",
            "name",
            "change",
            "from",
            "to",
            "effective_at",
            "actor",
            "reason",
            "removes_from_year",
        ] {
            assert!(keys.iter().any(|k| k.as_str() == key), "{key} in {keys:?}");
        }
        // By unit, then time.
        let codes: Vec<&str> = rows
            .iter()
            .filter_map(|r| r["unit_code"].as_str())
            .collect();
        assert!(codes.windows(2).all(|w| w[0] <= w[1]), "{codes:?}");
        // The moved learner counts for XH in 2025 (the unit at the assessment moment).
        let xh = standings::report(&t.db, &Actor::local_operator(), YEAR, Some("XH"))
            .await
            .expect("XH");
        assert!(xh.lines.iter().any(|l| l.username == moved), "{}", t.name);
    }
}
