//! Roster submissions end to end on both databases: a unit submits a file over real SSH exec, the
//! college reviews it, the office approves it, the unit fetches the credentials once, and the
//! issued accounts sign in; refused files save nothing; scopes hold; double approval issues once.

mod common;

use common::TestDb;
use common::ssh::{connect, exec};
use wangyuan::app::actor::RoleKind;
use wangyuan::app::admin::{self, AddStaff};
use wangyuan::app::submission::{self, Decision, Progress};
use wangyuan::app::{Actor, Error};
use wangyuan::cmd;
use wangyuan::demo::seed::DemoSummary;
use wangyuan::rules::idnum::complete;

/// Runs `line` in process, as `wangyuan exec` does.
async fn local(t: &TestDb, actor: &Actor, line: &str, input: &[u8]) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut stdin = cmd::Stdin::from_bytes(input.to_vec());
    let code = cmd::run_line(&t.db, actor, line, &mut stdin, &mut out, &mut err).await;
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn password_of(s: &DemoSummary, user: &str) -> String {
    s.staff
        .iter()
        .find(|x| x.username == user)
        .map(|x| x.password.clone())
        .expect("staff user")
}

/// An ID number no demo cadre has (demo birth years end in 1999).
fn id(seq: u32) -> String {
    complete(&format!("43130220010203{seq:03}"))
        .expect("valid id")
        .to_string()
}

