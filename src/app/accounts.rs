//! Account care (issue 5 item 7): staff find accounts in their scope, read one with its history,
//! disable or enable it, move it to another unit, mark it exempt (Art. 12), change its batch, and
//! (the office only) grant or revoke staff roles. Every change is one transaction with its audit
//! row (actor, address, before, after). Passwords and keys are in `credentials`.

use crate::rules::population::Change as Fact;
use crate::rules::status::AccountStatus;
use crate::store::account_care::{self as store, AccountLine, HistoryRow};
use crate::store::accounts::{self, RoleRow};
use crate::store::audit::{self, AuditEntry};
use crate::store::auth::{self as keys, KeyRow};
use crate::store::units::UnitRow;
use crate::store::{Db, Tx};

use super::actor::RoleKind;
use super::changes::{self, Topic};
use super::password::Scheme;
use super::types::{UnitCode, Username, converted, decode, flag};
use super::units::Unit;
use super::{Actor, Error, Result, admin};

/// At most this many accounts come back from a search.
pub const FIND_LIMIT: i64 = 200;

/// One account as staff see it, with its unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: Username,
    pub real_name: String,
    pub id_number: Option<String>,
    pub unit_id: i64,
    pub unit_code: UnitCode,
    pub unit_name: String,
    pub unit_path: String,
    pub post: String,
    pub phone: String,
    pub is_learner: bool,
    pub batch: Option<i64>,
    pub exempt: bool,
    pub exempt_reason: String,
    pub status: AccountStatus,
    pub password_scheme: Scheme,
    pub must_change: bool,
    pub locked_until: Option<i64>,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
}

impl TryFrom<AccountLine> for Account {
    type Error = Error;

    fn try_from(a: AccountLine) -> Result<Account> {
        Ok(Account {
            status: decode("accounts.status", &a.status, AccountStatus::from_code)?,
            password_scheme: decode(
                "accounts.password_scheme",
                &a.password_scheme,
                Scheme::from_code,
            )?,
            is_learner: flag("accounts.is_learner", a.is_learner)?,
            exempt: flag("accounts.exempt", a.exempt)?,
            must_change: flag("accounts.must_change", a.must_change)?,
            id: a.id,
            username: Username::stored(a.username),
            real_name: a.real_name,
            id_number: a.id_number,
            unit_id: a.unit_id,
            unit_code: UnitCode::stored(a.unit_code),
            unit_name: a.unit_name,
            unit_path: a.unit_path,
            post: a.post,
            phone: a.phone,
            batch: a.batch,
            exempt_reason: a.exempt_reason,
            locked_until: a.locked_until,
            last_login_at: a.last_login_at,
            created_at: a.created_at,
        })
    }
}

/// A staff role an account holds, with its unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRole {
    pub kind: RoleKind,
    pub unit_code: UnitCode,
    pub unit_name: String,
    pub unit_path: String,
}

impl TryFrom<RoleRow> for HeldRole {
    type Error = Error;

    fn try_from(r: RoleRow) -> Result<HeldRole> {
        Ok(HeldRole {
            kind: decode("account_roles.role", &r.role, RoleKind::from_code)?,
            unit_code: UnitCode::stored(r.unit_code),
            unit_name: r.unit_name,
            unit_path: r.unit_path,
        })
    }
}

/// An SSH public key an account signs in with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub algorithm: String,
    pub fingerprint: String,
    pub comment: String,
    pub added_at: i64,
}

impl From<KeyRow> for Key {
    fn from(k: KeyRow) -> Key {
        Key {
            algorithm: k.algorithm,
            fingerprint: k.fingerprint,
            comment: k.comment,
            added_at: k.added_at,
        }
    }
}

/// One audit entry about an account (its care actions and its sign-ins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub at: i64,
    pub actor: String,
    pub address: String,
    /// The audit action code (`account.disable` …); `action_label` gives its words.
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub detail: String,
}

impl From<HistoryRow> for HistoryEntry {
    fn from(h: HistoryRow) -> HistoryEntry {
        HistoryEntry {
            at: h.at,
            actor: h.actor,
            address: h.address,
            action: h.action,
            before: h.before,
            after: h.after,
            detail: h.detail,
        }
    }
}

/// One account with its staff roles and SSH keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub account: Account,
    pub roles: Vec<HeldRole>,
    pub keys: Vec<Key>,
    /// The sign-in lock in force, if any (until when, why).
    pub lock: Option<super::auth::Lock>,
}

