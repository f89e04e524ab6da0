//! 总览: the year's results of a scope (assessed, compliant, rate, average, short in required
//! credits), compliance by child unit as bars, weekly credits as a sparkline; Enter drills into
//! a child unit and Esc climbs back (a stack of scopes).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Sparkline, Table};

use crate::app::changes::Topic;
use crate::app::units::UnitLine;
use crate::rules::calendar::date_cst;
use crate::rules::standing::format_rate;
use crate::tui::data::{Dashboard as Data, DataMsg, Request};
use crate::tui::keys::{self, Action, Binding, C, Code, b};
use crate::tui::screen::{Cx, Focus, Note, Screen};
use crate::tui::widgets::{ASCII_BARS, Look, column_widths, ellipsis};
use crate::tui::{Effect, KeyCode, screens::step};

/// How the unit list is ordered: as the tree lists them, by rank, or by rate (highest first).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum UnitOrder {
    #[default]
    Tree,
    Rank,
    Rate,
}

impl UnitOrder {
    fn next(self) -> UnitOrder {
        match self {
            UnitOrder::Tree => UnitOrder::Rank,
            UnitOrder::Rank => UnitOrder::Rate,
            UnitOrder::Rate => UnitOrder::Tree,
        }
    }

    fn label(self) -> Option<&'static str> {
        match self {
            UnitOrder::Tree => None,
            UnitOrder::Rank => Some("按排名"),
            UnitOrder::Rate => Some("按达标率"),
        }
    }
}

#[derive(Debug, Default)]
pub struct Dashboard {
    /// The unit list's order; kept when drilling in and out.
    order: UnitOrder,
    /// Scopes drilled into; the first is the actor's own scope (None).
    stack: Vec<Option<String>>,
    data: Option<Data>,
    loading: bool,
    error: Option<String>,
    selected: usize,
    filter: String,
}

impl Screen for Dashboard {
    fn new(_cx: &Cx) -> Dashboard {
        Dashboard {
            stack: vec![None],
            ..Dashboard::default()
        }
    }

    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        match action {
            Action::YearPrev | Action::YearNext => {
                let step = if action == Action::YearNext { 1 } else { -1 };
                cx.note(Note::Year(cx.year + step));
                Vec::new()
            }
            Action::UnitRoster => {
                if let Some(focus) = self.selected_unit() {
                    cx.note(Note::ShowUnit(focus));
                }
                Vec::new()
            }
            a => self.list_action(a, cx.year),
        }
    }

    fn on_data(&mut self, msg: &DataMsg, cx: &mut Cx) -> Vec<Effect> {
        if self.take(msg, cx.year) && self.depth() == 1 {
            cx.note(Note::ScopeUnits(self.child_units()));
        }
        Vec::new()
    }

    fn reload(&mut self, cx: &Cx) -> Vec<Effect> {
        self.load(cx.year)
    }

    fn year_changed(&mut self, cx: &Cx) -> Vec<Effect> {
        self.load(cx.year)
    }

    fn topics(&self) -> &'static [Topic] {
        &[
            Topic::Ledger,
            Topic::Accounts,
            Topic::Population,
            Topic::Units,
            Topic::Settings,
        ]
    }

    fn filter(&self) -> Option<&str> {
        Some(&self.filter)
    }

    fn set_filter(&mut self, text: &str, _cx: &Cx) -> Vec<Effect> {
        self.filter = text.to_string();
        self.selected = 0;
        Vec::new()
    }

    fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        self.draw_all(f, area, look);
    }
}

impl Dashboard {
    pub fn unit_code(&self) -> Option<String> {
        self.stack.last().cloned().flatten()
    }

    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    /// Reloads the current scope for a year.
    pub fn load(&mut self, year: i32) -> Vec<Effect> {
        self.loading = true;
        vec![Effect::Load(Request::Dashboard {
            year,
            unit_code: self.unit_code(),
        })]
    }

    fn visible(&self) -> Vec<&UnitLine> {
        let Some(d) = &self.data else {
            return Vec::new();
        };
        let mut lines: Vec<&UnitLine> = d
            .lines
            .iter()
            .filter(|l| self.filter.is_empty() || l.unit_name.contains(&self.filter))
            .collect();
        // Stable sorts: ties keep the tree's order. Rank 0 (nobody assessed) goes last.
        match self.order {
            UnitOrder::Tree => {}
            UnitOrder::Rank => lines.sort_by_key(|l| (l.rank == 0, l.rank)),
            UnitOrder::Rate => {
                // Equal rates: the better rank (average credits) first.
                lines.sort_by_key(|l| {
                    (
                        std::cmp::Reverse(l.tally.rate_permille()),
                        l.rank == 0,
                        l.rank,
                    )
                });
            }
        }
        lines
    }

