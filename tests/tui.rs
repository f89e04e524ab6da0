//! The staff interface on a seeded demo city (SQLite, fixed clock): snapshots of every screen at
//! 80×24 and 120×40 with real data from `tui::data::execute`, and key-event tests for navigation,
//! filtering, sorting, drilling down and back, resizing, help and quitting.

mod common;

use common::TestDb;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use wangyuan::app::roster::{SortKey, Status};
use wangyuan::app::{Actor, credentials};
use wangyuan::tui::app::{Popup, Tab};
use wangyuan::tui::{
    App, ColorDepth, Effect, Event, KeyCode, KeyEvent, KeyModifiers, SessionContext, data,
};

struct Harness {
    t: TestDb,
    actor: Actor,
    app: App,
    width: u16,
    height: u16,
}

async fn harness(username: &str, width: u16, height: u16) -> Harness {
    let t = TestDb::sqlite().await;
    common::seed_demo(&t.db, 300).await;
    harness_on(t, username, width, height).await
}

/// The interface for `username` on an already seeded database.
async fn harness_on(t: TestDb, username: &str, width: u16, height: u16) -> Harness {
    let actor = Actor::load(&t.db, username, "test").await.expect("actor");
    let real_name: String =
        sqlx::query_scalar("SELECT real_name FROM accounts WHERE username = $1")
            .bind(username.to_string())
            .fetch_one(t.db.reader())
            .await
            .expect("name");
    // As the SSH session does: an initial password opens the change form first.
    let must_change = credentials::must_change(&t.db, &actor)
        .await
        .expect("must change");
    let app = App::new(SessionContext {
        actor: actor.clone(),
        real_name,
        year: 2026,
        theme: "default".into(),
        ascii_borders: false,
        color_depth: ColorDepth::Sixteen,
        width,
        height,
        must_change,
        ssh_port: 2222,
    });
    let mut h = Harness {
        t,
        actor,
        app,
        width,
        height,
    };
    let first = h.app.start();
    h.pump(first).await;
    h
}

impl Harness {
    /// Runs every Load (and the loads its answers trigger); returns the other effects.
    async fn pump(&mut self, effects: Vec<Effect>) -> Vec<Effect> {
        let mut queue = effects;
        let mut rest = Vec::new();
        while let Some(e) = queue.pop() {
            match e {
                Effect::Load(req) => {
                    // Read at the tests' fixed time, so the header's read time is the same each run.
                    let msg = data::execute(&self.t.db, &self.actor, req).await;
                    let answer = data::Answer {
                        msg,
                        read_at: common::NOW,
                    };
                    queue.extend(self.app.handle(Event::Data(answer)));
                }
                other => rest.push(other),
            }
        }
        rest
    }

    async fn key(&mut self, code: KeyCode) -> Vec<Effect> {
        let effects = self.app.handle(Event::Key(KeyEvent::new(code)));
        self.pump(effects).await
    }

    async fn keys(&mut self, text: &str) -> Vec<Effect> {
        let mut out = Vec::new();
        for c in text.chars() {
            let mods = if c.is_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::empty()
            };
            let effects = self
                .app
                .handle(Event::Key(KeyEvent::new(KeyCode::Char(c)).modifiers(mods)));
            out.extend(self.pump(effects).await);
        }
        out
    }

    async fn resize(&mut self, w: u16, h: u16) {
        self.width = w;
        self.height = h;
        let effects = self.app.handle(Event::Resize(w, h));
        self.pump(effects).await;
    }

    /// Types `keys` and Enter on a prompt, sees `refusal` without a question asked, then Esc
    /// closes the prompt whose label contains `label`.
    async fn refused(&mut self, keys: &str, refusal: &str, label: &str) {
        self.keys(keys).await;
        self.key(KeyCode::Enter).await;
        let screen = self.screen();
        assert!(screen.contains(refusal), "{keys}: {screen}");
        assert!(!screen.contains("y 确定"), "nothing asked: {screen}");
        self.key(KeyCode::Esc).await;
        assert!(!self.screen().contains(label), "{}", self.screen());
    }

    fn screen(&self) -> String {
        text_of(&self.buffer())
    }

    fn buffer(&self) -> ratatui::buffer::Buffer {
        let mut terminal =
            Terminal::new(TestBackend::new(self.width, self.height)).expect("terminal");
        terminal.draw(|f| self.app.draw(f)).expect("draw");
        terminal.backend().buffer().clone()
    }
}

/// The screen as plain text, one line per row, wide characters counted once.
fn text_of(buffer: &ratatui::buffer::Buffer) -> String {
    let area = buffer.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let symbol = buffer[(x, y)].symbol();
            out.push_str(symbol);
            let width = ratatui::text::Span::raw(symbol).width().max(1);
            x += u16::try_from(width).unwrap_or(1);
        }
        out.push('\n');
    }
    out
}

fn ctrl_c() -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char('c')).modifiers(KeyModifiers::CTRL))
}

/// Every screen, at one size, with a name suffix for the snapshot.
async fn snapshot_every_screen(w: u16, h: u16) {
    let mut hs = harness("office", w, h).await;
    let size = format!("{w}x{h}");
    insta::assert_snapshot!(format!("dashboard_{size}"), hs.screen());
    hs.keys("j").await;
    hs.key(KeyCode::Enter).await;
    insta::assert_snapshot!(format!("dashboard_drilled_{size}"), hs.screen());
    hs.key(KeyCode::Esc).await;
    hs.keys("?").await;
    insta::assert_snapshot!(format!("help_dashboard_{size}"), hs.screen());
    hs.key(KeyCode::Esc).await;

    hs.key(KeyCode::Tab).await;
    insta::assert_snapshot!(format!("roster_{size}"), hs.screen());
    hs.keys("8").await; // sort by total
    hs.keys("8").await; // descending
    hs.keys("f").await; // compliant only
    insta::assert_snapshot!(format!("roster_sorted_{size}"), hs.screen());
    hs.key(KeyCode::Enter).await;
    insta::assert_snapshot!(format!("cadre_{size}"), hs.screen());
    hs.key(KeyCode::Esc).await;

    hs.key(KeyCode::Tab).await;
    insta::assert_snapshot!(format!("catalog_{size}"), hs.screen());
    hs.keys("c").await;
    hs.key(KeyCode::Enter).await;
    insta::assert_snapshot!(format!("course_{size}"), hs.screen());
    hs.key(KeyCode::Esc).await;

    // ASCII borders and the monochrome theme (是/否 instead of ✓/✗).
    hs.keys("b").await;
    hs.key(KeyCode::Tab).await; // 名单
    hs.key(KeyCode::Tab).await; // 账号
    hs.key(KeyCode::Tab).await; // 单位
    hs.key(KeyCode::Tab).await; // 设置
    hs.key(KeyCode::Tab).await; // 培训班
    hs.key(KeyCode::Tab).await; // 通知
    hs.key(KeyCode::Tab).await;
    insta::assert_snapshot!(format!("dashboard_ascii_{size}"), hs.screen());
    hs.key(KeyCode::Tab).await;
    insta::assert_snapshot!(format!("roster_ascii_{size}"), hs.screen());

    hs.app.handle(ctrl_c());
    insta::assert_snapshot!(format!("quit_confirm_{size}"), hs.screen());
}

#[tokio::test]
async fn snapshots_80x24() {
    snapshot_every_screen(80, 24).await;
}

#[tokio::test]
async fn snapshots_120x40() {
    snapshot_every_screen(120, 40).await;
}

#[tokio::test]
async fn unit_liaison_sees_only_their_county() {
    let hs = harness("lx_liaison", 120, 40).await;
    let screen = hs.screen();
    insta::assert_snapshot!("dashboard_liaison_120x40", screen);
    assert!(screen.contains("娄星区"));
    assert!(
        !screen.contains("冷水江市"),
        "another county leaked:\n{screen}"
    );
}

#[tokio::test]
async fn tabs_move_with_tab_and_vim_keys() {
    let mut hs = harness("office", 80, 24).await;
    assert_eq!(hs.app.tab(), Tab::Dashboard);
    hs.keys("l").await;
    assert_eq!(hs.app.tab(), Tab::Roster);
    hs.key(KeyCode::Tab).await;
    assert_eq!(hs.app.tab(), Tab::Catalog);
    hs.keys("h").await;
    assert_eq!(hs.app.tab(), Tab::Roster);
    hs.key(KeyCode::Left).await;
    hs.key(KeyCode::Left).await;
    assert_eq!(hs.app.tab(), Tab::Notices, "wraps around");
    hs.key(KeyCode::Left).await;
    assert_eq!(hs.app.tab(), Tab::Classes);
}

#[tokio::test]
async fn drill_down_and_back_follow_the_scope_stack() {
    let mut hs = harness("office", 120, 40).await;
    assert_eq!(hs.app.dashboard().depth(), 1);
    assert_eq!(hs.app.dashboard().scope_name(), Some("娄底市"));
    hs.key(KeyCode::Enter).await; // the first child unit
    assert_eq!(hs.app.dashboard().depth(), 2);
    let child = hs.app.dashboard().scope_name().map(String::from);
    assert!(child.is_some() && child.as_deref() != Some("娄底市"));
    assert!(hs.screen().contains(child.as_deref().unwrap_or_default()));
    hs.key(KeyCode::Esc).await;
    assert_eq!(hs.app.dashboard().depth(), 1);
    assert_eq!(hs.app.dashboard().scope_name(), Some("娄底市"));
    hs.key(KeyCode::Esc).await;
    assert_eq!(hs.app.dashboard().depth(), 1, "Esc at the top stays");
    // The year selector reloads.
    hs.keys("[").await;
    assert_eq!(hs.app.year(), 2025);
    assert!(hs.screen().contains("2025 年"));
    hs.keys("]").await;
    assert_eq!(hs.app.year(), 2026);
}

#[tokio::test]
async fn roster_filters_sorts_and_opens_a_cadre() {
    let mut hs = harness("office", 120, 40).await;
    hs.key(KeyCode::Tab).await;
    let total = hs.app.roster().query().clone();
    assert_eq!(total.sort, SortKey::Unit);
    hs.keys("s").await;
    assert_eq!(hs.app.roster().query().sort, SortKey::Batch);
    hs.keys("S").await;
    assert!(hs.app.roster().query().descending);
    hs.keys("2").await;
    assert_eq!(hs.app.roster().query().sort, SortKey::Name);
    assert!(!hs.app.roster().query().descending);
    hs.keys("f").await;
    assert_eq!(hs.app.roster().query().status, Status::Compliant);
    hs.keys("ff").await;
    assert_eq!(hs.app.roster().query().status, Status::All);

    // Filter by a name taken from the first row.
    let first = hs
        .app
        .roster()
        .selected_row()
        .cloned()
        .expect("a first row");
    hs.keys("/").await;
    assert!(
        hs.app.cursor().is_some(),
        "the cursor sits in the filter line"
    );
    let effects = hs.app.handle(Event::Paste(first.real_name.clone()));
    hs.pump(effects).await;
    hs.key(KeyCode::Enter).await;
    assert!(hs.app.cursor().is_none());
    assert_eq!(hs.app.roster().filter(), first.real_name);
    let screen = hs.screen();
    assert!(
        screen.contains(&format!("筛选：{}", first.real_name)),
        "{screen}"
    );
    let row = hs
        .app
        .roster()
        .selected_row()
        .cloned()
        .expect("still found");
    assert!(row.real_name.contains(&first.real_name));

    hs.key(KeyCode::Enter).await;
    assert_eq!(hs.app.open_cadre(), Some(row.username.as_str()));
    let screen = hs.screen();
    assert!(screen.contains("电子档案"), "{screen}");
    assert!(screen.contains("课程学习进度"), "{screen}");
    hs.key(KeyCode::Esc).await;
    assert_eq!(hs.app.open_cadre(), None);

    // Esc in the filter line clears the filter.
    hs.keys("/").await;
    hs.key(KeyCode::Esc).await;
    assert_eq!(hs.app.roster().filter(), "");
}

