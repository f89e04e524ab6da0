//! `roster …`: roster submissions from the command line — submit a file on stdin, the template,
//! list and show, review, approve, return, and fetch the issued credentials once.

use crate::app::submission::{self as app, Decision, Progress};
use crate::app::{Actor, Error, Result as AppResult};
use crate::rules::idnum::IdNumber;
use crate::rules::sheet::FileFormat;
use crate::rules::submission::{self as rules, Col};
use crate::store::Db;

use super::args::{FileKind, IdArgs, ReturnArgs, ReviewArgs, Roster};
use super::format::{Cell, Column, Table, col};
use super::template::TemplateColumn;
use super::{Failure, Stdin};

pub(super) async fn run(
    db: &Db,
    actor: &Actor,
    command: Roster,
    stdin: &mut Stdin,
) -> Result<Vec<u8>, Failure> {
    let now = crate::app::now();
    let text = match command {
        Roster::Submit(a) => {
            let bytes = stdin.read_file(rules::MAX_BYTES, "名单文件").await?;
            let format = a.format.map(|f| match f {
                FileKind::Csv => FileFormat::Csv,
                FileKind::Xlsx => FileFormat::Xlsx,
            });
            let done = app::submit(db, actor, &bytes, format, &a.name, now).await?;
            format!(
                "已提交名单 {}（{}，{} 人），等待市网络学院审核。\n",
                done.id, done.unit_name, done.rows
            )
        }
        Roster::Template(a) => return template(a.format).map_err(Failure::Render),
        Roster::List(o) => return render(list(db, actor).await?, &o),
        Roster::Show(a) => return render(show(db, actor, a.id).await?, &a.output),
        Roster::Review(a) => review(db, actor, &a, now).await?,
        Roster::Approve(a) => {
            let issued = app::approve(db, actor, a.id, &Progress::default(), now).await?;
            format!(
                "已批准名单 {}，发放账号 {} 个。提交单位可运行 roster credentials {} --format xlsx > 账号.xlsx 领取（只能领取一次）。\n",
                a.id, issued.accounts, a.id
            )
        }
        Roster::Return(ReturnArgs { id, reason, .. }) => {
            app::send_back(db, actor, id, &reason, now).await?;
            format!("已退回名单 {id}：{reason}\n")
        }
        Roster::Credentials(a) => return render(credentials(db, actor, &a, now).await?, &a.output),
    };
    Ok(crate::rules::text::escape_lines(&text)
        .into_owned()
        .into_bytes())
}

fn render(table: Table, o: &super::args::Output) -> Result<Vec<u8>, Failure> {
    table.render(o.format, o.bom).map_err(Failure::Render)
}

async fn review(db: &Db, actor: &Actor, a: &ReviewArgs, now: i64) -> Result<String, Failure> {
    if a.accept.is_none() && a.reject.is_none() && !a.pass {
        return Err(Failure::Usage(
            "请至少给出 --accept、--reject 或 --pass 之一。运行 help roster review 查看用法。"
                .into(),
        ));
    }
    let rows = |s: &str| rules::parse_rows(s).map_err(|e| Failure::App(Error::invalid("行号", e)));
    let mut out = String::new();
    if let Some(accept) = &a.accept {
        let n = app::review(db, actor, a.id, &rows(accept)?, &Decision::Accept, now).await?;
        out.push_str(&format!("名单 {}：通过 {n} 行。\n", a.id));
    }
    if let Some(reject) = &a.reject {
        let reason = a.reason.clone().unwrap_or_default();
        let n = app::review(
            db,
            actor,
            a.id,
            &rows(reject)?,
            &Decision::Reject { reason },
            now,
        )
        .await?;
        out.push_str(&format!("名单 {}：不通过 {n} 行。\n", a.id));
    }
    if a.pass {
        app::pass(db, actor, a.id, now).await?;
        out.push_str(&format!("名单 {} 已审核，报送市在线学习办审批。\n", a.id));
    }
    Ok(out)
}

const LIST: &[Column] = &[
    col("id", "名单号"),
    col("unit_code", "单位代码"),
    col("unit", "单位"),
    col("status", "状态"),
    col("rows", "人数"),
    col("accepted", "通过"),
    col("rejected", "不通过"),
    col("submitted_by", "提交人"),
    col("submitted_at", "提交时间"),
    col("reviewed_by", "审核人"),
    col("reviewed_at", "审核时间"),
    col("approved_by", "批准人"),
    col("approved_at", "批准时间"),
    col("returned_by", "退回人"),
    col("returned_at", "退回时间"),
    col("fetched_at", "领取时间"),
    col("note", "说明"),
];

fn opt_text<T: AsRef<str>>(s: &Option<T>) -> Cell {
    s.as_ref().map_or(Cell::Empty, |s| Cell::text(s.as_ref()))
}

fn opt_time(t: Option<i64>) -> Cell {
    t.map_or(Cell::Empty, Cell::Time)
}

