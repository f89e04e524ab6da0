//! Notices (issue 15, points 1–3) on both databases, over real SSH exec and real HTTP: the
//! quarterly notices are written once per quarter and state what an independent sum of the
//! ledger gives; an audience of units takes their sub-units and is fixed when sent; read receipts
//! per unit; a liaison may not send city-wide nor see another unit's receipts; bad input is
//! refused with nothing written; a learner reads notices on the web (unread first, opened by a
//! form POST that marks it read).

mod common;

use std::collections::HashMap;

use common::http::{Browser, Site, csrf_of};
use common::ssh::{connect, exec, start};
use common::{NOW, TestDb, staff};
use reqwest::StatusCode;
use serde_json::Value;
use time::macros::datetime;
use wangyuan::app::actor::RoleKind;
use wangyuan::app::{Actor, ledger, notices};
use wangyuan::store::Db;

const PASSWORD: &str = "Passw0rd-long";

async fn count(db: &Db, sql: &str) -> i64 {
    count_in(db, sql, "").await
}

/// A count whose SQL takes one text parameter ($1).
async fn count_in(db: &Db, sql: &str, p: &str) -> i64 {
    let bind = sql_has_param(sql);
    let q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()));
    let q = if bind { q.bind(p.to_string()) } else { q };
    q.fetch_one(db.reader()).await.expect("count")
}

fn sql_has_param(sql: &str) -> bool {
    sql.contains("$1")
}

async fn written(db: &Db) -> (i64, i64) {
    (
        count(db, "SELECT COUNT(*) FROM notice_messages").await,
        count(db, "SELECT COUNT(*) FROM notice_recipients").await,
    )
}

fn ok(r: &common::ssh::Ran, what: &str) -> String {
    assert_eq!(r.code, Some(0), "{what}: {}", r.err);
    r.text()
}

/// Active learners of the unit `code` and its sub-units: (id, username).
async fn learners_of(db: &Db, code: &str) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT a.id, a.username FROM accounts a JOIN units u ON u.id = a.unit_id \
         WHERE a.is_learner = 1 AND a.status = 'active' \
         AND u.path LIKE (SELECT path FROM units WHERE code = $1) || '%' ORDER BY a.id",
    )
    .bind(code)
    .fetch_all(db.reader())
    .await
    .expect("learners")
}

/// The unit just below the city with the most learners in its subtree.
async fn busiest(db: &Db) -> String {
    sqlx::query_scalar(
        "SELECT u.code FROM units u JOIN units c ON c.id = u.parent_id AND c.parent_id IS NULL \
         ORDER BY (SELECT COUNT(*) FROM accounts a JOIN units x ON x.id = a.unit_id \
         WHERE a.is_learner = 1 AND x.path LIKE u.path || '%') DESC, u.code LIMIT 1",
    )
    .fetch_one(db.reader())
    .await
    .expect("a county")
}

async fn learner_actor(db: &Db, username: &str) -> Actor {
    Actor::load(db, username, "test").await.expect("actor")
}

