//! Ledger operations on both databases: awards once under races, exam bonus once, revocation by a
//! compensating entry, append-only storage, and the standings invariant under random sequences.

mod common;

use std::collections::HashMap;

use common::{NOW, TestDb};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wangyuan::app::actor::{Role, RoleKind};
use wangyuan::app::ledger::{self, Adjustment, Award};
use wangyuan::app::{self, Actor, Error};
use wangyuan::rules::Tenths;
use wangyuan::rules::calendar::{credit_year, year_bounds};
use wangyuan::rules::credits::{CourseKind, course_credit};
use wangyuan::rules::standing::{Bucket, Standing};
use wangyuan::store::ledger::standing_of;

async fn learner_ids(t: &TestDb) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM accounts WHERE is_learner = 1 ORDER BY id")
        .fetch_all(t.db.reader())
        .await
        .expect("learners")
}

/// (course id, bucket, credit) of every course.
async fn courses(t: &TestDb) -> Vec<(i64, Bucket, Tenths)> {
    let rows: Vec<(i64, String, i64, Option<i64>)> =
        sqlx::query_as("SELECT id, kind, duration_s, designated_tenths FROM courses ORDER BY id")
            .fetch_all(t.db.reader())
            .await
            .expect("courses");
    rows.into_iter()
        .map(|(id, kind, secs, designated)| {
            let kind = CourseKind::from_code(&kind).expect("kind");
            (
                id,
                Bucket::for_kind(kind),
                course_credit(kind, secs, designated.map(Tenths)).tenths,
            )
        })
        .collect()
}

/// (exam id, bonus) of every exam.
async fn exams(t: &TestDb) -> Vec<(i64, Tenths)> {
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT id, bonus_tenths FROM exams ORDER BY id")
        .fetch_all(t.db.reader())
        .await
        .expect("exams");
    rows.into_iter().map(|(id, b)| (id, Tenths(b))).collect()
}

async fn ledger_count(t: &TestDb, learner: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ledger WHERE account_id = $1")
        .bind(learner)
        .fetch_one(t.db.reader())
        .await
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_completions_award_exactly_once() {
    for t in TestDb::with_city(3).await {
        let learner = learner_ids(&t).await[0];
        let (course, bucket, credit) = courses(&t).await[0];
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let db = t.db.clone();
                tokio::spawn(
                    async move { ledger::complete_course(&db, learner, course, NOW + i).await },
                )
            })
            .collect();
        let mut granted = 0;
        for task in tasks {
            match task.await.expect("join").expect("award") {
                Award::Granted { tenths, .. } => {
                    assert_eq!(tenths, credit);
                    granted += 1;
                }
                Award::AlreadyGranted => {}
            }
        }
        assert_eq!(
            granted, 1,
            "{}: exactly one completion earns credit",
            t.name
        );
        assert_eq!(ledger_count(&t, learner).await, 1, "{}", t.name);
        let s = standing_of(t.db.reader(), learner, credit_year(NOW))
            .await
            .expect("standing");
        assert_eq!(s.get(bucket), credit, "{}", t.name);
        assert_eq!(s.total(), credit, "{}", t.name);
        // A re-watch later earns nothing.
        let again = ledger::complete_course(&t.db, learner, course, NOW + 86_400)
            .await
            .expect("again");
        assert_eq!(again, Award::AlreadyGranted);
    }
}

#[tokio::test]
async fn exam_bonus_is_awarded_once_into_the_exam_bucket() {
    for t in TestDb::with_city(2).await {
        let learner = learner_ids(&t).await[0];
        let (exam, bonus) = exams(&t).await[0];
        let first = ledger::pass_exam(&t.db, learner, exam, NOW)
            .await
            .expect("pass");
        assert!(
            matches!(first, Award::Granted { tenths, .. } if tenths == bonus),
            "{first:?}"
        );
        let second = ledger::pass_exam(&t.db, learner, exam, NOW + 10)
            .await
            .expect("pass again");
        assert_eq!(second, Award::AlreadyGranted);
        let s = standing_of(t.db.reader(), learner, credit_year(NOW))
            .await
            .expect("standing");
        assert_eq!(
            s,
            Standing {
                exam: bonus,
                ..Standing::default()
            },
            "{}",
            t.name
        );
        let missing = ledger::pass_exam(&t.db, learner, 999_999, NOW).await;
        assert!(matches!(missing, Err(Error::NotFound(_))), "{missing:?}");
    }
}

#[tokio::test]
async fn credit_year_follows_china_standard_time() {
    for t in TestDb::with_city(1).await {
        let learner = learner_ids(&t).await[0];
        let (course, _, credit) = courses(&t).await[1];
        // 2025-12-31 16:30 UTC is 2026-01-01 00:30 in Beijing.
        let (start_2026, _) = year_bounds(2026);
        ledger::complete_course(&t.db, learner, course, start_2026 + 1800)
            .await
            .expect("award");
        let s2026 = standing_of(t.db.reader(), learner, 2026)
            .await
            .expect("standing");
        let s2025 = standing_of(t.db.reader(), learner, 2025)
            .await
            .expect("standing");
        assert_eq!(s2026.total(), credit, "{}", t.name);
        assert_eq!(s2025.total(), Tenths(0), "{}", t.name);
    }
}

