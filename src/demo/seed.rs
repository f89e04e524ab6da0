//! Seeding: the demo city (units, catalogue, staff, a few thousand learners with a year of
//! history) and synthetic learners for benchmarks. Bulk rows go in with multi-row inserts; the
//! standings are then rebuilt from the ledger in the same transaction, so they agree by
//! construction.

use std::collections::{HashMap, HashSet};

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::demo::{self, CatalogCourse, Completion, data};
use crate::rules::Tenths;
use crate::rules::calendar::{credit_year, quarter_bounds, year_bounds};
use crate::rules::catalog::Source;
use crate::rules::credits::{CourseKind, course_credit, exam_bonus_rule};
use crate::rules::exam;
use crate::rules::ledger::{EntryKind, award_key};
use crate::rules::standing::{Bucket, Standing, Targets};
use crate::store::bulk::{self, Val};
use crate::store::courses::{self, CourseRow, NewExam};
use crate::store::facts;
use crate::store::notices::{self, NewNotice, Personal};
use crate::store::units::{self, UnitRow};
use crate::store::{Db, Tx, accounts};

use crate::app::actor::RoleKind;
use crate::app::admin::{self, AddStaff};
use crate::app::courses::{self as app_courses, ImportOptions};
use crate::app::standings::YearSettings;
use crate::app::years::{self, YearChange};
use crate::app::{Actor, Error, Result, ledger, password, unit_tree};
use crate::rules::course_feed::{self, CourseDraft};
use crate::rules::units::Wanted;

pub const ROOT_CODE: &str = "LD";

#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub learners: usize,
    pub year: i32,
    pub now: i64,
    pub rng_seed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffLogin {
    pub role: RoleKind,
    pub username: String,
    pub password: String,
    pub unit_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub units: i64,
    pub courses: i64,
    pub learners: usize,
    pub entries: i64,
    pub staff: Vec<StaffLogin>,
    /// A learner to sign in as, and the one password every demo learner has.
    pub sample_learner: String,
    pub learner_password: String,
}

/// Whether the database already holds a city (then the demo does not seed again).
pub async fn is_seeded(db: &Db) -> Result<bool> {
    Ok(units::count(db.reader()).await? > 0)
}

/// Seeds the whole demo city into an empty database.
pub async fn demo(db: &Db, opts: &DemoOptions) -> Result<DemoSummary> {
    if is_seeded(db).await? {
        return Err(Error::Conflict(
            "数据库中已有数据，演示数据只能写入空数据库".into(),
        ));
    }
    let mut rng = StdRng::seed_from_u64(opts.rng_seed);
    let now = opts.now;
    let learner_password = password::random_initial();
    let learner_hash = password::hash(learner_password.clone()).await?;

    let tree = insert_units(db, now).await?;
    let mut tx = db.begin().await?;
    let catalog = insert_catalog(&mut tx, now).await?;
    let settings = demo_year(&mut tx, opts.year, now).await?;
    let first_account = bulk::max_id(&mut tx, "accounts").await? + 1;
    let mut taken = HashSet::new();
    let learners = insert_learners(
        &mut tx,
        &mut rng,
        &tree,
        opts.learners,
        &mut taken,
        &learner_hash,
        now,
    )
    .await?;
    let (from, to) = history_window(opts.year, now);
    let histories = insert_histories(&mut tx, &mut rng, &catalog, &learners, from, to, now).await?;
    let last_account = bulk::max_id(&mut tx, "accounts").await?;
    bulk::standings_for_new_accounts(&mut tx, first_account, last_account, now).await?;
    // The demo's learners have learnt all year: issued when it began, before its cut-off.
    facts::issue(&mut tx, first_account, last_account, from).await?;
    let targets = settings.targets;
    insert_notices(
        &mut tx, &catalog, &learners, &histories, &targets, opts.year, now,
    )
    .await?;
    insert_flags(&mut tx, &mut rng, &learners, opts.year, now).await?;
    tx.commit().await?;

    db.after_bulk_load().await?;
    add_classes(db, &catalog, &learners, opts.year, now).await?;
    let staff = add_demo_staff(db, now).await?;
    revoke_a_confirmed_case(db, &learners, &histories, opts.year, now).await?;
    Ok(DemoSummary {
        units: units::count(db.reader()).await?,
        courses: courses::count(db.reader()).await?,
        learners: learners.len(),
        entries: crate::store::ledger::count_entries(db.reader()).await?,
        staff,
        sample_learner: learners
            .iter()
            .find(|l| l.batch == 2 && !l.exempt && l.active)
            .map(|l| l.username.clone())
            .unwrap_or_default(),
        learner_password,
    })
}

