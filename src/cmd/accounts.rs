//! The account care commands (`account …`, `role …`, `key …`, `password`): queries become a
//! `Table`, changes a one-line confirmation in Chinese. Everything goes through `app::accounts`
//! and `app::credentials`, which check scope and write the audit log.

use crate::app::accounts::Exemption;
use crate::app::accounts::{self, Detail};
use crate::app::actor::RoleKind;
use crate::app::{self, Actor, Error, Result, credentials, population};
use crate::store::Db;

use super::args::{Account, ExemptionCmd, KeyCmd, Output, RoleArgs, RoleCmd, RoleName};
use super::format::{Cell, Column, Table, col};
use super::stdin::Stdin;

/// What a command answers: a table in the requested format, one record, or a confirmation line.
pub enum Answer {
    Table(Table, Output),
    /// One thing described: key/value rows in the table formats, one JSON object in JSON. `text`,
    /// when set, is what the text table format prints instead of the rows.
    Record {
        table: Table,
        object: serde_json::Value,
        text: Option<String>,
        output: Output,
    },
    Text(String),
}

/// Largest stdin accepted by `key add` and `password`.
const SMALL_INPUT: usize = crate::rules::limits::SMALL_STDIN_BYTES;

pub async fn account(db: &Db, actor: &Actor, cmd: Account) -> Result<Answer> {
    let now = app::now();
    Ok(match cmd {
        Account::Find { query, output } => {
            let found = accounts::find(db, actor, &query, accounts::FIND_LIMIT).await?;
            Answer::Table(found_table(&found), output)
        }
        Account::Show(a) => {
            let detail = accounts::show(db, actor, &a.username).await?;
            Answer::Record {
                table: detail_table(&detail),
                object: detail_object(&detail),
                text: None,
                output: a.output,
            }
        }
        Account::History {
            username,
            limit,
            output,
        } => Answer::Table(history_table(db, actor, &username, limit).await?, output),
        Account::Disable(a) => {
            accounts::set_enabled(db, actor, &a.username, false, &a.reason, now).await?;
            confirm(
                format!("已停用账号 {}。", a.username),
                &[("用户名", "username", a.username.clone().into())],
                a.output,
            )
        }
        Account::Enable(a) => {
            accounts::set_enabled(db, actor, &a.username, true, &a.reason, now).await?;
            confirm(
                format!("已启用账号 {}。", a.username),
                &[("用户名", "username", a.username.clone().into())],
                a.output,
            )
        }
        Account::Unlock(a) => {
            app::auth::unlock(db, actor, &a.username, &a.reason, now).await?;
            confirm(
                format!("已解除账号 {} 的登录锁定。", a.username),
                &[("用户名", "username", a.username.clone().into())],
                a.output,
            )
        }
        Account::ResetPassword(a) => {
            let pw = credentials::reset_password(db, actor, &a.username, &a.reason, now).await?;
            let mut table = Table::new(DETAIL);
            table.rows = vec![
                vec![Cell::text("用户名"), Cell::text(a.username.as_str())],
                vec![Cell::text("初始密码"), Cell::text(pw.as_str())],
            ];
            Answer::Record {
                table,
                object: serde_json::json!({ "username": a.username, "password": pw }),
                text: Some(format!(
                    "账号 {} 的新初始密码：{pw}\n（只显示这一次；首次登录后须修改。）",
                    a.username
                )),
                output: a.output,
            }
        }
        Account::Move {
            username,
            unit,
            reason,
            ..
        } => {
            let to = accounts::move_unit(db, actor, &username, &unit, &reason, now).await?;
            Answer::Text(format!(
                "已将账号 {username} 调至 {}（{}）。",
                to.name, to.code
            ))
        }
        Account::Exempt {
            username,
            reason,
            clear,
            ..
        } => {
            let reason = if clear { None } else { reason };
            let done = accounts::set_exempt(db, actor, &username, reason.as_deref(), now).await?;
            let why = reason.as_deref().map(str::trim).unwrap_or("");
            Answer::Text(match done {
                Exemption::Exempted => format!("已将账号 {username} 标记为免于考核（{why}）。"),
                Exemption::Cleared => format!("已取消账号 {username} 的免考核标记。"),
                Exemption::Requested(id) => format!(
                    "已提交免考核申请 {id}（账号 {username}：{why}），待市在线学习办批准；批准前该账号照常参加考核。"
                ),
            })
        }
        Account::YearException {
            username,
            year,
            reason,
            ..
        } => {
            population::year_exception(db, actor, &username, year, &reason, now).await?;
            Answer::Text(format!(
                "已批准：账号 {username} 截止日之后的停用或免考核仍将其移出 {year} 年度考核。"
            ))
        }
        Account::Batch {
            username, batch, ..
        } => {
            accounts::set_batch(db, actor, &username, batch, now).await?;
            Answer::Text(format!("已将账号 {username} 调整为第 {batch} 批。"))
        }
    })
}

