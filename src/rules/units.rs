//! The organisation tree (Art. 4, 5): what a unit code and name may be, the kind a unit's place
//! gives it, and the plan of a change to the tree — an import file, or one `unit add`, `rename`
//! or `move` — checked whole before anything is written: unknown parents, cycles, duplicate
//! codes, codes that would change meaning, and sibling names that would repeat. Pure.

use std::collections::{HashMap, HashSet};

use super::limits;
use super::sheet::{self, FileFormat, SheetCell};
use super::text;

/// The longest unit code, in characters.
pub const MAX_CODE: usize = 32;
/// The longest unit name, in characters.
pub const MAX_NAME: usize = 50;
/// The deepest a unit may sit (the city is level 1).
pub const MAX_LEVEL: usize = 12;
/// The most units one import may name.
pub const MAX_ROWS: usize = 20_000;

/// A unit code: 1–32 ASCII letters, digits, '-' or '_', starting with a letter or digit. Codes
/// are stable: once given, a code always names the same unit, whatever it is later called.
pub fn check_code(s: &str) -> Result<(), String> {
    let ok_len = (1..=MAX_CODE).contains(&s.len());
    let ok_start = s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    let ok_chars = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if ok_len && ok_start && ok_chars {
        Ok(())
    } else {
        Err(format!(
            "单位代码应为 1–{MAX_CODE} 位字母、数字或 - _，以字母或数字开头"
        ))
    }
}

/// A unit name: 1–50 characters of plain text, not looking like a spreadsheet formula.
pub fn check_name(s: &str) -> Result<(), String> {
    text::check(s, MAX_NAME).map_err(|e| format!("单位名称{e}"))?;
    if s.trim().is_empty() {
        return Err("单位名称不能为空".into());
    }
    if s.starts_with(['=', '+', '-', '@']) {
        return Err("单位名称以 = + - @ 开头，像是公式，不予接受".into());
    }
    Ok(())
}

/// What a unit is, derived from its place (stored in `units.kind`): the root is the city; a unit
/// directly under it is a county-level division when its name ends in 区, 县 or 市 (娄星区,
/// 冷水江市, 双峰县, 娄底经济技术开发区), else a city-level unit (市直单位); anything deeper is a
/// second-level body. Recomputed whenever a unit is added, renamed or moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    City,
    County,
    CityUnit,
    Body,
}

impl Kind {
    pub fn derive(level: usize, name: &str) -> Kind {
        match level {
            0 | 1 => Kind::City,
            2 if name.ends_with(['区', '县', '市']) => Kind::County,
            2 => Kind::CityUnit,
            _ => Kind::Body,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Kind::City => "city",
            Kind::County => "county",
            Kind::CityUnit => "city_unit",
            Kind::Body => "body",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::City => "全市",
            Kind::County => "县市区",
            Kind::CityUnit => "市直单位",
            Kind::Body => "二级机构",
        }
    }

    pub fn from_code(s: &str) -> Option<Kind> {
        [Kind::City, Kind::County, Kind::CityUnit, Kind::Body]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

/// A unit as it stands in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// The parent's code; None for the city.
    pub parent: Option<String>,
    pub kind: String,
    pub path: String,
    pub retired: bool,
}

/// A unit as a file row (or a command) wants it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// The sheet row (header = 1); 0 for a command.
    pub row: usize,
    pub code: String,
    pub name: String,
    /// The parent's code; None (an empty cell) only for the city.
    pub parent: Option<String>,
}

/// One problem with a row: its column header ("" for the row as a whole) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub row: usize,
    pub column: &'static str,
    pub problem: String,
}

pub const COL_CODE: &str = "单位代码";
pub const COL_NAME: &str = "单位名称";
pub const COL_PARENT: &str = "上级单位代码";

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.row, self.column) {
            (0, "") => write!(f, "{}", self.problem),
            (0, c) => write!(f, "「{c}」：{}", self.problem),
            (r, "") => write!(f, "第{r}行：{}", self.problem),
            (r, c) => write!(f, "第{r}行「{c}」：{}", self.problem),
        }
    }
}

fn problem(row: usize, column: &'static str, text: impl Into<String>) -> Problem {
    Problem {
        row,
        column,
        problem: text.into(),
    }
}

