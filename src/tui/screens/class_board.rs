//! A class opened on the 培训班 tab: its board, members × courses, a page at a time from
//! `app::classes::board` (each cell done ✓ / outside the dates / percent watched / not started),
//! sorted by unit or by progress, filtered to those behind, with the class's completion and
//! graduation rates. Enter on a member opens their archive (the 花名册's cadre view). The
//! screen reloads it on `Topic::Classes` and `Topic::Ledger`, so it follows learners live.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row, Table};

use crate::app::classes::{Board, BoardQuery, BoardRow, BoardSort, ClassSummary, CourseCell};
use crate::rules::calendar::date_cst;
use crate::rules::standing::format_rate;
use crate::tui::data::{DataMsg, Request};
use crate::tui::keys::{self, Action, Binding, C, Code, b};
use crate::tui::screens::cadre::Cadre;
use crate::tui::widgets::{Look, column_widths, ellipsis};
use crate::tui::{Effect, KeyCode};

/// Rows asked for at once.
const PAGE: i64 = 50;
/// Cells a course column takes ("100%", "期外").
const COURSE_WIDTH: u16 = 5;

#[derive(Debug)]
pub struct ClassBoard {
    pub id: i64,
    query: BoardQuery,
    board: Option<Board>,
    error: Option<String>,
    /// The selected row of the page shown.
    selected: usize,
    /// The first course column shown (the others scroll in with < and >).
    first_course: usize,
    /// A member's archive, opened with Enter.
    member: Option<Cadre>,
}

impl ClassBoard {
    pub fn new(id: i64) -> ClassBoard {
        ClassBoard {
            id,
            query: BoardQuery {
                limit: PAGE,
                ..BoardQuery::default()
            },
            board: None,
            error: None,
            selected: 0,
            first_course: 0,
            member: None,
        }
    }

    pub fn load(&self, year: i32) -> Vec<Effect> {
        let mut out = vec![Effect::Load(Request::Board {
            id: self.id,
            query: self.query,
        })];
        out.extend(self.member.as_ref().map(|m| m.load_for_class(year)));
        out
    }

    /// The class as the board last read it (for the `may_*` questions).
    pub fn class(&self) -> Option<&ClassSummary> {
        self.board.as_ref().map(|b| &b.class)
    }

    /// The member selected, if any (username, name).
    pub fn selected_member(&self) -> Option<&BoardRow> {
        self.board.as_ref()?.rows.get(self.selected)
    }

    pub fn member_open(&self) -> bool {
        self.member.is_some()
    }

