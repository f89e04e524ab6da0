//! Pure business rules of the college (credits, calendar, ID numbers, standing, catalogue); no I/O.

pub mod calendar;
pub mod catalog;
pub mod credits;
pub mod exam;
pub mod idnum;
pub mod ledger;
pub mod plan;
pub mod playback;
pub mod standing;
pub mod tenths;

pub use tenths::Tenths;
