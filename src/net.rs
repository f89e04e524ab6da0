//! Accepting TCP connections for the SSH server and the web site alike.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// The next connection on `listener`. Failures never end the server: a connection the client
/// already dropped is skipped, and running out of descriptors (EMFILE and the like) waits a
/// moment for some to close rather than spinning or stopping SSH and web for good.
pub async fn accept(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(accepted) => return accepted,
            Err(e) if is_connection_error(&e) => {}
            Err(e) => {
                tracing::warn!(error = %e, "无法接受新连接，稍后重试");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}
