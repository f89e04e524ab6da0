//! `ssh host COMMAND`: run one command line through `cmd/` and send its output, exit status, EOF
//! and close — in that order, or OpenSSH reports status 255.

use russh::ChannelId;
use russh::server::Handle;

use crate::app::Actor;
use crate::cmd::Stdin;
use crate::store::Db;

/// Largest piece of output sent in one channel message.
const CHUNK: usize = 32 * 1024;

/// Runs `line` for `actor` in a task of its own, reading `stdin` if the command imports something;
/// a panic in the command ends only this channel, with status 1.
pub fn spawn(
    db: Db,
    actor: Actor,
    line: String,
    mut stdin: Stdin,
    pty: bool,
    handle: Handle,
    channel: ChannelId,
) {
    tokio::spawn(async move {
        let (code, out, err) = run_isolated(async move {
            let mut out = Vec::new();
            let mut err = Vec::new();
            let code =
                crate::cmd::run_line(&db, &actor, &line, &mut stdin, &mut out, &mut err).await;
            (code, out, err)
        })
        .await;
        finish(&handle, channel, code, out, err, pty).await;
    });
}

/// A command's (status, stdout, stderr), run in a task of its own: a panic inside becomes status 1
/// and an internal-error line for this channel, and every other session carries on.
async fn run_isolated(
    work: impl Future<Output = (i32, Vec<u8>, Vec<u8>)> + Send + 'static,
) -> (i32, Vec<u8>, Vec<u8>) {
    match isolated(work).await {
        Some(result) => result,
        None => (
            1,
            Vec::new(),
            "内部错误：命令异常结束\n".as_bytes().to_vec(),
        ),
    }
}

/// Runs `work` as a task of its own and waits for it; None (logged) when it panicked. Tokio
/// catches a task's panic, so the panic ends that task only.
pub(super) async fn isolated<T: Send + 'static>(
    work: impl Future<Output = T> + Send + 'static,
) -> Option<T> {
    match tokio::spawn(work).await {
        Ok(result) => Some(result),
        Err(e) => {
            tracing::error!(error = %e, "会话任务异常结束");
            None
        }
    }
}

/// Sends the output and closes the channel with `code`.
pub async fn finish(
    handle: &Handle,
    channel: ChannelId,
    code: i32,
    out: Vec<u8>,
    err: Vec<u8>,
    pty: bool,
) {
    // A terminal without line discipline needs \r\n (`ssh -t host cmd`).
    let (out, err) = if pty {
        (crlf(&out), crlf(&err))
    } else {
        (out, err)
    };
    for chunk in out.chunks(CHUNK) {
        if handle.data(channel, chunk.to_vec()).await.is_err() {
            return;
        }
    }
    for chunk in err.chunks(CHUNK) {
        if handle
            .extended_data(channel, 1, chunk.to_vec())
            .await
            .is_err()
        {
            return;
        }
    }
    let _ = handle
        .exit_status_request(channel, u32::try_from(code).unwrap_or(1))
        .await;
    let _ = handle.eof(channel).await;
    let _ = handle.close(channel).await;
}

/// `\n` → `\r\n`, leaving existing `\r\n` alone.
pub fn crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 16);
    let mut previous = 0u8;
    for &b in bytes {
        if b == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        previous = b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{crlf, isolated, run_isolated};

    /// The containment every exec channel and shell session runs in: a panic (or a failed
    /// `expect`) inside gives status 1 and a message, and the runtime goes on serving others.
    #[tokio::test]
    async fn a_panicking_command_ends_only_itself() {
        let other = tokio::spawn(async { 41 + 1 });
        let (code, out, err) = run_isolated(async {
            let v: Vec<u8> = Vec::new();
            let _ = v.get(3).expect("a bug in a command");
            (0, Vec::new(), Vec::new())
        })
        .await;
        assert_eq!(code, 1);
        assert!(out.is_empty());
        assert_eq!(String::from_utf8_lossy(&err), "内部错误：命令异常结束\n");
        assert_eq!(other.await.ok(), Some(42), "other tasks unaffected");
        assert_eq!(isolated(async { "fine" }).await, Some("fine"));
        let session: Option<()> = isolated(async { panic!("a bug in a screen") }).await;
        assert_eq!(session, None);
    }

    #[test]
    fn newlines_become_crlf_once() {
        assert_eq!(crlf(b"a\nb\r\nc\n"), b"a\r\nb\r\nc\r\n");
        assert_eq!(crlf(b""), b"");
    }
}
