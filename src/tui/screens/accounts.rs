//! 账号: account care (issue 5 item 7). `/` finds accounts in the actor's scope by username,
//! name or ID number; Enter opens one (`account::AccountView`: profile, roles and keys, history
//! and the changes made from there); Esc comes back to the list, found again. `p` opens the
//! office's 参评变动 view (`population::PopulationView`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table};

use crate::app::accounts::Account;
use crate::app::changes::Topic;
use crate::app::population::{may_decide, may_review};
use crate::rules::status::AccountStatus;
use crate::tui::data::{DataMsg, Request};
use crate::tui::keys::{self, Action, Binding, C, Code, b};
use crate::tui::screen::{Cx, Screen};
use crate::tui::screens::account::{self, AccountView, batch_text};
use crate::tui::screens::population::{self, PopulationView};
use crate::tui::screens::step;
use crate::tui::widgets::{Look, column_widths, ellipsis, with_status};
use crate::tui::{Effect, KeyCode, KeyEvent};

#[derive(Debug, Default)]
pub struct Accounts {
    query: String,
    list: Option<Vec<Account>>,
    error: Option<String>,
    selected: usize,
    open: Option<AccountView>,
    population: Option<PopulationView>,
    /// The actor may open 参评变动 (`app::population::may_review`): the empty list says how.
    reviews: bool,
}

impl Screen for Accounts {
    fn new(cx: &Cx) -> Accounts {
        Accounts {
            reviews: may_review(&cx.actor).is_ok(),
            ..Accounts::default()
        }
    }

    fn keys(&self) -> &'static [Binding] {
        match (&self.population, &self.open) {
            (Some(_), _) => population::KEYS,
            (None, Some(_)) => account::KEYS,
            (None, None) => KEYS,
        }
    }

    /// Why the signed-in actor may not take `action` here (None: it may), from the same
    /// `app::` questions the actions ask: such keys are neither shown nor asked about.
    fn refusal(&self, action: Action, cx: &Cx) -> Option<String> {
        let asked = match (&self.population, &self.open) {
            (Some(_), _) => match action {
                Action::Approve | Action::Reject => may_decide(&cx.actor),
                _ => Ok(()),
            },
            (None, Some(open)) => open.may(action, &cx.actor),
            (None, None) => match action {
                Action::Population => may_review(&cx.actor),
                _ => Ok(()),
            },
        };
        asked.err().map(|e| e.to_string())
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        if let Some(p) = self.population.as_mut() {
            if action == Action::Back {
                self.population = None;
                return Vec::new();
            }
            return p.on_action(action);
        }
        let Some(open) = self.open.as_mut() else {
            return self.list_action(action, cx);
        };
        if action == Action::Back {
            self.open = None;
            return self.reload(cx);
        }
        open.on_action(action)
    }

    /// Consumes the answers meant for this screen, with the loads they call for.
    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> Vec<Effect> {
        if let Some(p) = self.population.as_mut()
            && let Some(effects) = p.on_data(msg)
        {
            return effects;
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
                Vec::new()
            }
            DataMsg::Account { username, result } => {
                if let Some(open) = open.filter(|o| o.username == *username) {
                    open.loaded(result);
                }
                Vec::new()
            }
            DataMsg::MoveTarget {
                username,
                unit,
                result,
            } => {
                if let Some(open) = open.filter(|o| o.username == *username) {
                    open.move_target(unit, result);
                }
                Vec::new()
            }
            DataMsg::AccountDone { username, result } => {
                if let Some(open) = open.filter(|o| o.username == *username) {
                    open.done(result);
                }
                self.find_again()
            }
            _ => Vec::new(),
        }
    }

    /// The list found again, the open account and the 参评变动 view read again.
    fn reload(&mut self, _cx: &Cx) -> Vec<Effect> {
        let mut out = self.find_again();
        out.extend(self.population.iter().map(PopulationView::load));
        out
    }

    fn topics(&self) -> &'static [Topic] {
        &[Topic::Accounts, Topic::Population]
    }

    fn filter(&self) -> Option<&str> {
        Some(&self.query)
    }

    /// The search text changed: find again (an empty text clears the list).
    fn set_filter(&mut self, text: &str, _cx: &Cx) -> Vec<Effect> {
        self.set_query(text)
    }

    /// A line is typed, a confirmation asked or a password shown: keys go to `input_key`.
    fn editing(&self) -> bool {
        self.open.as_ref().is_some_and(AccountView::editing)
            || self
                .population
                .as_ref()
                .is_some_and(PopulationView::editing)
    }

    /// A key while a line is typed, a confirmation asked or a new password shown.
    fn input_key(&mut self, k: KeyEvent, _cx: &Cx) -> Vec<Effect> {
        if let Some(p) = self.population.as_mut() {
            return p.input_key(k);
        }
        self.open
            .as_mut()
            .map_or_else(Vec::new, |open| open.input_key(k))
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        if let Some(p) = self.population.as_mut() {
            p.paste(text);
            return Vec::new();
        }
        if let Some(open) = self.open.as_mut() {
            open.paste(text);
        }
        Vec::new()
    }

    fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        if let Some(p) = &self.population {
            p.draw(f, area, look);
            return;
        }
        match &self.open {
            Some(open) => open.draw(f, area, look),
            None => {
                // The same place as the open account's table, above its status lines.
                let [main, _] = with_status(area);
                self.draw_list(f, main, look);
            }
        }
    }
}

