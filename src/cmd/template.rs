//! Blank files to fill in and upload (`roster template`, `unit template`): the header row, every
//! column formatted as text (codes and ID numbers keep every digit), and in xlsx a notes sheet
//! saying what each column holds.

use super::args::FileKind;

/// One column of a template: its header, what it holds, and its width in xlsx.
#[derive(Debug, Clone, Copy)]
pub struct TemplateColumn {
    pub header: &'static str,
    pub note: &'static str,
    pub width: f64,
}

/// The template as CSV (UTF-8 with BOM, so Excel reads it right) or an xlsx workbook.
pub fn build(kind: FileKind, sheet: &str, columns: &[TemplateColumn]) -> Result<Vec<u8>, String> {
    match kind {
        FileKind::Csv => {
            let mut out = b"\xEF\xBB\xBF".to_vec();
            let headers: Vec<&str> = columns.iter().map(|c| c.header).collect();
            out.extend_from_slice(headers.join(",").as_bytes());
            out.extend_from_slice(b"\r\n");
            Ok(out)
        }
        FileKind::Xlsx => xlsx(sheet, columns),
    }
}

fn xlsx(sheet_name: &str, columns: &[TemplateColumn]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook, XlsxError};
    let fail = |e: XlsxError| format!("生成 Excel 文件失败：{e}");
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(fail)?;
    for (i, c) in columns.iter().enumerate() {
        let i = i as u16;
        sheet
            .write_string_with_format(0, i, c.header, &bold)
            .map_err(fail)?;
        sheet.set_column_width(i, c.width).map_err(fail)?;
    }
    sheet
        .set_column_range_format(0, columns.len().max(1) as u16 - 1, &text)
        .map_err(fail)?;
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    let notes = book.add_worksheet();
    notes.set_name("填写说明").map_err(fail)?;
    notes
        .write_string_with_format(0, 0, "列", &bold)
        .map_err(fail)?;
    notes
        .write_string_with_format(0, 1, "说明", &bold)
        .map_err(fail)?;
    for (i, c) in columns.iter().enumerate() {
        let r = i as u32 + 1;
        notes.write_string(r, 0, c.header).map_err(fail)?;
        notes.write_string(r, 1, c.note).map_err(fail)?;
    }
    notes.set_column_width(0, 12.0).map_err(fail)?;
    notes.set_column_width(1, 60.0).map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}
