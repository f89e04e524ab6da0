//! Reading an uploaded table (CSV in UTF-8 with or without BOM, or GBK/GB18030 as Excel in China
//! saves it; or an xlsx workbook's first sheet) into a grid of cells. Pure: bytes in, cells out.
//! Untrusted: a workbook is read cell by cell as it inflates, and every size is checked against
//! [`SheetLimits`] before the grid grows, so a file cannot make the reader ask for more memory
//! than the limits allow (what a sheet's dimension claims is never believed).

use std::io::{Cursor, Read};

use calamine::{Data, DataRef, Reader, Xlsx, XlsxError};

use super::limits::{SheetLimits, XLSX_PARTS};

/// How the bytes are laid out; `detect` tells from the first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    /// An xlsx file is a zip archive ("PK\x03\x04"); anything else is read as CSV.
    pub fn detect(bytes: &[u8]) -> FileFormat {
        if bytes.starts_with(b"PK\x03\x04") {
            FileFormat::Xlsx
        } else {
            FileFormat::Csv
        }
    }
}

/// One cell as the file holds it: spreadsheets keep numbers as numbers (f64), CSV only text.
#[derive(Debug, Clone, PartialEq)]
pub enum SheetCell {
    Text(String),
    Number(f64),
    Empty,
}

impl SheetCell {
    pub fn is_blank(&self) -> bool {
        match self {
            SheetCell::Text(s) => s.trim().is_empty(),
            SheetCell::Number(_) => false,
            SheetCell::Empty => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("文件编码无法识别：请保存为 UTF-8 或 GBK 编码的 CSV，或 xlsx 文件")]
    Encoding,
    #[error("CSV 第{row}行格式错误：{reason}")]
    Csv { row: usize, reason: String },
    #[error("无法读取 Excel 文件：{0}")]
    Xlsx(String),
    #[error("文件中没有工作表")]
    NoSheet,
    #[error("表格超过 {limit} 行的上限，未读取")]
    TooManyRows { limit: usize },
    #[error("第{row}行超过 {limit} 列的上限，未读取")]
    TooManyColumns { row: usize, limit: usize },
    #[error("表格超过 {limit} 个单元格的上限，未读取")]
    TooManyCells { limit: usize },
    #[error("表格文字超过 {} MB 的上限，未读取", .limit / 1024 / 1024)]
    TooMuchText { limit: usize },
    #[error("Excel 文件解压后超过 {} MB 的上限，未读取", .limit / 1024 / 1024)]
    Unpacked { limit: u64 },
    #[error("Excel 文件包含的部件超过 {limit} 个的上限，未读取")]
    TooManyParts { limit: usize },
}

/// Rows of cells; row i is the sheet's row i + 1, and a row ends at its last value.
pub type Grid = Vec<Vec<SheetCell>>;

/// Reads every row, the header included, as given by `format`, within `limits`.
pub fn read(bytes: &[u8], format: FileFormat, limits: &SheetLimits) -> Result<Grid, SheetError> {
    match format {
        FileFormat::Csv => read_csv(&decode_text(bytes)?, limits),
        FileFormat::Xlsx => read_xlsx(bytes, limits),
    }
}

/// UTF-8 (a BOM is dropped) when the bytes are valid UTF-8, else GB18030 (a superset of GBK).
pub fn decode_text(bytes: &[u8]) -> Result<String, SheetError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(body) {
        return Ok(s.to_string());
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.into_owned())
        .ok_or(SheetError::Encoding)
}

/// Refuses CSV text with more lines or cells than `limits` before a parser allocates for them:
/// the line breaks bound the rows and the commas the cells (quoted commas and line breaks only
/// make the bound larger than the truth). A record's own width is checked as it is read.
pub fn check_csv_size(text: &str, limits: &SheetLimits) -> Result<(), SheetError> {
    let bytes = text.as_bytes();
    let (mut lines, mut commas) = (1usize, 0usize);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\n' => lines += 1,
            // A lone CR ends a line too (the csv reader accepts it).
            b'\r' if bytes.get(i + 1) != Some(&b'\n') => lines += 1,
            b',' => commas += 1,
            _ => {}
        }
    }
    if lines > limits.rows {
        return Err(SheetError::TooManyRows { limit: limits.rows });
    }
    if lines.saturating_add(commas) > limits.cells {
        return Err(SheetError::TooManyCells {
            limit: limits.cells,
        });
    }
    Ok(())
}

