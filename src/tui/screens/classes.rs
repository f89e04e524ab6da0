//! 培训班 (Art. 9, issue 14): the special training classes in the actor's scope — title,
//! organiser unit, dates, status, members, graduation rate. Enter opens a class's board
//! (`class_board`); `n` and `e` open the form (`class_form`); `o` opens a draft and `x` closes an
//! open class (the question says results freeze); `a` adds the assessed learners of a unit
//! (code or unique name, resolved before the y/n names it), `+` one learner found by a search,
//! `p` a pasted list of usernames or ID numbers (checked line by line first: a refused line is
//! listed with its reason and nothing is added), Del removes the selected member with a reason. Every write goes through `app::classes`; a key
//! the actor may not use there is hidden and refused at once with the reason its `may_*` gives.
//! A refused member list comes back line by line and is shown in full.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Clear, Paragraph, Row, Table, Wrap};

use crate::app::accounts::Account;
use crate::app::changes::Topic;
use crate::app::classes::{
    ClassSummary, MemberLine, Verdict, may_add_members, may_close, may_create, may_edit, may_open,
    may_remove_member,
};
use crate::rules::standing::format_rate;
use crate::tui::data::{ClassOp, ClassOutcome, DataMsg, Request};
use crate::tui::keys::{self, Action, Binding, C, Code, b};
use crate::tui::prompt::{Confirm, Prompt, Typed, draw_status};
use crate::tui::screen::{Cx, Screen};
use crate::tui::screens::class_board::ClassBoard;
use crate::tui::screens::class_form::{ClassForm, Formed};
use crate::tui::screens::step;
use crate::tui::widgets::{Look, centered, column_widths, ellipsis, with_status};
use crate::tui::{Effect, KeyCode, KeyEvent};

/// Longest reason or search typed.
const LINE_LIMIT: usize = 200;
/// Longest member list pasted (about a thousand ID numbers).
const LIST_LIMIT: usize = 20_000;

/// What a typed line is for (each names its class: id and title).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ask {
    /// A unit (code or unique name) whose learners join.
    Unit(i64, String),
    /// A search for one learner to add.
    Search(i64, String),
    /// A pasted list of usernames or ID numbers.
    List(i64, String),
    /// The reason a member leaves: (class, title, username, name).
    Reason(i64, String, String, String),
}

/// Learners found for `+`, one to pick.
#[derive(Debug)]
struct People {
    class: (i64, String),
    text: String,
    found: Option<Result<Vec<Account>, String>>,
    selected: usize,
}

#[derive(Debug, Default)]
pub struct Classes {
    list: Option<Vec<ClassSummary>>,
    error: Option<String>,
    selected: usize,
    filter: String,
    form: Option<ClassForm>,
    /// A class whose form waits for its detail.
    form_for: Option<i64>,
    board: Option<ClassBoard>,
    asking: Option<Prompt<Ask>>,
    /// The unit typed for `a`, while `app` resolves it: (class, title, typed).
    resolving: Option<(i64, String, String)>,
    /// The class a pasted list is being checked for: (class, title).
    listing: Option<(i64, String)>,
    /// A member list pasted as a whole, kept raw (the prompt shows it flattened): (raw, what the
    /// prompt showed right after the paste). Used on Enter if the prompt was not edited since.
    pasted: Option<(String, String)>,
    confirm: Option<Confirm<ClassOp>>,
    people: Option<People>,
    /// A report shown until a key is pressed: its title and lines (who was not added and why).
    report: Option<(String, Vec<String>)>,
    /// The last action's outcome: (succeeded, text).
    message: Option<(bool, String)>,
}

impl Screen for Classes {
    fn new(_cx: &Cx) -> Classes {
        Classes::default()
    }

