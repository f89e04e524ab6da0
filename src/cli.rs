//! The local command line (`wangyuan demo|serve|migrate|init|seed|admin|import|check|exec`): settings, the tokio
//! runtime, and one function per command. Output to the console is Chinese; errors go to stderr
//! with exit 2 for bad usage or settings, 3 not allowed, 4 not found, 1 anything else.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::app::{self, Actor, actor::RoleKind};
use crate::cmd::{self, exit};
use crate::config::{ProcessEnv, Settings};
use crate::demo::{self, seed};
use crate::rules::calendar::credit_year;
use crate::store::Db;

#[derive(Debug, Parser)]
#[command(name = "wangyuan", version, about = "网院：干部教育培训网络学院")]
pub struct Cli {
    /// Settings file (TOML); default ./wangyuan.toml when present.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make and seed a demo database (data/demo.db) unless one exists, print how to sign in, then serve.
    Demo(DemoArgs),
    /// Open the database, apply migrations and run the SSH server until stopped.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// On an empty database: create the city's root unit and a first office account.
    Init(InitArgs),
    /// Add synthetic learners with a year of credits (for benchmarks).
    Seed(SeedArgs),
    /// Staff accounts and roles.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Import data from the legacy site (formats in docs/legacy-import.md).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Check every standing against the ledger and look for orphaned rows; exit 1 if anything is off.
    Check,
    /// Print the SSH host keys' fingerprints (making the host keys and the cookie key first if
    /// they are missing).
    Keys,
    /// Run a scripted command as a staff account, as `ssh host COMMAND` would (see docs/commands.md).
    Exec(ExecArgs),
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The staff account to act as.
    #[arg(long = "as", value_name = "USER")]
    pub user: String,
    /// The command and its options, after `--`.
    #[arg(last = true, value_name = "COMMAND")]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The city's name, e.g. 娄底市.
    #[arg(long)]
    pub city: String,
    /// The city's unit code, e.g. LD (stable: never changes).
    #[arg(long)]
    pub code: String,
    /// The first office account's username.
    #[arg(long, default_value = "office")]
    pub username: String,
    /// Read the office account's password from standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many demo learners.
    #[arg(long, default_value_t = 3000)]
    pub learners: usize,
    /// Seed and print the credentials, but do not start the servers.
    #[arg(long)]
    pub no_serve: bool,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[arg(long)]
    pub learners: usize,
    #[arg(long)]
    pub year: i32,
    /// Course completions per learner.
    #[arg(long, default_value_t = 40)]
    pub per_learner: usize,
    /// RNG seed, for repeatable data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Grant a staff role, creating the account when the username is new.
    Add(AdminAddArgs),
    /// Add an SSH public key (one OpenSSH line on standard input) to a staff account.
    AddKey {
        /// The account's username.
        username: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Legacy users with their old password hashes (batch 1), and their past learning records as
    /// `legacy` ledger entries. Rows that cannot be imported are listed; a rerun adds nothing twice.
    Legacy(LegacyArgs),
}

#[derive(Debug, Args)]
pub struct LegacyArgs {
    /// users.csv: username, name, id_number, unit, password_hash[, salt, post, phone].
    #[arg(long, value_name = "FILE")]
    pub users: PathBuf,
    /// records.csv: record_id, username, title, kind, credits, date.
    #[arg(long, value_name = "FILE")]
    pub records: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Office,
    College,
    Unit,
}

impl From<RoleArg> for RoleKind {
    fn from(r: RoleArg) -> RoleKind {
        match r {
            RoleArg::Office => RoleKind::Office,
            RoleArg::College => RoleKind::College,
            RoleArg::Unit => RoleKind::Unit,
        }
    }
}

#[derive(Debug, Args)]
pub struct AdminAddArgs {
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// Unit code (required for --role unit).
    #[arg(long)]
    pub unit: Option<String>,
    #[arg(long)]
    pub username: String,
    /// Real name of a new account (default: the username).
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from standard input instead of generating one.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Runs a parsed command line and returns the exit status.
pub fn run(cli: Cli) -> i32 {
    let settings = match Settings::load(cli.config.as_deref(), &ProcessEnv) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("错误：{e}");
            return exit::USAGE;
        }
    };
    init_logging(&settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return exit::FAILURE;
        }
    };
    runtime.block_on(dispatch(cli.command, settings))
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A closed stderr must not panic the server (by default a failed write is reported with
    // eprintln!, which panics). Ignore the error when a subscriber is already set.
    // Colour codes only for a person at a terminal: piped or logged to a file they are noise.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .log_internal_errors(false)
        .try_init();
}