/// A record wider than `limits` allow, refused by the row the user sees.
pub fn check_width(row: usize, fields: usize, limits: &SheetLimits) -> Result<(), SheetError> {
    if fields > limits.columns {
        return Err(SheetError::TooManyColumns {
            row,
            limit: limits.columns,
        });
    }
    Ok(())
}

fn read_csv(text: &str, limits: &SheetLimits) -> Result<Grid, SheetError> {
    check_csv_size(text, limits)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| SheetError::Csv {
            row: i + 1,
            reason: e.to_string(),
        })?;
        // The reader skips blank lines, and a record's position is where reading began (before
        // any skipped blank lines): count those too, so rows keep the line numbers users see.
        let (byte, line) = record
            .position()
            .map_or((0, 1), |p| (p.byte() as usize, p.line() as usize));
        let skipped = text
            .as_bytes()
            .get(byte..)
            .unwrap_or_default()
            .iter()
            .take_while(|b| matches!(b, b'\n' | b'\r'))
            .filter(|b| **b == b'\n')
            .count();
        let line = line + skipped;
        check_width(line, record.len(), limits)?;
        while rows.len() + 1 < line {
            rows.push(Vec::new());
        }
        rows.push(
            record
                .iter()
                .map(|s| {
                    if s.is_empty() {
                        SheetCell::Empty
                    } else {
                        SheetCell::Text(s.to_string())
                    }
                })
                .collect(),
        );
    }
    Ok(rows)
}

fn read_xlsx(bytes: &[u8], limits: &SheetLimits) -> Result<Grid, SheetError> {
    check_unpacked(bytes, limits.unpacked_bytes)?;
    let xlsx = |e: XlsxError| SheetError::Xlsx(e.to_string());
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(xlsx)?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(SheetError::NoSheet)?;
    let mut cells = match book.worksheet_cells_reader(&first) {
        Ok(cells) => cells,
        // A chart sheet first: no cells, as the range reader saw it.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(Vec::new()),
        Err(e) => return Err(xlsx(e)),
    };
    let mut grid = Bounded::new(limits);
    while let Some(cell) = cells.next_cell().map_err(xlsx)? {
        let (row, col) = cell.get_position();
        // Charged before the cell's own copy of a shared text is made.
        grid.charge_text(text_len(cell.get_value()))?;
        // Blank cells (a format without a value) take no room, as in the sheet's used range.
        if let Some(value) = cell_of(cell.get_value()) {
            grid.put(row as usize, col as usize, value)?;
        }
    }
    Ok(grid.rows)
}

/// Inflates every part of the archive into nothing, counting: refused as soon as the total passes
/// `limit`, whatever the headers claim, before calamine (which keeps all shared strings in memory
/// and reads the sheet) sees a byte. Costs one extra inflate of a file already known to be small.
fn check_unpacked(bytes: &[u8], limit: u64) -> Result<(), SheetError> {
    // Every part is listed in the central directory under this signature; counting them bounds
    // what opening the archive allocates for its list.
    let parts = bytes.windows(4).filter(|w| w == b"PK\x01\x02").count();
    if parts > XLSX_PARTS {
        return Err(SheetError::TooManyParts { limit: XLSX_PARTS });
    }
    let bad = |e: &dyn std::fmt::Display| SheetError::Xlsx(e.to_string());
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| bad(&e))?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| bad(&e))?;
        let room = limit - total;
        if entry.size() > room {
            return Err(SheetError::Unpacked { limit });
        }
        let inflated =
            std::io::copy(&mut entry.take(room + 1), &mut std::io::sink()).map_err(|e| bad(&e))?;
        total += inflated;
        if total > limit {
            return Err(SheetError::Unpacked { limit });
        }
    }
    Ok(())
}

