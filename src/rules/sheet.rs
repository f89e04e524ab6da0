//! Reading an uploaded table (CSV in UTF-8 with or without BOM, or GBK/GB18030 as Excel in China
//! saves it; or an xlsx workbook's first sheet) into a grid of cells. Pure: bytes in, cells out.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

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
}

/// Reads every row, the header included, as given by `format`.
pub fn read(bytes: &[u8], format: FileFormat) -> Result<Vec<Vec<SheetCell>>, SheetError> {
    match format {
        FileFormat::Csv => read_csv(&decode_text(bytes)?),
        FileFormat::Xlsx => read_xlsx(bytes),
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

fn read_csv(text: &str) -> Result<Vec<Vec<SheetCell>>, SheetError> {
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

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<SheetCell>>, SheetError> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e: calamine::XlsxError| SheetError::Xlsx(e.to_string()))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or(SheetError::NoSheet)?
        .map_err(|e: calamine::XlsxError| SheetError::Xlsx(e.to_string()))?;
    // A sheet whose data starts below row 1 still reports rows by their place in the sheet.
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut rows = vec![Vec::new(); first_row];
    for row in range.rows() {
        let mut cells = vec![SheetCell::Empty; first_col];
        cells.extend(row.iter().map(cell_of));
        rows.push(cells);
    }
    Ok(rows)
}

fn cell_of(d: &Data) -> SheetCell {
    match d {
        Data::Empty => SheetCell::Empty,
        Data::String(s) => SheetCell::Text(s.clone()),
        Data::Float(f) => SheetCell::Number(*f),
        Data::Int(i) => SheetCell::Text(i.to_string()),
        Data::Bool(b) => SheetCell::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        other => SheetCell::Text(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let rows = read(&bytes, FileFormat::Csv).expect("gbk csv");
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
            read(b"PK\x03\x04nonsense", FileFormat::Xlsx),
            Err(SheetError::Xlsx(_))
        ));
    }
}