#[tokio::test]
async fn roster_pages_load_as_you_scroll() {
    let mut hs = harness("office", 80, 24).await;
    hs.key(KeyCode::Tab).await;
    hs.keys("G").await;
    let last = hs.app.roster().selected_row().cloned();
    assert!(last.is_some(), "the last page was fetched");
    let screen = hs.screen();
    assert!(screen.contains(&last.expect("row").username), "{screen}");
    hs.keys("g").await;
    hs.key(KeyCode::PageDown).await;
    assert!(hs.app.roster().selected_row().is_some());
}

#[tokio::test]
async fn resize_below_the_minimum_and_back() {
    let mut hs = harness("office", 80, 24).await;
    hs.resize(60, 20).await;
    let small = hs.screen();
    assert!(small.contains("终端窗口太小"), "{small}");
    assert!(small.contains("60×20"), "{small}");
    insta::assert_snapshot!("too_small_60x20", small);
    // Keys other than q do nothing while too small.
    hs.key(KeyCode::Tab).await;
    assert_eq!(hs.app.tab(), Tab::Dashboard);
    hs.resize(80, 24).await;
    assert!(hs.screen().contains("各下级单位达标率"));
}

#[tokio::test]
async fn help_popup_opens_and_closes() {
    let mut hs = harness("office", 80, 24).await;
    hs.keys("?").await;
    assert_eq!(hs.app.popup(), Some(Popup::Help));
    let screen = hs.screen();
    assert!(screen.contains("上一年 / 下一年"), "{screen}");
    hs.keys("?").await;
    assert_eq!(hs.app.popup(), None);
}

#[tokio::test]
async fn quitting_asks_first() {
    let mut hs = harness("office", 80, 24).await;
    let effects = hs.app.handle(ctrl_c());
    assert!(effects.is_empty());
    assert_eq!(hs.app.popup(), Some(Popup::ConfirmQuit));
    assert!(hs.screen().contains("确定退出？"));
    assert!(hs.keys("n").await.is_empty());
    assert_eq!(hs.app.popup(), None);
    assert!(hs.keys("q").await.is_empty());
    assert_eq!(hs.keys("y").await, vec![Effect::Quit]);
}

#[tokio::test]
async fn theme_and_borders_are_saved() {
    let mut hs = harness("office", 80, 24).await;
    assert_eq!(hs.app.theme_name(), "default");
    let effects = hs.keys("t").await;
    assert_eq!(
        effects,
        vec![Effect::SavePrefs {
            theme: "high-contrast".into(),
            ascii_borders: false
        }]
    );
    let effects = hs.keys("b").await;
    assert_eq!(
        effects,
        vec![Effect::SavePrefs {
            theme: "high-contrast".into(),
            ascii_borders: true
        }]
    );
    let screen = hs.screen();
    assert!(screen.contains("+---") || screen.contains("+-"), "{screen}");
    assert!(!screen.contains('┌'));
}

#[tokio::test]
async fn catalogue_filters_cycle() {
    let mut hs = harness("college", 120, 40).await;
    hs.key(KeyCode::Tab).await;
    hs.key(KeyCode::Tab).await;
    assert_eq!(hs.app.tab(), Tab::Catalog);
    let before = hs.screen();
    hs.keys("k").await;
    let required = hs.screen();
    assert!(required.contains("必修"), "{required}");
    assert_ne!(before, required);
    hs.keys("o").await;
    assert!(hs.screen().contains("省级推送") || hs.screen().contains("本地特色"));
}

#[tokio::test]
async fn roster_unit_filter_cycles_through_child_units() {
    let mut hs = harness("office", 120, 40).await;
    hs.key(KeyCode::Tab).await;
    let everyone = hs.screen();
    assert!(everyone.contains("第 1/286 人"), "{everyone}");
    hs.keys("u").await;
    let first_child = hs.app.roster().query().unit_code.clone();
    assert_eq!(first_child.as_deref(), Some("LX"));
    let screen = hs.screen();
    assert!(screen.contains("单位：LX 娄星区"), "{screen}");
    assert!(
        !screen.contains("第 1/286 人"),
        "fewer people in one county"
    );
    hs.keys("u").await;
    assert_eq!(hs.app.roster().query().unit_code.as_deref(), Some("LSJ"));
}

#[tokio::test]
async fn footer_keeps_help_and_quit_when_narrow() {
    let mut hs = harness("office", 80, 24).await;
    hs.key(KeyCode::Tab).await;
    let screen = hs.screen();
    let footer = screen.lines().last().unwrap_or_default();
    assert!(
        footer.contains("? 帮助") && footer.contains("q 退出"),
        "{footer}"
    );
    assert!(
        !footer.trim_end().ends_with('：'),
        "no hint cut in half: {footer}"
    );
}

#[tokio::test]
async fn monochrome_terminals_get_no_colour() {
    let mut hs = harness("office", 80, 24).await;
    let ctx = SessionContext {
        actor: hs.actor.clone(),
        real_name: "管理员".into(),
        year: 2026,
        theme: "default".into(),
        ascii_borders: false,
        color_depth: ColorDepth::Monochrome,
        width: 80,
        height: 24,
        must_change: false,
        ssh_port: 2222,
    };
    hs.app = App::new(ctx);
    let first = hs.app.start();
    hs.pump(first).await;
    assert_eq!(hs.app.theme_name(), "mono");
    hs.key(KeyCode::Tab).await;
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    terminal.draw(|f| hs.app.draw(f)).expect("draw");
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content
            .iter()
            .all(|c| c.fg == ratatui::style::Color::Reset && c.bg == ratatui::style::Color::Reset),
        "a colour was drawn on a monochrome terminal"
    );
    // Status still reads without colour.
    assert!(text_of(buffer).contains("达标"));
    // `t` stays on the one theme such a terminal can show.
    let effects = hs.keys("t").await;
    assert_eq!(
        effects,
        vec![Effect::SavePrefs {
            theme: "mono".into(),
            ascii_borders: false
        }]
    );
}

/// A roster with Chinese names submitted by 娄星区's liaison at the fixed clock.
async fn submitted_roster(t: &TestDb) -> i64 {
    let lx = Actor::load(&t.db, "lx_liaison", "test")
        .await
        .expect("actor");
    let csv = common::lx_roster_csv();
    wangyuan::app::submission::submit(&t.db, &lx, csv.as_bytes(), None, "娄星区.csv", common::NOW)
        .await
        .expect("submit")
        .id
}

async fn roster_workflow_in_the_tui(w: u16, h: u16) {
    let t = TestDb::sqlite().await;
    common::seed_demo(&t.db, 50).await;
    let id = submitted_roster(&t).await;
    let size = format!("{w}x{h}");

    // The college reviews: accept all, then reject the marked third row with a reason.
    let mut hs = harness_on(t, "college", w, h).await;
    for _ in 0..3 {
        hs.key(KeyCode::Tab).await;
    }
    assert_eq!(hs.app.tab(), Tab::Submissions);
    insta::assert_snapshot!(format!("submissions_college_{size}"), hs.screen());
    hs.key(KeyCode::Enter).await;
    insta::assert_snapshot!(format!("submission_open_{size}"), hs.screen());
    hs.keys("A").await;
    assert!(hs.screen().contains("已通过 3 行"), "{}", hs.screen());
    hs.keys("jj ").await; // mark 吕梅's row
    hs.keys("x").await;
    hs.keys("非本单位干部").await;
    hs.key(KeyCode::Enter).await;
    let screen = hs.screen();
    assert!(
        screen.contains("已不通过 1 行") && screen.contains("非本单位干部"),
        "{screen}"
    );
    // Passing on asks first too; a stray key leaves the question open.
    hs.keys("p").await;
    assert!(hs.screen().contains("给市在线学习办？"), "{}", hs.screen());
    hs.keys("j").await;
    assert!(hs.screen().contains("给市在线学习办？"), "{}", hs.screen());
    hs.keys("y").await;
    assert!(hs.screen().contains("已报送"), "{}", hs.screen());

    // The unit cannot approve; the office can, and the accounts are issued.
    let mut hs = harness_on(hs.t, "office", w, h).await;
    for _ in 0..3 {
        hs.key(KeyCode::Tab).await;
    }
    assert!(hs.screen().contains("待审批：1 份"), "{}", hs.screen());
    hs.key(KeyCode::Enter).await;
    // Approval asks first: n leaves the roster as it is, y issues the accounts.
    hs.keys("o").await;
    assert!(
        hs.screen().contains("为通过审核的 2 人发放账号？"),
        "{}",
        hs.screen()
    );
    hs.keys("n").await;
    assert_eq!(
        common::count(
            &hs.t.db,
            "SELECT COUNT(*) FROM roster_rows WHERE account_id IS NOT NULL"
        )
        .await,
        0
    );
    hs.keys("o").await;
    // While the approval runs, the status line shows the issuing's progress.
    let approving = hs.app.handle(Event::Key(KeyEvent::new(KeyCode::Char('y'))));
    let screen = hs.screen();
    assert!(screen.contains("正在发放账号"), "{screen}");
    hs.pump(approving).await;
    let screen = hs.screen();
    assert!(!screen.contains("正在发放账号"), "{screen}");
    assert!(screen.contains("发放账号 2 个"), "{screen}");
    assert!(
        screen.contains("shanxiongxin") && screen.contains("zengguohua"),
        "{screen}"
    );

    // The liaison sees the step, who did it, and the command that fetches the credentials.
    let mut hs = harness_on(hs.t, "lx_liaison", w, h).await;
    for _ in 0..3 {
        hs.key(KeyCode::Tab).await;
    }
    hs.key(KeyCode::Enter).await;
    let screen = hs.screen();
    assert!(
        screen.contains("已批准") && screen.contains("office"),
        "{screen}"
    );
    // The whole command line, to copy, with the port of this server.
    assert!(
        screen.contains(&format!(
            "ssh -p 2222 lx_liaison@服务器 roster credentials {id} --format xlsx > 账号{id}.xlsx"
        )),
        "{screen}"
    );
}

/// The keys of a roster follow the role: the college is told at once that approval is the
/// office's (no y/n asked first) and sees no approval key; the liaison sees no review keys and
/// is refused them at once; the office sees no review keys but approves and sends back.
#[tokio::test]
async fn roster_keys_follow_the_role() {
    let t = TestDb::sqlite().await;
    common::seed_demo(&t.db, 50).await;
    submitted_roster(&t).await;
    let rows = "SELECT COUNT(*) FROM roster_rows WHERE status <> 'pending'";

    let mut hs = harness_on(t, "college", 80, 24).await;
    for _ in 0..3 {
        hs.key(KeyCode::Tab).await;
    }
    hs.key(KeyCode::Enter).await;
    let screen = hs.screen();
    assert!(!screen.contains("o 批准"), "{screen}");
    assert!(screen.contains("a 通过"), "{screen}");
    hs.keys("o").await;
    let screen = hs.screen();
    assert!(
        screen.contains("无权操作：批准名单仅限市在线学习办"),
        "{screen}"
    );
    assert!(!screen.contains("发放账号？"), "nothing asked: {screen}");
    hs.keys("?").await;
    let help = hs.screen();
    assert!(help.contains("通过本行"), "{help}");
    assert!(!help.contains("批准并发放账号"), "{help}");
    hs.key(KeyCode::Esc).await;

    let mut hs = harness_on(hs.t, "lx_liaison", 80, 24).await;
    for _ in 0..3 {
        hs.key(KeyCode::Tab).await;
    }
    hs.key(KeyCode::Enter).await;
    let screen = hs.screen();
    for hint in ["a 通过", "x 不通过", "p 报送", "o 批准", "r 退回"] {
        assert!(!screen.contains(hint), "{hint}: {screen}");
    }
    hs.keys("A").await;
    assert!(
        hs.screen().contains("无权操作：审核名单仅限市网络学院"),
        "{}",
        hs.screen()
    );
    hs.keys("o").await;
    let screen = hs.screen();
    assert!(screen.contains("无权操作：批准名单"), "{screen}");
    assert!(!screen.contains("发放账号？"), "nothing asked: {screen}");
    hs.keys("?").await;
    let help = hs.screen();
    for entry in ["通过本行", "报送", "批准并发放账号", "退回，须填理由"] {
        assert!(!help.contains(entry), "{entry}: {help}");
    }
    assert_eq!(common::count(&hs.t.db, rows).await, 0);

    let mut hs = harness_on(hs.t, "office", 120, 40).await;
    for _ in 0..3 {
        hs.key(KeyCode::Tab).await;
    }
    hs.key(KeyCode::Enter).await;
    hs.keys("?").await;
    let help = hs.screen();
    assert!(!help.contains("通过本行"), "{help}");
    assert!(
        help.contains("批准并发放账号") && help.contains("退回，须填理由"),
        "{help}"
    );
}

