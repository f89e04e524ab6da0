//! The carrier of the change feed: sets of changed topics (opaque bits here; `app::changes` names
//! them) delivered to every subscriber of this process, and on PostgreSQL to every other node
//! through `NOTIFY`/`LISTEN`. Announcements are coalesced: at most one delivery per
//! [`FLUSH_GAP`], carrying every bit announced meanwhile, so a busy site (playback completing
//! courses every second) cannot flood sessions or the database with notifications.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::{Notify, broadcast};

/// The PostgreSQL channel every node listens on.
pub const CHANNEL: &str = "wangyuan_changes";
/// The shortest time between two deliveries from one node.
pub const FLUSH_GAP: Duration = Duration::from_millis(250);
/// How long a failed `LISTEN` connection waits before it tries again.
const RECONNECT_WAIT: Duration = Duration::from_secs(1);

/// Every topic bit, for "something may have been missed" (a lagging subscriber, a lost
/// `LISTEN` connection).
pub const ALL: u32 = u32::MAX;

/// The feed of one `Db`: cheap to clone, shared by all its clones.
#[derive(Clone)]
pub struct Feed {
    inner: Arc<Inner>,
}

struct Inner {
    /// This node's id: a notification carrying it came from here and was delivered already.
    node: u64,
    local: broadcast::Sender<u32>,
    /// Bits announced since the last delivery.
    pending: AtomicU32,
    wake: Notify,
    /// How often each bit was announced or heard of: a cache built from data of a topic is
    /// current while its topics' counts are unchanged.
    counts: [AtomicU64; 32],
    /// On PostgreSQL, what the `LISTEN` task needs until it is started: by the first subscriber
    /// or cache (a one-off command never opens that connection).
    listen: std::sync::Mutex<Option<(AnyPool, String)>>,
}

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feed")
            .field("node", &self.inner.node)
            .finish()
    }
}

impl Feed {
    /// A feed delivering through `write` (the pool `NOTIFY` is sent on, on PostgreSQL) and, with a
    /// `listen_url`, hearing the other nodes. Spawns its tasks, which end when `write` is closed.
    pub(super) fn start(write: AnyPool, listen_url: Option<String>) -> Feed {
        let (local, _) = broadcast::channel(64);
        let feed = Feed {
            inner: Arc::new(Inner {
                node: rand::random(),
                local,
                pending: AtomicU32::new(0),
                wake: Notify::new(),
                counts: std::array::from_fn(|_| AtomicU64::new(0)),
                listen: std::sync::Mutex::new(listen_url.map(|url| (write.clone(), url))),
            }),
        };
        let notify_on = feed.listens().then(|| write.clone());
        tokio::spawn(feed.clone().deliver(write, notify_on));
        feed
    }

    fn listens(&self) -> bool {
        self.inner
            .listen
            .lock()
            .map(|l| l.is_some())
            .unwrap_or(false)
    }

    /// Starts hearing the other nodes, once (on PostgreSQL; nothing to hear on SQLite).
    fn hear_others(&self) {
        let Ok(mut listen) = self.inner.listen.lock() else {
            return;
        };
        if listen.is_none() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if let Some((write, url)) = listen.take() {
            runtime.spawn(self.clone().listen(write, url));
        }
    }

    /// This node's id (unique per opened `Db`).
    pub fn node(&self) -> u64 {
        self.inner.node
    }

    /// Announces `bits` (after the write that changed them committed).
    pub fn announce(&self, bits: u32) {
        if bits == 0 {
            return;
        }
        self.count(bits);
        self.inner.pending.fetch_or(bits, Ordering::AcqRel);
        self.inner.wake.notify_one();
    }

    /// A receiver of every later delivery.
    pub fn subscribe(&self) -> broadcast::Receiver<u32> {
        self.hear_others();
        self.inner.local.subscribe()
    }

    /// The sum of the announcement counts of `bits`: changes when any of them was announced.
    pub fn version(&self, bits: u32) -> u64 {
        self.hear_others();
        (0..32)
            .filter(|i| bits & (1 << i) != 0)
            .map(|i| self.inner.counts[i].load(Ordering::Acquire))
            .sum()
    }

    fn count(&self, bits: u32) {
        for i in (0..32).filter(|i| bits & (1 << i) != 0) {
            self.inner.counts[i].fetch_add(1, Ordering::AcqRel);
        }
    }

    /// Delivers pending bits to this node's subscribers and, on PostgreSQL, to the other nodes,
    /// then waits `FLUSH_GAP` before the next delivery.
    async fn deliver(self, write: AnyPool, notify_on: Option<AnyPool>) {
        let closed = write.close_event();
        tokio::pin!(closed);
        loop {
            tokio::select! {
                _ = self.inner.wake.notified() => {}
                _ = &mut closed => return,
            }
            let bits = self.inner.pending.swap(0, Ordering::AcqRel);
            if bits == 0 {
                continue;
            }
            // No subscriber is no error.
            let _ = self.inner.local.send(bits);
            if let Some(pool) = &notify_on {
                let payload = format!("{} {bits}", self.inner.node);
                if let Err(e) = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(payload)
                    .execute(pool)
                    .await
                {
                    tracing::warn!(error = %e, "变更通知未能发给其他节点");
                }
            }
            tokio::time::sleep(FLUSH_GAP).await;
        }
    }

    /// Hears the other nodes' notifications, reconnecting whenever the connection is lost, until
    /// `write` is closed. After a lost connection everything may have changed.
    async fn listen(self, write: AnyPool, url: String) {
        let closed = write.close_event();
        tokio::pin!(closed);
        loop {
            tokio::select! {
                _ = self.listen_once(&url) => {}
                _ = &mut closed => return,
            }
            self.heard(ALL);
            tokio::select! {
                _ = tokio::time::sleep(RECONNECT_WAIT) => {}
                _ = &mut closed => return,
            }
        }
    }

    /// One `LISTEN` connection, until it fails.
    async fn listen_once(&self, url: &str) {
        let mut listener = match sqlx::postgres::PgListener::connect(url).await {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "无法连接数据库以接收其他节点的变更");
                return;
            }
        };
        if let Err(e) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %e, "无法订阅其他节点的变更");
            return;
        }
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => {
                    if let Some(bits) = self.foreign(n.payload()) {
                        self.heard(bits);
                    }
                }
                // Reconnected: what was sent meanwhile is lost.
                Ok(None) => self.heard(ALL),
                Err(e) => {
                    tracing::warn!(error = %e, "接收其他节点的变更时出错");
                    return;
                }
            }
        }
    }

    /// The bits of another node's notification; `None` for our own (delivered already) and for
    /// text that is not a notification of ours.
    fn foreign(&self, payload: &str) -> Option<u32> {
        let (node, bits) = payload.split_once(' ')?;
        let node: u64 = node.parse().ok()?;
        (node != self.inner.node).then_some(())?;
        bits.parse().ok()
    }

    /// Another node's change: counted and delivered here at once (it was coalesced there).
    fn heard(&self, bits: u32) {
        self.count(bits);
        let _ = self.inner.local.send(bits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn own_notifications_are_not_foreign() {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().connect_lazy("sqlite::memory:");
        let Ok(pool) = pool else { return };
        let feed = Feed::start(pool, None);
        let own = format!("{} 5", feed.node());
        assert_eq!(feed.foreign(&own), None);
        assert_eq!(feed.foreign(&format!("{} 5", feed.node() ^ 1)), Some(5));
        assert_eq!(feed.foreign("garbage"), None);
    }
}
