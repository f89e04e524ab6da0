//! Roster submissions (Art. 8): a unit submits a file of cadres, the college reviews it row by
//! row and passes it on, the office approves it and accounts are issued in one transaction, and
//! the submitting unit fetches the credentials once. Every step checks the actor and is audited.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::rules::sheet::FileFormat;
use crate::rules::submission::{self as rules, Context, UnitRef};
use crate::rules::username;
use crate::store::audit::{self, AuditEntry};
use crate::store::bulk::{self, Val};
use crate::store::submission::{self as store, NewRow, Step};
use crate::store::{Db, Tx, accounts, units};

use super::actor::RoleKind;
use super::changes::{self, Topic};
use super::{Actor, Error, Result, password};

use crate::store::submission::{RowRow, SubmissionRow};

pub use crate::rules::status::{RowStatus, SubmissionStatus as Status};

use super::types::{UnitCode, Username, converted, decode};

/// A roster submission with its unit and the people who moved it along.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub id: i64,
    pub unit_id: i64,
    pub unit_code: UnitCode,
    pub unit_name: String,
    pub unit_path: String,
    pub status: Status,
    pub file_name: String,
    pub row_count: i64,
    pub accepted: i64,
    pub rejected: i64,
    pub submitted_by: String,
    pub submitted_at: i64,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub returned_by: Option<String>,
    pub returned_at: Option<i64>,
    pub note: String,
    pub issued_at: Option<i64>,
    pub credentials_fetched_at: Option<i64>,
}

impl TryFrom<SubmissionRow> for Submission {
    type Error = Error;

    fn try_from(s: SubmissionRow) -> Result<Submission> {
        Ok(Submission {
            status: decode("roster_submissions.status", &s.status, Status::from_code)?,
            id: s.id,
            unit_id: s.unit_id,
            unit_code: UnitCode::stored(s.unit_code),
            unit_name: s.unit_name,
            unit_path: s.unit_path,
            file_name: s.file_name,
            row_count: s.row_count,
            accepted: s.accepted,
            rejected: s.rejected,
            submitted_by: s.submitted_by,
            submitted_at: s.submitted_at,
            reviewed_by: s.reviewed_by,
            reviewed_at: s.reviewed_at,
            approved_by: s.approved_by,
            approved_at: s.approved_at,
            returned_by: s.returned_by,
            returned_at: s.returned_at,
            note: s.note,
            issued_at: s.issued_at,
            credentials_fetched_at: s.credentials_fetched_at,
        })
    }
}

/// One person on a roster, with the college's decision and, once issued, the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: i64,
    pub row_no: i64,
    pub real_name: String,
    pub id_number: String,
    pub unit_id: i64,
    pub unit_code: UnitCode,
    pub unit_name: String,
    pub post: String,
    pub phone: String,
    pub batch: i64,
    pub status: RowStatus,
    pub reject_reason: String,
    pub account_id: Option<i64>,
    pub username: Option<Username>,
    pub initial_password: Option<String>,
}

impl TryFrom<RowRow> for Row {
    type Error = Error;

    fn try_from(r: RowRow) -> Result<Row> {
        Ok(Row {
            status: decode("roster_rows.status", &r.status, RowStatus::from_code)?,
            id: r.id,
            row_no: r.row_no,
            real_name: r.real_name,
            id_number: r.id_number,
            unit_id: r.unit_id,
            unit_code: UnitCode::stored(r.unit_code),
            unit_name: r.unit_name,
            post: r.post,
            phone: r.phone,
            batch: r.batch,
            reject_reason: r.reject_reason,
            account_id: r.account_id,
            username: r.username.map(Username::stored),
            initial_password: r.initial_password,
        })
    }
}

/// A stored status code as its label (unknown codes shown as they are).
fn status_label(code: &str) -> &str {
    match Status::from_code(code) {
        Some(s) => s.label(),
        None => code,
    }
}

/// Issuing progress, shared with whoever shows it (the TUI polls it).
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub done: Arc<AtomicUsize>,
    pub total: Arc<AtomicUsize>,
}

/// Two handles are equal when they count the same issuing.
impl PartialEq for Progress {
    fn eq(&self, other: &Progress) -> bool {
        Arc::ptr_eq(&self.done, &other.done)
    }
}

