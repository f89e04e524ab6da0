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
pub mod population;
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
