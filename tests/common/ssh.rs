//! The SSH server under test and a russh client for it: real sockets on 127.0.0.1.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use russh::client::{self, Handle};
use russh::keys::PublicKeyOrCertificate;
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let shared = wangyuan::ssh::Shared {
        db: db.clone(),
        idle_timeout,
        web_address: "http://127.0.0.1:8080/".into(),
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
