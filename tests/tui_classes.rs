//! The 培训班 tab over real SSH on both databases (issue 14, points 1–3): russh clients on an
//! 80×24 PTY type keys and read the screen through vt100. The office creates a class in the
//! form (courses picked from the published catalogue by a search), adds a county's learners by
//! its name, opens the class and follows its board; a completion written to the ledger (as a
//! learner's playback writes it) shows on the open board without a key pressed, and a member
//! who completes every course shows as graduated. A liaison sees only classes of their scope.

mod common;

use common::TestDb;
use common::ssh::{Pty, connect, start};
use time::macros::offset;
use wangyuan::app::ledger;
use wangyuan::store::Db;

const WIDTH: u16 = 80;
const HEIGHT: u16 = 24;
const TITLE: &str = "测试专题班";

/// Two published courses with the fewest completions (none, in the demo): (id, code).
async fn two_courses(db: &Db) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT c.id, c.code FROM courses c WHERE c.status = 'published' ORDER BY \
         (SELECT COUNT(*) FROM ledger l WHERE l.course_id = c.id), c.code LIMIT 2",
    )
    .fetch_all(db.reader())
    .await
    .expect("courses")
}

/// (class id, members) of the class with `title`.
async fn class_of(db: &Db, title: &str) -> Option<(i64, i64)> {
    sqlx::query_as(
        "SELECT c.id, (SELECT CAST(COUNT(*) AS BIGINT) FROM class_members m \
         WHERE m.class_id = c.id AND m.removed_at IS NULL) FROM classes c WHERE c.title = $1",
    )
    .bind(title.to_string())
    .fetch_optional(db.reader())
    .await
    .expect("class")
}

/// A member of the class who completed none of its courses yet: (id, real name).
async fn a_member(db: &Db, class: i64) -> (i64, String) {
    sqlx::query_as(
        "SELECT a.id, a.real_name FROM class_members m JOIN accounts a ON a.id = m.account_id \
         WHERE m.class_id = $1 AND m.removed_at IS NULL AND NOT EXISTS (SELECT 1 FROM ledger l \
         JOIN class_courses cc ON cc.course_id = l.course_id AND cc.class_id = m.class_id \
         WHERE l.account_id = a.id) ORDER BY a.id LIMIT 1",
    )
    .bind(class)
    .fetch_one(db.reader())
    .await
    .expect("a member with nothing completed")
}