/// January 1st to now for the current year, else the whole year.
fn history_window(year: i32, now: i64) -> (i64, i64) {
    let (from, to) = year_bounds(year);
    (from, to.min(now).max(from + 1))
}

struct Tree {
    /// Units learners may belong to (county and city-level units and their bodies).
    homes: Vec<UnitRow>,
}

/// The demo's unit list as an import file would give it: the city, then each county-level
/// division and city-level unit, each followed by its second-level bodies.
pub fn unit_rows() -> Vec<Wanted> {
    let mut rows = vec![Wanted {
        row: 2,
        code: ROOT_CODE.into(),
        name: "娄底市".into(),
        parent: None,
    }];
    for seed in data::COUNTIES.iter().chain(data::CITY_UNITS) {
        let mut push = |code: &str, name: &str, parent: &str| {
            rows.push(Wanted {
                row: rows.len() + 2,
                code: code.into(),
                name: name.into(),
                parent: Some(parent.into()),
            })
        };
        push(seed.code, seed.name, ROOT_CODE);
        for (code, name) in seed.children {
            push(code, name, seed.code);
        }
    }
    rows
}

/// Builds the demo's unit tree through the unit import (`app::unit_tree::import_rows`, the code
/// path of `unit import`), then reads it back.
async fn insert_units(db: &Db, now: i64) -> Result<Tree> {
    unit_tree::import_rows(db, &Actor::local_operator(), unit_rows(), now).await?;
    let by_code: HashMap<String, UnitRow> = units::all(db.reader())
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let unit = |code: &str| {
        by_code
            .get(code)
            .cloned()
            .ok_or_else(|| Error::internal(format!("演示单位 {code} 未导入")))
    };
    let mut homes = Vec::new();
    for seed in data::COUNTIES.iter().chain(data::CITY_UNITS) {
        for (code, _) in seed.children {
            homes.push(unit(code)?);
        }
        homes.push(unit(seed.code)?);
    }
    Ok(Tree { homes })
}

struct Catalog {
    rows: Vec<CourseRow>,
    /// exam id per course index
    exams: HashMap<usize, (i64, Tenths)>,
    courses: Vec<CatalogCourse>,
}

/// The demo year's settings, set as the office would (`year set`'s code path): the defaults.
async fn demo_year(tx: &mut Tx, year: i32, now: i64) -> Result<YearSettings> {
    let current = YearSettings::defaults(year);
    let new = years::checked(year, &current, &YearChange::default())?;
    years::set_tx(tx, &Actor::local_operator(), &current, &new, now).await?;
    Ok(new)
}

