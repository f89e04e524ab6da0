//! The interface's frame: header (with when the shown data was read), the tab list, footer of key
//! hints, help and quit popups, the filter line and the "window too small" page. Routes keys
//! through the shown screen's key table, answers to the tab that asked (`tab_of`), changes to
//! the screens that show them, and carries out the screens' `Note`s. Screens are `screen::Screen`s.

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use tui_input::Input;

use super::data::Answer;
use super::input::{edit_request, is_ctrl, paste_into};
use super::keys::{self, Action, Binding};
use super::prompt::{Reply, reply};
use super::screen::{Cx, Note, Screen, tabs};
use super::screens::accounts::Accounts;
use super::screens::catalog::Catalog;
use super::screens::classes::Classes;
use super::screens::dashboard::Dashboard;
use super::screens::notices::Notices;
use super::screens::password::PasswordForm;
use super::screens::roster::Roster;
use super::screens::settings::Settings;
use super::screens::submissions::Submissions;
use super::screens::units::Units;
use super::theme::{self, Theme};
use super::widgets::{Look, centered, confirm, pad};
use super::{DataMsg, Effect, Event, KeyCode, KeyEvent, SessionContext};
use crate::app::changes::Topic;

pub const MIN_WIDTH: u16 = 80;
/// The longest filter line, typed or pasted (a search word longer than this matches nothing).
const FILTER_MAX_CHARS: usize = 100;
pub const MIN_HEIGHT: u16 = 24;

// The tab list: adding a tab is a screen module and one line here (plus its data variants and
// their `tab_of` arm when it reads new data).
tabs! {
    Dashboard dashboard: "总览" => Dashboard,
    Roster roster: "花名册" => Roster,
    Catalog catalog: "课程" => Catalog,
    Submissions submissions: "名单" => Submissions,
    Accounts accounts: "账号" => Accounts,
    Units units: "单位" => Units,
    Settings settings: "设置" => Settings,
    Classes classes: "培训班" => Classes,
    Notices notices: "通知" => Notices,
}

