//! Roster submissions (Art. 8): the columns of a roster file, and the checks every row must pass
//! before anything is saved. A file with any bad row is refused whole, with every problem listed
//! by row and column. Pure: the caller supplies the units and the ID numbers already taken.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::idnum::IdNumber;
use super::limits;
use super::sheet::{self, FileFormat, Grid, SheetCell};
use super::text;

/// The largest roster file accepted, in bytes.
pub const MAX_BYTES: usize = limits::ROSTER_FILE_BYTES;
/// The most data rows one submission may hold.
pub const MAX_ROWS: usize = limits::ROSTER_PEOPLE;

/// The columns, by their header in the template; `aliases` are other spellings accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Col {
    Name,
    IdNumber,
    Unit,
    Post,
    Phone,
    Batch,
}

impl Col {
    pub const ALL: [Col; 6] = [
        Col::Name,
        Col::IdNumber,
        Col::Unit,
        Col::Post,
        Col::Phone,
        Col::Batch,
    ];

    pub fn header(self) -> &'static str {
        match self {
            Col::Name => "姓名",
            Col::IdNumber => "身份证号",
            Col::Unit => "单位",
            Col::Post => "职务/职级",
            Col::Phone => "手机",
            Col::Batch => "批次",
        }
    }

    fn aliases(self) -> &'static [&'static str] {
        match self {
            Col::Name => &["姓名"],
            Col::IdNumber => &["身份证号", "身份证号码", "公民身份号码"],
            Col::Unit => &["单位", "单位代码", "工作单位"],
            Col::Post => &["职务/职级", "职务", "职级", "职务职级"],
            Col::Phone => &["手机", "手机号", "手机号码"],
            Col::Batch => &["批次"],
        }
    }

    /// The longest text a cell of this column may hold, in characters.
    fn max_chars(self) -> usize {
        match self {
            Col::Name => 30,
            Col::Post => 50,
            Col::Unit => 100,
            Col::IdNumber | Col::Phone | Col::Batch => 30,
        }
    }

    pub fn required(self) -> bool {
        matches!(self, Col::Name | Col::IdNumber | Col::Unit | Col::Batch)
    }
}

/// One problem: the sheet row (the header is row 1), the column header, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub row: usize,
    pub column: &'static str,
    pub problem: String,
}

impl Problem {
    fn new(row: usize, column: &'static str, problem: impl Into<String>) -> Problem {
        Problem {
            row,
            column,
            problem: problem.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column.is_empty() {
            write!(f, "第{}行：{}", self.row, self.problem)
        } else {
            write!(f, "第{}行「{}」：{}", self.row, self.column, self.problem)
        }
    }
}

/// A unit a row may name, by code or by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub path: String,
}

/// What the checks need to know about the world.
pub struct Context<'a> {
    /// Every unit, by code and by name.
    pub units: &'a HashMap<String, UnitRef>,
    /// Whether the submitter's scope covers a unit path.
    pub in_scope: &'a (dyn Fn(&str) -> bool + Sync),
    /// ID numbers that already have an account.
    pub accounts: &'a HashSet<String>,
    /// ID numbers in submissions still open (submitted or reviewed, row not rejected).
    pub pending: &'a HashSet<String>,
}

/// A row that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRow {
    /// The sheet row, as the submitter counts (header = 1).
    pub row_no: i64,
    pub real_name: String,
    pub id_number: IdNumber,
    pub unit_id: i64,
    pub post: String,
    pub phone: String,
    pub batch: i64,
}

/// Reads and checks a whole file: every row valid, or the list of every problem.
pub fn parse(
    bytes: &[u8],
    format: Option<FileFormat>,
    ctx: &Context<'_>,
) -> Result<Vec<ValidRow>, Vec<Problem>> {
    check(&read(bytes, format)?, ctx)
}