/// The demo catalogue, imported as the college would import a feed (`course import`'s code path:
/// the CSV text is written, read back by the feed parser and imported, published at once).
async fn insert_catalog(tx: &mut Tx, now: i64) -> Result<Catalog> {
    let drafts: Vec<CourseDraft> = data::COURSES
        .iter()
        .enumerate()
        .map(|(i, seed)| {
            let prefix = match seed.source {
                Source::Provincial => "HN",
                Source::Local => "LD",
            };
            CourseDraft {
                code: format!("{prefix}{:03}", i + 1),
                title: seed.title.to_string(),
                category: seed.category,
                kind: seed.kind,
                source: seed.source,
                duration_s: seed.duration_s(),
                designated: seed.designated_tenths.map(Tenths),
            }
        })
        .collect();
    let feed = course_feed::parse_feed(course_feed::to_csv(&drafts).as_bytes()).map_err(|e| {
        let first = e.first().map(ToString::to_string).unwrap_or_default();
        Error::internal(format!("演示课程目录无效：{first}"))
    })?;
    let opts = ImportOptions {
        publish: true,
        allow_credit_change: false,
    };
    app_courses::import_tx(tx, &Actor::local_operator(), &feed, opts, now).await?;
    let mut rows = Vec::new();
    let mut exams = HashMap::new();
    let mut courses_out = Vec::new();
    for (i, (seed, draft)) in data::COURSES.iter().zip(&drafts).enumerate() {
        let course = courses::by_code(&mut **tx, &draft.code)
            .await?
            .ok_or_else(|| Error::internal(format!("课程 {} 导入后未找到", draft.code)))?;
        if seed.exam {
            let exam_id = insert_exam(tx, course.id, seed.title, now).await?;
            exams.insert(i, (exam_id, exam::Defaults::STANDARD.bonus));
        }
        courses_out.push(CatalogCourse::new(
            i,
            draft.kind,
            draft.duration_s,
            draft.designated,
            seed.exam,
        ));
        rows.push(course);
    }
    Ok(Catalog {
        rows,
        exams,
        courses: courses_out,
    })
}

/// A demo course's exam: the standard settings (`exam::Defaults`) and a small bank.
pub(crate) async fn insert_exam(tx: &mut Tx, course_id: i64, title: &str, now: i64) -> Result<i64> {
    let d = exam::Defaults::STANDARD;
    let exam_id = courses::insert_exam(
        tx,
        &NewExam {
            course_id,
            title: &exam::exam_title(title),
            question_count: d.questions,
            pass_percent: d.pass_percent,
            max_attempts: d.attempts,
            bonus_tenths: d.bonus.0,
        },
        now,
    )
    .await?;
    insert_questions(tx, exam_id, title).await?;
    Ok(exam_id)
}

/// A small bank per exam: enough for the draw of five, of every question kind.
async fn insert_questions(tx: &mut Tx, exam_id: i64, title: &str) -> Result<()> {
    let questions: [(&str, String, &str, &str); 8] = [
        (
            "single",
            format!("《{title}》一课的主要内容属于哪一方面？"),
            "理论与实践相结合\n娱乐休闲\n体育竞技\n商业广告",
            "A",
        ),
        (
            "single",
            "一个学时按多少分钟计算？".into(),
            "30分钟\n40分钟\n45分钟\n60分钟",
            "C",
        ),
        (
            "single",
            "年度在线学习基本任务为多少学分？".into(),
            "24学分\n30学分\n40学分\n50学分",
            "C",
        ),
        (
            "multiple",
            "年度总学分由哪些部分组成？".into(),
            "必修课程学分\n选修课程学分\n考试奖励学分\n登录次数",
            "ABC",
        ),
        (
            "multiple",
            "以下哪些做法符合在线学习管理要求？".into(),
            "本人实名登录学习\n请他人代为学习\n按进度完成必修课\n倍速快进刷课",
            "AC",
        ),
        (
            "truefalse",
            "必修课1学时计1学分。".into(),
            "正确\n错误",
            "T",
        ),
        (
            "truefalse",
            "选修课1学时计1学分。".into(),
            "正确\n错误",
            "F",
        ),
        (
            "truefalse",
            "请人代学一经发现，当事人年度考核不得评为优秀。".into(),
            "正确\n错误",
            "T",
        ),
    ];
    for (i, (kind, stem, options, answer)) in questions.iter().enumerate() {
        courses::insert_question(tx, exam_id, kind, stem, options, answer, i as i64).await?;
    }
    Ok(())
}

struct Learner {
    id: i64,
    username: String,
    unit_code: String,
    batch: i64,
    exempt: bool,
    active: bool,
}

const ACCOUNT_COLUMNS: &[&str] = &[
    "username",
    "real_name",
    "id_number",
    "unit_id",
    "post",
    "phone",
    "is_learner",
    "batch",
    "exempt",
    "status",
    "password_hash",
    "password_scheme",
    "must_change",
    "created_at",
    "updated_at",
];

