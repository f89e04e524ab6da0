//! The staff terminal interface (ratatui), knowing nothing of SSH: the session feeds it `Event`s
//! (keys decoded by `input::Decoder`, resizes, data answers) and carries out the `Effect`s it
//! returns (load data through `data::execute`, quit, save preferences). `draw` and `handle` do no
//! I/O, so every screen is tested with `TestBackend`.
//!
//! Layout: `app` holds the frame (header, tabs, footer, popups), the tab list and the routing;
//! `screen` is the contract each tab keeps (`Screen`); each screen under `screens/` owns its
//! state, key table (`KEYS`, which turns keys into actions and feeds the footer and the help
//! popup), data requests and answers, and drawing; `keys` holds the key vocabulary and the global
//! table; `prompt` is the one-line question and y/n confirmation the screens share; `theme` gives
//! styles by meaning. Adding a tab: a module under `screens/` and one line in `app`'s `tabs!`.

pub mod app;
pub mod data;
pub mod input;
pub mod keys;
mod prompt;
pub mod screen;
pub mod screens;
pub mod theme;
mod widgets;

pub use app::App;
pub use data::{Answer, DataMsg, Request};
pub use terminput::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::Actor;

/// What the terminal can show, from TERM / COLORTERM / NO_COLOR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ColorDepth {
    Monochrome,
    Sixteen,
    TwoFiftySix,
    TrueColor,
}

impl ColorDepth {
    /// OpenSSH forwards TERM but not COLORTERM, so anything unknown is taken as 16 colours.
    pub fn detect(term: Option<&str>, colorterm: Option<&str>, no_color: bool) -> ColorDepth {
        if no_color {
            return ColorDepth::Monochrome;
        }
        if matches!(colorterm, Some("truecolor" | "24bit")) {
            return ColorDepth::TrueColor;
        }
        match term {
            Some("dumb") => ColorDepth::Monochrome,
            Some(t) if t.contains("direct") => ColorDepth::TrueColor,
            Some(t) if t.contains("256color") => ColorDepth::TwoFiftySix,
            _ => ColorDepth::Sixteen,
        }
    }
}

/// Who is using the interface and how their terminal looks, as the session knows at start.
#[derive(Debug, Clone)]
pub struct SessionContext {
    pub actor: Actor,
    pub real_name: String,
    pub year: i32,
    /// The remembered theme name (`default`, `high-contrast`, `mono`, …).
    pub theme: String,
    pub ascii_borders: bool,
    pub color_depth: ColorDepth,
    pub width: u16,
    pub height: u16,
    /// The account still has an initial password: the interface opens on the form to change it.
    pub must_change: bool,
    /// The port of the SSH server, for the command lines shown to copy.
    pub ssh_port: u16,
}

impl SessionContext {
    /// How this user runs a command over SSH, as a line to copy: the host is left for the user,
    /// who knows the name they connect to.
    pub fn ssh_command(&self) -> String {
        match self.ssh_port {
            22 => format!("ssh {}@服务器", self.actor.username),
            port => format!("ssh -p {port} {}@服务器", self.actor.username),
        }
    }
}

// Data answers are the large variant; they arrive a few times per keystroke at most, so the
// contract keeps them unboxed.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    /// An answer to an `Effect::Load`, with when its data was read.
    Data(Answer),
    /// Another staff member (or a learner) changed data of this topic.
    Changed(crate::app::changes::Topic),
    Tick,
}

/// What the session must do for the interface.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run the request with `data::answer` and send back its answer as `Event::Data`.
    Load(Request),
    Quit,
    SavePrefs {
        theme: String,
        ascii_borders: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_depth_from_terminal() {
        let d = ColorDepth::detect;
        assert_eq!(d(Some("xterm"), None, false), ColorDepth::Sixteen);
        assert_eq!(
            d(Some("xterm-256color"), None, false),
            ColorDepth::TwoFiftySix
        );
        assert_eq!(
            d(Some("xterm-256color"), Some("truecolor"), false),
            ColorDepth::TrueColor
        );
        assert_eq!(
            d(Some("xterm-256color"), None, true),
            ColorDepth::Monochrome
        );
        assert_eq!(d(None, None, false), ColorDepth::Sixteen);
    }
}