impl Eq for Progress {}

impl Progress {
    pub fn get(&self) -> (usize, usize) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    pub id: i64,
    pub rows: usize,
    pub unit_name: String,
}

/// Checks a roster file and saves it as a new submission; any bad row refuses the whole file
/// (`Invalid`, every problem listed by row and column) and nothing is saved.
pub async fn submit(
    db: &Db,
    actor: &Actor,
    bytes: &[u8],
    format: Option<FileFormat>,
    file_name: &str,
    now: i64,
) -> Result<Submitted> {
    if !actor.is_staff() {
        return Err(Error::Forbidden("提交名单仅限管理人员".into()));
    }
    let file_name = super::checked_text("文件名", file_name, 100)?;
    let owned = bytes.to_vec();
    let grid = super::off_runtime(move || rules::read(&owned, format))
        .await?
        .map_err(refusal)?;
    let all_units = units::all(db.reader()).await?;
    let mut by_key = HashMap::new();
    // A retired unit takes no new people.
    for u in all_units.iter().filter(|u| !u.is_retired()) {
        let unit = UnitRef {
            id: u.id,
            code: u.code.clone(),
            name: u.name.clone(),
            path: u.path.clone(),
        };
        by_key.insert(u.name.clone(), unit.clone());
        by_key.insert(u.code.clone(), unit);
    }
    let accounts: HashSet<String> = accounts::id_numbers(db.reader())
        .await?
        .into_iter()
        .collect();
    let pending: HashSet<String> = store::open_id_numbers(db.reader())
        .await?
        .into_iter()
        .collect();
    let in_scope = |path: &str| actor.covers(path);
    let ctx = Context {
        units: &by_key,
        in_scope: &in_scope,
        accounts: &accounts,
        pending: &pending,
    };
    let rows = rules::check(&grid, &ctx).map_err(refusal)?;
    let home = home_unit(actor, &all_units)?;
    let submitter = actor
        .account_id
        .ok_or_else(|| Error::Forbidden("本机控制台不能提交名单，请以单位联络员身份提交".into()))?;
    let new_rows: Vec<NewRow<'_>> = rows
        .iter()
        .map(|r| NewRow {
            row_no: r.row_no,
            real_name: &r.real_name,
            id_number: r.id_number.as_str(),
            unit_id: r.unit_id,
            post: &r.post,
            phone: &r.phone,
            batch: r.batch,
        })
        .collect();
    let mut tx = db.begin().await?;
    let id = store::insert(&mut tx, home.id, file_name, submitter, &new_rows, now).await?;
    write_audit(
        &mut tx,
        actor,
        "roster.submit",
        id,
        None,
        Some("submitted"),
        format!("{} 人，文件 {file_name}", rows.len()),
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Rosters]).await?;
    Ok(Submitted {
        id,
        rows: rows.len(),
        unit_name: home.name.clone(),
    })
}

fn refusal(problems: Vec<rules::Problem>) -> Error {
    super::listed_refusal("名单文件", "整个文件未保存", &problems)
}

/// The unit a submission belongs to: the submitter's own unit, or the city for city-wide staff.
fn home_unit<'u>(actor: &Actor, all: &'u [units::UnitRow]) -> Result<&'u units::UnitRow> {
    let wanted = actor
        .roles
        .iter()
        .find(|r| r.kind == RoleKind::Unit)
        .map(|r| r.unit_id);
    let found = match wanted {
        Some(id) => all.iter().find(|u| u.id == id),
        None => all.iter().find(|u| u.parent_id.is_none()),
    };
    found.ok_or_else(|| Error::NotFound("提交单位".into()))
}

/// The submissions the actor may see: a unit's own scope, or all for the college and office.
pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<Submission>> {
    if !actor.is_staff() {
        return Err(Error::Forbidden("名单仅限管理人员查看".into()));
    }
    store::list(db.reader(), "/")
        .await?
        .into_iter()
        .filter(|s| actor.covers(&s.unit_path))
        .map(Submission::try_from)
        .collect()
}

