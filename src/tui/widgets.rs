//! Small drawing helpers shared by the screens: bordered blocks (box or ASCII), yes/no marks that
//! never rely on colour alone, text bars and the sparkline's symbol set.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::symbols;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Table, TableState, Wrap};

use super::theme::Theme;

const ASCII_BORDER: symbols::border::Set = symbols::border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

pub const ASCII_BARS: symbols::bar::Set = symbols::bar::Set {
    full: "#",
    seven_eighths: "#",
    three_quarters: "=",
    five_eighths: "=",
    half: "-",
    three_eighths: "-",
    one_quarter: ".",
    one_eighth: ".",
    empty: " ",
};

/// How the screens draw: theme and border style.
#[derive(Debug, Clone, Copy)]
pub struct Look<'a> {
    pub theme: &'a Theme,
    pub ascii: bool,
}

impl Look<'_> {
    pub fn block<'b>(&self, title: &'b str, focused: bool) -> Block<'b> {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(self.theme.title(focused))
            .title(Span::styled(
                format!(" {title} "),
                self.theme.title(focused),
            ));
        if self.ascii {
            block.border_set(ASCII_BORDER)
        } else {
            block.border_type(BorderType::Plain)
        }
    }

    /// ✓/✗ (是/否 in ASCII mode), styled ok/danger: the word carries the meaning, colour only helps.
    pub fn yes_no(&self, yes: bool) -> Span<'static> {
        let text = match (self.ascii, yes) {
            (false, true) => "✓ 达标",
            (false, false) => "✗ 未达标",
            (true, true) => "是",
            (true, false) => "否",
        };
        Span::styled(
            text,
            if yes {
                self.theme.ok()
            } else {
                self.theme.danger()
            },
        )
    }

    /// A bar of `width` cells filled to `permille`/1000.
    /// A bar of `width` cells filled to `permille`, in the theme's bar colour.
    pub fn bar(&self, permille: u32, width: usize) -> Span<'static> {
        self.bar_styled(permille, width, self.theme.bar())
    }

    /// A unit's compliance bar, coloured by its rate band (`Theme::rate`).
    pub fn rate_bar(&self, permille: u32, width: usize) -> Span<'static> {
        self.bar_styled(permille, width, self.theme.rate(permille))
    }

    fn bar_styled(&self, permille: u32, width: usize, style: Style) -> Span<'static> {
        let filled = (permille.min(1000) as usize * width + 500) / 1000;
        let (full, empty) = if self.ascii {
            ("#", ".")
        } else {
            ("█", "░")
        };
        Span::styled(
            format!("{}{}", full.repeat(filled), empty.repeat(width - filled)),
            style,
        )
    }

    pub fn selected_symbol(&self) -> &'static str {
        if self.ascii { "> " } else { "▶ " }
    }

    /// Draws a list table with its `selected` row marked the house way (highlight style and
    /// symbol), so every list screen picks rows alike.
    pub fn pick_table(&self, f: &mut Frame, area: Rect, table: Table, selected: Option<usize>) {
        let table = table
            .row_highlight_style(self.theme.selected())
            .highlight_symbol(self.selected_symbol());
        let mut state = TableState::default().with_selected(selected);
        f.render_stateful_widget(table, area, &mut state);
    }

    /// "key label" pairs for the footer, as many whole pairs as fit in `width` cells (the help
    /// popup lists them all).
    pub fn hints(&self, pairs: &[(&'static str, &'static str)], width: u16) -> Line<'static> {
        let mut spans = Vec::new();
        let mut used = 0;
        for (key, label) in pairs {
            let key = Span::styled(format!(" {key}"), self.theme.key());
            let label = Span::styled(format!(" {label} "), self.theme.muted());
            used += key.width() + label.width();
            if used > usize::from(width) {
                break;
            }
            spans.push(key);
            spans.push(label);
        }
        Line::from(spans)
    }

    /// "正在加载…" in a block titled `title`, while a screen waits for its data.
    pub fn loading(&self, f: &mut Frame, area: Rect, title: &str) {
        f.render_widget(
            Paragraph::new(Span::styled("正在加载…", self.theme.muted()))
                .block(self.block(title, true)),
            area,
        );
    }

    pub fn text(&self) -> Style {
        self.theme.text()
    }
}

