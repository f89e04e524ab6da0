//! 名单: roster submissions. The list puts the actor's queue first (待审核 for the college, 待审批
//! for the office, the unit's own submissions); a submission opens to its rows with what the
//! system checked, where rows are accepted or rejected (one, or all marked ones, with a reason),
//! passed on, approved (with issuing progress) or returned; credentials are shown as the command
//! line that fetches them once.

use std::collections::BTreeSet;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row as TableRow, Table, Wrap};

use crate::app::actor::{Actor, RoleKind};
use crate::app::changes::Topic;
use crate::app::submission::{
    Progress, Row, RowStatus, Status, Submission, may_approve, may_review, may_send_back,
};
use crate::rules::calendar::datetime_cst;
use crate::rules::idnum::IdNumber;
use crate::rules::submission::id_summary;
use crate::tui::data::{DataMsg, Request, SubmissionOp};
use crate::tui::keys::{self, Action, Binding, C, Code, b};
use crate::tui::prompt::{Confirm, Prompt, Typed, outcome};
use crate::tui::screen::{Cx, Screen};
use crate::tui::screens::step;
use crate::tui::widgets::{Look, column_widths, ellipsis, with_status};
use crate::tui::{Effect, KeyCode, KeyEvent};

/// What a typed reason is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Asking {
    Reject(Vec<(i64, i64)>),
    Return,
}

/// Longest reason typed.
const REASON_LIMIT: usize = 200;

impl Asking {
    fn prompt(self) -> Prompt<Asking> {
        let label = match &self {
            Asking::Reject(rows) => format!("不通过 {} 行的理由：", rows.len()),
            Asking::Return => "退回理由：".to_string(),
        };
        Prompt::new(self, label, REASON_LIMIT)
    }
}

#[derive(Debug)]
struct Open {
    id: i64,
    data: Option<(Submission, Vec<Row>)>,
    selected: usize,
    /// Marked row numbers, for bulk decisions.
    marked: BTreeSet<i64>,
}

#[derive(Debug)]
pub struct Submissions {
    /// Who is signed in: `app::submission::may_*` decide which keys it has.
    actor: Actor,
    role: Option<RoleKind>,
    /// `ssh [-p N] user@服务器`, to build the command lines shown to copy.
    ssh: String,
    list: Option<Vec<Submission>>,
    error: Option<String>,
    selected: usize,
    open: Option<Open>,
    asking: Option<Prompt<Asking>>,
    /// Passing on or approval waiting for y/n: neither can be undone.
    confirm: Option<Confirm<SubmissionOp>>,
    /// The last action's outcome: (succeeded, text).
    message: Option<(bool, String)>,
    /// Issuing under way.
    issuing: Option<Progress>,
}

impl Screen for Submissions {
    fn new(cx: &Cx) -> Submissions {
        Submissions::with(cx.actor.clone(), cx.ssh.clone())
    }

    fn keys(&self) -> &'static [Binding] {
        if self.is_open() { OPEN_KEYS } else { KEYS }
    }

    fn refusal(&self, action: Action, _cx: &Cx) -> Option<String> {
        self.refusal_of(action)
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        self.act(action, cx.page())
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> Vec<Effect> {
        self.take(msg).unwrap_or_default()
    }

    /// The list and the open submission; selections stay (clamped to what comes back).
    fn reload(&mut self, _cx: &Cx) -> Vec<Effect> {
        let mut out = self.load();
        out.extend(
            self.open
                .as_ref()
                .map(|o| Effect::Load(Request::Submission(o.id))),
        );
        out
    }

    fn topics(&self) -> &'static [Topic] {
        &[Topic::Rosters]
    }

    fn editing(&self) -> bool {
        self.is_editing()
    }

    fn input_key(&mut self, k: KeyEvent, _cx: &Cx) -> Vec<Effect> {
        self.typed(k)
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        self.paste_text(text);
        Vec::new()
    }

    fn busy(&self) -> bool {
        self.is_busy()
    }

    fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        self.draw_all(f, area, look);
    }
}

