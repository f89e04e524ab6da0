//! 花名册: the assessed cadres of the scope, fetched a page at a time as the user scrolls, sorted
//! by any column and filtered by text, child unit and status. Enter opens a cadre.

use std::collections::{HashMap, HashSet};

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table};

use crate::app::changes::Topic;
use crate::app::roster::{Page, Query, Row, SortKey, Status};
use crate::tui::data::{DataMsg, Request};
use crate::tui::keys::{self, Action, Binding, C, Code, b};
use crate::tui::screen::{Cx, Focus, Note, Screen};
use crate::tui::screens::cadre::{self, Cadre};
use crate::tui::widgets::{Look, column_widths, ellipsis};
use crate::tui::{Effect, KeyCode, screens::step};

/// Rows fetched per request.
pub const PAGE: u64 = 100;

const COLUMNS: [(SortKey, &str); 9] = [
    (SortKey::Username, "用户名"),
    (SortKey::Name, "姓名"),
    (SortKey::Unit, "单位"),
    (SortKey::Batch, "批次"),
    (SortKey::Required, "必修"),
    (SortKey::Elective, "选修"),
    (SortKey::Exam, "考试"),
    (SortKey::Total, "总学分"),
    (SortKey::Compliant, "达标"),
];

#[derive(Debug)]
pub struct Roster {
    /// The query without paging (offset 0, limit PAGE); pages vary only the offset.
    base: Query,
    unit_name: Option<String>,
    total: Option<u64>,
    pages: HashMap<u64, Vec<Row>>,
    pending: HashSet<u64>,
    selected: u64,
    top: u64,
    error: Option<String>,
    /// A cadre opened with Enter.
    cadre: Option<Cadre>,
}

impl Screen for Roster {
    fn new(cx: &Cx) -> Roster {
        Roster {
            base: Query {
                year: cx.year,
                unit_code: None,
                own_only: false,
                text: String::new(),
                status: Status::All,
                sort: SortKey::Unit,
                descending: false,
                offset: 0,
                limit: PAGE,
            },
            unit_name: None,
            total: None,
            pages: HashMap::new(),
            pending: HashSet::new(),
            selected: 0,
            top: 0,
            error: None,
            cadre: None,
        }
    }

    fn keys(&self) -> &'static [Binding] {
        match self.cadre {
            Some(_) => cadre::KEYS,
            None => KEYS,
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        if let Some(c) = self.cadre.as_mut() {
            if action == Action::Back {
                self.cadre = None;
            } else {
                c.on_action(action);
            }
            return Vec::new();
        }
        match action {
            Action::YearPrev | Action::YearNext => {
                let step = if action == Action::YearNext { 1 } else { -1 };
                cx.note(Note::Year(cx.year + step));
                Vec::new()
            }
            Action::Open => {
                let Some(row) = self.selected_row() else {
                    return Vec::new();
                };
                let cadre = Cadre::new(&row.username);
                let load = cadre.load(cx.year);
                self.cadre = Some(cadre);
                vec![load]
            }
            a => self.list_action(a, cx.height, &cx.scope_units),
        }
    }

    fn on_data(&mut self, msg: &DataMsg, cx: &mut Cx) -> Vec<Effect> {
        if let Some(c) = self.cadre.as_mut()
            && c.on_data(msg)
        {
            return Vec::new();
        }
        if self.take(msg) {
            return self.fetch(cx.height);
        }
        Vec::new()
    }

    /// The pages in view read again (the rows shown stay until their answers come), and the
    /// open cadre.
    fn reload(&mut self, cx: &Cx) -> Vec<Effect> {
        let kept = std::mem::take(&mut self.pages);
        let mut out = self.fetch(cx.height);
        self.pages = kept;
        out.extend(self.cadre.as_ref().map(|c| c.load(cx.year)));
        out
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
        Some(&self.base.text)
    }

    fn set_filter(&mut self, text: &str, cx: &Cx) -> Vec<Effect> {
        if self.base.text == text {
            return Vec::new();
        }
        self.base.text = text.to_string();
        self.restart(cx.height)
    }