/// Reads a roster file into cells within the roster limits (`limits::ROSTER`); the slow,
/// memory-hungry half of [`parse`], which callers run on the blocking pool.
pub fn read(bytes: &[u8], format: Option<FileFormat>) -> Result<Grid, Vec<Problem>> {
    if bytes.len() > MAX_BYTES {
        return Err(vec![Problem::new(
            0,
            "",
            format!("文件大小超过上限 {} MB", MAX_BYTES / 1024 / 1024),
        )]);
    }
    let format = format.unwrap_or_else(|| FileFormat::detect(bytes));
    sheet::read(bytes, format, &limits::ROSTER)
        .map_err(|e| vec![Problem::new(0, "", e.to_string())])
}

/// Checks a grid whose first non-empty row is the header.
pub fn check(grid: &[Vec<SheetCell>], ctx: &Context<'_>) -> Result<Vec<ValidRow>, Vec<Problem>> {
    let Some(header_at) = grid.iter().position(|r| r.iter().any(|c| !c.is_blank())) else {
        return Err(vec![Problem::new(0, "", "文件是空的")]);
    };
    let columns = map_header(&grid[header_at], header_at + 1)?;
    let data: Vec<(usize, &Vec<SheetCell>)> = grid
        .iter()
        .enumerate()
        .skip(header_at + 1)
        .filter(|(_, r)| r.iter().any(|c| !c.is_blank()))
        .map(|(i, r)| (i + 1, r))
        .collect();
    if data.is_empty() {
        return Err(vec![Problem::new(header_at + 2, "", "文件中没有人员数据")]);
    }
    if data.len() > MAX_ROWS {
        return Err(vec![Problem::new(
            0,
            "",
            format!("人数 {} 超过一次提交的上限 {MAX_ROWS}", data.len()),
        )]);
    }
    let mut problems = Vec::new();
    let mut rows = Vec::with_capacity(data.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (row_no, cells) in data {
        let get = |c: Col| columns.get(&c).and_then(|&i| cells.get(i));
        let before = problems.len();
        let row = check_row(row_no, &get, ctx, &mut problems);
        if let Some(row) = row {
            match seen.get(row.id_number.as_str()) {
                Some(first) => problems.push(Problem::new(
                    row_no,
                    Col::IdNumber.header(),
                    format!("与第{first}行的身份证号重复"),
                )),
                None => {
                    seen.insert(row.id_number.as_str().to_string(), row_no);
                    if problems.len() == before {
                        rows.push(row);
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// Column index per column, from the header row; a missing required column is a problem.
fn map_header(header: &[SheetCell], row: usize) -> Result<HashMap<Col, usize>, Vec<Problem>> {
    let mut map = HashMap::new();
    for (i, cell) in header.iter().enumerate() {
        let SheetCell::Text(text) = cell else {
            continue;
        };
        let text: String = text.trim().trim_start_matches('\u{feff}').chars().collect();
        if let Some(col) = Col::ALL
            .into_iter()
            .find(|c| c.aliases().contains(&text.as_str()))
        {
            map.entry(col).or_insert(i);
        }
    }
    let missing: Vec<Problem> = Col::ALL
        .into_iter()
        .filter(|c| c.required() && !map.contains_key(c))
        .map(|c| Problem::new(row, c.header(), "表头中缺少此列"))
        .collect();
    if missing.is_empty() {
        Ok(map)
    } else {
        Err(missing)
    }
}

/// Checks one row, adding its problems; the row when its own cells are valid (duplicates inside
/// the file are the caller's).
fn check_row<'c>(
    row: usize,
    get: &dyn Fn(Col) -> Option<&'c SheetCell>,
    ctx: &Context<'_>,
    problems: &mut Vec<Problem>,
) -> Option<ValidRow> {
    let mut text = |col: Col| cell_text(row, col, get(col), problems);
    let name = text(Col::Name);
    let id = text(Col::IdNumber);
    let unit = text(Col::Unit);
    let post = text(Col::Post);
    let phone = text(Col::Phone);
    let batch = text(Col::Batch);

    let id = id.and_then(|s| check_id(row, &s, ctx, problems));
    let unit = unit.and_then(|u| check_unit(row, &u, ctx, problems));
    let phone = phone.and_then(|p| check_phone(row, p, problems));
    let batch = batch.and_then(|b| check_batch(row, &b, problems));
    Some(ValidRow {
        row_no: row as i64,
        real_name: name?,
        id_number: id?,
        unit_id: unit?,
        post: post?,
        phone: phone?,
        batch: batch?,
    })
}

/// One cell as trimmed text, or `None` with its problem: a number where text belongs, a control
/// character, a required cell left empty, or what looks like a formula.
fn cell_text(
    row: usize,
    col: Col,
    cell: Option<&SheetCell>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let value = match cell {
        None | Some(SheetCell::Empty) => String::new(),
        Some(SheetCell::Text(s)) => s.trim().to_string(),
        Some(SheetCell::Number(f)) => match number_text(col, *f) {
            Ok(s) => s,
            Err(p) => {
                problems.push(Problem::new(row, col.header(), p));
                return None;
            }
        },
    };
    // Every text column, before anything else looks at it: a control character must not
    // reach a reviewer's terminal, nor be echoed back in another check's message.
    if let Err(e) = text::check(&value, col.max_chars()) {
        problems.push(Problem::new(row, col.header(), e.to_string()));
        return None;
    }
    if value.is_empty() {
        if col.required() {
            problems.push(Problem::new(row, col.header(), "不能为空"));
            return None;
        }
        return Some(value);
    }
    if value.starts_with(['=', '+', '-', '@']) {
        problems.push(Problem::new(
            row,
            col.header(),
            "内容以 = + - @ 开头，像是公式，不予接受",
        ));
        return None;
    }
    Some(value)
}

/// A mobile number (optional): 11 digits starting with 1.
fn check_phone(row: usize, p: String, problems: &mut Vec<Problem>) -> Option<String> {
    let ok = p.is_empty()
        || (p.len() == 11 && p.starts_with('1') && p.bytes().all(|b| b.is_ascii_digit()));
    if !ok {
        problems.push(Problem::new(
            row,
            Col::Phone.header(),
            "手机号应为以 1 开头的11位数字",
        ));
    }
    ok.then_some(p)
}

/// The batch: 2 or 3 (batch 1 came from the old site, by import).
fn check_batch(row: usize, b: &str, problems: &mut Vec<Problem>) -> Option<i64> {
    match b {
        "2" | "3" => b.parse::<i64>().ok(),
        _ => {
            problems.push(Problem::new(
                row,
                Col::Batch.header(),
                "批次应为 2 或 3（第 1 批为原网站学员，通过导入建立账号）",
            ));
            None
        }
    }
}

/// A spreadsheet number as text. ID numbers kept as numbers have lost their last digits: Excel
/// keeps 15 significant digits, and a final X cannot be a number at all.
fn number_text(col: Col, f: f64) -> Result<String, String> {
    if col == Col::IdNumber {
        return Err(if f.abs() >= 1e15 {
            "身份证号以数字形式保存，Excel 只保留15位有效数字，末尾几位已丢失；请把该列设为文本后重新填写"
                .into()
        } else {
            "身份证号以数字形式保存且位数不对；请把该列设为文本后重新填写".into()
        });
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        Ok(format!("{}", f as i64))
    } else {
        Ok(f.to_string())
    }
}

fn check_id(
    row: usize,
    s: &str,
    ctx: &Context<'_>,
    problems: &mut Vec<Problem>,
) -> Option<IdNumber> {
    let column = Col::IdNumber.header();
    if s.contains(['E', 'e']) && s.contains('+') {
        problems.push(Problem::new(
            row,
            column,
            "身份证号是科学计数法（如 4.31302E+17），末尾几位已丢失；请把该列设为文本后重新填写",
        ));
        return None;
    }
    let id = match IdNumber::parse(s) {
        Ok(id) => id,
        Err(e) => {
            problems.push(Problem::new(row, column, e.to_string()));
            return None;
        }
    };
    if ctx.accounts.contains(id.as_str()) {
        problems.push(Problem::new(row, column, "此身份证号已有账号（一人一号）"));
        return None;
    }
    if ctx.pending.contains(id.as_str()) {
        problems.push(Problem::new(
            row,
            column,
            "此身份证号已在另一份待处理的名单中",
        ));
        return None;
    }
    Some(id)
}

fn check_unit(row: usize, s: &str, ctx: &Context<'_>, problems: &mut Vec<Problem>) -> Option<i64> {
    let column = Col::Unit.header();
    let Some(unit) = ctx.units.get(s) else {
        problems.push(Problem::new(
            row,
            column,
            format!("没有代码或名称为「{s}」的单位"),
        ));
        return None;
    };
    if !(ctx.in_scope)(&unit.path) {
        problems.push(Problem::new(
            row,
            column,
            format!("{}不在您的管理范围内", unit.name),
        ));
        return None;
    }
    Some(unit.id)
}

/// What the system checked for an accepted row, for reviewers: sex and birth date from the ID.
pub fn id_summary(id: &IdNumber) -> String {
    let (y, m, d) = id.birth_date();
    let sex = if id.is_male() { "男" } else { "女" };
    format!("校验通过·{sex}·{y:04}-{m:02}-{d:02}")
}

/// Row numbers as staff type them: `all`, or `3`, `3-7`, `3,5,9-12`. Inclusive ranges.
pub fn parse_rows(s: &str) -> Result<Vec<(i64, i64)>, String> {
    let s = s.trim();
    if s == "all" || s == "全部" {
        return Ok(vec![(1, i64::MAX)]);
    }
    let bad = || format!("行号「{s}」无法识别：应为 all，或如 3、3-7、3,5,9-12");
    let mut out = Vec::new();
    for part in s.split([',', '，']) {
        let part = part.trim();
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let a: i64 = a.trim().parse().map_err(|_| bad())?;
        let b: i64 = b.trim().parse().map_err(|_| bad())?;
        if a < 1 || b < a {
            return Err(bad());
        }
        out.push((a, b));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::idnum::complete;

    fn units() -> HashMap<String, UnitRef> {
        let mut m = HashMap::new();
        for (id, code, name, path) in [
            (2, "LX", "娄星区", "/1/2/"),
            (3, "LX01", "娄星区委组织部", "/1/2/3/"),
            (4, "XH", "新化县", "/1/4/"),
        ] {
            let u = UnitRef {
                id,
                code: code.into(),
                name: name.into(),
                path: path.into(),
            };
            m.insert(code.to_string(), u.clone());
            m.insert(name.to_string(), u);
        }
        m
    }

    fn id(n: u32) -> String {
        complete(&format!("43130219800101{n:03}"))
            .expect("id")
            .to_string()
    }

    struct World {
        units: HashMap<String, UnitRef>,
        accounts: HashSet<String>,
        pending: HashSet<String>,
    }

    fn world() -> World {
        World {
            units: units(),
            accounts: [id(900)].into_iter().collect(),
            pending: [id(901)].into_iter().collect(),
        }
    }

    fn run(w: &World, bytes: &[u8]) -> Result<Vec<ValidRow>, Vec<Problem>> {
        let scope = |p: &str| p.starts_with("/1/2/");
        let ctx = Context {
            units: &w.units,
            in_scope: &scope,
            accounts: &w.accounts,
            pending: &w.pending,
        };
        parse(bytes, None, &ctx)
    }

    fn csv(rows: &[String]) -> Vec<u8> {
        let mut s = "姓名,身份证号,单位,职务/职级,手机,批次\n".to_string();
        for r in rows {
            s.push_str(r);
            s.push('\n');
        }
        s.into_bytes()
    }

    fn problems(r: Result<Vec<ValidRow>, Vec<Problem>>) -> Vec<String> {
        r.expect_err("refused")
            .iter()
            .map(|p| p.to_string())
            .collect()
    }

    #[test]
    fn a_good_file_gives_every_row() {
        let w = world();
        let bytes = csv(&[
            format!("张三,{},LX01,科员,13800000000,2", id(1)),
            format!("李四,{},娄星区,,,3", id(2)),
        ]);
        let rows = run(&w, &bytes).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].row_no, 2);
        assert_eq!(rows[0].unit_id, 3);
        assert_eq!(rows[1].unit_id, 2);
        assert_eq!(rows[1].batch, 3);
        assert_eq!(rows[1].phone, "");
    }

    #[test]
    fn bom_and_gbk_files_read_the_same() {
        let w = world();
        let plain = csv(&[format!("张三,{},LX01,科员,13800000000,2", id(1))]);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(&plain);
        let text = String::from_utf8(plain.clone()).expect("utf8");
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let a = run(&w, &plain).expect("utf-8");
        assert_eq!(run(&w, &bom).expect("bom"), a);
        assert_eq!(run(&w, &gbk).expect("gbk"), a);
        assert_eq!(a[0].real_name, "张三");
    }

    #[test]
    fn each_bad_cell_is_named_by_row_and_column() {
        let w = world();
        let mut bad_check = id(3);
        bad_check.pop();
        bad_check.push(if id(3).ends_with('1') { '2' } else { '1' });
        let cases: Vec<(String, &str)> = vec![
            (
                format!("张三,{bad_check},LX01,,,2"),
                "第2行「身份证号」：身份证号校验位错误",
            ),
            (
                "张三,431302198002301234,LX01,,,2".into(),
                "第2行「身份证号」：身份证号中的出生日期无效",
            ),
            (
                format!("张三,{},LX01,,,2", id(900)),
                "第2行「身份证号」：此身份证号已有账号",
            ),
            (
                format!("张三,{},LX01,,,2", id(901)),
                "第2行「身份证号」：此身份证号已在另一份待处理的名单中",
            ),
            (
                format!("张三,{},ZZ,,,2", id(1)),
                "第2行「单位」：没有代码或名称为「ZZ」的单位",
            ),
            (
                format!("张三,{},XH,,,2", id(1)),
                "第2行「单位」：新化县不在您的管理范围内",
            ),
            (format!(",{},LX01,,,2", id(1)), "第2行「姓名」：不能为空"),
            (format!("张三,{},LX01,,,", id(1)), "第2行「批次」：不能为空"),
            (
                format!("张三,{},LX01,,,1", id(1)),
                "第2行「批次」：批次应为 2 或 3",
            ),
            (
                format!("=HYPERLINK(\"x\"),{},LX01,,,2", id(1)),
                "第2行「姓名」：内容以 = + - @ 开头",
            ),
            (
                format!("张三,{},LX01,@SUM(A1),,2", id(1)),
                "第2行「职务/职级」：内容以 = + - @ 开头",
            ),
            (
                format!("张三,{},LX01,,12345,2", id(1)),
                "第2行「手机」：手机号应为",
            ),
            (
                "张三,4.31302E+17,LX01,,,2".into(),
                "第2行「身份证号」：身份证号是科学计数法",
            ),
        ];
        for (row, want) in cases {
            let got = problems(run(&w, &csv(std::slice::from_ref(&row))));
            assert!(
                got.iter().any(|p| p.starts_with(want)),
                "{row}: wanted {want}, got {got:?}"
            );
        }
    }

    #[test]
    fn duplicates_in_the_file_refuse_it_whole() {
        let w = world();
        let bytes = csv(&[
            format!("张三,{},LX01,,,2", id(1)),
            format!("李四,{},LX01,,,2", id(2)),
            format!("王五,{},LX01,,,2", id(1)),
        ]);
        assert_eq!(
            problems(run(&w, &bytes)),
            vec!["第4行「身份证号」：与第2行的身份证号重复"]
        );
    }

    #[test]
    fn empty_rows_are_skipped_and_rows_keep_their_sheet_numbers() {
        let w = world();
        let bytes = csv(&[
            ",,,,,".into(),
            format!("张三,{},LX01,,,2", id(1)),
            String::new(),
            format!("李四,{},XH,,,2", id(2)),
        ]);
        assert_eq!(
            problems(run(&w, &bytes)),
            vec!["第5行「单位」：新化县不在您的管理范围内"]
        );
    }

    #[test]
    fn a_missing_column_or_empty_file_is_refused() {
        let w = world();
        let got = problems(run(&w, "姓名,单位,批次\n张三,LX,2\n".as_bytes()));
        assert_eq!(got, vec!["第1行「身份证号」：表头中缺少此列"]);
        assert_eq!(problems(run(&w, b"")), vec!["第0行：文件是空的"]);
        let header_only = csv(&[]);
        assert_eq!(
            problems(run(&w, &header_only)),
            vec!["第2行：文件中没有人员数据"]
        );
        assert!(problems(run(&w, &[0xff, 0xfe, 0xff])).len() == 1);
    }

    #[test]
    fn limits_on_rows_and_bytes() {
        let w = world();
        let big = vec![b'a'; MAX_BYTES + 1];
        assert!(problems(run(&w, &big))[0].contains("文件大小超过上限"));
        let rows: Vec<String> = (0..=MAX_ROWS)
            .map(|_| "张三,x,LX,,,2".to_string())
            .collect();
        assert!(problems(run(&w, &csv(&rows)))[0].contains("超过一次提交的上限"));
    }

    #[test]
    fn row_lists() {
        assert_eq!(parse_rows("all"), Ok(vec![(1, i64::MAX)]));
        assert_eq!(parse_rows("3"), Ok(vec![(3, 3)]));
        assert_eq!(parse_rows("3-7, 9"), Ok(vec![(3, 7), (9, 9)]));
        assert_eq!(parse_rows("2，4"), Ok(vec![(2, 2), (4, 4)]));
        for bad in ["", "x", "7-3", "0", "1-", "-2"] {
            assert!(parse_rows(bad).is_err(), "{bad}");
        }
    }

    fn grid(id_cell: SheetCell, phone: SheetCell) -> Vec<Vec<SheetCell>> {
        let t = |s: &str| SheetCell::Text(s.into());
        vec![
            Col::ALL.iter().map(|c| t(c.header())).collect(),
            vec![
                t("张三"),
                id_cell,
                t("LX01"),
                SheetCell::Empty,
                phone,
                SheetCell::Number(2.0),
            ],
        ]
    }

    #[test]
    fn numeric_cells_from_a_spreadsheet() {
        let w = world();
        let scope = |p: &str| p.starts_with("/1/2/");
        let ctx = Context {
            units: &w.units,
            in_scope: &scope,
            accounts: &w.accounts,
            pending: &w.pending,
        };
        let good = grid(SheetCell::Text(id(1)), SheetCell::Number(13800000000.0));
        let rows = check(&good, &ctx).expect("text id, numeric phone and batch");
        assert_eq!(rows[0].phone, "13800000000");
        assert_eq!(rows[0].batch, 2);
        let lost = grid(SheetCell::Number(431302198001010000.0), SheetCell::Empty);
        let got = check(&lost, &ctx).expect_err("numeric id");
        assert!(got[0].problem.contains("末尾几位已丢失"), "{got:?}");
        assert_eq!((got[0].row, got[0].column), (2, "身份证号"));
    }
}
