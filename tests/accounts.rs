//! Account care over the scripted commands on both databases: find, show, history, disable/enable,
//! reset-password, move, exempt, batch, roles, keys and `password`, with scope refusals (exit 3),
//! the staff-account guard, and an audit row (actor, address, before, after) for every change.

mod common;

use common::{NOW, TestDb};
use serde_json::Value;
use wangyuan::app::auth::{self, Denied};
use wangyuan::app::{Actor, Error, credentials};
use wangyuan::cmd;
use wangyuan::demo::seed::DemoSummary;

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGV3QLbMn0zeoKb7D2KUyh4ihvtRtM7ZKMDvu1ISqj2W lx@test";

struct Ran {
    code: i32,
    out: String,
    err: String,
}

impl Ran {
    fn json(&self) -> Vec<Value> {
        assert_eq!(self.code, 0, "{}", self.err);
        match serde_json::from_str(&self.out).expect("json") {
            Value::Array(rows) => rows,
            other => panic!("not an array: {other}"),
        }
    }
}

async fn run_in(t: &TestDb, actor: &Actor, line: &str, input: &str) -> Ran {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut stdin = cmd::Stdin::from_bytes(input.as_bytes().to_vec());
    let code = cmd::run_line(&t.db, actor, line, &mut stdin, &mut out, &mut err).await;
    Ran {
        code,
        out: String::from_utf8(out).expect("utf-8"),
        err: String::from_utf8(err).expect("utf-8"),
    }
}

async fn run(t: &TestDb, actor: &Actor, line: &str) -> Ran {
    run_in(t, actor, line, "").await
}

/// Exit status 0, or a panic naming the command and its error.
async fn ok(t: &TestDb, actor: &Actor, line: &str) -> String {
    let r = run(t, actor, line).await;
    assert_eq!(r.code, 0, "{}: {line}: {}", t.name, r.err);
    r.out
}

/// Refused: the given status and nothing on stdout.
async fn refused(t: &TestDb, actor: &Actor, line: &str, code: i32) {
    let r = run(t, actor, line).await;
    assert_eq!(r.code, code, "{}: {line}: {}{}", t.name, r.out, r.err);
    assert!(r.out.is_empty(), "{line}");
    assert!(!r.err.is_empty(), "{line}");
}

async fn text(t: &TestDb, sql: String) -> String {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(t.db.reader())
        .await
        .expect("query")
}

/// A learner of the enrolled batch 1 in the subtree of `unit`.
async fn learner_under(t: &TestDb, unit: &str) -> String {
    text(
        t,
        format!(
            "SELECT a.username FROM accounts a JOIN units u ON u.id = a.unit_id \
             WHERE a.is_learner = 1 AND a.exempt = 0 AND a.batch = 1 AND u.path LIKE \
             (SELECT path FROM units WHERE code = '{unit}') || '%' ORDER BY a.id LIMIT 1"
        ),
    )
    .await
}

/// Audit rows of an action on the account, by the actor at address `test`, with before/after.
async fn audited(
    t: &TestDb,
    action: &str,
    user: &str,
    actor: &str,
    before: &str,
    after: &str,
) -> i64 {
    let sql = format!(
        "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND actor = '{actor}' \
         AND address = 'test' AND COALESCE(before, '') = '{before}' AND COALESCE(after, '') = '{after}' \
         AND target = (SELECT 'account:' || CAST(id AS TEXT) FROM accounts WHERE username = '{user}')"
    );
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(t.db.reader())
        .await
        .expect("audit count")
}

fn password_of(s: &DemoSummary, user: &str) -> String {
    common::staff_password(s, user)
}

async fn seeded() -> Vec<(TestDb, DemoSummary)> {
    let mut v = Vec::new();
    for t in TestDb::all().await {
        let s = common::seed_demo(&t.db, 80).await;
        v.push((t, s));
    }
    v
}

async fn actor(t: &TestDb, username: &str) -> Actor {
    Actor::load(&t.db, username, "test").await.expect("actor")
}