/// The figure after `label` in a quarterly body ("总学分 12.5" → 125 tenths).
fn figure(body: &str, label: &str) -> i64 {
    let at = body
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {body}"));
    let rest = &body[at + label.len()..];
    let num: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let (whole, tenth) = num.split_once('.').expect("a figure with tenths");
    whole.parse::<i64>().expect("whole") * 10 + tenth.parse::<i64>().expect("tenth")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quarterly_notices_are_written_once_and_agree_with_the_ledger() {
    for t in TestDb::with_city(40).await {
        let db = &t.db;
        staff(db, RoleKind::Office, "office1", None).await;
        let lx = busiest(db).await;
        let liaison = staff(db, RoleKind::Unit, "lx1", Some(lx.as_str())).await;
        let courses: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM courses WHERE status = 'published' ORDER BY id LIMIT 3")
                .fetch_all(db.reader())
                .await
                .expect("courses");
        let people = learners_of(db, &lx).await;
        // Inside Q1, its last second (counts), the first second of Q2 (does not), and a revocation.
        let in_q1 = datetime!(2026-02-10 10:00 +8).unix_timestamp();
        let last = datetime!(2026-03-31 23:59:59 +8).unix_timestamp();
        let q2 = datetime!(2026-04-01 00:00 +8).unix_timestamp();
        ledger::complete_course(db, people[0].0, courses[0].0, in_q1)
            .await
            .expect("a");
        ledger::complete_course(db, people[0].0, courses[1].0, last)
            .await
            .expect("b");
        ledger::complete_course(db, people[1].0, courses[0].0, q2)
            .await
            .expect("c");
        let d = ledger::complete_course(db, people[2].0, courses[2].0, in_q1)
            .await
            .expect("d");
        // …and d revoked inside Q1: the quarter's figures must net it out.
        let ledger::Award::Granted { entry_id, .. } = d else {
            panic!("d was granted");
        };
        ledger::revoke(
            db,
            &Actor::local_operator(),
            entry_id,
            "测试撤销",
            in_q1 + 86_400,
        )
        .await
        .expect("revoke d");

        let addr = start(db).await;
        let ssh = connect(addr, "office1", PASSWORD).await.expect("office");
        let first = exec(
            &ssh,
            "notice quarterly --year 2026 --quarter 1 --format json",
            b"",
        )
        .await;
        let first: Value = serde_json::from_str(&ok(&first, "first")).expect("json");
        let added = first["added"].as_i64().expect("added");
        assert_eq!(first["existing"], 0, "{}", t.name);
        assert_eq!(
            first.as_object().map(|o| o.len()),
            Some(2),
            "exactly two keys"
        );

        // Every assessed learner got one (the standings report's population), plus each unit
        // with assessed learners in its subtree got its summary.
        let report = exec(&ssh, "report standings --year 2026 --format json", b"").await;
        let rows: Vec<Value> = serde_json::from_str(&ok(&report, "report")).expect("rows");
        let personal: Vec<(String, String)> = sqlx::query_as(
            "SELECT a.username, m.body FROM notice_messages m \
             JOIN notice_recipients r ON r.notice_id = m.id JOIN accounts a ON a.id = r.account_id \
             WHERE m.once_key LIKE 'quarterly:2026:1:a%'",
        )
        .fetch_all(db.reader())
        .await
        .expect("personal");
        assert_eq!(personal.len(), rows.len(), "{}", t.name);
        let units = count(
            db,
            "SELECT COUNT(*) FROM notice_messages WHERE once_key LIKE 'quarterly:2026:1:u%'",
        )
        .await;
        assert!(units > 1, "{}", t.name);
        assert_eq!(added, rows.len() as i64 + units, "{}", t.name);

        // The figures equal a sum of the ledger up to the quarter's last second, done here.
        let until = q2;
        let sums: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT a.username, e.bucket, CAST(SUM(e.tenths) AS BIGINT) FROM ledger e \
             JOIN accounts a ON a.id = e.account_id \
             WHERE e.credit_year = 2026 AND e.earned_at < $1 GROUP BY a.username, e.bucket",
        )
        .bind(until)
        .fetch_all(db.reader())
        .await
        .expect("sums");
        let mut expected: HashMap<String, (i64, i64)> = HashMap::new();
        for (user, bucket, tenths) in sums {
            let e = expected.entry(user).or_default();
            e.0 += tenths;
            if bucket == "required" {
                e.1 += tenths;
            }
        }
        assert!(
            expected.len() >= 2,
            "the test wrote credits before Q1's end"
        );
        let mut with_credits = 0;
        for (user, body) in &personal {
            let (total, required) = expected.get(user).copied().unwrap_or_default();
            assert_eq!(figure(body, "总学分"), total, "{user}: {body}");
            assert_eq!(figure(body, "其中必修"), required, "{user}: {body}");
            // Targets 40/24: the gap is what is missing.
            assert_eq!(
                figure(body, "尚差总学分"),
                (400 - total).max(0),
                "{user}: {body}"
            );
            assert!(body.contains("最少再学"), "{body}");
            if total > 0 {
                with_credits += 1;
            }
        }
        let earners = expected.values().filter(|(total, _)| *total > 0).count();
        assert_eq!(with_credits, earners, "{}", t.name);
        // people[2]'s only completion was revoked inside Q1: nothing at the quarter's end.
        let revoked = personal
            .iter()
            .find(|(u, _)| *u == people[2].1)
            .expect("people[2] assessed");
        assert_eq!(figure(&revoked.1, "总学分"), 0, "{}", revoked.1);
        // people[1] earned only in Q2: nothing yet at Q1's end.
        let late = personal
            .iter()
            .find(|(u, _)| *u == people[1].1)
            .expect("people[1] assessed");
        assert_eq!(figure(&late.1, "总学分"), 0);

        // Twice: nothing added, and it says so.
        let before = written(db).await;
        let again = exec(
            &ssh,
            "notice quarterly --year 2026 --quarter 1 --format json",
            b"",
        )
        .await;
        let again: serde_json::Value =
            serde_json::from_str(&ok(&again, "again")).expect("quarterly JSON");
        assert_eq!(again, serde_json::json!({ "added": 0, "existing": added }));
        let said = exec(&ssh, "notice quarterly --year 2026 --quarter 1", b"").await;
        assert!(ok(&said, "said").contains("本次未新增"), "{}", said.text());
        assert_eq!(written(db).await, before, "{}", t.name);

        // A quarter not yet ended is refused.
        let future = exec(&ssh, "notice quarterly --year 2099 --quarter 1", b"").await;
        assert_ne!(future.code, Some(0));
        // A year or quarter out of range is a usage error, and writes nothing.
        for line in [
            "notice quarterly --year 1500 --quarter 1",
            "notice quarterly --year 2026 --quarter 5",
        ] {
            let bad = exec(&ssh, line, b"").await;
            assert_eq!(bad.code, Some(2), "{line}: {}", bad.err);
        }
        assert_eq!(written(db).await, before, "{}", t.name);
        // A liaison may not run it.
        let (code, _, _) =
            common::cmd::run_text(db, &liaison, "notice quarterly --year 2026 --quarter 2", "")
                .await;
        assert_ne!(code, 0);
        // The liaison got the summary of LX.
        let inbox = notices::inbox(db, &liaison, 1).await.expect("inbox");
        assert!(
            inbox
                .notices
                .iter()
                .any(|n| n.title.contains("季度学习情况汇总") && n.body.contains("参学干部")),
            "{:?}",
            inbox.notices
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audiences_receipts_scope_and_refusals() {
    for (t, password) in TestDb::with_city_password(60).await {
        let db = &t.db;
        staff(db, RoleKind::Office, "office1", None).await;
        let code = busiest(db).await;
        let liaison = staff(db, RoleKind::Unit, "lx1", Some(code.as_str())).await;
        let addr = start(db).await;
        let office = connect(addr, "office1", PASSWORD).await.expect("office");
        let lx = connect(addr, "lx1", PASSWORD).await.expect("liaison");

        // A unit's audience: every active account of its subtree (the liaison of LX too).
        let sent = exec(
            &office,
            &format!("notice send --to unit:{code} --title 关于开展专题学习的通知 --format json"),
            "各位学员：\n请于月底前完成专题课程。\n".as_bytes(),
        )
        .await;
        let sent: Value = serde_json::from_str(&ok(&sent, "send")).expect("json");
        let id = sent["id"].as_i64().expect("id");
        let subtree = learners_of(db, &code).await;
        assert!(subtree.len() >= 3, "{}", t.name);
        let everyone_there = count_in(
            db,
            "SELECT COUNT(*) FROM accounts a JOIN units u ON u.id = a.unit_id \
             WHERE a.status = 'active' AND u.path LIKE (SELECT path FROM units WHERE code = $1) || '%'",
            &code,
        )
        .await;
        let with_liaison = everyone_there
            + count_in(
                db,
                "SELECT COUNT(*) FROM accounts a JOIN units u ON u.id = a.unit_id \
                 WHERE a.username = 'lx1' AND u.path NOT LIKE (SELECT path FROM units WHERE code = $1) || '%'",
                &code,
            )
            .await;
        assert_eq!(
            sent["recipients"].as_i64(),
            Some(with_liaison),
            "{}",
            t.name
        );
        let outsider: (i64, String, String) = sqlx::query_as(
            "SELECT a.id, a.username, u.code FROM accounts a JOIN units u ON u.id = a.unit_id \
             WHERE a.is_learner = 1 AND u.path NOT LIKE (SELECT path FROM units WHERE code = $1) || '%' \
             ORDER BY a.id LIMIT 1",
        )
        .bind(&code)
        .fetch_one(db.reader())
        .await
        .expect("outsider");
        let other_code = outsider.2.clone();
        let got: i64 = count(
            db,
            &format!(
                "SELECT COUNT(*) FROM notice_recipients WHERE notice_id = {id} AND account_id = {}",
                outsider.0
            ),
        )
        .await;
        assert_eq!(got, 0, "a learner outside the unit is not a recipient");

        // Receipts: nobody read yet; a learner opens it (web below marks another).
        let reader = learner_actor(db, &subtree[0].1).await;
        let inbox = notices::inbox(db, &reader, 1).await.expect("inbox");
        assert_eq!(inbox.notices.first().map(|n| n.id), Some(id));
        assert!(inbox.notices[0].read_at.is_none());
        let opened = notices::open(db, &reader, id, NOW).await.expect("open");
        assert_eq!(opened.read_at, Some(NOW));
        let again = notices::open(db, &reader, id, NOW + 60)
            .await
            .expect("again");
        assert_eq!(again.read_at, Some(NOW), "the first reading time stays");
        let r = exec(&office, &format!("notice receipts {id} --format json"), b"").await;
        let units: Vec<Value> = serde_json::from_str(&ok(&r, "receipts")).expect("rows");
        let sent_sum: i64 = units.iter().map(|u| u["sent"].as_i64().unwrap_or(0)).sum();
        let read_sum: i64 = units.iter().map(|u| u["read"].as_i64().unwrap_or(0)).sum();
        assert_eq!((sent_sum, read_sum), (with_liaison, 1), "{units:?}");

        // Remind the unread: everyone but the reader.
        let rem = exec(
            &office,
            &format!("notice remind {id} --unread --format json"),
            b"",
        )
        .await;
        let rem: Value = serde_json::from_str(&ok(&rem, "remind")).expect("json");
        assert_eq!(rem["recipients"].as_i64(), Some(with_liaison - 1));
        let behind = exec(
            &office,
            &format!("notice remind {id} --behind --format json"),
            b"",
        )
        .await;
        let behind: Value = serde_json::from_str(&ok(&behind, "behind")).expect("json");
        assert!(behind["recipients"].as_i64().unwrap_or(0) >= 1, "{behind}");

        // The liaison: within LX yes, city-wide and another unit's receipts no.
        let to_other = exec(
            &office,
            &format!("notice send --to unit:{other_code} --title 其他单位 --format json"),
            "正文".as_bytes(),
        )
        .await;
        let other_id = serde_json::from_str::<Value>(&ok(&to_other, "other")).expect("json")["id"]
            .as_i64()
            .expect("id");
        let before = written(db).await;
        let all = exec(&lx, "notice send --to all --title 全市 ", "正文".as_bytes()).await;
        assert_eq!(all.code, Some(3), "forbidden: {}", all.err);
        let outside = exec(
            &lx,
            &format!("notice send --to user:{} --title 越权", outsider.1),
            "正文".as_bytes(),
        )
        .await;
        assert_ne!(outside.code, Some(0), "{}", outside.err);
        let theirs = exec(&lx, &format!("notice receipts {other_id}"), b"").await;
        assert_eq!(theirs.code, Some(3), "{}", theirs.err);
        let ours = exec(&lx, &format!("notice receipts {id} --format json"), b"").await;
        let ours: Vec<Value> = serde_json::from_str(&ok(&ours, "ours")).expect("rows");
        assert!(!ours.is_empty());
        let remind = exec(&lx, &format!("notice remind {id} --unread"), b"").await;
        assert_eq!(remind.code, Some(3), "{}", remind.err);

        // Bad input: nothing written.
        let oversize = "字".repeat(notices::MAX_BODY + 1);
        for (line, body) in [
            (
                "notice send --to unit:NOPE --title 标题",
                "正文".to_string(),
            ),
            (
                "notice send --to user:nobody --title 标题",
                "正文".to_string(),
            ),
            ("notice send --to unit:LX --title ''", "正文".to_string()),
            ("notice send --to unit:LX --title 标题", oversize),
            ("notice send --to unit:LX --title 标题", "  \n".to_string()),
            ("notice send --to everyone --title 标题", "正文".to_string()),
            (
                "notice send --to unit:LX user:nobody --title 标题",
                "正文".to_string(),
            ),
        ] {
            let r = exec(&office, line, body.as_bytes()).await;
            assert_ne!(r.code, Some(0), "{line}");
            assert!(r.err.contains("错误"), "{line}: {}", r.err);
        }
        assert_eq!(written(db).await, before, "{}", t.name);

        // The liaison's own notice within LX is allowed and listed as sent.
        let mine = exec(
            &lx,
            &format!("notice send --to unit:{code} --title 单位通知"),
            "正文".as_bytes(),
        )
        .await;
        ok(&mine, "liaison within LX");
        let page0 = exec(&lx, "notice list --page 0", b"").await;
        assert_eq!(
            page0.code,
            Some(2),
            "page 0 is a usage error: {}",
            page0.err
        );
        let list = exec(&lx, "notice list", b"").await;
        let list = ok(&list, "list");
        assert!(
            list.contains("单位通知") && list.contains("关于开展专题学习的通知"),
            "{list}"
        );
        let _ = liaison;

        // The web: unread first, count on the home, opening (a POST with the token) marks read.
        let other_reader = &subtree[1].1;
        let site = Site::start(db, NOW).await;
        let mut browser = Browser::new(&site);
        assert_eq!(
            browser.sign_in(other_reader, &password).await.status,
            StatusCode::SEE_OTHER
        );
        let home = browser.get("/").await;
        assert!(home.body.contains("关于开展专题学习的通知"), "{}", t.name);
        assert!(home.body.contains("href=\"/notices\""));
        // Opening from the home is the same POST as from the list, so it marks the notice read.
        assert!(
            home.body
                .contains(&format!("<form method=\"post\" action=\"/notices/{id}\"")),
            "{}",
            home.body
        );
        let list = browser.get("/notices").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("未读"), "{}", list.body);
        let path = format!("/notices/{id}");
        // A POST without the token changes nothing.
        let forged = browser.post(&path, &[]).await;
        assert_ne!(forged.status, StatusCode::SEE_OTHER);
        let shown = browser.get(&path).await;
        assert!(shown.body.contains("请于月底前完成专题课程"));
        assert!(shown.body.contains("未读"));
        let token = csrf_of(&shown.body);
        let read = browser.post(&path, &[("csrf", token.as_str())]).await;
        assert_eq!(read.status, StatusCode::SEE_OTHER);
        let after = browser.get(&path).await;
        assert!(after.body.contains("已读于"), "{}", after.body);
        // Unread first: every unread row comes before the first read one.
        let list = browser.get("/notices").await.body;
        let last_unread = list
            .rfind("class=\"unread\"")
            .expect("another notice still unread");
        let first_read = list.find("<td>已读</td>").expect("the opened notice, read");
        assert!(last_unread < first_read, "{list}");
        let r = exec(&office, &format!("notice receipts {id} --format json"), b"").await;
        let units: Vec<Value> = serde_json::from_str(&ok(&r, "receipts")).expect("rows");
        let read_sum: i64 = units.iter().map(|u| u["read"].as_i64().unwrap_or(0)).sum();
        assert_eq!(read_sum, 2, "{units:?}");
        // Another learner's notice is not found.
        let theirs = browser.get(&format!("/notices/{other_id}")).await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        // A malformed id is the site's own "not found" page, in Chinese.
        for bad in [
            "/notices/abc",
            "/notices/-1",
            "/notices/99999999999999999999",
        ] {
            let page = browser.get(bad).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{bad}");
            assert!(page.body.contains("该通知"), "{bad}: {}", page.body);
        }
    }
}

/// The 通知 tab over real SSH: a liaison sees the office's notice unread, opens it (read in the
/// database), and is refused composing city-wide; the office composes one to a unit with y/n
/// and sees its receipts per unit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notices_tab_over_ssh() {
    use common::ssh::Pty;
    for t in TestDb::with_city(30).await {
        let db = &t.db;
        staff(db, RoleKind::Office, "office1", None).await;
        let code = busiest(db).await;
        staff(db, RoleKind::Unit, "lx1", Some(code.as_str())).await;
        let addr = start(db).await;
        let office = connect(addr, "office1", PASSWORD).await.expect("office");
        let lx = connect(addr, "lx1", PASSWORD).await.expect("liaison");
        let sent = exec(
            &office,
            &format!("notice send --to unit:{code} --title 第一份通知 --format json"),
            "请各单位按时组织学习。".as_bytes(),
        )
        .await;
        let id = serde_json::from_str::<Value>(&ok(&sent, "send")).expect("json")["id"]
            .as_i64()
            .expect("id");

        let mut liaison = Pty::open(&lx, 120, 40, &format!("{} lx", t.name)).await;
        liaison.expect(&["通知"]).await;
        liaison.send(b"h").await; // the last tab, from 总览
        liaison
            .expect(&["收到的通知（未读 1 条）", "第一份通知"])
            .await;
        liaison.send(b"\r").await;
        liaison.expect(&["请各单位按时组织学习。"]).await;
        let read_at: Option<i64> = sqlx::query_scalar(
            "SELECT r.read_at FROM notice_recipients r JOIN accounts a ON a.id = r.account_id \
             WHERE r.notice_id = $1 AND a.username = 'lx1'",
        )
        .bind(id)
        .fetch_one(db.reader())
        .await
        .expect("row");
        assert!(read_at.is_some(), "{}: opened is read", t.name);
        liaison.send(b"\x1b").await;
        liaison.expect(&["未读 0 条"]).await;
        // Composing city-wide is refused, nothing written.
        let before = written(db).await;
        liaison.send(b"n").await;
        liaison.expect(&["撰写通知"]).await;
        liaison.paste("all").await;
        liaison.send(b"\t").await;
        liaison.paste("全市通知").await;
        liaison.send(b"\t").await;
        liaison.paste("正文").await;
        liaison.send(b"\r").await;
        liaison.expect(&["发送通知「全市通知」给 all"]).await;
        liaison.send(b"y").await;
        liaison.expect(&["仅限市在线学习办"]).await;
        assert_eq!(written(db).await, before);

        let mut off = Pty::open(&office, 120, 40, &format!("{} office", t.name)).await;
        off.expect(&["通知"]).await;
        off.send(b"h").await;
        off.expect(&["收到的通知"]).await;
        off.send(b"n").await;
        off.expect(&["撰写通知"]).await;
        off.paste(&format!("unit:{code}")).await;
        off.send(b"\t").await;
        off.paste("第二份通知").await;
        off.send(b"\t").await;
        off.paste("请于本周内完成。").await;
        off.send(b"\r").await;
        off.expect(&["发送通知「第二份通知」"]).await;
        off.send(b"y").await;
        off.expect(&["已发送通知"]).await;
        let n = count(
            db,
            "SELECT COUNT(*) FROM notice_messages WHERE title = '第二份通知'",
        )
        .await;
        assert_eq!(n, 1, "{}", t.name);
        off.send(b"s").await;
        off.expect(&["已发通知", "第一份通知"]).await;
        off.send(b"G\r").await;
        off.expect(&["阅读回执：第一份通知", &code]).await;
    }
}

/// Rows of the old `notices` table (0001) are carried into 0013: a row to an account keeps its
/// read time, a row to a unit reaches its liaisons, a row to everyone every active account; the
/// ids stay and new notices get higher ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn old_notices_are_migrated() {
    for t in TestDb::with_city(12).await {
        let db = &t.db;
        let code = busiest(db).await;
        let liaison = staff(db, RoleKind::Unit, "lx1", Some(code.as_str())).await;
        let office = staff(db, RoleKind::Office, "office1", None).await;
        let pg = t.name == "postgres";
        // Back to 0012: the new tables gone, the old one as 0001 made it.
        for sql in [
            "DROP TABLE notice_recipients",
            "DROP TABLE notice_messages",
            "DELETE FROM _sqlx_migrations WHERE version = 13",
            if pg {
                "CREATE TABLE notices (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, \
                 kind TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, \
                 account_id BIGINT REFERENCES accounts(id), unit_id BIGINT REFERENCES units(id), \
                 year BIGINT, quarter BIGINT, created_by BIGINT REFERENCES accounts(id), \
                 created_at BIGINT NOT NULL, read_at BIGINT)"
            } else {
                "CREATE TABLE notices (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, \
                 body TEXT NOT NULL, account_id INTEGER REFERENCES accounts(id), \
                 unit_id INTEGER REFERENCES units(id), year INTEGER, quarter INTEGER, \
                 created_by INTEGER REFERENCES accounts(id), created_at INTEGER NOT NULL, read_at INTEGER)"
            },
        ] {
            let mut tx = db.begin().await.expect("tx");
            sqlx::query(sql).execute(&mut *tx).await.expect(sql);
            tx.commit().await.expect("commit");
        }
        let learner = learners_of(db, &code).await[0].clone();
        let unit_id: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = $1")
            .bind(&code)
            .fetch_one(db.reader())
            .await
            .expect("unit");
        let old = sqlx::query(
            "INSERT INTO notices (id, kind, title, body, account_id, unit_id, year, quarter, created_at, read_at) VALUES \
             (7, 'quarterly', '旧季度通知', '正文', $1, NULL, 2026, 1, 100, 150), \
             (8, 'year_end', '旧年终通知', '正文', NULL, $2, 2025, NULL, 200, NULL), \
             (9, 'general', '旧全体通知', '正文', NULL, NULL, NULL, NULL, 300, NULL)",
        )
        .bind(learner.0)
        .bind(unit_id);
        let mut tx = db.begin().await.expect("tx");
        old.execute(&mut *tx).await.expect("old rows");
        tx.commit().await.expect("commit");

        let db = Db::open(&t.url).await.expect("migrates 0013");
        let db = &db;
        let mine = notices::inbox(db, &learner_actor(db, &learner.1).await, 1)
            .await
            .expect("inbox");
        let titles: Vec<(&str, bool)> = mine
            .notices
            .iter()
            .map(|n| (n.title.as_str(), n.read_at.is_some()))
            .collect();
        assert_eq!(
            titles,
            vec![("旧全体通知", false), ("旧季度通知", true)],
            "{}",
            t.name
        );
        let theirs = notices::inbox(db, &liaison, 1).await.expect("liaison");
        assert!(theirs.notices.iter().any(|n| n.title == "旧年终通知"));
        let everyone = count(db, "SELECT COUNT(*) FROM accounts WHERE status = 'active'").await;
        let to_all = count(
            db,
            "SELECT COUNT(*) FROM notice_recipients WHERE notice_id = 9",
        )
        .await;
        assert_eq!(to_all, everyone, "{}", t.name);
        let new = notices::send(db, &office, &["all".to_string()], "新通知", "正文", 400)
            .await
            .expect("a new notice after the carried ids");
        assert!(new.id > 9, "{}: {}", t.name, new.id);
    }
}
