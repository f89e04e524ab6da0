//! A real `wangyuan serve` process on loopback port 0: the addresses it bound are read from the
//! `ssh_listen=` / `http_listen=` lines it prints, so no test races for a "free" port.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The running server, killed (SIGKILL) and reaped when dropped unless the test took the child.
pub struct Served {
    pub child: Child,
    pub ssh: SocketAddr,
    pub http: SocketAddr,
}

impl Served {
    /// The web site's base address, `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.http)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `wangyuan serve` in `dir` on the database at `url`, with data in `dir/data`, keys in
/// `dir/keys` and both listeners on 127.0.0.1:0; `cmd` may add settings. Returns once both
/// listeners are bound (they accept from then on). stderr is dropped.
pub fn start(dir: &Path, url: &str, cmd: impl FnOnce(&mut Command)) -> Served {
    let mut command = Command::new(env!("CARGO_BIN_EXE_wangyuan"));
    command
        .arg("serve")
        .current_dir(dir)
        .env("WANGYUAN_DATABASE_URL", url)
        .env("WANGYUAN_DATA_DIR", dir.join("data"))
        .env("WANGYUAN_KEYS_DIR", dir.join("keys"))
        .env("WANGYUAN_SSH_LISTEN", "127.0.0.1:0")
        .env("WANGYUAN_HTTP_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    cmd(&mut command);
    let mut child = command.spawn().expect("spawn serve");
    let stdout = child.stdout.take().expect("stdout");
    match read_addresses(stdout) {
        (Some(ssh), Some(http)) => Served { child, ssh, http },
        _ => {
            let _ = child.kill();
            let status = child.wait();
            panic!("serve did not print both listen addresses (exit {status:?})");
        }
    }
}

/// Reads `ssh_listen=` and `http_listen=` from the server's stdout; the rest of stdout is then
/// drained on a thread so the server never blocks on a full pipe. A server that never prints
/// them gives (None, None) after two minutes instead of hanging the test.
pub fn read_addresses(
    stdout: impl std::io::Read + Send + 'static,
) -> (Option<SocketAddr>, Option<SocketAddr>) {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let (mut ssh, mut http) = (None, None);
        for line in lines.by_ref().map_while(Result::ok) {
            if let Some(a) = line.strip_prefix("ssh_listen=") {
                ssh = a.trim().parse().ok();
            } else if let Some(a) = line.strip_prefix("http_listen=") {
                http = a.trim().parse().ok();
            }
            if ssh.is_some() && http.is_some() {
                break;
            }
        }
        let _ = tx.send((ssh, http));
        lines.map_while(Result::ok).for_each(drop);
    });
    rx.recv_timeout(std::time::Duration::from_secs(120))
        .unwrap_or((None, None))
}
