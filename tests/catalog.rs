//! The catalogue and the year settings from the commands, on both databases (issue 13 points 4,
//! 5, 7, 8): `course add|edit|publish|retire|show|import` by the college and the office, a draft
//! or retired course invisible to learners (web catalogue and course page, playback, exams),
//! retiring and credit changes that keep earned credits, an idempotent all-or-nothing import, and
//! `year show|set` with the fallback to the previous year's settings.

mod common;

use common::http::{Browser, Site};
use common::{NOW, TestDb, count, staff};
use reqwest::StatusCode;
use wangyuan::app::actor::RoleKind;
use wangyuan::app::catalog::Filter;
use wangyuan::app::{Actor, Error, exams, learner, ledger, playback, standings};
use wangyuan::rules::Tenths;
use wangyuan::store::Db;

async fn run(db: &Db, actor: &Actor, line: &str, stdin: &str) -> (i32, String, String) {
    common::cmd::run_text(db, actor, line, stdin).await
}

async fn status_of(db: &Db, code: &str) -> String {
    sqlx::query_scalar("SELECT status FROM courses WHERE code = $1")
        .bind(code)
        .fetch_one(db.reader())
        .await
        .expect("course")
}

async fn visible(db: &Db, me: &Actor, code: &str) -> bool {
    learner::catalogue(db, me, &Filter::default())
        .await
        .expect("catalogue")
        .iter()
        .any(|l| l.course.code == code)
}

async fn earned(db: &Db, id: i64) -> wangyuan::rules::standing::Standing {
    wangyuan::store::ledger::standing_of(db.reader(), id, 2026)
        .await
        .expect("standing")
}

async fn active_learner(db: &Db) -> Actor {
    let name: String = sqlx::query_scalar(
        "SELECT username FROM accounts WHERE is_learner = 1 AND status = 'active' ORDER BY id LIMIT 1",
    )
    .fetch_one(db.reader())
    .await
    .expect("learner");
    Actor::load(db, &name, "127.0.0.1").await.expect("actor")
}

#[tokio::test]
async fn a_course_goes_from_draft_to_published_to_retired() {
    for (t, password) in TestDb::with_city_password(3).await {
        let db = &t.db;
        let college = staff(db, RoleKind::College, "college", None).await;
        let office = staff(db, RoleKind::Office, "office", None).await;
        let liaison = staff(db, RoleKind::Unit, "liaison", Some("LX")).await;
        let me = active_learner(db).await;

        let add = "course add NEW01 --title 新时代党的建设 --category 党的建设 --kind 必修 \
                   --source local --duration 4050";
        let (code, out, err) = run(db, &liaison, add, "").await;
        assert_eq!(code, 3, "{}: a unit may not add: {out}{err}", t.name);
        assert!(err.contains("市网络学院"), "{err}");
        let (code, out, err) = run(db, &college, add, "").await;
        assert_eq!(code, 0, "{}: {err}", t.name);
        // 67 min 30 s rounds up to 2 class hours: the rule text says so.
        assert!(
            out.contains("草稿") && out.contains("必修 67分30秒 → 2学时 × 1 = 2.0"),
            "{out}"
        );
        assert_eq!(status_of(db, "NEW01").await, "draft");
        let (code, _, err) = run(db, &college, add, "").await;
        assert_eq!(code, 1, "a code twice: {err}");

        // A draft reaches no learner: not in the catalogue, no playback, no exam.
        assert!(!visible(db, &me, "NEW01").await);
        let opened = playback::open(db, &me, "NEW01", "n", NOW).await;
        assert!(matches!(opened, Err(Error::NotFound(_))), "{opened:?}");
        let (show_code, shown, err) = run(db, &college, "course show NEW01", "").await;
        assert_eq!(show_code, 0, "{err}");
        assert!(shown.contains("草稿") && shown.contains("2学时"), "{shown}");

        // On the web too: the catalogue page does not list it and its page is not found.
        let site = Site::start(db, NOW).await;
        let mut browser = Browser::new(&site);
        assert_eq!(
            browser.sign_in(&me.username, &password).await.status,
            StatusCode::SEE_OTHER
        );
        let list = browser.get("/courses").await;
        assert!(!list.body.contains("NEW01"), "{}", t.name);
        assert_eq!(
            browser.get("/courses/NEW01").await.status,
            StatusCode::NOT_FOUND
        );

        let (code, out, err) = run(db, &office, "course publish NEW01", "").await;
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("已发布"), "{out}");
        let (code, _, _) = run(db, &office, "course publish NEW01", "").await;
        assert_eq!(code, 1, "already published");
        assert!(visible(db, &me, "NEW01").await);
        let page = browser.get("/courses/NEW01").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("必修 67分30秒 → 2学时 × 1 = 2.0"),
            "{}",
            page.body
        );

        // Edit: a designated credit needs its reason; the rule text shows it.
        let (code, _, err) = run(db, &college, "course edit NEW01 --designated 3", "").await;
        assert_eq!(code, 2, "no reason: {err}");
        assert!(err.contains("理由"), "{err}");
        let (code, out, err) = run(
            db,
            &college,
            "course edit NEW01 --title 新时代党的建设（修订） --designated 3 --reason 省委组织部指定",
            "",
        )
        .await;
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("2.0 → 3.0"), "{out}");
        let (_, json, _) = run(db, &college, "course show NEW01 --format json", "").await;
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(v["status"], "published");
        assert_eq!(v["credits"], 3.0);
        assert_eq!(v["designated_reason"], "省委组织部指定");
        assert_eq!(v["title"], "新时代党的建设（修订）");

        // Bad values are refused with the field named, and change nothing.
        for (line, field) in [
            ("course edit NEW01 --category 哲学", "类别"),
            ("course edit NEW01 --kind 必选", "类型"),
            ("course edit NEW01 --duration 0", "时长"),
            ("course edit NEW01 --duration 3x", "时长"),
            (
                "course add BAD! --title t --category theory --kind required --source local --duration 60",
                "课程编号",
            ),
        ] {
            let (code, _, err) = run(db, &college, line, "").await;
            assert_eq!(code, 2, "{line}: {err}");
            assert!(err.contains(field), "{line}: {err}");
        }
        let long = format!("course edit NEW01 --title {}", "课".repeat(101));
        assert_eq!(run(db, &college, &long, "").await.0, 2);

        let (code, out, err) = run(db, &college, "course retire NEW01", "").await;
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("已取得的学分不变"), "{out}");
        assert!(!visible(db, &me, "NEW01").await);
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'course.%'"
            )
            .await,
            5
        );
    }
}

