//! Keys as data: each screen has one table of bindings (its `KEYS`, next to the screen), which
//! both decides what a key does and feeds the footer hints and the help popup, so the hints never
//! lie. This file holds the vocabulary (`Action`, `Key`, `Binding`, `lookup`), the moves shared by
//! list screens and the `GLOBAL` table.

use terminput::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Back,
    Filter,
    Help,
    Quit,
    NextTab,
    PrevTab,
    Theme,
    Borders,
    YearPrev,
    YearNext,
    SortNext,
    SortReverse,
    /// Sort by the n-th column (1-based).
    SortColumn(u8),
    StatusCycle,
    UnitCycle,
    CategoryCycle,
    KindCycle,
    SourceCycle,
    /// Roster submissions: mark a row, decide rows, pass on, approve, send back.
    Mark,
    Accept,
    AcceptAll,
    Reject,
    PassOn,
    Approve,
    SendBack,
    /// Account care: disable, enable, lift a sign-in lock, reset the password, exempt, move
    /// unit, change batch.
    Disable,
    Enable,
    Unlock,
    ResetPassword,
    Exempt,
    MoveUnit,
    Batch,
    /// Account care: grant a staff role, add an SSH key, revoke the selected role or remove the
    /// selected key.
    GrantRole,
    AddKey,
    RemoveHeld,
    /// 账号: open the population changes and exemption requests (the office).
    Population,
    /// 单位: add a child unit, rename, retire the selected unit, show or hide retired units
    /// (moving it is `MoveUnit`).
    AddChild,
    Rename,
    /// 单位 and 课程: retire the selected unit or course.
    Retire,
    ShowRetired,
    /// 设置 and 课程: edit the shown year's settings (the office), the selected course.
    Edit,
    /// 总览: open 花名册 filtered to the selected unit.
    UnitRoster,
    /// Read the screen's data again (`r`, F5).
    Reload,
    /// 课程: a new course, publish the selected one (edit and retire are shared above).
    New,
    Publish,
    /// 培训班: open or close the selected class, add members by unit or one found by a search
    /// (a member is removed with `RemoveHeld`).
    StartClass,
    CloseClass,
    AddByUnit,
    AddPerson,
    /// 培训班: add the members a pasted list names (usernames or ID numbers).
    AddList,
    /// 通知: switch received / sent, remind the unread or the behind, the quarterly notices.
    Switch,
    RemindUnread,
    RemindBehind,
    Quarterly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Code(KeyCode),
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    /// How the keys are shown ("j/↓").
    pub shown: &'static str,
    /// How they are shown in ASCII mode, when different.
    pub shown_ascii: Option<&'static str>,
    pub help: &'static str,
    pub action: Action,
    /// Shown in the footer (all bindings are shown in the help popup).
    pub footer: bool,
}

impl Binding {
    pub fn shown(&self, ascii: bool) -> &'static str {
        match (ascii, self.shown_ascii) {
            (true, Some(s)) => s,
            _ => self.shown,
        }
    }
}

pub const fn b(
    keys: &'static [Key],
    shown: &'static str,
    help: &'static str,
    action: Action,
    footer: bool,
) -> Binding {
    Binding {
        keys,
        shown,
        shown_ascii: None,
        help,
        action,
        footer,
    }
}

pub const fn ba(
    keys: &'static [Key],
    shown: &'static str,
    ascii: &'static str,
    help: &'static str,
    action: Action,
    footer: bool,
) -> Binding {
    Binding {
        keys,
        shown,
        shown_ascii: Some(ascii),
        help,
        action,
        footer,
    }
}

pub use Key::{Char as C, Code};

/// Moving in a list: shared by every list screen.
pub const MOVE: [Binding; 4] = [
    ba(
        &[C('j'), Code(KeyCode::Down), C('k'), Code(KeyCode::Up)],
        "j/k ↑↓",
        "j/k",
        "上下移动",
        Action::Down,
        true,
    ),
    b(
        &[C('g'), Code(KeyCode::Home)],
        "g",
        "到第一行",
        Action::Top,
        false,
    ),
    b(
        &[C('G'), Code(KeyCode::End)],
        "G",
        "到最后一行",
        Action::Bottom,
        false,
    ),
    b(
        &[Code(KeyCode::PageDown), Code(KeyCode::PageUp)],
        "PgDn/PgUp",
        "翻页",
        Action::PageDown,
        false,
    ),
];

