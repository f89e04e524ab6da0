//! Answers that many staff sessions ask for at once — the dashboard's per-unit results and weekly
//! credits of a scope, and the roster's pages — computed once per (database, scope, question) and
//! shared by every session. 200 staff signing in together used to compute the city-wide dashboard
//! 200 times, and every one of them asked the database for the same first roster page at each
//! visit to 花名册. An answer is reused until the change feed says its data moved (ledger,
//! accounts, population, units, settings), then computed again at most once per [`MIN_AGE`]; one
//! computation runs at a time per key and everyone asking meanwhile waits for it (single flight).
//! The scope is resolved and checked for each actor before the cache is consulted, so no actor
//! sees another scope's answer.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::rules::Tenths;
use crate::store::Db;

use super::changes::{self, Topic};
use super::roster::{self, Page, Query};
use super::units::{self, UnitsReport};
use super::{Actor, Result, standings};

/// What a dashboard shows of a scope and year.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub report: UnitsReport,
    /// (start of week, credits earned) for the sparkline.
    pub weekly: Vec<(i64, Tenths)>,
}

/// The topics a dashboard and a roster page are computed from.
const DEPENDS: [Topic; 5] = [
    Topic::Ledger,
    Topic::Accounts,
    Topic::Population,
    Topic::Units,
    Topic::Settings,
];
/// The shortest time between two computations of one key, however busy the site.
pub const MIN_AGE: Duration = Duration::from_secs(1);
/// The longest an answer is reused without a change: who is assessed also moves with the clock.
const MAX_AGE: Duration = Duration::from_secs(60);
/// Roster questions kept at most (a page is about 20 KiB); typed filters make many, used once.
const ROSTER_KEYS: usize = 256;

struct Entry<V> {
    value: Arc<V>,
    /// The feed's version of `DEPENDS` read before the computation began.
    version: u64,
    at: Instant,
}

type Slot<V> = Arc<tokio::sync::Mutex<Option<Entry<V>>>>;

/// Shared answers by key, each behind its own lock (the single flight).
struct Shared<K, V> {
    slots: Mutex<HashMap<K, Slot<V>>>,
    /// How many keys are kept; past it, keys nobody is waiting on are forgotten.
    keep: usize,
}

impl<K: Eq + Hash, V> Shared<K, V> {
    fn new(keep: usize) -> Shared<K, V> {
        Shared {
            slots: Mutex::default(),
            keep,
        }
    }

    fn slot(&self, key: K) -> Slot<V> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if slots.len() >= self.keep && !slots.contains_key(&key) {
            // Keep what is still fresh or awaited; if that is still too many, only the awaited.
            slots.retain(|_, s| {
                Arc::strong_count(s) > 1
                    || s.try_lock()
                        .is_ok_and(|e| e.as_ref().is_some_and(|e| e.at.elapsed() < MAX_AGE))
            });
            if slots.len() >= self.keep {
                slots.retain(|_, s| Arc::strong_count(s) > 1);
            }
        }
        slots.entry(key).or_default().clone()
    }

    /// The answer for `key`: the shared one while current, else `compute`d (once for everyone
    /// asking meanwhile). Errors are not kept.
    async fn get<F, Fut>(&self, db: &Db, key: K, compute: F) -> Result<Arc<V>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V>>,
    {
        let slot = self.slot(key);
        let mut entry = slot.lock().await;
        if let Some(e) = entry.as_ref() {
            if e.version == changes::version(db, &DEPENDS) && e.at.elapsed() < MAX_AGE {
                return Ok(e.value.clone());
            }
            // Debounced: a burst of changes costs one computation per MIN_AGE.
            if let Some(wait) = MIN_AGE.checked_sub(e.at.elapsed()) {
                tokio::time::sleep(wait).await;
            }
        }
        // Read first: a change during the computation leaves the answer stale, as it should.
        let version = changes::version(db, &DEPENDS);
        let value = Arc::new(compute().await?);
        *entry = Some(Entry {
            value: value.clone(),
            version,
            at: Instant::now(),
        });
        Ok(value)
    }
}

/// (database handle's node, scope unit id, year).
static DASHBOARDS: LazyLock<Shared<(u64, i64, i32), Dashboard>> =
    LazyLock::new(|| Shared::new(usize::MAX));

/// (database handle's node, scope unit id, the question).
static ROSTER_PAGES: LazyLock<Shared<(u64, i64, Query), Page>> =
    LazyLock::new(|| Shared::new(ROSTER_KEYS));

/// The dashboard of the actor's scope (or of `unit_code`, if the actor covers it) for `year`.
pub async fn dashboard(
    db: &Db,
    actor: &Actor,
    year: i32,
    unit_code: Option<&str>,
) -> Result<Arc<Dashboard>> {
    let scope = standings::resolve_scope(db, actor, unit_code).await?;
    let node = db.feed().node();
    DASHBOARDS
        .get(db, (node, scope.id, year), move || async move {
            count(&DASHBOARDS_COMPUTED, node);
            let weekly = units::weekly_of(db, &scope, year).await?;
            let report = units::report_of(db, scope, year).await?;
            Ok(Dashboard { report, weekly })
        })
        .await
}

/// A roster page (`roster::page`) shared by every session asking the same question of the same
/// scope: the 花名册 tab's pages as the sessions ask them.
pub async fn roster_page(db: &Db, actor: &Actor, q: &Query) -> Result<Arc<Page>> {
    let scope = standings::resolve_scope(db, actor, q.unit_code.as_deref()).await?;
    let node = db.feed().node();
    ROSTER_PAGES
        .get(db, (node, scope.id, q.clone()), move || async move {
            count(&ROSTER_COMPUTED, node);
            roster::page_of(db, &scope, q).await
        })
        .await
}

type Counts = LazyLock<Mutex<HashMap<u64, u64>>>;
static DASHBOARDS_COMPUTED: Counts = LazyLock::new(Mutex::default);
static ROSTER_COMPUTED: Counts = LazyLock::new(Mutex::default);

fn count(counts: &Counts, node: u64) {
    *counts
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(node)
        .or_default() += 1;
}

fn counted(counts: &Counts, db: &Db) -> u64 {
    let counts = counts.lock().unwrap_or_else(|e| e.into_inner());
    counts.get(&db.feed().node()).copied().unwrap_or(0)
}

/// How many dashboards were computed (not taken from the cache) on this database handle, for
/// tests.
pub fn computed(db: &Db) -> u64 {
    counted(&DASHBOARDS_COMPUTED, db)
}

/// How many roster pages were read from the database (not shared) on this handle, for tests.
pub fn roster_pages_read(db: &Db) -> u64 {
    counted(&ROSTER_COMPUTED, db)
}
