//! Output of every command: a table of typed cells rendered as a text table, CSV, JSON or xlsx.
//! Commands build a `Table`; only this file knows how each format spells a cell.
//!
//! Text cells hold what people typed, so every format defuses it here, once: control characters
//! are shown as visible escapes (`\x1b`) in the text table and CSV, and escaped in JSON, so a
//! stored ESC or OSC sequence never reaches a staff terminal; CSV text cells that a spreadsheet
//! would read as a formula get a leading `'` (OWASP). Numbers stay numbers: only `Cell::Text` is
//! quoted, so a negative credit (`-2.0`, a `Cell::Credits`) is written as is. xlsx string cells
//! are never formulas (`write_string` stores a shared string), so they need no quote.

use std::fmt::Write as _;

use clap::ValueEnum;
use comfy_table::{CellAlignment, presets};
use serde_json::{Map, Value};

use crate::rules::Tenths;
use crate::rules::calendar::{datetime_cst, rfc3339_cst};
use crate::rules::standing::format_rate;
use crate::rules::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// 文本表格（默认）
    #[default]
    Table,
    /// CSV（UTF-8）
    Csv,
    /// JSON 对象数组
    Json,
    /// Excel 工作簿（字节流）
    Xlsx,
}

/// Pretty JSON with control characters escaped (see the module note), ending in a newline.
pub fn json_bytes(value: &Value) -> Result<Vec<u8>, String> {
    let json = serde_json::to_string_pretty(value).map_err(|e| format!("写出 JSON 失败：{e}"))?;
    let mut buf = escape_json_controls(&json).into_bytes();
    buf.push(b'\n');
    Ok(buf)
}

/// One value, typed so each format can show it its own way.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Credits(Tenths),
    /// A rate in permille: 875 is 87.5%.
    Rate(u32),
    Bool(bool),
    /// A stable code for machines and a Chinese label for people ("required" / "必修").
    Coded {
        code: &'static str,
        label: &'static str,
    },
    /// Unix seconds, shown in China Standard Time.
    Time(i64),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// A stored state: its code in JSON, its label for people.
    pub fn coded(v: impl crate::rules::status::Coded) -> Cell {
        Cell::Coded {
            code: v.code(),
            label: v.label(),
        }
    }

    /// What people read: the text table, CSV and xlsx strings.
    fn human(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Credits(t) => t.to_string(),
            Cell::Rate(p) => format_rate(*p),
            Cell::Bool(b) => if *b { "是" } else { "否" }.into(),
            Cell::Coded { label, .. } => (*label).into(),
            Cell::Time(t) => datetime_cst(*t),
            Cell::Empty => String::new(),
        }
    }

    /// What the text table shows: control characters made visible.
    fn shown(&self) -> String {
        text::escape(&self.human()).into_owned()
    }

    /// CSV keeps numbers plain (a rate without "%") and times exact (RFC 3339); text is escaped
    /// and defused against formula injection.
    fn csv(&self) -> String {
        match self {
            Cell::Text(s) => text::defuse_formula(&text::escape(s)).into_owned(),
            Cell::Rate(p) => format!("{}.{}", p / 10, p % 10),
            Cell::Time(t) => rfc3339_cst(*t),
            other => other.human(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(s) => Value::from(s.as_str()),
            Cell::Int(n) => Value::from(*n),
            Cell::Credits(t) => Value::from(t.as_f64()),
            Cell::Rate(p) => Value::from(f64::from(*p) / 10.0),
            Cell::Bool(b) => Value::from(*b),
            Cell::Coded { code, .. } => Value::from(*code),
            Cell::Time(t) => Value::from(rfc3339_cst(*t)),
            Cell::Empty => Value::Null,
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Credits(_) | Cell::Rate(_))
    }
}

/// A column: its JSON key and its Chinese header.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub key: &'static str,
    pub header: &'static str,
}

pub const fn col(key: &'static str, header: &'static str) -> Column {
    Column { key, header }
}