const REQUESTS: &[Column] = &[
    col("id", "申请号"),
    col("username", "用户名"),
    col("name", "姓名"),
    col("unit_code", "单位代码"),
    col("unit", "单位"),
    col("reason", "申请原因"),
    col("status", "状态"),
    col("requested_by", "申请人"),
    col("requested_at", "申请时间"),
    col("decided_by", "审批人"),
    col("decided_at", "审批时间"),
    col("decision", "不批准理由"),
];

pub async fn exemption(db: &Db, actor: &Actor, cmd: ExemptionCmd) -> Result<Answer> {
    let now = app::now();
    Ok(match cmd {
        ExemptionCmd::List {
            status,
            unit,
            output,
        } => {
            let list = population::requests(db, actor, unit.as_deref(), status.is_some()).await?;
            let mut t = Table::new(REQUESTS);
            for r in &list {
                t.rows.push(vec![
                    Cell::Int(r.id),
                    Cell::text(r.username.as_str()),
                    Cell::text(r.real_name.as_str()),
                    Cell::text(r.unit_code.as_str()),
                    Cell::text(r.unit_name.as_str()),
                    Cell::text(r.reason.as_str()),
                    Cell::coded(r.status),
                    Cell::text(r.requested_by.as_str()),
                    Cell::Time(r.requested_at),
                    r.decided_by.as_deref().map_or(Cell::Empty, Cell::text),
                    r.decided_at.map_or(Cell::Empty, Cell::Time),
                    Cell::text(r.decision.as_str()),
                ]);
            }
            t.title = Some(format!("免考核申请：{} 条", list.len()));
            Answer::Table(t, output)
        }
        ExemptionCmd::Approve { id, output } => {
            let r = population::approve(db, actor, id, now).await?;
            confirm(
                format!(
                    "已批准免考核申请 {id}：账号 {} 自即日起免于考核（{}）。",
                    r.username, r.reason
                ),
                &[
                    ("申请号", "id", id.into()),
                    ("用户名", "username", r.username.clone().into()),
                    ("原因", "reason", r.reason.clone().into()),
                ],
                output,
            )
        }
        ExemptionCmd::Refuse { id, reason, output } => {
            let r = population::refuse(db, actor, id, &reason, now).await?;
            confirm(
                format!(
                    "已不批准免考核申请 {id}（账号 {}），理由已记入操作日志。",
                    r.username
                ),
                &[
                    ("申请号", "id", id.into()),
                    ("用户名", "username", r.username.clone().into()),
                    ("理由", "reason", reason.clone().into()),
                ],
                output,
            )
        }
    })
}

pub async fn role(db: &Db, actor: &Actor, cmd: RoleCmd) -> Result<Answer> {
    let now = app::now();
    let (grant, a): (bool, RoleArgs) = match cmd {
        RoleCmd::Grant(a) => (true, a),
        RoleCmd::Revoke(a) => (false, a),
    };
    let kind = match a.role {
        RoleName::Office => RoleKind::Office,
        RoleName::College => RoleKind::College,
        RoleName::Unit => RoleKind::Unit,
    };
    let unit = a.unit.as_deref();
    Ok(Answer::Text(if grant {
        let u = accounts::grant_role(db, actor, &a.username, kind, unit, now).await?;
        format!(
            "已授予 {} 角色：{}（{}）。",
            a.username,
            kind.label(),
            u.name
        )
    } else {
        let u = accounts::revoke_role(db, actor, &a.username, kind, unit, now).await?;
        format!(
            "已撤销 {} 的角色：{}（{}）。",
            a.username,
            kind.label(),
            u.name
        )
    }))
}