/// Accounts in the actor's scope whose username, name or ID number contains `text`.
pub async fn find(db: &Db, actor: &Actor, text: &str, limit: i64) -> Result<Vec<Account>> {
    if !actor.is_staff() {
        return Err(Error::Forbidden("查找账号仅限管理人员".into()));
    }
    let text = super::checked_text("关键字", text, super::MAX_SEARCH)?.to_lowercase();
    let limit = limit.clamp(1, FIND_LIMIT);
    let mut scopes: Vec<&str> = actor.roles.iter().map(|r| r.unit_path.as_str()).collect();
    if actor.is_local() || actor.roles.iter().any(|r| r.kind.is_city_wide()) {
        scopes = vec!["/"];
    }
    let mut found: Vec<AccountLine> = Vec::new();
    for scope in scopes {
        for line in store::find(db.reader(), &text, scope, limit).await? {
            if !found.iter().any(|f| f.id == line.id) {
                found.push(line);
            }
        }
    }
    found.sort_by(|a, b| a.username.cmp(&b.username));
    found.truncate(usize::try_from(limit).unwrap_or(0));
    converted(found)
}

/// One account in the actor's scope.
pub async fn show(db: &Db, actor: &Actor, username: &str) -> Result<Detail> {
    let account = visible(db, actor, username).await?;
    let roles = accounts::roles_of(db.reader(), account.id).await?;
    let keys = keys::keys_of(db.reader(), account.id).await?;
    let lock = super::auth::lock_of(db, account.id, super::now()).await?;
    Ok(Detail {
        account: account.try_into()?,
        roles: converted(roles)?,
        keys: keys.into_iter().map(Key::from).collect(),
        lock,
    })
}

/// The audit entries about an account (care actions and sign-ins), newest first.
pub async fn history(
    db: &Db,
    actor: &Actor,
    username: &str,
    limit: i64,
) -> Result<Vec<HistoryEntry>> {
    let account = visible(db, actor, username).await?;
    let rows = store::history(
        db.reader(),
        account.id,
        &account.username,
        limit.clamp(1, 1000),
    )
    .await?;
    Ok(rows.into_iter().map(HistoryEntry::from).collect())
}

/// Disables (`enabled` false) or enables an account. A disabled account cannot sign in and its
/// web sessions end.
pub async fn set_enabled(
    db: &Db,
    actor: &Actor,
    username: &str,
    enabled: bool,
    reason: &str,
    now: i64,
) -> Result<()> {
    let reason = super::checked_text("原因", reason, super::MAX_REASON)?;
    let mut tx = db.begin().await?;
    let account = manageable(&mut tx, actor, username, may_set_enabled).await?;
    if enabled == (account.status == AccountStatus::Active.code()) {
        let state = if enabled {
            "已是启用状态"
        } else {
            "已停用"
        };
        return Err(Error::Conflict(format!("账号 {username} {state}")));
    }
    if !enabled && actor.account_id == Some(account.id) {
        return Err(Error::invalid("账号", "不能停用自己的账号"));
    }
    let (status, kind) = if enabled {
        (AccountStatus::Active.code(), Fact::Enable)
    } else {
        (AccountStatus::Disabled.code(), Fact::Disable)
    };
    store::set_status(&mut tx, account.id, status, now).await?;
    fact(&mut tx, actor, account.id, kind, reason, now).await?;
    let action = if enabled {
        "account.enable"
    } else {
        "account.disable"
    };
    let change = Change::new(action, &account)
        .before(&account.status)
        .after(status)
        .detail(reason);
    record(&mut tx, actor, change, now).await?;
    changes::commit(db, tx, &[Topic::Accounts]).await?;
    Ok(())
}

/// The unit an account would be moved to, named by code or unique name (`unit_tree::find`, the
/// resolver `--unit` uses), checked as `move_unit` checks it, so the question before the move
/// names the unit the move will go to (the 账号 tab's y/n).
pub async fn move_target(db: &Db, actor: &Actor, username: &str, unit: &str) -> Result<Unit> {
    let account = visible(db, actor, username).await?;
    let staff = !accounts::roles_of(db.reader(), account.id)
        .await?
        .is_empty();
    may_move(actor, &Target::of(&account, staff))?;
    let unit = super::unit_tree::find_active(db, UnitCode::parse("单位", unit)?.as_str()).await?;
    actor.require_covers(&unit.path, &unit.name)?;
    if unit.id == account.unit_id {
        return Err(Error::Conflict(format!(
            "账号 {username} 已在 {} {}",
            unit.code, unit.name
        )));
    }
    Ok(unit.into())
}