/// One submission with its rows, if the actor's scope covers its unit.
pub async fn show(db: &Db, actor: &Actor, id: i64) -> Result<(Submission, Vec<Row>)> {
    let s = visible(db, actor, id).await?;
    let rows = store::rows(db.reader(), id).await?;
    Ok((s.try_into()?, converted(rows)?))
}

async fn visible(db: &Db, actor: &Actor, id: i64) -> Result<SubmissionRow> {
    let s = store::by_id(db.reader(), id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("名单 {id}")))?;
    if !actor.is_staff() {
        return Err(Error::Forbidden("名单仅限管理人员查看".into()));
    }
    actor.require_covers(&s.unit_path, &s.unit_name)?;
    Ok(s)
}

/// Whether the actor may review rows and pass a roster on (the college). `review` and `pass`
/// ask this, and so does the TUI before it shows or takes their keys.
pub fn may_review(actor: &Actor) -> Result<()> {
    if actor.is_local() || actor.has(RoleKind::College) {
        Ok(())
    } else {
        Err(Error::Forbidden("审核名单仅限市网络学院".into()))
    }
}

/// Whether the actor may approve rosters (the office); asked by `approve` and the TUI.
pub fn may_approve(actor: &Actor) -> Result<()> {
    actor.require_office("批准名单")
}

/// Whether the actor may send back a roster in status `status` (a status code): the office, or
/// the college before passing it on; asked by `send_back` and the TUI.
pub fn may_send_back(actor: &Actor, status: Status) -> Result<()> {
    let allowed = actor.is_local()
        || actor.has(RoleKind::Office)
        || (actor.has(RoleKind::College) && status == Status::Submitted);
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "退回名单仅限市在线学习办（市网络学院可在报送前退回）".into(),
        ))
    }
}

fn require_status(s: &SubmissionRow, wanted: Status) -> Result<()> {
    if s.status == wanted.code() {
        Ok(())
    } else {
        Err(Error::Conflict(format!(
            "名单 {} 当前状态为{}，不能执行此操作（应为{}）",
            s.id,
            status_label(&s.status),
            wanted.label()
        )))
    }
}

/// A reviewer's decision on some rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Reject { reason: String },
}

/// Accepts or rejects rows (`ranges` of row numbers, inclusive) of a submitted roster. College.
pub async fn review(
    db: &Db,
    actor: &Actor,
    id: i64,
    ranges: &[(i64, i64)],
    decision: &Decision,
    now: i64,
) -> Result<u64> {
    may_review(actor)?;
    let s = visible(db, actor, id).await?;
    require_status(&s, Status::Submitted)?;
    let (status, reason) = match decision {
        Decision::Accept => ("accepted", ""),
        Decision::Reject { reason } => {
            let reason = super::checked_text("理由", reason, super::MAX_REASON)?;
            if reason.is_empty() {
                return Err(Error::invalid("--reason", "不通过必须说明理由"));
            }
            ("rejected", reason)
        }
    };
    let mut tx = db.begin().await?;
    let mut changed = 0;
    for &(first, last) in ranges {
        let n = store::set_rows(&mut tx, id, first, last, status, reason).await?;
        if n == 0 {
            return Err(Error::NotFound(if first == last {
                format!("名单 {id} 的第{first}行")
            } else {
                format!("名单 {id} 的第{first}–{last}行")
            }));
        }
        changed += n;
    }
    let rows = ranges
        .iter()
        .map(|(a, b)| {
            if *b == i64::MAX {
                "all".to_string()
            } else if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect::<Vec<_>>()
        .join(",");
    write_audit(
        &mut tx,
        actor,
        "roster.review",
        id,
        None,
        Some(status),
        format!("行 {rows}：{changed} 行 {reason}"),
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Rosters]).await?;
    Ok(changed)
}

/// Passes a fully reviewed roster on to the office. College.
pub async fn pass(db: &Db, actor: &Actor, id: i64, now: i64) -> Result<()> {
    may_review(actor)?;
    let s = visible(db, actor, id).await?;
    require_status(&s, Status::Submitted)?;
    let pending = s.row_count - s.accepted - s.rejected;
    if pending > 0 {
        return Err(Error::Conflict(format!(
            "名单 {id} 还有 {pending} 行未审核，请先逐行通过或不通过"
        )));
    }
    if s.accepted == 0 {
        return Err(Error::Conflict(format!(
            "名单 {id} 没有通过的行，请退回而不是报送"
        )));
    }
    let mut tx = db.begin().await?;
    if !store::advance(&mut tx, id, Step::Review, actor.account_id, "", now).await? {
        return Err(Error::Conflict(format!("名单 {id} 已被他人处理")));
    }
    write_audit(
        &mut tx,
        actor,
        "roster.pass",
        id,
        Some("submitted"),
        Some("reviewed"),
        format!("通过 {} 行，不通过 {} 行", s.accepted, s.rejected),
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Rosters]).await?;
    Ok(())
}

