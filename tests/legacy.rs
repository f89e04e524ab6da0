//! The legacy site's migration on both databases: users with MD5, salted MD5 and bcrypt hashes and
//! their records are imported, bad rows reported, a rerun adds nothing, and the first sign-in with
//! the old password replaces the hash by Argon2id (audited) — the same function SSH and the web use.

mod common;

use common::{NOW, TestDb};
use wangyuan::app::auth::{self, Denied};
use wangyuan::app::legacy::{self, Report};
use wangyuan::app::password::md5_hex;
use wangyuan::app::{Actor, Error};
use wangyuan::store::Db;

/// Valid ID numbers (check digits computed) for the people below.
const ID_WANG: &str = "11010519491231002X";
const ID_ZHAO: &str = "110105198001010016";
const ID_LI: &str = "110105199003070017";

pub fn users_csv() -> String {
    let plain = md5_hex(b"Xuexi123");
    let salted = md5_hex(format!("{}{}", md5_hex(b"Gongzuo88"), "k3Jd").as_bytes());
    let bcrypt = bcrypt::hash_with_salt("Dangshi66", 4, [9u8; 16])
        .expect("bcrypt")
        .format_for_version(bcrypt::Version::TwoY);
    format!(
        "\u{feff}用户名,姓名,身份证号,单位代码,密码哈希,盐\n\
         wangli,王丽,{ID_WANG},LX,{},\n\
         zhaoqiang,赵强,{ID_ZHAO},XH,{salted},k3Jd\n\
         li_na,李娜,{ID_LI},LX,{bcrypt},\n\
         nobody,无单位,110105197001010011,NOSUCH,{plain},\n\
         wangli,王丽,{ID_WANG},LX,{plain},\n",
        plain.to_uppercase()
    )
}

pub const RECORDS_CSV: &str = "record_id,username,title,kind,credits,date\n\
    101,wangli,学习贯彻党章,必修,2.5,2019-06-01\n\
    102,wangli,经济形势分析,选修,1.5,2019-12-31\n\
    103,nobody,不存在的人,必修,1,2019-01-01\n";

async fn import(db: &Db) -> Report {
    let users = users_csv();
    legacy::import(
        db,
        &Actor::local_operator(),
        users.as_bytes(),
        Some(RECORDS_CSV.as_bytes()),
        NOW,
    )
    .await
    .expect("import")
}

/// The rows of `users_csv` and `RECORDS_CSV` that are not imported, where and why.
fn assert_problems(report: &Report) {
    let where_: Vec<(&str, u64)> = report.problems.iter().map(|p| (p.file, p.line)).collect();
    assert_eq!(
        where_,
        vec![("users.csv", 5), ("users.csv", 6), ("records.csv", 4)],
        "{:?}",
        report.problems
    );
    assert!(report.problems[0].reason.contains("NOSUCH"));
    assert!(report.problems[1].reason.contains("重复"));
    assert!(report.problems[2].reason.contains("nobody"));
}

async fn scheme(t: &TestDb, username: &'static str) -> String {
    let sql: &'static str = match username {
        "wangli" => "SELECT password_scheme FROM accounts WHERE username = 'wangli'",
        "zhaoqiang" => "SELECT password_scheme FROM accounts WHERE username = 'zhaoqiang'",
        _ => "SELECT password_scheme FROM accounts WHERE username = 'li_na'",
    };
    sqlx::query_scalar(sql)
        .fetch_one(t.db.reader())
        .await
        .expect("scheme")
}

#[tokio::test]
async fn import_reports_bad_rows_and_a_rerun_adds_nothing() {
    for t in TestDb::with_city(1).await {
        let accounts_before = common::count(&t.db, "SELECT COUNT(*) FROM accounts").await;
        let first = import(&t.db).await;
        assert_eq!(
            (first.users_added, first.users_present),
            (3, 0),
            "{}",
            t.name
        );
        assert_eq!((first.records_added, first.records_present), (2, 0));
        assert_problems(&first);

        let ledger_sql = "SELECT COUNT(*) FROM ledger WHERE kind = 'legacy'";
        assert_eq!(common::count(&t.db, ledger_sql).await, 2);
        let standing = common::count(
            &t.db,
            "SELECT s.required + s.elective FROM standings s JOIN accounts a ON a.id = s.account_id \
             WHERE a.username = 'wangli' AND s.year = 2019",
        )
        .await;
        assert_eq!(standing, 40, "2.5 + 1.5 credits in tenths");
        let batch1 = common::count(
            &t.db,
            "SELECT COUNT(*) FROM accounts WHERE batch = 1 AND must_change = 0 \
             AND username IN ('wangli', 'zhaoqiang', 'li_na')",
        )
        .await;
        assert_eq!(batch1, 3);

        let again = import(&t.db).await;
        assert_eq!((again.users_added, again.users_present), (0, 3));
        assert_eq!((again.records_added, again.records_present), (0, 2));
        assert_eq!(
            common::count(&t.db, "SELECT COUNT(*) FROM accounts").await,
            accounts_before + 3
        );
        assert_eq!(common::count(&t.db, ledger_sql).await, 2);
        assert_eq!(
            common::count(
                &t.db,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'legacy.import'"
            )
            .await,
            2
        );
    }
}

