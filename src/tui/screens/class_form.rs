//! The 培训班 tab's form: a new class (`n`) or the selected one edited (`e`). Text fields are
//! tui-input lines checked as typed by the rules `app::classes` checks with (`rules::classes`
//! for the dates, `rules::catalog` for the category); the courses are picked from the published
//! catalogue in a searchable list (space ticks a course); "earlier completions count" toggles
//! with space. Enter on the last field gives the change to confirm; `classes.rs` asks y/n.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, Wrap};
use tui_input::{Input, InputRequest};

use crate::app::catalog::CourseInfo;
use crate::app::classes::{ClassDetail, ClassForm as NewClass, ClassPatch, MinElectiveForm};
use crate::rules::Tenths;
use crate::rules::catalog::{Category, Vocab, parse};
use crate::rules::classes::{Dates, MAX_COURSES, MAX_DESCRIPTION, MAX_TITLE, parse_day};
use crate::tui::data::ClassOp;
use crate::tui::input::edit_request;
use crate::tui::widgets::{Look, column_widths, ellipsis};
use crate::tui::{KeyCode, KeyEvent, KeyModifiers};

const TITLE: usize = 0;
const DESCRIPTION: usize = 1;
const FROM: usize = 2;
const TO: usize = 3;
const COURSES: usize = 4;
const CATEGORY: usize = 5;
const CREDITS: usize = 6;
const EARLIER: usize = 7;
const LABELS: [&str; 8] = [
    "名称",
    "简介",
    "开始日期",
    "结束日期",
    "课程",
    "选修类别",
    "选修学分",
    "此前完成计入",
];
/// Longest text kept in a one-line field (the checks give the real bounds).
const FIELD_LIMIT: usize = 200;
/// The most minimum elective credits (as `app::classes` bounds them).
const MAX_MIN_CREDITS: Tenths = Tenths(1000);

/// What a key did to the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Formed {
    Editing,
    Cancelled,
    /// The course search changed: the published courses matching this text are wanted.
    Search(String),
    /// Enter on the last field with every field valid: the change and its y/n question.
    Done(Box<ClassOp>, String),
}

/// The searchable list of published courses, open over the form.
#[derive(Debug, Default)]
struct Picker {
    search: Input,
    found: Vec<CourseInfo>,
    selected: usize,
}

#[derive(Debug)]
pub struct ClassForm {
    /// The class edited, as it was (None: a new class).
    editing: Option<ClassDetail>,
    fields: [Input; 8],
    earlier: bool,
    /// The courses picked: (code, title), in the order picked.
    courses: Vec<(String, String)>,
    focus: usize,
    picker: Option<Picker>,
}

impl ClassForm {
    /// A new class: every field empty, its dates typed as YYYY-MM-DD.
    pub fn new_class() -> ClassForm {
        ClassForm {
            editing: None,
            fields: Default::default(),
            earlier: false,
            courses: Vec::new(),
            focus: TITLE,
            picker: None,
        }
    }

    pub fn edit(d: &ClassDetail) -> ClassForm {
        let s = &d.summary;
        let (category, credits) = match d.min_elective {
            Some(m) => (m.category.label().to_string(), m.tenths.to_string()),
            None => (String::new(), String::new()),
        };
        let values = [
            s.title.clone(),
            d.description.clone(),
            s.dates.first_day(),
            s.dates.last_day(),
            String::new(),
            category,
            credits,
            String::new(),
        ];
        ClassForm {
            fields: values.map(Input::new),
            earlier: d.earlier_counts,
            courses: d
                .courses
                .iter()
                .map(|c| (c.code.clone(), c.title.clone()))
                .collect(),
            focus: TITLE,
            picker: None,
            editing: Some(d.clone()),
        }
    }

    /// The class edited, if any.
    pub fn class_id(&self) -> Option<i64> {
        self.editing.as_ref().map(|d| d.summary.id)
    }

    /// The course search's text while the picker is open.
    pub fn searching(&self) -> Option<&str> {
        self.picker.as_ref().map(|p| p.search.value())
    }