/// The last step of every frame: no cell may carry a character a terminal would obey. ratatui
/// already drops control characters from spans, so this is the second line of defence, for a
/// widget that writes cells directly or a bidirectional override (not a control to ratatui).
pub fn defuse(buf: &mut Buffer) {
    for cell in &mut buf.content {
        if cell.symbol().chars().any(crate::rules::text::is_forbidden) {
            cell.set_symbol("\u{FFFD}");
        }
    }
}

/// Also part of the last step: a wide character (Chinese) whose second cell a popup's border or
/// text has since covered is blanked. Left as is, the terminal would draw the whole character
/// over the border and shift the rest of the row ("花名本页面" under the help popup).
pub fn mend_wide(buf: &mut Buffer) {
    let area = buf.area;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right().saturating_sub(1) {
            let covered = {
                let next = buf[(x + 1, y)].symbol();
                Span::raw(buf[(x, y)].symbol()).width() > 1 && !matches!(next, "" | " ")
            };
            if covered {
                buf[(x, y)].set_symbol(" ");
            }
        }
    }
}

/// `text` followed by spaces up to `width` terminal cells (Chinese characters take two), so
/// columns line up whatever the script.
pub fn pad(text: &str, width: usize) -> String {
    let used = Span::raw(text).width();
    format!("{text}{}", " ".repeat(width.saturating_sub(used)))
}

/// `text` cut to `width` terminal cells, ending in "…" when it had to be cut, so a reader sees
/// that a name goes on (a table would cut it silently, often mid-name).
pub fn ellipsis(text: &str, width: u16) -> String {
    let width = usize::from(width);
    if Span::raw(text).width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = Span::raw(c.to_string()).width();
        // One cell stays for the ellipsis.
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// The cell widths a bordered `Table` with a selection symbol gives its columns in `area`: the
/// layout ratatui computes (Flex::Start, `spacing` between columns), so a screen can cut a cell
/// with `ellipsis` before the table would.
pub fn column_widths(area: Rect, widths: &[Constraint], spacing: u16, selection: &str) -> Vec<u16> {
    let inner = area.width.saturating_sub(2);
    let selection = u16::try_from(Span::raw(selection).width()).unwrap_or(0);
    let [_, columns] = Layout::horizontal([Constraint::Length(selection), Constraint::Fill(0)])
        .areas(Rect::new(0, 0, inner, 1));
    Layout::horizontal(widths.iter().copied())
        .flex(Flex::Start)
        .spacing(spacing)
        .split(columns)
        .iter()
        .map(|r| r.width)
        .collect()
}

/// A screen's body and the two status lines below it (prompt and outcome).
pub fn with_status(area: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Min(3), Constraint::Length(2)]).areas(area)
}

/// A rectangle of at most `w`×`h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// A y/n question in a popup over `rect`.
pub fn confirm(f: &mut Frame, rect: Rect, look: &Look, title: &str, question: &str, yes: &str) {
    let text = vec![
        Line::from(Span::styled(question.to_string(), look.theme.warn())),
        Line::from(vec![
            Span::styled("y", look.theme.key()),
            Span::styled(format!(" {yes}   "), look.theme.text()),
            Span::styled("n", look.theme.key()),
            Span::styled(" 取消", look.theme.text()),
        ]),
    ];
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(text)
            .centered()
            .wrap(Wrap { trim: true })
            .block(look.block(title, true)),
        rect,
    );
}

#[cfg(test)]
mod tests {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;

    #[test]
    fn no_cell_keeps_an_escape() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 4, 1));
        buf[(0, 0)].set_symbol("\u{1b}");
        buf[(1, 0)].set_symbol("\u{202e}");
        buf[(2, 0)].set_symbol("甲");
        super::defuse(&mut buf);
        let symbols: Vec<&str> = buf.content.iter().map(|c| c.symbol()).collect();
        assert_eq!(symbols, ["\u{FFFD}", "\u{FFFD}", "甲", " "]);
    }

    #[test]
    fn ellipsis_cuts_by_display_width() {
        use super::ellipsis;
        assert_eq!(ellipsis("市委组织部", 10), "市委组织部");
        assert_eq!(ellipsis("市委组织部干部一处", 10), "市委组织…");
        // A wide character that would straddle the edge goes whole.
        assert_eq!(ellipsis("市委组织部干部一处", 9), "市委组织…");
        assert_eq!(ellipsis("abcdef", 4), "abc…");
        assert_eq!(ellipsis("abc", 0), "");
    }
}
