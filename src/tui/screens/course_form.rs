//! The 课程 tab's form: a new course (`n`) or the selected one edited (`e`), for the college and
//! the office. Each field is checked as it is typed by the parsers the commands and imports use
//! (`rules::course_feed`, `rules::catalog::parse`), its error shown beside it, and the credit the
//! rule will give is shown live with its rule text (`rules::credits::course_credit`, the ledger's
//! function). Enter on the last field asks y/n; the change goes through `app::courses`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use tui_input::{Input, InputRequest};

use crate::app::catalog::CourseInfo;
use crate::rules::catalog::{Category, Source, Vocab, parse};
use crate::rules::course_feed::{
    CourseDraft, HEADER, check_code, check_title, parse_designated, parse_duration,
};
use crate::rules::credits::{CourseCredit, CourseKind, course_credit, format_duration};
use crate::tui::data::CourseOp;
use crate::tui::input::edit_request;
use crate::tui::widgets::Look;
use crate::tui::{KeyCode, KeyEvent, KeyModifiers};

/// The fields: the feed's columns (`course_feed::HEADER`), then the designated credits' reason.
fn label(i: usize) -> &'static str {
    HEADER.get(i).copied().unwrap_or("指定理由")
}
const CODE: usize = 0;
const REASON: usize = 7;
/// Longest text kept in one field (the checks give the real bounds, e.g. 100 for a title).
const FIELD_LIMIT: usize = 200;

/// What a key did to the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Formed {
    Editing,
    Cancelled,
    /// Enter on the last field with every field valid: the change to confirm.
    Done(CourseOp),
}

#[derive(Debug)]
pub struct CourseForm {
    /// The course edited (None: a new course).
    editing: Option<String>,
    fields: [Input; 8],
    focus: usize,
    /// The designated credits the course had, whose reason an empty field keeps.
    had_designated: Option<crate::rules::Tenths>,
}

impl CourseForm {
    pub fn new_course() -> CourseForm {
        let mut form = CourseForm {
            editing: None,
            fields: Default::default(),
            focus: CODE,
            had_designated: None,
        };
        form.fields[3] = Input::new(CourseKind::Required.label().into());
        form.fields[4] = Input::new(Source::Local.label().into());
        form
    }

    pub fn edit(c: &CourseInfo) -> CourseForm {
        let values = [
            c.code.clone(),
            c.title.clone(),
            c.category.label().into(),
            c.kind.label().into(),
            c.source.label().into(),
            c.duration_s.to_string(),
            c.designated.map(|d| d.to_string()).unwrap_or_default(),
            String::new(),
        ];
        CourseForm {
            editing: Some(c.code.clone()),
            fields: values.map(Input::new),
            focus: 1,
            had_designated: c.designated,
        }
    }

    fn first(&self) -> usize {
        if self.editing.is_some() { 1 } else { CODE }
    }

    fn value(&self, i: usize) -> &str {
        self.fields[i].value()
    }