/// Moves an account to another unit (by code or unique name): the actor must cover both units
/// (the office covers all).
pub async fn move_unit(
    db: &Db,
    actor: &Actor,
    username: &str,
    unit_code: &str,
    reason: &str,
    now: i64,
) -> Result<Unit> {
    let reason = super::checked_text("原因", reason, super::MAX_REASON)?;
    let unit_code = UnitCode::parse("单位代码", unit_code)?;
    let mut tx = db.begin().await?;
    let account = manageable(&mut tx, actor, username, may_move).await?;
    let unit = super::unit_tree::find_active(db, &unit_code).await?;
    actor.require_covers(&unit.path, &unit.name)?;
    if unit.id == account.unit_id {
        return Err(Error::Conflict(format!(
            "账号 {username} 已在{}",
            unit.name
        )));
    }
    store::set_unit(&mut tx, account.id, unit.id, now).await?;
    fact(&mut tx, actor, account.id, Fact::Move, reason, now).await?;
    let change = Change::new("account.move", &account)
        .before(&format!("{} {}", account.unit_code, account.unit_name))
        .after(&format!("{} {}", unit.code, unit.name))
        .detail(reason);
    record(&mut tx, actor, change, now).await?;
    changes::commit(db, tx, &[Topic::Accounts, Topic::Population]).await?;
    Ok(unit.into())
}

/// What `set_exempt` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exemption {
    /// The office marked the account exempt.
    Exempted,
    /// The office cleared the mark.
    Cleared,
    /// Anyone else asked the office: the request's number (RULES.md "Exemption").
    Requested(i64),
}

/// Marks an account exempt from assessment (Art. 12) with a reason, or clears the mark (`None`).
/// Exempt learners may learn but leave the assessed population (as of the change's effective
/// time, see RULES.md "Who counts in a year"). Only the office decides; a unit's exemption is a
/// request the office approves or refuses (`population::approve`).
pub async fn set_exempt(
    db: &Db,
    actor: &Actor,
    username: &str,
    reason: Option<&str>,
    now: i64,
) -> Result<Exemption> {
    let reason = reason
        .map(|r| super::checked_text("原因", r, super::MAX_REASON))
        .transpose()?;
    let clearing = reason.is_none();
    let mut tx = db.begin().await?;
    let account = manageable(&mut tx, actor, username, |a, t| {
        may_set_exempt(a, t, clearing)
    })
    .await?;
    if reason == Some("") {
        return Err(Error::invalid(
            "--reason",
            "请写明免于考核的原因，如 省管干部",
        ));
    }
    if reason.is_none() && account.exempt == 0 {
        return Err(Error::Conflict(format!("账号 {username} 未被标记为免考核")));
    }
    if reason.is_some() && account.exempt == 1 {
        return Err(Error::Conflict(format!("账号 {username} 已是免考核")));
    }
    if actor.require_office("免考核").is_err() {
        // Clearing was refused above (`may_set_exempt`); marking becomes a request.
        let Some(r) = reason else {
            return Err(Error::Forbidden("取消免考核仅限市在线学习办".into()));
        };
        let id = super::population::request_exemption(&mut tx, actor, &account, r, now).await?;
        changes::commit(db, tx, &[Topic::Population]).await?;
        return Ok(Exemption::Requested(id));
    }
    apply_exempt(&mut tx, actor, &account, reason, now).await?;
    changes::commit(db, tx, &[Topic::Accounts, Topic::Population]).await?;
    Ok(if reason.is_some() {
        Exemption::Exempted
    } else {
        Exemption::Cleared
    })
}

/// Writes an exemption decided by the office (direct, or approving a unit's request): the
/// account, its fact row and the audit row, in the caller's transaction.
pub(super) async fn apply_exempt(
    tx: &mut Tx,
    actor: &Actor,
    account: &AccountLine,
    reason: Option<&str>,
    now: i64,
) -> Result<()> {
    store::set_exempt(tx, account.id, reason.is_some(), reason.unwrap_or(""), now).await?;
    let kind = if reason.is_some() {
        Fact::Exempt
    } else {
        Fact::Unexempt
    };
    fact(tx, actor, account.id, kind, reason.unwrap_or(""), now).await?;
    let change = Change::new("account.exempt", account)
        .before(&exempt_text(account.exempt == 1, &account.exempt_reason))
        .after(&exempt_text(reason.is_some(), reason.unwrap_or("")));
    record(tx, actor, change, now).await
}

