//! Terminal input bytes → events: keys through terminput's parser, plus what a PTY without a line
//! discipline sends (Enter as `\r`, `\r\n` or `\n`; Backspace as 0x7f or 0x08), a lone Esc that
//! waits for `flush`, and bracketed paste with a size limit.

use terminput::{KeyCode, KeyEvent, KeyModifiers};

use super::Event;

/// The largest paste kept; bytes beyond it are dropped.
pub const PASTE_LIMIT: usize = 64 * 1024;

const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";
/// An escape sequence longer than this is garbage: dropped rather than buffered forever.
const MAX_SEQUENCE: usize = 64;

#[derive(Debug, Default)]
pub struct Decoder {
    pending: Vec<u8>,
    /// Inside a bracketed paste: the bytes so far (capped) and whether some were dropped.
    paste: Option<Vec<u8>>,
    /// The previous byte was `\r`, so a following `\n` belongs to the same Enter.
    after_cr: bool,
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Decodes what can be decoded; an incomplete sequence (or a lone Esc) waits for more bytes
    /// or for `flush`.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut out = Vec::new();
        for &b in bytes {
            self.byte(b, &mut out);
        }
        out
    }

    /// Called when no more bytes came for a while (~50 ms): a waiting Esc is a key of its own.
    pub fn flush(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        if self.paste.is_some() {
            return out;
        }
        let pending = std::mem::take(&mut self.pending);
        if pending.first() == Some(&0x1b) {
            out.push(Event::Key(KeyEvent::new(KeyCode::Esc)));
            // Whatever followed the Esc is decoded again on its own.
            for b in pending.into_iter().skip(1) {
                self.byte(b, &mut out);
            }
        }
        out
    }

    fn byte(&mut self, b: u8, out: &mut Vec<Event>) {
        if let Some(paste) = self.paste.as_mut() {
            paste.push(b);
            if paste.ends_with(PASTE_END) {
                paste.truncate(paste.len() - PASTE_END.len());
                let text = String::from_utf8_lossy(&paste[..paste.len().min(PASTE_LIMIT)]);
                // A cut in the middle of a character leaves a replacement char: drop it.
                let text = text.trim_end_matches('\u{fffd}').to_string();
                self.paste = None;
                out.push(Event::Paste(text));
            } else if paste.len() > PASTE_LIMIT + PASTE_END.len() {
                // Keep the head and room to recognise the end marker.
                let tail: Vec<u8> = paste[paste.len() - PASTE_END.len()..].to_vec();
                paste.truncate(PASTE_LIMIT);
                paste.extend_from_slice(&tail);
            }
            return;
        }
        let after_cr = std::mem::replace(&mut self.after_cr, false);
        if self.pending.is_empty() {
            match b {
                b'\r' => {
                    self.after_cr = true;
                    out.push(key(KeyCode::Enter));
                    return;
                }
                b'\n' => {
                    if !after_cr {
                        out.push(key(KeyCode::Enter));
                    }
                    return;
                }
                0x08 | 0x7f => {
                    out.push(key(KeyCode::Backspace));
                    return;
                }
                _ => {}
            }
        }
        self.pending.push(b);
        if self.pending == [0x1b] {
            return; // a lone Esc or the start of a sequence: wait
        }
        if PASTE_START.starts_with(&self.pending) {
            if self.pending.len() == PASTE_START.len() {
                self.pending.clear();
                self.paste = Some(Vec::new());
            }
            return;
        }
        match terminput::Event::parse_from(&self.pending) {
            Ok(Some(ev)) => {
                self.pending.clear();
                if let Some(ev) = convert(ev) {
                    out.push(ev);
                }
            }
            Ok(None) if self.pending.len() < MAX_SEQUENCE => {}
            Ok(None) | Err(_) => self.pending.clear(),
        }
    }
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code))
}

fn convert(ev: terminput::Event) -> Option<Event> {
    match ev {
        terminput::Event::Key(k) => Some(Event::Key(k)),
        terminput::Event::Paste(s) => Some(Event::Paste(s)),
        _ => None,
    }
}

/// Types pasted text into a line: control characters dropped, at most `limit` characters.
pub fn paste_into(input: &mut tui_input::Input, text: &str, limit: usize) {
    for c in text.chars().filter(|c| !c.is_control()).take(limit) {
        input.handle(tui_input::InputRequest::InsertChar(c));
    }
}

/// The edit a key makes in a one-line text field (tui-input), if it is an editing key.
pub fn edit_request(k: &KeyEvent) -> Option<tui_input::InputRequest> {
    use tui_input::InputRequest;
    Some(match k.code {
        KeyCode::Backspace => InputRequest::DeletePrevChar,
        KeyCode::Delete => InputRequest::DeleteNextChar,
        KeyCode::Left => InputRequest::GoToPrevChar,
        KeyCode::Right => InputRequest::GoToNextChar,
        KeyCode::Home => InputRequest::GoToStart,
        KeyCode::End => InputRequest::GoToEnd,
        KeyCode::Char('u') if is_ctrl(k, 'u') => InputRequest::DeleteLine,
        KeyCode::Char(c) if !c.is_control() => InputRequest::InsertChar(c),
        _ => return None,
    })
}

