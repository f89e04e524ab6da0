//! 设置: the settings in force for the shown year (`[`/`]` change it): credit targets, the
//! batches assessed, the cut-off day and the year they come from. The office edits them in a
//! form of four fields checked as typed by `app::years::checked` (the rule `year set` uses),
//! then saves after y/n through `app::years::set`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;

use crate::app::changes::Topic;
use crate::app::years::{YearChange, YearView, batches_text, checked, may_set_year};
use crate::tui::data::{DataMsg, Request};
use crate::tui::input::{edit_request, paste_into};
use crate::tui::keys::{Action, Binding, C, b};
use crate::tui::prompt::{Confirm, draw_status, outcome};
use crate::tui::screen::{Cx, Note, Screen};
use crate::tui::widgets::{Look, with_status};
use crate::tui::{Effect, KeyCode, KeyEvent};

/// The most characters a field takes.
const FIELD_LIMIT: usize = 16;

const LABELS: [&str; 4] = ["总学分", "必修学分", "考核批次", "截止日"];

/// The edit form: total, required, batches, cutoff.
#[derive(Debug)]
struct Form {
    year: i32,
    fields: [Input; 4],
    at: usize,
}

impl Form {
    fn of(view: &YearView) -> Form {
        let s = &view.settings;
        Form {
            year: s.year,
            fields: [
                Input::new(s.targets.total.to_string()),
                Input::new(s.targets.required.to_string()),
                Input::new(batches_text(&s.batches)),
                Input::new(s.cutoff.code()),
            ],
            at: 0,
        }
    }

    fn change(&self) -> YearChange {
        let v = |i: usize| Some(self.fields[i].value().trim().to_string());
        YearChange {
            total: v(0),
            required: v(1),
            batches: v(2),
            cutoff: v(3),
        }
    }

    /// What is wrong with the form now (None: it may be saved), by the command's own rule.
    fn problem(&self, view: &YearView) -> Option<String> {
        checked(self.year, &view.settings, &self.change())
            .err()
            .map(|e| e.to_string())
    }
}

#[derive(Debug, Default)]
pub struct Settings {
    year: i32,
    view: Option<YearView>,
    error: Option<String>,
    form: Option<Form>,
    confirm: Option<Confirm<YearChange>>,
    message: Option<(bool, String)>,
}

impl Screen for Settings {
    fn new(cx: &Cx) -> Settings {
        Settings {
            year: cx.year,
            ..Settings::default()
        }
    }