/// `s` on 总览 orders the units by rank (1 first), then by rate (highest first), then back to
/// the tree's order, saying so in the title.
#[tokio::test]
async fn dashboard_units_sort_by_rank_or_rate() {
    let mut hs = harness("office", 80, 24).await;
    let first_row = |screen: &str| -> String {
        screen
            .lines()
            .find(|l| l.contains('▶'))
            .map(str::to_string)
            .unwrap_or_default()
    };
    let tree = first_row(&hs.screen());
    assert!(tree.contains("娄星区"), "{tree}");
    hs.keys("s").await;
    let screen = hs.screen();
    assert!(screen.contains("按排名"), "{screen}");
    let top = first_row(&screen);
    assert!(top.trim_end_matches(['│', ' ']).ends_with(" 1"), "{top}");
    hs.keys("s").await;
    let screen = hs.screen();
    assert!(screen.contains("按达标率"), "{screen}");
    // The rank-1 unit has the highest rate (ranks go by rate first).
    assert_eq!(first_row(&screen), top, "{screen}");
    hs.keys("s").await;
    assert_eq!(first_row(&hs.screen()), tree);
}

/// No Chinese character is left half under a popup (a terminal would draw it whole over the
/// border), and help entries line up by display width, "空格" included.
#[tokio::test]
async fn popups_keep_borders_and_columns_at_80x24() {
    let t = TestDb::sqlite().await;
    common::seed_demo(&t.db, 50).await;
    submitted_roster(&t).await;
    let mut hs = harness_on(t, "college", 80, 24).await;
    let cut = |buf: &ratatui::buffer::Buffer| -> Vec<(u16, u16)> {
        let a = buf.area;
        let mut out = Vec::new();
        for y in 0..a.height {
            for x in 0..a.width - 1 {
                let wide = ratatui::text::Span::raw(buf[(x, y)].symbol()).width() > 1;
                if wide && !matches!(buf[(x + 1, y)].symbol(), "" | " ") {
                    out.push((x, y));
                }
            }
        }
        out
    };
    for tab in 0..3 {
        hs.keys("?").await;
        let cells = cut(&hs.buffer());
        assert!(cells.is_empty(), "tab {tab}: {cells:?}\n{}", hs.screen());
        hs.key(KeyCode::Esc).await;
        hs.key(KeyCode::Tab).await;
    }
    assert_eq!(hs.app.tab(), Tab::Submissions);
    hs.key(KeyCode::Enter).await;
    hs.keys("?").await;
    let screen = hs.screen();
    let column = |help: &str| {
        let line = screen.lines().find(|l| l.contains(help)).expect(help);
        let before = &line[..line.find(help).expect(help)];
        ratatui::text::Span::raw(before).width()
    };
    assert_eq!(
        column("标记 / 取消标记本行"),
        column("上下移动"),
        "{screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_workflow_80x24() {
    roster_workflow_in_the_tui(80, 24).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_workflow_120x40() {
    roster_workflow_in_the_tui(120, 40).await;
}

#[tokio::test]
async fn an_initial_password_is_changed_before_the_interface_opens() {
    let t = TestDb::sqlite().await;
    common::seed_demo(&t.db, 50).await;
    let office = Actor::load(&t.db, "office", "test").await.expect("office");
    let initial =
        credentials::reset_password(&t.db, &office, "lx_liaison", "忘记密码", common::NOW)
            .await
            .expect("reset");
    let mut hs = harness_on(t, "lx_liaison", 80, 24).await;
    assert!(hs.app.changing_password());
    let screen = hs.screen();
    insta::assert_snapshot!("password_change_80x24", screen);
    assert!(screen.contains("请修改初始密码"), "{screen}");
    assert!(
        !screen.contains("花名册"),
        "nothing else before the change: {screen}"
    );

    // A new password the policy refuses: the app's reason, nothing changed.
    hs.keys(&initial).await;
    hs.key(KeyCode::Enter).await;
    hs.keys("short1").await;
    hs.key(KeyCode::Enter).await;
    hs.keys("short1").await;
    let effects = hs.key(KeyCode::Enter).await;
    assert!(effects.is_empty(), "{effects:?}");
    let screen = hs.screen();
    assert!(screen.contains("未修改"), "{screen}");
    assert!(!screen.contains("short1"), "input is masked: {screen}");
    assert!(!screen.contains(&initial), "input is masked: {screen}");
    assert!(hs.app.changing_password());

    // The two new ones differ: refused before asking the app.
    hs.keys("Xinmima2026").await;
    hs.key(KeyCode::Enter).await;
    hs.keys("Xinmima2027").await;
    hs.key(KeyCode::Enter).await;
    assert!(hs.screen().contains("两次输入的新密码不一致"));

    // Corrected: the interface opens and the account no longer has to change its password.
    let ctrl_u = Event::Key(KeyEvent::new(KeyCode::Char('u')).modifiers(KeyModifiers::CTRL));
    let effects = hs.app.handle(ctrl_u);
    hs.pump(effects).await;
    hs.keys("Xinmima2026").await;
    hs.key(KeyCode::Enter).await;
    assert!(!hs.app.changing_password());
    let screen = hs.screen();
    assert!(screen.contains("花名册"), "{screen}");
    assert!(screen.contains("总览"), "{screen}");
    assert!(
        !credentials::must_change(&hs.t.db, &hs.actor)
            .await
            .expect("db")
    );
    let changes = common::count(
        &hs.t.db,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'password.change' AND actor = 'lx_liaison'",
    )
    .await;
    assert_eq!(changes, 1);
}

/// The first learner by username, in a county's units.
async fn first_learner(t: &TestDb, county: &str) -> String {
    sqlx::query_scalar(
        "SELECT a.username FROM accounts a JOIN units u ON u.id = a.unit_id \
         WHERE a.is_learner = 1 AND u.code LIKE $1 ORDER BY a.username LIMIT 1",
    )
    .bind(format!("{county}%"))
    .fetch_one(t.db.reader())
    .await
    .expect("learner")
}

/// The office on the 账号 tab, with the first 娄星区 learner found (not yet opened).
async fn account_open(w: u16, h: u16) -> (Harness, String) {
    let mut hs = harness("office", w, h).await;
    let username = first_learner(&hs.t, "LX").await;
    find_account(&mut hs, &username).await;
    (hs, username)
}

async fn roles_of(t: &TestDb, username: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM roles r JOIN accounts a ON a.id = r.account_id WHERE a.username = $1",
    )
    .bind(username.to_string())
    .fetch_one(t.db.reader())
    .await
    .expect("roles")
}

/// From 总览 back to the 账号 tab (it comes before 单位 and 设置).
async fn to_accounts(hs: &mut Harness) {
    while hs.app.tab() != Tab::Accounts {
        hs.key(KeyCode::Left).await;
    }
}

/// Goes to the 账号 tab and finds `username`.
async fn find_account(hs: &mut Harness, username: &str) {
    to_accounts(hs).await;
    hs.keys("/").await;
    hs.keys(username).await;
    hs.key(KeyCode::Enter).await;
}

/// Goes to the 账号 tab, finds `username` and opens it.
async fn open_account(hs: &mut Harness, username: &str) {
    find_account(hs, username).await;
    hs.key(KeyCode::Enter).await;
    assert!(hs.screen().contains("角色与公钥"), "{}", hs.screen());
}

async fn account_screens(w: u16, h: u16) {
    let (mut hs, username) = account_open(w, h).await;
    let size = format!("{w}x{h}");
    let screen = hs.screen();
    assert!(screen.contains(&username), "{screen}");
    insta::assert_snapshot!(format!("accounts_{size}"), screen);
    hs.key(KeyCode::Enter).await;
    let screen = hs.screen();
    assert!(screen.contains(&format!("账号 {username}")), "{screen}");
    insta::assert_snapshot!(format!("account_{size}"), screen);
    hs.key(KeyCode::Esc).await;
    assert!(!hs.screen().contains("最近记录"), "back to the list");
}

#[tokio::test]
async fn account_screens_80x24() {
    account_screens(80, 24).await;
}

#[tokio::test]
async fn account_screens_120x40() {
    account_screens(120, 40).await;
}

async fn account_value(t: &TestDb, username: &str, column: &'static str) -> i64 {
    let sql = match column {
        "must_change" => "SELECT must_change FROM accounts WHERE username = $1",
        "exempt" => "SELECT exempt FROM accounts WHERE username = $1",
        _ => {
            "SELECT CASE WHEN status = 'disabled' THEN 1 ELSE 0 END FROM accounts WHERE username = $1"
        }
    };
    sqlx::query_scalar(sql)
        .bind(username.to_string())
        .fetch_one(t.db.reader())
        .await
        .expect("account")
}

/// (actor, detail) of the newest audit row with `action`.
async fn last_audit(t: &TestDb, action: &str) -> Option<(String, String)> {
    sqlx::query_as("SELECT actor, detail FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1")
        .bind(action.to_string())
        .fetch_optional(t.db.reader())
        .await
        .expect("audit")
}

#[tokio::test]
async fn account_actions_from_the_tui() {
    let (mut hs, username) = account_open(80, 24).await;
    hs.key(KeyCode::Enter).await;

    // Enabling an active account is refused, in Chinese.
    hs.keys("e").await;
    hs.key(KeyCode::Enter).await;
    hs.keys("y").await;
    assert!(hs.screen().contains("已是启用状态"), "{}", hs.screen());

    // Disable: reason, then the confirmation; n cancels, y does it.
    hs.keys("d").await;
    hs.keys("调离本市").await;
    hs.key(KeyCode::Enter).await;
    assert!(hs.screen().contains("停用账号"), "{}", hs.screen());
    hs.keys("n").await;
    assert_eq!(account_value(&hs.t, &username, "disabled").await, 0);
    assert!(last_audit(&hs.t, "account.disable").await.is_none());
    hs.keys("d").await;
    hs.keys("调离本市").await;
    hs.key(KeyCode::Enter).await;
    hs.keys("y").await;
    assert!(hs.screen().contains("已停用"), "{}", hs.screen());
    assert_eq!(account_value(&hs.t, &username, "disabled").await, 1);
    let (actor, detail) = last_audit(&hs.t, "account.disable")
        .await
        .expect("audit row");
    assert_eq!(actor, "office");
    assert!(
        detail.contains(&username) && detail.contains("调离本市"),
        "{detail}"
    );

    // Reset: the new password is shown once, must be changed, and is audited.
    assert_eq!(account_value(&hs.t, &username, "must_change").await, 0);
    hs.keys("r").await;
    hs.keys("忘记密码").await;
    hs.key(KeyCode::Enter).await;
    hs.keys("y").await;
    let screen = hs.screen();
    assert!(screen.contains("新初始密码"), "{screen}");
    assert_eq!(account_value(&hs.t, &username, "must_change").await, 1);
    let (actor, detail) = last_audit(&hs.t, "password.reset")
        .await
        .expect("audit row");
    assert_eq!(actor, "office");
    assert!(detail.contains("忘记密码"), "{detail}");
    hs.keys("z").await;
    let screen = hs.screen();
    assert!(!screen.contains("新初始密码"), "{screen}");
    assert!(
        screen.contains("重置密码"),
        "history shows the reset: {screen}"
    );

    // A batch outside 1..3 is refused before anything is asked.
    hs.refused("b7", "批次只能是 1、2 或 3", "新批次").await;

    // Batch, move and exempt (then clear it), each confirmed and audited.
    for (keys, action) in [
        ("b3", "account.batch"),
        ("mLX01 工作调动", "account.move"),
        ("x省管干部", "account.exempt"),
    ] {
        hs.keys(keys).await;
        hs.key(KeyCode::Enter).await;
        hs.keys("y").await;
        assert!(
            last_audit(&hs.t, action).await.is_some(),
            "{action}: {}",
            hs.screen()
        );
    }
    let (batch, unit, exempt): (i64, String, i64) = sqlx::query_as(
        "SELECT a.batch, u.code, a.exempt FROM accounts a JOIN units u ON u.id = a.unit_id \
         WHERE a.username = $1",
    )
    .bind(username.clone())
    .fetch_one(hs.t.db.reader())
    .await
    .expect("account");
    assert_eq!((batch, unit.as_str(), exempt), (3, "LX01", 1));
    assert!(hs.screen().contains("免考核：省管干部"), "{}", hs.screen());
    hs.keys("xy").await;
    assert!(hs.screen().contains("已取消免考核"), "{}", hs.screen());

    // The help lists the role and key actions of this page.
    hs.keys("?").await;
    let screen = hs.screen();
    for want in [
        "授予管理角色",
        "添加 SSH 公钥",
        "撤销所选角色 / 删除所选公钥",
    ] {
        assert!(screen.contains(want), "{want}: {screen}");
    }
    hs.key(KeyCode::Esc).await;
}

/// A liaison is told at once that roles are the office's; a unit role without its unit, a
/// city-wide role with one, or a line that is not a key is refused before anything is asked; the
/// office grants a unit role and revokes it with Del, each audited.
#[tokio::test]
async fn role_and_key_prompts_refuse_in_chinese() {
    let t = TestDb::sqlite().await;
    common::seed_demo(&t.db, 50).await;
    let username = first_learner(&t, "LX").await;

    let mut hs = harness_on(t, "lx_liaison", 120, 40).await;
    open_account(&mut hs, &username).await;
    hs.keys("g").await;
    let screen = hs.screen();
    assert!(
        screen.contains("无权操作：授予或撤销管理角色仅限市在线学习办"),
        "{screen}"
    );
    assert!(!screen.contains("授予角色（"), "no prompt: {screen}");

    let mut hs = harness_on(hs.t, "office", 120, 40).await;
    open_account(&mut hs, &username).await;
    for (keys, refusal) in [
        ("gunit", "单位联络员须写单位代码"),
        ("gcollege LX", "市网络学院的范围是全市"),
        ("gadmin", "角色只能是 office、college"),
    ] {
        hs.refused(keys, refusal, "授予角色（").await;
    }
    hs.keys("a").await;
    let effects = hs
        .app
        .handle(Event::Paste("ssh-ed25519 不是公钥 x@y".into()));
    hs.pump(effects).await;
    hs.refused("", "公钥：无法识别的 OpenSSH 公钥", "粘贴 SSH 公钥")
        .await;
    assert_eq!(roles_of(&hs.t, &username).await, 0);
    assert_eq!(
        common::count(&hs.t.db, "SELECT COUNT(*) FROM ssh_keys").await,
        0
    );

    hs.keys("gunit LX").await;
    hs.key(KeyCode::Enter).await;
    hs.keys("y").await;
    let screen = hs.screen();
    assert!(screen.contains("角色：单位联络员（娄星区）"), "{screen}");
    assert!(screen.contains("单位联络员（LX 娄星区）"), "{screen}");
    assert_eq!(roles_of(&hs.t, &username).await, 1);
    assert!(last_audit(&hs.t, "role.grant").await.is_some());

    hs.key(KeyCode::Delete).await;
    assert!(
        hs.screen().contains("的角色 单位联络员（LX）？"),
        "{}",
        hs.screen()
    );
    hs.keys("y").await;
    assert!(hs.screen().contains("已撤销账号"), "{}", hs.screen());
    assert_eq!(roles_of(&hs.t, &username).await, 0);
    let (actor, _) = last_audit(&hs.t, "role.revoke").await.expect("audited");
    assert_eq!(actor, "office");
}

/// A locked account shows until when and why; `u` lifts the lock after a reason and y, audited
/// (issue 11, point 7). On an account that is not locked, `u` says so and asks nothing.
#[tokio::test]
async fn a_locked_account_is_shown_and_unlocked_from_the_tui() {
    let mut hs = harness("office", 120, 40).await;
    let username = first_learner(&hs.t, "LX").await;
    open_account(&mut hs, &username).await;
    hs.keys("u").await;
    let screen = hs.screen();
    assert!(screen.contains("未被锁定"), "{screen}");
    assert!(!screen.contains("解除锁定原因"), "{screen}");
    hs.key(KeyCode::Esc).await;

    let now = wangyuan::app::now();
    for _ in 0..wangyuan::app::auth::MAX_FAILURES {
        let _ = wangyuan::app::auth::with_password(&hs.t.db, &username, "wrong-1", "10.6.6.6", now)
            .await
            .expect("db");
    }
    // Back to the list and open it again: the view reloads.
    hs.key(KeyCode::Esc).await;
    hs.key(KeyCode::Enter).await;
    let screen = hs.screen();
    assert!(screen.contains("登录已锁定至"), "{screen}");
    assert!(screen.contains("密码错误 5 次"), "{screen}");
    hs.keys("u").await;
    hs.keys("本人来电核实").await;
    hs.key(KeyCode::Enter).await;
    assert!(hs.screen().contains("解除账号"), "{}", hs.screen());
    hs.keys("y").await;
    let screen = hs.screen();
    assert!(screen.contains("已解除登录锁定"), "{screen}");
    assert!(!screen.contains("登录已锁定至"), "{screen}");
    let (actor, detail) = last_audit(&hs.t, "account.unlock")
        .await
        .expect("audit row");
    assert_eq!(actor, "office");
    assert!(detail.contains("本人来电核实"), "{detail}");
}

/// The `n`-th learner (0-based, by username) of a county's units.
async fn nth_learner(t: &TestDb, county: &str, n: i64) -> String {
    sqlx::query_scalar(
        "SELECT a.username FROM accounts a JOIN units u ON u.id = a.unit_id \
         WHERE a.is_learner = 1 AND a.exempt = 0 AND u.code LIKE $1 ORDER BY a.username \
         LIMIT 1 OFFSET $2",
    )
    .bind(format!("{county}%"))
    .bind(n)
    .fetch_one(t.db.reader())
    .await
    .expect("learner")
}

#[tokio::test]
async fn the_office_decides_exemption_requests_in_the_tui() {
    use wangyuan::app::accounts::{self, Exemption};
    let mut hs = harness("office", 120, 40).await;
    let lx = Actor::load(&hs.t.db, "lx_liaison", "test")
        .await
        .expect("liaison");
    let (first, second) = (
        nth_learner(&hs.t, "LX", 0).await,
        nth_learner(&hs.t, "LX", 1).await,
    );
    for (i, who) in [&first, &second].into_iter().enumerate() {
        let at = common::NOW + 60 * i64::try_from(i).unwrap_or(0);
        let done = accounts::set_exempt(&hs.t.db, &lx, who, Some("省管干部"), at)
            .await
            .expect("request");
        assert!(matches!(done, Exemption::Requested(_)), "{done:?}");
    }
    to_accounts(&mut hs).await;
    hs.keys("p").await;
    let screen = hs.screen();
    assert!(screen.contains("待审批的免考核申请 · 2 条"), "{screen}");
    assert!(
        screen.contains(&first) && screen.contains(&second),
        "{screen}"
    );
    assert!(screen.contains("参评人员变动"), "{screen}");

    // Newest first: approve the second request (y), the first is left.
    hs.keys("o").await;
    assert!(hs.screen().contains("批准免考核申请 2"), "{}", hs.screen());
    hs.keys("y").await;
    let screen = hs.screen();
    assert!(screen.contains("已批准免考核申请 2"), "{screen}");
    assert!(screen.contains("待审批的免考核申请 · 1 条"), "{screen}");
    assert!(screen.contains("免考核"), "listed as a change: {screen}");
    assert_eq!(account_value(&hs.t, &second, "exempt").await, 1);

    // Refusing asks for a reason first.
    hs.keys("x").await;
    hs.key(KeyCode::Enter).await;
    assert!(
        hs.screen().contains("请写明不批准的理由"),
        "{}",
        hs.screen()
    );
    hs.keys("不属于省管干部").await;
    hs.key(KeyCode::Enter).await;
    hs.keys("y").await;
    let screen = hs.screen();
    assert!(screen.contains("已不批准免考核申请 1"), "{screen}");
    assert!(screen.contains("没有待审批的申请"), "{screen}");
    assert_eq!(account_value(&hs.t, &first, "exempt").await, 0);
    assert!(last_audit(&hs.t, "exemption.refuse").await.is_some());
    hs.key(KeyCode::Esc).await;
    assert!(!hs.screen().contains("参评人员变动"), "{}", hs.screen());

    // A liaison is told the view is the office's.
    let mut liaison = harness_on(hs.t, "lx_liaison", 120, 40).await;
    to_accounts(&mut liaison).await;
    liaison.keys("p").await;
    assert!(
        liaison.screen().contains("仅限市在线学习办"),
        "{}",
        liaison.screen()
    );
}

/// A name cut to its column ends in "…" (by display width: Chinese takes two cells), so the
/// reader sees it goes on; one that fits is left whole.
#[tokio::test]
async fn cut_names_end_in_an_ellipsis_at_80x24() {
    let mut hs = harness("office", 80, 24).await;
    hs.key(KeyCode::Tab).await;
    let screen = hs.screen();
    assert!(screen.contains(" 娄底经济技… "), "{screen}");
    assert!(!screen.contains("娄底经济技术 "), "{screen}");
    let line = screen
        .lines()
        .find(|l| l.contains("ld00127"))
        .unwrap_or_default();
    assert!(
        line.contains("魏和成   "),
        "a short name stays whole: {line}"
    );
}

/// On 总览, `f` opens 花名册 filtered to the selected unit (Enter still drills in); on the
/// "（本级）" line it shows that unit's own members only.
#[tokio::test]
async fn dashboard_f_opens_the_roster_of_the_selected_unit() {
    let mut hs = harness("office", 80, 24).await;
    // The key is in the help (the 80-column footer has no room; the 120-column snapshot shows it).
    hs.keys("?").await;
    assert!(
        hs.screen().contains("f           看花名册"),
        "{}",
        hs.screen()
    );
    hs.keys("?").await;
    hs.keys("f").await;
    assert_eq!(hs.app.tab(), Tab::Roster);
    assert_eq!(hs.app.roster().query().unit_code.as_deref(), Some("LX"));
    assert!(!hs.app.roster().query().own_only);
    assert!(hs.screen().contains("单位：LX 娄星区"), "{}", hs.screen());
    // Back on 总览, Enter still drills into the unit.
    hs.keys("h").await;
    assert_eq!(hs.app.tab(), Tab::Dashboard);
    hs.keys("j").await;
    hs.key(KeyCode::Enter).await;
    assert_eq!(hs.app.dashboard().scope_name(), Some("冷水江市"));
    // The last line is 冷水江市's own members (5 assessed).
    hs.keys("G").await;
    let screen = hs.screen();
    assert!(screen.contains("▶ 冷水江市（本级）"), "{screen}");
    hs.keys("f").await;
    assert_eq!(hs.app.tab(), Tab::Roster);
    let q = hs.app.roster().query();
    assert_eq!(q.unit_code.as_deref(), Some("LSJ"));
    assert!(q.own_only);
    let screen = hs.screen();
    assert!(screen.contains("第 1/5 人"), "{screen}");
    assert!(screen.contains("单位：LSJ 冷水江市（本级）"), "{screen}");
}

/// The roster's unit filter stays when the user visits other tabs and comes back.
#[tokio::test]
async fn roster_unit_filter_survives_tab_switches() {
    let mut hs = harness("office", 80, 24).await;
    hs.key(KeyCode::Tab).await;
    hs.keys("u").await;
    assert!(hs.screen().contains("单位：LX 娄星区"), "{}", hs.screen());
    for _ in 0..Tab::ALL.len() {
        hs.key(KeyCode::Tab).await;
    }
    assert_eq!(hs.app.tab(), Tab::Roster);
    assert_eq!(hs.app.roster().query().unit_code.as_deref(), Some("LX"));
    assert!(hs.screen().contains("单位：LX 娄星区"), "{}", hs.screen());
    hs.keys("hl").await;
    assert!(hs.screen().contains("单位：LX 娄星区"), "{}", hs.screen());
}

/// Presses `key` and sees `refusal` in the footer at once: no prompt opened, no y/n asked.
async fn refused_at_once(hs: &mut Harness, key: KeyCode, refusal: &str) {
    hs.key(key).await;
    let screen = hs.screen();
    let footer = screen.lines().last().unwrap_or_default().to_string();
    assert!(footer.contains(refusal), "{key:?}: {screen}");
    for asked in ["原因：", "理由：", "y 确定", "？"] {
        assert!(
            !screen
                .lines()
                .any(|l| l.contains(asked) && !l.contains(refusal)),
            "{key:?} asked {asked}: {screen}"
        );
    }
}

/// The help popup of the screen shown, as text (opened and closed again).
async fn help_text(hs: &mut Harness) -> String {
    hs.keys("?").await;
    let help = hs.screen();
    hs.key(KeyCode::Esc).await;
    help
}

/// A liaison on their own (staff) account: every change the office keeps for itself is hidden
/// from footer and help and refused at once with the reason; adding a key to one's own account
/// stays (issue 12 point 2).
#[tokio::test]
async fn a_liaison_sees_and_is_refused_only_what_app_refuses() {
    let mut hs = harness("lx_liaison", 120, 40).await;
    open_account(&mut hs, "lx_liaison").await;
    let footer = hs.screen().lines().last().unwrap_or_default().to_string();
    for hint in ["d 停用", "e 启用", "r 重置密码", "x 标记"] {
        assert!(!footer.contains(hint), "{hint}: {footer}");
    }
    let help = help_text(&mut hs).await;
    assert!(
        !help.contains("停用"),
        "neither in help nor in the hints: {help}"
    );
    for entry in [
        "解除登录锁定",
        "重置密码",
        "调动到其他单位",
        "调整批次",
        "授予管理角色",
    ] {
        assert!(!help.contains(entry), "{entry}: {help}");
    }
    assert!(help.contains("添加 SSH 公钥"), "{help}");
    let staff = "无权操作：修改管理人员账号仅限市在线学习办";
    for key in ['d', 'e', 'u', 'r', 'x', 'm', 'b'] {
        refused_at_once(&mut hs, KeyCode::Char(key), staff).await;
    }
    refused_at_once(
        &mut hs,
        KeyCode::Char('g'),
        "无权操作：授予或撤销管理角色仅限市在线学习办",
    )
    .await;
    // The liaison's role is the selected line: revoking it is the office's too.
    refused_at_once(
        &mut hs,
        KeyCode::Delete,
        "无权操作：授予或撤销管理角色仅限市在线学习办",
    )
    .await;
    hs.keys("a").await;
    assert!(hs.screen().contains("粘贴 SSH 公钥"), "{}", hs.screen());
    hs.key(KeyCode::Esc).await;

    // Back on the list, 参评变动 is the office's.
    hs.key(KeyCode::Esc).await;
    let help = help_text(&mut hs).await;
    assert!(!help.contains("参评变动与免考核申请"), "{help}");
    refused_at_once(&mut hs, KeyCode::Char('p'), "仅限市在线学习办").await;
    assert!(
        !hs.screen().contains("待审批的免考核申请"),
        "{}",
        hs.screen()
    );
    // Nor does the empty list's hint offer it.
    hs.keys("/").await;
    hs.key(KeyCode::Esc).await;
    let screen = hs.screen();
    assert!(screen.contains("按 / 输入用户名"), "{screen}");
    assert!(!screen.contains("按 p"), "{screen}");
}

/// The college on a learner: unlocking is for the office and the learner's unit, so `u` is
/// hidden and refused at once; granting roles too. Changes the college may make stay offered.
#[tokio::test]
async fn the_college_is_refused_unlock_and_roles_at_once() {
    let t = TestDb::sqlite().await;
    common::seed_demo(&t.db, 50).await;
    let username = first_learner(&t, "LX").await;
    let mut hs = harness_on(t, "college", 120, 40).await;
    open_account(&mut hs, &username).await;
    let help = help_text(&mut hs).await;
    assert!(!help.contains("解除登录锁定"), "{help}");
    assert!(!help.contains("授予管理角色"), "{help}");
    assert!(help.contains("调动到其他单位"), "{help}");
    refused_at_once(
        &mut hs,
        KeyCode::Char('u'),
        "无权操作：解除登录锁定仅限市在线学习办和账号所在单位",
    )
    .await;
    refused_at_once(
        &mut hs,
        KeyCode::Char('g'),
        "无权操作：授予或撤销管理角色仅限市在线学习办",
    )
    .await;
    // Allowed: disabling asks for its reason.
    hs.keys("d").await;
    assert!(hs.screen().contains("停用原因："), "{}", hs.screen());
}

/// True when the effects load something this predicate recognises.
fn loads(effects: &[Effect], what: impl Fn(&data::Request) -> bool) -> bool {
    effects
        .iter()
        .any(|e| matches!(e, Effect::Load(r) if what(r)))
}

/// A screen reads its data again when it gains focus, on `r` and F5; a change reloads the
/// shown screen only when it shows that kind of data, and the selection stays (issue 12
/// point 3).
#[tokio::test]
async fn screens_reload_on_focus_keys_and_changes() {
    use wangyuan::app::changes::Topic;
    use wangyuan::tui::data::Request;
    let mut hs = harness("office", 120, 40).await;
    let dashboard = |r: &Request| matches!(r, Request::Dashboard { .. });
    let roster = |r: &Request| matches!(r, Request::Roster(_));
    let catalog = |r: &Request| matches!(r, Request::Catalog(_));

    // r and F5 on 总览, keeping the selected unit.
    hs.keys("jj").await;
    let before = hs.app.dashboard().selected_unit();
    for key in [KeyCode::Char('r'), KeyCode::F(5)] {
        let effects = hs.app.handle(Event::Key(KeyEvent::new(key)));
        assert!(loads(&effects, dashboard), "{key:?}: {effects:?}");
        assert!(!loads(&effects, roster), "{key:?}: {effects:?}");
        hs.pump(effects).await;
    }
    assert_eq!(hs.app.dashboard().selected_unit(), before);
    assert!(before.is_some());

    // Changes: the ledger moves 总览; the catalogue does not.
    let effects = hs.app.handle(Event::Changed(Topic::Ledger));
    assert!(loads(&effects, dashboard), "{effects:?}");
    assert!(
        !loads(&effects, roster),
        "only the shown screen: {effects:?}"
    );
    hs.pump(effects).await;
    let effects = hs.app.handle(Event::Changed(Topic::Catalog));
    assert!(effects.is_empty(), "{effects:?}");

    // Focus: 花名册 reads its rows again when shown, keeping the selected row.
    hs.key(KeyCode::Tab).await;
    hs.keys("jjj").await;
    let row = hs.app.roster().selected_row().cloned();
    hs.key(KeyCode::Tab).await;
    let effects = hs.app.handle(Event::Key(KeyEvent::new(KeyCode::Char('h'))));
    assert_eq!(hs.app.tab(), Tab::Roster);
    assert!(loads(&effects, roster), "{effects:?}");
    hs.pump(effects).await;
    assert_eq!(hs.app.roster().selected_row().cloned(), row);
    assert!(row.is_some());

    // 课程 shows the catalogue: a catalogue change reloads it, a ledger change does not.
    let effects = hs.app.handle(Event::Key(KeyEvent::new(KeyCode::Tab)));
    assert!(loads(&effects, catalog), "{effects:?}");
    hs.pump(effects).await;
    let effects = hs.app.handle(Event::Changed(Topic::Catalog));
    assert!(loads(&effects, catalog), "{effects:?}");
    hs.pump(effects).await;
    assert!(hs.app.handle(Event::Changed(Topic::Ledger)).is_empty());
}

/// Where a screen takes `r` for itself (an open account resets a password with it), help and
/// footer offer F5 for reloading and not `r`.
#[tokio::test]
async fn a_key_a_screen_takes_is_not_offered_as_global() {
    let (mut hs, _) = account_open(120, 40).await;
    hs.key(KeyCode::Enter).await;
    let help = help_text(&mut hs).await;
    assert!(help.contains("F5          刷新本页面数据"), "{help}");
    assert!(!help.contains("r           刷新本页面数据"), "{help}");
    assert!(
        !help.contains("切换 ASCII 边框"),
        "b is the batch here: {help}"
    );
}

/// The header says when the data shown was read: the time the answer carries, in CST.
#[tokio::test]
async fn the_header_shows_when_the_data_was_read() {
    let hs = harness("office", 80, 24).await;
    let first = hs.screen().lines().next().unwrap_or_default().to_string();
    assert!(first.trim_end().ends_with("读取 12:00:00"), "{first}");
}

/// A help popup taller than an 80×24 screen scrolls: its title says which lines are shown, its
/// border stays whole, and the last entries come into view with j.
#[tokio::test]
async fn a_tall_help_popup_scrolls_at_80x24() {
    let mut hs = harness("office", 80, 24).await;
    hs.key(KeyCode::Tab).await;
    hs.keys("?").await;
    let screen = hs.screen();
    assert!(screen.contains("帮助 1-22/23"), "{screen}");
    assert!(!screen.contains("退出（需确认）"), "{screen}");
    assert!(
        screen.lines().nth(23).unwrap_or_default().contains('┘'),
        "{screen}"
    );
    hs.keys("jjjjjjjjjj").await;
    let screen = hs.screen();
    assert!(screen.contains("退出（需确认）"), "{screen}");
    assert_eq!(hs.app.popup(), Some(Popup::Help));
    hs.key(KeyCode::Esc).await;
    assert_eq!(hs.app.popup(), None);
}

/// Tab presses from 总览 to the 单位 tab.
const UNITS_TAB: usize = 5;

async fn to_tab(hs: &mut Harness, n: usize) {
    for _ in 0..n {
        hs.key(KeyCode::Tab).await;
    }
}

/// (name, parent code, status) of a unit.
async fn unit_row(t: &TestDb, code: &str) -> Option<(String, Option<String>, String)> {
    sqlx::query_as(
        "SELECT u.name, p.code, u.status FROM units u LEFT JOIN units p ON p.id = u.parent_id \
         WHERE u.code = $1",
    )
    .bind(code.to_string())
    .fetch_optional(t.db.reader())
    .await
    .expect("unit")
}

async fn filter_to(hs: &mut Harness, text: &str) {
    hs.keys("/").await;
    let effects = hs.app.handle(ctrl_u());
    hs.pump(effects).await;
    hs.keys(text).await;
    hs.key(KeyCode::Enter).await;
}

/// The office adds a child unit, renames, moves and retires it from the 单位 tab, each after a
/// y/n naming the unit; the database and the audit log follow; n changes nothing.
#[tokio::test]
async fn units_tab_changes_the_tree() {
    for t in common::all_with_demo(20).await {
        let mut hs = harness_on(t, "office", 80, 24).await;
        to_tab(&mut hs, UNITS_TAB).await;
        let screen = hs.screen();
        assert!(screen.contains("娄底市"), "{screen}");
        assert!(screen.contains("a 新增下级单位"), "{screen}");

        filter_to(&mut hs, "LX01").await;
        let screen = hs.screen();
        assert!(screen.contains("娄星区委组织部"), "{screen}");
        hs.keys("a").await;
        hs.keys("LX0199").await;
        hs.key(KeyCode::Enter).await;
        hs.keys("测试科").await;
        hs.key(KeyCode::Enter).await;
        assert!(
            hs.screen().contains("LX01 娄星区委组织部"),
            "{}",
            hs.screen()
        );
        hs.keys("n").await;
        assert_eq!(unit_row(&hs.t, "LX0199").await, None);
        hs.keys("a").await;
        hs.keys("LX0199").await;
        hs.key(KeyCode::Enter).await;
        hs.keys("测试科").await;
        hs.key(KeyCode::Enter).await;
        hs.keys("y").await;
        assert!(hs.screen().contains("已新增单位 LX0199"), "{}", hs.screen());
        assert_eq!(
            unit_row(&hs.t, "LX0199").await,
            Some(("测试科".into(), Some("LX01".into()), "active".into()))
        );

        filter_to(&mut hs, "LX0199").await;
        hs.keys("e").await;
        hs.keys("测试二科").await;
        hs.key(KeyCode::Enter).await;
        hs.keys("y").await;
        hs.keys("m").await;
        hs.keys("LX").await;
        hs.key(KeyCode::Enter).await;
        assert!(hs.screen().contains("LX0199 测试二科"), "{}", hs.screen());
        hs.keys("y").await;
        assert_eq!(
            unit_row(&hs.t, "LX0199").await,
            Some(("测试二科".into(), Some("LX".into()), "active".into()))
        );

        // A unit with accounts under it is not retired: the reason is shown.
        filter_to(&mut hs, "LX").await;
        hs.keys("xy").await;
        assert!(hs.screen().contains("不能撤销 LX"), "{}", hs.screen());
        assert_eq!(
            unit_row(&hs.t, "LX").await.map(|r| r.2),
            Some("active".into())
        );

        filter_to(&mut hs, "LX0199").await;
        hs.keys("xy").await;
        assert!(hs.screen().contains("已撤销 LX0199"), "{}", hs.screen());
        assert_eq!(
            unit_row(&hs.t, "LX0199").await.map(|r| r.2),
            Some("retired".into())
        );
        // Retired units are shown (muted) and hidden with v.
        assert!(hs.screen().contains("已撤销"), "{}", hs.screen());
        hs.keys("v").await;
        assert!(!hs.screen().contains("测试二科"), "{}", hs.screen());
        for action in ["unit.add", "unit.rename", "unit.move", "unit.retire"] {
            let (actor, _) = last_audit(&hs.t, action).await.expect(action);
            assert_eq!(actor, "office", "{action}");
        }
    }
}

/// A liaison sees the county's tree but no write keys, and is refused them at once.
#[tokio::test]
async fn a_liaison_reads_the_units_tab_only() {
    for t in common::all_with_demo(20).await {
        let before = common::count(&t.db, "SELECT COUNT(*) FROM units").await;
        let mut hs = harness_on(t, "lx_liaison", 80, 24).await;
        to_tab(&mut hs, UNITS_TAB).await;
        let screen = hs.screen();
        assert!(screen.contains("LX01"), "{screen}");
        assert!(!screen.contains("娄底市"), "only the county: {screen}");
        for hint in ["a 新增", "e 单位改名", "m 调整", "x 撤销"] {
            assert!(!screen.contains(hint), "{hint}: {screen}");
        }
        for key in ["a", "e", "m", "x"] {
            hs.keys(key).await;
            let screen = hs.screen();
            assert!(screen.contains("无权操作"), "{key}: {screen}");
            assert!(!screen.contains("y 确定"), "nothing asked: {screen}");
        }
        assert_eq!(
            common::count(&hs.t.db, "SELECT COUNT(*) FROM units").await,
            before
        );
    }
}

fn ctrl_u() -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char('u')).modifiers(KeyModifiers::CTRL))
}

