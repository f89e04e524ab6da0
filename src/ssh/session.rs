//! One interactive terminal session: a task that owns the interface (`tui::App`), its terminal and
//! the input decoder. The SSH handler only forwards input to it through an unbounded channel, so
//! the handler never waits on anything this loop drains.

use std::io::Write;
use std::ops::ControlFlow;
use std::time::Duration;

use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use russh::ChannelId;
use russh::server::Handle;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::time::{Instant, sleep_until};

use crate::app::Actor;
use crate::app::changes::Coalescer;
use crate::store::Db;
use crate::tui::input::Decoder;
use crate::tui::{Answer, App, ColorDepth, Effect, Event, SessionContext};

/// What the SSH handler forwards to the session.
#[derive(Debug)]
pub enum Input {
    Bytes(Vec<u8>),
    Resize(u16, u16),
}

/// Everything the session needs to start.
pub struct Start {
    pub db: Db,
    pub actor: Actor,
    pub real_name: String,
    pub term: String,
    pub no_color: bool,
    pub cols: u16,
    pub rows: u16,
    pub idle_timeout: Duration,
    pub ssh_port: u16,
    pub handle: Handle,
    pub channel: ChannelId,
}

/// Terminal sizes outside these bounds (0×0, 65535×65535 arrive) are clamped.
pub fn clamp_size(cols: u32, rows: u32) -> (u16, u16) {
    let c = cols.clamp(1, 500) as u16;
    let r = rows.clamp(1, 200) as u16;
    (c, r)
}

/// A lone ESC at the end of a packet waits this long for the rest of a sequence.
const ESC_WAIT: Duration = Duration::from_millis(50);
/// At most ~30 frames per second.
const FRAME_GAP: Duration = Duration::from_millis(33);
/// Changes of one topic reach the interface at most this often (a burst becomes one reload).
const CHANGE_GAP: Duration = Duration::from_millis(500);
/// How often a busy interface (issuing accounts) is redrawn to show its progress.
const BUSY_TICK: Duration = Duration::from_millis(250);
/// Warn this long before an idle session is closed.
const IDLE_WARNING: Duration = Duration::from_secs(60);

const ENTER: &[u8] = b"\x1b[?1049h\x1b[?2004h\x1b[H\x1b[2J";
const LEAVE: &[u8] = b"\x1b[?2004l\x1b[0m\x1b[?25h\x1b[?1049l";
const SYNC_BEGIN: &[u8] = b"\x1b[?2026h";
const SYNC_END: &[u8] = b"\x1b[?2026l";

/// Runs the session in a task of its own; a panic in it ends this session only, with a log line.
pub fn spawn(start: Start, input: UnboundedReceiver<Input>) {
    let handle = start.handle.clone();
    let channel = start.channel;
    tokio::spawn(async move {
        let code = match super::exec::isolated(run(start, input)).await {
            Some(Ok(())) => 0,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "终端会话出错");
                1
            }
            None => 1,
        };
        // Whatever happened, give the client its terminal back.
        let _ = handle.data(channel, LEAVE.to_vec()).await;
        let _ = handle.exit_status_request(channel, code).await;
        let _ = handle.eof(channel).await;
        let _ = handle.close(channel).await;
    });
}

async fn run(s: Start, mut input: UnboundedReceiver<Input>) -> std::io::Result<()> {
    // Subscribed before the first load, so no change after it is missed.
    let mut changes = crate::app::changes::subscribe(&s.db);
    let mut coalescer = Coalescer::new(CHANGE_GAP);
    let mut app = new_app(&s).await?;
    let sink = Sink::default();
    let mut term = Terminal::with_options(
        CrosstermBackend::new(sink.clone()),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, s.cols, s.rows)),
        },
    )?;
    let mut decoder = Decoder::new();
    let (data_tx, mut data_rx) = unbounded_channel();
    send(&s, ENTER.to_vec()).await?;

    let mut effects = app.start();
    let mut dirty = true;
    let mut esc_deadline: Option<Instant> = None;
    let mut last_input = Instant::now();
    let mut warned = false;
    // The idle notice is written past ratatui, so the next frame repaints everything.
    let mut repaint = false;
    let mut next_frame = Instant::now();
    loop {
        for effect in effects.drain(..) {
            if carry_out(&s, &data_tx, effect).is_break() {
                return Ok(());
            }
        }
        if dirty && Instant::now() >= next_frame {
            if std::mem::take(&mut repaint) {
                // Not Terminal::clear(): it asks the server's own tty where the cursor is.
                // Resizing to the same area clears through the backend and redraws everything.
                let area = term.get_frame().area();
                term.resize(area)?;
            }
            draw(&mut term, &sink, &app, &s).await?;
            dirty = false;
            next_frame = Instant::now() + FRAME_GAP;
        }
        let idle_at = last_input + s.idle_timeout;
        let warn_at = idle_at.checked_sub(IDLE_WARNING).unwrap_or(idle_at);
        tokio::select! {
            msg = input.recv() => match msg {
                None => return Ok(()),
                Some(Input::Bytes(bytes)) => {
                    last_input = Instant::now();
                    warned = false;
                    for ev in decoder.feed(&bytes) {
                        effects.extend(app.handle(ev));
                    }
                    esc_deadline = Some(Instant::now() + ESC_WAIT);
                    dirty = true;
                }
                Some(Input::Resize(cols, rows)) => {
                    term.resize(Rect::new(0, 0, cols, rows))?;
                    effects.extend(app.handle(Event::Resize(cols, rows)));
                    dirty = true;
                }
            },
            Some(msg) = data_rx.recv() => {
                effects.extend(app.handle(Event::Data(msg)));
                dirty = true;
            }
            Some(topics) = changes.recv() => {
                for topic in coalescer.offer(&topics, Instant::now()) {
                    effects.extend(app.handle(Event::Changed(topic)));
                }
                dirty |= !effects.is_empty();
            }
            _ = sleep_until(coalescer.due().unwrap_or(idle_at)), if coalescer.due().is_some() => {
                for topic in coalescer.release(Instant::now()) {
                    effects.extend(app.handle(Event::Changed(topic)));
                }
                dirty |= !effects.is_empty();
            }
            _ = sleep_until(esc_deadline.unwrap_or(idle_at)), if esc_deadline.is_some() => {
                esc_deadline = None;
                for ev in decoder.flush() {
                    effects.extend(app.handle(ev));
                    dirty = true;
                }
            }
            _ = sleep_until(next_frame), if dirty => {}
            _ = tokio::time::sleep(BUSY_TICK), if app.busy() => {
                effects.extend(app.handle(Event::Tick));
                dirty = true;
            }
            _ = sleep_until(warn_at), if !warned => {
                warned = true;
                repaint = true;
                send(&s, idle_notice(term.get_frame().area().height)).await?;
            }
            _ = sleep_until(idle_at) => {
                tracing::info!(user = %s.actor.username, "空闲超时，关闭终端会话");
                return Ok(());
            }
        }
    }
}