    fn resized(&mut self, cx: &Cx) -> Vec<Effect> {
        self.scroll(cx.height);
        self.fetch(cx.height)
    }

    fn year_changed(&mut self, cx: &Cx) -> Vec<Effect> {
        self.base.year = cx.year;
        self.restart(cx.height)
    }

    /// Shows the members of one unit (and the units below it unless `own_only`), as 总览's `f`
    /// asks; the other filters stay.
    fn show_unit(&mut self, focus: Focus, cx: &Cx) -> Vec<Effect> {
        self.cadre = None;
        self.base.unit_code = Some(focus.code);
        self.base.own_only = focus.own_only;
        self.unit_name = Some(focus.name);
        self.restart(cx.height)
    }

    fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        match &self.cadre {
            Some(c) => c.draw(f, area, look),
            None => self.draw_list(f, area, look),
        }
    }
}

impl Roster {
    /// The username of the cadre open, if any.
    pub fn open_cadre(&self) -> Option<&str> {
        self.cadre.as_ref().map(|c| c.username.as_str())
    }

    pub fn query(&self) -> &Query {
        &self.base
    }

    /// Forgets every page (the query changed) and asks for what is on screen.
    fn restart(&mut self, height: u16) -> Vec<Effect> {
        self.total = None;
        self.pages.clear();
        self.pending.clear();
        self.selected = 0;
        self.top = 0;
        self.error = None;
        self.fetch(height)
    }

    pub fn filter(&self) -> &str {
        &self.base.text
    }

    /// Requests the pages covering the visible rows and half a page either side (so scrolling
    /// finds the next rows already there) that are neither loaded nor on their way, and forgets
    /// pages far from view, so paging through 100,000 rows keeps only a few pages in memory.
    pub fn fetch(&mut self, height: u16) -> Vec<Effect> {
        let rows = u64::from(visible_rows(height));
        let first = self.top.saturating_sub(PAGE / 2) / PAGE;
        let mut last = (self.top + rows + PAGE / 2) / PAGE;
        if let Some(total) = self.total {
            last = last.min(total.saturating_sub(1) / PAGE);
        }
        self.pages
            .retain(|page, _| *page + 1 >= first && *page <= last + 1);
        let mut out = Vec::new();
        for page in first..=last {
            if self.pages.contains_key(&page) || !self.pending.insert(page) {
                continue;
            }
            out.push(Effect::Load(Request::Roster(Query {
                offset: page * PAGE,
                ..self.base.clone()
            })));
        }
        out
    }

    /// Takes a page if it answers the query shown; returns whether it was taken.
    pub fn take(&mut self, msg: &DataMsg) -> bool {
        let DataMsg::Roster { query, result } = msg else {
            return false;
        };
        let same = Query {
            offset: 0,
            ..query.clone()
        } == self.base;
        if !same {
            return false;
        }
        let page = query.offset / PAGE;
        self.pending.remove(&page);
        match result {
            Ok(Page { total, rows }) => {
                if let Some(total) = *total {
                    self.total = Some(total);
                    self.selected = self.selected.min(total.saturating_sub(1));
                }
                self.pages.insert(page, rows.clone());
            }
            Err(e) => self.error = Some(e.clone()),
        }
        true
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.row(self.selected)
    }

    fn row(&self, i: u64) -> Option<&Row> {
        self.pages
            .get(&(i / PAGE))
            .and_then(|p| p.get(usize::try_from(i % PAGE).ok()?))
    }

