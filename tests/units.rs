//! The organisation tree (issue 13 points 1–3, 9), on both databases: README's "从空数据库开始"
//! run word for word, every `unit` command and its refusals, the import (all or nothing, row
//! errors, idempotent, GBK and xlsx), `--unit` by name, and the demo built through the import.

mod common;

use common::cmd::{Ran, run};
use common::{TestDb, actor, count, wangyuan};
use serde_json::Value;
use wangyuan::app::Actor;

/// The README section's fenced block of the given language.
fn readme_block(lang: &str) -> String {
    let readme = include_str!("../README.md");
    let section = readme
        .split("## 从空数据库开始")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has the section");
    let fence = format!("```{lang}\n");
    let start = section.find(&fence).expect("block") + fence.len();
    section[start..]
        .split("```")
        .next()
        .expect("closed block")
        .to_string()
}

const NEW_PASSWORD: &str = "Loudi2026city";

#[tokio::test]
async fn the_readme_starts_a_city_from_an_empty_database() {
    let commands = readme_block("sh");
    let units_csv = readme_block("csv");
    for t in TestDb::all().await {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("单位.csv"), &units_csv).expect("write csv");
        let mut outputs = Vec::new();
        for line in commands.lines().filter(|l| l.starts_with("wangyuan ")) {
            let mut words = shell_words::split(line).expect("words");
            words.remove(0);
            let (mut input, mut output) = (Vec::new(), None);
            if let Some(at) = words.iter().position(|w| w == "<") {
                input = std::fs::read(dir.path().join(&words[at + 1])).expect("input file");
                words.truncate(at);
            } else if let Some(at) = words.iter().position(|w| w == ">") {
                output = Some(words[at + 1].clone());
                words.truncate(at);
            }
            let (code, out, err) = wangyuan(dir.path(), &t.url, &words, &input);
            assert_eq!(code, 0, "{}: {line}: {err}", t.name);
            let text = String::from_utf8_lossy(&out).into_owned();
            if words[0] == "init" {
                // The password is printed once; the README's next step changes it.
                let pw = text
                    .split("初始密码：")
                    .nth(1)
                    .and_then(|s| s.split('（').next())
                    .expect("initial password printed");
                std::fs::write(
                    dir.path().join("改密码.txt"),
                    format!("{pw}\n{NEW_PASSWORD}\n"),
                )
                .expect("write");
            }
            if let Some(file) = output {
                std::fs::write(dir.path().join(file), &out).expect("write output");
            }
            outputs.push((line.to_string(), text));
        }
        let said = |prefix: &str| {
            outputs
                .iter()
                .filter(|(l, _)| l.contains(prefix))
                .map(|(_, o)| o.clone())
                .collect::<Vec<_>>()
        };
        let imports = said("unit import");
        assert!(
            imports[0].contains("新增 4 个"),
            "{}: {}",
            t.name,
            imports[0]
        );
        assert!(
            imports[1].contains("未作任何更改"),
            "{}: {}",
            t.name,
            imports[1]
        );
        let listed: Vec<Value> = serde_json::from_str(&said("unit list")[0]).expect("json");
        assert_eq!(listed.len(), 5, "{}", t.name);
        let keys: Vec<&String> = listed[0].as_object().expect("object").keys().collect();
        assert_eq!(
            keys,
            [
                "code",
                "learners",
                "level",
                "name",
                "parent_code",
                "path",
                "status"
            ],
            "{}",
            t.name
        );
        let lx01 = listed.iter().find(|u| u["code"] == "LX01").expect("LX01");
        assert_eq!(lx01["path"], "LD/LX/LX01");
        assert_eq!(lx01["parent_code"], "LX");
        assert_eq!(lx01["level"], 3);
        let template = std::fs::read(dir.path().join("单位模板.xlsx")).expect("template");
        assert!(template.starts_with(b"PK"), "{}", t.name);
        let liaison: String = sqlx::query_scalar(
            "SELECT u.code FROM roles r JOIN accounts a ON a.id = r.account_id \
             JOIN units u ON u.id = r.unit_id WHERE a.username = 'lx_liaison'",
        )
        .fetch_one(t.db.reader())
        .await
        .expect("liaison role");
        assert_eq!(liaison, "LX", "--unit 娄星区 named the unit by its name");
        assert_eq!(
            count(
                &t.db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'unit.add'"
            )
            .await,
            5
        );

        // A second init changes nothing and says why.
        let again: Vec<String> = ["init", "--city", "别的市", "--code", "XX"]
            .map(String::from)
            .to_vec();
        let (code, _, err) = wangyuan(dir.path(), &t.url, &again, b"");
        assert_eq!(code, 1, "{}: {err}", t.name);
        assert!(
            err.contains("已初始化") && err.contains("LD 娄底市"),
            "{err}"
        );
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM units").await, 5);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM accounts").await, 3);
    }
}