/// A unit to add, parents before children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addition {
    pub row: usize,
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    pub kind: Kind,
}

/// What a change does to the tree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub added: Vec<Addition>,
    /// (code, old name, new name)
    pub renamed: Vec<(String, String, String)>,
    /// (code, old parent code, new parent code)
    pub moved: Vec<(String, String, String)>,
    /// Rows that asked for what already is (retired units listed as they were included).
    pub unchanged: usize,
}

impl Plan {
    pub fn changes_nothing(&self) -> bool {
        self.added.is_empty() && self.renamed.is_empty() && self.moved.is_empty()
    }
}

/// The final shape of one unit while planning.
#[derive(Debug, Clone)]
struct Node {
    name: String,
    parent: Option<String>,
    retired: bool,
    /// The file row that set it, if any.
    row: Option<usize>,
}

/// Checks the wanted rows against the tree and says what they change; every problem is listed.
/// Units the rows do not name are left as they are (an import never retires anything).
pub fn plan(existing: &[Existing], wanted: &[Wanted]) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let by_code: HashMap<&str, &Existing> = existing.iter().map(|e| (e.code.as_str(), e)).collect();
    let root = existing.iter().find(|e| e.parent.is_none());
    let mut nodes: HashMap<String, Node> = existing
        .iter()
        .map(|e| {
            let node = Node {
                name: e.name.clone(),
                parent: e.parent.clone(),
                retired: e.retired,
                row: None,
            };
            (e.code.clone(), node)
        })
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut new_root: Option<usize> = None;
    let mut plan = Plan::default();
    let mut touched: Vec<&Wanted> = Vec::new();
    for w in wanted {
        let before = problems.len();
        if let Err(e) = check_code(&w.code) {
            problems.push(problem(w.row, COL_CODE, e));
        }
        if let Err(e) = check_name(&w.name) {
            problems.push(problem(w.row, COL_NAME, e));
        }
        if let Some(p) = &w.parent
            && let Err(e) = check_code(p)
        {
            problems.push(problem(w.row, COL_PARENT, e));
        }
        if problems.len() > before {
            continue;
        }
        if let Some(first) = seen.insert(&w.code, w.row) {
            problems.push(problem(
                w.row,
                COL_CODE,
                format!("与第{first}行的单位代码 {} 重复", w.code),
            ));
            continue;
        }
        match (&w.parent, root) {
            (None, Some(r)) if r.code != w.code => {
                problems.push(problem(
                    w.row,
                    COL_PARENT,
                    format!(
                        "只有全市单位（{} {}）没有上级；其他单位须填上级单位代码",
                        r.code, r.name
                    ),
                ));
                continue;
            }
            (Some(_), Some(r)) if r.code == w.code => {
                problems.push(problem(
                    w.row,
                    COL_PARENT,
                    format!("{} 是全市单位，不能有上级单位", w.code),
                ));
                continue;
            }
            (None, None) => {
                if let Some(first) = new_root.replace(w.row) {
                    problems.push(problem(
                        w.row,
                        COL_PARENT,
                        format!("只能有一个全市单位（上级单位代码为空），第{first}行已是"),
                    ));
                    continue;
                }
            }
            _ => {}
        }
        if let Some(e) = by_code.get(w.code.as_str())
            && e.retired
        {
            if e.name == w.name && e.parent == w.parent {
                plan.unchanged += 1;
            } else {
                problems.push(problem(
                    w.row,
                    COL_CODE,
                    format!(
                        "代码 {} 属于已撤销的单位「{}」，单位代码一经使用不能改作他用",
                        w.code, e.name
                    ),
                ));
            }
            continue;
        }
        nodes.insert(
            w.code.clone(),
            Node {
                name: w.name.clone(),
                parent: w.parent.clone(),
                retired: false,
                row: Some(w.row),
            },
        );
        touched.push(w);
    }
    // Parents: known, active, not the unit itself, and no cycle through any row.
    let mut good: Vec<&Wanted> = Vec::new();
    for w in touched {
        let Some(parent) = &w.parent else {
            good.push(w);
            continue;
        };
        match nodes.get(parent) {
            None => problems.push(problem(
                w.row,
                COL_PARENT,
                format!("上级单位代码 {parent} 不存在（不在系统中，也不在文件中）"),
            )),
            Some(p) if p.retired => problems.push(problem(
                w.row,
                COL_PARENT,
                format!("上级单位 {parent}「{}」已撤销", p.name),
            )),
            Some(_) if parent == &w.code => {
                problems.push(problem(w.row, COL_PARENT, "上级单位不能是本单位"))
            }
            Some(_) => match cycle(&nodes, &w.code) {
                Some(ring) => problems.push(problem(
                    w.row,
                    COL_PARENT,
                    format!("上级关系成环：{}", ring.join(" → ")),
                )),
                None => good.push(w),
            },
        }
    }
    // Siblings and swaps are checked even when some rows failed, so one refusal lists them all.
    let levels = levels(&nodes);
    check_siblings(&nodes, existing, &mut problems);
    for w in &good {
        let level = levels.get(w.code.as_str()).copied().unwrap_or(0);
        if level > MAX_LEVEL {
            problems.push(problem(
                w.row,
                COL_PARENT,
                format!("层级过深：最多 {MAX_LEVEL} 级（全市为第 1 级）"),
            ));
            continue;
        }
        match by_code.get(w.code.as_str()) {
            None => plan.added.push(Addition {
                row: w.row,
                code: w.code.clone(),
                name: w.name.clone(),
                parent: w.parent.clone(),
                kind: Kind::derive(level, &w.name),
            }),
            Some(e) => {
                let mut same = true;
                if e.name != w.name {
                    plan.renamed
                        .push((w.code.clone(), e.name.clone(), w.name.clone()));
                    same = false;
                }
                if e.parent != w.parent {
                    let old = e.parent.clone().unwrap_or_default();
                    let new = w.parent.clone().unwrap_or_default();
                    plan.moved.push((w.code.clone(), old, new));
                    same = false;
                }
                if same {
                    plan.unchanged += 1;
                }
            }
        }
    }
    check_swaps(&plan, &by_code, &nodes, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    plan.added
        .sort_by_key(|a| levels.get(a.code.as_str()).copied().unwrap_or(0));
    Ok(plan)
}

