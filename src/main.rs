//! The `wangyuan` binary: parse the command line and hand over to `cli`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = wangyuan::cli::Cli::parse();
    let code = wangyuan::cli::run(args);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
