//! 课程: the catalogue filtered by category, kind and source (keys cycle each) and by text; a
//! course opens to show its duration, class hours, credits and the rule that gave them. The
//! college and the office add (`n`) and edit (`e`) courses in a form (`course_form`), publish
//! (`p`) and retire (`x`) them after y/n; for anyone else those keys are hidden and refused.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

use crate::app::catalog::{CourseInfo, Filter};
use crate::app::changes::Topic;
use crate::app::courses::may_edit_catalog;
use crate::rules::catalog::{Category, CourseStatus, Source};
use crate::rules::credits::{CourseKind, format_duration};
use crate::tui::data::{CourseOp, DataMsg, Request};
use crate::tui::keys::{self, Action, Binding, C, Code, b, ba};
use crate::tui::prompt::{Confirm, draw_status};
use crate::tui::screen::{Cx, Screen};
use crate::tui::screens::course_form::{CourseForm, Formed};
use crate::tui::widgets::{Look, column_widths, ellipsis, with_status};
use crate::tui::{Effect, KeyCode, KeyEvent, screens::step};

#[derive(Debug, Default)]
pub struct Catalog {
    filter: Filter,
    courses: Option<Vec<CourseInfo>>,
    error: Option<String>,
    selected: usize,
    /// A course is open.
    pub detail: bool,
    form: Option<CourseForm>,
    confirm: Option<Confirm<CourseOp>>,
    /// The last change's outcome: (succeeded, text).
    message: Option<(bool, String)>,
}

/// The next value of a cycle through None and each of `all`.
fn cycle<T: Copy + PartialEq>(current: Option<T>, all: &[T]) -> Option<T> {
    match current {
        None => all.first().copied(),
        Some(c) => all
            .iter()
            .position(|x| *x == c)
            .and_then(|i| all.get(i + 1))
            .copied(),
    }
}

impl Screen for Catalog {
    fn new(_cx: &Cx) -> Catalog {
        Catalog::default()
    }

    fn keys(&self) -> &'static [Binding] {
        if self.form.is_some() {
            FORM_KEYS
        } else if self.detail {
            COURSE_KEYS
        } else {
            KEYS
        }
    }

    fn refusal(&self, action: Action, cx: &Cx) -> Option<String> {
        match action {
            Action::New | Action::Edit | Action::Publish | Action::Retire => {
                may_edit_catalog(&cx.actor).err().map(|e| e.to_string())
            }
            _ => None,
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        self.list_action(action, cx.page())
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> Vec<Effect> {
        if let DataMsg::CourseFacts { code, result } = msg {
            if let Some(form) = self.form.as_mut()
                && form.course() == Some(code.as_str())
            {
                form.facts_read(result);
            }
            return Vec::new();
        }
        if let DataMsg::CourseDone { result } = msg {
            self.message = Some(match result {
                Ok(text) => (true, text.clone()),
                Err(e) => (false, format!("未保存：{e}")),
            });
            return self.load();
        }
        self.take(msg);
        Vec::new()
    }

    fn editing(&self) -> bool {
        self.form.is_some() || self.confirm.is_some()
    }

    fn input_key(&mut self, k: KeyEvent, _cx: &Cx) -> Vec<Effect> {
        if self.confirm.is_some() {
            return Confirm::answer(&mut self.confirm, &k)
                .map(|op| vec![Effect::Load(Request::CourseOp(op))])
                .unwrap_or_default();
        }
        let Some(form) = self.form.as_mut() else {
            return Vec::new();
        };
        match form.key(&k) {
            Formed::Editing => {}
            Formed::Cancelled => self.form = None,
            Formed::Done(op, question) => {
                self.form = None;
                self.confirm = Some(Confirm::new(op, question));
            }
        }
        Vec::new()
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        if let Some(form) = self.form.as_mut() {
            form.paste(text);
        }
        Vec::new()
    }

    fn reload(&mut self, _cx: &Cx) -> Vec<Effect> {
        self.load()
    }

    fn topics(&self) -> &'static [Topic] {
        &[Topic::Catalog]
    }

    fn filter(&self) -> Option<&str> {
        Some(self.filter.text.as_deref().unwrap_or(""))
    }

    fn set_filter(&mut self, text: &str, _cx: &Cx) -> Vec<Effect> {
        let text = (!text.is_empty()).then(|| text.to_string());
        if self.filter.text == text {
            return Vec::new();
        }
        self.filter.text = text;
        self.selected = 0;
        self.load()
    }

    fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        self.draw_all(f, area, look);
    }
}

