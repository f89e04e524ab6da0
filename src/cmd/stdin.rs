//! A command's standard input: the bytes of `ssh host CMD < file`, arriving over the SSH channel in
//! pieces until the client's EOF, or the local process's stdin for `wangyuan exec`. Only commands
//! that import something read it, and only then: `ssh host report …` typed at a terminal never sends
//! EOF, so nothing may wait for it up front.
//!
//! Imports read it whole, up to their own limit (`read_all`); a lecture upload takes it piece by
//! piece (`next_piece`) and writes each to disk. The SSH side hands pieces over through a short
//! queue and waits while it is full, so a client sending faster than the command reads is held
//! back by SSH's own flow control instead of piling up in memory.

use tokio::sync::mpsc::{Receiver, Sender, channel};

/// The most any command reads whole from stdin (`read_all`).
pub const MAX_BYTES: usize = crate::rules::limits::STDIN_BYTES;

/// Pieces (SSH data messages, up to 32 KiB each) waiting for the command to take them.
const QUEUED_PIECES: usize = 16;

/// How much `wangyuan exec` reads from its own stdin at a time when streaming.
const PROCESS_PIECE: usize = 64 * 1024;

/// Input larger than the limit the reading command set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("输入超过 {limit} 字节的上限")]
pub struct TooLarge {
    pub limit: usize,
}

pub struct Stdin(Source);

enum Source {
    Bytes(Vec<u8>),
    Channel(Receiver<Vec<u8>>),
    Process(Option<tokio::io::Stdin>),
}

/// The SSH side of a channel's stdin. Dropping it is EOF.
pub struct StdinSender {
    tx: Sender<Vec<u8>>,
}

impl StdinSender {
    /// Forwards one piece, waiting while the command has `QUEUED_PIECES` not yet taken. Returns
    /// at once when the command is over (it no longer reads): the piece is dropped.
    ///
    /// Waiting here holds up the connection's session loop, which is the point (no more data is
    /// read from the client meanwhile); it cannot deadlock, because the command's task takes
    /// pieces without the session loop and drops its end before it sends any output.
    pub async fn send(&mut self, bytes: &[u8]) {
        let _ = self.tx.send(bytes.to_vec()).await;
    }
}

impl Stdin {
    /// Input that is already at its end (commands run without any).
    pub fn empty() -> Stdin {
        Stdin(Source::Bytes(Vec::new()))
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Stdin {
        Stdin(Source::Bytes(bytes))
    }

    /// Input fed piece by piece; EOF when the sender is dropped.
    pub fn channel() -> (StdinSender, Stdin) {
        let (tx, rx) = channel(QUEUED_PIECES);
        (StdinSender { tx }, Stdin(Source::Channel(rx)))
    }

    /// This process's own stdin, read only if a command asks for it.
    pub fn process() -> Stdin {
        Stdin(Source::Process(None))
    }

    /// The next piece as it arrives, None at EOF. Nothing is kept here between pieces.
    pub async fn next_piece(&mut self) -> Result<Option<Vec<u8>>, ReadError> {
        match &mut self.0 {
            Source::Bytes(bytes) if bytes.is_empty() => Ok(None),
            Source::Bytes(bytes) => Ok(Some(std::mem::take(bytes))),
            Source::Channel(rx) => Ok(rx.recv().await),
            Source::Process(stdin) => {
                use tokio::io::AsyncReadExt;
                let stdin = stdin.get_or_insert_with(tokio::io::stdin);
                let mut piece = vec![0u8; PROCESS_PIECE];
                let n = stdin
                    .read(&mut piece)
                    .await
                    .map_err(|e| ReadError::Io(e.to_string()))?;
                piece.truncate(n);
                Ok((n > 0).then_some(piece))
            }
        }
    }

    /// Reads everything up to EOF, refusing more than `limit` bytes.
    pub async fn read_all(&mut self, limit: usize) -> Result<Vec<u8>, ReadError> {
        let limit = limit.min(MAX_BYTES);
        let bytes = match &mut self.0 {
            Source::Bytes(bytes) => std::mem::take(bytes),
            Source::Channel(rx) => {
                let mut all = Vec::new();
                while let Some(piece) = rx.recv().await {
                    all.extend_from_slice(&piece);
                    if all.len() > limit {
                        return Err(ReadError::TooLarge(TooLarge { limit }));
                    }
                }
                all
            }
            Source::Process(_) => tokio::task::spawn_blocking(move || {
                use std::io::Read;
                let mut all = Vec::new();
                std::io::stdin()
                    .lock()
                    .take(limit as u64 + 1)
                    .read_to_end(&mut all)
                    .map(|_| all)
            })
            .await
            .map_err(|e| ReadError::Io(e.to_string()))?
            .map_err(|e| ReadError::Io(e.to_string()))?,
        };
        if bytes.len() > limit {
            return Err(ReadError::TooLarge(TooLarge { limit }));
        }
        Ok(bytes)
    }

    /// Reads an imported file whole (up to `limit` bytes); a failure is an invalid `field`, the
    /// same error for every import.
    pub async fn read_file(&mut self, limit: usize, field: &str) -> crate::app::Result<Vec<u8>> {
        self.read_all(limit)
            .await
            .map_err(|e| crate::app::Error::invalid(field, e.to_string()))
    }

    /// Reads everything up to EOF as UTF-8 text (a password, a key line), refusing more than
    /// `limit` bytes: an input is never cut short silently.
    pub async fn read_text(&mut self, limit: usize, field: &str) -> crate::app::Result<String> {
        let bytes = self.read_file(limit, field).await?;
        String::from_utf8(bytes).map_err(|_| crate::app::Error::invalid(field, "不是 UTF-8 文本"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
    #[error("无法读取输入：{0}")]
    Io(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn channel_input_ends_at_eof() {
        let (mut tx, mut stdin) = Stdin::channel();
        tx.send(b"ab").await;
        tx.send(b"cd").await;
        drop(tx);
        assert_eq!(stdin.read_all(10).await, Ok(b"abcd".to_vec()));
    }

    #[tokio::test]
    async fn input_over_the_limit_is_refused() {
        let (mut tx, mut stdin) = Stdin::channel();
        tx.send(b"abcdef").await;
        drop(tx);
        assert_eq!(
            stdin.read_all(5).await,
            Err(ReadError::TooLarge(TooLarge { limit: 5 }))
        );
        let mut bytes = Stdin::from_bytes(b"abcdef".to_vec());
        assert!(matches!(
            bytes.read_all(5).await,
            Err(ReadError::TooLarge(_))
        ));
    }

    /// The sender waits while the queue is full (memory stays bounded whatever the client
    /// sends), goes on as the command takes pieces, and never waits once the command is gone.
    #[tokio::test]
    async fn the_sender_waits_for_the_reader() {
        let (mut tx, mut stdin) = Stdin::channel();
        for _ in 0..QUEUED_PIECES {
            tx.send(b"x").await;
        }
        let blocked = tokio::time::timeout(std::time::Duration::from_millis(50), tx.send(b"y"));
        assert!(blocked.await.is_err(), "a full queue makes the sender wait");
        assert_eq!(stdin.next_piece().await, Ok(Some(b"x".to_vec())));
        tx.send(b"z").await;
        drop(stdin);
        tx.send(b"after the command").await;
        let mut bytes = Stdin::from_bytes(b"ab".to_vec());
        assert_eq!(bytes.next_piece().await, Ok(Some(b"ab".to_vec())));
        assert_eq!(bytes.next_piece().await, Ok(None));
    }
}