async fn demo() -> Vec<TestDb> {
    common::all_with_demo(40).await
}

async fn ok(t: &TestDb, who: &Actor, line: &str) -> String {
    let ran = run(&t.db, who, line, b"").await;
    assert_eq!(ran.code, 0, "{}: {line}: {}", t.name, ran.err);
    ran.text()
}

async fn refused(t: &TestDb, who: &Actor, line: &str, code: i32, says: &str) {
    let ran = run(&t.db, who, line, b"").await;
    assert_eq!(
        ran.code,
        code,
        "{}: {line}: {} {}",
        t.name,
        ran.text(),
        ran.err
    );
    assert!(ran.err.contains(says), "{}: {line}: {}", t.name, ran.err);
    assert!(ran.out.is_empty(), "{line}");
}

fn listed(ran: &Ran) -> Vec<Value> {
    ran.json()
}

async fn list(t: &TestDb, who: &Actor, line: &str) -> Vec<Value> {
    listed(&run(&t.db, who, line, b"").await)
}

fn codes(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn unit_commands_change_the_tree_for_the_office_only() {
    for t in demo().await {
        let office = actor(&t, "office").await;
        let college = actor(&t, "college").await;
        let liaison = actor(&t, "lx_liaison").await;
        let units_before = count(&t.db, "SELECT COUNT(*) FROM units").await;

        // Writes: the office only.
        for who in [&college, &liaison] {
            refused(
                &t,
                who,
                "unit add LX99 测试科 --parent LX",
                3,
                "仅限市在线学习办",
            )
            .await;
            refused(&t, who, "unit retire LX08", 3, "仅限市在线学习办").await;
            refused(&t, who, "unit import", 3, "仅限市在线学习办").await;
        }
        let said = ok(&t, &office, "unit add LX99 测试科 --parent 娄星区").await;
        assert!(said.contains("LX99 测试科"), "{said}");
        let rows = list(&t, &office, "unit list --under LX --format json").await;
        let new = rows.iter().find(|r| r["code"] == "LX99").expect("added");
        assert_eq!(new["parent_code"], "LX");
        assert_eq!(new["path"], "LD/LX/LX99");
        assert_eq!(new["level"], 3);
        assert_eq!(new["status"], "active");
        assert_eq!(new["learners"], 0);
        refused(
            &t,
            &office,
            "unit add LX99 另一个 --parent LX",
            1,
            "已被使用",
        )
        .await;
        refused(
            &t,
            &office,
            "unit add 坏代码 测试 --parent LX",
            2,
            "单位代码应为",
        )
        .await;
        refused(&t, &office, "unit add LX98 测试 --parent NOPE", 4, "NOPE").await;
        refused(
            &t,
            &office,
            "unit add LX98 娄星区委组织部 --parent LX",
            2,
            "LX01",
        )
        .await;

        ok(&t, &office, "unit rename LX99 测试二科").await;
        ok(&t, &office, "unit move LX99 --parent LX01").await;
        let rows = list(&t, &office, "unit list --under LX01 --format json").await;
        let moved = rows.iter().find(|r| r["code"] == "LX99").expect("moved");
        assert_eq!(moved["name"], "测试二科");
        assert_eq!(moved["path"], "LD/LX/LX01/LX99");
        // Moving LX under its own grandchild would make a cycle; paths of a moved subtree follow.
        refused(&t, &office, "unit move LX --parent LX99", 2, "成环").await;
        ok(&t, &office, "unit move LX01 --parent LY").await;
        let rows = list(&t, &office, "unit list --under LY --format json").await;
        let deep = rows
            .iter()
            .find(|r| r["code"] == "LX99")
            .expect("subtree moved");
        assert_eq!(deep["path"], "LD/LY/LX01/LX99");
        let path: String = sqlx::query_scalar(
            "SELECT c.path FROM units c JOIN units p ON c.parent_id = p.id WHERE c.code = 'LX99' \
             AND c.path = p.path || CAST(c.id AS TEXT) || '/'",
        )
        .fetch_one(t.db.reader())
        .await
        .expect("stored path follows the parent's");
        assert!(path.starts_with('/'), "{path}");

        // Retire: refused while accounts are left, naming them; then the subtree goes.
        refused(&t, &office, "unit retire LX", 1, "在用账号").await;
        ok(&t, &office, "unit retire LX99").await;
        let active = list(&t, &office, "unit list --under LX01 --format json").await;
        assert!(!codes(&active).contains(&"LX99".to_string()));
        let all = list(&t, &office, "unit list --under LX01 --all --format json").await;
        let gone = all
            .iter()
            .find(|r| r["code"] == "LX99")
            .expect("listed with --all");
        assert_eq!(gone["status"], "retired");
        refused(&t, &office, "unit add LX99 重来 --parent LX", 1, "已撤销").await;
        refused(&t, &office, "unit add LX97 科 --parent LX99", 2, "已撤销").await;
        refused(&t, &office, "unit retire LD", 2, "全市单位不能撤销").await;

        // Reads: everyone in their scope.
        let theirs = list(&t, &liaison, "unit list --format json").await;
        assert!(
            theirs
                .iter()
                .all(|r| r["path"].as_str().is_some_and(|p| p.starts_with("LD/LX")))
        );
        assert_eq!(theirs[0]["code"], "LX");
        let learners: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM accounts a JOIN units u ON u.id = a.unit_id \
             WHERE u.path LIKE (SELECT path FROM units WHERE code = 'LX') || '%' \
             AND a.is_learner = 1 AND a.status = 'active'",
        )
        .fetch_one(t.db.reader())
        .await
        .expect("learners");
        assert_eq!(theirs[0]["learners"], learners, "{}", t.name);
        refused(&t, &liaison, "unit show SZ01", 3, "不在您的管理范围内").await;
        let shown = ok(&t, &liaison, "unit show LX").await;
        assert!(
            shown.contains("娄星区") && shown.contains("LX02"),
            "{shown}"
        );
        let shown = list(&t, &college, "unit show 娄星区 --format json").await;
        assert_eq!(shown[0]["code"], "LX");

        let audited = count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('unit.add', 'unit.rename', 'unit.move', 'unit.retire') AND target = 'unit:LX99'",
        )
        .await;
        assert_eq!(audited, 4, "{}", t.name);
        assert_eq!(
            count(&t.db, "SELECT COUNT(*) FROM units").await,
            units_before + 1
        );
    }
}