/// The same two files saved as GBK, as the old Chinese site exports them, import the same: Chinese
/// headers, names, titles and kinds decoded, the same rows reported.
#[tokio::test]
async fn gbk_users_and_records_import_like_utf8() {
    for t in TestDb::with_city(1).await {
        let users = users_csv();
        let (users_gbk, _, unmappable) =
            encoding_rs::GBK.encode(users.trim_start_matches('\u{feff}'));
        assert!(!unmappable);
        let records = RECORDS_CSV.replace(
            "record_id,username,title,kind,credits,date",
            "记录编号,用户名,课程名称,类型,学分,日期",
        );
        let (records_gbk, _, unmappable) = encoding_rs::GBK.encode(&records);
        assert!(!unmappable);
        assert!(std::str::from_utf8(&users_gbk).is_err(), "really GBK bytes");
        assert!(
            std::str::from_utf8(&records_gbk).is_err(),
            "really GBK bytes"
        );
        let report = legacy::import(
            &t.db,
            &Actor::local_operator(),
            &users_gbk,
            Some(&records_gbk),
            NOW,
        )
        .await
        .expect("import");
        assert_eq!(
            (report.users_added, report.records_added),
            (3, 2),
            "{}: {:?}",
            t.name,
            report.problems
        );
        assert_problems(&report);
        let name: String =
            sqlx::query_scalar("SELECT real_name FROM accounts WHERE username = 'zhaoqiang'")
                .fetch_one(t.db.reader())
                .await
                .expect("name");
        assert_eq!(name, "赵强", "{}", t.name);
        let titles: Vec<String> = sqlx::query_scalar(
            "SELECT l.reason FROM ledger l JOIN accounts a ON a.id = l.account_id \
             WHERE a.username = 'wangli' AND l.kind = 'legacy' ORDER BY l.earned_at",
        )
        .fetch_all(t.db.reader())
        .await
        .expect("titles");
        assert_eq!(titles, ["学习贯彻党章", "经济形势分析"], "{}", t.name);

        // Bytes that are neither UTF-8 nor GB18030 refuse the file, and nothing is imported.
        let before = common::count(&t.db, "SELECT COUNT(*) FROM accounts").await;
        let mut broken = users_gbk.to_vec();
        broken.extend_from_slice(b"\xff\xff,x,y,LX,z\n");
        let r = legacy::import(&t.db, &Actor::local_operator(), &broken, None, NOW).await;
        match r {
            Err(Error::Invalid { field, reason }) => {
                assert_eq!(field, "users.csv");
                assert!(reason.contains("编码无法识别"), "{reason}");
            }
            other => panic!("{}: {other:?}", t.name),
        }
        assert_eq!(
            common::count(&t.db, "SELECT COUNT(*) FROM accounts").await,
            before
        );
    }
}

#[tokio::test]
async fn only_the_office_imports_and_a_broken_file_imports_nothing() {
    for t in TestDb::with_city(1).await {
        let accounts_before = common::count(&t.db, "SELECT COUNT(*) FROM accounts").await;
        let learner: String =
            sqlx::query_scalar("SELECT username FROM accounts WHERE is_learner = 1 LIMIT 1")
                .fetch_one(t.db.reader())
                .await
                .expect("a learner");
        let someone = Actor::load(&t.db, &learner, "test").await.expect("actor");
        let users = users_csv();
        let r = legacy::import(&t.db, &someone, users.as_bytes(), None, NOW).await;
        assert!(matches!(r, Err(Error::Forbidden(_))), "{r:?}");
        let op = Actor::local_operator();
        let r = legacy::import(&t.db, &op, b"username,name\nx,y\n", None, NOW).await;
        assert!(matches!(r, Err(Error::Invalid { .. })), "{r:?}");
        assert_eq!(
            common::count(&t.db, "SELECT COUNT(*) FROM accounts").await,
            accounts_before
        );
    }
}

#[tokio::test]
async fn legacy_passwords_sign_in_once_then_are_argon2id() {
    for t in TestDb::with_city(1).await {
        import(&t.db).await;
        // A wrong password leaves the old hash alone.
        let wrong = auth::with_password(&t.db, "wangli", "xuexi123", "10.0.0.1", NOW)
            .await
            .expect("db");
        assert_eq!(wrong.err(), Some(Denied::BadCredentials));
        assert_eq!(scheme(&t, "wangli").await, "md5");

        for (user, pw, was) in [
            ("wangli", "Xuexi123", "md5"),
            ("zhaoqiang", "Gongzuo88", "md5_salted"),
            ("li_na", "Dangshi66", "bcrypt"),
        ] {
            assert_eq!(scheme(&t, user).await, was, "{}", t.name);
            let ok = auth::with_password(&t.db, user, pw, "10.0.0.1", NOW + 1)
                .await
                .expect("db");
            let signed = ok.unwrap_or_else(|e| panic!("{user}: {e}"));
            assert!(!signed.must_change);
            assert_eq!(scheme(&t, user).await, "argon2id", "{user}");
            // The new hash verifies the same password, and only it.
            let again = auth::with_password(&t.db, user, pw, "10.0.0.1", NOW + 2)
                .await
                .expect("db");
            assert!(again.is_ok(), "{user} after rehash");
            let bad = auth::with_password(&t.db, user, "Nottheone1", "10.0.0.2", NOW + 3)
                .await
                .expect("db");
            assert_eq!(bad.err(), Some(Denied::BadCredentials));
        }
        let rehashed = common::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'password.rehash' AND after = 'argon2id'",
        )
        .await;
        assert_eq!(rehashed, 3, "one rehash per account, audited");
        let salts = common::count(
            &t.db,
            "SELECT COUNT(*) FROM accounts WHERE password_salt IS NOT NULL",
        )
        .await;
        assert_eq!(salts, 0, "the legacy salt goes with the legacy hash");
    }
}