/// Inserts `n` generated learners; `taken` holds every ID number already used (and gets the new ones).
async fn insert_learners(
    tx: &mut Tx,
    rng: &mut StdRng,
    tree: &Tree,
    n: usize,
    taken: &mut HashSet<String>,
    hash: &str,
    now: i64,
) -> Result<Vec<Learner>> {
    let mut rows = Vec::with_capacity(n);
    let mut meta = Vec::with_capacity(n);
    let first = bulk::max_id(tx, "accounts").await? + 1;
    for i in 0..n {
        let p = demo::person(rng, taken);
        let unit = tree
            .homes
            .choose(rng)
            .ok_or_else(|| Error::internal("没有单位"))?;
        let batch = match rng.gen_range(0..100) {
            0..=39 => 1,
            40..=74 => 2,
            _ => 3,
        };
        let exempt = rng.gen_range(0..100) < 2;
        let active = rng.gen_range(0..100) >= 1;
        let username = format!("ld{:05}", first as usize + i);
        rows.push(vec![
            Val::from(username.as_str()),
            Val::from(p.real_name.clone()),
            Val::from(p.id_number.as_str()),
            Val::from(unit.id),
            Val::from(p.post),
            Val::from(p.phone.clone()),
            Val::from(1),
            Val::from(batch),
            Val::from(i64::from(exempt)),
            Val::from(if active { "active" } else { "disabled" }),
            Val::from(hash),
            Val::from("argon2id"),
            Val::from(0),
            Val::from(now),
            Val::from(now),
        ]);
        meta.push((username, unit.code.clone(), batch, exempt, active));
    }
    bulk::insert(tx, "accounts", ACCOUNT_COLUMNS, &rows).await?;
    let ids = ids_by_username(tx, first).await?;
    meta.into_iter()
        .map(|(username, unit_code, batch, exempt, active)| {
            let id = *ids
                .get(&username)
                .ok_or_else(|| Error::internal(format!("账号 {username} 写入后未找到")))?;
            Ok(Learner {
                id,
                username,
                unit_code,
                batch,
                exempt,
                active,
            })
        })
        .collect()
}

async fn ids_by_username(tx: &mut Tx, from_id: i64) -> Result<HashMap<String, i64>> {
    let rows: Vec<(i64, String)> = accounts::usernames_from(tx, from_id).await?;
    Ok(rows.into_iter().map(|(id, u)| (u, id)).collect())
}

const LEDGER_COLUMNS: &[&str] = &[
    "account_id",
    "kind",
    "bucket",
    "course_id",
    "exam_id",
    "ref",
    "tenths",
    "earned_at",
    "credit_year",
    "reason",
    "rule",
    "award_key",
    "created_at",
];

/// One course completion (and its exam, when passed) as ledger rows.
fn completion_rows(
    catalog: &Catalog,
    account_id: i64,
    c: &Completion,
    now: i64,
    out: &mut Vec<Vec<Val>>,
) {
    let Some(course) = catalog.rows.get(c.course) else {
        return;
    };
    let kind = CourseKind::from_code(&course.kind).unwrap_or(CourseKind::Elective);
    let credit = course_credit(
        kind,
        course.duration_s,
        course.designated_tenths.map(Tenths),
    );
    out.push(vec![
        Val::from(account_id),
        Val::from(EntryKind::Course.code()),
        Val::from(Bucket::for_kind(kind).code()),
        Val::from(Some(course.id)),
        Val::from(None::<i64>),
        Val::from(format!("{} {}", course.code, course.title)),
        Val::from(credit.tenths.0),
        Val::from(c.at),
        Val::from(i64::from(credit_year(c.at))),
        Val::from("完成课程学习"),
        Val::from(credit.rule),
        Val::from(Some(award_key(EntryKind::Course, course.id))),
        Val::from(now),
    ]);
    if let (Some(at), Some((exam_id, bonus))) = (c.exam_at, catalog.exams.get(&c.course)) {
        out.push(vec![
            Val::from(account_id),
            Val::from(EntryKind::Exam.code()),
            Val::from(Bucket::Exam.code()),
            Val::from(Some(course.id)),
            Val::from(Some(*exam_id)),
            Val::from(exam::exam_title(&course.title)),
            Val::from(bonus.0),
            Val::from(at),
            Val::from(i64::from(credit_year(at))),
            Val::from("考试合格"),
            Val::from(exam_bonus_rule(*bonus)),
            Val::from(Some(award_key(EntryKind::Exam, *exam_id))),
            Val::from(now),
        ]);
    }
}