    /// Handles a list action; `units` are the child units offered by the unit filter.
    pub fn list_action(
        &mut self,
        action: Action,
        height: u16,
        units: &[(String, String)],
    ) -> Vec<Effect> {
        match action {
            Action::SortNext => {
                let i = COLUMNS
                    .iter()
                    .position(|c| c.0 == self.base.sort)
                    .unwrap_or(0);
                self.base.sort = COLUMNS[(i + 1) % COLUMNS.len()].0;
                self.restart(height)
            }
            Action::SortReverse => {
                self.base.descending = !self.base.descending;
                self.restart(height)
            }
            Action::SortColumn(n) => {
                let Some(c) = COLUMNS.get(usize::from(n).saturating_sub(1)) else {
                    return Vec::new();
                };
                if self.base.sort == c.0 {
                    self.base.descending = !self.base.descending;
                } else {
                    self.base.sort = c.0;
                    self.base.descending = false;
                }
                self.restart(height)
            }
            Action::StatusCycle => {
                self.base.status = match self.base.status {
                    Status::All => Status::Compliant,
                    Status::Compliant => Status::Noncompliant,
                    Status::Noncompliant => Status::All,
                };
                self.restart(height)
            }
            Action::UnitCycle => {
                let next = match &self.base.unit_code {
                    None => units.first(),
                    Some(code) => units
                        .iter()
                        .position(|(c, _)| c == code)
                        .and_then(|i| units.get(i + 1)),
                };
                self.base.unit_code = next.map(|(c, _)| c.clone());
                self.base.own_only = false;
                self.unit_name = next.map(|(_, n)| n.clone());
                self.restart(height)
            }
            a => {
                let len = usize::try_from(self.total.unwrap_or(0)).unwrap_or(usize::MAX);
                let current = usize::try_from(self.selected).unwrap_or(0);
                let page = usize::from(visible_rows(height));
                self.selected = step(current, len, a, page) as u64;
                self.scroll(height);
                self.fetch(height)
            }
        }
    }