#[derive(Debug, Clone)]
pub struct Table {
    pub columns: &'static [Column],
    pub rows: Vec<Vec<Cell>>,
    /// A line above the text table (only there: other formats carry data only).
    pub title: Option<String>,
}

impl Table {
    pub fn new(columns: &'static [Column]) -> Table {
        Table {
            columns,
            rows: Vec::new(),
            title: None,
        }
    }

    /// Renders the whole output before anything is written, so a failure leaves `out` empty.
    pub fn render(&self, format: Format, bom: bool) -> Result<Vec<u8>, String> {
        match format {
            Format::Table => Ok(self.text().into_bytes()),
            Format::Csv => self.csv(bom),
            Format::Json => self.json(),
            Format::Xlsx => self.xlsx(),
        }
    }

    fn text(&self) -> String {
        let mut out = String::new();
        if let Some(title) = &self.title {
            let _ = writeln!(out, "{}", text::escape_lines(title));
        }
        if self.rows.is_empty() {
            out.push_str("（无数据）\n");
            return out;
        }
        let mut t = comfy_table::Table::new();
        // ASCII borders: many Chinese terminals draw box-drawing characters double-width.
        t.load_style(presets::ASCII_FULL_CONDENSED)
            .force_no_tty()
            .set_header(self.columns.iter().map(|c| c.header));
        for row in &self.rows {
            t.add_row(row.iter().map(Cell::shown));
        }
        for (i, cell) in self.rows[0].iter().enumerate() {
            if let (true, Some(column)) = (cell.is_numeric(), t.column_mut(i)) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        let _ = writeln!(out, "{t}");
        out
    }

    fn csv(&self, bom: bool) -> Result<Vec<u8>, String> {
        let mut buf = Vec::new();
        if bom {
            buf.extend_from_slice(b"\xEF\xBB\xBF");
        }
        let mut w = csv::Writer::from_writer(buf);
        let fail = |e: csv::Error| format!("写出 CSV 失败：{e}");
        w.write_record(self.columns.iter().map(|c| c.header))
            .map_err(fail)?;
        for row in &self.rows {
            w.write_record(row.iter().map(Cell::csv)).map_err(fail)?;
        }
        w.into_inner().map_err(|e| format!("写出 CSV 失败：{e}"))
    }

    fn json(&self) -> Result<Vec<u8>, String> {
        let array: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                let object: Map<String, Value> = self
                    .columns
                    .iter()
                    .zip(row)
                    .map(|(c, cell)| (c.key.to_string(), cell.json()))
                    .collect();
                Value::Object(object)
            })
            .collect();
        json_bytes(&Value::Array(array))
    }

    fn xlsx(&self) -> Result<Vec<u8>, String> {
        use rust_xlsxwriter::{Format as XFormat, Workbook, XlsxError};
        let fail = |e: XlsxError| format!("生成 Excel 文件失败：{e}");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let bold = XFormat::new().set_bold();
        let one_decimal = XFormat::new().set_num_format("0.0");
        let mut widths: Vec<usize> = self
            .columns
            .iter()
            .map(|c| display_width(c.header))
            .collect();
        for (c, column) in self.columns.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| "列数过多".to_string())?;
            sheet
                .write_string_with_format(0, c, column.header, &bold)
                .map_err(fail)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(|_| "行数超出 Excel 上限".to_string())?;
            for (c, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(c) {
                    *w = (*w).max(display_width(&cell.human()));
                }
                let c = u16::try_from(c).map_err(|_| "列数过多".to_string())?;
                match cell {
                    Cell::Int(n) => sheet.write_number(r, c, *n as f64),
                    Cell::Credits(t) => {
                        sheet.write_number_with_format(r, c, t.as_f64(), &one_decimal)
                    }
                    Cell::Rate(p) => {
                        sheet.write_number_with_format(r, c, f64::from(*p) / 10.0, &one_decimal)
                    }
                    Cell::Empty => continue,
                    other => sheet.write_string(r, c, other.human()),
                }
                .map_err(fail)?;
            }
        }
        for (c, w) in widths.iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| "列数过多".to_string())?;
            // Character widths, clamped so one long rule text does not make a huge column.
            let width = (*w + 2).clamp(6, 60) as f64;
            sheet.set_column_width(c, width).map_err(fail)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(fail)?;
        book.save_to_buffer().map_err(fail)
    }
}