impl Submissions {
    /// `actor`: who is signed in (its first role picks the queue; none for the local operator,
    /// who acts as the office); `ssh`: how the actor runs commands over SSH
    /// (`SessionContext::ssh_command`).
    fn with(actor: Actor, ssh: String) -> Submissions {
        Submissions {
            role: actor.roles.first().map(|r| r.kind),
            actor,
            ssh,
            list: None,
            error: None,
            selected: 0,
            open: None,
            asking: None,
            confirm: None,
            message: None,
            issuing: None,
        }
    }

    fn load(&self) -> Vec<Effect> {
        vec![Effect::Load(Request::Submissions)]
    }

    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// A reason is being typed or approval confirmed: keys go to `input_key`.
    fn is_editing(&self) -> bool {
        self.asking.is_some() || self.confirm.is_some()
    }

    /// Issuing accounts: the session should send ticks so the progress redraws.
    fn is_busy(&self) -> bool {
        self.issuing.is_some()
    }

    /// Why the signed-in actor may not take `action` here (None: it may), as the app decides:
    /// the TUI neither shows such a key nor asks anything before refusing it.
    fn refusal_of(&self, action: Action) -> Option<String> {
        let open = self.open.as_ref()?;
        let asked = match action {
            Action::Mark | Action::Accept | Action::AcceptAll | Action::Reject | Action::PassOn => {
                may_review(&self.actor)
            }
            Action::Approve => may_approve(&self.actor),
            Action::SendBack => {
                // Before the roster is loaded its status is unknown: a city-wide reviewer may.
                let status = open.data.as_ref().map_or(Status::Submitted, |d| d.0.status);
                may_send_back(&self.actor, status)
            }
            _ => Ok(()),
        };
        asked.err().map(|e| e.to_string())
    }

    /// The status the actor's queue holds.
    fn queue_status(&self) -> Option<Status> {
        match self.role {
            Some(RoleKind::College) => Some(Status::Submitted),
            Some(RoleKind::Office) | None => Some(Status::Reviewed),
            Some(RoleKind::Unit) => None,
        }
    }