async fn dispatch(command: Command, settings: Settings) -> i32 {
    let result = match command {
        Command::Demo(args) => demo(&settings, &args).await,
        Command::Serve => serve(&settings).await,
        Command::Migrate => migrate(&settings).await,
        Command::Init(args) => init(&settings, &args).await,
        Command::Seed(args) => seed_synthetic(&settings, &args).await,
        Command::Admin(AdminCommand::Add(args)) => admin_add(&settings, &args).await,
        Command::Import(ImportCommand::Legacy(args)) => import_legacy(&settings, &args).await,
        Command::Check => check(&settings).await,
        Command::Keys => keys(&settings),
        Command::Admin(AdminCommand::AddKey { username }) => {
            admin_add_key(&settings, &username).await
        }
        Command::Exec(args) => exec(&settings, &args).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{}", crate::rules::text::escape_lines(&e.to_string()));
            if matches!(e, CliError::App(app::Error::NotFound(_))) {
                demo_hint(&settings);
            }
            e.exit_code()
        }
    }
}

/// After `demo`, the other commands still use `wangyuan.db`, where the demo's accounts are not:
/// say where they are when something was not found and no database was named.
fn demo_hint(settings: &Settings) {
    let demo_db = settings.data_dir.join(DEMO_DB_FILE);
    if settings.database_url.is_none() && demo_db.exists() {
        eprintln!(
            "提示：未指定数据库时使用 {}；演示数据在 {}，对它操作请设置 WANGYUAN_DATABASE_URL=sqlite://{}",
            settings.data_dir.join(DB_FILE).display(),
            demo_db.display(),
            demo_db.display()
        );
    }
}

/// Errors of the console commands: an app error, or a database that could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    App(#[from] app::Error),
    #[error(transparent)]
    Open(#[from] crate::store::OpenError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Keys(#[from] crate::ssh::keys::KeyError),
    #[error(transparent)]
    WebKey(#[from] crate::web::KeyError),
}

impl CliError {
    fn exit_code(&self) -> i32 {
        match self {
            CliError::App(e) => e.exit_code(),
            CliError::Open(_) | CliError::Io(_) | CliError::Keys(_) | CliError::WebKey(_) => {
                exit::FAILURE
            }
        }
    }
}

type CliResult = Result<i32, CliError>;

async fn open(settings: &Settings, default_file: &str) -> Result<Db, CliError> {
    let url = settings.database_url_or(default_file);
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    Ok(Db::open(&url).await?.with_media(settings.media_folder()))
}

const DB_FILE: &str = "wangyuan.db";
const DEMO_DB_FILE: &str = "demo.db";
const DEMO_CREDENTIALS: &str = "demo-credentials.txt";

async fn demo(settings: &Settings, args: &DemoArgs) -> CliResult {
    let db = open(settings, DEMO_DB_FILE).await?;
    let credentials = settings.data_dir.join(DEMO_CREDENTIALS);
    if seed::is_seeded(&db).await? {
        println!(
            "演示数据库已存在（{}），不再重新生成。",
            db.backend().name()
        );
    } else {
        let now = app::now();
        println!("正在生成演示数据（{} 名学员）……", args.learners);
        let started = std::time::Instant::now();
        let opts = seed::DemoOptions {
            learners: args.learners,
            year: credit_year(now),
            now,
            rng_seed: 2026,
        };
        let summary = seed::demo(&db, &opts).await?;
        demo::courses::insert(&db, now).await?;
        println!(
            "已生成：单位 {} 个，课程 {} 门，学员 {} 名，学分记录 {} 条，用时 {:.1} 秒。",
            summary.units,
            summary.courses,
            summary.learners,
            summary.entries,
            started.elapsed().as_secs_f64()
        );
        write_credentials(&credentials, &summary)?;
    }
    demo::courses::ensure_media(&db, app::now()).await?;
    let codes: Vec<&str> = demo::courses::DEMO_COURSES.iter().map(|c| c.code).collect();
    println!(
        "可播放的演示短课程：{}（课件在 {}）",
        codes.join("、"),
        settings.media_dir().display()
    );
    match std::fs::read_to_string(&credentials) {
        Ok(text) => print!("{text}"),
        Err(_) => println!(
            "（未找到 {}：演示账号密码只在首次生成时保存）",
            credentials.display()
        ),
    }
    if args.no_serve {
        db.close().await;
        return Ok(exit::OK);
    }
    ensure_private_dir(&settings.keys_dir)?;
    println!(
        "\n学员用浏览器打开 {} ，用上面的演示学员账号登录（例如 {}），在“课程”中搜索 DEMO 播放演示短课程。",
        web_address(settings.http_listen),
        sample_learner(&credentials).unwrap_or_else(|| "ld00001".into())
    );
    let port = settings.ssh_listen.port();
    println!("\n管理人员用任意 SSH 客户端登录（密码见上）：");
    for user in ["office", "college", "lx_liaison"] {
        println!("  ssh -p {port} {user}@localhost");
    }
    println!(
        "脚本示例：ssh -p {port} office@localhost report units --year {}",
        credit_year(app::now())
    );
    println!(
        "脚本免输密码：先登记自己的公钥（输入一次密码），例如 \
         ssh -p {port} office@localhost key add office < ~/.ssh/id_ed25519.pub"
    );
    run_services(settings, db).await
}

/// The sample learner's username, from the credentials file `write_credentials` made.
fn sample_learner(credentials: &Path) -> Option<String> {
    let text = std::fs::read_to_string(credentials).ok()?;
    let line = text.lines().find(|l| l.starts_with("演示学员"))?;
    let name = line.rsplit("例如用户名 ").next()?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// Creates the keys directory (owner-only) when it does not exist yet; `demo` sets up everything.
fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn write_credentials(path: &Path, s: &seed::DemoSummary) -> std::io::Result<()> {
    let mut text = String::from("演示账号（管理人员）：\n");
    for staff in &s.staff {
        text.push_str(&format!(
            "  {}（{}）：用户名 {}，密码 {}\n",
            staff.role.label(),
            staff.unit_name,
            staff.username,
            staff.password
        ));
    }
    text.push_str(&format!(
        "演示学员：每名学员的密码都是 {}，例如用户名 {}\n",
        s.learner_password, s.sample_learner
    ));
    let mut file = open_private(path)?;
    file.write_all(text.as_bytes())
}

/// Creates (or truncates) a file readable only by its owner: it holds passwords.
fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

async fn serve(settings: &Settings) -> CliResult {
    let db = open(settings, DB_FILE).await?;
    run_services(settings, db).await
}

/// Binds `addr`, naming the setting in the error.
async fn bind(
    addr: std::net::SocketAddr,
    what: &str,
    key: &str,
) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        std::io::Error::new(e.kind(), format!("无法监听{what}地址 {addr}（{key}）：{e}"))
    })
}

