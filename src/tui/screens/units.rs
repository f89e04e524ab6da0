//! 单位: the unit tree of the actor's scope (indented by level) with codes, status and learner
//! counts; retired units muted, shown or hidden with `v`; `/` filters by code or name. The office
//! adds a child unit (code, then name), renames, moves (new parent by code or unique name) and
//! retires the selected unit, each after a y/n naming the unit; `app::unit_tree` checks and
//! writes, and its refusals show in the status line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::app::changes::Topic;
use crate::app::unit_tree::{UnitInfo, may_add, may_move, may_rename, may_retire};
use crate::rules::units::{MAX_CODE, MAX_NAME};
use crate::tui::data::{DataMsg, Request, UnitOp};
use crate::tui::keys::{self, Action, Binding, C, b};
use crate::tui::prompt::{Confirm, Prompt, Typed, draw_status, outcome};
use crate::tui::screen::{Cx, Screen};
use crate::tui::screens::step;
use crate::tui::widgets::{Look, column_widths, ellipsis, with_status};
use crate::tui::{Effect, KeyEvent};

/// What a prompt asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ask {
    /// The new child's code, under `parent`.
    Code {
        parent: String,
    },
    /// The new child's name.
    Name {
        parent: String,
        code: String,
    },
    Rename {
        code: String,
    },
    Parent {
        code: String,
    },
}

#[derive(Debug, Default)]
pub struct Units {
    tree: Option<Vec<UnitInfo>>,
    error: Option<String>,
    selected: usize,
    /// Retired units are listed (muted).
    retired: bool,
    filter: String,
    asking: Option<Prompt<Ask>>,
    confirm: Option<Confirm<UnitOp>>,
    /// The last action's outcome: (succeeded, text).
    message: Option<(bool, String)>,
}

impl Screen for Units {
    fn new(_cx: &Cx) -> Units {
        Units {
            retired: true,
            ..Units::default()
        }
    }

    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn refusal(&self, action: Action, cx: &Cx) -> Option<String> {
        let asked = match action {
            Action::AddChild => may_add(&cx.actor),
            Action::Rename => may_rename(&cx.actor),
            Action::MoveUnit => may_move(&cx.actor),
            Action::Retire => may_retire(&cx.actor),
            _ => Ok(()),
        };
        asked.err().map(|e| e.to_string())
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        let len = self.shown().len();
        let Some(unit) = self.shown().get(self.selected).map(|u| (*u).clone()) else {
            if action == Action::ShowRetired {
                self.retired = !self.retired;
            }
            return Vec::new();
        };
        self.message = None;
        let (ask, label, limit) = match action {
            Action::ShowRetired => {
                self.retired = !self.retired;
                self.selected = self.selected.min(self.shown().len().saturating_sub(1));
                return Vec::new();
            }
            Action::AddChild => (
                Ask::Code {
                    parent: unit.code.clone(),
                },
                format!("在 {} {} 下新增单位，单位代码：", unit.code, unit.name),
                MAX_CODE,
            ),
            Action::Rename => (
                Ask::Rename {
                    code: unit.code.clone(),
                },
                format!("{} {} 的新名称：", unit.code, unit.name),
                MAX_NAME,
            ),
            Action::MoveUnit => (
                Ask::Parent {
                    code: unit.code.clone(),
                },
                format!("{} {} 的新上级（代码或名称）：", unit.code, unit.name),
                MAX_NAME,
            ),
            Action::Retire => {
                let q = format!(
                    "撤销单位 {} {}（连同其下级单位）？其下须已无在用账号和未办结的名单。",
                    unit.code, unit.name
                );
                self.confirm = Some(Confirm::new(UnitOp::Retire(unit.code), q));
                return Vec::new();
            }
            a => {
                self.selected = step(self.selected, len, a, cx.page());
                return Vec::new();
            }
        };
        self.asking = Some(Prompt::new(ask, label, limit));
        Vec::new()
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> Vec<Effect> {
        match msg {
            DataMsg::Units { result } => {
                match result {
                    Ok(tree) => {
                        self.tree = Some(tree.clone());
                        self.error = None;
                        self.selected = self.selected.min(self.shown().len().saturating_sub(1));
                    }
                    Err(e) => self.error = Some(e.clone()),
                }
                Vec::new()
            }
            DataMsg::UnitDone { result } => {
                self.message = Some(outcome(result));
                self.load()
            }
            _ => Vec::new(),
        }
    }

    fn reload(&mut self, _cx: &Cx) -> Vec<Effect> {
        self.load()
    }

    fn topics(&self) -> &'static [Topic] {
        &[Topic::Units, Topic::Accounts]
    }

    fn filter(&self) -> Option<&str> {
        Some(&self.filter)
    }

    fn set_filter(&mut self, text: &str, _cx: &Cx) -> Vec<Effect> {
        self.filter = text.trim().to_string();
        self.selected = 0;
        Vec::new()
    }

    fn editing(&self) -> bool {
        self.asking.is_some() || self.confirm.is_some()
    }

