//! 参评变动 (issue 11), opened with `p` from the 账号 tab, the office only: the pending exemption
//! requests of the units, which the office approves (`o`, then y) or refuses (`x`, a reason,
//! then y), and every change of the year that touched who is assessed, by unit, with whether it
//! takes the learner out of the year (RULES.md "Who counts in a year").

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table};

use crate::rules::calendar::{date_cst, datetime_cst};
use crate::tui::data::{DataMsg, ExemptionOp, Population, Request};
use crate::tui::keys::{self, Action, Binding, C, Code, b};
use crate::tui::prompt::{Confirm, Prompt, Typed, draw_status, outcome};
use crate::tui::screens::step;
use crate::tui::widgets::{Look, column_widths, ellipsis, with_status};
use crate::tui::{Effect, KeyCode, KeyEvent};

/// Longest refusal reason typed.
const REASON_LIMIT: usize = 200;

#[derive(Debug)]
pub struct PopulationView {
    year: i32,
    data: Option<Population>,
    selected: usize,
    asking: Option<Prompt<i64>>,
    confirm: Option<Confirm<ExemptionOp>>,
    /// The last action's outcome or a load error: (succeeded, text).
    message: Option<(bool, String)>,
}

impl PopulationView {
    pub fn new(year: i32) -> PopulationView {
        PopulationView {
            year,
            data: None,
            selected: 0,
            asking: None,
            confirm: None,
            message: None,
        }
    }

    pub fn load(&self) -> Effect {
        Effect::Load(Request::Population(self.year))
    }

    pub fn editing(&self) -> bool {
        self.asking.is_some() || self.confirm.is_some()
    }

    /// Consumes this view's answers, with the loads they call for.
    pub fn on_data(&mut self, msg: &DataMsg) -> Option<Vec<Effect>> {
        match msg {
            DataMsg::Population { year, result } => {
                if *year == self.year {
                    match result {
                        Ok(p) => {
                            self.selected = self.selected.min(p.requests.len().saturating_sub(1));
                            self.data = Some(p.clone());
                        }
                        Err(e) => self.message = Some((false, e.clone())),
                    }
                }
                Some(Vec::new())
            }
            DataMsg::ExemptionDone { result } => {
                self.message = Some(outcome(result));
                Some(vec![self.load()])
            }
            _ => None,
        }
    }

    pub fn on_action(&mut self, action: Action) -> Vec<Effect> {
        let selected = self
            .data
            .as_ref()
            .and_then(|d| d.requests.get(self.selected))
            .map(|r| (r.id, r.username.clone()));
        match action {
            Action::YearPrev | Action::YearNext => {
                self.year += if action == Action::YearPrev { -1 } else { 1 };
                self.data = None;
                self.message = None;
                vec![self.load()]
            }
            Action::Approve | Action::Reject => {
                let Some((id, username)) = selected else {
                    self.message = Some((false, "没有待审批的免考核申请".into()));
                    return Vec::new();
                };
                self.message = None;
                if action == Action::Approve {
                    let q = format!("批准免考核申请 {id}（账号 {username}），自即日起免于考核？");
                    self.confirm = Some(Confirm::new(ExemptionOp::Approve(id), q));
                } else {
                    let label = format!("不批准申请 {id} 的理由：");
                    self.asking = Some(Prompt::new(id, label, REASON_LIMIT));
                }
                Vec::new()
            }
            a => {
                let len = self.data.as_ref().map_or(0, |d| d.requests.len());
                self.selected = step(self.selected, len, a, 5);
                Vec::new()
            }
        }
    }

    pub fn input_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if self.confirm.is_some() {
            return Confirm::answer(&mut self.confirm, &k)
                .map(|op| vec![Effect::Load(Request::ExemptionOp(op))])
                .unwrap_or_default();
        }
        let Some(prompt) = self.asking.as_mut() else {
            return Vec::new();
        };
        match prompt.key(&k) {
            Typed::Editing => {}
            Typed::Cancelled => self.asking = None,
            Typed::Entered(text) if text.is_empty() => {
                self.message = Some((false, "请写明不批准的理由".into()));
            }
            Typed::Entered(text) => {
                let id = prompt.what;
                self.asking = None;
                let q = format!("不批准免考核申请 {id}（理由：{text}）？");
                self.confirm = Some(Confirm::new(ExemptionOp::Refuse(id, text), q));
            }
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
        match &self.data {
            None => look.loading(f, main, &format!("{} 年度参评变动", self.year)),
            Some(d) => {
                let height = u16::try_from(d.requests.len().clamp(1, 6)).unwrap_or(6) + 3;
                let [top, bottom] =
                    Layout::vertical([Constraint::Length(height), Constraint::Min(4)]).areas(main);
                self.draw_requests(f, top, look, d);
                draw_changes(f, bottom, look, d);
            }
        }
        draw_status(f, status, look, self.asking.as_ref(), self.message.as_ref());
        if let Some(c) = &self.confirm {
            c.draw(f, area, look, "确定");
        }
    }

