//! The organisation tree as the office keeps it (Art. 4, 5, 13): the first city unit and office
//! account on an empty database (`init`), listing and showing units in a scope, adding, renaming,
//! moving and retiring units, and importing a whole unit list. Every change is planned whole by
//! `rules::units::plan` (the same checks for one command as for a file), then written in one
//! transaction with one audit row per unit changed.

use super::changes::{self, Topic};
use std::collections::HashMap;

use crate::rules::units::{self as rules, Existing, Kind, Plan, Problem, Wanted};
use crate::store::audit::{self, AuditEntry};
use crate::store::bulk::{self, Val};
use crate::store::units::{self, NewUnit, Placed, Renamed, Reparented, UnitRow};
use crate::store::{Db, Tx, accounts};

use super::actor::RoleKind;
use super::{Actor, Error, Result, admin};

/// The most active accounts named when a retirement is refused.
const BLOCKERS_NAMED: i64 = 10;

fn office_only(actor: &Actor, what: &str) -> Result<()> {
    actor.require_office(what)
}

/// Whether the actor may add a unit (the office). The TUI asks this before showing the key.
pub fn may_add(actor: &Actor) -> Result<()> {
    office_only(actor, "新增单位")
}

/// Whether the actor may rename a unit (the office).
pub fn may_rename(actor: &Actor) -> Result<()> {
    office_only(actor, "单位改名")
}

/// Whether the actor may move a unit under another parent (the office).
pub fn may_move(actor: &Actor) -> Result<()> {
    office_only(actor, "调整单位隶属关系")
}

/// Whether the actor may retire a unit (the office).
pub fn may_retire(actor: &Actor) -> Result<()> {
    office_only(actor, "撤销单位")
}

/// Whether the actor may import a unit list (the office).
pub fn may_import(actor: &Actor) -> Result<()> {
    office_only(actor, "导入单位")
}

/// The unit a person names: by its code, else by its name when exactly one unit has it (a name
/// that several units share is refused with their codes).
pub async fn find(db: &Db, code_or_name: &str) -> Result<UnitRow> {
    let text = super::checked_text("单位", code_or_name, rules::MAX_NAME)?;
    if let Some(unit) = units::by_code(db.reader(), text).await? {
        return Ok(unit);
    }
    let mut named = units::by_name(db.reader(), text).await?;
    match named.len() {
        0 => Err(Error::NotFound(format!(
            "单位 {text}（既不是单位代码，也不是单位名称）"
        ))),
        1 => Ok(named.remove(0)),
        n => {
            let all = units::all(db.reader()).await?;
            let paths = Codes::of(&all);
            let codes: Vec<String> = named
                .iter()
                .map(|u| format!("{}（{}）", u.code, paths.path(&u.path)))
                .collect();
            Err(Error::invalid(
                "单位",
                format!(
                    "名为「{text}」的单位有 {n} 个，请改用单位代码：{}",
                    codes.join("、")
                ),
            ))
        }
    }
}

/// `find`, refusing a retired unit: for where people or units are put.
pub async fn find_active(db: &Db, code_or_name: &str) -> Result<UnitRow> {
    let unit = find(db, code_or_name).await?;
    if unit.is_retired() {
        return Err(Error::invalid(
            "单位",
            format!("{} {} 已撤销", unit.code, unit.name),
        ));
    }
    Ok(unit)
}

/// Unit codes by id, to show a path of ids ('/1/4/9/') as codes ("LD/LX/LX01"); built once per
/// listing, not once per unit.
struct Codes<'a>(HashMap<String, &'a str>);