    pub fn keys(&self) -> &'static [Binding] {
        match self.member {
            Some(_) => crate::tui::screens::cadre::KEYS,
            None => KEYS,
        }
    }

    /// Takes a board page or a member's archive; false when the answer is not this board's.
    pub fn on_data(&mut self, msg: &DataMsg) -> bool {
        match msg {
            DataMsg::Board { id, query, result } if *id == self.id && *query == self.query => {
                match result {
                    Ok(b) => {
                        self.selected = self.selected.min(b.rows.len().saturating_sub(1));
                        self.first_course =
                            self.first_course.min(b.courses.len().saturating_sub(1));
                        self.board = Some(b.clone());
                        self.error = None;
                    }
                    Err(e) => self.error = Some(e.clone()),
                }
                true
            }
            DataMsg::ClassCadre { username, result } => {
                if let Some(m) = self.member.as_mut() {
                    m.take(username, result);
                }
                true
            }
            _ => false,
        }
    }

    /// A board action; the effects it calls for (a page, an archive).
    pub fn on_action(&mut self, action: Action, year: i32, page: usize) -> Vec<Effect> {
        if let Some(m) = self.member.as_mut() {
            if action == Action::Back {
                self.member = None;
            } else {
                m.on_action(action);
            }
            return Vec::new();
        }
        let rows = self.board.as_ref().map_or(0, |b| b.rows.len());
        let total = self.board.as_ref().map_or(0, |b| b.total_rows);
        match action {
            Action::Open => {
                let Some(row) = self.selected_member() else {
                    return Vec::new();
                };
                let m = Cadre::new(row.username.as_str());
                let load = m.load_for_class(year);
                self.member = Some(m);
                vec![load]
            }
            Action::SortNext => {
                self.query.sort = match self.query.sort {
                    BoardSort::Unit => BoardSort::ProgressAsc,
                    BoardSort::ProgressAsc => BoardSort::ProgressDesc,
                    BoardSort::ProgressDesc => BoardSort::Unit,
                };
                self.restart(year)
            }
            Action::StatusCycle => {
                self.query.behind_only = !self.query.behind_only;
                self.restart(year)
            }
            Action::YearPrev => {
                self.first_course = self.first_course.saturating_sub(1);
                Vec::new()
            }
            Action::YearNext => {
                let courses = self.board.as_ref().map_or(0, |b| b.courses.len());
                self.first_course = (self.first_course + 1).min(courses.saturating_sub(1));
                Vec::new()
            }
            // Past the page's ends: the next or previous page.
            Action::Down | Action::PageDown
                if self.selected + 1 >= rows && self.query.offset + PAGE < total =>
            {
                self.query.offset += PAGE;
                self.selected = 0;
                self.load(year)
            }
            Action::Up | Action::PageUp if self.selected == 0 && self.query.offset > 0 => {
                self.query.offset = (self.query.offset - PAGE).max(0);
                self.selected = usize::try_from(PAGE - 1).unwrap_or(0);
                self.load(year)
            }
            a => {
                self.selected = super::step(self.selected, rows, a, page);
                Vec::new()
            }
        }
    }

    fn restart(&mut self, year: i32) -> Vec<Effect> {
        self.query.offset = 0;
        self.selected = 0;
        self.load(year)
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        if let Some(m) = &self.member {
            m.draw(f, area, look);
            return;
        }
        let th = look.theme;
        let Some(board) = &self.board else {
            let text = match &self.error {
                Some(e) => Span::styled(format!("出错：{e}"), th.danger()),
                None => Span::styled("正在加载…", th.muted()),
            };
            f.render_widget(Paragraph::new(text).block(look.block("培训班", true)), area);
            return;
        };
        let c = &board.class;
        let title = format!(
            "「{}」 · {} · {} 至 {}",
            c.title,
            c.status.label(),
            c.dates.first_day(),
            c.dates.last_day()
        );
        let block = look.block(&title, true);
        let inner = block.inner(area);
        f.render_widget(block, area);
        let [head, table] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
        let sort = match self.query.sort {
            BoardSort::Unit => "按单位",
            BoardSort::ProgressAsc => "进度少的在前",
            BoardSort::ProgressDesc => "进度多的在前",
        };
        let mut facts = format!(
            "学员 {} · 课程 {} · 完成率 {} · 结业率 {} · {sort}",
            c.members,
            c.courses,
            format_rate(c.completion_rate),
            format_rate(c.graduation_rate),
        );
        if self.query.behind_only {
            facts.push_str(" · 只看落后");
        }
        let from = self.query.offset + 1;
        let to = self.query.offset + board.rows.len() as i64;
        if board.total_rows > 0 {
            facts.push_str(&format!(" · 第 {from}–{to} 行/共 {}", board.total_rows));
        }
        f.render_widget(
            Paragraph::new(Span::styled(ellipsis(&facts, head.width), th.muted())),
            head,
        );
        self.draw_table(f, table, look, board);
    }

    fn draw_table(&self, f: &mut Frame, area: Rect, look: &Look, board: &Board) {
        let th = look.theme;
        // Name, unit, the course columns that fit, done, graduation.
        let fixed = 8 + 12 + 5 + 10 + 5;
        let room = area.width.saturating_sub(fixed + 2);
        let fit = usize::from((room / (COURSE_WIDTH + 1)).max(1));
        let shown: Vec<usize> = (self.first_course..board.courses.len()).take(fit).collect();
        let mut widths = vec![Constraint::Length(8), Constraint::Length(12)];
        widths.extend(shown.iter().map(|_| Constraint::Length(COURSE_WIDTH)));
        widths.extend([Constraint::Length(5), Constraint::Min(10)]);
        let w = column_widths(area, &widths, 1, look.selected_symbol());
        let mut header = vec![Cell::from("姓名"), Cell::from("单位")];
        for (n, &i) in shown.iter().enumerate() {
            header.push(Cell::from(ellipsis(&board.courses[i].code, w[2 + n])));
        }
        header.push(Cell::from("完成"));
        let more = board
            .courses
            .len()
            .saturating_sub(self.first_course + shown.len());
        header.push(Cell::from(match (self.first_course, more) {
            (0, 0) => "结业".to_string(),
            (l, r) => format!("结业 <{l} {r}>"),
        }));
        let rows: Vec<Row> = board
            .rows
            .iter()
            .map(|r| {
                let mut cells = vec![
                    Cell::from(ellipsis(&r.name, w[0])),
                    Cell::from(ellipsis(&r.unit, w[1])),
                ];
                for &i in &shown {
                    cells.push(match r.cells.get(i) {
                        Some(CourseCell::Done(_)) => Cell::from(Span::styled("✓", th.ok())),
                        Some(CourseCell::Outside(_)) => Cell::from(Span::styled("期外", th.warn())),
                        Some(CourseCell::InProgress(p)) => Cell::from(format!("{p}%")),
                        Some(CourseCell::NotStarted) | None => {
                            Cell::from(Span::styled("未学", th.muted()))
                        }
                    });
                }
                cells.push(Cell::from(format!(
                    "{}/{}",
                    r.courses_done, r.courses_total
                )));
                cells.push(match r.graduated_at {
                    Some(at) if r.graduated => {
                        Cell::from(Span::styled(format!("✓ {}", date_cst(at)), th.ok()))
                    }
                    _ => Cell::from(Span::styled("未结业", th.muted())),
                });
                Row::new(cells)
            })
            .collect();
        if rows.is_empty() {
            let text = if self.query.behind_only {
                "没有落后的学员"
            } else {
                "还没有学员：按 a 按单位添加，按 + 查找添加"
            };
            f.render_widget(Paragraph::new(Span::styled(text, th.muted())), area);
            return;
        }
        let table = Table::new(rows, widths).header(Row::new(header).style(th.title(false)));
        look.pick_table(f, area, table, Some(self.selected));
    }
}

