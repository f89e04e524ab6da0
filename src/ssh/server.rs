//! The russh server: one `Conn` per client connection. Authentication goes to `app::auth`;
//! `exec` runs a command through `cmd/`; a shell with a PTY starts an interactive session; a
//! shell without one prints the help. Handlers never await anything the session loop drains.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::{HashAlg, PrivateKey};
use russh::server::{Auth, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, MethodKind, MethodSet, Sig};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::oneshot;

use crate::app::auth::{self, SignedIn};
use crate::cmd::stdin::{Stdin, StdinSender};
use crate::store::Db;

use super::algorithms;
use super::exec;
use super::gate::{Gate, Limits, Pending, RefusalLog};
use super::session::{self, Input, Start, clamp_size};

/// What every connection shares.
#[derive(Clone)]
pub struct Shared {
    pub db: Db,
    pub idle_timeout: Duration,
    /// Where learners go instead (shown when a learner signs in over SSH).
    pub web_address: String,
    /// Sign-in grace time, caps on connections waiting to sign in, inactivity timeout.
    pub limits: Limits,
}

/// Runs the SSH server on `listener` until the process stops.
pub async fn serve(
    shared: Shared,
    keys: Vec<PrivateKey>,
    listener: TcpListener,
) -> std::io::Result<()> {
    let config = Arc::new(server_config(keys, &shared.limits));
    // Shown in the command lines the interface offers to copy.
    let port = listener.local_addr()?.port();
    let gate = Gate::new(shared.limits.clone());
    let mut refusals = RefusalLog::new(Duration::from_secs(10));
    loop {
        let (socket, peer) = crate::net::accept(&listener).await;
        let waiting = match gate.admit(peer.ip()) {
            Ok(slot) => slot,
            Err(refused) => {
                // Closed before the version exchange, as sshd's MaxStartups does.
                if let Some(count) = refusals.note(std::time::Instant::now()) {
                    tracing::warn!(last_address = %peer.ip(), reason = %refused, count, "已拒绝新的 SSH 连接（count：自上条此类日志以来的次数，last_address：其中最后一个的地址）");
                }
                continue;
            }
        };
        let (signed_in, on_sign_in) = oneshot::channel();
        let conn = Conn {
            shared: shared.clone(),
            port,
            address: peer.ip().to_string(),
            waiting: Some((waiting, signed_in)),
            signed_in: None,
            channels: HashMap::new(),
        };
        let grace = shared.limits.login_grace;
        tokio::spawn(run_connection(
            config.clone(),
            socket,
            conn,
            grace,
            on_sign_in,
        ));
    }
}

/// The russh settings of every connection (also used by `benches/ssh_stream.rs`, which measures
/// the bare SSH stream with them).
pub fn server_config(keys: Vec<PrivateKey>, limits: &Limits) -> russh::server::Config {
    let mut methods = MethodSet::empty();
    methods.push(MethodKind::PublicKey);
    methods.push(MethodKind::Password);
    russh::server::Config {
        methods,
        keys,
        preferred: algorithms::preferred(),
        auth_rejection_time: Duration::from_millis(500),
        auth_rejection_time_initial: Some(Duration::from_millis(0)),
        max_auth_attempts: 6,
        // Our own output resets this timer, so it is no idle logout (the session does that): it
        // ends connections that neither send nor read, not even keepalive answers, e.g. a client
        // that stopped reading while we write.
        inactivity_timeout: Some(limits.inactivity_timeout),
        // Keepalives find clients that vanished (no answer to three in a row).
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        // russh's defaults, set here because they were measured (benches/ssh_stream.rs,
        // BENCHMARKS.md): they do not limit one upload on loopback; 64 KiB packets gained
        // nothing, and a 16 MiB window made OpenSSH uploads about 6 times slower. The window is
        // no memory bound: an exec command's input waits in its own short queue (cmd::stdin).
        window_size: 2 * 1024 * 1024,
        maximum_packet_size: 32 * 1024,
        ..Default::default()
    }
}