/// A grid that refuses to grow past its limits; rows keep their place in the sheet, and a row is
/// only as wide as its last value.
struct Bounded<'l> {
    rows: Grid,
    cells: usize,
    text: usize,
    limits: &'l SheetLimits,
}

impl<'l> Bounded<'l> {
    fn new(limits: &'l SheetLimits) -> Self {
        Bounded {
            rows: Vec::new(),
            cells: 0,
            text: 0,
            limits,
        }
    }

    fn charge_text(&mut self, bytes: usize) -> Result<(), SheetError> {
        self.text = self.text.saturating_add(bytes);
        if self.text > self.limits.text_bytes {
            return Err(SheetError::TooMuchText {
                limit: self.limits.text_bytes,
            });
        }
        Ok(())
    }

    fn put(&mut self, row: usize, col: usize, value: SheetCell) -> Result<(), SheetError> {
        let limits = self.limits;
        if row >= limits.rows {
            return Err(SheetError::TooManyRows { limit: limits.rows });
        }
        check_width(row + 1, col + 1, limits)?;
        if self.rows.len() <= row {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let cells = &mut self.rows[row];
        if cells.len() <= col {
            self.cells += col + 1 - cells.len();
            if self.cells > limits.cells {
                return Err(SheetError::TooManyCells {
                    limit: limits.cells,
                });
            }
            cells.resize(col + 1, SheetCell::Empty);
        }
        cells[col] = value;
        Ok(())
    }
}

/// The bytes of text a cell's value will be copied into.
fn text_len(d: &DataRef<'_>) -> usize {
    match d {
        DataRef::String(s) => s.len(),
        DataRef::SharedString(s) => s.len(),
        _ => 0,
    }
}

fn cell_of(d: &DataRef<'_>) -> Option<SheetCell> {
    Some(match d {
        DataRef::Empty => return None,
        DataRef::String(s) => SheetCell::Text(s.clone()),
        DataRef::SharedString(s) => SheetCell::Text((*s).to_string()),
        DataRef::Float(f) => SheetCell::Number(*f),
        DataRef::Int(i) => SheetCell::Text(i.to_string()),
        DataRef::Bool(b) => SheetCell::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        other => SheetCell::Text(Data::from(other.clone()).to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::limits::ROSTER;

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode_text("姓名".as_bytes()), Ok("姓名".into()));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice("姓名".as_bytes());
        assert_eq!(decode_text(&bom), Ok("姓名".into()));
    }

    #[test]
    fn gbk_is_decoded() {
        let (bytes, _, _) = encoding_rs::GBK.encode("姓名,单位\n张三,娄星区\n");
        assert!(std::str::from_utf8(&bytes).is_err(), "really GBK bytes");
        let rows = read(&bytes, FileFormat::Csv, &ROSTER).expect("gbk csv");
        assert_eq!(rows[1][0], SheetCell::Text("张三".into()));
        assert_eq!(rows[1][1], SheetCell::Text("娄星区".into()));
    }

    #[test]
    fn format_is_told_by_the_zip_signature() {
        assert_eq!(FileFormat::detect(b"PK\x03\x04rest"), FileFormat::Xlsx);
        assert_eq!(FileFormat::detect("姓名".as_bytes()), FileFormat::Csv);
    }

    #[test]
    fn garbage_is_not_a_workbook() {
        assert!(matches!(
            read(b"PK\x03\x04nonsense", FileFormat::Xlsx, &ROSTER),
            Err(SheetError::Xlsx(_))
        ));
    }
}

/// The bounds against crafted files, each made here: a two-cell workbook claiming the whole grid,
/// a compression bomb, a sheet whose dimension lies, oversized and over-wide CSV. Memory is
/// measured in a child process (this test binary re-run on one ignored test), where no other
/// test shares the peak.
#[cfg(test)]
mod bounds {
    use std::io::{Read, Write};

    use super::*;
    use crate::rules::limits::{ROSTER, SheetLimits};

    const SHEET: &str = "xl/worksheets/sheet1.xml";
    /// The bomb's one cell: 40 MB of text that deflates to about 40 KB.
    const BOMB_CELL_BYTES: usize = 40 * 1024 * 1024;

    /// A real workbook with the roster header and one row, as Excel would send it.
    fn workbook(extra: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["姓名", "身份证号", "单位"].iter().enumerate() {
            sheet.write_string(0, c as u16, *h).expect("header");
        }
        sheet.write_string(1, 0, "张三").expect("cell");
        extra(sheet);
        book.save_to_buffer().expect("xlsx")
    }

    /// The same archive with each part passed through `part` (name, bytes, output).
    fn rezip(xlsx: &[u8], mut part: impl FnMut(&str, Vec<u8>, &mut dyn Write)) -> Vec<u8> {
        let mut src = zip::ZipArchive::new(Cursor::new(xlsx)).expect("zip");
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for i in 0..src.len() {
            let mut f = src.by_index(i).expect("entry");
            let name = f.name().expect("name").to_string();
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("inflate");
            out.start_file(name.as_str(), opts).expect("start");
            part(&name, data, &mut out);
        }
        out.finish().expect("finish").into_inner()
    }

    /// A valid workbook whose second row holds one 40 MB cell, written in pieces so making it
    /// needs little memory: the 475 KB → 200 MB bomb of the issue, smaller.
    fn bomb() -> Vec<u8> {
        rezip(&workbook(|_| {}), |name, data, out| {
            if name != SHEET {
                out.write_all(&data).expect("write");
                return;
            }
            let xml = String::from_utf8(data).expect("xml");
            let (head, tail) = xml.split_at(xml.find("</sheetData>").expect("sheetData"));
            out.write_all(head.as_bytes()).expect("write");
            out.write_all(br#"<row r="3"><c r="A3" t="inlineStr"><is><t>"#)
                .expect("write");
            let chunk = vec![b'a'; 1024 * 1024];
            for _ in 0..BOMB_CELL_BYTES / chunk.len() {
                out.write_all(&chunk).expect("write");
            }
            out.write_all(b"</t></is></c></row>").expect("write");
            out.write_all(tail.as_bytes()).expect("write");
        })
    }

    /// Two cells, A1 and XFD1048576: the sheet's used range (and its dimension) is the whole grid.
    fn sparse() -> Vec<u8> {
        workbook(|s| {
            s.write_string(1_048_575, 16_383, "末").expect("last cell");
        })
    }

    #[test]
    fn the_whole_grid_claimed_by_two_cells_is_refused() {
        let xlsx = sparse();
        assert!(xlsx.len() < 8 * 1024, "a small file: {} bytes", xlsx.len());
        assert_eq!(
            read(&xlsx, FileFormat::Xlsx, &ROSTER),
            Err(SheetError::TooManyRows { limit: ROSTER.rows })
        );
        let wide = workbook(|s| {
            s.write_string(5, 16_383, "远").expect("far cell");
        });
        let refused = read(&wide, FileFormat::Xlsx, &ROSTER);
        assert_eq!(
            refused,
            Err(SheetError::TooManyColumns {
                row: 6,
                limit: ROSTER.columns
            })
        );
        assert_eq!(
            refused.map_err(|e| e.to_string()),
            Err("第6行超过 256 列的上限，未读取".into())
        );
    }

    /// One long text (100,000 characters, more than Excel itself writes) stored once and named by
    /// many cells: each cell keeps its own copy.
    fn shared_text(cells: u32) -> Vec<u8> {
        let named = workbook(|s| {
            for r in 2..2 + cells {
                s.write_string(r, 0, "重复").expect("cell");
            }
        });
        rezip(&named, |name, data, out| {
            let xml = String::from_utf8(data).unwrap_or_default();
            let xml = if name == "xl/sharedStrings.xml" {
                xml.replace("<t>重复</t>", &format!("<t>{}</t>", "长".repeat(100_000)))
            } else {
                xml
            };
            out.write_all(xml.as_bytes()).expect("write");
        })
    }

    #[test]
    fn text_named_many_times_is_bounded_by_its_copies() {
        let xlsx = shared_text(200);
        assert!(xlsx.len() < 64 * 1024, "a small file: {} bytes", xlsx.len());
        assert_eq!(
            read(&xlsx, FileFormat::Xlsx, &ROSTER),
            Err(SheetError::TooMuchText {
                limit: ROSTER.text_bytes
            })
        );
        assert_eq!(
            read(&shared_text(3), FileFormat::Xlsx, &ROSTER).map(|r| r.len()),
            Ok(5)
        );
    }

    #[test]
    fn an_archive_of_many_parts_is_refused_before_it_is_listed() {
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..=crate::rules::limits::XLSX_PARTS {
            out.start_file(format!("p{i}"), zip::write::SimpleFileOptions::default())
                .expect("start");
        }
        let many = out.finish().expect("finish").into_inner();
        assert_eq!(
            read(&many, FileFormat::Xlsx, &ROSTER),
            Err(SheetError::TooManyParts {
                limit: crate::rules::limits::XLSX_PARTS
            })
        );
    }

    #[test]
    fn cells_kept_are_bounded_not_just_rows_and_columns() {
        // Each row's last cell far right: few cells in the file, many blanks to keep.
        let limits = SheetLimits {
            cells: 1000,
            ..ROSTER
        };
        let xlsx = workbook(|s| {
            for r in 1..20 {
                s.write_string(r, 200, "x").expect("cell");
            }
        });
        assert_eq!(
            read(&xlsx, FileFormat::Xlsx, &limits),
            Err(SheetError::TooManyCells { limit: 1000 })
        );
        assert!(read(&xlsx, FileFormat::Xlsx, &ROSTER).is_ok());
    }

    #[test]
    fn a_dimension_that_lies_is_not_believed() {
        let xlsx = rezip(&workbook(|_| {}), |name, data, out| {
            let xml = String::from_utf8(data).unwrap_or_default();
            let xml = if name == SHEET {
                let at = xml.find("<dimension ref=\"").expect("dimension") + 16;
                let end = at + xml[at..].find('"').expect("quote");
                format!("{}A1:XFD1048576{}", &xml[..at], &xml[end..])
            } else {
                xml
            };
            out.write_all(xml.as_bytes()).expect("write");
        });
        let rows = read(&xlsx, FileFormat::Xlsx, &ROSTER).expect("two real rows");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0][1], SheetCell::Text("身份证号".into()));
        assert_eq!(rows[1], vec![SheetCell::Text("张三".into())]);
    }

    #[test]
    fn a_compression_bomb_is_refused_by_what_it_inflates_to() {
        let bomb = bomb();
        assert!(bomb.len() < 1024 * 1024, "small file: {} bytes", bomb.len());
        assert_eq!(
            read(&bomb, FileFormat::Xlsx, &ROSTER),
            Err(SheetError::Unpacked {
                limit: ROSTER.unpacked_bytes
            })
        );
        assert_eq!(
            SheetError::Unpacked {
                limit: ROSTER.unpacked_bytes
            }
            .to_string(),
            "Excel 文件解压后超过 32 MB 的上限，未读取"
        );
    }

    #[test]
    fn sizes_in_the_headers_that_lie_do_not_help() {
        // The bomb with every "uncompressed size" field rewritten to 100 bytes.
        let mut bomb = bomb();
        let big = u32::try_from(BOMB_CELL_BYTES).expect("u32") as usize;
        let mut patched = 0;
        for i in 0..bomb.len().saturating_sub(30) {
            // The uncompressed size: at 22 in a local header, at 24 in a central one.
            let at = match &bomb[i..i + 4] {
                b"PK\x03\x04" => i + 22,
                b"PK\x01\x02" => i + 24,
                _ => continue,
            };
            let size = u32::from_le_bytes(bomb[at..at + 4].try_into().expect("4 bytes")) as usize;
            if size > big {
                bomb[at..at + 4].copy_from_slice(&100u32.to_le_bytes());
                patched += 1;
            }
        }
        assert!(patched >= 1, "found the sheet's size fields");
        assert!(read(&bomb, FileFormat::Xlsx, &ROSTER).is_err());
    }

    #[test]
    fn oversized_and_over_wide_csv_is_refused_before_parsing() {
        let tall = "姓名\n".repeat(ROSTER.rows + 1);
        assert_eq!(
            read(tall.as_bytes(), FileFormat::Csv, &ROSTER),
            Err(SheetError::TooManyRows { limit: ROSTER.rows })
        );
        let commas = ",".repeat(ROSTER.cells + 1);
        assert_eq!(
            read(commas.as_bytes(), FileFormat::Csv, &ROSTER),
            Err(SheetError::TooManyCells {
                limit: ROSTER.cells
            })
        );
        let wide = format!("姓名,单位\n\n{}\n", ",".repeat(ROSTER.columns));
        assert_eq!(
            read(wide.as_bytes(), FileFormat::Csv, &ROSTER),
            Err(SheetError::TooManyColumns {
                row: 3,
                limit: ROSTER.columns
            })
        );
        // At the limits exactly, still read.
        let fits = format!("{}\n", ",".repeat(ROSTER.columns - 1));
        assert!(read(fits.as_bytes(), FileFormat::Csv, &ROSTER).is_ok());
    }

    #[test]
    fn a_valid_workbook_reads_as_before() {
        let xlsx = workbook(|s| {
            s.write_number(3, 2, 42.5).expect("number");
            s.write_boolean(3, 3, true).expect("bool");
        });
        let rows = read(&xlsx, FileFormat::Xlsx, &ROSTER).expect("read");
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[1][0], SheetCell::Text("张三".into()));
        assert!(rows[2].iter().all(SheetCell::is_blank));
        assert_eq!(rows[3][2], SheetCell::Number(42.5));
        assert_eq!(rows[3][3], SheetCell::Text("TRUE".into()));
    }

