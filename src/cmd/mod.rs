//! Commands that print reports: each writes to any `impl Write` and returns an exit status, so
//! the same code serves the local console and (later) `ssh host COMMAND`.

pub mod check;

/// Exit statuses shared by every command.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const FORBIDDEN: i32 = 3;
    pub const NOT_FOUND: i32 = 4;
}