    fn input_key(&mut self, k: KeyEvent, _cx: &Cx) -> Vec<Effect> {
        if self.confirm.is_some() {
            return match Confirm::answer(&mut self.confirm, &k) {
                Some(op) => vec![Effect::Load(Request::UnitOp(op))],
                None => Vec::new(),
            };
        }
        let Some(prompt) = self.asking.as_mut() else {
            return Vec::new();
        };
        let text = match prompt.key(&k) {
            Typed::Editing => return Vec::new(),
            Typed::Cancelled => {
                self.asking = None;
                return Vec::new();
            }
            Typed::Entered(text) => text,
        };
        if text.is_empty() {
            self.message = Some((false, "请输入内容，或按 Esc 取消".into()));
            return Vec::new();
        }
        let what = prompt.what.clone();
        self.asking = None;
        self.message = None;
        let (op, q) = match what {
            Ask::Code { parent } => {
                let label = format!("新单位 {text} 的名称：");
                self.asking = Some(Prompt::new(
                    Ask::Name { parent, code: text },
                    label,
                    MAX_NAME,
                ));
                return Vec::new();
            }
            Ask::Name { parent, code } => {
                let q = format!("在 {} 下新增单位 {code} {text}？", self.named(&parent));
                let op = UnitOp::Add {
                    code,
                    name: text,
                    parent,
                };
                (op, q)
            }
            Ask::Rename { code } => {
                let q = format!("将 {} 改名为 {text}？", self.named(&code));
                (UnitOp::Rename { code, name: text }, q)
            }
            Ask::Parent { code } => {
                let q = format!("将 {} 调至 {text} 之下？", self.named(&code));
                (UnitOp::Move { code, parent: text }, q)
            }
        };
        self.confirm = Some(Confirm::new(op, q));
        Vec::new()
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        if let Some(p) = self.asking.as_mut() {
            p.paste(text);
        }
        Vec::new()
    }

    fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        let [main, status] = with_status(area);
        self.draw_tree(f, main, look);
        draw_status(f, status, look, self.asking.as_ref(), self.message.as_ref());
        if let Some(c) = &self.confirm {
            c.draw(f, area, look, "确定");
        }
    }
}

impl Units {
    fn load(&self) -> Vec<Effect> {
        vec![Effect::Load(Request::Units)]
    }

    /// The rows shown: retired ones only when asked, and those matching the filter.
    fn shown(&self) -> Vec<&UnitInfo> {
        let Some(tree) = &self.tree else {
            return Vec::new();
        };
        let f = self.filter.to_lowercase();
        tree.iter()
            .filter(|u| self.retired || !u.retired)
            .filter(|u| {
                f.is_empty() || u.code.to_lowercase().contains(&f) || u.name.contains(&self.filter)
            })
            .collect()
    }

    /// "CODE 名称" of a unit in the tree (the code alone if it is not there).
    fn named(&self, code: &str) -> String {
        self.tree
            .iter()
            .flatten()
            .find(|u| u.code == code)
            .map_or_else(|| code.to_string(), |u| format!("{} {}", u.code, u.name))
    }

    fn title(&self, shown: usize) -> String {
        let mut parts = vec!["单位".to_string(), format!("{shown} 个")];
        parts.push(if self.retired {
            "含已撤销".into()
        } else {
            "不含已撤销".into()
        });
        if !self.filter.is_empty() {
            parts.push(format!("筛选：{}", self.filter));
        }
        parts.join(" · ")
    }

    fn draw_tree(&self, f: &mut Frame, area: Rect, look: &Look) {
        let th = look.theme;
        if self.tree.is_none() {
            let text = match &self.error {
                Some(e) => Span::styled(format!("出错：{e}"), th.danger()),
                None => Span::styled("正在加载…", th.muted()),
            };
            f.render_widget(Paragraph::new(text).block(look.block("单位", true)), area);
            return;
        }
        let shown = self.shown();
        let title = self.title(shown.len());
        let widths = [
            Constraint::Length(12),
            Constraint::Min(20),
            Constraint::Length(6),
            Constraint::Length(8),
        ];
        let w = column_widths(area, &widths, 1, look.selected_symbol());
        let rows: Vec<Row> = shown
            .iter()
            .map(|u| {
                let indent = "  ".repeat(u.level.saturating_sub(1));
                let style = if u.retired { th.muted() } else { th.text() };
                Row::new(vec![
                    Cell::from(ellipsis(&u.code, w[0])),
                    Cell::from(ellipsis(&format!("{indent}{}", u.name), w[1])),
                    Cell::from(if u.retired { "已撤销" } else { "在用" }),
                    Cell::from(u.learners.to_string()),
                ])
                .style(style)
            })
            .collect();
        let table = Table::new(rows, widths)
            .header(Row::new(["代码", "单位名称", "状态", "学员数"]).style(th.title(false)))
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
    b(&[C('/')], "/", "按代码或名称筛选", Action::Filter, true),
    b(&[C('a')], "a", "新增下级单位", Action::AddChild, true),
    b(&[C('e')], "e", "单位改名", Action::Rename, true),
    b(&[C('m')], "m", "调整隶属关系", Action::MoveUnit, true),
    b(&[C('x')], "x", "撤销单位", Action::Retire, true),
    b(
        &[C('v')],
        "v",
        "显示 / 隐藏已撤销单位",
        Action::ShowRetired,
        false,
    ),
];