/// Sends a roster back to the unit with a reason. Office, or the college before passing it on.
pub async fn send_back(db: &Db, actor: &Actor, id: i64, reason: &str, now: i64) -> Result<()> {
    let s = visible(db, actor, id).await?;
    may_send_back(
        actor,
        decode("roster_submissions.status", &s.status, Status::from_code)?,
    )?;
    let reason = super::checked_text("理由", reason, super::MAX_REASON)?;
    if reason.is_empty() {
        return Err(Error::invalid("--reason", "退回必须说明理由"));
    }
    let mut tx = db.begin().await?;
    if !store::advance(&mut tx, id, Step::Return, actor.account_id, reason, now).await? {
        return Err(Error::Conflict(format!(
            "名单 {id} 当前状态为{}，不能退回",
            status_label(&s.status)
        )));
    }
    write_audit(
        &mut tx,
        actor,
        "roster.return",
        id,
        Some(&s.status),
        Some("returned"),
        reason.to_string(),
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Rosters]).await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub accounts: usize,
}

/// Approves a reviewed roster and issues an account to each accepted row, all in one transaction:
/// a pinyin username (numbered on collision), a random initial password that must be changed, the
/// row's batch. Passwords are hashed first, in parallel, off the async threads, counted in
/// `progress`. Office. A second approval (even a concurrent one) issues nothing.
pub async fn approve(
    db: &Db,
    actor: &Actor,
    id: i64,
    progress: &Progress,
    now: i64,
) -> Result<Issued> {
    may_approve(actor)?;
    let s = visible(db, actor, id).await?;
    require_status(&s, Status::Reviewed)?;
    let accepted: Vec<RowRow> = store::rows(db.reader(), id)
        .await?
        .into_iter()
        .filter(|r| r.status == RowStatus::Accepted.code())
        .collect();
    let passwords: Vec<String> = accepted
        .iter()
        .map(|_| password::random_initial())
        .collect();
    progress.total.store(accepted.len(), Ordering::Relaxed);
    progress.done.store(0, Ordering::Relaxed);
    let hashes = password::hash_many(passwords.clone(), progress.done.clone()).await?;

    let mut tx = db.begin().await?;
    if !store::advance(&mut tx, id, Step::Approve, actor.account_id, "", now).await? {
        return Err(Error::Conflict(format!("名单 {id} 已被批准或已退回")));
    }
    let issued = issue(&mut tx, &accepted, &passwords, &hashes, now).await?;
    write_audit(
        &mut tx,
        actor,
        "roster.approve",
        id,
        Some("reviewed"),
        Some("approved"),
        format!("发放账号 {issued} 个"),
        now,
    )
    .await?;
    changes::commit(
        db,
        tx,
        &[Topic::Rosters, Topic::Accounts, Topic::Population],
    )
    .await?;
    Ok(Issued { accounts: issued })
}

