//! 账号: account care (issue 5 item 7). `/` finds accounts in the actor's scope by username,
//! name or ID number; Enter opens one with its profile and recent history, where it can be
//! disabled or enabled, get a new initial password (shown once), be marked exempt, moved to
//! another unit or given another batch. Each change asks for its reason or value, then for a
//! y/n confirmation; `app/` checks the scope and writes the audit log.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row as TableRow, Table, TableState, Wrap};
use tui_input::Input;

use crate::app::accounts::{AccountLine, Detail, action_label};
use crate::app::actor::RoleKind;
use crate::rules::calendar::datetime_cst;
use crate::store::account_care::HistoryRow;
use crate::tui::data::{AccountOp, DataMsg, Request, Secret};
use crate::tui::input::{edit_request, paste_into};
use crate::tui::keys::Action;
use crate::tui::screens::step;
use crate::tui::widgets::{Look, centered, confirm};
use crate::tui::{Effect, KeyCode, KeyEvent};

/// What a typed line is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    Disable,
    Enable,
    Reset,
    Exempt,
    /// "单位代码 原因".
    Move,
    Batch,
}

impl Ask {
    fn prompt(self) -> &'static str {
        match self {
            Ask::Disable => "停用原因：",
            Ask::Enable => "启用原因：",
            Ask::Reset => "重置密码原因：",
            Ask::Exempt => "免考核原因（如 省管干部）：",
            Ask::Move => "调入单位代码（空格后写原因）：",
            Ask::Batch => "新批次（1、2 或 3）：",
        }
    }
}

#[derive(Debug)]
struct Open {
    username: String,
    data: Option<(Detail, Vec<HistoryRow>)>,
}

#[derive(Debug, Default)]
pub struct Accounts {
    query: String,
    list: Option<Vec<AccountLine>>,
    error: Option<String>,
    selected: usize,
    open: Option<Open>,
    asking: Option<(Ask, Input)>,
    /// A change waiting for y/n.
    confirm: Option<AccountOp>,
    /// A new password, shown once until a key is pressed: (username, password).
    password: Option<(String, Secret)>,
    /// The last action's outcome: (succeeded, text).
    message: Option<(bool, String)>,
}

fn status_label(status: &str) -> &str {
    match status {
        "active" => "正常",
        "disabled" => "已停用",
        other => other,
    }
}

fn batch_text(batch: Option<i64>) -> String {
    batch.map_or_else(|| "—".into(), |b| b.to_string())
}

impl Accounts {
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// A line is typed, a confirmation asked or a password shown: keys go to `input_key`.
    pub fn editing(&self) -> bool {
        self.asking.is_some() || self.confirm.is_some() || self.password.is_some()
    }

    pub fn query(&self) -> &str {
        &self.query
    }

    /// The search text changed: find again (an empty text clears the list).
    pub fn set_query(&mut self, text: &str) -> Vec<Effect> {
        self.query = text.trim().to_string();
        self.selected = 0;
        self.error = None;
        if self.query.is_empty() {
            self.list = None;
            return Vec::new();
        }
        vec![Effect::Load(Request::Accounts(self.query.clone()))]
    }

    fn reload(&self) -> Vec<Effect> {
        let mut out = Vec::new();
        if let Some(open) = &self.open {
            out.push(Effect::Load(Request::Account(open.username.clone())));
        }
        if !self.query.is_empty() {
            out.push(Effect::Load(Request::Accounts(self.query.clone())));
        }
        out
    }

