//! The grammar of the scripted commands (`ssh host COMMAND`, `wangyuan exec`), as clap types
//! with Chinese help, and clap's errors retold in Chinese.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use super::format::Format;

/// How every command's help is laid out.
const TEMPLATE: &str = "{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

/// What a command reads from standard input or writes as a file, shown after its usage: the one
/// part of a usage line the arguments cannot tell.
const REDIRECTS: &[(&str, &str)] = &[
    ("password", "< 两行：原密码、新密码"),
    ("key add", "< key.pub"),
    ("exam import", "< 题库文件"),
    ("course import", "< 课程文件"),
    ("course media", "< 课件文件"),
    ("roster submit", "< 文件"),
    ("roster credentials", "> 文件"),
    ("unit import", "< 单位文件"),
    ("unit template", "> 文件"),
    ("class members add", "[< 名单]"),
    ("class print", "> 文件.html"),
];

/// The grammar of every command line: the clap tree of `Line`, with the help template, a Chinese
/// `-h` and a usage line generated from the arguments each command accepts set on every command,
/// so no usage line can name a flag the command does not take or miss one it does.
pub fn grammar() -> clap::Command {
    let root = shape(Line::command(), &[]);
    // The root's usage names no command: `help` lists them.
    root.override_usage("<命令> …")
}

fn shape(mut cmd: clap::Command, path: &[&str]) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in &names {
        let mut here = path.to_vec();
        here.push(name);
        cmd = cmd.mut_subcommand(name, |sub| shape(sub, &here));
    }
    // Arguments without a heading would fall under clap's English "Options".
    let cmd = cmd
        .mut_args(|a| match a.get_help_heading() {
            Some(_) => a,
            None if a.is_positional() => a.help_heading("参数"),
            None => a.help_heading("选项"),
        })
        .help_template(TEMPLATE);
    if path.is_empty() {
        return cmd;
    }
    let usage = usage(&cmd, path);
    cmd.override_usage(usage).arg(
        clap::Arg::new("help")
            .short('h')
            .long("help")
            .action(clap::ArgAction::Help)
            .help("显示本命令的用法")
            .help_heading("选项"),
    )
}

/// `account history <用户名> [--limit 条数] [--format 格式] [--bom]`: the command's path, its
/// subcommands or its positionals in order, then its options, optional ones in brackets.
fn usage(cmd: &clap::Command, path: &[&str]) -> String {
    let mut words: Vec<String> = path.iter().map(|w| w.to_string()).collect();
    if cmd.has_subcommands() {
        let subs: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
        words.push(format!("<{}>", subs.join("|")));
        words.push("…".into());
        return words.join(" ");
    }
    let shown = cmd.get_arguments().filter(|a| !a.is_hide_set());
    let (positionals, options): (Vec<&clap::Arg>, Vec<&clap::Arg>) =
        shown.partition(|a| a.is_positional());
    for a in positionals {
        let values: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        let mut word = if values.is_empty() {
            format!("<{}>", value_name(a))
        } else {
            format!("<{}>", values.join("|"))
        };
        if a.get_num_args().is_some_and(|n| n.max_values() > 1)
            || matches!(a.get_action(), clap::ArgAction::Append)
        {
            word.push('…');
        }
        words.push(if a.is_required_set() {
            word
        } else {
            format!("[{word}]")
        });
    }
    for a in options {
        let Some(long) = a.get_long() else { continue };
        let word = if a.get_action().takes_values() {
            format!("--{long} {}", value_name(a))
        } else {
            format!("--{long}")
        };
        words.push(if a.is_required_set() {
            word
        } else {
            format!("[{word}]")
        });
    }
    let joined = path.join(" ");
    if let Some((_, redirect)) = REDIRECTS.iter().find(|(p, _)| *p == joined) {
        words.push((*redirect).to_string());
    }
    words.join(" ")
}

fn value_name(a: &clap::Arg) -> String {
    match a.get_value_names() {
        Some([name, ..]) => name.to_string(),
        _ => a.get_id().to_string(),
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "wangyuan",
    about = "网院脚本命令：查询学分、单位统计、电子档案与课程目录",
    disable_help_flag = true,
    disable_help_subcommand = true,
    disable_version_flag = true,
    subcommand_required = true,
    subcommand_help_heading = "命令",
    subcommand_value_name = "命令",
    color = clap::ColorChoice::Never)]