/// Whether a key is Ctrl + the given letter.
pub fn is_ctrl(k: &KeyEvent, c: char) -> bool {
    k.code == KeyCode::Char(c) && k.modifiers.contains(KeyModifiers::CTRL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code))
    }

    fn ch(c: char) -> Event {
        let mods = if c.is_uppercase() {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::empty()
        };
        Event::Key(KeyEvent::new(KeyCode::Char(c)).modifiers(mods))
    }

    fn ctrl(c: char) -> Event {
        Event::Key(KeyEvent::new(KeyCode::Char(c)).modifiers(KeyModifiers::CTRL))
    }

    #[test]
    fn byte_table() {
        let table: Vec<(&[u8], Vec<Event>)> = vec![
            (b"\r", vec![k(KeyCode::Enter)]),
            (b"\r\n", vec![k(KeyCode::Enter)]),
            (b"\n", vec![k(KeyCode::Enter)]),
            (b"\n\n", vec![k(KeyCode::Enter), k(KeyCode::Enter)]),
            (b"\r\r", vec![k(KeyCode::Enter), k(KeyCode::Enter)]),
            (b"\x7f", vec![k(KeyCode::Backspace)]),
            (b"\x08", vec![k(KeyCode::Backspace)]),
            (b"\x03", vec![ctrl('c')]),
            (b"jk", vec![ch('j'), ch('k')]),
            (b"G", vec![ch('G')]),
            (b"\x1b[A\x1b[B", vec![k(KeyCode::Up), k(KeyCode::Down)]),
            (b"\x1bOC", vec![k(KeyCode::Right)]),
            (
                b"\x1b[5~\x1b[6~",
                vec![k(KeyCode::PageUp), k(KeyCode::PageDown)],
            ),
            (b"\t", vec![k(KeyCode::Tab)]),
            ("娄星区".as_bytes(), vec![ch('娄'), ch('星'), ch('区')]),
            (
                b"\x1b[200~a\r\nb\x1b[201~",
                vec![Event::Paste("a\r\nb".into())],
            ),
            (
                "\x1b[200~张三\x1b[201~q".as_bytes(),
                vec![Event::Paste("张三".into()), ch('q')],
            ),
            (b"\x1b", vec![]),
        ];
        for (bytes, want) in table {
            let mut d = Decoder::new();
            assert_eq!(d.feed(bytes), want, "bytes {bytes:?}");
        }
    }

    #[test]
    fn lone_esc_waits_for_flush() {
        let mut d = Decoder::new();
        assert_eq!(d.feed(b"\x1b"), vec![]);
        assert_eq!(d.flush(), vec![k(KeyCode::Esc)]);
        assert_eq!(d.flush(), vec![]);
        // A sequence split across feeds is not taken for Esc.
        assert_eq!(d.feed(b"\x1b"), vec![]);
        assert_eq!(d.feed(b"[A"), vec![k(KeyCode::Up)]);
    }

    #[test]
    fn utf8_split_across_feeds() {
        let bytes = "花名册".as_bytes();
        for cut in 1..bytes.len() {
            let mut d = Decoder::new();
            let mut got = d.feed(&bytes[..cut]);
            got.extend(d.feed(&bytes[cut..]));
            assert_eq!(got, vec![ch('花'), ch('名'), ch('册')], "cut at {cut}");
        }
    }

    #[test]
    fn crlf_split_across_feeds_is_one_enter() {
        let mut d = Decoder::new();
        assert_eq!(d.feed(b"\r"), vec![k(KeyCode::Enter)]);
        assert_eq!(d.feed(b"\nx"), vec![ch('x')]);
    }

    #[test]
    fn paste_split_and_limited() {
        let mut d = Decoder::new();
        assert_eq!(d.feed(b"\x1b[20"), vec![]);
        assert_eq!(d.feed(b"0~abc\x1b[20"), vec![]);
        assert_eq!(d.feed(b"1~"), vec![Event::Paste("abc".into())]);

        let mut big = b"\x1b[200~".to_vec();
        big.extend(std::iter::repeat_n(b'x', PASTE_LIMIT + 5000));
        big.extend_from_slice(b"\x1b[201~j");
        let got = d.feed(&big);
        assert_eq!(got.len(), 2);
        match &got[0] {
            Event::Paste(s) => assert_eq!(s.len(), PASTE_LIMIT),
            other => panic!("not a paste: {other:?}"),
        }
        assert_eq!(got[1], ch('j'));
    }
}
