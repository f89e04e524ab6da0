//! The SSH server under test and a russh client for it: real sockets on 127.0.0.1. `exec` runs a
//! command with standard input; `Pty` drives an interactive session on a PTY, reading the screen
//! through vt100 and waiting for text rather than sleeping.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use russh::client::{self, Handle};
use russh::keys::PublicKeyOrCertificate;
use russh::{Channel, ChannelMsg};
use wangyuan::store::Db;

pub struct Client;

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// Host keys made once for the whole test run (RSA generation is slow in debug builds).
fn host_keys() -> Vec<russh::keys::PrivateKey> {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("tempdir"));
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = LOCK.lock().expect("lock");
    wangyuan::ssh::keys::load_or_create(dir.path()).expect("host keys")
}

/// Starts the SSH server on a free port with the default idle timeout.
pub async fn start(db: &Db) -> SocketAddr {
    start_with_idle(db, Duration::from_secs(900)).await
}

pub async fn start_with_idle(db: &Db, idle_timeout: Duration) -> SocketAddr {
    start_with(db, idle_timeout, wangyuan::ssh::Limits::default()).await
}

/// Starts the SSH server with the given connection limits (sign-in grace time, caps).
pub async fn start_with(
    db: &Db,
    idle_timeout: Duration,
    limits: wangyuan::ssh::Limits,
) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let shared = wangyuan::ssh::Shared {
        db: db.clone(),
        idle_timeout,
        web_address: "http://127.0.0.1:8080/".into(),
        limits,
    };
    let keys = host_keys();
    tokio::spawn(async move { wangyuan::ssh::serve(shared, keys, listener).await });
    addr
}

/// Signs in with a password; None when the server refuses.
pub async fn connect(addr: SocketAddr, user: &str, password: &str) -> Option<Handle<Client>> {
    let config = Arc::new(client::Config::default());
    let mut handle = client::connect(config, addr, Client)
        .await
        .expect("connect");
    let auth = handle
        .authenticate_password(user, password)
        .await
        .expect("auth exchange");
    auth.success().then_some(handle)
}

/// What an exec channel gave back.
pub struct Ran {
    pub code: Option<u32>,
    pub out: Vec<u8>,
    pub err: String,
}

impl Ran {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.out).into_owned()
    }
}

/// Runs `line` over SSH exec, sending `input` as its standard input then EOF.
pub async fn exec(handle: &Handle<Client>, line: &str, input: &[u8]) -> Ran {
    let mut channel = handle.channel_open_session().await.expect("channel");
    channel.exec(true, line).await.expect("exec");
    if !input.is_empty() {
        channel.data(input).await.expect("stdin");
    }
    channel.eof().await.expect("eof");
    let (mut out, mut err, mut code) = (Vec::new(), Vec::new(), None);
    while let Some(msg) = tokio::time::timeout(Duration::from_secs(60), channel.wait())
        .await
        .expect("no hang")
    {
        match msg {
            ChannelMsg::Data { data } => out.extend_from_slice(&data),
            ChannelMsg::ExtendedData { data, .. } => err.extend_from_slice(&data),
            ChannelMsg::ExitStatus { exit_status } => code = Some(exit_status),
            _ => {}
        }
    }
    Ran {
        code,
        out,
        err: String::from_utf8_lossy(&err).into_owned(),
    }
}

pub fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("non-zero")
}

/// Reads channel output into the screen until `want` shows (or 20 s pass).
pub async fn read_until(
    channel: &mut Channel<client::Msg>,
    screen: &mut vt100::Parser,
    want: &str,
) -> bool {
    read_while(channel, screen, |s| !s.contains(want)).await
}

/// Reads channel output into the screen while `waiting` holds for its text (at most 20 s);
/// returns whether it stopped holding.
pub async fn read_while(
    channel: &mut Channel<client::Msg>,
    screen: &mut vt100::Parser,
    waiting: impl Fn(&str) -> bool,
) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if !waiting(&screen.screen().contents()) {
            return true;
        }
        match tokio::time::timeout_at(deadline, channel.wait()).await {
            Ok(Some(ChannelMsg::Data { data })) => screen.process(&data),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return !waiting(&screen.screen().contents()),
        }
    }
}

/// An interactive session: a shell on a PTY of a given size, its output kept in a vt100 screen.
pub struct Pty {
    pub channel: Channel<client::Msg>,
    pub screen: vt100::Parser,
    /// Names the session in failure messages (e.g. "postgres college").
    pub name: String,
}

impl Pty {
    pub async fn open(handle: &Handle<Client>, width: u16, height: u16, name: &str) -> Pty {
        let channel = handle.channel_open_session().await.expect("channel");
        channel
            .request_pty(
                true,
                "xterm-256color",
                width.into(),
                height.into(),
                0,
                0,
                &[],
            )
            .await
            .expect("pty");
        channel.request_shell(true).await.expect("shell");
        Pty {
            channel,
            screen: vt100::Parser::new(nz(height), nz(width), 0),
            name: name.to_string(),
        }
    }

    /// Types bytes as a terminal sends them (keys, UTF-8 text, escape sequences).
    pub async fn send(&mut self, bytes: &[u8]) {
        self.channel
            .data_bytes(bytes.to_vec())
            .await
            .expect("send keys");
    }

    /// Pastes text the way a terminal in bracketed-paste mode does.
    pub async fn paste(&mut self, text: &str) {
        let mut bytes = b"\x1b[200~".to_vec();
        bytes.extend_from_slice(text.as_bytes());
        bytes.extend_from_slice(b"\x1b[201~");
        self.send(&bytes).await;
    }

    pub fn contents(&self) -> String {
        self.screen.screen().contents()
    }

    /// Waits until every text in `want` shows; fails the test with the screen otherwise.
    pub async fn expect(&mut self, want: &[&str]) {
        let shown = read_while(&mut self.channel, &mut self.screen, |s| {
            !want.iter().all(|w| s.contains(w))
        })
        .await;
        assert!(
            shown,
            "{}: waiting for {want:?}\n{}",
            self.name,
            self.contents()
        );
    }

    /// Waits until `text` is gone from the screen; fails the test with the screen otherwise.
    pub async fn expect_gone(&mut self, text: &str) {
        let gone = read_while(&mut self.channel, &mut self.screen, |s| s.contains(text)).await;
        assert!(
            gone,
            "{}: waiting for {text:?} to go\n{}",
            self.name,
            self.contents()
        );
    }
}
