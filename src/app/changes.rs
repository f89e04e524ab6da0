//! What changed, as a topic: `app/` announces a topic after a write commits, and every open staff
//! screen that shows data of that topic reloads. The hub that carries topics within one node and
//! across nodes (PostgreSQL `LISTEN/NOTIFY`) is `store::feed`, reached through the `Db` handle:
//! here topics become its bits, and back.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use crate::store::{Db, Tx, feed};

use super::Result;

/// Commits `tx`, then tells every subscriber (on this node and, on PostgreSQL, on the others)
/// that `topics` changed. Every `app/` write that changes what a staff screen shows ends here.
pub async fn commit(db: &Db, tx: Tx, topics: &[Topic]) -> Result<()> {
    tx.commit().await?;
    announce(db, topics);
    Ok(())
}

/// Tells every subscriber that `topics` changed (for writes committed some other way).
pub fn announce(db: &Db, topics: &[Topic]) {
    db.feed().announce(bits(topics));
}

/// A number that changes whenever any of `topics` is announced (here or on another node).
pub fn version(db: &Db, topics: &[Topic]) -> u64 {
    db.feed().version(bits(topics))
}

fn bits(topics: &[Topic]) -> u32 {
    topics.iter().fold(0, |b, t| b | t.bit())
}

/// Changes as they arrive, for one subscriber.
pub struct Subscription {
    rx: tokio::sync::broadcast::Receiver<u32>,
}

/// Subscribes to every change announced from now on.
pub fn subscribe(db: &Db) -> Subscription {
    Subscription {
        rx: db.feed().subscribe(),
    }
}

impl Subscription {
    /// The next set of changed topics; every topic when this subscriber fell behind; `None` when
    /// the feed has ended.
    pub async fn recv(&mut self) -> Option<Vec<Topic>> {
        let bits = match self.rx.recv().await {
            Ok(bits) => bits,
            Err(RecvError::Lagged(_)) => feed::ALL,
            Err(RecvError::Closed) => return None,
        };
        Some(
            Topic::ALL
                .into_iter()
                .filter(|t| bits & t.bit() != 0)
                .collect(),
        )
    }
}

/// Passes changes on at most once per topic per `gap`: the first at once, those that follow
/// within the gap together when it has passed.
#[derive(Debug)]
pub struct Coalescer {
    gap: Duration,
    last: HashMap<Topic, Instant>,
    held: Vec<Topic>,
}

impl Coalescer {
    pub fn new(gap: Duration) -> Coalescer {
        Coalescer {
            gap,
            last: HashMap::new(),
            held: Vec::new(),
        }
    }

    /// The topics to pass on now; the others are held until [`Coalescer::due`].
    pub fn offer(&mut self, topics: &[Topic], now: Instant) -> Vec<Topic> {
        let mut out = Vec::new();
        for &t in topics {
            match self.last.get(&t) {
                Some(at) if now < *at + self.gap => {
                    if !self.held.contains(&t) {
                        self.held.push(t);
                    }
                }
                _ => {
                    self.last.insert(t, now);
                    out.push(t);
                }
            }
        }
        out
    }

    /// When held topics may go, if any are held.
    pub fn due(&self) -> Option<Instant> {
        self.held
            .iter()
            .filter_map(|t| self.last.get(t).map(|at| *at + self.gap))
            .min()
    }

    /// The held topics whose gap has passed at `now`.
    pub fn release(&mut self, now: Instant) -> Vec<Topic> {
        let (gap, last) = (self.gap, &mut self.last);
        let mut out = Vec::new();
        self.held.retain(|t| match last.get(t) {
            Some(at) if now < *at + gap => true,
            _ => {
                last.insert(*t, now);
                out.push(*t);
                false
            }
        });
        out
    }
}

/// A kind of data that a write changed. Screens name the topics they show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Roster submissions: submitted, decided, passed on, approved, sent back.
    Rosters,
    /// Accounts: created, disabled, enabled, unlocked, moved, exempted, roles and keys.
    Accounts,
    /// Credits: ledger entries appended or revoked, standings moved.
    Ledger,
    /// The course catalogue and exams.
    Catalog,
    /// The unit tree.
    Units,
    /// Exemption requests and population changes.
    Population,
    /// Fraud flags.
    Flags,
    /// Year settings.
    Settings,
    /// Special training classes: a class, its courses or members written, or a member's progress
    /// or graduation moved by the ledger.
    Classes,
    /// Notices: sent, read, reminded.
    Notices,
}

impl Topic {
    pub const ALL: [Topic; 10] = [
        Topic::Rosters,
        Topic::Accounts,
        Topic::Ledger,
        Topic::Catalog,
        Topic::Units,
        Topic::Population,
        Topic::Flags,
        Topic::Settings,
        Topic::Classes,
        Topic::Notices,
    ];

    /// The topic's name, for logs and tests (notifications carry its bit).
    pub fn code(self) -> &'static str {
        match self {
            Topic::Rosters => "rosters",
            Topic::Accounts => "accounts",
            Topic::Ledger => "ledger",
            Topic::Catalog => "catalog",
            Topic::Units => "units",
            Topic::Population => "population",
            Topic::Flags => "flags",
            Topic::Settings => "settings",
            Topic::Classes => "classes",
            Topic::Notices => "notices",
        }
    }

    pub fn from_code(code: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The topic's bit in `store::feed` (and in a PostgreSQL notification's payload).
    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for t in Topic::ALL {
            assert_eq!(Topic::from_code(t.code()), Some(t));
        }
        assert_eq!(Topic::from_code("nothing"), None);
    }

    #[test]
    fn bits_are_distinct() {
        let all = bits(&Topic::ALL);
        assert_eq!(all.count_ones() as usize, Topic::ALL.len());
    }

    #[test]
    fn coalescer_passes_the_first_and_holds_a_burst() {
        let gap = Duration::from_millis(500);
        let mut c = Coalescer::new(gap);
        let t0 = Instant::now();
        assert_eq!(c.offer(&[Topic::Ledger], t0), vec![Topic::Ledger]);
        assert_eq!(c.due(), None);
        let t1 = t0 + Duration::from_millis(100);
        assert_eq!(
            c.offer(&[Topic::Ledger, Topic::Accounts], t1),
            vec![Topic::Accounts]
        );
        assert_eq!(c.offer(&[Topic::Ledger], t1), vec![]);
        assert_eq!(c.due(), Some(t0 + gap));
        assert_eq!(c.release(t1), vec![]);
        assert_eq!(c.release(t0 + gap), vec![Topic::Ledger]);
        assert_eq!(c.due(), None);
    }
}
