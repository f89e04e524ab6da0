//! Signing in on both databases: password, lockout after 5 failures in 15 minutes (shared through
//! the database), the per-address slowdown, disabled accounts, SSH keys, and the audit trail.

mod common;

use common::{NOW, TestDb};
use wangyuan::app::actor::RoleKind;
use wangyuan::app::admin::{self, AddStaff};
use wangyuan::app::auth::{self, Denied, MAX_ADDRESS_FAILURES, WINDOW_SECS};
use wangyuan::app::{Actor, Error};
use wangyuan::store::Db;

const PASSWORD: &str = "Jiangnan2026";
const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGV3QLbMn0zeoKb7D2KUyh4ihvtRtM7ZKMDvu1ISqj2W lx@test";

async fn staff(db: &Db) {
    let op = Actor::local_operator();
    let req = AddStaff {
        role: RoleKind::Unit,
        unit_code: Some("LX"),
        username: "lxhr",
        real_name: Some("娄星区联络员"),
        password: Some(PASSWORD.into()),
    };
    admin::add_staff(db, &op, req, NOW).await.expect("staff");
}

async fn audits(t: &TestDb, action: &'static str) -> i64 {
    let sql: &'static str = match action {
        "login.ok" => {
            "SELECT COUNT(*) FROM audit_log WHERE action = 'login.ok' AND address = '10.1.2.3'"
        }
        "login.fail" => {
            "SELECT COUNT(*) FROM audit_log WHERE action = 'login.fail' AND address = '10.1.2.3'"
        }
        _ => "SELECT COUNT(*) FROM audit_log WHERE action = 'login.locked'",
    };
    common::count(&t.db, sql).await
}

#[tokio::test]
async fn password_sign_in_and_lockout() {
    for t in TestDb::with_city(1).await {
        staff(&t.db).await;
        let ok = auth::with_password(&t.db, "lxhr", PASSWORD, "10.1.2.3", NOW)
            .await
            .expect("db");
        let signed = ok.expect("right password signs in");
        assert!(signed.actor.has(RoleKind::Unit));
        assert_eq!(signed.real_name, "娄星区联络员");
        assert_eq!(audits(&t, "login.ok").await, 1, "{}", t.name);

        for i in 0..5 {
            let r = auth::with_password(&t.db, "lxhr", "wrong", "10.1.2.3", NOW + i)
                .await
                .expect("db");
            assert_eq!(r.err(), Some(Denied::BadCredentials));
        }
        assert_eq!(audits(&t, "login.fail").await, 5);
        // Locked: even the right password is refused, on any node (the lock is in the database).
        let other_node = Db::open(&t.url).await.expect("second connection");
        let locked = auth::with_password(&other_node, "lxhr", PASSWORD, "10.9.9.9", NOW + 60)
            .await
            .expect("db");
        assert!(
            matches!(locked, Err(Denied::Locked { minutes }) if minutes == 15),
            "{locked:?}"
        );
        assert!(audits(&t, "login.locked").await >= 1);
        // After the lock expires the right password works again, and clears the failures.
        let later = auth::with_password(&t.db, "lxhr", PASSWORD, "10.1.2.3", NOW + 5 + WINDOW_SECS)
            .await
            .expect("db");
        assert!(later.is_ok(), "{:?}", later.err());
        let after = auth::with_password(&t.db, "lxhr", "wrong", "10.1.2.3", NOW + 6 + WINDOW_SECS)
            .await
            .expect("db");
        assert_eq!(
            after.err(),
            Some(Denied::BadCredentials),
            "one failure after success does not lock"
        );
        let still = auth::with_password(&t.db, "lxhr", PASSWORD, "10.1.2.3", NOW + 7 + WINDOW_SECS)
            .await
            .expect("db");
        assert!(still.is_ok());
    }
}

#[tokio::test]
async fn unknown_users_and_one_address_guessing_many_accounts() {
    for t in TestDb::with_city(1).await {
        staff(&t.db).await;
        let r = auth::with_password(&t.db, "nobody", "x", "10.1.2.3", NOW)
            .await
            .expect("db");
        assert_eq!(r.err(), Some(Denied::BadCredentials));
        for i in 0..MAX_ADDRESS_FAILURES {
            let user = format!("guess{i}");
            let _ = auth::with_password(&t.db, &user, "x", "10.7.7.7", NOW + i)
                .await
                .expect("db");
        }
        let throttled = auth::with_password(&t.db, "lxhr", PASSWORD, "10.7.7.7", NOW + 100)
            .await
            .expect("db");
        assert_eq!(
            throttled.err(),
            Some(Denied::AddressThrottled),
            "{}",
            t.name
        );
        let elsewhere = auth::with_password(&t.db, "lxhr", PASSWORD, "10.8.8.8", NOW + 100)
            .await
            .expect("db");
        assert!(elsewhere.is_ok(), "other addresses are not slowed");
    }
}

#[tokio::test]
async fn disabled_accounts_are_refused_after_the_password_check() {
    for t in TestDb::with_city(1).await {
        staff(&t.db).await;
        sqlx::query("UPDATE accounts SET status = 'disabled' WHERE username = 'lxhr'")
            .execute(t.db.reader())
            .await
            .expect("disable");
        let r = auth::with_password(&t.db, "lxhr", PASSWORD, "10.1.2.3", NOW)
            .await
            .expect("db");
        assert_eq!(r.err(), Some(Denied::Disabled));
        let wrong = auth::with_password(&t.db, "lxhr", "nope", "10.1.2.3", NOW)
            .await
            .expect("db");
        assert_eq!(
            wrong.err(),
            Some(Denied::BadCredentials),
            "a wrong password says nothing about the account"
        );
    }
}

#[tokio::test]
async fn ssh_keys_sign_in_their_owner_only() {
    for t in TestDb::with_city(1).await {
        staff(&t.db).await;
        let op = Actor::local_operator();
        let bad = admin::add_key(&t.db, &op, "lxhr", "ssh-ed25519 garbage", NOW).await;
        assert!(matches!(bad, Err(Error::Invalid { .. })), "{bad:?}");
        let fp = admin::add_key(&t.db, &op, "lxhr", KEY, NOW)
            .await
            .expect("add key");
        assert!(fp.starts_with("SHA256:"));
        let again = admin::add_key(&t.db, &op, "lxhr", KEY, NOW).await;
        assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
        let signed = auth::with_key(&t.db, "lxhr", &fp, "10.1.2.3", NOW)
            .await
            .expect("db");
        assert!(signed.is_ok());
        let wrong_user = auth::with_key(&t.db, "office", &fp, "10.1.2.3", NOW)
            .await
            .expect("db");
        assert_eq!(wrong_user.err(), Some(Denied::BadCredentials));
        // Staff add their own keys; adding one for somebody else needs the office.
        let lx = Actor::load(&t.db, "lxhr", "10.1.2.3").await.expect("actor");
        let other = admin::add_key(&t.db, &lx, "nobody-else", KEY, NOW).await;
        assert!(matches!(other, Err(Error::NotFound(_))), "{other:?}");
    }
}