    fn keys(&self) -> &'static [Binding] {
        match (&self.form, &self.board) {
            (Some(_), _) => FORM_KEYS,
            (None, Some(board)) => board.keys(),
            (None, None) => KEYS,
        }
    }

    fn refusal(&self, action: Action, cx: &Cx) -> Option<String> {
        let actor = &cx.actor;
        if self.board.as_ref().is_some_and(ClassBoard::member_open) {
            return None;
        }
        let asked = match (action, self.target()) {
            (Action::New, _) => may_create(actor),
            (Action::Edit, Some(c)) => may_edit(actor, c),
            (Action::StartClass, Some(c)) => may_open(actor, c),
            (Action::CloseClass, Some(c)) => may_close(actor, c),
            (Action::AddByUnit | Action::AddPerson | Action::AddList, Some(c)) => {
                may_add_members(actor, c)
            }
            (Action::RemoveHeld, Some(c)) => may_remove_member(actor, c),
            _ => Ok(()),
        };
        asked.err().map(|e| e.to_string())
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        self.message = None;
        let target = self.target().map(|c| (c.id, c.title.clone()));
        match (action, target) {
            (Action::New, _) => {
                self.form = Some(ClassForm::new_class());
                Vec::new()
            }
            (Action::Edit, Some((id, _))) => {
                self.form_for = Some(id);
                vec![Effect::Load(Request::Class(id))]
            }
            (Action::StartClass, Some((id, title))) => {
                let q =
                    format!("开班「{title}」？开班后学员在网站“我的培训班”中看到本班并收到通知");
                self.confirm = Some(Confirm::new(ClassOp::Open(id), q));
                Vec::new()
            }
            (Action::CloseClass, Some((id, title))) => {
                let q = format!(
                    "结班「{title}」？结班后结业名单即固定，此后的学习和学分变动不再改变结果"
                );
                self.confirm = Some(Confirm::new(ClassOp::Close(id), q));
                Vec::new()
            }
            (Action::AddByUnit, Some((id, title))) => {
                let label = "按单位添加（单位代码或唯一名称，含下级单位）：";
                self.asking = Some(Prompt::new(Ask::Unit(id, title), label, LINE_LIMIT));
                Vec::new()
            }
            (Action::AddPerson, Some((id, title))) => {
                let label = "查找学员（姓名、用户名或身份证号）：";
                self.asking = Some(Prompt::new(Ask::Search(id, title), label, LINE_LIMIT));
                Vec::new()
            }
            (Action::AddList, Some((id, title))) => {
                let label = "粘贴名单（用户名或身份证号，空格或换行分隔）：";
                self.asking = Some(Prompt::new(Ask::List(id, title), label, LIST_LIMIT));
                self.pasted = None;
                Vec::new()
            }
            (Action::RemoveHeld, Some((id, title))) => {
                let Some(m) = self.board.as_ref().and_then(ClassBoard::selected_member) else {
                    self.message = Some((false, "没有选中的学员".into()));
                    return Vec::new();
                };
                let label = format!("将 {}（{}）移出的原因：", m.name, m.username);
                let ask = Ask::Reason(id, title, m.username.to_string(), m.name.clone());
                self.asking = Some(Prompt::new(ask, label, LINE_LIMIT));
                Vec::new()
            }
            (
                Action::Edit
                | Action::StartClass
                | Action::CloseClass
                | Action::AddByUnit
                | Action::AddPerson
                | Action::AddList
                | Action::RemoveHeld,
                None,
            ) => {
                self.message = Some((false, "没有选中的培训班".into()));
                Vec::new()
            }
            (a, _) => {
                if let Some(board) = self.board.as_mut() {
                    if a == Action::Back && !board.member_open() {
                        self.board = None;
                        return self.load();
                    }
                    return board.on_action(a, cx.year, cx.page());
                }
                if a == Action::Open {
                    let Some(c) = self.shown().get(self.selected).map(|c| c.id) else {
                        return Vec::new();
                    };
                    let board = ClassBoard::new(c);
                    let out = board.load(cx.year);
                    self.board = Some(board);
                    return out;
                }
                self.selected = step(self.selected, self.shown().len(), a, cx.page());
                Vec::new()
            }
        }
    }

    fn on_data(&mut self, msg: &DataMsg, cx: &mut Cx) -> Vec<Effect> {
        if let Some(board) = self.board.as_mut()
            && board.on_data(msg)
        {
            return Vec::new();
        }
        match msg {
            DataMsg::Classes { result } => {
                match result {
                    Ok(list) => {
                        self.list = Some(list.clone());
                        self.error = None;
                        self.selected = self.selected.min(self.shown().len().saturating_sub(1));
                    }
                    Err(e) => self.error = Some(e.clone()),
                }
                Vec::new()
            }
            DataMsg::Class { id, result } if self.form_for == Some(*id) => {
                self.form_for = None;
                match result {
                    Ok(d) => self.form = Some(ClassForm::edit(d)),
                    Err(e) => self.message = Some((false, e.clone())),
                }
                Vec::new()
            }
            DataMsg::ClassCatalog { text, result } => {
                if let (Some(form), Ok(found)) = (self.form.as_mut(), result) {
                    form.found(text, found);
                }
                Vec::new()
            }
            DataMsg::ClassPeople { text, result } => {
                if let Some(p) = self.people.as_mut().filter(|p| p.text == *text) {
                    p.found = Some(result.clone());
                }
                Vec::new()
            }
            DataMsg::ClassUnit { id, unit, result } => {
                self.unit_resolved(*id, unit, result);
                Vec::new()
            }
            DataMsg::ClassPreview { id, lines, result } => {
                self.previewed(*id, lines, result);
                Vec::new()
            }
            DataMsg::ClassDone { result } => {
                self.done(result);
                self.reload(cx)
            }
            _ => Vec::new(),
        }
    }

    fn reload(&mut self, cx: &Cx) -> Vec<Effect> {
        let mut out = self.load();
        if let Some(board) = &self.board {
            out.extend(board.load(cx.year));
        }
        out
    }

    fn topics(&self) -> &'static [Topic] {
        // A completion moves the board's cells (ledger) and may graduate someone (classes).
        &[Topic::Classes, Topic::Ledger]
    }

    fn filter(&self) -> Option<&str> {
        self.board.is_none().then_some(self.filter.as_str())
    }

    fn set_filter(&mut self, text: &str, _cx: &Cx) -> Vec<Effect> {
        self.filter = text.trim().to_string();
        self.selected = 0;
        Vec::new()
    }

    fn editing(&self) -> bool {
        self.form.is_some()
            || self.asking.is_some()
            || self.confirm.is_some()
            || self.people.is_some()
            || self.report.is_some()
    }

    fn input_key(&mut self, k: KeyEvent, _cx: &Cx) -> Vec<Effect> {
        if self.report.take().is_some() {
            return Vec::new();
        }
        if self.confirm.is_some() {
            return Confirm::answer(&mut self.confirm, &k)
                .map(|op| vec![Effect::Load(Request::ClassOp(op))])
                .unwrap_or_default();
        }
        if self.people.is_some() {
            return self.people_key(&k);
        }
        if self.asking.is_some() {
            return self.prompt_key(&k);
        }
        let Some(form) = self.form.as_mut() else {
            return Vec::new();
        };
        match form.key(&k) {
            Formed::Editing => Vec::new(),
            Formed::Cancelled => {
                self.form = None;
                Vec::new()
            }
            Formed::Search(text) => vec![Effect::Load(Request::ClassCatalog(text))],
            Formed::Done(op, question) => {
                self.form = None;
                self.confirm = Some(Confirm::new(*op, question));
                Vec::new()
            }
        }
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        if let Some(p) = self.asking.as_mut() {
            // A pasted list keeps its lines apart (the prompt drops line breaks).
            let flat = text.replace(['\r', '\n', '\t'], " ");
            let whole = p.value().is_empty();
            p.paste(&flat);
            // The raw paste keeps rows, columns and line numbers for the member-list reader.
            self.pasted = (whole && matches!(p.what, Ask::List(..)))
                .then(|| (text.to_string(), p.value().to_string()));
        } else if let Some(form) = self.form.as_mut()
            && let Some(Formed::Search(text)) = form.paste(text)
        {
            return vec![Effect::Load(Request::ClassCatalog(text))];
        }
        Vec::new()
    }

    fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        let [main, status] = with_status(area);
        match &self.board {
            Some(board) => board.draw(f, main, look),
            None => self.draw_list(f, main, look),
        }
        draw_status(f, status, look, self.asking.as_ref(), self.message.as_ref());
        if let Some(form) = &self.form {
            form.draw(f, area, look);
        }
        if let Some(p) = &self.people {
            draw_people(f, area, look, p);
        }
        if let Some(c) = &self.confirm {
            c.draw(f, area, look, "确定");
        }
        if let Some((title, lines)) = &self.report {
            draw_report(f, area, look, title, lines);
        }
    }
}

