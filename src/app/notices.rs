//! Notices (Art. 16): sending to everyone, to units with their sub-units or to named accounts,
//! reading one's own (read state per recipient), read receipts per unit, reminders (催学) and the
//! quarterly notices. Recipients are resolved when a notice is sent, so a later move or a new
//! account never changes who got it, and a receipt counts exactly those.

use std::collections::{HashMap, HashSet};

use crate::rules::Tenths;
use crate::rules::calendar::{credit_year, date_cst, quarter_bounds};
use crate::rules::catalog::CourseStatus;
use crate::rules::notices::{self as rules, NoticeKind, Target};
use crate::rules::plan::{Candidate, fewest_courses};
use crate::rules::standing::{Bucket, Standing, Targets, format_rate, rate_permille};
use crate::store::audit::{self, AuditEntry};
use crate::store::notices::{self as store, NewNotice, Personal};
use crate::store::units::UnitRow;
use crate::store::{Db, Tx, accounts, standings, units};

use super::actor::RoleKind;
use super::catalog::{self, CourseInfo, Filter};
use super::changes::{self, Topic};
use super::standings::year_settings;
use super::{Actor, Error, Result};

pub use crate::rules::notices::{MAX_BODY, MAX_TITLE, PAGE};

/// A notice as its recipient sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub sender: String,
    pub created_at: i64,
    /// When I first opened it; None: unread.
    pub read_at: Option<i64>,
}

/// One page of my notices, unread first.
#[derive(Debug, Clone)]
pub struct Inbox {
    pub notices: Vec<Notice>,
    pub total: i64,
    pub unread: i64,
    /// 1-based.
    pub page: i64,
    pub pages: i64,
}

/// A notice as its sender sees it, with its read count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub id: i64,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    /// Who it went to, as written when sent (`all`, `unit:LX unit:ZX`, `user:3`).
    pub audience: String,
    pub sender: String,
    pub created_at: i64,
    pub recipients: i64,
    pub read: i64,
}

/// Read receipts of one unit (recipients counted in the unit they were in when it was sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitReceipt {
    pub unit_code: String,
    pub unit_name: String,
    pub sent: i64,
    pub read: i64,
    /// Read share in permille.
    pub rate: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipts {
    pub notice: Sent,
    pub units: Vec<UnitReceipt>,
}

/// Whom a reminder goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Remind {
    /// Recipients who have not opened the notice.
    Unread,
    /// Recipients assessed this year whose standing is short of the year's targets.
    Behind,
}

/// What a quarterly run wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Quarterly {
    pub added: u64,
    pub existing: u64,
}

fn own_id(actor: &Actor) -> Result<i64> {
    actor
        .account_id
        .ok_or_else(|| Error::Forbidden("本机控制台没有收件箱".into()))
}

fn kind_of(code: &str) -> Result<NoticeKind> {
    NoticeKind::from_code(code).ok_or_else(|| Error::internal(format!("未知的通知类别 {code}")))
}

fn received(r: store::ReceivedRow) -> Result<Notice> {
    Ok(Notice {
        id: r.id,
        kind: kind_of(&r.kind)?,
        title: r.title,
        body: r.body,
        sender: r.sender,
        created_at: r.created_at,
        read_at: r.read_at,
    })
}

fn sent(r: store::SentRow) -> Result<Sent> {
    Ok(Sent {
        id: r.id,
        kind: kind_of(&r.kind)?,
        title: r.title,
        body: r.body,
        audience: r.audience,
        sender: r.sender,
        created_at: r.created_at,
        recipients: r.recipients,
        read: r.read,
    })
}