pub struct Line {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 列出全部命令；`help 命令` 显示该命令的用法
    Help {
        #[arg(value_name = "命令", help_heading = "参数")]
        topic: Vec<String>,
    },
    /// 当前账号：用户名、姓名、角色及管理范围
    Whoami(Output),
    /// 报表：年度学分（standings）、单位统计（units）与参评人员变动（population-changes）
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "报表"
    )]
    Report(Report),
    /// 电子档案：show 显示一名学员的学分记录
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Archive(Archive),
    /// 课程目录：list 列出、show 查看、add 新增、edit 修改、publish 发布、retire 停用、import 导入课程、media 上传课件
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Course(Course),
    /// 名单：提交、审核、批准人员名单并发放账号
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Roster(Roster),
    /// 考试题库：import 从标准输入导入一门课程的题库（CSV 或 JSON）
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Exam(Exam),
    /// 账号维护：查找、查看、历史、停用/启用、解除登录锁定、重置密码、调动单位、免考核、批次
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Account(Account),
    /// 免考核申请：list 列出、approve 批准、refuse 不批准（批准与不批准仅限市在线学习办）
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Exemption(ExemptionCmd),
    /// 管理角色：grant 授予、revoke 撤销（仅限市在线学习办）
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Role(RoleCmd),
    /// SSH 公钥：add 添加（从标准输入读一行）、list 列出、remove 删除
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Key(KeyCmd),
    /// 修改自己的密码：从标准输入读两行，第一行原密码，第二行新密码
    Password,
    /// 单位：list 列出、show 显示、add 新增、rename 改名、move 调整上级、retire 撤销、import 导入、template 模板
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Unit(super::units::Unit),
    /// 年度设置：show 查看、set 设置年度学分要求、参评批次与截止日（仅限市在线学习办）
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Year(YearCmd),
    /// 专题培训班：create 开设、edit 修改、courses 课程、members 学员、open 开班、close 结班、list 列出、show 学员进度、graduates 结业名单、print 打印结业情况
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Class(super::classes::Class),
    /// 通知：list 我的通知、send 发送、receipts 阅读回执、remind 催学、quarterly 季度通知
    #[command(
        subcommand,
        subcommand_help_heading = "命令",
        subcommand_value_name = "命令"
    )]
    Notice(super::notices::Notice),
}