    fn list_action(&mut self, action: Action, year: i32) -> Vec<Effect> {
        match action {
            Action::Open => {
                let Some(line) = self.visible().get(self.selected).copied() else {
                    return Vec::new();
                };
                // The "（本级）" line is the scope itself: nothing below to open.
                if self
                    .data
                    .as_ref()
                    .is_some_and(|d| d.scope_code == line.unit_code)
                {
                    return Vec::new();
                }
                let code = line.unit_code.clone();
                self.stack.push(Some(code));
                self.reset();
                self.load(year)
            }
            Action::Back if self.stack.len() > 1 => {
                self.stack.pop();
                self.reset();
                self.load(year)
            }
            Action::Back => Vec::new(),
            Action::SortNext => {
                self.order = self.order.next();
                self.selected = 0;
                Vec::new()
            }
            a => {
                self.selected = step(self.selected, self.visible().len(), a, 10);
                Vec::new()
            }
        }
    }

    fn reset(&mut self) {
        self.data = None;
        self.selected = 0;
        self.filter.clear();
        self.error = None;
    }

    /// Takes an answer if it is for the scope and year shown; returns whether it was taken.
    fn take(&mut self, msg: &DataMsg, year: i32) -> bool {
        let DataMsg::Dashboard {
            year: y,
            unit_code,
            result,
        } = msg
        else {
            return false;
        };
        if *y != year || *unit_code != self.unit_code() {
            return false;
        }
        self.loading = false;
        match result {
            Ok(d) => {
                self.data = Some(d.clone());
                self.error = None;
                self.selected = self.selected.min(d.lines.len().saturating_sub(1));
            }
            Err(e) => self.error = Some(e.clone()),
        }
        true
    }

