//! One error type by meaning. Its three faces are defined here, once: the exit status of a
//! command (`exit_code`), the HTTP status of a web answer (`http_status`) and the message every
//! front shows (`Display`, the same words on the web, over exec and in the TUI).
//!
//! Database and internal failures never show their detail: it is logged with an incident number
//! when the error is made, and users see only "内部错误（编号 …）" to quote to the college.

use std::fmt;

/// Exit statuses shared by every command; `Error::exit_code` maps errors onto these.
pub mod exit {
    pub const OK: i32 = 0;
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const FORBIDDEN: i32 = 3;
    pub const NOT_FOUND: i32 = 4;
    /// A write clashed with existing data (a unique key); same status as any other failure.
    pub const CONFLICT: i32 = FAILURE;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("未找到{0}")]
    NotFound(String),
    #[error("无权操作：{0}")]
    Forbidden(String),
    #[error("{field}：{reason}")]
    Invalid { field: String, reason: String },
    #[error("{0}")]
    Conflict(String),
    /// Made only through `From<sqlx::Error>`, which logs the driver's text under `incident`.
    #[error("内部错误（编号 {incident}）")]
    Db {
        incident: Incident,
        #[source]
        source: sqlx::Error,
    },
    /// Made only through `Error::internal`, which logs `detail` under `incident`.
    #[error("内部错误（编号 {incident}）")]
    Internal { incident: Incident, detail: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The number quoted to users for a failure whose detail went to the log only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Incident(u32);

impl Incident {
    fn new() -> Incident {
        Incident(rand::random())
    }
}

impl fmt::Display for Incident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08X}", self.0)
    }
}

/// What users see when a write hit a unique key that the checks before it did not catch (a race).
pub const DUPLICATE: &str = "与已有记录重复，未作更改";

impl From<sqlx::Error> for Error {
    fn from(source: sqlx::Error) -> Error {
        let unique = source
            .as_database_error()
            .is_some_and(|d| d.is_unique_violation());
        if unique {
            tracing::warn!(error = %source, "唯一键冲突");
            return Error::Conflict(DUPLICATE.into());
        }
        let incident = Incident::new();
        tracing::error!(%incident, error = %source, "数据库错误");
        Error::Db { incident, source }
    }
}

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A failure that is the system's fault, not the user's: `detail` is logged, not shown.
    pub fn internal(detail: impl Into<String>) -> Error {
        let detail = detail.into();
        let incident = Incident::new();
        tracing::error!(%incident, %detail, "内部错误");
        Error::Internal { incident, detail }
    }

    /// Exit status for commands: 2 usage/bad input, 3 not allowed, 4 not found, 1 anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid { .. } => exit::USAGE,
            Error::Forbidden(_) => exit::FORBIDDEN,
            Error::NotFound(_) => exit::NOT_FOUND,
            Error::Conflict(_) => exit::CONFLICT,
            Error::Db { .. } | Error::Internal { .. } => exit::FAILURE,
        }
    }

    /// HTTP status for web answers: 400 invalid, 403 not allowed, 404 not found, 409, 500.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::Invalid { .. } => 400,
            Error::Forbidden(_) => 403,
            Error::NotFound(_) => 404,
            Error::Conflict(_) => 409,
            Error::Db { .. } | Error::Internal { .. } => 500,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_is_not_shown() {
        let e = Error::internal("课程 X 的类型无效");
        let shown = e.to_string();
        assert!(shown.starts_with("内部错误（编号 "), "{shown}");
        assert!(!shown.contains("课程"), "{shown}");
        assert_eq!(e.exit_code(), exit::FAILURE);
        assert_eq!(e.http_status(), 500);
    }

    #[test]
    fn database_detail_is_not_shown() {
        let e = Error::from(sqlx::Error::PoolClosed);
        let shown = e.to_string();
        assert!(shown.starts_with("内部错误（编号 "), "{shown}");
        assert!(!shown.to_lowercase().contains("pool"), "{shown}");
    }
}
