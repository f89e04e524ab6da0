//! Special training classes on the learner site (issue 14 point 6), over real HTTP on both
//! databases: the home lists "我的培训班" with my progress, days left and graduation; only a
//! graduate opens the printable 结业证书; `/verify/CODE` confirms a certificate without signing in,
//! showing the name, the class and the date and nothing else, refuses unknown and malformed codes
//! alike, stops confirming once a revocation un-graduates the holder, and is rate-limited.

mod common;

use common::http::{Browser, Site};
use common::{NOW, TestDb, staff};
use reqwest::StatusCode;
use time::macros::datetime;
use wangyuan::app::actor::RoleKind;
use wangyuan::app::classes::{self, ClassForm};
use wangyuan::app::{Actor, ledger};
use wangyuan::demo::seed::{self, SyntheticOptions};
use wangyuan::store::Db;

const TITLE: &str = "学习贯彻党的二十届四中全会精神专题培训班";

/// Everything one database needs: an open class (June 2026, NOW is 15 June) with two courses;
/// `a` completed both (a graduate), `b` one before the class began (which does not count), `c`
/// is no member.
struct Class {
    t: TestDb,
    id: i64,
    password: String,
    office: Actor,
    /// (account id, username, real name)
    a: (i64, String, String),
    b: (i64, String, String),
    c: (i64, String, String),
    courses: Vec<(i64, String, String)>,
}

async fn class_on(t: TestDb) -> Class {
    let db = &t.db;
    let summary = seed::synthetic(
        db,
        &SyntheticOptions {
            learners: 12,
            year: 2026,
            per_learner: 0,
            now: NOW,
            rng_seed: 11,
        },
        |_| {},
    )
    .await
    .expect("seed");
    let office = staff(db, RoleKind::Office, "office1", None).await;
    let people: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, username, real_name FROM accounts \
         WHERE is_learner = 1 AND status = 'active' AND must_change = 0 \
         ORDER BY id LIMIT 3",
    )
    .fetch_all(db.reader())
    .await
    .expect("learners");
    let [a, b, c] = &people[..] else {
        panic!("three learners")
    };
    let courses: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, code, title FROM courses WHERE status = 'published' ORDER BY id LIMIT 2",
    )
    .fetch_all(db.reader())
    .await
    .expect("courses");
    let id = classes::create(
        db,
        &office,
        &ClassForm {
            title: TITLE.into(),
            from: "2026-06-01".into(),
            to: "2026-06-30".into(),
            ..ClassForm::default()
        },
        NOW,
    )
    .await
    .expect("create");
    let codes: Vec<String> = courses.iter().map(|c| c.1.clone()).collect();
    classes::add_courses(db, &office, id, &codes, NOW)
        .await
        .expect("courses");
    classes::add_members(db, &office, id, &[a.1.clone(), b.1.clone()], NOW)
        .await
        .expect("members");
    classes::open(db, &office, id, NOW).await.expect("open");
    let day = datetime!(2026-06-10 09:30 +8).unix_timestamp();
    for course in &courses {
        ledger::complete_course(db, a.0, course.0, day)
            .await
            .expect("a completes");
    }
    // Before the first day, and earlier completions do not count in this class.
    let before = datetime!(2026-05-20 15:00 +8).unix_timestamp();
    ledger::complete_course(db, b.0, courses[0].0, before)
        .await
        .expect("b completes one, early");
    Class {
        id,
        password: summary.password,
        office,
        a: a.clone(),
        b: b.clone(),
        c: c.clone(),
        courses,
        t,
    }
}

async fn classes() -> Vec<Class> {
    let mut out = Vec::new();
    for t in TestDb::all().await {
        out.push(class_on(t).await);
    }
    out
}

async fn signed_in(site: &Site, username: &str, password: &str) -> Browser {
    let mut b = Browser::new(site);
    let r = b.sign_in(username, password).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{username}: {}", r.body);
    b
}

