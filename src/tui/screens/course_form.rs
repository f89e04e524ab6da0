//! The 课程 tab's form: a new course (`n`) or the selected one edited (`e`), for the college and
//! the office. Each field is checked as it is typed by the parsers the commands and imports use
//! (`rules::course_feed`, `rules::catalog::parse`), its error shown beside it, and the credit the
//! rule will give is shown live with its rule text (`rules::credits::course_credit`, the ledger's
//! function). An edited course also shows how many completed it (a change of duration, kind or
//! designated credits is then confirmed as a credit change: credits earned stay as earned) and
//! its exam's settings as fields, checked against its bank by `app::exams::setting_errors`; a
//! course without an exam says how one is made (an exam exists only with its question bank).
//! Enter on the last field asks y/n; the change goes through `app::courses` in one transaction.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use tui_input::{Input, InputRequest};

use crate::app::catalog::CourseInfo;
use crate::app::courses::{changes_credit, credit_of};
use crate::app::exams::{ExamSettings, StaffExam, setting_errors};
use crate::rules::catalog::{Category, Source, Vocab, parse};
use crate::rules::course_feed::{
    CourseDraft, HEADER, check_code, check_title, parse_designated, parse_duration,
};
use crate::rules::credits::{CourseCredit, CourseKind, course_credit, format_duration};
use crate::rules::exam::{parse_bonus, parse_whole};
use crate::tui::data::{CourseFacts, CourseOp};
use crate::tui::input::edit_request;
use crate::tui::widgets::Look;
use crate::tui::{KeyCode, KeyEvent, KeyModifiers};

const CODE: usize = 0;
const DURATION: usize = 5;
const REASON: usize = 7;
/// The first of the exam's fields (shown only for a course that has an exam).
const EXAM: usize = 8;
const FIELDS: usize = 12;
const EXAM_LABELS: [&str; 4] = ["每次抽题（道）", "及格分", "考试次数", "奖励学分"];
/// Longest text kept in one field (the checks give the real bounds, e.g. 100 for a title).
const FIELD_LIMIT: usize = 200;

/// The fields: the feed's columns (`course_feed::HEADER`), the designated credits' reason, then
/// the exam's settings.
fn label(i: usize) -> &'static str {
    match i.checked_sub(EXAM) {
        Some(e) => EXAM_LABELS.get(e).copied().unwrap_or(""),
        None => HEADER.get(i).copied().unwrap_or("指定理由"),
    }
}

/// What a key did to the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Formed {
    Editing,
    Cancelled,
    /// Enter on the last field with every field valid: the change and the y/n question for it.
    Done(CourseOp, String),
}

/// What the form knows of the edited course beyond its list row, read when the form opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Facts {
    /// A new course: nobody completed it and it has no exam.
    New,
    Loading,
    Read(CourseFacts),
    Failed(String),
}

#[derive(Debug)]
pub struct CourseForm {
    /// The course edited (None: a new course).
    editing: Option<String>,
    fields: [Input; FIELDS],
    focus: usize,
    /// The course as it was, whose designated credits' reason an empty field keeps and against
    /// which a credit change is told.
    original: Option<CourseDraft>,
    facts: Facts,
    /// Why Enter did not save yet.
    note: Option<String>,
}

impl CourseForm {
    pub fn new_course() -> CourseForm {
        let mut form = CourseForm {
            editing: None,
            fields: Default::default(),
            focus: CODE,
            original: None,
            facts: Facts::New,
            note: None,
        };
        form.fields[3] = Input::new(CourseKind::Required.label().into());
        form.fields[4] = Input::new(Source::Local.label().into());
        form
    }

    /// The form on a course; its completions and exam are asked for (`Request::CourseFacts`)
    /// and arrive through `facts_read`.
    pub fn edit(c: &CourseInfo) -> CourseForm {
        let mut fields: [Input; FIELDS] = Default::default();
        let values = [
            c.code.clone(),
            c.title.clone(),
            c.category.label().into(),
            c.kind.label().into(),
            c.source.label().into(),
            c.duration_s.to_string(),
            c.designated.map(|d| d.to_string()).unwrap_or_default(),
        ];
        for (field, value) in fields.iter_mut().zip(values) {
            *field = Input::new(value);
        }
        CourseForm {
            editing: Some(c.code.clone()),
            fields,
            focus: 1,
            original: Some(CourseDraft {
                code: c.code.clone(),
                title: c.title.clone(),
                category: c.category,
                kind: c.kind,
                source: c.source,
                duration_s: c.duration_s,
                designated: c.designated,
            }),
            facts: Facts::Loading,
            note: None,
        }
    }

    /// The code of the course edited.
    pub fn course(&self) -> Option<&str> {
        self.editing.as_deref()
    }

