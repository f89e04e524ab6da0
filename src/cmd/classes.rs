//! `class …`: special training classes from the command line — create, edit, open and close a
//! class, its courses and members, and the reports (list, show, graduates, a printable roster).
//! The clap types live here, beside the code that runs them; everything goes through
//! `app::classes`.

use clap::{Args, Subcommand, ValueEnum};

use crate::app::Actor;
use crate::app::classes::{
    self as app, BoardQuery, BoardSort, ClassForm, ClassPatch, ClassSummary, MinElectiveForm,
    Verdict,
};
use crate::rules::calendar::datetime_cst;
use crate::rules::classes::MEMBER_LIST_BYTES;
use crate::store::Db;

use super::accounts::Answer;
use super::args::Output;
use super::format::{Cell, Column, Table, col};
use super::{Failure, Stdin};

#[derive(Debug, Subcommand)]
pub enum Class {
    /// 开设培训班（草稿）：打印新培训班的编号；--unit 默认为您的管理范围（市在线学习办为全市）
    Create(CreateArgs),
    /// 修改培训班（只改给出的项；已结班的不能修改）
    Edit(EditArgs),
    /// 培训班课程：add 添加（已发布的课程）、remove 移除
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Courses(CoursesCmd),
    /// 培训班学员：add 添加（按单位、按名单或逐个）、remove 移出
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Members(MembersCmd),
    /// 开班：学员可以看到培训班，结业按学分档案计算，并向学员发通知
    Open(IdArg),
    /// 结班：结业名单就此固定，此后的学习和撤销不再改变它
    Close(IdArg),
    /// 列出管理范围内的培训班：日期、状态、学员数、结业人数与结业率
    List(Output),
    /// 培训班学员进度：每名学员完成的课程数、完成比例与是否结业
    Show(ShowArgs),
    /// 结业名单：结业学员、结业时间与证书编号
    Graduates(IdOutput),
    /// 打印用的学员结业情况表：一页 HTML，写到标准输出（class print 编号 > 结业情况.html）
    Print(IdArg),
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct IdArg {
    /// 培训班编号
    #[arg(value_name = "编号", help_heading = "参数")]
    pub id: i64,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct IdOutput {
    /// 培训班编号
    #[arg(value_name = "编号", help_heading = "参数")]
    pub id: i64,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct CreateArgs {
    /// 培训班名称（最多 100 字）
    #[arg(long, value_name = "名称")]
    pub title: String,
    /// 开始日期（含），如 2026-03-01
    #[arg(long, value_name = "日期")]
    pub from: String,
    /// 结束日期（含，当天 23:59:59 前完成的课程都计入），如 2026-03-31
    #[arg(long, value_name = "日期")]
    pub to: String,
    /// 组织单位（代码或唯一的名称），默认为您的管理范围
    #[arg(long, value_name = "单位代码")]
    pub unit: Option<String>,
    /// 简介
    #[arg(long, value_name = "简介", default_value = "")]
    pub description: String,
    /// 结业另须取得的某类别选修学分，写成 类别:学分，如 党的建设:2 或 party:1.5
    #[arg(long, value_name = "类别:学分")]
    pub min_elective: Option<String>,
    /// 开班前已完成的课程也计入
    #[arg(long)]
    pub earlier_counts: bool,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct EditArgs {
    /// 培训班编号
    #[arg(value_name = "编号", help_heading = "参数")]
    pub id: i64,
    /// 培训班名称
    #[arg(long, value_name = "名称")]
    pub title: Option<String>,
    /// 开始日期（含）
    #[arg(long, value_name = "日期")]
    pub from: Option<String>,
    /// 结束日期（含）
    #[arg(long, value_name = "日期")]
    pub to: Option<String>,
    /// 简介
    #[arg(long, value_name = "简介")]
    pub description: Option<String>,
    /// 结业另须取得的某类别选修学分（类别:学分）；none 取消
    #[arg(long, value_name = "类别:学分")]
    pub min_elective: Option<String>,
    /// 开班前已完成的课程是否计入：yes 或 no
    #[arg(long, value_enum, value_name = "是否")]
    pub earlier_counts: Option<YesNo>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum YesNo {
    /// 是
    Yes,
    /// 否
    No,
}

#[derive(Debug, Subcommand)]
pub enum CoursesCmd {
    /// 向培训班添加课程（按课程编号；任何一门未发布或不存在则都不添加）
    Add {
        /// 培训班编号
        #[arg(value_name = "编号", help_heading = "参数")]
        id: i64,
        /// 课程编号
        #[arg(value_name = "课程编号", help_heading = "参数", required = true, num_args = 1..)]
        codes: Vec<String>,
    },
    /// 从培训班移除一门课程
    Remove {
        /// 培训班编号
        #[arg(value_name = "编号", help_heading = "参数")]
        id: i64,
        /// 课程编号
        #[arg(value_name = "课程编号", help_heading = "参数")]
        code: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum MembersCmd {
    /// 添加学员：--unit 该单位及其下级单位本年度全部参评学员；或给出用户名；或从标准输入读名单（每行一个用户名或身份证号，或 xlsx 第一列）。任何一行不能添加则都不添加
    Add(MembersAddArgs),
    /// 移出学员（保留记录），须说明原因
    Remove {
        /// 培训班编号
        #[arg(value_name = "编号", help_heading = "参数")]
        id: i64,
        /// 用户名
        #[arg(value_name = "用户名", help_heading = "参数")]
        username: String,
        /// 移出的原因
        #[arg(long, value_name = "原因")]
        reason: String,
    },
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct MembersAddArgs {
    /// 培训班编号
    #[arg(value_name = "编号", help_heading = "参数")]
    pub id: i64,
    /// 用户名或身份证号（不给出且无 --unit 时从标准输入读名单）
    #[arg(value_name = "用户名", help_heading = "参数")]
    pub users: Vec<String>,
    /// 按单位添加（代码或唯一的名称）：该单位及其下级单位本年度的全部参评学员
    #[arg(long, value_name = "单位代码", conflicts_with = "users")]
    pub unit: Option<String>,
    /// 只检查名单，逐行列出能否添加及原因，不添加
    #[arg(long, conflicts_with = "unit")]
    pub check: bool,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SortArg {
    /// 按单位、用户名
    Unit,
    /// 进度慢的在前
    Progress,
    /// 进度快的在前
    ProgressDesc,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct ShowArgs {
    /// 培训班编号
    #[arg(value_name = "编号", help_heading = "参数")]
    pub id: i64,
    /// 排序：unit（默认）、progress、progress-desc
    #[arg(long, value_enum, value_name = "排序", default_value_t = SortArg::Unit, hide_possible_values = true, hide_default_value = true)]
    pub sort: SortArg,
    /// 只列进度落后的学员（未结业，且完成课程的比例低于已过去的培训时间的比例）
    #[arg(long)]
    pub behind: bool,
    #[command(flatten)]
    pub output: Output,
}

pub(super) async fn run(
    db: &Db,
    actor: &Actor,
    command: Class,
    stdin: &mut Stdin,
) -> Result<Vec<u8>, Failure> {
    let now = crate::app::now();
    let answer = match command {
        Class::Create(a) => {
            let form = ClassForm {
                title: a.title,
                description: a.description,
                unit: a.unit,
                from: a.from,
                to: a.to,
                min_elective: a.min_elective.as_deref().map(min_elective).transpose()?,
                earlier_counts: a.earlier_counts,
            };
            let id = app::create(db, actor, &form, now).await?;
            let mut table = Table::new(ID);
            table.rows.push(vec![Cell::Int(id)]);
            Answer::Record {
                table,
                object: serde_json::json!({ "id": id }),
                text: Some(id.to_string()),
                output: a.output,
            }
        }
        Class::Edit(a) => {
            let patch = ClassPatch {
                title: a.title,
                description: a.description,
                from: a.from,
                to: a.to,
                min_elective: match a.min_elective.as_deref() {
                    None => None,
                    Some("none") => Some(None),
                    Some(m) => Some(Some(min_elective(m)?)),
                },
                earlier_counts: a.earlier_counts.map(|y| y == YesNo::Yes),
            };
            app::edit(db, actor, a.id, &patch, now).await?;
            Answer::Text(format!("已修改培训班 {}。", a.id))
        }
        Class::Courses(CoursesCmd::Add { id, codes }) => {
            let done = app::add_courses(db, actor, id, &codes, now).await?;
            let mut text = format!("已向培训班 {id} 添加课程 {} 门", done.added.len());
            if !done.unchanged.is_empty() {
                text.push_str(&format!("（已在班中：{}）", done.unchanged.join("、")));
            }
            text.push('。');
            Answer::Text(text)
        }
        Class::Courses(CoursesCmd::Remove { id, code }) => {
            app::remove_course(db, actor, id, &code, now).await?;
            Answer::Text(format!("已从培训班 {id} 移除课程 {code}。"))
        }
        Class::Members(MembersCmd::Add(a)) => return members_add(db, actor, a, stdin, now).await,
        Class::Members(MembersCmd::Remove {
            id,
            username,
            reason,
        }) => {
            app::remove_member(db, actor, id, &username, &reason, now).await?;
            Answer::Text(format!("已将 {username} 移出培训班 {id}。"))
        }
        Class::Open(a) => {
            app::open(db, actor, a.id, now).await?;
            Answer::Text(format!("培训班 {} 已开班，学员已收到通知。", a.id))
        }
        Class::Close(a) => {
            app::close(db, actor, a.id, now).await?;
            let c = app::show(db, actor, a.id).await?;
            Answer::Text(format!(
                "培训班 {} 已结班：学员 {} 人，结业 {} 人，结业名单已固定。",
                a.id, c.summary.members, c.summary.graduates
            ))
        }
        Class::List(o) => {
            let list = app::list(db, actor).await?;
            let mut t = Table::new(LIST);
            t.title = Some(format!("培训班：共 {} 个", list.len()));
            t.rows = list.iter().map(list_row).collect();
            Answer::Table(t, o)
        }
        Class::Show(a) => {
            let (t, _) = roster(db, actor, a.id, a.sort, a.behind).await?;
            Answer::Table(t, a.output)
        }
        Class::Graduates(a) => {
            let c = app::show(db, actor, a.id).await?;
            let list = app::graduates(db, actor, a.id).await?;
            let mut t = Table::new(GRADUATES);
            t.title = Some(format!(
                "{}（{}）结业名单：{} 人",
                c.summary.title,
                dates_text(&c.summary),
                list.len()
            ));
            t.rows = list
                .into_iter()
                .map(|g| {
                    vec![
                        Cell::text(g.username.as_str()),
                        Cell::text(g.name),
                        Cell::text(g.unit_code.as_str()),
                        Cell::text(g.unit),
                        Cell::Time(g.graduated_at),
                        Cell::text(g.serial),
                    ]
                })
                .collect();
            Answer::Table(t, a.output)
        }
        Class::Print(a) => {
            let (t, board) = roster(db, actor, a.id, SortArg::Unit, false).await?;
            return Ok(super::format::html_page(&print_heading(&board), &t).into_bytes());
        }
    };
    super::answer(answer)
}

/// `类别:学分` as the two parts of the minimum.
fn min_elective(s: &str) -> Result<MinElectiveForm, Failure> {
    let (category, credits) = s
        .split_once([':', '：'])
        .ok_or_else(|| Failure::Usage("--min-elective 应写成 类别:学分，如 党的建设:2".into()))?;
    Ok(MinElectiveForm {
        category: category.trim().into(),
        credits: credits.trim().into(),
    })
}

async fn members_add(
    db: &Db,
    actor: &Actor,
    a: MembersAddArgs,
    stdin: &mut Stdin,
    now: i64,
) -> Result<Vec<u8>, Failure> {
    if let Some(unit) = &a.unit {
        let done = app::add_members_by_unit(db, actor, a.id, unit, now).await?;
        return super::answer(Answer::Text(format!(
            "已按单位 {unit} 向培训班 {} 添加学员 {} 人（已在班中 {} 人）。",
            a.id,
            done.added.len(),
            done.already.len()
        )));
    }
    let lines = if a.users.is_empty() {
        let bytes = stdin.read_file(MEMBER_LIST_BYTES, "学员名单").await?;
        app::read_member_list(bytes).await?
    } else {
        a.users
    };
    if a.check {
        let verdicts = app::preview_members(db, actor, a.id, &lines).await?;
        let mut t = Table::new(CHECK);
        let refused = verdicts
            .iter()
            .filter(|v| matches!(v.verdict, Verdict::Refused(_)))
            .count();
        t.title = Some(format!(
            "名单共 {} 行：可添加 {}，已在班中 {}，不能添加 {}",
            verdicts.len(),
            verdicts
                .iter()
                .filter(|v| matches!(v.verdict, Verdict::Add { .. }))
                .count(),
            verdicts
                .iter()
                .filter(|v| matches!(v.verdict, Verdict::Already { .. }))
                .count(),
            refused
        ));
        t.rows = verdicts
            .into_iter()
            .map(|v| {
                let (code, label, who, why) = match v.verdict {
                    Verdict::Add { username, name } => {
                        ("add", "可添加", format!("{username} {name}"), String::new())
                    }
                    Verdict::Already { username, name } => (
                        "already",
                        "已在班中",
                        format!("{username} {name}"),
                        String::new(),
                    ),
                    Verdict::Refused(why) => ("refused", "不能添加", String::new(), why),
                };
                vec![
                    Cell::Int(v.line as i64),
                    Cell::text(v.given),
                    Cell::Coded { code, label },
                    Cell::text(who),
                    Cell::text(why),
                ]
            })
            .collect();
        return super::answer(Answer::Table(t, a.output));
    }
    let done = app::add_members(db, actor, a.id, &lines, now).await?;
    super::answer(Answer::Text(format!(
        "已向培训班 {} 添加学员 {} 人（已在班中 {} 人）。",
        a.id,
        done.added.len(),
        done.already.len()
    )))
}

/// Every member's row of `class show` (and the printable roster), with the board behind it.
async fn roster(
    db: &Db,
    actor: &Actor,
    id: i64,
    sort: SortArg,
    behind: bool,
) -> Result<(Table, app::Board), Failure> {
    let q = BoardQuery {
        sort: match sort {
            SortArg::Unit => BoardSort::Unit,
            SortArg::Progress => BoardSort::ProgressAsc,
            SortArg::ProgressDesc => BoardSort::ProgressDesc,
        },
        behind_only: behind,
        offset: 0,
        limit: app::MAX_PAGE,
    };
    let board = app::board(db, actor, id, &q).await?;
    let mut t = Table::new(SHOW);
    let c = &board.class;
    t.title = Some(format!(
        "{}（{}，{}，{}）：学员 {} 人，结业 {} 人，结业率 {}，课程完成率 {}",
        c.title,
        c.unit_name,
        dates_text(c),
        c.status.label(),
        c.members,
        c.graduates,
        crate::rules::standing::format_rate(c.graduation_rate),
        crate::rules::standing::format_rate(c.completion_rate),
    ));
    t.rows = board
        .rows
        .iter()
        .map(|r| {
            vec![
                Cell::text(r.username.as_str()),
                Cell::text(r.name.as_str()),
                Cell::text(r.unit_code.as_str()),
                Cell::text(r.unit.as_str()),
                Cell::Int(r.courses_done),
                Cell::Int(r.courses_total),
                Cell::Int(i64::from(r.percent)),
                Cell::Bool(r.graduated),
                r.graduated_at.map_or(Cell::Empty, Cell::Time),
            ]
        })
        .collect();
    Ok((t, board))
}

/// The printable page's heading lines: the class, its courses, and when it was printed.
fn print_heading(board: &app::Board) -> Vec<String> {
    let c = &board.class;
    let mut lines = vec![
        format!("{} 学员结业情况", c.title),
        format!(
            "组织单位：{}　培训时间：{}　状态：{}　学员 {} 人，结业 {} 人（结业率 {}）",
            c.unit_name,
            dates_text(c),
            c.status.label(),
            c.members,
            c.graduates,
            crate::rules::standing::format_rate(c.graduation_rate)
        ),
    ];
    let courses: Vec<String> = board
        .courses
        .iter()
        .map(|k| format!("{} {}（{} 学时）", k.code, k.title, k.hours))
        .collect();
    lines.push(format!("课程：{}", courses.join("；")));
    lines.push(format!("数据截至 {}", datetime_cst(board.as_of)));
    lines
}

fn dates_text(c: &ClassSummary) -> String {
    format!("{} 至 {}", c.dates.first_day(), c.dates.last_day())
}

fn list_row(c: &ClassSummary) -> Vec<Cell> {
    vec![
        Cell::Int(c.id),
        Cell::text(c.title.as_str()),
        Cell::text(c.unit_code.as_str()),
        Cell::text(c.unit_name.as_str()),
        Cell::text(c.dates.first_day()),
        Cell::text(c.dates.last_day()),
        Cell::coded(c.status),
        Cell::Int(c.courses),
        Cell::Int(c.members),
        Cell::Int(c.graduates),
        Cell::Rate(c.graduation_rate),
    ]
}

const ID: &[Column] = &[col("id", "编号")];

const LIST: &[Column] = &[
    col("id", "编号"),
    col("title", "培训班"),
    col("unit_code", "组织单位代码"),
    col("unit", "组织单位"),
    col("from", "开始日期"),
    col("to", "结束日期"),
    col("status", "状态"),
    col("courses", "课程数"),
    col("members", "学员数"),
    col("graduates", "结业人数"),
    col("graduation_rate", "结业率"),
];

/// `class show`'s columns; the JSON keys are fixed by issue 14 (scripts read them).
const SHOW: &[Column] = &[
    col("username", "用户名"),
    col("name", "姓名"),
    col("unit_code", "单位代码"),
    col("unit", "单位"),
    col("courses_done", "已完成课程"),
    col("courses_total", "课程数"),
    col("percent", "完成比例(%)"),
    col("graduated", "结业"),
    col("graduated_at", "结业时间"),
];

const GRADUATES: &[Column] = &[
    col("username", "用户名"),
    col("name", "姓名"),
    col("unit_code", "单位代码"),
    col("unit", "单位"),
    col("graduated_at", "结业时间"),
    col("serial", "证书编号"),
];

const CHECK: &[Column] = &[
    col("line", "行号"),
    col("given", "名单内容"),
    col("verdict", "结果"),
    col("account", "账号"),
    col("reason", "原因"),
];