#[derive(Debug, Subcommand)]
pub enum Account {
    /// 在管理范围内按用户名、姓名或身份证号查找账号
    Find {
        #[arg(value_name = "关键字", help_heading = "参数")]
        query: String,
        #[command(flatten)]
        output: Output,
    },
    /// 显示一个账号：单位、批次、状态、免考核、角色与公钥
    Show(UserOutput),
    /// 账号历史：维护操作与登录记录（最新在前）
    History {
        #[arg(value_name = "用户名", help_heading = "参数")]
        username: String,
        /// 最多显示的条数（默认 100）
        #[arg(long, value_name = "条数", default_value_t = 100)]
        limit: i64,
        #[command(flatten)]
        output: Output,
    },
    /// 停用账号（不能再登录，网页登录随即失效）
    Disable(UserReasonOutput),
    /// 重新启用账号
    Enable(UserReasonOutput),
    /// 解除登录锁定（多次密码错误后的锁定；市在线学习办或账号所在单位）
    Unlock(UserReasonOutput),
    /// 重置密码：生成新的初始密码（只显示这一次），首次登录后须修改
    #[command(name = "reset-password")]
    ResetPassword(UserReasonOutput),
    /// 调动到另一单位（原单位和新单位都须在管理范围内）
    #[command(name = "move")]
    Move {
        #[arg(value_name = "用户名", help_heading = "参数")]
        username: String,
        /// 新单位（代码或唯一的名称）
        #[arg(long, value_name = "单位")]
        unit: String,
        /// 原因（记入操作日志）
        #[arg(long, value_name = "原因", default_value = "")]
        reason: String,
    },
    /// 免于考核（如省管干部，第十二条）：市在线学习办直接标记或用 --clear 取消；单位联络员提交申请，待市在线学习办批准
    Exempt {
        #[arg(value_name = "用户名", help_heading = "参数")]
        username: String,
        /// 免于考核的原因，如 省管干部
        #[arg(
            long,
            value_name = "原因",
            required_unless_present = "clear",
            conflicts_with = "clear"
        )]
        reason: Option<String>,
        /// 取消免考核标记
        #[arg(long)]
        clear: bool,
    },
    /// 调整批次（1、2 或 3）
    Batch {
        #[arg(value_name = "用户名", help_heading = "参数")]
        username: String,
        #[arg(value_name = "批次", help_heading = "参数")]
        batch: i64,
    },
    /// 批准例外（仅限市在线学习办）：截止日之后生效的停用或免考核，仍将其移出该年度考核
    #[command(name = "year-exception")]
    YearException {
        #[arg(value_name = "用户名", help_heading = "参数")]
        username: String,
        /// 学分年度
        #[arg(long, value_name = "年度", value_parser = year_range())]
        year: i32,
        /// 理由（记入操作日志）
        #[arg(long, value_name = "理由")]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExemptionCmd {
    /// 列出管理范围内的免考核申请（最新在前）
    List {
        /// 只列待审批的申请（pending）
        #[arg(long, value_enum, value_name = "状态")]
        status: Option<RequestStatus>,
        /// 单位代码（默认为您的管理范围）
        #[arg(long, value_name = "单位代码")]
        unit: Option<String>,
        #[command(flatten)]
        output: Output,
    },
    /// 批准免考核申请：账号自批准时起免于考核
    Approve {
        #[arg(value_name = "申请号", help_heading = "参数")]
        id: i64,
        #[command(flatten)]
        output: Output,
    },
    /// 不批准免考核申请，须说明理由
    Refuse {
        #[arg(value_name = "申请号", help_heading = "参数")]
        id: i64,
        /// 不批准的理由
        #[arg(long, value_name = "理由")]
        reason: String,
        #[command(flatten)]
        output: Output,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RequestStatus {
    /// 待审批
    Pending,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct UserOutput {
    #[arg(value_name = "用户名", help_heading = "参数")]
    pub username: String,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct UserReasonOutput {
    #[arg(value_name = "用户名", help_heading = "参数")]
    pub username: String,
    /// 原因（记入操作日志）
    #[arg(long, value_name = "原因", default_value = "")]
    pub reason: String,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleName {
    /// 市在线学习办
    Office,
    /// 市网络学院
    College,
    /// 单位联络员（须 --unit）
    Unit,
}

#[derive(Debug, Subcommand)]
pub enum RoleCmd {
    /// 授予管理角色（office、college 范围为全市；unit 须指定 --unit）
    Grant(RoleArgs),
    /// 撤销管理角色
    Revoke(RoleArgs),
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct RoleArgs {
    #[arg(value_name = "用户名", help_heading = "参数")]
    pub username: String,
    #[arg(value_enum, value_name = "角色", help_heading = "参数")]
    pub role: RoleName,
    /// 角色的管理范围（单位代码）
    #[arg(long, value_name = "单位代码")]
    pub unit: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum KeyCmd {
    /// 添加 SSH 公钥：从标准输入读取一行 OpenSSH 公钥
    Add {
        #[arg(value_name = "用户名", help_heading = "参数")]
        username: String,
        #[command(flatten)]
        output: Output,
    },
    /// 列出账号的 SSH 公钥
    List(UserOutput),
    /// 删除 SSH 公钥（按 SHA256 指纹）
    Remove {
        #[arg(value_name = "用户名", help_heading = "参数")]
        username: String,
        #[arg(value_name = "指纹", help_heading = "参数")]
        fingerprint: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum Report {
    /// 年度学分：范围内每名参评学员的必修、选修、考试学分与是否达标
    Standings(StandingsArgs),
    /// 单位统计：范围内每个下级单位的参评人数、达标人数、达标率、平均学分与排名
    Units(UnitsArgs),
    /// 参评人员变动（仅限市在线学习办）：年度内的停用、启用、免考核、调动、批次变动，按单位列出，及是否移出该年度考核
    #[command(name = "population-changes")]
    PopulationChanges(YearArgs),
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct YearArgs {
    /// 学分年度（默认当前年度）
    #[arg(long, value_name = "年度", value_parser = year_range())]
    pub year: Option<i32>,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Subcommand)]
pub enum Archive {
    /// 显示一名学员的电子档案（每条学分记录及其规则）
    Show(ArchiveArgs),
}

#[derive(Debug, Subcommand)]
pub enum Course {
    /// 列出课程：编号、名称、类别、类型、时长、学时与学分
    List(CourseArgs),
    /// 查看一门课程：状态、学分及其计算规则、考试、完成人数
    Show(CourseCodeOutput),
    /// 新增课程（草稿，发布后学员才能看到；市网络学院、市在线学习办）
    Add(CourseAddArgs),
    /// 修改课程（只改给出的项；已有人完成的课程改时长、类型或指定学分须加 --allow-credit-change）
    Edit(CourseEditArgs),
    /// 发布课程：学员可以看到、学习并参加考试
    Publish(CourseCode),
    /// 停用课程：学员不再看到；已取得的学分不变
    Retire(CourseCode),
    /// 导入课程（CSV 或 JSON，从标准输入读取；按课程编号新增或修改；任何一行有误则不导入）
    Import(CourseImportArgs),
    /// 上传课件（市网络学院、市在线学习办）：从标准输入读取 MP4（H.264+AAC）、WebM、MP3、M4A 或 WAV 文件，时长须与课程时长相符（相差不超过 2%）
    Media(MediaArgs),
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct CourseCode {
    /// 课程编号
    #[arg(value_name = "课程编号", help_heading = "参数")]
    pub code: String,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct CourseCodeOutput {
    /// 课程编号
    #[arg(value_name = "课程编号", help_heading = "参数")]
    pub code: String,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct CourseAddArgs {
    /// 课程编号（字母、数字、- _ .，最多 32 个字符）
    #[arg(value_name = "课程编号", help_heading = "参数")]
    pub code: String,
    /// 课程名称
    #[arg(long, value_name = "名称")]
    pub title: String,
    /// 类别代码或名称，如 theory 或 基本理论
    #[arg(long, value_name = "类别")]
    pub category: String,
    /// 类型：required 必修，elective 选修
    #[arg(long, value_name = "类型")]
    pub kind: String,
    /// 来源：provincial 省级推送，local 本地特色
    #[arg(long, value_name = "来源")]
    pub source: String,
    /// 讲授时长：秒数，或写成 67分30秒、67分钟
    #[arg(long, value_name = "秒")]
    pub duration: String,
    /// 指定学分，如 1.5（特殊课程；须同时给出 --reason）
    #[arg(long, value_name = "学分", requires = "reason")]
    pub designated: Option<String>,
    /// 指定学分的理由
    #[arg(long, value_name = "理由")]
    pub reason: Option<String>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct CourseEditArgs {
    /// 课程编号
    #[arg(value_name = "课程编号", help_heading = "参数")]
    pub code: String,
    /// 课程名称
    #[arg(long, value_name = "名称")]
    pub title: Option<String>,
    /// 类别代码或名称
    #[arg(long, value_name = "类别")]
    pub category: Option<String>,
    /// 类型：required 必修，elective 选修
    #[arg(long, value_name = "类型")]
    pub kind: Option<String>,
    /// 来源：provincial 省级推送，local 本地特色
    #[arg(long, value_name = "来源")]
    pub source: Option<String>,
    /// 讲授时长：秒数，或写成 67分30秒、67分钟
    #[arg(long, value_name = "秒")]
    pub duration: Option<String>,
    /// 指定学分，如 1.5；none 取消指定学分
    #[arg(long, value_name = "学分")]
    pub designated: Option<String>,
    /// 指定学分的理由
    #[arg(long, value_name = "理由")]
    pub reason: Option<String>,
    /// 允许修改已有人完成的课程的学分（已取得的学分不变）
    #[arg(long)]
    pub allow_credit_change: bool,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct CourseImportArgs {
    /// 新增的课程直接发布（默认为草稿）
    #[arg(long)]
    pub publish: bool,
    /// 允许修改已有人完成的课程的时长、类型或指定学分（已取得的学分不变）
    #[arg(long)]
    pub allow_credit_change: bool,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Subcommand)]
pub enum YearCmd {
    /// 查看年度设置：总学分、必修学分、参评批次、截止日（未设置的年度沿用上一年度）
    Show(YearArgs),
    /// 设置年度考核要求（仅限市在线学习办；已关闭的年度不能修改；未给出的项沿用现行设置）
    Set(YearSetArgs),
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct YearSetArgs {
    /// 学分年度
    #[arg(value_name = "年度", help_heading = "参数", value_parser = year_range())]
    pub year: i32,
    /// 年度总学分要求，如 40
    #[arg(long, value_name = "学分")]
    pub total: Option<String>,
    /// 必修学分要求，如 24
    #[arg(long, value_name = "学分")]
    pub required: Option<String>,
    /// 参评批次，如 1,2,3
    #[arg(long, value_name = "批次")]
    pub batches: Option<String>,
    /// 截止日（月-日），如 10-01：当天及以后发放的账号不参加该年度考核
    #[arg(long, value_name = "月-日")]
    pub cutoff: Option<String>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct MediaArgs {
    /// 课程编号
    #[arg(value_name = "课程编号", help_heading = "参数")]
    pub code: String,
    /// 以文件时长为课程时长（已获得的学分不变）
    #[arg(long)]
    pub set_duration: bool,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Subcommand)]
pub enum Exam {
    /// 导入课程考试题库（替换原有题目；任何一行有误则不导入），格式见 docs/exams.md
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

#[derive(Debug, Subcommand)]
pub enum Roster {
    /// 提交名单（从标准输入读取 CSV 或 xlsx 文件）：ssh 主机 roster submit < 名单.xlsx
    Submit(SubmitArgs),
    /// 名单模板：roster template --format xlsx > 模板.xlsx
    Template(TemplateArgs),
    /// 列出名单及其状态（已提交、已审核、已批准、已退回、已发放）
    List(Output),
    /// 显示一份名单的每一行及审核结果
    Show(IdArgs),
    /// 审核（市网络学院）：逐行通过或不通过，再报送市在线学习办
    Review(ReviewArgs),
    /// 批准（市在线学习办）：为通过的人员发放账号
    Approve(IdArgs),
    /// 退回名单并说明理由
    Return(ReturnArgs),
    /// 领取已发放账号的用户名和初始密码（只能领取一次）
    Credentials(IdArgs),
}

/// How an uploaded or downloaded roster file is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileKind {
    /// CSV（UTF-8 或 GBK）
    Csv,
    /// Excel 工作簿
    Xlsx,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct SubmitArgs {
    /// 文件格式，默认按内容识别
    #[arg(long, value_enum, value_name = "格式", hide_possible_values = true)]
    pub format: Option<FileKind>,
    /// 记录在名单上的文件名
    #[arg(long, value_name = "文件名", default_value = "")]
    pub name: String,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct TemplateArgs {
    /// 模板格式：xlsx（默认）或 csv
    #[arg(long, value_enum, default_value_t = FileKind::Xlsx, value_name = "格式", hide_possible_values = true, hide_default_value = true)]
    pub format: FileKind,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct IdArgs {
    /// 名单号（见 roster list）
    #[arg(value_name = "名单号", help_heading = "参数")]
    pub id: i64,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct ReviewArgs {
    /// 名单号
    #[arg(value_name = "名单号", help_heading = "参数")]
    pub id: i64,
    /// 通过的行号：all，或如 2、2-9、2,5,7-9（表头为第1行）
    #[arg(long, value_name = "行号")]
    pub accept: Option<String>,
    /// 不通过的行号，须同时给出 --reason
    #[arg(long, value_name = "行号", requires = "reason")]
    pub reject: Option<String>,
    /// 不通过的理由
    #[arg(long, value_name = "理由")]
    pub reason: Option<String>,
    /// 审核完毕，报送市在线学习办
    #[arg(long)]
    pub pass: bool,
    #[command(flatten)]
    pub output: Output,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "选项")]
pub struct ReturnArgs {
    /// 名单号
    #[arg(value_name = "名单号", help_heading = "参数")]
    pub id: i64,
    /// 退回理由
    #[arg(long, value_name = "理由")]
    pub reason: String,
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
    #[arg(long, value_name = "年度", value_parser = year_range())]
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
    #[arg(long, value_name = "年度", value_parser = year_range())]
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
    #[arg(long, value_name = "年度", value_parser = year_range())]
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

/// The years a command accepts (`--year`, `year set`): wide enough for any real archive, narrow
/// enough that a typo is caught.
pub(super) fn year_range() -> clap::builder::RangedI64ValueParser<i32> {
    clap::value_parser!(i32).range(2000..=2100)
}

/// A clap error in Chinese, one line, plus a hint where to find the usage.
pub fn describe(e: &clap::Error) -> String {
    // What was typed is quoted cut short: a huge value must not flood the terminal.
    let arg = shorten(&context(e, ContextKind::InvalidArg));
    let value = shorten(&context(e, ContextKind::InvalidValue));
    let what = match e.kind() {
        ErrorKind::InvalidSubcommand => {
            let typed = context(e, ContextKind::InvalidSubcommand);
            format!("未知命令 {}", shorten(&typed))
        }
        ErrorKind::UnknownArgument => format!("未知参数 {arg}"),
        ErrorKind::InvalidValue => format!("{arg} 的值 {value} 无效"),
        ErrorKind::ValueValidation => format!("{arg} 的值 {value} 无效（{}）", expected(e, &arg)),
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

/// The longest value of any one argument, in characters. Free text has tighter limits where it
/// is kept (a reason 200, a search word 50); this bounds everything else, such as row lists.
pub const MAX_ARG: usize = 1000;

/// Checks every value given on the command line, whatever the command: no control characters
/// and at most `MAX_ARG` characters, naming the argument when one is refused.
pub fn check_values(grammar: &clap::Command, m: &clap::ArgMatches) -> Result<(), String> {
    for arg in grammar.get_arguments() {
        let Ok(Some(values)) = m.try_get_raw(arg.get_id().as_str()) else {
            continue;
        };
        for value in values {
            let value = value.to_string_lossy();
            if let Err(e) = crate::rules::text::check(&value, MAX_ARG) {
                return Err(format!("参数 {} {e}。运行 help 查看用法。", arg_name(arg)));
            }
        }
    }
    match m.subcommand() {
        Some((name, sub)) => match grammar.find_subcommand(name) {
            Some(command) => check_values(command, sub),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

/// How help names an argument: `--reason`, or `<用户名>` for a positional one.
fn arg_name(arg: &clap::Arg) -> String {
    match (arg.get_long(), arg.get_value_names()) {
        (Some(long), _) => format!("--{long}"),
        (None, Some([name, ..])) => format!("<{name}>"),
        _ => arg.get_id().to_string(),
    }
}

/// What a refused value should have been. clap says which argument failed and why in English;
/// the argument's own value name (`<年度>`, `<条数>`, `<名单号>`) says it in Chinese.
fn expected(e: &clap::Error, arg: &str) -> String {
    use std::num::IntErrorKind;
    let name = arg
        .rsplit_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or(arg, |(name, _)| name);
    if name == "年度" {
        return "年度应在 2000–2100 之间".into();
    }
    let int = std::error::Error::source(e)
        .and_then(|s| s.downcast_ref::<std::num::ParseIntError>())
        .map(|p| *p.kind());
    match int {
        Some(IntErrorKind::PosOverflow | IntErrorKind::NegOverflow) => {
            format!("{name}超出范围")
        }
        Some(_) => format!("{name}应为整数"),
        None => format!("{name}格式不对"),
    }
}

/// Text quoted in a message, cut short.
fn shorten(value: &str) -> String {
    const KEEP: usize = 60;
    if value.chars().count() <= KEEP {
        value.to_string()
    } else {
        format!("{}…", value.chars().take(KEEP).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(root: &'a clap::Command, path: &str) -> Option<&'a clap::Command> {
        path.split(' ')
            .try_fold(root, |cmd, word| cmd.find_subcommand(word))
    }

    #[test]
    fn every_redirect_belongs_to_a_command() {
        let root = grammar();
        for (path, _) in REDIRECTS {
            assert!(find(&root, path).is_some(), "{path}");
        }
    }

    #[test]
    fn usage_lines_are_generated_from_the_arguments() {
        let mut root = grammar();
        root.build();
        let usage = |path: &str| {
            let mut cmd = find(&root, path).expect(path).clone();
            cmd.render_usage().to_string()
        };
        assert!(
            usage("account history")
                .ends_with("account history <用户名> [--limit 条数] [--format 格式] [--bom]"),
            "{}",
            usage("account history")
        );
        let refuse = usage("exemption refuse");
        assert!(
            refuse.ends_with("exemption refuse <申请号> --reason 理由 [--format 格式] [--bom]"),
            "{refuse}"
        );
        let role = usage("role grant");
        assert!(role.contains("<office|college|unit>"), "{role}");
        let key = usage("key add");
        assert!(key.ends_with("< key.pub"), "{key}");
        let group = usage("exemption");
        assert!(
            group.ends_with("exemption <list|approve|refuse> …"),
            "{group}"
        );
    }

    #[test]
    fn help_is_chinese_on_every_command() {
        fn walk(cmd: &mut clap::Command, path: &str) {
            let text = cmd.render_help().to_string();
            for english in ["Usage", "Options", "Arguments", "Print help", "Commands"] {
                assert!(!text.contains(english), "{path}: {english} in {text}");
            }
            if !path.is_empty() {
                let line = text.lines().find(|l| l.contains("-h, --help"));
                assert!(
                    line.is_some_and(|l| l.ends_with("显示本命令的用法")),
                    "{path}: {text}"
                );
            }
            for sub in cmd.get_subcommands_mut() {
                let name = format!("{path} {}", sub.get_name());
                walk(sub, name.trim());
            }
        }
        let mut root = grammar();
        root.build();
        walk(&mut root, "");
    }
}
