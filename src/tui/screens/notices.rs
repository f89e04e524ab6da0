//! 通知: the notices I received (unread first; Enter opens one and marks it read) and, for those
//! who may send (the office; a liaison within their unit), the notices sent with their read
//! counts (`s` switches). On a sent notice Enter shows the read receipts per unit. The office
//! composes (`n`: audience, title, body, then y/n), reminds the unread (`u`) or the behind (`d`),
//! and writes the last ended quarter's notices (`Q`), each after y/n.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;

use crate::app::changes::Topic;
use crate::app::notices::{
    MAX_BODY, MAX_TITLE, Notice, Receipts, may_remind, may_send, may_send_quarterly,
};
use crate::rules::calendar::{datetime_cst, quarter};
use crate::rules::standing::format_rate;
use crate::tui::data::{DataMsg, NoticeOp, NoticesView, Request};
use crate::tui::input::{edit_request, paste_into};
use crate::tui::keys::{self, Action, Binding, C, Code, b};
use crate::tui::prompt::{Confirm, draw_status, outcome};
use crate::tui::screen::{Cx, Screen};
use crate::tui::widgets::{Look, with_status};
use crate::tui::{Effect, KeyCode, KeyEvent};

const LABELS: [&str; 3] = ["收件人", "标题", "正文"];
/// The audience line: `all`, `unit:CODE …`, `user:NAME …`.
const AUDIENCE_LIMIT: usize = 500;

#[derive(Debug, Default)]
struct Form {
    fields: [Input; 3],
    at: usize,
}

impl Form {
    fn limit(&self) -> usize {
        match self.at {
            0 => AUDIENCE_LIMIT,
            1 => MAX_TITLE,
            _ => MAX_BODY,
        }
    }

    fn op(&self) -> NoticeOp {
        NoticeOp::Send {
            to: self.fields[0]
                .value()
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            title: self.fields[1].value().trim().to_string(),
            body: self.fields[2].value().to_string(),
        }
    }
}

#[derive(Debug, Default)]
pub struct Notices {
    view: Option<NoticesView>,
    error: Option<String>,
    /// Showing what was sent (else what I received).
    sent: bool,
    selected: usize,
    opened: Option<Notice>,
    receipts: Option<Receipts>,
    form: Option<Form>,
    confirm: Option<Confirm<NoticeOp>>,
    message: Option<(bool, String)>,
}

impl Screen for Notices {
    fn new(_cx: &Cx) -> Notices {
        Notices::default()
    }