/// Records an effective-dated change (already written to `accounts` in this transaction).
async fn fact(
    tx: &mut Tx,
    actor: &Actor,
    account_id: i64,
    kind: Fact,
    reason: &str,
    now: i64,
) -> Result<()> {
    let f = crate::store::facts::NewFact {
        account_id,
        kind: kind.code(),
        reason: reason.trim(),
        actor: &actor.username,
        at: now,
    };
    Ok(crate::store::facts::record(tx, &f).await?)
}

fn exempt_text(exempt: bool, reason: &str) -> String {
    if exempt {
        format!("免考核：{reason}")
    } else {
        "参加考核".into()
    }
}

/// Changes a learner's batch (1, 2 or 3, Art. 5).
pub async fn set_batch(db: &Db, actor: &Actor, username: &str, batch: i64, now: i64) -> Result<()> {
    if !(1..=3).contains(&batch) {
        return Err(Error::invalid("批次", "只能是 1、2 或 3"));
    }
    let mut tx = db.begin().await?;
    let account = manageable(&mut tx, actor, username, may_set_batch).await?;
    if account.batch == Some(batch) {
        return Err(Error::Conflict(format!(
            "账号 {username} 已是第 {batch} 批"
        )));
    }
    store::set_batch(&mut tx, account.id, batch, now).await?;
    fact(&mut tx, actor, account.id, Fact::Batch, "", now).await?;
    let before = account
        .batch
        .map_or_else(|| "无".to_string(), |b| b.to_string());
    let change = Change::new("account.batch", &account)
        .before(&before)
        .after(&batch.to_string());
    record(&mut tx, actor, change, now).await?;
    changes::commit(db, tx, &[Topic::Accounts, Topic::Population]).await?;
    Ok(())
}

/// Grants a staff role with its scope to an existing account (the office only). Office and
/// college are scoped to the city root; a unit role needs its unit.
pub async fn grant_role(
    db: &Db,
    actor: &Actor,
    username: &str,
    role: RoleKind,
    unit_code: Option<&str>,
    now: i64,
) -> Result<Unit> {
    let (account, unit) = role_target(db, actor, username, role, unit_code).await?;
    let mut tx = db.begin().await?;
    // The account row locked, as a liaison's change locks it: a liaison's change waiting on it
    // then sees the new role and leaves the account to the office.
    store::by_username_locked(&mut tx, &account.username).await?;
    let held = accounts::roles_of(&mut *tx, account.id).await?;
    if held
        .iter()
        .any(|r| r.role == role.code() && r.unit_id == unit.id)
    {
        return Err(Error::Conflict(format!(
            "账号 {username} 已有角色 {}（{}）",
            role.label(),
            unit.name
        )));
    }
    accounts::grant_role(
        &mut tx,
        account.id,
        role.code(),
        unit.id,
        actor.account_id,
        now,
    )
    .await?;
    let change =
        Change::new("role.grant", &account).after(&format!("{} @ {}", role.code(), unit.code));
    record(&mut tx, actor, change, now).await?;
    changes::commit(db, tx, &[Topic::Accounts]).await?;
    Ok(unit.into())
}

/// Revokes a staff role (the office only). The city keeps at least one office account.
pub async fn revoke_role(
    db: &Db,
    actor: &Actor,
    username: &str,
    role: RoleKind,
    unit_code: Option<&str>,
    now: i64,
) -> Result<Unit> {
    let (account, unit) = role_target(db, actor, username, role, unit_code).await?;
    let mut tx = db.begin().await?;
    if role == RoleKind::Office {
        store::lock_office_holders(&mut tx).await?;
    }
    if !store::revoke_role(&mut tx, account.id, role.code(), unit.id).await? {
        return Err(Error::NotFound(format!(
            "账号 {username} 的角色 {}（{}）",
            role.label(),
            unit.name
        )));
    }
    if role == RoleKind::Office && store::office_holders(&mut tx).await? == 0 {
        return Err(Error::Conflict(
            "这是最后一个市在线学习办账号，不能撤销其角色".into(),
        ));
    }
    let change =
        Change::new("role.revoke", &account).before(&format!("{} @ {}", role.code(), unit.code));
    record(&mut tx, actor, change, now).await?;
    changes::commit(db, tx, &[Topic::Accounts]).await?;
    Ok(unit.into())
}

