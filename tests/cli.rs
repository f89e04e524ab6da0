//! The `wangyuan` binary as a user runs it: settings errors, migrate, seed, admin add, check, demo.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::TestDb;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn wangyuan(
    dir: &std::path::Path,
    db_url: Option<&str>,
    args: &[&str],
    stdin: Option<&str>,
) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wangyuan"));
    cmd.args(args)
        .current_dir(dir)
        .env("WANGYUAN_DATA_DIR", dir.join("data"))
        .env("WANGYUAN_LOG", "warn")
        .env_remove("WANGYUAN_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = db_url {
        cmd.env("WANGYUAN_DATABASE_URL", url);
    }
    let mut child = cmd.spawn().expect("spawn wangyuan");
    // Dropping the pipe closes standard input.
    if let (Some(mut pipe), Some(text)) = (child.stdin.take(), stdin) {
        pipe.write_all(text.as_bytes()).expect("stdin");
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("wait");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

#[test]
fn a_bad_setting_is_reported_with_its_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wangyuan"));
    let out = cmd
        .args(["migrate"])
        .current_dir(dir.path())
        .env("WANGYUAN_SSH_LISTEN", "not-an-address")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ssh_listen") && err.contains("WANGYUAN_SSH_LISTEN"),
        "{err}"
    );

    let run = wangyuan(
        dir.path(),
        None,
        &["--config", "missing.toml", "migrate"],
        None,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("missing.toml"), "{}", run.stderr);

    std::fs::write(dir.path().join("wangyuan.toml"), "http_listen = 8080\n").expect("write");
    let run = wangyuan(dir.path(), None, &["migrate"], None);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("http_listen"), "{}", run.stderr);
}

#[tokio::test]
async fn seed_admin_and_check_on_both_databases() {
    for t in TestDb::all().await {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = Some(t.url.as_str());
        let run = |args: &[&str], stdin: Option<&str>| wangyuan(dir.path(), url, args, stdin);

        let r = run(&["migrate"], None);
        assert_eq!(r.code, 0, "{}: {}", t.name, r.stderr);
        let r = run(
            &[
                "seed",
                "--learners",
                "40",
                "--year",
                "2026",
                "--per-learner",
                "12",
            ],
            None,
        );
        assert_eq!(r.code, 0, "{}: {}", t.name, r.stderr);
        assert!(
            r.stdout.contains("40 名学员") && r.stdout.contains("480 条"),
            "{}",
            r.stdout
        );

        let r = run(
            &["admin", "add", "--role", "unit", "--username", "lxhr"],
            None,
        );
        assert_eq!(r.code, 2, "unit role needs --unit: {}", r.stderr);
        let r = run(
            &[
                "admin",
                "add",
                "--role",
                "unit",
                "--unit",
                "NOPE",
                "--username",
                "lxhr",
            ],
            None,
        );
        assert_eq!(r.code, 4, "unknown unit: {}", r.stderr);
        assert!(r.stderr.contains("NOPE"), "{}", r.stderr);
        let r = run(
            &[
                "admin",
                "add",
                "--role",
                "office",
                "--username",
                "boss",
                "--password-stdin",
            ],
            Some("short\n"),
        );
        assert_eq!(r.code, 2, "weak password refused: {}", r.stderr);
        // Standard input past the bound is refused, not cut short and used.
        let oversize = format!("Str0ngPassw0rd{}\n", "x".repeat(20 * 1024));
        let r = run(
            &[
                "admin",
                "add",
                "--role",
                "office",
                "--username",
                "boss",
                "--password-stdin",
            ],
            Some(&oversize),
        );
        assert_eq!(r.code, 2, "oversized stdin refused: {}", r.stderr);
        assert!(r.stderr.contains("输入超过"), "{}", r.stderr);
        let r = run(
            &[
                "admin",
                "add",
                "--role",
                "office",
                "--username",
                "boss",
                "--password-stdin",
            ],
            Some("Str0ngPassw0rd\n"),
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(!r.stdout.contains("初始密码"), "{}", r.stdout);
        let r = run(
            &[
                "admin",
                "add",
                "--role",
                "unit",
                "--unit",
                "LX",
                "--username",
                "lxhr",
                "--name",
                "娄星区联络员",
            ],
            None,
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stdout.contains("初始密码"), "{}", r.stdout);

        let (scheme, hash): (String, String) = sqlx::query_as(
            "SELECT password_scheme, password_hash FROM accounts WHERE username = 'boss'",
        )
        .fetch_one(t.db.reader())
        .await
        .expect("boss");
        assert_eq!(scheme, "argon2id");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let roles = common::count(&t.db, "SELECT COUNT(*) FROM roles r JOIN accounts a ON a.id = r.account_id WHERE a.username IN ('boss', 'lxhr')").await;
        assert_eq!(roles, 2);
        let audited = common::count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'role.grant'",
        )
        .await;
        assert_eq!(audited, 2);

        let r = run(&["check"], None);
        assert_eq!(r.code, 0, "{}: {}{}", t.name, r.stdout, r.stderr);
        assert!(r.stdout.contains("检查通过"), "{}", r.stdout);

        // Tamper with one standing: check must notice and exit 1.
        sqlx::query("UPDATE standings SET required = required + 10 WHERE account_id = (SELECT MIN(account_id) FROM standings)")
            .execute(t.db.reader())
            .await
            .expect("tamper");
        let r = run(&["check"], None);
        assert_eq!(r.code, 1, "{}: {}", t.name, r.stdout);
        assert!(r.stdout.contains("不一致"), "{}", r.stdout);
    }
}