/// Today and a day 30 days either side, CST, as the form takes them.
fn days_around_today() -> (String, String, String) {
    let today = time::OffsetDateTime::now_utc()
        .to_offset(offset!(+8))
        .date();
    let day = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    (
        day(today - time::Duration::days(30)),
        day(today),
        day(today + time::Duration::days(30)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_office_runs_a_class_from_the_tui_and_the_board_follows_the_ledger() {
    for t in TestDb::all().await {
        let summary = common::seed_demo(&t.db, 50).await;
        let addr = start(&t.db).await;
        let password = common::staff_password(&summary, "office");
        let office = connect(addr, "office", &password).await.expect("office");
        let mut pty = Pty::open(&office, WIDTH, HEIGHT, &format!("{} office", t.name)).await;
        pty.expect(&["总览"]).await;
        // 培训班 is the last tab but one (通知 is last).
        pty.send(b"\x1b[D").await;
        pty.expect(&["收到的通知"]).await;
        pty.send(b"\x1b[D").await;
        pty.expect(&["培训班 · ", "结业率"]).await;

        // The form: a bad date is named as typed; the courses come from a search.
        let courses = two_courses(&t.db).await;
        let (from, today, to) = days_around_today();
        pty.send(b"n").await;
        pty.expect(&["新建培训班（草稿）", "请填写培训班名称"])
            .await;
        pty.send(TITLE.as_bytes()).await;
        pty.send(b"\r\r").await;
        pty.send(b"2026-13-01").await;
        pty.expect(&["开始日期"]).await;
        pty.expect(&["无效"]).await;
        pty.send(&[0x15]).await; // Ctrl-U clears the line
        pty.send(from.as_bytes()).await;
        pty.send(b"\r").await;
        pty.send(to.as_bytes()).await;
        pty.send(b"\r").await;
        pty.expect(&["课程：（未选"]).await;
        pty.send(b"\r").await;
        pty.expect(&["选择课程（已选 0 门）"]).await;
        for (_, code) in &courses {
            pty.send(&[0x15]).await;
            pty.send(code.as_bytes()).await;
            pty.expect(&[&format!("[ ] {code}")]).await;
            pty.send(b" ").await;
            pty.expect(&[&format!("[✓] {code}")]).await;
        }
        pty.send(b"\r").await;
        pty.expect(&["课程：2 门"]).await;
        // Past the courses, the elective minimum (none) and "earlier counts" (no) to save.
        pty.send(b"\t\r\r\r").await;
        pty.expect(&["保存为草稿"]).await;
        pty.send(b"y").await;
        pty.expect(&["已新建培训班", "课程 2 门"]).await;
        let (class, members) = class_of(&t.db, TITLE).await.expect("class made");
        assert_eq!(members, 0);

        // Members by the county's name: the question names the unit found.
        pty.send(b"/").await;
        pty.send(TITLE.as_bytes()).await;
        pty.send(b"\r").await;
        pty.expect(&["草稿"]).await;
        pty.send(b"a").await;
        pty.expect(&["按单位添加"]).await;
        pty.send("娄星区".as_bytes()).await;
        pty.send(b"\r").await;
        pty.expect(&["娄星区（LX，含下级单位）"]).await;
        pty.send(b"y").await;
        pty.expect(&["已加入"]).await;
        let (_, members) = class_of(&t.db, TITLE).await.expect("class");
        assert!(members > 0, "members added");

        // Open it (a draft only), then its board.
        pty.send(b"o").await;
        pty.expect(&["开班「"]).await;
        pty.send(b"y").await;
        pty.expect(&["已开班"]).await;
        pty.send(b"\r").await;
        pty.expect(&[&format!("「{TITLE}」"), "结业率 0.0%", &courses[0].1])
            .await;
        let screen = pty.contents();
        assert!(
            !screen.contains('✓'),
            "nothing done in the dates yet:\n{screen}"
        );

        // A learner completes both courses now: the board shows it without a key pressed.
        let (member, name) = a_member(&t.db, class).await;
        let now = wangyuan::app::now();
        for (course, _) in &courses {
            ledger::complete_course(&t.db, member, *course, now)
                .await
                .expect("completion");
        }
        let graduated = format!("✓ {today}");
        pty.expect(&["2/2", &graduated]).await;
        let line = pty
            .contents()
            .lines()
            .find(|l| l.contains(&name))
            .map(str::to_string)
            .unwrap_or_default();
        assert!(line.contains("2/2") && line.contains(&graduated), "{line}");

        // Enter on the member opens their archive, as 花名册 does.
        let rows: Vec<String> = pty.contents().lines().map(str::to_string).collect();
        let at = rows.iter().position(|l| l.contains(&name)).expect("row");
        let first = rows
            .iter()
            .position(|l| l.contains('▶'))
            .expect("selection");
        for _ in first..at {
            pty.send(b"j").await;
        }
        pty.send(b"\r").await;
        pty.expect(&[&name, "电子档案"]).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_liaison_sees_only_the_classes_of_their_scope() {
    for t in TestDb::all().await {
        let summary = common::seed_demo(&t.db, 30).await;
        let addr = start(&t.db).await;
        let password = common::staff_password(&summary, "lx_liaison");
        let lx = connect(addr, "lx_liaison", &password)
            .await
            .expect("liaison");
        let mut pty = Pty::open(&lx, WIDTH, HEIGHT, &format!("{} lx", t.name)).await;
        pty.expect(&["总览"]).await;
        pty.send(b"\x1b[D").await;
        pty.expect(&["收到的通知"]).await;
        pty.send(b"\x1b[D").await;
        pty.expect(&["培训班 · 1 个", "LX 娄星区"]).await;
        let screen = pty.contents();
        assert!(
            !screen.contains("LD 娄底市"),
            "the city's class is not shown:\n{screen}"
        );
    }
}