    /// The child units of the shown scope, for the roster's unit filter.
    pub fn child_units(&self) -> Vec<(String, String)> {
        self.data
            .as_ref()
            .map(|d| {
                d.lines
                    .iter()
                    .filter(|l| l.unit_code != d.scope_code)
                    .map(|l| (l.unit_code.clone(), l.unit_name.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The selected line as a roster filter: its unit code and name, and whether it is the
    /// "（本级）" line (the scope's own members, not the units below).
    pub fn selected_unit(&self) -> Option<Focus> {
        let line = self.visible().get(self.selected).copied()?;
        let own = self
            .data
            .as_ref()
            .is_some_and(|d| d.scope_code == line.unit_code);
        Some(Focus {
            code: line.unit_code.clone(),
            name: line.unit_name.clone(),
            own_only: own,
        })
    }

    pub fn scope_name(&self) -> Option<&str> {
        self.data.as_ref().map(|d| d.scope_name.as_str())
    }

    fn draw_all(&self, f: &mut Frame, area: Rect, look: &Look) {
        let Some(d) = &self.data else {
            let text = match (&self.error, self.loading) {
                (Some(e), _) => Span::styled(format!("出错：{e}"), look.theme.danger()),
                (None, _) => Span::styled("正在加载…", look.theme.muted()),
            };
            f.render_widget(Paragraph::new(text).block(look.block("总览", true)), area);
            return;
        };
        let [summary, units, weekly] = Layout::vertical([
            Constraint::Length(4),
            Constraint::Min(5),
            Constraint::Length(5),
        ])
        .areas(area);
        self.draw_summary(f, summary, look, d);
        self.draw_units(f, units, look, d);
        draw_weekly(f, weekly, look, d);
    }

    fn draw_summary(&self, f: &mut Frame, area: Rect, look: &Look, d: &Data) {
        let t = &d.overall;
        let th = look.theme;
        let back = if self.stack.len() > 1 {
            "   （Esc 返回上级）"
        } else {
            ""
        };
        let lines = vec![
            Line::from(vec![
                Span::styled("参加考核 ", th.muted()),
                Span::styled(format!("{} 人", t.assessed), th.text()),
                Span::styled("   达标 ", th.muted()),
                Span::styled(format!("{} 人", t.compliant), th.ok()),
                Span::styled("   达标率 ", th.muted()),
                Span::styled(format_rate(t.rate_permille()), th.text()),
            ]),
            Line::from(vec![
                Span::styled("平均学分 ", th.muted()),
                Span::styled(t.average().to_string(), th.text()),
                Span::styled("   必修学分不足 ", th.muted()),
                Span::styled(format!("{} 人", t.short_required), th.warn()),
                Span::styled(back, th.muted()),
            ]),
        ];
        let title = format!("{} · {} 年", d.scope_name, d.year);
        f.render_widget(Paragraph::new(lines).block(look.block(&title, false)), area);
    }

    fn draw_units(&self, f: &mut Frame, area: Rect, look: &Look, d: &Data) {
        let th = look.theme;
        let bar_width = if area.width >= 100 { 20 } else { 10 };
        let widths = [
            Constraint::Min(14),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(bar_width as u16 + 7),
            Constraint::Length(8),
            Constraint::Length(4),
        ];
        let name_width = column_widths(area, &widths, 1, look.selected_symbol())[0];
        let lines = self.visible();
        let rows: Vec<Row> = lines
            .iter()
            .map(|l| {
                let rate = l.tally.rate_permille();
                Row::new(vec![
                    Cell::from(ellipsis(&l.unit_name, name_width)),
                    Cell::from(l.tally.assessed.to_string()),
                    Cell::from(l.tally.compliant.to_string()),
                    Cell::from(Line::from(vec![
                        look.rate_bar(rate, bar_width),
                        Span::raw(" "),
                        Span::styled(format_rate(rate), th.text()),
                    ])),
                    Cell::from(l.tally.average().to_string()),
                    Cell::from(l.rank.to_string()),
                ])
            })
            .collect();
        let header = Row::new(["下级单位", "考核", "达标", "达标率", "平均学分", "排名"])
            .style(th.title(false));
        let mut title = "各下级单位达标率".to_string();
        if let Some(order) = self.order.label() {
            title.push_str(&format!(" · {order}"));
        }
        if !self.filter.is_empty() {
            title.push_str(&format!("（筛选：{}）", self.filter));
        }
        let table = Table::new(rows, widths)
            .header(header)
            .block(look.block(&title, true));
        if lines.is_empty() {
            let text = if d.lines.is_empty() {
                "本单位没有下级单位"
            } else {
                "没有符合筛选条件的单位"
            };
            f.render_widget(
                Paragraph::new(Span::styled(text, th.muted())).block(look.block(&title, true)),
                area,
            );
            return;
        }
        look.pick_table(f, area, table, Some(self.selected));
    }
}

fn draw_weekly(f: &mut Frame, area: Rect, look: &Look, d: &Data) {
    let values: Vec<u64> = d
        .weekly
        .iter()
        .map(|(_, t)| u64::try_from(t.0).unwrap_or(0))
        .collect();
    let total: crate::rules::Tenths = d.weekly.iter().map(|(_, t)| *t).sum();
    let title = match (d.weekly.first(), d.weekly.last()) {
        (Some(first), Some(last)) => format!(
            "每周获得学分（{} 至 {}，合计 {}）",
            date_cst(first.0),
            date_cst(last.0),
            total
        ),
        _ => "每周获得学分（本年度暂无）".to_string(),
    };
    let inner_width = usize::from(area.width.saturating_sub(2));
    // The most recent weeks that fit.
    let shown = &values[values.len().saturating_sub(inner_width)..];
    let mut spark = Sparkline::default()
        .data(shown)
        .style(look.theme.bar())
        .block(look.block(&title, false));
    if look.ascii {
        spark = spark.bar_set(ASCII_BARS);
    }
    f.render_widget(spark, area);
}

/// The keys of this screen: they decide what a key does and feed the footer and the help.
pub const KEYS: &[Binding] = &[
    keys::MOVE[0],
    keys::MOVE[1],
    keys::MOVE[2],
    b(
        &[C('['), C(']')],
        "[ ]",
        "上一年 / 下一年",
        Action::YearPrev,
        true,
    ),
    b(
        &[Code(KeyCode::Enter)],
        "Enter",
        "进入所选下级单位",
        Action::Open,
        true,
    ),
    b(
        &[Code(KeyCode::Esc)],
        "Esc",
        "返回上级单位",
        Action::Back,
        true,
    ),
    b(&[C('/')], "/", "筛选单位", Action::Filter, true),
    b(&[C('f')], "f", "看花名册", Action::UnitRoster, true),
    b(
        &[C('s')],
        "s",
        "单位排序：原顺序 / 按排名 / 按达标率",
        Action::SortNext,
        false,
    ),
];