/// Creates the accounts of `rows` and records them on the rows.
async fn issue(
    tx: &mut Tx,
    rows: &[RowRow],
    passwords: &[String],
    hashes: &[String],
    now: i64,
) -> Result<usize> {
    let mut usernames = HashSet::new();
    let mut ids = HashSet::new();
    for (username, id_number) in store::taken(tx).await? {
        usernames.insert(username);
        ids.extend(id_number);
    }
    let clashes: Vec<String> = rows
        .iter()
        .filter(|r| ids.contains(&r.id_number))
        .map(|r| format!("第{}行 {}", r.row_no, r.real_name))
        .collect();
    if !clashes.is_empty() {
        return Err(Error::Conflict(format!(
            "以下人员的身份证号已有账号（一人一号），请退回名单：{}",
            clashes.join("、")
        )));
    }
    let names: Vec<String> = rows
        .iter()
        .map(|r| username::unique(&r.real_name, &mut usernames))
        .collect();
    let first_id = bulk::max_id(tx, "accounts").await? + 1;
    let values: Vec<Vec<Val>> = rows
        .iter()
        .zip(&names)
        .zip(hashes)
        .map(|((r, name), hash)| {
            vec![
                Val::from(name.as_str()),
                Val::from(r.real_name.as_str()),
                Val::from(r.id_number.as_str()),
                Val::from(r.unit_id),
                Val::from(r.post.as_str()),
                Val::from(r.phone.as_str()),
                Val::from(r.batch),
                Val::from(hash.as_str()),
                Val::from(1),
                Val::from(now),
                Val::from(now),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "accounts",
        &[
            "username",
            "real_name",
            "id_number",
            "unit_id",
            "post",
            "phone",
            "batch",
            "password_hash",
            "must_change",
            "created_at",
            "updated_at",
        ],
        &values,
    )
    .await?;
    let last_id = bulk::max_id(tx, "accounts").await?;
    crate::store::facts::issue(tx, first_id, last_id, now).await?;
    let by_name: HashMap<String, i64> = accounts::usernames_from(tx, first_id)
        .await?
        .into_iter()
        .map(|(id, name)| (name, id))
        .collect();
    let issued = rows
        .iter()
        .zip(&names)
        .zip(passwords)
        .map(|((r, name), pw)| {
            let account_id = *by_name
                .get(name)
                .ok_or_else(|| Error::internal(format!("账号 {name} 写入后未找到")))?;
            Ok(store::IssuedRow {
                row_id: r.id,
                account_id,
                username: name,
                initial_password: pw,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    store::set_issued(tx, &issued).await?;
    Ok(rows.len())
}

/// One issued account as the unit receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub row_no: i64,
    pub real_name: String,
    pub unit_name: String,
    pub username: String,
    pub password: String,
}

/// The issued usernames and initial passwords, once: afterwards the passwords are gone from the
/// system. Only the submitting unit's staff (or the local operator).
pub async fn credentials(db: &Db, actor: &Actor, id: i64, now: i64) -> Result<Vec<Credential>> {
    let s = visible(db, actor, id).await?;
    if !(actor.is_local() || actor.has(RoleKind::Unit)) {
        return Err(Error::Forbidden(
            "账号凭据只发给提交名单的单位联络员".into(),
        ));
    }
    if s.status == Status::Issued.code() {
        return Err(Error::Conflict(format!(
            "名单 {id} 的账号凭据已领取过，初始密码已从系统中清除；如有遗失请为该账号重置密码"
        )));
    }
    require_status(&s, Status::Approved)?;
    let mut tx = db.begin().await?;
    let rows = store::rows_in(&mut tx, id).await?;
    if !store::fetched(&mut tx, id, now).await? {
        return Err(Error::Conflict(format!("名单 {id} 的账号凭据已被领取")));
    }
    let out: Vec<Credential> = rows
        .into_iter()
        .filter_map(|r| {
            Some(Credential {
                row_no: r.row_no,
                real_name: r.real_name,
                unit_name: r.unit_name,
                username: r.username?,
                password: r.initial_password?,
            })
        })
        .collect();
    write_audit(
        &mut tx,
        actor,
        "roster.credentials",
        id,
        Some("approved"),
        Some("issued"),
        format!("领取 {} 个账号凭据", out.len()),
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Rosters]).await?;
    // The passwords are gone from the tables; make sure no copy stays behind in the files.
    match db.forget_freed().await {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!("预写日志正被读取，未能立即清空；已领取的初始密码将随日志重用被覆盖")
        }
        Err(e) => tracing::warn!("清除已领取的初始密码残留失败：{e}"),
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
async fn write_audit(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    id: i64,
    before: Option<&str>,
    after: Option<&str>,
    detail: String,
    now: i64,
) -> Result<()> {
    audit::write(
        tx,
        &AuditEntry {
            action,
            target: format!("roster:{id}"),
            before: before.map(str::to_string),
            after: after.map(str::to_string),
            detail,
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    Ok(())
}