/// One page (1-based) of my notices, unread first, newest first.
pub async fn inbox(db: &Db, actor: &Actor, page: i64) -> Result<Inbox> {
    let id = own_id(actor)?;
    let (total, unread) = store::counts(db.reader(), id).await?;
    let pages = ((total + PAGE - 1) / PAGE).max(1);
    let page = page.clamp(1, pages);
    let notices = store::received(db.reader(), id, PAGE, (page - 1) * PAGE)
        .await?
        .into_iter()
        .map(received)
        .collect::<Result<_>>()?;
    Ok(Inbox {
        notices,
        total,
        unread,
        page,
        pages,
    })
}

/// My newest notices (for the web home), unread first.
pub async fn newest(db: &Db, actor: &Actor, limit: i64) -> Result<(Vec<Notice>, i64)> {
    let id = own_id(actor)?;
    let (_, unread) = store::counts(db.reader(), id).await?;
    let list = store::received(db.reader(), id, limit.clamp(1, PAGE), 0)
        .await?
        .into_iter()
        .map(received)
        .collect::<Result<_>>()?;
    Ok((list, unread))
}

/// One of my notices as it stands (not marked read: see [`open`]).
pub async fn show(db: &Db, actor: &Actor, id: i64) -> Result<Notice> {
    let me = own_id(actor)?;
    received(
        store::received_one(db.reader(), me, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("通知 {id}")))?,
    )
}

/// Opens one of my notices and marks it read (the first reading time is kept).
pub async fn open(db: &Db, actor: &Actor, id: i64, now: i64) -> Result<Notice> {
    let me = own_id(actor)?;
    let row = store::received_one(db.reader(), me, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("通知 {id}")))?;
    let mut notice = received(row)?;
    if notice.read_at.is_none() {
        let mut tx = db.begin().await?;
        store::mark_read(&mut tx, me, id, now).await?;
        changes::commit(db, tx, &[Topic::Notices]).await?;
        notice.read_at = Some(now);
    }
    Ok(notice)
}

/// Whether the actor may compose notices: the office (anyone), a unit liaison (within the
/// unit's scope, never city-wide).
pub fn may_send(actor: &Actor) -> Result<()> {
    if actor.is_local() || actor.has(RoleKind::Office) || actor.has(RoleKind::Unit) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "发送通知仅限市在线学习办和单位联络员".into(),
        ))
    }
}

/// Whether the actor may send reading reminders for a notice: the office's.
pub fn may_remind(actor: &Actor) -> Result<()> {
    actor.require_office("催学提醒")
}

/// Whether the actor may send the quarterly notices: the office's.
pub fn may_send_quarterly(actor: &Actor) -> Result<()> {
    actor.require_office("季度通知")
}

/// The audience as resolved before anything is written.
enum Audience {
    Everyone,
    /// Each named unit with its sub-units (ids of the whole subtrees), and the codes as typed.
    Units(Vec<i64>, Vec<String>),
    Accounts(Vec<i64>),
}

impl Audience {
    fn text(&self) -> String {
        match self {
            Audience::Everyone => "all".into(),
            Audience::Units(_, codes) => codes
                .iter()
                .map(|c| format!("unit:{c}"))
                .collect::<Vec<_>>()
                .join(" "),
            Audience::Accounts(ids) => format!("user:{}", ids.len()),
        }
    }
}