    fn draw_requests(&self, f: &mut Frame, area: Rect, look: &Look, d: &Population) {
        let th = look.theme;
        let title = format!(
            "待审批的免考核申请 · {} 条 · o 批准 · x 不批准",
            d.requests.len()
        );
        if d.requests.is_empty() {
            f.render_widget(
                Paragraph::new(Span::styled("（没有待审批的申请）", th.muted()))
                    .block(look.block(&title, true)),
                area,
            );
            return;
        }
        let widths = [
            Constraint::Length(6),
            Constraint::Length(12),
            Constraint::Length(8),
            Constraint::Min(10),
            Constraint::Min(10),
            Constraint::Length(12),
            Constraint::Length(10),
        ];
        let w = column_widths(area, &widths, 1, look.selected_symbol());
        let rows: Vec<TableRow> = d
            .requests
            .iter()
            .map(|r| {
                TableRow::new(vec![
                    Cell::from(r.id.to_string()),
                    Cell::from(ellipsis(&r.username, w[1])),
                    Cell::from(ellipsis(&r.real_name, w[2])),
                    Cell::from(ellipsis(&r.unit_name, w[3])),
                    Cell::from(ellipsis(&r.reason, w[4])),
                    Cell::from(ellipsis(&r.requested_by, w[5])),
                    Cell::from(date_cst(r.requested_at)),
                ])
            })
            .collect();
        let table = Table::new(rows, widths)
            .header(
                TableRow::new(["申请号", "用户名", "姓名", "单位", "原因", "申请人", "日期"])
                    .style(th.title(false)),
            )
            .block(look.block(&title, true));
        look.pick_table(f, area, table, Some(self.selected));
    }
}

fn draw_changes(f: &mut Frame, area: Rect, look: &Look, d: &Population) {
    let th = look.theme;
    let removed = d.changes.iter().filter(|c| c.removes_from_year).count();
    let title = format!(
        "{} 年度参评人员变动 · {} 条，移出本年度 {removed} 条 · [ ] 换年度 · Esc 返回",
        d.year,
        d.changes.len()
    );
    if d.changes.is_empty() {
        f.render_widget(
            Paragraph::new(Span::styled("（本年度没有变动）", th.muted()))
                .block(look.block(&title, false)),
            area,
        );
        return;
    }
    let widths = [
        Constraint::Min(10),
        Constraint::Length(12),
        Constraint::Length(8),
        Constraint::Length(10),
        Constraint::Min(14),
        Constraint::Length(16),
        Constraint::Length(12),
        Constraint::Length(6),
        Constraint::Min(6),
    ];
    let w = column_widths(area, &widths, 1, "");
    let rows: Vec<TableRow> = d
        .changes
        .iter()
        .map(|c| {
            let removes = if c.removes_from_year {
                Span::styled("移出", th.warn())
            } else {
                Span::styled("仍参评", th.muted())
            };
            TableRow::new(vec![
                Cell::from(ellipsis(&c.unit_name, w[0])),
                Cell::from(ellipsis(&c.username, w[1])),
                Cell::from(ellipsis(&c.real_name, w[2])),
                Cell::from(ellipsis(c.change.label(), w[3])),
                Cell::from(ellipsis(&format!("{} → {}", c.from, c.to), w[4])),
                Cell::from(datetime_cst(c.effective_at)),
                Cell::from(ellipsis(&c.actor, w[6])),
                Cell::from(removes),
                Cell::from(ellipsis(&c.reason, w[8])),
            ])
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(
            TableRow::new([
                "单位",
                "用户名",
                "姓名",
                "变动",
                "变动前 → 后",
                "生效时间",
                "操作人",
                "本年度",
                "原因",
            ])
            .style(th.title(false)),
        )
        .block(look.block(&title, false));
    f.render_widget(table, area);
}

/// The keys of this screen: they decide what a key does and feed the footer and the help.
pub const KEYS: &[Binding] = &[
    keys::MOVE[0],
    keys::MOVE[1],
    keys::MOVE[2],
    b(&[C('o')], "o", "批准所选免考核申请", Action::Approve, true),
    b(
        &[C('x')],
        "x",
        "不批准所选申请，须填理由",
        Action::Reject,
        true,
    ),
    b(
        &[C('['), C(']')],
        "[ ]",
        "上一年 / 下一年",
        Action::YearPrev,
        true,
    ),
    b(
        &[Code(KeyCode::Esc)],
        "Esc",
        "返回账号列表",
        Action::Back,
        true,
    ),
];
