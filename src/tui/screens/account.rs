//! One account opened on the 账号 tab: its profile, its staff roles and SSH keys (with
//! fingerprints, one selectable list), its sign-in lock (until when, why) and its recent history.
//! From here it can be disabled or enabled, unlocked, get a new initial password (shown once), be
//! marked exempt, moved or given another batch; roles are granted and revoked (the office only) and keys added or removed. Each change
//! asks for its reason or value on a `Prompt`, then for y/n on a `Confirm`; `app/` checks the scope
//! and writes the audit log.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row as TableRow, Table, Wrap};

use crate::app::accounts::{
    Detail, HistoryEntry, Target, action_label, may_change_roles, may_move, may_set_batch,
    may_set_enabled, may_set_exempt,
};
use crate::app::actor::RoleKind;
use crate::app::auth::may_unlock;
use crate::app::credentials::{may_change_keys, may_reset_password};
use crate::app::{Actor, Result as AppResult};
use crate::rules::calendar::datetime_cst;
use crate::rules::status::AccountStatus;
use crate::tui::data::{AccountOp, AccountOutcome, Request, Secret};
use crate::tui::keys::{Action, Binding, C, Code, b, ba};
use crate::tui::prompt::{Confirm, Prompt, Typed, draw_status};
use crate::tui::screens::step;
use crate::tui::widgets::{Look, centered, column_widths, ellipsis, with_status};
use crate::tui::{Effect, KeyCode, KeyEvent};

mod asks;
use asks::{Ask, op_of, question};

/// Longest reason or value typed on a prompt.
const LINE_LIMIT: usize = 200;
/// Longest public key line pasted (an RSA 8192 key fits).
const KEY_LIMIT: usize = 8 * 1024;

/// A role or key of the account, as listed and as removed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Held {
    Role {
        kind: RoleKind,
        unit_code: String,
        text: String,
    },
    Key {
        fingerprint: String,
        text: String,
    },
}

fn held(d: &Detail) -> Vec<Held> {
    let roles = d.roles.iter().map(|r| Held::Role {
        kind: r.kind,
        unit_code: r.unit_code.to_string(),
        text: format!("{}（{} {}）", r.kind.label(), r.unit_code, r.unit_name),
    });
    let keys = d.keys.iter().map(|k| Held::Key {
        fingerprint: k.fingerprint.clone(),
        text: format!("{} {} {}", k.fingerprint, k.algorithm, k.comment),
    });
    roles.chain(keys).collect()
}

#[derive(Debug)]
pub struct AccountView {
    pub username: String,
    /// Who is signed in: the hints drawn on the page name only the changes `may` allows.
    actor: Actor,
    data: Option<(Detail, Vec<HistoryEntry>)>,
    /// The selected role or key.
    selected: usize,
    asking: Option<Prompt<Ask>>,
    /// The unit typed on the move prompt and the reason, while `app` resolves the unit.
    resolving: Option<(String, String)>,
    confirm: Option<Confirm<AccountOp>>,
    /// A new password, shown once until a key is pressed.
    password: Option<Secret>,
    /// The last action's outcome: (succeeded, text).
    message: Option<(bool, String)>,
}

impl AccountView {
    pub fn new(username: &str, actor: &Actor) -> AccountView {
        AccountView {
            username: username.to_string(),
            actor: actor.clone(),
            data: None,
            selected: 0,
            asking: None,
            resolving: None,
            confirm: None,
            password: None,
            message: None,
        }
    }

    pub fn load(&self) -> Effect {
        Effect::Load(Request::Account(self.username.clone()))
    }

    /// A line is typed, a confirmation asked or a password shown: keys go to `input_key`.
    pub fn editing(&self) -> bool {
        self.asking.is_some() || self.confirm.is_some() || self.password.is_some()
    }