async fn resolve(db: &Db, actor: &Actor, words: &[String]) -> Result<Audience> {
    if words.is_empty() {
        return Err(Error::invalid(
            "--to",
            "请指定收件人：all、unit:单位代码 或 user:用户名",
        ));
    }
    if words.len() > rules::MAX_TARGETS {
        return Err(Error::invalid(
            "--to",
            format!("收件人最多 {} 项", rules::MAX_TARGETS),
        ));
    }
    let mut targets = Vec::new();
    for w in words {
        let w = super::checked_text("--to", w, 100)?;
        let t = rules::target(w).ok_or_else(|| {
            Error::invalid(
                "--to",
                format!("“{w}”不是 all、unit:单位代码 或 user:用户名"),
            )
        })?;
        targets.push(t);
    }
    if targets.contains(&Target::All) {
        if targets.len() > 1 {
            return Err(Error::invalid("--to", "all 不能与其他收件人同用"));
        }
        actor.require_office("向全市发送通知")?;
        return Ok(Audience::Everyone);
    }
    let all_units = units::all(db.reader()).await?;
    let by_id: HashMap<i64, &UnitRow> = all_units.iter().map(|u| (u.id, u)).collect();
    let (mut subtree, mut codes, mut people) = (HashSet::new(), Vec::new(), Vec::new());
    for t in targets {
        match t {
            Target::Unit(code) => {
                // An unknown unit is bad input naming --to, as an unknown user is (exit 2).
                let unit = match super::unit_tree::find(db, &code).await {
                    Err(Error::NotFound(what)) => return Err(Error::invalid("--to", what)),
                    found => found?,
                };
                actor.require_covers(&unit.path, &unit.name)?;
                for u in &all_units {
                    if u.path.starts_with(&unit.path) {
                        subtree.insert(u.id);
                    }
                }
                codes.push(unit.code);
            }
            Target::User(name) => {
                let account = accounts::by_username(db.reader(), &name)
                    .await?
                    .ok_or_else(|| Error::invalid("--to", format!("没有用户 {name}")))?;
                let unit = by_id.get(&account.unit_id).ok_or_else(|| {
                    Error::internal(format!("账号 {} 的单位不存在", account.username))
                })?;
                if !actor.covers(&unit.path) {
                    return Err(Error::Forbidden(format!("用户 {name} 不在您的管理范围内")));
                }
                people.push(account.id);
            }
            Target::All => {}
        }
    }
    match (codes.is_empty(), people.is_empty()) {
        (false, true) => Ok(Audience::Units(subtree.into_iter().collect(), codes)),
        (true, false) => {
            people.sort_unstable();
            people.dedup();
            Ok(Audience::Accounts(people))
        }
        _ => Err(Error::invalid(
            "--to",
            "单位和用户请分两次发送（一条通知的收件人是若干单位，或若干用户）",
        )),
    }
}

fn title(s: &str) -> Result<&str> {
    let t = super::checked_text("标题", s, MAX_TITLE)?;
    if t.is_empty() {
        return Err(Error::invalid("标题", "不能为空"));
    }
    Ok(t)
}

fn body(s: &str) -> Result<String> {
    rules::body(s).map_err(|e| Error::invalid("正文", e.to_string()))
}

/// Sends a general notice to `to` (`all`, `unit:CODE`…, `user:NAME`…): checks everything, then
/// writes the notice, its recipients and the audit row in one transaction.
pub async fn send(
    db: &Db,
    actor: &Actor,
    to: &[String],
    title_text: &str,
    body_text: &str,
    now: i64,
) -> Result<Sent> {
    may_send(actor)?;
    let t = title(title_text)?;
    let b = body(body_text)?;
    let audience = resolve(db, actor, to).await?;
    let mut tx = db.begin().await?;
    let id = write(&mut tx, actor, NoticeKind::General, &audience, t, &b, now).await?;
    changes::commit(db, tx, &[Topic::Notices]).await?;
    show_sent(db, id).await
}