impl Classes {
    fn load(&self) -> Vec<Effect> {
        vec![Effect::Load(Request::Classes)]
    }

    /// The classes shown: those matching the filter (title, unit code or name).
    fn shown(&self) -> Vec<&ClassSummary> {
        let Some(list) = &self.list else {
            return Vec::new();
        };
        let f = self.filter.to_lowercase();
        list.iter()
            .filter(|c| {
                f.is_empty()
                    || c.title.to_lowercase().contains(&f)
                    || c.unit_code.as_str().to_lowercase().contains(&f)
                    || c.unit_name.contains(&self.filter)
            })
            .collect()
    }

    /// The class an action is about: the board's, else the selected one.
    fn target(&self) -> Option<&ClassSummary> {
        match &self.board {
            Some(board) => board.class(),
            None => self.shown().get(self.selected).copied(),
        }
    }

    fn prompt_key(&mut self, k: &KeyEvent) -> Vec<Effect> {
        let Some(prompt) = self.asking.as_mut() else {
            return Vec::new();
        };
        let text = match prompt.key(k) {
            Typed::Editing => return Vec::new(),
            Typed::Cancelled => {
                self.asking = None;
                self.resolving = None;
                return Vec::new();
            }
            Typed::Entered(text) => text,
        };
        if text.is_empty() {
            self.message = Some((false, "请输入内容，或按 Esc 取消".into()));
            return Vec::new();
        }
        self.message = None;
        match prompt.what.clone() {
            Ask::Unit(id, title) => {
                // Asked of `app` first, so the question names the unit the learners come from.
                self.resolving = Some((id, title, text.clone()));
                self.message = Some((true, format!("正在查找单位 {text}…")));
                vec![Effect::Load(Request::ClassUnit { id, unit: text })]
            }
            Ask::Search(id, title) => {
                self.asking = None;
                self.people = Some(People {
                    class: (id, title),
                    text: text.clone(),
                    found: None,
                    selected: 0,
                });
                vec![Effect::Load(Request::ClassPeople(text))]
            }
            Ask::List(id, title) => {
                let lines = match self.pasted.take() {
                    // Read as `class members add < list` reads a file: 第 N 行 is the pasted row.
                    Some((raw, shown)) if shown.trim() == text.trim() => {
                        match crate::rules::classes::member_list(raw.as_bytes()) {
                            Ok(lines) => lines,
                            Err(e) => {
                                self.asking = None;
                                self.message = Some((false, format!("学员名单：{e}")));
                                return Vec::new();
                            }
                        }
                    }
                    _ => text
                        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | ';' | '；'))
                        .filter(|l| !l.is_empty())
                        .map(str::to_string)
                        .collect(),
                };
                self.asking = None;
                self.listing = Some((id, title));
                self.message = Some((true, format!("正在核对 {} 行…", lines.len())));
                vec![Effect::Load(Request::ClassPreview { id, lines })]
            }
            Ask::Reason(id, title, username, name) => {
                self.asking = None;
                let q = format!("将 {name}（{username}）移出培训班「{title}」？原因：{text}");
                let op = ClassOp::Remove {
                    id,
                    username,
                    reason: text,
                };
                self.confirm = Some(Confirm::new(op, q));
                Vec::new()
            }
        }
    }

    fn unit_resolved(&mut self, id: i64, unit: &str, result: &Result<(String, String), String>) {
        let Some((_, title, _)) = self
            .resolving
            .take_if(|(i, _, typed)| *i == id && typed == unit)
        else {
            return;
        };
        match result {
            Ok((code, name)) => {
                self.asking = None;
                self.message = None;
                let q = format!(
                    "将{name}（{code}，含下级单位）本年度参评的学员加入培训班「{title}」？已在班中的不重复添加"
                );
                let op = ClassOp::AddUnit {
                    id,
                    unit: code.clone(),
                };
                self.confirm = Some(Confirm::new(op, q));
            }
            Err(e) => self.message = Some((false, e.clone())),
        }
    }

    /// A pasted list judged line by line: refused lines are shown (nothing is added, as
    /// `add_members` adds all or nothing), else the y/n asks to add them.
    fn previewed(&mut self, id: i64, lines: &[String], result: &Result<Vec<MemberLine>, String>) {
        let Some((_, title)) = self.listing.take_if(|(i, _)| *i == id) else {
            return;
        };
        let verdicts = match result {
            Ok(v) => v,
            Err(e) => {
                self.message = Some((false, e.clone()));
                return;
            }
        };
        let refused: Vec<String> = verdicts
            .iter()
            .filter(|v| matches!(v.verdict, Verdict::Refused(_)))
            .map(ToString::to_string)
            .collect();
        if !refused.is_empty() {
            let head = format!("{} 行不能加入，未添加任何学员", refused.len());
            self.message = Some((false, head.clone()));
            self.report = Some((head, refused));
            return;
        }
        let add = verdicts
            .iter()
            .filter(|v| matches!(v.verdict, Verdict::Add { .. }))
            .count();
        let q = format!(
            "将名单中的 {add} 人加入培训班「{title}」？（{} 人已在班中）",
            verdicts.len() - add
        );
        self.message = None;
        let op = ClassOp::AddMembers {
            id,
            lines: lines.to_vec(),
        };
        self.confirm = Some(Confirm::new(op, q));
    }

    fn people_key(&mut self, k: &KeyEvent) -> Vec<Effect> {
        let Some(p) = self.people.as_mut() else {
            return Vec::new();
        };
        let found: &[Account] = match &p.found {
            Some(Ok(list)) => list,
            _ => &[],
        };
        match k.code {
            KeyCode::Esc => self.people = None,
            KeyCode::Up | KeyCode::Char('k') => p.selected = p.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                p.selected = (p.selected + 1).min(found.len().saturating_sub(1));
            }
            KeyCode::Enter => {
                let Some(a) = found.get(p.selected) else {
                    return Vec::new();
                };
                let (id, title) = p.class.clone();
                let q = format!(
                    "将 {}（{}，{} {}）加入培训班「{title}」？",
                    a.real_name, a.username, a.unit_code, a.unit_name
                );
                let op = ClassOp::AddMembers {
                    id,
                    lines: vec![a.username.to_string()],
                };
                self.people = None;
                self.confirm = Some(Confirm::new(op, q));
            }
            _ => {}
        }
        Vec::new()
    }

    fn done(&mut self, result: &Result<ClassOutcome, String>) {
        match result {
            Ok(outcome) => {
                self.message = Some((true, outcome.text.clone()));
                if !outcome.report.is_empty() {
                    self.report = Some((outcome.text.clone(), outcome.report.clone()));
                }
            }
            // A refused member list names every line: shown whole, the status keeps the first.
            Err(e) if e.contains('\n') => {
                let mut lines = e.lines().map(str::to_string);
                let first = lines.next().unwrap_or_default();
                self.message = Some((false, first.clone()));
                self.report = Some((first, lines.collect()));
            }
            Err(e) => self.message = Some((false, e.clone())),
        }
    }

    fn draw_list(&self, f: &mut Frame, area: Rect, look: &Look) {
        let th = look.theme;
        let shown = self.shown();
        let mut title = format!("培训班 · {} 个", shown.len());
        if !self.filter.is_empty() {
            title.push_str(&format!(" · 筛选：{}", self.filter));
        }
        if self.list.is_none() {
            let text = match &self.error {
                Some(e) => Span::styled(format!("出错：{e}"), th.danger()),
                None => Span::styled("正在加载…", th.muted()),
            };
            f.render_widget(Paragraph::new(text).block(look.block("培训班", true)), area);
            return;
        }
        if shown.is_empty() {
            let text = if self.filter.is_empty() {
                "还没有培训班。按 n 新建（市在线学习办、单位联络员）"
            } else {
                "没有符合筛选的培训班"
            };
            f.render_widget(
                Paragraph::new(Span::styled(text, th.muted())).block(look.block(&title, true)),
                area,
            );
            return;
        }
        let widths = [
            Constraint::Min(14),
            Constraint::Length(12),
            Constraint::Length(21),
            Constraint::Length(6),
            Constraint::Length(5),
            Constraint::Length(7),
        ];
        let w = column_widths(area, &widths, 1, look.selected_symbol());
        let rows: Vec<Row> = shown
            .iter()
            .map(|c| {
                let (first, last) = (c.dates.first_day(), c.dates.last_day());
                // Within one year the last day drops its year: "2026-03-01–03-31".
                let dates = match (first.get(..5), last.get(5..)) {
                    (Some(y), Some(rest)) if last.starts_with(y) => format!("{first}–{rest}"),
                    _ => format!("{first}–{last}"),
                };
                Row::new(vec![
                    Cell::from(ellipsis(&c.title, w[0])),
                    Cell::from(ellipsis(&format!("{} {}", c.unit_code, c.unit_name), w[1])),
                    Cell::from(ellipsis(&dates, w[2])),
                    Cell::from(c.status.label()),
                    Cell::from(c.members.to_string()),
                    Cell::from(format_rate(c.graduation_rate)),
                ])
            })
            .collect();
        let table = Table::new(rows, widths)
            .header(
                Row::new(["名称", "组织单位", "日期", "状态", "学员", "结业率"])
                    .style(th.title(false)),
            )
            .block(look.block(&title, true));
        look.pick_table(f, area, table, Some(self.selected));
    }
}

