//! The live change feed (issue 12 point 3), on both databases: a write by one actor reaches
//! another subscriber within 2 s; on PostgreSQL two `Db` handles (two nodes) hear each other's
//! changes, each once; and over real SSH, an account disabled by one staff member over exec
//! shows as 已停用 on another's open 账号 tab within 2 s, without a key pressed.

mod common;

use std::time::Duration;

use common::TestDb;
use common::ssh::{Pty, connect, exec, start};
use russh::ChannelMsg;
use wangyuan::app::changes::{self, Subscription, Topic};
use wangyuan::store::Db;

const WITHIN: Duration = Duration::from_secs(2);

/// Waits up to 2 s for a delivery that names `topic`.
async fn hears(sub: &mut Subscription, topic: Topic) -> bool {
    let deadline = tokio::time::Instant::now() + WITHIN;
    loop {
        match tokio::time::timeout_at(deadline, sub.recv()).await {
            Ok(Some(topics)) if topics.contains(&topic) => return true,
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return false,
        }
    }
}

/// Waits until nothing has arrived for a while, dropping what did.
async fn quiet(sub: &mut Subscription) {
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(700), sub.recv()).await {}
}

/// Disables (or enables) a 娄星区 learner as the office, through `app/`.
async fn set_enabled(db: &Db, office: &wangyuan::app::Actor, user: &str, enabled: bool) {
    wangyuan::app::accounts::set_enabled(db, office, user, enabled, "调离本市", common::NOW)
        .await
        .expect("set_enabled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_reaches_another_subscriber_within_two_seconds() {
    for t in common::all_with_demo(20).await {
        let office = common::actor(&t, "office").await;
        let user = common::lx_learner(&t.db).await;
        let mut sub = changes::subscribe(&t.db);
        set_enabled(&t.db, &office, &user, false).await;
        assert!(hears(&mut sub, Topic::Accounts).await, "{}", t.name);
        // A read-only call announces nothing.
        wangyuan::app::accounts::find(&t.db, &office, &user, 10)
            .await
            .expect("find");
        let quiet = tokio::time::timeout(Duration::from_millis(600), sub.recv()).await;
        assert!(quiet.is_err(), "{}: {quiet:?}", t.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_writes_is_delivered_coalesced() {
    for t in common::all_with_demo(20).await {
        let office = common::actor(&t, "office").await;
        let user = common::lx_learner(&t.db).await;
        let mut sub = changes::subscribe(&t.db);
        for i in 0..20 {
            set_enabled(&t.db, &office, &user, i % 2 == 1).await;
        }
        // Twenty commits, a few deliveries: at most one per 250 ms after the first.
        let started = tokio::time::Instant::now();
        let mut deliveries = 0;
        while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(600), sub.recv()).await {
            deliveries += 1;
        }
        let most = 2 + started.elapsed().as_millis() / 250;
        assert!(
            (1..=most).contains(&deliveries),
            "{}: {deliveries} deliveries",
            t.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_postgres_hear_each_other_once() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    common::seed_demo(&t.db, 20).await;
    let other = Db::open(&t.url).await.expect("a second node");
    let office = common::actor(&t, "office").await;
    let user = common::lx_learner(&t.db).await;
    // The first subscriber starts a node's LISTEN task: let both connections come up.
    let (mut here, mut there) = (changes::subscribe(&t.db), changes::subscribe(&other));
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The seeding's own announcements (units, catalogue, year) may still be on their way.
    quiet(&mut here).await;
    quiet(&mut there).await;

    set_enabled(&t.db, &office, &user, false).await;
    assert!(
        hears(&mut there, Topic::Accounts).await,
        "node 2 heard node 1"
    );
    assert!(
        hears(&mut here, Topic::Accounts).await,
        "node 1 heard itself"
    );
    // Node 1 hears its own change once: not again through NOTIFY.
    let again = tokio::time::timeout(Duration::from_millis(1000), here.recv()).await;
    assert!(again.is_err(), "own change delivered twice: {again:?}");

    set_enabled(&other, &office, &user, true).await;
    assert!(
        hears(&mut here, Topic::Accounts).await,
        "node 1 heard node 2"
    );
    assert!(
        hears(&mut there, Topic::Accounts).await,
        "node 2 heard itself"
    );
    let again = tokio::time::timeout(Duration::from_millis(1000), there.recv()).await;
    assert!(again.is_err(), "own change delivered twice: {again:?}");
    other.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_disabled_over_exec_redraws_another_staff_members_accounts_tab() {
    for t in TestDb::all().await {
        let summary = common::seed_demo(&t.db, 20).await;
        let addr = start(&t.db).await;
        let user = common::lx_learner(&t.db).await;
        let office = connect(addr, "office", &common::staff_password(&summary, "office"))
            .await
            .expect("office");
        let liaison = connect(
            addr,
            "lx_liaison",
            &common::staff_password(&summary, "lx_liaison"),
        )
        .await
        .expect("liaison");

        // The office finds the learner on its 账号 tab: 正常.
        let mut off = Pty::open(&office, 120, 40, &format!("{} office", t.name)).await;
        off.expect(&["总览"]).await;
        off.send(b"\t\t\t\t/").await;
        off.expect(&["筛选："]).await;
        off.send(format!("{user}\r").as_bytes()).await;
        off.expect(&[&format!("▶ {user}"), "正常"]).await;

        // The liaison disables it over exec; the office's screen follows within 2 s.
        let ran = exec(
            &liaison,
            &format!("account disable {user} --reason 调离本市"),
            b"",
        )
        .await;
        assert_eq!(ran.code, Some(0), "{}: {}", t.name, ran.err);
        let deadline = tokio::time::Instant::now() + WITHIN;
        while !off.contents().contains("已停用") {
            match tokio::time::timeout_at(deadline, off.channel.wait()).await {
                Ok(Some(ChannelMsg::Data { data })) => off.screen.process(&data),
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        assert!(
            off.contents().contains("已停用"),
            "{}: not redrawn within 2 s\n{}",
            t.name,
            off.contents()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_are_computed_once_for_everyone_and_again_after_a_change() {
    use wangyuan::app::aggregates;
    for t in common::all_with_demo(20).await {
        let office = common::actor(&t, "office").await;
        let liaison = common::actor(&t, "lx_liaison").await;
        let before = aggregates::computed(&t.db);
        let asks: Vec<_> = (0..200)
            .map(|_| {
                let (db, office) = (t.db.clone(), office.clone());
                tokio::spawn(async move { aggregates::dashboard(&db, &office, 2026, None).await })
            })
            .collect();
        let mut scopes = Vec::new();
        for ask in asks {
            let d = ask.await.expect("join").expect("dashboard");
            scopes.push(d.report.scope.code.clone());
        }
        assert_eq!(aggregates::computed(&t.db) - before, 1, "{}", t.name);
        assert!(scopes.iter().all(|s| *s == scopes[0]), "{}", t.name);

        // Another scope is its own answer; a scope the actor does not cover is refused.
        let own = aggregates::dashboard(&t.db, &liaison, 2026, None)
            .await
            .expect("liaison's dashboard");
        assert_eq!(own.report.scope.code, "LX", "{}", t.name);
        let city = &scopes[0];
        let refused = aggregates::dashboard(&t.db, &liaison, 2026, Some(city)).await;
        assert!(refused.is_err(), "{}: {refused:?}", t.name);
        assert_eq!(aggregates::computed(&t.db) - before, 2, "{}", t.name);

        // A change to accounts makes the next answer a new computation, with the change in it.
        let user = common::lx_learner(&t.db).await;
        let assessed = own.report.overall.assessed;
        set_enabled(&t.db, &office, &user, false).await;
        let again = aggregates::dashboard(&t.db, &liaison, 2026, None)
            .await
            .expect("again");
        assert_eq!(aggregates::computed(&t.db) - before, 3, "{}", t.name);
        assert_eq!(again.report.overall.assessed + 1, assessed, "{}", t.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_pages_are_read_once_for_everyone_and_again_after_a_change() {
    use wangyuan::app::aggregates;
    use wangyuan::app::roster::{Query, SortKey, Status};
    let query = |unit_code: Option<&str>| Query {
        year: 2026,
        unit_code: unit_code.map(str::to_string),
        own_only: false,
        text: String::new(),
        status: Status::All,
        sort: SortKey::Unit,
        descending: false,
        offset: 0,
        limit: 100,
    };
    for t in common::all_with_demo(20).await {
        let office = common::actor(&t, "office").await;
        let liaison = common::actor(&t, "lx_liaison").await;
        let before = aggregates::roster_pages_read(&t.db);
        let asks: Vec<_> = (0..200)
            .map(|_| {
                let (db, office, q) = (t.db.clone(), office.clone(), query(None));
                tokio::spawn(async move { aggregates::roster_page(&db, &office, &q).await })
            })
            .collect();
        let mut totals = Vec::new();
        for ask in asks {
            let page = ask.await.expect("join").expect("roster page");
            totals.push(page.total);
        }
        assert_eq!(
            aggregates::roster_pages_read(&t.db) - before,
            1,
            "{}",
            t.name
        );
        assert!(totals.iter().all(|n| *n == totals[0]), "{}", t.name);
        // The shared page is the page the roster reads itself.
        let direct = wangyuan::app::roster::page(&t.db, &office, &query(None))
            .await
            .expect("direct page");
        assert_eq!(direct.total, totals[0], "{}", t.name);

        // The same question from another scope is its own answer; a unit the actor does not
        // cover is refused, shared page or not.
        let own = aggregates::roster_page(&t.db, &liaison, &query(None))
            .await
            .expect("liaison's roster");
        assert!(own.total < totals[0], "{}", t.name);
        let city: String = sqlx::query_scalar("SELECT code FROM units WHERE parent_id IS NULL")
            .fetch_one(t.db.reader())
            .await
            .expect("city");
        let refused = aggregates::roster_page(&t.db, &liaison, &query(Some(&city))).await;
        assert!(refused.is_err(), "{}: {refused:?}", t.name);
        assert_eq!(
            aggregates::roster_pages_read(&t.db) - before,
            2,
            "{}",
            t.name
        );

        // A change to accounts makes the next answer a new read, with the change in it.
        let user = common::lx_learner(&t.db).await;
        set_enabled(&t.db, &office, &user, false).await;
        let again = aggregates::roster_page(&t.db, &liaison, &query(None))
            .await
            .expect("again");
        assert_eq!(
            aggregates::roster_pages_read(&t.db) - before,
            3,
            "{}",
            t.name
        );
        assert_eq!(again.total.map(|n| n + 1), own.total, "{}", t.name);
    }
}