async fn write(
    tx: &mut Tx,
    actor: &Actor,
    kind: NoticeKind,
    audience: &Audience,
    title: &str,
    body: &str,
    now: i64,
) -> Result<i64> {
    let text = audience.text();
    let id = store::insert(
        tx,
        &NewNotice {
            kind: kind.code(),
            title,
            body,
            audience: &text,
            sender_id: actor.account_id,
            sender: &actor.username,
            year: None,
            quarter: None,
            created_at: now,
        },
    )
    .await?;
    let n = match audience {
        Audience::Everyone => store::to_everyone(tx, id).await?,
        Audience::Units(ids, _) => store::to_units(tx, id, ids).await?,
        Audience::Accounts(ids) => store::to_accounts(tx, id, ids).await?,
    };
    audit::write(
        tx,
        &AuditEntry {
            action: "notice.send",
            target: format!("notice:{id}"),
            after: Some(format!("{}「{title}」→ {text}（{n} 人）", kind.label())),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    Ok(id)
}

/// A notice to named accounts inside the caller's transaction (a class tells its members).
pub(crate) async fn send_to_accounts_tx(
    tx: &mut Tx,
    actor: &Actor,
    kind: NoticeKind,
    account_ids: &[i64],
    title_text: &str,
    body_text: &str,
    now: i64,
) -> Result<i64> {
    let t = title(title_text)?;
    let b = body(body_text)?;
    write(
        tx,
        actor,
        kind,
        &Audience::Accounts(account_ids.to_vec()),
        t,
        &b,
        now,
    )
    .await
}

async fn show_sent(db: &Db, id: i64) -> Result<Sent> {
    sent(
        store::by_id(db.reader(), id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("通知 {id}")))?,
    )
}

/// The notices the actor sent (the office: every notice staff sent), newest first.
pub async fn sent_list(db: &Db, actor: &Actor, limit: i64) -> Result<Vec<Sent>> {
    may_send(actor)?;
    let office = actor.require_office("查看全部已发通知").is_ok();
    let sender = if office { None } else { Some(own_id(actor)?) };
    store::sent(db.reader(), sender, limit.clamp(1, 500))
        .await?
        .into_iter()
        .map(sent)
        .collect()
}

/// Read receipts of a notice per unit. The office sees every unit; a liaison only the units of
/// their scope, and is refused a notice that reached none of them.
pub async fn receipts(db: &Db, actor: &Actor, id: i64) -> Result<Receipts> {
    may_send(actor)?;
    let notice = show_sent(db, id).await?;
    let units: HashMap<i64, UnitRow> = units::all(db.reader())
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let mut lines = Vec::new();
    for r in store::receipts(db.reader(), id).await? {
        let Some(u) = units.get(&r.unit_id) else {
            return Err(Error::internal(format!("单位 {} 不存在", r.unit_id)));
        };
        if !actor.covers(&u.path) {
            continue;
        }
        lines.push((
            u.path.clone(),
            UnitReceipt {
                unit_code: u.code.clone(),
                unit_name: u.name.clone(),
                sent: r.sent,
                read: r.read,
                rate: rate_permille(r.read.max(0) as u64, r.sent.max(0) as u64),
            },
        ));
    }
    if lines.is_empty() && actor.require_office("").is_err() {
        return Err(Error::Forbidden(format!(
            "通知 {id} 的收件人不在您的管理范围内"
        )));
    }
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    // The header's totals are over the rows the actor sees, so they add up to those rows (a
    // liaison is not told how many the notice reached city-wide).
    let mut notice = notice;
    notice.recipients = lines.iter().map(|(_, l)| l.sent).sum();
    notice.read = lines.iter().map(|(_, l)| l.read).sum();
    Ok(Receipts {
        notice,
        units: lines.into_iter().map(|(_, l)| l).collect(),
    })
}

/// 催学: a reminder about notice `id` to its recipients who have not read it, or to those who
/// are assessed this year and short of the targets. The office only.
pub async fn remind(db: &Db, actor: &Actor, id: i64, whom: Remind, now: i64) -> Result<Sent> {
    may_remind(actor)?;
    let notice = show_sent(db, id).await?;
    let (accounts, why) = match whom {
        Remind::Unread => (
            store::unread_of(db.reader(), id)
                .await?
                .into_iter()
                .map(|(a, _)| a)
                .collect::<Vec<_>>(),
            "您尚未阅读这条通知，请及时查看。".to_string(),
        ),
        Remind::Behind => {
            let year = credit_year(now);
            let behind: HashSet<i64> = behind(db, year, now).await?.into_iter().collect();
            let got = store::recipients_of(db.reader(), id).await?;
            (
                got.into_iter().filter(|a| behind.contains(a)).collect(),
                format!("您 {year} 年度的学分尚未达到年度要求，请抓紧学习。"),
            )
        }
    };
    if accounts.is_empty() {
        return Err(Error::Conflict(format!("通知 {id} 没有需要提醒的收件人")));
    }
    let head: String = notice.title.chars().take(MAX_TITLE - 5).collect();
    let title = format!("催学提醒：{head}");
    let body = format!("{why}\n\n原通知「{}」：\n{}", notice.title, notice.body);
    let body: String = body.chars().take(MAX_BODY).collect();
    let mut tx = db.begin().await?;
    let new = write(
        &mut tx,
        actor,
        NoticeKind::Reminder,
        &Audience::Accounts(accounts),
        &title,
        &body,
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Notices]).await?;
    show_sent(db, new).await
}