/// The ring of codes when following parents from `code` comes back to it.
fn cycle(nodes: &HashMap<String, Node>, code: &str) -> Option<Vec<String>> {
    let mut ring = vec![code.to_string()];
    let mut at = nodes.get(code)?.parent.clone();
    while let Some(p) = at {
        ring.push(p.clone());
        if p == code {
            return Some(ring);
        }
        if ring.len() > nodes.len() + 1 {
            // A loop above us that does not pass through `code`: its own rows report it.
            return None;
        }
        at = nodes.get(&p).and_then(|n| n.parent.clone());
    }
    None
}

/// Each unit's level (the city is 1), for a tree without cycles.
fn levels(nodes: &HashMap<String, Node>) -> HashMap<&str, usize> {
    let mut out: HashMap<&str, usize> = HashMap::with_capacity(nodes.len());
    for code in nodes.keys() {
        let mut chain: Vec<&str> = Vec::new();
        let mut at = Some(code.as_str());
        while let Some(c) = at {
            if out.contains_key(c) || chain.len() > nodes.len() {
                break;
            }
            chain.push(c);
            at = nodes.get(c).and_then(|n| n.parent.as_deref());
        }
        let mut level = at.and_then(|c| out.get(c)).copied().unwrap_or(0);
        for c in chain.into_iter().rev() {
            level += 1;
            out.insert(c, level);
        }
    }
    out
}

/// Two active units under one parent may not share a name: a second unit of the same name is
/// almost always the first one under a new code, and codes never change.
fn check_siblings(
    nodes: &HashMap<String, Node>,
    existing: &[Existing],
    problems: &mut Vec<Problem>,
) {
    let was: HashMap<&str, &Existing> = existing.iter().map(|e| (e.code.as_str(), e)).collect();
    let mut by_place: HashMap<(Option<&str>, &str), Vec<&str>> = HashMap::new();
    for (code, n) in nodes.iter().filter(|(_, n)| !n.retired) {
        by_place
            .entry((n.parent.as_deref(), n.name.as_str()))
            .or_default()
            .push(code);
    }
    let mut reported = HashSet::new();
    for ((_, name), mut codes) in by_place.into_iter().filter(|(_, c)| c.len() > 1) {
        codes.sort_unstable();
        for code in &codes {
            let Some(row) = nodes[*code].row else {
                continue;
            };
            // A row that keeps an existing unit as it was is not the one to blame.
            let unchanged = was
                .get(code)
                .is_some_and(|e| e.name == nodes[*code].name && e.parent == nodes[*code].parent);
            if unchanged || !reported.insert(*code) {
                continue;
            }
            let others: Vec<&str> = codes.iter().copied().filter(|c| c != code).collect();
            problems.push(problem(
                row,
                COL_NAME,
                format!(
                    "同一上级单位下已有名为「{name}」的单位（代码 {}）；单位代码一经使用不再更改，如是同一单位请用原代码",
                    others.join("、")
                ),
            ));
        }
    }
}

