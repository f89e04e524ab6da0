//! Free text that people type or upload (names, reasons, notes, key comments, search words, roster
//! cells): the one check on the way in, and the one escape on the way out to a terminal or file.
//! Control characters are refused because a staff terminal obeys them: ESC and OSC sequences
//! can rewrite the screen, set the window title or plant clipboard contents.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Why a piece of free text is refused. The caller names the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("含控制字符（如 ESC、换行、制表符），不予接受")]
    Control,
    #[error("过长（最多 {0} 字）")]
    TooLong(usize),
}

/// Characters free text may not hold: C0 and C1 controls, DEL, and the bidirectional overrides
/// and isolates that reorder what a terminal shows (the "Trojan Source" characters).
pub fn is_forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Checks one line of free text: no forbidden character, at most `max_chars` characters.
pub fn check(s: &str, max_chars: usize) -> Result<(), TextError> {
    if s.chars().any(is_forbidden) {
        return Err(TextError::Control);
    }
    if s.chars().count() > max_chars {
        return Err(TextError::TooLong(max_chars));
    }
    Ok(())
}

/// Text made safe to show: each forbidden character becomes a visible escape (`\x1b`, `\u{202e}`).
/// Borrowed when there is nothing to escape, which is almost always.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_except(s, &[])
}

/// Like `escape`, but keeps line breaks, for messages that are several lines by design.
pub fn escape_lines(s: &str) -> Cow<'_, str> {
    escape_except(s, &['\n'])
}

fn escape_except<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    let bad = |c: char| is_forbidden(c) && !keep.contains(&c);
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !bad(c) {
            out.push(c);
        } else if u32::from(c) < 0x100 {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        } else {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    Cow::Owned(out)
}

/// A spreadsheet cell that would be read as a formula (`=`, `+`, `-`, `@`, or a leading tab or
/// carriage return that some programs skip before one) gets a leading single quote, as OWASP
/// advises for CSV export; Excel shows the quote-prefixed text as plain text.
pub fn defuse_formula(s: &str) -> Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_controls_and_overrides() {
        assert_eq!(check("科员", 50), Ok(()));
        assert_eq!(check("a\u{1b}]0;x\u{7}", 50), Err(TextError::Control));
        assert_eq!(check("a\u{9b}31m", 50), Err(TextError::Control));
        assert_eq!(check("a\u{7f}", 50), Err(TextError::Control));
        assert_eq!(check("行\n二", 50), Err(TextError::Control));
        assert_eq!(check("abc\u{202e}fed", 50), Err(TextError::Control));
        assert_eq!(check("一二三", 2), Err(TextError::TooLong(2)));
        assert_eq!(check("一二", 2), Ok(()));
    }

    #[test]
    fn escapes_what_a_terminal_would_obey() {
        assert!(matches!(escape("张三"), Cow::Borrowed("张三")));
        assert_eq!(
            escape("\u{1b}[2J\u{9b}x\u{202e}"),
            "\\x1b[2J\\x9bx\\u{202e}"
        );
        assert_eq!(escape("a\nb"), "a\\x0ab");
        assert_eq!(escape_lines("a\nb\u{7}"), "a\nb\\x07");
    }

    #[test]
    fn formulas_get_a_quote() {
        for s in ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(defuse_formula(s), format!("'{s}"));
        }
        assert_eq!(defuse_formula("科员"), "科员");
        assert_eq!(defuse_formula("1-2"), "1-2");
        assert_eq!(defuse_formula(""), "");
    }
}
