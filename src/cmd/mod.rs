//! Scripted commands: `ssh host COMMAND` and `wangyuan exec --as USER -- …` run the same code.
//! A command line is parsed (`args`), answered through `app/` (`reports`), rendered whole
//! (`format`) and only then written out, so a failure leaves standard output empty.

pub mod accounts;
pub mod args;
pub mod catalog;
pub mod check;
pub mod classes;
pub mod exams;
pub mod format;
pub mod help;
pub mod media;
pub mod notices;
pub mod reports;
pub mod stdin;
pub mod submission;
pub mod template;
pub mod units;
pub mod years;

use std::io::Write;

use clap::FromArgMatches;
use clap::error::ErrorKind;

use crate::app::{self, Actor};
use crate::rules::text;
use crate::store::Db;

use args::{Archive, Command, Exam, Line, Output, Report};
use format::Format;
pub use stdin::Stdin;

/// Exit statuses shared by every command (defined with the error mapping onto them).
pub use crate::app::error::exit;

/// Runs one command line as given to `ssh host LINE`: split like a POSIX shell, then `run`.
pub async fn run_line(
    db: &Db,
    actor: &Actor,
    line: &str,
    stdin: &mut Stdin,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> i32 {
    if line.len() > MAX_LINE {
        return fail(err, exit::USAGE, &line_too_long());
    }
    match shell_words::split(line) {
        Ok(args) => run(db, actor, &args, stdin, out, err).await,
        Err(_) => fail(err, exit::USAGE, "命令行的引号不成对。运行 help 查看用法。"),
    }
}

/// Runs one command (its words, without a program name) and returns the exit status. Imports read
/// `stdin`; results go to `out`; messages in Chinese go to `err`.
pub async fn run(
    db: &Db,
    actor: &Actor,
    args: &[String],
    stdin: &mut Stdin,
    out: &mut (dyn Write + Send),
    err: &mut (dyn Write + Send),
) -> i32 {
    let first = args.first().map(String::as_str);
    if args.is_empty() {
        return fail(err, exit::USAGE, "缺少命令。运行 help 查看可用命令。");
    }
    if args.iter().map(|a| a.len() + 1).sum::<usize>() > MAX_LINE {
        return fail(err, exit::USAGE, &line_too_long());
    }
    if !actor.is_staff() && !matches!(first, Some("help" | "whoami")) {
        return fail(
            err,
            exit::FORBIDDEN,
            "无权操作：脚本命令仅限市在线学习办、市网络学院和单位联络员使用。",
        );
    }
    if !matches!(first, Some("help" | "password")) {
        match app::credentials::must_change(db, actor).await {
            Ok(false) => {}
            Ok(true) => {
                return fail(
                    err,
                    exit::FORBIDDEN,
                    "请先修改初始密码：运行 password 命令（标准输入两行：原密码、新密码），或登录终端界面修改。",
                );
            }
            Err(e) => return fail(err, e.exit_code(), &format!("错误：{e}")),
        }
    }
    let words = std::iter::once("wangyuan").chain(args.iter().map(String::as_str));
    let mut grammar = args::grammar();
    let matches = match grammar.try_get_matches_from_mut(words) {
        Ok(m) => m,
        Err(e) if e.kind() == ErrorKind::DisplayHelp => {
            return emit(out, err, e.render().to_string().into_bytes());
        }
        Err(e) => return fail(err, exit::USAGE, &args::describe(&e)),
    };
    if let Err(text) = args::check_values(&grammar, &matches) {
        return fail(err, exit::USAGE, &text);
    }
    let line = match Line::from_arg_matches(&matches) {
        Ok(line) => line,
        Err(e) => return fail(err, exit::USAGE, &args::describe(&e)),
    };
    match execute(db, actor, line.command, stdin).await {
        Ok(bytes) => emit(out, err, bytes),
        Err(Failure::App(e)) => fail(err, e.exit_code(), &format!("错误：{e}")),
        Err(Failure::Usage(text)) => fail(err, exit::USAGE, &text),
        Err(Failure::Render(text)) => fail(err, exit::FAILURE, &format!("错误：{text}")),
    }
}

enum Failure {
    App(app::Error),
    Usage(String),
    Render(String),
}

impl From<app::Error> for Failure {
    fn from(e: app::Error) -> Failure {
        Failure::App(e)
    }
}

async fn execute(
    db: &Db,
    actor: &Actor,
    command: Command,
    stdin: &mut Stdin,
) -> Result<Vec<u8>, Failure> {
    let (table, o): (format::Table, Output) = match command {
        Command::Account(a) => return answer(accounts::account(db, actor, a).await?),
        Command::Exemption(e) => return answer(accounts::exemption(db, actor, e).await?),
        Command::Role(r) => return answer(accounts::role(db, actor, r).await?),
        Command::Key(k) => return answer(accounts::key(db, actor, k, stdin).await?),
        Command::Password => return answer(accounts::password(db, actor, stdin).await?),
        Command::Help { topic } => return help::render(&topic).map_err(Failure::Usage),
        Command::Whoami(o) => (reports::whoami(db, actor).await?, o),
        Command::Report(Report::Standings(a)) => {
            (reports::standings(db, actor, &a).await?, a.output)
        }
        Command::Report(Report::Units(a)) => (reports::units(db, actor, &a).await?, a.output),
        Command::Report(Report::PopulationChanges(a)) => {
            (reports::population_changes(db, actor, &a).await?, a.output)
        }
        Command::Archive(Archive::Show(a)) => (reports::archive(db, actor, &a).await?, a.output),
        Command::Course(c) => return catalog::run(db, actor, c, stdin).await,
        Command::Year(y) => return years::run(db, actor, y).await,
        Command::Exam(Exam::Import(a)) => {
            let bytes = stdin.read_file(exams::MAX_BANK_BYTES, "题库文件").await?;
            (exams::import(db, actor, &a, &bytes).await?, a.output)
        }
        Command::Roster(r) => return submission::run(db, actor, r, stdin).await,
        Command::Unit(u) => return units::run(db, actor, u, stdin).await,
        Command::Class(c) => return classes::run(db, actor, c, stdin).await,
        Command::Notice(n) => return notices::run(db, actor, n, stdin).await,
    };
    table.render(o.format, o.bom).map_err(Failure::Render)
}

fn answer(a: accounts::Answer) -> Result<Vec<u8>, Failure> {
    match a {
        accounts::Answer::Table(t, o) => t.render(o.format, o.bom).map_err(Failure::Render),
        accounts::Answer::Record {
            table,
            object,
            text,
            output,
        } => match (output.format, text) {
            (Format::Json, _) => format::json_bytes(&object).map_err(Failure::Render),
            (Format::Table, Some(t)) => Ok(format!("{}\n", text::escape_lines(&t)).into_bytes()),
            (f, _) => table.render(f, output.bom).map_err(Failure::Render),
        },
        accounts::Answer::Text(t) => Ok(format!("{}\n", text::escape_lines(&t)).into_bytes()),
    }
}

fn emit(out: &mut (dyn Write + Send), err: &mut (dyn Write + Send), bytes: Vec<u8>) -> i32 {
    match out.write_all(&bytes).and_then(|()| out.flush()) {
        Ok(()) => exit::OK,
        Err(e) => fail(err, exit::FAILURE, &format!("错误：无法写出结果：{e}")),
    }
}

/// The longest command line accepted, in bytes: far above any real command, far below what would
/// make parsing or a query costly.
pub const MAX_LINE: usize = 8 * 1024;

fn line_too_long() -> String {
    format!("命令行过长（最多 {MAX_LINE} 字节）。运行 help 查看用法。")
}

fn fail(err: &mut (dyn Write + Send), code: i32, message: &str) -> i32 {
    // Messages quote what was typed or stored; a control character in them is shown, not obeyed.
    let message = text::escape_lines(message);
    // Nothing more can be done when the error stream itself is gone.
    let _ = writeln!(err, "{message}").and_then(|()| err.flush());
    code
}