/// The tab an answer belongs to (None: the password form's). Exhaustive, so a new kind of
/// answer does not compile until it names its tab.
fn tab_of(msg: &DataMsg) -> Option<Tab> {
    Some(match msg {
        DataMsg::Dashboard { .. } => Tab::Dashboard,
        DataMsg::Roster { .. } | DataMsg::Cadre { .. } => Tab::Roster,
        DataMsg::Catalog { .. } | DataMsg::CourseDone { .. } | DataMsg::CourseFacts { .. } => {
            Tab::Catalog
        }
        DataMsg::Submissions { .. }
        | DataMsg::Submission { .. }
        | DataMsg::SubmissionDone { .. } => Tab::Submissions,
        DataMsg::Accounts { .. }
        | DataMsg::Account { .. }
        | DataMsg::AccountDone { .. }
        | DataMsg::MoveTarget { .. }
        | DataMsg::Population { .. }
        | DataMsg::ExemptionDone { .. } => Tab::Accounts,
        DataMsg::Units { .. } | DataMsg::UnitDone { .. } => Tab::Units,
        DataMsg::Year { .. } | DataMsg::YearDone { .. } => Tab::Settings,
        DataMsg::Classes { .. }
        | DataMsg::Class { .. }
        | DataMsg::Board { .. }
        | DataMsg::ClassCadre { .. }
        | DataMsg::ClassCatalog { .. }
        | DataMsg::ClassPeople { .. }
        | DataMsg::ClassUnit { .. }
        | DataMsg::ClassDone { .. }
        | DataMsg::ClassPreview { .. } => Tab::Classes,
        DataMsg::Notices { .. }
        | DataMsg::NoticeOpened { .. }
        | DataMsg::NoticeReceipts { .. }
        | DataMsg::NoticeDone { .. } => Tab::Notices,
        DataMsg::PasswordChanged { .. } => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Popup {
    Help,
    ConfirmQuit,
}

pub struct App {
    ctx: SessionContext,
    cx: Cx,
    width: u16,
    height: u16,
    themes: Vec<Theme>,
    theme: usize,
    ascii: bool,
    tab: Tab,
    screens: Screens,
    /// When each tab's shown data was read (unix seconds), stamped where the answer was made.
    read_at: HashMap<Tab, i64>,
    /// The initial password must be changed first: nothing else is shown or loaded until it is.
    password: Option<PasswordForm>,
    popup: Option<Popup>,
    /// The first line of the help popup shown (it scrolls when taller than the screen).
    help_top: u16,
    /// The filter line being edited for the current screen.
    filter: Option<Input>,
    /// Why the last key's action was refused (the signed-in role may not take it), shown in
    /// the footer until the next key.
    refused: Option<String>,
    started: bool,
}

impl App {
    pub fn new(ctx: SessionContext) -> App {
        let themes = theme::available(ctx.color_depth);
        let theme = theme::pick(&themes, &ctx.theme, ctx.color_depth);
        let cx = Cx::new(ctx.actor.clone(), ctx.year, ctx.height, ctx.ssh_command());
        App {
            width: ctx.width,
            height: ctx.height,
            ascii: ctx.ascii_borders,
            themes,
            theme,
            tab: Tab::Dashboard,
            screens: Screens::new(&cx),
            cx,
            read_at: HashMap::new(),
            password: ctx.must_change.then(PasswordForm::new),
            popup: None,
            help_top: 0,
            filter: None,
            refused: None,
            started: false,
            ctx,
        }
    }

    /// The first loads. `handle` calls it on the first event if the session did not.
    pub fn start(&mut self) -> Vec<Effect> {
        if self.started || self.password.is_some() {
            return Vec::new();
        }
        self.started = true;
        let mut out = Vec::new();
        for &tab in Tab::ALL {
            out.extend(self.screens.get_mut(tab).reload(&self.cx));
        }
        out
    }

    /// The password-change form is on screen.
    pub fn changing_password(&self) -> bool {
        self.password.is_some()
    }

    pub fn tab(&self) -> Tab {
        self.tab
    }

    pub fn popup(&self) -> Option<Popup> {
        self.popup
    }

    pub fn theme_name(&self) -> &str {
        self.current_theme().name.as_str()
    }

    pub fn ascii_borders(&self) -> bool {
        self.ascii
    }

    pub fn year(&self) -> i32 {
        self.cx.year
    }

    pub fn roster(&self) -> &Roster {
        &self.screens.roster
    }

    pub fn dashboard(&self) -> &Dashboard {
        &self.screens.dashboard
    }

    /// Work under way that redraws: the session sends `Event::Tick` meanwhile.
    pub fn busy(&self) -> bool {
        Tab::ALL.iter().any(|&t| self.screens.get(t).busy())
    }

    /// The username of the cadre open in the roster, if any.
    pub fn open_cadre(&self) -> Option<&str> {
        self.screens.roster.open_cadre()
    }

    pub fn handle(&mut self, ev: Event) -> Vec<Effect> {
        let mut out = self.start();
        out.extend(match ev {
            Event::Key(k) => self.key(k),
            Event::Paste(text) => self.paste(&text),
            Event::Resize(w, h) => {
                self.width = w;
                self.height = h;
                self.cx.height = h;
                let mut out = Vec::new();
                for &tab in Tab::ALL {
                    out.extend(self.screens.get_mut(tab).resized(&self.cx));
                }
                out
            }
            Event::Data(answer) => self.data(answer),
            Event::Changed(topic) => self.changed(topic),
            Event::Tick => Vec::new(),
        });
        out
    }

    /// Another staff member changed data of `topic`: the screen shown reloads if it shows such
    /// data; hidden screens reload when they gain focus (every tab switch reloads).
    fn changed(&mut self, topic: Topic) -> Vec<Effect> {
        if self.password.is_some() || !self.started {
            return Vec::new();
        }
        let screen = self.screens.get_mut(self.tab);
        if screen.topics().contains(&topic) {
            screen.reload(&self.cx)
        } else {
            Vec::new()
        }
    }

    fn data(&mut self, answer: Answer) -> Vec<Effect> {
        let Answer { msg, read_at } = answer;
        if let Some(form) = self.password.as_mut() {
            return match form.on_data(&msg) {
                Some(true) => {
                    self.password = None;
                    self.start()
                }
                _ => Vec::new(),
            };
        }
        let Some(tab) = tab_of(&msg) else {
            return Vec::new();
        };
        self.read_at.insert(tab, read_at);
        let out = self.screens.get_mut(tab).on_data(&msg, &mut self.cx);
        self.settle(out)
    }

    /// Carries out the notes screens left, adding the effects they call for to `out`.
    fn settle(&mut self, mut out: Vec<Effect>) -> Vec<Effect> {
        loop {
            let notes = self.cx.take_notes();
            if notes.is_empty() {
                return out;
            }
            for note in notes {
                match note {
                    Note::Year(year) => {
                        self.cx.year = year.clamp(2000, 2100);
                        for &tab in Tab::ALL {
                            out.extend(self.screens.get_mut(tab).year_changed(&self.cx));
                        }
                    }
                    Note::ScopeUnits(units) => self.cx.scope_units = units,
                    Note::ShowUnit(focus) => {
                        self.tab = Tab::Roster;
                        out.extend(self.screens.roster.show_unit(focus, &self.cx));
                    }
                }
            }
        }
    }

    fn too_small(&self) -> bool {
        self.width < MIN_WIDTH || self.height < MIN_HEIGHT
    }

    fn key(&mut self, k: KeyEvent) -> Vec<Effect> {
        if is_ctrl(&k, 'c') {
            self.popup = Some(Popup::ConfirmQuit);
            return Vec::new();
        }
        match self.popup {
            Some(Popup::ConfirmQuit) => {
                return match reply(&k) {
                    Reply::Yes => vec![Effect::Quit],
                    Reply::No => {
                        self.popup = None;
                        Vec::new()
                    }
                    Reply::Neither => Vec::new(),
                };
            }
            Some(Popup::Help) => {
                match k.code {
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('?' | 'q') => self.popup = None,
                    KeyCode::Down | KeyCode::Char('j') => {
                        self.help_top = self.help_top.saturating_add(1)
                    }
                    KeyCode::Up | KeyCode::Char('k') => {
                        self.help_top = self.help_top.saturating_sub(1)
                    }
                    KeyCode::PageDown | KeyCode::Char(' ') => {
                        self.help_top = self.help_top.saturating_add(10)
                    }
                    KeyCode::PageUp => self.help_top = self.help_top.saturating_sub(10),
                    _ => {}
                }
                return Vec::new();
            }
            None => {}
        }
        if let Some(form) = self.password.as_mut() {
            return form.key(k);
        }
        if self.filter.is_some() {
            return self.filter_key(k);
        }
        let screen = self.screens.get_mut(self.tab);
        if screen.editing() {
            let out = screen.input_key(k, &self.cx);
            return self.settle(out);
        }
        if self.too_small() {
            if k.code == KeyCode::Char('q') {
                self.popup = Some(Popup::ConfirmQuit);
            }
            return Vec::new();
        }
        self.refused = None;
        if let Some(action) = keys::lookup(self.table(), &k) {
            // Refused at once, before any question: the app decides, the same way the action does.
            if let Some(why) = self.refusal(action) {
                self.refused = Some(why);
                return Vec::new();
            }
            return self.screen_action(action);
        }
        match keys::lookup(keys::GLOBAL, &k) {
            Some(a) => self.global_action(a),
            None => Vec::new(),
        }
    }

    /// The key table of what is on screen.
    pub fn table(&self) -> &'static [Binding] {
        self.screens.get(self.tab).keys()
    }

    /// Why the signed-in actor may not take `action` on the screen shown (None: it may).
    pub fn refusal(&self, action: Action) -> Option<String> {
        self.screens.get(self.tab).refusal(action, &self.cx)
    }

    /// The bindings of the screen shown that the signed-in actor may use.
    fn allowed(&self) -> impl Iterator<Item = &'static Binding> + '_ {
        self.table()
            .iter()
            .filter(|b| self.refusal(b.action).is_none())
    }

    /// The global bindings not taken over by the screen shown (on 名单 and 账号, `r` is the
    /// screen's, F5 still reloads).
    fn globals(&self) -> impl Iterator<Item = &'static Binding> + '_ {
        let table = self.table();
        keys::GLOBAL.iter().filter(move |g| {
            !g.keys.iter().all(|k| {
                let ev = match k {
                    keys::Key::Char(c) => KeyEvent::new(KeyCode::Char(*c)),
                    keys::Key::Code(code) => KeyEvent::new(*code),
                };
                keys::lookup(table, &ev).is_some()
            })
        })
    }

    /// Shows another tab, reloaded: a screen shows what is true when it gains focus.
    fn switch_to(&mut self, tab: Tab) -> Vec<Effect> {
        self.tab = tab;
        self.screens.get_mut(tab).reload(&self.cx)
    }

    fn global_action(&mut self, a: Action) -> Vec<Effect> {
        match a {
            Action::NextTab | Action::PrevTab => {
                let i = Tab::ALL.iter().position(|t| *t == self.tab).unwrap_or(0);
                let n = Tab::ALL.len();
                let next = if a == Action::NextTab {
                    i + 1
                } else {
                    i + n - 1
                };
                self.switch_to(Tab::ALL[next % n])
            }
            Action::Reload => self.screens.get_mut(self.tab).reload(&self.cx),
            Action::Theme => {
                self.theme = (self.theme + 1) % self.themes.len().max(1);
                self.save_prefs()
            }
            Action::Borders => {
                self.ascii = !self.ascii;
                self.save_prefs()
            }
            Action::Help => {
                self.popup = Some(Popup::Help);
                self.help_top = 0;
                Vec::new()
            }
            Action::Quit => {
                self.popup = Some(Popup::ConfirmQuit);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn save_prefs(&self) -> Vec<Effect> {
        vec![Effect::SavePrefs {
            theme: self.theme_name().to_string(),
            ascii_borders: self.ascii,
        }]
    }

    fn screen_action(&mut self, a: Action) -> Vec<Effect> {
        let screen = self.screens.get_mut(self.tab);
        if a == Action::Filter
            && let Some(current) = screen.filter()
        {
            self.filter = Some(Input::new(current.to_string()));
            return Vec::new();
        }
        let out = screen.on_action(a, &mut self.cx);
        self.settle(out)
    }

    fn filter_key(&mut self, k: KeyEvent) -> Vec<Effect> {
        let Some(input) = self.filter.as_mut() else {
            return Vec::new();
        };
        let request = match k.code {
            KeyCode::Enter => {
                self.filter = None;
                return Vec::new();
            }
            KeyCode::Esc => {
                self.filter = None;
                return self.apply_filter(String::new());
            }
            _ => match edit_request(&k) {
                Some(r) => r,
                None => return Vec::new(),
            },
        };
        let full = input.value().chars().count() >= FILTER_MAX_CHARS;
        if !(full && matches!(request, tui_input::InputRequest::InsertChar(_))) {
            input.handle(request);
        }
        let text = input.value().to_string();
        self.apply_filter(text)
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        if let Some(form) = self.password.as_mut() {
            form.paste(text);
            return Vec::new();
        }
        let screen = self.screens.get_mut(self.tab);
        if screen.editing() {
            return screen.paste(text);
        }
        let Some(input) = self.filter.as_mut() else {
            return Vec::new();
        };
        let room = FILTER_MAX_CHARS.saturating_sub(input.value().chars().count());
        paste_into(input, text, room);
        let text = input.value().to_string();
        self.apply_filter(text)
    }

    fn apply_filter(&mut self, text: String) -> Vec<Effect> {
        self.screens.get_mut(self.tab).set_filter(&text, &self.cx)
    }

    fn current_theme(&self) -> &Theme {
        // `available` always yields at least the mono theme; fall back to the first otherwise.
        &self.themes[self.theme.min(self.themes.len().saturating_sub(1))]
    }

    fn look(&self) -> Look<'_> {
        Look {
            theme: self.current_theme(),
            ascii: self.ascii,
        }
    }

    /// Where the terminal cursor belongs: in the filter line while it is edited.
    pub fn cursor(&self) -> Option<(u16, u16)> {
        let input = self.filter.as_ref()?;
        if self.too_small() || self.popup.is_some() {
            return None;
        }
        let prefix = Span::raw(FILTER_PREFIX).width();
        let x = prefix + input.visual_cursor();
        Some((
            u16::try_from(x)
                .unwrap_or(u16::MAX)
                .min(self.width.saturating_sub(1)),
            self.height.saturating_sub(1),
        ))
    }

    pub fn draw(&self, f: &mut Frame) {
        let area = f.area();
        let look = self.look();
        f.render_widget(Clear, area);
        f.render_widget(Paragraph::new("").style(look.text()), area);
        if self.too_small() {
            self.draw_too_small(f, area, &look);
        } else if let Some(form) = &self.password {
            let [header, body] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
            self.draw_header(f, header, &look);
            form.draw(f, body, &look);
        } else {
            let [header, tabs, body, footer] = Layout::vertical([
                Constraint::Length(1),
                Constraint::Length(1),
                Constraint::Min(1),
                Constraint::Length(1),
            ])
            .areas(area);
            self.draw_header(f, header, &look);
            self.draw_tabs(f, tabs, &look);
            self.screens.get(self.tab).draw(f, body, &look);
            self.draw_footer(f, footer, &look);
            if self.popup == Some(Popup::Help) {
                self.draw_help(f, area, &look);
            }
        }
        if self.popup == Some(Popup::ConfirmQuit) {
            confirm(
                f,
                centered(area, 30, 5),
                &look,
                "退出",
                "确定退出？",
                "退出",
            );
        }
        super::widgets::mend_wide(f.buffer_mut());
        super::widgets::defuse(f.buffer_mut());
    }

    fn draw_too_small(&self, f: &mut Frame, area: Rect, look: &Look) {
        let text = vec![
            Line::from(Span::styled("终端窗口太小", look.theme.warn())),
            Line::from(Span::styled(
                format!(
                    "当前 {}×{}，至少需要 {MIN_WIDTH}×{MIN_HEIGHT}",
                    self.width, self.height
                ),
                look.theme.text(),
            )),
            Line::from(Span::styled("请放大窗口，或按 q 退出", look.theme.muted())),
        ];
        let rect = centered(area, area.width, 3);
        f.render_widget(
            Paragraph::new(text).centered().wrap(Wrap { trim: true }),
            rect,
        );
    }

    fn draw_header(&self, f: &mut Frame, area: Rect, look: &Look) {
        let actor = &self.ctx.actor;
        let (role, scope) = match actor.roles.first() {
            Some(r) => (r.kind.label(), r.unit_name.as_str()),
            None => ("本机控制台", "全市"),
        };
        let who = format!(
            "{}（{}） · {} · {} · {} 年度",
            self.ctx.real_name, actor.username, role, scope, self.cx.year
        );
        // When the data shown was read, as the answer said (not the clock at drawing time),
        // at the right end; a narrow terminal drops the "网院" prefix to make room.
        let read = match self.read_at.get(&self.tab) {
            Some(at) if self.password.is_none() => format!("读取 {} ", time_cst(*at)),
            _ => String::new(),
        };
        let read_width = u16::try_from(Span::raw(read.as_str()).width()).unwrap_or(u16::MAX);
        let mut text = format!(" 网院 · {who}");
        let room = usize::from(area.width.saturating_sub(read_width));
        if Span::raw(text.as_str()).width() >= room {
            text = format!(" {who}");
        }
        f.render_widget(Paragraph::new(text).style(look.theme.header()), area);
        if !read.is_empty() {
            let right = Rect {
                x: area.x + area.width.saturating_sub(read_width),
                width: read_width.min(area.width),
                ..area
            };
            f.render_widget(Paragraph::new(read).style(look.theme.header()), right);
        }
    }

    fn draw_tabs(&self, f: &mut Frame, area: Rect, look: &Look) {
        let mut spans = vec![Span::raw(" ")];
        for &tab in Tab::ALL {
            let label = tab.label();
            // The brackets mark the current tab without relying on colour.
            if tab == self.tab {
                spans.push(Span::styled(format!("[{label}]"), look.theme.title(true)));
            } else {
                spans.push(Span::styled(format!(" {label} "), look.theme.muted()));
            }
            spans.push(Span::raw(" "));
        }
        // The theme note comes after the tabs and only where it fits whole: on a narrow terminal
        // the tabs keep the row.
        let mut note = format!("  主题：{}", self.current_theme().label);
        if self.ascii {
            note.push_str(" · ASCII 边框");
        }
        let used: usize = spans.iter().map(Span::width).sum();
        if used + Span::raw(note.as_str()).width() <= usize::from(area.width) {
            spans.push(Span::styled(note, look.theme.muted()));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn draw_footer(&self, f: &mut Frame, area: Rect, look: &Look) {
        if let Some(input) = &self.filter {
            let line = Line::from(vec![
                Span::styled(FILTER_PREFIX, look.theme.key()),
                Span::styled(input.value().to_string(), look.theme.text()),
                Span::styled("   Enter 确定  Esc 清除", look.theme.muted()),
            ]);
            f.render_widget(Paragraph::new(line), area);
            return;
        }
        if let Some(why) = &self.refused {
            let line = Line::from(Span::styled(why.clone(), look.theme.danger()));
            f.render_widget(Paragraph::new(line), area);
            return;
        }
        // Help and quit first, so they stay when a narrow footer drops the last hints.
        let first = |b: &&Binding| matches!(b.action, Action::Help | Action::Quit);
        let pairs: Vec<(&str, &str)> = keys::GLOBAL
            .iter()
            .filter(first)
            .chain(self.allowed())
            .chain(self.globals().filter(|b| !first(b)))
            .filter(|b| b.footer)
            .map(|b| (b.shown(self.ascii), b.help))
            .collect();
        f.render_widget(Paragraph::new(look.hints(&pairs, area.width)), area);
    }

    fn draw_help(&self, f: &mut Frame, area: Rect, look: &Look) {
        let mut lines = Vec::new();
        let section = |title: &'static str| Line::from(Span::styled(title, look.theme.title(true)));
        let entry = |b: &Binding| {
            Line::from(vec![
                Span::styled(
                    format!("  {}", pad(b.shown(self.ascii), 12)),
                    look.theme.key(),
                ),
                Span::styled(b.help, look.theme.text()),
            ])
        };
        lines.push(section("本页面"));
        lines.extend(self.allowed().map(entry));
        lines.push(section("所有页面"));
        lines.extend(self.globals().map(entry));
        lines.push(Line::from(vec![
            Span::styled(format!("  {}", pad("Ctrl-C", 12)), look.theme.key()),
            Span::styled("退出（需确认）", look.theme.text()),
        ]));
        // Taller than the screen: it scrolls with j/k, and the title says so.
        let full = u16::try_from(lines.len()).unwrap_or(u16::MAX);
        let room = area.height.saturating_sub(2).max(1);
        let top = self.help_top.min(full.saturating_sub(room));
        let title = if full > room {
            format!(
                "帮助 {}-{}/{}（j/k 滚动，Esc 关闭）",
                top + 1,
                (top + room).min(full),
                full
            )
        } else {
            "帮助（Esc 关闭）".to_string()
        };
        let rect = centered(area, 56, full.min(room) + 2);
        f.render_widget(Clear, rect);
        f.render_widget(
            Paragraph::new(lines)
                .scroll((top, 0))
                .block(look.block(&title, true)),
            rect,
        );
    }
}

const FILTER_PREFIX: &str = "筛选：";

use crate::rules::calendar::time_cst;