fn usernames(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["username"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn find_show_and_scope() {
    for (t, _) in seeded().await {
        let lx = actor(&t, "lx_liaison").await;
        let office = actor(&t, "office").await;
        let insider = learner_under(&t, "LX").await;
        let outsider = learner_under(&t, "XH").await;

        let rows = run(&t, &lx, &format!("account find {insider} --format json"))
            .await
            .json();
        assert!(usernames(&rows).contains(&insider), "{}", t.name);
        let id = rows[0]["id_number"].as_str().unwrap_or_default();
        assert!(id.contains('*'), "find masks the ID number: {id}");
        // Out of scope: not found by a search, refused when named.
        let rows = run(&t, &lx, &format!("account find {outsider} --format json"))
            .await
            .json();
        assert!(!usernames(&rows).contains(&outsider));
        let rows = run(
            &t,
            &office,
            &format!("account find {outsider} --format json"),
        )
        .await
        .json();
        assert!(usernames(&rows).contains(&outsider));
        // LIKE wildcards are taken literally.
        let rows = run(&t, &office, "account find %_% --format json")
            .await
            .json();
        assert!(rows.is_empty(), "{rows:?}");

        let show = run(&t, &lx, &format!("account show {insider} --format json")).await;
        assert_eq!(show.code, 0, "{}", show.err);
        let show: Value = serde_json::from_str(&show.out).expect("json");
        assert_eq!(show["username"], insider.as_str(), "{show}");
        assert!(
            show["id_number"].is_string() && show["exempt"].is_boolean(),
            "{show}"
        );
        for line in [
            format!("account show {outsider}"),
            format!("account history {outsider}"),
            format!("account disable {outsider}"),
            format!("account reset-password {outsider}"),
            format!("account exempt {outsider} --reason 省管干部"),
            format!("account batch {outsider} 2"),
            format!("key list {outsider}"),
            format!("account move {insider} --unit XH"),
            format!("role grant {insider} unit --unit LX"),
            "account show office".to_string(),
        ] {
            refused(&t, &lx, &line, 3).await;
        }
        refused(&t, &lx, "account show no_such_user", 4).await;
        refused(
            &t,
            &office,
            &format!("account move {insider} --unit NOPE"),
            4,
        )
        .await;
        refused(&t, &office, &format!("account batch {insider} 7"), 2).await;
        refused(&t, &office, &format!("account exempt {insider}"), 2).await;
        assert_eq!(
            common::count(
                &t.db,
                "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'account.%'"
            )
            .await,
            0,
            "refusals change nothing"
        );
    }
}

#[tokio::test]
async fn care_actions_are_applied_and_audited() {
    for (t, summary) in seeded().await {
        let lx = actor(&t, "lx_liaison").await;
        let insider = learner_under(&t, "LX").await;

        // Disable: the learner cannot sign in; enable again.
        ok(
            &t,
            &lx,
            &format!("account disable {insider} --reason 已调离"),
        )
        .await;
        assert_eq!(
            audited(
                &t,
                "account.disable",
                &insider,
                "lx_liaison",
                "active",
                "disabled"
            )
            .await,
            1
        );
        let pw = &summary.learner_password;
        let r = auth::with_password(&t.db, &insider, pw, "10.0.0.9", NOW)
            .await
            .expect("db");
        assert_eq!(r.err(), Some(Denied::Disabled), "{}", t.name);
        refused(&t, &lx, &format!("account disable {insider}"), 1).await;
        ok(&t, &lx, &format!("account enable {insider}")).await;
        assert_eq!(
            audited(
                &t,
                "account.enable",
                &insider,
                "lx_liaison",
                "disabled",
                "active"
            )
            .await,
            1
        );

        // Reset: the new password is shown once, works, and must be changed.
        let out = ok(&t, &lx, &format!("account reset-password {insider}")).await;
        let initial = out
            .split('：')
            .nth(1)
            .and_then(|s| s.lines().next())
            .expect("password in the output")
            .trim()
            .to_string();
        assert_eq!(initial.len(), 12, "{out}");
        let old = auth::with_password(&t.db, &insider, pw, "10.0.0.9", NOW)
            .await
            .expect("db");
        assert_eq!(old.err(), Some(Denied::BadCredentials));
        let signed = auth::with_password(&t.db, &insider, &initial, "10.0.0.9", NOW)
            .await
            .expect("db")
            .expect("the initial password signs in");
        assert!(signed.must_change);
        assert_eq!(
            audited(
                &t,
                "password.reset",
                &insider,
                "lx_liaison",
                "",
                "已设初始密码，须在首次登录后修改"
            )
            .await,
            1
        );

        // The learner changes it (the web calls the same function), under the policy.
        let me = actor(&t, &insider).await;
        let weak = credentials::change_password(&t.db, &me, &initial, "short1", NOW).await;
        assert!(matches!(weak, Err(Error::Invalid { .. })), "{weak:?}");
        let same = credentials::change_password(&t.db, &me, &initial, &initial, NOW).await;
        assert!(matches!(same, Err(Error::Invalid { .. })), "{same:?}");
        let wrong = credentials::change_password(&t.db, &me, "Wrong1234", "Xinmima2026", NOW).await;
        assert!(matches!(wrong, Err(Error::Invalid { .. })), "{wrong:?}");
        credentials::change_password(&t.db, &me, &initial, "Xinmima2026", NOW)
            .await
            .expect("change");
        let back = credentials::change_password(&t.db, &me, "Xinmima2026", &initial, NOW).await;
        assert!(
            matches!(back, Err(Error::Invalid { .. })),
            "one of the last 3: {back:?}"
        );
        let signed = auth::with_password(&t.db, &insider, "Xinmima2026", "10.0.0.9", NOW)
            .await
            .expect("db")
            .expect("new password");
        assert!(!signed.must_change);

        // The reset answers in the requested format too: JSON is one object, and its password
        // signs in (issue 12: `--format json` used to be refused).
        let out = ok(
            &t,
            &lx,
            &format!("account reset-password {insider} --format json"),
        )
        .await;
        let reset: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(reset["username"], insider.as_str(), "{out}");
        let again = reset["password"].as_str().expect("password").to_string();
        assert_eq!(again.len(), 12, "{out}");
        let signed = auth::with_password(&t.db, &insider, &again, "10.0.0.9", NOW)
            .await
            .expect("db")
            .expect("the reset password signs in");
        assert!(signed.must_change);
        let csv = ok(
            &t,
            &lx,
            &format!("account reset-password {insider} --format csv"),
        )
        .await;
        assert!(csv.starts_with("项目,内容\n用户名,"), "{csv}");

        // Exempt (Art. 12): a liaison only asks (the learner stays assessed); the office
        // approves, and may clear the mark again. Who counts in which year is in population.rs.
        let report = "report standings --unit LX --year 2026 --format json";
        assert!(usernames(&run(&t, &lx, report).await.json()).contains(&insider));
        let asked = ok(
            &t,
            &lx,
            &format!("account exempt {insider} --reason 省管干部"),
        )
        .await;
        assert!(asked.contains("免考核申请"), "{asked}");
        assert!(usernames(&run(&t, &lx, report).await.json()).contains(&insider));
        refused(&t, &lx, "exemption approve 1", 3).await;
        let office = actor(&t, "office").await;
        // A change answers in the format asked for: its facts as one JSON object.
        let approved: Value =
            serde_json::from_str(&ok(&t, &office, "exemption approve 1 --format json").await)
                .expect("json");
        assert_eq!(approved["id"], 1, "{approved}");
        assert_eq!(approved["username"], insider.as_str(), "{approved}");
        assert_eq!(approved["reason"], "省管干部", "{approved}");
        assert_eq!(
            audited(
                &t,
                "account.exempt",
                &insider,
                "office",
                "参加考核",
                "免考核：省管干部"
            )
            .await,
            1
        );
        refused(&t, &lx, &format!("account exempt {insider} --clear"), 3).await;
        ok(&t, &office, &format!("account exempt {insider} --clear")).await;

        // Batch and move within the scope.
        ok(&t, &lx, &format!("account batch {insider} 2")).await;
        assert_eq!(
            audited(&t, "account.batch", &insider, "lx_liaison", "1", "2").await,
            1
        );
        let from = text(&t, format!("SELECT u.code || ' ' || u.name FROM accounts a JOIN units u ON u.id = a.unit_id WHERE a.username = '{insider}'")).await;
        let to = text(&t, "SELECT code FROM units WHERE path LIKE (SELECT path FROM units WHERE code = 'LX') || '_%' ORDER BY code DESC LIMIT 1".into()).await;
        let to = if from.starts_with(&format!("{to} ")) {
            "LX".to_string()
        } else {
            to
        };
        ok(&t, &lx, &format!("account move {insider} --unit {to}")).await;
        let now_in = text(&t, format!("SELECT u.code || ' ' || u.name FROM accounts a JOIN units u ON u.id = a.unit_id WHERE a.username = '{insider}'")).await;
        assert!(now_in.starts_with(&format!("{to} ")));
        assert_eq!(
            audited(&t, "account.move", &insider, "lx_liaison", &from, &now_in).await,
            1
        );

        // History: the care actions and the sign-ins, newest first.
        let history = run(&t, &lx, &format!("account history {insider} --format json"))
            .await
            .json();
        let actions: Vec<&str> = history
            .iter()
            .filter_map(|r| r["action"].as_str())
            .collect();
        for a in [
            "停用账号",
            "启用账号",
            "重置密码",
            "修改密码",
            "登录成功",
            "登录被拒（已停用）",
            "调动单位",
        ] {
            assert!(actions.contains(&a), "{a} in {actions:?}");
        }
        assert_eq!(actions[0], "调动单位");
    }
}

#[tokio::test]
async fn roles_keys_and_own_password_over_exec() {
    for (t, summary) in seeded().await {
        let lx = actor(&t, "lx_liaison").await;
        let office = actor(&t, "office").await;
        let insider = learner_under(&t, "LX").await;

        // Roles: the office only; a staff account is then the office's to change.
        ok(&t, &office, &format!("role grant {insider} unit --unit LX")).await;
        assert_eq!(
            audited(&t, "role.grant", &insider, "office", "", "unit @ LX").await,
            1
        );
        refused(
            &t,
            &office,
            &format!("role grant {insider} unit --unit LX"),
            1,
        )
        .await;
        refused(&t, &lx, &format!("account disable {insider}"), 3).await;
        refused(&t, &lx, &format!("role revoke {insider} unit --unit LX"), 3).await;
        refused(
            &t,
            &office,
            &format!("role grant {insider} college --unit LX"),
            2,
        )
        .await;
        refused(&t, &office, &format!("role grant {insider} unit"), 2).await;
        let staff = actor(&t, &insider).await;
        assert!(staff.is_staff());
        ok(
            &t,
            &office,
            &format!("role revoke {insider} unit --unit LX"),
        )
        .await;
        assert_eq!(
            audited(&t, "role.revoke", &insider, "office", "unit @ LX", "").await,
            1
        );
        refused(
            &t,
            &office,
            &format!("role revoke {insider} unit --unit LX"),
            4,
        )
        .await;
        refused(&t, &office, "role revoke office office", 1).await;

        // Keys: add from stdin, list, remove; one's own keys too.
        let added = run_in(&t, &lx, &format!("key add {insider}"), KEY).await;
        assert_eq!(added.code, 0, "{}", added.err);
        let keys = run(&t, &lx, &format!("key list {insider} --format json"))
            .await
            .json();
        assert_eq!(keys.len(), 1);
        let fp = keys[0]["fingerprint"]
            .as_str()
            .expect("fingerprint")
            .to_string();
        assert!(fp.starts_with("SHA256:"));
        assert_eq!(
            audited(&t, "ssh_key.add", &insider, "lx_liaison", "", &fp).await,
            1
        );
        ok(&t, &lx, &format!("key remove {insider} {fp}")).await;
        refused(&t, &lx, &format!("key remove {insider} {fp}"), 4).await;
        assert_eq!(
            audited(&t, "ssh_key.remove", &insider, "lx_liaison", &fp, "").await,
            1
        );
        let own = run_in(&t, &lx, "key add lx_liaison --format csv", KEY).await;
        assert_eq!(own.code, 0, "own key: {}", own.err);
        assert!(own.out.contains("指纹,SHA256:"), "{}", own.out);

        // `password`: old and new on two stdin lines.
        let old = password_of(&summary, "lx_liaison");
        let bad = run_in(&t, &lx, "password", &format!("{old}\nshort\n")).await;
        assert_eq!(bad.code, 2, "{}", bad.err);
        assert!(bad.err.contains("8"), "{}", bad.err);
        let one_line = run_in(&t, &lx, "password", &old).await;
        assert_eq!(one_line.code, 2);
        let good = run_in(&t, &lx, "password", &format!("{old}\r\nLouxing2027\r\n")).await;
        assert_eq!(good.code, 0, "{}", good.err);
        let signed = auth::with_password(&t.db, "lx_liaison", "Louxing2027", "10.0.0.9", NOW)
            .await
            .expect("db");
        assert!(signed.is_ok());
        assert_eq!(
            audited(&t, "password.change", "lx_liaison", "lx_liaison", "", "").await,
            1
        );
    }
}

#[tokio::test]
async fn an_initial_password_must_be_changed_before_other_commands() {
    for (t, _) in seeded().await {
        let office = actor(&t, "office").await;
        let initial = credentials::reset_password(&t.db, &office, "lx_liaison", "忘记密码", NOW)
            .await
            .expect("reset");
        let lx = actor(&t, "lx_liaison").await;
        for line in ["whoami", "report units --format json", "account find 张"] {
            let r = run(&t, &lx, line).await;
            assert_eq!(r.code, 3, "{}: {line}: {}", t.name, r.err);
            assert!(r.out.is_empty(), "{line}");
            assert!(r.err.contains("请先修改初始密码"), "{line}: {}", r.err);
            assert!(r.err.contains("password"), "{line}: {}", r.err);
        }
        // Help stays available, and `password` is the way out.
        assert!(!ok(&t, &lx, "help").await.is_empty());
        let r = run_in(&t, &lx, "password", &format!("{initial}\nXinmima2026\n")).await;
        assert_eq!(r.code, 0, "{}: {}", t.name, r.err);
        ok(&t, &lx, "whoami").await;
        assert!(!credentials::must_change(&t.db, &lx).await.expect("db"));
    }
}