/// The verification code on a certificate page.
fn code_of(certificate: &str) -> String {
    common::http::attribute(certificate, "验证码 <strong class=\"code\">")
        .split('<')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Nothing the Content-Security-Policy would block: no inline script or style.
fn csp_safe(body: &str) {
    for inline in ["<script", "<style", "style=", "onclick", "javascript:"] {
        assert!(!body.contains(inline), "{inline} in {body}");
    }
}

async fn cert_serial(db: &Db, class: i64, account: i64) -> String {
    sqlx::query_scalar(
        "SELECT cert_serial FROM class_members WHERE class_id = $1 AND account_id = $2",
    )
    .bind(class)
    .bind(account)
    .fetch_one(db.reader())
    .await
    .expect("serial")
}

#[tokio::test]
async fn the_home_lists_my_classes_with_my_progress_and_graduation() {
    for k in classes().await {
        let site = Site::start(&k.t.db, NOW).await;
        let name = k.t.name;

        let mut a = signed_in(&site, &k.a.1, &k.password).await;
        let home = a.get("/").await;
        assert_eq!(home.status, StatusCode::OK, "{name}");
        let body = &home.body;
        assert!(body.contains("我的培训班"), "{name}: {body}");
        assert!(body.contains(TITLE), "{body}");
        assert!(body.contains("2026-06-01 至 2026-06-30"), "{body}");
        // 15 June at noon: the 15th to the 30th are left.
        assert!(body.contains("还剩 16 天"), "{body}");
        assert!(body.contains("已于 2026-06-10 结业"), "{body}");
        let link = format!("href=\"/classes/{}/certificate\"", k.id);
        assert!(body.contains(&link), "{body}");
        for (_, code, title) in &k.courses {
            assert!(
                body.contains(code) && body.contains(title),
                "{code}: {body}"
            );
        }
        assert_eq!(body.matches("已完成（2026-06-10）").count(), 2, "{body}");
        csp_safe(body);

        let mut b = signed_in(&site, &k.b.1, &k.password).await;
        let body = b.get("/").await.body;
        assert!(body.contains(TITLE), "{name}: {body}");
        assert!(body.contains("尚未结业：已完成 0 / 2 门班级课程"), "{body}");
        assert!(
            body.contains("2026-05-20 完成，在班期之外，不计入结业"),
            "{body}"
        );
        assert!(body.contains("未开始"), "{body}");
        assert!(!body.contains("已完成（"), "{body}");
        assert!(!body.contains("/certificate\""), "{body}");

        let mut c = signed_in(&site, &k.c.1, &k.password).await;
        let body = c.get("/").await.body;
        assert!(!body.contains("我的培训班"), "{name}: not a member: {body}");
        assert!(!body.contains(TITLE), "{body}");

        // Sixteen days on the class has ended: no days are left, the graduation stays. (The
        // old session has lapsed by then: signed in again.)
        site.clock.advance(16 * 86_400);
        let mut a = signed_in(&site, &k.a.1, &k.password).await;
        let body = a.get("/").await.body;
        assert!(body.contains("已结束"), "{body}");
        assert!(body.contains("已于 2026-06-10 结业"), "{body}");
    }
}

#[tokio::test]
async fn only_a_graduate_opens_the_printable_certificate() {
    for k in classes().await {
        let site = Site::start(&k.t.db, NOW).await;
        let name = k.t.name;
        let path = format!("/classes/{}/certificate", k.id);

        let mut a = signed_in(&site, &k.a.1, &k.password).await;
        let cert = a.get(&path).await;
        assert_eq!(cert.status, StatusCode::OK, "{name}: {}", cert.body);
        let body = &cert.body;
        assert!(body.contains("<h1>结业证书</h1>"), "{body}");
        assert!(body.contains(&k.a.2), "the learner's name: {body}");
        assert!(body.contains(TITLE), "{body}");
        assert!(body.contains("2026-06-01 至 2026-06-30"), "{body}");
        assert!(body.contains("于 2026-06-10 准予结业"), "{body}");
        for (_, code, title) in &k.courses {
            assert!(
                body.contains(code) && body.contains(title),
                "{code}: {body}"
            );
        }
        let serial = cert_serial(&k.t.db, k.id, k.a.0).await;
        assert!(
            body.contains(&format!("编号：{serial}")),
            "{serial}: {body}"
        );
        let code = code_of(body);
        assert_eq!(code.len(), 12, "{body}");
        // A4 print layout from the site's stylesheet, nothing inline.
        assert!(body.contains("class=\"certificate\"") && body.contains("class=\"sheet\""));
        csp_safe(body);
        let css = a.get("/static/style.css").await.body;
        assert!(css.contains("@page { size: A4"), "print layout");

        // A member who has not graduated, a non-member, an unknown class, a bad id, nobody.
        for (who, user) in [("b", &k.b.1), ("c", &k.c.1)] {
            let mut other = signed_in(&site, user, &k.password).await;
            let refused = other.get(&path).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{name} {who}");
            assert!(
                refused
                    .body
                    .contains("只有已从该培训班结业的学员才能打印其结业证书"),
                "{who}: {}",
                refused.body
            );
            assert!(!refused.body.contains(&code), "{who}");
        }
        let unknown = a.get(&format!("/classes/{}/certificate", k.id + 999)).await;
        assert_eq!(unknown.status, StatusCode::FORBIDDEN, "{name}");
        for bad in ["abc", "-1", "0", "99999999999999999999999"] {
            let r = a.get(&format!("/classes/{bad}/certificate")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
        }
        let mut nobody = Browser::new(&site);
        let anon = nobody.get(&path).await;
        assert!(
            anon.status == StatusCode::SEE_OTHER || anon.status == StatusCode::UNAUTHORIZED,
            "{}",
            anon.status
        );
        assert!(!anon.body.contains(&code));
    }
}

#[tokio::test]
async fn verify_shows_the_name_class_and_date_only_and_refuses_bad_codes_alike() {
    for k in classes().await {
        let site = Site::start(&k.t.db, NOW).await;
        let name = k.t.name;
        let mut a = signed_in(&site, &k.a.1, &k.password).await;
        let code = code_of(&a.get(&format!("/classes/{}/certificate", k.id)).await.body);

        let mut anyone = Browser::new(&site);
        let ok = anyone.get(&format!("/verify/{code}")).await;
        assert_eq!(ok.status, StatusCode::OK, "{name}: {}", ok.body);
        let body = &ok.body;
        assert!(body.contains("该结业证书真实有效"), "{body}");
        assert!(body.contains(&format!("<td>{}</td>", k.a.2)), "{body}");
        assert!(body.contains(&format!("<td>{TITLE}</td>")), "{body}");
        assert!(body.contains("<td>2026-06-10</td>"), "{body}");
        // Nothing more: no username, serial, unit, courses, and no page of the signed-in site.
        let serial = cert_serial(&k.t.db, k.id, k.a.0).await;
        let unit: String = sqlx::query_scalar(
            "SELECT u.name FROM accounts a JOIN units u ON u.id = a.unit_id WHERE a.id = $1",
        )
        .bind(k.a.0)
        .fetch_one(k.t.db.reader())
        .await
        .expect("unit");
        for hidden in [&k.a.1, &serial, &unit, &k.courses[0].1, &k.courses[0].2] {
            assert!(!body.contains(hidden.as_str()), "{hidden} shown: {body}");
        }
        assert_eq!(body.matches("<tr>").count(), 3, "three facts: {body}");
        assert!(!body.contains("退出"), "no signed-in chrome");
        assert_eq!(
            ok.headers
                .get("content-security-policy")
                .and_then(|v| v.to_str().ok()),
            Some(wangyuan::web::CONTENT_SECURITY_POLICY)
        );
        assert_eq!(
            ok.headers
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        csp_safe(body);
        // Typed in lower case, or through the form.
        let lower = anyone
            .get(&format!("/verify/{}", code.to_lowercase()))
            .await;
        assert_eq!(lower.status, StatusCode::OK);
        let form = anyone.get(&format!("/verify?code=+{code}+")).await;
        assert_eq!(
            form.location.as_deref(),
            Some(format!("/verify/{code}").as_str())
        );
        let empty = anyone.get("/verify").await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(empty.body.contains("name=\"code\""));

        // Unknown and malformed codes: the same refusal, which names nobody.
        let refusal = |page: &common::http::Page| {
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.body);
            let start = page.body.find("<p class=\"error\">").expect("refusal");
            page.body[start..]
                .split("</p>")
                .next()
                .unwrap_or("")
                .to_string()
        };
        let unknown = refusal(&anyone.get("/verify/23456789ABCD").await);
        assert!(unknown.contains("未能验证"), "{unknown}");
        let long = "Z".repeat(5_000);
        let weird = "%3Cscript%3E";
        for bad in [
            "abc",
            "0000OOOOIIII",
            long.as_str(),
            weird,
            "23456789ABC%20",
        ] {
            let page = anyone.get(&format!("/verify/{bad}")).await;
            assert_eq!(refusal(&page), unknown, "{}", &bad[..bad.len().min(20)]);
            assert!(!page.body.contains("<script>"));
            assert!(!page.body.contains(&k.a.2));
        }
        let odd = anyone.get("/verify?code=%3Cb%3E").await;
        assert_eq!(odd.location.as_deref(), Some("/verify/-"));

        // A revocation un-graduates: the code no longer confirms, the certificate is gone.
        let entry: i64 = sqlx::query_scalar(
            "SELECT id FROM ledger WHERE account_id = $1 AND course_id = $2 AND kind = 'course'",
        )
        .bind(k.a.0)
        .bind(k.courses[1].0)
        .fetch_one(k.t.db.reader())
        .await
        .expect("entry");
        ledger::revoke(&k.t.db, &k.office, entry, "核查代学", NOW + 60)
            .await
            .expect("revoke");
        assert_eq!(
            refusal(&anyone.get(&format!("/verify/{code}")).await),
            unknown
        );
        let gone = a.get(&format!("/classes/{}/certificate", k.id)).await;
        assert_eq!(gone.status, StatusCode::FORBIDDEN, "{name}");
    }
}

#[tokio::test]
async fn verification_is_rate_limited_per_address() {
    let k = class_on(TestDb::sqlite().await).await;
    let site = Site::start(&k.t.db, NOW).await;
    let mut anyone = Browser::new(&site);
    let limit = wangyuan::web::VERIFY_PER_MINUTE;
    for i in 0..limit {
        let r = anyone.get("/verify/23456789ABCD").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "lookup {i}");
    }
    let stopped = anyone.get("/verify/23456789ABCD").await;
    assert_eq!(stopped.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(stopped.body.contains("查询过于频繁"), "{}", stopped.body);
    site.clock.advance(60);
    let again = anyone.get("/verify/23456789ABCD").await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}
