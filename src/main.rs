//! The `wangyuan` binary: parse the command line and hand over to `cli`.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc rather than glibc's allocator: glibc gave each thread that touched a large buffer
/// (Argon2id's 19 MiB, SQLite's worker threads, the runtime's) an arena it kept, which cost tens of
/// MiB per thread for the life of the process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = wangyuan::cli::Cli::parse();
    let code = wangyuan::cli::run(args);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