impl Cadre {
    /// The archive asked for by the 培训班 tab (its answer comes back to that tab).
    pub fn load_for_class(&self, year: i32) -> Effect {
        Effect::Load(Request::ClassCadre {
            username: self.username.clone(),
            year,
        })
    }
}

/// The board's keys (adding and removing members are carried out by the tab, `classes.rs`).
pub const KEYS: &[Binding] = &[
    Binding {
        help: "上下移动（到页尾翻页）",
        footer: false,
        ..keys::MOVE[0]
    },
    keys::MOVE[3],
    b(&[Code(KeyCode::Enter)], "Enter", "档案", Action::Open, true),
    b(&[C('s')], "s", "排序", Action::SortNext, true),
    b(&[C('f')], "f", "只看落后", Action::StatusCycle, true),
    b(
        &[C('<'), C('>')],
        "< >",
        "左右移动课程列",
        Action::YearPrev,
        false,
    ),
    b(&[C('a')], "a", "按单位添加", Action::AddByUnit, true),
    b(&[C('+')], "+", "添加一人", Action::AddPerson, true),
    b(
        &[C('p')],
        "p",
        "粘贴名单添加（用户名或身份证号，先逐行核对）",
        Action::AddList,
        false,
    ),
    b(
        &[Code(KeyCode::Delete), C('-')],
        "Del/-",
        "移出所选学员（须写原因）",
        Action::RemoveHeld,
        false,
    ),
    b(&[Code(KeyCode::Esc)], "Esc", "返回", Action::Back, true),
];