    /// Consumes the answers meant for this screen, with the loads they call for.
    pub fn on_data(&mut self, msg: &DataMsg) -> Option<Vec<Effect>> {
        match msg {
            DataMsg::Accounts { text, result } => {
                if *text == self.query {
                    match result {
                        Ok(list) => {
                            self.selected = self.selected.min(list.len().saturating_sub(1));
                            self.list = Some(list.clone());
                            self.error = None;
                        }
                        Err(e) => self.error = Some(e.clone()),
                    }
                }
                Some(Vec::new())
            }
            DataMsg::Account { username, result } => {
                if let Some(open) = self.open.as_mut().filter(|o| o.username == *username) {
                    match result {
                        Ok(d) => open.data = Some(d.clone()),
                        Err(e) => self.message = Some((false, e.clone())),
                    }
                }
                Some(Vec::new())
            }
            DataMsg::AccountDone { username, result } => {
                self.message = Some(match result {
                    Ok(outcome) => {
                        if let Some(p) = &outcome.password {
                            self.password = Some((username.clone(), p.clone()));
                        }
                        (true, outcome.text.clone())
                    }
                    Err(e) => (false, e.clone()),
                });
                Some(self.reload())
            }
            _ => None,
        }
    }

    pub fn on_action(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let Some(open) = self.open.as_ref() else {
            return self.list_action(action, page);
        };
        let account = open.data.as_ref().map(|d| &d.0.account);
        let ask = match action {
            Action::Back => {
                self.open = None;
                self.message = None;
                return self.reload();
            }
            Action::Disable => Ask::Disable,
            Action::Enable => Ask::Enable,
            Action::ResetPassword => Ask::Reset,
            Action::Exempt if account.is_some_and(|a| a.exempt == 1) => {
                self.message = None;
                self.confirm = Some(AccountOp::Exempt(None));
                return Vec::new();
            }
            Action::Exempt => Ask::Exempt,
            Action::MoveUnit => Ask::Move,
            Action::Batch => Ask::Batch,
            _ => return Vec::new(),
        };
        if account.is_none() {
            return Vec::new();
        }
        self.message = None;
        self.asking = Some((ask, Input::default()));
        Vec::new()
    }

    fn list_action(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let len = self.list.as_ref().map_or(0, Vec::len);
        if action == Action::Open {
            let Some(a) = self.list.as_ref().and_then(|l| l.get(self.selected)) else {
                return Vec::new();
            };
            let username = a.username.clone();
            self.open = Some(Open {
                username: username.clone(),
                data: None,
            });
            self.message = None;
            return vec![Effect::Load(Request::Account(username))];
        }
        self.selected = step(self.selected, len, action, page);
        Vec::new()
    }

