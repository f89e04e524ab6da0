//! Use-cases: the only layer that decides who may do what, writes the audit log and opens write
//! transactions. Every front (CLI, SSH, web) calls in here, never `store/` directly. Functions take
//! the current time as `now` (unix seconds) so tests can fix the clock.

pub mod accounts;
pub mod actor;
pub mod admin;
pub mod aggregates;
pub mod archive;
pub mod auth;
pub mod catalog;
pub mod changes;
pub mod check;
pub mod classes;
pub mod courses;
pub mod credentials;
pub mod error;
pub mod exams;
pub mod learner;
pub mod ledger;
pub mod legacy;
pub mod media;
pub mod notices;
pub mod password;
pub mod playback;
pub mod population;
pub mod prefs;
pub mod progress;
pub mod roster;
pub mod sessions;
pub mod standings;
pub mod submission;
pub mod types;
pub mod unit_tree;
pub mod units;
pub mod years;

pub use actor::Actor;
pub use error::{Error, Result};
pub use types::{UnitCode, Username};

/// The wall clock, in unix seconds.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Free text from a person (a reason, a note, a search word, a file name), trimmed, or a refusal
/// naming `field` when it holds a control character or is longer than `max_chars`.
pub fn checked_text<'a>(field: &str, s: &'a str, max_chars: usize) -> Result<&'a str> {
    let s = s.trim();
    crate::rules::text::check(s, max_chars).map_err(|e| Error::invalid(field, e.to_string()))?;
    Ok(s)
}

/// A reason that must be given: checked as free text, refused with `hint` when empty.
pub(crate) fn required_reason<'a>(field: &str, s: &'a str, hint: &str) -> Result<&'a str> {
    let s = checked_text(field, s, MAX_REASON)?;
    if s.is_empty() {
        return Err(Error::invalid(field, hint.to_string()));
    }
    Ok(s)
}

/// A file refused whole: how many problems, what was not done (`outcome`), then each problem on its
/// own line, the first `MAX_LISTED` of them (the rest counted).
pub(crate) fn listed_refusal<P: std::fmt::Display>(
    field: &str,
    outcome: &str,
    problems: &[P],
) -> Error {
    let mut text = format!("共 {} 处问题，{outcome}：", problems.len());
    for p in problems.iter().take(MAX_LISTED) {
        text.push('\n');
        text.push_str(&p.to_string());
    }
    if problems.len() > MAX_LISTED {
        text.push_str(&format!("\n……另有 {} 处", problems.len() - MAX_LISTED));
    }
    Error::invalid(field, text)
}

/// The most problems listed when a file is refused (the rest are counted).
const MAX_LISTED: usize = 200;

/// The longest reason or note kept with a change, in characters.
pub const MAX_REASON: usize = 200;
/// The longest search word, in characters (longer ones cannot match a name or ID number).
pub const MAX_SEARCH: usize = 50;
/// Runs CPU- and memory-heavy work on an untrusted file (inflating, parsing) on tokio's blocking
/// pool, so the async workers that serve SSH and web keep answering meanwhile, and at most
/// `limits::FILE_WORKERS` at once; a panic in it becomes an internal error of this request only.
pub(crate) async fn off_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    static TURNS: tokio::sync::Semaphore =
        tokio::sync::Semaphore::const_new(crate::rules::limits::FILE_WORKERS);
    let _turn = TURNS
        .acquire()
        .await
        .map_err(|_| Error::internal("文件处理队列已关闭"))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        tracing::error!(error = %e, "文件处理任务异常结束");
        Error::internal("文件处理异常结束")
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn file_work_runs_a_few_at_a_time_and_a_panic_is_an_error() {
        let (active, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs: Vec<_> = (0..6)
            .map(|_| {
                let (active, most) = (active.clone(), most.clone());
                tokio::spawn(off_runtime(move || {
                    let now = active.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    // Hold the turn long enough for the others to try to start.
                    std::thread::sleep(std::time::Duration::from_millis(30));
                    active.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for job in jobs {
            assert!(matches!(job.await, Ok(Ok(()))));
        }
        let most = most.load(Ordering::SeqCst);
        assert!(
            (1..=crate::rules::limits::FILE_WORKERS).contains(&most),
            "{most} at once"
        );
        let bug = off_runtime(|| {
            let v: Vec<u8> = Vec::new();
            v.first().copied().expect("a bug in a parser")
        })
        .await;
        assert!(matches!(bug, Err(Error::Internal { .. })), "{bug:?}");
    }
}
