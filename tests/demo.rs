//! The demo city on both databases: looks like Loudi, has valid people, a realistic spread of
//! standings, and passes the consistency check.

mod common;

use std::collections::HashSet;

use common::{NOW, TestDb};
use wangyuan::app::{self, Actor, standings};
use wangyuan::demo::seed::{self, DemoOptions};
use wangyuan::rules::Tenths;
use wangyuan::rules::catalog::Category;
use wangyuan::rules::idnum::IdNumber;

#[tokio::test]
async fn the_demo_city_is_realistic_and_consistent() {
    for t in TestDb::all().await {
        let opts = DemoOptions {
            learners: 600,
            year: 2026,
            now: NOW,
            rng_seed: 9,
        };
        let summary = seed::demo(&t.db, &opts).await.expect("demo");
        assert_eq!(summary.learners, 600);
        assert!(summary.units > 100, "{} units", summary.units);
        assert!(
            (110..=130).contains(&summary.courses),
            "{} courses",
            summary.courses
        );
        assert_eq!(summary.staff.len(), 3);
        assert!(summary.staff.iter().all(|s| s.password.len() >= 12));
        let again = seed::demo(&t.db, &opts).await;
        assert!(
            matches!(again, Err(app::Error::Conflict(_))),
            "seeding twice is refused"
        );

        let pool = t.db.reader();
        for county in [
            "娄星区",
            "冷水江市",
            "涟源市",
            "双峰县",
            "新化县",
            "娄底经济技术开发区",
            "万宝新区",
        ] {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM units WHERE name = $1 AND kind = 'county'",
            )
            .bind(county)
            .fetch_one(pool)
            .await
            .expect("county");
            assert_eq!(n, 1, "{county}");
        }
        let categories: Vec<String> = sqlx::query_scalar("SELECT DISTINCT category FROM courses")
            .fetch_all(pool)
            .await
            .expect("categories");
        assert_eq!(categories.len(), Category::ALL.len());
        let (min_d, max_d): (i64, i64) =
            sqlx::query_as("SELECT MIN(duration_s), MAX(duration_s) FROM courses")
                .fetch_one(pool)
                .await
                .expect("durations");
        assert!(min_d >= 20 * 60 && max_d <= 180 * 60, "{min_d}..{max_d}");

        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id_number FROM accounts WHERE id_number IS NOT NULL")
                .fetch_all(pool)
                .await
                .expect("ids");
        assert_eq!(ids.len(), 600);
        assert!(
            ids.iter().all(|id| IdNumber::parse(id).is_ok()),
            "every ID number is valid"
        );
        assert_eq!(
            ids.iter().collect::<HashSet<_>>().len(),
            ids.len(),
            "ID numbers are unique"
        );

        let report = standings::report(&t.db, &Actor::local_operator(), 2026, None)
            .await
            .expect("report");
        let n = report.lines.len();
        assert!(
            report
                .lines
                .windows(2)
                .all(|w| (&w[0].unit_code, &w[0].username) < (&w[1].unit_code, &w[1].username)),
            "lines are ordered by unit code and username"
        );
        assert!(
            n > 500 && n < 600,
            "assessed {n}: exempt and disabled accounts are left out"
        );
        let compliant = report.lines.iter().filter(|l| l.compliant).count();
        let short_required = report
            .lines
            .iter()
            .filter(|l| l.standing.total() >= Tenths(400) && l.standing.required < Tenths(240))
            .count();
        let inactive = report
            .lines
            .iter()
            .filter(|l| l.standing.total() == Tenths(0))
            .count();
        assert!(
            compliant * 100 / n >= 55 && compliant * 100 / n <= 85,
            "compliant {compliant}/{n}"
        );
        assert!(
            short_required > 0 && inactive > 0,
            "short {short_required}, inactive {inactive}"
        );

        let lx = standings::report(&t.db, &Actor::local_operator(), 2026, Some("LX"))
            .await
            .expect("LX");
        assert!(!lx.lines.is_empty() && lx.lines.len() < n);
        assert!(
            lx.lines.iter().all(|l| l.unit_code.starts_with("LX")),
            "scope is the LX subtree"
        );

        let revocations = common::count(
            &t.db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'revocation'",
        )
        .await;
        assert_eq!(revocations, 1);
        let quarterly = common::count(
            &t.db,
            "SELECT COUNT(*) FROM notice_messages m JOIN notice_recipients r ON r.notice_id = m.id WHERE m.kind = 'quarterly' AND m.quarter = 1",
        )
        .await;
        assert!(
            quarterly > 500,
            "first-quarter notices for the assessed: {quarterly}"
        );
        let later = common::count(
            &t.db,
            "SELECT COUNT(*) FROM notice_messages WHERE kind = 'quarterly' AND quarter > 1",
        )
        .await;
        assert_eq!(
            later, 0,
            "no notice for a quarter that has not ended by mid-June"
        );

        let check = app::check::run(&t.db).await.expect("check");
        assert!(check.is_clean(), "{}: {check:?}", t.name);
    }
}