    /// The edited course's completions and exam arrived (or could not be read).
    pub fn facts_read(&mut self, result: &Result<CourseFacts, String>) {
        self.facts = match result {
            Ok(facts) => {
                if let Some(exam) = &facts.exam {
                    let s = exam.settings;
                    let values = [
                        s.questions.to_string(),
                        s.pass_percent.to_string(),
                        s.attempts.to_string(),
                        s.bonus.to_string(),
                    ];
                    for (field, value) in self.fields[EXAM..].iter_mut().zip(values) {
                        *field = Input::new(value);
                    }
                }
                Facts::Read(facts.clone())
            }
            Err(e) => Facts::Failed(e.clone()),
        };
    }

    fn exam(&self) -> Option<&StaffExam> {
        match &self.facts {
            Facts::Read(f) => f.exam.as_ref(),
            _ => None,
        }
    }

    fn first(&self) -> usize {
        if self.editing.is_some() { 1 } else { CODE }
    }

    /// The last field shown: the exam's when the course has one.
    fn last(&self) -> usize {
        if self.exam().is_some() {
            FIELDS - 1
        } else {
            REASON
        }
    }

    fn value(&self, i: usize) -> &str {
        self.fields[i].value()
    }

    pub fn key(&mut self, k: &KeyEvent) -> Formed {
        let (first, last) = (self.first(), self.last());
        self.note = None;
        match k.code {
            KeyCode::Esc => return Formed::Cancelled,
            KeyCode::Up => self.focus = self.focus.saturating_sub(1).max(first),
            KeyCode::Tab if k.modifiers.contains(KeyModifiers::SHIFT) => {
                self.focus = self.focus.saturating_sub(1).max(first);
            }
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1).min(last),
            KeyCode::Enter if self.focus < last => self.focus += 1,
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

    /// Each field's problem, in Chinese (None: fine), by the commands' own checks; the exam's
    /// fields only when the course has an exam.
    pub fn errors(&self) -> Vec<Option<String>> {
        let v = |i| self.value(i);
        let designated = match v(6).trim() {
            "" => Ok(None),
            d => parse_designated(d).map(Some),
        };
        let had = self.original.as_ref().and_then(|o| o.designated);
        let reason = match (&designated, v(REASON).trim().is_empty()) {
            (Ok(Some(d)), true) if had != Some(*d) => {
                Err("指定学分须说明理由（如 省委组织部指定）".to_string())
            }
            (Ok(None), false) => Err("只有指定学分时才填理由".to_string()),
            _ => crate::rules::text::check(v(REASON).trim(), crate::app::MAX_REASON)
                .map(|_| ())
                .map_err(|e| format!("理由{e}")),
        };
        let mut out = vec![
            if self.editing.is_some() {
                None
            } else {
                check_code(v(CODE)).err()
            },
            check_title(v(1)).err(),
            vocab_error::<Category>(v(2)),
            vocab_error::<CourseKind>(v(3)),
            vocab_error::<Source>(v(4)),
            parse_duration(v(DURATION)).err(),
            designated.err(),
            reason.err(),
        ];
        if let Some(exam) = self.exam() {
            out.extend(self.exam_errors(exam));
        }
        out
    }

    /// The exam's fields: each must read as a number, then the numbers are checked against the
    /// bank as `app::exams` checks them when saving (a field that does not read keeps its old
    /// value for that check, so only its own error shows).
    fn exam_errors(&self, exam: &StaffExam) -> [Option<String>; 4] {
        let (typed, read) = self.exam_typed(exam);
        let bounds = setting_errors(&typed, exam.bank);
        let mut out: [Option<String>; 4] = Default::default();
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = read[i].clone().or_else(|| bounds[i].clone());
        }
        out
    }