/// Whether the actor may grant and revoke staff roles (the office only). Fronts ask it before
/// offering the action; `grant_role` and `revoke_role` check it again.
pub fn may_change_roles(actor: &Actor) -> Result<()> {
    actor.require_office("授予或撤销管理角色")
}

/// The account and the unit a role change is about; the office only (`may_change_roles`).
async fn role_target(
    db: &Db,
    actor: &Actor,
    username: &str,
    role: RoleKind,
    unit_code: Option<&str>,
) -> Result<(AccountLine, UnitRow)> {
    may_change_roles(actor)?;
    let account = load(db, username).await?;
    let unit = admin::role_unit(db, role, unit_code).await?;
    Ok((account, unit))
}

/// The Chinese name of an audit action about an account.
pub fn action_label(action: &str) -> &str {
    match action {
        "login.ok" => "登录成功",
        "login.fail" => "登录失败",
        "login.locked" => "登录被拒（已锁定）",
        "login.disabled" => "登录被拒（已停用）",
        "login.throttled" => "登录被拒（地址受限）",
        "account.disable" => "停用账号",
        "account.enable" => "启用账号",
        "account.move" => "调动单位",
        "account.exempt" => "免考核标记",
        "account.batch" => "调整批次",
        "account.unlock" => "解除登录锁定",
        "exemption.request" => "申请免考核",
        "exemption.approve" => "批准免考核申请",
        "exemption.refuse" => "不批准免考核申请",
        "population.exception" => "批准移出年度考核",
        "password.change" => "修改密码",
        "password.reset" => "重置密码",
        "password.rehash" => "旧站密码改存",
        "role.grant" => "授予角色",
        "role.revoke" => "撤销角色",
        "ssh_key.add" => "添加公钥",
        "ssh_key.remove" => "删除公钥",
        other => other,
    }
}

async fn load(db: &Db, username: &str) -> Result<AccountLine> {
    store::by_username(db.reader(), username.trim())
        .await?
        .ok_or_else(|| Error::NotFound(format!("账号 {username}")))
}

/// The account, when its unit is in the actor's scope.
pub(super) async fn visible(db: &Db, actor: &Actor, username: &str) -> Result<AccountLine> {
    let account = load(db, username).await?;
    if actor.account_id != Some(account.id) {
        // The refusal names only what the actor typed: not the unit of someone out of scope.
        actor.require_covers(&account.unit_path, &format!("账号 {}", account.username))?;
    }
    Ok(account)
}

/// The account, when the actor may change it as `may` decides (one of the `may_*` functions below,
/// which the fronts ask too). Read and checked inside the transaction that writes, the account's
/// row locked (`by_username_locked`): a move or role grant committed meanwhile is seen here, not
/// slipped past.
pub(super) async fn manageable(
    tx: &mut Tx,
    actor: &Actor,
    username: &str,
    may: impl Fn(&Actor, &Target) -> Result<()>,
) -> Result<AccountLine> {
    let account = store::by_username_locked(tx, username.trim())
        .await?
        .ok_or_else(|| Error::NotFound(format!("账号 {username}")))?;
    let staff = !accounts::roles_of(&mut **tx, account.id).await?.is_empty();
    may(actor, &Target::of(&account, staff))?;
    Ok(account)
}

/// An account as permissions see it: who, where, and whether it holds staff roles.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub id: i64,
    pub username: &'a str,
    pub unit_path: &'a str,
    pub unit_name: &'a str,
    /// The account holds a staff role.
    pub staff: bool,
}

