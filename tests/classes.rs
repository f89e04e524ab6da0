//! Special training classes (issue 14) on both databases: graduation derived from the ledger
//! (the last day counts until 23:59:59 CST, the next day's 00:00 does not; a revocation
//! un-graduates; a closed class no longer changes), a liaison's scope, the all-or-nothing member
//! list with its row report, the JSON keys of `class show`, the certificate's verification. The
//! commands run over real SSH exec (as scripts call them) and in-process through `cmd::run_line`.

mod common;

use common::cmd::Ran;
use common::ssh::{connect, exec, start};
use common::{NOW, TestDb, staff};
use serde_json::Value;
use time::macros::datetime;
use wangyuan::app::actor::RoleKind;
use wangyuan::app::classes::{self, CourseCell};
use wangyuan::app::{Actor, ledger};
use wangyuan::store::Db;

const PASSWORD: &str = "Passw0rd-long";

async fn run(db: &Db, actor: &Actor, line: &str, input: &[u8]) -> Ran {
    common::cmd::run(db, actor, line, input).await
}

/// Learners (id, username) of the unit with `code` and its sub-units, by id.
async fn learners_of(db: &Db, code: &str, n: i64) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT a.id, a.username FROM accounts a JOIN units u ON u.id = a.unit_id \
         WHERE a.is_learner = 1 AND a.status = 'active' \
         AND u.path LIKE (SELECT path FROM units WHERE code = $1) || '%' ORDER BY a.id LIMIT $2",
    )
    .bind(code)
    .bind(n)
    .fetch_all(db.reader())
    .await
    .expect("learners")
}

/// Two published courses: (id, code).
async fn two_courses(db: &Db) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT id, code FROM courses WHERE status = 'published' ORDER BY id LIMIT 2")
        .fetch_all(db.reader())
        .await
        .expect("courses")
}

/// The one ledger entry completing `course` for `account` that is not revoked.
async fn completion_entry(db: &Db, account: i64, course: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT e.id FROM ledger e WHERE e.account_id = $1 AND e.course_id = $2 \
         AND e.kind = 'course' AND NOT EXISTS (SELECT 1 FROM ledger r WHERE r.revokes_id = e.id)",
    )
    .bind(account)
    .bind(course)
    .fetch_one(db.reader())
    .await
    .expect("completion entry")
}

fn row_of<'a>(rows: &'a [Value], username: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["username"] == username)
        .unwrap_or_else(|| panic!("{username} not in {rows:?}"))
}

fn ok(r: &common::ssh::Ran, what: &str) -> String {
    assert_eq!(r.code, Some(0), "{what}: {}", r.err);
    r.text()
}

