//! One module per screen: each owns its state, reacts to actions and data answers, and draws
//! itself. Screens return effects; they never do I/O.

pub mod account;
pub mod accounts;
pub mod cadre;
pub mod catalog;
pub mod class_board;
pub mod class_form;
pub mod classes;
pub mod course_form;
pub mod dashboard;
pub mod notices;
pub mod password;
pub mod population;
pub mod roster;
pub mod settings;
pub mod submissions;
pub mod units;

/// Moves a selection within `len` rows; `page` rows for PgUp/PgDn.
pub fn step(selected: usize, len: usize, action: super::keys::Action, page: usize) -> usize {
    use super::keys::Action;
    if len == 0 {
        return 0;
    }
    let last = len - 1;
    match action {
        Action::Up => selected.saturating_sub(1),
        Action::Down => (selected + 1).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        Action::PageUp => selected.saturating_sub(page.max(1)),
        Action::PageDown => (selected + page.max(1)).min(last),
        _ => selected.min(last),
    }
}