    fn keys(&self) -> &'static [Binding] {
        if self.opened.is_some() || self.receipts.is_some() {
            BACK_KEYS
        } else {
            KEYS
        }
    }

    fn refusal(&self, action: Action, cx: &Cx) -> Option<String> {
        match action {
            Action::New | Action::Switch => may_send(&cx.actor).err().map(|e| e.to_string()),
            Action::RemindUnread | Action::RemindBehind => {
                may_remind(&cx.actor).err().map(|e| e.to_string())
            }
            Action::Quarterly => may_send_quarterly(&cx.actor).err().map(|e| e.to_string()),
            _ => None,
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        let len = self.len();
        match action {
            Action::Back => {
                self.opened = None;
                self.receipts = None;
            }
            Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown => {
                self.selected = super::step(self.selected, len, action, cx.page());
            }
            Action::Switch => {
                self.sent = !self.sent;
                self.selected = 0;
            }
            Action::Open => return self.open(),
            Action::New => {
                self.message = None;
                self.form = Some(Form::default());
            }
            Action::RemindUnread | Action::RemindBehind => {
                if let Some(s) = self.sent_selected() {
                    let behind = action == Action::RemindBehind;
                    let whom = if behind {
                        "本年度学分未达标的收件人"
                    } else {
                        "尚未阅读的收件人"
                    };
                    self.confirm = Some(Confirm::new(
                        NoticeOp::Remind { id: s.id, behind },
                        format!("向通知 {}「{}」{whom}发送催学提醒？", s.id, s.title),
                    ));
                }
            }
            Action::Quarterly => {
                let (mut year, mut q) = quarter(crate::app::now());
                // The last quarter that has ended.
                if q == 1 {
                    year -= 1;
                    q = 4;
                } else {
                    q -= 1;
                }
                self.confirm = Some(Confirm::new(
                    NoticeOp::Quarterly { year, quarter: q },
                    format!(
                        "发送 {year} 年第 {q} 季度通知（每名参学干部一条，各单位汇总一条；已发的不重发）？"
                    ),
                ));
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> Vec<Effect> {
        match msg {
            DataMsg::Notices { result } => {
                match result {
                    Ok(v) => {
                        self.view = Some(v.clone());
                        self.error = None;
                        self.selected = self.selected.min(self.len().saturating_sub(1));
                    }
                    Err(e) => self.error = Some(e.clone()),
                }
                Vec::new()
            }
            DataMsg::NoticeOpened { result } => {
                match result {
                    Ok(n) => self.opened = Some(n.clone()),
                    Err(e) => self.message = Some((false, e.clone())),
                }
                Vec::new()
            }
            DataMsg::NoticeReceipts { result } => {
                match result {
                    Ok(r) => self.receipts = Some(r.clone()),
                    Err(e) => self.message = Some((false, e.clone())),
                }
                Vec::new()
            }
            DataMsg::NoticeDone { result } => {
                self.message = Some(outcome(result));
                self.load()
            }
            _ => Vec::new(),
        }
    }

    fn reload(&mut self, _cx: &Cx) -> Vec<Effect> {
        self.load()
    }

    fn topics(&self) -> &'static [Topic] {
        &[Topic::Notices]
    }

    fn editing(&self) -> bool {
        self.form.is_some() || self.confirm.is_some()
    }

    fn input_key(&mut self, k: KeyEvent, _cx: &Cx) -> Vec<Effect> {
        if self.confirm.is_some() {
            return match Confirm::answer(&mut self.confirm, &k) {
                Some(op) => vec![Effect::Load(Request::NoticeOp(op))],
                None => Vec::new(),
            };
        }
        let Some(form) = self.form.as_mut() else {
            return Vec::new();
        };
        match k.code {
            KeyCode::Esc => self.form = None,
            KeyCode::Tab | KeyCode::Down => form.at = (form.at + 1) % LABELS.len(),
            KeyCode::Up => form.at = (form.at + LABELS.len() - 1) % LABELS.len(),
            KeyCode::Enter => {
                if form.fields.iter().any(|f| f.value().trim().is_empty()) {
                    self.message = Some((false, "收件人、标题和正文都要填写".into()));
                } else {
                    let op = form.op();
                    let q = format!(
                        "发送通知「{}」给 {}？",
                        form.fields[1].value().trim(),
                        form.fields[0].value().trim()
                    );
                    self.form = None;
                    self.confirm = Some(Confirm::new(op, q));
                }
            }
            _ => {
                let limit = form.limit();
                let input = &mut form.fields[form.at];
                match edit_request(&k) {
                    Some(tui_input::InputRequest::InsertChar(_))
                        if input.value().chars().count() >= limit => {}
                    Some(r) => {
                        input.handle(r);
                    }
                    None => {}
                }
            }
        }
        Vec::new()
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        if let Some(form) = self.form.as_mut() {
            let limit = form.limit();
            let input = &mut form.fields[form.at];
            let room = limit.saturating_sub(input.value().chars().count());
            paste_into(input, text, room);
        }
        Vec::new()
    }

    fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        let [main, status] = with_status(area);
        self.draw_body(f, main, look);
        draw_status::<()>(f, status, look, None, self.message.as_ref());
        if let Some(c) = &self.confirm {
            c.draw(f, area, look, "发送");
        }
    }
}

impl Notices {
    fn load(&self) -> Vec<Effect> {
        vec![Effect::Load(Request::Notices)]
    }

    fn len(&self) -> usize {
        match (&self.view, self.sent) {
            (Some(v), false) => v.received.len(),
            (Some(v), true) => v.sent.as_ref().map_or(0, Vec::len),
            (None, _) => 0,
        }
    }

    fn sent_selected(&self) -> Option<&crate::app::notices::Sent> {
        if !self.sent {
            return None;
        }
        self.view.as_ref()?.sent.as_ref()?.get(self.selected)
    }

    fn open(&mut self) -> Vec<Effect> {
        if let Some(s) = self.sent_selected() {
            return vec![Effect::Load(Request::NoticeReceipts(s.id))];
        }
        let Some(v) = &self.view else {
            return Vec::new();
        };
        match v.received.get(self.selected) {
            Some(n) if !self.sent => vec![Effect::Load(Request::NoticeOpen(n.id))],
            _ => Vec::new(),
        }
    }

    fn draw_body(&self, f: &mut Frame, area: Rect, look: &Look) {
        let th = look.theme;
        if let Some(form) = &self.form {
            let mut lines: Vec<Line> = LABELS
                .iter()
                .zip(&form.fields)
                .enumerate()
                .map(|(i, (label, input))| {
                    let mark = if i == form.at { "▸ " } else { "  " };
                    Line::from(vec![
                        Span::styled(format!("{mark}{label}："), th.muted()),
                        Span::styled(
                            input.value().to_string(),
                            if i == form.at {
                                th.selected()
                            } else {
                                th.text()
                            },
                        ),
                    ])
                })
                .collect();
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                "收件人：all（全市）、unit:单位代码（含下级）、user:用户名，空格分隔  Tab/↑↓ 换栏  Enter 发送  Esc 取消",
                th.muted(),
            )));
            f.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(look.block("撰写通知", true)),
                area,
            );
            return;
        }
        if let Some(n) = &self.opened {
            let mut lines = vec![
                Line::from(Span::styled(
                    format!(
                        "{} · {} · {}",
                        n.kind.label(),
                        n.sender,
                        datetime_cst(n.created_at)
                    ),
                    th.muted(),
                )),
                Line::from(""),
            ];
            lines.extend(n.body.split('\n').map(|l| Line::from(l.to_string())));
            f.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(look.block(&n.title, true)),
                area,
            );
            return;
        }
        if let Some(r) = &self.receipts {
            let mut lines = vec![Line::from(Span::styled(
                format!("送达 {} 人，已读 {} 人", r.notice.recipients, r.notice.read),
                th.muted(),
            ))];
            lines.push(Line::from(Span::styled(
                format!(
                    "{:<12} {:<20} {:>8} {:>8} {:>8}",
                    "单位代码", "单位", "送达", "已读", "阅读率"
                ),
                th.muted(),
            )));
            for u in &r.units {
                lines.push(Line::from(format!(
                    "{:<12} {:<20} {:>8} {:>8} {:>8}",
                    u.unit_code,
                    u.unit_name,
                    u.sent,
                    u.read,
                    format_rate(u.rate)
                )));
            }
            let title = format!("阅读回执：{}", r.notice.title);
            f.render_widget(Paragraph::new(lines).block(look.block(&title, true)), area);
            return;
        }
        let Some(view) = &self.view else {
            let text = match &self.error {
                Some(e) => Span::styled(format!("出错：{e}"), th.danger()),
                None => Span::styled("正在加载…", th.muted()),
            };
            f.render_widget(Paragraph::new(text).block(look.block("通知", true)), area);
            return;
        };
        let (title, rows): (String, Vec<(bool, String)>) = if self.sent {
            let sent = view.sent.as_deref().unwrap_or_default();
            (
                format!("已发通知（{} 条）  s 切换到收到的通知", sent.len()),
                sent.iter()
                    .map(|s| {
                        (
                            false,
                            format!(
                                "{:>6}  {}  {}  {}  送达 {} 已读 {}",
                                s.id,
                                datetime_cst(s.created_at),
                                s.kind.label(),
                                s.title,
                                s.recipients,
                                s.read
                            ),
                        )
                    })
                    .collect(),
            )
        } else {
            (
                format!(
                    "收到的通知（未读 {} 条）{}",
                    view.unread,
                    if view.sent.is_some() {
                        "  s 切换到已发通知"
                    } else {
                        ""
                    }
                ),
                view.received
                    .iter()
                    .map(|n| {
                        let unread = n.read_at.is_none();
                        (
                            unread,
                            format!(
                                "{}  {}  {}  {}  {}",
                                if unread { "未读" } else { "已读" },
                                datetime_cst(n.created_at),
                                n.kind.label(),
                                n.title,
                                n.sender
                            ),
                        )
                    })
                    .collect(),
            )
        };
        let lines: Vec<Line> = if rows.is_empty() {
            vec![Line::from(Span::styled("暂无通知", th.muted()))]
        } else {
            rows.into_iter()
                .enumerate()
                .map(|(i, (unread, text))| {
                    let style = if i == self.selected {
                        th.selected()
                    } else if unread {
                        th.ok()
                    } else {
                        th.text()
                    };
                    Line::from(Span::styled(text, style))
                })
                .collect()
        };
        let skip = self
            .selected
            .saturating_sub(usize::from(area.height.saturating_sub(3)));
        f.render_widget(
            Paragraph::new(lines)
                .scroll((u16::try_from(skip).unwrap_or(u16::MAX), 0))
                .block(look.block(&title, true)),
            area,
        );
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
        "打开通知（标为已读）/ 查看阅读回执",
        Action::Open,
        true,
    ),
    b(&[C('s')], "s", "收到的 / 已发的通知", Action::Switch, true),
    b(&[C('n')], "n", "撰写通知", Action::New, true),
    b(
        &[C('u')],
        "u",
        "催学：提醒未读者",
        Action::RemindUnread,
        true,
    ),
    b(
        &[C('d')],
        "d",
        "催学：提醒未达标者",
        Action::RemindBehind,
        false,
    ),
    b(
        &[C('Q')],
        "Q",
        "发送上一季度的季度通知",
        Action::Quarterly,
        false,
    ),
];

const BACK_KEYS: &[Binding] = &[b(
    &[Code(KeyCode::Esc)],
    "Esc",
    "返回通知列表",
    Action::Back,
    true,
)];