async fn list(db: &Db, actor: &Actor) -> AppResult<Table> {
    let mut t = Table::new(LIST);
    for s in app::list(db, actor).await? {
        t.rows.push(vec![
            Cell::Int(s.id),
            Cell::text(s.unit_code),
            Cell::text(s.unit_name),
            Cell::coded(s.status),
            Cell::Int(s.row_count),
            Cell::Int(s.accepted),
            Cell::Int(s.rejected),
            Cell::text(s.submitted_by),
            Cell::Time(s.submitted_at),
            opt_text(&s.reviewed_by),
            opt_time(s.reviewed_at),
            opt_text(&s.approved_by),
            opt_time(s.approved_at),
            opt_text(&s.returned_by),
            opt_time(s.returned_at),
            opt_time(s.credentials_fetched_at),
            Cell::text(s.note),
        ]);
    }
    Ok(t)
}

const SHOW: &[Column] = &[
    col("row", "行号"),
    col("name", "姓名"),
    col("id_number", "身份证号"),
    col("unit_code", "单位代码"),
    col("unit", "单位"),
    col("post", "职务/职级"),
    col("phone", "手机"),
    col("batch", "批次"),
    col("checked", "系统检查"),
    col("decision", "审核结果"),
    col("reason", "不通过理由"),
    col("username", "用户名"),
];

async fn show(db: &Db, actor: &Actor, id: i64) -> AppResult<Table> {
    let (s, rows) = app::show(db, actor, id).await?;
    let mut t = Table::new(SHOW);
    for r in rows {
        let checked = IdNumber::parse(&r.id_number)
            .map(|id| rules::id_summary(&id))
            .unwrap_or_else(|e| e.to_string());
        t.rows.push(vec![
            Cell::Int(r.row_no),
            Cell::text(r.real_name),
            Cell::text(r.id_number),
            Cell::text(r.unit_code),
            Cell::text(r.unit_name),
            Cell::text(r.post),
            Cell::text(r.phone),
            Cell::Int(r.batch),
            Cell::text(checked),
            Cell::coded(r.status),
            Cell::text(r.reject_reason),
            opt_text(&r.username),
        ]);
    }
    t.title = Some(format!(
        "名单 {} · {} · {}：{} 人，通过 {}，不通过 {}；{} 提交{}",
        s.id,
        s.unit_name,
        s.status.label(),
        s.row_count,
        s.accepted,
        s.rejected,
        s.submitted_by,
        if s.note.is_empty() {
            String::new()
        } else {
            format!("；说明：{}", s.note)
        }
    ));
    Ok(t)
}

const CREDENTIALS: &[Column] = &[
    col("row", "行号"),
    col("name", "姓名"),
    col("unit", "单位"),
    col("username", "用户名"),
    col("password", "初始密码"),
];

async fn credentials(db: &Db, actor: &Actor, a: &IdArgs, now: i64) -> AppResult<Table> {
    let mut t = Table::new(CREDENTIALS);
    for c in app::credentials(db, actor, a.id, now).await? {
        t.rows.push(vec![
            Cell::Int(c.row_no),
            Cell::text(c.real_name),
            Cell::text(c.unit_name),
            Cell::text(c.username),
            Cell::text(c.password),
        ]);
    }
    t.title = Some(format!(
        "名单 {} 的账号凭据（首次登录须修改密码；本清单只能领取一次，请妥善保存）",
        a.id
    ));
    Ok(t)
}

/// What each column holds, for the template's notes sheet and docs/roster.md.
fn column_note(c: Col) -> &'static str {
    match c {
        Col::Name => "必填，真实姓名",
        Col::IdNumber => "必填，18位居民身份证号（请设为文本格式，末位可为 X）",
        Col::Unit => "必填，单位代码或单位全称，须在您的管理范围内",
        Col::Post => "选填，职务或职级",
        Col::Phone => "选填，11位手机号",
        Col::Batch => "必填，2 或 3",
    }
}

/// The template: the header row (every column formatted as text), plus a notes sheet in xlsx.
fn template(kind: FileKind) -> Result<Vec<u8>, String> {
    let columns: Vec<TemplateColumn> = Col::ALL
        .iter()
        .map(|c| TemplateColumn {
            header: c.header(),
            note: column_note(*c),
            width: if *c == Col::IdNumber { 24.0 } else { 14.0 },
        })
        .collect();
    super::template::build(kind, "名单", &columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::sheet::{self, SheetCell};

    #[test]
    fn templates_have_every_header() {
        for kind in [FileKind::Csv, FileKind::Xlsx] {
            let bytes = template(kind).expect("template");
            let grid = sheet::read(
                &bytes,
                FileFormat::detect(&bytes),
                &crate::rules::limits::ROSTER,
            )
            .expect("read back");
            let header: Vec<SheetCell> = Col::ALL
                .iter()
                .map(|c| SheetCell::Text(c.header().into()))
                .collect();
            assert_eq!(grid[0], header, "{kind:?}");
        }
    }
}
