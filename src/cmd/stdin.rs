//! A command's standard input: the bytes of `ssh host CMD < file`, arriving over the SSH channel in
//! pieces until the client's EOF, or the local process's stdin for `wangyuan exec`. Only commands
//! that import something read it, and only then: `ssh host report …` typed at a terminal never sends
//! EOF, so nothing may wait for it up front.

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// The most any command accepts on stdin. The SSH side stops buffering just past it, so a client
/// streaming without end costs at most this much memory.
pub const MAX_BYTES: usize = crate::rules::limits::STDIN_BYTES;

/// Input larger than the limit the reading command set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("输入超过 {limit} 字节的上限")]
pub struct TooLarge {
    pub limit: usize,
}

pub struct Stdin(Source);

enum Source {
    Bytes(Vec<u8>),
    Channel(UnboundedReceiver<Vec<u8>>),
    Process,
}

/// The SSH side of a channel's stdin. Dropping it is EOF.
pub struct StdinSender {
    tx: UnboundedSender<Vec<u8>>,
    sent: usize,
}

impl StdinSender {
    /// Forwards one piece without waiting (SSH handlers must not await the reader). Bytes past
    /// `MAX_BYTES + 1` are dropped: the reader has refused the input by then anyway.
    pub fn send(&mut self, bytes: &[u8]) {
        let room = (MAX_BYTES + 1).saturating_sub(self.sent);
        let take = bytes.len().min(room);
        if take > 0 {
            self.sent += take;
            let _ = self.tx.send(bytes[..take].to_vec());
        }
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
        let (tx, rx) = unbounded_channel();
        (StdinSender { tx, sent: 0 }, Stdin(Source::Channel(rx)))
    }

    /// This process's own stdin, read only if a command asks for it.
    pub fn process() -> Stdin {
        Stdin(Source::Process)
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
            Source::Process => tokio::task::spawn_blocking(move || {
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

    /// Reads everything up to EOF as UTF-8 text (a password, a key line), refusing more than
    /// `limit` bytes: an input is never cut short silently.
    pub async fn read_text(&mut self, limit: usize) -> crate::app::Result<String> {
        let field = "标准输入";
        let bytes = self
            .read_all(limit)
            .await
            .map_err(|e| crate::app::Error::invalid(field, e.to_string()))?;
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
        tx.send(b"ab");
        tx.send(b"cd");
        drop(tx);
        assert_eq!(stdin.read_all(10).await, Ok(b"abcd".to_vec()));
    }

    #[tokio::test]
    async fn input_over_the_limit_is_refused() {
        let (mut tx, mut stdin) = Stdin::channel();
        tx.send(b"abcdef");
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

    #[tokio::test]
    async fn the_sender_stops_buffering_past_the_cap() {
        let (mut tx, _stdin) = Stdin::channel();
        tx.send(&vec![0u8; MAX_BYTES]);
        tx.send(b"xyz");
        assert_eq!(tx.sent, MAX_BYTES + 1);
    }
}
