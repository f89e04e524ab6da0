//! 账号: account care (issue 5 item 7). `/` finds accounts in the actor's scope by username,
//! name or ID number; Enter opens one (`account::AccountView`: profile, roles and keys, history
//! and the changes made from there); Esc comes back to the list, found again. `p` opens the
//! office's 参评变动 view (`population::PopulationView`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table, TableState};

use crate::app::accounts::AccountLine;
use crate::tui::data::{DataMsg, Request};
use crate::tui::keys::Action;
use crate::tui::screens::account::{AccountView, batch_text, status_label};
use crate::tui::screens::population::PopulationView;
use crate::tui::screens::step;
use crate::tui::widgets::{Look, column_widths, ellipsis, with_status};
use crate::tui::{Effect, KeyEvent};

#[derive(Debug, Default)]
pub struct Accounts {
    query: String,
    list: Option<Vec<AccountLine>>,
    error: Option<String>,
    selected: usize,
    open: Option<AccountView>,
    /// Why this actor may not grant or revoke staff roles (None: it may), from
    /// `app::accounts::may_change_roles`; shown instead of asking.
    roles_refusal: Option<String>,
    /// Why this actor may not open the 参评变动 view (None: it may), from
    /// `app::population::may_review`.
    population_refusal: Option<String>,
    population: Option<PopulationView>,
    /// The year the 参评变动 view opens on.
    year: i32,
    /// A refusal shown under the list.
    notice: Option<String>,
}

impl Accounts {
    pub fn new(
        roles_refusal: Option<String>,
        population_refusal: Option<String>,
        year: i32,
    ) -> Accounts {
        Accounts {
            roles_refusal,
            population_refusal,
            year,
            ..Accounts::default()
        }
    }

    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// Why the signed-in actor may not take `action` here (None: it may), from the same
    /// `app::` questions the actions ask: such keys are neither shown nor asked about.
    pub fn refusal(&self, action: Action) -> Option<String> {
        match action {
            Action::Population if self.open.is_none() && self.population.is_none() => {
                self.population_refusal.clone()
            }
            Action::GrantRole if self.open.is_some() && self.population.is_none() => {
                self.roles_refusal.clone()
            }
            _ => None,
        }
    }

    pub fn population_open(&self) -> bool {
        self.population.is_some()
    }

    /// A line is typed, a confirmation asked or a password shown: keys go to `input_key`.
    pub fn editing(&self) -> bool {
        self.open.as_ref().is_some_and(AccountView::editing)
            || self
                .population
                .as_ref()
                .is_some_and(PopulationView::editing)
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

    /// Loads the list and the open account again.
    pub fn reload(&self) -> Vec<Effect> {
        let mut out: Vec<Effect> = self.open.iter().map(AccountView::load).collect();
        if !self.query.is_empty() {
            out.push(Effect::Load(Request::Accounts(self.query.clone())));
        }
        out
    }

    /// Consumes the answers meant for this screen, with the loads they call for.
    pub fn on_data(&mut self, msg: &DataMsg) -> Option<Vec<Effect>> {
        if let Some(p) = self.population.as_mut()
            && let Some(effects) = p.on_data(msg)
        {
            return Some(effects);
        }
        let open = self.open.as_mut();
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
                if let Some(open) = open.filter(|o| o.username == *username) {
                    open.loaded(result);
                }
                Some(Vec::new())
            }
            DataMsg::AccountDone { username, result } => {
                if let Some(open) = open.filter(|o| o.username == *username) {
                    open.done(result);
                }
                Some(self.reload())
            }
            _ => None,
        }
    }

    pub fn on_action(&mut self, action: Action, page: usize) -> Vec<Effect> {
        if let Some(p) = self.population.as_mut() {
            if action == Action::Back {
                self.population = None;
                return Vec::new();
            }
            return p.on_action(action);
        }
        let Some(open) = self.open.as_mut() else {
            return self.list_action(action, page);
        };
        if action == Action::Back {
            self.open = None;
            return self.reload();
        }
        open.on_action(action, self.roles_refusal.as_deref())
    }

    fn list_action(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let len = self.list.as_ref().map_or(0, Vec::len);
        self.notice = None;
        if action == Action::Population {
            if let Some(refusal) = &self.population_refusal {
                self.notice = Some(refusal.clone());
                return Vec::new();
            }
            let view = PopulationView::new(self.year);
            let load = view.load();
            self.population = Some(view);
            return vec![load];
        }
        if action == Action::Open {
            let Some(a) = self.list.as_ref().and_then(|l| l.get(self.selected)) else {
                return Vec::new();
            };
            let view = AccountView::new(&a.username);
            let load = view.load();
            self.open = Some(view);
            return vec![load];
        }
        self.selected = step(self.selected, len, action, page);
        Vec::new()
    }

    /// A key while a line is typed, a confirmation asked or a new password shown.
    pub fn input_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if let Some(p) = self.population.as_mut() {
            return p.input_key(k);
        }
        self.open
            .as_mut()
            .map_or_else(Vec::new, |open| open.input_key(k))
    }

    pub fn paste(&mut self, text: &str) {
        if let Some(p) = self.population.as_mut() {
            p.paste(text);
            return;
        }
        if let Some(open) = self.open.as_mut() {
            open.paste(text);
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        if let Some(p) = &self.population {
            p.draw(f, area, look);
            return;
        }
        match &self.open {
            Some(open) => open.draw(f, area, look),
            None => {
                // The same place as the open account's table, above its status lines.
                let [main, status] = with_status(area);
                self.draw_list(f, main, look);
                if let Some(n) = &self.notice {
                    let line = Span::styled(n.clone(), look.theme.danger());
                    f.render_widget(Paragraph::new(line), status);
                }
            }
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
            let hint = "按 / 输入用户名、姓名或身份证号查找账号；按 p 查看参评变动与免考核申请";
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
        let widths = [
            Constraint::Length(16),
            Constraint::Length(8),
            Constraint::Min(12),
            Constraint::Length(4),
            Constraint::Length(14),
        ];
        let w = column_widths(area, &widths, 1, look.selected_symbol());
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
                    Cell::from(ellipsis(&a.username, w[0])),
                    Cell::from(ellipsis(&a.real_name, w[1])),
                    Cell::from(ellipsis(&a.unit_name, w[2])),
                    Cell::from(batch_text(a.batch)),
                    Cell::from(Span::styled(status, style)),
                ])
            })
            .collect();
        let table = Table::new(rows, widths)
            .header(
                TableRow::new(["用户名", "姓名", "单位", "批次", "状态"]).style(th.title(false)),
            )
            .block(look.block(&title, true))
            .row_highlight_style(th.selected())
            .highlight_symbol(look.selected_symbol());
        let mut state = TableState::default().with_selected(Some(self.selected));
        f.render_stateful_widget(table, area, &mut state);
    }
}
