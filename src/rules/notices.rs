//! Notices (Art. 16): their kinds, the bounds on what is written, and the audience words.

/// What a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    General,
    Quarterly,
    YearEnd,
    Circular,
    Class,
    Reminder,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 6] = [
        NoticeKind::General,
        NoticeKind::Quarterly,
        NoticeKind::YearEnd,
        NoticeKind::Circular,
        NoticeKind::Class,
        NoticeKind::Reminder,
    ];

    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::General => "general",
            NoticeKind::Quarterly => "quarterly",
            NoticeKind::YearEnd => "year_end",
            NoticeKind::Circular => "circular",
            NoticeKind::Class => "class",
            NoticeKind::Reminder => "reminder",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::General => "通知",
            NoticeKind::Quarterly => "季度通知",
            NoticeKind::YearEnd => "年终通知",
            NoticeKind::Circular => "通报",
            NoticeKind::Class => "培训班",
            NoticeKind::Reminder => "催学",
        }
    }

    pub fn from_code(s: &str) -> Option<NoticeKind> {
        NoticeKind::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// The longest title, in characters.
pub const MAX_TITLE: usize = 100;
/// The longest body, in characters.
pub const MAX_BODY: usize = 5000;
/// The most audience words (`unit:…`, `user:…`) in one notice.
pub const MAX_TARGETS: usize = 1000;
/// Notices per page (web and `notice list`).
pub const PAGE: i64 = 20;

/// Why a body is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("不能为空")]
    Empty,
    #[error("第 {0} 行含控制字符（如 ESC、制表符），不予接受")]
    Control(usize),
    #[error("过长（最多 {MAX_BODY} 字）")]
    TooLong,
}

/// A body as kept: line ends made `\n`, trailing blanks trimmed; lines may not hold a control
/// character (a staff terminal shows them).
pub fn body(s: &str) -> Result<String, BodyError> {
    let text = s.replace("\r\n", "\n");
    let text = text.trim();
    if text.is_empty() {
        return Err(BodyError::Empty);
    }
    if text.chars().count() > MAX_BODY {
        return Err(BodyError::TooLong);
    }
    for (i, line) in text.split('\n').enumerate() {
        if line.chars().any(super::text::is_forbidden) {
            return Err(BodyError::Control(i + 1));
        }
    }
    Ok(text.to_string())
}

/// One audience word as typed: `all`, `unit:CODE`, `user:NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    All,
    Unit(String),
    User(String),
}

/// Reads one audience word; None when it is none of the three forms.
pub fn target(word: &str) -> Option<Target> {
    let w = word.trim();
    if w == "all" {
        return Some(Target::All);
    }
    if let Some(code) = w.strip_prefix("unit:").filter(|c| !c.is_empty()) {
        return Some(Target::Unit(code.to_string()));
    }
    w.strip_prefix("user:")
        .filter(|n| !n.is_empty())
        .map(|n| Target::User(n.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_keep_lines_and_refuse_controls() {
        assert_eq!(body("甲\r\n乙\n").as_deref(), Ok("甲\n乙"));
        assert_eq!(body("  "), Err(BodyError::Empty));
        assert_eq!(body("a\nb\u{1b}[2J"), Err(BodyError::Control(2)));
        assert_eq!(body(&"字".repeat(MAX_BODY + 1)), Err(BodyError::TooLong));
        assert!(body(&"字".repeat(MAX_BODY)).is_ok());
    }

    #[test]
    fn targets() {
        assert_eq!(target("all"), Some(Target::All));
        assert_eq!(target("unit:LX"), Some(Target::Unit("LX".into())));
        assert_eq!(target("user:zhang"), Some(Target::User("zhang".into())));
        assert_eq!(target("unit:"), None);
        assert_eq!(target("everyone"), None);
        for k in NoticeKind::ALL {
            assert_eq!(NoticeKind::from_code(k.code()), Some(k));
        }
    }
}
