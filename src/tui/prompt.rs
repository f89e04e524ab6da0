//! The one-line question under a screen and the y/n confirmation after it, shared by the 名单 and
//! 账号 screens. A `Prompt` collects a typed or pasted line for some purpose `T`: Enter hands back
//! the trimmed text (the screen decides whether to accept it), Esc cancels, other keys edit. A
//! `Confirm` holds a change until y or Enter lets it go; any other key drops it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::{Input, InputRequest};

use super::input::{edit_request, paste_into};
use super::widgets::{Look, centered, confirm};
use super::{KeyCode, KeyEvent};

const HINT: &str = "   Enter 确定  Esc 取消";

/// What a key did to a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    Editing,
    Cancelled,
    /// Enter, with the line trimmed.
    Entered(String),
}

#[derive(Debug)]
pub struct Prompt<T> {
    pub what: T,
    label: String,
    input: Input,
    /// At most this many characters, typed or pasted.
    limit: usize,
}

impl<T> Prompt<T> {
    pub fn new(what: T, label: impl Into<String>, limit: usize) -> Prompt<T> {
        Prompt {
            what,
            label: label.into(),
            input: Input::default(),
            limit,
        }
    }

    pub fn key(&mut self, k: &KeyEvent) -> Typed {
        match k.code {
            KeyCode::Esc => Typed::Cancelled,
            KeyCode::Enter => Typed::Entered(self.input.value().trim().to_string()),
            _ => {
                match edit_request(k) {
                    Some(InputRequest::InsertChar(_)) if self.full() => {}
                    Some(r) => {
                        self.input.handle(r);
                    }
                    None => {}
                }
                Typed::Editing
            }
        }
    }

    pub fn paste(&mut self, text: &str) {
        let room = self
            .limit
            .saturating_sub(self.input.value().chars().count());
        paste_into(&mut self.input, text, room);
    }

    /// The text typed or pasted so far.
    pub fn value(&self) -> &str {
        self.input.value()
    }

    fn full(&self) -> bool {
        self.input.value().chars().count() >= self.limit
    }

    /// The prompt as one line of `width` cells: label, the text (its end, after "…", when it
    /// does not fit) and the Enter/Esc hint.
    pub fn line(&self, look: &Look, width: u16) -> Line<'static> {
        let th = look.theme;
        let label = Span::styled(self.label.clone(), th.key());
        let hint = Span::styled(HINT, th.muted());
        let room = usize::from(width).saturating_sub(label.width() + hint.width());
        let value = self.input.value();
        let shown = if Span::raw(value).width() <= room {
            value.to_string()
        } else {
            tail(value, room.saturating_sub(1))
        };
        let shown = if shown.len() < value.len() {
            format!("…{shown}")
        } else {
            shown
        };
        Line::from(vec![label, Span::styled(shown, th.text()), hint])
    }
}

/// The end of `text` that fits in `width` cells.
fn tail(text: &str, width: usize) -> String {
    let mut used = 0;
    let mut start = text.len();
    for (i, c) in text.char_indices().rev() {
        used += Span::raw(c.to_string()).width();
        if used > width {
            break;
        }
        start = i;
    }
    text[start..].to_string()
}

/// Whether a key answers yes to a y/n question.
pub fn is_yes(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Char('y' | 'Y') | KeyCode::Enter)
}

/// Whether a key answers no to a y/n question.
pub fn is_no(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Char('n' | 'N') | KeyCode::Esc)
}

/// A key's answer to a y/n question: yes, no, or neither (the question stays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    Yes,
    No,
    Neither,
}

pub fn reply(k: &KeyEvent) -> Reply {
    if is_yes(k) {
        Reply::Yes
    } else if is_no(k) {
        Reply::No
    } else {
        Reply::Neither
    }
}

/// A change waiting for y/n, with its question.
#[derive(Debug)]
pub struct Confirm<T> {
    pub op: T,
    question: String,
}

