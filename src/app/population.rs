//! Changes to who counts in a year (RULES.md "Who counts in a year", "Exemption"; issue 11): a
//! unit's exemption requests and the office's decisions, the office's exception that lets a late
//! disable or exemption remove a learner from a year after the cut-off, and the list of every
//! population change of a year by unit. The population itself is `YearSettings::population`.

use std::collections::HashMap;

use crate::rules::calendar::year_bounds;
use crate::rules::population::{Change, removes_from_year};
use crate::rules::status::{AccountStatus, RequestStatus};
use crate::store::account_care::{self as care, AccountLine};
use crate::store::facts::{self, ChangeRow, RequestRow};
use crate::store::units::{self, UnitRow};
use crate::store::{Db, Tx, audit};

use super::accounts::{Change as Audited, apply_exempt, manageable, may_set_exempt, record};
use super::changes::{self, Topic};
use super::standings::{resolve_scope, year_settings};
use super::types::{UnitCode, Username, converted, decode};
use super::{Actor, Error, Result};

/// A unit's request to exempt a cadre, with the account and the account's unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: i64,
    pub account_id: i64,
    pub username: Username,
    pub real_name: String,
    pub unit_code: UnitCode,
    pub unit_name: String,
    pub unit_path: String,
    pub reason: String,
    pub status: RequestStatus,
    pub requested_by: String,
    pub requested_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision: String,
}

impl TryFrom<RequestRow> for Request {
    type Error = Error;

    fn try_from(r: RequestRow) -> Result<Request> {
        Ok(Request {
            status: decode(
                "exemption_requests.status",
                &r.status,
                RequestStatus::from_code,
            )?,
            id: r.id,
            account_id: r.account_id,
            username: Username::stored(r.username),
            real_name: r.real_name,
            unit_code: UnitCode::stored(r.unit_code),
            unit_name: r.unit_name,
            unit_path: r.unit_path,
            reason: r.reason,
            requested_by: r.requested_by,
            requested_at: r.requested_at,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            decision: r.decision,
        })
    }
}

/// Whether the actor reviews exemption requests and population changes (the office only). Fronts
/// ask before offering the view; the use-cases check again.
pub fn may_review(actor: &Actor) -> Result<()> {
    actor.require_office("免考核申请的审批与参评人员变动")
}

/// Whether the actor decides exemption requests (`approve`, `refuse`; the office only). The
/// 参评变动 view asks it before offering `o` and `x`.
pub fn may_decide(actor: &Actor) -> Result<()> {
    actor.require_office("审批免考核申请")
}

/// A unit asks the office to exempt one of its cadres; nothing changes until the office approves.
/// Returns the request's number.
pub(super) async fn request_exemption(
    tx: &mut Tx,
    actor: &Actor,
    account: &AccountLine,
    reason: &str,
    now: i64,
) -> Result<i64> {
    let reason = super::required_reason("--reason", reason, "请写明免于考核的原因，如 省管干部")?;
    if facts::has_pending(tx, account.id).await? {
        return Err(Error::Conflict(format!(
            "账号 {} 已有待审批的免考核申请",
            account.username
        )));
    }
    let id = facts::add_request(tx, account.id, reason, &actor.username, now).await?;
    let change = Audited::new("exemption.request", account)
        .after(&format!("申请 {id}：免考核：{reason}"))
        .detail(reason);
    record(tx, actor, change, now).await?;
    Ok(id)
}

/// Exemption requests of the actor's scope (or the named unit's), newest first; `pending_only`
/// leaves out the decided ones.
pub async fn requests(
    db: &Db,
    actor: &Actor,
    unit_code: Option<&str>,
    pending_only: bool,
) -> Result<Vec<Request>> {
    if !actor.is_staff() {
        return Err(Error::Forbidden("免考核申请仅限管理人员查看".into()));
    }
    let scope = resolve_scope(db, actor, unit_code).await?;
    let status = if pending_only {
        RequestStatus::Pending.code()
    } else {
        ""
    };
    converted(facts::requests(db.reader(), &scope.path, status).await?)
}

