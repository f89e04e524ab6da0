//! Pure business rules of the college (credits, calendar, ID numbers, standing, catalogue, roster files, the unit tree, usernames, free text); no I/O.

pub mod calendar;
pub mod catalog;
pub mod classes;
pub mod course_feed;
pub mod credits;
pub mod exam;
pub mod idnum;
pub mod ledger;
pub mod limits;
pub mod media;
pub mod notices;
pub mod password;
pub mod plan;
pub mod playback;
pub mod population;
pub mod sheet;
pub mod standing;
pub mod status;
pub mod submission;
pub mod tenths;
pub mod text;
pub mod units;
pub mod username;

pub use tenths::Tenths;