    /// A key while a line is typed, a confirmation asked or a new password shown.
    pub fn input_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if self.password.is_some() {
            self.password = None;
            return Vec::new();
        }
        if let Some(op) = self.confirm.take() {
            let Some(open) = &self.open else {
                return Vec::new();
            };
            return match k.code {
                KeyCode::Char('y' | 'Y') | KeyCode::Enter => {
                    vec![Effect::Load(Request::AccountOp {
                        username: open.username.clone(),
                        op,
                    })]
                }
                _ => Vec::new(),
            };
        }
        let Some((ask, input)) = self.asking.as_mut() else {
            return Vec::new();
        };
        let request = match k.code {
            KeyCode::Esc => {
                self.asking = None;
                return Vec::new();
            }
            KeyCode::Enter => {
                let text = input.value().trim().to_string();
                let ask = *ask;
                match op_of(ask, text) {
                    Ok(op) => {
                        self.asking = None;
                        self.confirm = Some(op);
                    }
                    Err(e) => self.message = Some((false, e)),
                }
                return Vec::new();
            }
            _ => match edit_request(&k) {
                Some(r) => r,
                None => return Vec::new(),
            },
        };
        input.handle(request);
        Vec::new()
    }

    pub fn paste(&mut self, text: &str) {
        if let Some((_, input)) = self.asking.as_mut() {
            paste_into(input, text, 200);
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        let [main, status] =
            Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(area);
        match &self.open {
            Some(open) => self.draw_open(f, main, look, open),
            None => self.draw_list(f, main, look),
        }
        self.draw_status(f, status, look);
        if let (Some(op), Some(open)) = (&self.confirm, &self.open) {
            let rect = centered(area, 60.min(area.width), 6);
            confirm(f, rect, look, "确认", &question(&open.username, op), "确定");
        }
        if let Some((username, password)) = &self.password {
            let text = vec![
                Line::from(Span::styled(
                    format!("账号 {username} 的新初始密码（只显示这一次）："),
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

    fn draw_list(&self, f: &mut Frame, area: Rect, look: &Look) {
        let th = look.theme;
        let show = |f: &mut Frame, text: Span<'static>, title: &str| {
            f.render_widget(Paragraph::new(text).block(look.block(title, true)), area);
        };
        if let Some(e) = &self.error {
            show(f, Span::styled(format!("出错：{e}"), th.danger()), "账号");
            return;
        }
        if self.query.is_empty() {
            let hint = "按 / 输入用户名、姓名或身份证号查找账号";
            show(f, Span::styled(hint, th.muted()), "账号");
            return;
        }
        let Some(list) = &self.list else {
            show(f, Span::styled("正在查找…", th.muted()), "账号");
            return;
        };
        let title = format!("账号 · 查找“{}” · {} 个", self.query, list.len());
        if list.is_empty() {
            show(f, Span::styled("（没有找到账号）", th.muted()), &title);
            return;
        }
        let rows: Vec<TableRow> = list
            .iter()
            .map(|a| {
                let style = if a.status == "active" {
                    th.text()
                } else {
                    th.danger()
                };
                let mut status = status_label(&a.status).to_string();
                if a.exempt == 1 {
                    status.push_str("·免考核");
                }
                TableRow::new(vec![
                    Cell::from(a.username.clone()),
                    Cell::from(a.real_name.clone()),
                    Cell::from(a.unit_name.clone()),
                    Cell::from(batch_text(a.batch)),
                    Cell::from(Span::styled(status, style)),
                ])
            })
            .collect();
        let table = Table::new(
            rows,
            [
                Constraint::Length(16),
                Constraint::Length(8),
                Constraint::Min(12),
                Constraint::Length(4),
                Constraint::Length(14),
            ],
        )
        .header(TableRow::new(["用户名", "姓名", "单位", "批次", "状态"]).style(th.title(false)))
        .block(look.block(&title, true))
        .row_highlight_style(th.selected())
        .highlight_symbol(look.selected_symbol());
        let mut state = TableState::default().with_selected(Some(self.selected));
        f.render_stateful_widget(table, area, &mut state);
    }

    fn draw_open(&self, f: &mut Frame, area: Rect, look: &Look, open: &Open) {
        let th = look.theme;
        let Some((d, history)) = &open.data else {
            f.render_widget(
                Paragraph::new(Span::styled("正在加载…", th.muted()))
                    .block(look.block(&format!("账号 {}", open.username), true)),
                area,
            );
            return;
        };
        let a = &d.account;
        let [info, table_area] =
            Layout::vertical([Constraint::Length(6), Constraint::Min(3)]).areas(area);
        let exempt = if a.exempt == 1 {
            format!("免考核：{}", a.exempt_reason)
        } else {
            "参加考核".into()
        };
        let roles: Vec<String> = d
            .roles
            .iter()
            .map(|r| {
                let label = RoleKind::from_code(&r.role)
                    .map_or_else(|| r.role.clone(), |k| k.label().into());
                format!("{label}（{}）", r.unit_name)
            })
            .collect();
        let lines = vec![
            Line::from(Span::styled(
                format!(
                    "{} · {} · {} {} · {}",
                    a.real_name, a.post, a.unit_code, a.unit_name, a.phone
                ),
                th.text(),
            )),
            Line::from(vec![
                Span::styled(
                    status_label(&a.status).to_string(),
                    if a.status == "active" {
                        th.ok()
                    } else {
                        th.danger()
                    },
                ),
                Span::styled(
                    format!(
                        " · 批次 {} · {exempt}{}",
                        batch_text(a.batch),
                        if a.must_change == 1 {
                            " · 须修改初始密码"
                        } else {
                            ""
                        }
                    ),
                    th.text(),
                ),
            ]),
            Line::from(Span::styled(
                format!(
                    "最近登录 {} · 角色 {} · 公钥 {} 个",
                    a.last_login_at.map_or_else(|| "无".into(), datetime_cst),
                    if roles.is_empty() {
                        "无".into()
                    } else {
                        roles.join("、")
                    },
                    d.keys.len()
                ),
                th.muted(),
            )),
            Line::from(Span::styled(
                "d 停用 · e 启用 · r 重置密码 · x 免考核 · m 调动单位 · b 批次",
                th.muted(),
            )),
        ];
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(look.block(&format!("账号 {}", a.username), true)),
            info,
        );
        let wide = area.width >= 110;
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
                    Cell::from(action_label(&h.action).to_string()),
                    Cell::from(h.actor.clone()),
                ];
                if wide {
                    cells.push(Cell::from(h.address.clone()));
                }
                cells.push(Cell::from(change));
                TableRow::new(cells)
            })
            .collect();
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
        let title = format!("最近记录 · {} 条", history.len());
        let table = Table::new(rows, widths)
            .header(TableRow::new(headers).style(th.title(false)))
            .block(look.block(&title, false));
        f.render_widget(table, table_area);
    }

    fn draw_status(&self, f: &mut Frame, area: Rect, look: &Look) {
        let th = look.theme;
        let mut lines = Vec::new();
        if let Some((ask, input)) = &self.asking {
            lines.push(Line::from(vec![
                Span::styled(ask.prompt(), th.key()),
                Span::styled(input.value().to_string(), th.text()),
                Span::styled("   Enter 确定  Esc 取消", th.muted()),
            ]));
        }
        if let Some((ok, text)) = &self.message {
            lines.push(Line::from(Span::styled(
                text.clone(),
                if *ok { th.ok() } else { th.danger() },
            )));
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
    }
}

/// The change a typed line asks for, or why the line is not accepted.
fn op_of(ask: Ask, text: String) -> Result<AccountOp, String> {
    Ok(match ask {
        Ask::Disable => AccountOp::Disable(text),
        Ask::Enable => AccountOp::Enable(text),
        Ask::Reset => AccountOp::ResetPassword(text),
        Ask::Exempt if text.is_empty() => {
            return Err("请写明免于考核的原因，如 省管干部".into());
        }
        Ask::Exempt => AccountOp::Exempt(Some(text)),
        Ask::Move => {
            let (code, reason) = text.split_once(' ').unwrap_or((text.as_str(), ""));
            if code.is_empty() {
                return Err("请输入调入单位的代码".into());
            }
            AccountOp::Move {
                unit_code: code.to_string(),
                reason: reason.trim().to_string(),
            }
        }
        Ask::Batch => match text.parse::<i64>() {
            Ok(b @ 1..=3) => AccountOp::Batch(b),
            _ => return Err("批次只能是 1、2 或 3".into()),
        },
    })
}

/// The y/n question for a change.
fn question(username: &str, op: &AccountOp) -> String {
    match op {
        AccountOp::Disable(_) => format!("停用账号 {username}？停用后不能登录"),
        AccountOp::Enable(_) => format!("启用账号 {username}？"),
        AccountOp::ResetPassword(_) => format!("重置账号 {username} 的密码？"),
        AccountOp::Exempt(Some(r)) => format!("将账号 {username} 标记为免考核（{r}）？"),
        AccountOp::Exempt(None) => format!("取消账号 {username} 的免考核标记？"),
        AccountOp::Move { unit_code, .. } => format!("将账号 {username} 调至单位 {unit_code}？"),
        AccountOp::Batch(b) => format!("将账号 {username} 调为第 {b} 批？"),
    }
}