#[tokio::test]
async fn unit_by_name_where_a_command_takes_unit() {
    for t in demo().await {
        let office = actor(&t, "office").await;
        let by_code = ok(
            &t,
            &office,
            "report units --year 2026 --unit LX --format json",
        )
        .await;
        let by_name = ok(
            &t,
            &office,
            "report units --year 2026 --unit 娄星区 --format json",
        )
        .await;
        assert_eq!(by_code, by_name, "{}", t.name);
        // Two units of one name under different parents: the name alone is refused with both codes.
        ok(&t, &office, "unit add LX01A 党政办公室 --parent LX01").await;
        ok(&t, &office, "unit add LY01A 党政办公室 --parent LY01").await;
        refused(
            &t,
            &office,
            "report standings --unit 党政办公室",
            2,
            "LX01A",
        )
        .await;
        refused(
            &t,
            &office,
            "report standings --unit 党政办公室",
            2,
            "LY01A",
        )
        .await;
        ok(&t, &office, "report standings --year 2026 --unit LY01A").await;
        let someone: String = sqlx::query_scalar(
            "SELECT a.username FROM accounts a JOIN units u ON u.id = a.unit_id \
             WHERE u.code <> 'LX03' AND a.is_learner = 1 ORDER BY a.id LIMIT 1",
        )
        .fetch_one(t.db.reader())
        .await
        .expect("a learner");
        ok(
            &t,
            &office,
            &format!("account move {someone} --unit 娄星区教育局 --reason 调动"),
        )
        .await;
        let unit: String = sqlx::query_scalar(
            "SELECT u.code FROM accounts a JOIN units u ON u.id = a.unit_id WHERE a.username = $1",
        )
        .bind(&someone)
        .fetch_one(t.db.reader())
        .await
        .expect("moved");
        assert_eq!(unit, "LX03");
    }
}

/// A unit list as a GBK CSV, as Excel in China saves it.
fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    assert!(std::str::from_utf8(&bytes).is_err(), "really GBK");
    bytes.into_owned()
}

fn xlsx(rows: &[[&str; 3]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in std::iter::once(&["单位代码", "单位名称", "上级单位代码"])
        .chain(rows)
        .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *v).expect("cell");
        }
    }
    book.save_to_buffer().expect("xlsx")
}