impl<'a> Codes<'a> {
    fn of(all: &'a [UnitRow]) -> Codes<'a> {
        Codes(
            all.iter()
                .map(|u| (u.id.to_string(), u.code.as_str()))
                .collect(),
        )
    }

    fn path(&self, path: &str) -> String {
        path.split('/')
            .filter(|s| !s.is_empty())
            .map(|id| self.0.get(id).copied().unwrap_or("?"))
            .collect::<Vec<_>>()
            .join("/")
    }
}

// ---- init -------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Init<'a> {
    pub city: &'a str,
    pub code: &'a str,
    pub username: &'a str,
    /// None: a random initial password is made, returned once, and must be changed.
    pub password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Initialized {
    pub unit: UnitRow,
    pub username: String,
    pub generated_password: Option<String>,
}

/// On an empty database: the city's root unit and a first office account, in one transaction,
/// audited. Refused when a root exists. Only the server's own console may do this.
pub async fn init(db: &Db, actor: &Actor, req: Init<'_>, now: i64) -> Result<Initialized> {
    if !actor.is_local() {
        return Err(Error::Forbidden("初始化仅限服务器本机控制台".into()));
    }
    let city = req.city.trim();
    let code = req.code.trim();
    rules::check_code(code).map_err(|e| Error::invalid("--code", e))?;
    rules::check_name(city).map_err(|e| Error::invalid("--city", e))?;
    let username = req.username.trim();
    admin::validate_username(username)?;
    refuse_second_root(units::root(db.reader()).await?)?;
    let (hash, generated) = admin::initial_password(req.password, username).await?;
    let mut tx = db.begin().await?;
    units::lock_tree(&mut tx).await?;
    refuse_second_root(units::all(&mut *tx).await?.into_iter().next())?;
    let unit = units::insert(&mut tx, code, city, None, Kind::City.code(), 0, now).await?;
    let must_change = generated.is_some();
    let account_id = admin::insert_staff(
        &mut tx,
        username,
        "市在线学习办",
        unit.id,
        &hash,
        must_change,
        now,
    )
    .await?;
    accounts::grant_role(
        &mut tx,
        account_id,
        RoleKind::Office.code(),
        unit.id,
        None,
        now,
    )
    .await?;
    let entry = |action, target, after: String| AuditEntry {
        action,
        target,
        after: Some(after),
        detail: "wangyuan init".into(),
        ..actor.audit_entry()
    };
    audit::write(
        &mut tx,
        &entry("unit.add", format!("unit:{code}"), city.to_string()),
        now,
    )
    .await?;
    audit::write(
        &mut tx,
        &entry(
            "role.grant",
            format!("account:{account_id}"),
            format!("office @ {code}"),
        ),
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Units, Topic::Accounts]).await?;
    Ok(Initialized {
        unit,
        username: username.to_string(),
        generated_password: generated,
    })
}

fn refuse_second_root(root: Option<UnitRow>) -> Result<()> {
    match root {
        None => Ok(()),
        Some(r) => Err(Error::Conflict(format!(
            "数据库已初始化：已有全市单位 {} {}，不能再次初始化。增加单位请用 unit add 或 unit import。",
            r.code, r.name
        ))),
    }
}

// ---- reading ----------------------------------------------------------------------------------

/// One unit as listed: the JSON keys of `unit list` are these fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitInfo {
    pub code: String,
    pub name: String,
    /// None for the city.
    pub parent_code: Option<String>,
    /// The city is 1.
    pub level: usize,
    /// Codes from the city down ("LD/LX/LX01").
    pub path: String,
    pub retired: bool,
    pub kind: Option<Kind>,
    /// Active learner accounts in the unit and every unit below it.
    pub learners: i64,
    /// Active units directly below.
    pub children: usize,
}

/// The units in a scope, in tree order (each unit followed by its children, by code): the
/// `under` unit (default: the actor's scope) and everything below it, retired units only with
/// `all`. Also the data of the TUI's 单位 tab: indent by `level`, counts in `learners`.
pub async fn list(db: &Db, actor: &Actor, under: Option<&str>, all: bool) -> Result<Vec<UnitInfo>> {
    let scope = match under {
        Some(u) => find(db, u).await?,
        None => super::standings::resolve_scope(db, actor, None).await?,
    };
    subtree(db, actor, &scope, all).await
}

/// `scope` and everything below it in tree order, if the actor covers it.
async fn subtree(db: &Db, actor: &Actor, scope: &UnitRow, all: bool) -> Result<Vec<UnitInfo>> {
    actor.require_covers(&scope.path, &scope.name)?;
    let every = units::all(db.reader()).await?;
    let own: HashMap<i64, i64> = units::learner_counts(db.reader())
        .await?
        .into_iter()
        .collect();
    Ok(tree_order(&every, &own, scope, all))
}

