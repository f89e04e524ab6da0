//! Themes from `themes/*.toml` (built into the binary): styles by meaning, never raw colours in
//! screens. Which themes a terminal may use depends on its colour depth; monochrome terminals
//! (and NO_COLOR) get the `mono` theme only.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use super::ColorDepth;

const SOURCES: [&str; 4] = [
    include_str!("../../themes/default.toml"),
    include_str!("../../themes/rich.toml"),
    include_str!("../../themes/high-contrast.toml"),
    include_str!("../../themes/mono.toml"),
];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    reversed: bool,
    #[serde(default)]
    underlined: bool,
}

impl StyleSpec {
    fn style(&self) -> Result<Style, String> {
        let color = |c: &Option<String>| -> Result<Option<Color>, String> {
            c.as_deref()
                .map(|s| Color::from_str(s).map_err(|_| format!("颜色无效：{s}")))
                .transpose()
        };
        let mut style = Style::default();
        if let Some(fg) = color(&self.fg)? {
            style = style.fg(fg);
        }
        if let Some(bg) = color(&self.bg)? {
            style = style.bg(bg);
        }
        for (on, m) in [
            (self.bold, Modifier::BOLD),
            (self.reversed, Modifier::REVERSED),
            (self.underlined, Modifier::UNDERLINED),
        ] {
            if on {
                style = style.add_modifier(m);
            }
        }
        Ok(style)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Styles {
    text: StyleSpec,
    ok: StyleSpec,
    warn: StyleSpec,
    danger: StyleSpec,
    muted: StyleSpec,
    selected: StyleSpec,
    title: StyleSpec,
    title_focused: StyleSpec,
    header: StyleSpec,
    bar: StyleSpec,
    key: StyleSpec,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    label: String,
    depth: String,
    styles: Styles,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub label: String,
    pub needs: ColorDepth,
    text: Style,
    ok: Style,
    warn: Style,
    danger: Style,
    muted: Style,
    selected: Style,
    title: Style,
    title_focused: Style,
    header: Style,
    bar: Style,
    key: Style,
}

impl Theme {
    pub fn parse(src: &str) -> Result<Theme, String> {
        let f: ThemeFile = toml::from_str(src).map_err(|e| format!("主题文件无效：{e}"))?;
        let needs = match f.depth.as_str() {
            "mono" => ColorDepth::Monochrome,
            "16" => ColorDepth::Sixteen,
            "256" => ColorDepth::TwoFiftySix,
            "truecolor" => ColorDepth::TrueColor,
            other => return Err(format!("主题 {} 的 depth 无效：{other}", f.name)),
        };
        let s = &f.styles;
        Ok(Theme {
            needs,
            text: s.text.style()?,
            ok: s.ok.style()?,
            warn: s.warn.style()?,
            danger: s.danger.style()?,
            muted: s.muted.style()?,
            selected: s.selected.style()?,
            title: s.title.style()?,
            title_focused: s.title_focused.style()?,
            header: s.header.style()?,
            bar: s.bar.style()?,
            key: s.key.style()?,
            name: f.name,
            label: f.label,
        })
    }

    pub fn text(&self) -> Style {
        self.text
    }
    pub fn ok(&self) -> Style {
        self.ok
    }
    pub fn warn(&self) -> Style {
        self.warn
    }
    pub fn danger(&self) -> Style {
        self.danger
    }
    pub fn muted(&self) -> Style {
        self.muted
    }
    pub fn selected(&self) -> Style {
        self.selected
    }
    pub fn title(&self, focused: bool) -> Style {
        if focused {
            self.title_focused
        } else {
            self.title
        }
    }
    pub fn header(&self) -> Style {
        self.header
    }
    pub fn bar(&self) -> Style {
        self.bar
    }
    /// A unit's compliance rate (per mille) by band, in the theme's meanings: at least 90% ok,
    /// at least 60% a warning, below that danger. Bars and rates on 总览 use it.
    pub fn rate(&self, permille: u32) -> Style {
        match permille {
            900.. => self.ok,
            600..=899 => self.warn,
            _ => self.danger,
        }
    }
    pub fn key(&self) -> Style {
        self.key
    }
}

/// The built-in themes a terminal of this depth can show, in switching order.
pub fn available(depth: ColorDepth) -> Vec<Theme> {
    SOURCES
        .iter()
        .filter_map(|src| Theme::parse(src).ok())
        .filter(|t| t.needs <= depth)
        .collect()
}

/// The index in `themes` of the theme to start with: `mono` on a monochrome terminal; the
/// 256-colour variant instead of `default` when the terminal allows it; else the named theme.
pub fn pick(themes: &[Theme], name: &str, depth: ColorDepth) -> usize {
    let position = |n: &str| themes.iter().position(|t| t.name == n);
    let wanted = match (name, depth) {
        (_, ColorDepth::Monochrome) => "mono",
        ("default", ColorDepth::TwoFiftySix | ColorDepth::TrueColor) => "rich",
        (n, _) => n,
    };
    position(wanted)
        .or_else(|| position("default"))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rate_bands_use_the_theme_meanings() {
        let themes = available(crate::tui::ColorDepth::Sixteen);
        let th = &themes[0];
        assert_eq!(th.rate(1000), th.ok());
        assert_eq!(th.rate(900), th.ok());
        assert_eq!(th.rate(899), th.warn());
        assert_eq!(th.rate(600), th.warn());
        assert_eq!(th.rate(599), th.danger());
        assert_eq!(th.rate(0), th.danger());
    }

    use super::*;

    #[test]
    fn every_built_in_theme_parses() {
        for src in SOURCES {
            let t = Theme::parse(src).unwrap_or_else(|e| panic!("{e}"));
            assert!(!t.label.is_empty());
        }
    }

    #[test]
    fn depth_limits_the_themes() {
        let names = |d| -> Vec<String> { available(d).into_iter().map(|t| t.name).collect() };
        assert_eq!(names(ColorDepth::Monochrome), vec!["mono"]);
        assert_eq!(
            names(ColorDepth::Sixteen),
            vec!["default", "high-contrast", "mono"]
        );
        assert!(names(ColorDepth::TwoFiftySix).contains(&"rich".to_string()));
    }

    #[test]
    fn pick_follows_depth() {
        let all = available(ColorDepth::TrueColor);
        assert_eq!(
            all[pick(&all, "default", ColorDepth::TrueColor)].name,
            "rich"
        );
        assert_eq!(
            all[pick(&all, "high-contrast", ColorDepth::TrueColor)].name,
            "high-contrast"
        );
        let mono = available(ColorDepth::Monochrome);
        assert_eq!(
            mono[pick(&mono, "default", ColorDepth::Monochrome)].name,
            "mono"
        );
        let sixteen = available(ColorDepth::Sixteen);
        assert_eq!(
            sixteen[pick(&sixteen, "rich", ColorDepth::Sixteen)].name,
            "default"
        );
    }

    #[test]
    fn bad_colour_is_an_error() {
        let src = SOURCES[0].replace("\"green\"", "\"chartreuse-ish\"");
        assert!(Theme::parse(&src).is_err());
    }
}