fn json_rows(r: &common::ssh::Ran) -> Vec<Value> {
    match serde_json::from_str(&ok(r, "json")).expect("json") {
        Value::Array(rows) => rows,
        other => panic!("not an array: {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graduation_follows_the_ledger_until_the_class_is_closed() {
    for t in TestDb::with_city(300).await {
        let db = &t.db;
        let office = staff(db, RoleKind::Office, "office1", None).await;
        let addr = start(db).await;
        let ssh = connect(addr, "office1", PASSWORD)
            .await
            .expect("office signs in");
        let courses = two_courses(db).await;
        let people = learners_of(db, "LX", 3).await;
        let [(a_id, a), (b_id, b), (c_id, c)] = &people[..] else {
            panic!("three LX learners")
        };

        let created = exec(
            &ssh,
            "class create --title 党纪学习教育专题班 --from 2026-06-01 --to 2026-06-30 --format json",
            b"",
        )
        .await;
        let created: Value = serde_json::from_str(&ok(&created, "create")).expect("json");
        assert_eq!(
            created.as_object().map(|o| o.len()),
            Some(1),
            "exactly {{\"id\": N}}: {created}"
        );
        let id = created["id"].as_i64().expect("{\"id\": N}");
        let plain = exec(
            &ssh,
            "class create --title 第二个班 --from 2026-06-01 --to 2026-06-30",
            b"",
        )
        .await;
        assert!(
            ok(&plain, "create").trim().parse::<i64>().is_ok(),
            "prints the id"
        );

        let line = format!("class courses add {id} {} {}", courses[0].1, courses[1].1);
        ok(&exec(&ssh, &line, b"").await, "courses");
        let list = format!("{a}\n{b}\n\n{c}\n");
        ok(
            &exec(&ssh, &format!("class members add {id}"), list.as_bytes()).await,
            "members",
        );
        ok(&exec(&ssh, &format!("class open {id}"), b"").await, "open");

        // a: the second course at 23:59:59 on the last day (counts); b: at 00:00 the next day
        // (does not); c: only the first.
        let day = datetime!(2026-06-10 10:00 +8).unix_timestamp();
        let last_second = datetime!(2026-06-30 23:59:59 +8).unix_timestamp();
        let next_day = datetime!(2026-07-01 00:00 +8).unix_timestamp();
        for who in [*a_id, *b_id, *c_id] {
            ledger::complete_course(db, who, courses[0].0, day)
                .await
                .expect("first");
        }
        ledger::complete_course(db, *a_id, courses[1].0, last_second)
            .await
            .expect("a");
        ledger::complete_course(db, *b_id, courses[1].0, next_day)
            .await
            .expect("b");

        let rows = json_rows(&exec(&ssh, &format!("class show {id} --format json"), b"").await);
        assert_eq!(rows.len(), 3, "{}", t.name);
        let keys: Vec<&str> = rows[0]
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut want = vec![
            "username",
            "name",
            "unit_code",
            "unit",
            "courses_done",
            "courses_total",
            "percent",
            "graduated",
            "graduated_at",
        ];
        want.sort();
        let mut got = keys.clone();
        got.sort();
        assert_eq!(got, want, "class show's JSON keys");
        let ra = row_of(&rows, a);
        assert_eq!(ra["graduated"], true, "{}: 23:59:59 counts", t.name);
        assert_eq!(ra["graduated_at"], "2026-06-30T23:59:59+08:00");
        assert_eq!(
            (ra["courses_done"].as_i64(), ra["percent"].as_i64()),
            (Some(2), Some(100))
        );
        let rb = row_of(&rows, b);
        assert_eq!(
            rb["graduated"], false,
            "{}: 00:00 the next day does not",
            t.name
        );
        assert_eq!(rb["graduated_at"], Value::Null);
        assert_eq!(
            (rb["courses_done"].as_i64(), rb["percent"].as_i64()),
            (Some(1), Some(50))
        );
        assert_eq!(row_of(&rows, c)["courses_done"].as_i64(), Some(1));

        let board = classes::board(db, &office, id, &Default::default())
            .await
            .expect("board");
        let b_row = board
            .rows
            .iter()
            .find(|r| r.username == b.as_str())
            .expect("b");
        assert_eq!(b_row.cells[1], CourseCell::Outside(next_day));
        assert_eq!(board.class.graduates, 1);

        let grads =
            json_rows(&exec(&ssh, &format!("class graduates {id} --format json"), b"").await);
        assert_eq!(grads.len(), 1);
        assert_eq!(grads[0]["username"], a.as_str());

        // The certificate and its public check.
        let cert = classes::certificate(db, *a_id, id)
            .await
            .expect("read")
            .expect("graduate");
        assert_eq!(cert.class_title, "党纪学习教育专题班");
        let seen = classes::verify(db, &cert.code.to_lowercase())
            .await
            .expect("verify")
            .expect("valid");
        assert_eq!(
            (seen.class_title.as_str(), seen.graduated_on.as_str()),
            ("党纪学习教育专题班", "2026-06-30")
        );
        assert!(
            classes::certificate(db, *b_id, id)
                .await
                .expect("read")
                .is_none()
        );
        assert!(
            classes::verify(db, "ABCDEFGHJKMN")
                .await
                .expect("verify")
                .is_none()
        );

        // A revocation un-graduates; completing the course again inside the dates graduates anew.
        let entry = completion_entry(db, *a_id, courses[1].0).await;
        ledger::revoke(
            db,
            &office,
            entry,
            "测试撤销",
            datetime!(2026-06-20 9:00 +8).unix_timestamp(),
        )
        .await
        .expect("revoke");
        let rows = json_rows(&exec(&ssh, &format!("class show {id} --format json"), b"").await);
        assert_eq!(row_of(&rows, a)["graduated"], false, "{}: revoked", t.name);
        assert!(
            classes::verify(db, &cert.code)
                .await
                .expect("verify")
                .is_none(),
            "no longer valid"
        );
        let again = datetime!(2026-06-21 15:30 +8).unix_timestamp();
        ledger::complete_course(db, *a_id, courses[1].0, again)
            .await
            .expect("again");
        let rows = json_rows(&exec(&ssh, &format!("class show {id} --format json"), b"").await);
        assert_eq!(
            row_of(&rows, a)["graduated_at"],
            "2026-06-21T15:30:00+08:00"
        );

        // Closing freezes the result: a later revocation and a later completion change nothing.
        let closed_at = datetime!(2026-07-02 9:00 +8).unix_timestamp();
        classes::close(db, &office, id, closed_at)
            .await
            .expect("close");
        let frozen = exec(&ssh, &format!("class show {id} --format json"), b"").await;
        let entry = completion_entry(db, *a_id, courses[1].0).await;
        ledger::revoke(db, &office, entry, "结班后撤销", closed_at + 86_400)
            .await
            .expect("revoke");
        ledger::complete_course(db, *c_id, courses[1].0, closed_at + 86_400)
            .await
            .expect("c");
        let after = exec(&ssh, &format!("class show {id} --format json"), b"").await;
        assert_eq!(
            ok(&after, "after"),
            ok(&frozen, "frozen"),
            "{}: frozen",
            t.name
        );
        let board = classes::board(db, &office, id, &Default::default())
            .await
            .expect("board");
        let a_row = board
            .rows
            .iter()
            .find(|r| r.username == a.as_str())
            .expect("a");
        assert_eq!(
            a_row.cells[1],
            CourseCell::Done(again),
            "the ledger as it stood at closing"
        );
        let refused = exec(&ssh, &format!("class members add {id} {}", a), b"").await;
        assert_eq!(
            refused.code,
            Some(1),
            "a closed class takes no members: {}",
            refused.err
        );

        // The printable roster and the other formats.
        let page = ok(
            &exec(&ssh, &format!("class print {id}"), b"").await,
            "print",
        );
        assert!(page.starts_with("<!DOCTYPE html>") && page.contains("党纪学习教育专题班"));
        let csv = exec(&ssh, &format!("class show {id} --format csv"), b"").await;
        assert!(ok(&csv, "csv").starts_with("用户名,姓名"), "{}", csv.text());
        let xlsx = exec(&ssh, &format!("class graduates {id} --format xlsx"), b"").await;
        assert!(xlsx.out.starts_with(b"PK\x03\x04"));
        let listed = json_rows(&exec(&ssh, "class list --format json", b"").await);
        let mine = listed.iter().find(|r| r["id"] == id).expect("listed");
        assert_eq!(
            (mine["status"].as_str(), mine["members"].as_i64()),
            (Some("closed"), Some(3))
        );

        // Members were told (a class notice addressed to them, through app::notices).
        let notices: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notice_recipients r JOIN notice_messages m ON m.id = r.notice_id \
             WHERE r.account_id = $1 AND m.kind = 'class' AND m.title LIKE '%党纪学习教育专题班%'",
        )
        .bind(*a_id)
        .fetch_one(db.reader())
        .await
        .expect("notices");
        assert_eq!(notices, 1, "{}", t.name);
        let mine = classes::mine(db, *a_id, NOW).await.expect("mine");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].graduated_at, Some(again));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_liaison_works_only_within_their_scope() {
    for t in TestDb::with_city(300).await {
        let db = &t.db;
        let office = staff(db, RoleKind::Office, "office1", None).await;
        let lx = staff(db, RoleKind::Unit, "lx1", Some("LX")).await;
        let xh = staff(db, RoleKind::Unit, "xh1", Some("XH")).await;
        let courses = two_courses(db).await;
        let lx_people = learners_of(db, "LX", 2).await;
        let xh_people = learners_of(db, "XH", 1).await;

        let created = run(
            db,
            &lx,
            "class create --title 娄星区班 --from 2026-06-01 --to 2026-06-30",
            b"",
        )
        .await;
        assert_eq!(created.code, 0, "{}", created.err);
        let id: i64 = created.text().trim().parse().expect("id");
        let city = run(
            db,
            &office,
            "class create --title 全市班 --from 2026-06-01 --to 2026-06-30",
            b"",
        )
        .await;
        let city_id: i64 = city.text().trim().parse().expect("id");

        // Another unit's liaison neither sees nor edits the class.
        for line in [
            format!("class show {id}"),
            format!("class edit {id} --title 改名"),
            format!("class courses add {id} {}", courses[0].1),
            format!("class open {id}"),
        ] {
            let r = run(db, &xh, &line, b"").await;
            assert_eq!(r.code, 4, "{}: {line}: {}", t.name, r.err);
            assert!(!r.err.contains("娄星区班"), "{}: {line}: {}", t.name, r.err);
            assert!(r.out.is_empty());
        }
        let seen = run(db, &xh, "class list --format json", b"").await.json();
        assert!(
            seen.iter().all(|r| r["id"] != id && r["id"] != city_id),
            "{seen:?}"
        );
        // Nor does the LX liaison see the city-wide class; the office sees both.
        assert_eq!(
            run(db, &lx, &format!("class show {city_id}"), b"")
                .await
                .code,
            4
        );
        let all = run(db, &office, "class list --format json", b"")
            .await
            .json();
        assert!(all.iter().any(|r| r["id"] == id) && all.iter().any(|r| r["id"] == city_id));
        // A liaison cannot organise for another unit.
        let other = run(
            db,
            &lx,
            "class create --title X --from 2026-06-01 --to 2026-06-02 --unit XH",
            b"",
        )
        .await;
        assert_eq!(other.code, 3, "{}", other.err);

        // Another unit's cadre is refused by name, and nothing is added (all or nothing).
        let list = format!(
            "{}\n{}\n{}\n",
            lx_people[0].1, xh_people[0].1, lx_people[1].1
        );
        let refused = run(db, &lx, &format!("class members add {id}"), list.as_bytes()).await;
        assert_eq!(refused.code, 2, "{}: {}", t.name, refused.err);
        assert!(
            refused.err.contains("第 2 行") && refused.err.contains(&xh_people[0].1),
            "{}",
            refused.err
        );
        assert!(refused.err.contains("不在本班组织单位"), "{}", refused.err);
        let summary = classes::show(db, &lx, id).await.expect("show");
        assert_eq!(summary.summary.members, 0, "{}: nothing added", t.name);
        let by_unit = run(db, &lx, &format!("class members add {id} --unit XH"), b"").await;
        assert_eq!(by_unit.code, 3, "{}", by_unit.err);
        // Within scope it works, and the office may manage the liaison's class too.
        let ok = run(db, &lx, &format!("class members add {id} --unit LX"), b"").await;
        assert_eq!(ok.code, 0, "{}", ok.err);
        let lx_count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM class_members WHERE class_id = $1")
                .bind(id)
                .fetch_one(db.reader())
                .await
                .expect("count");
        assert!(lx_count >= 2, "{}: {lx_count}", t.name);
        let edit = run(
            db,
            &office,
            &format!("class edit {id} --title 娄星区专题班"),
            b"",
        )
        .await;
        assert_eq!(edit.code, 0, "{}", edit.err);
        // Every write is audited.
        let audited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE target = $1 AND action LIKE 'class.%'",
        )
        .bind(format!("class:{id}"))
        .fetch_one(db.reader())
        .await
        .expect("audit");
        assert_eq!(audited, 3, "{}: create, members, edit", t.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_list_is_added_whole_or_not_at_all_with_a_row_report() {
    for t in TestDb::with_city(40).await {
        let db = &t.db;
        let office = staff(db, RoleKind::Office, "office1", None).await;
        let people = learners_of(db, "LD", 3).await;
        let id: i64 = run(
            db,
            &office,
            "class create --title 名单班 --from 2026-06-01 --to 2026-06-30",
            b"",
        )
        .await
        .text()
        .trim()
        .parse()
        .expect("id");
        let id_number: String = sqlx::query_scalar("SELECT id_number FROM accounts WHERE id = $1")
            .bind(people[2].0)
            .fetch_one(db.reader())
            .await
            .expect("id number");
        let bad = format!(
            "用户名\n{}\nnobody_here\n{}\n{}\noffice1\n",
            people[0].1, people[0].1, id_number
        );
        let checked = run(
            db,
            &office,
            &format!("class members add {id} --check --format json"),
            bad.as_bytes(),
        )
        .await
        .json();
        let verdicts: Vec<(i64, &str)> = checked
            .iter()
            .map(|r| {
                (
                    r["line"].as_i64().expect("line"),
                    r["verdict"].as_str().expect("verdict"),
                )
            })
            .collect();
        assert_eq!(
            verdicts,
            vec![
                (2, "add"),
                (3, "refused"),
                (4, "refused"),
                (5, "add"),
                (6, "refused")
            ],
            "{}: {checked:?}",
            t.name
        );
        let refused = run(
            db,
            &office,
            &format!("class members add {id}"),
            bad.as_bytes(),
        )
        .await;
        assert_eq!(refused.code, 2, "{}", refused.err);
        for needle in [
            "第 3 行 nobody_here",
            "第 4 行",
            "与第 2 行是同一人",
            "第 6 行",
            "不是学员",
        ] {
            assert!(refused.err.contains(needle), "{needle}: {}", refused.err);
        }
        assert_eq!(
            classes::show(db, &office, id)
                .await
                .expect("show")
                .summary
                .members,
            0
        );

        // The same people as an xlsx's first column.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet
            .write_string(0, 0, "用户名或身份证号")
            .expect("header");
        sheet.write_string(1, 0, &people[0].1).expect("a");
        sheet.write_string(2, 0, &id_number).expect("b");
        sheet.write_string(2, 1, "备注").expect("note");
        let xlsx = book.save_to_buffer().expect("xlsx");
        let added = run(db, &office, &format!("class members add {id}"), &xlsx).await;
        assert_eq!(added.code, 0, "{}", added.err);
        assert!(added.text().contains("添加学员 2 人"), "{}", added.text());
        // One by one, and a second time: already a member, nothing changes.
        let one = run(
            db,
            &office,
            &format!("class members add {id} {}", people[1].1),
            b"",
        )
        .await;
        assert!(one.text().contains("添加学员 1 人"), "{}", one.text());
        let twice = run(
            db,
            &office,
            &format!("class members add {id} {}", people[1].1),
            b"",
        )
        .await;
        assert!(
            twice.text().contains("添加学员 0 人（已在班中 1 人）"),
            "{}",
            twice.text()
        );
        // Removal keeps the row and needs a reason.
        let no_reason = run(
            db,
            &office,
            &format!("class members remove {id} {}", people[1].1),
            b"",
        )
        .await;
        assert_eq!(no_reason.code, 2);
        let removed = run(
            db,
            &office,
            &format!(
                "class members remove {id} {} --reason 调离本市",
                people[1].1
            ),
            b"",
        )
        .await;
        assert_eq!(removed.code, 0, "{}", removed.err);
        let kept: (Option<i64>, Option<String>) = sqlx::query_as(
            "SELECT removed_at, removed_reason FROM class_members WHERE class_id = $1 AND account_id = $2",
        )
        .bind(id)
        .bind(people[1].0)
        .fetch_one(db.reader())
        .await
        .expect("row kept");
        assert!(
            kept.0.is_some() && kept.1.as_deref() == Some("调离本市"),
            "{kept:?}"
        );
        assert_eq!(
            classes::show(db, &office, id)
                .await
                .expect("show")
                .summary
                .members,
            2
        );

        // `wangyuan check` proves the cached progress equals the recomputation, and sees a lie.
        let clean = wangyuan::app::check::run(db).await.expect("check");
        assert!(
            clean.findings.is_empty(),
            "{}: {:?}",
            t.name,
            clean.findings
        );
        sqlx::query(
            "UPDATE class_members SET done_count = 1 WHERE class_id = $1 AND removed_at IS NULL",
        )
        .bind(id)
        .execute(db.reader())
        .await
        .expect("tamper");
        let found = wangyuan::app::check::run(db).await.expect("check");
        assert!(
            found
                .findings
                .iter()
                .any(|f| f.problem.contains("培训班") && f.ids == vec![id]),
            "{}: {:?}",
            t.name,
            found.findings
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn earlier_completions_and_the_elective_minimum_follow_the_organiser() {
    use wangyuan::rules::Tenths;
    use wangyuan::rules::credits::{CourseKind, course_credit};
    for t in TestDb::with_city(300).await {
        let db = &t.db;
        let office = staff(db, RoleKind::Office, "office1", None).await;
        let (a_id, a) = learners_of(db, "LX", 1).await.remove(0);
        let (required_id, required_code): (i64, String) = sqlx::query_as(
            "SELECT id, code FROM courses WHERE status = 'published' AND kind = 'required' ORDER BY id LIMIT 1",
        )
        .fetch_one(db.reader())
        .await
        .expect("a required course");
        let (elective_id, category, duration, designated): (i64, String, i64, Option<i64>) =
            sqlx::query_as(
                "SELECT id, category, duration_s, designated_tenths FROM courses \
                 WHERE status = 'published' AND kind = 'elective' ORDER BY id LIMIT 1",
            )
            .fetch_one(db.reader())
            .await
            .expect("an elective course");
        let credit = course_credit(CourseKind::Elective, duration, designated.map(Tenths)).tenths;
        let created = run(
            db,
            &office,
            &format!(
                "class create --title 选修要求班 --from 2026-06-01 --to 2026-06-30 --min-elective {category}:{credit}"
            ),
            b"",
        )
        .await;
        assert_eq!(created.code, 0, "{}", created.err);
        let id: i64 = created.text().trim().parse().expect("id");
        for line in [
            format!("class courses add {id} {required_code}"),
            format!("class members add {id} {a}"),
            format!("class open {id}"),
        ] {
            let r = run(db, &office, &line, b"").await;
            assert_eq!(r.code, 0, "{line}: {}", r.err);
        }
        let before = datetime!(2026-05-20 9:00 +8).unix_timestamp();
        ledger::complete_course(db, a_id, required_id, before)
            .await
            .expect("before the class");
        let row = only_row(db, &office, id).await;
        assert_eq!(
            row["courses_done"].as_i64(),
            Some(0),
            "{}: earlier does not count",
            t.name
        );
        let edit = run(
            db,
            &office,
            &format!("class edit {id} --earlier-counts yes"),
            b"",
        )
        .await;
        assert_eq!(edit.code, 0, "{}", edit.err);
        let row = only_row(db, &office, id).await;
        assert_eq!(row["courses_done"].as_i64(), Some(1), "{}", t.name);
        assert_eq!(
            row["graduated"], false,
            "{}: the elective minimum is not met",
            t.name
        );
        let elective_at = datetime!(2026-06-15 10:00 +8).unix_timestamp();
        ledger::complete_course(db, a_id, elective_id, elective_at)
            .await
            .expect("the elective");
        let row = only_row(db, &office, id).await;
        assert_eq!(
            row["graduated_at"], "2026-06-15T10:00:00+08:00",
            "{}",
            t.name
        );
        let edit = run(
            db,
            &office,
            &format!("class edit {id} --min-elective none"),
            b"",
        )
        .await;
        assert_eq!(edit.code, 0, "{}", edit.err);
        let row = only_row(db, &office, id).await;
        assert_eq!(
            row["graduated_at"], "2026-05-20T09:00:00+08:00",
            "{}",
            t.name
        );
        let bad = run(
            db,
            &office,
            &format!("class edit {id} --min-elective 没有:1"),
            b"",
        )
        .await;
        assert_eq!(bad.code, 2, "{}", bad.err);
        let bad = run(
            db,
            &office,
            &format!("class edit {id} --from 2026-07-01"),
            b"",
        )
        .await;
        assert_eq!(bad.code, 2, "the last day before the first: {}", bad.err);
    }
}

/// The one member's row of `class show ID --format json`.
async fn only_row(db: &Db, actor: &Actor, id: i64) -> Value {
    let rows = run(db, actor, &format!("class show {id} --format json"), b"")
        .await
        .json();
    rows.into_iter().next().expect("one member")
}

/// The TUI form saves fields and courses together: a refused course code leaves neither a new
/// class nor a half-applied edit behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_course_refuses_the_whole_save() {
    for t in TestDb::with_city(300).await {
        let db = &t.db;
        let office = staff(db, RoleKind::Office, "office1", None).await;
        let courses = two_courses(db).await;
        let form = classes::ClassForm {
            title: "一次保存班".into(),
            from: "2026-06-01".into(),
            to: "2026-06-30".into(),
            ..Default::default()
        };
        let count = || async {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM classes")
                .fetch_one(db.reader())
                .await
                .expect("count")
        };
        let before = count().await;
        let bad = vec![courses[0].1.clone(), "NO-SUCH-COURSE".to_string()];
        let refused = classes::create_with_courses(db, &office, &form, &bad, NOW).await;
        assert!(refused.is_err(), "{}: a bad code refuses the class", t.name);
        assert_eq!(count().await, before, "{}: no class left behind", t.name);

        let good = vec![courses[0].1.clone()];
        let id = classes::create_with_courses(db, &office, &form, &good, NOW)
            .await
            .expect("created with its course");
        let patch = classes::ClassPatch {
            title: Some("改过的名字".into()),
            ..Default::default()
        };
        let changed = classes::change(db, &office, id, &patch, &bad, &[], NOW).await;
        assert!(changed.is_err(), "{}: a bad code refuses the edit", t.name);
        let detail = classes::show(db, &office, id).await.expect("show");
        assert_eq!(
            detail.summary.title, "一次保存班",
            "{}: title unchanged",
            t.name
        );
        assert_eq!(detail.courses.len(), 1, "{}: courses unchanged", t.name);

        classes::change(db, &office, id, &patch, &[courses[1].1.clone()], &[], NOW)
            .await
            .expect("a good save");
        let detail = classes::show(db, &office, id).await.expect("show");
        assert_eq!(detail.summary.title, "改过的名字", "{}", t.name);
        assert_eq!(detail.courses.len(), 2, "{}", t.name);
    }
}