impl<'a> Target<'a> {
    pub fn of(account: &'a AccountLine, staff: bool) -> Target<'a> {
        Target {
            id: account.id,
            username: &account.username,
            unit_path: &account.unit_path,
            unit_name: &account.unit_name,
            staff,
        }
    }

    /// The same, of an account as the fronts hold it.
    pub fn of_account(account: &'a Account, staff: bool) -> Target<'a> {
        Target {
            id: account.id,
            username: &account.username,
            unit_path: &account.unit_path,
            unit_name: &account.unit_name,
            staff,
        }
    }
}

/// The rule every change to an account keeps: the account is in the actor's scope, and an account
/// holding staff roles is changed only by the office (a liaison cannot take over another staff
/// account).
pub fn may_manage(actor: &Actor, t: &Target) -> Result<()> {
    actor.require_covers(t.unit_path, &format!("账号 {}", t.username))?;
    if t.staff {
        actor.require_office("修改管理人员账号")?;
    }
    Ok(())
}

/// Whether the actor may disable or enable the account (`set_enabled`).
pub fn may_set_enabled(actor: &Actor, t: &Target) -> Result<()> {
    may_manage(actor, t)
}

/// Whether the actor may move the account to another unit (`move_unit`; the new unit is checked
/// when it is named).
pub fn may_move(actor: &Actor, t: &Target) -> Result<()> {
    may_manage(actor, t)
}

/// Whether the actor may change the account's batch (`set_batch`).
pub fn may_set_batch(actor: &Actor, t: &Target) -> Result<()> {
    may_manage(actor, t)
}

/// Whether the actor may mark the account exempt (`clearing` false: the office decides, anyone
/// else asks the office) or clear the mark (the office only) (`set_exempt`).
pub fn may_set_exempt(actor: &Actor, t: &Target, clearing: bool) -> Result<()> {
    may_manage(actor, t)?;
    if clearing {
        actor.require_office("取消免考核")?;
    }
    Ok(())
}

/// One audited change to an account.
pub(super) struct Change<'a> {
    action: &'a str,
    account_id: i64,
    username: &'a str,
    before: Option<String>,
    after: Option<String>,
    detail: String,
}

impl<'a> Change<'a> {
    pub(super) fn new(action: &'a str, account: &'a AccountLine) -> Change<'a> {
        Change {
            action,
            account_id: account.id,
            username: &account.username,
            before: None,
            after: None,
            detail: String::new(),
        }
    }

    pub(super) fn before(mut self, v: &str) -> Self {
        self.before = Some(v.into());
        self
    }

    pub(super) fn after(mut self, v: &str) -> Self {
        self.after = Some(v.into());
        self
    }

    pub(super) fn detail(mut self, v: &str) -> Self {
        self.detail = v.trim().into();
        self
    }
}

/// Writes the change's audit row in the change's own transaction.
pub(super) async fn record(tx: &mut Tx, actor: &Actor, c: Change<'_>, now: i64) -> Result<()> {
    let detail = if c.detail.is_empty() {
        format!("账号 {}", c.username)
    } else {
        format!("账号 {}；原因：{}", c.username, c.detail)
    };
    let entry = AuditEntry {
        action: c.action,
        target: format!("account:{}", c.account_id),
        before: c.before,
        after: c.after,
        detail,
        ..actor.audit_entry()
    };
    Ok(audit::write(tx, &entry, now).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::actor::Role;
    use crate::app::auth::may_unlock;
    use crate::app::credentials::may_change_keys;

    fn actor(id: i64, kind: RoleKind, path: &str) -> Actor {
        let role = Role {
            kind,
            unit_id: 1,
            unit_code: "U".into(),
            unit_name: "某单位".into(),
            unit_path: path.into(),
        };
        Actor::with_roles(id, "someone", vec![role], "test")
    }

    fn target(id: i64, path: &str, staff: bool) -> Target<'_> {
        Target {
            id,
            username: "learner",
            unit_path: path,
            unit_name: "娄星区",
            staff,
        }
    }

    /// The rules the fronts ask before offering a key are the ones the use-cases enforce.
    #[test]
    fn who_may_change_an_account() {
        let liaison = actor(1, RoleKind::Unit, "/1/2/");
        let college = actor(2, RoleKind::College, "/1/");
        let office = actor(3, RoleKind::Office, "/1/");
        let learner = target(9, "/1/2/5/", false);
        let elsewhere = target(9, "/1/3/", false);
        let staff = target(9, "/1/2/", true);
        let own = target(1, "/1/2/", true);

        assert!(may_set_enabled(&liaison, &learner).is_ok());
        assert!(may_set_enabled(&liaison, &elsewhere).is_err());
        assert!(may_set_enabled(&liaison, &staff).is_err());
        assert!(may_set_enabled(&office, &staff).is_ok());
        assert!(may_set_exempt(&liaison, &learner, false).is_ok());
        assert!(may_set_exempt(&liaison, &learner, true).is_err());
        assert!(may_set_exempt(&office, &learner, true).is_ok());
        assert!(may_unlock(&liaison, &learner).is_ok());
        assert!(may_unlock(&college, &learner).is_err());
        assert!(may_unlock(&office, &learner).is_ok());
        assert!(may_change_keys(&liaison, &own).is_ok());
        assert!(may_change_keys(&liaison, &staff).is_err());
        assert!(may_change_roles(&college).is_err());
        assert!(may_change_roles(&office).is_ok());
    }
}
