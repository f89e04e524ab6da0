//! Connections that never get anywhere are closed, and the SSH server answers every request: the
//! sign-in grace time at each stage (nothing sent, a version line only, a key exchange and no
//! sign-in), the cap on connections waiting to sign in, refused subsystems, the web site's header
//! timeout, and the exact algorithms the server offers (read from its KEXINIT on a raw socket).

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::TestDb;
use common::ssh::{Client, exec, start_with};
use russh::ChannelMsg;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wangyuan::ssh::Limits;

/// Far longer than any limit under test, so a server that never closes fails the test.
const PATIENCE: Duration = Duration::from_secs(20);

fn limits(grace_secs: u64, per_address: usize) -> Limits {
    Limits {
        login_grace: Duration::from_secs(grace_secs),
        max_unauthenticated_per_address: per_address,
        ..Limits::default()
    }
}

/// Reads until the server closes the connection; returns what it sent, or None if it kept the
/// connection open for all of PATIENCE.
async fn read_to_close(socket: &mut TcpStream) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let read = tokio::time::timeout(PATIENCE, async {
        let mut buf = [0u8; 4096];
        loop {
            match socket.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    });
    read.await.ok().map(|()| got)
}

/// A client config that never gives up on its own, so only the server can end the connection.
fn patient_client() -> Arc<russh::client::Config> {
    Arc::new(russh::client::Config {
        inactivity_timeout: None,
        keepalive_interval: None,
        ..Default::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_do_not_sign_in_are_closed_after_the_grace_time() {
    let t = TestDb::sqlite().await;
    let addr = start_with(&t.db, Duration::from_secs(900), limits(2, 8)).await;

    // Connects and sends nothing.
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    let got = read_to_close(&mut silent)
        .await
        .expect("silent client closed");
    assert!(got.starts_with(b"SSH-2.0-"), "{got:?}");

    // Sends its version line, then nothing (no KEXINIT).
    let mut stalled = TcpStream::connect(addr).await.expect("connect");
    stalled
        .write_all(b"SSH-2.0-stalled\r\n")
        .await
        .expect("version");
    assert!(
        read_to_close(&mut stalled).await.is_some(),
        "client with a version line only closed"
    );

    // Completes the key exchange but never signs in.
    let handle = russh::client::connect(patient_client(), addr, Client)
        .await
        .expect("key exchange");
    let ended = tokio::time::timeout(PATIENCE, handle).await;
    assert!(ended.is_ok(), "connection without sign-in closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_address_cap_refuses_more_waiting_clients_but_not_signed_in_ones() {
    let t = TestDb::sqlite().await;
    let summary = common::seed_demo(&t.db, 30).await;
    let password = common::staff_password(&summary, "office");
    let addr = start_with(&t.db, Duration::from_secs(900), limits(60, 2)).await;

    // Signing in frees the connection's place among those waiting.
    let office = common::ssh::connect(addr, "office", &password)
        .await
        .expect("office signs in");

    let mut waiting = Vec::new();
    for _ in 0..2 {
        let mut socket = TcpStream::connect(addr).await.expect("connect");
        let mut banner = [0u8; 8];
        socket.read_exact(&mut banner).await.expect("banner");
        assert_eq!(&banner, b"SSH-2.0-", "admitted connections get the banner");
        waiting.push(socket);
    }
    let mut third = TcpStream::connect(addr).await.expect("connect");
    let got = read_to_close(&mut third).await.expect("refused at once");
    assert!(
        got.is_empty(),
        "refused before the version exchange: {got:?}"
    );

    // The signed-in session still works, and so does its next command.
    let who = exec(&office, "whoami", b"").await;
    assert_eq!(who.code, Some(0), "{}", who.err);
    assert!(who.text().contains("office"), "{}", who.text());
    drop(waiting);
}

/// A connection with no traffic either way for the inactivity timeout is closed, signed in or
/// not (a live client answers the 30-second keepalives long before the 300-second default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_signed_in_connection_is_closed_after_the_inactivity_timeout() {
    let t = TestDb::sqlite().await;
    let summary = common::seed_demo(&t.db, 30).await;
    let password = common::staff_password(&summary, "office");
    let quiet = Limits {
        inactivity_timeout: Duration::from_secs(2),
        ..Limits::default()
    };
    let addr = start_with(&t.db, Duration::from_secs(900), quiet).await;
    let mut handle = russh::client::connect(patient_client(), addr, Client)
        .await
        .expect("key exchange");
    let auth = handle
        .authenticate_password("office", &password)
        .await
        .expect("auth exchange");
    assert!(auth.success(), "office signs in");
    let ended = tokio::time::timeout(PATIENCE, handle).await;
    assert!(ended.is_ok(), "silent connection closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subsystems_and_x11_are_refused_not_left_unanswered() {
    let t = TestDb::sqlite().await;
    let summary = common::seed_demo(&t.db, 30).await;
    let password = common::staff_password(&summary, "office");
    let addr = start_with(&t.db, Duration::from_secs(900), Limits::default()).await;
    let office = common::ssh::connect(addr, "office", &password)
        .await
        .expect("office signs in");

    let mut channel = office.channel_open_session().await.expect("channel");
    channel
        .request_subsystem(true, "sftp")
        .await
        .expect("subsystem request");
    assert_eq!(next_reply(&mut channel).await, Some(false), "sftp refused");
    channel
        .request_x11(true, false, "MIT-MAGIC-COOKIE-1", "00", 0)
        .await
        .expect("x11 request");
    assert_eq!(next_reply(&mut channel).await, Some(false), "x11 refused");

    // The connection is still good for what is offered.
    let who = exec(&office, "whoami", b"").await;
    assert_eq!(who.code, Some(0), "{}", who.err);
}

/// Some(true) for success, Some(false) for failure, None if nothing came within PATIENCE.
async fn next_reply(channel: &mut russh::Channel<russh::client::Msg>) -> Option<bool> {
    loop {
        match tokio::time::timeout(PATIENCE, channel.wait()).await {
            Ok(Some(ChannelMsg::Success)) => return Some(true),
            Ok(Some(ChannelMsg::Failure)) => return Some(false),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return None,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_http_request_is_dropped_after_the_header_timeout() {
    let t = TestDb::sqlite().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let media = tempfile::tempdir().expect("media");
    let site = wangyuan::web::Web::new(wangyuan::web::Options {
        db: t.db.clone(),
        key: wangyuan::web::Key::generate(),
        media_dir: media.path().to_path_buf(),
        secure_cookies: false,
        clock: wangyuan::web::Clock::system(),
        node: "test".into(),
    });
    let server = tokio::spawn(wangyuan::web::serve_with_header_timeout(
        listener,
        site,
        Duration::from_secs(2),
    ));

    // A whole request is answered as before.
    let mut whole = TcpStream::connect(addr).await.expect("connect");
    whole
        .write_all(b"GET /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("request");
    let answer = read_to_close(&mut whole).await.expect("answered");
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");

    let mut half = TcpStream::connect(addr).await.expect("connect");
    half.write_all(b"GET /login HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("half a header");
    assert!(
        read_to_close(&mut half).await.is_some(),
        "half-sent request dropped"
    );
    server.abort();
}

/// The server's KEXINIT, read from a raw socket: exactly the algorithms we mean to offer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_offers_exactly_the_audited_algorithms() {
    let t = TestDb::sqlite().await;
    let addr = start_with(&t.db, Duration::from_secs(900), Limits::default()).await;
    let lists = server_kexinit(addr).await;
    let expect: [&[&str]; 10] = [
        &[
            "mlkem768x25519-sha256",
            "curve25519-sha256",
            "curve25519-sha256@libssh.org",
            "diffie-hellman-group16-sha512",
            "ext-info-s",
            "kex-strict-s-v00@openssh.com",
        ],
        &["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256"],
        &[
            "chacha20-poly1305@openssh.com",
            "aes256-gcm@openssh.com",
            "aes256-ctr",
            "aes192-ctr",
            "aes128-ctr",
        ],
        &[
            "chacha20-poly1305@openssh.com",
            "aes256-gcm@openssh.com",
            "aes256-ctr",
            "aes192-ctr",
            "aes128-ctr",
        ],
        &[
            "hmac-sha2-512-etm@openssh.com",
            "hmac-sha2-256-etm@openssh.com",
        ],
        &[
            "hmac-sha2-512-etm@openssh.com",
            "hmac-sha2-256-etm@openssh.com",
        ],
        &["none", "zlib", "zlib@openssh.com"],
        &["none", "zlib", "zlib@openssh.com"],
        &[],
        &[],
    ];
    for (i, (got, want)) in lists.iter().zip(expect).enumerate() {
        assert_eq!(got, want, "name-list {i}");
    }
    // Said again as the audit's rules: no SHA-1, no 2048-bit or NIST-curve key exchange.
    for name in lists.concat() {
        let weak = name == "ssh-rsa"
            || ["sha1", "nistp", "group14", "group-exchange", "-cbc"]
                .iter()
                .any(|w| name.contains(w))
            || name.starts_with("hmac-") && !name.contains("-etm@");
        assert!(!weak, "{name} offered");
    }
}

/// Sends a version line and reads the server's first binary packet (RFC 4253 §6, §7.1): the ten
/// name-lists of its KEXINIT.
async fn server_kexinit(addr: SocketAddr) -> Vec<Vec<String>> {
    let mut socket = TcpStream::connect(addr).await.expect("connect");
    socket
        .write_all(b"SSH-2.0-kexinit_probe\r\n")
        .await
        .expect("version");
    // The server's version line ends with CRLF; the binary packets follow.
    let mut line = Vec::new();
    while !line.ends_with(b"\r\n") {
        line.push(socket.read_u8().await.expect("version line"));
    }
    assert!(line.starts_with(b"SSH-2.0-"), "{line:?}");
    let length = socket.read_u32().await.expect("packet length") as usize;
    let mut packet = vec![0u8; length];
    socket.read_exact(&mut packet).await.expect("packet");
    let padding = usize::from(packet[0]);
    let payload = &packet[1..length - padding];
    assert_eq!(payload[0], 20, "SSH_MSG_KEXINIT");
    let mut rest = &payload[17..]; // message number and 16-byte cookie
    (0..10)
        .map(|_| {
            let (len, tail) = rest.split_at(4);
            let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
            let (text, tail) = tail.split_at(len);
            rest = tail;
            let text = std::str::from_utf8(text).expect("ASCII names");
            text.split(',')
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect()
        })
        .collect()
}