#[tokio::test]
async fn retiring_keeps_earned_credits_and_closes_the_exam() {
    for t in TestDb::with_city(3).await {
        let db = &t.db;
        let college = staff(db, RoleKind::College, "college", None).await;
        let me = active_learner(db).await;
        let id = me.account_id.expect("id");
        let (course_id, code): (i64, String) = sqlx::query_as(
            "SELECT c.id, c.code FROM courses c JOIN exams e ON e.course_id = c.id ORDER BY c.code LIMIT 1",
        )
        .fetch_one(db.reader())
        .await
        .expect("course with exam");
        ledger::complete_course(db, id, course_id, NOW)
            .await
            .expect("complete");
        let before = earned(db, id).await;
        assert!(exams::info(db, &me, &code).await.expect("exam").is_some());

        let (c, _, err) = run(db, &college, &format!("course retire {code}"), "").await;
        assert_eq!(c, 0, "{err}");
        let after = earned(db, id).await;
        assert_eq!(before, after, "{}: retiring took no credit", t.name);
        let info = exams::info(db, &me, &code).await;
        assert!(matches!(info, Err(Error::NotFound(_))), "{info:?}");
        let (c, shown, _) = run(db, &college, &format!("course show {code}"), "").await;
        assert_eq!(c, 0);
        assert!(
            shown.contains("已停用") && shown.contains("结业测试"),
            "{shown}"
        );
    }
}

const FEED: &str = "课程编号,课程名称,类别,类型,来源,时长（秒）,指定学分\n\
                    FEED01,基层治理现代化,社会建设,必修,省级推送,4050,\n\
                    FEED02,\"数字政府, 建设实务\",economy,elective,provincial,2700,\n\
                    FEED03,娄底红色文化,文化建设,选修,本地特色,1800,1.5\n";