/// The office edits the year's settings: a bad value is named as typed and not saved; a good one
/// is saved after y/n. A liaison reads them and is refused the edit.
#[tokio::test]
async fn settings_edit_saves_and_a_liaison_is_refused() {
    for t in common::all_with_demo(20).await {
        let mut hs = harness_on(t, "office", 80, 24).await;
        to_tab(&mut hs, UNITS_TAB + 1).await;
        let screen = hs.screen();
        assert!(
            screen.contains("2026 年度设置") && screen.contains("总学分"),
            "{screen}"
        );
        hs.keys("e").await;
        hs.app.handle(ctrl_u());
        hs.keys("abc").await;
        assert!(hs.screen().contains("--total"), "{}", hs.screen());
        hs.key(KeyCode::Enter).await;
        assert!(!hs.screen().contains("保存 2026"), "{}", hs.screen());
        hs.app.handle(ctrl_u());
        hs.keys("50").await;
        hs.key(KeyCode::Tab).await;
        hs.app.handle(ctrl_u());
        hs.keys("60").await;
        assert!(hs.screen().contains("不能超过总学分"), "{}", hs.screen());
        hs.app.handle(ctrl_u());
        hs.keys("30").await;
        hs.key(KeyCode::Enter).await;
        assert!(hs.screen().contains("保存 2026"), "{}", hs.screen());
        hs.keys("y").await;
        assert!(hs.screen().contains("已保存"), "{}", hs.screen());
        let (total, required): (i64, i64) = sqlx::query_as(
            "SELECT target_total_tenths, target_required_tenths FROM year_settings WHERE year = 2026",
        )
        .fetch_one(hs.t.db.reader())
        .await
        .expect("settings");
        assert_eq!((total, required), (500, 300));
        // The demo's own year.set row is the local operator's: this one must be the office's.
        let (who, _) = last_audit(&hs.t, "year.set")
            .await
            .expect("year.set audited");
        assert_eq!(who, "office");
        // ] shows the next year, which has no settings of its own yet.
        hs.keys("]").await;
        let screen = hs.screen();
        assert!(
            screen.contains("2027 年度设置") && screen.contains("沿用 2026 年度设置"),
            "{screen}"
        );
        assert!(screen.contains("50.0 学分"), "{screen}");
        hs.keys("[").await;
        assert!(hs.screen().contains("本年度设置"), "{}", hs.screen());

        let mut hs = harness_on(hs.t, "lx_liaison", 80, 24).await;
        to_tab(&mut hs, UNITS_TAB + 1).await;
        let screen = hs.screen();
        assert!(screen.contains("50.0 学分"), "{screen}");
        assert!(!screen.contains("e 修改"), "{screen}");
        hs.keys("e").await;
        let screen = hs.screen();
        assert!(screen.contains("无权操作"), "{screen}");
        assert!(!screen.contains("Enter 保存"), "no form: {screen}");
    }
}

