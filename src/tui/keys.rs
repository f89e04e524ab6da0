//! Keys as data: each screen has one table of bindings, which both decides what a key does and
//! feeds the footer hints and the help popup, so the hints never lie.

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
    /// 总览: open 花名册 filtered to the selected unit.
    UnitRoster,
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

const fn b(
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

const fn ba(
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

use Key::{Char as C, Code};

/// Moving in a list: shared by every list screen.
const MOVE: [Binding; 4] = [
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
    b(&[C('t')], "t", "切换主题", Action::Theme, false),
    b(&[C('b')], "b", "切换 ASCII 边框", Action::Borders, false),
    b(&[C('?')], "?", "帮助", Action::Help, true),
    b(&[C('q')], "q", "退出", Action::Quit, true),
];

pub const DASHBOARD: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    MOVE[2],
    b(
        &[C('['), C(']')],
        "[ ]",
        "上一年 / 下一年",
        Action::YearPrev,
        true,
    ),
    b(
        &[Code(KeyCode::Enter)],
        "Enter",
        "进入所选下级单位",
        Action::Open,
        true,
    ),
    b(
        &[Code(KeyCode::Esc)],
        "Esc",
        "返回上级单位",
        Action::Back,
        true,
    ),
    b(&[C('/')], "/", "筛选单位", Action::Filter, true),
    b(&[C('f')], "f", "看花名册", Action::UnitRoster, true),
    b(
        &[C('s')],
        "s",
        "单位排序：原顺序 / 按排名 / 按达标率",
        Action::SortNext,
        false,
    ),
];

pub const ROSTER: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    MOVE[2],
    MOVE[3],
    b(
        &[Code(KeyCode::Enter)],
        "Enter",
        "查看学员",
        Action::Open,
        true,
    ),
    b(&[C('/')], "/", "按姓名或用户名筛选", Action::Filter, true),
    b(&[C('s')], "s", "换排序列", Action::SortNext, true),
    b(&[C('S')], "S", "倒序 / 正序", Action::SortReverse, false),
    b(
        &[C('1')],
        "1-9",
        "按第 N 列排序",
        Action::SortColumn(1),
        false,
    ),
    b(
        &[C('f')],
        "f",
        "达标状态：全部 / 达标 / 未达标",
        Action::StatusCycle,
        true,
    ),
    b(&[C('u')], "u", "按下级单位筛选", Action::UnitCycle, true),
    b(
        &[C('['), C(']')],
        "[ ]",
        "上一年 / 下一年",
        Action::YearPrev,
        false,
    ),
];

pub const CADRE: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    MOVE[3],
    b(
        &[Code(KeyCode::Esc)],
        "Esc",
        "返回花名册",
        Action::Back,
        true,
    ),
];

pub const CATALOG: &[Binding] = &[
    // k cycles the kind here, so only j and the arrows move.
    ba(
        &[C('j'), Code(KeyCode::Down), Code(KeyCode::Up)],
        "j ↑↓",
        "j/Up/Down",
        "上下移动",
        Action::Down,
        true,
    ),
    MOVE[1],
    MOVE[2],
    MOVE[3],
    b(
        &[Code(KeyCode::Enter)],
        "Enter",
        "课程详情",
        Action::Open,
        true,
    ),
    b(&[C('/')], "/", "按名称或编号筛选", Action::Filter, true),
    b(&[C('c')], "c", "按类别筛选", Action::CategoryCycle, true),
    b(
        &[C('k')],
        "k",
        "按必修 / 选修筛选",
        Action::KindCycle,
        false,
    ),
    b(&[C('o')], "o", "按来源筛选", Action::SourceCycle, true),
];

pub const COURSE: &[Binding] = &[b(
    &[Code(KeyCode::Esc), Code(KeyCode::Enter)],
    "Esc",
    "返回课程列表",
    Action::Back,
    true,
)];

pub const SUBMISSIONS: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    MOVE[2],
    MOVE[3],
    b(
        &[Code(KeyCode::Enter)],
        "Enter",
        "打开名单",
        Action::Open,
        true,
    ),
];

pub const SUBMISSION: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    MOVE[2],
    MOVE[3],
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

pub const ACCOUNTS: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    MOVE[2],
    MOVE[3],
    b(
        &[Code(KeyCode::Enter)],
        "Enter",
        "打开账号",
        Action::Open,
        true,
    ),
    b(
        &[C('/')],
        "/",
        "按用户名、姓名或身份证号查找",
        Action::Filter,
        true,
    ),
    b(
        &[C('p')],
        "p",
        "参评变动与免考核申请（市在线学习办）",
        Action::Population,
        false,
    ),
];

pub const POPULATION: &[Binding] = &[
    MOVE[0],
    MOVE[1],
    MOVE[2],
    b(&[C('o')], "o", "批准所选免考核申请", Action::Approve, true),
    b(
        &[C('x')],
        "x",
        "不批准所选申请，须填理由",
        Action::Reject,
        true,
    ),
    b(
        &[C('['), C(']')],
        "[ ]",
        "上一年 / 下一年",
        Action::YearPrev,
        true,
    ),
    b(
        &[Code(KeyCode::Esc)],
        "Esc",
        "返回账号列表",
        Action::Back,
        true,
    ),
];

pub const ACCOUNT: &[Binding] = &[
    b(
        &[Code(KeyCode::Esc)],
        "Esc",
        "返回账号列表",
        Action::Back,
        true,
    ),
    b(&[C('d')], "d", "停用", Action::Disable, true),
    b(&[C('e')], "e", "启用", Action::Enable, true),
    b(&[C('u')], "u", "解除登录锁定", Action::Unlock, false),
    b(
        &[C('r')],
        "r",
        "重置密码（新密码只显示一次）",
        Action::ResetPassword,
        true,
    ),
    b(&[C('x')], "x", "标记 / 取消免考核", Action::Exempt, true),
    b(&[C('m')], "m", "调动到其他单位", Action::MoveUnit, false),
    b(&[C('b')], "b", "调整批次", Action::Batch, false),
    ba(
        &[C('j'), Code(KeyCode::Down), C('k'), Code(KeyCode::Up)],
        "j/k ↑↓",
        "j/k",
        "在角色与公钥中上下移动",
        Action::Down,
        false,
    ),
    b(
        &[C('g')],
        "g",
        "授予管理角色（市在线学习办）",
        Action::GrantRole,
        false,
    ),
    b(
        &[C('a')],
        "a",
        "添加 SSH 公钥（粘贴一行）",
        Action::AddKey,
        false,
    ),
    b(
        &[Code(KeyCode::Delete), C('-')],
        "Del/-",
        "撤销所选角色 / 删除所选公钥",
        Action::RemoveHeld,
        false,
    ),
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
        assert_eq!(lookup(ROSTER, &ctrl_j), None);
    }
}