/// Starts the SSH server and the learner web site on the configured addresses and runs until
/// SIGINT or SIGTERM, or until either server fails.
async fn run_services(settings: &Settings, db: Db) -> CliResult {
    let keys = crate::ssh::keys::load_or_create(&settings.keys_dir)?;
    let cookie_key = crate::web::load_or_create_key(&settings.keys_dir)?;
    let listener = bind(settings.ssh_listen, " SSH ", "ssh_listen").await?;
    let http = bind(settings.http_listen, "网站", "http_listen").await?;
    // The addresses actually bound: port 0 in the settings means "any free port".
    let ssh_addr = listener.local_addr()?;
    let http_addr = http.local_addr()?;
    // Listen for signals before saying we are ready, so a stop right after is never missed.
    let shutdown = Shutdown::listen()?;
    // One machine-readable line per listener on stdout, for scripts and tests that start us on
    // port 0 (println! flushes at each newline).
    println!("ssh_listen={ssh_addr}");
    println!("http_listen={http_addr}");
    let shared = crate::ssh::Shared {
        db: db.clone(),
        idle_timeout: std::time::Duration::from_secs(settings.idle_timeout_secs),
        web_address: web_address(http_addr),
        limits: crate::ssh::Limits::from_settings(settings),
    };
    let mut ssh = tokio::spawn(crate::ssh::serve(shared, keys, listener));
    let site = crate::web::Web::new(crate::web::Options {
        db: db.clone(),
        key: cookie_key,
        media_dir: settings.media_dir(),
        secure_cookies: settings.secure_cookies,
        clock: crate::web::Clock::system(),
        node: format!("web@{http_addr}"),
    });
    let header_timeout = std::time::Duration::from_secs(settings.http_header_timeout_secs);
    let mut web = tokio::spawn(crate::web::serve_with_header_timeout(
        http,
        site,
        header_timeout,
    ));
    tracing::info!(
        backend = db.backend().name(),
        ssh = %ssh_addr,
        http = %http_addr,
        "服务已就绪：SSH 管理界面与学员网站已启动，按 Ctrl-C 退出"
    );
    let ended = |r: Result<std::io::Result<()>, tokio::task::JoinError>| match r {
        Ok(Ok(())) => Ok(exit::OK),
        Ok(Err(e)) => Err(CliError::Io(e)),
        Err(e) => Err(CliError::Io(std::io::Error::other(e.to_string()))),
    };
    let result = tokio::select! {
        _ = shutdown.wait() => Ok(exit::OK),
        r = &mut ssh => ended(r),
        r = &mut web => ended(r),
    };
    tracing::info!("正在停止");
    ssh.abort();
    web.abort();
    db.close().await;
    result
}