    /// This process's peak resident memory, in KiB.
    fn peak_kib() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// Run by `reading_crafted_files_stays_small` in a child process: reads one crafted file and
    /// prints how much the peak grew.
    #[test]
    #[ignore = "run in a child process by reading_crafted_files_stays_small"]
    fn peak_of_one_read() {
        let Ok(case) = std::env::var("WANGYUAN_SHEET_CASE") else {
            return;
        };
        let file = match case.as_str() {
            "bomb" => bomb(),
            "sparse" => sparse(),
            "shared" => shared_text(400),
            _ => return,
        };
        // Forget the peak of making the file (Linux: "5" resets VmHWM to the current size).
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let before = peak_kib();
        let result = read(&file, FileFormat::Xlsx, &ROSTER);
        println!("PEAK-GROWTH-KIB {}", peak_kib().saturating_sub(before));
        println!("RESULT {:?}", result.map(|r| r.len()));
    }

    #[test]
    fn reading_crafted_files_stays_small() {
        let Ok(me) = std::env::current_exe() else {
            return;
        };
        // Reading whole, the bomb (40 MB inflated) needed 124 MB more and the shared text (400
        // copies of 300 KB) 120 MB; bounded, the kept text may reach its limit before refusal.
        let text_kib = ROSTER.text_bytes as u64 / 1024;
        for (case, most_kib) in [
            ("bomb", 8 * 1024),
            ("sparse", 8 * 1024),
            ("shared", text_kib + 8 * 1024),
        ] {
            let out = std::process::Command::new(&me)
                .args([
                    "rules::sheet::bounds::peak_of_one_read",
                    "--exact",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("WANGYUAN_SHEET_CASE", case)
                .output()
                .expect("run the child");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(out.status.success(), "{case}: child failed: {text}");
            let growth: u64 = text
                .lines()
                .find_map(|l| l.split("PEAK-GROWTH-KIB ").nth(1))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("{case}: no measurement in {text}"));
            assert!(text.contains("RESULT Err"), "{case}: refused: {text}");
            assert!(growth < most_kib, "{case}: peak grew {growth} KiB");
        }
    }
}