#[test]
fn demo_seeds_once_and_prints_the_credentials() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = wangyuan(
        dir.path(),
        None,
        &["demo", "--learners", "150", "--no-serve"],
        None,
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    for needle in ["已生成", "office", "college", "lx_liaison", "演示学员"] {
        assert!(
            first.stdout.contains(needle),
            "missing {needle}: {}",
            first.stdout
        );
    }
    let creds = dir.path().join("data").join("demo-credentials.txt");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&creds)
            .expect("credentials file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "credentials readable by others: {mode:o}");
    }
    let second = wangyuan(dir.path(), None, &["demo", "--no-serve"], None);
    assert_eq!(second.code, 0, "{}", second.stderr);
    assert!(second.stdout.contains("已存在"), "{}", second.stdout);
    let creds_text = std::fs::read_to_string(&creds).expect("read");
    assert!(
        second.stdout.contains(creds_text.trim()),
        "the same credentials are printed again"
    );

    let demo_db = format!(
        "sqlite://{}",
        dir.path().join("data").join("demo.db").display()
    );
    let check = wangyuan(dir.path(), Some(&demo_db), &["check"], None);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);

    // Without a database named, admin commands use wangyuan.db: the demo's accounts are not
    // there, and the error says where they are.
    let key =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDQIYory/slZTCHOVKCiUiixr+5RgvvQoO1asvXWANiA me@host";
    let missed = wangyuan(dir.path(), None, &["admin", "add-key", "office"], Some(key));
    assert_eq!(missed.code, 4, "{}", missed.stderr);
    assert!(
        missed.stderr.contains("演示数据在") && missed.stderr.contains("demo.db"),
        "{}",
        missed.stderr
    );
    let added = wangyuan(
        dir.path(),
        Some(&demo_db),
        &["admin", "add-key", "office"],
        Some(key),
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    assert!(!added.stderr.contains("演示数据在"), "{}", added.stderr);
}

#[test]
fn serve_starts_ssh_then_stops_cleanly_on_sigterm() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = dir.path().join("keys");
    std::fs::create_dir(&keys).expect("keys dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wangyuan"))
        .arg("serve")
        .current_dir(dir.path())
        .env("WANGYUAN_DATA_DIR", dir.path().join("data"))
        .env("WANGYUAN_KEYS_DIR", &keys)
        .env("WANGYUAN_SSH_LISTEN", "127.0.0.1:0")
        .env("WANGYUAN_HTTP_LISTEN", "127.0.0.1:0")
        .env("WANGYUAN_LOG", "info")
        .env_remove("WANGYUAN_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn serve");
    let mut lines = std::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let ready = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|line| line.contains("服务已就绪"));
    assert!(ready, "serve never said it was ready");
    // Port 0 in the settings: serve prints the addresses it really bound, and they answer.
    let (ssh, http) = common::serve::read_addresses(child.stdout.take().expect("stdout"));
    for (what, addr) in [("ssh_listen", ssh), ("http_listen", http)] {
        let addr = addr.unwrap_or_else(|| panic!("serve printed no {what}= line"));
        assert!(addr.ip().is_loopback() && addr.port() != 0, "{what}={addr}");
        assert!(
            std::net::TcpStream::connect(addr).is_ok(),
            "{what}={addr} accepts"
        );
    }
    // Keep reading so the server's last log lines have somewhere to go.
    let rest =
        std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>().join("\n"));
    assert!(dir.path().join("data").join("wangyuan.db").exists());
    assert!(
        keys.join("ssh_host_ed25519_key").exists(),
        "host keys made at first start"
    );
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    let rest = rest.join().expect("stderr reader");
    assert_eq!(status.code(), Some(0), "serve exits 0 on SIGTERM: {rest}");
    assert!(rest.contains("正在停止"), "{rest}");
}

/// Two processes making the keys at the same moment on one empty `keys/` folder (as two `serve`
/// nodes sharing it do): both succeed, agree on every key, and leave no temporary files.
#[test]
fn two_processes_making_the_keys_at_once_agree() {
    for round in 0..4 {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = dir.path().join("keys");
        std::fs::create_dir(&keys).expect("keys dir");
        let spawn = || {
            Command::new(env!("CARGO_BIN_EXE_wangyuan"))
                .arg("keys")
                .current_dir(dir.path())
                .env("WANGYUAN_KEYS_DIR", &keys)
                .env("WANGYUAN_LOG", "warn")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn keys")
        };
        let (a, b) = (spawn(), spawn());
        let [a, b] = [a, b].map(|c| c.wait_with_output().expect("wait"));
        for out in [&a, &b] {
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let printed = String::from_utf8_lossy(&a.stdout);
        assert_eq!(printed.lines().count(), 2, "{printed}");
        assert_eq!(a.stdout, b.stdout, "round {round}: the same fingerprints");
        let mut names: Vec<_> = std::fs::read_dir(&keys)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["cookie_key", "ssh_host_ed25519_key", "ssh_host_rsa_key"]
        );
        // A third start loads what the race left: the same keys again.
        let again = spawn().wait_with_output().expect("wait");
        assert_eq!(again.stdout, a.stdout);
    }
}