fn unit_actor() -> Actor {
    let role = Role {
        kind: RoleKind::Unit,
        unit_id: 2,
        unit_code: "LX".into(),
        unit_name: "娄星区".into(),
        unit_path: "/1/2/".into(),
    };
    Actor::with_roles(1, "lx", vec![role], "127.0.0.1")
}

#[tokio::test]
async fn revocation_is_a_compensating_entry() {
    for t in TestDb::with_city(1).await {
        let learner = learner_ids(&t).await[0];
        let (course, bucket, credit) = courses(&t).await[2];
        let Award::Granted { entry_id, .. } = ledger::complete_course(&t.db, learner, course, NOW)
            .await
            .expect("award")
        else {
            panic!("first completion must be granted");
        };
        let office = Actor::local_operator();

        let forbidden = ledger::revoke(&t.db, &unit_actor(), entry_id, "代学", NOW).await;
        assert!(
            matches!(forbidden, Err(Error::Forbidden(_))),
            "{forbidden:?}"
        );
        let no_reason = ledger::revoke(&t.db, &office, entry_id, "  ", NOW).await;
        assert!(
            matches!(no_reason, Err(Error::Invalid { .. })),
            "{no_reason:?}"
        );

        let rev = ledger::revoke(&t.db, &office, entry_id, "经查实请人代学", NOW + 60)
            .await
            .expect("revoke");
        let s = standing_of(t.db.reader(), learner, credit_year(NOW))
            .await
            .expect("standing");
        assert_eq!(s.get(bucket), Tenths(0), "{}", t.name);
        assert_eq!(
            ledger_count(&t, learner).await,
            2,
            "the original stays; a new entry offsets it"
        );
        let (tenths, revokes): (i64, Option<i64>) =
            sqlx::query_as("SELECT tenths, revokes_id FROM ledger WHERE id = $1")
                .bind(rev)
                .fetch_one(t.db.reader())
                .await
                .expect("revocation row");
        assert_eq!((tenths, revokes), (-credit.0, Some(entry_id)));

        let twice = ledger::revoke(&t.db, &office, entry_id, "再次", NOW + 120).await;
        assert!(matches!(twice, Err(Error::Conflict(_))), "{twice:?}");
        let of_revocation = ledger::revoke(&t.db, &office, rev, "撤销撤销", NOW + 120).await;
        assert!(
            matches!(of_revocation, Err(Error::Invalid { .. })),
            "{of_revocation:?}"
        );
        let audited = common::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'ledger.revoke'",
        )
        .await;
        assert_eq!(audited, 1, "{}", t.name);
        // A revoked course is not completed any more: completing it again (the playback
        // accounting decides when) earns it again, once.
        let again = ledger::complete_course(&t.db, learner, course, NOW + 300)
            .await
            .expect("again");
        assert!(matches!(again, Award::Granted { .. }), "{again:?}");
        let third = ledger::complete_course(&t.db, learner, course, NOW + 400)
            .await
            .expect("third");
        assert_eq!(third, Award::AlreadyGranted);
    }
}

#[tokio::test]
async fn the_ledger_refuses_updates_and_deletes() {
    for t in TestDb::with_city(1).await {
        let learner = learner_ids(&t).await[0];
        let (course, _, _) = courses(&t).await[0];
        ledger::complete_course(&t.db, learner, course, NOW)
            .await
            .expect("award");
        let mut tx = t.db.begin().await.expect("tx");
        let update = sqlx::query("UPDATE ledger SET tenths = 999")
            .execute(&mut *tx)
            .await;
        assert!(update.is_err(), "{}: UPDATE must fail", t.name);
        tx.rollback().await.expect("rollback");
        let mut tx = t.db.begin().await.expect("tx");
        let delete = sqlx::query("DELETE FROM ledger").execute(&mut *tx).await;
        assert!(delete.is_err(), "{}: DELETE must fail", t.name);
        tx.rollback().await.expect("rollback");
        assert_eq!(ledger_count(&t, learner).await, 1);
    }
}

#[tokio::test]
async fn adjustments_are_office_only_and_audited() {
    for t in TestDb::with_city(1).await {
        let learner = learner_ids(&t).await[0];
        let office = Actor::local_operator();
        let denied = ledger::adjust(
            &t.db,
            &unit_actor(),
            &Adjustment {
                learner_id: learner,
                bucket: Bucket::Elective,
                tenths: Tenths(20),
                year: 2026,
                reason: "线下培训",
            },
            NOW,
        )
        .await;
        assert!(matches!(denied, Err(Error::Forbidden(_))), "{denied:?}");
        let zero = ledger::adjust(
            &t.db,
            &office,
            &Adjustment {
                learner_id: learner,
                bucket: Bucket::Elective,
                tenths: Tenths(0),
                year: 2026,
                reason: "无",
            },
            NOW,
        )
        .await;
        assert!(matches!(zero, Err(Error::Invalid { .. })), "{zero:?}");
        ledger::adjust(
            &t.db,
            &office,
            &Adjustment {
                learner_id: learner,
                bucket: Bucket::Elective,
                tenths: Tenths(25),
                year: 2026,
                reason: "线下专题培训折算",
            },
            NOW,
        )
        .await
        .expect("adjust");
        let s = standing_of(t.db.reader(), learner, 2026)
            .await
            .expect("standing");
        assert_eq!(s.elective, Tenths(25));
    }
}