    pub fn loaded(&mut self, result: &Result<(Detail, Vec<HistoryEntry>), String>) {
        match result {
            Ok(d) => {
                self.selected = self.selected.min(held(&d.0).len().saturating_sub(1));
                self.data = Some(d.clone());
            }
            Err(e) => self.message = Some((false, e.clone())),
        }
    }

    /// The unit typed on the move prompt, resolved (or why not: the prompt stays to mend it).
    pub fn move_target(&mut self, unit: &str, result: &Result<(String, String), String>) {
        // An answer to an earlier line, or to a prompt closed since, asks nothing.
        let Some((_, reason)) = self.resolving.take_if(|(typed, _)| typed == unit) else {
            return;
        };
        if self.asking.as_ref().is_none_or(|p| p.what != Ask::Move) {
            return;
        }
        match result {
            Ok((code, name)) => {
                self.asking = None;
                self.message = None;
                self.ask_yes(AccountOp::Move {
                    unit_code: code.clone(),
                    unit_name: name.clone(),
                    reason,
                });
            }
            Err(e) => self.message = Some((false, e.clone())),
        }
    }

    pub fn done(&mut self, result: &Result<AccountOutcome, String>) {
        self.message = Some(match result {
            Ok(outcome) => {
                self.password = outcome.password.clone();
                (true, outcome.text.clone())
            }
            Err(e) => (false, e.clone()),
        });
    }