/// The whole tree the actor may see, retired units included, for the 单位 tab.
pub async fn tree(db: &Db, actor: &Actor) -> Result<Vec<UnitInfo>> {
    list(db, actor, None, true).await
}

fn tree_order(
    every: &[UnitRow],
    own: &HashMap<i64, i64>,
    scope: &UnitRow,
    all: bool,
) -> Vec<UnitInfo> {
    let by_id: HashMap<i64, &UnitRow> = every.iter().map(|u| (u.id, u)).collect();
    let mut subtree: HashMap<i64, i64> = HashMap::new();
    for u in every {
        let n = own.get(&u.id).copied().unwrap_or(0);
        if n == 0 {
            continue;
        }
        for id in u.path.split('/').filter_map(|s| s.parse::<i64>().ok()) {
            *subtree.entry(id).or_default() += n;
        }
    }
    let mut children: HashMap<i64, Vec<&UnitRow>> = HashMap::new();
    for u in every {
        if let Some(p) = u.parent_id {
            children.entry(p).or_default().push(u);
        }
    }
    for list in children.values_mut() {
        list.sort_by(|a, b| a.code.cmp(&b.code));
    }
    let paths = Codes::of(every);
    let mut out = Vec::new();
    let mut stack = vec![scope];
    while let Some(u) = stack.pop() {
        if u.is_retired() && !all {
            continue;
        }
        let kids = children.get(&u.id).map(Vec::as_slice).unwrap_or_default();
        out.push(UnitInfo {
            code: u.code.clone(),
            name: u.name.clone(),
            parent_code: u
                .parent_id
                .and_then(|p| by_id.get(&p))
                .map(|p| p.code.clone()),
            level: u.level(),
            path: paths.path(&u.path),
            retired: u.is_retired(),
            kind: Kind::from_code(&u.kind),
            learners: subtree.get(&u.id).copied().unwrap_or(0),
            children: kids.iter().filter(|k| !k.is_retired()).count(),
        });
        stack.extend(kids.iter().rev());
    }
    out
}

/// One unit and its direct children (retired ones included), if the actor's scope covers it.
pub async fn show(db: &Db, actor: &Actor, code: &str) -> Result<Vec<UnitInfo>> {
    let unit = find(db, code).await?;
    let mut lines = subtree(db, actor, &unit, true).await?;
    let level = unit.level();
    lines.retain(|l| l.level <= level + 1);
    Ok(lines)
}

// ---- changes ----------------------------------------------------------------------------------

/// What a change did, for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub added: Vec<(String, String)>,
    pub renamed: Vec<(String, String, String)>,
    pub moved: Vec<(String, String, String)>,
    pub unchanged: usize,
}

impl Outcome {
    pub fn changed_nothing(&self) -> bool {
        self.added.is_empty() && self.renamed.is_empty() && self.moved.is_empty()
    }
}

/// Adds a unit under an active parent (named by code or unique name).
pub async fn add(
    db: &Db,
    actor: &Actor,
    code: &str,
    name: &str,
    parent: &str,
    now: i64,
) -> Result<Outcome> {
    may_add(actor)?;
    let parent = find_active(db, parent).await?;
    let code = code.trim();
    if let Some(u) = units::by_code(db.reader(), code).await? {
        return Err(Error::Conflict(format!(
            "单位代码 {code} 已被使用（{}{}）；单位代码一经使用不再改作他用",
            u.name,
            if u.is_retired() { "，已撤销" } else { "" }
        )));
    }
    let wanted = Wanted {
        row: 0,
        code: code.to_string(),
        name: name.trim().to_string(),
        parent: Some(parent.code),
    };
    change(db, actor, vec![wanted], "unit.add", now).await
}

/// Renames an active unit; its code stays.
pub async fn rename(db: &Db, actor: &Actor, code: &str, name: &str, now: i64) -> Result<Outcome> {
    may_rename(actor)?;
    let (unit, parent) = changeable(db, code).await?;
    let wanted = Wanted {
        row: 0,
        code: unit.code,
        name: name.trim().to_string(),
        parent,
    };
    let done = change(db, actor, vec![wanted], "unit.rename", now).await?;
    if done.changed_nothing() {
        return Err(Error::Conflict(format!("{code} 已叫这个名称，未作更改")));
    }
    Ok(done)
}

