//! Migrations on both databases: idempotent, and a database newer than the binary is refused and
//! left untouched.

mod common;

use common::TestDb;
use wangyuan::store::{Db, OpenError};

#[tokio::test]
async fn migrating_twice_changes_nothing() {
    for t in TestDb::all().await {
        let v = t.db.schema_version().await.expect("version");
        assert!(v >= 1, "{}", t.name);
        let report = t.db.migrate().await.expect("migrate again");
        assert_eq!((report.before, report.after), (v, v), "{}", t.name);
    }
}

#[tokio::test]
async fn a_newer_database_is_refused_and_left_untouched() {
    for t in TestDb::all().await {
        let future = 99_990_101_000_000i64;
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES ($1, 'from the future', TRUE, $2, 0)",
        )
        .bind(future)
        .bind(vec![0u8; 48])
        .execute(t.db.reader())
        .await
        .expect("fake a newer migration");
        let count = |db: Db| async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM _sqlx_migrations")
                .fetch_one(db.reader())
                .await
                .expect("count")
        };
        let before = count(t.db.clone()).await;
        match Db::open(&t.url).await {
            Err(OpenError::TooNew { found, .. }) => assert_eq!(found, future, "{}", t.name),
            other => panic!("{}: expected TooNew, got {other:?}", t.name),
        }
        let err = Db::open(&t.url)
            .await
            .expect_err("still refused")
            .to_string();
        assert!(
            err.contains("新"),
            "message says the database is newer: {err}"
        );
        assert_eq!(
            count(t.db.clone()).await,
            before,
            "{}: nothing written",
            t.name
        );
    }
}

#[tokio::test]
async fn an_unknown_url_is_a_clear_error() {
    let err = Db::open("mysql://localhost/x").await.expect_err("refused");
    assert!(matches!(err, OpenError::UnknownUrl(_)), "{err:?}");
}