/// The interface for this session: the signed-in staff member's preferences and terminal.
async fn new_app(s: &Start) -> std::io::Result<App> {
    let depth = ColorDepth::detect(Some(&s.term), None, s.no_color);
    let prefs = crate::app::prefs::get(&s.db, &s.actor)
        .await
        .unwrap_or_default();
    let must_change = crate::app::credentials::must_change(&s.db, &s.actor)
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let year = crate::rules::calendar::credit_year(crate::app::now());
    Ok(App::new(SessionContext {
        actor: s.actor.clone(),
        real_name: s.real_name.clone(),
        year,
        theme: prefs.theme,
        ascii_borders: prefs.ascii_borders,
        color_depth: depth,
        width: s.cols,
        height: s.rows,
        must_change,
        ssh_port: s.ssh_port,
    }))
}

/// Carries out one effect the interface returned: loads run in tasks of their own and answer on
/// `data_tx`, so the session keeps reading keys meanwhile. `Break` ends the session.
fn carry_out(s: &Start, data_tx: &UnboundedSender<Answer>, effect: Effect) -> ControlFlow<()> {
    match effect {
        Effect::Quit => return ControlFlow::Break(()),
        Effect::Load(req) => {
            let (db, actor, tx) = (s.db.clone(), s.actor.clone(), data_tx.clone());
            tokio::spawn(async move {
                let msg = crate::tui::data::answer(&db, &actor, req).await;
                let _ = tx.send(msg);
            });
        }
        Effect::SavePrefs {
            theme,
            ascii_borders,
        } => {
            let (db, actor) = (s.db.clone(), s.actor.clone());
            tokio::spawn(async move {
                let prefs = crate::app::prefs::Prefs {
                    theme,
                    ascii_borders,
                };
                if let Err(e) = crate::app::prefs::set(&db, &actor, &prefs).await {
                    tracing::warn!(error = %e, "保存界面偏好失败");
                }
            });
        }
    }
    ControlFlow::Continue(())
}

/// Draws one frame and sends it as one write, between synchronized-output markers.
async fn draw(
    term: &mut Terminal<CrosstermBackend<Sink>>,
    sink: &Sink,
    app: &App,
    s: &Start,
) -> std::io::Result<()> {
    term.draw(|f| app.draw(f))?;
    let backend = term.backend_mut();
    match app.cursor() {
        Some((x, y)) => write!(backend, "\x1b[{};{}H\x1b[?25h", y + 1, x + 1)?,
        None => backend.write_all(b"\x1b[?25l")?,
    }
    backend.flush()?;
    let body = sink.take();
    let mut frame = Vec::with_capacity(body.len() + SYNC_BEGIN.len() + SYNC_END.len());
    frame.extend_from_slice(SYNC_BEGIN);
    frame.extend_from_slice(&body);
    frame.extend_from_slice(SYNC_END);
    send(s, frame).await
}

/// Where the backend writes a frame; the session takes the bytes out after each draw.
#[derive(Clone, Default)]
struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Sink {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn send(s: &Start, bytes: Vec<u8>) -> std::io::Result<()> {
    s.handle
        .data(s.channel, bytes)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "客户端已断开"))
}

/// A line at the bottom of the screen; the next frame paints over it once the user acts.
fn idle_notice(rows: u16) -> Vec<u8> {
    format!("\x1b[{rows};1H\x1b[7m 长时间未操作，一分钟后将断开连接；按任意键继续。 \x1b[0m")
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::clamp_size;

    #[test]
    fn sizes_are_clamped() {
        assert_eq!(clamp_size(0, 0), (1, 1));
        assert_eq!(clamp_size(65535, 65535), (500, 200));
        assert_eq!(clamp_size(120, 40), (120, 40));
    }
}