fn draw_people(f: &mut Frame, area: Rect, look: &Look, p: &People) {
    let th = look.theme;
    let rect = centered(area, 72, 14);
    f.render_widget(Clear, rect);
    let title = format!("查找“{}” · j/k 选择 · Enter 加入 · Esc 取消", p.text);
    let block = look.block(&title, true);
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let list = match &p.found {
        None => {
            f.render_widget(Paragraph::new(Span::styled("正在查找…", th.muted())), inner);
            return;
        }
        Some(Err(e)) => {
            f.render_widget(Paragraph::new(Span::styled(e.clone(), th.danger())), inner);
            return;
        }
        Some(Ok(list)) if list.is_empty() => {
            let text = "没有找到（只列出您管理范围内的账号）";
            f.render_widget(Paragraph::new(Span::styled(text, th.muted())), inner);
            return;
        }
        Some(Ok(list)) => list,
    };
    let widths = [
        Constraint::Length(8),
        Constraint::Length(14),
        Constraint::Min(12),
    ];
    let w = column_widths(inner, &widths, 1, look.selected_symbol());
    let rows: Vec<Row> = list
        .iter()
        .map(|a| {
            Row::new(vec![
                Cell::from(ellipsis(&a.real_name, w[0])),
                Cell::from(ellipsis(a.username.as_str(), w[1])),
                Cell::from(ellipsis(&format!("{} {}", a.unit_code, a.unit_name), w[2])),
            ])
        })
        .collect();
    look.pick_table(f, inner, Table::new(rows, widths), Some(p.selected));
}

