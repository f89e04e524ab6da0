//! The grammar of the scripted commands (`ssh host COMMAND`, `wangyuan exec`), as clap types
//! with Chinese help, and clap's errors retold in Chinese.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, Parser, Subcommand, ValueEnum};

use super::format::Format;

const TEMPLATE: &str = "{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

#[derive(Debug, Parser)]
#[command(
    name = "wangyuan",
    about = "网院脚本命令：查询学分、单位统计、电子档案与课程目录",
    help_template = TEMPLATE,
    override_usage = "<命令> [选项]",
    disable_help_flag = true,
    disable_help_subcommand = true,
    disable_version_flag = true,
    subcommand_required = true,
    subcommand_help_heading = "命令",
    subcommand_value_name = "命令",
    color = clap::ColorChoice::Never,
)]
pub struct Line {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 列出全部命令；`help 命令` 显示该命令的用法
    #[command(help_template = TEMPLATE, override_usage = "help [命令…]")]
    Help {
        #[arg(value_name = "命令", help_heading = "参数")]
        topic: Vec<String>,
    },
    /// 当前账号：用户名、姓名、角色及管理范围
    #[command(help_template = TEMPLATE, override_usage = "whoami [--format 格式]")]
    Whoami(Output),
    /// 报表：年度学分（standings）与单位统计（units）
    #[command(
        subcommand,
        help_template = TEMPLATE,
        override_usage = "report <standings|units> [选项]",
        subcommand_help_heading = "命令",
        subcommand_value_name = "报表"
    )]
    Report(Report),
    /// 电子档案：show 显示一名学员的学分记录
    #[command(
        subcommand,
        help_template = TEMPLATE,
        override_usage = "archive show <用户名> [--year 年度]",
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Archive(Archive),
    /// 课程目录：list 列出课程
    #[command(
        subcommand,
        help_template = TEMPLATE,
        override_usage = "course list [--category 类别] [--kind 类型] [--source 来源]",
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Course(Course),
    /// 考试题库：import 从标准输入导入一门课程的题库（CSV 或 JSON）
    #[command(
        subcommand,
        help_template = TEMPLATE,
        override_usage = "exam import <课程编号> [选项] < 题库.csv|题库.json",
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Exam(Exam),
}

#[derive(Debug, Subcommand)]
pub enum Report {
    /// 年度学分：范围内每名参评学员的必修、选修、考试学分与是否达标
    #[command(
        help_template = TEMPLATE,
        override_usage = "report standings [--year 年度] [--unit 单位代码] [--status compliant|noncompliant] [--format 格式]"
    )]
    Standings(StandingsArgs),
    /// 单位统计：范围内每个下级单位的参评人数、达标人数、达标率、平均学分与排名
    #[command(
        help_template = TEMPLATE,
        override_usage = "report units [--year 年度] [--unit 单位代码] [--format 格式]"
    )]
    Units(UnitsArgs),
}

#[derive(Debug, Subcommand)]
pub enum Archive {
    /// 显示一名学员的电子档案（每条学分记录及其规则）
    #[command(
        help_template = TEMPLATE,
        override_usage = "archive show <用户名> [--year 年度] [--format 格式]"
    )]
    Show(ArchiveArgs),
}

#[derive(Debug, Subcommand)]
pub enum Course {
    /// 列出课程：编号、名称、类别、类型、时长、学时与学分
    #[command(
        help_template = TEMPLATE,
        override_usage = "course list [--category 类别] [--kind 类型] [--source 来源] [--format 格式]"
    )]
    List(CourseArgs),
}

#[derive(Debug, Subcommand)]
pub enum Exam {
    /// 导入课程考试题库（替换原有题目；任何一行有误则不导入），格式见 docs/exams.md
    #[command(
        help_template = TEMPLATE,
        override_usage = "exam import <课程编号> [--questions 题数] [--pass 及格分] [--attempts 次数] [--bonus 学分] < 题库文件"
    )]
    Import(ExamImportArgs),
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct ExamImportArgs {
    /// 课程编号
    #[arg(value_name = "课程编号", help_heading = "参数")]
    pub course: String,
    /// 每次考试抽取的题数（新考试默认 5）
    #[arg(long, value_name = "题数")]
    pub questions: Option<i64>,
    /// 及格分（百分制，新考试默认 60）
    #[arg(long = "pass", value_name = "及格分")]
    pub pass_percent: Option<i64>,
    /// 允许考试的次数（新考试默认 3）
    #[arg(long, value_name = "次数")]
    pub attempts: Option<i64>,
    /// 考试合格奖励学分，如 1.0（新考试默认 1.0）
    #[arg(long, value_name = "学分")]
    pub bonus: Option<String>,
    #[command(flatten)]
    pub output: Output,
}