#[tokio::test]
async fn an_import_is_idempotent_and_all_or_nothing() {
    for t in TestDb::with_city(2).await {
        let db = &t.db;
        let college = staff(db, RoleKind::College, "college", None).await;
        let liaison = staff(db, RoleKind::Unit, "liaison", Some("LX")).await;
        let courses = count(db, "SELECT COUNT(*) FROM courses").await;

        assert_eq!(run(db, &liaison, "course import", FEED).await.0, 3);
        let (code, out, err) = run(db, &college, "course import --format json", FEED).await;
        assert_eq!(code, 0, "{}: {err}", t.name);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&out).expect("json");
        assert_eq!(rows.len(), 3);
        assert!(
            rows.iter()
                .all(|r| r["outcome"] == "added" && r["status"] == "draft")
        );
        assert_eq!(rows[0]["rule"], "必修 67分30秒 → 2学时 × 1 = 2.0");
        assert_eq!(rows[2]["credits"], 1.5);
        assert_eq!(count(db, "SELECT COUNT(*) FROM courses").await, courses + 3);

        // The same file again (in GBK this time) changes nothing and says so.
        let (gbk, _, _) = encoding_rs::GBK.encode(FEED);
        let again = common::cmd::run(db, &college, "course import", &gbk).await;
        assert_eq!(again.code, 0, "{}", again.err);
        assert!(
            again.text().contains("新增 0 门，修改 0 门，未变 3 门"),
            "{}",
            again.text()
        );

        // JSON: one title changed, one course added and published at once.
        let json = r#"[
          {"code":"FEED01","title":"基层治理现代化（第二版）","category":"society","kind":"required","source":"provincial","duration_s":4050,"designated_credits":null},
          {"code":"FEED04","title":"应急管理","category":"policy","kind":"必修","source":"local","duration_s":2700}
        ]"#;
        let (code, out, err) = run(db, &college, "course import --publish", json).await;
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("新增 1 门，修改 1 门，未变 0 门"), "{out}");
        assert_eq!(status_of(db, "FEED04").await, "published");
        assert_eq!(
            status_of(db, "FEED01").await,
            "draft",
            "a change keeps the status"
        );

        // Refusals: a bad row, an unknown key, broken JSON, a code twice. Nothing is written.
        let audit = count(db, "SELECT COUNT(*) FROM audit_log").await;
        let bad_row =
            format!("{FEED}FEED05,新课,哲学,必修,local,60,\nFEED06,新课,theory,必修,local,-5,\n");
        let unknown = r#"[{"code":"FEED07","title":"t","category":"theory","kind":"required","source":"local","duration_s":60,"teacher":"x"}]"#;
        let twice = "课程编号,课程名称,类别,类型,来源,时长（秒）\nFEED08,a,theory,必修,local,60\nFEED08,b,theory,必修,local,60\n";
        for (feed, says) in [
            (bad_row.as_str(), "第 5 行"),
            (unknown, "teacher"),
            ("[{\"code\": ", "JSON"),
            (twice, "重复"),
            ("", "文件为空"),
            ("课程编号,课程名称,类别,类型,来源,时长（秒）\n", "没有课程"),
        ] {
            let (code, _, err) = run(db, &college, "course import", feed).await;
            assert_eq!(code, 2, "{feed}: {err}");
            assert!(err.contains(says), "{says}: {err}");
        }
        assert!(
            run(db, &college, "course import", &bad_row)
                .await
                .2
                .contains("第 6 行")
        );
        assert_eq!(count(db, "SELECT COUNT(*) FROM courses").await, courses + 4);
        assert_eq!(count(db, "SELECT COUNT(*) FROM audit_log").await, audit);
    }
}

#[tokio::test]
async fn a_credit_change_of_a_completed_course_needs_permission_and_keeps_earned_credits() {
    for t in TestDb::with_city(3).await {
        let db = &t.db;
        let college = staff(db, RoleKind::College, "college", None).await;
        let me = active_learner(db).await;
        let id = me.account_id.expect("id");
        run(db, &college, "course import --publish", FEED).await;
        let course_id: i64 = sqlx::query_scalar("SELECT id FROM courses WHERE code = 'FEED01'")
            .fetch_one(db.reader())
            .await
            .expect("id");
        ledger::complete_course(db, id, course_id, NOW)
            .await
            .expect("complete");
        let kept = earned(db, id).await;

        let longer = FEED.replace("4050", "5400");
        let (code, _, err) = run(db, &college, "course import", &longer).await;
        assert_eq!(code, 1, "{}: {err}", t.name);
        assert!(
            err.contains("--allow-credit-change") && err.contains("第 2 行"),
            "{err}"
        );
        let duration: i64 =
            sqlx::query_scalar("SELECT duration_s FROM courses WHERE code = 'FEED01'")
                .fetch_one(db.reader())
                .await
                .expect("duration");
        assert_eq!(duration, 4050, "refused: nothing changed");
        let kind = FEED.replacen("社会建设,必修", "社会建设,选修", 1);
        assert_eq!(run(db, &college, "course import", &kind).await.0, 1);
        assert_eq!(
            run(db, &college, "course edit FEED01 --duration 5400", "")
                .await
                .0,
            1
        );
        // A title alone may change.
        let title = FEED.replace("基层治理现代化", "基层治理现代化概论");
        assert_eq!(run(db, &college, "course import", &title).await.0, 0);

        let (code, out, err) =
            run(db, &college, "course import --allow-credit-change", &longer).await;
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("已取得的学分不变"), "{out}");
        assert!(
            out.contains("2.0") && out.contains("必修 90分钟 → 2学时 × 1 = 2.0"),
            "{out}"
        );
        assert_eq!(earned(db, id).await, kept);
        let (code, out, err) = run(
            db,
            &college,
            "course edit FEED01 --kind elective --allow-credit-change",
            "",
        )
        .await;
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("2.0 → 1.0") && out.contains("已取得的学分不变"),
            "{out}"
        );
        assert_eq!(earned(db, id).await, kept);
    }
}

