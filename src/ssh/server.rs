//! The russh server: one `Conn` per client connection. Authentication goes to `app::auth`;
//! `exec` runs a command through `cmd/`; a shell with a PTY starts an interactive session; a
//! shell without one prints the help. Handlers never await anything the session loop drains.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use russh::keys::{HashAlg, PrivateKey};
use russh::server::{Auth, Msg, PublicKeyOffer, Server, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, MethodKind, MethodSet};
use tokio::net::TcpListener;
use tokio::sync::mpsc::UnboundedSender;

use crate::app::auth::{self, SignedIn};
use crate::cmd::stdin::{Stdin, StdinSender};
use crate::store::Db;

use super::exec;
use super::session::{self, Input, Start, clamp_size};

/// What every connection shares.
#[derive(Clone)]
pub struct Shared {
    pub db: Db,
    pub idle_timeout: Duration,
    /// Where learners go instead (shown when a learner signs in over SSH).
    pub web_address: String,
}

/// Runs the SSH server on `listener` until the process stops.
pub async fn serve(
    shared: Shared,
    keys: Vec<PrivateKey>,
    listener: TcpListener,
) -> std::io::Result<()> {
    let mut methods = MethodSet::empty();
    methods.push(MethodKind::PublicKey);
    methods.push(MethodKind::Password);
    let config = russh::server::Config {
        methods,
        keys,
        auth_rejection_time: Duration::from_millis(500),
        auth_rejection_time_initial: Some(Duration::from_millis(0)),
        max_auth_attempts: 6,
        // Our own output resets russh's inactivity timer, so idle logout is the session's job;
        // keepalives find clients that vanished.
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        nodelay: true,
        ..Default::default()
    };
    // Shown in the command lines the interface offers to copy.
    let port = listener.local_addr()?.port();
    let mut server = Listener { shared, port };
    server.run_on_socket(Arc::new(config), &listener).await
}

struct Listener {
    shared: Shared,
    port: u16,
}

impl Server for Listener {
    type Handler = Conn;

    fn new_client(&mut self, peer: Option<SocketAddr>) -> Conn {
        Conn {
            shared: self.shared.clone(),
            port: self.port,
            address: peer.map(|p| p.ip().to_string()).unwrap_or_default(),
            signed_in: None,
            channels: HashMap::new(),
        }
    }

    fn handle_session_error(&mut self, error: anyhow::Error) {
        tracing::debug!(%error, "SSH 连接结束");
    }
}

pub struct Conn {
    shared: Shared,
    /// The port this server listens on.
    port: u16,
    address: String,
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
            Ok(signed) => {
                self.signed_in = Some(signed);
                Ok(Auth::Accept)
            }
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
            Ok(signed) => {
                self.signed_in = Some(signed);
                Ok(Auth::Accept)
            }
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
            stdin.send(data);
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
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let (cols, rows) = clamp_size(cols, rows);
        if let Some(tx) = &self.channel(channel).input {
            let _ = tx.send(Input::Resize(cols, rows));
        }
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