pub async fn key(db: &Db, actor: &Actor, cmd: KeyCmd, stdin: &mut Stdin) -> Result<Answer> {
    let now = app::now();
    Ok(match cmd {
        KeyCmd::Add { username, output } => {
            let line = read_text(stdin).await?;
            let fp = credentials::add_key(db, actor, &username, &line, now).await?;
            confirm(
                format!("已为 {username} 添加公钥 {fp}。"),
                &[
                    ("用户名", "username", username.clone().into()),
                    ("指纹", "fingerprint", fp.to_string().into()),
                ],
                output,
            )
        }
        KeyCmd::List(a) => {
            let mut t = Table::new(KEYS);
            for k in credentials::list_keys(db, actor, &a.username).await? {
                t.rows.push(vec![
                    Cell::text(k.fingerprint),
                    Cell::text(k.algorithm),
                    Cell::text(k.comment),
                    Cell::Time(k.added_at),
                ]);
            }
            Answer::Table(t, a.output)
        }
        KeyCmd::Remove {
            username,
            fingerprint,
            ..
        } => {
            credentials::remove_key(db, actor, &username, &fingerprint, now).await?;
            Answer::Text(format!("已删除 {username} 的公钥 {fingerprint}。"))
        }
    })
}

/// A change done: the confirmation line in the text table format; in the others the facts it
/// states, as key/value rows or one JSON object.
fn confirm(text: String, facts: &[(&str, &str, serde_json::Value)], output: Output) -> Answer {
    let mut table = Table::new(DETAIL);
    let mut object = serde_json::Map::new();
    for (label, key, value) in facts {
        let shown = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        table.rows.push(vec![Cell::text(*label), Cell::text(shown)]);
        object.insert((*key).to_string(), value.clone());
    }
    Answer::Record {
        table,
        object: serde_json::Value::Object(object),
        text: Some(text),
        output,
    }
}

/// `password`: two lines on stdin, the old password then the new one.
pub async fn password(db: &Db, actor: &Actor, stdin: &mut Stdin) -> Result<Answer> {
    let text = read_text(stdin).await?;
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    let (Some(old), Some(new)) = (lines.next(), lines.next()) else {
        return Err(Error::invalid(
            "标准输入",
            "应有两行：第一行原密码，第二行新密码",
        ));
    };
    credentials::change_password(db, actor, old, new, app::now()).await?;
    Ok(Answer::Text("密码已修改。".into()))
}

async fn read_text(stdin: &mut Stdin) -> Result<String> {
    stdin.read_text(SMALL_INPUT, "标准输入").await
}

const KEYS: &[Column] = &[
    col("fingerprint", "指纹"),
    col("algorithm", "算法"),
    col("comment", "备注"),
    col("added_at", "添加时间"),
];

const FOUND: &[Column] = &[
    col("username", "用户名"),
    col("name", "姓名"),
    col("id_number", "身份证号"),
    col("unit_code", "单位代码"),
    col("unit", "单位"),
    col("batch", "批次"),
    col("exempt", "免考核"),
    col("status", "状态"),
];

fn found_table(found: &[accounts::Account]) -> Table {
    let mut t = Table::new(FOUND);
    for a in found {
        t.rows.push(vec![
            Cell::text(a.username.as_str()),
            Cell::text(a.real_name.as_str()),
            Cell::text(masked(a.id_number.as_deref())),
            Cell::text(a.unit_code.as_str()),
            Cell::text(a.unit_name.as_str()),
            a.batch.map_or(Cell::Empty, Cell::Int),
            Cell::Bool(a.exempt),
            Cell::coded(a.status),
        ]);
    }
    if found.len() >= usize::try_from(accounts::FIND_LIMIT).unwrap_or(usize::MAX) {
        t.title = Some(format!(
            "只列出前 {} 个，请用更具体的关键字",
            accounts::FIND_LIMIT
        ));
    }
    t
}

/// An ID number with the birth date hidden (staff see the full one in `account show`).
fn masked(id: Option<&str>) -> String {
    id.and_then(|s| crate::rules::idnum::IdNumber::parse(s).ok())
        .map(|n| n.masked())
        .unwrap_or_default()
}

const DETAIL: &[Column] = &[col("field", "项目"), col("value", "内容")];

