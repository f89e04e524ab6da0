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

/// Free text from a person (a reason, a note, a search word, a file name), trimmed, or a refusal
/// naming `field` when it holds a control character or is longer than `max_chars`.
pub fn checked_text<'a>(field: &str, s: &'a str, max_chars: usize) -> Result<&'a str> {
    let s = s.trim();
    crate::rules::text::check(s, max_chars).map_err(|e| Error::invalid(field, e.to_string()))?;
    Ok(s)
}

/// The longest reason or note kept with a change, in characters.
pub const MAX_REASON: usize = 200;
/// The longest search word, in characters (longer ones cannot match a name or ID number).
pub const MAX_SEARCH: usize = 50;