#[tokio::test]
async fn units_and_settings_snapshots_80x24() {
    let mut hs = harness("office", 80, 24).await;
    to_tab(&mut hs, UNITS_TAB).await;
    insta::assert_snapshot!("units_80x24", hs.screen());
    hs.key(KeyCode::Tab).await;
    insta::assert_snapshot!("settings_80x24", hs.screen());
    hs.keys("e").await;
    insta::assert_snapshot!("settings_edit_80x24", hs.screen());
}

/// Ctrl-U: clears the focused line of a form.
async fn clear_line(hs: &mut Harness) {
    let effects = hs.app.handle(Event::Key(
        KeyEvent::new(KeyCode::Char('u')).modifiers(KeyModifiers::CTRL),
    ));
    hs.pump(effects).await;
}

async fn course_row(t: &TestDb, code: &str) -> (String, i64, Option<i64>) {
    sqlx::query_as("SELECT status, duration_s, designated_tenths FROM courses WHERE code = $1")
        .bind(code.to_string())
        .fetch_one(t.db.reader())
        .await
        .expect("course row")
}

async fn audited(t: &TestDb, action: &str, target: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1 AND target = $2")
        .bind(action.to_string())
        .bind(target.to_string())
        .fetch_one(t.db.reader())
        .await
        .expect("audit count")
}