/// Puts an active unit (and everything below it) under another active parent.
pub async fn move_unit(
    db: &Db,
    actor: &Actor,
    code: &str,
    parent: &str,
    now: i64,
) -> Result<Outcome> {
    may_move(actor)?;
    let (unit, _) = changeable(db, code).await?;
    if unit.parent_id.is_none() {
        return Err(Error::invalid("单位", "全市单位没有上级，不能调整"));
    }
    let parent = find_active(db, parent).await?;
    let wanted = Wanted {
        row: 0,
        code: unit.code,
        name: unit.name,
        parent: Some(parent.code),
    };
    let done = change(db, actor, vec![wanted], "unit.move", now).await?;
    if done.changed_nothing() {
        return Err(Error::Conflict(format!(
            "{code} 已在该上级单位之下，未作更改"
        )));
    }
    Ok(done)
}

/// An active unit by code (codes only: a change names exactly one unit) and its parent's code.
async fn changeable(db: &Db, code: &str) -> Result<(UnitRow, Option<String>)> {
    let code = super::checked_text("单位代码", code, rules::MAX_CODE)?;
    let unit = units::by_code(db.reader(), code)
        .await?
        .ok_or_else(|| Error::NotFound(format!("单位 {code}")))?;
    if unit.is_retired() {
        return Err(Error::invalid(
            "单位",
            format!("{code} {} 已撤销", unit.name),
        ));
    }
    let parent = match unit.parent_id {
        Some(p) => units::by_id(db.reader(), p).await?.map(|u| u.code),
        None => None,
    };
    Ok((unit, parent))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retired {
    pub code: String,
    pub name: String,
    /// The unit and its active units below.
    pub units: u64,
}

/// Retires a unit and every unit below it, when no active account and no open roster is left
/// under it (the refusal names them). The city cannot be retired.
pub async fn retire(db: &Db, actor: &Actor, code: &str, now: i64) -> Result<Retired> {
    may_retire(actor)?;
    let code = super::checked_text("单位代码", code, rules::MAX_CODE)?;
    let mut tx = db.begin().await?;
    units::lock_tree(&mut tx).await?;
    let unit = units::all(&mut *tx)
        .await?
        .into_iter()
        .find(|u| u.code == code)
        .ok_or_else(|| Error::NotFound(format!("单位 {code}")))?;
    if unit.parent_id.is_none() {
        return Err(Error::invalid("单位", "全市单位不能撤销"));
    }
    if unit.is_retired() {
        return Err(Error::Conflict(format!("{code} {} 已撤销", unit.name)));
    }
    let (named, count, rosters) =
        units::retire_blockers(&mut tx, &unit.path, BLOCKERS_NAMED).await?;
    if count > 0 || !rosters.is_empty() {
        let mut why = Vec::new();
        if count > 0 {
            let names: Vec<String> = named.iter().map(|(u, c)| format!("{u}（{c}）")).collect();
            let more = if count > named.len() as i64 {
                " 等"
            } else {
                ""
            };
            why.push(format!(
                "还有 {count} 个在用账号：{}{more}（请先调动或停用）",
                names.join("、")
            ));
        }
        if !rosters.is_empty() {
            let ids: Vec<String> = rosters.iter().map(i64::to_string).collect();
            why.push(format!(
                "还有 {} 份未办结的名单：{}（请先办结或退回）",
                rosters.len(),
                ids.join("、")
            ));
        }
        return Err(Error::Conflict(format!(
            "不能撤销 {code} {}：其下{}",
            unit.name,
            why.join("；")
        )));
    }
    let retired = units::retire_subtree(&mut tx, &unit.path, now).await?;
    audit::write(
        &mut tx,
        &AuditEntry {
            action: "unit.retire",
            target: format!("unit:{code}"),
            before: Some(units::ACTIVE.into()),
            after: Some(units::RETIRED.into()),
            detail: format!("{}，连同下级共 {retired} 个单位", unit.name),
            ..actor.audit_entry()
        },
        now,
    )
    .await?;
    changes::commit(db, tx, &[Topic::Units, Topic::Accounts]).await?;
    Ok(Retired {
        code: unit.code,
        name: unit.name,
        units: retired,
    })
}

/// Imports a unit list file (see `rules::units::read`): all or nothing.
pub async fn import(db: &Db, actor: &Actor, bytes: &[u8], now: i64) -> Result<Outcome> {
    may_import(actor)?;
    let owned = bytes.to_vec();
    let rows = super::off_runtime(move || rules::read(&owned))
        .await?
        .map_err(refusal)?;
    import_rows(db, actor, rows, now).await
}

/// Imports rows already read (the demo's generated list takes this path too).
pub async fn import_rows(db: &Db, actor: &Actor, rows: Vec<Wanted>, now: i64) -> Result<Outcome> {
    may_import(actor)?;
    change(db, actor, rows, "unit.import", now).await
}

fn refusal(problems: Vec<Problem>) -> Error {
    super::listed_refusal("单位文件", "整个文件未导入", &problems)
}

/// Plans `rows` against the tree inside one locked transaction and writes the plan.
async fn change(
    db: &Db,
    actor: &Actor,
    rows: Vec<Wanted>,
    action: &str,
    now: i64,
) -> Result<Outcome> {
    let one = rows.len() == 1 && rows[0].row == 0;
    let mut tx = db.begin().await?;
    units::lock_tree(&mut tx).await?;
    let before = units::all(&mut *tx).await?;
    let existing = as_existing(&before);
    let plan = rules::plan(&existing, &rows).map_err(|problems| {
        if one {
            let text: Vec<String> = problems.iter().map(|p| p.problem.clone()).collect();
            Error::invalid("单位", text.join("；"))
        } else {
            refusal(problems)
        }
    })?;
    if plan.changes_nothing() {
        return Ok(Outcome {
            unchanged: plan.unchanged,
            ..Outcome::default()
        });
    }
    write_plan(&mut tx, &before, &plan, now).await?;
    audit_plan(&mut tx, actor, &plan, action, now).await?;
    changes::commit(db, tx, &[Topic::Units, Topic::Accounts]).await?;
    Ok(Outcome {
        added: plan
            .added
            .iter()
            .map(|a| (a.code.clone(), a.name.clone()))
            .collect(),
        renamed: plan.renamed,
        moved: plan.moved,
        unchanged: plan.unchanged,
    })
}

fn as_existing(rows: &[UnitRow]) -> Vec<Existing> {
    let codes: HashMap<i64, &str> = rows.iter().map(|u| (u.id, u.code.as_str())).collect();
    rows.iter()
        .map(|u| Existing {
            id: u.id,
            code: u.code.clone(),
            name: u.name.clone(),
            parent: u
                .parent_id
                .and_then(|p| codes.get(&p))
                .map(|c| c.to_string()),
            kind: u.kind.clone(),
            path: u.path.clone(),
            retired: u.is_retired(),
        })
        .collect()
}

/// Adds (a level at a time, parents first), renames and re-parents, then rewrites the path and
/// kind of every unit whose place changed.
async fn write_plan(tx: &mut Tx, before: &[UnitRow], plan: &Plan, now: i64) -> Result<()> {
    let mut ids: HashMap<String, i64> = before.iter().map(|u| (u.code.clone(), u.id)).collect();
    let mut pending: Vec<&rules::Addition> = Vec::new();
    for a in &plan.added {
        match &a.parent {
            None => {
                let root = units::insert(tx, &a.code, &a.name, None, a.kind.code(), 0, now).await?;
                ids.insert(root.code, root.id);
            }
            Some(_) => pending.push(a),
        }
    }
    // Each pass adds the rows whose parent exists by now: one statement per level of the tree.
    while !pending.is_empty() {
        let (ready, later): (Vec<&rules::Addition>, Vec<&rules::Addition>) = pending
            .into_iter()
            .partition(|a| a.parent.as_ref().is_some_and(|p| ids.contains_key(p)));
        if ready.is_empty() {
            return Err(Error::internal("单位导入：上级单位未能先于下级写入"));
        }
        let rows: Vec<NewUnit<'_>> = ready
            .iter()
            .map(|a| NewUnit {
                code: &a.code,
                name: &a.name,
                parent_code: a.parent.as_deref().unwrap_or_default(),
                kind: a.kind.code(),
                sort_order: a.row as i64,
            })
            .collect();
        let written = units::insert_under_existing(tx, &rows, now).await?;
        if written != rows.len() as u64 {
            return Err(Error::internal(format!(
                "单位导入：应写入 {} 个单位，实际 {written} 个",
                rows.len()
            )));
        }
        for a in &ready {
            // Present now; the real ids are read back once every level is in.
            ids.insert(a.code.clone(), 0);
        }
        pending = later;
    }
    if !plan.added.is_empty() {
        ids = units::all(&mut **tx)
            .await?
            .into_iter()
            .map(|u| (u.code, u.id))
            .collect();
    }
    let id_of = |code: &str, ids: &HashMap<String, i64>| {
        ids.get(code)
            .copied()
            .ok_or_else(|| Error::internal(format!("单位 {code} 不存在")))
    };
    let names = plan
        .renamed
        .iter()
        .map(|(code, _, new)| {
            Ok(Renamed {
                id: id_of(code, &ids)?,
                name: new,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    units::set_names(tx, &names).await?;
    let moves = plan
        .moved
        .iter()
        .map(|(code, _, parent)| {
            Ok(Reparented {
                id: id_of(code, &ids)?,
                parent_id: id_of(parent, &ids)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    units::set_parents(tx, &moves).await?;
    let after = units::all(&mut **tx).await?;
    let shape: Vec<(i64, Option<i64>, &str)> = after
        .iter()
        .map(|u| (u.id, u.parent_id, u.name.as_str()))
        .collect();
    let placed = rules::paths(&shape);
    let changed: Vec<Placed> = after
        .iter()
        .filter_map(|u| {
            let (path, kind) = placed.get(&u.id)?;
            (*path != u.path || kind.code() != u.kind).then(|| Placed {
                id: u.id,
                path: path.clone(),
                kind: kind.code(),
            })
        })
        .collect();
    units::set_paths(tx, &changed).await?;
    Ok(())
}

/// One audit row per unit added, renamed or moved, plus one for the import as a whole.
async fn audit_plan(tx: &mut Tx, actor: &Actor, plan: &Plan, action: &str, now: i64) -> Result<()> {
    let who = actor.audit_entry();
    let row = |action: &str, code: &str, before: Option<String>, after: String| -> Vec<Val> {
        vec![
            Val::from(now),
            Val::from(who.actor_id),
            Val::from(who.actor),
            Val::from(who.address),
            Val::from(action),
            Val::from(format!("unit:{code}")),
            Val::from(before),
            Val::from(Some(after)),
            Val::from(""),
        ]
    };
    let mut rows = Vec::new();
    for a in &plan.added {
        let after = format!("{} @ {}", a.name, a.parent.as_deref().unwrap_or("-"));
        rows.push(row("unit.add", &a.code, None, after));
    }
    for (code, old, new) in &plan.renamed {
        rows.push(row("unit.rename", code, Some(old.clone()), new.clone()));
    }
    for (code, old, new) in &plan.moved {
        rows.push(row("unit.move", code, Some(old.clone()), new.clone()));
    }
    bulk::insert(tx, "audit_log", AUDIT_COLUMNS, &rows).await?;
    if action == "unit.import" {
        audit::write(
            tx,
            &AuditEntry {
                action,
                target: "units".into(),
                detail: format!(
                    "新增 {}，改名 {}，调整隶属 {}，未变 {}",
                    plan.added.len(),
                    plan.renamed.len(),
                    plan.moved.len(),
                    plan.unchanged
                ),
                ..actor.audit_entry()
            },
            now,
        )
        .await?;
    }
    Ok(())
}

const AUDIT_COLUMNS: &[&str] = &[
    "at", "actor_id", "actor", "address", "action", "target", "before", "after", "detail",
];