/// Runs one connection, and closes it if it has not signed in within `grace` of connecting,
/// whatever stage it stalled at (nothing sent, a version line only, a key exchange and no
/// sign-in).
async fn run_connection(
    config: Arc<russh::server::Config>,
    socket: TcpStream,
    conn: Conn,
    grace: Duration,
    mut on_sign_in: oneshot::Receiver<()>,
) {
    let address = conn.address.clone();
    let deadline = tokio::time::Instant::now() + grace;
    // A second descriptor for the same socket: russh owns the stream inside a task of its own,
    // and shutting the socket down through this one ends that task wherever it waits.
    let (socket, cut) = match split_off_cutter(socket) {
        Ok(pair) => pair,
        Err(error) => return tracing::warn!(%error, "无法接管 SSH 连接"),
    };
    let _ = socket.set_nodelay(true);
    let timed_out = || tracing::info!(%address, "SSH 连接未在登录宽限时间内登录，已断开");
    let started = russh::server::run_stream(config, socket, conn);
    let mut session = match tokio::time::timeout_at(deadline, started).await {
        Ok(Ok(session)) => session,
        Ok(Err(error)) => return tracing::debug!(%error, "SSH 连接结束"),
        // Dropping the unfinished version exchange closes the socket.
        Err(_) => return timed_out(),
    };
    tokio::select! {
        // A sign-in that lands with the deadline wins.
        biased;
        ended = &mut session => return log_end(ended),
        // Signed in (or the handler is gone with the session): no deadline any more.
        _ = &mut on_sign_in => drop(cut),
        () = tokio::time::sleep_until(deadline) => {
            timed_out();
            let _ = cut.shutdown(std::net::Shutdown::Both);
        }
    }
    log_end(session.await);
}

fn log_end(ended: Result<(), anyhow::Error>) {
    if let Err(error) = ended {
        tracing::debug!(%error, "SSH 连接结束");
    }
}

/// The socket for russh, and a duplicate descriptor to shut it down with.
fn split_off_cutter(socket: TcpStream) -> std::io::Result<(TcpStream, std::net::TcpStream)> {
    let socket = socket.into_std()?;
    let cut = socket.try_clone()?;
    Ok((TcpStream::from_std(socket)?, cut))
}

pub struct Conn {
    shared: Shared,
    /// The port this server listens on.
    port: u16,
    address: String,
    /// Until sign-in: the connection's slot among those waiting, and who to tell of the sign-in.
    waiting: Option<(Pending, oneshot::Sender<()>)>,
    signed_in: Option<SignedIn>,
    channels: HashMap<ChannelId, ChannelState>,
}

#[derive(Default)]
struct ChannelState {
    pty: Option<(String, u16, u16)>,
    no_color: bool,
    input: Option<UnboundedSender<Input>>,
    /// An exec command's standard input; dropped at the client's EOF.
    stdin: Option<StdinSender>,
}

impl Conn {
    /// Records a successful sign-in: frees the waiting slot and lifts the grace deadline.
    fn accept(&mut self, signed: SignedIn) -> Auth {
        self.signed_in = Some(signed);
        if let Some((_slot, signed_in)) = self.waiting.take() {
            let _ = signed_in.send(());
        }
        Auth::Accept
    }

    fn channel(&mut self, id: ChannelId) -> &mut ChannelState {
        self.channels.entry(id).or_default()
    }

    /// The signed-in staff member, or None for a learner (who is shown the web address).
    fn staff(&self) -> Option<&SignedIn> {
        self.signed_in.as_ref().filter(|s| s.actor.is_staff())
    }

    fn refuse_learner(&self, channel: ChannelId, session: &Session, pty: bool) {
        let text = format!(
            "本 SSH 服务仅供市在线学习办、市网络学院和单位联络员使用。\n学员请在浏览器中访问：{}\n",
            self.shared.web_address
        );
        let handle = session.handle();
        tokio::spawn(async move {
            exec::finish(&handle, channel, 3, Vec::new(), text.into_bytes(), pty).await;
        });
    }
}