#[tokio::test]
async fn year_settings_are_set_by_the_office_and_carry_over() {
    for t in TestDb::with_city(2).await {
        let db = &t.db;
        let office = staff(db, RoleKind::Office, "office", None).await;
        let college = staff(db, RoleKind::College, "college", None).await;

        // Nothing set: the defaults.
        let s = standings::year_settings(db, 2031).await.expect("settings");
        assert_eq!((s.targets.total, s.from_year), (Tenths(400), None));
        let (code, out, _) = run(db, &college, "year show --year 2031", "").await;
        assert_eq!(code, 0);
        assert!(out.contains("默认"), "{out}");

        let set = "year set 2030 --total 45 --required 30 --batches 1,2 --cutoff 09-01";
        let (code, _, err) = run(db, &college, set, "").await;
        assert_eq!(code, 3, "college may not: {err}");
        let (code, out, err) = run(db, &office, set, "").await;
        assert_eq!(code, 0, "{}: {err}", t.name);
        assert!(
            out.contains("总学分 45.0") && out.contains("9月1日"),
            "{out}"
        );

        // 2031 has no settings of its own: it uses 2030's; 2029 still the defaults.
        let s = standings::year_settings(db, 2031).await.expect("settings");
        assert_eq!(s.year, 2031);
        assert_eq!(s.from_year, Some(2030));
        assert_eq!(
            (s.targets.total, s.targets.required),
            (Tenths(450), Tenths(300))
        );
        assert_eq!(s.batches, [1, 2]);
        assert_eq!(s.cutoff.code(), "09-01");
        let before = standings::year_settings(db, 2029).await.expect("settings");
        assert_eq!(before.from_year, None);
        let (_, json, _) = run(db, &college, "year show --year 2031 --format json", "").await;
        let v: Vec<serde_json::Value> = serde_json::from_str(&json).expect("json");
        assert_eq!(v[0]["total"], 45.0);
        assert_eq!(v[0]["from_year"], 2030);

        // A value given alone keeps the others in force.
        let (code, _, err) = run(db, &office, "year set 2031 --total 50", "").await;
        assert_eq!(code, 0, "{err}");
        let s = standings::year_settings(db, 2031).await.expect("settings");
        assert_eq!(
            (s.targets.total, s.targets.required),
            (Tenths(500), Tenths(300))
        );
        assert_eq!(s.from_year, Some(2031));

        for (line, field) in [
            ("year set 2030 --cutoff 02-29", "--cutoff"),
            ("year set 2030 --required 50", "--required"),
            ("year set 2030 --batches 1,4", "--batches"),
            ("year set 2030 --batches 1,1", "--batches"),
            ("year set 2030 --total 40.55", "--total"),
            ("year set 2030 --total 999", "--total"),
            ("year set 1999", "年度"),
        ] {
            let (code, _, err) = run(db, &office, line, "").await;
            assert_eq!(code, 2, "{line}: {err}");
            assert!(err.contains(field), "{line}: {err}");
        }
        assert_eq!(
            count(
                db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'year.set'"
            )
            .await,
            2
        );

        // A closed year (closing is a later issue: it sets closed_at) is frozen.
        sqlx::query("UPDATE year_settings SET closed_at = $1 WHERE year = 2030")
            .bind(NOW)
            .execute(db.reader())
            .await
            .expect("close 2030");
        let (code, _, err) = run(db, &office, "year set 2030 --total 40", "").await;
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("已关闭"), "{err}");
        let (_, out, _) = run(db, &office, "year show --year 2030 --format json", "").await;
        assert!(out.contains("\"closed\": true"), "{out}");
    }
}

#[tokio::test]
async fn the_demo_builds_its_catalogue_and_year_through_the_commands_code() {
    for t in TestDb::all().await {
        common::seed_demo(&t.db, 20).await;
        // The import and the year setting left their audit rows, by the local console.
        let imports = count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'course.import'",
        )
        .await;
        assert_eq!(imports, 1, "{}", t.name);
        let years = count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'year.set'",
        )
        .await;
        assert_eq!(years, 1);
        let drafts = count(
            &t.db,
            "SELECT COUNT(*) FROM courses WHERE status <> 'published'",
        )
        .await;
        assert_eq!(drafts, 0);
        let s = standings::year_settings(&t.db, 2026)
            .await
            .expect("settings");
        assert_eq!(s.from_year, Some(2026));
    }
}