/// A printable HTML page (A4, landscape) of `table` under `heading` (the first line is the title):
/// what `class print` writes. Every text is HTML-escaped after control characters were made
/// visible, so stored text can neither inject markup nor reach a terminal raw.
pub fn html_page(heading: &[String], table: &Table) -> String {
    fn esc(s: &str) -> String {
        let shown = text::escape(s);
        let mut out = String::with_capacity(shown.len());
        for c in shown.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        out
    }
    let title = heading.first().map(String::as_str).unwrap_or_default();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>\n@page {{ size: A4 landscape; margin: 12mm; }}\n\
         body {{ font-family: \"SimSun\", \"Songti SC\", serif; font-size: 10.5pt; color: #000; }}\n\
         h1 {{ font-size: 16pt; text-align: center; margin: 0 0 4mm; }}\n\
         p {{ margin: 1mm 0; }}\n\
         table {{ border-collapse: collapse; width: 100%; margin-top: 3mm; }}\n\
         th, td {{ border: 1px solid #000; padding: 1mm 2mm; }}\n\
         th {{ background: #eee; }}\n\
         td.n {{ text-align: right; }}\n\
         thead {{ display: table-header-group; }}\n\
         tr {{ page-break-inside: avoid; }}\n\
         </style>\n</head>\n<body>\n<h1>{}</h1>\n",
        esc(title),
        esc(title)
    );
    for line in heading.iter().skip(1) {
        let _ = writeln!(out, "<p>{}</p>", esc(line));
    }
    out.push_str("<table>\n<thead><tr><th>序号</th>");
    for c in table.columns {
        let _ = write!(out, "<th>{}</th>", esc(c.header));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (i, row) in table.rows.iter().enumerate() {
        let _ = write!(out, "<tr><td class=\"n\">{}</td>", i + 1);
        for cell in row {
            let class = if cell.is_numeric() {
                " class=\"n\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", esc(&cell.human()));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</body>\n</html>\n");
    out
}

/// serde_json escapes C0 controls in strings but writes DEL, C1 controls (U+009B is a
/// one-character CSI to some terminals) and bidirectional overrides as they are. Outside strings
/// JSON is ASCII (the line breaks of pretty printing among it), so every such character is inside
/// a string, where `\uXXXX` means the same character.
fn escape_json_controls(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if (c == '\u{7f}' || !c.is_ascii()) && text::is_forbidden(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Terminal columns of a string: CJK and other wide characters count two.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLUMNS: &[Column] = &[
        col("name", "姓名"),
        col("credits", "学分"),
        col("rate", "达标率"),
        col("ok", "达标"),
        col("kind", "类型"),
        col("batch", "批次"),
    ];

    fn sample() -> Table {
        let mut t = Table::new(COLUMNS);
        t.rows.push(vec![
            Cell::text("张三"),
            Cell::Credits(Tenths(245)),
            Cell::Rate(875),
            Cell::Bool(true),
            Cell::Coded {
                code: "required",
                label: "必修",
            },
            Cell::Empty,
        ]);
        t
    }

    #[test]
    fn json_uses_keys_numbers_and_codes() {
        let bytes = sample().render(Format::Json, false).expect("json");
        let v: Value = serde_json::from_slice(&bytes).expect("parse");
        assert_eq!(
            v,
            serde_json::json!([{"name": "张三", "credits": 24.5, "rate": 87.5, "ok": true,
                "kind": "required", "batch": null}])
        );
        assert!(String::from_utf8_lossy(&bytes).contains("24.5"));
    }

    #[test]
    fn csv_has_chinese_headers_and_optional_bom() {
        let plain = sample().render(Format::Csv, false).expect("csv");
        assert_eq!(
            String::from_utf8(plain.clone()).expect("utf8"),
            "姓名,学分,达标率,达标,类型,批次\n张三,24.5,87.5,是,必修,\n"
        );
        let bom = sample().render(Format::Csv, true).expect("csv");
        assert_eq!(&bom[..3], b"\xEF\xBB\xBF");
        assert_eq!(&bom[3..], &plain[..]);
    }

    #[test]
    fn text_table_aligns_cjk_columns() {
        let text =
            String::from_utf8(sample().render(Format::Table, false).expect("table")).expect("utf8");
        let lines: Vec<&str> = text.lines().collect();
        assert!(text.contains("张三") && text.contains("87.5%"), "{text}");
        let widths: Vec<usize> = lines.iter().map(|l| display_width(l)).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{text}");
        let empty = Table::new(COLUMNS).render(Format::Table, false).expect("t");
        assert_eq!(empty, "（无数据）\n".as_bytes());
    }

    const NOTE: &[Column] = &[col("note", "备注"), col("credits", "学分")];

    fn hostile(note: &str, tenths: i64) -> Table {
        let mut t = Table::new(NOTE);
        t.rows
            .push(vec![Cell::text(note), Cell::Credits(Tenths(tenths))]);
        t
    }

    #[test]
    fn csv_text_that_looks_like_a_formula_gets_a_quote_but_numbers_stay() {
        for (cell, want) in [
            ("=1+1", "'=1+1"),
            ("-2+3", "'-2+3"),
            ("+1", "'+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("科员", "科员"),
        ] {
            let bytes = hostile(cell, -20).render(Format::Csv, false).expect("csv");
            let mut r = csv::Reader::from_reader(bytes.as_slice());
            let rec = r.records().next().expect("a row").expect("record");
            assert_eq!(&rec[0], want);
            assert_eq!(&rec[1], "-2.0", "a negative credit stays a number");
        }
    }

    #[test]
    fn control_characters_are_escaped_in_every_text_format() {
        let t = hostile("x\u{1b}]52;c;ZXZpbA==\u{7}\u{9b}2J\u{7f}", 10);
        let table = String::from_utf8(t.render(Format::Table, false).expect("t")).expect("u8");
        assert!(
            table.contains("x\\x1b]52;c;ZXZpbA==\\x07\\x9b2J\\x7f"),
            "{table}"
        );
        let csv = t.render(Format::Csv, false).expect("csv");
        let json = t.render(Format::Json, false).expect("json");
        for out in [table.as_bytes(), &csv, &json] {
            let s = String::from_utf8_lossy(out);
            let obeyed = |c: char| text::is_forbidden(c) && c != '\n';
            assert!(!s.chars().any(obeyed), "{s:?}");
        }
        let v: Value = serde_json::from_slice(&json).expect("still JSON");
        assert_eq!(
            v[0]["note"], "x\u{1b}]52;c;ZXZpbA==\u{7}\u{9b}2J\u{7f}",
            "same text, escaped"
        );
    }

    #[test]
    fn the_printable_page_escapes_markup() {
        let t = hostile("<script>alert(1)</script>\u{1b}", 10);
        let page = html_page(&["标题 & <b>".into(), "第二行".into()], &t);
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt;\\x1b"),
            "{page}"
        );
        assert!(page.contains("<h1>标题 &amp; &lt;b&gt;</h1>") && page.contains("<p>第二行</p>"));
        assert!(!page.contains("<script>") && !page.contains('\u{1b}'));
    }

    #[test]
    fn wide_characters_count_two() {
        assert_eq!(display_width("ab"), 2);
        assert_eq!(display_width("娄星区"), 6);
        assert_eq!(display_width("（本级）"), 8);
    }
}
