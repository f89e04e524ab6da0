//! Use-cases: the only layer that decides who may do what, writes the audit log and opens write
//! transactions. Every front (CLI, SSH, web) calls in here, never `store/` directly. Functions take
//! the current time as `now` (unix seconds) so tests can fix the clock.

pub mod accounts;
pub mod actor;
pub mod admin;
pub mod archive;
pub mod auth;
pub mod catalog;
pub mod check;
pub mod credentials;
pub mod demo_courses;
pub mod error;
pub mod exams;
pub mod learner;
pub mod ledger;
pub mod legacy;
pub mod password;
pub mod playback;
pub mod prefs;
pub mod progress;
pub mod roster;
pub mod seed;
pub mod sessions;
pub mod standings;
pub mod submission;
pub mod units;

pub use actor::Actor;
pub use error::{Error, Result};

/// The wall clock, in unix seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Runs CPU- and memory-heavy work on an untrusted file (inflating, parsing) on tokio's blocking
/// pool, so the async workers that serve SSH and web keep answering meanwhile; a panic in it
/// becomes an internal error of this request only.
pub(crate) async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "文件处理任务异常结束");
        Error::Internal("文件处理异常结束".into())
    })
}