#[tokio::test]
async fn import_is_all_or_nothing_and_idempotent() {
    for t in demo().await {
        let office = actor(&t, "office").await;
        let units = count(&t.db, "SELECT COUNT(*) FROM units").await;
        let audit = count(&t.db, "SELECT COUNT(*) FROM audit_log").await;

        let bad = gbk("单位代码,单位名称,上级单位代码\n\
             N1,新单位一,NOPE\n\
             N2,新单位二,N3\n\
             N3,新单位三,N2\n\
             N1,新单位四,LD\n\
             LX2,娄星区,LD\n\
             LX,涟源市,LD\n\
             LY,娄星区,LD\n\
             N5,合法单位,LD\n");
        let ran = run(&t.db, &office, "unit import", &bad).await;
        assert_eq!(ran.code, 2, "{}: {}", t.name, ran.err);
        for says in [
            "第2行「上级单位代码」：上级单位代码 NOPE 不存在",
            "第3行「上级单位代码」：上级关系成环",
            "第5行「单位代码」：与第2行的单位代码 N1 重复",
            "不能更改含义",
        ] {
            assert!(ran.err.contains(says), "{}: {says} in {}", t.name, ran.err);
        }
        assert!(ran.err.contains("整个文件未导入"), "{}", ran.err);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM units").await, units);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM audit_log").await, audit);

        // A good GBK file: a new unit and a new body under it, in reverse order.
        let good = gbk("单位代码,单位名称,上级单位代码\nN6,新单位六科,N5\nN5,新单位五,LD\n");
        let ran = run(&t.db, &office, "unit import", &good).await;
        assert_eq!(ran.code, 0, "{}: {}", t.name, ran.err);
        assert!(ran.text().contains("新增 2 个"), "{}", ran.text());
        let again = run(&t.db, &office, "unit import", &good).await;
        assert!(again.text().contains("未作任何更改"), "{}", again.text());

        // xlsx: a rename, a move and an addition, reported; then the same file again.
        let file = xlsx(&[
            ["N5", "新单位五（更名）", "LD"],
            ["N6", "新单位六科", "LX"],
            ["N7", "新单位七", "N6"],
        ]);
        let ran = run(&t.db, &office, "unit import", &file).await;
        let said = ran.text();
        assert_eq!(ran.code, 0, "{}: {}", t.name, ran.err);
        assert!(
            said.contains("新增 1 个，改名 1 个，调整上级 1 个，未变 0 个"),
            "{said}"
        );
        assert!(
            said.contains("改名 N5：新单位五 → 新单位五（更名）"),
            "{said}"
        );
        assert!(said.contains("调整 N6：上级 N5 → LX"), "{said}");
        let audit = count(&t.db, "SELECT COUNT(*) FROM audit_log").await;
        let again = run(&t.db, &office, "unit import", &file).await;
        assert_eq!(again.code, 0, "{}", again.err);
        assert!(
            again
                .text()
                .contains("3 个单位与系统中完全一致，未作任何更改"),
            "{}",
            again.text()
        );
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM audit_log").await, audit);
        let rows = list(&t, &office, "unit list --under N6 --format json").await;
        assert_eq!(codes(&rows), ["N6", "N7"]);
        assert_eq!(rows[1]["path"], "LD/LX/N6/N7");
    }
}

#[tokio::test]
async fn the_demo_builds_its_tree_through_the_import() {
    for t in demo().await {
        assert_eq!(
            count(
                &t.db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'unit.import'"
            )
            .await,
            1,
            "{}",
            t.name
        );
        let units = count(&t.db, "SELECT COUNT(*) FROM units").await;
        let added = count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'unit.add'",
        )
        .await;
        assert_eq!(units, added, "{}", t.name);
        let kinds = count(
            &t.db,
            "SELECT COUNT(*) FROM units WHERE (code = 'LX' AND kind = 'county') \
             OR (code = 'SZ01' AND kind = 'city_unit') OR (code = 'LX01' AND kind = 'body') \
             OR (code = 'LD' AND kind = 'city')",
        )
        .await;
        assert_eq!(kinds, 4, "{}", t.name);
        // The demo's own list imported again changes nothing.
        let again = wangyuan::app::unit_tree::import_rows(
            &t.db,
            &Actor::local_operator(),
            wangyuan::demo::seed::unit_rows(),
            common::NOW,
        )
        .await
        .expect("import again");
        assert!(again.changed_nothing(), "{}", t.name);
    }
}
