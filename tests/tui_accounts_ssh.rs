//! The roster workflow and account care through the staff interface over real SSH, on both
//! databases: russh clients on a PTY type keys and read the screen through vt100, waiting for
//! text. A liaison submits a roster (exec); the college opens it on the 名单 tab, accepts two rows,
//! rejects one with a reason and passes it on; the office approves it (已批准); the liaison fetches
//! the credentials once (exec), which the office then sees as 已发放. On the 账号 tab the office
//! finds an issued account, disables it, resets its password, grants it the office role, adds and
//! removes an SSH key; the database and the audit log are checked after each step. The college is
//! refused role changes and changes to a staff account at once, in Chinese, with nothing changed.

mod common;

use common::TestDb;
use common::ssh::{Pty, connect, exec, start};
use wangyuan::store::Db;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

/// A public key made for this test (`ssh-keygen -t ed25519 -C me@host`) and its fingerprint.
const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDQIYory/slZTCHOVKCiUiixr+5RgvvQoO1asvXWANiA me@host";
const KEY_FP: &str = "SHA256:tEACtjlhY6DyNTPYXWB39IFHL5l1atbDAt/Mf00DgBY";

/// (status, reject_reason) of each row, in row order.
async fn rows(db: &Db, id: i64) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT status, reject_reason FROM roster_rows WHERE submission_id = $1 ORDER BY row_no",
    )
    .bind(id)
    .fetch_all(db.reader())
    .await
    .expect("rows")
}

async fn submission_status(db: &Db, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM roster_submissions WHERE id = $1")
        .bind(id)
        .fetch_one(db.reader())
        .await
        .expect("status")
}

/// One audit row: (actor, before, after, detail).
type Audit = (String, Option<String>, Option<String>, String);

/// The newest audit row with `action` about the account (`target` = `account:<id>`).
async fn audit(db: &Db, action: &str, account_id: i64) -> Option<Audit> {
    sqlx::query_as(
        "SELECT actor, before, after, detail FROM audit_log \
         WHERE action = $1 AND target = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(action.to_string())
    .bind(format!("account:{account_id}"))
    .fetch_optional(db.reader())
    .await
    .expect("audit")
}

/// (id, status, must_change, password_hash) of an account.
async fn account(db: &Db, username: &str) -> (i64, String, i64, String) {
    sqlx::query_as(
        "SELECT id, status, must_change, password_hash FROM accounts WHERE username = $1",
    )
    .bind(username.to_string())
    .fetch_one(db.reader())
    .await
    .expect("account")
}

async fn roles(db: &Db, account_id: i64) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT r.role, u.code FROM roles r JOIN units u ON u.id = r.unit_id \
         WHERE r.account_id = $1 ORDER BY r.id",
    )
    .bind(account_id)
    .fetch_all(db.reader())
    .await
    .expect("roles")
}

async fn keys(db: &Db, account_id: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT fingerprint FROM ssh_keys WHERE account_id = $1 ORDER BY id")
        .bind(account_id)
        .fetch_all(db.reader())
        .await
        .expect("keys")
}