/// The college adds a course in the form (each field checked as typed, the credit shown live),
/// edits it, publishes and retires it, on both databases; each change is in the DB and audited.
#[tokio::test]
async fn course_form_adds_edits_publishes_and_retires() {
    for t in common::all_with_demo(20).await {
        let mut hs = harness_on(t, "college", 80, 24).await;
        hs.key(KeyCode::Tab).await;
        hs.key(KeyCode::Tab).await;
        assert_eq!(hs.app.tab(), Tab::Catalog);
        hs.keys("n").await;
        let screen = hs.screen();
        assert!(screen.contains("新增课程（草稿）"), "{screen}");
        assert!(screen.contains("课程编号不能为空"), "{screen}");
        assert!(screen.contains("课程名称不能为空"), "{screen}");
        hs.keys("t f").await;
        assert!(hs.screen().contains("只能由字母"), "{}", hs.screen());
        clear_line(&mut hs).await;
        hs.keys("TF01").await;
        let screen = hs.screen();
        assert!(!screen.contains("只能由字母"), "{screen}");
        assert!(!screen.contains("课程编号不能为空"), "{screen}");
        hs.key(KeyCode::Enter).await;
        hs.keys("表单课程").await;
        hs.key(KeyCode::Enter).await;
        hs.keys("党建").await;
        assert!(hs.screen().contains("无法识别“党建”"), "{}", hs.screen());
        clear_line(&mut hs).await;
        hs.keys("party").await;
        assert!(!hs.screen().contains("无法识别"), "{}", hs.screen());
        hs.key(KeyCode::Enter).await; // 类型: 必修 already
        hs.key(KeyCode::Enter).await; // 来源: 本地特色 already
        hs.key(KeyCode::Enter).await;
        hs.keys("99999").await;
        assert!(hs.screen().contains("超出范围"), "{}", hs.screen());
        clear_line(&mut hs).await;
        hs.keys("67分30秒").await;
        // Point 7: odd minutes shown with the rule that rounds them.
        let screen = hs.screen();
        assert!(
            screen.contains("必修 67分30秒 → 2学时 × 1 = 2.0"),
            "{screen}"
        );
        hs.key(KeyCode::Enter).await;
        hs.keys("1.55").await;
        assert!(hs.screen().contains("最多一位小数"), "{}", hs.screen());
        hs.key(KeyCode::Backspace).await;
        let screen = hs.screen();
        assert!(
            screen.contains("指定学分 1.5（必修 67分30秒，2学时）"),
            "{screen}"
        );
        assert!(screen.contains("指定学分须说明理由"), "{screen}");
        // Enter on the last field with an error stays in the form, on the bad field.
        hs.key(KeyCode::Enter).await;
        hs.key(KeyCode::Enter).await;
        assert!(!hs.screen().contains("y 确定"), "{}", hs.screen());
        hs.keys("省委组织部指定").await;
        hs.key(KeyCode::Enter).await;
        assert!(
            hs.screen().contains("新增课程 TF01（表单课程）"),
            "{}",
            hs.screen()
        );
        hs.keys("y").await;
        assert!(hs.screen().contains("已新增课程 TF01"), "{}", hs.screen());
        assert_eq!(
            course_row(&hs.t, "TF01").await,
            ("draft".into(), 4050, Some(15))
        );
        assert_eq!(audited(&hs.t, "course.add", "course:TF01").await, 1);

        // Only this course, then edit it: 90 minutes, no designated credits.
        hs.keys("/").await;
        hs.keys("TF01").await;
        hs.key(KeyCode::Enter).await;
        assert!(hs.screen().contains("草稿"), "{}", hs.screen());
        hs.keys("e").await;
        assert!(hs.screen().contains("修改课程 TF01"), "{}", hs.screen());
        for _ in 0..4 {
            hs.key(KeyCode::Down).await;
        }
        clear_line(&mut hs).await;
        hs.keys("5400").await;
        hs.key(KeyCode::Down).await;
        clear_line(&mut hs).await;
        assert!(
            hs.screen().contains("必修 90分钟 → 2学时 × 1 = 2.0"),
            "{}",
            hs.screen()
        );
        hs.key(KeyCode::Down).await;
        hs.key(KeyCode::Enter).await;
        hs.keys("y").await;
        assert!(hs.screen().contains("已修改课程 TF01"), "{}", hs.screen());
        assert_eq!(
            course_row(&hs.t, "TF01").await,
            ("draft".into(), 5400, None)
        );
        assert_eq!(audited(&hs.t, "course.edit", "course:TF01").await, 1);

        // Publish, then retire, each after y/n naming the course; n changes nothing.
        hs.keys("p").await;
        assert!(hs.screen().contains("发布课程 TF01"), "{}", hs.screen());
        hs.keys("n").await;
        assert_eq!(course_row(&hs.t, "TF01").await.0, "draft");
        hs.keys("p").await;
        hs.keys("y").await;
        assert_eq!(course_row(&hs.t, "TF01").await.0, "published");
        assert!(hs.screen().contains("已发布"), "{}", hs.screen());
        hs.keys("x").await;
        assert!(hs.screen().contains("停用课程 TF01"), "{}", hs.screen());
        hs.keys("y").await;
        assert_eq!(course_row(&hs.t, "TF01").await.0, "retired");
        let screen = hs.screen();
        assert!(screen.contains("已停用"), "{screen}");
        assert!(!screen.contains("未发布"), "{screen}");
        assert_eq!(audited(&hs.t, "course.publish", "course:TF01").await, 1);
        assert_eq!(audited(&hs.t, "course.retire", "course:TF01").await, 1);
    }
}