impl<T> Confirm<T> {
    pub fn new(op: T, question: impl Into<String>) -> Confirm<T> {
        Confirm {
            op,
            question: question.into(),
        }
    }

    /// Answers the question in `slot` with a key: y or Enter takes the change out, n or Esc
    /// empties the slot, any other key leaves the question open.
    pub fn answer(slot: &mut Option<Confirm<T>>, k: &KeyEvent) -> Option<T> {
        match reply(k) {
            Reply::Yes => slot.take().map(|c| c.op),
            Reply::No => {
                *slot = None;
                None
            }
            Reply::Neither => None,
        }
    }

    /// The question in a popup over the middle of `area`.
    pub fn draw(&self, f: &mut Frame, area: Rect, look: &Look, yes: &str) {
        let rect = centered(area, 64.min(area.width), 6);
        confirm(f, rect, look, "确认", &self.question, yes);
    }
}

/// A write's answer as the status line shows it: (succeeded, its text).
pub fn outcome(result: &Result<String, String>) -> (bool, String) {
    match result {
        Ok(text) => (true, text.clone()),
        Err(e) => (false, e.clone()),
    }
}

/// The status lines under a screen: the open prompt, then the last outcome (ok or danger).
pub fn draw_status<T>(
    f: &mut Frame,
    area: Rect,
    look: &Look,
    asking: Option<&Prompt<T>>,
    message: Option<&(bool, String)>,
) {
    let th = look.theme;
    let mut lines = Vec::new();
    if let Some(prompt) = asking {
        lines.push(prompt.line(look, area.width));
    }
    if let Some((ok, text)) = message {
        lines.push(Line::from(Span::styled(
            text.clone(),
            if *ok { th.ok() } else { th.danger() },
        )));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::theme;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c)
    }

    #[test]
    fn enter_trims_esc_cancels_and_the_limit_holds() {
        let mut p = Prompt::new((), "原因：", 4);
        for c in " 调离本市".chars() {
            assert_eq!(p.key(&key(KeyCode::Char(c))), Typed::Editing);
        }
        assert_eq!(p.key(&key(KeyCode::Enter)), Typed::Entered("调离本".into()));
        p.key(&key(KeyCode::Backspace));
        p.paste("市\r\n外");
        assert_eq!(p.key(&key(KeyCode::Enter)), Typed::Entered("调离市".into()));
        assert_eq!(p.key(&key(KeyCode::Esc)), Typed::Cancelled);
    }

    #[test]
    fn a_long_line_shows_its_end() {
        let themes = theme::available(crate::tui::ColorDepth::Sixteen);
        let look = Look {
            theme: &themes[0],
            ascii: false,
        };
        let mut p = Prompt::new((), "公钥：", 1000);
        p.paste(&format!("ssh-ed25519 {} me@host", "A".repeat(200)));
        let line = p.line(&look, 60);
        assert!(line.width() <= 60, "{}", line.width());
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert!(text.contains("…") && text.contains("me@host"), "{text}");
    }

    #[test]
    fn only_y_or_enter_confirms_and_stray_keys_leave_it_open() {
        let ask = || Some(Confirm::new(7, "?"));
        for yes in [KeyCode::Char('y'), KeyCode::Enter] {
            let mut slot = ask();
            assert_eq!(Confirm::answer(&mut slot, &key(yes)), Some(7));
            assert!(slot.is_none());
        }
        for no in [KeyCode::Char('n'), KeyCode::Esc] {
            let mut slot = ask();
            assert_eq!(Confirm::answer(&mut slot, &key(no)), None);
            assert!(slot.is_none());
        }
        for stray in [KeyCode::Char('j'), KeyCode::Char('q'), KeyCode::Down] {
            let mut slot = ask();
            assert_eq!(Confirm::answer(&mut slot, &key(stray)), None);
            assert!(slot.is_some(), "{stray:?} left the question open");
        }
    }
}
