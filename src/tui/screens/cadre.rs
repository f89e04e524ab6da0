//! A cadre opened from the roster: profile, the year's standing and gap to the targets, the
//! archive (ledger entries with their rule text) and course progress.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::rules::calendar::date_cst;
use crate::rules::credits::format_duration;
use crate::tui::data::{Cadre as Data, DataMsg, Request};
use crate::tui::keys::{self, Action, Binding, Code, b};
use crate::tui::screens::step;
use crate::tui::widgets::{Look, column_widths, ellipsis};
use crate::tui::{Effect, KeyCode};

#[derive(Debug)]
pub struct Cadre {
    pub username: String,
    data: Option<Data>,
    error: Option<String>,
    selected: usize,
}

impl Cadre {
    pub fn new(username: &str) -> Cadre {
        Cadre {
            username: username.to_string(),
            data: None,
            error: None,
            selected: 0,
        }
    }

    pub fn load(&self, year: i32) -> Effect {
        Effect::Load(Request::Cadre {
            username: self.username.clone(),
            year,
        })
    }

    pub fn on_data(&mut self, msg: &DataMsg) -> bool {
        let DataMsg::Cadre { username, result } = msg else {
            return false;
        };
        self.take(username, result)
    }

    /// The archive of `username` read (false: another cadre's answer, dropped).
    pub fn take(&mut self, username: &str, result: &Result<Data, String>) -> bool {
        if username != self.username {
            return false;
        }
        match result {
            Ok(d) => self.data = Some(d.clone()),
            Err(e) => self.error = Some(e.clone()),
        }
        true
    }

    pub fn on_action(&mut self, action: Action) {
        let len = self.data.as_ref().map_or(0, |d| d.archive.entries.len());
        self.selected = step(self.selected, len, action, 5);
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        let th = look.theme;
        let Some(d) = &self.data else {
            let text = match &self.error {
                Some(e) => Span::styled(format!("出错：{e}"), th.danger()),
                None => Span::styled("正在加载…", th.muted()),
            };
            f.render_widget(
                Paragraph::new(text).block(look.block(&self.username, true)),
                area,
            );
            return;
        };
        let [profile, archive, progress] = Layout::vertical([
            Constraint::Length(5),
            Constraint::Fill(3),
            Constraint::Fill(2),
        ])
        .areas(area);
        self.draw_profile(f, profile, look, d);
        self.draw_archive(f, archive, look, d);
        draw_progress(f, progress, look, d);
    }

    fn draw_profile(&self, f: &mut Frame, area: Rect, look: &Look, d: &Data) {
        let th = look.theme;
        let a = &d.archive;
        let s = &d.standing;
        let gap = s.gap(&d.targets);
        let batch = a.batch.map_or("无".to_string(), |b| format!("第{b}批"));
        let exempt = if a.exempt {
            " · 省管干部（不参加考核）"
        } else {
            ""
        };
        let gap_text = if gap.is_closed() {
            Span::styled("已达标".to_string(), th.ok())
        } else {
            Span::styled(
                format!("尚差总学分 {}，其中必修 {}", gap.total, gap.required),
                th.warn(),
            )
        };
        let lines = vec![
            Line::from(vec![
                Span::styled(format!("{}（{}）", a.real_name, a.username), th.text()),
                Span::styled(
                    format!("  {} · {}{}", a.unit_name, batch, exempt),
                    th.muted(),
                ),
            ]),
            Line::from(vec![
                Span::styled(format!("{} 年：", d.year), th.muted()),
                Span::styled(
                    format!(
                        "必修 {}  选修 {}  考试 {}  合计 {}",
                        s.required,
                        s.elective,
                        s.exam,
                        s.total()
                    ),
                    th.text(),
                ),
            ]),
            Line::from(vec![
                Span::styled(
                    format!(
                        "目标：总学分 {}，必修 {}  ",
                        d.targets.total, d.targets.required
                    ),
                    th.muted(),
                ),
                look.yes_no(s.is_compliant(&d.targets)),
                Span::raw("  "),
                gap_text,
            ]),
        ];
        f.render_widget(Paragraph::new(lines).block(look.block("学员", true)), area);
    }

    fn draw_archive(&self, f: &mut Frame, area: Rect, look: &Look, d: &Data) {
        let th = look.theme;
        let widths = [
            Constraint::Length(10),
            Constraint::Length(8),
            Constraint::Length(6),
            Constraint::Length(5),
            Constraint::Min(20),
        ];
        let w = column_widths(area, &widths, 1, look.selected_symbol());
        let rows: Vec<Row> = d
            .archive
            .entries
            .iter()
            .map(|e| {
                let credits = if e.tenths.0 < 0 {
                    Span::styled(e.tenths.to_string(), th.danger())
                } else {
                    Span::styled(e.tenths.to_string(), th.text())
                };
                Row::new(vec![
                    Cell::from(date_cst(e.earned_at)),
                    Cell::from(e.kind.label()),
                    Cell::from(e.bucket.label()),
                    Cell::from(credits),
                    Cell::from(ellipsis(&e.rule, w[4])),
                ])
            })
            .collect();
        let title = format!("电子档案（{} 条）", d.archive.entries.len());
        let table = Table::new(rows, widths)
            .header(Row::new(["日期", "类型", "类别", "学分", "依据"]).style(th.title(false)))
            .block(look.block(&title, false));
        look.pick_table(f, area, table, Some(self.selected));
    }
}

fn draw_progress(f: &mut Frame, area: Rect, look: &Look, d: &Data) {
    let th = look.theme;
    let widths = [
        Constraint::Min(16),
        Constraint::Length(20),
        Constraint::Length(5),
        Constraint::Length(9),
    ];
    let w = column_widths(area, &widths, 1, "");
    let rows: Vec<Row> = d
        .progress
        .iter()
        .map(|p| {
            let done = match (p.completed_at, look.ascii) {
                (Some(_), false) => Span::styled("✓ 已完成", th.ok()),
                (Some(_), true) => Span::styled("是", th.ok()),
                (None, false) => Span::styled("… 学习中", th.warn()),
                (None, true) => Span::styled("否", th.warn()),
            };
            Row::new(vec![
                Cell::from(ellipsis(&p.title, w[0])),
                Cell::from(format!(
                    "{} / {}",
                    format_duration(p.watched_s),
                    format_duration(p.duration_s)
                )),
                Cell::from(format!("{}%", p.percent())),
                Cell::from(done),
            ])
        })
        .collect();
    let title = format!("课程学习进度（{} 门）", d.progress.len());
    if d.progress.is_empty() {
        let text = Span::styled("暂无在线学习记录", th.muted());
        f.render_widget(Paragraph::new(text).block(look.block(&title, false)), area);
        return;
    }
    let table = Table::new(rows, widths)
        .header(Row::new(["课程", "已看 / 时长", "进度", "完成"]).style(th.title(false)))
        .block(look.block(&title, false));
    f.render_widget(table, area);
}

/// The keys of this screen: they decide what a key does and feed the footer and the help.
pub const KEYS: &[Binding] = &[
    keys::MOVE[0],
    keys::MOVE[1],
    keys::MOVE[3],
    b(
        &[Code(KeyCode::Esc)],
        "Esc",
        "返回花名册",
        Action::Back,
        true,
    ),
];