    /// Keeps the selection on screen.
    pub fn scroll(&mut self, height: u16) {
        let rows = u64::from(visible_rows(height)).max(1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + rows {
            self.top = self.selected + 1 - rows;
        }
    }

    fn draw_list(&self, f: &mut Frame, area: Rect, look: &Look) {
        let th = look.theme;
        let title = self.title(look);
        if let Some(e) = &self.error {
            let text = Span::styled(format!("出错：{e}"), th.danger());
            f.render_widget(Paragraph::new(text).block(look.block(&title, true)), area);
            return;
        }
        let header = TableRow::new(COLUMNS.iter().enumerate().map(|(i, (key, label))| {
            let mark = match (*key == self.base.sort, self.base.descending, look.ascii) {
                (false, _, _) => "",
                (true, false, false) => "↑",
                (true, true, false) => "↓",
                (true, false, true) => "^",
                (true, true, true) => "v",
            };
            Cell::from(format!("{}{label}{mark}", i + 1))
        }))
        .style(th.title(false));
        let rows_shown = u64::from(area.height.saturating_sub(3));
        let end = self
            .total
            .map_or(self.top, |t| t.min(self.top + rows_shown));
        let widths = [
            Constraint::Length(12),
            Constraint::Length(8),
            Constraint::Min(8),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Length(5),
            Constraint::Length(8),
            Constraint::Length(8),
        ];
        let w = column_widths(area, &widths, 1, look.selected_symbol());
        let rows: Vec<TableRow> = (self.top..end)
            .map(|i| match self.row(i) {
                Some(r) => TableRow::new(vec![
                    Cell::from(ellipsis(&r.username, w[0])),
                    Cell::from(ellipsis(&r.real_name, w[1])),
                    Cell::from(ellipsis(&r.unit_name, w[2])),
                    Cell::from(r.batch.map(|b| b.to_string()).unwrap_or_default()),
                    Cell::from(r.standing.required.to_string()),
                    Cell::from(r.standing.elective.to_string()),
                    Cell::from(r.standing.exam.to_string()),
                    Cell::from(r.standing.total().to_string()),
                    Cell::from(look.yes_no(r.compliant)),
                ]),
                None => TableRow::new(vec![Cell::from(Span::styled("…", th.muted()))]),
            })
            .collect();
        let selected = self
            .selected
            .checked_sub(self.top)
            .and_then(|s| usize::try_from(s).ok());
        let table = Table::new(rows, widths)
            .header(header)
            .column_spacing(1)
            .block(look.block(&title, true));
        look.pick_table(f, area, table, selected);
    }

    fn title(&self, _look: &Look) -> String {
        let mut parts = vec![format!("花名册 {} 年", self.base.year)];
        match self.total {
            Some(t) => parts.push(format!("第 {}/{} 人", (self.selected + 1).min(t), t)),
            None => parts.push("加载中…".into()),
        }
        if let Some(u) = &self.unit_name {
            // "CODE 名称", as everywhere a unit is chosen.
            match &self.base.unit_code {
                Some(code) => parts.push(format!("单位：{code} {u}")),
                None => parts.push(format!("单位：{u}")),
            }
        }
        match self.base.status {
            Status::All => {}
            Status::Compliant => parts.push("仅达标".into()),
            Status::Noncompliant => parts.push("仅未达标".into()),
        }
        if !self.base.text.is_empty() {
            parts.push(format!("筛选：{}", self.base.text));
        }
        parts.join(" · ")
    }
}

/// Table rows visible for a terminal of this height: minus header, tabs, footer, borders and
/// the column header.
pub fn visible_rows(height: u16) -> u16 {
    height.saturating_sub(6).max(1)
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
        "查看学员",
        Action::Open,
        true,
    ),
    b(&[C('/')], "/", "按姓名或用户名筛选", Action::Filter, true),
    b(&[C('s')], "s", "换排序列", Action::SortNext, true),
    b(&[C('S')], "S", "倒序 / 正序", Action::SortReverse, false),
    b(
        &[C('1')],
        "1-9",
        "按第 N 列排序",
        Action::SortColumn(1),
        false,
    ),
    b(
        &[C('f')],
        "f",
        "达标状态：全部 / 达标 / 未达标",
        Action::StatusCycle,
        true,
    ),
    b(&[C('u')], "u", "按下级单位筛选", Action::UnitCycle, true),
    b(
        &[C('['), C(']')],
        "[ ]",
        "上一年 / 下一年",
        Action::YearPrev,
        false,
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::standing::Standing;

    /// The answer the database would give for one page of a roster of `total` people.
    fn answer(base: &Query, page: u64, total: u64) -> DataMsg {
        let rows = (page * PAGE..((page + 1) * PAGE).min(total))
            .map(|i| Row {
                username: format!("u{i:06}"),
                real_name: "测试".into(),
                unit_code: "LD".into(),
                unit_name: "娄底市".into(),
                batch: Some(1),
                standing: Standing::default(),
                compliant: false,
            })
            .collect();
        DataMsg::Roster {
            query: Query {
                offset: page * PAGE,
                ..base.clone()
            },
            result: Ok(Page {
                total: (page == 0).then_some(total),
                rows,
            }),
        }
    }

    /// Feeds every requested page and returns which pages were asked for.
    fn serve(r: &mut Roster, effects: Vec<Effect>, total: u64) -> Vec<u64> {
        let mut asked = Vec::new();
        for e in effects {
            if let Effect::Load(Request::Roster(q)) = e {
                asked.push(q.offset / PAGE);
                let msg = answer(&r.base, q.offset / PAGE, total);
                r.take(&msg);
            }
        }
        asked
    }

    #[test]
    fn pages_load_ahead_and_far_pages_are_forgotten() {
        let (height, total) = (40, 100_000);
        let actor = crate::app::Actor::local_operator();
        let mut r = Roster::new(&Cx::new(actor, 2026, 40, String::new()));
        let first = r.fetch(height);
        assert_eq!(serve(&mut r, first, total), vec![0]);
        assert_eq!(r.total, Some(total));

        // Moving down to row 60 of 34 visible: the next page is asked for before it is needed.
        let mut asked = Vec::new();
        for _ in 0..60 {
            let effects = r.list_action(Action::Down, height, &[]);
            asked.extend(serve(&mut r, effects, total));
        }
        assert_eq!(
            asked,
            vec![1],
            "page 1 fetched once, ahead of the rows on screen"
        );

        // The end of the list: the last page is there, the first one was let go.
        let effects = r.list_action(Action::Bottom, height, &[]);
        let asked = serve(&mut r, effects, total);
        assert!(asked.contains(&(total / PAGE - 1)), "{asked:?}");
        assert_eq!(
            r.selected_row().map(|row| row.username.as_str()),
            Some("u099999")
        );
        assert!(!r.pages.contains_key(&0), "far pages are forgotten");
        assert!(r.pages.len() <= 3, "{} pages kept", r.pages.len());
    }
}