/// Types a line on the prompt that shows `label`, then confirms the question that shows `question`.
async fn ask_and_confirm(pty: &mut Pty, key: &[u8], label: &str, line: &str, question: &str) {
    pty.send(key).await;
    pty.expect(&[label]).await;
    pty.send(line.as_bytes()).await;
    pty.send(b"\r").await;
    pty.expect(&[question]).await;
    pty.send(b"y").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_and_account_care_over_ssh_in_the_tui() {
    for t in TestDb::all().await {
        let summary = common::seed_demo(&t.db, 50).await;
        let addr = start(&t.db).await;
        let mut signed_in = Vec::new();
        for user in ["lx_liaison", "college", "office"] {
            let password = common::staff_password(&summary, user);
            signed_in.push(connect(addr, user, &password).await.expect(user));
        }
        let [lx, college, office] = <[_; 3]>::try_from(signed_in).ok().expect("three sessions");

        // The liaison's 名单 tab, still empty, shows how to submit from its own computer.
        let ssh = format!("ssh -p {} lx_liaison@服务器", addr.port());
        let mut liaison = Pty::open(&lx, WIDTH, HEIGHT, &format!("{} lx", t.name)).await;
        liaison.expect(&["总览"]).await;
        liaison.send(b"\t\t\t").await;
        liaison
            .expect(&["本单位名单", &format!("{ssh} roster submit < 名单.xlsx")])
            .await;

        // The liaison submits the file over exec.
        let sent = exec(
            &lx,
            "roster submit --name 娄星区.csv",
            common::lx_roster_csv().as_bytes(),
        )
        .await;
        assert_eq!(sent.code, Some(0), "{}: {}", t.name, sent.err);
        let rid = common::submitted_id(&sent.text());

        // The college: 名单 tab, open the roster, accept two marked rows, reject the third.
        let mut col = Pty::open(&college, WIDTH, HEIGHT, &format!("{} college", t.name)).await;
        col.expect(&["总览", "娄星区"]).await;
        col.send(b"\t\t\t").await;
        col.expect(&["[名单]", "待审核：1 份"]).await;
        col.send(b"\r").await;
        col.expect(&["单雄信", "曾国华", "吕梅", "校验通过"]).await;
        col.send(b"  ").await;
        col.expect(&["已标记 2 行"]).await;
        col.send(b"a").await;
        col.expect(&["已通过 2 行"]).await;
        let accepted = ("accepted".to_string(), String::new());
        let pending = ("pending".to_string(), String::new());
        assert_eq!(
            rows(&t.db, rid).await,
            [accepted.clone(), accepted.clone(), pending],
            "{}",
            t.name
        );
        col.send(b"x").await;
        col.expect(&["不通过 1 行的理由："]).await;
        col.send("非本单位干部".as_bytes()).await;
        col.send(b"\r").await;
        col.expect(&["已不通过 1 行", "非本单位干部"]).await;
        let rejected = ("rejected".to_string(), "非本单位干部".to_string());
        assert_eq!(
            rows(&t.db, rid).await,
            [accepted.clone(), accepted, rejected]
        );
        // Passing on asks first, like approval.
        col.send(b"p").await;
        col.expect(&["给市在线学习办？"]).await;
        col.send(b"y").await;
        col.expect(&["已报送"]).await;
        assert_eq!(submission_status(&t.db, rid).await, "reviewed");

        // The office approves on its 名单 tab, after a y/n question.
        let mut off = Pty::open(&office, WIDTH, HEIGHT, &format!("{} office", t.name)).await;
        off.expect(&["总览", "娄星区"]).await;
        off.send(b"\t\t\t").await;
        off.expect(&["待审批：1 份"]).await;
        off.send(b"\r").await;
        off.expect(&["已审核", "吕梅"]).await;
        off.send(b"o").await;
        off.expect(&[&format!("批准名单 {rid}，为通过审核的 2 人发放账号？")])
            .await;
        off.send(b"y").await;
        off.expect(&["发放账号 2 个", "已批准", "shanxiongxin", "zengguohua"])
            .await;
        assert_eq!(submission_status(&t.db, rid).await, "approved");

        // The liaison's 名单 tab shows the approval and the command line that fetches the
        // credentials.
        let mut liaison = Pty::open(&lx, WIDTH, HEIGHT, &format!("{} lx", t.name)).await;
        liaison.expect(&["总览"]).await;
        liaison.send(b"\t\t\t").await;
        liaison.expect(&["本单位名单", "已批准"]).await;
        liaison.send(b"\r").await;
        liaison
            .expect(&[&format!("{ssh} roster credentials {rid}")])
            .await;

        // The liaison fetches the credentials once; the second fetch is refused.
        let creds = exec(&lx, &format!("roster credentials {rid} --format csv"), b"").await;
        assert_eq!(creds.code, Some(0), "{}", creds.err);
        let issued = common::credential_rows(&creds.out);
        assert_eq!(issued.len(), 2, "{}", creds.text());
        let again = exec(&lx, &format!("roster credentials {rid} --format csv"), b"").await;
        assert_eq!(again.code, Some(1), "{}", t.name);
        assert!(
            again.out.is_empty() && again.err.contains("已领取"),
            "{}",
            again.err
        );
        off.send(b"\x1b").await;
        off.expect(&["已发放"]).await;
        assert_eq!(submission_status(&t.db, rid).await, "issued");

        // 账号: find the issued account and open it.
        let (user, password) = issued[0].clone();
        assert_eq!(user, "shanxiongxin");
        let (id, _, _, hash_before) = account(&t.db, &user).await;
        assert!(connect(addr, &user, &password).await.is_some(), "{user}");
        off.send(b"\t/").await;
        off.expect(&["筛选："]).await;
        off.send(format!("{user}\r").as_bytes()).await;
        off.expect(&[&format!("查找“{user}” · 1 个"), &format!("▶ {user}")])
            .await;
        off.send(b"\r").await;
        off.expect(&[&format!("账号 {user}"), "角色与公钥", "没有管理角色"])
            .await;

        // Disable, with a reason: it can no longer sign in.
        let q = format!("停用账号 {user}？");
        ask_and_confirm(&mut off, b"d", "停用原因：", "调离本市", &q).await;
        off.expect(&[&format!("账号 {user} 已停用")]).await;
        assert_eq!(account(&t.db, &user).await.1, "disabled", "{}", t.name);
        let (actor, before, after, detail) = audit(&t.db, "account.disable", id)
            .await
            .expect("account.disable audited");
        assert_eq!(actor, "office");
        assert_eq!(
            (before.as_deref(), after.as_deref()),
            (Some("active"), Some("disabled"))
        );
        assert!(detail.contains("调离本市"), "{detail}");
        assert!(connect(addr, &user, &password).await.is_none());

        // Reset the password: shown once, must be changed, audited.
        let q = format!("重置账号 {user} 的密码？");
        ask_and_confirm(&mut off, b"r", "重置密码原因：", "忘记密码", &q).await;
        off.expect(&["新初始密码（只显示这一次）"]).await;
        let (_, _, must_change, hash_after) = account(&t.db, &user).await;
        assert_eq!(must_change, 1);
        assert_ne!(hash_after, hash_before, "a new password hash");
        let (actor, _, _, detail) = audit(&t.db, "password.reset", id)
            .await
            .expect("password.reset audited");
        assert_eq!(actor, "office");
        assert!(detail.contains("忘记密码"), "{detail}");
        off.send(b"z").await;
        off.expect_gone("新初始密码").await;

        // Grant the office role: listed in the profile, stored and audited.
        let q = format!("授予账号 {user} 角色：市在线学习办（全市）？");
        ask_and_confirm(&mut off, b"g", "授予角色（", "office", &q).await;
        off.expect(&[&format!("已授予账号 {user} 角色：市在线学习办（娄底市）")])
            .await;
        off.expect(&["市在线学习办（LD 娄底市）", "角色 1 个"])
            .await;
        assert_eq!(
            roles(&t.db, id).await,
            [("office".to_string(), "LD".to_string())]
        );
        let (actor, _, after, _) = audit(&t.db, "role.grant", id)
            .await
            .expect("role.grant audited");
        assert_eq!(
            (actor.as_str(), after.as_deref()),
            ("office", Some("office @ LD"))
        );

        // Add an SSH key by pasting its line: the fingerprint is asked about, listed and stored.
        off.send(b"a").await;
        off.expect(&["粘贴 SSH 公钥"]).await;
        off.paste(KEY).await;
        off.expect(&["me@host"]).await;
        off.send(b"\r").await;
        off.expect(&[&format!("为账号 {user} 添加公钥"), KEY_FP])
            .await;
        off.send(b"y").await;
        off.expect(&[&format!("已为账号 {user} 添加公钥 {KEY_FP}"), "公钥 1 个"])
            .await;
        off.expect(&[&format!("{KEY_FP} ssh-ed25519 me@host")])
            .await;
        assert_eq!(keys(&t.db, id).await, [KEY_FP]);
        let (actor, _, after, _) = audit(&t.db, "ssh_key.add", id)
            .await
            .expect("ssh_key.add audited");
        assert_eq!((actor.as_str(), after.as_deref()), ("office", Some(KEY_FP)));

        // Remove it: select it below the role, then Del.
        off.send(b"j-").await;
        off.expect(&[&format!("删除账号 {user} 的公钥")]).await;
        off.send(b"y").await;
        off.expect(&[&format!("已删除账号 {user} 的公钥 {KEY_FP}"), "公钥 0 个"])
            .await;
        assert!(keys(&t.db, id).await.is_empty(), "{}", t.name);
        let (actor, before, _, _) = audit(&t.db, "ssh_key.remove", id)
            .await
            .expect("ssh_key.remove audited");
        assert_eq!(
            (actor.as_str(), before.as_deref()),
            ("office", Some(KEY_FP))
        );

        // The college may not change roles, nor change an account that now holds one.
        col.send(b"\x1b").await;
        col.expect(&["待审核：0 份"]).await;
        col.send(b"\t/").await;
        col.expect(&["筛选："]).await;
        col.send(format!("{user}\r").as_bytes()).await;
        col.expect(&[&format!("查找“{user}” · 1 个"), &format!("▶ {user}")])
            .await;
        col.send(b"\r").await;
        col.expect(&["市在线学习办（LD 娄底市）"]).await;
        col.send(b"g").await;
        col.expect(&["无权操作：授予或撤销管理角色仅限市在线学习办"])
            .await;
        assert!(!col.contents().contains("授予角色（"), "no prompt opened");
        // Refused at once, with the reason: no reason asked, no y/n (issue 12 point 2).
        col.send(b"e").await;
        col.expect(&["无权操作：修改管理人员账号仅限市在线学习办"])
            .await;
        assert!(!col.contents().contains("启用原因："), "nothing asked");
        assert_eq!(account(&t.db, &user).await.1, "disabled", "{}", t.name);
        assert!(audit(&t.db, "account.enable", id).await.is_none());
        assert_eq!(roles(&t.db, id).await.len(), 1);
    }
}
