//! Storage: the database handle (SQLite or PostgreSQL through sqlx `Any`), migrations, and one
//! file of queries per aggregate. Row structs stay here; `app/` turns them into answers.

pub mod account_care;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod bulk;
pub mod check;
pub mod classes;
pub mod courses;
pub mod exams;
pub mod facts;
pub mod feed;
pub mod fraud;
pub mod ledger;
pub mod media;
pub mod notices;
pub mod passwords;
pub mod playback;
pub mod prefs;
pub mod roster;
pub mod settings;
pub mod sql;
pub mod standings;
pub mod submission;
pub mod units;
pub mod web_sessions;

use std::time::Duration;

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Transaction};

/// A write transaction: on SQLite it was opened with `BEGIN IMMEDIATE` on the one writer connection.
pub type Tx = Transaction<'static, Any>;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("数据库地址无法识别：{0}（应以 sqlite: 或 postgres: 开头）")]
    UnknownUrl(String),
    #[error(
        "数据库版本 {found} 比本程序支持的版本 {supported} 新，请使用更新的 wangyuan；数据库未做任何改动"
    )]
    TooNew { found: i64, supported: i64 },
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("无法连接数据库：{0}")]
    Connect(#[from] sqlx::Error),
}

/// The database: a reader pool and a writer pool. On SQLite the writer pool has exactly one
/// connection (a deferred transaction that later writes would get SQLITE_BUSY at once); on
/// PostgreSQL both are the same pool.
#[derive(Clone, Debug)]
pub struct Db {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
    /// Where lecture media live (`courses.media_path` names files there); None until attached.
    media: Option<std::sync::Arc<media::MediaFolder>>,
    feed: feed::Feed,
}