/// Assessed learners of `year` (city-wide, read at `now`) who are not compliant.
async fn behind(db: &Db, year: i32, now: i64) -> Result<Vec<i64>> {
    let root = units::root(db.reader())
        .await?
        .ok_or_else(|| Error::NotFound("全市单位树".into()))?;
    let settings = year_settings(db, year).await?;
    let rows = standings::of_population(db.reader(), &settings.population(&root.path, now)).await?;
    Ok(rows
        .into_iter()
        .filter(|r| {
            !Standing {
                required: Tenths(r.required),
                elective: Tenths(r.elective),
                exam: Tenths(r.exam),
            }
            .is_compliant(&settings.targets)
        })
        .map(|r| r.account_id)
        .collect())
}

/// Rows per statement of a quarterly run (two statements per batch).
const BATCH: usize = 2000;
/// Names listed in a unit's quarterly summary (the rest are counted).
const LISTED: usize = 100;

/// One learner's figures at a quarter's end, as the notice states them.
#[derive(Debug, Clone)]
pub struct QuarterLine {
    pub account_id: i64,
    pub unit_id: i64,
    pub username: String,
    pub real_name: String,
    pub standing: Standing,
}

/// The quarterly notices of (year, quarter), once: to every assessed learner (standing at the
/// quarter's end from the ledger, gap to the year's targets, the fewest courses that close it)
/// and to each unit with assessed learners in its subtree (to its liaisons: assessed, compliant,
/// rate, who is behind). A second run adds nothing. The office only, after the quarter ended.
pub async fn quarterly(
    db: &Db,
    actor: &Actor,
    year: i32,
    quarter: u8,
    now: i64,
) -> Result<Quarterly> {
    may_send_quarterly(actor)?;
    let (_, end) = quarter_bounds(year, quarter)
        .ok_or_else(|| Error::invalid("--quarter", "季度应为 1 到 4"))?;
    if now < end {
        return Err(Error::invalid(
            "--quarter",
            format!("{year} 年第 {quarter} 季度尚未结束"),
        ));
    }
    let settings = year_settings(db, year).await?;
    let root = units::root(db.reader())
        .await?
        .ok_or_else(|| Error::NotFound("全市单位树".into()))?;
    let population =
        standings::of_population(db.reader(), &settings.population(&root.path, end - 1)).await?;
    let mut credits: HashMap<i64, Standing> = HashMap::new();
    for (a, req, el, ex) in store::ledger_standings_until(db.reader(), year, end).await? {
        credits.insert(
            a,
            Standing {
                required: Tenths(req),
                elective: Tenths(el),
                exam: Tenths(ex),
            },
        );
    }
    let lines: Vec<QuarterLine> = population
        .into_iter()
        .map(|r| QuarterLine {
            standing: credits.get(&r.account_id).copied().unwrap_or_default(),
            account_id: r.account_id,
            unit_id: r.unit_id,
            username: r.username,
            real_name: r.real_name,
        })
        .collect();
    let mut done: HashMap<i64, HashSet<i64>> = HashMap::new();
    for (a, c) in store::completions_until(db.reader(), end).await? {
        done.entry(a).or_default().insert(c);
    }
    let mut catalogue: Vec<CourseInfo> = catalog::list(db, &Filter::default())
        .await?
        .into_iter()
        .filter(|c| c.status == CourseStatus::Published)
        .collect();
    // Sorted once (largest first, stable): the planner keeps this order among equals.
    catalogue.sort_by_key(|c| std::cmp::Reverse(c.credit.tenths));
    let all_units = units::all(db.reader()).await?;
    let wording = Wording {
        year,
        quarter,
        day: date_cst(end - 1),
        targets: settings.targets,
    };
    // Which notices were already sent, before any body is written: a second run costs the key
    // look-ups only.
    let key = |l: &QuarterLine| format!("quarterly:{year}:{quarter}:a{}", l.account_id);
    let summaries = unit_summaries(&wording, &all_units, &lines);
    let mut keys: Vec<String> = lines.iter().map(key).collect();
    keys.extend(summaries.iter().map(|p| p.once_key.clone()));
    let mut have: HashSet<String> = HashSet::new();
    for chunk in keys.chunks(BATCH) {
        have.extend(store::existing_keys_in(db.reader(), db.backend(), chunk).await?);
    }
    let existing = have.len() as u64;
    let none = HashSet::new();
    let mut batch: Vec<Personal> = lines
        .iter()
        .filter(|l| !have.contains(&key(l)))
        .map(|l| Personal {
            once_key: key(l),
            title: wording.learner_title(),
            body: wording.learner_body(
                &l.standing,
                &catalogue,
                done.get(&l.account_id).unwrap_or(&none),
            ),
            account_id: Some(l.account_id),
            unit_id: l.unit_id,
        })
        .collect();
    batch.extend(
        summaries
            .into_iter()
            .filter(|p| !have.contains(&p.once_key)),
    );
    if batch.is_empty() {
        return Ok(Quarterly { added: 0, existing });
    }
    let head = NewNotice {
        kind: NoticeKind::Quarterly.code(),
        title: "",
        body: "",
        audience: "quarterly",
        sender_id: actor.account_id,
        sender: &actor.username,
        year: Some(i64::from(year)),
        quarter: Some(i64::from(quarter)),
        created_at: now,
    };
    let mut tx = db.begin().await?;
    let mut added = 0u64;
    // A key written meanwhile by another run is skipped by the insert itself (ON CONFLICT).
    for chunk in batch.chunks(BATCH) {
        added += store::insert_personal(&mut tx, &head, chunk).await?;
    }
    if added == 0 {
        tx.rollback().await?;
        return Ok(Quarterly { added, existing });
    }
    audit::write(
        &mut tx,
        &AuditEntry {
            action: "notice.quarterly",
            target: format!("quarter:{year}-Q{quarter}"),
            after: Some(format!("新增 {added} 条，已有 {existing} 条")),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Notices]).await?;
    Ok(Quarterly { added, existing })
}