impl Accounts {
    /// The search text changed: find again (an empty text clears the list).
    fn set_query(&mut self, text: &str) -> Vec<Effect> {
        self.query = text.trim().to_string();
        self.selected = 0;
        self.error = None;
        if self.query.is_empty() {
            self.list = None;
            return Vec::new();
        }
        vec![Effect::Load(Request::Accounts(self.query.clone()))]
    }

    fn find_again(&self) -> Vec<Effect> {
        let mut out: Vec<Effect> = self.open.iter().map(AccountView::load).collect();
        if !self.query.is_empty() {
            out.push(Effect::Load(Request::Accounts(self.query.clone())));
        }
        out
    }

    fn list_action(&mut self, action: Action, cx: &Cx) -> Vec<Effect> {
        let len = self.list.as_ref().map_or(0, Vec::len);
        if action == Action::Population {
            let view = PopulationView::new(cx.year);
            let load = view.load();
            self.population = Some(view);
            return vec![load];
        }
        if action == Action::Open {
            let Some(a) = self.list.as_ref().and_then(|l| l.get(self.selected)) else {
                return Vec::new();
            };
            let view = AccountView::new(&a.username, &cx.actor);
            let load = view.load();
            self.open = Some(view);
            return vec![load];
        }
        self.selected = step(self.selected, len, action, cx.page());
        Vec::new()
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
            let hint = if self.reviews {
                "按 / 输入用户名、姓名或身份证号查找账号；按 p 查看参评变动与免考核申请"
            } else {
                "按 / 输入用户名、姓名或身份证号查找账号"
            };
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
                let style = if a.status == AccountStatus::Active {
                    th.text()
                } else {
                    th.danger()
                };
                let mut status = a.status.label().to_string();
                if a.exempt {
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
            .block(look.block(&title, true));
        look.pick_table(f, area, table, Some(self.selected));
    }
}

/// The keys of this screen: they decide what a key does and feed the footer and the help.
pub const KEYS: &[Binding] = &[
    keys::MOVE[0],
    keys::MOVE[1],
    keys::MOVE[2],
    keys::MOVE[3],
    b(
        &[Code(KeyCode::Enter)],
        "Enter",
        "打开账号",
        Action::Open,
        true,
    ),
    b(
        &[C('/')],
        "/",
        "按用户名、姓名或身份证号查找",
        Action::Filter,
        true,
    ),
    b(
        &[C('p')],
        "p",
        "参评变动与免考核申请（市在线学习办）",
        Action::Population,
        false,
    ),
];