async fn insert_histories(
    tx: &mut Tx,
    rng: &mut StdRng,
    catalog: &Catalog,
    learners: &[Learner],
    from: i64,
    to: i64,
    now: i64,
) -> Result<Vec<Vec<Completion>>> {
    let mut rows = Vec::new();
    let mut histories = Vec::with_capacity(learners.len());
    for l in learners {
        let profile = demo::profile(rng);
        let h = demo::history(rng, &catalog.courses, profile, from, to);
        for c in &h {
            completion_rows(catalog, l.id, c, now, &mut rows);
        }
        histories.push(h);
    }
    bulk::insert(tx, "ledger", LEDGER_COLUMNS, &rows).await?;
    Ok(histories)
}

/// Quarterly notices (Art. 16) for each quarter of the year that has ended, plus general ones.
async fn insert_notices(
    tx: &mut Tx,
    catalog: &Catalog,
    learners: &[Learner],
    histories: &[Vec<Completion>],
    targets: &Targets,
    year: i32,
    now: i64,
) -> Result<()> {
    for (title, body) in data::NOTICES {
        let id = notices::insert(
            tx,
            &NewNotice {
                kind: "general",
                title,
                body,
                audience: "all",
                sender_id: None,
                sender: "demo",
                year: None,
                quarter: None,
                created_at: now,
            },
        )
        .await?;
        notices::to_everyone(tx, id).await?;
    }
    for q in 1..=4u8 {
        let Some((_, q_end)) = quarter_bounds(year, q) else {
            continue;
        };
        if q_end > now {
            break;
        }
        let mut rows = Vec::new();
        for (l, h) in learners.iter().zip(histories) {
            if l.exempt || !l.active {
                continue;
            }
            let mut s = Standing::default();
            for c in h.iter().filter(|c| c.at < q_end) {
                let course = &catalog.courses[c.course];
                s.add(Bucket::for_kind(course.kind), course.credit);
                if let (Some(at), Some((_, bonus))) = (c.exam_at, catalog.exams.get(&c.course))
                    && at < q_end
                {
                    s.add(Bucket::Exam, *bonus);
                }
            }
            let gap = s.gap(targets);
            let body = format!(
                "截至{year}年第{q}季度末，您本年度已获得 {} 学分（必修 {}、选修 {}、考试 {}）。距年度任务尚差 {} 学分，其中必修尚差 {} 学分。",
                s.total(),
                s.required,
                s.elective,
                s.exam,
                gap.total,
                gap.required
            );
            // The key `notice quarterly` uses, so a later run knows these were sent.
            rows.push(Personal {
                once_key: format!("quarterly:{year}:{q}:a{}", l.id),
                title: format!("{year}年第{q}季度学习情况通报"),
                body,
                account_id: Some(l.id),
                unit_id: 0,
            });
        }
        let head = NewNotice {
            kind: "quarterly",
            title: "",
            body: "",
            audience: "quarterly",
            sender_id: None,
            sender: "demo",
            year: Some(i64::from(year)),
            quarter: Some(i64::from(q)),
            created_at: q_end,
        };
        for chunk in rows.chunks(2000) {
            notices::insert_personal(tx, &head, chunk).await?;
        }
    }
    Ok(())
}