    /// Whether `actor` may take `action` on this account, asked of the `app::` function the action
    /// itself asks (before the account is read, nothing is refused: the keys do nothing yet).
    pub fn may(&self, action: Action, actor: &Actor) -> AppResult<()> {
        let Some((detail, _)) = self.data.as_ref() else {
            // Until the account is read nobody knows what may be changed: no change is offered.
            return match action {
                Action::Disable
                | Action::Enable
                | Action::Unlock
                | Action::ResetPassword
                | Action::Exempt
                | Action::MoveUnit
                | Action::Batch
                | Action::GrantRole
                | Action::AddKey
                | Action::RemoveHeld => Err(crate::app::Error::Conflict(
                    "账号资料尚未读取完，请稍候".into(),
                )),
                _ => Ok(()),
            };
        };
        let t = Target::of_account(&detail.account, !detail.roles.is_empty());
        match action {
            Action::Disable | Action::Enable => may_set_enabled(actor, &t),
            Action::Unlock => may_unlock(actor, &t),
            Action::ResetPassword => may_reset_password(actor, &t),
            Action::Exempt => may_set_exempt(actor, &t, detail.account.exempt),
            Action::MoveUnit => may_move(actor, &t),
            Action::Batch => may_set_batch(actor, &t),
            Action::GrantRole => may_change_roles(actor),
            Action::AddKey => may_change_keys(actor, &t),
            Action::RemoveHeld => match held(detail).get(self.selected) {
                Some(Held::Role { .. }) => may_change_roles(actor),
                Some(Held::Key { .. }) => may_change_keys(actor, &t),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// An action the actor may take (`may` was asked first).
    pub fn on_action(&mut self, action: Action) -> Vec<Effect> {
        let Some((detail, _)) = self.data.as_ref() else {
            return Vec::new();
        };
        let items = held(detail);
        let exempt = detail.account.exempt;
        self.message = None;
        let ask = match action {
            Action::Disable => Ask::Disable,
            Action::Enable => Ask::Enable,
            Action::Unlock if detail.lock.is_none() => {
                self.message = Some((false, format!("账号 {} 未被锁定", self.username)));
                return Vec::new();
            }
            Action::Unlock => Ask::Unlock,
            Action::ResetPassword => Ask::Reset,
            Action::Exempt if exempt => {
                self.ask_yes(AccountOp::Exempt(None));
                return Vec::new();
            }
            Action::Exempt => Ask::Exempt,
            Action::MoveUnit => Ask::Move,
            Action::Batch => Ask::Batch,
            Action::GrantRole => Ask::Grant,
            Action::AddKey => Ask::AddKey,
            Action::RemoveHeld => {
                match items.get(self.selected) {
                    Some(Held::Role {
                        kind, unit_code, ..
                    }) => self.ask_yes(AccountOp::RevokeRole {
                        role: *kind,
                        unit_code: Some(unit_code.clone()),
                    }),
                    Some(Held::Key { fingerprint, .. }) => {
                        self.ask_yes(AccountOp::RemoveKey(fingerprint.clone()))
                    }
                    None => self.message = Some((false, "没有可撤销的角色或可删除的公钥".into())),
                }
                return Vec::new();
            }
            a => {
                self.selected = step(self.selected, items.len(), a, 1);
                return Vec::new();
            }
        };
        let limit = if ask == Ask::AddKey {
            KEY_LIMIT
        } else {
            LINE_LIMIT
        };
        self.asking = Some(Prompt::new(ask, ask.label(), limit));
        Vec::new()
    }

    /// Holds a change until y/n, asking the question it calls for.
    fn ask_yes(&mut self, op: AccountOp) {
        let q = question(&self.username, &op);
        self.confirm = Some(Confirm::new(op, q));
    }

    /// A key while a line is typed, a confirmation asked or a new password shown.
    pub fn input_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if self.password.take().is_some() {
            return Vec::new();
        }
        if self.confirm.is_some() {
            return match Confirm::answer(&mut self.confirm, &k) {
                Some(op) => vec![Effect::Load(Request::AccountOp {
                    username: self.username.clone(),
                    op,
                })],
                None => Vec::new(),
            };
        }
        let Some(prompt) = self.asking.as_mut() else {
            return Vec::new();
        };
        match prompt.key(&k) {
            Typed::Editing => {}
            Typed::Cancelled => {
                self.asking = None;
                self.resolving = None;
            }
            Typed::Entered(text) => match op_of(prompt.what, text) {
                Ok(AccountOp::Move {
                    unit_code, reason, ..
                }) => {
                    // Asked of `app` first, so the question names the unit the move goes to.
                    self.message = Some((true, format!("正在查找单位 {unit_code}…")));
                    self.resolving = Some((unit_code.clone(), reason));
                    return vec![Effect::Load(Request::MoveTarget {
                        username: self.username.clone(),
                        unit: unit_code,
                    })];
                }
                Ok(op) => {
                    self.asking = None;
                    self.message = None;
                    self.ask_yes(op);
                }
                Err(e) => self.message = Some((false, e)),
            },
        }
        Vec::new()
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(prompt) = self.asking.as_mut() {
            prompt.paste(text);
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        let [main, status] = with_status(area);
        self.draw_body(f, main, look);
        draw_status(f, status, look, self.asking.as_ref(), self.message.as_ref());
        if let Some(c) = &self.confirm {
            c.draw(f, area, look, "确定");
        }
        if let Some(password) = &self.password {
            let text = vec![
                Line::from(Span::styled(
                    format!("账号 {} 的新初始密码（只显示这一次）：", self.username),
                    look.theme.text(),
                )),
                Line::from(Span::styled(password.0.clone(), look.theme.warn())),
                Line::from(Span::styled(
                    "首次登录后须修改。按任意键关闭",
                    look.theme.muted(),
                )),
            ];
            let rect = centered(area, 60.min(area.width), 5);
            f.render_widget(Clear, rect);
            f.render_widget(
                Paragraph::new(text)
                    .centered()
                    .block(look.block("新密码", true)),
                rect,
            );
        }
    }

    fn draw_body(&self, f: &mut Frame, area: Rect, look: &Look) {
        let Some((d, history)) = &self.data else {
            look.loading(f, area, &format!("账号 {}", self.username));
            return;
        };
        let items = held(d);
        let held_height = u16::try_from(items.len().clamp(1, 4)).unwrap_or(4) + 2;
        let [info, held_area, table_area] = Layout::vertical([
            Constraint::Length(6),
            Constraint::Length(held_height),
            Constraint::Min(3),
        ])
        .areas(area);
        profile(f, info, look, d, &self.hints(PROFILE_HINTS));
        self.draw_held(f, held_area, look, &items);
        draw_history(f, table_area, look, history);
    }

    /// The hints whose actions the signed-in actor may take, joined by " · ".
    fn hints(&self, all: &[(Action, &str)]) -> String {
        all.iter()
            .filter(|(a, _)| self.may(*a, &self.actor).is_ok())
            .map(|(_, h)| *h)
            .collect::<Vec<_>>()
            .join(" · ")
    }

    fn draw_held(&self, f: &mut Frame, area: Rect, look: &Look, items: &[Held]) {
        let th = look.theme;
        let mut title = "角色与公钥".to_string();
        for hint in self
            .hints(HELD_HINTS)
            .split(" · ")
            .filter(|h| !h.is_empty())
        {
            title.push_str(" · ");
            title.push_str(hint);
        }
        let title = title.as_str();
        if items.is_empty() {
            f.render_widget(
                Paragraph::new(Span::styled("（没有管理角色，没有 SSH 公钥）", th.muted()))
                    .block(look.block(title, false)),
                area,
            );
            return;
        }
        let rows: Vec<TableRow> = items
            .iter()
            .map(|h| match h {
                Held::Role { text, .. } => TableRow::new(["角色".to_string(), text.clone()]),
                Held::Key { text, .. } => TableRow::new(["公钥".to_string(), text.clone()]),
            })
            .collect();
        let table = Table::new(rows, [Constraint::Length(4), Constraint::Min(10)])
            .block(look.block(title, false));
        look.pick_table(f, area, table, Some(self.selected));
    }
}

pub fn batch_text(batch: Option<i64>) -> String {
    batch.map_or_else(|| "—".into(), |b| b.to_string())
}

/// The changes named under the profile, each with its action.
const PROFILE_HINTS: &[(Action, &str)] = &[
    (Action::Disable, "d 停用"),
    (Action::Enable, "e 启用"),
    (Action::Unlock, "u 解锁"),
    (Action::ResetPassword, "r 重置密码"),
    (Action::Exempt, "x 免考核"),
    (Action::MoveUnit, "m 调动单位"),
    (Action::Batch, "b 批次"),
];

/// The changes named in the title of the roles and keys.
const HELD_HINTS: &[(Action, &str)] = &[
    (Action::GrantRole, "g 授予角色"),
    (Action::AddKey, "a 添加公钥"),
    (Action::RemoveHeld, "Del 撤销/删除所选"),
];

fn profile(f: &mut Frame, area: Rect, look: &Look, d: &Detail, hints: &str) {
    let th = look.theme;
    let a = &d.account;
    let exempt = if a.exempt {
        format!("免考核：{}", a.exempt_reason)
    } else {
        "参加考核".into()
    };
    let must_change = if a.must_change {
        " · 须修改初始密码"
    } else {
        ""
    };
    let status_style = if a.status == AccountStatus::Active {
        th.ok()
    } else {
        th.danger()
    };
    let lines = vec![
        Line::from(Span::styled(
            format!(
                "{} · {} · {} {} · {}",
                a.real_name, a.post, a.unit_code, a.unit_name, a.phone
            ),
            th.text(),
        )),
        Line::from(vec![
            Span::styled(a.status.label().to_string(), status_style),
            Span::styled(lock_text(d), th.danger()),
            Span::styled(
                format!(" · 批次 {} · {exempt}{must_change}", batch_text(a.batch)),
                th.text(),
            ),
        ]),
        Line::from(Span::styled(
            format!(
                "最近登录 {} · 角色 {} 个 · 公钥 {} 个",
                a.last_login_at.map_or_else(|| "无".into(), datetime_cst),
                d.roles.len(),
                d.keys.len()
            ),
            th.muted(),
        )),
        Line::from(Span::styled(hints.to_string(), th.muted())),
    ];
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(look.block(&format!("账号 {}", a.username), true)),
        area,
    );
}

/// " · 登录已锁定至 … （why）" while a sign-in lock is in force, else nothing.
fn lock_text(d: &Detail) -> String {
    d.lock.as_ref().map_or_else(String::new, |l| {
        let why = if l.why.is_empty() {
            "正在核对的登录尝试已达上限"
        } else {
            &l.why
        };
        format!(" · 登录已锁定至 {}（{why}）", datetime_cst(l.until))
    })
}

fn draw_history(f: &mut Frame, area: Rect, look: &Look, history: &[HistoryEntry]) {
    let th = look.theme;
    let wide = area.width >= 110;
    let mut widths = vec![
        Constraint::Length(16),
        Constraint::Length(14),
        Constraint::Length(12),
    ];
    let mut headers = vec!["时间", "事项", "操作人"];
    if wide {
        widths.push(Constraint::Length(16));
        headers.push("地址");
    }
    widths.push(Constraint::Min(10));
    headers.push("变更");
    let w = column_widths(area, &widths, 1, "");
    let rows: Vec<TableRow> = history
        .iter()
        .map(|h| {
            let change = match (&h.before, &h.after) {
                (Some(b), Some(a)) => format!("{b} → {a}"),
                (None, Some(a)) => a.clone(),
                (Some(b), None) => b.clone(),
                (None, None) => String::new(),
            };
            let mut cells = vec![
                Cell::from(datetime_cst(h.at)),
                Cell::from(ellipsis(action_label(&h.action), w[1])),
                Cell::from(ellipsis(&h.actor, w[2])),
            ];
            if wide {
                cells.push(Cell::from(ellipsis(&h.address, w[3])));
            }
            cells.push(Cell::from(ellipsis(&change, w[w.len() - 1])));
            TableRow::new(cells)
        })
        .collect();
    let title = format!("最近记录 · {} 条", history.len());
    let table = Table::new(rows, widths)
        .header(TableRow::new(headers).style(th.title(false)))
        .block(look.block(&title, false));
    f.render_widget(table, area);
}

/// The keys of this screen: they decide what a key does and feed the footer and the help.
pub const KEYS: &[Binding] = &[
    b(
        &[Code(KeyCode::Esc)],
        "Esc",
        "返回账号列表",
        Action::Back,
        true,
    ),
    b(&[C('d')], "d", "停用", Action::Disable, true),
    b(&[C('e')], "e", "启用", Action::Enable, true),
    b(&[C('u')], "u", "解除登录锁定", Action::Unlock, false),
    b(
        &[C('r')],
        "r",
        "重置密码（新密码只显示一次）",
        Action::ResetPassword,
        true,
    ),
    b(&[C('x')], "x", "标记 / 取消免考核", Action::Exempt, true),
    b(&[C('m')], "m", "调动到其他单位", Action::MoveUnit, false),
    b(&[C('b')], "b", "调整批次", Action::Batch, false),
    ba(
        &[C('j'), Code(KeyCode::Down), C('k'), Code(KeyCode::Up)],
        "j/k ↑↓",
        "j/k",
        "在角色与公钥中上下移动",
        Action::Down,
        false,
    ),
    b(
        &[C('g')],
        "g",
        "授予管理角色（市在线学习办）",
        Action::GrantRole,
        false,
    ),
    b(
        &[C('a')],
        "a",
        "添加 SSH 公钥（粘贴一行）",
        Action::AddKey,
        false,
    ),
    b(
        &[Code(KeyCode::Delete), C('-')],
        "Del/-",
        "撤销所选角色 / 删除所选公钥",
        Action::RemoveHeld,
        false,
    ),
];
