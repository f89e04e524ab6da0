//! app::roster::page on both databases: the same people as the standings report, sorted,
//! filtered by text and status, paged with LIMIT/OFFSET, and kept inside the actor's scope.

mod common;

use common::TestDb;
use wangyuan::app::roster::{self, Query, Row, SortKey, Status};
use wangyuan::app::{Actor, Error, standings};

fn query(year: i32) -> Query {
    Query {
        year,
        unit_code: None,
        own_only: false,
        text: String::new(),
        status: Status::All,
        sort: SortKey::Username,
        descending: false,
        offset: 0,
        limit: 1000,
    }
}

async fn seeded() -> Vec<TestDb> {
    common::all_with_demo(300).await
}

fn usernames(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|r| r.username.as_str()).collect()
}

#[tokio::test]
async fn roster_pages_match_the_standings_report() {
    for t in seeded().await {
        let office = Actor::load(&t.db, "office", "test").await.expect("office");
        let report = standings::report(&t.db, &office, 2026, None)
            .await
            .expect("report");
        let all = roster::page(&t.db, &office, &query(2026))
            .await
            .expect("page");
        assert_eq!(all.total, Some(report.lines.len() as u64), "{}", t.name);
        assert_eq!(all.rows.len(), report.lines.len());
        let mut want: Vec<(&str, bool, i64)> = report
            .lines
            .iter()
            .map(|l| (l.username.as_str(), l.compliant, l.standing.total().0))
            .collect();
        want.sort();
        let got: Vec<(&str, bool, i64)> = all
            .rows
            .iter()
            .map(|r| (r.username.as_str(), r.compliant, r.standing.total().0))
            .collect();
        assert_eq!(
            got, want,
            "{}: same people, standings and compliance",
            t.name
        );

        // Paging: two pages of 40 are the first 80 rows.
        let mut q = query(2026);
        q.limit = 40;
        let p1 = roster::page(&t.db, &office, &q).await.expect("p1");
        q.offset = 40;
        let p2 = roster::page(&t.db, &office, &q).await.expect("p2");
        assert_eq!(p1.total, all.total);
        assert_eq!(p2.total, None, "later pages are not counted again");
        let joined: Vec<&str> = usernames(&p1.rows)
            .into_iter()
            .chain(usernames(&p2.rows))
            .collect();
        assert_eq!(joined, usernames(&all.rows[..80]));
        // Past the end: no rows.
        q.offset = all.total.unwrap_or(0) + 10;
        let past = roster::page(&t.db, &office, &q).await.expect("past");
        assert!(past.rows.is_empty());
    }
}

#[tokio::test]
async fn roster_sorts_and_filters() {
    for t in seeded().await {
        let office = Actor::load(&t.db, "office", "test").await.expect("office");
        let mut q = query(2026);
        q.sort = SortKey::Total;
        q.descending = true;
        let by_total = roster::page(&t.db, &office, &q).await.expect("sorted");
        let totals: Vec<i64> = by_total.rows.iter().map(|r| r.standing.total().0).collect();
        assert!(
            totals.windows(2).all(|w| w[0] >= w[1]),
            "{}: descending totals",
            t.name
        );
        assert!(
            totals.first() > totals.last(),
            "the demo has a spread of totals"
        );

        q.sort = SortKey::Name;
        q.descending = false;
        let by_name = roster::page(&t.db, &office, &q).await.expect("by name");
        assert_ne!(usernames(&by_name.rows), usernames(&by_total.rows));

        // Status filters split the population.
        q.status = Status::Compliant;
        let ok = roster::page(&t.db, &office, &q).await.expect("compliant");
        q.status = Status::Noncompliant;
        let short = roster::page(&t.db, &office, &q)
            .await
            .expect("noncompliant");
        assert!(ok.rows.iter().all(|r| r.compliant));
        assert!(short.rows.iter().all(|r| !r.compliant));
        assert!(
            ok.total > Some(0) && short.total > Some(0),
            "{}: both kinds exist",
            t.name
        );
        assert_eq!(
            ok.total.zip(short.total).map(|(a, b)| a + b),
            by_total.total
        );

        // Text: by a surname (Chinese) and by part of a username, case-insensitively.
        let someone = &by_total.rows[7];
        let surname: String = someone.real_name.chars().take(1).collect();
        let mut q = query(2026);
        q.text = surname.clone();
        let named = roster::page(&t.db, &office, &q).await.expect("by text");
        assert!(named.total > Some(0) && named.total < by_total.total);
        assert!(
            named
                .rows
                .iter()
                .all(|r| r.real_name.contains(&surname) || r.username.contains(&surname))
        );
        q.text = someone.username.to_uppercase();
        let exact = roster::page(&t.db, &office, &q).await.expect("by username");
        assert!(usernames(&exact.rows).contains(&someone.username.as_str()));
        // LIKE wildcards in the text are taken literally.
        q.text = "%".into();
        let none = roster::page(&t.db, &office, &q).await.expect("wildcard");
        assert_eq!(none.total, Some(0), "{}", t.name);
    }
}

#[tokio::test]
async fn roster_keeps_a_unit_user_in_scope() {
    for t in seeded().await {
        let liaison = Actor::load(&t.db, "lx_liaison", "test")
            .await
            .expect("liaison");
        let office = Actor::load(&t.db, "office", "test").await.expect("office");
        let own = roster::page(&t.db, &liaison, &query(2026))
            .await
            .expect("own");
        let city = roster::page(&t.db, &office, &query(2026))
            .await
            .expect("city");
        let report = standings::report(&t.db, &liaison, 2026, None)
            .await
            .expect("report");
        assert_eq!(own.total, Some(report.lines.len() as u64));
        assert!(own.total > Some(0) && own.total < city.total, "{}", t.name);
        let lx_path = &report.scope.path;
        for row in &own.rows {
            let line = report
                .lines
                .iter()
                .find(|l| l.username == row.username)
                .expect("in the report");
            assert!(line.unit_path.starts_with(lx_path.as_str()));
        }
        // Another county is refused, with no data.
        let mut q = query(2026);
        q.unit_code = Some("LSJ".into());
        let refused = roster::page(&t.db, &liaison, &q).await;
        assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
        // The office may narrow to that county.
        let narrowed = roster::page(&t.db, &office, &query_for(Some("LX")))
            .await
            .expect("LX");
        assert_eq!(narrowed.total, own.total);
    }
}

fn query_for(unit: Option<&str>) -> Query {
    Query {
        unit_code: unit.map(String::from),
        own_only: false,
        ..query(2026)
    }
}

/// "Own members only" (总览's "（本级）" line): exactly the people of the unit itself, as many as
/// the unit report counts on that line, none from the units below.
#[tokio::test]
async fn roster_own_members_match_the_units_own_line() {
    for t in seeded().await {
        let office = Actor::load(&t.db, "office", "test").await.expect("office");
        let report = wangyuan::app::units::report(&t.db, &office, 2026, Some("LSJ"))
            .await
            .expect("units");
        let own_line = report
            .lines
            .iter()
            .find(|l| l.unit_code == "LSJ")
            .expect("LSJ has members of its own");
        let q = Query {
            own_only: true,
            ..query_for(Some("LSJ"))
        };
        let own = roster::page(&t.db, &office, &q).await.expect("own");
        let all = roster::page(&t.db, &office, &query_for(Some("LSJ")))
            .await
            .expect("all");
        assert_eq!(own.total, Some(own_line.tally.assessed), "{}", t.name);
        assert!(own.total < all.total, "{}", t.name);
        assert!(own.rows.iter().all(|r| r.unit_code == "LSJ"), "{}", t.name);
    }
}