/// Keys that work on every screen.
pub const GLOBAL: &[Binding] = &[
    ba(
        &[Code(KeyCode::Tab), C('l'), Code(KeyCode::Right)],
        "Tab/l →",
        "Tab/l",
        "下一个页面",
        Action::NextTab,
        true,
    ),
    b(
        &[C('h'), Code(KeyCode::Left)],
        "h",
        "上一个页面",
        Action::PrevTab,
        false,
    ),
    b(&[C('r')], "r", "刷新本页面数据", Action::Reload, false),
    b(
        &[Code(KeyCode::F(5))],
        "F5",
        "刷新本页面数据",
        Action::Reload,
        false,
    ),
    b(&[C('t')], "t", "切换主题", Action::Theme, false),
    b(&[C('b')], "b", "切换 ASCII 边框", Action::Borders, false),
    b(&[C('?')], "?", "帮助", Action::Help, true),
    b(&[C('q')], "q", "退出", Action::Quit, true),
];

fn matches(k: &Key, ev: &KeyEvent) -> bool {
    let plain = !ev
        .modifiers
        .intersects(KeyModifiers::CTRL | KeyModifiers::ALT);
    match k {
        Key::Char(c) => plain && ev.code == KeyCode::Char(*c),
        Key::Code(code) => plain && ev.code == *code,
    }
}

/// The action a key has in a table. Several keys of one binding may mean opposite moves
/// (k/↑ vs j/↓, PgUp vs PgDn, [ vs ]); the second half of such a binding maps to the opposite.
pub fn lookup(table: &[Binding], ev: &KeyEvent) -> Option<Action> {
    if let KeyCode::Char(d @ '1'..='9') = ev.code
        && table
            .iter()
            .any(|b| matches!(b.action, Action::SortColumn(_)))
    {
        return u8::try_from(d).ok().map(|d| Action::SortColumn(d - b'0'));
    }
    for binding in table {
        if let Some(i) = binding.keys.iter().position(|k| matches(k, ev)) {
            return Some(match (binding.action, i) {
                (Action::Down, 2 | 3) if binding.keys.len() == 4 => Action::Up,
                (Action::Down, 2) => Action::Up,
                (Action::PageDown, 1) => Action::PageUp,
                (Action::YearPrev, 1) => Action::YearNext,
                (Action::NextTab, _) | (Action::PrevTab, _) => binding.action,
                (a, _) => a,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c)
    }

    #[test]
    fn opposite_moves_share_a_binding() {
        use crate::tui::screens::{catalog, dashboard, roster};
        const ROSTER: &[Binding] = roster::KEYS;
        const DASHBOARD: &[Binding] = dashboard::KEYS;
        const CATALOG: &[Binding] = catalog::KEYS;
        assert_eq!(lookup(ROSTER, &key(KeyCode::Char('j'))), Some(Action::Down));
        assert_eq!(lookup(ROSTER, &key(KeyCode::Up)), Some(Action::Up));
        assert_eq!(lookup(ROSTER, &key(KeyCode::PageUp)), Some(Action::PageUp));
        assert_eq!(
            lookup(DASHBOARD, &key(KeyCode::Char(']'))),
            Some(Action::YearNext)
        );
        assert_eq!(
            lookup(ROSTER, &key(KeyCode::Char('3'))),
            Some(Action::SortColumn(3))
        );
        assert_eq!(lookup(DASHBOARD, &key(KeyCode::Char('3'))), None);
        assert_eq!(lookup(GLOBAL, &key(KeyCode::Char('?'))), Some(Action::Help));
        assert_eq!(
            lookup(CATALOG, &key(KeyCode::Char('k'))),
            Some(Action::KindCycle)
        );
        assert_eq!(lookup(CATALOG, &key(KeyCode::Up)), Some(Action::Up));
    }

    #[test]
    fn ctrl_letters_are_not_plain_keys() {
        let ctrl_j = KeyEvent::new(KeyCode::Char('j')).modifiers(KeyModifiers::CTRL);
        assert_eq!(lookup(crate::tui::screens::roster::KEYS, &ctrl_j), None);
    }
}
