//! Aggregates that many staff sessions show at once — the dashboard's per-unit results and weekly
//! credits of a scope — computed once per (database, scope, year) and shared by every session.
//! 200 staff signing in together used to compute the city-wide dashboard 200 times. An answer is
//! reused until the change feed says its data moved (ledger, accounts, population, units,
//! settings), then computed again at most once per [`MIN_AGE`]; one computation runs at a time
//! per key and everyone asking meanwhile waits for it (single flight). The scope is resolved and
//! checked for each actor before the cache is consulted, so no actor sees another scope's answer.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::rules::Tenths;
use crate::store::Db;

use super::changes::{self, Topic};
use super::units::{self, UnitsReport};
use super::{Actor, Result, standings};

/// What a dashboard shows of a scope and year.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub report: UnitsReport,
    /// (start of week, credits earned) for the sparkline.
    pub weekly: Vec<(i64, Tenths)>,
}

/// The topics a dashboard is computed from.
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

/// (database handle's node, scope unit id, year).
type Key = (u64, i64, i32);

struct Entry {
    value: Arc<Dashboard>,
    /// The feed's version of `DEPENDS` read before the computation began.
    version: u64,
    at: Instant,
}

type Slot = Arc<tokio::sync::Mutex<Option<Entry>>>;

static SLOTS: LazyLock<Mutex<HashMap<Key, Slot>>> = LazyLock::new(Mutex::default);

fn slot(key: Key) -> Slot {
    let mut slots = SLOTS.lock().unwrap_or_else(|e| e.into_inner());
    slots.entry(key).or_default().clone()
}

/// The dashboard of the actor's scope (or of `unit_code`, if the actor covers it) for `year`.
pub async fn dashboard(
    db: &Db,
    actor: &Actor,
    year: i32,
    unit_code: Option<&str>,
) -> Result<Arc<Dashboard>> {
    let scope = standings::resolve_scope(db, actor, unit_code).await?;
    let slot = slot((db.feed().node(), scope.id, year));
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
    *COMPUTED
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(db.feed().node())
        .or_default() += 1;
    let weekly = units::weekly_of(db, &scope, year).await?;
    let report = units::report_of(db, scope, year).await?;
    let value = Arc::new(Dashboard { report, weekly });
    *entry = Some(Entry {
        value: value.clone(),
        version,
        at: Instant::now(),
    });
    Ok(value)
}

/// How many dashboards were computed (not taken from the cache) on this database handle, for
/// tests.
pub fn computed(db: &Db) -> u64 {
    let counts = COMPUTED.lock().unwrap_or_else(|e| e.into_inner());
    counts.get(&db.feed().node()).copied().unwrap_or(0)
}

static COMPUTED: LazyLock<Mutex<HashMap<u64, u64>>> = LazyLock::new(Mutex::default);