    fn queue_label(&self) -> &'static str {
        match self.role {
            Some(RoleKind::College) => "待审核",
            Some(RoleKind::Office) | None => "待审批",
            Some(RoleKind::Unit) => "本单位名单",
        }
    }

    /// Consumes the answers meant for this screen, with the loads they call for.
    fn take(&mut self, msg: &DataMsg) -> Option<Vec<Effect>> {
        match msg {
            DataMsg::Submissions { result } => {
                match result {
                    Ok(list) => {
                        let mut list = list.clone();
                        let queue = self.queue_status();
                        // The queue first, then the rest, newest first within each.
                        list.sort_by_key(|s| (Some(s.status) != queue, -s.id));
                        self.selected = self.selected.min(list.len().saturating_sub(1));
                        self.list = Some(list);
                        self.error = None;
                    }
                    Err(e) => self.error = Some(e.clone()),
                }
                Some(Vec::new())
            }
            DataMsg::Submission { id, result } => {
                if let Some(open) = self.open.as_mut().filter(|o| o.id == *id) {
                    match result {
                        Ok(d) => {
                            open.selected = open.selected.min(d.1.len().saturating_sub(1));
                            open.data = Some(d.clone());
                        }
                        Err(e) => self.message = Some((false, e.clone())),
                    }
                }
                Some(Vec::new())
            }
            DataMsg::SubmissionDone { id, result } => {
                self.issuing = None;
                self.message = Some(outcome(result));
                if let Some(open) = self.open.as_mut() {
                    open.marked.clear();
                }
                let mut out = self.load();
                out.push(Effect::Load(Request::Submission(*id)));
                Some(out)
            }
            _ => None,
        }
    }

    fn act(&mut self, action: Action, page: usize) -> Vec<Effect> {
        if self.issuing.is_some() && !matches!(action, Action::Up | Action::Down) {
            return Vec::new();
        }
        let Some(open) = self.open.as_mut() else {
            return self.list_action(action, page);
        };
        let id = open.id;
        let rows = open.data.as_ref().map_or(&[][..], |d| d.1.as_slice());
        let current = rows.get(open.selected).map(|r| r.row_no);
        let targets = || -> Vec<(i64, i64)> {
            if open.marked.is_empty() {
                current.map(|n| vec![(n, n)]).unwrap_or_default()
            } else {
                open.marked.iter().map(|&n| (n, n)).collect()
            }
        };
        let op = match action {
            Action::Back => {
                self.open = None;
                self.message = None;
                return self.load();
            }
            Action::Mark => {
                if let Some(n) = current
                    && !open.marked.remove(&n)
                {
                    open.marked.insert(n);
                }
                open.selected = step(open.selected, rows.len(), Action::Down, page);
                return Vec::new();
            }
            Action::Accept => SubmissionOp::Accept(targets()),
            Action::AcceptAll => SubmissionOp::Accept(vec![(1, i64::MAX)]),
            Action::Reject => {
                let t = targets();
                if !t.is_empty() {
                    self.asking = Some(Asking::Reject(t).prompt());
                }
                return Vec::new();
            }
            Action::SendBack => {
                self.asking = Some(Asking::Return.prompt());
                return Vec::new();
            }
            Action::PassOn => {
                let (accepted, rejected) = open
                    .data
                    .as_ref()
                    .map_or((0, 0), |d| (d.0.accepted, d.0.rejected));
                let question = format!(
                    "报送名单 {id}（通过 {accepted} 人，不通过 {rejected} 人）给市在线学习办？"
                );
                self.message = None;
                self.confirm = Some(Confirm::new(SubmissionOp::Pass, question));
                return Vec::new();
            }
            Action::Approve => {
                let accepted = open.data.as_ref().map_or(0, |d| d.0.accepted);
                let question = format!("批准名单 {id}，为通过审核的 {accepted} 人发放账号？");
                self.message = None;
                self.confirm = Some(Confirm::new(
                    SubmissionOp::Approve(Progress::default()),
                    question,
                ));
                return Vec::new();
            }
            a => {
                open.selected = step(open.selected, rows.len(), a, page);
                return Vec::new();
            }
        };
        if matches!(&op, SubmissionOp::Accept(t) if t.is_empty()) {
            return Vec::new();
        }
        self.message = None;
        vec![Effect::Load(Request::SubmissionOp { id, op })]
    }

    fn list_action(&mut self, action: Action, page: usize) -> Vec<Effect> {
        let len = self.list.as_ref().map_or(0, Vec::len);
        if action == Action::Open {
            let Some(s) = self.list.as_ref().and_then(|l| l.get(self.selected)) else {
                return Vec::new();
            };
            let id = s.id;
            self.open = Some(Open {
                id,
                data: None,
                selected: 0,
                marked: BTreeSet::new(),
            });
            self.message = None;
            return vec![Effect::Load(Request::Submission(id))];
        }
        self.selected = step(self.selected, len, action, page);
        Vec::new()
    }

    /// A key while a reason is typed (Enter sends, Esc cancels) or approval is confirmed.
    fn typed(&mut self, k: KeyEvent) -> Vec<Effect> {
        let Some(id) = self.open.as_ref().map(|o| o.id) else {
            self.asking = None;
            self.confirm = None;
            return Vec::new();
        };
        if self.confirm.is_some() {
            let Some(op) = Confirm::answer(&mut self.confirm, &k) else {
                return Vec::new();
            };
            if let SubmissionOp::Approve(progress) = &op {
                self.issuing = Some(progress.clone());
            }
            return vec![Effect::Load(Request::SubmissionOp { id, op })];
        }
        let Some(prompt) = self.asking.as_mut() else {
            return Vec::new();
        };
        let reason = match prompt.key(&k) {
            Typed::Editing => return Vec::new(),
            Typed::Entered(reason) if reason.is_empty() => return Vec::new(),
            Typed::Entered(reason) => reason,
            Typed::Cancelled => {
                self.asking = None;
                return Vec::new();
            }
        };
        let op = match self.asking.take().map(|p| p.what) {
            Some(Asking::Reject(rows)) => SubmissionOp::Reject(rows, reason),
            Some(Asking::Return) => SubmissionOp::Return(reason),
            None => return Vec::new(),
        };
        self.message = None;
        vec![Effect::Load(Request::SubmissionOp { id, op })]
    }

    fn paste_text(&mut self, text: &str) {
        if let Some(prompt) = self.asking.as_mut() {
            prompt.paste(text);
        }
    }

    fn draw_all(&self, f: &mut Frame, area: Rect, look: &Look) {
        let [main, status] = with_status(area);
        match &self.open {
            Some(open) => self.draw_open(f, main, look, open),
            None => self.draw_list(f, main, look),
        }
        self.draw_status(f, status, look);
        if let Some(c) = &self.confirm {
            let yes = match c.op {
                SubmissionOp::Pass => "报送",
                _ => "批准",
            };
            c.draw(f, area, look, yes);
        }
    }

    fn draw_list(&self, f: &mut Frame, area: Rect, look: &Look) {
        let th = look.theme;
        let Some(list) = &self.list else {
            let text = match &self.error {
                Some(e) => Span::styled(format!("出错：{e}"), th.danger()),
                None => Span::styled("正在加载…", th.muted()),
            };
            f.render_widget(Paragraph::new(text).block(look.block("名单", true)), area);
            return;
        };
        let queue = self.queue_status();
        let waiting = list.iter().filter(|s| Some(s.status) == queue).count();
        let title = match queue {
            Some(_) => format!(
                "名单 · {}：{waiting} 份 · 共 {} 份",
                self.queue_label(),
                list.len()
            ),
            None => format!("名单 · {} · 共 {} 份", self.queue_label(), list.len()),
        };
        if list.is_empty() {
            let mut lines = vec![Line::from(Span::styled("（没有名单）", th.muted()))];
            if self.role == Some(RoleKind::Unit) {
                lines.extend(
                    self.how_to_submit()
                        .into_iter()
                        .map(|l| Line::from(Span::styled(l, th.text()))),
                );
            }
            f.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(look.block(&title, true)),
                area,
            );
            return;
        }
        let widths = [
            Constraint::Length(6),
            Constraint::Min(12),
            Constraint::Length(6),
            Constraint::Length(6),
            Constraint::Length(5),
            Constraint::Length(6),
            Constraint::Length(12),
            Constraint::Length(16),
        ];
        let w = column_widths(area, &widths, 1, look.selected_symbol());
        let rows: Vec<TableRow> = list
            .iter()
            .map(|s| {
                let style = if Some(s.status) == queue {
                    th.warn()
                } else {
                    th.text()
                };
                TableRow::new(vec![
                    Cell::from(s.id.to_string()),
                    Cell::from(ellipsis(&s.unit_name, w[1])),
                    Cell::from(Span::styled(s.status.label().to_string(), style)),
                    Cell::from(s.row_count.to_string()),
                    Cell::from(s.accepted.to_string()),
                    Cell::from(s.rejected.to_string()),
                    Cell::from(ellipsis(&s.submitted_by, w[6])),
                    Cell::from(datetime_cst(s.submitted_at)),
                ])
            })
            .collect();
        let table = Table::new(rows, widths)
            .header(
                TableRow::new([
                    "名单号",
                    "单位",
                    "状态",
                    "人数",
                    "通过",
                    "不通过",
                    "提交人",
                    "提交时间",
                ])
                .style(th.title(false)),
            )
            .block(look.block(&title, true));
        look.pick_table(f, area, table, Some(self.selected));
    }

    fn draw_open(&self, f: &mut Frame, area: Rect, look: &Look, open: &Open) {
        let th = look.theme;
        let Some((s, rows)) = &open.data else {
            look.loading(f, area, &format!("名单 {}", open.id));
            return;
        };
        // As many rows as the steps take once wrapped: a command line to copy must be whole.
        let title = format!("名单 {} · {} · {}", s.id, s.unit_name, s.status.label());
        let steps = Paragraph::new(self.steps(s, look))
            .wrap(Wrap { trim: false })
            .block(look.block(&title, true));
        let height = u16::try_from(steps.line_count(area.width)).unwrap_or(u16::MAX);
        let [info, table_area] =
            Layout::vertical([Constraint::Length(height), Constraint::Min(3)]).areas(area);
        // Narrow terminals leave out the ID number: its check result is shown anyway.
        let wide = area.width >= 110;
        f.render_widget(steps, info);
        let mut widths = vec![Constraint::Length(5), Constraint::Length(8)];
        let mut headers = vec!["行号", "姓名"];
        if wide {
            widths.push(Constraint::Length(18));
            headers.push("身份证号");
        }
        widths.extend([
            Constraint::Min(10),
            Constraint::Length(4),
            Constraint::Length(22),
            Constraint::Length(6),
            Constraint::Min(12),
        ]);
        headers.extend(["单位", "批次", "系统检查", "审核", "理由/用户名"]);
        let w = column_widths(table_area, &widths, 1, look.selected_symbol());
        // The columns after the ID number (when shown) shift by one.
        let at = |i: usize| w.get(if wide { i + 1 } else { i }).copied().unwrap_or(0);
        let table_rows: Vec<TableRow> = rows
            .iter()
            .map(|r| {
                let mark = if open.marked.contains(&r.row_no) {
                    "*"
                } else {
                    " "
                };
                let checked = IdNumber::parse(&r.id_number)
                    .map(|id| id_summary(&id))
                    .unwrap_or_else(|e| e.to_string());
                let decision_style = match r.status {
                    RowStatus::Accepted => th.ok(),
                    RowStatus::Rejected => th.danger(),
                    RowStatus::Pending => th.muted(),
                };
                let after = match (&r.username, r.status) {
                    (Some(u), _) => u.to_string(),
                    (None, RowStatus::Rejected) => r.reject_reason.clone(),
                    _ => String::new(),
                };
                let mut cells = vec![
                    Cell::from(format!("{mark}{}", r.row_no)),
                    Cell::from(ellipsis(&r.real_name, w[1])),
                ];
                if wide {
                    cells.push(Cell::from(r.id_number.clone()));
                }
                cells.extend([
                    Cell::from(ellipsis(&r.unit_name, at(2))),
                    Cell::from(r.batch.to_string()),
                    Cell::from(ellipsis(&checked, at(4))),
                    Cell::from(Span::styled(r.status.label().to_string(), decision_style)),
                    Cell::from(ellipsis(&after, at(6))),
                ]);
                TableRow::new(cells)
            })
            .collect();
        let marked = if open.marked.is_empty() {
            String::new()
        } else {
            format!(" · 已标记 {} 行", open.marked.len())
        };
        let title = format!(
            "{} 人 · 通过 {} · 不通过 {}{marked}",
            s.row_count, s.accepted, s.rejected
        );
        let table = Table::new(table_rows, widths)
            .header(TableRow::new(headers).style(th.title(false)))
            .block(look.block(&title, true));
        look.pick_table(f, table_area, table, Some(open.selected));
    }

    /// Who did each step and when, and what comes next.
    fn steps(&self, s: &Submission, look: &Look) -> Vec<Line<'static>> {
        let th = look.theme;
        let mut done = vec![format!(
            "{} 提交 {}",
            s.submitted_by,
            datetime_cst(s.submitted_at)
        )];
        let mut step = |who: &Option<String>, at: Option<i64>, what: &str| {
            if let (Some(who), Some(at)) = (who, at) {
                done.push(format!("{who} {what} {}", datetime_cst(at)));
            }
        };
        step(&s.reviewed_by, s.reviewed_at, "审核");
        step(&s.approved_by, s.approved_at, "批准");
        step(&s.returned_by, s.returned_at, "退回");
        if let Some(at) = s.credentials_fetched_at {
            done.push(format!("已领取 {}", datetime_cst(at)));
        }
        let mut lines = vec![Line::from(Span::styled(done.join(" · "), th.text()))];
        let next = match s.status {
            Status::Returned => Span::styled(format!("退回理由：{}", s.note), th.danger()),
            Status::Approved if self.role == Some(RoleKind::Unit) => {
                lines.push(Line::from(Span::styled(
                    "领取账号凭据（只能领取一次）：",
                    th.warn(),
                )));
                Span::styled(
                    format!(
                        "{} roster credentials {} --format xlsx > 账号{}.xlsx",
                        self.ssh, s.id, s.id
                    ),
                    th.warn(),
                )
            }
            Status::Approved => Span::styled("等待提交单位领取账号凭据", th.muted()),
            Status::Issued => Span::styled("账号凭据已领取，初始密码已从系统中清除", th.muted()),
            Status::Submitted | Status::Reviewed => {
                // Only what this actor may do here.
                let hints: Vec<&str> = [
                    (Action::Mark, "空格 标记行"),
                    (Action::Accept, "a 通过"),
                    (Action::Reject, "x 不通过"),
                    (Action::AcceptAll, "A 全部通过"),
                    (Action::PassOn, "p 报送"),
                    (Action::Approve, "o 批准"),
                    (Action::SendBack, "r 退回"),
                ]
                .into_iter()
                .filter(|(a, _)| self.refusal_of(*a).is_none())
                .map(|(_, h)| h)
                .collect();
                Span::styled(hints.join(" · "), th.muted())
            }
        };
        lines.push(Line::from(next));
        lines
    }

    /// A unit submits from its own computer, where the file is: the command lines for it.
    fn how_to_submit(&self) -> [String; 2] {
        [
            format!("提交名单：{} roster submit < 名单.xlsx", self.ssh),
            format!(
                "名单模板：{} roster template --format xlsx > 名单模板.xlsx",
                self.ssh
            ),
        ]
    }

    fn draw_status(&self, f: &mut Frame, area: Rect, look: &Look) {
        let th = look.theme;
        let line = if let Some(prompt) = &self.asking {
            prompt.line(look, area.width)
        } else if let Some(p) = &self.issuing {
            let (done, total) = p.get();
            let permille = (done * 1000).checked_div(total).unwrap_or(0) as u32;
            Line::from(vec![
                Span::styled("正在发放账号 ", th.warn()),
                look.bar(permille, 20),
                Span::styled(format!(" {done}/{total}"), th.text()),
            ])
        } else if let Some((ok, text)) = &self.message {
            Line::from(Span::styled(
                text.clone(),
                if *ok { th.ok() } else { th.danger() },
            ))
        } else if self.role == Some(RoleKind::Unit) && self.open.is_none() {
            let [submit, _] = self.how_to_submit();
            Line::from(Span::styled(submit, th.muted()))
        } else {
            Line::default()
        };
        f.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), area);
    }
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
        "打开名单",
        Action::Open,
        true,
    ),
];

/// The keys while a submission is open.
pub const OPEN_KEYS: &[Binding] = &[
    keys::MOVE[0],
    keys::MOVE[1],
    keys::MOVE[2],
    keys::MOVE[3],
    b(&[C(' ')], "空格", "标记 / 取消标记本行", Action::Mark, true),
    b(
        &[C('a')],
        "a",
        "通过本行（或全部已标记行）",
        Action::Accept,
        true,
    ),
    b(
        &[C('x')],
        "x",
        "不通过本行（或已标记行），须填理由",
        Action::Reject,
        true,
    ),
    b(&[C('A')], "A", "全部通过", Action::AcceptAll, false),
    b(
        &[C('p')],
        "p",
        "审核完毕，报送（市网络学院）",
        Action::PassOn,
        true,
    ),
    b(
        &[C('o')],
        "o",
        "批准并发放账号（市在线学习办，须确认）",
        Action::Approve,
        true,
    ),
    b(&[C('r')], "r", "退回，须填理由", Action::SendBack, false),
    b(
        &[Code(KeyCode::Esc)],
        "Esc",
        "返回名单列表",
        Action::Back,
        true,
    ),
];