/// The request, pending, for the office to decide (in the deciding transaction).
async fn pending(tx: &mut Tx, id: i64) -> Result<Request> {
    let r = facts::request(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("免考核申请 {id}")))?;
    let r = Request::try_from(r)?;
    if r.status != RequestStatus::Pending {
        return Err(Error::Conflict(format!(
            "免考核申请 {id} 已处理（{}）",
            r.status.label()
        )));
    }
    Ok(r)
}

/// The office approves a request: the account becomes exempt from now on, in one transaction
/// with the decision and both audit rows.
pub async fn approve(db: &Db, actor: &Actor, id: i64, now: i64) -> Result<Request> {
    may_decide(actor)?;
    let mut tx = db.begin().await?;
    let r = pending(&mut tx, id).await?;
    let account = manageable(&mut tx, actor, &r.username, |a, t| {
        may_set_exempt(a, t, false)
    })
    .await?;
    if account.exempt == 1 {
        return Err(Error::Conflict(format!("账号 {} 已是免考核", r.username)));
    }
    if !facts::decide(
        &mut tx,
        id,
        RequestStatus::Approved.code(),
        &actor.username,
        now,
        "",
    )
    .await?
    {
        return Err(Error::Conflict(format!("免考核申请 {id} 已处理")));
    }
    apply_exempt(&mut tx, actor, &account, Some(&r.reason), now).await?;
    let change = Audited::new("exemption.approve", &account)
        .after(&format!("批准申请 {id}（{}）", r.requested_by))
        .detail(&r.reason);
    record(&mut tx, actor, change, now).await?;
    changes::commit(db, tx, &[Topic::Population, Topic::Accounts]).await?;
    Ok(r)
}

/// The office refuses a request, with a reason; nothing else changes.
pub async fn refuse(db: &Db, actor: &Actor, id: i64, reason: &str, now: i64) -> Result<Request> {
    may_decide(actor)?;
    let reason = super::required_reason("--reason", reason, "请写明不批准的理由")?;
    let mut tx = db.begin().await?;
    let r = pending(&mut tx, id).await?;
    if !facts::decide(
        &mut tx,
        id,
        RequestStatus::Refused.code(),
        &actor.username,
        now,
        reason,
    )
    .await?
    {
        return Err(Error::Conflict(format!("免考核申请 {id} 已处理")));
    }
    let entry = audit::AuditEntry {
        action: "exemption.refuse",
        target: format!("account:{}", r.account_id),
        after: Some(format!("不批准申请 {id}")),
        detail: format!("账号 {}；原因：{reason}", r.username),
        ..actor.audit_entry()
    };
    audit::write(&mut tx, &entry, now).await?;
    changes::commit(db, tx, &[Topic::Population]).await?;
    Ok(r)
}

/// The office's exception (RULES.md): the account's latest disable or exemption that took effect
/// on or after `year`'s cut-off removes the learner from that year all the same.
pub async fn year_exception(
    db: &Db,
    actor: &Actor,
    username: &str,
    year: i32,
    reason: &str,
    now: i64,
) -> Result<()> {
    actor.require_office("批准移出年度考核")?;
    let reason = super::required_reason("--reason", reason, "请写明移出该年度考核的理由")?;
    let settings = year_settings(db, year).await?;
    let account = care::by_username(db.reader(), username.trim())
        .await?
        .ok_or_else(|| Error::NotFound(format!("账号 {username}")))?;
    let (_, end) = year_bounds(year);
    let cutoff = settings.cutoff.at(year);
    let mut tx = db.begin().await?;
    let Some((fact_id, kind, flagged)) =
        facts::last_removal_between(&mut tx, account.id, cutoff, end - 1).await?
    else {
        return Err(Error::Conflict(format!(
            "账号 {username} 在 {year} 年截止日（{}）之后没有停用或免考核记录；截止日前的停用或免考核本就不计入该年度",
            settings.cutoff.label()
        )));
    };
    if flagged == 1 {
        return Err(Error::Conflict(format!(
            "账号 {username} 已批准移出 {year} 年度考核"
        )));
    }
    facts::set_removes_from_year(&mut tx, fact_id).await?;
    let label = Change::from_code(&kind).map_or("停用或免考核", Change::label);
    let change = Audited::new("population.exception", &account)
        .after(&format!("{year} 年度：{label}后移出考核"))
        .detail(reason);
    record(&mut tx, actor, change, now).await?;
    changes::commit(db, tx, &[Topic::Population]).await?;
    Ok(())
}