fn detail_table(d: &Detail) -> Table {
    let a = &d.account;
    let mut t = Table::new(DETAIL);
    let mut row = |field: &str, value: Cell| t.rows.push(vec![Cell::text(field), value]);
    row("用户名", Cell::text(a.username.as_str()));
    row("姓名", Cell::text(a.real_name.as_str()));
    row(
        "身份证号",
        Cell::text(a.id_number.clone().unwrap_or_default()),
    );
    row(
        "单位",
        Cell::text(format!("{} {}", a.unit_code, a.unit_name)),
    );
    row("职务/职级", Cell::text(a.post.as_str()));
    row("手机", Cell::text(a.phone.as_str()));
    row("学员", Cell::Bool(a.is_learner));
    row("批次", a.batch.map_or(Cell::Empty, Cell::Int));
    row(
        "免考核",
        Cell::text(if a.exempt {
            format!("是（{}）", a.exempt_reason)
        } else {
            "否".into()
        }),
    );
    row("状态", Cell::coded(a.status));
    row("登录锁定", lock_cell(d.lock.as_ref()));
    row(
        "密码",
        Cell::text(password_state(a.password_scheme, a.must_change)),
    );
    row("最近登录", a.last_login_at.map_or(Cell::Empty, Cell::Time));
    row("创建时间", Cell::Time(a.created_at));
    for r in &d.roles {
        let label = r.kind.label();
        row("角色", Cell::text(format!("{label}（{}）", r.unit_name)));
    }
    for k in &d.keys {
        row(
            "SSH 公钥",
            Cell::text(format!("{} {}", k.fingerprint, k.comment)),
        );
    }
    t
}

/// `account show --format json`: one object (shape in docs/commands.md).
fn detail_object(d: &Detail) -> serde_json::Value {
    use crate::rules::calendar::rfc3339_cst;
    let a = &d.account;
    let roles: Vec<serde_json::Value> = d
        .roles
        .iter()
        .map(|r| {
            serde_json::json!({
                "role": r.kind.code(),
                "unit_code": r.unit_code,
                "unit_name": r.unit_name,
            })
        })
        .collect();
    let keys: Vec<serde_json::Value> = d
        .keys
        .iter()
        .map(|k| serde_json::json!({ "fingerprint": k.fingerprint, "comment": k.comment }))
        .collect();
    serde_json::json!({
        "username": a.username,
        "real_name": a.real_name,
        "id_number": a.id_number,
        "unit_code": a.unit_code,
        "unit_name": a.unit_name,
        "post": a.post,
        "phone": a.phone,
        "is_learner": a.is_learner,
        "batch": a.batch,
        "exempt": a.exempt,
        "exempt_reason": a.exempt_reason,
        "status": a.status.code(),
        "lock": d.lock.as_ref().map(|l| serde_json::json!({
            "until": rfc3339_cst(l.until),
            "why": lock_why(l),
        })),
        "password": password_state(a.password_scheme, false),
        "must_change": a.must_change,
        "last_login_at": a.last_login_at.map(rfc3339_cst),
        "created_at": rfc3339_cst(a.created_at),
        "roles": roles,
        "keys": keys,
    })
}

fn lock_why(l: &app::auth::Lock) -> &str {
    if l.why.is_empty() {
        "正在核对的登录尝试已达上限"
    } else {
        &l.why
    }
}

/// "锁定至 … （why）" or "未锁定"; CSV carries the same text.
fn lock_cell(lock: Option<&app::auth::Lock>) -> Cell {
    match lock {
        Some(l) => Cell::text(format!(
            "锁定至 {}（{}）",
            crate::rules::calendar::datetime_cst(l.until),
            lock_why(l)
        )),
        None => Cell::text("未锁定"),
    }
}

fn password_state(scheme: app::password::Scheme, must_change: bool) -> String {
    let base = match scheme {
        s if s.is_legacy() => "旧站密码（首次登录后改存）",
        app::password::Scheme::None => "未设置",
        _ => "已设置",
    };
    if must_change {
        format!("{base}，须在登录后修改")
    } else {
        base.into()
    }
}

const HISTORY: &[Column] = &[
    col("at", "时间"),
    col("action", "操作"),
    col("actor", "操作人"),
    col("address", "地址"),
    col("before", "修改前"),
    col("after", "修改后"),
    col("detail", "说明"),
];

async fn history_table(db: &Db, actor: &Actor, username: &str, limit: i64) -> Result<Table> {
    let mut t = Table::new(HISTORY);
    for h in accounts::history(db, actor, username, limit).await? {
        t.rows.push(vec![
            Cell::Time(h.at),
            Cell::text(accounts::action_label(&h.action)),
            Cell::text(h.actor),
            Cell::text(h.address),
            Cell::text(h.before.unwrap_or_default()),
            Cell::text(h.after.unwrap_or_default()),
            Cell::text(h.detail),
        ]);
    }
    Ok(t)
}