/// What the test expects, kept independently of the database.
#[derive(Default)]
struct Model {
    standings: HashMap<(i64, i32), Standing>,
    /// entry id → (learner, year, bucket, tenths) of revocable entries not yet revoked
    live: Vec<(i64, i64, i32, Bucket, Tenths)>,
    awarded: HashMap<(i64, String), ()>,
    /// entry id → the award it granted
    keys: HashMap<i64, (i64, String)>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standings_always_equal_the_ledger_under_random_operations() {
    for t in TestDb::with_city(6).await {
        let learners = learner_ids(&t).await;
        let courses = courses(&t).await;
        let exams = exams(&t).await;
        let office = Actor::local_operator();
        // One model across the seeds: the database keeps what earlier seeds wrote.
        let mut m = Model::default();
        for seed in 0..3u64 {
            let mut rng = StdRng::seed_from_u64(seed);
            let (y0, _) = year_bounds(2025);
            let (_, y1) = year_bounds(2026);
            for _ in 0..120 {
                let learner = learners[rng.gen_range(0..learners.len())];
                let at = rng.gen_range(y0..y1);
                match rng.gen_range(0..10) {
                    0..=5 => {
                        let (course, bucket, credit) = courses[rng.gen_range(0..courses.len())];
                        let key = (learner, format!("course:{course}"));
                        let r = ledger::complete_course(&t.db, learner, course, at)
                            .await
                            .expect("award");
                        apply(&mut m, key, r, learner, at, bucket, credit);
                    }
                    6 => {
                        let (exam, bonus) = exams[rng.gen_range(0..exams.len())];
                        let key = (learner, format!("exam:{exam}"));
                        let r = ledger::pass_exam(&t.db, learner, exam, at)
                            .await
                            .expect("exam");
                        apply(&mut m, key, r, learner, at, Bucket::Exam, bonus);
                    }
                    7 | 8 if !m.live.is_empty() => {
                        let (entry, who, year, bucket, tenths) =
                            m.live.swap_remove(rng.gen_range(0..m.live.len()));
                        ledger::revoke(&t.db, &office, entry, "随机撤销", at)
                            .await
                            .expect("revoke");
                        // A revoked course is not completed any more: it can be earned again.
                        if let Some(key) = m.keys.remove(&entry)
                            && key.1.starts_with("course:")
                        {
                            m.awarded.remove(&key);
                        }
                        m.standings
                            .entry((who, year))
                            .or_default()
                            .add(bucket, -tenths);
                    }
                    _ => {
                        let bucket =
                            [Bucket::Required, Bucket::Elective, Bucket::Exam][rng.gen_range(0..3)];
                        let tenths = Tenths(rng.gen_range(-30..=30));
                        let year = credit_year(at);
                        if tenths.0 != 0 {
                            ledger::adjust(
                                &t.db,
                                &office,
                                &Adjustment {
                                    learner_id: learner,
                                    bucket,
                                    tenths,
                                    year,
                                    reason: "随机调整",
                                },
                                at,
                            )
                            .await
                            .expect("adjust");
                            m.standings
                                .entry((learner, year))
                                .or_default()
                                .add(bucket, tenths);
                        }
                    }
                }
            }
            let report = app::check::run(&t.db).await.expect("check");
            assert!(report.is_clean(), "{} seed {seed}: {report:?}", t.name);
            for (&(learner, year), want) in &m.standings {
                let got = standing_of(t.db.reader(), learner, year)
                    .await
                    .expect("standing");
                assert_eq!(
                    &got, want,
                    "{} seed {seed}: learner {learner} year {year}",
                    t.name
                );
            }
        }
    }
}

fn apply(
    m: &mut Model,
    key: (i64, String),
    r: Award,
    learner: i64,
    at: i64,
    bucket: Bucket,
    credit: Tenths,
) {
    let first = m.awarded.insert(key.clone(), ()).is_none();
    match r {
        Award::Granted {
            entry_id,
            tenths,
            year,
            ..
        } => {
            assert!(first, "an award was granted twice");
            m.keys.insert(entry_id, key);
            assert_eq!(tenths, credit);
            assert_eq!(year, credit_year(at));
            m.standings
                .entry((learner, year))
                .or_default()
                .add(bucket, tenths);
            m.live.push((entry_id, learner, year, bucket, tenths));
        }
        Award::AlreadyGranted => assert!(!first, "a first award was refused"),
    }
}
