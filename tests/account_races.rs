//! Account changes racing each other (issue 11, point 13): the permission check runs inside the
//! transaction that writes, on the account row locked (PostgreSQL) or under SQLite's one writer,
//! so two concurrent revocations cannot remove the last office holders, and a move committed
//! while a liaison's change waits is seen by that change's scope check.

mod common;

use common::{NOW, TestDb};
use wangyuan::app::actor::RoleKind;
use wangyuan::app::admin::{self, AddStaff};
use wangyuan::app::{Actor, Error, accounts, credentials};
use wangyuan::store::Db;

async fn office(db: &Db, username: &str) {
    let req = AddStaff {
        role: RoleKind::Office,
        unit_code: None,
        username,
        real_name: Some("市在线学习办"),
        password: Some("Jiangnan2026".into()),
    };
    admin::add_staff(db, &Actor::local_operator(), req, NOW)
        .await
        .expect("office holder");
}

async fn office_holders(db: &Db) -> i64 {
    common::count(
        db,
        "SELECT COUNT(DISTINCT account_id) FROM roles WHERE role = 'office'",
    )
    .await
}

/// Two offices revoke each other's role at the same moment, several times over: each time
/// exactly one succeeds and one office holder remains.
#[tokio::test]
async fn two_concurrent_revocations_leave_an_office() {
    for t in TestDb::with_city(1).await {
        for name in ["office_a", "office_b"] {
            office(&t.db, name).await;
        }
        assert_eq!(office_holders(&t.db).await, 2, "{}", t.name);
        let op = Actor::local_operator();
        for round in 0..8 {
            let (a, b) = tokio::join!(
                accounts::revoke_role(&t.db, &op, "office_a", RoleKind::Office, None, NOW),
                accounts::revoke_role(&t.db, &op, "office_b", RoleKind::Office, None, NOW),
            );
            let done = [a.is_ok(), b.is_ok()];
            assert_eq!(
                done.iter().filter(|ok| **ok).count(),
                1,
                "{} round {round}: {a:?} {b:?}",
                t.name
            );
            for r in [&a, &b] {
                if let Err(e) = r {
                    assert!(matches!(e, Error::Conflict(_)), "{}: {e:?}", t.name);
                }
            }
            assert_eq!(office_holders(&t.db).await, 1, "{} round {round}", t.name);
            let revoked = if a.is_ok() { "office_a" } else { "office_b" };
            accounts::grant_role(&t.db, &op, revoked, RoleKind::Office, None, NOW)
                .await
                .expect("grant back");
        }
    }
}

/// A liaison resets the password of a learner of its unit while another node moves the learner
/// out of the liaison's scope and has not committed yet. The liaison's change waits for the
/// move (the account row is locked) and is then refused: the learner is no longer its to
/// change. Before, the scope was checked before the transaction, on the old unit, and the reset
/// went through after the move. PostgreSQL: SQLite writers never overlap (`BEGIN IMMEDIATE`),
/// and the waiting is seen in `pg_stat_activity`, the readiness signal this test needs.
#[tokio::test]
async fn a_move_committed_meanwhile_is_seen_by_the_scope_check() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    common::seed_demo(&t.db, 80).await;
    let learner: String = common::lx_learner(&t.db).await;
    let hash_before: String =
        sqlx::query_scalar("SELECT password_hash FROM accounts WHERE username = $1")
            .bind(&learner)
            .fetch_one(t.db.reader())
            .await
            .expect("hash");
    let liaison = Actor::load(&t.db, "lx_liaison", "10.0.0.3")
        .await
        .expect("liaison");

    // Another node's move, not yet committed: it holds the account row.
    let mut mover = t.db.begin().await.expect("begin");
    sqlx::query(
        "UPDATE accounts SET unit_id = (SELECT id FROM units WHERE code = 'LSJ') \
         WHERE username = $1",
    )
    .bind(&learner)
    .execute(&mut *mover)
    .await
    .expect("move");

    let (db, who) = (t.db.clone(), learner.clone());
    let reset = tokio::spawn(async move {
        credentials::reset_password(&db, &liaison, &who, "忘记密码", NOW).await
    });
    wait_for_a_lock_wait(&t.db).await;
    mover.commit().await.expect("commit the move");

    let r = reset.await.expect("task");
    assert!(matches!(r, Err(Error::Forbidden(_))), "{r:?}");
    let hash_after: String =
        sqlx::query_scalar("SELECT password_hash FROM accounts WHERE username = $1")
            .bind(&learner)
            .fetch_one(t.db.reader())
            .await
            .expect("hash");
    assert_eq!(hash_after, hash_before, "the password was not reset");
    let audited = common::count(
        &t.db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'password.reset'",
    )
    .await;
    assert_eq!(audited, 0);
}

/// Until some session of this database waits on a lock (the liaison's transaction, blocked by
/// the uncommitted move). Polls the server's own view of its sessions; gives up after 60 s.
async fn wait_for_a_lock_wait(db: &Db) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(db.reader())
        .await
        .expect("pg_stat_activity");
        if waiting > 0 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the liaison's change never waited for the move"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