impl russh::server::Handler for Conn {
    type Error = anyhow::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        let now = crate::app::now();
        match auth::with_password(&self.shared.db, user, password, &self.address, now).await? {
            Ok(signed) => Ok(self.accept(signed)),
            Err(denied) => {
                tracing::info!(user, address = %self.address, reason = %denied, "SSH 登录被拒绝");
                Ok(Auth::reject())
            }
        }
    }

    async fn auth_publickey_offered(
        &mut self,
        user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        let fingerprint = offer.public_key.fingerprint(HashAlg::Sha256).to_string();
        Ok(
            if auth::key_belongs_to(&self.shared.db, user, &fingerprint).await? {
                Auth::Accept
            } else {
                Auth::reject()
            },
        )
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let fingerprint = key.public_key.fingerprint(HashAlg::Sha256).to_string();
        let now = crate::app::now();
        match auth::with_key(&self.shared.db, user, &fingerprint, &self.address, now).await? {
            Ok(signed) => Ok(self.accept(signed)),
            Err(_) => Ok(Auth::reject()),
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.insert(channel.id(), ChannelState::default());
        reply.accept().await;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        cols: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let (cols, rows) = clamp_size(cols, rows);
        self.channel(channel).pty = Some((term.to_string(), cols, rows));
        session.channel_success(channel)?;
        Ok(())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        _value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if name == "NO_COLOR" {
            self.channel(channel).no_color = true;
        }
        session.channel_success(channel)?;
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let pty = self.channel(channel).pty.clone();
        let Some(signed) = self.staff().cloned() else {
            self.refuse_learner(channel, session, pty.is_some());
            return Ok(());
        };
        match pty {
            Some((term, cols, rows)) => {
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                let no_color = self.channel(channel).no_color;
                self.channel(channel).input = Some(tx);
                session::spawn(
                    Start {
                        db: self.shared.db.clone(),
                        actor: signed.actor,
                        real_name: signed.real_name,
                        term,
                        no_color,
                        cols,
                        rows,
                        idle_timeout: self.shared.idle_timeout,
                        ssh_port: self.port,
                        handle: session.handle(),
                        channel,
                    },
                    rx,
                );
            }
            // No terminal: say what can be run instead.
            None => exec::spawn(
                self.shared.db.clone(),
                signed.actor,
                "help".into(),
                Stdin::empty(),
                false,
                session.handle(),
                channel,
            ),
        }
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let pty = self.channel(channel).pty.is_some();
        let Some(signed) = self.staff().cloned() else {
            self.refuse_learner(channel, session, pty);
            return Ok(());
        };
        let line = String::from_utf8_lossy(data).into_owned();
        let (sender, stdin) = Stdin::channel();
        self.channel(channel).stdin = Some(sender);
        exec::spawn(
            self.shared.db.clone(),
            signed.actor,
            line,
            stdin,
            pty,
            session.handle(),
            channel,
        );
        Ok(())
    }

    /// No sftp or other subsystem: refused at once, so the client does not wait for an answer.
    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        tracing::debug!(name, address = %self.address, "已拒绝 SSH 子系统请求");
        session.channel_failure(channel)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single_connection: bool,
        _x11_auth_protocol: &str,
        _x11_auth_cookie: &str,
        _x11_screen_number: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)?;
        Ok(())
    }

    /// Signals have nothing to reach (commands run inside this process); refused when the client
    /// asks for an answer.
    async fn signal(
        &mut self,
        channel: ChannelId,
        _signal: Sig,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let state = self.channel(channel);
        if let Some(tx) = &state.input {
            // Unbounded: the handler must not wait for the session loop.
            let _ = tx.send(Input::Bytes(data.to_vec()));
        } else if let Some(stdin) = &mut state.stdin {
            // Waits while the command's queue is full: SSH flow control then holds the client
            // back (see `StdinSender::send`).
            stdin.send(data).await;
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        cols: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let (cols, rows) = clamp_size(cols, rows);
        if let Some(tx) = &self.channel(channel).input {
            let _ = tx.send(Input::Resize(cols, rows));
        }
        session.channel_success(channel)?;
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Dropping the senders ends the session loop, or the exec command's input.
        let state = self.channel(channel);
        state.input = None;
        state.stdin = None;
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.remove(&channel);
        Ok(())
    }
}