    /// The exam's settings as typed (fields that do not read keep the exam's own value) and
    /// how each field read.
    fn exam_typed(&self, exam: &StaffExam) -> (ExamSettings, [Option<String>; 4]) {
        let whole = |i: usize| parse_whole(self.value(EXAM + i));
        let mut s = exam.settings;
        let mut read: [Option<String>; 4] = Default::default();
        for (i, slot) in [&mut s.questions, &mut s.pass_percent, &mut s.attempts]
            .into_iter()
            .enumerate()
        {
            match whole(i) {
                Ok(v) => *slot = v,
                Err(e) => read[i] = Some(e),
            }
        }
        match parse_bonus(self.value(EXAM + 3)) {
            Ok(b) => s.bonus = b,
            Err(e) => read[3] = Some(e),
        }
        (s, read)
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
            duration_s: parse_duration(v(DURATION)).ok()?,
            designated: match v(6).trim() {
                "" => None,
                d => Some(parse_designated(d).ok()?),
            },
        })
    }

    /// The credit the rule will give, once kind, duration and designated credits are valid.
    pub fn credit(&self) -> Option<CourseCredit> {
        let kind = parse::<CourseKind>(self.value(3)).ok()?;
        let duration = parse_duration(self.value(DURATION)).ok()?;
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
        let Some(original) = &self.original else {
            let question = format!("新增课程 {}（{}），保存为草稿？", draft.code, draft.title);
            return Formed::Done(CourseOp::Add(draft, reason), question);
        };
        let completions = match &self.facts {
            Facts::Loading => {
                self.note = Some("正在读取本课程的完成人次和考试，请稍候再保存".into());
                return Formed::Editing;
            }
            Facts::Read(f) => f.completions,
            // Not known: saved without leave to change credits, so `app` refuses such a change
            // if anybody completed the course.
            Facts::New | Facts::Failed(_) => 0,
        };
        let credit_change = completions > 0 && changes_credit(original, &draft);
        let exam = self.exam().map(|e| self.exam_typed(e).0);
        let question = if credit_change {
            format!(
                "课程 {} 已有 {completions} 人完成。改动时长、类型或指定学分后今后完成者得 {} 学分（原为 {}），已取得的学分保持不变。确定修改？",
                draft.code,
                credit_of(&draft).tenths,
                credit_of(original).tenths
            )
        } else {
            format!("保存对课程 {}（{}）的修改？", draft.code, draft.title)
        };
        Formed::Done(
            CourseOp::Edit {
                draft,
                reason,
                exam,
                allow_credit_change: credit_change,
            },
            question,
        )
    }

    /// The form's lines and the index of the focused field's line (for scrolling to it).
    fn lines(&self, look: &Look) -> (Vec<Line<'static>>, usize) {
        let th = look.theme;
        let errors = self.errors();
        let mut lines = Vec::new();
        let mut focused_at = 0;
        for (i, error) in errors.iter().enumerate() {
            if i == EXAM
                && let Some(exam) = self.exam()
            {
                lines.push(Line::from(Span::styled(
                    format!("  考试：{} · 题库 {} 道", exam.title, exam.bank),
                    th.muted(),
                )));
            }
            let focused = i == self.focus;
            if focused {
                focused_at = lines.len();
            }
            let marker = if focused { "> " } else { "  " };
            let mut value = self.value(i).to_string();
            if i == CODE && self.editing.is_some() {
                value.push_str("（不可修改）");
            } else if focused {
                value.push('_');
            }
            let mut spans = vec![
                Span::styled(format!("{marker}{}：", label(i)), th.title(focused)),
                Span::styled(value, th.text()),
            ];
            if i == DURATION
                && let Ok(s) = parse_duration(self.value(DURATION))
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
        if self.exam().is_none() {
            let typed = check_code(self.value(CODE)).ok();
            let code = self
                .editing
                .as_deref()
                .or(typed.as_deref())
                .unwrap_or("课程编号");
            let when = if self.editing.is_some() {
                "无"
            } else {
                "保存后"
            };
            lines.push(Line::from(Span::styled(
                format!("  考试：{when}（导入题库即建立：exam import {code} < 题库.csv）"),
                th.muted(),
            )));
        }
        (lines, focused_at)
    }

    /// The line under the fields: who completed the course, or why saving waits.
    fn facts_line(&self, look: &Look) -> Line<'static> {
        let th = look.theme;
        if let Some(note) = &self.note {
            return Line::from(Span::styled(note.clone(), th.warn()));
        }
        match &self.facts {
            Facts::New => Line::from(""),
            Facts::Loading => Line::from(Span::styled("正在读取完成人次和考试…", th.muted())),
            Facts::Failed(e) => Line::from(Span::styled(
                format!("未能读取完成人次和考试：{e}"),
                th.danger(),
            )),
            Facts::Read(f) if f.completions > 0 => Line::from(Span::styled(
                format!(
                    "已有 {} 人完成：改时长、类型或指定学分须确认，已取得的学分不变",
                    f.completions
                ),
                th.warn(),
            )),
            Facts::Read(_) => Line::from(Span::styled("尚无人完成本课程", th.muted())),
        }
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
        let [fields, facts, credit] = Layout::vertical([
            Constraint::Min(8),
            Constraint::Length(1),
            Constraint::Length(2),
        ])
        .areas(inner);
        let (lines, focused_at) = self.lines(look);
        // Rows each line takes when wrapped, so the focused field and its error stay in view.
        let width = usize::from(fields.width.max(1));
        let rows: Vec<usize> = lines
            .iter()
            .map(|l| l.width().div_ceil(width).max(1))
            .collect();
        let before: usize = rows[..focused_at].iter().sum();
        let want: usize = rows[focused_at..].iter().take(2).sum();
        let scroll = (before + want).saturating_sub(usize::from(fields.height));
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
            fields,
        );
        f.render_widget(
            Paragraph::new(self.facts_line(look)).wrap(Wrap { trim: true }),
            facts,
        );
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