struct Wording {
    year: i32,
    quarter: u8,
    day: String,
    targets: Targets,
}

impl Wording {
    fn learner_title(&self) -> String {
        format!("{} 年第 {} 季度学习情况通知", self.year, self.quarter)
    }

    /// The figures in a fixed form (`总学分 12.5`, `必修 8.0` …) that tests read back.
    fn learner_body(&self, s: &Standing, catalogue: &[CourseInfo], done: &HashSet<i64>) -> String {
        let gap = s.gap(&self.targets);
        let mut text = format!(
            "截至 {}（{} 年第 {} 季度末），您本年度已获总学分 {}，其中必修 {}、选修 {}、考试 {}。\n\
             年度要求：总学分 {}，其中必修 {}。\n",
            self.day,
            self.year,
            self.quarter,
            s.total(),
            s.required,
            s.elective,
            s.exam,
            self.targets.total,
            self.targets.required
        );
        if gap.is_closed() {
            text.push_str("您已达到本年度学分要求，请继续保持。");
            return text;
        }
        text.push_str(&format!(
            "距年度要求尚差总学分 {}，其中必修 {}。\n",
            gap.total, gap.required
        ));
        let open: Vec<&CourseInfo> = catalogue.iter().filter(|c| !done.contains(&c.id)).collect();
        let candidates: Vec<Candidate> = open
            .iter()
            .map(|c| Candidate {
                bucket: Bucket::for_kind(c.kind),
                tenths: c.credit.tenths,
            })
            .collect();
        let plan = fewest_courses(gap, &candidates);
        let names: Vec<String> = plan
            .picks
            .iter()
            .filter_map(|&i| open.get(i))
            .map(|c| format!("《{}》（{}，{} 学分）", c.title, c.code, c.credit.tenths))
            .collect();
        if plan.closes {
            text.push_str(&format!(
                "最少再学 {} 门课程即可达标：{}",
                names.len(),
                names.join("、")
            ));
        } else {
            text.push_str("课程库现有课程尚不足以补齐差额，请留意新上线的课程。");
        }
        text.chars().take(MAX_BODY).collect()
    }
}

