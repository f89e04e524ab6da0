//! One error type by meaning, mapped once to exit codes here (and later once to HTTP and the TUI).

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
    #[error("数据库错误：{0}")]
    Db(#[from] sqlx::Error),
    #[error("内部错误：{0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Exit status for commands: 2 usage/bad input, 3 not allowed, 4 not found, 1 anything else.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Invalid { .. } => 2,
            Error::Forbidden(_) => 3,
            Error::NotFound(_) => 4,
            Error::Conflict(_) | Error::Db(_) | Error::Internal(_) => 1,
        }
    }
}