/// A rename to the name another unit under the same parent had before the change: the two codes
/// would swap meanings (a renumbering), which stable codes forbid.
fn check_swaps(
    plan: &Plan,
    by_code: &HashMap<&str, &Existing>,
    nodes: &HashMap<String, Node>,
    problems: &mut Vec<Problem>,
) {
    for (code, old, new) in &plan.renamed {
        let parent = nodes.get(code).and_then(|n| n.parent.as_deref());
        let held = by_code.values().find(|e| {
            e.code != *code && !e.retired && e.name == *new && e.parent.as_deref() == parent
        });
        if let Some(other) = held {
            let row = nodes.get(code).and_then(|n| n.row).unwrap_or(0);
            problems.push(problem(
                row,
                COL_CODE,
                format!(
                    "代码 {code} 原为「{old}」，改为「{new}」，而「{new}」原是代码 {} 的单位：单位代码不能更改含义",
                    other.code
                ),
            ));
        }
    }
}

/// Each unit's path of ids ('/1/4/9/') and kind in the tree given as (id, parent id, name):
/// what `path` and `kind` must hold after a change. Parents need not come first.
pub fn paths(units: &[(i64, Option<i64>, &str)]) -> HashMap<i64, (String, Kind)> {
    let by_id: HashMap<i64, (Option<i64>, &str)> =
        units.iter().map(|(id, p, n)| (*id, (*p, *n))).collect();
    let mut out: HashMap<i64, (String, Kind)> = HashMap::with_capacity(units.len());
    for (id, _, _) in units {
        let mut chain = Vec::new();
        let mut at = Some(*id);
        while let Some(c) = at {
            if out.contains_key(&c) || chain.len() > units.len() {
                break;
            }
            chain.push(c);
            at = by_id.get(&c).and_then(|(p, _)| *p);
        }
        let (mut path, mut level) = match at.and_then(|c| out.get(&c)) {
            Some((p, _)) => (p.clone(), p.matches('/').count() - 1),
            None => ("/".to_string(), 0),
        };
        for c in chain.into_iter().rev() {
            path.push_str(&format!("{c}/"));
            level += 1;
            let name = by_id.get(&c).map_or("", |(_, n)| n);
            out.insert(c, (path.clone(), Kind::derive(level, name)));
        }
    }
    out
}

/// The columns of a unit list, in the template's order.
pub const COLUMNS: [&str; 3] = [COL_CODE, COL_NAME, COL_PARENT];

/// Reads a unit list (CSV in UTF-8 or GBK, or xlsx; the header row names the columns, in any
/// order) into rows, refusing the whole file with every problem listed.
pub fn read(bytes: &[u8]) -> Result<Vec<Wanted>, Vec<Problem>> {
    if bytes.len() > limits::UNIT_FILE_BYTES {
        return Err(vec![problem(
            0,
            "",
            format!(
                "文件大小超过上限 {} MB",
                limits::UNIT_FILE_BYTES / 1024 / 1024
            ),
        )]);
    }
    let grid = sheet::read(bytes, FileFormat::detect(bytes), &limits::UNITS)
        .map_err(|e| vec![problem(0, "", e.to_string())])?;
    rows(&grid)
}

