//! `notice …`: notices from the command line — what I received (and, for the office, what was
//! sent), sending, read receipts per unit, reminders (催学) and the quarterly notices. The clap
//! types live here, beside the code that runs them; everything goes through `app::notices`.

use clap::{Args, Subcommand};

use crate::app::Actor;
use crate::app::notices::{self as app, Remind};
use crate::store::Db;

use super::accounts::Answer;
use super::args::Output;
use super::format::{Cell, Column, Format, Table, col};
use super::{Failure, Stdin};

#[derive(Debug, Subcommand)]
pub enum Notice {
    /// 我收到的通知（未读在前）；市在线学习办和联络员另列已发通知及阅读人数
    List(ListArgs),
    /// 发送通知：正文从标准输入读取（notice send --to unit:LX --title 标题 < 正文.txt）
    Send(SendArgs),
    /// 通知的阅读回执：按单位列出送达人数、已读人数和阅读率
    Receipts(IdOutput),
    /// 催学：向未读的收件人（--unread）或本年度学分未达标的收件人（--behind）发提醒
    Remind(RemindArgs),
    /// 季度通知：向每名参学干部发送季度末学分情况，向各单位发送汇总；同一季度只发一次
    Quarterly(QuarterlyArgs),
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct ListArgs {
    /// 页码（每页 20 条）
    #[arg(long, value_name = "页码", default_value_t = 1, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    pub page: i64,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct SendArgs {
    /// 收件人：all（全市，仅市在线学习办）、unit:单位代码（含下级单位）、user:用户名；可给多个
    #[arg(long, value_name = "收件人", required = true, num_args = 1..)]
    pub to: Vec<String>,
    /// 标题（最多 100 字）
    #[arg(long, value_name = "标题")]
    pub title: String,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct IdOutput {
    /// 通知编号
    #[arg(value_name = "编号", help_heading = "参数")]
    pub id: i64,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct RemindArgs {
    /// 通知编号
    #[arg(value_name = "编号", help_heading = "参数")]
    pub id: i64,
    /// 提醒尚未阅读的收件人
    #[arg(long, conflicts_with = "behind", required_unless_present = "behind")]
    pub unread: bool,
    /// 提醒本年度学分未达标的收件人
    #[arg(long)]
    pub behind: bool,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct QuarterlyArgs {
    /// 学分年度
    #[arg(long, value_name = "年度", value_parser = super::args::year_range())]
    pub year: i32,
    /// 季度（1–4）
    #[arg(long, value_name = "季度", value_parser = clap::value_parser!(u8).range(1..=4))]
    pub quarter: u8,
    #[command(flatten)]
    pub output: Output,
}

/// The most bytes of a body read from standard input (a body of `MAX_BODY` characters in UTF-8,
/// with line ends).
const MAX_BODY_BYTES: usize = app::MAX_BODY * 4 + 1024;

const RECEIVED: &[Column] = &[
    col("id", "编号"),
    col("kind", "类别"),
    col("title", "标题"),
    col("sender", "发送人"),
    col("sent_at", "发送时间"),
    col("read", "已读"),
];

const QUARTERLY: &[Column] = &[col("added", "本次新增"), col("existing", "此前已有")];

const SENT: &[Column] = &[
    col("id", "编号"),
    col("kind", "类别"),
    col("title", "标题"),
    col("audience", "收件人"),
    col("sender", "发送人"),
    col("sent_at", "发送时间"),
    col("recipients", "送达人数"),
    col("read", "已读人数"),
];

const RECEIPTS: &[Column] = &[
    col("unit_code", "单位代码"),
    col("unit", "单位"),
    col("sent", "送达人数"),
    col("read", "已读人数"),
    col("rate", "阅读率"),
];

fn sent_row(s: &app::Sent) -> Vec<Cell> {
    vec![
        Cell::Int(s.id),
        Cell::Coded {
            code: s.kind.code(),
            label: s.kind.label(),
        },
        Cell::text(s.title.as_str()),
        Cell::text(s.audience.as_str()),
        Cell::text(s.sender.as_str()),
        Cell::Time(s.created_at),
        Cell::Int(s.recipients),
        Cell::Int(s.read),
    ]
}

pub(super) async fn run(
    db: &Db,
    actor: &Actor,
    command: Notice,
    stdin: &mut Stdin,
) -> Result<Vec<u8>, Failure> {
    let now = crate::app::now();
    let answer = match command {
        Notice::List(a) => {
            let mut t = Table::new(RECEIVED);
            if actor.account_id.is_some() {
                let inbox = app::inbox(db, actor, a.page).await?;
                t.title = Some(format!(
                    "收到的通知：共 {} 条，未读 {} 条（第 {}/{} 页）",
                    inbox.total, inbox.unread, inbox.page, inbox.pages
                ));
                t.rows = inbox
                    .notices
                    .iter()
                    .map(|n| {
                        vec![
                            Cell::Int(n.id),
                            Cell::Coded {
                                code: n.kind.code(),
                                label: n.kind.label(),
                            },
                            Cell::text(n.title.as_str()),
                            Cell::text(n.sender.as_str()),
                            Cell::Time(n.created_at),
                            Cell::Bool(n.read_at.is_some()),
                        ]
                    })
                    .collect();
            }
            if app::may_send(actor).is_err() || a.output.format != Format::Table {
                Answer::Table(t, a.output)
            } else {
                // Two tables as text: what I received, then what was sent.
                let sent = app::sent_list(db, actor, 50).await?;
                let mut s = Table::new(SENT);
                s.title = Some(format!("已发通知（最近 {} 条）", sent.len()));
                s.rows = sent.iter().map(sent_row).collect();
                let mut bytes = Vec::new();
                if actor.account_id.is_some() {
                    bytes = t.render(Format::Table, false).map_err(Failure::Render)?;
                    bytes.push(b'\n');
                }
                bytes.extend(s.render(Format::Table, false).map_err(Failure::Render)?);
                return Ok(bytes);
            }
        }
        Notice::Send(a) => {
            let body = stdin.read_text(MAX_BODY_BYTES, "正文").await?;
            let s = app::send(db, actor, &a.to, &a.title, &body, now).await?;
            let mut table = Table::new(SENT);
            table.rows.push(sent_row(&s));
            Answer::Record {
                table,
                object: serde_json::json!({ "id": s.id, "recipients": s.recipients }),
                text: Some(format!("已发送通知 {}，送达 {} 人。", s.id, s.recipients)),
                output: a.output,
            }
        }
        Notice::Receipts(a) => {
            let r = app::receipts(db, actor, a.id).await?;
            let mut t = Table::new(RECEIPTS);
            t.title = Some(format!(
                "通知 {}「{}」：送达 {} 人，已读 {} 人",
                r.notice.id, r.notice.title, r.notice.recipients, r.notice.read
            ));
            t.rows = r
                .units
                .iter()
                .map(|u| {
                    vec![
                        Cell::text(u.unit_code.as_str()),
                        Cell::text(u.unit_name.as_str()),
                        Cell::Int(u.sent),
                        Cell::Int(u.read),
                        Cell::Rate(u.rate),
                    ]
                })
                .collect();
            Answer::Table(t, a.output)
        }
        Notice::Remind(a) => {
            let whom = if a.behind {
                Remind::Behind
            } else {
                Remind::Unread
            };
            let s = app::remind(db, actor, a.id, whom, now).await?;
            let mut table = Table::new(SENT);
            table.rows.push(sent_row(&s));
            Answer::Record {
                table,
                object: serde_json::json!({ "id": s.id, "recipients": s.recipients }),
                text: Some(format!(
                    "已发送催学提醒 {}，送达 {} 人。",
                    s.id, s.recipients
                )),
                output: a.output,
            }
        }
        Notice::Quarterly(a) => {
            let q = app::quarterly(db, actor, a.year, a.quarter, now).await?;
            let mut table = Table::new(QUARTERLY);
            let count = |n: u64| Cell::Int(i64::try_from(n).unwrap_or(i64::MAX));
            table.rows.push(vec![count(q.added), count(q.existing)]);
            Answer::Record {
                table,
                object: serde_json::json!({ "added": q.added, "existing": q.existing }),
                text: Some(if q.added == 0 {
                    format!(
                        "{} 年第 {} 季度通知此前已发送（{} 条），本次未新增。",
                        a.year, a.quarter, q.existing
                    )
                } else {
                    format!(
                        "已发送 {} 年第 {} 季度通知 {} 条（此前已有 {} 条）。",
                        a.year, a.quarter, q.added, q.existing
                    )
                }),
                output: a.output,
            }
        }
    };
    super::answer(answer)
}