impl Db {
    /// Connects without migrating. Use [`Db::open`] in the program.
    pub async fn connect(url: &str) -> Result<Db, OpenError> {
        install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| OpenError::UnknownUrl(url.into()))?;
        // Statement logging would print whole multi-row inserts; benchmarks measure speed instead.
        let url = match backend {
            Backend::Sqlite => sqlite_url(url),
            Backend::Postgres => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        match backend {
            Backend::Sqlite => {
                let write = sqlite_pool(1).connect_with(options.clone()).await?;
                let read = sqlite_pool(4).connect_with(options).await?;
                tokio::spawn(checkpoints(read.clone()));
                let feed = feed::Feed::start(write.clone(), None);
                Ok(Db {
                    read,
                    write,
                    backend,
                    media: None,
                    feed,
                })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(30))
                    // NOTICEs (`relation … already exists, skipping` from every migration check)
                    // would reach the user's terminal through sqlx's log; warnings still do.
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            conn.execute("SET client_min_messages = warning").await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?;
                let feed = feed::Feed::start(pool.clone(), Some(url));
                Ok(Db {
                    read: pool.clone(),
                    write: pool,
                    backend,
                    media: None,
                    feed,
                })
            }
        }
    }

    /// Connects, refuses a database newer than this binary, then applies pending migrations and
    /// refreshes the planner's statistics.
    pub async fn open(url: &str) -> Result<Db, OpenError> {
        let db = Db::connect(url).await?;
        db.migrate().await?;
        db.refresh_statistics().await?;
        Ok(db)
    }

    /// Refreshes the query planner's statistics, after opening and after bulk loads. SQLite has
    /// none until told: without them it sorts a 100,000-row roster it could read in index order.
    /// A sampled ANALYZE takes milliseconds there; PostgreSQL keeps its own up to date (autovacuum)
    /// but is told too after a bulk load.
    pub async fn refresh_statistics(&self) -> Result<(), sqlx::Error> {
        let mut conn = self.write.acquire().await?;
        if self.backend == Backend::Sqlite {
            conn.execute("PRAGMA analysis_limit = 1000").await?;
            conn.execute("ANALYZE").await?;
            // Other connections read statistics only when they reload the schema, which ANALYZE
            // does not make them do; a schema change does.
            conn.execute("DROP VIEW IF EXISTS statistics_epoch").await?;
            conn.execute("CREATE VIEW statistics_epoch AS SELECT 1 AS epoch")
                .await?;
        } else {
            conn.execute("ANALYZE").await?;
        }
        Ok(())
    }

    pub async fn migrate(&self) -> Result<MigrationReport, OpenError> {
        let migrator = self.backend.migrator();
        let supported = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let before = self.schema_version().await?;
        if before > supported {
            return Err(OpenError::TooNew {
                found: before,
                supported,
            });
        }
        migrator.run(&self.write).await?;
        let after = self.schema_version().await?;
        Ok(MigrationReport { before, after })
    }

    /// The highest applied migration, 0 for an empty database.
    pub async fn schema_version(&self) -> Result<i64, sqlx::Error> {
        let exists = match self.backend {
            Backend::Sqlite => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_one(&self.read)
                .await?
            }
            Backend::Postgres => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '_sqlx_migrations' AND table_schema = current_schema()",
                )
                .fetch_one(&self.read)
                .await?
            }
        };
        if exists == 0 {
            return Ok(0);
        }
        sqlx::query_scalar::<_, i64>(
            "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = TRUE",
        )
        .fetch_one(&self.read)
        .await
    }

    /// Opens a write transaction.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.write.begin().await,
        }
    }

    /// The pool for reads outside a write transaction.
    pub fn reader(&self) -> &AnyPool {
        &self.read
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The same database with its media folder attached: the rows name files there, so uploads
    /// (`app::media`) write where the web site serves from.
    pub fn with_media(mut self, folder: media::MediaFolder) -> Db {
        self.media = Some(std::sync::Arc::new(folder));
        self
    }

    pub fn media(&self) -> Option<&media::MediaFolder> {
        self.media.as_deref()
    }

    /// The change feed of this database handle (`app::changes` names its topics).
    pub fn feed(&self) -> &feed::Feed {
        &self.feed
    }

    /// After a bulk load: fold SQLite's write-ahead log back into the file and refresh the
    /// planner's statistics, so the first queries afterwards run as they will in steady state.
    pub async fn after_bulk_load(&self) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Sqlite {
            self.empty_wal().await?;
        }
        self.refresh_statistics().await
    }

    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }

    /// After secrets were wiped (fetched initial passwords): SQLite zeroes what a write frees
    /// (`secure_delete`), but the write-ahead log still holds the pages as they were, until it
    /// is copied back and emptied here. False when readers kept it from being emptied within
    /// the busy timeout (its frames are then overwritten as the log is reused). PostgreSQL keeps
    /// old row versions until vacuum reuses their space; nothing here can force that.
    pub async fn forget_freed(&self) -> Result<bool, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.empty_wal().await,
            Backend::Postgres => Ok(true),
        }
    }

    /// SQLite: copies the whole WAL back into the file and truncates it, on the writer. False
    /// when readers kept it from finishing within the busy timeout.
    async fn empty_wal(&self) -> Result<bool, sqlx::Error> {
        // The first column is 1 when the checkpoint could not finish.
        let busy: i64 = sqlx::query_scalar("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&self.write)
            .await?;
        Ok(busy == 0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigrationReport {
    pub before: i64,
    pub after: i64,
}

/// Placeholders for `n` values starting at parameter `from`, for batched statements (built from
/// fixed fragments only). `$from, $from+1, …` on PostgreSQL; plain `?` on SQLite, which numbers
/// them in order: sqlx binds a named `$k` by asking SQLite for each parameter's name, which walks
/// a list, so k named parameters cost k² (40% of the heartbeat writer's time at 2,816 of them).
fn placeholders(backend: Backend, from: usize, n: usize) -> String {
    match backend {
        Backend::Sqlite => vec!["?"; n].join(", "),
        Backend::Postgres => (from..from + n)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A batch of rows passed as one JSON parameter (`$param`) and read back as a table `v` with
/// these columns: the statement's text does not depend on the batch's size, so each database
/// prepares and plans it once and keeps it cached (a placeholder per value made every batch size
/// a new statement, planned anew). `columns` are (name, SQL type) constants of our own code; the
/// JSON holds an array of objects with those keys.
fn json_rows(backend: Backend, param: usize, columns: &[(&str, &str)]) -> String {
    match backend {
        Backend::Sqlite => {
            let picks: Vec<String> = columns
                .iter()
                .map(|(name, _)| format!("value ->> '{name}' AS {name}"))
                .collect();
            format!(
                "(SELECT {} FROM json_each(${param})) AS v",
                picks.join(", ")
            )
        }
        Backend::Postgres => {
            let typed: Vec<String> = columns
                .iter()
                .map(|(name, ty)| format!("{name} {ty}"))
                .collect();
            format!(
                "jsonb_to_recordset(CAST(${param} AS jsonb)) AS v({})",
                typed.join(", ")
            )
        }
    }
}

/// `IN` a batch of values passed as one JSON array parameter (`$param`), for looking rows up by
/// key. On PostgreSQL as `= ANY(ARRAY(…))`, so the key's index is used: as a join (which `IN`
/// becomes) the planner chose to scan the whole table, which grows with every beat's update
/// until vacuumed. `ty` is `bigint` or `text`.
fn in_json(backend: Backend, param: usize, ty: &str) -> String {
    match backend {
        Backend::Sqlite => format!("IN (SELECT value FROM json_each(${param}))"),
        Backend::Postgres => format!(
            "= ANY(ARRAY(SELECT CAST(jsonb_array_elements_text(CAST(${param} AS jsonb)) AS {ty})))"
        ),
    }
}

/// The JSON text of a batch for [`json_rows`] and [`in_json`].
fn json<T: serde::Serialize + ?Sized>(rows: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(rows).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// The database a transaction runs on.
fn backend_of(tx: &Tx) -> Backend {
    if tx.backend_name().eq_ignore_ascii_case("sqlite") {
        Backend::Sqlite
    } else {
        Backend::Postgres
    }
}

/// `mode=rwc` so a missing file is created.
/// The file a `sqlite:` URL names (`None` for other databases and in-memory SQLite).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" || url.contains("mode=memory") {
        return None;
    }
    Some(std::path::PathBuf::from(path))
}

fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

/// How often the WAL is copied back into the SQLite database file.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// Checkpoints the SQLite WAL from a reader connection, in the background, until the pool is
/// closed. Left to itself SQLite checkpoints inside the commit that fills the WAL to its limit,
/// on the one writer connection, and every write queued behind that commit waits (the heartbeat
/// writer's slowest answers). A passive checkpoint runs beside the writer instead; the writer's
/// own limit (`wal_autocheckpoint`, raised to 10,000 pages) stays as a safety net.
async fn checkpoints(read: AnyPool) {
    let mut ticks = tokio::time::interval(CHECKPOINT_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !read.is_closed() {
        ticks.tick().await;
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&read)
            .await
        {
            tracing::debug!("WAL checkpoint: {e}");
        }
    }
}

fn sqlite_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                conn.execute("PRAGMA busy_timeout = 10000").await?;
                conn.execute("PRAGMA wal_autocheckpoint = 10000").await?;
                // Freed content is zeroed: a wiped initial password must not stay readable in
                // the file's free space.
                conn.execute("PRAGMA secure_delete = ON").await?;
                Ok(())
            })
        })
}