/// `wangyuan import legacy` on both databases: a report of the rows not imported, and a rerun that
/// adds nothing.
#[tokio::test]
async fn import_legacy_reports_and_reruns() {
    for t in TestDb::with_city(1).await {
        let dir = tempfile::tempdir().expect("tempdir");
        let users = dir.path().join("users.csv");
        let records = dir.path().join("records.csv");
        std::fs::write(
            &users,
            "username,name,id_number,unit,password_hash\n\
             wangli,王丽,11010519491231002X,LX,5f4dcc3b5aa765d61d8327deb882cf99\n\
             bad,坏行,123,LX,5f4dcc3b5aa765d61d8327deb882cf99\n",
        )
        .expect("write users");
        std::fs::write(
            &records,
            "record_id,username,title,kind,credits,date\n1,wangli,党章,必修,2,2020-05-01\n",
        )
        .expect("write records");
        let args = [
            "import",
            "legacy",
            "--users",
            users.to_str().expect("path"),
            "--records",
            records.to_str().expect("path"),
        ];
        let first = wangyuan(dir.path(), Some(&t.url), &args, None);
        assert_eq!(first.code, 0, "{}: {}", t.name, first.stderr);
        assert!(
            first.stdout.contains("新增账号 1") && first.stdout.contains("新增学习记录 1"),
            "{}",
            first.stdout
        );
        assert!(
            first.stdout.contains("users.csv，第 3 行") && first.stdout.contains("18位"),
            "{}",
            first.stdout
        );
        let again = wangyuan(dir.path(), Some(&t.url), &args, None);
        assert_eq!(again.code, 0, "{}", again.stderr);
        assert!(
            again.stdout.contains("新增账号 0（已存在 1）")
                && again.stdout.contains("新增学习记录 0（已存在 1）"),
            "{}",
            again.stdout
        );
        let missing = wangyuan(
            dir.path(),
            Some(&t.url),
            &["import", "legacy", "--users", "nope.csv"],
            None,
        );
        assert_eq!(missing.code, 1, "{}", missing.stderr);
        assert!(missing.stderr.contains("nope.csv"), "{}", missing.stderr);
    }
}

/// Every usage line (generated by `args::grammar`) names exactly the flags its command accepts
/// (besides `-h`), each positional by its value name, and, for a command with subcommands, every
/// subcommand: checks the generator (`args::usage`) that every usage line comes from.
#[test]
fn every_usage_line_names_exactly_the_accepted_flags_and_subcommands() {
    fn walk(cmd: &mut clap::Command, path: &str, problems: &mut Vec<String>) {
        let usage = cmd.render_usage().to_string();
        let words: std::collections::BTreeSet<String> = usage
            .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
            .map(String::from)
            .collect();
        let named: std::collections::BTreeSet<String> = words
            .iter()
            .filter_map(|w| w.strip_prefix("--"))
            .map(String::from)
            .collect();
        let accepted: std::collections::BTreeSet<String> = cmd
            .get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| a.get_long())
            .filter(|l| *l != "help")
            .map(String::from)
            .collect();
        if cmd.has_subcommands() {
            for sub in cmd.get_subcommands() {
                if !words.contains(sub.get_name()) {
                    problems.push(format!(
                        "{path}: usage {usage:?} lacks subcommand {}",
                        sub.get_name()
                    ));
                }
            }
        } else {
            if named != accepted {
                problems.push(format!(
                    "{path}: usage {usage:?} names {named:?}, accepts {accepted:?}"
                ));
            }
            for a in cmd.get_positionals() {
                // A positional with a fixed set of values is shown by its values.
                if let Some(first) = a.get_possible_values().first() {
                    if !usage.contains(first.get_name()) {
                        problems.push(format!(
                            "{path}: usage {usage:?} lacks {}",
                            first.get_name()
                        ));
                    }
                    continue;
                }
                for v in a.get_value_names().unwrap_or_default() {
                    if !usage.contains(v.as_str()) {
                        problems.push(format!("{path}: usage {usage:?} lacks positional {v}"));
                    }
                }
            }
        }
        for sub in cmd.get_subcommands_mut() {
            let name = format!("{path} {}", sub.get_name());
            walk(sub, &name, problems);
        }
    }

    let mut root = wangyuan::cmd::args::grammar();
    root.build();
    let mut problems = Vec::new();
    // The root's usage is the generic `<命令> [选项]`; `help` lists the commands.
    for sub in root.get_subcommands_mut() {
        let name = sub.get_name().to_string();
        walk(sub, &name, &mut problems);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