impl Catalog {
    fn load(&mut self) -> Vec<Effect> {
        vec![Effect::Load(Request::Catalog(self.filter.clone()))]
    }

    fn take(&mut self, msg: &DataMsg) {
        let DataMsg::Catalog { filter, result } = msg else {
            return;
        };
        if *filter != self.filter {
            return;
        }
        match result {
            Ok(c) => {
                self.selected = self.selected.min(c.len().saturating_sub(1));
                self.courses = Some(c.clone());
                self.error = None;
            }
            Err(e) => self.error = Some(e.clone()),
        }
    }

    fn list_action(&mut self, action: Action, page: usize) -> Vec<Effect> {
        match action {
            Action::CategoryCycle => {
                self.filter.category = cycle(self.filter.category, &Category::ALL);
            }
            Action::KindCycle => {
                self.filter.kind = cycle(
                    self.filter.kind,
                    &[CourseKind::Required, CourseKind::Elective],
                );
            }
            Action::SourceCycle => self.filter.source = cycle(self.filter.source, &Source::ALL),
            Action::StatusCycle => {
                self.filter.status = cycle(self.filter.status, &CourseStatus::ALL);
            }
            Action::New => {
                self.message = None;
                self.form = Some(CourseForm::new_course());
                return Vec::new();
            }
            Action::Edit | Action::Publish | Action::Retire => {
                self.message = None;
                let Some(c) = self.selected_course() else {
                    self.message = Some((false, "没有选中的课程".into()));
                    return Vec::new();
                };
                let (code, title) = (c.code.clone(), c.title.clone());
                match action {
                    Action::Edit => {
                        self.form = Some(CourseForm::edit(c));
                        return vec![Effect::Load(Request::CourseFacts(code))];
                    }
                    Action::Publish => {
                        let q = format!("发布课程 {code}（{title}），学员即可学习？");
                        self.confirm = Some(Confirm::new(CourseOp::Publish(code), q));
                    }
                    _ => {
                        let q = format!("停用课程 {code}（{title}）？学员不再可见，已获学分不变");
                        self.confirm = Some(Confirm::new(CourseOp::Retire(code), q));
                    }
                }
                return Vec::new();
            }
            Action::Open => {
                self.detail = self.selected_course().is_some();
                return Vec::new();
            }
            Action::Back => {
                self.detail = false;
                return Vec::new();
            }
            a => {
                let len = self.courses.as_ref().map_or(0, Vec::len);
                self.selected = step(self.selected, len, a, page);
                return Vec::new();
            }
        }
        self.selected = 0;
        self.load()
    }

    fn selected_course(&self) -> Option<&CourseInfo> {
        self.courses.as_ref()?.get(self.selected)
    }

    fn title(&self) -> String {
        let mut parts = vec!["课程目录".to_string()];
        if let Some(c) = &self.courses {
            parts.push(format!("{} 门", c.len()));
        }
        if let Some(c) = self.filter.category {
            parts.push(format!("类别：{}", c.label()));
        }
        if let Some(k) = self.filter.kind {
            parts.push(k.label().to_string());
        }
        if let Some(s) = self.filter.source {
            parts.push(s.label().to_string());
        }
        if let Some(s) = self.filter.status {
            parts.push(s.label().to_string());
        }
        if let Some(t) = &self.filter.text {
            parts.push(format!("筛选：{t}"));
        }
        parts.join(" · ")
    }

    fn draw_all(&self, f: &mut Frame, area: Rect, look: &Look) {
        let [main, status] = with_status(area);
        self.draw_main(f, main, look);
        draw_status::<()>(f, status, look, None, self.message.as_ref());
        if let Some(form) = &self.form {
            form.draw(f, area, look);
        }
        if let Some(c) = &self.confirm {
            c.draw(f, area, look, "确定");
        }
    }