/// The form at 80×24: fields, their errors and the live credit.
#[tokio::test]
async fn course_form_snapshot_80x24() {
    let mut hs = harness("college", 80, 24).await;
    hs.key(KeyCode::Tab).await;
    hs.key(KeyCode::Tab).await;
    hs.keys("n").await;
    hs.keys("TF02").await;
    hs.key(KeyCode::Enter).await;
    hs.keys("表单课程").await;
    hs.key(KeyCode::Enter).await;
    hs.key(KeyCode::Enter).await;
    hs.key(KeyCode::Enter).await;
    hs.key(KeyCode::Enter).await;
    hs.keys("4050").await;
    insta::assert_snapshot!("course_form_80x24", hs.screen());
}

/// A liaison sees no catalogue keys and `n`, `e`, `p`, `x` are refused at once.
#[tokio::test]
async fn liaison_may_not_change_the_catalogue() {
    let mut hs = harness("lx_liaison", 120, 40).await;
    while hs.app.tab() != Tab::Catalog {
        hs.key(KeyCode::Tab).await;
    }
    let before = course_changes(&hs.t).await;
    let screen = hs.screen();
    assert!(!screen.contains("新增课程"), "{screen}");
    for k in ["n", "e", "p", "x"] {
        hs.keys(k).await;
        let screen = hs.screen();
        assert!(screen.contains("维护课程目录仅限"), "{k}: {screen}");
        assert!(!screen.contains("y 确定"), "{k}: nothing asked: {screen}");
        assert!(!screen.contains("新增课程（草稿）"), "{k}: {screen}");
    }
    hs.keys("?").await;
    let help = hs.screen();
    assert!(!help.contains("停用所选课程"), "{help}");
    assert_eq!(course_changes(&hs.t).await, before);
}

async fn course_changes(t: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'course.%'")
        .fetch_one(t.db.reader())
        .await
        .expect("count")
}

/// (code, completions, bank size) of a demo course that has an exam and has been completed.
async fn course_with_exam(t: &TestDb) -> (String, i64, i64) {
    sqlx::query_as(
        "SELECT c.code, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM ledger l WHERE l.course_id = c.id \
          AND l.kind IN ('course', 'legacy')) AS done, \
         (SELECT CAST(COUNT(*) AS BIGINT) FROM exam_questions q WHERE q.exam_id = e.id \
          AND q.retired = 0) AS bank \
         FROM courses c JOIN exams e ON e.course_id = c.id ORDER BY done DESC, c.code LIMIT 1",
    )
    .fetch_one(t.db.reader())
    .await
    .expect("a course with an exam")
}

/// (questions drawn, pass percent, attempts, bonus tenths) of a course's exam.
async fn exam_settings(t: &TestDb, code: &str) -> (i64, i64, i64, i64) {
    sqlx::query_as(
        "SELECT e.question_count, e.pass_percent, e.max_attempts, e.bonus_tenths FROM exams e \
         JOIN courses c ON c.id = e.course_id WHERE c.code = $1",
    )
    .bind(code.to_string())
    .fetch_one(t.db.reader())
    .await
    .expect("exam")
}

/// (entries, tenths) of the course's ledger entries: a credit change never rewrites them.
async fn earned(t: &TestDb, code: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT), CAST(COALESCE(SUM(l.tenths), 0) AS BIGINT) FROM ledger l \
         JOIN courses c ON c.id = l.course_id WHERE c.code = $1",
    )
    .bind(code.to_string())
    .fetch_one(t.db.reader())
    .await
    .expect("ledger")
}

/// The college on 课程, the list filtered to `code`, its form open.
async fn edit_course(hs: &mut Harness, code: &str) {
    while hs.app.tab() != Tab::Catalog {
        hs.key(KeyCode::Tab).await;
    }
    filter_to(hs, code).await;
    hs.keys("e").await;
    assert!(
        hs.screen().contains(&format!("修改课程 {code}")),
        "{}",
        hs.screen()
    );
}

/// Issue 13 point 4 in the form: an edited course shows how many completed it and its exam's
/// settings as fields, checked against the bank as typed; changed settings are saved after y/n
/// (audited, one transaction with the course); a course without an exam says how one is made.
#[tokio::test]
async fn course_form_shows_and_changes_the_exam() {
    for t in common::all_with_demo(20).await {
        let (code, done, bank) = course_with_exam(&t).await;
        assert!(
            done > 0 && bank > 1,
            "{code}: {done} completions, bank {bank}"
        );
        let before = exam_settings(&t, &code).await;
        let mut hs = harness_on(t, "college", 80, 24).await;
        edit_course(&mut hs, &code).await;
        let screen = hs.screen();
        assert!(screen.contains(&format!("已有 {done} 人完成")), "{screen}");
        assert!(screen.contains(&format!("题库 {bank} 道")), "{screen}");
        // To 每次抽题: past 类别 … 指定理由.
        for _ in 0..7 {
            hs.key(KeyCode::Down).await;
        }
        clear_line(&mut hs).await;
        hs.keys(&(bank + 1).to_string()).await;
        let screen = hs.screen();
        assert!(
            screen.contains("超出范围") && screen.contains(&format!("题库共 {bank} 道")),
            "{screen}"
        );
        // Enter on the last field goes back to the bad one: nothing is asked.
        for _ in 0..4 {
            hs.key(KeyCode::Enter).await;
        }
        assert!(!hs.screen().contains("y 确定"), "{}", hs.screen());
        clear_line(&mut hs).await;
        hs.keys("1").await;
        hs.key(KeyCode::Down).await;
        clear_line(&mut hs).await;
        hs.keys("7x").await;
        assert!(hs.screen().contains("不是整数"), "{}", hs.screen());
        hs.key(KeyCode::Backspace).await;
        hs.keys("0").await;
        hs.key(KeyCode::Down).await;
        hs.key(KeyCode::Down).await;
        clear_line(&mut hs).await;
        hs.keys("2.5").await;
        hs.key(KeyCode::Enter).await;
        assert!(
            hs.screen().contains(&format!("保存对课程 {code}")),
            "{}",
            hs.screen()
        );
        hs.keys("y").await;
        assert!(hs.screen().contains("考试设置已更新"), "{}", hs.screen());
        assert_eq!(exam_settings(&hs.t, &code).await, (1, 70, before.2, 25));
        assert_eq!(
            audited(&hs.t, "exam.settings", &format!("course:{code}")).await,
            1
        );
        // The course itself did not change: no course.edit row.
        assert_eq!(
            audited(&hs.t, "course.edit", &format!("course:{code}")).await,
            0
        );

        // A course without an exam: no exam fields, the way to make one is named.
        let plain: String = sqlx::query_scalar(
            "SELECT c.code FROM courses c WHERE NOT EXISTS \
             (SELECT 1 FROM exams e WHERE e.course_id = c.id) ORDER BY c.code LIMIT 1",
        )
        .fetch_one(hs.t.db.reader())
        .await
        .expect("a course without an exam");
        hs.key(KeyCode::Esc).await;
        edit_course(&mut hs, &plain).await;
        let screen = hs.screen();
        assert!(
            screen.contains(&format!("考试：无（导入题库即建立：exam import {plain}")),
            "{screen}"
        );
        assert!(!screen.contains("每次抽题"), "{screen}");
    }
}

/// Issue 13 point 5 in the form: changing the duration of a course somebody completed is
/// offered with a y/n that says how many completed it and that credits earned stay; n changes
/// nothing, y changes the course and no ledger entry.
#[tokio::test]
async fn course_form_changes_credits_of_a_completed_course_after_a_warning() {
    for t in common::all_with_demo(20).await {
        let (code, done, _) = course_with_exam(&t).await;
        let ledger = earned(&t, &code).await;
        let old = course_row(&t, &code).await.1;
        // One class hour more: the credit rule gives another figure.
        let longer = (old + 2700).to_string();
        let mut hs = harness_on(t, "college", 80, 24).await;
        for answer in ["n", "y"] {
            edit_course(&mut hs, &code).await;
            for _ in 0..4 {
                hs.key(KeyCode::Down).await;
            }
            clear_line(&mut hs).await;
            hs.keys(&longer).await;
            while !hs.screen().contains("y 确定") {
                hs.key(KeyCode::Enter).await;
            }
            // The question wraps in its popup: read it without borders and line breaks.
            let screen = hs.screen();
            let flat: String = screen
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '│')
                .collect();
            assert!(
                flat.contains(&format!("已有{done}人完成"))
                    && flat.contains("已取得的学分保持不变"),
                "{screen}"
            );
            hs.keys(answer).await;
            if answer == "n" {
                assert_eq!(course_row(&hs.t, &code).await.1, old);
            }
        }
        let screen = hs.screen();
        assert!(screen.contains(&format!("已修改课程 {code}")), "{screen}");
        assert_eq!(course_row(&hs.t, &code).await.1, old + 2700);
        assert_eq!(earned(&hs.t, &code).await, ledger);
        assert_eq!(
            audited(&hs.t, "course.edit", &format!("course:{code}")).await,
            1
        );
    }
}

/// The edit form of a course with completions and an exam, at 80×24.
#[tokio::test]
async fn course_edit_form_snapshot_80x24() {
    let mut hs = harness("college", 80, 24).await;
    let (code, _, _) = course_with_exam(&hs.t).await;
    edit_course(&mut hs, &code).await;
    insta::assert_snapshot!("course_edit_form_80x24", hs.screen());
}