fn roster_csv(rows: &[(&str, String, &str)]) -> Vec<u8> {
    let mut s = "姓名,身份证号,单位,职务/职级,手机,批次\n".to_string();
    for (name, id, unit) in rows {
        s.push_str(&format!("{name},{id},{unit},科员,13800000000,2\n"));
    }
    s.into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_submission_to_signed_in_accounts_over_ssh() {
    for t in TestDb::all().await {
        let summary = common::seed_demo(&t.db, 50).await;
        let addr = common::ssh::start(&t.db).await;
        let lx = connect(addr, "lx_liaison", &password_of(&summary, "lx_liaison"))
            .await
            .expect("liaison");
        let college = connect(addr, "college", &password_of(&summary, "college"))
            .await
            .expect("college");
        let office = connect(addr, "office", &password_of(&summary, "office"))
            .await
            .expect("office");

        let template = exec(&lx, "roster template --format xlsx", b"").await;
        assert_eq!(template.code, Some(0), "{}", template.err);
        assert!(template.out.starts_with(b"PK"), "an xlsx file");

        // GBK, as Excel in China saves CSV.
        let csv = String::from_utf8(roster_csv(&[
            ("单雄", id(1), "LX01"),
            ("曾敏", id(2), "娄星区教育局"),
            ("吕强", id(3), "LX"),
        ]))
        .expect("utf8");
        let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
        let sent = exec(&lx, "roster submit --name 娄星区第一批.csv", &gbk).await;
        assert_eq!(sent.code, Some(0), "{}: {}", t.name, sent.err);
        let rid = common::submitted_id(&sent.text());

        let shown = exec(&college, &format!("roster show {rid} --format csv"), b"").await;
        assert_eq!(shown.code, Some(0), "{}", shown.err);
        assert!(shown.text().contains("单雄") && shown.text().contains("校验通过"));

        // The unit cannot review, the college cannot approve.
        let refused = exec(&lx, &format!("roster review {rid} --accept all"), b"").await;
        assert_eq!(refused.code, Some(3), "{}", refused.err);
        let early = exec(&office, &format!("roster approve {rid}"), b"").await;
        assert_eq!(early.code, Some(1), "not reviewed yet: {}", early.err);

        let review = exec(
            &college,
            &format!("roster review {rid} --accept 2-3 --reject 4 --reason 非本单位干部 --pass"),
            b"",
        )
        .await;
        assert_eq!(review.code, Some(0), "{}", review.err);
        assert!(review.text().contains("报送"), "{}", review.text());

        let approved = exec(&office, &format!("roster approve {rid}"), b"").await;
        assert_eq!(approved.code, Some(0), "{}", approved.err);
        assert!(
            approved.text().contains("发放账号 2 个"),
            "{}",
            approved.text()
        );

        let list = exec(&lx, "roster list --format json", b"").await;
        let rows: serde_json::Value = serde_json::from_slice(&list.out).expect("json");
        assert_eq!(rows[0]["status"], "approved");
        assert_eq!(rows[0]["approved_by"], "office");

        let creds = exec(&lx, &format!("roster credentials {rid} --format csv"), b"").await;
        assert_eq!(creds.code, Some(0), "{}", creds.err);
        let issued = common::credential_rows(&creds.out);
        let names: Vec<&str> = issued.iter().map(|(u, _)| u.as_str()).collect();
        assert_eq!(names, ["shanxiong", "zengmin"], "{}", t.name);

        let again = exec(&lx, &format!("roster credentials {rid} --format csv"), b"").await;
        assert_eq!(again.code, Some(1), "only once");
        assert!(
            again.out.is_empty() && again.err.contains("已领取"),
            "{}",
            again.err
        );
        let stored = common::count(
            &t.db,
            "SELECT COUNT(*) FROM roster_rows WHERE initial_password IS NOT NULL",
        )
        .await;
        assert_eq!(stored, 0, "passwords gone from the system");

        // The issued accounts exist, must change their password, and their password works.
        let must_change = common::count(
            &t.db,
            "SELECT COUNT(*) FROM accounts WHERE must_change = 1 AND batch = 2 AND username IN ('shanxiong', 'zengmin')",
        )
        .await;
        assert_eq!(must_change, 2);
        // Each row's password is its own account's.
        for (user, pw) in &issued {
            assert!(connect(addr, user, pw).await.is_some(), "{user} signs in");
        }
        assert!(connect(addr, &issued[0].0, &issued[1].1).await.is_none());
    }
}

async fn actor(t: &TestDb, name: &str) -> Actor {
    Actor::load(&t.db, name, "test").await.expect("actor")
}

#[tokio::test]
async fn another_unit_cannot_see_or_act_and_bad_files_save_nothing() {
    for t in TestDb::all().await {
        common::seed_demo(&t.db, 30).await;
        admin::add_staff(
            &t.db,
            &Actor::local_operator(),
            AddStaff {
                role: RoleKind::Unit,
                unit_code: Some("XH"),
                username: "xh_liaison",
                real_name: Some("新化县联络员"),
                password: Some("Xinhua2026pw".into()),
            },
            common::NOW,
        )
        .await
        .expect("xh staff");
        let lx = actor(&t, "lx_liaison").await;
        let xh = actor(&t, "xh_liaison").await;

        // Out of scope, unknown unit, formula, duplicate: refused whole, nothing saved.
        let bad = roster_csv(&[
            ("张三", id(10), "LX01"),
            ("李四", id(11), "XH"),
            ("王五", id(12), "NOPE"),
            ("=1+1", id(13), "LX01"),
            ("赵六", id(10), "LX01"),
        ]);
        let (code, out, err) = local(&t, &lx, "roster submit", &bad).await;
        assert_eq!(code, 2, "{err}");
        assert!(out.is_empty());
        for want in [
            "第3行「单位」：新化县不在您的管理范围内",
            "第4行「单位」：没有代码或名称为「NOPE」的单位",
            "第5行「姓名」：内容以 = + - @ 开头",
            "第6行「身份证号」：与第2行的身份证号重复",
        ] {
            assert!(err.contains(want), "{want} in {err}");
        }
        assert_eq!(
            common::count(&t.db, "SELECT COUNT(*) FROM roster_submissions").await,
            0
        );

        let good = roster_csv(&[("张三", id(10), "LX01")]);
        let (code, out, err) = local(&t, &lx, "roster submit", &good).await;
        assert_eq!(code, 0, "{err}");
        let rid = common::submitted_id(&out);

        // The same person again while the first roster is open.
        let (code, _, err) = local(&t, &lx, "roster submit", &good).await;
        assert_eq!(code, 2);
        assert!(err.contains("已在另一份待处理的名单中"), "{err}");

        let (code, out, _) = local(&t, &xh, "roster list --format csv", b"").await;
        assert_eq!(code, 0);
        assert_eq!(out.lines().count(), 1, "only the header: {out}");
        for line in [
            format!("roster show {rid}"),
            format!("roster credentials {rid}"),
            format!("roster return {rid} --reason x"),
        ] {
            let (code, out, err) = local(&t, &xh, &line, b"").await;
            assert_eq!(code, 3, "{line}: {err}");
            assert!(out.is_empty());
        }
        let (code, _, _) = local(&t, &xh, "roster show 9999", b"").await;
        assert_eq!(code, 4);

        // xlsx with the ID column kept as numbers: the lost digits are named.
        let xlsx = numeric_id_workbook();
        let (code, _, err) = local(&t, &lx, "roster submit --format xlsx", &xlsx).await;
        assert_eq!(code, 2);
        assert!(
            err.contains("第2行「身份证号」") && err.contains("末尾几位已丢失"),
            "{err}"
        );
    }
}

fn numeric_id_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["姓名", "身份证号", "单位", "批次"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    sheet.write_string(1, 0, "张三").expect("name");
    sheet
        .write_number(1, 1, 431302200102030000.0)
        .expect("numeric id");
    sheet.write_string(1, 2, "LX01").expect("unit");
    sheet.write_number(1, 3, 2.0).expect("batch");
    book.save_to_buffer().expect("xlsx")
}

/// A roster submitted by 娄星区's liaison, every row accepted by the college and passed on.
async fn reviewed(t: &TestDb, file: &[u8]) -> submission::Submitted {
    let lx = actor(t, "lx_liaison").await;
    let college = actor(t, "college").await;
    let done = submission::submit(&t.db, &lx, file, None, "a.csv", common::NOW)
        .await
        .expect("submit");
    submission::review(
        &t.db,
        &college,
        done.id,
        &[(1, i64::MAX)],
        &Decision::Accept,
        common::NOW,
    )
    .await
    .expect("accept all");
    submission::pass(&t.db, &college, done.id, common::NOW)
        .await
        .expect("pass");
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn double_approval_issues_accounts_once() {
    for t in TestDb::all().await {
        common::seed_demo(&t.db, 20).await;
        let lx = actor(&t, "lx_liaison").await;
        let college = actor(&t, "college").await;
        let office = actor(&t, "office").await;
        let bytes = roster_csv(&[("张三", id(20), "LX01"), ("张三", id(21), "LX02")]);
        let done = reviewed(&t, &bytes).await;
        let before = common::count(&t.db, "SELECT COUNT(*) FROM accounts").await;
        let (p1, p2) = (Progress::default(), Progress::default());
        let (a, b) = tokio::join!(
            submission::approve(&t.db, &office, done.id, &p1, common::NOW),
            submission::approve(&t.db, &office, done.id, &p2, common::NOW),
        );
        let ok = [&a, &b].iter().filter(|r| r.is_ok()).count();
        assert_eq!(ok, 1, "{a:?} {b:?}");
        assert!(matches!(
            a.as_ref().err().or(b.as_ref().err()),
            Some(Error::Conflict(_))
        ));
        let third = submission::approve(&t.db, &office, done.id, &p1, common::NOW).await;
        assert!(matches!(third, Err(Error::Conflict(_))), "{third:?}");
        let after = common::count(&t.db, "SELECT COUNT(*) FROM accounts").await;
        assert_eq!(after - before, 2, "{}", t.name);
        let names = common::count(
            &t.db,
            "SELECT COUNT(*) FROM accounts WHERE username IN ('zhangsan', 'zhangsan2')",
        )
        .await;
        assert_eq!(names, 2, "pinyin usernames, numbered on collision");
        assert_eq!(p1.get().1, 2);
        let audits = common::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'roster.approve'",
        )
        .await;
        assert_eq!(audits, 1);

        // Rejecting needs a reason; a returned roster frees its ID numbers.
        let again = roster_csv(&[("李四", id(22), "LX01")]);
        let second = submission::submit(&t.db, &lx, &again, None, "b.csv", common::NOW)
            .await
            .expect("submit");
        let no_reason = Decision::Reject { reason: " ".into() };
        assert!(matches!(
            submission::review(
                &t.db,
                &college,
                second.id,
                &[(2, 2)],
                &no_reason,
                common::NOW
            )
            .await,
            Err(Error::Invalid { .. })
        ));
        submission::send_back(&t.db, &office, second.id, "信息不全", common::NOW)
            .await
            .expect("return");
        submission::submit(&t.db, &lx, &again, None, "b2.csv", common::NOW)
            .await
            .expect("resubmit after return");
    }
}

/// "After that the passwords are gone from the system": once fetched, no initial password is
/// left in the SQLite file, not even in the free space of the pages that held it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetched_passwords_leave_no_trace_in_the_sqlite_file() {
    let t = TestDb::sqlite().await;
    common::seed_demo(&t.db, 20).await;
    let lx = actor(&t, "lx_liaison").await;
    let office = actor(&t, "office").await;
    let rows: Vec<(String, String)> = (0..40)
        .map(|i| {
            (
                format!("李{}", ["一", "二", "三", "四"][i % 4]),
                id(40 + i as u32),
            )
        })
        .collect();
    let file: Vec<(&str, String, &str)> = rows
        .iter()
        .map(|(name, id)| (name.as_str(), id.clone(), "LX01"))
        .collect();
    let done = reviewed(&t, &roster_csv(&file)).await;
    submission::approve(&t.db, &office, done.id, &Progress::default(), common::NOW)
        .await
        .expect("approve");
    let issued = submission::credentials(&t.db, &lx, done.id, common::NOW)
        .await
        .expect("credentials");
    assert_eq!(issued.len(), 40);
    // While the database is open (the server running), then after it is closed.
    let path = t.url.trim_start_matches("sqlite://").to_string();
    let files = || {
        ["", "-wal"].map(|suffix| {
            let name = format!("{path}{suffix}");
            (std::fs::read(&name).unwrap_or_default(), name)
        })
    };
    let open = files();
    // Nothing reads now: emptying the log again finishes at once.
    assert!(t.db.forget_freed().await.expect("checkpoint"));
    t.db.close().await;
    for (content, name) in open.iter().chain(files().iter()) {
        for c in &issued {
            let pw = c.password.as_bytes();
            assert!(
                !content.windows(pw.len()).any(|w| w == pw),
                "{}'s initial password is still in {name}",
                c.username
            );
        }
    }
}