/// Two special training classes (Art. 9), made as an organiser would (`app::classes`: create,
/// courses, members, open), so each member's graduation is derived from the ledger seeded above.
async fn add_classes(
    db: &Db,
    catalog: &Catalog,
    learners: &[Learner],
    year: i32,
    now: i64,
) -> Result<()> {
    use crate::app::classes::{self, ClassForm};
    use crate::rules::calendar::date_cst;
    let operator = Actor::local_operator();
    let (y0, y1) = year_bounds(year);
    let plans = [
        (
            "LX",
            "娄星区党纪学习教育专题培训班",
            &[0usize, 12, 25][..],
            y0,
            y1.min(now.max(y0 + 86_400)),
        ),
        (
            ROOT_CODE,
            "全市优化营商环境专题网络培训班",
            &[26usize, 27, 28, 29][..],
            y0 + 60 * 86_400,
            y1,
        ),
    ];
    for (unit_code, title, course_idx, starts, ends) in plans {
        let form = ClassForm {
            title: title.into(),
            description: "按照《娄底市干部网络学习管理办法》第九条开设的专题培训班。".into(),
            unit: Some(unit_code.into()),
            from: date_cst(starts),
            to: date_cst(ends - 1),
            min_elective: None,
            earlier_counts: false,
        };
        let id = classes::create(db, &operator, &form, now).await?;
        let codes: Vec<String> = course_idx
            .iter()
            .filter_map(|i| catalog.rows.get(*i).map(|c| c.code.clone()))
            .collect();
        classes::add_courses(db, &operator, id, &codes, now).await?;
        let members: Vec<String> = learners
            .iter()
            .filter(|l| l.active && (unit_code == ROOT_CODE || l.unit_code.starts_with(unit_code)))
            .take(60)
            .map(|l| l.username.clone())
            .collect();
        // A small demo (a few learners) may have nobody in a unit's scope: the class opens empty.
        if !members.is_empty() {
            classes::add_members(db, &operator, id, &members, now).await?;
        }
        classes::open(db, &operator, id, now).await?;
    }
    Ok(())
}

/// A few open fraud flags for the office to rule on (Art. 16).
async fn insert_flags(
    tx: &mut Tx,
    rng: &mut StdRng,
    learners: &[Learner],
    year: i32,
    now: i64,
) -> Result<()> {
    let texts = [
        (
            "shared_device",
            "同一地址在同一时段驱动 3 个账号同时播放课程",
        ),
        (
            "impossible_playback",
            "心跳间隔与播放进度不符，疑似倍速或脚本播放",
        ),
        ("failed_checks", "连续 4 次未通过防挂机验证"),
    ];
    let mut rows = Vec::new();
    for (kind, detail) in texts.iter().cycle().take(6) {
        let Some(l) = learners.choose(rng) else { break };
        rows.push(vec![
            Val::from(l.id),
            Val::from(*kind),
            Val::from(*detail),
            Val::from(i64::from(year)),
            Val::from(now - rng.gen_range(0..30 * 86_400)),
        ]);
    }
    bulk::insert(
        tx,
        "fraud_flags",
        &["account_id", "kind", "detail", "year", "detected_at"],
        &rows,
    )
    .await?;
    Ok(())
}

/// One of everything a running college has seen: a confirmed proxy-learning case whose credit
/// was revoked through the ordinary ledger path.
async fn revoke_a_confirmed_case(
    db: &Db,
    learners: &[Learner],
    histories: &[Vec<Completion>],
    year: i32,
    now: i64,
) -> Result<()> {
    let Some((learner, _)) = learners.iter().zip(histories).find(|(_, h)| h.len() > 3) else {
        return Ok(());
    };
    let entries = crate::store::ledger::entries_of(db.reader(), learner.id, Some(year)).await?;
    if let Some(entry) = entries.iter().find(|e| e.kind == "course") {
        ledger::revoke(
            db,
            &Actor::local_operator(),
            entry.id,
            "经查实请人代学，撤销该课程学分",
            now,
        )
        .await?;
    }
    Ok(())
}