    pub fn key(&mut self, k: &KeyEvent) -> Formed {
        let first = self.first();
        match k.code {
            KeyCode::Esc => return Formed::Cancelled,
            KeyCode::Up => self.focus = self.focus.saturating_sub(1).max(first),
            KeyCode::Tab if k.modifiers.contains(KeyModifiers::SHIFT) => {
                self.focus = self.focus.saturating_sub(1).max(first);
            }
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1).min(REASON),
            KeyCode::Enter if self.focus < REASON => self.focus += 1,
            KeyCode::Enter => return self.submit(),
            _ => {
                if let Some(r) = edit_request(k) {
                    self.edit_focused(r);
                }
            }
        }
        Formed::Editing
    }

    pub fn paste(&mut self, text: &str) {
        for c in text.chars().filter(|c| !c.is_control()) {
            self.edit_focused(InputRequest::InsertChar(c));
        }
    }

    fn edit_focused(&mut self, r: InputRequest) {
        let field = &mut self.fields[self.focus];
        if matches!(r, InputRequest::InsertChar(_)) && field.value().chars().count() >= FIELD_LIMIT
        {
            return;
        }
        field.handle(r);
    }

    /// Each field's problem, in Chinese (None: fine), by the commands' own checks.
    pub fn errors(&self) -> [Option<String>; 8] {
        let v = |i| self.value(i);
        let designated = match v(6).trim() {
            "" => Ok(None),
            d => parse_designated(d).map(Some),
        };
        let reason = match (&designated, v(REASON).trim().is_empty()) {
            (Ok(Some(d)), true) if self.had_designated != Some(*d) => {
                Err("指定学分须说明理由（如 省委组织部指定）".to_string())
            }
            (Ok(None), false) => Err("只有指定学分时才填理由".to_string()),
            _ => crate::rules::text::check(v(REASON).trim(), crate::app::MAX_REASON)
                .map(|_| ())
                .map_err(|e| format!("理由{e}")),
        };
        [
            if self.editing.is_some() {
                None
            } else {
                check_code(v(CODE)).err()
            },
            check_title(v(1)).err(),
            vocab_error::<Category>(v(2)),
            vocab_error::<CourseKind>(v(3)),
            vocab_error::<Source>(v(4)),
            parse_duration(v(5)).err(),
            designated.err(),
            reason.err(),
        ]
    }

    /// The course as typed, when every field is valid.
    fn draft(&self) -> Option<CourseDraft> {
        if self.errors().iter().any(Option::is_some) {
            return None;
        }
        let v = |i| self.value(i);
        Some(CourseDraft {
            code: match &self.editing {
                Some(code) => code.clone(),
                None => check_code(v(CODE)).ok()?,
            },
            title: check_title(v(1)).ok()?,
            category: parse(v(2)).ok()?,
            kind: parse(v(3)).ok()?,
            source: parse(v(4)).ok()?,
            duration_s: parse_duration(v(5)).ok()?,
            designated: match v(6).trim() {
                "" => None,
                d => Some(parse_designated(d).ok()?),
            },
        })
    }

    /// The credit the rule will give, once kind, duration and designated credits are valid.
    pub fn credit(&self) -> Option<CourseCredit> {
        let kind = parse::<CourseKind>(self.value(3)).ok()?;
        let duration = parse_duration(self.value(5)).ok()?;
        let designated = match self.value(6).trim() {
            "" => None,
            d => Some(parse_designated(d).ok()?),
        };
        Some(course_credit(kind, duration, designated))
    }

    fn submit(&mut self) -> Formed {
        if let Some(bad) = self.errors().iter().position(Option::is_some) {
            self.focus = bad;
            return Formed::Editing;
        }
        let Some(draft) = self.draft() else {
            return Formed::Editing;
        };
        let reason = self.value(REASON).trim().to_string();
        Formed::Done(match self.editing {
            Some(_) => CourseOp::Edit(draft, reason),
            None => CourseOp::Add(draft, reason),
        })
    }

    pub fn draw(&self, f: &mut Frame, rect: Rect, look: &Look) {
        let th = look.theme;
        f.render_widget(Clear, rect);
        let title = match &self.editing {
            Some(code) => format!("修改课程 {code}"),
            None => "新增课程（草稿）".to_string(),
        };
        let block = look.block(&title, true);
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let [fields, credit] =
            Layout::vertical([Constraint::Min(8), Constraint::Length(2)]).areas(inner);
        let errors = self.errors();
        let mut lines = Vec::new();
        for (i, error) in errors.iter().enumerate() {
            let label = label(i);
            let focused = i == self.focus;
            let marker = if focused { "> " } else { "  " };
            let mut value = self.value(i).to_string();
            if i == CODE && self.editing.is_some() {
                value.push_str("（不可修改）");
            } else if focused {
                value.push('_');
            }
            let mut spans = vec![
                Span::styled(format!("{marker}{label}："), th.title(focused)),
                Span::styled(value, th.text()),
            ];
            if i == 5
                && let Ok(s) = parse_duration(self.value(5))
            {
                spans.push(Span::styled(
                    format!("  {}", format_duration(s)),
                    th.muted(),
                ));
            }
            lines.push(Line::from(spans));
            if let Some(e) = error {
                lines.push(Line::from(Span::styled(format!("    ✗ {e}"), th.danger())));
            } else if focused && let Some(choices) = choices(i) {
                lines.push(Line::from(Span::styled(
                    format!("    可选：{choices}"),
                    th.muted(),
                )));
            }
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), fields);
        let credit_line = match self.credit() {
            Some(c) => Line::from(vec![
                Span::styled("将给学分：", th.muted()),
                Span::styled(format!("{}  ", c.tenths), th.ok()),
                Span::styled(c.rule, th.text()),
            ]),
            None => Line::from(Span::styled(
                "将给学分：（类型、时长和指定学分有效后显示）",
                th.muted(),
            )),
        };
        f.render_widget(
            Paragraph::new(credit_line).wrap(Wrap { trim: true }),
            credit,
        );
    }
}

/// A vocabulary field's problem: empty, or what the shared parser says (it lists the choices).
fn vocab_error<T: Vocab>(given: &str) -> Option<String> {
    if given.trim().is_empty() {
        return Some("不能为空（填代码或中文名）".into());
    }
    parse::<T>(given).err()
}

/// The names a vocabulary field accepts, shown under it while it is focused.
fn choices(field: usize) -> Option<String> {
    fn names<T: Vocab>() -> String {
        T::VALUES
            .iter()
            .map(|v| v.label())
            .collect::<Vec<_>>()
            .join(" ")
    }
    match field {
        2 => Some(names::<Category>()),
        3 => Some(names::<CourseKind>()),
        4 => Some(names::<Source>()),
        _ => None,
    }
}
