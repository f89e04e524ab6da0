//! The contract of a tab's screen. A screen owns its key table, its state, its data requests and
//! the answers to them, its filter and edit hooks and its drawing; `app` keeps the frame, the tab
//! list (`tabs!`), popups and routing. A screen never does I/O: it returns `Effect`s, and asks the
//! app for what lies outside it (another tab, the shared year) with `Note`s.
//!
//! Adding a tab: write `screens/<name>.rs` with a type that implements `Screen`, declare it in
//! `screens/mod.rs`, and add one line to the `tabs!` list in `app.rs`; a screen that reads new
//! data also adds its `Request`/`DataMsg` variants in `data.rs` and their `tab_of` arm.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::data::DataMsg;
use super::keys::{Action, Binding};
use super::widgets::Look;
use super::{Effect, KeyEvent};
use crate::app::Actor;
use crate::app::changes::Topic;

/// What every screen may read of the session, and where it leaves `Note`s for the app.
#[derive(Debug)]
pub struct Cx {
    pub actor: Actor,
    /// The year shown (the header's); screens change it only by `Note::Year`.
    pub year: i32,
    /// The terminal's height, for screens that page.
    pub height: u16,
    /// `ssh [-p N] user@服务器`, to build the command lines shown to copy.
    pub ssh: String,
    /// Child units of the scope shown on 总览, for the roster's unit filter.
    pub scope_units: Vec<(String, String)>,
    notes: Vec<Note>,
}

impl Cx {
    pub fn new(actor: Actor, year: i32, height: u16, ssh: String) -> Cx {
        Cx {
            actor,
            year,
            height,
            ssh,
            scope_units: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Asks the app for something outside the screen; carried out after the screen returns.
    pub fn note(&mut self, note: Note) {
        self.notes.push(note);
    }

    pub(super) fn take_notes(&mut self) -> Vec<Note> {
        std::mem::take(&mut self.notes)
    }

    /// Rows a page of a list holds at the current height.
    pub fn page(&self) -> usize {
        usize::from(super::screens::roster::visible_rows(self.height))
    }
}

/// What a screen asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// Show another year on every screen that follows the header's year.
    Year(i32),
    /// The child units of the scope shown on 总览 changed.
    ScopeUnits(Vec<(String, String)>),
    /// Switch to the roster tab showing this unit.
    ShowUnit(Focus),
}

/// A unit to show: its code and name, and whether only its own members (the "（本级）" line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Focus {
    pub code: String,
    pub name: String,
    pub own_only: bool,
}

pub trait Screen {
    fn new(cx: &Cx) -> Self
    where
        Self: Sized;

    /// The key table of what the screen shows now (a sub-view has its own).
    fn keys(&self) -> &'static [Binding];

    /// Why the signed-in actor may not take `action` here (None: it may), asked of `app/` the
    /// way the action itself asks: such keys are hidden from footer and help and refused at once.
    fn refusal(&self, _action: Action, _cx: &Cx) -> Option<String> {
        None
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect>;

    /// An answer routed to this screen's tab; stale answers (the user moved on) are dropped.
    fn on_data(&mut self, msg: &DataMsg, cx: &mut Cx) -> Vec<Effect>;

    /// The requests that show what is true now, keeping the selection and scroll.
    fn reload(&mut self, cx: &Cx) -> Vec<Effect>;

    /// The kinds of data the screen shows: a change of one reloads it.
    fn topics(&self) -> &'static [Topic];

    /// The filter text, for screens that filter with `/` (None: no filter line).
    fn filter(&self) -> Option<&str> {
        None
    }

    fn set_filter(&mut self, _text: &str, _cx: &Cx) -> Vec<Effect> {
        Vec::new()
    }

    /// A line is typed, a confirmation asked or a secret shown: keys go to `input_key`.
    fn editing(&self) -> bool {
        false
    }

    fn input_key(&mut self, _k: KeyEvent, _cx: &Cx) -> Vec<Effect> {
        Vec::new()
    }

    /// Text pasted while editing; what to load because of it (a search box's results).
    fn paste(&mut self, _text: &str) -> Vec<Effect> {
        Vec::new()
    }

    /// The terminal's size or the header's year changed.
    fn resized(&mut self, _cx: &Cx) -> Vec<Effect> {
        Vec::new()
    }

    fn year_changed(&mut self, _cx: &Cx) -> Vec<Effect> {
        Vec::new()
    }

    /// Another screen asks this one to show a unit (`Note::ShowUnit`).
    fn show_unit(&mut self, _focus: Focus, _cx: &Cx) -> Vec<Effect> {
        Vec::new()
    }

    /// Work under way that redraws on ticks (accounts being issued).
    fn busy(&self) -> bool {
        false
    }

    fn draw(&self, f: &mut Frame, area: Rect, look: &Look);
}

/// The tab list: one line per tab (`Variant field: "label" => ScreenType`) gives the `Tab` enum,
/// the screens the app holds and the order of the tabs.
macro_rules! tabs {
    ($($tab:ident $field:ident: $label:literal => $ty:ty),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Tab {
            $($tab),*
        }

        impl Tab {
            pub const ALL: &'static [Tab] = &[$(Tab::$tab),*];

            pub fn label(self) -> &'static str {
                match self {
                    $(Tab::$tab => $label),*
                }
            }
        }

        /// One screen per tab.
        pub struct Screens {
            $(pub $field: $ty),*
        }

        impl Screens {
            fn new(cx: &Cx) -> Screens {
                Screens {
                    $($field: <$ty as Screen>::new(cx)),*
                }
            }

            fn get(&self, tab: Tab) -> &dyn Screen {
                match tab {
                    $(Tab::$tab => &self.$field),*
                }
            }

            fn get_mut(&mut self, tab: Tab) -> &mut dyn Screen {
                match tab {
                    $(Tab::$tab => &mut self.$field),*
                }
            }
        }
    };
}
pub(super) use tabs;