    /// The published courses matching `text` arrived.
    pub fn found(&mut self, text: &str, courses: &[CourseInfo]) {
        if let Some(p) = self.picker.as_mut()
            && p.search.value() == text
        {
            p.found = courses.to_vec();
            p.selected = p.selected.min(p.found.len().saturating_sub(1));
        }
    }

    fn value(&self, i: usize) -> &str {
        self.fields[i].value()
    }

    pub fn key(&mut self, k: &KeyEvent) -> Formed {
        if self.picker.is_some() {
            return self.picker_key(k);
        }
        match k.code {
            KeyCode::Esc => return Formed::Cancelled,
            KeyCode::Up => self.focus = self.focus.saturating_sub(1),
            KeyCode::Tab if k.modifiers.contains(KeyModifiers::SHIFT) => {
                self.focus = self.focus.saturating_sub(1);
            }
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1).min(EARLIER),
            KeyCode::Enter if self.focus == COURSES => return self.open_picker(),
            KeyCode::Char(' ') if self.focus == COURSES => return self.open_picker(),
            KeyCode::Char(' ') if self.focus == EARLIER => self.earlier = !self.earlier,
            KeyCode::Char('y' | 'Y') if self.focus == EARLIER => self.earlier = true,
            KeyCode::Char('n' | 'N') if self.focus == EARLIER => self.earlier = false,
            KeyCode::Enter if self.focus < EARLIER => self.focus += 1,
            KeyCode::Enter => return self.submit(),
            _ if matches!(self.focus, COURSES | EARLIER) => {}
            _ => {
                if let Some(r) = edit_request(k) {
                    self.edit_focused(r);
                }
            }
        }
        Formed::Editing
    }

    /// Pastes into the focused field; a changed course search is asked again, as typing does.
    pub fn paste(&mut self, text: &str) -> Option<Formed> {
        let before = self.picker.as_ref().map(|p| p.search.value().to_string());
        for c in text.chars().filter(|c| !c.is_control()) {
            if let Some(p) = self.picker.as_mut() {
                if p.search.value().chars().count() < FIELD_LIMIT {
                    p.search.handle(InputRequest::InsertChar(c));
                }
            } else {
                self.edit_focused(InputRequest::InsertChar(c));
            }
        }
        let after = self.picker.as_ref().map(|p| p.search.value().to_string());
        match after {
            Some(now) if before.as_ref() != Some(&now) => Some(Formed::Search(now)),
            _ => None,
        }
    }

    fn edit_focused(&mut self, r: InputRequest) {
        if matches!(self.focus, COURSES | EARLIER) {
            return;
        }
        let limit = if self.focus == DESCRIPTION {
            MAX_DESCRIPTION
        } else {
            FIELD_LIMIT
        };
        let field = &mut self.fields[self.focus];
        if matches!(r, InputRequest::InsertChar(_)) && field.value().chars().count() >= limit {
            return;
        }
        field.handle(r);
    }

    fn open_picker(&mut self) -> Formed {
        self.picker = Some(Picker::default());
        Formed::Search(String::new())
    }

    fn picker_key(&mut self, k: &KeyEvent) -> Formed {
        let Some(p) = self.picker.as_mut() else {
            return Formed::Editing;
        };
        match k.code {
            KeyCode::Esc | KeyCode::Enter => {
                self.picker = None;
                self.focus = COURSES;
            }
            KeyCode::Up => p.selected = p.selected.saturating_sub(1),
            KeyCode::Down => {
                p.selected = (p.selected + 1).min(p.found.len().saturating_sub(1));
            }
            KeyCode::Char(' ') => {
                if let Some(c) = p.found.get(p.selected) {
                    match self.courses.iter().position(|(code, _)| *code == c.code) {
                        Some(i) => {
                            self.courses.remove(i);
                        }
                        None if self.courses.len() < MAX_COURSES => {
                            self.courses.push((c.code.clone(), c.title.clone()));
                        }
                        None => {}
                    }
                }
            }
            _ => {
                let Some(r) = edit_request(k) else {
                    return Formed::Editing;
                };
                if matches!(r, InputRequest::InsertChar(_))
                    && p.search.value().chars().count() >= FIELD_LIMIT
                {
                    return Formed::Editing;
                }
                let before = p.search.value().to_string();
                p.search.handle(r);
                if p.search.value() != before {
                    p.selected = 0;
                    return Formed::Search(p.search.value().to_string());
                }
            }
        }
        Formed::Editing
    }

    /// Each field's problem, in Chinese (None: fine), by the rules `app::classes` checks with.
    pub fn errors(&self) -> [Option<String>; 8] {
        let v = |i| self.value(i);
        let text = |i: usize, max: usize| {
            crate::rules::text::check(v(i).trim(), max)
                .err()
                .map(|e| format!("{}{e}", LABELS[i]))
        };
        let title = if v(TITLE).trim().is_empty() {
            Some("请填写培训班名称".to_string())
        } else {
            text(TITLE, MAX_TITLE)
        };
        let description = v(DESCRIPTION)
            .chars()
            .any(char::is_control)
            .then(|| "简介不能含控制字符".to_string());
        let from = parse_day("开始日期", v(FROM)).err();
        let to = match (parse_day("开始日期", v(FROM)), parse_day("结束日期", v(TO))) {
            (_, Err(e)) => Some(e),
            (Ok(first), Ok(last)) => Dates::of_days(first, last).err(),
            (Err(_), Ok(_)) => None,
        };
        let (category, credits) = match (v(CATEGORY).trim(), v(CREDITS).trim()) {
            ("", "") => (None, None),
            ("", _) => (Some("填了选修学分，须写明类别".to_string()), None),
            (c, "") => (
                parse::<Category>(c).err(),
                Some("填了选修类别，须写明学分".to_string()),
            ),
            (c, n) => (parse::<Category>(c).err(), min_credits_error(n)),
        };
        [title, description, from, to, None, category, credits, None]
    }

    fn min_elective(&self) -> Option<MinElectiveForm> {
        let (c, n) = (self.value(CATEGORY).trim(), self.value(CREDITS).trim());
        (!c.is_empty()).then(|| MinElectiveForm {
            category: c.to_string(),
            credits: n.to_string(),
        })
    }

    fn submit(&mut self) -> Formed {
        if let Some(bad) = self.errors().iter().position(Option::is_some) {
            self.focus = bad;
            return Formed::Editing;
        }
        let v = |i: usize| self.value(i).trim().to_string();
        let codes: Vec<String> = self.courses.iter().map(|(c, _)| c.clone()).collect();
        let Some(old) = &self.editing else {
            let form = NewClass {
                title: v(TITLE),
                description: v(DESCRIPTION),
                unit: None,
                from: v(FROM),
                to: v(TO),
                min_elective: self.min_elective(),
                earlier_counts: self.earlier,
            };
            let q = format!(
                "新建培训班「{}」（{} 至 {}，{} 门课程），保存为草稿？",
                form.title,
                form.from,
                form.to,
                codes.len()
            );
            let op = ClassOp::Create {
                form,
                courses: codes,
            };
            return Formed::Done(Box::new(op), q);
        };
        let s = &old.summary;
        let changed = |new: String, was: &str| (new != was).then_some(new);
        let old_min = old.min_elective.map(|m| (m.category, m.tenths));
        let new_min = self.min_elective().and_then(|m| {
            let c = parse::<Category>(&m.category).ok()?;
            let t = Tenths::parse(&m.credits).ok()?;
            Some((c, t))
        });
        let patch = ClassPatch {
            title: changed(v(TITLE), &s.title),
            description: changed(v(DESCRIPTION), &old.description),
            from: changed(v(FROM), &s.dates.first_day()),
            to: changed(v(TO), &s.dates.last_day()),
            min_elective: (new_min != old_min).then(|| self.min_elective()),
            earlier_counts: (self.earlier != old.earlier_counts).then_some(self.earlier),
        };
        let had: Vec<&str> = old.courses.iter().map(|c| c.code.as_str()).collect();
        let add: Vec<String> = codes
            .iter()
            .filter(|c| !had.contains(&c.as_str()))
            .cloned()
            .collect();
        let remove: Vec<String> = had
            .iter()
            .filter(|c| !codes.iter().any(|x| x == *c))
            .map(|c| c.to_string())
            .collect();
        let mut q = format!("保存对培训班「{}」的修改？", s.title);
        if !add.is_empty() || !remove.is_empty() {
            q.push_str(&format!(
                "（课程增加 {} 门、移除 {} 门）",
                add.len(),
                remove.len()
            ));
        }
        Formed::Done(
            Box::new(ClassOp::Edit {
                id: s.id,
                patch,
                add,
                remove,
            }),
            q,
        )
    }

    pub fn draw(&self, f: &mut Frame, rect: Rect, look: &Look) {
        let th = look.theme;
        f.render_widget(Clear, rect);
        let title = match &self.editing {
            Some(d) => format!("修改培训班「{}」", d.summary.title),
            None => "新建培训班（草稿）".to_string(),
        };
        let block = look.block(&title, true);
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let errors = self.errors();
        let mut lines = Vec::new();
        for (i, error) in errors.iter().enumerate() {
            let focused = i == self.focus && self.picker.is_none();
            let marker = if focused { "> " } else { "  " };
            let value = match i {
                COURSES if self.courses.is_empty() => "（未选；Enter 从已发布课程中选）".into(),
                COURSES => {
                    let codes: Vec<&str> = self.courses.iter().map(|(c, _)| c.as_str()).collect();
                    format!("{} 门：{}", codes.len(), codes.join(" "))
                }
                EARLIER if self.earlier => "是（开班前完成的课程也算）".into(),
                EARLIER => "否（空格切换）".into(),
                _ if focused => format!("{}_", self.value(i)),
                _ => self.value(i).to_string(),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{marker}{}：", LABELS[i]), th.title(focused)),
                Span::styled(ellipsis(&value, inner.width.saturating_sub(16)), th.text()),
            ]));
            if let Some(e) = error {
                lines.push(Line::from(Span::styled(format!("    ✗ {e}"), th.danger())));
            } else if focused && i == CATEGORY {
                let names: Vec<&str> = Category::VALUES.iter().map(|c| c.label()).collect();
                lines.push(Line::from(Span::styled(
                    format!("    可选（空：不设选修要求）：{}", names.join(" ")),
                    th.muted(),
                )));
            } else if focused && (i == FROM || i == TO) {
                lines.push(Line::from(Span::styled(
                    "    格式 YYYY-MM-DD（北京时间，当天计入）",
                    th.muted(),
                )));
            }
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        if let Some(p) = &self.picker {
            self.draw_picker(f, inner, look, p);
        }
    }

    fn draw_picker(&self, f: &mut Frame, area: Rect, look: &Look, p: &Picker) {
        let th = look.theme;
        let rect = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        f.render_widget(Clear, rect);
        let title = format!(
            "选择课程（已选 {} 门）· 空格 选/不选 · Enter 完成",
            self.courses.len()
        );
        let block = look.block(&title, true);
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let [search, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(inner);
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("搜索（编号或名称）：", th.key()),
                Span::styled(format!("{}_", p.search.value()), th.text()),
            ])),
            search,
        );
        let widths = [
            Constraint::Length(3),
            Constraint::Length(8),
            Constraint::Min(12),
            Constraint::Length(8),
            Constraint::Length(4),
        ];
        let w = column_widths(list, &widths, 1, look.selected_symbol());
        let rows: Vec<Row> = p
            .found
            .iter()
            .map(|c| {
                let ticked = self.courses.iter().any(|(code, _)| *code == c.code);
                Row::new(vec![
                    Cell::from(if ticked { "[✓]" } else { "[ ]" }),
                    Cell::from(ellipsis(&c.code, w[1])),
                    Cell::from(ellipsis(&c.title, w[2])),
                    Cell::from(c.category.label()),
                    Cell::from(c.kind.label()),
                ])
            })
            .collect();
        look.pick_table(f, list, Table::new(rows, widths), Some(p.selected));
    }
}

/// The minimum elective credits' problem as typed (None: fine).
fn min_credits_error(text: &str) -> Option<String> {
    match Tenths::parse(text) {
        Err(_) => Some(format!(
            "选修学分“{}”应为最多一位小数的数字",
            crate::rules::text::escape(text)
        )),
        Ok(t) if t.0 <= 0 || t > MAX_MIN_CREDITS => Some(format!(
            "{t} 超出范围（应大于 0、不超过 {MAX_MIN_CREDITS}）"
        )),
        Ok(_) => None,
    }
}
