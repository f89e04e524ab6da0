//! One error, three faces: a database failure reaches learners and staff as "内部错误（编号 …）"
//! over exec, over HTTP and in the TUI, never with the driver's text; a unique-key violation is a
//! conflict. On both databases.

mod common;

use common::TestDb;
use common::http::{Browser, Site};
use reqwest::StatusCode;
use wangyuan::app::{self, Actor, catalog};
use wangyuan::cmd;
use wangyuan::demo::seed::{self, SyntheticOptions};
use wangyuan::tui::data::{self, DataMsg, Request};

const INCIDENT: &str = "内部错误（编号 ";

/// Words of the drivers' messages for a missing table (SQLite, PostgreSQL) and of the old prefix.
fn assert_no_driver_text(shown: &str) {
    for leak in [
        "no such table",
        "does not exist",
        "courses",
        "数据库错误",
        "error returned",
    ] {
        assert!(!shown.contains(leak), "driver text {leak:?} shown: {shown}");
    }
}

/// Breaks the database under the running system: the course table is gone.
async fn drop_courses(t: &TestDb) {
    // Renamed rather than dropped: other tables' foreign keys stop a DROP on SQLite.
    sqlx::query("ALTER TABLE courses RENAME TO courses_gone")
        .execute(t.db.reader())
        .await
        .expect("rename courses");
}

async fn staff_on_demo(t: &TestDb) -> Actor {
    common::seed_demo(&t.db, 20).await;
    Actor::load(&t.db, "office", "test").await.expect("actor")
}

#[tokio::test]
async fn database_failure_over_exec_and_in_the_tui_shows_an_incident_only() {
    for t in TestDb::all().await {
        let actor = staff_on_demo(&t).await;
        drop_courses(&t).await;

        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = cmd::run_line(
            &t.db,
            &actor,
            "course list",
            &mut cmd::Stdin::empty(),
            &mut out,
            &mut err,
        )
        .await;
        let err = String::from_utf8(err).expect("utf-8");
        assert_eq!(code, cmd::exit::FAILURE, "{}: {err}", t.name);
        assert!(out.is_empty(), "{}", t.name);
        assert!(err.contains(INCIDENT), "{}: {err}", t.name);
        assert_no_driver_text(&err);

        let msg = data::execute(&t.db, &actor, Request::Catalog(catalog::Filter::default())).await;
        let DataMsg::Catalog { result, .. } = msg else {
            panic!("{}: not a catalogue answer", t.name);
        };
        let shown = result.expect_err("the catalogue cannot load");
        assert!(shown.contains(INCIDENT), "{}: {shown}", t.name);
        assert_no_driver_text(&shown);
    }
}

#[tokio::test]
async fn database_failure_over_http_shows_an_incident_only() {
    for t in TestDb::all().await {
        let summary = seed::synthetic(
            &t.db,
            &SyntheticOptions {
                learners: 5,
                year: 2026,
                per_learner: 0,
                now: common::NOW,
                rng_seed: 7,
            },
            |_| {},
        )
        .await
        .expect("seed");
        let learner: String = sqlx::query_scalar(
            "SELECT username FROM accounts WHERE is_learner = 1 AND status = 'active' ORDER BY id",
        )
        .fetch_one(t.db.reader())
        .await
        .expect("learner");
        let site = Site::start(&t.db, common::NOW).await;
        let mut browser = Browser::new(&site);
        let signed = browser.sign_in(&learner, &summary.password).await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", t.name);
        drop_courses(&t).await;

        let page = browser.get("/courses").await;
        assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", t.name);
        assert!(page.body.contains(INCIDENT), "{}: {}", t.name, page.body);
        assert_no_driver_text(&page.body);
    }
}

#[tokio::test]
async fn unique_violation_is_a_conflict() {
    for t in TestDb::all().await {
        sqlx::query("CREATE TABLE unique_probe (k INTEGER NOT NULL UNIQUE)")
            .execute(t.db.reader())
            .await
            .expect("create");
        let insert =
            || sqlx::query("INSERT INTO unique_probe (k) VALUES (1)").execute(t.db.reader());
        insert().await.expect("first insert");
        let e = app::Error::from(insert().await.expect_err("second insert clashes"));
        assert!(matches!(e, app::Error::Conflict(_)), "{}: {e:?}", t.name);
        assert_eq!(e.exit_code(), cmd::exit::CONFLICT, "{}", t.name);
        assert_eq!(e.http_status(), 409, "{}", t.name);
        assert_no_driver_text(&e.to_string());
    }
}