/// Where learners are sent: the web site's address as people type it.
fn web_address(addr: std::net::SocketAddr) -> String {
    let host = if addr.ip().is_unspecified() {
        "localhost".to_string()
    } else {
        addr.ip().to_string()
    };
    format!("http://{host}:{}/", addr.port())
}

/// Ctrl-C (SIGINT), or SIGTERM from a service manager.
struct Shutdown {
    #[cfg(unix)]
    signals: [tokio::signal::unix::Signal; 2],
}

impl Shutdown {
    fn listen() -> std::io::Result<Shutdown> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Shutdown {
                signals: [
                    signal(SignalKind::interrupt())?,
                    signal(SignalKind::terminate())?,
                ],
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Shutdown {})
        }
    }

    async fn wait(self) {
        #[cfg(unix)]
        {
            let [mut int, mut term] = self.signals;
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

async fn migrate(settings: &Settings) -> CliResult {
    let url = settings.database_url_or(DB_FILE);
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)?;
    }
    let db = Db::connect(&url).await?;
    let report = db.migrate().await?;
    if report.before == report.after {
        println!("数据库已是最新版本（{}）。", report.after);
    } else {
        println!("数据库已从版本 {} 升级到 {}。", report.before, report.after);
    }
    db.close().await;
    Ok(exit::OK)
}

async fn seed_synthetic(settings: &Settings, args: &SeedArgs) -> CliResult {
    let db = open(settings, DB_FILE).await?;
    let opts = seed::SyntheticOptions {
        learners: args.learners,
        year: args.year,
        per_learner: args.per_learner,
        now: app::now(),
        rng_seed: args.seed,
    };
    let started = std::time::Instant::now();
    let summary = seed::synthetic(&db, &opts, |done| {
        eprint!("\r已写入 {done}/{} 名学员", args.learners);
    })
    .await?;
    eprintln!();
    println!(
        "已写入 {} 名学员、{} 条学分记录，用时 {:.1} 秒；这些学员的密码是 {}",
        summary.learners,
        summary.entries,
        started.elapsed().as_secs_f64(),
        summary.password
    );
    db.close().await;
    Ok(exit::OK)
}

/// The password given on standard input (`--password-stdin`), its line break dropped; more than
/// `SMALL_STDIN_BYTES` is refused, never cut short.
async fn password_from_stdin(wanted: bool) -> Result<Option<String>, CliError> {
    if !wanted {
        return Ok(None);
    }
    let buf = cmd::Stdin::process()
        .read_text(crate::rules::limits::SMALL_STDIN_BYTES, "标准输入")
        .await?;
    Ok(Some(buf.trim_end_matches(['\r', '\n']).to_string()))
}

async fn init(settings: &Settings, args: &InitArgs) -> CliResult {
    let password = password_from_stdin(args.password_stdin).await?;
    let db = open(settings, DB_FILE).await?;
    let req = app::unit_tree::Init {
        city: &args.city,
        code: &args.code,
        username: &args.username,
        password,
    };
    let done = app::unit_tree::init(&db, &Actor::local_operator(), req, app::now()).await;
    db.close().await;
    let done = done?;
    println!(
        "已建立全市单位 {} {}，并创建市在线学习办账号 {}。",
        done.unit.code, done.unit.name, done.username
    );
    if let Some(pw) = done.generated_password {
        println!("初始密码：{pw}（只显示这一次，首次使用前须修改）");
    }
    Ok(exit::OK)
}

