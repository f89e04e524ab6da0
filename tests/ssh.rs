//! The SSH server end to end, on both databases: a real russh client signs in, runs commands over
//! `exec`, and drives an interactive session through a PTY into a vt100 screen.

mod common;

use std::time::Duration;

use common::TestDb;
use common::ssh::{connect, exec, nz, read_until, start, start_with_idle};
use russh::ChannelMsg;
use wangyuan::demo::seed::DemoSummary;
use wangyuan::store::Db;

async fn demo(t: &TestDb) -> DemoSummary {
    common::seed_demo(&t.db, 200).await
}

fn password_of(s: &DemoSummary, user: &str) -> String {
    common::staff_password(s, user)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_commands_with_exit_codes_and_scope() {
    for t in TestDb::all().await {
        let summary = demo(&t).await;
        let addr = start(&t.db).await;

        assert!(
            connect(addr, "office", "wrong-password").await.is_none(),
            "wrong password refused"
        );

        let office = connect(addr, "office", &password_of(&summary, "office"))
            .await
            .expect("office signs in");
        let who = exec(&office, "whoami", b"").await;
        assert_eq!(who.code, Some(0), "{}: {}", t.name, who.err);
        assert!(who.text().contains("office"), "{}", who.text());

        let csv = exec(&office, "report standings --year 2026 --format csv", b"").await;
        assert_eq!(csv.code, Some(0), "{}", csv.err);
        let lines = csv.text().lines().count();
        assert!(
            lines > 150,
            "header plus one line per assessed learner: {lines}"
        );

        let bogus = exec(&office, "report nonsense", b"").await;
        assert_eq!(bogus.code, Some(2), "usage error");
        assert!(bogus.out.is_empty() && !bogus.err.is_empty());

        let lx = connect(addr, "lx_liaison", &password_of(&summary, "lx_liaison"))
            .await
            .expect("liaison");
        let own = exec(&lx, "report units --year 2026 --format json", b"").await;
        assert_eq!(own.code, Some(0), "{}", own.err);
        let other = exec(
            &lx,
            "report standings --year 2026 --unit XH --format csv",
            b"",
        )
        .await;
        assert_eq!(
            other.code,
            Some(3),
            "another county is not allowed: {}",
            other.err
        );
        assert!(other.out.is_empty(), "no data for another unit");

        // A learner signs in but is sent to the web site.
        let learner = connect(addr, &summary.sample_learner, &summary.learner_password)
            .await
            .expect("learner");
        let refused = exec(&learner, "whoami", b"").await;
        assert_eq!(refused.code, Some(3));
        assert!(
            refused.err.contains("http://127.0.0.1:8080/"),
            "{}",
            refused.err
        );
    }
}

/// A cadre of the demo's assessed population this year, as the roster lists them.
async fn some_cadre(db: &Db) -> wangyuan::app::roster::Row {
    use wangyuan::app::roster::{Query, SortKey, Status, page};
    let office = wangyuan::app::Actor::load(db, "office", "test")
        .await
        .expect("office actor");
    let query = Query {
        year: wangyuan::rules::calendar::credit_year(wangyuan::app::now()),
        unit_code: None,
        own_only: false,
        text: String::new(),
        status: Status::All,
        sort: SortKey::Username,
        descending: true,
        offset: 0,
        limit: 1,
    };
    let page = page(db, &office, &query).await.expect("roster page");
    page.rows.into_iter().next().expect("a cadre")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interactive_session_draws_moves_resizes_and_quits() {
    for t in TestDb::all().await {
        let summary = demo(&t).await;
        let addr = start(&t.db).await;
        let office = connect(addr, "office", &password_of(&summary, "office"))
            .await
            .expect("office");
        let mut channel = office.channel_open_session().await.expect("channel");
        channel
            .request_pty(true, "xterm-256color", 100, 30, 0, 0, &[])
            .await
            .expect("pty");
        channel.request_shell(true).await.expect("shell");
        let mut screen = vt100::Parser::new(nz(30), nz(100), 0);
        assert!(
            read_until(&mut channel, &mut screen, "总览").await,
            "{}: dashboard\n{}",
            t.name,
            screen.screen().contents()
        );
        assert!(
            read_until(&mut channel, &mut screen, "娄星区").await,
            "dashboard data\n{}",
            screen.screen().contents()
        );

        channel.data_bytes(&b"\t"[..]).await.expect("tab");
        assert!(
            read_until(&mut channel, &mut screen, "总学分").await,
            "{}: roster\n{}",
            t.name,
            screen.screen().contents()
        );

        // Filter by a cadre's name (typed as UTF-8, as an IME sends it), then open the cadre.
        let cadre = some_cadre(&t.db).await;
        channel.data_bytes(&b"/"[..]).await.expect("slash");
        channel
            .data_bytes(cadre.username.clone().into_bytes())
            .await
            .expect("filter text");
        channel.data_bytes(&b"\r"[..]).await.expect("enter");
        // The filter shows in the title at once; Enter must wait for the filtered page, where
        // the cadre's row is the selected one.
        let selected = format!("▶ {}", cadre.username);
        assert!(
            read_until(&mut channel, &mut screen, &selected).await,
            "{}: filtered roster\n{}",
            t.name,
            screen.screen().contents()
        );
        channel.data_bytes(&b"\r"[..]).await.expect("open");
        let profile = format!("{}（{}）", cadre.real_name, cadre.username);
        assert!(
            read_until(&mut channel, &mut screen, &profile).await
                && read_until(&mut channel, &mut screen, "电子档案").await,
            "{}: cadre page\n{}",
            t.name,
            screen.screen().contents()
        );
        channel.data_bytes(&b"\x1b"[..]).await.expect("esc");
        assert!(
            read_until(&mut channel, &mut screen, "查看学员").await
                && !screen.screen().contents().contains("电子档案"),
            "{}: back to the roster\n{}",
            t.name,
            screen.screen().contents()
        );

        channel.window_change(60, 20, 0, 0).await.expect("resize");
        screen.set_size(nz(20), nz(60));
        assert!(
            read_until(&mut channel, &mut screen, "终端窗口太小").await,
            "{}",
            screen.screen().contents()
        );
        channel
            .window_change(100, 30, 0, 0)
            .await
            .expect("resize back");
        screen.set_size(nz(30), nz(100));
        assert!(read_until(&mut channel, &mut screen, "总学分").await);

        // Ctrl-C asks first; confirming ends the session with status 0.
        channel.data_bytes(&b"\x03"[..]).await.expect("ctrl-c");
        assert!(read_until(&mut channel, &mut screen, "退出").await);
        channel.data_bytes(&b"y"[..]).await.expect("confirm");
        let mut status = None;
        while let Ok(Some(msg)) =
            tokio::time::timeout(Duration::from_secs(10), channel.wait()).await
        {
            if let ChannelMsg::ExitStatus { exit_status } = msg {
                status = Some(exit_status);
            }
        }
        assert_eq!(status, Some(0), "{}", t.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_without_a_terminal_prints_the_help() {
    let t = TestDb::sqlite().await;
    let summary = demo(&t).await;
    let addr = start(&t.db).await;
    let office = connect(addr, "office", &password_of(&summary, "office"))
        .await
        .expect("office");
    let mut channel = office.channel_open_session().await.expect("channel");
    channel.request_shell(true).await.expect("shell");
    let (mut out, mut status) = (Vec::new(), None);
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(20), channel.wait()).await {
        match msg {
            ChannelMsg::Data { data } => out.extend_from_slice(&data),
            ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(&out);
    assert_eq!(status, Some(0));
    assert!(
        text.contains("report standings") && text.contains("course list"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_session_is_warned_then_closed() {
    let t = TestDb::sqlite().await;
    let summary = demo(&t).await;
    let addr = start_with_idle(&t.db, Duration::from_secs(3)).await;
    let office = connect(addr, "office", &password_of(&summary, "office"))
        .await
        .expect("office");
    let mut channel = office.channel_open_session().await.expect("channel");
    channel
        .request_pty(true, "xterm", 100, 30, 0, 0, &[])
        .await
        .expect("pty");
    channel.request_shell(true).await.expect("shell");
    let mut screen = vt100::Parser::new(nz(30), nz(100), 0);
    assert!(
        read_until(&mut channel, &mut screen, "长时间未操作").await,
        "{}",
        screen.screen().contents()
    );
    let started = tokio::time::Instant::now();
    let mut status = None;
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(10), channel.wait()).await {
        match msg {
            ChannelMsg::Data { data } => screen.process(&data),
            ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
            _ => {}
        }
    }
    assert_eq!(status, Some(0), "closed after the idle time");
    assert!(started.elapsed() < Duration::from_secs(10));
    // The terminal is given back: the alternate screen is left.
    assert!(
        !screen.screen().alternate_screen(),
        "left the alternate screen"
    );
}

/// A legacy user made a liaison signs in over SSH with the old MD5 password; the same sign-in
/// replaces the hash by Argon2id, and the password keeps working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_staff_sign_in_over_ssh_rehashes() {
    use wangyuan::app::{Actor, accounts, actor::RoleKind, legacy, password::md5_hex};
    for t in TestDb::all().await {
        demo(&t).await;
        let users = format!(
            "username,name,id_number,unit,password_hash\n\
             old_liaison,旧站联络员,11010519491231002X,LX,{}\n",
            md5_hex(b"Jiuzhan2015")
        );
        let op = Actor::local_operator();
        let report = legacy::import(&t.db, &op, users.as_bytes(), None, common::NOW)
            .await
            .expect("import");
        assert_eq!(report.users_added, 1, "{:?}", report.problems);
        accounts::grant_role(
            &t.db,
            &op,
            "old_liaison",
            RoleKind::Unit,
            Some("LX"),
            common::NOW,
        )
        .await
        .expect("grant");
        let addr = start(&t.db).await;
        assert!(connect(addr, "old_liaison", "jiuzhan2015").await.is_none());
        let handle = connect(addr, "old_liaison", "Jiuzhan2015")
            .await
            .expect("the old password signs in over SSH");
        let who = exec(&handle, "whoami --format csv", b"").await;
        assert_eq!(who.code, Some(0), "{}: {}", t.name, who.err);
        assert!(who.text().contains("old_liaison"), "{}", who.text());
        let scheme: String = sqlx::query_scalar(
            "SELECT password_scheme FROM accounts WHERE username = 'old_liaison'",
        )
        .fetch_one(t.db.reader())
        .await
        .expect("scheme");
        assert_eq!(scheme, "argon2id", "{}", t.name);
        assert!(connect(addr, "old_liaison", "Jiuzhan2015").await.is_some());
    }
}