/// One change to who counts in a year, for the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeLine {
    /// The unit the learner was in before the change (the one whose population it changed).
    pub unit_code: String,
    pub unit_name: String,
    pub username: String,
    pub real_name: String,
    pub change: Change,
    pub from: String,
    pub to: String,
    pub effective_at: i64,
    pub actor: String,
    pub reason: String,
    /// Whether the change takes the learner out of this year's population (a disable or an
    /// exemption before the cut-off, or after it with the office's exception).
    pub removes_from_year: bool,
}

/// Every disable, enable, exemption, move and batch change taking effect in `year`, by unit code
/// then time. The office only: it is the office's view of the units' changes.
pub async fn changes(db: &Db, actor: &Actor, year: i32) -> Result<Vec<ChangeLine>> {
    may_review(actor)?;
    let settings = year_settings(db, year).await?;
    let (start, end) = year_bounds(year);
    let units: HashMap<i64, UnitRow> = units::all(db.reader())
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let unit = |id: i64| units.get(&id);
    let mut lines: Vec<ChangeLine> = facts::changes_between(db.reader(), start, end)
        .await?
        .into_iter()
        .filter_map(|r| {
            let change = Change::from_code(&r.kind)?;
            let home = unit(r.prev_unit_id.unwrap_or(r.unit_id));
            let (from, to) = describe(&r, change, &unit);
            Some(ChangeLine {
                unit_code: home.map(|u| u.code.clone()).unwrap_or_default(),
                unit_name: home.map(|u| u.name.clone()).unwrap_or_default(),
                username: r.username,
                real_name: r.real_name,
                change,
                from,
                to,
                effective_at: r.effective_at,
                actor: r.actor,
                reason: r.reason,
                removes_from_year: removes_from_year(
                    change,
                    r.effective_at,
                    year,
                    settings.cutoff,
                    r.removes_from_year == 1,
                ),
            })
        })
        .collect();
    lines.sort_by(|a, b| (&a.unit_code, a.effective_at).cmp(&(&b.unit_code, b.effective_at)));
    Ok(lines)
}

/// The value before and after a change, in Chinese.
fn describe<'u>(
    r: &ChangeRow,
    change: Change,
    unit: &impl Fn(i64) -> Option<&'u UnitRow>,
) -> (String, String) {
    let unit_text =
        |id: i64| unit(id).map_or_else(|| id.to_string(), |u| format!("{} {}", u.code, u.name));
    let batch_text = |b: Option<i64>| b.map_or_else(|| "无".to_string(), |b| format!("第 {b} 批"));
    let status_text = |s: &str| {
        if s == AccountStatus::Active.code() {
            "启用"
        } else {
            "停用"
        }
        .to_string()
    };
    let exempt_text = |e: i64| if e == 1 { "免考核" } else { "参加考核" }.to_string();
    match change {
        Change::Move => (
            r.prev_unit_id.map(unit_text).unwrap_or_default(),
            unit_text(r.unit_id),
        ),
        Change::Batch => (batch_text(r.prev_batch), batch_text(r.batch)),
        Change::Disable | Change::Enable => (
            r.prev_status
                .as_deref()
                .map(status_text)
                .unwrap_or_default(),
            status_text(&r.status),
        ),
        Change::Exempt | Change::Unexempt => (
            r.prev_exempt.map(exempt_text).unwrap_or_default(),
            exempt_text(r.exempt),
        ),
        Change::Issue => (String::new(), unit_text(r.unit_id)),
    }
}