fn rows(grid: &[Vec<SheetCell>]) -> Result<Vec<Wanted>, Vec<Problem>> {
    let Some(header_at) = grid.iter().position(|r| r.iter().any(|c| !c.is_blank())) else {
        return Err(vec![problem(0, "", "文件是空的")]);
    };
    let header: Vec<String> = grid[header_at]
        .iter()
        .map(|c| match c {
            SheetCell::Text(t) => t.trim().trim_start_matches('\u{feff}').to_string(),
            _ => String::new(),
        })
        .collect();
    let mut at = [0usize; 3];
    let mut missing = Vec::new();
    for (i, name) in COLUMNS.iter().enumerate() {
        match header.iter().position(|h| h == name) {
            Some(p) => at[i] = p,
            None => missing.push(problem(header_at + 1, name, "表头中缺少此列")),
        }
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, cells) in grid.iter().enumerate().skip(header_at + 1) {
        if cells.iter().all(SheetCell::is_blank) {
            continue;
        }
        let row = i + 1;
        let mut text = |col: usize| match cells.get(at[col]) {
            None | Some(SheetCell::Empty) => String::new(),
            Some(SheetCell::Text(s)) => s.trim().to_string(),
            // A code typed as a number: Excel keeps it as one (101 → 101.0).
            Some(SheetCell::Number(f)) if f.fract() == 0.0 && f.abs() < 1e15 => {
                format!("{}", *f as i64)
            }
            Some(SheetCell::Number(f)) => {
                problems.push(problem(row, COLUMNS[col], format!("{f} 不是有效的内容")));
                String::new()
            }
        };
        let (code, name, parent) = (text(0), text(1), text(2));
        if code.is_empty() {
            problems.push(problem(row, COL_CODE, "不能为空"));
            continue;
        }
        out.push(Wanted {
            row,
            code,
            name,
            parent: (!parent.is_empty()).then_some(parent),
        });
    }
    if out.len() > MAX_ROWS {
        problems.push(problem(
            0,
            "",
            format!("单位数 {} 超过一次导入的上限 {MAX_ROWS}", out.len()),
        ));
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(problem(header_at + 2, "", "文件中没有单位数据"));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i64, code: &str, name: &str, parent: Option<&str>) -> Existing {
        Existing {
            id,
            code: code.into(),
            name: name.into(),
            parent: parent.map(String::from),
            kind: String::new(),
            path: String::new(),
            retired: false,
        }
    }

    fn row(row: usize, code: &str, name: &str, parent: &str) -> Wanted {
        Wanted {
            row,
            code: code.into(),
            name: name.into(),
            parent: (!parent.is_empty()).then(|| parent.to_string()),
        }
    }

    fn city() -> Vec<Existing> {
        vec![
            unit(1, "LD", "娄底市", None),
            unit(2, "LX", "娄星区", Some("LD")),
            unit(3, "LY", "涟源市", Some("LD")),
            unit(4, "LX01", "娄星区委组织部", Some("LX")),
        ]
    }

    fn texts(r: Result<Plan, Vec<Problem>>) -> Vec<String> {
        r.expect_err("refused")
            .iter()
            .map(|p| p.to_string())
            .collect()
    }

    #[test]
    fn codes_and_names_are_bounded() {
        assert!(check_code("LX01").is_ok());
        assert!(check_code("lx-01_a").is_ok());
        assert!(check_code("").is_err());
        assert!(check_code("-LX").is_err());
        assert!(check_code("娄星").is_err());
        assert!(check_code(&"A".repeat(MAX_CODE + 1)).is_err());
        assert!(check_name("娄星区").is_ok());
        assert!(check_name(" ").is_err());
        assert!(check_name("=1+1").is_err());
        assert!(check_name("a\u{1b}b").is_err());
        assert!(check_name(&"长".repeat(MAX_NAME + 1)).is_err());
    }

    #[test]
    fn kind_follows_the_place() {
        assert_eq!(Kind::derive(1, "娄底市"), Kind::City);
        assert_eq!(Kind::derive(2, "双峰县"), Kind::County);
        assert_eq!(Kind::derive(2, "娄底经济技术开发区"), Kind::County);
        assert_eq!(Kind::derive(2, "市委组织部"), Kind::CityUnit);
        assert_eq!(Kind::derive(3, "娄星区委组织部"), Kind::Body);
    }

    #[test]
    fn rows_in_any_order_are_added_parents_first() {
        let plan = plan(
            &city(),
            &[
                row(2, "LX0101", "干部科", "LX01x"),
                row(3, "LX01x", "娄星区委宣传部", "LX"),
                row(4, "LD", "娄底市", ""),
            ],
        )
        .expect("plan");
        let codes: Vec<&str> = plan.added.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(codes, ["LX01x", "LX0101"]);
        assert_eq!(plan.added[1].kind, Kind::Body);
        assert_eq!(plan.unchanged, 1);
    }

    #[test]
    fn renames_and_moves_are_told_apart() {
        let plan = plan(
            &city(),
            &[
                row(2, "LX01", "娄星区委组织部（人才办）", "LY"),
                row(3, "LY", "涟源市", "LD"),
            ],
        )
        .expect("plan");
        assert_eq!(plan.renamed.len(), 1);
        assert_eq!(plan.moved, vec![("LX01".into(), "LX".into(), "LY".into())]);
        assert_eq!(plan.unchanged, 1);
    }

    #[test]
    fn unknown_parents_cycles_and_duplicates_are_refused() {
        let problems = texts(plan(
            &city(),
            &[
                row(2, "A1", "甲", "NOPE"),
                row(3, "B1", "乙", "C1"),
                row(4, "C1", "丙", "B1"),
                row(5, "A1", "丁", "LD"),
                row(6, "LX", "娄星区", "LX01"),
            ],
        ));
        for (row, says) in [
            ("第2行", "NOPE 不存在"),
            ("第3行", "成环"),
            ("第5行", "与第2行"),
            ("第6行", "LX → LX01 → LX"),
        ] {
            assert!(
                problems.iter().any(|p| p.contains(row) && p.contains(says)),
                "{row} {says}: {problems:?}"
            );
        }
    }

    #[test]
    fn a_code_may_not_change_meaning() {
        // A second 娄星区 under a new code, and two codes swapping their names.
        let problems = texts(plan(&city(), &[row(2, "LX2", "娄星区", "LD")]));
        assert!(problems[0].contains("代码 LX"), "{problems:?}");
        let problems = texts(plan(
            &city(),
            &[row(2, "LX", "涟源市", "LD"), row(3, "LY", "娄星区", "LD")],
        ));
        assert!(
            problems.iter().all(|p| p.contains("不能更改含义")),
            "{problems:?}"
        );
        let mut retired = city();
        retired[3].retired = true;
        let problems = texts(plan(&retired, &[row(2, "LX01", "新单位", "LX")]));
        assert!(problems[0].contains("已撤销"), "{problems:?}");
        let kept = plan(&retired, &[row(2, "LX01", "娄星区委组织部", "LX")]).expect("as it was");
        assert!(kept.changes_nothing());
    }

    #[test]
    fn one_root_only() {
        let problems = texts(plan(&city(), &[row(2, "X", "另一个市", "")]));
        assert!(problems[0].contains("只有全市单位"), "{problems:?}");
        let fresh = plan(
            &[],
            &[row(2, "LD", "娄底市", ""), row(3, "LX", "娄星区", "LD")],
        )
        .expect("a new tree");
        assert_eq!(fresh.added[0].kind, Kind::City);
        assert_eq!(fresh.added[1].kind, Kind::County);
        let two = texts(plan(
            &[],
            &[row(2, "A", "甲市", ""), row(3, "B", "乙市", "")],
        ));
        assert!(two[0].contains("只能有一个"), "{two:?}");
    }

    #[test]
    fn a_gbk_csv_with_columns_in_any_order_is_read() {
        let text = "上级单位代码,单位名称,单位代码\n,娄底市,LD\n\nLD,娄星区,LX\n";
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        let rows = read(&bytes).expect("read");
        assert_eq!(
            rows,
            vec![row(2, "LD", "娄底市", ""), row(4, "LX", "娄星区", "LD")]
        );
        let missing =
            read("单位代码,单位名称\nLD,娄底市\n".as_bytes()).expect_err("no parent column");
        assert_eq!(
            missing[0].to_string(),
            "第1行「上级单位代码」：表头中缺少此列"
        );
    }

    #[test]
    fn paths_follow_parents() {
        let p = paths(&[(9, Some(4), "科"), (1, None, "市"), (4, Some(1), "娄星区")]);
        assert_eq!(p[&1], ("/1/".to_string(), Kind::City));
        assert_eq!(p[&4], ("/1/4/".to_string(), Kind::County));
        assert_eq!(p[&9], ("/1/4/9/".to_string(), Kind::Body));
    }
}