/// One account per staff role, with printed passwords.
async fn add_demo_staff(db: &Db, now: i64) -> Result<Vec<StaffLogin>> {
    let operator = Actor::local_operator();
    let wanted = [
        (RoleKind::Office, "office", "市在线学习办管理员", None),
        (RoleKind::College, "college", "市网络学院管理员", None),
        (RoleKind::Unit, "lx_liaison", "娄星区联络员", Some("LX")),
    ];
    let mut out = Vec::new();
    for (role, username, name, unit) in wanted {
        // A printed password of our choosing: demo logins work at once, by script too, without
        // the must-change step an issued initial password has.
        let password = password::random_initial();
        let added = admin::add_staff(
            db,
            &operator,
            AddStaff {
                role,
                unit_code: unit,
                username,
                real_name: Some(name),
                password: Some(password.clone()),
            },
            now,
        )
        .await?;
        out.push(StaffLogin {
            role,
            username: username.into(),
            password,
            unit_name: added.unit_name,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct SyntheticOptions {
    pub learners: usize,
    pub year: i32,
    /// Course completions per learner (distinct courses).
    pub per_learner: usize,
    pub now: i64,
    pub rng_seed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticSummary {
    pub learners: usize,
    pub entries: u64,
    pub password: String,
}

/// Learners per transaction when seeding synthetic data.
const CHUNK: usize = 2_000;

/// Adds `learners` synthetic learners, each with `per_learner` course completions in `year`, for
/// benchmarks. Creates the demo units and catalogue first when the database is empty.
/// `progress` is told how many learners are done after each chunk.
pub async fn synthetic(
    db: &Db,
    opts: &SyntheticOptions,
    mut progress: impl FnMut(usize),
) -> Result<SyntheticSummary> {
    let now = opts.now;
    if !is_seeded(db).await? {
        insert_units(db, now).await?;
        let mut tx = db.begin().await?;
        insert_catalog(&mut tx, now).await?;
        tx.commit().await?;
    }
    let homes: Vec<UnitRow> = units::all(db.reader())
        .await?
        .into_iter()
        .filter(|u| u.parent_id.is_some())
        .collect();
    let tree = Tree { homes };
    let rows = courses::all(db.reader()).await?;
    if opts.per_learner > rows.len() {
        return Err(Error::invalid(
            "--per-learner",
            format!("每名学员最多 {} 门课程（课程库只有这么多）", rows.len()),
        ));
    }
    let catalog = Catalog {
        courses: Vec::new(),
        exams: HashMap::new(),
        rows,
    };
    let password = password::random_initial();
    let hash = password::hash(password.clone()).await?;
    let mut rng = StdRng::seed_from_u64(opts.rng_seed);
    let (from, to) = year_bounds(opts.year);
    let mut taken: HashSet<String> = accounts::id_numbers(db.reader())
        .await?
        .into_iter()
        .collect();
    let mut done = 0;
    let mut entries = 0;
    while done < opts.learners {
        let n = CHUNK.min(opts.learners - done);
        let mut tx = db.begin().await?;
        let first_account = bulk::max_id(&mut tx, "accounts").await? + 1;
        let learners = insert_learners(&mut tx, &mut rng, &tree, n, &mut taken, &hash, now).await?;
        let mut ledger_rows = Vec::with_capacity(n * opts.per_learner);
        for l in &learners {
            for c in demo::uniform_history(&mut rng, catalog.rows.len(), opts.per_learner, from, to)
            {
                completion_rows(&catalog, l.id, &c, now, &mut ledger_rows);
            }
        }
        entries += bulk::insert(&mut tx, "ledger", LEDGER_COLUMNS, &ledger_rows).await?;
        let last_account = bulk::max_id(&mut tx, "accounts").await?;
        bulk::standings_for_new_accounts(&mut tx, first_account, last_account, now).await?;
        // Issued when the year began, so all of them are in its population.
        facts::issue(&mut tx, first_account, last_account, from).await?;
        tx.commit().await?;
        done += n;
        progress(done);
    }
    db.after_bulk_load().await?;
    Ok(SyntheticSummary {
        learners: done,
        entries,
        password,
    })
}