/// One summary per unit with assessed learners in its subtree, to the unit's liaisons.
fn unit_summaries(w: &Wording, all_units: &[UnitRow], lines: &[QuarterLine]) -> Vec<Personal> {
    let path_of: HashMap<i64, &str> = all_units.iter().map(|u| (u.id, u.path.as_str())).collect();
    let by_path: HashMap<&str, &UnitRow> = all_units.iter().map(|u| (u.path.as_str(), u)).collect();
    // Each learner counts in their unit and every unit above it.
    let mut members: HashMap<i64, Vec<&QuarterLine>> = HashMap::new();
    for l in lines {
        let Some(path) = path_of.get(&l.unit_id) else {
            continue;
        };
        let mut prefix = String::from("/");
        for part in path.split('/').filter(|p| !p.is_empty()) {
            prefix.push_str(part);
            prefix.push('/');
            if let Some(u) = by_path.get(prefix.as_str()) {
                members.entry(u.id).or_default().push(l);
            }
        }
    }
    let mut out = Vec::new();
    for u in all_units {
        let Some(list) = members.get(&u.id) else {
            continue;
        };
        let assessed = list.len();
        let mut behind: Vec<&&QuarterLine> = list
            .iter()
            .filter(|l| !l.standing.is_compliant(&w.targets))
            .collect();
        behind.sort_by(|a, b| a.username.cmp(&b.username));
        let compliant = assessed - behind.len();
        let rate = format_rate(rate_permille(compliant as u64, assessed as u64));
        let mut body = format!(
            "{}（含下级单位）截至 {}（{} 年第 {} 季度末）：参学干部 {} 人，达标 {} 人，达标率 {}。",
            u.name, w.day, w.year, w.quarter, assessed, compliant, rate
        );
        if !behind.is_empty() {
            body.push_str(&format!("\n未达标 {} 人：", behind.len()));
            let names: Vec<String> = behind
                .iter()
                .take(LISTED)
                .map(|l| {
                    let gap = l.standing.gap(&w.targets);
                    format!("{}（{}，差 {} 学分）", l.real_name, l.username, gap.total)
                })
                .collect();
            body.push_str(&names.join("、"));
            if behind.len() > LISTED {
                body.push_str(&format!("……另有 {} 人", behind.len() - LISTED));
            }
        }
        out.push(Personal {
            once_key: format!("quarterly:{}:{}:u{}", w.year, w.quarter, u.id),
            title: format!(
                "{} 年第 {} 季度学习情况汇总（{}）",
                w.year, w.quarter, u.name
            )
            .chars()
            .take(MAX_TITLE)
            .collect(),
            body: body.chars().take(MAX_BODY).collect(),
            account_id: None,
            unit_id: u.id,
        });
    }
    out
}