/// Options every command shares.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "选项")]
pub struct Output {
    /// 输出格式：table 文本表格（默认）、csv、json、xlsx（Excel 文件字节流）
    #[arg(long, value_enum, default_value_t = Format::Table, value_name = "格式", hide_possible_values = true, hide_default_value = true)]
    pub format: Format,
    /// CSV 开头加 UTF-8 BOM，便于 Excel 直接打开
    #[arg(long)]
    pub bom: bool,
    /// 显示本命令的用法
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help)]
    pub help: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Status {
    /// 只列达标学员
    Compliant,
    /// 只列未达标学员
    Noncompliant,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct StandingsArgs {
    /// 学分年度（默认当前年度）
    #[arg(long, value_name = "年度", value_parser = clap::value_parser!(i32).range(2000..=2100))]
    pub year: Option<i32>,
    /// 单位代码，默认为您的管理范围
    #[arg(long, value_name = "单位代码")]
    pub unit: Option<String>,
    /// 按是否达标筛选：compliant 达标，noncompliant 未达标
    #[arg(long, value_enum, value_name = "状态", hide_possible_values = true)]
    pub status: Option<Status>,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct UnitsArgs {
    /// 学分年度（默认当前年度）
    #[arg(long, value_name = "年度", value_parser = clap::value_parser!(i32).range(2000..=2100))]
    pub year: Option<i32>,
    /// 上级单位代码，列出其各下级单位；默认为您的管理范围
    #[arg(long, value_name = "单位代码")]
    pub unit: Option<String>,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct ArchiveArgs {
    /// 学员用户名
    #[arg(value_name = "用户名", help_heading = "参数")]
    pub username: String,
    /// 只显示这一学分年度的记录（默认全部年度）
    #[arg(long, value_name = "年度", value_parser = clap::value_parser!(i32).range(2000..=2100))]
    pub year: Option<i32>,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct CourseArgs {
    /// 类别代码或名称，如 theory 或 基本理论
    #[arg(long, value_name = "类别")]
    pub category: Option<String>,
    /// 类型：required 必修，elective 选修
    #[arg(long, value_name = "类型")]
    pub kind: Option<String>,
    /// 来源：provincial 省级推送，local 本地特色
    #[arg(long, value_name = "来源")]
    pub source: Option<String>,
    #[command(flatten)]
    pub output: Output,
}

/// A clap error in Chinese, one line, plus a hint where to find the usage.
pub fn describe(e: &clap::Error) -> String {
    let arg = context(e, ContextKind::InvalidArg);
    let value = context(e, ContextKind::InvalidValue);
    let what = match e.kind() {
        ErrorKind::InvalidSubcommand => {
            format!("未知命令 {}", context(e, ContextKind::InvalidSubcommand))
        }
        ErrorKind::UnknownArgument => format!("未知参数 {arg}"),
        ErrorKind::InvalidValue => format!("{arg} 的值 {value} 无效"),
        ErrorKind::ValueValidation => format!("{arg} 的值 {value} 无效（年度应在 2000–2100 之间）"),
        ErrorKind::MissingRequiredArgument => format!("缺少参数 {arg}"),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "缺少命令".to_string()
        }
        ErrorKind::ArgumentConflict => format!("参数 {arg} 不能与其他参数同时使用"),
        ErrorKind::TooManyValues => {
            format!("参数 {arg} 给出了多次或多余的值 {value}")
        }
        ErrorKind::NoEquals | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("参数 {arg} 的值个数不对")
        }
        _ => "命令格式错误".to_string(),
    };
    let valid = context(e, ContextKind::ValidValue);
    let valid = if valid.is_empty() {
        String::new()
    } else {
        format!("；可选值：{valid}")
    };
    format!("{}{valid}。运行 help 查看用法。", what.trim_end())
}

fn context(e: &clap::Error, kind: ContextKind) -> String {
    match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join("、"),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}