async fn admin_add(settings: &Settings, args: &AdminAddArgs) -> CliResult {
    let password = password_from_stdin(args.password_stdin).await?;
    let db = open(settings, DB_FILE).await?;
    let req = app::admin::AddStaff {
        role: args.role.into(),
        unit_code: args.unit.as_deref(),
        username: &args.username,
        real_name: args.name.as_deref(),
        password,
    };
    let added = app::admin::add_staff(&db, &Actor::local_operator(), req, app::now()).await?;
    let role = RoleKind::from(args.role).label();
    if added.created {
        println!(
            "已创建账号 {}，角色：{role}（{}）。",
            args.username, added.unit_name
        );
    } else {
        println!(
            "账号 {} 已存在，已授予角色：{role}（{}）。",
            args.username, added.unit_name
        );
    }
    if let Some(pw) = added.generated_password {
        println!("初始密码：{pw}（首次登录后须修改）");
    }
    db.close().await;
    Ok(exit::OK)
}

fn keys(settings: &Settings) -> CliResult {
    let keys = crate::ssh::keys::load_or_create(&settings.keys_dir)?;
    crate::web::load_or_create_key(&settings.keys_dir)?;
    for (algorithm, fingerprint) in crate::ssh::keys::fingerprints(&keys) {
        println!("{fingerprint} ({algorithm})");
    }
    Ok(exit::OK)
}

async fn admin_add_key(settings: &Settings, username: &str) -> CliResult {
    let line = cmd::Stdin::process()
        .read_text(crate::rules::limits::SMALL_STDIN_BYTES, "标准输入")
        .await?;
    let db = open(settings, DB_FILE).await?;
    let fingerprint =
        app::admin::add_key(&db, &Actor::local_operator(), username, &line, app::now()).await?;
    println!("已为 {username} 添加公钥 {fingerprint}");
    db.close().await;
    Ok(exit::OK)
}

async fn import_legacy(settings: &Settings, args: &LegacyArgs) -> CliResult {
    // One byte past the limit is enough for the import to refuse the file by its size.
    let read = |path: &Path| {
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| {
                f.take(app::legacy::MAX_FILE_BYTES as u64 + 1)
                    .read_to_end(&mut bytes)
            })
            .map(|_| bytes)
            .map_err(|e| std::io::Error::new(e.kind(), format!("无法读取 {}：{e}", path.display())))
    };
    let users = read(&args.users)?;
    let records = args.records.as_deref().map(read).transpose()?;
    let db = open(settings, DB_FILE).await?;
    let report = app::legacy::import(
        &db,
        &Actor::local_operator(),
        &users,
        records.as_deref(),
        app::now(),
    )
    .await;
    db.close().await;
    let report = report?;
    println!(
        "旧站数据导入完成：新增账号 {}（已存在 {}），新增学习记录 {}（已存在 {}），未导入 {} 行。",
        report.users_added,
        report.users_present,
        report.records_added,
        report.records_present,
        report.problems.len()
    );
    if !report.problems.is_empty() {
        println!("\n未导入的行（文件，行号，原因）：");
        for p in &report.problems {
            // The reason may quote the file's own text (a username): shown, never obeyed.
            let reason = crate::rules::text::escape(&p.reason);
            println!("  {}，第 {} 行，{reason}", p.file, p.line);
        }
    }
    Ok(exit::OK)
}

async fn check(settings: &Settings) -> CliResult {
    let db = open(settings, DB_FILE).await?;
    let report = app::check::run(&db).await?;
    let code = cmd::check::write_report(&mut std::io::stdout().lock(), &report)?;
    db.close().await;
    Ok(code)
}

async fn exec(settings: &Settings, args: &ExecArgs) -> CliResult {
    // A command runs against existing data: a mistyped path must not leave an empty database.
    let url = settings.database_url_or(DB_FILE);
    if let Some(path) = crate::store::sqlite_file(&url)
        && !path.exists()
    {
        eprintln!(
            "错误：数据库文件 {} 不存在。请检查 WANGYUAN_DATABASE_URL 或 data_dir，或先运行 wangyuan migrate 建库。",
            crate::rules::text::escape_lines(&path.display().to_string())
        );
        return Ok(exit::FAILURE);
    }
    let db = open(settings, DB_FILE).await?;
    let actor = Actor::load(&db, &args.user, "local").await?;
    let code = if actor.is_staff() {
        cmd::run(
            &db,
            &actor,
            &args.args,
            &mut cmd::Stdin::process(),
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        )
        .await
    } else {
        eprintln!("错误：账号 {} 不是管理人员，不能运行脚本命令。", args.user);
        exit::FORBIDDEN
    };
    db.close().await;
    Ok(code)
}
