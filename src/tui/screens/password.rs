//! "请修改初始密码": the whole screen for a staff account that must change its initial password
//! (after a reset or when issued) before the interface opens. Current, new and confirm, masked;
//! the change goes through `app::credentials::change_password` like the web's and `password`'s.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use tui_input::{Input, InputRequest};

use crate::rules::password::{MIN_CHARS, REUSE_DEPTH};
use crate::tui::data::Secret;
use crate::tui::input::edit_request;
use crate::tui::widgets::{Look, centered};
use crate::tui::{DataMsg, Effect, KeyCode, KeyEvent, KeyModifiers, Request};

const LABELS: [&str; 3] = ["原密码", "新密码", "确认新密码"];
/// Longer input is not a password anyone types; the policy refuses it anyway.
const MAX_CHARS: usize = 128;

#[derive(Debug, Default)]
pub struct PasswordForm {
    fields: [Input; 3],
    focus: usize,
    error: Option<String>,
    waiting: bool,
}

impl PasswordForm {
    pub fn new() -> PasswordForm {
        PasswordForm::default()
    }

    pub fn key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if self.waiting {
            return Vec::new();
        }
        let request = match k.code {
            KeyCode::Up => {
                self.focus = (self.focus + LABELS.len() - 1) % LABELS.len();
                return Vec::new();
            }
            KeyCode::Tab if k.modifiers.contains(KeyModifiers::SHIFT) => {
                self.focus = (self.focus + LABELS.len() - 1) % LABELS.len();
                return Vec::new();
            }
            KeyCode::Tab | KeyCode::Down => {
                self.focus = (self.focus + 1) % LABELS.len();
                return Vec::new();
            }
            KeyCode::Enter if self.focus + 1 < LABELS.len() => {
                self.focus += 1;
                return Vec::new();
            }
            KeyCode::Enter => return self.submit(),
            _ => match edit_request(&k) {
                Some(r) => r,
                None => return Vec::new(),
            },
        };
        self.edit(request);
        Vec::new()
    }

    pub fn paste(&mut self, text: &str) {
        if self.waiting {
            return;
        }
        for c in text.chars().filter(|c| !c.is_control()) {
            self.edit(InputRequest::InsertChar(c));
        }
    }

    fn edit(&mut self, request: InputRequest) {
        let field = &mut self.fields[self.focus];
        if matches!(request, InputRequest::InsertChar(_))
            && field.value().chars().count() >= MAX_CHARS
        {
            return;
        }
        field.handle(request);
    }

    fn submit(&mut self) -> Vec<Effect> {
        let [old, new, confirm] = self.fields.each_ref().map(|i| i.value().to_string());
        let problem = if old.is_empty() {
            Some((0, "请输入原密码"))
        } else if new.is_empty() {
            Some((1, "请输入新密码"))
        } else if new != confirm {
            Some((2, "两次输入的新密码不一致"))
        } else {
            None
        };
        if let Some((focus, text)) = problem {
            self.focus = focus;
            self.error = Some(text.into());
            return Vec::new();
        }
        self.error = None;
        self.waiting = true;
        vec![Effect::Load(Request::ChangePassword {
            old: Secret(old),
            new: Secret(new),
        })]
    }

    /// The answer to the change: `Some(true)` once it went through, `Some(false)` when it was
    /// refused (the reason is shown), `None` for other answers.
    pub fn on_data(&mut self, msg: &DataMsg) -> Option<bool> {
        let DataMsg::PasswordChanged { result } = msg else {
            return None;
        };
        self.waiting = false;
        match result {
            Ok(()) => Some(true),
            Err(e) => {
                self.error = Some(e.clone());
                // Start again from the new password; the current one is kept if it was right.
                self.fields[1] = Input::default();
                self.fields[2] = Input::default();
                self.focus = if e.contains("原密码") { 0 } else { 1 };
                if self.focus == 0 {
                    self.fields[0] = Input::default();
                }
                Some(false)
            }
        }
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        let th = look.theme;
        let rect = centered(area, 60, 13);
        f.render_widget(Clear, rect);
        let block = look.block("请修改初始密码", true);
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let [intro, fields, status, hints] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Length(4),
            Constraint::Min(2),
            Constraint::Length(1),
        ])
        .areas(inner);
        f.render_widget(
            Paragraph::new(Span::styled(
                format!(
                    "账号使用的是初始密码，修改后才能进入系统。新密码至少 {MIN_CHARS} 位，含字母和数字，\
                     不能与用户名或最近 {REUSE_DEPTH} 个密码相同。"
                ),
                th.text(),
            ))
            .wrap(Wrap { trim: true }),
            intro,
        );
        let lines: Vec<Line> = LABELS
            .iter()
            .zip(&self.fields)
            .enumerate()
            .map(|(i, (label, input))| {
                let focused = i == self.focus;
                let marker = if focused { "> " } else { "  " };
                let masked = "*".repeat(input.value().chars().count());
                Line::from(vec![
                    Span::styled(format!("{marker}{label:<6}"), th.title(focused)),
                    Span::styled(
                        if focused {
                            format!("{masked}_")
                        } else {
                            masked
                        },
                        th.text(),
                    ),
                ])
            })
            .collect();
        f.render_widget(Paragraph::new(lines), fields);
        let message = match (&self.error, self.waiting) {
            (_, true) => Span::styled("正在修改…", th.muted()),
            (Some(e), false) => Span::styled(format!("未修改：{e}"), th.danger()),
            (None, false) => Span::raw(""),
        };
        f.render_widget(Paragraph::new(message).wrap(Wrap { trim: true }), status);
        let pairs = [("Tab/↓", "下一项"), ("Enter", "确定"), ("Ctrl-C", "退出")];
        f.render_widget(Paragraph::new(look.hints(&pairs, hints.width)), hints);
    }
}
