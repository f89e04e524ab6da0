//! Interface preferences on both databases: defaults, saving, overwriting, and refusing bad names.

mod common;

use common::TestDb;
use wangyuan::app::prefs::{self, Prefs};
use wangyuan::app::{Actor, Error};

#[tokio::test]
async fn preferences_are_remembered_per_account() {
    for t in TestDb::with_city(2).await {
        let op = Actor::local_operator();
        let added = wangyuan::app::admin::add_staff(
            &t.db,
            &op,
            wangyuan::app::admin::AddStaff {
                role: wangyuan::app::actor::RoleKind::Office,
                unit_code: None,
                username: "office",
                real_name: Some("管理员"),
                password: None,
            },
            common::NOW,
        )
        .await
        .expect("staff");
        assert!(!added.unit_name.is_empty());
        let actor = Actor::load(&t.db, "office", "test").await.expect("actor");
        assert_eq!(
            prefs::get(&t.db, &actor).await.expect("get"),
            Prefs::default()
        );
        let mono = Prefs {
            theme: "mono".into(),
            ascii_borders: true,
        };
        prefs::set(&t.db, &actor, &mono).await.expect("set");
        assert_eq!(prefs::get(&t.db, &actor).await.expect("get"), mono);
        let hc = Prefs {
            theme: "high-contrast".into(),
            ascii_borders: false,
        };
        prefs::set(&t.db, &actor, &hc).await.expect("overwrite");
        assert_eq!(
            prefs::get(&t.db, &actor).await.expect("get"),
            hc,
            "{}",
            t.name
        );
        let bad = Prefs {
            theme: "x'; DROP TABLE user_prefs; --".into(),
            ascii_borders: false,
        };
        assert!(matches!(
            prefs::set(&t.db, &actor, &bad).await,
            Err(Error::Invalid { .. })
        ));
        assert!(matches!(
            prefs::set(&t.db, &op, &hc).await,
            Err(Error::Invalid { .. })
        ));
    }
}