/// Issue 13 point 3 on the 账号 tab: `m` takes a unit code or a unique unit name, and the y/n
/// names the unit it resolved to; an ambiguous name lists the codes and asks nothing; a unit
/// outside the liaison's scope is refused before any question.
#[tokio::test]
async fn move_prompt_accepts_a_unique_unit_name() {
    for t in common::all_with_demo(20).await {
        let username = first_learner(&t, "LX").await;
        // The liaison of 娄星区 may not move anyone to 冷水江市: refused before the question.
        let mut hs = harness_on(t, "lx_liaison", 80, 24).await;
        open_account(&mut hs, &username).await;
        hs.refused(
            "m冷水江市委组织部",
            "冷水江市委组织部不在您的管理范围内",
            "调入单位",
        )
        .await;

        let mut hs = harness_on(hs.t, "office", 80, 24).await;
        open_account(&mut hs, &username).await;
        hs.keys("m").await;
        assert!(hs.screen().contains("代码或唯一的名称"), "{}", hs.screen());
        hs.keys("冷水江市委组织部 工作调动").await;
        hs.key(KeyCode::Enter).await;
        let screen = hs.screen();
        assert!(
            screen.contains(&format!(
                "将账号 {username} 调至单位 LSJ01 冷水江市委组织部"
            )),
            "{screen}"
        );
        hs.keys("y").await;
        let unit: String = sqlx::query_scalar(
            "SELECT u.code FROM accounts a JOIN units u ON u.id = a.unit_id WHERE a.username = $1",
        )
        .bind(username.clone())
        .fetch_one(hs.t.db.reader())
        .await
        .expect("unit");
        assert_eq!(unit, "LSJ01");
        let (who, detail) = last_audit(&hs.t, "account.move").await.expect("audited");
        assert_eq!(who, "office");
        assert!(detail.contains("工作调动"), "{detail}");

        // Two units of one name: the codes are listed, nothing is asked.
        let office = hs.actor.clone();
        wangyuan::app::unit_tree::add(
            &hs.t.db,
            &office,
            "LSJ0999",
            "石井镇人民政府",
            "LSJ",
            common::NOW,
        )
        .await
        .expect("a second unit of the name");
        hs.refused("m石井镇人民政府", "的单位有 2", "调入单位")
            .await;
        // With the prompt closed the whole refusal shows, codes and paths.
        let screen = hs.screen();
        assert!(
            screen.contains("LX08") && screen.contains("LSJ0999"),
            "{screen}"
        );
    }
}

/// From 总览 to the 培训班 tab.
async fn to_classes(hs: &mut Harness) {
    while hs.app.tab() != Tab::Classes {
        hs.key(KeyCode::Tab).await;
    }
}

#[tokio::test]
async fn classes_tab_snapshots_80x24() {
    let mut hs = harness("office", 80, 24).await;
    to_classes(&mut hs).await;
    insta::assert_snapshot!("classes_80x24", hs.screen());
    hs.key(KeyCode::Enter).await;
    insta::assert_snapshot!("class_board_80x24", hs.screen());
    // s orders by progress (least first), f keeps those behind; the help lists the board's keys.
    hs.keys("s").await;
    assert!(hs.screen().contains("进度少的在前"), "{}", hs.screen());
    hs.keys("f").await;
    let screen = hs.screen();
    assert!(screen.contains("只看落后"), "{screen}");
    hs.keys("?").await;
    let help = hs.screen();
    for want in ["移出所选学员", "粘贴名单添加", "左右移动课程列"] {
        assert!(help.contains(want), "{want}: {help}");
    }
    hs.key(KeyCode::Esc).await;
    hs.key(KeyCode::Esc).await;
    hs.keys("n").await;
    insta::assert_snapshot!("class_form_80x24", hs.screen());
}

/// Members (not removed) of the class with a title starting `title`.
async fn class_members(t: &TestDb, title: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM class_members m JOIN classes c ON c.id = m.class_id \
         WHERE c.title LIKE $1 AND m.removed_at IS NULL",
    )
    .bind(format!("{title}%"))
    .fetch_one(t.db.reader())
    .await
    .expect("members")
}

/// The 培训班 keys follow `app::classes::may_*`: the college may not open classes (n hidden,
/// refused at once with the reason); a liaison sees only their county's class, may edit it,
/// and is told at once that an open class cannot be opened again.
#[tokio::test]
async fn class_keys_follow_the_role() {
    let t = TestDb::sqlite().await;
    common::seed_demo(&t.db, 30).await;
    let mut hs = harness_on(t, "college", 80, 24).await;
    to_classes(&mut hs).await;
    assert!(!hs.screen().contains("n 新建"), "{}", hs.screen());
    hs.keys("n").await;
    let screen = hs.screen();
    assert!(screen.contains("开设培训班仅限"), "{screen}");
    assert!(!screen.contains("新建培训班（草稿）"), "{screen}");

    let mut hs = harness_on(hs.t, "lx_liaison", 80, 24).await;
    to_classes(&mut hs).await;
    let screen = hs.screen();
    assert!(
        screen.contains("LX 娄星区") && !screen.contains("LD 娄底市"),
        "{screen}"
    );
    assert!(
        screen.contains("e 修改") && !screen.contains("o 开班"),
        "{screen}"
    );
    hs.keys("o").await;
    let screen = hs.screen();
    assert!(screen.contains("不能再开班"), "{screen}");
    assert!(!screen.contains("y 确定"), "nothing asked: {screen}");
    // The form checks dates as typed.
    hs.keys("e").await;
    assert!(hs.screen().contains("修改培训班"), "{}", hs.screen());
    hs.key(KeyCode::Down).await;
    hs.key(KeyCode::Down).await;
    clear_line(&mut hs).await;
    hs.keys("2026-02-30").await;
    assert!(hs.screen().contains("无效"), "{}", hs.screen());
    hs.key(KeyCode::Esc).await;
}

/// On a board a member leaves with a reason (y/n first); a pasted list is checked line by line:
/// a refused line is reported with its reason and nothing is added; a good list (the member
/// who left) is added after y/n.
#[tokio::test]
async fn class_members_removed_with_a_reason_and_added_from_a_list() {
    for t in common::all_with_demo(30).await {
        const CLASS: &str = "娄星区党纪";
        let before = class_members(&t, CLASS).await;
        let mut hs = harness_on(t, "office", 80, 24).await;
        to_classes(&mut hs).await;
        filter_to(&mut hs, CLASS).await;
        hs.key(KeyCode::Enter).await;
        assert!(hs.screen().contains("完成率"), "{}", hs.screen());

        // Del on the selected member: a reason is required, then y/n.
        hs.key(KeyCode::Delete).await;
        hs.key(KeyCode::Enter).await;
        assert!(hs.screen().contains("请输入内容"), "{}", hs.screen());
        hs.keys("调离本区").await;
        hs.key(KeyCode::Enter).await;
        assert!(hs.screen().contains("移出培训班"), "{}", hs.screen());
        hs.keys("y").await;
        assert_eq!(class_members(&hs.t, CLASS).await, before - 1);
        let (left, reason): (String, String) = sqlx::query_as(
            "SELECT a.username, m.removed_reason FROM class_members m \
             JOIN accounts a ON a.id = m.account_id WHERE m.removed_at IS NOT NULL",
        )
        .fetch_one(hs.t.db.reader())
        .await
        .expect("removed");
        assert_eq!(reason, "调离本区");

        // A list with a bad line: reported, nothing added.
        hs.keys("p").await;
        let effects = hs.app.handle(Event::Paste(format!("{left}\nnosuchuser\n")));
        hs.pump(effects).await;
        hs.key(KeyCode::Enter).await;
        let screen = hs.screen();
        assert!(
            screen.contains("第 2 行 nosuchuser") && screen.contains("未添加任何学员"),
            "{screen}"
        );
        hs.keys("z").await;
        assert_eq!(class_members(&hs.t, CLASS).await, before - 1);

        // A pasted list is read as `class members add < list` reads a file: a header line is
        // skipped, a row's first column counts, and 第 N 行 is the pasted line (blank ones too).
        hs.keys("p").await;
        let effects = hs
            .app
            .handle(Event::Paste(format!("用户名\n{left},某某\n\nnosuchuser\n")));
        hs.pump(effects).await;
        hs.key(KeyCode::Enter).await;
        let screen = hs.screen();
        assert!(
            screen.contains("第 4 行 nosuchuser") && !screen.contains("第 1 行"),
            "{screen}"
        );
        assert!(!screen.contains("第 2 行"), "{screen}");
        hs.keys("z").await;
        assert_eq!(class_members(&hs.t, CLASS).await, before - 1);

        hs.keys("p").await;
        hs.keys(&left).await;
        hs.key(KeyCode::Enter).await;
        assert!(
            hs.screen().contains("将名单中的 1 人加入"),
            "{}",
            hs.screen()
        );
        hs.keys("y").await;
        assert_eq!(class_members(&hs.t, CLASS).await, before);

        // Once more out, then back one by one from a search.
        hs.key(KeyCode::Delete).await;
        hs.keys("再次调离").await;
        hs.key(KeyCode::Enter).await;
        hs.keys("y").await;
        assert_eq!(class_members(&hs.t, CLASS).await, before - 1);
        let (gone, name): (String, String) = sqlx::query_as(
            "SELECT a.username, a.real_name FROM class_members m \
             JOIN accounts a ON a.id = m.account_id WHERE m.removed_reason = '再次调离'",
        )
        .fetch_one(hs.t.db.reader())
        .await
        .expect("removed again");
        hs.keys("+").await;
        hs.keys(&gone).await;
        hs.key(KeyCode::Enter).await;
        assert!(hs.screen().contains(&name), "{}", hs.screen());
        hs.key(KeyCode::Enter).await;
        assert!(
            hs.screen().contains(&format!("将 {name}（{gone}")),
            "{}",
            hs.screen()
        );
        hs.keys("y").await;
        assert_eq!(class_members(&hs.t, CLASS).await, before);
    }
}

/// Goes round the tabs to 通知.
async fn to_notices(hs: &mut Harness) {
    for _ in 0..10 {
        if hs.app.tab() == Tab::Notices {
            return;
        }
        hs.key(KeyCode::Tab).await;
    }
    assert_eq!(hs.app.tab(), Tab::Notices, "{}", hs.screen());
}

/// A liaison on 通知: reminders and the quarterly notices are the office's, so help does not
/// offer them and u / Q are refused at once with app's own reason.
#[tokio::test]
async fn a_liaison_is_refused_reminders_and_quarterly_at_once() {
    let mut hs = harness("lx_liaison", 120, 40).await;
    to_notices(&mut hs).await;
    let help = help_text(&mut hs).await;
    assert!(!help.contains("催学"), "{help}");
    assert!(!help.contains("季度通知"), "{help}");
    assert!(help.contains("撰写通知"), "{help}");
    hs.keys("s").await; // 已发的
    refused_at_once(
        &mut hs,
        KeyCode::Char('u'),
        "无权操作：催学提醒仅限市在线学习办",
    )
    .await;
    refused_at_once(
        &mut hs,
        KeyCode::Char('Q'),
        "无权操作：季度通知仅限市在线学习办",
    )
    .await;
}

/// The college may not compose notices (app's may_send), so `n` is refused at once.
#[tokio::test]
async fn the_college_is_refused_composing_at_once() {
    let mut hs = harness("college", 120, 40).await;
    to_notices(&mut hs).await;
    let help = help_text(&mut hs).await;
    assert!(!help.contains("撰写通知"), "{help}");
    refused_at_once(
        &mut hs,
        KeyCode::Char('n'),
        "发送通知仅限市在线学习办和单位联络员",
    )
    .await;
    assert!(!hs.screen().contains("标题"), "{}", hs.screen());
}

/// Pasting into the class form's course search asks for the courses again, as typing does:
/// the picker lists the pasted title and no other.
#[tokio::test]
async fn a_pasted_course_search_is_searched() {
    let mut hs = harness("office", 120, 40).await;
    let (one, other): (String, String) = sqlx::query_as(
        "SELECT a.title, b.title FROM courses a JOIN courses b ON b.id > a.id ORDER BY a.id, b.id",
    )
    .fetch_one(hs.t.db.reader())
    .await
    .expect("two courses");
    to_classes(&mut hs).await;
    hs.keys("n").await;
    for _ in 0..4 {
        hs.key(KeyCode::Down).await;
    }
    hs.key(KeyCode::Enter).await;
    assert!(hs.screen().contains(&other), "{}", hs.screen());
    let effects = hs.app.handle(Event::Paste(one.clone()));
    assert!(!effects.is_empty(), "no search asked for");
    hs.pump(effects).await;
    let screen = hs.screen();
    assert!(
        screen.contains(&one) && !screen.contains(&other),
        "{screen}"
    );
}
