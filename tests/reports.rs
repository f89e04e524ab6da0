//! The read use-cases behind reports and dashboards, on both databases: units summary, weekly
//! credits, archives (with scope), catalogue filters.

mod common;

use common::TestDb;
use wangyuan::app::actor::{Role, RoleKind};
use wangyuan::app::{self, Actor, Error, archive, catalog, standings, units};
use wangyuan::rules::Tenths;
use wangyuan::rules::catalog::Category;
use wangyuan::rules::credits::CourseKind;
use wangyuan::store::Db;

async fn demo(t: &TestDb) {
    common::seed_demo(&t.db, 400).await;
}

async fn liaison(db: &Db) -> Actor {
    Actor::load(db, "lx_liaison", "127.0.0.1")
        .await
        .expect("lx_liaison")
}

#[tokio::test]
async fn units_summary_adds_up_and_ranks() {
    for t in TestDb::all().await {
        demo(&t).await;
        let office = Actor::load(&t.db, "office", "127.0.0.1")
            .await
            .expect("office");
        let r = units::report(&t.db, &office, 2026, None)
            .await
            .expect("units");
        let lines = standings::report(&t.db, &office, 2026, None)
            .await
            .expect("standings")
            .lines;
        assert_eq!(r.overall.assessed as usize, lines.len(), "{}", t.name);
        assert_eq!(
            r.overall.compliant as usize,
            lines.iter().filter(|l| l.compliant).count()
        );
        let sum: u64 = r.lines.iter().map(|l| l.tally.assessed).sum();
        assert_eq!(sum, r.overall.assessed, "children partition the scope");
        assert_eq!(r.lines.iter().filter(|l| l.unit_code == "LX").count(), 1);
        let best = r
            .lines
            .iter()
            .filter(|l| l.rank == 1)
            .map(|l| l.tally.rate_permille())
            .max();
        let top = r.lines.iter().map(|l| l.tally.rate_permille()).max();
        assert_eq!(best, top, "rank 1 has the best rate");

        // A unit liaison sees only its subtree; another county is refused.
        let lx = liaison(&t.db).await;
        let own = units::report(&t.db, &lx, 2026, None)
            .await
            .expect("own scope");
        assert_eq!(own.scope.code, "LX");
        assert!(own.lines.iter().all(|l| l.unit_code.starts_with("LX")));
        let other = units::report(&t.db, &lx, 2026, Some("XH")).await;
        assert!(matches!(other, Err(Error::Forbidden(_))), "{other:?}");
    }
}

#[tokio::test]
async fn weekly_credits_match_the_ledger() {
    for t in TestDb::all().await {
        demo(&t).await;
        let office = Actor::load(&t.db, "office", "127.0.0.1")
            .await
            .expect("office");
        let weeks = units::weekly(&t.db, &office, 2026, None)
            .await
            .expect("weekly");
        assert!(weeks.len() > 20, "Jan to mid-June: {} weeks", weeks.len());
        assert!(
            weeks.windows(2).all(|w| w[1].0 - w[0].0 == 7 * 86_400),
            "consecutive weeks"
        );
        let total: Tenths = weeks.iter().map(|w| w.1).sum();
        let ledger = common::count(
            &t.db,
            "SELECT CAST(SUM(tenths) AS BIGINT) FROM ledger WHERE credit_year = 2026",
        )
        .await;
        assert_eq!(total, Tenths(ledger), "{}", t.name);
        // Weeks start on Monday 00:00 in Beijing.
        let monday = time::OffsetDateTime::from_unix_timestamp(weeks[0].0)
            .expect("ts")
            .to_offset(wangyuan::rules::calendar::CST);
        assert_eq!(
            (monday.weekday(), monday.hour()),
            (time::Weekday::Monday, 0)
        );
    }
}

#[tokio::test]
async fn archives_are_read_by_the_learner_and_staff_in_scope_only() {
    for t in TestDb::all().await {
        demo(&t).await;
        let (lx_learner, xh_learner): (String, String) = (
            sqlx::query_scalar("SELECT a.username FROM accounts a JOIN units u ON u.id = a.unit_id WHERE u.code LIKE 'LX%' AND a.is_learner = 1 ORDER BY a.id LIMIT 1")
                .fetch_one(t.db.reader()).await.expect("lx learner"),
            sqlx::query_scalar("SELECT a.username FROM accounts a JOIN units u ON u.id = a.unit_id WHERE u.code LIKE 'XH%' AND a.is_learner = 1 ORDER BY a.id LIMIT 1")
                .fetch_one(t.db.reader()).await.expect("xh learner"),
        );
        let lx = liaison(&t.db).await;
        let a = archive::show(&t.db, &lx, &lx_learner, None)
            .await
            .expect("in scope");
        assert!(a.unit_code.starts_with("LX"));
        assert!(
            a.entries
                .windows(2)
                .all(|w| w[0].earned_at >= w[1].earned_at),
            "newest first"
        );
        assert!(a.entries.iter().all(|e| !e.rule.is_empty()));
        let denied = archive::show(&t.db, &lx, &xh_learner, None).await;
        assert!(matches!(denied, Err(Error::Forbidden(_))), "{denied:?}");
        let missing = archive::show(&t.db, &lx, "nobody", None).await;
        assert!(matches!(missing, Err(Error::NotFound(_))), "{missing:?}");
        // The learner reads their own archive without any staff role.
        let me = Actor::load(&t.db, &xh_learner, "127.0.0.1")
            .await
            .expect("learner");
        let own = archive::show(&t.db, &me, &xh_learner, Some(2026))
            .await
            .expect("own archive");
        assert!(own.entries.iter().all(|e| e.year == 2026));
        let other = archive::show(&t.db, &me, &lx_learner, None).await;
        assert!(matches!(other, Err(Error::Forbidden(_))), "{other:?}");
    }
}

#[tokio::test]
async fn the_catalogue_filters_and_states_its_rules() {
    for t in TestDb::all().await {
        demo(&t).await;
        let all = catalog::list(&t.db, &catalog::Filter::default())
            .await
            .expect("all");
        assert!(all.len() > 100);
        assert!(all.iter().any(|c| c.has_exam));
        let party = catalog::Filter {
            category: Some(Category::Party),
            kind: Some(CourseKind::Required),
            ..Default::default()
        };
        let some = catalog::list(&t.db, &party).await.expect("party");
        assert!(!some.is_empty() && some.len() < all.len());
        assert!(
            some.iter()
                .all(|c| c.category == Category::Party && c.kind == CourseKind::Required)
        );
        assert!(some.iter().all(|c| c.credit.rule.starts_with("必修") || c.credit.rule.starts_with("指定学分")));
        let text = catalog::Filter {
            text: Some("娄底".into()),
            ..Default::default()
        };
        let found = catalog::list(&t.db, &text).await.expect("text");
        assert!(!found.is_empty() && found.iter().all(|c| c.title.contains("娄底")));
    }
}

#[test]
fn a_unit_role_covers_only_its_subtree() {
    let role = Role {
        kind: RoleKind::Unit,
        unit_id: 9,
        unit_code: "LX".into(),
        unit_name: "娄星区".into(),
        unit_path: "/1/9/".into(),
    };
    let a = Actor::with_roles(5, "lx", vec![role], "");
    assert!(a.covers("/1/9/12/") && !a.covers("/1/10/"));
    assert!(matches!(
        a.require_office("撤销"),
        Err(app::Error::Forbidden(_))
    ));
}
