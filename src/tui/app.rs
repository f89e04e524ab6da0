//! The interface's frame: header, tabs, footer of key hints, help and quit popups, the filter
//! line and the "window too small" page; routes keys through the key tables to the screens.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use tui_input::Input;

use super::input::{edit_request, is_ctrl, paste_into};
use super::keys::{self, Action, Binding};
use super::prompt::{Reply, reply};
use super::screens::accounts::Accounts;
use super::screens::cadre::Cadre;
use super::screens::catalog::Catalog;
use super::screens::dashboard::Dashboard;
use super::screens::password::PasswordForm;
use super::screens::roster::{self, Roster};
use super::screens::submissions::Submissions;
use super::theme::{self, Theme};
use super::widgets::{Look, centered, confirm, pad};
use super::{DataMsg, Effect, Event, KeyCode, KeyEvent, Request, SessionContext};

pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Dashboard,
    Roster,
    Catalog,
    Submissions,
    Accounts,
}

const TABS: [(Tab, &str); 5] = [
    (Tab::Dashboard, "总览"),
    (Tab::Roster, "花名册"),
    (Tab::Catalog, "课程"),
    (Tab::Submissions, "名单"),
    (Tab::Accounts, "账号"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Popup {
    Help,
    ConfirmQuit,
}

pub struct App {
    ctx: SessionContext,
    width: u16,
    height: u16,
    year: i32,
    themes: Vec<Theme>,
    theme: usize,
    ascii: bool,
    tab: Tab,
    dashboard: Dashboard,
    roster: Roster,
    cadre: Option<Cadre>,
    catalog: Catalog,
    submissions: Submissions,
    accounts: Accounts,
    /// The initial password must be changed first: nothing else is shown or loaded until it is.
    password: Option<PasswordForm>,
    popup: Option<Popup>,
    /// The filter line being edited for the current screen.
    filter: Option<Input>,
    /// Why the last key's action was refused (the signed-in role may not take it), shown in
    /// the footer until the next key.
    refused: Option<String>,
    /// Child units of the actor's own scope, for the roster's unit filter.
    scope_units: Vec<(String, String)>,
    started: bool,
}

impl App {
    pub fn new(ctx: SessionContext) -> App {
        let themes = theme::available(ctx.color_depth);
        let theme = theme::pick(&themes, &ctx.theme, ctx.color_depth);
        App {
            width: ctx.width,
            height: ctx.height,
            year: ctx.year,
            ascii: ctx.ascii_borders,
            themes,
            theme,
            tab: Tab::Dashboard,
            dashboard: Dashboard::new(),
            roster: Roster::new(ctx.year),
            cadre: None,
            catalog: Catalog::default(),
            submissions: Submissions::new(ctx.actor.clone(), ctx.ssh_command()),
            accounts: Accounts::new(
                crate::app::accounts::may_change_roles(&ctx.actor)
                    .err()
                    .map(|e| e.to_string()),
                crate::app::population::may_review(&ctx.actor)
                    .err()
                    .map(|e| e.to_string()),
                ctx.year,
            ),
            password: ctx.must_change.then(PasswordForm::new),
            popup: None,
            filter: None,
            refused: None,
            scope_units: Vec::new(),
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
        let mut out = self.dashboard.load(self.year);
        out.extend(self.roster.fetch(self.height));
        out.extend(self.catalog.load());
        out.extend(self.submissions.load());
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
        self.year
    }

    pub fn roster(&self) -> &Roster {
        &self.roster
    }

    pub fn dashboard(&self) -> &Dashboard {
        &self.dashboard
    }

    /// Accounts are being issued: the session sends `Event::Tick` so the progress redraws.
    pub fn busy(&self) -> bool {
        self.submissions.busy()
    }

    /// The username of the cadre open in the roster, if any.
    pub fn open_cadre(&self) -> Option<&str> {
        self.cadre.as_ref().map(|c| c.username.as_str())
    }

    pub fn handle(&mut self, ev: Event) -> Vec<Effect> {
        let mut out = self.start();
        out.extend(match ev {
            Event::Key(k) => self.key(k),
            Event::Paste(text) => self.paste(&text),
            Event::Resize(w, h) => {
                self.width = w;
                self.height = h;
                self.roster.scroll(h);
                self.roster.fetch(h)
            }
            Event::Data(msg) => self.data(msg),
            Event::Changed(topic) => self.changed(topic),
            Event::Tick => Vec::new(),
        });
        out
    }

    /// Another write changed `topic`: the visible screen reloads when it shows data of it.
    /// (A stopgap until the screens name their own topics, issue 12 point 3.)
    fn changed(&mut self, topic: crate::app::changes::Topic) -> Vec<Effect> {
        use crate::app::changes::Topic as T;
        if !self.started || self.password.is_some() {
            return Vec::new();
        }
        match (self.tab, topic) {
            (Tab::Dashboard, T::Ledger | T::Accounts | T::Population | T::Units | T::Settings) => {
                self.dashboard.load(self.year)
            }
            (Tab::Accounts, T::Accounts | T::Population) => self.accounts.reload(),
            (Tab::Submissions, T::Rosters) => self.submissions.load(),
            (Tab::Catalog, T::Catalog) => self.catalog.load(),
            _ => Vec::new(),
        }
    }

    fn data(&mut self, msg: DataMsg) -> Vec<Effect> {
        if let Some(form) = self.password.as_mut() {
            return match form.on_data(&msg) {
                Some(true) => {
                    self.password = None;
                    self.start()
                }
                _ => Vec::new(),
            };
        }
        // Each answer goes to the one screen that asked for it; a new kind of answer does not
        // compile until it is routed here.
        match &msg {
            DataMsg::Dashboard { .. } => {
                if self.dashboard.on_data(&msg, self.year) && self.dashboard.depth() == 1 {
                    self.scope_units = self.dashboard.child_units();
                }
                Vec::new()
            }
            DataMsg::Roster { .. } => {
                if self.roster.on_data(&msg) {
                    return self.roster.fetch(self.height);
                }
                Vec::new()
            }
            DataMsg::Cadre { .. } => {
                if let Some(c) = self.cadre.as_mut() {
                    c.on_data(&msg);
                }
                Vec::new()
            }
            DataMsg::Catalog { .. } => {
                self.catalog.on_data(&msg);
                Vec::new()
            }
            DataMsg::Submissions { .. }
            | DataMsg::Submission { .. }
            | DataMsg::SubmissionDone { .. } => self.submissions.on_data(&msg).unwrap_or_default(),
            DataMsg::Accounts { .. }
            | DataMsg::Account { .. }
            | DataMsg::AccountDone { .. }
            | DataMsg::Population { .. }
            | DataMsg::ExemptionDone { .. } => self.accounts.on_data(&msg).unwrap_or_default(),
            // Only the password form asks for this, and it takes it above while it is shown.
            DataMsg::PasswordChanged { .. } => Vec::new(),
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
                if matches!(
                    k.code,
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('?' | 'q')
                ) {
                    self.popup = None;
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
        if self.tab == Tab::Submissions && self.submissions.editing() {
            return self.submissions.input_key(k);
        }
        if self.tab == Tab::Accounts && self.accounts.editing() {
            return self.accounts.input_key(k);
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
        match self.tab {
            Tab::Dashboard => keys::DASHBOARD,
            Tab::Roster if self.cadre.is_some() => keys::CADRE,
            Tab::Roster => keys::ROSTER,
            Tab::Catalog if self.catalog.detail => keys::COURSE,
            Tab::Catalog => keys::CATALOG,
            Tab::Submissions if self.submissions.is_open() => keys::SUBMISSION,
            Tab::Submissions => keys::SUBMISSIONS,
            Tab::Accounts if self.accounts.population_open() => keys::POPULATION,
            Tab::Accounts if self.accounts.is_open() => keys::ACCOUNT,
            Tab::Accounts => keys::ACCOUNTS,
        }
    }

    /// Why the signed-in actor may not take `action` on the screen shown (None: it may).
    pub fn refusal(&self, action: Action) -> Option<String> {
        match self.tab {
            Tab::Submissions => self.submissions.refusal(action),
            Tab::Accounts => self.accounts.refusal(action),
            Tab::Dashboard | Tab::Roster | Tab::Catalog => None,
        }
    }

    /// The bindings of the screen shown that the signed-in actor may use.
    fn allowed(&self) -> impl Iterator<Item = &'static Binding> + '_ {
        self.table()
            .iter()
            .filter(|b| self.refusal(b.action).is_none())
    }

    fn global_action(&mut self, a: Action) -> Vec<Effect> {
        match a {
            Action::NextTab | Action::PrevTab => {
                let i = TABS.iter().position(|t| t.0 == self.tab).unwrap_or(0);
                let n = TABS.len();
                let next = if a == Action::NextTab {
                    i + 1
                } else {
                    i + n - 1
                };
                self.tab = TABS[next % n].0;
                Vec::new()
            }
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
        match a {
            Action::YearPrev | Action::YearNext => {
                self.year += if a == Action::YearNext { 1 } else { -1 };
                self.year = self.year.clamp(2000, 2100);
                let mut out = self.dashboard.load(self.year);
                out.extend(self.roster.set_year(self.year, self.height));
                return out;
            }
            Action::Filter => {
                let current = match self.tab {
                    Tab::Dashboard => self.dashboard.filter(),
                    Tab::Roster => self.roster.filter(),
                    Tab::Catalog => self.catalog.filter(),
                    Tab::Submissions => "",
                    Tab::Accounts => self.accounts.query(),
                };
                self.filter = Some(Input::new(current.to_string()));
                return Vec::new();
            }
            _ => {}
        }
        let page = usize::from(roster::visible_rows(self.height));
        match self.tab {
            Tab::Dashboard if a == Action::UnitRoster => {
                let Some((code, name, own)) = self.dashboard.selected_unit() else {
                    return Vec::new();
                };
                self.tab = Tab::Roster;
                self.cadre = None;
                self.roster.show_unit(code, name, own, self.height)
            }
            Tab::Dashboard => self.dashboard.on_action(a, self.year),
            Tab::Roster => match self.cadre.as_mut() {
                Some(_) if a == Action::Back => {
                    self.cadre = None;
                    Vec::new()
                }
                Some(c) => {
                    c.on_action(a);
                    Vec::new()
                }
                None if a == Action::Open => {
                    let Some(row) = self.roster.selected_row() else {
                        return Vec::new();
                    };
                    let username = row.username.clone();
                    self.cadre = Some(Cadre::new(&username));
                    vec![Effect::Load(Request::Cadre {
                        username,
                        year: self.year,
                    })]
                }
                None => self.roster.on_action(a, self.height, &self.scope_units),
            },
            Tab::Catalog => self.catalog.on_action(a, page),
            Tab::Submissions => self.submissions.on_action(a, page),
            Tab::Accounts => self.accounts.on_action(a, page),
        }
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
        input.handle(request);
        let text = input.value().to_string();
        self.apply_filter(text)
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        if let Some(form) = self.password.as_mut() {
            form.paste(text);
            return Vec::new();
        }
        if self.tab == Tab::Submissions && self.submissions.editing() {
            self.submissions.paste(text);
            return Vec::new();
        }
        if self.tab == Tab::Accounts && self.accounts.editing() {
            self.accounts.paste(text);
            return Vec::new();
        }
        let Some(input) = self.filter.as_mut() else {
            return Vec::new();
        };
        paste_into(input, text, 100);
        let text = input.value().to_string();
        self.apply_filter(text)
    }

    fn apply_filter(&mut self, text: String) -> Vec<Effect> {
        match self.tab {
            Tab::Dashboard => {
                self.dashboard.set_filter(&text);
                Vec::new()
            }
            Tab::Roster => self.roster.set_filter(&text, self.height),
            Tab::Catalog => self.catalog.set_filter(&text),
            Tab::Submissions => Vec::new(),
            Tab::Accounts => self.accounts.set_query(&text),
        }
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
            match self.tab {
                Tab::Dashboard => self.dashboard.draw(f, body, &look),
                Tab::Roster => match &self.cadre {
                    Some(c) => c.draw(f, body, &look),
                    None => self.roster.draw(f, body, &look),
                },
                Tab::Catalog => self.catalog.draw(f, body, &look),
                Tab::Submissions => self.submissions.draw(f, body, &look),
                Tab::Accounts => self.accounts.draw(f, body, &look),
            }
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
        let text = format!(
            " 网院 · {}（{}） · {} · {} · {} 年度",
            self.ctx.real_name, actor.username, role, scope, self.year
        );
        f.render_widget(Paragraph::new(text).style(look.theme.header()), area);
    }

    fn draw_tabs(&self, f: &mut Frame, area: Rect, look: &Look) {
        let mut spans = vec![Span::raw(" ")];
        for (tab, label) in TABS {
            // The brackets mark the current tab without relying on colour.
            if tab == self.tab {
                spans.push(Span::styled(format!("[{label}]"), look.theme.title(true)));
            } else {
                spans.push(Span::styled(format!(" {label} "), look.theme.muted()));
            }
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(
            format!("  主题：{}", self.current_theme().label),
            look.theme.muted(),
        ));
        if self.ascii {
            spans.push(Span::styled(" · ASCII 边框", look.theme.muted()));
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
            .chain(keys::GLOBAL.iter().filter(|b| !first(b)))
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
        lines.extend(keys::GLOBAL.iter().map(entry));
        lines.push(Line::from(vec![
            Span::styled(format!("  {}", pad("Ctrl-C", 12)), look.theme.key()),
            Span::styled("退出（需确认）", look.theme.text()),
        ]));
        let height = u16::try_from(lines.len() + 2).unwrap_or(u16::MAX);
        let rect = centered(area, 56, height);
        f.render_widget(Clear, rect);
        f.render_widget(
            Paragraph::new(lines).block(look.block("帮助（Esc 关闭）", true)),
            rect,
        );
    }
}

const FILTER_PREFIX: &str = "筛选：";