    fn keys(&self) -> &'static [Binding] {
        KEYS
    }

    fn refusal(&self, action: Action, cx: &Cx) -> Option<String> {
        match action {
            Action::Edit => may_set_year(&cx.actor).err().map(|e| e.to_string()),
            _ => None,
        }
    }

    fn on_action(&mut self, action: Action, cx: &mut Cx) -> Vec<Effect> {
        match action {
            Action::YearPrev | Action::YearNext => {
                let step = if action == Action::YearPrev { -1 } else { 1 };
                cx.note(Note::Year(cx.year + step));
            }
            Action::Edit => {
                if let Some(view) = &self.view {
                    self.message = None;
                    self.form = Some(Form::of(view));
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_data(&mut self, msg: &DataMsg, _cx: &mut Cx) -> Vec<Effect> {
        match msg {
            DataMsg::Year { year, result } if *year == self.year => {
                match result {
                    Ok(v) => {
                        self.view = Some(v.clone());
                        self.error = None;
                    }
                    Err(e) => self.error = Some(e.clone()),
                }
                Vec::new()
            }
            DataMsg::YearDone { result, .. } => {
                self.message = Some(outcome(result));
                self.load()
            }
            _ => Vec::new(),
        }
    }

    fn reload(&mut self, _cx: &Cx) -> Vec<Effect> {
        self.load()
    }

    fn topics(&self) -> &'static [Topic] {
        &[Topic::Settings]
    }

    fn editing(&self) -> bool {
        self.form.is_some() || self.confirm.is_some()
    }

    fn input_key(&mut self, k: KeyEvent, _cx: &Cx) -> Vec<Effect> {
        if self.confirm.is_some() {
            return match Confirm::answer(&mut self.confirm, &k) {
                Some(change) => vec![Effect::Load(Request::YearSet {
                    year: self.year,
                    change,
                })],
                None => Vec::new(),
            };
        }
        let (Some(form), Some(view)) = (self.form.as_mut(), self.view.as_ref()) else {
            self.form = None;
            return Vec::new();
        };
        match k.code {
            KeyCode::Esc => self.form = None,
            KeyCode::Tab | KeyCode::Down => form.at = (form.at + 1) % LABELS.len(),
            KeyCode::Up => form.at = (form.at + LABELS.len() - 1) % LABELS.len(),
            KeyCode::Enter => match form.problem(view) {
                Some(e) => self.message = Some((false, e)),
                None => {
                    let change = form.change();
                    let q = format!(
                        "保存 {} 年度设置：总学分 {}，必修 {}，批次 {}，截止日 {}？",
                        form.year,
                        change.total.as_deref().unwrap_or(""),
                        change.required.as_deref().unwrap_or(""),
                        change.batches.as_deref().unwrap_or(""),
                        change.cutoff.as_deref().unwrap_or(""),
                    );
                    self.form = None;
                    self.confirm = Some(Confirm::new(change, q));
                }
            },
            _ => {
                let input = &mut form.fields[form.at];
                match edit_request(&k) {
                    Some(tui_input::InputRequest::InsertChar(_))
                        if input.value().chars().count() >= FIELD_LIMIT => {}
                    Some(r) => {
                        input.handle(r);
                    }
                    None => {}
                }
            }
        }
        Vec::new()
    }

    fn paste(&mut self, text: &str) -> Vec<Effect> {
        if let Some(form) = self.form.as_mut() {
            let input = &mut form.fields[form.at];
            let room = FIELD_LIMIT.saturating_sub(input.value().chars().count());
            paste_into(input, text, room);
        }
        Vec::new()
    }

    fn year_changed(&mut self, cx: &Cx) -> Vec<Effect> {
        self.year = cx.year;
        self.view = None;
        self.form = None;
        self.load()
    }

    fn draw(&self, f: &mut Frame, area: Rect, look: &Look) {
        let [main, status] = with_status(area);
        self.draw_body(f, main, look);
        draw_status::<()>(f, status, look, None, self.message.as_ref());
        if let Some(c) = &self.confirm {
            c.draw(f, area, look, "保存");
        }
    }
}

impl Settings {
    fn load(&self) -> Vec<Effect> {
        vec![Effect::Load(Request::Year(self.year))]
    }

    fn draw_body(&self, f: &mut Frame, area: Rect, look: &Look) {
        let th = look.theme;
        let title = format!("{} 年度设置", self.year);
        let Some(view) = &self.view else {
            let text = match &self.error {
                Some(e) => Span::styled(format!("出错：{e}"), th.danger()),
                None => Span::styled("正在加载…", th.muted()),
            };
            f.render_widget(Paragraph::new(text).block(look.block(&title, true)), area);
            return;
        };
        let s = &view.settings;
        let field = |name: &str, value: String| {
            Line::from(vec![
                Span::styled(format!("{name}："), th.muted()),
                Span::styled(value, th.text()),
            ])
        };
        let from = match s.from_year {
            Some(y) if y == s.year => "本年度设置".to_string(),
            Some(y) => format!("沿用 {y} 年度设置"),
            None => "默认值（尚无任何年度设置）".to_string(),
        };
        let mut lines = match &self.form {
            None => vec![
                field(LABELS[0], format!("{} 学分", s.targets.total)),
                field(LABELS[1], format!("{} 学分", s.targets.required)),
                field(LABELS[2], format!("第 {} 批", batches_text(&s.batches))),
                field(LABELS[3], s.cutoff.label()),
                field("来源", from),
                field(
                    "状态",
                    if view.closed_at.is_some() {
                        "已关闭（不能再修改）".into()
                    } else {
                        "进行中".into()
                    },
                ),
            ],
            Some(form) => {
                let mut lines: Vec<Line> = LABELS
                    .iter()
                    .zip(&form.fields)
                    .enumerate()
                    .map(|(i, (label, input))| {
                        let mark = if i == form.at { "▸ " } else { "  " };
                        Line::from(vec![
                            Span::styled(format!("{mark}{label}："), th.muted()),
                            Span::styled(
                                input.value().to_string(),
                                if i == form.at {
                                    th.selected()
                                } else {
                                    th.text()
                                },
                            ),
                        ])
                    })
                    .collect();
                lines.push(Line::from(""));
                lines.push(match form.problem(view) {
                    Some(e) => Line::from(Span::styled(e, th.danger())),
                    None => Line::from(Span::styled("可以保存", th.ok())),
                });
                lines.push(Line::from(Span::styled(
                    "Tab/↑↓ 换栏  Enter 保存  Esc 取消  批次如 1,2,3  截止日如 10-01",
                    th.muted(),
                )));
                lines
            }
        };
        if self.form.is_none() {
            lines.insert(0, Line::from(""));
        }
        f.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(look.block(&title, true)),
            area,
        );
    }
}

/// The keys of this screen: they decide what a key does and feed the footer and the help.
pub const KEYS: &[Binding] = &[
    b(
        &[C('['), C(']')],
        "[ ]",
        "上一年 / 下一年",
        Action::YearPrev,
        true,
    ),
    b(
        &[C('e')],
        "e",
        "修改本年度设置（市在线学习办）",
        Action::Edit,
        true,
    ),
];