fn draw_report(f: &mut Frame, area: Rect, look: &Look, title: &str, lines: &[String]) {
    let th = look.theme;
    let height = u16::try_from(lines.len() + 3)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let rect = centered(area, 76, height);
    f.render_widget(Clear, rect);
    let mut text: Vec<Line> = lines
        .iter()
        .map(|l| Line::from(Span::styled(l.clone(), th.text())))
        .collect();
    text.push(Line::from(Span::styled("按任意键关闭", th.muted())));
    f.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(look.block(&ellipsis(title, 70), true)),
        rect,
    );
}

/// The keys of the class list: they decide what a key does and feed the footer and the help
/// (moving stays out of the footer, which keeps room at 80 columns for the changes).
pub const KEYS: &[Binding] = &[
    Binding {
        footer: false,
        ..keys::MOVE[0]
    },
    keys::MOVE[1],
    keys::MOVE[2],
    keys::MOVE[3],
    b(&[Code(KeyCode::Enter)], "Enter", "进度", Action::Open, true),
    b(&[C('/')], "/", "按名称或单位筛选", Action::Filter, false),
    b(&[C('n')], "n", "新建", Action::New, true),
    b(&[C('e')], "e", "修改", Action::Edit, true),
    b(&[C('o')], "o", "开班", Action::StartClass, true),
    b(&[C('x')], "x", "结班（结果固定）", Action::CloseClass, true),
    b(&[C('a')], "a", "按单位添加学员", Action::AddByUnit, false),
    b(
        &[C('+')],
        "+",
        "查找并添加一名学员",
        Action::AddPerson,
        false,
    ),
];

/// The keys while the form is open (shown only: the form reads the keys itself).
pub const FORM_KEYS: &[Binding] = &[
    b(&[Code(KeyCode::Tab)], "Tab ↓", "下一项", Action::Down, true),
    b(&[Code(KeyCode::Up)], "↑", "上一项", Action::Up, true),
    b(
        &[Code(KeyCode::Enter)],
        "Enter",
        "下一项；课程项选课；末项保存",
        Action::Open,
        true,
    ),
    b(&[C(' ')], "空格", "选课 / 切换是否", Action::Mark, true),
    b(&[Code(KeyCode::Esc)], "Esc", "取消", Action::Back, true),
];