    fn draw_main(&self, f: &mut Frame, area: Rect, look: &Look) {
        let th = look.theme;
        let title = self.title();
        let Some(courses) = &self.courses else {
            let text = match &self.error {
                Some(e) => Span::styled(format!("出错：{e}"), th.danger()),
                None => Span::styled("正在加载…", th.muted()),
            };
            f.render_widget(Paragraph::new(text).block(look.block(&title, true)), area);
            return;
        };
        if self.detail
            && let Some(c) = self.selected_course()
        {
            draw_course(f, area, look, c);
            return;
        }
        let widths = [
            Constraint::Length(8),
            Constraint::Min(16),
            Constraint::Length(8),
            Constraint::Length(4),
            Constraint::Length(10),
            Constraint::Length(4),
            Constraint::Length(6),
        ];
        let w = column_widths(area, &widths, 1, look.selected_symbol());
        let rows: Vec<Row> = courses
            .iter()
            .map(|c| {
                Row::new(vec![
                    Cell::from(c.code.clone()),
                    Cell::from(ellipsis(&c.title, w[1])),
                    Cell::from(c.category.label()),
                    Cell::from(c.kind.label()),
                    Cell::from(format_duration(c.duration_s)),
                    Cell::from(c.credit.tenths.to_string()),
                    Cell::from(c.status.label()),
                ])
            })
            .collect();
        let table = Table::new(rows, widths)
            .header(
                Row::new(["编号", "课程名称", "类别", "类型", "时长", "学分", "状态"])
                    .style(th.title(false)),
            )
            .block(look.block(&title, true));
        look.pick_table(f, area, table, Some(self.selected));
    }
}

fn draw_course(f: &mut Frame, area: Rect, look: &Look, c: &CourseInfo) {
    let th = look.theme;
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name}："), th.muted()),
            Span::styled(value, th.text()),
        ])
    };
    let lines = vec![
        field("编号", c.code.clone()),
        field("名称", c.title.clone()),
        field("类别", c.category.label().to_string()),
        field("类型", c.kind.label().to_string()),
        field("来源", c.source.label().to_string()),
        field("时长", format_duration(c.duration_s)),
        field("学时", c.credit.hours.to_string()),
        field("学分", c.credit.tenths.to_string()),
        field("依据", c.credit.rule.clone()),
        field("考试", if c.has_exam { "有" } else { "无" }.to_string()),
        field("状态", c.status.label().to_string()),
    ];
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(look.block(&c.title, true)),
        area,
    );
}

/// The keys of this screen: they decide what a key does and feed the footer and the help.
pub const KEYS: &[Binding] = &[
    // k cycles the kind here, so only j and the arrows move.
    ba(
        &[C('j'), Code(KeyCode::Down), Code(KeyCode::Up)],
        "j ↑↓",
        "j/Up/Down",
        "上下移动",
        Action::Down,
        true,
    ),
    keys::MOVE[1],
    keys::MOVE[2],
    keys::MOVE[3],
    b(
        &[Code(KeyCode::Enter)],
        "Enter",
        "课程详情",
        Action::Open,
        true,
    ),
    b(&[C('/')], "/", "按名称或编号筛选", Action::Filter, true),
    b(&[C('c')], "c", "按类别筛选", Action::CategoryCycle, true),
    b(
        &[C('k')],
        "k",
        "按必修 / 选修筛选",
        Action::KindCycle,
        false,
    ),
    b(&[C('o')], "o", "按来源筛选", Action::SourceCycle, true),
    b(
        &[C('s')],
        "s",
        "按状态筛选（草稿 / 已发布 / 已停用）",
        Action::StatusCycle,
        false,
    ),
    b(&[C('n')], "n", "新增课程", Action::New, true),
    b(&[C('e')], "e", "修改所选课程", Action::Edit, true),
    b(&[C('p')], "p", "发布所选课程", Action::Publish, true),
    b(&[C('x')], "x", "停用所选课程", Action::Retire, true),
];

/// The keys while a course is open.
pub const COURSE_KEYS: &[Binding] = &[b(
    &[Code(KeyCode::Esc), Code(KeyCode::Enter)],
    "Esc",
    "返回课程列表",
    Action::Back,
    true,
)];

/// The keys while the course form is open (shown only: the form reads the keys itself).
pub const FORM_KEYS: &[Binding] = &[
    b(
        &[Code(KeyCode::Tab), Code(KeyCode::Down)],
        "Tab ↓",
        "下一项",
        Action::Down,
        true,
    ),
    b(&[Code(KeyCode::Up)], "↑", "上一项", Action::Up, true),
    b(
        &[Code(KeyCode::Enter)],
        "Enter",
        "下一项；末项时保存（先问 y/n）",
        Action::Open,
        true,
    ),
    b(
        &[Code(KeyCode::Esc)],
        "Esc",
        "取消，不保存",
        Action::Back,
        true,
    ),
];
